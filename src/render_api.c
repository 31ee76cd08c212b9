/* SPDX-License-Identifier: MIT */
/* render_api.c: the JSON API pages (/pypi/<name>/json, /pypi/<name>/<version>/json, pypiserver's /<name>/json). */
#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"
#include "name.h"
#include "render.h"
#include "vec.h"

/* Every writer below appends without looking at each result: out keeps
 * its first failure (buf.h) and each page function returns it once. */

static void put_str(buf_t *out, sv_t s)
{
    buf_append_char(out, '"');
    escape_json(out, s);
    buf_append_char(out, '"');
}

/* A value of the metadata unfolded into tmp (a scratch buffer), then
 * written as a JSON string. */
static void put_value(buf_t *out, buf_t *tmp, sv_t v)
{
    buf_reset(tmp);
    pkginfo_unfold(tmp, v);
    buf_fail(out, buf_err(tmp));
    put_str(out, buf_sv(tmp));
}

static void put_single(buf_t *out, buf_t *tmp, const struct pkginfo *pi, enum pkginfo_key k)
{
    if (!pi->single[k].p) {
        buf_append_str(out, "null");
        return;
    }
    buf_reset(tmp);
    pkginfo_single(tmp, pi, k);
    buf_fail(out, buf_err(tmp));
    put_str(out, buf_sv(tmp));
}

/* The repeated values of k as a list; null when there are none, unless
 * empty_list ([] then, as classifiers always are). */
static void put_list(buf_t *out, buf_t *tmp, const struct pkginfo *pi, enum pkginfo_key k, bool empty_list)
{
    size_t n = 0;
    for (size_t i = 0; i < pi->nmulti; i++) {
        if (pi->multi[i].key != k)
            continue;
        buf_append_char(out, n++ ? ',' : '[');
        put_value(out, tmp, pi->multi[i].value);
    }
    if (n)
        buf_append_char(out, ']');
    else
        buf_append_str(out, empty_list ? "[]" : "null");
}

/* "Label, URL" to the label and the URL, both trimmed. */
static void split_project_url(sv_t v, sv_t *label, sv_t *url)
{
    long comma = sv_index(v, ',');
    *label = sv_trim(sv_make(v.p, comma < 0 ? v.len : (size_t)comma));
    *url = comma < 0 ? sv_make(v.p + v.len, 0) : sv_trim(sv_make(v.p + comma + 1, v.len - (size_t)comma - 1));
}

/* A Project-URL's label as it is printed (unfolded, JSON-escaped), at
 * [off, off + len) of a scratch buffer, and where its value is. */
struct label {
    size_t off, len, i;
};

/* Labels in byte order, then in the order given; base is the scratch
 * buffer they are in. */
static int by_label(const void *a, const void *b, void *base)
{
    const struct label *x = a, *y = b;
    const char *k = base;
    size_t n = x->len < y->len ? x->len : y->len;
    /* base is NULL when every label is empty: nothing to compare then */
    int c = n ? memcmp(k + x->off, k + y->off, n) : 0;
    if (!c)
        c = x->len < y->len ? -1 : x->len > y->len;
    return c ? c : (x->i < y->i ? -1 : x->i > y->i);
}

/* project_urls: an object of the Project-URL values, the first of each
 * label as printed (two labels that differ only in folds or in bytes
 * that are no UTF-8 are one key); null when there are none. The labels
 * are sorted once, so this stays n log n in the values. */
