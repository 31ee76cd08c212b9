/* SPDX-License-Identifier: MIT */
/* version.c: PEP 440 versions: parsing, normalized form, ordering. */
#include "config.h"
#include <string.h>
#include "ascii.h"
#include "version.h"

/* The grammar, ordering and normal form follow packaging's Version (the
 * reference implementation that pip vendors). What that means:
 * docs/protocols.md, section "Versions"; the cases: test_version.c. */

static inline bool is_sep(char c) { return c == '-' || c == '_' || c == '.'; }

/* [ \t\n\r\f\v], the whitespace packaging strips. Python's strip() would
 * also take \x1c-\x1f and Unicode spaces; bytes that may not even be UTF-8
 * are not worth guessing at, so those are left to fail. See
 * docs/protocols.md, section "Parsing and normal form". */
static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Reads [0-9]+ at *pp into n, leading zeros dropped. Numbers are unbounded
 * in PEP 440 (Python int), so they stay digit strings and are never
 * converted to a machine integer. */
static bool take_num(const char **pp, const char *end, vnum_t *n)
{
    const char *p = *pp;
    if (p == end || !ascii_isdigit(*p))
        return false;
    while (p < end && *p == '0')
        p++;
    const char *digits = p;
    while (p < end && ascii_isdigit(*p))
        p++;
    /* The input is capped at VERSION_MAX_LEN, far below USHRT_MAX. */
    n->p = digits;
    n->len = (unsigned short)(p - digits);
    *pp = p;
    return true;
}

/* An optional number: absent means 0 ("1.0a" is "1.0a0"). */
static void take_opt_num(const char **pp, const char *end, vnum_t *n)
{
    if (!take_num(pp, end, n)) {
        n->p = *pp;
        n->len = 0;
    }
}

static void take_opt_sep(const char **pp, const char *end)
{
    if (*pp < end && is_sep(**pp))
        (*pp)++;
}

/* Case-insensitive literal (w is lowercase). */
static bool take_word(const char **pp, const char *end, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(end - *pp) < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_tolower((*pp)[i]) != w[i])
            return false;
    *pp += n;
    return true;
}

struct keyword {
    const char *word;
    int value;
};

/* Longer spellings come first so that "alpha" is not read as "a" + "lpha".
 * Matching greedily is then exact: no shorter spelling could leave a rest
 * that the grammar accepts, so the regex's backtracking never helps. */
static const struct keyword pre_words[] = {
    { "alpha", VERSION_PRE_A }, { "a", VERSION_PRE_A },
    { "beta", VERSION_PRE_B },  { "b", VERSION_PRE_B },
    { "preview", VERSION_PRE_RC }, { "pre", VERSION_PRE_RC },
    { "rc", VERSION_PRE_RC },   { "c", VERSION_PRE_RC },
};
static const struct keyword post_words[] = {
    { "post", 0 }, { "rev", 0 }, { "r", 0 },
};
static const struct keyword dev_words[] = { { "dev", 0 } };

#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))

static const struct keyword *take_keyword(const char **pp, const char *end,
                                          const struct keyword *kw, size_t nkw)
{
    for (size_t i = 0; i < nkw; i++)
        if (take_word(pp, end, kw[i].word))
            return &kw[i];
    return NULL;
}

/* One of the optional "[-_.]? word [-_.]? N?" segments. On a miss nothing
 * is consumed, so the separator is left for the next segment to try. */
static const struct keyword *take_labelled(const char **pp, const char *end,
                                           const struct keyword *kw, size_t nkw,
                                           vnum_t *n)
{
    const char *p = *pp;
    take_opt_sep(&p, end);
    const struct keyword *k = take_keyword(&p, end, kw, nkw);
    if (!k)
        return NULL;
    /* A separator eaten here with no number after it cannot be wanted by
     * what follows: the implicit post "-N" would need those digits, and
     * they would then have been this segment's number. */
    take_opt_sep(&p, end);
    take_opt_num(&p, end, n);
    *pp = p;
    return k;
}

static bool all_digits(sv_t s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!ascii_isdigit(s.p[i]))
            return false;
    return true;
}

/* A local segment made of digits, as a number without its leading zeros. */
static vnum_t local_num(sv_t s)
{
    while (s.len && s.p[0] == '0')
        s.p++, s.len--;
    /* Segments point into a parsed string of at most VERSION_MAX_LEN bytes. */
    return (vnum_t){ s.p, (unsigned short)s.len };
}

static unsigned clamp_parts(unsigned n)
{
    return n > VERSION_MAX_PARTS ? VERSION_MAX_PARTS : n;
}

static const char *const pre_names[] = { "a", "b", "rc" };

/* Digits a number takes in the normal form: zero is written "0". */
static size_t num_len(vnum_t n) { return n.len ? n.len : 1; }

