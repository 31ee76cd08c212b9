/* SPDX-License-Identifier: MIT */
/* test_upstream_yank.c: unit tests for upstream_yank.c (the list of this index's yanks of upstream files), hostile
 * lists too. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buf.h"
#include "distfile.h"
#include "name.h"
#include "suites.h"
#include "testutil.h"
#include "upstream_page.h"
#include "upstream_yank.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define MAGIC "pypi-fcgi-upstream-yanked 1\n"
#define HEAD MAGIC "name demo-pkg\n"
/* Three files of demo-pkg, in ascending byte order. */
#define ZIP "Demo.Pkg-1.1rc1.zip"
#define TGZ "demo-pkg-1.1.tar.gz"
#define WHL "demo_pkg-1.0-py3-none-any.whl"

/* Every test works in its own directory, made below one directory per
 * test case. That one is made and removed by the process that runs the
 * tests, so what a failed test (its process ended at the failure) leaves
 * is removed too. */
static char *case_dir, *dir;

static void case_setup(void)
{
    case_dir = tu_mkdtemp();
}

static void case_teardown(void)
{
    tu_rmrf(case_dir);
    free(case_dir);
    case_dir = NULL;
}

static void setup(void)
{
    ck_assert_int_ge(asprintf(&dir, "%s/t.XXXXXX", case_dir), 0);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    tu_rmrf(dir);
    free(dir);
    dir = NULL;
}

/* ---- Helpers ---- */

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    ck_assert_ptr_nonnull(p);
    return p;
}

static char *sub(const char *rel)
{
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/%s", dir, rel), 0);
    return p;
}

/* Appends a mark (in the order given: the tests also build lists out of order). */
static void add(struct up_yanks *y, const char *filename, const char *reason)
{
    y->v = realloc(y->v, (y->n + 1) * sizeof *y->v);
    ck_assert_ptr_nonnull(y->v);
    y->v[y->n].filename = xstrdup(filename);
    y->v[y->n].reason = reason ? xstrdup(reason) : NULL;
    y->n++;
}

static bool str_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_same(const struct up_yanks *a, const struct up_yanks *b)
{
    ck_assert_uint_eq(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        ck_assert_str_eq(a->v[i].filename, b->v[i].filename);
        ck_assert_msg(str_same(a->v[i].reason, b->v[i].reason), "mark %zu: reason \"%s\", wanted \"%s\"", i,
                      b->v[i].reason ? b->v[i].reason : "(none)", a->v[i].reason ? a->v[i].reason : "(none)");
    }
}

static void assert_empty(const struct up_yanks *y)
{
    ck_assert_uint_eq(y->n, 0);
    ck_assert_ptr_null(y->v);
}

static void assert_printable(const buf_t *err)
{
    ck_assert_msg(err->len > 0, "an error without a message");
    for (size_t i = 0; i < err->len; i++)
        ck_assert_msg(err->p[i] >= ' ' && err->p[i] < 127, "message not printable: %s", err->p);
}

static void encode_ok(const struct up_yanks *y, const char *norm, char **text, size_t *len)
{
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = up_yanks_encode(y, norm, text, len, &err);
    ck_assert_msg(e == PF_EOK, "encode: %s: %s", pf_errname(e), err.p);
    buf_free(&err);
}

static void decode_ok(const char *text, size_t len, const char *norm, struct up_yanks *out)
{
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = up_yanks_decode(text, len, norm, out, &err);
    ck_assert_msg(e == PF_EOK, "decode: %s: %s\n%.*s", pf_errname(e), err.p, (int)(len < 2000 ? len : 2000), text);
    buf_free(&err);
}

/* Decodes what must be refused: PF_ECORRUPT, nothing kept, a printable
 * message that holds want (when not NULL). */
static void decode_bad(const char *text, size_t len, const char *norm, const char *want)
{
    struct up_yanks y;
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = up_yanks_decode(text, len, norm, &y, &err);
    ck_assert_msg(e == PF_ECORRUPT, "%s for:\n%.*s", pf_errname(e), (int)(len < 2000 ? len : 2000), text);
    assert_empty(&y);
    assert_printable(&err);
    if (want)
        ck_assert_msg(strstr(err.p, want), "\"%s\" not in \"%s\"", want, err.p);
    buf_free(&err);
}

static void load_ok(const char *d, const char *norm, struct up_yanks *out)
{
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = up_yanks_load(d, norm, out, &err);
    ck_assert_msg(e == PF_EOK, "load: %s: %s", pf_errname(e), err.p);
    buf_free(&err);
}

static bool set_ok(const char *filename, bool yank, const char *reason)
{
    bool changed = true;
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = up_yank_set(dir, filename, yank, reason, &changed, &err);
    ck_assert_msg(e == PF_EOK, "%s %s: %s: %s", yank ? "yank" : "unyank", filename, pf_errname(e), err.p);
    buf_free(&err);
    return changed;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if (*s < ' ' || *s >= 127)
            return false;
    return true;
}

/* up_yank_set that must fail with want: changed stays false, the message
 * is printable (when the filename it may name is). */
static void set_fails(const char *d, const char *filename, bool yank, const char *reason, enum pf_err want)
{
    bool changed = true;
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = up_yank_set(d, filename, yank, reason, &changed, &err);
    ck_assert_msg(e == want, "%s %s: %s (%s), wanted %s", yank ? "yank" : "unyank", filename, pf_errname(e),
                  err.p ? err.p : "", pf_errname(want));
    ck_assert(!changed);
    ck_assert(err.len > 0);
    if (printable(filename))
        assert_printable(&err);
    buf_free(&err);
}

/* The names in path, sorted, joined by spaces ("-" when path is missing). */
static char *listing(const char *path)
{
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, alphasort);
    if (n < 0)
        return xstrdup("-");
    char *out = xstrdup("");
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
    return out;
}

static void assert_listing(const char *rel, const char *want)
{
    char *path = sub(rel), *got = listing(path);
    ck_assert_msg(strcmp(got, want) == 0, "%s holds \"%s\", wanted \"%s\"", rel, got, want);
    free(got);
    free(path);
}

/* Writes the list y of norm as DIR/yanked/norm, as a command would. */
static void put_list(const struct up_yanks *y, const char *norm)
{
    char *yanked = sub("yanked"), *path;
    ck_assert(mkdir(yanked, 0755) == 0 || errno == EEXIST);
    ck_assert_int_ge(asprintf(&path, "%s/%s", yanked, norm), 0);
    char *text;
    size_t len;
    encode_ok(y, norm, &text, &len);
    tu_write_file(path, text, len);
    free(text);
    free(path);
    free(yanked);
}

/* The filename of mark i of the large lists below: all of one length, in
 * ascending order with i. */
static void nth_name(char out[32], size_t i)
{
    snprintf(out, 32, "demo-pkg-1.%06zu.tar.gz", i);
}
#define NTH_LEN 24

/* A list of demo-pkg whose text is exactly size bytes: as few marks as
 * can hold it, their reasons of 'a' sharing out the bytes. */
