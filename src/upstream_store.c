/* SPDX-License-Identifier: MIT */
/* upstream_store.c: the upstream cache's page records and check stamps: the format and its strict reader. */
#include "config.h"
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ascii.h"
#include "digest.h"
#include "distfile.h"
#include "escape.h"
#include "hmap.h"
#include "name.h"
#include "upstream_http.h"
#include "upstream_store_int.h"

_Static_assert(UPSTORE_MAX_VALIDATOR >= UPHTTP_VALUE_MAX, "a validator upstream_http keeps must fit a record");
_Static_assert(UP_MAX_URL >= UPHTTP_URL_MAX, "a page URL upstream_http follows must fit a record");

#define MAGIC "pypi-fcgi-upstream-page 1\n"
#define STAMP_MAGIC "pypi-fcgi-upstream-checked 1\n"
/* The end line: "end " + 64 hex digits + "\n". */
#define END_LEN (4 + DIGEST_HEX_LEN + 1)

void up_cached_free(struct up_cached *c)
{
    up_page_free(&c->page);
    free(c->page_url);
    free(c->etag);
    free(c->last_modified);
    memset(c, 0, sizeof *c);
}

bool upstream_store_name_ok(const char *norm)
{
    return norm && strlen(norm) <= NAME_MAX_LEN && name_is_normalized(sv_cstr(norm));
}


/* ---- The rules a page keeps, checked before writing and after reading ---- */

bool upstore_utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t l = escape_utf8_len(p + i, n - i);
        if (!l)
            return false;
        i += l;
    }
    return true;
}

/* A file's URL as up_page_parse leaves it: http(s), printable ASCII
 * without space, no fragment, at most UP_MAX_URL bytes. */
static bool url_ok(const char *u)
{
    size_t n = strlen(u), scheme = strncmp(u, "https://", 8) == 0 ? 8 : strncmp(u, "http://", 7) == 0 ? 7 : 0;
    if (n > UP_MAX_URL || !scheme || n == scheme)
        return false;
    for (size_t i = 0; i < n; i++)
        if (u[i] <= ' ' || u[i] >= 127 || u[i] == '#')
            return false;
    return true;
}

/* Why file f of project is not what up_page_parse would keep, or NULL. */
static const char *file_wrong(const struct up_file *f, const char *project)
{
    if (!f->filename || !f->url)
        return "no filename or URL";
    size_t n = strlen(f->filename);
    if (n > DISTFILE_MAX_LEN || strchr(f->filename, '/') || strchr(f->filename, '\\') || strstr(f->filename, ".."))
        return "its filename is too long or holds a path";
    distfile_t d;
    if (distfile_parse(sv_make(f->filename, n), &d) != PF_EOK || strcmp(d.project, project) != 0)
        return "its filename is no distribution file of the project";
    if (!url_ok(f->url))
        return "its URL is not an http(s) URL of printable ASCII without fragment within the cap";
    if ((f->has_sha256 && !digest_is_hex64(f->sha256, strlen(f->sha256))) ||
        (f->has_core_metadata_sha256 && !digest_is_hex64(f->core_metadata_sha256, strlen(f->core_metadata_sha256))))
        return "a sha256 is not 64 lower-case hex digits";
    if (f->has_core_metadata_sha256 && !f->core_metadata)
        return "a metadata sha256 without metadata";
    if (f->requires_python && (strlen(f->requires_python) > UP_MAX_TEXT || !upstore_utf8_ok(f->requires_python)))
        return "its requires-python is over the cap or not UTF-8";
    if (f->yank_reason && (!f->yanked || strlen(f->yank_reason) > UP_MAX_TEXT || !upstore_utf8_ok(f->yank_reason)))
        return "its yank reason is over the cap, not UTF-8, or of a file not yanked";
    if (f->size < -1 || f->upload_time_usec < -1)
        return "a negative size or upload time";
    return NULL;
}

