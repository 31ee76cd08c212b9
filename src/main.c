/* SPDX-License-Identifier: MIT */
/* main.c: the pypi-fcgi command: serve, check the configuration, yank. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "app.h"
#include "upstream.h"
#include "upstream_http.h"
#include "upstream_page.h"
#include "upstream_store.h"
#include "upstream_yank.h"
#include "distfile.h"
#include "fs.h"
#include "auth.h"
#include "conf.h"
#include "index.h"
#include "log.h"
#include "server.h"
#include "store.h"

/* Notes for the operator on an upstream file's mark: whether the cache's
 * page of its project lists it, and whether the upstream yanks it too. */
static void upstream_yank_notes(const char *cache, const char *filename, bool yank)
{
    distfile_t df;
    if (distfile_parse(sv_cstr(filename), &df) != PF_EOK)
        return;
    struct up_cached rec;
    buf_t err;
    buf_init(&err, 1024);
    const struct up_file *uf = NULL;
    if (upstream_store_load(cache, df.project, &rec, &err) == PF_EOK)
        for (size_t i = 0; i < rec.page.nfiles && !uf; i++)
            if (strcmp(rec.page.files[i].filename, filename) == 0)
                uf = &rec.page.files[i];
    if (!uf && yank)
        fprintf(stderr, "pypi-fcgi: note: the cache has no page of %s listing %s yet; the mark applies when "
                        "it is listed\n", df.project, filename);
    else if (uf && !yank && uf->yanked)
        fprintf(stderr, "pypi-fcgi: note: the upstream yanks %s itself: it stays yanked\n", filename);
    up_cached_free(&rec);
    buf_free(&err);
}

/* The upstream cache a yank --upstream works on: --upstream-cache, else
 * the configuration's, else STATE_DIR/upstream; NULL (said) when none, or
 * when it is no cache serving processes have opened: they make its
 * yanked/ and locks/ as their user, which a command run as another (root)
 * must not do in their place. */
static char *yank_cache_dir(const struct config *cfg, const char *given, const char *state_dir)
{
    const char *d = given ? given : cfg->upstream_cache;
    char *dir = d && *d ? strdup(d) : state_dir && *state_dir ? fs_join(state_dir, "upstream") : NULL;
    if (!dir) {
        fprintf(stderr, "pypi-fcgi: --upstream needs the cache: give --upstream-cache DIR, --state-dir DIR or the "
                        "serving processes' -c FILE\n");
        return NULL;
    }
    static const char *const subs[] = { "yanked", "locks" };
    for (size_t i = 0; i < 2; i++) {
        struct stat st;
        char *p = fs_join(dir, subs[i]);
        bool ok = p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
        free(p);
        if (!ok) {
            fprintf(stderr, "pypi-fcgi: %s is not an upstream cache that pypi-fcgi has served from (it has no %s/ "
                            "directory; the serving processes make it when they start with --upstream)\n", dir,
                    subs[i]);
            free(dir);
            return NULL;
        }
    }
    return dir;
}

/* Takes option name at argv[*i], as "name VALUE" or "name=VALUE": false
 * when argv[*i] is another; a missing or empty value is said and sets
 * *bad. */
static bool opt_value(const char *name, int argc, char **argv, int *i, const char **out, bool *bad)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0 || (a[n] && a[n] != '='))
        return false;
    const char *v = a[n] == '=' ? a + n + 1 : *i + 1 < argc ? argv[++*i] : NULL;
    if (!v || !*v) {
        fprintf(stderr, "pypi-fcgi: %s needs a value\n", name);
        *bad = true;
    } else
        *out = v;
    return true;
}

/* pypi-fcgi yank|unyank [--reason TEXT] [--state-dir DIR] [-c FILE] FILE...,
 * or with --upstream [--upstream-cache DIR] FILENAME...: the state
 * directory and the cache come from the options or from the -c file that
 * conf_parse_args has read. */
