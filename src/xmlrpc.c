/* SPDX-License-Identifier: MIT */
/* xmlrpc.c: the XML-RPC methodCall reader (expat, no DTD ever), the search query, the answers (see xmlrpc.h). */
#include "config.h"
#include "xmlrpc.h"
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ascii.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* The elements of a methodCall; E_OTHER is any other name. */
enum el { E_OTHER, E_CALL, E_METHOD, E_PARAMS, E_PARAM, E_VALUE, E_STRING, E_STRUCT, E_MEMBER, E_NAME, E_ARRAY, E_DATA };

static const char *const el_names[] = {
    [E_CALL] = "methodCall", [E_METHOD] = "methodName", [E_PARAMS] = "params", [E_PARAM] = "param",
    [E_VALUE] = "value",     [E_STRING] = "string",     [E_STRUCT] = "struct", [E_MEMBER] = "member",
    [E_NAME] = "name",       [E_ARRAY] = "array",       [E_DATA] = "data",
};

/* The other XML-RPC types, named in the message that refuses them. */
static const char *const other_types[] = { "int", "i4", "i8", "boolean", "double", "dateTime.iso8601", "base64", "nil" };

/* Where a <value> is: what it may hold depends on it. */
enum where { IN_PARAM, IN_MEMBER, IN_ARRAY };

struct frame {
    enum el el;
    enum where where;    /* of a value */
    unsigned children;   /* child elements opened so far */
    bool typed;          /* a value: its type element was seen */
    size_t text;         /* where this element's text starts in the store */
};

struct parser {
    XML_Parser xp;
    struct xmlrpc_call *call;
    struct frame stack[XMLRPC_MAX_DEPTH];
    unsigned depth;
    size_t used, cap; /* of call->store */
    sv_t member;      /* the name of the member being read */
    bool in_member, have_method;
    enum pf_err err;
};

/* Records the first failure, with its message, and stops expat. */
static void fail(struct parser *ps, enum pf_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct parser *ps, enum pf_err err, const char *fmt, ...)
{
    if (ps->err)
        return;
    ps->err = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->call->msg, sizeof ps->call->msg, fmt, ap);
    va_end(ap);
    XML_StopParser(ps->xp, XML_FALSE);
}

/* An element name for a message: printable ASCII, cut at 40 bytes. */
static void msg_name(const char *name, char out[48])
{
    size_t n = 0;
    for (; name[n] && n < 40; n++)
        out[n] = name[n] > ' ' && name[n] < 127 ? name[n] : '?';
    out[n] = '\0';
    if (name[n])
        memcpy(out + n, "...", 4);
}

static enum el el_of(const char *name)
{
    for (size_t i = 1; i < sizeof el_names / sizeof el_names[0]; i++)
        if (strcmp(name, el_names[i]) == 0)
            return (enum el)i;
    return E_OTHER;
}

/* True when el may open inside top (which is NULL at the document's top). */
static bool allowed(const struct parser *ps, const struct frame *top, enum el el)
{
    if (!top)
        return el == E_CALL;
    switch (top->el) {
    case E_CALL: return (el == E_METHOD && !ps->have_method) || (el == E_PARAMS && top->children == 1);
    case E_PARAMS: return el == E_PARAM;
    case E_PARAM: return el == E_VALUE && top->children == 0;
    case E_VALUE:
        if (top->typed)
            return false;
        return el == E_STRING || (el == E_STRUCT && top->where == IN_PARAM) ||
               (el == E_ARRAY && top->where != IN_ARRAY);
    case E_STRUCT: return el == E_MEMBER;
    case E_MEMBER: return (el == E_NAME && top->children == 0) || (el == E_VALUE && top->children == 1);
    case E_ARRAY: return el == E_DATA && top->children == 0;
    case E_DATA: return el == E_VALUE;
    default: return false;
    }
}

