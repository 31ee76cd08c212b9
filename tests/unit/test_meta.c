/* SPDX-License-Identifier: MIT */
/* test_meta.c: unit tests for meta.c (core metadata out of wheels and sdists). */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "distfile.h"
#include "meta.h"
#include "suites.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define S(x) x, sizeof(x) - 1

/* What a failed extraction must leave in the output buffer. */
#define PREFIX "PREFIX"

enum fmt { ZIP, TAR };
enum filt { NOFILTER, GZIP, BZIP2, XZ };

struct ent {
    const char *name;
    const void *data; /* NULL with len 0: a directory */
    size_t len;
    const char *symlink; /* non-NULL: a symbolic link to this */
};

#define FILE_(n, d) { n, d, sizeof(d) - 1, NULL }
#define DIR_(n) { n, NULL, 0, NULL }
#define LINK_(n, t) { n, NULL, 0, t }

/* Writes an archive with libarchive's write API. */
static void write_archive(const char *path, enum fmt fmt, enum filt filt, const struct ent *ents, size_t n)
{
    struct archive *a = archive_write_new();
    ck_assert_ptr_nonnull(a);
    if (fmt == ZIP)
        ck_assert_int_eq(archive_write_set_format_zip(a), ARCHIVE_OK);
    else
        ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
    switch (filt) {
    case NOFILTER: break;
    case GZIP: ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK); break;
    case BZIP2: ck_assert_int_eq(archive_write_add_filter_bzip2(a), ARCHIVE_OK); break;
    case XZ: ck_assert_int_eq(archive_write_add_filter_xz(a), ARCHIVE_OK); break;
    }
    ck_assert_msg(archive_write_open_filename(a, path) == ARCHIVE_OK, "%s", archive_error_string(a));
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        ck_assert_ptr_nonnull(e);
        archive_entry_set_pathname(e, ents[i].name);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (ents[i].symlink) {
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, ents[i].symlink);
            archive_entry_set_perm(e, 0777);
            archive_entry_set_size(e, 0);
        } else if (!ents[i].data) {
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
            archive_entry_set_size(e, 0);
        } else {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, (la_int64_t)ents[i].len);
        }
        ck_assert_msg(archive_write_header(a, e) == ARCHIVE_OK, "%s", archive_error_string(a));
        if (ents[i].data && ents[i].len)
            ck_assert_int_eq(archive_write_data(a, ents[i].data, ents[i].len), (la_ssize_t)ents[i].len);
        archive_entry_free(e);
    }
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

/* Runs meta_extract on the file at path; out starts as PREFIX. */
static enum pf_err extract(const char *path, enum distfile_kind kind, const char *project, buf_t *out)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    buf_init(out, META_MAX_SIZE + 100);
    ck_assert_int_eq(buf_append_str(out, PREFIX), PF_EOK);
    enum pf_err e = meta_extract(fd, kind, project, out);
    close(fd);
    return e;
}

/* On success out is PREFIX followed by exactly want. On failure what was
 * in out stays (meta_extract only appends); whether a partial result was
 * appended is not specified, but it is never more than META_MAX_SIZE. */
static void check_out(const buf_t *out, enum pf_err e, const void *want, size_t wantlen)
{
    ck_assert_uint_ge(out->len, sizeof PREFIX - 1);
    ck_assert_mem_eq(out->p, PREFIX, sizeof PREFIX - 1);
    if (e == PF_EOK) {
        ck_assert_uint_eq(out->len, sizeof PREFIX - 1 + wantlen);
        if (wantlen)
            ck_assert_mem_eq(out->p + sizeof PREFIX - 1, want, wantlen);
    } else {
        ck_assert_uint_le(out->len, sizeof PREFIX - 1 + META_MAX_SIZE);
    }
}

