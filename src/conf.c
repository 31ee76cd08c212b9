/* SPDX-License-Identifier: MIT */
/* conf.c: the settings table and its parsers. */
#include "config.h"
#include "conf.h"
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include "log.h"
#include "welcome.h"

static enum pf_err set_str(char **dst, const char *v)
{
    char *p = strdup(v);
    if (!p)
        return PF_ENOMEM;
    free(*dst);
    *dst = p;
    return PF_EOK;
}

static enum pf_err add_root(struct config *cfg, const char *v)
{
    char **r = realloc(cfg->roots, (cfg->nroots + 1) * sizeof *r);
    if (!r)
        return PF_ENOMEM;
    cfg->roots = r;
    if (!(r[cfg->nroots] = strdup(v)))
        return PF_ENOMEM;
    cfg->nroots++;
    return PF_EOK;
}

/* ---- the types' parsers ---- */

static enum pf_err parse_long(const struct conf_setting *s, const char *v, long *out, buf_t *err)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < s->lo || n > s->hi)
        return buf_reject(err, "%s: '%s' is not a number from %ld to %ld", s->name, v, s->lo, s->hi);
    *out = n;
    return PF_EOK;
}

static enum pf_err parse_bool(const char *name, const char *v, bool *out, buf_t *err)
{
    if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else
        return buf_reject(err, "%s: '%s' is neither yes nor no", name, v);
    return PF_EOK;
}

/* A byte count with an optional 1024-based suffix: 500, 64K, 100M, 1G. */
static enum pf_err parse_size(const struct conf_setting *s, const char *v, uint64_t *out, buf_t *err)
{
    if (s->lo == 0 && strcmp(v, "0") == 0) {
        *out = 0;
        return PF_EOK;
    }
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    }
    if (errno || end == v || *end || v[0] == '-' || n == 0 || n > (UINT64_MAX >> 1 >> shift))
        return buf_reject(err, "%s: '%s' is not a size such as 500M or 2G", s->name, v);
    *out = (uint64_t)n << shift;
    return PF_EOK;
}

/* ---- the settings of their own kind: parse and print hooks ---- */

static enum pf_err parse_root(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    return *v ? add_root(cfg, v) : buf_reject(err, "%s: empty path", s->name);
}

static void print_roots(const struct config *cfg, const struct conf_setting *s, FILE *f)
{
    for (size_t i = 0; i < cfg->nroots; i++)
        fprintf(f, "%s = %s\n", s->name, cfg->roots[i]);
}

static enum pf_err parse_listen(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    if (strncmp(v, "unix:/", 6) != 0 && strncmp(v, "tcp:", 4) != 0)
        return buf_reject(err, "%s: '%s' is neither unix:/ABSOLUTE/PATH nor tcp:HOST:PORT", s->name, v);
    if (strncmp(v, "tcp:", 4) == 0) {
        const char *colon = strrchr(v + 4, ':');
        char *end;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        if (!colon || colon == v + 4 || *end || port < 1 || port > 65535)
            return buf_reject(err, "%s: '%s' needs tcp:HOST:PORT with a host and a port", s->name, v);
    }
    return set_str(&cfg->listen, v);
}

static enum pf_err parse_sendfile(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    /* A later line replaces an earlier one whole, prefix included. */
    if (strcmp(v, "none") == 0 || strcmp(v, "x-sendfile") == 0) {
        free(cfg->accel_prefix);
        cfg->accel_prefix = NULL;
    }
    if (strcmp(v, "none") == 0)
        cfg->sendfile = SENDFILE_NONE;
    else if (strcmp(v, "x-sendfile") == 0)
        cfg->sendfile = SENDFILE_X_SENDFILE;
    else if (strncmp(v, "x-accel-redirect:", 17) == 0) {
        const char *p = v + 17;
        size_t n = strlen(p);
        if (n < 2 || p[0] != '/' || p[n - 1] != '/' || strstr(p, "..") || strpbrk(p, "?#% \t"))
            return buf_reject(err, "%s: the x-accel-redirect prefix '%s' must look like /INTERNAL/PREFIX/", s->name, p);
        cfg->sendfile = SENDFILE_X_ACCEL;
        return set_str(&cfg->accel_prefix, p);
    } else
        return buf_reject(err, "%s: '%s' is not none, x-sendfile or x-accel-redirect:/PREFIX/", s->name, v);
    return PF_EOK;
}

static void print_sendfile(const struct config *cfg, const struct conf_setting *s, FILE *f)
{
    static const char *const modes[] = { "none", "x-sendfile", "x-accel-redirect:" };
    fprintf(f, "%s = %s%s\n", s->name, modes[cfg->sendfile], cfg->accel_prefix ? cfg->accel_prefix : "");
}

