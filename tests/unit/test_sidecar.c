/* SPDX-License-Identifier: MIT */
/* test_sidecar.c: unit tests for sidecar.c (record format, atomic store, strict load). */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "digest.h"
#include "sidecar.h"
#include "suites.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define MAGIC "pypi-fcgi-sidecar 1\n"
#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* A record with every optional field, the text ones holding what must be
 * encoded: spaces, '%', non-ASCII and invalid UTF-8 bytes, newlines. */
static void full_record(sidecar_t *r)
{
    memset(r, 0, sizeof *r);
    r->size = 12345;
    r->mtime_sec = 1700000000;
    r->mtime_nsec = 123456789;
    strcpy(r->sha256, SHA_A);
    r->first_seen_usec = 1700000000123456;
    r->requires_python = strdup(">= 3.8, < 4");
    r->yanked = true;
    r->yank_reason = strdup("broken\nbuild 100% caf\xc3\xa9 \xff\r\n\tend");
    r->uploader = strdup("alice@example.org");
    r->has_metadata = true;
    strcpy(r->metadata_sha256, SHA_B);
    r->metadata_len = 1234;
}

/* The on-disk form of full_record, without its end line. */
static const char full_body[] = MAGIC "size 12345\n"
                                      "mtime 1700000000.123456789\n"
                                      "sha256 " SHA_A "\n"
                                      "first-seen 1700000000123456\n"
                                      "yanked 1\n"
                                      "requires-python >=%203.8,%20<%204\n"
                                      "yank-reason broken%0abuild%20100%25%20caf%c3%a9%20%ff%0d%0a%09end\n"
                                      "uploader alice@example.org\n"
                                      "metadata 1234 " SHA_B "\n";

static void minimal_record(sidecar_t *r)
{
    memset(r, 0, sizeof *r);
    strcpy(r->sha256, SHA_EMPTY);
}

static const char minimal_body[] = MAGIC "size 0\n"
                                         "mtime 0.000000000\n"
                                         "sha256 " SHA_EMPTY "\n"
                                         "first-seen 0\n"
                                         "yanked 0\n";

/* body + "end <sha256 of body>\n", malloc'd. */
static char *seal(const char *body, size_t *outlen)
{
    size_t n = strlen(body);
    char *p = malloc(n + 4 + DIGEST_HEX_LEN + 2);
    ck_assert_ptr_nonnull(p);
    memcpy(p, body, n);
    memcpy(p + n, "end ", 4);
    digest_sha256_hex(body, n, p + n + 4);
    p[n + 4 + DIGEST_HEX_LEN] = '\n';
    p[n + 5 + DIGEST_HEX_LEN] = '\0';
    *outlen = n + 5 + DIGEST_HEX_LEN;
    return p;
}

static void ck_str_or_null(const char *got, const char *want)
{
    if (!want) {
        ck_assert_ptr_null(got);
    } else {
        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(got, want);
    }
}

static void assert_same(const sidecar_t *a, const sidecar_t *b)
{
    ck_assert_uint_eq(a->size, b->size);
    ck_assert_int_eq(a->mtime_sec, b->mtime_sec);
    ck_assert_int_eq(a->mtime_nsec, b->mtime_nsec);
    ck_assert_str_eq(a->sha256, b->sha256);
    ck_assert_int_eq(a->first_seen_usec, b->first_seen_usec);
    ck_str_or_null(a->requires_python, b->requires_python);
    ck_assert_int_eq(a->yanked, b->yanked);
    ck_str_or_null(a->yank_reason, b->yank_reason);
    ck_str_or_null(a->uploader, b->uploader);
    ck_assert_int_eq(a->has_metadata, b->has_metadata);
    if (a->has_metadata) {
        ck_assert_str_eq(a->metadata_sha256, b->metadata_sha256);
        ck_assert_uint_eq(a->metadata_len, b->metadata_len);
    }
}

static void assert_zeroed(const sidecar_t *r)
{
    static const sidecar_t zero;
    ck_assert_msg(memcmp(r, &zero, sizeof zero) == 0, "record not cleared after a failure");
}

/* ---- encode / decode ---- */

START_TEST(test_sidecar_full_roundtrip)
{
    sidecar_t rec, back;
    char *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0, wantlen;
    char *want = seal(full_body, &wantlen);

    full_record(&rec);
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    /* The exact on-disk bytes: the format is a contract with older
     * records on disk. */
    ck_assert_msg(len == wantlen && memcmp(enc, want, len) == 0, "encoded:\n%s\nwant:\n%s", enc, want);
    ck_assert_uint_eq((unsigned char)enc[len], 0);

    ck_assert_int_eq(sidecar_decode(enc, len, &back), PF_EOK);
    assert_same(&back, &rec);
    /* Encoding what was decoded gives the same bytes. */
    ck_assert_int_eq(sidecar_encode(&back, &enc2, &len2), PF_EOK);
    ck_assert_uint_eq(len2, len);
    ck_assert_mem_eq(enc2, enc, len);

    sidecar_clear(&back);
    assert_zeroed(&back);
    sidecar_clear(&rec);
    free(enc);
    free(enc2);
    free(want);
}
END_TEST

