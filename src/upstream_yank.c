/* SPDX-License-Identifier: MIT */
/* upstream_yank.c: this index's yanks of upstream files: the list's format, its strict reader, its locked update. */
#include "config.h"
#include "upstream_yank.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "distfile.h"
#include "fs.h"
#include "name.h"
#include "upstream_page.h"
#include "upstream_store_int.h"

#define MAGIC "pypi-fcgi-upstream-yanked 1"
#define STR_(x) #x
#define STR(x) STR_(x)

void up_yanks_free(struct up_yanks *y)
{
    for (size_t i = 0; i < y->n; i++) {
        free(y->v[i].filename);
        free(y->v[i].reason);
    }
    free(y->v);
    memset(y, 0, sizeof *y);
}

/* The index of filename in y, or where it would go (*found false). */
static size_t find_at(const struct up_yanks *y, const char *filename, bool *found)
{
    size_t lo = 0, hi = y->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(y->v[mid].filename, filename);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

const struct up_yank *up_yanks_find(const struct up_yanks *y, const char *filename)
{
    bool found;
    size_t i = find_at(y, filename, &found);
    return found ? &y->v[i] : NULL;
}

/* Why filename cannot be in the list of norm, or NULL. */
static const char *filename_wrong(const char *filename, const char *norm)
{
    distfile_t df;
    if (strlen(filename) > DISTFILE_MAX_LEN || distfile_parse(sv_cstr(filename), &df) != PF_EOK)
        return "not a wheel or sdist filename";
    if (strcmp(df.project, norm) != 0)
        return "a file of another project";
    return NULL;
}

static const char *reason_wrong(const char *reason)
{
    if (strlen(reason) > UP_MAX_TEXT)
        return "the reason is over " STR(UP_MAX_TEXT) " bytes";
    if (!upstore_utf8_ok(reason))
        return "the reason is not UTF-8";
    return NULL;
}

/* ---- Reading ---- */

struct rd {
    sv_t rest;
    size_t line;
    buf_t *err;
};

static enum pf_err bad(struct rd *r, const char *why)
{
    return buf_refuse(r->err, PF_ECORRUPT, "line %zu: %s", r->line, why);
}

/* The next line without its '\n'; false at the end, or when the last
 * line has no '\n' (a cut list). */
static bool next_line(struct rd *r, sv_t *line)
{
    r->line++; /* a missing or cut line is reported as the line it would be */
    if (sv_index(r->rest, '\n') < 0)
        return false;
    *line = sv_split(&r->rest, '\n');
    return true;
}

static enum pf_err read_entry(struct rd *r, sv_t line, const char *norm, struct up_yank *y)
{
    line = sv_make(line.p + 5, line.len - 5); /* "file " */
    long sp = sv_index(line, ' ');
    sv_t name = sp >= 0 ? sv_make(line.p, (size_t)sp) : line;
    const char *why;
    enum pf_err e = upstore_unesc(name, DISTFILE_MAX_LEN, &y->filename, &why);
    if (!e && (why = filename_wrong(y->filename, norm)))
        e = PF_ECORRUPT;
    if (!e && sp >= 0) {
        sv_t rs = sv_make(line.p + sp + 1, line.len - (size_t)sp - 1);
        e = rs.len ? upstore_unesc(rs, UP_MAX_TEXT, &y->reason, &why) : (why = "an empty reason", PF_ECORRUPT);
        if (!e && (why = reason_wrong(y->reason)))
            e = PF_ECORRUPT;
    }
    if (e == PF_ENOMEM)
        return buf_refuse(r->err, PF_ENOMEM, "out of memory");
    return e ? bad(r, why) : PF_EOK;
}

enum pf_err up_yanks_decode(const char *p, size_t len, const char *norm, struct up_yanks *out, buf_t *err)
{
    memset(out, 0, sizeof *out);
    struct rd r = { sv_make(p, len), 0, err };
    sv_t line;
    char want[NAME_MAX_LEN + 8];
    snprintf(want, sizeof want, "name %s", norm);
    if (len > UPYANK_MAX_BYTES)
        return buf_refuse(err, PF_ECORRUPT, "the list is over %zu bytes", UPYANK_MAX_BYTES);
    if (!next_line(&r, &line) || !sv_eq(line, SV_LIT(MAGIC)))
        return bad(&r, "not a list of yanked upstream files (its first line is not \"" MAGIC "\")");
    if (!next_line(&r, &line) || !sv_eq(line, sv_cstr(want)))
        return bad(&r, "not the \"name\" line of this project");
    enum pf_err e = PF_EOK;
    size_t cap = 0;
    for (;;) {
        if (!next_line(&r, &line)) {
            e = bad(&r, r.rest.len ? "a line without its end (the list was cut)"
                                   : "the list ends before its \"end\" line");
            break;
        }
        if (sv_eq(line, SV_LIT("end"))) {
            if (r.rest.len)
                e = bad(&r, "more after the \"end\" line");
            break;
        }
        if (!sv_starts_with(line, SV_LIT("file "))) {
            e = bad(&r, "not a \"file\" line");
            break;
        }
        if (out->n == UPYANK_MAX_FILES) {
            e = bad(&r, "more than " STR(UPYANK_MAX_FILES) " files");
            break;
        }
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct up_yank *v = realloc(out->v, ncap * sizeof *v);
            if (!v) {
                e = buf_refuse(err, PF_ENOMEM, "out of memory");
                break;
            }
            out->v = v;
            cap = ncap;
        }
        struct up_yank *y = &out->v[out->n];
        memset(y, 0, sizeof *y);
        e = read_entry(&r, line, norm, y);
        if (!e && out->n && strcmp(out->v[out->n - 1].filename, y->filename) >= 0)
            e = bad(&r, "the filenames are not in ascending order, or one is there twice");
        out->n++; /* freed with the rest on failure */
        if (e)
            break;
    }
    if (e)
        up_yanks_free(out);
    return e;
}

