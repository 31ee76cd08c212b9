/* SPDX-License-Identifier: MIT */
/* test_name.c: unit tests for name.c (validation and PEP 503 normalization). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "name.h"
#include "suites.h"

/* A string literal with its exact length, so cases may hold NUL bytes. */
#define S(x) x, sizeof(x) - 1

struct name_case {
    const char *in;
    size_t len;
    bool valid;       /* name_is_valid */
    const char *norm; /* name_normalize, which does not validate */
};

/* docs/protocols.md, section "Project names": valid is ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])\Z,
 * case-insensitive; normalized is re.sub(r"[-_.]+", "-", name).lower(). */
static const struct name_case name_cases[] = {
    { S("foo"), true, "foo" },
    { S("Foo"), true, "foo" },
    { S("FOO"), true, "foo" },
    { S("a"), true, "a" },
    { S("Z"), true, "z" },
    { S("7"), true, "7" },
    { S("foo_bar"), true, "foo-bar" },
    { S("Foo.Bar"), true, "foo-bar" },
    { S("foo-bar"), true, "foo-bar" },
    { S("foo__bar"), true, "foo-bar" },
    { S("Foo-._Bar"), true, "foo-bar" },
    { S("FOO.BAR-baz_QUX"), true, "foo-bar-baz-qux" },
    { S("zope.interface"), true, "zope-interface" },
    { S("Django"), true, "django" },
    { S("a.b.c"), true, "a-b-c" },
    { S("a1-2b"), true, "a1-2b" },
    { S("foo..bar"), true, "foo-bar" },
    /* canonicalize_name does not validate: "_not_legal" -> "-not-legal". */
    { S("_not_legal"), false, "-not-legal" },
    { S("-foo"), false, "-foo" },
    { S("foo-"), false, "foo-" },
    { S(".foo"), false, "-foo" },
    { S("foo."), false, "foo-" },
    { S("_"), false, "-" },
    { S("-"), false, "-" },
    { S(".."), false, "-" },
    { S("..."), false, "-" },
    { S("fo o"), false, "fo o" },
    { S(" foo"), false, " foo" },
    { S("foo "), false, "foo " },
    { S("foo/bar"), false, "foo/bar" },
    { S("../etc"), false, "-/etc" },
    { S("foo\\bar"), false, "foo\\bar" },
    { S("foo+bar"), false, "foo+bar" },
    { S("foo!"), false, "foo!" },
    { S("foo\n"), false, "foo\n" },
    { S("\xc3\xa9t\xc3\xa9"), false, "\xc3\xa9t\xc3\xa9" },
    { S("f\xff"), false, "f\xff" },
    { S("f\0o"), false, NULL },
};

START_TEST(test_name_table)
{
    const struct name_case *c = &name_cases[_i];
    sv_t in = sv_make(c->in, c->len);
    char out[NAME_MAX_LEN + 1];

    ck_assert_msg(name_is_valid(in) == c->valid, "name_is_valid(\"%s\") != %d", c->in, c->valid);
    size_t n = name_normalize(in, out, sizeof out);
    if (c->norm) {
        ck_assert_uint_eq(n, strlen(c->norm));
        ck_assert_str_eq(out, c->norm);
    } else {
        /* Not validated, so bytes (here a NUL) pass through. */
        ck_assert_uint_eq(n, c->len);
        ck_assert_mem_eq(out, c->in, c->len);
    }
    ck_assert_uint_eq((unsigned char)out[n], 0);
    if (c->valid) {
        /* A valid name normalizes to a normalized name, and normalizing
         * that again changes nothing. */
        char again[NAME_MAX_LEN + 1];
        ck_assert(name_is_normalized(sv_make(out, n)));
        ck_assert_uint_eq(name_normalize(sv_make(out, n), again, sizeof again), n);
        ck_assert_str_eq(again, out);
    }
}
END_TEST

struct normalized_case {
    const char *in;
    size_t len;
    bool normalized;
};

static const struct normalized_case normalized_cases[] = {
    { S("foo"), true },
    { S("foo-bar"), true },
    { S("a1-2b-c"), true },
    { S("0"), true },
    { S(""), false },
    { S("-"), false },
    { S("foo--bar"), false },
    { S("-foo"), false },
    { S("foo-"), false },
    { S("Foo"), false },
    { S("foo_bar"), false },
    { S("foo.bar"), false },
    { S("foo bar"), false },
    { S("foo\n"), false },
    { S("foo\0"), false },
    { S("f\xc3\xa9"), false },
    { S("foo/bar"), false },
};

START_TEST(test_name_is_normalized)
{
    const struct normalized_case *c = &normalized_cases[_i];
    ck_assert_msg(name_is_normalized(sv_make(c->in, c->len)) == c->normalized,
                  "name_is_normalized(\"%s\") != %d", c->in, c->normalized);
}
END_TEST