static enum pf_err parse_url_prefix(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    size_t n = strlen(v);
    if (n && (v[0] != '/' || v[n - 1] == '/'))
        return buf_reject(err, "%s: '%s' must start with '/' and not end with one (or be empty for /)", s->name, v);
    return set_str(&cfg->url_prefix, v);
}

static enum pf_err parse_log_level(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    int l = log_level_parse(v);
    if (l < 0)
        return buf_reject(err, "%s: '%s' is not error, warn, info or debug", s->name, v);
    cfg->log_level = l;
    return PF_EOK;
}

static void print_log_level(const struct config *cfg, const struct conf_setting *s, FILE *f)
{
    fprintf(f, "%s = %s\n", s->name, log_level_name((enum log_level)cfg->log_level));
}

static enum pf_err parse_actions(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    unsigned a = 0;
    if (strcmp(v, ".") == 0) {
        cfg->authenticate = 0;
        return PF_EOK;
    }
    sv_t rest = sv_cstr(v);
    while (rest.len) {
        sv_t w = sv_trim(sv_split(&rest, ','));
        if (sv_eq(w, SV_LIT("update")))
            a |= AUTH_UPDATE;
        else if (sv_eq(w, SV_LIT("download")))
            a |= AUTH_DOWNLOAD;
        else if (sv_eq(w, SV_LIT("list")))
            a |= AUTH_LIST;
        else
            return buf_reject(err, "%s: '%.*s' is not update, download or list (or . for none)", s->name, (int)w.len,
                        w.p);
    }
    if (!a)
        return buf_reject(err, "%s: empty list (use . for none)", s->name);
    /* Uploads stay behind a login whatever else is listed: a list that
     * protects downloads while leaving uploads open is a mistake far more
     * often than a wish. Anonymous uploads take "." (and -t warns). */
    cfg->authenticate = a | AUTH_UPDATE;
    return PF_EOK;
}

static void print_actions(const struct config *cfg, const struct conf_setting *s, FILE *f)
{
    unsigned a = cfg->authenticate;
    if (!a)
        fprintf(f, "%s = .\n", s->name);
    else
        fprintf(f, "%s = %s%s%s%s%s\n", s->name, a & AUTH_UPDATE ? "update" : "",
                (a & AUTH_UPDATE) && (a & (AUTH_DOWNLOAD | AUTH_LIST)) ? "," : "", a & AUTH_DOWNLOAD ? "download" : "",
                (a & AUTH_DOWNLOAD) && (a & AUTH_LIST) ? "," : "", a & AUTH_LIST ? "list" : "");
    if (!(a & AUTH_UPDATE))
        fprintf(f, "# WARNING: anyone may upload and remove files (authenticate = . asks no login for them)\n");
}

static enum pf_err parse_trust(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    if (strcmp(v, "tcp") == 0) {
        cfg->trust_remote_user = TRUST_TCP;
        return PF_EOK;
    }
    bool on;
    if (parse_bool(s->name, v, &on, err))
        return buf_reject(err, "%s: '%s' is not yes, no or tcp", s->name, v);
    cfg->trust_remote_user = on ? TRUST_YES : TRUST_NO;
    return PF_EOK;
}

static void print_trust(const struct config *cfg, const struct conf_setting *s, FILE *f)
{
    static const char *const trust[] = { "no", "yes", "tcp" };
    fprintf(f, "%s = %s\n", s->name, trust[cfg->trust_remote_user]);
    if (cfg->trust_remote_user == TRUST_TCP)
        fprintf(f, "# WARNING: REMOTE_USER is believed from anyone who can connect to a TCP socket\n");
}

static void print_password_checks(const struct config *cfg, const struct conf_setting *s, FILE *f)
{
    if (cfg->password_checks)
        fprintf(f, "%s = %ld\n", s->name, cfg->password_checks);
    else
        fprintf(f, "# %s: %ld (%s)\n", s->name, conf_password_checks(cfg), s->unset);
}

/* pypiserver takes ^/[a-z0-9/_-]+$ in any case. A path below a route
 * of the index is refused, the check would hide it: pypiserver's /RPC2 and
 * the JSON API's /pypi too. A path of one segment may also be a project's
 * name: like /health, it then takes the server root's /<name> shortcut
 * from that one project, never its /simple/<name>/ page. */