/* A refused member adds nothing at all. */
static void check_untouched(const buf_t *out)
{
    ck_assert_uint_eq(out->len, sizeof PREFIX - 1);
    ck_assert_mem_eq(out->p, PREFIX, sizeof PREFIX - 1);
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* METADATA as uploaders write it: CRLF, UTF-8, no final newline. */
static const char md_foo_bar[] = "Metadata-Version: 2.1\r\n"
                                 "Name: foo_bar\r\n"
                                 "Version: 1.0\r\n"
                                 "Requires-Python: >=3.8\r\n"
                                 "Author: Jos\xc3\xa9\r\n"
                                 "\r\n"
                                 "Long description\n\twith a tab";

/* ---- wheels ---- */

/* METADATA first, in the middle, last. */
START_TEST(test_meta_wheel_positions)
{
    const struct ent others[] = {
        DIR_("foo_bar/"),
        FILE_("foo_bar/__init__.py", "x = 1\n"),
        DIR_("foo_bar-1.0.dist-info/"),
        FILE_("foo_bar-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n"),
        FILE_("foo_bar-1.0.dist-info/RECORD", "foo_bar/__init__.py,,\n"),
        FILE_("foo_bar-1.0.dist-info/METADATA.bak", "Name: wrong\n"),
    };
    const struct ent md = FILE_("foo_bar-1.0.dist-info/METADATA", md_foo_bar);
    struct ent ents[NELEM(others) + 1];
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "foo_bar-1.0-py3-none-any.whl");

    for (size_t pos = 0; pos <= NELEM(others); pos++) {
        for (size_t i = 0, j = 0; i < NELEM(ents); i++)
            ents[i] = i == pos ? md : others[j++];
        write_archive(path, ZIP, NOFILTER, ents, NELEM(ents));
        buf_t out;
        enum pf_err e = extract(path, DISTFILE_WHEEL, "foo-bar", &out);
        ck_assert_msg(e == PF_EOK, "METADATA at %zu: %s", pos, pf_errname(e));
        check_out(&out, e, md_foo_bar, sizeof md_foo_bar - 1);
        buf_free(&out);
    }
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

struct distinfo_case {
    const char *member;  /* where METADATA is stored */
    const char *project; /* normalized project asked for */
    enum pf_err want;
};

/* docs/protocols.md, section "Wheel metadata (PEP 658)": the top-level *.dist-info directory whose name
 * normalizes to the project. */
static const struct distinfo_case distinfo_cases[] = {
    { "foo_bar-1.0.dist-info/METADATA", "foo-bar", PF_EOK },
    { "Foo.Bar-1.0.dist-info/METADATA", "foo-bar", PF_EOK },
    { "FOO__BAR-1.0.dist-info/METADATA", "foo-bar", PF_EOK },
    { "foo-bar-1.0.dist-info/METADATA", "foo", PF_EOK },
    { "foo_bar-1.0+local.dist-info/METADATA", "foo-bar", PF_EOK },
    { "./foo_bar-1.0.dist-info/METADATA", "foo-bar", PF_EOK },
    { "foo_bar-1.0.dist-info/METADATA", "foo", PF_ENOTFOUND },
    { "foo_bar-1.0.dist-info/METADATA", "foo-bar-baz", PF_ENOTFOUND },
    { "foo-1.0.dist-info/METADATA", "foo-bar", PF_ENOTFOUND },
    { "foo_barx-1.0.dist-info/METADATA", "foo-bar", PF_ENOTFOUND },
    { "other-1.0.dist-info/METADATA", "foo-bar", PF_ENOTFOUND },
    { "-1.0.dist-info/METADATA", "foo-bar", PF_ENOTFOUND },
    { "foo_bar-1.0.DIST-INFO/METADATA", "foo-bar", PF_ENOTFOUND },
    { "foo_bar-1.0.dist-info/metadata", "foo-bar", PF_ENOTFOUND },
    { "foo_bar-1.0.dist-info/METADATA/", "foo-bar", PF_ENOTFOUND },
    { "foo_bar-1.0.data/METADATA", "foo-bar", PF_ENOTFOUND },
    { "foo_bar-1.0.dist-info/sub/METADATA", "foo-bar", PF_ENOTFOUND },
    { "sub/foo_bar-1.0.dist-info/METADATA", "foo-bar", PF_ENOTFOUND },
    { "/foo_bar-1.0.dist-info/METADATA", "foo-bar", PF_ENOTFOUND },
    { "METADATA", "foo-bar", PF_ENOTFOUND },
    { ".dist-info/METADATA", "foo-bar", PF_ENOTFOUND },
};

START_TEST(test_meta_wheel_distinfo_names)
{
    const struct distinfo_case *c = &distinfo_cases[_i];
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "w.whl");
    const struct ent ents[] = {
        FILE_("pkg/__init__.py", ""),
        { c->member, md_foo_bar, sizeof md_foo_bar - 1, NULL },
    };
    write_archive(path, ZIP, NOFILTER, ents, NELEM(ents));
    buf_t out;
    enum pf_err e = extract(path, DISTFILE_WHEEL, c->project, &out);
    ck_assert_msg(e == c->want, "%s for %s: %s, want %s", c->member, c->project, pf_errname(e),
                  pf_errname(c->want));
    check_out(&out, e, md_foo_bar, sizeof md_foo_bar - 1);
    buf_free(&out);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

struct wheel_case {
    const char *what;
    struct ent ents[5];
    size_t n;
    enum pf_err want;
    const char *md; /* expected bytes on success */
    size_t mdlen;
};

static const struct wheel_case wheel_cases[] = {
    { "no METADATA", { FILE_("foo_bar-1.0.dist-info/WHEEL", "W\n"), FILE_("foo_bar/x.py", "") }, 2,
      PF_ENOTFOUND, NULL, 0 },
    { "empty zip", { { NULL, NULL, 0, NULL } }, 0, PF_ENOTFOUND, NULL, 0 },
    { "only a directory called METADATA", { DIR_("foo_bar-1.0.dist-info/METADATA/") }, 1, PF_ENOTFOUND,
      NULL, 0 },
    { "symlink METADATA", { LINK_("foo_bar-1.0.dist-info/METADATA", "/etc/passwd") }, 1, PF_ENOTFOUND,
      NULL, 0 },
    { "two matching dist-info", { FILE_("foo_bar-1.0.dist-info/METADATA", "Name: a\n"),
                                  FILE_("Foo.Bar-1.0.dist-info/METADATA", "Name: b\n") }, 2,
      PF_EFORMAT, NULL, 0 },
    { "two matching, far apart", { FILE_("foo_bar-1.0.dist-info/METADATA", "Name: a\n"),
                                   FILE_("foo_bar/a.py", ""), FILE_("foo_bar/b.py", ""),
                                   FILE_("foo_bar-2.0.dist-info/METADATA", "Name: b\n") }, 4,
      PF_EFORMAT, NULL, 0 },
    { "the same member twice", { FILE_("foo_bar-1.0.dist-info/METADATA", "Name: a\n"),
                                 FILE_("foo_bar-1.0.dist-info/METADATA", "Name: a\n") }, 2, PF_EFORMAT,
      NULL, 0 },
    { "another project's dist-info beside ours", { FILE_("other-1.0.dist-info/METADATA", "Name: other\n"),
                                                   FILE_("foo_bar-1.0.dist-info/METADATA", "Name: foo\n") },
      2, PF_EOK, S("Name: foo\n") },
    { "empty METADATA", { FILE_("foo_bar-1.0.dist-info/METADATA", "") }, 1, PF_EOK, S("") },
    { "METADATA with a NUL", { { "foo_bar-1.0.dist-info/METADATA", "a\0b", 3, NULL } }, 1, PF_EOK, S("a\0b") },
};

START_TEST(test_meta_wheel_table)
{
    const struct wheel_case *c = &wheel_cases[_i];
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "foo_bar-1.0-py3-none-any.whl");
    write_archive(path, ZIP, NOFILTER, c->ents, c->n);
    buf_t out;
    enum pf_err e = extract(path, DISTFILE_WHEEL, "foo-bar", &out);
    ck_assert_msg(e == c->want, "%s: %s, want %s", c->what, pf_errname(e), pf_errname(c->want));
    check_out(&out, e, c->md, c->mdlen);
    buf_free(&out);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* META_MAX_SIZE: up to it is read, one byte more is PF_ETOOBIG. */
START_TEST(test_meta_size_cap)
{
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "foo_bar-1.0-py3-none-any.whl");
    char *big = malloc(META_MAX_SIZE + 1);
    ck_assert_ptr_nonnull(big);
    for (size_t i = 0; i < META_MAX_SIZE + 1; i++)
        big[i] = "Name: foo_bar\nSummary: padding\n"[i % 31];

    for (int extra = 0; extra <= 1; extra++) {
        const struct ent ents[] = {
            { "foo_bar-1.0.dist-info/METADATA", big, META_MAX_SIZE + (size_t)extra, NULL },
        };
        write_archive(path, ZIP, NOFILTER, ents, 1);
        buf_t out;
        enum pf_err e = extract(path, DISTFILE_WHEEL, "foo-bar", &out);
        ck_assert_int_eq(e, extra ? PF_ETOOBIG : PF_EOK);
        if (extra)
            check_untouched(&out);
        else
            check_out(&out, e, big, META_MAX_SIZE);
        /* The member passed META_MAX_SIZE, not out: out takes more. */
        ck_assert_int_eq(buf_err(&out), PF_EOK);
        buf_free(&out);
    }
    /* The same in an sdist. */
    for (int extra = 0; extra <= 1; extra++) {
        const struct ent ents[] = {
            { "foo-1.0/PKG-INFO", big, META_MAX_SIZE + (size_t)extra, NULL },
        };
        write_archive(path, TAR, GZIP, ents, 1);
        buf_t out;
        enum pf_err e = extract(path, DISTFILE_SDIST, "foo", &out);
        ck_assert_int_eq(e, extra ? PF_ETOOBIG : PF_EOK);
        if (extra)
            check_untouched(&out);
        else
            check_out(&out, e, big, META_MAX_SIZE);
        /* The member passed META_MAX_SIZE, not out: out takes more. */
        ck_assert_int_eq(buf_err(&out), PF_EOK);
        buf_free(&out);
    }
    free(big);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* The metadata is appended to out whole or not at all: with one byte
 * less room in out than it needs, out fails with PF_ETOOBIG and holds what
 * it held before; an out that has already failed gets nothing and its
 * error is returned. */
START_TEST(test_meta_out_cap)
{
    static const char md[] = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n";
    char *dir = tu_mkdtemp();
    for (int sdist = 0; sdist <= 1; sdist++) {
        char *path = path_in(dir, sdist ? "foo-1.0.tar.gz" : "foo-1.0-py3-none-any.whl");
        const struct ent ents[] = {
            { sdist ? "foo-1.0/PKG-INFO" : "foo-1.0.dist-info/METADATA", md, sizeof md - 1, NULL },
        };
        write_archive(path, sdist ? TAR : ZIP, sdist ? GZIP : NOFILTER, ents, 1);
        enum distfile_kind kind = sdist ? DISTFILE_SDIST : DISTFILE_WHEEL;
        for (size_t room = sizeof md - 2; room <= sizeof md - 1; room++) {
            int fd = open(path, O_RDONLY);
            ck_assert_int_ge(fd, 0);
            buf_t out;
            buf_init(&out, sizeof PREFIX - 1 + room);
            ck_assert_int_eq(buf_append_str(&out, PREFIX), PF_EOK);
            enum pf_err e = meta_extract(fd, kind, "foo", &out);
            close(fd);
            bool fits = room == sizeof md - 1;
            ck_assert_int_eq(e, fits ? PF_EOK : PF_ETOOBIG);
            ck_assert_int_eq(buf_err(&out), e);
            if (fits)
                check_out(&out, e, md, sizeof md - 1);
            else
                check_untouched(&out);
            buf_free(&out);
        }
        int fd = open(path, O_RDONLY);
        ck_assert_int_ge(fd, 0);
        buf_t out;
        buf_init(&out, 1000);
        ck_assert_int_eq(buf_append_str(&out, PREFIX), PF_EOK);
        ck_assert_int_eq(buf_fail(&out, PF_ENOMEM), PF_ENOMEM);
        ck_assert_int_eq(meta_extract(fd, kind, "foo", &out), PF_ENOMEM);
        close(fd);
        check_untouched(&out);
        buf_free(&out);
        free(path);
    }
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Offset of the local file header of member name in a zip, or -1. */
static long local_header(const unsigned char *z, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + 30 + nl <= len; i++)
        if (memcmp(z + i, "PK\3\4", 4) == 0 && (size_t)(z[i + 26] | z[i + 27] << 8) == nl &&
            memcmp(z + i + 30, name, nl) == 0)
            return (long)i;
    return -1;
}

/* Reads every entry's data with libarchive; returns the lowest
 * archive_read_data result seen (< 0: some data could not be read). */
static la_ssize_t read_all_data(const char *path)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    la_ssize_t worst = 0;
    char chunk[16384];
    archive_read_support_format_zip(a);
    ck_assert_int_eq(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        la_ssize_t r;
        while ((r = archive_read_data(a, chunk, sizeof chunk)) > 0)
            ;
        if (r < worst)
            worst = r;
    }
    archive_read_free(a);
    return worst;
}

