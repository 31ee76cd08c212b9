/* SPDX-License-Identifier: MIT */
/* pkginfo.c: the fields of a distribution's core metadata (METADATA, PKG-INFO), for the JSON API and search. */
#include "config.h"
#include <stdlib.h>
#include "meta.h"
#include "pkginfo.h"
#include "vec.h"

static const struct {
    const char *field; /* as the core metadata spells it */
    const char *json;  /* as the JSON API names it */
} keys[PKGINFO_NKEYS] = {
    [PKGINFO_NAME] = { "Name", "name" },
    [PKGINFO_VERSION] = { "Version", "version" },
    [PKGINFO_SUMMARY] = { "Summary", "summary" },
    [PKGINFO_DESCRIPTION] = { "Description", "description" },
    [PKGINFO_DESCRIPTION_CONTENT_TYPE] = { "Description-Content-Type", "description_content_type" },
    [PKGINFO_KEYWORDS] = { "Keywords", "keywords" },
    [PKGINFO_HOME_PAGE] = { "Home-page", "home_page" },
    [PKGINFO_DOWNLOAD_URL] = { "Download-URL", "download_url" },
    [PKGINFO_AUTHOR] = { "Author", "author" },
    [PKGINFO_AUTHOR_EMAIL] = { "Author-email", "author_email" },
    [PKGINFO_MAINTAINER] = { "Maintainer", "maintainer" },
    [PKGINFO_MAINTAINER_EMAIL] = { "Maintainer-email", "maintainer_email" },
    [PKGINFO_LICENSE] = { "License", "license" },
    [PKGINFO_LICENSE_EXPRESSION] = { "License-Expression", "license_expression" },
    [PKGINFO_REQUIRES_PYTHON] = { "Requires-Python", "requires_python" },
    [PKGINFO_CLASSIFIERS] = { "Classifier", "classifiers" },
    [PKGINFO_REQUIRES_DIST] = { "Requires-Dist", "requires_dist" },
    [PKGINFO_PROVIDES_EXTRA] = { "Provides-Extra", "provides_extra" },
    [PKGINFO_PROJECT_URLS] = { "Project-URL", "project_urls" },
    [PKGINFO_PLATFORM] = { "Platform", "platform" },
    [PKGINFO_DYNAMIC] = { "Dynamic", "dynamic" },
    [PKGINFO_LICENSE_FILES] = { "License-File", "license_files" },
};

const char *pkginfo_key_name(enum pkginfo_key k)
{
    return k < PKGINFO_NKEYS ? keys[k].json : "";
}

static int key_of(sv_t field)
{
    for (int k = 0; k < PKGINFO_NKEYS; k++)
        if (sv_ieq(field, sv_cstr(keys[k].field)))
            return k;
    return -1;
}

enum pf_err pkginfo_parse(sv_t md, struct pkginfo *out)
{
    *out = (struct pkginfo){ 0 };
    size_t cap = 0;
    sv_t name, value;
    while (meta_next(&md, &name, &value)) {
        int k = key_of(name);
        if (k < 0)
            continue;
        if (k < PKGINFO_NSINGLE) {
            if (!out->single[k].p)
                out->single[k] = value;
            continue;
        }
        if (out->nmulti == PKGINFO_MAX_VALUES) {
            out->dropped++;
            continue;
        }
        if (vec_reserve(&out->multi, &cap, out->nmulti, sizeof *out->multi, 16)) {
            pkginfo_free(out);
            return PF_ENOMEM;
        }
        out->multi[out->nmulti++] = (struct pkginfo_value){ (enum pkginfo_key)k, value };
    }
    /* Metadata 2.1 puts the description in the body; the line breaks
     * that end it are no part of it. */
    sv_t body = md;
    while (body.len && (body.p[body.len - 1] == '\n' || body.p[body.len - 1] == '\r' ||
                        body.p[body.len - 1] == ' ' || body.p[body.len - 1] == '\t'))
        body.len--;
    if (body.len) {
        out->single[PKGINFO_DESCRIPTION] = body;
        out->body = true;
    }
    return PF_EOK;
}

void pkginfo_free(struct pkginfo *pi)
{
    free(pi->multi);
    *pi = (struct pkginfo){ 0 };
}

/* A description's continuation line without the indent a Metadata 1.x
 * writer put before it: 8 spaces, or 7 and a '|'. */
static sv_t dedent(sv_t line)
{
    size_t i = 0;
    while (i < line.len && i < 8 && line.p[i] == ' ')
        i++;
    if (i < line.len && i == 7 && line.p[i] == '|')
        i++;
    else if (i < 8 && i < line.len && line.p[i] == '\t')
        i++;
    return sv_make(line.p + i, line.len - i);
}

/* Appends value line by line: lines of a description field keep their
 * breaks and lose their indent, others are joined by one space. */
static enum pf_err unfold(buf_t *out, sv_t value, bool description)
{
    bool first = true, any = false;
    while (value.len || first) {
        sv_t line = sv_split(&value, '\n');
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        if (description) {
            if (!first)
                buf_append_char(out, '\n');
            buf_append_sv(out, first ? line : dedent(line));
        } else {
            sv_t t = sv_trim(line);
            if (any && t.len)
                buf_append_char(out, ' ');
            buf_append_sv(out, t);
            any = any || t.len;
        }
        first = false;
    }
    return buf_err(out);
}

enum pf_err pkginfo_unfold(buf_t *out, sv_t value)
{
    return unfold(out, value, false);
}

enum pf_err pkginfo_single(buf_t *out, const struct pkginfo *pi, enum pkginfo_key k)
{
    sv_t v = pi->single[k];
    if (!v.p)
        return buf_err(out);
    if (k == PKGINFO_DESCRIPTION && pi->body)
        return buf_append_sv(out, v);
    return unfold(out, v, k == PKGINFO_DESCRIPTION);
}
