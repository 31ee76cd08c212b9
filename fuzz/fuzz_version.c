/* SPDX-License-Identifier: MIT */
/* fuzz_version.c: libFuzzer harness for PEP 440 versions (version_parse, _normalize, _cmp). */
#include "config.h"
#include <string.h>
#include "buf.h"
#include "fuzzutil.h"
#include "version.h"

/* The input is up to three versions, one per line. Checks, for each that
 * parses: its normal form fits VERSION_MAX_LEN, parses again to an equal
 * version with the same pre-release status, and is its own normal form;
 * and across them: version_cmp is reflexive, antisymmetric and transitive,
 * agrees with the comparison of the normal forms, and versions with the
 * same normal form compare equal. */

#define NV 3

struct pv {
    bool ok;
    version_t v;
    buf_t norm; /* the normal form */
    version_t nv; /* the normal form, parsed (points into norm) */
};

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

static void one(sv_t s, struct pv *p)
{
    buf_init(&p->norm, 4 * VERSION_MAX_LEN);
    p->ok = version_parse(s, &p->v) == PF_EOK;
    if (!p->ok)
        return;
    FU_CHECK(version_cmp(&p->v, &p->v) == 0);
    FU_CHECK(version_normalize(&p->v, &p->norm) == PF_EOK);
    FU_CHECK(p->norm.len > 0 && p->norm.len <= VERSION_MAX_LEN);
    FU_CHECK(version_parse(buf_sv(&p->norm), &p->nv) == PF_EOK);
    FU_CHECK(version_cmp(&p->v, &p->nv) == 0);
    FU_CHECK(version_cmp(&p->nv, &p->v) == 0);
    FU_CHECK(version_is_prerelease(&p->v) == version_is_prerelease(&p->nv));
    buf_t again;
    buf_init(&again, 4 * VERSION_MAX_LEN);
    FU_CHECK(version_normalize(&p->nv, &again) == PF_EOK);
    FU_CHECK(sv_eq(buf_sv(&again), buf_sv(&p->norm)));
    buf_free(&again);
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
    sv_t rest = sv_make((const char *)data, size), s[NV];
    size_t n = 0;
    for (;;) {
        if (n == NV - 1) {
            /* The last takes the rest: version_parse strips surrounding
             * whitespace, '\n' included, so it may still parse. */
            s[n++] = rest;
            break;
        }
        s[n++] = sv_split(&rest, '\n');
        if (!rest.len)
            break;
    }
    struct pv p[NV];
    for (size_t i = 0; i < n; i++)
        one(s[i], &p[i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (!p[i].ok || !p[j].ok)
                continue;
            int c = sign(version_cmp(&p[i].v, &p[j].v));
            FU_CHECK(c == -sign(version_cmp(&p[j].v, &p[i].v)));
            FU_CHECK(c == sign(version_cmp(&p[i].nv, &p[j].nv)));
            if (sv_eq(buf_sv(&p[i].norm), buf_sv(&p[j].norm)))
                FU_CHECK(c == 0);
            for (size_t k = 0; k < n; k++) {
                if (!p[k].ok)
                    continue;
                if (c <= 0 && version_cmp(&p[j].v, &p[k].v) <= 0)
                    FU_CHECK(version_cmp(&p[i].v, &p[k].v) <= 0);
            }
        }
    for (size_t i = 0; i < n; i++)
        buf_free(&p[i].norm);
    return 0;
}