/* A zip bomb: 5 MiB of zeros deflate to about 5 KB. */
START_TEST(test_meta_bomb)
{
    static const char member[] = "foo_bar-1.0.dist-info/METADATA";
    enum { BOMB = 5 << 20 };
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "foo_bar-1.0-py3-none-any.whl");
    char *zeros = calloc(1, BOMB);
    ck_assert_ptr_nonnull(zeros);
    const struct ent ents[] = {
        FILE_("foo_bar-1.0.dist-info/WHEEL", "W\n"),
        { member, zeros, BOMB, NULL },
    };
    write_archive(path, ZIP, NOFILTER, ents, NELEM(ents));
    free(zeros);
    size_t zlen;
    unsigned char *z = (unsigned char *)tu_read_file(path, &zlen);
    ck_assert_ptr_nonnull(z);
    ck_assert_uint_lt(zlen, 64 * 1024);

    /* 1. As written: refused. */
    buf_t out;
    enum pf_err e = extract(path, DISTFILE_WHEEL, "foo-bar", &out);
    ck_assert_int_eq(e, PF_ETOOBIG);
    check_untouched(&out);
    buf_free(&out);

    long lh = local_header(z, zlen, member);
    ck_assert_int_ge(lh, 0);
    size_t data = (size_t)lh + 30 + sizeof member - 1 + (size_t)(z[lh + 28] | z[lh + 29] << 8);
    ck_assert_uint_lt(data + 64, zlen);

    /* 2. The compressed stream broken right at its start: any attempt to
     * read the member fails at once (checked with libarchive itself), so
     * PF_ETOOBIG proves the declared size was refused before reading. */
    unsigned char *bad = malloc(zlen);
    ck_assert_ptr_nonnull(bad);
    memcpy(bad, z, zlen);
    memset(bad + data + 16, 0xff, 48);
    tu_write_file(path, bad, zlen);
    ck_assert_int_lt(read_all_data(path), 0);
    e = extract(path, DISTFILE_WHEEL, "foo-bar", &out);
    ck_assert_msg(e == PF_ETOOBIG, "the bomb was read: %s", pf_errname(e));
    check_untouched(&out);
    buf_free(&out);

    /* 3. The local header lies: it declares 100 bytes. What comes out is
     * counted, so the lie is caught at the cap. */
    memcpy(bad, z, zlen);
    bad[lh + 22] = 100;
    bad[lh + 23] = bad[lh + 24] = bad[lh + 25] = 0;
    tu_write_file(path, bad, zlen);
    e = extract(path, DISTFILE_WHEEL, "foo-bar", &out);
    ck_assert_msg(e == PF_ETOOBIG, "lying size: %s", pf_errname(e));
    check_untouched(&out);
    buf_free(&out);

    free(bad);
    free(z);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Files that are not archives of the expected kind. */
