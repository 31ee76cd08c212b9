/* SPDX-License-Identifier: MIT */
/* fuzz_conf.c: libFuzzer harness for the config file parser (conf_parse_text, conf_print). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "conf.h"
#include "fuzzutil.h"

/* The input is a config file (up to its first NUL, as conf_parse_text
 * takes a C string). Checks: a failure comes with a message; a success
 * prints (conf_print, as -t does) a configuration that parses again to
 * the same settings. The round trip is skipped when a value is so long
 * that its printed line ("key = value") would pass the 4096-byte line
 * limit that the compact "key=value" form stayed under. */

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
    if (e) {
        FU_CHECK(err.len > 0);
    } else {
        bool short_values = short_str(cfg.listen) && short_str(cfg.accel_prefix) && short_str(cfg.url_prefix) &&
                            short_str(cfg.htpasswd) && short_str(cfg.upload_acl);
        for (size_t i = 0; i < cfg.nroots; i++)
            short_values = short_values && short_str(cfg.roots[i]);
        if (short_values) {
            char *printed = NULL;
            size_t plen = 0;
            FILE *f = open_memstream(&printed, &plen);
            FU_CHECK(f != NULL);
            conf_print(&cfg, f);
            FU_CHECK(fclose(f) == 0);
            struct config again;
            conf_init(&again);
            buf_reset(&err);
            /* The printed form must be a valid config file. */
            if (conf_parse_text(&again, printed, "printed", &err) != PF_EOK) {
                char msg[800];
                snprintf(msg, sizeof msg, "conf_print output does not parse again: %s", err.p ? err.p : "");
                fu_fail(__FILE__, __LINE__, msg);
            }
            check_same(&cfg, &again);
            conf_free(&again);
            free(printed);
        }
    }
    conf_free(&cfg);
    buf_free(&err);
    free(text);
    return 0;
}
