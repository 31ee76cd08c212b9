/* SPDX-License-Identifier: MIT */
/* test_upstream_store.c: unit tests for upstream_store*.c (page records, stamps, locks), hostile records too. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buf.h"
#include "digest.h"
#include "suites.h"
#include "testutil.h"
#include "upstream_store.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define MAGIC "pypi-fcgi-upstream-page 1\n"
#define H1 "4e1a6b5c0d6f3e2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a"
#define H2 "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define WHL "demo_pkg-1.0-py3-none-any.whl"
#define TGZ "demo-pkg-1.0.tar.gz"
#define ZIP "Demo.Pkg-1.1rc1.zip"

/* ---- Building and comparing pages ---- */

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    ck_assert_ptr_nonnull(p);
    return p;
}

static struct up_file *add_file(struct up_page *p, const char *filename, const char *url)
{
    p->files = realloc(p->files, (p->nfiles + 1) * sizeof *p->files);
    ck_assert_ptr_nonnull(p->files);
    struct up_file *f = &p->files[p->nfiles++];
    memset(f, 0, sizeof *f);
    f->filename = xstrdup(filename);
    f->url = xstrdup(url);
    f->size = -1;
    f->upload_time_usec = -1;
    return f;
}

static void add_version(struct up_page *p, const char *v)
{
    p->has_versions = true;
    p->versions = realloc(p->versions, (p->nversions + 1) * sizeof *p->versions);
    ck_assert_ptr_nonnull(p->versions);
    p->versions[p->nversions++] = xstrdup(v);
}

static void base(struct up_cached *c)
{
    memset(c, 0, sizeof *c);
    c->page.name = xstrdup("demo-pkg");
    c->page_url = xstrdup("https://pypi.org/simple/demo-pkg/");
    c->fetched_at = 1796551200;
    c->checked_at = 1796554800;
}

/* The pages the round trips use: every field set and unset, and strings
 * holding every kind of byte a page may (controls, space, '%', '=', line
 * ends, multi-byte UTF-8; validators also bytes that are not UTF-8). */
static void build(int variant, struct up_cached *c)
{
    base(c);
    struct up_page *p = &c->page;
    struct up_file *f;
    switch (variant) {
    case 0: /* everything */
        free(c->page_url);
        c->page_url = xstrdup("https://h.example/simple/demo-pkg/?a=%20b&c=\xc3\xa9 d\t\x01\x7f\xff");
        c->etag = xstrdup("W/\"a b%20\x80\xff\"");
        c->last_modified = xstrdup("Sat, 05 Dec 2026 10:00:00 GMT");
        p->nskipped = 3;
        snprintf(p->skipped_why, sizeof p->skipped_why, "file 2: its filename is another project's (\"x%%y\")");
        f = add_file(p, WHL, "https://f.example/p/demo_pkg-1.0-py3-none-any.whl?x=1&y=%2B");
        f->has_sha256 = true;
        strcpy(f->sha256, H1);
        f->requires_python = xstrdup("\t>=3.8, <4 %20 \r\n\x01\x7f caf\xc3\xa9");
        f->yanked = true;
        f->yank_reason = xstrdup("broken\nbuild 100% caf\xc3\xa9 \xf0\x9f\x90\x8d = end ");
        f->core_metadata = true;
        f->has_core_metadata_sha256 = true;
        strcpy(f->core_metadata_sha256, H2);
        f->size = 0;
        f->upload_time_usec = 0;
        f = add_file(p, TGZ, "http://f.example/demo-pkg-1.0.tar.gz");
        f->requires_python = xstrdup("");
        f->yanked = true;
        f->core_metadata = true;
        f->size = INT64_MAX;
        f = add_file(p, ZIP, "https://f.example/Demo.Pkg-1.1rc1.zip");
        f->yanked = true;
        f->yank_reason = xstrdup("");
        f->upload_time_usec = 1672531200123456;
        add_version(p, "1.0");
        add_version(p, "1.1rc1");
        add_version(p, "");
        add_version(p, " sp\xc3\xa9 %\n");
        break;
    case 1: /* nothing optional, no versions list */
        add_file(p, WHL, "https://f.example/" WHL);
        break;
    case 2: /* an empty versions list, no files */
        p->has_versions = true;
        c->last_modified = xstrdup("");
        break;
    case 3: /* a validator that is empty, hashes without metadata */
        c->etag = xstrdup("");
        f = add_file(p, TGZ, "https://f.example/" TGZ);
        f->has_sha256 = true;
        strcpy(f->sha256, H2);
        f->size = 12;
        add_version(p, "1.0");
        break;
    default: /* many files, the combinations by index */
        for (int i = 0; i < 500; i++) {
            char name[64], url[128];
            snprintf(name, sizeof name, "demo_pkg-1.%d-py3-none-any.whl", i);
            snprintf(url, sizeof url, "https://f.example/%d/%s", i, name);
            f = add_file(p, name, url);
            f->has_sha256 = i % 2;
            if (f->has_sha256)
                strcpy(f->sha256, i % 4 == 1 ? H1 : H2);
            if (i % 3 == 0)
                f->requires_python = xstrdup(">=3.7");
            f->yanked = i % 5 == 0;
            if (f->yanked && i % 10 == 0)
                f->yank_reason = xstrdup("bad");
            f->core_metadata = i % 7 < 3;
            f->has_core_metadata_sha256 = i % 7 == 1;
            if (f->has_core_metadata_sha256)
                strcpy(f->core_metadata_sha256, H1);
            f->size = i % 11 ? i * 1000 : -1;
            f->upload_time_usec = i % 13 ? (int64_t)i * 1000000 : -1;
            snprintf(name, sizeof name, "1.%d", i);
            add_version(p, name);
        }
    }
}
#define NVARIANTS 5

