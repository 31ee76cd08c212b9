/* SPDX-License-Identifier: MIT */
/* test_pkginfo.c: unit tests for pkginfo.c (core metadata fields) and the header walker under it (meta_next, meta_field). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "meta.h"
#include "pkginfo.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* An exact-size copy of s[0..len), so that ASan sees any read past the
 * view. Freed by the caller. */
static char *dup_exact(const char *s, size_t len)
{
    char *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, s, len);
    return p;
}

/* ---- meta_next ---- */

/* A header block and what meta_next makes of it: the fields as
 * "name=value" lines ("" when none), then the body it leaves in *md. */
struct next_case {
    const char *md;
    const char *fields;
    const char *body;
};

static const struct next_case next_cases[] = {
    /* Folded lines: the value keeps its folds, trimmed at both ends. */
    { "Name: foo\nSummary: a\n  b\n\tc  \nVersion: 1\n\nbody\n", "Name=foo\nSummary=a\n  b\n\tc\nVersion=1\n",
      "body\n" },
    /* CRLF: no '\r' ends a name or a value; the folds keep theirs. */
    { "Name: foo\r\nSummary: a\r\n b\r\n\r\nbody\r\n", "Name=foo\nSummary=a\r\n b\n", "body\r\n" },
    /* Lines without a colon are skipped. */
    { "junk\nName: foo\nmore junk\nVersion: 1\n", "Name=foo\nVersion=1\n", "" },
    /* A continuation line after a line that was no field belongs to
     * nothing, not to the field before. */
    { "Name: foo\njunk\n cont: x\nVersion: 1\n", "Name=foo\nVersion=1\n", "" },
    { " lead: x\n\tmore\nName: foo\n", "Name=foo\n", "" },
    /* A value that starts on its continuation line keeps its empty first
     * line (meta_field reads it as absent; unfolding skips it). */
    { "Summary:\n  below\nName: foo\n", "Summary=\n  below\nName=foo\n", "" },
    /* An empty value, and a whitespace-only continuation. */
    { "Keywords:\nSummary: a\n \nName: b\n", "Keywords=\nSummary=a\nName=b\n", "" },
    /* Names are as written (case, spaces before the colon). */
    { "nAmE: foo\nHome page : x\n", "nAmE=foo\nHome page =x\n", "" },
    /* The body is whatever follows the first blank line, untouched. */
    { "Name: foo\n\nVersion: 2\n\n  text\n", "Name=foo\n", "Version: 2\n\n  text\n" },
    { "Name: foo\n\n", "Name=foo\n", "" },
    /* An empty block, a block that is only a body. */
    { "", "", "" },
    { "\n", "", "" },
    { "\nonly a body\n", "", "only a body\n" },
    { "\r\nonly a body", "", "only a body" },
    /* No blank line: the last field ends the input. */
    { "Name: foo\nVersion: 1", "Name=foo\nVersion=1\n", "" },
    { "Summary: a\n b", "Summary=a\n b\n", "" },
};

START_TEST(test_meta_next_table)
{
    const struct next_case *c = &next_cases[_i];
    size_t len = strlen(c->md);
    char *md = dup_exact(c->md, len);
    sv_t rest = sv_make(md, len), name, value;
    buf_t got;
    buf_init(&got, 4096);
    while (meta_next(&rest, &name, &value)) {
        /* Views into the input. */
        ck_assert(name.p >= md && name.p + name.len <= md + len);
        ck_assert(value.len == 0 || (value.p >= md && value.p + value.len <= md + len));
        buf_append_sv(&got, name);
        buf_append_char(&got, '=');
        buf_append_sv(&got, value);
        buf_append_char(&got, '\n');
    }
    ck_assert_int_eq(buf_err(&got), PF_EOK);
    ck_assert_msg(sv_eq(buf_sv(&got), sv_cstr(c->fields)), "case %d: fields \"%.*s\", want \"%s\"", _i,
                  (int)got.len, buf_sv(&got).p, c->fields);
    ck_assert_msg(sv_eq(rest, sv_cstr(c->body)), "case %d: body \"%.*s\", want \"%s\"", _i, (int)rest.len,
                  rest.len ? rest.p : "", c->body);
    ck_assert(rest.len == 0 || (rest.p >= md && rest.p + rest.len == md + len));
    /* At the end it stays at the end. */
    if (rest.len == 0)
        ck_assert(!meta_next(&rest, &name, &value));
    buf_free(&got);
    free(md);
}
END_TEST

/* meta_field, now on meta_next, still reads the first line of a value
 * only and takes an empty value as absent. */
