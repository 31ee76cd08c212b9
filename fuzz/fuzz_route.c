/* SPDX-License-Identifier: MIT */
/* fuzz_route.c: libFuzzer harness for whole requests (route_serve): path decoding, routing, pages, uploads. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "auth.h"
#include "buf.h"
#include "conf.h"
#include "fuzzutil.h"
#include "index.h"
#include "route.h"

/* An input is up to FR_MAX_REQUESTS requests separated by a line "~~~~"
 * ("\n~~~~\n"), served one after the other by one fresh index, so that a
 * request can see what an earlier one uploaded. Each request is CGI
 * parameter lines "NAME=value" (at most FR_MAX_ENV; a '\r' is dropped, as
 * no web server passes CR or LF in a parameter), then an empty line and
 * the body; without the empty line there is no body (in is NULL). Lines
 * that steer the harness (they stay in the environment, where the server
 * ignores them):
 *   FUZZ_CHUNK=n        the body arrives n bytes per read (default: all)
 *   FUZZ_CUT=n          the connection fails after n bytes of body
 *   FUZZ_CONF=key=value a setting for this input (authenticate,
 *                       trust-remote-user, sendfile, overwrite,
 *                       max-upload-size, url-prefix, cache-size)
 *
 * The index serves a fixture made once in a temporary directory: two
 * roots with wheels, sdists (one yanked) and odd files, an htpasswd file
 * (alice:secret {SHA}, bob:hunter2 apr1, carol:pwc bcrypt, dave refused)
 * and an upload ACL (alice: upload-* scratch; bob: upload-demo, bob-*;
 * carol: up?oad-[a-z]*; *: open-*). No rule names a fixture project, so
 * no request may remove or replace a fixture file: after each input,
 * whatever requests added is removed, and every fixture path must still
 * be there (else a request wrote or deleted where it may not).
 * With FUZZ_ROUTE_SHOW set in the environment, each response is printed
 * on stdout (to see what an input does).
 *
 * Checks on every response: route_serve returns 0; the output is "Status:
 * NNN ..." (100..599), header lines end in CRLF with no control bytes in
 * them (no header injection), a Content-Length is sent unless the answer
 * is a 304 or offloaded, and the body has that length (none for HEAD).
 * Every request log line is a single line (request bytes cannot forge
 * log lines). */

#define FR_MAX_REQUESTS 4
#define FR_MAX_ENV 64
#define FR_SEP "\n~~~~\n"
#define FR_OUT_CAP ((size_t)64 << 20)

/* Made once by LLVMFuzzerInitialize, read-only afterwards. */
static struct fixture {
    char *top;
    char *roots[2];
    char *htpasswd, *acl;
    char **baseline; /* paths below top after warm-up, sorted */
    size_t nbaseline;
    struct config base;
    bool show; /* FUZZ_ROUTE_SHOW set: print each response on stdout */
} fx;

struct feed {
    const char *p;
    size_t len, pos, step, cut;
};

static long feed_read(void *ctx, char *p, size_t n)
{
    struct feed *f = ctx;
    if (f->cut && f->pos >= f->cut)
        return -1;
    size_t k = f->len - f->pos;
    if (f->step && k > f->step)
        k = f->step;
    if (f->cut && k > f->cut - f->pos)
        k = f->cut - f->pos;
    if (k > n)
        k = n;
    memcpy(p, f->p + f->pos, k);
    f->pos += k;
    return (long)k;
}

static int out_write(void *ctx, const char *p, size_t n)
{
    return buf_append(ctx, p, n) == PF_EOK ? 0 : -1;
}

static void log_sink(void *ctx, const char *line)
{
    (void)ctx;
    size_t n = strlen(line);
    FU_CHECK(n > 0 && line[n - 1] == '\n');
    /* One line: a CR or LF inside would let request bytes start a forged
     * line in the web server's error log. */
    for (size_t i = 0; i + 1 < n; i++)
        if (line[i] == '\n' || line[i] == '\r') {
            char msg[600];
            size_t m = (size_t)snprintf(msg, sizeof msg, "a request log line holds a CR or LF: ");
            for (size_t j = 0; j < n && m + 5 < sizeof msg; j++)
                m += (size_t)snprintf(msg + m, sizeof msg - m, (unsigned char)line[j] < 0x20 ? "\\x%02x" : "%c",
                                      (unsigned char)line[j]);
            fu_fail(__FILE__, __LINE__, msg);
        }
}

/* ---- the fixture ---- */

static char *path_in(const char *dir, const char *rel)
{
    char *p;
    if (asprintf(&p, "%s/%s", dir, rel) < 0)
        abort();
    return p;
}

static void wheel(const char *root, const char *rel, const char *distinfo, const char *metadata)
{
    char *p = path_in(root, rel);
    char *dir = strdup(p);
    *strrchr(dir, '/') = '\0';
    fu_mkdirs(dir);
    fu_make_wheel(p, distinfo, metadata);
    free(dir);
    free(p);
}

