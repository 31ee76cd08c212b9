/* SPDX-License-Identifier: MIT */
/* test_acl.c: unit tests for acl.c (the upload ACL file). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "acl.h"
#include "filewatch.h"
#include "log.h"
#include "name.h"
#include "suites.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct acl *parse_ok(const char *text, size_t len)
{
    struct acl *a = NULL;
    ck_assert_int_eq(acl_parse(text, len, "acl", &a), PF_EOK);
    ck_assert_ptr_nonnull(a);
    return a;
}

static const char rules[] =
    "# user: project patterns, separated by spaces or commas\n"
    "alice: foo bar-*\n"
    "ci-bot: *\n"
    "*: public-*\n"
    "Bob: Foo_Bar* , baz.qux,,zed\n"
    "carol:\tx?y  [a-c]lib\t\n"
    "dave: foo # a comment after a blank\n"
    "erin:exact\n"
    "alice: extra\n"
    "crlf-user: crlf-proj\r\n"
    "  frank  :  f-*  \n"
    "gina: [!a]*\n"
    "hal#9000: hal\n"
    "ivan: Dots...And__Dashes--*\n";

struct allow_case {
    const char *user, *project;
    bool want;
};

static const struct allow_case allow_cases[] = {
    /* Exact user, exact pattern and glob. */
    { "alice", "foo", true },
    { "alice", "bar-x", true },
    { "alice", "bar", false },
    { "alice", "barx", false },
    { "alice", "foo-x", false },
    { "alice", "fo", false },
    /* A second line for the same user adds to the first. */
    { "alice", "extra", true },
    /* The project is normalized before matching. */
    { "alice", "Bar-X", true },
    { "alice", "bar_x", true },
    { "alice", "BAR..x", true },
    { "alice", "FOO", true },
    /* Users are exact and case-sensitive. */
    { "Alice", "foo", false },
    { "alice ", "foo", false },
    { " alice", "foo", false },
    { "alic", "foo", false },
    /* '*' as the only pattern. */
    { "ci-bot", "anything", true },
    { "ci-bot", "foo", true },
    /* The '*' user: any authenticated user. */
    { "alice", "public-x", true },
    { "mallory", "public-thing", true },
    { "mallory", "Public_Thing", true },
    { "mallory", "public", false },
    { "mallory", "foo", false },
    { "nobody", "anything", false },
    /* Patterns are normalized: Foo_Bar* matches foo-bar-baz. */
    { "Bob", "foo-bar-baz", true },
    { "Bob", "foo-bar", true },
    { "Bob", "foo.bar", true },
    { "Bob", "Foo__Bar..baz", true },
    { "Bob", "foobar", false },
    { "Bob", "baz-qux", true },
    { "Bob", "baz.qux", true },
    { "Bob", "bazqux", false },
    { "Bob", "zed", true },
    { "bob", "zed", false },
    /* Tabs and doubled blanks between patterns; '?' and '[...]'. */
    { "carol", "xzy", true },
    { "carol", "x-y", true },
    { "carol", "xy", false },
    { "carol", "xzzy", false },
    { "carol", "alib", true },
    { "carol", "clib", true },
    { "carol", "dlib", false },
    { "carol", "Blib", true },
    /* A comment after a blank ends the line. */
    { "dave", "foo", true },
    { "dave", "a", false },
    { "erin", "exact", true },
    { "erin", "exact-not", false },
    { "crlf-user", "crlf-proj", true },
    /* Blanks around the user and the patterns. */
    { "frank", "f-1", true },
    { "  frank  ", "f-1", false },
    /* fnmatch's bracket negation. */
    { "gina", "bcd", true },
    { "gina", "abc", false },
    /* '#' inside a user name is not a comment. */
    { "hal#9000", "hal", true },
    { "hal", "hal", false },
    /* Runs of separators in a pattern become one '-'. */
    { "ivan", "dots-and-dashes-x", true },
    { "ivan", "Dots.And_Dashes-X", true },
    { "ivan", "dots-and-dashes", false },
    { "ivan", "dots-and-dashesx", false },
    /* No user, no project, odd names. */
    { "", "public-x", false },
    { NULL, "public-x", false },
    { "alice", "", false },
    { "alice", NULL, false },
    /* Not project names at all: nobody may upload there. */
    { "ci-bot", "-", false },
    { "ci-bot", "foo-", false },
    { "alice", "bar-", false },
    { "ci-bot", "foo bar", false },
    { "ci-bot", "../etc", false },
    { "mallory", "public-\xc3\xa9", false },
};