/* The length of the normal form version_normalize writes. */
static size_t normal_len(const version_t *v)
{
    size_t n = 0;
    unsigned nr = clamp_parts(v->nrelease), nl = clamp_parts(v->nlocal);

    if (v->epoch.len)
        n += v->epoch.len + 1;
    for (unsigned i = 0; i < nr; i++)
        n += (i > 0) + num_len(v->release[i]);
    if (v->pre_kind >= VERSION_PRE_A && v->pre_kind <= VERSION_PRE_RC)
        n += strlen(pre_names[v->pre_kind]) + num_len(v->pre);
    if (v->has_post)
        n += strlen(".post") + num_len(v->post);
    if (v->has_dev)
        n += strlen(".dev") + num_len(v->dev);
    for (unsigned i = 0; i < nl; i++)
        n += 1 + (all_digits(v->local[i]) ? num_len(local_num(v->local[i])) : v->local[i].len);
    return n;
}

enum pf_err version_parse(sv_t s, version_t *v)
{
    while (s.len && is_space(s.p[0]))
        s.p++, s.len--;
    while (s.len && is_space(s.p[s.len - 1]))
        s.len--;
    if (s.len == 0 || s.len > VERSION_MAX_LEN)
        return PF_EINVAL;

    const char *p = s.p, *end = s.p + s.len;
    const struct keyword *k;
    vnum_t n;

    v->epoch = (vnum_t){ p, 0 };
    v->nrelease = 0;
    v->pre_kind = VERSION_PRE_NONE;
    v->pre = v->post = v->dev = (vnum_t){ p, 0 };
    v->has_post = v->has_dev = false;
    v->nlocal = 0;

    if (ascii_tolower(*p) == 'v')
        p++;

    if (!take_num(&p, end, &n))
        return PF_EINVAL;
    if (p < end && *p == '!') {
        v->epoch = n;
        p++;
        if (!take_num(&p, end, &n))
            return PF_EINVAL;
    }
    v->release[v->nrelease++] = n;
    while (p + 1 < end && p[0] == '.' && ascii_isdigit(p[1])) {
        if (v->nrelease == VERSION_MAX_PARTS)
            return PF_EINVAL;
        p++;
        (void)take_num(&p, end, &v->release[v->nrelease++]);
    }

    k = take_labelled(&p, end, pre_words, NWORDS(pre_words), &v->pre);
    if (k)
        v->pre_kind = (enum version_pre)k->value;

    if (p + 1 < end && p[0] == '-' && ascii_isdigit(p[1])) {
        /* The implicit post release "1.0-1"; "1.0-" alone is invalid. */
        p++;
        (void)take_num(&p, end, &v->post);
        v->has_post = true;
    } else if (take_labelled(&p, end, post_words, NWORDS(post_words), &v->post)) {
        v->has_post = true;
    }

    if (take_labelled(&p, end, dev_words, NWORDS(dev_words), &v->dev))
        v->has_dev = true;

    if (p < end && *p == '+') {
        /* Local: [a-z0-9]+ ([-_.] [a-z0-9]+)*, to the end of the string. */
        p++;
        for (;;) {
            const char *seg = p;
            while (p < end && ascii_isalnum(*p))
                p++;
            if (p == seg || v->nlocal == VERSION_MAX_PARTS)
                return PF_EINVAL;
            v->local[v->nlocal++] = sv_make(seg, (size_t)(p - seg));
            if (p == end)
                break;
            if (!is_sep(*p))
                return PF_EINVAL;
            p++;
        }
    }

    if (p != end)
        return PF_EINVAL;
    /* The normal form can be longer than the input ("1-1" is "1.post1").
     * Capping it too means a stored normal form always parses again. */
    return normal_len(v) <= VERSION_MAX_LEN ? PF_EOK : PF_EINVAL;
}

static int vnum_cmp(vnum_t a, vnum_t b)
{
    if (a.len != b.len)
        return a.len < b.len ? -1 : 1;
    if (a.len == 0)
        return 0;
    int c = memcmp(a.p, b.p, a.len);
    return (c > 0) - (c < 0);
}

/* packaging compares local segments as (int, "") for numbers and
 * (-inf, str.lower()) otherwise: any number beats any word. */
