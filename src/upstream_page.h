/* SPDX-License-Identifier: MIT */
/* upstream_page.h: an upstream index's simple project page (PEP 691 JSON, PEP 503 HTML) read within caps. */
#ifndef PF_UPSTREAM_PAGE_H
#define PF_UPSTREAM_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "distfile.h"
#include "error.h"

/* Caps, each checked before the work it bounds; passing one fails the
 * whole page with PF_ETOOBIG and a message naming it. */
#define UP_MAX_BODY (64 * 1024 * 1024) /* bytes of a page, checked before parsing */
#define UP_MAX_FILES 200000            /* file entries (JSON) or anchors (HTML), skipped ones included */
#define UP_MAX_VERSIONS 200000         /* entries of the JSON "versions" list */
#define UP_MAX_URL 8192                /* bytes of a file's URL as written, and as resolved */
#define UP_MAX_TEXT 1024               /* bytes of a requires-python, a yank reason, a version, a hash */
#define UP_MAX_DEPTH 32                /* JSON nesting ([ and { open at once), checked before jansson runs */
#define UP_MAX_HTML_DEPTH 256          /* HTML elements open at once (libxml2's HTML parser has no limit) */
#define UP_MAX_MSG 200                 /* bytes of the first skipped file's reason */
/* Memory: a JSON page costs jansson's tree of it, some 5 times its size
 * (a 62 MiB page of 100,000 files: about 350 MiB at the peak); an HTML page
 * is read by libxml2's SAX interface, without a tree, twice (the first pass
 * finds <base> and the repository version), for about 2 copies of the
 * body plus the files kept. */
/* A filename over DISTFILE_MAX_LEN (255) bytes is no distribution file
 * pypi-fcgi can store: that file is skipped, the page is not failed. */

/* The formats read. */
enum up_format {
    UP_FORMAT_UNSUPPORTED = -1,
    UP_FORMAT_JSON = 0, /* application/vnd.pypi.simple.v1+json */
    UP_FORMAT_HTML = 1, /* text/html, application/vnd.pypi.simple.v1+html */
};

/* The format of a response from its Content-Type header value (type and
 * subtype case-insensitive, parameters such as charset ignored; NULL or
 * anything else: UP_FORMAT_UNSUPPORTED). Only version 1 of the PEP 691
 * types is read; "latest" is a request alias no server answers with. */
enum up_format up_page_format(const char *content_type);

/* One distribution file of the page. Every string is owned by the page,
 * NUL-terminated, holds no NUL, and is UTF-8 (the parsers decode both
 * formats to it). */
struct up_file {
    char *filename;               /* accepted by distfile_parse, of the page's project; no '/', no ".." */
    char *url;                    /* absolute http(s), no fragment, printable ASCII, at most UP_MAX_URL bytes */
    bool has_sha256;
    char sha256[65];              /* 64 lower-case hex digits when has_sha256, else "" */
    char *requires_python;        /* as the upstream wrote it (HTML entities decoded), or NULL */
    bool yanked;
    char *yank_reason;            /* NULL when not yanked or yanked without a reason ("" is none) */
    bool core_metadata;           /* PEP 658/714 metadata offered (core-metadata or dist-info-metadata) */
    bool has_core_metadata_sha256;
    char core_metadata_sha256[65];
    int64_t size;                 /* PEP 700 size in bytes, or -1 unknown (HTML has none) */
    int64_t upload_time_usec;     /* PEP 700 upload-time, microseconds since the epoch (UTC), or -1 */
};

/* A parsed page. */
struct up_page {
    char *name;             /* the project, normalized (the caller's; a JSON "name" must normalize to it) */
    struct up_file *files;  /* in the page's order, skipped ones left out */
    size_t nfiles;
    char **versions;        /* PEP 700 "versions" as written (not checked as PEP 440), or NULL */
    size_t nversions;
    bool has_versions;      /* the JSON page had a "versions" list (possibly empty) */
    size_t nskipped;        /* file entries left out (see up_page_parse) */
    char skipped_why[UP_MAX_MSG]; /* why the first one was, "" when none */
};

/* Reads the page body (len bytes, not NUL-terminated) fetched from
 * page_url (absolute http or https: relative URLs are resolved against
 * it, or against an HTML page's <base href>) for project (normalized).
 *
 * The whole page fails, out left empty, when it is not a document of its
 * format or its structure is wrong: PF_ECORRUPT for a JSON syntax error,
 * a duplicate key, bytes that are not UTF-8, a NUL, a value of the wrong
 * type (the message names the field and the file's index), a
 * meta.api-version (JSON) or pypi:repository-version (HTML) whose major
 * version is not 1, a JSON "name" of another project; PF_ETOOBIG when a
 * cap is passed; PF_EINVAL when page_url or project are not what this
 * takes; PF_ENOMEM. err then says why (printable ASCII; bytes of the body
 * only cut short and made printable).
 *
 * One file entry that is well-formed but not usable is skipped, counted in
 * nskipped (the first reason in skipped_why), and the rest of the page
 * kept: a filename that distfile_parse refuses, that is longer than
 * DISTFILE_MAX_LEN, that holds '/', '\\' or "..", or that belongs to
 * another project; a second file of the same name (the first is kept;
 * names compared byte for byte); a URL that does not resolve to an http
 * or https URL with a host in printable ASCII, or resolves longer than
 * UP_MAX_URL; a sha256 (file or metadata) that is not 64 hex digits (upper
 * case is lowered); a negative size. Other hash kinds are ignored, as is
 * an upload-time that is not ISO 8601 (it stays -1), and every JSON key
 * or HTML attribute not read here. A JSON null stands for an absent optional
 * field (hashes, requires-python, yanked, the metadata keys, size,
 * upload-time, versions): some indexes write them so.
 *
 * JSON: the metadata is "core-metadata" (PEP 714), else
 * "dist-info-metadata" (PEP 691), else "data-dist-info-metadata" (as PyPI
 * wrote it for a while): true, false or a hashes object.
 *
 * HTML: each <a href> anywhere in the document is a file; its filename is
 * the last segment of its resolved URL's path, percent-decoded, as pip
 * names it (the anchor's text is not read); data-requires-python,
 * data-yanked (present: yanked, its value the reason), data-core-metadata,
 * else data-dist-info-metadata ("true" or "<hash>=<hex>"; another value: no
 * metadata). Entities are decoded by libxml2's HTML parser, which reads no
 * DTD: a declared entity is never expanded, nothing is fetched. More than
 * UP_MAX_HTML_DEPTH open elements fail the page (PF_ETOOBIG).
 *
 * out is always left freeable with up_page_free. */
enum pf_err up_page_parse(const char *body, size_t len, enum up_format fmt, const char *page_url,
                          const char *project, struct up_page *out, buf_t *err) PF_WUR;

/* Frees everything out holds and empties it. */
void up_page_free(struct up_page *p);

/* Initialises libxml2 once, before threads start (its parser is then safe
 * to use from several threads); up_page_parse calls it too. */
void up_page_init(void);

#endif
