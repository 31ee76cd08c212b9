/* SPDX-License-Identifier: MIT */
/* app.h: what every handler may use: the configuration, the index and the logins. */
#ifndef PF_APP_H
#define PF_APP_H

#include "conf.h"
#include "index.h"

struct auth;
struct store_probe;
struct upstream;

/* Set up once at start by main (or a test) and immutable while requests
 * are served; each part is owned by whoever opened it and outlives every
 * request. auth may be NULL where cfg->authenticate is 0. */
struct app {
    const struct config *cfg;
    index_t *idx;
    struct auth *auth;
    /* What store_probe found about each root (cfg->nroots of them), or
     * NULL: publishing allowed everywhere (tests). */
    const struct store_probe *publish;
    /* The upstream index's cache (--upstream), or NULL: none. */
    struct upstream *upstream;
};

#endif
