/* SPDX-License-Identifier: MIT */
/* test_htpasswd.c: unit tests for htpasswd.c (Apache htpasswd files). */
#define _GNU_SOURCE
#include <check.h>
#include <crypt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "htpasswd.h"
#include "filewatch.h"
#include "log.h"
#include "suites.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Two hashes from the fixture, for the tables below. */
#define SHA_H "{SHA}ORqrcF67VERuISw/hTMiGkTqxEs="     /* "sha one" */
#define APR_H "$apr1$RyIJDBQy$YPw9i46/On5qKj8WTdNT2/" /* "apr1 password" */
#define BCRYPT_H "$2y$05$duQbEtzniub6tUINe3yxteVQQZFi6N9wQSzhiUcDWrsLYXIzu4e/C" /* "Bcrypt pass 1" */

struct user_pw {
    const char *user, *password;
};

/* The users of tests/unit/data/htpasswd.fixture that can log in, with
 * their passwords. */
static const struct user_pw usable[] = {
    { "bcrypt-y", "Bcrypt pass 1" },
    { "bcrypt-y4", "cost four" },
    { "bcrypt-utf8", "p\xc3\xa4ssw\xc3\xb6rd" },
    { "bcrypt-b", "two b" },
    { "bcrypt-a", "two a" },
    { "apr1", "apr1 password" },
    { "apr1-empty", "" },
    { "apr1-long", "a password that is longer than sixteen bytes, three blocks" },
    { "apr1-16", "0123456789abcdef" },
    { "apr1-utf8", "p\xc3\xa4ssw\xc3\xb6rd" },
    { "apr1-salt2", "short salt" },
    { "sha1", "sha one" },
    { "sha256", "sha-256 crypt" },
    { "sha512", "sha-512 crypt" },
    { "sha256-r1000", "rounds 1000" },
    { "sha512-r1000", "rounds 1000 too" },
    { "sha512-openssl", "openssl six" },
};

/* Its users whose lines are refused, with the passwords that made them. */
static const struct user_pw refused[] = {
    { "plain", "plain text" },
    { "des", "desPass" },
    { "md5crypt", "md5 crypt" },
    { "yescrypt", "yes" },
};

static char *read_fixture(size_t *len)
{
    const char *top = getenv("PF_TOP_SRCDIR");
    static const char *const fallbacks[] = { "tests/unit/data/htpasswd.fixture",
                                             "../tests/unit/data/htpasswd.fixture",
                                             "../../tests/unit/data/htpasswd.fixture" };
    char path[PATH_MAX];
    char *text = NULL;
    if (top && *top) {
        snprintf(path, sizeof path, "%s/tests/unit/data/htpasswd.fixture", top);
        text = tu_read_file(path, len);
    }
    for (size_t i = 0; !text && i < NELEM(fallbacks); i++)
        text = tu_read_file(fallbacks[i], len);
    ck_assert_msg(text != NULL, "cannot read tests/unit/data/htpasswd.fixture (PF_TOP_SRCDIR=%s)",
                  top ? top : "(unset)");
    return text;
}

static struct htpasswd *parse_ok(const char *text, size_t len)
{
    struct htpasswd *h = NULL;
    ck_assert_int_eq(htpasswd_parse(text, len, "test", &h), PF_EOK);
    ck_assert_ptr_nonnull(h);
    return h;
}

/* The hash of user in the fixture text, copied into out. */
static void fixture_hash(const char *text, const char *user, char *out, size_t outsz)
{
    size_t ulen = strlen(user);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > ulen && memcmp(p, user, ulen) == 0 && p[ulen] == ':') {
            size_t hl = n - ulen - 1;
            ck_assert_uint_lt(hl, outsz);
            memcpy(out, p + ulen + 1, hl);
            out[hl] = '\0';
            return;
        }
        p += n + (nl != NULL);
    }
    ck_abort_msg("user %s is not in the fixture", user);
}

/* Each usable fixture user with its password, and with near misses. */
START_TEST(test_htpasswd_fixture_usable)
{
    size_t len;
    char *text = read_fixture(&len);
    struct htpasswd *h = parse_ok(text, len);
    const struct user_pw *u = &usable[_i];
    char hash[256], wrong[256];

    ck_assert_msg(htpasswd_check(h, u->user, u->password), "%s: right password refused", u->user);
    fixture_hash(text, u->user, hash, sizeof hash);
    ck_assert_int_eq(htpasswd_verify_hash(hash, u->password), HTPASSWD_MATCH);

    snprintf(wrong, sizeof wrong, "%sx", u->password);
    ck_assert_msg(!htpasswd_check(h, u->user, wrong), "%s: accepts '%s'", u->user, wrong);
    ck_assert_int_eq(htpasswd_verify_hash(hash, wrong), HTPASSWD_MISMATCH);
    if (*u->password) {
        snprintf(wrong, sizeof wrong, "%.*s", (int)strlen(u->password) - 1, u->password);
        ck_assert_msg(!htpasswd_check(h, u->user, wrong), "%s: accepts '%s'", u->user, wrong);
        ck_assert_msg(!htpasswd_check(h, u->user, ""), "%s: accepts the empty password", u->user);
        snprintf(wrong, sizeof wrong, "%s", u->password);
        wrong[0] ^= 0x20;
        ck_assert_msg(!htpasswd_check(h, u->user, wrong), "%s: accepts '%s'", u->user, wrong);
    }
    /* Another user's password. */
    const struct user_pw *other = &usable[(_i + 1) % NELEM(usable)];
    ck_assert(!htpasswd_check(h, u->user, other->password));

    htpasswd_free(h);
    free(text);
}
END_TEST

