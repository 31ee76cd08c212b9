/* SPDX-License-Identifier: MIT */
/* page_upload.c: POST / and /legacy/: twine's upload API (file_upload) and pypiserver's remove_pkg, from
 * multipart/form-data or, for a form without a file, application/x-www-form-urlencoded. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "auth.h"
#include "digest.h"
#include "distfile.h"
#include "follow.h"
#include "form.h"
#include "fs.h"
#include "meta.h"
#include "multipart.h"
#include "name.h"
#include "page_upload_int.h"
#include "pages.h"
#include "store.h"
#include "version.h"

/* The answer when the file system is full (ENOSPC, EDQUOT, EFBIG). */
#define NOSPACE_MSG "Insufficient storage: the server has no room for this file."

#define UPLOAD_CHUNK (64 * 1024) /* bytes read from the body at a time */

/* The field called name, or -1 for one we do not read. */
static int field_of(const char *name)
{
    for (int f = 0; f < F_NFIELDS; f++)
        if (strcmp(name, upload_field_names[f]) == 0)
            return f;
    return -1;
}

/* ---- multipart callbacks ---- */

static enum pf_err on_begin(void *ctx, const struct mp_part *part)
{
    struct upload *u = ctx;
    if (strcmp(part->name, "content") == 0) {
        if (u->have_content)
            return upload_reject(u, 400, "The upload has more than one 'content' part.");
        u->have_content = true;
        if (!part->filename || !*part->filename)
            return upload_reject(u, 400, "The 'content' part has no filename.");
        size_t fl = strlen(part->filename);
        if (fl > UPLOAD_MAX_FILENAME)
            return upload_reject(u, 400, "The filename is longer than %d bytes.", UPLOAD_MAX_FILENAME);
        memcpy(u->filename, part->filename, fl + 1);
        if (part->content_type && strncasecmp(part->content_type, "image/", 6) == 0)
            return upload_reject(u, 400, "Invalid distribution file.");
        if (upload_form_complete(u)) {
            const char *a = upload_field(u, F_ACTION);
            if (strcmp(a, "file_upload") == 0) {
                if (upload_check_form(u) || upload_check_filename(u))
                    return PF_EINVAL;
                u->checked_early = true;
            }
        }
        buf_t err;
        buf_init(&err, 512);
        enum pf_err e = store_tmp_open(u->app->cfg->roots[0], &u->tmp, &err);
        if (e) {
            http_log(u->req, LOG_ERROR, "cannot stage an upload: %s", err.p ? err.p : "");
            buf_free(&err);
            if (e == PF_ENOSPACE)
                return upload_reject(u, 507, NOSPACE_MSG);
            return upload_reject(u, 500, "The server cannot store uploads right now (see its log).");
        }
        buf_free(&err);
        unsigned which = DIGEST_SHA256 | (u->seen[F_BLAKE2] ? DIGEST_BLAKE2B_256 : 0) |
                         (u->seen[F_MD5] ? DIGEST_MD5 : 0);
        if (follow_start(&u->follow, u->tmp.fd, which, true) != PF_EOK)
            return upload_reject(u, 500, "Out of memory.");
        u->computed = which;
        u->part = P_CONTENT;
        return PF_EOK;
    }
    if (part->filename) {
        /* gpg_signature is a file part; PyPI ignores signatures now, and so
         * do we. Any other field sent as a file is a client bug. */
        if (strcmp(part->name, "gpg_signature") == 0) {
            u->part = P_SKIP;
            return PF_EOK;
        }
        return upload_reject(u, 400, "%s: Should not be a tuple (it was sent as a file).", part->name);
    }
    u->part = P_SKIP;
    if ((u->cur = field_of(part->name)) >= 0) {
        u->part = P_FIELD;
        buf_reset(&u->value);
    }
    return PF_EOK;
}

