/* SPDX-License-Identifier: MIT */
/* test_xmlrpc.c: unit tests for xmlrpc.c (XML-RPC calls, pip's search query, the answers), hostile input first. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "suites.h"
#include "testutil.h"
#include "xmlrpc.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The body xmlrpc.client.dumps(({"name": ["foo", "bar"], "summary":
 * ["foo", "bar"]}, "or"), "search") writes: what `pip search foo bar`
 * posts. */
static const char pip_body[] =
    "<?xml version='1.0'?>\n<methodCall>\n<methodName>search</methodName>\n<params>\n<param>\n<value><struct>\n"
    "<member>\n<name>name</name>\n<value><array><data>\n<value><string>foo</string></value>\n"
    "<value><string>bar</string></value>\n</data></array></value>\n</member>\n<member>\n<name>summary</name>\n"
    "<value><array><data>\n<value><string>foo</string></value>\n<value><string>bar</string></value>\n"
    "</data></array></value>\n</member>\n</struct></value>\n</param>\n<param>\n<value><string>or</string></value>\n"
    "</param>\n</params>\n</methodCall>\n";

#define CALL(params) "<?xml version='1.0'?><methodCall><methodName>search</methodName><params>" params "</params></methodCall>"
#define SPEC(members) "<param><value><struct>" members "</struct></value></param>"

/* Parses body (len bytes) and writes "method|kinds|param:member=text;..."
 * or "!ERRNAME: message". */
static void describe(const char *body, size_t len, buf_t *out)
{
    struct xmlrpc_call c;
    enum pf_err e = xmlrpc_parse(sv_make(body, len), &c);
    if (e) {
        ck_assert_msg(c.msg[0], "an error without a message");
        for (const char *m = c.msg; *m; m++)
            ck_assert_msg(*m >= ' ' && *m < 127, "message not printable ASCII: %s", c.msg);
        (void)buf_printf(out, "!%s: %s", pf_errname(e), c.msg);
        xmlrpc_call_free(&c);
        return;
    }
    (void)buf_append(out, c.method.p, c.method.len);
    (void)buf_append_str(out, "|");
    for (unsigned i = 0; i < c.nparams; i++)
        (void)buf_append_str(out, c.kinds[i] == XMLRPC_STRING ? "s" : c.kinds[i] == XMLRPC_STRUCT ? "S" : "A");
    (void)buf_append_str(out, "|");
    for (size_t i = 0; i < c.nstrings; i++) {
        const struct xmlrpc_string *s = &c.strings[i];
        (void)buf_printf(out, "%u:", s->param);
        (void)buf_append(out, s->member.p, s->member.len);
        (void)buf_append_str(out, "=");
        (void)buf_append(out, s->text.p, s->text.len);
        (void)buf_append_str(out, ";");
    }
    xmlrpc_call_free(&c);
}

