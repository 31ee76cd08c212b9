/* SPDX-License-Identifier: MIT */
/* route.c: the route table and request dispatch. */
#include "config.h"
#include <string.h>
#include "name.h"
#include "pages.h"
#include "route.h"

enum { M_GET = 1, M_HEAD = 2, M_POST = 4 };
/* NAME: "/<name>" or "/<name>/" for a valid project name (name.h), when
 * no row above it matched the path, whatever the method: it never takes a
 * URL another row serves (GET /legacy stays a 405). NAME_JSON: the same
 * for "/<name>/json". HEALTH: the path of --health-endpoint, which
 * conf_init sets (the row's path is its default). XML: a POST to the path
 * itself with a text/xml body (the method is tested first). */
enum match { EXACT, PREFIX, NAME, NAME_JSON, HEALTH, XML };

/* Adding a route is one line here and one handler. need is the action
 * (AUTH_*) a request must be allowed under --authenticate before its
 * handler runs, 0 for none; with two, either one being asked for asks
 * for a login. */
static const struct route {
    const char *path;
    enum match match;
    int methods;
    unsigned need;
    route_handler_fn fn;
} routes[] = {
    { "/", EXACT, M_GET | M_HEAD, AUTH_LIST, page_welcome },
    /* twine posts to the URL it is given and aborts on a redirect, so
     * each upload URL is served with and without its slash (POST / is
     * below, after the rows a cached page passes on its way). */
    { "/legacy", EXACT, M_POST, AUTH_UPDATE, page_upload },
    { "/legacy/", EXACT, M_POST, AUTH_UPDATE, page_upload },
    /* Load balancers ask without a login, also under --authenticate list. */
    { "/health", HEALTH, M_GET | M_HEAD, 0, page_health },
    { "/simple", EXACT, M_GET | M_HEAD, AUTH_LIST, page_simple },
    { "/simple/", PREFIX, M_GET | M_HEAD, AUTH_LIST, page_simple },
    /* The listing shows every file's name and sha256: a login when either
     * the lists or the downloads need one. */
    { "/packages", EXACT, M_GET | M_HEAD, AUTH_LIST | AUTH_DOWNLOAD, page_packages },
    { "/packages/", EXACT, M_GET | M_HEAD, AUTH_LIST | AUTH_DOWNLOAD, page_packages },
    { "/packages/", PREFIX, M_GET | M_HEAD, AUTH_DOWNLOAD, page_files },
    /* The JSON API (Warehouse's URLs): a page lists files as /simple/ does. */
    { "/pypi/", PREFIX, M_GET | M_HEAD, AUTH_LIST, page_api },
    /* pip search posts its XML-RPC call to the index URL it is given:
     * to its path, here the upload URL, or to /RPC2 when it has none. */
    { "/", XML, M_POST, AUTH_LIST, page_rpc },
    { "/", EXACT, M_POST, AUTH_UPDATE, page_upload },
    { "/RPC2", EXACT, M_POST, AUTH_LIST, page_rpc },
    /* pypiserver's /<project>/json; as NAME below, only what no row above
     * matched. */
    { "/", NAME_JSON, M_GET | M_HEAD, AUTH_LIST, page_api },
    /* pypiserver's /<project>/, so that the server root works as an index
     * URL: last, as NAME takes only what no row above matched. */
    { "/", NAME, M_GET | M_HEAD, AUTH_LIST, page_project_redirect },
};

/* True when path is "/<name>" followed by tail ("/" optional when
 * slash), with a valid project name. */
static bool name_path(const char *path, sv_t tail, bool slash)
{
    sv_t seg = sv_cstr(path + 1);
    if (!sv_ends_with(seg, tail))
        return false;
    seg.len -= tail.len;
    if (slash && seg.len && seg.p[seg.len - 1] == '/')
        seg.len--;
    return memchr(seg.p, '/', seg.len) == NULL && name_is_valid(seg);
}

