/* SPDX-License-Identifier: MIT */
/* meta.c: core metadata extraction with libarchive, with caps on every read. */
#include "config.h"
#include <pthread.h>
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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
    la_ssize_t r;
    while ((r = archive_read_data(a, chunk, sizeof chunk)) > 0)
        if (buf_append(&tmp, chunk, (size_t)r))
            break;
    enum pf_err e = buf_err(&tmp);
    if (!e)
        e = r < 0 ? PF_EFORMAT : buf_append_sv(out, buf_sv(&tmp));
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

/* ---- zip layout ---- */

#define ZWIN (128u << 10) /* holds the largest end record with its comment (65557 bytes) */

/* A pread window over the file: records are read where they lie, and a
 * directory of many small records costs one system call per window. */
struct zwin {
    int fd;
    bool ioerr;
    uint64_t size; /* of the file */
    uint64_t off;  /* file offset of buf[0] */
    size_t len;    /* bytes valid in buf */
    unsigned char buf[ZWIN];
};

/* The n bytes (n <= ZWIN) at file offset pos, valid until the next call;
 * NULL when they are not all in the file or cannot be read. */
static const unsigned char *zw_at(struct zwin *z, uint64_t pos, size_t n)
{
    if (pos > z->size || n > z->size - pos)
        return NULL;
    if (pos >= z->off && pos - z->off <= z->len && n <= z->len - (pos - z->off))
        return z->buf + (pos - z->off);
    uint64_t want = z->size - pos < ZWIN ? z->size - pos : ZWIN;
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(z->fd, z->buf + got, want - got, (off_t)(pos + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            z->ioerr = r < 0;
            break;
        }
        got += (size_t)r;
    }
    z->off = pos;
    z->len = got;
    return got >= n ? z->buf : NULL;
}

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Where a central directory record's local header lies and how much data
 * it announces. */
struct zlocal {
    uint64_t off;
    uint64_t csize;
};

