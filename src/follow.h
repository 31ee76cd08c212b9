/* SPDX-License-Identifier: MIT */
/* follow.h: digests of a file computed while it is being written.
 *
 * An upload is written to its staging file by the request's thread; a
 * follower reads it back behind the writer, from the page cache, on
 * threads of its own (one per digest), and flushes the file to disk as it
 * grows, so that neither the hashing nor the final fsync sits between the
 * last byte arriving and the answer. With twine's three
 * digests of a 1 GiB file that is seconds of CPU taken off the request.
 *
 * Use from one thread (the writer): start, then advance after each write
 * with the file's size so far, then finish (or abort). When a thread
 * cannot be started, finish computes that digest itself: slower, never
 * wrong. */
#ifndef PF_FOLLOW_H
#define PF_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>
#include "digest.h"
#include "error.h"

struct follow;

/* Starts following fd (readable with pread; bytes from offset 0) for the
 * digests named by which (DIGEST_* bits, 0 for none). With sync, another
 * thread flushes the file (fdatasync) each time it has grown by 64 MiB, so
 * that the caller's own fsync before publishing has little left to write.
 * PF_EINVAL for an unknown bit, PF_ENOMEM. */
enum pf_err follow_start(struct follow **out, int fd, unsigned which, bool sync) PF_WUR;

/* The file now holds its first `written` bytes (never less than before). */
void follow_advance(struct follow *f, uint64_t written);

/* Waits until every byte up to the last advance is hashed, writes the hex
 * digests asked for (others: empty strings) and frees f. PF_EIO when the
 * file could not be read back or a flush failed, PF_ENOMEM; errno then
 * says why (ENOSPC from a flush, say). */
enum pf_err follow_finish(struct follow *f, char sha256[DIGEST_HEX_LEN + 1], char blake2b[DIGEST_HEX_LEN + 1],
                          char md5[DIGEST_MD5_HEX_LEN + 1]) PF_WUR;

/* Stops the threads without waiting for the rest of the file and frees f;
 * NULL is fine. */
void follow_abort(struct follow *f);

#endif
