/* SPDX-License-Identifier: MIT */
/* test_filewatch.c: unit tests for filewatch.c (a parsed file reread when it changes). */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "filewatch.h"
#include "log.h"
#include "suites.h"
#include "testutil.h"

/* The test snapshot: a copy of the text. */
struct text {
    char *p;
    size_t len;
};

/* How many times the parse function ran (the tests count reloads). */
static atomic_int parses;

/* Copies the text; fails (PF_EINVAL) for a text starting with "FAIL". */
static enum pf_err parse_text(const char *text, size_t len, const char *origin, void **out)
{
    (void)origin;
    atomic_fetch_add(&parses, 1);
    if (len >= 4 && memcmp(text, "FAIL", 4) == 0)
        return PF_EINVAL;
    ck_assert_int_eq(text[len], '\0');
    struct text *t = malloc(sizeof *t);
    ck_assert_ptr_nonnull(t);
    t->p = malloc(len + 1);
    ck_assert_ptr_nonnull(t->p);
    memcpy(t->p, text, len + 1);
    t->len = len;
    *out = t;
    return PF_EOK;
}

static void free_text(void *p)
{
    struct text *t = p;
    free(t->p);
    free(t);
}

/* The current text of w, as a malloc'd string. */
static char *current(struct filewatch *w)
{
    struct filewatch_snap *s = filewatch_get(w);
    ck_assert_ptr_nonnull(s);
    const struct text *t = filewatch_data(s);
    char *copy = strdup(t->p);
    filewatch_put(s);
    return copy;
}

static void assert_current(struct filewatch *w, const char *want)
{
    char *got = current(w);
    ck_assert_str_eq(got, want);
    free(got);
}

/* Writes text to a new file next to path and renames it over path. */
static void replace(const char *path, const char *text)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    tu_write_file(tmp, text, strlen(text));
    ck_assert_int_eq(rename(tmp, path), 0);
}

static struct filewatch *open_ok(const char *path)
{
    struct filewatch *w = NULL;
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = filewatch_open(path, parse_text, free_text, &w, &err);
    ck_assert_msg(e == PF_EOK, "filewatch_open(%s): %s: %s", path, pf_errname(e), err.p ? err.p : "");
    buf_free(&err);
    return w;
}

START_TEST(test_filewatch_open_errors)
{
    char *dir = tu_mkdtemp();
    char path[4096];
    struct filewatch *w = NULL;
    buf_t err;
    buf_init(&err, 1024);

    /* Missing: PF_EIO, with the path and the reason in the message. */
    snprintf(path, sizeof path, "%s/missing", dir);
    ck_assert_int_eq(filewatch_open(path, parse_text, free_text, &w, &err), PF_EIO);
    ck_assert_ptr_null(w);
    ck_assert_ptr_nonnull(strstr(err.p, path));
    ck_assert_ptr_nonnull(strstr(err.p, "No such file"));

    /* A directory is not a regular file. */
    buf_reset(&err);
    ck_assert_int_eq(filewatch_open(dir, parse_text, free_text, &w, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "not a regular file"));

    /* A FIFO neither: and opening it does not hang. */
    snprintf(path, sizeof path, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    buf_reset(&err);
    ck_assert_int_eq(filewatch_open(path, parse_text, free_text, &w, &err), PF_EINVAL);

    /* One byte over the limit (a sparse file: nothing is written). */
    snprintf(path, sizeof path, "%s/big", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)FILEWATCH_MAX_SIZE + 1), 0);
    close(fd);
    buf_reset(&err);
    ck_assert_int_eq(filewatch_open(path, parse_text, free_text, &w, &err), PF_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.p, path));

    /* The parse function's error. */
    snprintf(path, sizeof path, "%s/bad", dir);
    tu_write_file(path, "FAIL", 4);
    buf_reset(&err);
    ck_assert_int_eq(filewatch_open(path, parse_text, free_text, &w, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, path));
    ck_assert_ptr_null(w);

    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Exactly the limit is read whole; an empty file is fine too. */