static const struct {
    const char *in, *want; /* want: the description, or the start of an error's */
} cases[] = {
    { pip_body, "search|Ss|0:name=foo;0:name=bar;0:summary=foo;0:summary=bar;1:=or;" },
    /* A value without a type is a string, its text kept as it is. */
    { CALL(SPEC("<member><name>name</name><value> foo </value></member>")), "search|S|0:name= foo ;" },
    { CALL("<param><value>x</value></param>"), "search|s|0:=x;" },
    /* Entities and character references, CDATA, comments. */
    { CALL(SPEC("<member><name>name</name><value><string>a&amp;&lt;&#x41;&#66;<![CDATA[<c>]]></string></value>"
                "</member>")),
      "search|S|0:name=a&<AB<c>;" },
    { "<?xml version='1.0' encoding='ISO-8859-1'?><!-- hi --><methodCall><methodName>m</methodName></methodCall>",
      "m||" },
    { "<methodCall><methodName>m</methodName><params/></methodCall>", "m||" },
    { CALL(SPEC("") "<param><value><string/></value></param>"), "search|Ss|1:=;" },
    /* UTF-8 passes as it is. */
    { CALL("<param><value><string>\xc3\xa9\xe2\x82\xac</string></value></param>"), "search|s|0:=\xc3\xa9\xe2\x82\xac;" },

    /* Hostile: any DOCTYPE, hence every entity, is refused before it is read. */
    { "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;\">"
      "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
      "<methodCall><methodName>&lol3;</methodName></methodCall>",
      "!INVAL: the call has a DOCTYPE" },
    { "<?xml version='1.0'?><!DOCTYPE m [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
      "<methodCall><methodName>&xxe;</methodName></methodCall>",
      "!INVAL: the call has a DOCTYPE" },
    { "<?xml version='1.0'?><!DOCTYPE m SYSTEM \"http://127.0.0.1:1/evil.dtd\"><methodCall><methodName>m"
      "</methodName></methodCall>",
      "!INVAL: the call has a DOCTYPE" },
    { "<?xml version='1.0'?><!DOCTYPE m [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
      "<methodCall><methodName>m</methodName></methodCall>",
      "!INVAL: the call has a DOCTYPE" },
    /* An entity never declared. */
    { "<methodCall><methodName>&xxe;</methodName></methodCall>", "!INVAL: the call is not well-formed UTF-8 XML: undefined entity" },
    { "<?xml-stylesheet href='x'?><methodCall><methodName>m</methodName></methodCall>", "!INVAL: the call has a processing instruction" },
    /* Truncated, empty, junk after the end. */
    { "", "!INVAL: the call is not well-formed UTF-8 XML: no element found" },
    { "<methodCall><methodName>search</methodName><params><param><value><string>fo",
      "!INVAL: the call is not well-formed UTF-8 XML: no element found" },
    { "<methodCall><methodName>m</methodName></methodCall><x/>", "!INVAL: the call is not well-formed UTF-8 XML: junk after document element" },
    /* Not UTF-8, whatever the declaration says; a NUL character reference. */
    { "<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>caf\xe9</methodName></methodCall>",
      "!INVAL: the call is not well-formed UTF-8 XML: not well-formed" },
    { "<methodCall><methodName>\xed\xa0\x80</methodName></methodCall>", "!INVAL: the call is not well-formed UTF-8 XML" },
    { "<methodCall><methodName>&#0;</methodName></methodCall>", "!INVAL: the call is not well-formed UTF-8 XML" },
    /* Wrong shape. */
    { "<methodResponse><params/></methodResponse>", "!INVAL: the document is a <methodResponse>, not an XML-RPC <methodCall>" },
    { "<methodCall><params/></methodCall>", "!INVAL: <params> is not allowed" },
    { "<methodCall><methodName>m</methodName></methodCall >", "m||" },
    { "<methodCall></methodCall>", "!INVAL: the <methodCall> has no <methodName>" },
    { "<methodCall><methodName></methodName></methodCall>", "!INVAL: the <methodName> is empty" },
    { "<methodCall><methodName>a</methodName><methodName>b</methodName></methodCall>", "!INVAL: <methodName> is not allowed" },
    { "<methodCall><methodName>a</methodName><params/><params/></methodCall>", "!INVAL: <params> is not allowed" },
    { "<methodCall x='1'><methodName>a</methodName></methodCall>", "!INVAL: <methodCall> has attributes" },
    { "<m:methodCall xmlns:m='u'><methodName>a</methodName></m:methodCall>", "!INVAL: the document is a <m:methodCall>" },
    { "<methodCall>text<methodName>a</methodName></methodCall>", "!INVAL: text is not allowed directly in <methodCall>" },
    { CALL("<param><value>x<string>y</string></value></param>"), "!INVAL: a <value> holds both text and a type element" },
    { CALL("<param><value><string>y</string>x</value></param>"), "!INVAL: text is not allowed directly in <value>" },
    { CALL("<param><value><string>a</string><string>b</string></value></param>"), "!INVAL: <string> is not allowed" },
    { CALL("<param></param>"), "!INVAL: a <param> has no <value>" },
    { CALL("<param><value><int>1</int></value></param>"), "!INVAL: an XML-RPC value of type <int> is not supported" },
    { CALL("<param><value><base64>AA==</base64></value></param>"), "!INVAL: an XML-RPC value of type <base64>" },
    { CALL(SPEC("<member><name>n</name></member>")), "!INVAL: a struct <member> needs a <name> and a <value>" },
    { CALL(SPEC("<member><value>x</value><name>n</name></member>")), "!INVAL: <value> is not allowed" },
    { CALL(SPEC("<member><name>n</name><value><struct></struct></value></member>")), "!INVAL: a <struct> is not allowed at this depth" },
    { CALL("<param><value><array><data><value><array><data/></array></value></data></array></value></param>"),
      "!INVAL: a <array> is not allowed at this depth" },
    { CALL("<param><value><array><data><value><struct/></value></data></array></value></param>"),
      "!INVAL: a <struct> is not allowed at this depth" },
    { CALL("<param><value><array><value>x</value></array></value></param>"), "!INVAL: <value> is not allowed" },
    { CALL("<param><value><string><b>x</b></string></value></param>"), "!INVAL: <b> is not allowed" },
};

