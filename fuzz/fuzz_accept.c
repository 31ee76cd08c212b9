/* SPDX-License-Identifier: MIT */
/* fuzz_accept.c: libFuzzer harness for the Accept header (accept_negotiate). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "accept.h"
#include "fuzzutil.h"

/* The input is the header value (up to its first NUL, as a CGI parameter
 * is). Checks: the answer is one of the enum values; negotiation does not
 * depend on letter case nor, for headers under both caps, on the order of
 * the elements (the most specific range decides, ties go by offer order). */

static bool valid(enum accept_type t)
{
    return t == ACCEPT_NONE || t == ACCEPT_TEXT_HTML || t == ACCEPT_V1_HTML || t == ACCEPT_V1_JSON;
}

/* The elements of h joined in reverse order; NULL when h has more than
 * ACCEPT_MAX_ELEMENTS of them (the cap cuts the two orders differently). */
static char *reversed(const char *h, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += h[i] == ',';
    if (n > ACCEPT_MAX_ELEMENTS)
        return NULL;
    char *out = malloc(len + 1);
    if (!out)
        abort();
    size_t o = 0, end = len;
    for (size_t i = len + 1; i-- > 0;) {
        if (i == 0 || h[i - 1] == ',') {
            memcpy(out + o, h + i, end - i);
            o += end - i;
            if (i > 0)
                out[o++] = ',';
            end = i ? i - 1 : 0;
        }
    }
    out[o] = '\0';
    FU_CHECK(o == len);
    return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *h = fu_cstr(data, size);
    size_t len = strlen(h);
    enum accept_type t = accept_negotiate(h);
    FU_CHECK(valid(t));
    FU_CHECK(accept_content_type(t) != NULL);

    if (len <= ACCEPT_MAX_LEN) {
        char *up = fu_cstr(h, len);
        for (char *p = up; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        FU_CHECK(accept_negotiate(up) == t);
        free(up);
        char *rev = reversed(h, len);
        if (rev) {
            FU_CHECK(accept_negotiate(rev) == t);
            free(rev);
        }
    }
    free(h);
    return 0;
}