static int method_bit(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return M_GET;
    if (strcmp(m, "HEAD") == 0)
        return M_HEAD;
    if (strcmp(m, "POST") == 0)
        return M_POST;
    return 0;
}

static const char *allow_list(int methods)
{
    switch (methods) {
    case M_GET | M_HEAD: return "GET, HEAD";
    case M_POST: return "POST";
    default: return "GET, HEAD, POST";
    }
}

void route_dispatch(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    const char *path = req->path.p ? req->path.p : "";
    if (!*path) {
        /* The mount point itself without its slash. */
        page_redirect(app, req, resp, "/");
        return;
    }
    int allowed = 0, method = method_bit(req->method);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct route *r = &routes[i];
        bool hit;
        switch (r->match) {
        case EXACT: hit = strcmp(path, r->path) == 0; break;
        case PREFIX: hit = strncmp(path, r->path, strlen(r->path)) == 0; break;
        case HEALTH: hit = strcmp(path, app->cfg->health_endpoint) == 0; break;
        case NAME: hit = !allowed && name_path(path, SV_LIT(""), true); break;
        case XML: hit = method == M_POST && strcmp(path, r->path) == 0 && page_rpc_is_xml(req); break;
        default: hit = !allowed && name_path(path, SV_LIT("/json"), false); break;
        }
        if (!hit)
            continue;
        if (method & r->methods) {
            char user[AUTH_MAX_USER + 1];
            if (!page_auth(app, req, resp, r->need, user))
                return;
            req->user = user;
            r->fn(app, req, resp);
            req->user = NULL;
            return;
        }
        allowed |= r->methods;
    }
    if (allowed) {
        http_error(resp, 405, "Method %s is not allowed here.", req->method);
        http_header(resp, "Allow", "%s", allow_list(allowed));
        return;
    }
    http_error(resp, 404, "Not Found");
}

/* The answer to a request with a body when every thread that may take one
 * is busy with another (see route_serve_busy). */
static void busy(struct http_req *req, struct http_resp *resp)
{
    http_log(req, LOG_WARN, "refused: every thread that may read a request body is busy with one");
    http_fail(resp, 503, "The server is busy with other uploads; try again in a few seconds.");
    http_header(resp, "Retry-After", "5");
}

static int serve(const struct app *app, char **env, const struct http_in *in, const struct http_out *out,
                 void (*log_sink)(void *, const char *), void *log_ctx, struct http_scratch *scratch, bool is_busy)
{
    struct http_req req;
    struct http_resp resp;
    http_resp_init(&resp, scratch);
    enum pf_err e = http_req_init(&req, env, app->cfg->url_prefix, &resp, scratch);
    req.in = in;
    req.log_sink = log_sink;
    req.log_ctx = log_ctx;
    if (e && resp.status >= 500)
        http_log(&req, LOG_ERROR, "%.*s", resp.own.len ? (int)resp.own.len - 1 : 0, resp.own.p ? resp.own.p : "");
    else if (e)
        http_log(&req, LOG_WARN, "refused request path (malformed percent-encoding, an encoded '/' or '\\', "
                                 "a NUL byte, or too long): %d", resp.status);
    else if (is_busy)
        busy(&req, &resp);
    else
        route_dispatch(app, &req, &resp);
    int rc = http_send(&resp, req.head, out);
    http_resp_free(&resp, scratch);
    http_req_free(&req, scratch);
    return rc;
}

int route_serve(const struct app *app, char **env, const struct http_in *in, const struct http_out *out,
                void (*log_sink)(void *, const char *), void *log_ctx, struct http_scratch *scratch)
{
    return serve(app, env, in, out, log_sink, log_ctx, scratch, false);
}

int route_serve_busy(const struct app *app, char **env, const struct http_out *out,
                     void (*log_sink)(void *, const char *), void *log_ctx, struct http_scratch *scratch)
{
    return serve(app, env, NULL, out, log_sink, log_ctx, scratch, true);
}
