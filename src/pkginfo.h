/* SPDX-License-Identifier: MIT */
/* pkginfo.h: the fields of a distribution's core metadata (METADATA, PKG-INFO), for the JSON API and search. */
#ifndef PF_PKGINFO_H
#define PF_PKGINFO_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "sv.h"

/* The fields read, each under the key the JSON API gives it. The
 * metadata comes from uploaders: it was capped at META_MAX_SIZE when it
 * was stored, every value is escaped on output, and at most
 * PKGINFO_MAX_VALUES repeated values are kept. */
enum pkginfo_key {
    /* Single values: the first occurrence counts. */
    PKGINFO_NAME,
    PKGINFO_VERSION,
    PKGINFO_SUMMARY,
    PKGINFO_DESCRIPTION,
    PKGINFO_DESCRIPTION_CONTENT_TYPE,
    PKGINFO_KEYWORDS,
    PKGINFO_HOME_PAGE,
    PKGINFO_DOWNLOAD_URL,
    PKGINFO_AUTHOR,
    PKGINFO_AUTHOR_EMAIL,
    PKGINFO_MAINTAINER,
    PKGINFO_MAINTAINER_EMAIL,
    PKGINFO_LICENSE,
    PKGINFO_LICENSE_EXPRESSION,
    PKGINFO_REQUIRES_PYTHON,
    PKGINFO_NSINGLE,
    /* Repeated values, in the order given. */
    PKGINFO_CLASSIFIERS = PKGINFO_NSINGLE,
    PKGINFO_REQUIRES_DIST,
    PKGINFO_PROVIDES_EXTRA,
    PKGINFO_PROJECT_URLS, /* "Label, URL" */
    PKGINFO_PLATFORM,
    PKGINFO_DYNAMIC,
    PKGINFO_LICENSE_FILES,
    PKGINFO_NKEYS
};

#define PKGINFO_MAX_VALUES 4096

struct pkginfo_value {
    enum pkginfo_key key;
    sv_t value; /* raw: folds included (see pkginfo_unfold) */
};

/* Views into the metadata bytes, which must outlive it. */
struct pkginfo {
    sv_t single[PKGINFO_NSINGLE]; /* .p NULL when absent */
    struct pkginfo_value *multi;  /* the repeated values, malloc'd */
    size_t nmulti;
    size_t dropped;               /* repeated values past PKGINFO_MAX_VALUES */
    bool body;                    /* the description is the body (Metadata 2.1) */
};

/* The JSON API's name of a key ("requires_dist"). */
const char *pkginfo_key_name(enum pkginfo_key k);

/* Reads the header fields of md, and the body after them as the
 * description (Metadata 2.1) when there is one (without the white space
 * that ends it). PF_ENOMEM only. Free with
 * pkginfo_free. */
enum pf_err pkginfo_parse(sv_t md, struct pkginfo *out) PF_WUR;
void pkginfo_free(struct pkginfo *pi);

/* Appends the value of a field, value, unfolded to out: the lines of a
 * folded value joined by one space. Returns buf_err(out). */
enum pf_err pkginfo_unfold(buf_t *out, sv_t value);
/* Appends the single value k of pi to out (nothing when absent), unfolded
 * as pkginfo_unfold does, except a description: the body as it is, or a
 * Description field's lines with their breaks, without the indent of 8
 * spaces or "       |" that Metadata 1.x writers put before each
 * continuation line. Returns buf_err(out). */
enum pf_err pkginfo_single(buf_t *out, const struct pkginfo *pi, enum pkginfo_key k);

#endif