struct field_case {
    const char *md;
    const char *name;
    const char *value; /* NULL: false */
};

static const struct field_case field_cases[] = {
    { "Summary: first\n  second\n", "Summary", "first" },
    { "Summary: first  \n\tsecond\nName: x\n", "Summary", "first" },
    { "Name: x\nsummary: one\n", "SUMMARY", "one" },
    { "Summary:\nName: x\n", "Summary", NULL },
    { "Summary:  \t\nName: x\n", "Summary", NULL },
    { "Summary:\nSummary: second\n", "Summary", NULL },
    { "Name: x\n\nSummary: in the body\n", "Summary", NULL },
    { "junk\n Summary: a continuation\n", "Summary", NULL },
    { "", "Summary", NULL },
    /* A fold under an empty first line is not the value; a CRLF fold
     * leaves no '\r' in it. */
    { "Summary:\n  below\n", "Summary", NULL },
    { "Name:\r\n evil\r\n", "Name", NULL },
    { "Requires-Python: >=3.8\r\n , <4\r\n", "Requires-Python", ">=3.8" },
};

START_TEST(test_meta_field_first_line)
{
    const struct field_case *c = &field_cases[_i];
    size_t len = strlen(c->md);
    char *md = dup_exact(c->md, len);
    sv_t v = { NULL, 0 };
    bool found = meta_field(sv_make(md, len), c->name, &v);
    if (!c->value)
        ck_assert_msg(!found, "case %d: found \"%.*s\"", _i, (int)v.len, v.p);
    else {
        ck_assert_msg(found, "case %d: not found", _i);
        ck_assert_msg(sv_eq(v, sv_cstr(c->value)), "case %d: \"%.*s\", want \"%s\"", _i, (int)v.len, v.p, c->value);
    }
    free(md);
}
END_TEST

/* ---- pkginfo_parse ---- */

/* The parse of md (len bytes), from an exact-size copy kept in *copy. */
static struct pkginfo parse(const char *md, size_t len, char **copy)
{
    *copy = dup_exact(md, len);
    struct pkginfo pi;
    ck_assert_int_eq(pkginfo_parse(sv_make(*copy, len), &pi), PF_EOK);
    return pi;
}

#define PARSE(lit, copy) parse(lit, sizeof(lit) - 1, copy)

static void assert_single(const struct pkginfo *pi, enum pkginfo_key k, const char *want)
{
    if (!want) {
        ck_assert_msg(pi->single[k].p == NULL, "%s: \"%.*s\", want absent", pkginfo_key_name(k),
                      (int)pi->single[k].len, pi->single[k].p);
        return;
    }
    ck_assert_msg(pi->single[k].p != NULL, "%s: absent, want \"%s\"", pkginfo_key_name(k), want);
    ck_assert_msg(sv_eq(pi->single[k], sv_cstr(want)), "%s: \"%.*s\", want \"%s\"", pkginfo_key_name(k),
                  (int)pi->single[k].len, pi->single[k].p, want);
}

START_TEST(test_pkginfo_first_single_wins)
{
    char *md;
    struct pkginfo pi = PARSE("Metadata-Version: 2.1\nName: first\nVersion: 1.0\nName: second\n"
                              "Summary: s1\nSummary: s2\nRequires-Python: >=3.8\n",
                              &md);
    assert_single(&pi, PKGINFO_NAME, "first");
    assert_single(&pi, PKGINFO_VERSION, "1.0");
    assert_single(&pi, PKGINFO_SUMMARY, "s1");
    assert_single(&pi, PKGINFO_REQUIRES_PYTHON, ">=3.8");
    assert_single(&pi, PKGINFO_AUTHOR, NULL);
    assert_single(&pi, PKGINFO_DESCRIPTION, NULL);
    ck_assert_uint_eq(pi.nmulti, 0);
    ck_assert(!pi.body);
    pkginfo_free(&pi);
    free(md);
}
END_TEST

