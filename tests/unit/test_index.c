/* SPDX-License-Identifier: MIT */
/* test_index.c: the index engine: layouts, records written once, change detection. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conf.h"
#include "digest.h"
#include "index.h"
#include "index_int.h"
#include "sidecar.h"
#include "suites.h"
#include "testutil.h"

static char *root;

static char *path(const char *rel)
{
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/%s", root, rel), 0);
    return p;
}

static void wheel(const char *rel, const char *distinfo, const char *md)
{
    char *p = path(rel);
    tu_make_wheel(p, distinfo, md);
    free(p);
}

static void sdist(const char *rel, const char *top, const char *md)
{
    char *p = path(rel);
    tu_make_sdist(p, top, md);
    free(p);
}

static void setup(void)
{
    root = tu_mkdtemp();
}

static void teardown(void)
{
    tu_rmrf(root);
    free(root);
}

static index_t *open_idx(struct config *cfg)
{
    conf_init(cfg);
    cfg->roots = calloc(1, sizeof *cfg->roots);
    cfg->roots[0] = realpath(root, NULL);
    cfg->nroots = 1;
    cfg->rescan_interval = 0;
    index_t *idx;
    ck_assert_int_eq(index_open(cfg, &idx), PF_EOK);
    return idx;
}

static size_t nfiles_of(index_t *idx, const char *name)
{
    struct index_project *p;
    if (index_project(idx, name, &p) != PF_EOK)
        return 0;
    size_t n = p->nfiles;
    index_project_release(idx, p);
    return n;
}

START_TEST(layouts_and_skips)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/a/b/c' '%s/.hidden' '%s/proj'", root, root, root), 0);
    sdist("flat-1.0.tar.gz", "flat-1.0", "Name: flat\n");
    sdist("a/b/c/deep-1.0.tar.gz", "deep-1.0", "Name: deep\n");
    wheel("proj/proj-1.0-py3-none-any.whl", "proj-1.0.dist-info", "Name: proj\n");
    sdist(".hidden/hid-1.0.tar.gz", "hid-1.0", "Name: hid\n");
    sdist("proj/.proj-2.0.tar.gz", "proj-2.0", "Name: proj\n");
    sdist("proj/proj-3.0.tar.gz.tmp", "proj-3.0", "Name: proj\n");
    sdist("proj/proj-4.0.tar.gz~", "proj-4.0", "Name: proj\n");
    sdist("proj/proj-final.tar.gz", "proj-final", "Name: proj\n"); /* not PEP 440 */
    sdist("proj/proj-1.0.tgz", "proj-1.0", "Name: proj\n");         /* legacy suffix */
    sdist("proj/proj-1.0.tar.bz2", "proj-1.0", "Name: proj\n");     /* named .bz2, gzip inside: still indexed */
    struct config cfg;
    index_t *idx = open_idx(&cfg);
    ck_assert_uint_eq(nfiles_of(idx, "flat"), 1);
    ck_assert_uint_eq(nfiles_of(idx, "deep"), 1);
    ck_assert_uint_eq(nfiles_of(idx, "proj"), 3);
    ck_assert_uint_eq(nfiles_of(idx, "hid"), 0);
    struct index_root *r;
    ck_assert_int_eq(index_root(idx, &r), PF_EOK);
    ck_assert_uint_eq(r->nprojects, 3);
    ck_assert_str_eq(r->projects[0], "deep");
    ck_assert_str_eq(r->projects[1], "flat");
    ck_assert_str_eq(r->projects[2], "proj");
    ck_assert_uint_eq(r->nfiles, 5);
    index_root_release(r);
    index_close(idx);
    conf_free(&cfg);
}
END_TEST

START_TEST(versions_sorted)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/v'", root), 0);
    const char *vs[] = { "1.10", "1.0", "1.0rc1", "1.0.post1", "1!0.1", "1.0a1", "2" };
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        char rel[128], top[64];
        snprintf(rel, sizeof rel, "v/v-%s.tar.gz", vs[i]);
        snprintf(top, sizeof top, "v-%s", vs[i]);
        sdist(rel, top, "Name: v\n");
    }
    struct config cfg;
    index_t *idx = open_idx(&cfg);
    struct index_project *p;
    ck_assert_int_eq(index_project(idx, "v", &p), PF_EOK);
    const char *want[] = { "1.0a1", "1.0rc1", "1.0", "1.0.post1", "1.10", "2", "1!0.1" };
    ck_assert_uint_eq(p->nversions, 7);
    for (size_t i = 0; i < 7; i++)
        ck_assert_str_eq(p->versions[i], want[i]);
    index_project_release(idx, p);
    index_close(idx);
    conf_free(&cfg);
}
END_TEST

