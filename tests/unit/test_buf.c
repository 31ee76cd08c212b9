/* SPDX-License-Identifier: MIT */
/* test_buf.c: unit tests for buf.c (the capped buffer) and sv.c (string views). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "buf.h"
#include "suites.h"
#include "sv.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The invariant every operation keeps: NUL after the content, storage
 * never larger than cap + 1. */
static void check_buf(const buf_t *b, const char *want, size_t wantlen)
{
    ck_assert_uint_eq(b->len, wantlen);
    ck_assert_uint_le(b->len, b->cap);
    if (b->p) {
        ck_assert_uint_le(b->alloc, b->cap + 1);
        ck_assert_uint_gt(b->alloc, b->len);
        ck_assert_mem_eq(b->p, want, wantlen);
        ck_assert_uint_eq((unsigned char)b->p[b->len], 0);
    } else {
        ck_assert_uint_eq(wantlen, 0);
    }
    sv_t s = buf_sv(b);
    ck_assert_ptr_nonnull(s.p);
    ck_assert_uint_eq(s.len, wantlen);
}

START_TEST(test_buf_init_empty)
{
    buf_t b;
    buf_init(&b, 100);
    ck_assert_ptr_null(b.p);
    ck_assert_uint_eq(b.cap, 100);
    check_buf(&b, "", 0);
    ck_assert_str_eq(buf_sv(&b).p, "");
    buf_reset(&b); /* on a never-allocated buffer */
    check_buf(&b, "", 0);
    buf_free(&b);
    buf_free(&b); /* twice is harmless */
    check_buf(&b, "", 0);
}
END_TEST

START_TEST(test_buf_append_kinds)
{
    buf_t b;
    buf_init(&b, 64);
    ck_assert_int_eq(buf_append(&b, "ab", 2), PF_EOK);
    check_buf(&b, "ab", 2);
    ck_assert_int_eq(buf_append_str(&b, "cd"), PF_EOK);
    ck_assert_int_eq(buf_append_char(&b, 'e'), PF_EOK);
    ck_assert_int_eq(buf_append_sv(&b, SV_LIT("fg")), PF_EOK);
    ck_assert_int_eq(buf_append(&b, "", 0), PF_EOK);
    ck_assert_int_eq(buf_append(&b, NULL, 0), PF_EOK);
    ck_assert_int_eq(buf_append_str(&b, ""), PF_EOK);
    ck_assert_int_eq(buf_append_sv(&b, sv_make(NULL, 0)), PF_EOK);
    check_buf(&b, "abcdefg", 7);
    /* Bytes, not strings: a NUL in the middle is kept and counted. */
    ck_assert_int_eq(buf_append(&b, "x\0y", 3), PF_EOK);
    ck_assert_int_eq(buf_append_char(&b, '\0'), PF_EOK);
    check_buf(&b, "abcdefgx\0y\0", 11);
    buf_reset(&b);
    check_buf(&b, "", 0);
    ck_assert_ptr_nonnull(b.p);
    ck_assert_int_eq(buf_append_str(&b, "again"), PF_EOK);
    check_buf(&b, "again", 5);
    buf_free(&b);
    ck_assert_ptr_null(b.p);
    ck_assert_uint_eq(b.len, 0);
}
END_TEST

struct cap_case {
    size_t cap;
    size_t first;  /* bytes appended first (must fit) */
    size_t second; /* then this many more */
    enum pf_err want;
};

static const struct cap_case cap_cases[] = {
    { 0, 0, 0, PF_EOK },
    { 0, 0, 1, PF_ETOOBIG },
    { 1, 0, 1, PF_EOK },
    { 1, 1, 1, PF_ETOOBIG },
    { 10, 5, 5, PF_EOK },
    { 10, 5, 6, PF_ETOOBIG },
    { 10, 10, 0, PF_EOK },
    { 10, 10, 1, PF_ETOOBIG },
    { 10, 0, 11, PF_ETOOBIG },
    { 255, 200, 55, PF_EOK },
    { 255, 200, 56, PF_ETOOBIG },
    { 256, 256, 0, PF_EOK },
    { 256, 255, 1, PF_EOK },
    { 256, 256, 1, PF_ETOOBIG },
    { 257, 256, 1, PF_EOK },
    { 1000, 600, 400, PF_EOK },
    { 1000, 600, 401, PF_ETOOBIG },
    { 1000, 999, 1, PF_EOK },
    { 65536, 65535, 1, PF_EOK },
    { 65536, 65535, 2, PF_ETOOBIG },
    { 65536, 1, SIZE_MAX, PF_ETOOBIG },
    { 65536, 1, SIZE_MAX - 1, PF_ETOOBIG },
    { SIZE_MAX - 1, 10, SIZE_MAX - 10, PF_ETOOBIG },
};