static enum pf_err on_data(void *ctx, const char *p, size_t n)
{
    struct upload *u = ctx;
    if (u->part == P_CONTENT) {
        if (u->size + n > u->app->cfg->max_upload)
            return upload_reject(u, 413, "File too large. Limit is %" PRIu64 " bytes (--max-upload-size).",
                                 u->app->cfg->max_upload);
        enum pf_err e = store_tmp_write(&u->tmp, p, n);
        if (e) {
            http_log(u->req, LOG_ERROR, "cannot write the upload %s: %s", u->filename, strerror(errno));
            if (e == PF_ENOSPACE)
                return upload_reject(u, 507, NOSPACE_MSG);
            return upload_reject(u, 500, "The server could not write the file (see its log).");
        }
        u->size += n;
        follow_advance(u->follow, u->size);
        return PF_EOK;
    }
    u->form_bytes += n;
    if (u->form_bytes > UPLOAD_MAX_FORM)
        return upload_reject(u, 413, "The form fields beside the file are larger than %" PRIu64 " MiB.",
                             UPLOAD_MAX_FORM >> 20);
    if (u->part == P_FIELD && buf_append(&u->value, p, n) != PF_EOK)
        return upload_reject(u, 400, "Field '%s' is longer than %d bytes.", upload_field_names[u->cur],
                             UPLOAD_MAX_FIELD);
    return PF_EOK;
}

/* Keeps the value of field cur (in u->value), from either kind of form. */
static enum pf_err keep_field(struct upload *u)
{
    if (!u->value.len)
        return PF_EOK; /* twine <= 6.0 sends absent fields as ""; those stay absent. */
    buf_t *f = &u->fields[u->cur];
    if (u->seen[u->cur] && !sv_eq(buf_sv(f), buf_sv(&u->value)))
        return upload_reject(u, 400, "Field '%s' is given twice with different values.", upload_field_names[u->cur]);
    if (memchr(u->value.p, '\0', u->value.len))
        return upload_reject(u, 400, "Field '%s' contains a NUL byte.", upload_field_names[u->cur]);
    buf_reset(f);
    if (buf_append(f, u->value.p, u->value.len))
        return upload_reject(u, 400, "Field '%s' is too long.", upload_field_names[u->cur]);
    u->seen[u->cur] = true;
    return PF_EOK;
}

static enum pf_err on_end(void *ctx)
{
    struct upload *u = ctx;
    if (u->part == P_CONTENT)
        u->content_done = true;
    else if (u->part == P_FIELD && keep_field(u))
        return PF_EINVAL;
    u->part = P_NONE;
    return PF_EOK;
}

/* An application/x-www-form-urlencoded body, held whole (at most
 * UPLOAD_MAX_FORM bytes): the fields we read, under the rules and with the
 * answers of a multipart form's. It has no file. */
static void read_urlencoded(struct upload *u, const buf_t *body)
{
    struct form_reader r;
    form_init(&r, buf_sv(body));
    buf_t name;
    buf_init(&name, FORM_MAX_NAME);
    sv_t raw;
    enum pf_err e;
    while ((e = form_next(&r, &name, &raw)) == PF_EOK) {
        /* A name with a NUL is no name we read: skipped, as unknown. */
        if (memchr(name.p, '\0', name.len) || (u->cur = field_of(name.p)) < 0)
            continue;
        buf_reset(&u->value);
        if ((e = form_decode(raw, &u->value)) != PF_EOK) {
            if (e == PF_ETOOBIG)
                upload_reject(u, 400, "Field '%s' is longer than %d bytes.", upload_field_names[u->cur],
                              UPLOAD_MAX_FIELD);
            else
                upload_reject(u, 500, "Out of memory.");
            break;
        }
        if (keep_field(u))
            break;
    }
    if (!u->status && e != PF_ENOTFOUND)
        upload_reject(u, http_err_status(e, HTTP_BLAME_REQUEST), "Malformed form body: %s.", form_error(&r));
    buf_free(&name);
}

/* ---- after the body ---- */

/* Computes the digests a field asked for after the file had gone by. */
static enum pf_err late_digests(struct upload *u, char b2[DIGEST_HEX_LEN + 1], char md5[DIGEST_MD5_HEX_LEN + 1])
{
    unsigned need = (u->seen[F_BLAKE2] ? DIGEST_BLAKE2B_256 : 0) | (u->seen[F_MD5] ? DIGEST_MD5 : 0);
    need &= ~u->computed;
    if (!need)
        return PF_EOK;
    struct follow *f;
    enum pf_err e = follow_start(&f, u->tmp.fd, need, false);
    if (e)
        return e;
    follow_advance(f, u->size);
    char s2[DIGEST_HEX_LEN + 1], b[DIGEST_HEX_LEN + 1], m[DIGEST_MD5_HEX_LEN + 1];
    if ((e = follow_finish(f, s2, b, m)) != PF_EOK)
        return e;
    if (need & DIGEST_BLAKE2B_256)
        memcpy(b2, b, sizeof b);
    if (need & DIGEST_MD5)
        memcpy(md5, m, sizeof m);
    return e;
}

