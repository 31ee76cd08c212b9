/* SPDX-License-Identifier: MIT */
/* test_bodyrate.c: the floor on a body's arrival rate, on a made-up clock. */
#include "config.h"
#include <check.h>
#include "bodyrate.h"
#include "suites.h"

/* 1000 B/s over 10 s windows: 10,000 bytes per window pass, fewer fail. */
START_TEST(test_bodyrate_window)
{
    struct bodyrate r;
    bodyrate_start(&r, 1000, 10000, 5000);
    /* Within the first window nothing is judged, however little came. */
    ck_assert(bodyrate_ok(&r, 0, 5000));
    ck_assert(bodyrate_ok(&r, 1, 14999));
    /* The window is over: 10,000 bytes are enough. */
    ck_assert(bodyrate_ok(&r, 10000, 15000));
    /* The next window starts there and is judged on its own bytes: the
     * 10,000 of the first do not carry over. */
    ck_assert(bodyrate_ok(&r, 10500, 20000));
    ck_assert(!bodyrate_ok(&r, 19999, 25000));
}
END_TEST

/* A burst, then a trickle: the trickle fails one window after the burst's
 * window, whatever the burst's size (an average over the whole upload would
 * let a large burst buy hours). */
START_TEST(test_bodyrate_burst_then_trickle)
{
    struct bodyrate r;
    bodyrate_start(&r, 16384, 60000, 0);
    uint64_t total = 1ull << 30;
    ck_assert(bodyrate_ok(&r, total, 60000));
    int64_t now = 60000;
    bool ok = true;
    for (int i = 0; i < 120 && ok; i++) {
        now += 1000;
        total += 600; /* 600 B/s */
        ok = bodyrate_ok(&r, total, now);
    }
    ck_assert(!ok);
    ck_assert_int_eq(now, 120000);
}
END_TEST

/* One read that blocked past several windows is judged over all of them. */
START_TEST(test_bodyrate_long_read)
{
    struct bodyrate r;
    bodyrate_start(&r, 100, 1000, 0);
    ck_assert(!bodyrate_ok(&r, 250, 3000));
    bodyrate_start(&r, 100, 1000, 0);
    ck_assert(bodyrate_ok(&r, 300, 3000));
}
END_TEST

/* Floors that are not a multiple of 1000, and no floor. */
START_TEST(test_bodyrate_odd_floor)
{
    struct bodyrate r;
    bodyrate_start(&r, 1500, 2000, 0);
    ck_assert(!bodyrate_ok(&r, 2999, 2000));
    bodyrate_start(&r, 1500, 2000, 0);
    ck_assert(bodyrate_ok(&r, 3000, 2000));
    bodyrate_start(&r, 0, 1000, 0);
    ck_assert(bodyrate_ok(&r, 0, 1000000));
    /* A zero window is taken as 1 ms, never a division by it. */
    bodyrate_start(&r, 1000, 0, 0);
    ck_assert(bodyrate_ok(&r, 1, 1));
}
END_TEST

Suite *suite_bodyrate(void)
{
    Suite *s = suite_create("bodyrate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_bodyrate_window);
    tcase_add_test(tc, test_bodyrate_burst_then_trickle);
    tcase_add_test(tc, test_bodyrate_long_read);
    tcase_add_test(tc, test_bodyrate_odd_floor);
    suite_add_tcase(s, tc);
    return s;
}
