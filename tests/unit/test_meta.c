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

/* PROTOCOLS.md 1.6: the top-level *.dist-info directory whose name
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
        buf_free(&out);
    }
    free(big);
    free(path);
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
    tcase_add_test(tc, test_meta_bomb);
    tcase_add_test(tc, test_meta_not_archives);
    tcase_add_loop_test(tc, test_meta_sdist_formats, 0, (int)NELEM(sdist_cases));
    tcase_add_test(tc, test_meta_sdist_special_members);
    tcase_add_test(tc, test_meta_sdist_truncated_half);
    tcase_add_loop_test(tc, test_meta_every_truncation, 0, 3);
    suite_add_tcase(s, tc);

    tc = tcase_create("field");
    tcase_add_loop_test(tc, test_meta_field_table, 0, (int)NELEM(field_cases));
    suite_add_tcase(s, tc);
    return s;
}
