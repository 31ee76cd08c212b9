/* SPDX-License-Identifier: MIT */
/* blake2b.c: BLAKE2b per RFC 7693, portable C with the rounds unrolled. */
#include "config.h"
#include <string.h>
#include "blake2b.h"

/* RFC 7693 section 2.6: the SHA-512 initial values. */
static const uint64_t blake2b_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static inline uint64_t load64_le(const unsigned char *p)
{
    uint64_t v;
    /* memcpy compiles to one unaligned load; input blocks have no alignment. */
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return v;
#else
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
#endif
}

#define ROTR64(x, n) (((x) >> (n)) | ((x) << (64 - (n))))

/* RFC 7693 section 3.1, rotation constants R1..R4 = 32, 24, 16, 63. */
#define G(a, b, c, d, x, y)          \
    do {                             \
        a = a + b + (x);             \
        d = ROTR64(d ^ a, 32);       \
        c = c + d;                   \
        b = ROTR64(b ^ c, 24);       \
        a = a + b + (y);             \
        d = ROTR64(d ^ a, 16);       \
        c = c + d;                   \
        b = ROTR64(b ^ c, 63);       \
    } while (0)

/* One round with the message schedule given as literals, so every m[]
 * index is a constant and the state stays in scalar variables that the
 * compiler can keep in registers. */
#define ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
    do {                                                                              \
        G(v0, v4, v8, v12, m[s0], m[s1]);                                             \
        G(v1, v5, v9, v13, m[s2], m[s3]);                                             \
        G(v2, v6, v10, v14, m[s4], m[s5]);                                            \
        G(v3, v7, v11, v15, m[s6], m[s7]);                                            \
        G(v0, v5, v10, v15, m[s8], m[s9]);                                            \
        G(v1, v6, v11, v12, m[s10], m[s11]);                                          \
        G(v2, v7, v8, v13, m[s12], m[s13]);                                           \
        G(v3, v4, v9, v14, m[s14], m[s15]);                                           \
    } while (0)

/* The compression function F (RFC 7693 section 3.2) over one 128-byte
 * block. t0/t1 is the byte count including this block; last is all ones
 * for the final block, else 0. */
static void compress(uint64_t h[8], const unsigned char *block, uint64_t t0, uint64_t t1,
                     uint64_t last)
{
    uint64_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = load64_le(block + 8 * i);

    uint64_t v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3];
    uint64_t v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
    uint64_t v8 = blake2b_iv[0], v9 = blake2b_iv[1], v10 = blake2b_iv[2], v11 = blake2b_iv[3];
    uint64_t v12 = blake2b_iv[4] ^ t0, v13 = blake2b_iv[5] ^ t1;
    uint64_t v14 = blake2b_iv[6] ^ last, v15 = blake2b_iv[7];

    /* SIGMA (RFC 7693 section 2.7); rounds 10 and 11 reuse rows 0 and 1. */
    ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3);
    ROUND(11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4);
    ROUND(7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8);
    ROUND(9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13);
    ROUND(2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9);
    ROUND(12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11);
    ROUND(13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10);
    ROUND(6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5);
    ROUND(10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0);
    ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3);

    h[0] ^= v0 ^ v8;
    h[1] ^= v1 ^ v9;
    h[2] ^= v2 ^ v10;
    h[3] ^= v3 ^ v11;
    h[4] ^= v4 ^ v12;
    h[5] ^= v5 ^ v13;
    h[6] ^= v6 ^ v14;
    h[7] ^= v7 ^ v15;
}

/* Adds n to the 128-bit byte counter. */
static inline void count(struct blake2b_ctx *ctx, uint64_t n)
{
    ctx->t[0] += n;
    if (ctx->t[0] < n)
        ctx->t[1]++;
}

enum pf_err blake2b_init(struct blake2b_ctx *ctx, size_t outlen)
{
    if (outlen < 1 || outlen > BLAKE2B_MAX_OUT_LEN)
        return PF_EINVAL;
    memcpy(ctx->h, blake2b_iv, sizeof ctx->h);
    /* Parameter block word 0: digest length, key length 0, fanout 1, depth 1. */
    ctx->h[0] ^= 0x01010000ULL ^ (uint64_t)outlen;
    ctx->t[0] = ctx->t[1] = 0;
    ctx->buflen = 0;
    ctx->outlen = outlen;
    return PF_EOK;
}

void blake2b_update(struct blake2b_ctx *ctx, const void *p, size_t n)
{
    const unsigned char *in = p;
    /* A block is compressed only once more input follows it, because the
     * last block must be compressed with the final flag set: the buffer
     * therefore keeps 1..128 bytes, never 0, once anything was hashed. */
    if (n == 0)
        return;
    size_t room = BLAKE2B_BLOCK_LEN - ctx->buflen;
    if (n <= room) {
        memcpy(ctx->buf + ctx->buflen, in, n);
        ctx->buflen += n;
        return;
    }
    if (ctx->buflen > 0) {
        memcpy(ctx->buf + ctx->buflen, in, room);
        in += room;
        n -= room;
        count(ctx, BLAKE2B_BLOCK_LEN);
        compress(ctx->h, ctx->buf, ctx->t[0], ctx->t[1], 0);
        ctx->buflen = 0;
    }
    /* Whole blocks straight from the input, keeping the last for final. */
    while (n > BLAKE2B_BLOCK_LEN) {
        count(ctx, BLAKE2B_BLOCK_LEN);
        compress(ctx->h, in, ctx->t[0], ctx->t[1], 0);
        in += BLAKE2B_BLOCK_LEN;
        n -= BLAKE2B_BLOCK_LEN;
    }
    memcpy(ctx->buf, in, n);
    ctx->buflen = n;
}

void blake2b_final(struct blake2b_ctx *ctx, unsigned char *out)
{
    count(ctx, ctx->buflen);
    memset(ctx->buf + ctx->buflen, 0, BLAKE2B_BLOCK_LEN - ctx->buflen);
    compress(ctx->h, ctx->buf, ctx->t[0], ctx->t[1], ~(uint64_t)0);
    for (size_t i = 0; i < ctx->outlen; i++)
        out[i] = (unsigned char)(ctx->h[i / 8] >> (8 * (i % 8)));
}