START_TEST(test_meta_not_archives)
{
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "foo_bar-1.0-py3-none-any.whl");
    buf_t out;
    enum pf_err e;
    static const struct {
        const char *data;
        size_t len;
        enum pf_err alt; /* also acceptable besides PF_EFORMAT */
    } junk[] = {
        { S(""), PF_EFORMAT },
        { S("this is not a zip file\n"), PF_EFORMAT },
        { S("PK\3\4"), PF_EFORMAT },
        /* libarchive's streaming zip reader takes a bare end-of-directory
         * signature for an empty zip: no member, hence not found. */
        { S("PK\5\6"), PF_ENOTFOUND },
        { S("PK\3\4\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), PF_EFORMAT },
        { S("\x1f\x8b\x08\0\0\0\0\0\0\3"), PF_EFORMAT },
        { S("<html><body>502 Bad Gateway</body></html>\n"), PF_EFORMAT },
    };

    for (size_t i = 0; i < NELEM(junk); i++) {
        tu_write_file(path, junk[i].data, junk[i].len);
        e = extract(path, DISTFILE_WHEEL, "foo-bar", &out);
        ck_assert_msg(e == PF_EFORMAT || e == junk[i].alt, "wheel junk %zu: %s", i, pf_errname(e));
        check_untouched(&out);
        buf_free(&out);
        e = extract(path, DISTFILE_SDIST, "foo-bar", &out);
        ck_assert_msg(e == PF_EFORMAT || e == junk[i].alt, "sdist junk %zu: %s", i, pf_errname(e));
        check_untouched(&out);
        buf_free(&out);
    }
    /* A tar.gz handed over as a wheel. */
    const struct ent ents[] = { FILE_("foo_bar-1.0.dist-info/METADATA", "Name: foo_bar\n") };
    write_archive(path, TAR, GZIP, ents, 1);
    e = extract(path, DISTFILE_WHEEL, "foo-bar", &out);
    ck_assert_int_eq(e, PF_EFORMAT);
    check_out(&out, e, NULL, 0);
    buf_free(&out);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* ---- sdists ---- */

static const char pkginfo[] = "Metadata-Version: 2.1\n"
                              "Name: foo\n"
                              "Version: 1.0\n"
                              "Requires-Python: >=3.7\n"
                              "\n"
                              "Caf\xc3\xa9\r\n";

struct sdist_case {
    const char *name;
    enum fmt fmt;
    enum filt filt;
};

static const struct sdist_case sdist_cases[] = {
    { "foo-1.0.tar.gz", TAR, GZIP },
    { "foo-1.0.tar.bz2", TAR, BZIP2 },
    { "foo-1.0.tar.xz", TAR, XZ },
    { "foo-1.0.tar", TAR, NOFILTER },
    { "foo-1.0.zip", ZIP, NOFILTER },
};

START_TEST(test_meta_sdist_formats)
{
    const struct sdist_case *c = &sdist_cases[_i];
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, c->name);
    const struct ent ents[] = {
        DIR_("foo-1.0/"),
        FILE_("foo-1.0/setup.py", "from setuptools import setup\nsetup()\n"),
        DIR_("foo-1.0/foo.egg-info/"),
        FILE_("foo-1.0/foo.egg-info/PKG-INFO", "Metadata-Version: 1.0\nName: wrong\n"),
        { "foo-1.0/PKG-INFO", pkginfo, sizeof pkginfo - 1, NULL },
        FILE_("foo-1.0/src/foo/__init__.py", ""),
        FILE_("foo-1.0/src/foo/PKG-INFO", "Name: wrong too\n"),
    };
    write_archive(path, c->fmt, c->filt, ents, NELEM(ents));
    buf_t out;
    enum pf_err e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_msg(e == PF_EOK, "%s: %s", c->name, pf_errname(e));
    check_out(&out, e, pkginfo, sizeof pkginfo - 1);
    buf_free(&out);

    /* PKG-INFO only deeper down: not found. */
    const struct ent deep[] = {
        DIR_("foo-1.0/"),
        FILE_("foo-1.0/setup.py", ""),
        FILE_("foo-1.0/sub/PKG-INFO", "Name: foo\n"),
        FILE_("foo-1.0/foo.egg-info/PKG-INFO", "Name: foo\n"),
    };
    write_archive(path, c->fmt, c->filt, deep, NELEM(deep));
    e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_msg(e == PF_ENOTFOUND, "%s deep: %s", c->name, pf_errname(e));
    check_out(&out, e, NULL, 0);
    buf_free(&out);

    /* PKG-INFO at the top level, outside any directory: not an sdist layout. */
    const struct ent flat[] = { FILE_("PKG-INFO", "Name: foo\n"), FILE_("setup.py", "") };
    write_archive(path, c->fmt, c->filt, flat, NELEM(flat));
    e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_msg(e == PF_ENOTFOUND, "%s flat: %s", c->name, pf_errname(e));
    buf_free(&out);

    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_meta_sdist_special_members)
{
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "foo-1.0.tar.gz");
    buf_t out;
    enum pf_err e;

    /* A symlink called PKG-INFO is not followed. */
    const struct ent link[] = { DIR_("foo-1.0/"), LINK_("foo-1.0/PKG-INFO", "/etc/passwd") };
    write_archive(path, TAR, GZIP, link, NELEM(link));
    e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_int_eq(e, PF_ENOTFOUND);
    check_out(&out, e, NULL, 0);
    buf_free(&out);

    /* "./foo-1.0/PKG-INFO" as some tar writers store it. */
    const struct ent dot[] = { FILE_("./foo-1.0/PKG-INFO", "Name: foo\n") };
    write_archive(path, TAR, GZIP, dot, NELEM(dot));
    e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_int_eq(e, PF_EOK);
    check_out(&out, e, "Name: foo\n", 10);
    buf_free(&out);

    /* The first top-level PKG-INFO is the metadata... */
    const struct ent two[] = { FILE_("foo-1.0/PKG-INFO", "Name: foo\n"), FILE_("bar-2.0/PKG-INFO", "Name: bar\n") };
    write_archive(path, TAR, GZIP, two, NELEM(two));
    e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_int_eq(e, PF_EOK);
    check_out(&out, e, "Name: foo\n", 10);
    buf_free(&out);

    /* ...and the stream is not read past it: damage further on does not
     * matter. */
    enum { NOISE = 128 * 1024 };
    unsigned char *noise = malloc(NOISE);
    ck_assert_ptr_nonnull(noise);
    uint32_t x = 7;
    for (size_t i = 0; i < NOISE; i++) {
        x = x * 1664525u + 1013904223u;
        noise[i] = (unsigned char)(x >> 24);
    }
    const struct ent first[] = { FILE_("foo-1.0/PKG-INFO", "Name: foo\n"), { "foo-1.0/data.bin", noise, NOISE, NULL } };
    write_archive(path, TAR, GZIP, first, NELEM(first));
    size_t flen;
    char *whole = tu_read_file(path, &flen);
    ck_assert_ptr_nonnull(whole);
    ck_assert_uint_gt(flen, NOISE / 2);
    tu_write_file(path, whole, flen / 2);
    e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_int_eq(e, PF_EOK);
    check_out(&out, e, "Name: foo\n", 10);
    buf_free(&out);
    free(whole);
    free(noise);

    /* An empty tar. */
    write_archive(path, TAR, GZIP, NULL, 0);
    e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_msg(e == PF_ENOTFOUND || e == PF_EFORMAT, "%s", pf_errname(e));
    check_out(&out, e, NULL, 0);
    buf_free(&out);

    /* The fd is read from its current offset. */
    const struct ent ok[] = { FILE_("foo-1.0/PKG-INFO", "Name: foo\n") };
    write_archive(path, TAR, GZIP, ok, NELEM(ok));
    size_t len;
    char *tgz = tu_read_file(path, &len);
    char *shifted = malloc(len + 1000);
    ck_assert_ptr_nonnull(tgz);
    ck_assert_ptr_nonnull(shifted);
    memset(shifted, 'J', 1000);
    memcpy(shifted + 1000, tgz, len);
    tu_write_file(path, shifted, len + 1000);
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(lseek(fd, 1000, SEEK_SET), 1000);
    buf_init(&out, 1000);
    ck_assert_int_eq(meta_extract(fd, DISTFILE_SDIST, "foo", &out), PF_EOK);
    ck_assert_uint_eq(out.len, 10);
    ck_assert_mem_eq(out.p, "Name: foo\n", 10);
    buf_free(&out);
    close(fd);
    free(shifted);
    free(tgz);

    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* A .tar.gz cut in half, with PKG-INFO in the lost half. */
START_TEST(test_meta_sdist_truncated_half)
{
    enum { NOISE = 256 * 1024 };
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "foo-1.0.tar.gz");
    unsigned char *noise = malloc(NOISE);
    ck_assert_ptr_nonnull(noise);
    uint32_t x = 1;
    for (size_t i = 0; i < NOISE; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise[i] = (unsigned char)x;
    }
    const struct ent ents[] = {
        DIR_("foo-1.0/"),
        { "foo-1.0/data.bin", noise, NOISE, NULL },
        { "foo-1.0/PKG-INFO", pkginfo, sizeof pkginfo - 1, NULL },
    };
    write_archive(path, TAR, GZIP, ents, NELEM(ents));
    size_t len;
    char *full = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(full);
    ck_assert_uint_gt(len, NOISE / 2);

    buf_t out;
    enum pf_err e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_int_eq(e, PF_EOK);
    check_out(&out, e, pkginfo, sizeof pkginfo - 1);
    buf_free(&out);

    tu_write_file(path, full, len / 2);
    e = extract(path, DISTFILE_SDIST, "foo", &out);
    ck_assert_msg(e == PF_EFORMAT || e == PF_ENOTFOUND, "%s", pf_errname(e));
    check_out(&out, e, NULL, 0);
    buf_free(&out);

    free(full);
    free(noise);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Every truncation of small archives: never a crash or a read past the
 * data, and a success only with the exact bytes. */
START_TEST(test_meta_every_truncation)
{
    static const struct sdist_case kinds[] = {
        { "foo-1.0.tar.gz", TAR, GZIP },
        { "foo-1.0.zip", ZIP, NOFILTER },
        { "foo_bar-1.0-py3-none-any.whl", ZIP, NOFILTER },
    };
    const struct sdist_case *k = &kinds[_i];
    bool wheel = _i == 2;
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, k->name);
    const struct ent sd[] = {
        FILE_("foo-1.0/setup.py", "setup()\n"),
        { "foo-1.0/PKG-INFO", pkginfo, sizeof pkginfo - 1, NULL },
        FILE_("foo-1.0/README", "readme\n"),
    };
    const struct ent wh[] = {
        FILE_("foo_bar/__init__.py", "x = 1\n"),
        { "foo_bar-1.0.dist-info/METADATA", md_foo_bar, sizeof md_foo_bar - 1, NULL },
        FILE_("foo_bar-1.0.dist-info/RECORD", "r\n"),
    };
    const char *want = wheel ? md_foo_bar : pkginfo;
    size_t wantlen = wheel ? sizeof md_foo_bar - 1 : sizeof pkginfo - 1;

    write_archive(path, k->fmt, k->filt, wheel ? wh : sd, 3);
    size_t len;
    char *full = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(full);
    unsigned ok = 0;
    for (size_t n = 0; n <= len; n++) {
        tu_write_file(path, full, n);
        buf_t out;
        enum pf_err e = extract(path, wheel ? DISTFILE_WHEEL : DISTFILE_SDIST, wheel ? "foo-bar" : "foo", &out);
        ck_assert_msg(e == PF_EOK || e == PF_EFORMAT || e == PF_ENOTFOUND, "%s cut at %zu: %s", k->name, n,
                      pf_errname(e));
        check_out(&out, e, want, wantlen);
        ok += e == PF_EOK;
        buf_free(&out);
    }
    ck_assert_uint_ge(ok, 1); /* at least the whole file */
    free(full);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* ---- caps before the work: tar bombs and lies ---- */

enum { MIB = 1 << 20 };

/* Appends one gzip member holding data to f: concatenated members are one
 * gzip stream to every reader, so a bomb is written member by member
 * without compressing all of it. */
static void gz_member(FILE *f, const void *data, size_t len)
{
    size_t cap = len + len / 8 + 4096, used = 0;
    char *mem = malloc(cap);
    ck_assert_ptr_nonnull(mem);
    struct archive *a = archive_write_new();
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(archive_write_set_format_raw(a), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK); /* no padding after the member */
    ck_assert_int_eq(archive_write_open_memory(a, mem, cap, &used), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "member");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, (la_int64_t)len);
    ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
    if (len)
        ck_assert_int_eq(archive_write_data(a, data, len), (la_ssize_t)len);
    archive_entry_free(e);
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    ck_assert_uint_eq(fwrite(mem, 1, used, f), used);
    free(mem);
}

/* A number in a tar header field in base 256 (GNU), which takes any size. */
static void tar_num(unsigned char *field, size_t width, uint64_t v)
{
    memset(field, 0, width);
    field[0] = 0x80;
    for (size_t i = width - 1; i > 0 && v; i--, v >>= 8)
        field[i] = (unsigned char)v;
}

/* A 512-byte tar header: ustar, or GNU ("ustar  ") with its realsize field
 * when realsize is not 0; sparse: one old-style GNU sparse block (0, size). */
static void tar_header(unsigned char h[512], const char *name, char type, uint64_t size, uint64_t realsize,
                       bool sparse)
{
    memset(h, 0, 512);
    memcpy(h, name, strlen(name));
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 108, "0000000", 7);
    memcpy(h + 116, "0000000", 7);
    tar_num(h + 124, 12, size);
    memcpy(h + 136, "14500000000", 11);
    h[156] = (unsigned char)type;
    if (realsize) {
        memcpy(h + 257, "ustar  ", 8);
        tar_num(h + 483, 12, realsize);
        if (sparse) {
            tar_num(h + 386, 12, 0);
            tar_num(h + 398, 12, size);
        }
    } else {
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
    }
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

/* Appends the pax record "LEN key=value\n" to p. */
static size_t pax_record(char *p, const char *key, const char *value)
{
    size_t body = strlen(key) + strlen(value) + 3, len = body + 1;
    while ((size_t)snprintf(NULL, 0, "%zu", len) + body != len)
        len++;
    return (size_t)sprintf(p, "%zu %s=%s\n", len, key, value);
}

enum tar_shape {
    USTAR,       /* the size field says it */
    PAX_SIZE,    /* a pax size record over a ustar size of 0 */
    GNU_REAL,    /* GNU header: realsize 1, size field the whole */
    PAX_REAL,    /* pax size and GNU.sparse.realsize 1 */
    GNU_SPARSE,  /* old GNU sparse ('S'): one block of the whole, realsize 1 */
};

/* Writes a .tar.gz whose first member holds zero_mib MiB of zeros (in the
 * shape given), followed by bomb-1.0/PKG-INFO and the end of the archive. */