/* Refused schemes: the user cannot log in, even with the right password;
 * the log names the user and the reason and never shows a hash. */
START_TEST(test_htpasswd_fixture_refused)
{
    size_t len;
    char *text = read_fixture(&len);
    int saved = log_threshold;
    log_threshold = LOG_INFO;
    tu_capture_begin();
    struct htpasswd *h = parse_ok(text, len);
    char *log = tu_capture_end();
    log_threshold = saved;
    char hash[256], want[300];

    ck_assert_uint_eq(htpasswd_count(h), NELEM(usable));
    for (size_t i = 0; i < NELEM(refused); i++) {
        const struct user_pw *u = &refused[i];
        ck_assert_msg(!htpasswd_check(h, u->user, u->password), "%s: refused scheme accepted", u->user);
        fixture_hash(text, u->user, hash, sizeof hash);
        ck_assert_int_eq(htpasswd_verify_hash(hash, u->password), HTPASSWD_UNSUPPORTED);
        snprintf(want, sizeof want, "user '%s': ", u->user);
        ck_assert_msg(tu_count(log, want) == 1, "no log line for %s in:\n%s", u->user, log);
    }
    ck_assert_ptr_nonnull(strstr(log, "user 'plain': plain-text password"));
    ck_assert_ptr_nonnull(strstr(log, "user 'des': DES crypt"));
    ck_assert_ptr_nonnull(strstr(log, "user 'md5crypt': unsupported hash scheme"));
    ck_assert_ptr_nonnull(strstr(log, "user 'yescrypt': unsupported hash scheme"));
    ck_assert_uint_eq(tu_count(log, "warn: "), NELEM(refused));
    /* No hash of the file, usable or not, reaches the log. */
    for (size_t i = 0; i < NELEM(usable); i++) {
        fixture_hash(text, usable[i].user, hash, sizeof hash);
        ck_assert_ptr_null(strstr(log, hash));
    }
    for (size_t i = 0; i < NELEM(refused); i++) {
        fixture_hash(text, refused[i].user, hash, sizeof hash);
        ck_assert_ptr_null(strstr(log, hash));
    }
    free(log);
    htpasswd_free(h);
    free(text);
}
END_TEST

START_TEST(test_htpasswd_unknown_users)
{
    size_t len;
    char *text = read_fixture(&len);
    struct htpasswd *h = parse_ok(text, len);
    char longuser[HTPASSWD_MAX_USER + 2];
    memset(longuser, 'a', sizeof longuser - 1);
    longuser[sizeof longuser - 1] = '\0';
    static const char *const unknown[] = { "nobody", "", "SHA1", "sha1 ", " sha1", "sha", "sha1:x", "sha1\n" };

    for (size_t i = 0; i < NELEM(unknown); i++)
        ck_assert_msg(!htpasswd_check(h, unknown[i], "sha one"), "unknown user '%s' accepted", unknown[i]);
    ck_assert(!htpasswd_check(h, longuser, "sha one"));
    /* The dummy is the first usable hash: its password does not let an
     * unknown user in. */
    ck_assert(!htpasswd_check(h, "nobody", "Bcrypt pass 1"));
    ck_assert(htpasswd_check(h, "sha1", "sha one"));
    ck_assert(!htpasswd_check(h, NULL, "sha one"));
    ck_assert(!htpasswd_check(h, "sha1", NULL));
    ck_assert(!htpasswd_check(NULL, "sha1", "sha one"));
    htpasswd_free(h);
    free(text);
}
END_TEST

/* The hashes one check computes, in order, as the observer saw them. */
struct seen {
    const char *hash[4];
    int n;
};

static void record_hash(const char *hash, void *ctx)
{
    struct seen *s = ctx;
    if (s->n < 4)
        s->hash[s->n] = hash;
    s->n++;
}

/* More hashes from the fixture and htpasswd(1) -nb: */
#define BCRYPT6_H "$2y$06$yfp7axTy3kHwIbC6y323GOo8Taw/JNw5YwN3PzxaTnJ1fq.hJ62zS" /* -B -C 6: "six" */
#define BCRYPT4_H "$2y$04$MDbW19fAeqGM.Mc/EAvtNuZ4fVITFm39oY/w/YUI.XhOeHrbLMDIe" /* "cost four" */
#define SHA256_H "$5$UbfSmQyGIsYuwid4$RepA9kwoQgBVP0DD1irCJb7oWaao7UE1hM7jBZQw4A8" /* "sha-256 crypt" */
#define SHA512_H                                                                                                   \
    "$6$lIYN2uLyErT9lfX8$mRgLMybYrz335CIr6PUcdTQ54vwtHrlGGUtmdDu97qoAZADJx5qGf6swshBpPi8j52DgJ.lk7hegSTnYdohnq1"
#define SHA512_1K_H                                                                                                \
    "$6$rounds=1000$V1QOlVdQOPPz7rY6$LuIII5ac6MMiqiEhDOoSk1GFssqOzvqXBM4lKbNWvu6PkkLjfWprIwItYAXYOTIAy1KDgIXRZiqLTNzNLZ" \
    "USs0" /* -5 -r 1000: "few rounds" */
#define SHA512_100K_H                                                                                              \
    "$6$rounds=100000$np3GhCDJUKmuKTuv$cHAoh8FV7qbG3cJSY0KpABIdyoBhGi7hHmoBCCb.1Z2Gc.WsH8F8ECmj5kK/R4YNQtIexg26xIjCCNIdK" \
    "zjRa." /* -5 -r 100000: "many rounds" */

