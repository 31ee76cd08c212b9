/* SPDX-License-Identifier: MIT */
/* page_upload_check.c: an upload's form and file name checked in Warehouse's order, and the fields a bare
 * upload (pypiserver's: the file alone) takes from its file name and metadata. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "digest.h"
#include "meta.h"
#include "page_upload_int.h"
#include "version.h"

#define META_HELP "See https://packaging.python.org/specifications/core-metadata for more information."

const char *const upload_field_names[F_NFIELDS] = {
    ":action", "protocol_version", "name", "version", "filetype", "pyversion",
    "sha256_digest", "blake2_256_digest", "md5_digest",
};

enum pf_err upload_reject(struct upload *u, int status, const char *fmt, ...)
{
    if (u->status)
        return PF_EINVAL; /* the first reason stands */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->msg, sizeof u->msg, fmt, ap);
    va_end(ap);
    u->status = status;
    return PF_EINVAL;
}

/* ---- checks, in Warehouse's order ----
 * docs/protocols.md, section "Upload checks, in Warehouse's order" */

static bool is_hex_field(const char *v, size_t hexlen)
{
    return digest_is_hex(v, strlen(v), hexlen);
}

/* The form alone: protocol, name, version, filetype, pyversion, digests. */
enum pf_err upload_check_form(struct upload *u)
{
    const char *v;
    if ((v = upload_field(u, F_PROTOCOL)) && strcmp(v, "1") != 0)
        return upload_reject(u, 400, "Unknown protocol version.");
    v = upload_field(u, F_NAME);
    if (!v || !name_is_valid(sv_cstr(v)))
        return upload_reject(
            u, 400,
            "'%s' is an invalid value for Name. Error: Start and end with a letter or numeral containing "
            "only ASCII numeric and '.', '_' and '-'. " META_HELP,
            v ? v : "");
    if (!name_normalize(sv_cstr(v), u->project, sizeof u->project))
        return upload_reject(u, 400, "'%s' is an invalid value for Name. " META_HELP, v);
    v = upload_field(u, F_VERSION);
    version_t ver;
    if (!v || version_parse(sv_cstr(v), &ver) != PF_EOK)
        return upload_reject(
            u, 400, "'%s' is an invalid value for Version. Error: Use a version that complies with PEP 440. " META_HELP,
            v ? v : "");
    const char *ft = upload_field(u, F_FILETYPE);
    if (!ft || (strcmp(ft, "sdist") != 0 && strcmp(ft, "bdist_wheel") != 0))
        return upload_reject(u, 400, "Invalid value for filetype. Error: Use a known file type.");
    v = upload_field(u, F_PYVERSION);
    if (strcmp(ft, "bdist_wheel") == 0 && !v)
        return upload_reject(
            u, 400, "Invalid value for pyversion. Error: Python version is required for binary distribution uploads.");
    if (strcmp(ft, "sdist") == 0 && v && strcmp(v, "source") != 0)
        return upload_reject(u, 400,
                             "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist.");
    if ((v = upload_field(u, F_SHA256)) && !is_hex_field(v, DIGEST_HEX_LEN))
        return upload_reject(
            u, 400, "Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message digest.");
    if ((v = upload_field(u, F_BLAKE2)) && !is_hex_field(v, DIGEST_HEX_LEN))
        return upload_reject(
            u, 400, "Invalid value for blake2_256_digest. Error: Use a valid, hex-encoded, BLAKE2 message digest.");
    if ((v = upload_field(u, F_MD5)) && !is_hex_field(v, DIGEST_MD5_HEX_LEN))
        return upload_reject(u, 400,
                             "Invalid value for md5_digest. Error: Use a valid, hex-encoded, MD5 message digest.");
    if (!u->bare && !upload_field(u, F_SHA256) && !upload_field(u, F_BLAKE2) && !upload_field(u, F_MD5))
        return upload_reject(u, 400, "Error: Include at least one message digest.");
    return PF_EOK;
}

/* The file's name alone: safe as a path, with an extension we take. Sets
 * *ext to it. */
