/* SPDX-License-Identifier: MIT */
/* upstream_names.h: which project names may be looked up on the upstream index. */
#ifndef PF_UPSTREAM_NAMES_H
#define PF_UPSTREAM_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "error.h"
#include "sv.h"

/* Caps, each checked before the work it bounds. */
#define UPN_MAX_PATTERN 200                 /* bytes of one pattern as written (spaces trimmed) */
#define UPN_MAX_FILE ((size_t)1 << 20)      /* bytes of a claims file */
#define UPN_MAX_PATTERNS 10000              /* patterns in a claims file, and in each option list */
#define UPN_MAX_MSG 1024                    /* bytes of a message about a refused pattern (path excluded) */

/* A pattern is a project name or an fnmatch(3) glob with '*' (any run of
 * characters, none included) and '?' (one character): letters, digits,
 * '-', '_', '.', '*' and '?' only, 1 to UPN_MAX_PATTERN bytes. It is
 * PEP 503-normalized like a name (lowercase, each run of '-', '_', '.' one
 * '-'; the wildcards kept), so "Acme_*" is "acme-*" and matches
 * "acme-foo". A pattern that starts or ends with '-', '_' or '.' would
 * match no normalized name, and is refused as a mistake. */

/* Writes the normalized form of pat to out (NUL-terminated; outsz >=
 * UPN_MAX_PATTERN + 1 is always enough) and returns PF_EOK, or returns
 * PF_EINVAL with the reason in why (replaced; no line or file named). */
enum pf_err up_pattern_normalize(sv_t pat, char *out, size_t outsz, buf_t *why) PF_WUR;

/* A list of normalized patterns; immutable once made, so any number of
 * threads may use it. */
struct up_patterns;

/* Parses a claims file: text (len bytes, may hold NULs), one pattern per
 * line; a line whose first non-blank byte is '#' is a comment; blank lines
 * are ignored; spaces and tabs around a pattern are trimmed; a line may
 * end in CRLF (any other CR is refused). The caps come first: len over
 * UPN_MAX_FILE, or more than UPN_MAX_PATTERNS patterns (counted before
 * any is read), fail with PF_ETOOBIG. A refused pattern fails the whole
 * file with PF_EINVAL: a claims file is used whole or not at all. On
 * failure err holds one line "ORIGIN:LINE: message" ("ORIGIN: message"
 * for the size cap). Otherwise returns PF_EOK (or PF_ENOMEM) and the
 * caller owns *out (up_patterns_free). */
enum pf_err up_patterns_parse(const char *text, size_t len, const char *origin, struct up_patterns **out,
                              buf_t *err) PF_WUR;
/* A list from option values (count strings; NULL only when count is 0),
 * each read as a pattern (no trimming, no comments). On a refused one err
 * holds "LABEL 'VALUE': message" and PF_EINVAL (PF_ETOOBIG past
 * UPN_MAX_PATTERNS values) is returned. */
enum pf_err up_patterns_from_list(const char *const *values, size_t count, const char *label,
                                  struct up_patterns **out, buf_t *err) PF_WUR;
void up_patterns_free(struct up_patterns *p);
/* The number of patterns, and the i-th (normalized) in the order read. */
size_t up_patterns_count(const struct up_patterns *p);
const char *up_patterns_at(const struct up_patterns *p, size_t i);
/* A pattern that matches norm (a normalized name), or NULL; an exact
 * (wildcard-free) pattern is preferred over a glob. p may be NULL. */
const char *up_patterns_match(const struct up_patterns *p, const char *norm);

/* What may be done with a project name that is not in the local index. */
enum up_name_verdict {
    UP_NAME_UPSTREAM_OK, /* may be looked up upstream */
    UP_NAME_CLAIMED,     /* matches a claim: never looked up upstream */
    UP_NAME_DENIED,      /* matches a deny pattern */
    UP_NAME_NOT_ALLOWED, /* there is an allow list and no pattern of it matches */
    UP_NAME_INVALID,     /* not a project name (name_is_valid) at all */
};
/* "upstream-ok", "claimed", "denied", "not-allowed", "invalid". */
const char *up_name_verdict_name(enum up_name_verdict v);

/* The rules in order: claims first, then deny, then allow (an empty or
 * NULL allow list allows every name). name is normalized here (a name as
 * written gets the verdict of its normal form). When pat is not NULL it
 * receives the pattern that decided (patsz >= UPN_MAX_PATTERN + 1 holds
 * any; cut to fit otherwise): the claim or deny pattern, the allow pattern
 * that matched, or "" (no allow list, not allowed, invalid). Pure: the
 * same lists and name give the same answer. */
enum up_name_verdict up_names_verdict(const struct up_patterns *claims, const struct up_patterns *deny,
                                      const struct up_patterns *allow, const char *name, char *pat,
                                      size_t patsz);

/* The rules of a running server: a claims file that the administrator may
 * edit meanwhile, and the allow and deny lists of the command line. */
struct up_names_conf {
    const char *claims_file;  /* path of the claims file, or NULL for none */
    const char *const *allow; /* allow patterns (nallow of them) */
    size_t nallow;
    const char *allow_label; /* names the allow option in messages (NULL: "allow") */
    const char *const *deny;
    size_t ndeny;
    const char *deny_label; /* (NULL: "deny") */
};
struct up_names;

/* Reads the claims file (when one is named) and the lists. On failure err
 * holds one line that names the file or option and, for a refused
 * pattern, the line; PF_EIO (cannot read the file), PF_EINVAL (not a
 * regular file, or a refused pattern), PF_ETOOBIG (a cap) or PF_ENOMEM. The
 * caller owns *out (up_names_close). */
enum pf_err up_names_open(const struct up_names_conf *c, struct up_names **out, buf_t *err) PF_WUR;
/* up_names_verdict with the claims file as it is now; thread-safe. Each
 * call checks whether the file changed and, when it did, reads it again
 * (see filewatch_get). A new version that cannot be used (missing,
 * unreadable, over a cap, a refused pattern) leaves the claims read
 * before in force, and the reason is logged once: a broken edit, or
 * removing the file, never lets a claimed name go upstream. */
enum up_name_verdict up_names_decide(const struct up_names *n, const char *name);
/* The same, with the deciding pattern written to pat as up_names_verdict does. */
enum up_name_verdict up_names_decide_why(const struct up_names *n, const char *name, char *pat, size_t patsz);
/* The number of claim patterns in force (0 without a claims file). */
size_t up_names_claim_count(const struct up_names *n);
/* n may be NULL. No other thread may be using n. */
void up_names_close(struct up_names *n);

#endif
