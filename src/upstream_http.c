/* SPDX-License-Identifier: MIT */
/* upstream_http.c: fetching upstream pages and files with libcurl, redirects followed here (see upstream_http.h). */
#include "config.h"
#include "upstream_http.h"
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "ascii.h"
#include "digest.h"
#include "log.h"

#define USER_AGENT "pypi-fcgi/" PACKAGE_VERSION " (+upstream cache)"
#define PAGE_ACCEPT                                                                                                    \
    "Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
/* The body of an answer that is not used (a redirect's, a 404's) is read
 * and dropped up to this many bytes, so the connection can serve the next
 * request; past it the transfer stops. */
#define SKIP_MAX (64 * 1024)

/* One call's state, shared with libcurl's callbacks. */
struct xfer {
    CURL *h;
    const struct uphttp_opts *o;
    bool is_file;
    uint64_t cap;
    long status;    /* the current answer's status, read at its first body byte; 0 before */
    uint64_t got;   /* body bytes of a 200 answer taken */
    uint64_t skipped;
    enum uphttp_kind why; /* set by a callback that stopped the transfer; UPHTTP_OK otherwise */
    bool refused_url;     /* the URL given was refused before any request */
    buf_t why_msg;
    struct uphttp_head *head;
    buf_t *body;          /* a page's */
    uphttp_sink sink;     /* a file's */
    void *sink_ctx;
    struct digest_stream dig;
    bool public_only;     /* this hop's host must have a public address (uphttp_opts.home_url) */
    char cur_url[UPHTTP_URL_MAX + 1]; /* the URL being fetched */
    char errbuf[CURL_ERROR_SIZE];
};

static const char *const kind_names[] = {
    [UPHTTP_OK] = "ok",     [UPHTTP_NO] = "refused",        [UPHTTP_UNREACHABLE] = "unreachable",
    [UPHTTP_TIMEOUT] = "timed out", [UPHTTP_TLS] = "TLS failed", [UPHTTP_BAD] = "bad answer",
    [UPHTTP_TOOBIG] = "too big", [UPHTTP_ABORTED] = "aborted",   [UPHTTP_LOCAL] = "local failure",
};

const char *uphttp_kind_name(enum uphttp_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] && kind_names[k] ? kind_names[k] : "?";
}

void uphttp_head_reset(struct uphttp_head *h)
{
    h->etag[0] = h->last_modified[0] = h->content_type[0] = '\0';
    h->total = 0;
}

/* True when s holds a byte below 0x20 or 0x7f. */
static bool has_control(sv_t s)
{
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f)
            return true;
    return false;
}

enum pf_err uphttp_head_line(struct uphttp_head *h, const char *line, size_t n, buf_t *why)
{
    sv_t l = sv_make(line, n);
    if (sv_starts_with(l, SV_LIT("HTTP/")))
        uphttp_head_reset(h);
    if (n > UPHTTP_HEAD_MAX - h->total)
        return buf_reject(why, "its headers are longer than %d bytes", UPHTTP_HEAD_MAX);
    h->total += n;
    if (l.len && l.p[l.len - 1] == '\n')
        l.len--;
    if (l.len && l.p[l.len - 1] == '\r')
        l.len--;
    const char *colon = memchr(l.p, ':', l.len);
    if (!colon)
        return PF_EOK; /* the status line, the blank line ending the headers */
    sv_t name = sv_make(l.p, (size_t)(colon - l.p));
    sv_t value = sv_trim(sv_make(colon + 1, l.len - name.len - 1));
    char *dst;
    if (sv_ieq(name, SV_LIT("etag")))
        dst = h->etag;
    else if (sv_ieq(name, SV_LIT("last-modified")))
        dst = h->last_modified;
    else if (sv_ieq(name, SV_LIT("content-type")))
        dst = h->content_type;
    else
        return PF_EOK;
    char shown[40];
    if (value.len > UPHTTP_VALUE_MAX)
        return buf_reject(why, "its %s header is longer than %d bytes", log_safe(name, shown, sizeof shown),
                          UPHTTP_VALUE_MAX);
    if (has_control(value))
        return buf_reject(why, "its %s header holds a control byte", log_safe(name, shown, sizeof shown));
    memcpy(dst, value.p, value.len);
    dst[value.len] = '\0';
    return PF_EOK;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct xfer *x = ctx;
    (void)size; /* always 1 */
    x->status = 0;
    if (uphttp_head_line(x->head, p, n, &x->why_msg) != PF_EOK) {
        x->why = UPHTTP_BAD;
        return 0;
    }
    return n;
}

