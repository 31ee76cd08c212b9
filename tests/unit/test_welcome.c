/* SPDX-License-Identifier: MIT */
/* test_welcome.c: unit tests for welcome.c (the --welcome template: checked at start, filled in and escaped). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "buf.h"
#include "suites.h"
#include "testutil.h"
#include "welcome.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- welcome_check ---- */

struct check_case {
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *msg; /* NULL: valid; else the whole message */
};

static const struct check_case check_cases[] = {
    { "<p>hello</p>\n", 0, NULL },
    { "{{URL}}{{VERSION}}{{NUMPKGS}}{{PACKAGES}}{{SIMPLE}}", 0, NULL },
    /* bottle strips blanks around an expression. */
    { "<a href=\"{{ SIMPLE }}\">{{\tNUMPKGS  }}</a>", 0, NULL },
    { "100%\n  50% of it\n", 0, NULL },
    { "a } b }} c { d", 0, NULL },
    { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d\n", 0, NULL },
    /* What bottle would run as Python, or print unescaped. */
    { "ok\n% for p in links:\n", 0, "2: a line of template code ('%' first on the line) is not supported" },
    { "\n\n  \t%end", 0, "3: a line of template code ('%' first on the line) is not supported" },
    { "<p><% x = 1 %></p>", 0, "1: a block of template code ('<%') is not supported" },
    { "{{!URL}}", 0, "1: raw output ('{{!...}}') is not supported: every value is HTML-escaped" },
    { "{{ !URL }}", 0, "1: raw output ('{{!...}}') is not supported: every value is HTML-escaped" },
    /* Names: exactly pypiserver's, in its case. */
    { "\n{{url}}", 0,
      "2: '{{url}}' is none of {{URL}}, {{VERSION}}, {{NUMPKGS}}, {{PACKAGES}} and {{SIMPLE}} (bottle's other "
      "expressions are not supported)" },
    { "{{URL + '/'}}", 0,
      "1: '{{URL + '/'}}' is none of {{URL}}, {{VERSION}}, {{NUMPKGS}}, {{PACKAGES}} and {{SIMPLE}} (bottle's "
      "other expressions are not supported)" },
    { "{{}}", 0,
      "1: '{{}}' is none of {{URL}}, {{VERSION}}, {{NUMPKGS}}, {{PACKAGES}} and {{SIMPLE}} (bottle's other "
      "expressions are not supported)" },
    { "{{{URL}}}", 0,
      "1: '{{{URL}}' is none of {{URL}}, {{VERSION}}, {{NUMPKGS}}, {{PACKAGES}} and {{SIMPLE}} (bottle's other "
      "expressions are not supported)" },
    /* Not quoted: too long, or not printable ASCII. */
    { "{{ a_very_long_expression_that_goes_on_and_on }}", 0,
      "1: '{{...}}' is none of {{URL}}, {{VERSION}}, {{NUMPKGS}}, {{PACKAGES}} and {{SIMPLE}} (bottle's other "
      "expressions are not supported)" },
    { "{{\x1b[2J}}", 0,
      "1: '{{...}}' is none of {{URL}}, {{VERSION}}, {{NUMPKGS}}, {{PACKAGES}} and {{SIMPLE}} (bottle's other "
      "expressions are not supported)" },
    /* Unclosed, or closed on another line. */
    { "{{URL", 0, "1: '{{' without '}}' on its line" },
    { "{{URL\n}}", 0, "1: '{{' without '}}' on its line" },
    { "a\nb {{URL}", 0, "2: '{{' without '}}' on its line" },
    { "{", 0, NULL },
    { "{{", 0, "1: '{{' without '}}' on its line" },
    /* Bytes that are not an HTML file in UTF-8. */
    { "ab\0cd", 5, "1: a NUL byte (is this an HTML file?)" },
    { "\n\xff", 0, "2: not UTF-8" },
    { "\xc3", 0, "1: not UTF-8" },
    { "\xc0\xaf", 0, "1: not UTF-8" },           /* overlong '/' */
    { "\xed\xa0\x80", 0, "1: not UTF-8" },       /* a surrogate */
    { "\xf4\x90\x80\x80", 0, "1: not UTF-8" },   /* past U+10FFFF */
    { "x\n\n{{URL}} \xe2\x82", 0, "3: not UTF-8" },
};

START_TEST(test_welcome_check_table)
{
    const struct check_case *c = &check_cases[_i];
    buf_t err;
    buf_init(&err, 4096);
    enum pf_err e = welcome_check(sv_make(c->text, c->len ? c->len : strlen(c->text)), &err);
    if (!c->msg) {
        ck_assert_msg(e == PF_EOK, "case %d: %s", _i, err.p ? err.p : "");
    } else {
        ck_assert_msg(e == PF_EINVAL, "case %d: accepted", _i);
        ck_assert_str_eq(err.p, c->msg);
    }
    buf_free(&err);
}
END_TEST

/* ---- welcome_render ---- */

struct render_case {
    const char *text, *want;
};

static const struct render_case render_cases[] = {
    { "plain", "plain" },
    { "", "" },
    { "{{URL}}", "https://pypi.example/&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;/" },
    { "<a href=\"{{ PACKAGES }}\">{{NUMPKGS}} files</a>",
      "<a href=\"/p&quot; onload=&quot;x/packages/\">12 files</a>" },
    { "v{{VERSION}} {{SIMPLE}}", "v1.2&amp;3 /&amp;amp;/simple/" },
    /* What welcome_check refuses is copied, never filled in. */
    { "{{url}} {{!URL}} {{URL", "{{url}} {{!URL}} {{URL" },
    { "{{{URL}}}", "{https://pypi.example/&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;/}" },
    { "{{URL\n}} {{NUMPKGS}}", "{{URL\n}} 12" },
    { "}}{{NUMPKGS}}{{", "}}12{{" },
};

static const sv_t hostile[WELCOME_NVARS] = {
    [WELCOME_URL] = SV_LIT("https://pypi.example/<script>alert('x')</script>/"),
    [WELCOME_VERSION] = SV_LIT("1.2&3"),
    [WELCOME_NUMPKGS] = SV_LIT("12"),
    [WELCOME_PACKAGES] = SV_LIT("/p\" onload=\"x/packages/"),
    [WELCOME_SIMPLE] = SV_LIT("/&amp;/simple/"),
};

START_TEST(test_welcome_render_table)
{
    const struct render_case *c = &render_cases[_i];
    buf_t out;
    buf_init(&out, 4096);
    ck_assert_int_eq(welcome_render(&out, sv_cstr(c->text), hostile), PF_EOK);
    ck_assert_uint_eq(out.len, strlen(c->want));
    ck_assert_msg(memcmp(out.p ? out.p : "", c->want, out.len) == 0, "case %d: %.*s", _i, (int)out.len,
                  out.p ? out.p : "");
    buf_free(&out);
}
END_TEST

/* A page past its buffer's cap fails; the buffer keeps the failure. */
START_TEST(test_welcome_render_cap)
{
    buf_t out;
    buf_init(&out, 16);
    ck_assert_int_ne(welcome_render(&out, sv_cstr("{{URL}}{{URL}}"), hostile), PF_EOK);
    ck_assert_int_ne(buf_err(&out), PF_EOK);
    buf_free(&out);
}
END_TEST

/* Hostile files: random bytes, and every cut of a valid template, either
 * pass the check or fail with one line; what passes renders without a
 * value's raw '<' or '"' reaching the page. */
START_TEST(test_welcome_hostile)
{
    static const char good[] = "<p>{{ URL }} {{NUMPKGS}}</p>\n<a href=\"{{PACKAGES}}\">x</a> {{SIMPLE}}\xc3\xa9\n";
    static const char alphabet[] = "{}%<!\n \tURLNUMPKGSIMPLEVRO\xc3\xa9\xff";
    uint32_t seed = 12345;
    char text[64];
    buf_t err, out;
    buf_init(&err, 4096);
    buf_init(&out, 1 << 16);
    for (size_t cut = 0; cut <= sizeof good - 1; cut++) {
        sv_t t = sv_make(good, cut);
        if (welcome_check(t, &err) == PF_EOK) {
            buf_reset(&out);
            ck_assert_int_eq(welcome_render(&out, t, hostile), PF_EOK);
        } else {
            ck_assert_ptr_null(strchr(err.p, '\n'));
        }
    }
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        seed = seed * 1103515245 + 12345;
        size_t len = (seed >> 16) % sizeof text;
        for (; n < len; n++) {
            seed = seed * 1103515245 + 12345;
            text[n] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        sv_t t = sv_make(text, n);
        if (welcome_check(t, &err) != PF_EOK) {
            ck_assert_ptr_nonnull(err.p);
            ck_assert_ptr_null(strchr(err.p, '\n'));
            continue;
        }
        buf_reset(&out);
        ck_assert_int_eq(welcome_render(&out, t, hostile), PF_EOK);
        /* The text has no '"' and no "<s": any in the page came from a value. */
        ck_assert_ptr_null(memchr(out.p ? out.p : "", '"', out.len));
        for (size_t i = 0; i + 1 < out.len; i++)
            ck_assert_msg(!(out.p[i] == '<' && out.p[i + 1] == 's'), "raw <script> from %.*s", (int)n, text);
    }
    buf_free(&out);
    buf_free(&err);
}
END_TEST

/* ---- welcome_load ---- */

START_TEST(test_welcome_load)
{
    char *dir = tu_mkdtemp();
    char path[1024];
    char *text;
    buf_t err;
    buf_init(&err, 4096);

    snprintf(path, sizeof path, "%s/w.html", dir);
    tu_write_file(path, "<h1>{{ URL }}</h1>\n", 19);
    ck_assert_msg(welcome_load(path, &text, &err) == PF_EOK, "%s", err.p);
    ck_assert_str_eq(text, "<h1>{{ URL }}</h1>\n");
    free(text);

    /* Each failure: one line that names the file. */
    static const struct {
        const char *name, *content;
        size_t len;
        const char *says;
    } bad[] = {
        { "missing.html", NULL, 0, "No such file or directory" },
        { "empty.html", "", 0, "is empty" },
        { "code.html", "ok\n%if 1:\n", 10, ":2: a line of template code" },
        { "latin1.html", "caf\xe9", 4, ":1: not UTF-8" },
        { "sub", NULL, 0, "is not a regular file" },
        { "big.html", NULL, WELCOME_MAX_SIZE + 1, "is larger than 64 KiB" },
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        snprintf(path, sizeof path, "%s/%s", dir, bad[i].name);
        if (bad[i].content)
            tu_write_file(path, bad[i].content, bad[i].len);
        else if (strcmp(bad[i].name, "sub") == 0)
            ck_assert_int_eq(mkdir(path, 0755), 0);
        else if (bad[i].len) {
            char *big = malloc(bad[i].len);
            ck_assert_ptr_nonnull(big);
            memset(big, 'x', bad[i].len);
            tu_write_file(path, big, bad[i].len);
            free(big);
        }
        text = (char *)"unchanged";
        ck_assert_int_eq(welcome_load(path, &text, &err), PF_EINVAL);
        ck_assert_ptr_null(text);
        ck_assert_msg(strncmp(err.p, "welcome: ", 9) == 0 && strstr(err.p, path) && strstr(err.p, bad[i].says),
                      "%s: \"%s\"", bad[i].name, err.p);
        ck_assert_ptr_null(strchr(err.p, '\n'));
    }

    /* Exactly the cap is taken. */
    snprintf(path, sizeof path, "%s/cap.html", dir);
    char *cap = malloc(WELCOME_MAX_SIZE);
    ck_assert_ptr_nonnull(cap);
    memset(cap, 'y', WELCOME_MAX_SIZE);
    tu_write_file(path, cap, WELCOME_MAX_SIZE);
    free(cap);
    ck_assert_msg(welcome_load(path, &text, &err) == PF_EOK, "%s", err.p);
    ck_assert_uint_eq(strlen(text), WELCOME_MAX_SIZE);
    free(text);

    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

Suite *suite_welcome(void)
{
    Suite *s = suite_create("welcome");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_welcome_check_table, 0, (int)NELEM(check_cases));
    tcase_add_loop_test(tc, test_welcome_render_table, 0, (int)NELEM(render_cases));
    tcase_add_test(tc, test_welcome_render_cap);
    tcase_add_test(tc, test_welcome_hostile);
    tcase_add_test(tc, test_welcome_load);
    suite_add_tcase(s, tc);
    return s;
}