START_TEST(test_xmlrpc_table)
{
    buf_t out;
    buf_init(&out, 1 << 16);
    describe(cases[_i].in, strlen(cases[_i].in), &out);
    const char *want = cases[_i].want;
    if (want[0] == '!')
        ck_assert_msg(strncmp(out.p, want, strlen(want)) == 0, "case %d: got '%s', want '%s...'", _i, out.p, want);
    else
        ck_assert_msg(strcmp(out.p, want) == 0, "case %d: got '%s', want '%s'", _i, out.p, want);
    buf_free(&out);
}
END_TEST

/* A body of n repetitions of s between head and tail. */
static char *repeat(const char *head, const char *s, size_t n, const char *tail, size_t *len)
{
    size_t hl = strlen(head), sl = strlen(s), tl = strlen(tail);
    char *b = malloc(hl + sl * n + tl + 1);
    ck_assert_ptr_nonnull(b);
    memcpy(b, head, hl);
    for (size_t i = 0; i < n; i++)
        memcpy(b + hl + i * sl, s, sl);
    memcpy(b + hl + sl * n, tail, tl + 1);
    *len = hl + sl * n + tl;
    return b;
}

START_TEST(test_xmlrpc_caps)
{
    buf_t out;
    buf_init(&out, 1 << 16);
    size_t len;
    /* Deep nesting: refused at the first element out of place (the depth cap is a second wall). */
    char *b = repeat("<methodCall>", "<value>", 9000, "", &len);
    describe(b, len, &out);
    ck_assert_msg(strncmp(out.p, "!INVAL: <value> is not allowed", 30) == 0, "%s", out.p);
    free(b);
    buf_reset(&out);
    b = repeat("", "<a>", XMLRPC_MAX_BODY / 3 - 1, "", &len);
    describe(b, len, &out);
    ck_assert_msg(strncmp(out.p, "!INVAL: the document is a <a>", 29) == 0, "%s", out.p);
    free(b);

    /* Too many strings, too many params. */
    buf_reset(&out);
    b = repeat("<methodCall><methodName>search</methodName><params><param><value><array><data>", "<value>x</value>",
               XMLRPC_MAX_STRINGS, "</data></array></value></param></params></methodCall>", &len);
    describe(b, len, &out);
    ck_assert_msg(out.p[0] != '!', "%s", out.p);
    free(b);
    buf_reset(&out);
    b = repeat("<methodCall><methodName>search</methodName><params><param><value><array><data>", "<value>x</value>",
               XMLRPC_MAX_STRINGS + 1, "</data></array></value></param></params></methodCall>", &len);
    describe(b, len, &out);
    ck_assert_str_eq(out.p, "!TOOBIG: the call has more than 64 strings");
    free(b);
    buf_reset(&out);
    b = repeat("<methodCall><methodName>m</methodName><params>", "<param><value/></param>", XMLRPC_MAX_PARAMS + 1,
               "</params></methodCall>", &len);
    describe(b, len, &out);
    ck_assert_str_eq(out.p, "!TOOBIG: the call has more than 8 params");
    free(b);

    /* A string at its cap, and one byte past it; a method name too. */
    buf_reset(&out);
    b = repeat("<methodCall><methodName>m</methodName><params><param><value>", "x", XMLRPC_MAX_STRING,
               "</value></param></params></methodCall>", &len);
    describe(b, len, &out);
    ck_assert_msg(out.p[0] != '!', "%s", out.p);
    free(b);
    buf_reset(&out);
    b = repeat("<methodCall><methodName>m</methodName><params><param><value>", "x", XMLRPC_MAX_STRING + 1,
               "</value></param></params></methodCall>", &len);
    describe(b, len, &out);
    ck_assert_str_eq(out.p, "!TOOBIG: a string in the call is longer than 256 bytes");
    free(b);
    buf_reset(&out);
    b = repeat("<methodCall><methodName>", "&amp;", XMLRPC_MAX_STRING + 1, "</methodName></methodCall>", &len);
    describe(b, len, &out);
    ck_assert_str_eq(out.p, "!TOOBIG: a string in the call is longer than 256 bytes");
    free(b);

    /* The body: XMLRPC_MAX_BODY passes the size check, one more byte does not. */
    buf_reset(&out);
    b = repeat("<methodCall><methodName>m</methodName>", " ", XMLRPC_MAX_BODY - 51, "</methodCall>", &len);
    ck_assert_uint_eq(len, XMLRPC_MAX_BODY);
    describe(b, len, &out);
    ck_assert_str_eq(out.p, "m||");
    free(b);
    buf_reset(&out);
    b = repeat("<methodCall><methodName>m</methodName>", " ", XMLRPC_MAX_BODY - 50, "</methodCall>", &len);
    describe(b, len, &out);
    ck_assert_str_eq(out.p, "!TOOBIG: the call is larger than 65536 bytes");
    free(b);
    buf_free(&out);
}
END_TEST