/* Stops the transfer for why, with the message fmt. */
static size_t stop(struct xfer *x, enum uphttp_kind why, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static size_t stop(struct xfer *x, enum uphttp_kind why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_reset(&x->why_msg);
    buf_vprintf(&x->why_msg, fmt, ap);
    va_end(ap);
    x->why = why;
    return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct xfer *x = ctx;
    (void)size; /* always 1 */
    if (!x->status)
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
    if (x->status != 200) {
        /* Not a body to use: dropped, so that the connection stays usable. */
        x->skipped += n;
        return x->skipped > SKIP_MAX ? 0 : n;
    }
    if (n > x->cap - x->got)
        return stop(x, UPHTTP_TOOBIG, "its body is larger than %llu bytes", (unsigned long long)x->cap);
    x->got += n;
    if (!x->is_file)
        return buf_append(x->body, p, n) == PF_EOK ? n : stop(x, UPHTTP_LOCAL, "out of memory");
    digest_stream_update(&x->dig, p, n);
    return x->sink(x->sink_ctx, p, n) ? n : stop(x, UPHTTP_ABORTED, "the download was stopped");
}

/* url without credentials, query and fragment, and with bytes that are
 * not printable ASCII shown as '?', for messages. */
static const char *shown_url(const char *url, char *out, size_t outsz)
{
    size_t n = strcspn(url, "?#");
    const char *auth = strstr(url, "://");
    if (!auth || (size_t)(auth - url) > n || outsz < 16)
        return log_safe(sv_make(url, n), out, outsz);
    auth += 3;
    size_t authlen = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', authlen);
    if (!at)
        return log_safe(sv_make(url, n), out, outsz);
    /* scheme://, then what follows the '@' */
    size_t head = (size_t)(auth - url);
    log_safe(sv_make(url, head), out, outsz);
    log_safe(sv_make(at + 1, n - (size_t)(at + 1 - url)), out + strlen(out), outsz - strlen(out));
    return out;
}

/* Checks that url is an absolute http or https URL without credentials, no
 * longer than UPHTTP_URL_MAX; writes its scheme, host and port ("https
 * host 443") into origin. PF_EINVAL with the reason in why. */
static enum pf_err check_url(const char *url, char origin[UPHTTP_URL_MAX + 32], buf_t *why)
{
    if (strlen(url) > UPHTTP_URL_MAX)
        return buf_reject(why, "the URL is longer than %d bytes", UPHTTP_URL_MAX);
    if (has_control(sv_cstr(url)))
        return buf_reject(why, "the URL holds a control byte");
    CURLU *u = curl_url();
    if (!u)
        return buf_reject(why, "out of memory");
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL;
    enum pf_err e = PF_EOK;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK
        || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
        e = buf_reject(why, "not an absolute URL");
    else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        e = buf_reject(why, "not an http or https URL");
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK
             || curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        e = buf_reject(why, "a URL without a host");
    else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK
             || curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK)
        e = buf_reject(why, "a URL holding credentials (they belong in the netrc file)");
    else
        snprintf(origin, UPHTTP_URL_MAX + 32, "%s %s %s", scheme, host, port);
    curl_free(scheme), curl_free(host), curl_free(port), curl_free(user), curl_free(pass);
    curl_url_cleanup(u);
    return e;
}

/* Whether the address a socket is about to connect to is a public one:
 * not loopback, private (RFC 1918, RFC 4193), link-local, shared (RFC
 * 6598), multicast, broadcast or unspecified; an IPv4-mapped IPv6
 * address is judged as its IPv4 one. */
