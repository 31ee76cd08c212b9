/* SPDX-License-Identifier: MIT */
/* sv.c: string view helpers. */
#include "config.h"
#include "ascii.h"
#include "sv.h"

bool sv_ieq(sv_t a, sv_t b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (ascii_tolower(a.p[i]) != ascii_tolower(b.p[i]))
            return false;
    return true;
}

bool sv_iends_with(sv_t s, sv_t suffix)
{
    return s.len >= suffix.len && sv_ieq(sv_make(s.p + s.len - suffix.len, suffix.len), suffix);
}

sv_t sv_trim(sv_t s)
{
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.len--;
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
        s.len--;
    return s;
}

sv_t sv_split(sv_t *s, char c)
{
    long i = sv_index(*s, c);
    sv_t head;
    if (i < 0) {
        head = *s;
        *s = sv_make(s->p + s->len, 0);
        return head;
    }
    head = sv_make(s->p, (size_t)i);
    *s = sv_make(s->p + i + 1, s->len - (size_t)i - 1);
    return head;
}

long sv_index(sv_t s, char c)
{
    const char *q = s.len ? memchr(s.p, c, s.len) : NULL;
    return q ? (long)(q - s.p) : -1;
}

bool sv_to_u64(sv_t s, uint64_t max, uint64_t *out)
{
    if (s.len == 0 || s.len > 20)
        return false;
    uint64_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (!ascii_isdigit(s.p[i]))
            return false;
        uint64_t d = (uint64_t)(s.p[i] - '0');
        if (n > (max - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *out = n;
    return true;
}