START_TEST(test_filewatch_limit_and_empty)
{
    char *dir = tu_mkdtemp();
    char path[4096];
    snprintf(path, sizeof path, "%s/f", dir);

    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)FILEWATCH_MAX_SIZE), 0);
    close(fd);
    struct filewatch *w = open_ok(path);
    struct filewatch_snap *s = filewatch_get(w);
    ck_assert_uint_eq(((const struct text *)filewatch_data(s))->len, FILEWATCH_MAX_SIZE);
    filewatch_put(s);

    replace(path, "");
    s = filewatch_get(w);
    ck_assert_uint_eq(((const struct text *)filewatch_data(s))->len, 0);
    filewatch_put(s);
    filewatch_close(w);

    /* NULL is accepted by put and close. */
    filewatch_put(NULL);
    filewatch_close(NULL);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_filewatch_unchanged_is_not_reread)
{
    char *dir = tu_mkdtemp();
    char path[4096];
    snprintf(path, sizeof path, "%s/f", dir);
    tu_write_file(path, "one\n", 4);
    atomic_store(&parses, 0);
    struct filewatch *w = open_ok(path);
    ck_assert_int_eq(atomic_load(&parses), 1);

    struct filewatch_snap *a = filewatch_get(w), *b = filewatch_get(w);
    ck_assert_ptr_eq(a, b);
    filewatch_put(a);
    filewatch_put(b);
    for (int i = 0; i < 100; i++)
        assert_current(w, "one\n");
    ck_assert_int_eq(atomic_load(&parses), 1);

    filewatch_close(w);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* A rename over the file, and a rewrite in place that changes the size,
 * are both seen; a snapshot held across the change stays valid. */
START_TEST(test_filewatch_reload)
{
    char *dir = tu_mkdtemp();
    char path[4096];
    snprintf(path, sizeof path, "%s/f", dir);
    tu_write_file(path, "one\n", 4);
    struct filewatch *w = open_ok(path);

    struct filewatch_snap *held = filewatch_get(w);
    replace(path, "two\n");
    assert_current(w, "two\n");
    ck_assert_str_eq(((const struct text *)filewatch_data(held))->p, "one\n");
    filewatch_put(held);

    tu_write_file(path, "three\n", 6);
    assert_current(w, "three\n");

    /* The watch outlives nothing: a snapshot held after close is valid. */
    held = filewatch_get(w);
    filewatch_close(w);
    ck_assert_str_eq(((const struct text *)filewatch_data(held))->p, "three\n");
    filewatch_put(held);

    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* When the file cannot be read again, the previous version stays in use
 * and one warning is logged per state of the file, not per call. */
START_TEST(test_filewatch_failed_reload_keeps_old)
{
    char *dir = tu_mkdtemp();
    char path[4096], *log;
    snprintf(path, sizeof path, "%s/f", dir);
    tu_write_file(path, "one\n", 4);
    struct filewatch *w = open_ok(path);
    int saved = log_threshold;
    log_threshold = LOG_INFO;

    /* Missing. */
    ck_assert_int_eq(unlink(path), 0);
    tu_capture_begin();
    for (int i = 0; i < 5; i++)
        assert_current(w, "one\n");
    log = tu_capture_end();
    ck_assert_uint_eq(tu_count(log, "warn: "), 1);
    ck_assert_uint_eq(tu_count(log, path), 1);
    ck_assert_ptr_nonnull(strstr(log, "No such file"));
    free(log);

    /* Back: read again. Missing again: a new warning. */
    replace(path, "two\n");
    assert_current(w, "two\n");
    ck_assert_int_eq(unlink(path), 0);
    tu_capture_begin();
    assert_current(w, "two\n");
    assert_current(w, "two\n");
    log = tu_capture_end();
    ck_assert_uint_eq(tu_count(log, "warn: "), 1);
    free(log);

    /* Too big. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)FILEWATCH_MAX_SIZE + 1), 0);
    close(fd);
    tu_capture_begin();
    for (int i = 0; i < 5; i++)
        assert_current(w, "two\n");
    log = tu_capture_end();
    ck_assert_uint_eq(tu_count(log, "warn: "), 1);
    ck_assert_ptr_nonnull(strstr(log, "larger than"));
    free(log);

    /* Replaced by a FIFO: refused without hanging. */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    tu_capture_begin();
    assert_current(w, "two\n");
    assert_current(w, "two\n");
    log = tu_capture_end();
    ck_assert_uint_eq(tu_count(log, "warn: "), 1);
    ck_assert_ptr_nonnull(strstr(log, "not a regular file"));
    free(log);
    ck_assert_int_eq(unlink(path), 0);

    /* A parse failure; then a good version again. */
    replace(path, "FAIL\n");
    atomic_store(&parses, 0);
    tu_capture_begin();
    for (int i = 0; i < 5; i++)
        assert_current(w, "two\n");
    log = tu_capture_end();
    ck_assert_uint_eq(tu_count(log, "warn: "), 1);
    /* The same bad version is not parsed again on every call. */
    ck_assert_int_eq(atomic_load(&parses), 1);
    free(log);
    replace(path, "three\n");
    assert_current(w, "three\n");

    log_threshold = saved;
    filewatch_close(w);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Readers on several threads while the file is replaced many times: each
 * sees a whole version (never a mix, never a freed one), and the versions
 * each reader sees only move forward. */
#define VERSIONS 200
#define REPEAT 50

struct reader {
    struct filewatch *w;
    atomic_bool *stop;
    long gets;
    int bad;
};

/* Version v: "NNNNN\n" REPEAT times. */
static void version_text(int v, char *out, size_t outsz)
{
    size_t n = 0;
    for (int i = 0; i < REPEAT; i++)
        n += (size_t)snprintf(out + n, outsz - n, "%05d\n", v);
}

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    int last = -1;
    while (!atomic_load(r->stop)) {
        struct filewatch_snap *s = filewatch_get(r->w);
        const struct text *t = filewatch_data(s);
        int v = atoi(t->p);
        char want[REPEAT * 6 + 1];
        version_text(v, want, sizeof want);
        if (strcmp(t->p, want) != 0 || v < last)
            r->bad++;
        last = v;
        filewatch_put(s);
        r->gets++;
    }
    return NULL;
}

START_TEST(test_filewatch_threads)
{
    char *dir = tu_mkdtemp();
    char path[4096], text[REPEAT * 6 + 1];
    snprintf(path, sizeof path, "%s/f", dir);
    version_text(0, text, sizeof text);
    tu_write_file(path, text, strlen(text));
    struct filewatch *w = open_ok(path);

    atomic_bool stop;
    atomic_init(&stop, false);
    struct reader r[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (struct reader){ w, &stop, 0, 0 };
        ck_assert_int_eq(pthread_create(&th[i], NULL, reader_main, &r[i]), 0);
    }
    for (int v = 1; v <= VERSIONS; v++) {
        version_text(v, text, sizeof text);
        replace(path, text);
        /* A reader may be rereading the file right now (the previous
         * version, perhaps): then this get has the version in use, and a
         * later one sees the change. */
        int tries = 0;
        char *got;
        while (strcmp((got = current(w)), text) != 0) {
            free(got);
            ck_assert_int_lt(++tries, 100000);
            usleep(50);
        }
        free(got);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        ck_assert_int_eq(r[i].bad, 0);
        ck_assert_int_gt(r[i].gets, 0);
    }
    filewatch_close(w);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Log lines of the files parsed are not wanted in the test log; the tests
 * that look at them raise the threshold. */
static int saved_threshold;

static void quiet(void)
{
    saved_threshold = log_threshold;
    log_threshold = LOG_ERROR;
}

static void unquiet(void)
{
    log_threshold = saved_threshold;
}

Suite *suite_filewatch(void)
{
    Suite *s = suite_create("filewatch");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, quiet, unquiet);

    tcase_add_test(tc, test_filewatch_open_errors);
    tcase_add_test(tc, test_filewatch_limit_and_empty);
    tcase_add_test(tc, test_filewatch_unchanged_is_not_reread);
    tcase_add_test(tc, test_filewatch_reload);
    tcase_add_test(tc, test_filewatch_failed_reload_keeps_old);
    tcase_add_test(tc, test_filewatch_threads);
    suite_add_tcase(s, tc);
    return s;
}
