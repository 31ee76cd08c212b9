/* SPDX-License-Identifier: MIT */
/* test_distfile.c: unit tests for distfile.c (wheel and sdist filenames). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "distfile.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct df_case {
    const char *in;
    size_t len; /* exact, so cases may hold NUL bytes */
    bool ok;
    enum distfile_kind kind;
    const char *project, *name, *version, *norm_version;
    const char *build, *python_tag, *abi_tag, *platform_tag, *ext;
};

#define WHEEL(f, project, name, ver, norm, build, py, abi, plat) \
    { f, sizeof(f) - 1, true, DISTFILE_WHEEL, project, name, ver, norm, build, py, abi, plat, ".whl" }
#define SDIST(f, project, name, ver, norm, ext) \
    { f, sizeof(f) - 1, true, DISTFILE_SDIST, project, name, ver, norm, "", "", "", "", ext }
#define BAD(f) { f, sizeof(f) - 1, false, DISTFILE_WHEEL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/* Expected names and versions agree with packaging 21.3's
 * parse_wheel_filename and parse_sdist_filename where those accept. */
static const struct df_case df_cases[] = {
    /* docs/protocols.md, section "Wheels". */
    WHEEL("foo_bar-1.0-py3-none-any.whl", "foo-bar", "foo_bar", "1.0", "1.0", "", "py3", "none", "any"),
    WHEEL("Foo.Bar-1.0-py3-none-any.whl", "foo-bar", "Foo.Bar", "1.0", "1.0", "", "py3", "none", "any"),
    BAD("foo__bar-1.0-py3-none-any.whl"),
    BAD("foo-bar-1.0-py3-none-any.whl"),
    WHEEL("foo-1.0_beta-py3-none-any.whl", "foo", "foo", "1.0_beta", "1.0b0", "", "py3", "none", "any"),
    WHEEL("foo-1!2.0-py3-none-any.whl", "foo", "foo", "1!2.0", "1!2.0", "", "py3", "none", "any"),
    WHEEL("foo-1.0+local-py3-none-any.whl", "foo", "foo", "1.0+local", "1.0+local", "", "py3", "none", "any"),
    BAD("foo-1.0-x1-py3-none-any.whl"),
    /* Build tags and compressed tag sets. */
    WHEEL("foo-1.0-1-py3-none-any.whl", "foo", "foo", "1.0", "1.0", "1", "py3", "none", "any"),
    WHEEL("foo-1.0-1a-py2.py3-none-any.whl", "foo", "foo", "1.0", "1.0", "1a", "py2.py3", "none", "any"),
    WHEEL("foo-1.0-007_x-py3-none-any.whl", "foo", "foo", "1.0", "1.0", "007_x", "py3", "none", "any"),
    WHEEL("numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "numpy",
          "numpy", "1.26.4", "1.26.4", "", "cp311", "cp311",
          "manylinux_2_17_x86_64.manylinux2014_x86_64"),
    WHEEL("Zope.Interface-6.0-2-cp311-cp311-win_amd64.whl", "zope-interface", "Zope.Interface",
          "6.0", "6.0", "2", "cp311", "cp311", "win_amd64"),
    WHEEL("pkg-1.0rc1.post2.dev3+ub.1-py3-abi3-macosx_10_9_universal2.whl", "pkg", "pkg",
          "1.0rc1.post2.dev3+ub.1", "1.0rc1.post2.dev3+ub.1", "", "py3", "abi3",
          "macosx_10_9_universal2"),
    WHEEL("a-0-py3-none-any.whl", "a", "a", "0", "0", "", "py3", "none", "any"),
    WHEEL("foo-V1.0-py3-none-any.whl", "foo", "foo", "V1.0", "1.0", "", "py3", "none", "any"),
    /* Wheel: wrong dash counts, empty parts, bad names, bad versions. */
    BAD("foo-1.0-py3-none.whl"),
    BAD("foo-1.0-py3.whl"),
    BAD("foo-1.0.whl"),
    BAD("foo-1.0-1-2-py3-none-any.whl"),
    BAD("foo-1.0--none-any.whl"),
    BAD("foo-1.0-py3--any.whl"),
    BAD("foo-1.0-py3-none-.whl"),
    BAD("foo--py3-none-any.whl"),
    BAD("-1.0-py3-none-any.whl"),
    BAD("foo-1.0--py3-none-any.whl"),
    BAD("foo-1.0-py3-none-any-.whl"),
    BAD("_foo-1.0-py3-none-any.whl"),
    BAD("foo_-1.0-py3-none-any.whl"),
    BAD(".foo-1.0-py3-none-any.whl"),
    BAD("foo.-1.0-py3-none-any.whl"),
    BAD("foo+x-1.0-py3-none-any.whl"),
    BAD("foo!-1.0-py3-none-any.whl"),
    BAD("foo-1.0.0.-py3-none-any.whl"),
    BAD("foo-bar-py3-none-any.whl"),
    BAD("foo-1.0-py3-none-any.WHL"),
    BAD(".whl"),
    BAD("----.whl"),
    BAD("-----.whl"),
    /* docs/protocols.md, section "Source distributions": split at the last '-'. */
    SDIST("foo-1.0.tar.gz", "foo", "foo", "1.0", "1.0", ".tar.gz"),
    SDIST("foo_bar-1.0.tar.gz", "foo-bar", "foo_bar", "1.0", "1.0", ".tar.gz"),
    SDIST("foo-bar-1.0.tar.gz", "foo-bar", "foo-bar", "1.0", "1.0", ".tar.gz"),
    SDIST("Foo.Bar-1.0.tar.gz", "foo-bar", "Foo.Bar", "1.0", "1.0", ".tar.gz"),
    SDIST("foo-1.0-1.tar.gz", "foo-1-0", "foo-1.0", "1", "1", ".tar.gz"),
    SDIST("foo-1!2.0.tar.gz", "foo", "foo", "1!2.0", "1!2.0", ".tar.gz"),
    SDIST("foo-1.0+local.zip", "foo", "foo", "1.0+local", "1.0+local", ".zip"),
    SDIST("foo-1.0_beta.tar.gz", "foo", "foo", "1.0_beta", "1.0b0", ".tar.gz"),
    SDIST("foo-1.0.post1.tar.gz", "foo", "foo", "1.0.post1", "1.0.post1", ".tar.gz"),
    /* Every legacy suffix pip unpacks, in any case, kept as written. */
    SDIST("foo-1.0.zip", "foo", "foo", "1.0", "1.0", ".zip"),
    SDIST("foo-1.0.tgz", "foo", "foo", "1.0", "1.0", ".tgz"),
    SDIST("foo-1.0.tar", "foo", "foo", "1.0", "1.0", ".tar"),
    SDIST("foo-1.0.tar.bz2", "foo", "foo", "1.0", "1.0", ".tar.bz2"),
    SDIST("foo-1.0.tbz", "foo", "foo", "1.0", "1.0", ".tbz"),
    SDIST("foo-1.0.tar.xz", "foo", "foo", "1.0", "1.0", ".tar.xz"),
    SDIST("foo-1.0.txz", "foo", "foo", "1.0", "1.0", ".txz"),
    SDIST("foo-1.0.tlz", "foo", "foo", "1.0", "1.0", ".tlz"),
    SDIST("foo-1.0.tar.lz", "foo", "foo", "1.0", "1.0", ".tar.lz"),
    SDIST("foo-1.0.tar.lzma", "foo", "foo", "1.0", "1.0", ".tar.lzma"),
    SDIST("Foo-1.0.TAR.GZ", "foo", "Foo", "1.0", "1.0", ".TAR.GZ"),
    SDIST("foo-1.0.Zip", "foo", "foo", "1.0", "1.0", ".Zip"),
    SDIST("foo-1.0.Tar.Bz2", "foo", "foo", "1.0", "1.0", ".Tar.Bz2"),
    /* Sdists pip does not install, or that do not split. */
    BAD("foo-1.0.egg"),
    BAD("foo-1.0-py3.11.egg"),
    BAD("foo-1.0.win32.exe"),
    BAD("foo-1.0.msi"),
    BAD("foo-1.0.gz"),
    BAD("foo-1.0.bz2"),
    BAD("foo-1.0.rpm"),
    BAD("foo-1.0"),
    BAD("foo.tar.gz"),
    BAD("-1.0.tar.gz"),
    BAD("foo-.tar.gz"),
    BAD(".tar.gz"),
    BAD("-.tar.gz"),
    BAD("foo-bar.tar.gz"),
    BAD("foo-1.0-.tar.gz"),
    BAD("foo_-1.0.tar.gz"),
    BAD("foo!-1.0.tar.gz"),
    BAD("foo+1-1.0.tar.gz"),
    BAD("foo-1..0.tar.gz"),
    /* Hostile bytes: the filename goes to disk, URLs and HTML. */
    BAD(""),
    BAD("."),
    BAD(".."),
    BAD("../foo-1.0.tar.gz"),
    BAD("..-1.0.tar.gz"),
    BAD(".foo-1.0.tar.gz"),
    BAD("dir/foo-1.0.tar.gz"),
    BAD("/foo-1.0.tar.gz"),
    BAD("foo-1.0.tar.gz/"),
    BAD("..\\foo-1.0.tar.gz"),
    BAD("foo\\bar-1.0.tar.gz"),
    BAD("foo-1.0/../../x-py3-none-any.whl"),
    BAD("foo -1.0.tar.gz"),
    BAD("foo-1.0 .tar.gz"),
    BAD(" foo-1.0.tar.gz"),
    BAD("foo-1.0.tar.gz "),
    BAD("foo-1.0.tar.gz\n"),
    BAD("foo-1.0\t.tar.gz"),
    BAD("f\xc3\xa9-1.0.tar.gz"),
    BAD("foo-1.0\xff.tar.gz"),
    BAD("foo-1.0-py3-none-\xc3\xa9.whl"),
    BAD("foo-1.0.tar.gz\0"),
    BAD("foo\0-1.0.tar.gz"),
    BAD("foo-1.0\0.tar.gz"),
    BAD("foo-1.0-py3-none-any\0.whl"),
    BAD("foo-1.0-py3-none-any.whl\0"),
    BAD("foo%2f-1.0.tar.gz"),
    BAD("foo\"-1.0.tar.gz"),
    BAD("foo<b>-1.0.tar.gz"),
    BAD("foo'-1.0.tar.gz"),
    BAD("foo&-1.0.tar.gz"),
    BAD("foo;-1.0.tar.gz"),
    BAD("foo-1.0.tar.gz?x=1"),
    BAD("foo-1.0.tar.gz#sha256=00"),
};

