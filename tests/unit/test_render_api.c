/* SPDX-License-Identifier: MIT */
/* test_render_api.c: unit tests for render_api.c (the JSON API's pages) and the snapshot's release choices (index_latest_version, index_version_source). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "index.h"
#include "pkginfo.h"
#include "render.h"
#include "suites.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A file of a hand-made snapshot. */
struct fspec {
    const char *filename;
    const char *version; /* normalized, as the index keeps it */
    bool yanked;
    const char *reason;
    bool meta;           /* its core metadata is kept */
    const char *requires_python;
};

/* A snapshot of project name as project_build leaves it, from files
 * given in the index's order (by version, then filename); the versions
 * are their distinct strings in that order. Free with free_project. */
static struct index_project *make_project(const char *name, const struct fspec *fs, size_t n)
{
    struct index_project *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    p->name = (char *)name;
    p->nfiles = n;
    p->files = calloc(n ? n : 1, sizeof *p->files);
    p->versions = calloc(n ? n : 1, sizeof *p->versions);
    ck_assert(p->files && p->versions);
    for (size_t i = 0; i < n; i++) {
        struct index_file *f = &p->files[i];
        char rel[512];
        snprintf(rel, sizeof rel, "%s/%s", name, fs[i].filename);
        f->filename = (char *)fs[i].filename;
        f->relpath = strdup(rel);
        ck_assert_ptr_nonnull(f->relpath);
        f->version = (char *)fs[i].version;
        size_t len = strlen(fs[i].filename);
        f->kind = len > 4 && strcmp(fs[i].filename + len - 4, ".whl") == 0 ? DISTFILE_WHEEL : DISTFILE_SDIST;
        f->stored = true;
        memset(f->rec.sha256, 'a' + (int)(i % 6), 64);
        f->rec.size = 1000 + i;
        f->rec.first_seen_usec = INT64_C(1700000000123456) + (int64_t)i * 1000000;
        f->rec.requires_python = (char *)fs[i].requires_python;
        f->rec.yanked = fs[i].yanked;
        f->rec.yank_reason = (char *)fs[i].reason;
        f->rec.has_metadata = fs[i].meta;
        bool seen = false;
        for (size_t j = 0; j < p->nversions && !seen; j++)
            seen = strcmp(p->versions[j], fs[i].version) == 0;
        if (!seen)
            p->versions[p->nversions++] = (char *)fs[i].version;
    }
    return p;
}

static void free_project(struct index_project *p)
{
    for (size_t i = 0; i < p->nfiles; i++)
        free(p->files[i].relpath);
    free(p->files);
    free(p->versions);
    free(p);
}

/* The index of version s in p. */
static size_t version_at(const struct index_project *p, const char *s)
{
    for (size_t i = 0; i < p->nversions; i++)
        if (strcmp(p->versions[i], s) == 0)
            return i;
    ck_abort_msg("no version %s", s);
    return 0;
}

/* Checks what every page must be whatever the metadata says: one line of
 * valid UTF-8 without control characters (they are escaped), with no '<'
 * (so no "</script>"), '>' or '&' (escaped too, for HTML). */
static void assert_clean(const char *page, size_t len)
{
    ck_assert_uint_gt(len, 0);
    ck_assert_int_eq(page[len - 1], '\n');
    const unsigned char *s = (const unsigned char *)page;
    for (size_t i = 0; i + 1 < len;) {
        unsigned char c = s[i];
        ck_assert_msg(c >= 0x20 && c != 0x7f && c != '<' && c != '>' && c != '&', "byte 0x%02x at %zu", c, i);
        size_t l = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        ck_assert_msg(l && i + l < len, "invalid UTF-8 at %zu", i);
        for (size_t k = 1; k < l; k++)
            ck_assert_msg((s[i + k] & 0xc0) == 0x80, "invalid UTF-8 at %zu", i);
        i += l;
    }
}