static bool digest_matches(const char *given, const char *computed)
{
    return !given || strcasecmp(given, computed) == 0;
}

static void respond(struct upload *u, struct http_resp *resp)
{
    http_log(u->req, u->status >= 500 ? LOG_ERROR : LOG_WARN, "upload refused (%d): %s", u->status, u->msg);
    http_fail(resp, u->status, "%s", u->msg);
}

/* Where a file of the upload's name already is, other than the place an
 * upload goes (ROOT0/project/filename): a flat root, another directory,
 * another root. A second copy would give the project page two links of one
 * name. */
struct elsewhere {
    unsigned root;                   /* the root it is in */
    char dir[PATH_MAX];              /* its directory, relative to the root ("." for the root itself) */
    char sha256[DIGEST_HEX_LEN + 1]; /* its hash, as the index knows it */
};

static bool found_elsewhere(struct upload *u, struct elsewhere *where)
{
    struct index_project *p;
    if (index_project(u->app->idx, u->project, &p) != PF_EOK)
        return false;
    char here[NAME_MAX_LEN + UPLOAD_MAX_FILENAME + 2];
    snprintf(here, sizeof here, "%s/%s", u->project, u->filename);
    bool found = false;
    for (size_t i = 0; i < p->nfiles && !found; i++) {
        const struct index_file *f = &p->files[i];
        if (strcmp(f->filename, u->filename) == 0 && !(f->root == 0 && strcmp(f->relpath, here) == 0)) {
            const char *slash = strrchr(f->relpath, '/');
            int n = slash ? (int)(slash - f->relpath) : 1;
            snprintf(where->dir, sizeof where->dir, "%.*s", n, slash ? f->relpath : ".");
            where->root = f->root;
            memcpy(where->sha256, f->rec.sha256, DIGEST_HEX_LEN + 1);
            found = true;
        }
    }
    index_project_release(u->app->idx, p);
    return found;
}

/* Another build of a wheel the release already has: the same version and
 * the same python, abi and platform tags under another build tag. pip
 * prefers the higher build tag, so such a file would take the place of the
 * one there (with its own bytes and hash) for every install. Writes the
 * name of the wheel it would shadow to other. */
static bool shadows_wheel(struct upload *u, char other[UPLOAD_MAX_FILENAME + 1])
{
    if (u->df.kind != DISTFILE_WHEEL)
        return false;
    struct index_project *p;
    if (index_project(u->app->idx, u->project, &p) != PF_EOK)
        return false;
    bool found = false;
    for (size_t i = 0; i < p->nfiles && !found; i++) {
        const struct index_file *f = &p->files[i];
        distfile_t d;
        if (strcmp(f->filename, u->filename) == 0 || distfile_parse(sv_cstr(f->filename), &d) != PF_EOK ||
            d.kind != DISTFILE_WHEEL || version_cmp(&d.ver, &u->df.ver) != 0 ||
            !sv_eq(d.python_tag, u->df.python_tag) || !sv_eq(d.abi_tag, u->df.abi_tag) ||
            !sv_eq(d.platform_tag, u->df.platform_tag))
            continue;
        snprintf(other, UPLOAD_MAX_FILENAME + 1, "%s", f->filename);
        found = true;
    }
    index_project_release(u->app->idx, p);
    return found;
}