/* Why the strings of c outside its files are wrong, or NULL. */
static const char *head_wrong(const struct up_cached *c)
{
    const struct up_page *p = &c->page;
    if (!p->name || !upstream_store_name_ok(p->name))
        return "the project name is not a normalized name";
    if (!c->page_url || !*c->page_url || strlen(c->page_url) > UP_MAX_URL)
        return "the page URL is missing or over the cap";
    if ((c->etag && strlen(c->etag) > UPSTORE_MAX_VALIDATOR) ||
        (c->last_modified && strlen(c->last_modified) > UPSTORE_MAX_VALIDATOR))
        return "a validator is over the cap";
    if (c->fetched_at < 0 || c->checked_at < 0)
        return "a negative time";
    if (!memchr(p->skipped_why, '\0', sizeof p->skipped_why))
        return "the skipped reason is not terminated";
    if (p->nfiles > UP_MAX_FILES || (p->nfiles && !p->files) || p->nskipped > UP_MAX_FILES)
        return "too many files, or skipped ones";
    if (p->nversions > UP_MAX_VERSIONS || (p->nversions && (!p->versions || !p->has_versions)))
        return "too many versions, or versions without the list";
    for (size_t i = 0; i < p->nversions; i++)
        if (!p->versions[i] || strlen(p->versions[i]) > UP_MAX_TEXT || !upstore_utf8_ok(p->versions[i]))
            return "a version is missing, over the cap or not UTF-8";
    return NULL;
}

/* Checks every rule of c (see upstream_store.h); e is the error to give. */
static enum pf_err check_cached(const struct up_cached *c, enum pf_err e, buf_t *err)
{
    const char *why = head_wrong(c);
    if (why)
        return buf_refuse(err, e, "%s", why);
    hmap_t names;
    hmap_init(&names);
    enum pf_err r = PF_EOK;
    for (size_t i = 0; i < c->page.nfiles && !r; i++) {
        const struct up_file *f = &c->page.files[i];
        if ((why = file_wrong(f, c->page.name)))
            r = buf_refuse(err, e, "file %zu: %s", i, why);
        else if (hmap_get(&names, sv_cstr(f->filename)))
            r = buf_refuse(err, e, "file %zu: a file of the same name comes before it", i);
        else if (hmap_put(&names, sv_cstr(f->filename), f->filename) != PF_EOK)
            r = buf_refuse(err, PF_ENOMEM, "out of memory");
    }
    hmap_free(&names);
    return r;
}

/* ---- Writing ---- */

/* True when byte c is written as %XX. */
static bool needs_escape(unsigned char c)
{
    return c <= ' ' || c >= 0x7f || c == '%';
}

void upstore_put_esc(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)s; !buf_err(b) && *p; p++) {
        if (needs_escape(*p)) {
            char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            (void)buf_append(b, enc, 3);
        } else
            (void)buf_append_char(b, (char)*p);
    }
}

static void put_line(buf_t *b, const char *key, const char *val)
{
    (void)buf_printf(b, "%s ", key);
    upstore_put_esc(b, val);
    (void)buf_append_char(b, '\n');
}

static void put_file(buf_t *b, const struct up_file *f)
{
    (void)buf_append_str(b, "file ");
    upstore_put_esc(b, f->filename);
    (void)buf_append_char(b, ' ');
    upstore_put_esc(b, f->url);
    if (f->has_sha256)
        (void)buf_printf(b, " sha256=%s", f->sha256);
    if (f->requires_python) {
        (void)buf_append_str(b, " rp=");
        upstore_put_esc(b, f->requires_python);
    }
    if (f->yanked) {
        (void)buf_append_str(b, f->yank_reason ? " yanked=" : " yanked");
        if (f->yank_reason)
            upstore_put_esc(b, f->yank_reason);
    }
    if (f->core_metadata)
        (void)buf_printf(b, f->has_core_metadata_sha256 ? " meta=%s" : " meta", f->core_metadata_sha256);
    if (f->size >= 0)
        (void)buf_printf(b, " size=%" PRId64, f->size);
    if (f->upload_time_usec >= 0)
        (void)buf_printf(b, " time=%" PRId64, f->upload_time_usec);
    (void)buf_append_char(b, '\n');
}

