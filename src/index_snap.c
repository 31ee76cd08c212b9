/* SPDX-License-Identifier: MIT */
/* index_snap.c: the cache of project snapshots and of their rendered pages. */
#include "config.h"
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "index_int.h"
#include "log.h"
#include "meta.h"
#include "name.h"
#include "pkginfo.h"
#include "render.h"

/* What an allocation really takes: its usable size and malloc's header. */
static size_t mem(const void *ptr)
{
    return ptr ? malloc_usable_size((void *)ptr) + sizeof(size_t) : 0;
}

/* The memory a snapshot holds, so the cache budget is what RSS sees. */
size_t project_cost(const struct index_project *p)
{
    size_t c = mem(p) + mem(p->name) + mem(p->files) + mem(p->versions) + mem(p->watches) + mem(p->api);
    for (size_t i = 0; i < p->nfiles; i++) {
        const struct index_file *f = &p->files[i];
        c += mem(f->filename) + mem(f->relpath) + mem(f->version) + mem(f->rec.requires_python) +
             mem(f->rec.yank_reason) + mem(f->rec.uploader);
    }
    for (size_t i = 0; i < p->nversions; i++)
        c += mem(p->versions[i]);
    for (size_t i = 0; i < p->nwatches; i++)
        c += mem(p->watches[i].rel);
    return c;
}

void page_free(struct page *pg)
{
    if (pg) {
        free(pg->body);
        free(pg->base);
        free(pg);
    }
}

void project_free(struct index_project *p)
{
    index_files_free(p->files, p->nfiles);
    for (size_t i = 0; i < p->nversions; i++)
        free(p->versions[i]);
    free(p->versions);
    for (size_t i = 0; i < p->nwatches; i++)
        free(p->watches[i].rel);
    free(p->watches);
    page_free(p->pages[0]);
    page_free(p->pages[1]);
    if (p->api)
        for (size_t i = 0; i < INDEX_API_BASES * (p->nversions + 1); i++)
            page_free(p->api[i]);
    free(p->api);
    free(p->summary);
    free(p->name);
    free(p);
}

void index_project_release(index_t *idx, struct index_project *p)
{
    (void)idx;
    if (p && atomic_fetch_sub(&p->refs, 1) == 1)
        project_free(p);
}

static void lru_unlink(struct index_project *p)
{
    p->lru_prev->lru_next = p->lru_next;
    p->lru_next->lru_prev = p->lru_prev;
    p->lru_prev = p->lru_next = NULL;
}

static void lru_push_front(struct index *idx, struct index_project *p)
{
    p->lru_next = idx->lru.lru_next;
    p->lru_prev = &idx->lru;
    idx->lru.lru_next->lru_prev = p;
    idx->lru.lru_next = p;
}

/* Drops the least recently used snapshots while over budget (map_lock
 * held for writing). A snapshot hit since it was last looked at gets a
 * second chance at the front instead. */
static void lru_trim(struct index *idx, struct index_project *keep)
{
    size_t chances = idx->snaps.count;
    while (idx->cost > idx->budget && idx->lru.lru_prev != &idx->lru) {
        struct index_project *v = idx->lru.lru_prev;
        if (v == keep)
            break;
        lru_unlink(v);
        if (chances && atomic_exchange(&v->hot, false)) {
            chances--;
            lru_push_front(idx, v);
            continue;
        }
        hmap_del(&idx->snaps, sv_cstr(v->name));
        idx->cost -= v->cost;
        index_project_release(idx, v);
    }
}