static enum pf_err parse_health(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    static const char *const routes[] = { "/simple", "/packages", "/legacy", "/RPC2", "/pypi" };
    size_t n = strlen(v);
    if (strcmp(v, "/") == 0)
        return buf_reject(err, "%s: '/' is the welcome page and the upload URL", s->name);
    if (n < 2 || n > 200 || v[0] != '/' || strstr(v, "//") ||
        strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_-") != n)
        return buf_reject(err, "%s: '%s' is not a path such as /healthz ('/', then letters, digits, '_', '-' and "
                              "single '/')", s->name, v);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        size_t r = strlen(routes[i]);
        if (strncmp(v, routes[i], r) == 0 && (v[r] == '\0' || v[r] == '/'))
            return buf_reject(err, "%s: '%s' would hide %s, which pypi-fcgi serves", s->name, v, routes[i]);
    }
    return set_str(&cfg->health_endpoint, v);
}

/* An address as inet_pton reads it; an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, REMOTE_ADDR on a dual-stack socket) as the IPv4 one. */
static bool read_addr(const char *text, struct conf_addr *a)
{
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (inet_pton(AF_INET, text, a->a) == 1) {
        a->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, a->a) != 1)
        return false;
    a->family = AF_INET6;
    if (memcmp(a->a, mapped, sizeof mapped) == 0) {
        memmove(a->a, a->a + 12, 4);
        a->family = AF_INET;
    }
    return true;
}

static enum pf_err parse_proxies(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    struct conf_addr a[CONF_MAX_PROXIES];
    size_t n = 0;
    sv_t rest = sv_cstr(v);
    while (rest.len) {
        sv_t w = sv_trim(sv_split(&rest, ','));
        char text[INET6_ADDRSTRLEN + 1];
        if (n == CONF_MAX_PROXIES)
            return buf_reject(err, "%s: more than %d addresses", s->name, CONF_MAX_PROXIES);
        if (!w.len || w.len >= sizeof text)
            return buf_reject(err, "%s: '%.*s' is not an IPv4 or IPv6 address", s->name, (int)w.len, w.p);
        memcpy(text, w.p, w.len);
        text[w.len] = '\0';
        if (!read_addr(text, &a[n]))
            return buf_reject(err, "%s: '%s' is not an IPv4 or IPv6 address (list each proxy, not a network)",
                             s->name, text);
        n++;
    }
    if (!n)
        return buf_reject(err, "%s: empty list", s->name);
    memcpy(cfg->proxies, a, n * sizeof a[0]);
    cfg->nproxies = n;
    return set_str(&cfg->trusted_proxy, v);
}

#define FIELD(name) offsetof(struct config, name)