static void put_project_urls(buf_t *out, buf_t *tmp, const struct pkginfo *pi)
{
    struct label *ls = NULL;
    size_t n = 0, cap = 0;
    buf_t keys;
    buf_init(&keys, RENDER_MAX_PAGE);
    for (size_t i = 0; i < pi->nmulti; i++) {
        if (pi->multi[i].key != PKGINFO_PROJECT_URLS)
            continue;
        if (vec_reserve(&ls, &cap, n, sizeof *ls, 8)) {
            buf_fail(out, PF_ENOMEM);
            break;
        }
        sv_t label, url;
        split_project_url(pi->multi[i].value, &label, &url);
        buf_reset(tmp);
        pkginfo_unfold(tmp, label);
        size_t off = keys.len;
        escape_json(&keys, buf_sv(tmp));
        ls[n++] = (struct label){ off, keys.len - off, i };
    }
    buf_fail(out, buf_err(&keys));
    bool *dup = calloc(pi->nmulti ? pi->nmulti : 1, sizeof *dup);
    if (!dup)
        buf_fail(out, PF_ENOMEM);
    if (!buf_err(out) && n) {
        qsort_r(ls, n, sizeof *ls, by_label, keys.p);
        for (size_t k = 1; k < n; k++)
            dup[ls[k].i] = ls[k].len == ls[k - 1].len && (!ls[k].len || memcmp(keys.p + ls[k].off, keys.p + ls[k - 1].off, ls[k].len) == 0);
    }
    size_t shown = 0;
    for (size_t i = 0; i < pi->nmulti && !buf_err(out); i++) {
        if (pi->multi[i].key != PKGINFO_PROJECT_URLS || dup[i])
            continue;
        sv_t label, url;
        split_project_url(pi->multi[i].value, &label, &url);
        buf_append_char(out, shown++ ? ',' : '{');
        put_value(out, tmp, label);
        buf_append_char(out, ':');
        put_value(out, tmp, url);
    }
    if (shown)
        buf_append_char(out, '}');
    else
        buf_append_str(out, "null");
    free(dup);
    free(ls);
    buf_free(&keys);
}

/* A URL below base: path, then name (escaped for a URL path), then
 * tail. */
static void put_url(buf_t *out, buf_t *tmp, sv_t base, const char *path, const char *name, const char *tail)
{
    buf_reset(tmp);
    buf_append_sv(tmp, base);
    buf_append_str(tmp, path);
    escape_url_path(tmp, sv_cstr(name));
    buf_append_str(tmp, tail);
    buf_fail(out, buf_err(tmp));
    put_str(out, buf_sv(tmp));
}

/* True when every file of versions[v] is yanked; *reason is the first
 * file's reason then (NULL when it gave none). */
static bool release_yanked(const struct index_project *p, size_t v, const char **reason)
{
    *reason = NULL;
    bool any = false;
    for (size_t i = 0; i < p->nfiles; i++) {
        const struct index_file *f = &p->files[i];
        if (strcmp(f->version, p->versions[v]) != 0)
            continue;
        if (!f->rec.yanked)
            return false;
        if (!any)
            *reason = f->rec.yank_reason;
        any = true;
    }
    return any;
}

/* The fields of "info", in the API's order: from the metadata (a single
 * value or a list, null when absent; classifiers always a list), always
 * null, or written by put_info_own from what the index knows. */
enum info_from { FROM_SINGLE, FROM_LIST, FROM_ALWAYS_LIST, FROM_NULL, FROM_INDEX };

static const struct info_field {
    const char *key;
    enum info_from from;
    enum pkginfo_key k;
} info_fields[] = {
    { "author", FROM_SINGLE, PKGINFO_AUTHOR },
    { "author_email", FROM_SINGLE, PKGINFO_AUTHOR_EMAIL },
    { "bugtrack_url", FROM_NULL, 0 },
    { "classifiers", FROM_ALWAYS_LIST, PKGINFO_CLASSIFIERS },
    { "description", FROM_SINGLE, PKGINFO_DESCRIPTION },
    { "description_content_type", FROM_SINGLE, PKGINFO_DESCRIPTION_CONTENT_TYPE },
    { "docs_url", FROM_NULL, 0 },
    { "download_url", FROM_SINGLE, PKGINFO_DOWNLOAD_URL },
    { "downloads", FROM_INDEX, 0 },
    { "dynamic", FROM_LIST, PKGINFO_DYNAMIC },
    { "home_page", FROM_SINGLE, PKGINFO_HOME_PAGE },
    { "keywords", FROM_SINGLE, PKGINFO_KEYWORDS },
    { "license", FROM_SINGLE, PKGINFO_LICENSE },
    { "license_expression", FROM_SINGLE, PKGINFO_LICENSE_EXPRESSION },
    { "license_files", FROM_LIST, PKGINFO_LICENSE_FILES },
    { "maintainer", FROM_SINGLE, PKGINFO_MAINTAINER },
    { "maintainer_email", FROM_SINGLE, PKGINFO_MAINTAINER_EMAIL },
    { "name", FROM_INDEX, 0 },
    { "package_url", FROM_INDEX, 0 },
    { "platform", FROM_LIST, PKGINFO_PLATFORM },
    { "project_url", FROM_INDEX, 0 },
    { "project_urls", FROM_INDEX, 0 },
    { "provides_extra", FROM_LIST, PKGINFO_PROVIDES_EXTRA },
    { "release_url", FROM_INDEX, 0 },
    { "requires_dist", FROM_LIST, PKGINFO_REQUIRES_DIST },
    { "requires_python", FROM_SINGLE, PKGINFO_REQUIRES_PYTHON },
    { "summary", FROM_SINGLE, PKGINFO_SUMMARY },
    { "version", FROM_INDEX, 0 },
    { "yanked", FROM_INDEX, 0 },
    { "yanked_reason", FROM_INDEX, 0 },
};

