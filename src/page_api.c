/* SPDX-License-Identifier: MIT */
/* page_api.c: the JSON API: /pypi/<project>/json, /pypi/<project>/<version>/json and pypiserver's /<project>/json. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "name.h"
#include "pages.h"
#include "render.h"

/* The parts of a JSON API path. */
struct api_path {
    bool pypi;    /* under /pypi/ (else pypiserver's /<name>/json) */
    sv_t name;    /* as asked */
    sv_t version; /* as asked; .p NULL for the project's page */
};

/* Splits "/pypi/<name>/json", "/pypi/<name>/<version>/json" or
 * "/<name>/json"; false for any other shape. */
static bool parse_path(sv_t path, struct api_path *out)
{
    *out = (struct api_path){ 0 };
    if (path.len < 7 || !sv_ends_with(path, SV_LIT("/json")))
        return false; /* the shortest is "/p/json" */
    sv_t rest = sv_make(path.p + 1, path.len - 6); /* between the first '/' and "/json" */
    if (sv_starts_with(rest, SV_LIT("pypi/"))) {
        out->pypi = true;
        rest = sv_make(rest.p + 5, rest.len - 5);
    }
    long slash = sv_index(rest, '/');
    out->name = slash < 0 ? rest : sv_make(rest.p, (size_t)slash);
    if (slash >= 0) {
        if (!out->pypi)
            return false;
        out->version = sv_make(rest.p + slash + 1, rest.len - (size_t)slash - 1);
        if (!out->version.len || memchr(out->version.p, '/', out->version.len))
            return false;
    }
    return out->name.len > 0;
}

static void release_page(void *owner, void *pg)
{
    (void)owner;
    page_free(pg);
}

/* The index of the version called raw in p, or -1: the one written the
 * same once normalized, else the first equal to it (3.0.0-rc.1 is 3.0rc1). */
static long find_version(const struct index_project *p, sv_t raw)
{
    version_t v, w;
    buf_t norm;
    buf_init(&norm, 512);
    long found = -1;
    if (raw.len <= 255 && version_parse(raw, &v) == PF_EOK && version_normalize(&v, &norm) == PF_EOK) {
        for (size_t i = 0; i < p->nversions && found < 0; i++)
            if (strcmp(p->versions[i], norm.p) == 0)
                found = (long)i;
        for (size_t i = 0; i < p->nversions && found < 0; i++)
            if (version_parse(sv_cstr(p->versions[i]), &w) == PF_EOK && version_cmp(&v, &w) == 0)
                found = (long)i;
    }
    buf_free(&norm);
    return found;
}

/* Renders the page of versions[v] of p for base into *out. A metadata
 * file that cannot be read leaves "info" to what the index knows, and
 * the page is not to be kept (*keep false), so that a later request tries
 * again. */
static enum pf_err render(const struct app *app, struct http_req *req, struct index_project *p, size_t v,
                          bool releases, sv_t base, struct page **out, bool *keep)
{
    *keep = true;
    const struct index_file *f = index_version_source(p, v);
    char *md = NULL;
    size_t len = 0;
    if (f) {
        enum pf_err me = index_read_metadata(app->idx, f, &md, &len);
        if (me == PF_ENOMEM)
            return me;
        if (me) {
            http_log(req, LOG_WARN, "the metadata of %s cannot be read (%s): its JSON info is left empty",
                     f->filename, pf_strerror(me));
            *keep = false;
        }
    }
    struct pkginfo pi;
    enum pf_err e = pkginfo_parse(sv_make(md ? md : "", md ? len : 0), &pi);
    if (!e && pi.dropped)
        http_log(req, LOG_WARN, "the metadata of %s has more than %d repeated fields: %zu left out", f->filename,
                 PKGINFO_MAX_VALUES, pi.dropped);
    buf_t b;
    buf_init(&b, RENDER_MAX_PAGE);
    if (!e)
        e = render_api_json(p, v, releases, &pi, base, &b);
    if (!e)
        e = page_make(&b, out);
    if (!e && !((*out)->base = strndup(base.p, base.len))) {
        page_free(*out);
        e = PF_ENOMEM;
    }
    buf_free(&b);
    pkginfo_free(&pi);
    free(md);
    return e;
}

