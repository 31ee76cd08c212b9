/* SPDX-License-Identifier: MIT */
/* conf.c: the settings table and its parsers. */
#include "config.h"
#include "conf.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "log.h"

const struct conf_setting conf_settings[] = {
    { "root", "DIR", "(none)",
      "a package root; repeat for several (in a config file: one root = line each); the first receives uploads" },
    { "threads", "N", "4", "worker threads per process (1..1024); use 1 under mod_fcgid" },
    { "listen", "ADDR", "fd 0",
      "unix:PATH or tcp:HOST:PORT; default: the listening socket on fd 0 (spawn-fcgi, mod_fcgid, lighttpd)" },
    { "sendfile", "MODE", "none",
      "none (stream files ourselves), x-sendfile (lighttpd, Apache mod_xsendfile) or x-accel-redirect:/PREFIX/ (nginx)" },
    { "url-prefix", "PATH", "(SCRIPT_NAME)", "where the index is mounted, e.g. /pypi; default: the SCRIPT_NAME the web server passes" },
    { "log-level", "LEVEL", "info", "error, warn, info or debug" },
    { "rescan-interval", "SECONDS", "5",
      "how often the whole tree is checked for files added where no project page looks (0: never)" },
    { "cache-size", "MIB", "24", "rendered pages kept in memory per process, in MiB (1..4096)" },
    { "max-upload-size", "SIZE", "1G", "largest file an upload may carry, in bytes or with K, M, G or T (1024-based)" },
    { "upload-timeout", "SECONDS", "60",
      "a request body must keep arriving: at least --upload-min-rate over each such period (0: no limit)" },
    { "upload-min-rate", "SIZE", "16K", "bytes per second a request body must bring, judged per --upload-timeout (0: none)" },
    { "overwrite", NULL, "no", "an upload may replace a file of the same name with different content" },
    { "htpasswd", "FILE", "(none)",
      "Apache htpasswd file (bcrypt, SHA-256/512-crypt, apr1, {SHA}); re-read when it changes" },
    { "authenticate", "LIST", "update",
      "actions that need a login: update (upload, remove), download, list, comma-separated; update is always "
      "in a list; . for none, which lets anyone upload" },
    { "trust-remote-user", NULL, "no",
      "take the user the web server authenticated (REMOTE_USER with a non-empty AUTH_TYPE); "
      "=tcp also on a TCP socket" },
    { "upload-acl", "FILE", "(none)", "which users may upload to which projects; re-read when it changes" },
    { "state-dir", "DIR", "(none)",
      "where the records of files in directories pypi-fcgi cannot write are kept (a read-only tree); "
      "without it they are read again each time a project leaves the cache" },
    { "password-checks", "N", "(threads/4)",
      "passwords checked against the htpasswd file at once per process, below threads; more get 503 "
      "(default: a quarter of threads, at least 1)" },
    { "login-failures", "N", "20",
      "failed logins per client address (REMOTE_ADDR) and minute before its logins get 429 (0: no limit)" },
};
const size_t conf_nsettings = sizeof conf_settings / sizeof conf_settings[0];

const char conf_tcp_trust_refusal[] =
    "trust-remote-user: the FastCGI socket is TCP, and anyone who can connect to it can send REMOTE_USER "
    "and AUTH_TYPE and so claim to be any user; listen on a unix socket that only the web server may open, "
    "or say --trust-remote-user=tcp if a firewall lets only the web server reach the port";

void conf_init(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->threads = 4;
    cfg->sendfile = SENDFILE_NONE;
    cfg->log_level = LOG_INFO;
    cfg->rescan_interval = 5;
    cfg->cache_size = 24;
    cfg->max_upload = (uint64_t)1 << 30;
    cfg->upload_timeout = 60;
    cfg->upload_min_rate = 16384;
    cfg->authenticate = AUTH_UPDATE;
    cfg->login_failures = 20;
}

long conf_password_checks(const struct config *cfg)
{
    if (cfg->password_checks)
        return cfg->password_checks;
    long n = cfg->threads / 4;
    return n > 0 ? n : 1;
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
    for (size_t i = 0; i < cfg->nroots; i++)
        free(cfg->roots[i]);
    free(cfg->roots);
    free(cfg->listen);
    free(cfg->accel_prefix);
    free(cfg->url_prefix);
    free(cfg->conf_file);
    free(cfg->htpasswd);
    free(cfg->upload_acl);
    free(cfg->state_dir);
    memset(cfg, 0, sizeof *cfg);
}

__attribute__((format(printf, 2, 3)))
static enum pf_err fail(buf_t *err, const char *fmt, ...)
{
    va_list ap;
    buf_reset(err);
    va_start(ap, fmt);
    (void)buf_vprintf(err, fmt, ap);
    va_end(ap);
    return PF_EINVAL;
}