START_TEST(test_acl_allows_table)
{
    struct acl *a = parse_ok(rules, sizeof rules - 1);
    const struct allow_case *c = &allow_cases[_i];
    ck_assert_msg(acl_allows(a, c->user, c->project) == c->want, "acl_allows(%s, %s) != %d",
                  c->user ? c->user : "(null)", c->project ? c->project : "(null)", c->want);
    acl_free(a);
}
END_TEST

START_TEST(test_acl_long_names)
{
    struct acl *a = parse_ok(rules, sizeof rules - 1);
    char name[NAME_MAX_LEN + 2];
    memset(name, 'n', sizeof name - 1);
    name[NAME_MAX_LEN] = '\0';
    ck_assert(acl_allows(a, "ci-bot", name));
    name[NAME_MAX_LEN] = 'n';
    name[NAME_MAX_LEN + 1] = '\0';
    ck_assert(!acl_allows(a, "ci-bot", name));
    ck_assert_uint_eq(acl_rule_count(a), 13);
    ck_assert(!acl_allows(NULL, "ci-bot", "x"));
    acl_free(a);
    acl_free(NULL);
}
END_TEST

struct parse_case {
    const char *text;
    size_t len; /* 0: strlen(text) */
    size_t rules;
    const char *user, *project; /* one check, when user is set */
    bool want;
};

static const struct parse_case parse_cases[] = {
    { "", 0, 0, "u", "p", false },
    { "\n\n", 0, 0, "u", "p", false },
    { "# only a comment\n   # another\n", 0, 0, "u", "p", false },
    { "u: p", 0, 1, "u", "p", true },
    { "u: p\n", 0, 1, "u", "p", true },
    { "u:p,q", 0, 1, "u", "q", true },
    { "u: ,p,", 0, 1, "u", "p", true },
    /* Malformed lines are skipped; the others stay. */
    { "no colon here\nu: p\n", 0, 1, "u", "p", true },
    { ": p\nu: p\n", 0, 1, "u", "p", true },
    { "u:\nv: p\n", 0, 1, "u", "p", false },
    { "u: , ,\nv: p\n", 0, 1, "v", "p", true },
    { "u: foo/bar\n", 0, 0, "u", "foo", false },
    { "u: foo\\*\n", 0, 0, "u", "foo", false },
    { "u: good bad;\n", 0, 0, "u", "good", false },
    { "u: foo+bar\n", 0, 0, "u", "foo", false },
    { "u: p # c\n", 0, 1, "u", "p", true },
    { "u: p#notacomment\n", 0, 0, "u", "p", false },
    { "u\0x: p\nv: p\n", sizeof("u\0x: p\nv: p\n") - 1, 1, "u", "p", false },
    { "u: p\0\nv: p\n", sizeof("u: p\0\nv: p\n") - 1, 1, "v", "p", true },
    /* CRLF; one stray CR is not a blank. */
    { "u: p\r\nv: q\r\n", 0, 2, "v", "q", true },
    { "u: p\r\r\n", 0, 0, "u", "p", false },
    /* A '*' user line, and a user named like a glob is literal. */
    { "*: p\n", 0, 1, "anyone", "p", true },
    { "a*: p\n", 0, 1, "ab", "p", false },
    { "a*: p\n", 0, 1, "a*", "p", true },
    /* Two colons: the patterns hold the second, which is malformed. */
    { "u: p: q\n", 0, 0, "u", "p", false },
};

