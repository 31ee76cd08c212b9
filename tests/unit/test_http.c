/* SPDX-License-Identifier: MIT */
/* test_http.c: the handlers end to end in memory: env in, CGI response out. */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "conf.h"
#include "digest.h"
#include "index.h"
#include "name.h"
#include "route.h"
#include "suites.h"
#include "testutil.h"

static const char *PIP_ACCEPT =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

/* A fixture tree shared by the tests of one case. */
static char *root;
static struct config cfg;
static index_t *idx;
static struct app app;
static struct http_scratch scratch; /* reused across requests, as a worker does */

/* Serves one request built from NAME=value pairs (NULL-terminated). */
static struct tu_resp request(const char *first, ...)
{
    char *env[32];
    int n = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *kv = first; kv && n < 31; kv = va_arg(ap, const char *))
        env[n++] = (char *)kv;
    va_end(ap);
    env[n] = NULL;
    struct tu_resp r = tu_serve(&app, env, NULL, &scratch);
    return r;
}

#define GET(uri, ...) request("REQUEST_METHOD=GET", "REQUEST_URI=" uri, "SCRIPT_NAME=", ##__VA_ARGS__, NULL)

/* The value of a header, or NULL; the returned string is malloc'd. */
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

/* A request for uri under the mount point script is a 301 to location;
 * returns its body length. */
static size_t expect_redirect(const char *method, const char *uri, const char *script, const char *location)
{
    char m[32], u[128], sn[128];
    snprintf(m, sizeof m, "REQUEST_METHOD=%s", method);
    snprintf(u, sizeof u, "REQUEST_URI=%s", uri);
    snprintf(sn, sizeof sn, "SCRIPT_NAME=%s", script);
    struct tu_resp r = request(m, u, sn, NULL);
    ck_assert_msg(r.status == 301, "%s %s: %d", method, uri, r.status);
    assert_header(&r, "Location", location);
    size_t n = r.body_len;
    tu_resp_free(&r);
    return n;
}

static void mkdirs(const char *rel)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/%s'", root, rel), 0);
}

static void wheel(const char *rel, const char *distinfo, const char *metadata)
{
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/%s", root, rel), 0);
    tu_make_wheel(p, distinfo, metadata);
    free(p);
}

static void sdist(const char *rel, const char *top, const char *pkginfo)
{
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/%s", root, rel), 0);
    tu_make_sdist(p, top, pkginfo);
    free(p);
}

static void open_index(enum sendfile_mode mode)
{
    conf_init(&cfg);
    cfg.roots = calloc(1, sizeof *cfg.roots);
    cfg.roots[0] = realpath(root, NULL);
    cfg.nroots = 1;
    cfg.rescan_interval = 0;
    cfg.sendfile = mode;
    if (mode == SENDFILE_X_ACCEL)
        cfg.accel_prefix = strdup("/_pkgs/");
    ck_assert_int_eq(index_open(&cfg, &idx), PF_EOK);
    http_scratch_init(&scratch);
    app.cfg = &cfg;
    app.idx = idx;
}

static void setup_tree(void)
{
    root = tu_mkdtemp();
    mkdirs("foo-bar");
    wheel("foo-bar/foo_bar-1.0-py3-none-any.whl", "foo_bar-1.0.dist-info",
          "Metadata-Version: 2.1\nName: foo-bar\nVersion: 1.0\nRequires-Python: >=3.8,<4\n\nbody\n");
    wheel("foo-bar/foo_bar-2.0rc1-py3-none-any.whl", "foo_bar-2.0rc1.dist-info",
          "Metadata-Version: 2.1\nName: foo-bar\nVersion: 2.0rc1\nRequires-Python: >=3.9\"><script>x</script>\n");
    sdist("foo-bar/foo_bar-1.0.tar.gz", "foo_bar-1.0", "Metadata-Version: 2.1\nName: foo-bar\nVersion: 1.0\n");
    sdist("baz-0.9.tar.gz", "baz-0.9", "Metadata-Version: 1.0\nName: baz\nVersion: 0.9\n");
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/notes.txt", root), 0);
    tu_write_file(p, "not a package", 13);
    free(p);
}

static void setup_none(void)
{
    setup_tree();
    open_index(SENDFILE_NONE);
}

static void setup_xsendfile(void)
{
    setup_tree();
    open_index(SENDFILE_X_SENDFILE);
}

static void setup_xaccel(void)
{
    setup_tree();
    open_index(SENDFILE_X_ACCEL);
}

static void teardown(void)
{
    http_scratch_free(&scratch);
    index_close(idx);
    conf_free(&cfg);
    tu_rmrf(root);
    free(root);
}

START_TEST(simple_root_html_and_json)
{
    struct tu_resp r = GET("/simple/");
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Content-Type", "text/html; charset=utf-8");
    assert_header(&r, "Vary", "Accept");
    assert_header(&r, "Cache-Control", "max-age=0, must-revalidate");
    ck_assert_ptr_nonnull(strstr(r.body, "<meta name=\"pypi:repository-version\" content=\"1.1\">"));
    ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"baz/\">baz</a>"));
    ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"foo-bar/\">foo-bar</a>"));
    ck_assert_ptr_null(strstr(r.body, "notes"));
    tu_resp_free(&r);
    r = GET("/simple/", "HTTP_ACCEPT=application/vnd.pypi.simple.v1+json");
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Content-Type", "application/vnd.pypi.simple.v1+json");
    ck_assert_str_eq(r.body, "{\"meta\":{\"api-version\":\"1.1\"},\"projects\":[{\"name\":\"baz\"},{\"name\":\"foo-bar\"}]}\n");
    tu_resp_free(&r);
}
END_TEST