static void refuse_element(struct parser *ps, const struct frame *top, const char *name)
{
    char n[48], t[48];
    msg_name(name, n);
    for (size_t i = 0; i < sizeof other_types / sizeof other_types[0]; i++)
        if (strcmp(name, other_types[i]) == 0) {
            fail(ps, PF_EINVAL, "an XML-RPC value of type <%s> is not supported here: a search takes strings", n);
            return;
        }
    if (!top) {
        fail(ps, PF_EINVAL, "the document is a <%s>, not an XML-RPC <methodCall>", n);
        return;
    }
    msg_name(top->el == E_OTHER ? "?" : el_names[top->el], t);
    if (top->el == E_VALUE && (el_of(name) == E_STRUCT || el_of(name) == E_ARRAY))
        fail(ps, PF_EINVAL, "a <%s> is not allowed at this depth: a search takes a struct of strings or arrays "
                            "of strings, and an operator string", n);
    else
        fail(ps, PF_EINVAL, "<%s> is not allowed at this place in <%s>: the call is not the XML-RPC "
                            "methodCall a search is", n, t);
}

static bool all_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

static void XMLCALL on_start(void *ctx, const XML_Char *name, const XML_Char **atts)
{
    struct parser *ps = ctx;
    if (ps->err)
        return;
    struct frame *top = ps->depth ? &ps->stack[ps->depth - 1] : NULL;
    if (ps->depth == XMLRPC_MAX_DEPTH) {
        fail(ps, PF_ETOOBIG, "the XML nests deeper than " STR(XMLRPC_MAX_DEPTH) " elements");
        return;
    }
    enum el el = el_of(name);
    if (el == E_OTHER || !allowed(ps, top, el)) {
        refuse_element(ps, top, name);
        return;
    }
    if (atts[0]) {
        char n[48];
        msg_name(name, n);
        fail(ps, PF_EINVAL, "<%s> has attributes: XML-RPC elements have none", n);
        return;
    }
    if (el == E_PARAM && ps->call->nparams == XMLRPC_MAX_PARAMS) {
        fail(ps, PF_ETOOBIG, "the call has more than " STR(XMLRPC_MAX_PARAMS) " params");
        return;
    }
    if (top) {
        top->children++;
        if (top->el == E_VALUE) {
            /* Text before the type element is no part of the value, and
             * may only be whitespace. */
            if (!all_space(ps->call->store + top->text, ps->used - top->text)) {
                fail(ps, PF_EINVAL, "a <value> holds both text and a type element");
                return;
            }
            top->typed = true;
            ps->used = top->text;
            if (top->where == IN_PARAM)
                ps->call->kinds[ps->call->nparams - 1] = el == E_STRING ? XMLRPC_STRING
                                                         : el == E_STRUCT ? XMLRPC_STRUCT
                                                                          : XMLRPC_ARRAY;
        }
    }
    if (el == E_PARAM)
        ps->call->nparams++;
    if (el == E_MEMBER) {
        ps->in_member = true;
        ps->member = sv_make(NULL, 0);
    }
    struct frame *f = &ps->stack[ps->depth++];
    *f = (struct frame){ .el = el, .text = ps->used };
    if (el == E_VALUE)
        f->where = top->el == E_PARAM ? IN_PARAM : top->el == E_MEMBER ? IN_MEMBER : IN_ARRAY;
}

/* The text of the element f closes, checked against the cap on one. */
static bool text_of(struct parser *ps, const struct frame *f, sv_t *out)
{
    size_t n = ps->used - f->text;
    if (ps->used >= ps->cap) {
        fail(ps, PF_ETOOBIG, "the call's text is larger than its body");
        return false;
    }
    if (n > XMLRPC_MAX_STRING) {
        fail(ps, PF_ETOOBIG, "a string in the call is longer than " STR(XMLRPC_MAX_STRING) " bytes");
        return false;
    }
    /* Each text is NUL-terminated in the store (the store has room: see
     * xmlrpc_parse), so a method name can be printed. */
    ps->call->store[ps->used++] = '\0';
    *out = sv_make(ps->call->store + f->text, n);
    return true;
}

