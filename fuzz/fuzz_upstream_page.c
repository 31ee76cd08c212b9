/* SPDX-License-Identifier: MIT */
/* fuzz_upstream_page.c: libFuzzer harness for the upstream project page reader (up_page_parse, up_page_format). */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ascii.h"
#include "buf.h"
#include "distfile.h"
#include "fuzzutil.h"
#include "hmap.h"
#include "upstream_page.h"

/* Input: one control byte, then the page. The control byte's low bit
 * picks the format (0 JSON, 1 HTML); the page is read as project
 * "demo-pkg"'s, fetched from PAGE_URL. Checks: up_page_parse answers
 * PF_EOK, PF_ECORRUPT, PF_ETOOBIG (or PF_ENOMEM), a failure has a message
 * of printable ASCII and leaves the page empty; a page read has every file
 * with a filename distfile_parse accepts, of demo-pkg, without '/' or
 * "..", no two of the same name; an absolute http(s) URL without
 * fragment, in printable ASCII, within UP_MAX_URL; a sha256 (and a metadata sha256) of 64
 * lower-case hex digits when it has one, "" when not; strings within their
 * caps; a yank reason only on a yanked file; size and upload time -1 or
 * more; skipped files counted with a reason. Round trip: the page written
 * again as PEP 691 JSON reads back as the same files, none skipped. The
 * input as a Content-Type gives one of the three formats. */

#define PAGE_URL "https://up.example/simple/demo-pkg/"
#define PROJECT "demo-pkg"

static bool lower_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!ascii_islowerhex(s[i]))
            return false;
    return true;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if (*s < ' ' || *s >= 127)
            return false;
    return true;
}

static void check_file(const struct up_file *f, hmap_t *seen)
{
    distfile_t d;
    FU_CHECK(f->filename && strlen(f->filename) <= DISTFILE_MAX_LEN);
    FU_CHECK(distfile_parse(sv_cstr(f->filename), &d) == PF_EOK);
    FU_CHECK(strcmp(d.project, PROJECT) == 0);
    FU_CHECK(!strchr(f->filename, '/') && !strchr(f->filename, '\\') && !strstr(f->filename, ".."));
    FU_CHECK(!hmap_get(seen, sv_cstr(f->filename)));
    FU_CHECK(hmap_put(seen, sv_cstr(f->filename), f->filename) == PF_EOK);
    FU_CHECK(f->url && strlen(f->url) <= UP_MAX_URL && !strchr(f->url, '#'));
    FU_CHECK(strncmp(f->url, "https://", 8) == 0 || strncmp(f->url, "http://", 7) == 0);
    for (const char *u = f->url; *u; u++)
        FU_CHECK(*u > ' ' && *u < 127);
    FU_CHECK(f->has_sha256 ? lower_hex64(f->sha256) : f->sha256[0] == '\0');
    FU_CHECK(f->has_core_metadata_sha256 ? f->core_metadata && lower_hex64(f->core_metadata_sha256)
                                         : f->core_metadata_sha256[0] == '\0');
    FU_CHECK(!f->requires_python || strlen(f->requires_python) <= UP_MAX_TEXT);
    FU_CHECK(!f->yank_reason || (f->yanked && *f->yank_reason && strlen(f->yank_reason) <= UP_MAX_TEXT));
    FU_CHECK(f->size >= -1 && f->upload_time_usec >= -1);
}

static void check_page(const struct up_page *p)
{
    FU_CHECK(p->name && strcmp(p->name, PROJECT) == 0);
    FU_CHECK(p->nfiles + p->nskipped <= UP_MAX_FILES);
    FU_CHECK(p->nfiles == 0 || p->files);
    FU_CHECK(p->nskipped ? p->skipped_why[0] && printable(p->skipped_why) : !p->skipped_why[0]);
    FU_CHECK(p->nversions <= UP_MAX_VERSIONS && (p->has_versions || !p->nversions));
    for (size_t i = 0; i < p->nversions; i++)
        FU_CHECK(p->versions[i] && strlen(p->versions[i]) <= UP_MAX_TEXT);
    hmap_t seen;
    hmap_init(&seen);
    for (size_t i = 0; i < p->nfiles; i++)
        check_file(&p->files[i], &seen);
    hmap_free(&seen);
}

/* A hashes object holding sha256 = hex. */
static json_t *hashes(const char *hex)
{
    json_t *h = json_object();
    FU_CHECK(h && json_object_set_new(h, "sha256", json_string(hex)) == 0);
    return h;
}

