/* SPDX-License-Identifier: MIT */
/* upstream_page_json.c: an upstream's PEP 691 JSON project page, read with jansson (see upstream_page.h). */
#include "config.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "ascii.h"
#include "name.h"
#include "upstream_page_int.h"

/* True when the JSON text nests deeper than UP_MAX_DEPTH: checked before
 * jansson builds anything (it would go to 2048). Strings are skipped, so a
 * bracket in one does not count; a malformed text is left to jansson. */
static bool too_deep(const char *s, size_t n)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > UP_MAX_DEPTH)
                return true;
        } else if (ch == ']' || ch == '}') {
            depth--;
        }
    }
    return false;
}

static sv_t str_sv(const json_t *v)
{
    return sv_make(json_string_value(v), json_string_length(v));
}

/* A field of the wrong type. */
static enum pf_err wrong(struct up_ctx *c, size_t i, const char *field, const char *want)
{
    return buf_refuse(c->err, PF_ECORRUPT, "file %zu: its \"%s\" is not %s", i, field, want);
}

/* The sha256 of a hashes object (PEP 691: hash name -> hex string; every
 * value must be a string; other kinds are ignored). */
static enum pf_err read_hashes(struct up_ctx *c, size_t i, const char *field, const json_t *h, sv_t *sha256)
{
    if (!json_is_object(h))
        return wrong(c, i, field, "an object");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)h, k, v)
    {
        if (!json_is_string(v))
            return buf_refuse(c->err, PF_ECORRUPT, "file %zu: a hash in its \"%s\" is not a string", i, field);
        if (strcmp(k, "sha256") == 0)
            *sha256 = str_sv(v);
    }
    return PF_EOK;
}

/* PEP 714 "core-metadata", else the older "dist-info-metadata" (PEP 691),
 * else "data-dist-info-metadata" (PyPI's spelling of it for a while): true,
 * false, or a hashes object. */
static enum pf_err read_metadata(struct up_ctx *c, size_t i, const json_t *f, struct up_entry *e)
{
    static const char *const keys[] = { "core-metadata", "dist-info-metadata", "data-dist-info-metadata" };
    const char *field = NULL;
    const json_t *m = NULL;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0] && !m; k++)
        m = json_object_get(f, field = keys[k]);
    if (!m || json_is_null(m))
        return PF_EOK;
    if (json_is_boolean(m)) {
        e->core_metadata = json_is_true(m);
        return PF_EOK;
    }
    e->core_metadata = true;
    return read_hashes(c, i, field, m, &e->core_metadata_sha256);
}

/* A string field that may be absent or null; .p NULL then. */
static enum pf_err opt_string(struct up_ctx *c, size_t i, const json_t *f, const char *field, sv_t *out)
{
    const json_t *v = json_object_get(f, field);
    if (!v || json_is_null(v))
        return PF_EOK;
    if (!json_is_string(v))
        return wrong(c, i, field, "a string");
    *out = str_sv(v);
    return PF_EOK;
}

/* The PEP 691 and PEP 700 fields of one file: yanked, size, upload-time. */
static enum pf_err read_more(struct up_ctx *c, size_t i, const json_t *f, struct up_entry *e)
{
    const json_t *y = json_object_get(f, "yanked");
    if (json_is_string(y)) {
        e->yanked = true;
        e->yank_reason = str_sv(y);
    } else if (json_is_boolean(y)) {
        e->yanked = json_is_true(y);
    } else if (y && !json_is_null(y)) {
        return wrong(c, i, "yanked", "a boolean or a string");
    }
    const json_t *s = json_object_get(f, "size");
    if (json_is_integer(s))
        e->size = json_integer_value(s) < 0 ? -2 : json_integer_value(s);
    else if (s && !json_is_null(s))
        return wrong(c, i, "size", "an integer");
    sv_t t = { 0 };
    enum pf_err err = opt_string(c, i, f, "upload-time", &t);
    if (!err && t.p)
        e->upload_time_usec = t.len <= 64 ? up_parse_time(t) : -1;
    return err;
}

static enum pf_err read_file(struct up_ctx *c, size_t i, const json_t *f)
{
    if (!json_is_object(f))
        return buf_refuse(c->err, PF_ECORRUPT, "file %zu: it is not an object", i);
    struct up_entry e = { .index = i, .size = -1, .upload_time_usec = -1 };
    const json_t *name = json_object_get(f, "filename"), *url = json_object_get(f, "url");
    if (!json_is_string(name))
        return wrong(c, i, "filename", "a string");
    if (!json_is_string(url))
        return wrong(c, i, "url", "a string");
    e.filename = str_sv(name);
    e.href = str_sv(url);
    const json_t *h = json_object_get(f, "hashes");
    enum pf_err err = h && !json_is_null(h) ? read_hashes(c, i, "hashes", h, &e.sha256) : PF_EOK;
    if (!err)
        err = opt_string(c, i, f, "requires-python", &e.requires_python);
    if (!err)
        err = read_metadata(c, i, f, &e);
    if (!err)
        err = read_more(c, i, f, &e);
    return err ? err : up_add(c, &e);
}