START_TEST(test_sidecar_minimal_roundtrip)
{
    sidecar_t rec, back;
    char *enc = NULL;
    size_t len = 0, wantlen;
    char *want = seal(minimal_body, &wantlen);

    minimal_record(&rec);
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    ck_assert_msg(len == wantlen && memcmp(enc, want, len) == 0, "encoded:\n%s\nwant:\n%s", enc, want);
    ck_assert_int_eq(sidecar_decode(enc, len, &back), PF_EOK);
    assert_same(&back, &rec);
    ck_assert_ptr_null(back.requires_python);
    ck_assert_ptr_null(back.yank_reason);
    ck_assert_ptr_null(back.uploader);
    ck_assert(!back.has_metadata);
    sidecar_clear(&back);
    free(enc);
    free(want);
}
END_TEST

/* Field-level round trips through a table of variations. */
struct rt_case {
    const char *requires_python;
    bool yanked;
    const char *yank_reason;
    const char *uploader;
    const char *want_reason; /* what decoding gives back */
};

static const struct rt_case rt_cases[] = {
    { NULL, false, NULL, NULL, NULL },
    /* A reason is only kept for a yanked file. */
    { NULL, false, "ignored", NULL, NULL },
    { NULL, true, NULL, NULL, NULL },
    { NULL, true, "", NULL, "" },
    { "", false, NULL, "", NULL },
    { ">=3.8", true, "x", "u", "x" },
    { "%%%", true, "%00 is not a NUL", "%", "%00 is not a NUL" },
    { "\x01\x1f\x7f\x80\xff", true, "\n\n\n", " ", "\n\n\n" },
    { "end " SHA_A, true, "size 1\nmtime 1.000000000", "metadata 1 " SHA_A, "size 1\nmtime 1.000000000" },
};

START_TEST(test_sidecar_field_roundtrip)
{
    const struct rt_case *c = &rt_cases[_i];
    sidecar_t rec, back;
    char *enc = NULL;
    size_t len = 0;

    minimal_record(&rec);
    rec.requires_python = (char *)c->requires_python;
    rec.yanked = c->yanked;
    rec.yank_reason = (char *)c->yank_reason;
    rec.uploader = (char *)c->uploader;
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    /* One field per line whatever the text: no raw control bytes. */
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)enc[i];
        ck_assert_msg(b == '\n' || (b >= ' ' && b < 0x7f), "raw byte 0x%02x in a record", b);
    }
    ck_assert_int_eq(sidecar_decode(enc, len, &back), PF_EOK);
    ck_str_or_null(back.requires_python, c->requires_python);
    ck_assert_int_eq(back.yanked, c->yanked);
    ck_str_or_null(back.yank_reason, c->want_reason);
    ck_str_or_null(back.uploader, c->uploader);
    sidecar_clear(&back);
    free(enc);
}
END_TEST

/* Big numbers round-trip; SIDECAR_MAX_FIELD is enforced at encode time. */
START_TEST(test_sidecar_limits)
{
    sidecar_t rec, back;
    char *enc = NULL;
    size_t len = 0;
    char *big = malloc(SIDECAR_MAX_FIELD + 2);

    ck_assert_ptr_nonnull(big);
    minimal_record(&rec);
    rec.size = UINT64_MAX;
    rec.mtime_sec = INT64_MAX;
    rec.mtime_nsec = 999999999;
    rec.first_seen_usec = INT64_MAX;
    rec.has_metadata = true;
    rec.metadata_len = UINT64_MAX;
    strcpy(rec.metadata_sha256, SHA_A);
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    ck_assert_int_eq(sidecar_decode(enc, len, &back), PF_EOK);
    assert_same(&back, &rec);
    sidecar_clear(&back);
    free(enc);

    /* 1024 bytes that each encode to three still fit. */
    memset(big, ' ', SIDECAR_MAX_FIELD);
    big[SIDECAR_MAX_FIELD] = '\0';
    minimal_record(&rec);
    rec.uploader = big;
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    ck_assert_int_eq(sidecar_decode(enc, len, &back), PF_EOK);
    ck_assert_str_eq(back.uploader, big);
    sidecar_clear(&back);
    free(enc);
    /* One more is refused. */
    big[SIDECAR_MAX_FIELD] = ' ';
    big[SIDECAR_MAX_FIELD + 1] = '\0';
    enc = NULL;
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_ETOOBIG);
    rec.uploader = NULL;
    rec.requires_python = big;
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_ETOOBIG);
    rec.requires_python = NULL;
    rec.yanked = true;
    rec.yank_reason = big;
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_ETOOBIG);
    free(big);
}
END_TEST

START_TEST(test_sidecar_copy)
{
    sidecar_t rec, dst;
    full_record(&rec);
    memset(&dst, 0, sizeof dst);
    ck_assert_int_eq(sidecar_copy(&dst, &rec), PF_EOK);
    assert_same(&dst, &rec);
    ck_assert_ptr_ne(dst.requires_python, rec.requires_python);
    ck_assert_ptr_ne(dst.yank_reason, rec.yank_reason);
    ck_assert_ptr_ne(dst.uploader, rec.uploader);
    sidecar_clear(&rec);
    ck_assert_str_eq(dst.requires_python, ">= 3.8, < 4"); /* not shared */
    sidecar_clear(&dst);

    minimal_record(&rec);
    ck_assert_int_eq(sidecar_copy(&dst, &rec), PF_EOK);
    assert_same(&dst, &rec);
    sidecar_clear(&dst);
}
END_TEST

/* ---- corruption ---- */

