/* SPDX-License-Identifier: MIT */
/* test_upstream.c: unit tests for upstream.c (pages from an upstream index: kept, revalidated, served offline) against a python3 server. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conf.h"
#include "index.h"
#include "suites.h"
#include "testutil.h"
#include "upstream.h"
#include "upstream_http.h"
#include "upstream_yank.h"

/* A static index: DIR/simple/<p>/index.html, with Last-Modified (so a
 * conditional request gets 304); each request is counted in DIR/log. */
static const char server_py[] =
    "import http.server, os, sys\n"
    "root = sys.argv[1]\n"
    "class H(http.server.SimpleHTTPRequestHandler):\n"
    "    def __init__(self, *a, **k):\n"
    "        super().__init__(*a, directory=root, **k)\n"
    "    def log_message(self, fmt, *args):\n"
    "        pass\n"
    "    def log_request(self, code='-', size='-'):\n"
    "        with open(os.path.join(root, 'log'), 'a') as f:\n"
    "            f.write(self.command + ' ' + self.path + '\\n')\n"
    "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)\n"
    "print(s.server_address[1], flush=True)\n"
    "s.serve_forever()\n";

static const char sha_a[] = "0000000000000000000000000000000000000000000000000000000000000001";

static char *dir, *web, *cache;
static pid_t srv = -1;
static unsigned port;
static struct config cfg;
static struct upstream *up;

static void put_page(const char *project, const char *html)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/simple/%s", web, project);
    ck_assert_int_eq(tu_sh("mkdir -p '%s'", path), 0);
    strncat(path, "/index.html", sizeof path - strlen(path) - 1);
    tu_write_file(path, html, strlen(html));
}

/* Requests the server has had for path. */
static size_t asked(const char *path)
{
    char log[4200], *text;
    snprintf(log, sizeof log, "%s/log", web);
    size_t len;
    if (!(text = tu_read_file(log, &len)))
        return 0;
    char needle[512];
    snprintf(needle, sizeof needle, "GET %s\n", path);
    size_t n = tu_count(text, needle);
    free(text);
    return n;
}

static void server_start(void)
{
    char script[4200];
    snprintf(script, sizeof script, "%s/server.py", dir);
    tu_write_file(script, server_py, sizeof server_py - 1);
    const char *const args[] = { web, NULL };
    srv = tu_python_start(script, args, &port);
}

static void server_stop(void)
{
    if (srv > 0)
        tu_python_stop(srv);
    srv = -1;
}

static void open_up(long ttl, long min_age, const char *claims)
{
    conf_init(&cfg);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/simple/", port);
    cfg.upstream = strdup(url);
    cfg.upstream_cache = strdup(cache);
    cfg.upstream_claims = claims ? strdup(claims) : NULL;
    cfg.upstream_ttl = ttl;
    cfg.upstream_min_age = min_age;
    cfg.upstream_fetches = 4;
    cfg.upstream_timeout = 10;
    cfg.threads = 8;
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = upstream_open(&cfg, &up, &err);
    ck_assert_msg(e == PF_EOK, "upstream_open: %s", err.p ? err.p : "");
    buf_free(&err);
}

static void close_up(void)
{
    upstream_close(up);
    up = NULL;
    conf_free(&cfg);
}

static void setup(void)
{
    dir = tu_mkdtemp();
    char p[4200];
    snprintf(p, sizeof p, "%s/web", dir);
    web = strdup(p);
    snprintf(p, sizeof p, "%s/cache", dir);
    cache = strdup(p);
    ck_assert_int_eq(mkdir(web, 0755), 0);
    ck_assert_int_eq(mkdir(cache, 0755), 0);
    buf_t err;
    buf_init(&err, 256);
    ck_assert_int_eq(uphttp_global_init(&err), PF_EOK);
    buf_free(&err);
    up_page_init();
    put_page("demo", "<a href=\"../../files/demo-1.0.tar.gz#sha256=0000000000000000000000000000000000000000000000000000"
                     "000000000001\" data-requires-python=\"&gt;=3.8\">demo-1.0.tar.gz</a>\n"
                     "<a href=\"../../files/demo-2.0.tar.gz\">demo-2.0.tar.gz</a>\n"
                     "<a href=\"../../files/other-1.0.tar.gz#sha256=00\">other-1.0.tar.gz</a>\n");
    server_start();
}