static void check_sv(sv_t got, const char *want, const char *what, const char *file)
{
    ck_assert_msg(got.len == strlen(want) && memcmp(got.p, want, got.len) == 0,
                  "%s: %s is \"%.*s\", want \"%s\"", file, what, (int)got.len, got.p, want);
}

/* A view that points into [base, base + len). */
static void check_inside(sv_t v, const char *base, size_t len)
{
    ck_assert_ptr_nonnull(v.p);
    ck_assert(v.p >= base && v.p <= base + len);
    ck_assert_uint_le(v.len, (size_t)(base + len - v.p));
}

/* What every accepted filename must satisfy, whatever it is. */
static void check_sane(sv_t f, const distfile_t *d)
{
    char again[NAME_MAX_LEN + 1];
    buf_t b;

    ck_assert(d->kind == DISTFILE_WHEEL || d->kind == DISTFILE_SDIST);
    check_inside(d->name, f.p, f.len);
    check_inside(d->version, f.p, f.len);
    check_inside(d->build, f.p, f.len);
    check_inside(d->python_tag, f.p, f.len);
    check_inside(d->abi_tag, f.p, f.len);
    check_inside(d->platform_tag, f.p, f.len);
    check_inside(d->ext, f.p, f.len);
    ck_assert(d->ext.p + d->ext.len == f.p + f.len);
    ck_assert(d->name.p == f.p);
    ck_assert(name_is_valid(d->name));
    ck_assert(name_is_normalized(sv_cstr(d->project)));
    ck_assert_uint_eq(name_normalize(d->name, again, sizeof again), strlen(d->project));
    ck_assert_str_eq(again, d->project);
    version_t v;
    ck_assert_int_eq(version_parse(d->version, &v), PF_EOK);
    ck_assert_int_eq(version_cmp(&v, &d->ver), 0);
    buf_init(&b, 256);
    ck_assert_int_eq(version_normalize(&d->ver, &b), PF_EOK);
    buf_free(&b);
    if (d->kind == DISTFILE_WHEEL) {
        check_sv(d->ext, ".whl", "ext", "");
        ck_assert_uint_gt(d->python_tag.len, 0);
        ck_assert_uint_gt(d->abi_tag.len, 0);
        ck_assert_uint_gt(d->platform_tag.len, 0);
        ck_assert(d->build.len == 0 || (d->build.p[0] >= '0' && d->build.p[0] <= '9'));
    } else {
        ck_assert_uint_eq(d->build.len + d->python_tag.len + d->abi_tag.len + d->platform_tag.len, 0);
        ck_assert(distfile_has_known_suffix(f));
    }
}

