/* SPDX-License-Identifier: MIT */
/* page_files.c: /packages/<path> and its PEP 658 .metadata, offloaded or streamed; the /packages/ listing. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "escape.h"
#include "pages.h"
#include "upstream.h"
#include "urlpath.h"

/* Cache-Control of a file and of its .metadata. A file that needs a login
 * must not sit in a shared cache, which would hand it to anyone; a file an
 * upload may replace (--overwrite) is never immutable: a client would keep
 * its old copy and pip would fail on the new hash. no-cache still lets a
 * client keep it and revalidate with the ETag (the sha256). --cache-control
 * AGE replaces the rest as pypiserver's does (public, max-age=AGE), still
 * private behind a login. The web servers keep this header on an offloaded
 * answer (docs/webservers.md). */
static void cache_control(const struct config *cfg, struct http_resp *resp)
{
    bool login = cfg->authenticate & AUTH_DOWNLOAD;
    const char *cc;
    if (cfg->cache_control) {
        http_header(resp, "Cache-Control", "%s, max-age=%ld", login ? "private" : "public", cfg->cache_control);
        return;
    }
    if (cfg->overwrite)
        cc = login ? "private, no-cache" : "no-cache";
    else
        cc = login ? "private, max-age=31536000, immutable" : "public, max-age=31536000, immutable";
    http_header(resp, "Cache-Control", "%s", cc);
}

static void metadata(const struct app *app, struct http_req *req, struct http_resp *resp, const struct index_file *f)
{
    char *md;
    size_t len;
    enum pf_err e = index_read_metadata(app->idx, f, &md, &len);
    if (e) {
        /* The page promised it; a broken promise makes pip fail, so say why. */
        http_log(req, LOG_ERROR, "METADATA of %s unavailable: %s", f->relpath, pf_strerror(e));
        http_error(resp, http_err_status(e, HTTP_BLAME_SERVER), "The metadata of %s is not available.", f->filename);
        return;
    }
    e = buf_append(&resp->own, md, len);
    free(md);
    if (e) {
        http_error(resp, 500, "The metadata of %s is too large.", f->filename);
        return;
    }
    http_header(resp, "Content-Type", "text/plain; charset=utf-8");
    /* Uploaders write METADATA: a browser must not take it for HTML. */
    http_header(resp, "X-Content-Type-Options", "nosniff");
    http_header(resp, "ETag", "\"%s\"", f->rec.metadata_sha256);
    cache_control(app->cfg, resp);
}

static void offload(const struct app *app, struct http_req *req, struct http_resp *resp, const struct index_file *f)
{
    /* The web server opens the path it is given, following symlinks on its
     * own (lighttpd's x-sendfile-docroot only compares strings): it is
     * given the file's real path, checked inside the root just now, so a
     * directory swapped for a link since the listing leads nowhere. */
    buf_t rel, target;
    buf_init(&rel, HTTP_MAX_URI);
    buf_init(&target, HTTP_MAX_URI * 2);
    const char *why;
    enum pf_err e = index_real_relpath(app->idx, f, &rel, &why);
    if (e) {
        http_log(req, LOG_WARN, "%s cannot be sent: %s", f->relpath, why ? why : pf_strerror(e));
        buf_free(&rel);
        buf_free(&target);
        http_error(resp, 404, "Not Found");
        return;
    }
    if (app->cfg->sendfile == SENDFILE_X_SENDFILE) {
        /* Real paths pass urlpath_relpath_ok: [A-Za-z0-9._+!@=,~-] only,
         * which lighttpd's URL-decoding and Apache's literal reading agree
         * on. */
        if (!(e = buf_printf(&target, "%s/%s", app->cfg->roots[f->root], rel.p)))
            http_header(resp, "X-Sendfile", "%s", target.p);
    } else {
        /* nginx takes a URI of an internal location; with several roots
         * each has its own location under the prefix. */
        (void)buf_append_str(&target, app->cfg->accel_prefix);
        if (app->cfg->nroots > 1)
            (void)buf_printf(&target, "%u/", f->root);
        if (!(e = escape_url_path(&target, buf_sv(&rel))))
            http_header(resp, "X-Accel-Redirect", "%s", target.p);
    }
    buf_free(&rel);
    buf_free(&target);
    if (e) {
        http_error(resp, 500, "The path of %s is too long.", f->filename);
        return;
    }
    resp->offload = true;
}

