/* SPDX-License-Identifier: MIT */
/* upstream_store_file.c: the upstream cache's page records on disk: atomic writes, reads within caps, stamps, locks. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "digest.h"
#include "fs.h"
#include "name.h"
#include "upstream_store_int.h"

#define STAMP_SUFFIX ".checked"

int upstore_open_sub(const char *dir, const char *sub, bool mk, enum pf_err *e, buf_t *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        *e = buf_refuse(err, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "cannot open the cache directory %s: %s", dir,
                          strerror(errno));
        return -1;
    }
    bool made = mk && mkdirat(dfd, sub, 0755) == 0;
    if (mk && !made && errno != EEXIST) {
        *e = buf_refuse(err, fs_write_err(errno), "cannot make %s/%s: %s", dir, sub, strerror(errno));
        close(dfd);
        return -1;
    }
    if (made)
        (void)fsync(dfd); /* the new directory's entry, for the records fsync'd in it */
    int fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        *e = buf_refuse(err, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "cannot open %s/%s: %s", dir, sub,
                          strerror(errno));
    close(dfd);
    return fd;
}

enum pf_err upstore_read_whole(int dfd, const char *name, size_t cap, char **out, size_t *outlen, buf_t *err)
{
    *out = NULL;
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? buf_refuse(err, PF_ENOTFOUND, "no such file")
                               : buf_refuse(err, errno == ELOOP ? PF_ECORRUPT : PF_EIO, "cannot open the file: %s",
                                              strerror(errno));
    struct stat st;
    enum pf_err e = PF_EOK;
    char *p = NULL;
    size_t got = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        e = buf_refuse(err, PF_ECORRUPT, "not a regular file");
    else if ((uint64_t)st.st_size > cap)
        e = buf_refuse(err, PF_ECORRUPT, "the file is larger than %zu bytes", cap);
    else if (!(p = malloc((size_t)st.st_size + 1)))
        e = buf_refuse(err, PF_ENOMEM, "out of memory");
    while (!e && got < (size_t)st.st_size) {
        ssize_t n = read(fd, p + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            e = buf_refuse(err, PF_EIO, "cannot read the file: %s", strerror(errno));
        else if (n == 0)
            e = buf_refuse(err, PF_ECORRUPT, "the file shrank while read");
        got += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    if (e) {
        free(p);
        return e;
    }
    *out = p;
    *outlen = got;
    return PF_EOK;
}

/* A name for a temporary file in the directory: unique in the process by
 * its counter, across processes by the pid (O_EXCL catches the leftover of
 * a crashed process that had the same pid). */
static int open_temp(int dfd, char name[64])
{
    static atomic_ulong counter;
    for (int tries = 0; tries < 100; tries++) {
        snprintf(name, 64, ".tmp.%ld.%lu", (long)getpid(), atomic_fetch_add(&counter, 1));
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

enum pf_err upstore_write_atomic(int dfd, const char *name, const void *data, size_t len, bool durable, mode_t mode,
                                 buf_t *err)
{
    char tmp[64];
    int fd = open_temp(dfd, tmp);
    if (fd < 0)
        return buf_refuse(err, fs_write_err(errno), "cannot make a temporary file: %s", strerror(errno));
    const char *p = data, *what = "write";
    size_t done = 0;
    int en = 0;
    while (done < len && !en) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        en = w < 0 ? errno : w == 0 ? EIO : 0;
        done += w > 0 ? (size_t)w : 0;
    }
    if (!en && mode && fchmod(fd, mode) != 0)
        en = errno, what = "chmod";
    if (!en && durable && fsync(fd) != 0)
        en = errno, what = "fsync";
    if (close(fd) != 0 && !en)
        en = errno, what = "close";
    if (!en && renameat(dfd, tmp, dfd, name) != 0)
        en = errno, what = "rename";
    if (en) {
        (void)unlinkat(dfd, tmp, 0);
        return buf_refuse(err, fs_write_err(en), "cannot %s %s: %s", what, name, strerror(en));
    }
    if (durable && fsync(dfd) != 0)
        return buf_refuse(err, fs_write_err(errno), "cannot fsync the directory of %s: %s", name, strerror(errno));
    return PF_EOK;
}

/* The check time of the stamp of norm when it names record sha256, or -1. */
static int64_t read_stamp(int dfd, const char *norm, const char *sha256)
{
    char name[NAME_MAX_LEN + sizeof STAMP_SUFFIX], *p;
    size_t len;
    buf_t scratch;
    buf_init(&scratch, 256);
    snprintf(name, sizeof name, "%s" STAMP_SUFFIX, norm);
    enum pf_err e = upstore_read_whole(dfd, name, UPSTORE_STAMP_MAX, &p, &len, &scratch);
    buf_free(&scratch);
    if (e)
        return -1;
    int64_t t = upstore_stamp_decode(p, len, sha256);
    free(p);
    return t;
}

enum pf_err upstream_store_load(const char *dir, const char *norm, struct up_cached *out, buf_t *err)
{
    memset(out, 0, sizeof *out);
    if (!upstream_store_name_ok(norm))
        return buf_refuse(err, PF_EINVAL, "not a normalized project name");
    enum pf_err e = PF_EOK;
    int dfd = upstore_open_sub(dir, "pages", false, &e, err);
    if (dfd < 0)
        return e;
    char *p;
    size_t len;
    if (!(e = upstore_read_whole(dfd, norm, UPSTORE_MAX_RECORD, &p, &len, err))) {
        e = upstream_store_decode(p, len, out, err);
        free(p);
    }
    if (!e && strcmp(out->page.name, norm) != 0) {
        up_cached_free(out);
        e = buf_refuse(err, PF_ECORRUPT, "the record is of another project");
    }
    if (!e) {
        int64_t t = read_stamp(dfd, norm, out->record_sha256);
        if (t > out->checked_at)
            out->checked_at = t;
    }
    close(dfd);
    return e;
}

enum pf_err upstream_store_save(const char *dir, const char *norm, struct up_cached *c, buf_t *err)
{
    if (!upstream_store_name_ok(norm) || !c->page.name || strcmp(c->page.name, norm) != 0)
        return buf_refuse(err, PF_EINVAL, "not a normalized project name, or not the page's");
    char *rec, sum[DIGEST_HEX_LEN + 1];
    size_t len;
    enum pf_err e = upstream_store_encode(c, &rec, &len, sum, err);
    if (e)
        return e;
    int dfd = upstore_open_sub(dir, "pages", true, &e, err);
    if (dfd >= 0 && !(e = upstore_write_atomic(dfd, norm, rec, len, true, 0, err))) {
        memcpy(c->record_sha256, sum, sizeof sum);
        /* The record now carries the check time: a stamp would name the old one. */
        char stamp[NAME_MAX_LEN + sizeof STAMP_SUFFIX];
        snprintf(stamp, sizeof stamp, "%s" STAMP_SUFFIX, norm);
        (void)unlinkat(dfd, stamp, 0);
    }
    if (dfd >= 0)
        close(dfd);
    free(rec);
    return e;
}

enum pf_err upstream_store_touch(const char *dir, const char *norm, struct up_cached *c, int64_t checked_at, buf_t *err)
{
    if (!upstream_store_name_ok(norm) || !digest_is_hex64(c->record_sha256, strlen(c->record_sha256)) || checked_at < 0)
        return buf_refuse(err, PF_EINVAL, "a bad name, a page that was not stored, or a negative time");
    enum pf_err e = PF_EOK;
    int dfd = upstore_open_sub(dir, "pages", true, &e, err);
    if (dfd < 0)
        return e;
    char stamp[UPSTORE_STAMP_MAX], name[NAME_MAX_LEN + sizeof STAMP_SUFFIX];
    int n = upstore_stamp_encode(stamp, c->record_sha256, checked_at);
    snprintf(name, sizeof name, "%s" STAMP_SUFFIX, norm);
    if (!(e = upstore_write_atomic(dfd, name, stamp, (size_t)n, false, 0, err)))
        c->checked_at = checked_at;
    close(dfd);
    return e;
}

/* True when the validator v sent with a 304 differs from the stored one. */
static bool changed(const char *v, const char *stored)
{
    return v && *v && (!stored || strcmp(v, stored) != 0);
}

enum pf_err upstream_store_revalidated(const char *dir, const char *norm, struct up_cached *c, const char *etag,
                                       const char *last_modified, int64_t now, buf_t *err)
{
    if (!changed(etag, c->etag) && !changed(last_modified, c->last_modified))
        return upstream_store_touch(dir, norm, c, now, err);
    char *t = changed(etag, c->etag) ? strdup(etag) : NULL;
    char *m = changed(last_modified, c->last_modified) ? strdup(last_modified) : NULL;
    if ((changed(etag, c->etag) && !t) || (changed(last_modified, c->last_modified) && !m)) {
        free(t);
        free(m);
        return buf_refuse(err, PF_ENOMEM, "out of memory");
    }
    if (t) {
        free(c->etag);
        c->etag = t;
    }
    if (m) {
        free(c->last_modified);
        c->last_modified = m;
    }
    c->checked_at = now;
    return upstream_store_save(dir, norm, c, err);
}

enum pf_err upstream_store_trylock(const char *dir, const char *norm, int *fd, buf_t *err)
{
    *fd = -1;
    if (!upstream_store_name_ok(norm))
        return buf_refuse(err, PF_EINVAL, "not a normalized project name");
    enum pf_err e = PF_EOK;
    int dfd = upstore_open_sub(dir, "locks", true, &e, err);
    if (dfd < 0)
        return e == PF_ENOTFOUND ? PF_EIO : e;
    int lfd = openat(dfd, norm, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    int en = errno;
    close(dfd);
    if (lfd < 0)
        return buf_refuse(err, PF_EIO, "cannot open the lock of %s: %s", norm, strerror(en));
    while (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        en = errno;
        close(lfd);
        if (en == EWOULDBLOCK)
            return buf_refuse(err, PF_EUNAVAIL, "a revalidation of %s is under way", norm);
        return buf_refuse(err, PF_EIO, "cannot lock %s: %s", norm, strerror(en));
    }
    *fd = lfd;
    return PF_EOK;
}

void upstream_store_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}
