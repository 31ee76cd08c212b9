/* SPDX-License-Identifier: MIT */
/* upstream_file.h: an upstream file entering the cache: one fetcher across threads and processes, the others following its bytes as they land.
 *
 * The cache keeps a file as DIR/<project>/<sha256>/<filename> once it is
 * complete and checked: the hash its page gives is part of its place, so
 * an upstream that replaces a file under the same name gets the new one
 * fetched, never the old one served under the new hash. While it is
 * being fetched it is a staging file beside it, ".<filename>.part", and
 * whoever holds an exclusive flock(2) on the staging file is its fetcher.
 * Everyone else who asks for the file meanwhile opens the same staging
 * file and reads behind the fetcher ("follows" it):
 *
 * - No new bytes and the lock still held: the fetcher is at work; the
 *   follower waits (polling, as another process on another host may be
 *   the writer), at most idle_ms without growth.
 * - The lock free: the fetcher has ended. When the final name now holds
 *   the follower's inode, the fetch succeeded and the follower reads on to
 *   the end; otherwise it failed (bad hash, upstream error, the process
 *   died) and the bytes read so far are no file: the follower fails too.
 *
 * flock is per open file description, so two threads of one process that
 * each open the staging file exclude each other as two processes do, and
 * the kernel drops the lock of a process that dies. A fetcher that takes
 * over a staging file left by a dead one empties it first.
 *
 * Nothing of a fetch is visible under the final name until upf_commit,
 * which flushes the file and renames it in place: a complete, checked file
 * or none. */
#ifndef PF_UPSTREAM_FILE_H
#define PF_UPSTREAM_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

enum upf_role {
    UPF_NONE,     /* closed */
    UPF_COMPLETE, /* the file is in the cache: fd reads it, size bytes */
    UPF_FETCHER,  /* this caller fetches: upf_write, then upf_commit or upf_abandon */
    UPF_FOLLOWER, /* another fetches: upf_follow gives its bytes as they land */
};

struct upf {
    enum upf_role role;
    int fd;           /* COMPLETE: the file; FETCHER, FOLLOWER: the staging file; -1 when closed */
    int dirfd;        /* the file's directory in the cache, DIR/<project>/<sha256> */
    uint64_t size;    /* COMPLETE (opened as such): the file's size; FETCHER: bytes written */
    uint64_t off;     /* bytes upf_follow has given */
    char name[256];   /* the file name */
};

/* Opens the file `filename` with hash sha256 (64 lower-case hex digits)
 * of project `norm` (a normalized name) in the cache directory cachefd,
 * creating its directories when needed, and says in h->role who this
 * caller is. filename must be a plain name (no '/', not starting with '.',
 * at most 255 bytes): PF_EINVAL otherwise, as for a bad norm or hash.
 * PF_EIO (errno says why) when the cache cannot be written or read. */
enum pf_err upf_open(int cachefd, const char *norm, const char *sha256, const char *filename,
                     struct upf *h) PF_WUR;

/* FETCHER: appends n bytes to the staging file. PF_ENOSPACE when the file
 * system is full, PF_EIO. */
enum pf_err upf_write(struct upf *h, const void *p, size_t n) PF_WUR;

/* FETCHER: the bytes are complete and checked: flushes them, renames the
 * staging file to the final name and releases the lock; h becomes
 * COMPLETE (fd still reads the file). On an error the staging file is
 * removed and h closed (upf_close is still fine). */
enum pf_err upf_commit(struct upf *h) PF_WUR;

/* FETCHER: the fetch failed; removes the staging file and closes h.
 * Followers then fail. */
void upf_abandon(struct upf *h);

/* FOLLOWER (or COMPLETE): reads up to n bytes at the caller's offset into
 * buf and sets *got; waits while the fetcher is still writing. *got == 0
 * with PF_EOK: the end of the complete, committed file. PF_EUNAVAIL: the
 * fetch failed or its fetcher stopped without a new byte for idle_ms
 * milliseconds; the bytes given so far are no file. PF_EIO. */
enum pf_err upf_follow(struct upf *h, void *buf, size_t n, size_t *got, int idle_ms) PF_WUR;

/* Closes h (a FETCHER that did not commit abandons); fine on a closed h. */
void upf_close(struct upf *h);

#endif
