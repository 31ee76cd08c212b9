/* SPDX-License-Identifier: MIT */
/* test_conf.c: unit tests for conf.c (settings table, command line, config file). */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "suites.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXARGS 10

/* The effective configuration as conf_print writes it (malloc'd). */
static char *printed(const struct config *cfg)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    ck_assert_ptr_nonnull(f);
    conf_print(cfg, f);
    ck_assert_int_eq(fclose(f), 0);
    return p;
}

/* True when text holds line as a whole line. */
static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

static void check_lines(const struct config *cfg, const char *const *lines)
{
    char *text = printed(cfg);
    for (size_t i = 0; i < MAXARGS && lines[i]; i++)
        ck_assert_msg(has_line(text, lines[i]), "no line \"%s\" in:\n%s", lines[i], text);
    free(text);
}

/* ---- conf_set, one setting at a time ---- */

struct set_case {
    const char *name, *value;
    enum pf_err err;
    const char *want; /* success: a line of conf_print; failure: a part of the message */
};

static const struct set_case set_cases[] = {
    { "threads", "8", PF_EOK, "threads = 8" },
    { "threads", "1", PF_EOK, "threads = 1" },
    { "threads", "1024", PF_EOK, "threads = 1024" },
    { "threads", "0", PF_EINVAL, "'0'" },
    { "threads", "1025", PF_EINVAL, "'1025'" },
    { "threads", "-1", PF_EINVAL, "'-1'" },
    { "threads", "abc", PF_EINVAL, "'abc'" },
    { "threads", "8x", PF_EINVAL, "'8x'" },
    { "threads", "8.0", PF_EINVAL, "'8.0'" },
    { "threads", "", PF_EINVAL, "''" },
    { "threads", "99999999999999999999999", PF_EINVAL, "'99999999999999999999999'" },
    { "rescan-interval", "0", PF_EOK, "rescan-interval = 0" },
    { "rescan-interval", "86400", PF_EOK, "rescan-interval = 86400" },
    { "rescan-interval", "86401", PF_EINVAL, "'86401'" },
    { "rescan-interval", "-1", PF_EINVAL, "'-1'" },
    { "cache-size", "1", PF_EOK, "cache-size = 1" },
    { "cache-size", "4096", PF_EOK, "cache-size = 4096" },
    { "cache-size", "0", PF_EINVAL, "'0'" },
    { "cache-size", "4097", PF_EINVAL, "'4097'" },
    { "max-upload-size", "1G", PF_EOK, "max-upload-size = 1073741824" },
    { "upload-timeout", "0", PF_EOK, "upload-timeout = 0" },
    { "upload-timeout", "300", PF_EOK, "upload-timeout = 300" },
    { "upload-timeout", "-1", PF_EINVAL, "'-1'" },
    { "upload-timeout", "86401", PF_EINVAL, "'86401'" },
    { "upload-min-rate", "0", PF_EOK, "upload-min-rate = 0" },
    { "upload-min-rate", "64K", PF_EOK, "upload-min-rate = 65536" },
    { "upload-min-rate", "fast", PF_EINVAL, "'fast'" },
    { "max-upload-size", "500", PF_EOK, "max-upload-size = 500" },
    { "max-upload-size", "64k", PF_EOK, "max-upload-size = 65536" },
    { "max-upload-size", "100M", PF_EOK, "max-upload-size = 104857600" },
    { "max-upload-size", "2T", PF_EOK, "max-upload-size = 2199023255552" },
    { "max-upload-size", "0", PF_EINVAL, "'0'" },
    { "max-upload-size", "-5M", PF_EINVAL, "'-5M'" },
    { "max-upload-size", "5X", PF_EINVAL, "'5X'" },
    { "max-upload-size", "5MB", PF_EINVAL, "'5MB'" },
    { "max-upload-size", "99999999999T", PF_EINVAL, "'99999999999T'" },
    { "overwrite", "yes", PF_EOK, "overwrite = yes" },
    { "overwrite", "no", PF_EOK, "overwrite = no" },
    { "overwrite", "maybe", PF_EINVAL, "'maybe'" },
    { "trust-remote-user", "on", PF_EOK, "trust-remote-user = yes" },
    { "trust-remote-user", "off", PF_EOK, "trust-remote-user = no" },
    { "trust-remote-user", "tcp", PF_EOK, "trust-remote-user = tcp" },
    { "trust-remote-user", "maybe", PF_EINVAL, "'maybe' is not yes, no or tcp" },
    { "authenticate", ".", PF_EOK, "authenticate = ." },
    { "authenticate", "update", PF_EOK, "authenticate = update" },
    { "authenticate", "list, download,update", PF_EOK, "authenticate = update,download,list" },
    /* update is in every list: uploads open to anyone take ".". */
    { "authenticate", "download", PF_EOK, "authenticate = update,download" },
    { "authenticate", "download,list", PF_EOK, "authenticate = update,download,list" },
    { "authenticate", "list", PF_EOK, "authenticate = update,list" },
    { "password-checks", "1", PF_EOK, "password-checks = 1" },
    { "password-checks", "3", PF_EOK, "password-checks = 3" },
    { "password-checks", "0", PF_EINVAL, "password-checks" },
    { "password-checks", "1025", PF_EINVAL, "password-checks" },
    { "login-failures", "0", PF_EOK, "login-failures = 0" },
    { "login-failures", "5", PF_EOK, "login-failures = 5" },
    { "login-failures", "-1", PF_EINVAL, "login-failures" },
    { "login-failures", "x", PF_EINVAL, "login-failures: 'x'" },
    { "authenticate", "upload", PF_EINVAL, "'upload'" },
    { "authenticate", "", PF_EINVAL, "empty" },
    { "authenticate", ",", PF_EINVAL, "''" },
    { "htpasswd", "/etc/pypi/htpasswd", PF_EOK, "htpasswd = /etc/pypi/htpasswd" },
    { "htpasswd", "", PF_EINVAL, "empty" },
    { "upload-acl", "/etc/pypi/acl", PF_EOK, "upload-acl = /etc/pypi/acl" },
    { "state-dir", "/var/lib/pypi-fcgi", PF_EOK, "state-dir = /var/lib/pypi-fcgi" },
    { "state-dir", "", PF_EINVAL, "empty" },
    { "log-level", "error", PF_EOK, "log-level = error" },
    { "log-level", "warn", PF_EOK, "log-level = warn" },
    { "log-level", "info", PF_EOK, "log-level = info" },
    { "log-level", "debug", PF_EOK, "log-level = debug" },
    { "log-level", "verbose", PF_EINVAL, "'verbose'" },
    { "log-level", "", PF_EINVAL, "''" },
    { "sendfile", "none", PF_EOK, "sendfile = none" },
    { "sendfile", "x-sendfile", PF_EOK, "sendfile = x-sendfile" },
    { "sendfile", "x-accel-redirect:/internal/", PF_EOK, "sendfile = x-accel-redirect:/internal/" },
    { "sendfile", "x-accel-redirect:/a/b_c-d/", PF_EOK, "sendfile = x-accel-redirect:/a/b_c-d/" },
    { "sendfile", "x-accel-redirect:", PF_EINVAL, "x-accel-redirect" },
    { "sendfile", "x-accel-redirect:/", PF_EINVAL, "'/'" },
    { "sendfile", "x-accel-redirect:internal/", PF_EINVAL, "'internal/'" },
    /* Found by fuzz_route: a control byte in the prefix went into the
     * X-Accel-Redirect header (fuzz/crashes/README). */
    { "sendfile", "x-accel-redirect:/_pkgs\x13/", PF_EINVAL, "sendfile: a control character in the value" },
    { "sendfile", "x-accel-redirect:/a\r\nX-Evil: 1/", PF_EINVAL, "a control character" },
    { "root", "/srv/pypi\x7f", PF_EINVAL, "root: a control character in the value" },
    { "htpasswd", "/etc/pypi\n/htpasswd", PF_EINVAL, "a control character" },
    { "sendfile", "x-accel-redirect:/internal", PF_EINVAL, "'/internal'" },
    { "sendfile", "x-accel-redirect:/a/../b/", PF_EINVAL, "'/a/../b/'" },
    { "sendfile", "x-accel-redirect:/a?b/", PF_EINVAL, "'/a?b/'" },
    { "sendfile", "x-accel-redirect:/a#b/", PF_EINVAL, "'/a#b/'" },
    { "sendfile", "x-accel-redirect:/a%2e/", PF_EINVAL, "'/a%2e/'" },
    { "sendfile", "x-accel-redirect:/a b/", PF_EINVAL, "'/a b/'" },
    { "sendfile", "x-accel-redirect:/a\tb/", PF_EINVAL, "x-accel-redirect" },
    { "sendfile", "x-accel-redirect", PF_EINVAL, "'x-accel-redirect'" },
    { "sendfile", "X-Sendfile", PF_EINVAL, "'X-Sendfile'" },
    { "sendfile", "yes", PF_EINVAL, "'yes'" },
    { "sendfile", "", PF_EINVAL, "''" },
    { "listen", "unix:/run/pypi-fcgi.sock", PF_EOK, "listen = unix:/run/pypi-fcgi.sock" },
    { "listen", "tcp:127.0.0.1:9000", PF_EOK, "listen = tcp:127.0.0.1:9000" },
    { "listen", "tcp:[::1]:9000", PF_EOK, "listen = tcp:[::1]:9000" },
    { "listen", "tcp:localhost:1", PF_EOK, "listen = tcp:localhost:1" },
    { "listen", "tcp:h:65535", PF_EOK, "listen = tcp:h:65535" },
    { "listen", "unix:relative.sock", PF_EINVAL, "'unix:relative.sock'" },
    { "listen", "unix:", PF_EINVAL, "'unix:'" },
    { "listen", "tcp:127.0.0.1", PF_EINVAL, "'tcp:127.0.0.1'" },
    { "listen", "tcp::9000", PF_EINVAL, "'tcp::9000'" },
    { "listen", "tcp:", PF_EINVAL, "'tcp:'" },
    { "listen", "tcp:h:0", PF_EINVAL, "'tcp:h:0'" },
    { "listen", "tcp:h:65536", PF_EINVAL, "'tcp:h:65536'" },
    { "listen", "tcp:h:abc", PF_EINVAL, "'tcp:h:abc'" },
    { "listen", "tcp:h:", PF_EINVAL, "'tcp:h:'" },
    { "listen", "tcp:h:80x", PF_EINVAL, "'tcp:h:80x'" },
    { "listen", "http://h:80", PF_EINVAL, "'http://h:80'" },
    { "listen", "127.0.0.1:9000", PF_EINVAL, "'127.0.0.1:9000'" },
    { "listen", "/run/x.sock", PF_EINVAL, "'/run/x.sock'" },
    { "listen", "", PF_EINVAL, "''" },
    { "url-prefix", "/pypi", PF_EOK, "url-prefix = /pypi" },
    { "url-prefix", "/a/b", PF_EOK, "url-prefix = /a/b" },
    { "url-prefix", "", PF_EOK, "url-prefix = " },
    { "url-prefix", "pypi", PF_EINVAL, "'pypi'" },
    { "url-prefix", "/pypi/", PF_EINVAL, "'/pypi/'" },
    { "url-prefix", "/", PF_EINVAL, "'/'" },
    { "root", "/srv/pypi", PF_EOK, "root = /srv/pypi" },
    { "root", "", PF_EINVAL, "empty" },
    { "welcome", "/etc/pypi/welcome.html", PF_EOK, "welcome = /etc/pypi/welcome.html" },
    { "welcome", "", PF_EINVAL, "empty" },
    { "health-endpoint", "/healthz", PF_EOK, "health-endpoint = /healthz" },
    { "health-endpoint", "/_ops/Live-1/", PF_EOK, "health-endpoint = /_ops/Live-1/" },
    /* Single segments shadow only the root's /<name>/ shortcut, as /health does. */
    { "health-endpoint", "/ping", PF_EOK, "health-endpoint = /ping" },
    { "health-endpoint", "/simplex", PF_EOK, "health-endpoint = /simplex" },
    { "health-endpoint", "/", PF_EINVAL, "'/' is the welcome page" },
    { "health-endpoint", "", PF_EINVAL, "'' is not a path" },
    { "health-endpoint", "healthz", PF_EINVAL, "'healthz' is not a path" },
    { "health-endpoint", "/a//b", PF_EINVAL, "'/a//b' is not a path" },
    { "health-endpoint", "/a.b", PF_EINVAL, "'/a.b' is not a path" },
    { "health-endpoint", "/a/../simple", PF_EINVAL, "is not a path" },
    { "health-endpoint", "/h?x=1", PF_EINVAL, "is not a path" },
    { "health-endpoint", "/h%2F", PF_EINVAL, "is not a path" },
    { "health-endpoint", "/simple", PF_EINVAL, "'/simple' would hide /simple" },
    { "health-endpoint", "/simple/health", PF_EINVAL, "would hide /simple" },
    { "health-endpoint", "/packages/", PF_EINVAL, "would hide /packages" },
    { "health-endpoint", "/legacy", PF_EINVAL, "would hide /legacy" },
    { "health-endpoint", "/RPC2", PF_EINVAL, "would hide /RPC2" },
    { "health-endpoint", "/pypi/x/json", PF_EINVAL, "would hide /pypi" },
    { "cache-control", "0", PF_EOK, "cache-control = 0" },
    { "cache-control", "3600", PF_EOK, "cache-control = 3600" },
    { "cache-control", "2147483647", PF_EOK, "cache-control = 2147483647" },
    { "cache-control", "2147483648", PF_EINVAL, "'2147483648'" },
    { "cache-control", "-1", PF_EINVAL, "'-1'" },
    { "cache-control", "1h", PF_EINVAL, "'1h'" },
    { "trusted-proxy", "127.0.0.1", PF_EOK, "trusted-proxy = 127.0.0.1" },
    { "trusted-proxy", "10.0.0.1, ::1,fd00::2", PF_EOK, "trusted-proxy = 10.0.0.1, ::1,fd00::2" },
    { "trusted-proxy", "::ffff:192.0.2.1", PF_EOK, "trusted-proxy = ::ffff:192.0.2.1" },
    { "trusted-proxy", "", PF_EINVAL, "empty list" },
    { "trusted-proxy", "10.0.0.0/8", PF_EINVAL, "'10.0.0.0/8' is not an IPv4 or IPv6 address (list each proxy" },
    { "trusted-proxy", "proxy.example", PF_EINVAL, "'proxy.example' is not an IPv4 or IPv6 address" },
    { "trusted-proxy", "127.0.0.1,,::1", PF_EINVAL, "'' is not an IPv4 or IPv6 address" },
    { "trusted-proxy", "1.2.3.4.5", PF_EINVAL, "'1.2.3.4.5'" },
    { "trusted-proxy", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", PF_EINVAL, "'1' is not" },
    { "trusted-proxy",
      "1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,1.0.0.6,1.0.0.7,1.0.0.8,1.0.0.9,1.0.0.10,1.0.0.11,1.0.0.12,"
      "1.0.0.13,1.0.0.14,1.0.0.15,1.0.0.16,1.0.0.17",
      PF_EINVAL, "more than 16 addresses" },
    { "bogus", "1", PF_EINVAL, "'bogus'" },
    { "Threads", "1", PF_EINVAL, "'Threads'" },
    { "", "1", PF_EINVAL, "''" },
};

START_TEST(test_conf_set_table)
{
    const struct set_case *c = &set_cases[_i];
    struct config cfg;
    buf_t err;
    conf_init(&cfg);
    buf_init(&err, 4096);
    enum pf_err e = conf_set(&cfg, c->name, c->value, &err);
    ck_assert_msg(e == c->err, "conf_set(%s, \"%s\") = %s, want %s (%s)", c->name, c->value,
                  pf_errname(e), pf_errname(c->err), err.p ? err.p : "");
    if (e == PF_EOK) {
        const char *lines[] = { c->want, NULL };
        check_lines(&cfg, lines);
    } else {
        /* One line, naming the setting and quoting the value. */
        ck_assert_ptr_nonnull(err.p);
        ck_assert_msg(strstr(err.p, c->want) != NULL, "\"%s\" not in \"%s\"", c->want, err.p);
        if (strcmp(c->name, "bogus") && strcmp(c->name, "Threads") && *c->name) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "%s: ", c->name);
            ck_assert_msg(strncmp(err.p, prefix, strlen(prefix)) == 0, "\"%s\" does not start with \"%s\"",
                          err.p, prefix);
        }
        ck_assert_ptr_null(strchr(err.p, '\n'));
    }
    buf_free(&err);
    conf_free(&cfg);
}
END_TEST