static bool str_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_same(const struct up_cached *a, const struct up_cached *b)
{
    const struct up_page *p = &a->page, *q = &b->page;
    ck_assert_str_eq(p->name, q->name);
    ck_assert(str_same(a->page_url, b->page_url));
    ck_assert(str_same(a->etag, b->etag));
    ck_assert(str_same(a->last_modified, b->last_modified));
    ck_assert_int_eq(a->fetched_at, b->fetched_at);
    ck_assert_int_eq(a->checked_at, b->checked_at);
    ck_assert_uint_eq(p->nskipped, q->nskipped);
    ck_assert_str_eq(p->skipped_why, q->skipped_why);
    ck_assert_uint_eq(p->nfiles, q->nfiles);
    for (size_t i = 0; i < p->nfiles; i++) {
        const struct up_file *f = &p->files[i], *g = &q->files[i];
        ck_assert_str_eq(f->filename, g->filename);
        ck_assert_str_eq(f->url, g->url);
        ck_assert(f->has_sha256 == g->has_sha256);
        ck_assert_str_eq(f->sha256, g->sha256);
        ck_assert(str_same(f->requires_python, g->requires_python));
        ck_assert(f->yanked == g->yanked);
        ck_assert(str_same(f->yank_reason, g->yank_reason));
        ck_assert(f->core_metadata == g->core_metadata);
        ck_assert(f->has_core_metadata_sha256 == g->has_core_metadata_sha256);
        ck_assert_str_eq(f->core_metadata_sha256, g->core_metadata_sha256);
        ck_assert_int_eq(f->size, g->size);
        ck_assert_int_eq(f->upload_time_usec, g->upload_time_usec);
    }
    ck_assert(p->has_versions == q->has_versions);
    ck_assert_uint_eq(p->nversions, q->nversions);
    for (size_t i = 0; i < p->nversions; i++)
        ck_assert_str_eq(p->versions[i], q->versions[i]);
}

static bool empty(const struct up_cached *c)
{
    static const struct up_cached zero;
    return memcmp(c, &zero, sizeof zero) == 0;
}

static void assert_printable(const buf_t *err)
{
    ck_assert_msg(err->len > 0, "an error without a message");
    for (size_t i = 0; i < err->len; i++)
        ck_assert_msg(err->p[i] >= ' ' && err->p[i] < 127, "message not printable: %s", err->p);
}

static void encode(const struct up_cached *c, char **rec, size_t *len)
{
    char sum[65];
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = upstream_store_encode(c, rec, len, sum, &err);
    ck_assert_msg(e == PF_EOK, "encode: %s: %s", pf_errname(e), err.p);
    ck_assert(memcmp(sum, *rec + *len - 65, 64) == 0);
    buf_free(&err);
}

/* Decodes body with its right end line appended. */
static enum pf_err decode_body(const char *body, size_t len, struct up_cached *out, buf_t *err)
{
    char sum[65];
    digest_sha256_hex(body, len, sum);
    char *rec = malloc(len + 70);
    ck_assert_ptr_nonnull(rec);
    memcpy(rec, body, len);
    int n = snprintf(rec + len, 70, "end %s\n", sum);
    enum pf_err e = upstream_store_decode(rec, len + (size_t)n, out, err);
    free(rec);
    return e;
}

/* ---- The format ---- */

START_TEST(test_upstream_store_roundtrip)
{
    struct up_cached c, d;
    build(_i, &c);
    char *rec, *again;
    size_t len, alen;
    encode(&c, &rec, &len);
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = upstream_store_decode(rec, len, &d, &err);
    ck_assert_msg(e == PF_EOK, "variant %d: %s: %s", _i, pf_errname(e), err.p);
    assert_same(&c, &d);
    ck_assert(memcmp(d.record_sha256, rec + len - 65, 64) == 0);
    ck_assert_int_eq(strlen(d.record_sha256), 64);
    /* Canonical: what was read writes the same bytes. */
    encode(&d, &again, &alen);
    ck_assert_uint_eq(alen, len);
    ck_assert(memcmp(again, rec, len) == 0);
    /* Nothing but printable ASCII lines. */
    for (size_t i = 0; i < len; i++)
        ck_assert_msg((rec[i] > ' ' && rec[i] < 127) || rec[i] == ' ' || rec[i] == '\n', "byte %zu is 0x%02x", i,
                      (unsigned char)rec[i]);
    free(rec);
    free(again);
    up_cached_free(&c);
    up_cached_free(&d);
    ck_assert(empty(&d));
    buf_free(&err);
}
END_TEST