START_TEST(test_distfile_table)
{
    const struct df_case *c = &df_cases[_i];
    sv_t f = sv_make(c->in, c->len);
    distfile_t d;
    enum pf_err e = distfile_parse(f, &d);

    if (!c->ok) {
        ck_assert_msg(e == PF_EINVAL, "\"%s\" parsed but should not", c->in);
        return;
    }
    ck_assert_msg(e == PF_EOK, "\"%s\" did not parse", c->in);
    ck_assert_int_eq(d.kind, c->kind);
    ck_assert_str_eq(d.project, c->project);
    check_sv(d.name, c->name, "name", c->in);
    check_sv(d.version, c->version, "version", c->in);
    check_sv(d.build, c->build, "build", c->in);
    check_sv(d.python_tag, c->python_tag, "python_tag", c->in);
    check_sv(d.abi_tag, c->abi_tag, "abi_tag", c->in);
    check_sv(d.platform_tag, c->platform_tag, "platform_tag", c->in);
    check_sv(d.ext, c->ext, "ext", c->in);

    buf_t b;
    buf_init(&b, 256);
    ck_assert_int_eq(version_normalize(&d.ver, &b), PF_EOK);
    ck_assert_str_eq(b.p, c->norm_version);
    buf_free(&b);
    check_sane(f, &d);
}
END_TEST

