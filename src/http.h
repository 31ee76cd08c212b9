/* SPDX-License-Identifier: MIT */
/* http.h: requests and responses as handlers see them, independent of FastCGI. */
#ifndef PF_HTTP_H
#define PF_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "log.h"

/* Caps on what a request may carry into the handlers. */
#define HTTP_MAX_URI 8192
#define HTTP_MAX_HEADER 8192
#define HTTP_MAX_REASON 200 /* bytes of a message used as the reason phrase */

/* Where a request body comes from: the FastCGI stdin stream or a test
 * buffer. read returns the count of bytes put in p (at most n, at least
 * one), 0 at the end of the body, -1 when the connection failed, and
 * HTTP_IN_SLOW when the body came slower than --upload-min-rate or stalled
 * for --upload-timeout. */
#define HTTP_IN_SLOW (-2)
struct http_in {
    long (*read)(void *ctx, char *p, size_t n);
    void *ctx;
};

/* A request: the CGI environment the web server passed, and derived
 * fields. Everything points into env or into the request's own buffers
 * and lives until http_req_free. */
struct http_req {
    char **env;             /* NAME=value, NULL-terminated (FCGX envp) */
    const char *method;     /* "GET", "HEAD", ... */
    /* The parameters every request looks at, found in one pass over env
     * (NULL when absent); the rest through http_param. */
    const char *request_uri, *script_name, *path_info, *accept, *if_none_match;
    buf_t path;             /* decoded path below the mount point, starts with '/' */
    buf_t prefix;           /* the mount point as a URL path ("" or "/pypi"), percent-encoded */
    bool head;              /* HEAD: headers only */
    const struct http_in *in; /* the body; NULL: none */
    /* Who logged in for the route's action ("" when it needs no login):
     * set by route_dispatch while the handler runs, NULL otherwise. */
    const char *user;
    /* Where per-request log lines go (the FastCGI stderr stream, so they
     * land in the web server's error log); NULL: the process's stderr. */
    void (*log_sink)(void *ctx, const char *line);
    void *log_ctx;
};

struct http_out;

/* A response being built. The body is either borrowed (body/body_len,
 * kept alive by the reference in hold), owned (own), a file streamed
 * from file_fd, or made while it is sent (produce). */
struct http_resp {
    int status;
    buf_t head;             /* extra header lines, each ending in \r\n */
    const char *body;
    size_t body_len;
    buf_t own;
    bool offload;           /* the web server sends the body (X-Sendfile, X-Accel-Redirect) */
    bool reason_from_body;  /* an error whose message is also the reason phrase (twine shows it) */
    int file_fd;            /* -1: none */
    uint64_t file_len;
    /* A body made while it is sent (a file arriving from the upstream):
     * http_send calls produce(ctx, resp, out), which sends the head with
     * http_send_head before its first byte, then the body, and returns 0,
     * or -1 to cut the answer short (with a Content-Length sent, the
     * client then sees an incomplete body, never a complete wrong one). A
     * producer that fails before its first byte turns resp into an error
     * page (http_error) instead, which http_send then sends. produce_len
     * is the Content-Length, or HTTP_LEN_UNKNOWN for none. A HEAD gets the
     * head alone, without produce. produce_free(ctx) runs once when the
     * response is freed or replaced, whether or not produce ran. Set with
     * http_resp_produce. */
    int (*produce)(void *ctx, struct http_resp *resp, const struct http_out *out);
    void (*produce_free)(void *ctx);
    void *produce_ctx;
    uint64_t produce_len;
    bool producing;         /* produce is running */
    bool head_sent;         /* http_send_head has begun */
    /* The one reference a borrowed body needs (every page borrows from a
     * single snapshot), released by http_resp_free as release(owner, ref);
     * release is NULL when none is held. */
    struct {
        void (*release)(void *owner, void *ref);
        void *owner, *ref;
    } hold;
};

/* produce_len when the length is not known beforehand. */
#define HTTP_LEN_UNKNOWN UINT64_MAX

/* Where a response is written: the FastCGI stream or a test buffer.
 * write returns 0, or -1 when the client is gone. */
struct http_out {
    int (*write)(void *ctx, const char *p, size_t n);
    void *ctx;
};

/* Buffers a worker keeps from one request to the next, so that serving a
 * request allocates nothing once they have grown. Owned by one thread. */