static int zlocal_cmp(const void *a, const void *b)
{
    const struct zlocal *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* The extra fields of a central directory record: they must tile it (as
 * libarchive requires; fewer than 4 trailing zero bytes are tolerated, as
 * it does), with at most one zip64 field, whose 8-byte values replace the
 * 32-bit sizes and offset that are 0xFFFFFFFF, in APPNOTE order. */
static bool zip_extra(const unsigned char *x, size_t len, uint64_t *usize, uint64_t *csize, uint64_t *off)
{
    bool zip64 = false;
    size_t i = 0;
    while (len - i >= 4) {
        unsigned id = le16(x + i), n = le16(x + i + 2);
        i += 4;
        if (n > len - i)
            return false;
        if (id == 0x0001) {
            if (zip64)
                return false;
            zip64 = true;
            const unsigned char *v = x + i;
            size_t left = n;
            uint64_t *fields[] = { usize, csize, off };
            for (size_t f = 0; f < 3; f++) {
                if (*fields[f] != 0xFFFFFFFFu)
                    continue;
                if (left < 8 || le64(v) > INT64_MAX)
                    return false;
                *fields[f] = le64(v);
                v += 8;
                left -= 8;
            }
        }
        i += n;
    }
    for (; i < len; i++)
        if (x[i] != 0)
            return false;
    return true;
}

enum pf_err meta_zip_check(int fd, uint64_t *entries)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return PF_EIO;
    if (!S_ISREG(st.st_mode) || st.st_size < 22)
        return PF_EFORMAT;
    struct zwin *z = malloc(sizeof *z);
    if (!z)
        return PF_ENOMEM;
    z->fd = fd;
    z->ioerr = false;
    z->size = (uint64_t)st.st_size;
    z->off = z->len = 0;
    struct zlocal *locals = NULL;
    enum pf_err e = PF_EFORMAT;

    /* The end record: the last signature in the tail, as libarchive takes
     * the last one it finds; its comment must run exactly to the end, so
     * nothing else can pass for it. */
    size_t tail = z->size < 22 + 65535 ? (size_t)z->size : 22 + 65535;
    const unsigned char *t = zw_at(z, z->size - tail, tail);
    if (!t)
        goto out;
    uint64_t eocd = UINT64_MAX;
    for (size_t i = tail - 3; i-- > 0;)
        if (memcmp(t + i, "PK\5\6", 4) == 0) {
            eocd = z->size - tail + i;
            break;
        }
    if (eocd == UINT64_MAX || z->size - eocd < 22)
        goto out;
    const unsigned char *p = t + (eocd - (z->size - tail));
    if (le16(p + 20) != z->size - eocd - 22 || le16(p + 4) != 0 || le16(p + 6) != 0 || le16(p + 8) != le16(p + 10))
        goto out;
    uint64_t count = le16(p + 10), cdsize = le32(p + 12), cdoff = le32(p + 16), cdend = eocd;

    /* Zip64: libarchive follows a locator right before the end record. */
    const unsigned char *loc = eocd >= 20 ? zw_at(z, eocd - 20, 20) : NULL;
    if (loc && memcmp(loc, "PK\6\7", 4) == 0) {
        uint64_t rec = le64(loc + 8);
        if (le32(loc + 4) != 0 || le32(loc + 16) != 1 || rec > eocd - 20 || eocd - 20 - rec < 56)
            goto out;
        const unsigned char *r = zw_at(z, rec, 56);
        if (!r || memcmp(r, "PK\6\6", 4) != 0 || le64(r + 4) != eocd - 20 - rec - 12 || le32(r + 16) != 0 ||
            le32(r + 20) != 0 || le64(r + 24) != le64(r + 32))
            goto out;
        uint64_t c64 = le64(r + 32), s64 = le64(r + 40), o64 = le64(r + 48);
        if ((count != 0xFFFF && count != c64) || (cdsize != 0xFFFFFFFFu && cdsize != s64) ||
            (cdoff != 0xFFFFFFFFu && cdoff != o64))
            goto out;
        count = c64;
        cdsize = s64;
        cdoff = o64;
        cdend = rec;
    }
    if (cdoff > cdend || cdend - cdoff != cdsize)
        goto out;
    /* The caps, before anything is walked or allocated. */
    if (count > META_MAX_ENTRIES || cdsize > META_MAX_ZIPDIR || cdsize < count * 46)
        goto out;

    if (count && !(locals = malloc(count * sizeof *locals))) {
        e = PF_ENOMEM;
        goto out;
    }
    uint64_t pos = cdoff;
    for (uint64_t i = 0; i < count; i++) {
        const unsigned char *h = cdend - pos >= 46 ? zw_at(z, pos, 46) : NULL;
        if (!h || memcmp(h, "PK\1\2", 4) != 0)
            goto out;
        size_t nlen = le16(h + 28), xlen = le16(h + 30), clen = le16(h + 32);
        uint64_t usize = le32(h + 24), csize = le32(h + 20), off = le32(h + 42);
        if (cdend - pos - 46 < (uint64_t)nlen + xlen + clen)
            goto out;
        const unsigned char *x = xlen ? zw_at(z, pos + 46 + nlen, xlen) : NULL;
        if (xlen && (!x || !zip_extra(x, xlen, &usize, &csize, &off)))
            goto out;
        locals[i] = (struct zlocal){ off, csize };
        pos += 46 + nlen + xlen + clen;
    }
    if (pos != cdend)
        goto out;

    /* Local headers: in the file before the directory, one after the
     * other, each read by libarchive once. */
    if (count)
        qsort(locals, count, sizeof *locals, zlocal_cmp);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t off = locals[i].off, limit = i + 1 < count ? locals[i + 1].off : cdoff;
        const unsigned char *h = off <= limit && limit - off >= 30 ? zw_at(z, off, 30) : NULL;
        if (!h || memcmp(h, "PK\3\4", 4) != 0)
            goto out;
        uint64_t len = 30 + (uint64_t)le16(h + 26) + le16(h + 28);
        if (limit - off < len || limit - off - len < locals[i].csize)
            goto out;
    }
    *entries = count;
    e = PF_EOK;
