/* SPDX-License-Identifier: MIT */
/* index_tree.c: the tree of directories under the roots: the first walk, keeping each directory current. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "index_int.h"
#include "log.h"
#include "urlpath.h"
#include "vec.h"

bool sig_racy(const struct fs_stamp *s, int64_t read_ns)
{
    return !s->err && (fs_ts_ns(s->mtim) >= read_ns - RACY_NSEC || fs_ts_ns(s->ctim) >= read_ns - RACY_NSEC);
}

void sig_take(int rootfd, const char *rel, struct fs_stamp *s)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    int r = fs_stat_sync(rootfd, rel, &st, *rel ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH);
    if (r == 0 && S_ISDIR(st.st_mode))
        fs_stamp_of(s, &st);
    else
        s->err = ENOENT; /* missing and not a directory alike: no directory here */
}

char *dir_key(unsigned root, const char *rel)
{
    char num[16];
    int n = snprintf(num, sizeof num, "%u/", root);
    size_t rl = strlen(rel);
    char *k = malloc((size_t)n + rl + 1);
    if (!k)
        return NULL;
    memcpy(k, num, (size_t)n);
    memcpy(k + n, rel, rl + 1);
    return k;
}

void tdir_free(struct tdir *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nfiles; i++)
        free(d->files[i].name);
    free(d->files);
    for (size_t i = 0; i < d->nsubs; i++)
        free(d->subs[i]);
    free(d->subs);
    for (size_t i = 0; i < d->nbad; i++)
        free(d->bad[i]);
    free(d->bad);
    free(d->rel);
    free(d->key);
    free(d);
}

static bool skip_name(const char *n)
{
    size_t len = strlen(n);
    /* Dot-files and dot-directories (our sidecars among them), editor and
     * download leftovers. */
    return n[0] == '.' || (len && n[len - 1] == '~') || (len > 4 && strcmp(n + len - 4, ".tmp") == 0) ||
           (len > 5 && strcmp(n + len - 5, ".part") == 0);
}

/* A left-out name is stored with its reason first: 'N' the name does not
 * parse, 'L' a symlink that does not lead to a file inside the root. */
static void log_unparsable(struct index *idx, const char *root, const char *rel, const char *entry)
{
    char why = entry[0];
    const char *name = entry + 1;
    char *k = fs_join(rel, name);
    if (!k)
        return;
    if (hmap_get(&idx->logged, sv_cstr(k)) || idx->nlogged >= MAX_LOGGED || hmap_put(&idx->logged, sv_cstr(k), k)) {
        free(k);
        return;
    }
    idx->nlogged++;
    /* Names come from whoever can write the tree: a newline in one must not
     * start a made-up log line. */
    char shown[1024];
    log_safe(sv_cstr(k), shown, sizeof shown);
    if (why == 'L')
        LOG(LOG_WARN, "%s/%s: a symlink that leads outside the root or to no file; left out of the index", root, shown);
    else if (distfile_has_known_suffix(sv_cstr(name)))
        LOG(LOG_WARN, "%s/%s: not a wheel or sdist filename pip understands; left out of the index", root, shown);
    else
        LOG(LOG_DEBUG, "%s/%s: not a distribution file; ignored", root, shown);
}

struct pentry *pentry_get(struct index *idx, const char *name, bool create)
{
    struct pentry *p = hmap_get(&idx->pentries, sv_cstr(name));
    if (p || !create)
        return p;
    p = calloc(1, sizeof *p);
    if (!p || !(p->name = strdup(name)) || hmap_put(&idx->pentries, sv_cstr(p->name), p)) {
        if (p)
            free(p->name);
        free(p);
        return NULL;
    }
    return p;
}

static enum pf_err pentry_add_dir(struct pentry *p, struct tdir *d)
{
    for (size_t i = 0; i < p->ndirs; i++)
        if (p->dirs[i] == d)
            return PF_EOK;
    if (vec_reserve(&p->dirs, &p->capdirs, p->ndirs, sizeof *p->dirs, 2))
        return PF_ENOMEM;
    p->dirs[p->ndirs++] = d;
    return PF_EOK;
}