/* ---- conf_parse_args ---- */

struct args_case {
    const char *argv[MAXARGS]; /* after argv[0]; NULL-terminated */
    enum pf_err err;
    const char *errsub;        /* failure: a part of the message */
    const char *action;        /* success: */
    int argi;                  /* 0: argc */
    bool check_only;
    const char *roots[4];
    const char *lines[MAXARGS]; /* lines conf_print must write */
};

static const struct args_case args_cases[] = {
    /* Roots, no options. */
    { { "/srv/a", NULL }, PF_EOK, NULL, "serve", 0, false, { "/srv/a" },
      { "threads = 4", "sendfile = none", "log-level = info", "rescan-interval = 5", "cache-size = 24",
        "# listen: the socket on fd 0", "# url-prefix: SCRIPT_NAME" } },
    { { "/srv/a", "/srv/b", "rel/c", NULL }, PF_EOK, NULL, "serve", 0, false,
      { "/srv/a", "/srv/b", "rel/c" }, { "root = /srv/a", "root = /srv/b", "root = rel/c" } },
    { { NULL }, PF_EOK, NULL, "serve", 0, false, { NULL }, { "threads = 4" } },
    /* Both option spellings, before and after roots. */
    { { "--threads", "8", "/r", NULL }, PF_EOK, NULL, "serve", 0, false, { "/r" }, { "threads = 8" } },
    { { "--threads=8", "/r", NULL }, PF_EOK, NULL, "serve", 0, false, { "/r" }, { "threads = 8" } },
    { { "/r", "--threads=8", NULL }, PF_EOK, NULL, "serve", 0, false, { "/r" }, { "threads = 8" } },
    { { "--threads=2", "--threads", "3", NULL }, PF_EOK, NULL, "serve", 0, false, { NULL },
      { "threads = 3" } },
    { { "--sendfile", "x-accel-redirect:/internal/", "--listen", "unix:/x", "/r", NULL }, PF_EOK, NULL,
      "serve", 0, false, { "/r" }, { "sendfile = x-accel-redirect:/internal/", "listen = unix:/x" } },
    { { "--sendfile=x-sendfile", "--listen=tcp:127.0.0.1:9000", NULL }, PF_EOK, NULL, "serve", 0, false,
      { NULL }, { "sendfile = x-sendfile", "listen = tcp:127.0.0.1:9000" } },
    { { "--log-level", "debug", "--url-prefix", "/pypi", "--rescan-interval=0", "--cache-size", "64", NULL },
      PF_EOK, NULL, "serve", 0, false, { NULL },
      { "log-level = debug", "url-prefix = /pypi", "rescan-interval = 0", "cache-size = 64" } },
    /* An empty value after '='. */
    { { "--url-prefix=", NULL }, PF_EOK, NULL, "serve", 0, false, { NULL }, { "url-prefix = " } },
    /* -t */
    { { "-t", "/r", NULL }, PF_EOK, NULL, "serve", 0, true, { "/r" }, { NULL } },
    { { "/r", "-t", NULL }, PF_EOK, NULL, "serve", 0, true, { "/r" }, { NULL } },
    /* help and version win wherever they are, once reached. */
    { { "--help", NULL }, PF_EOK, NULL, "help", 0, false, { NULL }, { NULL } },
    { { "-h", NULL }, PF_EOK, NULL, "help", 0, false, { NULL }, { NULL } },
    { { "/r", "--threads", "2", "--help", NULL }, PF_EOK, NULL, "help", 0, false, { "/r" }, { NULL } },
    { { "--version", NULL }, PF_EOK, NULL, "version", 0, false, { NULL }, { NULL } },
    { { "-V", NULL }, PF_EOK, NULL, "version", 0, false, { NULL }, { NULL } },
    /* Subcommands: only as the first argument; argi points after them. */
    { { "yank", "--reason", "broken", "foo-1.0.tar.gz", NULL }, PF_EOK, NULL, "yank", 2, false, { NULL },
      { NULL } },
    { { "unyank", "foo-1.0.tar.gz", NULL }, PF_EOK, NULL, "unyank", 2, false, { NULL }, { NULL } },
    { { "yank", NULL }, PF_EOK, NULL, "yank", 2, false, { NULL }, { NULL } },
    { { "/r", "yank", NULL }, PF_EOK, NULL, "serve", 0, false, { "/r", "yank" }, { NULL } },
    { { "-t", "unyank", NULL }, PF_EOK, NULL, "serve", 0, true, { "unyank" }, { NULL } },
    /* pypiserver's subcommands too: "run" and "update" later are roots. */
    { { "/r", "run", "update", NULL }, PF_EOK, NULL, "serve", 0, false, { "/r", "run", "update" }, { NULL } },
    { { "-t", "run", NULL }, PF_EOK, NULL, "serve", 0, true, { "run" }, { NULL } },
    { { "--", "run", NULL }, PF_EOK, NULL, "serve", 0, false, { "run" }, { NULL } },
    { { "run", "--", "update", NULL }, PF_EOK, NULL, "serve", 0, false, { "update" }, { NULL } },
    /* "--" ends the options. */
    { { "--", "-weird", "--threads", NULL }, PF_EOK, NULL, "serve", 0, false, { "-weird", "--threads" },
      { "threads = 4" } },
    { { "/a", "--", "-b", NULL }, PF_EOK, NULL, "serve", 0, false, { "/a", "-b" }, { NULL } },
    { { "-", NULL }, PF_EOK, NULL, "serve", 0, false, { "-" }, { NULL } },
    /* Errors: the message names the option or the setting. */
    { { "--threads", "0", NULL }, PF_EINVAL, "threads", NULL, 0, false, { NULL }, { NULL } },
    { { "--threads=1025", NULL }, PF_EINVAL, "threads", NULL, 0, false, { NULL }, { NULL } },
    { { "--threads", "-4", NULL }, PF_EINVAL, "threads", NULL, 0, false, { NULL }, { NULL } },
    { { "--threads", "many", NULL }, PF_EINVAL, "threads: 'many'", NULL, 0, false, { NULL }, { NULL } },
    { { "--threads=", NULL }, PF_EINVAL, "threads: ''", NULL, 0, false, { NULL }, { NULL } },
    { { "--threads", NULL }, PF_EINVAL, "--threads", NULL, 0, false, { NULL }, { NULL } },
    { { "/r", "--threads", NULL }, PF_EINVAL, "--threads", NULL, 0, false, { NULL }, { NULL } },
    { { "--sendfile", "x-accel-redirect:internal", NULL }, PF_EINVAL, "sendfile", NULL, 0, false, { NULL },
      { NULL } },
    { { "--sendfile=bogus", NULL }, PF_EINVAL, "sendfile: 'bogus'", NULL, 0, false, { NULL }, { NULL } },
    { { "--listen", "unix:x", NULL }, PF_EINVAL, "listen: 'unix:x'", NULL, 0, false, { NULL }, { NULL } },
    { { "--listen=tcp:127.0.0.1", NULL }, PF_EINVAL, "listen", NULL, 0, false, { NULL }, { NULL } },
    { { "--listen", "tcp:127.0.0.1:0", NULL }, PF_EINVAL, "listen", NULL, 0, false, { NULL }, { NULL } },
    { { "--frobnicate", NULL }, PF_EINVAL, "'--frobnicate'", NULL, 0, false, { NULL }, { NULL } },
    { { "/r", "--frobnicate=1", NULL }, PF_EINVAL, "'--frobnicate=1'", NULL, 0, false, { NULL }, { NULL } },
    { { "-x", NULL }, PF_EINVAL, "'-x'", NULL, 0, false, { NULL }, { NULL } },
    { { "-tv", NULL }, PF_EINVAL, "'-tv'", NULL, 0, false, { NULL }, { NULL } },
    { { "--root", "/x", NULL }, PF_EINVAL, "'--root'", NULL, 0, false, { NULL }, { NULL } },
    { { "--root=/x", NULL }, PF_EINVAL, "'--root=/x'", NULL, 0, false, { NULL }, { NULL } },
    { { "--thread=2", NULL }, PF_EINVAL, "'--thread=2'", NULL, 0, false, { NULL }, { NULL } },
    { { "--threadsx=2", NULL }, PF_EINVAL, "'--threadsx=2'", NULL, 0, false, { NULL }, { NULL } },
    { { "---threads=2", NULL }, PF_EINVAL, "'---threads=2'", NULL, 0, false, { NULL }, { NULL } },
    { { "--", NULL }, PF_EOK, NULL, "serve", 0, false, { NULL }, { NULL } },
    { { "--bogus", "--help", NULL }, PF_EINVAL, "'--bogus'", NULL, 0, false, { NULL }, { NULL } },
    /* Roots are checked as root lines of a file are (-t prints them as such). */
    { { "/srv/a\x01", NULL }, PF_EINVAL, "root: a control character", NULL, 0, false, { NULL }, { NULL } },
    { { "/r", "--", "/b\nroot = /c", NULL }, PF_EINVAL, "root: a control character", NULL, 0, false, { NULL },
      { NULL } },
    { { "", NULL }, PF_EINVAL, "root: empty path", NULL, 0, false, { NULL }, { NULL } },
    { { "--upstream", "https://pypi.org/simple", "--upstream-ttl=1d", NULL }, PF_EOK, NULL, "serve", 0, false,
      { NULL }, { "upstream = https://pypi.org/simple/", "upstream-ttl = 1d", "upstream-fetches = 4" } },
    { { "--upstream=https://me:pw@pypi.example/", NULL }, PF_EINVAL,
      "upstream: a URL with '@' (user:password@): credentials go in --upstream-netrc, never on the command line",
      NULL, 0, false, { NULL }, { NULL } },
    { { "--upstream-allow", NULL }, PF_EINVAL, "--upstream-allow needs a value", NULL, 0, false, { NULL },
      { NULL } },
    { { "--upstream-ttl", "1w", NULL }, PF_EINVAL, "upstream-ttl: '1w' is not a duration from 0 to 30d", NULL, 0,
      false, { NULL }, { NULL } },
    { { "-c", NULL }, PF_EINVAL, "-c", NULL, 0, false, { NULL }, { NULL } },
    { { "--config", NULL }, PF_EINVAL, "--config", NULL, 0, false, { NULL }, { NULL } },
};