static void add_string(struct parser *ps, sv_t text)
{
    struct xmlrpc_call *c = ps->call;
    if (c->nstrings == XMLRPC_MAX_STRINGS) {
        fail(ps, PF_ETOOBIG, "the call has more than " STR(XMLRPC_MAX_STRINGS) " strings");
        return;
    }
    c->strings[c->nstrings++] = (struct xmlrpc_string){
        .param = c->nparams - 1,
        .member = ps->in_member ? ps->member : sv_make(NULL, 0),
        .text = text,
    };
}

static void XMLCALL on_end(void *ctx, const XML_Char *name)
{
    struct parser *ps = ctx;
    if (ps->err)
        return;
    struct frame *f = &ps->stack[--ps->depth];
    sv_t text;
    switch (f->el) {
    case E_METHOD:
        if (!text_of(ps, f, &text))
            return;
        if (!text.len) {
            fail(ps, PF_EINVAL, "the <methodName> is empty");
            return;
        }
        ps->call->method = text;
        ps->have_method = true;
        break;
    case E_NAME:
        if (text_of(ps, f, &text))
            ps->member = text;
        break;
    case E_STRING:
        if (text_of(ps, f, &text))
            add_string(ps, text);
        break;
    case E_VALUE:
        if (f->typed)
            break;
        /* A value without a type element is a string. */
        if (!text_of(ps, f, &text))
            return;
        if (f->where == IN_PARAM)
            ps->call->kinds[ps->call->nparams - 1] = XMLRPC_STRING;
        add_string(ps, text);
        break;
    case E_MEMBER:
        if (f->children != 2) {
            fail(ps, PF_EINVAL, "a struct <member> needs a <name> and a <value>");
            return;
        }
        ps->in_member = false;
        break;
    case E_PARAM:
        if (!f->children)
            fail(ps, PF_EINVAL, "a <param> has no <value>");
        break;
    case E_CALL:
        if (!ps->have_method)
            fail(ps, PF_EINVAL, "the <methodCall> has no <methodName>");
        break;
    default: break;
    }
}

static void XMLCALL on_text(void *ctx, const XML_Char *s, int len)
{
    struct parser *ps = ctx;
    if (ps->err || len <= 0)
        return;
    struct frame *top = ps->depth ? &ps->stack[ps->depth - 1] : NULL;
    bool holds = top && (top->el == E_METHOD || top->el == E_NAME || top->el == E_STRING ||
                         (top->el == E_VALUE && !top->typed));
    if (!holds || (top->el == E_VALUE && top->children)) {
        if (!all_space(s, (size_t)len)) {
            char n[48];
            msg_name(top ? el_names[top->el] : "?", n);
            fail(ps, PF_EINVAL, "text is not allowed directly in <%s>", n);
        }
        return;
    }
    /* One byte stays free for each text's NUL (text_of). */
    if ((size_t)len + 1 > ps->cap - ps->used) {
        fail(ps, PF_ETOOBIG, "the call's text is larger than its body");
        return;
    }
    memcpy(ps->call->store + ps->used, s, (size_t)len);
    ps->used += (size_t)len;
}

/* Any DOCTYPE is refused as it starts: no entity can be declared, hence
 * none expanded (billion laughs) or fetched (external entities). */
static void XMLCALL on_doctype(void *ctx, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    fail(ctx, PF_EINVAL, "the call has a DOCTYPE: XML-RPC calls have none, and DTDs are not read here");
}

static void XMLCALL on_entity_decl(void *ctx, const XML_Char *name, int is_param, const XML_Char *value,
                                   int value_len, const XML_Char *base, const XML_Char *sysid,
                                   const XML_Char *pubid, const XML_Char *notation)
{
    fail(ctx, PF_EINVAL, "the call declares an entity: DTDs are not read here");
}

static int XMLCALL on_external_entity(XML_Parser p, const XML_Char *context, const XML_Char *base,
                                      const XML_Char *sysid, const XML_Char *pubid)
{
    return XML_STATUS_ERROR;
}

