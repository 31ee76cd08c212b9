/* SPDX-License-Identifier: MIT */
/* server.c: the FastCGI listener, worker threads and graceful shutdown. */
#include "config.h"
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <time.h>
#include "bodyrate.h"
#include "log.h"
#include "server.h"

/* Requests with a body that may wait for a thread, per thread. */
#define PARK_PER_THREAD 16

struct server {
    const struct app *app;
    int listen_fd;
    /* Requests with a body: at most body_slots are served at once, so
     * that the other threads are always free for the rest. Those over it
     * wait in parked, holding no thread, until a thread that served one
     * takes them up; past PARK_MAX each they get 503. Under qlock. */
    pthread_mutex_t qlock;
    int body_slots;
    int bodies;           /* being served */
    FCGX_Request **parked; /* a ring of PARK_MAX each */
    size_t park_max, park_head, nparked;
    bool owned;          /* no other process listens on it: shutdown() may wake accept() */
    char *unix_path;     /* ours to unlink at exit */
    pthread_mutex_t lock; /* with idle: the wait for the last request at exit */
    pthread_cond_t idle;
    atomic_int inflight;  /* counted without the lock: every request does it */
    atomic_bool stopping;
    sigset_t sigs;
};

static int fcgi_write(void *ctx, const char *p, size_t n)
{
    FCGX_Stream *out = ctx;
    while (n) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        if (FCGX_PutStr(p, chunk, out) != chunk)
            return -1;
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

/* A request body being read: the stream, and how fast it comes. */
struct body {
    FCGX_Stream *in;
    uint64_t got;
    bool judged;          /* --upload-min-rate applies */
    struct bodyrate rate;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what has arrived, at least one byte: FCGX_GetStr returns only once
 * it has all it was asked for, so asking for more than the stream holds
 * would let a client that trickles keep the call (and the thread) for as
 * long as it likes. Asking for one byte costs one read(2), which fills the
 * stream's buffer. */
static int get_some(FCGX_Stream *in, char *p, size_t n)
{
    size_t held = (size_t)(in->stop - in->rdNext);
    size_t want = held ? (held < n ? held : n) : 1;
    if (want > (size_t)INT_MAX)
        want = INT_MAX;
    return FCGX_GetStr(p, (int)want, in);
}

static long fcgi_read(void *ctx, char *p, size_t n)
{
    struct body *b = ctx;
    if (n == 0)
        return 0;
    int got = get_some(b->in, p, n);
    int err = FCGX_GetError(b->in);
    /* A short read is the end of the body or a broken connection; a
     * receive timeout (SO_RCVTIMEO) is a body that stalled. */
    if (got <= 0 && (err == EAGAIN || err == EWOULDBLOCK))
        return HTTP_IN_SLOW;
    if (got <= 0 && err != 0)
        return -1;
    b->got += (uint64_t)got;
    if (b->judged && !bodyrate_ok(&b->rate, b->got, now_ms()))
        return HTTP_IN_SLOW;
    return got;
}

/* A receive timeout on the connection: no read(2) waits longer. */
static void set_recv_timeout(int fd, long ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* Reads and drops what is left of a body after the answer (a request
 * answered before its body was read), until the web server closes its end
 * or DRAIN_MS have passed: it may still be sending the body, and a close
 * with unread input can cost the client the answer. This is libfcgi's own
 * lingering close with a bound: libfcgi's goes on for as long as the peer
 * sends anything every 2 s, so a client trickling a body into Apache
 * mod_proxy_fcgi would hold the thread without end. */
#define DRAIN_MS 5000
static void drain(FCGX_Request *r)
{
    char trash[16384];
    /* The answer first, whole: closing the output streams sends the end of
     * the request, which the web server waits for. */
    (void)FCGX_FClose(r->err);
    (void)FCGX_FClose(r->out);
    if (shutdown(r->ipcFd, SHUT_WR) != 0)
        return;
    int64_t deadline = now_ms() + DRAIN_MS;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd pfd = { .fd = r->ipcFd, .events = POLLIN };
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || read(r->ipcFd, trash, sizeof trash) <= 0)
            break;
    }
}


static void fcgi_log(void *ctx, const char *line)
{
    FCGX_PutS(line, (FCGX_Stream *)ctx);
}

/* Whether the request may carry a body: anything but a GET or HEAD
 * without one. Such requests are served by at most body_slots threads. */
static bool has_body(FCGX_Request *r)
{
    /* One pass for both (the first of a duplicated name wins, as with
     * FCGX_GetParam, which would take a pass each). */
    const char *method = NULL, *len = NULL;
    for (char **e = r->envp; e && *e && !(method && len); e++) {
        if (!method && http_param_is(*e, "REQUEST_METHOD=", 15))
            method = *e + 15;
        else if (!len && http_param_is(*e, "CONTENT_LENGTH=", 15))
            len = *e + 15;
    }
    if (!method || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
        return true;
    return len && *len && strcmp(len, "0") != 0;
}

/* True when the request's input has been read to its end, reading what is
 * left only when the request carries no body (body: has_body's answer;
 * false for GET or HEAD without a Content-Length), so never waiting on a
 * client. Such a connection can be
 * closed at once: libfcgi's lingering close (shutdown, then poll and read
 * until the web server has closed its end) only protects input not yet
 * read, and costs every request a wakeup and three system calls
 * (bench/hop.sh measures it). */
static bool input_drained(FCGX_Request *r, bool body)
{
    if (FCGX_HasSeenEOF(r->in))
        return true;
    if (body)
        return false;
    char c;
    return FCGX_GetStr(&c, 1, r->in) == 0 && FCGX_HasSeenEOF(r->in);
}

/* Serves one accepted request whole and finishes it (the connection is
 * closed). body: it may carry one; busy: no thread may take its body now. */
static void serve(struct server *s, FCGX_Request *r, struct http_scratch *scratch, bool body, bool busy)
{
    struct http_out out = { fcgi_write, r->out };
    const struct config *cfg = s->app->cfg;
    struct body b = { .in = r->in };
    struct http_in in = { fcgi_read, &b };
    if (body && !busy && cfg->upload_timeout > 0) {
        set_recv_timeout(r->ipcFd, cfg->upload_timeout * 1000);
        b.judged = cfg->upload_min_rate > 0;
        bodyrate_start(&b.rate, cfg->upload_min_rate, cfg->upload_timeout * 1000, now_ms());
    }
    int sent = busy ? route_serve_busy(s->app, r->envp, &out, fcgi_log, r->err, scratch)
                    : route_serve(s->app, r->envp, &in, &out, fcgi_log, r->err, scratch);
    if (sent != 0) {
        LOG(LOG_DEBUG, "client went away during the response, or it was cut short (error %d)",
            FCGX_GetError(r->out));
        /* A body cut short (an upstream file that failed its hash) must
         * not end like a whole one: the web server sees the connection
         * drop without the end of the request, and drops its client. */
        (void)shutdown(r->ipcFd, SHUT_RDWR);
    }
    /* Detached, libfcgi's close is a plain close(2). A body refused for
     * want of a thread is not drained: that would take a thread kept for
     * the index. */
    if (!busy && !input_drained(r, body))
        drain(r);
    (void)FCGX_Detach(r);
    FCGX_Finish_r(r);
    if (atomic_fetch_sub(&s->inflight, 1) == 1 && atomic_load(&s->stopping)) {
        pthread_mutex_lock(&s->lock);
        pthread_cond_broadcast(&s->idle);
        pthread_mutex_unlock(&s->lock);
    }
}

static FCGX_Request *new_request(struct server *s)
{
    FCGX_Request *r = malloc(sizeof *r);
    if (r && FCGX_InitRequest(r, s->listen_fd, 0) != 0) {
        free(r);
        r = NULL;
    }
    if (!r)
        LOG(LOG_ERROR, "cannot set up a FastCGI request");
    return r;
}

enum body_turn { BODY_NOW, BODY_PARKED, BODY_BUSY };

/* A request with a body takes a slot, or waits parked for one (the caller
 * then needs a new request of its own), or, with PARK_MAX waiting, is
 * refused. */
static enum body_turn body_turn(struct server *s, FCGX_Request *r)
{
    enum body_turn t = BODY_BUSY;
    pthread_mutex_lock(&s->qlock);
    if (s->bodies < s->body_slots) {
        s->bodies++;
        t = BODY_NOW;
    } else if (s->nparked < s->park_max) {
        s->parked[(s->park_head + s->nparked++) % s->park_max] = r;
        t = BODY_PARKED;
    }
    pthread_mutex_unlock(&s->qlock);
    return t;
}

/* After serving a body: the next parked request keeps the slot (it is
 * served here, then freed), or the slot is given back. */
static FCGX_Request *next_parked(struct server *s)
{
    FCGX_Request *r = NULL;
    pthread_mutex_lock(&s->qlock);
    if (s->nparked) {
        r = s->parked[s->park_head];
        s->park_head = (s->park_head + 1) % s->park_max;
        s->nparked--;
    } else
        s->bodies--;
    pthread_mutex_unlock(&s->qlock);
    return r;
}

static void *worker(void *arg)
{
    struct server *s = arg;
    FCGX_Request *r = new_request(s);
    if (!r)
        return NULL;
    struct http_scratch scratch;
    http_scratch_init(&scratch);
    /* Every worker accepts on its own; no mutex around accept (with
     * FCGI_KEEP_CONN one would deadlock, and Linux needs none). */
    for (;;) {
        if (FCGX_Accept_r(r) < 0)
            break;
        atomic_fetch_add(&s->inflight, 1);
        if (!has_body(r)) {
            serve(s, r, &scratch, false, false);
        } else {
            switch (body_turn(s, r)) {
            case BODY_BUSY:
                serve(s, r, &scratch, true, true);
                break;
            case BODY_PARKED:
                /* It stays counted in flight until it is served, and
                 * belongs to the queue now: this thread needs another. */
                if (!(r = new_request(s)))
                    goto out;
                break;
            case BODY_NOW:
                serve(s, r, &scratch, true, false);
                for (FCGX_Request *p; (p = next_parked(s));) {
                    serve(s, p, &scratch, true, false);
                    free(p);
                }
                break;
            }
        }
        if (atomic_load(&s->stopping))
            break;
    }
out:
    if (r) {
        FCGX_Free(r, 1);
        free(r);
    }
    http_scratch_free(&scratch);
    return NULL;
}

static void shutdown_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR1);
}

