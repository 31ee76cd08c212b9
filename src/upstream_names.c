/* SPDX-License-Identifier: MIT */
/* upstream_names.c: which project names may be looked up on the upstream index. */
#include "config.h"
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ascii.h"
#include "filewatch.h"
#include "hmap.h"
#include "log.h"
#include "name.h"
#include "upstream_names.h"

struct up_patterns {
    char **v;     /* the patterns in the order read, each pointing into store */
    size_t n;
    char *store;  /* the normalized patterns, NUL-terminated, one after the other */
    size_t used, size;
    hmap_t exact; /* the patterns without wildcards, for one lookup per name */
    size_t nglob; /* patterns with wildcards */
};

static bool is_sep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

static bool is_wild(char c)
{
    return c == '*' || c == '?';
}

enum pf_err up_pattern_normalize(sv_t pat, char *out, size_t outsz, buf_t *why)
{
    if (pat.len == 0)
        return buf_reject(why, "empty pattern");
    if (pat.len > UPN_MAX_PATTERN)
        return buf_reject(why, "pattern of %zu bytes, over the cap of %d", pat.len, UPN_MAX_PATTERN);
    for (size_t i = 0; i < pat.len; i++) {
        unsigned char c = (unsigned char)pat.p[i];
        if (ascii_isalnum((char)c) || is_sep((char)c) || is_wild((char)c))
            continue;
        if (c > 0x20 && c < 0x7f)
            return buf_reject(why, "'%c' (byte %zu) is not allowed in a pattern: only letters, digits, '-', '_', "
                              "'.', '*' and '?' are", (char)c, i + 1);
        return buf_reject(why, "byte 0x%02x (byte %zu) is not allowed in a pattern: only letters, digits, '-', "
                          "'_', '.', '*' and '?' are", c, i + 1);
    }
    if (is_sep(pat.p[0]) || is_sep(pat.p[pat.len - 1]))
        return buf_reject(why, "the pattern starts or ends with '-', '_' or '.', so no normalized project name "
                          "matches it");
    /* name_normalize lowers letters and folds each run of separators; it
     * leaves '*' and '?' as they are. */
    if (name_normalize(pat, out, outsz) == 0)
        return buf_reject(why, "pattern too long for its buffer");
    return PF_EOK;
}

void up_patterns_free(struct up_patterns *p)
{
    if (!p)
        return;
    hmap_free(&p->exact);
    free(p->v);
    free(p->store);
    free(p);
}

/* An empty list with room for n patterns of bytes bytes in all (NULs
 * included). */
static struct up_patterns *patterns_new(size_t n, size_t bytes)
{
    struct up_patterns *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    hmap_init(&p->exact);
    p->size = bytes ? bytes : 1;
    if (!(p->v = calloc(n ? n : 1, sizeof *p->v)) || !(p->store = malloc(p->size))) {
        up_patterns_free(p);
        return NULL;
    }
    return p;
}

/* Normalizes pat into the store and adds it. PF_EINVAL with why set for a
 * refused pattern. The room was counted by patterns_new's caller. */
static enum pf_err patterns_add(struct up_patterns *p, sv_t pat, buf_t *why)
{
    char *to = p->store + p->used;
    enum pf_err e = up_pattern_normalize(pat, to, p->size - p->used, why);
    if (e)
        return e;
    size_t len = strlen(to);
    if (strpbrk(to, "*?"))
        p->nglob++;
    else if (!hmap_get(&p->exact, sv_make(to, len)) && hmap_put(&p->exact, sv_make(to, len), to))
        return PF_ENOMEM;
    p->v[p->n++] = to;
    p->used += len + 1;
    return PF_EOK;
}

/* Moves *rest past the next pattern line and sets *pat to its pattern
 * (CR of a CRLF, blanks around it removed); *lineno counts the lines
 * passed. False at the end of the text. */
static bool next_pattern(sv_t *rest, unsigned long *lineno, sv_t *pat)
{
    while (rest->len) {
        sv_t line = sv_split(rest, '\n');
        ++*lineno;
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        line = sv_trim(line);
        if (line.len == 0 || line.p[0] == '#')
            continue;
        *pat = line;
        return true;
    }
    return false;
}

