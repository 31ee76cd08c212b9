/* SPDX-License-Identifier: MIT */
/* page_simple.c: /simple/ and /simple/<project>/ (PEP 503, PEP 691), with redirects; pypiserver's /<project>/. */
#include "config.h"
#include <string.h>
#include "accept.h"
#include "name.h"
#include "pages.h"
#include "upstream.h"

/* One validator per representation: the bytes of text/html and v1+html
 * are equal but their Content-Type is not. */
static void send_page(struct http_req *req, struct http_resp *resp, const struct page *pg, enum accept_type t)
{
    static const char tag[] = { 'h', 'v', 'j' };
    page_send(req, resp, pg, accept_content_type(t), tag[t]);
}

static enum accept_type negotiate(struct http_req *req, struct http_resp *resp)
{
    const char *accept = req->accept;
    enum accept_type t = accept_negotiate(accept);
    if (t == ACCEPT_NONE) {
        http_error(resp, 406,
                   "None of the representations of this page is acceptable. Offered:\n"
                   "application/vnd.pypi.simple.v1+json\n"
                   "application/vnd.pypi.simple.v1+html\n"
                   "text/html");
        http_header(resp, "Vary", "Accept");
        http_log(req, LOG_INFO, "406 for Accept: %.200s", accept ? accept : "");
    }
    return t;
}

static void root_page(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    enum accept_type t = negotiate(req, resp);
    if (t == ACCEPT_NONE)
        return;
    const struct page *pg;
    struct index_root *r;
    enum pf_err e = index_root(app->idx, &r);
    if (r)
        page_hold_root(resp, r);
    if (!e)
        e = index_root_page(r, t == ACCEPT_V1_JSON ? PAGE_JSON : PAGE_HTML, &pg);
    if (e) {
        http_log(req, LOG_ERROR, "cannot build the project list: %s", pf_strerror(e));
        http_err_page(resp, e, HTTP_BLAME_SERVER, "The project list could not be built");
        return;
    }
    send_page(req, resp, pg, t);
}

/* The page of a project no root holds, from the upstream's (upstream.h):
 * only for a name the rules let through. */
static void upstream_project_page(const struct app *app, struct http_req *req, struct http_resp *resp,
                                  const char *norm, enum accept_type t)
{
    char why[256];
    if (!upstream_name_ok(app->upstream, norm, why, sizeof why)) {
        http_log(req, LOG_INFO, "%s is not looked up upstream: %s", norm, why);
        http_error(resp, 404, "Not Found: no project called %s here (%s).", norm, why);
        return;
    }
    struct index_project *p;
    struct upstream_result res;
    enum pf_err e = upstream_project(app->upstream, norm, &p, &res);
    if (e) {
        if (res.status != 404)
            http_log(req, LOG_WARN, "%s", res.why);
        http_error(resp, res.status ? res.status : pf_errstatus(e), "%s.", res.why);
        if (res.status == 503)
            http_header(resp, "Retry-After", "30");
        return;
    }
    page_hold_project(app, resp, p);
    const struct page *pg;
    e = index_project_page(app->idx, p, t == ACCEPT_V1_JSON ? PAGE_JSON : PAGE_HTML, &pg);
    if (e) {
        http_log(req, LOG_ERROR, "cannot build the page of %s: %s", norm, pf_strerror(e));
        http_err_page(resp, e, HTTP_BLAME_SERVER, "The page of %s could not be built", norm);
        return;
    }
    /* How long ago the upstream last confirmed this copy. */
    http_header(resp, "Age", "%lld", (long long)res.age);
    if (res.offline)
        http_log(req, LOG_WARN, "served the copy of %s from %lld s ago: %s", norm, (long long)res.age, res.why);
    send_page(req, resp, pg, t);
}

void page_simple(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    sv_t path = buf_sv(&req->path);
    if (sv_eq(path, SV_LIT("/simple"))) {
        page_redirect(app, req, resp, "/simple/");
        return;
    }
    sv_t rest = sv_make(path.p + 8, path.len - 8); /* after "/simple/" */
    if (rest.len == 0) {
        root_page(app, req, resp);
        return;
    }
    bool slash = rest.p[rest.len - 1] == '/';
    sv_t name = slash ? sv_make(rest.p, rest.len - 1) : rest;
    char norm[NAME_MAX_LEN + 1];
    if (!name_is_valid(name) || name_normalize(name, norm, sizeof norm) == 0) {
        http_error(resp, 404, "Not Found: no such project.");
        return;
    }
    if (!slash || !sv_eq(name, sv_cstr(norm))) {
        /* PEP 503: to the slashed URL, and a non-normalized name straight
         * to the normalized one (one hop). */
        char target[NAME_MAX_LEN + 16];
        snprintf(target, sizeof target, "/simple/%s/", norm);
        page_redirect(app, req, resp, target);
        return;
    }
    enum accept_type t = negotiate(req, resp);
    if (t == ACCEPT_NONE)
        return;
    struct index_project *p;
    enum pf_err e = index_project(app->idx, norm, &p);
    if (!e)
        page_hold_project(app, resp, p);
    if (e == PF_ENOTFOUND && app->upstream) {
        upstream_project_page(app, req, resp, norm, t);
        return;
    }
    if (e == PF_ENOTFOUND) {
        /* Never a redirect to a public index: that invites dependency
         * confusion (pip would merge both indexes' candidates). */
        http_error(resp, 404, "Not Found: no project called %s here.", norm);
        return;
    }
    const struct page *pg;
    if (!e)
        e = index_project_page(app->idx, p, t == ACCEPT_V1_JSON ? PAGE_JSON : PAGE_HTML, &pg);
    if (e) {
        http_log(req, LOG_ERROR, "cannot build the page of %s: %s", norm, pf_strerror(e));
        /* An unreadable tree is a condition of the server that passes (a
         * remount, permissions being fixed): 503, and /health says so too,
         * where IO's row in error.h says 500. */
        if (e == PF_EIO)
            http_error(resp, 503, "The page of %s could not be built: %s.", norm, pf_strerror(e));
        else
            http_err_page(resp, e, HTTP_BLAME_SERVER, "The page of %s could not be built", norm);
        return;
    }
    send_page(req, resp, pg, t);
}

void page_project_redirect(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    (void)app;
    /* route.c matched "/<name>" or "/<name>/" with a valid name. No
     * lookup: the project page answers for a project that is not here. */
    sv_t name = sv_make(req->path.p + 1, req->path.len - 1);
    if (name.len && name.p[name.len - 1] == '/')
        name.len--;
    char norm[NAME_MAX_LEN + 1];
    if (!name_is_valid(name) || name_normalize(name, norm, sizeof norm) == 0) {
        http_error(resp, 404, "Not Found");
        return;
    }
    char target[NAME_MAX_LEN + 16];
    snprintf(target, sizeof target, "/simple/%s/", norm);
    page_redirect(app, req, resp, target);
}
