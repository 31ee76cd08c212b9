/* SPDX-License-Identifier: MIT */
/* htpasswd.c: Apache htpasswd files: parsing and password verification. */
#include "config.h"
#include <crypt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "grantfile.h"
#include "hmap.h"
#include "ascii.h"
#include "htpasswd.h"
#include "log.h"
#include "sv.h"
#include "vec.h"

enum scheme {
    SCHEME_NONE,  /* refused or malformed */
    SCHEME_CRYPT, /* bcrypt, SHA-256 or SHA-512 crypt: libcrypt does these */
    SCHEME_APR1,  /* Apache's MD5-crypt */
    SCHEME_SHA1,  /* {SHA}: base64 of the unsalted SHA-1 */
};

/* One user: its name and, after the NUL, its hash. */
struct entry {
    bool usable; /* false: the hash was refused; the user cannot log in */
    double work; /* what checking a password against the hash costs (hash_work) */
    const char *hash;
    char user[];
};

struct htpasswd {
    hmap_t users; /* user name -> struct entry */
    struct entry **v;
    size_t n, alloc;
    size_t usable;
    /* The costliest usable hash (the first of equals): the password of an
     * unknown user is checked against it, and so is that of a user whose
     * own hash is cheaper, after that hash. Every check then costs at
     * least this much, and the time taken does not tell which users exist
     * or which of them have a cheap hash. */
    const char *standin;
    double standin_work;
    /* Logins that succeeded, so that a client sending the same credentials
     * with every request (pip does, when downloads need a login) costs one
     * SHA-256 and not a bcrypt. Keys are SHA-256(salt, user, NUL,
     * password); failures are never kept, so guessing stays as slow as the
     * hash. A changed file is a new snapshot with an empty cache. */
    pthread_mutex_t cache_lock;
    unsigned char salt[16];
    unsigned char cache[HTPASSWD_CACHE][32];
    unsigned ncache, next;
};

/* The alphabet of crypt(3) hashes, apr1 included. */
static const char crypt64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static bool is_crypt64(char c)
{
    return c == '.' || c == '/' || ascii_isalnum(c);
}

static bool is_base64(char c)
{
    return ascii_isalnum(c) || c == '+' || c == '/';
}

static bool all_of(sv_t s, bool (*pred)(char))
{
    for (size_t i = 0; i < s.len; i++)
        if (!pred(s.p[i]))
            return false;
    return true;
}

/* A salt of at most max printable bytes, ended by '$': moves *s past the
 * '$' and returns true. */
static bool take_salt(sv_t *s, size_t max, sv_t *salt)
{
    long d = sv_index(*s, '$');
    if (d < 0 || (size_t)d > max)
        return false;
    *salt = sv_make(s->p, (size_t)d);
    for (size_t i = 0; i < salt->len; i++)
        if (salt->p[i] <= ' ' || salt->p[i] >= 0x7f)
            return false;
    *s = sv_make(s->p + d + 1, s->len - (size_t)d - 1);
    return true;
}

/* The scheme of a stored hash, checked for shape (lengths and alphabets)
 * so that a damaged hash is reported at load rather than failing every
 * login. For SCHEME_NONE, *why says why. */
static enum scheme classify(sv_t h, const char **why)
{
    sv_t rest, salt;

