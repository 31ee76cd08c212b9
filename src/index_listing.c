/* SPDX-License-Identifier: MIT */
/* index_listing.c: the listing of every distribution file behind /packages/. */
#include "config.h"
#include <stdlib.h>
#include "index_int.h"
#include "render.h"

static void listing_free(struct index_listing *l)
{
    page_free(l->page);
    free(l);
}

void index_listing_release(struct index_listing *l)
{
    if (l && atomic_fetch_sub(&l->refs, 1) == 1)
        listing_free(l);
}

/* Renders the files of every project of r, in r's order (by name), from
 * each project's current snapshot in turn. One snapshot is held at a time,
 * so a build needs the page and the snapshot cache, no more; the records
 * come from the snapshots, so no file is read here that a request for its
 * project page would not read. */
static enum pf_err build(struct index *idx, const struct index_root *r, struct index_listing *l)
{
    buf_t b;
    buf_init(&b, RENDER_MAX_PAGE);
    enum pf_err e = render_listing_head(&b);
    for (size_t i = 0; i < r->nprojects && !e; i++) {
        struct index_project *p;
        e = index_project(idx, r->projects[i], &p);
        if (e == PF_ENOTFOUND) {
            /* Gone since the list was taken: the tree's generation has
             * moved, so the next request builds the listing again. */
            e = PF_EOK;
            continue;
        }
        if (e)
            break;
        l->racy |= p->racy;
        l->nfiles += p->nfiles;
        e = render_listing_files(p, &b);
        index_project_release(idx, p);
    }
    if (!e)
        e = render_listing_tail(&b);
    if (!e)
        e = page_make(&b, &l->page);
    buf_free(&b);
    return e;
}

enum pf_err index_listing(index_t *idx, struct index_listing **out)
{
    *out = NULL;
    /* Read before the list: a file replaced during the build leaves the
     * listing built here behind, and the next request builds it again. */
    uint64_t fgen = atomic_load(&idx->fgen);
    struct index_root *r;
    enum pf_err e = index_root(idx, &r);
    if (e) {
        index_root_release(r); /* a stale list may come beside the error */
        return e;
    }
    pthread_mutex_lock(&idx->list_lock);
    struct index_listing *l = idx->listing;
    bool current = l && !l->racy && l->gen == r->gen && l->fgen == fgen;
    if (current || idx->listing_building) {
        /* A build takes minutes on a large tree whose records are not
         * built yet: no request waits for one. While it runs the others
         * get the listing before it, or, with none yet, PF_EUNAVAIL
         * (503: pip retries it). */
        if (l)
            atomic_fetch_add(&l->refs, 1);
        pthread_mutex_unlock(&idx->list_lock);
        index_root_release(r);
        *out = l;
        return l ? PF_EOK : PF_EUNAVAIL;
    }
    idx->listing_building = true;
    pthread_mutex_unlock(&idx->list_lock);

    if (!(l = calloc(1, sizeof *l)))
        e = PF_ENOMEM;
    if (!e) {
        atomic_init(&l->refs, 2); /* the index's and the caller's */
        l->gen = r->gen;
        l->fgen = fgen;
        e = build(idx, r, l);
    }
    index_root_release(r);
    pthread_mutex_lock(&idx->list_lock);
    idx->listing_building = false;
    struct index_listing *old = NULL;
    if (!e) {
        old = idx->listing;
        idx->listing = l;
    }
    pthread_mutex_unlock(&idx->list_lock);
    if (e) {
        if (l)
            listing_free(l);
        return e;
    }
    index_listing_release(old);
    *out = l;
    return PF_EOK;
}