/* An append past the cap fails with PF_ETOOBIG and leaves the content,
 * length and terminator as they were; one that reaches the cap exactly
 * succeeds. The huge lengths never reach memcpy (nothing that large is
 * passed in): the cap check must come first and must not overflow. */
START_TEST(test_buf_cap_table)
{
    const struct cap_case *c = &cap_cases[_i];
    buf_t b;
    size_t n1 = c->first;
    char *data = malloc(n1 + 1);
    ck_assert_ptr_nonnull(data);
    for (size_t i = 0; i < n1; i++)
        data[i] = (char)('a' + i % 26);

    buf_init(&b, c->cap);
    ck_assert_int_eq(buf_append(&b, data, n1), PF_EOK);
    check_buf(&b, data, n1);
    if (c->want == PF_EOK) {
        char *more = malloc(c->second + 1);
        ck_assert_ptr_nonnull(more);
        memset(more, 'Z', c->second);
        ck_assert_int_eq(buf_append(&b, more, c->second), PF_EOK);
        ck_assert_uint_eq(b.len, n1 + c->second);
        ck_assert_mem_eq(b.p, data, n1);
        if (c->second)
            ck_assert_mem_eq(b.p + n1, more, c->second);
        ck_assert_uint_eq((unsigned char)b.p[b.len], 0);
        ck_assert_uint_le(b.alloc, b.cap + 1);
        ck_assert_int_eq(buf_err(&b), PF_EOK);
        free(more);
    } else {
        /* Real bytes for a plausible length; for the huge ones a pointer
         * that is never read, since the cap refuses the append first. */
        char *more = c->second <= (1u << 20) ? calloc(1, c->second + 1) : NULL;
        ck_assert_int_eq(buf_append(&b, more ? more : "Z", c->second), PF_ETOOBIG);
        free(more);
        check_buf(&b, data, n1);
        ck_assert_int_eq(buf_err(&b), PF_ETOOBIG);
        /* The failure sticks: even an append that would fit is refused. */
        ck_assert_int_eq(buf_append_char(&b, '!'), PF_ETOOBIG);
        check_buf(&b, data, n1);
        /* A reset clears it: something that fits goes in. */
        buf_reset(&b);
        ck_assert_int_eq(buf_err(&b), PF_EOK);
        if (c->cap) {
            ck_assert_int_eq(buf_append_char(&b, '!'), PF_EOK);
            check_buf(&b, "!", 1);
        }
    }
    buf_free(&b);
    free(data);
}
END_TEST

/* SIZE_MAX is a legal cap ("no practical limit"): the buffer must behave
 * like any other, with no overflow in the cap + 1 arithmetic. */
START_TEST(test_buf_cap_size_max)
{
    buf_t b;
    buf_init(&b, SIZE_MAX);
    ck_assert_int_eq(buf_append(&b, "abc", 3), PF_EOK);
    ck_assert_uint_ge(b.alloc, 4);
    ck_assert_mem_eq(b.p, "abc", 4);
    ck_assert_int_eq(buf_printf(&b, "%300s", "x"), PF_EOK);
    ck_assert_uint_eq(b.len, 303);
    ck_assert_uint_eq(b.p[302], 'x');
    ck_assert_uint_eq((unsigned char)b.p[303], 0);
    ck_assert_int_eq(buf_append(&b, "Z", SIZE_MAX - 302), PF_ETOOBIG);
    ck_assert_uint_eq(b.len, 303);
    buf_free(&b);
}
END_TEST

/* Every kind of append fails at the cap with the content kept, and the
 * one that reaches the cap exactly succeeds. */