static void stream(const struct app *app, struct http_req *req, struct http_resp *resp, const struct index_file *f)
{
    const char *why;
    int fd = index_open_file(app->idx, f, &why);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        http_log(req, LOG_WARN, "%s cannot be opened: %s", f->relpath, fd < 0 ? why : strerror(errno));
        if (fd >= 0)
            close(fd);
        http_error(resp, 404, "Not Found");
        return;
    }
    resp->file_fd = fd;
    resp->file_len = (uint64_t)st.st_size;
}

void page_files(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    sv_t rel = sv_make(req->path.p + 10, req->path.len - 10); /* after "/packages/" */
    if (!urlpath_relpath_ok(rel)) {
        /* Traversal attempts and names no index file can have. */
        http_log(req, LOG_WARN, "refused file path (outside the roots or not a file name)");
        http_error(resp, 404, "Not Found");
        return;
    }
    if (app->upstream && sv_starts_with(rel, SV_LIT(UPSTREAM_PATH))) {
        page_upstream_files(app, req, resp, sv_make(rel.p + strlen(UPSTREAM_PATH), rel.len - strlen(UPSTREAM_PATH)));
        return;
    }
    bool want_md = sv_ends_with(rel, SV_LIT(".metadata"));
    struct index_project *p;
    const struct index_file *f;
    enum pf_err e = index_find_file(app->idx, want_md ? sv_make(rel.p, rel.len - 9) : rel, &p, &f);
    if (!e)
        page_hold_project(app, resp, p); /* f points into it */
    if (e) {
        if (e != PF_ENOTFOUND)
            http_log(req, LOG_ERROR, "lookup failed: %s", pf_strerror(e));
        else
            http_log(req, LOG_INFO, "no indexed file at this path");
        http_error(resp, http_err_status(e, HTTP_BLAME_SERVER), "%s", e == PF_ENOTFOUND ? "Not Found" : pf_strerror(e));
        return;
    }
    if (want_md && !index_file_pep658(f)) {
        http_error(resp, 404, "Not Found: only a wheel's metadata is served (PEP 658).");
        return;
    }
    if (want_md) {
        metadata(app, req, resp, f);
        return;
    }
    /* Never a Content-Encoding: pip hashes the bytes as sent. */
    http_header(resp, "Content-Type", "application/octet-stream");
    http_header(resp, "ETag", "\"%s\"", f->rec.sha256);
    cache_control(app->cfg, resp);
    if (app->cfg->sendfile == SENDFILE_NONE)
        stream(app, req, resp, f);
    else
        offload(app, req, resp, f);
}

static void release_listing(void *owner, void *l)
{
    (void)owner;
    index_listing_release(l);
}

/* The listing of every file (pip's --find-links, as pypiserver serves it),
 * validated and cached as the /simple/ project list is. */
static void listing(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    struct index_listing *l;
    enum pf_err e = index_listing(app->idx, &l);
    if (e == PF_EUNAVAIL) {
        /* The first build is running (on another thread): pip retries a
         * 503, and no thread is held waiting for the build. */
        http_log(req, LOG_INFO, "the file listing is being built: answered 503");
        http_error(resp, 503, "The file listing is being built; try again in a few seconds.");
        http_header(resp, "Retry-After", "5");
        return;
    }
    if (e) {
        /* Never a page cut at a cap: pip would take it for the whole index. */
        http_log(req, LOG_ERROR, "cannot build the file listing: %s", pf_strerror(e));
        if (e == PF_EIO)
            http_error(resp, 503, "The file listing could not be built: %s.", pf_strerror(e));
        else
            http_err_page(resp, e, HTTP_BLAME_SERVER, "The file listing could not be built");
        return;
    }
    http_resp_hold(resp, release_listing, NULL, l);
    const struct page *pg = l->page;
    char etag[36];
    snprintf(etag, sizeof etag, "\"%s\"", pg->hash);
    http_header(resp, "Content-Type", "text/html; charset=utf-8");
    http_header(resp, "ETag", "%s", etag);
    /* As the simple pages: every client revalidates, so a new file shows. */
    http_header(resp, "Cache-Control", "max-age=0, must-revalidate");
    if (http_etag_match(req->if_none_match, etag)) {
        resp->status = 304;
        return;
    }
    resp->body = pg->body;
    resp->body_len = pg->len;
}

void page_packages(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    if (sv_eq(buf_sv(&req->path), SV_LIT("/packages")))
        page_redirect(app, req, resp, "/packages/");
    else
        listing(app, req, resp);
}
