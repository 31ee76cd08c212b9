/* SPDX-License-Identifier: MIT */
/* test_fs.c: unit tests for fs.c (joining paths, opening beneath a directory, stamps). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fs.h"
#include "suites.h"
#include "testutil.h"

static const struct {
    const char *a, *b, *want;
} join_cases[] = {
    { "", "", "" },
    { "a", "", "a" },
    { "", "b", "b" },
    { "a", "b", "a/b" },
    { "a/b", "c.whl", "a/b/c.whl" },
};

START_TEST(test_fs_join)
{
    char *p = fs_join(join_cases[_i].a, join_cases[_i].b);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p, join_cases[_i].want);
    free(p);
}
END_TEST

/* A path below the directory opens; one that leaves it, by ".." or by a
 * symbolic link, does not. */
START_TEST(test_fs_open_beneath)
{
    char *dir = tu_mkdtemp();
    char path[1024];
    snprintf(path, sizeof path, "%s/root", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/root/sub", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/root/sub/f.whl", dir);
    tu_write_file(path, "in", 2);
    snprintf(path, sizeof path, "%s/outside", dir);
    tu_write_file(path, "out", 3);
    snprintf(path, sizeof path, "%s/root/link", dir);
    ck_assert_int_eq(symlink("../outside", path), 0);
    snprintf(path, sizeof path, "%s/root/inlink", dir);
    ck_assert_int_eq(symlink("sub/f.whl", path), 0);
    snprintf(path, sizeof path, "%s/root", dir);
    int root = open(path, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(root, 0);

    int fd = fs_open_beneath(root, "sub/f.whl", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    char b[4];
    ck_assert_int_eq(read(fd, b, sizeof b), 2);
    close(fd);
    errno = 0;
    ck_assert_int_eq(fs_open_beneath(root, "../outside", O_RDONLY), -1);
    ck_assert(errno == EXDEV || errno == ELOOP);
    errno = 0;
    ck_assert_int_eq(fs_open_beneath(root, "link", O_RDONLY), -1);
    ck_assert(errno == EXDEV || errno == ELOOP);
    ck_assert_int_eq(fs_open_beneath(root, "sub/missing", O_RDONLY), -1);
    ck_assert_int_eq(errno, ENOENT);
    close(root);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* A stamp changes with what is at the path: its content, its links, the
 * file put in its place; not with nothing happening. */
START_TEST(test_fs_stamp)
{
    char *dir = tu_mkdtemp();
    char path[1024], other[1024], second[1024];
    snprintf(path, sizeof path, "%s/f", dir);
    snprintf(other, sizeof other, "%s/g", dir);
    snprintf(second, sizeof second, "%s/h", dir);
    tu_write_file(path, "one", 3);
    struct stat st;
    struct fs_stamp a, b;
    ck_assert_int_eq(stat(path, &st), 0);
    fs_stamp_of(&a, &st);
    ck_assert_int_eq(a.err, 0);
    ck_assert_int_eq(stat(path, &st), 0);
    fs_stamp_of(&b, &st);
    ck_assert(fs_stamp_eq(&a, &b));

    /* Another size. */
    tu_write_file(path, "three", 5);
    ck_assert_int_eq(stat(path, &st), 0);
    fs_stamp_of(&b, &st);
    ck_assert(!fs_stamp_eq(&a, &b));
    a = b;

    /* Another link to it (the link count, and its ctime). */
    ck_assert_int_eq(link(path, second), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    fs_stamp_of(&b, &st);
    ck_assert(!fs_stamp_eq(&a, &b));
    a = b;

    /* Another file renamed over it, same size: another inode. */
    tu_write_file(other, "three", 5);
    ck_assert_int_eq(rename(other, path), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    fs_stamp_of(&b, &st);
    ck_assert(!fs_stamp_eq(&a, &b));

    /* Nothing there: equal only for the same reason. */
    struct fs_stamp none1 = { .err = ENOENT }, none2 = { .err = ENOENT }, denied = { .err = EACCES };
    ck_assert(fs_stamp_eq(&none1, &none2));
    ck_assert(!fs_stamp_eq(&none1, &denied));
    ck_assert(!fs_stamp_eq(&none1, &b));
    ck_assert(!fs_stamp_eq(&b, &none1));

    /* fs_stamp_path: what stat says, or why there is nothing. */
    struct fs_stamp c;
    fs_stamp_path(path, &c);
    ck_assert(fs_stamp_eq(&b, &c));
    fs_stamp_path(other, &c);
    ck_assert_int_eq(c.err, ENOENT);
    ck_assert(fs_stamp_eq(&none1, &c));
    snprintf(other, sizeof other, "%s/f/under-a-file", dir);
    fs_stamp_path(other, &c);
    ck_assert_int_eq(c.err, ENOTDIR);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

Suite *suite_fs(void)
{
    Suite *s = suite_create("fs");
    TCase *tc = tcase_create("fs");
    tcase_add_loop_test(tc, test_fs_join, 0, (int)(sizeof join_cases / sizeof join_cases[0]));
    tcase_add_test(tc, test_fs_open_beneath);
    tcase_add_test(tc, test_fs_stamp);
    suite_add_tcase(s, tc);
    return s;
}
