/* SPDX-License-Identifier: MIT */
/* upstream_page_html.c: an upstream's PEP 503 HTML project page, read with libxml2's SAX interface. */
#include "config.h"
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <stdlib.h>
#include <string.h>
#include "upstream_page_int.h"

/* The options: no network, no error or warning output. The HTML parser
 * reads no DTD, so no entity is ever declared, expanded or fetched; HTML's
 * own named entities and character references are decoded. */
#define HTML_OPTIONS (HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING)

/* True when s[0..n) is UTF-8 (no overlong forms, surrogates or code points
 * past U+10FFFF). */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80                 ? 1
                     : c >= 0xC2 && c <= 0xDF ? 2
                     : c >= 0xE0 && c <= 0xEF ? 3
                     : c >= 0xF0 && c <= 0xF4 ? 4
                                              : 0;
        if (!len || n - i < len)
            return false;
        unsigned cp = len == 1 ? c : c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += len;
    }
    return true;
}

/* One pass of the SAX reader over the page: no tree is built, so the
 * memory a page costs does not grow with its elements (a tree of 16 MiB of
 * "<p>" takes some 900 MiB). */
struct html_pass {
    struct up_ctx *c;
    htmlParserCtxtPtr ctxt;
    bool anchors; /* the second pass: the files; the first: base and meta */
    bool have_base;
    char *base;     /* the first <base href>, malloc'd */
    unsigned depth; /* elements open */
    enum pf_err err;
};

/* The value of attribute name in atts (name, value, ..., NULL): "" for one
 * without a value, NULL when absent. */
static const char *attr(const xmlChar **atts, const char *name)
{
    for (size_t i = 0; atts && atts[i]; i += 2)
        if (strcmp((const char *)atts[i], name) == 0)
            return atts[i + 1] ? (const char *)atts[i + 1] : "";
    return NULL;
}

static sv_t trim(sv_t s)
{
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\n' || s.p[0] == '\r' || s.p[0] == '\f'))
        s.p++, s.len--;
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' || s.p[s.len - 1] == '\n' ||
                     s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\f'))
        s.len--;
    return s;
}

static sv_t opt_sv(const char *s)
{
    return s ? sv_cstr(s) : sv_make(NULL, 0);
}

static void stop(struct html_pass *ps, enum pf_err err)
{
    ps->err = err;
    xmlStopParser(ps->ctxt);
}

/* The first <base href> (as pip takes it, wherever it is) and PEP 629's
 * <meta name="pypi:repository-version">, whose major version must be 1. */
static void read_head(struct html_pass *ps, const char *name, const xmlChar **atts)
{
    if (!ps->have_base && strcmp(name, "base") == 0 && attr(atts, "href")) {
        ps->have_base = true;
        if (!(ps->base = strdup(attr(atts, "href"))))
            stop(ps, buf_refuse(ps->c->err, PF_ENOMEM, "out of memory"));
        return;
    }
    const char *meta = strcmp(name, "meta") == 0 ? attr(atts, "name") : NULL, *v = attr(atts, "content");
    if (!meta || !v || strcmp(meta, "pypi:repository-version") != 0)
        return;
    sv_t s = trim(sv_cstr(v)), major = sv_split(&s, '.');
    if (!sv_eq(major, SV_LIT("1"))) {
        char shown[48];
        up_show(trim(sv_cstr(v)), shown);
        stop(ps, buf_refuse(ps->c->err, PF_ECORRUPT,
                         "the page's pypi:repository-version is \"%s\": only version 1.x is read", shown));
    }
}

/* data-core-metadata or data-dist-info-metadata: "true" or "<hash>=<hex>". */
static void read_metadata(sv_t v, struct up_entry *e)
{
    if (sv_eq(v, SV_LIT("true"))) {
        e->core_metadata = true;
        return;
    }
    long eq = sv_index(v, '=');
    if (eq <= 0)
        return;
    e->core_metadata = true;
    if (sv_eq(sv_make(v.p, (size_t)eq), SV_LIT("sha256")))
        e->core_metadata_sha256 = sv_make(v.p + eq + 1, v.len - (size_t)eq - 1);
}

