/* SPDX-License-Identifier: MIT */
/* test_upstream_http.c: unit tests for upstream_http.c against scripted HTTP servers on 127.0.0.1. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "digest.h"
#include "suites.h"
#include "testutil.h"
#include "upstream_http.h"

#define MAXREQ 8
#define FLOOD_BIG ((size_t)64 << 20)

/* One scripted answer. head: the status line and headers, each ending in
 * CRLF, without the blank line; NULL: never answer (wait for the stop).
 * The body is body, or when flood is not 0 that many pattern bytes; a
 * Content-Length is added unless no_length. Every answer closes the
 * connection. */
struct answer {
    const char *head;
    const char *body;
    size_t flood;
    bool no_length;
    bool trickle; /* the body: a byte every 100 ms until the client goes */
};

struct srv {
    int lfd, stop[2];
    unsigned port;
    pthread_t th;
    struct answer ans[MAXREQ]; /* the answer to request i; past the last one set, the last one again */
    int nans;
    /* What the server saw, read after srv_stop. */
    char req[MAXREQ][8192];
    int nreq;
    uint64_t sent;    /* body bytes of the last answer sent */
    bool send_failed; /* the client closed before the last answer was all sent */
};

static unsigned char pat_byte(size_t i) { return (unsigned char)((i * 2654435761u) >> 13 ^ i); }

static void fill_pattern(unsigned char *p, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pat_byte(off + i);
}

/* Waits until fd is readable or the stop pipe is; false on the stop. */
static bool wait_in(struct srv *s, int fd)
{
    struct pollfd p[2] = { { fd, POLLIN, 0 }, { s->stop[0], POLLIN, 0 } };
    while (poll(p, 2, -1) < 0)
        if (errno != EINTR)
            return false;
    return !(p[1].revents & POLLIN);
}

/* Sends all of p; false when the client went away. */
static bool send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w, n -= (size_t)w;
    }
    return true;
}

static void answer(struct srv *s, int fd, const struct answer *a)
{
    char head[UPHTTP_HEAD_MAX * 4];
    size_t blen = a->flood ? a->flood : a->body ? strlen(a->body) : 0;
    int n = snprintf(head, sizeof head, "%sConnection: close\r\n", a->head);
    if (!a->no_length)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", blen);
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    s->sent = 0;
    s->send_failed = !send_all(fd, head, (size_t)n);
    if (!a->flood) {
        if (!s->send_failed && blen)
            s->send_failed = !send_all(fd, a->body, blen);
        s->sent = s->send_failed ? 0 : blen;
        return;
    }
    if (a->trickle) {
        struct pollfd p = { s->stop[0], POLLIN, 0 };
        while (!s->send_failed && poll(&p, 1, 100) == 0)
            s->send_failed = !send_all(fd, "x", 1);
        return;
    }
    static unsigned char chunk[16384];
    for (size_t off = 0; off < a->flood && !s->send_failed; off += sizeof chunk) {
        size_t k = a->flood - off < sizeof chunk ? a->flood - off : sizeof chunk;
        fill_pattern(chunk, off, k);
        if (!send_all(fd, chunk, k))
            s->send_failed = true;
        else
            s->sent += k;
    }
}

/* One connection: reads one request head, answers it, closes. */
static void serve(struct srv *s, int fd)
{
    char req[8192];
    size_t len = 0;
    req[0] = '\0';
    while (!strstr(req, "\r\n\r\n") && len < sizeof req - 1) {
        if (!wait_in(s, fd))
            return;
        ssize_t r = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (r <= 0)
            return;
        len += (size_t)r;
        req[len] = '\0';
    }
    int i = s->nreq < MAXREQ ? s->nreq : MAXREQ - 1;
    memcpy(s->req[i], req, len + 1);
    const struct answer *a = &s->ans[i < s->nans ? i : s->nans - 1];
    s->nreq++;
    if (!a->head) {
        /* Never answer: hold the connection until the client gives up. */
        char c;
        while (wait_in(s, fd) && recv(fd, &c, 1, 0) > 0)
            ;
        return;
    }
    answer(s, fd, a);
}

static void *srv_main(void *arg)
{
    struct srv *s = arg;
    while (wait_in(s, s->lfd)) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        int small = 4096; /* so that a client stopping early shows as a failed send */
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        serve(s, fd);
        close(fd);
    }
    return NULL;
}

