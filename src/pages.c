/* SPDX-License-Identifier: MIT */
/* pages.c: what the pages share: the login gate, redirects, and the index references a body borrows. */
#include "config.h"
#include <string.h>
#include "auth.h"
#include "escape.h"
#include "pages.h"
#include "sv.h"

bool page_auth(const struct app *app, struct http_req *req, struct http_resp *resp, unsigned need,
               char user[AUTH_MAX_USER + 1])
{
    user[0] = '\0';
    if (!(app->cfg->authenticate & need))
        return true;
    return auth_allow(app->auth, req, resp, need, user);
}

#define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]"

/* A Host header's worth: host-name characters only, so that nothing a
 * client sends can break out of a URL or a page. */
static bool host_ok(const char *h)
{
    return h && *h && strlen(h) < 256 && strspn(h, HOST_CHARS) == strlen(h);
}

/* The first value of a header a chain of proxies appends to ("a, b": the
 * first is what the client sent to the first proxy), blanks trimmed, into
 * out (n bytes). 1: taken (perhaps empty); 0: the header is absent; -1:
 * its first value does not fit (a bad value). */
static int first_value(struct http_req *req, const char *name, char *out, size_t n)
{
    const char *v = http_param(req, name);
    if (!v)
        return 0;
    sv_t w = sv_trim(sv_make(v, strcspn(v, ",")));
    if (w.len >= n)
        return -1;
    memcpy(out, w.p, w.len);
    out[w.len] = '\0';
    return 1;
}

/* A clean path prefix: "" or "/a/b", segments of [A-Za-z0-9._~-] that are
 * neither "." nor ".."; one trailing '/' is dropped. */
