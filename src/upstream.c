/* SPDX-License-Identifier: MIT */
/* upstream.c: the pull-through cache's project pages: kept, revalidated once per TTL, served offline (upstream.h). */
#include "config.h"
#include "upstream.h"
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "distfile.h"
#include "fs.h"
#include "hmap.h"
#include "index.h"
#include "log.h"
#include "upstream_http.h"
#include "upstream_names.h"
#include "upstream_store.h"
#include "upstream_yank.h"

/* Projects whose snapshot a process keeps in memory; past it the oldest
 * entry is dropped (its record stays on disk). */
#define UPSTREAM_MAX_ENTRIES 4096
/* A project the upstream does not have is asked about again after this
 * long at most (or the TTL, when shorter). */
#define UPSTREAM_ABSENT_SECONDS 300
/* After the upstream failed to answer, pages it would revalidate are
 * served from the cache without asking for this long, so that a client
 * does not wait out a timeout per request while it is away. */
#define UPSTREAM_REST_SECONDS 30

#include "upstream_int.h"

/* Notes an answer (ok) or a failure of the upstream. */
static void health(struct upstream *u, bool ok)
{
    int64_t now = up_now_s();
    pthread_mutex_lock(&u->hlock);
    if (ok) {
        u->last_ok = now;
        u->down = false;
        u->rest_until = 0;
    } else {
        if (!u->down)
            u->down_since = now;
        u->down = true;
        u->last_fail = now;
        u->rest_until = now + UPSTREAM_REST_SECONDS;
    }
    pthread_mutex_unlock(&u->hlock);
}

void upstream_health(struct upstream *u, buf_t *out)
{
    /* Anyone may read /health: no URL and no error text (the log has
     * them). */
    pthread_mutex_lock(&u->hlock);
    int64_t ok = u->last_ok, fail = u->last_fail, since = u->down_since, now = up_now_s();
    bool down = u->down;
    pthread_mutex_unlock(&u->hlock);
    if (!ok && !fail)
        (void)buf_append_str(out, "not asked yet");
    else if (down)
        (void)buf_printf(out, "unreachable since %lld s (cached pages and files are served)",
                         (long long)(now - since));
    else
        (void)buf_printf(out, "reachable (last answer %lld s ago)", (long long)(now - ok));
}

static enum pf_err make_dir(const char *path, buf_t *err)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        buf_printf(err, "cannot make %s: %s", path, strerror(errno));
        return PF_EIO;
    }
    return PF_EOK;
}

/* Temporary records older than this are left by a crash: a live writer
 * renames its own within seconds. */
#define UPSTREAM_STALE_TMP_SECONDS 3600

/* Removes what a crashed writer left in DIR/sub (pages/: upstream_store.h,
 * yanked/: upstream_yank.h). */
static void sweep_tmp(const char *dir, const char *sub)
{
    char *pages = fs_join(dir, sub);
    DIR *d = pages ? opendir(pages) : NULL;
    struct dirent *de;
    int64_t now = up_now_s();
    while (d && (de = readdir(d))) {
        struct stat st;
        if (strncmp(de->d_name, ".tmp.", 5) != 0 || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || now - st.st_mtim.tv_sec < UPSTREAM_STALE_TMP_SECONDS)
            continue;
        if (unlinkat(dirfd(d), de->d_name, 0) == 0)
            LOG(LOG_INFO, "upstream cache: removed %s/%s, left by a write that did not finish", pages, de->d_name);
    }
    if (d)
        closedir(d);
    free(pages);
}