    if (h.len == 0) {
        *why = "empty hash";
        return SCHEME_NONE;
    }
    if (sv_starts_with(h, SV_LIT("$2y$")) || sv_starts_with(h, SV_LIT("$2b$")) ||
        sv_starts_with(h, SV_LIT("$2a$"))) {
        /* $2y$NN$ then 22 characters of salt and 31 of hash. */
        if (h.len == 60 && ascii_isdigit(h.p[4]) && ascii_isdigit(h.p[5]) && h.p[6] == '$' &&
            (h.p[4] - '0') * 10 + (h.p[5] - '0') >= 4 && (h.p[4] - '0') * 10 + (h.p[5] - '0') <= 31 &&
            all_of(sv_make(h.p + 7, 53), is_crypt64))
            return SCHEME_CRYPT;
        *why = "malformed bcrypt hash";
        return SCHEME_NONE;
    }
    if (sv_starts_with(h, SV_LIT("$5$")) || sv_starts_with(h, SV_LIT("$6$"))) {
        /* $5$[rounds=N$]salt$hash: up to 16 bytes of salt, then 43
         * (SHA-256) or 86 (SHA-512) characters. */
        size_t want = h.p[1] == '5' ? 43 : 86;
        rest = sv_make(h.p + 3, h.len - 3);
        if (sv_starts_with(rest, SV_LIT("rounds="))) {
            size_t i = 7;
            while (i < rest.len && i < 17 && ascii_isdigit(rest.p[i]))
                i++;
            if (i == 7 || i >= rest.len || rest.p[i] != '$') {
                *why = "malformed SHA-crypt hash";
                return SCHEME_NONE;
            }
            rest = sv_make(rest.p + i + 1, rest.len - i - 1);
        }
        if (take_salt(&rest, 16, &salt) && rest.len == want && all_of(rest, is_crypt64))
            return SCHEME_CRYPT;
        *why = "malformed SHA-crypt hash";
        return SCHEME_NONE;
    }
    if (sv_starts_with(h, SV_LIT("$apr1$"))) {
        rest = sv_make(h.p + 6, h.len - 6);
        if (take_salt(&rest, 8, &salt) && rest.len == 22 && all_of(rest, is_crypt64))
            return SCHEME_APR1;
        *why = "malformed apr1 hash";
        return SCHEME_NONE;
    }
    if (sv_starts_with(h, SV_LIT("{SHA}"))) {
        /* 20 bytes in base64: 27 characters and one '='. */
        if (h.len == 5 + 28 && all_of(sv_make(h.p + 5, 27), is_base64) && h.p[32] == '=')
            return SCHEME_SHA1;
        *why = "malformed {SHA} hash";
        return SCHEME_NONE;
    }
    if (h.len == 13 && all_of(h, is_crypt64)) {
        *why = "DES crypt hash (htpasswd -d), refused as too weak";
        return SCHEME_NONE;
    }
    if (h.p[0] == '$') {
        *why = "unsupported hash scheme (use htpasswd -B, -2, -5 or -m)";
        return SCHEME_NONE;
    }
    *why = "plain-text password (htpasswd -p) or unknown hash format, refused";
    return SCHEME_NONE;
}

/* What checking one password against the usable hash h costs, in
 * microseconds of one core (libxcrypt and OpenSSL on an x86-64 server of
 * about 2020): only the order matters (which hash is the costliest of a
 * file), so the constants need not be exact.
 * bcrypt doubles with each step of its cost, SHA-crypt grows with its
 * rounds (5000 without "rounds="), apr1 is 1000 MD5 rounds and {SHA} one
 * SHA-1. */
static double hash_work(const char *h)
{
    if (h[0] == '$' && h[1] == '2')
        return 55.0 * (double)(1UL << ((h[4] - '0') * 10 + (h[5] - '0')));
    if (h[0] == '$' && (h[1] == '5' || h[1] == '6')) {
        double rounds = 5000, per = h[1] == '5' ? 0.30 : 0.22;
        if (strncmp(h + 3, "rounds=", 7) == 0) {
            /* libcrypt clamps the count to 1000..999999999. */
            rounds = strtod(h + 10, NULL);
            rounds = rounds < 1000 ? 1000 : rounds > 999999999 ? 999999999 : rounds;
        }
        return rounds * per;
    }
    if (strncmp(h, "$apr1$", 6) == 0)
        return 250;
    return 1;
}

/* Apache's MD5-crypt ("$apr1$"): the FreeBSD MD5-crypt construction with
 * its own magic. Writes the whole hash string for password and salt (at
 * most 8 bytes) to out. Returns false when OpenSSL fails. */
