/* SPDX-License-Identifier: MIT */
/* filewatch.c: a small file kept parsed in memory and re-read when it changes. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "filewatch.h"
#include "fs.h"
#include "log.h"

struct filewatch_snap {
    atomic_uint refs;
    void *data;
    filewatch_free_fn free_fn;
};

struct filewatch {
    char *path;
    filewatch_parse_fn parse;
    filewatch_free_fn free_fn;
    pthread_mutex_t lock; /* guards the fields below */
    struct filewatch_snap *cur;
    struct fs_stamp loaded; /* the file cur was read from */
    struct fs_stamp failed; /* the last state that could not be loaded */
    bool have_failed;    /* failed is set (and was warned about) */
    bool reloading;      /* a thread is reading the file outside the lock */
    /* Set by filewatch_fail_closed: the snapshot with no data that takes
     * the place of one that cannot be read. */
    struct filewatch_snap *empty;
};

/* Reads the whole file at path with one open, so that a file renamed over
 * it meanwhile gives either the old or the new text, never a mix. On
 * success *text (malloc'd, NUL-terminated) holds *len bytes and *st
 * describes the file read. On failure writes the reason to msg. */
static enum pf_err read_file(const char *path, char **text, size_t *len, struct fs_stamp *st, buf_t *msg)
{
    enum pf_err e = PF_EOK;
    char *p = NULL;
    size_t n = 0;
    struct stat sb;
    /* O_NONBLOCK: opening a FIFO put in the file's place must not hang a
     * worker; it is refused below as not a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        (void)buf_printf(msg, "%s", strerror(errno));
        e = PF_EIO;
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        (void)buf_printf(msg, "not a regular file");
        e = PF_EINVAL;
        goto out;
    }
    if ((unsigned long long)sb.st_size > FILEWATCH_MAX_SIZE) {
        (void)buf_printf(msg, "larger than %zu bytes", FILEWATCH_MAX_SIZE);
        e = PF_ETOOBIG;
        goto out;
    }
    /* Room for one byte more than fstat said, so that a file that grew
     * since is noticed; it is read up to one byte past the limit. */
    size_t room = (size_t)sb.st_size + 1;
    if (!(p = malloc(room + 1))) {
        e = PF_ENOMEM;
        (void)buf_printf(msg, "%s", pf_strerror(e));
        goto out;
    }
    for (;;) {
        if (n == room) {
            if (room > FILEWATCH_MAX_SIZE) {
                (void)buf_printf(msg, "larger than %zu bytes", FILEWATCH_MAX_SIZE);
                e = PF_ETOOBIG;
                goto out;
            }
            room = room > FILEWATCH_MAX_SIZE / 2 ? FILEWATCH_MAX_SIZE + 1 : room * 2;
            char *q = realloc(p, room + 1);
            if (!q) {
                e = PF_ENOMEM;
                (void)buf_printf(msg, "%s", pf_strerror(e));
                goto out;
            }
            p = q;
        }
        ssize_t r = read(fd, p + n, room - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            (void)buf_printf(msg, "%s", strerror(errno));
            e = PF_EIO;
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    p[n] = '\0';
    fs_stamp_of(st, &sb);
    *text = p;
    *len = n;
    p = NULL;
out:
    free(p);
    if (fd >= 0)
        close(fd);
    return e;
}

/* Reads and parses the file into a new snapshot with one reference. */
static enum pf_err load(const struct filewatch *w, struct filewatch_snap **out, struct fs_stamp *st, buf_t *msg)
{
    char *text = NULL;
    size_t len = 0;
    void *data = NULL;
    struct filewatch_snap *s = NULL;
    enum pf_err e = read_file(w->path, &text, &len, st, msg);
    if (e)
        goto out;
    if ((e = w->parse(text, len, w->path, &data))) {
        (void)buf_printf(msg, "%s", pf_strerror(e));
        goto out;
    }
    if (!(s = malloc(sizeof *s))) {
        e = PF_ENOMEM;
        (void)buf_printf(msg, "%s", pf_strerror(e));
        w->free_fn(data);
        goto out;
    }
    atomic_init(&s->refs, 1);
    s->data = data;
    s->free_fn = w->free_fn;
    *out = s;
out:
    free(text);
    return e;
}

enum pf_err filewatch_open(const char *path, filewatch_parse_fn parse, filewatch_free_fn free_fn,
                           struct filewatch **out, buf_t *err)
{
    enum pf_err e = PF_ENOMEM;
    buf_t msg;
    buf_init(&msg, 512);
    struct filewatch *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        buf_reset(err);
        (void)buf_printf(err, "%s: %s", path, pf_strerror(e));
        goto out;
    }
    w->parse = parse;
    w->free_fn = free_fn;
    if ((e = load(w, &w->cur, &w->loaded, &msg))) {
        buf_reset(err);
        (void)buf_printf(err, "cannot read %s: %s", path, msg.p ? msg.p : "");
        goto out;
    }
    pthread_mutex_init(&w->lock, NULL);
    *out = w;
    w = NULL;
out:
    if (w) {
        free(w->path);
        free(w);
    }
    buf_free(&msg);
    return e;
}

/* With w->lock held: when the watch fails closed, the empty snapshot
 * replaces the one in use, which is returned for the caller to put once
 * the lock is released; NULL otherwise. The version read is forgotten, so
 * that the file is read again as soon as stat sees it in any state. */
static struct filewatch_snap *drop(struct filewatch *w)
{
    if (!w->empty || w->cur == w->empty)
        return NULL;
    struct filewatch_snap *old = w->cur;
    atomic_fetch_add(&w->empty->refs, 1);
    w->cur = w->empty;
    w->loaded = (struct fs_stamp){ .err = -1 }; /* no errno is negative */
    return old;
}

enum pf_err filewatch_fail_closed(struct filewatch *w)
{
    if (w->empty)
        return PF_EOK;
    struct filewatch_snap *s = malloc(sizeof *s);
    if (!s)
        return PF_ENOMEM;
    atomic_init(&s->refs, 1);
    s->data = NULL;
    s->free_fn = w->free_fn;
    w->empty = s;
    return PF_EOK;
}

struct filewatch_snap *filewatch_get(struct filewatch *w)
{
    struct fs_stamp now;
    struct filewatch_snap *s, *old = NULL, *fresh = NULL;
    buf_t msg;

