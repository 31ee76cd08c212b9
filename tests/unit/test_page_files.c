/* SPDX-License-Identifier: MIT */
/* test_page_files.c: downloads and .metadata: which path an offload header names, symlinks swapped after the listing, cache headers, the login each route asks for. */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "auth.h"
#include "buf.h"
#include "conf.h"
#include "index.h"
#include "route.h"
#include "suites.h"
#include "testutil.h"

static char *root, *outside, *pwfile;
static struct config cfg;
static index_t *idx;
static struct auth *auth;
static struct app app;
static struct http_scratch scratch;

/* GET uri, with alice's login (alice:secret) when login is true. */
static struct tu_resp get_as(const char *uri, bool login)
{
    char *env[5] = { "REQUEST_METHOD=GET", NULL, "SCRIPT_NAME=", NULL, NULL };
    ck_assert_int_ge(asprintf(&env[1], "REQUEST_URI=%s", uri), 0);
    if (login)
        env[3] = "HTTP_AUTHORIZATION=Basic YWxpY2U6c2VjcmV0";
    struct tu_resp r = tu_serve(&app, env, NULL, &scratch);
    free(env[1]);
    return r;
}

static struct tu_resp get(const char *uri)
{
    return get_as(uri, false);
}

/* The value of a header (malloc'd), or NULL. */
static char *header(const struct tu_resp *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = r->head; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        if (!eol)
            break;
        if ((size_t)(eol - p) > n + 1 && strncasecmp(p, name, n) == 0 && p[n] == ':')
            return strndup(p + n + 2, (size_t)(eol - p) - n - 2);
        p = eol + 2;
    }
    return NULL;
}

static void assert_header(const struct tu_resp *r, const char *name, const char *want)
{
    char *v = header(r, name);
    ck_assert_msg(v != NULL, "header %s missing in:\n%s", name, r->head);
    ck_assert_str_eq(v, want);
    free(v);
}

static char *at(const char *dir, const char *rel)
{
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/%s", dir, rel), 0);
    return p;
}

/* The tree of the reproduction: foo/foo-2.0.tar.gz is a link to
 * ../store/sub/target, which stays inside the root; OUTSIDE/target is
 * what an attacker wants sent. Also a plain wheel and a link to a
 * dot-file inside the root. */
static void setup_tree(void)
{
    root = tu_mkdtemp();
    outside = tu_mkdtemp();
    ck_assert_int_eq(tu_sh("mkdir -p '%s/foo' '%s/store/sub' '%s/.private' '%s/bar'", root, root, root, root), 0);
    char *p = at(root, "store/sub/target");
    tu_make_sdist(p, "foo-2.0", "Metadata-Version: 2.1\nName: foo\nVersion: 2.0\n");
    free(p);
    p = at(outside, "target");
    tu_write_file(p, "outside secret", 14);
    free(p);
    p = at(root, ".private/secret");
    tu_make_sdist(p, "foo-3.0", "Metadata-Version: 2.1\nName: foo\nVersion: 3.0\n");
    free(p);
    p = at(root, "bar/bar-1.0-py3-none-any.whl");
    tu_make_wheel(p, "bar-1.0.dist-info", "Metadata-Version: 2.1\nName: bar\nVersion: 1.0\n");
    free(p);
    ck_assert_int_eq(tu_sh("ln -s ../store/sub/target '%s/foo/foo-2.0.tar.gz'", root), 0);
    ck_assert_int_eq(tu_sh("ln -s ../.private/secret '%s/foo/foo-3.0.tar.gz'", root), 0);
}

static void open_index(enum sendfile_mode mode, unsigned authenticate, bool overwrite)
{
    conf_init(&cfg);
    cfg.roots = calloc(1, sizeof *cfg.roots);
    cfg.roots[0] = realpath(root, NULL);
    cfg.nroots = 1;
    cfg.rescan_interval = 0;
    cfg.sendfile = mode;
    cfg.authenticate = authenticate;
    cfg.overwrite = overwrite;
    pwfile = tu_alice_htpasswd(root);
    cfg.htpasswd = strdup(pwfile);
    if (mode == SENDFILE_X_ACCEL)
        cfg.accel_prefix = strdup("/_pkgs/");
    tu_app_open(&cfg, &app, &scratch);
    idx = app.idx;
    auth = app.auth;
}

static void close_index(void)
{
    tu_app_close(&app, &scratch);
    conf_free(&cfg);
    unlink(pwfile);
    free(pwfile);
}

static void teardown(void)
{
    tu_rmrf(root);
    tu_rmrf(outside);
    free(root);
    free(outside);
}

static const enum sendfile_mode modes[] = { SENDFILE_NONE, SENDFILE_X_SENDFILE, SENDFILE_X_ACCEL };

/* An offload header names the link's target, resolved inside the root:
 * the web server then has no link of its own to follow. */