#define APR1_MAX_LEN (6 + 8 + 1 + 22)
static bool apr1_hash(const char *pw, size_t pwlen, sv_t salt, char out[APR1_MAX_LEN + 1])
{
    static const char magic[] = "$apr1$";
    /* Which digest bytes make each group of four output characters. */
    static const unsigned char groups[5][3] = { { 0, 6, 12 }, { 1, 7, 13 }, { 2, 8, 14 }, { 3, 9, 15 }, { 4, 10, 5 } };
    unsigned char sum[16];
    unsigned int sumlen;
    bool ok = false;
    EVP_MD *md = EVP_MD_fetch(NULL, "MD5", NULL);
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    if (!md || !c || salt.len > 8)
        goto out;
    /* The "alternate" sum: MD5(password, salt, password). */
    if (!EVP_DigestInit_ex(c, md, NULL) || !EVP_DigestUpdate(c, pw, pwlen) ||
        !EVP_DigestUpdate(c, salt.p, salt.len) || !EVP_DigestUpdate(c, pw, pwlen) ||
        !EVP_DigestFinal_ex(c, sum, &sumlen))
        goto out;
    /* The first sum: password, magic, salt, then as many bytes of the
     * alternate sum as the password is long (repeating it every 16). */
    if (!EVP_DigestInit_ex(c, md, NULL) || !EVP_DigestUpdate(c, pw, pwlen) ||
        !EVP_DigestUpdate(c, magic, sizeof magic - 1) || !EVP_DigestUpdate(c, salt.p, salt.len))
        goto out;
    for (size_t left = pwlen; left > 0;) {
        size_t k = left < 16 ? left : 16;
        if (!EVP_DigestUpdate(c, sum, k))
            goto out;
        left -= k;
    }
    /* Then one byte per bit of the length, lowest bit first: a NUL for a
     * 1 bit, the password's first byte for a 0 bit (the original's quirk). */
    for (size_t bits = pwlen; bits; bits >>= 1)
        if (!EVP_DigestUpdate(c, (bits & 1) ? "" : pw, 1))
            goto out;
    if (!EVP_DigestFinal_ex(c, sum, &sumlen))
        goto out;
    /* 1000 rounds, each mixing password, salt and the previous sum in an
     * order that depends on the round number. */
    for (int r = 0; r < 1000; r++) {
        if (!EVP_DigestInit_ex(c, md, NULL))
            goto out;
        int fail = (r & 1) ? !EVP_DigestUpdate(c, pw, pwlen) : !EVP_DigestUpdate(c, sum, 16);
        if (r % 3)
            fail |= !EVP_DigestUpdate(c, salt.p, salt.len);
        if (r % 7)
            fail |= !EVP_DigestUpdate(c, pw, pwlen);
        fail |= (r & 1) ? !EVP_DigestUpdate(c, sum, 16) : !EVP_DigestUpdate(c, pw, pwlen);
        if (fail || !EVP_DigestFinal_ex(c, sum, &sumlen))
            goto out;
    }
    /* "$apr1$" salt "$", then the sum as 22 characters: five groups of
     * three bytes and the last byte alone, each group's bits read from
     * the low end six at a time. */
    char *o = out;
    memcpy(o, magic, sizeof magic - 1);
    o += sizeof magic - 1;
    memcpy(o, salt.p, salt.len);
    o += salt.len;
    *o++ = '$';
    for (int g = 0; g < 5; g++) {
        uint32_t v = (uint32_t)sum[groups[g][0]] << 16 | (uint32_t)sum[groups[g][1]] << 8 | sum[groups[g][2]];
        for (int k = 0; k < 4; k++, v >>= 6)
            *o++ = crypt64[v & 0x3f];
    }
    uint32_t v = sum[11];
    for (int k = 0; k < 2; k++, v >>= 6)
        *o++ = crypt64[v & 0x3f];
    *o = '\0';
    ok = true;
out:
    OPENSSL_cleanse(sum, sizeof sum);
    EVP_MD_CTX_free(c);
    EVP_MD_free(md);
    return ok;
}

