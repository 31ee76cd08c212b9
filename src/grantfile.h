/* SPDX-License-Identifier: MIT */
/* grantfile.h: a watched file that grants something (logins, upload rights) and fails closed. */
#ifndef PF_GRANTFILE_H
#define PF_GRANTFILE_H

#include "buf.h"
#include "error.h"
#include "filewatch.h"

/* filewatch_open, with the watch made to fail closed
 * (filewatch_fail_closed): while the file is missing or cannot be read
 * (it was when opened), filewatch_data gives NULL for the version read
 * before, so that deleting the file revokes what it granted instead of
 * leaving the last version in force. On failure writes a one-line message
 * naming the path to err and returns filewatch_open's error or PF_ENOMEM.
 * The caller owns *out (filewatch_close). */
enum pf_err grantfile_open(const char *path, filewatch_parse_fn parse, filewatch_free_fn free_fn,
                           struct filewatch **out, buf_t *err) PF_WUR;

/* Defines, in the .c file of a module whose parsed files grant something,
 * the handle of such a file under the module's own type:
 *   static struct filewatch *watch_of(struct FILE_T *f): the watch behind f;
 *   enum pf_err OPEN(const char *path, struct FILE_T **out, buf_t *err):
 *     grantfile_open with PARSE and FREE (which take a DATA_T);
 *   void CLOSE(struct FILE_T *f): filewatch_close (f may be NULL).
 * struct FILE_T is never defined: a pointer to it is the struct filewatch
 * that OPEN made. The module writes its accessors with watch_of,
 * filewatch_get, filewatch_data (DATA_T, or NULL while the file cannot be
 * read) and filewatch_put. */
#define GRANTFILE_DEFINE(FILE_T, DATA_T, PARSE, FREE, OPEN, CLOSE)                                    \
    static struct filewatch *watch_of(struct FILE_T *f)                                               \
    {                                                                                                 \
        return (struct filewatch *)f;                                                                 \
    }                                                                                                 \
    static enum pf_err grantfile_parse_(const char *text, size_t len, const char *origin, void **out) \
    {                                                                                                 \
        DATA_T *d = NULL;                                                                             \
        enum pf_err e = PARSE(text, len, origin, &d);                                                 \
        if (!e)                                                                                       \
            *out = d;                                                                                 \
        return e;                                                                                     \
    }                                                                                                 \
    static void grantfile_free_(void *d)                                                              \
    {                                                                                                 \
        FREE(d);                                                                                      \
    }                                                                                                 \
    enum pf_err OPEN(const char *path, struct FILE_T **out, buf_t *err)                               \
    {                                                                                                 \
        struct filewatch *w;                                                                          \
        enum pf_err e = grantfile_open(path, grantfile_parse_, grantfile_free_, &w, err);             \
        if (!e)                                                                                       \
            *out = (struct FILE_T *)w;                                                                \
        return e;                                                                                     \
    }                                                                                                 \
    void CLOSE(struct FILE_T *f)                                                                      \
    {                                                                                                 \
        filewatch_close(watch_of(f));                                                                 \
    }

#endif