static int listen_loopback(unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(fd, 16), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Starts s (its answers already set) on a free loopback port. */
static void srv_start(struct srv *s)
{
    ck_assert_int_gt(s->nans, 0);
    s->lfd = listen_loopback(&s->port);
    ck_assert_int_eq(pipe(s->stop), 0);
    ck_assert_int_eq(pthread_create(&s->th, NULL, srv_main, s), 0);
}

static void srv_stop(struct srv *s)
{
    ck_assert_int_eq(write(s->stop[1], "x", 1), 1);
    pthread_join(s->th, NULL);
    close(s->lfd), close(s->stop[0]), close(s->stop[1]);
}

static struct srv *srv_new(void)
{
    struct srv *s = calloc(1, sizeof *s);
    ck_assert_ptr_nonnull(s);
    return s;
}

static void url_of(const struct srv *s, const char *path, char *out, size_t n)
{
    snprintf(out, n, "http://127.0.0.1:%u%s", s->port, path);
}

static const struct uphttp_opts quick = { .connect_timeout_ms = 5000, .read_timeout_s = 10 };

/* The tests reach 127.0.0.1 directly whatever proxy the environment names. */
static void setup(void)
{
    unsetenv("http_proxy"), unsetenv("https_proxy"), unsetenv("HTTPS_PROXY"), unsetenv("all_proxy"),
        unsetenv("ALL_PROXY");
    buf_t err;
    buf_init(&err, 1024);
    ck_assert_int_eq(uphttp_global_init(&err), PF_EOK);
    buf_free(&err);
}

static void teardown(void) { uphttp_global_cleanup(); }

/* A directory for the files a test writes, made and removed by the runner
 * (not the forked test), so that it goes also when a test fails. */
static char test_dir[4096];

static void dir_setup(void)
{
    char *d = tu_mkdtemp();
    snprintf(test_dir, sizeof test_dir, "%s", d);
    free(d);
}

static void dir_teardown(void) { tu_rmrf(test_dir); }

/* Fetches path from s as a page with the validators given. */
static enum pf_err page(struct srv *s, const char *path, const char *etag, const char *lm, size_t cap,
                        struct uphttp_page *out, buf_t *err)
{
    char url[256];
    url_of(s, path, url, sizeof url);
    buf_init(err, 4096);
    return uphttp_page(&quick, url, etag, lm, cap, out, err);
}

START_TEST(test_page_200)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nLast-Modified: Sat, 05 Dec 2026 10:00:00 GMT\r\n"
                                 "Content-Type: application/vnd.pypi.simple.v1+json\r\n",
                                 .body = "{\"files\": []}" };
    s->nans = 1;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/foo/", NULL, "", 1024, &p, &err), PF_EOK);
    srv_stop(s);
    ck_assert_int_eq(p.kind, UPHTTP_OK);
    ck_assert_int_eq(p.status, 200);
    ck_assert_str_eq(p.body.p, "{\"files\": []}");
    ck_assert_str_eq(p.head.etag, "\"v1\"");
    ck_assert_str_eq(p.head.last_modified, "Sat, 05 Dec 2026 10:00:00 GMT");
    ck_assert_str_eq(p.head.content_type, "application/vnd.pypi.simple.v1+json");
    char url[256];
    url_of(s, "/simple/foo/", url, sizeof url);
    ck_assert_str_eq(p.final_url, url);
    ck_assert_int_eq(s->nreq, 1);
    ck_assert(strncmp(s->req[0], "GET /simple/foo/ HTTP/1.1\r\n", 27) == 0);
    ck_assert_ptr_nonnull(strstr(s->req[0], "\r\nAccept: application/vnd.pypi.simple.v1+json, "
                                            "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01\r\n"));
    ck_assert_ptr_nonnull(strstr(s->req[0], "\r\nUser-Agent: pypi-fcgi/"));
    ck_assert_ptr_nonnull(strstr(s->req[0], " (+upstream cache)\r\n"));
    ck_assert_ptr_null(strcasestr(s->req[0], "If-None-Match"));
    ck_assert_ptr_null(strcasestr(s->req[0], "If-Modified-Since"));
    ck_assert_ptr_null(strcasestr(s->req[0], "Authorization"));
    uphttp_page_free(&p);
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

START_TEST(test_page_304)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n", .no_length = true };
    s->nans = 1;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/foo/", "\"v1\"", "Sat, 05 Dec 2026 10:00:00 GMT", 1024, &p, &err), PF_EOK);
    srv_stop(s);
    ck_assert_int_eq(p.kind, UPHTTP_OK);
    ck_assert_int_eq(p.status, 304);
    ck_assert_uint_eq(p.body.len, 0);
    ck_assert_str_eq(p.head.etag, "\"v1\"");
    ck_assert_ptr_nonnull(strstr(s->req[0], "\r\nIf-None-Match: \"v1\"\r\n"));
    ck_assert_ptr_nonnull(strstr(s->req[0], "\r\nIf-Modified-Since: Sat, 05 Dec 2026 10:00:00 GMT\r\n"));
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* A 304 to a request that asked nothing conditional cannot be used. */
START_TEST(test_page_304_unasked)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 304 Not Modified\r\n", .no_length = true };
    s->nans = 1;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/foo/", NULL, NULL, 1024, &p, &err), PF_EUNAVAIL);
    srv_stop(s);
    ck_assert_int_eq(p.kind, UPHTTP_BAD);
    ck_assert_ptr_nonnull(strstr(err.p, "status 304"));
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

static const struct {
    const char *head;
    enum pf_err err;
    enum uphttp_kind kind;
    const char *msg;
} statuses[] = {
    { "HTTP/1.1 404 Not Found\r\n", PF_ENOTFOUND, UPHTTP_NO, "status 404" },
    { "HTTP/1.1 410 Gone\r\n", PF_ENOTFOUND, UPHTTP_NO, "status 410" },
    { "HTTP/1.1 403 Forbidden\r\n", PF_EFORBIDDEN, UPHTTP_NO, "status 403" },
    { "HTTP/1.1 401 Unauthorized\r\n", PF_EFORBIDDEN, UPHTTP_NO, "status 401" },
    { "HTTP/1.1 500 Internal Server Error\r\n", PF_EUNAVAIL, UPHTTP_UNREACHABLE, "unreachable: it answered with status 500" },
    { "HTTP/1.1 503 Service Unavailable\r\n", PF_EUNAVAIL, UPHTTP_UNREACHABLE, "unreachable" },
    { "HTTP/1.1 429 Too Many Requests\r\n", PF_EUNAVAIL, UPHTTP_UNREACHABLE, "unreachable" },
    { "HTTP/1.1 206 Partial Content\r\n", PF_EUNAVAIL, UPHTTP_BAD, "status 206" },
    { "HTTP/1.1 418 I'm a teapot\r\n", PF_EUNAVAIL, UPHTTP_BAD, "status 418" },
};

