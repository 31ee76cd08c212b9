/* SPDX-License-Identifier: MIT */
/* fuzz_htpasswd.c: libFuzzer harness for htpasswd files (htpasswd_parse, htpasswd_check, htpasswd_verify_hash). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "fuzzutil.h"
#include "htpasswd.h"

/* Input: a user name line, a password line, then the file. Checks: parsing
 * succeeds (only running out of memory may fail it) and counts at most one
 * usable user per line; htpasswd_verify_hash of each line's hash gives one
 * of the three results; and htpasswd_check(user, password) answers true
 * exactly when the first line of that user, found here by the rules of
 * htpasswd.h (written out independently), has a hash that
 * htpasswd_verify_hash matches.
 *
 * Password checks run only when every bcrypt cost in the input is at most
 * 6 and every SHA-crypt "rounds=" at most 20000: an htpasswd file is the
 * administrator's, and a cost-31 bcrypt line there is slow by design, not
 * a bug (it would only make the fuzzer time out). */

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool cheap(sv_t t)
{
    for (size_t i = 0; i + 7 <= t.len; i++) {
        const char *p = t.p + i;
        if (p[0] == '$' && p[1] == '2' && p[3] == '$' && digit(p[4]) && digit(p[5]) &&
            (p[4] - '0') * 10 + (p[5] - '0') > 6)
            return false;
        if (memcmp(p, "rounds=", 7) == 0) {
            size_t j = 7;
            unsigned long n = 0;
            while (i + j < t.len && digit(p[j]) && n <= 20000)
                n = n * 10 + (unsigned long)(p[j++] - '0');
            if (n > 20000)
                return false;
        }
    }
    return true;
}

/* One line of the file as htpasswd.h describes it: user and hash, or false
 * for a line that names no user (blank, comment, malformed). */
static bool spec_line(sv_t line, sv_t *user, sv_t *hash)
{
    if (line.len > HTPASSWD_MAX_LINE)
        return false;
    if (line.len && line.p[line.len - 1] == '\r')
        line.len--;
    line = sv_trim(line);
    if (line.len == 0 || line.p[0] == '#' || memchr(line.p, '\0', line.len))
        return false;
    long colon = sv_index(line, ':');
    if (colon <= 0 || (size_t)colon > HTPASSWD_MAX_USER)
        return false;
    *user = sv_make(line.p, (size_t)colon);
    sv_t rest = sv_make(line.p + colon + 1, line.len - (size_t)colon - 1);
    *hash = sv_split(&rest, ':');
    return true;
}

static void verify_all(sv_t text, const char *password)
{
    sv_t t = text, user, hash;
    while (t.len) {
        if (!spec_line(sv_split(&t, '\n'), &user, &hash))
            continue;
        char *h = fu_cstr(hash.p, hash.len);
        enum htpasswd_result r = htpasswd_verify_hash(h, password);
        FU_CHECK(r == HTPASSWD_MATCH || r == HTPASSWD_MISMATCH || r == HTPASSWD_UNSUPPORTED);
        free(h);
    }
}

/* Whether user logs in with password, by the rules of htpasswd.h. */
static bool spec_check(sv_t text, const char *user, const char *password)
{
    sv_t t = text, u, hash;
    while (t.len) {
        if (!spec_line(sv_split(&t, '\n'), &u, &hash) || !sv_eq(u, sv_cstr(user)))
            continue;
        char *h = fu_cstr(hash.p, hash.len);
        bool ok = htpasswd_verify_hash(h, password) == HTPASSWD_MATCH;
        free(h);
        return ok; /* the first line of a user wins */
    }
    return false;
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
    sv_t rest = sv_make((const char *)data, size);
    sv_t u = sv_split(&rest, '\n'), pw = sv_split(&rest, '\n');
    sv_t text = rest;
    char *user = fu_cstr(u.p, u.len), *password = fu_cstr(pw.p, pw.len);

    struct htpasswd *h = NULL;
    FU_CHECK(htpasswd_parse(text.p, text.len, "fuzz", &h) == PF_EOK && h);
    FU_CHECK(htpasswd_count(h) <= fu_count_lines(text));
    FU_CHECK(!htpasswd_check(h, NULL, password) && !htpasswd_check(h, user, NULL));
    if (cheap(sv_make((const char *)data, size))) {
        verify_all(text, password);
        bool ok = htpasswd_check(h, user, password);
        FU_CHECK(ok == spec_check(text, user, password));
    }
    htpasswd_free(h);
    free(user);
    free(password);
    return 0;
}
