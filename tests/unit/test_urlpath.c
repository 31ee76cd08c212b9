/* SPDX-License-Identifier: MIT */
/* test_urlpath.c: unit tests for urlpath.c (request-path decoding, path safety rules). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "suites.h"
#include "urlpath.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* A string literal with its exact length, so cases may hold NUL bytes. */
#define S(x) x, sizeof(x) - 1

struct decode_case {
    const char *raw;
    size_t rawlen;
    enum pf_err err;
    const char *out; /* when err == PF_EOK */
    size_t outlen;
};

#define OK(raw, out) { S(raw), PF_EOK, S(out) }
#define BAD(raw) { S(raw), PF_EINVAL, NULL, 0 }

/* docs/protocols.md, section "Request paths": pip re-quotes paths, so '+' arrives as %2B and must
 * decode to '+', and a literal '+' is not a space. */
static const struct decode_case decode_cases[] = {
    OK("", ""),
    OK("/", "/"),
    OK("/simple/foo/", "/simple/foo/"),
    OK("/files/foo-1.0.tar.gz", "/files/foo-1.0.tar.gz"),
    OK("%41", "A"),
    OK("/files/%41bc", "/files/Abc"),
    OK("%7e%7E", "~~"),
    OK("%c3%a9", "\xc3\xa9"),
    OK("%C3%A9", "\xc3\xa9"),
    OK("%c3%A9", "\xc3\xa9"),
    OK("%ff", "\xff"),
    OK("%01", "\x01"),
    OK("%20", " "),
    OK("a+b", "a+b"),
    OK("a%2Bb", "a+b"),
    OK("a%2bb", "a+b"),
    OK("foo-1.0%2Blocal-py3-none-any.whl", "foo-1.0+local-py3-none-any.whl"),
    OK("foo-1%212.0.tar.gz", "foo-1!2.0.tar.gz"),
    OK("%25", "%"),
    OK("%2541", "%41"), /* decoded once, not twice */
    OK("%252F", "%2F"),
    OK("%2e%2e", ".."),
    OK("/%2e%2e/", "/../"),
    OK("a%3Fb%23c", "a?b#c"),
    OK("\\", "\\"), /* a raw backslash is left to the segment rules */
    OK("%7f", "\x7f"),
    OK("x%41", "xA"),
    /* Encoded separators change how the path splits: refused. */
    BAD("%2F"),
    BAD("%2f"),
    BAD("a%2Fb"),
    BAD("%5C"),
    BAD("%5c"),
    BAD("..%5c..%5cetc"),
    /* NUL, raw or encoded. */
    BAD("%00"),
    BAD("a%00b"),
    BAD("a\0b"),
    BAD("\0"),
    /* Malformed escapes. */
    BAD("%"),
    BAD("abc%"),
    BAD("%4"),
    BAD("abc%4"),
    BAD("%zz"),
    BAD("%g0"),
    BAD("%0g"),
    BAD("%%41"),
    BAD("% 41"),
    BAD("%+1"),
    BAD("%-1"),
    BAD("%4%41"),
    BAD("%\xc3\xa9"),
    BAD("/files/%"),
    BAD("/files/%2"),
};

START_TEST(test_urlpath_decode_table)
{
    const struct decode_case *c = &decode_cases[_i];
    buf_t b;
    /* An exact-size copy: ASan catches any read past the view. */
    char *raw = malloc(c->rawlen ? c->rawlen : 1);
    ck_assert_ptr_nonnull(raw);
    memcpy(raw, c->raw, c->rawlen);
    buf_init(&b, URLPATH_MAX_LEN);
    enum pf_err e = urlpath_decode(sv_make(raw, c->rawlen), &b);
    free(raw);
    ck_assert_msg(e == c->err, "urlpath_decode(\"%.*s\") = %s, want %s", (int)c->rawlen, c->raw,
                  pf_errname(e), pf_errname(c->err));
    if (c->err == PF_EOK) {
        ck_assert_uint_eq(b.len, c->outlen);
        if (c->outlen)
            ck_assert_mem_eq(b.p, c->out, c->outlen);
    }
    buf_free(&b);
}
END_TEST

