/* SPDX-License-Identifier: MIT */
/* main.c: the pypi-fcgi command: serve, check the configuration, yank. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "app.h"
#include "upstream.h"
#include "upstream_http.h"
#include "upstream_page.h"
#include "auth.h"
#include "conf.h"
#include "index.h"
#include "log.h"
#include "server.h"
#include "store.h"

/* pypi-fcgi yank|unyank [--reason TEXT] [--state-dir DIR] [-c FILE] FILE...:
 * the state directory comes from --state-dir or from the -c file that
 * conf_parse_args has read. */
static int yank_main(bool yank, const struct config *cfg, int argc, char **argv, int argi)
{
    const char *reason = NULL, *state_dir = cfg->state_dir;
    int nfiles = 0, rc = 0;
    for (int i = argi; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
            i++; /* read already */
            continue;
        }
        if (strncmp(argv[i], "--state-dir=", 12) == 0) {
            state_dir = argv[i] + 12;
            continue;
        }
        if (strcmp(argv[i], "--state-dir") == 0) {
            if (++i >= argc) {
                fprintf(stderr, "pypi-fcgi: --state-dir needs a directory\n");
                return 2;
            }
            state_dir = argv[i];
            continue;
        }
        if (yank && (strcmp(argv[i], "--reason") == 0 || strcmp(argv[i], "-r") == 0)) {
            if (++i >= argc) {
                fprintf(stderr, "pypi-fcgi: --reason needs a text\n");
                return 2;
            }
            reason = argv[i];
            continue;
        }
        nfiles++;
        buf_t err;
        buf_init(&err, 4096);
        if (index_yank(argv[i], yank, reason, state_dir && *state_dir ? state_dir : NULL, &err) != PF_EOK) {
            fprintf(stderr, "pypi-fcgi: %s\n", err.p ? err.p : "failed");
            rc = 1;
        } else
            printf("%s %s\n", yank ? "yanked" : "unyanked", argv[i]);
        buf_free(&err);
    }
    if (!nfiles) {
        fprintf(stderr, "usage: pypi-fcgi %s [--state-dir DIR] FILE...\n", yank ? "yank [--reason TEXT]" : "unyank");
        return 2;
    }
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