START_TEST(test_buf_cap_every_kind)
{
    static const char *const kinds[] = { "append", "str", "sv", "char", "printf" };
    buf_t b;
    buf_init(&b, 5);
    for (size_t k = 0; k < NELEM(kinds); k++) {
        buf_reset(&b);
        ck_assert_int_eq(buf_append_str(&b, "abcd"), PF_EOK);
        enum pf_err e;
        switch (k) {
        case 0: e = buf_append(&b, "ef", 2); break;
        case 1: e = buf_append_str(&b, "ef"); break;
        case 2: e = buf_append_sv(&b, SV_LIT("ef")); break;
        case 3: e = buf_append_char(&b, 'e') ? PF_EINVAL : buf_append_char(&b, 'f'); break;
        default: e = buf_printf(&b, "%d", 12); break;
        }
        ck_assert_msg(e == PF_ETOOBIG, "%s gave %s", kinds[k], pf_errname(e));
        ck_assert_int_eq(buf_err(&b), PF_ETOOBIG);
        if (k == 3)
            check_buf(&b, "abcde", 5);
        else
            check_buf(&b, "abcd", 4);
    }
    /* reset frees room under the same cap. */
    buf_reset(&b);
    ck_assert_int_eq(buf_append_str(&b, "vwxyz"), PF_EOK);
    ck_assert_int_eq(buf_printf(&b, "%s", ""), PF_EOK);
    check_buf(&b, "vwxyz", 5);
    ck_assert_int_eq(buf_err(&b), PF_EOK);
    buf_free(&b);
}
END_TEST

/* After a failed append every kind of append, even one that would fit or
 * adds nothing, returns the first error and leaves the content; whatever
 * empties the buffer clears the error. */
START_TEST(test_buf_sticky)
{
    buf_t b;
    buf_init(&b, 8);
    ck_assert_int_eq(buf_err(&b), PF_EOK);
    ck_assert_int_eq(buf_append_str(&b, "abc"), PF_EOK);
    ck_assert_int_eq(buf_err(&b), PF_EOK);
    ck_assert_int_eq(buf_append_str(&b, "defghi"), PF_ETOOBIG);
    ck_assert_int_eq(buf_err(&b), PF_ETOOBIG);
    check_buf(&b, "abc", 3);
    ck_assert_int_eq(buf_append(&b, "d", 1), PF_ETOOBIG);
    ck_assert_int_eq(buf_append_str(&b, "d"), PF_ETOOBIG);
    ck_assert_int_eq(buf_append_sv(&b, SV_LIT("d")), PF_ETOOBIG);
    ck_assert_int_eq(buf_append_char(&b, 'd'), PF_ETOOBIG);
    ck_assert_int_eq(buf_printf(&b, "%c", 'd'), PF_ETOOBIG);
    ck_assert_int_eq(buf_printf(&b, "%300s", "d"), PF_ETOOBIG);
    ck_assert_int_eq(buf_append(&b, "", 0), PF_ETOOBIG);
    ck_assert_int_eq(buf_append_str(&b, ""), PF_ETOOBIG);
    ck_assert_int_eq(buf_printf(&b, "%s", ""), PF_ETOOBIG);
    check_buf(&b, "abc", 3);
    ck_assert_int_eq(buf_err(&b), PF_ETOOBIG);

    /* buf_reset clears it; the storage stays. */
    buf_reset(&b);
    ck_assert_int_eq(buf_err(&b), PF_EOK);
    ck_assert_ptr_nonnull(b.p);
    ck_assert_int_eq(buf_append_str(&b, "12345678"), PF_EOK);
    check_buf(&b, "12345678", 8);

    /* The printf path that formats straight into the buffer (past 255
     * bytes) records its failure too. */
    buf_t big;
    buf_init(&big, 400);
    ck_assert_int_eq(buf_printf(&big, "%300s", "x"), PF_EOK);
    ck_assert_int_eq(buf_printf(&big, "%300s", "y"), PF_ETOOBIG);
    ck_assert_int_eq(buf_append_char(&big, 'z'), PF_ETOOBIG);
    ck_assert_uint_eq(big.len, 300);
    ck_assert_uint_eq(big.p[299], 'x');
    ck_assert_int_eq(buf_err(&big), PF_ETOOBIG);

    /* buf_steal hands over the content and clears the error. */
    char *s = buf_steal(&big);
    ck_assert_uint_eq(strlen(s), 300);
    free(s);
    ck_assert_int_eq(buf_err(&big), PF_EOK);
    ck_assert_int_eq(buf_append_char(&big, 'z'), PF_EOK);
    check_buf(&big, "z", 1);

    /* So do buf_free and buf_init. */
    ck_assert_int_eq(buf_append(&big, "Z", 400), PF_ETOOBIG);
    buf_free(&big);
    ck_assert_int_eq(buf_err(&big), PF_EOK);
    ck_assert_int_eq(buf_append_char(&big, 'w'), PF_EOK);
    check_buf(&big, "w", 1);
    ck_assert_int_eq(buf_append(&big, "Z", 400), PF_ETOOBIG);
    char *keep = big.p;
    buf_init(&big, 10);
    ck_assert_int_eq(buf_err(&big), PF_EOK);
    free(keep);
    buf_free(&big);
    buf_free(&b);
}
END_TEST

