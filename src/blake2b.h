/* SPDX-License-Identifier: MIT */
/* blake2b.h: unkeyed BLAKE2b (RFC 7693) with any digest length 1..64, streaming. */
#ifndef PF_BLAKE2B_H
#define PF_BLAKE2B_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define BLAKE2B_BLOCK_LEN 128
#define BLAKE2B_MAX_OUT_LEN 64

/* Caller-allocated; holds no pointers, so it needs no freeing and may be
 * copied to fork a hash of a common prefix. */
struct blake2b_ctx {
    uint64_t h[8];                          /* chained state */
    uint64_t t[2];                          /* bytes compressed so far, 128-bit */
    unsigned char buf[BLAKE2B_BLOCK_LEN];   /* pending input, never compressed yet */
    size_t buflen;                          /* 0..BLAKE2B_BLOCK_LEN */
    size_t outlen;                          /* digest length in bytes */
};

/* Starts an unkeyed BLAKE2b with an outlen-byte digest. The digest length
 * is part of the parameter block, so BLAKE2b-256 is not a truncation of
 * BLAKE2b-512. PF_EINVAL (ctx untouched) unless 1 <= outlen <= 64. */
enum pf_err blake2b_init(struct blake2b_ctx *ctx, size_t outlen) PF_WUR;

/* Hashes p[0..n) into ctx; n may be 0 (p is then not read). */
void blake2b_update(struct blake2b_ctx *ctx, const void *p, size_t n);

/* Writes the ctx->outlen-byte digest to out. ctx must be initialised again
 * before it is reused. */
void blake2b_final(struct blake2b_ctx *ctx, unsigned char *out);

#endif
