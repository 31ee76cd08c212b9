/* SPDX-License-Identifier: MIT */
/* accept.c: Accept-header negotiation (PEP 691; docs/protocols.md, section "Accept negotiation (PEP 691)"). */
#include "config.h"
#include <string.h>
#include "accept.h"

static const struct {
    const char *type, *subtype;
} offers[3] = {
    { "text", "html" },
    { "application", "vnd.pypi.simple.v1+html" },
    { "application", "vnd.pypi.simple.v1+json" },
};

/* Parses a q-value: "0", "1", "0.x" (up to 3 decimals) or "1.000".
 * Returns thousandths (0..1000), or -1 when malformed. */
static int parse_q(sv_t v)
{
    if (v.len == 0 || v.len > 5 || (v.p[0] != '0' && v.p[0] != '1'))
        return -1;
    int q = (v.p[0] - '0') * 1000;
    if (v.len == 1)
        return q;
    if (v.p[1] != '.')
        return -1;
    int scale = 100;
    for (size_t i = 2; i < v.len; i++, scale /= 10) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return -1;
        q += (v.p[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

enum accept_type accept_negotiate(const char *header)
{
    /* q per offer and the specificity of the range that set it:
     * 0 none, 1 any type, 2 any subtype of the type, 3 exact. */
    int q[3] = { 0, 0, 0 }, spec[3] = { 0, 0, 0 };
    sv_t h = sv_cstr(header);
    if (h.len > ACCEPT_MAX_LEN) {
        h.len = ACCEPT_MAX_LEN;
        long cut = -1;
        for (size_t i = 0; i < h.len; i++)
            if (h.p[i] == ',')
                cut = (long)i;
        h.len = cut < 0 ? 0 : (size_t)cut;
    }
    if (sv_trim(h).len == 0)
        h = SV_LIT("*/*");
    for (int n = 0; h.len && n < ACCEPT_MAX_ELEMENTS; n++) {
        sv_t elem = sv_split(&h, ',');
        sv_t range = sv_trim(sv_split(&elem, ';'));
        int qv = 1000, bad = 0;
        while (elem.len) {
            sv_t param = sv_split(&elem, ';');
            long eq = sv_index(param, '=');
            if (eq < 0)
                continue;
            sv_t key = sv_trim(sv_make(param.p, (size_t)eq));
            if (sv_ieq(key, SV_LIT("q"))) {
                qv = parse_q(sv_trim(sv_make(param.p + eq + 1, param.len - (size_t)eq - 1)));
                if (qv < 0)
                    bad = 1;
            }
        }
        long slash = sv_index(range, '/');
        if (bad || slash <= 0 || (size_t)slash + 1 >= range.len)
            continue;
        sv_t type = sv_make(range.p, (size_t)slash);
        sv_t sub = sv_make(range.p + slash + 1, range.len - (size_t)slash - 1);
        if (sv_ieq(type, SV_LIT("application"))) {
            if (sv_ieq(sub, SV_LIT("vnd.pypi.simple.latest+json")))
                sub = SV_LIT("vnd.pypi.simple.v1+json");
            else if (sv_ieq(sub, SV_LIT("vnd.pypi.simple.latest+html")))
                sub = SV_LIT("vnd.pypi.simple.v1+html");
        }
        for (int o = 0; o < 3; o++) {
            int s;
            if (sv_eq(type, SV_LIT("*")) && sv_eq(sub, SV_LIT("*")))
                s = 1;
            else if (!sv_ieq(type, sv_cstr(offers[o].type)))
                continue;
            else if (sv_eq(sub, SV_LIT("*")))
                s = 2;
            else if (sv_ieq(sub, sv_cstr(offers[o].subtype)))
                s = 3;
            else
                continue;
            /* The most specific range decides; among equally specific
             * ones (a repeated range) the highest q counts. */
            if (s > spec[o] || (s == spec[o] && qv > q[o])) {
                spec[o] = s;
                q[o] = qv;
            }
        }
    }
    enum accept_type best = ACCEPT_NONE;
    int bestq = 0;
    for (int o = 0; o < 3; o++)
        if (q[o] > bestq) {
            bestq = q[o];
            best = (enum accept_type)o;
        }
    return best;
}

const char *accept_content_type(enum accept_type t)
{
    switch (t) {
    case ACCEPT_TEXT_HTML: return "text/html; charset=utf-8";
    case ACCEPT_V1_HTML: return "application/vnd.pypi.simple.v1+html";
    case ACCEPT_V1_JSON: return "application/vnd.pypi.simple.v1+json";
    default: return "text/plain; charset=utf-8";
    }
}
