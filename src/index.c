/* SPDX-License-Identifier: MIT */
/* index.c: the index engine: tree of directories, project snapshots, records. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "digest.h"
#include "hmap.h"
#include "index.h"
#include "log.h"
#include "meta.h"
#include "name.h"
#include "render.h"
#include "urlpath.h"

/* A directory changed less than this long before it was read may change
 * again within the same timestamp tick (or NFS's one-second mtime): the
 * state read from it is then re-checked on the next request ("racy"). */
#define RACY_NSEC (2LL * 1000000000LL)
/* Most unparsable names remembered so that each is logged once. */
#define MAX_LOGGED 10000

struct sig {
    bool exists;
    ino_t ino;
    nlink_t nlink;
    off_t size;
    struct timespec mtime, ctime;
};

struct watch {
    unsigned root;
    char *rel;
    struct sig sig;
};

struct tfile {
    char *name;          /* "filename\0project": the project is parsed once */
    struct pentry *proj; /* set when the directory joins the tree */
};

struct tdir {
    char *key; /* "<root>/<rel>": the map key */
    unsigned root;
    char *rel; /* "" for the root itself */
    unsigned depth;
    struct sig sig;
    bool racy;
    size_t nfiles;
    struct tfile *files;
    size_t nsubs;
    char **subs;
    size_t nbad;
    char **bad; /* unparsable names, logged when the directory joins the tree */
};

struct pentry {
    char *name;
    size_t nfiles;
    size_t ndirs, capdirs;
    struct tdir **dirs;
    _Atomic uint64_t pgen;
};

struct building {
    struct building *next;
    const char *name;
};

/* Where the records of directories pypi-fcgi cannot write are kept:
 * STATE/records/<key>/.pypi-fcgi/, laid out, locked and written as beside
 * the files. The key is the SHA-256 (hex) of the directory's real path, so
 * that every root and every symlink that leads to a directory, and
 * pypi-fcgi yank given any path to it, find the same records. */
struct state {
    int fd;                  /* STATE/records, or -1: no state directory */
    atomic_bool warned;      /* a failure to write there was logged */
    _Atomic uint64_t hashed; /* files read whole to build their records */
};
#define STATE_KEY_LEN (DIGEST_HEX_LEN + sizeof "/" SIDECAR_DIR)
/* The root number of a watch on a directory of the state directory. */
#define STATE_ROOT UINT_MAX

struct index {
    const struct config *cfg;
    int *rootfds;
    struct state state;
    /* The tree: guarded by tree_lock. */
    pthread_mutex_t tree_lock;
    hmap_t dirs;     /* key -> struct tdir */
    hmap_t pentries; /* name -> struct pentry; never removed while open */
    _Atomic uint64_t gen; /* bumped whenever any project's file set changes */
    size_t nracy;    /* directories in the tree read too soon after a change */
    uint64_t nfiles;
    hmap_t logged;   /* unparsable names already logged */
    size_t nlogged;
    /* Snapshots, the cache list, its cost and the project list: a hit takes
     * the read lock only. */
    pthread_rwlock_t map_lock;
    /* Builds in progress and the sweep thread's stop flag. */
    pthread_mutex_t wait_lock;
    pthread_cond_t built;
    hmap_t snaps;    /* name -> struct index_project */
    struct index_project lru; /* list head: lru.lru_next is the most recent */
    size_t cost, budget;
    struct index_root *root;
    struct building *building;
    /* The sweep thread. */
    pthread_t sweeper;
    bool sweeping;
    bool stop;
    pthread_cond_t stop_cond;
};

/* ---- helpers ---- */

static int64_t ts_ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec; }

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return ts_ns(t);
}

static void sig_from_stat(struct sig *s, const struct stat *st)
{
    s->exists = true;
    s->ino = st->st_ino;
    s->nlink = st->st_nlink;
    s->size = st->st_size;
    s->mtime = st->st_mtim;
    s->ctime = st->st_ctim;
}

static bool sig_eq(const struct sig *a, const struct sig *b)
{
    if (a->exists != b->exists)
        return false;
    if (!a->exists)
        return true;
    return a->ino == b->ino && a->nlink == b->nlink && a->size == b->size &&
           ts_ns(a->mtime) == ts_ns(b->mtime) && ts_ns(a->ctime) == ts_ns(b->ctime);
}

static bool sig_racy(const struct sig *s, int64_t read_ns)
{
    return s->exists && (ts_ns(s->mtime) >= read_ns - RACY_NSEC || ts_ns(s->ctime) >= read_ns - RACY_NSEC);
}

static void sig_take(int rootfd, const char *rel, struct sig *s)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    int r = *rel ? fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) : fstatat(rootfd, "", &st, AT_EMPTY_PATH);
    if (r == 0 && S_ISDIR(st.st_mode))
        sig_from_stat(s, &st);
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, la);
    size_t n = la;
    if (la && lb)
        p[n++] = '/';
    memcpy(p + n, b, lb);
    p[n + lb] = '\0';
    return p;
}

static char *dir_key(unsigned root, const char *rel)
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

/* Opens path below dirfd without leaving it (symlinks included): openat2
 * with RESOLVE_BENEATH where the kernel has it. */
static int open_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC,
                            .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
    int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS)
        return fd;
    /* Without openat2: refuse any symlink on the way. */
    if (strstr(path, "..")) {
        errno = EXDEV;
        return -1;
    }
    return openat(dirfd, path, flags | O_CLOEXEC | O_NOFOLLOW);
}

/* ---- the tree ---- */

