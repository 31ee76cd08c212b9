/* SPDX-License-Identifier: MIT */
/* test_upload.c: the upload API (page_upload.c, page_upload_check.c, store.c) in memory: multipart or urlencoded
 * body in, CGI response and files out. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "auth.h"
#include "buf.h"
#include "conf.h"
#include "digest.h"
#include "htpasswd.h"
#include "index.h"
#include "route.h"
#include "sidecar.h"
#include "store.h"
#include "suites.h"
#include "testutil.h"

#define BOUNDARY "0123456789abcdef0123456789abcdef"
#define AUTH_ALICE "HTTP_AUTHORIZATION=Basic YWxpY2U6c2VjcmV0" /* alice:secret */
#define AUTH_WRONG "HTTP_AUTHORIZATION=Basic YWxpY2U6d3Jvbmc=" /* alice:wrong */

static char *root, *pwfile;
static struct config cfg;
static index_t *idx;
static struct auth *auth;
static struct app app;
static struct http_scratch scratch;
static char *wheel_bytes, *other_bytes; /* two wheels of one name, different bytes */
static size_t wheel_len, other_len;

struct reply {
    int status;
    char *raw;
    char *body;
};

/* A body handed over in chunks of 1..step bytes, as a socket might. */
struct feed {
    const char *p;
    size_t len, pos, step;
};

static long feed_read(void *ctx, char *p, size_t n)
{
    struct feed *f = ctx;
    size_t left = f->len - f->pos, k = f->step ? 1 + (f->pos * 7919) % f->step : left;
    if (k > left)
        k = left;
    if (k > n)
        k = n;
    memcpy(p, f->p + f->pos, k);
    f->pos += k;
    return (long)k;
}

static buf_t logged; /* the request log lines of the last requests */

static void mem_log(void *ctx, const char *line)
{
    (void)ctx;
    (void)buf_append_str(&logged, line);
}

#define MULTIPART "CONTENT_TYPE=multipart/form-data; boundary=" BOUNDARY
#define URLENCODED "CONTENT_TYPE=application/x-www-form-urlencoded"

/* POSTs body to path with the Content-Type entry ctype and the extra env
 * entries (NULL-terminated). */
static struct reply post_type(const char *ctype, const char *path, const buf_t *body, size_t step, const char *clen,
                              va_list ap)
{
    char *env[32], lenbuf[64], uri[256];
    int n = 0;
    snprintf(uri, sizeof uri, "REQUEST_URI=%s", path);
    env[n++] = "REQUEST_METHOD=POST";
    env[n++] = uri;
    env[n++] = "SCRIPT_NAME=";
    env[n++] = (char *)ctype;
    if (clen)
        env[n++] = (char *)clen;
    else {
        snprintf(lenbuf, sizeof lenbuf, "CONTENT_LENGTH=%zu", body->len);
        env[n++] = lenbuf;
    }
    for (const char *kv; (kv = va_arg(ap, const char *)) && n < 31;)
        env[n++] = (char *)kv;
    env[n] = NULL;
    struct feed f = { body->p ? body->p : "", body->len, 0, step };
    struct http_in in = { feed_read, &f };
    buf_t raw;
    buf_init(&raw, 1 << 20);
    struct http_out out = { tu_buf_write, &raw };
    ck_assert_int_eq(route_serve(&app, env, &in, &out, mem_log, NULL, &scratch), 0);
    struct reply r = { 0, buf_steal(&raw), NULL };
    ck_assert_int_eq(sscanf(r.raw, "Status: %d", &r.status), 1);
    char *sep = strstr(r.raw, "\r\n\r\n");
    ck_assert_ptr_nonnull(sep);
    r.body = sep + 4;
    return r;
}

/* POSTs a multipart body. */
static struct reply post_env(const char *path, const buf_t *body, size_t step, const char *clen, ...)
{
    va_list ap;
    va_start(ap, clen);
    struct reply r = post_type(MULTIPART, path, body, step, clen, ap);
    va_end(ap);
    return r;
}

/* POSTs an application/x-www-form-urlencoded body. */
static struct reply post_urlenc(const buf_t *body, size_t step, const char *clen, ...)
{
    va_list ap;
    va_start(ap, clen);
    struct reply r = post_type(URLENCODED, "/", body, step, clen, ap);
    va_end(ap);
    return r;
}

#define POST(body, ...) post_env("/legacy/", body, 0, NULL, AUTH_ALICE, ##__VA_ARGS__, NULL)

static void field(buf_t *b, const char *name, const char *value)
{
    ck_assert_int_eq(buf_printf(b, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
                                name, value), PF_EOK);
}

static void content(buf_t *b, const char *filename, const char *data, size_t len)
{
    ck_assert_int_eq(buf_printf(b,
                                "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"content\"; filename=\"%s\"\r\n"
                                "Content-Type: application/octet-stream\r\n\r\n",
                                filename), PF_EOK);
    ck_assert_int_eq(buf_append(b, data, len), PF_EOK);
    ck_assert_int_eq(buf_append_str(b, "\r\n"), PF_EOK);
}

static void close_body(buf_t *b)
{
    ck_assert_int_eq(buf_append_str(b, "--" BOUNDARY "--\r\n"), PF_EOK);
}

/* A twine-shaped body for data uploaded as filename (fields before the file). */
static void twine_body(buf_t *b, const char *name, const char *version, const char *filename, const char *data,
                       size_t len)
{
    char sha[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(data, len, sha);
    buf_init(b, 1 << 24);
    field(b, "metadata_version", "2.1");
    field(b, "name", name);
    field(b, "version", version);
    field(b, "summary", ""); /* twine <= 6.0 sends absent fields empty */
    field(b, "filetype", strstr(filename, ".whl") ? "bdist_wheel" : "sdist");
    field(b, "pyversion", strstr(filename, ".whl") ? "py3" : "source");
    field(b, "md5_digest", "");
    field(b, "sha256_digest", sha);
    field(b, ":action", "file_upload");
    field(b, "protocol_version", "1");
    content(b, filename, data, len);
    close_body(b);
}

static char *path_of(const char *rel)
{
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/%s", root, rel), 0);
    return p;
}

static bool exists(const char *rel)
{
    char *p = path_of(rel);
    struct stat st;
    bool r = lstat(p, &st) == 0;
    free(p);
    return r;
}

/* Nothing but the sidecar lock files is left of anything rejected. */
static void assert_no_staging(void)
{
    ck_assert_int_eq(tu_sh("test -z \"$(find '%s' -path '*/.pypi-fcgi/tmp/*' -o -name '.pypi-fcgi-upload-*')\"", root),
                     0);
}

static char *read_wheel(const char *dir, const char *metadata, size_t *len)
{
    char *p = path_of(dir);
    tu_make_wheel(p, "demo_pkg-1.0.dist-info", metadata);
    char *bytes = tu_read_file(p, len);
    unlink(p);
    free(p);
    return bytes;
}

static void open_all(void)
{
    tu_app_open(&cfg, &app, &scratch);
    idx = app.idx;
    auth = app.auth;
}

static void setup(void)
{
    root = tu_mkdtemp();
    pwfile = tu_alice_htpasswd(root);
    wheel_bytes = read_wheel("w1.whl", "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Python: >=3.8\n",
                             &wheel_len);
    other_bytes = read_wheel("w2.whl", "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Python: >=3.9\n",
                             &other_len);
    conf_init(&cfg);
    cfg.roots = calloc(1, sizeof *cfg.roots);
    cfg.roots[0] = realpath(root, NULL);
    cfg.nroots = 1;
    cfg.rescan_interval = 0;
    cfg.htpasswd = strdup(pwfile);
    cfg.max_upload = 1 << 20;
    buf_init(&logged, 1 << 20);
    open_all();
}

static void close_all(void)
{
    tu_app_close(&app, &scratch);
}

static void teardown(void)
{
    close_all();
    conf_free(&cfg);
    unlink(pwfile);
    free(pwfile);
    tu_rmrf(root);
    free(root);
    buf_free(&logged);
    free(wheel_bytes);
    free(other_bytes);
}

#define WHEEL_NAME "demo_pkg-1.0-py3-none-any.whl"

static buf_t text_body(const char *s);

/* 1 when STORE_HOLD_DIR holds exactly one file and it has these bytes,
 * 0 when that one file differs, -1 when it holds none or several. */
static int held_matches(const void *bytes, size_t len)
{
    char *hold = path_of(STORE_HOLD_DIR);
    DIR *d = opendir(hold);
    int r = -1, n = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char p[4400];
        snprintf(p, sizeof p, "%s/%s", hold, de->d_name);
        size_t got;
        char *b = tu_read_file(p, &got);
        r = got == len && memcmp(b, bytes, len) == 0 ? 1 : 0;
        free(b);
        n++;
    }
    if (d)
        closedir(d);
    free(hold);
    return n == 1 ? r : -1;
}


/* alice uploads the test wheel (demo-pkg 1.0): 200. */
static void upload_wheel_ok(void)
{
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    struct reply r = POST(&b);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
}

/* The record of the test wheel alice uploaded is complete: hash,
 * Requires-Python, uploader, METADATA, size. */
