/* SPDX-License-Identifier: MIT */
/* fuzz_pkginfo.c: libFuzzer harness for the core metadata's fields and the JSON API page made of them (pkginfo_parse, render_api_json, meta_field). */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "fuzzutil.h"
#include "index.h"
#include "meta.h"
#include "pkginfo.h"
#include "render.h"

/* The input is the bytes of a METADATA or PKG-INFO file, as kept beside a
 * distribution (any bytes: NULs, CRLF, invalid UTF-8). Checks:
 * pkginfo_parse succeeds; every value is a view into the input, trimmed,
 * the body without trailing white space; at most PKGINFO_MAX_VALUES
 * repeated values, dropped only past them; pkginfo_unfold and
 * pkginfo_single of every field succeed and unfold to one line without
 * white space at its ends. render_api_json, for every version of a fixed
 * snapshot (1.0 beside 1.0.0, a yanked pre-release), with and without
 * "releases" and for two base URLs, writes one valid JSON object
 * (RFC 8259: syntax, escapes, strict UTF-8) and a newline, with no
 * control character, '<', '>' or '&' outside escapes (it may sit in a
 * <script>), starting with "info". meta_field on a few names returns
 * non-empty single-line values inside the input, trimmed of spaces and
 * tabs. */

/* ---- a JSON checker (RFC 8259) ---- */

struct json {
    const unsigned char *p, *end;
    int depth;
};

static void json_ws(struct json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool json_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The length of the well-formed UTF-8 sequence at p (Unicode's table 3-7),
 * or 0. */
static size_t json_utf8(const unsigned char *p, const unsigned char *end)
{
    size_t n = (size_t)(end - p);
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

static bool json_string(struct json *j)
{
    if (j->p >= j->end || *j->p != '"')
        return false;
    j->p++;
    while (j->p < j->end) {
        unsigned char c = *j->p;
        if (c == '"') {
            j->p++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            if (j->end - j->p < 2)
                return false;
            c = j->p[1];
            if (c == 'u') {
                if (j->end - j->p < 6 || !json_hex(j->p[2]) || !json_hex(j->p[3]) || !json_hex(j->p[4]) ||
                    !json_hex(j->p[5]))
                    return false;
                j->p += 6;
            } else if (strchr("\"\\/bfnrt", c) && c) {
                j->p += 2;
            } else
                return false;
            continue;
        }
        size_t l = json_utf8(j->p, j->end);
        if (!l)
            return false;
        j->p += l;
    }
    return false;
}

static bool json_digits(struct json *j)
{
    const unsigned char *start = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > start;
}

static bool json_number(struct json *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!(j->p < j->end && *j->p >= '1' && *j->p <= '9' && json_digits(j)))
        return false;
    if (j->p < j->end && *j->p == '.' && (j->p++, !json_digits(j)))
        return false;
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!json_digits(j))
            return false;
    }
    return true;
}

static bool json_word(struct json *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return false;
    j->p += n;
    return true;
}

static bool json_value(struct json *j);

/* An object ('{') or array ('['): members separated by commas. */
static bool json_container(struct json *j, bool object)
{
    if (++j->depth > 32)
        return false;
    j->p++;
    json_ws(j);
    if (j->p < j->end && *j->p == (object ? '}' : ']')) {
        j->p++;
        j->depth--;
        return true;
    }
    for (;;) {
        if (object) {
            if (!json_string(j))
                return false;
            json_ws(j);
            if (!(j->p < j->end && *j->p == ':'))
                return false;
            j->p++;
        }
        if (!json_value(j))
            return false;
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            json_ws(j);
            continue;
        }
        if (j->p < j->end && *j->p == (object ? '}' : ']')) {
            j->p++;
            j->depth--;
            return true;
        }
        return false;
    }
}

static bool json_value(struct json *j)
{
    json_ws(j);
    if (j->p >= j->end)
        return false;
    bool ok;
    switch (*j->p) {
    case '{': ok = json_container(j, true); break;
    case '[': ok = json_container(j, false); break;
    case '"': ok = json_string(j); break;
    case 't': ok = json_word(j, "true"); break;
    case 'f': ok = json_word(j, "false"); break;
    case 'n': ok = json_word(j, "null"); break;
    default: ok = json_number(j); break;
    }
    json_ws(j);
    return ok;
}

/* ---- the snapshot ---- */

static struct index_file files[] = {
    { .filename = "demo_pkg-1.0-py3-none-any.whl", .relpath = "demo-pkg/demo_pkg-1.0-py3-none-any.whl",
      .version = "1.0", .kind = DISTFILE_WHEEL, .rec = { .size = 1234, .first_seen_usec = INT64_C(1700000000000001),
                                                         .requires_python = ">=3.8", .has_metadata = true } },
    { .filename = "demo_pkg-1.0.0-py3-none-any.whl", .relpath = "demo-pkg/demo_pkg-1.0.0-py3-none-any.whl",
      .version = "1.0.0", .kind = DISTFILE_WHEEL, .rec = { .size = 99, .has_metadata = true } },
    { .filename = "demo_pkg-1.0.tar.gz", .relpath = "demo-pkg/sub dir/demo_pkg-1.0.tar.gz", .version = "1.0",
      .kind = DISTFILE_SDIST, .rec = { .size = 5, .first_seen_usec = -1, .yanked = true, .has_metadata = true } },
    { .filename = "demo_pkg-2.0rc1.tar.gz", .relpath = "demo-pkg/demo_pkg-2.0rc1.tar.gz", .version = "2.0rc1",
      .kind = DISTFILE_SDIST,
      .rec = { .size = 7, .yanked = true, .yank_reason = "</script>\"\\\x01", .requires_python = "<4&>2" } },
};

