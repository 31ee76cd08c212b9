/* SPDX-License-Identifier: MIT */
/* test_page_rpc.c: POST /RPC2 and text/xml POSTs to / through route_serve: pip's search, the logins, the body caps. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
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
#include "xmlrpc.h"

#define AUTH_ALICE "HTTP_AUTHORIZATION=Basic YWxpY2U6c2VjcmV0" /* alice:secret */

static char *root, *pwfile;
static struct config cfg;
static index_t *idx;
static struct auth *auth;
static struct app app;
static struct http_scratch scratch;

/* A body handed over in chunks of at most step bytes. */
struct feed {
    const char *p;
    size_t len, pos, step;
};

static long feed_read(void *ctx, char *p, size_t n)
{
    struct feed *f = ctx;
    size_t k = f->len - f->pos;
    if (k > f->step)
        k = f->step;
    if (k > n)
        k = n;
    memcpy(p, f->p + f->pos, k);
    f->pos += k;
    return (long)k;
}

/* A request of method to uri with body (len bytes, fed step at a time)
 * and the extra env entries (NULL-terminated); clen NULL: the body's
 * length, "": none. */
static struct tu_resp send_req(const char *method, const char *uri, const char *body, size_t len, size_t step,
                             const char *clen, ...)
{
    char *env[16], m[64], u[256], l[64];
    int n = 0;
    snprintf(m, sizeof m, "REQUEST_METHOD=%s", method);
    snprintf(u, sizeof u, "REQUEST_URI=%s", uri);
    env[n++] = m;
    env[n++] = u;
    env[n++] = "SCRIPT_NAME=";
    if (!clen) {
        snprintf(l, sizeof l, "CONTENT_LENGTH=%zu", len);
        env[n++] = l;
    } else if (*clen) {
        snprintf(l, sizeof l, "CONTENT_LENGTH=%s", clen);
        env[n++] = l;
    }
    va_list ap;
    va_start(ap, clen);
    for (const char *kv; (kv = va_arg(ap, const char *)) && n < 15;)
        env[n++] = (char *)kv;
    va_end(ap);
    env[n] = NULL;
    struct feed f = { body, len, 0, step };
    struct http_in in = { feed_read, &f };
    struct tu_resp r = tu_serve(&app, env, &in, &scratch);
    return r;
}

/* The body xmlrpc.client writes for search({"name": [name], "summary":
 * [summary]}, op); an empty term is left out. */
static char *search_body(const char *name, const char *summary, const char *op)
{
    char *b;
    ck_assert_int_ge(asprintf(&b,
                              "<?xml version='1.0'?>\n<methodCall>\n<methodName>search</methodName>\n<params>\n"
                              "<param>\n<value><struct>\n<member>\n<name>name</name>\n<value><array><data>\n%s%s%s"
                              "</data></array></value>\n</member>\n<member>\n<name>summary</name>\n<value><array>"
                              "<data>\n%s%s%s</data></array></value>\n</member>\n</struct></value>\n</param>\n"
                              "<param>\n<value><string>%s</string></value>\n</param>\n</params>\n</methodCall>\n",
                              *name ? "<value><string>" : "", name, *name ? "</string></value>\n" : "",
                              *summary ? "<value><string>" : "", summary, *summary ? "</string></value>\n" : "", op),
                     0);
    return b;
}

/* The hits of an answer as "name version summary|" each. */
static void hits(const char *body, buf_t *out)
{
    const char *p = body;
    while ((p = strstr(p, "<value><struct>\n"))) {
        p += strlen("<value><struct>\n");
        for (int i = 0; i < 3; i++) {
            const char *s = strstr(p, "<value><string>"), *e = s ? strstr(s, "</string>") : NULL;
            ck_assert_ptr_nonnull(e);
            s += strlen("<value><string>");
            (void)buf_append(out, s, (size_t)(e - s));
            (void)buf_append_str(out, i < 2 ? " " : "|");
            p = e;
        }
    }
    if (!out->p)
        (void)buf_append_str(out, "");
}

/* POSTs a search to uri and checks the hits. */
static void expect_hits(const char *uri, const char *name, const char *summary, const char *op, const char *want,
                        size_t step)
{
    char *b = search_body(name, summary, op);
    struct tu_resp r = send_req("POST", uri, b, strlen(b), step, NULL, "CONTENT_TYPE=text/xml", (char *)NULL);
    ck_assert_msg(r.status == 200, "%s: %s", uri, r.raw.p);
    ck_assert_ptr_nonnull(strstr(r.raw.p, "Content-Type: text/xml; charset=utf-8\r\n"));
    buf_t got;
    buf_init(&got, 1 << 20);
    hits(r.body, &got);
    ck_assert_msg(strcmp(got.p, want) == 0, "search %s/%s/%s at %s: got '%s', want '%s'", name, summary, op, uri,
                  got.p, want);
    buf_free(&got);
    tu_resp_free(&r);
    free(b);
}