static void sized_list(size_t size, struct up_yanks *y)
{
    const size_t fixed = sizeof HEAD - 1 + 4, line = 5 + NTH_LEN + 1 + 1; /* head and "end\n"; a line but its reason */
    size_t m = (size - fixed + line + UP_MAX_TEXT - 1) / (line + UP_MAX_TEXT);
    size_t text = size - fixed - m * line;
    ck_assert(m > 0 && m <= UPYANK_MAX_FILES && text >= m);
    char *r = malloc(UP_MAX_TEXT + 1);
    ck_assert_ptr_nonnull(r);
    memset(y, 0, sizeof *y);
    for (size_t i = 0; i < m; i++) {
        size_t n = text / m + (i < text % m);
        ck_assert(n >= 1 && n <= UP_MAX_TEXT);
        memset(r, 'a', n);
        r[n] = '\0';
        char name[32];
        nth_name(name, i);
        add(y, name, r);
    }
    free(r);
}

/* The text of a list whose strings need no escape, written here without
 * the encoder. */
static char *plain_text(const struct up_yanks *y, size_t *len)
{
    buf_t b;
    buf_init(&b, SIZE_MAX);
    ck_assert_int_eq(buf_append_str(&b, HEAD), PF_EOK);
    for (size_t i = 0; i < y->n; i++)
        ck_assert_int_eq(buf_printf(&b, "file %s%s%s\n", y->v[i].filename, y->v[i].reason ? " " : "",
                                    y->v[i].reason ? y->v[i].reason : ""),
                         PF_EOK);
    ck_assert_int_eq(buf_append_str(&b, "end\n"), PF_EOK);
    *len = b.len;
    return buf_steal(&b);
}

/* ---- The format ---- */

/* The lists the round trips use: none, one, reasons holding every kind of
 * byte a reason may (space, '%', controls, DEL, multi-byte UTF-8, an
 * escaped reason at the cap), many. */
static void build(int variant, struct up_yanks *y)
{
    memset(y, 0, sizeof *y);
    char *big;
    switch (variant) {
    case 0: break;
    case 1: add(y, TGZ, NULL); break;
    case 2:
        add(y, ZIP, "100% broken: caf\xc3\xa9 \xf0\x9f\x90\x8d");
        add(y, TGZ, NULL);
        add(y, WHL, "line one\nline\ttwo\r\x01\x7f end ");
        break;
    case 3: /* reasons at the cap, one all escaped (three bytes each) */
        big = malloc(UP_MAX_TEXT + 1);
        ck_assert_ptr_nonnull(big);
        memset(big, '%', UP_MAX_TEXT);
        big[UP_MAX_TEXT] = '\0';
        add(y, "demo-pkg-1.0.tar.gz", big);
        memset(big, ' ', UP_MAX_TEXT);
        add(y, "demo-pkg-1.0.zip", big);
        memset(big, 'x', UP_MAX_TEXT - 4);
        memcpy(big + UP_MAX_TEXT - 4, "\xf0\x9f\x90\x8d", 4);
        add(y, "demo-pkg-2.0.tar.gz", big);
        free(big);
        break;
    default: /* many, every other with a reason */
        for (size_t i = 0; i < 500; i++) {
            char name[32], reason[32];
            nth_name(name, i);
            snprintf(reason, sizeof reason, "reason %zu%%", i);
            add(y, name, i % 2 ? reason : NULL);
        }
    }
}
#define NVARIANTS 5

START_TEST(test_upstream_yank_roundtrip)
{
    struct up_yanks y, d, again;
    build(_i, &y);
    char *text, *text2;
    size_t len, len2;
    encode_ok(&y, "demo-pkg", &text, &len);
    decode_ok(text, len, "demo-pkg", &d);
    assert_same(&y, &d);
    /* Canonical: what was read writes the same bytes, and reads the same. */
    encode_ok(&d, "demo-pkg", &text2, &len2);
    ck_assert_uint_eq(len, len2);
    ck_assert(memcmp(text, text2, len) == 0);
    decode_ok(text2, len2, "demo-pkg", &again);
    assert_same(&y, &again);
    /* Lines of printable ASCII, ending in the end line. */
    for (size_t i = 0; i < len; i++)
        ck_assert_msg((text[i] >= ' ' && text[i] < 127) || text[i] == '\n', "byte %zu is 0x%02x", i,
                      (unsigned char)text[i]);
    ck_assert(len >= 5 && memcmp(text + len - 5, "\nend\n", 5) == 0);
    ck_assert_uint_eq(tu_count(text, "\n"), y.n + 3);
    /* Each mark is found; others are not. */
    for (size_t i = 0; i < y.n; i++) {
        const struct up_yank *m = up_yanks_find(&d, y.v[i].filename);
        ck_assert_ptr_nonnull(m);
        ck_assert_str_eq(m->filename, y.v[i].filename);
    }
    ck_assert_ptr_null(up_yanks_find(&d, "demo-pkg-9.9.tar.gz"));
    ck_assert_ptr_null(up_yanks_find(&d, ""));
    free(text);
    free(text2);
    up_yanks_free(&y);
    up_yanks_free(&d);
    up_yanks_free(&again);
    assert_empty(&d);
}
END_TEST

/* The bytes of a list are those upstream_yank.h describes. */
START_TEST(test_upstream_yank_format)
{
    struct up_yanks y = { 0 };
    add(&y, ZIP, "100% caf\xc3\xa9");
    add(&y, TGZ, NULL);
    add(&y, WHL, "broken build\n\tx");
    const char want[] = HEAD "file " ZIP " 100%25%20caf%c3%a9\n"
                             "file " TGZ "\n"
                             "file " WHL " broken%20build%0a%09x\n"
                             "end\n";
    char *text;
    size_t len;
    encode_ok(&y, "demo-pkg", &text, &len);
    ck_assert_msg(len == sizeof want - 1 && memcmp(text, want, len) == 0, "got:\n%.*s", (int)len, text);
    free(text);
    up_yanks_free(&y);
    /* An empty list is the head and the end line. */
    encode_ok(&y, "a", &text, &len);
    ck_assert_uint_eq(len, strlen(MAGIC "name a\nend\n"));
    ck_assert(memcmp(text, MAGIC "name a\nend\n", len) == 0);
    free(text);
}
END_TEST

/* Well-formed lists written by hand read, and write back the same. */
static const char *const good[] = {
    HEAD "end\n",
    HEAD "file " TGZ "\nend\n",
    HEAD "file " ZIP " a\nfile " TGZ " %25%0a%09%0d%7f%c3%a9%f0%9f%90%8d\nfile " WHL "\nend\n",
    HEAD "file demo-pkg-1.0.tar x\nfile demo-pkg-1.0.tar.gz y\nend\n", /* a prefix sorts first */
    HEAD "file " TGZ " \"quoted\"!#&'()*+,-./:;<=>?@[\\]^_`{|}~\nend\n",
};

