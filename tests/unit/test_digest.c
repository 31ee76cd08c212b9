/* SPDX-License-Identifier: MIT */
/* test_digest.c: unit tests for digest.c (SHA-256 of memory and files, streaming multi-digest). */
#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "digest.h"
#include "suites.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define S(x) x, sizeof(x) - 1

struct vector {
    const char *in;
    size_t len;
    const char *hex;
};

/* FIPS 180-2 / NIST examples, plus a few computed with sha256sum. */
static const struct vector vectors[] = {
    { S(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { S("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { S("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    { S("The quick brown fox jumps over the lazy dog"),
      "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592" },
    { S("\0"), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d" },
};

START_TEST(test_digest_vectors)
{
    const struct vector *v = &vectors[_i];
    char hex[DIGEST_HEX_LEN + 1];
    memset(hex, 'X', sizeof hex);
    digest_sha256_hex(v->in, v->len, hex);
    ck_assert_str_eq(hex, v->hex);
    ck_assert_uint_eq(strlen(hex), DIGEST_HEX_LEN);
    ck_assert(digest_is_hex64(hex, strlen(hex)));
}
END_TEST

/* The same bytes through a file descriptor. */
START_TEST(test_digest_vectors_fd)
{
    const struct vector *v = &vectors[_i];
    char *dir = tu_mkdtemp();
    char path[512];
    char hex[DIGEST_HEX_LEN + 1];
    uint64_t size = 12345;

    snprintf(path, sizeof path, "%s/v", dir);
    tu_write_file(path, v->in, v->len);
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(digest_sha256_fd(fd, hex, &size), PF_EOK);
    ck_assert_str_eq(hex, v->hex);
    ck_assert_uint_eq(size, v->len);
    close(fd);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* 1 MiB + 1 bytes: more than one read chunk, with a one-byte tail. The fd
 * digest must equal the in-memory one and sha256sum's; reading from an
 * offset hashes only the rest. */
START_TEST(test_digest_big_file)
{
    enum { N = (1 << 20) + 1 };
    static const off_t offsets[] = { 0, 1, 1000, 262143, 262144, 262145, N - 1, N };
    char *dir = tu_mkdtemp();
    char path[512], sumpath[600];
    unsigned char *data = malloc(N);
    char want[DIGEST_HEX_LEN + 1], got[DIGEST_HEX_LEN + 1];
    uint64_t size = 0;

    ck_assert_ptr_nonnull(data);
    for (size_t i = 0; i < N; i++)
        data[i] = (unsigned char)((i * 2654435761u) >> 13);
    snprintf(path, sizeof path, "%s/big", dir);
    snprintf(sumpath, sizeof sumpath, "%s/big.sum", dir);
    tu_write_file(path, data, N);

    digest_sha256_hex(data, N, want);
    /* An independent implementation agrees. */
    ck_assert_int_eq(tu_sh("sha256sum '%s' > '%s'", path, sumpath), 0);
    size_t sumlen = 0;
    char *sum = tu_read_file(sumpath, &sumlen);
    ck_assert_ptr_nonnull(sum);
    ck_assert_uint_gt(sumlen, DIGEST_HEX_LEN);
    ck_assert_mem_eq(sum, want, DIGEST_HEX_LEN);
    free(sum);

    for (size_t k = 0; k < NELEM(offsets); k++) {
        off_t off = offsets[k];
        int fd = open(path, O_RDONLY);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(lseek(fd, off, SEEK_SET), off);
        memset(got, 0, sizeof got);
        size = 999;
        ck_assert_int_eq(digest_sha256_fd(fd, got, &size), PF_EOK);
        ck_assert_uint_eq(size, (uint64_t)(N - off));
        digest_sha256_hex(data + off, (size_t)(N - off), want);
        ck_assert_msg(strcmp(got, want) == 0, "offset %ld: %s != %s", (long)off, got, want);
        /* The descriptor is left at EOF: a second call hashes nothing. */
        ck_assert_int_eq(digest_sha256_fd(fd, got, &size), PF_EOK);
        ck_assert_uint_eq(size, 0);
        ck_assert_str_eq(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        close(fd);
    }
    /* A pipe has no size: the count comes from what was read. */
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    ck_assert_int_eq(write(pfd[1], "abc", 3), 3);
    close(pfd[1]);
    ck_assert_int_eq(digest_sha256_fd(pfd[0], got, &size), PF_EOK);
    ck_assert_uint_eq(size, 3);
    ck_assert_str_eq(got, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    close(pfd[0]);

    free(data);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_digest_fd_errors)
{
    char hex[DIGEST_HEX_LEN + 1];
    uint64_t size = 0;
    char *dir = tu_mkdtemp();

    /* A directory cannot be read (EISDIR). */
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(digest_sha256_fd(fd, hex, &size), PF_EIO);
    close(fd);
    /* A closed descriptor (EBADF). */
    ck_assert_int_eq(digest_sha256_fd(fd, hex, &size), PF_EIO);
    ck_assert_int_eq(digest_sha256_fd(-1, hex, &size), PF_EIO);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

struct hex_case {
    const char *s;
    size_t len;
    int ok;
};

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct hex_case hex_cases[] = {
    { S(H64), 1 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), 1 },
    { S("0000000000000000000000000000000000000000000000000000000000000000"), 1 },
    { S("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), 1 },
    { S(""), 0 },
    { S("abc"), 0 },
    { H64, 63, 0 },
    { S(H64 "0"), 0 },
    { S("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"), 0 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85F"), 0 },
    { S("g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), 0 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 "), 0 },
    { S(" e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"), 0 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85\n"), 0 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85\0"), 0 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85\xe9"), 0 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85:"), 0 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85/"), 0 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85`"), 0 },
    { S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85@"), 0 },
};

START_TEST(test_digest_is_hex64)
{
    const struct hex_case *c = &hex_cases[_i];
    ck_assert_msg(digest_is_hex64(c->s, c->len) == c->ok, "digest_is_hex64(\"%.*s\", %zu) != %d",
                  (int)c->len, c->s, c->len, c->ok);
}
END_TEST

/* Every single-byte change of a valid digest is caught, except a change
 * to another lowercase hex digit. */
START_TEST(test_digest_is_hex64_bytes)
{
    char s[DIGEST_HEX_LEN + 1];
    for (int c = 0; c < 256; c++) {
        memcpy(s, H64, sizeof s);
        s[17] = (char)c;
        int want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        ck_assert_msg(digest_is_hex64(s, DIGEST_HEX_LEN) == want, "byte 0x%02x", c);
    }
}
END_TEST


/* digest_is_hex: exact length, hex digits of either case. */
struct anyhex_case {
    const char *s;
    size_t len, hexlen;
    bool ok;
};

#define M32 "d41d8cd98f00b204e9800998ecf8427e"

static const struct anyhex_case anyhex_cases[] = {
    { S(H64), 64, true },
    { S("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"), 64, true },
    { S("e3B0c44298Fc1c149aFbf4c8996fb92427ae41e4649b934ca495991b7852b855"), 64, true },
    { S(M32), 32, true },
    { S("D41D8CD98F00B204E9800998ECF8427E"), 32, true },
    { S(M32), 64, false },
    { S(H64), 32, false },
    { H64, 63, 64, false },
    { S(H64 "0"), 64, false },
    { S(""), 0, true },
    { S(""), 32, false },
    { S("abc"), 3, true },
    { S("abg"), 3, false },
    { S("d41d8cd98f00b204e9800998ecf8427G"), 32, false },
    { S("d41d8cd98f00b204e9800998ecf8427 "), 32, false },
    { S(" d41d8cd98f00b204e9800998ecf8427"), 32, false },
    { S("d41d8cd98f00b204e9800998ecf8427\0"), 32, false },
    { S("d41d8cd98f00b204e9800998ecf8427\n"), 32, false },
    { S("0x1d8cd98f00b204e9800998ecf8427e"), 32, false },
    { S("-41d8cd98f00b204e9800998ecf8427e"), 32, false },
};

START_TEST(test_digest_is_hex)
{
    const struct anyhex_case *c = &anyhex_cases[_i];
    ck_assert_msg(digest_is_hex(c->s, c->len, c->hexlen) == c->ok,
                  "digest_is_hex(\"%.*s\", %zu, %zu) != %d", (int)c->len, c->s, c->len, c->hexlen,
                  c->ok);
}
END_TEST

/* Every byte value at every position: only the 22 hex digits pass. */
START_TEST(test_digest_is_hex_bytes)
{
    char s[DIGEST_MD5_HEX_LEN];
    for (size_t pos = 0; pos < sizeof s; pos++) {
        for (int c = 0; c < 256; c++) {
            memcpy(s, M32, sizeof s);
            s[pos] = (char)c;
            bool want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            ck_assert_msg(digest_is_hex(s, sizeof s, DIGEST_MD5_HEX_LEN) == want,
                          "byte 0x%02x at %zu", c, pos);
        }
    }
}
END_TEST

/* Known digests (FIPS 180-2, RFC 1321; BLAKE2b-256 from Python's hashlib). */
struct stream_vector {
    const char *in;
    size_t len;
    const char *sha256, *blake2b, *md5;
};

static const struct stream_vector stream_vectors[] = {
    { S(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8", M32 },
    { S("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
      "900150983cd24fb0d6963f7d28e17f72" },
    { S("The quick brown fox jumps over the lazy dog"),
      "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
      "01718cec35cd3d796dd00020e0bfecb473ad23457d063b75eff29c0ffa2e58a9",
      "9e107d9d372bb6826bd81d3542a419d6" },
};

#define ALL_DIGESTS (DIGEST_SHA256 | DIGEST_BLAKE2B_256 | DIGEST_MD5)

struct stream_out {
    char sha256[DIGEST_HEX_LEN + 1], blake2b[DIGEST_HEX_LEN + 1], md5[DIGEST_MD5_HEX_LEN + 1];
};

static void stream_final(struct digest_stream *d, struct stream_out *o)
{
    memset(o, 'X', sizeof *o);
    digest_stream_final(d, o->sha256, o->blake2b, o->md5);
}

/* Each subset of the digests (loop index = which) over each vector:
 * requested digests are right, the others empty. */
START_TEST(test_digest_stream_vectors)
{
    unsigned which = (unsigned)_i;
    for (size_t k = 0; k < NELEM(stream_vectors); k++) {
        const struct stream_vector *v = &stream_vectors[k];
        struct digest_stream d;
        struct stream_out o;
        ck_assert_int_eq(digest_stream_init(&d, which), PF_EOK);
        digest_stream_update(&d, v->in, v->len);
        stream_final(&d, &o);
        ck_assert_str_eq(o.sha256, which & DIGEST_SHA256 ? v->sha256 : "");
        ck_assert_str_eq(o.blake2b, which & DIGEST_BLAKE2B_256 ? v->blake2b : "");
        ck_assert_str_eq(o.md5, which & DIGEST_MD5 ? v->md5 : "");
        /* Final released everything; free after it is harmless. */
        ck_assert_ptr_null(d.sha256);
        ck_assert_ptr_null(d.md5);
        digest_stream_free(&d);
    }
}
END_TEST

/* 1 MiB + 3 bytes of pattern data in 4093-byte pieces; digests from
 * Python's hashlib over the same bytes. */
START_TEST(test_digest_stream_big)
{
    enum { N = (1 << 20) + 3, PIECE = 4093 };
    unsigned char *data = malloc(N);
    ck_assert_ptr_nonnull(data);
    for (size_t i = 0; i < N; i++)
        data[i] = (unsigned char)(((uint64_t)i * 2654435761u) >> 13);
    struct digest_stream d;
    struct stream_out o;
    ck_assert_int_eq(digest_stream_init(&d, ALL_DIGESTS), PF_EOK);
    for (size_t off = 0; off < N; off += PIECE)
        digest_stream_update(&d, data + off, N - off < PIECE ? N - off : PIECE);
    stream_final(&d, &o);
    ck_assert_str_eq(o.sha256, "154d0f8ccbff620dc1c56c32d7a09eae31b9b947976865db128e707d27276348");
    ck_assert_str_eq(o.blake2b, "a41b39c745b056de0e58f7e9b1167f38f0260bf66ec4ead6dd1717f6395247d7");
    ck_assert_str_eq(o.md5, "03e2822a8c592441431b3c7da74bc157");
    /* The SHA-256 agrees with the one-shot function. */
    char one[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(data, N, one);
    ck_assert_str_eq(o.sha256, one);
    free(data);
}
END_TEST

/* A 300-byte input cut in two at every byte gives the digests of the
 * uncut input, for all three at once. */
START_TEST(test_digest_stream_splits)
{
    enum { N = 300 };
    unsigned char data[N];
    for (size_t i = 0; i < N; i++)
        data[i] = (unsigned char)(i * 7 + 3);
    struct digest_stream d;
    struct stream_out want, got;
    ck_assert_int_eq(digest_stream_init(&d, ALL_DIGESTS), PF_EOK);
    digest_stream_update(&d, data, N);
    stream_final(&d, &want);
    ck_assert_uint_eq(strlen(want.sha256), DIGEST_HEX_LEN);
    ck_assert_uint_eq(strlen(want.blake2b), DIGEST_HEX_LEN);
    ck_assert_uint_eq(strlen(want.md5), DIGEST_MD5_HEX_LEN);
    for (size_t i = 0; i <= N; i++) {
        ck_assert_int_eq(digest_stream_init(&d, ALL_DIGESTS), PF_EOK);
        digest_stream_update(&d, data, i);
        digest_stream_update(&d, data + i, N - i);
        stream_final(&d, &got);
        ck_assert_msg(strcmp(got.sha256, want.sha256) == 0, "sha256 split at %zu", i);
        ck_assert_msg(strcmp(got.blake2b, want.blake2b) == 0, "blake2b split at %zu", i);
        ck_assert_msg(strcmp(got.md5, want.md5) == 0, "md5 split at %zu", i);
    }
}
END_TEST

/* Unknown bits are refused; free, final and update are then harmless, as
 * they are after final, after free and when repeated. */
START_TEST(test_digest_stream_lifecycle)
{
    static const unsigned bad[] = { 8, 16, ALL_DIGESTS | 8, 0x80000000u, ~0u };
    struct digest_stream d;
    struct stream_out o;

    for (size_t i = 0; i < NELEM(bad); i++) {
        memset(&d, 0x5a, sizeof d);
        ck_assert_int_eq(digest_stream_init(&d, bad[i]), PF_EINVAL);
        ck_assert_ptr_null(d.sha256);
        ck_assert_ptr_null(d.md5);
        digest_stream_update(&d, "abc", 3);
        stream_final(&d, &o);
        ck_assert_str_eq(o.sha256, "");
        ck_assert_str_eq(o.blake2b, "");
        ck_assert_str_eq(o.md5, "");
        digest_stream_free(&d);
        digest_stream_free(&d);
    }

    /* Abandoned mid-stream: free releases the contexts. */
    ck_assert_int_eq(digest_stream_init(&d, ALL_DIGESTS), PF_EOK);
    ck_assert_ptr_nonnull(d.sha256);
    ck_assert_ptr_nonnull(d.md5);
    digest_stream_update(&d, "abc", 3);
    digest_stream_free(&d);
    ck_assert_ptr_null(d.sha256);
    ck_assert_ptr_null(d.md5);
    digest_stream_free(&d);
    stream_final(&d, &o);
    ck_assert_str_eq(o.sha256, "");
    ck_assert_str_eq(o.blake2b, "");
    ck_assert_str_eq(o.md5, "");

    /* After final: a second final and an update give and do nothing. */
    ck_assert_int_eq(digest_stream_init(&d, ALL_DIGESTS), PF_EOK);
    digest_stream_update(&d, "abc", 3);
    stream_final(&d, &o);
    ck_assert_str_eq(o.md5, "900150983cd24fb0d6963f7d28e17f72");
    digest_stream_update(&d, "abc", 3);
    stream_final(&d, &o);
    ck_assert_str_eq(o.sha256, "");
    ck_assert_str_eq(o.blake2b, "");
    ck_assert_str_eq(o.md5, "");
    digest_stream_free(&d);

    /* A context is reusable after init again; empty updates change nothing. */
    ck_assert_int_eq(digest_stream_init(&d, DIGEST_BLAKE2B_256), PF_EOK);
    digest_stream_update(&d, NULL, 0);
    digest_stream_update(&d, "abc", 3);
    digest_stream_update(&d, NULL, 0);
    stream_final(&d, &o);
    ck_assert_str_eq(o.blake2b, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}
END_TEST

Suite *suite_digest(void)
{
    Suite *s = suite_create("digest");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_digest_vectors, 0, (int)NELEM(vectors));
    tcase_add_loop_test(tc, test_digest_vectors_fd, 0, (int)NELEM(vectors));
    tcase_add_test(tc, test_digest_big_file);
    tcase_add_test(tc, test_digest_fd_errors);
    tcase_add_loop_test(tc, test_digest_is_hex64, 0, (int)NELEM(hex_cases));
    tcase_add_test(tc, test_digest_is_hex64_bytes);
    tcase_add_loop_test(tc, test_digest_is_hex, 0, (int)NELEM(anyhex_cases));
    tcase_add_test(tc, test_digest_is_hex_bytes);
    tcase_add_loop_test(tc, test_digest_stream_vectors, 0, ALL_DIGESTS + 1);
    tcase_add_test(tc, test_digest_stream_big);
    tcase_add_test(tc, test_digest_stream_splits);
    tcase_add_test(tc, test_digest_stream_lifecycle);
    suite_add_tcase(s, tc);
    return s;
}
