/* SPDX-License-Identifier: MIT */
/* store.c: staged uploads published with link(2) or rename(2), and removal, under the sidecar lock. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "fs.h"
#include "log.h"
#include "mountinfo.h"
#include "store.h"

__attribute__((format(printf, 2, 3)))
static void say(buf_t *err, const char *fmt, ...)
{
    va_list ap;
    buf_reset(err);
    va_start(ap, fmt);
    (void)buf_vprintf(err, fmt, ap);
    va_end(ap);
}

/* Makes ROOT/.pypi-fcgi and ROOT/rel below it (one of the store's
 * directories) where missing. 0, or -1 with errno set. */
static int mkdir_store(int rootfd, const char *rel)
{
    if ((mkdirat(rootfd, SIDECAR_DIR, 0755) != 0 && errno != EEXIST) ||
        (mkdirat(rootfd, rel, 0755) != 0 && errno != EEXIST))
        return -1;
    return 0;
}

/* A name no other staging file of any process has. */
static void unique_name(char *out, size_t n, const char *prefix)
{
    static atomic_uint counter;
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    snprintf(out, n, "%s%ld-%u-%016" PRIx64, prefix, (long)getpid(), atomic_fetch_add(&counter, 1), r);
}

enum pf_err store_tmp_open(const char *root, struct store_tmp *t, buf_t *err)
{
    enum pf_err e = PF_EIO;
    t->fd = -1;
    t->name[0] = '\0';
    t->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t->rootfd < 0) {
        say(err, "%s: %s", root, strerror(errno));
        return PF_EIO;
    }
    /* PYPI_FCGI_NO_TMPFILE takes the path of filesystems without
     * O_TMPFILE where it would work, so that path can be tested. */
    const char *no_tmpfile = getenv("PYPI_FCGI_NO_TMPFILE");
    if (no_tmpfile && *no_tmpfile)
        errno = EOPNOTSUPP;
    else if ((t->fd = openat(t->rootfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644)) >= 0)
        return PF_EOK;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        e = fs_write_err(errno);
        say(err, "%s: cannot create a file: %s", root, strerror(errno));
        goto fail;
    }
    /* No O_TMPFILE here (NFS, for one): a named file, locked while we live. */
    if (mkdir_store(t->rootfd, STORE_TMP_DIR) != 0) {
        e = fs_write_err(errno);
        say(err, "%s/%s: %s", root, STORE_TMP_DIR, strerror(errno));
        goto fail;
    }
    char rel[sizeof t->name + sizeof STORE_TMP_DIR + 1];
    unique_name(t->name, sizeof t->name, STORE_TMP_PREFIX);
    snprintf(rel, sizeof rel, "%s/%s", STORE_TMP_DIR, t->name);
    t->fd = openat(t->rootfd, rel, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (t->fd < 0) {
        e = fs_write_err(errno);
        say(err, "%s/%s: %s", root, rel, strerror(errno));
        goto fail;
    }
    struct stat a, b;
    /* A cleanup between our create and our lock would have removed it. */
    if (flock(t->fd, LOCK_EX | LOCK_NB) != 0 || fstat(t->fd, &a) != 0 || fstatat(t->rootfd, rel, &b, AT_SYMLINK_NOFOLLOW) != 0 ||
        a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
        say(err, "%s/%s: the staging file was taken away", root, rel);
        goto fail;
    }
    return PF_EOK;
fail:
    store_tmp_discard(t);
    return e;
}

enum pf_err store_tmp_write(struct store_tmp *t, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(t->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return fs_write_err(errno);
        if (w == 0) {
            errno = ENOSPC; /* a regular file takes no bytes only when it has no room */
            return PF_ENOSPACE;
        }
        p += w;
        n -= (size_t)w;
    }
    return PF_EOK;
}

/* Removes the staging file's name once the file has its own (nothing
 * to do with O_TMPFILE): the discard that follows then only closes it. */
static void drop_tmp_name(struct store_tmp *t)
{
    if (!t->name[0])
        return;
    char rel[sizeof t->name + sizeof STORE_TMP_DIR + 1];
    snprintf(rel, sizeof rel, "%s/%s", STORE_TMP_DIR, t->name);
    (void)unlinkat(t->rootfd, rel, 0);
    t->name[0] = '\0';
}