static void sdist(const char *root, const char *rel, const char *top, const char *pkginfo)
{
    char *p = path_in(root, rel);
    char *dir = strdup(p);
    *strrchr(dir, '/') = '\0';
    fu_mkdirs(dir);
    fu_make_sdist(p, top, pkginfo);
    free(dir);
    free(p);
}

static void collect(const char *rel, bool is_dir, void *ctx)
{
    (void)is_dir;
    (void)ctx;
    char **nb = realloc(fx.baseline, (fx.nbaseline + 1) * sizeof *nb);
    if (!nb || !(nb[fx.nbaseline] = strdup(rel)))
        abort();
    fx.baseline = nb;
    fx.nbaseline++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_baseline(const char *rel)
{
    return bsearch(&rel, fx.baseline, fx.nbaseline, sizeof *fx.baseline, cmp_str) != NULL;
}

static void remove_new(const char *rel, bool is_dir, void *ctx)
{
    (void)ctx;
    if (in_baseline(rel))
        return;
    char *p = path_in(fx.top, rel);
    if (is_dir)
        fu_rmrf(p);
    else
        (void)unlink(p);
    free(p);
}

/* Puts the fixture back as it was after warm-up (see the top comment). */
static void restore(void)
{
    fu_walk(fx.top, remove_new, NULL);
    for (size_t i = 0; i < fx.nbaseline; i++) {
        char *p = path_in(fx.top, fx.baseline[i]);
        struct stat st;
        if (lstat(p, &st) != 0) {
            fprintf(stderr, "fuzz_route: fixture path %s is gone\n", fx.baseline[i]);
            fu_fail(__FILE__, __LINE__, "a request removed a fixture file");
        }
        free(p);
    }
}

static void null_write(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

static int discard(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    (void)p;
    (void)n;
    return 0;
}

/* GETs every page of the fixture once, so that the sidecar records exist
 * before fuzzing starts (each input then finds the same tree). */
static void warm_up(void)
{
    static const char *const uris[] = {
        "/", "/simple/", "/simple/demo-pkg/", "/simple/flat-project/", "/simple/deep-one/", "/simple/other/",
        "/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl.metadata",
    };
    index_t *idx;
    struct auth *auth;
    buf_t err;
    buf_init(&err, 1024);
    if (index_open(&fx.base, &idx) != PF_EOK || auth_open(&fx.base, &auth, &err) != PF_EOK)
        abort();
    struct app app = { &fx.base, idx, auth };
    struct http_scratch scratch;
    http_scratch_init(&scratch);
    struct http_out out = { discard, NULL };
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++)
        for (int json = 0; json < 2; json++) {
            char uri[256], accept[128];
            snprintf(uri, sizeof uri, "REQUEST_URI=%s", uris[i]);
            snprintf(accept, sizeof accept, "HTTP_ACCEPT=%s",
                     json ? "application/vnd.pypi.simple.v1+json" : "text/html");
            char *env[] = { "REQUEST_METHOD=GET", uri, "SCRIPT_NAME=", accept, NULL };
            (void)route_serve(&app, env, NULL, &out, null_write, NULL, &scratch);
        }
    http_scratch_free(&scratch);
    auth_close(auth);
    index_close(idx);
    buf_free(&err);
}

static void remove_fixture(void)
{
    if (fx.top)
        fu_rmrf(fx.top);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    fx.show = getenv("FUZZ_ROUTE_SHOW") != NULL;
    fx.top = fu_mkdtemp("route");
    atexit(remove_fixture);
    fx.roots[0] = path_in(fx.top, "root0");
    fx.roots[1] = path_in(fx.top, "root1");
    fu_mkdirs(fx.roots[0]);
    fu_mkdirs(fx.roots[1]);
    const char *md = "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Python: >=3.8\n\nbody\n";
    wheel(fx.roots[0], "demo-pkg/demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.dist-info", md);
    sdist(fx.roots[0], "demo-pkg/demo_pkg-1.0.tar.gz", "demo_pkg-1.0",
          "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n");
    wheel(fx.roots[0], "demo-pkg/demo_pkg-2.0rc1-py3-none-any.whl", "demo_pkg-2.0rc1.dist-info",
          "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 2.0rc1\n");
    char *notes = path_in(fx.roots[0], "demo-pkg/notes.txt");
    fu_write_file(notes, "not a distribution\n", 19);
    free(notes);
    sdist(fx.roots[0], "Flat_Project-0.1.tar.gz", "Flat_Project-0.1",
          "Metadata-Version: 1.0\nName: Flat_Project\nVersion: 0.1\n");
    sdist(fx.roots[0], "nested/a/b/deep_one-3.0.tar.gz", "deep_one-3.0",
          "Metadata-Version: 2.1\nName: deep-one\nVersion: 3.0\nRequires-Python: >=3.8,<4\n");
    wheel(fx.roots[1], "demo-pkg/demo_pkg-1.1-py3-none-any.whl", "demo_pkg-1.1.dist-info",
          "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.1\n");
    sdist(fx.roots[1], "other/other-0.1.tar.gz", "other-0.1",
          "Metadata-Version: 2.1\nName: other\nVersion: 0.1\nRequires-Python: <4,>=3.7 \"&'\n");

    fx.htpasswd = path_in(fx.top, "htpasswd");
    const char *pw = "# users of the fuzz fixture\n"
                     "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"
                     "bob:$apr1$fuzzsalt$YNQDlAvWHR.Ncc2k/1m1R0\n"
                     "carol:$2y$04$3vX2uZ3igUZqntPqDuAUn.RO2X0akDmfpYH7IwEu8OI61IcIv80Jm\n"
                     "dave:plaintext\n";
    fu_write_file(fx.htpasswd, pw, strlen(pw));
    fx.acl = path_in(fx.top, "acl");
    const char *acl = "alice: upload-* scratch\nbob: upload-demo, bob-*\ncarol: up?oad-[a-z]*\n*: open-*\n";
    fu_write_file(fx.acl, acl, strlen(acl));

    conf_init(&fx.base);
    fx.base.roots = fx.roots;
    fx.base.nroots = 2;
    fx.base.rescan_interval = 0;
    fx.base.max_upload = (uint64_t)1 << 20;
    fx.base.htpasswd = fx.htpasswd;
    fx.base.upload_acl = fx.acl;

    buf_t err;
    buf_init(&err, 1024);
    char *yanked = path_in(fx.roots[0], "demo-pkg/demo_pkg-2.0rc1-py3-none-any.whl");
    if (index_yank(yanked, true, "broken <build> & \"more\"", NULL, &err) != PF_EOK) {
        fprintf(stderr, "fuzz_route: yank: %s\n", err.p ? err.p : "");
        abort();
    }
    free(yanked);
    buf_free(&err);
    warm_up();
    fu_walk(fx.top, collect, NULL);
    qsort(fx.baseline, fx.nbaseline, sizeof *fx.baseline, cmp_str);
    return 0;
}

/* ---- one input ---- */

struct request {
    char *env[FR_MAX_ENV + 1];
    size_t nenv;
    bool has_body, head;
    sv_t body;
    size_t step, cut;
};

static size_t number(const char *s)
{
    size_t n = strtoul(s, NULL, 10);
    return n > ((size_t)1 << 24) ? (size_t)1 << 24 : n;
}

static void parse_request(sv_t s, struct request *r)
{
    memset(r, 0, sizeof *r);
    sv_t head = s;
    for (size_t i = 0; i + 1 < s.len; i++)
        if (s.p[i] == '\n' && s.p[i + 1] == '\n') {
            head = sv_make(s.p, i);
            r->body = sv_make(s.p + i + 2, s.len - i - 2);
            r->has_body = true;
            break;
        }
    const char *method = NULL;
    while (head.len && r->nenv < FR_MAX_ENV) {
        sv_t line = sv_split(&head, '\n');
        char *kv = malloc(line.len + 1);
        if (!kv)
            abort();
        size_t n = 0;
        for (size_t i = 0; i < line.len; i++)
            if (line.p[i] != '\r')
                kv[n++] = line.p[i];
        kv[n] = '\0';
        r->env[r->nenv++] = kv;
        if (strncmp(kv, "FUZZ_CHUNK=", 11) == 0)
            r->step = number(kv + 11);
        else if (strncmp(kv, "FUZZ_CUT=", 9) == 0)
            r->cut = number(kv + 9);
        else if (!method && strncmp(kv, "REQUEST_METHOD=", 15) == 0)
            method = kv + 15;
    }
    r->env[r->nenv] = NULL;
    r->head = method && strcmp(method, "HEAD") == 0;
}

static void free_request(struct request *r)
{
    for (size_t i = 0; i < r->nenv; i++)
        free(r->env[i]);
}

/* FUZZ_CONF lines of every request, applied to cfg. */
static void apply_conf(struct config *cfg, const struct request *rq, size_t n)
{
    static const char *const allowed[] = {
        "authenticate", "trust-remote-user", "sendfile", "overwrite", "max-upload-size", "url-prefix", "cache-size",
    };
    buf_t err;
    buf_init(&err, 1024);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < rq[i].nenv; j++) {
            const char *kv = rq[i].env[j];
            if (strncmp(kv, "FUZZ_CONF=", 10) != 0)
                continue;
            const char *key = kv + 10, *eq = strchr(key, '=');
            if (!eq)
                continue;
            for (size_t a = 0; a < sizeof allowed / sizeof allowed[0]; a++)
                if (strlen(allowed[a]) == (size_t)(eq - key) && strncmp(key, allowed[a], (size_t)(eq - key)) == 0)
                    (void)conf_set(cfg, allowed[a], eq + 1, &err);
        }
    buf_free(&err);
}