static enum pf_err parse_long(const char *name, const char *v, long lo, long hi, long *out, buf_t *err)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi) {
        buf_reset(err);
        (void)buf_printf(err, "%s: '%s' is not a number from %ld to %ld", name, v, lo, hi);
        return PF_EINVAL;
    }
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
        return fail(err, "%s: '%s' is neither yes nor no", name, v);
    return PF_EOK;
}

/* A byte count with an optional 1024-based suffix: 500, 64K, 100M, 1G. */
static enum pf_err parse_size(const char *name, const char *v, uint64_t *out, buf_t *err)
{
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
        return fail(err, "%s: '%s' is not a size such as 500M or 2G", name, v);
    *out = (uint64_t)n << shift;
    return PF_EOK;
}

static enum pf_err parse_actions(const char *name, const char *v, unsigned *out, buf_t *err)
{
    unsigned a = 0;
    if (strcmp(v, ".") == 0) {
        *out = 0;
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
            return fail(err, "%s: '%.*s' is not update, download or list (or . for none)", name, (int)w.len, w.p);
    }
    if (!a)
        return fail(err, "%s: empty list (use . for none)", name);
    /* Uploads stay behind a login whatever else is listed: a list that
     * protects downloads while leaving uploads open is a mistake far more
     * often than a wish. Anonymous uploads take "." (and -t warns). */
    *out = a | AUTH_UPDATE;
    return PF_EOK;
}

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

enum pf_err conf_set(struct config *cfg, const char *name, const char *v, buf_t *err)
{
    /* Values reach paths, log lines and response headers (the
     * x-accel-redirect prefix, roots in X-Sendfile): a control byte from
     * the command line is refused here as one from a file is by its line. */
    for (const char *c = v; *c; c++)
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
            return fail(err, "%s: a control character in the value", name);
    if (strcmp(name, "root") == 0)
        return *v ? add_root(cfg, v) : fail(err, "%s: empty path", name);
    if (strcmp(name, "threads") == 0)
        return parse_long(name, v, 1, 1024, &cfg->threads, err);
    if (strcmp(name, "rescan-interval") == 0)
        return parse_long(name, v, 0, 86400, &cfg->rescan_interval, err);
    if (strcmp(name, "cache-size") == 0)
        return parse_long(name, v, 1, 4096, &cfg->cache_size, err);
    if (strcmp(name, "max-upload-size") == 0)
        return parse_size(name, v, &cfg->max_upload, err);
    if (strcmp(name, "upload-timeout") == 0)
        return parse_long(name, v, 0, 86400, &cfg->upload_timeout, err);
    if (strcmp(name, "upload-min-rate") == 0) {
        if (strcmp(v, "0") == 0) {
            cfg->upload_min_rate = 0;
            return PF_EOK;
        }
        return parse_size(name, v, &cfg->upload_min_rate, err);
    }
    if (strcmp(name, "overwrite") == 0)
        return parse_bool(name, v, &cfg->overwrite, err);
    if (strcmp(name, "trust-remote-user") == 0) {
        if (strcmp(v, "tcp") == 0) {
            cfg->trust_remote_user = TRUST_TCP;
            return PF_EOK;
        }
        bool on;
        enum pf_err e = parse_bool(name, v, &on, err);
        if (e)
            return fail(err, "%s: '%s' is not yes, no or tcp", name, v);
        cfg->trust_remote_user = on ? TRUST_YES : TRUST_NO;
        return PF_EOK;
    }
    if (strcmp(name, "password-checks") == 0)
        return parse_long(name, v, 1, 1024, &cfg->password_checks, err);
    if (strcmp(name, "login-failures") == 0)
        return parse_long(name, v, 0, 1000000, &cfg->login_failures, err);
    if (strcmp(name, "authenticate") == 0)
        return parse_actions(name, v, &cfg->authenticate, err);
    if (strcmp(name, "htpasswd") == 0)
        return *v ? set_str(&cfg->htpasswd, v) : fail(err, "%s: empty path", name);
    if (strcmp(name, "upload-acl") == 0)
        return *v ? set_str(&cfg->upload_acl, v) : fail(err, "%s: empty path", name);
    if (strcmp(name, "state-dir") == 0)
        return *v ? set_str(&cfg->state_dir, v) : fail(err, "%s: empty path", name);
    if (strcmp(name, "log-level") == 0) {
        int l = log_level_parse(v);
        if (l < 0)
            return fail(err, "%s: '%s' is not error, warn, info or debug", name, v);
        cfg->log_level = l;
        return PF_EOK;
    }
    if (strcmp(name, "listen") == 0) {
        if (strncmp(v, "unix:/", 6) != 0 && strncmp(v, "tcp:", 4) != 0)
            return fail(err, "%s: '%s' is neither unix:/ABSOLUTE/PATH nor tcp:HOST:PORT", name, v);
        if (strncmp(v, "tcp:", 4) == 0) {
            const char *colon = strrchr(v + 4, ':');
            char *end;
            long port = colon ? strtol(colon + 1, &end, 10) : 0;
            if (!colon || colon == v + 4 || *end || port < 1 || port > 65535)
                return fail(err, "%s: '%s' needs tcp:HOST:PORT with a host and a port", name, v);
        }
        return set_str(&cfg->listen, v);
    }
    if (strcmp(name, "sendfile") == 0) {
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
                return fail(err, "%s: the x-accel-redirect prefix '%s' must look like /INTERNAL/PREFIX/", name, p);
            cfg->sendfile = SENDFILE_X_ACCEL;
            return set_str(&cfg->accel_prefix, p);
        } else
            return fail(err, "%s: '%s' is not none, x-sendfile or x-accel-redirect:/PREFIX/", name, v);
        return PF_EOK;
    }
    if (strcmp(name, "url-prefix") == 0) {
        size_t n = strlen(v);
        if (n && (v[0] != '/' || v[n - 1] == '/'))
            return fail(err, "%s: '%s' must start with '/' and not end with one (or be empty for /)", name, v);
        return set_str(&cfg->url_prefix, v);
    }
    return fail(err, "unknown setting '%s'", name);
}