START_TEST(test_acl_parse_table)
{
    const struct parse_case *c = &parse_cases[_i];
    struct acl *a = parse_ok(c->text, c->len ? c->len : strlen(c->text));
    ck_assert_msg(acl_rule_count(a) == c->rules, "case %d: %zu rules, want %zu", _i, acl_rule_count(a), c->rules);
    if (c->user)
        ck_assert_msg(acl_allows(a, c->user, c->project) == c->want, "case %d: acl_allows(%s, %s) != %d", _i,
                      c->user, c->project, c->want);
    acl_free(a);
}
END_TEST

/* Malformed lines are logged with their line number. */
START_TEST(test_acl_malformed_logged)
{
    const char *text = "# c\nu: p\nno colon\n: p\nu:\nu: a/b\n";
    struct acl *a = NULL;
    int saved = log_threshold;
    log_threshold = LOG_INFO;
    tu_capture_begin();
    ck_assert_int_eq(acl_parse(text, strlen(text), "acl", &a), PF_EOK);
    char *log = tu_capture_end();
    log_threshold = saved;
    ck_assert_ptr_nonnull(strstr(log, "acl:3: no ':' after the user; skipped"));
    ck_assert_ptr_nonnull(strstr(log, "acl:4: no user before ':'; skipped"));
    ck_assert_ptr_nonnull(strstr(log, "acl:5: no project pattern after ':'; skipped"));
    ck_assert_ptr_nonnull(strstr(log, "acl:6: a pattern has a character"));
    ck_assert_ptr_nonnull(strstr(log, "acl: 1 upload rules"));
    ck_assert_uint_eq(tu_count(log, "warn: "), 4);
    free(log);
    acl_free(a);
}
END_TEST

/* Line length, user length and rule count limits, at and past each. */
START_TEST(test_acl_limits)
{
    buf_t t;
    buf_init(&t, 1 << 20);
    char user[ACL_MAX_USER + 2];

    memset(user, 'u', ACL_MAX_USER);
    user[ACL_MAX_USER] = '\0';
    ck_assert_int_eq(buf_printf(&t, "%s: p\n", user), PF_EOK);
    struct acl *a = parse_ok(t.p, t.len);
    ck_assert(acl_allows(a, user, "p"));
    acl_free(a);
    strcat(user, "u");
    buf_reset(&t);
    ck_assert_int_eq(buf_printf(&t, "%s: p\n", user), PF_EOK);
    a = parse_ok(t.p, t.len);
    ck_assert_uint_eq(acl_rule_count(a), 0);
    ck_assert(!acl_allows(a, user, "p"));
    acl_free(a);

    /* Lines of ACL_MAX_LINE bytes (many patterns) and one byte more. */
    for (size_t extra = 0; extra < 2; extra++) {
        buf_reset(&t);
        ck_assert_int_eq(buf_append_str(&t, "u: p"), PF_EOK);
        while (t.len < ACL_MAX_LINE + extra)
            ck_assert_int_eq(buf_append_str(&t, t.len + 2 <= ACL_MAX_LINE + extra ? " q" : "q"), PF_EOK);
        ck_assert_int_eq(buf_append_str(&t, "\nv: p\n"), PF_EOK);
        a = parse_ok(t.p, t.len);
        ck_assert_uint_eq(acl_rule_count(a), extra ? 1 : 2);
        ck_assert(acl_allows(a, "u", "p") == !extra);
        ck_assert(acl_allows(a, "v", "p"));
        acl_free(a);
    }

    /* ACL_MAX_RULES rules are read; the ones after are logged once and
     * ignored. */
    buf_reset(&t);
    for (int i = 0; i <= ACL_MAX_RULES; i++)
        ck_assert_int_eq(buf_printf(&t, "user%d: p%d\n", i, i), PF_EOK);
    log_threshold = LOG_WARN;
    tu_capture_begin();
    ck_assert_int_eq(acl_parse(t.p, t.len, "acl", &a), PF_EOK);
    char *log = tu_capture_end();
    ck_assert_uint_eq(tu_count(log, "warn: "), 1);
    ck_assert_ptr_nonnull(strstr(log, "acl:10001: more than 10000 rules"));
    free(log);
    ck_assert_uint_eq(acl_rule_count(a), ACL_MAX_RULES);
    ck_assert(acl_allows(a, "user0", "p0"));
    ck_assert(acl_allows(a, "user9999", "p9999"));
    ck_assert(!acl_allows(a, "user10000", "p10000"));
    ck_assert(!acl_allows(a, "user0", "p1"));
    acl_free(a);
    buf_free(&t);
}
END_TEST

