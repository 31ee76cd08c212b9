/* SPDX-License-Identifier: MIT */
/* render.c: PEP 503 HTML and PEP 691 JSON pages. */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include "escape.h"
#include "render.h"

void render_time(int64_t usec, char buf[32])
{
    time_t sec = (time_t)(usec / 1000000);
    long frac = (long)(usec % 1000000);
    if (frac < 0) {
        frac += 1000000;
        sec--;
    }
    struct tm tm;
    gmtime_r(&sec, &tm);
    char date[24];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, 32, "%s.%06ldZ", date, frac);
}

/* The link to a file, relative to /simple/<name>/: ../../packages/<relpath>. */
static enum pf_err put_file_url(buf_t *out, const struct index_file *f, const char *suffix)
{
    enum pf_err e = buf_append_str(out, "../../packages/");
    if (!e)
        e = escape_url_path(out, sv_cstr(f->relpath));
    if (!e && suffix)
        e = buf_append_str(out, suffix);
    return e;
}

enum pf_err render_project_html(const struct index_project *p, buf_t *out)
{
    enum pf_err e = buf_append_str(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                                        "<meta name=\"pypi:repository-version\" content=\"" RENDER_API_VERSION "\">\n"
                                        "<title>Links for ");
    if (!e)
        e = escape_html(out, sv_cstr(p->name));
    if (!e)
        e = buf_append_str(out, "</title>\n</head>\n<body>\n<h1>Links for ");
    if (!e)
        e = escape_html(out, sv_cstr(p->name));
    if (!e)
        e = buf_append_str(out, "</h1>\n");
    for (size_t i = 0; i < p->nfiles && !e; i++) {
        const struct index_file *f = &p->files[i];
        e = buf_append_str(out, "<a href=\"");
        if (!e) {
            /* The URL is percent-encoded first, then attribute-escaped. */
            buf_t url;
            buf_init(&url, 8192);
            e = put_file_url(&url, f, NULL);
            if (!e)
                e = buf_printf(&url, "#sha256=%s", f->rec.sha256);
            if (!e)
                e = escape_attr(out, buf_sv(&url));
            buf_free(&url);
        }
        if (!e)
            e = buf_append_char(out, '"');
        if (!e && f->rec.requires_python) {
            e = buf_append_str(out, " data-requires-python=\"");
            if (!e)
                e = escape_attr(out, sv_cstr(f->rec.requires_python));
            if (!e)
                e = buf_append_char(out, '"');
        }
        if (!e && f->rec.yanked) {
            /* Always with a value: pip takes a bare data-yanked as not yanked. */
            e = buf_append_str(out, " data-yanked=\"");
            if (!e && f->rec.yank_reason)
                e = escape_attr(out, sv_cstr(f->rec.yank_reason));
            if (!e)
                e = buf_append_char(out, '"');
        }
        if (!e && f->rec.has_metadata)
            e = buf_printf(out, " data-dist-info-metadata=\"sha256=%s\" data-core-metadata=\"sha256=%s\"",
                           f->rec.metadata_sha256, f->rec.metadata_sha256);
        if (!e)
            e = buf_append_char(out, '>');
        if (!e)
            e = escape_html(out, sv_cstr(f->filename));
        if (!e)
            e = buf_append_str(out, "</a><br />\n");
    }
    if (!e)
        e = buf_append_str(out, "</body>\n</html>\n");
    return e;
}

static enum pf_err put_json_str(buf_t *out, const char *s)
{
    enum pf_err e = buf_append_char(out, '"');
    if (!e)
        e = escape_json(out, sv_cstr(s));
    if (!e)
        e = buf_append_char(out, '"');
    return e;
}

enum pf_err render_project_json(const struct index_project *p, buf_t *out)
{
    enum pf_err e = buf_append_str(out, "{\"meta\":{\"api-version\":\"" RENDER_API_VERSION "\"},\"name\":");
    if (!e)
        e = put_json_str(out, p->name);
    if (!e)
        e = buf_append_str(out, ",\"versions\":[");
    for (size_t i = 0; i < p->nversions && !e; i++) {
        if (i)
            e = buf_append_char(out, ',');
        if (!e)
            e = put_json_str(out, p->versions[i]);
    }
    if (!e)
        e = buf_append_str(out, "],\"files\":[");
    for (size_t i = 0; i < p->nfiles && !e; i++) {
        const struct index_file *f = &p->files[i];
        char when[32];
        render_time(f->rec.first_seen_usec, when);
        e = buf_append_str(out, i ? ",{\"filename\":" : "{\"filename\":");
        if (!e)
            e = put_json_str(out, f->filename);
        if (!e)
            e = buf_append_str(out, ",\"url\":\"");
        if (!e) {
            buf_t url;
            buf_init(&url, 8192);
            e = put_file_url(&url, f, NULL);
            if (!e)
                e = escape_json(out, buf_sv(&url));
            buf_free(&url);
        }
        /* sha256 only: pip uses the first hash and needs a hashlib name. */
        if (!e)
            e = buf_printf(out, "\",\"hashes\":{\"sha256\":\"%s\"}", f->rec.sha256);
        if (!e && f->rec.requires_python) {
            e = buf_append_str(out, ",\"requires-python\":");
            if (!e)
                e = put_json_str(out, f->rec.requires_python);
        }
        /* core-metadata only; never dist-info-metadata (pip 22.3-23.1 crash on it). */
        if (!e && f->rec.has_metadata)
            e = buf_printf(out, ",\"core-metadata\":{\"sha256\":\"%s\"}", f->rec.metadata_sha256);
        if (!e) {
            if (!f->rec.yanked)
                e = buf_append_str(out, ",\"yanked\":false");
            else if (f->rec.yank_reason && *f->rec.yank_reason) {
                e = buf_append_str(out, ",\"yanked\":");
                if (!e)
                    e = put_json_str(out, f->rec.yank_reason);
            } else
                e = buf_append_str(out, ",\"yanked\":true");
        }
        if (!e)
            e = buf_printf(out, ",\"size\":%" PRIu64 ",\"upload-time\":\"%s\"}", f->rec.size, when);
    }
    if (!e)
        e = buf_append_str(out, "]}\n");
    return e;
}

enum pf_err render_root_html(const struct index_root *r, buf_t *out)
{
    enum pf_err e = buf_append_str(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                                        "<meta name=\"pypi:repository-version\" content=\"" RENDER_API_VERSION "\">\n"
                                        "<title>Simple index</title>\n</head>\n<body>\n<h1>Simple index</h1>\n");
    for (size_t i = 0; i < r->nprojects && !e; i++) {
        e = buf_append_str(out, "<a href=\"");
        if (!e)
            e = escape_attr(out, sv_cstr(r->projects[i]));
        if (!e)
            e = buf_append_str(out, "/\">");
        if (!e)
            e = escape_html(out, sv_cstr(r->projects[i]));
        if (!e)
            e = buf_append_str(out, "</a><br />\n");
    }
    if (!e)
        e = buf_append_str(out, "</body>\n</html>\n");
    return e;
}

enum pf_err render_root_json(const struct index_root *r, buf_t *out)
{
    enum pf_err e = buf_append_str(out, "{\"meta\":{\"api-version\":\"" RENDER_API_VERSION "\"},\"projects\":[");
    for (size_t i = 0; i < r->nprojects && !e; i++) {
        e = buf_append_str(out, i ? ",{\"name\":" : "{\"name\":");
        if (!e)
            e = put_json_str(out, r->projects[i]);
        if (!e)
            e = buf_append_char(out, '}');
    }
    if (!e)
        e = buf_append_str(out, "]}\n");
    return e;
}
