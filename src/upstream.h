/* SPDX-License-Identifier: MIT */
/* upstream.h: the pull-through cache of an upstream index: its project pages, kept and revalidated, as snapshots.
 *
 * A project that has no file in any root and whose name the rules let
 * through (upstream_names.h) is served from the upstream index given with
 * --upstream. Its page is fetched on first request and kept in the cache
 * directory (upstream_store.h) with its validators; the snapshot made of
 * it lists each file the upstream gives with a SHA-256 under
 * /packages/+upstream/<project>/<file>, a path of this index. After
 * --upstream-ttl the copy is revalidated with a conditional request, by one
 * thread of one process at a time per project (the store's lock); the
 * others serve the copy they have meanwhile. When the upstream cannot be
 * reached, the copy is served however old it is (offline), and a project
 * never seen gets an answer that says so.
 *
 * Files younger than --upstream-min-age (by the upstream's upload-time)
 * are left out of the snapshot, as are files the upstream gives no SHA-256
 * for (they could not be checked). A file without an upload-time counts as
 * uploaded when this index first saw it listed (kept in the record). */
#ifndef PF_UPSTREAM_H
#define PF_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>
#include "buf.h"
#include "conf.h"
#include "error.h"
#include "index_types.h"
#include "upstream_page.h"

struct upstream;

/* Sets up the cache of cfg->upstream: the cache directory and its files/
 * and pages/ directories are made when missing, the claims file is read.
 * Needs uphttp_global_init and up_page_init to have run. PF_EINVAL or
 * PF_EIO with the reason in err. */
enum pf_err upstream_open(const struct config *cfg, struct upstream **out, buf_t *err) PF_WUR;
void upstream_close(struct upstream *u);

/* How a project fared. */
struct upstream_result {
    int status;        /* on failure: the HTTP status to answer (404, 502, 503, 504) */
    bool offline;      /* the copy served could not be revalidated */
    int64_t age;       /* seconds since the upstream last confirmed the copy */
    char why[512];     /* on failure, or offline: what happened, for a person */
};

/* Whether name (normalized) may be looked up upstream at all: false, with
 * the rule that says no in why, for a claimed, denied or not allowed name. */
bool upstream_name_ok(struct upstream *u, const char *norm, char *why, size_t whysz);

/* The snapshot of project norm from the upstream (referenced: release
 * with index_project_release), revalidated when older than the TTL. The
 * caller has checked that no root holds the project and that the name is
 * let through. PF_ENOTFOUND (the upstream has no such project), PF_EUNAVAIL
 * (it could not be asked and there is no copy; res->status says 502, 503 or
 * 504), PF_ENOMEM. */
enum pf_err upstream_project(struct upstream *u, const char *norm, struct index_project **out,
                             struct upstream_result *res) PF_WUR;

/* What serving one upstream file needs, copied out of the cache. */
struct upstream_file {
    char url[UP_MAX_URL + 1];
    char sha256[65];
    int64_t size;                  /* -1: the upstream did not say */
    bool core_metadata;            /* a .metadata is offered, with this hash: */
    char core_metadata_sha256[65];
};

/* The file `filename` of project norm as the snapshot lists it (so not a
 * file the cooldown hides, nor one without a hash). Errors as
 * upstream_project's; PF_ENOTFOUND also when the project has no such
 * file. */
enum pf_err upstream_file(struct upstream *u, const char *norm, const char *filename, struct upstream_file *out,
                          struct upstream_result *res) PF_WUR;

/* The cache's directory of complete files (DIR/files), open; and its
 * path. */
int upstream_files_fd(const struct upstream *u);
const char *upstream_files_path(const struct upstream *u);
/* The HTTP client's settings (timeouts, CA, credentials). */
const struct uphttp_opts *upstream_http_opts(const struct upstream *u);

/* Takes one of the --upstream-fetches transfer slots: false when all are
 * in use. upstream_fetch_done gives it back. */
bool upstream_fetch_slot(struct upstream *u);
void upstream_fetch_done(struct upstream *u);
/* Likewise for requests that follow another's transfer (they hold a
 * thread as long): at most as many as the server has threads less two. */
bool upstream_follow_slot(struct upstream *u);
void upstream_follow_done(struct upstream *u);

/* The upstream's state for /health, one line without its end: not asked
 * yet, reachable (with the last answer's age), or unreachable (since the
 * last failure). No URL or error text: /health needs no login. */
void upstream_health(struct upstream *u, buf_t *out);

/* The path prefix of upstream files below /packages/. */
#define UPSTREAM_PATH "+upstream/"

#endif