static void replace(const char *path, const char *text)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    tu_write_file(tmp, text, strlen(text));
    ck_assert_int_eq(rename(tmp, path), 0);
}

START_TEST(test_acl_file_reload)
{
    char *dir = tu_mkdtemp();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/acl", dir);
    struct acl_file *f = NULL;
    buf_t err;
    buf_init(&err, 1024);

    ck_assert_int_eq(acl_open(path, &f, &err), PF_EIO);
    ck_assert_ptr_nonnull(strstr(err.p, path));

    tu_write_file(path, "alice: foo\n", 11);
    ck_assert_int_eq(acl_open(path, &f, &err), PF_EOK);
    ck_assert(acl_file_allows(f, "alice", "foo"));
    ck_assert(!acl_file_allows(f, "bob", "foo"));

    replace(path, "bob: foo-*\n");
    ck_assert(!acl_file_allows(f, "alice", "foo"));
    ck_assert(acl_file_allows(f, "bob", "foo-bar"));
    ck_assert(acl_file_allows(f, "bob", "Foo_Bar"));

    /* Emptied: nobody may upload. */
    replace(path, "");
    ck_assert(!acl_file_allows(f, "bob", "foo-bar"));

    /* Removed: nobody may upload, and it is logged once; the rules that
     * were in force before are not kept. */
    replace(path, "*: shared\n");
    ck_assert(acl_file_allows(f, "anyone", "shared"));
    ck_assert_int_eq(unlink(path), 0);
    int saved = log_threshold;
    log_threshold = LOG_WARN;
    tu_capture_begin();
    ck_assert(!acl_file_allows(f, "anyone", "shared"));
    ck_assert(!acl_file_allows(f, "anyone", "shared"));
    char *log = tu_capture_end();
    log_threshold = saved;
    ck_assert_msg(tu_count(log, "taken as empty") == 1, "%s", log);
    ck_assert_ptr_nonnull(strstr(log, path));
    free(log);

    /* Back: its rules apply again. */
    replace(path, "*: shared\n");
    ck_assert(acl_file_allows(f, "anyone", "shared"));

    /* Replaced by something that cannot be read (a directory; a file over
     * FILEWATCH_MAX_SIZE): nobody may upload either. */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert(!acl_file_allows(f, "anyone", "shared"));
    ck_assert_int_eq(rmdir(path), 0);
    replace(path, "*: shared\n");
    ck_assert(acl_file_allows(f, "anyone", "shared"));
    char *big = malloc(FILEWATCH_MAX_SIZE + 2);
    memset(big, '#', FILEWATCH_MAX_SIZE + 1);
    memcpy(big, "*: shared\n", 10);
    big[FILEWATCH_MAX_SIZE + 1] = '\0';
    replace(path, big);
    free(big);
    ck_assert(!acl_file_allows(f, "anyone", "shared"));

    acl_close(f);
    acl_close(NULL);
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

Suite *suite_acl(void)
{
    Suite *s = suite_create("acl");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, quiet, unquiet);

    tcase_add_loop_test(tc, test_acl_allows_table, 0, (int)NELEM(allow_cases));
    tcase_add_test(tc, test_acl_long_names);
    tcase_add_loop_test(tc, test_acl_parse_table, 0, (int)NELEM(parse_cases));
    tcase_add_test(tc, test_acl_malformed_logged);
    tcase_add_test(tc, test_acl_limits);
    tcase_add_test(tc, test_acl_file_reload);
    suite_add_tcase(s, tc);
    return s;
}
