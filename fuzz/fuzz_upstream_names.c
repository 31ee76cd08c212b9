/* SPDX-License-Identifier: MIT */
/* fuzz_upstream_names.c: libFuzzer harness for the names kept from upstream (up_patterns_parse, up_names_verdict). */
#include "config.h"
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "fuzzutil.h"
#include "name.h"
#include "upstream_names.h"

/* Input: a name line, then a claims file. Checks: parsing never fails but
 * for a refused pattern (PF_EINVAL) or a cap (PF_ETOOBIG), with a one-line
 * message that starts with the file's name; an accepted file has at most
 * one pattern per line, each a normal form (lowercase letters, digits,
 * '-' inside, '*', '?'; 1 to UPN_MAX_PATTERN bytes) that normalizes to
 * itself; every wildcard-free pattern, as a name, is CLAIMED by exactly
 * itself; the name's verdict is the same twice, the same for the name as
 * written and its normal form, INVALID exactly when it is no valid project
 * name, and CLAIMED exactly when fnmatch(3) finds a pattern that matches
 * it; the same list used as claims, deny and allow list gives the verdicts
 * in the order claims, deny, allow. The name line read as an option value
 * is accepted exactly when up_pattern_normalize accepts it. */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    return 0;
}

static bool normal_pattern(const char *p)
{
    size_t len = strlen(p);
    if (len == 0 || len > UPN_MAX_PATTERN || p[0] == '-' || p[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '*' || c == '?'))
            return false;
        if (c == '-' && p[i - 1] == '-')
            return false;
    }
    return true;
}

static void check_patterns(const struct up_patterns *p, sv_t text)
{
    char again[UPN_MAX_PATTERN + 1], pat[UPN_MAX_PATTERN + 1];
    buf_t why;
    buf_init(&why, UPN_MAX_MSG);
    size_t n = up_patterns_count(p);
    FU_CHECK(n <= fu_count_lines(text) && n <= UPN_MAX_PATTERNS);
    FU_CHECK(up_patterns_at(p, n) == NULL);
    for (size_t i = 0; i < n; i++) {
        const char *s = up_patterns_at(p, i);
        FU_CHECK(s && normal_pattern(s));
        FU_CHECK(up_pattern_normalize(sv_cstr(s), again, sizeof again, &why) == PF_EOK && strcmp(again, s) == 0);
        if (strpbrk(s, "*?"))
            continue;
        /* A literal pattern is a normalized project name, claimed by
         * itself. */
        FU_CHECK(name_is_normalized(sv_cstr(s)));
        FU_CHECK(up_names_verdict(p, NULL, NULL, s, pat, sizeof pat) == UP_NAME_CLAIMED && strcmp(pat, s) == 0);
        FU_CHECK(strcmp(up_patterns_match(p, s), s) == 0);
    }
    buf_free(&why);
}