static bool public_address(const struct sockaddr *sa)
{
    const unsigned char *b;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        b = a->s6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a))
            b += 12;
        else
            return !(IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
                     IN6_IS_ADDR_MULTICAST(a) || IN6_IS_ADDR_SITELOCAL(a) || (b[0] & 0xfe) == 0xfc);
    } else if (sa->sa_family == AF_INET)
        b = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else
        return false;
    return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
             (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
             (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] >= 224);
}

/* libcurl's socket for each connection attempt: refused for an address
 * that is not public while the hop must reach a public host only. */
static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = ctx;
    (void)purpose;
    if (x->public_only && !public_address(&a->addr)) {
        char shown[600];
        buf_reset(&x->why_msg);
        buf_reject(&x->why_msg, "%s is on a host with a loopback, private or link-local address, and it is not "
                   "the upstream's host", shown_url(x->cur_url, shown, sizeof shown));
        x->why = UPHTTP_BAD;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* True when libcurl takes a proxy from the environment. */
static bool proxied(void)
{
    static const char *const vars[] = { "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return true;
    }
    return false;
}

/* The settings every request of a call shares. */
static enum pf_err easy_setup(struct xfer *x, struct curl_slist *hdrs)
{
    const struct uphttp_opts *o = x->o;
    CURL *h = x->h;
    long connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
    long read_s = o->read_timeout_s > 0 ? o->read_timeout_s : 30;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                                                  \
    if (rc == CURLE_OK)                                                                                                \
    rc = curl_easy_setopt(h, opt, val)
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_USERAGENT, USER_AGENT);
    SET(CURLOPT_HTTPHEADER, hdrs);
    SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
    SET(CURLOPT_LOW_SPEED_TIME, read_s);
    SET(CURLOPT_TIMEOUT, o->total_timeout_s > 0 ? o->total_timeout_s : 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file) {
        SET(CURLOPT_CAINFO, o->ca_file);
        SET(CURLOPT_CAPATH, (char *)NULL);
    }
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, x);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
    SET(CURLOPT_OPENSOCKETDATA, x);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(x->cap > INT64_MAX ? INT64_MAX : x->cap));
    if (x->is_file)
        SET(CURLOPT_BUFFERSIZE, 512L * 1024); /* fewer, larger pieces for the sink (16 KiB by default) */
    if (!x->is_file)
        SET(CURLOPT_ACCEPT_ENCODING, ""); /* what libcurl can undo; the cap counts the bytes undone */
#undef SET
    return rc == CURLE_OK ? PF_EOK : PF_ENOMEM;
}

/* The kind of a transfer that libcurl ended with rc, where no callback
 * stopped it. */
static enum uphttp_kind classify(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return UPHTTP_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
        return UPHTTP_TLS;
    case CURLE_FILESIZE_EXCEEDED:
        return UPHTTP_TOOBIG;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_OUT_OF_MEMORY: /* also libcurl's answer to a header line over 100 KiB */
        return UPHTTP_BAD;
    case CURLE_URL_MALFORMAT:
        return UPHTTP_LOCAL;
    default:
        return UPHTTP_UNREACHABLE;
    }
}

/* The kind of a finished answer with this status. */
static enum uphttp_kind status_kind(long status, bool conditional)
{
    if (status == 200 || (status == 304 && conditional))
        return UPHTTP_OK;
    if (status == 401 || status == 403 || status == 404 || status == 410)
        return UPHTTP_NO;
    if (status >= 500 || status == 429)
        return UPHTTP_UNREACHABLE;
    return UPHTTP_BAD;
}

static bool is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Writes the message of a failed transfer into err: a person's sentence
 * naming the URL (its query left out) and what went wrong. */