/* ---- Writing ---- */

enum pf_err up_yanks_encode(const struct up_yanks *y, const char *norm, char **out, size_t *outlen, buf_t *err)
{
    *out = NULL;
    if (!upstream_store_name_ok(norm))
        return buf_refuse(err, PF_EINVAL, "not a normalized project name");
    if (y->n > UPYANK_MAX_FILES)
        return buf_refuse(err, PF_EINVAL, "more than " STR(UPYANK_MAX_FILES) " files");
    for (size_t i = 0; i < y->n; i++) {
        const char *why = filename_wrong(y->v[i].filename, norm);
        if (!why && i && strcmp(y->v[i - 1].filename, y->v[i].filename) >= 0)
            why = "out of order";
        if (!why && y->v[i].reason && (!*y->v[i].reason || (why = reason_wrong(y->v[i].reason))))
            why = why ? why : "an empty reason";
        if (why)
            return buf_refuse(err, PF_EINVAL, "%s: %s", y->v[i].filename, why);
    }
    buf_t b;
    buf_init(&b, UPYANK_MAX_BYTES); /* what the reader takes */
    (void)buf_printf(&b, MAGIC "\nname %s\n", norm);
    for (size_t i = 0; i < y->n; i++) {
        (void)buf_append_str(&b, "file ");
        upstore_put_esc(&b, y->v[i].filename);
        if (y->v[i].reason) {
            (void)buf_append_char(&b, ' ');
            upstore_put_esc(&b, y->v[i].reason);
        }
        (void)buf_append_char(&b, '\n');
    }
    (void)buf_append_str(&b, "end\n");
    enum pf_err be = buf_err(&b);
    if (be) {
        buf_free(&b);
        return be == PF_ETOOBIG ? buf_refuse(err, PF_ETOOBIG, "the list would be over %zu bytes", UPYANK_MAX_BYTES)
                   : buf_refuse(err, PF_ENOMEM, "out of memory");
    }
    *outlen = b.len;
    *out = buf_steal(&b);
    return PF_EOK;
}

/* ---- On disk ---- */

enum pf_err up_yanks_load(const char *dir, const char *norm, struct up_yanks *out, buf_t *err)
{
    memset(out, 0, sizeof *out);
    if (!upstream_store_name_ok(norm))
        return buf_refuse(err, PF_EINVAL, "not a normalized project name");
    enum pf_err e = PF_EOK;
    int dfd = upstore_open_sub(dir, "yanked", false, &e, err);
    if (dfd < 0 && e == PF_ENOTFOUND)
        buf_reset(err);
    if (dfd < 0)
        return e == PF_ENOTFOUND ? PF_EOK : e;
    char *p;
    size_t len;
    e = upstore_read_whole(dfd, norm, UPYANK_MAX_BYTES, &p, &len, err);
    close(dfd);
    if (e == PF_ENOTFOUND) {
        buf_reset(err);
        return PF_EOK;
    }
    if (!e) {
        e = up_yanks_decode(p, len, norm, out, err);
        free(p);
    }
    return e;
}

/* Takes the list's lock, waiting for it: its fd, or -1 with err set. */
static int lock_list(const char *dir, const char *norm, enum pf_err *e, buf_t *err)
{
    int dfd = upstore_open_sub(dir, "locks", true, e, err);
    if (dfd < 0)
        return -1;
    char name[NAME_MAX_LEN + sizeof ".yanked"];
    snprintf(name, sizeof name, "%s.yanked", norm);
    /* Open for writing: NFSv4 makes a flock a POSIX write lock, which
     * needs it. A lock file another user made (0644) is opened to read
     * only, which serves where flock stays local. */
    int fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno == EACCES)
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    int en = errno;
    close(dfd);
    while (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        en = errno;
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        *e = buf_refuse(err, PF_EIO, "cannot lock %s/locks/%s: %s", dir, name, strerror(en));
    return fd;
}

/* Puts filename's mark into y, or takes it out; *changed says whether y
 * changed. */