/* Which hashes a check computes, so that the time it takes cannot tell
 * users apart: every check runs the file's costliest hash (bcrypt by its
 * cost, SHA-crypt by its rounds, apr1, {SHA}), an unknown user's instead
 * of their own, a cheaper user's after their own; the costliest user's
 * own once. Counted, not timed. */
static const struct standin_case {
    const char *file;
    const char *user, *password;
    bool ok;
    const char *want[3]; /* the hashes computed, in order */
} standin_cases[] = {
    /* The costliest hash is not the first line. */
    { "s:" SHA_H "\na:" APR_H "\nb:" BCRYPT_H "\nb4:" BCRYPT4_H "\n", "nobody", "x", false, { BCRYPT_H } },
    { "s:" SHA_H "\na:" APR_H "\nb:" BCRYPT_H "\nb4:" BCRYPT4_H "\n", "s", "sha one", true, { SHA_H, BCRYPT_H } },
    { "s:" SHA_H "\na:" APR_H "\nb:" BCRYPT_H "\nb4:" BCRYPT4_H "\n", "s", "wrong", false, { SHA_H, BCRYPT_H } },
    { "s:" SHA_H "\na:" APR_H "\nb:" BCRYPT_H "\nb4:" BCRYPT4_H "\n", "a", "apr1 password", true,
      { APR_H, BCRYPT_H } },
    { "s:" SHA_H "\na:" APR_H "\nb:" BCRYPT_H "\nb4:" BCRYPT4_H "\n", "b4", "cost four", true,
      { BCRYPT4_H, BCRYPT_H } },
    { "s:" SHA_H "\na:" APR_H "\nb:" BCRYPT_H "\nb4:" BCRYPT4_H "\n", "b", "Bcrypt pass 1", true, { BCRYPT_H } },
    { "s:" SHA_H "\na:" APR_H "\nb:" BCRYPT_H "\nb4:" BCRYPT4_H "\n", "b", "wrong", false, { BCRYPT_H } },
    /* A refused line's user costs what an unknown one does. */
    { "s:" SHA_H "\nr:plain\nb:" BCRYPT_H "\n", "r", "plain", false, { BCRYPT_H } },
    /* bcrypt by its cost: 6 over 5 wherever it stands. */
    { "b:" BCRYPT_H "\nt:" BCRYPT6_H "\n", "nobody", "x", false, { BCRYPT6_H } },
    { "b:" BCRYPT_H "\nt:" BCRYPT6_H "\n", "b", "Bcrypt pass 1", true, { BCRYPT_H, BCRYPT6_H } },
    /* SHA-crypt by its rounds: 5000 (the default) over bcrypt 4, under
     * bcrypt 5; SHA-256 over SHA-512 at equal rounds; 1000 under bcrypt 5,
     * 100000 over it. */
    { "b4:" BCRYPT4_H "\nx:" SHA512_H "\n", "nobody", "x", false, { SHA512_H } },
    { "x:" SHA512_H "\nb:" BCRYPT_H "\n", "x", "sha-512 crypt", true, { SHA512_H, BCRYPT_H } },
    { "x:" SHA512_H "\ny:" SHA256_H "\n", "nobody", "x", false, { SHA256_H } },
    { "b:" BCRYPT_H "\nr:" SHA512_1K_H "\n", "nobody", "x", false, { BCRYPT_H } },
    { "b:" BCRYPT_H "\nr:" SHA512_100K_H "\n", "nobody", "x", false, { SHA512_100K_H } },
    { "b:" BCRYPT_H "\nr:" SHA512_100K_H "\n", "r", "many rounds", true, { SHA512_100K_H } },
    /* The first of equals. */
    { "a:" APR_H "\na2:$apr1$ab$0iE1Uw5jyIcuhGRkN3tEJ.\n", "nobody", "x", false, { APR_H } },
    { "a:" APR_H "\na2:$apr1$ab$0iE1Uw5jyIcuhGRkN3tEJ.\n", "a2", "short salt", true,
      { "$apr1$ab$0iE1Uw5jyIcuhGRkN3tEJ." } },
    /* Only {SHA}: one SHA-1 each. */
    { "s:" SHA_H "\n", "nobody", "x", false, { SHA_H } },
    /* No usable hash: nothing to compute. */
    { "r:plain\n", "r", "plain", false, { NULL } },
};

START_TEST(test_htpasswd_standin)
{
    const struct standin_case *c = &standin_cases[_i];
    struct htpasswd *h = parse_ok(c->file, strlen(c->file));
    struct seen seen = { { NULL }, 0 };
    htpasswd_set_observer(record_hash, &seen);
    bool ok = htpasswd_check(h, c->user, c->password);
    htpasswd_set_observer(NULL, NULL);
    ck_assert_int_eq(ok, c->ok);
    int want = 0;
    while (want < 3 && c->want[want])
        want++;
    ck_assert_msg(seen.n == want, "case %d: %d hashes computed, want %d", _i, seen.n, want);
    for (int k = 0; k < want; k++)
        ck_assert_str_eq(seen.hash[k], c->want[k]);
    htpasswd_free(h);
}
END_TEST

struct parse_case {
    const char *text;
    size_t len; /* 0: strlen(text) */
    size_t count;
    struct {
        const char *user, *password;
        bool want;
    } checks[3];
};

