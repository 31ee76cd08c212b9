/* SPDX-License-Identifier: MIT */
/* buf.c: the capped growable buffer. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"

void buf_init(buf_t *b, size_t cap)
{
    b->p = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
    b->err = PF_EOK;
}

void buf_free(buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->alloc = 0;
    b->err = PF_EOK;
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    b->err = PF_EOK;
    if (b->p)
        b->p[0] = '\0';
}

enum pf_err buf_fail(buf_t *b, enum pf_err err)
{
    if (!b->err)
        b->err = err;
    return b->err;
}

static enum pf_err grow(buf_t *b, size_t extra)
{
    if (extra > b->cap || b->len > b->cap - extra)
        return PF_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return PF_EOK;
    size_t n = b->alloc ? b->alloc : 256;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (b->cap < SIZE_MAX && n > b->cap + 1)
        n = b->cap + 1;
    char *q = realloc(b->p, n);
    if (!q)
        return PF_ENOMEM;
    b->p = q;
    b->alloc = n;
    return PF_EOK;
}

enum pf_err buf_append(buf_t *b, const void *p, size_t len)
{
    /* The one branch a sticky error costs the hot path. */
    if (b->err)
        return b->err;
    enum pf_err e = grow(b, len);
    if (e)
        return b->err = e;
    if (len)
        memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
    return PF_EOK;
}

enum pf_err buf_append_sv(buf_t *b, sv_t s) { return buf_append(b, s.p, s.len); }
enum pf_err buf_append_str(buf_t *b, const char *s) { return buf_append(b, s, strlen(s)); }

enum pf_err buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
    if (b->err)
        return b->err;
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return b->err = PF_EINVAL;
    if ((size_t)n < sizeof small)
        return buf_append(b, small, (size_t)n);
    enum pf_err e = grow(b, (size_t)n);
    if (e)
        return b->err = e;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return PF_EOK;
}

enum pf_err buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum pf_err e = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return e;
}

char *buf_steal(buf_t *b)
{
    char *p = b->p;
    if (!p)
        p = calloc(1, 1);
    b->p = NULL;
    b->len = b->alloc = 0;
    b->err = PF_EOK;
    return p;
}

enum pf_err buf_reject(buf_t *err, const char *fmt, ...)
{
    va_list ap;
    buf_reset(err);
    va_start(ap, fmt);
    (void)buf_vprintf(err, fmt, ap);
    va_end(ap);
    return PF_EINVAL;
}

enum pf_err buf_refuse(buf_t *err, enum pf_err e, const char *fmt, ...)
{
    va_list ap;
    buf_reset(err);
    va_start(ap, fmt);
    (void)buf_vprintf(err, fmt, ap);
    va_end(ap);
    return e;
}