struct http_scratch {
    buf_t path, prefix, decoded, head, own;
};

void http_scratch_init(struct http_scratch *s);
void http_scratch_free(struct http_scratch *s);

/* Derives the request fields from env. url_prefix (NULL: SCRIPT_NAME) is
 * the mount point. Fails with the status to answer (400, 414) when the
 * URI cannot be decoded or is too long; resp then holds the error page. */
enum pf_err http_req_init(struct http_req *req, char **env, const char *url_prefix, struct http_resp *resp,
                          struct http_scratch *s) PF_WUR;
/* Gives the request's buffers back to s. */
void http_req_free(struct http_req *req, struct http_scratch *s);
/* A CGI parameter, or NULL (the first one when duplicated, as libfcgi). */
const char *http_param(const struct http_req *req, const char *name);
/* The request's CONTENT_LENGTH into *n: 1 when it is a number, 0 when it
 * is absent or empty (*n is then 0), -1 when it is something else (a sign,
 * junk, too large). */
int http_content_length(const struct http_req *req, uint64_t *n);

/* True when the CGI entry kv ("NAME=value") has the name given as
 * name_eq, "NAME=" of n bytes (no NUL among them). Byte by byte: names
 * differ within a few bytes, and the loop ends at kv's NUL at the latest.
 * Costs less per request than strncmp or FCGX_GetParam (bench/hop.sh). */
static inline bool http_param_is(const char *kv, const char *name_eq, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (kv[i] != name_eq[i])
            return false;
    return true;
}
/* Logs one line about this request (method and path are prefixed). */
void http_log(const struct http_req *req, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Takes its buffers from s; http_resp_free gives them back and releases
 * the reference held. */
void http_resp_init(struct http_resp *resp, struct http_scratch *s);
void http_resp_free(struct http_resp *resp, struct http_scratch *s);
/* Gives resp the reference ref (of owner) that its body borrows from,
 * released by http_resp_free with release(owner, ref). A reference held
 * already is released first: the body must not borrow from it any more. */
void http_resp_hold(struct http_resp *resp, void (*release)(void *owner, void *ref), void *owner, void *ref);
/* Makes resp's body the output of produce (see struct http_resp), len
 * bytes or HTTP_LEN_UNKNOWN; a producer set before is freed first. */
void http_resp_produce(struct http_resp *resp,
                       int (*produce)(void *ctx, struct http_resp *resp, const struct http_out *out),
                       void (*produce_free)(void *ctx), void *ctx, uint64_t len);
/* Appends a header line "name: value". */
void http_header(struct http_resp *resp, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Makes resp an error page: status, text/plain, the message and a
 * newline as body. Every error answer goes through here. */
void http_error(struct http_resp *resp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* http_error, and the message also becomes the reason phrase of the
 * status line: twine prints the reason of a failed upload. */
void http_fail(struct http_resp *resp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Whose failure an error is, which decides the status it is answered
 * with. */
enum http_blame {
    /* What the request asked for or sent: the status of err's row in
     * error.h (pf_errstatus). */
    HTTP_BLAME_REQUEST,
    /* The server's own files and limits (the index, a page too large to
     * build): a row's 4xx other than 404 would blame the client for it,
     * so those are 500; the rest keep their row's status. */
    HTTP_BLAME_SERVER,
};
/* The status a request failing with err is answered with. */
int http_err_status(enum pf_err err, enum http_blame blame);
/* http_error with err's status (http_err_status) and the body
 * "<fmt formatted>: <pf_strerror(err)>.": the caller says what could not
 * be done, the error says why. */
void http_err_page(struct http_resp *resp, enum pf_err err, enum http_blame blame, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The reason phrase of a status code. */
const char *http_reason(int status);
/* True when the If-None-Match header lists etag (weak comparison, or "*"). */
bool http_etag_match(const char *if_none_match, const char *etag);

/* Writes the whole response as CGI output (Status line, headers,
 * Content-Length, body unless head). Returns 0, or -1 when the client
 * went away. */
int http_send(struct http_resp *resp, bool head, const struct http_out *out);
/* Writes the Status line, the headers and the Content-Length (when known)
 * of resp: for a producer, before its first byte. 0, or -1 when the
 * client went away. */
int http_send_head(struct http_resp *resp, const struct http_out *out);

#endif
