/* SPDX-License-Identifier: MIT */
/* fuzz_sidecar.c: libFuzzer harness for the sidecar record format (sidecar_decode, sidecar_encode). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "digest.h"
#include "fuzzutil.h"
#include "sidecar.h"

/* A record ends in "end <sha256 of the rest>\n", which random bytes never
 * match. So the first input byte picks the mode: odd, the rest of the
 * input is decoded as it is; even, it is the record without its "end"
 * line, which is appended here with the right checksum, so the fuzzer
 * reaches the field parsers. Checks: only PF_ECORRUPT (or PF_ENOMEM)
 * reports a bad record, and a failed decode leaves the record zeroed; a
 * decoded record encodes, and that encoding decodes to the same record. */

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool zeroed(const sidecar_t *r)
{
    static const sidecar_t zero;
    return memcmp(r, &zero, sizeof zero) == 0;
}

static void check_same(const sidecar_t *a, const sidecar_t *b)
{
    FU_CHECK(a->size == b->size && a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec);
    FU_CHECK(strcmp(a->sha256, b->sha256) == 0);
    FU_CHECK(a->first_seen_usec == b->first_seen_usec);
    FU_CHECK(str_eq(a->requires_python, b->requires_python));
    FU_CHECK(a->yanked == b->yanked);
    /* A reason is only kept (and written) for a yanked file. */
    if (a->yanked)
        FU_CHECK(str_eq(a->yank_reason, b->yank_reason));
    FU_CHECK(str_eq(a->uploader, b->uploader));
    FU_CHECK(a->has_ident == b->has_ident);
    if (a->has_ident)
        FU_CHECK(a->ino == b->ino && a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec);
    FU_CHECK(a->has_metadata == b->has_metadata);
    if (a->has_metadata)
        FU_CHECK(a->metadata_len == b->metadata_len && strcmp(a->metadata_sha256, b->metadata_sha256) == 0);
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
    if (size < 1)
        return 0;
    buf_t rec;
    buf_init(&rec, (size_t)SIDECAR_MAX_REC * 2);
    if (buf_append(&rec, data + 1, size - 1) != PF_EOK) {
        buf_free(&rec);
        return 0;
    }
    if (!(data[0] & 1)) {
        char sum[DIGEST_HEX_LEN + 1];
        digest_sha256_hex(rec.p ? rec.p : "", rec.len, sum);
        FU_CHECK(buf_printf(&rec, "end %s\n", sum) == PF_EOK);
    }
    sidecar_t r;
    enum pf_err e = sidecar_decode(rec.p ? rec.p : "", rec.len, &r);
    FU_CHECK(e == PF_EOK || e == PF_ECORRUPT || e == PF_ENOMEM);
    if (e) {
        FU_CHECK(zeroed(&r));
    } else {
        char *enc = NULL;
        size_t enclen = 0;
        FU_CHECK(sidecar_encode(&r, &enc, &enclen) == PF_EOK);
        sidecar_t again;
        FU_CHECK(sidecar_decode(enc, enclen, &again) == PF_EOK);
        check_same(&r, &again);
        sidecar_clear(&again);
        free(enc);
        sidecar_clear(&r);
    }
    buf_free(&rec);
    return 0;
}
