/* SPDX-License-Identifier: MIT */
/* upstream_page.c: an upstream project page: the checks of each file entry, URLs, the result (see upstream_page.h). */
#include "config.h"
#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ascii.h"
#include "name.h"
#include "upstream_page_int.h"

enum up_format up_page_format(const char *content_type)
{
    if (!content_type)
        return UP_FORMAT_UNSUPPORTED;
    sv_t rest = sv_cstr(content_type);
    sv_t type = sv_trim(sv_split(&rest, ';'));
    if (sv_ieq(type, SV_LIT("application/vnd.pypi.simple.v1+json")))
        return UP_FORMAT_JSON;
    if (sv_ieq(type, SV_LIT("text/html")) || sv_ieq(type, SV_LIT("application/vnd.pypi.simple.v1+html")))
        return UP_FORMAT_HTML;
    return UP_FORMAT_UNSUPPORTED;
}


void up_show(sv_t s, char out[48])
{
    size_t n = 0;
    for (; n < s.len && n < 40; n++)
        out[n] = s.p[n] >= ' ' && s.p[n] < 127 ? s.p[n] : '?';
    out[n] = '\0';
    if (n < s.len)
        memcpy(out + n, "...", 4);
}

/* Counts e skipped, keeping the first reason: "file N: why (\"name\")"
 * (name .p NULL: not known yet). */
static enum pf_err skip(struct up_ctx *c, const struct up_entry *e, sv_t name, const char *why)
{
    struct up_page *p = c->out;
    if (!p->nskipped++) {
        char shown[48];
        up_show(name, shown);
        snprintf(p->skipped_why, sizeof p->skipped_why, name.p ? "file %zu: %s (\"%s\")" : "file %zu: %s", e->index,
                 why, shown);
    }
    return PF_EOK;
}

/* Lower-case hex of a sha256 into out; false when s is not 64 hex digits. */
static bool hex64(sv_t s, char out[65])
{
    if (s.len != 64)
        return false;
    for (size_t i = 0; i < 64; i++) {
        char ch = ascii_tolower(s.p[i]);
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return false;
        out[i] = ch;
    }
    out[64] = '\0';
    return true;
}

static char *dup_sv(sv_t s)
{
    char *p = malloc(s.len + 1);
    if (p) {
        memcpy(p, s.p, s.len);
        p[s.len] = '\0';
    }
    return p;
}

/* The sha256 in a URL fragment "name=value&name=value..." (pip's form);
 * .p NULL when there is none. */
static sv_t fragment_sha256(const char *frag)
{
    sv_t rest = sv_cstr(frag);
    while (rest.len) {
        sv_t part = sv_split(&rest, '&');
        if (sv_starts_with(part, SV_LIT("sha256=")))
            return sv_make(part.p + 7, part.len - 7);
    }
    return sv_make(NULL, 0);
}

/* The last segment of the path of url (which has no fragment),
 * percent-decoded into out, as pip names a file from its link; cut after
 * DISTFILE_MAX_LEN + 1 bytes (too long either way). */
static sv_t url_filename(const char *url, char out[DISTFILE_MAX_LEN + 2])
{
    sv_t s = sv_cstr(url);
    long q = sv_index(s, '?');
    if (q >= 0)
        s.len = (size_t)q;
    size_t i = s.len, n = 0;
    while (i && s.p[i - 1] != '/')
        i--;
    for (; i < s.len && n <= DISTFILE_MAX_LEN; i++) {
        char ch = s.p[i];
        if (ch == '%' && s.len - i > 2 && ascii_hexval(s.p[i + 1]) >= 0 && ascii_hexval(s.p[i + 2]) >= 0) {
            ch = (char)(ascii_hexval(s.p[i + 1]) << 4 | ascii_hexval(s.p[i + 2]));
            i += 2;
        }
        out[n++] = ch;
    }
    return sv_make(out, n);
}

/* A resolved URL. */
struct resolved {
    char *url;       /* curl's, without fragment */
    char *frag;      /* curl's, or NULL */
    const char *why; /* why it is no usable URL, or NULL */
};

/* True when href starts with a scheme (RFC 3986) other than http or
 * https: javascript:, data:, file:, which curl may not read at all. */