enum pf_err upstream_store_encode(const struct up_cached *c, char **out, size_t *outlen, char sha256[65], buf_t *err)
{
    *out = NULL;
    *outlen = 0;
    enum pf_err e = check_cached(c, PF_EINVAL, err);
    if (e)
        return e;
    const struct up_page *p = &c->page;
    buf_t b;
    buf_init(&b, UPSTORE_MAX_RECORD - END_LEN);
    (void)buf_printf(&b, MAGIC "name %s\n", p->name);
    put_line(&b, "page-url", c->page_url);
    if (c->etag)
        put_line(&b, "etag", c->etag);
    if (c->last_modified)
        put_line(&b, "last-modified", c->last_modified);
    (void)buf_printf(&b, "fetched %" PRId64 "\nchecked %" PRId64 "\nskipped %zu", c->fetched_at, c->checked_at,
                     p->nskipped);
    if (p->skipped_why[0]) {
        (void)buf_append_char(&b, ' ');
        upstore_put_esc(&b, p->skipped_why);
    }
    (void)buf_append_char(&b, '\n');
    (void)buf_printf(&b, "files %zu\n", p->nfiles);
    for (size_t i = 0; i < p->nfiles && !buf_err(&b); i++)
        put_file(&b, &p->files[i]);
    if (p->has_versions)
        (void)buf_printf(&b, "versions %zu\n", p->nversions);
    for (size_t i = 0; i < p->nversions && !buf_err(&b); i++)
        put_line(&b, "version", p->versions[i]);
    if ((e = buf_err(&b))) {
        buf_free(&b);
        if (e == PF_ETOOBIG)
            return buf_refuse(err, e, "the record would be larger than %d bytes", UPSTORE_MAX_RECORD);
        return buf_refuse(err, e, "out of memory");
    }
    digest_sha256_hex(b.p, b.len, sha256);
    b.cap += END_LEN;
    if (buf_printf(&b, "end %s\n", sha256) != PF_EOK) {
        buf_free(&b);
        return buf_refuse(err, PF_ENOMEM, "out of memory");
    }
    *outlen = b.len;
    *out = buf_steal(&b);
    return PF_EOK;
}

/* ---- Reading ---- */

/* The lines of a record, read in order. */
struct rd {
    sv_t rest;   /* what is left, every line ending in '\n' */
    size_t line; /* the number of the line last taken, 1-based */
    buf_t *err;
};

static enum pf_err bad(struct rd *r, const char *why)
{
    return buf_refuse(r->err, PF_ECORRUPT, "line %zu: %s", r->line, why);
}

/* The next line (without its '\n') split at its first space into key and
 * value; false at the end. has_val says whether there was a space. */
static bool next_line(struct rd *r, sv_t *key, sv_t *val, bool *has_val)
{
    if (!r->rest.len)
        return false;
    sv_t line = sv_split(&r->rest, '\n');
    r->line++;
    long sp = sv_index(line, ' ');
    *has_val = sp >= 0;
    *key = sp >= 0 ? sv_make(line.p, (size_t)sp) : line;
    *val = sp >= 0 ? sv_make(line.p + sp + 1, line.len - (size_t)sp - 1) : sv_make(line.p, 0);
    return true;
}

/* The next line, which must be "key VALUE". */
static enum pf_err expect(struct rd *r, const char *key, sv_t *val)
{
    sv_t k;
    bool has;
    if (!next_line(r, &k, val, &has))
        return buf_refuse(r->err, PF_ECORRUPT, "the record ends before its %s line", key);
    if (!sv_eq(k, sv_cstr(key)) || !has)
        return bad(r, "not the line expected here");
    return PF_EOK;
}

/* True when the next line's key is key (nothing is taken). */
static bool peek(const struct rd *r, const char *key)
{
    size_t n = strlen(key);
    return r->rest.len > n && memcmp(r->rest.p, key, n) == 0 && r->rest.p[n] == ' ';
}

/* A decimal number as written: no sign, no leading zero, at most max. */
static bool get_num(sv_t v, uint64_t max, uint64_t *out)
{
    return v.len && !(v.p[0] == '0' && v.len > 1) && sv_to_u64(v, max, out);
}

