/* SPDX-License-Identifier: MIT */
/* test_pages.c: unit tests for what pages.c and the page files take from the settings of pypiserver's users:
 * X-Forwarded-* from a trusted proxy, the --welcome file, --health-endpoint, --cache-control. */
#define _GNU_SOURCE
#include "config.h"
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "conf.h"
#include "index.h"
#include "route.h"
#include "suites.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char *root;
static struct config cfg;
static index_t *idx;
static struct app app;
static struct http_scratch scratch;

/* Serves one request for uri (a GET unless env_in says otherwise) with the
 * NAME=value pairs of env_in (NULL-terminated, at most 16). */
static struct tu_resp get(const char *uri, const char *const *env_in)
{
    char *env[24], u[256];
    int n = 0;
    /* The first of a name wins (http.h): env_in's, then the defaults. */
    for (size_t i = 0; env_in && env_in[i] && i < 16; i++)
        env[n++] = (char *)env_in[i];
    snprintf(u, sizeof u, "REQUEST_URI=%s", uri);
    env[n++] = u;
    env[n++] = (char *)"REQUEST_METHOD=GET";
    env[n++] = (char *)"SCRIPT_NAME=";
    env[n] = NULL;
    return tu_serve(&app, env, NULL, &scratch);
}

/* True when the head has the line "name: value". */
static bool has_header(const struct tu_resp *r, const char *name, const char *value)
{
    char line[512];
    snprintf(line, sizeof line, "\r\n%s: %s\r\n", name, value);
    return strstr(r->head, line) != NULL;
}

static void setup(void)
{
    root = tu_mkdtemp();
    char p[1024];
    snprintf(p, sizeof p, "%s/baz-0.9.tar.gz", root);
    tu_make_sdist(p, "baz-0.9", "Metadata-Version: 1.0\nName: baz\nVersion: 0.9\n");
    snprintf(p, sizeof p, "%s/qux-1.0.tar.gz", root);
    tu_make_sdist(p, "qux-1.0", "Metadata-Version: 1.0\nName: qux\nVersion: 1.0\n");
    conf_init(&cfg);
    cfg.roots = calloc(1, sizeof *cfg.roots);
    cfg.roots[0] = realpath(root, NULL);
    cfg.nroots = 1;
    cfg.rescan_interval = 0;
    ck_assert_int_eq(index_open(&cfg, &idx), PF_EOK);
    http_scratch_init(&scratch);
    app.cfg = &cfg;
    app.idx = idx;
}

static void teardown(void)
{
    http_scratch_free(&scratch);
    index_close(idx);
    conf_free(&cfg);
    tu_rmrf(root);
    free(root);
}

static void set(const char *name, const char *value)
{
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_msg(conf_set(&cfg, name, value, &err) == PF_EOK, "%s", err.p);
    buf_free(&err);
}

/* ---- X-Forwarded-* ---- */

struct fwd_case {
    const char *trusted; /* --trusted-proxy; NULL: none */
    const char *env[8];
    const char *url;     /* the welcome page's index URL */
    const char *logged;  /* a part of the log, or NULL for no warning */
};

#define FWD_HOST "HTTP_HOST=pypi.example.com"