START_TEST(test_upstream_yank_good)
{
    const char *text = good[_i];
    struct up_yanks y;
    decode_ok(text, strlen(text), "demo-pkg", &y);
    char *again;
    size_t len;
    encode_ok(&y, "demo-pkg", &again, &len);
    ck_assert_msg(len == strlen(text) && memcmp(again, text, len) == 0, "row %d wrote:\n%.*s", _i, (int)len, again);
    free(again);
    up_yanks_free(&y);
}
END_TEST

/* Lists that are refused, and the line the message must name (a missing
 * or cut line is named as the line it would be). */
static const struct {
    const char *text;
    size_t line;
    const char *why;
} bad[] = {
    /* the head */
    { "pypi-fcgi-upstream-yanked 2\nname demo-pkg\nend\n", 1, "first line" },
    { "pypi-fcgi-upstream-page 1\nname demo-pkg\nend\n", 1, "first line" },
    { "pypi-fcgi-upstream-yanked 1\r\nname demo-pkg\nend\n", 1, "first line" },
    { "\n" HEAD "end\n", 1, "first line" },
    { MAGIC "end\n", 2, "name" },
    { MAGIC "\nname demo-pkg\nend\n", 2, "name" },
    { MAGIC "name other\nend\n", 2, "name" },
    { MAGIC "name Demo-Pkg\nend\n", 2, "name" },
    { MAGIC "name demo_pkg\nend\n", 2, "name" },
    { MAGIC "name demo-pkg \nend\n", 2, "name" },
    { MAGIC "name  demo-pkg\nend\n", 2, "name" },
    { MAGIC "name demo-pkg\r\nend\n", 2, "name" },
    { MAGIC MAGIC "name demo-pkg\nend\n", 2, "name" },
    { MAGIC "name demo-pkg-extra\nend\n", 2, "name" },
    /* lines that are not file lines */
    { HEAD "\nend\n", 3, "not a \"file\" line" },
    { HEAD "File " TGZ "\nend\n", 3, "not a \"file\" line" },
    { HEAD "file\nend\n", 3, "not a \"file\" line" },
    { HEAD "yank " TGZ "\nend\n", 3, "not a \"file\" line" },
    { HEAD " file " TGZ "\nend\n", 3, "not a \"file\" line" },
    { HEAD "end \n", 3, "not a \"file\" line" },
    { HEAD "end\r\n", 3, "not a \"file\" line" },
    { HEAD "name demo-pkg\nend\n", 3, "not a \"file\" line" },
    /* filenames */
    { HEAD "file \nend\n", 3, "not a wheel or sdist filename" },
    { HEAD "file  reason\nend\n", 3, "not a wheel or sdist filename" },
    { HEAD "file other-1.0.tar.gz\nend\n", 3, "a file of another project" },
    { HEAD "file other-1.0-py3-none-any.whl why\nend\n", 3, "a file of another project" },
    { HEAD "file demo-pkg.txt\nend\n", 3, "not a wheel or sdist filename" },
    { HEAD "file demo-pkg-1.0.exe\nend\n", 3, "not a wheel or sdist filename" },
    { HEAD "file demo-pkg-1.0.tar.gz.asc\nend\n", 3, "not a wheel or sdist filename" },
    { HEAD "file ../demo-pkg-1.0.tar.gz\nend\n", 3, "not a wheel or sdist filename" },
    { HEAD "file x/demo-pkg-1.0.tar.gz\nend\n", 3, "not a wheel or sdist filename" },
    { HEAD "file demo_pkg-1.0.whl\nend\n", 3, "not a wheel or sdist filename" },
    { HEAD "file demo-pkg-1.0.tar.gz%20\nend\n", 3, "not a wheel or sdist filename" },
    { HEAD "file demo%2dpkg-1.0.tar.gz\nend\n", 3, "a bad escape" },
    { HEAD "file demo-pkg-1.0.tar.gz\tx\nend\n", 3, "a byte that must be escaped" },
    /* order */
    { HEAD "file " WHL "\nfile " TGZ "\nend\n", 4, "ascending" },
    { HEAD "file " TGZ "\nfile " ZIP "\nend\n", 4, "ascending" },
    { HEAD "file " ZIP "\nfile " TGZ "\nfile " TGZ " another\nend\n", 5, "ascending" },
    { HEAD "file " TGZ " a\nfile " TGZ " a\nend\n", 4, "ascending" },
    { HEAD "file " TGZ "\nfile " WHL "\nfile " ZIP "\nend\n", 5, "ascending" },
    /* the end */
    { HEAD "end\nx\n", 3, "more after" },
    { HEAD "end\n\n", 3, "more after" },
    { HEAD "end\nend\n", 3, "more after" },
    { HEAD "end\n" HEAD "end\n", 3, "more after" },
    { HEAD "end\nx", 3, "more after" },
    /* escapes: only lower-case, only of what must be, never NUL */
    { HEAD "file " TGZ " a%4\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " a%\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " %2A\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " %0A\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " %C3%A9\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " %41\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " %2a\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " %00\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " %zz\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " %%25\nend\n", 3, "a bad escape" },
    { HEAD "file " TGZ " %+1\nend\n", 3, "a bad escape" },
    /* raw bytes that must be escaped */
    { HEAD "file " TGZ " a\tb\nend\n", 3, "a byte that must be escaped" },
    { HEAD "file " TGZ " caf\xc3\xa9\nend\n", 3, "a byte that must be escaped" },
    { HEAD "file " TGZ " \x80\nend\n", 3, "a byte that must be escaped" },
    { HEAD "file " TGZ " \x7f\nend\n", 3, "a byte that must be escaped" },
    { HEAD "file " TGZ " a\rb\nend\n", 3, "a byte that must be escaped" },
    { HEAD "file " TGZ " a b\nend\n", 3, "a byte that must be escaped" },
    { HEAD "file " TGZ "  a\nend\n", 3, "a byte that must be escaped" },
    { HEAD "file " TGZ " a%\nend\n", 3, "a bad escape" },
    /* reasons */
    { HEAD "file " TGZ " \nend\n", 3, "an empty reason" },
    { HEAD "file " ZIP "\nfile " TGZ " \nend\n", 4, "an empty reason" },
    { HEAD "file " TGZ " %ff\nend\n", 3, "not UTF-8" },
    { HEAD "file " TGZ " %c3(\nend\n", 3, "not UTF-8" },
    { HEAD "file " TGZ " %c3\nend\n", 3, "not UTF-8" },
    { HEAD "file " TGZ " %ed%a0%80\nend\n", 3, "not UTF-8" },    /* a surrogate */
    { HEAD "file " TGZ " %c0%af\nend\n", 3, "not UTF-8" },       /* overlong */
    { HEAD "file " TGZ " %f4%90%80%80\nend\n", 3, "not UTF-8" }, /* past U+10FFFF */
    /* cut short: no end line, or a last line without its '\n' */
    { "", 0, NULL },
    { MAGIC, 0, NULL },
    { "pypi-fcgi-upstream-yanked 1", 0, NULL },
    { MAGIC "name demo-pkg", 0, NULL },
    { HEAD, 3, "\"end\"" },
    { HEAD "file " TGZ "\n", 4, "\"end\"" },
    { HEAD "end", 3, "cut" },
    { HEAD "file " TGZ "\nend", 4, "cut" },
    { HEAD "file " TGZ, 3, "cut" },
};

START_TEST(test_upstream_yank_bad)
{
    const char *text = bad[_i].text;
    size_t len = strlen(text);
    char *copy = malloc(len + 1); /* exactly len bytes readable (ASan checks) */
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, text, len);
    decode_bad(copy, len, "demo-pkg", bad[_i].why);
    if (bad[_i].line) {
        struct up_yanks y;
        buf_t err;
        char want[32];
        buf_init(&err, 1024);
        ck_assert_int_eq(up_yanks_decode(copy, len, "demo-pkg", &y, &err), PF_ECORRUPT);
        snprintf(want, sizeof want, "line %zu: ", bad[_i].line);
        ck_assert_msg(strncmp(err.p, want, strlen(want)) == 0, "row %d: \"%s\" does not start with \"%s\"", _i, err.p,
                      want);
        buf_free(&err);
    }
    free(copy);
}
END_TEST