START_TEST(record_written_once)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/p'", root), 0);
    wheel("p/p-1.0-py3-none-any.whl", "p-1.0.dist-info", "Name: p\nRequires-Python: >=3.10\n");
    struct config cfg;
    index_t *idx = open_idx(&cfg);
    struct index_project *p;
    ck_assert_int_eq(index_project(idx, "p", &p), PF_EOK);
    ck_assert_str_eq(p->files[0].rec.requires_python, ">=3.10");
    ck_assert(p->files[0].rec.has_metadata);
    index_project_release(idx, p);
    char *rec = path("p/.pypi-fcgi/p-1.0-py3-none-any.whl.rec");
    struct stat st1, st2;
    ck_assert_int_eq(stat(rec, &st1), 0);
    index_close(idx);
    conf_free(&cfg);
    /* Another process (a second index) and a restart reuse the record. */
    index_t *idx2 = open_idx(&cfg);
    ck_assert_uint_eq(nfiles_of(idx2, "p"), 1);
    ck_assert_int_eq(stat(rec, &st2), 0);
    ck_assert_int_eq(st1.st_ino, st2.st_ino);
    ck_assert_int_eq(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
    index_close(idx2);
    conf_free(&cfg);
    free(rec);
}
END_TEST

START_TEST(corrupt_and_stale_records_rebuilt)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/p'", root), 0);
    sdist("p/p-1.0.tar.gz", "p-1.0", "Name: p\nRequires-Python: >=3.7\n");
    struct config cfg;
    index_t *idx = open_idx(&cfg);
    ck_assert_uint_eq(nfiles_of(idx, "p"), 1);
    index_close(idx);
    conf_free(&cfg);
    char *rec = path("p/.pypi-fcgi/p-1.0.tar.gz.rec");
    size_t len;
    char *good = tu_read_file(rec, &len);
    /* Truncated, then garbage: each detected and rebuilt. */
    tu_write_file(rec, good, len / 2);
    idx = open_idx(&cfg);
    struct index_project *p;
    ck_assert_int_eq(index_project(idx, "p", &p), PF_EOK);
    ck_assert_str_eq(p->files[0].rec.requires_python, ">=3.7");
    index_project_release(idx, p);
    index_close(idx);
    conf_free(&cfg);
    size_t len2;
    char *again = tu_read_file(rec, &len2);
    ck_assert_uint_eq(len2, len);
    free(again);
    tu_write_file(rec, "\x01garbage\n", 9);
    idx = open_idx(&cfg);
    ck_assert_uint_eq(nfiles_of(idx, "p"), 1);
    index_close(idx);
    conf_free(&cfg);
    again = tu_read_file(rec, &len2);
    ck_assert_uint_eq(len2, len);
    free(again);
    /* A record that lies about the sha256 but is well formed is trusted
     * only while size and mtime match: replacing the file makes it stale. */
    char *f = path("p/p-1.0.tar.gz");
    sdist("p/p-1.0.tar.gz", "p-1.0", "Name: p\nRequires-Python: >=3.11\n");
    ck_assert_int_eq(tu_sh("touch -d '2001-01-01' '%s'", f), 0);
    idx = open_idx(&cfg);
    ck_assert_int_eq(index_project(idx, "p", &p), PF_EOK);
    ck_assert_str_eq(p->files[0].rec.requires_python, ">=3.11");
    index_project_release(idx, p);
    index_close(idx);
    conf_free(&cfg);
    free(f);
    free(good);
    free(rec);
}
END_TEST

START_TEST(two_indexes_see_changes)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/p'", root), 0);
    sdist("p/p-1.0.tar.gz", "p-1.0", "Name: p\n");
    struct config c1, c2;
    index_t *a = open_idx(&c1), *b = open_idx(&c2);
    ck_assert_uint_eq(nfiles_of(a, "p"), 1);
    ck_assert_uint_eq(nfiles_of(b, "p"), 1);
    sdist("p/p-2.0.tar.gz", "p-2.0", "Name: p\n");
    ck_assert_uint_eq(nfiles_of(a, "p"), 2);
    ck_assert_uint_eq(nfiles_of(b, "p"), 2);
    char *f = path("p/p-1.0.tar.gz");
    ck_assert_int_eq(unlink(f), 0);
    ck_assert_uint_eq(nfiles_of(a, "p"), 1);
    ck_assert_uint_eq(nfiles_of(b, "p"), 1);
    free(f);
    index_close(a);
    index_close(b);
    conf_free(&c1);
    conf_free(&c2);
}
END_TEST