START_TEST(offload_names_the_real_path)
{
    setup_tree();
    open_index(modes[_i], 0, false);
    struct tu_resp r = get("/simple/foo/");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "foo-2.0.tar.gz#sha256="));
    tu_resp_free(&r);
    r = get("/packages/foo/foo-2.0.tar.gz");
    ck_assert_msg(r.status == 200, "status %d, log %s", r.status, r.log.p);
    if (modes[_i] == SENDFILE_X_SENDFILE) {
        char *want = at(cfg.roots[0], "store/sub/target");
        assert_header(&r, "X-Sendfile", want);
        free(want);
    } else if (modes[_i] == SENDFILE_X_ACCEL) {
        assert_header(&r, "X-Accel-Redirect", "/_pkgs/store/sub/target");
    } else {
        /* Streamed: the body is the target's bytes. */
        char *p = at(root, "store/sub/target");
        size_t len;
        char *want = tu_read_file(p, &len);
        ck_assert_uint_eq(r.raw.len - (size_t)(r.body - r.raw.p), len);
        ck_assert(memcmp(r.body, want, len) == 0);
        free(want);
        free(p);
    }
    tu_resp_free(&r);
    /* A file without links: the path as listed. */
    r = get("/packages/bar/bar-1.0-py3-none-any.whl");
    ck_assert_int_eq(r.status, 200);
    if (modes[_i] == SENDFILE_X_SENDFILE) {
        char *want = at(cfg.roots[0], "bar/bar-1.0-py3-none-any.whl");
        assert_header(&r, "X-Sendfile", want);
        free(want);
    } else if (modes[_i] == SENDFILE_X_ACCEL) {
        assert_header(&r, "X-Accel-Redirect", "/_pkgs/bar/bar-1.0-py3-none-any.whl");
    }
    tu_resp_free(&r);
    close_index();
    teardown();
}
END_TEST

/* The reproduction: the page is listed while the link stays inside; then
 * store/sub becomes a link to a directory outside that holds "target".
 * No mode may name, or send, the outside file. */
START_TEST(swap_after_listing_refused)
{
    setup_tree();
    open_index(modes[_i], 0, false);
    struct tu_resp r = get("/simple/foo/");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "foo-2.0.tar.gz#sha256="));
    tu_resp_free(&r);
    ck_assert_int_eq(tu_sh("cd '%s/store' && mv sub sub.old && ln -s '%s' sub", root, outside), 0);
    r = get("/packages/foo/foo-2.0.tar.gz");
    ck_assert_msg(r.status == 404, "mode %d: status %d\n%s", (int)modes[_i], r.status, r.head);
    ck_assert_ptr_null(header(&r, "X-Sendfile"));
    ck_assert_ptr_null(header(&r, "X-Accel-Redirect"));
    ck_assert_ptr_null(strstr(r.body, "outside secret"));
    /* Refused by the check at request time, or earlier: the listing was
     * read less than 2 s ago, so this request reads it again and leaves the
     * link out (test_index.c checks the request-time check alone). */
    ck_assert_msg(strstr(r.log.p, "leads outside its root") || strstr(r.log.p, "no indexed file"), "log: %s", r.log.p);
    tu_resp_free(&r);
    /* Put back, it is served again: the refusal is of this path now, not
     * of the file for good. */
    ck_assert_int_eq(tu_sh("cd '%s/store' && rm sub && mv sub.old sub", root), 0);
    r = get("/packages/foo/foo-2.0.tar.gz");
    ck_assert_int_eq(r.status, 200);
    tu_resp_free(&r);
    close_index();
    teardown();
}
END_TEST

/* A link to a dot-file inside the root (a sidecar record, a password file
 * kept there) is refused as a request for that path would be. */
START_TEST(link_to_dot_file_refused)
{
    setup_tree();
    open_index(modes[_i], 0, false);
    struct tu_resp r = get("/packages/foo/foo-3.0.tar.gz");
    ck_assert_msg(r.status == 404, "mode %d: status %d\n%s", (int)modes[_i], r.status, r.head);
    ck_assert_ptr_null(header(&r, "X-Sendfile"));
    ck_assert_ptr_null(header(&r, "X-Accel-Redirect"));
    ck_assert_ptr_nonnull(strstr(r.log.p, "not served"));
    tu_resp_free(&r);
    close_index();
    teardown();
}
END_TEST

/* Cache-Control of a download and of its .metadata, by option:
 * private where a login is needed, never immutable where an upload may
 * replace the file. */
static const struct {
    unsigned authenticate;
    bool overwrite;
    const char *want;
} cache_cases[] = {
    { 0, false, "public, max-age=31536000, immutable" },
    { AUTH_UPDATE, false, "public, max-age=31536000, immutable" },
    { AUTH_UPDATE | AUTH_LIST, false, "public, max-age=31536000, immutable" },
    { AUTH_UPDATE | AUTH_DOWNLOAD, false, "private, max-age=31536000, immutable" },
    { 0, true, "no-cache" },
    { AUTH_UPDATE | AUTH_DOWNLOAD | AUTH_LIST, true, "private, no-cache" },
};

