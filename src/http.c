/* SPDX-License-Identifier: MIT */
/* http.c: request derivation, response building and CGI output. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "escape.h"
#include "http.h"
#include "urlpath.h"

const char *http_param(const struct http_req *req, const char *name)
{
    size_t n = strlen(name);
    for (char **e = req->env; e && *e; e++)
        if (http_param_is(*e, name, n) && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

int http_content_length(const struct http_req *req, uint64_t *n)
{
    const char *clen = http_param(req, "CONTENT_LENGTH");
    *n = 0;
    if (!clen || !*clen)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(clen, &end, 10);
    if (errno || *end || clen[0] == '-' || clen[0] == '+' || clen[0] == ' ')
        return -1;
    *n = v;
    return 1;
}

void http_log(const struct http_req *req, enum log_level level, const char *fmt, ...)
{
    if ((int)level > log_threshold)
        return;
    char msg[1024], line[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *uri = req->request_uri;
    snprintf(line, sizeof line, "%s %.300s: %s", req->method ? req->method : "-", uri ? uri : "-", msg);
    /* Messages quote what clients sent: one request, one line, whatever
     * bytes it carried. */
    for (char *c = line; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    if (req->log_sink) {
        char full[1500];
        snprintf(full, sizeof full, "pypi-fcgi[%ld]: %s: %s\n", (long)getpid(), log_level_name(level), line);
        req->log_sink(req->log_ctx, full);
    } else
        log_write(level, "%s", line);
}

void http_scratch_init(struct http_scratch *s)
{
    buf_init(&s->path, HTTP_MAX_URI);
    buf_init(&s->prefix, HTTP_MAX_URI);
    buf_init(&s->decoded, HTTP_MAX_URI);
    buf_init(&s->head, 16384);
    buf_init(&s->own, (size_t)64 << 20);
}

void http_scratch_free(struct http_scratch *s)
{
    buf_free(&s->path);
    buf_free(&s->prefix);
    buf_free(&s->decoded);
    buf_free(&s->head);
    buf_free(&s->own);
}

/* Moves a scratch buffer into place, emptied. */
static void take(buf_t *dst, buf_t *src)
{
    *dst = *src;
    buf_reset(dst);
    buf_init(src, dst->cap);
}

/* Moves it back; a buffer grown far past the usual is dropped. */
static void give(buf_t *dst, buf_t *src)
{
    if (src->alloc > ((size_t)1 << 20))
        buf_free(src);
    buf_free(dst);
    *dst = *src;
    buf_init(src, dst->cap);
}

void http_resp_init(struct http_resp *resp, struct http_scratch *s)
{
    memset(resp, 0, sizeof *resp);
    resp->status = 200;
    take(&resp->head, &s->head);
    take(&resp->own, &s->own);
    resp->file_fd = -1;
}

void http_resp_hold(struct http_resp *resp, void (*release)(void *owner, void *ref), void *owner, void *ref)
{
    if (resp->hold.release)
        resp->hold.release(resp->hold.owner, resp->hold.ref);
    resp->hold.release = release;
    resp->hold.owner = owner;
    resp->hold.ref = ref;
}

static void drop_producer(struct http_resp *resp)
{
    if (resp->produce_free)
        resp->produce_free(resp->produce_ctx);
    resp->produce = NULL;
    resp->produce_free = NULL;
    resp->produce_ctx = NULL;
}

void http_resp_produce(struct http_resp *resp,
                       int (*produce)(void *ctx, struct http_resp *resp, const struct http_out *out),
                       void (*produce_free)(void *ctx), void *ctx, uint64_t len)
{
    drop_producer(resp);
    resp->produce = produce;
    resp->produce_free = produce_free;
    resp->produce_ctx = ctx;
    resp->produce_len = len;
}

void http_resp_free(struct http_resp *resp, struct http_scratch *s)
{
    drop_producer(resp);
    give(&s->head, &resp->head);
    give(&s->own, &resp->own);
    if (resp->file_fd >= 0)
        close(resp->file_fd);
    if (resp->hold.release)
        resp->hold.release(resp->hold.owner, resp->hold.ref);
    resp->file_fd = -1;
    resp->hold.release = NULL;
}