enum pf_err upstore_unesc(sv_t v, size_t cap, char **out, const char **why)
{
    *out = NULL;
    *why = "a string over its cap";
    if (v.len > cap * 3)
        return PF_ECORRUPT;
    char *s = malloc(v.len + 1), *w = s;
    if (!s) {
        *why = "out of memory";
        return PF_ENOMEM;
    }
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c == '%') {
            int hi = i + 2 < v.len && ascii_islowerhex(v.p[i + 1]) ? ascii_hexval(v.p[i + 1]) : -1;
            int lo = hi >= 0 && ascii_islowerhex(v.p[i + 2]) ? ascii_hexval(v.p[i + 2]) : -1;
            c = (unsigned char)(hi * 16 + lo);
            if (lo < 0 || !c || !needs_escape(c)) {
                free(s);
                *why = "a bad escape";
                return PF_ECORRUPT;
            }
            i += 2;
        } else if (needs_escape(c)) {
            free(s);
            *why = "a byte that must be escaped";
            return PF_ECORRUPT;
        }
        *w++ = (char)c;
    }
    *w = '\0';
    if ((size_t)(w - s) > cap) {
        free(s);
        return PF_ECORRUPT;
    }
    *out = s;
    return PF_EOK;
}

/* upstore_unesc, its failure told as the line's. */
static enum pf_err get_esc(struct rd *r, sv_t v, size_t cap, char **out)
{
    const char *why;
    enum pf_err e = upstore_unesc(v, cap, out, &why);
    return e == PF_ENOMEM ? buf_refuse(r->err, PF_ENOMEM, "out of memory") : e ? bad(r, why) : PF_EOK;
}

/* "key NUMBER" into *out, at most max. */
static enum pf_err get_num_line(struct rd *r, const char *key, uint64_t max, uint64_t *out)
{
    sv_t v;
    enum pf_err e = expect(r, key, &v);
    if (!e && !get_num(v, max, out))
        e = bad(r, "not a number within its range");
    return e;
}

/* name, page-url, etag, last-modified, fetched, checked, skipped. */
static enum pf_err read_head(struct rd *r, struct up_cached *c)
{
    sv_t v;
    uint64_t n;
    enum pf_err e = expect(r, "name", &v);
    if (!e && (v.len > NAME_MAX_LEN || !name_is_normalized(v)))
        e = bad(r, "not a normalized project name");
    if (!e && !(c->page.name = strndup(v.p, v.len)))
        e = buf_refuse(r->err, PF_ENOMEM, "out of memory");
    if (!e && !(e = expect(r, "page-url", &v)))
        e = get_esc(r, v, UP_MAX_URL, &c->page_url);
    if (!e && peek(r, "etag") && !(e = expect(r, "etag", &v)))
        e = get_esc(r, v, UPSTORE_MAX_VALIDATOR, &c->etag);
    if (!e && peek(r, "last-modified") && !(e = expect(r, "last-modified", &v)))
        e = get_esc(r, v, UPSTORE_MAX_VALIDATOR, &c->last_modified);
    if (!e && !(e = get_num_line(r, "fetched", INT64_MAX, &n)))
        c->fetched_at = (int64_t)n;
    if (!e && !(e = get_num_line(r, "checked", INT64_MAX, &n)))
        c->checked_at = (int64_t)n;
    if (!e)
        e = expect(r, "skipped", &v);
    if (e)
        return e;
    bool has_why = memchr(v.p, ' ', v.len) != NULL;
    sv_t count = sv_split(&v, ' ');
    char *why = NULL;
    if (!get_num(count, UP_MAX_FILES, &n))
        return bad(r, "not a number within its range");
    c->page.nskipped = (size_t)n;
    if (has_why && !v.len)
        return bad(r, "an empty reason is written as none");
    if (has_why && (e = get_esc(r, v, UP_MAX_MSG - 1, &why)))
        return e;
    if (why)
        memcpy(c->page.skipped_why, why, strlen(why) + 1);
    free(why);
    return PF_EOK;
}

/* The value of token tok after "key", or .p NULL when tok is another key;
 * *has_val says whether an '=' followed the key. */
