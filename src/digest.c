/* SPDX-License-Identifier: MIT */
/* digest.c: SHA-256 through OpenSSL's EVP interface. */
#include "config.h"
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>
#include "digest.h"

static void to_hex(const unsigned char *md, unsigned n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[2 * n] = '\0';
}

void digest_sha256_hex(const void *p, size_t n, char hex[DIGEST_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
    to_hex(md, mdlen, hex);
}

enum pf_err digest_sha256_fd(int fd, char hex[DIGEST_HEX_LEN + 1], uint64_t *size)
{
    enum pf_err err = PF_EOK;
    const size_t chunk = 256 * 1024;
    unsigned char *b = malloc(chunk);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint64_t total = 0;
    if (!b || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        err = PF_ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, b, chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = PF_EIO;
            goto out;
        }
        if (r == 0)
            break;
        EVP_DigestUpdate(ctx, b, (size_t)r);
        total += (uint64_t)r;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    to_hex(md, mdlen, hex);
    *size = total;
out:
    EVP_MD_CTX_free(ctx);
    free(b);
    return err;
}

int digest_is_hex64(const char *s, size_t len)
{
    if (len != DIGEST_HEX_LEN)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}
