/* SPDX-License-Identifier: MIT */
/* sidecar.c: the per-file record: format, atomic store, strict load. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ascii.h"
#include "buf.h"
#include "fs.h"
#include "meta.h"
#include "sidecar.h"

#define MAGIC "pypi-fcgi-sidecar 1\n"

void sidecar_clear(sidecar_t *rec)
{
    free(rec->requires_python);
    free(rec->yank_reason);
    free(rec->uploader);
    memset(rec, 0, sizeof *rec);
}

static enum pf_err dup_field(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return PF_EOK;
    *dst = strdup(src);
    return *dst ? PF_EOK : PF_ENOMEM;
}

enum pf_err sidecar_copy(sidecar_t *dst, const sidecar_t *src)
{
    *dst = *src;
    dst->requires_python = dst->yank_reason = dst->uploader = NULL;
    if (dup_field(&dst->requires_python, src->requires_python) ||
        dup_field(&dst->yank_reason, src->yank_reason) || dup_field(&dst->uploader, src->uploader)) {
        sidecar_clear(dst);
        return PF_ENOMEM;
    }
    return PF_EOK;
}

/* Text fields are stored percent-encoded so that a record is one line per
 * field whatever the uploader wrote. A failure sticks to b. */
static void put_field(buf_t *b, const char *key, const char *val)
{
    static const char hex[] = "0123456789abcdef";
    if (!val)
        return;
    if (strlen(val) > SIDECAR_MAX_FIELD) {
        buf_fail(b, PF_ETOOBIG);
        return;
    }
    (void)buf_printf(b, "%s ", key);
    for (const unsigned char *p = (const unsigned char *)val; !buf_err(b) && *p; p++) {
        if (*p <= ' ' || *p >= 0x7f || *p == '%') {
            char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            (void)buf_append(b, enc, 3);
        } else
            (void)buf_append_char(b, (char)*p);
    }
    (void)buf_append_char(b, '\n');
}

enum pf_err sidecar_encode(const sidecar_t *rec, char **out, size_t *outlen)
{
    buf_t b;
    buf_init(&b, SIDECAR_MAX_REC);
    (void)buf_printf(&b, MAGIC "size %" PRIu64 "\nmtime %" PRId64 ".%09ld\nsha256 %s\n"
                           "first-seen %" PRId64 "\nyanked %d\n",
                     rec->size, rec->mtime_sec, rec->mtime_nsec, rec->sha256, rec->first_seen_usec,
                     rec->yanked ? 1 : 0);
    if (rec->has_ident)
        (void)buf_printf(&b, "ident %" PRIu64 " %" PRId64 ".%09ld\n", rec->ino, rec->ctime_sec, rec->ctime_nsec);
    put_field(&b, "requires-python", rec->requires_python);
    if (rec->yanked)
        put_field(&b, "yank-reason", rec->yank_reason);
    put_field(&b, "uploader", rec->uploader);
    if (rec->has_metadata)
        (void)buf_printf(&b, "metadata %" PRIu64 " %s\n", rec->metadata_len, rec->metadata_sha256);
    if (!buf_err(&b)) {
        char sum[DIGEST_HEX_LEN + 1];
        digest_sha256_hex(b.p, b.len, sum);
        (void)buf_printf(&b, "end %s\n", sum);
    }
    enum pf_err e = buf_err(&b);
    if (e) {
        buf_free(&b);
        return e;
    }
    *outlen = b.len;
    *out = buf_steal(&b);
    return PF_EOK;
}

/* Records are written in lower-case hex only: anything else is corrupt. */
static int hexval(char c)
{
    return ascii_islowerhex(c) ? ascii_hexval(c) : -1;
}