START_TEST(test_urlpath_decode_limits)
{
    char *raw = malloc(URLPATH_MAX_LEN + 2);
    buf_t b;
    ck_assert_ptr_nonnull(raw);
    memset(raw, 'a', URLPATH_MAX_LEN + 1);

    buf_init(&b, URLPATH_MAX_LEN);
    ck_assert_int_eq(urlpath_decode(sv_make(raw, URLPATH_MAX_LEN), &b), PF_EOK);
    ck_assert_uint_eq(b.len, URLPATH_MAX_LEN);
    buf_reset(&b);
    ck_assert_int_eq(urlpath_decode(sv_make(raw, URLPATH_MAX_LEN + 1), &b), PF_ETOOBIG);
    ck_assert_uint_eq(b.len, 0);
    /* The limit is on the raw length: 4096 raw bytes of %41 decode to a
     * third as many... */
    buf_reset(&b);
    for (size_t i = 0; i + 3 <= URLPATH_MAX_LEN; i += 3)
        memcpy(raw + i, "%41", 3);
    ck_assert_int_eq(urlpath_decode(sv_make(raw, URLPATH_MAX_LEN / 3 * 3), &b), PF_EOK);
    ck_assert_uint_eq(b.len, URLPATH_MAX_LEN / 3);
    ck_assert_uint_eq(b.p[0], 'A');
    /* ...and a longer raw path is refused even though it would decode short. */
    buf_reset(&b);
    memset(raw, 'a', URLPATH_MAX_LEN + 1);
    memcpy(raw, "%41", 3);
    ck_assert_int_eq(urlpath_decode(sv_make(raw, URLPATH_MAX_LEN + 1), &b), PF_ETOOBIG);
    buf_free(&b);

    /* The output buffer's own cap is honoured. */
    buf_init(&b, 3);
    ck_assert_int_eq(urlpath_decode(SV_LIT("%41%42%43"), &b), PF_EOK);
    ck_assert_str_eq(b.p, "ABC");
    buf_reset(&b);
    ck_assert_int_eq(urlpath_decode(SV_LIT("abcd"), &b), PF_ETOOBIG);
    buf_free(&b);

    /* The view ends the input even when the bytes after it would
     * complete an escape. */
    buf_init(&b, 100);
    ck_assert_int_eq(urlpath_decode(sv_make("%41", 2), &b), PF_EINVAL);
    ck_assert_int_eq(urlpath_decode(sv_make("%41", 1), &b), PF_EINVAL);
    ck_assert_int_eq(urlpath_decode(sv_make("a/b%2F", 5), &b), PF_EINVAL);
    buf_reset(&b);
    ck_assert_int_eq(urlpath_decode(sv_make("%41%", 3), &b), PF_EOK);
    ck_assert_str_eq(b.p, "A");
    buf_free(&b);

    /* Decoding appends. */
    buf_init(&b, 100);
    ck_assert_int_eq(buf_append_str(&b, "/pre"), PF_EOK);
    ck_assert_int_eq(urlpath_decode(SV_LIT("/x%2By"), &b), PF_EOK);
    ck_assert_str_eq(b.p, "/pre/x+y");
    buf_free(&b);
    free(raw);
}
END_TEST