static int yank_main(bool yank, const struct config *cfg, int argc, char **argv, int argi)
{
    /* Long: the options of both forms, then one line per file. */
    const char *reason = NULL, *state_dir = cfg->state_dir, *cache_arg = NULL;
    bool upstream = false;
    int nfiles = 0, rc = 0;
    char *cache = NULL;
    char **files = calloc((size_t)argc, sizeof *files);
    if (!files) {
        fprintf(stderr, "pypi-fcgi: out of memory\n");
        return 1;
    }
    bool bad = false;
    for (int i = argi; i < argc && !bad; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
            i++; /* read already */
        else if (strcmp(a, "--upstream") == 0)
            upstream = true;
        else if (opt_value("--state-dir", argc, argv, &i, &state_dir, &bad) ||
                 opt_value("--upstream-cache", argc, argv, &i, &cache_arg, &bad) ||
                 (yank && (opt_value("--reason", argc, argv, &i, &reason, &bad) ||
                           opt_value("-r", argc, argv, &i, &reason, &bad))))
            continue;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "pypi-fcgi: %s: unknown option of %s\n", a, yank ? "yank" : "unyank");
            bad = true;
        } else
            files[nfiles++] = argv[i];
    }
    if (bad) {
        rc = 2;
        goto out;
    }
    if (cache_arg && !upstream) {
        fprintf(stderr, "pypi-fcgi: --upstream-cache needs --upstream (it names the cache of upstream files)\n");
        rc = 2;
        goto out;
    }
    if (!nfiles) {
        fprintf(stderr, "usage: pypi-fcgi %s [--state-dir DIR] FILE...\n"
                        "       pypi-fcgi %s --upstream [--upstream-cache DIR] FILENAME...\n",
                yank ? "yank [--reason TEXT]" : "unyank", yank ? "yank [--reason TEXT]" : "unyank");
        rc = 2;
        goto out;
    }
    cache = upstream ? yank_cache_dir(cfg, cache_arg, state_dir) : NULL;
    if (upstream && !cache) {
        rc = 2;
        goto out;
    }
    for (int f = 0; f < nfiles; f++) {
        /* An upstream file is named by its filename; a path's last part is taken. */
        const char *slash = strrchr(files[f], '/'), *name = slash ? slash + 1 : files[f];
        bool changed = true;
        if (upstream && !*name) {
            fprintf(stderr, "pypi-fcgi: '%s' names no file (--upstream takes the filenames of upstream files)\n",
                    files[f]);
            rc = 1;
            continue;
        }
        buf_t err;
        buf_init(&err, 4096);
        enum pf_err e = upstream ? up_yank_set(cache, name, yank, reason, &changed, &err)
                                 : index_yank(files[f], yank, reason, state_dir && *state_dir ? state_dir : NULL, &err);
        if (e != PF_EOK) {
            fprintf(stderr, "pypi-fcgi: %s\n", err.p ? err.p : "failed");
            rc = 1;
        } else if (upstream) {
            printf("%s %s (upstream)%s\n", yank ? "yanked" : "unyanked", name,
                   changed                  ? ""
                   : !yank                  ? ": it was not yanked here"
                   : reason && *reason      ? ": it was already, with that reason"
                                            : ": it was already, with no reason");
            upstream_yank_notes(cache, name, yank);
        } else
            printf("%s %s\n", yank ? "yanked" : "unyanked", files[f]);
        buf_free(&err);
    }
out:
    free(cache);
    free(files);
    return rc;
}

/* store_probe of every root, logged when serving (-t prints them);
 * NULL when out of memory. */
static struct store_probe *probe_roots(const struct config *cfg)
{
    struct store_probe *probes = calloc(cfg->nroots, sizeof *probes);
    for (size_t r = 0; probes && r < cfg->nroots; r++) {
        store_probe(cfg->roots[r], cfg->single_publisher, &probes[r]);
        if (cfg->check_only)
            continue;
        LOG(LOG_DEBUG, "package root %s: %s", cfg->roots[r], probes[r].what);
        if (probes[r].refuse)
            LOG(LOG_WARN, "uploads and removals in %s are refused: %s", cfg->roots[r], probes[r].why);
        if (probes[r].nocto)
            LOG(LOG_WARN, "%s is on NFS mounted with nocto: files published through other hosts are seen late; "
                "mount it without nocto", cfg->roots[r]);
    }
    return probes;
}

/* -t: what store_probe found. */
static void print_probes(const struct config *cfg, const struct store_probe *probes)
{
    for (size_t r = 0; r < cfg->nroots; r++) {
        printf("# package root %s: %s\n", cfg->roots[r], probes[r].what);
        if (probes[r].refuse)
            printf("# uploads and removals there are refused: %s\n", probes[r].why);
        if (probes[r].nocto)
            printf("# it is on NFS mounted with nocto: files published through other hosts are seen late\n");
    }
}

/* Before serving: uploads cut off by a crash leave named staging files
 * (where the filesystem has no O_TMPFILE) whose writers are gone, unless
 * their locks are out of sight (another host's live upload looks the
 * same); removed files whose grace period is over are deleted. */