static int make_argv(const char *const *args, char **argv)
{
    int argc = 0;
    argv[argc++] = (char *)"pypi-fcgi";
    for (size_t i = 0; i < MAXARGS && args[i]; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    return argc;
}

START_TEST(test_conf_args_table)
{
    const struct args_case *c = &args_cases[_i];
    char *argv[MAXARGS + 2];
    int argc = make_argv(c->argv, argv);
    struct config cfg;
    const char *action = NULL;
    int argi = -1;
    buf_t err;

    conf_init(&cfg);
    buf_init(&err, 4096);
    enum pf_err e = conf_parse_args(argc, argv, &cfg, &action, &argi, &err);
    ck_assert_msg(e == c->err, "case %d (%s ...): %s, want %s (%s)", _i, argc > 1 ? argv[1] : "",
                  pf_errname(e), pf_errname(c->err), err.p ? err.p : "");
    if (e != PF_EOK) {
        ck_assert_ptr_nonnull(err.p);
        ck_assert_msg(strstr(err.p, c->errsub) != NULL, "\"%s\" not in \"%s\"", c->errsub, err.p);
        ck_assert_ptr_null(strchr(err.p, '\n'));
    } else {
        ck_assert_str_eq(action, c->action);
        ck_assert_int_eq(argi, c->argi ? c->argi : argc);
        ck_assert_int_eq(cfg.check_only, c->check_only);
        size_t nroots = 0;
        while (nroots < NELEM(c->roots) && c->roots[nroots])
            nroots++;
        /* Subcommands stop parsing: whatever follows is theirs. */
        if (strcmp(action, "yank") && strcmp(action, "unyank") && strcmp(action, "help") &&
            strcmp(action, "version")) {
            ck_assert_uint_eq(cfg.nroots, nroots);
            for (size_t i = 0; i < nroots; i++)
                ck_assert_str_eq(cfg.roots[i], c->roots[i]);
        } else if (nroots) {
            ck_assert_uint_ge(cfg.nroots, nroots);
        }
        check_lines(&cfg, c->lines);
        ck_assert_ptr_null(cfg.conf_file);
    }
    buf_free(&err);
    conf_free(&cfg);
}
END_TEST

/* ---- pypiserver's spellings ---- */

/* A pypiserver command line and the pypi-fcgi one it means: both must give
 * the same roots, action and printed configuration. */
struct alias_case {
    const char *theirs[MAXARGS];
    const char *ours[MAXARGS];
};

static const struct alias_case alias_cases[] = {
    /* pypi-server run [options] [PACKAGES_DIRECTORY...]: "run" first is skipped. */
    { { "run", "/srv/packages", NULL }, { "/srv/packages", NULL } },
    { { "run", NULL }, { NULL } },
    { { "run", "-P", "/etc/h", "-a", "update,download,list", "-o", "--disable-fallback", "/srv/p", NULL },
      { "--htpasswd", "/etc/h", "--authenticate", "update,download,list", "--overwrite", "/srv/p", NULL } },
    { { "-a", "update,download", "/r", NULL }, { "--authenticate", "update,download", "/r", NULL } },
    { { "-alist", NULL }, { "--authenticate=list", NULL } },
    { { "-a", "download, update", NULL }, { "--authenticate", "update,download", NULL } },
    { { "-a", ".", NULL }, { "--authenticate", ".", NULL } },
    { { "-P", "/etc/h", NULL }, { "--htpasswd", "/etc/h", NULL } },
    { { "-P/etc/h", NULL }, { "--htpasswd=/etc/h", NULL } },
    { { "--passwords", "/etc/h", NULL }, { "--htpasswd", "/etc/h", NULL } },
    { { "--passwords=/etc/h", NULL }, { "--htpasswd", "/etc/h", NULL } },
    /* "-P ." is pypiserver's "no file", pypi-fcgi's default. */
    { { "-P", ".", "-a", ".", NULL }, { "--authenticate", ".", NULL } },
    { { "-o", "/r", NULL }, { "--overwrite", "/r", NULL } },
    /* pypiserver logs warnings, -v info, -vv and more debug. */
    { { "--log-level", "error", "-v", NULL }, { "--log-level", "info", NULL } },
    { { "--log-level", "error", "--verbose", NULL }, { "--log-level", "info", NULL } },
    { { "-vv", NULL }, { "--log-level", "debug", NULL } },
    { { "-vvv", NULL }, { "--log-level", "debug", NULL } },
    { { "-v", "-v", NULL }, { "--log-level", "debug", NULL } },
    { { "--verbose", "-v", NULL }, { "--log-level", "debug", NULL } },
    { { "-vv", "--log-level", "warn", NULL }, { "--log-level", "warn", NULL } },
    { { "--server-base-url", "/pypi/", NULL }, { "--url-prefix", "/pypi", NULL } },
    { { "--server-base-url=pypi", NULL }, { "--url-prefix=/pypi", NULL } },
    { { "--server-base-url", "//a/b//", NULL }, { "--url-prefix", "/a/b", NULL } },
    { { "--server-base-url", "/", NULL }, { "--url-prefix=", NULL } },
    { { "--server-base-url=", NULL }, { "--url-prefix=", NULL } },
    /* What pypi-fcgi already does. */
    { { "--disable-fallback", "/r", NULL }, { "/r", NULL } },
    { { "--hash-algo", "sha256", NULL }, { NULL } },
    { { "--hash-algo=sha256", NULL }, { NULL } },
    { { "--backend", "auto", NULL }, { NULL } },
    { { "--backend=cached-dir", NULL }, { NULL } },
    { { "--health-endpoint", "/health", NULL }, { NULL } },
    { { "--log-stream", "stderr", NULL }, { NULL } },
    /* Taken as they are. */
    { { "--health-endpoint", "/healthz", NULL }, { "--health-endpoint", "/healthz", NULL } },
    { { "--health-endpoint=/ops/live", NULL }, { "--health-endpoint=/ops/live", NULL } },
    { { "--welcome", "/etc/w.html", "/r", NULL }, { "--welcome", "/etc/w.html", "/r", NULL } },
    { { "--welcome=w.html", NULL }, { "--welcome=w.html", NULL } },
    { { "--cache-control", "3600", NULL }, { "--cache-control", "3600", NULL } },
    { { "--cache-control=0", NULL }, { NULL } },
};

/* Parses args into cfg (conf_init'ed here) and returns the error. */
static enum pf_err parse(const char *const *args, struct config *cfg, const char **action, buf_t *err)
{
    char *argv[MAXARGS + 2];
    int argc = make_argv(args, argv), argi;
    conf_init(cfg);
    return conf_parse_args(argc, argv, cfg, action, &argi, err);
}

START_TEST(test_conf_pypiserver_alias_table)
{
    const struct alias_case *c = &alias_cases[_i];
    struct config a, b;
    const char *act_a, *act_b;
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_msg(parse(c->theirs, &a, &act_a, &err) == PF_EOK, "case %d: %s", _i, err.p);
    ck_assert_msg(parse(c->ours, &b, &act_b, &err) == PF_EOK, "case %d: %s", _i, err.p);
    ck_assert_str_eq(act_a, act_b);
    ck_assert_int_eq(a.check_only, b.check_only);
    ck_assert_uint_eq(a.nroots, b.nroots);
    for (size_t i = 0; i < a.nroots; i++)
        ck_assert_str_eq(a.roots[i], b.roots[i]);
    char *pa = printed(&a), *pb = printed(&b);
    ck_assert_msg(strcmp(pa, pb) == 0, "case %d (%s ...):\n%s\nis not\n%s", _i, c->theirs[0], pa, pb);
    free(pa);
    free(pb);
    conf_free(&a);
    conf_free(&b);
    buf_free(&err);
}
END_TEST

/* Every alias row has its spellings in alias_cases. */
START_TEST(test_conf_pypiserver_aliases_tested)
{
    for (size_t r = 0; r < conf_npypiserver; r++) {
        const struct conf_pypiserver *p = &conf_pypiserver[r];
        if (p->why)
            continue;
        for (size_t k = 0; k < NELEM(p->spell) && p->spell[k]; k++) {
            bool found = false;
            for (size_t c = 0; c < NELEM(alias_cases) && !found; c++)
                for (size_t i = 0; i < MAXARGS && alias_cases[c].theirs[i] && !found; i++)
                    found = strncmp(alias_cases[c].theirs[i], p->spell[k], strlen(p->spell[k])) == 0;
            ck_assert_msg(found, "no alias case uses %s", p->spell[k]);
        }
    }
}
END_TEST

/* Every refusal: the command line fails (pypi-fcgi exits 2) with one line
 * that quotes what was given and says the row's reason; values that are
 * pypi-fcgi's behaviour already are taken and change nothing. */
START_TEST(test_conf_pypiserver_refusals)
{
    struct config def;
    conf_init(&def);
    char *want = printed(&def);
    size_t refused = 0;
    for (size_t r = 0; r < conf_npypiserver; r++) {
        const struct conf_pypiserver *p = &conf_pypiserver[r];
        if (!p->why)
            continue;
        for (size_t k = 0; k < NELEM(p->spell) && p->spell[k]; k++) {
            const char *s = p->spell[k];
            /* Given as pypiserver users do, with a value where it takes one. */
            const char *args[] = { s, p->arg ? "x" : "/r", "/r", NULL };
            char quoted[256];
            snprintf(quoted, sizeof quoted, "pypiserver's '%s%s' is refused: ", s, p->arg && p->same ? " x" : "");
            struct config cfg;
            const char *action;
            buf_t err;
            buf_init(&err, 4096);
            ck_assert_int_eq(parse(args, &cfg, &action, &err), PF_EINVAL);
            ck_assert_msg(strstr(err.p, quoted) == err.p, "%s: \"%s\" does not start with \"%s\"", s, err.p, quoted);
            ck_assert_ptr_nonnull(strstr(err.p, p->why));
            ck_assert_ptr_null(strchr(err.p, '\n'));
            conf_free(&cfg);
            refused++;
            /* The same, joined to its value. */
            if (p->arg) {
                char joined[128];
                snprintf(joined, sizeof joined, "%s%sx", s, s[1] == '-' ? "=" : "");
                const char *args2[] = { joined, NULL };
                ck_assert_int_eq(parse(args2, &cfg, &action, &err), PF_EINVAL);
                snprintf(quoted, sizeof quoted, "pypiserver's '%s' is refused: ", joined);
                ck_assert_msg(strstr(err.p, quoted) == err.p, "\"%s\" does not start with \"%s\"", err.p, quoted);
                conf_free(&cfg);
            }
            /* Each accepted value is a no-op. */
            sv_t rest = sv_cstr(p->same);
            while (rest.len) {
                sv_t w = sv_split(&rest, '|');
                char value[64];
                snprintf(value, sizeof value, "%.*s", (int)w.len, w.p);
                const char *args3[] = { s, value, NULL };
                ck_assert_msg(parse(args3, &cfg, &action, &err) == PF_EOK, "%s %s: %s", s, value, err.p);
                char *got = printed(&cfg);
                ck_assert_str_eq(got, want);
                free(got);
                conf_free(&cfg);
            }
            buf_free(&err);
        }
    }
    ck_assert_uint_ge(refused, 20);
    free(want);
    conf_free(&def);
}
END_TEST

/* What each refusal tells a pypiserver user to do instead. */
struct refusal_case {
    const char *argv[MAXARGS];
    const char *says[3];
};

static const struct refusal_case refusal_cases[] = {
    { { "run", "-p", "8080", "/srv/packages", NULL }, { "FastCGI responder", "--listen", "contrib/" } },
    { { "--port=8080", NULL }, { "'--port=8080'", "the web server", "listens" } },
    { { "-i", "0.0.0.0", NULL }, { "'-i'", "--listen", NULL } },
    { { "-H", "::", NULL }, { "'-H'", "--listen", NULL } },
    { { "--host", "0.0.0.0", NULL }, { "'--host'", "--listen", NULL } },
    { { "--interface=127.0.0.1", NULL }, { "'--interface=127.0.0.1'", "--listen", NULL } },
    { { "--server", "gunicorn", NULL }, { "'--server'", "--threads", "contrib/" } },
    { { "--fallback-url", "https://pypi.org/simple/", NULL },
      { "dependency confusion", "--upstream URL", "never looks up a name that has local files" } },
    { { "--hash-algo", "md5", NULL }, { "'--hash-algo md5'", "sha256", NULL } },
    { { "--hash-algo", "off", NULL }, { "'--hash-algo off'", "always carry sha256", NULL } },
    { { "--backend", "simple-dir", NULL }, { "'--backend simple-dir'", "--rescan-interval", NULL } },
    { { "--log-file", "/var/log/p", NULL }, { "'--log-file'", "standard error", NULL } },
    { { "--log-stream", "stdout", NULL }, { "'--log-stream stdout'", "standard error", NULL } },
    { { "--log-stream=none", NULL }, { "'--log-stream=none'", "--log-level error", NULL } },
    { { "--log-frmt", "%(message)s", NULL }, { "'--log-frmt'", "access log", NULL } },
    { { "--log-req-frmt", "%s", NULL }, { "'--log-req-frmt'", "access log", NULL } },
    { { "update", "/srv/packages", NULL }, { "'update'", "pypi.org", "pip download" } },
    { { "-U", "/srv/packages", NULL }, { "'-U'", "pypi.org", NULL } },
    { { "-x", NULL }, { "'-x'", "pypiserver's update", NULL } },
    { { "-d", "/tmp", NULL }, { "'-d'", "pypiserver's update", NULL } },
    { { "--blacklist-file", "f", NULL }, { "'--blacklist-file'", "pypiserver's update", NULL } },
    /* Malformed. */
    { { "-P", NULL }, { "-P needs a value", NULL, NULL } },
    { { "/r", "--passwords", NULL }, { "--passwords needs a value", NULL, NULL } },
    { { "--hash-algo", NULL }, { "--hash-algo needs a value", NULL, NULL } },
    { { "--disable-fallback=yes", NULL }, { "--disable-fallback takes no value", NULL, NULL } },
    { { "--verbose=2", NULL }, { "--verbose takes no value", NULL, NULL } },
    { { "-P", "", NULL }, { "htpasswd: empty path", NULL, NULL } },
    { { "-a", "upload", NULL }, { "authenticate: 'upload'", NULL, NULL } },
    { { "-vx", NULL }, { "unknown option '-vx'", NULL, NULL } },
    { { "-ox", NULL }, { "unknown option '-ox'", NULL, NULL } },
    { { "--pass", "h", NULL }, { "unknown option '--pass'", NULL, NULL } },
    /* Taken, and checked as pypi-fcgi's own settings are. */
    { { "--health-endpoint", "/simple/ping", NULL }, { "health-endpoint: '/simple/ping' would hide /simple", NULL, NULL } },
    { { "--health-endpoint", "health", NULL }, { "health-endpoint: 'health' is not a path", NULL, NULL } },
    { { "--cache-control", "-1", NULL }, { "cache-control: '-1'", NULL, NULL } },
    { { "--cache-control", NULL }, { "--cache-control needs a value", NULL, NULL } },
    { { "--welcome", "", NULL }, { "welcome: empty path", NULL, NULL } },
};

START_TEST(test_conf_pypiserver_refusal_table)
{
    const struct refusal_case *c = &refusal_cases[_i];
    struct config cfg;
    const char *action;
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_int_eq(parse(c->argv, &cfg, &action, &err), PF_EINVAL);
    for (size_t i = 0; i < NELEM(c->says) && c->says[i]; i++)
        ck_assert_msg(strstr(err.p, c->says[i]) != NULL, "\"%s\" not in \"%s\"", c->says[i], err.p);
    ck_assert_ptr_null(strchr(err.p, '\n'));
    conf_free(&cfg);
    buf_free(&err);
}
END_TEST

/* No pypiserver spelling is also pypi-fcgi's own, so that which is looked
 * up first does not matter and none hides a setting. */
START_TEST(test_conf_pypiserver_no_clash)
{
    static const char *const own[] = { "-c", "--config", "-t", "-h", "--help", "-V", "--version", "--",
                                       "yank", "unyank" };
    for (size_t r = 0; r < conf_npypiserver; r++) {
        const struct conf_pypiserver *p = &conf_pypiserver[r];
        ck_assert_msg(!p->setting || p->why == NULL, "row %zu is an alias and a refusal", r);
        for (size_t k = 0; k < NELEM(p->spell) && p->spell[k]; k++) {
            const char *s = p->spell[k];
            for (size_t i = 0; i < NELEM(own); i++)
                ck_assert_msg(strcmp(s, own[i]) != 0, "%s is pypi-fcgi's own", s);
            for (size_t i = 0; i < conf_nsettings; i++)
                ck_assert_msg(strncmp(s, "--", 2) != 0 || strcmp(s + 2, conf_settings[i].name) != 0,
                              "%s is pypi-fcgi's setting", s);
        }
        if (p->setting) {
            bool known = false;
            for (size_t i = 0; i < conf_nsettings; i++)
                known = known || strcmp(p->setting, conf_settings[i].name) == 0;
            ck_assert_msg(known, "%s is no setting", p->setting);
        }
    }
}
END_TEST

/* ---- -c FILE ---- */

struct file_case {
    const char *file;           /* contents of the -c file */
    const char *argv[MAXARGS];  /* "@" stands for the file's path */
    enum pf_err err;
    const char *errsub;         /* "@" at its start stands for the path */
    const char *roots[4];
    const char *lines[MAXARGS];
};

static const char basic_file[] = "# pypi-fcgi.conf\n"
                                 "root = /from/file\n"
                                 "threads = 3\n"
                                 "listen = unix:/run/f.sock\n"
                                 "log-level = warn\n";

static const struct file_case file_cases[] = {
    /* Values from the file. */
    { basic_file, { "-c", "@", NULL }, PF_EOK, NULL, { "/from/file" },
      { "threads = 3", "listen = unix:/run/f.sock", "log-level = warn", "cache-size = 24" } },
    { basic_file, { "--config", "@", NULL }, PF_EOK, NULL, { "/from/file" }, { "threads = 3" } },
    /* The command line overrides the file, wherever -c is. */
    { basic_file, { "-c", "@", "--threads", "9", NULL }, PF_EOK, NULL, { "/from/file" },
      { "threads = 9", "listen = unix:/run/f.sock" } },
    { basic_file, { "--threads=9", "-c", "@", NULL }, PF_EOK, NULL, { "/from/file" },
      { "threads = 9", "log-level = warn" } },
    { basic_file, { "--listen", "tcp:h:1", "-c", "@", "--log-level", "error", NULL }, PF_EOK, NULL,
      { "/from/file" }, { "threads = 3", "listen = tcp:h:1", "log-level = error" } },
    /* Roots on the command line replace the file's. */
    { basic_file, { "-c", "@", "/cmd/root", NULL }, PF_EOK, NULL, { "/cmd/root" }, { "threads = 3" } },
    { basic_file, { "/cmd/a", "-c", "@", "/cmd/b", NULL }, PF_EOK, NULL, { "/cmd/a", "/cmd/b" },
      { "root = /cmd/a", "root = /cmd/b" } },
    { basic_file, { "-c", "@", "--", "/cmd/x", NULL }, PF_EOK, NULL, { "/cmd/x" }, { NULL } },
    { "root = /f1\nroot = /f2\nroot = /f3\n", { "-c", "@", NULL }, PF_EOK, NULL, { "/f1", "/f2", "/f3" },
      { NULL } },
    { "root = /f1\nroot = /f2\nroot = /f3\n", { "-c", "@", "/c1", NULL }, PF_EOK, NULL, { "/c1" },
      { NULL } },
    /* Errors in the file carry its path and line. */
    { "threads = 2\nbogus = 1\n", { "-c", "@", NULL }, PF_EINVAL, "@:2: unknown setting 'bogus'",
      { NULL }, { NULL } },
    { "threads = 2\n\nthreads = lots\n", { "-c", "@", NULL }, PF_EINVAL,
      "@:3: threads: 'lots' is not a number from 1 to 1024", { NULL }, { NULL } },
    { "threads 2\n", { "-c", "@", NULL }, PF_EINVAL, "@:1: expected 'key = value'", { NULL }, { NULL } },
    /* An empty file is fine. */
    { "", { "-c", "@", "/r", NULL }, PF_EOK, NULL, { "/r" }, { "threads = 4" } },
};

START_TEST(test_conf_file_table)
{
    const struct file_case *c = &file_cases[_i];
    char *dir = tu_mkdtemp();
    char path[1024], want[1200];
    const char *args[MAXARGS];
    char *argv[MAXARGS + 2];
    struct config cfg;
    const char *action;
    int argi;
    buf_t err;

    snprintf(path, sizeof path, "%s/pypi-fcgi.conf", dir);
    tu_write_file(path, c->file, strlen(c->file));
    for (size_t i = 0; i < MAXARGS; i++)
        args[i] = c->argv[i] && strcmp(c->argv[i], "@") == 0 ? path : c->argv[i];
    int argc = make_argv(args, argv);

    conf_init(&cfg);
    buf_init(&err, 4096);
    enum pf_err e = conf_parse_args(argc, argv, &cfg, &action, &argi, &err);
    ck_assert_msg(e == c->err, "case %d: %s (%s)", _i, pf_errname(e), err.p ? err.p : "");
    if (e) {
        snprintf(want, sizeof want, "%s%s", c->errsub[0] == '@' ? path : "",
                 c->errsub + (c->errsub[0] == '@'));
        ck_assert_str_eq(err.p, want);
    } else {
        ck_assert_str_eq(action, "serve");
        ck_assert_ptr_nonnull(cfg.conf_file);
        ck_assert_str_eq(cfg.conf_file, path);
        size_t n = 0;
        while (n < NELEM(c->roots) && c->roots[n])
            n++;
        ck_assert_uint_eq(cfg.nroots, n);
        for (size_t i = 0; i < n; i++)
            ck_assert_str_eq(cfg.roots[i], c->roots[i]);
        check_lines(&cfg, c->lines);
    }
    buf_free(&err);
    conf_free(&cfg);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_conf_file_missing)
{
    char *argv[] = { (char *)"pypi-fcgi", (char *)"-c", (char *)"/nonexistent/pypi-fcgi.conf", NULL };
    struct config cfg;
    const char *action;
    int argi;
    buf_t err;
    conf_init(&cfg);
    buf_init(&err, 4096);
    ck_assert_int_eq(conf_parse_args(3, argv, &cfg, &action, &argi, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "/nonexistent/pypi-fcgi.conf"));
    ck_assert_ptr_nonnull(strstr(err.p, strerror(ENOENT)));
    buf_free(&err);
    conf_free(&cfg);
}
END_TEST

/* ---- conf_parse_text ---- */

struct text_case {
    const char *text;
    enum pf_err err;
    const char *msg; /* exact error message, origin "t.conf" */
    const char *roots[4];
    const char *lines[MAXARGS];
};

static const struct text_case text_cases[] = {
    { "", PF_EOK, NULL, { NULL }, { "threads = 4" } },
    /* Found by fuzz_conf: a value that is only a control character. */
    { "root =\r\r#", PF_EINVAL, "t.conf:1: a control character in the line", { NULL }, { NULL } },
    { "threads = 4\x01", PF_EINVAL, "t.conf:1: a control character in the line", { NULL }, { NULL } },
    /* Found by fuzz_conf: a later sendfile line replaces the prefix too. */
    { "sendfile = x-accel-redirect:/a/\nsendfile = none\n", PF_EOK, NULL, { NULL }, { "sendfile = none" } },
    { "sendfile = x-accel-redirect:/a/\nsendfile = x-sendfile\n", PF_EOK, NULL, { NULL }, { "sendfile = x-sendfile" } },
    { "\n\n\n", PF_EOK, NULL, { NULL }, { "threads = 4" } },
    { "# only a comment", PF_EOK, NULL, { NULL }, { "threads = 4" } },
    { "# comment\n\n   \n\t\nthreads = 5\n", PF_EOK, NULL, { NULL }, { "threads = 5" } },
    { "threads = 5 # five threads\n", PF_EOK, NULL, { NULL }, { "threads = 5" } },
    { "threads=5", PF_EOK, NULL, { NULL }, { "threads = 5" } },
    { "  threads\t=\t5  \n", PF_EOK, NULL, { NULL }, { "threads = 5" } },
    { "   # indented comment\nthreads = 5\n", PF_EOK, NULL, { NULL }, { "threads = 5" } },
    /* CRLF line ends. */
    { "# c\r\nthreads = 6\r\n\r\ncache-size = 7\r\n", PF_EOK, NULL, { NULL },
      { "threads = 6", "cache-size = 7" } },
    { "threads = 6 \r\n", PF_EOK, NULL, { NULL }, { "threads = 6" } },
    { "threads = 6 # c\r\n", PF_EOK, NULL, { NULL }, { "threads = 6" } },
    /* Later lines win; roots add up. */
    { "threads = 5\nthreads = 7\n", PF_EOK, NULL, { NULL }, { "threads = 7" } },
    { "root = /a\nroot = /b c\n", PF_EOK, NULL, { "/a", "/b c" }, { "root = /a", "root = /b c" } },
    { "sendfile = x-accel-redirect:/internal/\nlisten = tcp:127.0.0.1:9000\nurl-prefix = /pypi\n"
      "log-level = debug\nrescan-interval = 60\ncache-size = 128\n",
      PF_EOK, NULL, { NULL },
      { "sendfile = x-accel-redirect:/internal/", "listen = tcp:127.0.0.1:9000", "url-prefix = /pypi",
        "log-level = debug", "rescan-interval = 60", "cache-size = 128" } },
    /* '#' always starts a comment, even inside a value. */
    { "url-prefix = /a#b\n", PF_EOK, NULL, { NULL }, { "url-prefix = /a" } },
    /* Missing '=' or key. */
    { "threads 5\n", PF_EINVAL, "t.conf:1: expected 'key = value'", { NULL }, { NULL } },
    { "\n\nthreads 5", PF_EINVAL, "t.conf:3: expected 'key = value'", { NULL }, { NULL } },
    { "# c\r\nthreads\r\n", PF_EINVAL, "t.conf:2: expected 'key = value'", { NULL }, { NULL } },
    { "= 5\n", PF_EINVAL, "t.conf:1: expected 'key = value'", { NULL }, { NULL } },
    { "threads = 5\n   =\n", PF_EINVAL, "t.conf:2: expected 'key = value'", { NULL }, { NULL } },
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n", PF_EINVAL,
      "t.conf:1: expected 'key = value'", { NULL }, { NULL } },
    /* Unknown keys and bad values, with origin:line. */
    { "threads = 5\ncolour = blue\n", PF_EINVAL, "t.conf:2: unknown setting 'colour'", { NULL }, { NULL } },
    { "Threads = 5\n", PF_EINVAL, "t.conf:1: unknown setting 'Threads'", { NULL }, { NULL } },
    { "thread s = 5\n", PF_EINVAL, "t.conf:1: unknown setting 'thread s'", { NULL }, { NULL } },
    { "threads = x\n", PF_EINVAL, "t.conf:1: threads: 'x' is not a number from 1 to 1024", { NULL },
      { NULL } },
    { "threads = 5 = 6\n", PF_EINVAL, "t.conf:1: threads: '5 = 6' is not a number from 1 to 1024",
      { NULL }, { NULL } },
    { "threads =\n", PF_EINVAL, "t.conf:1: threads: '' is not a number from 1 to 1024", { NULL }, { NULL } },
    { "# a\n# b\n# c\nroot =\n", PF_EINVAL, "t.conf:4: root: empty path", { NULL }, { NULL } },
    { "\r\n\r\nlog-level = loud\r\n", PF_EINVAL, "t.conf:3: log-level: 'loud' is not error, warn, info or debug",
      { NULL }, { NULL } },
};