static const struct fwd_case fwd_cases[] = {
    /* Not believed without --trusted-proxy, nor from another address. */
    { NULL, { FWD_HOST, "REMOTE_ADDR=127.0.0.1", "HTTP_X_FORWARDED_HOST=evil.example", "HTTP_X_FORWARDED_PROTO=https" },
      "http://pypi.example.com/simple/", NULL },
    { "10.0.0.1", { FWD_HOST, "REMOTE_ADDR=10.0.0.2", "HTTP_X_FORWARDED_HOST=evil.example" },
      "http://pypi.example.com/simple/", NULL },
    { "10.0.0.1", { FWD_HOST, "HTTP_X_FORWARDED_HOST=evil.example" }, "http://pypi.example.com/simple/", NULL },
    { "10.0.0.1", { FWD_HOST, "REMOTE_ADDR=10.0.0.1 ", "HTTP_X_FORWARDED_HOST=evil.example" },
      "http://pypi.example.com/simple/", NULL },
    /* Believed from a listed address. */
    { "10.0.0.1", { FWD_HOST, "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_HOST=pkgs.example:8443" },
      "http://pkgs.example:8443/simple/", NULL },
    { "::1, 10.0.0.1", { FWD_HOST, "REMOTE_ADDR=::ffff:10.0.0.1", "HTTP_X_FORWARDED_HOST=pkgs.example",
                         "HTTP_X_FORWARDED_PROTO=https", "HTTP_X_FORWARDED_PREFIX=/a/b/" },
      "https://pkgs.example/a/b/simple/", NULL },
    /* The first value of a chain, blanks trimmed. */
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_HOST= first.example , second.example",
               "HTTP_X_FORWARDED_PROTO=https,http" },
      "https://first.example/simple/", NULL },
    /* Each one alone; the others from the request. */
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PROTO=https" }, "https://pypi.example.com/simple/",
      NULL },
    { "::1", { FWD_HOST, "HTTPS=on", "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PROTO=http" },
      "http://pypi.example.com/simple/", NULL },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=/" }, "http://pypi.example.com/simple/", NULL },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=" }, "http://pypi.example.com/simple/", NULL },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "SCRIPT_NAME=/pypi", "HTTP_X_FORWARDED_PREFIX=/mirror" },
      "http://pypi.example.com/mirror/pypi/simple/", NULL },
    /* A trusted proxy's bad values: ignored, and logged. */
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_HOST=<script>" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Host from a trusted proxy" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_HOST=" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Host" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_HOST=a b" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Host" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PROTO=HTTPS" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Proto from a trusted proxy" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PROTO=javascript" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Proto" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=mirror" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Prefix from a trusted proxy" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=/a/../b" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Prefix" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=/./b" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Prefix" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=//b" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Prefix" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=/a%2Fb" }, "http://pypi.example.com/simple/",
      "ignored X-Forwarded-Prefix" },
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=/\"><script>" },
      "http://pypi.example.com/simple/", "ignored X-Forwarded-Prefix" },
    /* One bad value leaves the good ones. */
    { "::1", { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_HOST=ok.example", "HTTP_X_FORWARDED_PROTO=ftp" },
      "http://ok.example/simple/", "ignored X-Forwarded-Proto" },
};

START_TEST(test_pages_forwarded_table)
{
    const struct fwd_case *c = &fwd_cases[_i];
    if (c->trusted)
        set("trusted-proxy", c->trusted);
    struct tu_resp r = get(c->env[2] && strncmp(c->env[2], "SCRIPT_NAME=/pypi", 17) == 0 ? "/pypi/" : "/", c->env);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strstr(r.body, c->url) != NULL, "case %d: no %s in\n%s", _i, c->url, r.body);
    ck_assert_ptr_null(strstr(r.body, "evil"));
    ck_assert_ptr_null(strstr(r.body, "<script>"));
    if (c->logged)
        ck_assert_msg(r.log.p && strstr(r.log.p, c->logged), "case %d: log: %s", _i, r.log.p ? r.log.p : "");
    else
        ck_assert_msg(!r.log.p || !strstr(r.log.p, "X-Forwarded"), "case %d: log: %s", _i, r.log.p);
    tu_resp_free(&r);
}
END_TEST

/* A redirect's Location starts with a trusted proxy's X-Forwarded-Prefix
 * (and with nothing another address sends), then the mount point. */
START_TEST(test_pages_redirect_prefix)
{
    set("trusted-proxy", "::1");
    static const char *const trusted[] = { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=/mirror", NULL };
    struct tu_resp r = get("/simple/Foo_Bar/", trusted);
    ck_assert_int_eq(r.status, 301);
    ck_assert(has_header(&r, "Location", "/mirror/simple/foo-bar/"));
    tu_resp_free(&r);
    static const char *const other[] = { FWD_HOST, "REMOTE_ADDR=::2", "HTTP_X_FORWARDED_PREFIX=/mirror", NULL };
    r = get("/simple/Foo_Bar/", other);
    ck_assert_int_eq(r.status, 301);
    ck_assert(has_header(&r, "Location", "/simple/foo-bar/"));
    tu_resp_free(&r);
    static const char *const bad[] = { FWD_HOST, "REMOTE_ADDR=::1", "HTTP_X_FORWARDED_PREFIX=/a/../b", NULL };
    r = get("/pypi/Foo_Bar/json", bad);
    ck_assert_int_eq(r.status, 301);
    ck_assert(has_header(&r, "Location", "/pypi/foo-bar/json"));
    tu_resp_free(&r);
}
END_TEST

/* ---- --welcome ---- */

START_TEST(test_pages_welcome_file)
{
    free(cfg.welcome_text);
    cfg.welcome_text = strdup("<p>{{NUMPKGS}} files, {{ VERSION }}</p>\n<a href=\"{{PACKAGES}}\">{{URL}}</a> "
                              "<a href=\"{{ SIMPLE }}\">{{ URL}}simple/</a> {{ }} 50%\n");
    const char *env[] = { "SCRIPT_NAME=/o'k&", "HTTP_HOST=pypi.example.com", NULL };
    struct tu_resp r = get("/o'k&/", env);
    ck_assert_int_eq(r.status, 200);
    ck_assert(has_header(&r, "Content-Type", "text/html; charset=utf-8"));
    ck_assert(has_header(&r, "Cache-Control", "no-cache"));
    /* The mount point keeps its quote in a URL path and its '&' encoded:
     * the quote reaches the page escaped. */
    char want[1024];
    snprintf(want, sizeof want,
             "<p>2 files, %s</p>\n<a href=\"/o&#39;k%%26/packages/\">http://pypi.example.com/o&#39;k%%26/</a> "
             "<a href=\"/o&#39;k%%26/simple/\">http://pypi.example.com/o&#39;k%%26/simple/</a> {{ }} 50%%\n",
             PACKAGE_VERSION);
    ck_assert_str_eq(r.body, want);
    tu_resp_free(&r);
    /* At the server root the paths are /packages/ and /simple/. */
    const char *env2[] = { "HTTP_HOST=h.example", NULL };
    r = get("/", env2);
    ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"/packages/\">http://h.example/</a>"));
    ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"/simple/\">http://h.example/simple/</a>"));
    tu_resp_free(&r);
}
END_TEST

