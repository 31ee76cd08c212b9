/* SPDX-License-Identifier: MIT */
/* escape.h: output escaping by context (HTML text, HTML attribute, URL path, JSON). */
#ifndef PF_ESCAPE_H
#define PF_ESCAPE_H

#include "buf.h"
#include "sv.h"

/* Every byte that reaches a page goes through one of these. Project names,
 * versions, Requires-Python and yank reasons come from uploaders: this is a
 * security boundary.
 *
 * Each appends to out and returns buf_err(out): PF_EOK, or out's first
 * failure, which out keeps (buf.h), so a page writer may check once at
 * the end instead of after every call. */

/* HTML text content: escapes & < > " '. */
enum pf_err escape_html(buf_t *out, sv_t s);
/* A double-quoted HTML attribute value: same set as escape_html (the
 * spec requires < and > in data-requires-python). */
enum pf_err escape_attr(buf_t *out, sv_t s);
/* A URL path: percent-encodes every byte outside [A-Za-z0-9._~!$'()*+,;=:@/-]
 * (so '%', '?', '#', '&', '"', '<', '>', spaces and non-ASCII are encoded). */
enum pf_err escape_url_path(buf_t *out, sv_t s);
/* Length of the valid UTF-8 sequence at p (n >= 1 bytes there), or 0 when
 * none starts there: overlong forms, surrogates and values past U+10FFFF
 * are not valid. */
size_t escape_utf8_len(const unsigned char *p, size_t n);
/* The inside of a JSON string: escapes " \ and control characters, and
 * < > & as \u003c \u003e \u0026 so the result is also safe inside HTML;
 * invalid UTF-8 bytes become U+FFFD. */
enum pf_err escape_json(buf_t *out, sv_t s);

#endif
