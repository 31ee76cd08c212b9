/* SPDX-License-Identifier: MIT */
/* fuzz_distfile.c: libFuzzer harness for distribution filenames and project names (distfile_parse, name_*). */
#include "config.h"
#include <string.h>
#include "buf.h"
#include "distfile.h"
#include "fuzzutil.h"
#include "name.h"
#include "version.h"

/* The input is a filename. Checks, when distfile_parse accepts it: its
 * suffix is known, its bytes are in the allowed set, every part is a view
 * into the filename and the parts put back together give the filename,
 * no wheel component holds a '-', the name is a valid project name whose
 * normal form is the project (and is normalized), and the version parses
 * to the one stored. On the input as a project name: normalization is
 * idempotent, and a valid name normalizes to a normalized name. */

static bool inside(sv_t part, sv_t whole)
{
    return part.p >= whole.p && part.p + part.len <= whole.p + whole.len;
}

static void check_name(sv_t name)
{
    char norm[NAME_MAX_LEN + 1], again[NAME_MAX_LEN + 1];
    size_t n = name_normalize(name, norm, sizeof norm);
    bool valid = name_is_valid(name);
    if (valid)
        FU_CHECK(n > 0 && strlen(norm) == n && name_is_normalized(sv_make(norm, n)));
    if (n > 0) {
        /* Idempotent on anything, valid or not. */
        FU_CHECK(name_normalize(sv_make(norm, n), again, sizeof again) == n);
        FU_CHECK(memcmp(norm, again, n) == 0);
    }
    if (name_is_normalized(name) && name.len <= NAME_MAX_LEN) {
        FU_CHECK(n == name.len && memcmp(norm, name.p, n) == 0);
        FU_CHECK(valid);
    }
}

static void check_parts(sv_t fn, const distfile_t *d)
{
    FU_CHECK(distfile_has_known_suffix(fn));
    FU_CHECK(fn.len <= DISTFILE_MAX_LEN);
    FU_CHECK(inside(d->name, fn) && inside(d->version, fn) && inside(d->ext, fn) && inside(d->build, fn) &&
             inside(d->python_tag, fn) && inside(d->abi_tag, fn) && inside(d->platform_tag, fn));
    FU_CHECK(name_is_valid(d->name));
    char norm[NAME_MAX_LEN + 1];
    FU_CHECK(name_normalize(d->name, norm, sizeof norm) > 0 && strcmp(norm, d->project) == 0);
    FU_CHECK(name_is_normalized(sv_cstr(d->project)));
    version_t v;
    FU_CHECK(version_parse(d->version, &v) == PF_EOK && version_cmp(&v, &d->ver) == 0);

    buf_t b;
    buf_init(&b, 2 * DISTFILE_MAX_LEN);
    FU_CHECK(buf_append_sv(&b, d->name) == PF_EOK && buf_append_char(&b, '-') == PF_EOK &&
             buf_append_sv(&b, d->version) == PF_EOK);
    if (d->kind == DISTFILE_WHEEL) {
        FU_CHECK(sv_eq(d->ext, SV_LIT(".whl")));
        FU_CHECK(d->python_tag.len && d->abi_tag.len && d->platform_tag.len);
        sv_t parts[] = { d->name, d->version, d->build, d->python_tag, d->abi_tag, d->platform_tag };
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            FU_CHECK(parts[i].len == 0 || memchr(parts[i].p, '-', parts[i].len) == NULL);
        if (d->build.len) {
            FU_CHECK(d->build.p[0] >= '0' && d->build.p[0] <= '9');
            FU_CHECK(buf_append_char(&b, '-') == PF_EOK && buf_append_sv(&b, d->build) == PF_EOK);
        }
        FU_CHECK(buf_append_char(&b, '-') == PF_EOK && buf_append_sv(&b, d->python_tag) == PF_EOK &&
                 buf_append_char(&b, '-') == PF_EOK && buf_append_sv(&b, d->abi_tag) == PF_EOK &&
                 buf_append_char(&b, '-') == PF_EOK && buf_append_sv(&b, d->platform_tag) == PF_EOK);
    } else {
        FU_CHECK(d->kind == DISTFILE_SDIST);
        FU_CHECK(!sv_eq(d->ext, SV_LIT(".whl")));
        FU_CHECK(d->version.len == 0 || memchr(d->version.p, '-', d->version.len) == NULL);
        FU_CHECK(d->build.len == 0 && d->python_tag.len == 0 && d->abi_tag.len == 0 && d->platform_tag.len == 0);
    }
    FU_CHECK(buf_append_sv(&b, d->ext) == PF_EOK);
    FU_CHECK(sv_eq(buf_sv(&b), fn));
    buf_free(&b);
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
    sv_t fn = sv_make((const char *)data, size);
    distfile_t d;
    if (distfile_parse(fn, &d) == PF_EOK)
        check_parts(fn, &d);
    check_name(fn);
    return 0;
}
