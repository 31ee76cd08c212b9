/* SPDX-License-Identifier: MIT */
/* multipart.h: a streaming multipart/form-data parser (RFC 2046, RFC 7578) for uploads. */
#ifndef PF_MULTIPART_H
#define PF_MULTIPART_H

#include <stddef.h>
#include "buf.h"
#include "error.h"

#define MP_MAX_BOUNDARY 70      /* RFC 2046 */
#define MP_MAX_HEADER 8192      /* bytes of one part's whole header block */
#define MP_MAX_PARTS 1024       /* parts in one body */

/* The headers of one part, valid only during the part_begin call. Values
 * are handed up raw: no %XX decoding and no backslash processing inside
 * quoted strings (a quoted value ends at the next '"'), so the caller can
 * reject what it does not like. Header blocks with a NUL, a bare CR or a
 * bare LF are rejected before this is built, so no value holds those. */
struct mp_part {
    const char *name;           /* the form field name, NUL-terminated, never NULL or empty */
    const char *filename;       /* NULL when the part has no filename parameter */
    const char *content_type;   /* the whole Content-Type value; NULL without that header */
};

/* Each returns PF_EOK, or an error that aborts parsing and is returned by
 * mp_feed. A NULL member is skipped. */
struct mp_callbacks {
    enum pf_err (*part_begin)(void *ctx, const struct mp_part *part);
    enum pf_err (*part_data)(void *ctx, const char *p, size_t n);   /* content bytes, in order, any chunking */
    enum pf_err (*part_end)(void *ctx);
};

/* The parser state; caller-allocated (about 8.5 KiB, on the stack is
 * fine), no heap memory, nothing to free. The members are private. */
struct mp_parser {
    int state;                          /* enum mp_state in multipart.c */
    int line_state;                     /* progress through the text after a boundary */
    enum pf_err err;                    /* sticky: once set, every call returns it */
    const char *msg;                    /* static message for err */
    struct mp_callbacks cb;
    void *ctx;
    size_t dlen;                        /* length of delim */
    char delim[MP_MAX_BOUNDARY + 4];    /* "\r\n--" boundary */
    size_t hold_len;
    char hold[MP_MAX_BOUNDARY + 4];     /* a proper prefix of delim at the end of the last chunk */
    unsigned parts;                     /* parts begun so far */
    size_t hdr_len;                     /* header block bytes held (after the 2-byte lead-in) */
    char hdr[2 + MP_MAX_HEADER];        /* "\r\n" then the part's header block */
};

/* Extracts the boundary parameter from a CONTENT_TYPE value: the type must
 * be multipart/form-data (case-insensitive); the boundary may be quoted or
 * not and must be 1..70 characters of the RFC 2046 bchars set, not ending
 * in a space. Writes it NUL-terminated to out. Returns PF_EINVAL with a
 * message appended to err (which may be NULL) otherwise. */
enum pf_err mp_boundary(const char *content_type, char out[MP_MAX_BOUNDARY + 1], buf_t *err) PF_WUR;

/* Prepares mp to parse a body delimited by boundary (as from mp_boundary;
 * copied, so it need not outlive mp). The callbacks are copied too; ctx is
 * passed to each. An invalid boundary makes every later call fail with
 * PF_EINVAL. */
void mp_init(struct mp_parser *mp, const char *boundary, const struct mp_callbacks *cb, void *ctx);

/* Feeds the next n bytes of the body, in any chunking. Content bytes reach
 * part_data as they arrive; only a possible partial delimiter (at most 73
 * bytes) is held back between calls. Returns PF_EINVAL for a malformed
 * body, PF_ETOOBIG when a cap is hit, or the error a callback returned;
 * after an error, further calls return the same error and make no
 * callbacks. part_end is called once for each part whose content ended at
 * a delimiter; a part cut short by an error gets none. Nothing is complete
 * (the body may still turn out malformed) until mp_finish returns PF_EOK. */
enum pf_err mp_feed(struct mp_parser *mp, const char *p, size_t n) PF_WUR;

/* Call at the end of the body. Returns PF_EOK when the closing delimiter
 * was seen, PF_EINVAL when it was not (a truncated body; the open part, if
 * any, gets no part_end), or the earlier error. */
enum pf_err mp_finish(struct mp_parser *mp) PF_WUR;

/* A one-line, printable-ASCII message for the last error of mp (for a
 * callback's error, the generic text of that error code); never NULL. */
const char *mp_error(const struct mp_parser *mp);

#endif
