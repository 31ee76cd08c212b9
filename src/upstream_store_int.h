/* SPDX-License-Identifier: MIT */
/* upstream_store_int.h: what the format and the file halves of upstream_store share (see upstream_store.h). */
#ifndef PF_UPSTREAM_STORE_INT_H
#define PF_UPSTREAM_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "upstream_store.h"

/* The largest check stamp written or read. */
#define UPSTORE_STAMP_MAX 256

/* The stamp naming the record sha256 with its check time, in out: its
 * length (always less than UPSTORE_STAMP_MAX). */
int upstore_stamp_encode(char out[UPSTORE_STAMP_MAX], const char *sha256, int64_t checked_at);
/* The check time of a stamp (len bytes at p) when it is well-formed and
 * names the record sha256, else -1. */
int64_t upstore_stamp_decode(const char *p, size_t len, const char *sha256);

#endif
