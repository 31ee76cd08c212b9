/* SPDX-License-Identifier: MIT */
/* test_escape.c: unit tests for escape.c (HTML, attribute, URL path and JSON escaping). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "escape.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* A string literal with its exact length, so cases may hold NUL bytes. */
#define S(x) x, sizeof(x) - 1

/* One input and what each context makes of it. escape_attr must equal
 * escape_html (escape.h: same set). */
struct esc_case {
    const char *in;
    size_t inlen;
    const char *html;
    size_t htmllen;
    const char *url;
    size_t urllen;
    const char *json;
    size_t jsonlen;
};

#define C(in, html, url, json) { S(in), S(html), S(url), S(json) }

/* docs/protocols.md, section "HTML and attributes", and docs/protocols.md, section "JSON". JSON escapes
 * < > & as \u003c \u003e \u0026 so "</script>" cannot end a script
 * element; each byte of an invalid UTF-8 sequence becomes one U+FFFD. */
static const struct esc_case esc_cases[] = {
    C("", "", "", ""),
    C("foo", "foo", "foo", "foo"),
    C("foo_bar-1.0+local-py3-none-any.whl", "foo_bar-1.0+local-py3-none-any.whl",
      "foo_bar-1.0+local-py3-none-any.whl", "foo_bar-1.0+local-py3-none-any.whl"),
    C("foo-1!2.0.tar.gz", "foo-1!2.0.tar.gz", "foo-1!2.0.tar.gz", "foo-1!2.0.tar.gz"),
    /* Script injection. */
    C("<script>alert(\"x\")</script>", "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;",
      "%3Cscript%3Ealert(%22x%22)%3C/script%3E",
      "\\u003cscript\\u003ealert(\\\"x\\\")\\u003c/script\\u003e"),
    C("</script>", "&lt;/script&gt;", "%3C/script%3E", "\\u003c/script\\u003e"),
    C("<!--", "&lt;!--", "%3C!--", "\\u003c!--"),
    C("\"'&<>", "&quot;&#39;&amp;&lt;&gt;", "%22'%26%3C%3E", "\\\"'\\u0026\\u003c\\u003e"),
    C("&amp;", "&amp;amp;", "%26amp;", "\\u0026amp;"),
    C("&#39;", "&amp;#39;", "%26%2339;", "\\u0026#39;"),
    /* Project names and versions with HTML in them. */
    C("Foo&Bar \"Baz\"", "Foo&amp;Bar &quot;Baz&quot;", "Foo%26Bar%20%22Baz%22",
      "Foo\\u0026Bar \\\"Baz\\\""),
    C("x\" onmouseover=\"alert(1)", "x&quot; onmouseover=&quot;alert(1)",
      "x%22%20onmouseover=%22alert(1)", "x\\\" onmouseover=\\\"alert(1)"),
    C("x' onclick='y", "x&#39; onclick=&#39;y", "x'%20onclick='y", "x' onclick='y"),
    /* Requires-Python (the spec requires < and > escaped in the attribute). */
    C(">=3.8,<4", "&gt;=3.8,&lt;4", "%3E=3.8,%3C4", "\\u003e=3.8,\\u003c4"),
    C(">=3.6, !=3.7.*", "&gt;=3.6, !=3.7.*", "%3E=3.6,%20!=3.7.*", "\\u003e=3.6, !=3.7.*"),
    /* Backslashes and quotes. */
    C("a\\b\"c", "a\\b&quot;c", "a%5Cb%22c", "a\\\\b\\\"c"),
    C("\\\\\\", "\\\\\\", "%5C%5C%5C", "\\\\\\\\\\\\"),
    C("\\u003c", "\\u003c", "%5Cu003c", "\\\\u003c"),
    /* Control characters. */
    C("\x01\x1f\x7f", "\x01\x1f\x7f", "%01%1F%7F", "\\u0001\\u001f\\u007f"),
    C("a\nb\tc\rd", "a\nb\tc\rd", "a%0Ab%09c%0Dd", "a\\nb\\tc\\rd"),
    C("\b\f\v", "\b\f\v", "%08%0C%0B", "\\u0008\\u000c\\u000b"),
    C("a\0b", "a\0b", "a%00b", "a\\u0000b"),
    C("\x1b[31m", "\x1b[31m", "%1B%5B31m", "\\u001b[31m"),
    /* URL path: what must be encoded and what must be kept. */
    C("a%b?c#d e", "a%b?c#d e", "a%25b%3Fc%23d%20e", "a%b?c#d e"),
    C("%2F%2e", "%2F%2e", "%252F%252e", "%2F%2e"),
    C("+!/~", "+!/~", "+!/~", "+!/~"),
    C("$'()*,;=:@-._", "$&#39;()*,;=:@-._", "$'()*,;=:@-._", "$'()*,;=:@-._"),
    C("`[]{}|^", "`[]{}|^", "%60%5B%5D%7B%7D%7C%5E", "`[]{}|^"),
    C("AZaz09", "AZaz09", "AZaz09", "AZaz09"),
    /* Valid multi-byte UTF-8 is kept in HTML and JSON; URLs get %XX, uppercase. */
    C("caf\xc3\xa9", "caf\xc3\xa9", "caf%C3%A9", "caf\xc3\xa9"),
    C("\xe2\x82\xac", "\xe2\x82\xac", "%E2%82%AC", "\xe2\x82\xac"),
    C("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "%F0%9F%98%80", "\xf0\x9f\x98\x80"),
    C("\xc2\x80", "\xc2\x80", "%C2%80", "\xc2\x80"),
    C("\xed\x9f\xbf", "\xed\x9f\xbf", "%ED%9F%BF", "\xed\x9f\xbf"),       /* U+D7FF */
    C("\xee\x80\x80", "\xee\x80\x80", "%EE%80%80", "\xee\x80\x80"),       /* U+E000 */
    C("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", "%F4%8F%BF%BF", "\xf4\x8f\xbf\xbf"), /* U+10FFFF */
    C("\xe2\x80\xa8", "\xe2\x80\xa8", "%E2%80%A8", "\xe2\x80\xa8"),       /* U+2028 */
    /* Invalid UTF-8: one U+FFFD per bad byte. */
    C("\xff", "\xff", "%FF", "\\ufffd"),
    C("a\xff" "b", "a\xff" "b", "a%FFb", "a\\ufffdb"),
    C("\x80", "\x80", "%80", "\\ufffd"),
    C("\xe2\x82", "\xe2\x82", "%E2%82", "\\ufffd\\ufffd"),
    C("\xe2\x82" "a", "\xe2\x82" "a", "%E2%82a", "\\ufffd\\ufffda"),
    C("\xe2\x28\xa1", "\xe2\x28\xa1", "%E2(%A1", "\\ufffd(\\ufffd"),
    C("\xc0\xaf", "\xc0\xaf", "%C0%AF", "\\ufffd\\ufffd"),
    C("\xc1\xbf", "\xc1\xbf", "%C1%BF", "\\ufffd\\ufffd"),
    C("\xe0\x80\xaf", "\xe0\x80\xaf", "%E0%80%AF", "\\ufffd\\ufffd\\ufffd"),
    C("\xf0\x80\x80\xaf", "\xf0\x80\x80\xaf", "%F0%80%80%AF", "\\ufffd\\ufffd\\ufffd\\ufffd"),
    C("\xed\xa0\x80", "\xed\xa0\x80", "%ED%A0%80", "\\ufffd\\ufffd\\ufffd"),
    C("\xed\xbf\xbf", "\xed\xbf\xbf", "%ED%BF%BF", "\\ufffd\\ufffd\\ufffd"),
    C("\xf4\x90\x80\x80", "\xf4\x90\x80\x80", "%F4%90%80%80", "\\ufffd\\ufffd\\ufffd\\ufffd"),
    C("\xf8\x88\x80\x80\x80", "\xf8\x88\x80\x80\x80", "%F8%88%80%80%80",
      "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"),
    C("\xf0\x9f\x98", "\xf0\x9f\x98", "%F0%9F%98", "\\ufffd\\ufffd\\ufffd"),
    C("\xc3\xa9\xff\xc3\xa9", "\xc3\xa9\xff\xc3\xa9", "%C3%A9%FF%C3%A9", "\xc3\xa9\\ufffd\xc3\xa9"),
    /* A bad byte right before an escaped character. */
    C("\xc3<", "\xc3&lt;", "%C3%3C", "\\ufffd\\u003c"),
};

static void check_one(enum pf_err (*fn)(buf_t *, sv_t), const char *fname, const struct esc_case *c,
                      const char *want, size_t wantlen)
{
    buf_t b;
    /* An exact-size copy: ASan catches any read past the view. */
    char *in = malloc(c->inlen ? c->inlen : 1);
    ck_assert_ptr_nonnull(in);
    memcpy(in, c->in, c->inlen);
    buf_init(&b, 1 << 16);
    /* Escapers append: what is already in the buffer stays. */
    ck_assert_int_eq(buf_append_str(&b, "[pre]"), PF_EOK);
    ck_assert_int_eq(fn(&b, sv_make(in, c->inlen)), PF_EOK);
    free(in);
    ck_assert_msg(b.len == 5 + wantlen && memcmp(b.p, "[pre]", 5) == 0 &&
                      memcmp(b.p + 5, want, wantlen) == 0,
                  "%s(\"%.*s\") = \"%.*s\" (%zu bytes), want \"%.*s\" (%zu bytes)", fname,
                  (int)c->inlen, c->in, (int)(b.len - 5), b.p + 5, b.len - 5, (int)wantlen, want,
                  wantlen);
    ck_assert_uint_eq((unsigned char)b.p[b.len], 0);
    buf_free(&b);
}

START_TEST(test_escape_table)
{
    const struct esc_case *c = &esc_cases[_i];
    check_one(escape_html, "escape_html", c, c->html, c->htmllen);
    check_one(escape_attr, "escape_attr", c, c->html, c->htmllen);
    check_one(escape_url_path, "escape_url_path", c, c->url, c->urllen);
    check_one(escape_json, "escape_json", c, c->json, c->jsonlen);
}
END_TEST

/* Properties over every byte value, alone and in context. */
START_TEST(test_escape_every_byte)
{
    for (int v = 0; v < 256; v++) {
        char in[3] = { 'a', (char)v, 'z' };
        buf_t h, u, j;
        buf_init(&h, 64);
        buf_init(&u, 64);
        buf_init(&j, 64);
        ck_assert_int_eq(escape_html(&h, sv_make(in, 3)), PF_EOK);
        ck_assert_int_eq(escape_url_path(&u, sv_make(in, 3)), PF_EOK);
        ck_assert_int_eq(escape_json(&j, sv_make(in, 3)), PF_EOK);
        /* HTML: none of the five special characters survive raw. */
        for (size_t i = 0; i < h.len; i++)
            ck_assert_msg(!strchr("<>\"'", h.p[i]) || h.p[i] == '\0', "html byte 0x%02x", v);
        if (v == '&')
            ck_assert_str_eq(h.p, "a&amp;z");
        /* URL: only printable ASCII comes out, '%' only as %XX uppercase,
         * and decoding gives back the input. */
        char dec[4];
        size_t dn = 0;
        for (size_t i = 0; i < u.len; i++) {
            unsigned char c = (unsigned char)u.p[i];
            ck_assert_msg(c > 0x20 && c < 0x7f, "url byte 0x%02x gave 0x%02x", v, c);
            ck_assert_msg(!strchr("?#\"<>`{}|\\^[] &%", c) || c == '%' || c == '\0', "url byte 0x%02x", v);
            if (c == '%') {
                ck_assert_uint_le(i + 2, u.len - 1);
                ck_assert(strchr("0123456789ABCDEF", u.p[i + 1]) && u.p[i + 1]);
                ck_assert(strchr("0123456789ABCDEF", u.p[i + 2]) && u.p[i + 2]);
                unsigned x;
                ck_assert_int_eq(sscanf(u.p + i + 1, "%2X", &x), 1);
                dec[dn++] = (char)x;
                i += 2;
            } else {
                dec[dn++] = (char)c;
            }
            ck_assert_uint_le(dn, 3);
        }
        ck_assert_uint_eq(dn, 3);
        ck_assert_mem_eq(dec, in, 3);
        /* JSON: no raw control byte, quote, < > &, and no byte >= 0x80
         * (a lone byte is never valid UTF-8). */
        for (size_t i = 0; i < j.len; i++) {
            unsigned char c = (unsigned char)j.p[i];
            ck_assert_msg(c >= 0x20 && c < 0x7f && !strchr("<>&", c), "json byte 0x%02x gave 0x%02x", v, c);
        }
        ck_assert(j.len >= 3);
        buf_free(&h);
        buf_free(&u);
        buf_free(&j);
    }
}
END_TEST

/* A view ends the input: a sequence completed only by bytes after the
 * view is invalid there. */
START_TEST(test_escape_json_view_end)
{
    static const struct {
        const char *p;
        size_t len;
        const char *want;
    } cases[] = {
        { "\xc3\xa9", 1, "\\ufffd" },
        { "\xe2\x82\xac", 2, "\\ufffd\\ufffd" },
        { "\xf0\x9f\x98\x80", 3, "\\ufffd\\ufffd\\ufffd" },
        { "a\xf0\x9f\x98\x80", 4, "a\\ufffd\\ufffd\\ufffd" },
        { "\xe2\x82\xac", 3, "\xe2\x82\xac" },
        { "<>", 1, "\\u003c" },
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        buf_t b;
        buf_init(&b, 100);
        ck_assert_int_eq(escape_json(&b, sv_make(cases[i].p, cases[i].len)), PF_EOK);
        ck_assert_str_eq(b.p, cases[i].want);
        buf_free(&b);
    }
}
END_TEST

/* The output cap is reported, not overrun. */
START_TEST(test_escape_cap)
{
    static enum pf_err (*const fns[])(buf_t *, sv_t) = { escape_html, escape_attr, escape_url_path,
                                                          escape_json };
    static const char *const inputs[] = { "<<<<", "abcdefghijkl", "\xff\xff\xff", "    " };
    for (size_t f = 0; f < NELEM(fns); f++)
        for (size_t k = 0; k < NELEM(inputs); k++) {
            buf_t b;
            buf_init(&b, 10);
            enum pf_err e = fns[f](&b, sv_cstr(inputs[k]));
            ck_assert_uint_le(b.len, 10);
            if (b.p)
                ck_assert_uint_eq((unsigned char)b.p[b.len], 0);
            /* Only those whose escaped form fits may succeed. */
            buf_t big;
            buf_init(&big, 1000);
            ck_assert_int_eq(fns[f](&big, sv_cstr(inputs[k])), PF_EOK);
            ck_assert_int_eq(e, big.len <= 10 ? PF_EOK : PF_ETOOBIG);
            if (!e)
                ck_assert_str_eq(b.p ? b.p : "", big.p);
            buf_free(&big);
            buf_free(&b);
        }
}
END_TEST

/* At every cap short of the whole escaped form the helper fails with
 * PF_ETOOBIG, keeps what was in the buffer before, writes only a prefix of
 * the whole form, and leaves the failure in the buffer: a later call
 * appends nothing. */
START_TEST(test_escape_cap_every_size)
{
    static enum pf_err (*const fns[])(buf_t *, sv_t) = { escape_html, escape_attr, escape_url_path,
                                                          escape_json };
    static const char in[] = "a<b&\"c'd>e f%g#\xc3\xa9\xff\x01\n\\/h";
    for (size_t f = 0; f < NELEM(fns); f++) {
        buf_t full;
        buf_init(&full, 1000);
        ck_assert_int_eq(buf_append_str(&full, "[pre]"), PF_EOK);
        ck_assert_int_eq(fns[f](&full, sv_make(in, sizeof in - 1)), PF_EOK);
        ck_assert_int_eq(buf_err(&full), PF_EOK);
        for (size_t cap = 5; cap <= full.len; cap++) {
            buf_t b;
            buf_init(&b, cap);
            ck_assert_int_eq(buf_append_str(&b, "[pre]"), PF_EOK);
            enum pf_err e = fns[f](&b, sv_make(in, sizeof in - 1));
            ck_assert_int_eq(e, cap < full.len ? PF_ETOOBIG : PF_EOK);
            ck_assert_int_eq(buf_err(&b), e);
            ck_assert_uint_le(b.len, cap);
            ck_assert_mem_eq(b.p, full.p, b.len);
            if (e) {
                size_t len = b.len;
                /* Even an input whose escaped form would fit adds nothing. */
                ck_assert_int_eq(fns[f](&b, SV_LIT("")), PF_ETOOBIG);
                ck_assert_int_eq(fns[f](&b, SV_LIT("x")), PF_ETOOBIG);
                ck_assert_uint_eq(b.len, len);
            }
            buf_free(&b);
        }
        buf_free(&full);
    }
}
END_TEST

/* A buffer that has already failed: every helper returns its error, even
 * for an empty input, and appends nothing. */
START_TEST(test_escape_failed_buffer)
{
    static enum pf_err (*const fns[])(buf_t *, sv_t) = { escape_html, escape_attr, escape_url_path,
                                                          escape_json };
    static const char *const inputs[] = { "", "plain", "<&>", "\xff", "a b" };
    for (size_t f = 0; f < NELEM(fns); f++)
        for (size_t k = 0; k < NELEM(inputs); k++) {
            buf_t b;
            buf_init(&b, 100);
            ck_assert_int_eq(buf_append_str(&b, "kept"), PF_EOK);
            ck_assert_int_eq(buf_fail(&b, PF_ENOMEM), PF_ENOMEM);
            ck_assert_int_eq(fns[f](&b, sv_cstr(inputs[k])), PF_ENOMEM);
            ck_assert_uint_eq(b.len, 4);
            ck_assert_str_eq(b.p, "kept");
            /* Once emptied, the buffer takes output again. */
            buf_reset(&b);
            ck_assert_int_eq(fns[f](&b, sv_cstr(inputs[k])), PF_EOK);
            buf_free(&b);
        }
}
END_TEST

/* A long hostile name: every byte accounted for. */
START_TEST(test_escape_long)
{
    enum { N = 20000 };
    char *in = malloc(N);
    buf_t b;
    ck_assert_ptr_nonnull(in);
    for (size_t i = 0; i < N; i++)
        in[i] = "<&\"'>x"[i % 6];
    buf_init(&b, 1 << 20);
    ck_assert_int_eq(escape_html(&b, sv_make(in, N)), PF_EOK);
    /* &lt; &amp; &quot; &#39; &gt; x = 4 + 5 + 6 + 5 + 4 + 1 = 25 per 6 bytes. */
    ck_assert_uint_eq(b.len, (N / 6) * 25 + 4 + 5);
    ck_assert_mem_eq(b.p, "&lt;&amp;&quot;&#39;&gt;x&lt;", 29);
    buf_reset(&b);
    ck_assert_int_eq(escape_json(&b, sv_make(in, N)), PF_EOK);
    /* \u003c \u0026 \" ' \u003e x = 6 + 6 + 2 + 1 + 6 + 1 = 22 per 6 bytes. */
    ck_assert_uint_eq(b.len, (N / 6) * 22 + 6 + 6);
    buf_reset(&b);
    ck_assert_int_eq(escape_url_path(&b, sv_make(in, N)), PF_EOK);
    /* %3C %26 %22 ' %3E x = 3 + 3 + 3 + 1 + 3 + 1 = 14 per 6 bytes. */
    ck_assert_uint_eq(b.len, (N / 6) * 14 + 3 + 3);
    buf_free(&b);
    free(in);
}
END_TEST

Suite *suite_escape(void)
{
    Suite *s = suite_create("escape");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_escape_table, 0, (int)NELEM(esc_cases));
    tcase_add_test(tc, test_escape_every_byte);
    tcase_add_test(tc, test_escape_json_view_end);
    tcase_add_test(tc, test_escape_cap);
    tcase_add_test(tc, test_escape_cap_every_size);
    tcase_add_test(tc, test_escape_failed_buffer);
    tcase_add_test(tc, test_escape_long);
    suite_add_tcase(s, tc);
    return s;
}