static bool foreign_scheme(sv_t href)
{
    size_t i = 0;
    while (i < href.len && (ascii_isalnum(href.p[i]) || href.p[i] == '+' || href.p[i] == '-' || href.p[i] == '.'))
        i++;
    if (!i || i == href.len || href.p[i] != ':' || !ascii_isalpha(href.p[0]))
        return false;
    sv_t scheme = sv_make(href.p, i);
    return !sv_ieq(scheme, SV_LIT("http")) && !sv_ieq(scheme, SV_LIT("https"));
}

/* Resolves href against c->base: PF_ENOMEM only; r->why says when the
 * result is not an http(s) URL with a host. */
static enum pf_err resolve(struct up_ctx *c, sv_t href, struct resolved *r)
{
    *r = (struct resolved){ 0 };
    if (foreign_scheme(href)) {
        r->why = "its URL is not http or https";
        return PF_EOK;
    }
    char *h = dup_sv(href);
    CURLU *u = curl_url_dup(c->base);
    if (!h || !u) {
        free(h);
        curl_url_cleanup(u);
        return PF_ENOMEM;
    }
    char *scheme = NULL, *host = NULL;
    /* Other schemes are read too, to be told apart from what is no URL. */
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, h, CURLU_NON_SUPPORT_SCHEME);
    free(h);
    if (rc == CURLUE_OUT_OF_MEMORY)
        goto nomem;
    if (rc != CURLUE_OK) {
        r->why = "its URL cannot be read";
        goto done;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)) {
        r->why = "its URL is not http or https";
        goto done;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        r->why = "its URL has no host";
        goto done;
    }
    rc = curl_url_get(u, CURLUPART_FRAGMENT, &r->frag, 0);
    if (rc == CURLUE_OUT_OF_MEMORY)
        goto nomem;
    if (curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &r->url, 0) != CURLUE_OK)
        goto nomem;
    if (strlen(r->url) > UP_MAX_URL)
        r->why = "its URL resolves to more than " UP_STR(UP_MAX_URL) " bytes";
    /* curl decodes a percent-encoded host: what it gives back must still
     * be a URL's ASCII. */
    for (const char *p = r->url; !r->why && *p; p++)
        if (*p <= ' ' || *p >= 127)
            r->why = "its URL resolves to bytes that are not printable ASCII";
done:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return PF_EOK;
nomem:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return PF_ENOMEM;
}

void up_set_base(struct up_ctx *c, sv_t href)
{
    char *h = dup_sv(href);
    CURLU *u = h ? curl_url_dup(c->base) : NULL;
    if (u && curl_url_set(u, CURLUPART_URL, h, 0) == CURLUE_OK) {
        curl_url_cleanup(c->base);
        c->base = u;
        u = NULL;
    }
    curl_url_cleanup(u);
    free(h);
}

/* The reason filename (as written) is not a file of c's project, or NULL. */
static const char *bad_filename(const struct up_ctx *c, sv_t name)
{
    if (name.len > DISTFILE_MAX_LEN)
        return "its filename is longer than " UP_STR(DISTFILE_MAX_LEN) " bytes";
    if (memchr(name.p, '/', name.len) || memchr(name.p, '\\', name.len) || memchr(name.p, '\0', name.len) ||
        memmem(name.p, name.len, "..", 2))
        return "its filename holds a path";
    distfile_t d;
    if (distfile_parse(name, &d) != PF_EOK)
        return "its filename is no distribution file name";
    if (strcmp(d.project, c->project) != 0)
        return "its filename is another project's";
    return NULL;
}

/* The strings of e over their caps fail the page. */
static enum pf_err check_caps(struct up_ctx *c, const struct up_entry *e)
{
    static const char *const names[] = { "url", "requires-python", "yank reason", "sha256", "metadata sha256" };
    const sv_t v[] = { e->href, e->requires_python, e->yank_reason, e->sha256, e->core_metadata_sha256 };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (v[i].len > (i == 0 ? UP_MAX_URL : UP_MAX_TEXT))
            return buf_refuse(c->err, PF_ETOOBIG, "file %zu: its %s is longer than %d bytes", e->index, names[i],
                           i == 0 ? UP_MAX_URL : UP_MAX_TEXT);
    return PF_EOK;
}

