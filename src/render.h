/* SPDX-License-Identifier: MIT */
/* render.h: the simple API pages (PEP 503 HTML, PEP 691 JSON) from index snapshots. */
#ifndef PF_RENDER_H
#define PF_RENDER_H

#include "buf.h"
#include "index_types.h"
#include "pkginfo.h"

/* The API version advertised in both serializations (PEP 629, PEP 700). */
#define RENDER_API_VERSION "1.1"
/* Largest page rendered. */
#define RENDER_MAX_PAGE ((size_t)256 << 20)

/* Each appends one whole page to out. Links are relative to the page's
 * own URL (/simple/ or /simple/<name>/), so the index works under any
 * mount point; every string from the tree passes an escaping helper. */
enum pf_err render_project_html(const struct index_project *p, buf_t *out) PF_WUR;
enum pf_err render_project_json(const struct index_project *p, buf_t *out) PF_WUR;
enum pf_err render_root_html(const struct index_root *r, buf_t *out) PF_WUR;
enum pf_err render_root_json(const struct index_root *r, buf_t *out) PF_WUR;

/* The listing of every file behind /packages/ (what pip's --find-links
 * reads), written a project at a time: the head, then each snapshot's
 * files, then the tail. Links are relative to /packages/ and carry the
 * file's sha256. Each returns buf_err(out). */
enum pf_err render_listing_head(buf_t *out) PF_WUR;
enum pf_err render_listing_files(const struct index_project *p, buf_t *out) PF_WUR;
enum pf_err render_listing_tail(buf_t *out) PF_WUR;

/* The JSON API's page of versions[v] of p (render_api.c): "info" from
 * pi, the parsed core metadata of that version (all null when it has
 * none), with the index's name, version and yank state; "urls", the
 * version's files; with releases, "releases", every version's files (the
 * project's page, /pypi/<name>/json). Every URL is absolute: base (the
 * index's URL, no trailing slash) and the path below it. */
enum pf_err render_api_json(const struct index_project *p, size_t v, bool releases, const struct pkginfo *pi,
                            sv_t base, buf_t *out) PF_WUR;

/* Formats microseconds since the epoch as ISO 8601 UTC with 6 fraction
 * digits and a Z (PEP 700 upload-time); buf needs 28 bytes. */
void render_time(int64_t usec, char buf[32]);

#endif