enum pf_err up_patterns_parse(const char *text, size_t len, const char *origin, struct up_patterns **out,
                              buf_t *err)
{
    if (len > UPN_MAX_FILE) {
        buf_reset(err);
        (void)buf_printf(err, "%s: %zu bytes, over the cap of %zu bytes for a claims file", origin, len,
                         UPN_MAX_FILE);
        return PF_ETOOBIG;
    }
    /* Count first, so that the cap holds before anything is kept. */
    sv_t rest = sv_make(text, len), pat;
    unsigned long lineno = 0;
    size_t count = 0;
    while (next_pattern(&rest, &lineno, &pat))
        if (++count > UPN_MAX_PATTERNS) {
            buf_reset(err);
            (void)buf_printf(err, "%s:%lu: more than %d patterns, the cap of a claims file", origin, lineno,
                             UPN_MAX_PATTERNS);
            return PF_ETOOBIG;
        }
    /* A normalized pattern is never longer than the line it came from,
     * and each line has a '\n' or is the last: len + 1 bytes hold all. */
    struct up_patterns *p = patterns_new(count, len + 1);
    if (!p)
        return PF_ENOMEM;
    buf_t why;
    buf_init(&why, UPN_MAX_MSG);
    enum pf_err e = PF_EOK;
    rest = sv_make(text, len);
    lineno = 0;
    while (next_pattern(&rest, &lineno, &pat))
        if ((e = patterns_add(p, pat, &why))) {
            if (e == PF_EINVAL) {
                buf_reset(err);
                (void)buf_printf(err, "%s:%lu: %s", origin, lineno, why.p ? why.p : "");
            }
            break;
        }
    buf_free(&why);
    if (e) {
        up_patterns_free(p);
        return e;
    }
    *out = p;
    return PF_EOK;
}

enum pf_err up_patterns_from_list(const char *const *values, size_t count, const char *label,
                                  struct up_patterns **out, buf_t *err)
{
    char shown[64];
    if (count > UPN_MAX_PATTERNS) {
        buf_reset(err);
        (void)buf_printf(err, "%s: %zu patterns, over the cap of %d", label, count, UPN_MAX_PATTERNS);
        return PF_ETOOBIG;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < count; i++)
        bytes += strnlen(values[i], UPN_MAX_PATTERN + 1) + 1;
    struct up_patterns *p = patterns_new(count, bytes);
    if (!p)
        return PF_ENOMEM;
    buf_t why;
    buf_init(&why, UPN_MAX_MSG);
    enum pf_err e = PF_EOK;
    for (size_t i = 0; i < count && !e; i++) {
        sv_t v = sv_make(values[i], strnlen(values[i], UPN_MAX_PATTERN + 1));
        if ((e = patterns_add(p, v, &why)) == PF_EINVAL) {
            buf_reset(err);
            (void)buf_printf(err, "%s '%s%s': %s", label, log_safe(v, shown, sizeof shown),
                             v.len >= sizeof shown ? "..." : "", why.p ? why.p : "");
        }
    }
    buf_free(&why);
    if (e) {
        up_patterns_free(p);
        return e;
    }
    *out = p;
    return PF_EOK;
}

size_t up_patterns_count(const struct up_patterns *p)
{
    return p ? p->n : 0;
}

const char *up_patterns_at(const struct up_patterns *p, size_t i)
{
    return p && i < p->n ? p->v[i] : NULL;
}

const char *up_patterns_match(const struct up_patterns *p, const char *norm)
{
    if (!p || !norm)
        return NULL;
    const char *hit = hmap_get(&p->exact, sv_cstr(norm));
    if (hit || p->nglob == 0)
        return hit;
    for (size_t i = 0; i < p->n; i++)
        if (strpbrk(p->v[i], "*?") && fnmatch(p->v[i], norm, 0) == 0)
            return p->v[i];
    return NULL;
}

const char *up_name_verdict_name(enum up_name_verdict v)
{
    switch (v) {
    case UP_NAME_UPSTREAM_OK:
        return "upstream-ok";
    case UP_NAME_CLAIMED:
        return "claimed";
    case UP_NAME_DENIED:
        return "denied";
    case UP_NAME_NOT_ALLOWED:
        return "not-allowed";
    case UP_NAME_INVALID:
        break;
    }
    return "invalid";
}

static enum up_name_verdict said(enum up_name_verdict v, const char *hit, char *pat, size_t patsz)
{
    if (pat && patsz)
        (void)snprintf(pat, patsz, "%s", hit ? hit : "");
    return v;
}