/* Each status maps to its kind and error; the body of such an answer is
 * not the page's, and the message names the URL. */
START_TEST(test_page_status)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = statuses[_i].head, .body = "<html>an error page</html>" };
    s->nans = 1;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/foo/?q=secret", NULL, NULL, 1024, &p, &err), statuses[_i].err);
    srv_stop(s);
    ck_assert_int_eq(p.kind, statuses[_i].kind);
    ck_assert_uint_eq(p.body.len, 0);
    ck_assert_msg(strstr(err.p, statuses[_i].msg), "%s", err.p);
    char url[256];
    url_of(s, "/simple/foo/", url, sizeof url);
    ck_assert_msg(strstr(err.p, url) && !strstr(err.p, "secret"), "%s", err.p);
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* A 301 to a relative Location is followed; the final URL is where it led. */
START_TEST(test_page_redirect_relative)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 301 Moved Permanently\r\nLocation: ../bar/\r\n", .body = "moved" };
    s->ans[1] = (struct answer){ .head = "HTTP/1.1 200 OK\r\nETag: \"b\"\r\n", .body = "bar's page" };
    s->nans = 2;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/Foo/", "\"old\"", NULL, 1024, &p, &err), PF_EOK);
    srv_stop(s);
    ck_assert_int_eq(s->nreq, 2);
    ck_assert(strncmp(s->req[1], "GET /simple/bar/ HTTP/1.1\r\n", 27) == 0);
    ck_assert_str_eq(p.body.p, "bar's page");
    ck_assert_str_eq(p.head.etag, "\"b\"");
    char url[256];
    url_of(s, "/simple/bar/", url, sizeof url);
    ck_assert_str_eq(p.final_url, url);
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

static const char *const refused_locations[] = {
    "file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x", "http://user:pw@127.0.0.1/x",
};

/* A redirect to anything but http or https, or holding credentials, is
 * refused: nothing more is fetched. */
START_TEST(test_page_redirect_refused)
{
    struct srv *s = srv_new();
    char head[256];
    snprintf(head, sizeof head, "HTTP/1.1 302 Found\r\nLocation: %s\r\n", refused_locations[_i]);
    s->ans[0] = (struct answer){ .head = head, .body = "" };
    s->ans[1] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .body = "must not be fetched" };
    s->nans = 2;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/foo/", NULL, NULL, 1024, &p, &err), PF_EUNAVAIL);
    srv_stop(s);
    ck_assert_int_eq(p.kind, UPHTTP_BAD);
    ck_assert_int_eq(s->nreq, 1);
    ck_assert_msg(strstr(err.p, "redirect") && strstr(err.p, "refused"), "%s", err.p);
    ck_assert_uint_eq(p.body.len, 0);
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

START_TEST(test_page_redirect_loop)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\n", .body = "" };
    s->nans = 1;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/foo/", NULL, NULL, 1024, &p, &err), PF_EUNAVAIL);
    srv_stop(s);
    ck_assert_int_eq(p.kind, UPHTTP_BAD);
    ck_assert_int_eq(s->nreq, UPHTTP_MAX_REDIRECTS + 1);
    ck_assert_msg(strstr(err.p, "more than 5 redirects"), "%s", err.p);
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* A body over the cap stops the transfer: with a Content-Length before the
 * body, without one (_i == 1) in the middle of it. Either way the server
 * could not send it all. */
START_TEST(test_page_over_cap)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .flood = FLOOD_BIG, .no_length = _i == 1 };
    s->nans = 1;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/big/", NULL, NULL, 65536, &p, &err), PF_ETOOBIG);
    srv_stop(s);
    ck_assert_int_eq(p.kind, UPHTTP_TOOBIG);
    ck_assert_uint_eq(p.body.len, 0);
    ck_assert(s->send_failed);
    ck_assert_uint_lt(s->sent, FLOOD_BIG);
    ck_assert_msg(strstr(err.p, "larger than 65536 bytes"), "%s", err.p);
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* A body of exactly the cap is taken. */
START_TEST(test_page_at_cap)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .flood = 65536, .no_length = _i == 1 };
    s->nans = 1;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/big/", NULL, NULL, 65536, &p, &err), PF_EOK);
    srv_stop(s);
    ck_assert_uint_eq(p.body.len, 65536);
    for (size_t i = 0; i < 65536; i++)
        ck_assert_uint_eq((unsigned char)p.body.p[i], pat_byte(i));
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* A server that takes the request and never answers: a read timeout. */
START_TEST(test_page_read_timeout)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = NULL };
    s->nans = 1;
    srv_start(s);
    struct uphttp_opts o = { .connect_timeout_ms = 5000, .read_timeout_s = 1 };
    char url[256];
    url_of(s, "/simple/slow/", url, sizeof url);
    struct uphttp_page p;
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_int_eq(uphttp_page(&o, url, NULL, NULL, 1024, &p, &err), PF_EUNAVAIL);
    ck_assert_int_eq(p.kind, UPHTTP_TIMEOUT);
    ck_assert_int_eq(p.status, 0);
    ck_assert_msg(strstr(err.p, "timed out") && strstr(err.p, url), "%s", err.p);
    srv_stop(s);
    ck_assert_int_eq(s->nreq, 1);
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* A body that trickles in, a byte now and then, forever: the total
 * timeout ends it. */