START_TEST(test_conf_text_table)
{
    const struct text_case *c = &text_cases[_i];
    struct config cfg;
    buf_t err;
    conf_init(&cfg);
    buf_init(&err, 4096);
    enum pf_err e = conf_parse_text(&cfg, c->text, "t.conf", &err);
    ck_assert_msg(e == c->err, "case %d: %s (%s)", _i, pf_errname(e), err.p ? err.p : "");
    if (e) {
        ck_assert_ptr_nonnull(err.p);
        ck_assert_str_eq(err.p, c->msg);
    } else {
        size_t n = 0;
        while (n < NELEM(c->roots) && c->roots[n])
            n++;
        ck_assert_uint_eq(cfg.nroots, n);
        for (size_t i = 0; i < n; i++)
            ck_assert_str_eq(cfg.roots[i], c->roots[i]);
        check_lines(&cfg, c->lines);
    }
    buf_free(&err);
    conf_free(&cfg);
}
END_TEST

START_TEST(test_conf_text_long_line)
{
    struct config cfg;
    buf_t err;
    char *text = malloc(10000);
    ck_assert_ptr_nonnull(text);
    /* A 4097-byte comment line on line 2. */
    strcpy(text, "threads = 2\n#");
    memset(text + strlen(text), 'x', 4096);
    text[13 + 4096 - 1] = '\0';
    ck_assert_uint_eq(strlen(text), 12 + 4096);
    conf_init(&cfg);
    buf_init(&err, 4096);
    ck_assert_int_eq(conf_parse_text(&cfg, text, "t.conf", &err), PF_EOK);
    strcat(text, "x\n");
    ck_assert_int_eq(conf_parse_text(&cfg, text, "t.conf", &err), PF_EINVAL);
    ck_assert_str_eq(err.p, "t.conf: line too long");
    buf_free(&err);
    conf_free(&cfg);
    free(text);
}
END_TEST

/* ---- the settings table drives everything ---- */

/* Settings whose default is a description, not a value. */
static bool default_is_prose(const char *name)
{
    return !strcmp(name, "root") || !strcmp(name, "listen") || !strcmp(name, "url-prefix") ||
           !strcmp(name, "htpasswd") || !strcmp(name, "upload-acl") || !strcmp(name, "password-checks") ||
           !strcmp(name, "state-dir") || !strcmp(name, "welcome") || !strcmp(name, "trusted-proxy") ||
           !strcmp(name, "upstream") || !strcmp(name, "upstream-ca") || !strcmp(name, "upstream-netrc") ||
           !strcmp(name, "upstream-cache") || !strcmp(name, "upstream-allow") || !strcmp(name, "upstream-deny") ||
           !strcmp(name, "upstream-claims");
}

START_TEST(test_conf_defaults_match_table)
{
    struct config def, cfg;
    buf_t err;
    conf_init(&def);
    char *want = printed(&def);
    buf_init(&err, 4096);
    ck_assert_uint_ge(conf_nsettings, 8);
    for (size_t i = 0; i < conf_nsettings; i++) {
        const struct conf_setting *s = &conf_settings[i];
        ck_assert_ptr_nonnull(s->name);
        ck_assert_ptr_nonnull(s->deflt); /* arg is NULL for a yes/no switch */
        ck_assert_ptr_nonnull(s->help);
        /* A row starts unset exactly when its default is a description. */
        ck_assert_msg(default_is_prose(s->name) == (s->unset != NULL), "%s: unset is %s", s->name,
                      s->unset ? s->unset : "NULL");
        if (default_is_prose(s->name))
            continue;
        /* The documented default, set explicitly, changes nothing. */
        conf_init(&cfg);
        ck_assert_msg(conf_set(&cfg, s->name, s->deflt, &err) == PF_EOK, "%s = %s: %s", s->name, s->deflt,
                      err.p);
        char *got = printed(&cfg);
        ck_assert_msg(strcmp(got, want) == 0, "default of %s is not %s", s->name, s->deflt);
        free(got);
        conf_free(&cfg);
    }
    free(want);
    buf_free(&err);
    conf_free(&def);
}
END_TEST