/* buf_fail records a failure met elsewhere: the first error stays, and
 * PF_EOK records nothing. */
START_TEST(test_buf_fail)
{
    buf_t b;
    buf_init(&b, 100);
    ck_assert_int_eq(buf_append_str(&b, "abc"), PF_EOK);
    ck_assert_int_eq(buf_fail(&b, PF_EOK), PF_EOK);
    ck_assert_int_eq(buf_append_str(&b, "d"), PF_EOK);
    ck_assert_int_eq(buf_fail(&b, PF_ENOMEM), PF_ENOMEM);
    ck_assert_int_eq(buf_fail(&b, PF_ETOOBIG), PF_ENOMEM);
    ck_assert_int_eq(buf_fail(&b, PF_EOK), PF_ENOMEM);
    ck_assert_int_eq(buf_append_str(&b, "e"), PF_ENOMEM);
    check_buf(&b, "abcd", 4);
    ck_assert_int_eq(buf_err(&b), PF_ENOMEM);
    buf_reset(&b);
    ck_assert_int_eq(buf_append_str(&b, "e"), PF_EOK);
    buf_free(&b);
}
END_TEST

/* A format that cannot be converted fails the buffer with PF_EINVAL. */
START_TEST(test_buf_printf_einval)
{
    /* A wide character outside the C locale's character set. */
    static const wchar_t wide[] = { 0x20ac, 0 };
    char probe[16];
    if (snprintf(probe, sizeof probe, "%ls", wide) >= 0)
        return; /* this C library converts it: nothing to fail */
    buf_t b;
    buf_init(&b, 100);
    ck_assert_int_eq(buf_append_str(&b, "ab"), PF_EOK);
    ck_assert_int_eq(buf_printf(&b, "%ls", wide), PF_EINVAL);
    ck_assert_int_eq(buf_err(&b), PF_EINVAL);
    ck_assert_int_eq(buf_append_char(&b, 'c'), PF_EINVAL);
    check_buf(&b, "ab", 2);
    buf_free(&b);
}
END_TEST

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

/* An allocation the C library refuses gives PF_ENOMEM, which sticks like
 * any other failure. The request is larger than PTRDIFF_MAX, which glibc's
 * realloc refuses without trying; a sanitizer's allocator aborts on it
 * unless told to return NULL. */