START_TEST(test_page_total_timeout)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .flood = 1000000, .trickle = true };
    s->nans = 1;
    srv_start(s);
    struct uphttp_opts o = { .connect_timeout_ms = 5000, .read_timeout_s = 60, .total_timeout_s = 1 };
    char url[256];
    url_of(s, "/simple/slow/", url, sizeof url);
    struct uphttp_page p;
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_int_eq(uphttp_page(&o, url, NULL, NULL, 1 << 20, &p, &err), PF_EUNAVAIL);
    srv_stop(s);
    ck_assert_int_eq(p.kind, UPHTTP_TIMEOUT);
    ck_assert_int_eq(p.status, 200);
    ck_assert_uint_eq(p.body.len, 0);
    ck_assert_msg(strstr(err.p, "timed out"), "%s", err.p);
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* A closed port: unreachable, saying why. */
START_TEST(test_page_refused)
{
    unsigned port;
    int fd = listen_loopback(&port);
    close(fd);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/simple/foo/", port);
    struct uphttp_page p;
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_int_eq(uphttp_page(&quick, url, NULL, NULL, 1024, &p, &err), PF_EUNAVAIL);
    ck_assert_int_eq(p.kind, UPHTTP_UNREACHABLE);
    ck_assert_ptr_null(p.final_url);
    char want[300];
    snprintf(want, sizeof want, "upstream %s unreachable: Connection refused", url);
    ck_assert_msg(strncmp(err.p, want, strlen(want)) == 0, "%s", err.p);
    uphttp_page_free(&p);
    buf_free(&err);
}
END_TEST

static const char *const bad_heads[] = {
    "HTTP/1.1 200 OK\r\nETag: \"a\x01z\"\r\n",
    "HTTP/1.1 200 OK\r\nETag: \"a\tz\"\r\n",
    "HTTP/1.1 200 OK\r\nLast-Modified: Sat, 05 Dec 2026\x7f 10:00:00 GMT\r\n",
    "HTTP/1.1 200 OK\r\ncontent-type: text/html\x1b[31m\r\n",
    "HTTP/1.1 200 OK\r\nETag: \"a\rz\"\r\n",
};

/* A kept header holding a control byte: the answer is refused. */
START_TEST(test_page_control_bytes)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = bad_heads[_i], .body = "body" };
    s->nans = 1;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    enum pf_err e = page(s, "/simple/foo/", NULL, NULL, 1024, &p, &err);
    srv_stop(s);
    ck_assert_int_eq(e, PF_EUNAVAIL);
    ck_assert_int_eq(p.kind, UPHTTP_BAD);
    ck_assert_msg(strstr(err.p, "control byte") || strstr(err.p, "cannot be used"), "%s", err.p);
    ck_assert_uint_eq(p.body.len, 0);
    ck_assert_str_eq(p.head.etag, "");
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* Huge headers: many lines passing UPHTTP_HEAD_MAX, one kept value over
 * UPHTTP_VALUE_MAX, one line over libcurl's own limit. */
START_TEST(test_page_huge_headers)
{
    static char head[UPHTTP_HEAD_MAX * 3];
    int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n");
    if (_i == 0) {
        for (int i = 0; i < 1000; i++)
            n += snprintf(head + n, sizeof head - (size_t)n, "X-Filler-%d: %0100d\r\n", i, 0);
    } else if (_i == 1) {
        n += snprintf(head + n, sizeof head - (size_t)n, "ETag: \"%0*d\"\r\n", UPHTTP_VALUE_MAX, 0);
    } else {
        n += snprintf(head + n, sizeof head - (size_t)n, "X-Long: %0*d\r\n", 150000, 0);
    }
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = head, .body = "body" };
    s->nans = 1;
    srv_start(s);
    struct uphttp_page p;
    buf_t err;
    ck_assert_int_eq(page(s, "/simple/foo/", NULL, NULL, 1024, &p, &err), PF_EUNAVAIL);
    srv_stop(s);
    ck_assert_int_eq(p.kind, UPHTTP_BAD);
    ck_assert_uint_eq(p.body.len, 0);
    if (_i == 0)
        ck_assert_msg(strstr(err.p, "headers are longer than 65536 bytes"), "%s", err.p);
    if (_i == 1)
        ck_assert_msg(strstr(err.p, "ETag header is longer than 1024 bytes"), "%s", err.p);
    if (_i == 2)
        ck_assert_msg(strstr(err.p, "cannot be used"), "%s", err.p);
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* What this side refuses to send: no request is made. */
START_TEST(test_page_local_refusals)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .body = "x" };
    s->nans = 1;
    srv_start(s);
    char url[256], cred[256];
    url_of(s, "/simple/foo/", url, sizeof url);
    snprintf(cred, sizeof cred, "http://alice:secret@127.0.0.1:%u/simple/foo/", s->port);
    struct uphttp_page p;
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_int_eq(uphttp_page(&quick, url, "\"a\"\r\nX-Evil: 1", NULL, 1024, &p, &err), PF_EINVAL);
    uphttp_page_free(&p);
    ck_assert_int_eq(uphttp_page(&quick, url, NULL, "Sat\n", 1024, &p, &err), PF_EINVAL);
    uphttp_page_free(&p);
    ck_assert_int_eq(uphttp_page(&quick, cred, NULL, NULL, 1024, &p, &err), PF_EINVAL);
    ck_assert_int_eq(p.kind, UPHTTP_LOCAL);
    ck_assert_msg(strstr(err.p, "netrc") && !strstr(err.p, "secret"), "%s", err.p);
    uphttp_page_free(&p);
    ck_assert_int_eq(uphttp_page(&quick, "file:///etc/passwd", NULL, NULL, 1024, &p, &err), PF_EINVAL);
    ck_assert_msg(strstr(err.p, "not an http or https URL"), "%s", err.p);
    uphttp_page_free(&p);
    ck_assert_int_eq(uphttp_page(&quick, "/simple/foo/", NULL, NULL, 1024, &p, &err), PF_EINVAL);
    uphttp_page_free(&p);
    srv_stop(s);
    ck_assert_int_eq(s->nreq, 0);
    buf_free(&err);
    free(s);
}
END_TEST

