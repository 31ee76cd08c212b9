/* SPDX-License-Identifier: MIT */
/* upstream_int.h: what upstream.c and upstream_snap.c share: the cache's state and its snapshots (see upstream.h). */
#ifndef PF_UPSTREAM_INT_H
#define PF_UPSTREAM_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "fs.h"
#include "hmap.h"
#include "index_types.h"
#include "upstream.h"
#include "upstream_http.h"
#include "upstream_names.h"
#include "upstream_store.h"

/* A record, shared by the snapshots made of it (one per state of the
 * project's yank list). */
struct uprec {
    atomic_int refs;
    struct up_cached c;
};

/* What a process knows of one project: the record and the snapshot made
 * of it with this index's yanks, immutable and shared by reference. */
struct upsnap {
    atomic_int refs;
    char *norm;
    bool absent;               /* the upstream answered 404/410 at checked */
    int64_t checked;           /* unix seconds: when the upstream last confirmed this */
    int64_t used;              /* unix seconds of the last request: the oldest goes first */
    struct uprec *rec;         /* when not absent */
    struct index_project *proj; /* when not absent */
    struct fs_stamp disk[2];   /* the record and its check stamp as they were read (from_disk) */
    struct fs_stamp yanks;     /* the yank list as it was read for proj */
    bool from_disk;
};

struct upstream {
    const struct config *cfg;
    struct uphttp_opts http;
    struct up_names *names;
    char *dir, *files_path;
    int filesfd;
    long ttl, min_age;
    int fetch_max, follow_max;
    atomic_int fetches, follows;
    pthread_mutex_t lock; /* map and each entry's used */
    hmap_t map;           /* norm -> struct upsnap */
    pthread_mutex_t hlock; /* the health fields */
    int64_t last_ok, last_fail, down_since; /* down_since: the first failure after the last answer */
    int64_t rest_until;    /* no revalidation before this (unix seconds): the upstream just failed */
    bool down;             /* the last request failed */
};

/* Unix seconds now. */
static inline int64_t up_now_s(void)
{
    return fs_now_ns() / 1000000000LL;
}

/* Drops a reference to s (NULL is ignored); the last frees it. */
void up_snap_release(struct upsnap *s);

/* A new entry of project norm, one reference given: absent (the upstream
 * has no such project; rec NULL), or made of the record rec, which is
 * taken over (emptied, also on failure), with the yank list as it is now.
 * checked: when the upstream last confirmed it. PF_ENOMEM. */
enum pf_err up_snap_new(struct upstream *u, const char *norm, struct up_cached *rec, bool absent, int64_t checked,
                        struct upsnap **out) PF_WUR;

/* s (referenced; the reference is passed on) again, or, when its
 * project's yank list changed since s was made, a new entry of the same
 * record made with the list as it is now, put in s's place in the map
 * unless another entry took it meanwhile. */
struct upsnap *up_with_yanks(struct upstream *u, struct upsnap *s);

#endif