START_TEST(test_pkginfo_repeated_in_order)
{
    char *md;
    struct pkginfo pi = PARSE("Name: p\nClassifier: C1\nRequires-Dist: r1\nClassifier: C2\n"
                              "Project-URL: Home, https://h\nrequires-dist: r2\nCLASSIFIER: C3\n"
                              "Provides-Extra: x\nPlatform: any\nDynamic: Summary\nLicense-File: LICENSE\n"
                              "Unknown-Field: u\n",
                              &md);
    static const struct {
        enum pkginfo_key k;
        const char *v;
    } want[] = {
        { PKGINFO_CLASSIFIERS, "C1" },   { PKGINFO_REQUIRES_DIST, "r1" },
        { PKGINFO_CLASSIFIERS, "C2" },   { PKGINFO_PROJECT_URLS, "Home, https://h" },
        { PKGINFO_REQUIRES_DIST, "r2" }, { PKGINFO_CLASSIFIERS, "C3" },
        { PKGINFO_PROVIDES_EXTRA, "x" }, { PKGINFO_PLATFORM, "any" },
        { PKGINFO_DYNAMIC, "Summary" },  { PKGINFO_LICENSE_FILES, "LICENSE" },
    };
    ck_assert_uint_eq(pi.nmulti, NELEM(want));
    for (size_t i = 0; i < NELEM(want); i++) {
        ck_assert_int_eq(pi.multi[i].key, want[i].k);
        ck_assert_msg(sv_eq(pi.multi[i].value, sv_cstr(want[i].v)), "value %zu: \"%.*s\"", i,
                      (int)pi.multi[i].value.len, pi.multi[i].value.p);
    }
    ck_assert_uint_eq(pi.dropped, 0);
    pkginfo_free(&pi);
    ck_assert_ptr_null(pi.multi);
    ck_assert_uint_eq(pi.nmulti, 0);
    free(md);
}
END_TEST

START_TEST(test_pkginfo_case_insensitive)
{
    char *md;
    struct pkginfo pi = PARSE("nAME: p\nHOME-PAGE: https://h\nauthor-EMAIL: a@b\ndescription-content-type: text/x\n"
                              "license-expression: MIT\n",
                              &md);
    assert_single(&pi, PKGINFO_NAME, "p");
    assert_single(&pi, PKGINFO_HOME_PAGE, "https://h");
    assert_single(&pi, PKGINFO_AUTHOR_EMAIL, "a@b");
    assert_single(&pi, PKGINFO_DESCRIPTION_CONTENT_TYPE, "text/x");
    assert_single(&pi, PKGINFO_LICENSE_EXPRESSION, "MIT");
    pkginfo_free(&pi);
    free(md);
}
END_TEST

START_TEST(test_pkginfo_body_and_description)
{
    char *md;
    /* Metadata 1.x: a Description field, no body. */
    struct pkginfo pi = PARSE("Name: p\nDescription: line one\n        line two\n", &md);
    assert_single(&pi, PKGINFO_DESCRIPTION, "line one\n        line two");
    ck_assert(!pi.body);
    pkginfo_free(&pi);
    free(md);
    /* Metadata 2.1: the body, which wins over a Description field; the
     * white space that ends it is dropped, that at its start kept. */
    pi = PARSE("Name: p\nDescription: header\n\n  Body\n\nmore  \n\n \t\r\n", &md);
    assert_single(&pi, PKGINFO_DESCRIPTION, "  Body\n\nmore");
    ck_assert(pi.body);
    pkginfo_free(&pi);
    free(md);
    /* A body of white space alone is no description. */
    pi = PARSE("Name: p\nDescription: header\n\n \n\t\r\n", &md);
    assert_single(&pi, PKGINFO_DESCRIPTION, "header");
    ck_assert(!pi.body);
    pkginfo_free(&pi);
    free(md);
}
END_TEST

START_TEST(test_pkginfo_only_body)
{
    char *md;
    struct pkginfo pi = PARSE("\nJust a body.\nName: not a field\n", &md);
    assert_single(&pi, PKGINFO_DESCRIPTION, "Just a body.\nName: not a field");
    assert_single(&pi, PKGINFO_NAME, NULL);
    ck_assert(pi.body);
    ck_assert_uint_eq(pi.nmulti, 0);
    pkginfo_free(&pi);
    free(md);
    /* Text with no colon and no blank line is neither field nor body. */
    pi = PARSE("just some text\nand more\n", &md);
    for (int k = 0; k < PKGINFO_NSINGLE; k++)
        ck_assert_ptr_null(pi.single[k].p);
    ck_assert_uint_eq(pi.nmulti, 0);
    pkginfo_free(&pi);
    free(md);
}
END_TEST

START_TEST(test_pkginfo_empty)
{
    struct pkginfo pi;
    ck_assert_int_eq(pkginfo_parse(sv_make("", 0), &pi), PF_EOK);
    for (int k = 0; k < PKGINFO_NSINGLE; k++)
        ck_assert_ptr_null(pi.single[k].p);
    ck_assert_uint_eq(pi.nmulti, 0);
    ck_assert_uint_eq(pi.dropped, 0);
    ck_assert(!pi.body);
    pkginfo_free(&pi);
    ck_assert_int_eq(pkginfo_parse(sv_make(NULL, 0), &pi), PF_EOK);
    ck_assert_uint_eq(pi.nmulti, 0);
    pkginfo_free(&pi);
}
END_TEST

