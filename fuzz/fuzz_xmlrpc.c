/* SPDX-License-Identifier: MIT */
/* fuzz_xmlrpc.c: libFuzzer harness for the XML-RPC reader and writers (xmlrpc_parse, xmlrpc_search_query, xmlrpc_escape). */
#include "config.h"
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "fuzzutil.h"
#include "xmlrpc.h"

/* Input: the body of a call, as is. Checks: xmlrpc_parse answers
 * PF_EOK, PF_EINVAL or PF_ETOOBIG, and a failure has a message of
 * printable ASCII; a call read has every cap kept (params, strings, their
 * lengths), no NUL in a text, each string in a param that exists, and
 * each param's kind one of the three. Round trip: the call written again
 * in one canonical form (every text escaped by xmlrpc_escape) reads back
 * as the same method, kinds and strings. xmlrpc_search_query, when it
 * takes the call, gives terms lowercased, name terms folded (no '_', '.'
 * or "--"). The input is also escaped with xmlrpc_escape: inside an
 * element, expat must read it as well-formed XML, and as the input itself
 * when nothing had to be replaced by U+FFFD. */

static size_t count(sv_t s, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (const char *p = s.p, *end = s.p + s.len; (p = memmem(p, (size_t)(end - p), needle, k)); p += k)
        n++;
    return n;
}

static void check_call(const struct xmlrpc_call *c)
{
    FU_CHECK(c->method.len > 0 && c->method.len <= XMLRPC_MAX_STRING);
    FU_CHECK(c->nparams <= XMLRPC_MAX_PARAMS && c->nstrings <= XMLRPC_MAX_STRINGS);
    for (unsigned i = 0; i < c->nparams; i++)
        FU_CHECK(c->kinds[i] == XMLRPC_STRING || c->kinds[i] == XMLRPC_STRUCT || c->kinds[i] == XMLRPC_ARRAY);
    for (size_t i = 0; i < c->nstrings; i++) {
        const struct xmlrpc_string *s = &c->strings[i];
        FU_CHECK(s->param < c->nparams);
        FU_CHECK(s->text.len <= XMLRPC_MAX_STRING && s->member.len <= XMLRPC_MAX_STRING);
        FU_CHECK(!memchr(s->text.p, '\0', s->text.len));
        FU_CHECK(c->kinds[s->param] == XMLRPC_STRUCT ? s->member.len || s->member.p : !s->member.p);
    }
}

/* The call in the one canonical form: each struct string as a member of
 * its own holding an array of one string. */
static void write_call(const struct xmlrpc_call *c, buf_t *out)
{
    (void)buf_append_str(out, "<?xml version=\"1.0\"?><methodCall><methodName>");
    (void)xmlrpc_escape(out, c->method);
    (void)buf_append_str(out, "</methodName><params>");
    for (unsigned p = 0; p < c->nparams; p++) {
        (void)buf_append_str(out, "<param><value>");
        (void)buf_append_str(out, c->kinds[p] == XMLRPC_STRUCT ? "<struct>" : c->kinds[p] == XMLRPC_ARRAY ? "<array><data>" : "");
        for (size_t i = 0; i < c->nstrings; i++) {
            const struct xmlrpc_string *s = &c->strings[i];
            if (s->param != p)
                continue;
            if (c->kinds[p] == XMLRPC_STRUCT) {
                (void)buf_append_str(out, "<member><name>");
                (void)xmlrpc_escape(out, s->member);
                (void)buf_append_str(out, "</name><value><array><data><value>");
            } else if (c->kinds[p] == XMLRPC_ARRAY) {
                (void)buf_append_str(out, "<value>");
            }
            (void)buf_append_str(out, "<string>");
            (void)xmlrpc_escape(out, s->text);
            (void)buf_append_str(out, "</string>");
            if (c->kinds[p] == XMLRPC_STRUCT)
                (void)buf_append_str(out, "</value></data></array></value></member>");
            else if (c->kinds[p] == XMLRPC_ARRAY)
                (void)buf_append_str(out, "</value>");
        }
        /* A string param with no string cannot be: its value is one. */
        (void)buf_append_str(out, c->kinds[p] == XMLRPC_STRUCT ? "</struct>" : c->kinds[p] == XMLRPC_ARRAY ? "</data></array>" : "");
        (void)buf_append_str(out, "</value></param>");
    }
    (void)buf_append_str(out, "</params></methodCall>");
}

