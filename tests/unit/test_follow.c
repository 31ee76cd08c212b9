/* SPDX-License-Identifier: MIT */
/* test_follow.c: unit tests for follow.c (digests computed behind a writer). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "digest.h"
#include "follow.h"
#include "suites.h"
#include "testutil.h"

#define ALL (DIGEST_SHA256 | DIGEST_BLAKE2B_256 | DIGEST_MD5)

struct hexes {
    char sha256[DIGEST_HEX_LEN + 1], blake2b[DIGEST_HEX_LEN + 1], md5[DIGEST_MD5_HEX_LEN + 1];
};

/* The digests of p[0..n) computed in one pass, the reference. */
static void reference(const unsigned char *p, size_t n, unsigned which, struct hexes *o)
{
    struct digest_stream d;
    ck_assert_int_eq(digest_stream_init(&d, which), PF_EOK);
    digest_stream_update(&d, p, n);
    digest_stream_final(&d, o->sha256, o->blake2b, o->md5);
    digest_stream_free(&d);
}

/* follow_finish's digests equal the one-pass digests of p[0..n). */
static void finish_matches(struct follow *f, const unsigned char *p, size_t n, unsigned which)
{
    struct hexes got, want;
    ck_assert_int_eq(follow_finish(f, got.sha256, got.blake2b, got.md5), PF_EOK);
    reference(p, n, which, &want);
    ck_assert_str_eq(got.sha256, want.sha256);
    ck_assert_str_eq(got.blake2b, want.blake2b);
    ck_assert_str_eq(got.md5, want.md5);
    ck_assert_int_eq((int)strlen(got.sha256), which & DIGEST_SHA256 ? DIGEST_HEX_LEN : 0);
    ck_assert_int_eq((int)strlen(got.md5), which & DIGEST_MD5 ? DIGEST_MD5_HEX_LEN : 0);
}

static unsigned char *pattern(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (unsigned char)x;
    }
    return p;
}

static int tmpfile_rw(char **dir)
{
    *dir = tu_mkdtemp();
    char path[4096];
    snprintf(path, sizeof path, "%s/f", *dir);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    ck_assert_int_ge(fd, 0);
    return fd;
}

static void write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        ck_assert_int_gt(w, 0);
        p += w;
        n -= (size_t)w;
    }
}

/* Every subset of the digests, with and without the syncer, over a file
 * written in uneven chunks (1 byte to 300 KiB), each chunk announced as it
 * lands: the result equals the one-pass digests of the whole. */
START_TEST(test_follow_matches_one_pass)
{
    unsigned which = (unsigned)_i >> 1;
    bool sync = _i & 1;
    size_t n = (9u << 20) + 12345; /* several wake-up batches */
    unsigned char *data = pattern(n, (unsigned)_i);
    char *dir;
    int fd = tmpfile_rw(&dir);
    struct follow *f;
    ck_assert_int_eq(follow_start(&f, fd, which, sync), PF_EOK);
    size_t off = 0, step = 1;
    while (off < n) {
        size_t k = step < n - off ? step : n - off;
        write_all(fd, data + off, k);
        off += k;
        follow_advance(f, off);
        step = step * 7 % (300 * 1024) + 1;
    }
    finish_matches(f, data, n, which);
    close(fd);
    tu_rmrf(dir);
    free(dir);
    free(data);
}
END_TEST

/* Past the syncer's 64 MiB the file is flushed while it grows; the
 * digests are still those of the whole. */
START_TEST(test_follow_synced)
{
    size_t n = (70u << 20) + 1;
    unsigned char *data = pattern(n, 5);
    char *dir;
    int fd = tmpfile_rw(&dir);
    struct follow *f;
    ck_assert_int_eq(follow_start(&f, fd, ALL, true), PF_EOK);
    for (size_t off = 0; off < n;) {
        size_t k = n - off < 65536 ? n - off : 65536;
        write_all(fd, data + off, k);
        off += k;
        follow_advance(f, off);
    }
    finish_matches(f, data, n, ALL);
    close(fd);
    tu_rmrf(dir);
    free(dir);
    free(data);
}
END_TEST

/* A flush that fails is reported by finish with its errno, since the
 * caller's own fsync on the same open file would not see it again.
 * /dev/zero reads as zeros and refuses fdatasync (EINVAL). */
START_TEST(test_follow_sync_error)
{
    int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    struct follow *f;
    ck_assert_int_eq(follow_start(&f, fd, DIGEST_SHA256, true), PF_EOK);
    /* The syncer leaves the last flush to the caller once finish is called,
     * so give it the time to see 64 MiB first (it needs microseconds). */
    for (uint64_t off = 0; off <= (66u << 20); off += 1u << 20) {
        follow_advance(f, off);
        usleep(10000);
    }
    struct hexes got;
    errno = 0;
    ck_assert_int_eq(follow_finish(f, got.sha256, got.blake2b, got.md5), PF_EIO);
    ck_assert_int_eq(errno, EINVAL);
    close(fd);
}
END_TEST

