/* SPDX-License-Identifier: MIT */
/* fs.c: filesystem helpers for the index, the records and the store: paths, stamps, write errors. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fs.h"

/* Lookups of fs_open_beneath before an EAGAIN is given up on. */
#define FS_BENEATH_TRIES 64

int64_t fs_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return fs_ts_ns(t);
}

int fs_stat_sync(int dirfd, const char *path, struct stat *st, int flags)
{
    struct statx x;
    if (statx(dirfd, path, flags | AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &x) != 0)
        return -1;
    memset(st, 0, sizeof *st);
    st->st_dev = makedev(x.stx_dev_major, x.stx_dev_minor);
    st->st_ino = (ino_t)x.stx_ino;
    st->st_mode = x.stx_mode;
    st->st_nlink = x.stx_nlink;
    st->st_uid = x.stx_uid;
    st->st_gid = x.stx_gid;
    st->st_rdev = makedev(x.stx_rdev_major, x.stx_rdev_minor);
    st->st_size = (off_t)x.stx_size;
    st->st_blksize = (blksize_t)x.stx_blksize;
    st->st_blocks = (blkcnt_t)x.stx_blocks;
    st->st_atim = (struct timespec){ x.stx_atime.tv_sec, x.stx_atime.tv_nsec };
    st->st_mtim = (struct timespec){ x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec };
    st->st_ctim = (struct timespec){ x.stx_ctime.tv_sec, x.stx_ctime.tv_nsec };
    return 0;
}

void fs_stamp_path(const char *path, struct fs_stamp *st)
{
    struct stat sb;
    if (fs_stat_sync(AT_FDCWD, path, &sb, 0) == 0)
        fs_stamp_of(st, &sb);
    else
        *st = (struct fs_stamp){ .err = errno ? errno : EIO };
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
    /* With RESOLVE_BENEATH, a ".." met while any rename runs anywhere on
     * the system (an upload's link and unlink do) makes the kernel give up
     * with EAGAIN rather than risk an escape: the lookup is tried again. */
    int fd, tries = 0;
    do
        fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN && ++tries < FS_BENEATH_TRIES);
    if (fd >= 0 || errno != ENOSYS)
        return fd;
    /* Without openat2: refuse any symlink on the way. */
    if (strstr(path, "..")) {
        errno = EXDEV;
        return -1;
    }
    return openat(dirfd, path, flags | O_CLOEXEC | O_NOFOLLOW);
}