enum up_name_verdict up_names_verdict(const struct up_patterns *claims, const struct up_patterns *deny,
                                      const struct up_patterns *allow, const char *name, char *pat,
                                      size_t patsz)
{
    char norm[NAME_MAX_LEN + 1];
    const char *hit;
    size_t len = name ? strnlen(name, NAME_MAX_LEN + 1) : 0;
    if (!name || !name_is_valid(sv_make(name, len)) || name_normalize(sv_make(name, len), norm, sizeof norm) == 0)
        return said(UP_NAME_INVALID, NULL, pat, patsz);
    if ((hit = up_patterns_match(claims, norm)))
        return said(UP_NAME_CLAIMED, hit, pat, patsz);
    if ((hit = up_patterns_match(deny, norm)))
        return said(UP_NAME_DENIED, hit, pat, patsz);
    if (up_patterns_count(allow) == 0)
        return said(UP_NAME_UPSTREAM_OK, NULL, pat, patsz);
    if ((hit = up_patterns_match(allow, norm)))
        return said(UP_NAME_UPSTREAM_OK, hit, pat, patsz);
    return said(UP_NAME_NOT_ALLOWED, NULL, pat, patsz);
}

struct up_names {
    struct filewatch *claims; /* NULL: no claims file */
    struct up_patterns *allow, *deny;
};

/* filewatch's parse function has no room for a message: the first read
 * happens in up_names_open, on its thread, which points this at its
 * caller's err for the reason; later reads log it. */
static _Thread_local buf_t *claims_open_err;

static enum pf_err claims_parse(const char *text, size_t len, const char *origin, void **out)
{
    struct up_patterns *p = NULL;
    buf_t err;
    buf_init(&err, UPN_MAX_MSG + strlen(origin) + 64);
    enum pf_err e = up_patterns_parse(text, len, origin, &p, &err);
    if (!e) {
        LOG(LOG_INFO, "%s: %zu claimed name patterns", origin, p->n);
        *out = p;
    } else if (claims_open_err && err.len) {
        buf_reset(claims_open_err);
        (void)buf_append_sv(claims_open_err, buf_sv(&err));
    } else if (err.len) {
        LOG(LOG_WARN, "%s", err.p);
    }
    buf_free(&err);
    return e;
}

static void claims_free(void *p)
{
    up_patterns_free(p);
}

enum pf_err up_names_open(const struct up_names_conf *c, struct up_names **out, buf_t *err)
{
    enum pf_err e;
    struct up_names *n = calloc(1, sizeof *n);
    if (!n)
        return PF_ENOMEM;
    if ((e = up_patterns_from_list(c->allow, c->nallow, c->allow_label ? c->allow_label : "allow", &n->allow,
                                   err)))
        goto fail;
    if ((e = up_patterns_from_list(c->deny, c->ndeny, c->deny_label ? c->deny_label : "deny", &n->deny, err)))
        goto fail;
    if (c->claims_file) {
        /* The reason a pattern was refused replaces filewatch_open's
         * message, which only names the error code. */
        buf_t why;
        buf_init(&why, err->cap);
        claims_open_err = &why;
        e = filewatch_open(c->claims_file, claims_parse, claims_free, &n->claims, err);
        claims_open_err = NULL;
        if (e && why.len) {
            buf_reset(err);
            (void)buf_append_sv(err, buf_sv(&why));
        }
        buf_free(&why);
        if (e)
            goto fail;
    }
    *out = n;
    return PF_EOK;
fail:
    up_names_close(n);
    return e;
}

enum up_name_verdict up_names_decide_why(const struct up_names *n, const char *name, char *pat, size_t patsz)
{
    if (!n->claims)
        return up_names_verdict(NULL, n->deny, n->allow, name, pat, patsz);
    struct filewatch_snap *s = filewatch_get(n->claims);
    enum up_name_verdict v = up_names_verdict(filewatch_data(s), n->deny, n->allow, name, pat, patsz);
    filewatch_put(s);
    return v;
}

enum up_name_verdict up_names_decide(const struct up_names *n, const char *name)
{
    return up_names_decide_why(n, name, NULL, 0);
}

size_t up_names_claim_count(const struct up_names *n)
{
    if (!n->claims)
        return 0;
    struct filewatch_snap *s = filewatch_get(n->claims);
    size_t count = up_patterns_count(filewatch_data(s));
    filewatch_put(s);
    return count;
}

void up_names_close(struct up_names *n)
{
    if (!n)
        return;
    filewatch_close(n->claims);
    up_patterns_free(n->allow);
    up_patterns_free(n->deny);
    free(n);
}