static void tdir_free(struct tdir *d)
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
    char *k = join(rel, name);
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

static struct pentry *pentry_get(struct index *idx, const char *name, bool create)
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
    if (p->ndirs == p->capdirs) {
        size_t cap = p->capdirs ? p->capdirs * 2 : 2;
        struct tdir **n = realloc(p->dirs, cap * sizeof *n);
        if (!n)
            return PF_ENOMEM;
        p->dirs = n;
        p->capdirs = cap;
    }
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

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int cmp_tfile(const void *a, const void *b)
{
    return strcmp(((const struct tfile *)a)->name, ((const struct tfile *)b)->name);
}

/* True when the symlink rel/name resolves, without leaving the root, to a
 * regular file: a link that escapes is never indexed, so no page lists a
 * file that cannot be served. */
static bool link_stays_inside(int rootfd, const char *rel, const char *name)
{
    char *path = join(rel, name);
    if (!path)
        return false;
    int fd = open_beneath(rootfd, path, O_PATH);
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
    int64_t read_ns = now_ns();
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
    sig_from_stat(&d->sig, &st);
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
            if (d->nsubs == caps) {
                caps = caps ? caps * 2 : 8;
                char **ns = realloc(d->subs, caps * sizeof *ns);
                if (!ns) {
                    e = PF_ENOMEM;
                    goto out;
                }
                d->subs = ns;
            }
            if (!(d->subs[d->nsubs] = strdup(n))) {
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
                char **nb = realloc(d->bad, (d->nbad + 1) * sizeof *nb);
                char *entry = nb ? malloc(strlen(n) + 2) : NULL;
                if (nb)
                    d->bad = nb;
                if (!entry) {
                    e = PF_ENOMEM;
                    goto out;
                }
                entry[0] = why;
                strcpy(entry + 1, n);
                d->bad[d->nbad++] = entry;
            }
            continue;
        }
        if (d->nfiles == capf) {
            capf = capf ? capf * 2 : 8;
            struct tfile *nf = realloc(d->files, capf * sizeof *nf);
            if (!nf) {
                e = PF_ENOMEM;
                goto out;
            }
            d->files = nf;
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
        /* Same files: move the projects' directory pointers over. */
        for (size_t i = 0; i < nd->nfiles; i++) {
            pentry_del_dir(nd->files[i].proj, old);
            if ((e = pentry_add_dir(nd->files[i].proj, nd)))
                return e;
        }
    }
    /* Subdirectories: walk the new, drop the gone. */
    for (size_t i = 0; i < nd->nsubs; i++) {
        char *rel = join(nd->rel, nd->subs[i]);
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
        char *rel = join(old->rel, old->subs[j]);
        char *k = rel ? dir_key(old->root, rel) : NULL;
        struct tdir *gone = k ? hmap_get(&idx->dirs, sv_cstr(k)) : NULL;
        if (gone)
            tree_remove(idx, gone);
        free(k);
        free(rel);
    }
    tdir_free(old);
    return PF_EOK;
}

