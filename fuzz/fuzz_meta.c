/* SPDX-License-Identifier: MIT */
/* fuzz_meta.c: libFuzzer harness for METADATA / PKG-INFO extraction from archives (meta_extract, meta_field). */
#include "config.h"
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
 * returns trimmed, non-empty, single-line values that lie inside it. */

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

static void extract(int fd, enum distfile_kind kind)
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
    extract(fd, DISTFILE_WHEEL);
    extract(fd, DISTFILE_SDIST);
    close(fd);
    check_fields(sv_make((const char *)data, size));
    return 0;
}