static const struct parse_case parse_cases[] = {
    { "", 0, 0, { { "u", "", false } } },
    { "\n", 0, 0, { { "u", "", false } } },
    { "u:" SHA_H, 0, 1, { { "u", "sha one", true }, { "u", "sha two", false } } },
    { "u:" SHA_H "\n", 0, 1, { { "u", "sha one", true } } },
    /* CRLF. */
    { "u:" SHA_H "\r\n", 0, 1, { { "u", "sha one", true } } },
    { "a:" SHA_H "\r\nb:" APR_H "\r\n", 0, 2, { { "a", "sha one", true }, { "b", "apr1 password", true } } },
    /* Blank lines, comments, surrounding blanks. */
    { "\n\n \t\n# comment\n  # indented comment\nu:" SHA_H "\n#v:" SHA_H "\n", 0, 1,
      { { "u", "sha one", true }, { "v", "sha one", false }, { "#v", "sha one", false } } },
    { "  u:" SHA_H " \t\r\n", 0, 1, { { "u", "sha one", true } } },
    /* Fields after the hash are ignored, as in Apache. */
    { "u:" SHA_H ":comment:more", 0, 1, { { "u", "sha one", true } } },
    /* The user is everything before the first ':'. */
    { "u :" SHA_H, 0, 1, { { "u", "sha one", false }, { "u ", "sha one", true } } },
    { "u: " SHA_H, 0, 0, { { "u", "sha one", false } } },
    /* Malformed lines are skipped, the others kept. */
    { "nocolon\nu:" SHA_H "\n", 0, 1, { { "u", "sha one", true }, { "nocolon", "", false } } },
    { ":" SHA_H "\nu:" SHA_H, 0, 1, { { "", "sha one", false }, { "u", "sha one", true } } },
    { "u:\nv:" SHA_H, 0, 1, { { "u", "", false }, { "v", "sha one", true } } },
    { "u:" SHA_H "\r\r\n", 0, 0, { { "u", "sha one", false } } },
    { "u\0x:" SHA_H "\nv:" SHA_H "\n", sizeof("u\0x:" SHA_H "\nv:" SHA_H "\n") - 1, 1,
      { { "u", "sha one", false }, { "v", "sha one", true } } },
    { "u:" SHA_H "\0\nv:" SHA_H, sizeof("u:" SHA_H "\0\nv:" SHA_H) - 1, 1,
      { { "u", "sha one", false }, { "v", "sha one", true } } },
    /* Users are case-sensitive. */
    { "User:" SHA_H "\nuser:" APR_H, 0, 2,
      { { "User", "sha one", true }, { "user", "apr1 password", true }, { "user", "sha one", false } } },
    /* Duplicates: the first line wins. */
    { "u:" SHA_H "\nu:" APR_H, 0, 1, { { "u", "sha one", true }, { "u", "apr1 password", false } } },
    /* ... even when its hash is refused: that user cannot log in. */
    { "u:plain\nu:" SHA_H, 0, 0, { { "u", "sha one", false }, { "u", "plain", false } } },
    /* Refused lines do not stop the others. */
    { "p:plain\nd:qYB014BNLwWBk\nu:" SHA_H, 0, 1,
      { { "p", "plain", false }, { "d", "desPass", false }, { "u", "sha one", true } } },
};

START_TEST(test_htpasswd_parse_table)
{
    const struct parse_case *c = &parse_cases[_i];
    size_t len = c->len ? c->len : strlen(c->text);
    struct htpasswd *h = parse_ok(c->text, len);
    ck_assert_msg(htpasswd_count(h) == c->count, "case %d: count %zu, want %zu", _i, htpasswd_count(h),
                  c->count);
    for (size_t k = 0; k < NELEM(c->checks) && c->checks[k].user; k++)
        ck_assert_msg(htpasswd_check(h, c->checks[k].user, c->checks[k].password) == c->checks[k].want,
                      "case %d: check(%s, %s) != %d", _i, c->checks[k].user, c->checks[k].password,
                      c->checks[k].want);
    htpasswd_free(h);
}
END_TEST

/* Malformed lines are logged with their number and never their text. */
START_TEST(test_htpasswd_malformed_logged)
{
    const char *text = "# ok\nnocolon-" SHA_H "\n:" SHA_H "\nu:" SHA_H "\nu:" APR_H "\n";
    int saved = log_threshold;
    log_threshold = LOG_INFO;
    tu_capture_begin();
    struct htpasswd *h = parse_ok(text, strlen(text));
    char *log = tu_capture_end();
    log_threshold = saved;
    ck_assert_ptr_nonnull(strstr(log, "test:2: no ':'"));
    ck_assert_ptr_nonnull(strstr(log, "test:3: empty user name"));
    ck_assert_ptr_nonnull(strstr(log, "test:5: user 'u' already has an earlier line"));
    ck_assert_ptr_null(strstr(log, "nocolon"));
    ck_assert_ptr_null(strstr(log, SHA_H));
    ck_assert_ptr_null(strstr(log, APR_H));
    ck_assert_ptr_nonnull(strstr(log, "test: 1 users can log in"));
    free(log);
    htpasswd_free(h);

    /* A user name with control characters is logged with them replaced. */
    text = "a\x1b[31m\rb:plain\n";
    log_threshold = LOG_INFO;
    tu_capture_begin();
    h = parse_ok(text, strlen(text));
    log = tu_capture_end();
    log_threshold = saved;
    ck_assert_ptr_nonnull(strstr(log, "user 'a?[31m?b': plain-text"));
    free(log);
    htpasswd_free(h);
}
END_TEST