/* In the order of --help and of the printed configuration. */
const struct conf_setting conf_settings[] = {
    { .name = "root", .arg = "DIR", .deflt = "(none)", .type = CONF_OWN, .unset = "none",
      .parse = parse_root, .print = print_roots,
      .help = "a package root; repeat for several (in a config file: one root = line each); the first receives "
              "uploads" },
    { .name = "threads", .arg = "N", .deflt = "4", .type = CONF_LONG, .field = FIELD(threads), .lo = 1, .hi = 1024,
      .help = "worker threads per process (1..1024); use 1 under mod_fcgid" },
    { .name = "listen", .arg = "ADDR", .deflt = "fd 0", .type = CONF_PATH, .field = FIELD(listen),
      .unset = "the socket on fd 0", .parse = parse_listen,
      .help = "unix:PATH or tcp:HOST:PORT; default: the listening socket on fd 0 (spawn-fcgi, mod_fcgid, "
              "lighttpd)" },
    { .name = "sendfile", .arg = "MODE", .deflt = "none", .type = CONF_OWN, .parse = parse_sendfile,
      .print = print_sendfile,
      .help = "none (stream files ourselves), x-sendfile (lighttpd, Apache mod_xsendfile) or "
              "x-accel-redirect:/PREFIX/ (nginx)" },
    { .name = "url-prefix", .arg = "PATH", .deflt = "(SCRIPT_NAME)", .type = CONF_PATH, .field = FIELD(url_prefix),
      .unset = "SCRIPT_NAME", .parse = parse_url_prefix,
      .help = "where the index is mounted, e.g. /pypi; default: the SCRIPT_NAME the web server passes" },
    { .name = "log-level", .arg = "LEVEL", .deflt = "info", .type = CONF_OWN, .parse = parse_log_level,
      .print = print_log_level, .help = "error, warn, info or debug" },
    { .name = "rescan-interval", .arg = "SECONDS", .deflt = "5", .type = CONF_LONG, .field = FIELD(rescan_interval),
      .lo = 0, .hi = 86400,
      .help = "how often the whole tree is checked for files added where no project page looks (0: never)" },
    { .name = "cache-size", .arg = "MIB", .deflt = "24", .type = CONF_LONG, .field = FIELD(cache_size), .lo = 1,
      .hi = 4096, .help = "rendered pages kept in memory per process, in MiB (1..4096)" },
    { .name = "max-upload-size", .arg = "SIZE", .deflt = "1G", .type = CONF_SIZE, .field = FIELD(max_upload),
      .lo = 1, .help = "largest file an upload may carry, in bytes or with K, M, G or T (1024-based)" },
    { .name = "upload-timeout", .arg = "SECONDS", .deflt = "60", .type = CONF_LONG, .field = FIELD(upload_timeout),
      .lo = 0, .hi = 86400,
      .help = "a request body must keep arriving: at least --upload-min-rate over each such period (0: no "
              "limit)" },
    { .name = "upload-min-rate", .arg = "SIZE", .deflt = "16K", .type = CONF_SIZE, .field = FIELD(upload_min_rate),
      .lo = 0, .help = "bytes per second a request body must bring, judged per --upload-timeout (0: none)" },
    { .name = "overwrite", .deflt = "no", .type = CONF_BOOL, .field = FIELD(overwrite),
      .help = "an upload may replace a file of the same name with different content" },
    { .name = "removal-grace", .arg = "SECONDS", .deflt = "3600", .type = CONF_LONG, .field = FIELD(removal_grace),
      .lo = 0, .hi = 30 * 86400,
      .help = "a removed or replaced file is kept aside this long, so that a host still sending it can finish "
              "(0: deleted at once)" },
    { .name = "single-publisher", .deflt = "no", .type = CONF_BOOL, .field = FIELD(single_publisher),
      .help = "only this host publishes into the tree: allows uploads on a filesystem whose locks are not "
              "shared between hosts" },
    { .name = "htpasswd", .arg = "FILE", .deflt = "(none)", .type = CONF_PATH, .field = FIELD(htpasswd),
      .unset = "none",
      .help = "Apache htpasswd file (bcrypt, SHA-256/512-crypt, apr1, {SHA}); re-read when it changes" },
    { .name = "authenticate", .arg = "LIST", .deflt = "update", .type = CONF_OWN, .parse = parse_actions,
      .print = print_actions,
      .help = "actions that need a login: update (upload, remove), download, list, comma-separated; update is "
              "always in a list; . for none, which lets anyone upload" },
    { .name = "trust-remote-user", .deflt = "no", .type = CONF_OWN, .parse = parse_trust, .print = print_trust,
      .help = "take the user the web server authenticated (REMOTE_USER with a non-empty AUTH_TYPE); =tcp also "
              "on a TCP socket" },
    { .name = "upload-acl", .arg = "FILE", .deflt = "(none)", .type = CONF_PATH, .field = FIELD(upload_acl),
      .unset = "none", .help = "which users may upload to which projects; re-read when it changes" },
    { .name = "state-dir", .arg = "DIR", .deflt = "(none)", .type = CONF_PATH, .field = FIELD(state_dir),
      .unset = "none",
      .help = "where the records of files in directories pypi-fcgi cannot write are kept (a read-only tree); "
              "without it they are read again each time a project leaves the cache" },
    { .name = "password-checks", .arg = "N", .deflt = "(threads/4)", .type = CONF_LONG,
      .field = FIELD(password_checks), .lo = 1, .hi = 1024, .unset = "a quarter of threads, at least 1",
      .print = print_password_checks,
      .help = "passwords checked against the htpasswd file at once per process, below threads; more get 503 "
              "(default: a quarter of threads, at least 1)" },
    { .name = "login-failures", .arg = "N", .deflt = "20", .type = CONF_LONG, .field = FIELD(login_failures),
      .lo = 0, .hi = 1000000,
      .help = "failed logins per client address (REMOTE_ADDR) and minute before its logins get 429 (0: no "
              "limit)" },
    { .name = "welcome", .arg = "FILE", .deflt = "(none)", .type = CONF_PATH, .field = FIELD(welcome),
      .unset = "pypi-fcgi's own welcome page",
      .help = "the welcome page (GET /): an HTML file in pypiserver's template form, {{URL}}, {{VERSION}}, "
              "{{NUMPKGS}}, {{PACKAGES}}, {{SIMPLE}} filled in; read once at start (at most 64 KiB)" },
    { .name = "health-endpoint", .arg = "PATH", .deflt = "/health", .type = CONF_PATH,
      .field = FIELD(health_endpoint), .parse = parse_health,
      .help = "the path of the health check below the index's URL, answered without a login" },
    { .name = "cache-control", .arg = "AGE", .deflt = "0", .type = CONF_LONG, .field = FIELD(cache_control),
      .lo = 0, .hi = 2147483647,
      .help = "package files are sent with Cache-Control: public, max-age=AGE (private under --authenticate "
              "download); 0: kept a year as immutable (no-cache with --overwrite)" },
    { .name = "trusted-proxy", .arg = "ADDRS", .deflt = "(none)", .type = CONF_PATH, .field = FIELD(trusted_proxy),
      .unset = "none: X-Forwarded-* headers are ignored", .parse = parse_proxies,
      .help = "comma-separated addresses of proxies whose X-Forwarded-Host, -Proto and -Prefix set the URLs "
              "pypi-fcgi prints, for requests whose REMOTE_ADDR is one of them" },
    { .name = "upstream", .arg = "URL", .deflt = "(none)", .type = CONF_PATH, .field = FIELD(upstream),
      .unset = "none", .parse = conf_parse_upstream,
      .help = "a pull-through cache of this index (its simple URL, http or https), asked for projects that have "
              "no local file" },
    { .name = "upstream-ca", .arg = "FILE", .deflt = "(system CAs)", .type = CONF_PATH, .field = FIELD(upstream_ca),
      .unset = "the system CAs", .help = "a PEM bundle that replaces the system CAs for the upstream" },
    { .name = "upstream-netrc", .arg = "FILE", .deflt = "(none)", .type = CONF_PATH, .field = FIELD(upstream_netrc),
      .unset = "none", .help = "the upstream's credentials, in netrc format" },
    { .name = "upstream-cache", .arg = "DIR", .deflt = "(STATE_DIR/upstream)", .type = CONF_PATH,
      .field = FIELD(upstream_cache), .unset = "STATE_DIR/upstream",
      .help = "where pages and files from the upstream are kept; apart from every root" },
    { .name = "upstream-ttl", .arg = "DURATION", .deflt = "10m", .type = CONF_DURATION, .field = FIELD(upstream_ttl),
      .lo = 0, .hi = 30 * 86400,
      .help = "a project page from the upstream is used this long before it is asked again (0: every request; "
              "s, m, h, d)" },
    { .name = "upstream-min-age", .arg = "DURATION", .deflt = "0", .type = CONF_DURATION,
      .field = FIELD(upstream_min_age), .lo = 0, .hi = 365 * 86400,
      .help = "an upstream file uploaded less than this long ago is not offered (0: off; s, m, h, d)" },
    { .name = "upstream-fetches", .arg = "N", .deflt = "4", .type = CONF_LONG, .field = FIELD(upstream_fetches),
      .lo = 1, .hi = 256, .help = "upstream file transfers at once per process (1..256)" },
    { .name = "upstream-timeout", .arg = "SECONDS", .deflt = "30", .type = CONF_LONG,
      .field = FIELD(upstream_timeout), .lo = 1, .hi = 3600,
      .help = "connecting to the upstream, and each wait for its bytes, gives up after this long (1..3600)" },
    { .name = "upstream-allow", .arg = "GLOB", .deflt = "(every name)", .type = CONF_LIST,
      .field = FIELD(upstream_allow), .count = FIELD(nupstream_allow), .unset = "every name",
      .parse = conf_parse_name_glob,
      .help = "only project names matching a pattern ('*', '?') are asked of the upstream; repeat for several" },
    { .name = "upstream-deny", .arg = "GLOB", .deflt = "(none)", .type = CONF_LIST, .field = FIELD(upstream_deny),
      .count = FIELD(nupstream_deny), .unset = "none", .parse = conf_parse_name_glob,
      .help = "project names matching a pattern are never asked of the upstream; repeat for several" },
    { .name = "upstream-claims", .arg = "FILE", .deflt = "(none)", .type = CONF_PATH,
      .field = FIELD(upstream_claims), .unset = "none",
      .help = "names claimed for local use, never asked of the upstream even before they have a file" },
};
const size_t conf_nsettings = sizeof conf_settings / sizeof conf_settings[0];
_Static_assert(sizeof conf_settings / sizeof conf_settings[0] <= 64, "conf_parse_args keeps a bit per row");