START_TEST(test_buf_enomem)
{
#ifdef UNDER_SANITIZER
    const char *opts = getenv("ASAN_OPTIONS");
    const char *topts = getenv("TSAN_OPTIONS");
    if (!(opts && strstr(opts, "allocator_may_return_null=1")) &&
        !(topts && strstr(topts, "allocator_may_return_null=1")))
        return; /* the allocator would abort the test instead */
#endif
    buf_t b;
    buf_init(&b, SIZE_MAX);
    ck_assert_int_eq(buf_append_str(&b, "abc"), PF_EOK);
    /* Never read: the allocation fails before anything is copied. */
    ck_assert_int_eq(buf_append(&b, "Z", SIZE_MAX / 2), PF_ENOMEM);
    ck_assert_int_eq(buf_err(&b), PF_ENOMEM);
    ck_assert_int_eq(buf_append_char(&b, 'd'), PF_ENOMEM);
    ck_assert_int_eq(buf_printf(&b, "%d", 4), PF_ENOMEM);
    /* The content is as it was (check_buf's cap + 1 would overflow). */
    ck_assert_uint_eq(b.len, 3);
    ck_assert_str_eq(b.p, "abc");
    buf_reset(&b);
    ck_assert_int_eq(buf_err(&b), PF_EOK);
    ck_assert_int_eq(buf_append_char(&b, 'd'), PF_EOK);
    ck_assert_uint_eq(b.len, 1);
    ck_assert_str_eq(b.p, "d");
    buf_free(&b);
}
END_TEST

/* Growth across many small appends keeps every byte. */
START_TEST(test_buf_growth)
{
    buf_t b;
    char want[5000];
    buf_init(&b, sizeof want);
    for (size_t i = 0; i < sizeof want; i++) {
        want[i] = (char)(' ' + i % 95);
        ck_assert_int_eq(buf_append_char(&b, want[i]), PF_EOK);
        ck_assert_uint_eq((unsigned char)b.p[b.len], 0);
    }
    check_buf(&b, want, sizeof want);
    ck_assert_int_eq(buf_append_char(&b, 'x'), PF_ETOOBIG);
    check_buf(&b, want, sizeof want);
    ck_assert_int_eq(buf_err(&b), PF_ETOOBIG);
    buf_free(&b);
}
END_TEST

struct printf_case {
    size_t n; /* length of the %s argument */
    size_t prefix; /* bytes already in the buffer */
    size_t cap;
    enum pf_err want;
};

/* 256 is the size of buf_vprintf's stack attempt: test either side of it. */
static const struct printf_case printf_cases[] = {
    { 0, 0, 100, PF_EOK },
    { 10, 0, 100, PF_EOK },
    { 250, 0, 1000, PF_EOK },
    { 251, 0, 1000, PF_EOK },
    { 252, 0, 1000, PF_EOK },
    { 253, 0, 1000, PF_EOK },
    { 300, 0, 1000, PF_EOK },
    { 300, 7, 1000, PF_EOK },
    { 1000, 100, 1104, PF_EOK },
    { 1000, 100, 1103, PF_ETOOBIG },
    { 100000, 3, 200000, PF_EOK },
    { 250, 0, 254, PF_EOK },
    { 250, 0, 253, PF_ETOOBIG },
    { 300, 0, 304, PF_EOK },
    { 300, 0, 303, PF_ETOOBIG },
    { 300, 0, 10, PF_ETOOBIG },
};

/* buf_printf(b, "<%s>%d|", s, 7) appends n + 4 bytes. */
START_TEST(test_buf_printf_table)
{
    const struct printf_case *c = &printf_cases[_i];
    buf_t b;
    char *arg = malloc(c->n + 1);
    char *want = malloc(c->prefix + c->n + 5);
    ck_assert_ptr_nonnull(arg);
    ck_assert_ptr_nonnull(want);
    for (size_t i = 0; i < c->n; i++)
        arg[i] = (char)('A' + i % 26);
    arg[c->n] = '\0';
    memset(want, 'p', c->prefix);

    buf_init(&b, c->cap);
    ck_assert_int_eq(buf_append(&b, want, c->prefix), PF_EOK);
    ck_assert_int_eq(buf_printf(&b, "<%s>%d|", arg, 7), c->want);
    if (c->want == PF_EOK) {
        size_t w = c->prefix;
        want[w++] = '<';
        memcpy(want + w, arg, c->n);
        w += c->n;
        memcpy(want + w, ">7|", 3);
        w += 3;
        check_buf(&b, want, w);
        ck_assert_int_eq(buf_err(&b), PF_EOK);
    } else {
        check_buf(&b, want, c->prefix);
        ck_assert_int_eq(buf_err(&b), c->want);
    }
    buf_free(&b);
    free(arg);
    free(want);
}
END_TEST