START_TEST(unreadable_archive_still_listed)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/p'", root), 0);
    char *f = path("p/p-1.0-py3-none-any.whl");
    tu_write_file(f, "this is not a zip", 17);
    struct config cfg;
    index_t *idx = open_idx(&cfg);
    struct index_project *p;
    ck_assert_int_eq(index_project(idx, "p", &p), PF_EOK);
    ck_assert_uint_eq(p->nfiles, 1);
    ck_assert(!p->files[0].rec.has_metadata);
    ck_assert_uint_eq(p->files[0].rec.size, 17);
    index_project_release(idx, p);
    index_close(idx);
    conf_free(&cfg);
    free(f);
}
END_TEST

/* The check at request time, on a snapshot taken before the change: a
 * listed link whose directory on the way was swapped for a link leading
 * out is refused; one that stays inside resolves to its target. */
START_TEST(real_path_at_request_time)
{
    char *outside = tu_mkdtemp();
    ck_assert_int_eq(tu_sh("mkdir -p '%s/foo' '%s/store/sub' && echo secret > '%s/target'", root, root, outside), 0);
    sdist("store/sub/target", "foo-2.0", "Name: foo\n");
    ck_assert_int_eq(tu_sh("ln -s ../store/sub/target '%s/foo/foo-2.0.tar.gz'", root), 0);
    struct config cfg;
    index_t *idx = open_idx(&cfg);
    struct index_project *p;
    const struct index_file *f;
    ck_assert_int_eq(index_find_file(idx, sv_cstr("foo/foo-2.0.tar.gz"), &p, &f), PF_EOK);
    buf_t rel;
    buf_init(&rel, 4096);
    const char *why = NULL;
    ck_assert_int_eq(index_real_relpath(idx, f, &rel, &why), PF_EOK);
    ck_assert_str_eq(rel.p, "store/sub/target");
    int fd = index_open_file(idx, f, &why);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(tu_sh("cd '%s/store' && mv sub sub.old && ln -s '%s' sub", root, outside), 0);
    buf_reset(&rel);
    ck_assert_int_eq(index_real_relpath(idx, f, &rel, &why), PF_ENOTFOUND);
    ck_assert_str_eq(why, "it leads outside its root");
    ck_assert_uint_eq(rel.len, 0);
    ck_assert_int_eq(index_open_file(idx, f, &why), -1);
    ck_assert_str_eq(why, "it leads outside its root");
    /* A relative link on the way that stays inside is resolved too. */
    ck_assert_int_eq(tu_sh("cd '%s/store' && rm sub && ln -s sub.old sub", root), 0);
    ck_assert_int_eq(index_real_relpath(idx, f, &rel, &why), PF_EOK);
    ck_assert_str_eq(rel.p, "store/sub.old/target");
    buf_free(&rel);
    index_project_release(idx, p);
    index_close(idx);
    conf_free(&cfg);
    tu_rmrf(outside);
    free(outside);
}
END_TEST

/* Names in the tree are anybody's who can write there: logged, they cannot
 * start a line of their own. */
START_TEST(logged_names_are_one_line)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/p'", root), 0);
    char *f = path("p/evil\npypi-fcgi[1]: error: forged-1.0-py3-none-any.whl");
    tu_write_file(f, "x", 1);
    free(f);
    struct config cfg;
    tu_capture_begin();
    index_t *idx = open_idx(&cfg);
    char *out = tu_capture_end();
    ck_assert_msg(strstr(out, "p/evil?pypi-fcgi[1]: error: forged-1.0-py3-none-any.whl: not a wheel") != NULL,
                  "log: %s", out);
    ck_assert_uint_eq(tu_count(out, "\npypi-fcgi[1]"), 0);
    free(out);
    index_close(idx);
    conf_free(&cfg);
}
END_TEST

/* pypi-fcgi yank on a symbolic link changes the link's record, the one the
 * page shows, and leaves the target's alone. */
