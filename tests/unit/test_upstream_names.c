/* SPDX-License-Identifier: MIT */
/* test_upstream_names.c: unit tests for upstream_names.c (which names may be looked up upstream). */
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "name.h"
#include "suites.h"
#include "testutil.h"
#include "upstream_names.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- one pattern ---- */

struct norm_case {
    const char *pat;
    size_t len;       /* 0: strlen(pat) */
    const char *want; /* the normal form, or NULL when refused */
    const char *why;  /* a part of the reason for a refusal */
};

static const struct norm_case norm_cases[] = {
    { "acme-foo", 0, "acme-foo", NULL },
    { "Acme_*", 0, "acme-*", NULL },
    { "A..B__c--D._-E", 0, "a-b-c-d-e", NULL },
    { "ACME.Tools?", 0, "acme-tools?", NULL },
    { "x_?.*", 0, "x-?-*", NULL },
    { "*", 0, "*", NULL },
    { "?", 0, "?", NULL },
    { "**", 0, "**", NULL },
    { "*_*", 0, "*-*", NULL },
    { "0", 0, "0", NULL },
    { "", 0, NULL, "empty pattern" },
    { "a/b", 0, NULL, "'/' (byte 2) is not allowed" },
    { "a b", 0, NULL, "byte 0x20 (byte 2) is not allowed" },
    { "a\tb", 0, NULL, "byte 0x09 (byte 2)" },
    { "ab\0c", 4, NULL, "byte 0x00 (byte 3)" },
    { "a\rb", 0, NULL, "byte 0x0d (byte 2)" },
    { "a\nb", 0, NULL, "byte 0x0a (byte 2)" },
    { "[ab]c", 0, NULL, "'[' (byte 1)" },
    { "a\\*", 0, NULL, "'\\' (byte 2)" },
    { "caf\xc3\xa9", 0, NULL, "byte 0xc3 (byte 4)" },
    { "a#b", 0, NULL, "'#' (byte 2)" },
    { "-acme", 0, NULL, "starts or ends with" },
    { "acme.", 0, NULL, "starts or ends with" },
    { "_", 0, NULL, "starts or ends with" },
    { "*-", 0, NULL, "starts or ends with" },
    { "._*", 0, NULL, "starts or ends with" },
};

START_TEST(test_pattern_normalize_table)
{
    const struct norm_case *c = &norm_cases[_i];
    char out[UPN_MAX_PATTERN + 1];
    buf_t why;
    buf_init(&why, UPN_MAX_MSG);
    sv_t pat = sv_make(c->pat, c->len ? c->len : strlen(c->pat));
    enum pf_err e = up_pattern_normalize(pat, out, sizeof out, &why);
    if (c->want) {
        ck_assert_msg(e == PF_EOK, "case %d: refused: %s", _i, why.p ? why.p : "");
        ck_assert_str_eq(out, c->want);
        /* The normal form is its own normal form. */
        char again[UPN_MAX_PATTERN + 1];
        ck_assert_int_eq(up_pattern_normalize(sv_cstr(out), again, sizeof again, &why), PF_EOK);
        ck_assert_str_eq(again, out);
    } else {
        ck_assert_msg(e == PF_EINVAL, "case %d: accepted as %s", _i, out);
        ck_assert_msg(why.p && strstr(why.p, c->why), "case %d: reason '%s', want '%s'", _i, why.p ? why.p : "",
                      c->why);
    }
    buf_free(&why);
}
END_TEST

/* UPN_MAX_PATTERN bytes are taken, one more is refused. */
START_TEST(test_pattern_length_cap)
{
    char pat[UPN_MAX_PATTERN + 2], out[UPN_MAX_PATTERN + 1];
    buf_t why;
    buf_init(&why, UPN_MAX_MSG);
    memset(pat, 'a', sizeof pat);
    ck_assert_int_eq(up_pattern_normalize(sv_make(pat, UPN_MAX_PATTERN), out, sizeof out, &why), PF_EOK);
    ck_assert_uint_eq(strlen(out), UPN_MAX_PATTERN);
    ck_assert_int_eq(up_pattern_normalize(sv_make(pat, UPN_MAX_PATTERN + 1), out, sizeof out, &why), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(why.p, "pattern of 201 bytes, over the cap of 200"));
    buf_free(&why);
}
END_TEST

/* ---- claims files ---- */

