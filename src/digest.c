/* SPDX-License-Identifier: MIT */
/* digest.c: SHA-256 and MD5 through OpenSSL's EVP interface, BLAKE2b-256 through blake2b.c. */
#include "config.h"
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>
#include "ascii.h"
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
        if (!ascii_islowerhex(s[i]))
            return 0;
    return 1;
}

bool digest_is_hex(const char *s, size_t len, size_t hexlen)
{
    if (len != hexlen)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (ascii_hexval(s[i]) < 0)
            return false;
    }
    return true;
}

/* A fresh EVP context for md in *ctx; PF_ENOMEM (and *ctx NULL) when it
 * cannot be allocated or the provider refuses the algorithm. */
static enum pf_err evp_start(EVP_MD_CTX **ctx, const EVP_MD *md)
{
    *ctx = EVP_MD_CTX_new();
    if (*ctx && EVP_DigestInit_ex(*ctx, md, NULL) == 1)
        return PF_EOK;
    EVP_MD_CTX_free(*ctx);
    *ctx = NULL;
    return PF_ENOMEM;
}

enum pf_err digest_stream_init(struct digest_stream *d, unsigned which)
{
    enum pf_err err = PF_EOK;
    /* Harmless for free/final whatever happens below. */
    d->which = 0;
    d->sha256 = NULL;
    d->md5 = NULL;
    if (which & ~(unsigned)(DIGEST_SHA256 | DIGEST_BLAKE2B_256 | DIGEST_MD5)) {
        err = PF_EINVAL;
        goto out;
    }
    if ((which & DIGEST_SHA256) && (err = evp_start(&d->sha256, EVP_sha256())) != PF_EOK)
        goto out;
    if ((which & DIGEST_MD5) && (err = evp_start(&d->md5, EVP_md5())) != PF_EOK)
        goto out;
    if ((which & DIGEST_BLAKE2B_256) && (err = blake2b_init(&d->blake2b, 32)) != PF_EOK)
        goto out;
    d->which = which;
out:
    if (err != PF_EOK)
        digest_stream_free(d);
    return err;
}

void digest_stream_update(struct digest_stream *d, const void *p, size_t n)
{
    /* EVP_DigestUpdate cannot fail for an initialised software digest. */
    if (d->which & DIGEST_SHA256)
        EVP_DigestUpdate(d->sha256, p, n);
    if (d->which & DIGEST_BLAKE2B_256)
        blake2b_update(&d->blake2b, p, n);
    if (d->which & DIGEST_MD5)
        EVP_DigestUpdate(d->md5, p, n);
}

/* Finishes ctx into hex, or writes "" when ctx is NULL or OpenSSL fails:
 * an empty digest never equals a client's, so a failure cannot pass. */
static void evp_finish_hex(EVP_MD_CTX *ctx, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (!ctx || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
        mdlen = 0;
    to_hex(md, mdlen, hex);
}

void digest_stream_final(struct digest_stream *d, char sha256[DIGEST_HEX_LEN + 1],
                         char blake2b[DIGEST_HEX_LEN + 1], char md5[DIGEST_MD5_HEX_LEN + 1])
{
    evp_finish_hex(d->which & DIGEST_SHA256 ? d->sha256 : NULL, sha256);
    evp_finish_hex(d->which & DIGEST_MD5 ? d->md5 : NULL, md5);
    unsigned char b2[32];
    unsigned b2len = 0;
    if (d->which & DIGEST_BLAKE2B_256) {
        blake2b_final(&d->blake2b, b2);
        b2len = sizeof b2;
    }
    to_hex(b2, b2len, blake2b);
    digest_stream_free(d);
}

void digest_stream_free(struct digest_stream *d)
{
    EVP_MD_CTX_free(d->sha256);
    EVP_MD_CTX_free(d->md5);
    d->sha256 = NULL;
    d->md5 = NULL;
    d->which = 0;
}