static void XMLCALL on_pi(void *ctx, const XML_Char *target, const XML_Char *data)
{
    fail(ctx, PF_EINVAL, "the call has a processing instruction: XML-RPC calls have none");
}

enum pf_err xmlrpc_parse(sv_t body, struct xmlrpc_call *call)
{
    memset(call, 0, sizeof *call);
    if (body.len > XMLRPC_MAX_BODY) {
        snprintf(call->msg, sizeof call->msg, "the call is larger than %d bytes", XMLRPC_MAX_BODY);
        return PF_ETOOBIG;
    }
    /* Text never takes more room than the markup it came in (no entity
     * is declared, and the predefined ones and character references are
     * longer than what they stand for), plus one NUL per text: two bytes
     * of markup at least ("<a>" opens each element that holds text). */
    struct parser ps = { .call = call, .cap = body.len + 1 };
    call->store = malloc(ps.cap);
    /* The declared encoding is overridden: the bytes must be UTF-8. */
    ps.xp = call->store ? XML_ParserCreate("UTF-8") : NULL;
    if (!ps.xp) {
        snprintf(call->msg, sizeof call->msg, "out of memory");
        return PF_ENOMEM;
    }
    XML_SetUserData(ps.xp, &ps);
    XML_SetParamEntityParsing(ps.xp, XML_PARAM_ENTITY_PARSING_NEVER);
    XML_SetElementHandler(ps.xp, on_start, on_end);
    XML_SetCharacterDataHandler(ps.xp, on_text);
    XML_SetStartDoctypeDeclHandler(ps.xp, on_doctype);
    XML_SetEntityDeclHandler(ps.xp, on_entity_decl);
    XML_SetExternalEntityRefHandler(ps.xp, on_external_entity);
    XML_SetProcessingInstructionHandler(ps.xp, on_pi);
    if (XML_Parse(ps.xp, body.p, (int)body.len, XML_TRUE) != XML_STATUS_OK && !ps.err) {
        enum XML_Error xe = XML_GetErrorCode(ps.xp);
        ps.err = PF_EINVAL;
        snprintf(call->msg, sizeof call->msg, "the call is not well-formed UTF-8 XML: %s (line %lu, column %lu)",
                 XML_ErrorString(xe), (unsigned long)XML_GetCurrentLineNumber(ps.xp),
                 (unsigned long)XML_GetCurrentColumnNumber(ps.xp));
    }
    XML_ParserFree(ps.xp);
    return ps.err;
}

void xmlrpc_call_free(struct xmlrpc_call *call)
{
    free(call->store);
    call->store = NULL;
}

/* ---- the search query ---- */

/* Lowercases a string of the call in place; for the name field, also
 * folds runs of '-', '_' and '.' into one '-' (PEP 503), as the names it
 * is compared with are. */
static sv_t fold(sv_t s, bool name)
{
    char *p = (char *)s.p;
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = ascii_tolower(p[i]);
        if (name && (c == '-' || c == '_' || c == '.')) {
            if (n && p[n - 1] == '-')
                continue;
            c = '-';
        }
        p[n++] = c;
    }
    return sv_make(p, n);
}

