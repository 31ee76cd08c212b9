/* SPDX-License-Identifier: MIT */
/* index_record.c: each file's record, built once, kept beside it or in the state directory. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "index_int.h"
#include "log.h"
#include "meta.h"

/* The key of the directory dirfd in the state directory: the SHA-256 of
 * its real path. False when /proc cannot tell the path. */
static bool state_key(int dirfd, char key[DIGEST_HEX_LEN + 1])
{
    char proc[32], real[PATH_MAX + 1];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(proc, real, PATH_MAX);
    if (n <= 0 || n >= PATH_MAX || real[0] != '/')
        return false;
    digest_sha256_hex(real, (size_t)n, key);
    return true;
}

/* Opens STATE/records/<key> of the directory dirfd, creating it when
 * create is set; -1 when there is no state directory or it fails. */
int state_open(struct state *sc, int dirfd, bool create, char key[DIGEST_HEX_LEN + 1])
{
    if (!sc || sc->fd < 0 || !state_key(dirfd, key))
        return -1;
    if (create && mkdirat(sc->fd, key, 0700) != 0 && errno != EEXIST)
        return -1;
    return openat(sc->fd, key, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

/* Opens (creating them, private to this user) STATE and STATE/records.
 * -1, logged, when that fails: the records of directories pypi-fcgi
 * cannot write are then kept in memory only, as without a state
 * directory. */
int state_dir_open(const char *dir)
{
    int fd = -1, rfd = -1;
    if ((mkdir(dir, 0700) == 0 || errno == EEXIST) &&
        (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
        (mkdirat(fd, "records", 0700) == 0 || errno == EEXIST))
        rfd = openat(fd, "records", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (rfd < 0)
        LOG(LOG_WARN, "state directory %s: %s; the records of files in directories pypi-fcgi cannot write "
            "are read again each time their project leaves the cache", dir, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rfd;
}

uint64_t index_files_hashed(index_t *idx)
{
    return atomic_load(&idx->state.hashed);
}

/* Reads the open file fd (dirrel/name below rootpath, for the log) whole
 * into the new record rec: its hash, size and mtime, when it was first
 * seen, and what its metadata (read into md) gives. *stable is false when
 * the file changed while it was read. PF_ENOTFOUND when it is not a
 * regular file; the read error, logged, when it cannot be read. */
static enum pf_err record_read(int fd, const distfile_t *df, struct state *sc, const char *rootpath,
                               const char *dirrel, const char *name, sidecar_t *rec, buf_t *md, bool *stable)
{
    struct stat fst;
    if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode))
        return PF_ENOTFOUND;
    memset(rec, 0, sizeof *rec);
    uint64_t size;
    if (sc)
        atomic_fetch_add(&sc->hashed, 1);
    LOG(LOG_DEBUG, "%s/%s%s%s: reading it whole for its record", rootpath, dirrel, *dirrel ? "/" : "", name);
    enum pf_err e = digest_sha256_fd(fd, rec->sha256, &size);
    if (e) {
        LOG(LOG_ERROR, "%s/%s%s%s: read error while hashing", rootpath, dirrel, *dirrel ? "/" : "", name);
        return e;
    }
    sidecar_set_stat(rec, &fst);
    rec->size = size;
    int64_t now_us = fs_now_ns() / 1000, m_us = fs_ts_ns(fst.st_mtim) / 1000;
    rec->first_seen_usec = m_us < now_us ? m_us : now_us;
    if (lseek(fd, 0, SEEK_SET) == 0) {
        enum pf_err me = meta_extract(fd, df->kind, df->project, md);
        if (me == PF_EOK)
            sidecar_set_metadata(rec, md->p, md->len);
        else
            LOG(LOG_WARN, "%s/%s%s%s: no usable %s (%s); indexed without it", rootpath, dirrel, *dirrel ? "/" : "",
                name, df->kind == DISTFILE_WHEEL ? "METADATA" : "PKG-INFO", pf_strerror(me));
    }
    struct stat after;
    *stable = fstat(fd, &after) == 0 && after.st_size == fst.st_size &&
              fs_ts_ns(after.st_mtim) == fs_ts_ns(fst.st_mtim) && fs_ts_ns(after.st_ctim) == fs_ts_ns(fst.st_ctim) &&
              (uint64_t)fst.st_size == size;
    return PF_EOK;
}

/* Builds (or loads) the record of one file. Hashing and metadata
 * extraction happen at most once per content across processes: the
 * directory's sidecar lock is held while computing, and the record is
 * re-read once the lock is held. The records live beside the file; when
 * its directory cannot be written and sc has a state directory, they
 * live there instead: *statewatch is then set to the directory of the
 * state directory that holds them ("<key>/.pypi-fcgi", empty otherwise)
 * and *statesig to its signature before it was read, so that a change
 * made there (a yank) is seen. */
enum pf_err record_ensure(int rootfd, const char *dirrel, const char *name, const distfile_t *df,
                          sidecar_t *rec, bool *racy, bool *stored, const char *rootpath,
                          struct state *sc, char statewatch[STATE_KEY_LEN], struct fs_stamp *statesig)
{
    /* Long: one sequence of look, lock, look again, build, whose steps
     * share the directory, lock and state-directory descriptors that the
     * one exit below closes. */
    enum pf_err e;
    *stored = true;
    statewatch[0] = '\0';
    int dirfd = *dirrel ? openat(rootfd, dirrel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
                        : openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return PF_ENOTFOUND;
    int recfd = dirfd; /* the directory whose sidecar directory holds the record */
    int statefd = -1;
    struct stat st;
    if (fstatat(dirfd, name, &st, 0) != 0 || !S_ISREG(st.st_mode)) {
        close(dirfd);
        return PF_ENOTFOUND;
    }
    e = sidecar_load(dirfd, name, rec);
    if (e == PF_EOK && sidecar_fresh(rec, &st)) {
        close(dirfd);
        return PF_EOK;
    }
    if (e == PF_EOK)
        sidecar_clear(rec);
    else if (e == PF_ECORRUPT)
        LOG(LOG_WARN, "%s/%s%s%s: sidecar record is corrupt; rebuilding it", rootpath, dirrel, *dirrel ? "/" : "",
            name);

    int lockfd = sidecar_lock(dirfd, true);
    char key[DIGEST_HEX_LEN + 1];
    if (lockfd < 0 && (statefd = state_open(sc, dirfd, true, key)) >= 0) {
        /* The directory cannot be written: its records live in the state
         * directory. Its signature is taken before the record is read. */
        char watch[STATE_KEY_LEN];
        snprintf(watch, sizeof watch, "%s/" SIDECAR_DIR, key);
        sig_take(sc->fd, watch, statesig);
        e = sidecar_load(statefd, name, rec);
        if (e == PF_EOK && sidecar_fresh(rec, &st)) {
            memcpy(statewatch, watch, sizeof watch);
            e = PF_EOK;
            goto out;
        }
        if (e == PF_EOK)
            sidecar_clear(rec);
        lockfd = sidecar_lock(statefd, true);
        if (lockfd >= 0) {
            recfd = statefd;
            memcpy(statewatch, watch, sizeof watch);
        }
    }
    if (lockfd < 0 && sc && sc->fd >= 0 && !atomic_exchange(&sc->warned, true))
        LOG(LOG_WARN, "%s/%s: the state directory cannot hold its records (%s); files in directories pypi-fcgi "
            "cannot write are read again each time their project leaves the cache",
            rootpath, dirrel, strerror(errno));
    if (lockfd >= 0) {
        /* Another process (on this host or another) may have built it
         * while we waited, or replaced the file: judge the record against
         * the file as it is now. */
        if (fs_stat_sync(dirfd, name, &st, 0) != 0 || !S_ISREG(st.st_mode)) {
            e = PF_ENOTFOUND;
            goto out;
        }
        /* A network filesystem may still answer "no such record" from
         * before the lock was ours: ask it for the directory of records
         * as it is now, which also drops such remembered answers. */
        struct stat sdst;
        (void)fs_stat_sync(recfd, SIDECAR_DIR, &sdst, 0);
        if (sidecar_load(recfd, name, rec) == PF_EOK) {
            if (sidecar_fresh(rec, &st)) {
                e = PF_EOK;
                goto out;
            }
            sidecar_clear(rec);
        }
    }
    char *relpath = fs_join(dirrel, name);
    int fd = relpath ? fs_open_beneath(rootfd, relpath, O_RDONLY) : -1;
    free(relpath);
    if (fd < 0) {
        LOG(LOG_WARN, "%s/%s%s%s: cannot open (%s); left out of the index", rootpath, dirrel, *dirrel ? "/" : "",
            name, errno == EXDEV ? "it leads outside the root" : strerror(errno));
        e = PF_ENOTFOUND;
        goto out;
    }
    buf_t md;
    buf_init(&md, META_MAX_SIZE);
    bool stable;
    e = record_read(fd, df, sc, rootpath, dirrel, name, rec, &md, &stable);
    close(fd);
    if (e) {
        buf_free(&md);
        goto out;
    }
    enum pf_err se = PF_EIO;
    if (!stable) {
        /* Still being written: use what we have now, store nothing. */
        *racy = true;
    } else if (lockfd >= 0) {
        se = sidecar_store(recfd, name, rec, sidecar_metadata_of(rec, md.p), md.len);
        if (se)
            LOG(LOG_WARN, "%s/%s%s%s: cannot write its sidecar record (%s)", rootpath, dirrel, *dirrel ? "/" : "",
                name, pf_strerror(se));
    }
    if (se) {
        /* The record lives in this process only (a read-only tree without
         * a state directory, or a file still changing), and METADATA
         * cannot be served without its file. */
        *stored = false;
        statewatch[0] = '\0';
        rec->has_metadata = false;
    }
    buf_free(&md);
    e = PF_EOK;
out:
    if (lockfd >= 0)
        close(lockfd); /* releases the flock */
    if (statefd >= 0)
        close(statefd);
    close(dirfd);
    return e;
}
