/* SPDX-License-Identifier: MIT */
/* test_version.c: unit tests for version.c (PEP 440 parse, normal form, order). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "suites.h"
#include "version.h"

/* A string literal with its exact length, so cases may hold NUL bytes. */
#define S(x) x, sizeof(x) - 1
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Expected values were produced by packaging 21.3 (the one pip 23.2.1
 * vendors): str(Version(in)) and Version(in).is_prerelease. */
struct parse_case {
    const char *in;
    size_t len;
    const char *norm; /* NULL: InvalidVersion */
    int prerelease;
};

static const struct parse_case parse_cases[] = {
    /* docs/protocols.md, section "Parsing and normal form": every normalization example... */
    { S("1.0-1"), "1.0.post1", 0 },
    { S("1.0alpha1"), "1.0a1", 1 },
    { S("1.0c1"), "1.0rc1", 1 },
    { S("1.0.PRE1"), "1.0rc1", 1 },
    { S("1.0-dev"), "1.0.dev0", 1 },
    { S("1.0_a_1"), "1.0a1", 1 },
    { S("1.0-r2"), "1.0.post2", 0 },
    { S("1.0.r"), "1.0.post0", 0 },
    { S("1.0a"), "1.0a0", 1 },
    { S("01.02"), "1.2", 0 },
    { S("v1.0"), "1.0", 0 },
    { S("1.0+Ubuntu-1"), "1.0+ubuntu.1", 0 },
    { S("1.0+local_ver"), "1.0+local.ver", 0 },
    { S("1.0a1-1"), "1.0a1.post1", 1 },
    { S("1.0.post-1"), "1.0.post1", 0 },
    /* ...and every invalid example. */
    { S("1.0-"), NULL, 0 },
    { S("1..0"), NULL, 0 },
    { S("1.0+"), NULL, 0 },
    { S("1.0+a..b"), NULL, 0 },
    { S("1.0+-x"), NULL, 0 },
    { S("1.0.a1.b2"), NULL, 0 },
    { S("1.0-1-1"), NULL, 0 },
    { S("foo"), NULL, 0 },
    /* Pre-release spellings and separators, any case. */
    { S("1.0a1"), "1.0a1", 1 },
    { S("1.0A1"), "1.0a1", 1 },
    { S("1.0.a.1"), "1.0a1", 1 },
    { S("1.0-a-1"), "1.0a1", 1 },
    { S("1.0_alpha_1"), "1.0a1", 1 },
    { S("1.0beta2"), "1.0b2", 1 },
    { S("1.0b2"), "1.0b2", 1 },
    { S("1.0B"), "1.0b0", 1 },
    { S("1.0pre"), "1.0rc0", 1 },
    { S("1.0preview3"), "1.0rc3", 1 },
    { S("1.0PREVIEW"), "1.0rc0", 1 },
    { S("1.0rc1"), "1.0rc1", 1 },
    { S("1.0RC1"), "1.0rc1", 1 },
    { S("1.0c"), "1.0rc0", 1 },
    { S("1.0-c-1"), "1.0rc1", 1 },
    /* Post releases, implicit "-N" included. */
    { S("1.0post1"), "1.0.post1", 0 },
    { S("1.0.post1"), "1.0.post1", 0 },
    { S("1.0-post-1"), "1.0.post1", 0 },
    { S("1.0_post_1"), "1.0.post1", 0 },
    { S("1.0POST"), "1.0.post0", 0 },
    { S("1.0rev3"), "1.0.post3", 0 },
    { S("1.0.rev"), "1.0.post0", 0 },
    { S("1.0r"), "1.0.post0", 0 },
    { S("1.0R1"), "1.0.post1", 0 },
    { S("1.0-1.dev1"), "1.0.post1.dev1", 1 },
    { S("1.0-1dev"), "1.0.post1.dev0", 1 },
    /* Dev releases, and separators left dangling (packaging accepts them). */
    { S("1.0dev"), "1.0.dev0", 1 },
    { S("1.0.dev1"), "1.0.dev1", 1 },
    { S("1.0-dev-2"), "1.0.dev2", 1 },
    { S("1.0_dev_3"), "1.0.dev3", 1 },
    { S("1.0DEV"), "1.0.dev0", 1 },
    { S("1.0a1.dev2"), "1.0a1.dev2", 1 },
    { S("1.0rc1.post2.dev3"), "1.0rc1.post2.dev3", 1 },
    { S("1.0a.-1"), "1.0a0.post1", 1 },
    { S("1.0a.-dev"), "1.0a0.dev0", 1 },
    { S("1.0a-"), "1.0a0", 1 },
    { S("1.0.post-"), "1.0.post0", 0 },
    { S("1.0-dev-"), "1.0.dev0", 1 },
    { S("1.0.dev-+abc"), "1.0.dev0+abc", 1 },
    /* Epoch and release: leading zeros go, trailing zeros stay. */
    { S("0!1.0"), "1.0", 0 },
    { S("000!1.0"), "1.0", 0 },
    { S("1!2.0"), "1!2.0", 0 },
    { S("V1!2.0"), "1!2.0", 0 },
    { S("v1"), "1", 0 },
    { S("2"), "2", 0 },
    { S("1.0.0"), "1.0.0", 0 },
    { S("1.00.000"), "1.0.0", 0 },
    { S("0"), "0", 0 },
    { S("00"), "0", 0 },
    { S("0.0.0"), "0.0.0", 0 },
    { S("007"), "7", 0 },
    { S("1.0.0.0.0.0.0"), "1.0.0.0.0.0.0", 0 },
    /* Local: lowercased, joined with '.', numeric segments through int(). */
    { S("1.0+01"), "1.0+1", 0 },
    { S("1.0+00a"), "1.0+00a", 0 },
    { S("1.0+0"), "1.0+0", 0 },
    { S("1.0+A.b-C_d"), "1.0+a.b.c.d", 0 },
    { S("1.0+abc.5"), "1.0+abc.5", 0 },
    { S("1.0+1.0"), "1.0+1.0", 0 },
    { S("1.0+ABC"), "1.0+abc", 0 },
    { S("1.0+a1b2"), "1.0+a1b2", 0 },
    /* Surrounding [ \t\n\r\f\v] is stripped. */
    { S(" 1.0"), "1.0", 0 },
    { S("1.0 "), "1.0", 0 },
    { S("\t1.0\n"), "1.0", 0 },
    { S("\r\n 1.0rc1 \t"), "1.0rc1", 1 },
    { S("\v1.0\f"), "1.0", 0 },
    /* Invalid. */
    { S(""), NULL, 0 },
    { S("  "), NULL, 0 },
    { S("v"), NULL, 0 },
    { S("V"), NULL, 0 },
    { S("1."), NULL, 0 },
    { S("1.0."), NULL, 0 },
    { S("1.0.."), NULL, 0 },
    { S("!1.0"), NULL, 0 },
    { S("1!"), NULL, 0 },
    { S("1!!2"), NULL, 0 },
    { S("1.0a1a2"), NULL, 0 },
    { S("1.0-1.post1"), NULL, 0 },
    { S("1.0.post1-1"), NULL, 0 },
    { S("1.0-1.0"), NULL, 0 },
    { S("1.0.-1"), NULL, 0 },
    { S("1.0-_1"), NULL, 0 },
    { S("1.0_1"), NULL, 0 },
    { S("1.0+_x"), NULL, 0 },
    { S("1.0+x_"), NULL, 0 },
    { S("1.0+x+y"), NULL, 0 },
    { S("1.0dev1.post1"), NULL, 0 },
    { S("1.0.dev1a1"), NULL, 0 },
    { S("1 .0"), NULL, 0 },
    { S("1.0 a1"), NULL, 0 },
    { S("vv1.0"), NULL, 0 },
    { S("1.0+\xc3\xa4"), NULL, 0 },
    { S("1.0-x"), NULL, 0 },
    { S("1.0-1.0a1"), NULL, 0 },
    { S("1.0.post1.post2"), NULL, 0 },
    { S("1.0.dev1.dev2"), NULL, 0 },
    { S("a1.0"), NULL, 0 },
    { S("1.0e1"), NULL, 0 },
    { S("1,0"), NULL, 0 },
    { S("1.0/x"), NULL, 0 },
    { S("1.0\\x"), NULL, 0 },
    { S("../1.0"), NULL, 0 },
    { S(".1.0"), NULL, 0 },
    { S("1.0a-1.b2"), NULL, 0 },
    /* Mixed. */
    { S("1.0+loc-al"), "1.0+loc.al", 0 },
    { S("1.0+1_2"), "1.0+1.2", 0 },
    { S("1.0-r-1"), "1.0.post1", 0 },
    { S("1.0-r.1"), "1.0.post1", 0 },
    { S("1.0a1.post1"), "1.0a1.post1", 1 },
    { S("1.0rc1-1"), "1.0rc1.post1", 1 },
    { S("1.0c1.dev1"), "1.0rc1.dev1", 1 },
};