START_TEST(test_buf_printf_formats)
{
    buf_t b;
    buf_init(&b, 4096);
    ck_assert_int_eq(buf_printf(&b, "%s=%d;%u;%lld;%zu;%x;%05.1f;%c;%%", "k", -42, 42u,
                                -9000000000000LL, (size_t)18, 255u, 3.14159, 'z'),
                     PF_EOK);
    ck_assert_str_eq(b.p, "k=-42;42;-9000000000000;18;ff;003.1;z;%");
    ck_assert_uint_eq(b.len, strlen("k=-42;42;-9000000000000;18;ff;003.1;z;%"));
    /* A long result built from a width: exercises the second vsnprintf,
     * which must see the same arguments as the first. */
    buf_reset(&b);
    ck_assert_int_eq(buf_printf(&b, "%s%600d%s", "[", 5, "]"), PF_EOK);
    ck_assert_uint_eq(b.len, 602);
    ck_assert_uint_eq(b.p[0], '[');
    ck_assert_uint_eq(b.p[1], ' ');
    ck_assert_uint_eq(b.p[599], ' ');
    ck_assert_uint_eq(b.p[600], '5');
    ck_assert_uint_eq(b.p[601], ']');
    ck_assert_uint_eq((unsigned char)b.p[602], 0);
    ck_assert_uint_le(b.alloc, b.cap + 1);
    buf_free(&b);
}
END_TEST

START_TEST(test_buf_steal)
{
    buf_t b;
    buf_init(&b, 1000);

    /* Stealing from a never-used buffer gives an empty string, not NULL. */
    char *s = buf_steal(&b);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "");
    free(s);

    ck_assert_int_eq(buf_printf(&b, "%s-%d", "hello", 1), PF_EOK);
    s = buf_steal(&b);
    ck_assert_str_eq(s, "hello-1");
    ck_assert_ptr_null(b.p);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.alloc, 0);
    ck_assert_uint_eq(b.cap, 1000); /* the cap stays */
    check_buf(&b, "", 0);

    /* The buffer is reusable after a steal and does not share storage. */
    ck_assert_int_eq(buf_append_str(&b, "again"), PF_EOK);
    check_buf(&b, "again", 5);
    ck_assert_ptr_ne(b.p, s);
    ck_assert_str_eq(s, "hello-1");
    free(s);

    /* After a reset the stolen string is empty but allocated. */
    buf_reset(&b);
    s = buf_steal(&b);
    ck_assert_str_eq(s, "");
    free(s);
    buf_free(&b);
}
END_TEST

/* ---- sv ---- */

struct split_case {
    const char *in;
    char c;
    const char *head;
    const char *rest;
    bool found;
};

static const struct split_case split_cases[] = {
    { "a,b,c", ',', "a", "b,c", true },
    { "abc", ',', "abc", "", false },
    { ",abc", ',', "", "abc", true },
    { "abc,", ',', "abc", "", true },
    { ",", ',', "", "", true },
    { ",,", ',', "", ",", true },
    { "", ',', "", "", false },
    { "key value with spaces", ' ', "key", "value with spaces", true },
    { "a=b=c", '=', "a", "b=c", true },
    { "line\nnext\n", '\n', "line", "next\n", true },
};

START_TEST(test_sv_split_table)
{
    const struct split_case *c = &split_cases[_i];
    sv_t s = sv_cstr(c->in);
    const char *end = c->in + strlen(c->in);
    sv_t head = sv_split(&s, c->c);
    ck_assert(sv_eq(head, sv_cstr(c->head)));
    ck_assert(sv_eq(s, sv_cstr(c->rest)));
    ck_assert_ptr_eq(head.p, c->in);
    /* The rest is a view of the tail of the input, never past it. */
    ck_assert_ptr_eq(s.p + s.len, end);
    if (!c->found)
        ck_assert_ptr_eq(s.p, end);
}
END_TEST