out:
    if (e == PF_EFORMAT && z->ioerr)
        e = PF_EIO;
    free(locals);
    free(z);
    return e;
}

/* ---- reading ---- */

/* Walks the entries of an open archive for the metadata member: a wheel's
 * every entry (a second match is refused), an sdist's up to the first
 * match. A member that is not the metadata is refused before libarchive
 * skips it (in the next archive_read_next_header) when its declared size
 * would take the walk past scan bytes of the stream a reads. */
static enum pf_err find_member(struct archive *a, enum distfile_kind kind, const char *project, uint64_t scan,
                               buf_t *out)
{
    struct archive_entry *ent;
    bool found = false;
    enum pf_err e = PF_ENOTFOUND;
    for (unsigned n = 0;; n++) {
        int r = archive_read_next_header(a, &ent);
        if (r == ARCHIVE_EOF)
            break;
        uint64_t at = (uint64_t)archive_filter_bytes(a, 0);
        if (r < ARCHIVE_WARN || n >= META_MAX_ENTRIES || at > scan)
            return found ? e : PF_EFORMAT;
        const char *path = archive_entry_pathname(ent);
        sv_t top;
        bool match = path && archive_entry_filetype(ent) == AE_IFREG &&
                     (kind == DISTFILE_WHEEL ? split_top(path, &top, "METADATA") && dist_info_matches(top, project)
                                             : split_top(path, &top, "PKG-INFO"));
        if (!match) {
            la_int64_t size = archive_entry_size_is_set(ent) ? archive_entry_size(ent) : 0;
            if (size < 0 || (uint64_t)size > scan - at)
                return found ? e : PF_EFORMAT;
            continue;
        }
        if (found)
            return PF_EFORMAT; /* two candidates: refuse to guess */
        if ((e = read_member(a, ent, out)))
            return e;
        found = true;
        /* An sdist's first <top>/PKG-INFO is its metadata (the stream is
         * not read further). A wheel's zip directory is cheap to walk, so
         * a second matching .dist-info is detected and refused. */
        if (kind != DISTFILE_WHEEL)
            break;
    }
    return found ? PF_EOK : PF_ENOTFOUND;
}

/* A zip, checked by meta_zip_check, then read by libarchive's seeking
 * reader alone (the streaming one would inflate a member to skip it). */
static enum pf_err extract_zip(int fd, enum distfile_kind kind, const char *project, buf_t *out)
{
    uint64_t n;
    enum pf_err e = meta_zip_check(fd, &n);
    if (e)
        return e;
    if (n == 0)
        return PF_ENOTFOUND;
    struct archive *a = archive_read_new();
    if (!a)
        return PF_ENOMEM;
    archive_read_support_format_zip_seekable(a);
    if (archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK)
        e = find_member(a, kind, project, UINT64_MAX, out); /* skipping a zip member is a seek */
    else
        e = PF_EFORMAT;
    archive_read_free(a);
    return e;
}

/* The decompressed stream of a tar, handed to the tar reader by a read
 * callback that stops at META_MAX_SCAN bytes: libarchive skips members
 * (and reads chains of GNU and pax headers) inside one call, where only
 * the supply of bytes can stop it. */
struct tarfeed {
    struct archive *raw;
    uint64_t given;
};

static la_ssize_t tarfeed_read(struct archive *a, void *ctx, const void **block)
{
    struct tarfeed *f = ctx;
    size_t len = 0;
    la_int64_t off;
    int r = archive_read_data_block(f->raw, block, &len, &off);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r != ARCHIVE_OK) {
        archive_set_error(a, EILSEQ, "%s", archive_error_string(f->raw));
        return -1;
    }
    if (len > META_MAX_SCAN - f->given) {
        archive_set_error(a, EILSEQ, "more than %llu decompressed bytes",
                          (unsigned long long)META_MAX_SCAN);
        return -1;
    }
    f->given += len;
    return (la_ssize_t)len;
}