static version_t parse_ok(const char *s)
{
    version_t v;
    ck_assert_msg(version_parse(sv_cstr(s), &v) == PF_EOK, "\"%s\" did not parse", s);
    return v;
}

/* The normal form of v, checked to round-trip: it parses to an equal
 * version with the same normal form. The caller frees the result. */
static char *normal_form(const version_t *v)
{
    buf_t b, b2;
    version_t again;

    buf_init(&b, 4096);
    ck_assert_int_eq(version_normalize(v, &b), PF_EOK);
    char *s = buf_steal(&b);
    ck_assert_uint_le(strlen(s), VERSION_MAX_LEN);
    ck_assert_int_eq(version_parse(sv_cstr(s), &again), PF_EOK);
    ck_assert_int_eq(version_cmp(v, &again), 0);
    ck_assert_int_eq(version_cmp(&again, v), 0);
    ck_assert_int_eq(version_is_prerelease(v), version_is_prerelease(&again));
    buf_init(&b2, 4096);
    ck_assert_int_eq(version_normalize(&again, &b2), PF_EOK);
    ck_assert_str_eq(b2.p, s);
    buf_free(&b2);
    return s;
}

START_TEST(test_version_parse_table)
{
    const struct parse_case *c = &parse_cases[_i];
    version_t v;
    enum pf_err e = version_parse(sv_make(c->in, c->len), &v);

    if (!c->norm) {
        ck_assert_msg(e == PF_EINVAL, "\"%s\" parsed but should not", c->in);
        return;
    }
    ck_assert_msg(e == PF_EOK, "\"%s\" did not parse", c->in);
    char *s = normal_form(&v);
    ck_assert_str_eq(s, c->norm);
    free(s);
    ck_assert_int_eq(version_is_prerelease(&v), c->prerelease);
}
END_TEST

