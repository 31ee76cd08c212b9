/* SPDX-License-Identifier: MIT */
/* hmap.c: open-addressing hash map with linear probing and tombstones, keyed SipHash-2-4. */
#include "config.h"
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "hmap.h"

struct hmap_slot {
    sv_t key;
    void *value; /* NULL: empty; TOMB: deleted */
    uint64_t hash;
};

static char tomb_marker;
#define TOMB ((void *)&tomb_marker)

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void sipround(uint64_t v[4])
{
    v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
    v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
    v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
    v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

static uint64_t load_le64(const unsigned char *p)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | p[i];
    return x;
}

uint64_t hmap_siphash(const unsigned char key[16], const void *data, size_t len)
{
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v[4] = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
                      k1 ^ 0x7465646279746573ULL };
    const unsigned char *p = data;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(p + i);
        v[3] ^= m;
        sipround(v);
        sipround(v);
        v[0] ^= m;
    }
    uint64_t last = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        last |= (uint64_t)p[full + i] << (8 * i);
    v[3] ^= last;
    sipround(v);
    sipround(v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++)
        sipround(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* Keys come from outside (file and project names, user names): with a
 * fixed hash function, names chosen to collide would make every lookup
 * walk one long run of the table. The key is random per process. */
static unsigned char seed[16];
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void make_seed(void)
{
    size_t got = 0;
    while (got < sizeof seed) {
        ssize_t r = getrandom(seed + got, sizeof seed - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < sizeof seed) {
        /* No getrandom(2) (a seccomp filter, an old kernel): a weaker key
         * from the clock and the process, still unknown from outside. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t a = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32, b = (uint64_t)getpid() ^ (uintptr_t)&ts;
        memcpy(seed, &a, 8);
        memcpy(seed + 8, &b, 8);
    }
}

static uint64_t hash_sv(sv_t k)
{
    pthread_once(&seed_once, make_seed);
    return hmap_siphash(seed, k.p, k.len);
}

void hmap_init(hmap_t *m)
{
    m->slots = NULL;
    m->cap = m->count = m->used = 0;
}

void hmap_free(hmap_t *m)
{
    free(m->slots);
    hmap_init(m);
}

static struct hmap_slot *find(const hmap_t *m, sv_t key, uint64_t h)
{
    if (!m->cap)
        return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct hmap_slot *s = &m->slots[i];
        if (!s->value)
            return NULL;
        if (s->value != TOMB && s->hash == h && sv_eq(s->key, key))
            return s;
    }
}

void *hmap_get(const hmap_t *m, sv_t key)
{
    struct hmap_slot *s = find(m, key, hash_sv(key));
    return s ? s->value : NULL;
}

static enum pf_err rehash(hmap_t *m, size_t cap)
{
    struct hmap_slot *old = m->slots;
    size_t oldcap = m->cap;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        m->slots = old;
        return PF_ENOMEM;
    }
    m->cap = cap;
    m->used = m->count;
    for (size_t j = 0; j < oldcap; j++) {
        if (!old[j].value || old[j].value == TOMB)
            continue;
        size_t i = old[j].hash & (cap - 1);
        while (m->slots[i].value)
            i = (i + 1) & (cap - 1);
        m->slots[i] = old[j];
    }
    free(old);
    return PF_EOK;
}

enum pf_err hmap_put(hmap_t *m, sv_t key, void *value)
{
    uint64_t h = hash_sv(key);
    struct hmap_slot *s = find(m, key, h);
    if (s) {
        s->key = key;
        s->value = value;
        return PF_EOK;
    }
    if ((m->used + 1) * 4 >= m->cap * 3) {
        size_t cap = m->cap ? m->cap : 16;
        while ((m->count + 1) * 2 >= cap)
            cap *= 2;
        enum pf_err e = rehash(m, cap);
        if (e)
            return e;
    }
    size_t i = h & (m->cap - 1);
    while (m->slots[i].value && m->slots[i].value != TOMB)
        i = (i + 1) & (m->cap - 1);
    if (!m->slots[i].value)
        m->used++;
    m->slots[i] = (struct hmap_slot){ key, value, h };
    m->count++;
    return PF_EOK;
}

void *hmap_del(hmap_t *m, sv_t key)
{
    struct hmap_slot *s = find(m, key, hash_sv(key));
    if (!s)
        return NULL;
    void *v = s->value;
    s->value = TOMB;
    m->count--;
    return v;
}

void *hmap_next(const hmap_t *m, size_t *pos)
{
    while (*pos < m->cap) {
        struct hmap_slot *s = &m->slots[(*pos)++];
        if (s->value && s->value != TOMB)
            return s->value;
    }
    return NULL;
}