/* The page of versions[v] of p with the metadata md, as a string. */
static char *render_page(const struct index_project *p, size_t v, bool releases, const char *md, size_t mdlen)
{
    char *copy = malloc(mdlen ? mdlen : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, md, mdlen);
    struct pkginfo pi;
    ck_assert_int_eq(pkginfo_parse(sv_make(copy, mdlen), &pi), PF_EOK);
    buf_t out;
    buf_init(&out, RENDER_MAX_PAGE);
    ck_assert_int_eq(render_api_json(p, v, releases, &pi, SV_LIT("http://idx.test:8080/sub"), &out), PF_EOK);
    assert_clean(out.p, out.len);
    char *s = strndup(out.p, out.len);
    ck_assert_ptr_nonnull(s);
    buf_free(&out);
    pkginfo_free(&pi);
    free(copy);
    return s;
}

#define RENDER(p, v, releases, lit) render_page(p, v, releases, lit, sizeof(lit) - 1)

static void assert_has(const char *page, const char *needle)
{
    ck_assert_msg(strstr(page, needle) != NULL, "no %s in %s", needle, page);
}

static void assert_lacks(const char *page, const char *needle)
{
    ck_assert_msg(strstr(page, needle) == NULL, "%s in %s", needle, page);
}

/* ---- the whole page of a small project ---- */

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

START_TEST(test_render_api_exact)
{
    static const struct fspec fs[] = {
        { "demo_pkg-1.0-py3-none-any.whl", "1.0", false, NULL, true, ">=3.8" },
        { "demo_pkg-1.0.tar.gz", "1.0", false, NULL, true, NULL },
    };
    struct index_project *p = make_project("demo-pkg", fs, NELEM(fs));
    char *page = RENDER(p, 0, true,
                        "Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.0\nSummary: A demo\n"
                        "Classifier: A :: B\nRequires-Dist: x>=1\nProject-URL: Home, https://h.test/\n"
                        "Requires-Python: >=3.8\n\nHello.\n");
#define FILE_WHL                                                                                                   \
    "{\"comment_text\":\"\",\"digests\":{\"sha256\":\"" SHA_A "\"},\"downloads\":-1,"                             \
    "\"filename\":\"demo_pkg-1.0-py3-none-any.whl\",\"has_sig\":false,\"packagetype\":\"bdist_wheel\","           \
    "\"python_version\":\"py3\",\"requires_python\":\"\\u003e=3.8\",\"size\":1000,"                              \
    "\"upload_time\":\"2023-11-14T22:13:20\",\"upload_time_iso_8601\":\"2023-11-14T22:13:20.123456Z\","          \
    "\"url\":\"http://idx.test:8080/sub/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl\",\"yanked\":false,"     \
    "\"yanked_reason\":null}"
#define FILE_SDIST                                                                                                 \
    "{\"comment_text\":\"\",\"digests\":{\"sha256\":\"" SHA_B "\"},\"downloads\":-1,"                             \
    "\"filename\":\"demo_pkg-1.0.tar.gz\",\"has_sig\":false,\"packagetype\":\"sdist\","                           \
    "\"python_version\":\"source\",\"requires_python\":null,\"size\":1001,"                                       \
    "\"upload_time\":\"2023-11-14T22:13:21\",\"upload_time_iso_8601\":\"2023-11-14T22:13:21.123456Z\","          \
    "\"url\":\"http://idx.test:8080/sub/packages/demo-pkg/demo_pkg-1.0.tar.gz\",\"yanked\":false,"               \
    "\"yanked_reason\":null}"
    static const char want[] =
        "{\"info\":{\"author\":null,\"author_email\":null,\"bugtrack_url\":null,\"classifiers\":[\"A :: B\"],"
        "\"description\":\"Hello.\",\"description_content_type\":null,\"docs_url\":null,\"download_url\":null,"
        "\"downloads\":{\"last_day\":-1,\"last_month\":-1,\"last_week\":-1},\"dynamic\":null,\"home_page\":null,"
        "\"keywords\":null,\"license\":null,\"license_expression\":null,\"license_files\":null,"
        "\"maintainer\":null,\"maintainer_email\":null,\"name\":\"Demo_Pkg\","
        "\"package_url\":\"http://idx.test:8080/sub/simple/demo-pkg/\",\"platform\":null,"
        "\"project_url\":\"http://idx.test:8080/sub/simple/demo-pkg/\","
        "\"project_urls\":{\"Home\":\"https://h.test/\"},\"provides_extra\":null,"
        "\"release_url\":\"http://idx.test:8080/sub/pypi/demo-pkg/1.0/json\",\"requires_dist\":[\"x\\u003e=1\"],"
        "\"requires_python\":\"\\u003e=3.8\",\"summary\":\"A demo\",\"version\":\"1.0\",\"yanked\":false,"
        "\"yanked_reason\":null},"
        "\"releases\":{\"1.0\":[" FILE_WHL "," FILE_SDIST "]},"
        "\"urls\":[" FILE_WHL "," FILE_SDIST "],\"vulnerabilities\":[]}\n";
    ck_assert_msg(strcmp(page, want) == 0, "got\n%s\nwant\n%s", page, want);
    free(page);
    /* The version's own page: no "releases". */
    page = RENDER(p, 0, false, "Name: demo-pkg\n");
    assert_lacks(page, "\"releases\"");
    assert_has(page, ",\"urls\":[" FILE_WHL "," FILE_SDIST "],\"vulnerabilities\":[]}\n");
    free(page);
    free_project(p);
#undef FILE_WHL
#undef FILE_SDIST
}
END_TEST

