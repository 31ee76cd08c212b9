/* SPDX-License-Identifier: MIT */
/* test_hmap.c: the hash map and its keyed hash. */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hmap.h"
#include "suites.h"

/* The reference vectors of SipHash-2-4 (key 00..0f, message 00..n-1). */
START_TEST(test_siphash_vectors)
{
    unsigned char key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (unsigned char)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (unsigned char)i;
    ck_assert_uint_eq(hmap_siphash(key, msg, 0), 0x726fdb47dd0e0e31ULL);
    ck_assert_uint_eq(hmap_siphash(key, msg, 15), 0xa129ca6149be45e5ULL);
    /* Another key gives another hash. */
    key[0] ^= 1;
    ck_assert_uint_ne(hmap_siphash(key, msg, 15), 0xa129ca6149be45e5ULL);
}
END_TEST

/* 5,000 keys in, every one found, half removed, the rest still found,
 * iteration sees each live one once. */
START_TEST(test_hmap_many)
{
    enum { N = 5000 };
    static char keys[N][24];
    hmap_t m;
    hmap_init(&m);
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "proj-%d", i);
        ck_assert_int_eq(hmap_put(&m, sv_cstr(keys[i]), keys[i]), PF_EOK);
    }
    ck_assert_uint_eq(m.count, N);
    for (int i = 0; i < N; i++)
        ck_assert_ptr_eq(hmap_get(&m, sv_cstr(keys[i])), keys[i]);
    for (int i = 0; i < N; i += 2)
        ck_assert_ptr_eq(hmap_del(&m, sv_cstr(keys[i])), keys[i]);
    ck_assert_ptr_null(hmap_get(&m, sv_cstr("proj-0")));
    ck_assert_ptr_null(hmap_del(&m, sv_cstr("proj-0")));
    static unsigned char seen[N];
    memset(seen, 0, sizeof seen);
    size_t pos = 0, n = 0;
    for (char *v; (v = hmap_next(&m, &pos)); n++) {
        int i = atoi(v + 5);
        ck_assert_int_eq(i % 2, 1);
        ck_assert_int_eq(seen[i]++, 0);
    }
    ck_assert_uint_eq(n, N / 2);
    hmap_free(&m);
}
END_TEST

Suite *suite_hmap(void)
{
    Suite *s = suite_create("hmap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_siphash_vectors);
    tcase_add_test(tc, test_hmap_many);
    suite_add_tcase(s, tc);
    return s;
}