static enum pf_err extract_tar(int fd, buf_t *out)
{
    struct tarfeed feed = { archive_read_new(), 0 };
    struct archive *a = archive_read_new();
    enum pf_err e = PF_EFORMAT;
    struct archive_entry *ent;
    if (!feed.raw || !a) {
        e = PF_ENOMEM;
        goto out;
    }
    /* The compressions of the sdist suffixes pip installs, and only
     * those libarchive does itself: a filter it would run as an external
     * program (what _filter_all does for lrzip, lzop, grzip...) is never
     * enabled, so an uploaded archive cannot make us exec anything. */
    pthread_once(&builtin_once, find_builtin_filters);
    for (size_t i = 0; i < NFILTERS; i++)
        if (builtin_filters & (1u << i))
            filters[i].enable(feed.raw);
    archive_read_support_format_raw(feed.raw);
    archive_read_support_format_tar(a);
    if (archive_read_open_fd(feed.raw, fd, 65536) != ARCHIVE_OK ||
        archive_read_next_header(feed.raw, &ent) != ARCHIVE_OK ||
        archive_read_open(a, &feed, NULL, tarfeed_read, NULL) != ARCHIVE_OK)
        goto out;
    e = find_member(a, DISTFILE_SDIST, NULL, META_MAX_SCAN, out);
out:
    if (a)
        archive_read_free(a);
    if (feed.raw)
        archive_read_free(feed.raw);
    return e;
}

/* True when the bytes at fd's offset start a zip (a local header, or the
 * end record of an empty one). */
static bool starts_zip(int fd)
{
    unsigned char sig[4];
    off_t at = lseek(fd, 0, SEEK_CUR);
    return at >= 0 && pread(fd, sig, 4, at) == 4 && (memcmp(sig, "PK\3\4", 4) == 0 || memcmp(sig, "PK\5\6", 4) == 0);
}

enum pf_err meta_extract(int fd, enum distfile_kind kind, const char *project, buf_t *out)
{
    if (kind == DISTFILE_WHEEL || starts_zip(fd))
        return extract_zip(fd, kind, project, out);
    return extract_tar(fd, out);
}

bool meta_next(sv_t *md, sv_t *name, sv_t *value)
{
    while (md->len) {
        sv_t line = sv_split(md, '\n');
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        if (line.len == 0)
            return false; /* end of the header block: *md is the body */
        if (line.p[0] == ' ' || line.p[0] == '\t')
            continue; /* a continuation of a line that was no field */
        long colon = sv_index(line, ':');
        if (colon < 0)
            continue;
        *name = sv_make(line.p, (size_t)colon);
        const char *start = line.p + colon + 1, *end = line.p + line.len;
        while (md->len && (md->p[0] == ' ' || md->p[0] == '\t')) {
            sv_t cont = sv_split(md, '\n');
            end = cont.p + cont.len;
        }
        while (start < end && (*start == ' ' || *start == '\t' || *start == '\r' || *start == '\n'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
            end--;
        *value = sv_make(start, (size_t)(end - start));
        return true;
    }
    return false;
}

bool meta_field(sv_t md, const char *name, sv_t *value)
{
    sv_t key = sv_cstr(name), n, v;
    while (meta_next(&md, &n, &v)) {
        if (!sv_ieq(n, key))
            continue;
        /* The first line only: continuation lines are not joined. */
        long nl = sv_index(v, '\n');
        if (nl >= 0)
            v = sv_trim(sv_make(v.p, (size_t)nl));
        if (v.len == 0)
            return false;
        *value = v;
        return true;
    }
    return false;
}