static void teardown(void)
{
    if (up)
        close_up();
    server_stop();
    uphttp_global_cleanup();
    tu_rmrf(dir);
    free(dir);
    free(web);
    free(cache);
}

static struct index_project *project(const char *norm, enum pf_err want, struct upstream_result *res)
{
    struct index_project *p = NULL;
    enum pf_err e = upstream_project(up, norm, &p, res);
    ck_assert_msg(e == want, "%s: %s (%s)", norm, pf_errname(e), res->why);
    return p;
}

/* The page becomes a snapshot of this index: the file with a hash, under
 * /packages/+upstream/; the one without, and another project's, left out. */
START_TEST(test_page)
{
    open_up(600, 0, NULL);
    struct upstream_result res;
    struct index_project *p = project("demo", PF_EOK, &res);
    ck_assert_uint_eq(p->nfiles, 1);
    ck_assert_str_eq(p->files[0].filename, "demo-1.0.tar.gz");
    ck_assert_str_eq(p->files[0].relpath, "+upstream/demo/demo-1.0.tar.gz");
    ck_assert_str_eq(p->files[0].rec.sha256, sha_a);
    ck_assert_str_eq(p->files[0].rec.requires_python, ">=3.8");
    ck_assert(!res.offline);
    index_project_release(NULL, p);
    ck_assert_uint_eq(asked("/simple/demo/"), 1);
    /* Within the TTL: the copy, without asking. */
    p = project("demo", PF_EOK, &res);
    index_project_release(NULL, p);
    ck_assert_uint_eq(asked("/simple/demo/"), 1);
    struct upstream_file f;
    ck_assert_int_eq(upstream_file(up, "demo", "demo-1.0.tar.gz", &f, &res), PF_EOK);
    ck_assert_str_eq(f.sha256, sha_a);
    char want[256];
    snprintf(want, sizeof want, "http://127.0.0.1:%u/files/demo-1.0.tar.gz", port);
    ck_assert_str_eq(f.url, want);
    ck_assert_int_eq(f.size, -1);
    /* Listed upstream without a hash: not served. */
    ck_assert_int_eq(upstream_file(up, "demo", "demo-2.0.tar.gz", &f, &res), PF_ENOTFOUND);
    ck_assert_int_eq(res.status, 404);
}
END_TEST

/* Past the TTL the page is asked for again, conditionally (a 304 keeps
 * the copy); with the upstream gone the copy is served, marked offline,
 * and a project never seen is a 502 that says why. */
START_TEST(test_revalidate_and_offline)
{
    open_up(0, 0, NULL);
    struct upstream_result res;
    index_project_release(NULL, project("demo", PF_EOK, &res));
    index_project_release(NULL, project("demo", PF_EOK, &res));
    ck_assert_uint_eq(asked("/simple/demo/"), 2);
    ck_assert(!res.offline);
    buf_t h;
    buf_init(&h, 1024);
    upstream_health(up, &h);
    ck_assert_msg(strncmp(h.p, "reachable", 9) == 0, "%s", h.p);
    server_stop();
    struct index_project *p = project("demo", PF_EOK, &res);
    ck_assert(res.offline);
    ck_assert_uint_eq(p->nfiles, 1);
    index_project_release(NULL, p);
    project("never-seen", PF_EUNAVAIL, &res);
    ck_assert_int_eq(res.status, 502);
    ck_assert_ptr_nonnull(strstr(res.why, "upstream"));
    buf_reset(&h);
    upstream_health(up, &h);
    ck_assert_msg(strncmp(h.p, "unreachable", 11) == 0, "%s", h.p);
    buf_free(&h);
}
END_TEST

/* A project the upstream does not have is 404, and is not asked about on
 * every request. */
START_TEST(test_absent)
{
    open_up(600, 0, NULL);
    struct upstream_result res;
    project("nope", PF_ENOTFOUND, &res);
    ck_assert_int_eq(res.status, 404);
    project("nope", PF_ENOTFOUND, &res);
    ck_assert_uint_eq(asked("/simple/nope/"), 1);
}
END_TEST

/* Another process on the same cache (here another struct upstream) takes
 * the page from disk, without asking the upstream, while it is fresh. */