/* docs/protocols.md, section "Ordering"; each '<' verified with packaging. */
static const char *const chain[] = {
    "0.9", "1.0.dev0", "1.0a0.dev0", "1.0a1.dev1", "1.0a1", "1.0a1.post1.dev1",
    "1.0a1.post1", "1.0b1", "1.0rc1.dev5", "1.0rc1", "1.0", "1.0+abc", "1.0+abc.a",
    "1.0+abc.1", "1.0+1", "1.0+1.0", "1.0.post1.dev0", "1.0.post1", "1.0.post2",
    "1.0.1", "1.1.dev0", "1.1a1", "1.10", "2", "1!0.1",
};

START_TEST(test_version_chain_adjacent)
{
    version_t a = parse_ok(chain[_i]), b = parse_ok(chain[_i + 1]);
    ck_assert_msg(version_cmp(&a, &b) < 0, "!(%s < %s)", chain[_i], chain[_i + 1]);
    ck_assert_msg(version_cmp(&b, &a) > 0, "!(%s > %s)", chain[_i + 1], chain[_i]);
}
END_TEST

/* Every pair i < j, both ways, and each element against itself. */
START_TEST(test_version_chain_all_pairs)
{
    for (size_t i = 0; i < NELEM(chain); i++) {
        version_t a = parse_ok(chain[i]);
        ck_assert_int_eq(version_cmp(&a, &a), 0);
        for (size_t j = i + 1; j < NELEM(chain); j++) {
            version_t b = parse_ok(chain[j]);
            ck_assert_msg(version_cmp(&a, &b) < 0, "!(%s < %s)", chain[i], chain[j]);
            ck_assert_msg(version_cmp(&b, &a) > 0, "!(%s > %s)", chain[j], chain[i]);
        }
    }
}
END_TEST

