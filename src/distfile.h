/* SPDX-License-Identifier: MIT */
/* distfile.h: wheel and sdist filename grammar (PEP 427, PEP 625, legacy sdists). */
#ifndef PF_DISTFILE_H
#define PF_DISTFILE_H

#include <stdbool.h>
#include "error.h"
#include "name.h"
#include "sv.h"
#include "version.h"

/* Longest distribution filename accepted. */
#define DISTFILE_MAX_LEN 255

enum distfile_kind { DISTFILE_WHEEL, DISTFILE_SDIST };

/* The parts of a distribution filename. The views point into the filename
 * passed to distfile_parse, which must outlive this struct. */
typedef struct {
    enum distfile_kind kind;
    char project[NAME_MAX_LEN + 1]; /* PEP 503 normalized project name */
    sv_t name;       /* the name part as written */
    sv_t version;    /* the version part as written */
    version_t ver;   /* version, parsed */
    sv_t build;      /* wheel build tag, empty when absent */
    sv_t python_tag; /* wheel only */
    sv_t abi_tag;    /* wheel only */
    sv_t platform_tag; /* wheel only */
    sv_t ext;        /* ".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2", ... as written */
} distfile_t;

/* Parses a bare filename (no directory part). Wheels (".whl", lower case as
 * pip requires) follow packaging's parse_wheel_filename: 4 or 5 dashes, name
 * part [A-Za-z0-9._] without "__" that is also a valid project name (so it
 * normalizes to a page that can exist), valid PEP 440 version, build tag
 * starting with a digit, non-empty tags. Sdists end in one
 * of the archive suffixes pip installs (.tar.gz, .zip, .tgz, .tar, .tar.bz2,
 * .tbz, .tar.xz, .txz, .tlz, .tar.lz, .tar.lzma; case-insensitive) and are
 * split at the last '-' as packaging's parse_sdist_filename does; the name
 * part must be a valid project name. Every byte of the filename must be in
 * [A-Za-z0-9._+!-]. Returns PF_EINVAL for anything else. */
enum pf_err distfile_parse(sv_t filename, distfile_t *out) PF_WUR;

/* True when the filename ends in a suffix distfile_parse knows (a cheap
 * pre-filter before logging an unparsable file). */
bool distfile_has_known_suffix(sv_t filename);

#endif
