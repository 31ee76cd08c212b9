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