static bool prefix_ok(char *p)
{
    size_t n = strlen(p);
    if (n && p[n - 1] == '/')
        p[--n] = '\0';
    if (!n)
        return true;
    if (p[0] != '/' || strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-/") != n)
        return false;
    for (const char *s = p; s; s = strchr(s + 1, '/')) {
        size_t len = strcspn(s + 1, "/");
        if (len == 0 || (len == 1 && s[1] == '.') || (len == 2 && s[1] == '.' && s[2] == '.'))
            return false;
    }
    return true;
}

/* What a proxy listed in --trusted-proxy says of the URL the client used:
 * X-Forwarded-Host, -Proto and -Prefix, each checked as the Host header
 * is; a value that fails is ignored, and logged, as a proxy's mistake.
 * From any other REMOTE_ADDR they are not looked at: anyone could send
 * them and so choose the URLs this index prints. */
struct forwarded {
    char host[256], proto[8], prefix[256];
    bool has_host, has_proto, has_prefix;
};

static void forwarded(const struct app *app, struct http_req *req, struct forwarded *f)
{
    memset(f, 0, sizeof *f);
    if (!app->cfg->nproxies || !conf_proxy_trusted(app->cfg, http_param(req, "REMOTE_ADDR")))
        return;
    int got = first_value(req, "HTTP_X_FORWARDED_HOST", f->host, sizeof f->host);
    f->has_host = got > 0 && host_ok(f->host);
    if (got && !f->has_host)
        http_log(req, LOG_WARN, "ignored X-Forwarded-Host from a trusted proxy: not a host name");
    got = first_value(req, "HTTP_X_FORWARDED_PROTO", f->proto, sizeof f->proto);
    f->has_proto = got > 0 && (strcmp(f->proto, "http") == 0 || strcmp(f->proto, "https") == 0);
    if (got && !f->has_proto)
        http_log(req, LOG_WARN, "ignored X-Forwarded-Proto from a trusted proxy: neither http nor https");
    got = first_value(req, "HTTP_X_FORWARDED_PREFIX", f->prefix, sizeof f->prefix);
    f->has_prefix = got > 0 && prefix_ok(f->prefix);
    if (got && !f->has_prefix)
        http_log(req, LOG_WARN, "ignored X-Forwarded-Prefix from a trusted proxy: not a clean path");
}

/* The URL this index is served at, as the client reached it: the Host
 * header as sent, port or none. A Host without a port means the default
 * one, also when the web server listens elsewhere (a load balancer or proxy
 * in front), so SERVER_PORT is added only to SERVER_NAME, the fallback when
 * there is no usable Host. The Host header is client-supplied: only
 * host-name characters are taken, and the result is escaped on output like
 * everything else. Behind a --trusted-proxy, its X-Forwarded-Host, -Proto
 * and -Prefix (the path it took away) come first. */
void page_base_url(const struct app *app, struct http_req *req, buf_t *out)
{
    struct forwarded f;
    forwarded(app, req, &f);
    const char *https = http_param(req, "HTTPS");
    const char *scheme = http_param(req, "REQUEST_SCHEME");
    bool tls = (https && (strcmp(https, "on") == 0 || strcmp(https, "1") == 0)) || (scheme && strcmp(scheme, "https") == 0);
    if (f.has_proto)
        tls = strcmp(f.proto, "https") == 0;
    const char *host = f.has_host ? f.host : http_param(req, "HTTP_HOST");
    bool from_host = host_ok(host);
    if (!from_host)
        host = http_param(req, "SERVER_NAME");
    if (!host_ok(host))
        host = "localhost";
    (void)buf_printf(out, "%s://%s", tls ? "https" : "http", host);
    const char *port = http_param(req, "SERVER_PORT");
    if (!from_host && !strchr(host, ':') && !strchr(host, ']') && port && strcmp(port, tls ? "443" : "80") != 0 &&
        *port && strspn(port, "0123456789") == strlen(port) && strlen(port) <= 5)
        (void)buf_printf(out, ":%s", port);
    if (f.has_prefix)
        (void)buf_append_str(out, f.prefix);
    (void)buf_append_sv(out, buf_sv(&req->prefix));
}

void page_redirect(const struct app *app, struct http_req *req, struct http_resp *resp, const char *path)
{
    struct forwarded f;
    forwarded(app, req, &f);
    resp->status = 301;
    buf_t loc;
    buf_init(&loc, HTTP_MAX_URI * 2);
    if (f.has_prefix)
        (void)buf_append_str(&loc, f.prefix);
    if (buf_append_sv(&loc, buf_sv(&req->prefix)) || escape_url_path(&loc, sv_cstr(path))) {
        buf_free(&loc);
        http_error(resp, 414, "The redirect target is too long.");
        return;
    }
    http_header(resp, "Location", "%s", loc.p);
    http_header(resp, "Content-Type", "text/plain; charset=utf-8");
    http_header(resp, "Cache-Control", "max-age=3600");
    (void)buf_printf(&resp->own, "Moved to %s\n", loc.p);
    buf_free(&loc);
}

/* This runs for nearly every request: the head is put together without
 * printf. */
void page_send(struct http_req *req, struct http_resp *resp, const struct page *pg, const char *content_type,
               char tag)
{
    char etag[40];
    etag[0] = '"';
    memcpy(etag + 1, pg->hash, 32);
    etag[33] = '-';
    etag[34] = tag;
    etag[35] = '"';
    etag[36] = '\0';
    buf_t *h = &resp->head;
    /* Every client revalidates, so a new upload shows up at once (pip >= 26.2
     * honours Cache-Control on simple pages). */
    (void)buf_append_str(h, "Content-Type: ");
    (void)buf_append_str(h, content_type);
    (void)buf_append_str(h, "\r\nVary: Accept\r\nETag: ");
    (void)buf_append(h, etag, 36);
    if (buf_append_str(h, "\r\nCache-Control: max-age=0, must-revalidate\r\n")) {
        http_error(resp, 500, "The response head is too large.");
        return;
    }
    if (http_etag_match(req->if_none_match, etag)) {
        resp->status = 304;
        return;
    }
    resp->body = pg->body;
    resp->body_len = pg->len;
}

static void release_project(void *idx, void *p)
{
    index_project_release(idx, p);
}

static void release_root(void *idx, void *r)
{
    (void)idx;
    index_root_release(r);
}

void page_hold_project(const struct app *app, struct http_resp *resp, struct index_project *p)
{
    http_resp_hold(resp, release_project, app->idx, p);
}

void page_hold_root(struct http_resp *resp, struct index_root *r)
{
    http_resp_hold(resp, release_root, NULL, r);
}
