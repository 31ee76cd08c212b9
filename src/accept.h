/* SPDX-License-Identifier: MIT */
/* accept.h: Accept-header negotiation of the simple API's media types (PEP 691). */
#ifndef PF_ACCEPT_H
#define PF_ACCEPT_H

#include "sv.h"

/* The representations offered, in PyPI's tie-break order. */
enum accept_type {
    ACCEPT_NONE = -1,      /* nothing acceptable: answer 406 */
    ACCEPT_TEXT_HTML = 0,  /* text/html */
    ACCEPT_V1_HTML = 1,    /* application/vnd.pypi.simple.v1+html */
    ACCEPT_V1_JSON = 2,    /* application/vnd.pypi.simple.v1+json */
};

/* Longest Accept header that is parsed; a longer one is cut at the last
 * complete element before the limit. */
#define ACCEPT_MAX_LEN 4096
/* Most elements looked at. */
#define ACCEPT_MAX_ELEMENTS 64

/* Picks the representation for an Accept header (NULL or empty: any).
 * Each offer gets the q of the most specific matching range (exact beats
 * type/x beats x/x); q=0 excludes; the highest q wins; ties go to
 * text/html, then v1+html, then v1+json, as on PyPI. The request-only
 * "latest" aliases count as v1. Malformed elements are ignored. */
enum accept_type accept_negotiate(const char *header);

/* The Content-Type sent for a representation. */
const char *accept_content_type(enum accept_type t);

#endif