static char *versions[] = { "1.0", "1.0.0", "2.0rc1" };

static struct index_project project = {
    .name = "demo-pkg",
    .nfiles = sizeof files / sizeof files[0],
    .files = files,
    .nversions = sizeof versions / sizeof versions[0],
    .versions = versions,
};

/* ---- checks ---- */

static bool in_input(sv_t v, sv_t md)
{
    return v.len == 0 || (v.p >= md.p && v.p + v.len <= md.p + md.len);
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void check_render(const struct pkginfo *pi, size_t v, bool releases, sv_t base)
{
    buf_t out;
    buf_init(&out, RENDER_MAX_PAGE);
    enum pf_err e = render_api_json(&project, v, releases, pi, base, &out);
    FU_CHECK(e == PF_EOK || e == PF_ENOMEM);
    if (e == PF_EOK) {
        const unsigned char *s = (const unsigned char *)out.p;
        FU_CHECK(out.len > 10 && memcmp(s, "{\"info\":{", 9) == 0 && s[out.len - 1] == '\n');
        for (size_t i = 0; i + 1 < out.len; i++)
            FU_CHECK(s[i] >= 0x20 && s[i] != 0x7f && s[i] != '<' && s[i] != '>' && s[i] != '&');
        struct json j = { s, s + out.len - 1, 0 };
        FU_CHECK(json_value(&j) && j.p == j.end && j.depth == 0);
        /* "releases" when asked for, and only then. */
        FU_CHECK((strstr(out.p, "},\"releases\":{") != NULL) == releases);
    }
    buf_free(&out);
}

static void check_fields(sv_t md, const struct pkginfo *pi)
{
    buf_t b;
    buf_init(&b, META_MAX_SIZE);
    for (int k = 0; k < PKGINFO_NSINGLE; k++) {
        sv_t v = pi->single[k];
        FU_CHECK(in_input(v, md));
        /* A value starts after the blanks that follow its colon (a line
         * break or a CR may start it: meta_field reads an empty first line
         * as absent) and ends before white space of any kind. */
        if (v.len && !(k == PKGINFO_DESCRIPTION && pi->body))
            FU_CHECK(v.p[0] != ' ' && v.p[0] != '\t' && !blank(v.p[v.len - 1]));
        buf_reset(&b);
        FU_CHECK(pkginfo_single(&b, pi, (enum pkginfo_key)k) == PF_EOK);
        if (!v.p)
            FU_CHECK(b.len == 0);
        else if (k != PKGINFO_DESCRIPTION)
            FU_CHECK(memchr(b.p ? b.p : "", '\n', b.len) == NULL && b.len <= v.len);
    }
    if (pi->body) {
        sv_t d = pi->single[PKGINFO_DESCRIPTION];
        FU_CHECK(d.len && d.p + d.len <= md.p + md.len && !blank(d.p[d.len - 1]));
    }
    FU_CHECK(pi->nmulti <= PKGINFO_MAX_VALUES && (pi->dropped == 0 || pi->nmulti == PKGINFO_MAX_VALUES));
    for (size_t i = 0; i < pi->nmulti; i++) {
        sv_t v = pi->multi[i].value;
        FU_CHECK(pi->multi[i].key >= PKGINFO_NSINGLE && pi->multi[i].key < PKGINFO_NKEYS);
        FU_CHECK(in_input(v, md));
        buf_reset(&b);
        FU_CHECK(pkginfo_unfold(&b, v) == PF_EOK);
        FU_CHECK(b.len <= v.len);
        if (b.len) {
            FU_CHECK(memchr(b.p, '\n', b.len) == NULL);
            FU_CHECK(b.p[0] != ' ' && b.p[0] != '\t' && b.p[b.len - 1] != ' ' && b.p[b.len - 1] != '\t');
        }
    }
    buf_free(&b);
}

static const char *const names[] = { "Name", "Version", "Summary", "Requires-Python", "Description" };

static void check_meta_field(sv_t md)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        sv_t v;
        if (!meta_field(md, names[i], &v))
            continue;
        FU_CHECK(v.len > 0 && in_input(v, md));
        FU_CHECK(memchr(v.p, '\n', v.len) == NULL);
        FU_CHECK(v.p[0] != ' ' && v.p[0] != '\t' && v.p[v.len - 1] != ' ' && v.p[v.len - 1] != '\t');
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    for (size_t i = 0; i < project.nfiles; i++)
        memset(files[i].rec.sha256, "0123"[i], 64);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: ASan sees a read past the end. */
    char *copy = malloc(size ? size : 1);
    FU_CHECK(copy != NULL);
    if (size)
        memcpy(copy, data, size);
    sv_t md = sv_make(copy, size);
    struct pkginfo pi;
    enum pf_err e = pkginfo_parse(md, &pi);
    FU_CHECK(e == PF_EOK || e == PF_ENOMEM);
    if (e == PF_EOK) {
        check_fields(md, &pi);
        for (size_t v = 0; v < project.nversions; v++)
            check_render(&pi, v, v == 0, SV_LIT("http://h.test:8080/pre fix"));
        check_render(&pi, index_latest_version(&project), true, SV_LIT(""));
        pkginfo_free(&pi);
    }
    check_meta_field(md);
    free(copy);
    return 0;
}