/* The length limits on user names and lines, at and past the limit. */
START_TEST(test_htpasswd_limits)
{
    buf_t t;
    buf_init(&t, 1 << 20);
    char user[HTPASSWD_MAX_USER + 2];

    /* A user of HTPASSWD_MAX_USER bytes is accepted, one more is not. */
    memset(user, 'u', HTPASSWD_MAX_USER);
    user[HTPASSWD_MAX_USER] = '\0';
    ck_assert_int_eq(buf_printf(&t, "%s:%s\n", user, SHA_H), PF_EOK);
    struct htpasswd *h = parse_ok(t.p, t.len);
    ck_assert_uint_eq(htpasswd_count(h), 1);
    ck_assert(htpasswd_check(h, user, "sha one"));
    htpasswd_free(h);
    buf_reset(&t);
    strcat(user, "u");
    ck_assert_int_eq(buf_printf(&t, "%s:%s\nv:%s\n", user, SHA_H, SHA_H), PF_EOK);
    h = parse_ok(t.p, t.len);
    ck_assert_uint_eq(htpasswd_count(h), 1);
    ck_assert(!htpasswd_check(h, user, "sha one"));
    ck_assert(htpasswd_check(h, "v", "sha one"));
    htpasswd_free(h);

    /* A line of HTPASSWD_MAX_LINE bytes (padded with fields after the
     * hash) is read; one byte more and it is skipped. */
    for (size_t extra = 0; extra < 2; extra++) {
        buf_reset(&t);
        ck_assert_int_eq(buf_printf(&t, "u:%s:", SHA_H), PF_EOK);
        while (t.len < HTPASSWD_MAX_LINE + extra)
            ck_assert_int_eq(buf_append_char(&t, 'x'), PF_EOK);
        ck_assert_int_eq(buf_printf(&t, "\nv:%s", SHA_H), PF_EOK);
        h = parse_ok(t.p, t.len);
        ck_assert_uint_eq(htpasswd_count(h), extra ? 1 : 2);
        ck_assert(htpasswd_check(h, "u", "sha one") == !extra);
        ck_assert(htpasswd_check(h, "v", "sha one"));
        htpasswd_free(h);
    }
    buf_free(&t);
}
END_TEST

/* Passwords up to HTPASSWD_MAX_PASSWORD bytes are checked; longer ones
 * never match, even against their own hash. The hashes are those of
 * 1024 and 1025 'p's, from `openssl dgst -sha1 -binary | base64`. */
START_TEST(test_htpasswd_password_cap)
{
    static const char text[] = "max:{SHA}s1Ope1unnketSlqrUITdZkXqISA=\n"
                               "over:{SHA}e4zQwW/FAF93Ue16tawa+TbOegU=\n";
    char pw[HTPASSWD_MAX_PASSWORD + 2];
    struct htpasswd *h = parse_ok(text, sizeof text - 1);
    ck_assert_uint_eq(htpasswd_count(h), 2);

    memset(pw, 'p', sizeof pw - 1);
    pw[HTPASSWD_MAX_PASSWORD] = '\0';
    ck_assert(htpasswd_check(h, "max", pw));
    ck_assert_int_eq(htpasswd_verify_hash("{SHA}s1Ope1unnketSlqrUITdZkXqISA=", pw), HTPASSWD_MATCH);
    pw[HTPASSWD_MAX_PASSWORD] = 'p';
    pw[HTPASSWD_MAX_PASSWORD + 1] = '\0';
    ck_assert(!htpasswd_check(h, "over", pw));
    ck_assert_int_eq(htpasswd_verify_hash("{SHA}e4zQwW/FAF93Ue16tawa+TbOegU=", pw), HTPASSWD_MISMATCH);
    htpasswd_free(h);

    /* libcrypt takes at most CRYPT_MAX_PASSPHRASE_SIZE - 1 bytes: a longer
     * password does not match a bcrypt or SHA-crypt hash (and nothing
     * breaks). */
    char setting[CRYPT_OUTPUT_SIZE];
    struct crypt_data *cd = calloc(1, sizeof *cd);
    ck_assert_ptr_nonnull(cd);
    pw[CRYPT_MAX_PASSPHRASE_SIZE - 1] = '\0';
    const char *r = crypt_rn(pw, "$5$rounds=1000$saltsalt", cd, (int)sizeof *cd);
    ck_assert_ptr_nonnull(r);
    snprintf(setting, sizeof setting, "%s", r);
    free(cd);
    ck_assert_int_eq(htpasswd_verify_hash(setting, pw), HTPASSWD_MATCH);
    pw[CRYPT_MAX_PASSPHRASE_SIZE - 1] = 'p';
    ck_assert_int_eq(htpasswd_verify_hash(setting, pw), HTPASSWD_MISMATCH);
}
END_TEST

/* apr1 against `openssl passwd -apr1 -salt SALT PASSWORD` (OpenSSL 3.0),
 * over password lengths that take each path of the algorithm (0, 1, 15,
 * 16, 17, 31..33, 100 bytes) and salts of 1 to 8 characters. */
static const struct {
    const char *password, *hash;
} apr1_vectors[] = {
    { "a", "$apr1$s$EpqI6uEp3OR4bun9kSXHW/" },
    { "ab1", "$apr1$sa$XyS4Ry6MtN98t3qeEsRRv1" },
    { "abcdefg", "$apr1$sal$QpeuT5/wizUUOTbZLl0zL." },
    { "0123456789ABCDEF", "$apr1$salt$Jt.THtVA68HEKhmbOn65i/" },
    { "0123456789ABCDEFG", "$apr1$abcde$23j0pxdaJ72y03FBc1r2b." },
    { "x", "$apr1$./A9b$zq/szMsDZC3p2UrImKtjN/" },
    { "yy", "$apr1$12345678$2F/hLTVlhkzbFebzl6Vqh0" },
    { "0123456789abcdef0123456789abcde", "$apr1$zZ$GsGEzv9PaEzvhUz7glWl8." },
    { "0123456789abcdef0123456789abcdef", "$apr1$q$C3Qy1MhQ1DXLAVmbl0pwG." },
    { "0123456789abcdef0123456789abcdef0", "$apr1$SALTsalt$klcHpeVUNHoWFn6DsEL6e1" },
    { "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007",
      "$apr1$x.y/z$5fEWBhOF.YWWuUcOcwgOV/" },
    /* From the fixture (htpasswd -m). */
    { "", "$apr1$rtoLyY6w$jeF4/1KbhkrKEf8eU/k4G." },
    { "0123456789abcdef", "$apr1$g/KUGif3$VwimAbpIssWYuNZSK.V4x/" },
};