/* PEP 700 "versions": strings, kept as written. */
static enum pf_err read_versions(struct up_ctx *c, const json_t *v)
{
    if (!json_is_array(v))
        return buf_refuse(c->err, PF_ECORRUPT, "the page's \"versions\" is not an array");
    size_t n = json_array_size(v);
    if (n > UP_MAX_VERSIONS)
        return buf_refuse(c->err, PF_ETOOBIG, "the page lists more than %d versions", UP_MAX_VERSIONS);
    struct up_page *p = c->out;
    p->has_versions = true;
    if (!n)
        return PF_EOK;
    if (!(p->versions = calloc(n, sizeof *p->versions)))
        return buf_refuse(c->err, PF_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return buf_refuse(c->err, PF_ECORRUPT, "version %zu of the page's \"versions\" is not a string", i);
        if (json_string_length(s) > UP_MAX_TEXT)
            return buf_refuse(c->err, PF_ETOOBIG, "version %zu is longer than %d bytes", i, UP_MAX_TEXT);
        if (!(p->versions[i] = strdup(json_string_value(s))))
            return buf_refuse(c->err, PF_ENOMEM, "out of memory");
        p->nversions++;
    }
    return PF_EOK;
}

/* meta.api-version must be "1" or "1.<digits>". */
static enum pf_err check_meta(struct up_ctx *c, const json_t *root)
{
    const json_t *meta = json_object_get(root, "meta");
    if (!json_is_object(meta))
        return buf_refuse(c->err, PF_ECORRUPT, "the page has no \"meta\" object");
    const json_t *v = json_object_get(meta, "api-version");
    if (!json_is_string(v))
        return buf_refuse(c->err, PF_ECORRUPT, "the page's meta.api-version is not a string");
    sv_t s = str_sv(v), major = sv_split(&s, '.');
    bool digits = true;
    for (size_t i = 0; i < s.len; i++)
        digits = digits && ascii_isdigit(s.p[i]);
    if (!sv_eq(major, SV_LIT("1")) || !digits) {
        char shown[48];
        up_show(str_sv(v), shown);
        return buf_refuse(c->err, PF_ECORRUPT, "the page's meta.api-version is \"%s\": only version 1.x is read", shown);
    }
    return PF_EOK;
}

/* The page's "name", when there, must be the project's. */
static enum pf_err check_name(struct up_ctx *c, const json_t *root)
{
    const json_t *v = json_object_get(root, "name");
    if (!v)
        return PF_EOK;
    if (!json_is_string(v))
        return buf_refuse(c->err, PF_ECORRUPT, "the page's \"name\" is not a string");
    char norm[NAME_MAX_LEN + 1];
    sv_t name = str_sv(v);
    if (!name_is_valid(name) || !name_normalize(name, norm, sizeof norm) || strcmp(norm, c->project) != 0) {
        char shown[48];
        up_show(name, shown);
        return buf_refuse(c->err, PF_ECORRUPT, "the page is project \"%s\"'s, not %s's", shown, c->project);
    }
    return PF_EOK;
}

/* Makes jansson's message printable ASCII. */
static void printable(char *s)
{
    for (; *s; s++)
        if (*s < ' ' || *s >= 127)
            *s = '?';
}

enum pf_err up_read_json(struct up_ctx *c, const char *body, size_t len)
{
    if (too_deep(body, len))
        return buf_refuse(c->err, PF_ETOOBIG, "the page's JSON nests deeper than %d", UP_MAX_DEPTH);
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        printable(je.text);
        return buf_refuse(c->err, PF_ECORRUPT, "the page is not JSON: %s (line %d, column %d)", je.text, je.line,
                       je.column);
    }
    enum pf_err err = PF_EOK;
    const json_t *files = json_object_get(root, "files"), *versions = json_object_get(root, "versions");
    if (!json_is_object(root))
        err = buf_refuse(c->err, PF_ECORRUPT, "the page is not a JSON object");
    if (!err)
        err = check_meta(c, root);
    if (!err)
        err = check_name(c, root);
    if (!err && !json_is_array(files))
        err = buf_refuse(c->err, PF_ECORRUPT, "the page's \"files\" is not an array");
    if (!err && json_array_size(files) > UP_MAX_FILES)
        err = buf_refuse(c->err, PF_ETOOBIG, "the page lists more than %d files", UP_MAX_FILES);
    if (!err && versions && !json_is_null(versions))
        err = read_versions(c, versions);
    for (size_t i = 0; !err && i < json_array_size(files); i++)
        err = read_file(c, i, json_array_get(files, i));
    json_decref(root);
    return err;
}