struct suffix_case {
    const char *in;
    size_t len;
    bool known;
};

#define SUF(f, known) { f, sizeof(f) - 1, known }

static const struct suffix_case suffix_cases[] = {
    SUF("foo-1.0-py3-none-any.whl", true),
    SUF("x.whl", true),
    SUF(".whl", true),
    /* Like packaging and pip, ".WHL" is not a wheel. */
    SUF("x.WHL", false),
    SUF("x.tar.gz", true),
    SUF("x.TAR.GZ", true),
    SUF("x.zip", true),
    SUF("x.ZIP", true),
    SUF("x.tgz", true),
    SUF("x.tar", true),
    SUF("x.tar.bz2", true),
    SUF("x.tbz", true),
    SUF("x.tar.xz", true),
    SUF("x.txz", true),
    SUF("x.tlz", true),
    SUF("x.tar.lz", true),
    SUF("x.tar.lzma", true),
    SUF(".tar.gz", true),
    SUF("x.gz", false),
    SUF("x.bz2", false),
    SUF("x.egg", false),
    SUF("x.exe", false),
    SUF("x.msi", false),
    SUF("x.whl.sig", false),
    SUF("x.tar.gz.asc", false),
    SUF("x.tar.gz.metadata", false),
    SUF("x.whl.metadata", false),
    SUF("whl", false),
    SUF("tar.gz", false),
    SUF("", false),
    SUF("x.whl\0", false),
    SUF("x.tar.g", false),
};

START_TEST(test_distfile_suffix)
{
    const struct suffix_case *c = &suffix_cases[_i];
    ck_assert_msg(distfile_has_known_suffix(sv_make(c->in, c->len)) == c->known, "\"%s\"", c->in);
}
END_TEST

START_TEST(test_distfile_empty)
{
    distfile_t d;
    ck_assert_int_eq(distfile_parse(sv_make(NULL, 0), &d), PF_EINVAL);
    ck_assert(!distfile_has_known_suffix(sv_make(NULL, 0)));
}
END_TEST

/* DISTFILE_MAX_LEN bytes are accepted, one more is not; NAME_MAX_LEN and
 * VERSION_MAX_LEN hold inside a filename too. */