static void file_upload(struct upload *u, struct http_resp *resp)
{
    /* Long: Warehouse's checks in Warehouse's order, each with its own
     * answer, then the publish. The order:
     * docs/protocols.md, section "Upload checks, in Warehouse's order".
     * Any of name or version makes it twine's form, checked as PyPI does. */
    u->bare = !u->seen[F_NAME] && !u->seen[F_VERSION];
    if (u->bare && u->have_content && upload_bare_fields(u))
        return respond(u, resp);
    if (!u->checked_early && ((!u->bare || u->have_content) && upload_check_form(u)))
        return respond(u, resp);
    if (!u->checked_early && u->have_content && upload_check_filename(u))
        return respond(u, resp);
    if (!u->have_content) {
        upload_reject(u, 400, "Upload payload does not have a file.");
        return respond(u, resp);
    }
    if (u->size == 0) {
        upload_reject(u, 400, "Invalid distribution file. The file is empty.");
        return respond(u, resp);
    }
    char sha[DIGEST_HEX_LEN + 1], b2[DIGEST_HEX_LEN + 1], md5[DIGEST_MD5_HEX_LEN + 1];
    enum pf_err fe = follow_finish(u->follow, sha, b2, md5);
    u->follow = NULL;
    if (fe == PF_EOK)
        fe = late_digests(u, b2, md5);
    if (fe != PF_EOK) {
        int err = errno;
        http_log(u->req, LOG_ERROR, "cannot read back or flush the upload %s: %s", u->filename,
                 fe == PF_ENOMEM ? "out of memory" : strerror(err));
        if (fe == PF_EIO && fs_write_err(err) == PF_ENOSPACE)
            upload_reject(u, 507, NOSPACE_MSG);
        else
            upload_reject(u, 500, "The server could not read back the file (see its log).");
        return respond(u, resp);
    }
    if (!digest_matches(upload_field(u, F_SHA256), sha) || !digest_matches(upload_field(u, F_BLAKE2), b2) ||
        !digest_matches(upload_field(u, F_MD5), md5)) {
        upload_reject(u, 400, "The digest supplied does not match a digest calculated from the uploaded file.");
        return respond(u, resp);
    }

    /* What the archive says: it must be readable and hold its metadata. */
    buf_t md;
    buf_init(&md, META_MAX_SIZE);
    enum pf_err e = lseek(u->tmp.fd, 0, SEEK_SET) == 0 ? meta_extract(u->tmp.fd, u->df.kind, u->project, &md) : PF_EIO;
    if (e) {
        if (u->df.kind == DISTFILE_WHEEL && e == PF_ENOTFOUND)
            upload_reject(u, 400,
                          "Wheel '%s' does not contain the required METADATA file: %.*s-%.*s.dist-info/METADATA",
                          u->filename, (int)u->df.name.len, u->df.name.p, (int)u->df.version.len, u->df.version.p);
        else if (e == PF_ENOTFOUND)
            upload_reject(u, 400,
                          "Invalid distribution file. The sdist has no PKG-INFO in a single top-level directory.");
        else if (e == PF_ETOOBIG)
            upload_reject(u, 400, "Invalid distribution file. Its %s is larger than %u bytes.",
                          u->df.kind == DISTFILE_WHEEL ? "METADATA" : "PKG-INFO", META_MAX_SIZE);
        else
            upload_reject(u, 400,
                          "Invalid distribution file. It is not a readable %s archive, or it passes a limit: %u "
                          "entries, a %llu MiB zip directory, %llu MiB decompressed before the %s.",
                          u->df.kind == DISTFILE_WHEEL ? "zip (wheel)" : "tar.gz or zip (sdist)", META_MAX_ENTRIES,
                          (unsigned long long)(META_MAX_ZIPDIR >> 20), (unsigned long long)(META_MAX_SCAN >> 20),
                          u->df.kind == DISTFILE_WHEEL ? "METADATA" : "PKG-INFO");
        buf_free(&md);
        return respond(u, resp);
    }
    if (u->bare && upload_bare_agrees(u, buf_sv(&md))) {
        buf_free(&md);
        return respond(u, resp);
    }

    /* Where it goes: the project's directory in the first root, or, to
     * replace a file of that name kept elsewhere in the first root (a flat
     * root), that file's directory. */
    char old[DIGEST_HEX_LEN + 1];
    const char *dir = u->project;
    struct elsewhere where;
    if (found_elsewhere(u, &where)) {
        if (strcmp(where.sha256, sha) == 0) {
            buf_free(&md);
            http_log(u->req, LOG_INFO, "upload of %s: identical to the file already listed", u->filename);
            return;
        }
        if (!u->app->cfg->overwrite) {
            buf_free(&md);
            upload_reject(u, 409,
                          "File already exists ('%s', with sha256 hash '%s') elsewhere in the package tree; "
                          "remove it before uploading a different file of that name.",
                          u->filename, where.sha256);
            return respond(u, resp);
        }
        if (where.root != 0) {
            buf_free(&md);
            upload_reject(u, 409,
                          "File already exists ('%s', with sha256 hash '%s') in another package root, which "
                          "uploads never write to; remove it there before uploading a different file of that "
                          "name.",
                          u->filename, where.sha256);
            return respond(u, resp);
        }
        dir = where.dir;
    }

    char shadowed[UPLOAD_MAX_FILENAME + 1];
    if (!u->app->cfg->overwrite && shadows_wheel(u, shadowed)) {
        buf_free(&md);
        upload_reject(u, 409,
                      "Another build of a wheel this release has: release %.*s has '%s', and pip would install "
                      "'%s' in its place. Remove the existing wheel first, or start pypi-fcgi with --overwrite.",
                      (int)u->df.version.len, u->df.version.p, shadowed, u->filename);
        return respond(u, resp);
    }

    sidecar_t rec;
    memset(&rec, 0, sizeof rec);
    memcpy(rec.sha256, sha, sizeof sha);
    struct timeval now;
    gettimeofday(&now, NULL);
    rec.first_seen_usec = (int64_t)now.tv_sec * 1000000 + now.tv_usec;
    sidecar_set_metadata(&rec, md.p, md.len);
    rec.uploader = u->user[0] ? strdup(u->user) : NULL;
    enum store_result res;
    buf_t err;
    buf_init(&err, 1024);
    const struct store_file sf = { .dir = dir, .filename = u->filename, .rec = &rec,
                                   .metadata = sidecar_metadata_of(&rec, md.p), .metadata_len = md.len,
                                   .overwrite = u->app->cfg->overwrite,
                                   .hold_grace = u->app->cfg->removal_grace > 0 };
    e = store_publish(&u->tmp, &sf, &res, old, &err);
    buf_free(&md);
    sidecar_clear(&rec);
    if (e) {
        http_log(u->req, LOG_ERROR, "cannot publish %s: %s", u->filename, err.p ? err.p : "");
        buf_free(&err);
        if (e == PF_ENOSPACE)
            upload_reject(u, 507, NOSPACE_MSG);
        else
            upload_reject(u, 500, "The server could not store the file (see its log).");
        return respond(u, resp);
    }
    buf_free(&err);
    switch (res) {
    case STORE_IDENTICAL:
        /* twine re-posts after a 5xx: the same bytes again are a success. */
        http_log(u->req, LOG_INFO, "upload of %s/%s: identical to the stored file", dir, u->filename);
        break;
    case STORE_EXISTS:
        upload_reject(u, 409,
                      "File already exists ('%s', with sha256 hash '%s'). Upload it under a new version, or start "
                      "pypi-fcgi with --overwrite.",
                      u->filename, old);
        return respond(u, resp);
    case STORE_PUBLISHED:
    case STORE_REPLACED:
        http_log(u->req, LOG_INFO, "%s %s/%s (%" PRIu64 " bytes, sha256 %s) for %s",
                 res == STORE_REPLACED ? "replaced" : "stored", dir, u->filename, u->size, sha,
                 u->user[0] ? u->user : "an anonymous user");
        break;
    }
}

