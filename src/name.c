/* SPDX-License-Identifier: MIT */
/* name.c: project names: validation and PEP 503 normalization. */
#include "config.h"
#include "ascii.h"
#include "name.h"

static inline bool is_sep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

bool name_is_valid(sv_t name)
{
    /* Core metadata Name: ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])\Z with
     * IGNORECASE. \Z, unlike $, does not allow a trailing newline. */
    if (name.len == 0 || name.len > NAME_MAX_LEN)
        return false;
    if (!ascii_isalnum(name.p[0]) || !ascii_isalnum(name.p[name.len - 1]))
        return false;
    for (size_t i = 1; i + 1 < name.len; i++)
        if (!ascii_isalnum(name.p[i]) && !is_sep(name.p[i]))
            return false;
    return true;
}

size_t name_normalize(sv_t name, char *out, size_t outsz)
{
    size_t n = 0;

    if (outsz == 0)
        return 0;
    out[0] = '\0';
    for (size_t i = 0; i < name.len;) {
        char c;
        if (is_sep(name.p[i])) {
            /* re.sub(r"[-_.]+", "-", name): a whole run becomes one '-'. */
            while (i < name.len && is_sep(name.p[i]))
                i++;
            c = '-';
        } else {
            c = ascii_tolower(name.p[i++]);
        }
        if (n + 1 >= outsz) {
            out[0] = '\0';
            return 0;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

bool name_is_normalized(sv_t name)
{
    /* ^[a-z0-9]+(-[a-z0-9]+)*$ (packaging's _normalized_regex), but without
     * the trailing newline that Python's $ would let through. */
    if (name.len == 0 || name.p[0] == '-' || name.p[name.len - 1] == '-')
        return false;
    for (size_t i = 0; i < name.len; i++) {
        char c = name.p[i];
        if (c == '-') {
            if (name.p[i - 1] == '-')
                return false;
        } else if (!(ascii_isdigit(c) || ascii_islower(c))) {
            return false;
        }
    }
    return true;
}