/* The bytes of a record are those upstream_store.h describes. */
START_TEST(test_upstream_store_format)
{
    struct up_cached c;
    base(&c);
    c.etag = xstrdup("\"a b%\"");
    c.page.nskipped = 1;
    strcpy(c.page.skipped_why, "why not");
    struct up_file *f = add_file(&c.page, WHL, "https://f.example/a%2Bb/" WHL);
    f->has_sha256 = true;
    strcpy(f->sha256, H1);
    f->requires_python = xstrdup(">=3.8, <4");
    f->core_metadata = true;
    f->size = 4821;
    f->upload_time_usec = 1672531200123456;
    f = add_file(&c.page, TGZ, "https://f.example/" TGZ);
    f->yanked = true;
    f->yank_reason = xstrdup("broken\tbuild\xc3\xa9");
    f->core_metadata = true;
    f->has_core_metadata_sha256 = true;
    strcpy(f->core_metadata_sha256, H2);
    add_version(&c.page, "1.0");
    const char body[] = MAGIC "name demo-pkg\n"
                              "page-url https://pypi.org/simple/demo-pkg/\n"
                              "etag \"a%20b%25\"\n"
                              "fetched 1796551200\n"
                              "checked 1796554800\n"
                              "skipped 1 why%20not\n"
                              "files 2\n"
                              "file " WHL " https://f.example/a%252Bb/" WHL " sha256=" H1
                              " rp=>=3.8,%20<4 meta size=4821 time=1672531200123456\n"
                              "file " TGZ " https://f.example/" TGZ " yanked=broken%09build%c3%a9 meta=" H2 "\n"
                              "versions 1\n"
                              "version 1.0\n";
    char sum[65], *rec;
    size_t len;
    digest_sha256_hex(body, sizeof body - 1, sum);
    encode(&c, &rec, &len);
    ck_assert_uint_eq(len, sizeof body - 1 + 69);
    ck_assert_msg(memcmp(rec, body, sizeof body - 1) == 0, "got:\n%.*s", (int)len, rec);
    ck_assert(memcmp(rec + sizeof body - 1, "end ", 4) == 0 && memcmp(rec + sizeof body + 3, sum, 64) == 0);
    ck_assert_int_eq(rec[len - 1], '\n');
    free(rec);
    up_cached_free(&c);
}
END_TEST

/* A valid record cut at any byte is refused, and leaves nothing. */
START_TEST(test_upstream_store_truncated)
{
    struct up_cached c, d;
    build(0, &c);
    char *rec;
    size_t len;
    encode(&c, &rec, &len);
    buf_t err;
    buf_init(&err, 1024);
    for (size_t n = 0; n < len; n++) {
        char *cut = malloc(n + 1); /* exactly n bytes readable (ASan checks) */
        memcpy(cut, rec, n);
        enum pf_err e = upstream_store_decode(cut, n, &d, &err);
        ck_assert_msg(e == PF_ECORRUPT, "cut at %zu of %zu: %s", n, len, pf_errname(e));
        ck_assert(empty(&d));
        assert_printable(&err);
        free(cut);
    }
    /* Any one byte changed is refused too. */
    for (size_t i = 0; i < len; i++) {
        rec[i] ^= 0x20;
        ck_assert_int_eq(upstream_store_decode(rec, len, &d, &err), PF_ECORRUPT);
        ck_assert(empty(&d));
        rec[i] ^= 0x20;
    }
    ck_assert_int_eq(upstream_store_decode(rec, len, &d, &err), PF_EOK);
    up_cached_free(&d);
    free(rec);
    up_cached_free(&c);
    buf_free(&err);
}
END_TEST

#define HEAD0 MAGIC "name demo-pkg\npage-url https://pypi.org/simple/demo-pkg/\nfetched 100\nchecked 200\n"
#define HEAD HEAD0 "skipped 0\n"
#define F1 "file " WHL " https://f.example/" WHL
#define F2 "file " TGZ " https://f.example/" TGZ

/* Records with a right checksum, each well-formed or not. */
static const struct {
    const char *body;
    bool ok;
} bodies[] = {
    { HEAD "files 0\n", true },
    { HEAD "files 1\n" F1 "\n", true },
    { HEAD "files 2\n" F1 " sha256=" H1 " rp=>=3 yanked meta=" H2 " size=0 time=5\n" F2 " yanked=\n", true },
    { HEAD "files 0\nversions 0\n", true },
    { HEAD "files 0\nversions 2\nversion 1%25\nversion \n", true },
    { MAGIC "name demo-pkg\npage-url x\netag \nlast-modified \nfetched 0\nchecked 0\nskipped 9 a%0ab\nfiles 0\n",
      true },
    /* the head */
    { "pypi-fcgi-upstream-page 2\nname demo-pkg\npage-url x\nfetched 1\nchecked 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name Demo_Pkg\npage-url x\nfetched 1\nchecked 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name -demo\npage-url x\nfetched 1\nchecked 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url \nfetched 1\nchecked 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url x\nlast-modified a\netag b\nfetched 1\nchecked 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url x\netag a\netag b\nfetched 1\nchecked 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url x\nfetched 01\nchecked 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url x\nfetched -1\nchecked 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url x\nfetched 9223372036854775808\nchecked 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url x\nchecked 1\nfetched 1\nskipped 0\nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url x\nfetched 1\nchecked 1\nskipped 1 \nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url x\nfetched 1\nchecked 1\nskipped 200001\nfiles 0\n", false },
    { MAGIC "name demo-pkg\npage-url x\nfetched 1\nchecked 1\nskipped 0\n", false },
    { MAGIC "name demo-pkg\r\npage-url x\nfetched 1\nchecked 1\nskipped 0\nfiles 0\n", false },
    { HEAD "files 0\ncolor blue\n", false },
    { HEAD "files 0\n\n", false },
    /* escapes: only lower-case, only of what must be, never NUL */
    { HEAD "files 1\n" F1 " rp=%3e3\n", false },
    { HEAD "files 1\n" F1 " rp=%2C\n", false },
    { HEAD "files 1\n" F1 " rp=%2\n", false },
    { HEAD "files 1\n" F1 " rp=%zz\n", false },
    { HEAD "files 1\n" F1 " rp=%00\n", false },
    { HEAD "files 1\n" F1 " rp=a\tb\n", false },
    { HEAD "files 1\n" F1 " rp=%ff\n", false },    /* not UTF-8 */
    { HEAD "files 1\n" F1 " rp=%c3%28\n", false }, /* not UTF-8 */
    { HEAD "files 1\n" F1 " rp=%c3%a9\n", true },
    /* counts */
    { HEAD "files 2\n" F1 "\n", false },
    { HEAD "files 1\n" F1 "\n" F2 "\n", false },
    { HEAD "files 200001\n" F1 "\n", false },
    { HEAD "files 1000\n" F1 "\n", false },
    { HEAD "files 00\n", false },
    { HEAD "files 0\nversions 1\n", false },
    { HEAD "files 0\nversions 200001\nversion 1\n", false },
    { HEAD "files 0\nversions 1\nversion 1\nversion 2\n", false },
    /* file lines */
    { HEAD "files 1\n" F1 " size=1 sha256=" H1 "\n", false },
    { HEAD "files 1\n" F1 " size=1 size=2\n", false },
    { HEAD "files 1\n" F1 " colour=blue\n", false },
    { HEAD "files 1\n" F1 "  size=1\n", false },
    { HEAD "files 1\n" F1 " \n", false },
    { HEAD "files 1\nfile " WHL "\n", false },
    { HEAD "files 1\n" F1 " size=\n", false },
    { HEAD "files 1\n" F1 " size\n", false },
    { HEAD "files 1\n" F1 " size=-1\n", false },
    { HEAD "files 1\n" F1 " size=9223372036854775808\n", false },
    { HEAD "files 1\n" F1 " rp\n", false },
    { HEAD "files 1\n" F1 " sizes=1\n", false },
    { HEAD "files 1\n" F1 " meta=\n", false },
    { HEAD "files 1\n" F1 " sha256=4E1A6B5C0D6F3E2A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A\n", false },
    { HEAD "files 1\n" F1 " sha256=4e1a\n", false },
    { HEAD "files 2\n" F1 "\n" F1 "\n", false }, /* a file twice */
    { HEAD "files 1\nfile other-1.0.tar.gz https://f.example/x\n", false },
    { HEAD "files 1\nfile ..%2fdemo-pkg-1.0.tar.gz https://f.example/x\n", false },
    { HEAD "files 1\nfile demo-pkg.tar.gz https://f.example/x\n", false },
    { HEAD "files 1\nfile " TGZ " ftp://f.example/x\n", false },
    { HEAD "files 1\nfile " TGZ " https://f.example/x#sha256=" H1 "\n", false },
    { HEAD "files 1\nfile " TGZ " https://\n", false },
    { HEAD "files 1\nfile " TGZ " https://f.example/%20x\n", false },
};