static void describe(struct xfer *x, enum uphttp_kind k, CURLcode rc, buf_t *err)
{
    char url[600];
    shown_url(x->cur_url, url, sizeof url);
    char detail[CURL_ERROR_SIZE + 64];
    const char *d = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
    long os_errno = 0;
    curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &os_errno);
    if (os_errno && k == UPHTTP_UNREACHABLE)
        snprintf(detail, sizeof detail, "%s (%s)", strerror((int)os_errno), d);
    else
        snprintf(detail, sizeof detail, "%s", d);
    char safe[sizeof detail];
    log_safe(sv_cstr(detail), safe, sizeof safe);
    buf_reset(err);
    if (x->why != UPHTTP_OK && x->why_msg.len) {
        /* A callback, the redirect check or the URL check said why. */
        buf_printf(err, "upstream %s: %s", url, x->why_msg.p);
        return;
    }
    switch (k) {
    case UPHTTP_NO:
    case UPHTTP_BAD:
        if (x->status && rc == CURLE_OK) {
            buf_printf(err, "upstream %s answered with status %ld", url, x->status);
            return;
        }
        buf_printf(err, "upstream %s sent an answer that cannot be used: %s", url,
                   rc == CURLE_OUT_OF_MEMORY ? "a header line over libcurl's limit (100 KiB), or out of memory" : safe);
        return;
    case UPHTTP_UNREACHABLE:
        if (rc == CURLE_OK)
            buf_printf(err, "upstream %s unreachable: it answered with status %ld", url, x->status);
        else
            buf_printf(err, "upstream %s unreachable: %s", url, safe);
        return;
    case UPHTTP_TIMEOUT:
        buf_printf(err, "upstream %s timed out: %s", url, safe);
        return;
    case UPHTTP_TLS:
        buf_printf(err, "upstream %s: TLS failed: %s", url, safe);
        return;
    case UPHTTP_TOOBIG:
        buf_printf(err, "upstream %s: its body is larger than %llu bytes", url, (unsigned long long)x->cap);
        return;
    default:
        buf_printf(err, "upstream %s: %s", url, safe);
        return;
    }
}

static enum pf_err kind_err(enum uphttp_kind k, long status)
{
    switch (k) {
    case UPHTTP_OK:
        return PF_EOK;
    case UPHTTP_NO:
        return status == 401 || status == 403 ? PF_EFORBIDDEN : PF_ENOTFOUND;
    case UPHTTP_TOOBIG:
        return PF_ETOOBIG;
    case UPHTTP_ABORTED:
        return PF_EIO;
    case UPHTTP_LOCAL:
        return PF_ENOMEM;
    default:
        return PF_EUNAVAIL;
    }
}

/* The Location of the answer x just got, resolved against x->cur_url
 * (malloc'd, free with curl_free), or NULL. Resolved here, not taken from
 * CURLINFO_REDIRECT_URL, which carries the netrc credentials over into a
 * URL on the same host. */
static char *location(struct xfer *x)
{
    struct curl_header *hdr = NULL;
    if (curl_easy_header(x->h, "Location", 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK || !hdr->value[0])
        return NULL;
    CURLU *u = curl_url();
    char *abs = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, x->cur_url, 0) == CURLUE_OK
        && curl_url_set(u, CURLUPART_URL, hdr->value, CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE) == CURLUE_OK
        && curl_url_get(u, CURLUPART_URL, &abs, 0) != CURLUE_OK)
        abs = NULL;
    curl_url_cleanup(u);
    return abs;
}

/* Takes the Location of the redirect x just got as the next URL, writing
 * its origin into origin_buf: it must be http or https (not http after
 * https) and hold no credentials. UPHTTP_OK, or UPHTTP_BAD with the reason
 * in x->why_msg. */
static enum uphttp_kind next_hop(struct xfer *x, char *origin_buf)
{
    char *loc = location(x);
    if (!loc) {
        buf_reject(&x->why_msg, "a redirect (status %ld) without a usable Location", x->status);
        return UPHTTP_BAD;
    }
    bool was_https = strncmp(x->cur_url, "https:", 6) == 0;
    buf_t why;
    buf_init(&why, 512);
    enum uphttp_kind k = UPHTTP_OK;
    if (check_url(loc, origin_buf, &why) != PF_EOK) {
        char shown[600];
        buf_reject(&x->why_msg, "a redirect to %s refused: %s", shown_url(loc, shown, sizeof shown),
                   why.p ? why.p : "");
        k = UPHTTP_BAD;
    } else if (was_https && strncmp(loc, "https:", 6) != 0) {
        buf_reject(&x->why_msg, "a redirect from https to http refused");
        k = UPHTTP_BAD;
    } else {
        snprintf(x->cur_url, sizeof x->cur_url, "%s", loc);
    }
    buf_free(&why);
    curl_free(loc);
    return k;
}

