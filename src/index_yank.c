/* SPDX-License-Identifier: MIT */
/* index_yank.c: pypi-fcgi yank: setting or clearing the yank flag in a file's record. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "index_int.h"

enum pf_err index_yank(const char *path, bool yank, const char *reason, const char *state_dir, buf_t *err)
{
    /* Long: each refusal has its own message for the command line, and
     * the record is changed only under the lock it was re-read under. */
    /* The record belongs to the name the index lists: a symbolic link has
     * its own, beside it, so only the directory is resolved. */
    const char *base = strrchr(path, '/');
    const char *name = base ? base + 1 : path;
    char *parent = base ? strndup(path, (size_t)(base - path)) : strdup(".");
    char *real = parent ? realpath(*parent ? parent : "/", NULL) : NULL;
    free(parent);
    struct stat lst;
    if (!real || fstatat(AT_FDCWD, path, &lst, 0) != 0) {
        (void)buf_printf(err, "%s: %s", path, strerror(errno));
        free(real);
        return PF_ENOTFOUND;
    }
    const char *dir = real;
    distfile_t df;
    enum pf_err e;
    if (distfile_parse(sv_cstr(name), &df) != PF_EOK) {
        (void)buf_printf(err, "%s: not a wheel or sdist filename", path);
        free(real);
        return PF_EINVAL;
    }
    if (reason && strlen(reason) > SIDECAR_MAX_FIELD) {
        (void)buf_printf(err, "the reason is longer than %d bytes", SIDECAR_MAX_FIELD);
        free(real);
        return PF_EINVAL;
    }
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        (void)buf_printf(err, "%s: %s", dir, strerror(errno));
        free(real);
        return PF_EIO;
    }
    struct state sc = { .fd = -1 };
    if (state_dir && (sc.fd = state_dir_open(state_dir)) < 0) {
        (void)buf_printf(err, "state directory %s: %s", state_dir, strerror(errno));
        close(dirfd);
        free(real);
        return PF_EIO;
    }
    sidecar_t rec;
    memset(&rec, 0, sizeof rec);
    bool racy = false, stored;
    int lockfd = -1, statefd = -1, recfd = dirfd;
    /* The record is changed under the directory's sidecar lock, and only
     * while it still describes the file: an upload with --overwrite may
     * replace both between record_ensure and the lock, and the yank would
     * then land on the old file's record and be lost. */
    for (int tries = 0;; tries++) {
        char statewatch[STATE_KEY_LEN];
        struct fs_stamp statesig;
        e = record_ensure(dirfd, "", name, &df, &rec, &racy, &stored, dir, &sc, statewatch, &statesig);
        if (e) {
            (void)buf_printf(err, "%s: cannot read the file (%s)", path, pf_strerror(e));
            goto out;
        }
        lockfd = sidecar_lock(dirfd, true);
        if (lockfd < 0) {
            /* The directory cannot be written: the record lives in the
             * state directory, unless one beside the file still holds. */
            int why = errno;
            char key[DIGEST_HEX_LEN + 1];
            struct stat st;
            sidecar_t beside;
            if (sc.fd < 0) {
                (void)buf_printf(err, "%s/" SIDECAR_DIR ": %s; pypi-fcgi keeps the records of a directory it "
                                      "cannot write in its state directory: give the serving processes' "
                                      "--state-dir (or their -c file)", dir, strerror(why));
                e = PF_EIO;
                goto out;
            }
            if (fstatat(dirfd, name, &st, 0) == 0 && sidecar_load(dirfd, name, &beside) == PF_EOK) {
                bool fresh = sidecar_fresh(&beside, &st);
                sidecar_clear(&beside);
                if (fresh) {
                    (void)buf_printf(err, "%s/" SIDECAR_DIR ": %s, and the record of %s there is the one "
                                          "pypi-fcgi reads", dir, strerror(why), name);
                    e = PF_EIO;
                    goto out;
                }
            }
            if ((statefd = state_open(&sc, dirfd, true, key)) < 0 || (lockfd = sidecar_lock(statefd, true)) < 0) {
                (void)buf_printf(err, "state directory %s: %s", state_dir, strerror(errno));
                e = PF_EIO;
                goto out;
            }
            recfd = statefd;
        }
        struct stat st;
        sidecar_clear(&rec);
        if (fstatat(dirfd, name, &st, 0) == 0 && sidecar_load(recfd, name, &rec) == PF_EOK && sidecar_fresh(&rec, &st))
            break;
        close(lockfd);
        lockfd = -1;
        if (statefd >= 0)
            close(statefd);
        statefd = -1;
        recfd = dirfd;
        if (tries == 4) {
            (void)buf_printf(err, "%s: the file keeps changing; try again", path);
            e = PF_EUNAVAIL;
            goto out;
        }
    }
    rec.yanked = yank;
    free(rec.yank_reason);
    rec.yank_reason = yank && reason && *reason ? strdup(reason) : NULL;
    e = sidecar_store(recfd, name, &rec, NULL, 0);
    close(lockfd);
    /* Serving processes watch the directory, not the records in it (in
     * the state directory, they watch the records' directory). */
    if (!e && recfd == dirfd && futimens(dirfd, NULL) != 0) {
        (void)buf_printf(err, "%s: cannot update the directory's time: %s", dir, strerror(errno));
        e = PF_EIO;
    } else if (e)
        (void)buf_printf(err, "%s: cannot write its record (%s)", path, pf_strerror(e));
out:
    sidecar_clear(&rec);
    if (statefd >= 0)
        close(statefd);
    if (sc.fd >= 0)
        close(sc.fd);
    close(dirfd);
    free(real);
    return e;
}