/* Every proper prefix of a valid record is refused. */
START_TEST(test_sidecar_every_truncation)
{
    sidecar_t rec, back;
    char *enc = NULL;
    size_t len = 0;

    if (_i == 0)
        full_record(&rec);
    else
        minimal_record(&rec);
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    for (size_t n = 0; n < len; n++) {
        /* A copy of exactly n bytes, so ASan sees any read past it. */
        char *p = malloc(n ? n : 1);
        ck_assert_ptr_nonnull(p);
        memcpy(p, enc, n);
        enum pf_err e = sidecar_decode(p, n, &back);
        ck_assert_msg(e == PF_ECORRUPT, "truncated to %zu of %zu bytes: %s", n, len, pf_errname(e));
        assert_zeroed(&back);
        free(p);
    }
    ck_assert_int_eq(sidecar_decode(enc, len, &back), PF_EOK);
    sidecar_clear(&back);
    sidecar_clear(&rec);
    free(enc);
}
END_TEST

/* Any single changed byte is refused (the checksum covers everything). */
START_TEST(test_sidecar_every_byte_flip)
{
    static const unsigned char flips[] = { 0x01, 0x20, 0x80, 0xff };
    sidecar_t rec, back;
    char *enc = NULL;
    size_t len = 0;

    if (_i == 0)
        full_record(&rec);
    else
        minimal_record(&rec);
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    char *p = malloc(len);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < len; i++)
        for (size_t f = 0; f < NELEM(flips); f++) {
            memcpy(p, enc, len);
            p[i] = (char)(p[i] ^ flips[f]);
            enum pf_err e = sidecar_decode(p, len, &back);
            ck_assert_msg(e == PF_ECORRUPT, "byte %zu ^ 0x%02x: %s", i, flips[f], pf_errname(e));
            assert_zeroed(&back);
        }
    /* Extra bytes after the end line, or a byte dropped inside. */
    char *q = malloc(len + 1);
    ck_assert_ptr_nonnull(q);
    memcpy(q, enc, len);
    q[len] = '\n';
    ck_assert_int_eq(sidecar_decode(q, len + 1, &back), PF_ECORRUPT);
    q[len] = 'x';
    ck_assert_int_eq(sidecar_decode(q, len + 1, &back), PF_ECORRUPT);
    for (size_t i = 0; i < len; i++) {
        memcpy(q, enc, i);
        memcpy(q + i, enc + i + 1, len - i - 1);
        ck_assert_msg(sidecar_decode(q, len - 1, &back) == PF_ECORRUPT, "byte %zu dropped", i);
    }
    free(q);
    free(p);
    sidecar_clear(&rec);
    free(enc);
}
END_TEST

START_TEST(test_sidecar_garbage)
{
    static const char *const garbage[] = {
        "",
        "\n",
        "hello",
        MAGIC,
        MAGIC "end \n",
        "end " SHA_EMPTY "\n",
        "\x1f\x8b\x08\x00\x00\x00\x00\x00",
        "<html><body>404</body></html>\n",
    };
    sidecar_t back;
    for (size_t i = 0; i < NELEM(garbage); i++) {
        ck_assert_int_eq(sidecar_decode(garbage[i], strlen(garbage[i]), &back), PF_ECORRUPT);
        assert_zeroed(&back);
    }
    /* Pseudo-random bytes of many lengths. */
    char buf[512];
    unsigned x = 12345;
    for (size_t n = 0; n < sizeof buf; n += 7) {
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (char)(x >> 16);
        }
        ck_assert_int_eq(sidecar_decode(buf, n, &back), PF_ECORRUPT);
    }
    /* Larger than SIDECAR_MAX_REC, even with a good checksum. */
    size_t blen = SIDECAR_MAX_REC + 100;
    char *body = malloc(blen + 1);
    ck_assert_ptr_nonnull(body);
    strcpy(body, minimal_body);
    size_t off = strlen(body);
    static const char line[] = "uploader aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
    while (off + sizeof line < blen) {
        memcpy(body + off, line, sizeof line - 1);
        off += sizeof line - 1;
    }
    body[off] = '\0';
    size_t slen;
    char *sealed = seal(body, &slen);
    ck_assert_uint_gt(slen, SIDECAR_MAX_REC);
    ck_assert_int_eq(sidecar_decode(sealed, slen, &back), PF_ECORRUPT);
    free(sealed);
    free(body);
}
END_TEST

/* Records with a correct checksum that only the field checks can refuse.
 * body is appended to the minimal record's mandatory lines unless it
 * starts with the magic line itself. */
struct sem_case {
    const char *body;
    enum pf_err want;
};

#define M_SIZE "size 1\n"
#define M_MTIME "mtime 1.000000000\n"
#define M_SHA "sha256 " SHA_A "\n"
#define M_FIRST "first-seen 1\n"
#define M_YANKED "yanked 0\n"
#define MAND M_SIZE M_MTIME M_SHA M_FIRST M_YANKED