static struct up_patterns *parse_ok(const char *text, size_t len)
{
    struct up_patterns *p = NULL;
    buf_t err;
    buf_init(&err, 4096);
    enum pf_err e = up_patterns_parse(text, len, "claims", &p, &err);
    ck_assert_msg(e == PF_EOK, "refused: %s", err.p ? err.p : "");
    ck_assert_ptr_nonnull(p);
    buf_free(&err);
    return p;
}

static const char claims_text[] =
    "# names that are ours, never fetched from upstream\n"
    "acme-*\n"
    "Internal_Tools\n"
    "   spaced.name   \n"
    "\tcrlf-name\r\n"
    "  # an indented comment\n"
    "\n"
    "   \t \n"
    "\r\n"
    "zz?\n"
    "acme-exact\n"
    "last-line-without-newline";

struct match_case {
    const char *norm;
    const char *want; /* the pattern that matches, or NULL */
};

static const struct match_case match_cases[] = {
    { "acme-foo", "acme-*" },
    { "acme-", "acme-*" }, /* no normalized name, but fnmatch's answer is still the glob's */
    { "acme-exact", "acme-exact" }, /* the exact pattern is preferred over the glob */
    { "acme", NULL },
    { "acmefoo", NULL },
    { "internal-tools", "internal-tools" },
    { "internal-tool", NULL },
    { "spaced-name", "spaced-name" },
    { "crlf-name", "crlf-name" },
    { "zzz", "zz?" },
    { "zz-", "zz?" },
    { "zz", NULL },
    { "zzzz", NULL },
    { "last-line-without-newline", "last-line-without-newline" },
    { "other", NULL },
    { "", NULL },
};

START_TEST(test_claims_match_table)
{
    const struct match_case *c = &match_cases[_i];
    struct up_patterns *p = parse_ok(claims_text, sizeof claims_text - 1);
    ck_assert_uint_eq(up_patterns_count(p), 7);
    ck_assert_str_eq(up_patterns_at(p, 0), "acme-*");
    ck_assert_str_eq(up_patterns_at(p, 1), "internal-tools");
    ck_assert_str_eq(up_patterns_at(p, 6), "last-line-without-newline");
    ck_assert_ptr_null(up_patterns_at(p, 7));
    const char *hit = up_patterns_match(p, c->norm);
    if (c->want)
        ck_assert_msg(hit && strcmp(hit, c->want) == 0, "case %d: %s matched %s, want %s", _i, c->norm,
                      hit ? hit : "nothing", c->want);
    else
        ck_assert_msg(!hit, "case %d: %s matched %s", _i, c->norm, hit);
    up_patterns_free(p);
}
END_TEST

struct parse_case {
    const char *text;
    size_t len;            /* 0: strlen(text) */
    enum pf_err want;      /* PF_EOK, or the error */
    size_t count;          /* patterns, when accepted */
    const char *msg;       /* a part of the message, when refused */
};

static const struct parse_case parse_cases[] = {
    { "", 0, PF_EOK, 0, NULL },
    { "# only\n  # comments\n\n\t\n", 0, PF_EOK, 0, NULL },
    { "\r\n\r\n  \r\n", 0, PF_EOK, 0, NULL },
    { "a\r\nb\r\n", 0, PF_EOK, 2, NULL },
    { "a\nb", 0, PF_EOK, 2, NULL },
    { "a\na\na\n", 0, PF_EOK, 3, NULL },
    { "*\n", 0, PF_EOK, 1, NULL },
    /* A lone CR is no line end: the whole file is one refused line. */
    { "a\rb\r", 0, PF_EINVAL, 0, "claims:1: byte 0x0d (byte 2)" },
    { "a\r\r\n", 0, PF_EINVAL, 0, "claims:1: byte 0x0d (byte 2)" },
    { "ok\n\rbad\n", 0, PF_EINVAL, 0, "claims:2: byte 0x0d (byte 1)" },
    { "ok\nba\0d\n", 8, PF_EINVAL, 0, "claims:2: byte 0x00 (byte 3)" },
    { "\0\n", 2, PF_EINVAL, 0, "claims:1: byte 0x00 (byte 1)" },
    /* '#' starts a comment only at the start of a line. */
    { "acme # ours\n", 0, PF_EINVAL, 0, "claims:1: byte 0x20 (byte 5)" },
    { "acme#ours\n", 0, PF_EINVAL, 0, "claims:1: '#' (byte 5)" },
    { "# c\r\n\r\nfoo bar\r\n", 0, PF_EINVAL, 0, "claims:3: byte 0x20 (byte 4)" },
    { "good\nbad/name\nworse/name\n", 0, PF_EINVAL, 0, "claims:2: '/' (byte 4)" },
    { "[abc]*\n", 0, PF_EINVAL, 0, "claims:1: '[' (byte 1)" },
    { "x\n-lead\n", 0, PF_EINVAL, 0, "claims:2: the pattern starts or ends" },
    { "x\n\n\ntrail_\n", 0, PF_EINVAL, 0, "claims:4: the pattern starts or ends" },
    { "\xef\xbb\xbf" "acme\n", 0, PF_EINVAL, 0, "claims:1: byte 0xef (byte 1)" },
};

