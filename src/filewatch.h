/* SPDX-License-Identifier: MIT */
/* filewatch.h: a small file kept parsed in memory and re-read when it changes. */
#ifndef PF_FILEWATCH_H
#define PF_FILEWATCH_H

#include <stddef.h>
#include "buf.h"
#include "error.h"

/* Largest file that is read; a larger one is refused (at open, an error;
 * on reload, the previous contents stay in use). */
#define FILEWATCH_MAX_SIZE ((size_t)4 << 20)

/* Turns the text of the file origin (len bytes, with a NUL at text[len];
 * it may hold other NULs) into a new snapshot in *out. Returns PF_EOK, or
 * an error with *out untouched. Called by one thread at a time per watch. */
typedef enum pf_err (*filewatch_parse_fn)(const char *text, size_t len, const char *origin, void **out);
/* Frees a snapshot made by the parse function. */
typedef void (*filewatch_free_fn)(void *snapshot);

struct filewatch;      /* a watched file; thread-safe */
struct filewatch_snap; /* one parsed version of it, reference-counted */

/* Reads and parses the file at path (which is copied). The first load must
 * succeed: on failure writes a one-line message naming the path to err and
 * returns PF_EIO (cannot open or read), PF_EINVAL (not a regular file),
 * PF_ETOOBIG (larger than FILEWATCH_MAX_SIZE), the parse function's error,
 * or PF_ENOMEM. On success the caller owns *out (filewatch_close). */
enum pf_err filewatch_open(const char *path, filewatch_parse_fn parse, filewatch_free_fn free_fn,
                           struct filewatch **out, buf_t *err) PF_WUR;

/* The current snapshot, with a reference the caller gives back with
 * filewatch_put; never NULL. Stats the path on each call and, when the
 * file's device, inode, link count, size, mtime or ctime differ from the
 * version in use, reads and parses it again (one thread does, while the others go on
 * with the version in use). When that fails (missing, unreadable, too big,
 * parse error), the previous snapshot stays in use (an empty one, for a
 * watch that fails closed) and one warning is logged per state of the
 * file, not per call. An in-place rewrite that
 * keeps the size and lands within the filesystem's timestamp granularity
 * is not seen until the file next changes. */
struct filewatch_snap *filewatch_get(struct filewatch *w);
/* The parsed data of a snapshot, as the parse function made it; NULL for
 * the empty snapshot of a watch that fails closed. */
const void *filewatch_data(const struct filewatch_snap *s);
/* Makes w fail closed: from now on, when the file cannot be read again
 * (missing, unreadable, not a regular file, too big, a parse error), the
 * version in use is dropped for an empty snapshot (no data) until the file
 * can be read; the warning says so. For files that grant something, where
 * removing the file must revoke it. Call before other threads use w.
 * Fails only with PF_ENOMEM. */
enum pf_err filewatch_fail_closed(struct filewatch *w) PF_WUR;
/* Gives back a reference from filewatch_get; the last one frees the
 * snapshot. s may be NULL. */
void filewatch_put(struct filewatch_snap *s);
/* Frees the watch; snapshots still held stay valid until put. No other
 * thread may be using w. w may be NULL. */
void filewatch_close(struct filewatch *w);

#endif
