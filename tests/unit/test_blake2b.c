/* SPDX-License-Identifier: MIT */
/* test_blake2b.c: unit tests for blake2b.c (RFC 7693 BLAKE2b, streaming). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "blake2b.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The test input of a given length: the first len bytes of a fixed
 * pattern, the same as Python's
 * bytes(((i * 2654435761) >> 13) & 0xff for i in range(len)). */
static unsigned char *pattern(size_t len)
{
    unsigned char *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(((uint64_t)i * 2654435761u) >> 13);
    return p;
}

static void hexify(const unsigned char *md, size_t n, char *hex)
{
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[2 * n] = '\0';
}

/* One-shot hash of p[0..n) with an outlen-byte digest, as hex. */
static void hash_hex(const void *p, size_t n, size_t outlen, char *hex)
{
    struct blake2b_ctx c;
    unsigned char md[BLAKE2B_MAX_OUT_LEN];
    ck_assert_int_eq(blake2b_init(&c, outlen), PF_EOK);
    blake2b_update(&c, p, n);
    blake2b_final(&c, md);
    hexify(md, outlen, hex);
}

/* RFC 7693 Appendix A: BLAKE2b-512("abc"). */
START_TEST(test_blake2b_rfc7693)
{
    char hex[2 * BLAKE2B_MAX_OUT_LEN + 1];
    hash_hex("abc", 3, 64, hex);
    ck_assert_str_eq(hex, "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                          "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
}
END_TEST

struct len_vector {
    size_t len;
    const char *hex;
};

/* hashlib.blake2b(pattern(len), digest_size=32).hexdigest(), around the
 * block boundaries (a full last block is compressed only in final). */
static const struct len_vector len_vectors[] = {
    { 0, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8" },
    { 1, "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314" },
    { 127, "cf51f43f514a6cbb22c6efb8fa8147f0fd38fec14556d6ad5231c225347e6e34" },
    { 128, "1c0f1c7093e7b1a19835e6c5f5730192fe742a6d8e6961ee6492bbd7d6b9802b" },
    { 129, "ce8be418e7848713c44de973e36998e5f7e4453eb0eb0833bea81429045af244" },
    { 255, "21053abff1d8cd997f948a52c1235136b5365001472f670c542f043b6e9c88ad" },
    { 256, "e037edccd18d91195100746ff203865e424c85053ecaeebd2db62a41456e0e6f" },
    { 1000, "5daf9dcbaa8aff4c46ab81b0790d9e43626b83585f0b0f9d1a054f2bab13a557" },
    { 1 << 20, "0fbc69a091c911295bafb02d395fd2244ba6381d683a6df5f4ff44cbb088d51a" },
};

START_TEST(test_blake2b_256_lengths)
{
    const struct len_vector *v = &len_vectors[_i];
    unsigned char *p = pattern(v->len);
    char hex[2 * BLAKE2B_MAX_OUT_LEN + 1];

    hash_hex(p, v->len, 32, hex);
    ck_assert_msg(strcmp(hex, v->hex) == 0, "len %zu: %s", v->len, hex);

    /* The same bytes in 1000-byte pieces (not a multiple of the block). */
    struct blake2b_ctx c;
    unsigned char md[32];
    ck_assert_int_eq(blake2b_init(&c, 32), PF_EOK);
    for (size_t off = 0; off < v->len; off += 1000)
        blake2b_update(&c, p + off, v->len - off < 1000 ? v->len - off : 1000);
    blake2b_final(&c, md);
    hexify(md, sizeof md, hex);
    ck_assert_msg(strcmp(hex, v->hex) == 0, "len %zu in pieces: %s", v->len, hex);
    free(p);
}
END_TEST

/* hashlib.blake2b(pattern(200), digest_size=outlen).hexdigest(): the
 * length is in the parameter block, so no digest is a prefix of another. */
static const struct len_vector outlen_vectors[] = {
    { 1, "e1" },
    { 16, "2be4fcf86d51b4e0e901dcf2f44c370c" },
    { 20, "f3f1c326c2b625c39364203fb35f261c585fda33" },
    { 31, "92f36db2b68737e9a4bceac50c0354557b2c423a1f2ae7d4c77908a09a6bc2" },
    { 32, "984c3be79823a51428714f5d4b8e49713134d0d29279d85da0dca67f61d7b839" },
    { 33, "b78b920687a6c5d9b78a124329810d45f5c1b8f654782762736cf294c2c1d6fdb2" },
    { 48, "9e228686bcb4ffdba7f105224d50db0d1e0d56d37935877b8281f730ebbbbaad"
          "9db802ebcf166890f7a1a0b7811410eb" },
    { 63, "42ba704e05fb5f3975e298e7af28fd547d202d7908e7f5110c0bc4f02d9d287c"
          "7eaeddab205ef1eeec3a82276451caf54ec5523d4861e0d338652cfcefe4c3" },
    { 64, "1e2427803fa7986156288a9392a16e0bd45197ea79246cdbfe5894d1d36fb2dd"
          "125b0ed8269edac9b3f59d47d6a2a277c3079daefd0f0962d7fb5c1208e06f6a" },
};

START_TEST(test_blake2b_outlens)
{
    const struct len_vector *v = &outlen_vectors[_i];
    unsigned char *p = pattern(200);
    unsigned char md[BLAKE2B_MAX_OUT_LEN + 1];
    char hex[2 * BLAKE2B_MAX_OUT_LEN + 1];
    struct blake2b_ctx c;

    ck_assert_int_eq(blake2b_init(&c, v->len), PF_EOK);
    blake2b_update(&c, p, 200);
    /* final writes exactly outlen bytes. */
    memset(md, 0xa5, sizeof md);
    blake2b_final(&c, md);
    ck_assert_uint_eq(md[v->len], 0xa5);
    hexify(md, v->len, hex);
    ck_assert_str_eq(hex, v->hex);
    free(p);
}
END_TEST

START_TEST(test_blake2b_bad_outlen)
{
    static const size_t bad[] = { 0, 65, 128, (size_t)-1 };
    struct blake2b_ctx c;
    for (size_t i = 0; i < NELEM(bad); i++) {
        memset(&c, 0x5a, sizeof c);
        ck_assert_int_eq(blake2b_init(&c, bad[i]), PF_EINVAL);
        /* Refused without touching the context. */
        ck_assert_uint_eq(c.buflen, 0x5a5a5a5a5a5a5a5aULL);
    }
}
END_TEST

/* Any way of cutting a 300-byte input into one, two or three updates
 * (empty ones included) gives the one-shot digest, and so does feeding it
 * a byte at a time. 300 bytes spans two full blocks and a partial one. */
START_TEST(test_blake2b_splits)
{
    enum { N = 300 };
    unsigned char *p = pattern(N);
    unsigned char want[32], got[32];
    struct blake2b_ctx c;

    ck_assert_int_eq(blake2b_init(&c, 32), PF_EOK);
    blake2b_update(&c, p, N);
    blake2b_final(&c, want);

    for (size_t i = 0; i <= N; i++) {
        ck_assert_int_eq(blake2b_init(&c, 32), PF_EOK);
        blake2b_update(&c, p, i);
        blake2b_update(&c, p + i, N - i);
        blake2b_final(&c, got);
        ck_assert_msg(memcmp(got, want, sizeof want) == 0, "split at %zu", i);
        for (size_t j = i; j <= N; j++) {
            ck_assert_int_eq(blake2b_init(&c, 32), PF_EOK);
            blake2b_update(&c, p, i);
            blake2b_update(&c, p + i, j - i);
            blake2b_update(&c, p + j, N - j);
            blake2b_final(&c, got);
            ck_assert_msg(memcmp(got, want, sizeof want) == 0, "split at %zu and %zu", i, j);
        }
    }

    ck_assert_int_eq(blake2b_init(&c, 32), PF_EOK);
    for (size_t i = 0; i < N; i++)
        blake2b_update(&c, p + i, 1);
    blake2b_final(&c, got);
    ck_assert(memcmp(got, want, sizeof want) == 0);
    free(p);
}
END_TEST

/* Input need not be aligned: hashing from every offset into a buffer
 * matches hashing a copy, and empty updates (NULL pointer) change nothing. */
START_TEST(test_blake2b_unaligned)
{
    enum { N = 1000 };
    unsigned char *p = pattern(N + 16);
    char want[65], got[65];
    for (size_t off = 1; off < 16; off++) {
        unsigned char *copy = malloc(N);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, p + off, N);
        hash_hex(copy, N, 32, want);
        struct blake2b_ctx c;
        unsigned char md[32];
        ck_assert_int_eq(blake2b_init(&c, 32), PF_EOK);
        blake2b_update(&c, NULL, 0);
        blake2b_update(&c, p + off, N);
        blake2b_update(&c, NULL, 0);
        blake2b_final(&c, md);
        hexify(md, sizeof md, got);
        ck_assert_str_eq(got, want);
        free(copy);
    }
    free(p);
}
END_TEST

/* A context copied mid-stream hashes on independently. */
START_TEST(test_blake2b_copy)
{
    unsigned char *p = pattern(400);
    char a[65], b[65], want_a[65], want_b[65];
    struct blake2b_ctx c, d;
    unsigned char md[32];

    hash_hex(p, 400, 32, want_a);
    hash_hex(p, 200, 32, want_b);
    ck_assert_int_eq(blake2b_init(&c, 32), PF_EOK);
    blake2b_update(&c, p, 200);
    d = c;
    blake2b_update(&c, p + 200, 200);
    blake2b_final(&c, md);
    hexify(md, 32, a);
    blake2b_final(&d, md);
    hexify(md, 32, b);
    ck_assert_str_eq(a, want_a);
    ck_assert_str_eq(b, want_b);
    free(p);
}
END_TEST

Suite *suite_blake2b(void)
{
    Suite *s = suite_create("blake2b");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_blake2b_rfc7693);
    tcase_add_loop_test(tc, test_blake2b_256_lengths, 0, (int)NELEM(len_vectors));
    tcase_add_loop_test(tc, test_blake2b_outlens, 0, (int)NELEM(outlen_vectors));
    tcase_add_test(tc, test_blake2b_bad_outlen);
    tcase_add_test(tc, test_blake2b_splits);
    tcase_add_test(tc, test_blake2b_unaligned);
    tcase_add_test(tc, test_blake2b_copy);
    suite_add_tcase(s, tc);
    return s;
}