/* Bytes that are never in a list, anywhere: each refused. */
START_TEST(test_upstream_yank_bad_bytes)
{
    const char text[] = HEAD "file " ZIP "\nfile " TGZ " broken%20build\nend\n";
    size_t len = sizeof text - 1;
    char *copy = malloc(len);
    ck_assert_ptr_nonnull(copy);
    static const unsigned char bytes[] = { 0, '\t', '\r', 0x7f, 0x80, 0xff };
    for (size_t b = 0; b < NELEM(bytes); b++)
        for (size_t i = 0; i < len; i++) {
            memcpy(copy, text, len);
            copy[i] = (char)bytes[b];
            decode_bad(copy, len, "demo-pkg", NULL);
        }
    /* Any line left out, or cut off, is refused too. */
    for (size_t n = 0; n < len; n++) {
        memcpy(copy, text, n);
        decode_bad(copy, n, "demo-pkg", NULL);
    }
    free(copy);
}
END_TEST

/* A reason at UP_MAX_TEXT bytes reads, written plain or escaped; one byte
 * more is refused. */
START_TEST(test_upstream_yank_reason_cap)
{
    struct up_yanks y;
    buf_t b;
    for (int esc = 0; esc < 2; esc++)
        for (size_t n = UP_MAX_TEXT; n <= UP_MAX_TEXT + 1; n++) {
            buf_init(&b, 1 << 20);
            ck_assert_int_eq(buf_append_str(&b, HEAD "file " TGZ " "), PF_EOK);
            for (size_t i = 0; i < n; i++)
                ck_assert_int_eq(buf_append_str(&b, esc ? "%25" : "a"), PF_EOK);
            ck_assert_int_eq(buf_append_str(&b, "\nend\n"), PF_EOK);
            if (n == UP_MAX_TEXT) {
                decode_ok(b.p, b.len, "demo-pkg", &y);
                ck_assert_uint_eq(y.n, 1);
                ck_assert_uint_eq(strlen(y.v[0].reason), UP_MAX_TEXT);
                up_yanks_free(&y);
            } else
                decode_bad(b.p, b.len, "demo-pkg", "line 3: ");
            buf_free(&b);
        }
}
END_TEST

/* UPYANK_MAX_FILES marks read; one more is refused. */
START_TEST(test_upstream_yank_files_cap)
{
    struct up_yanks y = { 0 }, d;
    char name[32];
    for (size_t i = 0; i < UPYANK_MAX_FILES; i++) {
        nth_name(name, i);
        add(&y, name, NULL);
    }
    char *text;
    size_t len;
    encode_ok(&y, "demo-pkg", &text, &len);
    decode_ok(text, len, "demo-pkg", &d);
    assert_same(&y, &d);
    up_yanks_free(&d);
    /* One more line before the end line. */
    nth_name(name, UPYANK_MAX_FILES);
    char *more;
    ck_assert_int_ge(asprintf(&more, "%.*sfile %s\nend\n", (int)(len - 4), text, name), 0);
    decode_bad(more, strlen(more), "demo-pkg", "line 10003: more than 10000 files");
    /* Nor does the encoder write it. */
    add(&y, name, NULL);
    buf_t err;
    buf_init(&err, 1024);
    char *out = (char *)1;
    ck_assert_int_eq(up_yanks_encode(&y, "demo-pkg", &out, &len, &err), PF_EINVAL);
    ck_assert_ptr_null(out);
    assert_printable(&err);
    buf_free(&err);
    free(more);
    free(text);
    up_yanks_free(&y);
}
END_TEST

/* A list of UPYANK_MAX_BYTES reads; one byte more is refused before a
 * byte of it is looked at. */