/* Constant-time for equal lengths; the lengths are those of the scheme,
 * not secret. */
static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}

/* Set by tests while no check runs; read by every check. */
static htpasswd_observer_fn observer;
static void *observer_ctx;

void htpasswd_set_observer(htpasswd_observer_fn fn, void *ctx)
{
    observer = fn;
    observer_ctx = ctx;
}

enum htpasswd_result htpasswd_verify_hash(const char *hash, const char *password)
{
    const char *why;
    if (!hash)
        return HTPASSWD_UNSUPPORTED;
    sv_t h = sv_cstr(hash);
    enum scheme s = classify(h, &why);
    if (s == SCHEME_NONE)
        return HTPASSWD_UNSUPPORTED;
    if (!password)
        return HTPASSWD_MISMATCH;
    size_t pwlen = strnlen(password, HTPASSWD_MAX_PASSWORD + 1);
    if (pwlen > HTPASSWD_MAX_PASSWORD)
        return HTPASSWD_MISMATCH;
    if (observer)
        observer(hash, observer_ctx);

    bool match = false;
    switch (s) {
    case SCHEME_CRYPT: {
        /* struct crypt_data is 32 KiB: too big for a worker's stack. */
        struct crypt_data *cd = calloc(1, sizeof *cd);
        if (!cd)
            break;
        const char *r = crypt_rn(password, hash, cd, (int)sizeof *cd);
        match = r && same(r, strlen(r), h.p, h.len);
        OPENSSL_cleanse(cd, sizeof *cd);
        free(cd);
        break;
    }
    case SCHEME_APR1: {
        sv_t rest = sv_make(h.p + 6, h.len - 6), salt;
        char mine[APR1_MAX_LEN + 1];
        if (take_salt(&rest, 8, &salt) && apr1_hash(password, pwlen, salt, mine))
            match = same(mine, strlen(mine), h.p, h.len);
        OPENSSL_cleanse(mine, sizeof mine);
        break;
    }
    case SCHEME_SHA1: {
        unsigned char sum[20];
        char mine[5 + 28 + 1] = "{SHA}";
        if (EVP_Digest(password, pwlen, sum, NULL, EVP_sha1(), NULL) == 1 &&
            EVP_EncodeBlock((unsigned char *)mine + 5, sum, sizeof sum) == 28)
            match = same(mine, 5 + 28, h.p, h.len);
        OPENSSL_cleanse(sum, sizeof sum);
        OPENSSL_cleanse(mine, sizeof mine);
        break;
    }
    case SCHEME_NONE:
        break;
    }
    return match ? HTPASSWD_MATCH : HTPASSWD_MISMATCH;
}

void htpasswd_free(struct htpasswd *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        free(h->v[i]);
    free(h->v);
    hmap_free(&h->users);
    pthread_mutex_destroy(&h->cache_lock);
    OPENSSL_cleanse(h->cache, sizeof h->cache);
    free(h);
}

static enum pf_err add_entry(struct htpasswd *h, sv_t user, sv_t hash, bool usable)
{
    if (vec_reserve(&h->v, &h->alloc, h->n, sizeof *h->v, 16))
        return PF_ENOMEM;
    struct entry *e = malloc(sizeof *e + user.len + 1 + hash.len + 1);
    if (!e)
        return PF_ENOMEM;
    memcpy(e->user, user.p, user.len);
    e->user[user.len] = '\0';
    char *hp = e->user + user.len + 1;
    memcpy(hp, hash.p, hash.len);
    hp[hash.len] = '\0';
    e->hash = hp;
    e->usable = usable;
    e->work = usable ? hash_work(hp) : 0;
    enum pf_err err = hmap_put(&h->users, sv_make(e->user, user.len), e);
    if (err) {
        free(e);
        return err;
    }
    h->v[h->n++] = e;
    if (usable) {
        h->usable++;
        if (!h->standin || e->work > h->standin_work) {
            h->standin = e->hash;
            h->standin_work = e->work;
        }
    }
    return PF_EOK;
}

