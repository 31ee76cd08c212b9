/* SPDX-License-Identifier: MIT */
/* index_types.h: the snapshots the index hands out (a project, the project list, their pages). */
#ifndef PF_INDEX_TYPES_H
#define PF_INDEX_TYPES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "distfile.h"
#include "sidecar.h"

enum page_format { PAGE_HTML = 0, PAGE_JSON = 1 };

/* A rendered page. Owned by the snapshot it belongs to. */
struct page {
    char *body;
    size_t len;
    char hash[33]; /* first 128 bits of the body's SHA-256, hex: the ETag core */
    char *base;    /* the base URL its absolute links were written with, or NULL */
};

/* One distribution file in a project snapshot. */
struct index_file {
    char *filename;
    char *relpath;      /* below its root, '/'-separated */
    unsigned root;
    char *version;      /* normalized version string */
    enum distfile_kind kind;
    bool stored;        /* rec is on disk (not only in this process) */
    sidecar_t rec;      /* sha256, size, Requires-Python, yank, metadata */
};

/* True when the file's core metadata is offered as PEP 658 metadata:
 * a wheel's (an sdist's PKG-INFO is kept, but may be dynamic). */
static inline bool index_file_pep658(const struct index_file *f)
{
    return f->kind == DISTFILE_WHEEL && f->rec.has_metadata;
}

struct watch;  /* a directory whose state a snapshot depends on */
struct pentry; /* the project in the index's tree */

/* An immutable project snapshot. Hold a reference while using it. */
struct index_project {
    atomic_int refs;
    char *name;              /* PEP 503 normalized */
    size_t nfiles;
    struct index_file *files; /* sorted by version, then filename */
    size_t nversions;
    char **versions;         /* distinct normalized versions, ascending */
    struct watch *watches;
    size_t nwatches;
    struct pentry *pe;       /* lives as long as the index */
    uint64_t pgen;           /* the tree's generation for this project at build time */
    bool racy;               /* built from a directory changed too recently to trust */
    struct page *_Atomic pages[2]; /* rendered on first use */
    /* The JSON API's pages (/pypi/<name>/json and per version), rendered
     * on first use, for up to INDEX_API_BASES base URLs each (their links
     * are absolute): api[b] the project's, api[INDEX_API_BASES * (1 + i) + b]
     * that of versions[i]. */
    struct page *_Atomic *api;
    char *_Atomic summary;   /* the latest release's Summary, read on first use */
    atomic_size_t latest;    /* index_latest_version + 1; 0 until first asked */
    /* Cache bookkeeping, guarded by the index's map lock; hot is set by
     * every hit (second-chance eviction), without the write lock */
    struct index_project *lru_prev, *lru_next;
    size_t cost;
    atomic_bool hot;
};

/* Base URLs a JSON API page is kept for (an index reached under two
 * names keeps both); a request under yet another renders its own. */
#define INDEX_API_BASES 2

/* The project list (for /simple/ and the welcome page). Immutable. */
struct index_root {
    atomic_int refs;
    size_t nprojects;
    char **projects;     /* sorted normalized names */
    uint64_t nfiles;
    uint64_t gen;        /* tree generation it reflects */
    struct page *_Atomic pages[2];
};

/* The listing of every distribution file (for /packages/), rendered when
 * it is built. Immutable. */
struct index_listing {
    atomic_int refs;
    uint64_t gen;        /* tree generation it reflects */
    uint64_t fgen;       /* the tree's count of files replaced under their names */
    bool racy;           /* built from a snapshot that is not to be trusted */
    uint64_t nfiles;
    struct page *page;
};

#endif
