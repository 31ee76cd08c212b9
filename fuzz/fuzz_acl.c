/* SPDX-License-Identifier: MIT */
/* fuzz_acl.c: libFuzzer harness for the upload ACL file (acl_parse, acl_allows). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "acl.h"
#include "fuzzutil.h"
#include "name.h"

/* Input: a user line, a project line, then the ACL file. Checks: parsing
 * succeeds (only running out of memory may fail it) with at most one rule
 * per line; acl_allows gives the same answer for the project as written
 * and for its normal form, never allows an empty user or an invalid
 * project name, and a user allowed by the '*' rules only is allowed
 * whatever the user's name. */

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
    sv_t u = sv_split(&rest, '\n'), pr = sv_split(&rest, '\n');
    sv_t text = rest;
    char *user = fu_cstr(u.p, u.len), *project = fu_cstr(pr.p, pr.len);

    struct acl *a = NULL;
    FU_CHECK(acl_parse(text.p, text.len, "fuzz", &a) == PF_EOK && a);
    FU_CHECK(acl_rule_count(a) <= fu_count_lines(text) && acl_rule_count(a) <= ACL_MAX_RULES);

    bool allowed = acl_allows(a, user, project);
    FU_CHECK(!acl_allows(a, "", project) && !acl_allows(a, NULL, project) && !acl_allows(a, user, NULL));
    if (allowed)
        FU_CHECK(*user && name_is_valid(sv_cstr(project)));
    char norm[NAME_MAX_LEN + 1];
    if (name_is_valid(sv_cstr(project)) && name_normalize(sv_cstr(project), norm, sizeof norm))
        FU_CHECK(acl_allows(a, user, norm) == allowed);
    /* A user name no file can hold (a '\n' ends every line) only gets
     * what the '*' rules give, which every user also gets. */
    if (acl_allows(a, "no\nsuch user", project) && *user)
        FU_CHECK(allowed);

    acl_free(a);
    free(user);
    free(project);
    return 0;
}