START_TEST(test_htpasswd_apr1_vectors)
{
    const char *pw = apr1_vectors[_i].password, *hash = apr1_vectors[_i].hash;
    ck_assert_msg(htpasswd_verify_hash(hash, pw) == HTPASSWD_MATCH, "%s does not match '%s'", hash, pw);
    char wrong[128];
    snprintf(wrong, sizeof wrong, "%s.", pw);
    ck_assert_int_eq(htpasswd_verify_hash(hash, wrong), HTPASSWD_MISMATCH);
    /* One character of the hash changed. */
    char bad[64];
    snprintf(bad, sizeof bad, "%s", hash);
    size_t n = strlen(bad);
    bad[n - 2] = bad[n - 2] == 'a' ? 'b' : 'a';
    ck_assert_int_eq(htpasswd_verify_hash(bad, pw), HTPASSWD_MISMATCH);
}
END_TEST

/* Hashes that are not of a supported shape. */
static const char *const unsupported_hashes[] = {
    "",
    "plain",
    "plain text with spaces",
    "qYB014BNLwWBk", /* DES crypt */
    "$1$wmfzocIS$26oW/FyD9r.3qpbS4jAIo.",
    "$y$j9T$oaoZPhECiW4c.VckgdsSN1$csllVWhi2br9SD6YM9WR4VGHwXu1I1lx1nPTkixHfA7",
    "$2x$05$duQbEtzniub6tUINe3yxteVQQZFi6N9wQSzhiUcDWrsLYXIzu4e/C",
    "$2y$05$duQbEtzniub6tUINe3yxteVQQZFi6N9wQSzhiUcDWrsLYXIzu4e/",   /* short */
    "$2y$05$duQbEtzniub6tUINe3yxteVQQZFi6N9wQSzhiUcDWrsLYXIzu4e/CC", /* long */
    "$2y$03$duQbEtzniub6tUINe3yxteVQQZFi6N9wQSzhiUcDWrsLYXIzu4e/C",  /* cost 3 */
    "$2y$32$duQbEtzniub6tUINe3yxteVQQZFi6N9wQSzhiUcDWrsLYXIzu4e/C",  /* cost 32 */
    "$2y$5$duQbEtzniub6tUINe3yxteVQQZFi6N9wQSzhiUcDWrsLYXIzu4e/Cx",
    "$2y$05$duQbEtzniub6tUINe3yxteVQQZFi6N9wQSzhiUcDWrsLYXIzu4e!C",
    "$2y$05$duQbEtzniub6tUINe3yxteVQQZFi6N9wQSzhiUcDWrsLYXIzu4e$C",
    "$5$UbfSmQyGIsYuwid4$RepA9kwoQgBVP0DD1irCJb7oWaao7UE1hM7jBZQw4A",   /* short */
    "$5$UbfSmQyGIsYuwid4$RepA9kwoQgBVP0DD1irCJb7oWaao7UE1hM7jBZQw4A8x", /* long */
    "$5$UbfSmQyGIsYuwid4RepA9kwoQgBVP0DD1irCJb7oWaao7UE1hM7jBZQw4A8",   /* no '$' */
    "$5$UbfSmQyGIsYuwid4x$RepA9kwoQgBVP0DD1irCJb7oWaao7UE1hM7jBZQw4A8", /* salt 17 */
    "$5$rounds=$7m5ZaDJRZolm0YOL$DEALYXxoDKeWPsh.95BwCyaIAlHA9eFJMhxBnebtIr1",
    "$5$rounds=1x00$7m5ZaDJRZolm0YOL$DEALYXxoDKeWPsh.95BwCyaIAlHA9eFJMhxBnebtIr1",
    "$6$UbfSmQyGIsYuwid4$RepA9kwoQgBVP0DD1irCJb7oWaao7UE1hM7jBZQw4A8", /* $6$ needs 86 */
    "$apr1$RyIJDBQy$YPw9i46/On5qKj8WTdNT2",    /* short */
    "$apr1$RyIJDBQy$YPw9i46/On5qKj8WTdNT2/x",  /* long */
    "$apr1$RyIJDBQyz$YPw9i46/On5qKj8WTdNT2/",  /* salt 9 */
    "$apr1$RyIJDBQy",
    "$apr1$RyIJDBQy$YPw9i46/On5qKj8WTdNT2!",
    "{SHA}ORqrcF67VERuISw/hTMiGkTqxEs",
    "{SHA}ORqrcF67VERuISw/hTMiGkTqxEs==",
    "{SHA}ORqrcF67VERuISw/hTMiGkTqxE.=",
    "{sha}ORqrcF67VERuISw/hTMiGkTqxEs=",
};

START_TEST(test_htpasswd_unsupported_hashes)
{
    const char *hash = unsupported_hashes[_i];
    ck_assert_msg(htpasswd_verify_hash(hash, "x") == HTPASSWD_UNSUPPORTED, "'%s' is not refused", hash);
    char *text = NULL;
    ck_assert_int_ge(asprintf(&text, "u:%s\n", hash), 0);
    struct htpasswd *h = parse_ok(text, strlen(text));
    ck_assert_uint_eq(htpasswd_count(h), 0);
    ck_assert(!htpasswd_check(h, "u", "x"));
    htpasswd_free(h);
    free(text);
}
END_TEST