/* Credentials from the netrc file go to the upstream's own origin, and not
 * to another one a redirect leads to (here another port of the same host,
 * which netrc itself cannot tell apart). */
START_TEST(test_netrc_same_origin_only)
{
    char netrc[4200];
    snprintf(netrc, sizeof netrc, "%s/netrc", test_dir);
    static const char text[] = "machine 127.0.0.1 login alice password secret\n";
    tu_write_file(netrc, text, sizeof text - 1);
    struct srv *other = srv_new();
    other->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .body = "other's page" };
    other->nans = 1;
    srv_start(other);
    char loc[300];
    snprintf(loc, sizeof loc, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%u/elsewhere\r\n", other->port);
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 301 Moved\r\nLocation: /simple/bar/\r\n", .body = "" };
    s->ans[1] = (struct answer){ .head = loc, .body = "" };
    s->nans = 2;
    srv_start(s);
    struct uphttp_opts o = quick;
    o.netrc_file = netrc;
    char url[256];
    url_of(s, "/simple/foo/", url, sizeof url);
    struct uphttp_page p;
    buf_t err;
    buf_init(&err, 4096);
    enum pf_err e = uphttp_page(&o, url, NULL, NULL, 1024, &p, &err);
    srv_stop(s);
    srv_stop(other);
    ck_assert_msg(e == PF_EOK, "%s", err.p);
    ck_assert_str_eq(p.body.p, "other's page");
    ck_assert_int_eq(s->nreq, 2);
    ck_assert_int_eq(other->nreq, 1);
    /* alice:secret in base64 */
    ck_assert_ptr_nonnull(strstr(s->req[0], "\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n"));
    ck_assert_ptr_nonnull(strstr(s->req[1], "\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n"));
    ck_assert_ptr_null(strcasestr(other->req[0], "Authorization"));
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
    free(other);
}
END_TEST

/* A netrc file that is missing, or names no login for the host: the
 * request goes without credentials. */
START_TEST(test_netrc_no_entry)
{
    char netrc[4200];
    snprintf(netrc, sizeof netrc, "%s/netrc-%d", test_dir, _i);
    if (_i == 1) {
        static const char text[] = "machine pypi.example login bob password hunter2\n";
        tu_write_file(netrc, text, sizeof text - 1);
    }
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .body = "page" };
    s->nans = 1;
    srv_start(s);
    struct uphttp_opts o = quick;
    o.netrc_file = netrc;
    char url[256];
    url_of(s, "/simple/foo/", url, sizeof url);
    struct uphttp_page p;
    buf_t err;
    buf_init(&err, 4096);
    enum pf_err e = uphttp_page(&o, url, NULL, NULL, 1024, &p, &err);
    srv_stop(s);
    ck_assert_msg(e == PF_EOK, "%s", err.p ? err.p : "");
    ck_assert_int_eq(s->nreq, 1);
    ck_assert_ptr_null(strcasestr(s->req[0], "Authorization"));
    uphttp_page_free(&p);
    buf_free(&err);
    free(s);
}
END_TEST

/* A sink that keeps what it is given, and may stop after stop_after bytes. */
struct collect {
    buf_t b;
    size_t calls;
    size_t stop_after;
};

static bool collect(void *ctx, const void *p, size_t n)
{
    struct collect *c = ctx;
    c->calls++;
    if (buf_append(&c->b, p, n) != PF_EOK)
        return false;
    return !c->stop_after || c->b.len < c->stop_after;
}

static enum pf_err file(struct srv *s, uint64_t cap, struct collect *c, struct uphttp_file *out, buf_t *err)
{
    char url[256];
    url_of(s, "/packages/foo-1.0.tar.gz", url, sizeof url);
    buf_init(err, 4096);
    buf_init(&c->b, (size_t)1 << 30);
    return uphttp_file(&quick, url, cap, collect, c, out, err);
}

/* The sink gets every byte in order (in many pieces), the SHA-256 and size
 * are those of the body; with and without a Content-Length, and a body of
 * exactly the cap. */
