/* SPDX-License-Identifier: MIT */
/* acl.c: the upload ACL file: which users may upload to which projects. */
#include "config.h"
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "acl.h"
#include "ascii.h"
#include "grantfile.h"
#include "hmap.h"
#include "log.h"
#include "name.h"
#include "sv.h"
#include "vec.h"

#define PF_STR_(x) #x
#define PF_STR(x) PF_STR_(x)

/* Normalized glob patterns. */
struct patterns {
    char **v;
    size_t n, alloc;
};

/* The patterns of every rule of one user. */
struct user_rules {
    struct patterns pats;
    char name[];
};

struct acl {
    hmap_t users; /* user name -> struct user_rules */
    struct user_rules **v;
    size_t nusers, alloc;
    struct patterns any; /* the '*' rules */
    size_t nrules;
};

static void patterns_free(struct patterns *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* Moves the patterns of from to the end of to; from is left empty. */
static enum pf_err patterns_move(struct patterns *to, struct patterns *from)
{
    if (to->n + from->n > to->alloc) {
        size_t na = to->alloc ? to->alloc : 4;
        while (na < to->n + from->n)
            na *= 2;
        char **nv = realloc(to->v, na * sizeof *nv);
        if (!nv)
            return PF_ENOMEM;
        to->v = nv;
        to->alloc = na;
    }
    memcpy(to->v + to->n, from->v, from->n * sizeof *from->v);
    to->n += from->n;
    from->n = 0;
    return PF_EOK;
}

static enum pf_err patterns_add(struct patterns *p, char *pat)
{
    struct patterns one = { &pat, 1, 1 };
    return patterns_move(p, &one);
}

/* Characters of project names, and those of fnmatch globs. */
static bool pattern_char(char c)
{
    return ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*' || c == '?' || c == '[' || c == ']' || c == '!' || c == '^';
}

static bool pattern_sep(char c)
{
    return c == ' ' || c == '\t' || c == ',';
}

void acl_free(struct acl *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nusers; i++) {
        patterns_free(&a->v[i]->pats);
        free(a->v[i]);
    }
    free(a->v);
    patterns_free(&a->any);
    hmap_free(&a->users);
    free(a);
}

/* The rules of user, created empty when the user has none yet. */
static enum pf_err user_rules(struct acl *a, sv_t user, struct user_rules **out)
{
    struct user_rules *u = hmap_get(&a->users, user);
    if (u) {
        *out = u;
        return PF_EOK;
    }
    if (vec_reserve(&a->v, &a->alloc, a->nusers, sizeof *a->v, 16))
        return PF_ENOMEM;
    if (!(u = calloc(1, sizeof *u + user.len + 1)))
        return PF_ENOMEM;
    memcpy(u->name, user.p, user.len);
    u->name[user.len] = '\0';
    if (hmap_put(&a->users, sv_make(u->name, user.len), u)) {
        free(u);
        return PF_ENOMEM;
    }
    a->v[a->nusers++] = u;
    *out = u;
    return PF_EOK;
}

/* The line without its comment: '#' at its start or after a blank. */
static sv_t strip_comment(sv_t line)
{
    for (size_t i = 0; i < line.len; i++)
        if (line.p[i] == '#' && (i == 0 || line.p[i - 1] == ' ' || line.p[i - 1] == '\t'))
            return sv_make(line.p, i);
    return line;
}

/* Parses the patterns of one rule into *pats. Returns PF_EOK, PF_ENOMEM,
 * or PF_EINVAL with *why set for a malformed list. */
static enum pf_err parse_patterns(sv_t s, struct patterns *pats, const char **why)
{
    size_t i = 0;
    while (i < s.len) {
        while (i < s.len && pattern_sep(s.p[i]))
            i++;
        size_t start = i;
        while (i < s.len && !pattern_sep(s.p[i]))
            i++;
        if (i == start)
            break;
        sv_t pat = sv_make(s.p + start, i - start);
        for (size_t k = 0; k < pat.len; k++)
            if (!pattern_char(pat.p[k])) {
                *why = "a pattern has a character that no project name has";
                return PF_EINVAL;
            }
        char *norm = malloc(pat.len + 1);
        if (!norm)
            return PF_ENOMEM;
        (void)name_normalize(pat, norm, pat.len + 1);
        if (patterns_add(pats, norm)) {
            free(norm);
            return PF_ENOMEM;
        }
    }
    if (pats->n == 0) {
        *why = "no project pattern after ':'";
        return PF_EINVAL;
    }
    return PF_EOK;
}

