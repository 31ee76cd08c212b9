/* SPDX-License-Identifier: MIT */
/* null-fcgi.c: do-nothing multithreaded FastCGI responder serving pre-captured pages from memory. */

/*
 * It is the benchmark's "cost of the FastCGI hop" reference: the per-request
 * work is one hash lookup on REQUEST_URI and one FCGX_PutStr of a response
 * composed at start-up.
 *
 *   null-fcgi [-t THREADS] [-l SOCKET] [-p PREFIX]... [-a] [-x ROOT | -r URI] DIR
 *
 *   -t N       worker threads (default 4)
 *   -l SOCKET  listen on "/unix/path" or "host:port" (default: fd 0, as
 *              lighttpd bin-path and spawn-fcgi hand it over)
 *   -p PREFIX  strip this mount prefix from REQUEST_URI before the lookup;
 *              up to MAX_PREFIXES of them, the first that matches is stripped
 *              (the self-test's stand-in answers both /pf and /pypi)
 *   -a         PEP 691 stand-in: a request for ".../" whose Accept contains
 *              application/vnd.pypi.simple.v1+json gets ".../index.json"
 *   -x ROOT    stand-in file route: /packages/REST answers with
 *              "X-Sendfile: ROOT/REST" and no body (lighttpd, mod_xsendfile)
 *   -r URI     the same for nginx: "X-Accel-Redirect: URI REST", where URI
 *              is an internal location ending in '/' (e.g. /_pypi_files/)
 *
 * DIR layout: every regular file DIR/R is served at "/R", except that a file
 * named index.html is served at its directory's URL ("/R-without-index.html").
 * An optional DIR/R.hdr holds header lines ("Name: value", one per line) sent
 * as they are; Content-Type defaults to application/octet-stream and
 * Content-Length is always computed. If the headers include an ETag, a request
 * whose If-None-Match contains it gets a 304 with the same headers minus
 * Content-Type. Anything else is 404.
 *
 * Bodiless requests end with a plain close, as in pypi-fcgi (see worker()).
 *
 * Threads call FCGX_Accept_r concurrently with no mutex, and SIGTERM/SIGINT
 * shut the listening socket down so lighttpd stops leave no orphan
 * (docs/webservers.md, section "Sharing the listening socket", and
 * docs/webservers.md, section "Signals and shutdown").
 *
 * Build: cc -O2 -pthread bench/null-fcgi.c -lfcgi
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcgiapp.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define JSON_TYPE "application/vnd.pypi.simple.v1+json"
#define MAX_THREADS 1024
#define MAX_PREFIXES 4

struct page {
    char *key;         /* URL path, e.g. "/simple/foo/" */
    size_t key_len;
    char *etag;        /* NULL when the page has none */
    char *resp200;     /* "Status: 200 OK\r\n" headers, blank line, body */
    int resp200_len;
    char *resp304;
    int resp304_len;
    struct page *alt;  /* JSON variant for -a, or NULL */
};

/* Immutable after start-up; shared by all threads without locks. */
static struct page **table;
static size_t table_mask;
static struct page *pages;
static size_t npages, pages_cap;
static const char *prefixes[MAX_PREFIXES];
static size_t prefix_lens[MAX_PREFIXES];
static int nprefixes;
static int accept_json;
static const char *xroot;
static const char *xaccel;
static int listen_fd;
static const char *load_dir;

static const char resp404[] = "Status: 404 Not Found\r\nContent-Type: text/plain\r\n"
                              "Content-Length: 10\r\n\r\nnot found\n";
static const char resp405[] = "Status: 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
                              "Content-Type: text/plain\r\nContent-Length: 19\r\n\r\nmethod not allowed\n";

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("malloc");
    return p;
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static struct page *lookup(const char *key, size_t len)
{
    for (size_t i = hash(key, len) & table_mask;; i = (i + 1) & table_mask) {
        struct page *p = table[i];
        if (!p)
            return NULL;
        if (p->key_len == len && memcmp(p->key, key, len) == 0)
            return p;
    }
}

