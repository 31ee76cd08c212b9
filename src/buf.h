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
 * buffer as it was; allocation failure gives PF_ENOMEM. */
typedef struct {
    char *p;
    size_t len;
    size_t alloc;
    size_t cap;
} buf_t;

/* Initialises an empty buffer that may hold at most cap bytes. */
void buf_init(buf_t *b, size_t cap);
/* Frees the storage; b may be reused after buf_init. */
void buf_free(buf_t *b);
/* Empties b, keeping its storage. */
void buf_reset(buf_t *b);
enum pf_err buf_append(buf_t *b, const void *p, size_t len);
enum pf_err buf_append_sv(buf_t *b, sv_t s);
enum pf_err buf_append_str(buf_t *b, const char *s);
enum pf_err buf_append_char(buf_t *b, char c);
enum pf_err buf_printf(buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum pf_err buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Takes the content away from b (the caller frees it) and empties b. */
char *buf_steal(buf_t *b);
static inline sv_t buf_sv(const buf_t *b) { return sv_make(b->p ? b->p : "", b->len); }

#endif
