/* SPDX-License-Identifier: MIT */
/* render_api.c: the JSON API pages (/pypi/<name>/json, /pypi/<name>/<version>/json, pypiserver's /<name>/json). */
#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"
#include "render.h"

/* Every writer below appends without looking at each result: out keeps
 * its first failure (buf.h) and each page function returns it once. */

static void put_str(buf_t *out, sv_t s)
{
    buf_append_char(out, '"');
    escape_json(out, s);
    buf_append_char(out, '"');
}

/* "key": then the value, with a comma before every key but the first of
 * its object (*first). */
static void put_key(buf_t *out, bool *first, const char *key)
{
    if (!*first)
        buf_append_char(out, ',');
    *first = false;
    buf_printf(out, "\"%s\":", key);
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

/* project_urls: an object of the Project-URL values, the first of each
 * label; null when there are none. */
static void put_project_urls(buf_t *out, buf_t *tmp, const struct pkginfo *pi)
{
    size_t n = 0;
    for (size_t i = 0; i < pi->nmulti; i++) {
        if (pi->multi[i].key != PKGINFO_PROJECT_URLS)
            continue;
        sv_t label, url, other, ignored;
        split_project_url(pi->multi[i].value, &label, &url);
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) {
            if (pi->multi[j].key != PKGINFO_PROJECT_URLS)
                continue;
            split_project_url(pi->multi[j].value, &other, &ignored);
            dup = sv_eq(label, other);
        }
        if (dup)
            continue;
        buf_append_char(out, n++ ? ',' : '{');
        put_value(out, tmp, label);
        buf_append_char(out, ':');
        put_value(out, tmp, url);
    }
    if (n)
        buf_append_char(out, '}');
    else
        buf_append_str(out, "null");
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

/* "info": what the metadata of versions[v] says, with what the index
 * knows (name, version, yank); the fields the metadata lacks are null.
 * Long: one line per field of the object, in the API's order. */
static void put_info(buf_t *out, buf_t *tmp, const struct index_project *p, size_t v, const struct pkginfo *pi,
                     sv_t base)
{
    static const enum pkginfo_key strings1[] = { PKGINFO_AUTHOR, PKGINFO_AUTHOR_EMAIL };
    static const enum pkginfo_key strings2[] = { PKGINFO_DESCRIPTION, PKGINFO_DESCRIPTION_CONTENT_TYPE };
    static const enum pkginfo_key strings3[] = { PKGINFO_DOWNLOAD_URL };
    static const enum pkginfo_key strings4[] = { PKGINFO_HOME_PAGE, PKGINFO_KEYWORDS, PKGINFO_LICENSE,
                                                 PKGINFO_LICENSE_EXPRESSION };
    static const enum pkginfo_key strings5[] = { PKGINFO_MAINTAINER, PKGINFO_MAINTAINER_EMAIL };
    bool first = true;
    const char *reason;
    buf_append_str(out, "\"info\":{");
    for (size_t i = 0; i < sizeof strings1 / sizeof *strings1; i++) {
        put_key(out, &first, pkginfo_key_name(strings1[i]));
        put_single(out, tmp, pi, strings1[i]);
    }
    put_key(out, &first, "bugtrack_url");
    buf_append_str(out, "null");
    put_key(out, &first, "classifiers");
    put_list(out, tmp, pi, PKGINFO_CLASSIFIERS, true);
    for (size_t i = 0; i < sizeof strings2 / sizeof *strings2; i++) {
        put_key(out, &first, pkginfo_key_name(strings2[i]));
        put_single(out, tmp, pi, strings2[i]);
    }
    put_key(out, &first, "docs_url");
    buf_append_str(out, "null");
    for (size_t i = 0; i < sizeof strings3 / sizeof *strings3; i++) {
        put_key(out, &first, pkginfo_key_name(strings3[i]));
        put_single(out, tmp, pi, strings3[i]);
    }
    /* No download counts are kept. */
    put_key(out, &first, "downloads");
    buf_append_str(out, "{\"last_day\":-1,\"last_month\":-1,\"last_week\":-1}");
    put_key(out, &first, "dynamic");
    put_list(out, tmp, pi, PKGINFO_DYNAMIC, false);
    for (size_t i = 0; i < sizeof strings4 / sizeof *strings4; i++) {
        put_key(out, &first, pkginfo_key_name(strings4[i]));
        put_single(out, tmp, pi, strings4[i]);
    }
    put_key(out, &first, "license_files");
    put_list(out, tmp, pi, PKGINFO_LICENSE_FILES, false);
    for (size_t i = 0; i < sizeof strings5 / sizeof *strings5; i++) {
        put_key(out, &first, pkginfo_key_name(strings5[i]));
        put_single(out, tmp, pi, strings5[i]);
    }
    /* The name as the project writes it, when its metadata says. */
    put_key(out, &first, "name");
    if (pi->single[PKGINFO_NAME].p)
        put_single(out, tmp, pi, PKGINFO_NAME);
    else
        put_str(out, sv_cstr(p->name));
    put_key(out, &first, "package_url");
    put_url(out, tmp, base, "/simple/", p->name, "/");
    put_key(out, &first, "platform");
    put_list(out, tmp, pi, PKGINFO_PLATFORM, false);
    put_key(out, &first, "project_url");
    put_url(out, tmp, base, "/simple/", p->name, "/");
    put_key(out, &first, "project_urls");
    put_project_urls(out, tmp, pi);
    put_key(out, &first, "provides_extra");
    put_list(out, tmp, pi, PKGINFO_PROVIDES_EXTRA, false);
    put_key(out, &first, "release_url");
    buf_reset(tmp);
    buf_append_sv(tmp, base);
    buf_append_str(tmp, "/pypi/");
    escape_url_path(tmp, sv_cstr(p->name));
    buf_append_char(tmp, '/');
    escape_url_path(tmp, sv_cstr(p->versions[v]));
    buf_append_str(tmp, "/json");
    buf_fail(out, buf_err(tmp));
    put_str(out, buf_sv(tmp));
    put_key(out, &first, "requires_dist");
    put_list(out, tmp, pi, PKGINFO_REQUIRES_DIST, false);
    put_key(out, &first, "requires_python");
    put_single(out, tmp, pi, PKGINFO_REQUIRES_PYTHON);
    put_key(out, &first, "summary");
    put_single(out, tmp, pi, PKGINFO_SUMMARY);
    /* The version as the index lists it: a key of "releases". */
    put_key(out, &first, "version");
    put_str(out, sv_cstr(p->versions[v]));
    bool yanked = release_yanked(p, v, &reason);
    put_key(out, &first, "yanked");
    buf_append_str(out, yanked ? "true" : "false");
    put_key(out, &first, "yanked_reason");
    if (yanked && reason)
        put_str(out, sv_cstr(reason));
    else
        buf_append_str(out, "null");
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

/* "releases": every version with its files. The files are grouped by
 * version string once, so this stays linear in the files (a version's
 * files need not be next to each other in p: 1.0 and 1.0.0 sort equal). */
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
    for (size_t i = 0; i < p->nfiles && !buf_err(out);) {
        if (i)
            buf_append_char(out, ',');
        put_str(out, sv_cstr(by[i]->version));
        buf_append_str(out, ":[");
        size_t j = i;
        for (; j < p->nfiles && strcmp(by[j]->version, by[i]->version) == 0; j++) {
            if (j > i)
                buf_append_char(out, ',');
            put_file(out, tmp, by[j], base);
        }
        buf_append_char(out, ']');
        i = j;
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
