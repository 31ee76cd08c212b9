/* SPDX-License-Identifier: MIT */
/* fuzzutil.c: helpers shared by the libFuzzer harnesses in fuzz/. */
#include "config.h"
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzzutil.h"
#include "log.h"

void fu_fail(const char *file, int line, const char *what)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "fuzz invariant failed at %s:%d: %s", file, line, what);
    /* Printed on the sanitizer's report fd, which libFuzzer keeps open
     * when it silences the target's stderr. */
    __sanitizer_report_error_summary(msg);
    abort();
}

/* UBSan's defaults for every harness (the environment's UBSAN_OPTIONS
 * still win): a stack trace with each report. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "print_stacktrace=1";
}

void fu_init(void)
{
    log_threshold = LOG_DEBUG;
}

char *fu_cstr(const void *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

uint32_t fu_rand(uint32_t *state)
{
    uint32_t x = *state ? *state : 1;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

size_t fu_count_lines(sv_t s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += s.p[i] == '\n';
    return n + (s.len && s.p[s.len - 1] != '\n');
}

char *fu_mkdtemp(const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    char *path;
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if (asprintf(&path, "%s/pypi-fcgi-fuzz-%s-XXXXXX", tmp, tag) < 0 || !mkdtemp(path)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    return path;
}

static void rm_entry(const char *rel, bool is_dir, void *ctx)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", (const char *)ctx, rel);
    if (is_dir)
        (void)rmdir(path);
    else
        (void)unlink(path);
}

void fu_rmrf(const char *path)
{
    fu_walk(path, rm_entry, (void *)path);
    (void)rmdir(path);
}

void fu_mkdirs(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            (void)mkdir(p, 0755);
            *s = '/';
        }
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
        perror(p);
        abort();
    }
}

void fu_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0) {
        perror(path);
        abort();
    }
}

static void add_entry(struct archive *a, const char *name, const char *data)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)strlen(data));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    if (archive_write_header(a, e) != ARCHIVE_OK ||
        archive_write_data(a, data, strlen(data)) != (la_ssize_t)strlen(data)) {
        fprintf(stderr, "fuzz: archive entry %s: %s\n", name, archive_error_string(a));
        abort();
    }
    archive_entry_free(e);
}

static void finish(struct archive *a, const char *path)
{
    if (archive_write_close(a) != ARCHIVE_OK) {
        fprintf(stderr, "fuzz: %s: %s\n", path, archive_error_string(a));
        abort();
    }
    archive_write_free(a);
}

void fu_make_wheel(const char *path, const char *distinfo, const char *metadata)
{
    struct archive *a = archive_write_new();
    char name[512];
    if (archive_write_set_format_zip(a) != ARCHIVE_OK || archive_write_open_filename(a, path) != ARCHIVE_OK)
        abort();
    add_entry(a, "pkg/__init__.py", "x = 1\n");
    snprintf(name, sizeof name, "%s/METADATA", distinfo);
    add_entry(a, name, metadata);
    snprintf(name, sizeof name, "%s/WHEEL", distinfo);
    add_entry(a, name, "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
    snprintf(name, sizeof name, "%s/RECORD", distinfo);
    add_entry(a, name, "");
    finish(a, path);
}

void fu_make_sdist(const char *path, const char *top, const char *pkginfo)
{
    struct archive *a = archive_write_new();
    char name[512];
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK || archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
        archive_write_open_filename(a, path) != ARCHIVE_OK)
        abort();
    snprintf(name, sizeof name, "%s/setup.py", top);
    add_entry(a, name, "from setuptools import setup\nsetup()\n");
    snprintf(name, sizeof name, "%s/PKG-INFO", top);
    add_entry(a, name, pkginfo);
    finish(a, path);
}

static void walk_at(const char *dir, const char *rel, void (*fn)(const char *, bool, void *), void *ctx)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return;
    /* Names first, then recursion: the callback may remove entries. */
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn)
            abort();
        names = nn;
        if (asprintf(&names[n], "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0)
            abort();
        n++;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", dir, names[i]);
        bool is_dir = lstat(full, &st) == 0 && S_ISDIR(st.st_mode);
        if (is_dir)
            walk_at(dir, names[i], fn, ctx);
        fn(names[i], is_dir, ctx);
        free(names[i]);
    }
    free(names);
}

void fu_walk(const char *dir, void (*fn)(const char *rel, bool is_dir, void *ctx), void *ctx)
{
    walk_at(dir, "", fn, ctx);
}