static sv_t token_val(sv_t tok, const char *key, bool *has_val)
{
    size_t n = strlen(key);
    if (tok.len < n || memcmp(tok.p, key, n) != 0 || (tok.len > n && tok.p[n] != '='))
        return sv_make(NULL, 0);
    *has_val = tok.len > n;
    return *has_val ? sv_make(tok.p + n + 1, tok.len - n - 1) : sv_make(tok.p + n, 0);
}

/* A sha256 of a file line into dst (its digits are checked with the page). */
static enum pf_err get_hash(struct rd *r, sv_t v, char dst[65], bool *has)
{
    if (v.len != DIGEST_HEX_LEN)
        return bad(r, "a sha256 is not 64 lower-case hex digits");
    memcpy(dst, v.p, DIGEST_HEX_LEN);
    dst[DIGEST_HEX_LEN] = '\0';
    *has = true;
    return PF_EOK;
}

/* One optional field of a file line: the key at index k of keys. */
static enum pf_err file_field(struct rd *r, struct up_file *f, int k, sv_t v, bool has_val)
{
    uint64_t n;
    if (k != 2 && k != 3 && !has_val) /* yanked and meta may stand alone */
        return bad(r, "a file field without its value");
    switch (k) {
    case 0:
        return get_hash(r, v, f->sha256, &f->has_sha256);
    case 1:
        return get_esc(r, v, UP_MAX_TEXT, &f->requires_python);
    case 2:
        f->yanked = true;
        return has_val ? get_esc(r, v, UP_MAX_TEXT, &f->yank_reason) : PF_EOK;
    case 3:
        f->core_metadata = true;
        return has_val ? get_hash(r, v, f->core_metadata_sha256, &f->has_core_metadata_sha256) : PF_EOK;
    default:
        if (!get_num(v, INT64_MAX, &n))
            return bad(r, "a size or time is not a number within its range");
        *(k == 4 ? &f->size : &f->upload_time_usec) = (int64_t)n;
        return PF_EOK;
    }
}

/* The next token of a line (tokens are one space apart, never empty):
 * false at the end of the line. */
static bool next_tok(struct rd *r, sv_t *v, sv_t *tok, enum pf_err *e)
{
    if (!v->p || *e)
        return false;
    bool last = !memchr(v->p, ' ', v->len);
    *tok = sv_split(v, ' ');
    if (last)
        v->p = NULL;
    if (!tok->len)
        *e = bad(r, "an empty token");
    return !*e;
}

/* "file FILENAME URL [FIELD...]" into f. */
static enum pf_err read_file(struct rd *r, struct up_file *f)
{
    static const char *const keys[] = { "sha256", "rp", "yanked", "meta", "size", "time" };
    const int nkeys = (int)(sizeof keys / sizeof keys[0]);
    *f = (struct up_file){ .size = -1, .upload_time_usec = -1 };
    sv_t v, tok;
    enum pf_err e = expect(r, "file", &v);
    if (next_tok(r, &v, &tok, &e))
        e = get_esc(r, tok, DISTFILE_MAX_LEN, &f->filename);
    if (next_tok(r, &v, &tok, &e))
        e = get_esc(r, tok, UP_MAX_URL, &f->url);
    else if (!e)
        e = bad(r, "a file without its URL");
    int last = -1;
    while (next_tok(r, &v, &tok, &e)) {
        int k = 0;
        bool has_val = false;
        sv_t val = sv_make(NULL, 0);
        while (k < nkeys && !(val = token_val(tok, keys[k], &has_val)).p)
            k++;
        if (k == nkeys || k <= last)
            return bad(r, "an unknown, repeated or misplaced file field");
        last = k;
        e = file_field(r, f, k, val, has_val);
    }
    return e;
}

/* "files N" and the N file lines. */
static enum pf_err read_files(struct rd *r, struct up_page *p)
{
    uint64_t n;
    enum pf_err e = get_num_line(r, "files", UP_MAX_FILES, &n);
    if (e)
        return e;
    /* Each file takes a line of more than 16 bytes: a count the rest
     * cannot hold is refused before anything is allocated for it. */
    if (n > r->rest.len / 16)
        return bad(r, "more files than the record holds");
    if (n && !(p->files = calloc((size_t)n, sizeof *p->files)))
        return buf_refuse(r->err, PF_ENOMEM, "out of memory");
    for (; p->nfiles < n && !e; p->nfiles++)
        e = read_file(r, &p->files[p->nfiles]);
    return e;
}