START_TEST(test_upstream_store_bodies)
{
    struct up_cached d;
    buf_t err;
    buf_init(&err, 1024);
    const char *body = bodies[_i].body;
    enum pf_err e = decode_body(body, strlen(body), &d, &err);
    if (bodies[_i].ok) {
        ck_assert_msg(e == PF_EOK, "row %d: %s: %s", _i, pf_errname(e), err.p);
        /* Canonical: it writes back to the same body. */
        char *rec;
        size_t len;
        encode(&d, &rec, &len);
        ck_assert_msg(len == strlen(body) + 69 && memcmp(rec, body, strlen(body)) == 0, "row %d wrote:\n%.*s", _i,
                      (int)len, rec);
        free(rec);
        up_cached_free(&d);
    } else {
        ck_assert_msg(e == PF_ECORRUPT, "row %d: %s", _i, pf_errname(e));
        ck_assert(empty(&d));
        assert_printable(&err);
    }
    buf_free(&err);
}
END_TEST

/* Strings at their caps read; one byte more is refused, written or read. */
START_TEST(test_upstream_store_caps)
{
    struct up_cached c, d;
    buf_t err, body;
    buf_init(&err, 1024);
    char *rec;
    size_t len;
    char sum[65];
    for (int over = 0; over < 2; over++) {
        /* The URL, the requires-python, the validators, the skipped reason, a version. */
        for (int which = 0; which < 5; which++) {
            base(&c);
            const size_t caps[] = { UP_MAX_URL, UP_MAX_TEXT, UPSTORE_MAX_VALIDATOR, UP_MAX_MSG - 1, UP_MAX_TEXT };
            size_t n = caps[which] + (size_t)over;
            char *s = malloc(n + 1);
            memset(s, 'a', n);
            s[n] = '\0';
            if (which == 0)
                memcpy(s, "https://f.example/", 18);
            struct up_file *f = add_file(&c.page, WHL, which == 0 ? s : "https://f.example/x");
            if (which == 1)
                f->requires_python = xstrdup(s);
            if (which == 2)
                c.etag = xstrdup(s);
            if (which == 3)
                memcpy(c.page.skipped_why, s, n < UP_MAX_MSG ? n + 1 : 0);
            if (which == 4)
                add_version(&c.page, s);
            if (which == 3 && over) {
                /* The struct cannot hold it: write the record by hand. */
                buf_init(&body, 1 << 20);
                ck_assert_int_eq(buf_printf(&body, HEAD0 "skipped 1 %s\nfiles 0\n", s), PF_EOK);
                ck_assert_int_eq(decode_body(body.p, body.len, &d, &err), PF_ECORRUPT);
                buf_free(&body);
            } else if (over) {
                ck_assert_int_eq(upstream_store_encode(&c, &rec, &len, sum, &err), PF_EINVAL);
                ck_assert_ptr_null(rec);
                assert_printable(&err);
            } else {
                encode(&c, &rec, &len);
                ck_assert_int_eq(upstream_store_decode(rec, len, &d, &err), PF_EOK);
                assert_same(&c, &d);
                up_cached_free(&d);
                /* The same string one byte longer in the record is refused. */
                char *longer = malloc(len + 1);
                char *at = memmem(rec, len, s + 18, n - 18);
                ck_assert_ptr_nonnull(at);
                size_t off = (size_t)(at - rec);
                memcpy(longer, rec, off);
                longer[off] = 'a';
                memcpy(longer + off + 1, rec + off, len - off - 69);
                ck_assert_int_eq(decode_body(longer, len - 69 + 1, &d, &err), PF_ECORRUPT);
                ck_assert(empty(&d));
                free(longer);
                free(rec);
            }
            free(s);
            up_cached_free(&c);
        }
    }
    buf_free(&err);
}
END_TEST

