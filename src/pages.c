/* SPDX-License-Identifier: MIT */
/* pages.c: what the pages share: the login gate, redirects, and the index references a body borrows. */
#include "config.h"
#include "auth.h"
#include "escape.h"
#include <string.h>
#include "pages.h"

bool page_auth(const struct app *app, struct http_req *req, struct http_resp *resp, unsigned need,
               char user[AUTH_MAX_USER + 1])
{
    user[0] = '\0';
    if (!(app->cfg->authenticate & need))
        return true;
    return auth_allow(app->auth, req, resp, need, user);
}

/* The URL this index is served at, as the client reached it: the Host
 * header as sent, port or none. A Host without a port means the default
 * one, also when the web server listens elsewhere (a load balancer or proxy
 * in front), so SERVER_PORT is added only to SERVER_NAME, the fallback when
 * there is no usable Host. The Host header is client-supplied: only
 * host-name characters are taken, and the result is escaped on output like
 * everything else. */
void page_base_url(const struct app *app, struct http_req *req, buf_t *out)
{
    (void)app;
    const char *https = http_param(req, "HTTPS");
    const char *scheme = http_param(req, "REQUEST_SCHEME");
    bool tls = (https && (strcmp(https, "on") == 0 || strcmp(https, "1") == 0)) || (scheme && strcmp(scheme, "https") == 0);
    const char *host = http_param(req, "HTTP_HOST");
    bool from_host = host && *host && strlen(host) < 256 &&
                     strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == strlen(host);
    if (!from_host)
        host = http_param(req, "SERVER_NAME");
    if (!host || !*host || strlen(host) >= 256 ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != strlen(host))
        host = "localhost";
    (void)buf_printf(out, "%s://%s", tls ? "https" : "http", host);
    const char *port = http_param(req, "SERVER_PORT");
    if (!from_host && !strchr(host, ':') && !strchr(host, ']') && port && strcmp(port, tls ? "443" : "80") != 0 &&
        *port && strspn(port, "0123456789") == strlen(port) && strlen(port) <= 5)
        (void)buf_printf(out, ":%s", port);
    (void)buf_append_sv(out, buf_sv(&req->prefix));
}

void page_redirect(struct http_req *req, struct http_resp *resp, const char *path)
{
    resp->status = 301;
    buf_t loc;
    buf_init(&loc, HTTP_MAX_URI * 2);
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