/* The verdicts on name with p as claims, and as the other lists. */
static void check_name(const struct up_patterns *p, const char *name)
{
    char pat[UPN_MAX_PATTERN + 1], pat2[UPN_MAX_PATTERN + 1], norm[NAME_MAX_LEN + 1];
    enum up_name_verdict v = up_names_verdict(p, NULL, NULL, name, pat, sizeof pat);
    FU_CHECK(up_names_verdict(p, NULL, NULL, name, pat2, sizeof pat2) == v && strcmp(pat, pat2) == 0);
    bool valid = name_is_valid(sv_cstr(name));
    FU_CHECK((v == UP_NAME_INVALID) == !valid);
    if (!valid) {
        FU_CHECK(!*pat);
        return;
    }
    FU_CHECK(v == UP_NAME_CLAIMED || v == UP_NAME_UPSTREAM_OK);
    FU_CHECK(name_normalize(sv_cstr(name), norm, sizeof norm) > 0);
    FU_CHECK(up_names_verdict(p, NULL, NULL, norm, pat2, sizeof pat2) == v && strcmp(pat, pat2) == 0);
    /* fnmatch over every pattern, without the exact-name lookup. */
    bool any = false;
    for (size_t i = 0; i < up_patterns_count(p) && !any; i++)
        any = fnmatch(up_patterns_at(p, i), norm, 0) == 0;
    FU_CHECK((v == UP_NAME_CLAIMED) == any);
    if (any)
        FU_CHECK(fnmatch(pat, norm, 0) == 0);
    else
        FU_CHECK(!*pat);
    /* The order: claims, deny, allow. */
    bool some = up_patterns_count(p) > 0;
    FU_CHECK(up_names_verdict(NULL, p, NULL, name, pat2, sizeof pat2) ==
             (any ? UP_NAME_DENIED : UP_NAME_UPSTREAM_OK) && strcmp(pat, pat2) == 0);
    FU_CHECK(up_names_verdict(NULL, NULL, p, name, pat2, sizeof pat2) ==
             (any || !some ? UP_NAME_UPSTREAM_OK : UP_NAME_NOT_ALLOWED) && strcmp(pat, pat2) == 0);
    FU_CHECK(up_names_verdict(p, p, p, name, NULL, 0) == (any ? UP_NAME_CLAIMED : some ? UP_NAME_NOT_ALLOWED
                                                                                      : UP_NAME_UPSTREAM_OK));
    FU_CHECK(up_names_verdict(NULL, p, p, name, NULL, 0) == (any ? UP_NAME_DENIED : some ? UP_NAME_NOT_ALLOWED
                                                                                        : UP_NAME_UPSTREAM_OK));
}

/* The name line as an option value. */
static void check_option(sv_t line, const char *value)
{
    char out[UPN_MAX_PATTERN + 1];
    buf_t why, err;
    buf_init(&why, UPN_MAX_MSG);
    buf_init(&err, UPN_MAX_MSG + 128);
    struct up_patterns *p = NULL;
    /* A NUL ends an option value (a C string). */
    sv_t v = sv_make(line.p, strnlen(line.p, line.len));
    enum pf_err e1 = up_pattern_normalize(v, out, sizeof out, &why);
    const char *values[] = { value };
    enum pf_err e2 = up_patterns_from_list(values, 1, "opt", &p, &err);
    FU_CHECK(e1 == e2);
    if (e2 == PF_EOK) {
        FU_CHECK(up_patterns_count(p) == 1 && strcmp(up_patterns_at(p, 0), out) == 0);
        if (!strpbrk(out, "*?"))
            FU_CHECK(up_names_verdict(p, NULL, NULL, value, NULL, 0) == UP_NAME_CLAIMED);
        up_patterns_free(p);
    } else {
        FU_CHECK(e2 == PF_EINVAL && strncmp(err.p, "opt '", 5) == 0 && !strchr(err.p, '\n'));
    }
    buf_free(&why);
    buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sv_t rest = sv_make((const char *)data, size);
    sv_t line = sv_split(&rest, '\n');
    sv_t text = rest;
    char *name = fu_cstr(line.p, line.len);

    struct up_patterns *p = NULL;
    buf_t err;
    buf_init(&err, UPN_MAX_MSG + 128);
    enum pf_err e = up_patterns_parse(text.p, text.len, "fuzz", &p, &err);
    if (e == PF_EOK) {
        check_patterns(p, text);
        check_name(p, name);
        up_patterns_free(p);
    } else {
        FU_CHECK(e == PF_EINVAL || e == PF_ETOOBIG);
        FU_CHECK(err.p && strncmp(err.p, "fuzz:", 5) == 0 && !strchr(err.p, '\n'));
        /* No claims at all. */
        FU_CHECK(up_names_verdict(NULL, NULL, NULL, name, NULL, 0) ==
                 (name_is_valid(sv_cstr(name)) ? UP_NAME_UPSTREAM_OK : UP_NAME_INVALID));
    }
    check_option(line, name);

    buf_free(&err);
    free(name);
    return 0;
}