START_TEST(cache_control_by_option)
{
    setup_tree();
    open_index(SENDFILE_X_SENDFILE, cache_cases[_i].authenticate, cache_cases[_i].overwrite);
    bool login = cache_cases[_i].authenticate & AUTH_DOWNLOAD;
    struct tu_resp r = get_as("/packages/bar/bar-1.0-py3-none-any.whl", login);
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Cache-Control", cache_cases[_i].want);
    tu_resp_free(&r);
    r = get_as("/packages/bar/bar-1.0-py3-none-any.whl.metadata", login);
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Cache-Control", cache_cases[_i].want);
    tu_resp_free(&r);
    if (login) {
        /* Without it: 401, and nothing a cache keeps. */
        r = get("/packages/bar/bar-1.0-py3-none-any.whl");
        ck_assert_int_eq(r.status, 401);
        assert_header(&r, "Cache-Control", "no-store");
        tu_resp_free(&r);
    }
    close_index();
    teardown();
}
END_TEST

START_TEST(metadata_headers)
{
    setup_tree();
    open_index(SENDFILE_NONE, 0, true);
    struct tu_resp r = get("/packages/bar/bar-1.0-py3-none-any.whl.metadata");
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
    assert_header(&r, "X-Content-Type-Options", "nosniff");
    assert_header(&r, "Cache-Control", "no-cache");
    tu_resp_free(&r);
    close_index();
    teardown();
}
END_TEST

/* The login a route needs (the route table's column), asked for before
 * its page runs: each path under each --authenticate. */
static const struct {
    const char *uri;
    unsigned need; /* AUTH_* */
    int status;    /* with a login, or when none is needed */
} login_routes[] = {
    { "/", AUTH_LIST, 200 },
    { "/simple", AUTH_LIST, 301 },
    { "/simple/", AUTH_LIST, 200 },
    { "/simple/Bar/", AUTH_LIST, 301 },
    { "/simple/bar/", AUTH_LIST, 200 },
    { "/simple/nothing-here/", AUTH_LIST, 404 },
    { "/packages/bar/bar-1.0-py3-none-any.whl", AUTH_DOWNLOAD, 200 },
    { "/packages/bar/bar-1.0-py3-none-any.whl.metadata", AUTH_DOWNLOAD, 200 },
    { "/packages/bar/nothing-1.0.tar.gz", AUTH_DOWNLOAD, 404 },
    { "/health", 0, 200 },
    /* The listing shows every file's name and sha256: either login. */
    { "/packages", AUTH_LIST | AUTH_DOWNLOAD, 301 },
    { "/packages/", AUTH_LIST | AUTH_DOWNLOAD, 200 },
    /* pypiserver's /<project>/ redirect lists like /simple/. */
    { "/Bar/", AUTH_LIST, 301 },
    { "/nothing-here", AUTH_LIST, 301 },
};
static const unsigned login_settings[] = { 0, AUTH_UPDATE, AUTH_LIST, AUTH_DOWNLOAD, AUTH_LIST | AUTH_DOWNLOAD };

START_TEST(login_by_route)
{
    setup_tree();
    open_index(SENDFILE_NONE, login_settings[_i], false);
    for (size_t i = 0; i < sizeof login_routes / sizeof login_routes[0]; i++) {
        const char *uri = login_routes[i].uri;
        bool needed = login_settings[_i] & login_routes[i].need;
        struct tu_resp r = get(uri);
        if (needed) {
            ck_assert_msg(r.status == 401, "%s: %d", uri, r.status);
            char *v = header(&r, "WWW-Authenticate");
            ck_assert_msg(v && strncmp(v, "Basic realm=", 12) == 0, "%s: %s", uri, r.head);
            free(v);
            ck_assert_ptr_nonnull(strstr(r.log.p, "no credentials: asking for a login"));
        } else {
            ck_assert_msg(r.status == login_routes[i].status, "%s: %d", uri, r.status);
            ck_assert_ptr_null(strstr(r.head, "WWW-Authenticate"));
        }
        tu_resp_free(&r);
        r = get_as(uri, true);
        ck_assert_msg(r.status == login_routes[i].status, "%s with a login: %d", uri, r.status);
        tu_resp_free(&r);
    }
    close_index();
    teardown();
}
END_TEST

Suite *suite_page_files(void)
{
    Suite *s = suite_create("page_files");
    TCase *tc = tcase_create("downloads");
    size_t nmodes = sizeof modes / sizeof modes[0];
    tcase_add_loop_test(tc, offload_names_the_real_path, 0, (int)nmodes);
    tcase_add_loop_test(tc, swap_after_listing_refused, 0, (int)nmodes);
    tcase_add_loop_test(tc, link_to_dot_file_refused, 0, (int)nmodes);
    tcase_add_loop_test(tc, cache_control_by_option, 0, (int)(sizeof cache_cases / sizeof cache_cases[0]));
    tcase_add_test(tc, metadata_headers);
    tcase_add_loop_test(tc, login_by_route, 0, (int)(sizeof login_settings / sizeof login_settings[0]));
    suite_add_tcase(s, tc);
    return s;
}