/* A string holding a NUL byte is no XML: refused, not cut at the NUL. */
START_TEST(test_xmlrpc_nul)
{
    static const char body[] = "<methodCall><methodName>a\0b</methodName></methodCall>";
    buf_t out;
    buf_init(&out, 1 << 16);
    describe(body, sizeof body - 1, &out);
    ck_assert_msg(strncmp(out.p, "!INVAL: the call is not well-formed", 35) == 0, "%s", out.p);
    buf_free(&out);
}
END_TEST

/* Reads the search query of body into "any|field:text;..." or "!message". */
static void query(const char *body, buf_t *out)
{
    struct xmlrpc_call c;
    ck_assert_int_eq(xmlrpc_parse(sv_cstr(body), &c), PF_EOK);
    struct xmlrpc_query q;
    char msg[XMLRPC_MAX_MSG];
    if (xmlrpc_search_query(&c, &q, msg)) {
        (void)buf_printf(out, "!%s", msg);
    } else {
        (void)buf_append_str(out, q.any ? "or|" : "and|");
        for (size_t i = 0; i < q.nterms; i++) {
            (void)buf_append_str(out, q.terms[i].field == XMLRPC_FIELD_NAME ? "n:" : "s:");
            (void)buf_append(out, q.terms[i].text.p, q.terms[i].text.len);
            (void)buf_append_str(out, ";");
        }
    }
    xmlrpc_call_free(&c);
}