/* Redirects to the same page under the normalized name. */
static void redirect(const struct app *app, struct http_req *req, struct http_resp *resp, const struct api_path *ap, const char *norm)
{
    buf_t to;
    buf_init(&to, 1024);
    (void)buf_printf(&to, "%s%s/", ap->pypi ? "/pypi/" : "/", norm);
    if (ap->version.p) {
        (void)buf_append_sv(&to, ap->version);
        (void)buf_append_char(&to, '/');
    }
    if (buf_append_str(&to, "json"))
        http_error(resp, 414, "The redirect target is too long.");
    else
        page_redirect(app, req, resp, to.p);
    buf_free(&to);
}

void page_api(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    struct api_path ap;
    char norm[NAME_MAX_LEN + 1];
    if (!parse_path(buf_sv(&req->path), &ap) || !name_is_valid(ap.name) ||
        name_normalize(ap.name, norm, sizeof norm) == 0) {
        http_error(resp, 404, "Not Found: the JSON API's pages are /pypi/<project>/json and "
                              "/pypi/<project>/<version>/json.");
        return;
    }
    if (!sv_eq(ap.name, sv_cstr(norm))) {
        redirect(app, req, resp, &ap, norm);
        return;
    }
    struct index_project *p;
    enum pf_err e = index_project(app->idx, norm, &p);
    if (e == PF_ENOTFOUND) {
        /* Never a fallback to a public index: that invites dependency confusion. */
        http_error(resp, 404, "Not Found: no project called %s here.", norm);
        return;
    }
    if (e) {
        http_log(req, LOG_ERROR, "cannot build the snapshot of %s: %s", norm, pf_strerror(e));
        http_err_page(resp, e, HTTP_BLAME_SERVER, "The page of %s could not be built", norm);
        return;
    }
    page_hold_project(app, resp, p);
    long v = ap.version.p ? find_version(p, ap.version) : (long)index_latest_version(p);
    if (v < 0) {
        http_error(resp, 404, "Not Found: %s has no version %.*s here.", norm, (int)ap.version.len, ap.version.p);
        return;
    }
    struct page *_Atomic *slots = &p->api[INDEX_API_BASES * (ap.version.p ? 1 + (size_t)v : 0)];
    buf_t base;
    buf_init(&base, 2048);
    page_base_url(app, req, &base);
    const char *b = base.p ? base.p : "";
    struct page *pg = NULL;
    for (size_t i = 0; i < INDEX_API_BASES && !pg; i++) {
        pg = atomic_load(&slots[i]);
        if (pg && strcmp(pg->base, b) != 0)
            pg = NULL;
    }
    /* The page keeps the URLs of the base it was rendered for: one for
     * each of the first INDEX_API_BASES bases that ask; a request under
     * yet another gets a page of its own. */
    bool keep = false;
    if (!pg && !buf_err(&base)) {
        e = render(app, req, p, (size_t)v, !ap.version.p, buf_sv(&base), &pg, &keep);
        bool kept = false, taken = false;
        for (size_t i = 0; !e && keep && !kept && !taken && i < INDEX_API_BASES; i++) {
            const struct page *other = atomic_load(&slots[i]);
            taken = other && strcmp(other->base, b) == 0; /* another thread was first */
            kept = !taken && index_project_keep(app->idx, p, &slots[i], pg);
        }
        if (!e && !kept)
            http_resp_hold(resp, release_page, NULL, pg); /* the body borrows from pg alone */
    }
    if (!e && buf_err(&base))
        e = buf_err(&base);
    buf_free(&base);
    if (e) {
        http_log(req, LOG_ERROR, "cannot build the JSON page of %s: %s", norm, pf_strerror(e));
        http_err_page(resp, e, HTTP_BLAME_SERVER, "The JSON page of %s could not be built", norm);
        return;
    }
    page_send(req, resp, pg, "application/json", 'a');
}