static enum pf_err get_field(sv_t v, char **dst)
{
    if (*dst)
        return PF_ECORRUPT; /* a field given twice */
    buf_t b;
    buf_init(&b, SIDECAR_MAX_FIELD);
    enum pf_err e = PF_EOK;
    for (size_t i = 0; i < v.len && !e; i++) {
        char c = v.p[i];
        if (c == '%') {
            if (i + 2 >= v.len) {
                e = PF_ECORRUPT;
                break;
            }
            int hi = hexval(v.p[i + 1]), lo = hexval(v.p[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                e = PF_ECORRUPT;
                break;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if ((unsigned char)c <= ' ' || (unsigned char)c >= 0x7f) {
            e = PF_ECORRUPT;
            break;
        }
        e = buf_append_char(&b, c);
    }
    if (e) {
        buf_free(&b);
        return e == PF_ETOOBIG ? PF_ECORRUPT : e;
    }
    *dst = buf_steal(&b);
    return *dst ? PF_EOK : PF_ENOMEM;
}

/* "SECONDS.NANOSECONDS", nine digits after the point. */
static bool parse_time(sv_t v, int64_t *sec, long *nsec)
{
    sv_t s = sv_split(&v, '.');
    uint64_t a, b;
    if (!sv_to_u64(s, UINT64_MAX, &a) || a > INT64_MAX || v.len != 9 || !sv_to_u64(v, UINT64_MAX, &b))
        return false;
    *sec = (int64_t)a;
    *nsec = (long)b;
    return true;
}

enum pf_err sidecar_decode(const char *p, size_t len, sidecar_t *rec)
{
    /* Long: one strict pass over the lines, each key checked in place. */
    memset(rec, 0, sizeof *rec);
    sv_t all = sv_make(p, len);
    /* The last line is "end <sha256 of everything before it>\n". */
    const size_t endlen = 4 + DIGEST_HEX_LEN + 1;
    if (len < sizeof MAGIC - 1 + endlen || len > SIDECAR_MAX_REC || !sv_starts_with(all, SV_LIT(MAGIC)) ||
        p[len - 1] != '\n' || memcmp(p + len - endlen, "end ", 4) != 0)
        return PF_ECORRUPT;
    char sum[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(p, len - endlen, sum);
    if (memcmp(sum, p + len - endlen + 4, DIGEST_HEX_LEN) != 0)
        return PF_ECORRUPT;
    sv_t body = sv_make(p + sizeof MAGIC - 1, len - endlen - (sizeof MAGIC - 1));
    unsigned seen = 0; /* bit per mandatory field */
    enum pf_err e = PF_EOK;
    while (body.len && !e) {
        if (sv_index(body, '\n') < 0) {
            e = PF_ECORRUPT;
            break;
        }
        sv_t line = sv_split(&body, '\n');
        sv_t key = sv_split(&line, ' ');
        uint64_t n;
        unsigned bit = sv_eq(key, SV_LIT("size"))         ? 1
                       : sv_eq(key, SV_LIT("mtime"))      ? 2
                       : sv_eq(key, SV_LIT("sha256"))     ? 4
                       : sv_eq(key, SV_LIT("first-seen")) ? 8
                       : sv_eq(key, SV_LIT("yanked"))     ? 16
                                                          : 0;
        if (seen & bit) {
            e = PF_ECORRUPT; /* a field given twice */
            break;
        }
        seen |= bit;
        if (sv_eq(key, SV_LIT("size"))) {
            if (!sv_to_u64(line, UINT64_MAX, &rec->size))
                e = PF_ECORRUPT;
        } else if (sv_eq(key, SV_LIT("mtime"))) {
            if (!parse_time(line, &rec->mtime_sec, &rec->mtime_nsec))
                e = PF_ECORRUPT;
        } else if (sv_eq(key, SV_LIT("ident"))) {
            sv_t ino = sv_split(&line, ' ');
            if (rec->has_ident || !sv_to_u64(ino, UINT64_MAX, &rec->ino) ||
                !parse_time(line, &rec->ctime_sec, &rec->ctime_nsec))
                e = PF_ECORRUPT;
            else
                rec->has_ident = true;
        } else if (sv_eq(key, SV_LIT("sha256"))) {
            if (!digest_is_hex64(line.p, line.len))
                e = PF_ECORRUPT;
            else
                { memcpy(rec->sha256, line.p, DIGEST_HEX_LEN); rec->sha256[DIGEST_HEX_LEN] = 0; }
        } else if (sv_eq(key, SV_LIT("first-seen"))) {
            if (!sv_to_u64(line, UINT64_MAX, &n) || n > INT64_MAX)
                e = PF_ECORRUPT;
            else
                rec->first_seen_usec = (int64_t)n;
        } else if (sv_eq(key, SV_LIT("yanked"))) {
            if (line.len != 1 || (line.p[0] != '0' && line.p[0] != '1'))
                e = PF_ECORRUPT;
            else
                rec->yanked = line.p[0] == '1';
        } else if (sv_eq(key, SV_LIT("requires-python"))) {
            e = get_field(line, &rec->requires_python);
        } else if (sv_eq(key, SV_LIT("yank-reason"))) {
            e = get_field(line, &rec->yank_reason);
        } else if (sv_eq(key, SV_LIT("uploader"))) {
            e = get_field(line, &rec->uploader);
        } else if (sv_eq(key, SV_LIT("metadata"))) {
            sv_t l = sv_split(&line, ' ');
            if (rec->has_metadata || !sv_to_u64(l, UINT64_MAX, &rec->metadata_len) ||
                !digest_is_hex64(line.p, line.len))
                e = PF_ECORRUPT;
            else {
                memcpy(rec->metadata_sha256, line.p, DIGEST_HEX_LEN);
                rec->metadata_sha256[DIGEST_HEX_LEN] = '\0';
                rec->has_metadata = true;
            }
        } else
            e = PF_ECORRUPT; /* unknown keys mean another format: rebuild */
    }
    if (!e && seen != 31)
        e = PF_ECORRUPT;
    if (e)
        sidecar_clear(rec);
    return e;
}

void sidecar_set_stat(sidecar_t *rec, const struct stat *st)
{
    rec->size = (uint64_t)st->st_size;
    rec->mtime_sec = st->st_mtim.tv_sec;
    rec->mtime_nsec = st->st_mtim.tv_nsec;
    rec->has_ident = true;
    rec->ino = (uint64_t)st->st_ino;
    rec->ctime_sec = st->st_ctim.tv_sec;
    rec->ctime_nsec = st->st_ctim.tv_nsec;
}

bool sidecar_fresh(const sidecar_t *rec, const struct stat *st)
{
    if (rec->has_ident && (rec->ino != (uint64_t)st->st_ino || rec->ctime_sec != (int64_t)st->st_ctim.tv_sec ||
                           rec->ctime_nsec != st->st_ctim.tv_nsec))
        return false;
    return rec->size == (uint64_t)st->st_size && rec->mtime_sec == (int64_t)st->st_mtim.tv_sec &&
           rec->mtime_nsec == st->st_mtim.tv_nsec;
}

/* Reads a whole small file relative to dirfd, at most cap bytes. */
static enum pf_err read_small(int dirfd, const char *path, size_t cap, char **out, size_t *outlen)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? PF_ENOTFOUND : PF_EIO;
    enum pf_err e = PF_EOK;
    struct stat st;
    char *p = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        e = PF_ECORRUPT;
        goto out;
    }
    if ((uint64_t)st.st_size > cap) {
        e = PF_ECORRUPT;
        goto out;
    }
    p = malloc((size_t)st.st_size + 1);
    if (!p) {
        e = PF_ENOMEM;
        goto out;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got != (size_t)st.st_size) {
        e = PF_ECORRUPT;
        goto out;
    }
    p[got] = '\0';
    *out = p;
    *outlen = got;
    p = NULL;
out:
    free(p);
    close(fd);
    return e;
}

static int path_of(char *dst, size_t dstsz, const char *filename, const char *suffix)
{
    int n = snprintf(dst, dstsz, SIDECAR_DIR "/%s%s", filename, suffix);
    return n > 0 && (size_t)n < dstsz ? 0 : -1;
}

enum pf_err sidecar_load(int dirfd, const char *filename, sidecar_t *rec)
{
    char path[512];
    if (path_of(path, sizeof path, filename, SIDECAR_REC_SUFFIX) != 0)
        return PF_EINVAL;
    char *p;
    size_t len;
    enum pf_err e = read_small(dirfd, path, SIDECAR_MAX_REC, &p, &len);
    if (e)
        return e;
    e = sidecar_decode(p, len, rec);
    free(p);
    return e;
}

enum pf_err sidecar_load_metadata(int dirfd, const char *filename, const sidecar_t *rec, char **out,
                                  size_t *outlen)
{
    char path[512];
    if (!rec->has_metadata)
        return PF_ENOTFOUND;
    if (path_of(path, sizeof path, filename, SIDECAR_META_SUFFIX) != 0)
        return PF_EINVAL;
    char *p;
    size_t len;
    enum pf_err e = read_small(dirfd, path, rec->metadata_len, &p, &len);
    if (e == PF_ENOTFOUND)
        return PF_ECORRUPT; /* the record promised it */
    if (e)
        return e;
    char sum[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(p, len, sum);
    if (len != rec->metadata_len || strcmp(sum, rec->metadata_sha256) != 0) {
        free(p);
        return PF_ECORRUPT;
    }
    *out = p;
    *outlen = len;
    return PF_EOK;
}

/* Writes data to DIR/.pypi-fcgi/<name> through a temporary file and rename.
 * PF_ENOSPACE when the file system has no room, PF_EIO for other failures. */
static enum pf_err write_atomic(int sdirfd, const char *name, const void *data, size_t len)
{
    /* Unique by process, thread and time, and short whatever the name:
     * one with the name in it would not fit NAME_MAX for long names. */
    char tmp[96];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int n = snprintf(tmp, sizeof tmp, ".tmp.%ld.%lx.%ld.%ld", (long)getpid(), (unsigned long)pthread_self(),
                     (long)ts.tv_sec, ts.tv_nsec);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return PF_EINVAL;
    int fd = openat(sdirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return fs_write_err(errno);
    const char *p = data;
    size_t done = 0;
    enum pf_err e = PF_EOK;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = w < 0 ? fs_write_err(errno) : PF_EIO;
            break;
        }
        done += (size_t)w;
    }
    if (!e && fsync(fd) != 0)
        e = fs_write_err(errno);
    if (close(fd) != 0 && !e)
        e = fs_write_err(errno);
    if (!e && renameat(sdirfd, tmp, sdirfd, name) != 0)
        e = fs_write_err(errno);
    if (e)
        unlinkat(sdirfd, tmp, 0);
    return e;
}

enum pf_err sidecar_store(int dirfd, const char *filename, const sidecar_t *rec, const void *metadata,
                          size_t metadata_len)
{
    char name[512];
    if (mkdirat(dirfd, SIDECAR_DIR, 0755) != 0 && errno != EEXIST)
        return fs_write_err(errno);
    int sdirfd = openat(dirfd, SIDECAR_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (sdirfd < 0)
        return PF_EIO;
    enum pf_err e = PF_EOK;
    char *enc = NULL;
    size_t enclen;
    if (metadata) {
        if (snprintf(name, sizeof name, "%s" SIDECAR_META_SUFFIX, filename) >= (int)sizeof name) {
            e = PF_EINVAL;
            goto out;
        }
        if ((e = write_atomic(sdirfd, name, metadata, metadata_len)))
            goto out;
    }
    if (snprintf(name, sizeof name, "%s" SIDECAR_REC_SUFFIX, filename) >= (int)sizeof name) {
        e = PF_EINVAL;
        goto out;
    }
    if ((e = sidecar_encode(rec, &enc, &enclen)))
        goto out;
    e = write_atomic(sdirfd, name, enc, enclen);
out:
    free(enc);
    close(sdirfd);
    return e;
}

void sidecar_set_metadata(sidecar_t *rec, const char *md, size_t len)
{
    sv_t rp;
    if (meta_field(sv_make(md ? md : "", len), "Requires-Python", &rp) && rp.len <= SIDECAR_MAX_FIELD)
        rec->requires_python = strndup(rp.p, rp.len);
    rec->has_metadata = true;
    rec->metadata_len = len;
    digest_sha256_hex(md ? md : "", len, rec->metadata_sha256);
}

const void *sidecar_metadata_of(const sidecar_t *rec, const char *md)
{
    return rec->has_metadata ? (md ? md : "") : NULL;
}

int sidecar_lock(int dirfd, bool best_effort)
{
    if (mkdirat(dirfd, SIDECAR_DIR, 0755) != 0 && errno != EEXIST)
        return -1;
    int fd = openat(dirfd, SIDECAR_DIR "/.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        if (!best_effort) {
            close(fd);
            return -1;
        }
        break;
    }
    return fd;
}

void sidecar_remove(int dirfd, const char *filename)
{
    char path[512];
    if (path_of(path, sizeof path, filename, SIDECAR_REC_SUFFIX) == 0)
        (void)unlinkat(dirfd, path, 0);
    if (path_of(path, sizeof path, filename, SIDECAR_META_SUFFIX) == 0)
        (void)unlinkat(dirfd, path, 0);
}