static const struct {
    const char *in, *want;
} queries[] = {
    { pip_body, "or|n:foo;n:bar;s:foo;s:bar;" },
    /* Lowercased; for the name, separators folded as PEP 503 does. */
    { CALL(SPEC("<member><name>name</name><value>Foo__Bar.-Baz</value></member>"
                "<member><name>summary</name><value>Foo__Bar</value></member>")),
      "and|n:foo-bar-baz;s:foo__bar;" },
    { CALL(SPEC("<member><name>name</name><value>x</value></member>") "<param><value>AND</value></param>"), "and|n:x;" },
    { CALL(SPEC("<member><name>name</name><value>x</value></member>") "<param><value>Or</value></param>"), "or|n:x;" },
    { CALL(SPEC("<member><name>name</name><value>x</value></member>") "<param><value>xor</value></param>"),
      "!the search operator must be \"and\" or \"or\"" },
    { CALL(SPEC("<member><name>author</name><value>x</value></member>")),
      "!this index searches the fields \"name\" and \"summary\" only" },
    { CALL(SPEC("")), "!the search has no term" },
    { CALL(SPEC("<member><name>name</name><value><array><data/></array></value></member>")), "!the search has no term" },
    { CALL("<param><value>x</value></param>"), "!search takes a struct" },
    { CALL(SPEC("<member><name>name</name><value>x</value></member>") "<param><value><array><data/></array></value></param>"),
      "!search takes a struct" },
    { CALL(SPEC("<member><name>name</name><value>x</value></member>") "<param><value>or</value></param><param><value>x</value></param>"),
      "!search takes a struct" },
    { "<methodCall><methodName>search</methodName></methodCall>", "!search takes a struct" },
};

START_TEST(test_xmlrpc_query)
{
    buf_t out;
    buf_init(&out, 1 << 16);
    query(queries[_i].in, &out);
    const char *want = queries[_i].want;
    ck_assert_msg(strncmp(out.p, want, strlen(want)) == 0, "query %d: got '%s', want '%s'", _i, out.p, want);
    buf_free(&out);
}
END_TEST

START_TEST(test_xmlrpc_term_in)
{
    ck_assert(xmlrpc_term_in(SV_LIT("oo"), SV_LIT("foo")));
    ck_assert(xmlrpc_term_in(SV_LIT(""), SV_LIT("")));
    ck_assert(xmlrpc_term_in(SV_LIT("foo"), SV_LIT("foo")));
    ck_assert(!xmlrpc_term_in(SV_LIT("fooo"), SV_LIT("foo")));
    ck_assert(!xmlrpc_term_in(SV_LIT("x"), SV_LIT("")));
    buf_t b;
    buf_init(&b, 64);
    ck_assert_int_eq(xmlrpc_lower(&b, SV_LIT("A Summary \xc3\x89")), PF_EOK);
    ck_assert_str_eq(b.p, "a summary \xc3\x89");
    buf_free(&b);
}
END_TEST