/* The checks on one CGI response (see the top comment). */
static void check_response(sv_t out, bool head)
{
    FU_CHECK(out.len >= 14 && memcmp(out.p, "Status: ", 8) == 0);
    int status = 0;
    for (int i = 8; i < 11; i++) {
        FU_CHECK(out.p[i] >= '0' && out.p[i] <= '9');
        status = status * 10 + (out.p[i] - '0');
    }
    FU_CHECK(status >= 100 && status <= 599 && out.p[11] == ' ');
    const char *sep = memmem(out.p, out.len, "\r\n\r\n", 4);
    FU_CHECK(sep != NULL);
    sv_t headers = sv_make(out.p, (size_t)(sep - out.p) + 2);
    sv_t body = sv_make(sep + 4, out.len - (size_t)(sep - out.p) - 4);
    long clen = -1;
    bool offloaded = false;
    size_t pos = 0;
    while (pos < headers.len) {
        const char *eol = memmem(headers.p + pos, headers.len - pos, "\r\n", 2);
        FU_CHECK(eol != NULL);
        sv_t line = sv_make(headers.p + pos, (size_t)(eol - headers.p) - pos);
        FU_CHECK(line.len > 0 && sv_index(line, ':') > 0);
        for (size_t i = 0; i < line.len; i++)
            FU_CHECK((unsigned char)line.p[i] >= 0x20 && line.p[i] != 0x7f);
        if (sv_starts_with(line, SV_LIT("Content-Length: "))) {
            FU_CHECK(clen < 0);
            clen = 0;
            for (size_t i = 16; i < line.len; i++) {
                FU_CHECK(line.p[i] >= '0' && line.p[i] <= '9' && clen < (1L << 40));
                clen = clen * 10 + (line.p[i] - '0');
            }
        }
        if (sv_starts_with(line, SV_LIT("X-Sendfile: ")) || sv_starts_with(line, SV_LIT("X-Accel-Redirect: ")))
            offloaded = true;
        pos = (size_t)(eol - headers.p) + 2;
    }
    if (clen < 0)
        FU_CHECK(status == 304 || (offloaded && status == 200));
    if (head || clen < 0)
        FU_CHECK(body.len == 0);
    else
        FU_CHECK(body.len == (size_t)clen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct request rq[FR_MAX_REQUESTS];
    size_t n = 0;
    sv_t rest = sv_make((const char *)data, size);
    while (n < FR_MAX_REQUESTS && (rest.len || n == 0)) {
        const char *sep = n + 1 < FR_MAX_REQUESTS ? memmem(rest.p, rest.len, FR_SEP, strlen(FR_SEP)) : NULL;
        sv_t one = sep ? sv_make(rest.p, (size_t)(sep - rest.p)) : rest;
        parse_request(one, &rq[n++]);
        if (!sep)
            break;
        rest = sv_make(sep + strlen(FR_SEP), rest.len - (size_t)(sep - rest.p) - strlen(FR_SEP));
    }

    struct config cfg = fx.base;
    apply_conf(&cfg, rq, n);
    index_t *idx;
    struct auth *auth;
    buf_t err;
    buf_init(&err, 1024);
    FU_CHECK(index_open(&cfg, &idx) == PF_EOK);
    FU_CHECK(auth_open(&cfg, &auth, &err) == PF_EOK);
    struct app app = { &cfg, idx, auth };
    struct http_scratch scratch;
    http_scratch_init(&scratch);

    for (size_t i = 0; i < n; i++) {
        struct request *r = &rq[i];
        struct feed f = { r->body.p, r->body.len, 0, r->step, r->cut };
        struct http_in in = { feed_read, &f };
        buf_t out;
        buf_init(&out, FR_OUT_CAP);
        struct http_out o = { out_write, &out };
        int rc = route_serve(&app, r->env, r->has_body ? &in : NULL, &o, log_sink, NULL, &scratch);
        if (fx.show) {
            printf("==== response %zu\n", i + 1);
            fwrite(out.p ? out.p : "", 1, out.len, stdout);
            printf("\n");
            fflush(stdout);
        }
        FU_CHECK(rc == 0);
        check_response(buf_sv(&out), r->head);
        buf_free(&out);
    }

    http_scratch_free(&scratch);
    auth_close(auth);
    index_close(idx);
    buf_free(&err);
    free(cfg.url_prefix);
    free(cfg.accel_prefix);
    for (size_t i = 0; i < n; i++)
        free_request(&rq[i]);
    restore();
    return 0;
}