static void tree_remove(struct index *idx, struct tdir *d)
{
    for (size_t j = 0; j < d->nsubs; j++) {
        char *rel = join(d->rel, d->subs[j]);
        char *k = rel ? dir_key(d->root, rel) : NULL;
        struct tdir *sub = k ? hmap_get(&idx->dirs, sv_cstr(k)) : NULL;
        if (sub)
            tree_remove(idx, sub);
        free(k);
        free(rel);
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
    if (dv->n == dv->cap) {
        size_t cap = dv->cap ? dv->cap * 2 : 64;
        struct tdir **v = realloc(dv->v, cap * sizeof *v);
        if (!v)
            return PF_ENOMEM;
        dv->v = v;
        dv->cap = cap;
    }
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
        char *sub = join(rel, d->subs[i]);
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

static enum pf_err tree_walk_parallel(struct index *idx, unsigned root)
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
    int64_t tr = now_ns();
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
    LOG(LOG_DEBUG, "walk: applied in %lld ms", (long long)((now_ns() - tr) / 1000000));
    return e;
}

/* Brings one directory of the tree up to date: re-reads it when its
 * signature changed or it was read too soon after a change. A directory
 * that vanished is removed with everything below it. */
static enum pf_err tree_refresh(struct index *idx, unsigned root, const char *rel)
{
    char *k = dir_key(root, rel);
    if (!k)
        return PF_ENOMEM;
    struct tdir *d = hmap_get(&idx->dirs, sv_cstr(k));
    free(k);
    struct sig now;
    sig_take(idx->rootfds[root], rel, &now);
    if (d && !d->racy && sig_eq(&d->sig, &now))
        return PF_EOK;
    if (!now.exists) {
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

static enum pf_err refresh_roots(struct index *idx)
{
    enum pf_err e = PF_EOK;
    for (unsigned r = 0; r < idx->cfg->nroots && !e; r++)
        e = tree_refresh(idx, r, "");
    return e;
}

/* ---- records ---- */

/* Takes the sidecar lock of the directory dirfd (creating its sidecar
 * directory). -1 when that directory cannot be written. */
static int lock_records(int dirfd)
{
    int lockfd = -1;
    if (mkdirat(dirfd, SIDECAR_DIR, 0755) == 0 || errno == EEXIST)
        lockfd = openat(dirfd, SIDECAR_DIR "/.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (lockfd >= 0)
        while (flock(lockfd, LOCK_EX) != 0 && errno == EINTR)
            ;
    return lockfd;
}

/* The key of the directory dirfd in the state directory: the SHA-256 of
 * its real path. False when /proc cannot tell the path. */
static bool state_key(int dirfd, char key[DIGEST_HEX_LEN + 1])
{
    char proc[32], real[PATH_MAX + 1];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(proc, real, PATH_MAX);
    if (n <= 0 || n >= PATH_MAX || real[0] != '/')
        return false;
    digest_sha256_hex(real, (size_t)n, key);
    return true;
}

/* Opens STATE/records/<key> of the directory dirfd, creating it when
 * create is set; -1 when there is no state directory or it fails. */
static int state_open(struct state *sc, int dirfd, bool create, char key[DIGEST_HEX_LEN + 1])
{
    if (!sc || sc->fd < 0 || !state_key(dirfd, key))
        return -1;
    if (create && mkdirat(sc->fd, key, 0700) != 0 && errno != EEXIST)
        return -1;
    return openat(sc->fd, key, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

/* Opens (creating them, private to this user) STATE and STATE/records.
 * -1, logged, when that fails: the records of directories pypi-fcgi
 * cannot write are then kept in memory only, as without a state
 * directory. */
static int state_dir_open(const char *dir)
{
    int fd = -1, rfd = -1;
    if ((mkdir(dir, 0700) == 0 || errno == EEXIST) &&
        (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
        (mkdirat(fd, "records", 0700) == 0 || errno == EEXIST))
        rfd = openat(fd, "records", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (rfd < 0)
        LOG(LOG_WARN, "state directory %s: %s; the records of files in directories pypi-fcgi cannot write "
            "are read again each time their project leaves the cache", dir, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rfd;
}

uint64_t index_files_hashed(index_t *idx)
{
    return atomic_load(&idx->state.hashed);
}

/* Builds (or loads) the record of one file. Hashing and metadata
 * extraction happen at most once per content across processes: the
 * directory's sidecar lock is held while computing, and the record is
 * re-read once the lock is held. The records live beside the file; when
 * its directory cannot be written and sc has a state directory, they
 * live there instead: *statewatch is then set to the directory of the
 * state directory that holds them ("<key>/.pypi-fcgi", empty otherwise)
 * and *statesig to its signature before it was read, so that a change
 * made there (a yank) is seen. */
static enum pf_err record_ensure(int rootfd, const char *dirrel, const char *name, const distfile_t *df,
                                 sidecar_t *rec, bool *racy, bool *stored, const char *rootpath,
                                 struct state *sc, char statewatch[STATE_KEY_LEN], struct sig *statesig)
{
    enum pf_err e;
    *stored = true;
    statewatch[0] = '\0';
    int dirfd = *dirrel ? openat(rootfd, dirrel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
                        : openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return PF_ENOTFOUND;
    int recfd = dirfd; /* the directory whose sidecar directory holds the record */
    int statefd = -1;
    struct stat st;
    if (fstatat(dirfd, name, &st, 0) != 0 || !S_ISREG(st.st_mode)) {
        close(dirfd);
        return PF_ENOTFOUND;
    }
    e = sidecar_load(dirfd, name, rec);
    if (e == PF_EOK && sidecar_fresh(rec, &st)) {
        close(dirfd);
        return PF_EOK;
    }
    if (e == PF_EOK)
        sidecar_clear(rec);
    else if (e == PF_ECORRUPT)
        LOG(LOG_WARN, "%s/%s%s%s: sidecar record is corrupt; rebuilding it", rootpath, dirrel, *dirrel ? "/" : "",
            name);

    int lockfd = lock_records(dirfd);
    char key[DIGEST_HEX_LEN + 1];
    if (lockfd < 0 && (statefd = state_open(sc, dirfd, true, key)) >= 0) {
        /* The directory cannot be written: its records live in the state
         * directory. Its signature is taken before the record is read. */
        char watch[STATE_KEY_LEN];
        snprintf(watch, sizeof watch, "%s/" SIDECAR_DIR, key);
        sig_take(sc->fd, watch, statesig);
        e = sidecar_load(statefd, name, rec);
        if (e == PF_EOK && sidecar_fresh(rec, &st)) {
            memcpy(statewatch, watch, sizeof watch);
            e = PF_EOK;
            goto out;
        }
        if (e == PF_EOK)
            sidecar_clear(rec);
        lockfd = lock_records(statefd);
        if (lockfd >= 0) {
            recfd = statefd;
            memcpy(statewatch, watch, sizeof watch);
        }
    }
    if (lockfd < 0 && sc && sc->fd >= 0 && !atomic_exchange(&sc->warned, true))
        LOG(LOG_WARN, "%s/%s: the state directory cannot hold its records (%s); files in directories pypi-fcgi "
            "cannot write are read again each time their project leaves the cache",
            rootpath, dirrel, strerror(errno));
    if (lockfd >= 0) {
        /* Another process may have built it while we waited, or replaced
         * the file (an upload with --overwrite writes the new record
         * first): judge the record against the file as it is now. */
        if (fstatat(dirfd, name, &st, 0) != 0 || !S_ISREG(st.st_mode)) {
            e = PF_ENOTFOUND;
            goto out;
        }
        if (sidecar_load(recfd, name, rec) == PF_EOK) {
            if (sidecar_fresh(rec, &st)) {
                e = PF_EOK;
                goto out;
            }
            sidecar_clear(rec);
        }
    }
    char *relpath = join(dirrel, name);
    int fd = relpath ? open_beneath(rootfd, relpath, O_RDONLY) : -1;
    free(relpath);
    if (fd < 0) {
        LOG(LOG_WARN, "%s/%s%s%s: cannot open (%s); left out of the index", rootpath, dirrel, *dirrel ? "/" : "",
            name, errno == EXDEV ? "it leads outside the root" : strerror(errno));
        e = PF_ENOTFOUND;
        goto out;
    }
    struct stat fst;
    if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
        close(fd);
        e = PF_ENOTFOUND;
        goto out;
    }
    memset(rec, 0, sizeof *rec);
    uint64_t size;
    if (sc)
        atomic_fetch_add(&sc->hashed, 1);
    LOG(LOG_DEBUG, "%s/%s%s%s: reading it whole for its record", rootpath, dirrel, *dirrel ? "/" : "", name);
    e = digest_sha256_fd(fd, rec->sha256, &size);
    if (e) {
        close(fd);
        LOG(LOG_ERROR, "%s/%s%s%s: read error while hashing", rootpath, dirrel, *dirrel ? "/" : "", name);
        goto out;
    }
    rec->size = size;
    rec->mtime_sec = fst.st_mtim.tv_sec;
    rec->mtime_nsec = fst.st_mtim.tv_nsec;
    int64_t now_us = now_ns() / 1000, m_us = ts_ns(fst.st_mtim) / 1000;
    rec->first_seen_usec = m_us < now_us ? m_us : now_us;
    buf_t md;
    buf_init(&md, META_MAX_SIZE);
    if (lseek(fd, 0, SEEK_SET) == 0) {
        enum pf_err me = meta_extract(fd, df->kind, df->project, &md);
        if (me == PF_EOK) {
            sv_t rp;
            if (meta_field(buf_sv(&md), "Requires-Python", &rp) && rp.len <= SIDECAR_MAX_FIELD)
                rec->requires_python = strndup(rp.p, rp.len);
            if (df->kind == DISTFILE_WHEEL) {
                rec->has_metadata = true;
                rec->metadata_len = md.len;
                digest_sha256_hex(md.p ? md.p : "", md.len, rec->metadata_sha256);
            }
        } else
            LOG(LOG_WARN, "%s/%s%s%s: no usable %s (%s); indexed without it", rootpath, dirrel, *dirrel ? "/" : "",
                name, df->kind == DISTFILE_WHEEL ? "METADATA" : "PKG-INFO", pf_strerror(me));
    }
    struct stat after;
    bool stable = fstat(fd, &after) == 0 && after.st_size == fst.st_size &&
                  ts_ns(after.st_mtim) == ts_ns(fst.st_mtim) && (uint64_t)fst.st_size == size;
    close(fd);
    enum pf_err se = PF_EIO;
    if (!stable) {
        /* Still being written: use what we have now, store nothing. */
        *racy = true;
    } else if (lockfd >= 0) {
        se = sidecar_store(recfd, name, rec, rec->has_metadata ? (md.p ? md.p : "") : NULL, md.len);
        if (se)
            LOG(LOG_WARN, "%s/%s%s%s: cannot write its sidecar record (%s)", rootpath, dirrel, *dirrel ? "/" : "",
                name, pf_strerror(se));
    }
    if (se) {
        /* The record lives in this process only (a read-only tree without
         * a state directory, or a file still changing), and METADATA
         * cannot be served without its file. */
        *stored = false;
        statewatch[0] = '\0';
        rec->has_metadata = false;
    }
    buf_free(&md);
    e = PF_EOK;
out:
    if (lockfd >= 0)
        close(lockfd); /* releases the flock */
    if (statefd >= 0)
        close(statefd);
    close(dirfd);
    return e;
}

/* ---- snapshots ---- */

/* What an allocation really takes: its usable size and malloc's header. */
static size_t mem(const void *ptr)
{
    return ptr ? malloc_usable_size((void *)ptr) + sizeof(size_t) : 0;
}

/* The memory a snapshot holds, so the cache budget is what RSS sees. */
static size_t project_cost(const struct index_project *p)
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

static void page_free(struct page *pg)
{
    if (pg) {
        free(pg->body);
        free(pg);
    }
}

static void project_free(struct index_project *p)
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
        struct sig now;
        const struct watch *w = &p->watches[i];
        sig_take(w->root == STATE_ROOT ? idx->state.fd : idx->rootfds[w->root], w->rel, &now);
        if (!sig_eq(&now, &w->sig))
            return false;
    }
    return true;
}

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
    if (p->nwatches == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        struct watch *w = realloc(p->watches, *cap * sizeof *w);
        if (!w)
            return PF_ENOMEM;
        p->watches = w;
    }
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
static enum pf_err add_state_watch(struct index_project *p, size_t *cap, const char *rel, const struct sig *sig)
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

static enum pf_err project_build(struct index *idx, const char *name, struct index_project *old,
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
    e = refresh_roots(idx);
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
    if (!e && (!pe || pe->nfiles == 0))
        e = PF_ENOTFOUND;
    if (!e) {
        p->pe = pe;
        p->pgen = atomic_load(&pe->pgen);
        pend = calloc(pe->nfiles, sizeof *pend);
        if (!pend)
            e = PF_ENOMEM;
        for (size_t i = 0; i < pe->ndirs && !e; i++) {
            struct tdir *d = pe->dirs[i];
            if (d->racy)
                p->racy = true;
            for (size_t j = 0; j < d->nfiles && !e; j++) {
                if (d->files[j].proj != pe)
                    continue;
                pend[npend].root = d->root;
                pend[npend].dirrel = strdup(d->rel);
                pend[npend].name = strdup(d->files[j].name);
                if (!pend[npend].dirrel || !pend[npend].name)
                    e = PF_ENOMEM;
                npend++;
            }
            if (!e)
                e = add_watch(p, &capw, d->root, d->rel);
        }
    }
    /* Every root (new flat files, new project directories) and the
     * project's own directory in each root, present or not. */
    for (unsigned r = 0; r < idx->cfg->nroots && !e; r++) {
        if (!(e = add_watch(p, &capw, r, "")))
            e = add_watch(p, &capw, r, name);
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
    pthread_mutex_unlock(&idx->tree_lock);
    if (e)
        goto out;

    /* Phase 2, no global lock: stat each file and get its record. */
    p->files = calloc(npend ? npend : 1, sizeof *p->files);
    if (!p->files) {
        e = PF_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < npend; i++) {
        struct pending *q = &pend[i];
        int rootfd = idx->rootfds[q->root];
        char *relpath = join(q->dirrel, q->name);
        distfile_t df;
        struct stat st;
        if (!relpath) {
            e = PF_ENOMEM;
            goto out;
        }
        if (distfile_parse(sv_cstr(q->name), &df) != PF_EOK || fstatat(rootfd, relpath, &st, 0) != 0 ||
            !S_ISREG(st.st_mode)) {
            free(relpath);
            p->racy = true; /* gone since the listing: look again next time */
            continue;
        }
        /* One file per filename: the first root (then path) wins. */
        bool dup = false;
        for (size_t j = 0; j < p->nfiles && !dup; j++)
            dup = strcmp(p->files[j].filename, q->name) == 0;
        if (dup) {
            LOG(LOG_DEBUG, "%s/%s: same filename as another file of %s; not listed twice",
                idx->cfg->roots[q->root], relpath, name);
            free(relpath);
            continue;
        }
        struct index_file *f = &p->files[p->nfiles];
        const struct index_file *prev = reusable(old, q->root, relpath, &st);
        char statewatch[STATE_KEY_LEN];
        struct sig statesig;
        enum pf_err re;
        if (prev)
            re = sidecar_copy(&f->rec, &prev->rec);
        else {
            re = record_ensure(rootfd, q->dirrel, q->name, &df, &f->rec, &p->racy, &f->stored,
                               idx->cfg->roots[q->root], &idx->state, statewatch, &statesig);
            if (!re && *statewatch && (re = add_state_watch(p, &capw, statewatch, &statesig)))
                sidecar_clear(&f->rec);
            /* As for the tree's directories: a change within the same
             * timestamp tick would not show in the signature. */
            if (!re && *statewatch && sig_racy(&statesig, now_ns()))
                p->racy = true;
        }
        if (re == PF_ENOMEM) {
            free(relpath);
            e = re;
            goto out;
        }
        if (re) {
            free(relpath);
            continue;
        }
        buf_t v;
        buf_init(&v, VERSION_MAX_LEN * 2);
        if (version_normalize(&df.ver, &v) || !(f->filename = strdup(q->name))) {
            buf_free(&v);
            sidecar_clear(&f->rec);
            free(relpath);
            e = PF_ENOMEM;
            goto out;
        }
        f->version = buf_steal(&v);
        f->relpath = relpath;
        f->root = q->root;
        f->kind = df.kind;
        p->nfiles++;
    }
    if ((e = sort_files(p)))
        goto out;
    p->versions = calloc(p->nfiles ? p->nfiles : 1, sizeof *p->versions);
    if (!p->versions) {
        e = PF_ENOMEM;
        goto out;
    }
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
        if (!(p->versions[p->nversions] = strdup(p->files[i].version))) {
            e = PF_ENOMEM;
            goto out;
        }
        p->nversions++;
    }
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

static enum pf_err make_page(buf_t *b, struct page **out)
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

enum pf_err index_project_page(index_t *idx, struct index_project *p, enum page_format fmt, const struct page **out)
{
    struct page *pg = atomic_load(&p->pages[fmt]);
    if (pg) {
        *out = pg;
        return PF_EOK;
    }
    buf_t b;
    buf_init(&b, RENDER_MAX_PAGE);
    enum pf_err e = fmt == PAGE_JSON ? render_project_json(p, &b) : render_project_html(p, &b);
    if (!e)
        e = make_page(&b, &pg);
    buf_free(&b);
    if (e)
        return e;
    struct page *expected = NULL;
    if (!atomic_compare_exchange_strong(&p->pages[fmt], &expected, pg)) {
        page_free(pg);
        pg = expected;
    } else {
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

/* ---- the project list ---- */

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
    buf_t b;
    buf_init(&b, RENDER_MAX_PAGE);
    enum pf_err e = fmt == PAGE_JSON ? render_root_json(r, &b) : render_root_html(r, &b);
    if (!e)
        e = make_page(&b, &pg);
    buf_free(&b);
    if (e)
        return e;
    struct page *expected = NULL;
    if (!atomic_compare_exchange_strong(&r->pages[fmt], &expected, pg)) {
        page_free(pg);
        pg = expected;
    }
    *out = pg;
    return PF_EOK;
}

/* ---- files ---- */

enum pf_err index_find_file(index_t *idx, sv_t relpath, struct index_project **proj, const struct index_file **file)
{
    *proj = NULL;
    *file = NULL;
    long slash = -1;
    for (size_t i = 0; i < relpath.len; i++)
        if (relpath.p[i] == '/')
            slash = (long)i;
    sv_t fname = sv_make(relpath.p + slash + 1, relpath.len - (size_t)(slash + 1));
    distfile_t df;
    if (distfile_parse(fname, &df) != PF_EOK)
        return PF_ENOTFOUND;
    struct index_project *p;
    enum pf_err e = index_project(idx, df.project, &p);
    if (e)
        return e;
    for (size_t i = 0; i < p->nfiles; i++)
        if (sv_eq(sv_cstr(p->files[i].relpath), relpath)) {
            *proj = p;
            *file = &p->files[i];
            return PF_EOK;
        }
    index_project_release(idx, p);
    return PF_ENOTFOUND;
}

/* The path below root of fd, a regular file just opened beneath it, read
 * back from the kernel: no symlink in it. Refused (NULL, *why set) when it
 * is not below the root's path (the root moved away since the start, which
 * the web server's confinement by path would not follow) or is a path
 * urlpath_relpath_ok refuses: a link to a dot-file (a sidecar record) or to
 * a name with spaces or control bytes is refused like one that leaves.
 * The result points into real (PATH_MAX + 1 bytes). */
static const char *real_below_root(const char *root, int fd, char *real, const char **why)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = "it is not a regular file";
        return NULL;
    }
    char proc[32];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(proc, real, PATH_MAX);
    if (n < 0 || n >= PATH_MAX) {
        *why = "its real path cannot be read (is /proc mounted?)";
        return NULL;
    }
    real[n] = '\0';
    size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/') {
        *why = "its real path is not below the root's path";
        return NULL;
    }
    if (!urlpath_relpath_ok(sv_cstr(real + rl + 1))) {
        *why = "it resolves to a path that is not served";
        return NULL;
    }
    return real + rl + 1;
}

int index_open_file(index_t *idx, const struct index_file *f, const char **why)
{
    *why = NULL;
    int fd = open_beneath(idx->rootfds[f->root], f->relpath, O_RDONLY);
    if (fd < 0) {
        *why = errno == EXDEV || errno == ELOOP ? "it leads outside its root" : "it cannot be opened";
        return -1;
    }
    char real[PATH_MAX + 1];
    if (!real_below_root(idx->cfg->roots[f->root], fd, real, why)) {
        close(fd);
        return -1;
    }
    return fd;
}

enum pf_err index_read_metadata(index_t *idx, const struct index_file *f, char **out, size_t *len)
{
    if (!f->rec.has_metadata)
        return PF_ENOTFOUND;
    const char *slash = strrchr(f->relpath, '/');
    int dirfd;
    if (slash) {
        char *dir = strndup(f->relpath, (size_t)(slash - f->relpath));
        if (!dir)
            return PF_ENOMEM;
        dirfd = open_beneath(idx->rootfds[f->root], dir, O_RDONLY | O_DIRECTORY);
        free(dir);
    } else
        dirfd = openat(idx->rootfds[f->root], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return PF_ENOTFOUND;
    enum pf_err e = sidecar_load_metadata(dirfd, f->filename, &f->rec, out, len);
    if (e && e != PF_ENOMEM) {
        /* A directory pypi-fcgi cannot write keeps it in the state
         * directory; the record's hash tells which one is right. */
        char key[DIGEST_HEX_LEN + 1];
        int statefd = state_open(&idx->state, dirfd, false, key);
        if (statefd >= 0) {
            e = sidecar_load_metadata(statefd, f->filename, &f->rec, out, len);
            close(statefd);
        }
    }
    close(dirfd);
    return e;
}

enum pf_err index_real_relpath(index_t *idx, const struct index_file *f, buf_t *out, const char **why)
{
    *why = NULL;
    int fd = open_beneath(idx->rootfds[f->root], f->relpath, O_PATH);
    if (fd < 0) {
        *why = errno == EXDEV || errno == ELOOP ? "it leads outside its root" : "it cannot be opened";
        return PF_ENOTFOUND;
    }
    char real[PATH_MAX + 1];
    const char *rel = real_below_root(idx->cfg->roots[f->root], fd, real, why);
    close(fd);
    return rel ? buf_append_str(out, rel) : PF_ENOTFOUND;
}

enum pf_err index_health(index_t *idx, buf_t *reason)
{
    for (unsigned r = 0; r < idx->cfg->nroots; r++) {
        /* The path must still lead to the directory that was indexed. */
        struct stat byname, byfd;
        if (stat(idx->cfg->roots[r], &byname) != 0 || fstat(idx->rootfds[r], &byfd) != 0 ||
            byname.st_dev != byfd.st_dev || byname.st_ino != byfd.st_ino) {
            (void)buf_printf(reason, "package root %s was removed or replaced\n", idx->cfg->roots[r]);
            return PF_EUNAVAIL;
        }
        int fd = openat(idx->rootfds[r], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            (void)buf_printf(reason, "package root %s is not readable: %s\n", idx->cfg->roots[r], strerror(errno));
            return PF_EUNAVAIL;
        }
        DIR *d = fdopendir(fd);
        if (!d) {
            close(fd);
            (void)buf_printf(reason, "package root %s cannot be listed: %s\n", idx->cfg->roots[r], strerror(errno));
            return PF_EUNAVAIL;
        }
        errno = 0;
        struct dirent *de = readdir(d);
        int err = errno;
        closedir(d);
        if (!de && err) {
            (void)buf_printf(reason, "package root %s cannot be listed: %s\n", idx->cfg->roots[r], strerror(err));
            return PF_EUNAVAIL;
        }
    }
    return PF_EOK;
}

/* ---- open, sweep, close ---- */

static void *sweep_main(void *arg)
{
    struct index *idx = arg;
    pthread_mutex_lock(&idx->wait_lock);
    while (!idx->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += idx->cfg->rescan_interval;
        pthread_cond_timedwait(&idx->stop_cond, &idx->wait_lock, &until);
        if (idx->stop)
            break;
        pthread_mutex_unlock(&idx->wait_lock);
        pthread_mutex_lock(&idx->tree_lock);
        /* Collect the keys first: refreshing changes the map. */
        size_t pos = 0, n = 0;
        struct tdir *d;
        char **rels = malloc((idx->dirs.count + 1) * sizeof *rels);
        unsigned *roots = malloc((idx->dirs.count + 1) * sizeof *roots);
        while (rels && roots && (d = hmap_next(&idx->dirs, &pos))) {
            if (!(rels[n] = strdup(d->rel)))
                break;
            roots[n++] = d->root;
        }
        for (size_t i = 0; i < n; i++) {
            if (tree_refresh(idx, roots[i], rels[i]) == PF_ENOMEM)
                LOG(LOG_ERROR, "out of memory while rescanning the package tree");
            free(rels[i]);
        }
        free(rels);
        free(roots);
        pthread_mutex_unlock(&idx->tree_lock);
        /* Pages and snapshots come and go: hand freed memory back. */
        malloc_trim(0);
        pthread_mutex_lock(&idx->wait_lock);
    }
    pthread_mutex_unlock(&idx->wait_lock);
    return NULL;
}

enum pf_err index_open(const struct config *cfg, index_t **out)
{
    *out = NULL;
    struct index *idx = calloc(1, sizeof *idx);
    if (!idx)
        return PF_ENOMEM;
    idx->cfg = cfg;
    idx->state.fd = -1;
    pthread_mutex_init(&idx->tree_lock, NULL);
    pthread_rwlock_init(&idx->map_lock, NULL);
    pthread_mutex_init(&idx->wait_lock, NULL);
    pthread_cond_init(&idx->built, NULL);
    pthread_cond_init(&idx->stop_cond, NULL);
    hmap_init(&idx->dirs);
    hmap_init(&idx->pentries);
    hmap_init(&idx->snaps);
    hmap_init(&idx->logged);
    idx->lru.lru_next = idx->lru.lru_prev = &idx->lru;
    idx->budget = (size_t)cfg->cache_size << 20;
    idx->rootfds = malloc((cfg->nroots ? cfg->nroots : 1) * sizeof *idx->rootfds);
    if (!idx->rootfds) {
        free(idx);
        return PF_ENOMEM;
    }
    for (size_t r = 0; r < cfg->nroots; r++)
        idx->rootfds[r] = -1;
    enum pf_err e = PF_EOK;
    for (size_t r = 0; r < cfg->nroots && !e; r++) {
        idx->rootfds[r] = open(cfg->roots[r], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (idx->rootfds[r] < 0) {
            LOG(LOG_ERROR, "package root %s: %s", cfg->roots[r], strerror(errno));
            e = PF_EIO;
        }
    }
    if (!e && cfg->state_dir)
        idx->state.fd = state_dir_open(cfg->state_dir);
    int64_t t0 = now_ns();
    pthread_mutex_lock(&idx->tree_lock);
    for (unsigned r = 0; r < cfg->nroots && !e; r++) {
        e = tree_walk_parallel(idx, r);
        if (e)
            LOG(LOG_ERROR, "package root %s: cannot be read (%s)", cfg->roots[r], pf_strerror(e));
    }
    pthread_mutex_unlock(&idx->tree_lock);
    if (!e && cfg->rescan_interval > 0 && !cfg->check_only) {
        if (pthread_create(&idx->sweeper, NULL, sweep_main, idx) == 0)
            idx->sweeping = true;
        else
            e = PF_ENOMEM;
    }
    if (e) {
        index_close(idx);
        return e;
    }
    LOG(LOG_INFO, "indexed %zu roots: %zu directories, %llu files in %lld ms", cfg->nroots, idx->dirs.count,
        (unsigned long long)idx->nfiles, (long long)((now_ns() - t0) / 1000000));
    *out = idx;
    return PF_EOK;
}

void index_close(index_t *idx)
{
    if (!idx)
        return;
    if (idx->sweeping) {
        pthread_mutex_lock(&idx->wait_lock);
        idx->stop = true;
        pthread_cond_broadcast(&idx->stop_cond);
        pthread_mutex_unlock(&idx->wait_lock);
        pthread_join(idx->sweeper, NULL);
    }
    size_t pos = 0;
    struct index_project *p;
    while ((p = hmap_next(&idx->snaps, &pos)))
        index_project_release(idx, p);
    hmap_free(&idx->snaps);
    index_root_release(idx->root);
    struct tdir *d;
    pos = 0;
    while ((d = hmap_next(&idx->dirs, &pos)))
        tdir_free(d);
    hmap_free(&idx->dirs);
    struct pentry *pe;
    pos = 0;
    while ((pe = hmap_next(&idx->pentries, &pos))) {
        free(pe->dirs);
        free(pe->name);
        free(pe);
    }
    hmap_free(&idx->pentries);
    char *k;
    pos = 0;
    while ((k = hmap_next(&idx->logged, &pos)))
        free(k);
    hmap_free(&idx->logged);
    for (size_t r = 0; r < idx->cfg->nroots; r++)
        if (idx->rootfds[r] >= 0)
            close(idx->rootfds[r]);
    free(idx->rootfds);
    if (idx->state.fd >= 0)
        close(idx->state.fd);
    pthread_mutex_destroy(&idx->tree_lock);
    pthread_rwlock_destroy(&idx->map_lock);
    pthread_mutex_destroy(&idx->wait_lock);
    pthread_cond_destroy(&idx->built);
    pthread_cond_destroy(&idx->stop_cond);
    free(idx);
}

/* ---- yank ---- */

enum pf_err index_yank(const char *path, bool yank, const char *reason, const char *state_dir, buf_t *err)
{
    /* The record belongs to the name the index lists: a symbolic link has
     * its own, beside it, so only the directory is resolved. */
    const char *base = strrchr(path, '/');
    const char *name = base ? base + 1 : path;
    char *parent = base ? strndup(path, (size_t)(base - path)) : strdup(".");
    char *real = parent ? realpath(*parent ? parent : "/", NULL) : NULL;
    free(parent);
    struct stat lst;
    if (!real || fstatat(AT_FDCWD, path, &lst, 0) != 0) {
        (void)buf_printf(err, "%s: %s", path, strerror(errno));
        free(real);
        return PF_ENOTFOUND;
    }
    const char *dir = real;
    distfile_t df;
    enum pf_err e;
    if (distfile_parse(sv_cstr(name), &df) != PF_EOK) {
        (void)buf_printf(err, "%s: not a wheel or sdist filename", path);
        free(real);
        return PF_EINVAL;
    }
    if (reason && strlen(reason) > SIDECAR_MAX_FIELD) {
        (void)buf_printf(err, "the reason is longer than %d bytes", SIDECAR_MAX_FIELD);
        free(real);
        return PF_EINVAL;
    }
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        (void)buf_printf(err, "%s: %s", dir, strerror(errno));
        free(real);
        return PF_EIO;
    }
    struct state sc = { .fd = -1 };
    if (state_dir && (sc.fd = state_dir_open(state_dir)) < 0) {
        (void)buf_printf(err, "state directory %s: %s", state_dir, strerror(errno));
        close(dirfd);
        free(real);
        return PF_EIO;
    }
    sidecar_t rec;
    memset(&rec, 0, sizeof rec);
    bool racy = false, stored;
    int lockfd = -1, statefd = -1, recfd = dirfd;
    /* The record is changed under the directory's sidecar lock, and only
     * while it still describes the file: an upload with --overwrite may
     * replace both between record_ensure and the lock, and the yank would
     * then land on the old file's record and be lost. */
    for (int tries = 0;; tries++) {
        char statewatch[STATE_KEY_LEN];
        struct sig statesig;
        e = record_ensure(dirfd, "", name, &df, &rec, &racy, &stored, dir, &sc, statewatch, &statesig);
        if (e) {
            (void)buf_printf(err, "%s: cannot read the file (%s)", path, pf_strerror(e));
            goto out;
        }
        lockfd = lock_records(dirfd);
        if (lockfd < 0) {
            /* The directory cannot be written: the record lives in the
             * state directory, unless one beside the file still holds. */
            int why = errno;
            char key[DIGEST_HEX_LEN + 1];
            struct stat st;
            sidecar_t beside;
            if (sc.fd < 0) {
                (void)buf_printf(err, "%s/" SIDECAR_DIR ": %s; pypi-fcgi keeps the records of a directory it "
                                      "cannot write in its state directory: give the serving processes' "
                                      "--state-dir (or their -c file)", dir, strerror(why));
                e = PF_EIO;
                goto out;
            }
            if (fstatat(dirfd, name, &st, 0) == 0 && sidecar_load(dirfd, name, &beside) == PF_EOK) {
                bool fresh = sidecar_fresh(&beside, &st);
                sidecar_clear(&beside);
                if (fresh) {
                    (void)buf_printf(err, "%s/" SIDECAR_DIR ": %s, and the record of %s there is the one "
                                          "pypi-fcgi reads", dir, strerror(why), name);
                    e = PF_EIO;
                    goto out;
                }
            }
            if ((statefd = state_open(&sc, dirfd, true, key)) < 0 || (lockfd = lock_records(statefd)) < 0) {
                (void)buf_printf(err, "state directory %s: %s", state_dir, strerror(errno));
                e = PF_EIO;
                goto out;
            }
            recfd = statefd;
        }
        struct stat st;
        sidecar_clear(&rec);
        if (fstatat(dirfd, name, &st, 0) == 0 && sidecar_load(recfd, name, &rec) == PF_EOK && sidecar_fresh(&rec, &st))
            break;
        close(lockfd);
        lockfd = -1;
        if (statefd >= 0)
            close(statefd);
        statefd = -1;
        recfd = dirfd;
        if (tries == 4) {
            (void)buf_printf(err, "%s: the file keeps changing; try again", path);
            e = PF_EUNAVAIL;
            goto out;
        }
    }
    rec.yanked = yank;
    free(rec.yank_reason);
    rec.yank_reason = yank && reason && *reason ? strdup(reason) : NULL;
    e = sidecar_store(recfd, name, &rec, NULL, 0);
    close(lockfd);
    /* Serving processes watch the directory, not the records in it (in
     * the state directory, they watch the records' directory). */
    if (!e && recfd == dirfd && futimens(dirfd, NULL) != 0) {
        (void)buf_printf(err, "%s: cannot update the directory's time: %s", dir, strerror(errno));
        e = PF_EIO;
    } else if (e)
        (void)buf_printf(err, "%s: cannot write its record (%s)", path, pf_strerror(e));
out:
    sidecar_clear(&rec);
    if (statefd >= 0)
        close(statefd);
    if (sc.fd >= 0)
        close(sc.fd);
    close(dirfd);
    free(real);
    return e;
}