START_TEST(project_html)
{
    struct tu_resp r = GET("/simple/foo-bar/");
    ck_assert_int_eq(r.status, 200);
    char *len = header(&r, "Content-Length");
    ck_assert_int_eq(atol(len), (long)r.body_len);
    free(len);
    /* PEP 440 order: 1.0 files, then 2.0rc1; relative links with hashes. */
    const char *a = strstr(r.body, "href=\"../../packages/foo-bar/foo_bar-1.0-py3-none-any.whl#sha256=");
    const char *b = strstr(r.body, "href=\"../../packages/foo-bar/foo_bar-1.0.tar.gz#sha256=");
    const char *c = strstr(r.body, "href=\"../../packages/foo-bar/foo_bar-2.0rc1-py3-none-any.whl#sha256=");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert(a < b && b < c);
    ck_assert_ptr_nonnull(strstr(r.body, "data-requires-python=\"&gt;=3.8,&lt;4\""));
    /* Hostile Requires-Python comes back escaped. */
    ck_assert_ptr_nonnull(strstr(r.body, "data-requires-python=\"&gt;=3.9&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
    ck_assert_ptr_null(strstr(r.body, "<script>"));
    ck_assert_ptr_nonnull(strstr(r.body, "data-dist-info-metadata=\"sha256="));
    ck_assert_ptr_nonnull(strstr(r.body, "data-core-metadata=\"sha256="));
    ck_assert_ptr_null(strstr(r.body, "data-yanked"));
    tu_resp_free(&r);
}
END_TEST

START_TEST(project_json_for_pip)
{
    char acc[256];
    snprintf(acc, sizeof acc, "HTTP_ACCEPT=%s", PIP_ACCEPT);
    struct tu_resp r = GET("/simple/foo-bar/", acc);
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Content-Type", "application/vnd.pypi.simple.v1+json");
    ck_assert_ptr_nonnull(strstr(r.body, "\"versions\":[\"1.0\",\"2.0rc1\"]"));
    ck_assert_ptr_nonnull(strstr(r.body, "\"requires-python\":\"\\u003e=3.8,\\u003c4\""));
    ck_assert_ptr_nonnull(strstr(r.body, "\"core-metadata\":{\"sha256\":\""));
    ck_assert_ptr_null(strstr(r.body, "dist-info-metadata"));
    ck_assert_ptr_nonnull(strstr(r.body, "\"yanked\":false"));
    ck_assert_ptr_nonnull(strstr(r.body, "\"upload-time\":\""));
    ck_assert_ptr_nonnull(strstr(r.body, "\"url\":\"../../packages/foo-bar/foo_bar-1.0.tar.gz\""));
    tu_resp_free(&r);
}
END_TEST

START_TEST(etag_304_and_head)
{
    struct tu_resp r = GET("/simple/foo-bar/");
    char *etag = header(&r, "ETag");
    ck_assert_ptr_nonnull(etag);
    char inm[128];
    snprintf(inm, sizeof inm, "HTTP_IF_NONE_MATCH=\"x\", %s", etag);
    struct tu_resp r2 = GET("/simple/foo-bar/", inm);
    ck_assert_int_eq(r2.status, 304);
    ck_assert_uint_eq(r2.body_len, 0);
    assert_header(&r2, "ETag", etag);
    /* The JSON representation has another validator. */
    struct tu_resp r3 = GET("/simple/foo-bar/", inm, "HTTP_ACCEPT=application/vnd.pypi.simple.v1+json");
    ck_assert_int_eq(r3.status, 200);
    struct tu_resp r4 = request("REQUEST_METHOD=HEAD", "REQUEST_URI=/simple/foo-bar/", "SCRIPT_NAME=", NULL);
    ck_assert_int_eq(r4.status, 200);
    ck_assert_uint_eq(r4.body_len, 0);
    char *l1 = header(&r, "Content-Length"), *l4 = header(&r4, "Content-Length");
    ck_assert_str_eq(l1, l4);
    free(l1);
    free(l4);
    free(etag);
    tu_resp_free(&r);
    tu_resp_free(&r2);
    tu_resp_free(&r3);
    tu_resp_free(&r4);
}
END_TEST

START_TEST(redirects_keep_prefix)
{
    static const struct {
        const char *uri, *script, *location;
    } cases[] = {
        { "/simple", "", "/simple/" },
        { "/simple/foo-bar", "", "/simple/foo-bar/" },
        { "/simple/Foo_Bar/", "", "/simple/foo-bar/" },
        { "/simple/Foo.Bar", "", "/simple/foo-bar/" },
        { "/pypi/simple", "/pypi", "/pypi/simple/" },
        { "/pypi/simple/FOO--bar/", "/pypi", "/pypi/simple/foo-bar/" },
        { "/pypi", "/pypi", "/pypi/" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_redirect("GET", cases[i].uri, cases[i].script, cases[i].location);
    /* Under a prefix the pages are served as at the root. */
    struct tu_resp r = request("REQUEST_METHOD=GET", "REQUEST_URI=/pypi/simple/foo-bar/?x=1", "SCRIPT_NAME=/pypi",
                            "PATH_INFO=/simple/foo-bar/", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "../../packages/foo-bar/"));
    tu_resp_free(&r);
}
END_TEST

START_TEST(not_found_and_not_acceptable)
{
    struct tu_resp r = GET("/simple/nope/");
    ck_assert_int_eq(r.status, 404);
    ck_assert_ptr_null(header(&r, "Location"));
    tu_resp_free(&r);
    r = GET("/simple/not%20valid/");
    ck_assert_int_eq(r.status, 404);
    tu_resp_free(&r);
    r = GET("/simple/foo-bar/", "HTTP_ACCEPT=text/plain");
    ck_assert_int_eq(r.status, 406);
    assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(r.body, "application/vnd.pypi.simple.v1+json"));
    ck_assert_ptr_nonnull(strstr(r.body, "text/html"));
    tu_resp_free(&r);
    r = GET("/no/where");
    ck_assert_int_eq(r.status, 404);
    tu_resp_free(&r);
    r = request("REQUEST_METHOD=POST", "REQUEST_URI=/simple/", "SCRIPT_NAME=", NULL);
    ck_assert_int_eq(r.status, 405);
    assert_header(&r, "Allow", "GET, HEAD");
    tu_resp_free(&r);
}
END_TEST

START_TEST(bad_uris)
{
    struct tu_resp r = GET("/simple/%zz/");
    ck_assert_int_eq(r.status, 404);
    ck_assert_ptr_nonnull(strstr(r.log.p ? r.log.p : "", "refused request path"));
    tu_resp_free(&r);
    char *big = malloc(20000);
    memcpy(big, "REQUEST_URI=/simple/", 20);
    memset(big + 20, 'a', 19000);
    big[19020] = '\0';
    r = request("REQUEST_METHOD=GET", big, "SCRIPT_NAME=", NULL);
    ck_assert_int_eq(r.status, 414);
    tu_resp_free(&r);
    free(big);
}
END_TEST

START_TEST(download_streamed)
{
    size_t len;
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/foo-bar/foo_bar-1.0.tar.gz", root), 0);
    char *want = tu_read_file(p, &len);
    free(p);
    struct tu_resp r = GET("/packages/foo-bar/foo_bar-1.0.tar.gz");
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Content-Type", "application/octet-stream");
    ck_assert_ptr_null(header(&r, "Accept-Ranges"));
    ck_assert_ptr_null(header(&r, "Content-Encoding"));
    ck_assert_uint_eq(r.body_len, len);
    ck_assert(memcmp(r.body, want, len) == 0);
    tu_resp_free(&r);
    r = request("REQUEST_METHOD=HEAD", "REQUEST_URI=/packages/foo-bar/foo_bar-1.0.tar.gz", "SCRIPT_NAME=", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.body_len, 0);
    char *cl = header(&r, "Content-Length");
    ck_assert_int_eq(atol(cl), (long)len);
    free(cl);
    tu_resp_free(&r);
    /* Flat files are served from the root too. */
    r = GET("/packages/baz-0.9.tar.gz");
    ck_assert_int_eq(r.status, 200);
    tu_resp_free(&r);
    free(want);
}
END_TEST

START_TEST(metadata_file)
{
    struct tu_resp r = GET("/packages/foo-bar/foo_bar-1.0-py3-none-any.whl.metadata");
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "Metadata-Version: 2.1\nName: foo-bar\nVersion: 1.0\nRequires-Python: >=3.8,<4\n\nbody\n");
    tu_resp_free(&r);
    /* Sdists advertise none. */
    r = GET("/packages/foo-bar/foo_bar-1.0.tar.gz.metadata");
    ck_assert_int_eq(r.status, 404);
    tu_resp_free(&r);
}
END_TEST

START_TEST(traversal_refused)
{
    static const char *const uris[] = {
        "REQUEST_URI=/packages/../../etc/passwd",
        "REQUEST_URI=/packages/%2e%2e/%2e%2e/etc/passwd",
        "REQUEST_URI=/packages/foo-bar%2ffoo_bar-1.0.tar.gz",
        "REQUEST_URI=/packages/foo-bar%5cfoo_bar-1.0.tar.gz",
        "REQUEST_URI=/packages/foo-bar\\foo_bar-1.0.tar.gz",
        "REQUEST_URI=/packages/foo-bar/foo_bar-1.0.tar.gz%00.whl",
        "REQUEST_URI=/packages//etc/passwd",
        "REQUEST_URI=/packages/foo-bar/.pypi-fcgi/foo_bar-1.0.tar.gz.rec",
        "REQUEST_URI=/packages/foo-bar/./foo_bar-1.0.tar.gz",
        "REQUEST_URI=/packages/notes.txt",
        "REQUEST_URI=/packages/.",
        "REQUEST_URI=/packages/..",
    };
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        struct tu_resp r = request("REQUEST_METHOD=GET", uris[i], "SCRIPT_NAME=", NULL);
        ck_assert_msg(r.status == 404, "%s gave %d", uris[i], r.status);
        ck_assert_msg(r.log.p && *r.log.p, "%s left no log line", uris[i]);
        ck_assert_ptr_null(strstr(r.body, "root:"));
        tu_resp_free(&r);
    }
    /* A refused path leaves a log line. */
    struct tu_resp r = GET("/packages/../../etc/passwd");
    ck_assert_ptr_nonnull(strstr(r.log.p ? r.log.p : "", "refused file path"));
    tu_resp_free(&r);
}
END_TEST