/* Groups of equal versions (docs/protocols.md, section "Ordering", then more). */
static const char *const equal_groups[][5] = {
    { "1.0", "1.0.0", "1", "v1.0", "01.00.0000" },
    { "1.0+A", "1.0+a" },
    { "1.0+1", "1.0+01", "1.0+001" },
    { "1.0a1", "1.0.a.1", "1.0alpha1", "1.0-ALPHA-01" },
    { "1.0-1", "1.0.post1", "1.0r1", "1.0-rev-1", "1.0_post_001" },
    { "1.0c1", "1.0rc1", "1.0pre1", "1.0preview1", "1.0-RC-1" },
    { "1.0b0", "1.0b", "1.0beta", "1.0.beta.0" },
    { "1.0.dev0", "1.0dev", "1.0-dev", "1.0_DEV_0" },
    { "0!1.0", "1.0", "00!1" },
    { "1!1", "01!1.0" },
    { "1.0+abc.1", "1.0+ABC-01", "1.0+abc_1" },
    { "1.0+0", "1.0+00", "1.0+000" },
};

START_TEST(test_version_equal)
{
    const char *const *g = equal_groups[_i];
    for (size_t i = 0; i < NELEM(equal_groups[0]) && g[i]; i++) {
        version_t a = parse_ok(g[i]);
        for (size_t j = 0; j < NELEM(equal_groups[0]) && g[j]; j++) {
            version_t b = parse_ok(g[j]);
            ck_assert_msg(version_cmp(&a, &b) == 0, "%s != %s", g[i], g[j]);
        }
    }
}
END_TEST

/* More ordered pairs: numbers compared as digit strings, local rules. */
static const char *const less_pairs[][2] = {
    { "1.99999999999999999999998", "1.99999999999999999999999" },
    { "1.99999999999999999999999", "1.100000000000000000000000" },
    { "1.00000000000000000000009", "1.10" },
    { "99999999999999999999999999999!0", "100000000000000000000000000000!0" },
    { "1.0a99999999999999999999999", "1.0b0" },
    { "1.0.post18446744073709551615", "1.0.post18446744073709551616" },
    { "1.0.dev18446744073709551616", "1.0" },
    { "1.0+18446744073709551615", "1.0+18446744073709551616" },
    { "1.0+a", "1.0+b" },
    { "1.0+A", "1.0+b" },
    { "1.0+a", "1.0+aa" },
    { "1.0+zzz", "1.0+0" },
    { "1.0+1a", "1.0+1" },
    { "1.0+a.b", "1.0+a.b.c" },
    { "1.0+2", "1.0+10" },
    { "1.0", "1.0.0.0.1" },
    { "1.0.post1", "1.0.0.1" },
    { "1.0.dev1", "1.0.dev2" },
    { "1.0a1.dev1", "1.0a1" },
    { "1.0a1.post1", "1.0a2.dev0" },
    { "1.0rc1.post1", "1.0" },
    { "1.0.post1.dev1", "1.0.post1" },
    { "1.0.post0.dev0", "1.0.post0" },
    { "1.0+local", "1.0.post0.dev0" },
    { "1.0.dev0", "1.0a0.dev0" },
    { "1.0.dev99", "1.0a0" },
    { "0.0", "0.0.1" },
    { "1.2.3", "1.3" },
    { "9", "1!0" },
};

START_TEST(test_version_less)
{
    version_t a = parse_ok(less_pairs[_i][0]), b = parse_ok(less_pairs[_i][1]);
    ck_assert_msg(version_cmp(&a, &b) < 0, "!(%s < %s)", less_pairs[_i][0], less_pairs[_i][1]);
    ck_assert_msg(version_cmp(&b, &a) > 0, "!(%s > %s)", less_pairs[_i][1], less_pairs[_i][0]);
}
END_TEST

struct pre_case {
    const char *in;
    bool prerelease;
};

/* docs/protocols.md, section "Pre-releases": pre present or dev present. */
static const struct pre_case pre_cases[] = {
    { "1.0.post1.dev1", true }, { "1.0.post1", false }, { "1.0+local", false },
    { "1.0", false },           { "1.0a1", true },      { "1.0b0", true },
    { "1.0rc1", true },         { "1.0.dev0", true },   { "1.0rc1+local", true },
    { "1.0c1.post1", true },    { "1!1.0", false },     { "1.0-1", false },
};