/* Room for one more file in out. */
static enum pf_err grow(struct up_ctx *c)
{
    struct up_page *p = c->out;
    if (p->nfiles < c->alloc)
        return PF_EOK;
    size_t n = c->alloc ? c->alloc * 2 : 16;
    struct up_file *f = realloc(p->files, n * sizeof *f);
    if (!f)
        return PF_ENOMEM;
    p->files = f;
    c->alloc = n;
    return PF_EOK;
}

static void file_free(struct up_file *f)
{
    free(f->filename);
    free(f->url);
    free(f->requires_python);
    free(f->yank_reason);
}

/* Fills f (whose url is set) from e: false on PF_ENOMEM. */
static bool fill(struct up_file *f, const struct up_entry *e, sv_t filename)
{
    f->filename = dup_sv(filename);
    if (e->requires_python.p)
        f->requires_python = dup_sv(e->requires_python);
    f->yanked = e->yanked;
    if (e->yanked && e->yank_reason.len)
        f->yank_reason = dup_sv(e->yank_reason);
    f->core_metadata = e->core_metadata;
    f->size = e->size;
    f->upload_time_usec = e->upload_time_usec;
    return f->filename && (!e->requires_python.p || f->requires_python) &&
           (!e->yanked || !e->yank_reason.len || f->yank_reason);
}

/* long: each check of an entry in turn, in the order its reason is told. */
enum pf_err up_add(struct up_ctx *c, const struct up_entry *e)
{
    enum pf_err err = check_caps(c, e);
    if (err)
        return err;
    struct up_file f = { .size = -1, .upload_time_usec = -1 };
    if (e->sha256.p && !hex64(e->sha256, f.sha256))
        return skip(c, e, e->filename, "its sha256 is not 64 hex digits");
    f.has_sha256 = e->sha256.p != NULL;
    if (e->core_metadata && e->core_metadata_sha256.p && !hex64(e->core_metadata_sha256, f.core_metadata_sha256))
        return skip(c, e, e->filename, "its metadata sha256 is not 64 hex digits");
    f.has_core_metadata_sha256 = e->core_metadata && e->core_metadata_sha256.p;
    if (e->size < -1)
        return skip(c, e, e->filename, "its size is negative");
    struct resolved r;
    if ((err = resolve(c, e->href, &r)))
        return err;
    const char *why = r.why;
    if (!why && e->fragment_hash) {
        sv_t h = fragment_sha256(r.frag ? r.frag : "");
        if (h.p && !hex64(h, f.sha256))
            why = "the sha256 in its URL is not 64 hex digits";
        f.has_sha256 = h.p != NULL;
    }
    char decoded[DISTFILE_MAX_LEN + 2];
    sv_t name = e->filename.p ? e->filename : r.url ? url_filename(r.url, decoded) : sv_make(NULL, 0);
    if (!why)
        why = bad_filename(c, name);
    if (!why && hmap_get(&c->names, name))
        why = "a file of the same name comes before it";
    curl_free(r.frag);
    if (why) {
        (void)skip(c, e, name, why);
        curl_free(r.url);
        return PF_EOK;
    }
    f.url = dup_sv(sv_cstr(r.url));
    curl_free(r.url);
    bool ok = f.url && fill(&f, e, name) && grow(c) == PF_EOK;
    if (ok && hmap_put(&c->names, sv_cstr(f.filename), f.filename) != PF_EOK)
        ok = false;
    if (!ok) {
        file_free(&f);
        return buf_refuse(c->err, PF_ENOMEM, "out of memory");
    }
    c->out->files[c->out->nfiles++] = f;
    return PF_EOK;
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n digits at s->p as a number (consumed), or -1. */
static int64_t digits(sv_t *s, size_t n)
{
    if (s->len < n)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ascii_isdigit(s->p[i]))
            return -1;
        v = v * 10 + (s->p[i] - '0');
    }
    s->p += n;
    s->len -= n;
    return v;
}

static bool eat(sv_t *s, char ch)
{
    if (!s->len || s->p[0] != ch)
        return false;
    s->p++;
    s->len--;
    return true;
}

