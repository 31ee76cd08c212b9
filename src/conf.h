/* SPDX-License-Identifier: MIT */
/* conf.h: the settings table: command line, key = value file, validation, help. */
#ifndef PF_CONF_H
#define PF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include "buf.h"
#include "error.h"

enum sendfile_mode { SENDFILE_NONE, SENDFILE_X_SENDFILE, SENDFILE_X_ACCEL };

/* The actions --authenticate may protect (pypiserver's names). */
enum { AUTH_UPDATE = 1, AUTH_DOWNLOAD = 2, AUTH_LIST = 4 };

/* --trust-remote-user: whether REMOTE_USER names the user. TRUST_TCP also
 * on a TCP socket, where anyone who can connect could send it. */
enum trust_remote { TRUST_NO = 0, TRUST_YES, TRUST_TCP };

/* --trusted-proxy: at most this many addresses. */
#define CONF_MAX_PROXIES 16

/* One address of --trusted-proxy, as inet_pton gives it. */
struct conf_addr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char a[sizeof(struct in6_addr)];
};

/* Immutable after start; shared by every thread. */
struct config {
    char **roots;        /* absolute paths, without a trailing '/' */
    size_t nroots;
    long threads;
    char *listen;        /* NULL: fd 0 */
    enum sendfile_mode sendfile;
    char *accel_prefix;  /* x-accel-redirect prefix, starts and ends with '/' */
    char *url_prefix;    /* NULL: take the mount point from SCRIPT_NAME */
    long log_level;
    long rescan_interval; /* seconds; 0: never sweep the whole tree */
    long cache_size;     /* MiB of rendered pages kept per process */
    uint64_t max_upload; /* bytes of one uploaded file */
    long upload_timeout; /* seconds a body may bring less than upload_min_rate; 0: no limit */
    uint64_t upload_min_rate; /* bytes per second; 0: none */
    bool overwrite;      /* an upload may replace a file of the same name */
    long removal_grace;  /* seconds a removed or replaced file is kept aside */
    bool single_publisher; /* publish even where locks are not shared between hosts */
    char *htpasswd;      /* NULL: no password file */
    unsigned authenticate; /* AUTH_* actions that need a login */
    enum trust_remote trust_remote_user; /* REMOTE_USER (with AUTH_TYPE) from the web server is the user */
    char *upload_acl;    /* NULL: every authenticated user may upload anything */
    char *state_dir;     /* NULL: records only beside the files */
    long password_checks; /* hashes computed at once; 0: conf_password_checks decides */
    long login_failures; /* failed logins per client address and minute; 0: no limit */
    char *welcome;       /* --welcome FILE; NULL: pypi-fcgi's own welcome page */
    char *welcome_text;  /* its contents, read and checked by conf_check */
    char *health_endpoint; /* the health check's path below the mount point */
    long cache_control;  /* max-age of package files, seconds; 0: pypi-fcgi's own Cache-Control */
    char *trusted_proxy; /* the list as given; NULL: X-Forwarded-* never believed */
    struct conf_addr proxies[CONF_MAX_PROXIES]; /* ... parsed */
    size_t nproxies;
    /* The pull-through cache of an upstream index; every upstream-* setting needs --upstream. */
    char *upstream;        /* http(s) URL of its simple index, ending in exactly one '/'; NULL: no upstream */
    char *upstream_ca;     /* PEM bundle replacing the system CAs; NULL: the system CAs */
    char *upstream_netrc;  /* the upstream's credentials, netrc format; NULL: none */
    char *upstream_cache;  /* where its pages and files are kept; conf_check: absolute, STATE_DIR/upstream if unset */
    long upstream_ttl;     /* seconds a cached project page is used before asking again; 0: every request */
    long upstream_min_age; /* seconds since its upload before an upstream file is offered; 0: off */
    long upstream_fetches; /* upstream file transfers at once per process */
    long upstream_timeout; /* seconds: the upstream's connect and read timeout */
    char **upstream_allow; /* name patterns (GLOB) that may be looked up upstream; none: every name */
    size_t nupstream_allow;
    char **upstream_deny;  /* name patterns never looked up upstream */
    size_t nupstream_deny;
    char *upstream_claims; /* file of names claimed for local use; NULL: none */
    const char *upstream_given; /* the first upstream-* setting given (its row's name), for "needs --upstream" */
    char *conf_file;   /* the -c file, if any */
    bool check_only;     /* -t */
};

