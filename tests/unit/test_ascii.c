/* SPDX-License-Identifier: MIT */
/* test_ascii.c: unit tests for ascii.h, against <ctype.h> in the C locale
 * for every byte value. */
#include <check.h>
#include <ctype.h>
#include <locale.h>
#include "ascii.h"
#include "suites.h"

START_TEST(test_ascii_matches_c_locale)
{
    /* The C locale's classes are exactly ASCII's; bytes of 0x80 and above
     * (a negative char on this ABI) are in none of them. */
    ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C"));
    for (int i = 0; i < 256; i++) {
        char c = (char)i;
        ck_assert_msg(ascii_isdigit(c) == (isdigit(i) != 0), "isdigit %d", i);
        ck_assert_msg(ascii_islower(c) == (islower(i) != 0), "islower %d", i);
        ck_assert_msg(ascii_isupper(c) == (isupper(i) != 0), "isupper %d", i);
        ck_assert_msg(ascii_isalpha(c) == (isalpha(i) != 0), "isalpha %d", i);
        ck_assert_msg(ascii_isalnum(c) == (isalnum(i) != 0), "isalnum %d", i);
        ck_assert_msg((unsigned char)ascii_tolower(c) == (unsigned char)tolower(i), "tolower %d", i);
        int want = isxdigit(i) ? (isdigit(i) ? i - '0' : tolower(i) - 'a' + 10) : -1;
        ck_assert_msg(ascii_hexval(c) == want, "hexval %d", i);
        ck_assert_msg(ascii_islowerhex(c) == (isxdigit(i) && !isupper(i)), "islowerhex %d", i);
    }
}
END_TEST

Suite *suite_ascii(void)
{
    Suite *s = suite_create("ascii");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ascii_matches_c_locale);
    suite_add_tcase(s, tc);
    return s;
}