static void wheel(const char *project, const char *version, const char *summary)
{
    char *dir, *path, *distinfo, *md;
    ck_assert_int_ge(asprintf(&dir, "%s/%s", root, project), 0);
    ck_assert(mkdir(dir, 0755) == 0 || errno == EEXIST);
    ck_assert_int_ge(asprintf(&path, "%s/%s-%s-py3-none-any.whl", dir, project, version), 0);
    ck_assert_int_ge(asprintf(&distinfo, "%s-%s.dist-info", project, version), 0);
    ck_assert_int_ge(asprintf(&md, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s%s%s", project, version,
                              summary ? "Summary: " : "", summary ? summary : "", summary ? "\n" : ""),
                     0);
    tu_make_wheel(path, distinfo, md);
    free(dir);
    free(path);
    free(distinfo);
    free(md);
}

static void open_index(unsigned authenticate)
{
    conf_init(&cfg);
    cfg.roots = calloc(1, sizeof *cfg.roots);
    cfg.roots[0] = realpath(root, NULL);
    cfg.nroots = 1;
    cfg.rescan_interval = 0;
    cfg.authenticate = authenticate;
    pwfile = tu_alice_htpasswd(root);
    cfg.htpasswd = strdup(pwfile);
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

static void setup(void)
{
    root = tu_mkdtemp();
    wheel("Alpha_Widget", "1.0", "An old widget");
    wheel("Alpha_Widget", "1.2", "A Widget for tests & <more>");
    wheel("Alpha_Widget", "2.0rc1", "A pre-release");
    wheel("beta_gadget", "0.3", "Gadget of the BETA kind");
    wheel("gamma", "1.0", NULL);
}

static void teardown(void)
{
    tu_rmrf(root);
    free(root);
}

#define ALPHA "alpha-widget 1.2 A Widget for tests &amp; &lt;more&gt;|"
#define BETA "beta-gadget 0.3 Gadget of the BETA kind|"

START_TEST(search_as_pip)
{
    open_index(0);
    /* By name (the latest release that is no pre-release), by Summary, in any case. */
    expect_hits("/RPC2", "widget", "widget", "or", ALPHA, 1 << 20);
    expect_hits("/RPC2", "GADGET", "GADGET", "or", BETA, 1 << 20);
    expect_hits("/RPC2", "tests", "tests", "or", ALPHA, 1 << 20);
    expect_hits("/RPC2", "gamma", "gamma", "or", "gamma 1.0 |", 1 << 20);
    expect_hits("/RPC2", "nothing", "nothing", "or", "", 1 << 20);
    /* The separators of a name term fold as PEP 503's do. */
    expect_hits("/RPC2", "ALPHA_._widget", "", "or", ALPHA, 1 << 20);
    /* and / or. */
    expect_hits("/RPC2", "alpha", "gadget", "or", ALPHA BETA, 1 << 20);
    expect_hits("/RPC2", "alpha", "gadget", "and", "", 1 << 20);
    expect_hits("/RPC2", "alpha", "widget", "and", ALPHA, 1 << 20);
    expect_hits("/RPC2", "", "kind", "and", BETA, 1 << 20);
    /* The old release's Summary is not the project's. */
    expect_hits("/RPC2", "", "old", "or", "", 1 << 20);
    /* A body in small pieces reads the same. */
    expect_hits("/RPC2", "widget", "widget", "or", ALPHA, 7);
    /* POST / with text/xml is a search, though uploads are off here. */
    expect_hits("/", "gadget", "gadget", "or", BETA, 1 << 20);
    close_index();
}
END_TEST

START_TEST(faults_and_refusals)
{
    open_index(0);
    static const char unknown[] = "<methodCall><methodName>list_packages</methodName></methodCall>";
    struct tu_resp r = send_req("POST", "/RPC2", unknown, sizeof unknown - 1, 1 << 20, NULL, (char *)NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "<fault>"));
    ck_assert_ptr_nonnull(strstr(r.body, "<int>-32601</int>"));
    ck_assert_ptr_nonnull(strstr(r.body, "not \"list_packages\""));
    tu_resp_free(&r);

    static const char author[] = "<methodCall><methodName>search</methodName><params><param><value><struct>"
                                 "<member><name>author</name><value>x</value></member></struct></value></param>"
                                 "</params></methodCall>";
    r = send_req("POST", "/RPC2", author, sizeof author - 1, 1 << 20, NULL, (char *)NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "<int>-32602</int>"));
    tu_resp_free(&r);

    static const char xxe[] = "<?xml version='1.0'?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                              "<methodCall><methodName>&x;</methodName></methodCall>";
    r = send_req("POST", "/RPC2", xxe, sizeof xxe - 1, 1 << 20, NULL, (char *)NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "Malformed XML-RPC call: the call has a DOCTYPE"));
    ck_assert_ptr_nonnull(strstr(r.log.p, "refused XML-RPC call: the call has a DOCTYPE"));
    ck_assert_ptr_null(strstr(r.body, "root:"));
    tu_resp_free(&r);

    /* Too large: by its Content-Length, unread; without one, as it comes. */
    char *big = malloc(XMLRPC_MAX_BODY + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, ' ', XMLRPC_MAX_BODY + 1);
    memcpy(big, "<methodCall>", 12);
    r = send_req("POST", "/RPC2", big, XMLRPC_MAX_BODY + 1, 1 << 20, NULL, (char *)NULL);
    ck_assert_int_eq(r.status, 413);
    tu_resp_free(&r);
    r = send_req("POST", "/RPC2", big, XMLRPC_MAX_BODY + 1, 4096, "", (char *)NULL);
    ck_assert_int_eq(r.status, 413);
    ck_assert_ptr_nonnull(strstr(r.log.p, "refused XML-RPC call: more than 65536 bytes"));
    tu_resp_free(&r);
    free(big);

    /* Cut off: fewer bytes than Content-Length says. */
    r = send_req("POST", "/RPC2", unknown, sizeof unknown - 1, 1 << 20, "500", (char *)NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "cut off"));
    tu_resp_free(&r);
    r = send_req("POST", "/RPC2", unknown, sizeof unknown - 1, 1 << 20, "12x", (char *)NULL);
    ck_assert_int_eq(r.status, 400);
    tu_resp_free(&r);

    /* GET is not a call; a POST to / that is not text/xml stays an
     * upload (open to anyone here: a 400 for the body), as does a text/xml
     * one to /legacy/. */
    r = send_req("GET", "/RPC2", "", 0, 1, "", (char *)NULL);
    ck_assert_int_eq(r.status, 405);
    ck_assert_ptr_nonnull(strstr(r.raw.p, "Allow: POST\r\n"));
    tu_resp_free(&r);
    r = send_req("POST", "/", unknown, sizeof unknown - 1, 1 << 20, NULL, "CONTENT_TYPE=application/xml", (char *)NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "multipart/form-data"));
    tu_resp_free(&r);
    r = send_req("POST", "/legacy/", unknown, sizeof unknown - 1, 1 << 20, NULL, "CONTENT_TYPE=text/xml", (char *)NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "multipart/form-data"));
    tu_resp_free(&r);
    close_index();
}
END_TEST