static bool same(const struct xmlrpc_call *a, const struct xmlrpc_call *b)
{
    if (!sv_eq(a->method, b->method) || a->nparams != b->nparams || a->nstrings != b->nstrings)
        return false;
    for (unsigned i = 0; i < a->nparams; i++)
        if (a->kinds[i] != b->kinds[i])
            return false;
    for (size_t i = 0; i < a->nstrings; i++)
        if (a->strings[i].param != b->strings[i].param || !sv_eq(a->strings[i].member, b->strings[i].member) ||
            !sv_eq(a->strings[i].text, b->strings[i].text))
            return false;
    return true;
}

static void check_query(struct xmlrpc_call *c)
{
    struct xmlrpc_query q;
    char msg[XMLRPC_MAX_MSG];
    if (xmlrpc_search_query(c, &q, msg)) {
        FU_CHECK(msg[0]);
        return;
    }
    FU_CHECK(q.nterms >= 1 && q.nterms <= c->nstrings);
    for (size_t i = 0; i < q.nterms; i++) {
        sv_t t = q.terms[i].text;
        for (size_t j = 0; j < t.len; j++)
            FU_CHECK(!(t.p[j] >= 'A' && t.p[j] <= 'Z'));
        if (q.terms[i].field == XMLRPC_FIELD_NAME)
            FU_CHECK(!memchr(t.p, '_', t.len) && !memchr(t.p, '.', t.len) && !memmem(t.p, t.len, "--", 2));
        else
            FU_CHECK(q.terms[i].field == XMLRPC_FIELD_SUMMARY);
        FU_CHECK(xmlrpc_term_in(t, t));
    }
}

struct text {
    buf_t b;
    int depth;
};

static void XMLCALL on_text(void *ctx, const XML_Char *s, int len)
{
    struct text *t = ctx;
    FU_CHECK(buf_append(&t->b, s, (size_t)len) == PF_EOK);
}

/* xmlrpc_escape's output is well-formed XML text that reads back as the
 * input, but for what it replaced. */
static void check_escape(sv_t in)
{
    buf_t out;
    buf_init(&out, 1 << 24);
    FU_CHECK(buf_append_str(&out, "<v>") == PF_EOK);
    FU_CHECK(xmlrpc_escape(&out, in) == PF_EOK);
    FU_CHECK(buf_append_str(&out, "</v>") == PF_EOK);
    XML_Parser xp = XML_ParserCreate("UTF-8");
    FU_CHECK(xp);
    struct text t;
    buf_init(&t.b, 1 << 24);
    XML_SetUserData(xp, &t);
    XML_SetCharacterDataHandler(xp, on_text);
    FU_CHECK(XML_Parse(xp, out.p, (int)out.len, XML_TRUE) == XML_STATUS_OK);
    XML_ParserFree(xp);
    if (count(buf_sv(&out), "\xEF\xBF\xBD") == count(in, "\xEF\xBF\xBD"))
        FU_CHECK(sv_eq(buf_sv(&t.b), in));
    buf_free(&t.b);
    buf_free(&out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sv_t body = sv_make((const char *)data, size);
    struct xmlrpc_call *c = malloc(sizeof *c), *again = malloc(sizeof *again);
    FU_CHECK(c && again);
    enum pf_err e = xmlrpc_parse(body, c);
    FU_CHECK(e == PF_EOK || e == PF_EINVAL || e == PF_ETOOBIG);
    if (e) {
        FU_CHECK(c->msg[0]);
        for (const char *m = c->msg; *m; m++)
            FU_CHECK(*m >= ' ' && *m < 127);
    } else {
        check_call(c);
        buf_t w;
        buf_init(&w, 1 << 24);
        write_call(c, &w);
        FU_CHECK(!buf_err(&w));
        if (w.len <= XMLRPC_MAX_BODY) {
            enum pf_err e2 = xmlrpc_parse(buf_sv(&w), again);
            FU_CHECK(e2 == PF_EOK);
            FU_CHECK(same(c, again));
        } else {
            again->store = NULL;
        }
        xmlrpc_call_free(again);
        buf_free(&w);
        check_query(c);
    }
    xmlrpc_call_free(c);
    free(c);
    free(again);
    check_escape(body);
    return 0;
}