/* One <a> with an href: a file. Its filename is taken from the URL, as pip
 * does (filename .p NULL). */
static void read_anchor(struct html_pass *ps, const xmlChar **atts)
{
    struct up_ctx *c = ps->c;
    if (c->nentries == UP_MAX_FILES) {
        stop(ps, buf_refuse(c->err, PF_ETOOBIG, "the page has more than %d links", UP_MAX_FILES));
        return;
    }
    struct up_entry e = { .index = c->nentries++, .size = -1, .upload_time_usec = -1, .fragment_hash = true };
    const char *y = attr(atts, "data-yanked"), *cm = attr(atts, "data-core-metadata");
    if (!cm)
        cm = attr(atts, "data-dist-info-metadata");
    e.href = trim(sv_cstr(attr(atts, "href")));
    e.requires_python = opt_sv(attr(atts, "data-requires-python"));
    e.yanked = y != NULL;
    e.yank_reason = opt_sv(y);
    if (cm)
        read_metadata(trim(sv_cstr(cm)), &e);
    enum pf_err err = up_add(c, &e);
    if (err)
        stop(ps, err);
}

/* The HTML parser gives element and attribute names in lower case, values
 * with entities and character references decoded. */
static void on_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    struct html_pass *ps = ctx;
    if (ps->err)
        return;
    if (++ps->depth > UP_MAX_HTML_DEPTH) {
        stop(ps, buf_refuse(ps->c->err, PF_ETOOBIG, "the page's HTML nests deeper than %d elements", UP_MAX_HTML_DEPTH));
        return;
    }
    if (!ps->anchors)
        read_head(ps, (const char *)name, atts);
    else if (strcmp((const char *)name, "a") == 0 && attr(atts, "href"))
        read_anchor(ps, atts);
}

static void on_end(void *ctx, const xmlChar *name)
{
    struct html_pass *ps = ctx;
    if (ps->depth)
        ps->depth--;
}

/* One pass over the page. */
static enum pf_err html_pass(struct html_pass *ps, const char *body, size_t len)
{
    htmlParserCtxtPtr ctxt = htmlCreateMemoryParserCtxt(body, (int)len);
    htmlSAXHandler *sax = ctxt ? xmlMalloc(sizeof *sax) : NULL;
    if (!sax) {
        htmlFreeParserCtxt(ctxt);
        return buf_refuse(ps->c->err, PF_ENOMEM, "out of memory");
    }
    /* Only elements' starts are wanted: without the other callbacks no
     * document is built. The context frees the handler. */
    memset(sax, 0, sizeof *sax);
    sax->startElement = on_start;
    sax->endElement = on_end;
    xmlFree(ctxt->sax);
    ctxt->sax = (xmlSAXHandlerPtr)sax;
    ctxt->userData = ps;
    ps->ctxt = ctxt;
    htmlCtxtUseOptions(ctxt, HTML_OPTIONS);
    /* The page is UTF-8 (checked): with a converter set, a <meta charset>
     * in it does not switch the parser to another encoding. */
    xmlCharEncodingHandlerPtr utf8 = xmlFindCharEncodingHandler("UTF-8");
    if (utf8)
        xmlSwitchToEncoding(ctxt, utf8);
    htmlParseDocument(ctxt);
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    htmlFreeParserCtxt(ctxt);
    return ps->err;
}

enum pf_err up_read_html(struct up_ctx *c, const char *body, size_t len)
{
    if (memchr(body, '\0', len))
        return buf_refuse(c->err, PF_ECORRUPT, "the page holds a NUL byte");
    if (!utf8_valid((const unsigned char *)body, len))
        return buf_refuse(c->err, PF_ECORRUPT, "the page is not UTF-8");
    if (!len)
        return buf_refuse(c->err, PF_ECORRUPT, "the page is empty");
    up_page_init();
    struct html_pass ps = { .c = c };
    enum pf_err err = html_pass(&ps, body, len);
    if (!err && ps.base)
        up_set_base(c, trim(sv_cstr(ps.base)));
    free(ps.base);
    if (!err) {
        ps = (struct html_pass){ .c = c, .anchors = true };
        err = html_pass(&ps, body, len);
    }
    return err;
}
