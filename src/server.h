/* SPDX-License-Identifier: MIT */
/* server.h: the FastCGI listener, worker threads and graceful shutdown. */
#ifndef PF_SERVER_H
#define PF_SERVER_H

#include "route.h"

/* Opens the listening socket the configuration names (or finds the one
 * the parent handed over), then serves with cfg->threads workers until
 * SIGTERM, SIGINT or SIGHUP, letting requests in flight finish. Returns the
 * process exit status. */
int server_run(const struct app *app);

/* Blocks the signals server_run waits for, in the calling thread and so in
 * every thread it creates afterwards. Call it before any thread starts:
 * a thread that leaves them unblocked would receive them instead of the
 * signal thread, and libfcgi's handler there only sets a flag. */
void server_block_signals(void);

#endif
