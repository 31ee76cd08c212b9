/* SPDX-License-Identifier: MIT */
/* page_upload_int.h: the state of one upload, shared by page_upload.c (the body, the publish, remove_pkg)
 * and page_upload_check.c (the checks of the form and the file name); for those two files only. */
#ifndef PF_PAGE_UPLOAD_INT_H
#define PF_PAGE_UPLOAD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "app.h"
#include "auth.h"
#include "buf.h"
#include "distfile.h"
#include "http.h"
#include "name.h"
#include "sidecar.h"
#include "store.h"

/* Caps on what the form may carry beside the file. */
#define UPLOAD_MAX_FIELD 1024                /* bytes of one field we keep */
#define UPLOAD_MAX_FORM ((uint64_t)16 << 20) /* bytes of all parts but the file */
#define UPLOAD_MAX_FILENAME SIDECAR_MAX_FILENAME

/* The form fields pypi-fcgi reads; every other field is skipped unread. */
enum field { F_ACTION, F_PROTOCOL, F_NAME, F_VERSION, F_FILETYPE, F_PYVERSION, F_SHA256, F_BLAKE2, F_MD5, F_NFIELDS };
extern const char *const upload_field_names[F_NFIELDS];

enum part { P_NONE, P_FIELD, P_SKIP, P_CONTENT };

struct upload {
    const struct app *app;
    struct http_req *req;
    char user[AUTH_MAX_USER + 1];
    buf_t fields[F_NFIELDS];
    bool seen[F_NFIELDS]; /* a non-empty value arrived (twine <= 6.0 sends "" for absent) */
    enum part part;
    int cur;     /* the field being read (P_FIELD) */
    buf_t value; /* its value so far */
    uint64_t form_bytes;
    /* the file */
    bool have_content, content_done, checked_early;
    char filename[UPLOAD_MAX_FILENAME + 1];
    struct store_tmp tmp;
    struct follow *follow; /* digests of the staged file, computed behind the writes */
    unsigned computed;     /* DIGEST_* bits it computes */
    uint64_t size;
    /* the answer, when a callback decides it */
    int status;
    char msg[1024];
    /* derived by the checks */
    bool bare; /* a file_upload with neither name nor version: both come from the file */
    char project[NAME_MAX_LEN + 1];
    distfile_t df;
};

/* Sets the answer (the first reason stands: a later call changes nothing)
 * and returns PF_EINVAL, so that a check can end with return upload_reject(...). */
enum pf_err upload_reject(struct upload *u, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The value of field f, or NULL when no non-empty value arrived. */
static inline const char *upload_field(const struct upload *u, enum field f)
{
    return u->seen[f] ? u->fields[f].p : NULL;
}

/* Each check below returns PF_EOK, or PF_EINVAL with the answer set by
 * upload_reject. They run in Warehouse's order:
 * docs/protocols.md, section "Upload checks, in Warehouse's order". */

/* The form alone: protocol, name (sets u->project), version, filetype,
 * pyversion, digests (one at least, unless u->bare). */
enum pf_err upload_check_form(struct upload *u);
/* The login's right to the project, then the file's name: safe, the
 * right extension, naming the project and version of the form (sets u->df). */
enum pf_err upload_check_filename(struct upload *u);
/* A bare upload: the fields twine would have sent, from u->filename. */
enum pf_err upload_bare_fields(struct upload *u);
/* A bare upload: the archive's metadata md names the project and version
 * of its file name. */
enum pf_err upload_bare_agrees(struct upload *u, sv_t md);
/* True when the fields a content part is judged by have all arrived (as
 * twine sends them): then a bad upload is refused before its bytes. */
bool upload_form_complete(const struct upload *u);

#endif