void store_tmp_discard(struct store_tmp *t)
{
    if (t->fd >= 0) {
        drop_tmp_name(t);
        close(t->fd);
    }
    if (t->rootfd >= 0)
        close(t->rootfd);
    t->fd = t->rootfd = -1;
    t->name[0] = '\0';
}

/* Moves (or, with keep, links) dirfd/filename into the root's holding
 * directory under a name that starts with the time it was put there:
 * a host still sending it keeps reading the same file, which
 * store_reap deletes once the grace period is over. 0, or -1 with errno
 * set (EXDEV: the file is on another filesystem than the root). */
static int hold(int rootfd, int dirfd, const char *filename, bool keep)
{
    if (mkdir_store(rootfd, STORE_HOLD_DIR) != 0)
        return -1;
    char prefix[32], name[96], rel[sizeof name + sizeof STORE_HOLD_DIR + 1];
    snprintf(prefix, sizeof prefix, "%lld.", (long long)time(NULL));
    unique_name(name, sizeof name, prefix);
    snprintf(rel, sizeof rel, "%s/%s", STORE_HOLD_DIR, name);
    return keep ? linkat(dirfd, filename, rootfd, rel, 0) : renameat(dirfd, filename, rootfd, rel);
}

/* The sha256 of dirfd/name (a regular file): from its record when that is
 * fresh, else read. */
static enum pf_err existing_hash(int dirfd, const char *name, const struct stat *st, char hex[DIGEST_HEX_LEN + 1])
{
    sidecar_t rec;
    if (sidecar_load(dirfd, name, &rec) == PF_EOK) {
        bool fresh = sidecar_fresh(&rec, st);
        if (fresh)
            memcpy(hex, rec.sha256, DIGEST_HEX_LEN + 1);
        sidecar_clear(&rec);
        if (fresh)
            return PF_EOK;
    }
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return PF_EIO;
    uint64_t size;
    enum pf_err e = digest_sha256_fd(fd, hex, &size);
    close(fd);
    return e;
}

/* Gives the staged file the name dirfd/name: it must not exist yet. */
static int link_tmp(struct store_tmp *t, int dirfd, const char *name)
{
    if (!t->name[0]) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", t->fd);
        return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
    }
    char rel[sizeof t->name + sizeof STORE_TMP_DIR + 1];
    snprintf(rel, sizeof rel, "%s/%s", STORE_TMP_DIR, t->name);
    return linkat(t->rootfd, rel, dirfd, name, 0);
}

static void unlock_dir(int lockfd, int dirfd)
{
    if (lockfd >= 0)
        close(lockfd); /* releases the sidecar lock */
    if (dirfd >= 0)
        close(dirfd);
}

/* Puts the staged file in place as dirfd/f->filename, which was free
 * (link) or holds the file to replace (a second name, then rename), and
 * sets *res; STORE_EXISTS when a writer not taking the lock was faster. */
static enum pf_err put_in_place(struct store_tmp *t, int dirfd, const struct store_file *f, bool replace,
                                enum store_result *res, buf_t *err)
{
    if (!replace) {
        if (link_tmp(t, dirfd, f->filename) == 0) {
            *res = STORE_PUBLISHED;
            return PF_EOK;
        }
        if (errno == EEXIST) {
            /* Someone not taking our lock (a copy by hand) was faster. */
            *res = STORE_EXISTS;
            return PF_EOK;
        }
        enum pf_err e = fs_write_err(errno);
        say(err, "cannot link the upload into %s/%s: %s", f->dir, f->filename, strerror(errno));
        return e;
    }
    /* A second name beside the target, then an atomic rename over it:
     * readers see the old file or the new one, never neither. */
    char side[96];
    unique_name(side, sizeof side, ".pypi-fcgi-upload-");
    if (link_tmp(t, dirfd, side) != 0) {
        enum pf_err e = fs_write_err(errno);
        say(err, "cannot link the upload into %s: %s", f->dir, strerror(errno));
        return e;
    }
    /* The old file stays readable for hosts still sending it. */
    if (f->hold_grace && hold(t->rootfd, dirfd, f->filename, true) != 0)
        LOG(LOG_WARN, "%s/%s: cannot keep the replaced file for the removal grace period (%s); a download of it "
            "in progress on another host may be cut", f->dir, f->filename, strerror(errno));
    if (renameat(dirfd, side, dirfd, f->filename) != 0) {
        enum pf_err e = fs_write_err(errno);
        say(err, "cannot replace %s/%s: %s", f->dir, f->filename, strerror(errno));
        (void)unlinkat(dirfd, side, 0);
        return e;
    }
    *res = STORE_REPLACED;
    return PF_EOK;
}