/* Every byte after '%': only 0-9 a-f A-F pairs decode. */
START_TEST(test_urlpath_decode_every_escape)
{
    static const char hexd[] = "0123456789abcdefABCDEF";
    for (int hi = 0; hi < 256; hi++)
        for (int lo = 0; lo < 256; lo++) {
            char raw[4] = { '%', (char)hi, (char)lo, 'z' };
            buf_t b;
            buf_init(&b, 16);
            enum pf_err e = urlpath_decode(sv_make(raw, 4), &b);
            bool hex = hi && lo && strchr(hexd, hi) && strchr(hexd, lo);
            if (!hex) {
                ck_assert_int_eq(e, PF_EINVAL);
            } else {
                unsigned v;
                char pair[3] = { (char)hi, (char)lo, 0 };
                sscanf(pair, "%2x", &v);
                if (v == 0 || v == '/' || v == '\\') {
                    ck_assert_int_eq(e, PF_EINVAL);
                } else {
                    ck_assert_int_eq(e, PF_EOK);
                    ck_assert_uint_eq(b.len, 2);
                    ck_assert_uint_eq((unsigned char)b.p[0], v);
                    ck_assert_uint_eq(b.p[1], 'z');
                }
            }
            buf_free(&b);
        }
}
END_TEST

struct path_case {
    const char *path;
    size_t len;
    bool seg_ok;  /* urlpath_segment_ok */
    bool rel_ok;  /* urlpath_relpath_ok */
};

#define P(s, seg, rel) { S(s), seg, rel }

static const struct path_case path_cases[] = {
    /* Distribution filenames pass both. */
    P("foo-1.0.tar.gz", true, true),
    P("foo_bar-1.0+local-py3-none-any.whl", true, true),
    P("foo-1!2.0.tar.gz", true, true),
    P("Foo.Bar-1.0-py2.py3-none-any.whl", true, true),
    P("numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", true, true),
    P("a", true, true),
    P("x=y,z@w", true, true),
    P("~foo", true, true),
    P("a.b", true, true),
    P("a..b", true, true),
    /* Paths: segments joined by one '/'. */
    P("foo/foo-1.0.tar.gz", false, true),
    P("a/b", false, true),
    P("a/b/c/d/e/f/g/h/x.whl", false, true),
    P("a/b/c/d/e/f/g/h/i/x.whl", false, false),
    /* Dots and traversal. */
    P(".", false, false),
    P("..", false, false),
    P("...", false, false),
    P("../x", false, false),
    P("a/../b", false, false),
    P("a/./b", false, false),
    P("a/..", false, false),
    P("./a", false, false),
    P(".hidden", false, false),
    P("a/.hidden", false, false),
    P("a/.pypi-fcgi/x.rec", false, false),
    P(".pypi-fcgi", false, false),
    P(".pypi-fcgi/foo-1.0.tar.gz.rec", false, false),
    /* Empty segments, leading and trailing '/'. */
    P("", false, false),
    P("/", false, false),
    P("a//b", false, false),
    P("/abs", false, false),
    P("/etc/passwd", false, false),
    P("a/", false, false),
    P("a/b/", false, false),
    P("//", false, false),
    /* Editor backups. */
    P("foo-1.0.tar.gz~", false, false),
    P("~", false, false),
    P("a/b~", false, false),
    P("a~/b", false, false),
    /* Bytes outside the set. */
    P("a\\b", false, false),
    P("..\\x", false, false),
    P("a b", false, false),
    P(" a", false, false),
    P("a%20b", false, false),
    P("a%2Fb", false, false),
    P("a\x01" "b", false, false),
    P("a\tb", false, false),
    P("a\nb", false, false),
    P("a\x7f", false, false),
    P("a\x80", false, false),
    P("caf\xc3\xa9", false, false),
    P("a\xff", false, false),
    P("a\0b", false, false),
    P("a/\0", false, false),
    P("a?b", false, false),
    P("a#b", false, false),
    P("a:b", false, false),
    P("a;b", false, false),
    P("a*b", false, false),
    P("a'b", false, false),
    P("a\"b", false, false),
    P("a<b>", false, false),
    P("a&b", false, false),
    P("a$b", false, false),
    P("a(b)", false, false),
    P("a|b", false, false),
};

