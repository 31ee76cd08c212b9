/* SPDX-License-Identifier: MIT */
/* fuzz_form.c: libFuzzer harness for the application/x-www-form-urlencoded reader (form_next, form_decode). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "form.h"
#include "fuzzutil.h"

/* Input: one control byte (the cap on a decoded value: 1 + byte * 8), then
 * the body. The body is read with form_next and each value decoded with
 * form_decode; the result must equal that of a plain reference reader
 * written here from form.h's rules (split at '&', skip empty pairs, split
 * at the first '=', '+' a space, %XX a byte, any bad escape refuses the
 * body at its pair), field for field, with the same error at the same
 * field. Also: no name passes FORM_MAX_NAME, no more than FORM_MAX_FIELDS
 * fields are returned, errors stick, a value's decoding passes its cap
 * exactly when the reference value is longer, and (round trip) the fields
 * read, encoded again in the one canonical way and joined with '&', read
 * back as the same fields. The body is also tried as a Content-Type:
 * form_is_urlencoded may only say yes to a value whose part before ';'
 * is, trimmed, the type in any case. */

struct field {
    buf_t name, value;
};

struct fields {
    struct field f[FORM_MAX_FIELDS + 1];
    size_t n;
    enum pf_err err; /* PF_ENOTFOUND: read to the end */
};

static void fields_free(struct fields *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        buf_free(&fs->f[i].name);
        buf_free(&fs->f[i].value);
    }
    fs->n = 0;
}

static struct field *add(struct fields *fs)
{
    FU_CHECK(fs->n < FORM_MAX_FIELDS + 1);
    struct field *f = &fs->f[fs->n++];
    buf_init(&f->name, 1 << 24);
    buf_init(&f->value, 1 << 24);
    return f;
}

/* What form.c is checked against: one byte at a time, no views. */
static int hexval(unsigned char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool ref_decode(const char *p, size_t n, buf_t *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '+')
            c = ' ';
        else if (c == '%') {
            if (i + 2 >= n)
                return false;
            int h = hexval((unsigned char)p[i + 1]), l = hexval((unsigned char)p[i + 2]);
            if (h < 0 || l < 0)
                return false;
            c = (char)(h * 16 + l);
            i += 2;
        }
        FU_CHECK(buf_append(out, &c, 1) == PF_EOK);
    }
    return true;
}

static void ref_read(const char *p, size_t n, struct fields *fs)
{
    fs->err = PF_ENOTFOUND;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != '&')
            j++;
        if (j > i) {
            size_t eq = i;
            while (eq < j && p[eq] != '=')
                eq++;
            if (fs->n == FORM_MAX_FIELDS) {
                fields_free(fs);
                fs->err = PF_ETOOBIG;
                return;
            }
            struct field *f = add(fs);
            bool ok = ref_decode(p + i, eq - i, &f->name);
            ok = ok && (eq == j || ref_decode(p + eq + 1, j - eq - 1, &f->value));
            if (!ok) {
                fields_free(fs);
                fs->err = PF_EINVAL;
                return;
            }
            if (f->name.len > FORM_MAX_NAME) {
                fields_free(fs);
                fs->err = PF_ETOOBIG;
                return;
            }
        }
        i = j + 1;
    }
}

/* form.c's reading, into fs; values decoded with a cap of cap. */
static void form_read(const char *p, size_t n, size_t cap, struct fields *fs)
{
    struct form_reader r;
    form_init(&r, sv_make(p, n));
    buf_t name;
    buf_init(&name, FORM_MAX_NAME);
    sv_t raw;
    enum pf_err e;
    while ((e = form_next(&r, &name, &raw)) == PF_EOK) {
        FU_CHECK(name.len <= FORM_MAX_NAME);
        FU_CHECK(raw.p >= p && raw.p + raw.len <= p + n);
        struct field *f = add(fs);
        FU_CHECK(buf_append(&f->name, name.p ? name.p : "", name.len) == PF_EOK);
        buf_t capped;
        buf_init(&capped, cap);
        enum pf_err d = form_decode(raw, &capped);
        FU_CHECK(form_decode(raw, &f->value) == PF_EOK);
        FU_CHECK(d == (f->value.len > cap ? PF_ETOOBIG : PF_EOK));
        if (!d)
            FU_CHECK(sv_eq(buf_sv(&capped), buf_sv(&f->value)));
        buf_free(&capped);
    }
    FU_CHECK(e == PF_ENOTFOUND || e == PF_EINVAL || e == PF_ETOOBIG);
    FU_CHECK(form_error(&r) && *form_error(&r));
    /* Errors stick; the end stays the end. */
    FU_CHECK(form_next(&r, &name, &raw) == e);
    fs->err = e;
    if (e != PF_ENOTFOUND)
        fields_free(fs);
    buf_free(&name);
}

static bool same(const struct fields *a, const struct fields *b)
{
    if (a->err != b->err || a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (!sv_eq(buf_sv(&a->f[i].name), buf_sv(&b->f[i].name)) ||
            !sv_eq(buf_sv(&a->f[i].value), buf_sv(&b->f[i].value)))
            return false;
    return true;
}

/* The canonical encoding: letters and digits as they are, a space as '+',
 * every other byte as %XX. */
static void encode(sv_t s, buf_t *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            FU_CHECK(buf_append(out, &s.p[i], 1) == PF_EOK);
        else if (c == ' ')
            FU_CHECK(buf_append_str(out, "+") == PF_EOK);
        else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            FU_CHECK(buf_append(out, e, 3) == PF_EOK);
        }
    }
}

static struct fields got, want, again;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cap = 1 + (size_t)data[0] * 8;
    const char *body = (const char *)data + 1;
    size_t n = size - 1;

    form_read(body, n, cap, &got);
    ref_read(body, n, &want);
    FU_CHECK(same(&got, &want));

    if (got.err == PF_ENOTFOUND) {
        buf_t enc;
        buf_init(&enc, 1 << 26);
        for (size_t i = 0; i < got.n; i++) {
            if (i)
                FU_CHECK(buf_append_str(&enc, "&") == PF_EOK);
            encode(buf_sv(&got.f[i].name), &enc);
            FU_CHECK(buf_append_str(&enc, "=") == PF_EOK);
            encode(buf_sv(&got.f[i].value), &enc);
        }
        form_read(enc.p ? enc.p : "", enc.len, cap, &again);
        /* An empty name with an empty value encodes as "=", still a pair. */
        FU_CHECK(same(&got, &again));
        fields_free(&again);
        buf_free(&enc);
    }
    fields_free(&got);
    fields_free(&want);

    char *ct = fu_cstr(body, n);
    if (form_is_urlencoded(ct)) {
        sv_t t = sv_cstr(ct);
        long semi = sv_index(t, ';');
        sv_t head = sv_trim(semi < 0 ? t : sv_make(t.p, (size_t)semi));
        FU_CHECK(sv_ieq(head, SV_LIT("application/x-www-form-urlencoded")));
    }
    free(ct);
    return 0;
}