const char conf_tcp_trust_refusal[] =
    "trust-remote-user: the FastCGI socket is TCP, and anyone who can connect to it can send REMOTE_USER "
    "and AUTH_TYPE and so claim to be any user; listen on a unix socket that only the web server may open, "
    "or say --trust-remote-user=tcp if a firewall lets only the web server reach the port";

static const struct conf_setting *find_setting(const char *name, size_t len)
{
    for (size_t i = 0; i < conf_nsettings; i++)
        if (strlen(conf_settings[i].name) == len && strncmp(conf_settings[i].name, name, len) == 0)
            return &conf_settings[i];
    return NULL;
}

void conf_init(struct config *cfg)
{
    buf_t err;
    memset(cfg, 0, sizeof *cfg);
    buf_init(&err, 4096);
    for (size_t i = 0; i < conf_nsettings; i++)
        /* Cannot fail: test_conf sets every such default the same way. */
        if (!conf_settings[i].unset && conf_set(cfg, conf_settings[i].name, conf_settings[i].deflt, &err))
            abort();
    cfg->upstream_given = NULL;
    buf_free(&err);
}

long conf_password_checks(const struct config *cfg)
{
    if (cfg->password_checks)
        return cfg->password_checks;
    long n = cfg->threads / 4;
    return n > 0 ? n : 1;
}