START_TEST(symlink_out_of_root)
{
    char *outside = tu_mkdtemp(), *p, *q;
    ck_assert_int_ge(asprintf(&p, "%s/evil-1.0-py3-none-any.whl", outside), 0);
    tu_make_wheel(p, "evil-1.0.dist-info", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n");
    mkdirs("evil");
    ck_assert_int_ge(asprintf(&q, "%s/evil/evil-1.0-py3-none-any.whl", root), 0);
    ck_assert_int_eq(symlink(p, q), 0);
    struct tu_resp r = GET("/packages/evil/evil-1.0-py3-none-any.whl");
    ck_assert_int_eq(r.status, 404);
    tu_resp_free(&r);
    r = GET("/simple/evil/");
    ck_assert_int_eq(r.status, 404);
    tu_resp_free(&r);
    free(p);
    free(q);
    tu_rmrf(outside);
    free(outside);
}
END_TEST

START_TEST(offload_x_sendfile)
{
    struct tu_resp r = GET("/packages/foo-bar/foo_bar-1.0.tar.gz");
    ck_assert_int_eq(r.status, 200);
    char *want;
    ck_assert_int_ge(asprintf(&want, "%s/foo-bar/foo_bar-1.0.tar.gz", cfg.roots[0]), 0);
    assert_header(&r, "X-Sendfile", want);
    assert_header(&r, "Content-Type", "application/octet-stream");
    ck_assert_ptr_null(header(&r, "Content-Length"));
    ck_assert_uint_eq(r.body_len, 0);
    free(want);
    tu_resp_free(&r);
}
END_TEST

START_TEST(offload_x_accel)
{
    struct tu_resp r = GET("/packages/foo-bar/foo_bar-1.0.tar.gz");
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "X-Accel-Redirect", "/_pkgs/foo-bar/foo_bar-1.0.tar.gz");
    ck_assert_uint_eq(r.body_len, 0);
    tu_resp_free(&r);
}
END_TEST

