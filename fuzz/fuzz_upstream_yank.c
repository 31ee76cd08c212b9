/* SPDX-License-Identifier: MIT */
/* fuzz_upstream_yank.c: libFuzzer harness for the lists of this index's yanks of upstream files (up_yanks_decode,
 * _encode). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "distfile.h"
#include "fuzzutil.h"
#include "upstream_page.h"
#include "upstream_store_int.h"
#include "upstream_yank.h"

/* The input is decoded as the list of the project demo-pkg. Checks: only
 * PF_ECORRUPT (or PF_ENOMEM) reports a bad list, with a printable
 * message, and leaves the list empty; a list that decodes holds at most
 * UPYANK_MAX_FILES marks, their filenames files of demo-pkg in strictly
 * ascending byte order, each found by up_yanks_find, their reasons absent
 * or non-empty UTF-8 of at most UP_MAX_TEXT bytes; it encodes again to the
 * very same bytes (the format is canonical), and those decode to the same
 * list. */

#define NORM "demo-pkg"

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_list(const struct up_yanks *y)
{
    FU_CHECK(y->n <= UPYANK_MAX_FILES && (y->n == 0 || y->v));
    for (size_t i = 0; i < y->n; i++) {
        const struct up_yank *m = &y->v[i];
        distfile_t df;
        FU_CHECK(m->filename && strlen(m->filename) <= DISTFILE_MAX_LEN);
        FU_CHECK(distfile_parse(sv_cstr(m->filename), &df) == PF_EOK && strcmp(df.project, NORM) == 0);
        FU_CHECK(i == 0 || strcmp(y->v[i - 1].filename, m->filename) < 0);
        FU_CHECK(up_yanks_find(y, m->filename) == m);
        if (m->reason)
            FU_CHECK(*m->reason && strlen(m->reason) <= UP_MAX_TEXT && upstore_utf8_ok(m->reason));
    }
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
    /* An exact copy, so that a read past the end is caught. */
    char *in = malloc(size ? size : 1);
    FU_CHECK(in != NULL);
    memcpy(in, data, size);
    buf_t err;
    buf_init(&err, 4096);
    struct up_yanks y;
    enum pf_err e = up_yanks_decode(in, size, NORM, &y, &err);
    FU_CHECK(e == PF_EOK || e == PF_ECORRUPT || e == PF_ENOMEM);
    if (e) {
        FU_CHECK(y.n == 0 && y.v == NULL && err.len);
        for (size_t i = 0; i < err.len; i++)
            FU_CHECK(err.p[i] >= ' ' && err.p[i] < 127);
    } else {
        check_list(&y);
        char *enc = NULL;
        size_t enclen = 0;
        FU_CHECK(up_yanks_encode(&y, NORM, &enc, &enclen, &err) == PF_EOK);
        FU_CHECK(enclen == size && memcmp(enc, in, size) == 0);
        struct up_yanks again;
        FU_CHECK(up_yanks_decode(enc, enclen, NORM, &again, &err) == PF_EOK);
        FU_CHECK(again.n == y.n);
        for (size_t i = 0; i < y.n; i++)
            FU_CHECK(strcmp(again.v[i].filename, y.v[i].filename) == 0 && str_eq(again.v[i].reason, y.v[i].reason));
        /* The list of another project it is not. */
        struct up_yanks other;
        FU_CHECK(up_yanks_decode(in, size, "other", &other, &err) == PF_ECORRUPT && other.n == 0 && !other.v);
        up_yanks_free(&again);
        free(enc);
        up_yanks_free(&y);
        FU_CHECK(y.n == 0 && y.v == NULL);
    }
    buf_free(&err);
    free(in);
    return 0;
}