START_TEST(test_htpasswd_verify_hash_misc)
{
    ck_assert_int_eq(htpasswd_verify_hash(NULL, "x"), HTPASSWD_UNSUPPORTED);
    ck_assert_int_eq(htpasswd_verify_hash(SHA_H, NULL), HTPASSWD_MISMATCH);
    ck_assert_int_eq(htpasswd_verify_hash("plain", NULL), HTPASSWD_UNSUPPORTED);
    ck_assert_int_eq(htpasswd_verify_hash(SHA_H, "sha one"), HTPASSWD_MATCH);
    ck_assert_int_eq(htpasswd_verify_hash(SHA_H, "sha one "), HTPASSWD_MISMATCH);
    ck_assert_int_eq(htpasswd_verify_hash(APR_H, "apr1 password"), HTPASSWD_MATCH);
    ck_assert_int_eq(htpasswd_verify_hash(BCRYPT_H, "Bcrypt pass 1"), HTPASSWD_MATCH);
    ck_assert_int_eq(htpasswd_verify_hash(BCRYPT_H, "bcrypt pass 1"), HTPASSWD_MISMATCH);
}
END_TEST

/* A file caught half-written: every prefix of the fixture parses, each
 * has no more users than the whole, and a user whose line is complete in
 * the prefix logs in. */
START_TEST(test_htpasswd_every_prefix)
{
    size_t len;
    char *text = read_fixture(&len);
    const char *sha_line = strstr(text, "\nsha1:");
    ck_assert_ptr_nonnull(sha_line);
    size_t sha_end = (size_t)(strchr(sha_line + 1, '\n') - text);
    size_t last = 0;
    for (size_t n = 0; n <= len; n++) {
        char *p = malloc(n + 1);
        ck_assert_ptr_nonnull(p);
        memcpy(p, text, n);
        p[n] = '\0';
        struct htpasswd *h = parse_ok(p, n);
        size_t c = htpasswd_count(h);
        ck_assert_uint_le(c, NELEM(usable));
        /* Cutting inside a line can only lose that line. */
        ck_assert_uint_ge(c + 1, last);
        last = c;
        if (n >= sha_end)
            ck_assert(htpasswd_check(h, "sha1", "sha one"));
        htpasswd_free(h);
        free(p);
    }
    ck_assert_uint_eq(last, NELEM(usable));
    free(text);
}
END_TEST

/* Hashes made now by the installed htpasswd, when there is one. */
START_TEST(test_htpasswd_fresh_from_tool)
{
    if (tu_sh("command -v htpasswd >/dev/null 2>&1") != 0) {
        printf("htpasswd: the htpasswd command is not installed (Debian package apache2-utils); "
               "skipping the test with fresh hashes\n");
        return;
    }
    char *dir = tu_mkdtemp();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/htpasswd", dir);
    static const struct {
        const char *flags, *user, *password;
        bool usable, optional;
    } made[] = {
        { "-cbB -C 4", "b", "bcrypt now", true, false },
        { "-bm", "m", "apr1 now", true, false },
        { "-bm", "m-empty", "", true, false },
        { "-bs", "s", "sha1 now", true, false },
        { "-b2", "s2", "sha-256 now", true, true },
        { "-b5", "s5", "sha-512 now", true, true },
        { "-bp", "p", "plain now", false, false },
        { "-bd", "d", "des now", false, false },
    };
    size_t want = 0;
    bool have[NELEM(made)];
    for (size_t i = 0; i < NELEM(made); i++) {
        int rc = tu_sh("htpasswd %s '%s' '%s' '%s' >/dev/null 2>&1", made[i].flags, path, made[i].user,
                       made[i].password);
        have[i] = rc == 0;
        if (!have[i] && made[i].optional) {
            printf("htpasswd: this htpasswd has no %s; not tested\n", made[i].flags);
            continue;
        }
        ck_assert_msg(rc == 0, "htpasswd %s failed", made[i].flags);
        want += made[i].usable;
    }
    size_t len;
    char *text = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(text);
    struct htpasswd *h = parse_ok(text, len);
    ck_assert_uint_eq(htpasswd_count(h), want);
    for (size_t i = 0; i < NELEM(made); i++) {
        if (!have[i])
            continue;
        ck_assert_msg(htpasswd_check(h, made[i].user, made[i].password) == made[i].usable,
                      "htpasswd %s: check gives %d", made[i].flags, !made[i].usable);
        ck_assert(!htpasswd_check(h, made[i].user, "wrong"));
    }
    htpasswd_free(h);
    free(text);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

static void replace(const char *path, const char *text)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    tu_write_file(tmp, text, strlen(text));
    ck_assert_int_eq(rename(tmp, path), 0);
}