START_TEST(test_upstream_yank_bytes_cap)
{
    struct up_yanks y, d;
    sized_list(UPYANK_MAX_BYTES, &y);
    char *text, *plain;
    size_t len, plen;
    encode_ok(&y, "demo-pkg", &text, &len);
    ck_assert_uint_eq(len, UPYANK_MAX_BYTES);
    plain = plain_text(&y, &plen);
    ck_assert(plen == len && memcmp(plain, text, len) == 0);
    decode_ok(text, len, "demo-pkg", &d);
    assert_same(&y, &d);
    up_yanks_free(&d);
    free(plain);
    free(text);
    up_yanks_free(&y);
    /* A list that is well-formed but for its size. */
    sized_list(UPYANK_MAX_BYTES + 1, &y);
    plain = plain_text(&y, &plen);
    ck_assert_uint_eq(plen, UPYANK_MAX_BYTES + 1);
    decode_bad(plain, plen, "demo-pkg", "over");
    free(plain);
    up_yanks_free(&y);
    /* Memory that cannot be read: the size alone refuses it. */
    size_t maplen = UPYANK_MAX_BYTES + 4096;
    char *p = mmap(NULL, maplen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(p != MAP_FAILED);
    decode_bad(p, UPYANK_MAX_BYTES + 1, "demo-pkg", "over");
    decode_bad(p, SIZE_MAX, "demo-pkg", "over");
    ck_assert_int_eq(munmap(p, maplen), 0);
}
END_TEST

/* Lists encode refuses, since the reader would refuse them: up to three
 * marks (filename, reason; BIG a reason one byte over the cap), and the
 * project the list is written for. */
#define BIG "(a reason over the cap)"
static const struct {
    const char *mark[3][2];
    const char *norm;
} refused[] = {
    { { { WHL, NULL }, { TGZ, NULL } }, "demo-pkg" }, /* out of order */
    { { { ZIP, NULL }, { WHL, NULL }, { TGZ, NULL } }, "demo-pkg" },
    { { { TGZ, NULL }, { TGZ, "again" } }, "demo-pkg" }, /* twice */
    { { { "other-1.0.tar.gz", NULL } }, "demo-pkg" },    /* another project's file */
    { { { TGZ, NULL } }, "demo" },                       /* the list of another project */
    { { { "demo-pkg.txt", NULL } }, "demo-pkg" },        /* no distribution's file */
    { { { "", NULL } }, "demo-pkg" },
    { { { ZIP, NULL }, { "demo-pkg-1.0.tar.gz/x", NULL } }, "demo-pkg" },
    { { { TGZ, "" } }, "demo-pkg" }, /* an empty reason */
    { { { TGZ, BIG } }, "demo-pkg" },
    { { { TGZ, "caf\xc3" } }, "demo-pkg" }, /* not UTF-8 */
    { { { TGZ, "\xed\xa0\x80" } }, "demo-pkg" },
    { { { TGZ, NULL } }, "" }, /* not a normalized name */
    { { { TGZ, NULL } }, "Demo-Pkg" },
    { { { TGZ, NULL } }, "demo_pkg" },
    { { { TGZ, NULL } }, "-demo" },
    { { { TGZ, NULL } }, "demo-" },
    { { { TGZ, NULL } }, "a--b" },
    { { { TGZ, NULL } }, "../x" },
    { { { TGZ, NULL } }, "x\n" },
    { { { NULL } }, "Demo" },
};

START_TEST(test_upstream_yank_encode_refuses)
{
    char *big = malloc(UP_MAX_TEXT + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, 'a', UP_MAX_TEXT + 1);
    big[UP_MAX_TEXT + 1] = '\0';
    buf_t err;
    buf_init(&err, 1024);
    for (size_t i = 0; i < NELEM(refused); i++) {
        struct up_yanks y = { 0 };
        for (size_t m = 0; m < 3 && refused[i].mark[m][0]; m++) {
            const char *r = refused[i].mark[m][1];
            add(&y, refused[i].mark[m][0], r && strcmp(r, BIG) == 0 ? big : r);
        }
        char *out = (char *)1;
        size_t len;
        buf_reset(&err);
        ck_assert_msg(up_yanks_encode(&y, refused[i].norm, &out, &len, &err) == PF_EINVAL, "row %zu", i);
        ck_assert_ptr_null(out);
        assert_printable(&err);
        up_yanks_free(&y);
    }
    /* The longest name is fine; one more byte is not. */
    char longname[NAME_MAX_LEN + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    struct up_yanks y = { 0 };
    char *out;
    size_t len;
    ck_assert_int_eq(up_yanks_encode(&y, longname, &out, &len, &err), PF_EINVAL);
    longname[NAME_MAX_LEN] = '\0';
    encode_ok(&y, longname, &out, &len);
    struct up_yanks d;
    decode_ok(out, len, longname, &d);
    assert_empty(&d);
    free(out);
    buf_free(&err);
    free(big);
}
END_TEST

/* ---- Loading ---- */

START_TEST(test_upstream_yank_load)
{
    struct up_yanks y, d;
    buf_t err;
    buf_init(&err, 1024);
    /* No cache directory, no yanked directory, no list: no marks. */
    char *missing = sub("missing"), *yanked = sub("yanked"), *list = sub("yanked/demo-pkg");
    ck_assert_int_eq(up_yanks_load(missing, "demo-pkg", &y, &err), PF_EOK);
    assert_empty(&y);
    ck_assert_uint_eq(err.len, 0);
    ck_assert_int_ne(access(missing, F_OK), 0);
    ck_assert_int_eq(up_yanks_load(dir, "demo-pkg", &y, &err), PF_EOK);
    assert_empty(&y);
    assert_listing(".", "");
    ck_assert_int_eq(mkdir(yanked, 0755), 0);
    ck_assert_int_eq(up_yanks_load(dir, "demo-pkg", &y, &err), PF_EOK);
    assert_empty(&y);
    /* A list. */
    build(2, &y);
    put_list(&y, "demo-pkg");
    load_ok(dir, "demo-pkg", &d);
    assert_same(&y, &d);
    up_yanks_free(&d);
    /* Another project has its own. */
    load_ok(dir, "other", &d);
    assert_empty(&d);
    /* A corrupt list. */
    const char corrupt[] = HEAD "file " WHL "\nfile " TGZ "\nend\n";
    tu_write_file(list, corrupt, sizeof corrupt - 1);
    ck_assert_int_eq(up_yanks_load(dir, "demo-pkg", &d, &err), PF_ECORRUPT);
    assert_empty(&d);
    assert_printable(&err);
    ck_assert_ptr_nonnull(strstr(err.p, "line 4"));
    ck_assert_int_eq(unlink(list), 0);
    /* A symbolic link in place of the list is not followed, even to a
     * good list. */
    char *good_list = sub("good");
    put_list(&y, "demo-pkg");
    ck_assert_int_eq(rename(list, good_list), 0);
    ck_assert_int_eq(symlink(good_list, list), 0);
    ck_assert_int_eq(up_yanks_load(dir, "demo-pkg", &d, &err), PF_ECORRUPT);
    assert_empty(&d);
    assert_printable(&err);
    ck_assert_int_eq(unlink(list), 0);
    ck_assert_int_eq(symlink("../good", list), 0);
    ck_assert_int_eq(up_yanks_load(dir, "demo-pkg", &d, &err), PF_ECORRUPT);
    ck_assert_int_eq(unlink(list), 0);
    /* A directory, a FIFO (never opened for reading and waited on). */
    ck_assert_int_eq(mkdir(list, 0755), 0);
    ck_assert_int_eq(up_yanks_load(dir, "demo-pkg", &d, &err), PF_ECORRUPT);
    assert_empty(&d);
    assert_printable(&err);
    ck_assert_int_eq(rmdir(list), 0);
    ck_assert_int_eq(mkfifo(list, 0644), 0);
    ck_assert_int_eq(up_yanks_load(dir, "demo-pkg", &d, &err), PF_ECORRUPT);
    assert_empty(&d);
    ck_assert_int_eq(unlink(list), 0);
    /* The yanked directory a symbolic link to one holding a good list. */
    ck_assert_int_eq(rename(good_list, list), 0);
    char *moved = sub("moved");
    ck_assert_int_eq(rename(yanked, moved), 0);
    ck_assert_int_eq(symlink("moved", yanked), 0);
    ck_assert_int_ne(up_yanks_load(dir, "demo-pkg", &d, &err), PF_EOK);
    assert_empty(&d);
    ck_assert_int_eq(unlink(yanked), 0);
    ck_assert_int_eq(rename(moved, yanked), 0);
    load_ok(dir, "demo-pkg", &d);
    assert_same(&y, &d);
    up_yanks_free(&d);
    free(moved);
    free(good_list);
    up_yanks_free(&y);
    /* A list at the byte cap reads; one over it is refused unread. */
    sized_list(UPYANK_MAX_BYTES, &y);
    put_list(&y, "demo-pkg");
    load_ok(dir, "demo-pkg", &d);
    assert_same(&y, &d);
    up_yanks_free(&d);
    up_yanks_free(&y);
    int fd = open(list, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)UPYANK_MAX_BYTES + 1), 0);
    close(fd);
    ck_assert_int_eq(up_yanks_load(dir, "demo-pkg", &d, &err), PF_ECORRUPT);
    assert_empty(&d);
    assert_printable(&err);
    ck_assert_ptr_nonnull(strstr(err.p, "larger than"));
    free(missing);
    free(yanked);
    free(list);
    buf_free(&err);
}
END_TEST

