/* SPDX-License-Identifier: MIT */
/* fs.h: filesystem helpers for the index, the records and the store: paths, stamps, write errors. */
#ifndef PF_FS_H
#define PF_FS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "error.h"

/* Nanoseconds of a timespec; of CLOCK_REALTIME now. */
static inline int64_t fs_ts_ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec; }
int64_t fs_now_ns(void);

/* What stat says about a path, to tell whether it changed since: the
 * identity and version of what is there, or why there is nothing. */
struct fs_stamp {
    int err; /* 0: the fields below are set; else an errno (a negative one: never taken) */
    dev_t dev;
    ino_t ino;
    nlink_t nlink;
    off_t size;
    struct timespec mtim, ctim;
};
/* The stamp of what st describes. Inline, as fs_stamp_eq: every request
 * for a cached page stamps the directories its snapshot depends on. */
static inline void fs_stamp_of(struct fs_stamp *s, const struct stat *st)
{
    memset(s, 0, sizeof *s);
    s->dev = st->st_dev;
    s->ino = st->st_ino;
    s->nlink = st->st_nlink;
    s->size = st->st_size;
    s->mtim = st->st_mtim;
    s->ctim = st->st_ctim;
}

/* True when a and b show the same thing unchanged: the same device, inode,
 * link count, size, mtime and ctime, or both nothing for the same reason.
 * A rewrite in place that keeps the size and lands within the file
 * system's timestamp granularity does not show. */
static inline bool fs_stamp_eq(const struct fs_stamp *a, const struct fs_stamp *b)
{
    if (a->err || b->err)
        return a->err == b->err;
    return a->dev == b->dev && a->ino == b->ino && a->nlink == b->nlink && a->size == b->size &&
           fs_ts_ns(a->mtim) == fs_ts_ns(b->mtim) && fs_ts_ns(a->ctim) == fs_ts_ns(b->ctim);
}

/* fstatat(dirfd, path, st, flags) that asks a network filesystem for
 * what is true now, not what its attribute cache remembers: statx with
 * AT_STATX_FORCE_SYNC (an NFS client then sends a GETATTR; a local file
 * system answers as stat does). An empty path with AT_EMPTY_PATH stamps
 * dirfd itself. Every "has this changed" of the tree and of the files
 * read while serving goes through here, so that a change made through
 * another host is seen at the next look. 0, or -1 with errno set. */
int fs_stat_sync(int dirfd, const char *path, struct stat *st, int flags);
/* The stamp of path (symbolic links followed) as fs_stat_sync sees it
 * now; when it cannot be stat'ed, a stamp of its errno alone. */
void fs_stamp_path(const char *path, struct fs_stamp *st);

/* The error of a write that failed with errno err: PF_ENOSPACE when the
 * file system has no room (ENOSPC, EDQUOT, or EFBIG: a file size limit),
 * PF_EIO otherwise. */
enum pf_err fs_write_err(int err);

/* "a/b" in a new malloc'd string (just b when a is empty, just a when b
 * is); NULL when out of memory. The caller frees it. */
char *fs_join(const char *a, const char *b);

/* Opens path below dirfd without leaving it (symlinks included): openat2
 * with RESOLVE_BENEATH where the kernel has it (tried again when it gives
 * up on a ".." because a rename ran meanwhile: EAGAIN), else openat
 * refusing any symlink and any "..". O_CLOEXEC is added to flags. Returns
 * the fd, or -1 with errno set (EXDEV or ELOOP: the path leads outside). */
int fs_open_beneath(int dirfd, const char *path, int flags);

#endif