/* pypiserver's remove_pkg: every file of one release, in every root. */
static void remove_pkg(struct upload *u, struct http_resp *resp)
{
    const char *name = upload_field(u, F_NAME), *ver = upload_field(u, F_VERSION);
    if (!name || !ver) {
        upload_reject(u, 400, "Missing 'name' or 'version' field.");
        return respond(u, resp);
    }
    version_t want;
    if (!name_is_valid(sv_cstr(name)) || !name_normalize(sv_cstr(name), u->project, sizeof u->project) ||
        version_parse(sv_cstr(ver), &want) != PF_EOK) {
        upload_reject(u, 404, "%s (%s) not found", name, ver);
        return respond(u, resp);
    }
    if (!auth_may_upload(u->app->auth, u->user, u->project)) {
        upload_reject(u, 403, "The user '%s' isn't allowed to remove files of project '%s'.", u->user, u->project);
        return respond(u, resp);
    }
    struct index_project *p;
    size_t removed = 0, failed = 0;
    if (index_project(u->app->idx, u->project, &p) == PF_EOK) {
        buf_t err;
        buf_init(&err, 1024);
        for (size_t i = 0; i < p->nfiles; i++) {
            const struct index_file *f = &p->files[i];
            version_t v;
            if (version_parse(sv_cstr(f->version), &v) != PF_EOK || version_cmp(&v, &want) != 0)
                continue;
            char dir[4096];
            const char *slash = strrchr(f->relpath, '/');
            snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - f->relpath) : 0, f->relpath);
            if (u->app->publish && u->app->publish[f->root].refuse) {
                failed++;
                http_log(u->req, LOG_ERROR, "cannot remove %s/%s: %s", u->app->cfg->roots[f->root], f->relpath,
                         u->app->publish[f->root].why);
                continue;
            }
            enum pf_err e = store_remove(u->app->cfg->roots[f->root], dir, f->filename,
                                         u->app->cfg->removal_grace > 0, &err);
            if (e == PF_EOK) {
                removed++;
                http_log(u->req, LOG_INFO, "removed %s/%s for %s", u->app->cfg->roots[f->root], f->relpath,
                         u->user[0] ? u->user : "an anonymous user");
            } else if (e != PF_ENOTFOUND) {
                failed++;
                http_log(u->req, LOG_ERROR, "cannot remove: %s", err.p ? err.p : "");
            }
        }
        buf_free(&err);
        index_project_release(u->app->idx, p);
    }
    if (failed) {
        upload_reject(u, 500, "%zu file(s) of %s (%s) could not be removed (see the server's log); %zu were.", failed,
                      name, ver, removed);
        return respond(u, resp);
    }
    if (!removed) {
        upload_reject(u, 404, "%s (%s) not found", name, ver);
        return respond(u, resp);
    }
    http_header(resp, "Content-Type", "text/plain; charset=utf-8");
    (void)buf_printf(&resp->own, "Removed %zu file(s) of %s %s.\n", removed, u->project, ver);
}

