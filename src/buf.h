/* SPDX-License-Identifier: MIT */
/* buf.h: a growable byte buffer with a hard size cap set at creation. */
#ifndef PF_BUF_H
#define PF_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "error.h"
#include "sv.h"

/* The content is always NUL-terminated (the NUL is not counted in len).
 * An append that would pass cap fails with PF_ETOOBIG and leaves the
 * buffer as it was; allocation failure gives PF_ENOMEM.
 *
 * The first failure sticks: from then on every append does nothing and
 * returns that error, until buf_reset (or buf_init, buf_free, buf_steal)
 * empties b. So a writer may append freely, ignoring each result, and
 * check buf_err once at the end; the content is then what b held before
 * the failed append, never a later piece without an earlier one. */
typedef struct {
    char *p;
    size_t len;
    size_t alloc;
    size_t cap;
    enum pf_err err; /* the first failed append's error, or PF_EOK */
} buf_t;

/* Initialises an empty buffer that may hold at most cap bytes. */
void buf_init(buf_t *b, size_t cap);
/* Frees the storage and clears the error; b may be reused after buf_init. */
void buf_free(buf_t *b);
/* Empties b, keeping its storage, and clears the error. */
void buf_reset(buf_t *b);
/* Each append returns PF_EOK, or b's error: this append's failure or an
 * earlier one. */
enum pf_err buf_append(buf_t *b, const void *p, size_t len);
enum pf_err buf_append_sv(buf_t *b, sv_t s);
enum pf_err buf_append_str(buf_t *b, const char *s);
/* Inline for the byte-at-a-time writers (path decoding, escaping): a byte
 * that fits costs no call. */
static inline enum pf_err buf_append_char(buf_t *b, char c)
{
    if (!b->err && b->len < b->cap && b->len + 2 <= b->alloc) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
        return PF_EOK;
    }
    return buf_append(b, &c, 1);
}
enum pf_err buf_printf(buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum pf_err buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Replaces what err holds with the formatted message and returns
 * PF_EINVAL: how a parser says why it refuses its input. */
enum pf_err buf_reject(buf_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, returning e (PF_ECORRUPT, PF_ETOOBIG, ...). */
enum pf_err buf_refuse(buf_t *err, enum pf_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Takes the content away from b (the caller frees it) and empties b,
 * clearing the error: check buf_err first. */
char *buf_steal(buf_t *b);
static inline sv_t buf_sv(const buf_t *b) { return sv_make(b->p ? b->p : "", b->len); }
/* The error of the first append that failed since b was last emptied, or
 * PF_EOK. */
static inline enum pf_err buf_err(const buf_t *b) { return b->err; }
/* Records err as b's failure, as a failed append would, for a failure
 * met outside b (a scratch buffer whose content was meant for b): an
 * error already recorded stays, and PF_EOK changes nothing. Returns
 * buf_err(b). */
enum pf_err buf_fail(buf_t *b, enum pf_err err);

#endif
