/* SPDX-License-Identifier: MIT */
/* test_accept.c: unit tests for accept.c (PEP 691 Accept negotiation). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "accept.h"
#include "buf.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define JSON "application/vnd.pypi.simple.v1+json"
#define V1HTML "application/vnd.pypi.simple.v1+html"

struct accept_case {
    const char *header; /* NULL: no Accept header */
    enum accept_type want;
};

static const char *type_name(enum accept_type t)
{
    switch (t) {
    case ACCEPT_NONE: return "NONE";
    case ACCEPT_TEXT_HTML: return "TEXT_HTML";
    case ACCEPT_V1_HTML: return "V1_HTML";
    case ACCEPT_V1_JSON: return "V1_JSON";
    }
    return "?";
}

/* docs/protocols.md, section "Choosing the type". Offers are text/html, v1+html, v1+json; the
 * most specific matching range gives an offer its q; q=0 excludes; the
 * highest q wins and ties go to text/html, then v1+html, then v1+json. */
static const struct accept_case accept_cases[] = {
    /* pip 23.2.1 and 26.2 (docs/protocols.md, section "What pip sends"), and the spec's example. */
    { JSON ", " V1HTML "; q=0.1, text/html; q=0.01", ACCEPT_V1_JSON },
    { JSON ", " V1HTML ";q=0.2, text/html;q=0.01", ACCEPT_V1_JSON },
    /* No header, empty, blank: */
    { NULL, ACCEPT_TEXT_HTML },
    { "", ACCEPT_TEXT_HTML },
    { "   ", ACCEPT_TEXT_HTML },
    { " \t ", ACCEPT_TEXT_HTML },
    /* curl and browsers get the legacy HTML. */
    { "*/*", ACCEPT_TEXT_HTML },
    { "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ACCEPT_TEXT_HTML },
    { "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
      ACCEPT_TEXT_HTML },
    /* Warehouse's tests (WH tests/unit/api/test_simple.py). Warehouse
     * answers text/html for text/plain; we answer 406 (ACCEPT_NONE). */
    { "text/plain", ACCEPT_NONE },
    { "text/html, " V1HTML ", " JSON, ACCEPT_TEXT_HTML },
    { "text/html;q=0.01, " V1HTML ";q=0.2, " JSON, ACCEPT_V1_JSON },
    /* Exact beats the any-type range (step 4): JSON gets q=0, the rest q=1. */
    { JSON ";q=0, */*", ACCEPT_TEXT_HTML },
    { "*/*, " JSON ";q=0", ACCEPT_TEXT_HTML },
    { "text/html;q=0, */*", ACCEPT_V1_HTML },
    { "text/html;q=0, " V1HTML ";q=0, */*", ACCEPT_V1_JSON },
    { "text/html;q=0, " V1HTML ";q=0, " JSON ";q=0, */*", ACCEPT_NONE },
    { "*/*;q=0", ACCEPT_NONE },
    { "*/*;q=0, " JSON ";q=0.001", ACCEPT_V1_JSON },
    /* A type wildcard beats the any-type range and loses to exact. */
    { "*/*;q=0.5, text/*;q=0.1, " JSON ";q=0.2", ACCEPT_V1_HTML },
    { "application/*", ACCEPT_V1_HTML },
    { "application/*;q=0.5, " JSON, ACCEPT_V1_JSON },
    { "application/*, " V1HTML ";q=0.5", ACCEPT_V1_JSON },
    { "text/*", ACCEPT_TEXT_HTML },
    { "text/*;q=0.5, application/*;q=0.6", ACCEPT_V1_HTML },
    { "image/*", ACCEPT_NONE },
    /* A wildcard type with a concrete subtype matches nothing. */
    { "*/html", ACCEPT_NONE },
    { "*/" "vnd.pypi.simple.v1+json", ACCEPT_NONE },
    /* The request-only "latest" aliases. */
    { "application/vnd.pypi.simple.latest+json", ACCEPT_V1_JSON },
    { "application/vnd.pypi.simple.latest+html", ACCEPT_V1_HTML },
    { "application/vnd.pypi.simple.latest+json;q=0.5, " V1HTML ";q=0.4", ACCEPT_V1_JSON },
    { "application/vnd.pypi.simple.latest+json;q=0, */*;q=0.1", ACCEPT_TEXT_HTML },
    { "text/vnd.pypi.simple.latest+json", ACCEPT_NONE },
    /* Each offer alone, and ties between them. */
    { "text/html", ACCEPT_TEXT_HTML },
    { V1HTML, ACCEPT_V1_HTML },
    { JSON, ACCEPT_V1_JSON },
    { JSON ", " V1HTML, ACCEPT_V1_HTML },
    { JSON ", text/html", ACCEPT_TEXT_HTML },
    { JSON ";q=0.5, text/html;q=0.5, " V1HTML ";q=0.5", ACCEPT_TEXT_HTML },
    /* A repeated range: the highest q of equally specific ranges counts. */
    { JSON ";q=0.1, " JSON ";q=0.9, text/html;q=0.5", ACCEPT_V1_JSON },
    { JSON ";q=0.9, " JSON ";q=0.1, text/html;q=0.5", ACCEPT_V1_JSON },
    /* q-values. */
    { "text/html;q=0.999, " JSON ";q=1.000", ACCEPT_V1_JSON },
    { "text/html;q=0.999, " JSON ";q=1.0", ACCEPT_V1_JSON },
    { "text/html;q=0.999, " JSON ";q=1.", ACCEPT_V1_JSON },
    { "text/html;q=0.999, " JSON ";q=1", ACCEPT_V1_JSON },
    { JSON ";q=0.001", ACCEPT_V1_JSON },
    { "text/html;q=0.001, " JSON ";q=0.002", ACCEPT_V1_JSON },
    { "text/html;q=0.002, " JSON ";q=0.001", ACCEPT_TEXT_HTML },
    { "text/html;q=0.1, " JSON ";q=0.10", ACCEPT_TEXT_HTML },
    { "text/html;q=0.1, " JSON ";q=0.101", ACCEPT_V1_JSON },
    { JSON ";q=0.000", ACCEPT_NONE },
    { JSON ";q=0.", ACCEPT_NONE },
    /* Malformed q: the whole element is ignored (not q=1, not q=0). */
    { JSON ";q=1.5, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=1.001, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=2, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=abc, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=.5, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=0.0001, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=0.5x, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=-0.5, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=+1, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=01, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=0,5, text/html;q=0.1", ACCEPT_TEXT_HTML },
    { JSON ";q=1.5", ACCEPT_NONE },
    { JSON ";q=0.5;q=abc", ACCEPT_NONE },
    /* A malformed q on an excluding element does not exclude. */
    { JSON ";q=x, */*;q=0.5, text/html;q=0.4", ACCEPT_V1_HTML },
    /* The parameter name is case-insensitive. */
    { JSON ";Q=0.5, text/html;q=0.4", ACCEPT_V1_JSON },
    { JSON ";Q=0.3, text/html;q=0.4", ACCEPT_TEXT_HTML },
    { JSON "; Q = 0.3 , text/html ; q = 0.4", ACCEPT_TEXT_HTML },
    /* Whitespace around ';', '=' and ','. */
    { JSON " ; q = 0.3 , text/html ; q = 0.4", ACCEPT_TEXT_HTML },
    { JSON "\t;\tq\t=\t0.3\t,\ttext/html\t;\tq=0.4", ACCEPT_TEXT_HTML },
    { "  " JSON "  ,  text/html;q=0.4  ", ACCEPT_V1_JSON },
    { JSON ";q= 0.3 ,text/html;q =0.4", ACCEPT_TEXT_HTML },
    /* Other parameters are ignored, before or after q. */
    { "text/html;level=1;q=0.5, " JSON ";charset=utf-8;q=0.6", ACCEPT_V1_JSON },
    { "text/html;q=0.5;level=1, " JSON ";q=0.4;x=y", ACCEPT_TEXT_HTML },
    { "text/html;foo, " JSON ";q=0.5", ACCEPT_TEXT_HTML },
    { "text/html;;;q=0.5, " JSON ";q=0.6", ACCEPT_V1_JSON },
    { "text/html;=;q=0.5, " JSON ";q=0.6", ACCEPT_V1_JSON },
    /* Media types are case-insensitive. */
    { "Application/VND.PYPI.Simple.V1+JSON", ACCEPT_V1_JSON },
    { "APPLICATION/VND.PYPI.SIMPLE.V1+HTML", ACCEPT_V1_HTML },
    { "TEXT/HTML", ACCEPT_TEXT_HTML },
    { "Text/Html;q=0.5, application/vnd.pypi.simple.V1+Html", ACCEPT_V1_HTML },
    { "APPLICATION/VND.PYPI.SIMPLE.LATEST+JSON", ACCEPT_V1_JSON },
    { "Application/*", ACCEPT_V1_HTML },
    { "TEXT/*;q=0.1, " JSON ";q=0.05", ACCEPT_TEXT_HTML },
    /* Near misses. */
    { "application/vnd.pypi.simple.v2+json", ACCEPT_NONE },
    { "application/vnd.pypi.simple.v1+jsonx", ACCEPT_NONE },
    { "application/vnd.pypi.simple.v1", ACCEPT_NONE },
    { "application/json", ACCEPT_NONE },
    { "text/htm", ACCEPT_NONE },
    { "text/html5", ACCEPT_NONE },
    { "texthtml", ACCEPT_NONE },
    { "text / html", ACCEPT_NONE },
    { "text/ html", ACCEPT_NONE },
    { "text/html ", ACCEPT_TEXT_HTML },
    { "text/plain, application/json", ACCEPT_NONE },
    /* Hostile bytes: nothing crashes, malformed elements are skipped. */
    { "\x01\x02\x03", ACCEPT_NONE },
    { "text/html\x01", ACCEPT_NONE },
    { "\x7f/\x7f", ACCEPT_NONE },
    { "\xff\xfe/\xfd, text/html;q=0.2", ACCEPT_TEXT_HTML },
    { "text/html\r\n", ACCEPT_NONE },
    { ",", ACCEPT_NONE },
    { ",,,", ACCEPT_NONE },
    { ", , text/html", ACCEPT_TEXT_HTML },
    { "text/html,", ACCEPT_TEXT_HTML },
    { ";;;", ACCEPT_NONE },
    { ";q=1", ACCEPT_NONE },
    { "/", ACCEPT_NONE },
    { "a/", ACCEPT_NONE },
    { "/b", ACCEPT_NONE },
    { "//", ACCEPT_NONE },
    { "text//html", ACCEPT_NONE },
    { "*", ACCEPT_NONE },
    { "*/", ACCEPT_NONE },
    { "/*", ACCEPT_NONE },
    { "=", ACCEPT_NONE },
    { "q=1", ACCEPT_NONE },
    { "a/b, /, a/, /b, ;;;, text/html;q=0.3", ACCEPT_TEXT_HTML },
    { "text/html;q", ACCEPT_TEXT_HTML },
    { "text/html;q=0.5=0.5", ACCEPT_NONE },
};

START_TEST(test_accept_table)
{
    const struct accept_case *c = &accept_cases[_i];
    enum accept_type got = accept_negotiate(c->header);
    ck_assert_msg(got == c->want, "accept_negotiate(\"%s\") = %s, want %s",
                  c->header ? c->header : "(null)", type_name(got), type_name(c->want));
}
END_TEST

START_TEST(test_accept_content_type)
{
    ck_assert_str_eq(accept_content_type(ACCEPT_TEXT_HTML), "text/html; charset=utf-8");
    ck_assert_str_eq(accept_content_type(ACCEPT_V1_HTML), "application/vnd.pypi.simple.v1+html");
    ck_assert_str_eq(accept_content_type(ACCEPT_V1_JSON), "application/vnd.pypi.simple.v1+json");
    ck_assert_str_eq(accept_content_type(ACCEPT_NONE), "text/plain; charset=utf-8");
    /* The "latest" aliases are request-only: the answer names v1. */
    ck_assert_str_eq(accept_content_type(accept_negotiate("application/vnd.pypi.simple.latest+json")),
                     "application/vnd.pypi.simple.v1+json");
}
END_TEST

/* Builds a header: `head`, then filler elements, then `tail`, padded so that
 * the whole is exactly `total` bytes (the padding goes into the last filler
 * element's parameter). Each filler element is about 200 bytes so that the
 * element limit is not what decides. Returns a malloc'd string. */
static char *build_long(const char *head, const char *filler_type, const char *tail, size_t total)
{
    char *h = malloc(total + 1);
    ck_assert_ptr_nonnull(h);
    size_t headlen = strlen(head), taillen = strlen(tail);
    ck_assert_uint_le(headlen + taillen + 64, total);
    memcpy(h, head, headlen);
    size_t pos = headlen;
    size_t room = total - headlen - taillen; /* bytes for filler elements */
    while (room) {
        /* ", TYPE;pad=" + 'a' * k */
        size_t fixed = 2 + strlen(filler_type) + 5;
        size_t k = room >= fixed + 190 + fixed + 10 ? 190 : room - fixed;
        ck_assert_uint_ge(room, fixed);
        int n = snprintf(h + pos, total + 1 - pos, ", %s;pad=", filler_type);
        ck_assert_int_eq(n, (int)fixed);
        pos += fixed;
        memset(h + pos, 'a', k);
        pos += k;
        room -= fixed + k;
    }
    memcpy(h + pos, tail, taillen);
    pos += taillen;
    ck_assert_uint_eq(pos, total);
    h[pos] = '\0';
    return h;
}

/* ACCEPT_MAX_LEN: a longer header is cut at the last ',' before the limit. */
START_TEST(test_accept_max_len)
{
    char *h;

    /* Exactly at the limit: parsed whole, JSON at the very end counts. */
    h = build_long("text/html;q=0.1", "text/html;q=0.1", ", " JSON, ACCEPT_MAX_LEN);
    ck_assert_uint_eq(strlen(h), ACCEPT_MAX_LEN);
    ck_assert_int_eq(accept_negotiate(h), ACCEPT_V1_JSON);
    free(h);

    /* One byte over: the JSON element straddles the limit and is cut. */
    h = build_long("text/html;q=0.1", "text/html;q=0.1", ", " JSON, ACCEPT_MAX_LEN + 1);
    ck_assert_int_eq(accept_negotiate(h), ACCEPT_TEXT_HTML);
    free(h);

    /* JSON wholly after the limit. */
    h = build_long("text/html;q=0.1", "text/html;q=0.1", ", " JSON, 3 * ACCEPT_MAX_LEN);
    ck_assert_int_eq(accept_negotiate(h), ACCEPT_TEXT_HTML);
    free(h);

    /* JSON before the limit, junk after it. */
    h = build_long(JSON ", text/html;q=0.1", "text/html;q=0.1", ", text/html", 3 * ACCEPT_MAX_LEN);
    ck_assert_int_eq(accept_negotiate(h), ACCEPT_V1_JSON);
    free(h);

    /* A higher q after the limit is not seen either. */
    h = build_long("text/html;q=0.5, " JSON ";q=0.4", "x/y", ", " JSON ";q=0.9", 2 * ACCEPT_MAX_LEN);
    ck_assert_int_eq(accept_negotiate(h), ACCEPT_TEXT_HTML);
    free(h);

    /* No ',' before the limit: nothing is left, which counts as no header. */
    h = malloc(2 * ACCEPT_MAX_LEN + 1);
    ck_assert_ptr_nonnull(h);
    strcpy(h, JSON ";pad=");
    memset(h + strlen(h), 'a', 2 * ACCEPT_MAX_LEN - strlen(h));
    h[2 * ACCEPT_MAX_LEN] = '\0';
    ck_assert_int_eq(accept_negotiate(h), ACCEPT_TEXT_HTML);
    free(h);
}
END_TEST

/* ACCEPT_MAX_ELEMENTS: only the first 64 elements are looked at. */
START_TEST(test_accept_max_elements)
{
    char h[1024];
    size_t pos;

    for (int before = ACCEPT_MAX_ELEMENTS - 3; before <= ACCEPT_MAX_ELEMENTS + 3; before++) {
        pos = 0;
        for (int i = 0; i < before; i++)
            pos += (size_t)snprintf(h + pos, sizeof h - pos, "a/b,");
        snprintf(h + pos, sizeof h - pos, "%s", JSON);
        ck_assert_uint_lt(strlen(h), ACCEPT_MAX_LEN);
        /* JSON is element before+1. */
        ck_assert_int_eq(accept_negotiate(h),
                         before + 1 <= ACCEPT_MAX_ELEMENTS ? ACCEPT_V1_JSON : ACCEPT_NONE);
    }
    /* Empty elements count too. */
    pos = 0;
    for (int i = 0; i < ACCEPT_MAX_ELEMENTS; i++)
        h[pos++] = ',';
    snprintf(h + pos, sizeof h - pos, "%s", JSON);
    ck_assert_int_eq(accept_negotiate(h), ACCEPT_NONE);
    h[1] = '\0'; /* "," */
    ck_assert_int_eq(accept_negotiate(h), ACCEPT_NONE);
}
END_TEST

/* 10,000 elements of several shapes: bounded work, no crash, the answer
 * decided by the first elements. */
START_TEST(test_accept_many_elements)
{
    static const struct {
        const char *elem;
        enum accept_type want;
    } shapes[] = {
        { "*/*;q=0.5,", ACCEPT_TEXT_HTML },
        { JSON ",", ACCEPT_V1_JSON },
        { ",", ACCEPT_NONE },
        { ";;;,", ACCEPT_NONE },
        { "text/plain,", ACCEPT_NONE },
        { "a/,/b,", ACCEPT_NONE },
        { "application/*;q=0.7,", ACCEPT_V1_HTML },
    };
    enum { N = 10000 };

    for (size_t s = 0; s < NELEM(shapes); s++) {
        size_t el = strlen(shapes[s].elem);
        char *h = malloc(N * el + sizeof JSON);
        ck_assert_ptr_nonnull(h);
        for (size_t i = 0; i < N; i++)
            memcpy(h + i * el, shapes[s].elem, el);
        memcpy(h + N * el, JSON, sizeof JSON);
        ck_assert_msg(accept_negotiate(h) == shapes[s].want, "10000 x \"%s\"", shapes[s].elem);
        free(h);
    }
}
END_TEST

/* Every prefix of pip's header is parsed without reading past its end (ASan
 * checks that). The answer follows from the complete elements it holds: a
 * range whose "; q=..." is cut before the '=' has q=1 and ties with JSON. */
START_TEST(test_accept_prefixes)
{
    static const char pip[] = JSON ", " V1HTML "; q=0.1, text/html; q=0.01";
    const size_t end_json = strlen(JSON);
    const size_t end_v1html = (size_t)(strstr(pip, V1HTML) - pip) + strlen(V1HTML);
    const size_t end_text = (size_t)(strstr(pip, "text/html") - pip) + strlen("text/html");
    char *h = malloc(sizeof pip);

    ck_assert_ptr_nonnull(h);
    for (size_t n = 0; n < sizeof pip; n++) {
        memcpy(h, pip, n);
        h[n] = '\0';
        enum accept_type got = accept_negotiate(h);
        enum accept_type want;
        if (n == 0)
            want = ACCEPT_TEXT_HTML; /* empty: any */
        else if (n < end_json)
            want = ACCEPT_NONE;      /* a cut type matches nothing */
        else if (n >= end_v1html && n < end_v1html + strlen("; q="))
            want = ACCEPT_V1_HTML;   /* "...v1+html", "...; q": q=1, tie */
        else if (n >= end_text && n < end_text + strlen("; q="))
            want = ACCEPT_TEXT_HTML; /* "text/html", "text/html; q": q=1, tie */
        else
            want = ACCEPT_V1_JSON;
        ck_assert_msg(got == want, "prefix %zu \"%s\": %s, want %s", n, h, type_name(got),
                      type_name(want));
    }
    free(h);
}
END_TEST

Suite *suite_accept(void)
{
    Suite *s = suite_create("accept");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_accept_table, 0, (int)NELEM(accept_cases));
    tcase_add_test(tc, test_accept_content_type);
    tcase_add_test(tc, test_accept_max_len);
    tcase_add_test(tc, test_accept_max_elements);
    tcase_add_test(tc, test_accept_many_elements);
    tcase_add_test(tc, test_accept_prefixes);
    suite_add_tcase(s, tc);
    return s;
}