/* Once published, the record is written again with the ctime the file
 * has under its name (link(2) and the staging name's removal changed
 * it), still under the lock, so readers that find the file wait for it.
 * Until then the record names the file's inode with its old ctime,
 * which no file has now: a record that cannot be rewritten is stale,
 * and a reader builds a new one from the file. */
static void rewrite_record(struct store_tmp *t, int dirfd, const struct store_file *f)
{
    struct stat st;
    drop_tmp_name(t);
    if (fstat(t->fd, &st) != 0)
        return;
    sidecar_set_stat(f->rec, &st);
    enum pf_err e = sidecar_store(dirfd, f->filename, f->rec, NULL, 0);
    if (e)
        LOG(LOG_WARN, "%s/%s: published, but its record cannot be written again (%s); a reader rebuilds it from "
            "the file", f->dir, f->filename, pf_strerror(e));
}

enum pf_err store_publish(struct store_tmp *t, const struct store_file *f, enum store_result *res,
                          char existing_sha256[DIGEST_HEX_LEN + 1], buf_t *err)
{
    /* Long: every step holds the directory's lock, released at the one
     * exit, and each failure says which step it was. */
    enum pf_err e = PF_EIO;
    int dirfd = -1, lockfd = -1;
    bool created = false;
    const char *dir = f->dir, *filename = f->filename;
    sidecar_t *rec = f->rec;
    existing_sha256[0] = '\0';
    struct stat st;
    if (fsync(t->fd) != 0) {
        e = fs_write_err(errno);
        say(err, "cannot flush the uploaded file to disk: %s", strerror(errno));
        return e;
    }

    if (mkdirat(t->rootfd, dir, 0755) == 0)
        created = true;
    else if (errno != EEXIST) {
        e = fs_write_err(errno);
        say(err, "cannot create the directory %s: %s", dir, strerror(errno));
        goto out;
    }
    dirfd = openat(t->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dirfd < 0) {
        say(err, "cannot open the directory %s: %s", dir,
            errno == ELOOP ? "it is a symbolic link, which uploads do not follow" : strerror(errno));
        goto out;
    }
    if ((lockfd = sidecar_lock(dirfd, false)) < 0) {
        e = fs_write_err(errno);
        say(err, "cannot lock %s/" SIDECAR_DIR ": %s", dir, strerror(errno));
        goto out;
    }
    struct stat old;
    bool replace = false;
    if (fstatat(dirfd, filename, &old, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISREG(old.st_mode)) {
            *res = STORE_EXISTS;
            e = PF_EOK;
            goto out;
        }
        if (existing_hash(dirfd, filename, &old, existing_sha256) != PF_EOK) {
            say(err, "cannot read the file already at %s/%s", dir, filename);
            goto out;
        }
        if (strcmp(existing_sha256, rec->sha256) == 0) {
            *res = STORE_IDENTICAL;
            e = PF_EOK;
            goto out;
        }
        if (!f->overwrite) {
            *res = STORE_EXISTS;
            e = PF_EOK;
            goto out;
        }
        replace = true;
    } else if (errno != ENOENT) {
        say(err, "cannot look at %s/%s: %s", dir, filename, strerror(errno));
        goto out;
    }

    /* The record first, so that the file is complete from the moment it
     * appears and nothing appears when the record does not fit. */
    if (fstat(t->fd, &st) != 0) {
        e = PF_EIO;
        say(err, "cannot look at the uploaded file: %s", strerror(errno));
        goto out;
    }
    sidecar_set_stat(rec, &st);
    e = sidecar_store(dirfd, filename, rec, f->metadata, f->metadata_len);
    if (e) {
        say(err, "cannot write the record of %s/%s (%s)", dir, filename, pf_strerror(e));
        goto out;
    }
    if ((e = put_in_place(t, dirfd, f, replace, res, err)) || *res == STORE_EXISTS)
        goto out;
    rewrite_record(t, dirfd, f);
    if (fsync(dirfd) != 0 || (created && fsync(t->rootfd) != 0)) {
        /* Visible but maybe not durable: say so, the client will retry
         * and get 200 for the identical file. Not a 507: the file is in
         * place, room was not what failed it. */
        e = PF_EIO;
        say(err, "cannot flush the directory %s to disk: %s", dir, strerror(errno));
        goto out;
    }
    e = PF_EOK;
out:
    unlock_dir(lockfd, dirfd);
    return e;
}

