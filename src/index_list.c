/* SPDX-License-Identifier: MIT */
/* index_list.c: the project list behind /simple/ and the welcome page. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "index_int.h"

static void root_free(struct index_root *r)
{
    for (size_t i = 0; i < r->nprojects; i++)
        free(r->projects[i]);
    free(r->projects);
    page_free(r->pages[0]);
    page_free(r->pages[1]);
    free(r);
}

void index_root_release(struct index_root *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1)
        root_free(r);
}

enum pf_err index_root(index_t *idx, struct index_root **out)
{
    *out = NULL;
    pthread_mutex_lock(&idx->tree_lock);
    enum pf_err e = refresh_roots(idx);
    /* Directories read too soon after a change are read again. */
    size_t pos = 0, nracy = 0;
    struct tdir *d;
    struct watch *racy = NULL;
    while (!e && idx->nracy && (d = hmap_next(&idx->dirs, &pos)))
        if (d->racy && *d->rel) {
            struct watch *n = realloc(racy, (nracy + 1) * sizeof *n);
            if (!n || !(n[nracy].rel = strdup(d->rel))) {
                racy = n ? n : racy;
                e = PF_ENOMEM;
                break;
            }
            racy = n;
            racy[nracy++].root = d->root;
        }
    for (size_t i = 0; i < nracy; i++) {
        if (!e)
            e = tree_refresh(idx, racy[i].root, racy[i].rel);
        free(racy[i].rel);
    }
    free(racy);
    uint64_t gen = atomic_load(&idx->gen);
    pthread_rwlock_rdlock(&idx->map_lock);
    struct index_root *r = idx->root;
    if (r && r->gen == gen) {
        atomic_fetch_add(&r->refs, 1);
        pthread_rwlock_unlock(&idx->map_lock);
        pthread_mutex_unlock(&idx->tree_lock);
        *out = r;
        return e;
    }
    pthread_rwlock_unlock(&idx->map_lock);
    r = calloc(1, sizeof *r);
    if (!r || !(r->projects = calloc(idx->pentries.count + 1, sizeof *r->projects))) {
        free(r);
        pthread_mutex_unlock(&idx->tree_lock);
        return PF_ENOMEM;
    }
    atomic_init(&r->refs, 2); /* ours and the caller's */
    r->gen = gen;
    r->nfiles = idx->nfiles;
    pos = 0;
    struct pentry *pe;
    while (!e && (pe = hmap_next(&idx->pentries, &pos)))
        if (pe->nfiles) {
            if (!(r->projects[r->nprojects] = strdup(pe->name)))
                e = PF_ENOMEM;
            else
                r->nprojects++;
        }
    pthread_mutex_unlock(&idx->tree_lock);
    if (e) {
        root_free(r);
        return e;
    }
    if (r->nprojects > 1)
        qsort(r->projects, r->nprojects, sizeof *r->projects, cmp_str);
    pthread_rwlock_wrlock(&idx->map_lock);
    struct index_root *old = idx->root;
    idx->root = r;
    pthread_rwlock_unlock(&idx->map_lock);
    index_root_release(old);
    *out = r;
    return PF_EOK;
}

enum pf_err index_root_page(struct index_root *r, enum page_format fmt, const struct page **out)
{
    struct page *pg = atomic_load(&r->pages[fmt]);
    if (pg) {
        *out = pg;
        return PF_EOK;
    }
    bool fresh;
    enum pf_err e = page_render(&r->pages[fmt], fmt, NULL, r, &pg, &fresh);
    if (e)
        return e;
    *out = pg;
    return PF_EOK;
}

