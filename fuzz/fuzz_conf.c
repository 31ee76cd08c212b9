/* SPDX-License-Identifier: MIT */
/* fuzz_conf.c: libFuzzer harness for the config file and command-line parsers (conf_parse_text,
 * conf_parse_args, conf_print). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "conf.h"
#include "fuzzutil.h"

/* The input is a config file (up to its first NUL, as conf_parse_text
 * takes a C string), and the same bytes split at blanks and line ends are
 * a command line (at most 32 words; -c and --config are left out, so that
 * no file is opened), pypiserver's spellings included. Checks: a failure
 * comes with a message of one line; a success prints (conf_print, as -t
 * does) a configuration that parses again to the same settings. The round
 * trip is skipped when a value is so long that its printed line ("key =
 * value") would pass the 4096-byte line limit that the compact "key=value"
 * form stayed under, and for a command line with a '#', which a file
 * takes as the start of a comment. */

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool short_str(const char *s)
{
    return !s || strlen(s) < 4000;
}

static void check_same(const struct config *a, const struct config *b)
{
    FU_CHECK(a->nroots == b->nroots);
    for (size_t i = 0; i < a->nroots; i++)
        FU_CHECK(strcmp(a->roots[i], b->roots[i]) == 0);
    FU_CHECK(a->threads == b->threads);
    FU_CHECK(str_eq(a->listen, b->listen));
    FU_CHECK(a->sendfile == b->sendfile);
    if (a->sendfile == SENDFILE_X_ACCEL)
        FU_CHECK(str_eq(a->accel_prefix, b->accel_prefix));
    FU_CHECK(str_eq(a->url_prefix, b->url_prefix));
    FU_CHECK(a->log_level == b->log_level);
    FU_CHECK(a->rescan_interval == b->rescan_interval);
    FU_CHECK(a->cache_size == b->cache_size);
    FU_CHECK(a->max_upload == b->max_upload);
    FU_CHECK(a->overwrite == b->overwrite);
    FU_CHECK(str_eq(a->htpasswd, b->htpasswd));
    FU_CHECK(a->authenticate == b->authenticate);
    FU_CHECK(a->trust_remote_user == b->trust_remote_user);
    FU_CHECK(str_eq(a->upload_acl, b->upload_acl));
    FU_CHECK(a->upload_timeout == b->upload_timeout);
    FU_CHECK(a->upload_min_rate == b->upload_min_rate);
    FU_CHECK(str_eq(a->state_dir, b->state_dir));
    FU_CHECK(a->password_checks == b->password_checks);
    FU_CHECK(a->login_failures == b->login_failures);
}

/* conf_print's output for cfg parses again to the same settings, when no
 * value is too long for a line. */
static void check_roundtrip(const struct config *cfg, buf_t *err)
{
    bool short_values = short_str(cfg->listen) && short_str(cfg->accel_prefix) && short_str(cfg->url_prefix) &&
                        short_str(cfg->htpasswd) && short_str(cfg->upload_acl) && short_str(cfg->state_dir);
    for (size_t i = 0; i < cfg->nroots; i++)
        short_values = short_values && short_str(cfg->roots[i]);
    if (!short_values)
        return;
    char *printed = NULL;
    size_t plen = 0;
    FILE *f = open_memstream(&printed, &plen);
    FU_CHECK(f != NULL);
    conf_print(cfg, f);
    FU_CHECK(fclose(f) == 0);
    struct config again;
    conf_init(&again);
    buf_reset(err);
    /* The printed form must be a valid config file. */
    if (conf_parse_text(&again, printed, "printed", err) != PF_EOK) {
        char msg[800];
        snprintf(msg, sizeof msg, "conf_print output does not parse again: %s", err->p ? err->p : "");
        fu_fail(__FILE__, __LINE__, msg);
    }
    check_same(cfg, &again);
    conf_free(&again);
    free(printed);
}

static void check_args(char *text)
{
    char *argv[34];
    int argc = 0;
    argv[argc++] = (char *)"pypi-fcgi";
    for (char *save = NULL, *w = strtok_r(text, " \t\r\n", &save); w && argc < 33;
         w = strtok_r(NULL, " \t\r\n", &save))
        if (strcmp(w, "-c") != 0 && strcmp(w, "--config") != 0)
            argv[argc++] = w;
    argv[argc] = NULL;
    struct config cfg;
    const char *action;
    int argi;
    buf_t err;
    conf_init(&cfg);
    buf_init(&err, 4096);
    enum pf_err e = conf_parse_args(argc, argv, &cfg, &action, &argi, &err);
    FU_CHECK(e == PF_EOK || e == PF_EINVAL || e == PF_ENOMEM);
    if (e) {
        FU_CHECK(err.len > 0 && !memchr(err.p, '\n', err.len));
    } else {
        FU_CHECK(argi >= 1 && argi <= argc);
        bool hash = false;
        for (int i = 1; i < argc; i++)
            hash = hash || strchr(argv[i], '#');
        if (strcmp(action, "serve") == 0 && !hash)
            check_roundtrip(&cfg, &err);
    }
    conf_free(&cfg);
    buf_free(&err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fu_cstr(data, size);
    struct config cfg;
    buf_t err;
    conf_init(&cfg);
    buf_init(&err, 4096);
    enum pf_err e = conf_parse_text(&cfg, text, "fuzz.conf", &err);
    FU_CHECK(e == PF_EOK || e == PF_EINVAL || e == PF_ENOMEM);
    if (e)
        FU_CHECK(err.len > 0);
    else
        check_roundtrip(&cfg, &err);
    conf_free(&cfg);
    buf_free(&err);
    check_args(text);
    free(text);
    return 0;
}