enum pf_err acl_parse(const char *text, size_t len, const char *origin, struct acl **out)
{
    enum pf_err e = PF_EOK;
    struct patterns pats = { 0 };
    struct acl *a = calloc(1, sizeof *a);
    if (!a)
        return PF_ENOMEM;
    hmap_init(&a->users);

    sv_t t = sv_make(text, len);
    for (unsigned long lineno = 1; t.len; lineno++) {
        sv_t line = sv_split(&t, '\n');
        if (line.len > ACL_MAX_LINE) {
            LOG(LOG_WARN, "%s:%lu: line longer than %d bytes; skipped", origin, lineno, ACL_MAX_LINE);
            continue;
        }
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        line = sv_trim(strip_comment(line));
        if (line.len == 0)
            continue;
        if (a->nrules == ACL_MAX_RULES) {
            LOG(LOG_WARN, "%s:%lu: more than %d rules; this line and the rest are ignored", origin, lineno,
                ACL_MAX_RULES);
            break;
        }
        const char *why = NULL;
        long colon = sv_index(line, ':');
        sv_t user = sv_trim(sv_make(line.p, colon < 0 ? 0 : (size_t)colon));
        if (memchr(line.p, '\0', line.len))
            why = "NUL byte in the line";
        else if (colon < 0)
            why = "no ':' after the user";
        else if (user.len == 0)
            why = "no user before ':'";
        else if (user.len > ACL_MAX_USER)
            why = "user name longer than " PF_STR(ACL_MAX_USER) " bytes";
        else if ((e = parse_patterns(sv_make(line.p + colon + 1, line.len - (size_t)colon - 1), &pats, &why))) {
            if (e != PF_EINVAL)
                goto out;
            e = PF_EOK;
        }
        if (why) {
            LOG(LOG_WARN, "%s:%lu: %s; skipped", origin, lineno, why);
            patterns_free(&pats);
            continue;
        }
        struct patterns *to = &a->any;
        if (!sv_eq(user, SV_LIT("*"))) {
            struct user_rules *u;
            if ((e = user_rules(a, user, &u)))
                goto out;
            to = &u->pats;
        }
        if ((e = patterns_move(to, &pats)))
            goto out;
        a->nrules++;
    }
    LOG(LOG_INFO, "%s: %zu upload rules", origin, a->nrules);
    *out = a;
    a = NULL;
out:
    patterns_free(&pats);
    acl_free(a);
    return e;
}

size_t acl_rule_count(const struct acl *a)
{
    return a ? a->nrules : 0;
}

static bool any_match(const struct patterns *p, const char *project)
{
    for (size_t i = 0; i < p->n; i++)
        if (fnmatch(p->v[i], project, 0) == 0)
            return true;
    return false;
}

bool acl_allows(const struct acl *a, const char *user, const char *project)
{
    char norm[NAME_MAX_LEN + 1];
    if (!a || !user || !*user || !project)
        return false;
    size_t plen = strnlen(project, NAME_MAX_LEN + 1);
    if (!name_is_valid(sv_make(project, plen)) || name_normalize(sv_make(project, plen), norm, sizeof norm) == 0)
        return false;
    size_t ulen = strnlen(user, ACL_MAX_USER + 1);
    const struct user_rules *u = ulen <= ACL_MAX_USER ? hmap_get(&a->users, sv_make(user, ulen)) : NULL;
    return (u && any_match(&u->pats, norm)) || any_match(&a->any, norm);
}

GRANTFILE_DEFINE(acl_file, struct acl, acl_parse, acl_free, acl_open, acl_close)

bool acl_file_allows(struct acl_file *f, const char *user, const char *project)
{
    struct filewatch_snap *s = filewatch_get(watch_of(f));
    bool ok = acl_allows(filewatch_data(s), user, project);
    filewatch_put(s);
    return ok;
}