START_TEST(yank_a_link)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/store' '%s/proj'", root, root), 0);
    wheel("store/proj-1.0-py3-none-any.whl", "proj-1.0.dist-info", "Name: proj\n");
    ck_assert_int_eq(tu_sh("ln -s ../store/proj-1.0-py3-none-any.whl '%s/proj/proj-2.0-py3-none-any.whl'", root), 0);
    struct config cfg;
    index_t *idx = open_idx(&cfg);
    ck_assert_uint_eq(nfiles_of(idx, "proj"), 2); /* the records are written */
    char *link = path("proj/proj-2.0-py3-none-any.whl");
    buf_t err;
    buf_init(&err, 4096);
    ck_assert_msg(index_yank(link, true, "bad link", NULL, &err) == PF_EOK, "%s", err.p);
    struct index_project *p;
    ck_assert_int_eq(index_project(idx, "proj", &p), PF_EOK);
    for (size_t i = 0; i < p->nfiles; i++) {
        bool is_link = strcmp(p->files[i].relpath, "proj/proj-2.0-py3-none-any.whl") == 0;
        ck_assert_msg(p->files[i].rec.yanked == is_link, "%s", p->files[i].relpath);
    }
    index_project_release(idx, p);
    free(link);
    buf_free(&err);
    index_close(idx);
    conf_free(&cfg);
}
END_TEST

/* ---- records of directories pypi-fcgi cannot write ---- */

/* Makes DIR/.pypi-fcgi impossible to create, in a way root respects too:
 * a regular file takes its name, and records cannot be kept beside the
 * files of DIR, as in a read-only directory. */
static void no_records_beside(const char *dirrel)
{
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/%s/.pypi-fcgi", root, dirrel), 0);
    tu_write_file(p, "", 0);
    free(p);
}

static index_t *open_idx_state(struct config *cfg, const char *state)
{
    conf_init(cfg);
    cfg->roots = calloc(1, sizeof *cfg->roots);
    cfg->roots[0] = realpath(root, NULL);
    cfg->nroots = 1;
    cfg->rescan_interval = 0;
    cfg->state_dir = state ? strdup(state) : NULL;
    index_t *idx;
    ck_assert_int_eq(index_open(cfg, &idx), PF_EOK);
    return idx;
}

/* The path of a record of the directory root/dirrel in the state directory. */
static char *state_path(const char *state, const char *dirrel, const char *file)
{
    char *dir = path(dirrel), *real = realpath(dir, NULL), key[DIGEST_HEX_LEN + 1], *p;
    ck_assert_ptr_nonnull(real);
    digest_sha256_hex(real, strlen(real), key);
    ck_assert_int_ge(asprintf(&p, "%s/records/%s/.pypi-fcgi/%s", state, key, file), 0);
    free(dir);
    free(real);
    return p;
}

/* A new index (a new process, or a project that left the cache) reads a
 * file again only when its record could not be kept anywhere. */
static uint64_t hashed_by_new_index(const char *state, const char *project, bool *stored, bool *yanked)
{
    struct config cfg;
    index_t *idx = open_idx_state(&cfg, state);
    struct index_project *p;
    ck_assert_int_eq(index_project(idx, project, &p), PF_EOK);
    ck_assert_uint_eq(p->nfiles, 1);
    *stored = p->files[0].stored;
    *yanked = p->files[0].rec.yanked;
    if (*stored) {
        char *md;
        size_t len;
        ck_assert_int_eq(index_read_metadata(idx, &p->files[0], &md, &len), PF_EOK);
        ck_assert_ptr_nonnull(strstr(md, "Name: ro"));
        free(md);
    }
    index_project_release(idx, p);
    uint64_t n = index_files_hashed(idx);
    index_close(idx);
    conf_free(&cfg);
    return n;
}