/* Under --authenticate list a search needs the list login, at /RPC2 and at /. */
START_TEST(list_login)
{
    open_index(AUTH_LIST | AUTH_UPDATE);
    char *b = search_body("widget", "widget", "or");
    static const char *const uris[] = { "/RPC2", "/" };
    for (size_t i = 0; i < 2; i++) {
        struct tu_resp r = send_req("POST", uris[i], b, strlen(b), 1 << 20, NULL, "CONTENT_TYPE=text/xml; charset=utf-8",
                                  (char *)NULL);
        ck_assert_msg(r.status == 401, "%s: %s", uris[i], r.raw.p);
        tu_resp_free(&r);
        r = send_req("POST", uris[i], b, strlen(b), 1 << 20, NULL, "CONTENT_TYPE=Text/XML",
                     AUTH_ALICE, (char *)NULL);
        ck_assert_msg(r.status == 200, "%s: %s", uris[i], r.raw.p);
        ck_assert_ptr_nonnull(strstr(r.body, "<string>alpha-widget</string>"));
        tu_resp_free(&r);
    }
    free(b);
    close_index();
}
END_TEST

/* At most 1000 projects in an answer, the first by name. */
START_TEST(hits_capped)
{
    for (int i = 0; i < 1001; i++) {
        char name[32];
        snprintf(name, sizeof name, "many%04d", i);
        wheel(name, "1.0", "many");
    }
    open_index(0);
    char *b = search_body("many", "", "or");
    struct tu_resp r = send_req("POST", "/RPC2", b, strlen(b), 1 << 20, NULL, (char *)NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(tu_count(r.body, "<value><struct>"), 1000);
    ck_assert_ptr_nonnull(strstr(r.body, "<string>many0999</string>"));
    ck_assert_ptr_null(strstr(r.body, "<string>many1000</string>"));
    ck_assert_ptr_nonnull(strstr(r.log.p, "first 1000 projects"));
    tu_resp_free(&r);
    free(b);
    close_index();
}
END_TEST

Suite *suite_page_rpc(void)
{
    Suite *s = suite_create("page_rpc");
    TCase *tc = tcase_create("page_rpc");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* hits_capped writes and indexes 1001 wheels (a record and its fsync
     * each): room for a slow disk shared with other work. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, search_as_pip);
    tcase_add_test(tc, faults_and_refusals);
    tcase_add_test(tc, list_login);
    tcase_add_test(tc, hits_capped);
    suite_add_tcase(s, tc);
    return s;
}