void http_header(struct http_resp *resp, const char *name, const char *fmt, ...)
{
    /* Most values are a constant or one string: those skip printf, which
     * was a fifth of a cached request's own instructions (bench/hop.sh).
     * A failure sticks to the head, and http_send answers 500 for it. */
    buf_t *h = &resp->head;
    (void)buf_append_str(h, name);
    (void)buf_append(h, ": ", 2);
    va_list ap;
    va_start(ap, fmt);
    if (!strchr(fmt, '%'))
        (void)buf_append_str(h, fmt);
    else if (strcmp(fmt, "%s") == 0)
        (void)buf_append_str(h, va_arg(ap, const char *));
    else
        (void)buf_vprintf(h, fmt, ap);
    va_end(ap);
    (void)buf_append(h, "\r\n", 2);
}

void http_error(struct http_resp *resp, int status, const char *fmt, ...)
{
    /* Drop whatever the handler had prepared. A producer that fails
     * before its first byte turns its response into this error: it is
     * freed with the response, not under its own feet. */
    if (resp->producing)
        resp->produce = NULL;
    else
        drop_producer(resp);
    buf_reset(&resp->head);
    buf_reset(&resp->own);
    if (resp->file_fd >= 0)
        close(resp->file_fd);
    resp->file_fd = -1;
    resp->body = NULL;
    resp->offload = false;
    resp->reason_from_body = false;
    resp->status = status;
    http_header(resp, "Content-Type", "text/plain; charset=utf-8");
    http_header(resp, "Cache-Control", "no-store");
    /* Messages quote what clients sent: never let a browser sniff HTML. */
    http_header(resp, "X-Content-Type-Options", "nosniff");
    va_list ap;
    va_start(ap, fmt);
    enum pf_err e = buf_vprintf(&resp->own, fmt, ap);
    va_end(ap);
    if (e || buf_append_char(&resp->own, '\n'))
        buf_reset(&resp->own);
}

void http_fail(struct http_resp *resp, int status, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    http_error(resp, status, "%s", msg);
    resp->reason_from_body = true;
}

int http_err_status(enum pf_err err, enum http_blame blame)
{
    int status = pf_errstatus(err);
    if (blame == HTTP_BLAME_SERVER && status >= 400 && status < 500 && status != 404)
        return 500;
    return status;
}

void http_err_page(struct http_resp *resp, enum pf_err err, enum http_blame blame, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    http_error(resp, http_err_status(err, blame), "%s: %s.", what, pf_strerror(err));
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
    }
}

bool http_etag_match(const char *inm, const char *etag)
{
    if (!inm || !etag)
        return false;
    sv_t want = sv_cstr(etag);
    if (sv_starts_with(want, SV_LIT("W/")))
        want = sv_make(want.p + 2, want.len - 2);
    sv_t list = sv_make(inm, strnlen(inm, HTTP_MAX_HEADER));
    while (list.len) {
        sv_t tag = sv_trim(sv_split(&list, ','));
        if (sv_eq(tag, SV_LIT("*")))
            return true;
        if (sv_starts_with(tag, SV_LIT("W/")))
            tag = sv_make(tag.p + 2, tag.len - 2);
        if (sv_eq(tag, want))
            return true;
    }
    return false;
}

enum pf_err http_req_init(struct http_req *req, char **env, const char *url_prefix, struct http_resp *resp,
                          struct http_scratch *s)
{
    memset(req, 0, sizeof *req);
    req->env = env;
    take(&req->path, &s->path);
    take(&req->prefix, &s->prefix);
    /* The first of a duplicated name wins, as with FCGX_GetParam. */
    for (char **v = env; v && *v; v++) {
        const char *kv = *v;
#define PF_PARAM(name, field)                                                                                          \
    if (!req->field && http_param_is(kv, name "=", sizeof name)) {                                                     \
        req->field = kv + sizeof name;                                                                                 \
        continue;                                                                                                      \
    }
        switch (kv[0]) {
        case 'R':
            PF_PARAM("REQUEST_METHOD", method)
            PF_PARAM("REQUEST_URI", request_uri)
            break;
        case 'S':
            PF_PARAM("SCRIPT_NAME", script_name)
            break;
        case 'P':
            PF_PARAM("PATH_INFO", path_info)
            break;
        case 'H':
            PF_PARAM("HTTP_ACCEPT", accept)
            PF_PARAM("HTTP_IF_NONE_MATCH", if_none_match)
            break;
        }
#undef PF_PARAM
    }
    if (!req->method)
        req->method = "GET";
    req->head = strcmp(req->method, "HEAD") == 0;

