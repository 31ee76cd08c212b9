/* SPDX-License-Identifier: MIT */
/* conf_upstream.c: durations, list settings, and the upstream cache's URL, name patterns, files and directory. */
#include "config.h"
#include "conf.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define UPSTREAM_URL_MAX 2048
#define NAME_GLOB_MAX 200

static const struct { char suffix; long seconds; } units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 },
                                                                { 's', 1 } };

enum pf_err conf_parse_duration(const struct conf_setting *s, const char *v, long *out, buf_t *err)
{
    char lo[32], hi[32];
    size_t digits = strspn(v, "0123456789");
    long mult = 0;
    for (size_t i = 0; digits && i < sizeof units / sizeof units[0]; i++)
        if (v[digits] == units[i].suffix && v[digits + 1] == '\0')
            mult = units[i].seconds;
    if (digits && v[digits] == '\0')
        mult = 1;
    long n = digits && digits <= 18 ? strtol(v, NULL, 10) : -1;
    if (mult && n >= 0 && n <= s->hi / mult && n * mult >= s->lo) {
        *out = n * mult;
        return PF_EOK;
    }
    conf_print_duration(s->lo, lo, sizeof lo);
    conf_print_duration(s->hi, hi, sizeof hi);
    if (strlen(v) > 64)
        return buf_reject(err, "%s: '%.64s...' is not a duration from %s to %s", s->name, v, lo, hi);
    return buf_reject(err, "%s: '%s' is not a duration from %s to %s (a number with s, m, h or d)", s->name, v, lo,
                      hi);
}

void conf_print_duration(long n, char *out, size_t len)
{
    size_t i = 0;
    while (n && n % units[i].seconds)
        i++;
    if (n)
        snprintf(out, len, "%ld%c", n / units[i].seconds, units[i].suffix);
    else
        snprintf(out, len, "0");
}

enum pf_err conf_list_add(struct config *cfg, const struct conf_setting *s, const char *v)
{
    char ***list = (char ***)((char *)cfg + s->field);
    size_t *n = (size_t *)((char *)cfg + s->count);
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return PF_ENOMEM;
    *list = l;
    if (!(l[*n] = strdup(v)))
        return PF_ENOMEM;
    (*n)++;
    return PF_EOK;
}

void conf_list_clear(struct config *cfg, const struct conf_setting *s)
{
    char ***list = (char ***)((char *)cfg + s->field);
    size_t *n = (size_t *)((char *)cfg + s->count);
    for (size_t i = 0; i < *n; i++)
        free((*list)[i]);
    free(*list);
    *list = NULL;
    *n = 0;
}

/* http:// or https://, a host (a name, an IPv4 address or [IPv6]) and an
 * optional port; printable ASCII; no credentials, query or fragment. */
enum pf_err conf_parse_upstream(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    size_t n = strlen(v);
    if (n > UPSTREAM_URL_MAX)
        return buf_reject(err, "%s: longer than %d bytes", s->name, UPSTREAM_URL_MAX);
    /* Never quoted: the value may hold a password. */
    if (strchr(v, '@'))
        return buf_reject(err, "%s: a URL with '@' (user:password@): credentials go in --upstream-netrc, never on "
                          "the command line", s->name);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
            return buf_reject(err, "%s: '%s' has a space or a byte that is not printable ASCII", s->name, v);
    if (strpbrk(v, "?#"))
        return buf_reject(err, "%s: '%s' has a query ('?') or a fragment ('#')", s->name, v);
    size_t scheme = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;
    if (!scheme)
        return buf_reject(err, "%s: '%s' is not an http:// or https:// URL", s->name, v);
    const char *host = v + scheme, *end = host + strcspn(host, "/");
    const char *port = host;
    if (*host == '[') {
        size_t ip6 = strspn(host + 1, "0123456789abcdefABCDEF:.");
        port = host[1 + ip6] == ']' && ip6 >= 2 ? host + 2 + ip6 : NULL;
    } else
        port += strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._");
    bool good = port && port > host && (port == end || *port == ':');
    if (good && *port == ':') {
        size_t d = strspn(port + 1, "0123456789");
        long p = 0;
        for (size_t i = 1; d <= 5 && i <= d; i++)
            p = p * 10 + (port[i] - '0');
        good = port + 1 + d == end && d >= 1 && d <= 5 && p >= 1 && p <= 65535;
    }
    if (!good)
        return buf_reject(err, "%s: '%s' has no host (and optional :PORT) after %.*s", s->name, v, (int)scheme, v);
    /* Exactly one '/' at the end: project pages are the URL + name + '/'. */
    while (n > (size_t)(end - v) && v[n - 1] == '/')
        n--;
    char *url = malloc(n + 2);
    if (!url)
        return PF_ENOMEM;
    memcpy(url, v, n);
    memcpy(url + n, "/", 2);
    free(cfg->upstream);
    cfg->upstream = url;
    return PF_EOK;
}

