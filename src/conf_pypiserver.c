/* SPDX-License-Identifier: MIT */
/* conf_pypiserver.c: pypiserver's command-line spellings: what each means here, or why it is refused. */
#include "config.h"
#include "conf.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sv.h"

/* pypiserver --server-base-url takes the prefix with or without its
 * slashes ("/", "pypi/", "/pypi"); url-prefix has one form, "/pypi", or
 * empty for the root. */
static enum pf_err parse_base_url(struct config *cfg, const char *v, buf_t *err)
{
    sv_t s = sv_cstr(v);
    while (s.len && s.p[0] == '/')
        s = sv_make(s.p + 1, s.len - 1);
    while (s.len && s.p[s.len - 1] == '/')
        s.len--;
    char *prefix = malloc(s.len + 2);
    if (!prefix)
        return PF_ENOMEM;
    prefix[0] = '\0';
    if (s.len)
        snprintf(prefix, s.len + 2, "/%.*s", (int)s.len, s.p);
    enum pf_err e = conf_set(cfg, "url-prefix", prefix, err);
    free(prefix);
    return e;
}

static const char why_listen[] =
    "pypi-fcgi is a FastCGI responder: the web server (lighttpd, nginx, Apache) listens on the address and "
    "port and passes requests to pypi-fcgi's socket (--listen, or the one the web server or spawn-fcgi "
    "hands over); contrib/ has their configurations";
static const char why_update[] =
    "it belongs to pypiserver's update, which looks for newer releases on pypi.org, and pypi-fcgi never asks "
    "another index: put the files you want in a root (pip download --no-deps -d ROOT PROJECT==VERSION) and "
    "the next request lists them";
static const char why_log_format[] =
    "pypi-fcgi's log lines have one format; each request's status and time are in the web server's access "
    "log (--log-level sets how much pypi-fcgi says)";

/* In the order of pypi-fcgi(8)'s table, COMING FROM PYPISERVER. --welcome,
 * --health-endpoint and --cache-control have no row: pypi-fcgi's own
 * settings of those names take pypiserver's values. */
const struct conf_pypiserver conf_pypiserver[] = {
    { .spell = { "run" } },
    { .spell = { "-a" }, .arg = "LIST", .setting = "authenticate" },
    { .spell = { "-P", "--passwords" }, .arg = "FILE", .setting = "htpasswd", .same = "." },
    { .spell = { "-o" }, .setting = "overwrite", .value = "yes" },
    { .spell = { "-v", "--verbose" }, .setting = "log-level", .value = "info", .again = "debug" },
    { .spell = { "--server-base-url" }, .arg = "PATH", .setting = "url-prefix", .parse = parse_base_url },
    { .spell = { "--disable-fallback" } },
    { .spell = { "--fallback-url" }, .arg = "URL",
      .why = "pypi-fcgi never redirects a name it does not have to another index: that would install whatever "
             "anyone registered under the name there (dependency confusion); use --upstream URL, a pull-through "
             "cache that never looks up a name that has local files, or put the files in a root (pip download -d "
             "ROOT)" },
    { .spell = { "-p", "--port" }, .arg = "PORT", .why = why_listen },
    { .spell = { "-i", "-H", "--interface", "--host" }, .arg = "HOST", .why = why_listen },
    { .spell = { "--server" }, .arg = "METHOD",
      .why = "pypi-fcgi is its own multithreaded server (--threads), run by or behind lighttpd, nginx or "
             "Apache as a FastCGI responder; contrib/ has their configurations" },
    { .spell = { "--hash-algo" }, .arg = "ALGO", .same = "sha256",
      .why = "the pages always carry sha256, the hash PyPI gives and pip checks (--hash-algo sha256 is "
             "accepted)" },
    { .spell = { "--backend" }, .arg = "BACKEND", .same = "auto|cached-dir",
      .why = "pypi-fcgi always caches, and at each request checks the directories the page depends on: a "
             "file added flat in a root or in ROOT/PROJECT/ is in the next answer, one added elsewhere within "
             "--rescan-interval seconds (--backend auto and cached-dir are accepted)" },
    { .spell = { "--log-file" }, .arg = "FILE",
      .why = "pypi-fcgi writes its log to standard error, and what concerns one request to the web "
             "server's error log; send standard error to a file, or let systemd's journal keep it" },
    { .spell = { "--log-stream" }, .arg = "STREAM", .same = "stderr",
      .why = "pypi-fcgi writes its log to standard error (--log-level error makes it quiet; --log-stream "
             "stderr is accepted)" },
    { .spell = { "--log-frmt", "--log-req-frmt", "--log-res-frmt", "--log-err-frmt" }, .arg = "FORMAT",
      .why = why_log_format },
    { .spell = { "update", "-U" }, .why = why_update },
    { .spell = { "-x", "--execute", "-u", "--allow-unstable" }, .why = why_update },
    { .spell = { "-d", "--download-directory", "--blacklist-file", "--ignorelist-file" }, .arg = "DIR",
      .why = why_update },
};
const size_t conf_npypiserver = sizeof conf_pypiserver / sizeof conf_pypiserver[0];
/* conf_pypiserver_take keeps one bit per row. */
_Static_assert(sizeof conf_pypiserver / sizeof conf_pypiserver[0] <= 64, "conf_pypiserver has too many rows");