/* How a setting's value is kept in struct config, parsed and printed. */
enum conf_type {
    CONF_LONG, /* long, a decimal number from lo to hi */
    CONF_SIZE, /* uint64_t bytes, a number with K, M, G or T (1024-based); 0 too when lo is 0 */
    CONF_BOOL, /* bool: yes, true, on, 1 or no, false, off, 0 */
    CONF_PATH, /* char *, not empty; NULL while unset */
    CONF_DURATION, /* long seconds from lo to hi: a number with an optional s, m, h or d */
    CONF_LIST, /* char ** at field, its size_t count at count; each value adds one; NULL while empty */
    CONF_OWN,  /* the row's parse and print hooks do everything */
};

/* One row per setting; drives parsing, validation, defaults, --help, the
 * printed configuration, freeing and the man-page test. Adding a setting
 * is one row here (and its field, and its line in the man pages). */
struct conf_setting {
    const char *name;   /* long option and config-file key */
    const char *arg;    /* placeholder in --help, e.g. "N"; NULL: a yes/no switch */
    const char *deflt;  /* default, as text; a value conf_set takes, unless unset is set */
    const char *help;
    enum conf_type type;
    size_t field;       /* offsetof(struct config, the field) */
    long lo, hi;        /* CONF_LONG, CONF_DURATION: the range; CONF_SIZE: lo 0 accepts 0 */
    size_t count;       /* CONF_LIST: offsetof(struct config, the count) */
    /* Non-NULL: the setting starts unset (its field zero, deflt describes
     * what that means) and conf_print writes "# NAME: UNSET" while it is. */
    const char *unset;
    /* Optional, in place of the type's: sets the field from the value v
     * or writes a message that starts with s->name to err; and writes
     * the setting's lines of conf_print. */
    enum pf_err (*parse)(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err);
    void (*print)(const struct config *cfg, const struct conf_setting *s, FILE *f);
};

extern const struct conf_setting conf_settings[];
extern const size_t conf_nsettings;

/* One row per option of pypiserver's "pypi-server run" (and of its update
 * command) that pypi-fcgi does not spell the same way, so that a command
 * line brought from pypiserver either means the same here or stops with
 * the reason. Only the command line reads them; -t prints the settings
 * they set under pypi-fcgi's own names. A row is one of:
 *   setting set: an alias; the value, or for a switch value (again when
 *     it is given a second time, "-vv"), goes to that setting;
 *   why set: refused with that reason, unless the value is one of same;
 *   neither: accepted and ignored, as pypi-fcgi already behaves so. */
struct conf_pypiserver {
    const char *spell[6]; /* "-p", "--port"; a word without '-' only as the first argument */
    const char *arg;      /* its value's placeholder; NULL: a switch */
    const char *setting;  /* the pypi-fcgi setting it sets */
    const char *value;    /* a switch's value for setting */
    const char *again;    /* ... when given again; NULL: value */
    const char *same;     /* values that pypi-fcgi already behaves as, '|' between them: ignored */
    const char *why;      /* refused: what to use instead, and why; one line */
    /* Optional: sets setting from a value in pypiserver's form. */
    enum pf_err (*parse)(struct config *cfg, const char *v, buf_t *err);
};

extern const struct conf_pypiserver conf_pypiserver[];
extern const size_t conf_npypiserver;

