/* SPDX-License-Identifier: MIT */
/* test_multipart.c: unit tests for multipart.c (streaming multipart/form-data parsing). */
#define _GNU_SOURCE
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "buf.h"
#include "multipart.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Check records the place of every passing ck_assert with a write(2), which
 * adds up to millions in the loops here: helpers and loops use CHECK, which
 * costs nothing until it fails. */
#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg(__VA_ARGS__);                                         \
    } while (0)
#define CHECK_ERR(got, want, what)                                             \
    CHECK((got) == (want), "%s: %s, want %s", (what), pf_errname(got), pf_errname(want))

/* ---- A collector: records what the callbacks see and checks their order. ---- */

struct got_part {
    char *name, *filename, *ct; /* copies, NULL as given */
    buf_t data;
    int ended;
};

enum fail_at { AT_NONE, AT_BEGIN, AT_DATA, AT_END };

struct coll {
    struct got_part *parts;
    size_t n, alloc;
    int open;          /* a part is begun and not ended */
    int count_only;    /* keep no data, only count it */
    uint64_t bytes;    /* content bytes seen */
    size_t ends;
    /* Failure injection: callback fail_at of the part named fail_name
     * returns fail_err. */
    enum fail_at fail_at;
    const char *fail_name;
    enum pf_err fail_err;
    int failed;        /* the injected error has been returned */
    int late_calls;    /* callbacks made after that */
};

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    CHECK(d, "out of memory");
    return d;
}

static int inject(struct coll *c, enum fail_at at)
{
    if (c->fail_at != at || c->n == 0 || strcmp(c->parts[c->n - 1].name, c->fail_name) != 0)
        return 0;
    c->failed = 1;
    return 1;
}

static enum pf_err c_begin(void *ctx, const struct mp_part *part)
{
    struct coll *c = ctx;
    if (c->failed) {
        c->late_calls++;
        return PF_EOK;
    }
    CHECK(!c->open, "part_begin inside a part");
    CHECK(part->name && part->name[0], "part_begin without a name");
    if (c->n == c->alloc) {
        c->alloc = c->alloc ? 2 * c->alloc : 16;
        c->parts = realloc(c->parts, c->alloc * sizeof *c->parts);
        CHECK(c->parts, "out of memory");
    }
    struct got_part *g = &c->parts[c->n++];
    g->name = dup_or_null(part->name);
    g->filename = dup_or_null(part->filename);
    g->ct = dup_or_null(part->content_type);
    buf_init(&g->data, SIZE_MAX);
    g->ended = 0;
    c->open = 1;
    return inject(c, AT_BEGIN) ? c->fail_err : PF_EOK;
}

static enum pf_err c_data(void *ctx, const char *p, size_t n)
{
    struct coll *c = ctx;
    if (c->failed) {
        c->late_calls++;
        return PF_EOK;
    }
    CHECK(c->open, "part_data outside a part");
    CHECK(n > 0, "part_data with no bytes");
    if (!c->count_only)
        CHECK(buf_append(&c->parts[c->n - 1].data, p, n) == PF_EOK, "out of memory");
    c->bytes += n;
    return inject(c, AT_DATA) ? c->fail_err : PF_EOK;
}

static enum pf_err c_end(void *ctx)
{
    struct coll *c = ctx;
    if (c->failed) {
        c->late_calls++;
        return PF_EOK;
    }
    CHECK(c->open, "part_end outside a part");
    c->parts[c->n - 1].ended = 1;
    c->open = 0;
    c->ends++;
    return inject(c, AT_END) ? c->fail_err : PF_EOK;
}

static const struct mp_callbacks coll_cb = { c_begin, c_data, c_end };

static void coll_free(struct coll *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->parts[i].name);
        free(c->parts[i].filename);
        free(c->parts[i].ct);
        buf_free(&c->parts[i].data);
    }
    free(c->parts);
    memset(c, 0, sizeof *c);
}

/* ---- Feeding a body in chunks. ---- */

enum feed_mode { FEED_WHOLE, FEED_SPLIT, FEED_BYTES, FEED_RANDOM };

struct chunker {
    enum feed_mode mode;
    size_t split;  /* FEED_SPLIT: the first chunk's length */
    uint64_t rng;  /* FEED_RANDOM: xorshift state */
    size_t maxc;   /* FEED_RANDOM: largest chunk */
};

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static size_t next_chunk(struct chunker *k, size_t off, size_t left)
{
    switch (k->mode) {
    case FEED_SPLIT:
        return off < k->split ? k->split - off : left;
    case FEED_BYTES:
        return 1;
    case FEED_RANDOM: {
        size_t m = k->maxc < left ? k->maxc : left;
        return 1 + (size_t)(xorshift(&k->rng) % m);
    }
    default:
        return left;
    }
}

static void check_msg(const struct mp_parser *mp)
{
    const char *m = mp_error(mp);
    CHECK(m && m[0], "no message");
    for (const char *q = m; *q; q++)
        CHECK(*q >= 0x20 && *q < 0x7f, "unprintable byte in \"%s\"", m);
}

/* Parses body[0..len) with boundary, chunked by k, into c; returns the
 * first error, or mp_finish's answer. Checks that errors stick and that
 * no callback runs after one. */
static enum pf_err run(struct mp_parser *mp, const char *boundary, const char *body, size_t len,
                       struct chunker *k, struct coll *c)
{
    enum pf_err e = PF_EOK;
    size_t off = 0;

    mp_init(mp, boundary, &coll_cb, c);
    CHECK(strcmp(mp_error(mp), "no error") == 0, "fresh parser: %s", mp_error(mp));
    while (off < len) {
        size_t n = next_chunk(k, off, len - off);
        if (k->mode == FEED_BYTES)
            CHECK_ERR(mp_feed(mp, body + off, 0), PF_EOK, "empty feed");
        e = mp_feed(mp, body + off, n);
        if (e)
            break;
        off += n;
    }
    if (e) {
        const char *msg = mp_error(mp);
        CHECK_ERR(mp_feed(mp, body, len), e, "feed after an error");
        CHECK_ERR(mp_finish(mp), e, "finish after an error");
        CHECK(mp_error(mp) == msg, "the message changed after the error");
    } else {
        e = mp_finish(mp);
        CHECK_ERR(mp_finish(mp), e, "second finish");
    }
    check_msg(mp);
    CHECK(c->late_calls == 0, "%d callbacks after an error", c->late_calls);
    return e;
}

/* ---- Expected parts. ---- */

struct want_part {
    const char *name, *filename, *ct;
    const char *data;
    size_t len;
};

