/* SPDX-License-Identifier: MIT */
/* testutil.c: helpers shared by the unit-test suites. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "auth.h"
#include "route.h"
#include "testutil.h"

char *tu_mkdtemp(void)
{
    const char *t = getenv("TMPDIR");
    char *p = NULL;
    ck_assert_int_ge(asprintf(&p, "%s/pfunit.XXXXXX", t && *t ? t : "/tmp"), 0);
    ck_assert_ptr_nonnull(mkdtemp(p));
    return p;
}

void tu_rmrf(const char *path)
{
    if (path && *path && strcmp(path, "/") != 0)
        (void)tu_sh("rm -rf '%s'", path);
}

void tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap + 1);
    size_t r;
    while ((r = fread(p + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            p = realloc(p, (cap *= 2) + 1);
    }
    fclose(f);
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

/* The capture in progress: the saved stderr and the file it goes to. Test
 * code only, one capture at a time. */
static int capture_saved = -1;
static FILE *capture_file;

void tu_capture_begin(void)
{
    ck_assert_int_lt(capture_saved, 0);
    fflush(stderr);
    capture_file = tmpfile();
    ck_assert_ptr_nonnull(capture_file);
    capture_saved = dup(STDERR_FILENO);
    ck_assert_int_ge(capture_saved, 0);
    ck_assert_int_ge(dup2(fileno(capture_file), STDERR_FILENO), 0);
}

char *tu_capture_end(void)
{
    ck_assert_int_ge(capture_saved, 0);
    fflush(stderr);
    ck_assert_int_ge(dup2(capture_saved, STDERR_FILENO), 0);
    close(capture_saved);
    capture_saved = -1;
    struct stat st;
    ck_assert_int_eq(fstat(fileno(capture_file), &st), 0);
    size_t n = (size_t)st.st_size;
    char *p = calloc(1, n + 1);
    ck_assert_ptr_nonnull(p);
    rewind(capture_file);
    size_t got = fread(p, 1, n, capture_file);
    p[got] = '\0';
    fclose(capture_file);
    capture_file = NULL;
    return p;
}

size_t tu_count(const char *haystack, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    if (!len)
        return 0;
    for (const char *p = haystack; (p = strstr(p, needle)); p += len)
        n++;
    return n;
}

int tu_sh(const char *fmt, ...)
{
    va_list ap;
    char *cmd = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    int rc = system(cmd);
    free(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void add_entry(struct archive *a, const char *name, const char *data)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)strlen(data));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_data(a, data, strlen(data)), (la_ssize_t)strlen(data));
    archive_entry_free(e);
}

void tu_make_wheel(const char *path, const char *distinfo, const char *metadata)
{
    struct archive *a = archive_write_new();
    char name[512];
    ck_assert_int_eq(archive_write_set_format_zip(a), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
    add_entry(a, "pkg/__init__.py", "x = 1\n");
    snprintf(name, sizeof name, "%s/METADATA", distinfo);
    add_entry(a, name, metadata);
    snprintf(name, sizeof name, "%s/WHEEL", distinfo);
    add_entry(a, name, "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
    snprintf(name, sizeof name, "%s/RECORD", distinfo);
    add_entry(a, name, "");
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

void tu_make_sdist(const char *path, const char *top, const char *pkginfo)
{
    struct archive *a = archive_write_new();
    char name[512];
    ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
    snprintf(name, sizeof name, "%s/setup.py", top);
    add_entry(a, name, "from setuptools import setup\nsetup()\n");
    snprintf(name, sizeof name, "%s/PKG-INFO", top);
    add_entry(a, name, pkginfo);
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

char *tu_alice_htpasswd(const char *root)
{
    char *path = NULL;
    ck_assert_int_ge(asprintf(&path, "%s-htpasswd", root), 0);
    static const char pw[] = "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"; /* secret */
    tu_write_file(path, pw, sizeof pw - 1);
    return path;
}

void tu_app_open(struct config *cfg, struct app *app, struct http_scratch *scratch)
{
    ck_assert_int_eq(index_open(cfg, &app->idx), PF_EOK);
    buf_t err;
    buf_init(&err, 1024);
    ck_assert_msg(auth_open(cfg, &app->auth, &err) == PF_EOK, "auth_open: %s", err.p ? err.p : "");
    buf_free(&err);
    http_scratch_init(scratch);
    app->cfg = cfg;
}

void tu_app_close(struct app *app, struct http_scratch *scratch)
{
    http_scratch_free(scratch);
    auth_close(app->auth);
    index_close(app->idx);
}

int tu_buf_write(void *ctx, const char *p, size_t n)
{
    return buf_append(ctx, p, n) == PF_EOK ? 0 : -1;
}

void tu_buf_log(void *ctx, const char *line)
{
    (void)buf_append_str(ctx, line);
}

struct tu_resp tu_serve(const struct app *app, char **env, const struct http_in *in, struct http_scratch *scratch)
{
    struct tu_resp r;
    memset(&r, 0, sizeof r);
    buf_init(&r.raw, (size_t)1 << 30);
    buf_init(&r.log, 1 << 20);
    struct http_out out = { tu_buf_write, &r.raw };
    ck_assert_int_eq(route_serve(app, env, in, &out, tu_buf_log, &r.log, scratch), 0);
    ck_assert_ptr_nonnull(r.raw.p);
    ck_assert_int_eq(sscanf(r.raw.p, "Status: %d", &r.status), 1);
    char *sep = strstr(r.raw.p, "\r\n\r\n");
    ck_assert_ptr_nonnull(sep);
    r.head = strndup(r.raw.p, (size_t)(sep - r.raw.p) + 2);
    ck_assert_ptr_nonnull(r.head);
    r.body = sep + 4;
    r.body_len = r.raw.len - (size_t)(r.body - r.raw.p);
    if (!r.log.p)
        (void)buf_append_str(&r.log, "");
    return r;
}

void tu_resp_free(struct tu_resp *r)
{
    buf_free(&r->raw);
    buf_free(&r->log);
    free(r->head);
}

pid_t tu_python_start(const char *script, const char *const *args, unsigned *port)
{
    const char *argv[16] = { "python3", script };
    size_t n = 2;
    for (; args && *args && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    int out[2];
    ck_assert_int_eq(pipe(out), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(out[1], 1);
        close(out[0]), close(out[1]);
        execvp("python3", (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    char line[32] = "";
    size_t len = 0;
    ssize_t r;
    while (len < sizeof line - 1 && !strchr(line, '\n') && (r = read(out[0], line + len, sizeof line - 1 - len)) > 0)
        line[len += (size_t)r] = '\0';
    close(out[0]);
    *port = (unsigned)strtoul(line, NULL, 10);
    ck_assert_msg(*port > 0, "the python3 server %s did not start: '%s'", script, line);
    return pid;
}

void tu_python_stop(pid_t pid)
{
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
}