START_TEST(test_second_process)
{
    open_up(600, 0, NULL);
    struct upstream_result res;
    index_project_release(NULL, project("demo", PF_EOK, &res));
    close_up();
    server_stop();
    open_up(600, 0, NULL);
    struct index_project *p = project("demo", PF_EOK, &res);
    ck_assert(!res.offline);
    ck_assert_uint_eq(p->nfiles, 1);
    index_project_release(NULL, p);
    ck_assert_uint_eq(asked("/simple/demo/"), 1);
}
END_TEST

/* Claims and the cooldown. A file whose page gives no upload-time counts
 * from when it was first seen: now, so a minimum age hides it. */
START_TEST(test_claims_and_min_age)
{
    char claims[4200];
    snprintf(claims, sizeof claims, "%s/claims", dir);
    tu_write_file(claims, "acme-*\n", 7);
    open_up(600, 3600, claims);
    char why[256];
    ck_assert(!upstream_name_ok(up, "acme-tools", why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "claimed"));
    ck_assert(upstream_name_ok(up, "demo", why, sizeof why));
    struct upstream_result res;
    struct index_project *p = project("demo", PF_EOK, &res);
    ck_assert_uint_eq(p->nfiles, 0);
    index_project_release(NULL, p);
    struct upstream_file f;
    ck_assert_int_eq(upstream_file(up, "demo", "demo-1.0.tar.gz", &f, &res), PF_ENOTFOUND);
}
END_TEST

/* The file of the snapshot p called filename, or NULL. */
static const struct index_file *file_of(const struct index_project *p, const char *filename)
{
    for (size_t i = 0; i < p->nfiles; i++)
        if (strcmp(p->files[i].filename, filename) == 0)
            return &p->files[i];
    return NULL;
}

/* Whether filename is yanked in the page served now, and with what reason
 * ("" for none). */
static bool yanked_now(const char *filename, const char **reason_out, char *reason, size_t sz)
{
    struct upstream_result res;
    struct index_project *p = project("yk", PF_EOK, &res);
    const struct index_file *f = file_of(p, filename);
    ck_assert_ptr_nonnull(f);
    bool y = f->rec.yanked;
    snprintf(reason, sz, "%s", f->rec.yank_reason ? f->rec.yank_reason : "");
    *reason_out = reason;
    index_project_release(NULL, p);
    return y;
}

static void mark(const char *filename, bool yank, const char *reason)
{
    buf_t err;
    buf_init(&err, 1024);
    bool changed;
    enum pf_err e = up_yank_set(cache, filename, yank, reason, &changed, &err);
    ck_assert_msg(e == PF_EOK, "%s", err.p ? err.p : "");
    ck_assert(changed);
    buf_free(&err);
}

/* This index's yanks (pypi-fcgi yank --upstream) show at the next request,
 * without asking the upstream again; its reason goes before the
 * upstream's; taking them away leaves the upstream's own yank; a list
 * that cannot be read applies none and the page is still served. */
START_TEST(test_yanks)
{
    put_page("yk", "<a href=\"../../files/yk-1.0.tar.gz#sha256=0000000000000000000000000000000000000000000000000000"
                   "000000000001\" data-yanked=\"upstream says\">yk-1.0.tar.gz</a>\n"
                   "<a href=\"../../files/yk-2.0.tar.gz#sha256=0000000000000000000000000000000000000000000000000000"
                   "000000000002\">yk-2.0.tar.gz</a>\n");
    open_up(600, 0, NULL);
    char rb[256];
    const char *r;
    ck_assert(yanked_now("yk-1.0.tar.gz", &r, rb, sizeof rb));
    ck_assert_str_eq(r, "upstream says");
    ck_assert(!yanked_now("yk-2.0.tar.gz", &r, rb, sizeof rb));
    mark("yk-2.0.tar.gz", true, "broken on arm64");
    ck_assert(yanked_now("yk-2.0.tar.gz", &r, rb, sizeof rb));
    ck_assert_str_eq(r, "broken on arm64");
    mark("yk-1.0.tar.gz", true, "ours");
    ck_assert(yanked_now("yk-1.0.tar.gz", &r, rb, sizeof rb));
    ck_assert_str_eq(r, "ours");
    /* A yanked file is still served to a client that pins it (PEP 592). */
    struct upstream_file f;
    struct upstream_result res;
    ck_assert_int_eq(upstream_file(up, "yk", "yk-2.0.tar.gz", &f, &res), PF_EOK);
    mark("yk-1.0.tar.gz", false, NULL);
    ck_assert(yanked_now("yk-1.0.tar.gz", &r, rb, sizeof rb));
    ck_assert_str_eq(r, "upstream says");
    mark("yk-2.0.tar.gz", true, NULL);
    ck_assert(yanked_now("yk-2.0.tar.gz", &r, rb, sizeof rb));
    ck_assert_str_eq(r, "");
    /* A list a hand broke: no yank of ours, the page still served. */
    char path[4200];
    snprintf(path, sizeof path, "%s/yanked/yk", cache);
    const char *cut = "pypi-fcgi-upstream-yanked 1\nname yk\nfile yk-2.0.tar.gz\n"; /* no end line */
    tu_write_file(path, cut, strlen(cut));
    ck_assert(!yanked_now("yk-2.0.tar.gz", &r, rb, sizeof rb));
    ck_assert(yanked_now("yk-1.0.tar.gz", &r, rb, sizeof rb));
    ck_assert_uint_eq(asked("/simple/yk/"), 1);
    /* Another process on the cache reads the list with the record. */
    close_up();
    ck_assert_int_eq(unlink(path), 0);
    mark("yk-2.0.tar.gz", true, "again");
    open_up(600, 0, NULL);
    ck_assert(yanked_now("yk-2.0.tar.gz", &r, rb, sizeof rb));
    ck_assert_str_eq(r, "again");
    ck_assert_uint_eq(asked("/simple/yk/"), 1);
}
END_TEST

