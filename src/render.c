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

/* Every writer below appends without looking at each result: out keeps
 * its first failure (buf.h) and each page function returns it once. */

/* The link to a file, relative to /simple/<name>/: ../../packages/<relpath>. */
static void put_file_url(buf_t *out, const struct index_file *f)
{
    buf_append_str(out, "../../packages/");
    escape_url_path(out, sv_cstr(f->relpath));
}

static void put_json_str(buf_t *out, const char *s)
{
    buf_append_char(out, '"');
    escape_json(out, sv_cstr(s));
    buf_append_char(out, '"');
}

/* One <a> line: the URL is percent-encoded into url (a scratch buffer)
 * first, then attribute-escaped into out. */
static void put_html_link(buf_t *out, buf_t *url, const struct index_file *f)
{
    buf_reset(url);
    put_file_url(url, f);
    buf_printf(url, "#sha256=%s", f->rec.sha256);
    buf_fail(out, buf_err(url));

    buf_append_str(out, "<a href=\"");
    escape_attr(out, buf_sv(url));
    buf_append_char(out, '"');
    if (f->rec.requires_python) {
        buf_append_str(out, " data-requires-python=\"");
        escape_attr(out, sv_cstr(f->rec.requires_python));
        buf_append_char(out, '"');
    }
    if (f->rec.yanked) {
        /* Always with a value: pip takes a bare data-yanked as not yanked. */
        buf_append_str(out, " data-yanked=\"");
        if (f->rec.yank_reason)
            escape_attr(out, sv_cstr(f->rec.yank_reason));
        buf_append_char(out, '"');
    }
    if (index_file_pep658(f))
        buf_printf(out, " data-dist-info-metadata=\"sha256=%s\" data-core-metadata=\"sha256=%s\"",
                   f->rec.metadata_sha256, f->rec.metadata_sha256);
    buf_append_char(out, '>');
    escape_html(out, sv_cstr(f->filename));
    buf_append_str(out, "</a><br />\n");
}

enum pf_err render_project_html(const struct index_project *p, buf_t *out)
{
    buf_append_str(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                        "<meta name=\"pypi:repository-version\" content=\"" RENDER_API_VERSION "\">\n"
                        "<title>Links for ");
    escape_html(out, sv_cstr(p->name));
    buf_append_str(out, "</title>\n</head>\n<body>\n<h1>Links for ");
    escape_html(out, sv_cstr(p->name));
    buf_append_str(out, "</h1>\n");
    buf_t url;
    buf_init(&url, 8192);
    for (size_t i = 0; i < p->nfiles && !buf_err(out); i++)
        put_html_link(out, &url, &p->files[i]);
    buf_free(&url);
    buf_append_str(out, "</body>\n</html>\n");
    return buf_err(out);
}

/* One entry of "files". */
static void put_json_file(buf_t *out, buf_t *url, const struct index_file *f)
{
    char when[32];
    render_time(f->rec.first_seen_usec, when);
    buf_reset(url);
    put_file_url(url, f);
    buf_fail(out, buf_err(url));

    buf_append_str(out, "{\"filename\":");
    put_json_str(out, f->filename);
    buf_append_str(out, ",\"url\":\"");
    escape_json(out, buf_sv(url));
    /* sha256 only: pip uses the first hash and needs a hashlib name. */
    buf_printf(out, "\",\"hashes\":{\"sha256\":\"%s\"}", f->rec.sha256);
    if (f->rec.requires_python) {
        buf_append_str(out, ",\"requires-python\":");
        put_json_str(out, f->rec.requires_python);
    }
    /* core-metadata only; never dist-info-metadata (pip 22.3-23.1 crash on it). */
    if (index_file_pep658(f))
        buf_printf(out, ",\"core-metadata\":{\"sha256\":\"%s\"}", f->rec.metadata_sha256);
    if (!f->rec.yanked)
        buf_append_str(out, ",\"yanked\":false");
    else if (f->rec.yank_reason && *f->rec.yank_reason) {
        buf_append_str(out, ",\"yanked\":");
        put_json_str(out, f->rec.yank_reason);
    } else
        buf_append_str(out, ",\"yanked\":true");
    buf_printf(out, ",\"size\":%" PRIu64 ",\"upload-time\":\"%s\"}", f->rec.size, when);
}

enum pf_err render_project_json(const struct index_project *p, buf_t *out)
{
    buf_append_str(out, "{\"meta\":{\"api-version\":\"" RENDER_API_VERSION "\"},\"name\":");
    put_json_str(out, p->name);
    buf_append_str(out, ",\"versions\":[");
    for (size_t i = 0; i < p->nversions && !buf_err(out); i++) {
        if (i)
            buf_append_char(out, ',');
        put_json_str(out, p->versions[i]);
    }
    buf_append_str(out, "],\"files\":[");
    buf_t url;
    buf_init(&url, 8192);
    for (size_t i = 0; i < p->nfiles && !buf_err(out); i++) {
        if (i)
            buf_append_char(out, ',');
        put_json_file(out, &url, &p->files[i]);
    }
    buf_free(&url);
    buf_append_str(out, "]}\n");
    return buf_err(out);
}

enum pf_err render_root_html(const struct index_root *r, buf_t *out)
{
    buf_append_str(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                        "<meta name=\"pypi:repository-version\" content=\"" RENDER_API_VERSION "\">\n"
                        "<title>Simple index</title>\n</head>\n<body>\n<h1>Simple index</h1>\n");
    for (size_t i = 0; i < r->nprojects && !buf_err(out); i++) {
        buf_append_str(out, "<a href=\"");
        escape_attr(out, sv_cstr(r->projects[i]));
        buf_append_str(out, "/\">");
        escape_html(out, sv_cstr(r->projects[i]));
        buf_append_str(out, "</a><br />\n");
    }
    buf_append_str(out, "</body>\n</html>\n");
    return buf_err(out);
}

enum pf_err render_root_json(const struct index_root *r, buf_t *out)
{
    buf_append_str(out, "{\"meta\":{\"api-version\":\"" RENDER_API_VERSION "\"},\"projects\":[");
    for (size_t i = 0; i < r->nprojects && !buf_err(out); i++) {
        if (i)
            buf_append_char(out, ',');
        buf_append_str(out, "{\"name\":");
        put_json_str(out, r->projects[i]);
        buf_append_char(out, '}');
    }
    buf_append_str(out, "]}\n");
    return buf_err(out);
}

enum pf_err render_listing_head(buf_t *out)
{
    buf_append_str(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<title>Packages</title>\n</head>\n"
                        "<body>\n<h1>Packages</h1>\n");
    return buf_err(out);
}

enum pf_err render_listing_files(const struct index_project *p, buf_t *out)
{
    buf_t url;
    buf_init(&url, 8192);
    for (size_t i = 0; i < p->nfiles && !buf_err(out); i++) {
        const struct index_file *f = &p->files[i];
        buf_reset(&url);
        escape_url_path(&url, sv_cstr(f->relpath));
        buf_printf(&url, "#sha256=%s", f->rec.sha256);
        buf_fail(out, buf_err(&url));
        buf_append_str(out, "<a href=\"");
        escape_attr(out, buf_sv(&url));
        buf_append_str(out, "\">");
        escape_html(out, sv_cstr(f->filename));
        buf_append_str(out, "</a><br />\n");
    }
    buf_free(&url);
    return buf_err(out);
}

enum pf_err render_listing_tail(buf_t *out)
{
    buf_append_str(out, "</body>\n</html>\n");
    return buf_err(out);
}
