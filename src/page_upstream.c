/* SPDX-License-Identifier: MIT */
/* page_upstream.c: files from the upstream index (/packages/+upstream/<project>/<file> and its .metadata): fetched once, checked, streamed to the first clients, then offloaded. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "digest.h"
#include "escape.h"
#include "name.h"
#include "pages.h"
#include "upstream.h"
#include "upstream_file.h"
#include "upstream_http.h"

/* The largest .metadata fetched (a wheel's METADATA). */
#define UP_MAX_METADATA ((uint64_t)16 << 20)
/* The largest file fetched when the upstream does not give its size. */
#define UP_MAX_FILE ((uint64_t)64 << 30)
/* Bytes a follower reads at a time. */
#define UP_CHUNK 65536

/* A fetch streamed to its first client. The newest piece is held back
 * until the whole file has passed its hash, so that a file that fails it
 * never reaches a client whole. */
struct fetch {
    struct upstream *u;
    struct upf h;
    struct upstream_file f;
    struct http_resp *resp;
    const struct http_out *out;
    bool client_gone;
    buf_t held;
    char norm[NAME_MAX_LEN + 1];
};

static bool fetch_sink(void *ctx, const void *p, size_t n)
{
    struct fetch *x = ctx;
    if (upf_write(&x->h, p, n) != PF_EOK)
        return false;
    /* The client gets the head with the first byte, then the piece
     * before this one; one that has gone away does not stop the fetch,
     * which others may be following. */
    if (!x->client_gone && !x->resp->head_sent && http_send_head(x->resp, x->out))
        x->client_gone = true;
    if (!x->client_gone && x->held.len && x->out->write(x->out->ctx, x->held.p, x->held.len))
        x->client_gone = true;
    buf_reset(&x->held);
    if (buf_append(&x->held, p, n))
        return false;
    return true;
}

/* The answer to a fetch that failed before its first byte reached the
 * client: what the upstream said, as for a page. */
static void fetch_refused(struct fetch *x, const struct uphttp_file *r, const char *bad)
{
    int status = r->kind == UPHTTP_TIMEOUT ? 504 : r->kind == UPHTTP_NO && r->status == 404 ? 404 : 502;
    http_error(x->resp, status, "%s could not be fetched from the upstream index: %s.", x->h.name, bad);
}

static int fetch_produce(void *ctx, struct http_resp *resp, const struct http_out *out)
{
    struct fetch *x = ctx;
    x->resp = resp;
    x->out = out;
    buf_t err;
    buf_init(&err, 1024);
    struct uphttp_file r = { 0 };
    uint64_t cap = x->f.size >= 0 ? (uint64_t)x->f.size : UP_MAX_FILE;
    enum pf_err e = uphttp_file(upstream_http_opts(x->u), x->f.url, cap, fetch_sink, x, &r, &err);
    const char *bad = NULL;
    if (e || r.kind != UPHTTP_OK)
        bad = r.kind == UPHTTP_OK ? pf_strerror(e) : uphttp_kind_name(r.kind);
    else if (strcmp(r.sha256, x->f.sha256) != 0)
        bad = "its sha256 is not the one the upstream's page gives";
    else if (x->f.size >= 0 && r.size != (uint64_t)x->f.size)
        bad = "its size is not the one the upstream's page gives";
    else if ((e = upf_commit(&x->h)))
        bad = pf_strerror(e);
    int rc = 0;
    if (bad) {
        LOG(LOG_ERROR, "upstream file %s/%s not kept: %s%s%s", x->norm, x->h.name, bad, err.len ? ": " : "",
            err.len ? err.p : "");
        upf_abandon(&x->h);
        if (resp->head_sent)
            rc = -1;
        else
            fetch_refused(x, &r, bad);
    } else {
        LOG(LOG_INFO, "upstream file %s/%s fetched and kept (%llu bytes)", x->norm, x->h.name,
            (unsigned long long)r.size);
        if (!x->client_gone && !resp->head_sent && http_send_head(resp, out))
            x->client_gone = true;
        if (x->client_gone || (x->held.len && out->write(out->ctx, x->held.p, x->held.len)))
            rc = -1;
    }
    buf_free(&err);
    return rc;
}

