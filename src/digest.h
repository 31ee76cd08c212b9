/* SPDX-License-Identifier: MIT */
/* digest.h: SHA-256 of memory and files, and streaming SHA-256/BLAKE2b-256/MD5, as hex. */
#ifndef PF_DIGEST_H
#define PF_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>
#include "blake2b.h"
#include "error.h"

#define DIGEST_HEX_LEN 64
#define DIGEST_MD5_HEX_LEN 32

/* Writes the lowercase hex SHA-256 of p[0..n) and a NUL into hex. */
void digest_sha256_hex(const void *p, size_t n, char hex[DIGEST_HEX_LEN + 1]);

/* Reads fd from its current offset to EOF, writing the lowercase hex
 * SHA-256 into hex and the byte count into *size. PF_EIO on a read error. */
enum pf_err digest_sha256_fd(int fd, char hex[DIGEST_HEX_LEN + 1], uint64_t *size) PF_WUR;

/* True when s is exactly 64 lowercase hex digits. */
int digest_is_hex64(const char *s, size_t len);

/* True when s[0..len) is hex of exactly hexlen digits, either case
 * (clients' digests are compared case-insensitively: see
 * docs/protocols.md, section "Upload digests"). */
bool digest_is_hex(const char *s, size_t len, size_t hexlen);

/* The digests an upload may carry, as bits of digest_stream_init's which. */
enum { DIGEST_SHA256 = 1, DIGEST_BLAKE2B_256 = 2, DIGEST_MD5 = 4 };

/* Computes any subset of the three digests over the same bytes in one
 * pass. Caller-allocated; the OpenSSL contexts it points to belong to it
 * and are released by digest_stream_final or digest_stream_free. */
struct digest_stream {
    unsigned which;       /* DIGEST_* bits still being computed */
    EVP_MD_CTX *sha256;   /* NULL unless DIGEST_SHA256 */
    EVP_MD_CTX *md5;      /* NULL unless DIGEST_MD5 */
    struct blake2b_ctx blake2b;
};

/* Starts the digests named by which (DIGEST_* bits; 0 computes none).
 * PF_EINVAL for an unknown bit; PF_ENOMEM when OpenSSL cannot allocate or
 * set up a context. On failure nothing stays allocated and d is left so
 * that digest_stream_free (and final) are harmless. */
enum pf_err digest_stream_init(struct digest_stream *d, unsigned which) PF_WUR;

/* Hashes p[0..n) into every digest d computes; n may be 0. */
void digest_stream_update(struct digest_stream *d, const void *p, size_t n);

/* Writes the lowercase hex of each requested digest (others: empty string)
 * and frees the contexts; afterwards d computes nothing until initialised
 * again. */
void digest_stream_final(struct digest_stream *d, char sha256[DIGEST_HEX_LEN + 1],
                         char blake2b[DIGEST_HEX_LEN + 1], char md5[DIGEST_MD5_HEX_LEN + 1]);

/* Frees the contexts without producing digests, e.g. when an upload is
 * abandoned. d must have been passed to digest_stream_init; then this is
 * safe after final, after a failed init and when called twice. */
void digest_stream_free(struct digest_stream *d);

#endif
