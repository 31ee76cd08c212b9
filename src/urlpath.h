/* SPDX-License-Identifier: MIT */
/* urlpath.h: request-path decoding and the safety rules for file paths. */
#ifndef PF_URLPATH_H
#define PF_URLPATH_H

#include <stdbool.h>
#include "buf.h"
#include "sv.h"

/* Longest request path accepted (raw, before decoding). */
#define URLPATH_MAX_LEN 4096
/* Most directory levels below a root that are indexed or served. */
#define URLPATH_MAX_DEPTH 8

/* Percent-decodes a raw URL path (REQUEST_URI before '?') into out.
 * '+' stays '+' (pip re-quotes it as %2B). Fails with PF_EINVAL on a
 * malformed escape, a NUL byte (raw or %00), an encoded '/' or '\\'
 * (%2F, %5C: they would change how the path splits), and PF_ETOOBIG when
 * raw is longer than URLPATH_MAX_LEN. */
enum pf_err urlpath_decode(sv_t raw, buf_t *out) PF_WUR;

/* True when seg may name a file or directory in a root: 1..255 bytes of
 * [A-Za-z0-9._+!@=,~-], not starting with '.' (so not "." or "..", and no
 * dot-files) and not ending in "~" (editor backups). Everything a
 * distribution filename can be passes; '/', '\\', NUL, '%', spaces and
 * control bytes do not. */
bool urlpath_segment_ok(sv_t seg);

/* True when path is 1..URLPATH_MAX_DEPTH+1 segments joined by single '/',
 * each passing urlpath_segment_ok (no leading or trailing '/'). */
bool urlpath_relpath_ok(sv_t path);

#endif