static void fetch_free(void *ctx)
{
    struct fetch *x = ctx;
    upf_close(&x->h); /* a fetch that never ran (HEAD) leaves nothing */
    upstream_fetch_done(x->u);
    buf_free(&x->held);
    free(x);
}

/* A client following another's fetch. */
struct follow {
    struct upstream *u;
    struct upf h;
    int idle_ms;
};

static int follow_produce(void *ctx, struct http_resp *resp, const struct http_out *out)
{
    struct follow *x = ctx;
    char *chunk = malloc(UP_CHUNK);
    if (!chunk)
        return -1;
    int rc = -1;
    for (;;) {
        size_t got;
        enum pf_err e = upf_follow(&x->h, chunk, UP_CHUNK, &got, x->idle_ms);
        if (e) {
            LOG(LOG_WARN, "upstream file %s: the fetch this answer followed failed", x->h.name);
            if (!resp->head_sent) {
                http_error(resp, 502, "%s could not be fetched from the upstream index.", x->h.name);
                rc = 0;
            }
            break;
        }
        if (!resp->head_sent && http_send_head(resp, out))
            break;
        if (!got) {
            rc = 0;
            break;
        }
        if (out->write(out->ctx, chunk, got))
            break;
    }
    free(chunk);
    return rc;
}

static void follow_free(void *ctx)
{
    struct follow *x = ctx;
    upf_close(&x->h);
    upstream_follow_done(x->u);
    free(x);
}

static void file_headers(struct http_resp *resp, const char *sha256)
{
    http_header(resp, "Content-Type", "application/octet-stream");
    http_header(resp, "ETag", "\"%s\"", sha256);
    /* A file's bytes are fixed by the hash in its URL's page. */
    http_header(resp, "Cache-Control", "public, max-age=31536000, immutable");
}

/* The complete file, handed to the web server (or streamed). */
static void send_complete(const struct app *app, struct http_req *req, struct http_resp *resp, struct upf *h,
                          const char *norm, const char *sha256)
{
    if (app->cfg->sendfile == SENDFILE_NONE) {
        resp->file_fd = h->fd;
        resp->file_len = h->size;
        h->fd = -1;
        upf_close(h);
        return;
    }
    buf_t target;
    buf_init(&target, HTTP_MAX_URI * 2);
    enum pf_err e;
    if (app->cfg->sendfile == SENDFILE_X_SENDFILE) {
        e = buf_printf(&target, "%s/%s/%s/%s", upstream_files_path(app->upstream), norm, sha256, h->name);
        if (!e)
            http_header(resp, "X-Sendfile", "%s", target.p);
    } else {
        (void)buf_printf(&target, "%s" UPSTREAM_PATH "%s/%s/", app->cfg->accel_prefix, norm, sha256);
        if (!(e = escape_url_path(&target, sv_cstr(h->name))))
            http_header(resp, "X-Accel-Redirect", "%s", target.p);
    }
    buf_free(&target);
    upf_close(h);
    if (e) {
        http_log(req, LOG_ERROR, "the path of %s is too long", h->name);
        http_error(resp, 500, "The path of this file is too long.");
        return;
    }
    resp->offload = true;
}

static void busy(struct http_req *req, struct http_resp *resp, const char *what)
{
    http_log(req, LOG_WARN, "%s: every slot is taken; answered 503", what);
    http_error(resp, 503, "The index is fetching as many files from its upstream as it may at once; "
                          "try again in a few seconds.");
    http_header(resp, "Retry-After", "5");
}

