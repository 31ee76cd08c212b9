/* SPDX-License-Identifier: MIT */
/* bodyrate.c: the floor on how fast a request body must arrive. */
#include "config.h"
#include "bodyrate.h"

void bodyrate_start(struct bodyrate *r, uint64_t floor, int64_t window_ms, int64_t now_ms)
{
    r->floor = floor;
    r->window_ms = window_ms > 0 ? window_ms : 1;
    r->start_ms = now_ms;
    r->start_bytes = 0;
}

bool bodyrate_ok(struct bodyrate *r, uint64_t total, int64_t now_ms)
{
    int64_t elapsed = now_ms - r->start_ms;
    if (elapsed < r->window_ms)
        return true;
    /* A whole window (or more, when one read blocked long) is over: it
     * must have brought floor bytes for each of its seconds. */
    uint64_t got = total - r->start_bytes;
    uint64_t want = r->floor / 1000 * (uint64_t)elapsed + r->floor % 1000 * (uint64_t)elapsed / 1000;
    if (got < want)
        return false;
    r->start_ms = now_ms;
    r->start_bytes = total;
    return true;
}