START_TEST(test_file_stream)
{
    static const size_t sizes[] = { 3 * 1024 * 1024 + 1, 0, 1, 100000 };
    size_t n = sizes[_i % 4];
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n",
                                 .body = "", .flood = n, .no_length = _i >= 4 };
    s->nans = 1;
    srv_start(s);
    struct collect c = { 0 };
    struct uphttp_file f;
    buf_t err;
    ck_assert_int_eq(file(s, _i % 2 ? n : 1 << 30, &c, &f, &err), PF_EOK);
    srv_stop(s);
    ck_assert_int_eq(f.kind, UPHTTP_OK);
    ck_assert_int_eq(f.status, 200);
    ck_assert_uint_eq(f.size, n);
    ck_assert_uint_eq(c.b.len, n);
    unsigned char *want = malloc(n + 1);
    fill_pattern(want, 0, n);
    ck_assert(memcmp(c.b.p ? c.b.p : "", want, n) == 0);
    if (n > 1000000)
        ck_assert_uint_gt(c.calls, 1);
    char hex[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(want, n, hex);
    ck_assert_str_eq(f.sha256, hex);
    free(want);
    buf_free(&c.b);
    buf_free(&err);
    free(s);
}
END_TEST

/* A host other than the upstream's must have a public address: a file
 * URL on loopback is refused before a byte is sent, unless loopback is
 * the upstream's own host. */
START_TEST(test_file_private_host)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .body = "secret" };
    s->ans[1] = s->ans[0];
    s->nans = 2;
    srv_start(s);
    char url[256], home[256];
    url_of(s, "/packages/foo-1.0.tar.gz", url, sizeof url);
    struct uphttp_opts o = quick;
    o.home_url = "https://index.example/simple/";
    struct collect c = { 0 };
    struct uphttp_file f;
    buf_t err;
    buf_init(&err, 4096);
    buf_init(&c.b, 1 << 20);
    ck_assert_int_ne(uphttp_file(&o, url, 1 << 20, collect, &c, &f, &err), PF_EOK);
    ck_assert_int_eq(f.kind, UPHTTP_BAD);
    ck_assert_uint_eq(c.b.len, 0);
    ck_assert_msg(strstr(err.p, "private") != NULL, "%s", err.p);
    url_of(s, "/simple/", home, sizeof home);
    o.home_url = home;
    buf_reset(&err);
    ck_assert_int_eq(uphttp_file(&o, url, 1 << 20, collect, &c, &f, &err), PF_EOK);
    ck_assert_uint_eq(c.b.len, 6);
    srv_stop(s);
    buf_free(&c.b);
    buf_free(&err);
    free(s);
}
END_TEST

/* The sink stops the download: the transfer ends there. */
START_TEST(test_file_sink_abort)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .flood = FLOOD_BIG, .no_length = _i == 1 };
    s->nans = 1;
    srv_start(s);
    struct collect c = { .stop_after = 100000 };
    struct uphttp_file f;
    buf_t err;
    ck_assert_int_eq(file(s, FLOOD_BIG, &c, &f, &err), PF_EIO);
    srv_stop(s);
    ck_assert_int_eq(f.kind, UPHTTP_ABORTED);
    ck_assert_str_eq(f.sha256, "");
    ck_assert_uint_ge(c.b.len, 100000);
    ck_assert_uint_lt(c.b.len, FLOOD_BIG);
    ck_assert_uint_eq(f.size, c.b.len);
    ck_assert(s->send_failed);
    ck_assert_uint_lt(s->sent, FLOOD_BIG);
    ck_assert_msg(strstr(err.p, "stopped"), "%s", err.p);
    buf_free(&c.b);
    buf_free(&err);
    free(s);
}
END_TEST

/* A file larger than the cap: with a Content-Length the sink gets nothing,
 * without one at most the cap. */
START_TEST(test_file_over_cap)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 200 OK\r\n", .flood = FLOOD_BIG, .no_length = _i == 1 };
    s->nans = 1;
    srv_start(s);
    struct collect c = { 0 };
    struct uphttp_file f;
    buf_t err;
    ck_assert_int_eq(file(s, 200000, &c, &f, &err), PF_ETOOBIG);
    srv_stop(s);
    ck_assert_int_eq(f.kind, UPHTTP_TOOBIG);
    ck_assert_str_eq(f.sha256, "");
    if (_i == 0)
        ck_assert_uint_eq(c.b.len, 0);
    ck_assert_uint_le(c.b.len, 200000);
    ck_assert(s->send_failed);
    buf_free(&c.b);
    buf_free(&err);
    free(s);
}
END_TEST

/* A 404's body, and a redirect's, never reach the sink. */
START_TEST(test_file_not_found)
{
    struct srv *s = srv_new();
    s->ans[0] = (struct answer){ .head = "HTTP/1.1 302 Found\r\nLocation: /gone\r\n", .body = "redirect body" };
    s->ans[1] = (struct answer){ .head = "HTTP/1.1 404 Not Found\r\n", .body = "no such file" };
    s->nans = 2;
    srv_start(s);
    struct collect c = { 0 };
    struct uphttp_file f;
    buf_t err;
    ck_assert_int_eq(file(s, 1 << 20, &c, &f, &err), PF_ENOTFOUND);
    srv_stop(s);
    ck_assert_int_eq(f.kind, UPHTTP_NO);
    ck_assert_int_eq(f.status, 404);
    ck_assert_uint_eq(c.b.len, 0);
    ck_assert_uint_eq(c.calls, 0);
    ck_assert_int_eq(s->nreq, 2);
    buf_free(&c.b);
    buf_free(&err);
    free(s);
}
END_TEST