static void file(const struct app *app, struct http_req *req, struct http_resp *resp, const char *norm,
                 const struct upstream_file *f, const char *filename)
{
    struct upstream *u = app->upstream;
    struct upf h;
    enum pf_err e = upf_open(upstream_files_fd(u), norm, f->sha256, filename, &h);
    if (e) {
        http_log(req, LOG_ERROR, "upstream cache: %s/%s cannot be opened: %s", norm, filename, strerror(errno));
        http_error(resp, 503, "The cache of upstream files cannot be used: %s.", strerror(errno));
        return;
    }
    file_headers(resp, f->sha256);
    if (h.role == UPF_COMPLETE) {
        send_complete(app, req, resp, &h, norm, f->sha256);
        return;
    }
    uint64_t len = f->size >= 0 ? (uint64_t)f->size : HTTP_LEN_UNKNOWN;
    bool fetcher = h.role == UPF_FETCHER;
    void *x = calloc(1, fetcher ? sizeof(struct fetch) : sizeof(struct follow));
    if (!x || !(fetcher ? upstream_fetch_slot(u) : upstream_follow_slot(u))) {
        upf_close(&h);
        if (x)
            busy(req, resp, filename);
        else
            http_error(resp, 500, "Out of memory.");
        free(x);
        return;
    }
    if (fetcher) {
        struct fetch *fx = x;
        fx->u = u;
        fx->h = h;
        fx->f = *f;
        snprintf(fx->norm, sizeof fx->norm, "%s", norm);
        buf_init(&fx->held, 4 << 20);
        http_log(req, LOG_INFO, "fetching %s from the upstream", filename);
        http_resp_produce(resp, fetch_produce, fetch_free, fx, len);
    } else {
        struct follow *fx = x;
        fx->u = u;
        fx->h = h;
        fx->idle_ms = (int)(upstream_http_opts(u)->read_timeout_s * 1000 + 5000);
        http_resp_produce(resp, follow_produce, follow_free, fx, len);
    }
}

static bool metadata_sink(void *ctx, const void *p, size_t n)
{
    return upf_write(ctx, p, n) == PF_EOK;
}

/* Fetches a .metadata into h (its fetcher), checks it and commits it.
 * NULL, or why it was not kept (h is then closed). */
static const char *fetch_metadata(struct upstream *u, struct upf *h, const char *url, const char *sha256,
                                  buf_t *err)
{
    struct uphttp_file r = { 0 };
    const char *bad = NULL;
    enum pf_err e = uphttp_file(upstream_http_opts(u), url, UP_MAX_METADATA, metadata_sink, h, &r, err);
    if (e || r.kind != UPHTTP_OK)
        bad = r.kind == UPHTTP_OK ? pf_strerror(e) : uphttp_kind_name(r.kind);
    else if (strcmp(r.sha256, sha256) != 0)
        bad = "its sha256 is not the one the upstream's page gives";
    else if (upf_commit(h))
        bad = "it cannot be written to the cache";
    if (bad)
        upf_abandon(h);
    return bad;
}

/* A wheel's .metadata (PEP 658): small, so fetched whole before the
 * answer, then sent from the cache. */