static void *ask_yk(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        struct index_project *p;
        struct upstream_result res;
        if (upstream_project(up, "yk", &p, &res) != PF_EOK)
            return (void *)1;
        bool ok = p->nfiles == 1;
        index_project_release(NULL, p);
        if (!ok)
            return (void *)1;
    }
    return NULL;
}

/* Threads asking while the marks change under them: each gets the page,
 * and the last change is what shows at the end. */
START_TEST(test_yanks_threads)
{
    put_page("yk", "<a href=\"../../files/yk-1.0.tar.gz#sha256=0000000000000000000000000000000000000000000000000000"
                   "000000000001\">yk-1.0.tar.gz</a>\n");
    open_up(600, 0, NULL);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, ask_yk, NULL), 0);
    char reason[32];
    for (int i = 0; i <= 40; i++) { /* 40 % 3 != 0: the last change is a yank */
        snprintf(reason, sizeof reason, "round %d", i);
        mark("yk-1.0.tar.gz", true, reason);
        if (i % 3 == 0)
            mark("yk-1.0.tar.gz", false, NULL);
    }
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        ck_assert_ptr_null(r);
    }
    char rb[256];
    const char *r;
    ck_assert(yanked_now("yk-1.0.tar.gz", &r, rb, sizeof rb));
    ck_assert_str_eq(r, "round 40");
    ck_assert_uint_eq(asked("/simple/yk/"), 1);
}
END_TEST

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        struct index_project *p;
        struct upstream_result res;
        if (upstream_project(up, i % 2 ? "demo" : "nope", &p, &res) == PF_EOK)
            index_project_release(NULL, p);
        struct upstream_file f;
        if (upstream_file(up, "demo", "demo-1.0.tar.gz", &f, &res) == PF_EOK && strcmp(f.sha256, sha_a) != 0)
            return (void *)1;
    }
    return NULL;
}

/* Threads asking at once, every request past the TTL: each gets an
 * answer, and revalidations of a project do not overlap (one lock). */
START_TEST(test_threads)
{
    open_up(0, 0, NULL);
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < 6; i++) {
        void *r;
        pthread_join(t[i], &r);
        ck_assert_ptr_null(r);
    }
    struct upstream_result res;
    struct index_project *p = project("demo", PF_EOK, &res);
    ck_assert_uint_eq(p->nfiles, 1);
    index_project_release(NULL, p);
    ck_assert_uint_ge(asked("/simple/demo/"), 1);
}
END_TEST

Suite *suite_upstream(void)
{
    Suite *s = suite_create("upstream");
    TCase *tc = tcase_create("upstream");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_page);
    tcase_add_test(tc, test_revalidate_and_offline);
    tcase_add_test(tc, test_absent);
    tcase_add_test(tc, test_second_process);
    tcase_add_test(tc, test_claims_and_min_age);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_yanks);
    tcase_add_test(tc, test_yanks_threads);
    suite_add_tcase(s, tc);
    return s;
}