static void assert_wheel_record(void)
{
    char *dir = path_of("demo-pkg");
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dirfd, 0);
    sidecar_t rec;
    ck_assert_int_eq(sidecar_load(dirfd, WHEEL_NAME, &rec), PF_EOK);
    char sha[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(wheel_bytes, wheel_len, sha);
    ck_assert_str_eq(rec.sha256, sha);
    ck_assert_str_eq(rec.requires_python, ">=3.8");
    ck_assert_str_eq(rec.uploader, "alice");
    ck_assert(rec.has_metadata);
    ck_assert_uint_eq(rec.size, wheel_len);
    /* It names the file as published: its inode and its ctime after the
     * link, so it is fresh for that file and no other. */
    struct stat st;
    ck_assert_int_eq(fstatat(dirfd, WHEEL_NAME, &st, 0), 0);
    ck_assert(rec.has_ident);
    ck_assert_uint_eq(rec.ino, (uint64_t)st.st_ino);
    ck_assert(sidecar_fresh(&rec, &st));
    sidecar_clear(&rec);
    close(dirfd);
    free(dir);
}

START_TEST(test_upload_stores_file_and_record)
{
    buf_t b;
    twine_body(&b, "Demo.Pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    struct reply r = POST(&b);
    ck_assert_msg(r.status == 200, "status %d: %s", r.status, r.body);
    ck_assert(exists("demo-pkg/" WHEEL_NAME));
    size_t len;
    char *p = path_of("demo-pkg/" WHEEL_NAME);
    char *stored = tu_read_file(p, &len);
    ck_assert_uint_eq(len, wheel_len);
    ck_assert(memcmp(stored, wheel_bytes, len) == 0);
    free(stored);
    free(p);
    assert_wheel_record();
    /* The next request lists it. */
    char sha[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(wheel_bytes, wheel_len, sha);
    struct index_project *proj;
    ck_assert_int_eq(index_project(idx, "demo-pkg", &proj), PF_EOK);
    ck_assert_uint_eq(proj->nfiles, 1);
    ck_assert_str_eq(proj->files[0].rec.sha256, sha);
    index_project_release(idx, proj);
    assert_no_staging();
    free(r.raw);
    buf_free(&b);
}
END_TEST

/* Every chunking of the body gives the same outcome. */
START_TEST(test_upload_any_chunking)
{
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    struct reply r = post_env("/", &b, (size_t)_i, NULL, AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 200, "step %d: status %d: %s", _i, r.status, r.body);
    free(r.raw);
    buf_free(&b);
}
END_TEST

START_TEST(test_upload_urls)
{
    static const char *const paths[] = { "/", "/legacy", "/legacy/" };
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    for (size_t i = 0; i < 3; i++) {
        struct reply r = post_env(paths[i], &b, 0, NULL, AUTH_ALICE, NULL);
        ck_assert_msg(r.status == 200, "%s: %d %s", paths[i], r.status, r.body);
        free(r.raw);
    }
    buf_free(&b);
}
END_TEST

START_TEST(test_upload_duplicate)
{
    buf_t b, o;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    twine_body(&o, "demo-pkg", "1.0", WHEEL_NAME, other_bytes, other_len);
    struct reply r = POST(&b);
    ck_assert_int_eq(r.status, 200);
    free(r.raw);
    r = POST(&b); /* identical: idempotent */
    ck_assert_int_eq(r.status, 200);
    free(r.raw);
    r = POST(&o);
    ck_assert_int_eq(r.status, 409);
    ck_assert_ptr_nonnull(strstr(r.body, "File already exists"));
    /* twine prints the reason phrase: it carries the message too. */
    ck_assert_ptr_nonnull(strstr(r.raw, "Status: 409 File already exists"));
    free(r.raw);
    size_t len;
    char *p = path_of("demo-pkg/" WHEEL_NAME);
    char *stored = tu_read_file(p, &len);
    ck_assert(len == wheel_len && memcmp(stored, wheel_bytes, len) == 0);
    free(stored);
    free(p);
    assert_no_staging();
    buf_free(&b);
    buf_free(&o);
}
END_TEST

START_TEST(test_upload_overwrite)
{
    buf_t b, o;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    twine_body(&o, "demo-pkg", "1.0", WHEEL_NAME, other_bytes, other_len);
    close_all();
    cfg.overwrite = true;
    open_all();
    struct reply r = POST(&b);
    ck_assert_int_eq(r.status, 200);
    free(r.raw);
    r = POST(&o);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    struct index_project *proj;
    ck_assert_int_eq(index_project(idx, "demo-pkg", &proj), PF_EOK);
    char sha[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(other_bytes, other_len, sha);
    ck_assert_uint_eq(proj->nfiles, 1);
    ck_assert_str_eq(proj->files[0].rec.sha256, sha);
    ck_assert_str_eq(proj->files[0].rec.requires_python, ">=3.9");
    index_project_release(idx, proj);
    assert_no_staging();
    /* The replaced file waits aside for the grace period. */
    ck_assert_int_eq(held_matches(wheel_bytes, wheel_len), 1);
    buf_free(&b);
    buf_free(&o);
}
END_TEST

/* A file kept flat in the root: --overwrite replaces it where it is (no
 * second copy under ROOT/project/), without --overwrite it is a 409. */
START_TEST(test_upload_overwrite_flat)
{
    char *flat = path_of(WHEEL_NAME);
    tu_write_file(flat, wheel_bytes, wheel_len);
    buf_t o;
    twine_body(&o, "demo-pkg", "1.0", WHEEL_NAME, other_bytes, other_len);
    struct reply r = POST(&o);
    ck_assert_msg(r.status == 409, "%d %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "elsewhere in the package tree"));
    free(r.raw);
    close_all();
    cfg.overwrite = true;
    open_all();
    r = POST(&o);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    ck_assert(!exists("demo-pkg"));
    size_t len;
    char *stored = tu_read_file(flat, &len);
    ck_assert(len == other_len && memcmp(stored, other_bytes, len) == 0);
    free(stored);
    struct index_project *proj;
    ck_assert_int_eq(index_project(idx, "demo-pkg", &proj), PF_EOK);
    char sha[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(other_bytes, other_len, sha);
    ck_assert_uint_eq(proj->nfiles, 1);
    ck_assert_str_eq(proj->files[0].relpath, WHEEL_NAME);
    ck_assert_str_eq(proj->files[0].rec.sha256, sha);
    index_project_release(idx, proj);
    assert_no_staging();
    free(flat);
    buf_free(&o);
}
END_TEST

START_TEST(test_upload_auth)
{
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    struct reply r = post_env("/", &b, 0, NULL, NULL);
    ck_assert_int_eq(r.status, 401);
    ck_assert_ptr_nonnull(strstr(r.raw, "WWW-Authenticate: Basic realm="));
    free(r.raw);
    r = post_env("/", &b, 0, NULL, AUTH_WRONG, NULL);
    ck_assert_int_eq(r.status, 403);
    free(r.raw);
    r = post_env("/", &b, 0, NULL, "HTTP_AUTHORIZATION=Bearer xyz", NULL);
    ck_assert_int_eq(r.status, 401);
    free(r.raw);
    r = post_env("/", &b, 0, NULL, "HTTP_AUTHORIZATION=Basic !!!", NULL);
    ck_assert_int_eq(r.status, 401);
    free(r.raw);
    ck_assert(!exists("demo-pkg"));
    buf_free(&b);
}
END_TEST

START_TEST(test_upload_open_to_all)
{
    close_all();
    cfg.authenticate = 0;
    open_all();
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    struct reply r = post_env("/", &b, 0, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
}
END_TEST

START_TEST(test_upload_no_login_configured)
{
    close_all();
    free(cfg.htpasswd);
    cfg.htpasswd = NULL;
    open_all();
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    struct reply r = POST(&b);
    ck_assert_int_eq(r.status, 403);
    ck_assert_ptr_nonnull(strstr(r.body, "--htpasswd"));
    free(r.raw);
    buf_free(&b);
}
END_TEST

START_TEST(test_upload_remote_user)
{
    close_all();
    free(cfg.htpasswd);
    cfg.htpasswd = NULL;
    cfg.trust_remote_user = TRUST_YES;
    open_all();
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    /* nginx sends REMOTE_USER empty when nobody logged in. */
    struct reply r = post_env("/", &b, 0, NULL, "REMOTE_USER=", NULL);
    ck_assert_int_eq(r.status, 401);
    free(r.raw);
    /* nginx decodes $remote_user from any Authorization header, checked or
     * not, and sends no AUTH_TYPE: that name is not believed. */
    r = post_env("/", &b, 0, NULL, "REMOTE_USER=bob", "HTTP_AUTHORIZATION=Basic Ym9iOng=", NULL);
    ck_assert_int_eq(r.status, 401);
    free(r.raw);
    r = post_env("/", &b, 0, NULL, "REMOTE_USER=bob", "AUTH_TYPE=", NULL);
    ck_assert_int_eq(r.status, 401);
    free(r.raw);
    ck_assert(!exists("demo-pkg"));
    /* lighttpd and Apache send AUTH_TYPE once they checked the password. */
    r = post_env("/", &b, 0, NULL, "REMOTE_USER=bob", "AUTH_TYPE=Basic", NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
}
END_TEST

/* --trust-remote-user with --htpasswd behind nginx without auth_basic: a
 * forged header names a user nobody checked; the password is checked. */
START_TEST(test_upload_remote_user_forged)
{
    close_all();
    cfg.trust_remote_user = TRUST_YES;
    open_all();
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    /* alice:wrong and nosuchuser:x, as nginx passes them. */
    struct reply r = post_env("/", &b, 0, NULL, "REMOTE_USER=alice", "HTTP_AUTHORIZATION=Basic YWxpY2U6d3Jvbmc=",
                              NULL);
    ck_assert_msg(r.status == 403, "%d %s", r.status, r.body);
    free(r.raw);
    r = post_env("/", &b, 0, NULL, "REMOTE_USER=nosuchuser", "HTTP_AUTHORIZATION=Basic bm9zdWNodXNlcjp4", NULL);
    ck_assert_msg(r.status == 403, "%d %s", r.status, r.body);
    free(r.raw);
    ck_assert(!exists("demo-pkg"));
    ck_assert_ptr_nonnull(strstr(logged.p, "REMOTE_USER 'nosuchuser' ignored: the web server sent no AUTH_TYPE"));
    /* The real password still works through the --htpasswd fallback. */
    r = post_env("/", &b, 0, NULL, "REMOTE_USER=alice", AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
}
END_TEST

/* A body that stops arriving part-way, as the server's reader reports a
 * body under --upload-min-rate: 408, nothing stored. */
static long slow_read(void *ctx, char *p, size_t n)
{
    struct feed *f = ctx;
    if (f->pos >= f->len / 2)
        return HTTP_IN_SLOW;
    size_t k = f->len / 2 - f->pos < n ? f->len / 2 - f->pos : n;
    memcpy(p, f->p + f->pos, k);
    f->pos += k;
    return (long)k;
}

START_TEST(test_upload_too_slow)
{
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    char clen[64], *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/legacy/", "SCRIPT_NAME=",
                              "CONTENT_TYPE=multipart/form-data; boundary=" BOUNDARY, clen, AUTH_ALICE, NULL };
    snprintf(clen, sizeof clen, "CONTENT_LENGTH=%zu", b.len);
    struct feed f = { b.p, b.len, 0, 0 };
    struct http_in in = { slow_read, &f };
    buf_t raw;
    buf_init(&raw, 1 << 20);
    struct http_out out = { tu_buf_write, &raw };
    ck_assert_int_eq(route_serve(&app, env, &in, &out, mem_log, NULL, &scratch), 0);
    ck_assert_ptr_nonnull(strstr(raw.p, "Status: 408 The upload arrived too slowly"));
    ck_assert_ptr_nonnull(strstr(logged.p, "upload refused (408)"));
    ck_assert(!exists("demo-pkg"));
    assert_no_staging();
    buf_free(&raw);
    buf_free(&b);
}
END_TEST

/* A release that has a wheel does not take another build of it (a build
 * tag, same tags): pip would install that one instead. Other tags are
 * other files of the release; --overwrite allows the rebuild. */
START_TEST(test_upload_build_tag_shadow)
{
    upload_wheel_ok();
    buf_t b;
    struct reply r;
    twine_body(&b, "demo-pkg", "1.0", "demo_pkg-1.0-1-py3-none-any.whl", other_bytes, other_len);
    r = POST(&b);
    ck_assert_msg(r.status == 409, "%d %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "Another build of a wheel this release has"));
    ck_assert_ptr_nonnull(strstr(r.body, WHEEL_NAME));
    free(r.raw);
    ck_assert(!exists("demo-pkg/demo_pkg-1.0-1-py3-none-any.whl"));
    buf_t o;
    twine_body(&o, "demo-pkg", "1.0", "demo_pkg-1.0-py3-none-manylinux1_x86_64.whl", other_bytes, other_len);
    r = POST(&o);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&o);
    close_all();
    cfg.overwrite = true;
    open_all();
    r = POST(&b);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    ck_assert(exists("demo-pkg/demo_pkg-1.0-1-py3-none-any.whl"));
    buf_free(&b);
}
END_TEST

/* File names whose sidecar files would not fit a directory entry: a 400
 * before anything is written. The longest that fits is stored. */
START_TEST(test_upload_long_filename)
{
    char name[300];
    const char *head = "demo_pkg-1.0-py3-none-", *tail = ".whl";
    for (int total = SIDECAR_MAX_FILENAME; total <= SIDECAR_MAX_FILENAME + 1; total++) {
        int pad = total - (int)strlen(head) - (int)strlen(tail);
        snprintf(name, sizeof name, "%s%.*s%s", head, pad,
                 "linux_x86_64_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                 tail);
        ck_assert_int_eq((int)strlen(name), total);
        buf_t b;
        twine_body(&b, "demo-pkg", "1.0", name, wheel_bytes, wheel_len);
        struct reply r = POST(&b);
        if (total > SIDECAR_MAX_FILENAME) {
            ck_assert_msg(r.status == 400, "%d %s", r.status, r.body);
            ck_assert_ptr_nonnull(strstr(r.body, "The filename is longer than 246 bytes."));
        } else {
            ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
            char rel[600];
            snprintf(rel, sizeof rel, "demo-pkg/%s", name);
            ck_assert(exists(rel));
            snprintf(rel, sizeof rel, "demo-pkg/.pypi-fcgi/%s.metadata", name);
            ck_assert(exists(rel));
            char *dir = path_of("demo-pkg");
            tu_rmrf(dir);
            free(dir);
        }
        free(r.raw);
        buf_free(&b);
        ck_assert(!exists("demo-pkg"));
        assert_no_staging();
    }
}
END_TEST

/* A body no thread may take now: 503 with Retry-After, logged. */
START_TEST(test_upload_busy)
{
    char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/legacy/", "SCRIPT_NAME=", "CONTENT_LENGTH=100", NULL };
    buf_t raw;
    buf_init(&raw, 1 << 20);
    struct http_out out = { tu_buf_write, &raw };
    ck_assert_int_eq(route_serve_busy(&app, env, &out, mem_log, NULL, &scratch), 0);
    ck_assert_ptr_nonnull(strstr(raw.p, "Status: 503 "));
    ck_assert_ptr_nonnull(strstr(raw.p, "\r\nRetry-After: 5\r\n"));
    ck_assert_ptr_nonnull(strstr(logged.p, "every thread that may read a request body is busy"));
    buf_free(&raw);
}
END_TEST

START_TEST(test_upload_too_large)
{
    close_all();
    cfg.max_upload = 500;
    open_all();
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    ck_assert_uint_gt(wheel_len, 500);
    struct reply r = POST(&b);
    ck_assert_int_eq(r.status, 413);
    ck_assert_ptr_nonnull(strstr(r.body, "File too large"));
    free(r.raw);
    /* A declared length over the limit is refused before reading. */
    r = post_env("/", &b, 0, "CONTENT_LENGTH=99999999999", AUTH_ALICE, NULL);
    ck_assert_int_eq(r.status, 413);
    free(r.raw);
    ck_assert(!exists("demo-pkg"));
    assert_no_staging();
    buf_free(&b);
}
END_TEST

/* Lowers this process's file size limit to limit bytes, so that a write
 * past it fails with EFBIG (SIGXFSZ ignored) as on a full disk. Each test
 * runs in a process of its own (Check forks); the limit is put back all
 * the same. */
static struct rlimit fsize_saved;

static void limit_file_size(rlim_t limit)
{
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &fsize_saved), 0);
    ck_assert(fsize_saved.rlim_max == RLIM_INFINITY || fsize_saved.rlim_max > limit);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit r = fsize_saved;
    r.rlim_cur = limit;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &r), 0);
}

static void unlimit_file_size(void)
{
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &fsize_saved), 0);
    signal(SIGXFSZ, SIG_DFL);
}

/* The disk fills while the upload is staged: 507 with a message that says
 * so, nothing stored, nothing left behind. */
START_TEST(test_upload_disk_full_staging)
{
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    limit_file_size(wheel_len / 2);
    struct reply r = POST(&b);
    unlimit_file_size();
    ck_assert_msg(r.status == 507, "status %d: %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "Insufficient storage: the server has no room for this file."));
    ck_assert_ptr_nonnull(strstr(logged.p, "cannot write the upload " WHEEL_NAME ": File too large"));
    ck_assert(!exists("demo-pkg/" WHEEL_NAME));
    assert_no_staging();
    free(r.raw);
    buf_free(&b);
}
END_TEST

/* The disk fills when the file is published (its METADATA, written beside
 * the record, does not fit): 507 too, and the file does not appear. */
START_TEST(test_upload_disk_full_publish)
{
    /* METADATA that compresses well: a small wheel, a large record. */
    size_t mdlen = 64 * 1024;
    char *md = malloc(mdlen + 1);
    ck_assert_ptr_nonnull(md);
    int h = snprintf(md, mdlen, "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n\n");
    memset(md + h, 'x', mdlen - (size_t)h);
    md[mdlen] = '\0';
    size_t len;
    char *bytes = read_wheel("big.whl", md, &len);
    free(md);
    ck_assert_uint_lt(len, 8192);
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, bytes, len);
    limit_file_size(16384);
    struct reply r = POST(&b);
    unlimit_file_size();
    ck_assert_msg(r.status == 507, "status %d: %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "Insufficient storage: the server has no room for this file."));
    ck_assert_ptr_nonnull(strstr(logged.p, "cannot publish " WHEEL_NAME ": cannot write the record of"));
    ck_assert(!exists("demo-pkg/" WHEEL_NAME));
    assert_no_staging();
    /* With room again, the same upload succeeds. */
    free(r.raw);
    r = POST(&b);
    ck_assert_msg(r.status == 200, "status %d: %s", r.status, r.body);
    ck_assert(exists("demo-pkg/" WHEEL_NAME));
    free(r.raw);
    buf_free(&b);
    free(bytes);
}
END_TEST

/* A staging write that finds no room is PF_ENOSPACE with errno ENOSPC;
 * other failures are PF_EIO. */
START_TEST(test_store_tmp_write_full)
{
    struct store_tmp t = { .fd = open("/dev/full", O_WRONLY | O_CLOEXEC), .rootfd = -1, .name = "" };
    ck_assert_int_ge(t.fd, 0);
    errno = 0;
    ck_assert_int_eq(store_tmp_write(&t, "abc", 3), PF_ENOSPACE);
    ck_assert_int_eq(errno, ENOSPC);
    ck_assert_int_eq(store_tmp_write(&t, "", 0), PF_EOK);
    close(t.fd);
    t.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(t.fd, 0);
    ck_assert_int_eq(store_tmp_write(&t, "abc", 3), PF_EIO);
    close(t.fd);
    ck_assert_int_eq(pf_errstatus(PF_ENOSPACE), 507);
}
END_TEST

/* store_cleanup removes the staging files no writer holds (also one it
 * may not open for writing, which an NFSv4 client needs for the lock:
 * it falls back to reading), keeps a live one, and ignores other names. */
START_TEST(test_store_cleanup)
{
    char *dir = tu_mkdtemp();
    char path[4096];
    ck_assert_int_eq(tu_sh("mkdir -p '%s/" STORE_TMP_DIR "'", dir), 0);
    snprintf(path, sizeof path, "%s/" STORE_TMP_DIR "/" STORE_TMP_PREFIX "dead", dir);
    tu_write_file(path, "x", 1);
    snprintf(path, sizeof path, "%s/" STORE_TMP_DIR "/" STORE_TMP_PREFIX "dead-ro", dir);
    tu_write_file(path, "x", 1);
    ck_assert_int_eq(chmod(path, 0400), 0);
    snprintf(path, sizeof path, "%s/" STORE_TMP_DIR "/other", dir);
    tu_write_file(path, "x", 1);
    snprintf(path, sizeof path, "%s/" STORE_TMP_DIR "/" STORE_TMP_PREFIX "live", dir);
    tu_write_file(path, "x", 1);
    int live = open(path, O_RDWR | O_CLOEXEC);
    ck_assert_int_ge(live, 0);
    ck_assert_int_eq(flock(live, LOCK_EX), 0);

    ck_assert_int_eq(store_cleanup(dir), 2);
    ck_assert_int_eq(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/" STORE_TMP_DIR "/other", dir);
    ck_assert_int_eq(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/" STORE_TMP_DIR "/" STORE_TMP_PREFIX "dead", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    /* Once its writer is gone, the live one goes too. */
    close(live);
    ck_assert_int_eq(store_cleanup(dir), 1);
    ck_assert_int_eq(store_cleanup(dir), 0);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_upload_truncated)
{
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    char clen[64];
    snprintf(clen, sizeof clen, "CONTENT_LENGTH=%zu", b.len + 100);
    struct reply r = post_env("/", &b, 0, clen, AUTH_ALICE, NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "cut off"));
    free(r.raw);
    r = post_env("/", &b, 0, "CONTENT_LENGTH=0", AUTH_ALICE, NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "empty body"));
    free(r.raw);
    /* No CONTENT_LENGTH (mod_proxy_fcgi, nginx unbuffered): read to EOF. */
    r = post_env("/", &b, 0, "X_NO_LENGTH=1", AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    assert_no_staging();
    buf_free(&b);
}
END_TEST

/* A form whose fields come after the file is judged the same way. */
START_TEST(test_upload_fields_after_content)
{
    char md5[] = "00000000000000000000000000000000";
    buf_t b;
    buf_init(&b, 1 << 24);
    content(&b, WHEEL_NAME, wheel_bytes, wheel_len);
    field(&b, "name", "demo-pkg");
    field(&b, "version", "1.0");
    field(&b, "filetype", "bdist_wheel");
    field(&b, "pyversion", "py3");
    field(&b, "md5_digest", md5);
    field(&b, ":action", "file_upload");
    close_body(&b);
    struct reply r = POST(&b);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "does not match"));
    free(r.raw);
    ck_assert(!exists("demo-pkg"));
    buf_free(&b);
}
END_TEST

struct bad_case {
    const char *name, *version, *filename, *filetype, *sha; /* NULL: the usual */
    int status;
    const char *message;
};

static const struct bad_case bad_cases[] = {
    { "demo-pkg", "1.0", "../" WHEEL_NAME, NULL, NULL, 400, "'/' or '\\'" },
    { "demo-pkg", "1.0", "a\\" WHEEL_NAME, NULL, NULL, 400, "'/' or '\\'" },
    { "demo-pkg", "1.0", ".." , NULL, NULL, 400, "starts with '.'" },
    { "demo-pkg", "1.0", "." WHEEL_NAME, NULL, NULL, 400, "starts with '.'" },
    { "demo-pkg", "1.0", "demo_pkg-1.0-py3-none-any.whl\x01", NULL, NULL, 400, "non-printable" },
    { "demo-pkg", "1.0", "demo_pkg-1.0-py3-none-any%2F.whl", NULL, NULL, 400, "characters other than" },
    { "demo-pkg", "1.0", "demo_pkg-1.0.exe", NULL, NULL, 400, "Invalid file extension: Use .tar.gz" },
    { "demo-pkg", "1.0", WHEEL_NAME, "sdist", NULL, 400, "Extension .whl is invalid for filetype sdist" },
    { "other", "1.0", WHEEL_NAME, NULL, NULL, 400, "Start filename for 'other' with 'other'" },
    { "demo-pkg", "2.0", WHEEL_NAME, NULL, NULL, 400, "Version in filename should be '2.0' not '1.0'" },
    { "demo-pkg", "1.0.0", WHEEL_NAME, NULL, NULL, 200, NULL }, /* PEP 440-equal */
    { "<b>x</b>", "1.0", WHEEL_NAME, NULL, NULL, 400, "is an invalid value for Name" },
    { "demo-pkg", "not a version", WHEEL_NAME, NULL, NULL, 400, "is an invalid value for Version" },
    { "demo-pkg", "1.0", WHEEL_NAME, "egg", NULL, 400, "Use a known file type" },
    { "demo-pkg", "1.0", WHEEL_NAME, NULL, "zz", 400, "hex-encoded, SHA256" },
    { "demo-pkg", "1.0", WHEEL_NAME, NULL, "0000000000000000000000000000000000000000000000000000000000000000", 400,
      "does not match" },
    { "demo-pkg", "1.0", "demo_pkg-1.0.whl", NULL, NULL, 400, "Invalid wheel filename" },
};

START_TEST(test_upload_rejects)
{
    const struct bad_case *c = &bad_cases[_i];
    char sha[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(wheel_bytes, wheel_len, sha);
    buf_t b;
    buf_init(&b, 1 << 24);
    field(&b, "name", c->name);
    field(&b, "version", c->version);
    field(&b, "filetype", c->filetype ? c->filetype : "bdist_wheel");
    field(&b, "pyversion", c->filetype && strcmp(c->filetype, "sdist") == 0 ? "source" : "py3");
    field(&b, "sha256_digest", c->sha ? c->sha : sha);
    field(&b, ":action", "file_upload");
    content(&b, c->filename, wheel_bytes, wheel_len);
    close_body(&b);
    struct reply r = POST(&b);
    ck_assert_msg(r.status == c->status, "case %d: status %d: %s", _i, r.status, r.body);
    if (c->message)
        ck_assert_msg(strstr(r.body, c->message) != NULL, "case %d: body %s lacks %s", _i, r.body, c->message);
    if (c->status != 200) {
        ck_assert(!exists("demo-pkg"));
        ck_assert(!exists("other"));
        ck_assert_ptr_nonnull(strstr(r.raw, "Content-Type: text/plain"));
    }
    assert_no_staging();
    free(r.raw);
    buf_free(&b);
}
END_TEST

START_TEST(test_upload_bad_archives)
{
    static const char notzip[] = "not a zip at all, just text named like a wheel\n";
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, notzip, sizeof notzip - 1);
    struct reply r = POST(&b);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "Invalid distribution file"));
    free(r.raw);
    buf_free(&b);
    /* A wheel without its METADATA. */
    char *p = path_of("nometa.whl");
    tu_make_wheel(p, "other_thing-1.0.dist-info", "Metadata-Version: 2.1\nName: other-thing\nVersion: 1.0\n");
    size_t len;
    char *bytes = tu_read_file(p, &len);
    unlink(p);
    free(p);
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, bytes, len);
    r = POST(&b);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "does not contain the required METADATA"));
    free(r.raw);
    free(bytes);
    buf_free(&b);
    ck_assert(!exists("demo-pkg"));
    assert_no_staging();
}
END_TEST