START_TEST(test_version_is_prerelease)
{
    version_t v = parse_ok(pre_cases[_i].in);
    ck_assert_msg(version_is_prerelease(&v) == pre_cases[_i].prerelease, "%s", pre_cases[_i].in);
}
END_TEST

/* The fields of a fully loaded version, as the header documents them. */
START_TEST(test_version_fields)
{
    version_t v = parse_ok(" V007!01.0.20rc003.post04.dev005+Ab.0010 ");
    ck_assert_uint_eq(v.epoch.len, 1);
    ck_assert_mem_eq(v.epoch.p, "7", 1);
    ck_assert_uint_eq(v.nrelease, 3);
    ck_assert_mem_eq(v.release[0].p, "1", 1);
    ck_assert_uint_eq(v.release[0].len, 1);
    ck_assert_uint_eq(v.release[1].len, 0);
    ck_assert_mem_eq(v.release[2].p, "20", 2);
    ck_assert_uint_eq(v.release[2].len, 2);
    ck_assert_int_eq(v.pre_kind, VERSION_PRE_RC);
    ck_assert_mem_eq(v.pre.p, "3", 1);
    ck_assert(v.has_post);
    ck_assert_mem_eq(v.post.p, "4", 1);
    ck_assert(v.has_dev);
    ck_assert_mem_eq(v.dev.p, "5", 1);
    ck_assert_uint_eq(v.nlocal, 2);
    ck_assert_uint_eq(v.local[0].len, 2);
    ck_assert_mem_eq(v.local[0].p, "Ab", 2);
    ck_assert_uint_eq(v.local[1].len, 4);
    ck_assert_mem_eq(v.local[1].p, "0010", 4);
    char *s = normal_form(&v);
    ck_assert_str_eq(s, "7!1.0.20rc3.post4.dev5+ab.10");
    free(s);

    v = parse_ok("1.0");
    ck_assert_uint_eq(v.epoch.len, 0);
    ck_assert_int_eq(v.pre_kind, VERSION_PRE_NONE);
    ck_assert(!v.has_post);
    ck_assert(!v.has_dev);
    ck_assert_uint_eq(v.nlocal, 0);
}
END_TEST

/* NUL and other bytes that must never be taken for part of a version. */
struct bytes_case {
    const char *in;
    size_t len;
};

static const struct bytes_case hostile_cases[] = {
    { S("1.0\0") },       { S("\0" "1.0") },     { S("1\0.0") },
    { S("1.0+a\0b") },    { S("1.0\xff") },      { S("\xef\xbb\xbf" "1.0") },
    { S("1.0\xc2\xa0") }, { S("\xc2\xa0" "1.0") }, { S("1.0\x1c") },
    { S("1.0/") },        { S("/1.0") },         { S("1.0\\") },
    { S("..") },          { S("../1.0") },       { S("1.0/../2.0") },
    { S(".") },           { S(".1") },           { S("1.0 1.0") },
    { S("1.0%00") },      { S("1.0;rm") },       { S("1.0\"") },
    { S("1.0<b>") },      { S("1.0a1\n1.0a2") },
};

START_TEST(test_version_hostile_bytes)
{
    version_t v;
    const struct bytes_case *c = &hostile_cases[_i];
    ck_assert_int_eq(version_parse(sv_make(c->in, c->len), &v), PF_EINVAL);
}
END_TEST

START_TEST(test_version_empty)
{
    version_t v;
    ck_assert_int_eq(version_parse(sv_make(NULL, 0), &v), PF_EINVAL);
    ck_assert_int_eq(version_parse(sv_make("", 0), &v), PF_EINVAL);
    ck_assert_int_eq(version_parse(SV_LIT(" \t\n\r\f\v"), &v), PF_EINVAL);
}
END_TEST

/* VERSION_MAX_LEN counts the version itself, not the space around it. */
START_TEST(test_version_length_cap)
{
    char s[VERSION_MAX_LEN + 8];
    version_t v;

    memset(s, '9', sizeof s);
    ck_assert_int_eq(version_parse(sv_make(s, VERSION_MAX_LEN), &v), PF_EOK);
    ck_assert_uint_eq(v.release[0].len, VERSION_MAX_LEN);
    ck_assert_int_eq(version_parse(sv_make(s, VERSION_MAX_LEN + 1), &v), PF_EINVAL);
    s[0] = ' ';
    s[VERSION_MAX_LEN + 1] = '\t';
    ck_assert_int_eq(version_parse(sv_make(s, VERSION_MAX_LEN + 2), &v), PF_EOK);
    ck_assert_uint_eq(v.release[0].len, VERSION_MAX_LEN);
}
END_TEST

