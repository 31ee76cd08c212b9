/* SPDX-License-Identifier: MIT */
/* fuzz_meta.c: libFuzzer harness for METADATA / PKG-INFO extraction from archives (meta_extract, meta_field). */
#include "config.h"
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "buf.h"
#include "distfile.h"
#include "fuzzutil.h"
#include "meta.h"

/* The input is an archive as uploaded (a wheel's zip, an sdist's tar.gz,
 * .tar.bz2, .zip...), written to a memfd as meta_extract reads from an fd.
 * It is read twice, as a wheel of project "demo-pkg" and as an sdist.
 * Checks: only the documented errors come back; on success the metadata is
 * at most META_MAX_SIZE bytes; meta_field on it (and on the raw input)
 * returns trimmed, non-empty, single-line values that lie inside it.
 * meta_zip_check on it: only the documented errors; a wheel read with
 * success passed it; when it passes, the count is within META_MAX_ENTRIES
 * and libarchive's seeking zip reader lists no more entries than that (its
 * central directory is exactly what was checked). */

static const char *const fields[] = { "Name", "Version", "Requires-Python", "Metadata-Version", "Summary" };

static void check_fields(sv_t md)
{
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        sv_t v;
        if (!meta_field(md, fields[i], &v))
            continue;
        FU_CHECK(v.len > 0);
        FU_CHECK(v.p >= md.p && v.p + v.len <= md.p + md.len);
        FU_CHECK(v.p[0] != ' ' && v.p[0] != '\t' && v.p[v.len - 1] != ' ' && v.p[v.len - 1] != '\t');
        FU_CHECK(memchr(v.p, '\n', v.len) == NULL);
    }
}

/* Entries libarchive's seeking zip reader lists before it ends or fails. */
static uint64_t libarchive_zip_entries(int fd)
{
    struct archive *a = archive_read_new();
    FU_CHECK(a != NULL);
    archive_read_support_format_zip_seekable(a);
    struct archive_entry *ent;
    uint64_t n = 0;
    FU_CHECK(lseek(fd, 0, SEEK_SET) == 0);
    if (archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK)
        while (archive_read_next_header(a, &ent) == ARCHIVE_OK)
            n++;
    archive_read_free(a);
    return n;
}

static enum pf_err zip_check(int fd)
{
    uint64_t n = UINT64_MAX;
    enum pf_err e = meta_zip_check(fd, &n);
    FU_CHECK(e == PF_EOK || e == PF_EFORMAT || e == PF_ENOMEM);
    if (e == PF_EOK) {
        FU_CHECK(n <= META_MAX_ENTRIES);
        FU_CHECK(libarchive_zip_entries(fd) <= n);
    }
    return e;
}

static enum pf_err extract(int fd, enum distfile_kind kind)
{
    buf_t out;
    buf_init(&out, META_MAX_SIZE);
    FU_CHECK(lseek(fd, 0, SEEK_SET) == 0);
    enum pf_err e = meta_extract(fd, kind, "demo-pkg", &out);
    FU_CHECK(e == PF_EOK || e == PF_ENOTFOUND || e == PF_EFORMAT || e == PF_ETOOBIG || e == PF_ENOMEM);
    if (e == PF_EOK) {
        FU_CHECK(out.len <= META_MAX_SIZE);
        check_fields(buf_sv(&out));
    }
    buf_free(&out);
    return e;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-meta", MFD_CLOEXEC);
    FU_CHECK(fd >= 0);
    FU_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
    enum pf_err zc = zip_check(fd);
    if (extract(fd, DISTFILE_WHEEL) == PF_EOK)
        FU_CHECK(zc == PF_EOK);
    extract(fd, DISTFILE_SDIST);
    close(fd);
    check_fields(sv_make((const char *)data, size));
    return 0;
}