/* Reads a whole file; returns a malloc'd buffer (NUL-terminated) or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *b = xmalloc(cap + 1);
    while ((r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap + 1);
            if (!b)
                die("realloc");
        }
    }
    if (ferror(f))
        die(path);
    fclose(f);
    b[n] = '\0';
    *len = n;
    return b;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int header_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

/* Composes the 200 and 304 responses of one page from its header file text. */
static void compose(struct page *pg, const char *hdr, const char *body, size_t body_len)
{
    size_t cap = strlen(hdr) * 2 + body_len + 256;
    char *r200 = xmalloc(cap), *r304 = xmalloc(cap);
    size_t n200 = 0, n304 = 0;
    int have_type = 0;

#define APPEND(buf, n, s, l) (memcpy((buf) + (n), (s), (l)), (n) += (l))
    APPEND(r200, n200, "Status: 200 OK\r\n", 16);
    APPEND(r304, n304, "Status: 304 Not Modified\r\n", 26);
    for (const char *line = hdr; *line;) {
        size_t len = strcspn(line, "\r\n");
        const char *next = line + len;
        next += strspn(next, "\r\n");
        if (len == 0 || header_is(line, len, "Content-Length")) {
            line = next;
            continue;
        }
        if (header_is(line, len, "ETag")) {
            const char *v = line + 5;
            while (*v == ' ' || *v == '\t')
                v++;
            pg->etag = strndup(v, (size_t)(line + len - v));
        }
        int is_type = header_is(line, len, "Content-Type");
        have_type |= is_type;
        APPEND(r200, n200, line, len);
        APPEND(r200, n200, "\r\n", 2);
        if (!is_type) {
            APPEND(r304, n304, line, len);
            APPEND(r304, n304, "\r\n", 2);
        }
        line = next;
    }
    if (!have_type)
        n200 += (size_t)sprintf(r200 + n200, "Content-Type: application/octet-stream\r\n");
    n200 += (size_t)sprintf(r200 + n200, "Content-Length: %zu\r\n\r\n", body_len);
    APPEND(r200, n200, body, body_len);
    APPEND(r304, n304, "\r\n", 2);
#undef APPEND
    if (n200 > INT32_MAX) {
        fprintf(stderr, "null-fcgi: %s: too large\n", pg->key);
        exit(1);
    }
    pg->resp200 = r200;
    pg->resp200_len = (int)n200;
    pg->resp304 = r304;
    pg->resp304_len = (int)n304;
}

static int load_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F || ends_with(path, ".hdr"))
        return 0;
    const char *rel = path + strlen(load_dir);
    while (*rel == '/')
        rel++;

    size_t body_len, hdr_len;
    char *body = slurp(path, &body_len);
    if (!body)
        die(path);
    char *hdr_path = xmalloc(strlen(path) + 5);
    sprintf(hdr_path, "%s.hdr", path);
    char *hdr = slurp(hdr_path, &hdr_len);
    free(hdr_path);

    if (npages == pages_cap) {
        pages_cap = pages_cap ? pages_cap * 2 : 1024;
        pages = realloc(pages, pages_cap * sizeof *pages);
        if (!pages)
            die("realloc");
    }
    struct page *pg = &pages[npages++];
    memset(pg, 0, sizeof *pg);
    size_t rl = strlen(rel);
    pg->key = xmalloc(rl + 2);
    if (strcmp(rel, "index.html") == 0 || ends_with(rel, "/index.html"))
        rl -= strlen("index.html"); /* keep the '/' before it */
    pg->key[0] = '/';
    memcpy(pg->key + 1, rel, rl);
    pg->key[rl + 1] = '\0';
    pg->key_len = rl + 1;
    compose(pg, hdr ? hdr : "", body, body_len);
    free(body);
    free(hdr);
    return 0;
}

static void build_table(void)
{
    size_t size = 16;
    while (size < npages * 2)
        size *= 2;
    table = calloc(size, sizeof *table);
    if (!table)
        die("calloc");
    table_mask = size - 1;
    for (size_t k = 0; k < npages; k++) {
        struct page *p = &pages[k];
        size_t i = hash(p->key, p->key_len) & table_mask;
        while (table[i])
            i = (i + 1) & table_mask;
        table[i] = p;
    }
    if (!accept_json)
        return;
    for (size_t k = 0; k < npages; k++) {
        struct page *p = &pages[k];
        size_t suffix = strlen("index.json");
        if (ends_with(p->key, "/index.json")) {
            struct page *html = lookup(p->key, p->key_len - suffix);
            if (html)
                html->alt = p;
        }
    }
}

static void free_pages(void)
{
    for (size_t k = 0; k < npages; k++) {
        free(pages[k].key);
        free(pages[k].etag);
        free(pages[k].resp200);
        free(pages[k].resp304);
    }
    free(pages);
    free(table);
}

