/* SPDX-License-Identifier: MIT */
/* follow.c: digests of a file computed while it is being written (follow.h). */
#define _GNU_SOURCE
#include "follow.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FOLLOW_CHUNK (256 * 1024)
/* Sleeping followers are woken when the file has grown by this much. */
#define FOLLOW_BATCH (1u << 20)
/* The syncer flushes the file each time it has grown by this much. */
#define FOLLOW_SYNC (64u << 20)

enum { N_DIGESTS = 3 };
static const unsigned digest_bits[N_DIGESTS] = { DIGEST_SHA256, DIGEST_BLAKE2B_256, DIGEST_MD5 };

struct follower {
    struct follow *f;
    struct digest_stream ds;
    bool live;          /* ds initialised and not yet finalised */
    bool threaded;      /* a thread runs follower_main */
    pthread_t thread;
    uint64_t done;      /* bytes hashed; written by the thread, read after join */
    int err;            /* a pread errno; likewise */
};

struct follow {
    int fd;
    pthread_mutex_t lock;
    pthread_cond_t more;    /* written grew, or finishing/aborting */
    uint64_t written;
    uint64_t woken_at;      /* written at the last broadcast of `more` */
    bool finishing, aborting;
    unsigned waiting;       /* threads asleep on `more` */
    struct follower fl[N_DIGESTS];
    bool sync_threaded;     /* a thread runs syncer_main */
    pthread_t sync_thread;
    int sync_err;           /* an fdatasync errno; read after join */
};

/* Hashes [from, to) of the file into fl; false on a read error. */
static bool hash_range(struct follower *fl, char *buf, uint64_t from, uint64_t to)
{
    int fd = fl->f->fd;
    while (from < to) {
        size_t want = to - from > FOLLOW_CHUNK ? FOLLOW_CHUNK : (size_t)(to - from);
        ssize_t r = pread(fd, buf, want, (off_t)from);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fl->err = r < 0 ? errno : EIO; /* the file is shorter than written */
            return false;
        }
        digest_stream_update(&fl->ds, buf, (size_t)r);
        from += (uint64_t)r;
        fl->done = from;
    }
    return true;
}

static void *follower_main(void *arg)
{
    struct follower *fl = arg;
    struct follow *f = fl->f;
    char *buf = malloc(FOLLOW_CHUNK);
    if (!buf)
        fl->err = ENOMEM;
    pthread_mutex_lock(&f->lock);
    for (;;) {
        while (!f->aborting && !f->finishing && f->written - fl->done < FOLLOW_BATCH) {
            f->waiting++;
            pthread_cond_wait(&f->more, &f->lock);
            f->waiting--;
        }
        uint64_t to = f->written;
        bool last = f->finishing;
        if (f->aborting || fl->err || (last && to == fl->done))
            break;
        pthread_mutex_unlock(&f->lock);
        bool ok = hash_range(fl, buf, fl->done, to);
        pthread_mutex_lock(&f->lock);
        if (!ok)
            break;
    }
    pthread_mutex_unlock(&f->lock);
    free(buf);
    return NULL;
}

/* Flushes the file to disk every FOLLOW_SYNC bytes, so that the caller's
 * final fsync has little left: on a disk that takes a second for 1 GiB,
 * that second is spent while the upload still arrives. */
