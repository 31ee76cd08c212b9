/* SPDX-License-Identifier: MIT */
/* escape.c: output escaping by context. */
#include "config.h"
#include <stdint.h>
#include "ascii.h"
#include "escape.h"

enum pf_err escape_html(buf_t *out, sv_t s)
{
    size_t start = 0;
    for (size_t i = 0; i < s.len && !buf_err(out); i++) {
        const char *rep;
        switch (s.p[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        buf_append(out, s.p + start, i - start);
        buf_append_str(out, rep);
        start = i + 1;
    }
    return buf_append(out, s.p + start, s.len - start);
}

enum pf_err escape_attr(buf_t *out, sv_t s)
{
    return escape_html(out, s);
}

static int url_safe(unsigned char c)
{
    if (ascii_isalnum((char)c))
        return 1;
    switch (c) {
    case '.': case '_': case '~': case '!': case '$': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=': case ':': case '@': case '/': case '-':
        return 1;
    default:
        return 0;
    }
}

enum pf_err escape_url_path(buf_t *out, sv_t s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = 0;
    for (size_t i = 0; i < s.len && !buf_err(out); i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (url_safe(c))
            continue;
        char enc[3] = { '%', hex[c >> 4], hex[c & 15] };
        buf_append(out, s.p + start, i - start);
        buf_append(out, enc, 3);
        start = i + 1;
    }
    return buf_append(out, s.p + start, s.len - start);
}

size_t escape_utf8_len(const unsigned char *p, size_t n)
{
    uint32_t cp;
    size_t len;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0)
        len = 2, cp = p[0] & 0x1F;
    else if ((p[0] & 0xF0) == 0xE0)
        len = 3, cp = p[0] & 0x0F;
    else if ((p[0] & 0xF8) == 0xF0)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* Reject overlong forms, surrogates and values past U+10FFFF. */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

enum pf_err escape_json(buf_t *out, sv_t s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0;
    while (i < s.len && !buf_err(out)) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t l = escape_utf8_len(p + i, s.len - i);
            if (l) {
                buf_append(out, p + i, l);
                i += l;
            } else {
                buf_append_str(out, "\\ufffd");
                i++;
            }
            continue;
        }
        if (c == '"')
            buf_append_str(out, "\\\"");
        else if (c == '\\')
            buf_append_str(out, "\\\\");
        else if (c == '\n')
            buf_append_str(out, "\\n");
        else if (c == '\r')
            buf_append_str(out, "\\r");
        else if (c == '\t')
            buf_append_str(out, "\\t");
        else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            buf_append(out, u, 6);
        } else
            buf_append_char(out, (char)c);
        i++;
    }
    return buf_err(out);
}
