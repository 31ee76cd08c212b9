/* SPDX-License-Identifier: MIT */
/* test_form.c: unit tests for form.c (application/x-www-form-urlencoded bodies), hostile input first. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "form.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Reads all of body (len bytes, may hold NULs) and writes each field as
 * "name=value|" with both decoded and the value capped at value_cap into
 * out, or "!ERRNAME: message" at the first error. */
static void read_all(const char *body, size_t len, size_t value_cap, buf_t *out)
{
    struct form_reader r;
    form_init(&r, (sv_t){ body, len });
    buf_t name, value;
    buf_init(&name, FORM_MAX_NAME);
    buf_init(&value, value_cap);
    sv_t raw;
    enum pf_err e;
    while ((e = form_next(&r, &name, &raw)) == PF_EOK) {
        buf_reset(&value);
        enum pf_err d = form_decode(raw, &value);
        if (d) {
            (void)buf_printf(out, "!value %s", pf_errname(d));
            goto done;
        }
        (void)buf_append(out, name.p, name.len);
        (void)buf_append_str(out, "=");
        (void)buf_append(out, value.p, value.len);
        (void)buf_append_str(out, "|");
    }
    if (e != PF_ENOTFOUND) {
        (void)buf_printf(out, "!%s: %s", pf_errname(e), form_error(&r));
        /* The error sticks. */
        ck_assert_int_eq(form_next(&r, &name, &raw), e);
    }
done:
    buf_free(&name);
    buf_free(&value);
}

static const struct {
    const char *in, *want;
} cases[] = {
    { "", "" },
    { ":action=remove_pkg&name=foo&version=1.0", ":action=remove_pkg|name=foo|version=1.0|" },
    /* '+' is a space, %XX a byte of either case; %2B a literal '+'. */
    { "a=b+c&d=%41%62%2b%2B", "a=b c|d=Ab++|" },
    { "n%61me=x", "name=x|" },
    { "%3Aaction=file_upload", ":action=file_upload|" },
    /* ';' is not a separator. */
    { "a=1;b=2", "a=1;b=2|" },
    /* Empty pairs are skipped; a pair without '=' has an empty value. */
    { "&&a=1&&&b&", "a=1|b=|" },
    { "=x", "=x|" },
    { "a==b", "a==b|" },
    { "&", "" },
    /* Repeated names are handed up each time: the caller judges them. */
    { "a=1&a=2&a=1", "a=1|a=2|a=1|" },
    /* Non-ASCII bytes pass through, raw or escaped. */
    { "n=caf\xc3\xa9&m=%C3%A9%FF", "n=caf\xc3\xa9|m=\xc3\xa9\xff|" },
    /* Bad escapes: anywhere in the body, the whole body is refused. */
    { "a=%zz", "!INVAL: a '%' is not followed by two hex digits" },
    { "a=%4", "!INVAL: a '%' is not followed by two hex digits" },
    { "a=%", "!INVAL: a '%' is not followed by two hex digits" },
    { "a=1&b%=2", "a=1|!INVAL: a '%' is not followed by two hex digits" },
    { "a=%4g", "!INVAL: a '%' is not followed by two hex digits" },
    { "a=%%41", "!INVAL: a '%' is not followed by two hex digits" },
    { "a=%-1", "!INVAL: a '%' is not followed by two hex digits" },
};

START_TEST(test_form_table)
{
    buf_t out;
    buf_init(&out, 1 << 16);
    read_all(cases[_i].in, strlen(cases[_i].in), 64, &out);
    ck_assert_msg(sv_eq(buf_sv(&out), sv_cstr(cases[_i].want)), "%s: got '%s', want '%s'", cases[_i].in,
                  out.p ? out.p : "", cases[_i].want);
    buf_free(&out);
}
END_TEST

/* %00 decodes to a NUL, handed up with its length: the caller refuses it. */
START_TEST(test_form_nul)
{
    static const char body[] = "name=a%00b&x=\0y";
    buf_t out;
    buf_init(&out, 1024);
    read_all(body, sizeof body - 1, 64, &out);
    ck_assert_uint_eq(out.len, 14);
    ck_assert(memcmp(out.p, "name=a\0b|x=\0y|", 14) == 0);
    buf_free(&out);
}
END_TEST

/* A value over the caller's cap fails in form_decode with out's error, and
 * a huge name is refused by its encoded length, before a copy. */