static void write_zero_member(const char *path, enum tar_shape shape, uint64_t zero_mib)
{
    uint64_t size = zero_mib * MIB;
    unsigned char h[3 * 512];
    char pax[512];
    size_t hlen = 512, plen = 0;
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)size);
    switch (shape) {
    case USTAR: tar_header(h, "bomb-1.0/zeros", '0', size, 0, false); break;
    case GNU_REAL: tar_header(h, "bomb-1.0/zeros", '0', size, 1, false); break;
    case GNU_SPARSE: tar_header(h, "bomb-1.0/zeros", 'S', size, 1, true); break;
    case PAX_SIZE:
    case PAX_REAL:
        memset(pax, 0, sizeof pax);
        plen = pax_record(pax, "size", num);
        if (shape == PAX_REAL)
            plen += pax_record(pax + plen, "GNU.sparse.realsize", "1");
        tar_header(h, "PaxHeaders/zeros", 'x', plen, 0, false);
        memcpy(h + 512, pax, 512);
        tar_header(h + 1024, "bomb-1.0/zeros", '0', 0, 0, false);
        hlen = 3 * 512;
        break;
    }
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    gz_member(f, h, hlen);
    char *zeros = calloc(1, MIB);
    ck_assert_ptr_nonnull(zeros);
    /* Every MiB compresses to the same member: write it once, copy it. */
    size_t mlen = 0;
    char *member = NULL;
    FILE *m = open_memstream(&member, &mlen);
    ck_assert_ptr_nonnull(m);
    gz_member(m, zeros, MIB);
    ck_assert_int_eq(fclose(m), 0);
    for (uint64_t i = 0; i < zero_mib; i++)
        ck_assert_uint_eq(fwrite(member, 1, mlen, f), mlen);
    free(member);
    free(zeros);
    static const char md[] = "Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n";
    unsigned char tail[4 * 512];
    memset(tail, 0, sizeof tail);
    tar_header(tail, "bomb-1.0/PKG-INFO", '0', sizeof md - 1, 0, false);
    memcpy(tail + 512, md, sizeof md - 1);
    gz_member(f, tail, sizeof tail);
    ck_assert_int_eq(fclose(f), 0);
}

/* Runs meta_extract on an sdist; *read: how far the file was read. */
static enum pf_err extract_sdist_read(const char *path, buf_t *out, off_t *read)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    buf_init(out, META_MAX_SIZE + 100);
    ck_assert_int_eq(buf_append_str(out, PREFIX), PF_EOK);
    enum pf_err e = meta_extract(fd, DISTFILE_SDIST, "bomb", out);
    *read = lseek(fd, 0, SEEK_CUR);
    close(fd);
    return e;
}

struct tarbomb_case {
    const char *what;
    enum tar_shape shape;
};

/* The first member is 8 GiB of zeros (an 8.6 MB file), in each way a tar
 * can state a size. Where the declared size says so, the member is refused
 * before libarchive skips it; where it lies (sparse), the skip stops at
 * META_MAX_SCAN bytes. Either way PF_EFORMAT, having read less than 1 MiB
 * of the file: the 8 GiB are never decompressed. */
static const struct tarbomb_case tarbomb_cases[] = {
    { "ustar size", USTAR },
    { "pax size", PAX_SIZE },
    { "GNU realsize 1", GNU_REAL },
    { "pax GNU.sparse.realsize 1", PAX_REAL },
    { "old GNU sparse, realsize 1", GNU_SPARSE },
};

START_TEST(test_meta_tar_skip_bomb)
{
    const struct tarbomb_case *c = &tarbomb_cases[_i];
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "bomb-1.0.tar.gz");
    write_zero_member(path, c->shape, 8192);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_gt(st.st_size, 8 * MIB);

    buf_t out;
    off_t read;
    enum pf_err e = extract_sdist_read(path, &out, &read);
    ck_assert_msg(e == PF_EFORMAT, "%s: %s", c->what, pf_errname(e));
    check_untouched(&out);
    ck_assert_msg(read < MIB, "%s: %lld bytes of %lld read", c->what, (long long)read, (long long)st.st_size);
    buf_free(&out);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* META_MAX_SCAN is where the walk stops, not before: PKG-INFO after 255 MiB
 * of zeros is found; after 257 MiB, refused at the member's header. */
START_TEST(test_meta_tar_scan_cap)
{
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "bomb-1.0.tar.gz");
    static const struct {
        enum tar_shape shape;
        uint64_t mib;
        enum pf_err want;
    } cases[] = {
        { USTAR, 1, PF_EOK },
        { PAX_SIZE, 1, PF_EOK },
        { USTAR, (META_MAX_SCAN >> 20) - 1, PF_EOK },
        { USTAR, (META_MAX_SCAN >> 20) + 1, PF_EFORMAT },
        { GNU_REAL, (META_MAX_SCAN >> 20) + 1, PF_EFORMAT },
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        write_zero_member(path, cases[i].shape, cases[i].mib);
        buf_t out;
        off_t read;
        enum pf_err e = extract_sdist_read(path, &out, &read);
        ck_assert_msg(e == cases[i].want, "case %zu: %s", i, pf_errname(e));
        static const char md[] = "Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n";
        check_out(&out, e, md, sizeof md - 1);
        if (e != PF_EOK)
            check_untouched(&out);
        buf_free(&out);
    }
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* ---- caps before the work: zip layouts ---- */