/* The normal form is capped too, so that it always parses again:
 * "1...1-1" of VERSION_MAX_LEN bytes would become "1...1.post1". */
START_TEST(test_version_normal_form_cap)
{
    char s[VERSION_MAX_LEN + 8];
    version_t v;
    size_t digits = VERSION_MAX_LEN - strlen(".post1");

    memset(s, '1', digits);
    memcpy(s + digits, "-1", 2);
    ck_assert_int_eq(version_parse(sv_make(s, digits + 2), &v), PF_EOK);
    free(normal_form(&v));
    memset(s, '1', digits + 1);
    memcpy(s + digits + 1, "-1", 2);
    ck_assert_int_eq(version_parse(sv_make(s, digits + 3), &v), PF_EINVAL);
    memset(s, '1', VERSION_MAX_LEN - 2);
    memcpy(s + VERSION_MAX_LEN - 2, "-1", 2);
    ck_assert_int_eq(version_parse(sv_make(s, VERSION_MAX_LEN), &v), PF_EINVAL);
    /* Shrinking forms are measured after normalization: zeros go. */
    memset(s, '0', VERSION_MAX_LEN);
    ck_assert_int_eq(version_parse(sv_make(s, VERSION_MAX_LEN), &v), PF_EOK);
    memcpy(s + VERSION_MAX_LEN - 4, "+0r", 3);
    ck_assert_int_eq(version_parse(sv_make(s, VERSION_MAX_LEN), &v), PF_EOK);
}
END_TEST

START_TEST(test_version_hostile_huge)
{
    enum { N = 10000 };
    char *s = malloc(2 * N + 1);
    version_t v;

    ck_assert_ptr_nonnull(s);
    /* A 10,000-digit number, and the same padded with zeros. */
    memset(s, '7', N);
    ck_assert_int_eq(version_parse(sv_make(s, N), &v), PF_EINVAL);
    memset(s, '0', N);
    s[N - 1] = '1';
    ck_assert_int_eq(version_parse(sv_make(s, N), &v), PF_EINVAL);
    /* 1000 release segments. */
    for (size_t i = 0; i < 1000; i++) {
        s[2 * i] = '1';
        s[2 * i + 1] = '.';
    }
    ck_assert_int_eq(version_parse(sv_make(s, 1999), &v), PF_EINVAL);
    /* A long local part, and megabytes of surrounding space. */
    memcpy(s, "1.0+", 4);
    memset(s + 4, 'a', N - 4);
    ck_assert_int_eq(version_parse(sv_make(s, N), &v), PF_EINVAL);
    memset(s, ' ', 2 * N);
    memcpy(s + N, "1.0", 3);
    ck_assert_int_eq(version_parse(sv_make(s, 2 * N), &v), PF_EOK);
    free(s);
}
END_TEST

/* VERSION_MAX_PARTS release or local segments fit, one more does not,
 * even far below VERSION_MAX_LEN. */
START_TEST(test_version_parts_cap)
{
    char s[4 * VERSION_MAX_PARTS + 8];
    version_t v;
    size_t n = 0;

    for (size_t i = 0; i < VERSION_MAX_PARTS; i++)
        n += (size_t)snprintf(s + n, sizeof s - n, i ? ".%zu" : "%zu", i % 10);
    ck_assert_int_eq(version_parse(sv_make(s, n), &v), PF_EOK);
    ck_assert_uint_eq(v.nrelease, VERSION_MAX_PARTS);
    memcpy(s + n, ".1", 2);
    ck_assert_int_eq(version_parse(sv_make(s, n + 2), &v), PF_EINVAL);

    n = (size_t)snprintf(s, sizeof s, "1+a");
    for (size_t i = 1; i < VERSION_MAX_PARTS; i++)
        n += (size_t)snprintf(s + n, sizeof s - n, ".%zu", i % 10);
    ck_assert_int_eq(version_parse(sv_make(s, n), &v), PF_EOK);
    ck_assert_uint_eq(v.nlocal, VERSION_MAX_PARTS);
    memcpy(s + n, "-z", 2);
    ck_assert_int_eq(version_parse(sv_make(s, n + 2), &v), PF_EINVAL);
}
END_TEST