enum pf_err store_remove(const char *root, const char *dirrel, const char *filename, bool hold_grace, buf_t *err)
{
    enum pf_err e = PF_EIO;
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int dirfd = -1, lockfd = -1;
    if (rootfd < 0) {
        say(err, "%s: %s", root, strerror(errno));
        return PF_EIO;
    }
    dirfd = *dirrel ? openat(rootfd, dirrel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) : dup(rootfd);
    if (dirfd < 0) {
        say(err, "%s/%s: %s", root, dirrel, strerror(errno));
        e = errno == ENOENT ? PF_ENOTFOUND : PF_EIO;
        goto out;
    }
    if ((lockfd = sidecar_lock(dirfd, false)) < 0) {
        say(err, "cannot lock %s/%s/" SIDECAR_DIR ": %s", root, dirrel, strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstatat(dirfd, filename, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        e = errno == ENOENT ? PF_ENOTFOUND : PF_EIO;
        say(err, "cannot remove %s/%s%s%s: %s", root, dirrel, *dirrel ? "/" : "", filename, strerror(errno));
        goto out;
    }
    /* A regular file is moved aside for the grace period; a symlink
     * (the file it names stays) and a file on another filesystem than
     * the root (a mount below it) are unlinked. */
    bool held = hold_grace && S_ISREG(st.st_mode) && hold(rootfd, dirfd, filename, false) == 0;
    if (hold_grace && S_ISREG(st.st_mode) && !held)
        LOG(LOG_WARN, "%s/%s%s%s: cannot keep it for the removal grace period (%s); removing it at once",
            root, dirrel, *dirrel ? "/" : "", filename, strerror(errno));
    if (!held && unlinkat(dirfd, filename, 0) != 0) {
        e = errno == ENOENT ? PF_ENOTFOUND : PF_EIO;
        say(err, "cannot remove %s/%s%s%s: %s", root, dirrel, *dirrel ? "/" : "", filename, strerror(errno));
        goto out;
    }
    sidecar_remove(dirfd, filename);
    if (fsync(dirfd) != 0)
        LOG(LOG_WARN, "%s/%s: cannot flush the directory to disk: %s", root, dirrel, strerror(errno));
    e = PF_EOK;
out:
    unlock_dir(lockfd, dirfd);
    close(rootfd);
    return e;
}

/* Opens root/rel for reading its entries; NULL when it is not there. */
static DIR *open_sub(const char *root, const char *rel)
{
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return NULL;
    int fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    close(rootfd);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d)
        close(fd);
    return d;
}

int store_cleanup(const char *root)
{
    DIR *d = open_sub(root, STORE_TMP_DIR);
    if (!d)
        return 0;
    int tfd = dirfd(d);
    int removed = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, STORE_TMP_PREFIX, strlen(STORE_TMP_PREFIX)) != 0)
            continue;
        /* Open for writing: an NFSv4 client emulates flock with a POSIX
         * write lock, which a read-only descriptor cannot take (EBADF). */
        int fd = openat(tfd, de->d_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0 && (errno == EACCES || errno == EROFS))
            fd = openat(tfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
            continue;
        /* A live writer holds its lock; the lock of a dead one is gone. */
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlinkat(tfd, de->d_name, 0) == 0) {
            removed++;
            LOG(LOG_INFO, "%s/%s/%s: removed an upload left unfinished", root, STORE_TMP_DIR, de->d_name);
        }
        close(fd);
    }
    closedir(d);
    return removed;
}

