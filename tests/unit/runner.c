/* SPDX-License-Identifier: MIT */
/* runner.c: runs every unit-test suite (or those named on the command line). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "suites.h"

struct entry {
    const char *name;
    Suite *(*make)(void);
};

#define PF_SUITE_ENTRY(n) { #n, suite_##n },
static const struct entry all[] = { PF_SUITES(PF_SUITE_ENTRY) };
#undef PF_SUITE_ENTRY

int main(int argc, char **argv)
{
    SRunner *sr = NULL;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            if (strcmp(argv[a], all[i].name) == 0)
                wanted = 1;
        if (!wanted)
            continue;
        if (!sr)
            sr = srunner_create(all[i].make());
        else
            srunner_add_suite(sr, all[i].make());
    }
    if (!sr) {
        fprintf(stderr, "no such suite\n");
        return 2;
    }
    srunner_run_all(sr, CK_NORMAL);
    int run = srunner_ntests_run(sr);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    printf("unit: %d passed, %d failed\n", run - failed, failed);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