/* True when nothing p was built from has changed. */
static bool project_current(struct index *idx, struct index_project *p)
{
    if (p->racy || atomic_load(&p->pe->pgen) != p->pgen)
        return false;
    for (size_t i = 0; i < p->nwatches; i++) {
        struct fs_stamp now;
        const struct watch *w = &p->watches[i];
        sig_take(w->root == STATE_ROOT ? idx->state.fd : idx->rootfds[w->root], w->rel, &now);
        if (!fs_stamp_eq(&now, &w->sig))
            return false;
    }
    return true;
}
enum pf_err index_project(index_t *idx, const char *name, struct index_project **out)
{
    *out = NULL;
    if (!name_is_normalized(sv_cstr(name)))
        return PF_ENOTFOUND;
    for (;;) {
        pthread_rwlock_rdlock(&idx->map_lock);
        struct index_project *p = hmap_get(&idx->snaps, sv_cstr(name));
        if (p) {
            atomic_fetch_add(&p->refs, 1);
            atomic_store(&p->hot, true);
        }
        pthread_rwlock_unlock(&idx->map_lock);
        if (p && project_current(idx, p)) {
            *out = p;
            return PF_EOK;
        }
        /* One builder per project in this process; others wait for it. */
        pthread_mutex_lock(&idx->wait_lock);
        bool busy = false;
        for (struct building *b = idx->building; b && !busy; b = b->next)
            busy = strcmp(b->name, name) == 0;
        if (busy) {
            pthread_cond_wait(&idx->built, &idx->wait_lock);
            pthread_mutex_unlock(&idx->wait_lock);
            index_project_release(idx, p);
            continue;
        }
        struct building me = { idx->building, name };
        idx->building = &me;
        pthread_mutex_unlock(&idx->wait_lock);

        struct index_project *np = NULL;
        enum pf_err e = project_build(idx, name, p, &np);

        pthread_rwlock_wrlock(&idx->map_lock);
        struct index_project *cur = hmap_get(&idx->snaps, sv_cstr(name));
        if (cur) {
            lru_unlink(cur);
            hmap_del(&idx->snaps, sv_cstr(name));
            idx->cost -= cur->cost;
        }
        if (!e && hmap_put(&idx->snaps, sv_cstr(np->name), np) == PF_EOK) {
            atomic_fetch_add(&np->refs, 1); /* the map's reference */
            lru_push_front(idx, np);
            idx->cost += np->cost;
            lru_trim(idx, np);
        }
        pthread_rwlock_unlock(&idx->map_lock);
        pthread_mutex_lock(&idx->wait_lock);
        for (struct building **b = &idx->building; *b; b = &(*b)->next)
            if (*b == &me) {
                *b = me.next;
                break;
            }
        pthread_cond_broadcast(&idx->built);
        pthread_mutex_unlock(&idx->wait_lock);
        if (cur)
            index_project_release(idx, cur);
        index_project_release(idx, p);
        if (e)
            return e;
        *out = np;
        return PF_EOK;
    }
}