    const char *prefix = url_prefix ? url_prefix : req->script_name;
    if (!prefix)
        prefix = "";
    size_t plen = strlen(prefix);
    if (!url_prefix && plen && prefix[plen - 1] == '/') {
        /* A mount point never ends in '/': the server passed the whole
         * path (nginx without fastcgi_split_path_info). Guessing would
         * serve wrong pages; say what to fix. */
        http_error(resp, 500,
                   "The web server passes SCRIPT_NAME=%.200s, the whole path, so pypi-fcgi cannot tell where it is "
                   "mounted: split the path (nginx: fastcgi_split_path_info, see contrib/nginx.conf) or start "
                   "pypi-fcgi with --url-prefix.",
                   prefix);
        return PF_EINVAL;
    }
    /* The route comes from REQUEST_URI, raw on every server, decoded here
     * once: PATH_INFO is decoded by the server and loses %2F. */
    const char *uri = req->request_uri;
    buf_t decoded;
    take(&decoded, &s->decoded);
    enum pf_err e;
    if (uri) {
        size_t n = strcspn(uri, "?#");
        if (n > HTTP_MAX_URI) {
            e = PF_EURITOOLONG;
            http_error(resp, 414, "The request URI is longer than %d bytes.", HTTP_MAX_URI);
            goto out;
        }
        e = urlpath_decode(sv_make(uri, n), &decoded);
        if (e) {
            /* An encoded '/' or '\\' or a NUL is how traversal attempts look:
             * such a path names no file here. */
            e = e == PF_ETOOBIG ? PF_EURITOOLONG : PF_EINVAL;
            if (e == PF_EURITOOLONG)
                http_error(resp, 414, "The request URI is longer than %d bytes.", URLPATH_MAX_LEN);
            else
                http_error(resp, 404, "Not Found");
            goto out;
        }
    } else {
        const char *pi = req->path_info;
        (void)buf_append_str(&decoded, prefix);
        if ((e = buf_append_str(&decoded, pi ? pi : ""))) {
            http_error(resp, 414, "The request URI is too long.");
            e = PF_EURITOOLONG;
            goto out;
        }
    }
    size_t pl = strlen(prefix);
    sv_t d = buf_sv(&decoded);
    if (pl && sv_starts_with(d, sv_make(prefix, pl)) && (d.len == pl || d.p[pl] == '/')) {
        d = sv_make(d.p + pl, d.len - pl);
    } else if (pl) {
        /* A server that rewrote the URI: fall back on PATH_INFO. */
        const char *pi = req->path_info;
        d = sv_cstr(pi ? pi : "");
    }
    e = buf_append_sv(&req->path, d);
    if (!e) /* two buffers: each keeps its own failure */
        e = escape_url_path(&req->prefix, sv_make(prefix, pl));
    if (e) {
        http_error(resp, 414, "The request URI is too long.");
        e = PF_EURITOOLONG;
    }
out:
    give(&s->decoded, &decoded);
    return e;
}

void http_req_free(struct http_req *req, struct http_scratch *s)
{
    give(&s->path, &req->path);
    give(&s->prefix, &req->prefix);
}

/* "Status: NNN Reason\r\n" into b (64 bytes); returns its length. */
static size_t fmt_status(char *b, int status)
{
    const char *reason = http_reason(status);
    size_t rl = strlen(reason);
    if (status < 100 || status > 999 || rl > 40)
        status = 500, reason = "Internal Server Error", rl = strlen(reason);
    memcpy(b, "Status: ", 8);
    b[8] = (char)('0' + status / 100);
    b[9] = (char)('0' + status / 10 % 10);
    b[10] = (char)('0' + status % 10);
    b[11] = ' ';
    memcpy(b + 12, reason, rl);
    memcpy(b + 12 + rl, "\r\n", 2);
    return 14 + rl;
}

/* "Status: NNN <the first line of msg>\r\n" into b (HTTP_MAX_REASON + 32
 * bytes): printable ASCII only, so a message cannot break the header. */
