/* SPDX-License-Identifier: MIT */
/* index_build.c: building a project snapshot: its files from the tree, their records, their versions. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "index_int.h"
#include "log.h"
#include "vec.h"


/* Files are sorted by version, then name; the parsed versions are large,
 * so they live only while sorting. */
struct sortkey {
    version_t ver;
    const struct index_file *f;
};

static int cmp_keys(const void *a, const void *b)
{
    const struct sortkey *x = a, *y = b;
    int c = version_cmp(&x->ver, &y->ver);
    return c ? c : strcmp(x->f->filename, y->f->filename);
}

static enum pf_err sort_files(struct index_project *p)
{
    if (p->nfiles < 2)
        return PF_EOK;
    struct sortkey *k = malloc(p->nfiles * sizeof *k);
    struct index_file *sorted = malloc(p->nfiles * sizeof *sorted);
    if (!k || !sorted) {
        free(k);
        free(sorted);
        return PF_ENOMEM;
    }
    for (size_t i = 0; i < p->nfiles; i++) {
        k[i].f = &p->files[i];
        if (version_parse(sv_cstr(p->files[i].version), &k[i].ver) != PF_EOK)
            memset(&k[i].ver, 0, sizeof k[i].ver);
    }
    qsort(k, p->nfiles, sizeof *k, cmp_keys);
    for (size_t i = 0; i < p->nfiles; i++)
        sorted[i] = *k[i].f;
    free(k);
    free(p->files);
    p->files = sorted;
    return PF_EOK;
}

struct pending {
    unsigned root;
    char *dirrel, *name;
};

static enum pf_err add_watch(struct index_project *p, size_t *cap, unsigned root, const char *rel)
{
    for (size_t i = 0; i < p->nwatches; i++)
        if (p->watches[i].root == root && strcmp(p->watches[i].rel, rel) == 0)
            return PF_EOK;
    if (vec_reserve(&p->watches, cap, p->nwatches, sizeof *p->watches, 8))
        return PF_ENOMEM;
    struct watch *w = &p->watches[p->nwatches];
    memset(w, 0, sizeof *w);
    if (!(w->rel = strdup(rel)))
        return PF_ENOMEM;
    w->root = root;
    p->nwatches++;
    return PF_EOK;
}

/* A watch on a directory of the state directory that holds records of
 * this snapshot, with its signature from before they were read. */
static enum pf_err add_state_watch(struct index_project *p, size_t *cap, const char *rel, const struct fs_stamp *sig)
{
    for (size_t i = 0; i < p->nwatches; i++)
        if (p->watches[i].root == STATE_ROOT && strcmp(p->watches[i].rel, rel) == 0)
            return PF_EOK;
    enum pf_err e = add_watch(p, cap, STATE_ROOT, rel);
    if (!e)
        p->watches[p->nwatches - 1].sig = *sig;
    return e;
}

/* A record that could not be stored (a read-only tree) is carried over
 * from the previous snapshot while its file keeps its size and mtime, so
 * the file is not read again. Stored records are read again: that is
 * cheap, and it is how a yank made by another process shows. */
static const struct index_file *reusable(const struct index_project *old, unsigned root, const char *relpath,
                                         const struct stat *st)
{
    for (size_t i = 0; old && i < old->nfiles; i++) {
        const struct index_file *f = &old->files[i];
        if (f->root == root && !f->stored && strcmp(f->relpath, relpath) == 0)
            return sidecar_fresh(&f->rec, st) ? f : NULL;
    }
    return NULL;
}

/* Refreshes the directories that hold files of the project name (the
 * roots first: a new project directory shows there) and returns its entry
 * in the tree, NULL when the tree has none. tree_lock held. */
static enum pf_err refresh_project(struct index *idx, const char *name, struct pentry **out)
{
    *out = NULL;
    enum pf_err e = refresh_roots(idx);
    for (unsigned r = 0; r < idx->cfg->nroots && !e; r++)
        e = tree_refresh(idx, r, name);
    struct pentry *pe = e ? NULL : pentry_get(idx, name, false);
    if (pe) {
        /* Copy: refreshing one directory may move the list. */
        size_t nd = pe->ndirs;
        char **keys = calloc(nd ? nd : 1, sizeof *keys);
        if (!keys)
            e = PF_ENOMEM;
        for (size_t i = 0; i < nd && !e; i++)
            if (!(keys[i] = strdup(pe->dirs[i]->key)))
                e = PF_ENOMEM;
        for (size_t i = 0; i < nd && !e; i++) {
            struct tdir *d = hmap_get(&idx->dirs, sv_cstr(keys[i]));
            if (d)
                e = tree_refresh(idx, d->root, d->rel);
        }
        for (size_t i = 0; keys && i < nd; i++)
            free(keys[i]);
        free(keys);
    }
    *out = pe;
    return e;
}

