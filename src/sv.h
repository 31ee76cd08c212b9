/* SPDX-License-Identifier: MIT */
/* sv.h: a non-owning string view passed by value, for parsing. */
#ifndef PF_SV_H
#define PF_SV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const char *p;
    size_t len;
} sv_t;

#define SV_LIT(s) ((sv_t){ (s), sizeof(s) - 1 })

static inline sv_t sv_make(const char *p, size_t len) { return (sv_t){ p, len }; }
static inline sv_t sv_cstr(const char *s) { return (sv_t){ s, s ? strlen(s) : 0 }; }

static inline bool sv_eq(sv_t a, sv_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool sv_starts_with(sv_t s, sv_t prefix)
{
    return s.len >= prefix.len && memcmp(s.p, prefix.p, prefix.len) == 0;
}

static inline bool sv_ends_with(sv_t s, sv_t suffix)
{
    return s.len >= suffix.len && memcmp(s.p + s.len - suffix.len, suffix.p, suffix.len) == 0;
}

/* ASCII case-insensitive comparisons. */
bool sv_ieq(sv_t a, sv_t b);
/* A strict decimal number up to max: one or more digits, no sign, no
 * space, no overflow. False (and *out untouched) otherwise. */
bool sv_to_u64(sv_t s, uint64_t max, uint64_t *out);
bool sv_iends_with(sv_t s, sv_t suffix);
/* s without leading and trailing spaces and tabs. */
sv_t sv_trim(sv_t s);
/* Splits *s at the first c: returns the part before it and leaves *s after it;
 * without c, returns all of *s and leaves *s empty. */
sv_t sv_split(sv_t *s, char c);
/* Index of the first c in s, or -1. */
long sv_index(sv_t s, char c);

#endif