START_TEST(test_claims_parse_table)
{
    const struct parse_case *c = &parse_cases[_i];
    struct up_patterns *p = NULL;
    buf_t err;
    buf_init(&err, 4096);
    enum pf_err e = up_patterns_parse(c->text, c->len ? c->len : strlen(c->text), "claims", &p, &err);
    ck_assert_msg(e == c->want, "case %d: %s, want %s (%s)", _i, pf_errname(e), pf_errname(c->want),
                  err.p ? err.p : "");
    if (e == PF_EOK) {
        ck_assert_uint_eq(up_patterns_count(p), c->count);
        up_patterns_free(p);
    } else {
        ck_assert_msg(err.p && strstr(err.p, c->msg), "case %d: message '%s', want '%s'", _i, err.p ? err.p : "",
                      c->msg);
        ck_assert_ptr_null(strchr(err.p, '\n'));
    }
    buf_free(&err);
}
END_TEST

/* A line of a megabyte is refused by its length; 200 bytes with blanks
 * around them are a pattern. */
START_TEST(test_claims_long_lines)
{
    size_t n = (size_t)1 << 20;
    char *t = malloc(n);
    buf_t err;
    buf_init(&err, 4096);
    struct up_patterns *p = NULL;

    memset(t, 'a', n);
    memcpy(t, "ok\n", 3);
    ck_assert_int_eq(up_patterns_parse(t, n, "claims", &p, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "claims:2: pattern of 1048573 bytes, over the cap of 200"));

    memset(t, ' ', 300);
    memset(t + 50, 'b', UPN_MAX_PATTERN);
    t[299] = '\n';
    p = parse_ok(t, 300);
    ck_assert_uint_eq(up_patterns_count(p), 1);
    ck_assert_uint_eq(strlen(up_patterns_at(p, 0)), UPN_MAX_PATTERN);
    up_patterns_free(p);
    t[50 + UPN_MAX_PATTERN] = 'b';
    ck_assert_int_eq(up_patterns_parse(t, 300, "claims", &p, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "claims:1: pattern of 201 bytes"));
    free(t);
    buf_free(&err);
}
END_TEST

/* The caps: UPN_MAX_FILE bytes and UPN_MAX_PATTERNS patterns are read,
 * one more of either is refused naming the cap, before any pattern is
 * looked at. */
START_TEST(test_claims_caps)
{
    buf_t t, err;
    buf_init(&t, 4 << 20);
    buf_init(&err, 4096);
    struct up_patterns *p = NULL;

    /* 10000 patterns with comments between them; a bad pattern last. */
    for (int i = 0; i < UPN_MAX_PATTERNS; i++)
        ck_assert_int_eq(buf_printf(&t, "%s# c\nname-%d\n", i % 1000 ? "" : "\n", i), PF_EOK);
    p = parse_ok(t.p, t.len);
    ck_assert_uint_eq(up_patterns_count(p), UPN_MAX_PATTERNS);
    ck_assert_str_eq(up_patterns_match(p, "name-9999"), "name-9999");
    ck_assert_ptr_null(up_patterns_match(p, "name-10000"));
    up_patterns_free(p);
    size_t lines = 0;
    for (size_t i = 0; i < t.len; i++)
        lines += t.p[i] == '\n';
    ck_assert_int_eq(buf_append_str(&t, "# c\nbad/one\n"), PF_EOK);
    ck_assert_int_eq(up_patterns_parse(t.p, t.len, "claims", &p, &err), PF_ETOOBIG);
    char want[128];
    snprintf(want, sizeof want, "claims:%zu: more than 10000 patterns, the cap of a claims file", lines + 2);
    ck_assert_msg(strstr(err.p, want), "%s", err.p);

    /* A file of exactly UPN_MAX_FILE bytes (one pattern and comments). */
    buf_reset(&t);
    ck_assert_int_eq(buf_append_str(&t, "acme\n"), PF_EOK);
    while (t.len < UPN_MAX_FILE)
        ck_assert_int_eq(buf_append_char(&t, t.len % 64 == 63 ? '\n' : '#'), PF_EOK);
    ck_assert_uint_eq(t.len, UPN_MAX_FILE);
    p = parse_ok(t.p, t.len);
    ck_assert_uint_eq(up_patterns_count(p), 1);
    up_patterns_free(p);
    /* One byte more, even a good one: refused by its size alone. */
    ck_assert_int_eq(buf_append_char(&t, '\n'), PF_EOK);
    ck_assert_int_eq(up_patterns_parse(t.p, t.len, "claims", &p, &err), PF_ETOOBIG);
    ck_assert_str_eq(err.p, "claims: 1048577 bytes, over the cap of 1048576 bytes for a claims file");
    /* Also when it starts with a bad pattern: the cap comes first. */
    t.p[0] = '/';
    ck_assert_int_eq(up_patterns_parse(t.p, t.len, "claims", &p, &err), PF_ETOOBIG);
    buf_free(&t);
    buf_free(&err);
}
END_TEST

