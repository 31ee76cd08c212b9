/* SPDX-License-Identifier: MIT */
/* multipart.c: the streaming multipart/form-data parser (RFC 2046 5.1, RFC 7578). */
#include "config.h"
#include <stdbool.h>
#include <string.h>
#include "ascii.h"
#include "multipart.h"
#include "sv.h"

#define MP_STR_(x) #x
#define MP_STR(x) MP_STR_(x)

enum mp_state {
    ST_PREAMBLE,   /* before the first delimiter: scanned like content, dropped */
    ST_LINE,       /* after a delimiter: "--", or transport padding and CRLF */
    ST_HEADERS,    /* collecting a part's header block */
    ST_CONTENT,    /* a part's content, passed to part_data */
    ST_EPILOGUE,   /* after the close delimiter: dropped */
};

/* Progress through the text after a delimiter. */
enum { LS_START, LS_DASH, LS_PAD, LS_CR };

static const char MSG_NONE[] = "no error";
static const char MSG_BAD_BOUNDARY[] = "the multipart boundary is invalid";
static const char MSG_TRUNCATED[] = "the multipart body ends before its closing boundary";
static const char MSG_AFTER_BOUNDARY[] =
    "a boundary in the multipart body is followed by something other than \"--\" or a line end";
static const char MSG_LINE_END[] = "a boundary line in the multipart body does not end in CRLF";
static const char MSG_TOO_MANY[] = "more than " MP_STR(MP_MAX_PARTS) " parts";
static const char MSG_HDR_TOOBIG[] =
    "a part's header block is longer than " MP_STR(MP_MAX_HEADER) " bytes";
static const char MSG_HDR_NUL[] = "a part header contains a NUL byte";
static const char MSG_HDR_BARE[] = "a part header contains a bare CR or LF (lines must end in CRLF)";
static const char MSG_HDR_FOLDED[] =
    "a part header line starts with whitespace (folded headers are not supported)";
static const char MSG_HDR_COLON[] = "a part header line has no colon";
static const char MSG_HDR_NONAME[] = "a part header line has an empty header name";
static const char MSG_DUP_DISP[] = "a part has two Content-Disposition headers";
static const char MSG_DUP_CT[] = "a part has two Content-Type headers";
static const char MSG_NO_DISP[] = "a part has no Content-Disposition header";
static const char MSG_NOT_FORM[] = "a part's Content-Disposition is not form-data";
static const char MSG_DISP_PARAM[] = "a part's Content-Disposition has a malformed parameter";
static const char MSG_DISP_QUOTE[] = "a part's Content-Disposition has an unterminated quoted string";
static const char MSG_DUP_NAME[] = "a part's Content-Disposition has two name parameters";
static const char MSG_DUP_FILENAME[] = "a part's Content-Disposition has two filename parameters";
static const char MSG_NO_NAME[] = "a part has no name";
static const char MSG_EMPTY_NAME[] = "a part has an empty name";

static bool is_ws(char c) { return c == ' ' || c == '\t'; }

static sv_t skip(sv_t s, size_t k) { return sv_make(s.p + k, s.len - k); }

static sv_t skip_ws(sv_t s)
{
    while (s.len && is_ws(s.p[0]))
        s = skip(s, 1);
    return s;
}