static uint32_t crc32_of(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c >> 1 ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* A zip being built in memory, and where its parts are. */
struct zb {
    unsigned char *p;
    size_t len, cap;
    size_t lh[4], cdrec[4], cd, eocd64, loc, eocd;
};

static void zb_put(struct zb *z, const void *d, size_t n)
{
    if (z->len + n > z->cap) {
        z->cap = (z->len + n) * 2;
        z->p = realloc(z->p, z->cap);
        ck_assert_ptr_nonnull(z->p);
    }
    memcpy(z->p + z->len, d, n);
    z->len += n;
}

static void zb_le(struct zb *z, uint64_t v, size_t n)
{
    unsigned char b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    zb_put(z, b, n);
}

static void zb_set(struct zb *z, size_t at, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        z->p[at + i] = (unsigned char)(v >> (8 * i));
}

struct zopts {
    bool zip64;           /* zip64 end records, the 32-bit fields 0xFFFF... */
    bool cd_off64;        /* entry 0's offset in a zip64 extra field */
    size_t comment;       /* bytes of comment, 'c' */
    const char *extra;    /* entry 0's extra field in the directory */
    size_t extralen;
};

static const char zmd[] = "Metadata-Version: 2.1\nName: foo_bar\nVersion: 1.0\n";

/* A stored wheel: METADATA, then foo_bar/a.py and foo_bar/b.py. */
static void zb_make(struct zb *z, const struct zopts *o)
{
    static const struct {
        const char *name, *data;
    } ents[] = { { "foo_bar-1.0.dist-info/METADATA", zmd }, { "foo_bar/a.py", "a = 1\n" }, { "foo_bar/b.py", "b\n" } };
    memset(z, 0, sizeof *z);
    for (size_t i = 0; i < 3; i++) {
        size_t nl = strlen(ents[i].name), dl = strlen(ents[i].data);
        z->lh[i] = z->len;
        zb_put(z, "PK\3\4", 4);
        zb_le(z, 20, 2), zb_le(z, 0, 2), zb_le(z, 0, 2), zb_le(z, 0, 4);
        zb_le(z, crc32_of(ents[i].data, dl), 4), zb_le(z, dl, 4), zb_le(z, dl, 4);
        zb_le(z, nl, 2), zb_le(z, 0, 2);
        zb_put(z, ents[i].name, nl);
        zb_put(z, ents[i].data, dl);
    }
    z->cd = z->len;
    for (size_t i = 0; i < 3; i++) {
        size_t nl = strlen(ents[i].name), dl = strlen(ents[i].data);
        bool off64 = i == 0 && o->cd_off64;
        size_t xl = i == 0 ? o->extralen : 0;
        z->cdrec[i] = z->len;
        zb_put(z, "PK\1\2", 4);
        zb_le(z, 0x0314, 2), zb_le(z, 20, 2), zb_le(z, 0, 2), zb_le(z, 0, 2), zb_le(z, 0, 4);
        zb_le(z, crc32_of(ents[i].data, dl), 4), zb_le(z, dl, 4), zb_le(z, dl, 4);
        zb_le(z, nl, 2), zb_le(z, xl + (off64 ? 12 : 0), 2), zb_le(z, 0, 2), zb_le(z, 0, 2), zb_le(z, 0, 2);
        zb_le(z, 0100644u << 16, 4), zb_le(z, off64 ? 0xFFFFFFFFu : z->lh[i], 4);
        zb_put(z, ents[i].name, nl);
        if (off64)
            zb_le(z, 1, 2), zb_le(z, 8, 2), zb_le(z, z->lh[i], 8);
        if (xl)
            zb_put(z, o->extra, xl);
    }
    size_t cdsize = z->len - z->cd;
    if (o->zip64) {
        z->eocd64 = z->len;
        zb_put(z, "PK\6\6", 4);
        zb_le(z, 44, 8), zb_le(z, 45, 2), zb_le(z, 45, 2), zb_le(z, 0, 4), zb_le(z, 0, 4);
        zb_le(z, 3, 8), zb_le(z, 3, 8), zb_le(z, cdsize, 8), zb_le(z, z->cd, 8);
        z->loc = z->len;
        zb_put(z, "PK\6\7", 4);
        zb_le(z, 0, 4), zb_le(z, z->eocd64, 8), zb_le(z, 1, 4);
    }
    z->eocd = z->len;
    zb_put(z, "PK\5\6", 4);
    zb_le(z, 0, 2), zb_le(z, 0, 2);
    zb_le(z, o->zip64 ? 0xFFFF : 3, 2), zb_le(z, o->zip64 ? 0xFFFF : 3, 2);
    zb_le(z, o->zip64 ? 0xFFFFFFFFu : cdsize, 4), zb_le(z, o->zip64 ? 0xFFFFFFFFu : z->cd, 4);
    zb_le(z, o->comment, 2);
    for (size_t i = 0; i < o->comment; i++)
        zb_put(z, "c", 1);
}

struct zip_case {
    const char *what;
    struct zopts o;
    void (*patch)(struct zb *z);
    enum pf_err want; /* of meta_zip_check */
};

static void zp_none(struct zb *z) { (void)z; }
static void zp_count_low(struct zb *z) { zb_set(z, z->eocd + 8, 2, 2), zb_set(z, z->eocd + 10, 2, 2); }
static void zp_count_high(struct zb *z) { zb_set(z, z->eocd + 8, 4, 2), zb_set(z, z->eocd + 10, 4, 2); }
static void zp_count_disk(struct zb *z) { zb_set(z, z->eocd + 8, 2, 2); }
static void zp_disk(struct zb *z) { zb_set(z, z->eocd + 4, 1, 2); }
static void zp_cd_past_end(struct zb *z) { zb_set(z, z->eocd + 16, z->len + 100, 4); }
static void zp_cd_gap(struct zb *z) { zb_set(z, z->eocd + 16, z->cd - 1, 4); }
static void zp_cd_size0(struct zb *z) { zb_set(z, z->eocd + 12, 0, 4), zb_set(z, z->eocd + 16, z->eocd, 4); }
static void zp_cd_later(struct zb *z)
{
    size_t rec1 = z->cdrec[1] - z->cd;
    zb_set(z, z->eocd + 8, 2, 2), zb_set(z, z->eocd + 10, 2, 2);
    zb_set(z, z->eocd + 12, z->eocd - z->cd - rec1, 4), zb_set(z, z->eocd + 16, z->cd + rec1, 4);
}
static void zp_comment_long(struct zb *z) { zb_set(z, z->eocd + 20, 101, 2); }
static void zp_comment_short(struct zb *z) { zb_set(z, z->eocd + 20, 99, 2); }
static void zp_comment_sig(struct zb *z) { memcpy(z->p + z->len - 50, "PK\5\6", 4); }
static void zp_truncate_eocd(struct zb *z) { z->len -= 1; }
static void zp_shared_local(struct zb *z) { zb_set(z, z->cdrec[1] + 42, z->lh[0], 4); }
static void zp_local_at_cd(struct zb *z) { zb_set(z, z->cdrec[2] + 42, z->cd, 4); }
static void zp_local_extra(struct zb *z) { zb_set(z, z->lh[0] + 28, 1, 2); }
static void zp_data_into_next(struct zb *z) { zb_set(z, z->cdrec[0] + 20, sizeof zmd, 4); }
static void zp_data_into_cd(struct zb *z) { zb_set(z, z->cdrec[2] + 20, 3, 4); }
static void zp_local_sig(struct zb *z) { z->p[z->lh[1] + 2] = 'X'; }
static void zp_cd_sig(struct zb *z) { z->p[z->cdrec[1] + 3] = 1; }
static void zp64_loc_past(struct zb *z) { zb_set(z, z->loc + 8, z->len, 8); }
static void zp64_loc_disks(struct zb *z) { zb_set(z, z->loc + 16, 2, 4); }
static void zp64_size(struct zb *z) { zb_set(z, z->eocd64 + 4, 52, 8); }
static void zp64_count(struct zb *z) { zb_set(z, z->eocd + 8, 3, 2), zb_set(z, z->eocd + 10, 3, 2), zb_set(z, z->eocd64 + 24, 4, 8), zb_set(z, z->eocd64 + 32, 4, 8); }
static void zp64_count_disk(struct zb *z) { zb_set(z, z->eocd64 + 24, 2, 8); }
static void zp64_huge(struct zb *z) { zb_set(z, z->eocd64 + 24, UINT64_MAX, 8), zb_set(z, z->eocd64 + 32, UINT64_MAX, 8); }
static void zp64_cap(struct zb *z) { zb_set(z, z->eocd64 + 24, META_MAX_ENTRIES + 1, 8), zb_set(z, z->eocd64 + 32, META_MAX_ENTRIES + 1, 8); }
static void zp64_cd_past(struct zb *z) { zb_set(z, z->eocd64 + 48, (uint64_t)1 << 40, 8); }
static void zp64_32bit_real(struct zb *z)
{
    /* As Python's zipfile writes: the 32-bit size and offset are the real ones. */
    zb_set(z, z->eocd + 12, z->eocd64 - z->cd, 4), zb_set(z, z->eocd + 16, z->cd, 4);
}
static void zp64_32bit_differs(struct zb *z) { zb_set(z, z->eocd + 16, z->cd + 1, 4); }
static void zp64_no_loc(struct zb *z) { memcpy(z->p + z->loc, "PK\6\5", 4); }

static const struct zip_case zip_cases[] = {
    { "valid", { 0 }, zp_none, PF_EOK },
    { "valid zip64", { .zip64 = true }, zp_none, PF_EOK },
    { "zip64, 32-bit size and offset real", { .zip64 = true }, zp64_32bit_real, PF_EOK },
    { "offset in a zip64 extra field", { .cd_off64 = true }, zp_none, PF_EOK },
    { "comment of 100", { .comment = 100 }, zp_none, PF_EOK },
    { "comment of 65535", { .comment = 65535 }, zp_none, PF_EOK },
    { "extra: 3 trailing zero bytes", { .extra = "\0\0\0", .extralen = 3 }, zp_none, PF_EOK },
    { "extra: an unknown field", { .extra = "\x55\x54\x05\0\1\2\3\4\5", .extralen = 9 }, zp_none, PF_EOK },
    { "count 2 for 3 records", { 0 }, zp_count_low, PF_EFORMAT },
    { "count 4 for 3 records", { 0 }, zp_count_high, PF_EFORMAT },
    { "entries on this disk differ from the total", { 0 }, zp_count_disk, PF_EFORMAT },
    { "disk 1", { 0 }, zp_disk, PF_EFORMAT },
    { "directory offset past the end", { 0 }, zp_cd_past_end, PF_EFORMAT },
    { "directory offset and size leave a gap", { 0 }, zp_cd_gap, PF_EFORMAT },
    { "directory size 0 with records", { 0 }, zp_cd_size0, PF_EFORMAT },
    { "directory starts at the second record", { 0 }, zp_cd_later, PF_EOK },
    { "comment longer than the file", { .comment = 100 }, zp_comment_long, PF_EFORMAT },
    { "bytes after the comment", { .comment = 100 }, zp_comment_short, PF_EFORMAT },
    { "an end signature in the comment", { .comment = 100 }, zp_comment_sig, PF_EFORMAT },
    { "an end signature in a comment of 65535", { .comment = 65535 }, zp_comment_sig, PF_EFORMAT },
    { "end record cut short", { 0 }, zp_truncate_eocd, PF_EFORMAT },
    { "two records, one local header", { 0 }, zp_shared_local, PF_EFORMAT },
    { "local header inside the directory", { 0 }, zp_local_at_cd, PF_EFORMAT },
    { "local extra over the next header", { 0 }, zp_local_extra, PF_EFORMAT },
    { "data over the next header", { 0 }, zp_data_into_next, PF_EFORMAT },
    { "data over the directory", { 0 }, zp_data_into_cd, PF_EFORMAT },
    { "not a local header", { 0 }, zp_local_sig, PF_EFORMAT },
    { "not a directory record", { 0 }, zp_cd_sig, PF_EFORMAT },
    { "extra: a field past its end", { .extra = "\x55\x54\x09\0\1\2", .extralen = 6 }, zp_none, PF_EFORMAT },
    { "extra: trailing non-zero bytes", { .extra = "\0\0\1", .extralen = 3 }, zp_none, PF_EFORMAT },
    { "extra: two zip64 fields", { .cd_off64 = true, .extra = "\1\0\0\0", .extralen = 4 }, zp_none, PF_EFORMAT },
    { "extra: a zip64 field with nothing escaped", { .extra = "\1\0\4\0\0\0\0\0", .extralen = 8 }, zp_none, PF_EOK },
    { "zip64: locator past the end", { .zip64 = true }, zp64_loc_past, PF_EFORMAT },
    { "zip64: two disks", { .zip64 = true }, zp64_loc_disks, PF_EFORMAT },
    { "zip64: record size not up to the locator", { .zip64 = true }, zp64_size, PF_EFORMAT },
    { "zip64: 64-bit count differs from 16-bit", { .zip64 = true }, zp64_count, PF_EFORMAT },
    { "zip64: entries on disk differ", { .zip64 = true }, zp64_count_disk, PF_EFORMAT },
    { "zip64: count 2^64-1", { .zip64 = true }, zp64_huge, PF_EFORMAT },
    { "zip64: count over the cap", { .zip64 = true }, zp64_cap, PF_EFORMAT },
    { "zip64: directory offset 2^40", { .zip64 = true }, zp64_cd_past, PF_EFORMAT },
    { "zip64: 32-bit offset differs", { .zip64 = true }, zp64_32bit_differs, PF_EFORMAT },
    { "zip64 record without a locator", { .zip64 = true }, zp64_no_loc, PF_EFORMAT },
};

/* Counts the entries libarchive's seeking zip reader lists (-1: it fails
 * before the end). */
static long libarchive_entries(const char *path)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    archive_read_support_format_zip_seekable(a);
    long n = 0;
    int r = archive_read_open_filename(a, path, 65536);
    while (r == ARCHIVE_OK && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK)
        n++;
    archive_read_free(a);
    return r == ARCHIVE_EOF ? n : -1;
}

