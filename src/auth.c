/* SPDX-License-Identifier: MIT */
/* auth.c: HTTP Basic credentials checked against htpasswd, REMOTE_USER, and the upload ACL. */
#include "config.h"
#include <openssl/crypto.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "acl.h"
#include "ascii.h"
#include "auth.h"
#include "htpasswd.h"
#include "log.h"

/* Failed logins are counted per client address in a table of this many
 * slots; an address is looked for in AUTH_PROBE slots from its hash, and
 * when all of them are taken the one whose window began first is reused.
 * Many addresses (an IPv6 prefix) can push a guesser out of the table:
 * the bound on hashes at once, not this count, keeps the pages answering. */
#define AUTH_SLOTS 1024
#define AUTH_PROBE 8
#define AUTH_MAX_ADDR 63

struct failures {
    char addr[AUTH_MAX_ADDR + 1];
    long count; /* 0: the slot is free */
    long start; /* when its window began, in the clock's seconds */
};

struct auth {
    const struct config *cfg;
    struct htpasswd_file *pw; /* NULL: no htpasswd file */
    struct acl_file *acl;     /* NULL: no ACL file */
    /* Password hashes: at most max_checks computed at once
     * (--password-checks), and at most max_waiting logins waiting for one,
     * in turn (tickets); any other login is answered 503 at once. Guessing
     * then never takes more than max_checks + max_waiting workers, fewer
     * than --threads, from the pages. */
    pthread_mutex_t check_lock; /* guards the fields below */
    pthread_cond_t check_free;
    long checking, waiting, max_checks, max_waiting;
    unsigned long next_ticket, serving;
    long (*clock)(void);
    pthread_mutex_t lock; /* guards fails */
    struct failures *fails;
};

static long monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec;
}

void auth_set_clock(struct auth *a, long (*clock)(void))
{
    a->clock = clock ? clock : monotonic_seconds;
}

enum pf_err auth_open(const struct config *cfg, struct auth **out, buf_t *err)
{
    struct auth *a = calloc(1, sizeof *a);
    if (!a)
        return PF_ENOMEM;
    a->cfg = cfg;
    a->max_checks = conf_password_checks(cfg);
    /* Those waiting hold a worker too: one is always left for the pages. */
    a->max_waiting = cfg->threads - a->max_checks - 1;
    if (a->max_waiting < 0)
        a->max_waiting = 0;
    a->clock = monotonic_seconds;
    pthread_mutex_init(&a->check_lock, NULL);
    pthread_cond_init(&a->check_free, NULL);
    pthread_mutex_init(&a->lock, NULL);
    enum pf_err e = PF_EOK;
    if (!(a->fails = calloc(AUTH_SLOTS, sizeof *a->fails))) {
        e = PF_ENOMEM;
        goto fail;
    }
    if (!(cfg->authenticate & AUTH_UPDATE) && !cfg->check_only)
        LOG(LOG_WARN, "authenticate = .: anyone may upload and remove files");
    if (cfg->htpasswd && (e = htpasswd_open(cfg->htpasswd, &a->pw, err)))
        goto fail;
    if (cfg->upload_acl && (e = acl_open(cfg->upload_acl, &a->acl, err)))
        goto fail;
    *out = a;
    return PF_EOK;
fail:
    auth_close(a);
    return e;
}

void auth_close(struct auth *a)
{
    if (!a)
        return;
    if (a->pw)
        htpasswd_close(a->pw);
    if (a->acl)
        acl_close(a->acl);
    free(a->fails);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->check_free);
    pthread_mutex_destroy(&a->check_lock);
    free(a);
}

static size_t addr_hash(const char *addr)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h % AUTH_SLOTS);
}

/* With a->lock held: the slot of addr (cut to AUTH_MAX_ADDR bytes), or
 * with create a new one in place of a free or the oldest; NULL when addr
 * has none and create is false. Slots whose window has passed are freed
 * on the way. */