START_TEST(test_pkginfo_nul_bytes)
{
    static const char in[] = "Name: a\0b\nSum\0mary: hidden\nClassifier: \0\nSummary: s\n\nbo\0dy\n";
    char *md;
    struct pkginfo pi = parse(in, sizeof in - 1, &md);
    ck_assert(sv_eq(pi.single[PKGINFO_NAME], sv_make("a\0b", 3)));
    /* "Sum\0mary" is no Summary. */
    assert_single(&pi, PKGINFO_SUMMARY, "s");
    ck_assert_uint_eq(pi.nmulti, 1);
    ck_assert(sv_eq(pi.multi[0].value, sv_make("\0", 1)));
    ck_assert(pi.body);
    ck_assert(sv_eq(pi.single[PKGINFO_DESCRIPTION], sv_make("bo\0dy", 5)));
    pkginfo_free(&pi);
    free(md);
}
END_TEST

START_TEST(test_pkginfo_cap)
{
    buf_t b;
    buf_init(&b, 1 << 20);
    buf_append_str(&b, "Name: p\n");
    for (int i = 0; i < PKGINFO_MAX_VALUES + 3; i++)
        buf_printf(&b, "%s: v%d\n", i % 2 ? "Classifier" : "Requires-Dist", i);
    /* Single fields past the cap are still read. */
    buf_append_str(&b, "Summary: after\n\nbody\n");
    ck_assert_int_eq(buf_err(&b), PF_EOK);
    char *md;
    struct pkginfo pi = parse(b.p, b.len, &md);
    ck_assert_uint_eq(pi.nmulti, PKGINFO_MAX_VALUES);
    ck_assert_uint_eq(pi.dropped, 3);
    ck_assert(sv_eq(pi.multi[0].value, SV_LIT("v0")));
    ck_assert_int_eq(pi.multi[1].key, PKGINFO_CLASSIFIERS);
    char last[32];
    snprintf(last, sizeof last, "v%d", PKGINFO_MAX_VALUES - 1);
    ck_assert(sv_eq(pi.multi[PKGINFO_MAX_VALUES - 1].value, sv_cstr(last)));
    assert_single(&pi, PKGINFO_SUMMARY, "after");
    assert_single(&pi, PKGINFO_DESCRIPTION, "body");
    pkginfo_free(&pi);
    free(md);
    buf_free(&b);
}
END_TEST

/* ---- pkginfo_unfold, pkginfo_single ---- */

struct unfold_case {
    const char *in;
    const char *out;
};

static const struct unfold_case unfold_cases[] = {
    { "", "" },
    { "plain", "plain" },
    { "a\n  b\n\tc", "a b c" },
    { "a\r\n b\r\n\tc", "a b c" },
    { "a  \n   b  ", "a b" },
    { "a\n \n\t\n b", "a b" },
    { "\n a", "a" },
    { "one  two\n three", "one  two three" },
};

START_TEST(test_pkginfo_unfold_table)
{
    const struct unfold_case *c = &unfold_cases[_i];
    size_t len = strlen(c->in);
    char *in = dup_exact(c->in, len);
    buf_t out;
    buf_init(&out, 1024);
    /* Appended after what out holds. */
    buf_append_str(&out, "<");
    ck_assert_int_eq(pkginfo_unfold(&out, sv_make(in, len)), PF_EOK);
    ck_assert_msg(out.len == 1 + strlen(c->out) && memcmp(out.p + 1, c->out, out.len - 1) == 0,
                  "case %d: \"%.*s\", want \"<%s\"", _i, (int)out.len, out.p, c->out);
    buf_free(&out);
    free(in);
}
END_TEST

/* pkginfo_single on the field k of md, into a string. */
static char *single(const char *md, enum pkginfo_key k)
{
    char *copy;
    struct pkginfo pi = parse(md, strlen(md), &copy);
    buf_t out;
    buf_init(&out, 1 << 16);
    ck_assert_int_eq(pkginfo_single(&out, &pi, k), PF_EOK);
    char *s = strndup(buf_sv(&out).p, out.len);
    ck_assert_ptr_nonnull(s);
    buf_free(&out);
    pkginfo_free(&pi);
    free(copy);
    return s;
}