/* p as a PEP 691 page (upload-time left out: its text is not kept). */
static char *write_json(const struct up_page *p)
{
    json_t *root = json_object(), *files = json_array(), *meta = json_object();
    FU_CHECK(root && files && meta);
    FU_CHECK(json_object_set_new(meta, "api-version", json_string("1.1")) == 0);
    FU_CHECK(json_object_set_new(root, "meta", meta) == 0 &&
             json_object_set_new(root, "name", json_string(p->name)) == 0);
    for (size_t i = 0; i < p->nfiles; i++) {
        const struct up_file *f = &p->files[i];
        json_t *o = json_object();
        FU_CHECK(o);
        FU_CHECK(json_object_set_new(o, "filename", json_string(f->filename)) == 0);
        FU_CHECK(json_object_set_new(o, "url", json_string(f->url)) == 0);
        FU_CHECK(json_object_set_new(o, "hashes", f->has_sha256 ? hashes(f->sha256) : json_object()) == 0);
        if (f->requires_python)
            FU_CHECK(json_object_set_new(o, "requires-python", json_string(f->requires_python)) == 0);
        FU_CHECK(json_object_set_new(o, "yanked",
                                     f->yank_reason ? json_string(f->yank_reason) : json_boolean(f->yanked)) == 0);
        FU_CHECK(json_object_set_new(o, "core-metadata",
                                     f->has_core_metadata_sha256 ? hashes(f->core_metadata_sha256)
                                                                 : json_boolean(f->core_metadata)) == 0);
        if (f->size >= 0)
            FU_CHECK(json_object_set_new(o, "size", json_integer(f->size)) == 0);
        FU_CHECK(json_array_append_new(files, o) == 0);
    }
    FU_CHECK(json_object_set_new(root, "files", files) == 0);
    char *s = json_dumps(root, JSON_COMPACT);
    FU_CHECK(s);
    json_decref(root);
    return s;
}

static bool same_file(const struct up_file *a, const struct up_file *b)
{
    return strcmp(a->filename, b->filename) == 0 && strcmp(a->url, b->url) == 0 && a->has_sha256 == b->has_sha256 &&
           strcmp(a->sha256, b->sha256) == 0 && !a->requires_python == !b->requires_python &&
           (!a->requires_python || strcmp(a->requires_python, b->requires_python) == 0) && a->yanked == b->yanked &&
           !a->yank_reason == !b->yank_reason && (!a->yank_reason || strcmp(a->yank_reason, b->yank_reason) == 0) &&
           a->core_metadata == b->core_metadata && a->has_core_metadata_sha256 == b->has_core_metadata_sha256 &&
           strcmp(a->core_metadata_sha256, b->core_metadata_sha256) == 0 && a->size == b->size;
}

static void round_trip(const struct up_page *p)
{
    char *s = write_json(p);
    size_t len = strlen(s);
    if (len <= UP_MAX_BODY) {
        struct up_page q;
        buf_t err;
        buf_init(&err, 4096);
        enum pf_err e = up_page_parse(s, len, UP_FORMAT_JSON, PAGE_URL, PROJECT, &q, &err);
        if (e != PF_EOK)
            fprintf(stderr, "round trip: %s\n", err.p);
        FU_CHECK(e == PF_EOK);
        FU_CHECK(q.nfiles == p->nfiles && q.nskipped == 0);
        for (size_t i = 0; i < p->nfiles; i++)
            FU_CHECK(same_file(&p->files[i], &q.files[i]));
        up_page_free(&q);
        buf_free(&err);
    }
    free(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    up_page_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    enum up_format fmt = data[0] & 1 ? UP_FORMAT_HTML : UP_FORMAT_JSON;
    /* The page in a buffer of its own size, so a read past it is caught. */
    char *body = malloc(size - 1 ? size - 1 : 1);
    FU_CHECK(body);
    memcpy(body, data + 1, size - 1);
    struct up_page p;
    buf_t err;
    buf_init(&err, 4096);
    enum pf_err e = up_page_parse(body, size - 1, fmt, PAGE_URL, PROJECT, &p, &err);
    FU_CHECK(e == PF_EOK || e == PF_ECORRUPT || e == PF_ETOOBIG || e == PF_ENOMEM);
    if (e) {
        FU_CHECK(err.len && printable(err.p));
        FU_CHECK(!p.files && !p.nfiles && !p.name && !p.versions && !p.nversions);
    } else {
        check_page(&p);
        round_trip(&p);
    }
    up_page_free(&p);
    buf_free(&err);
    free(body);

    char *ct = fu_cstr(data, size);
    enum up_format f = up_page_format(ct);
    FU_CHECK(f == UP_FORMAT_JSON || f == UP_FORMAT_HTML || f == UP_FORMAT_UNSUPPORTED);
    free(ct);
    return 0;
}