START_TEST(test_upload_bad_forms)
{
    buf_t b;
    /* Two content parts. */
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    b.len -= strlen("--" BOUNDARY "--\r\n");
    content(&b, WHEEL_NAME, wheel_bytes, wheel_len);
    close_body(&b);
    struct reply r = POST(&b);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "more than one 'content'"));
    free(r.raw);
    buf_free(&b);
    /* No :action, unknown action, removed actions. */
    buf_init(&b, 4096);
    field(&b, "name", "x");
    close_body(&b);
    r = POST(&b);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "Missing ':action'"));
    free(r.raw);
    buf_free(&b);
    buf_init(&b, 4096);
    field(&b, ":action", "doc_upload");
    close_body(&b);
    r = POST(&b);
    ck_assert_int_eq(r.status, 410);
    free(r.raw);
    buf_free(&b);
    /* No file. */
    buf_init(&b, 4096);
    field(&b, ":action", "file_upload");
    field(&b, "name", "demo-pkg");
    field(&b, "version", "1.0");
    field(&b, "filetype", "bdist_wheel");
    field(&b, "pyversion", "py3");
    field(&b, "sha256_digest", "0000000000000000000000000000000000000000000000000000000000000000");
    close_body(&b);
    r = POST(&b);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "does not have a file"));
    free(r.raw);
    buf_free(&b);
    /* A field given twice, differently. */
    buf_init(&b, 4096);
    field(&b, ":action", "file_upload");
    field(&b, "name", "a");
    field(&b, "name", "b");
    close_body(&b);
    r = POST(&b);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "given twice"));
    free(r.raw);
    buf_free(&b);
    /* Neither multipart nor urlencoded. */
    buf_init(&b, 64);
    ck_assert_int_eq(buf_append_str(&b, "a=b"), PF_EOK);
    char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/", "SCRIPT_NAME=", "CONTENT_TYPE=text/plain",
                    "CONTENT_LENGTH=3", AUTH_ALICE, NULL };
    struct feed f = { b.p, b.len, 0, 0 };
    struct http_in in = { feed_read, &f };
    buf_t raw;
    buf_init(&raw, 1 << 20);
    struct http_out out = { tu_buf_write, &raw };
    ck_assert_int_eq(route_serve(&app, env, &in, &out, mem_log, NULL, &scratch), 0);
    ck_assert_ptr_nonnull(strstr(raw.p, "Status: 400"));
    ck_assert_ptr_nonnull(strstr(raw.p, "multipart/form-data"));
    buf_free(&raw);
    buf_free(&b);
}
END_TEST