START_TEST(test_head_line)
{
    struct uphttp_head h;
    buf_t why;
    buf_init(&why, 1024);
    uphttp_head_reset(&h);
#define LINE(s) uphttp_head_line(&h, s, sizeof(s) - 1, &why)
    ck_assert_int_eq(LINE("HTTP/1.1 200 OK\r\n"), PF_EOK);
    ck_assert_int_eq(LINE("eTaG:   W/\"x y\"  \r\n"), PF_EOK);
    ck_assert_str_eq(h.etag, "W/\"x y\"");
    ck_assert_int_eq(LINE("Content-Type: text/html; charset=\xc3\xa9\n"), PF_EOK);
    ck_assert_str_eq(h.content_type, "text/html; charset=\xc3\xa9");
    ck_assert_int_eq(LINE("Last-Modified:"), PF_EOK);
    ck_assert_str_eq(h.last_modified, "");
    ck_assert_int_eq(LINE("ETag: \"second\""), PF_EOK);
    ck_assert_str_eq(h.etag, "\"second\"");
    ck_assert_int_eq(LINE("X-Other: \x01\x02\x7f"), PF_EOK);
    ck_assert_int_eq(LINE("no colon at all \x01"), PF_EOK);
    ck_assert_int_eq(LINE("\r\n"), PF_EOK);
    ck_assert_int_eq(LINE("ETag: a\x00z"), PF_EINVAL);
    ck_assert_str_eq(h.etag, "\"second\"");
    /* A new answer starts afresh. */
    ck_assert_int_eq(LINE("HTTP/2 200\r\n"), PF_EOK);
    ck_assert_str_eq(h.etag, "");
    ck_assert_str_eq(h.content_type, "");
    /* The value cap, at its edge. */
    char line[UPHTTP_VALUE_MAX + 32];
    int n = snprintf(line, sizeof line, "ETag: %0*d\r\n", UPHTTP_VALUE_MAX, 0);
    ck_assert_int_eq(uphttp_head_line(&h, line, (size_t)n, &why), PF_EOK);
    ck_assert_uint_eq(strlen(h.etag), UPHTTP_VALUE_MAX);
    n = snprintf(line, sizeof line, "ETag: %0*d\r\n", UPHTTP_VALUE_MAX + 1, 0);
    ck_assert_int_eq(uphttp_head_line(&h, line, (size_t)n, &why), PF_EINVAL);
    /* The total cap, at its edge, counted per answer. */
    uphttp_head_reset(&h);
    static char big[UPHTTP_HEAD_MAX];
    memset(big, 'a', sizeof big);
    ck_assert_int_eq(uphttp_head_line(&h, big, sizeof big - 1, &why), PF_EOK);
    ck_assert_int_eq(uphttp_head_line(&h, "b", 1, &why), PF_EOK);
    ck_assert_int_eq(uphttp_head_line(&h, "c", 1, &why), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(why.p, "headers are longer"));
    ck_assert_int_eq(LINE("HTTP/1.1 200 OK\r\n"), PF_EOK);
    ck_assert_int_eq(LINE("ETag: \"ok\"\r\n"), PF_EOK);
#undef LINE
    ck_assert_str_eq(uphttp_kind_name(UPHTTP_TIMEOUT), "timed out");
    ck_assert_str_eq(uphttp_kind_name((enum uphttp_kind)99), "?");
    buf_free(&why);
}
END_TEST

/* TLS: a CA and a server certificate for 127.0.0.1 made with openssl in
 * test_dir; a python3 server answers over TLS. */
static void tls_setup(void)
{
    dir_setup();
    char ext[4200];
    snprintf(ext, sizeof ext, "%s/ext.cnf", test_dir);
    static const char e[] = "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n";
    tu_write_file(ext, e, sizeof e - 1);
    int rc = tu_sh("cd '%s' && { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                   "-keyout ca.key -out ca.pem -days 2 -subj /CN=pypi-fcgi-test-ca "
                   "&& openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                   "-keyout srv.key -out srv.csr -subj /CN=127.0.0.1 "
                   "&& openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
                   "-extfile ext.cnf -out srv.pem; } >openssl.log 2>&1",
                   test_dir);
    if (rc != 0) {
        fprintf(stderr, "test_upstream_http: openssl could not make the certificates (see %s/openssl.log)\n", test_dir);
        abort();
    }
}

/* Serves "/" with 200 "tls ok" and anything else with a redirect to plain
 * http, one connection at a time, until killed. */
static const char tls_server_py[] =
    "import signal, socket, ssl, sys\n"
    "signal.alarm(300)\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "ctx.load_cert_chain(sys.argv[1], sys.argv[2])\n"
    "s = socket.socket()\n"
    "s.bind(('127.0.0.1', 0))\n"
    "s.listen(8)\n"
    "print(s.getsockname()[1], flush=True)\n"
    "while True:\n"
    "    c, _ = s.accept()\n"
    "    try:\n"
    "        t = ctx.wrap_socket(c, server_side=True)\n"
    "        req = b''\n"
    "        while b'\\r\\n\\r\\n' not in req:\n"
    "            d = t.recv(4096)\n"
    "            if not d:\n"
    "                break\n"
    "            req += d\n"
    "        if req.startswith(b'GET / '):\n"
    "            t.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\nConnection: close\\r\\n\\r\\ntls ok')\n"
    "        else:\n"
    "            t.sendall(b'HTTP/1.1 302 Found\\r\\nLocation: http://127.0.0.1:1/plain\\r\\n'\n"
    "                      b'Content-Length: 0\\r\\nConnection: close\\r\\n\\r\\n')\n"
    "        t.close()\n"
    "    except (OSError, ssl.SSLError):\n"
    "        c.close()\n";

/* Starts the TLS server; returns its PID and writes its port. It dies with
 * this process (PR_SET_PDEATHSIG) should the test fail before tls_stop. */
