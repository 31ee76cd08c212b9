/* SPDX-License-Identifier: MIT */
/* test_digest.c: unit tests for digest.c (SHA-256 of memory and files). */
#include <check.h>
#include <fcntl.h>
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
    suite_add_tcase(s, tc);
    return s;
}