/* The value of a FROM_INDEX field of "info". */
static void put_info_own(buf_t *out, buf_t *tmp, const char *key, const struct index_project *p, size_t v,
                         const struct pkginfo *pi, sv_t base)
{
    const char *reason;
    if (strcmp(key, "downloads") == 0) {
        /* No download counts are kept. */
        buf_append_str(out, "{\"last_day\":-1,\"last_month\":-1,\"last_week\":-1}");
    } else if (strcmp(key, "name") == 0) {
        /* The name as the project writes it, when its metadata says so
         * and it is this project's (a file copied into the tree by hand
         * may say otherwise). */
        char norm[NAME_MAX_LEN + 1];
        buf_reset(tmp);
        pkginfo_single(tmp, pi, PKGINFO_NAME);
        bool own = pi->single[PKGINFO_NAME].p && !buf_err(tmp) && name_is_valid(buf_sv(tmp)) &&
                   name_normalize(buf_sv(tmp), norm, sizeof norm) && strcmp(norm, p->name) == 0;
        put_str(out, own ? buf_sv(tmp) : sv_cstr(p->name));
    } else if (strcmp(key, "package_url") == 0 || strcmp(key, "project_url") == 0) {
        put_url(out, tmp, base, "/simple/", p->name, "/");
    } else if (strcmp(key, "project_urls") == 0) {
        put_project_urls(out, tmp, pi);
    } else if (strcmp(key, "release_url") == 0) {
        buf_reset(tmp);
        buf_append_sv(tmp, base);
        buf_append_str(tmp, "/pypi/");
        escape_url_path(tmp, sv_cstr(p->name));
        buf_append_char(tmp, '/');
        escape_url_path(tmp, sv_cstr(p->versions[v]));
        buf_append_str(tmp, "/json");
        buf_fail(out, buf_err(tmp));
        put_str(out, buf_sv(tmp));
    } else if (strcmp(key, "version") == 0) {
        /* The version as the index lists it: a key of "releases". */
        put_str(out, sv_cstr(p->versions[v]));
    } else if (strcmp(key, "yanked") == 0) {
        buf_append_str(out, release_yanked(p, v, &reason) ? "true" : "false");
    } else if (release_yanked(p, v, &reason) && reason) { /* yanked_reason */
        put_str(out, sv_cstr(reason));
    } else
        buf_append_str(out, "null");
}

/* "info": what the metadata of versions[v] says, with what the index
 * knows (name, version, yank); the fields the metadata lacks are null. */
static void put_info(buf_t *out, buf_t *tmp, const struct index_project *p, size_t v, const struct pkginfo *pi,
                     sv_t base)
{
    buf_append_str(out, "\"info\":{");
    for (size_t i = 0; i < sizeof info_fields / sizeof *info_fields; i++) {
        const struct info_field *f = &info_fields[i];
        buf_printf(out, "%s\"%s\":", i ? "," : "", f->key);
        switch (f->from) {
        case FROM_SINGLE: put_single(out, tmp, pi, f->k); break;
        case FROM_LIST: put_list(out, tmp, pi, f->k, false); break;
        case FROM_ALWAYS_LIST: put_list(out, tmp, pi, f->k, true); break;
        case FROM_NULL: buf_append_str(out, "null"); break;
        default: put_info_own(out, tmp, f->key, p, v, pi, base); break;
        }
    }
    buf_append_char(out, '}');
}