static void dispatch(struct upload *u, struct http_resp *resp)
{
    const char *a = upload_field(u, F_ACTION);
    if (!a) {
        upload_reject(u, 400, "Missing ':action' field.");
        return respond(u, resp);
    }
    if (strcmp(a, "file_upload") == 0)
        return file_upload(u, resp);
    if (strcmp(a, "remove_pkg") == 0)
        return remove_pkg(u, resp);
    if (strcmp(a, "submit") == 0 || strcmp(a, "submit_pkg_info") == 0) {
        upload_reject(u, 410,
                      "Project pre-registration is no longer required or supported, upload your files instead.");
        return respond(u, resp);
    }
    if (strcmp(a, "doc_upload") == 0) {
        upload_reject(u, 410, "Uploading documentation is not supported by this index.");
        return respond(u, resp);
    }
    upload_reject(u, 400, "Unsupported ':action' field: %.100s", a);
    respond(u, resp);
}

static const struct mp_callbacks callbacks = { on_begin, on_data, on_end };

static void too_large(struct upload *u, bool urlenc)
{
    if (urlenc)
        upload_reject(u, 413, "The form is larger than %" PRIu64 " MiB.", UPLOAD_MAX_FORM >> 20);
    else
        upload_reject(u, 413, "File too large. Limit is %" PRIu64 " bytes (--max-upload-size).",
                      u->app->cfg->max_upload);
}

