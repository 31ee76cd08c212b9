/* SPDX-License-Identifier: MIT */
/* test_vec.c: unit tests for vec.h (growing arrays). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include "suites.h"
#include "vec.h"

/* Growth keeps what was there, doubles from the first size, and does not
 * reallocate while there is room. */
START_TEST(test_vec_grows_and_keeps)
{
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 1000; i++) {
        int *before = v;
        size_t cap_before = cap;
        ck_assert_int_eq(vec_reserve(&v, &cap, n, sizeof *v, 4), PF_EOK);
        if (n < cap_before)
            ck_assert(v == before && cap == cap_before);
        else
            ck_assert_uint_eq(cap, cap_before ? cap_before * 2 : 4);
        ck_assert_uint_gt(cap, n);
        v[n++] = i;
    }
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(v[i], i);
    free(v);
}
END_TEST

/* A size that would overflow fails and leaves the array as it was. */
START_TEST(test_vec_overflow_leaves_array)
{
    char *v = malloc(4);
    ck_assert_ptr_nonnull(v);
    v[0] = 'x';
    size_t cap = SIZE_MAX / 2 + 1;
    ck_assert_int_eq(vec_reserve(&v, &cap, cap, 1, 4), PF_ENOMEM);
    ck_assert_uint_eq(cap, SIZE_MAX / 2 + 1);
    ck_assert_int_eq(v[0], 'x');
    size_t cap2 = 4;
    ck_assert_int_eq(vec_reserve(&v, &cap2, 4, SIZE_MAX / 4, 4), PF_ENOMEM);
    ck_assert_uint_eq(cap2, 4);
    ck_assert_int_eq(v[0], 'x');
    free(v);
}
END_TEST

Suite *suite_vec(void)
{
    Suite *s = suite_create("vec");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_vec_grows_and_keeps);
    tcase_add_test(tc, test_vec_overflow_leaves_array);
    suite_add_tcase(s, tc);
    return s;
}