enum pf_err upstream_open(const struct config *cfg, struct upstream **out, buf_t *err)
{
    *out = NULL;
    struct upstream *u = calloc(1, sizeof *u);
    if (!u)
        return PF_ENOMEM;
    u->cfg = cfg;
    u->filesfd = -1;
    pthread_mutex_init(&u->lock, NULL);
    pthread_mutex_init(&u->hlock, NULL);
    hmap_init(&u->map);
    u->http.ca_file = cfg->upstream_ca;
    u->http.netrc_file = cfg->upstream_netrc;
    u->http.connect_timeout_ms = cfg->upstream_timeout * 1000;
    u->http.read_timeout_s = cfg->upstream_timeout;
    u->http.home_url = cfg->upstream;
    u->ttl = cfg->upstream_ttl;
    u->min_age = cfg->upstream_min_age;
    u->fetch_max = (int)cfg->upstream_fetches;
    u->follow_max = cfg->threads > 2 ? (int)cfg->threads - 2 : 1;
    enum pf_err e = PF_ENOMEM;
    if (!(u->dir = strdup(cfg->upstream_cache)) || !(u->files_path = fs_join(cfg->upstream_cache, "files")))
        goto fail;
    if ((e = make_dir(u->dir, err)) || (e = make_dir(u->files_path, err)))
        goto fail;
    /* Made now by the serving user, so that a `pypi-fcgi yank` run by
     * another (root) does not make one the serving processes cannot write. */
    static const char *const subs[] = { "pages", "locks", "yanked" };
    for (size_t i = 0; i < sizeof subs / sizeof subs[0] && !e; i++) {
        char *sub = fs_join(u->dir, subs[i]);
        e = sub ? make_dir(sub, err) : PF_ENOMEM;
        free(sub);
    }
    if (e)
        goto fail;
    u->filesfd = open(u->files_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (u->filesfd < 0) {
        buf_printf(err, "cannot open %s: %s", u->files_path, strerror(errno));
        e = PF_EIO;
        goto fail;
    }
    struct up_names_conf nc = {
        .claims_file = cfg->upstream_claims,
        .allow = (const char *const *)cfg->upstream_allow,
        .nallow = cfg->nupstream_allow,
        .allow_label = "upstream-allow",
        .deny = (const char *const *)cfg->upstream_deny,
        .ndeny = cfg->nupstream_deny,
        .deny_label = "upstream-deny",
    };
    if ((e = up_names_open(&nc, &u->names, err)))
        goto fail;
    sweep_tmp(u->dir, "pages");
    sweep_tmp(u->dir, "yanked");
    *out = u;
    return PF_EOK;
fail:
    upstream_close(u);
    return e;
}

void upstream_close(struct upstream *u)
{
    if (!u)
        return;
    size_t pos = 0;
    struct upsnap *s;
    while ((s = hmap_next(&u->map, &pos)))
        up_snap_release(s);
    hmap_free(&u->map);
    if (u->names)
        up_names_close(u->names);
    if (u->filesfd >= 0)
        close(u->filesfd);
    free(u->dir);
    free(u->files_path);
    pthread_mutex_destroy(&u->lock);
    pthread_mutex_destroy(&u->hlock);
    free(u);
}

bool upstream_name_ok(struct upstream *u, const char *norm, char *why, size_t whysz)
{
    enum up_name_verdict v = up_names_decide(u->names, norm);
    if (v == UP_NAME_UPSTREAM_OK)
        return true;
    snprintf(why, whysz, "%s", v == UP_NAME_CLAIMED  ? "the name is claimed for this index's own packages"
                               : v == UP_NAME_DENIED ? "the name is denied from the upstream (--upstream-deny)"
                               : v == UP_NAME_NOT_ALLOWED
                                   ? "the name is not in --upstream-allow"
                                   : "not a project name");
    return false;
}

/* Drops the least recently used entry (lock held). */
static void evict_one(struct upstream *u)
{
    size_t pos = 0;
    struct upsnap *s, *old = NULL;
    while ((s = hmap_next(&u->map, &pos)))
        if (!old || s->used < old->used)
            old = s;
    if (old) {
        hmap_del(&u->map, sv_cstr(old->norm));
        up_snap_release(old);
    }
}

/* Makes s (one reference given) the entry of its project. */
static void install(struct upstream *u, struct upsnap *s)
{
    pthread_mutex_lock(&u->lock);
    struct upsnap *prev = hmap_del(&u->map, sv_cstr(s->norm));
    if (!prev && u->map.count >= UPSTREAM_MAX_ENTRIES)
        evict_one(u);
    atomic_fetch_add(&s->refs, 1);
    if (hmap_put(&u->map, sv_cstr(s->norm), s) != PF_EOK)
        up_snap_release(s); /* not kept: asked again next time */
    pthread_mutex_unlock(&u->lock);
    up_snap_release(prev);
}

/* The entry of norm, referenced, or NULL. */
static struct upsnap *lookup(struct upstream *u, const char *norm)
{
    pthread_mutex_lock(&u->lock);
    struct upsnap *s = hmap_get(&u->map, sv_cstr(norm));
    if (s) {
        atomic_fetch_add(&s->refs, 1);
        s->used = up_now_s();
    }
    pthread_mutex_unlock(&u->lock);
    return s;
}

static bool fresh(const struct upstream *u, const struct upsnap *s, int64_t now)
{
    long keep = s->absent && u->ttl > UPSTREAM_ABSENT_SECONDS ? UPSTREAM_ABSENT_SECONDS : u->ttl;
    return now - s->checked < keep;
}

/* The stamps of norm's record and of its check stamp (the layout of
 * upstream_store.h), as the file server has them now. */
static void disk_stamps(const struct upstream *u, const char *norm, struct fs_stamp st[2])
{
    char path[PATH_MAX];
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/pages/%s%s", u->dir, norm, i ? ".checked" : "");
        fs_stamp_path(path, &st[i]);
    }
}