START_TEST(test_form_caps)
{
    size_t big = (size_t)1 << 20;
    char *body = malloc(big + 16);
    ck_assert_ptr_nonnull(body);
    memcpy(body, "v=", 2);
    memset(body + 2, 'x', big);
    buf_t out;
    buf_init(&out, 1 << 21);
    read_all(body, big + 2, 1024, &out);
    ck_assert_str_eq(out.p, "!value TOOBIG");
    /* Exactly at the cap, decoded (%41 is one byte): fits. */
    buf_reset(&out);
    char at[3 * 1024 + 8];
    memcpy(at, "v=", 2);
    for (int i = 0; i < 1024; i++)
        memcpy(at + 2 + 3 * i, "%41", 3);
    read_all(at, 2 + 3 * 1024, 1024, &out);
    ck_assert_uint_eq(out.len, 2 + 1024 + 1);
    /* A name of 1024 bytes is fine, of 1025 (or its encoding) is not. */
    memset(body, 'n', big);
    buf_reset(&out);
    read_all(body, FORM_MAX_NAME, 8, &out);
    ck_assert_uint_eq(out.len, FORM_MAX_NAME + 2);
    buf_reset(&out);
    read_all(body, FORM_MAX_NAME + 1, 8, &out);
    ck_assert_str_eq(out.p, "!TOOBIG: a field name is longer than 1024 bytes");
    buf_reset(&out);
    for (int i = 0; i < 1025; i++)
        memcpy(body + 3 * i, "%6E", 3);
    read_all(body, 3 * 1025, 8, &out);
    ck_assert_str_eq(out.p, "!TOOBIG: a field name is longer than 1024 bytes");
    buf_reset(&out);
    read_all(body, big, 8, &out);
    ck_assert_str_eq(out.p, "!TOOBIG: a field name is longer than 1024 bytes");
    free(body);
    buf_free(&out);
}
END_TEST

/* FORM_MAX_FIELDS fields are read, the next is refused; empty pairs do
 * not count. */
START_TEST(test_form_many_fields)
{
    buf_t body, out;
    buf_init(&body, 1 << 20);
    for (int i = 0; i < FORM_MAX_FIELDS; i++)
        ck_assert_int_eq(buf_printf(&body, "f%d=%d&&", i, i), PF_EOK);
    buf_init(&out, 1 << 20);
    read_all(body.p, body.len, 64, &out);
    ck_assert_ptr_null(strchr(out.p, '!'));
    ck_assert_int_eq(buf_append_str(&body, "one=more"), PF_EOK);
    buf_reset(&out);
    read_all(body.p, body.len, 64, &out);
    ck_assert_ptr_nonnull(strstr(out.p, "f1023=1023|!TOOBIG: the form has more than 1024 fields"));
    /* A body of separators alone is no field at all. */
    buf_reset(&body);
    for (int i = 0; i < 100000; i++)
        ck_assert_int_eq(buf_append_char(&body, '&'), PF_EOK);
    buf_reset(&out);
    read_all(body.p, body.len, 64, &out);
    ck_assert_uint_eq(out.len, 0);
    buf_free(&body);
    buf_free(&out);
}
END_TEST

START_TEST(test_form_content_type)
{
    ck_assert(form_is_urlencoded("application/x-www-form-urlencoded"));
    ck_assert(form_is_urlencoded("Application/X-WWW-Form-URLEncoded; charset=utf-8"));
    ck_assert(form_is_urlencoded(" application/x-www-form-urlencoded ;charset=UTF-8"));
    ck_assert(!form_is_urlencoded(NULL));
    ck_assert(!form_is_urlencoded(""));
    ck_assert(!form_is_urlencoded("multipart/form-data; boundary=x"));
    ck_assert(!form_is_urlencoded("application/x-www-form-urlencodedx"));
    ck_assert(!form_is_urlencoded("text/plain; application/x-www-form-urlencoded"));
}
END_TEST

Suite *suite_form(void)
{
    Suite *s = suite_create("form");
    TCase *tc = tcase_create("form");
    tcase_add_loop_test(tc, test_form_table, 0, (int)NELEM(cases));
    tcase_add_test(tc, test_form_nul);
    tcase_add_test(tc, test_form_caps);
    tcase_add_test(tc, test_form_many_fields);
    tcase_add_test(tc, test_form_content_type);
    suite_add_tcase(s, tc);
    return s;
}