static void metadata(const struct app *app, struct http_req *req, struct http_resp *resp, const char *norm,
                     const struct upstream_file *f, const char *filename)
{
    struct upstream *u = app->upstream;
    char name[DISTFILE_MAX_LEN + 16], url[UP_MAX_URL + 16];
    snprintf(name, sizeof name, "%s.metadata", filename);
    snprintf(url, sizeof url, "%s.metadata", f->url);
    struct upf h;
    if (upf_open(upstream_files_fd(u), norm, f->core_metadata_sha256, name, &h)) {
        http_log(req, LOG_ERROR, "upstream cache: %s/%s cannot be opened: %s", norm, name, strerror(errno));
        http_error(resp, 503, "The cache of upstream files cannot be used: %s.", strerror(errno));
        return;
    }
    if (h.role == UPF_FETCHER) {
        buf_t err;
        buf_init(&err, 1024);
        const char *bad = fetch_metadata(u, &h, url, f->core_metadata_sha256, &err);
        if (bad) {
            http_log(req, LOG_ERROR, "upstream file %s/%s not kept: %s%s%s", norm, name, bad, err.len ? ": " : "",
                     err.len ? err.p : "");
            http_error(resp, 502, "The metadata of %s could not be fetched from the upstream index: %s.", filename,
                       bad);
            buf_free(&err);
            return;
        }
        buf_free(&err);
    } else if (h.role == UPF_FOLLOWER) {
        /* Another fetches it: wait for the whole (it is small). */
        char chunk[4096];
        size_t got;
        enum pf_err e;
        int idle = (int)(upstream_http_opts(u)->read_timeout_s * 1000 + 5000);
        while (!(e = upf_follow(&h, chunk, sizeof chunk, &got, idle)) && got)
            ;
        if (e) {
            upf_close(&h);
            http_error(resp, 502, "The metadata of %s could not be fetched from the upstream index.", filename);
            return;
        }
    }
    struct stat st;
    if (fstat(h.fd, &st) != 0) {
        upf_close(&h);
        http_error(resp, 500, "The metadata of %s cannot be read.", filename);
        return;
    }
    http_header(resp, "Content-Type", "text/plain; charset=utf-8");
    http_header(resp, "X-Content-Type-Options", "nosniff");
    http_header(resp, "ETag", "\"%s\"", f->core_metadata_sha256);
    http_header(resp, "Cache-Control", "public, max-age=31536000, immutable");
    if (lseek(h.fd, 0, SEEK_SET) != 0) {
        upf_close(&h);
        http_error(resp, 500, "The metadata of %s cannot be read.", filename);
        return;
    }
    resp->file_fd = h.fd;
    resp->file_len = (uint64_t)st.st_size;
    h.fd = -1;
    upf_close(&h);
}

void page_upstream_files(const struct app *app, struct http_req *req, struct http_resp *resp, sv_t rel)
{
    /* rel: "<project>/<file>" after "+upstream/", checked by
     * urlpath_relpath_ok: one '/' between a normalized name and a file. */
    long slash = sv_index(rel, '/');
    char norm[NAME_MAX_LEN + 1], filename[DISTFILE_MAX_LEN + 1];
    sv_t n = slash > 0 ? sv_make(rel.p, (size_t)slash) : sv_make(NULL, 0);
    sv_t fn = slash > 0 ? sv_make(rel.p + slash + 1, rel.len - (size_t)slash - 1) : sv_make(NULL, 0);
    bool want_md = sv_ends_with(fn, SV_LIT(".metadata"));
    if (want_md)
        fn.len -= 9;
    if (!app->upstream || slash <= 0 || n.len > NAME_MAX_LEN || !name_is_normalized(n) || fn.len == 0 ||
        fn.len > DISTFILE_MAX_LEN || sv_index(fn, '/') >= 0) {
        http_error(resp, 404, "Not Found");
        return;
    }
    memcpy(norm, n.p, n.len);
    norm[n.len] = '\0';
    memcpy(filename, fn.p, fn.len);
    filename[fn.len] = '\0';
    /* A name with local files, or one the rules keep off the upstream,
     * never gets a file from there, whatever was cached before. */
    char why[256];
    struct index_project *local;
    enum pf_err e = index_project(app->idx, norm, &local);
    if (!e)
        index_project_release(app->idx, local);
    if (e != PF_ENOTFOUND || !upstream_name_ok(app->upstream, norm, why, sizeof why)) {
        http_log(req, LOG_INFO, "no upstream file for %s: %s", norm, e == PF_ENOTFOUND ? why : "it has local files");
        http_error(resp, 404, "Not Found");
        return;
    }
    struct upstream_file f;
    struct upstream_result res;
    e = upstream_file(app->upstream, norm, filename, &f, &res);
    if (e) {
        if (res.status != 404)
            http_log(req, LOG_WARN, "%s", res.why);
        http_error(resp, res.status ? res.status : pf_errstatus(e), "%s.", res.why);
        return;
    }
    if (want_md && !f.core_metadata) {
        http_error(resp, 404, "Not Found: the upstream offers no metadata of %s.", filename);
        return;
    }
    if (want_md)
        metadata(app, req, resp, norm, &f, filename);
    else
        file(app, req, resp, norm, &f, filename);
}