/* No metadata at all: the index's name and version, every field null
 * but the lists that are always lists. */
START_TEST(test_render_api_no_metadata)
{
    static const struct fspec fs[] = { { "demo-2.0.tar.gz", "2.0", false, NULL, false, NULL } };
    struct index_project *p = make_project("demo", fs, NELEM(fs));
    char *page = RENDER(p, 0, true, "");
    assert_has(page, "{\"info\":{\"author\":null,\"author_email\":null,\"bugtrack_url\":null,\"classifiers\":[],"
                     "\"description\":null,");
    assert_has(page, "\"dynamic\":null,");
    assert_has(page, "\"license_files\":null,");
    assert_has(page, "\"name\":\"demo\",");
    assert_has(page, "\"platform\":null,");
    assert_has(page, "\"project_urls\":null,");
    assert_has(page, "\"provides_extra\":null,");
    assert_has(page, "\"requires_dist\":null,\"requires_python\":null,\"summary\":null,\"version\":\"2.0\",");
    free(page);
    free_project(p);
}
END_TEST

/* ---- escaping ---- */

START_TEST(test_render_api_escapes)
{
    static const struct fspec fs[] = {
        { "evil-1.0.tar.gz", "1.0", true, "\"</script><b>\\\x01\x7f\xff", true, "<4,\"x\"" },
    };
    struct index_project *p = make_project("evil", fs, NELEM(fs));
    static const char md[] = "Name: ev\"il\\\nSummary: </script><script>alert(1)</script>\n"
                             "Author: tab\there\x01\x1f\x7f end\nAuthor-email: \xff\xfe bad \xc3\xa9 good \xe2\x82\n"
                             "Maintainer: \xc3\n"
                             "Classifier: a & b\nRequires-Dist: q; extra == \"x\\\"y\"\n"
                             "Project-URL: </script>, javascript:\"x\"\n\nbody \"q\" \\ <\x00>\r\nline\n";
    char *page = render_page(p, 0, true, md, sizeof md - 1);
    /* A Name that is not this project's (no valid name at all here) is
     * not printed: the index's name is. */
    assert_has(page, "\"name\":\"evil\"");
    assert_has(page, "\"summary\":\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"");
    assert_has(page, "\"author\":\"tab\\there\\u0001\\u001f\\u007f end\"");
    assert_has(page, "\"author_email\":\"\\ufffd\\ufffd bad \xc3\xa9 good \\ufffd\\ufffd\"");
    assert_has(page, "\"maintainer\":\"\\ufffd\"");
    assert_has(page, "\"classifiers\":[\"a \\u0026 b\"]");
    assert_has(page, "\"requires_dist\":[\"q; extra == \\\"x\\\\\\\"y\\\"\"]");
    assert_has(page, "\"project_urls\":{\"\\u003c/script\\u003e\":\"javascript:\\\"x\\\"\"}");
    assert_has(page, "\"description\":\"body \\\"q\\\" \\\\ \\u003c\\u0000\\u003e\\r\\nline\"");
    /* What the index keeps is escaped as well. */
    assert_has(page, "\"yanked\":true,\"yanked_reason\":\"\\\"\\u003c/script\\u003e\\u003cb\\u003e\\\\\\u0001"
                     "\\u007f\\ufffd\"}");
    assert_has(page, "\"requires_python\":\"\\u003c4,\\\"x\\\"\"");
    free(page);
    free_project(p);
}
END_TEST

/* The metadata's Name is printed as written when it is this project's,
 * and the index's name when it is another's. */
START_TEST(test_render_api_name)
{
    static const struct fspec fs[] = { { "foo_bar-1.0.tar.gz", "1.0", false, NULL, false, NULL } };
    struct index_project *p = make_project("foo-bar", fs, NELEM(fs));
    static const char own[] = "Name: Foo.Bar\n";
    char *page = render_page(p, 0, false, own, sizeof own - 1);
    assert_has(page, "\"name\":\"Foo.Bar\"");
    free(page);
    static const char other[] = "Name: something-else\n";
    page = render_page(p, 0, false, other, sizeof other - 1);
    assert_has(page, "\"name\":\"foo-bar\"");
    free(page);
    free_project(p);
}
END_TEST

/* Names, versions and paths from the tree are escaped in the URLs. */
START_TEST(test_render_api_url_escapes)
{
    static const struct fspec fs[] = { { "x-1.0+a b.tar.gz", "1.0+a", false, NULL, false, NULL } };
    struct index_project *p = make_project("x", fs, NELEM(fs));
    char *page = RENDER(p, 0, true, "");
    assert_has(page, "\"url\":\"http://idx.test:8080/sub/packages/x/x-1.0+a%20b.tar.gz\"");
    assert_has(page, "\"release_url\":\"http://idx.test:8080/sub/pypi/x/1.0+a/json\"");
    free(page);
    free_project(p);
}
END_TEST

/* ---- versions ---- */

/* "releases" follows the versions' order (9.0 before 10.0), not the
 * order of their strings. */
START_TEST(test_render_api_release_order)
{
    static const struct fspec fs[] = {
        { "o-9.0.tar.gz", "9.0", false, NULL, false, NULL },
        { "o-10.0.tar.gz", "10.0", false, NULL, false, NULL },
    };
    struct index_project *p = make_project("o", fs, NELEM(fs));
    char *page = RENDER(p, 1, true, "");
    char *r9 = strstr(page, "\"9.0\":[{"), *r10 = strstr(page, "\"10.0\":[{");
    ck_assert(r9 && r10 && r9 < r10);
    free(page);
    free_project(p);
}
END_TEST

/* 1.0 and 1.0.0 compare equal and sort together, but are two releases
 * with their own files. */
START_TEST(test_render_api_equal_versions)
{
    static const struct fspec fs[] = {
        { "d-1.0-py3-none-any.whl", "1.0", false, NULL, true, NULL },
        { "d-1.0.0-py3-none-any.whl", "1.0.0", false, NULL, true, NULL },
        { "d-1.0.tar.gz", "1.0", false, NULL, true, NULL },
    };
    struct index_project *p = make_project("d", fs, NELEM(fs));
    ck_assert_uint_eq(p->nversions, 2);
    char *page = RENDER(p, version_at(p, "1.0"), true, "Name: d\n");
    char *rel = strstr(page, "\"releases\":{");
    ck_assert_ptr_nonnull(rel);
    char *r10 = strstr(rel, "\"1.0\":[{"), *r100 = strstr(rel, "\"1.0.0\":[{"), *urls = strstr(rel, "\"urls\":[");
    ck_assert(r10 && r100 && urls);
    ck_assert(r10 < r100 && r100 < urls);
    /* 1.0's files, in their order, then 1.0.0's. */
    char *w10 = strstr(r10, "d-1.0-py3-none-any.whl"), *s10 = strstr(r10, "d-1.0.tar.gz");
    char *w100 = strstr(r100, "d-1.0.0-py3-none-any.whl");
    ck_assert(w10 && s10 && w100);
    ck_assert(w10 < s10 && s10 < r100 && r100 < w100 && w100 < urls);
    ck_assert_uint_eq(tu_count(rel, "\"filename\""), 5);
    /* The page of 1.0 lists 1.0's files only. */
    ck_assert(strstr(urls, "d-1.0-py3-none-any.whl") && strstr(urls, "d-1.0.tar.gz"));
    assert_lacks(urls, "d-1.0.0-py3-none-any.whl");
    assert_has(page, "\"version\":\"1.0\",");
    free(page);
    page = RENDER(p, version_at(p, "1.0.0"), false, "Name: d\n");
    urls = strstr(page, "\"urls\":[");
    ck_assert_ptr_nonnull(urls);
    ck_assert_uint_eq(tu_count(urls, "\"filename\""), 1);
    assert_has(urls, "d-1.0.0-py3-none-any.whl");
    assert_has(page, "\"release_url\":\"http://idx.test:8080/sub/pypi/d/1.0.0/json\"");
    free(page);
    free_project(p);
}
END_TEST

/* A release is yanked when every file of it is, with the first file's
 * reason; each file says its own. */
START_TEST(test_render_api_yanked)
{
    static const struct fspec fs[] = {
        { "y-1.0-py3-none-any.whl", "1.0", true, "first reason", true, NULL },
        { "y-1.0.tar.gz", "1.0", true, "second reason", true, NULL },
        { "y-2.0-py3-none-any.whl", "2.0", true, "gone", true, NULL },
        { "y-2.0.tar.gz", "2.0", false, NULL, true, NULL },
        { "y-3.0.tar.gz", "3.0", true, NULL, false, NULL },
    };
    struct index_project *p = make_project("y", fs, NELEM(fs));
    char *page = RENDER(p, 0, true, "");
    assert_has(page, "\"version\":\"1.0\",\"yanked\":true,\"yanked_reason\":\"first reason\"}");
    assert_has(page, "\"filename\":\"y-1.0.tar.gz\",");
    assert_has(page, "\"yanked\":true,\"yanked_reason\":\"second reason\"}");
    free(page);
    page = RENDER(p, 1, false, "");
    assert_has(page, "\"version\":\"2.0\",\"yanked\":false,\"yanked_reason\":null}");
    assert_has(page, "\"yanked\":true,\"yanked_reason\":\"gone\"}");
    free(page);
    page = RENDER(p, 2, false, "");
    assert_has(page, "\"version\":\"3.0\",\"yanked\":true,\"yanked_reason\":null}");
    free(page);
    free_project(p);
}
END_TEST

/* ---- info fields ---- */

START_TEST(test_render_api_project_urls)
{
    static const struct fspec fs[] = { { "u-1.0.tar.gz", "1.0", false, NULL, true, NULL } };
    struct index_project *p = make_project("u", fs, NELEM(fs));
    /* The first of each label wins; a value without a comma is a label
     * with an empty URL; label and URL are trimmed and unfolded. */
    char *page = RENDER(p, 0, false,
                        "Project-URL: Source , https://a.test/ \nProject-URL: Docs,https://d.test/\n"
                        "Project-URL: Source, https://b.test/\nProject-URL: no comma here\n"
                        "Project-URL: Two, words, https://c.test/\nProject-URL: Folded\n  label, https://f.test/\n");
    assert_has(page, "\"project_urls\":{\"Source\":\"https://a.test/\",\"Docs\":\"https://d.test/\","
                     "\"no comma here\":\"\",\"Two\":\"words, https://c.test/\","
                     "\"Folded label\":\"https://f.test/\"},");
    free(page);
    /* Labels that print the same are one key, the first: a fold against
     * a space, two bytes that are no UTF-8 (both U+FFFD). */
    page = RENDER(p, 0, false,
                  "Project-URL: Two\n  words, https://1.test/\nProject-URL: Two words, https://2.test/\n"
                  "Project-URL: \xff, https://3.test/\nProject-URL: \xfe, https://4.test/\n");
    assert_has(page, "\"project_urls\":{\"Two words\":\"https://1.test/\",\"\\ufffd\":\"https://3.test/\"},");
    free(page);
    /* Every label empty: one key "", the first value (the labels' scratch
     * buffer is never allocated then). */
    page = RENDER(p, 0, false, "Project-URL: , https://1.test/\nProject-URL: ,https://2.test/\nProject-URL:  ,\n");
    assert_has(page, "\"project_urls\":{\"\":\"https://1.test/\"},");
    free(page);
    free_project(p);
}
END_TEST

START_TEST(test_render_api_lists)
{
    static const struct fspec fs[] = { { "l-1.0.tar.gz", "1.0", false, NULL, true, NULL } };
    struct index_project *p = make_project("l", fs, NELEM(fs));
    char *page = RENDER(p, 0, false,
                        "Name: l\nDynamic: Summary\nClassifier: One\nPlatform: linux\nPlatform: win32\n"
                        "Provides-Extra: test\nLicense-File: LICENSE\nLicense-File: NOTICE\n"
                        "Requires-Dist: a\nRequires-Dist: b ;\n  python_version < \"3.9\"\nClassifier: Two\n"
                        "Keywords: k1,\n k2\nDescription: d\n        more\n");
    assert_has(page, "\"classifiers\":[\"One\",\"Two\"],\"description\":\"d\\nmore\",");
    assert_has(page, "\"dynamic\":[\"Summary\"],");
    assert_has(page, "\"keywords\":\"k1, k2\",");
    assert_has(page, "\"license_files\":[\"LICENSE\",\"NOTICE\"],");
    assert_has(page, "\"platform\":[\"linux\",\"win32\"],");
    assert_has(page, "\"provides_extra\":[\"test\"],");
    assert_has(page, "\"requires_dist\":[\"a\",\"b ; python_version \\u003c \\\"3.9\\\"\"],");
    free(page);
    free_project(p);
}
END_TEST

/* ---- index_latest_version, index_version_source ---- */

/* A file with kept metadata, the same yanked, and one as given. */
#define F(n, v) { n, v, false, NULL, true, NULL }
#define FY(n, v) { n, v, true, NULL, true, NULL }
#define FM(n, v, yanked, meta) { n, v, yanked, NULL, meta, NULL }

struct latest_case {
    struct fspec fs[4];
    size_t n;
    const char *want;
};

static const struct latest_case latest_cases[] = {
    /* The highest final release. */
    { { F("a-1.0.tar.gz", "1.0"), F("a-2.0.tar.gz", "2.0"), F("a-3.0rc1.tar.gz", "3.0rc1") }, 3, "2.0" },
    /* A yanked one is passed over; one file not yanked is enough. */
    { { F("a-1.0.tar.gz", "1.0"), FY("a-2.0.tar.gz", "2.0") }, 2, "1.0" },
    { { F("a-1.0.tar.gz", "1.0"),
        FY("a-2.0-py3-none-any.whl", "2.0"),
        F("a-2.0.tar.gz", "2.0") },
      3,
      "2.0" },
    /* Only pre-releases (and dev releases): the highest. */
    { { F("a-1.0a1.tar.gz", "1.0a1"), F("a-1.0b2.tar.gz", "1.0b2"), F("a-2.0.dev1.tar.gz", "2.0.dev1") },
      3,
      "2.0.dev1" },
    /* Finals all yanked: the highest pre-release not yanked. */
    { { FY("a-1.0.tar.gz", "1.0"), F("a-2.0a1.tar.gz", "2.0a1"), FY("a-2.0b1.tar.gz", "2.0b1") },
      3,
      "2.0a1" },
    /* All yanked: the highest. */
    { { FY("a-1.0.tar.gz", "1.0"), FY("a-2.0.tar.gz", "2.0") }, 2, "2.0" },
    /* A post-release is a final release. */
    { { F("a-1.0.tar.gz", "1.0"), F("a-1.0.post1.tar.gz", "1.0.post1") }, 2, "1.0.post1" },
    /* One version. */
    { { FY("a-0.1.tar.gz", "0.1") }, 1, "0.1" },
};

START_TEST(test_index_latest_version)
{
    const struct latest_case *c = &latest_cases[_i];
    struct index_project *p = make_project("a", c->fs, c->n);
    size_t v = index_latest_version(p);
    ck_assert_uint_lt(v, p->nversions);
    ck_assert_msg(strcmp(p->versions[v], c->want) == 0, "case %d: %s, want %s", _i, p->versions[v], c->want);
    free_project(p);
}
END_TEST

struct source_case {
    struct fspec fs[4];
    size_t n;
    const char *version;
    const char *want; /* a filename, or NULL */
};

static const struct source_case source_cases[] = {
    /* The wheel's METADATA before the sdist's PKG-INFO. */
    { { FM("s-1.0-py3-none-any.whl", "1.0", false, true), FM("s-1.0.tar.gz", "1.0", false, true) },
      2,
      "1.0",
      "s-1.0-py3-none-any.whl" },
    { { FM("s-1.0.tar.gz", "1.0", false, true), FM("s-1.0-py3-none-any.whl", "1.0", false, true) },
      2,
      "1.0",
      "s-1.0-py3-none-any.whl" },
    /* A wheel without kept metadata is no source. */
    { { FM("s-1.0-py3-none-any.whl", "1.0", false, false), FM("s-1.0.tar.gz", "1.0", false, true) },
      2,
      "1.0",
      "s-1.0.tar.gz" },
    /* Among wheels (and among sdists), one not yanked first. */
    { { FM("s-1.0-cp312-none-any.whl", "1.0", true, true),
        FM("s-1.0-py3-none-any.whl", "1.0", false, true),
        FM("s-1.0.tar.gz", "1.0", false, true) },
      3,
      "1.0",
      "s-1.0-py3-none-any.whl" },
    { { FM("s-1.0.tar.gz", "1.0", true, true), FM("s-1.0.zip", "1.0", false, true) },
      2,
      "1.0",
      "s-1.0.zip" },
    /* A yanked wheel still comes before an sdist (wheel first, then not
     * yanked: index.h). */
    { { FM("s-1.0-py3-none-any.whl", "1.0", true, true), FM("s-1.0.tar.gz", "1.0", false, true) },
      2,
      "1.0",
      "s-1.0-py3-none-any.whl" },
    /* Only files of that very version string. */
    { { FM("s-1.0.tar.gz", "1.0", false, false), FM("s-1.0.0-py3-none-any.whl", "1.0.0", false, true) },
      2,
      "1.0",
      NULL },
    /* None with metadata. */
    { { FM("s-1.0-py3-none-any.whl", "1.0", false, false), FM("s-1.0.tar.gz", "1.0", true, false) },
      2,
      "1.0",
      NULL },
};

START_TEST(test_index_version_source)
{
    const struct source_case *c = &source_cases[_i];
    struct index_project *p = make_project("s", c->fs, c->n);
    const struct index_file *f = index_version_source(p, version_at(p, c->version));
    if (!c->want)
        ck_assert_msg(f == NULL, "case %d: %s", _i, f ? f->filename : "");
    else {
        ck_assert_msg(f != NULL, "case %d: none", _i);
        ck_assert_msg(strcmp(f->filename, c->want) == 0, "case %d: %s, want %s", _i, f->filename, c->want);
    }
    free_project(p);
}
END_TEST

Suite *suite_render_api(void)
{
    Suite *s = suite_create("render_api");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_render_api_exact);
    tcase_add_test(tc, test_render_api_no_metadata);
    tcase_add_test(tc, test_render_api_escapes);
    tcase_add_test(tc, test_render_api_name);
    tcase_add_test(tc, test_render_api_release_order);
    tcase_add_test(tc, test_render_api_url_escapes);
    tcase_add_test(tc, test_render_api_equal_versions);
    tcase_add_test(tc, test_render_api_yanked);
    tcase_add_test(tc, test_render_api_project_urls);
    tcase_add_test(tc, test_render_api_lists);
    tcase_add_loop_test(tc, test_index_latest_version, 0, (int)NELEM(latest_cases));
    tcase_add_loop_test(tc, test_index_version_source, 0, (int)NELEM(source_cases));
    suite_add_tcase(s, tc);
    return s;
}