/* The record of norm on disk as a new entry (have itself when the record
 * and its stamp are as have read them), or NULL (none, or unreadable:
 * logged, and then fetched again). */
static struct upsnap *from_disk(struct upstream *u, const char *norm, struct upsnap *have)
{
    struct fs_stamp st[2];
    disk_stamps(u, norm, st);
    if (have && have->from_disk && fs_stamp_eq(&st[0], &have->disk[0]) && fs_stamp_eq(&st[1], &have->disk[1])) {
        atomic_fetch_add(&have->refs, 1);
        return have;
    }
    if (st[0].err)
        return NULL;
    struct up_cached rec = { 0 };
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = upstream_store_load(u->dir, norm, &rec, &err);
    if (e) {
        if (e != PF_ENOTFOUND)
            LOG(LOG_WARN, "upstream cache: the record of %s cannot be read (%s); it is fetched again", norm,
                err.p ? err.p : pf_strerror(e));
        buf_free(&err);
        return NULL;
    }
    buf_free(&err);
    struct upsnap *s = NULL;
    if (up_snap_new(u, norm, &rec, false, rec.checked_at, &s))
        return NULL;
    s->from_disk = true;
    memcpy(s->disk, st, sizeof s->disk);
    return s;
}

/* ---- asking the upstream ---- */

/* Gives each file of pg without an upload-time the time this index first
 * saw it: the old record's, or now for a file new to it. */
static enum pf_err first_seen(struct up_page *pg, const struct up_cached *old, int64_t now)
{
    hmap_t seen;
    hmap_init(&seen);
    enum pf_err e = PF_EOK;
    for (size_t i = 0; old && i < old->page.nfiles && !e; i++)
        e = hmap_put(&seen, sv_cstr(old->page.files[i].filename), &old->page.files[i]);
    for (size_t i = 0; i < pg->nfiles && !e; i++) {
        struct up_file *f = &pg->files[i];
        if (f->upload_time_usec >= 0)
            continue;
        const struct up_file *o = hmap_get(&seen, sv_cstr(f->filename));
        f->upload_time_usec = o && o->upload_time_usec >= 0 ? o->upload_time_usec : now * 1000000;
    }
    hmap_free(&seen);
    return e;
}

/* Turns a failed request into res: the status and words for a client
 * (no URL: the log has the whole of it). */