START_TEST(welcome_and_health)
{
    struct tu_resp r = GET("/", "HTTP_HOST=pkgs.example:8080", "SERVER_PORT=8080");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "http://pkgs.example:8080/simple/"));
    ck_assert_ptr_nonnull(strstr(r.body, "2 projects in 4 files"));
    tu_resp_free(&r);
    /* A Host without a port means the default port, whatever port the web
     * server listens on (a load balancer in front of it). */
    r = request("REQUEST_METHOD=GET", "REQUEST_URI=/pypi/", "SCRIPT_NAME=/pypi", "HTTP_HOST=pypi.example.com",
                "SERVER_PORT=8081", NULL);
    ck_assert_ptr_nonnull(strstr(r.body, "http://pypi.example.com/pypi/simple/"));
    ck_assert_ptr_null(strstr(r.body, "8081"));
    tu_resp_free(&r);
    r = GET("/", "HTTP_HOST=pypi.example.com", "HTTPS=on", "SERVER_PORT=8443");
    ck_assert_ptr_nonnull(strstr(r.body, "https://pypi.example.com/simple/"));
    tu_resp_free(&r);
    /* No Host at all: the server's name and port. */
    r = GET("/", "SERVER_NAME=srv", "SERVER_PORT=8081");
    ck_assert_ptr_nonnull(strstr(r.body, "http://srv:8081/simple/"));
    tu_resp_free(&r);
    /* A hostile Host header is not echoed. */
    r = GET("/", "HTTP_HOST=<script>", "SERVER_NAME=srv");
    ck_assert_ptr_null(strstr(r.body, "<script>"));
    tu_resp_free(&r);
    /* A mount point too long for the page's URL gives no page with a URL
     * cut short, but a 500. */
    char uri[1400], sn[1300];
    int k = snprintf(sn, sizeof sn, "SCRIPT_NAME=/");
    memset(sn + k, 'm', 1100);
    sn[k + 1100] = '\0';
    snprintf(uri, sizeof uri, "REQUEST_URI=%s/", sn + strlen("SCRIPT_NAME="));
    r = request("REQUEST_METHOD=GET", uri, sn, "HTTP_HOST=pypi.example.com", NULL);
    ck_assert_int_eq(r.status, 500);
    ck_assert_ptr_null(strstr(r.body, "pypi.example.com"));
    tu_resp_free(&r);
    r = GET("/health");
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "ok\n");
    tu_resp_free(&r);
    char *moved;
    ck_assert_int_ge(asprintf(&moved, "%s.moved", root), 0);
    ck_assert_int_eq(rename(root, moved), 0);
    r = GET("/health");
    ck_assert_int_eq(r.status, 503);
    /* /health needs no login: the root's path goes to the log only. */
    ck_assert_ptr_null(strstr(r.body, root));
    ck_assert_ptr_nonnull(strstr(r.log.p, "removed or replaced"));
    tu_resp_free(&r);
    ck_assert_int_eq(rename(moved, root), 0);
    r = GET("/health");
    ck_assert_int_eq(r.status, 200);
    tu_resp_free(&r);
    free(moved);
}
END_TEST

START_TEST(yank_shows_next_request)
{
    struct tu_resp r = GET("/simple/foo-bar/");
    ck_assert_ptr_null(strstr(r.body, "data-yanked"));
    tu_resp_free(&r);
    char *p;
    buf_t err;
    buf_init(&err, 1024);
    ck_assert_int_ge(asprintf(&p, "%s/foo-bar/foo_bar-2.0rc1-py3-none-any.whl", root), 0);
    ck_assert_int_eq(index_yank(p, true, "broken <build>", NULL, &err), PF_EOK);
    r = GET("/simple/foo-bar/");
    ck_assert_ptr_nonnull(strstr(r.body, "data-yanked=\"broken &lt;build&gt;\" data-dist-info-metadata"));
    tu_resp_free(&r);
    r = GET("/simple/foo-bar/", "HTTP_ACCEPT=application/vnd.pypi.simple.v1+json");
    ck_assert_ptr_nonnull(strstr(r.body, "\"yanked\":\"broken \\u003cbuild\\u003e\""));
    tu_resp_free(&r);
    ck_assert_int_eq(index_yank(p, false, NULL, NULL, &err), PF_EOK);
    r = GET("/simple/foo-bar/");
    ck_assert_ptr_null(strstr(r.body, "data-yanked"));
    tu_resp_free(&r);
    free(p);
    buf_free(&err);
}
END_TEST

START_TEST(added_and_removed_files_show_at_once)
{
    struct tu_resp r = GET("/simple/foo-bar/");
    ck_assert_ptr_null(strstr(r.body, "foo_bar-3.0"));
    tu_resp_free(&r);
    wheel("foo-bar/foo_bar-3.0-py3-none-any.whl", "foo_bar-3.0.dist-info",
          "Metadata-Version: 2.1\nName: foo-bar\nVersion: 3.0\n");
    r = GET("/simple/foo-bar/");
    ck_assert_ptr_nonnull(strstr(r.body, "foo_bar-3.0-py3-none-any.whl"));
    tu_resp_free(&r);
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/foo-bar/foo_bar-3.0-py3-none-any.whl", root), 0);
    ck_assert_int_eq(unlink(p), 0);
    free(p);
    r = GET("/simple/foo-bar/");
    ck_assert_ptr_null(strstr(r.body, "foo_bar-3.0"));
    tu_resp_free(&r);
    r = GET("/packages/foo-bar/foo_bar-3.0-py3-none-any.whl");
    ck_assert_int_eq(r.status, 404);
    tu_resp_free(&r);
    /* A new project in a new directory, and a new flat file. */
    mkdirs("newproj");
    sdist("newproj/newproj-0.1.tar.gz", "newproj-0.1", "Metadata-Version: 1.0\nName: newproj\nVersion: 0.1\n");
    sdist("other-1.0.tar.gz", "other-1.0", "Metadata-Version: 1.0\nName: other\nVersion: 1.0\n");
    r = GET("/simple/");
    ck_assert_ptr_nonnull(strstr(r.body, "newproj/"));
    ck_assert_ptr_nonnull(strstr(r.body, "other/"));
    tu_resp_free(&r);
    r = GET("/simple/newproj/");
    ck_assert_int_eq(r.status, 200);
    tu_resp_free(&r);
}
END_TEST