/* Runs the transfer of url, following redirects, and sets out's kind and
 * status. A long function: the redirect loop is one piece, each hop
 * deciding the credentials, and each end (a callback's stop, libcurl's
 * error, the status) maps to one kind here. */
static enum uphttp_kind run(struct xfer *x, const char *url, bool conditional, buf_t *err)
{
    char origin[UPHTTP_URL_MAX + 32], hop_origin[UPHTTP_URL_MAX + 32];
    snprintf(x->cur_url, sizeof x->cur_url, "%s", url);
    if (check_url(url, origin, &x->why_msg) != PF_EOK) {
        x->why = UPHTTP_LOCAL;
        x->refused_url = true;
        describe(x, UPHTTP_LOCAL, CURLE_OK, err);
        return UPHTTP_LOCAL;
    }
    memcpy(hop_origin, origin, sizeof hop_origin);
    char home_origin[UPHTTP_URL_MAX + 32] = "";
    buf_t ignored;
    buf_init(&ignored, 256);
    bool judged = x->o->home_url && !proxied() && check_url(x->o->home_url, home_origin, &ignored) == PF_EOK;
    buf_free(&ignored);
    for (int hop = 0;; hop++) {
        bool home = strcmp(hop_origin, origin) == 0;
        x->public_only = judged && strcmp(hop_origin, home_origin) != 0;
        CURLcode rc = curl_easy_setopt(x->h, CURLOPT_URL, x->cur_url);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(x->h, CURLOPT_NETRC, (long)(home && x->o->netrc_file ? CURL_NETRC_OPTIONAL
                                                                                        : CURL_NETRC_IGNORED));
        if (rc == CURLE_OK && home && x->o->netrc_file)
            rc = curl_easy_setopt(x->h, CURLOPT_NETRC_FILE, x->o->netrc_file);
        if (rc != CURLE_OK) {
            describe(x, UPHTTP_LOCAL, rc, err);
            return UPHTTP_LOCAL;
        }
        x->status = 0;
        x->skipped = 0;
        x->errbuf[0] = '\0';
        x->why = UPHTTP_OK;
        buf_reset(&x->why_msg);
        uphttp_head_reset(x->head);
        rc = curl_easy_perform(x->h);
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
        enum uphttp_kind k;
        if (x->why != UPHTTP_OK)
            k = x->why; /* a callback stopped it */
        else if (x->status && x->status != 200
                 && (rc == CURLE_OK || rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED)) {
            /* An answer whose body was not wanted. */
            if (is_redirect(x->status)) {
                if (hop == UPHTTP_MAX_REDIRECTS) {
                    buf_reject(&x->why_msg, "more than %d redirects", UPHTTP_MAX_REDIRECTS);
                    x->why = k = UPHTTP_BAD;
                } else if ((k = next_hop(x, hop_origin)) == UPHTTP_OK) {
                    continue;
                } else {
                    x->why = k;
                }
            } else {
                k = status_kind(x->status, conditional);
                rc = CURLE_OK;
            }
        } else if (rc != CURLE_OK) {
            k = classify(rc);
            x->refused_url = rc == CURLE_URL_MALFORMAT;
        } else {
            k = status_kind(x->status, conditional);
        }
        if (k != UPHTTP_OK)
            describe(x, k, rc, err);
        return k;
    }
}

/* Checks a cached validator before it goes into a request header. */
static bool validator_ok(const char *v)
{
    return strlen(v) <= UPHTTP_VALUE_MAX && !has_control(sv_cstr(v));
}