/* version_normalize appends, and on overflow leaves the buffer as it was. */
START_TEST(test_version_normalize_buf)
{
    version_t v = parse_ok("1!2.3rc4.post5.dev6+x.y");
    buf_t b;

    buf_init(&b, 64);
    ck_assert_int_eq(buf_append_str(&b, "v="), PF_EOK);
    ck_assert_int_eq(version_normalize(&v, &b), PF_EOK);
    ck_assert_str_eq(b.p, "v=1!2.3rc4.post5.dev6+x.y");
    buf_free(&b);

    for (size_t cap = 0; cap < sizeof "ab1!2.3rc4.post5.dev6+x.y" - 1; cap++) {
        buf_init(&b, cap);
        if (cap >= 2)
            ck_assert_int_eq(buf_append_str(&b, "ab"), PF_EOK);
        size_t before = b.len;
        ck_assert_int_eq(version_normalize(&v, &b), PF_ETOOBIG);
        ck_assert_uint_eq(b.len, before);
        if (b.p)
            ck_assert_str_eq(b.p, cap >= 2 ? "ab" : "");
        buf_free(&b);
    }
    buf_init(&b, sizeof "ab1!2.3rc4.post5.dev6+x.y" - 1);
    ck_assert_int_eq(buf_append_str(&b, "ab"), PF_EOK);
    ck_assert_int_eq(version_normalize(&v, &b), PF_EOK);
    ck_assert_str_eq(b.p, "ab1!2.3rc4.post5.dev6+x.y");
    buf_free(&b);
}
END_TEST

/* Every prefix and every suffix of a few versions: nothing reads past the
 * view, and whatever parses has a normal form that round-trips. */
START_TEST(test_version_prefixes)
{
    static const char *const inputs[] = {
        "v1!2.3.4rc5.post6.dev7+loc.8",
        " 1.0-alpha-1-1.DEV-9+Ubuntu_1-0 ",
        "1.0.post-1",
        "00.00100.0",
    };
    for (size_t k = 0; k < NELEM(inputs); k++) {
        size_t len = strlen(inputs[k]);
        for (size_t n = 0; n <= len; n++) {
            for (int side = 0; side < 2; side++) {
                sv_t s = side ? sv_make(inputs[k] + n, len - n) : sv_make(inputs[k], n);
                version_t v;
                if (version_parse(s, &v) != PF_EOK)
                    continue;
                ck_assert_uint_ge(v.nrelease, 1);
                ck_assert_uint_le(v.nrelease, VERSION_MAX_PARTS);
                ck_assert_uint_le(v.nlocal, VERSION_MAX_PARTS);
                free(normal_form(&v));
            }
        }
        ck_assert_int_eq(version_parse(sv_make(inputs[k], len), &(version_t){ 0 }), PF_EOK);
    }
}
END_TEST

Suite *suite_version(void)
{
    Suite *s = suite_create("version");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_version_parse_table, 0, (int)NELEM(parse_cases));
    tcase_add_loop_test(tc, test_version_chain_adjacent, 0, (int)NELEM(chain) - 1);
    tcase_add_test(tc, test_version_chain_all_pairs);
    tcase_add_loop_test(tc, test_version_equal, 0, (int)NELEM(equal_groups));
    tcase_add_loop_test(tc, test_version_less, 0, (int)NELEM(less_pairs));
    tcase_add_loop_test(tc, test_version_is_prerelease, 0, (int)NELEM(pre_cases));
    tcase_add_test(tc, test_version_fields);
    tcase_add_loop_test(tc, test_version_hostile_bytes, 0, (int)NELEM(hostile_cases));
    tcase_add_test(tc, test_version_empty);
    tcase_add_test(tc, test_version_length_cap);
    tcase_add_test(tc, test_version_normal_form_cap);
    tcase_add_test(tc, test_version_hostile_huge);
    tcase_add_test(tc, test_version_parts_cap);
    tcase_add_test(tc, test_version_normalize_buf);
    tcase_add_test(tc, test_version_prefixes);
    suite_add_tcase(s, tc);
    return s;
}