int store_reap(const char *root, long grace)
{
    DIR *d = open_sub(root, STORE_HOLD_DIR);
    if (!d)
        return 0;
    int hfd = dirfd(d);
    int removed = 0;
    long long now = (long long)time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        /* "<seconds since the epoch>.<unique>": anything else is not ours. */
        char *end;
        errno = 0;
        long long t = strtoll(de->d_name, &end, 10);
        if (de->d_name[0] < '0' || de->d_name[0] > '9' || errno || *end != '.' || t > now - grace)
            continue;
        if (unlinkat(hfd, de->d_name, 0) == 0)
            removed++;
        else if (errno != ENOENT)
            LOG(LOG_WARN, "%s/%s/%s: cannot delete a removed file after its grace period: %s", root, STORE_HOLD_DIR,
                de->d_name, strerror(errno));
    }
    closedir(d);
    return removed;
}

/* Tries flock(2) and link(2) in the staging directory of rootfd: the lock
 * is granted, a new name works, an existing one is refused with EEXIST.
 * NULL when they behave; else why not. *skipped is set when the directory
 * cannot be written (nothing known). */
static const char *probe_link(int rootfd, bool *skipped, char *err, size_t errsz)
{
    char name[80], a[sizeof name + sizeof STORE_TMP_DIR + 1], b[sizeof a + 8];
    *skipped = false;
    if (mkdir_store(rootfd, STORE_TMP_DIR) != 0) {
        snprintf(err, errsz, "%s", strerror(errno));
        *skipped = true;
        return err;
    }
    unique_name(name, sizeof name, STORE_TMP_PREFIX "probe-");
    snprintf(a, sizeof a, "%s/%s", STORE_TMP_DIR, name);
    snprintf(b, sizeof b, "%s.link", a);
    int fd = openat(rootfd, a, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        snprintf(err, errsz, "%s", strerror(errno));
        *skipped = true;
        return err;
    }
    const char *why = NULL;
    /* Locked, a cleanup elsewhere leaves it alone. ENOLCK: an NFSv3 mount
     * whose lock service (rpc.statd, the server's lock manager) does not
     * answer; every upload would fail on the directory's lock. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errsz, "flock(2) fails there: %s%s", strerror(errno),
                 errno == ENOLCK ? " (on NFSv3: is rpc.statd running, here and on the server?)" : "");
        why = err;
    } else if (linkat(rootfd, a, rootfd, b, 0) != 0) {
        snprintf(err, errsz, "link(2) fails there: %s", strerror(errno));
        why = err;
    } else if (linkat(rootfd, a, rootfd, b, 0) == 0 || errno != EEXIST) {
        snprintf(err, errsz, "link(2) onto an existing name does not fail with EEXIST there (%s)",
                 errno == EEXIST ? "it succeeded" : strerror(errno));
        why = err;
    }
    (void)unlinkat(rootfd, b, 0);
    (void)unlinkat(rootfd, a, 0);
    close(fd);
    return why;
}

void store_probe(const char *root, bool single_publisher, struct store_probe *out)
{
    memset(out, 0, sizeof *out);
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        snprintf(out->what, sizeof out->what, "cannot be opened: %s", strerror(errno));
        return;
    }
    struct mnt_info mi;
    enum pf_err me = mnt_of_fd(rootfd, &mi);
    bool shared = me == PF_EOK && (mi.locks == MNT_LOCKS_LOCAL || mi.locks == MNT_LOCKS_SHARED);
    out->nocto = me == PF_EOK && mi.nfs && mi.nocto;
    out->keep_staging = !shared && !single_publisher;
    char lerr[200];
    bool skipped;
    const char *lwhy = probe_link(rootfd, &skipped, lerr, sizeof lerr);
    close(rootfd);
    char why[300];
    log_safe(sv_cstr(mi.why), why, sizeof why);
    snprintf(out->what, sizeof out->what, "%s; %s%s%s", why,
             skipped ? "flock(2) and link(2) not tried (" : lwhy ? "publishing cannot work here: "
                                                                 : "flock(2) and link(2) work as publishing needs",
             skipped || lwhy ? lerr : "", skipped ? ")" : "");
    if (lwhy && !skipped) {
        out->refuse = true;
        snprintf(out->why, sizeof out->why, "the package root's filesystem cannot publish files safely: %s", lwhy);
    } else if (!shared && !single_publisher) {
        out->refuse = true;
        snprintf(out->why, sizeof out->why,
                 "the package root's filesystem may not share locks between hosts (%s); if no other host writes "
                 "into this tree, start pypi-fcgi with --single-publisher", why);
    }
}
