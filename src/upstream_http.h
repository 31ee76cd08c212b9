/* SPDX-License-Identifier: MIT */
/* upstream_http.h: the HTTP client of the upstream cache (libcurl): project pages and file downloads. */
#ifndef PF_UPSTREAM_HTTP_H
#define PF_UPSTREAM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"

/* How pypi-fcgi talks to its upstream index:
 *
 * - Threads: uphttp_global_init is called once at start, before any thread
 *   is started (it initialises libcurl and OpenSSL, which is not
 *   thread-safe); uphttp_global_cleanup once at the end, after the threads
 *   are joined. Each uphttp_page or uphttp_file call makes its own libcurl
 *   handle and frees it before returning, so any number of threads may call
 *   them at once; no signal is used (CURLOPT_NOSIGNAL), so a name lookup
 *   made by a libcurl built without the threaded resolver is not cut short
 *   by the connect timeout.
 * - Protocols: http and https only, also after redirects. TLS verification
 *   (the certificate chain and the host name) is always on and cannot be
 *   turned off: a private CA is given with ca_file.
 * - Redirects: followed here, at most UPHTTP_MAX_REDIRECTS of them, only to
 *   http and https URLs, and never from https down to http. A relative
 *   Location resolves against the URL that answered it.
 * - Credentials: only from the netrc file (never in a URL: a URL holding a
 *   user name or password is refused). They are sent only to the scheme,
 *   host and port of the URL the call was given; a redirect to any other
 *   one is followed without them. libcurl reads the file at each request:
 *   a missing file, or one without an entry for the host, means no
 *   credentials (the caller checks at start that the file can be read).
 * - Proxies: libcurl reads the environment: http_proxy (for http URLs; the
 *   upper-case HTTP_PROXY is ignored), https_proxy or HTTPS_PROXY,
 *   all_proxy, and no_proxy for the hosts reached directly. A proxy's own
 *   credentials go in its URL there. Through a proxy, https is still
 *   verified end to end with the upstream.
 * - The request carries the User-Agent "pypi-fcgi/VERSION (+upstream cache)".
 */

#define UPHTTP_MAX_REDIRECTS 5
/* The longest ETag, Last-Modified or Content-Type kept; longer: refused. */
#define UPHTTP_VALUE_MAX 1024
/* The most header bytes one answer may carry (all lines together). */
#define UPHTTP_HEAD_MAX (64 * 1024)
/* The longest URL followed or reported. */
#define UPHTTP_URL_MAX 8192

struct uphttp_opts {
    const char *ca_file;     /* a PEM bundle that replaces the system CAs (a private CA); NULL: the system CAs */
    const char *netrc_file;  /* credentials, read by libcurl for each request; NULL: none */
    long connect_timeout_ms; /* connecting, TLS handshake included; <= 0: 10 s */
    long read_timeout_s;     /* less than a byte a second for this long (none at all): give up; <= 0: 30 s */
    long total_timeout_s;    /* one request (each redirect its own) may take this long at most; <= 0: no limit */
    /* The upstream index's URL, or NULL. Set, only hosts of its origin
     * (scheme, host, port) may be reached at any address: a request, or
     * a redirect, to another host (a file host named by the upstream's
     * page) is refused when the host's address is loopback, private,
     * link-local, unique-local, multicast or unspecified, so that a page
     * cannot point pypi-fcgi at a service inside its own network. Through
     * a proxy (http_proxy, https_proxy, all_proxy in the environment) the
     * proxy is what is connected to, and the check is left to it. */
    const char *home_url;
};

/* What became of a fetch. The pf_err a call returns follows from it:
 * OK is PF_EOK; NO is PF_ENOTFOUND (404, 410) or PF_EFORBIDDEN (401,
 * 403); TOOBIG is PF_ETOOBIG; ABORTED is PF_EIO; LOCAL is PF_ENOMEM or
 * PF_EINVAL (a URL or validator that cannot be sent); the rest are
 * PF_EUNAVAIL. A caller answering a client says 404 (or 403) for NO, 504
 * for TIMEOUT and 502 for the others. */
enum uphttp_kind {
    UPHTTP_OK,          /* an answer to use: 200, or 304 to a conditional page fetch */
    UPHTTP_NO,          /* the upstream said no: 401, 403, 404, 410 */
    UPHTTP_UNREACHABLE, /* name lookup, connect, a broken connection, or a 5xx or 429 answer */
    UPHTTP_TIMEOUT,     /* connect_timeout_ms, read_timeout_s or total_timeout_s passed */
    UPHTTP_TLS,         /* the TLS handshake or the certificate check failed */
    UPHTTP_BAD,         /* an answer that cannot be used: another status, a refused redirect, a bad header */
    UPHTTP_TOOBIG,      /* the body passed the cap: the transfer was stopped there */
    UPHTTP_ABORTED,     /* uphttp_file's sink asked to stop */
    UPHTTP_LOCAL,       /* out of memory, or a URL or validator this side refuses to send */
};