/* meta_zip_check on hostile layouts. What it accepts, libarchive reads as
 * exactly the records counted (or refuses), and meta_extract finds METADATA
 * in (or refuses as PF_EFORMAT); what it refuses, meta_extract refuses
 * without libarchive. */
START_TEST(test_meta_zip_layout)
{
    const struct zip_case *c = &zip_cases[_i];
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "foo_bar-1.0-py3-none-any.whl");
    struct zb z;
    zb_make(&z, &c->o);
    c->patch(&z);
    tu_write_file(path, z.p, z.len);
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    uint64_t n = 12345;
    enum pf_err e = meta_zip_check(fd, &n);
    close(fd);
    ck_assert_msg(e == c->want, "%s: %s, want %s", c->what, pf_errname(e), pf_errname(c->want));
    buf_t out;
    enum pf_err xe = extract(path, DISTFILE_WHEEL, "foo-bar", &out);
    if (e == PF_EOK) {
        long seen = libarchive_entries(path);
        ck_assert_msg(seen == -1 || (uint64_t)seen == n, "%s: libarchive lists %ld, checked %llu", c->what, seen,
                      (unsigned long long)n);
        enum pf_err want = seen < 0 ? PF_EFORMAT : n == 3 ? PF_EOK : PF_ENOTFOUND;
        ck_assert_msg(xe == want, "%s: extract %s, want %s", c->what, pf_errname(xe), pf_errname(want));
        check_out(&out, xe, zmd, sizeof zmd - 1);
    } else {
        ck_assert_msg(xe == PF_EFORMAT, "%s: extract %s", c->what, pf_errname(xe));
        check_untouched(&out);
    }
    buf_free(&out);
    free(z.p);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Every truncation of a wheel and of a zip64 wheel: the check reads only
 * what is there and refuses all but the whole file. */
START_TEST(test_meta_zip_layout_truncated)
{
    struct zopts o = { .zip64 = _i == 1, .comment = 30 };
    struct zb z;
    zb_make(&z, &o);
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "w.whl");
    for (size_t len = 0; len <= z.len; len++) {
        tu_write_file(path, z.p, len);
        int fd = open(path, O_RDONLY);
        ck_assert_int_ge(fd, 0);
        uint64_t n;
        enum pf_err e = meta_zip_check(fd, &n);
        close(fd);
        ck_assert_msg(e == (len == z.len ? PF_EOK : PF_EFORMAT), "cut at %zu: %s", len, pf_errname(e));
    }
    free(z.p);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* A wheel: METADATA first, then more records of one-byte names; shared:
 * they all point at METADATA's local header (the shape of a fake wheel of
 * 1.5 million entries in 70 MB); else each has its own. count16: the end
 * record's 16-bit count (0xFFFF: the zip64 count, the real one). */
static void write_many(const char *path, uint64_t more, bool shared, unsigned count16)
{
    static const char name[] = "foo_bar-1.0.dist-info/METADATA";
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    struct zb z;
    memset(&z, 0, sizeof z);
    uint32_t crc = crc32_of(zmd, sizeof zmd - 1);
    /* Local headers. */
    zb_put(&z, "PK\3\4", 4);
    zb_le(&z, 20, 2), zb_le(&z, 0, 2), zb_le(&z, 0, 2), zb_le(&z, 0, 4);
    zb_le(&z, crc, 4), zb_le(&z, sizeof zmd - 1, 4), zb_le(&z, sizeof zmd - 1, 4);
    zb_le(&z, sizeof name - 1, 2), zb_le(&z, 0, 2);
    zb_put(&z, name, sizeof name - 1);
    zb_put(&z, zmd, sizeof zmd - 1);
    ck_assert_uint_eq(fwrite(z.p, 1, z.len, f), z.len);
    uint64_t at = z.len;
    z.len = 0;
    if (!shared) {
        for (uint64_t i = 0; i < more; i++) {
            zb_put(&z, "PK\3\4", 4);
            zb_le(&z, 20, 2), zb_le(&z, 0, 2), zb_le(&z, 0, 2), zb_le(&z, 0, 4);
            zb_le(&z, 0, 4), zb_le(&z, 0, 4), zb_le(&z, 0, 4), zb_le(&z, 1, 2), zb_le(&z, 0, 2);
            zb_put(&z, "x", 1);
        }
        ck_assert_uint_eq(fwrite(z.p, 1, z.len, f), z.len);
    }
    uint64_t cd = at + z.len;
    z.len = 0;
    /* The directory. */
    for (uint64_t i = 0; i <= more; i++) {
        bool md = i == 0;
        zb_put(&z, "PK\1\2", 4);
        zb_le(&z, 0x0314, 2), zb_le(&z, 20, 2), zb_le(&z, 0, 2), zb_le(&z, 0, 2), zb_le(&z, 0, 4);
        zb_le(&z, md ? crc : 0, 4), zb_le(&z, md ? sizeof zmd - 1 : 0, 4), zb_le(&z, md ? sizeof zmd - 1 : 0, 4);
        zb_le(&z, md ? sizeof name - 1 : 1, 2), zb_le(&z, 0, 2), zb_le(&z, 0, 2), zb_le(&z, 0, 2), zb_le(&z, 0, 2);
        zb_le(&z, 0100644u << 16, 4), zb_le(&z, md || shared ? 0 : at + (i - 1) * 31, 4);
        zb_put(&z, md ? name : "x", md ? sizeof name - 1 : 1);
    }
    uint64_t cdsize = z.len, total = more + 1, eocd64 = cd + cdsize;
    zb_put(&z, "PK\6\6", 4);
    zb_le(&z, 44, 8), zb_le(&z, 45, 2), zb_le(&z, 45, 2), zb_le(&z, 0, 4), zb_le(&z, 0, 4);
    zb_le(&z, total, 8), zb_le(&z, total, 8), zb_le(&z, cdsize, 8), zb_le(&z, cd, 8);
    zb_put(&z, "PK\6\7", 4);
    zb_le(&z, 0, 4), zb_le(&z, eocd64, 8), zb_le(&z, 1, 4);
    zb_put(&z, "PK\5\6", 4);
    zb_le(&z, 0, 2), zb_le(&z, 0, 2), zb_le(&z, count16, 2), zb_le(&z, count16, 2);
    zb_le(&z, 0xFFFFFFFFu, 4), zb_le(&z, 0xFFFFFFFFu, 4), zb_le(&z, 0, 2);
    ck_assert_uint_eq(fwrite(z.p, 1, z.len, f), z.len);
    ck_assert_int_eq(fclose(f), 0);
    free(z.p);
}