/* For conf_parse_args (conf_pypiserver.c): takes argv[*i] when it is one of
 * pypiserver's spellings, and its value from the next argument (advancing
 * *i) when it needs one; sets the setting it stands for, ignores what
 * pypi-fcgi already does, or fails with PF_EINVAL and the row's reason in
 * err. *taken is false, and nothing is done, for any other argument.
 * *seen keeps a bit per row given before (for "again"); start it at 0. */
enum pf_err conf_pypiserver_take(struct config *cfg, int argc, char **argv, int *i, uint64_t *seen, bool *taken,
                                 buf_t *err) PF_WUR;

/* For conf.c (conf_upstream.c): a duration, a number of seconds with an
 * optional suffix s, m, h or d (90, 90s, 15m, 12h, 3d), from s->lo to
 * s->hi; and the shortest form of n that reads back the same ("10m"). */
enum pf_err conf_parse_duration(const struct conf_setting *s, const char *v, long *out, buf_t *err) PF_WUR;
void conf_print_duration(long n, char *out, size_t len);
/* Adds v (copied) to the row's CONF_LIST; empties it, freeing its values. */
enum pf_err conf_list_add(struct config *cfg, const struct conf_setting *s, const char *v) PF_WUR;
void conf_list_clear(struct config *cfg, const struct conf_setting *s);
/* The rows' hooks: --upstream's URL, a name pattern of --upstream-allow
 * or --upstream-deny. */
enum pf_err conf_parse_upstream(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err);
enum pf_err conf_parse_name_glob(struct config *cfg, const struct conf_setting *s, const char *v, buf_t *err);
/* For conf_check, after the roots are real paths: refuses an upstream-*
 * setting without --upstream; with it, checks the files and the cache
 * directory (not a root, neither inside one nor holding one) and makes
 * upstream_cache absolute (STATE_DIR/upstream by default). Creates nothing. */
enum pf_err conf_check_upstream(struct config *cfg, buf_t *err) PF_WUR;

/* Why trust-remote-user = yes is refused on a TCP socket (conf_check for
 * --listen tcp:, the server for an inherited socket). */
extern const char conf_tcp_trust_refusal[];

/* Fills cfg from argv (and the -c file it names, which the command line
 * overrides). On error writes a one-line message to err and returns
 * PF_EINVAL. Sets *action to "serve", or to the subcommand ("help",
 * "version", "yank", "unyank") with *argi at its first argument. */
enum pf_err conf_parse_args(int argc, char **argv, struct config *cfg, const char **action, int *argi,
                              buf_t *err) PF_WUR;
/* Parses key = value lines (# comments) from text into cfg. */
enum pf_err conf_parse_text(struct config *cfg, const char *text, const char *origin, buf_t *err) PF_WUR;
/* Sets one setting by name from its text value. */
enum pf_err conf_set(struct config *cfg, const char *name, const char *value, buf_t *err) PF_WUR;
/* Initialises cfg with every default. */
void conf_init(struct config *cfg);
/* Checks the roots exist and are directories, and normalises their paths;
 * reads the --welcome file; refuses combinations that would let anybody in
 * (trust-remote-user on a TCP listener without saying "tcp"). */
enum pf_err conf_check(struct config *cfg, buf_t *err) PF_WUR;
void conf_free(struct config *cfg);
void conf_usage(FILE *f);
/* The number of passwords checked at once: password-checks, or by default
 * a quarter of threads, at least 1. */
long conf_password_checks(const struct config *cfg);
/* Prints the effective configuration as a config file. */
void conf_print(const struct config *cfg, FILE *f);
/* A number the environment passes (systemd's LISTEN_PID, LISTEN_FDS): a
 * decimal whole number from 0 to LONG_MAX with nothing before or after
 * it; -1 for NULL or anything else, which a caller takes as "not for us". */
long conf_env_number(const char *v);
/* True when addr (REMOTE_ADDR, text) is one of --trusted-proxy's
 * addresses; false for NULL or anything inet_pton does not take. */
bool conf_proxy_trusted(const struct config *cfg, const char *addr);

#endif
