/* SPDX-License-Identifier: MIT */
/* version.h: PEP 440 versions: parsing, normalized form, ordering. */
#ifndef PF_VERSION_H
#define PF_VERSION_H

#include <stdbool.h>
#include "buf.h"
#include "error.h"
#include "sv.h"

/* Longest version string accepted, and most release or local segments. */
#define VERSION_MAX_LEN 128
#define VERSION_MAX_PARTS 24

/* A number as a view of its digits with leading zeros stripped
 * (len 0 means zero). Numbers are unbounded: compared as digit strings. */
typedef struct {
    const char *p;
    unsigned short len;
} vnum_t;

enum version_pre { VERSION_PRE_NONE = -1, VERSION_PRE_A = 0, VERSION_PRE_B = 1, VERSION_PRE_RC = 2 };

/* A parsed version. It points into the string it was parsed from, which
 * must outlive it; it owns no memory. */
typedef struct {
    vnum_t epoch;
    unsigned nrelease;
    vnum_t release[VERSION_MAX_PARTS];
    enum version_pre pre_kind;
    vnum_t pre;
    bool has_post;
    vnum_t post;
    bool has_dev;
    vnum_t dev;
    unsigned nlocal;
    sv_t local[VERSION_MAX_PARTS]; /* raw segments; compared case-insensitively */
} version_t;

/* Parses s (surrounding ASCII whitespace allowed) as a PEP 440 version.
 * Returns PF_EINVAL when s is not one, or when s or its normalized form is
 * longer than VERSION_MAX_LEN (so a stored normalized version always parses
 * again), or it has more than VERSION_MAX_PARTS segments; *v is then
 * unspecified. */
enum pf_err version_parse(sv_t s, version_t *v) PF_WUR;

/* <0, 0 or >0 as a sorts before, equal to or after b (PEP 440 ordering). */
int version_cmp(const version_t *a, const version_t *b);

/* Appends the normalized string form of v to out (e.g. "1.0rc1.post2"). */
enum pf_err version_normalize(const version_t *v, buf_t *out) PF_WUR;

/* True for versions with a pre-release or a development segment. */
bool version_is_prerelease(const version_t *v);

#endif