/* Splitting repeatedly visits every field, including empty ones. */
START_TEST(test_sv_split_all)
{
    static const char *const want[] = { "", "a", "", "bc", "d", "" };
    sv_t s = SV_LIT(",a,,bc,d,");
    size_t n = 0;
    /* A trailing separator leaves an empty view, which ends the loop:
     * the last empty field is not visited (the rule callers rely on). */
    while (s.len) {
        ck_assert_uint_lt(n, NELEM(want));
        sv_t f = sv_split(&s, ',');
        ck_assert(sv_eq(f, sv_cstr(want[n])));
        n++;
    }
    ck_assert_uint_eq(n, 5);
    /* NUL bytes are ordinary bytes. */
    sv_t z = sv_make("a\0b,c", 5);
    sv_t h = sv_split(&z, ',');
    ck_assert_uint_eq(h.len, 3);
    ck_assert(sv_eq(z, SV_LIT("c")));
    sv_t e = sv_make(NULL, 0);
    h = sv_split(&e, ',');
    ck_assert_uint_eq(h.len, 0);
    ck_assert_uint_eq(e.len, 0);
}
END_TEST

struct trim_case {
    const char *in;
    const char *out;
};

static const struct trim_case trim_cases[] = {
    { "abc", "abc" },
    { "  abc", "abc" },
    { "abc  ", "abc" },
    { " \t a b \t ", "a b" },
    { "\t\t", "" },
    { "   ", "" },
    { "", "" },
    { " a", "a" },
    { "a ", "a" },
    /* Only spaces and tabs: other white space is content. */
    { "\na\n", "\na\n" },
    { " \r ", "\r" },
    { "\v x \f", "\v x \f" },
    { " \xa0x", "\xa0x" },
};

START_TEST(test_sv_trim_table)
{
    const struct trim_case *c = &trim_cases[_i];
    sv_t t = sv_trim(sv_cstr(c->in));
    ck_assert_msg(sv_eq(t, sv_cstr(c->out)), "trim(\"%s\") gave %zu bytes", c->in, t.len);
    if (t.len) {
        ck_assert(t.p >= c->in);
        ck_assert(t.p + t.len <= c->in + strlen(c->in));
    }
}
END_TEST

struct ieq_case {
    const char *a, *b;
    bool eq;
    bool iends; /* sv_iends_with(a, b) */
};

static const struct ieq_case ieq_cases[] = {
    { "abc", "abc", true, true },
    { "ABC", "abc", true, true },
    { "aBc", "AbC", true, true },
    { "", "", true, true },
    { "abc", "", false, true },
    { "", "a", false, false },
    { "abc", "abcd", false, false },
    { "abcd", "abc", false, false },
    { "abcd", "BCD", false, true },
    { "foo.WHL", ".whl", false, true },
    { "foo.whl", ".WHL", false, true },
    { "foo.whl", "whl.", false, false },
    { "foo.tar.gz", ".TAR.GZ", false, true },
    { "x.tar.gz", "x.tar.gzz", false, false },
    /* Only ASCII letters fold: '@' and '`', '[' and '{' differ by 0x20
     * but are not letters; neither are bytes >= 0x80. */
    { "@", "`", false, false },
    { "[", "{", false, false },
    { "\xc0", "\xe0", false, false },
    { "\xc9", "\xe9", false, false },
    { "Z", "z", true, true },
    { "A", "a", true, true },
    { "1", "1", true, true },
    { "_", "\x7f", false, false },
};

START_TEST(test_sv_ieq_table)
{
    const struct ieq_case *c = &ieq_cases[_i];
    sv_t a = sv_cstr(c->a), b = sv_cstr(c->b);
    ck_assert_msg(sv_ieq(a, b) == c->eq, "sv_ieq(\"%s\", \"%s\")", c->a, c->b);
    ck_assert_msg(sv_ieq(b, a) == c->eq, "sv_ieq(\"%s\", \"%s\")", c->b, c->a);
    ck_assert_msg(sv_iends_with(a, b) == c->iends, "sv_iends_with(\"%s\", \"%s\")", c->a, c->b);
    /* Case-sensitive equality implies case-insensitive equality. */
    if (sv_eq(a, b))
        ck_assert(sv_ieq(a, b));
}
END_TEST