START_TEST(test_remove_pkg)
{
    upload_wheel_ok();
    buf_t b;
    struct reply r;
    buf_init(&b, 4096);
    field(&b, ":action", "remove_pkg");
    field(&b, "name", "Demo_Pkg");
    field(&b, "version", "1.0.0");
    close_body(&b);
    r = POST(&b);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    ck_assert(!exists("demo-pkg/" WHEEL_NAME));
    ck_assert(!exists("demo-pkg/.pypi-fcgi/" WHEEL_NAME ".rec"));
    ck_assert(!exists("demo-pkg/.pypi-fcgi/" WHEEL_NAME ".metadata"));
    struct index_project *proj;
    ck_assert_int_eq(index_project(idx, "demo-pkg", &proj), PF_ENOTFOUND);
    r = POST(&b);
    ck_assert_int_eq(r.status, 404);
    ck_assert_ptr_nonnull(strstr(r.body, "Demo_Pkg (1.0.0) not found"));
    free(r.raw);
    buf_free(&b);
}
END_TEST

/* Where store_probe refused publishing (a filesystem whose locks other
 * hosts may not see), an upload gets 503 with the reason before its body
 * is read, and a removal fails: nothing is written or removed. On this
 * test's own (local) directory, store_probe allows it. */
START_TEST(test_publish_refused)
{
    struct store_probe probe;
    store_probe(cfg.roots[0], false, &probe);
    ck_assert_msg(!probe.refuse && !probe.keep_staging, "%s", probe.why);
    ck_assert_ptr_nonnull(strstr(probe.what, "flock(2) and link(2) work as publishing needs"));
    assert_no_staging();

    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    struct reply r = POST(&b);
    ck_assert_int_eq(r.status, 200);
    free(r.raw);
    probe.refuse = true;
    snprintf(probe.why, sizeof probe.why, "locks are kept on this host");
    app.publish = &probe;
    buf_t o;
    twine_body(&o, "demo-pkg", "2.0", "demo_pkg-2.0-py3-none-any.whl", wheel_bytes, wheel_len);
    r = POST(&o);
    ck_assert_msg(r.status == 503, "%d %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "Publishing is off on this server: locks are kept on this host."));
    free(r.raw);
    ck_assert(!exists("demo-pkg/demo_pkg-2.0-py3-none-any.whl"));
    assert_no_staging();
    buf_free(&o);
    o = text_body(":action=remove_pkg&name=demo-pkg&version=1.0");
    r = post_urlenc(&o, 0, NULL, AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 503, "%d %s", r.status, r.body);
    free(r.raw);
    ck_assert(exists("demo-pkg/" WHEEL_NAME));
    app.publish = NULL;
    buf_free(&o);
    buf_free(&b);
}
END_TEST

/* A removed file is moved aside, not unlinked: a download of it already
 * under way (an open descriptor, here) reads it to the end, and it is
 * deleted once the grace period is over; with no grace it goes at once. */
START_TEST(test_remove_pkg_holds_file)
{
    upload_wheel_ok();
    buf_t b;
    struct reply r;
    char *p = path_of("demo-pkg/" WHEEL_NAME);
    int reader = open(p, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(reader, 0);
    free(p);
    b = text_body(":action=remove_pkg&name=demo-pkg&version=1.0");
    r = post_urlenc(&b, 0, NULL, AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    ck_assert(!exists("demo-pkg/" WHEEL_NAME));
    ck_assert_int_eq(held_matches(wheel_bytes, wheel_len), 1);
    char *got = malloc(wheel_len + 1);
    ck_assert_int_eq(pread(reader, got, wheel_len + 1, 0), (ssize_t)wheel_len);
    ck_assert_mem_eq(got, wheel_bytes, wheel_len);
    free(got);
    close(reader);
    /* Within the grace period it stays; after it, it goes. */
    ck_assert_int_eq(store_reap(cfg.roots[0], 3600), 0);
    ck_assert_int_eq(held_matches(wheel_bytes, wheel_len), 1);
    ck_assert_int_eq(store_reap(cfg.roots[0], 0), 1);
    ck_assert_int_eq(held_matches(wheel_bytes, wheel_len), -1);
    /* A name in the holding directory that is not ours stays. */
    char *stray = path_of(STORE_HOLD_DIR "/notes.txt");
    tu_write_file(stray, "x", 1);
    ck_assert_int_eq(store_reap(cfg.roots[0], 0), 0);
    ck_assert(exists(STORE_HOLD_DIR "/notes.txt"));
    unlink(stray);
    free(stray);

    /* --removal-grace 0: unlinked at once, nothing held. */
    close_all();
    cfg.removal_grace = 0;
    open_all();
    upload_wheel_ok();
    b = text_body(":action=remove_pkg&name=demo-pkg&version=1.0");
    r = post_urlenc(&b, 0, NULL, AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    ck_assert(!exists("demo-pkg/" WHEEL_NAME));
    ck_assert_int_eq(held_matches(wheel_bytes, wheel_len), -1);
}
END_TEST

/* ---- urlencoded forms: pypiserver's remove_pkg as curl -d sends it ---- */

static buf_t text_body(const char *s)
{
    buf_t b;
    buf_init(&b, 1 << 25);
    ck_assert_int_eq(buf_append_str(&b, s), PF_EOK);
    return b;
}

/* Nothing was written: no staging file, no project directory. */
static void assert_nothing_written(void)
{
    assert_no_staging();
    ck_assert(!exists("demo-pkg"));
}

START_TEST(test_remove_pkg_urlencoded)
{
    upload_wheel_ok();
    buf_t b;
    struct reply r;
    /* Escaped name, '+' in no field we read, an unknown field skipped, in
     * every chunking. */
    b = text_body("%3Aaction=remove_pkg&&name=Demo%5fPkg&comment=a+b&version=1.0.0");
    r = post_urlenc(&b, (size_t)_i, NULL, AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 200, "step %d: %d %s", _i, r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "Removed 1 file(s) of demo-pkg 1.0.0."));
    free(r.raw);
    ck_assert(!exists("demo-pkg/" WHEEL_NAME));
    struct index_project *proj;
    ck_assert_int_eq(index_project(idx, "demo-pkg", &proj), PF_ENOTFOUND);
    r = post_urlenc(&b, 0, NULL, AUTH_ALICE, NULL);
    ck_assert_int_eq(r.status, 404);
    free(r.raw);
    buf_free(&b);
    /* The login is checked as for a multipart form. */
    b = text_body(":action=remove_pkg&name=demo-pkg&version=1.0");
    r = post_urlenc(&b, 0, NULL, AUTH_WRONG, NULL);
    ck_assert_int_eq(r.status, 403);
    free(r.raw);
    buf_free(&b);
}
END_TEST

/* Hostile urlencoded forms get the multipart form's answers, and write nothing. */
static const struct {
    const char *body;
    int status;
    const char *msg;
} bad_urlenc[] = {
    { ":action=remove_pkg&name=demo-pkg&version=%zz", 400, "Malformed form body: a '%' is not followed by two hex" },
    { ":action=remove_pkg&name=demo-pkg&version=1.0%4", 400, "Malformed form body" },
    { ":action=remove_pkg&name=demo%00pkg&version=1.0", 400, "Field 'name' contains a NUL byte." },
    { ":action=remove_pkg&name=a&name=b&version=1.0", 400, "Field 'name' is given twice with different values." },
    { ":action=remove_pkg&version=1.0", 400, "Missing 'name' or 'version' field." },
    { "name=demo-pkg&version=1.0", 400, "Missing ':action' field." },
    { ":action=remove_pkg;name=demo-pkg;version=1.0", 400, "Unsupported ':action' field: remove_pkg;name=" },
    { ":action=file_upload&name=demo-pkg&version=1.0&filetype=sdist&sha256_digest="
      "0000000000000000000000000000000000000000000000000000000000000000", 400, "Upload payload does not have a file." },
    { ":action=file_upload", 400, "Upload payload does not have a file." },
    { ":action=file_upload&filetype=sdist", 400, "Upload payload does not have a file." },
    { ":action=file_upload&name=demo-pkg", 400, "is an invalid value for Version" },
    { ":action=doc_upload", 410, "documentation" },
    { ":action=remove_pkg&name=Caf%C3%A9&version=1.0", 404, "Caf\xc3\xa9 (1.0) not found" },
};

START_TEST(test_urlencoded_rejects)
{
    buf_t b = text_body(bad_urlenc[_i].body);
    struct reply r = post_urlenc(&b, 0, NULL, AUTH_ALICE, NULL);
    ck_assert_msg(r.status == bad_urlenc[_i].status, "%s: %d %s", bad_urlenc[_i].body, r.status, r.body);
    ck_assert_msg(strstr(r.body, bad_urlenc[_i].msg), "%s: %s", bad_urlenc[_i].body, r.body);
    assert_nothing_written();
    free(r.raw);
    buf_free(&b);
}
END_TEST

/* The caps: UPLOAD_MAX_FIELD per field we read (unknown fields of any
 * length are skipped), 1024 fields, 16 MiB in all (from CONTENT_LENGTH
 * before a byte is read, or counted when it is absent). */
START_TEST(test_urlencoded_caps)
{
    buf_t b = text_body(":action=remove_pkg&version=1.0&name=");
    for (int i = 0; i < 1025; i++)
        ck_assert_int_eq(buf_append_char(&b, 'n'), PF_EOK);
    struct reply r = post_urlenc(&b, 0, NULL, AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 400 && strstr(r.body, "Field 'name' is longer than 1024 bytes."), "%d %s", r.status,
                  r.body);
    free(r.raw);
    buf_free(&b);
    /* An unknown field of 1 MiB is skipped; the form is read. */
    b = text_body(":action=remove_pkg&name=demo-pkg&version=1.0&description=");
    for (int i = 0; i < (1 << 20); i++)
        ck_assert_int_eq(buf_append_char(&b, 'd'), PF_EOK);
    r = post_urlenc(&b, 0, NULL, AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 404, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    /* Too many fields. */
    b = text_body(":action=remove_pkg");
    for (int i = 0; i < 1100; i++)
        ck_assert_int_eq(buf_printf(&b, "&x%d=1", i), PF_EOK);
    r = post_urlenc(&b, 0, NULL, AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 413 && strstr(r.body, "more than 1024 fields"), "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    /* A CONTENT_LENGTH past 16 MiB is refused before the body is read:
     * the body here is tiny. */
    b = text_body(":action=remove_pkg&name=demo-pkg&version=1.0");
    r = post_urlenc(&b, 0, "CONTENT_LENGTH=16777217", AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 413 && strstr(r.body, "The form is larger than 16 MiB."), "%d %s", r.status, r.body);
    free(r.raw);
    /* A body that says less than it sends, or more. */
    r = post_urlenc(&b, 0, "CONTENT_LENGTH=10", AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 400 && strstr(r.body, "cut off"), "%d %s", r.status, r.body);
    free(r.raw);
    r = post_urlenc(&b, 0, "CONTENT_LENGTH=1000", AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 400 && strstr(r.body, "cut off"), "%d %s", r.status, r.body);
    free(r.raw);
    /* Without a length, the bytes are counted. */
    buf_reset(&b);
    ck_assert_int_eq(buf_append_str(&b, ":action=remove_pkg&x="), PF_EOK);
    while (b.len <= (16u << 20))
        ck_assert_int_eq(buf_append(&b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 32), PF_EOK);
    r = post_urlenc(&b, 0, "CONTENT_LENGTH=", AUTH_ALICE, NULL);
    ck_assert_msg(r.status == 413 && strstr(r.body, "The form is larger than 16 MiB."), "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    assert_nothing_written();
}
END_TEST

/* ---- bare uploads: the file alone, as pypiserver takes it ---- */

/* A multipart body with :action=file_upload, the extra fields (name, value
 * pairs, NULL-terminated) and the file. */
static void bare_body(buf_t *b, const char *filename, const char *data, size_t len, ...)
{
    buf_init(b, 1 << 24);
    field(b, ":action", "file_upload");
    va_list ap;
    va_start(ap, len);
    for (const char *n; (n = va_arg(ap, const char *));)
        field(b, n, va_arg(ap, const char *));
    va_end(ap);
    content(b, filename, data, len);
    close_body(b);
}

START_TEST(test_bare_upload_wheel)
{
    buf_t b;
    bare_body(&b, WHEEL_NAME, wheel_bytes, wheel_len, NULL);
    struct reply r = POST(&b);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    assert_wheel_record();
    /* The 409 rules hold: the same bytes again are a success, others not. */
    r = POST(&b);
    ck_assert_int_eq(r.status, 200);
    free(r.raw);
    buf_free(&b);
    bare_body(&b, WHEEL_NAME, other_bytes, other_len, NULL);
    r = POST(&b);
    ck_assert_msg(r.status == 409, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    assert_no_staging();
}
END_TEST

START_TEST(test_bare_upload_sdist)
{
    char *p = path_of("s.tar.gz");
    tu_make_sdist(p, "demo_pkg-2.0", "Metadata-Version: 2.1\nName: Demo.Pkg\nVersion: 2.0.0\n");
    size_t len;
    char *bytes = tu_read_file(p, &len);
    unlink(p);
    free(p);
    buf_t b;
    /* A digest that is given is compared. */
    bare_body(&b, "demo_pkg-2.0.tar.gz", bytes, len, "sha256_digest",
              "0000000000000000000000000000000000000000000000000000000000000000", NULL);
    struct reply r = POST(&b);
    ck_assert_msg(r.status == 400 && strstr(r.body, "digest supplied does not match"), "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    ck_assert(!exists("demo-pkg/demo_pkg-2.0.tar.gz"));
    bare_body(&b, "demo_pkg-2.0.tar.gz", bytes, len, "filetype", "sdist", NULL);
    r = POST(&b);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    ck_assert(exists("demo-pkg/demo_pkg-2.0.tar.gz"));
    free(bytes);
    assert_no_staging();
}
END_TEST

/* Bare uploads whose file name or metadata do not say what twine's fields
 * would, and partial forms (held to twine's checks). */
START_TEST(test_bare_upload_rejects)
{
    size_t len;
    char *v11 = read_wheel("v11.whl", "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.1\n", &len);
    buf_t b;
    bare_body(&b, WHEEL_NAME, v11, len, NULL);
    struct reply r = POST(&b);
    ck_assert_msg(r.status == 400 && strstr(r.body, "The file name says demo_pkg 1.0, but its METADATA says "
                                                    "demo-pkg 1.1."), "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    free(v11);
    char *noname = read_wheel("nn.whl", "Metadata-Version: 2.1\nVersion: 1.0\n", &len);
    bare_body(&b, WHEEL_NAME, noname, len, NULL);
    r = POST(&b);
    ck_assert_msg(r.status == 400 && strstr(r.body, "has no Name or no Version"), "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    free(noname);
    char *other = read_wheel("o.whl", "Metadata-Version: 2.1\nName: other-pkg\nVersion: 1.0\n", &len);
    bare_body(&b, WHEEL_NAME, other, len, NULL);
    r = POST(&b);
    ck_assert_msg(r.status == 400 && strstr(r.body, "METADATA says other-pkg 1.0"), "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    free(other);
    static const struct {
        const char *filename, *f1, *v1, *msg;
    } cases[] = {
        { "demo_pkg.whl", NULL, NULL, "Invalid wheel filename: 'demo_pkg.whl'." },
        { "demo_pkg-1.0.exe", NULL, NULL, "Invalid file extension" },
        { "demo pkg-1.0.tar.gz", NULL, NULL, "characters other than" },
        { WHEEL_NAME, "filetype", "sdist", "Extension .whl is invalid for filetype sdist" },
        { WHEEL_NAME, "pyversion", "source", NULL }, /* allowed for a wheel, as with twine's form */
        { WHEEL_NAME, "sha256_digest", "xyz", "Invalid value for sha256_digest" },
        { WHEEL_NAME, "name", "demo-pkg", "is an invalid value for Version" },
        { WHEEL_NAME, "version", "1.0", "is an invalid value for Name" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bare_body(&b, cases[i].filename, wheel_bytes, wheel_len, cases[i].f1, cases[i].v1, NULL);
        r = POST(&b);
        if (cases[i].msg)
            ck_assert_msg(r.status == 400 && strstr(r.body, cases[i].msg), "%zu: %d %s", i, r.status, r.body);
        else
            ck_assert_msg(r.status == 200, "%zu: %d %s", i, r.status, r.body);
        free(r.raw);
        buf_free(&b);
        if (!cases[i].msg) {
            ck_assert_int_eq(tu_sh("rm -rf '%s/demo-pkg'", root), 0);
        }
    }
    assert_nothing_written();
}
END_TEST

/* The upload ACL holds for the project the file name gives. */
START_TEST(test_bare_upload_acl)
{
    close_all();
    char *aclfile;
    ck_assert_int_ge(asprintf(&aclfile, "%s-acl", root), 0);
    tu_write_file(aclfile, "alice: other-*\n", 15);
    cfg.upload_acl = strdup(aclfile);
    open_all();
    buf_t b;
    bare_body(&b, WHEEL_NAME, wheel_bytes, wheel_len, NULL);
    struct reply r = POST(&b);
    ck_assert_msg(r.status == 403 && strstr(r.body, "isn't allowed to upload to project 'demo-pkg'"), "%d %s",
                  r.status, r.body);
    free(r.raw);
    buf_free(&b);
    assert_nothing_written();
    unlink(aclfile);
    free(aclfile);
}
END_TEST

START_TEST(test_get_on_upload_url)
{
    char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/legacy/", "SCRIPT_NAME=", NULL };
    buf_t raw;
    buf_init(&raw, 1 << 20);
    struct http_out out = { tu_buf_write, &raw };
    ck_assert_int_eq(route_serve(&app, env, NULL, &out, mem_log, NULL, &scratch), 0);
    ck_assert_ptr_nonnull(strstr(raw.p, "Status: 405"));
    ck_assert_ptr_nonnull(strstr(raw.p, "Allow: POST"));
    buf_free(&raw);
}
END_TEST

/* A form field with a line break cannot add a line of its own to the
 * web server's error log. */
START_TEST(test_upload_log_one_line)
{
    buf_t b;
    twine_body(&b, "foo\nFORGED LINE", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    buf_reset(&logged);
    struct reply r = POST(&b);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(logged.p);
    ck_assert_ptr_null(strstr(logged.p, "\nFORGED"));
    ck_assert_ptr_nonnull(strstr(logged.p, "foo?FORGED LINE"));
    free(r.raw);
    buf_free(&b);
}
END_TEST

/* ---- what a login costs: the bound on hashes at once, failures per address ---- */

struct got {
    int status;
    char retry_after[16]; /* "" when absent */
};

static void buf_log(void *ctx, const char *line)
{
    (void)buf_append_str(ctx, line);
}

/* GET /simple/ with the extra env entries (NULL allowed), its log lines
 * appended to log (NULL: dropped). Safe from any thread: no shared
 * scratch, no assertion. */
static struct got get_simple(const char *auth_env, const char *addr_env, buf_t *log)
{
    char *env[8];
    int n = 0;
    env[n++] = "REQUEST_METHOD=GET";
    env[n++] = "REQUEST_URI=/simple/";
    env[n++] = "SCRIPT_NAME=";
    if (auth_env)
        env[n++] = (char *)auth_env;
    if (addr_env)
        env[n++] = (char *)addr_env;
    env[n] = NULL;
    struct http_scratch sc;
    http_scratch_init(&sc);
    buf_t raw;
    buf_init(&raw, 1 << 20);
    struct http_out out = { tu_buf_write, &raw };
    struct got g = { -1, "" };
    if (route_serve(&app, env, NULL, &out, log ? buf_log : NULL, log, &sc) == 0 && raw.p) {
        if (sscanf(raw.p, "Status: %d", &g.status) != 1)
            g.status = -1;
        const char *ra = strstr(raw.p, "\r\nRetry-After: ");
        if (ra)
            sscanf(ra + 15, "%15[0-9]", g.retry_after);
    }
    buf_free(&raw);
    http_scratch_free(&sc);
    return g;
}

/* alice's password, "secret", as bcrypt of cost 5: a hash costly enough
 * (AUTH_COSTLY_WORK) for the bound and the low priority to apply. */
static void use_bcrypt(void)
{
    static const char pw[] = "alice:$2y$05$gPZUd9ZFDO5IZm8BM3PFaODz9jddzdKNZUVFRPKZyS7RRBoX/mMni\n";
    tu_write_file(pwfile, pw, sizeof pw - 1);
}

static void auth_list_setup(long checks, long failures)
{
    close_all();
    use_bcrypt();
    cfg.threads = 4;
    cfg.password_checks = checks;
    cfg.login_failures = failures;
    cfg.authenticate = AUTH_UPDATE | AUTH_LIST;
    open_all();
}

/* A gate in the hash: each check that reaches it waits there until the
 * test opens it, so the checks running at once can be counted. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_inside, gate_most, gate_done;
static bool gate_open;

static void gate(const char *hash, void *ctx)
{
    (void)hash;
    (void)ctx;
    pthread_mutex_lock(&gate_lock);
    if (++gate_inside > gate_most)
        gate_most = gate_inside;
    pthread_cond_broadcast(&gate_cond);
    while (!gate_open)
        pthread_cond_wait(&gate_cond, &gate_lock);
    gate_inside--;
    pthread_mutex_unlock(&gate_lock);
}

static void *guesser(void *arg)
{
    struct got *g = arg;
    *g = get_simple(AUTH_WRONG, "REMOTE_ADDR=192.0.2.7", NULL);
    pthread_mutex_lock(&gate_lock);
    gate_done++;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
    return NULL;
}

/* Wrong passwords, as many at once as there are guessers: at most
 * --password-checks hashes run at once, threads - password-checks - 1
 * more logins wait in turn, and the others get 503 with Retry-After at
 * once; a login remembered from before passes meanwhile without a hash.
 * Threads and a gate, no clock. */
START_TEST(test_auth_hash_bound)
{
    enum { THREADS = 4, CHECKS = 2, WAITING = THREADS - CHECKS - 1, GUESSERS = 6 };
    auth_list_setup(CHECKS, 0);
    ck_assert_int_eq(cfg.threads, THREADS);
    ck_assert_int_eq(get_simple(AUTH_ALICE, NULL, NULL).status, 200); /* remembered from now on */

    gate_inside = gate_most = gate_done = 0;
    gate_open = false;
    htpasswd_set_observer(gate, NULL);
    pthread_t t[GUESSERS];
    struct got g[GUESSERS];
    for (int i = 0; i < GUESSERS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, guesser, &g[i]), 0);
    /* Every guesser is in a hash, answered, or (at most WAITING of them)
     * waiting for a hash. */
    pthread_mutex_lock(&gate_lock);
    while (gate_inside + gate_done < GUESSERS - WAITING)
        pthread_cond_wait(&gate_cond, &gate_lock);
    int inside = gate_inside, done = gate_done;
    pthread_mutex_unlock(&gate_lock);
    /* With the hashes all taken, the remembered login computes none. */
    struct got alice = inside <= CHECKS ? get_simple(AUTH_ALICE, NULL, NULL) : (struct got){ 0, "" };
    pthread_mutex_lock(&gate_lock);
    gate_open = true;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
    for (int i = 0; i < GUESSERS; i++)
        pthread_join(t[i], NULL);
    htpasswd_set_observer(NULL, NULL);

    ck_assert_msg(gate_most == CHECKS, "%d hashes ran at once, --password-checks %d", gate_most, CHECKS);
    ck_assert_int_eq(inside, CHECKS);
    ck_assert_int_eq(done, GUESSERS - CHECKS - WAITING);
    ck_assert_int_eq(alice.status, 200);
    int n403 = 0, n503 = 0;
    for (int i = 0; i < GUESSERS; i++) {
        if (g[i].status == 403)
            n403++;
        if (g[i].status == 503) {
            n503++;
            ck_assert_str_eq(g[i].retry_after, "1");
        }
    }
    ck_assert_int_eq(n403, CHECKS + WAITING);
    ck_assert_int_eq(n503, GUESSERS - CHECKS - WAITING);
    /* The hashes are free again. */
    ck_assert_int_eq(get_simple(AUTH_WRONG, NULL, NULL).status, 403);
}
END_TEST

static long fake_now;

static long fake_clock(void)
{
    return fake_now;
}

static void count_hash(const char *hash, void *ctx)
{
    (void)hash;
    (*(int *)ctx)++;
}

/* Password hashes run on a thread of their own in SCHED_IDLE (or, where
 * the kernel refuses that, at nice AUTH_HASH_NICE); the worker that asked
 * keeps its class and priority. Notes 1 for SCHED_IDLE, 2 for the nice
 * value, 0 for neither. */
/* The nice value the test started at: the runner may itself run under
 * nice(1), which the worker threads inherit. */
static int base_nice;

static int lowered(void)
{
    int policy;
    struct sched_param sp;
    if (pthread_getschedparam(pthread_self(), &policy, &sp) == 0 && policy == SCHED_IDLE)
        return 1;
    int n = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    return n == AUTH_HASH_NICE && n != base_nice ? 2 : 0;
}

static void note_nice(const char *hash, void *ctx)
{
    (void)hash;
    *(int *)ctx = lowered();
}

START_TEST(test_auth_hash_niced)
{
    base_nice = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    auth_list_setup(0, 0);
    int seen = -100;
    htpasswd_set_observer(note_nice, &seen);
    ck_assert_int_eq(get_simple(AUTH_WRONG, "REMOTE_ADDR=192.0.2.9", NULL).status, 403);
    ck_assert_int_ne(seen, 0);
    ck_assert_int_eq(lowered(), 0);
    /* A file of cheap hashes ({SHA}) is checked at once, on the worker. */
    close_all();
    static const char sha[] = "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n";
    tu_write_file(pwfile, sha, sizeof sha - 1);
    open_all();
    seen = -100;
    ck_assert_int_eq(get_simple(AUTH_WRONG, "REMOTE_ADDR=192.0.2.9", NULL).status, 403);
    htpasswd_set_observer(NULL, NULL);
    ck_assert_int_eq(seen, 0);
}
END_TEST

/* --login-failures per client address and window: past it, 429 with the
 * seconds left and no hash; other addresses, remembered logins and the
 * next window are not affected. A fake clock, no waiting. */
START_TEST(test_auth_failures_per_address)
{
    auth_list_setup(0, 3);
    auth_set_clock(auth, fake_clock);
    fake_now = 1000;
    int hashes = 0;
    buf_t log;
    buf_init(&log, 1 << 16);
    htpasswd_set_observer(count_hash, &hashes);
    ck_assert_int_eq(get_simple(AUTH_ALICE, "REMOTE_ADDR=192.0.2.1", NULL).status, 200);
    ck_assert_int_eq(hashes, 1);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(get_simple(AUTH_WRONG, "REMOTE_ADDR=192.0.2.1", NULL).status, 403);
    ck_assert_int_eq(hashes, 4);
    struct got g = get_simple(AUTH_WRONG, "REMOTE_ADDR=192.0.2.1", &log);
    ck_assert_int_eq(g.status, 429);
    ck_assert_str_eq(g.retry_after, "60");
    ck_assert_int_eq(hashes, 4);
    ck_assert_ptr_nonnull(strstr(log.p, "3 failed logins from '192.0.2.1'"));
    fake_now += 20;
    g = get_simple(AUTH_WRONG, "REMOTE_ADDR=192.0.2.1", NULL);
    ck_assert_int_eq(g.status, 429);
    ck_assert_str_eq(g.retry_after, "40");
    /* A remembered login from there still passes; another address is
     * checked as usual. */
    ck_assert_int_eq(get_simple(AUTH_ALICE, "REMOTE_ADDR=192.0.2.1", NULL).status, 200);
    ck_assert_int_eq(get_simple(AUTH_WRONG, "REMOTE_ADDR=2001:db8::1", NULL).status, 403);
    ck_assert_int_eq(hashes, 5);
    /* The next window. */
    fake_now += 40;
    ck_assert_int_eq(get_simple(AUTH_WRONG, "REMOTE_ADDR=192.0.2.1", NULL).status, 403);
    ck_assert_int_eq(hashes, 6);
    htpasswd_set_observer(NULL, NULL);
    buf_free(&log);

    /* 0: no limit. */
    auth_list_setup(0, 0);
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq(get_simple(AUTH_WRONG, "REMOTE_ADDR=192.0.2.1", NULL).status, 403);
}
END_TEST

/* An htpasswd file that is deleted revokes every login, remembered ones
 * too; an ACL file that is deleted lets nobody upload. */
START_TEST(test_auth_files_deleted)
{
    close_all();
    char *aclfile;
    ck_assert_int_ge(asprintf(&aclfile, "%s-acl", root), 0);
    tu_write_file(aclfile, "alice: demo-*\n", 14);
    cfg.upload_acl = strdup(aclfile);
    cfg.authenticate = AUTH_UPDATE | AUTH_LIST;
    open_all();
    buf_t b;
    twine_body(&b, "demo-pkg", "1.0", WHEEL_NAME, wheel_bytes, wheel_len);
    ck_assert_int_eq(get_simple(AUTH_ALICE, NULL, NULL).status, 200);
    ck_assert_int_eq(unlink(aclfile), 0);
    struct reply r = POST(&b);
    ck_assert_msg(r.status == 403, "%d %s", r.status, r.body);
    free(r.raw);
    ck_assert(!exists("demo-pkg/" WHEEL_NAME));
    ck_assert_int_eq(unlink(pwfile), 0);
    ck_assert_int_eq(get_simple(AUTH_ALICE, NULL, NULL).status, 403);
    r = POST(&b);
    ck_assert_msg(r.status == 403, "%d %s", r.status, r.body);
    free(r.raw);
    buf_free(&b);
    free(aclfile);
}
END_TEST

START_TEST(test_parse_basic)
{
    char user[AUTH_MAX_USER + 1], pw[AUTH_MAX_PASSWORD + 1];
    ck_assert(auth_parse_basic("Basic YWxpY2U6c2VjcmV0", user, pw));
    ck_assert_str_eq(user, "alice");
    ck_assert_str_eq(pw, "secret");
    ck_assert(auth_parse_basic("basic   YWxpY2U6OnM6", user, pw)); /* alice::s: */
    ck_assert_str_eq(user, "alice");
    ck_assert_str_eq(pw, ":s:");
    ck_assert(auth_parse_basic("Basic YTo=", user, pw)); /* "a:" */
    ck_assert_str_eq(pw, "");
    ck_assert(!auth_parse_basic("Basic Ojp4", user, pw));     /* "::x": empty user */
    ck_assert(!auth_parse_basic("Basic YWxpY2U=", user, pw)); /* no colon */
    ck_assert(!auth_parse_basic("Basic YW=xp", user, pw));
    ck_assert(!auth_parse_basic("Bearer YWxpY2U6c2VjcmV0", user, pw));
    ck_assert(!auth_parse_basic("BasicYWxpY2U6c2VjcmV0", user, pw));
    ck_assert(!auth_parse_basic("Basic YQBiOmM=", user, pw)); /* NUL inside */
    ck_assert(!auth_parse_basic("", user, pw));
    ck_assert(!auth_parse_basic(NULL, user, pw));
    char *huge = malloc(8192);
    memcpy(huge, "Basic ", 6);
    memset(huge + 6, 'Q', 8000);
    huge[8006] = '\0';
    ck_assert(!auth_parse_basic(huge, user, pw));
    free(huge);
}
END_TEST

Suite *suite_upload(void)
{
    Suite *s = suite_create("upload");
    TCase *tc = tcase_create("upload");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_upload_stores_file_and_record);
    tcase_add_loop_test(tc, test_upload_any_chunking, 1, 9);
    tcase_add_test(tc, test_upload_urls);
    tcase_add_test(tc, test_upload_duplicate);
    tcase_add_test(tc, test_upload_overwrite);
    tcase_add_test(tc, test_upload_overwrite_flat);
    tcase_add_test(tc, test_upload_too_slow);
    tcase_add_test(tc, test_upload_long_filename);
    tcase_add_test(tc, test_upload_build_tag_shadow);
    tcase_add_test(tc, test_upload_busy);
    tcase_add_test(tc, test_upload_auth);
    tcase_add_test(tc, test_upload_open_to_all);
    tcase_add_test(tc, test_upload_no_login_configured);
    tcase_add_test(tc, test_upload_remote_user);
    tcase_add_test(tc, test_upload_remote_user_forged);
    tcase_add_test(tc, test_upload_too_large);
    tcase_add_test(tc, test_upload_truncated);
    tcase_add_test(tc, test_upload_disk_full_staging);
    tcase_add_test(tc, test_upload_disk_full_publish);
    tcase_add_test(tc, test_store_tmp_write_full);
    tcase_add_test(tc, test_store_cleanup);
    tcase_add_test(tc, test_upload_fields_after_content);
    tcase_add_loop_test(tc, test_upload_rejects, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, test_upload_bad_archives);
    tcase_add_test(tc, test_upload_bad_forms);
    tcase_add_test(tc, test_remove_pkg);
    tcase_add_test(tc, test_remove_pkg_holds_file);
    tcase_add_test(tc, test_publish_refused);
    tcase_add_loop_test(tc, test_remove_pkg_urlencoded, 0, 9);
    tcase_add_loop_test(tc, test_urlencoded_rejects, 0, (int)(sizeof bad_urlenc / sizeof bad_urlenc[0]));
    tcase_add_test(tc, test_urlencoded_caps);
    tcase_add_test(tc, test_bare_upload_wheel);
    tcase_add_test(tc, test_bare_upload_sdist);
    tcase_add_test(tc, test_bare_upload_rejects);
    tcase_add_test(tc, test_bare_upload_acl);
    tcase_add_test(tc, test_get_on_upload_url);
    tcase_add_test(tc, test_parse_basic);
    tcase_add_test(tc, test_auth_hash_bound);
    tcase_add_test(tc, test_auth_failures_per_address);
    tcase_add_test(tc, test_auth_hash_niced);
    tcase_add_test(tc, test_auth_files_deleted);
    tcase_add_test(tc, test_upload_log_one_line);
    suite_add_tcase(s, tc);
    return s;
}
