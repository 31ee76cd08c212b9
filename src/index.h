/* SPDX-License-Identifier: MIT */
/* index.h: the index engine: the package tree, per-file records, cached pages. */
#ifndef PF_INDEX_H
#define PF_INDEX_H

#include <stdbool.h>
#include <stdint.h>
#include "buf.h"
#include "conf.h"
#include "distfile.h"
#include "error.h"
#include "index_types.h"
#include "sidecar.h"
#include "version.h"

/* The package tree on disk is the source of truth. Each process keeps:
 * - the tree: every directory under the roots with the distribution files
 *   it holds, read with readdir and kept current by stat'ing directories;
 * - per project, an immutable snapshot (files with their sidecar records,
 *   and the rendered pages) behind a reference count. A request stats the
 *   directories the snapshot depends on; when one changed, the snapshot is
 *   rebuilt and replaced whole.
 * index_int.h says which file holds which part, and which lock guards what. */

typedef struct index index_t;

/* Opens the index over cfg's roots (which must outlive it) and reads the
 * whole tree once (readdir only: no file is opened). */
enum pf_err index_open(const struct config *cfg, index_t **out) PF_WUR;
/* Stops the background sweep and frees everything. */
void index_close(index_t *idx);

/* A current snapshot of the project called name (normalized), referenced:
 * release it with index_project_release. PF_ENOTFOUND when no root holds a
 * file of that project. */
enum pf_err index_project(index_t *idx, const char *name, struct index_project **out) PF_WUR;
void index_project_release(index_t *idx, struct index_project *p);
/* A snapshot of a project that is not in the tree (one an upstream index
 * serves), of the n files given (a malloc'd array, taken over with what
 * each file's strings and record own, also on failure; root is not used),
 * sorted and with its versions listed as a tree's project is. Not in the
 * snapshot cache; release it with index_project_release. */
enum pf_err index_project_make(const char *name, struct index_file *files, size_t n,
                               struct index_project **out) PF_WUR;
/* Frees n files and the array (what index_project_make takes over). */
void index_files_free(struct index_file *files, size_t n);
/* The page of p in format fmt, rendered on first use; owned by p. */
enum pf_err index_project_page(index_t *idx, struct index_project *p, enum page_format fmt,
                               const struct page **out) PF_WUR;

/* For the JSON API (/pypi/) and search. The latest release of p: the
 * highest of its versions that is no pre-release and has a file not
 * yanked, else the highest with a file not yanked, else the highest. */
size_t index_latest_version(const struct index_project *p);
/* The file whose core metadata describes versions[v] of p: a wheel's
 * METADATA before an sdist's PKG-INFO, a file not yanked first. NULL when
 * no file of that version has its metadata kept. */
const struct index_file *index_version_source(const struct index_project *p, size_t v);
/* The Summary of p's latest release, one line of at most
 * INDEX_MAX_SUMMARY bytes, read from its metadata on first use and kept in
 * p; "" when there is none or it cannot be read (logged). Owned by p. */
#define INDEX_MAX_SUMMARY 1024
const char *index_project_summary(index_t *idx, struct index_project *p);
/* Installs pg (owned by the caller: a page of p, see page_make) in the
 * slot of p, unless a page is there already, and counts its memory in the
 * cache's budget. True when installed: p owns it then. */
bool index_project_keep(index_t *idx, struct index_project *p, struct page *_Atomic *slot, struct page *pg);
/* A page of the bytes of b, which it takes (b is left empty), with its
 * hash; freed with page_free (or by the snapshot it is installed in). */
enum pf_err page_make(buf_t *b, struct page **out) PF_WUR;
void page_free(struct page *pg);

/* A current project list, referenced; release with index_root_release. */
enum pf_err index_root(index_t *idx, struct index_root **out) PF_WUR;
void index_root_release(struct index_root *r);
enum pf_err index_root_page(struct index_root *r, enum page_format fmt, const struct page **out) PF_WUR;

/* A current listing of every distribution file, referenced; release with
 * index_listing_release. It is as current as index_root's list (the roots,
 * directories read too soon after a change, and what requests and the
 * rescan found since) and rebuilt when the tree's generation moves or a
 * file was replaced under its name. Building it takes a current snapshot
 * of every project, one after another (index_project: a record not built
 * yet is built then, as for the project's page), and renders the page.
 * One build at a time per process, and no caller waits for it: while it
 * runs, others get the listing before it, or PF_EUNAVAIL when there is
 * none yet. PF_ETOOBIG when the page would pass RENDER_MAX_PAGE; nothing
 * is cut. */
enum pf_err index_listing(index_t *idx, struct index_listing **out) PF_WUR;
void index_listing_release(struct index_listing *l);

/* Finds the file at relpath (decoded, already checked by
 * urlpath_relpath_ok) in a current snapshot of its project. On success *proj
 * holds a reference and *file points into it. PF_ENOTFOUND otherwise. */
enum pf_err index_find_file(index_t *idx, sv_t relpath, struct index_project **proj,
                            const struct index_file **file) PF_WUR;

/* Opens a file of a snapshot for reading, refusing any path that leaves
 * its root (symlinks included) and, like index_real_relpath, one whose real
 * path urlpath_relpath_ok refuses. Returns an fd, or -1 with *why set to a
 * static reason for the log. */
int index_open_file(index_t *idx, const struct index_file *f, const char **why);
/* Reads the METADATA served for a wheel (checked against its record). */
enum pf_err index_read_metadata(index_t *idx, const struct index_file *f, char **out, size_t *len) PF_WUR;
/* The path of f below its root as it resolves now, for an offload header:
 * the file is opened beneath its root (a symlink that leads out at this
 * moment is refused) and its real path is read back from the kernel, so
 * the '/'-separated path appended to out holds no symlink and the web
 * server that opens it next follows none that was not just checked.
 * PF_ENOTFOUND, with *why set to a static reason for the log, when the file
 * is gone or not a regular file, resolves outside the root, or resolves to
 * a path urlpath_relpath_ok refuses (a dot-file such as a sidecar record;
 * more than URLPATH_MAX_DEPTH levels down). Needs /proc. */
enum pf_err index_real_relpath(index_t *idx, const struct index_file *f, buf_t *out, const char **why) PF_WUR;

/* 0 when every root is readable; otherwise writes the reason. */
enum pf_err index_health(index_t *idx, buf_t *reason) PF_WUR;

/* Files read whole to build their records since idx was opened. */
uint64_t index_files_hashed(index_t *idx);

/* Sets or clears the yank flag of the distribution file at path (any path
 * to a file inside a root), building its record if needed. The record of
 * a file in a directory pypi-fcgi cannot write lives in state_dir (the
 * serving processes' --state-dir); without one, yanking it fails. */
enum pf_err index_yank(const char *path, bool yank, const char *reason, const char *state_dir,
                       buf_t *err) PF_WUR;

#endif
