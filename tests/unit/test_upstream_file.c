/* SPDX-License-Identifier: MIT */
/* test_upstream_file.c: unit tests for upstream_file.c (one fetcher per cached file, followers reading behind it). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "suites.h"
#include "testutil.h"
#include "upstream_file.h"

/* The hash the files are kept under (their directory). */
#define H "00000000000000000000000000000000000000000000000000000000000000aa"

static char *dir;
static int cachefd = -1;

static void setup(void)
{
    dir = tu_mkdtemp();
    cachefd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(cachefd, 0);
}

static void teardown(void)
{
    close(cachefd);
    tu_rmrf(dir);
    free(dir);
}

static bool exists(const char *rel)
{
    return faccessat(cachefd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Everything a follower gets until the end (1) or a failure (0). */
static int follow_all(struct upf *h, char *out, size_t cap, size_t *len)
{
    *len = 0;
    for (;;) {
        size_t got;
        enum pf_err e = upf_follow(h, out + *len, cap - *len, &got, 60000);
        if (e)
            return 0;
        if (!got)
            return 1;
        *len += got;
    }
}

START_TEST(test_fetch_then_follow)
{
    struct upf a, b;
    ck_assert_int_eq(upf_open(cachefd, "demo-pkg", H, "demo_pkg-1.0.tar.gz", &a), PF_EOK);
    ck_assert_int_eq(a.role, UPF_FETCHER);
    ck_assert(exists("demo-pkg/" H "/.demo_pkg-1.0.tar.gz.part"));
    ck_assert(!exists("demo-pkg/" H "/demo_pkg-1.0.tar.gz"));
    ck_assert_int_eq(upf_open(cachefd, "demo-pkg", H, "demo_pkg-1.0.tar.gz", &b), PF_EOK);
    ck_assert_int_eq(b.role, UPF_FOLLOWER);
    ck_assert_int_eq(upf_write(&b, "x", 1), PF_EINVAL);

    ck_assert_int_eq(upf_write(&a, "abc", 3), PF_EOK);
    char buf[16];
    size_t got;
    ck_assert_int_eq(upf_follow(&b, buf, sizeof buf, &got, 60000), PF_EOK);
    ck_assert_uint_eq(got, 3);
    ck_assert(memcmp(buf, "abc", 3) == 0);
    /* Nothing new and the fetcher still at work: with no patience, a
     * failure rather than an end. */
    ck_assert_int_eq(upf_follow(&b, buf, sizeof buf, &got, 0), PF_EUNAVAIL);
    ck_assert_uint_eq(got, 0);

    ck_assert_int_eq(upf_write(&a, "defg", 4), PF_EOK);
    ck_assert_int_eq(upf_commit(&a), PF_EOK);
    ck_assert_int_eq(a.role, UPF_COMPLETE);
    ck_assert(exists("demo-pkg/" H "/demo_pkg-1.0.tar.gz"));
    ck_assert(!exists("demo-pkg/" H "/.demo_pkg-1.0.tar.gz.part"));

    /* The follower reads on to the end of the committed file. */
    size_t len;
    ck_assert_int_eq(follow_all(&b, buf, sizeof buf, &len), 1);
    ck_assert_uint_eq(len, 4);
    ck_assert(memcmp(buf, "defg", 4) == 0);
    upf_close(&a);
    upf_close(&b);

    /* From now on the file is complete for everyone. */
    ck_assert_int_eq(upf_open(cachefd, "demo-pkg", H, "demo_pkg-1.0.tar.gz", &a), PF_EOK);
    ck_assert_int_eq(a.role, UPF_COMPLETE);
    ck_assert_uint_eq(a.size, 7);
    ck_assert_int_eq(follow_all(&a, buf, sizeof buf, &len), 1);
    ck_assert_uint_eq(len, 7);
    ck_assert(memcmp(buf, "abcdefg", 7) == 0);
    upf_close(&a);
    upf_close(&a); /* twice is fine */
}
END_TEST

/* A fetch that fails leaves no file, and its followers fail. */
START_TEST(test_abandon)
{
    struct upf a, b;
    ck_assert_int_eq(upf_open(cachefd, "p", H, "p-1.0-py3-none-any.whl", &a), PF_EOK);
    ck_assert_int_eq(upf_open(cachefd, "p", H, "p-1.0-py3-none-any.whl", &b), PF_EOK);
    ck_assert_int_eq(upf_write(&a, "bad bytes", 9), PF_EOK);
    upf_abandon(&a);
    ck_assert_int_eq(a.role, UPF_NONE);
    char buf[32];
    size_t len;
    ck_assert_int_eq(follow_all(&b, buf, sizeof buf, &len), 0);
    ck_assert_uint_eq(len, 9); /* what it had read is no file: the caller drops it */
    upf_close(&b);
    ck_assert(!exists("p/" H "/p-1.0-py3-none-any.whl"));
    ck_assert(!exists("p/" H "/.p-1.0-py3-none-any.whl.part"));
    /* The next caller fetches afresh. */
    ck_assert_int_eq(upf_open(cachefd, "p", H, "p-1.0-py3-none-any.whl", &a), PF_EOK);
    ck_assert_int_eq(a.role, UPF_FETCHER);
    upf_close(&a); /* close without commit abandons */
    ck_assert(!exists("p/" H "/.p-1.0-py3-none-any.whl.part"));
}
END_TEST

/* A fetcher in another process that dies: its followers fail, and the
 * next caller takes the staging file over from the start. */
START_TEST(test_dead_fetcher)
{
    int go[2], ready[2];
    ck_assert_int_eq(pipe(go), 0);
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct upf c;
        char x;
        if (upf_open(cachefd, "q", H, "q-2.0.tar.gz", &c) || c.role != UPF_FETCHER || upf_write(&c, "partial", 7))
            _exit(1);
        if (write(ready[1], "r", 1) != 1 || read(go[0], &x, 1) != 1)
            _exit(1);
        _exit(0); /* no commit, no abandon: as if killed */
    }
    char x;
    ck_assert_int_eq(read(ready[0], &x, 1), 1);
    struct upf b;
    ck_assert_int_eq(upf_open(cachefd, "q", H, "q-2.0.tar.gz", &b), PF_EOK);
    ck_assert_int_eq(b.role, UPF_FOLLOWER);
    ck_assert_int_eq(write(go[1], "g", 1), 1);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char buf[32];
    size_t len;
    ck_assert_int_eq(follow_all(&b, buf, sizeof buf, &len), 0);
    ck_assert_uint_eq(len, 7);
    upf_close(&b);
    ck_assert(exists("q/" H "/.q-2.0.tar.gz.part"));

    struct upf a;
    ck_assert_int_eq(upf_open(cachefd, "q", H, "q-2.0.tar.gz", &a), PF_EOK);
    ck_assert_int_eq(a.role, UPF_FETCHER);
    struct stat sb;
    ck_assert_int_eq(fstat(a.fd, &sb), 0);
    ck_assert_int_eq(sb.st_size, 0);
    ck_assert_int_eq(upf_write(&a, "whole", 5), PF_EOK);
    ck_assert_int_eq(upf_commit(&a), PF_EOK);
    upf_close(&a);
    int fd = openat(cachefd, "q/" H "/q-2.0.tar.gz", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(read(fd, buf, sizeof buf), 5);
    close(fd);
    ck_assert(memcmp(buf, "whole", 5) == 0);
    close(go[0]);
    close(go[1]);
    close(ready[0]);
    close(ready[1]);
}
END_TEST

struct reader {
    struct upf h;
    char *out;
    size_t cap, len;
    int ok;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    r->ok = follow_all(&r->h, r->out, r->cap, &r->len);
    return NULL;
}

/* Followers on threads of their own read the whole file while it is
 * written in pieces, as fast or as slow as they happen to run. */
START_TEST(test_threads_follow)
{
    enum { SIZE = 3 << 20, READERS = 3 };
    char *src = malloc(SIZE);
    ck_assert_ptr_nonnull(src);
    for (size_t i = 0; i < SIZE; i++)
        src[i] = (char)((i * 2654435761u) >> 13 ^ i);
    struct upf a;
    ck_assert_int_eq(upf_open(cachefd, "big", H, "big-1.0.tar.gz", &a), PF_EOK);
    ck_assert_int_eq(a.role, UPF_FETCHER);
    struct reader r[READERS];
    pthread_t t[READERS];
    for (int i = 0; i < READERS; i++) {
        r[i] = (struct reader){ .cap = SIZE + 1 };
        r[i].out = malloc(SIZE + 1);
        ck_assert_ptr_nonnull(r[i].out);
        ck_assert_int_eq(upf_open(cachefd, "big", H, "big-1.0.tar.gz", &r[i].h), PF_EOK);
        ck_assert_int_eq(r[i].h.role, UPF_FOLLOWER);
        ck_assert_int_eq(pthread_create(&t[i], NULL, reader_main, &r[i]), 0);
    }
    for (size_t off = 0; off < SIZE; off += 70001)
        ck_assert_int_eq(upf_write(&a, src + off, SIZE - off < 70001 ? SIZE - off : 70001), PF_EOK);
    ck_assert_int_eq(upf_commit(&a), PF_EOK);
    for (int i = 0; i < READERS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(r[i].ok, 1);
        ck_assert_uint_eq(r[i].len, SIZE);
        ck_assert(memcmp(r[i].out, src, SIZE) == 0);
        upf_close(&r[i].h);
        free(r[i].out);
    }
    upf_close(&a);
    free(src);
}
END_TEST

/* Names that would leave the project's directory, or hide in it, and
 * project names that are not normalized. */
START_TEST(test_refused_names)
{
    static const char *const files[] = { "", "../x.tar.gz", "a/b.tar.gz", ".hidden.tar.gz", "." };
    static const char *const norms[] = { "", "Demo", "demo_pkg", "-x", "a/b", ".." };
    struct upf h;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_int_eq(upf_open(cachefd, "demo", H, files[i], &h), PF_EINVAL);
    for (size_t i = 0; i < sizeof norms / sizeof norms[0]; i++)
        ck_assert_int_eq(upf_open(cachefd, norms[i], H, "demo-1.0.tar.gz", &h), PF_EINVAL);
    char longname[300];
    memset(longname, 'a', 256);
    longname[256] = '\0';
    ck_assert_int_eq(upf_open(cachefd, "demo", H, longname, &h), PF_EINVAL);
    ck_assert_int_eq(h.fd, -1);
    ck_assert(!exists("Demo"));
    static const char *const hashes[] = {
        "", "abc", "00000000000000000000000000000000000000000000000000000000000000AA",
        "00000000000000000000000000000000000000000000000000000000000000a", "../../../../etc",
        "00000000000000000000000000000000000000000000000000000000000000aag",
    };
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
        ck_assert_int_eq(upf_open(cachefd, "demo", hashes[i], "demo-1.0.tar.gz", &h), PF_EINVAL);
}
END_TEST

/* The same name under another hash (the upstream replaced the file) is
 * another file: fetched again, never the old bytes. */
START_TEST(test_other_hash)
{
    struct upf a;
    ck_assert_int_eq(upf_open(cachefd, "r", H, "r-1.0.tar.gz", &a), PF_EOK);
    ck_assert_int_eq(upf_write(&a, "old", 3), PF_EOK);
    ck_assert_int_eq(upf_commit(&a), PF_EOK);
    upf_close(&a);
    ck_assert_int_eq(upf_open(cachefd, "r", H, "r-1.0.tar.gz", &a), PF_EOK);
    ck_assert_int_eq(a.role, UPF_COMPLETE);
    upf_close(&a);
    ck_assert_int_eq(upf_open(cachefd, "r", "00000000000000000000000000000000000000000000000000000000000000bb",
                              "r-1.0.tar.gz", &a), PF_EOK);
    ck_assert_int_eq(a.role, UPF_FETCHER);
    upf_close(&a);
}
END_TEST

/* A name of 255 bytes has no room for ".part" around it: its staging file
 * is named by its hash, and it still commits under its own name. */
START_TEST(test_long_name)
{
    char name[256];
    memset(name, 'b', 255);
    memcpy(name + 255 - 7, ".tar.gz", 8);
    struct upf a, b;
    ck_assert_int_eq(upf_open(cachefd, "long", H, name, &a), PF_EOK);
    ck_assert_int_eq(a.role, UPF_FETCHER);
    ck_assert_int_eq(upf_open(cachefd, "long", H, name, &b), PF_EOK);
    ck_assert_int_eq(b.role, UPF_FOLLOWER);
    ck_assert_int_eq(upf_write(&a, "L", 1), PF_EOK);
    ck_assert_int_eq(upf_commit(&a), PF_EOK);
    char buf[4];
    size_t len;
    ck_assert_int_eq(follow_all(&b, buf, sizeof buf, &len), 1);
    ck_assert_uint_eq(len, 1);
    char rel[400];
    snprintf(rel, sizeof rel, "long/" H "/%s", name);
    ck_assert(exists(rel));
    upf_close(&a);
    upf_close(&b);
}
END_TEST

/* A project's place in the cache taken by something that is no
 * directory: a clear error, nothing made. */
START_TEST(test_not_a_directory)
{
    int fd = openat(cachefd, "ro", O_WRONLY | O_CREAT, 0644);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(symlinkat("/", cachefd, "ln"), 0);
    struct upf h;
    ck_assert_int_eq(upf_open(cachefd, "ro", H, "ro-1.0.tar.gz", &h), PF_EIO);
    ck_assert_int_eq(errno, ENOTDIR);
    ck_assert_int_eq(h.fd, -1);
    ck_assert_int_eq(h.dirfd, -1);
    /* A link is not followed out of the cache. */
    ck_assert_int_eq(upf_open(cachefd, "ln", H, "ln-1.0.tar.gz", &h), PF_EIO);
    ck_assert(errno == ELOOP || errno == ENOTDIR);
}
END_TEST

Suite *suite_upstream_file(void)
{
    Suite *s = suite_create("upstream_file");
    TCase *tc = tcase_create("upstream_file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_fetch_then_follow);
    tcase_add_test(tc, test_abandon);
    tcase_add_test(tc, test_dead_fetcher);
    tcase_add_test(tc, test_threads_follow);
    tcase_add_test(tc, test_refused_names);
    tcase_add_test(tc, test_long_name);
    tcase_add_test(tc, test_other_hash);
    tcase_add_test(tc, test_not_a_directory);
    suite_add_tcase(s, tc);
    return s;
}
