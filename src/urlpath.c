/* SPDX-License-Identifier: MIT */
/* urlpath.c: request-path decoding and path safety rules. */
#include "config.h"
#include "ascii.h"
#include "urlpath.h"

enum pf_err urlpath_decode(sv_t raw, buf_t *out)
{
    if (raw.len > URLPATH_MAX_LEN)
        return PF_ETOOBIG;
    for (size_t i = 0; i < raw.len; i++) {
        char c = raw.p[i];
        if (c == '%') {
            if (i + 2 >= raw.len)
                return PF_EINVAL;
            int hi = ascii_hexval(raw.p[i + 1]), lo = ascii_hexval(raw.p[i + 2]);
            if (hi < 0 || lo < 0)
                return PF_EINVAL;
            c = (char)(hi * 16 + lo);
            if (c == '/' || c == '\\' || c == '\0')
                return PF_EINVAL;
            i += 2;
        } else if (c == '\0')
            return PF_EINVAL;
        enum pf_err e = buf_append_char(out, c);
        if (e)
            return e;
    }
    return PF_EOK;
}

bool urlpath_segment_ok(sv_t seg)
{
    if (seg.len == 0 || seg.len > 255 || seg.p[0] == '.' || seg.p[seg.len - 1] == '~')
        return false;
    for (size_t i = 0; i < seg.len; i++) {
        char c = seg.p[i];
        if (ascii_isalnum(c))
            continue;
        switch (c) {
        case '.': case '_': case '+': case '!': case '@': case '=': case ',': case '~': case '-':
            continue;
        default:
            return false;
        }
    }
    return true;
}

bool urlpath_relpath_ok(sv_t path)
{
    if (path.len == 0)
        return false;
    unsigned depth = 0;
    while (path.len) {
        if (++depth > URLPATH_MAX_DEPTH + 1)
            return false;
        long slash = sv_index(path, '/');
        sv_t seg = slash < 0 ? path : sv_make(path.p, (size_t)slash);
        if (!urlpath_segment_ok(seg))
            return false;
        if (slash < 0)
            break;
        path = sv_make(path.p + slash + 1, path.len - (size_t)slash - 1);
        if (path.len == 0)
            return false; /* trailing slash */
    }
    return true;
}