static void failed(struct upstream *u, const char *norm, const struct uphttp_page *pg, const char *detail,
                   struct upstream_result *res)
{
    res->status = pg->kind == UPHTTP_TIMEOUT ? 504 : 502;
    snprintf(res->why, sizeof res->why, "the upstream index could not be asked about %s (%s%s)", norm,
             uphttp_kind_name(pg->kind), pg->kind == UPHTTP_NO ? ", it refused" : "");
    LOG(LOG_WARN, "upstream %s, page of %s: %s%s%s", u->cfg->upstream, norm, uphttp_kind_name(pg->kind),
        *detail ? ": " : "", detail);
    health(u, false);
}

/* Asks the upstream for norm's page, conditionally when have (an entry
 * with a record) is given; the revalidation lock is held. A new entry,
 * or NULL with res filled (have is then served offline if it exists). */
static struct upsnap *ask(struct upstream *u, const char *norm, const struct upsnap *have,
                          struct upstream_result *res, enum pf_err *e)
{
    const struct up_cached *old = have && !have->absent ? &have->rec->c : NULL;
    buf_t url, err;
    buf_init(&url, UP_MAX_URL + NAME_MAX_LEN + 2);
    buf_init(&err, 1024);
    struct uphttp_page pg = { 0 };
    struct upsnap *s = NULL;
    *e = buf_printf(&url, "%s%s/", u->cfg->upstream, norm);
    if (!*e)
        *e = uphttp_page(&u->http, url.p, old ? old->etag : NULL, old ? old->last_modified : NULL, UP_MAX_BODY, &pg,
                         &err);
    int64_t now = up_now_s();
    if (*e == PF_ENOMEM)
        goto out;
    *e = PF_EOK;
    if (pg.kind == UPHTTP_NO && (pg.status == 404 || pg.status == 410)) {
        health(u, true);
        *e = up_snap_new(u, norm, NULL, true, now, &s);
        goto out;
    }
    if (pg.kind != UPHTTP_OK) {
        char detail[64];
        snprintf(detail, sizeof detail, "HTTP %d", pg.status);
        failed(u, norm, &pg, pg.kind == UPHTTP_NO ? detail : err.p ? err.p : "", res);
        goto out;
    }
    health(u, true);
    struct up_cached rec = { 0 };
    if (pg.status == 304 && old) {
        /* The copy is current: its check time moves on, on disk too. */
        if (upstream_store_load(u->dir, norm, &rec, &err) ||
            upstream_store_revalidated(u->dir, norm, &rec, pg.head.etag, pg.head.last_modified, now, &err)) {
            /* The copy in memory stays, checked again at the next request. */
            LOG(LOG_WARN, "upstream cache: %s: the revalidation could not be recorded: %s", norm,
                err.p ? err.p : "");
            snprintf(res->why, sizeof res->why, "the cache's copy of %s could not be updated", norm);
            up_cached_free(&rec);
            goto out;
        }
        *e = up_snap_new(u, norm, &rec, false, now, &s);
        goto out;
    }
    enum up_format fmt = up_page_format(pg.head.content_type);
    const char *base = pg.final_url ? pg.final_url : url.p;
    buf_reset(&err);
    if (fmt == UP_FORMAT_UNSUPPORTED || up_page_parse(pg.body.p ? pg.body.p : "", pg.body.len, fmt, base, norm,
                                                      &rec.page, &err) != PF_EOK) {
        res->status = 502;
        snprintf(res->why, sizeof res->why, "the upstream's page of %s cannot be read: %s", norm,
                 fmt == UP_FORMAT_UNSUPPORTED ? "its Content-Type is no simple index format" : err.p ? err.p : "");
        LOG(LOG_WARN, "upstream %s: %s", u->cfg->upstream, res->why);
        health(u, false);
        up_page_free(&rec.page);
        goto out;
    }
    if (rec.page.nskipped)
        LOG(LOG_INFO, "upstream page of %s: %zu entries skipped (first: %s)", norm, rec.page.nskipped,
            rec.page.skipped_why);
    if ((*e = first_seen(&rec.page, old, now))) {
        up_cached_free(&rec);
        goto out;
    }
    rec.page_url = strdup(base);
    rec.etag = pg.head.etag[0] ? strdup(pg.head.etag) : NULL;
    rec.last_modified = pg.head.last_modified[0] ? strdup(pg.head.last_modified) : NULL;
    rec.fetched_at = rec.checked_at = now;
    if (!rec.page_url || (pg.head.etag[0] && !rec.etag) || (pg.head.last_modified[0] && !rec.last_modified)) {
        up_cached_free(&rec);
        *e = PF_ENOMEM;
        goto out;
    }
    buf_reset(&err);
    if (upstream_store_save(u->dir, norm, &rec, &err))
        LOG(LOG_WARN, "upstream cache: the page of %s cannot be kept on disk: %s", norm, err.p ? err.p : "");
    *e = up_snap_new(u, norm, &rec, false, now, &s);
out:
    uphttp_page_free(&pg);
    buf_free(&url);
    buf_free(&err);
    return s;
}

