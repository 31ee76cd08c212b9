/* SPDX-License-Identifier: MIT */
/* hmap.h: a string-keyed hash map (open addressing), not thread-safe. */
#ifndef PF_HMAP_H
#define PF_HMAP_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "sv.h"

/* Keys are not copied: each value must outlive its entry and the key must
 * point into it (or into something that lives as long). */
typedef struct {
    struct hmap_slot *slots;
    size_t cap;   /* power of two, or 0 */
    size_t count; /* live entries */
    size_t used;  /* live entries + tombstones */
} hmap_t;

void hmap_init(hmap_t *m);
/* Frees the table (not the values). */
void hmap_free(hmap_t *m);
/* The value stored under key, or NULL. */
void *hmap_get(const hmap_t *m, sv_t key);
/* Stores value under key, replacing any previous one. */
enum pf_err hmap_put(hmap_t *m, sv_t key, void *value) PF_WUR;
/* Removes key; returns the value it had, or NULL. */
void *hmap_del(hmap_t *m, sv_t key);
/* Iteration: *pos starts at 0; returns the next value or NULL at the end.
 * The order differs from one process to the next (the hash is keyed). */
void *hmap_next(const hmap_t *m, size_t *pos);

/* SipHash-2-4 of data under key (the map's hash, with a random key per
 * process; for tests). */
uint64_t hmap_siphash(const unsigned char key[16], const void *data, size_t len);

#endif
