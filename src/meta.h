/* SPDX-License-Identifier: MIT */
/* meta.h: core metadata (METADATA, PKG-INFO) read out of distributions with libarchive. */
#ifndef PF_META_H
#define PF_META_H

#include <stdbool.h>
#include "buf.h"
#include "distfile.h"
#include "error.h"
#include "sv.h"

/* Archives come from uploaders; every read is capped so a bomb costs
 * next to nothing. */
#define META_MAX_SIZE (4u << 20)            /* METADATA / PKG-INFO bytes */
#define META_MAX_ENTRIES 200000u            /* archive entries looked at */
#define META_MAX_SCAN ((uint64_t)256 << 20) /* decompressed bytes walked in a tar */

/* Reads the core metadata of a distribution from fd (read from its current
 * offset; a regular file so that zip can seek). Wheels: the METADATA of the
 * one top-level NAME-VERSION.dist-info directory whose name normalizes to
 * project (PEP 427). Sdists (.tar.*, .zip): PKG-INFO in the single top-level
 * directory. The bytes are appended to out exactly as stored.
 * PF_ENOTFOUND: no such member; PF_EFORMAT: not a readable archive of that
 * kind, two candidate members, or a cap was hit; PF_ETOOBIG: the member is
 * larger than META_MAX_SIZE. */
enum pf_err meta_extract(int fd, enum distfile_kind kind, const char *project, buf_t *out) PF_WUR;

/* Finds the first header field called name (case-insensitive) in the
 * RFC 822 style header block of metadata and sets *value to it, trimmed
 * (continuation lines are not joined). False when absent or empty. */
bool meta_field(sv_t metadata, const char *name, sv_t *value);

#endif