START_TEST(readonly_dir_records_in_state_dir)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/ro'", root), 0);
    wheel("ro/ro-1.0-py3-none-any.whl", "ro-1.0.dist-info", "Name: ro\nRequires-Python: >=3.9\n");
    no_records_beside("ro");
    char *tmp = tu_mkdtemp(), *state;
    ck_assert_int_ge(asprintf(&state, "%s/state", tmp), 0); /* created on open */
    bool stored, yanked;
    /* Without a state directory: read again by every new index. */
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(hashed_by_new_index(NULL, "ro", &stored, &yanked), 1);
        ck_assert(!stored);
    }
    /* With one: read once, then the record there is used. */
    ck_assert_uint_eq(hashed_by_new_index(state, "ro", &stored, &yanked), 1);
    ck_assert(stored);
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(hashed_by_new_index(state, "ro", &stored, &yanked), 0);
        ck_assert(stored);
    }
    char *rec = state_path(state, "ro", "ro-1.0-py3-none-any.whl.rec");
    char *md = state_path(state, "ro", "ro-1.0-py3-none-any.whl.metadata");
    char *lock = state_path(state, "ro", ".lock");
    struct stat st;
    ck_assert_int_eq(stat(rec, &st), 0);
    ck_assert_int_eq(stat(md, &st), 0);
    ck_assert_int_eq(stat(lock, &st), 0);
    ck_assert_int_eq(stat(state, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0700);
    /* A changed file gets a new record there. */
    wheel("ro/ro-1.0-py3-none-any.whl", "ro-1.0.dist-info", "Name: ro\nRequires-Python: >=3.11\n");
    ck_assert_int_eq(tu_sh("touch -d '2001-01-01' '%s/ro/ro-1.0-py3-none-any.whl'", root), 0);
    ck_assert_uint_eq(hashed_by_new_index(state, "ro", &stored, &yanked), 1);
    ck_assert_uint_eq(hashed_by_new_index(state, "ro", &stored, &yanked), 0);
    /* A writable directory keeps its records beside its files. */
    ck_assert_int_eq(tu_sh("mkdir -p '%s/rw'", root), 0);
    wheel("rw/rw-1.0-py3-none-any.whl", "rw-1.0.dist-info", "Name: rw\n");
    struct config cfg;
    index_t *idx = open_idx_state(&cfg, state);
    ck_assert_uint_eq(nfiles_of(idx, "rw"), 1);
    index_close(idx);
    conf_free(&cfg);
    char *beside = path("rw/.pypi-fcgi/rw-1.0-py3-none-any.whl.rec"), *there = state_path(state, "rw", "rw-1.0-py3-none-any.whl.rec");
    ck_assert_int_eq(stat(beside, &st), 0);
    ck_assert_int_ne(stat(there, &st), 0);
    free(beside);
    free(there);
    free(rec);
    free(md);
    free(lock);
    free(state);
    tu_rmrf(tmp);
    free(tmp);
}
END_TEST

START_TEST(unusable_state_dir_falls_back)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/ro'", root), 0);
    wheel("ro/ro-1.0-py3-none-any.whl", "ro-1.0.dist-info", "Name: ro\n");
    no_records_beside("ro");
    char *tmp = tu_mkdtemp(), *state;
    ck_assert_int_ge(asprintf(&state, "%s/state", tmp), 0);
    tu_write_file(state, "", 0); /* not a directory */
    bool stored, yanked;
    tu_capture_begin();
    ck_assert_uint_eq(hashed_by_new_index(state, "ro", &stored, &yanked), 1);
    ck_assert(!stored);
    ck_assert_uint_eq(hashed_by_new_index(state, "ro", &stored, &yanked), 1);
    char *log = tu_capture_end();
    ck_assert_msg(strstr(log, "state directory") != NULL, "%s", log);
    free(log);
    free(state);
    tu_rmrf(tmp);
    free(tmp);
}
END_TEST