enum pf_err conf_parse_text(struct config *cfg, const char *text, const char *origin, buf_t *err)
{
    sv_t t = sv_cstr(text);
    for (int lineno = 1; t.len; lineno++) {
        sv_t line = sv_split(&t, '\n');
        if (line.len > 4096)
            return fail(err, "%s: line too long", origin);
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
        return fail(err, "config file %s is larger than 1 MiB", path);
    }
    e = conf_parse_text(cfg, text.p ? text.p : "", path, err);
    buf_free(&text);
    return e;
}

static const struct conf_setting *find_setting(const char *name, size_t len)
{
    for (size_t i = 0; i < conf_nsettings; i++)
        if (strlen(conf_settings[i].name) == len && strncmp(conf_settings[i].name, name, len) == 0)
            return &conf_settings[i];
    return NULL;
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
                return fail(err, "%s needs a file", argv[i]);
            enum pf_err e = set_str(&cfg->conf_file, argv[i + 1]);
            if (e || (e = parse_file(cfg, argv[i + 1], err)))
                return e;
            break;
        }
    }
    size_t file_roots = cfg->nroots;
    bool cmdline_roots = false;
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
            for (i++; i < argc; i++) {
                if (!cmdline_roots) {
                    for (size_t r = 0; r < file_roots; r++)
                        free(cfg->roots[r]);
                    cfg->nroots = 0;
                    cmdline_roots = true;
                }
                if (add_root(cfg, argv[i]))
                    return PF_ENOMEM;
            }
            break;
        }
        if (strncmp(a, "--", 2) == 0) {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const struct conf_setting *s = find_setting(name, len);
            if (!s || strcmp(s->name, "root") == 0)
                return fail(err, "unknown option '%s' (see --help)", a);
            /* A switch needs no value: --overwrite is --overwrite=yes. */
            const char *v = eq ? eq + 1 : !s->arg ? "yes" : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                return fail(err, "option --%s needs a value", s->name);
            enum pf_err e = conf_set(cfg, s->name, v, err);
            if (e)
                return e;
            continue;
        }
        if (a[0] == '-' && a[1])
            return fail(err, "unknown option '%s' (see --help)", a);
        if (!cmdline_roots) {
            /* Roots on the command line replace those of the file. */
            for (size_t r = 0; r < file_roots; r++)
                free(cfg->roots[r]);
            cfg->nroots = 0;
            cmdline_roots = true;
        }
        if (add_root(cfg, a))
            return PF_ENOMEM;
    }
    return PF_EOK;
}