/* Bytes written but never announced are not part of the digests. */
START_TEST(test_follow_only_announced)
{
    size_t n = 200000;
    unsigned char *data = pattern(n, 7);
    char *dir;
    int fd = tmpfile_rw(&dir);
    struct follow *f;
    ck_assert_int_eq(follow_start(&f, fd, ALL, true), PF_EOK);
    write_all(fd, data, n);
    follow_advance(f, 150000);
    follow_advance(f, 100000); /* never backwards */
    finish_matches(f, data, 150000, ALL);
    close(fd);
    tu_rmrf(dir);
    free(dir);
    free(data);
}
END_TEST

/* Nothing written: the digests of the empty string. */
START_TEST(test_follow_empty)
{
    char *dir;
    int fd = tmpfile_rw(&dir);
    struct follow *f;
    ck_assert_int_eq(follow_start(&f, fd, ALL, true), PF_EOK);
    struct hexes got;
    ck_assert_int_eq(follow_finish(f, got.sha256, got.blake2b, got.md5), PF_EOK);
    ck_assert_str_eq(got.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_str_eq(got.md5, "d41d8cd98f00b204e9800998ecf8427e");
    ck_assert_str_eq(got.blake2b, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    close(fd);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Announcing more than the file holds is a read error, not a hang. */
START_TEST(test_follow_short_file)
{
    unsigned char *data = pattern(4096, 3);
    char *dir;
    int fd = tmpfile_rw(&dir);
    struct follow *f;
    ck_assert_int_eq(follow_start(&f, fd, ALL, false), PF_EOK);
    write_all(fd, data, 4096);
    follow_advance(f, 8192);
    struct hexes got;
    ck_assert_int_eq(follow_finish(f, got.sha256, got.blake2b, got.md5), PF_EIO);
    close(fd);
    tu_rmrf(dir);
    free(dir);
    free(data);
}
END_TEST

/* A descriptor that cannot be read back: PF_EIO. */
START_TEST(test_follow_unreadable)
{
    char *dir = tu_mkdtemp();
    char path[4096];
    snprintf(path, sizeof path, "%s/w", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ck_assert_int_ge(fd, 0);
    struct follow *f;
    ck_assert_int_eq(follow_start(&f, fd, DIGEST_SHA256, true), PF_EOK);
    write_all(fd, (const unsigned char *)"abc", 3);
    follow_advance(f, 3);
    struct hexes got;
    ck_assert_int_eq(follow_finish(f, got.sha256, got.blake2b, got.md5), PF_EIO);
    ck_assert_str_eq(got.sha256, "");
    close(fd);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Aborting in the middle of a large file returns promptly, frees
 * everything (ASan, TSan and valgrind runs check that), and leaves the
 * descriptor to the caller. */
START_TEST(test_follow_abort)
{
    size_t n = 4u << 20;
    unsigned char *data = pattern(n, 11);
    char *dir;
    int fd = tmpfile_rw(&dir);
    for (int round = 0; round < 20; round++) {
        struct follow *f;
        ck_assert_int_eq(follow_start(&f, fd, ALL, round & 1), PF_EOK);
        if (round == 0)
            write_all(fd, data, n);
        follow_advance(f, (uint64_t)n * (unsigned)round / 20);
        follow_abort(f);
    }
    follow_abort(NULL);
    ck_assert_int_eq(write(fd, "x", 1), 1); /* still ours */
    close(fd);
    tu_rmrf(dir);
    free(dir);
    free(data);
}
END_TEST

START_TEST(test_follow_bad_bits)
{
    struct follow *f = (struct follow *)1;
    ck_assert_int_eq(follow_start(&f, 0, 8, false), PF_EINVAL);
    ck_assert_ptr_null(f);
}
END_TEST

Suite *suite_follow(void)
{
    Suite *s = suite_create("follow");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_follow_matches_one_pass, 0, 16);
    tcase_add_test(tc, test_follow_synced);
    tcase_add_test(tc, test_follow_sync_error);
    tcase_add_test(tc, test_follow_only_announced);
    tcase_add_test(tc, test_follow_empty);
    tcase_add_test(tc, test_follow_short_file);
    tcase_add_test(tc, test_follow_unreadable);
    tcase_add_test(tc, test_follow_abort);
    tcase_add_test(tc, test_follow_bad_bits);
    suite_add_tcase(s, tc);
    return s;
}