START_TEST(test_conf_usage_lists_settings)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    ck_assert_ptr_nonnull(f);
    conf_usage(f);
    ck_assert_int_eq(fclose(f), 0);
    for (size_t i = 0; i < conf_nsettings; i++) {
        const struct conf_setting *s = &conf_settings[i];
        if (!strcmp(s->name, "root"))
            continue;
        char opt[128], def[128];
        snprintf(opt, sizeof opt, "--%s%s%s ", s->name, s->arg ? " " : "", s->arg ? s->arg : "");
        snprintf(def, sizeof def, "(default: %s)", s->deflt);
        ck_assert_msg(strstr(text, opt) != NULL, "--help lacks \"%s\"", opt);
        ck_assert_msg(strstr(text, def) != NULL, "--help lacks \"%s\"", def);
    }
    ck_assert_ptr_nonnull(strstr(text, "-c FILE"));
    ck_assert_ptr_nonnull(strstr(text, "-t "));
    free(text);
}
END_TEST

/* What conf_print writes parses back to the same configuration. */
START_TEST(test_conf_print_roundtrip)
{
    static const char *const texts[] = {
        "",
        ("root = /a\nroot = /b\nthreads = 16\nlisten = unix:/run/p.sock\nsendfile = x-accel-redirect:/in/\n"
         "url-prefix = /pypi\nlog-level = error\nrescan-interval = 0\ncache-size = 4096\n"),
        "sendfile = x-sendfile\nlisten = tcp:[::1]:9000\nurl-prefix =\n",
    };
    for (size_t i = 0; i < NELEM(texts); i++) {
        struct config a, b;
        buf_t err;
        buf_init(&err, 4096);
        conf_init(&a);
        conf_init(&b);
        ck_assert_int_eq(conf_parse_text(&a, texts[i], "t", &err), PF_EOK);
        char *pa = printed(&a);
        ck_assert_msg(conf_parse_text(&b, pa, "printed", &err) == PF_EOK, "%s: %s", pa, err.p);
        char *pb = printed(&b);
        ck_assert_str_eq(pa, pb);
        free(pa);
        free(pb);
        conf_free(&a);
        conf_free(&b);
        buf_free(&err);
    }
}
END_TEST

START_TEST(test_conf_check)
{
    char *dir = tu_mkdtemp();
    char path[1024], file[1024];
    struct config cfg;
    buf_t err;
    buf_init(&err, 4096);

    /* No root at all. */
    conf_init(&cfg);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "no package root"));
    conf_free(&cfg);

    /* A missing root. */
    snprintf(path, sizeof path, "%s/missing", dir);
    conf_init(&cfg);
    ck_assert_int_eq(conf_set(&cfg, "root", path, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, path));
    ck_assert_ptr_nonnull(strstr(err.p, strerror(ENOENT)));
    conf_free(&cfg);

    /* A file, not a directory. */
    snprintf(file, sizeof file, "%s/afile", dir);
    tu_write_file(file, "x", 1);
    conf_init(&cfg);
    ck_assert_int_eq(conf_set(&cfg, "root", file, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, file));
    ck_assert_ptr_nonnull(strstr(err.p, "not a directory"));
    conf_free(&cfg);

    /* A good root after a bad one still fails, naming the bad one. */
    conf_init(&cfg);
    ck_assert_int_eq(conf_set(&cfg, "root", dir, &err), PF_EOK);
    ck_assert_int_eq(conf_set(&cfg, "root", path, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, path));
    conf_free(&cfg);

    /* Good roots are normalised: absolute, no "." or "..", no trailing '/'. */
    char *real = realpath(dir, NULL);
    ck_assert_ptr_nonnull(real);
    snprintf(path, sizeof path, "%s/sub", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    char odd[1100];
    snprintf(odd, sizeof odd, "%s/./sub/../sub/", dir);
    conf_init(&cfg);
    ck_assert_int_eq(conf_set(&cfg, "root", dir, &err), PF_EOK);
    ck_assert_int_eq(conf_set(&cfg, "root", odd, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EOK);
    ck_assert_uint_eq(cfg.nroots, 2);
    ck_assert_str_eq(cfg.roots[0], real);
    snprintf(path, sizeof path, "%s/sub", real);
    ck_assert_str_eq(cfg.roots[1], path);
    conf_free(&cfg);
    free(real);

    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Reads a file of the source tree (PF_TOP_SRCDIR, which make check sets, or
 * a guess relative to the working directory) into a malloc'd string; path
 * receives the name tried. Fails the test when it cannot be read. */
static char *read_source_file(const char *rel, char *path, size_t pathlen)
{
    const char *top = getenv("PF_TOP_SRCDIR");
    static const char *const ups[] = { ".", "..", "../..", "../../.." };
    char *text = NULL;

    if (top && *top) {
        snprintf(path, pathlen, "%s/%s", top, rel);
        text = tu_read_file(path, NULL);
    } else {
        for (size_t i = 0; !text && i < NELEM(ups); i++) {
            snprintf(path, pathlen, "%s/%s", ups[i], rel);
            text = tu_read_file(path, NULL);
        }
    }
    ck_assert_msg(text != NULL, "cannot read %s (PF_TOP_SRCDIR=%s)", path, top ? top : "unset");
    return text;
}

/* The man page documents every setting (one table drives the parsing,
 * --help and this test). */
START_TEST(test_conf_man_page_lists_settings)
{
    char path[PATH_MAX];
    char *man = read_source_file("man/pypi-fcgi.8", path, sizeof path);
    for (size_t i = 0; i < conf_nsettings; i++) {
        const char *name = conf_settings[i].name;
        if (!strcmp(name, "root"))
            continue;
        char opt[128];
        snprintf(opt, sizeof opt, "\\-\\-%s", name);
        ck_assert_msg(strstr(man, opt) != NULL, "%s does not document %s", path, opt);
    }
    free(man);
}
END_TEST

/* pypi-fcgi(8)'s COMING FROM PYPISERVER names every pypiserver spelling of
 * conf_pypiserver (leading dashes as "\-"), and the setting of each alias. */
START_TEST(test_conf_man_page_lists_pypiserver)
{
    char path[PATH_MAX];
    char *man = read_source_file("man/pypi-fcgi.8", path, sizeof path);
    char *sec = strstr(man, "\n.SH COMING FROM PYPISERVER\n");
    ck_assert_msg(sec != NULL, "%s has no section COMING FROM PYPISERVER", path);
    char *end = strstr(sec + 1, "\n.SH ");
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    for (size_t r = 0; r < conf_npypiserver; r++) {
        const struct conf_pypiserver *p = &conf_pypiserver[r];
        for (size_t k = 0; k < NELEM(p->spell) && p->spell[k]; k++) {
            const char *s = p->spell[k];
            char want[128];
            size_t dashes = strspn(s, "-");
            snprintf(want, sizeof want, "%s%s", dashes == 2 ? "\\-\\-" : dashes == 1 ? "\\-" : "", s + dashes);
            ck_assert_msg(strstr(sec, want) != NULL, "%s: COMING FROM PYPISERVER lacks %s", path, want);
        }
        if (p->setting) {
            char want[128];
            snprintf(want, sizeof want, "\\-\\-%s", p->setting);
            ck_assert_msg(strstr(sec, want) != NULL, "%s: COMING FROM PYPISERVER lacks %s", path, want);
        }
    }
    free(man);
}
END_TEST

/* pypi-fcgi.conf(5) has one entry per setting, ".TP" then the key in bold
 * ("key = "), and each entry states the table's default. */
START_TEST(test_conf_man5_lists_settings)
{
    char path[PATH_MAX];
    char *man = read_source_file("man/pypi-fcgi.conf.5", path, sizeof path);
    size_t entries = tu_count(man, "\n.TP\n.BI \"") + tu_count(man, "\n.TP\n.BR \"");
    ck_assert_msg(entries == conf_nsettings, "%s has %zu setting entries, the table %zu", path, entries,
                  conf_nsettings);
    for (size_t i = 0; i < conf_nsettings; i++) {
        const struct conf_setting *s = &conf_settings[i];
        char head[128], deflt[128];
        snprintf(head, sizeof head, "\n.TP\n.%s \"%s = \"", s->arg ? "BI" : "BR", s->name);
        const char *entry = strstr(man, head);
        ck_assert_msg(entry != NULL, "%s does not document %s (no \"%s\")", path, s->name, head + 1);
        entry += strlen(head);
        const char *next_tp = strstr(entry, "\n.TP\n"), *next_pp = strstr(entry, "\n.PP\n");
        const char *end = next_tp && (!next_pp || next_tp < next_pp) ? next_tp : next_pp;
        ck_assert_ptr_nonnull(end);
        snprintf(deflt, sizeof deflt, "Default: %s", default_is_prose(s->name) ? "" : s->deflt);
        const char *d = strstr(entry, deflt);
        ck_assert_msg(d && d < end, "%s: the entry for %s does not say \"%s\"", path, s->name, deflt);
    }
    free(man);
}
END_TEST

/* Replaces every line of text that starts with from by to + the rest of
 * that line (malloc'd result). */
static char *replace_line_starts(const char *text, const char *from, const char *to)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    ck_assert_ptr_nonnull(f);
    size_t fl = strlen(from);
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
        if (len >= fl && strncmp(p, from, fl) == 0)
            fprintf(f, "%s%.*s", to, (int)(len - fl), p + fl);
        else
            fprintf(f, "%.*s", (int)len, p);
        p += len;
    }
    ck_assert_int_eq(fclose(f), 0);
    return out;
}

/* contrib/pypi-fcgi.conf, the example file: every setting has a line, the
 * commented ones hold the real defaults, and the file parses as shipped,
 * with each example uncommented, and with an existing root. */
START_TEST(test_conf_example_file)
{
    char path[PATH_MAX], file[PATH_MAX];
    char *text = read_source_file("contrib/pypi-fcgi.conf", path, sizeof path);
    struct config cfg, def;
    buf_t err;
    buf_init(&err, 4096);

    /* Each setting as "#key = " or "key = " at the start of a line; the
     * commented default exactly as the table has it. */
    for (size_t i = 0; i < conf_nsettings; i++) {
        const struct conf_setting *s = &conf_settings[i];
        char line[256];
        snprintf(line, sizeof line, "\n#%s = ", s->name);
        bool commented = strstr(text, line) != NULL;
        snprintf(line, sizeof line, "\n%s = ", s->name);
        ck_assert_msg(commented || strstr(text, line), "%s has no line for %s", path, s->name);
        if (!default_is_prose(s->name)) {
            snprintf(line, sizeof line, "#%s = %s", s->name, s->deflt);
            ck_assert_msg(has_line(text, line), "%s lacks the line \"%s\"", path, line);
        }
    }

    /* As shipped: roots, and every other setting at its default. */
    conf_init(&cfg);
    ck_assert_msg(conf_parse_text(&cfg, text, path, &err) == PF_EOK, "%s", err.p);
    ck_assert_uint_ge(cfg.nroots, 1);
    conf_init(&def);
    for (size_t i = 0; i < cfg.nroots; i++)
        ck_assert_int_eq(conf_set(&def, "root", cfg.roots[i], &err), PF_EOK);
    char *want = printed(&def), *got = printed(&cfg);
    ck_assert_str_eq(got, want);
    free(got);
    conf_free(&cfg);

    /* The commented defaults, uncommented, change nothing. */
    char *on = text;
    for (size_t i = 0; i < conf_nsettings; i++) {
        const struct conf_setting *s = &conf_settings[i];
        if (default_is_prose(s->name))
            continue;
        char from[128], to[128];
        snprintf(from, sizeof from, "#%s = %s\n", s->name, s->deflt);
        snprintf(to, sizeof to, "%s = %s\n", s->name, s->deflt);
        char *next = replace_line_starts(on, from, to);
        if (on != text)
            free(on);
        on = next;
    }
    conf_init(&cfg);
    ck_assert_msg(conf_parse_text(&cfg, on, "defaults uncommented", &err) == PF_EOK, "%s", err.p);
    got = printed(&cfg);
    ck_assert_str_eq(got, want);
    free(got);
    conf_free(&cfg);
    if (on != text)
        free(on);
    free(want);
    conf_free(&def);

    /* Every "#key = value" example is a valid value. */
    on = text;
    for (size_t i = 0; i < conf_nsettings; i++) {
        char from[128], to[128];
        snprintf(from, sizeof from, "#%s = ", conf_settings[i].name);
        snprintf(to, sizeof to, "%s = ", conf_settings[i].name);
        char *next = replace_line_starts(on, from, to);
        if (on != text)
            free(on);
        on = next;
    }
    conf_init(&cfg);
    ck_assert_msg(conf_parse_text(&cfg, on, "examples uncommented", &err) == PF_EOK, "%s", err.p);
    conf_free(&cfg);
    free(on);

    /* With the root lines pointing to an existing directory, the file
     * passes conf_check; so does the file as shipped with a root on the
     * command line, which replaces its roots. */
    char *dir = tu_mkdtemp();
    char to[PATH_MAX + 16];
    snprintf(to, sizeof to, "root = %s #", dir);
    char *rooted = replace_line_starts(text, "root = ", to);
    snprintf(file, sizeof file, "%s/pypi-fcgi.conf", dir);
    tu_write_file(file, rooted, strlen(rooted));
    free(rooted);
    const char *action;
    int argi;
    char *argv1[] = { (char *)"pypi-fcgi", (char *)"-c", file, NULL };
    conf_init(&cfg);
    ck_assert_msg(conf_parse_args(3, argv1, &cfg, &action, &argi, &err) == PF_EOK, "%s", err.p);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    conf_free(&cfg);
    char *argv2[] = { (char *)"pypi-fcgi", (char *)"-c", path, dir, NULL };
    conf_init(&cfg);
    ck_assert_msg(conf_parse_args(4, argv2, &cfg, &action, &argi, &err) == PF_EOK, "%s", err.p);
    ck_assert_uint_eq(cfg.nroots, 1);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    conf_free(&cfg);
    tu_rmrf(dir);
    free(dir);

    buf_free(&err);
    free(text);
}
END_TEST