int64_t up_parse_time(sv_t s)
{
    int64_t y = digits(&s, 4), mo = (eat(&s, '-') ? digits(&s, 2) : -1), d = (eat(&s, '-') ? digits(&s, 2) : -1);
    if (!eat(&s, 'T') && !eat(&s, 't') && !eat(&s, ' '))
        return -1;
    int64_t h = digits(&s, 2), mi = (eat(&s, ':') ? digits(&s, 2) : -1), sec = (eat(&s, ':') ? digits(&s, 2) : -1);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
        return -1;
    int64_t usec = 0, scale = 100000;
    if (eat(&s, '.')) {
        if (!s.len || !ascii_isdigit(s.p[0]))
            return -1;
        for (; s.len && ascii_isdigit(s.p[0]); s.p++, s.len--, scale /= 10)
            usec += (s.p[0] - '0') * scale;
    }
    int64_t off = 0;
    if (!eat(&s, 'Z') && !eat(&s, 'z')) {
        int sign = eat(&s, '+') ? 1 : eat(&s, '-') ? -1 : 0;
        int64_t oh = digits(&s, 2), om = (eat(&s, ':') ? digits(&s, 2) : -1);
        if (!sign || oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    }
    if (s.len)
        return -1;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return t < 0 ? -1 : t * 1000000 + usec;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

void up_page_init(void)
{
    pthread_once(&xml_once, xml_init);
}

/* The checks of the arguments, before any work. */
static enum pf_err check_args(const char *body, size_t len, enum up_format fmt, const char *page_url,
                              const char *project, buf_t *err)
{
    if (!project || !name_is_normalized(sv_cstr(project)) || strlen(project) > NAME_MAX_LEN)
        return buf_refuse(err, PF_EINVAL, "the project name is not a normalized project name");
    if (fmt != UP_FORMAT_JSON && fmt != UP_FORMAT_HTML)
        return buf_refuse(err, PF_EINVAL, "the page's format is neither PEP 691 JSON nor HTML");
    if (len > UP_MAX_BODY)
        return buf_refuse(err, PF_ETOOBIG, "the page is larger than %d bytes", UP_MAX_BODY);
    if (!body && len)
        return buf_refuse(err, PF_EINVAL, "no body");
    if (!page_url)
        return buf_refuse(err, PF_EINVAL, "no page URL");
    return PF_EOK;
}

/* The base for relative URLs: page_url, which must be absolute http(s). */
static enum pf_err set_page_url(struct up_ctx *c, const char *page_url)
{
    char *scheme = NULL;
    c->base = curl_url();
    if (!c->base)
        return buf_refuse(c->err, PF_ENOMEM, "out of memory");
    CURLUcode rc = curl_url_set(c->base, CURLUPART_URL, page_url, 0);
    if (rc == CURLUE_OUT_OF_MEMORY)
        return buf_refuse(c->err, PF_ENOMEM, "out of memory");
    bool ok = rc == CURLUE_OK && curl_url_get(c->base, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    curl_free(scheme);
    if (!ok) {
        char s[48];
        up_show(sv_cstr(page_url), s);
        return buf_refuse(c->err, PF_EINVAL, "the page URL \"%s\" is not an absolute http or https URL", s);
    }
    return PF_EOK;
}

enum pf_err up_page_parse(const char *body, size_t len, enum up_format fmt, const char *page_url, const char *project,
                          struct up_page *out, buf_t *err)
{
    memset(out, 0, sizeof *out);
    buf_reset(err);
    enum pf_err e = check_args(body, len, fmt, page_url, project, err);
    if (e)
        return e;
    struct up_ctx c = { .out = out, .project = project, .err = err };
    hmap_init(&c.names);
    e = set_page_url(&c, page_url);
    if (!e && !(out->name = dup_sv(sv_cstr(project))))
        e = buf_refuse(err, PF_ENOMEM, "out of memory");
    if (!e)
        e = fmt == UP_FORMAT_JSON ? up_read_json(&c, body ? body : "", len) : up_read_html(&c, body ? body : "", len);
    hmap_free(&c.names);
    curl_url_cleanup(c.base);
    if (e)
        up_page_free(out);
    return e;
}

void up_page_free(struct up_page *p)
{
    for (size_t i = 0; i < p->nfiles; i++)
        file_free(&p->files[i]);
    free(p->files);
    for (size_t i = 0; i < p->nversions; i++)
        free(p->versions[i]);
    free(p->versions);
    free(p->name);
    memset(p, 0, sizeof *p);
}
