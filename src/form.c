/* SPDX-License-Identifier: MIT */
/* form.c: the application/x-www-form-urlencoded reader (see form.h for its rules). */
#include "config.h"
#include "form.h"
#include <string.h>
#include "ascii.h"

#define STR_(x) #x
#define STR(x) STR_(x)

void form_init(struct form_reader *r, sv_t body)
{
    memset(r, 0, sizeof *r);
    r->rest = body;
}

static enum pf_err fail(struct form_reader *r, enum pf_err err, const char *msg)
{
    r->err = err;
    r->msg = msg;
    return err;
}

/* The offset of the first bad %-escape in s, or -1 when s has none. */
static long bad_escape(sv_t s)
{
    const char *p = s.p, *end = s.p + s.len;
    while ((p = memchr(p, '%', (size_t)(end - p)))) {
        if (end - p < 3 || ascii_hexval(p[1]) < 0 || ascii_hexval(p[2]) < 0)
            return p - s.p;
        p += 3;
    }
    return -1;
}

enum pf_err form_decode(sv_t raw, buf_t *out)
{
    if (bad_escape(raw) >= 0)
        return PF_EINVAL;
    const char *p = raw.p, *end = raw.p + raw.len;
    while (p < end) {
        /* The runs between escapes go in one append each. */
        size_t run = 0;
        while (p + run < end && p[run] != '%' && p[run] != '+')
            run++;
        if (run) {
            enum pf_err e = buf_append(out, p, run);
            if (e)
                return e;
            p += run;
            continue;
        }
        char c = ' ';
        if (*p == '%') {
            c = (char)(ascii_hexval(p[1]) << 4 | ascii_hexval(p[2]));
            p += 2;
        }
        p++;
        enum pf_err e = buf_append_char(out, c);
        if (e)
            return e;
    }
    return buf_err(out);
}

enum pf_err form_next(struct form_reader *r, buf_t *name, sv_t *value)
{
    if (r->err)
        return r->err;
    sv_t pair;
    do {
        if (!r->rest.len)
            return PF_ENOTFOUND;
        pair = sv_split(&r->rest, '&');
    } while (!pair.len);
    if (r->fields >= FORM_MAX_FIELDS)
        return fail(r, PF_ETOOBIG, "the form has more than " STR(FORM_MAX_FIELDS) " fields");
    long eq = sv_index(pair, '=');
    sv_t n = eq < 0 ? pair : sv_make(pair.p, (size_t)eq);
    sv_t v = eq < 0 ? sv_make(pair.p + pair.len, 0) : sv_make(pair.p + eq + 1, pair.len - (size_t)eq - 1);
    if (bad_escape(n) >= 0 || bad_escape(v) >= 0)
        return fail(r, PF_EINVAL, "a '%' is not followed by two hex digits");
    /* A name's decoded length is at most its encoded length; the cap is
     * checked on the encoded bytes first, so a huge name costs no copy. */
    buf_reset(name);
    if (n.len > 3 * (size_t)FORM_MAX_NAME)
        return fail(r, PF_ETOOBIG, "a field name is longer than " STR(FORM_MAX_NAME) " bytes");
    enum pf_err e = form_decode(n, name);
    if (e == PF_ETOOBIG || (e == PF_EOK && name->len > FORM_MAX_NAME))
        return fail(r, PF_ETOOBIG, "a field name is longer than " STR(FORM_MAX_NAME) " bytes");
    if (e)
        return fail(r, e, "out of memory");
    r->fields++;
    *value = v;
    return PF_EOK;
}

bool form_is_urlencoded(const char *type)
{
    static const char want[] = "application/x-www-form-urlencoded";
    if (!type)
        return false;
    sv_t t = sv_trim(sv_cstr(type));
    sv_t head = sv_trim(sv_split(&t, ';'));
    return sv_ieq(head, SV_LIT(want));
}

const char *form_error(const struct form_reader *r)
{
    return r->msg ? r->msg : r->err ? "invalid form" : "no error";
}