/* A switch takes no value on the command line; --name=no turns it off. */
START_TEST(test_conf_switches)
{
    struct config cfg;
    buf_t err;
    buf_init(&err, 4096);
    const char *action;
    int argi;
    char *argv1[] = { "pypi-fcgi", "--overwrite", "--trust-remote-user", "/srv", NULL };
    conf_init(&cfg);
    ck_assert_int_eq(conf_parse_args(4, argv1, &cfg, &action, &argi, &err), PF_EOK);
    ck_assert(cfg.overwrite && cfg.trust_remote_user);
    ck_assert_uint_eq(cfg.nroots, 1);
    conf_free(&cfg);
    char *argv2[] = { "pypi-fcgi", "--overwrite=no", "/srv", NULL };
    conf_init(&cfg);
    ck_assert_int_eq(conf_parse_args(3, argv2, &cfg, &action, &argi, &err), PF_EOK);
    ck_assert(!cfg.overwrite);
    conf_free(&cfg);
    /* download or list with no way to log in cannot work. */
    char *argv3[] = { "pypi-fcgi", "--authenticate", "update,download", "/", NULL };
    conf_init(&cfg);
    ck_assert_int_eq(conf_parse_args(4, argv3, &cfg, &action, &argi, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "--htpasswd"));
    conf_free(&cfg);
    buf_free(&err);
}
END_TEST

/* Uploads open to anyone only when asked with ".", and -t then says so;
 * a list without update still protects uploads. */
START_TEST(test_conf_anonymous_uploads)
{
    static const struct {
        const char *value;
        bool open;
    } cases[] = { { ".", true }, { "download,list", false }, { "list", false }, { "update", false } };
    for (size_t i = 0; i < NELEM(cases); i++) {
        struct config cfg;
        buf_t err;
        buf_init(&err, 4096);
        conf_init(&cfg);
        ck_assert_int_eq(conf_set(&cfg, "authenticate", cases[i].value, &err), PF_EOK);
        ck_assert_int_eq(!(cfg.authenticate & AUTH_UPDATE), cases[i].open);
        char *text = printed(&cfg);
        ck_assert_msg((strstr(text, "# WARNING: anyone may upload") != NULL) == cases[i].open, "%s:\n%s",
                      cases[i].value, text);
        free(text);
        conf_free(&cfg);
        buf_free(&err);
    }
}
END_TEST

/* password-checks stays below threads, so that a thread is left for the
 * pages; its default is a quarter of threads, at least 1. */
START_TEST(test_conf_password_checks)
{
    static const struct {
        long threads, checks;
        enum pf_err err;
        long effective;
    } cases[] = {
        { 4, 0, PF_EOK, 1 },  { 1, 0, PF_EOK, 1 },      { 8, 0, PF_EOK, 2 },   { 16, 0, PF_EOK, 4 },
        { 4, 3, PF_EOK, 3 },  { 4, 4, PF_EINVAL, 0 },   { 2, 2, PF_EINVAL, 0 }, { 1, 1, PF_EOK, 1 },
    };
    char *dir = tu_mkdtemp();
    for (size_t i = 0; i < NELEM(cases); i++) {
        struct config cfg;
        buf_t err;
        buf_init(&err, 4096);
        conf_init(&cfg);
        cfg.roots = calloc(1, sizeof *cfg.roots);
        cfg.roots[0] = strdup(dir);
        cfg.nroots = 1;
        cfg.threads = cases[i].threads;
        cfg.password_checks = cases[i].checks;
        ck_assert_int_eq(conf_check(&cfg, &err), cases[i].err);
        if (cases[i].err)
            ck_assert_ptr_nonnull(strstr(err.p, "password-checks"));
        else
            ck_assert_int_eq(conf_password_checks(&cfg), cases[i].effective);
        conf_free(&cfg);
        buf_free(&err);
    }
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* REMOTE_USER over TCP: anyone who can connect could send it. Refused
 * unless said with =tcp, which -t then prints with a warning. */
START_TEST(test_conf_trust_over_tcp)
{
    struct config cfg;
    buf_t err;
    buf_init(&err, 4096);
    const char *action;
    int argi;
    char *argv1[] = { "pypi-fcgi", "--listen", "tcp:127.0.0.1:9000", "--trust-remote-user", "/", NULL };
    conf_init(&cfg);
    ck_assert_int_eq(conf_parse_args(5, argv1, &cfg, &action, &argi, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.p, "--trust-remote-user=tcp"));
    conf_free(&cfg);
    char *argv2[] = { "pypi-fcgi", "--listen", "tcp:127.0.0.1:9000", "--trust-remote-user=tcp", "/", NULL };
    conf_init(&cfg);
    ck_assert_int_eq(conf_parse_args(5, argv2, &cfg, &action, &argi, &err), PF_EOK);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    ck_assert_int_eq(cfg.trust_remote_user, TRUST_TCP);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    conf_print(&cfg, f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "trust-remote-user = tcp\n# WARNING: "));
    free(text);
    conf_free(&cfg);
    /* A unix socket is fine. */
    char *argv3[] = { "pypi-fcgi", "--listen", "unix:/run/p.sock", "--trust-remote-user", "/", NULL };
    conf_init(&cfg);
    ck_assert_int_eq(conf_parse_args(5, argv3, &cfg, &action, &argi, &err), PF_EOK);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    conf_free(&cfg);
    buf_free(&err);
}
END_TEST

/* --welcome is read by conf_check: its errors stop the start, its text is
 * kept until conf_free. */