/* What encode refuses, since the reader would refuse it. */
START_TEST(test_upstream_store_encode_refuses)
{
    buf_t err;
    buf_init(&err, 1024);
    for (int i = 0; i < 9; i++) {
        struct up_cached c;
        base(&c);
        struct up_file *f = add_file(&c.page, WHL, "https://f.example/x");
        switch (i) {
        case 0: add_file(&c.page, WHL, "https://f.example/y"); break; /* the same filename twice */
        case 1: free(f->filename); f->filename = xstrdup("other-1.0.tar.gz"); break;
        case 2: f->requires_python = xstrdup("\xff"); break;
        case 3: f->yank_reason = xstrdup("not yanked"); break;
        case 4: f->has_sha256 = true; strcpy(f->sha256, "XYZ"); break;
        case 5: f->has_core_metadata_sha256 = true; strcpy(f->core_metadata_sha256, H1); break; /* no metadata */
        case 6: free(c.page.name); c.page.name = xstrdup("Demo"); break;
        case 7: f->size = -2; break;
        default: free(f->url); f->url = xstrdup("https://f.example/a b"); break;
        }
        char *rec, sum[65];
        size_t len;
        ck_assert_msg(upstream_store_encode(&c, &rec, &len, sum, &err) == PF_EINVAL, "case %d", i);
        assert_printable(&err);
        up_cached_free(&c);
    }
    buf_free(&err);
}
END_TEST

/* ---- Files ---- */

static char *sub(const char *dir, const char *rel)
{
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/%s", dir, rel), 0);
    return p;
}

/* The names in DIR/pages, sorted, joined by spaces. */
static char *listing(const char *dir)
{
    char *pages = sub(dir, "pages"), *out = xstrdup("");
    struct dirent **ents;
    int n = scandir(pages, &ents, NULL, alphasort);
    ck_assert_int_ge(n, 0);
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") != 0 && strcmp(ents[i]->d_name, "..") != 0) {
            char *next;
            ck_assert_int_ge(asprintf(&next, "%s%s%s", out, *out ? " " : "", ents[i]->d_name), 0);
            free(out);
            out = next;
        }
        free(ents[i]);
    }
    free(ents);
    free(pages);
    return out;
}

static void save_ok(const char *dir, struct up_cached *c)
{
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = upstream_store_save(dir, c->page.name, c, &err);
    ck_assert_msg(e == PF_EOK, "save: %s: %s", pf_errname(e), err.p);
    buf_free(&err);
}

static void load_ok(const char *dir, const char *norm, struct up_cached *out)
{
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = upstream_store_load(dir, norm, out, &err);
    ck_assert_msg(e == PF_EOK, "load: %s: %s", pf_errname(e), err.p);
    buf_free(&err);
}

