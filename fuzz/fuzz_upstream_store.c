/* SPDX-License-Identifier: MIT */
/* fuzz_upstream_store.c: libFuzzer harness for the upstream cache's page records (upstream_store_decode, _encode). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "digest.h"
#include "fuzzutil.h"
#include "upstream_store.h"

/* A record ends in "end <sha256 of the rest>\n", which random bytes never
 * match. So the first input byte picks the mode: odd, the rest of the
 * input is decoded as it is; even, it is the record without its end line,
 * which is appended here with the right checksum, so that the fuzzer
 * reaches the line and field readers. Checks: only PF_ECORRUPT (or
 * PF_ENOMEM) reports a bad record, with a printable message, and leaves
 * the record empty; a record that decodes encodes again to the very same
 * bytes (the format is canonical) with the same identity, and those bytes
 * decode to the same page. */

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool empty(const struct up_cached *c)
{
    static const struct up_cached zero;
    return memcmp(c, &zero, sizeof zero) == 0;
}

static void check_file(const struct up_file *f, const struct up_file *g)
{
    FU_CHECK(strcmp(f->filename, g->filename) == 0 && strcmp(f->url, g->url) == 0);
    FU_CHECK(f->has_sha256 == g->has_sha256 && strcmp(f->sha256, g->sha256) == 0);
    FU_CHECK(str_eq(f->requires_python, g->requires_python));
    FU_CHECK(f->yanked == g->yanked && str_eq(f->yank_reason, g->yank_reason));
    FU_CHECK(f->core_metadata == g->core_metadata && f->has_core_metadata_sha256 == g->has_core_metadata_sha256);
    FU_CHECK(strcmp(f->core_metadata_sha256, g->core_metadata_sha256) == 0);
    FU_CHECK(f->size == g->size && f->upload_time_usec == g->upload_time_usec);
    FU_CHECK(f->size >= -1 && f->upload_time_usec >= -1);
}

static void check_same(const struct up_cached *a, const struct up_cached *b)
{
    FU_CHECK(strcmp(a->page.name, b->page.name) == 0);
    FU_CHECK(str_eq(a->page_url, b->page_url) && a->page_url);
    FU_CHECK(str_eq(a->etag, b->etag) && str_eq(a->last_modified, b->last_modified));
    FU_CHECK(a->fetched_at == b->fetched_at && a->checked_at == b->checked_at);
    FU_CHECK(a->page.nskipped == b->page.nskipped && strcmp(a->page.skipped_why, b->page.skipped_why) == 0);
    FU_CHECK(a->page.nfiles == b->page.nfiles && a->page.nfiles <= UP_MAX_FILES);
    for (size_t i = 0; i < a->page.nfiles; i++)
        check_file(&a->page.files[i], &b->page.files[i]);
    FU_CHECK(a->page.has_versions == b->page.has_versions && a->page.nversions == b->page.nversions);
    for (size_t i = 0; i < a->page.nversions; i++)
        FU_CHECK(strcmp(a->page.versions[i], b->page.versions[i]) == 0);
    FU_CHECK(strcmp(a->record_sha256, b->record_sha256) == 0);
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
    buf_t rec, err;
    buf_init(&rec, size + 80);
    buf_init(&err, 4096);
    FU_CHECK(buf_append(&rec, data + 1, size - 1) == PF_EOK);
    if (!(data[0] & 1)) {
        char sum[DIGEST_HEX_LEN + 1];
        digest_sha256_hex(rec.p ? rec.p : "", rec.len, sum);
        FU_CHECK(buf_printf(&rec, "end %s\n", sum) == PF_EOK);
    }
    struct up_cached c;
    enum pf_err e = upstream_store_decode(rec.p ? rec.p : "", rec.len, &c, &err);
    FU_CHECK(e == PF_EOK || e == PF_ECORRUPT || e == PF_ENOMEM);
    if (e) {
        FU_CHECK(empty(&c) && err.len);
        for (size_t i = 0; i < err.len; i++)
            FU_CHECK(err.p[i] >= ' ' && err.p[i] < 127);
    } else {
        char *enc = NULL, sum[DIGEST_HEX_LEN + 1];
        size_t enclen = 0;
        FU_CHECK(upstream_store_encode(&c, &enc, &enclen, sum, &err) == PF_EOK);
        FU_CHECK(enclen == rec.len && memcmp(enc, rec.p, enclen) == 0);
        FU_CHECK(strcmp(sum, c.record_sha256) == 0);
        struct up_cached again;
        FU_CHECK(upstream_store_decode(enc, enclen, &again, &err) == PF_EOK);
        check_same(&c, &again);
        up_cached_free(&again);
        free(enc);
        up_cached_free(&c);
        FU_CHECK(empty(&c));
    }
    buf_free(&err);
    buf_free(&rec);
    return 0;
}