/* Copies out the files of pe (their directories and names) into *pend
 * and watches each directory that holds one. tree_lock held. */
static enum pf_err list_files(struct index_project *p, struct pentry *pe, size_t *capw, struct pending **pend,
                              size_t *npend)
{
    enum pf_err e = PF_EOK;
    p->pe = pe;
    p->pgen = atomic_load(&pe->pgen);
    if (!(*pend = calloc(pe->nfiles, sizeof **pend)))
        return PF_ENOMEM;
    for (size_t i = 0; i < pe->ndirs && !e; i++) {
        struct tdir *d = pe->dirs[i];
        if (d->racy)
            p->racy = true;
        for (size_t j = 0; j < d->nfiles && !e; j++) {
            if (d->files[j].proj != pe)
                continue;
            struct pending *q = &(*pend)[(*npend)++];
            q->root = d->root;
            q->dirrel = strdup(d->rel);
            q->name = strdup(d->files[j].name);
            if (!q->dirrel || !q->name)
                e = PF_ENOMEM;
        }
        if (!e)
            e = add_watch(p, capw, d->root, d->rel);
    }
    return e;
}

/* Watches every root (new flat files, new project directories) and the
 * project's own directory in each root, present or not, and takes the
 * signature of every watched directory. tree_lock held. */
static enum pf_err watch_dirs(struct index *idx, struct index_project *p, const char *name, size_t *capw)
{
    enum pf_err e = PF_EOK;
    for (unsigned r = 0; r < idx->cfg->nroots && !e; r++) {
        if (!(e = add_watch(p, capw, r, "")))
            e = add_watch(p, capw, r, name);
    }
    for (size_t i = 0; i < p->nwatches && !e; i++) {
        struct watch *w = &p->watches[i];
        char *k = dir_key(w->root, w->rel);
        struct tdir *d = k ? hmap_get(&idx->dirs, sv_cstr(k)) : NULL;
        free(k);
        if (d)
            w->sig = d->sig;
        else
            sig_take(idx->rootfds[w->root], w->rel, &w->sig);
        if (d && d->racy)
            p->racy = true;
    }
    return e;
}

/* Adds the file q to p with its record (carried over from old, loaded, or
 * built). A file that cannot be listed (gone since the listing, the same
 * filename as one already in p, unreadable) is left out: PF_EOK. Fails
 * only with PF_ENOMEM. No global lock held: this may hash the file. */
static enum pf_err add_file(struct index *idx, struct index_project *p, const struct index_project *old,
                            const struct pending *q, size_t *capw)
{
    int rootfd = idx->rootfds[q->root];
    char *relpath = fs_join(q->dirrel, q->name);
    distfile_t df;
    struct stat st;
    if (!relpath)
        return PF_ENOMEM;
    if (distfile_parse(sv_cstr(q->name), &df) != PF_EOK || fstatat(rootfd, relpath, &st, 0) != 0 ||
        !S_ISREG(st.st_mode)) {
        free(relpath);
        p->racy = true; /* gone since the listing: look again next time */
        return PF_EOK;
    }
    /* One file per filename: the first root (then path) wins. */
    bool dup = false;
    for (size_t j = 0; j < p->nfiles && !dup; j++)
        dup = strcmp(p->files[j].filename, q->name) == 0;
    if (dup) {
        LOG(LOG_DEBUG, "%s/%s: same filename as another file of %s; not listed twice", idx->cfg->roots[q->root],
            relpath, p->name);
        free(relpath);
        return PF_EOK;
    }
    struct index_file *f = &p->files[p->nfiles];
    const struct index_file *prev = reusable(old, q->root, relpath, &st);
    char statewatch[STATE_KEY_LEN];
    struct fs_stamp statesig;
    enum pf_err re;
    if (prev)
        re = sidecar_copy(&f->rec, &prev->rec);
    else {
        re = record_ensure(rootfd, q->dirrel, q->name, &df, &f->rec, &p->racy, &f->stored,
                           idx->cfg->roots[q->root], &idx->state, statewatch, &statesig);
        if (!re && *statewatch && (re = add_state_watch(p, capw, statewatch, &statesig)))
            sidecar_clear(&f->rec);
        /* As for the tree's directories: a change within the same
         * timestamp tick would not show in the signature. */
        if (!re && *statewatch && sig_racy(&statesig, fs_now_ns()))
            p->racy = true;
    }
    if (re) {
        free(relpath);
        return re == PF_ENOMEM ? re : PF_EOK;
    }
    buf_t v;
    buf_init(&v, VERSION_MAX_LEN * 2);
    if (version_normalize(&df.ver, &v) || !(f->filename = strdup(q->name))) {
        buf_free(&v);
        sidecar_clear(&f->rec);
        free(relpath);
        return PF_ENOMEM;
    }
    f->version = buf_steal(&v);
    f->relpath = relpath;
    f->root = q->root;
    f->kind = df.kind;
    p->nfiles++;
    return PF_EOK;
}