START_TEST(test_name_empty)
{
    char out[8] = "xxxxxxx";
    ck_assert(!name_is_valid(sv_make("", 0)));
    ck_assert(!name_is_valid(sv_make(NULL, 0)));
    ck_assert_uint_eq(name_normalize(sv_make("", 0), out, sizeof out), 0);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(name_normalize(sv_make(NULL, 0), out, sizeof out), 0);
    ck_assert(!name_is_normalized(sv_make(NULL, 0)));
}
END_TEST

START_TEST(test_name_length_cap)
{
    char name[NAME_MAX_LEN + 2];
    char out[NAME_MAX_LEN + 2];

    memset(name, 'A', sizeof name);
    ck_assert(name_is_valid(sv_make(name, NAME_MAX_LEN)));
    ck_assert(!name_is_valid(sv_make(name, NAME_MAX_LEN + 1)));
    /* name_normalize is bounded by outsz only, not by NAME_MAX_LEN. */
    ck_assert_uint_eq(name_normalize(sv_make(name, NAME_MAX_LEN + 1), out, sizeof out),
                      NAME_MAX_LEN + 1);
    ck_assert_uint_eq(out[0], 'a');
    ck_assert_uint_eq((unsigned char)out[NAME_MAX_LEN + 1], 0);
}
END_TEST

START_TEST(test_name_normalize_outsz)
{
    char out[8];

    /* outsz counts the NUL: "Foo" needs 4 bytes. */
    memset(out, 'x', sizeof out);
    ck_assert_uint_eq(name_normalize(SV_LIT("Foo"), out, 4), 3);
    ck_assert_str_eq(out, "foo");
    memset(out, 'x', sizeof out);
    ck_assert_uint_eq(name_normalize(SV_LIT("Foo"), out, 3), 0);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(name_normalize(SV_LIT("Foo"), out, 1), 0);
    ck_assert_str_eq(out, "");
    memset(out, 'x', sizeof out);
    ck_assert_uint_eq(name_normalize(SV_LIT("Foo"), out, 0), 0);
    ck_assert_uint_eq(out[0], 'x');
    /* A run shrinks to one byte, so a long input may still fit. */
    ck_assert_uint_eq(name_normalize(SV_LIT("a.-_.-_b"), out, 4), 3);
    ck_assert_str_eq(out, "a-b");
}
END_TEST

START_TEST(test_name_hostile_long)
{
    enum { N = 100000 };
    char *big = malloc(N);
    char out[NAME_MAX_LEN + 1];

    ck_assert_ptr_nonnull(big);

    memset(big, '_', N);
    ck_assert(!name_is_valid(sv_make(big, N)));
    ck_assert(!name_is_normalized(sv_make(big, N)));
    /* A run of any length becomes one '-'. */
    ck_assert_uint_eq(name_normalize(sv_make(big, N), out, sizeof out), 1);
    ck_assert_str_eq(out, "-");
    memset(big, 'a', N);
    ck_assert(!name_is_valid(sv_make(big, N)));
    ck_assert(name_is_normalized(sv_make(big, N)));
    ck_assert_uint_eq(name_normalize(sv_make(big, N), out, sizeof out), 0);
    free(big);
}
END_TEST

/* Every prefix of a few names: nothing may read past the view, and what is
 * accepted must normalize to a normalized name. */
START_TEST(test_name_prefixes)
{
    static const char *const inputs[] = { "Foo.Bar-baz_QUX", "zope.interface", "a_-.b", "x" };
    char out[NAME_MAX_LEN + 1];

    for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
        size_t len = strlen(inputs[k]);
        for (size_t n = 0; n <= len; n++) {
            sv_t s = sv_make(inputs[k], n);
            size_t m = name_normalize(s, out, sizeof out);
            ck_assert_uint_le(m, n);
            ck_assert_uint_eq(m == 0, n == 0);
            if (name_is_valid(s))
                ck_assert(name_is_normalized(sv_make(out, m)));
        }
    }
}
END_TEST

Suite *suite_name(void)
{
    Suite *s = suite_create("name");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_name_table, 0, (int)(sizeof name_cases / sizeof name_cases[0]));
    tcase_add_loop_test(tc, test_name_is_normalized, 0,
                        (int)(sizeof normalized_cases / sizeof normalized_cases[0]));
    tcase_add_test(tc, test_name_empty);
    tcase_add_test(tc, test_name_length_cap);
    tcase_add_test(tc, test_name_normalize_outsz);
    tcase_add_test(tc, test_name_hostile_long);
    tcase_add_test(tc, test_name_prefixes);
    suite_add_tcase(s, tc);
    return s;
}