enum pf_err htpasswd_parse(const char *text, size_t len, const char *origin, struct htpasswd **out)
{
    enum pf_err e = PF_EOK;
    size_t skipped = 0;
    char who[HTPASSWD_MAX_USER + 1];
    struct htpasswd *h = calloc(1, sizeof *h);
    if (!h)
        return PF_ENOMEM;
    hmap_init(&h->users);
    pthread_mutex_init(&h->cache_lock, NULL);
    if (getrandom(h->salt, sizeof h->salt, 0) != (ssize_t)sizeof h->salt)
        memset(h->salt, 0, sizeof h->salt); /* still a fine key, only not salted */

    sv_t t = sv_make(text, len);
    for (unsigned long lineno = 1; t.len; lineno++) {
        sv_t line = sv_split(&t, '\n');
        if (line.len > HTPASSWD_MAX_LINE) {
            LOG(LOG_WARN, "%s:%lu: line longer than %d bytes; skipped", origin, lineno, HTPASSWD_MAX_LINE);
            skipped++;
            continue;
        }
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        line = sv_trim(line);
        if (line.len == 0 || line.p[0] == '#')
            continue;
        /* The names are kept as C strings: a NUL inside would cut one. */
        if (memchr(line.p, '\0', line.len)) {
            LOG(LOG_WARN, "%s:%lu: NUL byte in the line; skipped", origin, lineno);
            skipped++;
            continue;
        }
        long colon = sv_index(line, ':');
        if (colon < 0) {
            LOG(LOG_WARN, "%s:%lu: no ':' between user and hash; skipped", origin, lineno);
            skipped++;
            continue;
        }
        sv_t user = sv_make(line.p, (size_t)colon);
        sv_t rest = sv_make(line.p + colon + 1, line.len - (size_t)colon - 1);
        /* As in Apache, the hash ends at the next ':' (none of the
         * schemes uses one); further fields are ignored. */
        sv_t hash = sv_split(&rest, ':');
        if (user.len == 0) {
            LOG(LOG_WARN, "%s:%lu: empty user name; skipped", origin, lineno);
            skipped++;
            continue;
        }
        if (user.len > HTPASSWD_MAX_USER) {
            LOG(LOG_WARN, "%s:%lu: user name longer than %d bytes; skipped", origin, lineno, HTPASSWD_MAX_USER);
            skipped++;
            continue;
        }
        if (hmap_get(&h->users, user)) {
            LOG(LOG_WARN, "%s:%lu: user '%s' already has an earlier line, which wins; this one is ignored",
                origin, lineno, log_safe(user, who, sizeof who));
            skipped++;
            continue;
        }
        const char *why = NULL;
        bool usable = classify(hash, &why) != SCHEME_NONE;
        if (!usable) {
            LOG(LOG_WARN, "%s:%lu: user '%s': %s; this user cannot log in", origin, lineno,
                log_safe(user, who, sizeof who), why);
            skipped++;
        }
        /* A refused line still claims its user, so that a later line for
         * the same user does not take effect (the first line wins). */
        if ((e = add_entry(h, user, hash, usable)))
            goto out;
    }
    LOG(LOG_INFO, "%s: %zu users can log in; %zu lines skipped or refused", origin, h->usable, skipped);
    *out = h;
    h = NULL;
out:
    htpasswd_free(h);
    return e;
}

size_t htpasswd_count(const struct htpasswd *h)
{
    return h ? h->usable : 0;
}

bool htpasswd_check(const struct htpasswd *h, const char *user, const char *password)
{
    if (!h || !user || !password)
        return false;
    if (strnlen(password, HTPASSWD_MAX_PASSWORD + 1) > HTPASSWD_MAX_PASSWORD)
        return false;
    size_t ulen = strnlen(user, HTPASSWD_MAX_USER + 1);
    const struct entry *e = ulen <= HTPASSWD_MAX_USER ? hmap_get(&h->users, sv_make(user, ulen)) : NULL;
    bool ok = false;
    if (e && e->usable) {
        ok = htpasswd_verify_hash(e->hash, password) == HTPASSWD_MATCH;
        if (e->work >= h->standin_work)
            return ok;
    }
    /* Unknown user, one whose line was refused, or one with a cheaper hash
     * than the costliest: the stand-in's work too, so that every check
     * costs about the same (see struct htpasswd). */
    if (h->standin)
        (void)htpasswd_verify_hash(h->standin, password);
    return ok;
}