static int local_seg_cmp(sv_t a, sv_t b)
{
    bool na = all_digits(a), nb = all_digits(b);
    if (na != nb)
        return na ? 1 : -1;
    if (na)
        return vnum_cmp(local_num(a), local_num(b));
    for (size_t i = 0; i < a.len && i < b.len; i++) {
        unsigned char ca = (unsigned char)ascii_tolower(a.p[i]);
        unsigned char cb = (unsigned char)ascii_tolower(b.p[i]);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return a.len == b.len ? 0 : a.len < b.len ? -1 : 1;
}

/* Where the pre segment sorts: packaging puts a bare dev release
 * ("1.0.dev0", no pre and no post) before every pre-release of 1.0, and a
 * final release after them. */
enum pre_class { PRE_NEG_INF, PRE_VALUE, PRE_POS_INF };

static enum pre_class pre_class(const version_t *v)
{
    if (v->pre_kind != VERSION_PRE_NONE)
        return PRE_VALUE;
    if (!v->has_post && v->has_dev)
        return PRE_NEG_INF;
    return PRE_POS_INF;
}

int version_cmp(const version_t *a, const version_t *b)
{
    int c;

    if ((c = vnum_cmp(a->epoch, b->epoch)) != 0)
        return c;

    /* Release with trailing zeros removed, so 1 == 1.0 == 1.0.0; then a
     * shorter release that is a prefix of a longer one sorts first. */
    unsigned na = clamp_parts(a->nrelease), nb = clamp_parts(b->nrelease);
    while (na && a->release[na - 1].len == 0)
        na--;
    while (nb && b->release[nb - 1].len == 0)
        nb--;
    for (unsigned i = 0; i < na && i < nb; i++)
        if ((c = vnum_cmp(a->release[i], b->release[i])) != 0)
            return c;
    if (na != nb)
        return na < nb ? -1 : 1;

    enum pre_class pa = pre_class(a), pb = pre_class(b);
    if (pa != pb)
        return pa < pb ? -1 : 1;
    if (pa == PRE_VALUE) {
        if (a->pre_kind != b->pre_kind)
            return a->pre_kind < b->pre_kind ? -1 : 1;
        if ((c = vnum_cmp(a->pre, b->pre)) != 0)
            return c;
    }

    /* No post sorts before any post; no dev sorts after any dev. */
    if (a->has_post != b->has_post)
        return a->has_post ? 1 : -1;
    if (a->has_post && (c = vnum_cmp(a->post, b->post)) != 0)
        return c;
    if (a->has_dev != b->has_dev)
        return a->has_dev ? -1 : 1;
    if (a->has_dev && (c = vnum_cmp(a->dev, b->dev)) != 0)
        return c;

    /* No local sorts before any local; then segment by segment, and a list
     * that is a prefix of the other sorts first. */
    unsigned la = clamp_parts(a->nlocal), lb = clamp_parts(b->nlocal);
    for (unsigned i = 0; i < la && i < lb; i++)
        if ((c = local_seg_cmp(a->local[i], b->local[i])) != 0)
            return c;
    return la == lb ? 0 : la < lb ? -1 : 1;
}

static void put_num(buf_t *out, vnum_t n)
{
    if (n.len)
        (void)buf_append(out, n.p, n.len);
    else
        (void)buf_append_char(out, '0');
}

/* Appends v's normal form; a failure sticks to out, which is returned. */
static enum pf_err put_all(const version_t *v, buf_t *out)
{
    if (v->epoch.len) {
        put_num(out, v->epoch);
        (void)buf_append_char(out, '!');
    }
    unsigned nr = clamp_parts(v->nrelease);
    for (unsigned i = 0; i < nr; i++) {
        if (i)
            (void)buf_append_char(out, '.');
        put_num(out, v->release[i]);
    }
    if (v->pre_kind >= VERSION_PRE_A && v->pre_kind <= VERSION_PRE_RC) {
        (void)buf_append_str(out, pre_names[v->pre_kind]);
        put_num(out, v->pre);
    }
    if (v->has_post) {
        (void)buf_append_str(out, ".post");
        put_num(out, v->post);
    }
    if (v->has_dev) {
        (void)buf_append_str(out, ".dev");
        put_num(out, v->dev);
    }
    unsigned nl = clamp_parts(v->nlocal);
    for (unsigned i = 0; i < nl; i++) {
        sv_t seg = v->local[i];
        (void)buf_append_char(out, i ? '.' : '+');
        /* str(Version) prints numeric local segments through int(). */
        if (all_digits(seg))
            put_num(out, local_num(seg));
        else
            for (size_t j = 0; j < seg.len && !buf_err(out); j++)
                (void)buf_append_char(out, ascii_tolower(seg.p[j]));
    }
    return buf_err(out);
}

enum pf_err version_normalize(const version_t *v, buf_t *out)
{
    size_t start = out->len;
    enum pf_err e = put_all(v, out);
    if (e) {
        /* All or nothing: a half-written version must not reach a page. */
        out->len = start;
        if (out->p)
            out->p[start] = '\0';
    }
    return e;
}

bool version_is_prerelease(const version_t *v)
{
    return v->pre_kind != VERSION_PRE_NONE || v->has_dev;
}