static struct failures *failures_of(struct auth *a, const char *addr, long now, bool create)
{
    char key[AUTH_MAX_ADDR + 1];
    snprintf(key, sizeof key, "%s", addr);
    size_t h = addr_hash(key);
    struct failures *victim = NULL;
    for (size_t i = 0; i < AUTH_PROBE; i++) {
        struct failures *f = &a->fails[(h + i) % AUTH_SLOTS];
        if (f->count && now - f->start >= AUTH_FAILURE_WINDOW)
            f->count = 0;
        if (f->count && strcmp(f->addr, key) == 0)
            return f;
        if (!victim || (victim->count && (!f->count || f->start < victim->start)))
            victim = f;
    }
    if (!create)
        return NULL;
    memcpy(victim->addr, key, sizeof key);
    victim->count = 0;
    victim->start = now;
    return victim;
}

/* True when addr has used up its failed logins of this window; *retry is
 * then the seconds until the window ends. */
static bool throttled(struct auth *a, const char *addr, long *retry)
{
    long limit = a->cfg->login_failures, now = a->clock();
    if (!limit)
        return false;
    pthread_mutex_lock(&a->lock);
    struct failures *f = failures_of(a, addr, now, false);
    bool over = f && f->count >= limit;
    if (over)
        *retry = f->start + AUTH_FAILURE_WINDOW - now;
    pthread_mutex_unlock(&a->lock);
    if (over && *retry < 1)
        *retry = 1;
    return over;
}

/* Takes one of the hashes that may run at once, waiting in turn for one
 * when they are all taken and fewer than max_waiting wait already. False
 * (nothing taken) when the queue is full too. */
static bool check_begin(struct auth *a)
{
    bool ok = true;
    pthread_mutex_lock(&a->check_lock);
    if (a->checking < a->max_checks && a->waiting == 0) {
        a->checking++;
    } else if (a->waiting >= a->max_waiting) {
        ok = false;
    } else {
        unsigned long ticket = a->next_ticket++;
        a->waiting++;
        while (a->checking >= a->max_checks || a->serving != ticket)
            pthread_cond_wait(&a->check_free, &a->check_lock);
        a->serving++;
        a->waiting--;
        a->checking++;
        /* The next in turn may find a hash free too. */
        pthread_cond_broadcast(&a->check_free);
    }
    pthread_mutex_unlock(&a->check_lock);
    return ok;
}

static void check_end(struct auth *a)
{
    pthread_mutex_lock(&a->check_lock);
    a->checking--;
    pthread_cond_broadcast(&a->check_free);
    pthread_mutex_unlock(&a->check_lock);
}

/* A password check on a thread of its own in SCHED_IDLE (else at nice
 * AUTH_HASH_NICE): a deliberately slow hash (bcrypt) then takes the CPU
 * only when the workers serving pages leave it, so password guessing, bounded in number by
 * check_begin, also yields to the index. A thread per check costs some tens
 * of microseconds against milliseconds of hashing, and the lowered
 * priority, which an unprivileged thread cannot raise again, ends with it. */
struct niced_check {
    struct htpasswd_file *pw;
    const char *user, *password;
    bool ok;
};

static void *niced_check_main(void *arg)
{
    struct niced_check *c = arg;
    /* SCHED_IDLE: any page request that wakes up takes the core at once;
     * where the kernel refuses it, nice AUTH_HASH_NICE. */
    struct sched_param sp = { 0 };
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
        (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), AUTH_HASH_NICE);
    c->ok = htpasswd_file_check(c->pw, c->user, c->password);
    return NULL;
}

static bool check_niced(struct htpasswd_file *pw, const char *user, const char *password)
{
    struct niced_check c = { pw, user, password, false };
    pthread_t t;
    if (pthread_create(&t, NULL, niced_check_main, &c) != 0)
        return htpasswd_file_check(pw, user, password);
    pthread_join(t, NULL);
    return c.ok;
}

static void count_failure(struct auth *a, const char *addr)
{
    if (!a->cfg->login_failures)
        return;
    long now = a->clock();
    pthread_mutex_lock(&a->lock);
    struct failures *f = failures_of(a, addr, now, true);
    if (f->count < a->cfg->login_failures)
        f->count++;
    pthread_mutex_unlock(&a->lock);
}

