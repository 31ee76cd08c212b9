/* SPDX-License-Identifier: MIT */
/* upstream_page_int.h: what the JSON and HTML readers of an upstream page share (see upstream_page.h). */
#ifndef PF_UPSTREAM_PAGE_INT_H
#define PF_UPSTREAM_PAGE_INT_H

#include <curl/curl.h>
#include "hmap.h"
#include "sv.h"
#include "upstream_page.h"

#define UP_STR_(x) #x
#define UP_STR(x) UP_STR_(x)

/* One parse. */
struct up_ctx {
    struct up_page *out;
    const char *project; /* normalized */
    CURLU *base;         /* what relative URLs resolve against */
    buf_t *err;
    size_t alloc;    /* of out->files */
    size_t nentries; /* file entries met, skipped ones too */
    hmap_t names;    /* filenames kept, for duplicates */
};

/* One file entry as a reader found it: views into its document, .p NULL
 * for what is absent. */
struct up_entry {
    size_t index;  /* 0-based, in the page's order, for messages */
    sv_t filename; /* NULL: the last segment of the URL's path */
    sv_t href;
    bool fragment_hash; /* the sha256 is in href's fragment (HTML) */
    sv_t sha256;
    sv_t requires_python;
    bool yanked;
    sv_t yank_reason;
    bool core_metadata;
    sv_t core_metadata_sha256;
    int64_t size;
    int64_t upload_time_usec;
};

/* s for a message: printable ASCII, cut at 40 bytes with "...". */
void up_show(sv_t s, char out[48]);
/* Checks e and adds it to the page, or counts it skipped. PF_ETOOBIG when
 * a string passes its cap; PF_ENOMEM. */
enum pf_err up_add(struct up_ctx *c, const struct up_entry *e) PF_WUR;
/* Resolves href against the current base and makes the result the base
 * (an HTML <base href>); an href that does not resolve is ignored. */
void up_set_base(struct up_ctx *c, sv_t href);
/* ISO 8601 date-time "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" as
 * microseconds since the epoch, or -1 when s is not one. */
int64_t up_parse_time(sv_t s);

/* The readers (upstream_page_json.c, upstream_page_html.c). */
enum pf_err up_read_json(struct up_ctx *c, const char *body, size_t len) PF_WUR;
enum pf_err up_read_html(struct up_ctx *c, const char *body, size_t len) PF_WUR;

#endif