static void handle(FCGX_Request *req)
{
    const char *uri = FCGX_GetParam("REQUEST_URI", req->envp);
    const char *method = FCGX_GetParam("REQUEST_METHOD", req->envp);
    if (!method || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)) {
        FCGX_PutStr(resp405, sizeof resp405 - 1, req->out);
        return;
    }
    if (!uri)
        uri = "";
    size_t len = strcspn(uri, "?");
    for (int i = 0; i < nprefixes; i++) {
        size_t pl = prefix_lens[i];
        if (pl && len >= pl && memcmp(uri, prefixes[i], pl) == 0) {
            uri += pl;
            len -= pl;
            break;
        }
    }
    struct page *p = lookup(uri, len);
    if (p) {
        if (p->alt) {
            const char *accept = FCGX_GetParam("HTTP_ACCEPT", req->envp);
            if (accept && strstr(accept, JSON_TYPE))
                p = p->alt;
        }
        if (p->etag) {
            const char *inm = FCGX_GetParam("HTTP_IF_NONE_MATCH", req->envp);
            if (inm && strstr(inm, p->etag)) {
                FCGX_PutStr(p->resp304, p->resp304_len, req->out);
                return;
            }
        }
        FCGX_PutStr(p->resp200, p->resp200_len, req->out);
        return;
    }
    if (xroot && len > 10 && memcmp(uri, "/packages/", 10) == 0) {
        /* lighttpd's x-sendfile-docroot confines the path. */
        FCGX_FPrintF(req->out, "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n"
                               "X-Sendfile: %s/%.*s\r\n\r\n", xroot, (int)(len - 10), uri + 10);
        return;
    }
    if (xaccel && len > 10 && memcmp(uri, "/packages/", 10) == 0) {
        /* nginx's internal location confines the path. */
        FCGX_FPrintF(req->out, "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n"
                               "X-Accel-Redirect: %s%.*s\r\n\r\n", xaccel, (int)(len - 10), uri + 10);
        return;
    }
    FCGX_PutStr(resp404, sizeof resp404 - 1, req->out);
}

static int bodiless_drained(FCGX_Request *req)
{
    if (FCGX_HasSeenEOF(req->in))
        return 1;
    const char *len = FCGX_GetParam("CONTENT_LENGTH", req->envp);
    const char *method = FCGX_GetParam("REQUEST_METHOD", req->envp);
    if ((len && *len && strcmp(len, "0") != 0) || !method || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
        return 0;
    char c;
    return FCGX_GetStr(&c, 1, req->in) == 0 && FCGX_HasSeenEOF(req->in);
}

static void *worker(void *arg)
{
    (void)arg;
    FCGX_Request req;
    if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
        return NULL;
    while (FCGX_Accept_r(&req) == 0) { /* docs/webservers.md, section "No accept mutex" */
        handle(&req);
        /* Closes as pypi-fcgi does (src/server.c, input_drained): once a
         * bodiless request's input is read to its end, a plain close
         * instead of libfcgi's lingering one. */
        if (bodiless_drained(&req))
            (void)FCGX_Detach(&req);
    }
    FCGX_Finish_r(&req);
    FCGX_Free(&req, 1);
    return NULL;
}

static void *sigthread(void *set)
{
    int sig;
    if (sigwait(set, &sig) == 0) {
        FCGX_ShutdownPending();
        shutdown(listen_fd, SHUT_RDWR); /* wakes the threads blocked in accept() */
    }
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: null-fcgi [-t THREADS] [-l SOCKET] [-p PREFIX]... [-a] [-x ROOT | -r URI] DIR\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int nthreads = 4, opt;
    const char *listen_path = NULL;
    static sigset_t set;

    while ((opt = getopt(argc, argv, "t:l:p:ax:r:")) != -1) {
        switch (opt) {
        case 't': nthreads = atoi(optarg); break;
        case 'l': listen_path = optarg; break;
        case 'p':
            if (nprefixes == MAX_PREFIXES)
                usage();
            prefixes[nprefixes] = optarg;
            prefix_lens[nprefixes++] = strlen(optarg);
            break;
        case 'a': accept_json = 1; break;
        case 'x': xroot = optarg; break;
        case 'r': xaccel = optarg; break;
        default: usage();
        }
    }
    if (optind != argc - 1 || nthreads < 1 || nthreads > MAX_THREADS || (xroot && xaccel))
        usage();
    load_dir = argv[optind];
    if (nftw(load_dir, load_one, 32, FTW_PHYS) != 0)
        die(load_dir);
    build_table();

    if (FCGX_Init() != 0) {
        fprintf(stderr, "null-fcgi: FCGX_Init failed\n");
        return 1;
    }
    if (listen_path)
        listen_fd = FCGX_OpenSocket(listen_path, 1024); /* exits on bind failure */

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread below */

    pthread_t st, th[MAX_THREADS];
    if (pthread_create(&st, NULL, sigthread, &set) != 0)
        die("pthread_create");
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, worker, NULL) != 0)
            die("pthread_create");
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    pthread_cancel(st); /* in case the workers stopped without a signal */
    pthread_join(st, NULL);
    free_pages();
    return 0;
}
