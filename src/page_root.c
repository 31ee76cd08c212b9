/* SPDX-License-Identifier: MIT */
/* page_root.c: the welcome page (/, pypi-fcgi's own or the --welcome file) and the health check (/health). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "escape.h"
#include "pages.h"
#include "upstream.h"
#include "welcome.h"

/* The --welcome file filled in, into o. The values are pypiserver's: URL
 * the index's URL with its slash, NUMPKGS the count of files (what
 * pypiserver counts), PACKAGES and SIMPLE paths without the host. */
static void welcome_file(const struct app *app, struct http_req *req, const struct index_root *r, buf_t *o)
{
    buf_t url, pkgs, simple;
    buf_init(&url, 1024);
    buf_init(&pkgs, 1024);
    buf_init(&simple, 1024);
    page_base_url(app, req, &url);
    (void)buf_append_str(&url, "/");
    /* The path part of the URL: after "scheme://host". */
    const char *host = url.p ? strstr(url.p, "://") : NULL;
    const char *path = host ? strchr(host + 3, '/') : NULL;
    (void)buf_printf(&pkgs, "%spackages/", path ? path : "/");
    (void)buf_printf(&simple, "%ssimple/", path ? path : "/");
    char n[24];
    snprintf(n, sizeof n, "%" PRIu64, r->nfiles);
    const sv_t vals[WELCOME_NVARS] = {
        [WELCOME_URL] = buf_sv(&url),
        [WELCOME_VERSION] = sv_cstr(PACKAGE_VERSION),
        [WELCOME_NUMPKGS] = sv_cstr(n),
        [WELCOME_PACKAGES] = buf_sv(&pkgs),
        [WELCOME_SIMPLE] = buf_sv(&simple),
    };
    buf_fail(o, buf_err(&url));
    buf_fail(o, buf_err(&pkgs));
    buf_fail(o, buf_err(&simple));
    (void)welcome_render(o, sv_cstr(app->cfg->welcome_text), vals);
    buf_free(&simple);
    buf_free(&pkgs);
    buf_free(&url);
}

void page_welcome(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    struct index_root *r;
    enum pf_err e = index_root(app->idx, &r);
    if (r) /* also beside an error: a refresh that failed leaves the last list */
        page_hold_root(resp, r);
    if (e) {
        http_err_page(resp, e, HTTP_BLAME_SERVER, "The project list could not be read");
        return;
    }
    if (app->cfg->welcome_text) {
        welcome_file(app, req, r, &resp->own);
        if (buf_err(&resp->own)) {
            http_error(resp, 500, "The welcome page could not be built.");
            return;
        }
        http_header(resp, "Content-Type", "text/html; charset=utf-8");
        http_header(resp, "Cache-Control", "no-cache");
        return;
    }
    /* The buffers keep their first failure: one check at the end. */
    buf_t url, b;
    buf_init(&url, 1024);
    page_base_url(app, req, &url);
    (void)buf_append_str(&url, "/simple/");
    buf_init(&b, 4096);
    buf_fail(&b, buf_err(&url));
    (void)escape_html(&b, buf_sv(&url));
    buf_fail(&resp->own, buf_err(&b));
    const char *u = b.p ? b.p : "";
    buf_t *o = &resp->own;
    (void)buf_append_str(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                            "<title>pypi-fcgi package index</title>\n</head>\n<body>\n<h1>Python package index</h1>\n");
    (void)buf_printf(o, "<p>This index holds %zu projects in %" PRIu64 " files.</p>\n", r->nprojects, r->nfiles);
    (void)buf_printf(o,
                     "<h2>Installing</h2>\n"
                     "<p>pip:</p>\n<pre>pip install --index-url %s PROJECT</pre>\n"
                     "<p>or in <code>pip.conf</code>:</p>\n<pre>[global]\nindex-url = %s</pre>\n"
                     "<p>uv:</p>\n<pre>uv pip install --index-url %s PROJECT</pre>\n"
                     "<p>or in <code>pyproject.toml</code>:</p>\n"
                     "<pre>[[tool.uv.index]]\nname = \"private\"\nurl = \"%s\"</pre>\n"
                     "<p>For plain http on a host other than localhost, pip also needs "
                     "<code>--trusted-host</code>.</p>\n"
                     "<p><a href=\"simple/\">Browse the simple index</a>.</p>\n</body>\n</html>\n",
                     u, u, u, u);
    buf_free(&b);
    buf_free(&url);
    if (buf_err(o)) {
        http_error(resp, 500, "The welcome page could not be built.");
        return;
    }
    http_header(resp, "Content-Type", "text/html; charset=utf-8");
    http_header(resp, "Cache-Control", "no-cache");
}

void page_health(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    buf_t reason;
    buf_init(&reason, 4096);
    enum pf_err e = index_health(app->idx, &reason);
    if (e) {
        /* /health answers load balancers without a login, also under
         * --authenticate list: the reason names the root's path, so it
         * goes to the log only. */
        http_log(req, LOG_ERROR, "health check failed: %s", reason.p ? reason.p : pf_strerror(e));
        http_error(resp, 503, "unhealthy (the reason is in the server's log)");
    } else {
        http_header(resp, "Content-Type", "text/plain; charset=utf-8");
        http_header(resp, "Cache-Control", "no-store");
        (void)buf_append_str(&resp->own, "ok\n");
        /* The upstream's state, which never fails the check: cached
         * pages are served while it is away. */
        if (app->upstream) {
            (void)buf_append_str(&resp->own, "upstream: ");
            upstream_health(app->upstream, &resp->own);
            (void)buf_append_str(&resp->own, "\n");
        }
    }
    buf_free(&reason);
}