static enum pf_err check_name_safe(struct upload *u, const char **ext)
{
    const char *fn = u->filename;
    for (const char *p = fn; *p; p++)
        if ((unsigned char)*p < 32 || *p == 127)
            return upload_reject(u, 400,
                                 "Cannot upload a file with non-printable characters (ordinals 0-31) or the DEL "
                                 "character (ordinal 127) in the name.");
    if (strchr(fn, '/') || strchr(fn, '\\'))
        return upload_reject(u, 400, "Cannot upload a file with '/' or '\\' in the name.");
    if (fn[0] == '.' || !fn[0])
        return upload_reject(u, 400, "Cannot upload a file whose name is empty or starts with '.'.");
    /* The names the web servers' X-Sendfile decodings agree on; PEP 427
     * and 625 names never need more. See
     * docs/protocols.md, section "File names the web servers agree on". */
    if (strspn(fn, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+!-") != strlen(fn))
        return upload_reject(u, 400,
                             "Cannot upload a file with characters other than letters, digits and '._+!-' in the "
                             "name.");
    sv_t s = sv_cstr(fn);
    *ext = sv_iends_with(s, SV_LIT(".whl"))      ? ".whl"
           : sv_iends_with(s, SV_LIT(".tar.gz")) ? ".tar.gz"
           : sv_iends_with(s, SV_LIT(".zip"))    ? ".zip"
                                                 : NULL;
    if (!*ext)
        return upload_reject(u, 400,
                             "Invalid file extension: Use .tar.gz, .whl or .zip extension. See "
                             "https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ for "
                             "more information");
    return PF_EOK;
}

/* The upload's file name read as a wheel's (wheel) or an sdist's into df;
 * otherwise the upload is refused with the name. */
static enum pf_err parse_filename(struct upload *u, bool wheel, distfile_t *df)
{
    if (distfile_parse(sv_cstr(u->filename), df) == PF_EOK && df->kind == (wheel ? DISTFILE_WHEEL : DISTFILE_SDIST))
        return PF_EOK;
    if (wheel)
        return upload_reject(u, 400, "Invalid wheel filename: '%s'.", u->filename);
    return upload_reject(u, 400, "Invalid source distribution filename: %s", u->filename);
}

/* The file's name: safe, the right extension, and naming the project and
 * version of the form. */
enum pf_err upload_check_filename(struct upload *u)
{
    const char *ft = upload_field(u, F_FILETYPE), *ext;
    if (!auth_may_upload(u->app->auth, u->user, u->project))
        return upload_reject(u, 403, "The user '%s' isn't allowed to upload to project '%s'.", u->user, u->project);
    if (check_name_safe(u, &ext))
        return PF_EINVAL;
    bool wheel = strcmp(ext, ".whl") == 0;
    if (wheel != (strcmp(ft, "bdist_wheel") == 0))
        return upload_reject(u, 400,
                             "Invalid file extension: Extension %s is invalid for filetype %s. See "
                             "https://www.python.org/dev/peps/pep-0527 for more information.",
                             ext, ft);
    if (parse_filename(u, wheel, &u->df))
        return PF_EINVAL;
    if (strcmp(u->df.project, u->project) != 0) {
        char under[NAME_MAX_LEN + 1];
        snprintf(under, sizeof under, "%s", u->project);
        for (char *p = under; *p; p++)
            if (*p == '-')
                *p = '_';
        return upload_reject(u, 400, "Start filename for '%s' with '%s'.", upload_field(u, F_NAME), under);
    }
    version_t form;
    if (version_parse(sv_cstr(upload_field(u, F_VERSION)), &form) != PF_EOK || version_cmp(&form, &u->df.ver) != 0)
        return upload_reject(u, 400, "Version in filename should be '%s' not '%.*s'.", upload_field(u, F_VERSION),
                             (int)u->df.version.len, u->df.version.p);
    return PF_EOK;
}

static void set_field(struct upload *u, enum field f, sv_t v)
{
    buf_reset(&u->fields[f]);
    u->seen[f] = buf_append_sv(&u->fields[f], v) == PF_EOK;
}

/* A bare upload (pypiserver's form: the file, perhaps a filetype or a
 * digest, but neither name nor version) gets the fields twine would have
 * sent from its file name: name and version as written there, the
 * filetype from the suffix, a wheel's pyversion from its python tag. The
 * form's checks then run as for twine's form, and the archive's metadata
 * must agree (upload_bare_agrees). The order:
 * docs/protocols.md, section "Upload checks, in Warehouse's order". */
enum pf_err upload_bare_fields(struct upload *u)
{
    const char *ext;
    if (check_name_safe(u, &ext))
        return PF_EINVAL;
    bool wheel = strcmp(ext, ".whl") == 0;
    if (!u->seen[F_FILETYPE])
        set_field(u, F_FILETYPE, sv_cstr(wheel ? "bdist_wheel" : "sdist"));
    distfile_t df;
    if (parse_filename(u, wheel, &df))
        return PF_EINVAL;
    set_field(u, F_NAME, df.name);
    set_field(u, F_VERSION, df.version);
    if (strcmp(upload_field(u, F_FILETYPE), "bdist_wheel") == 0 && !u->seen[F_PYVERSION])
        set_field(u, F_PYVERSION, df.python_tag);
    return PF_EOK;
}

/* For a bare upload: the Name and Version of the archive's metadata are
 * those of its file name (names compared normalized, versions by PEP 440). */
enum pf_err upload_bare_agrees(struct upload *u, sv_t md)
{
    const char *which = u->df.kind == DISTFILE_WHEEL ? "METADATA" : "PKG-INFO";
    sv_t name, ver;
    if (!meta_field(md, "Name", &name) || !meta_field(md, "Version", &ver))
        return upload_reject(u, 400,
                             "Invalid distribution file. Its %s has no Name or no Version; an upload without "
                             "'name' and 'version' fields takes them from there. " META_HELP,
                             which);
    char norm[NAME_MAX_LEN + 1];
    version_t v;
    if (name.len > NAME_MAX_LEN || ver.len > UPLOAD_MAX_FIELD || !name_normalize(name, norm, sizeof norm) ||
        strcmp(norm, u->project) != 0 || version_parse(ver, &v) != PF_EOK || version_cmp(&v, &u->df.ver) != 0)
        return upload_reject(u, 400, "The file name says %s %s, but its %s says %.*s %.*s.", upload_field(u, F_NAME),
                             upload_field(u, F_VERSION), which, (int)(name.len > 200 ? 200 : name.len), name.p,
                             (int)(ver.len > 200 ? 200 : ver.len), ver.p);
    return PF_EOK;
}

bool upload_form_complete(const struct upload *u)
{
    return u->seen[F_ACTION] && u->seen[F_NAME] && u->seen[F_VERSION] && u->seen[F_FILETYPE] &&
           (u->seen[F_SHA256] || u->seen[F_BLAKE2] || u->seen[F_MD5]);
}
