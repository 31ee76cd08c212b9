/* SPDX-License-Identifier: MIT */
/* meta.c: core metadata extraction with libarchive, with caps on every read. */
#include "config.h"
#include <pthread.h>
#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include "log.h"
#include "meta.h"
#include "name.h"

/* True when entry path is "<top>/<leaf>" with no further '/' and a
 * non-empty top (a leading "./" as some tar writers add is allowed). */
static bool split_top(const char *path, sv_t *top, const char *leaf)
{
    sv_t p = sv_cstr(path);
    if (sv_starts_with(p, SV_LIT("./")))
        p = sv_make(p.p + 2, p.len - 2);
    long slash = sv_index(p, '/');
    if (slash <= 0)
        return false;
    sv_t rest = sv_make(p.p + slash + 1, p.len - (size_t)slash - 1);
    if (!sv_eq(rest, sv_cstr(leaf)))
        return false;
    *top = sv_make(p.p, (size_t)slash);
    return true;
}

/* A wheel's .dist-info directory belongs to project when the part before
 * its first '-' normalizes to the project name (pip checks the same). */
static bool dist_info_matches(sv_t top, const char *project)
{
    if (!sv_ends_with(top, SV_LIT(".dist-info")))
        return false;
    sv_t stem = sv_make(top.p, top.len - (sizeof ".dist-info" - 1));
    long dash = sv_index(stem, '-');
    sv_t name = dash < 0 ? stem : sv_make(stem.p, (size_t)dash);
    char norm[NAME_MAX_LEN + 1];
    return name_normalize(name, norm, sizeof norm) > 0 && strcmp(norm, project) == 0;
}

static enum pf_err read_member(struct archive *a, struct archive_entry *ent, buf_t *out)
{
    if (archive_entry_size_is_set(ent) && archive_entry_size(ent) > (la_int64_t)META_MAX_SIZE)
        return PF_ETOOBIG;
    /* The declared size may lie: count what really comes out. */
    buf_t tmp;
    buf_init(&tmp, META_MAX_SIZE);
    char chunk[16384];
    enum pf_err e = PF_EOK;
    for (;;) {
        la_ssize_t r = archive_read_data(a, chunk, sizeof chunk);
        if (r == 0)
            break;
        if (r < 0) {
            e = PF_EFORMAT;
            break;
        }
        if ((e = buf_append(&tmp, chunk, (size_t)r)))
            break;
    }
    if (!e)
        e = buf_append(out, tmp.p ? tmp.p : "", tmp.len);
    buf_free(&tmp);
    return e;
}

static const struct {
    const char *name;
    int (*enable)(struct archive *);
} filters[] = {
    { "gzip", archive_read_support_filter_gzip },   { "bzip2", archive_read_support_filter_bzip2 },
    { "xz", archive_read_support_filter_xz },       { "lzma", archive_read_support_filter_lzma },
    { "lzip", archive_read_support_filter_lzip },
};
#define NFILTERS (sizeof filters / sizeof filters[0])
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static unsigned builtin_filters; /* bit i: filters[i] is built into libarchive; set once */

/* ARCHIVE_WARN from a support function means "through an external
 * program": those stay off. */
static void find_builtin_filters(void)
{
    for (size_t i = 0; i < NFILTERS; i++) {
        struct archive *probe = archive_read_new();
        if (!probe)
            continue;
        if (filters[i].enable(probe) == ARCHIVE_OK)
            builtin_filters |= 1u << i;
        else
            LOG(LOG_WARN, "libarchive reads %s only through an external program: sdists compressed so are "
                          "indexed without their metadata", filters[i].name);
        archive_read_free(probe);
    }
}

enum pf_err meta_extract(int fd, enum distfile_kind kind, const char *project, buf_t *out)
{
    struct archive *a = archive_read_new();
    if (!a)
        return PF_ENOMEM;
    enum pf_err e = PF_ENOTFOUND;
    if (kind == DISTFILE_WHEEL) {
        archive_read_support_format_zip(a);
    } else {
        /* The compressions of the sdist suffixes pip installs, and only
         * those libarchive does itself: a filter it would run as an external
         * program (what _filter_all does for lrzip, lzop, grzip...) is never
         * enabled, so an uploaded archive cannot make us exec anything. */
        pthread_once(&builtin_once, find_builtin_filters);
        for (size_t i = 0; i < NFILTERS; i++)
            if (builtin_filters & (1u << i))
                filters[i].enable(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_zip(a);
    }
    if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
        e = PF_EFORMAT;
        goto out;
    }
    struct archive_entry *ent;
    bool found = false;
    for (unsigned n = 0;; n++) {
        int r = archive_read_next_header(a, &ent);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN || n >= META_MAX_ENTRIES ||
            (uint64_t)archive_filter_bytes(a, 0) > META_MAX_SCAN) {
            e = found ? e : PF_EFORMAT;
            if (!found)
                goto out;
            break;
        }
        const char *path = archive_entry_pathname(ent);
        if (!path || archive_entry_filetype(ent) != AE_IFREG)
            continue;
        sv_t top;
        if (kind == DISTFILE_WHEEL) {
            if (!split_top(path, &top, "METADATA") || !dist_info_matches(top, project))
                continue;
        } else if (!split_top(path, &top, "PKG-INFO")) {
            continue;
        }
        if (found) {
            e = PF_EFORMAT; /* two candidates: refuse to guess */
            goto out;
        }
        if ((e = read_member(a, ent, out)))
            goto out;
        found = true;
        e = PF_EOK;
        /* An sdist's first <top>/PKG-INFO is its metadata (the stream is
         * not read further). A wheel's zip directory is cheap to walk, so
         * a second matching .dist-info is detected and refused. */
        if (kind != DISTFILE_WHEEL)
            break;
    }
    if (!found)
        e = PF_ENOTFOUND;
out:
    archive_read_free(a);
    return e;
}

bool meta_field(sv_t md, const char *name, sv_t *value)
{
    sv_t key = sv_cstr(name);
    while (md.len) {
        sv_t line = sv_split(&md, '\n');
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        if (line.len == 0)
            return false; /* end of the header block: the body follows */
        if (line.p[0] == ' ' || line.p[0] == '\t')
            continue;
        long colon = sv_index(line, ':');
        if (colon < 0)
            continue;
        if (!sv_ieq(sv_make(line.p, (size_t)colon), key))
            continue;
        sv_t v = sv_trim(sv_make(line.p + colon + 1, line.len - (size_t)colon - 1));
        if (v.len == 0)
            return false;
        *value = v;
        return true;
    }
    return false;
}