static const struct sem_case sem_cases[] = {
    /* Positive controls: the builder itself makes good records. */
    { MAGIC MAND, PF_EOK },
    { MAGIC M_YANKED M_FIRST M_SHA M_MTIME M_SIZE, PF_EOK }, /* any order */
    { MAGIC MAND "requires-python >=3\nuploader x\n", PF_EOK },
    { MAGIC MAND "metadata 0 " SHA_EMPTY "\n", PF_EOK },
    { MAGIC "size 18446744073709551615\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_EOK },
    { MAGIC M_SIZE "mtime 9223372036854775807.999999999\n" M_SHA M_FIRST M_YANKED, PF_EOK },
    { MAGIC M_SIZE M_MTIME M_SHA "first-seen 9223372036854775807\n" M_YANKED, PF_EOK },
    /* Another format version or no magic. */
    { "pypi-fcgi-sidecar 2\n" MAND, PF_ECORRUPT },
    { "pypi-fcgi-sidecar 1 \n" MAND, PF_ECORRUPT },
    { MAND, PF_ECORRUPT },
    /* Unknown keys, blank lines, CRLF. */
    { MAGIC MAND "color blue\n", PF_ECORRUPT },
    { MAGIC MAND "Size 1\n", PF_ECORRUPT },
    { MAGIC MAND "\n", PF_ECORRUPT },
    { MAGIC "\n" MAND, PF_ECORRUPT },
    { MAGIC MAND "end " SHA_A "\n", PF_ECORRUPT },
    { MAGIC "size 1\r\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC MAND "uploader x\r\n", PF_ECORRUPT },
    { MAGIC MAND "uploader", PF_ECORRUPT }, /* last line without '\n' */
    /* Duplicate fields. */
    { MAGIC MAND "requires-python a\nrequires-python b\n", PF_ECORRUPT },
    { MAGIC MAND "requires-python a\nrequires-python a\n", PF_ECORRUPT },
    { MAGIC MAND "uploader a\nuploader b\n", PF_ECORRUPT },
    { "pypi-fcgi-sidecar 1\n" M_SIZE M_MTIME M_SHA M_FIRST "yanked 1\nyank-reason a\nyank-reason b\n",
      PF_ECORRUPT },
    { MAGIC MAND "metadata 1 " SHA_A "\nmetadata 1 " SHA_A "\n", PF_ECORRUPT },
    { MAGIC MAND M_SIZE, PF_ECORRUPT },
    { MAGIC MAND "size 2\n", PF_ECORRUPT },
    { MAGIC MAND M_MTIME, PF_ECORRUPT },
    { MAGIC MAND M_SHA, PF_ECORRUPT },
    { MAGIC MAND M_FIRST, PF_ECORRUPT },
    { MAGIC MAND "yanked 1\n", PF_ECORRUPT },
    /* A missing mandatory field. */
    { MAGIC M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE M_MTIME M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE M_MTIME M_SHA M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE M_MTIME M_SHA M_FIRST, PF_ECORRUPT },
    { MAGIC, PF_ECORRUPT },
    /* size: strict unsigned decimal. */
    { MAGIC "size +1\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size -1\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size 123456789012345678901\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size 18446744073709551616\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size 99999999999999999999\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size \n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size  1\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size 1 \n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size 0x10\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size 1e3\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC "size 1.0\n" M_MTIME M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    /* mtime: seconds, '.', exactly nine digits. */
    { MAGIC M_SIZE "mtime 1.12345678\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE "mtime 1.1234567890\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE "mtime 1\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE "mtime 1.\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE "mtime .000000000\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE "mtime -1.000000000\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE "mtime 1.-00000000\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE "mtime 1.00000000a\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE "mtime 1.000000000.0\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE "mtime 9223372036854775808.000000000\n" M_SHA M_FIRST M_YANKED, PF_ECORRUPT },
    /* sha256: 64 lowercase hex digits. */
    { MAGIC M_SIZE M_MTIME "sha256 " SHA_A "0\n" M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE M_MTIME "sha256 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n"
            M_FIRST M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE M_MTIME "sha256 \n" M_FIRST M_YANKED, PF_ECORRUPT },
    /* first-seen. */
    { MAGIC M_SIZE M_MTIME M_SHA "first-seen 9223372036854775808\n" M_YANKED, PF_ECORRUPT },
    { MAGIC M_SIZE M_MTIME M_SHA "first-seen -1\n" M_YANKED, PF_ECORRUPT },
    /* yanked: 0 or 1. */
    { MAGIC M_SIZE M_MTIME M_SHA M_FIRST "yanked 2\n", PF_ECORRUPT },
    { MAGIC M_SIZE M_MTIME M_SHA M_FIRST "yanked 01\n", PF_ECORRUPT },
    { MAGIC M_SIZE M_MTIME M_SHA M_FIRST "yanked \n", PF_ECORRUPT },
    { MAGIC M_SIZE M_MTIME M_SHA M_FIRST "yanked true\n", PF_ECORRUPT },
    /* Text fields: only printable ASCII raw, %xx lowercase, no %00. */
    { MAGIC MAND "uploader a b\n", PF_ECORRUPT },
    { MAGIC MAND "uploader a\tb\n", PF_ECORRUPT },
    { MAGIC MAND "uploader caf\xc3\xa9\n", PF_ECORRUPT },
    { MAGIC MAND "uploader a\x7f\n", PF_ECORRUPT },
    { MAGIC MAND "uploader %00\n", PF_ECORRUPT },
    { MAGIC MAND "uploader %4A\n", PF_ECORRUPT },
    { MAGIC MAND "uploader %zz\n", PF_ECORRUPT },
    { MAGIC MAND "uploader %4\n", PF_ECORRUPT },
    { MAGIC MAND "uploader %\n", PF_ECORRUPT },
    { MAGIC MAND "uploader x%\n", PF_ECORRUPT },
    { MAGIC MAND "uploader %4a\n", PF_EOK },
    { MAGIC MAND "requires-python %3e%3d3\n", PF_EOK },
    /* metadata: length and hash. */
    { MAGIC MAND "metadata 12\n", PF_ECORRUPT },
    { MAGIC MAND "metadata x " SHA_A "\n", PF_ECORRUPT },
    { MAGIC MAND "metadata -1 " SHA_A "\n", PF_ECORRUPT },
    { MAGIC MAND "metadata 1  " SHA_A "\n", PF_ECORRUPT },
    { MAGIC MAND "metadata 1 " SHA_A " \n", PF_ECORRUPT },
    { MAGIC MAND "metadata " SHA_A "\n", PF_ECORRUPT },
    /* ident: the inode number and the ctime, given once. */
    { MAGIC MAND "ident 12 1700000000.000000001\n", PF_EOK },
    { MAGIC MAND "ident 12 1700000000.000000001\nident 12 1700000000.000000001\n", PF_ECORRUPT },
    { MAGIC MAND "ident 12\n", PF_ECORRUPT },
    { MAGIC MAND "ident 12 1700000000\n", PF_ECORRUPT },
    { MAGIC MAND "ident 12 1700000000.1\n", PF_ECORRUPT },
    { MAGIC MAND "ident -12 1700000000.000000001\n", PF_ECORRUPT },
    { MAGIC MAND "ident 12  1700000000.000000001\n", PF_ECORRUPT },
    { MAGIC MAND "ident 18446744073709551616 1.000000000\n", PF_ECORRUPT },
    { MAGIC MAND "ident 12 9223372036854775808.000000000\n", PF_ECORRUPT },
};

START_TEST(test_sidecar_semantic)
{
    const struct sem_case *c = &sem_cases[_i];
    sidecar_t back;
    size_t len;
    char *p = seal(c->body, &len);
    enum pf_err e = sidecar_decode(p, len, &back);
    free(p);
    if (e)
        assert_zeroed(&back);
    else
        sidecar_clear(&back);
    ck_assert_msg(e == c->want, "case %d:\n%s-> %s, want %s", _i, c->body, pf_errname(e),
                  pf_errname(c->want));
}
END_TEST

/* A decoded text field longer than SIDECAR_MAX_FIELD is corrupt. */
START_TEST(test_sidecar_field_too_long)
{
    size_t n = strlen(MAGIC MAND "uploader \n") + SIDECAR_MAX_FIELD + 1;
    char *body = malloc(n + 1);
    sidecar_t back;
    size_t len;

    ck_assert_ptr_nonnull(body);
    for (int extra = 0; extra <= 1; extra++) {
        strcpy(body, MAGIC MAND "uploader ");
        size_t off = strlen(body);
        memset(body + off, 'u', SIDECAR_MAX_FIELD + (size_t)extra);
        off += SIDECAR_MAX_FIELD + (size_t)extra;
        strcpy(body + off, "\n");
        char *p = seal(body, &len);
        ck_assert_int_eq(sidecar_decode(p, len, &back), extra ? PF_ECORRUPT : PF_EOK);
        if (!extra) {
            ck_assert_uint_eq(strlen(back.uploader), SIDECAR_MAX_FIELD);
            sidecar_clear(&back);
        }
        free(p);
    }
    free(body);
}
END_TEST

/* ---- files ---- */

static int open_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    return fd;
}

/* Names in dir (not . and ..), sorted, joined with '|'. */
static void list_dir(const char *dir, char *out, size_t outsz)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    ck_assert_int_ge(n, 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
            if (out[0])
                strncat(out, "|", outsz - strlen(out) - 1);
            strncat(out, ents[i]->d_name, outsz - strlen(out) - 1);
        }
        free(ents[i]);
    }
    free(ents);
}

START_TEST(test_sidecar_store_load)
{
    static const char fname[] = "foo_bar-1.0-py3-none-any.whl";
    static const char md[] = "Metadata-Version: 2.1\r\nName: foo_bar\nVersion: 1.0\n\n\xff body";
    char *dir = tu_mkdtemp();
    char path[1024], names[1024];
    sidecar_t rec, back;
    char *enc = NULL, *got = NULL;
    size_t enclen, gotlen;

    int dfd = open_dir(dir);
    full_record(&rec);
    rec.metadata_len = sizeof md - 1;
    digest_sha256_hex(md, sizeof md - 1, rec.metadata_sha256);

    /* Nothing yet. */
    ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_ENOTFOUND);

    ck_assert_int_eq(sidecar_store(dfd, fname, &rec, md, sizeof md - 1), PF_EOK);
    /* DIR/.pypi-fcgi/FILENAME.rec and .metadata, and no temporary left. */
    list_dir(dir, names, sizeof names);
    ck_assert_str_eq(names, ".pypi-fcgi");
    snprintf(path, sizeof path, "%s/.pypi-fcgi", dir);
    list_dir(path, names, sizeof names);
    ck_assert_str_eq(names, "foo_bar-1.0-py3-none-any.whl.metadata|foo_bar-1.0-py3-none-any.whl.rec");
    /* The .rec file holds exactly the encoding; .metadata the bytes given. */
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &enclen), PF_EOK);
    snprintf(path, sizeof path, "%s/.pypi-fcgi/%s.rec", dir, fname);
    got = tu_read_file(path, &gotlen);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(gotlen, enclen);
    ck_assert_mem_eq(got, enc, enclen);
    free(got);
    snprintf(path, sizeof path, "%s/.pypi-fcgi/%s.metadata", dir, fname);
    got = tu_read_file(path, &gotlen);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(gotlen, sizeof md - 1);
    ck_assert_mem_eq(got, md, gotlen);
    free(got);

    ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_EOK);
    assert_same(&back, &rec);

    got = NULL;
    ck_assert_int_eq(sidecar_load_metadata(dfd, fname, &back, &got, &gotlen), PF_EOK);
    ck_assert_uint_eq(gotlen, sizeof md - 1);
    ck_assert_mem_eq(got, md, gotlen);
    free(got);

    /* Another file in the same directory has no record. */
    ck_assert_int_eq(sidecar_load(dfd, "foo_bar-2.0-py3-none-any.whl", &back), PF_ENOTFOUND);
    /* Storing again replaces the record. */
    sidecar_clear(&back);
    rec.yanked = false;
    rec.size = 42;
    ck_assert_int_eq(sidecar_store(dfd, fname, &rec, md, sizeof md - 1), PF_EOK);
    ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_EOK);
    ck_assert_uint_eq(back.size, 42);
    ck_assert(!back.yanked);
    ck_assert_ptr_null(back.yank_reason);
    sidecar_clear(&back);
    snprintf(path, sizeof path, "%s/.pypi-fcgi", dir);
    list_dir(path, names, sizeof names);
    ck_assert_str_eq(names, "foo_bar-1.0-py3-none-any.whl.metadata|foo_bar-1.0-py3-none-any.whl.rec");

    /* A record without metadata writes no .metadata file, and loading
     * metadata through it is PF_ENOTFOUND. */
    sidecar_t plain;
    minimal_record(&plain);
    ck_assert_int_eq(sidecar_store(dfd, "foo-1.0.tar.gz", &plain, NULL, 0), PF_EOK);
    list_dir(path, names, sizeof names);
    ck_assert_str_eq(names, "foo-1.0.tar.gz.rec|foo_bar-1.0-py3-none-any.whl.metadata|"
                            "foo_bar-1.0-py3-none-any.whl.rec");
    ck_assert_int_eq(sidecar_load(dfd, "foo-1.0.tar.gz", &back), PF_EOK);
    assert_same(&back, &plain);
    ck_assert_int_eq(sidecar_load_metadata(dfd, "foo-1.0.tar.gz", &back, &got, &gotlen), PF_ENOTFOUND);
    sidecar_clear(&back);

    sidecar_clear(&rec);
    free(enc);
    close(dfd);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* The .metadata file is checked against the record's length and hash. */