enum pf_err xmlrpc_search_query(struct xmlrpc_call *call, struct xmlrpc_query *q, char *msg)
{
    memset(q, 0, sizeof *q);
    if (call->nparams < 1 || call->nparams > 2 || call->kinds[0] != XMLRPC_STRUCT ||
        (call->nparams == 2 && call->kinds[1] != XMLRPC_STRING)) {
        snprintf(msg, XMLRPC_MAX_MSG, "search takes a struct of field name to terms, and an optional operator "
                                      "string (\"and\" or \"or\")");
        return PF_EINVAL;
    }
    for (size_t i = 0; i < call->nstrings; i++) {
        struct xmlrpc_string *s = &call->strings[i];
        if (s->param == 1) {
            q->any = sv_ieq(s->text, SV_LIT("or"));
            if (!q->any && !sv_ieq(s->text, SV_LIT("and"))) {
                snprintf(msg, XMLRPC_MAX_MSG, "the search operator must be \"and\" or \"or\"");
                return PF_EINVAL;
            }
            continue;
        }
        unsigned field = sv_eq(s->member, SV_LIT("name"))      ? XMLRPC_FIELD_NAME
                         : sv_eq(s->member, SV_LIT("summary")) ? XMLRPC_FIELD_SUMMARY
                                                               : 0;
        if (!field) {
            snprintf(msg, XMLRPC_MAX_MSG, "this index searches the fields \"name\" and \"summary\" only");
            return PF_EINVAL;
        }
        q->terms[q->nterms++] = (struct xmlrpc_term){ field, fold(s->text, field == XMLRPC_FIELD_NAME) };
    }
    if (!q->nterms) {
        snprintf(msg, XMLRPC_MAX_MSG, "the search has no term");
        return PF_EINVAL;
    }
    return PF_EOK;
}

bool xmlrpc_term_in(sv_t term, sv_t hay)
{
    return !term.len || (term.len <= hay.len && memmem(hay.p, hay.len, term.p, term.len));
}

enum pf_err xmlrpc_lower(buf_t *out, sv_t s)
{
    for (size_t i = 0; i < s.len; i++)
        (void)buf_append_char(out, ascii_tolower(s.p[i]));
    return buf_err(out);
}

/* ---- the answers ---- */

/* The length of the UTF-8 sequence at p (n bytes left) when it encodes a
 * character XML 1.0 allows, else 0. */
static size_t xml_char_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? 1 : 0;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    /* Overlong forms, surrogates, U+FFFE and U+FFFF, past U+10FFFF. */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF) ||
        cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return len;
}

enum pf_err xmlrpc_escape(buf_t *out, sv_t s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; i < s.len;) {
        size_t n = xml_char_len(p + i, s.len - i);
        if (!n) {
            (void)buf_append_str(out, "\xEF\xBF\xBD");
            i++;
            continue;
        }
        switch (p[i]) {
        case '&': (void)buf_append_str(out, "&amp;"); break;
        case '<': (void)buf_append_str(out, "&lt;"); break;
        case '>': (void)buf_append_str(out, "&gt;"); break;
        /* A raw CR would be read back as LF. */
        case '\r': (void)buf_append_str(out, "&#13;"); break;
        default: (void)buf_append(out, p + i, n); break;
        }
        i += n;
    }
    return buf_err(out);
}

enum pf_err xmlrpc_hits_begin(buf_t *out)
{
    return buf_append_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n<params>\n<param>\n"
                               "<value><array><data>\n");
}

static void member(buf_t *out, const char *name, sv_t value)
{
    (void)buf_printf(out, "<member><name>%s</name><value><string>", name);
    (void)xmlrpc_escape(out, value);
    (void)buf_append_str(out, "</string></value></member>\n");
}

enum pf_err xmlrpc_hit(buf_t *out, sv_t name, sv_t version, sv_t summary)
{
    (void)buf_append_str(out, "<value><struct>\n");
    member(out, "name", name);
    member(out, "version", version);
    member(out, "summary", summary);
    return buf_append_str(out, "</struct></value>\n");
}

enum pf_err xmlrpc_hits_end(buf_t *out)
{
    return buf_append_str(out, "</data></array></value>\n</param>\n</params>\n</methodResponse>\n");
}

enum pf_err xmlrpc_fault(buf_t *out, int code, const char *msg)
{
    (void)buf_printf(out,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n<fault>\n<value><struct>\n"
                     "<member><name>faultCode</name><value><int>%d</int></value></member>\n"
                     "<member><name>faultString</name><value><string>",
                     code);
    (void)xmlrpc_escape(out, sv_cstr(msg));
    return buf_append_str(out, "</string></value></member>\n</struct></value>\n</fault>\n</methodResponse>\n");
}