START_TEST(test_upstream_store_save_load)
{
    char *dir = tu_mkdtemp();
    mode_t old = umask(022);
    struct up_cached c, d;
    buf_t err;
    buf_init(&err, 1024);
    ck_assert_int_eq(upstream_store_load(dir, "demo-pkg", &d, &err), PF_ENOTFOUND);
    build(0, &c);
    save_ok(dir, &c);
    ck_assert_int_eq(strlen(c.record_sha256), 64);
    load_ok(dir, "demo-pkg", &d);
    assert_same(&c, &d);
    ck_assert_str_eq(c.record_sha256, d.record_sha256);
    up_cached_free(&d);
    struct stat st;
    char *pages = sub(dir, "pages"), *rec = sub(dir, "pages/demo-pkg");
    ck_assert_int_eq(stat(pages, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0755);
    ck_assert_int_eq(stat(rec, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    /* A second save replaces the record, leaving no temporary file. */
    c.fetched_at++;
    save_ok(dir, &c);
    load_ok(dir, "demo-pkg", &d);
    assert_same(&c, &d);
    up_cached_free(&d);
    char *names = listing(dir);
    ck_assert_str_eq(names, "demo-pkg");
    free(names);
    ck_assert_int_eq(upstream_store_load(dir, "other", &d, &err), PF_ENOTFOUND);
    /* A record under another project's name is refused. */
    char *other = sub(dir, "pages/other");
    ck_assert_int_eq(link(rec, other), 0);
    ck_assert_int_eq(upstream_store_load(dir, "other", &d, &err), PF_ECORRUPT);
    ck_assert(empty(&d));
    ck_assert_ptr_nonnull(strstr(err.p, "another project"));
    /* Not a regular file: a symlink, a directory, a FIFO. */
    ck_assert_int_eq(unlink(other), 0);
    ck_assert_int_eq(symlink(rec, other), 0);
    ck_assert_int_eq(upstream_store_load(dir, "other", &d, &err), PF_ECORRUPT);
    ck_assert_int_eq(unlink(other), 0);
    ck_assert_int_eq(mkdir(other, 0755), 0);
    ck_assert_int_eq(upstream_store_load(dir, "other", &d, &err), PF_ECORRUPT);
    ck_assert_int_eq(rmdir(other), 0);
    ck_assert_int_eq(mkfifo(other, 0644), 0);
    ck_assert_int_eq(upstream_store_load(dir, "other", &d, &err), PF_ECORRUPT);
    ck_assert(empty(&d));
    /* A file cut short on disk, at a few places. */
    size_t len;
    char *bytes = tu_read_file(rec, &len);
    for (size_t n = 0; n < len; n += len / 7 + 1) {
        tu_write_file(rec, bytes, n);
        ck_assert_int_eq(upstream_store_load(dir, "demo-pkg", &d, &err), PF_ECORRUPT);
        ck_assert(empty(&d));
        assert_printable(&err);
    }
    free(bytes);
    /* Over the cap: refused from its size, before it is read. */
    int fd = open(rec, O_WRONLY | O_TRUNC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)UPSTORE_MAX_RECORD + 1), 0);
    close(fd);
    ck_assert_int_eq(upstream_store_load(dir, "demo-pkg", &d, &err), PF_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(err.p, "larger than"));
    ck_assert(empty(&d));
    umask(old);
    up_cached_free(&c);
    buf_free(&err);
    free(other);
    free(pages);
    free(rec);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_upstream_store_bad_names)
{
    static const char *const names[] = { "", "../x", "a/b", "Demo", "-demo", "demo-", "a--b", "a.b", "a_b",
                                         ".checked", "x\n" };
    char *dir = tu_mkdtemp();
    char longname[NAME_MAX_LEN + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    buf_t err;
    buf_init(&err, 1024);
    for (size_t i = 0; i <= NELEM(names); i++) {
        const char *n = i < NELEM(names) ? names[i] : longname;
        ck_assert_msg(!upstream_store_name_ok(n), "%s", n);
        struct up_cached c;
        int fd;
        ck_assert_int_eq(upstream_store_load(dir, n, &c, &err), PF_EINVAL);
        build(1, &c);
        free(c.page.name);
        c.page.name = xstrdup(n);
        ck_assert_int_eq(upstream_store_save(dir, n, &c, &err), PF_EINVAL);
        ck_assert_int_eq(upstream_store_trylock(dir, n, &fd, &err), PF_EINVAL);
        ck_assert_int_eq(fd, -1);
        up_cached_free(&c);
    }
    longname[NAME_MAX_LEN] = '\0';
    ck_assert(upstream_store_name_ok(longname));
    ck_assert(upstream_store_name_ok("a") && upstream_store_name_ok("0-9"));
    /* The page must be the named project's. */
    struct up_cached c;
    build(1, &c);
    ck_assert_int_eq(upstream_store_save(dir, "other", &c, &err), PF_EINVAL);
    up_cached_free(&c);
    /* Nothing was made. */
    char *pages = sub(dir, "pages");
    ck_assert_int_ne(access(pages, F_OK), 0);
    free(pages);
    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Runs fn(dir, c) in a child process (as nobody when root and drop, so
 * that permissions hold) and returns its exit status. */
static int in_child(const char *dir, struct up_cached *c, int (*fn)(const char *, struct up_cached *), bool drop)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (drop && geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(90);
        _exit(fn(dir, c));
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static int save_status(const char *dir, struct up_cached *c)
{
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = upstream_store_save(dir, c->page.name, c, &err);
    buf_free(&err);
    return (int)e;
}

/* Reads the record (so the directory can be reached), then saves: the
 * save's error, or 99 when the record could not be read. */
static int save_readonly(const char *dir, struct up_cached *c)
{
    struct up_cached d;
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = upstream_store_load(dir, c->page.name, &d, &err);
    up_cached_free(&d);
    buf_free(&err);
    return e ? 99 : save_status(dir, c);
}

/* A file size limit below the record's: the write fails part way. */
static int save_limited(const char *dir, struct up_cached *c)
{
    struct rlimit rl = { 4096, 4096 };
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 91;
    return save_status(dir, c);
}

/* A failed write leaves the old record, whole, and no temporary file. */
START_TEST(test_upstream_store_atomic)
{
    char *dir = tu_mkdtemp();
    ck_assert_int_eq(chmod(dir, 0755), 0);
    struct up_cached old, c, d;
    build(0, &old);
    save_ok(dir, &old);
    build(4, &c); /* larger than the size limit below */
    ck_assert_int_eq(in_child(dir, &c, save_limited, false), PF_ENOSPACE);
    load_ok(dir, "demo-pkg", &d);
    assert_same(&old, &d);
    up_cached_free(&d);
    char *names = listing(dir);
    ck_assert_str_eq(names, "demo-pkg");
    free(names);
    /* A directory that cannot be written. */
    char *pages = sub(dir, "pages");
    ck_assert_int_eq(chmod(pages, 0555), 0);
    ck_assert_int_eq(in_child(dir, &c, save_readonly, true), PF_EIO);
    ck_assert_int_eq(chmod(pages, 0755), 0);
    load_ok(dir, "demo-pkg", &d);
    assert_same(&old, &d);
    up_cached_free(&d);
    /* A page the reader would refuse is not written either. */
    free(c.page.files[0].url);
    c.page.files[0].url = xstrdup("ftp://f.example/x");
    buf_t err;
    buf_init(&err, 1024);
    ck_assert_int_eq(upstream_store_save(dir, "demo-pkg", &c, &err), PF_EINVAL);
    load_ok(dir, "demo-pkg", &d);
    assert_same(&old, &d);
    up_cached_free(&d);
    /* The writable directory takes the new record. */
    free(c.page.files[0].url);
    c.page.files[0].url = xstrdup("https://f.example/x");
    save_ok(dir, &c);
    load_ok(dir, "demo-pkg", &d);
    assert_same(&c, &d);
    up_cached_free(&d);
    names = listing(dir);
    ck_assert_str_eq(names, "demo-pkg");
    free(names);
    buf_free(&err);
    free(pages);
    up_cached_free(&old);
    up_cached_free(&c);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* A 304 writes the stamp, not the record; the stamp counts only for the
 * record it names. */
START_TEST(test_upstream_store_touch)
{
    char *dir = tu_mkdtemp();
    struct up_cached c, d;
    buf_t err;
    buf_init(&err, 1024);
    build(0, &c);
    ck_assert_int_eq(upstream_store_touch(dir, "demo-pkg", &c, 5, &err), PF_EINVAL); /* never stored */
    save_ok(dir, &c);
    char *rec = sub(dir, "pages/demo-pkg"), *stamp = sub(dir, "pages/demo-pkg.checked");
    size_t len, len2;
    char *before = tu_read_file(rec, &len);
    struct stat st1, st2;
    ck_assert_int_eq(stat(rec, &st1), 0);
    int64_t t = c.checked_at + 3600;
    ck_assert_int_eq(upstream_store_touch(dir, "demo-pkg", &c, t, &err), PF_EOK);
    ck_assert_int_eq(c.checked_at, t);
    char *after = tu_read_file(rec, &len2);
    ck_assert_int_eq(stat(rec, &st2), 0);
    ck_assert(len == len2 && memcmp(before, after, len) == 0 && st1.st_ino == st2.st_ino);
    free(after);
    load_ok(dir, "demo-pkg", &d);
    ck_assert_int_eq(d.checked_at, t);
    /* An older stamp does not take the time back. */
    ck_assert_int_eq(upstream_store_touch(dir, "demo-pkg", &d, 7, &err), PF_EOK);
    up_cached_free(&d);
    load_ok(dir, "demo-pkg", &d);
    ck_assert_int_eq(d.checked_at, c.checked_at - 3600);
    up_cached_free(&d);
    /* Damaged stamps are ignored. */
    static const char *const junk[] = { "", "pypi-fcgi-upstream-checked 1\nrecord x\nchecked 99999999999\n",
                                        "garbage\n" };
    for (size_t i = 0; i < NELEM(junk); i++) {
        tu_write_file(stamp, junk[i], strlen(junk[i]));
        load_ok(dir, "demo-pkg", &d);
        ck_assert_int_eq(d.checked_at, c.checked_at - 3600);
        up_cached_free(&d);
    }
    /* A stamp of another record (the one before a rewrite) is ignored. */
    ck_assert_int_eq(upstream_store_touch(dir, "demo-pkg", &c, t, &err), PF_EOK);
    char *kept = tu_read_file(stamp, &len2);
    c.fetched_at++;
    c.checked_at = c.fetched_at;
    save_ok(dir, &c);
    ck_assert_int_ne(access(stamp, F_OK), 0); /* removed with the rewrite */
    tu_write_file(stamp, kept, len2);
    load_ok(dir, "demo-pkg", &d);
    ck_assert_int_eq(d.checked_at, c.fetched_at);
    up_cached_free(&d);
    free(kept);
    free(before);
    free(rec);
    free(stamp);
    up_cached_free(&c);
    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_upstream_store_revalidated)
{
    char *dir = tu_mkdtemp();
    struct up_cached c, d;
    buf_t err;
    buf_init(&err, 1024);
    build(0, &c);
    save_ok(dir, &c);
    char *rec = sub(dir, "pages/demo-pkg");
    struct stat st1, st2;
    ck_assert_int_eq(stat(rec, &st1), 0);
    /* The same validators (or none sent): only the stamp. */
    ck_assert_int_eq(upstream_store_revalidated(dir, "demo-pkg", &c, c.etag, NULL, 2000000000, &err), PF_EOK);
    ck_assert_int_eq(upstream_store_revalidated(dir, "demo-pkg", &c, "", "", 2000000001, &err), PF_EOK);
    ck_assert_int_eq(stat(rec, &st2), 0);
    ck_assert_int_eq(st1.st_ino, st2.st_ino);
    load_ok(dir, "demo-pkg", &d);
    ck_assert_int_eq(d.checked_at, 2000000001);
    ck_assert_str_eq(d.etag, c.etag);
    up_cached_free(&d);
    /* A new ETag: the record is rewritten with it. */
    ck_assert_int_eq(upstream_store_revalidated(dir, "demo-pkg", &c, "\"new\"", NULL, 2000000002, &err), PF_EOK);
    ck_assert_int_eq(stat(rec, &st2), 0);
    ck_assert_int_ne(st1.st_ino, st2.st_ino);
    load_ok(dir, "demo-pkg", &d);
    ck_assert_str_eq(d.etag, "\"new\"");
    ck_assert_str_eq(d.last_modified, "Sat, 05 Dec 2026 10:00:00 GMT");
    ck_assert_int_eq(d.checked_at, 2000000002);
    ck_assert_int_eq(d.fetched_at, c.fetched_at);
    up_cached_free(&d);
    free(rec);
    up_cached_free(&c);
    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* ---- Locks ---- */

static enum pf_err trylock(const char *dir, const char *norm, int *fd)
{
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = upstream_store_trylock(dir, norm, fd, &err);
    ck_assert(e == PF_EOK ? *fd >= 0 : *fd == -1);
    buf_free(&err);
    return e;
}

START_TEST(test_upstream_store_lock_basic)
{
    char *dir = tu_mkdtemp();
    int a, b, c;
    ck_assert_int_eq(trylock(dir, "demo-pkg", &a), PF_EOK);
    ck_assert_int_eq(trylock(dir, "demo-pkg", &b), PF_EUNAVAIL); /* a second open, same thread */
    ck_assert_int_eq(trylock(dir, "other", &c), PF_EOK);       /* another project is free */
    upstream_store_unlock(a);
    ck_assert_int_eq(trylock(dir, "demo-pkg", &b), PF_EOK);
    upstream_store_unlock(b);
    upstream_store_unlock(c);
    upstream_store_unlock(-1);
    char *locks = sub(dir, "locks/demo-pkg");
    ck_assert_int_eq(access(locks, F_OK), 0);
    free(locks);
    /* No cache directory: an error, not a lock. */
    char *gone = sub(dir, "missing");
    ck_assert_int_eq(trylock(gone, "demo-pkg", &a), PF_EIO);
    free(gone);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

#define NTHREADS 8

struct race {
    const char *dir;
    pthread_barrier_t tried, released;
    int held[NTHREADS];
    enum pf_err got[NTHREADS];
};

struct racer {
    struct race *r;
    int i;
};

/* Every thread tries at once; each keeps what it got until all tried. */
static void *racer(void *arg)
{
    struct racer *me = arg;
    struct race *r = me->r;
    int fd;
    r->got[me->i] = trylock(r->dir, "demo-pkg", &fd);
    r->held[me->i] = fd;
    pthread_barrier_wait(&r->tried);
    pthread_barrier_wait(&r->released);
    return NULL;
}

START_TEST(test_upstream_store_lock_threads)
{
    char *dir = tu_mkdtemp();
    struct race r = { .dir = dir };
    struct racer me[NTHREADS];
    pthread_t th[NTHREADS];
    pthread_barrier_init(&r.tried, NULL, NTHREADS + 1);
    pthread_barrier_init(&r.released, NULL, NTHREADS + 1);
    for (int i = 0; i < NTHREADS; i++) {
        me[i] = (struct racer){ &r, i };
        ck_assert_int_eq(pthread_create(&th[i], NULL, racer, &me[i]), 0);
    }
    pthread_barrier_wait(&r.tried);
    int holders = 0, holder = -1;
    for (int i = 0; i < NTHREADS; i++) {
        ck_assert(r.got[i] == PF_EOK || r.got[i] == PF_EUNAVAIL);
        if (r.got[i] == PF_EOK) {
            holders++;
            holder = i;
        }
    }
    ck_assert_int_eq(holders, 1);
    /* While that thread holds it, this one cannot take it either. */
    int fd;
    ck_assert_int_eq(trylock(dir, "demo-pkg", &fd), PF_EUNAVAIL);
    upstream_store_unlock(r.held[holder]);
    ck_assert_int_eq(trylock(dir, "demo-pkg", &fd), PF_EOK);
    upstream_store_unlock(fd);
    pthread_barrier_wait(&r.released);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&r.tried);
    pthread_barrier_destroy(&r.released);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

static void put_byte(int fd, char c)
{
    ck_assert_int_eq(write(fd, &c, 1), 1);
}

static char get_byte(int fd)
{
    char c = 0;
    ck_assert_int_eq(read(fd, &c, 1), 1);
    return c;
}

/* Another process: excluded while this one holds the lock, holds it after
 * the release, and excludes this one until it exits. Steps go through
 * pipes; nothing waits on time. */
START_TEST(test_upstream_store_lock_process)
{
    char *dir = tu_mkdtemp();
    int to_child[2], to_parent[2], fd;
    ck_assert_int_eq(pipe(to_child), 0);
    ck_assert_int_eq(pipe(to_parent), 0);
    ck_assert_int_eq(trylock(dir, "demo-pkg", &fd), PF_EOK);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fd); /* the inherited copy would keep the parent's lock alive */
        int mine = -1;
        buf_t err;
        buf_init(&err, 256);
        char step = upstream_store_trylock(dir, "demo-pkg", &mine, &err) == PF_EUNAVAIL ? 'b' : 'x';
        if (write(to_parent[1], &step, 1) != 1 || read(to_child[0], &step, 1) != 1)
            _exit(2);
        step = upstream_store_trylock(dir, "demo-pkg", &mine, &err) == PF_EOK ? 'h' : 'x';
        if (write(to_parent[1], &step, 1) != 1 || read(to_child[0], &step, 1) != 1)
            _exit(2);
        _exit(0); /* exiting releases the lock */
    }
    ck_assert_int_eq(get_byte(to_parent[0]), 'b');
    upstream_store_unlock(fd);
    put_byte(to_child[1], 'g');
    ck_assert_int_eq(get_byte(to_parent[0]), 'h');
    int again;
    ck_assert_int_eq(trylock(dir, "demo-pkg", &again), PF_EUNAVAIL);
    put_byte(to_child[1], 'q');
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(trylock(dir, "demo-pkg", &again), PF_EOK);
    upstream_store_unlock(again);
    for (int i = 0; i < 2; i++) {
        close(to_child[i]);
        close(to_parent[i]);
    }
    tu_rmrf(dir);
    free(dir);
}
END_TEST

Suite *suite_upstream_store(void)
{
    Suite *s = suite_create("upstream_store");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_upstream_store_roundtrip, 0, NVARIANTS);
    tcase_add_test(tc, test_upstream_store_format);
    tcase_add_test(tc, test_upstream_store_truncated);
    tcase_add_loop_test(tc, test_upstream_store_bodies, 0, (int)NELEM(bodies));
    tcase_add_test(tc, test_upstream_store_caps);
    tcase_add_test(tc, test_upstream_store_encode_refuses);
    tcase_add_test(tc, test_upstream_store_save_load);
    tcase_add_test(tc, test_upstream_store_bad_names);
    tcase_add_test(tc, test_upstream_store_atomic);
    tcase_add_test(tc, test_upstream_store_touch);
    tcase_add_test(tc, test_upstream_store_revalidated);
    tcase_add_test(tc, test_upstream_store_lock_basic);
    tcase_add_test(tc, test_upstream_store_lock_threads);
    tcase_add_test(tc, test_upstream_store_lock_process);
    suite_add_tcase(s, tc);
    return s;
}