static void cache_key(const struct htpasswd *h, const char *user, const char *password, unsigned char key[32])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned n = 0;
    if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(c, h->salt, sizeof h->salt) != 1 ||
        EVP_DigestUpdate(c, user, strlen(user) + 1) != 1 || EVP_DigestUpdate(c, password, strlen(password)) != 1 ||
        EVP_DigestFinal_ex(c, key, &n) != 1 || n != 32)
        memset(key, 0, 32); /* matches nothing: every entry is a real digest */
    EVP_MD_CTX_free(c);
}

/* The cache key of user and password, or false when it cannot be made or
 * either is too long to ever match. */
static bool cache_key_of(const struct htpasswd *h, const char *user, const char *password, unsigned char key[32])
{
    static const unsigned char zero[32];
    if (!h || !user || !password || strnlen(password, HTPASSWD_MAX_PASSWORD + 1) > HTPASSWD_MAX_PASSWORD ||
        strnlen(user, HTPASSWD_MAX_USER + 1) > HTPASSWD_MAX_USER)
        return false;
    cache_key(h, user, password, key);
    return CRYPTO_memcmp(key, zero, 32) != 0;
}

bool htpasswd_recall(struct htpasswd *h, const char *user, const char *password)
{
    unsigned char key[32];
    if (!cache_key_of(h, user, password, key))
        return false;
    bool hit = false;
    pthread_mutex_lock(&h->cache_lock);
    for (unsigned i = 0; i < h->ncache; i++)
        hit |= CRYPTO_memcmp(h->cache[i], key, 32) == 0;
    pthread_mutex_unlock(&h->cache_lock);
    OPENSSL_cleanse(key, sizeof key);
    return hit;
}

bool htpasswd_check_cached(struct htpasswd *h, const char *user, const char *password)
{
    if (htpasswd_recall(h, user, password))
        return true;
    bool ok = htpasswd_check(h, user, password);
    unsigned char key[32];
    if (ok && cache_key_of(h, user, password, key)) {
        pthread_mutex_lock(&h->cache_lock);
        memcpy(h->cache[h->next], key, 32);
        h->next = (h->next + 1) % HTPASSWD_CACHE;
        if (h->ncache < HTPASSWD_CACHE)
            h->ncache++;
        pthread_mutex_unlock(&h->cache_lock);
        OPENSSL_cleanse(key, sizeof key);
    }
    return ok;
}

GRANTFILE_DEFINE(htpasswd_file, struct htpasswd, htpasswd_parse, htpasswd_free, htpasswd_open, htpasswd_close)

bool htpasswd_file_recall(struct htpasswd_file *f, const char *user, const char *password)
{
    struct filewatch_snap *s = filewatch_get(watch_of(f));
    bool ok = htpasswd_recall((struct htpasswd *)filewatch_data(s), user, password);
    filewatch_put(s);
    return ok;
}

bool htpasswd_file_check(struct htpasswd_file *f, const char *user, const char *password)
{
    struct filewatch_snap *s = filewatch_get(watch_of(f));
    /* The snapshot is ours (htpasswd_parse made it); only its cache changes. */
    bool ok = htpasswd_check_cached((struct htpasswd *)filewatch_data(s), user, password);
    filewatch_put(s);
    return ok;
}

double htpasswd_file_work(struct htpasswd_file *f)
{
    struct filewatch_snap *s = filewatch_get(watch_of(f));
    const struct htpasswd *h = filewatch_data(s);
    double w = h && h->standin ? h->standin_work : 0;
    filewatch_put(s);
    return w;
}