bool conf_proxy_trusted(const struct config *cfg, const char *addr)
{
    struct conf_addr a;
    if (!cfg->nproxies || !addr || strlen(addr) > INET6_ADDRSTRLEN || !read_addr(addr, &a))
        return false;
    for (size_t i = 0; i < cfg->nproxies; i++)
        if (cfg->proxies[i].family == a.family &&
            memcmp(cfg->proxies[i].a, a.a, a.family == AF_INET ? 4 : sizeof a.a) == 0)
            return true;
    return false;
}

long conf_env_number(const char *v)
{
    if (!v || *v < '0' || *v > '9')
        return -1; /* strtol would take blanks and a sign */
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    return errno || *end ? -1 : n;
}

void conf_free(struct config *cfg)
{
    for (size_t i = 0; i < conf_nsettings; i++)
        if (conf_settings[i].type == CONF_PATH)
            free(*(char **)((char *)cfg + conf_settings[i].field));
        else if (conf_settings[i].type == CONF_LIST)
            conf_list_clear(cfg, &conf_settings[i]);
    /* What the rows of their own kind keep, and -c. */
    for (size_t i = 0; i < cfg->nroots; i++)
        free(cfg->roots[i]);
    free(cfg->roots);
    free(cfg->accel_prefix);
    free(cfg->welcome_text);
    free(cfg->conf_file);
    memset(cfg, 0, sizeof *cfg);
}

enum pf_err conf_set(struct config *cfg, const char *name, const char *v, buf_t *err)
{
    /* Values reach paths, log lines and response headers (the
     * x-accel-redirect prefix, roots in X-Sendfile): a control byte from
     * the command line is refused here as one from a file is by its line. */
    for (const char *c = v; *c; c++)
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
            return buf_reject(err, "%s: a control character in the value", name);
    const struct conf_setting *s = find_setting(name, strlen(name));
    if (!s)
        return buf_reject(err, "unknown setting '%s'", name);
    void *field = (char *)cfg + s->field;
    if (strncmp(s->name, "upstream-", 9) == 0 && !cfg->upstream_given)
        cfg->upstream_given = s->name;
    if (s->parse)
        return s->parse(cfg, s, v, err);
    switch (s->type) {
    case CONF_LONG:
        return parse_long(s, v, field, err);
    case CONF_SIZE:
        return parse_size(s, v, field, err);
    case CONF_BOOL:
        return parse_bool(s->name, v, field, err);
    case CONF_PATH:
        return *v ? set_str(field, v) : buf_reject(err, "%s: empty path", s->name);
    case CONF_DURATION:
        return conf_parse_duration(s, v, field, err);
    case CONF_LIST:
        return conf_list_add(cfg, s, v);
    case CONF_OWN:
        break;
    }
    return buf_reject(err, "%s: cannot be set", s->name);
}

enum pf_err conf_parse_text(struct config *cfg, const char *text, const char *origin, buf_t *err)
{
    sv_t t = sv_cstr(text);
    for (int lineno = 1; t.len; lineno++) {
        sv_t line = sv_split(&t, '\n');
        if (line.len > 4096)
            return buf_reject(err, "%s: line too long", origin);
        long hash = sv_index(line, '#');
        if (hash >= 0)
            line.len = (size_t)hash;
        line = sv_trim(line);
        if (line.len && line.p[line.len - 1] == '\r')
            line = sv_trim(sv_make(line.p, line.len - 1));
        if (!line.len)
            continue;
        long eq = sv_index(line, '=');
        char key[64], val[4097];
        sv_t k = eq < 0 ? line : sv_trim(sv_make(line.p, (size_t)eq));
        sv_t v = eq < 0 ? SV_LIT("") : sv_trim(sv_make(line.p + eq + 1, line.len - (size_t)eq - 1));
        if (eq < 0 || k.len == 0 || k.len >= sizeof key) {
            buf_reset(err);
            (void)buf_printf(err, "%s:%d: expected 'key = value'", origin, lineno);
            return PF_EINVAL;
        }
        for (size_t i = 0; i < line.len; i++)
            if ((unsigned char)line.p[i] < 0x20 && line.p[i] != '\t') {
                buf_reset(err);
                (void)buf_printf(err, "%s:%d: a control character in the line", origin, lineno);
                return PF_EINVAL;
            }
        memcpy(key, k.p, k.len);
        key[k.len] = '\0';
        memcpy(val, v.p, v.len);
        val[v.len] = '\0';
        enum pf_err e = conf_set(cfg, key, val, err);
        if (e) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s:%d: %s", origin, lineno, err->p ? err->p : "");
            buf_reset(err);
            (void)buf_append_str(err, msg);
            return e;
        }
    }
    return PF_EOK;
}