/* META_MAX_ENTRIES: a wheel of that many entries is read; one more is
 * refused before libarchive loads its directory, however it is laid out
 * and whatever its end record claims. The fd is left where it was: a
 * refused zip is not read by libarchive at all. */
START_TEST(test_meta_zip_entry_cap)
{
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "foo_bar-1.0-py3-none-any.whl");
    static const struct {
        uint64_t more;
        bool shared;
        unsigned count16;
        enum pf_err want;
    } cases[] = {
        { META_MAX_ENTRIES - 1, false, 0xFFFF, PF_EOK },
        { META_MAX_ENTRIES, false, 0xFFFF, PF_EFORMAT },
        { 300000, true, 0xFFFF, PF_EFORMAT },
        { 300000, true, 1, PF_EFORMAT },   /* the 16-bit count lies */
        { 300000, false, 1, PF_EFORMAT },
        { 1000, true, 0xFFFF, PF_EFORMAT }, /* under the cap, but one local header for all */
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        write_many(path, cases[i].more, cases[i].shared, cases[i].count16);
        int fd = open(path, O_RDONLY);
        ck_assert_int_ge(fd, 0);
        buf_t out;
        buf_init(&out, META_MAX_SIZE);
        enum pf_err e = meta_extract(fd, DISTFILE_WHEEL, "foo-bar", &out);
        ck_assert_msg(e == cases[i].want, "case %zu: %s", i, pf_errname(e));
        if (e == PF_EOK) {
            ck_assert_uint_eq(out.len, sizeof zmd - 1);
            ck_assert_mem_eq(out.p, zmd, sizeof zmd - 1);
        } else {
            ck_assert_uint_eq(out.len, 0);
            ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
        }
        buf_free(&out);
        close(fd);
    }
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* A directory over META_MAX_ZIPDIR is refused from its end record alone
 * (the file is sparse: nothing before the end record is read). */
START_TEST(test_meta_zip_dir_cap)
{
    char *dir = tu_mkdtemp();
    char *path = path_in(dir, "w.whl");
    uint64_t cdsize = META_MAX_ZIPDIR + 1;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)(100 + cdsize)), 0);
    struct zb z;
    memset(&z, 0, sizeof z);
    zb_put(&z, "PK\5\6", 4);
    zb_le(&z, 0, 2), zb_le(&z, 0, 2), zb_le(&z, 1, 2), zb_le(&z, 1, 2);
    zb_le(&z, cdsize, 4), zb_le(&z, 100, 4), zb_le(&z, 0, 2);
    ck_assert_int_eq(pwrite(fd, z.p, z.len, (off_t)(100 + cdsize)), (ssize_t)z.len);
    uint64_t n;
    ck_assert_int_eq(meta_zip_check(fd, &n), PF_EFORMAT);
    close(fd);
    free(z.p);
    free(path);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* ---- meta_field ---- */

struct field_case {
    const char *md;
    const char *name;
    const char *value; /* NULL: not found */
};

static const struct field_case field_cases[] = {
    { "Metadata-Version: 2.1\nName: foo\nRequires-Python: >=3.8\n\nbody\n", "Requires-Python", ">=3.8" },
    { "Name: foo\nrequires-python: >=3.8\n", "Requires-Python", ">=3.8" },
    { "Name: foo\nREQUIRES-PYTHON: >=3.8\n", "requires-python", ">=3.8" },
    { "Requires-Python:   >=3.8, <4  \t\n", "Requires-Python", ">=3.8, <4" },
    { "Requires-Python:>=3.8\n", "Requires-Python", ">=3.8" },
    { "Requires-Python:\t>=3.8\n", "Requires-Python", ">=3.8" },
    { "Name: foo\r\nRequires-Python: >=3.8\r\n\r\nbody\r\n", "Requires-Python", ">=3.8" },
    { "Requires-Python: >=3.8 \r\n", "Requires-Python", ">=3.8" },
    { "Requires-Python: >=3.9", "Requires-Python", ">=3.9" },
    { "Name: foo\nVersion: 1.0\n", "Requires-Python", NULL },
    { "", "Requires-Python", NULL },
    { "\n", "Requires-Python", NULL },
    /* In the body, after the blank line: not a header. */
    { "Name: foo\n\nRequires-Python: >=3.8\n", "Requires-Python", NULL },
    { "Name: foo\r\n\r\nRequires-Python: >=3.8\r\n", "Requires-Python", NULL },
    { "\nRequires-Python: >=3.8\n", "Requires-Python", NULL },
    /* Empty values count as absent. */
    { "Requires-Python:\n", "Requires-Python", NULL },
    { "Requires-Python:   \t \n", "Requires-Python", NULL },
    { "Requires-Python:\r\n", "Requires-Python", NULL },
    /* The first occurrence wins. */
    { "Requires-Python: >=3.6\nRequires-Python: >=3.9\n", "Requires-Python", ">=3.6" },
    /* Continuation lines are skipped, not matched. */
    { "Description: x\n Requires-Python: >=2\nRequires-Python: >=3\n", "Requires-Python", ">=3" },
    { "Description: x\n\tRequires-Python: >=2\n", "Requires-Python", NULL },
    { "Summary: a\n  b\nRequires-Python: >=3\n", "Requires-Python", ">=3" },
    /* Only the exact field name. */
    { "Requires-Python-Extra: x\n", "Requires-Python", NULL },
    { "X-Requires-Python: x\n", "Requires-Python", NULL },
    { "Requires-Pytho: x\n", "Requires-Python", NULL },
    { "Requires-Python : x\n", "Requires-Python", NULL },
    { "Requires Python: x\n", "Requires-Python", NULL },
    /* Lines without a colon are skipped. */
    { "garbage line\nRequires-Python: >=3\n", "Requires-Python", ">=3" },
    /* The value runs to the end of the line, colons included. */
    { "Requires-Python: >=3.8, !=3.9:x\n", "Requires-Python", ">=3.8, !=3.9:x" },
    { "Name: foo\n", "Name", "foo" },
    { "Name: foo\n", "name", "foo" },
    { "Name: foo\n", "Nam", NULL },
    { "Name: foo\n", "", NULL },
    { ": x\n", "", "x" },
};

START_TEST(test_meta_field_table)
{
    const struct field_case *c = &field_cases[_i];
    size_t len = strlen(c->md);
    /* An exact-size copy so that ASan sees any read past the view. */
    char *md = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(md);
    memcpy(md, c->md, len);
    sv_t v = { NULL, 12345 };
    bool found = meta_field(sv_make(md, len), c->name, &v);
    if (!c->value) {
        ck_assert_msg(!found, "case %d: found \"%.*s\"", _i, (int)v.len, v.p);
    } else {
        ck_assert_msg(found, "case %d: not found", _i);
        ck_assert_msg(sv_eq(v, sv_cstr(c->value)), "case %d: \"%.*s\", want \"%s\"", _i, (int)v.len, v.p,
                      c->value);
        /* A view into the input, not a copy. */
        ck_assert(v.p >= md && v.p + v.len <= md + len);
    }
    free(md);
}
END_TEST

Suite *suite_meta(void)
{
    Suite *s = suite_create("meta");
    TCase *tc = tcase_create("archives");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_meta_wheel_positions);
    tcase_add_loop_test(tc, test_meta_wheel_distinfo_names, 0, (int)NELEM(distinfo_cases));
    tcase_add_loop_test(tc, test_meta_wheel_table, 0, (int)NELEM(wheel_cases));
    tcase_add_test(tc, test_meta_size_cap);
    tcase_add_test(tc, test_meta_out_cap);
    tcase_add_test(tc, test_meta_bomb);
    tcase_add_test(tc, test_meta_not_archives);
    tcase_add_loop_test(tc, test_meta_sdist_formats, 0, (int)NELEM(sdist_cases));
    tcase_add_test(tc, test_meta_sdist_special_members);
    tcase_add_test(tc, test_meta_sdist_truncated_half);
    tcase_add_loop_test(tc, test_meta_every_truncation, 0, 3);
    suite_add_tcase(s, tc);

    tc = tcase_create("caps");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_meta_tar_skip_bomb, 0, (int)NELEM(tarbomb_cases));
    tcase_add_test(tc, test_meta_tar_scan_cap);
    tcase_add_loop_test(tc, test_meta_zip_layout, 0, (int)NELEM(zip_cases));
    tcase_add_loop_test(tc, test_meta_zip_layout_truncated, 0, 2);
    tcase_add_test(tc, test_meta_zip_entry_cap);
    tcase_add_test(tc, test_meta_zip_dir_cap);
    suite_add_tcase(s, tc);

    tc = tcase_create("field");
    tcase_add_loop_test(tc, test_meta_field_table, 0, (int)NELEM(field_cases));
    suite_add_tcase(s, tc);
    return s;
}
