/* SPDX-License-Identifier: MIT */
/* digest.h: SHA-256 of memory and of files, as lowercase hex. */
#ifndef PF_DIGEST_H
#define PF_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define DIGEST_HEX_LEN 64

/* Writes the lowercase hex SHA-256 of p[0..n) and a NUL into hex. */
void digest_sha256_hex(const void *p, size_t n, char hex[DIGEST_HEX_LEN + 1]);

/* Reads fd from its current offset to EOF, writing the lowercase hex
 * SHA-256 into hex and the byte count into *size. PF_EIO on a read error. */
enum pf_err digest_sha256_fd(int fd, char hex[DIGEST_HEX_LEN + 1], uint64_t *size) PF_WUR;

/* True when s is exactly 64 lowercase hex digits. */
int digest_is_hex64(const char *s, size_t len);

#endif
