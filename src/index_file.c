/* SPDX-License-Identifier: MIT */
/* index_file.c: one file of a snapshot: found by its path, opened beneath its root, its METADATA read. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "index_int.h"
#include "urlpath.h"

enum pf_err index_find_file(index_t *idx, sv_t relpath, struct index_project **proj, const struct index_file **file)
{
    *proj = NULL;
    *file = NULL;
    long slash = -1;
    for (size_t i = 0; i < relpath.len; i++)
        if (relpath.p[i] == '/')
            slash = (long)i;
    sv_t fname = sv_make(relpath.p + slash + 1, relpath.len - (size_t)(slash + 1));
    distfile_t df;
    if (distfile_parse(fname, &df) != PF_EOK)
        return PF_ENOTFOUND;
    struct index_project *p;
    enum pf_err e = index_project(idx, df.project, &p);
    if (e)
        return e;
    for (size_t i = 0; i < p->nfiles; i++)
        if (sv_eq(sv_cstr(p->files[i].relpath), relpath)) {
            *proj = p;
            *file = &p->files[i];
            return PF_EOK;
        }
    index_project_release(idx, p);
    return PF_ENOTFOUND;
}

/* The path below root of fd, a regular file just opened beneath it, read
 * back from the kernel: no symlink in it. Refused (NULL, *why set) when it
 * is not below the root's path (the root moved away since the start, which
 * the web server's confinement by path would not follow) or is a path
 * urlpath_relpath_ok refuses: a link to a dot-file (a sidecar record) or to
 * a name with spaces or control bytes is refused like one that leaves.
 * The result points into real (PATH_MAX + 1 bytes). */
static const char *real_below_root(const char *root, int fd, char *real, const char **why)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = "it is not a regular file";
        return NULL;
    }
    char proc[32];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(proc, real, PATH_MAX);
    if (n < 0 || n >= PATH_MAX) {
        *why = "its real path cannot be read (is /proc mounted?)";
        return NULL;
    }
    real[n] = '\0';
    size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/') {
        *why = "its real path is not below the root's path";
        return NULL;
    }
    if (!urlpath_relpath_ok(sv_cstr(real + rl + 1))) {
        *why = "it resolves to a path that is not served";
        return NULL;
    }
    return real + rl + 1;
}

int index_open_file(index_t *idx, const struct index_file *f, const char **why)
{
    *why = NULL;
    int fd = fs_open_beneath(idx->rootfds[f->root], f->relpath, O_RDONLY);
    if (fd < 0) {
        *why = errno == EXDEV || errno == ELOOP ? "it leads outside its root" : "it cannot be opened";
        return -1;
    }
    char real[PATH_MAX + 1];
    if (!real_below_root(idx->cfg->roots[f->root], fd, real, why)) {
        close(fd);
        return -1;
    }
    return fd;
}

enum pf_err index_read_metadata(index_t *idx, const struct index_file *f, char **out, size_t *len)
{
    if (!f->rec.has_metadata)
        return PF_ENOTFOUND;
    const char *slash = strrchr(f->relpath, '/');
    int dirfd;
    if (slash) {
        char *dir = strndup(f->relpath, (size_t)(slash - f->relpath));
        if (!dir)
            return PF_ENOMEM;
        dirfd = fs_open_beneath(idx->rootfds[f->root], dir, O_RDONLY | O_DIRECTORY);
        free(dir);
    } else
        dirfd = openat(idx->rootfds[f->root], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return PF_ENOTFOUND;
    enum pf_err e = sidecar_load_metadata(dirfd, f->filename, &f->rec, out, len);
    if (e && e != PF_ENOMEM) {
        /* A directory pypi-fcgi cannot write keeps it in the state
         * directory; the record's hash tells which one is right. */
        char key[DIGEST_HEX_LEN + 1];
        int statefd = state_open(&idx->state, dirfd, false, key);
        if (statefd >= 0) {
            e = sidecar_load_metadata(statefd, f->filename, &f->rec, out, len);
            close(statefd);
        }
    }
    close(dirfd);
    return e;
}

enum pf_err index_real_relpath(index_t *idx, const struct index_file *f, buf_t *out, const char **why)
{
    *why = NULL;
    int fd = fs_open_beneath(idx->rootfds[f->root], f->relpath, O_PATH);
    if (fd < 0) {
        *why = errno == EXDEV || errno == ELOOP ? "it leads outside its root" : "it cannot be opened";
        return PF_ENOTFOUND;
    }
    char real[PATH_MAX + 1];
    const char *rel = real_below_root(idx->cfg->roots[f->root], fd, real, why);
    close(fd);
    return rel ? buf_append_str(out, rel) : PF_ENOTFOUND;
}