START_TEST(test_htpasswd_file_reload)
{
    char *dir = tu_mkdtemp();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/htpasswd", dir);
    struct htpasswd_file *f = NULL;
    buf_t err;
    buf_init(&err, 1024);

    /* Missing at open: an error that names the file. */
    ck_assert_int_eq(htpasswd_open(path, &f, &err), PF_EIO);
    ck_assert_ptr_nonnull(strstr(err.p, path));

    tu_write_file(path, "alice:" SHA_H "\nbob:" APR_H "\n", strlen("alice:" SHA_H "\nbob:" APR_H "\n"));
    ck_assert_int_eq(htpasswd_open(path, &f, &err), PF_EOK);
    ck_assert(htpasswd_file_check(f, "alice", "sha one"));
    ck_assert(htpasswd_file_check(f, "bob", "apr1 password"));
    ck_assert(!htpasswd_file_check(f, "carol", "sha one"));

    /* Replaced by rename: the new users in, the old ones out. */
    replace(path, "carol:" SHA_H "\n");
    ck_assert(htpasswd_file_check(f, "carol", "sha one"));
    ck_assert(!htpasswd_file_check(f, "alice", "sha one"));
    ck_assert(!htpasswd_file_check(f, "bob", "apr1 password"));

    /* Garbage is a file with no users. */
    replace(path, "garbage\n\x01\x02\xff\n::::\n");
    ck_assert(!htpasswd_file_check(f, "carol", "sha one"));
    ck_assert(!htpasswd_file_check(f, "garbage", ""));

    /* Gone: nobody can log in, remembered logins included, and it is
     * logged once; the users read before are not kept. */
    replace(path, "dave:" APR_H "\n");
    ck_assert(htpasswd_file_check(f, "dave", "apr1 password"));
    ck_assert(htpasswd_file_recall(f, "dave", "apr1 password"));
    ck_assert_int_eq(unlink(path), 0);
    int saved = log_threshold;
    log_threshold = LOG_WARN;
    tu_capture_begin();
    ck_assert(!htpasswd_file_recall(f, "dave", "apr1 password"));
    ck_assert(!htpasswd_file_check(f, "dave", "apr1 password"));
    char *log = tu_capture_end();
    log_threshold = saved;
    ck_assert_msg(tu_count(log, "taken as empty") == 1, "%s", log);
    ck_assert_ptr_nonnull(strstr(log, path));
    free(log);

    /* Back: its users can log in again. */
    replace(path, "dave:" APR_H "\n");
    ck_assert(htpasswd_file_check(f, "dave", "apr1 password"));

    /* Replaced by something that cannot be read (a directory; a file over
     * FILEWATCH_MAX_SIZE): nobody can log in either. */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert(!htpasswd_file_check(f, "dave", "apr1 password"));
    ck_assert_int_eq(rmdir(path), 0);
    replace(path, "dave:" APR_H "\n");
    ck_assert(htpasswd_file_check(f, "dave", "apr1 password"));
    char *big = malloc(FILEWATCH_MAX_SIZE + 2);
    memset(big, '#', FILEWATCH_MAX_SIZE + 1);
    memcpy(big, "dave:" APR_H "\n", strlen("dave:" APR_H "\n"));
    big[FILEWATCH_MAX_SIZE + 1] = '\0';
    replace(path, big);
    free(big);
    ck_assert(!htpasswd_file_check(f, "dave", "apr1 password"));

    htpasswd_close(f);
    htpasswd_close(NULL);
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

/* Remembered logins: only successes, per user and password, and more
 * than HTPASSWD_CACHE of them simply cycle. */
START_TEST(test_htpasswd_cached)
{
    const char *text = "b:" BCRYPT_H "\ns:" SHA_H "\n";
    struct htpasswd *h = parse_ok(text, strlen(text));
    for (int round = 0; round < 3; round++) {
        ck_assert(htpasswd_check_cached(h, "b", "Bcrypt pass 1"));
        ck_assert(!htpasswd_check_cached(h, "b", "Bcrypt pass 2"));
        ck_assert(!htpasswd_check_cached(h, "s", "Bcrypt pass 1")); /* b's password is not s's */
        ck_assert(htpasswd_check_cached(h, "s", "sha one"));
        ck_assert(!htpasswd_check_cached(h, "nobody", "sha one"));
        ck_assert(!htpasswd_check_cached(h, "s", ""));
    }
    char pw[32];
    for (int i = 0; i < HTPASSWD_CACHE * 2; i++) {
        snprintf(pw, sizeof pw, "wrong %d", i);
        ck_assert(!htpasswd_check_cached(h, "s", pw));
    }
    ck_assert(htpasswd_check_cached(h, "s", "sha one"));
    ck_assert(!htpasswd_check_cached(h, "s", NULL));
    ck_assert(!htpasswd_check_cached(NULL, "s", "sha one"));
    htpasswd_free(h);
}
END_TEST

Suite *suite_htpasswd(void)
{
    Suite *s = suite_create("htpasswd");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, quiet, unquiet);
    tcase_add_test(tc, test_htpasswd_cached);

    tcase_add_loop_test(tc, test_htpasswd_fixture_usable, 0, (int)NELEM(usable));
    tcase_add_test(tc, test_htpasswd_fixture_refused);
    tcase_add_test(tc, test_htpasswd_unknown_users);
    tcase_add_loop_test(tc, test_htpasswd_standin, 0, (int)NELEM(standin_cases));
    tcase_add_loop_test(tc, test_htpasswd_parse_table, 0, (int)NELEM(parse_cases));
    tcase_add_test(tc, test_htpasswd_malformed_logged);
    tcase_add_test(tc, test_htpasswd_limits);
    tcase_add_test(tc, test_htpasswd_password_cap);
    tcase_add_loop_test(tc, test_htpasswd_apr1_vectors, 0, (int)NELEM(apr1_vectors));
    tcase_add_loop_test(tc, test_htpasswd_unsupported_hashes, 0, (int)NELEM(unsupported_hashes));
    tcase_add_test(tc, test_htpasswd_verify_hash_misc);
    tcase_add_test(tc, test_htpasswd_every_prefix);
    tcase_add_test(tc, test_htpasswd_fresh_from_tool);
    tcase_add_test(tc, test_htpasswd_file_reload);
    suite_add_tcase(s, tc);
    return s;
}
