/* SPDX-License-Identifier: MIT */
/* upstream_snap.c: the upstream cache's snapshots: a page record made into an index project, with this index's yanks. */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "distfile.h"
#include "index.h"
#include "log.h"
#include "upstream_int.h"
#include "upstream_yank.h"

static void rec_release(struct uprec *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    up_cached_free(&r->c);
    free(r);
}

void up_snap_release(struct upsnap *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    if (s->proj)
        index_project_release(NULL, s->proj);
    rec_release(s->rec);
    free(s->norm);
    free(s);
}

/* The index's file of upstream file uf of project norm, or false when it
 * is left out (no hash, too young, a name that is no distribution of
 * norm). mine: this index's yank of it, or NULL. */
static bool take_file(const struct up_file *uf, const char *norm, int64_t first_seen, int64_t hide_after,
                      const struct up_yank *mine, struct index_file *f, enum pf_err *e)
{
    /* This index's reason is given when it has one, else the upstream's. */
    const char *reason = mine && mine->reason ? mine->reason : uf->yanked ? uf->yank_reason : NULL;
    distfile_t df;
    if (!uf->has_sha256 || distfile_parse(sv_cstr(uf->filename), &df) != PF_EOK || strcmp(df.project, norm) != 0)
        return false;
    int64_t up_usec = uf->upload_time_usec >= 0 ? uf->upload_time_usec : first_seen * 1000000;
    if (hide_after >= 0 && up_usec > hide_after)
        return false;
    memset(f, 0, sizeof *f);
    buf_t v, rel;
    buf_init(&v, VERSION_MAX_LEN * 2);
    buf_init(&rel, UP_MAX_URL);
    *e = version_normalize(&df.ver, &v);
    if (!*e)
        *e = buf_printf(&rel, UPSTREAM_PATH "%s/%s", norm, uf->filename);
    if (*e || !(f->filename = strdup(uf->filename)) ||
        (uf->requires_python && !(f->rec.requires_python = strdup(uf->requires_python))) ||
        (reason && !(f->rec.yank_reason = strdup(reason)))) {
        free(f->filename);
        sidecar_clear(&f->rec);
        buf_free(&v);
        buf_free(&rel);
        *e = PF_ENOMEM;
        return false;
    }
    f->version = buf_steal(&v);
    f->relpath = buf_steal(&rel);
    f->kind = df.kind;
    f->stored = true;
    memcpy(f->rec.sha256, uf->sha256, sizeof f->rec.sha256);
    f->rec.size = uf->size >= 0 ? (uint64_t)uf->size : 0;
    f->rec.first_seen_usec = up_usec;
    f->rec.yanked = uf->yanked || mine;
    if (uf->core_metadata && uf->has_core_metadata_sha256 && df.kind == DISTFILE_WHEEL) {
        f->rec.has_metadata = true;
        memcpy(f->rec.metadata_sha256, uf->core_metadata_sha256, sizeof f->rec.metadata_sha256);
    }
    return true;
}

/* The snapshot of the record rec as seen at now, with this index's yanks. */
static enum pf_err make_project(struct upstream *u, const struct up_cached *rec, const struct up_yanks *yanks,
                                int64_t now, struct index_project **out)
{
    const struct up_page *pg = &rec->page;
    struct index_file *files = calloc(pg->nfiles ? pg->nfiles : 1, sizeof *files);
    if (!files)
        return PF_ENOMEM;
    int64_t hide_after = u->min_age > 0 ? (now - u->min_age) * 1000000 : -1;
    size_t n = 0, hidden = 0;
    enum pf_err e = PF_EOK;
    for (size_t i = 0; i < pg->nfiles && !e; i++) {
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(files[j].filename, pg->files[i].filename) == 0;
        if (!dup && take_file(&pg->files[i], pg->name, rec->fetched_at, hide_after,
                              up_yanks_find(yanks, pg->files[i].filename), &files[n], &e))
            n++;
        else if (!e)
            hidden++;
    }
    if (e) {
        index_files_free(files, n);
        return e;
    }
    if (hidden)
        LOG(LOG_DEBUG, "upstream page of %s: %zu of %zu files left out (no sha256, younger than the minimum age, "
                       "or not a distribution of the project)", pg->name, hidden, pg->nfiles);
    return index_project_make(pg->name, files, n, out);
}