static void pentry_del_dir(struct pentry *p, struct tdir *d)
{
    for (size_t i = 0; i < p->ndirs; i++)
        if (p->dirs[i] == d) {
            p->dirs[i] = p->dirs[--p->ndirs];
            return;
        }
}

int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int cmp_tfile(const void *a, const void *b)
{
    return strcmp(((const struct tfile *)a)->name, ((const struct tfile *)b)->name);
}

/* True when the symlink rel/name resolves, without leaving the root, to a
 * regular file: a link that escapes is never indexed, so no page lists a
 * file that cannot be served. */
static bool link_stays_inside(int rootfd, const char *rel, const char *name)
{
    char *path = fs_join(rel, name);
    if (!path)
        return false;
    int fd = fs_open_beneath(rootfd, path, O_PATH);
    free(path);
    if (fd < 0)
        return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    close(fd);
    return ok;
}

/* Reads one directory into a new tdir (not yet in the tree). The signature
 * is taken before reading, so a change during the read shows next time. */
static enum pf_err tdir_read(struct index *idx, unsigned root, const char *rel, unsigned depth, struct tdir **out)
{
    /* Long: one readdir loop that sorts each entry into subdirectories,
     * distribution files and left-out names, with one cleanup. */
    *out = NULL;
    int rootfd = idx->rootfds[root];
    int fd = *rel ? openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                  : openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? PF_ENOTFOUND : PF_EIO;
    struct tdir *d = calloc(1, sizeof *d);
    struct stat st;
    enum pf_err e = PF_EOK;
    DIR *dir = NULL;
    size_t capf = 0, caps = 0;
    int64_t read_ns = fs_now_ns();
    if (!d || !(d->rel = strdup(rel)) || !(d->key = dir_key(root, rel))) {
        e = PF_ENOMEM;
        goto out;
    }
    d->root = root;
    d->depth = depth;
    if (fstat(fd, &st) != 0) {
        e = PF_EIO;
        goto out;
    }
    fs_stamp_of(&d->sig, &st);
    d->racy = sig_racy(&d->sig, read_ns);
    if (!(dir = fdopendir(fd))) {
        e = PF_EIO;
        goto out;
    }
    fd = -1;
    struct dirent *de;
    while ((de = readdir(dir))) {
        const char *n = de->d_name;
        if (skip_name(n))
            continue;
        unsigned char type = de->d_type;
        if (type == DT_UNKNOWN) {
            struct stat s2;
            if (fstatat(dirfd(dir), n, &s2, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            type = S_ISDIR(s2.st_mode) ? DT_DIR : S_ISREG(s2.st_mode) ? DT_REG : S_ISLNK(s2.st_mode) ? DT_LNK : 0;
        }
        if (type == DT_DIR) {
            /* Symlinked directories are not followed (no loops); names a
             * URL could not carry safely are not indexed. */
            if (depth >= URLPATH_MAX_DEPTH || !urlpath_segment_ok(sv_cstr(n)))
                continue;
            if (vec_reserve(&d->subs, &caps, d->nsubs, sizeof *d->subs, 8) ||
                !(d->subs[d->nsubs] = strdup(n))) {
                e = PF_ENOMEM;
                goto out;
            }
            d->nsubs++;
            continue;
        }
        if (type != DT_REG && type != DT_LNK)
            continue;
        distfile_t df;
        char why = distfile_parse(sv_cstr(n), &df) != PF_EOK ? 'N' : 0;
        if (!why && type == DT_LNK && !link_stays_inside(idx->rootfds[root], rel, n))
            why = 'L';
        if (why) {
            if (d->nbad < 64) {
                size_t nl = strlen(n);
                char **nb = realloc(d->bad, (d->nbad + 1) * sizeof *nb);
                char *entry = nb ? malloc(nl + 2) : NULL;
                if (nb)
                    d->bad = nb;
                if (!entry) {
                    e = PF_ENOMEM;
                    goto out;
                }
                entry[0] = why;
                memcpy(entry + 1, n, nl + 1);
                d->bad[d->nbad++] = entry;
            }
            continue;
        }
        if (vec_reserve(&d->files, &capf, d->nfiles, sizeof *d->files, 8)) {
            e = PF_ENOMEM;
            goto out;
        }
        size_t nl = strlen(n), pl = strlen(df.project);
        char *both = malloc(nl + pl + 2);
        if (!both) {
            e = PF_ENOMEM;
            goto out;
        }
        memcpy(both, n, nl + 1);
        memcpy(both + nl + 1, df.project, pl + 1);
        d->files[d->nfiles].name = both;
        d->files[d->nfiles++].proj = NULL;
    }
    /* qsort wants a valid pointer even for nothing to sort. */
    if (d->nfiles > 1)
        qsort(d->files, d->nfiles, sizeof *d->files, cmp_tfile);
    if (d->nsubs > 1)
        qsort(d->subs, d->nsubs, sizeof *d->subs, cmp_str);
out:
    if (dir)
        closedir(dir);
    if (fd >= 0)
        close(fd);
    if (e)
        tdir_free(d);
    else
        *out = d;
    return e;
}

static void tree_remove(struct index *idx, struct tdir *d);

/* Removes from the tree the subdirectory sub of parent, with all below it. */
static void remove_sub(struct index *idx, const struct tdir *parent, const char *sub)
{
    char *rel = fs_join(parent->rel, sub);
    char *k = rel ? dir_key(parent->root, rel) : NULL;
    struct tdir *d = k ? hmap_get(&idx->dirs, sv_cstr(k)) : NULL;
    if (d)
        tree_remove(idx, d);
    free(k);
    free(rel);
}

/* Detaches the files of d from their projects, bumping what changes. */
static void tdir_unlink_files(struct index *idx, struct tdir *d)
{
    for (size_t i = 0; i < d->nfiles; i++) {
        struct pentry *p = d->files[i].proj;
        p->nfiles--;
        pentry_del_dir(p, d);
        atomic_fetch_add(&p->pgen, 1);
        idx->nfiles--;
    }
    if (d->nfiles)
        atomic_fetch_add(&idx->gen, 1);
}

static enum pf_err tdir_link_files(struct index *idx, struct tdir *d)
{
    for (size_t i = 0; i < d->nfiles; i++) {
        struct pentry *p = d->files[i].proj;
        if (pentry_add_dir(p, d))
            return PF_ENOMEM;
        p->nfiles++;
        atomic_fetch_add(&p->pgen, 1);
        idx->nfiles++;
    }
    if (d->nfiles)
        atomic_fetch_add(&idx->gen, 1);
    return PF_EOK;
}

static enum pf_err tree_walk(struct index *idx, unsigned root, const char *rel, unsigned depth);

/* Puts a freshly read directory in the tree in place of its old state,
 * reading new subdirectories and dropping vanished ones. */
static enum pf_err tree_apply(struct index *idx, struct tdir *nd)
{
    for (size_t i = 0; i < nd->nbad; i++)
        log_unparsable(idx, idx->cfg->roots[nd->root], nd->rel, nd->bad[i]);
    for (size_t i = 0; i < nd->nfiles; i++) {
        const char *proj = nd->files[i].name + strlen(nd->files[i].name) + 1;
        if (!(nd->files[i].proj = pentry_get(idx, proj, true)))
            return PF_ENOMEM;
    }
    struct tdir *old = hmap_get(&idx->dirs, sv_cstr(nd->key));
    bool same_files = old && old->nfiles == nd->nfiles;
    for (size_t i = 0; same_files && i < nd->nfiles; i++)
        same_files = strcmp(old->files[i].name, nd->files[i].name) == 0;
    if (old && !same_files)
        tdir_unlink_files(idx, old);
    enum pf_err e = hmap_put(&idx->dirs, sv_cstr(nd->key), nd);
    if (e) {
        if (old && !same_files)
            (void)tdir_link_files(idx, old);
        return e;
    }
    idx->nracy += nd->racy;
    if (old)
        idx->nracy -= old->racy;
    if (!same_files) {
        if ((e = tdir_link_files(idx, nd)))
            return e;
    } else {
        /* Same names, yet the directory changed: one may be a new file
         * renamed over the old (--overwrite), with another sha256. */
        if (old && nd->nfiles && !fs_stamp_eq(&old->sig, &nd->sig))
            atomic_fetch_add(&idx->fgen, 1);
        /* Same files: move the projects' directory pointers over. */
        for (size_t i = 0; i < nd->nfiles; i++) {
            pentry_del_dir(nd->files[i].proj, old);
            if ((e = pentry_add_dir(nd->files[i].proj, nd)))
                return e;
        }
    }
    /* Subdirectories: walk the new, drop the gone. */
    for (size_t i = 0; i < nd->nsubs; i++) {
        char *rel = fs_join(nd->rel, nd->subs[i]);
        if (!rel)
            return PF_ENOMEM;
        char *k = dir_key(nd->root, rel);
        bool present = k && hmap_get(&idx->dirs, sv_cstr(k));
        free(k);
        if (!present)
            e = tree_walk(idx, nd->root, rel, nd->depth + 1);
        free(rel);
        if (e && e != PF_ENOTFOUND)
            return e;
        e = PF_EOK;
    }
    for (size_t j = 0; old && j < old->nsubs; j++) {
        bool kept = false;
        for (size_t i = 0; i < nd->nsubs && !kept; i++)
            kept = strcmp(old->subs[j], nd->subs[i]) == 0;
        if (kept)
            continue;
        remove_sub(idx, old, old->subs[j]);
    }
    tdir_free(old);
    return PF_EOK;
}

static void tree_remove(struct index *idx, struct tdir *d)
{
    for (size_t j = 0; j < d->nsubs; j++) {
        remove_sub(idx, d, d->subs[j]);
    }
    tdir_unlink_files(idx, d);
    hmap_del(&idx->dirs, sv_cstr(d->key));
    idx->nracy -= d->racy;
    tdir_free(d);
}

static enum pf_err tree_walk(struct index *idx, unsigned root, const char *rel, unsigned depth)
{
    struct tdir *nd;
    enum pf_err e = tdir_read(idx, root, rel, depth, &nd);
    if (e)
        return e;
    e = tree_apply(idx, nd);
    if (e && hmap_get(&idx->dirs, sv_cstr(nd->key)) != nd)
        tdir_free(nd);
    return e;
}

/* The first walk reads the directories below a root in parallel (reading
 * is most of a process's start-up time), then joins them to the tree in
 * one thread, children before parents. */
struct dirvec {
    struct tdir **v;
    size_t n, cap;
};

static enum pf_err dirvec_push(struct dirvec *dv, struct tdir *d)
{
    if (vec_reserve(&dv->v, &dv->cap, dv->n, sizeof *dv->v, 64))
        return PF_ENOMEM;
    dv->v[dv->n++] = d;
    return PF_EOK;
}

static enum pf_err collect(struct index *idx, unsigned root, const char *rel, unsigned depth, struct dirvec *dv)
{
    struct tdir *d;
    enum pf_err e = tdir_read(idx, root, rel, depth, &d);
    if (e)
        return e == PF_ENOTFOUND ? PF_EOK : e; /* gone meanwhile */
    for (size_t i = 0; i < d->nsubs && !e; i++) {
        char *sub = fs_join(rel, d->subs[i]);
        e = sub ? collect(idx, root, sub, depth + 1, dv) : PF_ENOMEM;
        free(sub);
    }
    if (!e)
        e = dirvec_push(dv, d);
    if (e)
        tdir_free(d);
    return e;
}

struct walk {
    struct index *idx;
    struct tdir *top;
    _Atomic size_t next;
    pthread_mutex_t lock;
    struct dirvec out;
    enum pf_err err;
};

static void *walk_main(void *arg)
{
    struct walk *w = arg;
    struct dirvec mine = { NULL, 0, 0 };
    enum pf_err e = PF_EOK;
    for (size_t i; !e && (i = atomic_fetch_add(&w->next, 1)) < w->top->nsubs;)
        e = collect(w->idx, w->top->root, w->top->subs[i], 1, &mine);
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < mine.n; i++)
        if (e || dirvec_push(&w->out, mine.v[i])) {
            tdir_free(mine.v[i]);
            e = e ? e : PF_ENOMEM;
        }
    if (e && !w->err)
        w->err = e;
    pthread_mutex_unlock(&w->lock);
    free(mine.v);
    return NULL;
}

enum pf_err tree_walk_parallel(struct index *idx, unsigned root)
{
    struct walk w;
    memset(&w, 0, sizeof w);
    w.idx = idx;
    enum pf_err e = tdir_read(idx, root, "", 0, &w.top);
    if (e)
        return e;
    pthread_mutex_init(&w.lock, NULL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (size_t)ncpu;
    if (nthreads > w.top->nsubs)
        nthreads = w.top->nsubs ? w.top->nsubs : 1;
    pthread_t th[8];
    size_t started = 0;
    for (size_t i = 1; i < nthreads; i++, started++)
        if (pthread_create(&th[started], NULL, walk_main, &w) != 0)
            break;
    walk_main(&w);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&w.lock);
    int64_t tr = fs_now_ns();
    e = w.err;
    for (size_t i = 0; i < w.out.n; i++) {
        if (!e) {
            e = tree_apply(idx, w.out.v[i]);
            if (e && hmap_get(&idx->dirs, sv_cstr(w.out.v[i]->key)) != w.out.v[i])
                tdir_free(w.out.v[i]);
        } else
            tdir_free(w.out.v[i]);
    }
    free(w.out.v);
    if (!e) {
        e = tree_apply(idx, w.top);
        if (e && hmap_get(&idx->dirs, sv_cstr(w.top->key)) != w.top)
            tdir_free(w.top);
    } else
        tdir_free(w.top);
    LOG(LOG_DEBUG, "walk: applied in %lld ms", (long long)((fs_now_ns() - tr) / 1000000));
    return e;
}

/* Brings one directory of the tree up to date: re-reads it when its
 * signature changed or it was read too soon after a change. A directory
 * that vanished is removed with everything below it. */
enum pf_err tree_refresh(struct index *idx, unsigned root, const char *rel)
{
    char *k = dir_key(root, rel);
    if (!k)
        return PF_ENOMEM;
    struct tdir *d = hmap_get(&idx->dirs, sv_cstr(k));
    free(k);
    struct fs_stamp now;
    sig_take(idx->rootfds[root], rel, &now);
    if (d && !d->racy && fs_stamp_eq(&d->sig, &now))
        return PF_EOK;
    if (now.err) {
        if (d)
            tree_remove(idx, d);
        return PF_EOK;
    }
    if (!d && *rel) {
        /* Not in the tree: its parent's refresh (roots come first) walks
         * it when it is reachable. */
        return PF_EOK;
    }
    enum pf_err e = tree_walk(idx, root, rel, d ? d->depth : 0);
    if (e == PF_ENOTFOUND) {
        if (d)
            tree_remove(idx, d);
        e = PF_EOK;
    }
    return e;
}

enum pf_err refresh_roots(struct index *idx)
{
    enum pf_err e = PF_EOK;
    for (unsigned r = 0; r < idx->cfg->nroots && !e; r++)
        e = tree_refresh(idx, r, "");
    return e;
}