/* Waits (polling: the holder may be another process) for the
 * revalidation lock of norm, at most the time one upstream request may
 * take; -1 when it did not come. */
static int wait_lock(struct upstream *u, const char *norm)
{
    buf_t err;
    buf_init(&err, 512);
    int fd = -1;
    long waited_ms = 0, limit_ms = (u->http.read_timeout_s * 2 + 10) * 1000L;
    for (int pause = 1; waited_ms < limit_ms; pause = pause * 2 > 50 ? 50 : pause * 2) {
        buf_reset(&err);
        enum pf_err e = upstream_store_trylock(u->dir, norm, &fd, &err);
        if (e == PF_EOK)
            break;
        if (e != PF_EUNAVAIL) {
            LOG(LOG_WARN, "upstream cache: %s", err.p ? err.p : "the revalidation lock cannot be taken");
            break;
        }
        struct timespec ts = { 0, pause * 1000000L };
        nanosleep(&ts, NULL);
        waited_ms += pause;
    }
    buf_free(&err);
    return fd;
}

static bool resting(struct upstream *u, int64_t now)
{
    pthread_mutex_lock(&u->hlock);
    bool r = now < u->rest_until;
    pthread_mutex_unlock(&u->hlock);
    return r;
}

/* The current entry of norm, referenced: from memory, from disk, or
 * from the upstream, in that order of preference while each is fresh. */
static enum pf_err current(struct upstream *u, const char *norm, struct upsnap **out, struct upstream_result *res)
{
    /* Long: memory, disk, another's revalidation, the upstream and the
     * offline copy are the steps of one decision, in this order. */
    memset(res, 0, sizeof *res);
    *out = NULL;
    int64_t now = up_now_s();
    struct upsnap *s = lookup(u, norm);
    if (s && fresh(u, s, now))
        goto done;
    /* Another process may have revalidated it. */
    struct upsnap *d = from_disk(u, norm, s);
    if (d) {
        if (d != s)
            install(u, d);
        up_snap_release(s);
        s = d;
        if (fresh(u, s, now))
            goto done;
    }
    if (s && !s->absent && resting(u, now)) {
        res->offline = true;
        snprintf(res->why, sizeof res->why, "the upstream index failed to answer less than %d s ago",
                 UPSTREAM_REST_SECONDS);
        goto done;
    }
    buf_t err;
    buf_init(&err, 512);
    int fd = -1;
    enum pf_err e = upstream_store_trylock(u->dir, norm, &fd, &err);
    if (e == PF_EUNAVAIL)
        e = PF_EOK; /* held by another */
    else if (e)
        LOG(LOG_WARN, "upstream cache: %s", err.p ? err.p : pf_strerror(e));
    buf_free(&err);
    if (fd < 0 && s)
        goto done; /* another revalidates: the copy meanwhile */
    if (fd < 0 && !e) {
        /* The first fetch of this project runs elsewhere: its result. */
        fd = wait_lock(u, norm);
        if (fd >= 0 && (d = from_disk(u, norm, NULL))) {
            upstream_store_unlock(fd);
            install(u, d);
            s = d;
            goto done;
        }
    }
    if (fd >= 0 && (d = from_disk(u, norm, s))) {
        /* Another revalidated it between our look and the lock. */
        if (d != s)
            install(u, d);
        up_snap_release(s);
        s = d;
        if (fresh(u, s, now)) {
            upstream_store_unlock(fd);
            goto done;
        }
    }
    e = PF_EOK;
    struct upsnap *n = ask(u, norm, s, res, &e);
    upstream_store_unlock(fd);
    if (n) {
        install(u, n);
        up_snap_release(s);
        s = n;
    } else if (s && !s->absent) {
        res->offline = true;
        LOG(LOG_WARN, "upstream cache: serving the copy of %s checked %lld s ago: %s", norm,
            (long long)(now - s->checked), res->why);
    } else {
        up_snap_release(s);
        if (!res->status) {
            res->status = 503;
            snprintf(res->why, sizeof res->why, "the upstream index could not be asked about %s", norm);
        }
        return e ? e : PF_EUNAVAIL;
    }
done:
    s = up_with_yanks(u, s);
    if (s->absent) {
        up_snap_release(s);
        res->status = 404;
        snprintf(res->why, sizeof res->why, "no project called %s here or on the upstream index", norm);
        return PF_ENOTFOUND;
    }
    res->age = now - s->checked > 0 ? now - s->checked : 0;
    *out = s;
    return PF_EOK;
}