static void assert_single_text(const char *md, enum pkginfo_key k, const char *want)
{
    char *got = single(md, k);
    ck_assert_msg(strcmp(got, want) == 0, "\"%s\", want \"%s\"", got, want);
    free(got);
}

START_TEST(test_pkginfo_single_unfolds)
{
    assert_single_text("Summary: a long\n  summary\n\there\n", PKGINFO_SUMMARY, "a long summary here");
    assert_single_text("Summary: a\r\n b\r\n", PKGINFO_SUMMARY, "a b");
    assert_single_text("Summary:\r\n  below\r\n", PKGINFO_SUMMARY, "below");
    assert_single_text("Author: x\n", PKGINFO_AUTHOR, "x");
    /* Absent: nothing appended. */
    assert_single_text("Author: x\n", PKGINFO_LICENSE, "");
}
END_TEST

START_TEST(test_pkginfo_single_description_dedent)
{
    /* Setuptools' 8 spaces, distutils' 7 and a '|', a tab; a line with
     * fewer spaces loses them all, one with more keeps the rest. */
    assert_single_text("Name: p\nDescription: Title\n        =====\n        \n"
                       "       |  indented\n\ttabbed\n    short\n          deep\nVersion: 1\n",
                       PKGINFO_DESCRIPTION, "Title\n=====\n\n  indented\ntabbed\nshort\n  deep");
    /* CRLF folds lose their '\r'. */
    assert_single_text("Description: a\r\n        b\r\n", PKGINFO_DESCRIPTION, "a\nb");
    /* A description that starts below its field: no empty first line. */
    assert_single_text("Description:\n        a\n        b\n", PKGINFO_DESCRIPTION, "a\nb");
    /* A '|' after other than 7 spaces is text. */
    assert_single_text("Description: a\n    |b\n        |c\n", PKGINFO_DESCRIPTION, "a\n|b\n|c");
}
END_TEST

START_TEST(test_pkginfo_single_body_untouched)
{
    assert_single_text("Name: p\nDescription-Content-Type: text/markdown\n\n# Title\n        code\r\n  |x\n\n",
                       PKGINFO_DESCRIPTION, "# Title\n        code\r\n  |x");
}
END_TEST

/* The JSON API's names: one per key, distinct, in its spelling; "" past
 * the last. */
START_TEST(test_pkginfo_key_names)
{
    for (int k = 0; k < PKGINFO_NKEYS; k++) {
        const char *n = pkginfo_key_name((enum pkginfo_key)k);
        ck_assert_msg(n && *n, "key %d", k);
        ck_assert_msg(strspn(n, "abcdefghijklmnopqrstuvwxyz_") == strlen(n), "%s", n);
        for (int j = 0; j < k; j++)
            ck_assert_str_ne(n, pkginfo_key_name((enum pkginfo_key)j));
    }
    ck_assert_str_eq(pkginfo_key_name(PKGINFO_REQUIRES_DIST), "requires_dist");
    ck_assert_str_eq(pkginfo_key_name(PKGINFO_PROJECT_URLS), "project_urls");
    ck_assert_str_eq(pkginfo_key_name(PKGINFO_HOME_PAGE), "home_page");
    ck_assert_str_eq(pkginfo_key_name(PKGINFO_NKEYS), "");
}
END_TEST

Suite *suite_pkginfo(void)
{
    Suite *s = suite_create("pkginfo");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_meta_next_table, 0, (int)NELEM(next_cases));
    tcase_add_loop_test(tc, test_meta_field_first_line, 0, (int)NELEM(field_cases));
    tcase_add_test(tc, test_pkginfo_first_single_wins);
    tcase_add_test(tc, test_pkginfo_repeated_in_order);
    tcase_add_test(tc, test_pkginfo_case_insensitive);
    tcase_add_test(tc, test_pkginfo_body_and_description);
    tcase_add_test(tc, test_pkginfo_only_body);
    tcase_add_test(tc, test_pkginfo_empty);
    tcase_add_test(tc, test_pkginfo_nul_bytes);
    tcase_add_test(tc, test_pkginfo_cap);
    tcase_add_loop_test(tc, test_pkginfo_unfold_table, 0, (int)NELEM(unfold_cases));
    tcase_add_test(tc, test_pkginfo_single_unfolds);
    tcase_add_test(tc, test_pkginfo_single_description_dedent);
    tcase_add_test(tc, test_pkginfo_single_body_untouched);
    tcase_add_test(tc, test_pkginfo_key_names);
    suite_add_tcase(s, tc);
    return s;
}