enum pf_err conf_check(struct config *cfg, buf_t *err)
{
    if (cfg->nroots == 0)
        return fail(err, "no package root given (pypi-fcgi [options] ROOT...)");
    for (size_t i = 0; i < cfg->nroots; i++) {
        char *real = realpath(cfg->roots[i], NULL);
        struct stat st;
        if (!real || stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
            enum pf_err e = fail(err, "package root %s: %s", cfg->roots[i],
                                 real ? "not a directory" : strerror(errno));
            free(real);
            return e;
        }
        free(cfg->roots[i]);
        cfg->roots[i] = real;
    }
    if ((cfg->authenticate & (AUTH_DOWNLOAD | AUTH_LIST)) && !cfg->htpasswd && !cfg->trust_remote_user)
        return fail(err, "authenticate: download and list need a way to log in: --htpasswd FILE or --trust-remote-user");
    if (cfg->trust_remote_user == TRUST_YES && cfg->listen && strncmp(cfg->listen, "tcp:", 4) == 0)
        return fail(err, "%s", conf_tcp_trust_refusal);
    if (cfg->password_checks && cfg->threads > 1 && cfg->password_checks >= cfg->threads)
        return fail(err, "password-checks: %ld is not below threads (%ld): a thread must stay free for the "
                         "pages while passwords are checked",
                    cfg->password_checks, cfg->threads);
    return PF_EOK;
}

void conf_usage(FILE *f)
{
    fprintf(f, "usage: pypi-fcgi [options] ROOT...\n"
               "       pypi-fcgi yank [--reason TEXT] [--state-dir DIR] FILE...\n"
               "       pypi-fcgi unyank [--state-dir DIR] FILE...\n\n"
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
    fprintf(f, "\nSee pypi-fcgi(8).\n");
}

void conf_print(const struct config *cfg, FILE *f)
{
    static const char *const modes[] = { "none", "x-sendfile", "x-accel-redirect:" };
    for (size_t i = 0; i < cfg->nroots; i++)
        fprintf(f, "root = %s\n", cfg->roots[i]);
    fprintf(f, "threads = %ld\n", cfg->threads);
    if (cfg->listen)
        fprintf(f, "listen = %s\n", cfg->listen);
    else
        fprintf(f, "# listen: the socket on fd 0\n");
    fprintf(f, "sendfile = %s%s\n", modes[cfg->sendfile], cfg->accel_prefix ? cfg->accel_prefix : "");
    if (cfg->url_prefix)
        fprintf(f, "url-prefix = %s\n", cfg->url_prefix);
    else
        fprintf(f, "# url-prefix: SCRIPT_NAME\n");
    fprintf(f, "log-level = %s\n", log_level_name((enum log_level)cfg->log_level));
    fprintf(f, "rescan-interval = %ld\n", cfg->rescan_interval);
    fprintf(f, "cache-size = %ld\n", cfg->cache_size);
    fprintf(f, "max-upload-size = %" PRIu64 "\n", cfg->max_upload);
    fprintf(f, "upload-timeout = %ld\n", cfg->upload_timeout);
    fprintf(f, "upload-min-rate = %" PRIu64 "\n", cfg->upload_min_rate);
    fprintf(f, "overwrite = %s\n", cfg->overwrite ? "yes" : "no");
    if (cfg->htpasswd)
        fprintf(f, "htpasswd = %s\n", cfg->htpasswd);
    else
        fprintf(f, "# htpasswd: none\n");
    if (!cfg->authenticate)
        fprintf(f, "authenticate = .\n");
    else
        fprintf(f, "authenticate = %s%s%s%s%s\n", cfg->authenticate & AUTH_UPDATE ? "update" : "",
                (cfg->authenticate & AUTH_UPDATE) && (cfg->authenticate & (AUTH_DOWNLOAD | AUTH_LIST)) ? "," : "",
                cfg->authenticate & AUTH_DOWNLOAD ? "download" : "",
                (cfg->authenticate & AUTH_DOWNLOAD) && (cfg->authenticate & AUTH_LIST) ? "," : "",
                cfg->authenticate & AUTH_LIST ? "list" : "");
    if (!(cfg->authenticate & AUTH_UPDATE))
        fprintf(f, "# WARNING: anyone may upload and remove files (authenticate = . asks no login for them)\n");
    static const char *const trust[] = { "no", "yes", "tcp" };
    fprintf(f, "trust-remote-user = %s\n", trust[cfg->trust_remote_user]);
    if (cfg->trust_remote_user == TRUST_TCP)
        fprintf(f, "# WARNING: REMOTE_USER is believed from anyone who can connect to a TCP socket\n");
    if (cfg->upload_acl)
        fprintf(f, "upload-acl = %s\n", cfg->upload_acl);
    else
        fprintf(f, "# upload-acl: none\n");
    if (cfg->state_dir)
        fprintf(f, "state-dir = %s\n", cfg->state_dir);
    else
        fprintf(f, "# state-dir: none\n");
    if (cfg->password_checks)
        fprintf(f, "password-checks = %ld\n", cfg->password_checks);
    else
        fprintf(f, "# password-checks: %ld (a quarter of threads, at least 1)\n", conf_password_checks(cfg));
    fprintf(f, "login-failures = %ld\n", cfg->login_failures);
}