/* The list of another project under this one's name; bad names. */
START_TEST(test_upstream_yank_load_other)
{
    struct up_yanks o = { 0 }, d;
    add(&o, "other-1.0.tar.gz", "x");
    char *yanked = sub("yanked"), *list = sub("yanked/demo-pkg");
    ck_assert_int_eq(mkdir(yanked, 0755), 0);
    put_list(&o, "other");
    char *other = sub("yanked/other");
    ck_assert_int_eq(rename(other, list), 0);
    buf_t err;
    buf_init(&err, 1024);
    ck_assert_int_eq(up_yanks_load(dir, "demo-pkg", &d, &err), PF_ECORRUPT);
    assert_empty(&d);
    assert_printable(&err);
    ck_assert_ptr_nonnull(strstr(err.p, "line 2"));
    load_ok(dir, "other", &d); /* it is gone from its own name */
    assert_empty(&d);
    /* A bad name is refused before anything is opened. */
    ck_assert_int_eq(up_yanks_load(dir, "../yanked/demo-pkg", &d, &err), PF_EINVAL);
    ck_assert_int_eq(up_yanks_load(dir, "Demo-Pkg", &d, &err), PF_EINVAL);
    ck_assert_int_eq(up_yanks_load(dir, "", &d, &err), PF_EINVAL);
    assert_empty(&d);
    up_yanks_free(&o);
    buf_free(&err);
    free(yanked);
    free(list);
    free(other);
}
END_TEST

/* ---- Changing the list ---- */

/* The list of demo-pkg on disk is y, and written as the encoder writes it. */
static void assert_stored(const struct up_yanks *want)
{
    struct up_yanks d;
    load_ok(dir, "demo-pkg", &d);
    assert_same(want, &d);
    up_yanks_free(&d);
    char *list = sub("yanked/demo-pkg"), *text, *on_disk;
    size_t len, dlen;
    encode_ok(want, "demo-pkg", &text, &len);
    on_disk = tu_read_file(list, &dlen);
    ck_assert_ptr_nonnull(on_disk);
    ck_assert(dlen == len && memcmp(text, on_disk, len) == 0);
    free(text);
    free(on_disk);
    free(list);
}

static ino_t inode_of(const char *rel)
{
    char *path = sub(rel);
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    free(path);
    return st.st_ino;
}

START_TEST(test_upstream_yank_set)
{
    struct up_yanks want = { 0 };
    /* Marks go in sorted, whatever the order they come in. */
    ck_assert(set_ok(WHL, true, "broken build"));
    ck_assert(set_ok(ZIP, true, NULL));
    ck_assert(set_ok(TGZ, true, "caf\xc3\xa9 100%\n"));
    add(&want, ZIP, NULL);
    add(&want, TGZ, "caf\xc3\xa9 100%\n");
    add(&want, WHL, "broken build");
    assert_stored(&want);
    assert_listing("yanked", "demo-pkg"); /* no temporary file left */
    assert_listing("locks", "demo-pkg.yanked");
    /* The same mark again changes nothing, and writes nothing. */
    ino_t ino = inode_of("yanked/demo-pkg");
    ck_assert(!set_ok(WHL, true, "broken build"));
    ck_assert(!set_ok(ZIP, true, NULL));
    ck_assert(!set_ok(ZIP, true, "")); /* "" is no reason too */
    ck_assert_uint_eq(inode_of("yanked/demo-pkg"), ino);
    assert_stored(&want);
    /* A new reason replaces the old one; none takes it away. */
    ck_assert(set_ok(WHL, true, "broken build, really"));
    free(want.v[2].reason);
    want.v[2].reason = xstrdup("broken build, really");
    assert_stored(&want);
    ck_assert(set_ok(TGZ, true, NULL));
    free(want.v[1].reason);
    want.v[1].reason = NULL;
    assert_stored(&want);
    ck_assert(set_ok(ZIP, true, "now one"));
    want.v[0].reason = xstrdup("now one");
    assert_stored(&want);
    /* Unyank takes the mark away; a mark that is not there changes nothing. */
    ck_assert(set_ok(TGZ, false, NULL));
    free(want.v[1].filename);
    want.v[1] = want.v[2];
    want.n = 2;
    assert_stored(&want);
    ino = inode_of("yanked/demo-pkg");
    ck_assert(!set_ok(TGZ, false, NULL));
    ck_assert(!set_ok("demo-pkg-7.0.tar.gz", false, "a reason is ignored"));
    ck_assert_uint_eq(inode_of("yanked/demo-pkg"), ino);
    assert_stored(&want);
    /* Another project's files go to its own list. */
    ck_assert(set_ok("Other_Pkg-2.0-py3-none-any.whl", true, "x"));
    assert_listing("yanked", "demo-pkg other-pkg");
    struct up_yanks o;
    load_ok(dir, "other-pkg", &o);
    ck_assert_uint_eq(o.n, 1);
    ck_assert_str_eq(o.v[0].filename, "Other_Pkg-2.0-py3-none-any.whl");
    ck_assert_str_eq(o.v[0].reason, "x");
    up_yanks_free(&o);
    /* The last mark away, the list stays, empty (upstream_yank.h says why). */
    ck_assert(set_ok(ZIP, false, NULL));
    ck_assert(set_ok(WHL, false, NULL));
    assert_listing("yanked", "demo-pkg other-pkg");
    struct up_yanks d;
    load_ok(dir, "demo-pkg", &d);
    assert_empty(&d);
    assert_stored(&d);
    ck_assert(!set_ok(WHL, false, NULL));
    assert_listing("yanked", "demo-pkg other-pkg");
    /* And a new mark makes it again. */
    ck_assert(set_ok(WHL, true, NULL));
    up_yanks_free(&want);
    add(&want, WHL, NULL);
    assert_stored(&want);
    up_yanks_free(&want);
}
END_TEST