/* The distinct versions of p's files (sorted), ascending. */
static enum pf_err list_versions(struct index_project *p)
{
    p->versions = calloc(p->nfiles ? p->nfiles : 1, sizeof *p->versions);
    if (!p->versions)
        return PF_ENOMEM;
    for (size_t i = 0; i < p->nfiles; i++) {
        if (p->nversions && strcmp(p->versions[p->nversions - 1], p->files[i].version) == 0)
            continue;
        /* Equal versions written differently (1.0 and 1.0.0) are listed once each
         * as their normalized strings differ; PEP 700 asks for a set of strings. */
        bool seen = false;
        for (size_t j = 0; j < p->nversions && !seen; j++)
            seen = strcmp(p->versions[j], p->files[i].version) == 0;
        if (seen)
            continue;
        if (!(p->versions[p->nversions] = strdup(p->files[i].version)))
            return PF_ENOMEM;
        p->nversions++;
    }
    return PF_EOK;
}

enum pf_err project_build(struct index *idx, const char *name, struct index_project *old,
                          struct index_project **out)
{
    *out = NULL;
    struct index_project *p = calloc(1, sizeof *p);
    struct pending *pend = NULL;
    size_t npend = 0, capw = 0;
    enum pf_err e = PF_EOK;
    if (!p || !(p->name = strdup(name))) {
        free(p);
        return PF_ENOMEM;
    }
    atomic_init(&p->refs, 1);

    /* Phase 1, under the tree lock: bring the directories this project
     * depends on up to date and list its files. */
    pthread_mutex_lock(&idx->tree_lock);
    struct pentry *pe;
    e = refresh_project(idx, name, &pe);
    if (!e && (!pe || pe->nfiles == 0))
        e = PF_ENOTFOUND;
    if (!e)
        e = list_files(p, pe, &capw, &pend, &npend);
    if (!e)
        e = watch_dirs(idx, p, name, &capw);
    pthread_mutex_unlock(&idx->tree_lock);
    if (e)
        goto out;

    /* Phase 2, no global lock: stat each file and get its record. */
    p->files = calloc(npend ? npend : 1, sizeof *p->files);
    if (!p->files) {
        e = PF_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < npend && !e; i++)
        e = add_file(idx, p, old, &pend[i], &capw);
    if (!e)
        e = sort_files(p);
    if (!e)
        e = list_versions(p);
    if (!e && !(p->api = calloc(INDEX_API_BASES * (p->nversions + 1), sizeof *p->api)))
        e = PF_ENOMEM;
    if (!e && p->nfiles == 0)
        e = PF_ENOTFOUND;
out:
    for (size_t i = 0; i < npend; i++) {
        free(pend[i].dirrel);
        free(pend[i].name);
    }
    free(pend);
    if (e)
        project_free(p);
    else {
        p->cost = project_cost(p);
        *out = p;
    }
    return e;
}

enum pf_err index_project_make(const char *name, struct index_file *files, size_t n, struct index_project **out)
{
    *out = NULL;
    struct index_project *p = calloc(1, sizeof *p);
    if (!p || !(p->name = strdup(name))) {
        free(p);
        index_files_free(files, n);
        return PF_ENOMEM;
    }
    atomic_init(&p->refs, 1);
    p->files = files;
    p->nfiles = n;
    enum pf_err e = sort_files(p);
    if (!e)
        e = list_versions(p);
    if (!e && !(p->api = calloc(INDEX_API_BASES * (p->nversions + 1), sizeof *p->api)))
        e = PF_ENOMEM;
    if (e) {
        project_free(p);
        return e;
    }
    p->cost = project_cost(p);
    *out = p;
    return PF_EOK;
}

void index_files_free(struct index_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(files[i].filename);
        free(files[i].relpath);
        free(files[i].version);
        sidecar_clear(&files[i].rec);
    }
    free(files);
}