START_TEST(test_sidecar_metadata_mismatch)
{
    static const char fname[] = "foo-1.0-py3-none-any.whl";
    static const char md[] = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n";
    char *dir = tu_mkdtemp();
    char path[1024];
    sidecar_t rec, back;
    char *got = NULL;
    size_t gotlen = 0;
    int dfd = open_dir(dir);

    minimal_record(&rec);
    rec.has_metadata = true;
    rec.metadata_len = sizeof md - 1;
    digest_sha256_hex(md, sizeof md - 1, rec.metadata_sha256);
    ck_assert_int_eq(sidecar_store(dfd, fname, &rec, md, sizeof md - 1), PF_EOK);
    ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_EOK);
    snprintf(path, sizeof path, "%s/.pypi-fcgi/%s.metadata", dir, fname);

    /* Same length, one byte changed. */
    char edited[sizeof md];
    memcpy(edited, md, sizeof md);
    edited[20] = 'X';
    tu_write_file(path, edited, sizeof md - 1);
    ck_assert_int_eq(sidecar_load_metadata(dfd, fname, &back, &got, &gotlen), PF_ECORRUPT);
    /* Shorter. */
    tu_write_file(path, md, sizeof md - 2);
    ck_assert_int_eq(sidecar_load_metadata(dfd, fname, &back, &got, &gotlen), PF_ECORRUPT);
    /* Longer. */
    char longer[sizeof md + 1];
    memcpy(longer, md, sizeof md - 1);
    longer[sizeof md - 1] = '\n';
    tu_write_file(path, longer, sizeof md);
    ck_assert_int_eq(sidecar_load_metadata(dfd, fname, &back, &got, &gotlen), PF_ECORRUPT);
    /* Empty. */
    tu_write_file(path, "", 0);
    ck_assert_int_eq(sidecar_load_metadata(dfd, fname, &back, &got, &gotlen), PF_ECORRUPT);
    /* Restored: good again. */
    tu_write_file(path, md, sizeof md - 1);
    ck_assert_int_eq(sidecar_load_metadata(dfd, fname, &back, &got, &gotlen), PF_EOK);
    ck_assert_uint_eq(gotlen, sizeof md - 1);
    ck_assert_mem_eq(got, md, gotlen);
    free(got);
    got = NULL;
    /* Deleted: the record promised it. */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(sidecar_load_metadata(dfd, fname, &back, &got, &gotlen), PF_ECORRUPT);
    /* A directory in its place. */
    ck_assert_int_eq(mkdir(path, 0755), 0);
    ck_assert_int_eq(sidecar_load_metadata(dfd, fname, &back, &got, &gotlen), PF_ECORRUPT);
    ck_assert_ptr_null(got);

    sidecar_clear(&back);
    close(dfd);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_sidecar_load_corrupt_files)
{
    static const char fname[] = "foo-1.0.tar.gz";
    char *dir = tu_mkdtemp();
    char path[1024];
    sidecar_t rec, back;
    char *enc = NULL;
    size_t len = 0;
    int dfd = open_dir(dir);

    /* No sidecar directory at all. */
    ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_ENOTFOUND);
    full_record(&rec);
    ck_assert_int_eq(sidecar_store(dfd, fname, &rec, NULL, 0), PF_EOK);
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    snprintf(path, sizeof path, "%s/.pypi-fcgi/%s.rec", dir, fname);

    /* Truncated on disk (a crash mid-write that skipped the rename). */
    static const size_t cuts[] = { 0, 1, 20, 100 };
    for (size_t i = 0; i < NELEM(cuts); i++) {
        tu_write_file(path, enc, cuts[i]);
        ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_ECORRUPT);
    }
    tu_write_file(path, enc, len - 1);
    ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_ECORRUPT);
    /* Larger than SIDECAR_MAX_REC. */
    char *big = calloc(1, SIDECAR_MAX_REC + 1);
    ck_assert_ptr_nonnull(big);
    tu_write_file(path, big, SIDECAR_MAX_REC + 1);
    ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_ECORRUPT);
    free(big);
    /* A directory where the record should be. */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_ECORRUPT);
    ck_assert_int_eq(rmdir(path), 0);
    /* Intact again. */
    tu_write_file(path, enc, len);
    ck_assert_int_eq(sidecar_load(dfd, fname, &back), PF_EOK);
    assert_same(&back, &rec);
    sidecar_clear(&back);

    sidecar_clear(&rec);
    free(enc);
    close(dfd);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_sidecar_fresh)
{
    char *dir = tu_mkdtemp();
    char path[1024];
    struct stat st;
    sidecar_t rec;

    snprintf(path, sizeof path, "%s/foo-1.0.tar.gz", dir);
    tu_write_file(path, "0123456789", 10);
    struct timespec ts[2] = { { 1700000000, 123456789 }, { 1700000000, 123456789 } };
    ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
    ck_assert_int_eq(stat(path, &st), 0);

    minimal_record(&rec);
    rec.size = 10;
    rec.mtime_sec = 1700000000;
    rec.mtime_nsec = 123456789;
    ck_assert(sidecar_fresh(&rec, &st));

    rec.size = 11;
    ck_assert(!sidecar_fresh(&rec, &st));
    rec.size = 10;
    rec.mtime_nsec = 123456788;
    ck_assert(!sidecar_fresh(&rec, &st));
    rec.mtime_nsec = 123456789;
    rec.mtime_sec = 1700000001;
    ck_assert(!sidecar_fresh(&rec, &st));
    rec.mtime_sec = 1700000000;
    ck_assert(sidecar_fresh(&rec, &st));

    /* The file changes: same size, new mtime; then new size. */
    ts[1].tv_nsec = 0;
    ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(!sidecar_fresh(&rec, &st));
    tu_write_file(path, "01234567890", 11);
    ts[1].tv_nsec = 123456789;
    ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(!sidecar_fresh(&rec, &st));

    /* A record made from a stat, through the file format, is fresh. */
    sidecar_t back;
    char *enc;
    size_t len;
    rec.size = (uint64_t)st.st_size;
    rec.mtime_sec = st.st_mtim.tv_sec;
    rec.mtime_nsec = st.st_mtim.tv_nsec;
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    ck_assert_int_eq(sidecar_decode(enc, len, &back), PF_EOK);
    ck_assert(sidecar_fresh(&back, &st));
    free(enc);
    sidecar_clear(&back);

    /* With its identity (sidecar_set_stat), through the format too. */
    sidecar_set_stat(&rec, &st);
    ck_assert(rec.has_ident);
    ck_assert_int_eq(sidecar_encode(&rec, &enc, &len), PF_EOK);
    ck_assert_int_eq(sidecar_decode(enc, len, &back), PF_EOK);
    free(enc);
    ck_assert(back.has_ident && back.ino == (uint64_t)st.st_ino);
    ck_assert(sidecar_fresh(&back, &st));
    sidecar_clear(&back);

    /* Another file of the same size and mtime under that name (a racing
     * upload that won, a copy within one timestamp tick): the record
     * made from the first is not fresh for it. */
    char other[1100];
    snprintf(other, sizeof other, "%s/other", dir);
    tu_write_file(other, "abcdefghijk", 11);
    ck_assert_int_eq(utimensat(AT_FDCWD, other, (struct timespec[2]){ st.st_atim, st.st_mtim }, 0), 0);
    ck_assert_int_eq(rename(other, path), 0);
    struct stat st2;
    ck_assert_int_eq(stat(path, &st2), 0);
    ck_assert(st2.st_size == st.st_size && st2.st_mtim.tv_sec == st.st_mtim.tv_sec &&
              st2.st_mtim.tv_nsec == st.st_mtim.tv_nsec);
    ck_assert(!sidecar_fresh(&rec, &st2));
    /* The same file with a new ctime (a link made to it) is judged again. */
    sidecar_set_stat(&rec, &st2);
    ck_assert(sidecar_fresh(&rec, &st2));
    ck_assert_int_eq(link(path, other), 0);
    ck_assert_int_eq(stat(path, &st2), 0);
    if (st2.st_ctim.tv_sec != rec.ctime_sec || st2.st_ctim.tv_nsec != rec.ctime_nsec)
        ck_assert(!sidecar_fresh(&rec, &st2));
    /* A record without an identity (written before it existed) is
     * judged by size and mtime. */
    rec.has_ident = false;
    ck_assert(sidecar_fresh(&rec, &st2));

    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* The fields taken from a distribution's metadata: Requires-Python (when
 * it fits), the metadata's hash and length, for a wheel's METADATA and an
 * sdist's PKG-INFO alike. */