/* The first command on a fresh cache; an unyank there writes no list. */
START_TEST(test_upstream_yank_set_fresh)
{
    ck_assert(!set_ok(TGZ, false, NULL));
    assert_listing("yanked", "-");
    struct up_yanks d;
    load_ok(dir, "demo-pkg", &d);
    assert_empty(&d);
    ck_assert(set_ok(TGZ, true, NULL));
    assert_listing("yanked", "demo-pkg");
    struct stat st;
    char *list = sub("yanked/demo-pkg");
    ck_assert_int_eq(lstat(list, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    free(list);
}
END_TEST

/* What is refused leaves everything as it was. */
START_TEST(test_upstream_yank_set_refuses)
{
    static const char *const not_files[] = { "",
                                             "demo-pkg",
                                             "demo-pkg.txt",
                                             "demo-pkg-1.0.tar.gz.asc",
                                             "../demo-pkg-1.0.tar.gz",
                                             "x/demo-pkg-1.0.tar.gz",
                                             "demo-pkg-1.0.tar.gz\n",
                                             "demo pkg-1.0.tar.gz",
                                             "demo_pkg-1.0.whl",
                                             "demo-pkg-1.0.tar.gz/" };
    /* A wheel whose platform tag makes the name DISTFILE_MAX_LEN bytes long. */
    char *longname = malloc(DISTFILE_MAX_LEN + 32);
    ck_assert_ptr_nonnull(longname);
    strcpy(longname, "demo_pkg-1.0-py3-none-");
    memset(longname + 22, 'x', DISTFILE_MAX_LEN - 22 - 4);
    strcpy(longname + DISTFILE_MAX_LEN - 4, ".whl");
    ck_assert_uint_eq(strlen(longname), DISTFILE_MAX_LEN);
    ck_assert(set_ok(longname, true, NULL));
    ck_assert(set_ok(longname, false, NULL));
    tu_rmrf(dir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    strcpy(longname + DISTFILE_MAX_LEN - 4, "x.whl"); /* one byte over */
    for (size_t i = 0; i <= NELEM(not_files); i++) {
        const char *f = i < NELEM(not_files) ? not_files[i] : longname;
        set_fails(dir, f, true, NULL, PF_EINVAL);
        set_fails(dir, f, false, NULL, PF_EINVAL);
    }
    /* Reasons over the cap or not UTF-8. */
    char *big = malloc(UP_MAX_TEXT + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, 'a', UP_MAX_TEXT + 1);
    big[UP_MAX_TEXT + 1] = '\0';
    set_fails(dir, TGZ, true, big, PF_EINVAL);
    static const char *const not_utf8[] = { "\xff", "caf\xc3", "\xc3\x28", "\xed\xa0\x80", "\xc0\xaf" };
    for (size_t i = 0; i < NELEM(not_utf8); i++)
        set_fails(dir, TGZ, true, not_utf8[i], PF_EINVAL);
    assert_listing(".", ""); /* nothing written */
    /* The reason at the cap is fine. */
    big[UP_MAX_TEXT] = '\0';
    ck_assert(set_ok(TGZ, true, big));
    struct up_yanks want = { 0 };
    add(&want, TGZ, big);
    assert_stored(&want);
    up_yanks_free(&want);
    free(big);
    /* A cache directory that is not there is not made. */
    char *missing = sub("missing");
    set_fails(missing, TGZ, true, NULL, PF_ENOTFOUND);
    set_fails(missing, TGZ, false, NULL, PF_ENOTFOUND);
    ck_assert_int_ne(access(missing, F_OK), 0);
    assert_listing(".", "locks yanked");
    free(missing);
    free(longname);
}
END_TEST

/* A list that cannot be read is left to a person, byte for byte. */
START_TEST(test_upstream_yank_set_corrupt)
{
    static const char *const corrupt[] = {
        HEAD "file " WHL "\nfile " TGZ "\nend\n",
        HEAD "file " TGZ "\n",
        MAGIC "name other\nend\n",
        "",
    };
    char *yanked = sub("yanked"), *list = sub("yanked/demo-pkg");
    ck_assert_int_eq(mkdir(yanked, 0755), 0);
    for (size_t i = 0; i < NELEM(corrupt); i++) {
        size_t n = strlen(corrupt[i]), got;
        tu_write_file(list, corrupt[i], n);
        ino_t ino = inode_of("yanked/demo-pkg");
        set_fails(dir, ZIP, true, "x", PF_ECORRUPT);
        set_fails(dir, TGZ, true, NULL, PF_ECORRUPT);
        set_fails(dir, TGZ, false, NULL, PF_ECORRUPT);
        set_fails(dir, WHL, false, NULL, PF_ECORRUPT);
        char *after = tu_read_file(list, &got);
        ck_assert_ptr_nonnull(after);
        ck_assert(got == n && memcmp(after, corrupt[i], n) == 0);
        ck_assert_uint_eq(inode_of("yanked/demo-pkg"), ino);
        free(after);
        assert_listing("yanked", "demo-pkg");
    }
    /* The message says where, and what to do. */
    tu_write_file(list, corrupt[0], strlen(corrupt[0]));
    bool changed = true;
    buf_t err;
    buf_init(&err, 1024);
    ck_assert_int_eq(up_yank_set(dir, ZIP, true, NULL, &changed, &err), PF_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(err.p, "yanked/demo-pkg"));
    ck_assert_ptr_nonnull(strstr(err.p, "line 4"));
    ck_assert_ptr_nonnull(strstr(err.p, "by hand"));
    buf_free(&err);
    /* A symbolic link in place of the list: refused, not followed, kept. */
    ck_assert_int_eq(unlink(list), 0);
    char *target = sub("target");
    struct up_yanks y = { 0 };
    add(&y, TGZ, NULL);
    put_list(&y, "demo-pkg");
    ck_assert_int_eq(rename(list, target), 0);
    ck_assert_int_eq(symlink(target, list), 0);
    size_t tlen, tlen2;
    char *before = tu_read_file(target, &tlen);
    set_fails(dir, ZIP, true, NULL, PF_ECORRUPT);
    set_fails(dir, TGZ, false, NULL, PF_ECORRUPT);
    char *after = tu_read_file(target, &tlen2);
    ck_assert(tlen == tlen2 && memcmp(before, after, tlen) == 0);
    struct stat st;
    ck_assert_int_eq(lstat(list, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    free(before);
    free(after);
    free(target);
    up_yanks_free(&y);
    free(yanked);
    free(list);
}
END_TEST

/* The UPYANK_MAX_FILES-th mark is the last one taken. */
START_TEST(test_upstream_yank_set_full)
{
    struct up_yanks y = { 0 };
    char name[32];
    for (size_t i = 0; i < UPYANK_MAX_FILES; i++) {
        nth_name(name, 2 * i + 1); /* room between them */
        add(&y, name, NULL);
    }
    put_list(&y, "demo-pkg");
    char *list = sub("yanked/demo-pkg");
    size_t len, len2;
    char *before = tu_read_file(list, &len);
    nth_name(name, 0);
    set_fails(dir, name, true, "one more", PF_ETOOBIG);
    nth_name(name, 2 * UPYANK_MAX_FILES + 2);
    set_fails(dir, name, true, NULL, PF_ETOOBIG);
    char *after = tu_read_file(list, &len2);
    ck_assert(len == len2 && memcmp(before, after, len) == 0);
    free(after);
    /* A mark that is there takes a reason; one away, another comes in. */
    nth_name(name, 7);
    ck_assert(set_ok(name, true, "why"));
    free(y.v[3].reason);
    y.v[3].reason = xstrdup("why");
    ck_assert(set_ok(y.v[0].filename, false, NULL));
    nth_name(name, 0);
    ck_assert(!set_ok(name, false, NULL));
    ck_assert(set_ok(name, true, NULL));
    free(y.v[0].filename);
    y.v[0].filename = xstrdup(name);
    assert_stored(&y);
    free(before);
    free(list);
    up_yanks_free(&y);
}
END_TEST

#define NCHILDREN 8
#define NROUNDS 5

/* Child i: waits for the start (the pipe closed), then yanks its own file
 * NROUNDS times with a new reason each time, and yanks and unyanks a
 * second file of its own. Exit status 0 when every call did what it must. */
static int child_work(int start, int i)
{
    char go;
    if (read(start, &go, 1) != 0)
        return 2;
    char mine[64], extra[64], reason[64];
    snprintf(mine, sizeof mine, "demo_pkg-1.%d-py3-none-any.whl", i);
    snprintf(extra, sizeof extra, "demo-pkg-2.%d.tar.gz", i);
    buf_t err;
    buf_init(&err, 1024);
    for (int r = 0; r < NROUNDS; r++) {
        bool changed;
        snprintf(reason, sizeof reason, "child %d round %d", i, r);
        if (up_yank_set(dir, mine, true, reason, &changed, &err) != PF_EOK || !changed)
            return 3;
        if (up_yank_set(dir, extra, true, NULL, &changed, &err) != PF_EOK || !changed)
            return 4;
        if (up_yank_set(dir, extra, false, NULL, &changed, &err) != PF_EOK || !changed)
            return 5;
    }
    buf_free(&err);
    return 0;
}

/* Commands at once, each on its own file of one project: none is lost. */
START_TEST(test_upstream_yank_set_concurrent)
{
    int start[2];
    ck_assert_int_eq(pipe(start), 0);
    pid_t pids[NCHILDREN];
    for (int i = 0; i < NCHILDREN; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            close(start[1]);
            _exit(child_work(start[0], i));
        }
    }
    close(start[0]);
    close(start[1]); /* all go */
    for (int i = 0; i < NCHILDREN; i++) {
        int st;
        ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: status 0x%x", i, st);
    }
    struct up_yanks want = { 0 };
    for (int i = 0; i < NCHILDREN; i++) {
        char mine[64], reason[64];
        snprintf(mine, sizeof mine, "demo_pkg-1.%d-py3-none-any.whl", i);
        snprintf(reason, sizeof reason, "child %d round %d", i, NROUNDS - 1);
        add(&want, mine, reason);
    }
    assert_stored(&want);
    assert_listing("yanked", "demo-pkg");
    up_yanks_free(&want);
}
END_TEST

/* The writer never makes a list the reader refuses: one byte over the cap
 * is refused, and a yank that would make it leaves the list as it was. */
START_TEST(test_upstream_yank_bytes_cap_writer)
{
    struct up_yanks y, d;
    sized_list(UPYANK_MAX_BYTES + 1, &y);
    char *text = (char *)1;
    size_t len = 0;
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = up_yanks_encode(&y, "demo-pkg", &text, &len, &err);
    ck_assert_msg(e == PF_ETOOBIG, "encode: %s, %zu bytes (the reader takes at most %zu)", pf_errname(e), len,
                  UPYANK_MAX_BYTES);
    ck_assert_ptr_null(text);
    /* The same list but its last mark on disk; then that mark yanked. */
    struct up_yank last = y.v[--y.n];
    put_list(&y, "demo-pkg");
    bool changed;
    buf_reset(&err);
    e = up_yank_set(dir, last.filename, true, last.reason, &changed, &err);
    ck_assert_int_eq(e, PF_ETOOBIG);
    buf_reset(&err);
    enum pf_err le = up_yanks_load(dir, "demo-pkg", &d, &err);
    ck_assert_msg(le == PF_EOK, "after the yank (%s), the list cannot be read: %s", pf_errname(e), err.p);
    ck_assert(!changed);
    assert_same(&y, &d);
    up_yanks_free(&d);
    free(last.filename);
    free(last.reason);
    up_yanks_free(&y);
    buf_free(&err);
}
END_TEST

/* A list that ends early names the line that is missing or cut. */
static const struct {
    const char *text;
    size_t line;
} cut[] = {
    { "", 1 }, { "pypi-fcgi-upstream-yanked 1", 1 }, { MAGIC, 2 }, { MAGIC "name demo-pkg", 2 },
    { HEAD, 3 }, { HEAD "file " TGZ "\n", 4 }, { HEAD "end", 3 },
};

START_TEST(test_upstream_yank_cut_line)
{
    struct up_yanks y;
    buf_t err;
    char want[32];
    buf_init(&err, 1024);
    ck_assert_int_eq(up_yanks_decode(cut[_i].text, strlen(cut[_i].text), "demo-pkg", &y, &err), PF_ECORRUPT);
    snprintf(want, sizeof want, "line %zu: ", cut[_i].line);
    ck_assert_msg(strncmp(err.p, want, strlen(want)) == 0, "\"%s\" does not start with \"%s\"", err.p, want);
    assert_empty(&y);
    buf_free(&err);
}
END_TEST

Suite *suite_upstream_yank(void)
{
    Suite *s = suite_create("upstream_yank");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, case_setup, case_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_upstream_yank_roundtrip, 0, NVARIANTS);
    tcase_add_test(tc, test_upstream_yank_format);
    tcase_add_loop_test(tc, test_upstream_yank_good, 0, (int)NELEM(good));
    tcase_add_loop_test(tc, test_upstream_yank_bad, 0, (int)NELEM(bad));
    tcase_add_test(tc, test_upstream_yank_bad_bytes);
    tcase_add_test(tc, test_upstream_yank_reason_cap);
    tcase_add_test(tc, test_upstream_yank_files_cap);
    tcase_add_test(tc, test_upstream_yank_bytes_cap);
    tcase_add_test(tc, test_upstream_yank_bytes_cap_writer);
    tcase_add_loop_test(tc, test_upstream_yank_cut_line, 0, (int)NELEM(cut));
    tcase_add_test(tc, test_upstream_yank_encode_refuses);
    tcase_add_test(tc, test_upstream_yank_load);
    tcase_add_test(tc, test_upstream_yank_load_other);
    tcase_add_test(tc, test_upstream_yank_set);
    tcase_add_test(tc, test_upstream_yank_set_fresh);
    tcase_add_test(tc, test_upstream_yank_set_refuses);
    tcase_add_test(tc, test_upstream_yank_set_corrupt);
    tcase_add_test(tc, test_upstream_yank_set_full);
    tcase_add_test(tc, test_upstream_yank_set_concurrent);
    suite_add_tcase(s, tc);
    return s;
}