static enum pf_err apply(struct up_yanks *y, const char *filename, bool yank, const char *reason, bool *changed,
                         buf_t *err)
{
    bool found;
    size_t at = find_at(y, filename, &found);
    *changed = false;
    if (!yank) {
        if (found) {
            free(y->v[at].filename);
            free(y->v[at].reason);
            memmove(&y->v[at], &y->v[at + 1], (y->n - at - 1) * sizeof y->v[0]);
            y->n--;
            *changed = true;
        }
        return PF_EOK;
    }
    char *r = NULL;
    if (reason && *reason && !(r = strdup(reason)))
        return buf_refuse(err, PF_ENOMEM, "out of memory");
    if (found) {
        const char *old = y->v[at].reason;
        *changed = (old == NULL) != (r == NULL) || (old && strcmp(old, r) != 0);
        free(y->v[at].reason);
        y->v[at].reason = r;
        return PF_EOK;
    }
    if (y->n == UPYANK_MAX_FILES) {
        free(r);
        return buf_refuse(err, PF_ETOOBIG, "the project has " STR(UPYANK_MAX_FILES) " yanked files already");
    }
    struct up_yank *v = realloc(y->v, (y->n + 1) * sizeof *v);
    char *f = v ? strdup(filename) : NULL;
    if (v)
        y->v = v;
    if (!f) {
        free(r);
        return buf_refuse(err, PF_ENOMEM, "out of memory");
    }
    memmove(&y->v[at + 1], &y->v[at], (y->n - at) * sizeof y->v[0]);
    y->v[at] = (struct up_yank){ f, r };
    y->n++;
    *changed = true;
    return PF_EOK;
}

/* Gives the list just written a modification time later than the one it
 * replaced (old_ns), whatever the clock's granularity: serving processes
 * tell lists apart by their stat, and a new list could otherwise take the
 * inode, size and times of one they have read two changes before. When
 * the filesystem keeps coarser times, a second is added. A failure only
 * delays the change to the next one, so it is not reported. */
static void later_than(int dfd, const char *norm, int64_t old_ns)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t want = fs_ts_ns(now) > old_ns ? fs_ts_ns(now) : old_ns + 1;
    for (int round = 0; round < 2; round++) {
        struct timespec t[2] = { { 0, UTIME_OMIT }, { want / 1000000000, want % 1000000000 } };
        struct stat st;
        if (utimensat(dfd, norm, t, AT_SYMLINK_NOFOLLOW) != 0 || fstatat(dfd, norm, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            fs_ts_ns(st.st_mtim) > old_ns)
            return;
        want = old_ns + 1000000000;
    }
}

/* Writes y as the list of norm (an empty one too: see later_than). */
static enum pf_err store_list(const char *dir, const char *norm, const struct up_yanks *y, buf_t *err)
{
    enum pf_err e = PF_EOK;
    int dfd = upstore_open_sub(dir, "yanked", true, &e, err);
    if (dfd < 0)
        return e;
    struct stat old;
    bool had = fstatat(dfd, norm, &old, AT_SYMLINK_NOFOLLOW) == 0;
    char *text;
    size_t len;
    if (!(e = up_yanks_encode(y, norm, &text, &len, err))) {
        /* 0644 whatever the umask: the serving processes must read it. */
        e = upstore_write_atomic(dfd, norm, text, len, true, 0644, err);
        free(text);
    }
    struct stat now;
    if (had && fstatat(dfd, norm, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_ino != old.st_ino)
        later_than(dfd, norm, fs_ts_ns(old.st_mtim)); /* renamed, even if a later step failed */
    close(dfd);
    return e;
}

enum pf_err up_yank_set(const char *dir, const char *filename, bool yank, const char *reason, bool *changed,
                        buf_t *err)
{
    *changed = false;
    distfile_t df;
    if (strlen(filename) > DISTFILE_MAX_LEN || distfile_parse(sv_cstr(filename), &df) != PF_EOK)
        return buf_refuse(err, PF_EINVAL, "%s: not a wheel or sdist filename", filename);
    const char *why = yank && reason && *reason ? reason_wrong(reason) : NULL;
    if (why)
        return buf_refuse(err, PF_EINVAL, "%s", why);
    enum pf_err e = PF_EOK;
    int probe = upstore_open_sub(dir, ".", false, &e, err);
    if (probe < 0)
        return e == PF_ENOTFOUND ? buf_refuse(err, PF_ENOTFOUND, "no upstream cache at %s", dir) : e;
    close(probe);
    int lockfd = lock_list(dir, df.project, &e, err);
    if (lockfd < 0)
        return e;
    struct up_yanks y;
    buf_t lerr;
    buf_init(&lerr, 1024);
    if ((e = up_yanks_load(dir, df.project, &y, &lerr)))
        e = buf_refuse(err, e, "%s/yanked/%s cannot be read (%s)%s", dir, df.project, lerr.p ? lerr.p : "",
                       e == PF_ECORRUPT ? ": mend or remove it by hand, then try again" : "");
    buf_free(&lerr);
    if (!e && !(e = apply(&y, filename, yank, reason, changed, err)) && *changed)
        e = store_list(dir, df.project, &y, err);
    if (e)
        *changed = false;
    up_yanks_free(&y);
    close(lockfd); /* after the rename: the next command reads this list */
    return e;
}