/* The row that spells a, or NULL. A word without '-' counts only as the
 * first argument (pypiserver's subcommand). *v receives a value given in
 * the same word ("--port=8080", "-p8080") or NULL; *n how many times a
 * repeatable switch is given in it ("-vv": 2). */
static const struct conf_pypiserver *pypiserver_find(const char *a, bool first, const char **v, size_t *n)
{
    *v = NULL;
    *n = 1;
    for (size_t r = 0; r < conf_npypiserver; r++) {
        const struct conf_pypiserver *p = &conf_pypiserver[r];
        for (size_t k = 0; k < sizeof p->spell / sizeof p->spell[0] && p->spell[k]; k++) {
            const char *s = p->spell[k], *rest = a + strlen(s);
            if (s[0] != '-') {
                if (first && strcmp(a, s) == 0)
                    return p;
                continue;
            }
            if (strncmp(a, s, strlen(s)) != 0)
                continue;
            bool longopt = s[1] == '-';
            if (!*rest)
                return p;
            if (longopt && *rest == '=') {
                *v = rest + 1;
                return p;
            }
            if (!longopt && p->arg) {
                *v = rest;
                return p;
            }
            if (!longopt && p->again && strspn(rest, s + 1) == strlen(rest)) {
                *n += strlen(rest);
                return p;
            }
        }
    }
    return NULL;
}

/* Whether v is one of the '|'-separated words of list. */
static bool in_list(const char *list, const char *v)
{
    sv_t rest = sv_cstr(list);
    while (rest.len)
        if (sv_eq(sv_split(&rest, '|'), sv_cstr(v)))
            return true;
    return false;
}

enum pf_err conf_pypiserver_take(struct config *cfg, int argc, char **argv, int *i, uint64_t *seen, bool *taken,
                                  buf_t *err)
{
    const char *a = argv[*i], *v;
    size_t n;
    const struct conf_pypiserver *p = pypiserver_find(a, *i == 1, &v, &n);
    *taken = p != NULL;
    if (!p)
        return PF_EOK;
    if (p->why && !p->same)
        return buf_reject(err, "pypiserver's '%s' is refused: %s", a, p->why);
    if (!p->arg && v)
        return buf_reject(err, "'%s': %.*s takes no value", a, (int)(v - a - 1), a);
    bool joined = v != NULL;
    if (p->arg && !v) {
        if (*i + 1 >= argc)
            return buf_reject(err, "option %s needs a value", a);
        v = argv[++*i];
    }
    if (v && p->same && in_list(p->same, v))
        return PF_EOK;
    if (p->why)
        return buf_reject(err, "pypiserver's '%s%s%s' is refused: %s", a, joined ? "" : " ", joined ? "" : v, p->why);
    if (!p->setting)
        return PF_EOK;
    if (p->parse)
        return p->parse(cfg, v, err);
    if (!p->arg) {
        uint64_t bit = (uint64_t)1 << (p - conf_pypiserver);
        v = p->again && (n > 1 || (*seen & bit)) ? p->again : p->value;
        *seen |= bit;
    }
    return conf_set(cfg, p->setting, v, err);
}