enum pf_err upstream_project(struct upstream *u, const char *norm, struct index_project **out,
                             struct upstream_result *res)
{
    struct upsnap *s;
    *out = NULL;
    enum pf_err e = current(u, norm, &s, res);
    if (e)
        return e;
    atomic_fetch_add(&s->proj->refs, 1);
    *out = s->proj;
    up_snap_release(s);
    return PF_EOK;
}

enum pf_err upstream_file(struct upstream *u, const char *norm, const char *filename, struct upstream_file *out,
                          struct upstream_result *res)
{
    struct upsnap *s;
    enum pf_err e = current(u, norm, &s, res);
    if (e)
        return e;
    /* Listed in the snapshot: not hidden by the cooldown, with a hash. */
    bool listed = false;
    for (size_t i = 0; i < s->proj->nfiles && !listed; i++)
        listed = strcmp(s->proj->files[i].filename, filename) == 0;
    const struct up_file *uf = NULL;
    for (size_t i = 0; listed && i < s->rec->c.page.nfiles && !uf; i++)
        if (strcmp(s->rec->c.page.files[i].filename, filename) == 0)
            uf = &s->rec->c.page.files[i];
    if (!uf) {
        up_snap_release(s);
        res->status = 404;
        snprintf(res->why, sizeof res->why, "%s has no file %s", norm, filename);
        return PF_ENOTFOUND;
    }
    snprintf(out->url, sizeof out->url, "%s", uf->url);
    memcpy(out->sha256, uf->sha256, sizeof out->sha256);
    out->size = uf->size;
    out->core_metadata = uf->core_metadata && uf->has_core_metadata_sha256;
    memcpy(out->core_metadata_sha256, uf->core_metadata_sha256, sizeof out->core_metadata_sha256);
    up_snap_release(s);
    return PF_EOK;
}

int upstream_files_fd(const struct upstream *u)
{
    return u->filesfd;
}

const char *upstream_files_path(const struct upstream *u)
{
    return u->files_path;
}

const struct uphttp_opts *upstream_http_opts(const struct upstream *u)
{
    return &u->http;
}

static bool take_slot(atomic_int *n, int max)
{
    int have = atomic_load(n);
    do {
        if (have >= max)
            return false;
    } while (!atomic_compare_exchange_weak(n, &have, have + 1));
    return true;
}

bool upstream_fetch_slot(struct upstream *u)
{
    return take_slot(&u->fetches, u->fetch_max);
}

void upstream_fetch_done(struct upstream *u)
{
    atomic_fetch_sub(&u->fetches, 1);
}

bool upstream_follow_slot(struct upstream *u)
{
    return take_slot(&u->follows, u->follow_max);
}

void upstream_follow_done(struct upstream *u)
{
    atomic_fetch_sub(&u->follows, 1);
}