void page_upload(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    /* Long: the body loop with each way a body can fail (slow, cut off,
     * too large, malformed) answered where it is found. */
    struct upload *u = calloc(1, sizeof *u);
    char *chunk = malloc(UPLOAD_CHUNK);
    if (!u || !chunk) {
        free(u);
        free(chunk);
        http_error(resp, 500, "Out of memory.");
        return;
    }
    buf_t body; /* a urlencoded body */
    buf_init(&body, UPLOAD_MAX_FORM);
    u->app = app;
    u->req = req;
    u->tmp.fd = u->tmp.rootfd = -1;
    for (int f = 0; f < F_NFIELDS; f++)
        buf_init(&u->fields[f], UPLOAD_MAX_FIELD);
    buf_init(&u->value, UPLOAD_MAX_FIELD);

    /* The route table asked for the login (AUTH_UPDATE) before this ran. */
    if (req->user) {
        size_t n = strlen(req->user);
        memcpy(u->user, req->user, n < AUTH_MAX_USER ? n : AUTH_MAX_USER);
    }
    if (app->publish && app->publish[0].refuse) {
        /* Before the body: nothing is staged, nothing written. */
        upload_reject(u, 503, "Publishing is off on this server: %s.", app->publish[0].why);
        respond(u, resp);
        goto out;
    }
    const char *ctype = http_param(req, "CONTENT_TYPE"), *clen = http_param(req, "CONTENT_LENGTH");
    char boundary[MP_MAX_BOUNDARY + 1];
    /* A urlencoded form (pypiserver's remove_pkg from curl -d) has no file:
     * it is held whole, within the cap on a form's fields. */
    bool urlenc = form_is_urlencoded(ctype);
    buf_t err;
    buf_init(&err, 512);
    enum pf_err e = urlenc ? PF_EOK : mp_boundary(ctype ? ctype : "", boundary, &err);
    if (e) {
        upload_reject(u, 400,
                      "The upload must be multipart/form-data with a boundary (or, for a form without a file, "
                      "application/x-www-form-urlencoded): %s",
                      err.p ? err.p : "");
        buf_free(&err);
        respond(u, resp);
        goto out;
    }
    buf_free(&err);
    /* The whole body may hold the file and the form beside it. */
    uint64_t cap = urlenc ? UPLOAD_MAX_FORM : app->cfg->max_upload + UPLOAD_MAX_FORM, expect;
    int have_len = http_content_length(req, &expect);
    if (have_len < 0) {
        upload_reject(u, 400, "CONTENT_LENGTH '%.40s' is not a number.", clen);
        respond(u, resp);
        goto out;
    }
    if (have_len) {
        /* Apache passes 0 when its body limit cut the body off. */
        if (expect == 0) {
            upload_reject(u, 400,
                          "The upload has an empty body (a web server's request-body limit may have removed it).");
            respond(u, resp);
            goto out;
        }
        if (expect > cap) {
            too_large(u, urlenc);
            respond(u, resp);
            goto out;
        }
    }
    if (!req->in) {
        upload_reject(u, 400, "The upload has no body.");
        respond(u, resp);
        goto out;
    }
    struct mp_parser mp;
    if (!urlenc)
        mp_init(&mp, boundary, &callbacks, u);
    uint64_t total = 0;
    for (;;) {
        long r = req->in->read(req->in->ctx, chunk, UPLOAD_CHUNK);
        if (r == HTTP_IN_SLOW) {
            upload_reject(u, 408,
                          "The upload arrived too slowly: a body must bring %" PRIu64 " bytes per second over "
                          "each %ld seconds, and never stall that long (it stopped at %" PRIu64 " bytes).",
                          app->cfg->upload_min_rate, app->cfg->upload_timeout, total);
            break;
        }
        if (r < 0) {
            upload_reject(u, 400, "The upload was cut off: the connection failed after %" PRIu64 " bytes.", total);
            break;
        }
        if (r == 0)
            break;
        total += (uint64_t)r;
        if (total > cap) {
            too_large(u, urlenc);
            break;
        }
        if ((e = urlenc ? buf_append(&body, chunk, (size_t)r) : mp_feed(&mp, chunk, (size_t)r)) != PF_EOK)
            break;
    }
    if (!u->status && e && urlenc)
        upload_reject(u, 500, "Out of memory.");
    if (!u->status && e)
        upload_reject(u, http_err_status(e, HTTP_BLAME_REQUEST), "Malformed upload body: %s", mp_error(&mp));
    if (!u->status && have_len && total != expect)
        upload_reject(u, 400, "The upload was cut off: %" PRIu64 " of %" PRIu64 " bytes arrived.", total, expect);
    if (!u->status && urlenc)
        read_urlencoded(u, &body);
    if (!u->status && !urlenc && (e = mp_finish(&mp)) != PF_EOK)
        upload_reject(u, http_err_status(e, HTTP_BLAME_REQUEST), "Malformed upload body: %s", mp_error(&mp));
    if (u->status)
        respond(u, resp);
    else
        dispatch(u, resp);
out:
    follow_abort(u->follow);
    store_tmp_discard(&u->tmp);
    for (int f = 0; f < F_NFIELDS; f++)
        buf_free(&u->fields[f]);
    buf_free(&u->value);
    buf_free(&body);
    free(chunk);
    free(u);
}