/* The stamp of norm's yank list (upstream_yank.h) as the file server has
 * it now. */
static void yank_stamp(const struct upstream *u, const char *norm, struct fs_stamp *st)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/yanked/%s", u->dir, norm);
    fs_stamp_path(path, st);
}

/* Makes s's snapshot of its record with the yank list whose stamp is st
 * (taken just before). */
static enum pf_err snap_project(struct upstream *u, struct upsnap *s, const struct fs_stamp *st)
{
    s->yanks = *st;
    struct up_yanks y = { 0 };
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = st->err ? PF_EOK : up_yanks_load(u->dir, s->norm, &y, &err);
    if (e == PF_ENOMEM) {
        buf_free(&err);
        return e;
    }
    if (e || (st->err && st->err != ENOENT))
        LOG(LOG_WARN, "upstream cache: %s/yanked/%s cannot be read (%s): none of its yanks is applied until it "
                      "can be", u->dir, s->norm, e ? (err.p ? err.p : pf_strerror(e)) : strerror(st->err));
    buf_free(&err);
    e = make_project(u, &s->rec->c, &y, up_now_s(), &s->proj);
    up_yanks_free(&y);
    return e;
}

enum pf_err up_snap_new(struct upstream *u, const char *norm, struct up_cached *rec, bool absent, int64_t checked,
                        struct upsnap **out)
{
    struct upsnap *s = calloc(1, sizeof *s);
    enum pf_err e = PF_ENOMEM;
    if (!s || !(s->norm = strdup(norm)) || (!absent && !(s->rec = calloc(1, sizeof *s->rec)))) {
        if (s)
            free(s->norm);
        free(s);
        if (rec)
            up_cached_free(rec);
        return e;
    }
    atomic_init(&s->refs, 1);
    s->absent = absent;
    s->checked = checked;
    s->used = up_now_s();
    if (s->rec) {
        atomic_init(&s->rec->refs, 1);
        s->rec->c = *rec;
        memset(rec, 0, sizeof *rec);
    }
    struct fs_stamp st;
    if (!absent)
        yank_stamp(u, norm, &st);
    if (!absent && (e = snap_project(u, s, &st))) {
        up_snap_release(s);
        return e;
    }
    *out = s;
    return PF_EOK;
}

/* s again, with its snapshot made anew when the yank list changed since
 * it was made: a new entry (installed), or s itself (referenced). */
struct upsnap *up_with_yanks(struct upstream *u, struct upsnap *s)
{
    if (s->absent)
        return s;
    struct fs_stamp now;
    yank_stamp(u, s->norm, &now);
    if (fs_stamp_eq(&now, &s->yanks))
        return s;
    struct upsnap *n = calloc(1, sizeof *n);
    if (!n || !(n->norm = strdup(s->norm))) {
        free(n);
        return s; /* out of memory: the snapshot in use, asked again next time */
    }
    atomic_init(&n->refs, 1);
    n->checked = s->checked;
    n->used = up_now_s(); /* s->used is the map's, under u->lock */
    n->rec = s->rec;
    atomic_fetch_add(&n->rec->refs, 1);
    memcpy(n->disk, s->disk, sizeof n->disk);
    n->from_disk = s->from_disk;
    if (snap_project(u, n, &now)) {
        up_snap_release(n);
        return s;
    }
    /* Only in s's place: an entry installed since holds a newer record.
     * The map keeps the key it was given last: n's, which lives as long. */
    pthread_mutex_lock(&u->lock);
    if (hmap_get(&u->map, sv_cstr(s->norm)) == s && hmap_put(&u->map, sv_cstr(n->norm), n) == PF_EOK) {
        atomic_fetch_add(&n->refs, 1);
        up_snap_release(s); /* the map's reference */
    }
    pthread_mutex_unlock(&u->lock);
    up_snap_release(s);
    return n;
}