START_TEST(yank_in_readonly_dir)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/ro'", root), 0);
    wheel("ro/ro-1.0-py3-none-any.whl", "ro-1.0.dist-info", "Name: ro\n");
    no_records_beside("ro");
    char *tmp = tu_mkdtemp(), *state, *alias, *file = path("ro/ro-1.0-py3-none-any.whl");
    ck_assert_int_ge(asprintf(&state, "%s/state", tmp), 0);
    buf_t err;
    buf_init(&err, 4096);
    /* Without a state directory there is nowhere to keep it: a clear no. */
    ck_assert_int_eq(index_yank(file, true, "broken", NULL, &err), PF_EIO);
    ck_assert_msg(strstr(err.p, "--state-dir") != NULL, "%s", err.p);
    buf_reset(&err);
    /* A serving index with the state directory sees a yank made later. */
    struct config cfg;
    index_t *idx = open_idx_state(&cfg, state);
    struct index_project *p;
    ck_assert_int_eq(index_project(idx, "ro", &p), PF_EOK);
    ck_assert(p->files[0].stored && !p->files[0].rec.yanked);
    index_project_release(idx, p);
    ck_assert_msg(index_yank(file, true, "broken", state, &err) == PF_EOK, "%s", err.p);
    ck_assert_int_eq(index_project(idx, "ro", &p), PF_EOK);
    ck_assert(p->files[0].rec.yanked);
    ck_assert_str_eq(p->files[0].rec.yank_reason, "broken");
    index_project_release(idx, p);
    ck_assert_uint_eq(index_files_hashed(idx), 1);
    /* Through a symbolic link to the directory: the same record. */
    ck_assert_int_ge(asprintf(&alias, "%s/alias/ro-1.0-py3-none-any.whl", tmp), 0);
    ck_assert_int_eq(tu_sh("ln -s '%s/ro' '%s/alias'", root, tmp), 0);
    ck_assert_msg(index_yank(alias, false, NULL, state, &err) == PF_EOK, "%s", err.p);
    ck_assert_int_eq(index_project(idx, "ro", &p), PF_EOK);
    ck_assert(!p->files[0].rec.yanked);
    index_project_release(idx, p);
    index_close(idx);
    conf_free(&cfg);
    bool stored, yanked;
    ck_assert_msg(index_yank(file, true, NULL, state, &err) == PF_EOK, "%s", err.p);
    ck_assert_uint_eq(hashed_by_new_index(state, "ro", &stored, &yanked), 0);
    ck_assert(stored && yanked);
    buf_free(&err);
    free(file);
    free(alias);
    free(state);
    tu_rmrf(tmp);
    free(tmp);
}
END_TEST

/* No request waits for a /packages/ listing being built (a first build of
 * a large tree reads every file): while one runs, others get the listing
 * before it, or PF_EUNAVAIL with none yet. The build in progress is the
 * flag it sets, set here by hand: no thread, no clock. */
START_TEST(listing_never_waits)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/a' '%s/b'", root, root), 0);
    sdist("a/a-1.0.tar.gz", "a-1.0", "Name: a\nVersion: 1.0\n");
    struct config cfg;
    index_t *idx = open_idx(&cfg);
    struct index_listing *l, *l2;

    idx->listing_building = true;
    ck_assert_int_eq(index_listing(idx, &l), PF_EUNAVAIL);
    ck_assert_ptr_null(l);
    idx->listing_building = false;

    ck_assert_int_eq(index_listing(idx, &l), PF_EOK);
    ck_assert_ptr_nonnull(strstr(l->page->body, "a-1.0.tar.gz"));
    ck_assert(!idx->listing_building);

    /* The tree changes while another thread builds: the listing before it. */
    sdist("b/b-2.0.tar.gz", "b-2.0", "Name: b\nVersion: 2.0\n");
    ck_assert_uint_eq(nfiles_of(idx, "b"), 1);
    idx->listing_building = true;
    ck_assert_int_eq(index_listing(idx, &l2), PF_EOK);
    ck_assert_ptr_eq(l2, l);
    ck_assert_ptr_null(strstr(l2->page->body, "b-2.0.tar.gz"));
    index_listing_release(l2);
    idx->listing_building = false;

    /* That build done, the next request builds a current one. */
    ck_assert_int_eq(index_listing(idx, &l2), PF_EOK);
    ck_assert_ptr_ne(l2, l);
    ck_assert_ptr_nonnull(strstr(l2->page->body, "b-2.0.tar.gz"));
    index_listing_release(l2);
    index_listing_release(l);
    index_close(idx);
    conf_free(&cfg);
}
END_TEST

Suite *suite_index(void)
{
    Suite *s = suite_create("index");
    TCase *tc = tcase_create("engine");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, layouts_and_skips);
    tcase_add_test(tc, versions_sorted);
    tcase_add_test(tc, record_written_once);
    tcase_add_test(tc, corrupt_and_stale_records_rebuilt);
    tcase_add_test(tc, two_indexes_see_changes);
    tcase_add_test(tc, unreadable_archive_still_listed);
    tcase_add_test(tc, real_path_at_request_time);
    tcase_add_test(tc, logged_names_are_one_line);
    tcase_add_test(tc, yank_a_link);
    tcase_add_test(tc, readonly_dir_records_in_state_dir);
    tcase_add_test(tc, unusable_state_dir_falls_back);
    tcase_add_test(tc, yank_in_readonly_dir);
    tcase_add_test(tc, listing_never_waits);
    suite_add_tcase(s, tc);
    return s;
}