START_TEST(test_distfile_length_caps)
{
    char f[DISTFILE_MAX_LEN + 64];
    distfile_t d;
    int n;

    /* foo-1.0-1xxx...-py3-none-any.whl: the build tag takes up the slack. */
    size_t fixed = strlen("foo-1.0-1-py3-none-any.whl");
    for (size_t len = DISTFILE_MAX_LEN - 2; len <= DISTFILE_MAX_LEN + 2; len++) {
        n = snprintf(f, sizeof f, "foo-1.0-1%.*s-py3-none-any.whl", (int)(len - fixed),
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        ck_assert_uint_eq((size_t)n, len);
        ck_assert_int_eq(distfile_parse(sv_make(f, len), &d),
                         len <= DISTFILE_MAX_LEN ? PF_EOK : PF_EINVAL);
    }

    /* A name of NAME_MAX_LEN fits, one byte more does not. */
    memset(f, 'n', NAME_MAX_LEN + 1);
    memcpy(f + NAME_MAX_LEN, "-1.tar.gz", 9);
    ck_assert_int_eq(distfile_parse(sv_make(f, NAME_MAX_LEN + 9), &d), PF_EOK);
    ck_assert_uint_eq(strlen(d.project), NAME_MAX_LEN);
    memset(f, 'n', NAME_MAX_LEN + 1);
    memcpy(f + NAME_MAX_LEN + 1, "-1.tar.gz", 9);
    ck_assert_int_eq(distfile_parse(sv_make(f, NAME_MAX_LEN + 10), &d), PF_EINVAL);

    /* A version over VERSION_MAX_LEN, well inside DISTFILE_MAX_LEN. */
    memcpy(f, "a-", 2);
    memset(f + 2, '9', VERSION_MAX_LEN + 1);
    memcpy(f + 2 + VERSION_MAX_LEN + 1, ".zip", 4);
    ck_assert_int_eq(distfile_parse(sv_make(f, VERSION_MAX_LEN + 7), &d), PF_EINVAL);
    memcpy(f + 2 + VERSION_MAX_LEN, ".zip", 4);
    ck_assert_int_eq(distfile_parse(sv_make(f, VERSION_MAX_LEN + 6), &d), PF_EOK);
}
END_TEST

START_TEST(test_distfile_hostile_huge)
{
    enum { N = 10000 };
    char *f = malloc(2 * N + 64);
    distfile_t d;
    size_t n;

    ck_assert_ptr_nonnull(f);
    /* A version of 10,000 digits. */
    memcpy(f, "foo-", 4);
    memset(f + 4, '1', N);
    memcpy(f + 4 + N, ".tar.gz", 7);
    ck_assert_int_eq(distfile_parse(sv_make(f, N + 11), &d), PF_EINVAL);
    ck_assert(distfile_has_known_suffix(sv_make(f, N + 11)));
    memcpy(f, "foo-", 4);
    memset(f + 4, '1', N);
    n = 4 + N + (size_t)snprintf(f + 4 + N, 64, "-py3-none-any.whl");
    ck_assert_int_eq(distfile_parse(sv_make(f, n), &d), PF_EINVAL);
    /* 1000 release segments. */
    memcpy(f, "foo-", 4);
    for (size_t i = 0; i < 1000; i++)
        memcpy(f + 4 + 2 * i, "1.", 2);
    memcpy(f + 4 + 1999, ".zip", 4);
    ck_assert_int_eq(distfile_parse(sv_make(f, 4 + 1999 + 4), &d), PF_EINVAL);
    /* 10,000 dashes, and 10,000 dots. */
    memset(f, '-', N);
    memcpy(f + N, ".whl", 4);
    ck_assert_int_eq(distfile_parse(sv_make(f, N + 4), &d), PF_EINVAL);
    memset(f, '.', N);
    memcpy(f + N, ".tar.gz", 7);
    ck_assert_int_eq(distfile_parse(sv_make(f, N + 7), &d), PF_EINVAL);
    free(f);
}
END_TEST

/* Every prefix and every suffix of a few filenames: nothing reads past
 * the view, and whatever parses is sane. */
START_TEST(test_distfile_prefixes)
{
    static const char *const inputs[] = {
        "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "Foo.Bar-1!2.0rc1+local.7-12b-py2.py3-none-any.whl",
        "foo-bar-1.0.post1.tar.gz",
        "foo-1.0.tar.lzma",
        "x-1.tgz",
    };
    size_t accepted = 0;

    for (size_t k = 0; k < NELEM(inputs); k++) {
        size_t len = strlen(inputs[k]);
        distfile_t d;
        for (size_t n = 0; n <= len; n++) {
            for (int side = 0; side < 2; side++) {
                sv_t f = side ? sv_make(inputs[k] + n, len - n) : sv_make(inputs[k], n);
                if (distfile_parse(f, &d) != PF_EOK)
                    continue;
                accepted++;
                check_sane(f, &d);
            }
        }
        ck_assert_int_eq(distfile_parse(sv_make(inputs[k], len), &d), PF_EOK);
    }
    /* Some shorter pieces are themselves valid ("foo-1.0.tar", ...). */
    ck_assert_uint_gt(accepted, NELEM(inputs));
}
END_TEST

Suite *suite_distfile(void)
{
    Suite *s = suite_create("distfile");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_distfile_table, 0, (int)NELEM(df_cases));
    tcase_add_loop_test(tc, test_distfile_suffix, 0, (int)NELEM(suffix_cases));
    tcase_add_test(tc, test_distfile_empty);
    tcase_add_test(tc, test_distfile_length_caps);
    tcase_add_test(tc, test_distfile_hostile_huge);
    tcase_add_test(tc, test_distfile_prefixes);
    suite_add_tcase(s, tc);
    return s;
}