static enum pf_err parse_file(struct config *cfg, const char *path, buf_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        buf_reset(err);
        (void)buf_printf(err, "cannot read config file %s: %s", path, strerror(errno));
        return PF_EINVAL;
    }
    buf_t text;
    buf_init(&text, 1 << 20);
    char chunk[4096];
    size_t n;
    enum pf_err e = PF_EOK;
    while (!e && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        e = buf_append(&text, chunk, n);
    fclose(f);
    if (e) {
        buf_free(&text);
        return buf_reject(err, "config file %s is larger than 1 MiB", path);
    }
    e = conf_parse_text(cfg, text.p ? text.p : "", path, err);
    buf_free(&text);
    return e;
}

/* Adds a root given on the command line, checked as a root line of the
 * file is; the first one drops the file_roots roots that the -c file gave,
 * as the command line's replace them. */
static enum pf_err cmdline_root(struct config *cfg, size_t file_roots, bool *cmdline_roots, const char *path,
                                buf_t *err)
{
    if (!*cmdline_roots) {
        for (size_t r = 0; r < file_roots; r++)
            free(cfg->roots[r]);
        cfg->nroots = 0;
        *cmdline_roots = true;
    }
    return conf_set(cfg, "root", path, err);
}

enum pf_err conf_parse_args(int argc, char **argv, struct config *cfg, const char **action, int *argi,
                              buf_t *err)
{
    *action = "serve";
    *argi = argc;
    /* The -c file is read first so that the command line overrides it. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc)
                return buf_reject(err, "%s needs a file", argv[i]);
            enum pf_err e = set_str(&cfg->conf_file, argv[i + 1]);
            if (e || (e = parse_file(cfg, argv[i + 1], err)))
                return e;
            break;
        }
    }
    size_t file_roots = cfg->nroots;
    bool cmdline_roots = false;
    uint64_t seen = 0, cmdline_lists = 0;
    enum pf_err e;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            *action = "help";
            return PF_EOK;
        }
        if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            *action = "version";
            return PF_EOK;
        }
        if (strcmp(a, "-t") == 0) {
            cfg->check_only = true;
            continue;
        }
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            i++;
            continue;
        }
        if (i == 1 && (strcmp(a, "yank") == 0 || strcmp(a, "unyank") == 0)) {
            *action = a;
            *argi = i + 1;
            return PF_EOK;
        }
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                if ((e = cmdline_root(cfg, file_roots, &cmdline_roots, argv[i], err)))
                    return e;
            break;
        }
        /* pypiserver's spellings; none is also one of pypi-fcgi's own
         * (test_conf checks), so the order does not matter. */
        bool taken;
        if ((e = conf_pypiserver_take(cfg, argc, argv, &i, &seen, &taken, err)))
            return e;
        if (taken)
            continue;
        if (strncmp(a, "--", 2) == 0) {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const struct conf_setting *s = find_setting(name, len);
            if (!s || strcmp(s->name, "root") == 0)
                return buf_reject(err, "unknown option '%s' (see --help)", a);
            /* A switch needs no value: --overwrite is --overwrite=yes. */
            const char *v = eq ? eq + 1 : !s->arg ? "yes" : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                return buf_reject(err, "option --%s needs a value", s->name);
            /* A list on the command line replaces the file's, as roots do. */
            uint64_t bit = UINT64_C(1) << (s - conf_settings);
            if (s->type == CONF_LIST && !(cmdline_lists & bit)) {
                conf_list_clear(cfg, s);
                cmdline_lists |= bit;
            }
            if ((e = conf_set(cfg, s->name, v, err)))
                return e;
            continue;
        }
        if (a[0] == '-' && a[1])
            return buf_reject(err, "unknown option '%s' (see --help)", a);
        if ((e = cmdline_root(cfg, file_roots, &cmdline_roots, a, err)))
            return e;
    }
    return PF_EOK;
}

