/* SPDX-License-Identifier: MIT */
/* form.h: an application/x-www-form-urlencoded body read one field at a time (the forms without a file). */
#ifndef PF_FORM_H
#define PF_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "error.h"
#include "sv.h"

/* The caller caps the body itself (it holds it whole); these cap the rest. */
#define FORM_MAX_NAME 1024   /* bytes of one decoded field name */
#define FORM_MAX_FIELDS 1024 /* fields in one body (empty pairs not counted) */

/* The body is split at '&' only (';' is an ordinary byte, as the WHATWG URL
 * standard's application/x-www-form-urlencoded parser has it); empty pairs
 * are skipped; a pair without '=' is a name with an empty value. Names and
 * values are decoded the same way: '+' is a space, %XX is the byte XX (either
 * case of hex digit); a '%' not followed by two hex digits makes the whole
 * body invalid, whether or not the caller wants that field, so a body is
 * either valid or refused as a whole. Decoded bytes are handed up as they
 * are: NUL and non-UTF-8 bytes included, for the caller to judge. */

/* A cursor over a body; caller-allocated, no heap memory. The members are
 * private. */
struct form_reader {
    sv_t rest;       /* the body not read yet */
    unsigned fields; /* fields returned so far */
    enum pf_err err; /* sticky: once set, every call returns it */
    const char *msg; /* static message for err */
};

/* Prepares r to read body, which must outlive r. */
void form_init(struct form_reader *r, sv_t body);

/* Reads the next non-empty pair: its name decoded into name (emptied
 * first; its cap should be at least FORM_MAX_NAME) and its value, still
 * encoded, as a view into the body in *value (checked: form_decode of it
 * fails only when out's cap is passed). Returns PF_EOK; PF_ENOTFOUND when
 * the body has no more pairs; PF_EINVAL for a bad %-escape anywhere in the
 * pair; PF_ETOOBIG for a name longer than FORM_MAX_NAME (or name's cap) or
 * the field after FORM_MAX_FIELDS; PF_ENOMEM. Errors stick. */
enum pf_err form_next(struct form_reader *r, buf_t *name, sv_t *value) PF_WUR;

/* Appends the decoded bytes of raw (as form_next leaves a value) to out.
 * Returns PF_EOK; PF_EINVAL for a bad %-escape; out's error (PF_ETOOBIG
 * when its cap is passed, PF_ENOMEM). */
enum pf_err form_decode(sv_t raw, buf_t *out) PF_WUR;

/* True when type (a CONTENT_TYPE value) is application/x-www-form-urlencoded,
 * in any case, with or without parameters. */
bool form_is_urlencoded(const char *type);

/* A one-line, printable-ASCII message for the last error of r; never NULL. */
const char *form_error(const struct form_reader *r);

#endif