enum pf_err conf_parse_name_glob(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err)
{
    size_t n = strlen(v);
    if (n > NAME_GLOB_MAX)
        return buf_reject(err, "%s: a pattern longer than %d bytes", s->name, NAME_GLOB_MAX);
    if (!n || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.*?") != n)
        return buf_reject(err, "%s: '%s' is not a name pattern (letters, digits, '-', '_', '.', '*' and '?')", s->name,
                          v);
    return conf_list_add(cfg, s, v);
}

/* A file of the setting that must be readable now (it is read later). */
static enum pf_err check_file(const char *name, const char *path, buf_t *err)
{
    if (!path)
        return PF_EOK;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return buf_reject(err, "%s: %s: %s", name, path, strerror(errno));
    bool reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    close(fd);
    return reg ? PF_EOK : buf_reject(err, "%s: %s: not a regular file", name, path);
}

/* path made absolute (against the working directory) with ".", ".." and
 * repeated '/' taken out, as text: the directory need not exist. */
static char *lexical_abs(const char *path)
{
    char cwd[PATH_MAX];
    if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
        return NULL;
    size_t cap = (path[0] != '/' ? strlen(cwd) : 0) + strlen(path) + 2;
    char *in = malloc(cap), *out = malloc(cap);
    if (!in || !out) {
        free(in);
        free(out);
        return NULL;
    }
    snprintf(in, cap, "%s/%s", path[0] != '/' ? cwd : "", path);
    size_t len = 0;
    for (char *save = NULL, *w = strtok_r(in, "/", &save); w; w = strtok_r(NULL, "/", &save)) {
        if (strcmp(w, ".") == 0)
            continue;
        if (strcmp(w, "..") == 0) {
            while (len && out[--len] != '/')
                ;
            continue;
        }
        out[len++] = '/';
        memcpy(out + len, w, strlen(w));
        len += strlen(w);
    }
    if (!len)
        out[len++] = '/';
    out[len] = '\0';
    free(in);
    return out;
}

/* dir's real path; for a directory that does not exist yet, its nearest
 * existing parent's real path and the rest as written, without ".", ".."
 * and repeated '/' (a symbolic link on the way is followed all the same). */
static char *cache_path(const char *dir)
{
    char *abs = lexical_abs(dir);
    for (size_t cut = abs ? strlen(abs) : 0; abs;) {
        char c = abs[cut];
        abs[cut] = '\0';
        char *real = realpath(cut ? abs : "/", NULL);
        abs[cut] = c;
        if (real) {
            size_t n = strlen(real) + strlen(abs + cut) + 1;
            char *out = malloc(n);
            if (out)
                snprintf(out, n, "%s%s", strcmp(real, "/") == 0 && c ? "" : real, abs + cut);
            free(real);
            free(abs);
            return out;
        }
        if (!cut)
            break;
        while (cut && abs[--cut] != '/')
            ;
    }
    free(abs);
    return NULL;
}

/* True when a is b or below it (both absolute, no trailing '/' but "/"). */
static bool path_within(const char *a, const char *b)
{
    size_t n = strlen(b);
    return strcmp(b, "/") == 0 || (strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/'));
}

static enum pf_err check_cache_dir(struct config *cfg, buf_t *err)
{
    if (!cfg->upstream_cache && !cfg->state_dir)
        return buf_reject(err, "upstream-cache: --upstream needs a directory for its cache: give --upstream-cache "
                          "DIR or --state-dir DIR (which keeps it in DIR/upstream)");
    char *dir = cfg->upstream_cache;
    if (!dir) {
        size_t n = strlen(cfg->state_dir) + sizeof "/upstream";
        if (!(dir = malloc(n)))
            return PF_ENOMEM;
        snprintf(dir, n, "%s/upstream", cfg->state_dir);
    }
    struct stat st;
    bool exists = stat(dir, &st) == 0;
    enum pf_err e = PF_EOK;
    char *abs = exists || errno == ENOENT ? cache_path(dir) : NULL;
    if (!abs)
        e = buf_reject(err, "upstream-cache: %s: %s", dir, strerror(errno));
    else if (exists && !S_ISDIR(st.st_mode))
        e = buf_reject(err, "upstream-cache: %s: not a directory", dir);
    for (size_t i = 0; !e && i < cfg->nroots; i++)
        if (path_within(abs, cfg->roots[i]) || path_within(cfg->roots[i], abs))
            e = buf_reject(err, "upstream-cache: %s %s the package root %s: the cache must be apart from the roots",
                           abs, path_within(abs, cfg->roots[i]) ? "is or is inside" : "holds", cfg->roots[i]);
    if (dir != cfg->upstream_cache)
        free(dir);
    if (e) {
        free(abs);
        return e;
    }
    free(cfg->upstream_cache);
    cfg->upstream_cache = abs;
    return PF_EOK;
}

enum pf_err conf_check_upstream(struct config *cfg, buf_t *err)
{
    if (!cfg->upstream)
        return cfg->upstream_given ? buf_reject(err, "%s: needs --upstream", cfg->upstream_given) : PF_EOK;
    enum pf_err e;
    if ((e = check_file("upstream-ca", cfg->upstream_ca, err)) ||
        (e = check_file("upstream-netrc", cfg->upstream_netrc, err)) ||
        (e = check_file("upstream-claims", cfg->upstream_claims, err)))
        return e;
    return check_cache_dir(cfg, err);
}
