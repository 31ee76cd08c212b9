/* SPDX-License-Identifier: MIT */
/* pages.h: the handlers, one file per page family, and what they share (pages.c). */
#ifndef PF_PAGES_H
#define PF_PAGES_H

#include "auth.h"
#include "route.h"

/* pages.c */
/* True when the request may go on to an action of kind need (AUTH_*, or
 * 0 for none); user then holds who logged in ("" when the action needs
 * no login). Otherwise resp holds the answer auth_allow gave (401, 403,
 * 429, 503). Costs one test when the action needs no login. route_dispatch
 * calls it with the route's column before the handler runs. */
bool page_auth(const struct app *app, struct http_req *req, struct http_resp *resp, unsigned need,
               char user[AUTH_MAX_USER + 1]);
/* Appends the URL this index is served at as the client reached it
 * (scheme, host, and the mount point, no trailing slash) to out. The
 * host comes from the Host header, cut to host-name characters, else
 * SERVER_NAME and SERVER_PORT; callers escape it on output. Behind a
 * --trusted-proxy, its X-Forwarded-Host, -Proto and -Prefix come first. */
void page_base_url(const struct app *app, struct http_req *req, buf_t *out);
/* Sends a 301 to the mount point + path (a path below it), behind the
 * X-Forwarded-Prefix of a --trusted-proxy when it sends a good one. */
void page_redirect(const struct app *app, struct http_req *req, struct http_resp *resp, const char *path);
/* Answers with pg, a cached page, under Content-Type content_type, or with
 * a 304 when the client has it: its ETag is the page's hash and tag (one
 * per representation of the same page), and every client revalidates. */
void page_send(struct http_req *req, struct http_resp *resp, const struct page *pg, const char *content_type,
               char tag);
/* Hands resp the reference p or r (index_project, index_root) that its
 * body borrows from; http_resp_free releases it. */
void page_hold_project(const struct app *app, struct http_resp *resp, struct index_project *p);
void page_hold_root(struct http_resp *resp, struct index_root *r);

/* page_root.c */
void page_welcome(const struct app *app, struct http_req *req, struct http_resp *resp);
void page_health(const struct app *app, struct http_req *req, struct http_resp *resp);
/* page_rpc.c */
/* POST /RPC2: the XML-RPC search `pip search --index URL` calls (a body
 * of at most XMLRPC_MAX_BODY bytes; xmlrpc.h says what it may hold). */
void page_rpc(const struct app *app, struct http_req *req, struct http_resp *resp);
/* True when the request's Content-Type is text/xml, as pip search sends
 * (route.c sends such a POST to the upload URL to page_rpc). */
bool page_rpc_is_xml(const struct http_req *req);
/* page_simple.c */
void page_simple(const struct app *app, struct http_req *req, struct http_resp *resp);
/* /<name>/ and /<name>: 301 to /simple/<normalized>/, as pypiserver does,
 * so that the server root works as an index URL (pip asks for
 * <index>/<name>/). */
void page_project_redirect(const struct app *app, struct http_req *req, struct http_resp *resp);
/* page_api.c */
/* The JSON API: /pypi/<name>/json, /pypi/<name>/<version>/json and
 * pypiserver's /<name>/json. */
void page_api(const struct app *app, struct http_req *req, struct http_resp *resp);
/* page_upload.c */
void page_upload(const struct app *app, struct http_req *req, struct http_resp *resp);
/* page_upstream.c */
/* A file of the upstream cache: rel is what follows
 * /packages/+upstream/ (upstream.h). */
void page_upstream_files(const struct app *app, struct http_req *req, struct http_resp *resp, sv_t rel);
/* page_files.c */
void page_files(const struct app *app, struct http_req *req, struct http_resp *resp);
/* /packages/: every file with its sha256 (pip --find-links); /packages
 * redirects there. */
void page_packages(const struct app *app, struct http_req *req, struct http_resp *resp);

#endif