enum pf_err conf_check(struct config *cfg, buf_t *err)
{
    if (cfg->nroots == 0)
        return buf_reject(err, "no package root given (pypi-fcgi [options] ROOT...)");
    for (size_t i = 0; i < cfg->nroots; i++) {
        char *real = realpath(cfg->roots[i], NULL);
        struct stat st;
        if (!real || stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
            enum pf_err e = buf_reject(err, "package root %s: %s", cfg->roots[i],
                                 real ? "not a directory" : strerror(errno));
            free(real);
            return e;
        }
        free(cfg->roots[i]);
        cfg->roots[i] = real;
    }
    if (cfg->welcome) {
        free(cfg->welcome_text);
        cfg->welcome_text = NULL;
        enum pf_err e = welcome_load(cfg->welcome, &cfg->welcome_text, err);
        if (e)
            return e;
    }
    if ((cfg->authenticate & (AUTH_DOWNLOAD | AUTH_LIST)) && !cfg->htpasswd && !cfg->trust_remote_user)
        return buf_reject(err, "authenticate: download and list need a way to log in: --htpasswd FILE or --trust-remote-user");
    if (cfg->trust_remote_user == TRUST_YES && cfg->listen && strncmp(cfg->listen, "tcp:", 4) == 0)
        return buf_reject(err, "%s", conf_tcp_trust_refusal);
    if (cfg->password_checks && cfg->threads > 1 && cfg->password_checks >= cfg->threads)
        return buf_reject(err, "password-checks: %ld is not below threads (%ld): a thread must stay free for the "
                         "pages while passwords are checked",
                    cfg->password_checks, cfg->threads);
    return conf_check_upstream(cfg, err);
}

void conf_usage(FILE *f)
{
    fprintf(f, "usage: pypi-fcgi [options] ROOT...\n"
               "       pypi-fcgi yank [--reason TEXT] [--state-dir DIR] FILE...\n"
               "       pypi-fcgi unyank [--state-dir DIR] FILE...\n"
               "       pypi-fcgi yank [--reason TEXT] --upstream [--upstream-cache DIR] FILENAME...\n"
               "       pypi-fcgi unyank --upstream [--upstream-cache DIR] FILENAME...\n\n"
               "A PyPI-compatible package index served as a FastCGI responder.\n\n"
               "  -c FILE            read settings from FILE (key = value); the command line wins\n"
               "  -t                 check the configuration, print it and exit\n"
               "  -h, --help         print this help\n"
               "  -V, --version      print the version\n");
    for (size_t i = 0; i < conf_nsettings; i++) {
        const struct conf_setting *s = &conf_settings[i];
        if (strcmp(s->name, "root") == 0)
            continue;
        char opt[64];
        snprintf(opt, sizeof opt, "--%s%s%s", s->name, s->arg ? " " : "", s->arg ? s->arg : "");
        fprintf(f, "  %-18s %s (default: %s)\n", opt, s->help, s->deflt);
    }
    fprintf(f, "\npypiserver's options are taken where they mean the same here, and refused with the reason\n"
               "where they do not: see pypi-fcgi(8), COMING FROM PYPISERVER.\n");
}

void conf_print(const struct config *cfg, FILE *f)
{
    for (size_t i = 0; i < conf_nsettings; i++) {
        const struct conf_setting *s = &conf_settings[i];
        const void *field = (const char *)cfg + s->field;
        char d[32];
        /* Not a line while unused, so that -t's output is a valid file. */
        if (!cfg->upstream && strncmp(s->name, "upstream-", 9) == 0)
            fprintf(f, "# %s: unused without upstream\n", s->name);
        else if (s->print)
            s->print(cfg, s, f);
        else if (s->type == CONF_LONG)
            fprintf(f, "%s = %ld\n", s->name, *(const long *)field);
        else if (s->type == CONF_SIZE)
            fprintf(f, "%s = %" PRIu64 "\n", s->name, *(const uint64_t *)field);
        else if (s->type == CONF_BOOL)
            fprintf(f, "%s = %s\n", s->name, *(const bool *)field ? "yes" : "no");
        else if (s->type == CONF_DURATION) {
            conf_print_duration(*(const long *)field, d, sizeof d);
            fprintf(f, "%s = %s\n", s->name, d);
        } else if (s->type == CONF_LIST && *(const size_t *)((const char *)cfg + s->count)) {
            for (size_t k = 0; k < *(const size_t *)((const char *)cfg + s->count); k++)
                fprintf(f, "%s = %s\n", s->name, (*(char *const *const *)field)[k]);
        } else if (*(char *const *)field)
            fprintf(f, "%s = %s\n", s->name, *(char *const *)field);
        else
            fprintf(f, "# %s: %s\n", s->name, s->unset);
    }
}
