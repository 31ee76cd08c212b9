/* SPDX-License-Identifier: MIT */
/* upstream_file.c: an upstream file entering the cache, one fetcher and its followers (upstream_file.h). */
#include "config.h"
#include "upstream_file.h"
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "digest.h"
#include "fs.h"
#include "name.h"
#include "sv.h"

/* How often a follower looks again while the fetcher writes: from 1 ms,
 * doubling, to this. */
#define UPF_POLL_MAX_MS 50

static bool plain_filename(const char *f)
{
    size_t n = strlen(f);
    return n > 0 && n <= 255 && f[0] != '.' && !strchr(f, '/');
}

/* The staging file's name: ".<filename>.part", or, for a name too long for
 * that, ".part.<the SHA-256 of the name>": fixed by the name alone, so
 * every process finds the same one. */
static void part_name(const char *filename, char out[256])
{
    size_t n = strlen(filename);
    if (n + 6 <= 255) {
        snprintf(out, 256, ".%s.part", filename);
        return;
    }
    char hex[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(filename, n, hex);
    snprintf(out, 256, ".part.%s", hex);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Whether dirfd's `name` is the file open on fd. */
static bool named(int dirfd, const char *name, int fd)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && fs_stat_sync(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&a, &b);
}

static void close_all(struct upf *h)
{
    if (h->fd >= 0)
        close(h->fd);
    if (h->dirfd >= 0)
        close(h->dirfd);
    h->fd = h->dirfd = -1;
    h->role = UPF_NONE;
}

/* One look at the file: complete, or the staging file with its lock taken
 * (fetcher) or held by another (follower). 1: look again (the file was
 * renamed or committed between two steps). */
static int try_open(struct upf *h, enum pf_err *e)
{
    *e = PF_EOK;
    int fd = openat(h->dirfd, h->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd >= 0) {
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            errno = EINVAL;
            *e = PF_EIO;
            return 0;
        }
        h->fd = fd;
        h->role = UPF_COMPLETE;
        h->size = (uint64_t)st.st_size;
        return 0;
    }
    if (errno != ENOENT) {
        *e = PF_EIO;
        return 0;
    }
    char part[256];
    part_name(h->name, part);
    fd = openat(h->dirfd, part, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        *e = PF_EIO;
        return 0;
    }
    h->fd = fd;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            *e = PF_EIO;
            return 0;
        }
        h->role = UPF_FOLLOWER;
        return 0;
    }
    /* The lock is ours: the file may meanwhile have been committed (this
     * open found the staging inode just before its rename) or replaced. */
    if (!named(h->dirfd, part, fd) || faccessat(h->dirfd, h->name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        close(fd);
        h->fd = -1;
        return 1;
    }
    /* What a dead fetcher left is thrown away. */
    if (ftruncate(fd, 0) != 0) {
        *e = PF_EIO;
        return 0;
    }
    h->role = UPF_FETCHER;
    return 0;
}