/* ---- option lists ---- */

START_TEST(test_option_lists)
{
    struct up_patterns *p = NULL;
    buf_t err;
    buf_init(&err, 4096);

    const char *good[] = { "Acme_*", "evil.thing", "*" };
    ck_assert_int_eq(up_patterns_from_list(good, 3, "upstream-deny", &p, &err), PF_EOK);
    ck_assert_uint_eq(up_patterns_count(p), 3);
    ck_assert_str_eq(up_patterns_at(p, 0), "acme-*");
    ck_assert_str_eq(up_patterns_at(p, 1), "evil-thing");
    up_patterns_free(p);
    ck_assert_int_eq(up_patterns_from_list(NULL, 0, "upstream-deny", &p, &err), PF_EOK);
    ck_assert_uint_eq(up_patterns_count(p), 0);
    ck_assert_ptr_null(up_patterns_match(p, "anything"));
    up_patterns_free(p);

    /* Each refusal names the option and the value; control bytes in the
     * value are not written as they are. */
    const char *bad1[] = { "fine", "a/b" };
    ck_assert_int_eq(up_patterns_from_list(bad1, 2, "upstream-deny", &p, &err), PF_EINVAL);
    ck_assert_str_eq(err.p, "upstream-deny 'a/b': '/' (byte 2) is not allowed in a pattern: only letters, digits, "
                            "'-', '_', '.', '*' and '?' are");
    const char *bad2[] = { "" };
    ck_assert_int_eq(up_patterns_from_list(bad2, 1, "upstream-allow", &p, &err), PF_EINVAL);
    ck_assert_str_eq(err.p, "upstream-allow '': empty pattern");
    const char *bad3[] = { "x\033[2Jy" };
    ck_assert_int_eq(up_patterns_from_list(bad3, 1, "upstream-allow", &p, &err), PF_EINVAL);
    ck_assert_ptr_null(strchr(err.p, '\033'));
    ck_assert_ptr_nonnull(strstr(err.p, "byte 0x1b (byte 2)"));
    char long_value[400];
    memset(long_value, 'q', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    const char *bad4[] = { long_value };
    ck_assert_int_eq(up_patterns_from_list(bad4, 1, "upstream-allow", &p, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "...': pattern of 201 bytes, over the cap of 200"));
    ck_assert_uint_lt(err.len, 200);

    const char **many = malloc((UPN_MAX_PATTERNS + 1) * sizeof *many);
    for (size_t i = 0; i <= UPN_MAX_PATTERNS; i++)
        many[i] = "x";
    ck_assert_int_eq(up_patterns_from_list(many, UPN_MAX_PATTERNS, "upstream-allow", &p, &err), PF_EOK);
    up_patterns_free(p);
    ck_assert_int_eq(up_patterns_from_list(many, UPN_MAX_PATTERNS + 1, "upstream-allow", &p, &err), PF_ETOOBIG);
    ck_assert_str_eq(err.p, "upstream-allow: 10001 patterns, over the cap of 10000");
    free(many);
    buf_free(&err);
}
END_TEST

/* ---- verdicts ---- */

static struct up_patterns *list_of(const char *const *v, size_t n)
{
    struct up_patterns *p = NULL;
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_int_eq(up_patterns_from_list(v, n, "test", &p, &err), PF_EOK);
    buf_free(&err);
    return p;
}

struct verdict_case {
    int lists; /* bit 0: claims, bit 1: deny, bit 2: allow */
    const char *name;
    enum up_name_verdict want;
    const char *pat;
};

static const char *const v_claims[] = { "acme-*", "Secret.Project" };
static const char *const v_deny[] = { "acme-*", "evil*", "secret-project", "x" };
static const char *const v_allow[] = { "acme-*", "evil-*", "good-*", "x", "?" };

static const struct verdict_case verdict_cases[] = {
    /* All three lists: claims first, then deny, then allow. */
    { 7, "acme-a", UP_NAME_CLAIMED, "acme-*" },
    { 7, "Acme_A", UP_NAME_CLAIMED, "acme-*" },
    { 7, "ACME.a", UP_NAME_CLAIMED, "acme-*" },
    { 7, "secret_project", UP_NAME_CLAIMED, "secret-project" },
    { 7, "evil-a", UP_NAME_DENIED, "evil*" },
    { 7, "x", UP_NAME_DENIED, "x" },
    { 7, "good-a", UP_NAME_UPSTREAM_OK, "good-*" },
    { 7, "Good.A", UP_NAME_UPSTREAM_OK, "good-*" },
    { 7, "y", UP_NAME_UPSTREAM_OK, "?" },
    { 7, "other", UP_NAME_NOT_ALLOWED, "" },
    { 7, "acme", UP_NAME_NOT_ALLOWED, "" },
    /* No claims: the deny list decides what they did. */
    { 6, "acme-a", UP_NAME_DENIED, "acme-*" },
    { 6, "secret-project", UP_NAME_DENIED, "secret-project" },
    /* Only an allow list. */
    { 4, "acme-a", UP_NAME_UPSTREAM_OK, "acme-*" },
    { 4, "evil", UP_NAME_NOT_ALLOWED, "" },
    /* No allow list: everything else may go upstream. */
    { 3, "other", UP_NAME_UPSTREAM_OK, "" },
    { 3, "evilcorp", UP_NAME_DENIED, "evil*" },
    { 0, "acme-a", UP_NAME_UPSTREAM_OK, "" },
    /* Not a project name: never upstream, whatever the lists. */
    { 0, "", UP_NAME_INVALID, "" },
    { 0, "-acme", UP_NAME_INVALID, "" },
    { 0, "acme-", UP_NAME_INVALID, "" },
    { 0, "a/b", UP_NAME_INVALID, "" },
    { 0, "a*", UP_NAME_INVALID, "" },
    { 0, "../x", UP_NAME_INVALID, "" },
    { 7, "acme-\n", UP_NAME_INVALID, "" },
    { 7, "acme-a ", UP_NAME_INVALID, "" },
};

START_TEST(test_verdict_table)
{
    const struct verdict_case *c = &verdict_cases[_i];
    struct up_patterns *claims = list_of(v_claims, NELEM(v_claims));
    struct up_patterns *deny = list_of(v_deny, NELEM(v_deny));
    struct up_patterns *allow = list_of(v_allow, NELEM(v_allow));
    char pat[UPN_MAX_PATTERN + 1];
    memset(pat, 'z', sizeof pat);
    enum up_name_verdict v = up_names_verdict(c->lists & 1 ? claims : NULL, c->lists & 2 ? deny : NULL,
                                              c->lists & 4 ? allow : NULL, c->name, pat, sizeof pat);
    ck_assert_msg(v == c->want, "case %d: %s is %s, want %s", _i, c->name, up_name_verdict_name(v),
                  up_name_verdict_name(c->want));
    ck_assert_str_eq(pat, c->pat);
    /* The same without a pattern buffer. */
    ck_assert_int_eq(up_names_verdict(c->lists & 1 ? claims : NULL, c->lists & 2 ? deny : NULL,
                                      c->lists & 4 ? allow : NULL, c->name, NULL, 0), v);
    up_patterns_free(claims);
    up_patterns_free(deny);
    up_patterns_free(allow);
}
END_TEST

START_TEST(test_verdict_edges)
{
    const char *star[] = { "*" };
    struct up_patterns *all = list_of(star, 1);
    char name[NAME_MAX_LEN + 2];
    /* A claim of '*' keeps every project name from upstream. */
    ck_assert_int_eq(up_names_verdict(all, NULL, NULL, "a", NULL, 0), UP_NAME_CLAIMED);
    memset(name, 'n', sizeof name);
    name[NAME_MAX_LEN] = '\0';
    ck_assert_int_eq(up_names_verdict(all, NULL, NULL, name, NULL, 0), UP_NAME_CLAIMED);
    /* A name over the length of any project name is none. */
    name[NAME_MAX_LEN] = 'n';
    name[NAME_MAX_LEN + 1] = '\0';
    ck_assert_int_eq(up_names_verdict(all, NULL, NULL, name, NULL, 0), UP_NAME_INVALID);
    ck_assert_int_eq(up_names_verdict(all, NULL, NULL, NULL, NULL, 0), UP_NAME_INVALID);
    /* An allow list of '*' allows every name. */
    ck_assert_int_eq(up_names_verdict(NULL, NULL, all, "zzz", NULL, 0), UP_NAME_UPSTREAM_OK);

    /* The pattern is cut to the buffer given. */
    char small[4];
    ck_assert_int_eq(up_names_verdict(NULL, all, NULL, "q", small, sizeof small), UP_NAME_DENIED);
    ck_assert_str_eq(small, "*");
    const char *longer[] = { "long-pattern-*" };
    struct up_patterns *lp = list_of(longer, 1);
    ck_assert_int_eq(up_names_verdict(lp, NULL, NULL, "long-pattern-x", small, sizeof small), UP_NAME_CLAIMED);
    ck_assert_str_eq(small, "lon");
    up_patterns_free(lp);
    up_patterns_free(all);

    ck_assert_str_eq(up_name_verdict_name(UP_NAME_UPSTREAM_OK), "upstream-ok");
    ck_assert_str_eq(up_name_verdict_name(UP_NAME_CLAIMED), "claimed");
    ck_assert_str_eq(up_name_verdict_name(UP_NAME_DENIED), "denied");
    ck_assert_str_eq(up_name_verdict_name(UP_NAME_NOT_ALLOWED), "not-allowed");
    ck_assert_str_eq(up_name_verdict_name(UP_NAME_INVALID), "invalid");
}
END_TEST

/* ---- the claims file of a running server ---- */

static void replace(const char *path, const char *text, size_t len)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    tu_write_file(tmp, text, len);
    ck_assert_int_eq(rename(tmp, path), 0);
}

