/* SPDX-License-Identifier: MIT */
/* upstream_store_int.h: what the format and the file halves of upstream_store share (see upstream_store.h). */
#ifndef PF_UPSTREAM_STORE_INT_H
#define PF_UPSTREAM_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "buf.h"
#include "error.h"
#include "sv.h"
#include "upstream_store.h"

/* The largest check stamp written or read. */
#define UPSTORE_STAMP_MAX 256

/* The stamp naming the record sha256 with its check time, in out: its
 * length (always less than UPSTORE_STAMP_MAX). */
int upstore_stamp_encode(char out[UPSTORE_STAMP_MAX], const char *sha256, int64_t checked_at);
/* The check time of a stamp (len bytes at p) when it is well-formed and
 * names the record sha256, else -1. */
int64_t upstore_stamp_decode(const char *p, size_t len, const char *sha256);

/* True when s is well-formed UTF-8. */
bool upstore_utf8_ok(const char *s);

/* Appends s with space and the bytes below it, 0x7f and above, and '%'
 * written as %XX (lower-case hex); a failure sticks to b. */
void upstore_put_esc(buf_t *b, const char *s);
/* The string upstore_put_esc wrote as v, at most cap bytes decoded, into
 * a malloc'd *out. Strict: only the bytes it leaves as they are, only
 * lower-case escapes of the bytes it escapes, no NUL. PF_ECORRUPT or
 * PF_ENOMEM with *why (static text) saying what was wrong. */
enum pf_err upstore_unesc(sv_t v, size_t cap, char **out, const char **why) PF_WUR;

/* Opens DIR/sub (made when missing and mk): its fd, or -1 with *e and err
 * set (PF_ENOTFOUND when DIR or sub is missing). */
int upstore_open_sub(const char *dir, const char *sub, bool mk, enum pf_err *e, buf_t *err);
/* The whole regular file name in dfd (no symbolic link), at most cap
 * bytes (checked before reading), into a malloc'd *out. PF_ENOTFOUND,
 * PF_ECORRUPT (not a regular file, over the cap), PF_EIO, PF_ENOMEM. */
enum pf_err upstore_read_whole(int dfd, const char *name, size_t cap, char **out, size_t *outlen, buf_t *err) PF_WUR;
/* Writes data to name in dfd through a temporary file and a rename;
 * durable: the file and then the directory are fsync'd. The file's mode
 * is mode, or 0644 less the umask when mode is 0. */
enum pf_err upstore_write_atomic(int dfd, const char *name, const void *data, size_t len, bool durable, mode_t mode,
                                 buf_t *err) PF_WUR;

#endif