static void clean_roots(const struct config *cfg, const struct store_probe *probes)
{
    if (!probes[0].keep_staging)
        store_cleanup(cfg->roots[0]);
    for (size_t r = 0; r < cfg->nroots; r++)
        store_reap(cfg->roots[r], cfg->removal_grace);
}

/* libcurl and libxml2 are set up once, before any thread. */
static enum pf_err open_upstream(const struct config *cfg, struct upstream **up, buf_t *err)
{
    enum pf_err e = uphttp_global_init(err);
    if (e)
        return e;
    up_page_init();
    if ((e = upstream_open(cfg, up, err))) {
        uphttp_global_cleanup();
        return e;
    }
    LOG(LOG_INFO, "projects without local files come from %s, kept in %s", cfg->upstream, cfg->upstream_cache);
    return PF_EOK;
}

/* Serves until told to stop, with the upstream cache when one is set. */
static int serve(const struct config *cfg, index_t *idx, struct auth *auth, const struct store_probe *probes,
                 buf_t *err)
{
    struct upstream *up = NULL;
    if (cfg->upstream && open_upstream(cfg, &up, err) != PF_EOK) {
        fprintf(stderr, "pypi-fcgi: the upstream cache cannot be set up: %s\n", err->p ? err->p : "out of memory");
        return 1;
    }
    struct app app = { cfg, idx, auth, probes, up };
    int rc = server_run(&app);
    if (up) {
        upstream_close(up);
        uphttp_global_cleanup();
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct config cfg;
    conf_init(&cfg);
    buf_t err;
    buf_init(&err, 4096);
    const char *action;
    int argi, rc = 0;
    if (conf_parse_args(argc, argv, &cfg, &action, &argi, &err) != PF_EOK) {
        fprintf(stderr, "pypi-fcgi: %s\n", err.p ? err.p : "invalid arguments");
        rc = 2;
        goto out;
    }
    if (strcmp(action, "help") == 0) {
        conf_usage(stdout);
        goto out;
    }
    if (strcmp(action, "version") == 0) {
        printf("pypi-fcgi %s\n", PACKAGE_VERSION);
        goto out;
    }
    if (strcmp(action, "yank") == 0 || strcmp(action, "unyank") == 0) {
        rc = yank_main(strcmp(action, "yank") == 0, &cfg, argc, argv, argi);
        goto out;
    }
    log_threshold = (int)cfg.log_level;
    if (conf_check(&cfg, &err) != PF_EOK) {
        fprintf(stderr, "pypi-fcgi: %s\n", err.p);
        rc = 2;
        goto out;
    }
    struct auth *auth;
    if (auth_open(&cfg, &auth, &err) != PF_EOK) {
        fprintf(stderr, "pypi-fcgi: %s\n", err.p ? err.p : "cannot read the authentication files");
        rc = 2;
        goto out;
    }
    if (!cfg.check_only)
        server_block_signals();
    /* libarchive calls tzset() for every archive it reads. With TZ unset,
     * glibc then reloads /etc/localtime each time; with TZ set it sees
     * nothing changed and returns. Set it once, before any thread. */
    if (!getenv("TZ"))
        setenv("TZ", ":/etc/localtime", 0);
    tzset();
    index_t *idx;
    if (index_open(&cfg, &idx) != PF_EOK) {
        fprintf(stderr, "pypi-fcgi: the package roots cannot be indexed\n");
        auth_close(auth);
        rc = 1;
        goto out;
    }
    struct store_probe *probes = probe_roots(&cfg);
    if (!probes) {
        fprintf(stderr, "pypi-fcgi: out of memory\n");
        index_close(idx);
        auth_close(auth);
        rc = 1;
        goto out;
    }
    if (cfg.check_only) {
        conf_print(&cfg, stdout);
        print_probes(&cfg, probes);
        free(probes);
        printf("# configuration OK\n");
        index_close(idx);
        auth_close(auth);
        goto out;
    }
    clean_roots(&cfg, probes);
    if ((cfg.authenticate & AUTH_UPDATE) && !cfg.htpasswd && !cfg.trust_remote_user)
        LOG(LOG_INFO, "uploads are off: they need a login and neither --htpasswd nor --trust-remote-user is set");
    rc = serve(&cfg, idx, auth, probes, &err);
    free(probes);
    index_close(idx);
    auth_close(auth);
out:
    buf_free(&err);
    conf_free(&cfg);
    return rc;
}