/* RFC 2046 bchars: DIGIT / ALPHA / ' ( ) + _ , - . / : = ? and space. */
static bool is_bchar(char c)
{
    return ascii_isalnum(c) || (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* 1..70 bchars, the last not a space. The parser relies on this: with no
 * CR in the boundary, a delimiter can only start at a CR. */
static bool boundary_ok(sv_t b)
{
    if (b.len == 0 || b.len > MP_MAX_BOUNDARY || b.p[b.len - 1] == ' ')
        return false;
    for (size_t i = 0; i < b.len; i++)
        if (!is_bchar(b.p[i]))
            return false;
    return true;
}

enum param_res { PARAM_END, PARAM_OK, PARAM_BAD, PARAM_QUOTE };

/* Reads the next "; name=value" of a header value from *rest, which is at
 * a ';' (or whitespace before one) or empty. Whitespace around ';' and '='
 * is skipped and empty parameters (";;", a trailing ';') are ignored. A
 * quoted value runs to the next '"' with no escapes (HTML5 form encoding,
 * which urllib3 follows, sends '"', CR and LF as %22, %0D and %0A); an
 * unquoted one runs to the next ';' and is trimmed. */
static enum param_res next_param(sv_t *rest, sv_t *name, sv_t *value)
{
    sv_t s = *rest;
    for (;;) {
        s = skip_ws(s);
        if (s.len == 0) {
            *rest = s;
            return PARAM_END;
        }
        if (s.p[0] != ';')
            return PARAM_BAD;
        s = skip_ws(skip(s, 1));
        if (s.len == 0 || s.p[0] != ';')
            break;
    }
    if (s.len == 0) {
        *rest = s;
        return PARAM_END;
    }
    size_t i = 0;
    while (i < s.len && s.p[i] != '=' && s.p[i] != ';' && !is_ws(s.p[i]))
        i++;
    *name = sv_make(s.p, i);
    s = skip_ws(skip(s, i));
    if (name->len == 0 || s.len == 0 || s.p[0] != '=')
        return PARAM_BAD;
    s = skip_ws(skip(s, 1));
    if (s.len && s.p[0] == '"') {
        const char *q = memchr(s.p + 1, '"', s.len - 1);
        if (!q)
            return PARAM_QUOTE;
        *value = sv_make(s.p + 1, (size_t)(q - s.p - 1));
        s = skip(s, (size_t)(q - s.p) + 1);
    } else {
        long semi = sv_index(s, ';');
        size_t j = semi < 0 ? s.len : (size_t)semi;
        *value = sv_trim(sv_make(s.p, j));
        s = skip(s, j);
    }
    *rest = s;
    return PARAM_OK;
}

static void err_msg(buf_t *err, const char *msg)
{
    if (err)
        (void)buf_append_str(err, msg);
}

enum pf_err mp_boundary(const char *content_type, char out[MP_MAX_BOUNDARY + 1], buf_t *err)
{
    sv_t rest = sv_cstr(content_type), name, value, boundary = { NULL, 0 };
    bool have = false;

    out[0] = '\0';
    if (sv_trim(rest).len == 0) {
        err_msg(err, "the request has no Content-Type");
        return PF_EINVAL;
    }
    long semi = sv_index(rest, ';');
    sv_t type = sv_trim(sv_make(rest.p, semi < 0 ? rest.len : (size_t)semi));
    if (!sv_ieq(type, SV_LIT("multipart/form-data"))) {
        err_msg(err, "the Content-Type is not multipart/form-data");
        return PF_EINVAL;
    }
    rest = skip(rest, (size_t)(type.p + type.len - rest.p));
    for (;;) {
        enum param_res r = next_param(&rest, &name, &value);
        if (r == PARAM_END)
            break;
        if (r != PARAM_OK) {
            err_msg(err, r == PARAM_QUOTE ? "the Content-Type has an unterminated quoted string"
                                          : "the Content-Type has a malformed parameter");
            return PF_EINVAL;
        }
        if (sv_ieq(name, SV_LIT("boundary"))) {
            if (have) {
                err_msg(err, "the Content-Type has two boundary parameters");
                return PF_EINVAL;
            }
            have = true;
            boundary = value;
        }
    }
    if (!have) {
        err_msg(err, "the Content-Type has no boundary parameter");
        return PF_EINVAL;
    }
    if (boundary.len == 0) {
        err_msg(err, "the multipart boundary is empty");
        return PF_EINVAL;
    }
    if (boundary.len > MP_MAX_BOUNDARY) {
        err_msg(err, "the multipart boundary is longer than " MP_STR(MP_MAX_BOUNDARY) " characters");
        return PF_EINVAL;
    }
    if (!boundary_ok(boundary)) {
        err_msg(err, "the multipart boundary has a character that RFC 2046 does not allow");
        return PF_EINVAL;
    }
    memcpy(out, boundary.p, boundary.len);
    out[boundary.len] = '\0';
    return PF_EOK;
}

void mp_init(struct mp_parser *mp, const char *boundary, const struct mp_callbacks *cb, void *ctx)
{
    sv_t b = sv_cstr(boundary);

    mp->state = ST_PREAMBLE;
    mp->line_state = LS_START;
    mp->err = PF_EOK;
    mp->msg = MSG_NONE;
    if (cb)
        mp->cb = *cb;
    else
        mp->cb = (struct mp_callbacks){ NULL, NULL, NULL };
    mp->ctx = ctx;
    mp->parts = 0;
    mp->hdr_len = 0;
    mp->dlen = 0;
    if (!boundary_ok(b)) {
        mp->err = PF_EINVAL;
        mp->msg = MSG_BAD_BOUNDARY;
        return;
    }
    memcpy(mp->delim, "\r\n--", 4);
    memcpy(mp->delim + 4, b.p, b.len);
    mp->dlen = 4 + b.len;
    /* The first delimiter may open the body with no CRLF before it: start
     * as if one had just been seen (it is preamble, so it is dropped). */
    memcpy(mp->hold, "\r\n", 2);
    mp->hold_len = 2;
}

/* Records the error; every later call returns it. A NULL msg (a callback's
 * error) takes the error code's generic text. */
static enum pf_err fail(struct mp_parser *mp, enum pf_err e, const char *msg)
{
    mp->err = e;
    mp->msg = msg ? msg : pf_strerror(e);
    return e;
}

/* Passes content bytes up; preamble bytes are dropped. */
static enum pf_err emit(struct mp_parser *mp, const char *p, size_t n)
{
    if (mp->state != ST_CONTENT || n == 0 || !mp->cb.part_data)
        return PF_EOK;
    enum pf_err e = mp->cb.part_data(mp->ctx, p, n);
    return e ? fail(mp, e, NULL) : PF_EOK;
}

/* A whole delimiter has been consumed: the open part, if any, is done. */
static enum pf_err at_delimiter(struct mp_parser *mp)
{
    bool in_part = mp->state == ST_CONTENT;

    mp->state = ST_LINE;
    mp->line_state = LS_START;
    if (in_part && mp->cb.part_end) {
        enum pf_err e = mp->cb.part_end(mp->ctx);
        if (e)
            return fail(mp, e, NULL);
    }
    return PF_EOK;
}

/* Content (or preamble): everything up to the next "\r\n--boundary". */
static enum pf_err feed_content(struct mp_parser *mp, const char *p, size_t n, size_t *used)
{
    enum pf_err e;

    if (mp->hold_len) {
        size_t want = mp->dlen - mp->hold_len, k = n < want ? n : want;
        if (memcmp(p, mp->delim + mp->hold_len, k) == 0) {
            if (k < want) {
                memcpy(mp->hold + mp->hold_len, p, k);
                mp->hold_len += k;
                *used = n;
                return PF_EOK;
            }
            mp->hold_len = 0;
            *used = k;
            return at_delimiter(mp);
        }
        /* The held bytes are a prefix of the delimiter, so only their
         * first is a CR; as no delimiter starts there, none starts in
         * them at all: they are content. */
        size_t h = mp->hold_len;
        mp->hold_len = 0;
        if ((e = emit(mp, mp->hold, h)))
            return e;
    }
    const char *hit = n >= mp->dlen ? memmem(p, n, mp->delim, mp->dlen) : NULL;
    if (hit) {
        if ((e = emit(mp, p, (size_t)(hit - p))))
            return e;
        *used = (size_t)(hit - p) + mp->dlen;
        return at_delimiter(mp);
    }
    /* A delimiter may begin in the last dlen-1 bytes and end in the next
     * chunk. It starts at a CR, and only the last CR there can start one:
     * an earlier one would have that later CR inside the boundary. */
    size_t tail = n < mp->dlen - 1 ? n : mp->dlen - 1, keep = 0;
    const char *cr = memrchr(p + n - tail, '\r', tail);
    if (cr && memcmp(cr, mp->delim, (size_t)(p + n - cr)) == 0)
        keep = (size_t)(p + n - cr);
    if ((e = emit(mp, p, n - keep)))
        return e;
    memcpy(mp->hold, p + n - keep, keep);
    mp->hold_len = keep;
    *used = n;
    return PF_EOK;
}

/* Reads the header block s[0..len) (whole lines, each ending in CRLF) for
 * the two headers a part may carry: *disp and *ct get their values, or a
 * NULL view when the header is absent. Bare LF line endings are refused
 * rather than tolerated: every client we serve sends CRLF, and a lone LF
 * inside a line would otherwise end up inside a value. */
static enum pf_err read_header_lines(struct mp_parser *mp, const char *s, size_t len, sv_t *disp, sv_t *ct)
{
    size_t i = 0;

    *disp = *ct = (sv_t){ NULL, 0 };
    if (memchr(s, '\0', len))
        return fail(mp, PF_EINVAL, MSG_HDR_NUL);
    while (i < len) {
        /* The block ends in CRLF, so a CR is always found. */
        const char *cr = memchr(s + i, '\r', len - i);
        size_t end = (size_t)(cr - s);
        if (end + 1 >= len || s[end + 1] != '\n')
            return fail(mp, PF_EINVAL, MSG_HDR_BARE);
        sv_t line = sv_make(s + i, end - i);
        i = end + 2;
        if (memchr(line.p, '\n', line.len))
            return fail(mp, PF_EINVAL, MSG_HDR_BARE);
        if (line.len && is_ws(line.p[0]))
            return fail(mp, PF_EINVAL, MSG_HDR_FOLDED);
        long colon = sv_index(line, ':');
        if (colon < 0)
            return fail(mp, PF_EINVAL, MSG_HDR_COLON);
        sv_t hname = sv_trim(sv_make(line.p, (size_t)colon));
        sv_t hvalue = sv_trim(skip(line, (size_t)colon + 1));
        if (hname.len == 0)
            return fail(mp, PF_EINVAL, MSG_HDR_NONAME);
        if (sv_ieq(hname, SV_LIT("Content-Disposition"))) {
            if (disp->p)
                return fail(mp, PF_EINVAL, MSG_DUP_DISP);
            *disp = hvalue;
        } else if (sv_ieq(hname, SV_LIT("Content-Type"))) {
            if (ct->p)
                return fail(mp, PF_EINVAL, MSG_DUP_CT);
            *ct = hvalue;
        }
        /* Other headers (Content-Transfer-Encoding, Content-Length...)
         * are ignored, as RFC 7578 4.7 and 4.8 allow. */
    }
    if (!disp->p)
        return fail(mp, PF_EINVAL, MSG_NO_DISP);
    return PF_EOK;
}

/* Reads a Content-Disposition value: form-data, with a non-empty name and
 * perhaps a filename (*filename gets a NULL view when there is none). */
static enum pf_err read_disposition(struct mp_parser *mp, sv_t disp, sv_t *name, sv_t *filename)
{
    long semi = sv_index(disp, ';');
    sv_t type = sv_trim(sv_make(disp.p, semi < 0 ? disp.len : (size_t)semi));
    if (!sv_ieq(type, SV_LIT("form-data")))
        return fail(mp, PF_EINVAL, MSG_NOT_FORM);
    sv_t rest = skip(disp, (size_t)(type.p + type.len - disp.p)), pname, pvalue;
    *name = *filename = (sv_t){ NULL, 0 };
    for (;;) {
        enum param_res r = next_param(&rest, &pname, &pvalue);
        if (r == PARAM_END)
            break;
        if (r != PARAM_OK)
            return fail(mp, PF_EINVAL, r == PARAM_QUOTE ? MSG_DISP_QUOTE : MSG_DISP_PARAM);
        /* filename* (RFC 2231) is not sent by clients (RFC 7578 4.2
         * forbids it); it is ignored like any other parameter. */
        if (sv_ieq(pname, SV_LIT("name"))) {
            if (name->p)
                return fail(mp, PF_EINVAL, MSG_DUP_NAME);
            *name = pvalue;
        } else if (sv_ieq(pname, SV_LIT("filename"))) {
            if (filename->p)
                return fail(mp, PF_EINVAL, MSG_DUP_FILENAME);
            *filename = pvalue;
        }
    }
    if (!name->p)
        return fail(mp, PF_EINVAL, MSG_NO_NAME);
    if (name->len == 0)
        return fail(mp, PF_EINVAL, MSG_EMPTY_NAME);
    return PF_EOK;
}

/* Parses the header block s[0..len) into part; the values are
 * NUL-terminated in place. */
static enum pf_err parse_headers(struct mp_parser *mp, char *s, size_t len, struct mp_part *part)
{
    sv_t disp, ct, name, filename;
    enum pf_err e = read_header_lines(mp, s, len, &disp, &ct);
    if (!e)
        e = read_disposition(mp, disp, &name, &filename);
    if (e)
        return e;

    /* Each value is followed, inside the block, by its closing quote, a
     * ';', whitespace or the line's CR, none of which another value
     * starts at: terminating them in place overwrites nothing still
     * needed. */
    ((char *)name.p)[name.len] = '\0';
    part->name = name.p;
    part->filename = NULL;
    part->content_type = NULL;
    if (filename.p) {
        ((char *)filename.p)[filename.len] = '\0';
        part->filename = filename.p;
    }
    if (ct.p) {
        ((char *)ct.p)[ct.len] = '\0';
        part->content_type = ct.p;
    }
    return PF_EOK;
}

/* The header block is complete (mp->hdr_len bytes after the lead-in). */
static enum pf_err end_headers(struct mp_parser *mp)
{
    struct mp_part part;
    /* The last 2 bytes are the empty line's CRLF. */
    enum pf_err e = parse_headers(mp, mp->hdr + 2, mp->hdr_len - 2, &part);
    if (e)
        return e;
    mp->state = ST_CONTENT;
    mp->hold_len = 0;
    if (mp->cb.part_begin && (e = mp->cb.part_begin(mp->ctx, &part)))
        return fail(mp, e, NULL);
    return PF_EOK;
}

/* Collects a header block up to and including the empty line. */
static enum pf_err feed_headers(struct mp_parser *mp, const char *p, size_t n, size_t *used)
{
    size_t old = mp->hdr_len, room = MP_MAX_HEADER - old, k = n < room ? n : room;

    memcpy(mp->hdr + 2 + old, p, k);
    /* hdr starts with the CRLF that ended the boundary line, so an empty
     * block is "\r\n\r\n" too. A terminator not found before ends at a new
     * byte, so starts at most 3 bytes before it. */
    size_t from = old ? old - 1 : 0, total = 2 + old + k;
    const char *end = memmem(mp->hdr + from, total - from, "\r\n\r\n", 4);
    if (!end) {
        mp->hdr_len = old + k;
        if (mp->hdr_len == MP_MAX_HEADER)
            return fail(mp, PF_ETOOBIG, MSG_HDR_TOOBIG);
        *used = k;
        return PF_EOK;
    }
    size_t stop = (size_t)(end - mp->hdr) + 4; /* bytes of hdr that are the block */
    *used = stop - (2 + old);
    mp->hdr_len = stop - 2;
    return end_headers(mp);
}

/* The few bytes after a delimiter, taken one at a time. */
static enum pf_err feed_line(struct mp_parser *mp, const char *p, size_t n, size_t *used)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        switch (mp->line_state) {
        case LS_START:
        case LS_PAD:
            if (c == '-' && mp->line_state == LS_START)
                mp->line_state = LS_DASH;
            else if (is_ws(c))
                mp->line_state = LS_PAD;
            else if (c == '\r')
                mp->line_state = LS_CR;
            else
                return fail(mp, PF_EINVAL, MSG_AFTER_BOUNDARY);
            break;
        case LS_DASH:
            if (c != '-')
                return fail(mp, PF_EINVAL, MSG_AFTER_BOUNDARY);
            mp->state = ST_EPILOGUE;
            *used = i + 1;
            return PF_EOK;
        default: /* LS_CR */
            if (c != '\n')
                return fail(mp, PF_EINVAL, MSG_LINE_END);
            if (mp->parts == MP_MAX_PARTS)
                return fail(mp, PF_ETOOBIG, MSG_TOO_MANY);
            mp->parts++;
            mp->state = ST_HEADERS;
            mp->hdr_len = 0;
            memcpy(mp->hdr, "\r\n", 2);
            *used = i + 1;
            return PF_EOK;
        }
    }
    *used = n;
    return PF_EOK;
}

enum pf_err mp_feed(struct mp_parser *mp, const char *p, size_t n)
{
    while (mp->err == PF_EOK && n) {
        size_t used = n;
        enum pf_err e = PF_EOK;
        switch (mp->state) {
        case ST_PREAMBLE:
        case ST_CONTENT:
            e = feed_content(mp, p, n, &used);
            break;
        case ST_LINE:
            e = feed_line(mp, p, n, &used);
            break;
        case ST_HEADERS:
            e = feed_headers(mp, p, n, &used);
            break;
        default: /* ST_EPILOGUE: ignored */
            break;
        }
        if (e)
            return e;
        p += used;
        n -= used;
    }
    return mp->err;
}

enum pf_err mp_finish(struct mp_parser *mp)
{
    if (mp->err == PF_EOK && mp->state != ST_EPILOGUE)
        return fail(mp, PF_EINVAL, MSG_TRUNCATED);
    return mp->err;
}

const char *mp_error(const struct mp_parser *mp) { return mp->msg; }