/* ---- --health-endpoint ---- */

START_TEST(test_pages_health_endpoint)
{
    /* Under a login for everything but the health check. */
    set("health-endpoint", "/ops/healthz");
    cfg.authenticate = AUTH_UPDATE | AUTH_DOWNLOAD | AUTH_LIST;
    struct tu_resp r = get("/ops/healthz", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "ok\n");
    tu_resp_free(&r);
    const char *head[] = { "REQUEST_METHOD=HEAD", NULL };
    r = get("/ops/healthz", head);
    ck_assert_int_eq(r.status, 200);
    tu_resp_free(&r);
    cfg.authenticate = AUTH_UPDATE;
    /* The old path is a project-name path like any other. */
    r = get("/health", NULL);
    ck_assert_int_eq(r.status, 301);
    ck_assert(has_header(&r, "Location", "/simple/health/"));
    tu_resp_free(&r);
    static const char *const not_it[] = { "/ops/healthz/", "/OPS/healthz", "/ops/healthz/x", "/ops/x" };
    for (size_t i = 0; i < NELEM(not_it); i++) {
        r = get(not_it[i], NULL);
        ck_assert_msg(r.status == 404, "%s: %d", not_it[i], r.status);
        tu_resp_free(&r);
    }
    /* A single segment takes the /<name>/ shortcut's path, nothing else. */
    set("health-endpoint", "/baz");
    r = get("/baz", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "ok\n");
    tu_resp_free(&r);
    r = get("/baz/", NULL);
    ck_assert_int_eq(r.status, 301);
    tu_resp_free(&r);
    r = get("/simple/baz/", NULL);
    ck_assert_int_eq(r.status, 200);
    tu_resp_free(&r);
}
END_TEST

/* ---- --cache-control ---- */

START_TEST(test_pages_cache_control)
{
    struct tu_resp r = get("/packages/baz-0.9.tar.gz", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert(has_header(&r, "Cache-Control", "public, max-age=31536000, immutable"));
    tu_resp_free(&r);
    set("cache-control", "600");
    r = get("/packages/baz-0.9.tar.gz", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert(has_header(&r, "Cache-Control", "public, max-age=600"));
    tu_resp_free(&r);
    /* Replaces --overwrite's no-cache too: the operator chose the age. */
    cfg.overwrite = true;
    r = get("/packages/baz-0.9.tar.gz", NULL);
    ck_assert(has_header(&r, "Cache-Control", "public, max-age=600"));
    tu_resp_free(&r);
    /* The pages keep theirs. */
    r = get("/simple/baz/", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert(has_header(&r, "Cache-Control", "max-age=0, must-revalidate"));
    tu_resp_free(&r);
    set("cache-control", "0");
    r = get("/packages/baz-0.9.tar.gz", NULL);
    ck_assert(has_header(&r, "Cache-Control", "no-cache"));
    tu_resp_free(&r);
}
END_TEST

Suite *suite_pages(void)
{
    Suite *s = suite_create("pages");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_pages_forwarded_table, 0, (int)NELEM(fwd_cases));
    tcase_add_test(tc, test_pages_redirect_prefix);
    tcase_add_test(tc, test_pages_welcome_file);
    tcase_add_test(tc, test_pages_health_endpoint);
    tcase_add_test(tc, test_pages_cache_control);
    suite_add_tcase(s, tc);
    return s;
}