enum pf_err page_make(buf_t *b, struct page **out)
{
    struct page *pg = calloc(1, sizeof *pg);
    if (!pg)
        return PF_ENOMEM;
    char full[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(b->p ? b->p : "", b->len, full);
    memcpy(pg->hash, full, 32);
    pg->hash[32] = '\0';
    pg->len = b->len;
    pg->body = buf_steal(b);
    /* The buffer grew by doubling: give the slack back. */
    char *fit = realloc(pg->body, pg->len + 1);
    if (fit)
        pg->body = fit;
    *out = pg;
    return PF_EOK;
}

enum pf_err page_render(struct page *_Atomic *slot, enum page_format fmt, const struct index_project *p,
                        const struct index_root *r, struct page **out, bool *fresh)
{
    *fresh = false;
    buf_t b;
    buf_init(&b, RENDER_MAX_PAGE);
    enum pf_err e = p ? (fmt == PAGE_JSON ? render_project_json(p, &b) : render_project_html(p, &b))
                      : (fmt == PAGE_JSON ? render_root_json(r, &b) : render_root_html(r, &b));
    struct page *pg = NULL;
    if (!e)
        e = page_make(&b, &pg);
    buf_free(&b);
    if (e)
        return e;
    struct page *expected = NULL;
    if (!atomic_compare_exchange_strong(slot, &expected, pg)) {
        page_free(pg);
        pg = expected;
    } else
        *fresh = true;
    *out = pg;
    return PF_EOK;
}

/* Counts pg, just installed in p, in the cache's budget. */
static void account(struct index *idx, struct index_project *p, const struct page *pg)
{
    pthread_rwlock_wrlock(&idx->map_lock);
    if (p->lru_next) { /* still in the cache: account for it */
        size_t c = mem(pg) + mem(pg->body) + mem(pg->base);
        p->cost += c;
        idx->cost += c;
        lru_trim(idx, p);
    }
    pthread_rwlock_unlock(&idx->map_lock);
}

enum pf_err index_project_page(index_t *idx, struct index_project *p, enum page_format fmt, const struct page **out)
{
    struct page *pg = atomic_load(&p->pages[fmt]);
    if (pg) {
        *out = pg;
        return PF_EOK;
    }
    bool fresh;
    enum pf_err e = page_render(&p->pages[fmt], fmt, p, NULL, &pg, &fresh);
    if (e)
        return e;
    if (fresh)
        account(idx, p, pg);
    *out = pg;
    return PF_EOK;
}

bool index_project_keep(index_t *idx, struct index_project *p, struct page *_Atomic *slot, struct page *pg)
{
    struct page *expected = NULL;
    if (!atomic_compare_exchange_strong(slot, &expected, pg))
        return false;
    account(idx, p, pg);
    return true;
}

static bool version_pre(const char *s)
{
    version_t v;
    return version_parse(sv_cstr(s), &v) != PF_EOK || version_is_prerelease(&v);
}

/* index_latest_version, worked out: one pass over the files marks the
 * versions with a file not yanked (a file's version is, but for equal
 * versions written differently, the one of the file before or the next),
 * then the versions are looked at from the highest down. */
static size_t latest_of(const struct index_project *p)
{
    size_t n = p->nversions, cur = 0;
    if (n == 0)
        return 0;
    bool *live = calloc(n, sizeof *live);
    if (!live)
        return n - 1;
    for (size_t i = 0; i < p->nfiles; i++) {
        const char *v = p->files[i].version;
        if (strcmp(v, p->versions[cur]) != 0) {
            if (cur + 1 < n && strcmp(v, p->versions[cur + 1]) == 0)
                cur++;
            else
                for (size_t j = 0; j < n; j++)
                    if (strcmp(v, p->versions[j]) == 0) {
                        cur = j;
                        break;
                    }
        }
        live[cur] |= !p->files[i].rec.yanked;
    }
    size_t fallback = n - 1;
    bool have_fallback = false;
    for (size_t v = n; v-- > 0;) {
        if (!live[v])
            continue;
        if (!version_pre(p->versions[v])) {
            fallback = v;
            break;
        }
        if (!have_fallback) {
            fallback = v;
            have_fallback = true;
        }
    }
    free(live);
    return fallback;
}

size_t index_latest_version(const struct index_project *p)
{
    /* Worked out once per snapshot, which is immutable; a race only works
     * it out twice. */
    struct index_project *mp = (struct index_project *)p;
    size_t l = atomic_load(&mp->latest);
    if (!l) {
        l = latest_of(p) + 1;
        atomic_store(&mp->latest, l);
    }
    return l - 1;
}

const struct index_file *index_version_source(const struct index_project *p, size_t v)
{
    const struct index_file *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < p->nfiles; i++) {
        const struct index_file *f = &p->files[i];
        if (!f->rec.has_metadata || strcmp(f->version, p->versions[v]) != 0)
            continue;
        int rank = 1 + (f->kind == DISTFILE_WHEEL ? 2 : 0) + (f->rec.yanked ? 0 : 1);
        if (rank > best_rank) {
            best = f;
            best_rank = rank;
        }
    }
    return best;
}

const char *index_project_summary(index_t *idx, struct index_project *p)
{
    char *s = atomic_load(&p->summary);
    if (s)
        return s;
    const struct index_file *f = p->nversions ? index_version_source(p, index_latest_version(p)) : NULL;
    char *md = NULL;
    size_t len = 0;
    buf_t b;
    buf_init(&b, META_MAX_SIZE);
    enum pf_err e = f ? index_read_metadata(idx, f, &md, &len) : PF_EOK;
    struct pkginfo pi;
    if (e)
        LOG(LOG_WARN, "%s: the metadata of %s cannot be read (%s): searched by name only", p->name, f->filename,
            pf_strerror(e));
    else if (md && !(e = pkginfo_parse(sv_make(md, len), &pi))) {
        /* As the JSON API shows it: the whole Summary, unfolded. */
        (void)pkginfo_single(&b, &pi, PKGINFO_SUMMARY);
        pkginfo_free(&pi);
    }
    free(md);
    /* Not kept after an error: the next request tries again. */
    size_t n = b.len < INDEX_MAX_SUMMARY ? b.len : INDEX_MAX_SUMMARY;
    while (n < b.len && n && ((unsigned char)b.p[n] & 0xC0) == 0x80)
        n--; /* not inside a UTF-8 sequence */
    s = e || buf_err(&b) ? NULL : strndup(b.p ? b.p : "", n);
    buf_free(&b);
    if (!s)
        return "";
    char *expected = NULL;
    if (!atomic_compare_exchange_strong(&p->summary, &expected, s)) {
        free(s);
        return expected;
    }
    return s;
}