/* "versions N" and the N version lines, when there are. */
static enum pf_err read_versions(struct rd *r, struct up_page *p)
{
    uint64_t n;
    if (!peek(r, "versions"))
        return PF_EOK;
    enum pf_err e = get_num_line(r, "versions", UP_MAX_VERSIONS, &n);
    if (e)
        return e;
    p->has_versions = true;
    if (n > r->rest.len / 9) /* "version \n" */
        return bad(r, "more versions than the record holds");
    if (n && !(p->versions = calloc((size_t)n, sizeof *p->versions)))
        return buf_refuse(r->err, PF_ENOMEM, "out of memory");
    sv_t v;
    for (; p->nversions < n && !e; p->nversions++)
        if (!(e = expect(r, "version", &v)))
            e = get_esc(r, v, UP_MAX_TEXT, &p->versions[p->nversions]);
    return e;
}

enum pf_err upstream_store_decode(const char *p, size_t len, struct up_cached *out, buf_t *err)
{
    memset(out, 0, sizeof *out);
    buf_reset(err);
    if (len > UPSTORE_MAX_RECORD)
        return buf_refuse(err, PF_ECORRUPT, "the record is larger than %d bytes", UPSTORE_MAX_RECORD);
    if (len < sizeof MAGIC - 1 + END_LEN || memcmp(p, MAGIC, sizeof MAGIC - 1) != 0)
        return buf_refuse(err, PF_ECORRUPT, "not a page record of this version");
    const char *end = p + len - END_LEN;
    if (memcmp(end, "end ", 4) != 0 || end[END_LEN - 1] != '\n' || (end > p && end[-1] != '\n'))
        return buf_refuse(err, PF_ECORRUPT, "the record is cut short (no end line)");
    char sum[DIGEST_HEX_LEN + 1];
    digest_sha256_hex(p, (size_t)(end - p), sum);
    if (memcmp(sum, end + 4, DIGEST_HEX_LEN) != 0)
        return buf_refuse(err, PF_ECORRUPT, "the record's checksum does not match: it was damaged or edited");
    sv_t body = sv_make(p + sizeof MAGIC - 1, (size_t)(end - p) - (sizeof MAGIC - 1));
    struct rd r = { .rest = body, .line = 1, .err = err };
    enum pf_err e = read_head(&r, out);
    if (!e)
        e = read_files(&r, &out->page);
    if (!e)
        e = read_versions(&r, &out->page);
    if (!e && r.rest.len) {
        r.line++;
        e = bad(&r, "a line after the last field");
    }
    if (!e)
        e = check_cached(out, PF_ECORRUPT, err);
    if (e) {
        up_cached_free(out);
        return e;
    }
    memcpy(out->record_sha256, sum, sizeof sum);
    return PF_EOK;
}

int upstore_stamp_encode(char out[UPSTORE_STAMP_MAX], const char *sha256, int64_t checked_at)
{
    return snprintf(out, UPSTORE_STAMP_MAX, STAMP_MAGIC "record %s\nchecked %" PRId64 "\n", sha256, checked_at);
}

int64_t upstore_stamp_decode(const char *p, size_t len, const char *sha256)
{
    if (len <= sizeof STAMP_MAGIC - 1 || memcmp(p, STAMP_MAGIC, sizeof STAMP_MAGIC - 1) != 0 || p[len - 1] != '\n')
        return -1;
    sv_t s = sv_make(p + sizeof STAMP_MAGIC - 1, len - (sizeof STAMP_MAGIC - 1) - 1);
    sv_t rec = sv_split(&s, '\n');
    uint64_t n;
    if (!sv_starts_with(rec, SV_LIT("record ")) || rec.len != 7 + DIGEST_HEX_LEN ||
        memcmp(rec.p + 7, sha256, DIGEST_HEX_LEN) != 0 || !sv_starts_with(s, SV_LIT("checked ")) ||
        !get_num(sv_make(s.p + 8, s.len - 8), INT64_MAX, &n))
        return -1;
    return (int64_t)n;
}