    fs_stamp_path(w->path, &now);

    pthread_mutex_lock(&w->lock);
    if (fs_stamp_eq(&now, &w->loaded)) {
        /* Back to the version in use (or never left it): a later failure
         * is a new state, worth a new warning. */
        w->have_failed = false;
        goto take;
    }
    if (w->reloading || (w->have_failed && fs_stamp_eq(&now, &w->failed)))
        goto take;
    if (now.err) {
        if (w->empty)
            LOG(LOG_WARN, "%s: %s; taken as empty until it can be read again", w->path, strerror(now.err));
        else
            LOG(LOG_WARN, "%s: %s; still using the version read before", w->path, strerror(now.err));
        w->failed = now;
        w->have_failed = true;
        old = drop(w);
        goto take;
    }
    /* The file changed: read it without holding the lock, so the other
     * threads go on with the version in use meanwhile. */
    w->reloading = true;
    pthread_mutex_unlock(&w->lock);

    struct fs_stamp got;
    buf_init(&msg, 512);
    enum pf_err e = load(w, &fresh, &got, &msg);

    pthread_mutex_lock(&w->lock);
    w->reloading = false;
    if (!e) {
        old = w->cur;
        w->cur = fresh;
        w->loaded = got;
        w->have_failed = false;
        LOG(LOG_INFO, "%s: changed; read it again", w->path);
    } else {
        if (w->empty)
            LOG(LOG_WARN, "%s: cannot read it again (%s); taken as empty until it can be", w->path,
                msg.p ? msg.p : "");
        else
            LOG(LOG_WARN, "%s: cannot read it again (%s); still using the version read before", w->path,
                msg.p ? msg.p : "");
        w->failed = now;
        w->have_failed = true;
        old = drop(w);
    }
    buf_free(&msg);
take:
    s = w->cur;
    atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&w->lock);
    /* The watch's reference to the version replaced; readers that still
     * hold it keep it alive. */
    filewatch_put(old);
    return s;
}

const void *filewatch_data(const struct filewatch_snap *s)
{
    return s->data;
}

void filewatch_put(struct filewatch_snap *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        if (s->data)
            s->free_fn(s->data);
        free(s);
    }
}

void filewatch_close(struct filewatch *w)
{
    if (!w)
        return;
    filewatch_put(w->cur);
    filewatch_put(w->empty);
    pthread_mutex_destroy(&w->lock);
    free(w->path);
    free(w);
}