enum pf_err upf_open(int cachefd, const char *norm, const char *sha256, const char *filename, struct upf *h)
{
    memset(h, 0, sizeof *h);
    h->fd = h->dirfd = -1;
    h->role = UPF_NONE;
    size_t nl = strlen(norm);
    if (!plain_filename(filename) || nl == 0 || nl > NAME_MAX_LEN || !name_is_normalized(sv_make(norm, nl)) ||
        !digest_is_hex64(sha256, strlen(sha256))) /* lower case only: one spelling, one directory */
        return PF_EINVAL;
    memcpy(h->name, filename, strlen(filename) + 1);
    if (mkdirat(cachefd, norm, 0755) != 0 && errno != EEXIST)
        return PF_EIO;
    int projfd = openat(cachefd, norm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (projfd < 0)
        return PF_EIO;
    if (mkdirat(projfd, sha256, 0755) != 0 && errno != EEXIST) {
        int saved = errno;
        close(projfd);
        errno = saved;
        return PF_EIO;
    }
    h->dirfd = openat(projfd, sha256, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int saved = errno;
    close(projfd);
    errno = saved;
    if (h->dirfd < 0)
        return PF_EIO;
    /* Each repeat follows a commit or a rename seen between two steps: a
     * few are plenty. */
    for (int tries = 0; tries < 8; tries++) {
        enum pf_err e;
        if (try_open(h, &e) == 0) {
            if (e) {
                int err = errno;
                close_all(h);
                errno = err;
            }
            return e;
        }
    }
    close_all(h);
    errno = EAGAIN;
    return PF_EIO;
}

enum pf_err upf_write(struct upf *h, const void *p, size_t n)
{
    if (h->role != UPF_FETCHER)
        return PF_EINVAL;
    const char *c = p;
    while (n) {
        ssize_t w = pwrite(h->fd, c, n, (off_t)h->size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return fs_write_err(w < 0 ? errno : EIO);
        c += w;
        n -= (size_t)w;
        h->size += (uint64_t)w;
    }
    return PF_EOK;
}

enum pf_err upf_commit(struct upf *h)
{
    if (h->role != UPF_FETCHER)
        return PF_EINVAL;
    char part[256];
    part_name(h->name, part);
    /* Durable before it has its name; the name durable before the lock
     * goes, since a follower takes the free lock for the end of it. */
    if (fsync(h->fd) != 0 || renameat(h->dirfd, part, h->dirfd, h->name) != 0) {
        enum pf_err e = fs_write_err(errno);
        upf_abandon(h);
        return e;
    }
    if (fsync(h->dirfd) != 0) {
        enum pf_err e = fs_write_err(errno);
        (void)unlinkat(h->dirfd, h->name, 0);
        close_all(h);
        return e;
    }
    (void)flock(h->fd, LOCK_UN);
    h->role = UPF_COMPLETE;
    return PF_EOK;
}

void upf_abandon(struct upf *h)
{
    if (h->role == UPF_FETCHER) {
        char part[256];
        part_name(h->name, part);
        /* Only the staging file this caller holds the lock of. */
        if (named(h->dirfd, part, h->fd))
            (void)unlinkat(h->dirfd, part, 0);
    }
    close_all(h);
}

void upf_close(struct upf *h)
{
    if (h->role == UPF_FETCHER)
        upf_abandon(h);
    else
        close_all(h);
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The fetcher has ended (its lock is free): 1 when its file was
 * committed, 0 when not. */
static int fetcher_ended(struct upf *h)
{
    if (flock(h->fd, LOCK_SH | LOCK_NB) != 0)
        return -1;
    /* Held only for the look: a fetcher taking over this staging file
     * after a dead one must get it. */
    (void)flock(h->fd, LOCK_UN);
    return named(h->dirfd, h->name, h->fd) ? 1 : 0;
}

enum pf_err upf_follow(struct upf *h, void *buf, size_t n, size_t *got, int idle_ms)
{
    *got = 0;
    if (h->role != UPF_FOLLOWER && h->role != UPF_COMPLETE)
        return PF_EINVAL;
    int64_t since = now_ms();
    int pause = 1;
    for (;;) {
        ssize_t r = pread(h->fd, buf, n, (off_t)h->off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return PF_EIO;
        if (r > 0) {
            h->off += (uint64_t)r;
            *got = (size_t)r;
            return PF_EOK;
        }
        if (h->role == UPF_COMPLETE || n == 0)
            return PF_EOK;
        /* Attributes as the file server has them (another host may
         * write): a size grown since shows on the next read. */
        struct stat st;
        if (fs_stat_sync(h->fd, "", &st, AT_EMPTY_PATH) != 0)
            return PF_EIO;
        if (st.st_size > (off_t)h->off)
            continue;
        int ended = fetcher_ended(h);
        if (ended == 1) {
            /* Committed: what remains is read as from a complete file. */
            h->role = UPF_COMPLETE;
            continue;
        }
        if (ended == 0)
            return PF_EUNAVAIL;
        if (now_ms() - since >= idle_ms)
            return PF_EUNAVAIL;
        struct timespec ts = { 0, (long)pause * 1000000L };
        nanosleep(&ts, NULL);
        pause = pause * 2 > UPF_POLL_MAX_MS ? UPF_POLL_MAX_MS : pause * 2;
    }
}