static const struct {
    const char *in, *want;
} escapes[] = {
    { "plain", "plain" },
    { "a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d\"e'f" },
    { "]]>", "]]&gt;" },
    { "t\tn\nr\r", "t\tn\nr&#13;" },
    /* Controls XML 1.0 cannot hold, bad UTF-8, surrogates, U+FFFE/FFFF, overlong forms. */
    { "a\x01" "b\x1f" "c\x7f", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\x7f" },
    { "\xff\xc3", "\xef\xbf\xbd\xef\xbf\xbd" },
    { "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
    { "\xef\xbf\xbe\xef\xbf\xbf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
    { "\xc0\xaf\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
    { "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
    /* Valid: 2, 3 and 4 bytes, U+FFFD itself, U+10FFFF. */
    { "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\xf4\x8f\xbf\xbf",
      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\xf4\x8f\xbf\xbf" },
};

START_TEST(test_xmlrpc_escape)
{
    buf_t b;
    buf_init(&b, 1024);
    ck_assert_int_eq(xmlrpc_escape(&b, sv_cstr(escapes[_i].in)), PF_EOK);
    ck_assert_msg(strcmp(b.p ? b.p : "", escapes[_i].want) == 0, "escape %d: got '%s'", _i, b.p);
    buf_free(&b);
    /* A NUL byte too. */
    buf_init(&b, 1024);
    ck_assert_int_eq(xmlrpc_escape(&b, SV_LIT("a\0b")), PF_EOK);
    ck_assert_str_eq(b.p, "a\xef\xbf\xbd" "b");
    buf_free(&b);
}
END_TEST

/* The answers, read back by Python's xmlrpc.client, as pip reads them. */
START_TEST(test_xmlrpc_answers_read_back)
{
    char *dir = tu_mkdtemp();
    char path[4096];
    buf_t b;
    buf_init(&b, 1 << 16);
    ck_assert_int_eq(xmlrpc_hits_begin(&b), PF_EOK);
    ck_assert_int_eq(xmlrpc_hit(&b, SV_LIT("foo"), SV_LIT("1.0"), SV_LIT("A <b>&amp; summary\x01\r\n")), PF_EOK);
    ck_assert_int_eq(xmlrpc_hit(&b, SV_LIT("bar"), SV_LIT("2.0rc1"), SV_LIT("\xff caf\xc3\xa9")), PF_EOK);
    ck_assert_int_eq(xmlrpc_hits_end(&b), PF_EOK);
    snprintf(path, sizeof path, "%s/hits.xml", dir);
    tu_write_file(path, b.p, b.len);
    int rc = tu_sh("python3 -c 'import sys, xmlrpc.client as x; (r,), m = x.loads(open(sys.argv[1], \"rb\").read()); "
                   "assert m is None; "
                   "assert r == [{\"name\": \"foo\", \"version\": \"1.0\", \"summary\": \"A <b>&amp; summary\\ufffd\\r\\n\"}, "
                   "{\"name\": \"bar\", \"version\": \"2.0rc1\", \"summary\": \"\\ufffd caf\\u00e9\"}], r' %s",
                   path);
    ck_assert_int_eq(rc, 0);

    buf_reset(&b);
    ck_assert_int_eq(xmlrpc_fault(&b, -32601, "no method \"x<y\"\x02"), PF_EOK);
    snprintf(path, sizeof path, "%s/fault.xml", dir);
    tu_write_file(path, b.p, b.len);
    rc = tu_sh("python3 -c 'import sys, xmlrpc.client as x\n"
               "try:\n x.loads(open(sys.argv[1], \"rb\").read())\n"
               "except x.Fault as f:\n assert f.faultCode == -32601 and f.faultString == \"no method \\\"x<y\\\"\\ufffd\", f\n"
               "else:\n raise SystemExit(1)' %s",
               path);
    ck_assert_int_eq(rc, 0);

    /* A cap passed sticks. */
    buf_free(&b);
    buf_init(&b, 100);
    ck_assert_int_eq(xmlrpc_hits_begin(&b), PF_EOK);
    ck_assert_int_eq(xmlrpc_hit(&b, SV_LIT("foo"), SV_LIT("1.0"), SV_LIT("")), PF_ETOOBIG);
    ck_assert_int_eq(xmlrpc_hits_end(&b), PF_ETOOBIG);
    buf_free(&b);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

Suite *suite_xmlrpc(void)
{
    Suite *s = suite_create("xmlrpc");
    TCase *tc = tcase_create("xmlrpc");
    tcase_add_loop_test(tc, test_xmlrpc_table, 0, (int)NELEM(cases));
    tcase_add_test(tc, test_xmlrpc_caps);
    tcase_add_test(tc, test_xmlrpc_nul);
    tcase_add_loop_test(tc, test_xmlrpc_query, 0, (int)NELEM(queries));
    tcase_add_test(tc, test_xmlrpc_term_in);
    tcase_add_loop_test(tc, test_xmlrpc_escape, 0, (int)NELEM(escapes));
    tcase_add_test(tc, test_xmlrpc_answers_read_back);
    suite_add_tcase(s, tc);
    return s;
}