static void *syncer_main(void *arg)
{
    struct follow *f = arg;
    uint64_t synced = 0;
    pthread_mutex_lock(&f->lock);
    for (;;) {
        while (!f->aborting && !f->finishing && f->written - synced < FOLLOW_SYNC) {
            f->waiting++;
            pthread_cond_wait(&f->more, &f->lock);
            f->waiting--;
        }
        if (f->aborting || f->finishing)
            break;
        uint64_t to = f->written;
        pthread_mutex_unlock(&f->lock);
        /* An error here is reported once, to this open file description:
         * keep it, the caller's fsync would not see it again. */
        int rc = fdatasync(f->fd);
        int err = rc < 0 ? errno : 0;
        pthread_mutex_lock(&f->lock);
        if (rc < 0 && err != EINTR) {
            f->sync_err = err;
            break;
        }
        synced = to;
    }
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

enum pf_err follow_start(struct follow **out, int fd, unsigned which, bool sync)
{
    *out = NULL;
    if (which & ~(unsigned)(DIGEST_SHA256 | DIGEST_BLAKE2B_256 | DIGEST_MD5))
        return PF_EINVAL;
    struct follow *f = calloc(1, sizeof *f);
    if (!f)
        return PF_ENOMEM;
    f->fd = fd;
    if (pthread_mutex_init(&f->lock, NULL) != 0) {
        free(f);
        return PF_ENOMEM;
    }
    if (pthread_cond_init(&f->more, NULL) != 0) {
        pthread_mutex_destroy(&f->lock);
        free(f);
        return PF_ENOMEM;
    }
    for (int i = 0; i < N_DIGESTS; i++) {
        struct follower *fl = &f->fl[i];
        fl->f = f;
        if (!(which & digest_bits[i]))
            continue;
        if (digest_stream_init(&fl->ds, digest_bits[i]) != PF_EOK) {
            follow_abort(f);
            return PF_ENOMEM;
        }
        fl->live = true;
        /* No thread: finish hashes this digest itself. */
        fl->threaded = pthread_create(&fl->thread, NULL, follower_main, fl) == 0;
    }
    /* No syncer: the caller's fsync does all the work, as it would anyway. */
    f->sync_threaded = sync && pthread_create(&f->sync_thread, NULL, syncer_main, f) == 0;
    *out = f;
    return PF_EOK;
}

void follow_advance(struct follow *f, uint64_t written)
{
    pthread_mutex_lock(&f->lock);
    if (written > f->written)
        f->written = written;
    /* A follower that is behind does not sleep; an idle one is woken once
     * there is a batch for it (at most two batches late). */
    if (f->waiting && f->written - f->woken_at >= FOLLOW_BATCH) {
        f->woken_at = f->written;
        pthread_cond_broadcast(&f->more);
    }
    pthread_mutex_unlock(&f->lock);
}

/* Ends the threads: with abort they stop where they are, else once the
 * file is hashed up to its last advance. */
static void stop(struct follow *f, bool abort)
{
    pthread_mutex_lock(&f->lock);
    if (abort)
        f->aborting = true;
    else
        f->finishing = true;
    pthread_cond_broadcast(&f->more);
    pthread_mutex_unlock(&f->lock);
    for (int i = 0; i < N_DIGESTS; i++)
        if (f->fl[i].threaded) {
            pthread_join(f->fl[i].thread, NULL);
            f->fl[i].threaded = false;
        }
    if (f->sync_threaded) {
        pthread_join(f->sync_thread, NULL);
        f->sync_threaded = false;
    }
}

static void release(struct follow *f)
{
    for (int i = 0; i < N_DIGESTS; i++)
        if (f->fl[i].live)
            digest_stream_free(&f->fl[i].ds);
    pthread_cond_destroy(&f->more);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

enum pf_err follow_finish(struct follow *f, char sha256[DIGEST_HEX_LEN + 1], char blake2b[DIGEST_HEX_LEN + 1],
                          char md5[DIGEST_MD5_HEX_LEN + 1])
{
    sha256[0] = blake2b[0] = md5[0] = '\0';
    stop(f, false);
    enum pf_err e = PF_EOK;
    char *buf = NULL;
    for (int i = 0; i < N_DIGESTS && !e; i++) {
        struct follower *fl = &f->fl[i];
        if (!fl->live)
            continue;
        if (!fl->err && fl->done < f->written) { /* its thread never started */
            if (!buf && !(buf = malloc(FOLLOW_CHUNK))) {
                e = PF_ENOMEM;
                break;
            }
            (void)hash_range(fl, buf, fl->done, f->written);
        }
        if (fl->err) {
            e = fl->err == ENOMEM ? PF_ENOMEM : PF_EIO;
            errno = fl->err;
            break;
        }
        char s[DIGEST_HEX_LEN + 1], b[DIGEST_HEX_LEN + 1], m[DIGEST_MD5_HEX_LEN + 1];
        digest_stream_final(&fl->ds, s, b, m);
        fl->live = false;
        if (digest_bits[i] == DIGEST_SHA256)
            memcpy(sha256, s, sizeof s);
        else if (digest_bits[i] == DIGEST_BLAKE2B_256)
            memcpy(blake2b, b, sizeof b);
        else
            memcpy(md5, m, sizeof m);
    }
    if (!e && f->sync_err) {
        e = PF_EIO;
        errno = f->sync_err;
    }
    free(buf);
    release(f);
    return e;
}

void follow_abort(struct follow *f)
{
    if (!f)
        return;
    stop(f, true);
    release(f);
}