START_TEST(test_conf_welcome_file)
{
    char *dir = tu_mkdtemp();
    char file[1024];
    struct config cfg;
    buf_t err;
    buf_init(&err, 4096);
    snprintf(file, sizeof file, "%s/w.html", dir);

    conf_init(&cfg);
    ck_assert_ptr_null(cfg.welcome_text);
    ck_assert_int_eq(conf_set(&cfg, "root", dir, &err), PF_EOK);
    ck_assert_int_eq(conf_set(&cfg, "welcome", file, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_msg(strncmp(err.p, "welcome: cannot read ", 21) == 0 && strstr(err.p, file), "%s", err.p);
    tu_write_file(file, "<p>{{ NUMPKGS }}</p>\n{{ URL }}\n{{oops}}\n", 40);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_msg(strstr(err.p, ":3: '{{oops}}' is none of") != NULL, "%s", err.p);
    ck_assert_ptr_null(cfg.welcome_text);
    tu_write_file(file, "<p>{{ NUMPKGS }}</p>\n", 21);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    ck_assert_str_eq(cfg.welcome_text, "<p>{{ NUMPKGS }}</p>\n");
    /* A second check reads it again. */
    tu_write_file(file, "<p>new</p>", 10);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    ck_assert_str_eq(cfg.welcome_text, "<p>new</p>");
    conf_free(&cfg);

    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Which REMOTE_ADDR values --trusted-proxy trusts. */
struct proxy_case {
    const char *list; /* NULL: the default, none */
    const char *addr;
    bool trusted;
};

static const struct proxy_case proxy_cases[] = {
    { NULL, "127.0.0.1", false },
    { "127.0.0.1", "127.0.0.1", true },
    { "127.0.0.1", "127.0.0.2", false },
    { "127.0.0.1", "::1", false },
    { "127.0.0.1", "::ffff:127.0.0.1", true }, /* a dual-stack socket's form */
    { "::ffff:127.0.0.1", "127.0.0.1", true },
    { "10.1.2.3, ::1", "::1", true },
    { "10.1.2.3, ::1", "0:0:0:0:0:0:0:1", true },
    { "10.1.2.3, ::1", "10.1.2.3", true },
    { "fd00::1", "fd00::2", false },
    { "fd00::1", "FD00:0::1", true },
    { "127.0.0.1", "127.0.0.1 ", false },
    { "127.0.0.1", "127.0.0.1%lo", false },
    { "127.0.0.1", "", false },
    { "127.0.0.1", "localhost", false },
    { "127.0.0.1", NULL, false },
    { "127.0.0.1", "0127.0.0.1", false },
};

START_TEST(test_conf_proxy_trusted_table)
{
    const struct proxy_case *c = &proxy_cases[_i];
    struct config cfg;
    buf_t err;
    buf_init(&err, 4096);
    conf_init(&cfg);
    if (c->list)
        ck_assert_msg(conf_set(&cfg, "trusted-proxy", c->list, &err) == PF_EOK, "%s", err.p);
    ck_assert_msg(conf_proxy_trusted(&cfg, c->addr) == c->trusted, "case %d: %s in %s", _i, c->addr ? c->addr : "NULL",
                  c->list ? c->list : "(none)");
    /* A later line replaces the list whole. */
    if (c->list) {
        ck_assert_int_eq(conf_set(&cfg, "trusted-proxy", "192.0.2.99", &err), PF_EOK);
        ck_assert(!conf_proxy_trusted(&cfg, c->addr));
        ck_assert(conf_proxy_trusted(&cfg, "192.0.2.99"));
    }
    conf_free(&cfg);
    buf_free(&err);
}
END_TEST

/* LISTEN_PID and LISTEN_FDS: only a whole number counts. */
struct env_case {
    const char *v;
    long want;
};

static const struct env_case env_cases[] = {
    { "0", 0 },       { "1", 1 },   { "4242", 4242 }, { "007", 7 },
    { NULL, -1 },     { "", -1 },   { " 1", -1 },     { "+1", -1 },
    { "-1", -1 },     { "1 ", -1 }, { "1x", -1 },     { "x", -1 },
    { "0x10", -1 },   { "99999999999999999999999", -1 },
};

START_TEST(test_conf_env_number_table)
{
    const struct env_case *c = &env_cases[_i];
    ck_assert_msg(conf_env_number(c->v) == c->want, "'%s': %ld, not %ld", c->v ? c->v : "(null)",
                  conf_env_number(c->v), c->want);
}
END_TEST

/* ---- the upstream cache's settings ---- */

/* conf_set on a configuration whose upstream is set (so that -t prints the
 * upstream-* lines); for name "upstream", on a fresh one. */
static const struct set_case upstream_cases[] = {
    { "upstream", "https://pypi.org/simple/", PF_EOK, "upstream = https://pypi.org/simple/" },
    { "upstream", "https://pypi.org/simple", PF_EOK, "upstream = https://pypi.org/simple/" },
    { "upstream", "https://pypi.org/simple///", PF_EOK, "upstream = https://pypi.org/simple/" },
    { "upstream", "https://pypi.org", PF_EOK, "upstream = https://pypi.org/" },
    { "upstream", "https://pypi.org/", PF_EOK, "upstream = https://pypi.org/" },
    { "upstream", "http://10.0.0.1:8080/root/pypi", PF_EOK, "upstream = http://10.0.0.1:8080/root/pypi/" },
    { "upstream", "http://[::1]:3141/simple/", PF_EOK, "upstream = http://[::1]:3141/simple/" },
    { "upstream", "https://[fd00::2]/", PF_EOK, "upstream = https://[fd00::2]/" },
    { "upstream", "https://mirror_1.example-x.org:65535/a/b", PF_EOK,
      "upstream = https://mirror_1.example-x.org:65535/a/b/" },
    { "upstream", "https://h/a%20b/~c", PF_EOK, "upstream = https://h/a%20b/~c/" },
    /* Credentials: refused without quoting what may be a password. */
    { "upstream", "https://user:secret@pypi.example/simple/", PF_EINVAL,
      "credentials go in --upstream-netrc, never on the command line" },
    { "upstream", "https://token@pypi.example/", PF_EINVAL, "credentials go in --upstream-netrc" },
    { "upstream", "https://pypi.example/simple/@evil/", PF_EINVAL, "credentials go in --upstream-netrc" },
    { "upstream", "@", PF_EINVAL, "credentials go in --upstream-netrc" },
    { "upstream", "ftp://pypi.example/simple/", PF_EINVAL, "'ftp://pypi.example/simple/' is not an http:// or" },
    { "upstream", "file:///srv/simple/", PF_EINVAL, "is not an http:// or https:// URL" },
    { "upstream", "HTTPS://pypi.org/", PF_EINVAL, "is not an http:// or https:// URL" },
    { "upstream", "pypi.org", PF_EINVAL, "'pypi.org' is not an http:// or https:// URL" },
    { "upstream", "pypi.org/simple/", PF_EINVAL, "is not an http:// or https:// URL" },
    { "upstream", "//pypi.org/simple/", PF_EINVAL, "is not an http:// or https:// URL" },
    { "upstream", "https:/pypi.org/", PF_EINVAL, "is not an http:// or https:// URL" },
    { "upstream", "", PF_EINVAL, "'' is not an http:// or https:// URL" },
    { "upstream", "https://", PF_EINVAL, "'https://' has no host" },
    { "upstream", "https:///simple/", PF_EINVAL, "has no host" },
    { "upstream", "https://:443/", PF_EINVAL, "has no host" },
    { "upstream", "https://h:/", PF_EINVAL, "has no host" },
    { "upstream", "https://h:0/", PF_EINVAL, "has no host" },
    { "upstream", "https://h:65536/", PF_EINVAL, "has no host" },
    { "upstream", "https://h:443x/", PF_EINVAL, "has no host" },
    { "upstream", "https://h:-1/", PF_EINVAL, "has no host" },
    { "upstream", "https://[::1/", PF_EINVAL, "has no host" },
    { "upstream", "https://[]/", PF_EINVAL, "has no host" },
    { "upstream", "https://[::1]x/", PF_EINVAL, "has no host" },
    { "upstream", "https://h%2e/", PF_EINVAL, "has no host" },
    { "upstream", "https://h\\evil/", PF_EINVAL, "has no host" },
    { "upstream", "https://pypi.org/simple/?x=1", PF_EINVAL, "a query ('?') or a fragment ('#')" },
    { "upstream", "https://pypi.org/simple/#top", PF_EINVAL, "a query ('?') or a fragment ('#')" },
    { "upstream", "https://pypi.org/sim ple/", PF_EINVAL, "a space or a byte that is not printable ASCII" },
    { "upstream", "https://pypi.org/\tsimple/", PF_EINVAL, "not printable ASCII" },
    { "upstream", " https://pypi.org/", PF_EINVAL, "not printable ASCII" },
    { "upstream", "https://pypi.org/sim\xc3\xa9/", PF_EINVAL, "not printable ASCII" },
    { "upstream", "https://pypi.org/\x7f", PF_EINVAL, "a control character" },
    { "upstream-ca", "/etc/ssl/private-ca.pem", PF_EOK, "upstream-ca = /etc/ssl/private-ca.pem" },
    { "upstream-ca", "", PF_EINVAL, "empty path" },
    { "upstream-netrc", "/etc/pypi-fcgi/netrc", PF_EOK, "upstream-netrc = /etc/pypi-fcgi/netrc" },
    { "upstream-netrc", "", PF_EINVAL, "empty path" },
    { "upstream-claims", "/etc/pypi-fcgi/claims", PF_EOK, "upstream-claims = /etc/pypi-fcgi/claims" },
    { "upstream-claims", "", PF_EINVAL, "empty path" },
    { "upstream-cache", "/var/cache/up", PF_EOK, "upstream-cache = /var/cache/up" },
    { "upstream-cache", "", PF_EINVAL, "empty path" },
    /* Durations: a number, or one with s, m, h or d; printed in the largest exact unit. */
    { "upstream-ttl", "0", PF_EOK, "upstream-ttl = 0" },
    { "upstream-ttl", "0s", PF_EOK, "upstream-ttl = 0" },
    { "upstream-ttl", "0d", PF_EOK, "upstream-ttl = 0" },
    { "upstream-ttl", "90", PF_EOK, "upstream-ttl = 90s" },
    { "upstream-ttl", "90s", PF_EOK, "upstream-ttl = 90s" },
    { "upstream-ttl", "120", PF_EOK, "upstream-ttl = 2m" },
    { "upstream-ttl", "15m", PF_EOK, "upstream-ttl = 15m" },
    { "upstream-ttl", "90m", PF_EOK, "upstream-ttl = 90m" },
    { "upstream-ttl", "60m", PF_EOK, "upstream-ttl = 1h" },
    { "upstream-ttl", "12h", PF_EOK, "upstream-ttl = 12h" },
    { "upstream-ttl", "48h", PF_EOK, "upstream-ttl = 2d" },
    { "upstream-ttl", "3d", PF_EOK, "upstream-ttl = 3d" },
    { "upstream-ttl", "30d", PF_EOK, "upstream-ttl = 30d" },
    { "upstream-ttl", "2592000", PF_EOK, "upstream-ttl = 30d" },
    { "upstream-ttl", "007m", PF_EOK, "upstream-ttl = 7m" },
    { "upstream-ttl", "2592001", PF_EINVAL, "'2592001' is not a duration from 0 to 30d" },
    { "upstream-ttl", "31d", PF_EINVAL, "'31d' is not a duration" },
    { "upstream-ttl", "721h", PF_EINVAL, "'721h'" },
    { "upstream-ttl", "-1", PF_EINVAL, "'-1'" },
    { "upstream-ttl", "-0", PF_EINVAL, "'-0'" },
    { "upstream-ttl", "+5m", PF_EINVAL, "'+5m'" },
    { "upstream-ttl", " 5m", PF_EINVAL, "' 5m'" },
    { "upstream-ttl", "5 m", PF_EINVAL, "'5 m'" },
    { "upstream-ttl", "5M", PF_EINVAL, "'5M'" },
    { "upstream-ttl", "5w", PF_EINVAL, "'5w'" },
    { "upstream-ttl", "5ms", PF_EINVAL, "'5ms'" },
    { "upstream-ttl", "5mm", PF_EINVAL, "'5mm'" },
    { "upstream-ttl", "1h30m", PF_EINVAL, "'1h30m'" },
    { "upstream-ttl", "1.5h", PF_EINVAL, "'1.5h'" },
    { "upstream-ttl", "m", PF_EINVAL, "'m'" },
    { "upstream-ttl", "", PF_EINVAL, "''" },
    { "upstream-ttl", "0x10", PF_EINVAL, "'0x10'" },
    { "upstream-ttl", "99999999999999999999d", PF_EINVAL, "'99999999999999999999d'" },
    { "upstream-ttl", "9223372036854775807", PF_EINVAL, "'9223372036854775807'" },
    { "upstream-ttl", "106751991167300d", PF_EINVAL, "'106751991167300d'" },
    { "upstream-min-age", "0", PF_EOK, "upstream-min-age = 0" },
    { "upstream-min-age", "3d", PF_EOK, "upstream-min-age = 3d" },
    { "upstream-min-age", "36h", PF_EOK, "upstream-min-age = 36h" },
    { "upstream-min-age", "365d", PF_EOK, "upstream-min-age = 365d" },
    { "upstream-min-age", "366d", PF_EINVAL, "'366d' is not a duration from 0 to 365d" },
    { "upstream-min-age", "31536001s", PF_EINVAL, "'31536001s'" },
    { "upstream-min-age", "1y", PF_EINVAL, "'1y'" },
    { "upstream-fetches", "1", PF_EOK, "upstream-fetches = 1" },
    { "upstream-fetches", "256", PF_EOK, "upstream-fetches = 256" },
    { "upstream-fetches", "0", PF_EINVAL, "'0' is not a number from 1 to 256" },
    { "upstream-fetches", "257", PF_EINVAL, "'257'" },
    { "upstream-fetches", "4k", PF_EINVAL, "'4k'" },
    { "upstream-timeout", "1", PF_EOK, "upstream-timeout = 1" },
    { "upstream-timeout", "3600", PF_EOK, "upstream-timeout = 3600" },
    { "upstream-timeout", "0", PF_EINVAL, "'0' is not a number from 1 to 3600" },
    { "upstream-timeout", "3601", PF_EINVAL, "'3601'" },
    { "upstream-timeout", "30s", PF_EINVAL, "'30s'" },
    /* Name patterns. */
    { "upstream-allow", "requests", PF_EOK, "upstream-allow = requests" },
    { "upstream-allow", "django*", PF_EOK, "upstream-allow = django*" },
    { "upstream-allow", "*", PF_EOK, "upstream-allow = *" },
    { "upstream-allow", "Zope.Interface_?-x", PF_EOK, "upstream-allow = Zope.Interface_?-x" },
    { "upstream-deny", "acme-*", PF_EOK, "upstream-deny = acme-*" },
    { "upstream-deny", "?", PF_EOK, "upstream-deny = ?" },
    { "upstream-allow", "", PF_EINVAL, "'' is not a name pattern" },
    { "upstream-deny", "", PF_EINVAL, "'' is not a name pattern" },
    { "upstream-allow", "a b", PF_EINVAL, "'a b' is not a name pattern" },
    { "upstream-allow", "foo/bar", PF_EINVAL, "'foo/bar'" },
    { "upstream-allow", "../x", PF_EINVAL, "'../x'" },
    { "upstream-allow", "[abc]", PF_EINVAL, "'[abc]'" },
    { "upstream-allow", "a,b", PF_EINVAL, "'a,b'" },
    { "upstream-deny", "caf\xc3\xa9", PF_EINVAL, "is not a name pattern" },
    { "upstream-deny", "x\ty", PF_EINVAL, "is not a name pattern" },
    { "upstream-deny", "x\ny", PF_EINVAL, "a control character" },
    { "upstream-deny", "x=y", PF_EINVAL, "'x=y'" },
};

START_TEST(test_conf_upstream_set_table)
{
    const struct set_case *c = &upstream_cases[_i];
    struct config cfg;
    buf_t err;
    conf_init(&cfg);
    buf_init(&err, 4096);
    if (strcmp(c->name, "upstream") != 0)
        ck_assert_int_eq(conf_set(&cfg, "upstream", "https://pypi.org/simple/", &err), PF_EOK);
    enum pf_err e = conf_set(&cfg, c->name, c->value, &err);
    ck_assert_msg(e == c->err, "conf_set(%s, \"%s\") = %s, want %s (%s)", c->name, c->value, pf_errname(e),
                  pf_errname(c->err), err.p ? err.p : "");
    if (e == PF_EOK) {
        const char *lines[] = { c->want, NULL };
        check_lines(&cfg, lines);
    } else {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s: ", c->name);
        ck_assert_msg(strstr(err.p, c->want) != NULL, "\"%s\" not in \"%s\"", c->want, err.p);
        ck_assert_msg(strncmp(err.p, prefix, strlen(prefix)) == 0, "\"%s\" does not start with \"%s\"", err.p,
                      prefix);
        ck_assert_ptr_null(strchr(err.p, '\n'));
        /* A URL with credentials is never repeated. */
        if (strchr(c->value, '@') && strlen(c->value) > 1)
            ck_assert_ptr_null(strstr(err.p, c->value));
        /* A refused value leaves the setting as it was. */
        if (strcmp(c->name, "upstream") == 0)
            ck_assert_ptr_null(cfg.upstream);
    }
    buf_free(&err);
    conf_free(&cfg);
}
END_TEST

/* Values far over the caps: refused whole, with a message of bounded size. */
START_TEST(test_conf_upstream_huge)
{
    struct config cfg;
    buf_t err;
    size_t big = 1 << 20;
    char *v = malloc(big + 32);
    ck_assert_ptr_nonnull(v);
    conf_init(&cfg);
    buf_init(&err, 4096);

    /* 2048 bytes are taken, 2049 are not. */
    strcpy(v, "https://h/");
    memset(v + 10, 'a', 2048 - 10);
    v[2048] = '\0';
    ck_assert_msg(conf_set(&cfg, "upstream", v, &err) == PF_EOK, "%s", err.p);
    ck_assert_uint_eq(strlen(cfg.upstream), 2049);
    ck_assert_int_eq(cfg.upstream[2048], '/');
    v[2048] = 'a';
    v[2049] = '\0';
    ck_assert_int_eq(conf_set(&cfg, "upstream", v, &err), PF_EINVAL);
    ck_assert_str_eq(err.p, "upstream: longer than 2048 bytes");
    /* A megabyte, and one with credentials in it. */
    memset(v + 10, 'a', big);
    v[big + 10] = '\0';
    ck_assert_int_eq(conf_set(&cfg, "upstream", v, &err), PF_EINVAL);
    ck_assert_str_eq(err.p, "upstream: longer than 2048 bytes");
    v[500] = '@';
    ck_assert_int_eq(conf_set(&cfg, "upstream", v, &err), PF_EINVAL);
    ck_assert_str_eq(err.p, "upstream: longer than 2048 bytes");

    /* Name patterns: 200 bytes, not 201; a megabyte is refused unquoted. */
    memset(v, 'n', 200);
    v[200] = '\0';
    ck_assert_int_eq(conf_set(&cfg, "upstream-allow", v, &err), PF_EOK);
    ck_assert_uint_eq(cfg.nupstream_allow, 1);
    v[200] = 'n';
    v[201] = '\0';
    ck_assert_int_eq(conf_set(&cfg, "upstream-deny", v, &err), PF_EINVAL);
    ck_assert_str_eq(err.p, "upstream-deny: a pattern longer than 200 bytes");
    memset(v, '*', big);
    v[big] = '\0';
    ck_assert_int_eq(conf_set(&cfg, "upstream-allow", v, &err), PF_EINVAL);
    ck_assert_str_eq(err.p, "upstream-allow: a pattern longer than 200 bytes");
    ck_assert_uint_eq(cfg.nupstream_allow, 1);

    /* A duration of a megabyte of digits. */
    memset(v, '9', big);
    ck_assert_int_eq(conf_set(&cfg, "upstream-ttl", v, &err), PF_EINVAL);
    ck_assert_uint_lt(err.len, 200);
    ck_assert_ptr_nonnull(strstr(err.p, "is not a duration from 0 to 30d"));
    ck_assert_int_eq(cfg.upstream_ttl, 600);

    buf_free(&err);
    conf_free(&cfg);
    free(v);
}
END_TEST

/* Lists: each line or option adds one pattern; the command line's replace
 * the file's (as its roots do); other settings keep the last value. */
START_TEST(test_conf_upstream_lists)
{
    char *dir = tu_mkdtemp();
    char file[1024];
    struct config cfg;
    const char *action;
    buf_t err;
    buf_init(&err, 4096);

    const char *args[] = { "--upstream", "https://pypi.org/simple", "--upstream-allow", "a*",
                           "--upstream-deny=b?", "--upstream-allow=c", "--upstream-ttl", "1h",
                           "--upstream-ttl=5m", "/r", NULL };
    ck_assert_msg(parse(args, &cfg, &action, &err) == PF_EOK, "%s", err.p);
    ck_assert_uint_eq(cfg.nupstream_allow, 2);
    ck_assert_str_eq(cfg.upstream_allow[0], "a*");
    ck_assert_str_eq(cfg.upstream_allow[1], "c");
    ck_assert_uint_eq(cfg.nupstream_deny, 1);
    ck_assert_str_eq(cfg.upstream_deny[0], "b?");
    ck_assert_int_eq(cfg.upstream_ttl, 300);
    const char *lines[] = { "upstream-allow = a*", "upstream-allow = c", "upstream-deny = b?",
                            "upstream-ttl = 5m", NULL };
    check_lines(&cfg, lines);
    conf_free(&cfg);

    const char *text = "upstream = http://[::1]:3141/root/pypi/+simple/\n"
                       "upstream-deny = x1\nupstream-deny = x2\nupstream-deny = x3\n"
                       "upstream-allow = keep*\nupstream-timeout = 5\nupstream-timeout = 7\n";
    snprintf(file, sizeof file, "%s/p.conf", dir);
    tu_write_file(file, text, strlen(text));
    const char *fargs[] = { "-c", file, NULL };
    ck_assert_msg(parse(fargs, &cfg, &action, &err) == PF_EOK, "%s", err.p);
    ck_assert_uint_eq(cfg.nupstream_deny, 3);
    ck_assert_str_eq(cfg.upstream_deny[2], "x3");
    ck_assert_uint_eq(cfg.nupstream_allow, 1);
    ck_assert_int_eq(cfg.upstream_timeout, 7);
    conf_free(&cfg);

    const char *cargs[] = { "-c", file, "--upstream-deny", "y1", "--upstream-deny", "y2", NULL };
    ck_assert_msg(parse(cargs, &cfg, &action, &err) == PF_EOK, "%s", err.p);
    ck_assert_uint_eq(cfg.nupstream_deny, 2);
    ck_assert_str_eq(cfg.upstream_deny[0], "y1");
    ck_assert_str_eq(cfg.upstream_deny[1], "y2");
    ck_assert_uint_eq(cfg.nupstream_allow, 1); /* not given on the command line: the file's */
    ck_assert_str_eq(cfg.upstream_allow[0], "keep*");
    conf_free(&cfg);

    /* A bad pattern names its line; nothing is half-added. */
    ck_assert_int_eq(conf_parse_text(&cfg, "upstream-allow = ok\nupstream-allow = not ok\n", "t.conf", &err),
                     PF_EINVAL);
    conf_free(&cfg);
    conf_init(&cfg);
    ck_assert_int_eq(conf_parse_text(&cfg, "upstream-allow = ok\nupstream-allow = not ok\n", "t.conf", &err),
                     PF_EINVAL);
    ck_assert_str_eq(err.p, "t.conf:2: upstream-allow: 'not ok' is not a name pattern (letters, digits, '-', '_', "
                            "'.', '*' and '?')");
    ck_assert_uint_eq(cfg.nupstream_allow, 1);
    conf_free(&cfg);

    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* -t's output with an upstream parses again to the same output; without
 * one, the upstream-* lines are comments, so that it passes conf_check. */
START_TEST(test_conf_upstream_print_roundtrip)
{
    static const char *const texts[] = {
        "upstream = https://pypi.org/simple\n",
        ("upstream = http://127.0.0.1:8080/simple//\nupstream-ca = /etc/ca.pem\nupstream-netrc = /etc/n\n"
         "upstream-cache = /var/cache/up\nupstream-ttl = 86400\nupstream-min-age = 7200s\n"
         "upstream-fetches = 256\nupstream-timeout = 1\nupstream-allow = a*\nupstream-allow = b\n"
         "upstream-deny = c?\nupstream-deny = *-internal\nupstream-claims = /etc/claims\n"),
        "upstream = https://h/\nupstream-ttl = 0\nupstream-min-age = 1\nupstream-allow = *\n",
    };
    for (size_t i = 0; i < NELEM(texts); i++) {
        struct config a, b;
        buf_t err;
        buf_init(&err, 4096);
        conf_init(&a);
        conf_init(&b);
        ck_assert_msg(conf_parse_text(&a, texts[i], "t", &err) == PF_EOK, "%s", err.p);
        char *pa = printed(&a);
        ck_assert_msg(conf_parse_text(&b, pa, "printed", &err) == PF_EOK, "%s: %s", pa, err.p);
        char *pb = printed(&b);
        ck_assert_str_eq(pa, pb);
        ck_assert_str_eq(a.upstream, b.upstream);
        ck_assert_int_eq(a.upstream_ttl, b.upstream_ttl);
        ck_assert_int_eq(a.upstream_min_age, b.upstream_min_age);
        ck_assert_uint_eq(a.nupstream_allow, b.nupstream_allow);
        ck_assert_uint_eq(a.nupstream_deny, b.nupstream_deny);
        ck_assert_ptr_null(strstr(pa, "unused without upstream"));
        free(pa);
        free(pb);
        conf_free(&a);
        conf_free(&b);
        buf_free(&err);
    }
    /* Every duration in range prints as one that reads back the same. */
    const struct conf_setting *ttl = NULL;
    for (size_t i = 0; i < conf_nsettings; i++)
        if (strcmp(conf_settings[i].name, "upstream-min-age") == 0)
            ttl = &conf_settings[i];
    ck_assert_ptr_nonnull(ttl);
    buf_t err;
    buf_init(&err, 4096);
    for (long n = 0; n <= ttl->hi; n += n < 200000 ? 1 : 997) {
        char d[32];
        long back = -1;
        conf_print_duration(n, d, sizeof d);
        ck_assert_msg(conf_parse_duration(ttl, d, &back, &err) == PF_EOK && back == n, "%ld -> %s", n, d);
    }
    buf_free(&err);

    /* Without an upstream: comments only, and conf_check takes the output. */
    char *dir = tu_mkdtemp();
    struct config a, b;
    buf_init(&err, 4096);
    conf_init(&a);
    ck_assert_int_eq(conf_set(&a, "root", dir, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&a, &err), PF_EOK);
    char *pa = printed(&a);
    ck_assert(has_line(pa, "# upstream: none"));
    ck_assert(has_line(pa, "# upstream-ttl: unused without upstream"));
    conf_init(&b);
    ck_assert_int_eq(conf_parse_text(&b, pa, "printed", &err), PF_EOK);
    ck_assert_msg(conf_check(&b, &err) == PF_EOK, "%s", err.p);
    free(pa);
    conf_free(&a);
    conf_free(&b);
    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Every upstream-* setting without --upstream: conf_check refuses, naming it. */
START_TEST(test_conf_upstream_needed)
{
    char *dir = tu_mkdtemp();
    char file[1024], root[1024], cachedir[1024];
    snprintf(file, sizeof file, "%s/f", dir);
    snprintf(cachedir, sizeof cachedir, "%s/cache", dir);
    tu_write_file(file, "x\n", 2);
    snprintf(root, sizeof root, "%s/root", dir);
    ck_assert_int_eq(mkdir(root, 0755), 0);
    size_t n = 0;
    for (size_t i = 0; i < conf_nsettings; i++) {
        const struct conf_setting *s = &conf_settings[i];
        if (strncmp(s->name, "upstream-", 9) != 0)
            continue;
        const char *v = strcmp(s->name, "upstream-cache") == 0 ? cachedir
                        : s->type == CONF_PATH                ? file
                        : s->type == CONF_LIST                ? "x*"
                                                              : s->deflt;
        struct config cfg;
        buf_t err;
        char want[128];
        buf_init(&err, 4096);
        conf_init(&cfg);
        ck_assert_int_eq(conf_set(&cfg, "root", root, &err), PF_EOK);
        ck_assert_int_eq(conf_set(&cfg, "state-dir", dir, &err), PF_EOK);
        /* Even set to its default. */
        ck_assert_msg(conf_set(&cfg, s->name, v, &err) == PF_EOK, "%s = %s: %s", s->name, v, err.p);
        ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
        snprintf(want, sizeof want, "%s: needs --upstream", s->name);
        ck_assert_str_eq(err.p, want);
        /* With it, the same passes (the cache in the state directory). */
        ck_assert_int_eq(conf_set(&cfg, "upstream", "https://pypi.org/simple/", &err), PF_EOK);
        ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s = %s: %s", s->name, v, err.p);
        conf_free(&cfg);
        buf_free(&err);
        n++;
    }
    ck_assert_uint_eq(n, 10);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* conf_check with --upstream: its files must be readable, and its cache
 * directory apart from the roots; nothing is created. */
START_TEST(test_conf_upstream_check)
{
    char *dir = tu_mkdtemp();
    char *real = realpath(dir, NULL);
    char root[1200], root2[1200], file[1200], path[1400], want[3000];
    struct config cfg;
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_ptr_nonnull(real);
    snprintf(root, sizeof root, "%s/root", real);
    snprintf(root2, sizeof root2, "%s/two/root", real);
    snprintf(file, sizeof file, "%s/file", real);
    ck_assert_int_eq(mkdir(root, 0755), 0);
    snprintf(path, sizeof path, "%s/two", real);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    ck_assert_int_eq(mkdir(root2, 0755), 0);
    tu_write_file(file, "machine h login u password p\n", 29);

#define UP_START()                                                                                            \
    do {                                                                                                      \
        conf_init(&cfg);                                                                                      \
        ck_assert_int_eq(conf_set(&cfg, "root", root, &err), PF_EOK);                                         \
        ck_assert_int_eq(conf_set(&cfg, "root", root2, &err), PF_EOK);                                        \
        ck_assert_int_eq(conf_set(&cfg, "upstream", "https://pypi.org/simple/", &err), PF_EOK);               \
    } while (0)

    /* Neither --upstream-cache nor --state-dir. */
    UP_START();
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_msg(strstr(err.p, "--upstream-cache DIR or --state-dir DIR") != NULL, "%s", err.p);
    conf_free(&cfg);

    /* The state directory's upstream/, which need not exist; made absolute. */
    UP_START();
    snprintf(path, sizeof path, "%s/state", real);
    ck_assert_int_eq(conf_set(&cfg, "state-dir", path, &err), PF_EOK);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    snprintf(want, sizeof want, "%s/state/upstream", real);
    ck_assert_str_eq(cfg.upstream_cache, want);
    struct stat st;
    ck_assert_int_ne(stat(path, &st), 0); /* nothing created */
    conf_free(&cfg);

    /* A cache given wins over the state directory; "." and ".." are taken out. */
    UP_START();
    ck_assert_int_eq(conf_set(&cfg, "state-dir", real, &err), PF_EOK);
    snprintf(path, sizeof path, "%s/./x/../cache//", real);
    ck_assert_int_eq(conf_set(&cfg, "upstream-cache", path, &err), PF_EOK);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    snprintf(want, sizeof want, "%s/cache", real);
    ck_assert_str_eq(cfg.upstream_cache, want);
    conf_free(&cfg);

    /* Inside a root, a root, or holding a root: refused, existing or not,
     * also through ".." and through a symbolic link. */
    /* Below the test's directory; the last one is "/" itself. */
    const char *bad[] = { "/root/cache", "/root", "/root/", "/two/root/x/y", "/two", "", "/two/../root/c",
                          "/link/c", "/root/exists", NULL };
    snprintf(path, sizeof path, "%s/link", real);
    ck_assert_int_eq(symlink(root, path), 0);
    snprintf(path, sizeof path, "%s/root/exists", real);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    for (size_t i = 0; i < NELEM(bad); i++) {
        UP_START();
        snprintf(path, sizeof path, "%s%s", bad[i] ? real : "/", bad[i] ? bad[i] : "");
        ck_assert_int_eq(conf_set(&cfg, "upstream-cache", path, &err), PF_EOK);
        ck_assert_msg(conf_check(&cfg, &err) == PF_EINVAL, "%s is taken", path);
        ck_assert_msg(strncmp(err.p, "upstream-cache: ", 16) == 0 && strstr(err.p, "package root"), "%s: %s", path,
                      err.p);
        conf_free(&cfg);
    }
    UP_START();
    snprintf(path, sizeof path, "%s/link/exists", real);
    ck_assert_int_eq(conf_set(&cfg, "upstream-cache", path, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    snprintf(want, sizeof want, "upstream-cache: %s/root/exists is or is inside the package root %s/root", real,
             real);
    ck_assert_msg(strncmp(err.p, want, strlen(want)) == 0, "%s", err.p);
    conf_free(&cfg);
    /* A relative directory is taken from the working directory. */
    UP_START();
    ck_assert_int_eq(conf_set(&cfg, "upstream-cache", "./no-such-cache/../up-cache", &err), PF_EOK);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    char cwd[PATH_MAX];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    char *rcwd = realpath(cwd, NULL);
    ck_assert_ptr_nonnull(rcwd);
    snprintf(want, sizeof want, "%s/up-cache", rcwd);
    ck_assert_str_eq(cfg.upstream_cache, want);
    free(rcwd);
    conf_free(&cfg);
    /* Beside a root whose name it starts with: fine. */
    UP_START();
    snprintf(path, sizeof path, "%s/rootcache", real);
    ck_assert_int_eq(conf_set(&cfg, "upstream-cache", path, &err), PF_EOK);
    ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
    conf_free(&cfg);
    /* A file is not a directory. */
    UP_START();
    ck_assert_int_eq(conf_set(&cfg, "upstream-cache", file, &err), PF_EOK);
    ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
    ck_assert_msg(strstr(err.p, "not a directory") != NULL, "%s", err.p);
    conf_free(&cfg);

    /* The files: readable regular files. */
    static const char *const files[] = { "upstream-ca", "upstream-netrc", "upstream-claims" };
    for (size_t i = 0; i < NELEM(files); i++) {
        UP_START();
        snprintf(path, sizeof path, "%s/cache", real);
        ck_assert_int_eq(conf_set(&cfg, "upstream-cache", path, &err), PF_EOK);
        ck_assert_int_eq(conf_set(&cfg, files[i], file, &err), PF_EOK);
        ck_assert_msg(conf_check(&cfg, &err) == PF_EOK, "%s", err.p);
        snprintf(path, sizeof path, "%s/missing", real);
        ck_assert_int_eq(conf_set(&cfg, files[i], path, &err), PF_EOK);
        ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
        snprintf(want, sizeof want, "%s: %s: %s", files[i], path, strerror(ENOENT));
        ck_assert_str_eq(err.p, want);
        ck_assert_int_eq(conf_set(&cfg, files[i], root, &err), PF_EOK);
        ck_assert_int_eq(conf_check(&cfg, &err), PF_EINVAL);
        snprintf(want, sizeof want, "%s: %s: not a regular file", files[i], root);
        ck_assert_str_eq(err.p, want);
        conf_free(&cfg);
    }
#undef UP_START

    buf_free(&err);
    tu_rmrf(dir);
    free(dir);
    free(real);
}
END_TEST

Suite *suite_conf(void)
{
    Suite *s = suite_create("conf");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_conf_set_table, 0, (int)NELEM(set_cases));
    tcase_add_loop_test(tc, test_conf_args_table, 0, (int)NELEM(args_cases));
    tcase_add_loop_test(tc, test_conf_pypiserver_alias_table, 0, (int)NELEM(alias_cases));
    tcase_add_test(tc, test_conf_pypiserver_aliases_tested);
    tcase_add_test(tc, test_conf_pypiserver_refusals);
    tcase_add_loop_test(tc, test_conf_pypiserver_refusal_table, 0, (int)NELEM(refusal_cases));
    tcase_add_test(tc, test_conf_pypiserver_no_clash);
    tcase_add_loop_test(tc, test_conf_file_table, 0, (int)NELEM(file_cases));
    tcase_add_test(tc, test_conf_file_missing);
    tcase_add_test(tc, test_conf_switches);
    tcase_add_test(tc, test_conf_trust_over_tcp);
    tcase_add_test(tc, test_conf_welcome_file);
    tcase_add_loop_test(tc, test_conf_proxy_trusted_table, 0, (int)NELEM(proxy_cases));
    tcase_add_test(tc, test_conf_anonymous_uploads);
    tcase_add_test(tc, test_conf_password_checks);
    tcase_add_loop_test(tc, test_conf_text_table, 0, (int)NELEM(text_cases));
    tcase_add_test(tc, test_conf_text_long_line);
    tcase_add_test(tc, test_conf_defaults_match_table);
    tcase_add_test(tc, test_conf_usage_lists_settings);
    tcase_add_test(tc, test_conf_print_roundtrip);
    tcase_add_test(tc, test_conf_check);
    tcase_add_test(tc, test_conf_man_page_lists_settings);
    tcase_add_test(tc, test_conf_man_page_lists_pypiserver);
    tcase_add_test(tc, test_conf_man5_lists_settings);
    tcase_add_test(tc, test_conf_example_file);
    tcase_add_loop_test(tc, test_conf_env_number_table, 0, (int)NELEM(env_cases));
    tcase_add_loop_test(tc, test_conf_upstream_set_table, 0, (int)NELEM(upstream_cases));
    tcase_add_test(tc, test_conf_upstream_huge);
    tcase_add_test(tc, test_conf_upstream_lists);
    tcase_add_test(tc, test_conf_upstream_print_roundtrip);
    tcase_add_test(tc, test_conf_upstream_needed);
    tcase_add_test(tc, test_conf_upstream_check);
    suite_add_tcase(s, tc);
    return s;
}
