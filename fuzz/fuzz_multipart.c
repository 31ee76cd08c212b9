/* SPDX-License-Identifier: MIT */
/* fuzz_multipart.c: libFuzzer harness for the streaming multipart parser (mp_boundary, mp_feed, mp_finish). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "fuzzutil.h"
#include "multipart.h"

/* Input: two control bytes, then a Content-Type value up to the first
 * '\n', then the body. The body is parsed three ways: in one piece; split
 * at a position taken from control byte 0 with each side fed in chunk
 * sizes drawn from control byte 1; and, for small bodies, one byte at a
 * time. The callbacks write what they see to a log in a form independent
 * of chunking (consecutive data merged), and the logs, the results and
 * the error messages of the three parses must be equal. The callbacks
 * also check the call order (begin, data..., end), that part headers hold
 * no NUL, CR or LF and a non-empty name, and that data is never empty.
 * After an error, more input must return the same error without
 * callbacks. A part named "fuzz-reject" is refused by part_begin, so that
 * callback errors are exercised. A Content-Type that mp_boundary refuses
 * is used whole as the boundary (mp_init must then refuse it or parse). */

struct rec {
    buf_t log;
    bool in_part, last_data;
    unsigned calls;
};

static void put(struct rec *r, const char *tag, const char *s)
{
    FU_CHECK(buf_append_str(&r->log, tag) == PF_EOK);
    FU_CHECK(buf_append(&r->log, s ? s : "", s ? strlen(s) + 1 : 0) == PF_EOK);
}

static bool clean(const char *s)
{
    return !s || !strpbrk(s, "\r\n");
}

static enum pf_err on_begin(void *ctx, const struct mp_part *part)
{
    struct rec *r = ctx;
    r->calls++;
    FU_CHECK(!r->in_part);
    FU_CHECK(part->name && *part->name);
    FU_CHECK(clean(part->name) && clean(part->filename) && clean(part->content_type));
    r->in_part = true;
    r->last_data = false;
    put(r, "B", part->name);
    put(r, part->filename ? "F" : "f", part->filename);
    put(r, part->content_type ? "T" : "t", part->content_type);
    return strcmp(part->name, "fuzz-reject") == 0 ? PF_EFORBIDDEN : PF_EOK;
}

static enum pf_err on_data(void *ctx, const char *p, size_t n)
{
    struct rec *r = ctx;
    r->calls++;
    FU_CHECK(r->in_part);
    FU_CHECK(n > 0);
    if (!r->last_data)
        FU_CHECK(buf_append_str(&r->log, "D") == PF_EOK);
    r->last_data = true;
    FU_CHECK(buf_append(&r->log, p, n) == PF_EOK);
    return PF_EOK;
}

static enum pf_err on_end(void *ctx)
{
    struct rec *r = ctx;
    r->calls++;
    FU_CHECK(r->in_part);
    r->in_part = false;
    r->last_data = false;
    FU_CHECK(buf_append_str(&r->log, "E") == PF_EOK);
    return PF_EOK;
}

static const struct mp_callbacks callbacks = { on_begin, on_data, on_end };

/* Feeds p[0..n) in chunks of 1..max bytes (an empty input as one empty
 * chunk, as the one-piece parse does); stops at the first error. */
static enum pf_err feed_chunked(struct mp_parser *mp, const char *p, size_t n, size_t max, uint32_t *seed)
{
    enum pf_err e;
    do {
        size_t k = n ? 1 + fu_rand(seed) % max : 0;
        if (k > n)
            k = n;
        e = mp_feed(mp, p, k);
        p += k;
        n -= k;
    } while (n && !e);
    return e;
}

struct result {
    enum pf_err feed, finish;
    const char *msg;
};

/* Parses body with the chunking of mode (0: whole, 1: split and chunked,
 * 2: byte by byte); the log goes to r. */
static struct result parse(const char *boundary, sv_t body, int mode, size_t split, size_t max, uint32_t seed,
                           struct rec *r)
{
    struct mp_parser mp;
    struct result res;
    mp_init(&mp, boundary, &callbacks, r);
    if (mode == 0)
        res.feed = mp_feed(&mp, body.p, body.len);
    else if (mode == 1) {
        res.feed = feed_chunked(&mp, body.p, split, max, &seed);
        if (!res.feed)
            res.feed = feed_chunked(&mp, body.p + split, body.len - split, max, &seed);
    } else
        res.feed = feed_chunked(&mp, body.p, body.len, 1, &seed);
    if (res.feed) {
        /* Sticky: the same error again, and no callback. */
        unsigned calls = r->calls;
        FU_CHECK(mp_feed(&mp, "\r\n--", 4) == res.feed);
        FU_CHECK(r->calls == calls);
    }
    res.finish = mp_finish(&mp);
    if (res.feed)
        FU_CHECK(res.finish == res.feed);
    res.msg = mp_error(&mp);
    FU_CHECK(res.msg != NULL);
    for (const char *m = res.msg; *m; m++)
        FU_CHECK(*m >= 0x20 && *m < 0x7f);
    if (res.finish == PF_EOK)
        FU_CHECK(!r->in_part);
    return res;
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
    static const size_t maxes[] = { 1, 2, 3, 5, 8, 17, 64, 75, 4096 };
    if (size < 2)
        return 0;
    uint8_t c0 = data[0], c1 = data[1];
    sv_t rest = sv_make((const char *)data + 2, size - 2);
    sv_t ct_line = sv_split(&rest, '\n');
    sv_t body = rest;

    char *ct = fu_cstr(ct_line.p, ct_line.len);
    char boundary[MP_MAX_BOUNDARY + 1];
    buf_t err;
    buf_init(&err, 1024);
    const char *use = boundary;
    if (mp_boundary(ct, boundary, &err) == PF_EOK) {
        size_t bl = strlen(boundary);
        FU_CHECK(bl >= 1 && bl <= MP_MAX_BOUNDARY && boundary[bl - 1] != ' ');
        /* The boundary, quoted, is read back the same. */
        char again[MP_MAX_BOUNDARY + 1], *q = NULL;
        if (asprintf(&q, "multipart/form-data; boundary=\"%s\"", boundary) < 0)
            abort();
        FU_CHECK(mp_boundary(q, again, NULL) == PF_EOK && strcmp(again, boundary) == 0);
        free(q);
    } else {
        FU_CHECK(err.len > 0);
        use = ct;
    }
    buf_free(&err);

    size_t split = body.len ? ((size_t)c0 * 257 + c1) % (body.len + 1) : 0;
    size_t max = maxes[c1 % (sizeof maxes / sizeof maxes[0])];
    struct rec r[3];
    struct result res[3];
    int modes = body.len <= 2048 ? 3 : 2;
    for (int m = 0; m < modes; m++) {
        memset(&r[m], 0, sizeof r[m]);
        buf_init(&r[m].log, (size_t)1 << 24);
        res[m] = parse(use, body, m, split, max, 0x9e3779b9u ^ c0 ^ ((uint32_t)c1 << 8), &r[m]);
    }
    for (int m = 1; m < modes; m++) {
        FU_CHECK(res[m].feed == res[0].feed);
        FU_CHECK(res[m].finish == res[0].finish);
        FU_CHECK(strcmp(res[m].msg, res[0].msg) == 0);
        FU_CHECK(sv_eq(buf_sv(&r[m].log), buf_sv(&r[0].log)));
    }
    for (int m = 0; m < modes; m++)
        buf_free(&r[m].log);
    free(ct);
    return 0;
}
