/* SPDX-License-Identifier: MIT */
/* index_int.h: what the index engine's files (index*.c) share; nothing outside them includes it. */
#ifndef PF_INDEX_INT_H
#define PF_INDEX_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include "digest.h"
#include "fs.h"
#include "hmap.h"
#include "index.h"

/* The index engine is split by what it keeps:
 *   index.c         opening, the background sweep, closing, health;
 *   index_tree.c    the tree of directories (first walk, refresh, sweep);
 *   index_record.c  the per-file records and the state directory;
 *   index_build.c   building a project snapshot from the tree;
 *   index_snap.c    the snapshot cache and the page cache;
 *   index_list.c    the project list;
 *   index_listing.c the listing of every file (/packages/);
 *   index_file.c    finding and opening one file of a snapshot;
 *   index_yank.c    pypi-fcgi yank.
 *
 * The locks of a struct index, and what each guards:
 *   tree_lock (mutex)   the tree: dirs, pentries (and each pentry's dirs and
 *                       nfiles), nracy, nfiles, logged, nlogged. Held while
 *                       directories are read or refreshed and while a
 *                       project's file list is taken from the tree; never
 *                       while a file is hashed.
 *   map_lock (rwlock)   the snapshot cache: snaps, the lru list, cost, each
 *                       cached snapshot's cost and lru links, and root (the
 *                       current project list). A cache hit takes it for
 *                       reading only.
 *   wait_lock (mutex)   building (the builds in progress, with the built
 *                       condition) and the sweep thread's stop flag (with
 *                       stop_cond).
 *   list_lock (mutex)   listing (the current file listing) and
 *                       listing_building (one build at a time per
 *                       process); never held while the listing is built,
 *                       nor together with another of these locks.
 * Order: tree_lock before map_lock (index_root looks up the cached list while it
 * holds the tree); wait_lock is never held together with tree_lock or
 * map_lock. gen, each pentry's pgen, a snapshot's refs and hot, and a
 * snapshot's pages are atomics read without a lock.
 * Beside these, the records of one directory are written under its
 * sidecar lock (sidecar_lock: a flock shared with other processes and with
 * pypi-fcgi yank), taken with none of the three held. */

/* A directory changed less than this long before it was read may change
 * again within the same timestamp tick (or NFS's one-second mtime): the
 * state read from it is then re-checked on the next request ("racy"). */
#define RACY_NSEC (2LL * 1000000000LL)
/* Most unparsable names remembered so that each is logged once. */
#define MAX_LOGGED 10000

struct watch {
    unsigned root;
    char *rel;
    struct fs_stamp sig;
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
    struct fs_stamp sig;
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
    /* bumped when a directory with files changed and kept their names (a
     * file replaced under its name: its sha256 in the listing changes) */
    _Atomic uint64_t fgen;
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
    /* The file listing and whether a thread builds one: guarded by
     * list_lock. */
    pthread_mutex_t list_lock;
    struct index_listing *listing;
    bool listing_building;
    /* The sweep thread. */
    pthread_t sweeper;
    bool sweeping;
    bool stop;
    pthread_cond_t stop_cond;
};

/* ---- shared among the index files ---- */

/* index_tree.c */
/* True when s shows a change less than RACY_NSEC before read_ns. */
bool sig_racy(const struct fs_stamp *s, int64_t read_ns);
/* The stamp of the directory rel below rootfd (rootfd itself for ""); a
 * stamp of nothing when it is missing or not a directory. */
void sig_take(int rootfd, const char *rel, struct fs_stamp *s);
char *dir_key(unsigned root, const char *rel);
int cmp_str(const void *a, const void *b);
void tdir_free(struct tdir *d);
struct pentry *pentry_get(struct index *idx, const char *name, bool create);
/* The first walk of one root: reads its directories in parallel. */
enum pf_err tree_walk_parallel(struct index *idx, unsigned root) PF_WUR;
/* Brings one directory of the tree up to date (tree_lock held). */
enum pf_err tree_refresh(struct index *idx, unsigned root, const char *rel) PF_WUR;
/* Brings every root directory up to date (tree_lock held). */
enum pf_err refresh_roots(struct index *idx) PF_WUR;

/* index_record.c */
int state_open(struct state *sc, int dirfd, bool create, char key[DIGEST_HEX_LEN + 1]);
int state_dir_open(const char *dir);
enum pf_err record_ensure(int rootfd, const char *dirrel, const char *name, const distfile_t *df,
                          sidecar_t *rec, bool *racy, bool *stored, const char *rootpath,
                          struct state *sc, char statewatch[STATE_KEY_LEN], struct fs_stamp *statesig) PF_WUR;

/* index_build.c */
enum pf_err project_build(struct index *idx, const char *name, struct index_project *old,
                          struct index_project **out) PF_WUR;

/* index_snap.c */
void project_free(struct index_project *p);
size_t project_cost(const struct index_project *p);
/* Renders the page in format fmt of the project p or, when p is NULL, of
 * the project list r, and installs it in *slot unless another thread
 * installed one first (then the one rendered here is freed). *out is the
 * page in place, owned by the snapshot; *fresh tells whether this call
 * installed it. Callers look at *slot first: this is the miss path. */
enum pf_err page_render(struct page *_Atomic *slot, enum page_format fmt, const struct index_project *p,
                        const struct index_root *r, struct page **out, bool *fresh) PF_WUR;

#endif