START_TEST(test_urlpath_path_table)
{
    const struct path_case *c = &path_cases[_i];
    sv_t p = sv_make(c->path, c->len);
    ck_assert_msg(urlpath_segment_ok(p) == c->seg_ok, "urlpath_segment_ok(\"%.*s\") != %d",
                  (int)c->len, c->path, c->seg_ok);
    ck_assert_msg(urlpath_relpath_ok(p) == c->rel_ok, "urlpath_relpath_ok(\"%.*s\") != %d",
                  (int)c->len, c->path, c->rel_ok);
    /* A good segment is a good one-segment path. */
    if (c->seg_ok)
        ck_assert(c->rel_ok);
}
END_TEST

/* Segment length: 1..255 bytes, in any position. */
START_TEST(test_urlpath_segment_length)
{
    char p[600];
    memset(p, 'a', sizeof p);
    ck_assert(urlpath_segment_ok(sv_make(p, 255)));
    ck_assert(!urlpath_segment_ok(sv_make(p, 256)));
    ck_assert(urlpath_relpath_ok(sv_make(p, 255)));
    ck_assert(!urlpath_relpath_ok(sv_make(p, 256)));
    /* "x/<255>/y" and "x/<256>/y" */
    p[0] = 'x';
    p[1] = '/';
    p[257] = '/';
    p[258] = 'y';
    ck_assert(urlpath_relpath_ok(sv_make(p, 259)));
    p[257] = 'a';
    p[258] = '/';
    p[259] = 'y';
    ck_assert(!urlpath_relpath_ok(sv_make(p, 260)));
    /* Last segment 256 bytes. */
    ck_assert(!urlpath_relpath_ok(sv_make(p, 258)));
    /* Views are bounded by len, not by a NUL. */
    ck_assert(urlpath_segment_ok(sv_make("abc/def", 3)));
    ck_assert(urlpath_relpath_ok(sv_make("abc/", 3)));
    ck_assert(!urlpath_segment_ok(sv_make("abc", 0)));
    ck_assert(!urlpath_relpath_ok(sv_make(NULL, 0)));
}
END_TEST

/* Depth: URLPATH_MAX_DEPTH directories plus the file name, not more. */
START_TEST(test_urlpath_depth)
{
    char p[256];
    for (int n = 1; n <= URLPATH_MAX_DEPTH + 4; n++) {
        size_t len = 0;
        for (int i = 0; i < n; i++)
            len += (size_t)snprintf(p + len, sizeof p - len, "%sd%d", i ? "/" : "", i);
        ck_assert_msg(urlpath_relpath_ok(sv_make(p, len)) == (n <= URLPATH_MAX_DEPTH + 1),
                      "%d segments: %s", n, p);
    }
}
END_TEST

/* Every byte value inside a segment. */
START_TEST(test_urlpath_segment_bytes)
{
    static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+!@=,~-";
    for (int v = 0; v < 256; v++) {
        char s[3] = { 'a', (char)v, 'b' };
        bool want = v != 0 && strchr(allowed, v) != NULL;
        ck_assert_msg(urlpath_segment_ok(sv_make(s, 3)) == want, "byte 0x%02x", v);
        ck_assert_msg(urlpath_relpath_ok(sv_make(s, 3)) == (want || v == '/'), "byte 0x%02x", v);
    }
}
END_TEST

Suite *suite_urlpath(void)
{
    Suite *s = suite_create("urlpath");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_urlpath_decode_table, 0, (int)NELEM(decode_cases));
    tcase_add_test(tc, test_urlpath_decode_limits);
    tcase_add_test(tc, test_urlpath_decode_every_escape);
    tcase_add_loop_test(tc, test_urlpath_path_table, 0, (int)NELEM(path_cases));
    tcase_add_test(tc, test_urlpath_segment_length);
    tcase_add_test(tc, test_urlpath_depth);
    tcase_add_test(tc, test_urlpath_segment_bytes);
    suite_add_tcase(s, tc);
    return s;
}