void server_block_signals(void)
{
    sigset_t set;
    shutdown_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *signal_main(void *arg)
{
    struct server *s = arg;
    int sig = 0;
    while (sigwait(&s->sigs, &sig) != 0)
        ;
    LOG(LOG_INFO, "signal %d: finishing requests in flight, then exiting", sig);
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->stopping, true);
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
    FCGX_ShutdownPending();
    /* Wakes every thread blocked in accept(). Only on a socket no other
     * process uses: it would stop them too. */
    if (s->owned)
        shutdown(s->listen_fd, SHUT_RDWR);
    return NULL;
}

static int open_unix(struct server *s, const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        LOG(LOG_ERROR, "listen: socket path %s is too long", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1); /* fits: the length is checked above */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct stat st;
    /* Replace a stale socket, never any other kind of file. */
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            LOG(LOG_ERROR, "listen: %s exists and is not a socket", path);
            close(fd);
            return -1;
        }
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            LOG(LOG_ERROR, "listen: %s is in use by another process", path);
            close(fd);
            return -1;
        }
        unlink(path);
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1024) != 0) {
        LOG(LOG_ERROR, "listen: cannot listen on %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    s->unix_path = strdup(path);
    return fd;
}

static int open_tcp(const char *spec)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    size_t hl = (size_t)(colon - spec);
    if (hl >= sizeof host)
        return -1;
    memcpy(host, spec, hl);
    host[hl] = '\0';
    char *h = host;
    if (hl > 1 && h[0] == '[' && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
    struct addrinfo *res;
    int gai = getaddrinfo(h, colon + 1, &hints, &res);
    if (gai != 0) {
        LOG(LOG_ERROR, "listen: %s: %s", spec, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
            LOG(LOG_ERROR, "listen: cannot listen on %s: %s", spec, strerror(errno));
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static bool is_listening_socket(int fd)
{
    int v = 0;
    socklen_t len = sizeof v;
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

static bool is_tcp_socket(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    return getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
           (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
}

/* Finds the socket to serve on: --listen's, systemd's (LISTEN_FDS), or the
 * one handed over on fd 0; and refuses a TCP one that REMOTE_USER would be
 * believed on. 0, or the exit status. */
static int take_socket(struct server *s, const struct config *cfg)
{
    const char *lfds = getenv("LISTEN_FDS"), *lpid = getenv("LISTEN_PID");
    if (cfg->listen && strncmp(cfg->listen, "unix:", 5) == 0) {
        s->listen_fd = open_unix(s, cfg->listen + 5);
        s->owned = true;
    } else if (cfg->listen) {
        s->listen_fd = open_tcp(cfg->listen + 4);
        s->owned = true;
    } else if (conf_env_number(lpid) == (long)getpid() && conf_env_number(lfds) >= 1 && is_listening_socket(3)) {
        /* systemd socket activation: systemd keeps the socket, so it is shared. */
        s->listen_fd = 3;
        s->owned = false;
    } else if (is_listening_socket(0)) {
        /* spawn-fcgi, mod_fcgid, lighttpd's bin-path or systemd
         * (StandardInput=socket) hand it over. Other processes may share it
         * (spawn-fcgi -F, systemd keeps its copy): shutdown() would stop
         * them too, so never treat it as ours. */
        s->listen_fd = 0;
        s->owned = false;
    } else {
        LOG(LOG_ERROR, "no socket to serve on: fd 0 is not a listening socket; use --listen unix:PATH or "
                       "tcp:HOST:PORT, or start pypi-fcgi from spawn-fcgi, mod_fcgid or lighttpd");
        return 2;
    }
    if (s->listen_fd < 0)
        return 2;
    if (cfg->trust_remote_user && is_tcp_socket(s->listen_fd)) {
        if (cfg->trust_remote_user != TRUST_TCP) {
            LOG(LOG_ERROR, "%s", conf_tcp_trust_refusal);
            if (s->owned)
                close(s->listen_fd);
            return 2;
        }
        LOG(LOG_WARN, "trust-remote-user=tcp: any process that can connect to this TCP socket can claim to be "
                      "any user; only the web server may be able to reach it");
    }
    return 0;
}

/* Waits until a stop was asked for and no request is in flight. */
static void wait_stopped_idle(struct server *s)
{
    pthread_mutex_lock(&s->lock);
    while (!atomic_load(&s->stopping) || atomic_load(&s->inflight) > 0) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += 50 * 1000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->idle, &s->lock, &t);
    }
    pthread_mutex_unlock(&s->lock);
}

int server_run(const struct app *app)
{
    struct server s;
    memset(&s, 0, sizeof s);
    s.app = app;
    pthread_mutex_init(&s.lock, NULL);
    pthread_mutex_init(&s.qlock, NULL);
    pthread_cond_init(&s.idle, NULL);
    const struct config *cfg = app->cfg;
    int rc = take_socket(&s, cfg);
    if (rc)
        return rc;
    if (FCGX_Init() != 0) {
        LOG(LOG_ERROR, "FastCGI library initialisation failed");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    /* A file-size limit (RLIMIT_FSIZE) makes write() fail with EFBIG, which
     * an upload answers with 507, instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);
    shutdown_signals(&s.sigs);
    pthread_sigmask(SIG_BLOCK, &s.sigs, NULL); /* inherited by every thread below */
    pthread_t sigt;
    if (pthread_create(&sigt, NULL, signal_main, &s) != 0) {
        LOG(LOG_ERROR, "cannot start the signal thread");
        return 1;
    }
    long n = cfg->threads;
    /* A quarter of the threads (at least one) never reads a body, so that
     * uploads arriving slowly cannot take the index with them. */
    s.body_slots = n >= 2 ? (int)(n - (n / 4 > 1 ? n / 4 : 1)) : 1;
    s.park_max = (size_t)n * PARK_PER_THREAD;
    s.parked = calloc(s.park_max, sizeof *s.parked);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    long started = 0;
    for (long i = 0; th && s.parked && i < n; i++, started++)
        if (pthread_create(&th[i], NULL, worker, &s) != 0)
            break;
    if (started == 0) {
        LOG(LOG_ERROR, "cannot start worker threads");
        free(th);
        free(s.parked);
        pthread_kill(sigt, SIGUSR1);
        pthread_join(sigt, NULL);
        return 1;
    }
    LOG(LOG_INFO, "serving %zu roots with %ld threads", cfg->nroots, started);
    int status = 0;
    if (s.owned) {
        for (long i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        /* The signal thread uses s, which lives on this stack: wake it
         * (when the workers ended without a signal) and wait for it. */
        pthread_kill(sigt, SIGUSR1);
        pthread_join(sigt, NULL);
    } else {
        /* A shared socket cannot be shut down: wait until no request is in
         * flight, then exit; threads blocked in accept() end with us. */
        wait_stopped_idle(&s);
        /* It set stopping and is done, or about to be. */
        pthread_join(sigt, NULL);
        if (s.unix_path)
            unlink(s.unix_path);
        LOG(LOG_INFO, "exiting");
        _exit(0);
    }
    if (s.unix_path)
        unlink(s.unix_path);
    free(s.unix_path);
    free(th);
    free(s.parked);
    if (s.listen_fd > 2)
        close(s.listen_fd);
    LOG(LOG_INFO, "exiting");
    return status;
}