/* pypiserver's /<project>/: the server root works as an index URL. */
START_TEST(root_project_redirect)
{
    static const struct {
        const char *uri, *script, *location;
    } cases[] = {
        { "/foo-bar/", "", "/simple/foo-bar/" },
        { "/foo-bar", "", "/simple/foo-bar/" },
        { "/Foo_Bar/?x=1&y=%2F", "", "/simple/foo-bar/" },
        /* No lookup: the project page answers for a project not here. */
        { "/nope/", "", "/simple/nope/" },
        /* A name no route takes with its slash: a project called health. */
        { "/health/", "", "/simple/health/" },
        { "/pypi/Foo.Bar/", "/pypi", "/pypi/simple/foo-bar/" },
        { "/pypi/foo-bar", "/pypi", "/pypi/simple/foo-bar/" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_redirect("GET", cases[i].uri, cases[i].script, cases[i].location);
        ck_assert_uint_eq(expect_redirect("HEAD", cases[i].uri, cases[i].script, cases[i].location), 0);
    }
    /* The redirect leads to the page. */
    struct tu_resp r = GET("/simple/foo-bar/");
    ck_assert_int_eq(r.status, 200);
    tu_resp_free(&r);
    r = request("REQUEST_METHOD=POST", "REQUEST_URI=/foo-bar/", "SCRIPT_NAME=", NULL);
    ck_assert_int_eq(r.status, 405);
    assert_header(&r, "Allow", "GET, HEAD");
    tu_resp_free(&r);
}
END_TEST

/* The other routes keep their meaning, and what is not one project name
 * is not redirected. */
START_TEST(root_project_redirect_shadows_nothing)
{
    static const struct {
        const char *method, *uri;
        int status;
        const char *location;
    } cases[] = {
        { "GET", "/", 200, NULL },
        { "GET", "/health", 200, NULL },
        { "GET", "/simple", 301, "/simple/" },
        { "GET", "/simple/", 200, NULL },
        { "GET", "/packages", 301, "/packages/" },
        { "GET", "/packages/", 200, NULL },
        { "GET", "/legacy", 405, NULL },
        { "GET", "/legacy/", 405, NULL },
        { "HEAD", "/legacy", 405, NULL },
        /* Hostile or not a name: 404, as before. */
        { "GET", "/foo%3Cscript%3E/", 404, NULL },
        { "GET", "/foo%22bar/", 404, NULL },
        { "GET", "/foo%0D%0ALocation:%20x/", 404, NULL },
        { "GET", "/-foo/", 404, NULL },
        { "GET", "/foo-/", 404, NULL },
        { "GET", "/.pypi-fcgi/", 404, NULL },
        { "GET", "/foo%20bar/", 404, NULL },
        { "GET", "/foo-bar//", 404, NULL },
        { "GET", "/foo-bar/1.0/", 404, NULL },
        { "GET", "//foo-bar/", 404, NULL },
        { "GET", "/%C3%A9t%C3%A9/", 404, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char m[64], uri[128];
        snprintf(m, sizeof m, "REQUEST_METHOD=%s", cases[i].method);
        snprintf(uri, sizeof uri, "REQUEST_URI=%s", cases[i].uri);
        struct tu_resp r = request(m, uri, "SCRIPT_NAME=", NULL);
        ck_assert_msg(r.status == cases[i].status, "%s %s: %d", cases[i].method, cases[i].uri, r.status);
        char *loc = header(&r, "Location");
        if (cases[i].location)
            ck_assert_str_eq(loc ? loc : "", cases[i].location);
        else
            ck_assert_msg(loc == NULL, "%s: Location %s", cases[i].uri, loc);
        free(loc);
        tu_resp_free(&r);
    }
    /* A name too long for a project. */
    char uri[320] = "REQUEST_URI=/";
    memset(uri + 13, 'a', (NAME_MAX_LEN + 1));
    memcpy(uri + 13 + (NAME_MAX_LEN + 1), "/", 2);
    struct tu_resp r = request("REQUEST_METHOD=GET", uri, "SCRIPT_NAME=", NULL);
    ck_assert_int_eq(r.status, 404);
    tu_resp_free(&r);
}
END_TEST

/* The sha256 of the file at rel below the root, hex. */
static void file_sha256(const char *rel, char hex[DIGEST_HEX_LEN + 1])
{
    char *p;
    size_t len;
    ck_assert_int_ge(asprintf(&p, "%s/%s", root, rel), 0);
    char *data = tu_read_file(p, &len);
    ck_assert_ptr_nonnull(data);
    digest_sha256_hex(data, len, hex);
    free(data);
    free(p);
}

/* The line of the listing for rel, whose file is name. */
static bool listed(const char *body, const char *rel, const char *name)
{
    char hex[DIGEST_HEX_LEN + 1], line[512];
    file_sha256(rel, hex);
    snprintf(line, sizeof line, "<a href=\"%s#sha256=%s\">%s</a>", rel, hex, name);
    return strstr(body, line) != NULL;
}

/* /packages/: every file with its sha256, for pip --find-links. */
START_TEST(packages_listing)
{
    struct tu_resp r = GET("/packages/");
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Content-Type", "text/html; charset=utf-8");
    assert_header(&r, "Cache-Control", "max-age=0, must-revalidate");
    ck_assert_msg(listed(r.body, "foo-bar/foo_bar-1.0.tar.gz", "foo_bar-1.0.tar.gz"), "%s", r.body);
    ck_assert(listed(r.body, "foo-bar/foo_bar-1.0-py3-none-any.whl", "foo_bar-1.0-py3-none-any.whl"));
    ck_assert(listed(r.body, "foo-bar/foo_bar-2.0rc1-py3-none-any.whl", "foo_bar-2.0rc1-py3-none-any.whl"));
    ck_assert(listed(r.body, "baz-0.9.tar.gz", "baz-0.9.tar.gz"));
    ck_assert_uint_eq(tu_count(r.body, "<a href="), 4);
    ck_assert_ptr_null(strstr(r.body, "notes.txt"));
    /* Projects by name, then each project's files by version. */
    ck_assert(strstr(r.body, "baz-0.9") < strstr(r.body, "foo_bar-1.0-"));
    ck_assert(strstr(r.body, "foo_bar-1.0.tar.gz") < strstr(r.body, "foo_bar-2.0rc1"));

    /* 304 with the ETag, HEAD with no body. */
    char *etag = header(&r, "ETag");
    ck_assert_ptr_nonnull(etag);
    char inm[128];
    snprintf(inm, sizeof inm, "HTTP_IF_NONE_MATCH=\"x\", %s", etag);
    struct tu_resp r2 = GET("/packages/", inm);
    ck_assert_int_eq(r2.status, 304);
    ck_assert_uint_eq(r2.body_len, 0);
    assert_header(&r2, "ETag", etag);
    tu_resp_free(&r2);
    r2 = request("REQUEST_METHOD=HEAD", "REQUEST_URI=/packages/", "SCRIPT_NAME=", NULL);
    ck_assert_int_eq(r2.status, 200);
    ck_assert_uint_eq(r2.body_len, 0);
    char *l1 = header(&r, "Content-Length"), *l2 = header(&r2, "Content-Length");
    ck_assert_str_eq(l1, l2);
    free(l1);
    free(l2);
    tu_resp_free(&r2);
    r2 = request("REQUEST_METHOD=POST", "REQUEST_URI=/packages/", "SCRIPT_NAME=", NULL);
    ck_assert_int_eq(r2.status, 405);
    assert_header(&r2, "Allow", "GET, HEAD");
    tu_resp_free(&r2);

    /* Under a prefix: the same page (its links are relative), and the
     * redirect keeps the prefix and leaves the query out. */
    r2 = request("REQUEST_METHOD=GET", "REQUEST_URI=/pypi/packages/?x=1", "SCRIPT_NAME=/pypi",
                 "PATH_INFO=/packages/", NULL);
    ck_assert_int_eq(r2.status, 200);
    ck_assert_str_eq(r2.body, r.body);
    tu_resp_free(&r2);
    r2 = request("REQUEST_METHOD=GET", "REQUEST_URI=/pypi/packages?x=1", "SCRIPT_NAME=/pypi", NULL);
    ck_assert_int_eq(r2.status, 301);
    assert_header(&r2, "Location", "/pypi/packages/");
    tu_resp_free(&r2);
    free(etag);
    tu_resp_free(&r);
}
END_TEST

/* The listing follows the tree: a new file, a removed one, a file
 * replaced under its name (a new sha256), a new project. */
START_TEST(packages_listing_follows_tree)
{
    struct tu_resp r = GET("/packages/");
    char *etag = header(&r, "ETag");
    tu_resp_free(&r);
    wheel("foo-bar/foo_bar-3.0-py3-none-any.whl", "foo_bar-3.0.dist-info",
          "Metadata-Version: 2.1\nName: foo-bar\nVersion: 3.0\n");
    /* Seen by the tree once its directory is looked at: here through the
     * project page (the rescan does it otherwise). */
    r = GET("/simple/foo-bar/");
    tu_resp_free(&r);
    r = GET("/packages/");
    ck_assert(listed(r.body, "foo-bar/foo_bar-3.0-py3-none-any.whl", "foo_bar-3.0-py3-none-any.whl"));
    char *etag2 = header(&r, "ETag");
    ck_assert_str_ne(etag, etag2);
    tu_resp_free(&r);
    /* baz replaced under its name by other bytes, as --overwrite does. */
    char *tmp, *dst;
    ck_assert_int_ge(asprintf(&tmp, "%s/tmp.tar.gz", root), 0);
    ck_assert_int_ge(asprintf(&dst, "%s/baz-0.9.tar.gz", root), 0);
    tu_make_sdist(tmp, "baz-0.9", "Metadata-Version: 1.0\nName: baz\nVersion: 0.9\nSummary: again\n");
    ck_assert_int_eq(rename(tmp, dst), 0);
    /* Directory names: one that a URL cannot carry as it is, with HTML
     * in it, is not in the tree; the odd ones it keeps are listed. */
    mkdirs("a&b\"<x>");
    sdist("a&b\"<x>/qux-1.0.tar.gz", "qux-1.0", "Metadata-Version: 1.0\nName: qux\nVersion: 1.0\n");
    mkdirs("odd+dir@v=1,x!~y");
    sdist("odd+dir@v=1,x!~y/quux-1.0.tar.gz", "quux-1.0", "Metadata-Version: 1.0\nName: quux\nVersion: 1.0\n");
    r = GET("/packages/");
    ck_assert(listed(r.body, "baz-0.9.tar.gz", "baz-0.9.tar.gz"));
    ck_assert_ptr_null(strstr(r.body, "qux-1.0"));
    ck_assert_ptr_null(strstr(r.body, "<x>"));
    ck_assert_msg(listed(r.body, "odd+dir@v=1,x!~y/quux-1.0.tar.gz", "quux-1.0.tar.gz"), "%s", r.body);
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/foo-bar/foo_bar-1.0.tar.gz", root), 0);
    ck_assert_int_eq(unlink(p), 0);
    free(p);
    tu_resp_free(&r);
    r = GET("/simple/foo-bar/");
    tu_resp_free(&r);
    r = GET("/packages/");
    ck_assert_ptr_null(strstr(r.body, "foo_bar-1.0.tar.gz"));
    ck_assert_uint_eq(tu_count(r.body, "<a href="), 5);
    /* Each listed file is served at its link. */
    struct tu_resp d = GET("/packages/odd+dir@v=1,x!~y/quux-1.0.tar.gz");
    ck_assert_int_eq(d.status, 200);
    tu_resp_free(&d);
    tu_resp_free(&r);
    free(tmp);
    free(dst);
    free(etag);
    free(etag2);
}
END_TEST

/* nginx without fastcgi_split_path_info passes the whole path as
 * SCRIPT_NAME: refuse with a message that says what to fix. */
START_TEST(test_http_script_name_whole_path)
{
    struct tu_resp r = request("REQUEST_METHOD=GET", "REQUEST_URI=/pypi/simple/foo-bar/", "SCRIPT_NAME=/pypi/simple/foo-bar/",
                            NULL);
    ck_assert_int_eq(r.status, 500);
    ck_assert_ptr_nonnull(strstr(r.body, "fastcgi_split_path_info"));
    ck_assert_ptr_nonnull(strstr(r.log.p, "SCRIPT_NAME=/pypi/simple/foo-bar/"));
    tu_resp_free(&r);
}
END_TEST

/* Every error answers with its row's status in error.h, and an error of
 * the server's own data never with a 4xx that blames the client (404
 * aside): the table is built from the same list, so a new row is tested
 * too. */
static const struct {
    enum pf_err err;
    int status;
    const char *msg;
} err_rows[] = {
#define ROW(name, status, msg) { PF_E##name, status, msg },
    PF_ERRORS(ROW)
#undef ROW
};

START_TEST(test_http_err_status_every_error)
{
    for (size_t i = 0; i < sizeof err_rows / sizeof err_rows[0]; i++) {
        enum pf_err e = err_rows[i].err;
        int want = err_rows[i].status;
        ck_assert_int_eq(http_err_status(e, HTTP_BLAME_REQUEST), want);
        int server = want >= 400 && want < 500 && want != 404 ? 500 : want;
        ck_assert_int_eq(http_err_status(e, HTTP_BLAME_SERVER), server);
        for (int blame = HTTP_BLAME_REQUEST; blame <= HTTP_BLAME_SERVER; blame++) {
            struct http_resp resp;
            http_resp_init(&resp, &scratch);
            http_header(&resp, "X-Dropped", "yes");
            http_err_page(&resp, e, (enum http_blame)blame, "The page of %s could not be built", "demo");
            ck_assert_int_eq(resp.status, blame == HTTP_BLAME_REQUEST ? want : server);
            char body[256];
            snprintf(body, sizeof body, "The page of demo could not be built: %s.\n", err_rows[i].msg);
            ck_assert_int_eq(resp.own.len, strlen(body));
            ck_assert_mem_eq(resp.own.p, body, resp.own.len);
            ck_assert_ptr_null(strstr(resp.head.p, "X-Dropped"));
            ck_assert_ptr_nonnull(strstr(resp.head.p, "Content-Type: text/plain; charset=utf-8\r\n"));
            ck_assert(!resp.reason_from_body);
            http_resp_free(&resp, &scratch);
        }
    }
    /* A value outside the list is a server error, whoever is blamed. */
    ck_assert_int_eq(http_err_status(PF_E_COUNT, HTTP_BLAME_REQUEST), 500);
    ck_assert_int_eq(http_err_status(PF_E_COUNT, HTTP_BLAME_SERVER), 500);
}
END_TEST

static int released;
static void count_release(void *owner, void *ref)
{
    ck_assert_ptr_eq(owner, &released);
    released += *(int *)ref;
}

/* The reference a body borrows from outlives an error page and is
 * released with the response; a second hold releases the first at once. */
START_TEST(test_http_resp_hold_released)
{
    int one = 1, ten = 10;
    struct http_resp resp;
    released = 0;
    http_resp_init(&resp, &scratch);
    http_resp_free(&resp, &scratch);
    ck_assert_int_eq(released, 0);
    http_resp_init(&resp, &scratch);
    http_resp_hold(&resp, count_release, &released, &one);
    http_error(&resp, 500, "failed");
    ck_assert_int_eq(released, 0);
    http_resp_hold(&resp, count_release, &released, &ten);
    ck_assert_int_eq(released, 1);
    http_resp_free(&resp, &scratch);
    ck_assert_int_eq(released, 11);
}
END_TEST

/* A header past the head's size limit is not sent cut short, nor are the
 * headers after it: the response becomes a plain 500. */
START_TEST(test_http_head_overflow_is_500)
{
    struct http_resp resp;
    http_resp_init(&resp, &scratch);
    resp.status = 200;
    size_t big = resp.head.cap;
    char *v = malloc(big + 1);
    ck_assert_ptr_nonnull(v);
    memset(v, 'a', big);
    v[big] = '\0';
    http_header(&resp, "X-Fits", "yes");
    http_header(&resp, "X-Too-Long", "%s", v);
    http_header(&resp, "X-After", "yes");
    free(v);
    buf_t raw;
    buf_init(&raw, 1 << 20);
    struct http_out out = { tu_buf_write, &raw };
    ck_assert_int_eq(http_send(&resp, false, &out), 0);
    ck_assert_ptr_nonnull(raw.p);
    ck_assert_msg(strncmp(raw.p, "Status: 500", 11) == 0, "got %.40s", raw.p);
    ck_assert_ptr_null(strstr(raw.p, "X-Fits"));
    ck_assert_ptr_null(strstr(raw.p, "X-Too-Long"));
    ck_assert_ptr_null(strstr(raw.p, "X-After"));
    ck_assert_ptr_nonnull(strstr(raw.p, "\r\n\r\nThe response's headers exceed their size limit.\n"));
    buf_free(&raw);
    http_resp_free(&resp, &scratch);
}
END_TEST

struct producer {
    int produced, freed, rc;
};

static int produce_abc(void *ctx, struct http_resp *resp, const struct http_out *out)
{
    struct producer *p = ctx;
    p->produced++;
    if (p->rc == 1) {
        /* Fails before its first byte: an error page instead. */
        http_error(resp, 502, "upstream gone");
        return 0;
    }
    if (http_send_head(resp, out) || out->write(out->ctx, "ab", 2) || out->write(out->ctx, "c", 1))
        return -1;
    return p->rc;
}

static void produce_done(void *ctx)
{
    ((struct producer *)ctx)->freed++;
}

static char *send_produced(struct producer *p, uint64_t len, bool head, int *rc)
{
    struct http_resp resp;
    http_resp_init(&resp, &scratch);
    http_header(&resp, "Content-Type", "application/octet-stream");
    http_resp_produce(&resp, produce_abc, produce_done, p, len);
    buf_t raw;
    buf_init(&raw, 1 << 20);
    struct http_out out = { tu_buf_write, &raw };
    *rc = http_send(&resp, head, &out);
    http_resp_free(&resp, &scratch);
    char *r = strdup(raw.p ? raw.p : "");
    buf_free(&raw);
    return r;
}

/* A produced body follows the head, with the Content-Length given or
 * none; a producer that fails before its first byte sends an error page
 * instead; a HEAD produces nothing; the producer is freed once in every
 * case, also when an error page replaces it or another producer does. */
START_TEST(test_http_produce)
{
    struct producer p = { 0 };
    int rc;
    char *r = send_produced(&p, 3, false, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(r, "Status: 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\nabc");
    ck_assert_int_eq(p.produced, 1);
    ck_assert_int_eq(p.freed, 1);
    free(r);

    p = (struct producer){ 0 };
    r = send_produced(&p, HTTP_LEN_UNKNOWN, false, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(r, "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n\r\nabc");
    free(r);

    p = (struct producer){ .rc = -1 };
    r = send_produced(&p, 1000, false, &rc);
    ck_assert_int_eq(rc, -1); /* cut short: the caller ends the connection */
    ck_assert_int_eq(p.freed, 1);
    free(r);

    p = (struct producer){ .rc = 1 };
    r = send_produced(&p, 3, false, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(p.produced, 1);
    ck_assert_int_eq(p.freed, 1);
    ck_assert_msg(strncmp(r, "Status: 502", 11) == 0, "%s", r);
    ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nupstream gone\n"));
    ck_assert_ptr_null(strstr(r, "Content-Length: 3\r\n"));
    free(r);

    p = (struct producer){ 0 };
    r = send_produced(&p, 3, true, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(p.produced, 0);
    ck_assert_int_eq(p.freed, 1);
    ck_assert_ptr_nonnull(strstr(r, "Content-Length: 3\r\n\r\n"));
    free(r);

    struct producer q = { 0 };
    p = (struct producer){ 0 };
    struct http_resp resp;
    http_resp_init(&resp, &scratch);
    http_resp_produce(&resp, produce_abc, produce_done, &p, 3);
    http_resp_produce(&resp, produce_abc, produce_done, &q, 3);
    ck_assert_int_eq(p.freed, 1);
    http_error(&resp, 503, "busy");
    ck_assert_int_eq(q.freed, 1);
    ck_assert_ptr_null(resp.produce);
    http_resp_free(&resp, &scratch);
    ck_assert_int_eq(q.freed, 1);
    ck_assert_int_eq(p.produced + q.produced, 0);
}
END_TEST

Suite *suite_http(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("none");
    tcase_add_checked_fixture(tc, setup_none, teardown);
    tcase_add_test(tc, test_http_script_name_whole_path);
    tcase_add_test(tc, test_http_err_status_every_error);
    tcase_add_test(tc, test_http_resp_hold_released);
    tcase_add_test(tc, test_http_head_overflow_is_500);
    tcase_add_test(tc, test_http_produce);
    tcase_add_test(tc, simple_root_html_and_json);
    tcase_add_test(tc, project_html);
    tcase_add_test(tc, project_json_for_pip);
    tcase_add_test(tc, etag_304_and_head);
    tcase_add_test(tc, redirects_keep_prefix);
    tcase_add_test(tc, not_found_and_not_acceptable);
    tcase_add_test(tc, bad_uris);
    tcase_add_test(tc, download_streamed);
    tcase_add_test(tc, metadata_file);
    tcase_add_test(tc, traversal_refused);
    tcase_add_test(tc, symlink_out_of_root);
    tcase_add_test(tc, welcome_and_health);
    tcase_add_test(tc, yank_shows_next_request);
    tcase_add_test(tc, added_and_removed_files_show_at_once);
    tcase_add_test(tc, root_project_redirect);
    tcase_add_test(tc, root_project_redirect_shadows_nothing);
    tcase_add_test(tc, packages_listing);
    tcase_add_test(tc, packages_listing_follows_tree);
    suite_add_tcase(s, tc);
    tc = tcase_create("x-sendfile");
    tcase_add_checked_fixture(tc, setup_xsendfile, teardown);
    tcase_add_test(tc, offload_x_sendfile);
    suite_add_tcase(s, tc);
    tc = tcase_create("x-accel");
    tcase_add_checked_fixture(tc, setup_xaccel, teardown);
    tcase_add_test(tc, offload_x_accel);
    suite_add_tcase(s, tc);
    return s;
}
