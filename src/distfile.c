/* SPDX-License-Identifier: MIT */
/* distfile.c: wheel and sdist filename grammar (PEP 427, PEP 625, legacy sdists). */
#include "config.h"
#include <string.h>
#include "ascii.h"
#include "distfile.h"

/* SV_LIT is a compound literal, which ISO C does not allow in a static
 * initializer; these tables are built from plain braces instead. */
#define SUFFIX(s) { (s), sizeof(s) - 1 }

static const sv_t wheel_suffix = SUFFIX(".whl");

/* The archives pip unpacks (pip's utils/filetypes.py); .egg, .exe and .msi
 * are not among them, pip skips those links. No entry is a suffix of
 * another, so at most one matches and the order does not matter. */
static const sv_t sdist_suffixes[] = {
    SUFFIX(".tar.lzma"), SUFFIX(".tar.bz2"), SUFFIX(".tar.gz"), SUFFIX(".tar.xz"),
    SUFFIX(".tar.lz"),   SUFFIX(".tar"),     SUFFIX(".zip"),    SUFFIX(".tgz"),
    SUFFIX(".tbz"),      SUFFIX(".txz"),     SUFFIX(".tlz"),
};

/* Filenames become paths on disk, URLs and HTML: with only these bytes none
 * of '/', '\\', NUL, spaces, quotes or '%' can reach any of them. */
static bool is_filename_byte(char c)
{
    return ascii_isalnum(c) || c == '.' || c == '_' || c == '+' || c == '!' || c == '-';
}

/* packaging's wheel name rule: ^[\w\d._]*$ without "__" (ASCII here). */
static bool is_wheel_name(sv_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        bool ok = ascii_isalnum(c) || c == '.' || c == '_';
        if (!ok || (c == '_' && i > 0 && s.p[i - 1] == '_'))
            return false;
    }
    return true;
}

static size_t count_char(sv_t s, char c)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += s.p[i] == c;
    return n;
}

static const sv_t *sdist_suffix(sv_t filename)
{
    for (size_t i = 0; i < sizeof sdist_suffixes / sizeof sdist_suffixes[0]; i++)
        if (sv_iends_with(filename, sdist_suffixes[i]))
            return &sdist_suffixes[i];
    return NULL;
}

/* Fills the name, project and version fields shared by both kinds. */
static enum pf_err set_name_version(distfile_t *out, sv_t name, sv_t version)
{
    /* Beyond packaging, the name must also be a valid project name: a wheel
     * named "_foo" or ".foo" would normalize to "-foo", which no project
     * page can have, and a leading '.' would make a hidden file. */
    if (!name_is_valid(name))
        return PF_EINVAL;
    if (name_normalize(name, out->project, sizeof out->project) == 0)
        return PF_EINVAL;
    if (version_parse(version, &out->ver) != PF_EOK)
        return PF_EINVAL;
    out->name = name;
    out->version = version;
    return PF_EOK;
}

static enum pf_err parse_wheel(sv_t filename, distfile_t *out)
{
    sv_t stem = sv_make(filename.p, filename.len - wheel_suffix.len);
    size_t dashes = count_char(stem, '-');
    sv_t parts[6];
    size_t nparts = 0;

    /* {name}-{version}(-{build})?-{python}-{abi}-{platform}: no component
     * may contain '-', so the count of dashes decides the layout. */
    if (dashes != 4 && dashes != 5)
        return PF_EINVAL;
    while (nparts < dashes)
        parts[nparts++] = sv_split(&stem, '-');
    parts[nparts++] = stem;

    if (!is_wheel_name(parts[0]))
        return PF_EINVAL;
    enum pf_err e = set_name_version(out, parts[0], parts[1]);
    if (e)
        return e;

    /* PEP 427: the build tag must start with a digit (packaging: ^\d+(.*)). */
    size_t t = 2;
    if (dashes == 5) {
        out->build = parts[t++];
        if (out->build.len == 0 || out->build.p[0] < '0' || out->build.p[0] > '9')
            return PF_EINVAL;
    } else {
        out->build = sv_make(parts[1].p + parts[1].len, 0);
    }
    /* pip's wheel regex wants each tag non-empty; packaging would take
     * empty ones, but no installer could ever match them. */
    for (size_t i = t; i < nparts; i++)
        if (parts[i].len == 0)
            return PF_EINVAL;
    out->python_tag = parts[t];
    out->abi_tag = parts[t + 1];
    out->platform_tag = parts[t + 2];
    out->kind = DISTFILE_WHEEL;
    return PF_EOK;
}

static enum pf_err parse_sdist(sv_t filename, const sv_t *suffix, distfile_t *out)
{
    sv_t stem = sv_make(filename.p, filename.len - suffix->len);

    /* packaging's parse_sdist_filename splits at the last '-': names may
     * hold dashes (legacy sdists), PEP 440 versions never do once
     * normalized. "foo-1.0-1.tar.gz" thus reads as foo-1.0, version 1. */
    size_t dash = stem.len;
    while (dash > 0 && stem.p[dash - 1] != '-')
        dash--;
    if (dash == 0)
        return PF_EINVAL;
    sv_t name = sv_make(stem.p, dash - 1);
    sv_t version = sv_make(stem.p + dash, stem.len - dash);

    enum pf_err e = set_name_version(out, name, version);
    if (e)
        return e;
    sv_t none = sv_make(stem.p + stem.len, 0);
    out->build = out->python_tag = out->abi_tag = out->platform_tag = none;
    out->kind = DISTFILE_SDIST;
    return PF_EOK;
}

enum pf_err distfile_parse(sv_t filename, distfile_t *out)
{
    memset(out, 0, sizeof *out);
    if (filename.len == 0 || filename.len > DISTFILE_MAX_LEN)
        return PF_EINVAL;
    for (size_t i = 0; i < filename.len; i++)
        if (!is_filename_byte(filename.p[i]))
            return PF_EINVAL;

    /* Case-sensitive like packaging and pip: "x.WHL" is no wheel to them. */
    if (sv_ends_with(filename, wheel_suffix)) {
        out->ext = sv_make(filename.p + filename.len - wheel_suffix.len, wheel_suffix.len);
        return parse_wheel(filename, out);
    }
    const sv_t *suffix = sdist_suffix(filename);
    if (!suffix)
        return PF_EINVAL;
    out->ext = sv_make(filename.p + filename.len - suffix->len, suffix->len);
    return parse_sdist(filename, suffix, out);
}

bool distfile_has_known_suffix(sv_t filename)
{
    return sv_ends_with(filename, wheel_suffix) || sdist_suffix(filename) != NULL;
}
