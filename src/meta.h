/* SPDX-License-Identifier: MIT */
/* meta.h: core metadata (METADATA, PKG-INFO) read out of distributions with libarchive. */
#ifndef PF_META_H
#define PF_META_H

#include <stdbool.h>
#include <stdint.h>
#include "buf.h"
#include "distfile.h"
#include "error.h"
#include "sv.h"

/* Archives come from uploaders; every read is capped before it is made,
 * so that a bomb of any shape costs next to nothing. */
#define META_MAX_SIZE (4u << 20)              /* METADATA / PKG-INFO bytes */
#define META_MAX_ENTRIES 200000u              /* archive entries looked at */
#define META_MAX_SCAN ((uint64_t)256 << 20)   /* decompressed bytes walked in a tar */
#define META_MAX_ZIPDIR ((uint64_t)64 << 20)  /* bytes of a zip's central directory */

/* Reads the core metadata of a distribution from fd (a regular file).
 * Wheels: the METADATA of the one top-level NAME-VERSION.dist-info
 * directory whose name normalizes to project (PEP 427). Sdists: PKG-INFO in
 * the single top-level directory, from a tar (plain, gzip, bzip2, xz, lzma
 * or lzip, read from fd's current offset) or, when the bytes at the current
 * offset start a zip, a zip. A zip (every wheel) is the whole file and must
 * pass meta_zip_check first. The bytes are appended to out exactly as
 * stored. A tar member that is not the metadata is refused before libarchive
 * skips it when its declared size would take the walk past META_MAX_SCAN,
 * and libarchive is never handed more than META_MAX_SCAN decompressed bytes
 * in all (sizes can lie: GNU and pax sparse members declare one size and
 * store another).
 * PF_ENOTFOUND: no such member; PF_EFORMAT: not a readable archive of that
 * kind, two candidate members, or a cap was hit; PF_ETOOBIG: the member is
 * larger than META_MAX_SIZE; PF_EIO: fd could not be read. */
enum pf_err meta_extract(int fd, enum distfile_kind kind, const char *project, buf_t *out) PF_WUR;

/* Checks the layout of the zip that is the whole of fd (a regular file)
 * with pread, before libarchive reads it; libarchive loads a zip's whole
 * central directory in memory, one record after the other until an end
 * record, whatever count the end record gives. Required: the last "PK\5\6"
 * in the file's last 65557 bytes is an end record whose comment runs exactly
 * to the end of the file (single disk); with a zip64 locator right before
 * it, a zip64 end record that ends at the locator, agrees with the 32-bit
 * fields (equal or 0xFFFF...) and is then used; the central directory ends
 * where those end records start and holds exactly the announced number of
 * records, at most META_MAX_ENTRIES of them in at most META_MAX_ZIPDIR
 * bytes, each with well-formed extra fields (one zip64 field at most); the
 * local headers they point at lie before the central directory and do not
 * overlap (header, name, extra and data, sizes from the central directory).
 * So libarchive sees exactly these records, and reads each local header
 * once. Sets *entries to the count. PF_EFORMAT when anything does not hold,
 * PF_EIO when fd cannot be read, PF_ENOMEM. */
enum pf_err meta_zip_check(int fd, uint64_t *entries) PF_WUR;

/* Takes the next field off the front of the RFC 822 style header block
 * md: *name is its name, *value its value with its continuation lines
 * (those that start with a space or tab), folds included, trimmed at both
 * ends. Lines that are not fields are skipped. False at the end of the
 * block: *md is then the body after the blank line (empty when none). */
bool meta_next(sv_t *md, sv_t *name, sv_t *value);

/* Finds the first header field called name (case-insensitive) in the
 * RFC 822 style header block of metadata and sets *value to it, trimmed
 * (continuation lines are not joined). False when absent or empty. */
bool meta_field(sv_t metadata, const char *name, sv_t *value);

#endif