/* The name of k, e.g. "unreachable", for logs. */
const char *uphttp_kind_name(enum uphttp_kind k);

/* The kept headers of one answer, as the header lines arrive: a new status
 * line starts afresh (an answer after a 100 Continue or a redirect). */
struct uphttp_head {
    char etag[UPHTTP_VALUE_MAX + 1];          /* as sent, quotes and W/ included; "" when absent */
    char last_modified[UPHTTP_VALUE_MAX + 1]; /* as sent; "" when absent */
    char content_type[UPHTTP_VALUE_MAX + 1];  /* as sent; "" when absent */
    size_t total;                             /* header bytes of this answer so far */
};

/* Empties h. */
void uphttp_head_reset(struct uphttp_head *h);
/* Takes one header line, with or without its CRLF, as libcurl hands it
 * over. PF_EOK, or PF_EINVAL with the reason in why: the answer's headers
 * pass UPHTTP_HEAD_MAX, or a kept value is longer than UPHTTP_VALUE_MAX or
 * holds a control byte (below 0x20, tab included, or 0x7f). A repeated
 * header replaces the earlier one. */
enum pf_err uphttp_head_line(struct uphttp_head *h, const char *line, size_t n, buf_t *why) PF_WUR;

struct uphttp_page {
    enum uphttp_kind kind;
    int status;              /* the last answer's HTTP status; 0 when none came */
    struct uphttp_head head; /* its ETag, Last-Modified and Content-Type (after a 304: what the 304 sent) */
    char *final_url;         /* the URL that gave the last answer, after redirects (malloc'd); NULL when none */
    buf_t body;              /* a 200's body; empty otherwise */
};

/* Frees what uphttp_page put in p; harmless twice and after a failure. */
void uphttp_page_free(struct uphttp_page *p);

/* Fetches a project page at url (http or https). etag and last_modified,
 * when not NULL or "", are the cached validators, sent as If-None-Match and
 * If-Modified-Since: a 304 answer is then UPHTTP_OK with status 304 and an
 * empty body. The Accept header asks for PEP 691 JSON first, then the HTML
 * of PEP 503. The body (after any Content-Encoding is undone) may be at
 * most cap bytes: past it the transfer stops, UPHTTP_TOOBIG. Fills *out
 * (always: free it with uphttp_page_free) and returns the pf_err of
 * out->kind, with a sentence for a person in err (replacing what it held)
 * on failure, e.g. "upstream https://pypi.org/simple/x/ unreachable:
 * Connection refused". A URL's query string is left out of messages. */
enum pf_err uphttp_page(const struct uphttp_opts *o, const char *url, const char *etag, const char *last_modified,
                        size_t cap, struct uphttp_page *out, buf_t *err) PF_WUR;

/* Receives the body of a file download in order as it arrives; returns
 * false to stop the transfer. */
typedef bool (*uphttp_sink)(void *ctx, const void *p, size_t n);

struct uphttp_file {
    enum uphttp_kind kind;
    int status;                 /* as in uphttp_page */
    uint64_t size;              /* the bytes given to the sink */
    char sha256[64 + 1];        /* lowercase hex SHA-256 of those bytes: set only when kind is UPHTTP_OK */
};

/* Downloads the file at url, giving the body of a 200 answer to sink as it
 * arrives (nothing of any other answer), and computing its SHA-256 on the
 * way. At most cap bytes (the expected size when it is known): a
 * Content-Length above it stops the transfer before the body, and the
 * sink never gets more than cap bytes. Fills *out and returns as
 * uphttp_page does. On any failure the sink may have had part of the body:
 * the caller throws it away. */
enum pf_err uphttp_file(const struct uphttp_opts *o, const char *url, uint64_t cap, uphttp_sink sink, void *ctx,
                        struct uphttp_file *out, buf_t *err) PF_WUR;

/* Initialises libcurl: once, at start, before any thread. PF_EOK, or
 * PF_EUNAVAIL with the reason in err (libcurl failed, or lacks TLS or the
 * features used here). */
enum pf_err uphttp_global_init(buf_t *err) PF_WUR;
/* Releases libcurl's global state: once, at the end, when no call runs. */
void uphttp_global_cleanup(void);

#endif