static size_t reason_status(char *b, int status, const char *msg, size_t len)
{
    (void)fmt_status(b, status);
    size_t n = 12; /* "Status: NNN " */
    for (size_t i = 0; i < len && i < HTTP_MAX_REASON && msg[i] != '\n'; i++)
        b[n++] = msg[i] >= 0x20 && msg[i] < 0x7f ? msg[i] : '?';
    b[n++] = '\r';
    b[n++] = '\n';
    return n;
}

/* "Content-Length: N\r\n" into b (64 bytes); returns its length. */
static size_t fmt_length(char *b, uint64_t len)
{
    char digits[24];
    size_t d = 0;
    do
        digits[d++] = (char)('0' + len % 10);
    while ((len /= 10) && d < sizeof digits);
    memcpy(b, "Content-Length: ", 16);
    for (size_t i = 0; i < d; i++)
        b[16 + i] = digits[d - 1 - i];
    memcpy(b + 16 + d, "\r\n", 2);
    return 18 + d;
}

int http_send_head(struct http_resp *resp, const struct http_out *out)
{
    /* A header that did not fit left the head without it (and without any
     * header after it): send none of it, but a plain 500. */
    if (buf_err(&resp->head)) {
        LOG(LOG_ERROR, "a response's headers passed %zu bytes: answered 500 instead", resp->head.cap);
        http_error(resp, 500, "The response's headers exceed their size limit.");
    }
    resp->head_sent = true;
    uint64_t len = resp->produce    ? resp->produce_len
                   : resp->file_fd >= 0 ? resp->file_len
                   : resp->body       ? resp->body_len
                                      : resp->own.len;
    /* One write of the whole head; no printf on this path. */
    char line[64];
    buf_t *h = &resp->head;
    size_t n = fmt_status(line, resp->status);
    if (resp->reason_from_body && resp->status >= 400 && resp->own.len) {
        char st[HTTP_MAX_REASON + 32];
        n = reason_status(st, resp->status, resp->own.p, resp->own.len);
        if (out->write(out->ctx, st, n))
            return -1;
    } else if (out->write(out->ctx, line, n))
        return -1;
    if (out->write(out->ctx, h->p ? h->p : "", h->len))
        return -1;
    /* 304 and offloaded files carry no body of ours: the web server sets
     * their length. */
    bool offloaded = resp->offload && resp->status == 200;
    if (resp->status != 304 && !offloaded && len != HTTP_LEN_UNKNOWN) {
        n = fmt_length(line, len);
        if (out->write(out->ctx, line, n))
            return -1;
    }
    if (out->write(out->ctx, "\r\n", 2))
        return -1;
    return 0;
}

int http_send(struct http_resp *resp, bool head, const struct http_out *out)
{
    if (resp->produce && !head && resp->status == 200) {
        /* The producer sends the head with its first byte; one that fails
         * before it has made resp an error page, sent below. */
        resp->producing = true;
        int rc = resp->produce(resp->produce_ctx, resp, out);
        resp->producing = false;
        if (resp->head_sent)
            return rc;
    }
    if (http_send_head(resp, out))
        return -1;
    const char *body = resp->body ? resp->body : (resp->own.p ? resp->own.p : "");
    uint64_t len = resp->file_fd >= 0 ? resp->file_len : resp->body ? resp->body_len : resp->own.len;
    bool offloaded = resp->offload && resp->status == 200;
    if (head || resp->status == 304 || offloaded || resp->produce)
        return 0;
    if (resp->file_fd < 0)
        return out->write(out->ctx, body, (size_t)len);
    char *chunk = malloc(65536);
    if (!chunk)
        return -1;
    uint64_t sent = 0;
    int rc = 0;
    while (sent < len) {
        size_t want = len - sent < 65536 ? (size_t)(len - sent) : 65536;
        ssize_t r = read(resp->file_fd, chunk, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            /* The file shrank under us: the length already sent is now a
             * lie, so the connection must fail rather than look complete. */
            rc = -1;
            break;
        }
        if (out->write(out->ctx, chunk, (size_t)r)) {
            rc = -1;
            break;
        }
        sent += (uint64_t)r;
    }
    free(chunk);
    return rc;
}