START_TEST(test_sv_misc)
{
    /* sv_index: first occurrence, -1 when absent, views bound the search. */
    ck_assert_int_eq(sv_index(SV_LIT("a/b/c"), '/'), 1);
    ck_assert_int_eq(sv_index(SV_LIT("abc"), '/'), -1);
    ck_assert_int_eq(sv_index(SV_LIT("/"), '/'), 0);
    ck_assert_int_eq(sv_index(SV_LIT(""), '/'), -1);
    ck_assert_int_eq(sv_index(sv_make(NULL, 0), '/'), -1);
    ck_assert_int_eq(sv_index(sv_make("ab/c", 2), '/'), -1);
    ck_assert_int_eq(sv_index(sv_make("a\0b", 3), '\0'), 1);
    ck_assert_int_eq(sv_index(sv_make("a\0b", 3), 'b'), 2);
    ck_assert_int_eq(sv_index(SV_LIT("x\xff"), '\xff'), 1);

    /* sv_cstr, sv_make, SV_LIT. */
    ck_assert_uint_eq(sv_cstr(NULL).len, 0);
    ck_assert_uint_eq(sv_cstr("").len, 0);
    ck_assert_uint_eq(sv_cstr("abc").len, 3);
    ck_assert_uint_eq(SV_LIT("a\0b").len, 3);

    /* sv_eq, sv_starts_with, sv_ends_with are exact. */
    ck_assert(sv_eq(SV_LIT("abc"), sv_cstr("abc")));
    ck_assert(!sv_eq(SV_LIT("abc"), SV_LIT("ABC")));
    ck_assert(!sv_eq(SV_LIT("abc"), SV_LIT("ab")));
    ck_assert(sv_eq(sv_make(NULL, 0), SV_LIT("")));
    ck_assert(sv_eq(sv_make("x", 0), sv_make("y", 0)));
    ck_assert(!sv_eq(sv_make("a\0b", 3), sv_make("a\0c", 3)));
    ck_assert(sv_starts_with(SV_LIT("foo-1.0"), SV_LIT("foo")));
    ck_assert(sv_starts_with(SV_LIT("foo"), SV_LIT("")));
    ck_assert(!sv_starts_with(SV_LIT("fo"), SV_LIT("foo")));
    ck_assert(!sv_starts_with(SV_LIT("Foo"), SV_LIT("foo")));
    ck_assert(sv_ends_with(SV_LIT("foo.whl"), SV_LIT(".whl")));
    ck_assert(!sv_ends_with(SV_LIT("foo.WHL"), SV_LIT(".whl")));
    ck_assert(!sv_ends_with(SV_LIT("hl"), SV_LIT(".whl")));

    /* sv_ieq on views that are not NUL-terminated compares len bytes only. */
    ck_assert(sv_ieq(sv_make("ABCx", 3), sv_make("abcy", 3)));
    ck_assert(sv_iends_with(sv_make("foo.WHLx", 7), SV_LIT(".whl")));
    ck_assert(sv_ieq(sv_make(NULL, 0), SV_LIT("")));
}
END_TEST

Suite *suite_buf(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");

    tcase_add_test(tc, test_buf_init_empty);
    tcase_add_test(tc, test_buf_append_kinds);
    tcase_add_loop_test(tc, test_buf_cap_table, 0, (int)NELEM(cap_cases));
    tcase_add_test(tc, test_buf_cap_size_max);
    tcase_add_test(tc, test_buf_cap_every_kind);
    tcase_add_test(tc, test_buf_sticky);
    tcase_add_test(tc, test_buf_fail);
    tcase_add_test(tc, test_buf_printf_einval);
    tcase_add_test(tc, test_buf_enomem);
    tcase_add_test(tc, test_buf_growth);
    tcase_add_loop_test(tc, test_buf_printf_table, 0, (int)NELEM(printf_cases));
    tcase_add_test(tc, test_buf_printf_formats);
    tcase_add_test(tc, test_buf_steal);
    suite_add_tcase(s, tc);

    tc = tcase_create("sv");
    tcase_add_loop_test(tc, test_sv_split_table, 0, (int)NELEM(split_cases));
    tcase_add_test(tc, test_sv_split_all);
    tcase_add_loop_test(tc, test_sv_trim_table, 0, (int)NELEM(trim_cases));
    tcase_add_loop_test(tc, test_sv_ieq_table, 0, (int)NELEM(ieq_cases));
    tcase_add_test(tc, test_sv_misc);
    suite_add_tcase(s, tc);
    return s;
}