enum pf_err uphttp_page(const struct uphttp_opts *o, const char *url, const char *etag, const char *last_modified,
                        size_t cap, struct uphttp_page *out, buf_t *err)
{
    memset(out, 0, sizeof *out);
    buf_init(&out->body, cap);
    out->kind = UPHTTP_LOCAL;
    bool has_etag = etag && *etag, has_lm = last_modified && *last_modified;
    if ((has_etag && !validator_ok(etag)) || (has_lm && !validator_ok(last_modified))) {
        buf_reject(err, "upstream: a cached validator too long or holding a control byte");
        return PF_EINVAL;
    }
    struct xfer x = { .o = o, .cap = cap, .head = &out->head, .body = &out->body };
    buf_init(&x.why_msg, 1024);
    struct curl_slist *hdrs = NULL, *t;
    char line[UPHTTP_VALUE_MAX + 32];
    bool ok = (hdrs = curl_slist_append(NULL, PAGE_ACCEPT)) != NULL;
    if (ok && has_etag) {
        snprintf(line, sizeof line, "If-None-Match: %s", etag);
        ok = (t = curl_slist_append(hdrs, line)) != NULL, hdrs = ok ? t : hdrs;
    }
    if (ok && has_lm) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", last_modified);
        ok = (t = curl_slist_append(hdrs, line)) != NULL, hdrs = ok ? t : hdrs;
    }
    enum pf_err e = PF_ENOMEM;
    if (ok && (x.h = curl_easy_init()) != NULL && easy_setup(&x, hdrs) == PF_EOK) {
        out->kind = run(&x, url, has_etag || has_lm, err);
        out->status = (int)x.status;
        e = kind_err(out->kind, x.status);
        if (x.refused_url)
            e = PF_EINVAL;
        char *eff = NULL;
        if (x.status && curl_easy_getinfo(x.h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff
            && !(out->final_url = strdup(eff)))
            e = PF_ENOMEM;
    } else {
        buf_reject(err, "upstream: out of memory");
    }
    if (out->kind != UPHTTP_OK || out->status != 200)
        buf_reset(&out->body);
    curl_easy_cleanup(x.h);
    curl_slist_free_all(hdrs);
    buf_free(&x.why_msg);
    return e;
}

void uphttp_page_free(struct uphttp_page *p)
{
    free(p->final_url);
    p->final_url = NULL;
    buf_free(&p->body);
}

enum pf_err uphttp_file(const struct uphttp_opts *o, const char *url, uint64_t cap, uphttp_sink sink, void *ctx,
                        struct uphttp_file *out, buf_t *err)
{
    memset(out, 0, sizeof *out);
    out->kind = UPHTTP_LOCAL;
    struct uphttp_head head;
    struct xfer x = { .o = o, .is_file = true, .cap = cap, .head = &head, .sink = sink, .sink_ctx = ctx };
    buf_init(&x.why_msg, 1024);
    enum pf_err e = digest_stream_init(&x.dig, DIGEST_SHA256);
    if (e == PF_EOK && ((x.h = curl_easy_init()) == NULL || easy_setup(&x, NULL) != PF_EOK))
        e = PF_ENOMEM;
    if (e == PF_EOK) {
        out->kind = run(&x, url, false, err);
        out->status = (int)x.status;
        out->size = x.got;
        e = kind_err(out->kind, x.status);
        if (x.refused_url)
            e = PF_EINVAL;
    } else {
        buf_reject(err, "upstream: out of memory");
    }
    if (out->kind == UPHTTP_OK) {
        char b2[DIGEST_HEX_LEN + 1], md5[DIGEST_MD5_HEX_LEN + 1];
        digest_stream_final(&x.dig, out->sha256, b2, md5);
    }
    digest_stream_free(&x.dig);
    curl_easy_cleanup(x.h);
    buf_free(&x.why_msg);
    return e;
}

enum pf_err uphttp_global_init(buf_t *err)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        buf_reject(err, "libcurl failed to start: %s", curl_easy_strerror(rc));
        return PF_EUNAVAIL;
    }
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (v->version_num < 0x075500) { /* 7.85.0: CURLOPT_PROTOCOLS_STR */
        buf_reject(err, "libcurl %s is too old: 7.85.0 or later is needed", v->version);
        curl_global_cleanup();
        return PF_EUNAVAIL;
    }
    if (!(v->features & CURL_VERSION_SSL)) {
        buf_reject(err, "libcurl %s was built without TLS", v->version);
        curl_global_cleanup();
        return PF_EUNAVAIL;
    }
    return PF_EOK;
}

void uphttp_global_cleanup(void)
{
    curl_global_cleanup();
}
