/* SPDX-License-Identifier: MIT */
/* hmap.c: open-addressing hash map with linear probing and tombstones. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include "hmap.h"

struct hmap_slot {
    sv_t key;
    void *value; /* NULL: empty; TOMB: deleted */
    uint64_t hash;
};

static char tomb_marker;
#define TOMB ((void *)&tomb_marker)

static uint64_t hash_sv(sv_t k)
{
    /* FNV-1a, then a final mix: keys are filenames and project names. */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < k.len; i++) {
        h ^= (unsigned char)k.p[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 32;
    return h;
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
