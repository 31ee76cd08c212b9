/* SPDX-License-Identifier: MIT */
/* fs.c: filesystem helpers for the index, the records and the store: paths, stamps, write errors. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fs.h"

int64_t fs_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return fs_ts_ns(t);
}

void fs_stamp_of(struct fs_stamp *s, const struct stat *st)
{
    memset(s, 0, sizeof *s);
    s->dev = st->st_dev;
    s->ino = st->st_ino;
    s->nlink = st->st_nlink;
    s->size = st->st_size;
    s->mtim = st->st_mtim;
    s->ctim = st->st_ctim;
}

bool fs_stamp_eq(const struct fs_stamp *a, const struct fs_stamp *b)
{
    if (a->err || b->err)
        return a->err == b->err;
    return a->dev == b->dev && a->ino == b->ino && a->nlink == b->nlink && a->size == b->size &&
           fs_ts_ns(a->mtim) == fs_ts_ns(b->mtim) && fs_ts_ns(a->ctim) == fs_ts_ns(b->ctim);
}

enum pf_err fs_write_err(int err)
{
    return err == ENOSPC || err == EDQUOT || err == EFBIG ? PF_ENOSPACE : PF_EIO;
}

char *fs_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, la);
    size_t n = la;
    if (la && lb)
        p[n++] = '/';
    memcpy(p + n, b, lb);
    p[n + lb] = '\0';
    return p;
}

int fs_open_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC,
                            .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
    int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS)
        return fd;
    /* Without openat2: refuse any symlink on the way. */
    if (strstr(path, "..")) {
        errno = EXDEV;
        return -1;
    }
    return openat(dirfd, path, flags | O_CLOEXEC | O_NOFOLLOW);
}
