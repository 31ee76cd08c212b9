/* SPDX-License-Identifier: MIT */
/* pages.c: what the pages share: the login gate, redirects, and the index references a body borrows. */
#include "config.h"
#include "auth.h"
#include "escape.h"
#include "pages.h"

bool page_auth(const struct app *app, struct http_req *req, struct http_resp *resp, unsigned need,
               char user[AUTH_MAX_USER + 1])
{
    user[0] = '\0';
    if (!(app->cfg->authenticate & need))
        return true;
    return auth_allow(app->auth, req, resp, need, user);
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
