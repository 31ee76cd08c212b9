/* SPDX-License-Identifier: MIT */
/* bodyrate.h: the floor on how fast a request body must arrive. */
#ifndef PF_BODYRATE_H
#define PF_BODYRATE_H

#include <stdbool.h>
#include <stdint.h>

/* A body must bring at least floor bytes per second, judged over each
 * window of window_ms in turn: a client that trickles holds a worker thread
 * for one window at most. One per request, owned by its thread; the clock
 * is the caller's (milliseconds, monotonic), so the rule can be tested
 * without one. */
struct bodyrate {
    uint64_t floor;       /* bytes per second; 0: no floor */
    int64_t window_ms;    /* > 0 */
    int64_t start_ms;     /* when the current window began */
    uint64_t start_bytes; /* bytes received when it began */
};

void bodyrate_start(struct bodyrate *r, uint64_t floor, int64_t window_ms, int64_t now_ms);

/* Called after each read with the body's bytes so far. False when a whole
 * window has gone by with fewer than floor bytes per second in it. */
bool bodyrate_ok(struct bodyrate *r, uint64_t total, int64_t now_ms);

#endif