static void replace_str(const char *path, const char *text)
{
    replace(path, text, strlen(text));
}

static enum up_name_verdict decide(const struct up_names *n, const char *name, const char *want_pat)
{
    char pat[UPN_MAX_PATTERN + 1];
    enum up_name_verdict v = up_names_decide_why(n, name, pat, sizeof pat);
    ck_assert_int_eq(up_names_decide(n, name), v);
    if (want_pat)
        ck_assert_str_eq(pat, want_pat);
    return v;
}

START_TEST(test_open_errors)
{
    char *dir = tu_mkdtemp();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/claims", dir);
    struct up_names *n = NULL;
    struct up_names_conf c = { .claims_file = path };
    buf_t err;
    buf_init(&err, 8192);

    ck_assert_int_eq(up_names_open(&c, &n, &err), PF_EIO);
    ck_assert_ptr_nonnull(strstr(err.p, path));

    tu_write_file(path, "good\n\n# c\nbad/one\n", 18);
    ck_assert_int_eq(up_names_open(&c, &n, &err), PF_EINVAL);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s:4: '/' (byte 4) is not allowed", path);
    ck_assert_msg(strstr(err.p, want), "%s", err.p);

    char *big = malloc(UPN_MAX_FILE + 1);
    memset(big, '\n', UPN_MAX_FILE + 1);
    tu_write_file(path, big, UPN_MAX_FILE + 1);
    free(big);
    ck_assert_int_eq(up_names_open(&c, &n, &err), PF_ETOOBIG);
    snprintf(want, sizeof want, "%s: 1048577 bytes, over the cap of 1048576 bytes", path);
    ck_assert_msg(strstr(err.p, want), "%s", err.p);

    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_eq(up_names_open(&c, &n, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "not a regular file"));
    ck_assert_int_eq(rmdir(path), 0);

    /* A bad option value, with or without a claims file. */
    const char *deny[] = { "ok", "no way" };
    struct up_names_conf d = { .deny = deny, .ndeny = 2, .deny_label = "upstream-deny" };
    ck_assert_int_eq(up_names_open(&d, &n, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "upstream-deny 'no way': byte 0x20 (byte 3)"));
    d.deny_label = NULL;
    ck_assert_int_eq(up_names_open(&d, &n, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "deny 'no way'"));
    const char *allow[] = { "" };
    struct up_names_conf a = { .allow = allow, .nallow = 1 };
    ck_assert_int_eq(up_names_open(&a, &n, &err), PF_EINVAL);
    ck_assert_str_eq(err.p, "allow '': empty pattern");

    /* Nothing at all: every project name may go upstream. */
    struct up_names_conf none = { 0 };
    ck_assert_int_eq(up_names_open(&none, &n, &err), PF_EOK);
    ck_assert_int_eq(decide(n, "anything", ""), UP_NAME_UPSTREAM_OK);
    ck_assert_int_eq(decide(n, "not/a/name", ""), UP_NAME_INVALID);
    ck_assert_uint_eq(up_names_claim_count(n), 0);
    up_names_close(n);
    up_names_close(NULL);

    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_claims_reload)
{
    char *dir = tu_mkdtemp();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/claims", dir);
    const char *deny[] = { "evil-*" };
    const char *allow[] = { "*" };
    struct up_names_conf c = { .claims_file = path, .deny = deny, .ndeny = 1, .allow = allow, .nallow = 1 };
    struct up_names *n = NULL;
    buf_t err;
    buf_init(&err, 8192);

    replace_str(path, "acme-*\n");
    ck_assert_int_eq(up_names_open(&c, &n, &err), PF_EOK);
    ck_assert_uint_eq(up_names_claim_count(n), 1);
    ck_assert_int_eq(decide(n, "acme-x", "acme-*"), UP_NAME_CLAIMED);
    ck_assert_int_eq(decide(n, "new-claim", "*"), UP_NAME_UPSTREAM_OK);
    ck_assert_int_eq(decide(n, "evil-x", "evil-*"), UP_NAME_DENIED);

    /* An edit is seen by the next decision. */
    replace_str(path, "acme-*\r\nNew_Claim\r\n");
    ck_assert_int_eq(decide(n, "new-claim", "new-claim"), UP_NAME_CLAIMED);
    ck_assert_uint_eq(up_names_claim_count(n), 2);

    /* A broken edit keeps the claims in force and says why, once. */
    int saved = log_threshold;
    log_threshold = LOG_WARN;
    replace_str(path, "acme-*\nnew-claim\nevil-x\nbad name\n");
    tu_capture_begin();
    ck_assert_int_eq(decide(n, "new-claim", "new-claim"), UP_NAME_CLAIMED);
    ck_assert_int_eq(decide(n, "evil-x", "evil-*"), UP_NAME_DENIED);
    ck_assert_uint_eq(up_names_claim_count(n), 2);
    char *log = tu_capture_end();
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s:4: byte 0x20 (byte 4)", path);
    ck_assert_msg(tu_count(log, want) == 1, "%s", log);
    ck_assert_msg(tu_count(log, "still using the version read before") == 1, "%s", log);
    free(log);

    /* Over a cap: the same. */
    char *big = malloc(UPN_MAX_FILE + 1);
    memset(big, '#', UPN_MAX_FILE + 1);
    memcpy(big, "other\n", 6);
    replace(path, big, UPN_MAX_FILE + 1);
    free(big);
    tu_capture_begin();
    ck_assert_int_eq(decide(n, "new-claim", "new-claim"), UP_NAME_CLAIMED);
    ck_assert_int_eq(decide(n, "other", "*"), UP_NAME_UPSTREAM_OK);
    log = tu_capture_end();
    ck_assert_msg(tu_count(log, "over the cap of 1048576 bytes") == 1, "%s", log);
    free(log);

    /* Removed: the claims read before stay (removing the file must not
     * let a claimed name go upstream). */
    ck_assert_int_eq(unlink(path), 0);
    tu_capture_begin();
    ck_assert_int_eq(decide(n, "acme-y", "acme-*"), UP_NAME_CLAIMED);
    ck_assert_int_eq(decide(n, "acme-y", "acme-*"), UP_NAME_CLAIMED);
    log = tu_capture_end();
    ck_assert_msg(tu_count(log, "still using the version read before") == 1, "%s", log);
    free(log);
    log_threshold = saved;

    /* A good version again: only its claims hold. */
    replace_str(path, "# now\nother\n");
    ck_assert_int_eq(decide(n, "other", "other"), UP_NAME_CLAIMED);
    ck_assert_int_eq(decide(n, "acme-x", "*"), UP_NAME_UPSTREAM_OK);
    ck_assert_int_eq(decide(n, "new-claim", "*"), UP_NAME_UPSTREAM_OK);
    ck_assert_uint_eq(up_names_claim_count(n), 1);

    /* Emptied on purpose: no claims. */
    replace_str(path, "# nothing claimed\n");
    ck_assert_int_eq(decide(n, "other", "*"), UP_NAME_UPSTREAM_OK);
    ck_assert_uint_eq(up_names_claim_count(n), 0);

    up_names_close(n);
    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Readers decide while the file is replaced between two versions: each
 * answer is one that a version gives, never a mix or a freed pattern. */
struct reader {
    const struct up_names *n;
    atomic_bool *stop;
    int bad;
    long rounds;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    char pat[UPN_MAX_PATTERN + 1];
    while (!atomic_load(r->stop) || r->rounds < 100) {
        enum up_name_verdict a = up_names_decide_why(r->n, "alpha-x", pat, sizeof pat);
        if (!((a == UP_NAME_CLAIMED && strcmp(pat, "alpha-*") == 0) || (a == UP_NAME_UPSTREAM_OK && !*pat)))
            r->bad++;
        enum up_name_verdict b = up_names_decide_why(r->n, "beta", pat, sizeof pat);
        if (!((b == UP_NAME_CLAIMED && strcmp(pat, "beta") == 0) || (b == UP_NAME_UPSTREAM_OK && !*pat)))
            r->bad++;
        if (up_names_decide(r->n, "gamma") != UP_NAME_DENIED)
            r->bad++;
        r->rounds++;
    }
    return NULL;
}

START_TEST(test_claims_threads)
{
    char *dir = tu_mkdtemp();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/claims", dir);
    const char *deny[] = { "gamma" };
    struct up_names_conf c = { .claims_file = path, .deny = deny, .ndeny = 1 };
    struct up_names *n = NULL;
    buf_t err;
    buf_init(&err, 8192);
    replace_str(path, "alpha-*\n");
    ck_assert_int_eq(up_names_open(&c, &n, &err), PF_EOK);

    atomic_bool stop = false;
    struct reader r[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        r[i] = (struct reader){ .n = n, .stop = &stop };
        ck_assert_int_eq(pthread_create(&th[i], NULL, reader_main, &r[i]), 0);
    }
    for (int i = 0; i < 200; i++)
        replace_str(path, i % 2 ? "alpha-*\n" : "beta\n# two\n");
    atomic_store(&stop, true);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        ck_assert_int_eq(r[i].bad, 0);
        ck_assert_int_ge(r[i].rounds, 100);
    }
    /* The last version written is the one in force. */
    ck_assert_int_eq(decide(n, "alpha-x", "alpha-*"), UP_NAME_CLAIMED);
    ck_assert_int_eq(decide(n, "beta", ""), UP_NAME_UPSTREAM_OK);
    up_names_close(n);
    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Log lines of the files parsed are not wanted in the test log; the tests
 * that look at them raise the threshold. */
static int saved_threshold;

static void quiet(void)
{
    saved_threshold = log_threshold;
    log_threshold = LOG_ERROR;
}

static void unquiet(void)
{
    log_threshold = saved_threshold;
}

Suite *suite_upstream_names(void)
{
    Suite *s = suite_create("upstream_names");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, quiet, unquiet);
    tcase_add_loop_test(tc, test_pattern_normalize_table, 0, (int)NELEM(norm_cases));
    tcase_add_test(tc, test_pattern_length_cap);
    tcase_add_loop_test(tc, test_claims_match_table, 0, (int)NELEM(match_cases));
    tcase_add_loop_test(tc, test_claims_parse_table, 0, (int)NELEM(parse_cases));
    tcase_add_test(tc, test_claims_long_lines);
    tcase_add_test(tc, test_claims_caps);
    tcase_add_test(tc, test_option_lists);
    tcase_add_loop_test(tc, test_verdict_table, 0, (int)NELEM(verdict_cases));
    tcase_add_test(tc, test_verdict_edges);
    tcase_add_test(tc, test_open_errors);
    tcase_add_test(tc, test_claims_reload);
    tcase_add_test(tc, test_claims_threads);
    suite_add_tcase(s, tc);
    return s;
}
