/* SPDX-License-Identifier: MIT */
/* index_snap.c: the cache of project snapshots and of their rendered pages. */
#include "config.h"
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "index_int.h"
#include "name.h"
#include "render.h"

/* What an allocation really takes: its usable size and malloc's header. */
static size_t mem(const void *ptr)
{
    return ptr ? malloc_usable_size((void *)ptr) + sizeof(size_t) : 0;
}

/* The memory a snapshot holds, so the cache budget is what RSS sees. */
size_t project_cost(const struct index_project *p)
{
    size_t c = mem(p) + mem(p->name) + mem(p->files) + mem(p->versions) + mem(p->watches);
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
        free(pg);
    }
}

void project_free(struct index_project *p)
{
    for (size_t i = 0; i < p->nfiles; i++) {
        free(p->files[i].filename);
        free(p->files[i].relpath);
        free(p->files[i].version);
        sidecar_clear(&p->files[i].rec);
    }
    free(p->files);
    for (size_t i = 0; i < p->nversions; i++)
        free(p->versions[i]);
    free(p->versions);
    for (size_t i = 0; i < p->nwatches; i++)
        free(p->watches[i].rel);
    free(p->watches);
    page_free(p->pages[0]);
    page_free(p->pages[1]);
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
    if (fresh) {
        pthread_rwlock_wrlock(&idx->map_lock);
        if (p->lru_next) { /* still in the cache: account for it */
            size_t c = mem(pg) + mem(pg->body);
            p->cost += c;
            idx->cost += c;
            lru_trim(idx, p);
        }
        pthread_rwlock_unlock(&idx->map_lock);
    }
    *out = pg;
    return PF_EOK;
}