static int streq_null(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The parts collected equal want[0..nw), all ended. */
static void check_parts(const struct coll *c, const struct want_part *w, size_t nw, const char *what)
{
    CHECK(c->n == nw, "%s: %zu parts, want %zu", what, c->n, nw);
    for (size_t i = 0; i < nw; i++) {
        const struct got_part *g = &c->parts[i];
        CHECK(strcmp(g->name, w[i].name) == 0, "%s: part %zu name \"%s\", want \"%s\"", what, i,
                      g->name, w[i].name);
        CHECK(streq_null(g->filename, w[i].filename), "%s: part %zu filename", what, i);
        CHECK(streq_null(g->ct, w[i].ct), "%s: part %zu content type", what, i);
        CHECK(g->data.len == w[i].len && (w[i].len == 0 || memcmp(g->data.p, w[i].data, w[i].len) == 0),
                      "%s: part %zu (%s) data differs (%zu bytes, want %zu)", what, i, w[i].name,
                      g->data.len, w[i].len);
        CHECK(g->ended, "%s: part %zu not ended", what, i);
    }
}

static void app(buf_t *b, const void *p, size_t n) { CHECK(buf_append(b, p, n) == PF_EOK, "out of memory"); }
static void apps(buf_t *b, const char *s) { app(b, s, strlen(s)); }

/* Appends one part the way urllib3 (twine) writes it. */
static void add_part(buf_t *body, const char *b, const struct want_part *w)
{
    apps(body, "--");
    apps(body, b);
    apps(body, "\r\nContent-Disposition: form-data; name=\"");
    apps(body, w->name);
    apps(body, "\"");
    if (w->filename) {
        apps(body, "; filename=\"");
        apps(body, w->filename);
        apps(body, "\"");
    }
    apps(body, "\r\n");
    if (w->ct) {
        apps(body, "Content-Type: ");
        apps(body, w->ct);
        apps(body, "\r\n");
    }
    apps(body, "\r\n");
    app(body, w->data, w->len);
    apps(body, "\r\n");
}

/* Replaces each "{B}" in tmpl with b. */
static void subst(buf_t *out, const char *tmpl, const char *b)
{
    for (const char *q; (q = strstr(tmpl, "{B}")) != NULL; tmpl = q + 3) {
        app(out, tmpl, (size_t)(q - tmpl));
        apps(out, b);
    }
    apps(out, tmpl);
}

/* ---- A twine-shaped upload. ---- */

struct twine {
    const char *boundary;
    buf_t bin;    /* the "wheel": binary content with near-delimiters */
    buf_t body;
    struct want_part want[20];
    size_t nwant;
    size_t close_end; /* offset just past the close delimiter's "--" */
};

static const char *const twine_boundaries[] = {
    "9a1e5b2c3d4f60718293a4b5c6d7e8f9",               /* twine / urllib3: 32 hex */
    "------------------------d74496d66958873e",       /* curl -F */
    "----WebKitFormBoundary7MA4YWxkTrZu0gW",          /* browsers */
    "a'()+_,-./:=? 0123456789a'()+_,-./:=? 0123456789a'()+_,-./:=? 01234567", /* 70, all bchars */
    "z",
    "-",
};

static void twine_build(struct twine *t, const char *b)
{
    size_t blen = strlen(b);
    buf_t *bin = &t->bin, *body = &t->body;
    buf_t delim;

    t->boundary = b;
    buf_init(bin, SIZE_MAX);
    buf_init(body, SIZE_MAX);
    /* Everything a delimiter could be confused with, but is not. */
    app(bin, "PK\x03\x04\x14\0\0\0\x08\0", 10);
    apps(bin, "\r");
    apps(bin, "\n");
    apps(bin, "\r\n");
    apps(bin, "--");
    apps(bin, "\r\n\r\nx");
    apps(bin, "--");
    apps(bin, b); /* the boundary with no CRLF before it */
    apps(bin, "\n--");
    apps(bin, b);
    apps(bin, "\r--");
    apps(bin, b);
    apps(bin, "\r\n-");
    apps(bin, b);
    apps(bin, "\r\n--");
    app(bin, b, blen - 1); /* all but the last character, then another */
    apps(bin, b[blen - 1] == 'x' ? "y" : "x");
    apps(bin, "\r\n--");
    app(bin, b, blen / 2); /* half a delimiter, then a whole near miss */
    apps(bin, "\r\n--");
    app(bin, b, blen - 1);
    apps(bin, "\n\r\r\n--");
    app(bin, b, blen - 1);
    app(bin, "\0\r\n--\0", 6);
    for (int rep = 0; rep < 2; rep++)
        for (int c = 0; c < 256; c++)
            CHECK(buf_append_char(bin, (char)c) == PF_EOK, "out of memory");
    apps(bin, "\r\n--");
    app(bin, b, blen - 1); /* ends in a delimiter prefix, right before the real one */

    /* The content must hold no delimiter, and with one appended the first
     * must be that one. */
    buf_init(&delim, SIZE_MAX);
    apps(&delim, "\r\n--");
    apps(&delim, b);
    app(bin, delim.p, delim.len);
    const char *first = memmem(bin->p, bin->len, delim.p, delim.len);
    CHECK(first == bin->p + bin->len - delim.len, "delimiter at %zu of %zu", (size_t)(first - bin->p),
                  bin->len);
    bin->len -= delim.len;
    buf_free(&delim);

    static const char sig[] = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=ab12\n"
                              "-----END PGP SIGNATURE-----\n";
#define S(x) x, sizeof(x) - 1
    const struct want_part want[] = {
        { ":action", NULL, NULL, S("file_upload") },
        { "protocol_version", NULL, NULL, S("1") },
        { "metadata_version", NULL, NULL, S("2.1") },
        { "name", NULL, NULL, S("example-pkg") },
        { "version", NULL, NULL, S("1.0.0") },
        { "filetype", NULL, NULL, S("bdist_wheel") },
        { "pyversion", NULL, NULL, S("py3") },
        { "summary", NULL, NULL, S("An example\r\nwith two lines \"quoted\" caf\xc3\xa9") },
        { "classifiers", NULL, NULL, S("Programming Language :: Python :: 3") },
        { "classifiers", NULL, NULL, S("License :: OSI Approved :: MIT License") },
        { "description", NULL, NULL, S("") },
        { "sha256_digest", NULL, NULL, S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") },
        { "content", "example_pkg-1.0.0-py3-none-any.whl", "application/octet-stream", bin->p, bin->len },
        { "gpg_signature", "example_pkg-1.0.0-py3-none-any.whl.asc", "application/octet-stream", S(sig) },
        { "comment", NULL, NULL, S("--") },
        { "odd", "a%22b%0D%0A\\c.whl", "text/plain; charset=utf-8", S("\r\n") },
        { "last", NULL, NULL, S("\r") },
    };
#undef S
    ck_assert_uint_le(NELEM(want), NELEM(t->want));
    for (size_t i = 0; i < NELEM(want); i++) {
        t->want[i] = want[i];
        add_part(body, b, &want[i]);
    }
    t->nwant = NELEM(want);
    apps(body, "--");
    apps(body, b);
    apps(body, "--");
    t->close_end = body->len;
    apps(body, "\r\n");
}

static void twine_free(struct twine *t)
{
    buf_free(&t->bin);
    buf_free(&t->body);
}

static void twine_parse(const struct twine *t, struct chunker *k, const char *what)
{
    struct mp_parser mp;
    struct coll c = { 0 };
    enum pf_err e = run(&mp, t->boundary, t->body.p, t->body.len, k, &c);
    CHECK(e == PF_EOK, "%s: %s: %s", what, pf_errname(e), mp_error(&mp));
    check_parts(&c, t->want, t->nwant, what);
    coll_free(&c);
}

START_TEST(test_mp_twine)
{
    struct twine t;
    char what[64];

    twine_build(&t, twine_boundaries[_i]);
    struct chunker whole = { FEED_WHOLE, 0, 0, 0 };
    twine_parse(&t, &whole, "whole");
    struct chunker bytes = { FEED_BYTES, 0, 0, 0 };
    twine_parse(&t, &bytes, "bytes");
    /* Two chunks, split at every byte boundary. */
    for (size_t s = 0; s <= t.body.len; s++) {
        struct chunker k = { FEED_SPLIT, s, 0, 0 };
        snprintf(what, sizeof what, "split at %zu", s);
        twine_parse(&t, &k, what);
    }
    /* Random chunk sizes with several upper bounds. */
    static const size_t maxc[] = { 2, 3, 5, 8, 13, 40, 75, 80, 300, 65536 };
    for (uint64_t seed = 1; seed <= 400; seed++) {
        struct chunker k = { FEED_RANDOM, 0, seed * 0x9e3779b97f4a7c15ull, maxc[seed % NELEM(maxc)] };
        snprintf(what, sizeof what, "random seed %llu", (unsigned long long)seed);
        twine_parse(&t, &k, what);
    }
    twine_free(&t);
}
END_TEST

/* A body cut anywhere before the end of its close delimiter never parses;
 * what was seen before the cut is right, and the open part gets no
 * part_end. */
START_TEST(test_mp_truncated)
{
    struct twine t;
    char what[64];

    twine_build(&t, twine_boundaries[_i]);
    for (size_t cut = 0; cut <= t.body.len; cut++) {
        struct mp_parser mp;
        struct coll c = { 0 };
        struct chunker k = { FEED_SPLIT, cut / 2, 0, 0 };
        enum pf_err e = run(&mp, t.boundary, t.body.p, cut, &k, &c);
        snprintf(what, sizeof what, "cut at %zu", cut);
        if (cut >= t.close_end) {
            CHECK(e == PF_EOK, "%s: %s", what, mp_error(&mp));
            check_parts(&c, t.want, t.nwant, what);
        } else {
            CHECK(e == PF_EINVAL, "%s: %s", what, pf_errname(e));
            CHECK(strcmp(mp_error(&mp), "the multipart body ends before its closing boundary") == 0, "%s: %s",
                  what, mp_error(&mp));
            CHECK(c.n <= t.nwant, "%s: %zu parts", what, c.n);
            CHECK(c.ends == c.n - (size_t)c.open, "%s: %zu part_end for %zu parts", what, c.ends, c.n);
            if (c.open) {
                /* Compare the finished parts, then the open one's prefix. */
                const struct got_part *g = &c.parts[c.n - 1];
                const struct want_part *w = &t.want[c.n - 1];
                c.n--;
                check_parts(&c, t.want, c.n, what);
                c.n++;
                CHECK(strcmp(g->name, w->name) == 0, "%s: open part %s", what, g->name);
                CHECK(g->data.len <= w->len, "%s: open part too long", what);
                CHECK(g->data.len == 0 || memcmp(g->data.p, w->data, g->data.len) == 0,
                              "%s: open part's data is not a prefix", what);
            } else {
                check_parts(&c, t.want, c.n, what);
            }
        }
        coll_free(&c);
    }
    twine_free(&t);
}
END_TEST

/* ---- mp_boundary ---- */

struct boundary_case {
    const char *ct;
    const char *want; /* NULL: PF_EINVAL */
    const char *msg;  /* a substring of the message, for errors */
};

#define B70 "0123456789012345678901234567890123456789012345678901234567890123456789"

static const struct boundary_case boundary_cases[] = {
    { "multipart/form-data; boundary=9a1e5b2c3d4f60718293a4b5c6d7e8f9", "9a1e5b2c3d4f60718293a4b5c6d7e8f9", NULL },
    { "multipart/form-data; boundary=------------------------d74496d66958873e",
      "------------------------d74496d66958873e", NULL },
    { "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
      "----WebKitFormBoundary7MA4YWxkTrZu0gW", NULL },
    /* Quoted, with characters a token cannot hold. */
    { "multipart/form-data; boundary=\"a b:c=d?e/f\"", "a b:c=d?e/f", NULL },
    { "multipart/form-data; boundary=\"abc\"", "abc", NULL },
    { "multipart/form-data; boundary=\"a;b\"", NULL, "RFC 2046" },
    /* Extra parameters before and after; empty ones. */
    { "multipart/form-data; charset=utf-8; boundary=xyz", "xyz", NULL },
    { "multipart/form-data; boundary=xyz; charset=utf-8", "xyz", NULL },
    { "multipart/form-data; foo=\"a;boundary=b\"; boundary=c", "c", NULL },
    { "multipart/form-data;; boundary=xyz;", "xyz", NULL },
    /* Case and whitespace. */
    { "MULTIPART/Form-Data; BOUNDARY=AbC", "AbC", NULL },
    { "Multipart/Form-Data;Boundary=abc", "abc", NULL },
    { "  multipart/form-data  ;  boundary  =  abc  ", "abc", NULL },
    { "multipart/form-data\t;\tboundary\t=\t\"abc\"\t", "abc", NULL },
    { "multipart/form-data; boundary= \"abc\" ; x=y", "abc", NULL },
    /* Lengths. */
    { "multipart/form-data; boundary=" B70, B70, NULL },
    { "multipart/form-data; boundary=" B70 "0", NULL, "longer than 70" },
    { "multipart/form-data; boundary=\"" B70 "0\"", NULL, "longer than 70" },
    { "multipart/form-data; boundary=a", "a", NULL },
    { "multipart/form-data; boundary=", NULL, "empty" },
    { "multipart/form-data; boundary=\"\"", NULL, "empty" },
    { "multipart/form-data; boundary= ;x=y", NULL, "empty" },
    /* Missing. */
    { "multipart/form-data", NULL, "no boundary" },
    { "multipart/form-data;", NULL, "no boundary" },
    { "multipart/form-data; charset=utf-8", NULL, "no boundary" },
    { "multipart/form-data; boundaryx=abc", NULL, "no boundary" },
    { "multipart/form-data; xboundary=abc", NULL, "no boundary" },
    { NULL, NULL, "no Content-Type" },
    { "", NULL, "no Content-Type" },
    { "   ", NULL, "no Content-Type" },
    /* Wrong type. */
    { "application/x-www-form-urlencoded", NULL, "not multipart/form-data" },
    { "multipart/mixed; boundary=abc", NULL, "not multipart/form-data" },
    { "multipart/form-datax; boundary=abc", NULL, "not multipart/form-data" },
    { "multipart/form; boundary=abc", NULL, "not multipart/form-data" },
    { "multipart/form-data boundary=abc", NULL, "not multipart/form-data" },
    { "; boundary=abc", NULL, "not multipart/form-data" },
    { "text/plain", NULL, "not multipart/form-data" },
    /* Malformed parameters. */
    { "multipart/form-data; boundary=\"abc", NULL, "unterminated" },
    { "multipart/form-data; boundary=\"abc\"x", NULL, "malformed" },
    { "multipart/form-data; boundary", NULL, "malformed" },
    { "multipart/form-data; =abc", NULL, "malformed" },
    { "multipart/form-data; boundary=abc; boundary=def", NULL, "two boundary" },
    { "multipart/form-data; boundary=abc; BOUNDARY=abc", NULL, "two boundary" },
    /* Characters outside bchars; a trailing space. */
    { "multipart/form-data; boundary=\"ab \"", NULL, "RFC 2046" },
    { "multipart/form-data; boundary=a@b", NULL, "RFC 2046" },
    { "multipart/form-data; boundary=\"a\rb\"", NULL, "RFC 2046" },
    { "multipart/form-data; boundary=\"a\nb\"", NULL, "RFC 2046" },
    { "multipart/form-data; boundary=a\"b", NULL, "RFC 2046" },
    { "multipart/form-data; boundary=\"a\\b\"", NULL, "RFC 2046" },
    { "multipart/form-data; boundary=caf\xc3\xa9", NULL, "RFC 2046" },
    { "multipart/form-data; boundary=\"a\tb\"", NULL, "RFC 2046" },
};

START_TEST(test_mp_boundary)
{
    const struct boundary_case *c = &boundary_cases[_i];
    char out[MP_MAX_BOUNDARY + 1];
    buf_t err;

    buf_init(&err, 4096);
    memset(out, 'X', sizeof out);
    enum pf_err e = mp_boundary(c->ct, out, &err);
    if (c->want) {
        ck_assert_msg(e == PF_EOK, "\"%s\": %s", c->ct, err.p ? err.p : "");
        ck_assert_str_eq(out, c->want);
        ck_assert_uint_eq(err.len, 0);
    } else {
        ck_assert_msg(e == PF_EINVAL, "\"%s\" accepted as \"%s\"", c->ct ? c->ct : "(null)", out);
        ck_assert_ptr_nonnull(err.p);
        ck_assert_msg(strstr(err.p, c->msg) != NULL, "\"%s\": message \"%s\", want \"%s\"",
                      c->ct ? c->ct : "(null)", err.p, c->msg);
        ck_assert_str_eq(out, "");
        /* Without an err buffer it fails the same way. */
        ck_assert_int_eq(mp_boundary(c->ct, out, NULL), PF_EINVAL);
    }
    buf_free(&err);
}
END_TEST

/* mp_init refuses a boundary mp_boundary would have refused. */
START_TEST(test_mp_init_bad_boundary)
{
    static const char *const bad[] = { "", B70 "0", "a\rb", "ab ", "a\nb", "a@b" };
    for (size_t i = 0; i < NELEM(bad); i++) {
        struct mp_parser mp;
        struct coll c = { 0 };
        static const char body[] = "--a\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--a--\r\n";
        mp_init(&mp, bad[i], &coll_cb, &c);
        ck_assert_int_eq(mp_feed(&mp, body, sizeof body - 1), PF_EINVAL);
        ck_assert_int_eq(mp_finish(&mp), PF_EINVAL);
        ck_assert_str_eq(mp_error(&mp), "the multipart boundary is invalid");
        ck_assert_uint_eq(c.n, 0);
        coll_free(&c);
    }
    /* NULL callbacks and NULL members are allowed. */
    struct mp_parser mp;
    static const char body[] = "--a\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--a--\r\n";
    mp_init(&mp, "a", NULL, NULL);
    ck_assert_int_eq(mp_feed(&mp, body, sizeof body - 1), PF_EOK);
    ck_assert_int_eq(mp_finish(&mp), PF_EOK);
    struct mp_callbacks none = { NULL, NULL, NULL };
    mp_init(&mp, "a", &none, NULL);
    ck_assert_int_eq(mp_feed(&mp, body, sizeof body - 1), PF_EOK);
    ck_assert_int_eq(mp_finish(&mp), PF_EOK);
}
END_TEST

/* ---- Part headers ---- */

struct hdr_case {
    const char *headers; /* the lines between the boundary line and the empty line */
    size_t len;
    enum pf_err err;
    const char *want;    /* PF_EOK: name; otherwise a substring of the message */
    const char *filename, *ct;
};

#define HL(s) s, sizeof(s) - 1
#define CDP "Content-Disposition: form-data; "

static const struct hdr_case hdr_cases[] = {
    { HL(CDP "name=\"a\"\r\n"), PF_EOK, "a", NULL, NULL },
    { HL(CDP "name=\"content\"; filename=\"x-1.0.tar.gz\"\r\nContent-Type: application/octet-stream\r\n"),
      PF_EOK, "content", "x-1.0.tar.gz", "application/octet-stream" },
    /* Case-insensitive header names, disposition type and parameter names. */
    { HL("content-disposition: FORM-DATA; NAME=\"a\"; FileName=\"B\"\r\nCONTENT-TYPE: Text/Plain\r\n"),
      PF_EOK, "a", "B", "Text/Plain" },
    /* Whitespace around ':', ';' and '='. */
    { HL("Content-Disposition:form-data;name=a\r\n"), PF_EOK, "a", NULL, NULL },
    { HL("Content-Disposition:   form-data  ;  name  =  \"a b\"  ;  filename  =  c.whl  \r\n"), PF_EOK,
      "a b", "c.whl", NULL },
    { HL("Content-Disposition:\tform-data;\tname=\t\"a\"\t\r\n"), PF_EOK, "a", NULL, NULL },
    { HL("Content-Disposition : form-data; name=a\r\n"), PF_EOK, "a", NULL, NULL },
    { HL(CDP "name=a;filename=b\r\n"), PF_EOK, "a", "b", NULL },
    { HL(CDP "name=a b\r\n"), PF_EOK, "a b", NULL, NULL },
    /* A quoted value ends at the next '"'; no escapes, no decoding. */
    { HL(CDP "name=\"a;b=c\"\r\n"), PF_EOK, "a;b=c", NULL, NULL },
    { HL(CDP "name=\"x\\\"; filename=\"C:\\\\dir\\\\f.whl\"\r\n"), PF_EOK, "x\\", "C:\\\\dir\\\\f.whl", NULL },
    { HL(CDP "name=\"a%22b%0D%0Ac\"; filename=\"..%2F..%2Fetc\"\r\n"), PF_EOK, "a%22b%0D%0Ac",
      "..%2F..%2Fetc", NULL },
    { HL(CDP "name=\"a\"; filename=\"caf\xc3\xa9.whl\"\r\n"), PF_EOK, "a", "caf\xc3\xa9.whl", NULL },
    { HL(CDP "name=\"a\"; filename=\"\"\r\n"), PF_EOK, "a", "", NULL },
    { HL(CDP "name=\"a\"; filename=\r\n"), PF_EOK, "a", "", NULL },
    { HL(CDP "filename=\"f\"; name=\"n\"\r\n"), PF_EOK, "n", "f", NULL },
    /* Other headers and parameters are ignored; filename* too. */
    { HL("Content-Transfer-Encoding: binary\r\n" CDP "name=\"a\"\r\nX-Other: ;;\"\r\nContent-Length: 1\r\n"),
      PF_EOK, "a", NULL, NULL },
    { HL(CDP "name=\"a\"; filename*=UTF-8''%E2%82%AC.whl; size=3\r\n"), PF_EOK, "a", NULL, NULL },
    { HL("Content-Disposition: form-data;; name=\"a\";\r\n"), PF_EOK, "a", NULL, NULL },
    /* The Content-Type value is handed up whole, trimmed. */
    { HL(CDP "name=a\r\nContent-Type:\r\n"), PF_EOK, "a", NULL, "" },
    { HL(CDP "name=a\r\nContent-Type:  text/plain; charset=\"utf-8\"  \r\n"), PF_EOK, "a", NULL,
      "text/plain; charset=\"utf-8\"" },
    { HL("Content-Type: application/octet-stream\r\n" CDP "name=\"a\"; filename=\"b\"\r\n"), PF_EOK, "a", "b",
      "application/octet-stream" },

    /* Errors. */
    { HL(""), PF_EINVAL, "no Content-Disposition", NULL, NULL },
    { HL("Content-Type: text/plain\r\n"), PF_EINVAL, "no Content-Disposition", NULL, NULL },
    { HL("Content-Disposition form-data; name=a\r\n"), PF_EINVAL, "no colon", NULL, NULL },
    { HL(CDP "name=a\r\nX-Foo\r\n"), PF_EINVAL, "no colon", NULL, NULL },
    { HL("Content-Disposition: form-data;\r\n name=a\r\n"), PF_EINVAL, "folded", NULL, NULL },
    { HL(" Content-Disposition: form-data; name=a\r\n"), PF_EINVAL, "folded", NULL, NULL },
    { HL(": x\r\n" CDP "name=a\r\n"), PF_EINVAL, "empty header name", NULL, NULL },
    { HL("Content-Disposition: attachment; name=a\r\n"), PF_EINVAL, "not form-data", NULL, NULL },
    { HL("Content-Disposition: form-datax; name=a\r\n"), PF_EINVAL, "not form-data", NULL, NULL },
    { HL("Content-Disposition: ; name=a\r\n"), PF_EINVAL, "not form-data", NULL, NULL },
    { HL("Content-Disposition:\r\n"), PF_EINVAL, "not form-data", NULL, NULL },
    { HL("Content-Disposition: form-data name=a\r\n"), PF_EINVAL, "not form-data", NULL, NULL },
    { HL("Content-Disposition: form-data\r\n"), PF_EINVAL, "no name", NULL, NULL },
    { HL(CDP "filename=\"a\"\r\n"), PF_EINVAL, "no name", NULL, NULL },
    { HL(CDP "names=\"a\"\r\n"), PF_EINVAL, "no name", NULL, NULL },
    { HL(CDP "name=\"\"\r\n"), PF_EINVAL, "empty name", NULL, NULL },
    { HL(CDP "name=\r\n"), PF_EINVAL, "empty name", NULL, NULL },
    { HL(CDP "name=\"a\r\n"), PF_EINVAL, "unterminated", NULL, NULL },
    { HL(CDP "name=a; filename=\"b\r\n"), PF_EINVAL, "unterminated", NULL, NULL },
    { HL(CDP "name\r\n"), PF_EINVAL, "malformed parameter", NULL, NULL },
    { HL(CDP "=a\r\n"), PF_EINVAL, "malformed parameter", NULL, NULL },
    { HL(CDP "name=\"a\"x\r\n"), PF_EINVAL, "malformed parameter", NULL, NULL },
    { HL(CDP "name=\"a\" filename=\"b\"\r\n"), PF_EINVAL, "malformed parameter", NULL, NULL },
    { HL(CDP "name=\"a\"; name=\"b\"\r\n"), PF_EINVAL, "two name", NULL, NULL },
    { HL(CDP "name=\"a\"; NAME=\"a\"\r\n"), PF_EINVAL, "two name", NULL, NULL },
    { HL(CDP "name=\"a\"; filename=\"b\"; filename=\"c\"\r\n"), PF_EINVAL, "two filename", NULL, NULL },
    { HL(CDP "name=a\r\n" CDP "name=b\r\n"), PF_EINVAL, "two Content-Disposition", NULL, NULL },
    { HL(CDP "name=a\r\nContent-Type: a/b\r\ncontent-type: c/d\r\n"), PF_EINVAL, "two Content-Type", NULL,
      NULL },
    /* No NUL, bare CR or bare LF can reach a value. */
    { HL(CDP "name=\"a\0b\"\r\n"), PF_EINVAL, "NUL", NULL, NULL },
    { HL(CDP "name=a\r\nX: \0\r\n"), PF_EINVAL, "NUL", NULL, NULL },
    { HL(CDP "name=a\nX: y\r\n"), PF_EINVAL, "bare CR or LF", NULL, NULL },
    { HL(CDP "name=\"a\nb\"\r\n"), PF_EINVAL, "bare CR or LF", NULL, NULL },
    { HL(CDP "name=a\rX: y\r\n"), PF_EINVAL, "bare CR or LF", NULL, NULL },
    { HL(CDP "name=a\r\r\n"), PF_EINVAL, "bare CR or LF", NULL, NULL },
    { HL("\n" CDP "name=a\r\n"), PF_EINVAL, "bare CR or LF", NULL, NULL },
};

START_TEST(test_mp_headers)
{
    const struct hdr_case *hc = &hdr_cases[_i];
    static const char b[] = "b0undary";
    buf_t body;
    char what[64];

    buf_init(&body, SIZE_MAX);
    apps(&body, "--b0undary\r\n");
    app(&body, hc->headers, hc->len);
    apps(&body, "\r\ndata\r\n--b0undary--\r\n");
    for (size_t s = 0; s <= body.len; s++) {
        struct mp_parser mp;
        struct coll c = { 0 };
        struct chunker k = { FEED_SPLIT, s, 0, 0 };
        snprintf(what, sizeof what, "case %d split at %zu", _i, s);
        enum pf_err e = run(&mp, b, body.p, body.len, &k, &c);
        CHECK(e == hc->err, "%s: %s, want %s (%s)", what, pf_errname(e), pf_errname(hc->err),
                      mp_error(&mp));
        if (hc->err == PF_EOK) {
            struct want_part w = { hc->want, hc->filename, hc->ct, "data", 4 };
            check_parts(&c, &w, 1, what);
        } else {
            CHECK(strstr(mp_error(&mp), hc->want) != NULL, "%s: message \"%s\", want \"%s\"", what,
                          mp_error(&mp), hc->want);
            CHECK(c.n == 0, "%s: %zu parts", what, c.n);
        }
        coll_free(&c);
    }
    buf_free(&body);
}
END_TEST

/* ---- Whole bodies: preamble, epilogue, padding, delimiter lines ---- */

struct body_case {
    const char *body;    /* "{B}" stands for the boundary */
    enum pf_err err;
    const char *msg;     /* a substring of the message, for errors */
    const char *summary; /* each part begun: name=data, then ';' if ended, '!' if not */
};

#define CD(n) "Content-Disposition: form-data; name=\"" n "\"\r\n"
#define MSG_TRUNC "ends before its closing boundary"
#define MSG_AFTER "followed by something other than"

static const struct body_case body_cases[] = {
    { "--{B}\r\n" CD("a") "\r\n1\r\n--{B}--", PF_EOK, NULL, "a=1;" },
    { "--{B}\r\n" CD("a") "\r\n1\r\n--{B}\r\n" CD("b") "\r\n\r\n--{B}--\r\n", PF_EOK, NULL, "a=1;b=;" },
    /* Preamble and epilogue are ignored, whatever they hold. */
    { "This is the preamble.\r\nmore --{B}\r\n\r\n--{B}\r\n" CD("a") "\r\n1\r\n--{B}--\r\nepilogue\r\n--{B}\r\n"
      "Content-Disposition: bogus\r\n\r\n",
      PF_EOK, NULL, "a=1;" },
    { "xx--{B}\r\n--{B}\r\n" CD("a") "\r\n1\r\n--{B}--", PF_EOK, NULL, "a=1;" },
    { "\r\n--{B}\r\n" CD("a") "\r\n1\r\n--{B}--", PF_EOK, NULL, "a=1;" },
    { "\r\n\r\n\r--{B}\r\n--{B}\r\n" CD("a") "\r\n1\r\n--{B}--", PF_EOK, NULL, "a=1;" },
    { "--{B}\r\n" CD("a") "\r\n1\r\n--{B}---", PF_EOK, NULL, "a=1;" },
    { "--{B}\r\n" CD("a") "\r\n1\r\n--{B}--\r\n\x01\xff", PF_EOK, NULL, "a=1;" },
    /* Transport padding after a boundary. */
    { "--{B} \t \r\n" CD("a") "\r\n1\r\n--{B}\t\r\n" CD("b") "\r\n2\r\n--{B}-- \r\n", PF_EOK, NULL, "a=1;b=2;" },
    /* No parts at all. */
    { "--{B}--", PF_EOK, NULL, "" },
    { "--{B}--\r\n--{B}\r\n", PF_EOK, NULL, "" },
    /* The boundary inside content without the CRLF before it. */
    { "--{B}\r\n" CD("a") "\r\nx--{B}\n--{B}\r--{B}\r\n-{B}\r\r\n--{B}--", PF_EOK, NULL,
      "a=x--{B}\n--{B}\r--{B}\r\n-{B}\r;" },
    /* Content that starts like a delimiter but lacks the CRLF. */
    { "--{B}\r\n" CD("a") "\r\n--{B}\r\n--{B}--", PF_EOK, NULL, "a=--{B};" },
    /* Truncated. */
    { "", PF_EINVAL, MSG_TRUNC, "" },
    { "just text, no boundary\r\n", PF_EINVAL, MSG_TRUNC, "" },
    { "-", PF_EINVAL, MSG_TRUNC, "" },
    { "--{B}", PF_EINVAL, MSG_TRUNC, "" },
    { "--{B}-", PF_EINVAL, MSG_TRUNC, "" },
    { "--{B}\r", PF_EINVAL, MSG_TRUNC, "" },
    { "--{B}\r\n", PF_EINVAL, MSG_TRUNC, "" },
    { "--{B}\r\n" CD("a"), PF_EINVAL, MSG_TRUNC, "" },
    { "--{B}\r\n" CD("a") "\r\n", PF_EINVAL, MSG_TRUNC, "a=!" },
    { "--{B}\r\n" CD("a") "\r\n123", PF_EINVAL, MSG_TRUNC, "a=123!" },
    { "--{B}\r\n" CD("a") "\r\n123\r\n--", PF_EINVAL, MSG_TRUNC, "a=123!" },
    { "--{B}\r\n" CD("a") "\r\n123\r\n--{B}", PF_EINVAL, MSG_TRUNC, "a=123;" },
    { "--{B}\r\n" CD("a") "\r\n123\r\n--{B}\r\n", PF_EINVAL, MSG_TRUNC, "a=123;" },
    /* Headers without their empty line run into the next boundary. */
    { "--{B}\r\n" CD("a") "--{B}--\r\n", PF_EINVAL, MSG_TRUNC, "" },
    /* Bad text after a boundary. */
    { "--{B}x\r\n", PF_EINVAL, MSG_AFTER, "" },
    { "--{B}-x", PF_EINVAL, MSG_AFTER, "" },
    { "--{B} -", PF_EINVAL, MSG_AFTER, "" },
    { "--{B}\n" CD("a") "\r\n1\r\n--{B}--", PF_EINVAL, MSG_AFTER, "" },
    { "--{B}\r\r\n", PF_EINVAL, "does not end in CRLF", "" },
    { "--{B}\rx", PF_EINVAL, "does not end in CRLF", "" },
    { "--{B} \r \n", PF_EINVAL, "does not end in CRLF", "" },
    { "--{B}\r\n" CD("a") "\r\n1\r\n--{B}x\r\n", PF_EINVAL, MSG_AFTER, "a=1;" },
    /* Bare LF line endings throughout (no client we serve sends them). */
    { "--{B}\n" CD("a") "\n1\n--{B}--\n", PF_EINVAL, MSG_AFTER, "" },
    { "--{B}\r\nContent-Disposition: form-data; name=\"a\"\n\n1\r\n--{B}--", PF_EINVAL, MSG_TRUNC, "" },
    { "--{B}\r\nContent-Disposition: form-data; name=\"a\"\nX: y\r\n\r\n1\r\n--{B}--", PF_EINVAL, "bare CR or LF", "" },
};

static void summarize(const struct coll *c, buf_t *out)
{
    for (size_t i = 0; i < c->n; i++) {
        apps(out, c->parts[i].name);
        apps(out, "=");
        app(out, c->parts[i].data.p, c->parts[i].data.len);
        apps(out, c->parts[i].ended ? ";" : "!");
    }
}

START_TEST(test_mp_bodies)
{
    static const char *const boundaries[] = { "b0undary", "-", "------------------------d74496d66958873e" };
    const struct body_case *bc = &body_cases[_i];
    char what[96];

    for (size_t bi = 0; bi < NELEM(boundaries); bi++) {
        const char *b = boundaries[bi];
        buf_t body, want;
        buf_init(&body, SIZE_MAX);
        buf_init(&want, SIZE_MAX);
        subst(&body, bc->body, b);
        subst(&want, bc->summary, b);
        for (size_t s = 0; s <= body.len + 1; s++) {
            struct mp_parser mp;
            struct coll c = { 0 };
            struct chunker k = { s <= body.len ? FEED_SPLIT : FEED_BYTES, s, 0, 0 };
            buf_t got;
            snprintf(what, sizeof what, "case %d boundary %zu %s %zu", _i, bi,
                     s <= body.len ? "split at" : "bytes", s);
            enum pf_err e = run(&mp, b, body.p ? body.p : "", body.len, &k, &c);
            CHECK(e == bc->err, "%s: %s, want %s (%s)", what, pf_errname(e), pf_errname(bc->err),
                          mp_error(&mp));
            if (e)
                CHECK(strstr(mp_error(&mp), bc->msg) != NULL, "%s: message \"%s\", want \"%s\"", what,
                              mp_error(&mp), bc->msg);
            buf_init(&got, SIZE_MAX);
            summarize(&c, &got);
            CHECK(got.len == want.len && memcmp(got.p ? got.p : "", want.p ? want.p : "", got.len) == 0,
                          "%s: got \"%s\", want \"%s\"", what, got.p ? got.p : "", want.p ? want.p : "");
            buf_free(&got);
            coll_free(&c);
        }
        buf_free(&body);
        buf_free(&want);
    }
}
END_TEST

/* ---- Caps ---- */

static void build_parts(buf_t *body, const char *b, size_t nparts)
{
    char line[128];
    for (size_t i = 0; i < nparts; i++) {
        snprintf(line, sizeof line, "--%s\r\n" CD("p%zu") "\r\nv%zu\r\n", b, i, i);
        apps(body, line);
    }
    snprintf(line, sizeof line, "--%s--\r\n", b);
    apps(body, line);
}

/* MP_MAX_PARTS parts parse; one more fails when that part starts. */
START_TEST(test_mp_max_parts)
{
    static const size_t counts[] = { MP_MAX_PARTS, MP_MAX_PARTS + 1, 10000 };
    for (size_t i = 0; i < NELEM(counts); i++) {
        for (int mode = 0; mode < 2; mode++) {
            buf_t body;
            struct mp_parser mp;
            struct coll c = { 0 };
            struct chunker k = { mode ? FEED_RANDOM : FEED_WHOLE, 0, 77, 4096 };
            buf_init(&body, SIZE_MAX);
            build_parts(&body, "bnd", counts[i]);
            enum pf_err e = run(&mp, "bnd", body.p, body.len, &k, &c);
            if (counts[i] <= MP_MAX_PARTS) {
                ck_assert_int_eq(e, PF_EOK);
            } else {
                ck_assert_int_eq(e, PF_ETOOBIG);
                ck_assert_str_eq(mp_error(&mp), "more than 1024 parts");
            }
            ck_assert_uint_eq(c.n, MP_MAX_PARTS);
            ck_assert_uint_eq(c.ends, MP_MAX_PARTS);
            ck_assert_str_eq(c.parts[MP_MAX_PARTS - 1].name, "p1023");
            ck_assert_str_eq(c.parts[MP_MAX_PARTS - 1].data.p, "v1023");
            coll_free(&c);
            buf_free(&body);
        }
    }
}
END_TEST

/* A header block of exactly MP_MAX_HEADER bytes (its empty line included)
 * parses; one byte more does not. */
START_TEST(test_mp_max_header)
{
    for (size_t extra = 0; extra <= 1; extra++) {
        buf_t body;
        buf_init(&body, SIZE_MAX);
        apps(&body, "--bnd\r\n");
        size_t start = body.len;
        apps(&body, CD("a") "X-Pad: ");
        size_t pad = MP_MAX_HEADER + extra - (body.len - start) - 4;
        for (size_t i = 0; i < pad; i++)
            apps(&body, "p");
        apps(&body, "\r\n\r\n");
        ck_assert_uint_eq(body.len - start, MP_MAX_HEADER + extra);
        apps(&body, "data\r\n--bnd--\r\n");
        for (int mode = 0; mode < 3; mode++) {
            struct mp_parser mp;
            struct coll c = { 0 };
            struct chunker k = { mode == 0 ? FEED_WHOLE : mode == 1 ? FEED_BYTES : FEED_RANDOM, 0, 5, 1000 };
            enum pf_err e = run(&mp, "bnd", body.p, body.len, &k, &c);
            if (extra == 0) {
                ck_assert_msg(e == PF_EOK, "%s", mp_error(&mp));
                ck_assert_uint_eq(c.n, 1);
                ck_assert_str_eq(c.parts[0].data.p, "data");
            } else {
                ck_assert_int_eq(e, PF_ETOOBIG);
                ck_assert_str_eq(mp_error(&mp), "a part's header block is longer than 8192 bytes");
                ck_assert_uint_eq(c.n, 0);
            }
            coll_free(&c);
        }
        buf_free(&body);
    }
}
END_TEST

/* A 1 MiB header line fails within the first 64 KiB chunk, or, fed a byte
 * at a time, within MP_MAX_HEADER bytes of the header block's start. The
 * parser holds no memory but itself. */
START_TEST(test_mp_huge_header)
{
    enum { MIB = 1 << 20, CHUNK = 64 << 10 };
    static const char head[] = "--bnd\r\n" CD("a") "X-Junk: ";
    char *body = malloc(MIB);
    ck_assert_ptr_nonnull(body);
    memcpy(body, head, sizeof head - 1);
    memset(body + sizeof head - 1, 'a', MIB - (sizeof head - 1));

    ck_assert_uint_lt(sizeof(struct mp_parser), MP_MAX_HEADER + 512);
    struct mp_parser mp;
    struct coll c = { 0 };
    mp_init(&mp, "bnd", &coll_cb, &c);
    ck_assert_int_eq(mp_feed(&mp, body, CHUNK), PF_ETOOBIG);
    ck_assert_str_eq(mp_error(&mp), "a part's header block is longer than 8192 bytes");
    for (size_t off = CHUNK; off < MIB; off += CHUNK)
        ck_assert_int_eq(mp_feed(&mp, body + off, CHUNK), PF_ETOOBIG);
    ck_assert_int_eq(mp_finish(&mp), PF_ETOOBIG);

    mp_init(&mp, "bnd", &coll_cb, &c);
    size_t off = 0;
    enum pf_err e = PF_EOK;
    while (off < MIB && (e = mp_feed(&mp, body + off, 1)) == PF_EOK)
        off++;
    ck_assert_int_eq(e, PF_ETOOBIG);
    ck_assert_uint_eq(off, strlen("--bnd\r\n") + MP_MAX_HEADER - 1);
    ck_assert_uint_eq(c.n, 0);
    coll_free(&c);
    free(body);
}
END_TEST

/* ---- Callback errors ---- */

START_TEST(test_mp_callback_error)
{
    static const char body[] = "--bnd\r\n" CD("a") "\r\nxyz\r\n--bnd\r\n" CD("evil") "\r\nxyz\r\n--bnd\r\n" CD("c")
        "\r\nxyz\r\n--bnd--\r\n";
    static const enum fail_at ats[] = { AT_BEGIN, AT_DATA, AT_END };
    for (size_t i = 0; i < NELEM(ats); i++) {
        for (int mode = 0; mode < 2; mode++) {
            struct mp_parser mp;
            struct coll c = { .fail_at = ats[i], .fail_name = "evil", .fail_err = PF_EFORBIDDEN };
            struct chunker k = { mode ? FEED_BYTES : FEED_WHOLE, 0, 0, 0 };
            ck_assert_int_eq(run(&mp, "bnd", body, sizeof body - 1, &k, &c), PF_EFORBIDDEN);
            ck_assert_str_eq(mp_error(&mp), pf_strerror(PF_EFORBIDDEN));
            ck_assert_int_eq(c.failed, 1);
            ck_assert_uint_eq(c.n, 2);
            ck_assert_int_eq(c.parts[0].ended, 1);
            ck_assert_str_eq(c.parts[1].name, "evil");
            ck_assert_int_eq(c.parts[1].ended, ats[i] == AT_END);
            /* Fed a byte at a time, the failing part_data saw one byte. */
            if (ats[i] == AT_DATA)
                ck_assert_uint_eq(c.parts[1].data.len, mode ? 1 : 3);
            if (ats[i] == AT_END)
                ck_assert_uint_eq(c.parts[1].data.len, 3);
            coll_free(&c);
        }
    }
}
END_TEST

/* ---- Throughput: not asserted, just shown; catches quadratic behaviour. ---- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void feed_big(const char *label, const char *chunk, size_t chunk_len, size_t nchunks)
{
    static const char b[] = "9a1e5b2c3d4f60718293a4b5c6d7e8f9";
    static const char start[] = "--9a1e5b2c3d4f60718293a4b5c6d7e8f9\r\n"
                                "Content-Disposition: form-data; name=\"content\"; filename=\"big.whl\"\r\n"
                                "Content-Type: application/octet-stream\r\n\r\n";
    static const char end[] = "\r\n--9a1e5b2c3d4f60718293a4b5c6d7e8f9--\r\n";
    struct mp_parser mp;
    struct coll c = { .count_only = 1 };

    double t0 = now();
    mp_init(&mp, b, &coll_cb, &c);
    ck_assert_int_eq(mp_feed(&mp, start, sizeof start - 1), PF_EOK);
    for (size_t i = 0; i < nchunks; i++)
        ck_assert_int_eq(mp_feed(&mp, chunk, chunk_len), PF_EOK);
    ck_assert_int_eq(mp_feed(&mp, end, sizeof end - 1), PF_EOK);
    ck_assert_int_eq(mp_finish(&mp), PF_EOK);
    double dt = now() - t0;
    ck_assert_uint_eq(c.bytes, (uint64_t)chunk_len * nchunks);
    ck_assert_uint_eq(c.ends, 1);
    fprintf(stderr, "multipart throughput, %s: %zu MiB in %.3f s (%.0f MB/s)\n", label,
            (chunk_len * nchunks) >> 20, dt, dt > 0 ? (double)(chunk_len * nchunks) / dt / 1e6 : 0.0);
    coll_free(&c);
}

START_TEST(test_mp_throughput)
{
    enum { CHUNK = 64 << 10 };
    static const char b[] = "9a1e5b2c3d4f60718293a4b5c6d7e8f9";
    char *chunk = malloc(CHUNK);
    ck_assert_ptr_nonnull(chunk);

    /* 64 MiB of random bytes (a CR every 256 bytes or so). */
    uint64_t s = 0x123456789abcdefull;
    for (size_t i = 0; i < CHUNK; i += 8) {
        uint64_t x = xorshift(&s);
        memcpy(chunk + i, &x, 8);
    }
    feed_big("random bytes", chunk, CHUNK, 1024);

    /* 16 MiB of near-delimiters: the worst case for the scan. */
    size_t i = 0;
    while (i < CHUNK) {
        char near[64];
        int n = snprintf(near, sizeof near, "\r\n--%.*sx", (int)sizeof b - 2, b);
        for (int j = 0; j < n && i < CHUNK; j++)
            chunk[i++] = near[j];
    }
    feed_big("near-delimiters", chunk, CHUNK, 256);
    free(chunk);
}
END_TEST

Suite *suite_multipart(void)
{
    Suite *s = suite_create("multipart");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_mp_twine, 0, (int)NELEM(twine_boundaries));
    tcase_add_loop_test(tc, test_mp_truncated, 0, (int)NELEM(twine_boundaries));
    tcase_add_loop_test(tc, test_mp_boundary, 0, (int)NELEM(boundary_cases));
    tcase_add_test(tc, test_mp_init_bad_boundary);
    tcase_add_loop_test(tc, test_mp_headers, 0, (int)NELEM(hdr_cases));
    tcase_add_loop_test(tc, test_mp_bodies, 0, (int)NELEM(body_cases));
    tcase_add_test(tc, test_mp_max_parts);
    tcase_add_test(tc, test_mp_max_header);
    tcase_add_test(tc, test_mp_huge_header);
    tcase_add_test(tc, test_mp_callback_error);
    tcase_add_test(tc, test_mp_throughput);
    suite_add_tcase(s, tc);
    return s;
}