static int b64_value(unsigned char c)
{
    if (ascii_isupper((char)c))
        return c - 'A';
    if (ascii_islower((char)c))
        return c - 'a' + 26;
    if (ascii_isdigit((char)c))
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool auth_parse_basic(const char *value, char user[AUTH_MAX_USER + 1], char password[AUTH_MAX_PASSWORD + 1])
{
    char raw[AUTH_MAX_USER + 1 + AUTH_MAX_PASSWORD + 4];
    if (!value)
        return false;
    while (*value == ' ' || *value == '\t')
        value++;
    if (strncasecmp(value, "Basic", 5) != 0 || (value[5] != ' ' && value[5] != '\t'))
        return false;
    const char *p = value + 5;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (; *p && *p != ' ' && *p != '\t'; p++) {
        if (*p == '=') {
            pad++;
            continue;
        }
        int v = b64_value((unsigned char)*p);
        if (v < 0 || pad)
            return false;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= sizeof raw - 1)
                return false;
            raw[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p || pad > 2)
        return false;
    raw[n] = '\0';
    char *colon = memchr(raw, ':', n);
    if (!colon || memchr(raw, '\0', n))
        return false;
    size_t ul = (size_t)(colon - raw), pl = n - ul - 1;
    if (ul == 0 || ul > AUTH_MAX_USER || pl > AUTH_MAX_PASSWORD)
        return false;
    memcpy(user, raw, ul);
    user[ul] = '\0';
    memcpy(password, colon + 1, pl);
    password[pl] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    return true;
}

static void challenge(struct http_resp *resp, const char *msg)
{
    http_fail(resp, 401, "%s", msg);
    http_header(resp, "WWW-Authenticate", "Basic realm=\"" AUTH_REALM "\", charset=\"UTF-8\"");
}

/* A user the web server vouches for (--trust-remote-user): 1 with user
 * set, 0 when refused (resp holds the answer), -1 when the request carries
 * none and the password file decides. */
static int remote_user(struct http_req *req, struct http_resp *resp, char user[AUTH_MAX_USER + 1])
{
    /* REMOTE_USER counts only beside a non-empty AUTH_TYPE, the CGI
     * variable a web server sets once it has checked the credentials
     * (lighttpd's mod_auth, Apache). nginx sets neither by itself, but
     * Debian's fastcgi_params sends REMOTE_USER $remote_user, which
     * nginx decodes from any Authorization header, checked or not: that
     * name alone is what a client typed. An nginx location that runs
     * auth_basic says so with fastcgi_param AUTH_TYPE. */
    const char *ru = http_param(req, "REMOTE_USER");
    const char *at = http_param(req, "AUTH_TYPE");
    if (ru && *ru && at && *at) {
        size_t n = strlen(ru);
        if (n > AUTH_MAX_USER) {
            http_fail(resp, 403, "The user name is longer than %d bytes.", AUTH_MAX_USER);
            return 0;
        }
        memcpy(user, ru, n + 1);
        return 1;
    }
    if (ru && *ru) {
        char shown[AUTH_MAX_USER + 1];
        log_safe(sv_cstr(ru), shown, sizeof shown);
        http_log(req, LOG_WARN,
                 "REMOTE_USER '%s' ignored: the web server sent no AUTH_TYPE, so nothing says it checked a "
                 "password (behind nginx: fastcgi_param AUTH_TYPE Basic where auth_basic runs)",
                 shown);
    }
    return -1;
}

/* Checks user's password against the password file, within the bounds
 * on failures per address (429) and on hashes at once (503). */
static bool check_password(struct auth *a, struct http_req *req, struct http_resp *resp,
                           char user[AUTH_MAX_USER + 1], char password[AUTH_MAX_PASSWORD + 1])
{
    /* A login that succeeded before costs one SHA-256: neither the bound
     * nor the count below applies to it. */
    if (htpasswd_file_recall(a->pw, user, password)) {
        OPENSSL_cleanse(password, AUTH_MAX_PASSWORD + 1);
        return true;
    }
    const char *addr = http_param(req, "REMOTE_ADDR");
    char shown_addr[AUTH_MAX_ADDR + 1];
    log_safe(sv_cstr(addr ? addr : ""), shown_addr, sizeof shown_addr);
    long retry = 0;
    if (throttled(a, addr ? addr : "", &retry)) {
        OPENSSL_cleanse(password, AUTH_MAX_PASSWORD + 1);
        user[0] = '\0';
        http_log(req, LOG_WARN, "login refused unchecked: %ld failed logins from '%s' within %d s (--login-failures)",
                 a->cfg->login_failures, shown_addr, AUTH_FAILURE_WINDOW);
        http_fail(resp, 429, "Too many failed logins from this address; try again in %ld seconds.", retry);
        http_header(resp, "Retry-After", "%ld", retry);
        return false;
    }
    /* Hashes that cost microseconds ({SHA}, apr1) cannot starve anything:
     * neither the bound nor the low-priority thread is worth it for them. */
    bool costly = htpasswd_file_work(a->pw) >= AUTH_COSTLY_WORK;
    if (costly && !check_begin(a)) {
        OPENSSL_cleanse(password, AUTH_MAX_PASSWORD + 1);
        user[0] = '\0';
        http_log(req, LOG_WARN,
                 "login refused unchecked: %ld passwords are being checked and %ld more wait (--password-checks)",
                 a->max_checks, a->max_waiting);
        http_fail(resp, 503, "Too many logins are being checked at once; try again in a second.");
        http_header(resp, "Retry-After", "1");
        return false;
    }
    bool ok = costly ? check_niced(a->pw, user, password) : htpasswd_file_check(a->pw, user, password);
    if (costly)
        check_end(a);
    OPENSSL_cleanse(password, AUTH_MAX_PASSWORD + 1);
    if (!ok) {
        count_failure(a, addr ? addr : "");
        char shown[AUTH_MAX_USER + 1];
        log_safe(sv_cstr(user), shown, sizeof shown);
        http_log(req, LOG_WARN, "login failed for user '%s'", shown);
        http_fail(resp, 403, "Invalid or non-existent authentication information for user '%s'.", shown);
        user[0] = '\0';
        return false;
    }
    return true;
}

bool auth_allow(struct auth *a, struct http_req *req, struct http_resp *resp, unsigned need,
                char user[AUTH_MAX_USER + 1])
{
    user[0] = '\0';
    if (!(a->cfg->authenticate & need))
        return true;
    if (a->cfg->trust_remote_user) {
        int r = remote_user(req, resp, user);
        if (r >= 0)
            return r == 1;
    }
    if (!a->pw) {
        if (a->cfg->trust_remote_user) {
            http_log(req, LOG_INFO, "no REMOTE_USER: the web server did not authenticate this request");
            challenge(resp, "Log in: this action needs a user name and password.");
        } else {
            http_log(req, LOG_WARN, "refused: this action needs a login and no --htpasswd or --trust-remote-user "
                                    "is configured");
            http_fail(resp, 403, "This index accepts no logins (it runs without --htpasswd or "
                                 "--trust-remote-user), so this action is not available.");
        }
        return false;
    }
    /* mod_fcgid's FcgidPassHeader passes the header under its own name. */
    const char *h = http_param(req, "HTTP_AUTHORIZATION");
    if (!h)
        h = http_param(req, "Authorization");
    char password[AUTH_MAX_PASSWORD + 1];
    if (!h) {
        http_log(req, LOG_INFO, "no credentials: asking for a login");
        challenge(resp, "Log in: this action needs a user name and password.");
        return false;
    }
    if (!auth_parse_basic(h, user, password)) {
        user[0] = '\0';
        http_log(req, LOG_WARN, "unreadable Authorization header: asking for a login");
        challenge(resp, "Log in with HTTP Basic credentials (user:password, base64): the ones sent cannot be read.");
        return false;
    }
    return check_password(a, req, resp, user, password);
}

bool auth_may_upload(struct auth *a, const char *user, const char *project)
{
    return !a->acl || acl_file_allows(a->acl, user, project);
}
