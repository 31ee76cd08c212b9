/* SPDX-License-Identifier: MIT */
/* page_root.c: the welcome page (/) and the health check (/health). */
#include "config.h"
#include <inttypes.h>
#include <string.h>
#include "escape.h"
#include "pages.h"

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
    }
    buf_free(&reason);
}