START_TEST(test_sidecar_set_metadata)
{
    static const char md[] = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Python: >=3.8\n\nbody";
    sidecar_t r;
    memset(&r, 0, sizeof r);
    sidecar_set_metadata(&r, md, sizeof md - 1);
    ck_assert_str_eq(r.requires_python, ">=3.8");
    ck_assert(r.has_metadata);
    ck_assert_uint_eq(r.metadata_len, sizeof md - 1);
    char want[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(md, sizeof md - 1, want);
    ck_assert_str_eq(r.metadata_sha256, want);
    ck_assert_ptr_eq(sidecar_metadata_of(&r, md), md);
    sidecar_clear(&r);

    /* A record without metadata stores none. */
    ck_assert_ptr_null(sidecar_metadata_of(&r, md));

    /* An empty METADATA is still kept: its bytes are "". */
    sidecar_set_metadata(&r, NULL, 0);
    ck_assert_ptr_null(r.requires_python);
    ck_assert(r.has_metadata);
    ck_assert_str_eq(r.metadata_sha256, SHA_EMPTY);
    ck_assert_ptr_nonnull(sidecar_metadata_of(&r, NULL));
    sidecar_clear(&r);

    /* A Requires-Python longer than a record field is left out. */
    size_t n = SIDECAR_MAX_FIELD + 1;
    char *big = malloc(n + 64);
    ck_assert_ptr_nonnull(big);
    int h = snprintf(big, 64, "Requires-Python: ");
    memset(big + h, '9', n);
    memcpy(big + h + n, "\n\n", 3);
    sidecar_set_metadata(&r, big, strlen(big));
    ck_assert_ptr_null(r.requires_python);
    sidecar_clear(&r);
    free(big);
}
END_TEST

/* The sidecar lock creates the sidecar directory and excludes any other
 * holder; closing the fd releases it. */
START_TEST(test_sidecar_lock)
{
    char *dir = tu_mkdtemp();
    char path[1024], names[1024];
    int dfd = open_dir(dir);
    int l = sidecar_lock(dfd, false);
    ck_assert_int_ge(l, 0);
    list_dir(dir, names, sizeof names);
    ck_assert_str_eq(names, ".pypi-fcgi");
    snprintf(path, sizeof path, "%s/.pypi-fcgi/.lock", dir);
    int other = open(path, O_RDWR | O_CLOEXEC);
    ck_assert_int_ge(other, 0);
    ck_assert_int_ne(flock(other, LOCK_EX | LOCK_NB), 0);
    close(l);
    ck_assert_int_eq(flock(other, LOCK_EX | LOCK_NB), 0);
    close(other);
    /* Best effort takes the same lock where flock works. */
    l = sidecar_lock(dfd, true);
    ck_assert_int_ge(l, 0);
    other = open(path, O_RDWR | O_CLOEXEC);
    ck_assert_int_ne(flock(other, LOCK_EX | LOCK_NB), 0);
    close(other);
    close(l);
    /* A directory that cannot hold a sidecar directory: -1. */
    snprintf(path, sizeof path, "%s/.pypi-fcgi", dir);
    tu_rmrf(path);
    tu_write_file(path, "x", 1);
    ck_assert_int_eq(sidecar_lock(dfd, false), -1);
    ck_assert_int_eq(sidecar_lock(dfd, true), -1);
    close(dfd);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* sidecar_remove takes the record and the METADATA of one file only. */
START_TEST(test_sidecar_remove)
{
    static const char md[] = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n";
    char *dir = tu_mkdtemp();
    char path[1024], names[1024];
    int dfd = open_dir(dir);
    sidecar_t rec;
    minimal_record(&rec);
    sidecar_set_metadata(&rec, md, sizeof md - 1);
    ck_assert_int_eq(sidecar_store(dfd, "foo-1.0-py3-none-any.whl", &rec, md, sizeof md - 1), PF_EOK);
    ck_assert_int_eq(sidecar_store(dfd, "foo-1.0.tar.gz", &rec, NULL, 0), PF_EOK);
    sidecar_remove(dfd, "foo-1.0-py3-none-any.whl");
    snprintf(path, sizeof path, "%s/.pypi-fcgi", dir);
    list_dir(path, names, sizeof names);
    ck_assert_str_eq(names, "foo-1.0.tar.gz.rec");
    sidecar_remove(dfd, "foo-1.0-py3-none-any.whl"); /* already gone: nothing */
    sidecar_remove(dfd, "foo-1.0.tar.gz");
    list_dir(path, names, sizeof names);
    ck_assert_str_eq(names, "");
    sidecar_clear(&rec);
    close(dfd);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

Suite *suite_sidecar(void)
{
    Suite *s = suite_create("sidecar");
    TCase *tc = tcase_create("format");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sidecar_full_roundtrip);
    tcase_add_test(tc, test_sidecar_minimal_roundtrip);
    tcase_add_loop_test(tc, test_sidecar_field_roundtrip, 0, (int)NELEM(rt_cases));
    tcase_add_test(tc, test_sidecar_limits);
    tcase_add_test(tc, test_sidecar_copy);
    tcase_add_loop_test(tc, test_sidecar_every_truncation, 0, 2);
    tcase_add_loop_test(tc, test_sidecar_every_byte_flip, 0, 2);
    tcase_add_test(tc, test_sidecar_garbage);
    tcase_add_loop_test(tc, test_sidecar_semantic, 0, (int)NELEM(sem_cases));
    tcase_add_test(tc, test_sidecar_field_too_long);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sidecar_store_load);
    tcase_add_test(tc, test_sidecar_metadata_mismatch);
    tcase_add_test(tc, test_sidecar_load_corrupt_files);
    tcase_add_test(tc, test_sidecar_fresh);
    tcase_add_test(tc, test_sidecar_set_metadata);
    tcase_add_test(tc, test_sidecar_lock);
    tcase_add_test(tc, test_sidecar_remove);
    suite_add_tcase(s, tc);
    return s;
}