static pid_t tls_start(unsigned *port)
{
    char script[4200], cert[4200], key[4200];
    snprintf(script, sizeof script, "%s/server.py", test_dir);
    snprintf(cert, sizeof cert, "%s/srv.pem", test_dir);
    snprintf(key, sizeof key, "%s/srv.key", test_dir);
    tu_write_file(script, tls_server_py, sizeof tls_server_py - 1);
    const char *const args[] = { cert, key, NULL };
    return tu_python_start(script, args, port);
}

static void tls_stop(pid_t pid)
{
    tu_python_stop(pid);
}

static const struct {
    bool with_ca;
    const char *host, *path;
    enum pf_err err;
    enum uphttp_kind kind;
    const char *msg;
} tls_cases[] = {
    { false, "127.0.0.1", "/", PF_EUNAVAIL, UPHTTP_TLS, "certificate" },
    { true, "127.0.0.1", "/", PF_EOK, UPHTTP_OK, "" },
    { true, "localhost", "/", PF_EUNAVAIL, UPHTTP_TLS, "certificate" },
    { true, "127.0.0.1", "/down", PF_EUNAVAIL, UPHTTP_BAD, "from https to http refused" },
};

/* Without the CA the server is refused, naming the certificate; with it
 * the page comes; a host name the certificate does not name is refused; a
 * redirect down to http is refused. */
START_TEST(test_tls)
{
    unsigned port;
    pid_t pid = tls_start(&port);
    char url[256], ca[4200];
    snprintf(url, sizeof url, "https://%s:%u%s", tls_cases[_i].host, port, tls_cases[_i].path);
    snprintf(ca, sizeof ca, "%s/ca.pem", test_dir);
    struct uphttp_opts o = quick;
    o.ca_file = tls_cases[_i].with_ca ? ca : NULL;
    struct uphttp_page p;
    buf_t err;
    buf_init(&err, 4096);
    enum pf_err e = uphttp_page(&o, url, NULL, NULL, 1024, &p, &err);
    tls_stop(pid);
    ck_assert_msg(e == tls_cases[_i].err, "%s", err.p ? err.p : "");
    ck_assert_int_eq(p.kind, tls_cases[_i].kind);
    if (e == PF_EOK)
        ck_assert_str_eq(p.body.p, "tls ok");
    else
        ck_assert_msg(strstr(err.p, tls_cases[_i].msg) && strstr(err.p, "upstream https://"), "%s", err.p);
    uphttp_page_free(&p);
    buf_free(&err);
}
END_TEST

/* A CA file that cannot be read: TLS fails, saying so. */
START_TEST(test_tls_bad_ca_file)
{
    char ca[4200];
    snprintf(ca, sizeof ca, "%s/missing.pem", test_dir);
    struct uphttp_opts o = quick;
    o.ca_file = ca;
    struct uphttp_page p;
    buf_t err;
    buf_init(&err, 4096);
    unsigned port;
    pid_t pid = tls_start(&port);
    char url[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/", port);
    enum pf_err e = uphttp_page(&o, url, NULL, NULL, 1024, &p, &err);
    tls_stop(pid);
    ck_assert_int_eq(e, PF_EUNAVAIL);
    ck_assert_int_eq(p.kind, UPHTTP_TLS);
    ck_assert_msg(strstr(err.p, "TLS failed"), "%s", err.p);
    uphttp_page_free(&p);
    buf_free(&err);
}
END_TEST

Suite *suite_upstream_http(void)
{
    Suite *s = suite_create("upstream_http");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_page_200);
    tcase_add_test(tc, test_page_304);
    tcase_add_test(tc, test_page_304_unasked);
    tcase_add_loop_test(tc, test_page_status, 0, sizeof statuses / sizeof statuses[0]);
    tcase_add_test(tc, test_page_redirect_relative);
    tcase_add_loop_test(tc, test_page_redirect_refused, 0, sizeof refused_locations / sizeof refused_locations[0]);
    tcase_add_test(tc, test_page_redirect_loop);
    tcase_add_loop_test(tc, test_page_over_cap, 0, 2);
    tcase_add_loop_test(tc, test_page_at_cap, 0, 2);
    tcase_add_test(tc, test_page_read_timeout);
    tcase_add_test(tc, test_page_total_timeout);
    tcase_add_test(tc, test_page_refused);
    tcase_add_loop_test(tc, test_page_control_bytes, 0, sizeof bad_heads / sizeof bad_heads[0]);
    tcase_add_loop_test(tc, test_page_huge_headers, 0, 3);
    tcase_add_test(tc, test_page_local_refusals);
    tcase_add_test(tc, test_netrc_same_origin_only);
    tcase_add_loop_test(tc, test_netrc_no_entry, 0, 2);
    tcase_add_loop_test(tc, test_file_stream, 0, 8);
    tcase_add_loop_test(tc, test_file_sink_abort, 0, 2);
    tcase_add_loop_test(tc, test_file_over_cap, 0, 2);
    tcase_add_test(tc, test_file_not_found);
    tcase_add_test(tc, test_file_private_host);
    tcase_add_test(tc, test_head_line);
    suite_add_tcase(s, tc);
    tc = tcase_create("tls");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, tls_setup, dir_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_tls, 0, sizeof tls_cases / sizeof tls_cases[0]);
    tcase_add_test(tc, test_tls_bad_ca_file);
    suite_add_tcase(s, tc);
    return s;
}