/* One file of a release. */
static void put_file(buf_t *out, buf_t *tmp, const struct index_file *f, sv_t base)
{
    char when[32];
    render_time(f->rec.first_seen_usec, when);
    distfile_t df;
    bool wheel = f->kind == DISTFILE_WHEEL && distfile_parse(sv_cstr(f->filename), &df) == PF_EOK;
    buf_printf(out, "{\"comment_text\":\"\",\"digests\":{\"sha256\":\"%s\"},\"downloads\":-1,\"filename\":",
               f->rec.sha256);
    put_str(out, sv_cstr(f->filename));
    buf_printf(out, ",\"has_sig\":false,\"packagetype\":\"%s\",\"python_version\":",
               f->kind == DISTFILE_WHEEL ? "bdist_wheel" : "sdist");
    put_str(out, wheel ? df.python_tag : SV_LIT("source"));
    buf_append_str(out, ",\"requires_python\":");
    if (f->rec.requires_python)
        put_str(out, sv_cstr(f->rec.requires_python));
    else
        buf_append_str(out, "null");
    /* upload_time without its fraction and zone, as the API has it. */
    buf_printf(out, ",\"size\":%" PRIu64 ",\"upload_time\":\"%.19s\",\"upload_time_iso_8601\":\"%s\",\"url\":",
               f->rec.size, when, when);
    put_url(out, tmp, base, "/packages/", f->relpath, "");
    buf_printf(out, ",\"yanked\":%s,\"yanked_reason\":", f->rec.yanked ? "true" : "false");
    if (f->rec.yanked && f->rec.yank_reason)
        put_str(out, sv_cstr(f->rec.yank_reason));
    else
        buf_append_str(out, "null");
    buf_append_char(out, '}');
}

/* A list of the files of versions[v]. */
static void put_files(buf_t *out, buf_t *tmp, const struct index_project *p, size_t v, sv_t base)
{
    size_t n = 0;
    buf_append_char(out, '[');
    for (size_t i = 0; i < p->nfiles && !buf_err(out); i++) {
        if (strcmp(p->files[i].version, p->versions[v]) != 0)
            continue;
        if (n++)
            buf_append_char(out, ',');
        put_file(out, tmp, &p->files[i], base);
    }
    buf_append_char(out, ']');
}

/* Files in the order of their version strings, then of their place in p. */
static int by_version(const void *a, const void *b)
{
    const struct index_file *fa = *(const struct index_file *const *)a, *fb = *(const struct index_file *const *)b;
    int c = strcmp(fa->version, fb->version);
    return c ? c : (fa < fb ? -1 : fa > fb);
}

/* "releases": every version with its files, in version order. The files
 * are grouped by version string once (a version's files need not be next
 * to each other in p: 1.0 and 1.0.0 sort equal), and each version finds
 * its group by bisection, so this stays n log n in the files. */
static void put_releases(buf_t *out, buf_t *tmp, const struct index_project *p, sv_t base)
{
    const struct index_file **by = malloc((p->nfiles ? p->nfiles : 1) * sizeof *by);
    if (!by) {
        buf_fail(out, PF_ENOMEM);
        return;
    }
    for (size_t i = 0; i < p->nfiles; i++)
        by[i] = &p->files[i];
    qsort(by, p->nfiles, sizeof *by, by_version);
    buf_append_str(out, "\"releases\":{");
    for (size_t v = 0; v < p->nversions && !buf_err(out); v++) {
        size_t lo = 0, hi = p->nfiles;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(by[mid]->version, p->versions[v]) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (v)
            buf_append_char(out, ',');
        put_str(out, sv_cstr(p->versions[v]));
        buf_append_str(out, ":[");
        for (size_t j = lo; j < p->nfiles && strcmp(by[j]->version, p->versions[v]) == 0; j++) {
            if (j > lo)
                buf_append_char(out, ',');
            put_file(out, tmp, by[j], base);
        }
        buf_append_char(out, ']');
    }
    buf_append_char(out, '}');
    free(by);
}

enum pf_err render_api_json(const struct index_project *p, size_t v, bool releases, const struct pkginfo *pi,
                            sv_t base, buf_t *out)
{
    buf_t tmp;
    buf_init(&tmp, RENDER_MAX_PAGE);
    buf_append_char(out, '{');
    put_info(out, &tmp, p, v, pi, base);
    buf_append_char(out, ',');
    if (releases) {
        put_releases(out, &tmp, p, base);
        buf_append_char(out, ',');
    }
    buf_append_str(out, "\"urls\":");
    put_files(out, &tmp, p, v, base);
    buf_append_str(out, ",\"vulnerabilities\":[]}\n");
    buf_free(&tmp);
    return buf_err(out);
}
