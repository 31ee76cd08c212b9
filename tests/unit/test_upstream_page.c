/* SPDX-License-Identifier: MIT */
/* test_upstream_page.c: unit tests for upstream_page*.c (upstream project pages, JSON and HTML), hostile input too. */
#define _GNU_SOURCE
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "distfile.h"
#include "suites.h"
#include "upstream_page.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define H1 "4e1a6b5c0d6f3e2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a"
#define H2 "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define H2_UPPER "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0"
#define H3 "9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9"
#define PAGE "https://pypi.org/simple/demo-pkg/"

/* Parses body and writes one line per file, then "skipped N: why", or
 * "!ERRNAME: message". Checks the invariants every result keeps. */
static void describe(const char *body, size_t len, enum up_format fmt, const char *project, buf_t *out)
{
    struct up_page p;
    buf_t err;
    buf_init(&err, 1024);
    enum pf_err e = up_page_parse(body, len, fmt, PAGE, project, &p, &err);
    if (e) {
        ck_assert_msg(err.len, "an error without a message");
        for (size_t i = 0; i < err.len; i++)
            ck_assert_msg(err.p[i] >= ' ' && err.p[i] < 127, "message not printable ASCII: %s", err.p);
        ck_assert(p.nfiles == 0 && !p.files && !p.name && !p.versions && p.nversions == 0);
        (void)buf_printf(out, "!%s: %s", pf_errname(e), err.p);
        buf_free(&err);
        return;
    }
    ck_assert_str_eq(p.name, project);
    for (size_t i = 0; i < p.nfiles; i++) {
        const struct up_file *f = &p.files[i];
        distfile_t d;
        ck_assert_int_eq(distfile_parse(sv_cstr(f->filename), &d), PF_EOK);
        ck_assert_str_eq(d.project, project);
        ck_assert(!strchr(f->url, '#'));
        ck_assert(strncmp(f->url, "https://", 8) == 0 || strncmp(f->url, "http://", 7) == 0);
        ck_assert(f->has_sha256 ? strlen(f->sha256) == 64 : !f->sha256[0]);
        (void)buf_printf(out, "%s %s %.8s", f->filename, f->url, f->has_sha256 ? f->sha256 : "-");
        if (f->requires_python)
            (void)buf_printf(out, " rp=%s", f->requires_python);
        if (f->yanked)
            (void)buf_printf(out, " yanked=%s", f->yank_reason ? f->yank_reason : "");
        if (f->core_metadata)
            (void)buf_printf(out, " meta=%.8s", f->has_core_metadata_sha256 ? f->core_metadata_sha256 : "");
        if (f->size >= 0)
            (void)buf_printf(out, " size=%" PRId64, f->size);
        if (f->upload_time_usec >= 0)
            (void)buf_printf(out, " t=%" PRId64, f->upload_time_usec);
        (void)buf_append_str(out, "\n");
    }
    if (p.has_versions) {
        (void)buf_append_str(out, "versions:");
        for (size_t i = 0; i < p.nversions; i++)
            (void)buf_printf(out, " %s", p.versions[i]);
        (void)buf_append_str(out, "\n");
    }
    if (p.nskipped)
        (void)buf_printf(out, "skipped %zu: %s", p.nskipped, p.skipped_why);
    up_page_free(&p);
    ck_assert(!p.files && !p.name && p.nfiles == 0);
    buf_free(&err);
}

/* The project page of demo-pkg as PyPI serves it in JSON (api-version 1.1,
 * keys in its order, PyPI's data-dist-info-metadata spelling beside
 * core-metadata, other hash kinds, _last-serial). */
static const char pypi_json[] =
    "{\"files\":[{\"core-metadata\":{\"sha256\":\"" H3 "\"},\"data-dist-info-metadata\":{\"sha256\":\"" H3 "\"},"
    "\"filename\":\"demo_pkg-1.0-py3-none-any.whl\",\"hashes\":{\"sha256\":\"" H1 "\"},"
    "\"requires-python\":\">=3.8\",\"size\":4821,\"upload-time\":\"2023-01-01T00:00:00.123456Z\","
    "\"url\":\"https://files.pythonhosted.org/packages/4e/1a/6b5c/demo_pkg-1.0-py3-none-any.whl\",\"yanked\":false},"
    "{\"core-metadata\":false,\"data-dist-info-metadata\":false,\"filename\":\"demo-pkg-1.0.tar.gz\","
    "\"hashes\":{\"blake2b_256\":\"ab\",\"sha256\":\"" H2_UPPER "\"},\"requires-python\":null,\"size\":3100,"
    "\"upload-time\":\"2023-01-01T00:00:01Z\",\"url\":\"../../packages/demo-pkg-1.0.tar.gz#sha256=" H1 "\","
    "\"yanked\":\"broken build\"},"
    "{\"dist-info-metadata\":true,\"filename\":\"Demo.Pkg-1.1rc1.zip\",\"hashes\":{},"
    "\"url\":\"/files/Demo.Pkg-1.1rc1.zip\","
    "\"yanked\":true,\"gpg-sig\":false,\"upload-time\":null,\"size\":0}],"
    "\"meta\":{\"_last-serial\":20513520,\"api-version\":\"1.1\"},\"name\":\"demo-pkg\","
    "\"versions\":[\"1.0\",\"1.1rc1\"]}";

static const char pypi_json_want[] =
    "demo_pkg-1.0-py3-none-any.whl https://files.pythonhosted.org/packages/4e/1a/6b5c/demo_pkg-1.0-py3-none-any.whl "
    "4e1a6b5c rp=>=3.8 meta=9a8b7c6d size=4821 t=1672531200123456\n"
    "demo-pkg-1.0.tar.gz https://pypi.org/packages/demo-pkg-1.0.tar.gz 0f1e2d3c yanked=broken build size=3100 "
    "t=1672531201000000\n"
    "Demo.Pkg-1.1rc1.zip https://pypi.org/files/Demo.Pkg-1.1rc1.zip - yanked= meta= size=0\n"
    "versions: 1.0 1.1rc1\n";

/* The same project as PyPI serves it in HTML (PEP 503 with PEP 592, 629,
 * 658 and 714 attributes, entities in data-requires-python). */
static const char pypi_html[] =
    "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n"
    "    <title>Links for demo-pkg</title>\n  </head>\n  <body>\n    <h1>Links for demo-pkg</h1>\n"
    "    <a href=\"https://files.pythonhosted.org/packages/4e/1a/6b5c/demo_pkg-1.0-py3-none-any.whl#sha256=" H1 "\" "
    "data-requires-python=\"&gt;=3.8\" data-dist-info-metadata=\"sha256=" H3 "\" data-core-metadata=\"sha256=" H3 "\">"
    "demo_pkg-1.0-py3-none-any.whl</a><br />\n"
    "    <a href=\"../../packages/demo-pkg-1.0.tar.gz#sha256=" H2_UPPER "\" data-requires-python=\"&gt;=3.6,&lt;4\" "
    "data-yanked=\"broken &amp; &quot;bad&quot;\">demo-pkg-1.0.tar.gz</a><br />\n"
    "    <a href=\"/files/Demo.Pkg-1.1rc1.zip#md5=0123\" data-yanked=\"\" data-dist-info-metadata=\"true\">\n"
    "      Demo.Pkg-1.1rc1.zip\n    </a><br />\n"
    "    <a href=\"demo_pkg-2.0-py3-none-any.whl?x=1#egg=demo&amp;sha256=" H2 "\" data-core-metadata=\"md5=00\"></a>\n"
    "  </body>\n</html>\n<!--SERIAL 20513520-->\n";

static const char pypi_html_want[] =
    "demo_pkg-1.0-py3-none-any.whl https://files.pythonhosted.org/packages/4e/1a/6b5c/demo_pkg-1.0-py3-none-any.whl "
    "4e1a6b5c rp=>=3.8 meta=9a8b7c6d\n"
    "demo-pkg-1.0.tar.gz https://pypi.org/packages/demo-pkg-1.0.tar.gz 0f1e2d3c rp=>=3.6,<4 "
    "yanked=broken & \"bad\"\n"
    "Demo.Pkg-1.1rc1.zip https://pypi.org/files/Demo.Pkg-1.1rc1.zip - yanked= meta=\n"
    "demo_pkg-2.0-py3-none-any.whl https://pypi.org/simple/demo-pkg/demo_pkg-2.0-py3-none-any.whl?x=1 0f1e2d3c meta=\n";

#define J_FILE(name, url) "{\"filename\":\"" name "\",\"url\":\"" url "\",\"hashes\":{\"sha256\":\"" H1 "\"}}"
#define J_PAGE(files) "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"demo-pkg\",\"files\":[" files "]}"
#define J_ONE(field) J_PAGE("{\"filename\":\"demo-pkg-1.0.tar.gz\",\"url\":\"x.tar.gz\"," field "}")
#define H_PAGE(anchors) "<html><body>" anchors "</body></html>"
#define H_A(href, text) "<a href=\"" href "\">" text "</a>"
#define NUL_HTML H_PAGE(H_A("demo-pkg-1.0.tar.gz", "demo-pkg-1.0.tar.gz\0"))

struct page_case {
    const char *in;
    size_t len; /* 0: strlen */
    enum up_format fmt;
    const char *want; /* the description, or the start of an error's */
};

static const struct page_case cases[] = {
    { pypi_json, 0, UP_FORMAT_JSON, pypi_json_want },
    { pypi_html, 0, UP_FORMAT_HTML, pypi_html_want },
    /* api-version 1.0, no versions, no name; an empty page. */
    { "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[]}", 0, UP_FORMAT_JSON, "" },
    { "{\"meta\":{\"api-version\":\"1\"},\"files\":[],\"versions\":[],\"future\":{\"x\":[1,2]}}", 0, UP_FORMAT_JSON,
      "versions:\n" },
    { "<!DOCTYPE html><html><body><h1>Links for demo-pkg</h1></body></html>", 0, UP_FORMAT_HTML, "" },
    /* A relative URL with a fragment that is not a hash; an absolute http one. */
    { J_PAGE(J_FILE("demo_pkg-1.0-py3-none-any.whl", "sub/demo_pkg-1.0-py3-none-any.whl#frag")), 0, UP_FORMAT_JSON,
      "demo_pkg-1.0-py3-none-any.whl https://pypi.org/simple/demo-pkg/sub/demo_pkg-1.0-py3-none-any.whl 4e1a6b5c\n" },
    { H_PAGE(H_A("http://mirror.example:8080/p/demo-pkg-1.0.tar.gz", "demo-pkg-1.0.tar.gz")), 0, UP_FORMAT_HTML,
      "demo-pkg-1.0.tar.gz http://mirror.example:8080/p/demo-pkg-1.0.tar.gz -\n" },
    /* <base href> is followed wherever it is; the first one only. */
    { H_PAGE(H_A("f/demo-pkg-1.0.tar.gz", "demo-pkg-1.0.tar.gz") "<base href=\"https://cdn.example/x/\">"
             "<base href=\"https://other.example/\">"), 0, UP_FORMAT_HTML,
      "demo-pkg-1.0.tar.gz https://cdn.example/x/f/demo-pkg-1.0.tar.gz -\n" },
    /* An anchor without href is no file. */
    { H_PAGE("<a name=\"x\">demo-pkg-1.0.tar.gz</a>" H_A("../../p/demo-pkg-1.0.zip", "")), 0, UP_FORMAT_HTML,
      "demo-pkg-1.0.zip https://pypi.org/p/demo-pkg-1.0.zip -\n" },
    /* upload-time with an offset, without fraction; one that is not a date stays unknown. */
    { J_ONE("\"upload-time\":\"2023-01-01T01:30:00+01:30\""), 0, UP_FORMAT_JSON,
      "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/x.tar.gz - t=1672531200000000\n" },
    { J_ONE("\"hashes\":null,\"requires-python\":null,\"yanked\":null,\"core-metadata\":null,\"size\":null,"
            "\"upload-time\":null"),
      0, UP_FORMAT_JSON, "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/x.tar.gz -\n" },
    { J_ONE("\"upload-time\":\"yesterday\",\"size\":7"), 0, UP_FORMAT_JSON,
      "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/x.tar.gz - size=7\n" },

    /* Hostile JSON: not JSON, truncated, duplicate keys, wrong types, version 2. */
    { "", 0, UP_FORMAT_JSON, "!CORRUPT: the page is not JSON" },
    { "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[{\"filename\":\"demo-pkg-1.0.tar.gz\",\"url\":\"x", 0,
      UP_FORMAT_JSON, "!CORRUPT: the page is not JSON" },
    { "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[]} junk", 0, UP_FORMAT_JSON, "!CORRUPT: the page is not JSON" },
    { "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[],\"files\":[]}", 0, UP_FORMAT_JSON,
      "!CORRUPT: the page is not JSON: duplicate object key" },
    { J_PAGE("{\"filename\":\"demo-pkg-1.0.tar.gz\",\"filename\":\"demo-pkg-2.0.tar.gz\",\"url\":\"x\"}"), 0,
      UP_FORMAT_JSON, "!CORRUPT: the page is not JSON: duplicate object key" },
    { "[]", 0, UP_FORMAT_JSON, "!CORRUPT: the page is not a JSON object" },
    { "{\"files\":[]}", 0, UP_FORMAT_JSON, "!CORRUPT: the page has no \"meta\" object" },
    { "{\"meta\":{\"api-version\":1.0},\"files\":[]}", 0, UP_FORMAT_JSON,
      "!CORRUPT: the page's meta.api-version is not a string" },
    { "{\"meta\":{\"api-version\":\"2.0\"},\"files\":[]}", 0, UP_FORMAT_JSON,
      "!CORRUPT: the page's meta.api-version is \"2.0\": only version 1.x is read" },
    { "{\"meta\":{\"api-version\":\"1.x\"},\"files\":[]}", 0, UP_FORMAT_JSON,
      "!CORRUPT: the page's meta.api-version is \"1.x\"" },
    { "{\"meta\":{\"api-version\":\"1.0\"},\"files\":{}}", 0, UP_FORMAT_JSON,
      "!CORRUPT: the page's \"files\" is not an array" },
    { "{\"meta\":{\"api-version\":\"1.0\"}}", 0, UP_FORMAT_JSON, "!CORRUPT: the page's \"files\" is not an array" },
    { "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"other\",\"files\":[]}", 0, UP_FORMAT_JSON,
      "!CORRUPT: the page is project \"other\"'s, not demo-pkg's" },
    { "{\"meta\":{\"api-version\":\"1.0\"},\"name\":7,\"files\":[]}", 0, UP_FORMAT_JSON,
      "!CORRUPT: the page's \"name\" is not a string" },
    { "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[],\"versions\":[1]}", 0, UP_FORMAT_JSON,
      "!CORRUPT: version 0 of the page's \"versions\" is not a string" },
    { J_PAGE(J_FILE("demo-pkg-1.0.tar.gz", "x") ",7"), 0, UP_FORMAT_JSON, "!CORRUPT: file 1: it is not an object" },
    { J_PAGE("{\"filename\":1,\"url\":\"x\"}"), 0, UP_FORMAT_JSON,
      "!CORRUPT: file 0: its \"filename\" is not a string" },
    { J_PAGE("{\"filename\":\"demo-pkg-1.0.tar.gz\"}"), 0, UP_FORMAT_JSON,
      "!CORRUPT: file 0: its \"url\" is not a string" },
    { J_ONE("\"hashes\":[]"), 0, UP_FORMAT_JSON, "!CORRUPT: file 0: its \"hashes\" is not an object" },
    { J_ONE("\"hashes\":{\"md5\":5}"), 0, UP_FORMAT_JSON,
      "!CORRUPT: file 0: a hash in its \"hashes\" is not a string" },
    { J_ONE("\"requires-python\":3"), 0, UP_FORMAT_JSON, "!CORRUPT: file 0: its \"requires-python\" is not a string" },
    { J_ONE("\"yanked\":1"), 0, UP_FORMAT_JSON, "!CORRUPT: file 0: its \"yanked\" is not a boolean or a string" },
    { J_ONE("\"size\":\"12\""), 0, UP_FORMAT_JSON, "!CORRUPT: file 0: its \"size\" is not an integer" },
    { J_ONE("\"size\":1.5"), 0, UP_FORMAT_JSON, "!CORRUPT: file 0: its \"size\" is not an integer" },
    { J_ONE("\"upload-time\":0"), 0, UP_FORMAT_JSON, "!CORRUPT: file 0: its \"upload-time\" is not a string" },
    { J_ONE("\"core-metadata\":\"true\""), 0, UP_FORMAT_JSON,
      "!CORRUPT: file 0: its \"core-metadata\" is not an object" },
    { J_ONE("\"dist-info-metadata\":{\"sha256\":null}"), 0, UP_FORMAT_JSON,
      "!CORRUPT: file 0: a hash in its \"dist-info-metadata\" is not a string" },
    /* NUL and bytes that are not UTF-8. */
    { J_ONE("\"yanked\":\"a\\u0000b\""), 0, UP_FORMAT_JSON, "!CORRUPT: the page is not JSON" },
    { J_ONE("\"yanked\":\"a\0b\""), sizeof J_ONE("\"yanked\":\"a\0b\"") - 1, UP_FORMAT_JSON,
      "!CORRUPT: the page is not JSON" },
    { J_ONE("\"yanked\":\"caf\xe9\""), 0, UP_FORMAT_JSON, "!CORRUPT: the page is not JSON" },
    { J_ONE("\"yanked\":\"\xed\xa0\x80\""), 0, UP_FORMAT_JSON, "!CORRUPT: the page is not JSON" },
    { J_ONE("\"size\":99999999999999999999999"), 0, UP_FORMAT_JSON, "!CORRUPT: the page is not JSON" },
    /* Depth: jansson would take 2048; more than UP_MAX_DEPTH is refused before
     * it runs, brackets in strings are not counted. */
    { "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[],"
      "\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
      0, UP_FORMAT_JSON, "!TOOBIG: the page's JSON nests deeper than 32" },
    { "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[],"
      "\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[\"}",
      0, UP_FORMAT_JSON, "" },

    /* A bad entry is skipped, the rest kept. */
    { J_PAGE(J_FILE("other-1.0.tar.gz", "other-1.0.tar.gz") "," J_FILE("demo-pkg-1.0.tar.gz", "a.tgz")), 0,
      UP_FORMAT_JSON,
      "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/a.tgz 4e1a6b5c\n"
      "skipped 1: file 0: its filename is another project's (\"other-1.0.tar.gz\")" },
    { J_PAGE(J_FILE("../../demo-pkg-1.0.tar.gz", "x") "," J_FILE("demo-pkg/1.0.tar.gz", "x") ","
             J_FILE("demo-pkg-1.0.tar.gz\\\\x", "x") "," J_FILE("demo-pkg-1.0..tar.gz", "x")),
      0, UP_FORMAT_JSON, "skipped 4: file 0: its filename holds a path (\"../../demo-pkg-1.0.tar.gz\")" },
    { J_PAGE(J_FILE("demo-pkg-1.0.tar.gz", "javascript:alert(1)") ","
             J_FILE("demo-pkg-1.0.tar.gz", "file:///etc/passwd") ","
             J_FILE("demo-pkg-1.0.tar.gz", "data:text/plain,x") "," J_FILE("demo-pkg-1.0.tar.gz", "ftp://h/x")),
      0, UP_FORMAT_JSON, "skipped 4: file 0: its URL is not http or https (\"demo-pkg-1.0.tar.gz\")" },
    { J_PAGE(J_FILE("demo-pkg-1.0.tar.gz", "a") "," J_FILE("demo-pkg-1.0.tar.gz", "b") ","
             J_FILE("demo-pkg-1.0.zip", "c")),
      0, UP_FORMAT_JSON,
      "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/a 4e1a6b5c\n"
      "demo-pkg-1.0.zip https://pypi.org/simple/demo-pkg/c 4e1a6b5c\n"
      "skipped 1: file 1: a file of the same name comes before it (\"demo-pkg-1.0.tar.gz\")" },
    { J_ONE("\"hashes\":{\"sha256\":\"abc\"}"), 0, UP_FORMAT_JSON,
      "skipped 1: file 0: its sha256 is not 64 hex digits (\"demo-pkg-1.0.tar.gz\")" },
    { J_ONE("\"hashes\":{\"sha256\":\"" H1 "\"},\"core-metadata\":{\"sha256\":\"zz\"}"), 0, UP_FORMAT_JSON,
      "skipped 1: file 0: its metadata sha256 is not 64 hex digits" },
    { J_ONE("\"size\":-5"), 0, UP_FORMAT_JSON, "skipped 1: file 0: its size is negative" },
    { J_PAGE(J_FILE("demo-pkg-1.0.tar.gz", "https://")), 0, UP_FORMAT_JSON, "skipped 1: file 0: its URL " },
    { J_PAGE(J_FILE("demo-pkg-1.0.tar.gz", "http://exa mple/x")), 0, UP_FORMAT_JSON, "skipped 1: file 0: its URL " },
    /* Found by fuzz_upstream_page: curl decodes a host's %80 to a byte. */
    { J_PAGE(J_FILE("demo-pkg-1.0.tar.gz", "https://cdn.ex%80ample/x")), 0, UP_FORMAT_JSON,
      "skipped 1: file 0: its URL resolves to bytes that are not printable ASCII" },
    { J_PAGE(J_FILE("not a file", "x") "," J_FILE("demo_pkg-1.0-py3-none-any.exe", "x")), 0, UP_FORMAT_JSON,
      "skipped 2: file 0: its filename is no distribution file name (\"not a file\")" },

    /* Hostile HTML. */
    { "<html><body>" H_A("javascript:alert(1)", "demo-pkg-1.0.tar.gz") H_A("JavaScript:x", "demo-pkg-1.1.tar.gz")
      H_A(" data:text/html,x", "demo-pkg-1.2.tar.gz") "</body></html>", 0, UP_FORMAT_HTML,
      "skipped 3: file 0: its URL is not http or https" },
    /* Anchors inside scripts, styles and comments are no anchors. In a
     * CDATA section (no HTML construct) libxml2 reads markup, where pip
     * skips the section: such a file still passes every check. */
    { "<html><head><script>document.write('<a href=\"demo-pkg-6.0.tar.gz\">demo-pkg-6.0.tar.gz</a>')</script>"
      "<style>a{}</style></head><body><!-- <a href=\"demo-pkg-7.0.tar.gz\">demo-pkg-7.0.tar.gz</a> -->"
      "<![CDATA[ <a href=\"javascript:alert(1)\">demo-pkg-8.0.tar.gz</a> ]]>"
      H_A("demo-pkg-1.0.tar.gz", "demo-pkg-1.0.tar.gz<script>x</script>") "</body></html>",
      0, UP_FORMAT_HTML,
      "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/demo-pkg-1.0.tar.gz -\n"
      "skipped 1: file 0: its URL is not http or https" },
    /* The filename is the URL's last path segment, percent-decoded (as pip
     * takes it; the anchor's text is not read): a path in it is refused. */
    { H_PAGE(H_A("x/..%2Fdemo-pkg-1.0.tar.gz", "demo-pkg-1.0.tar.gz") H_A("demo-pkg-1.0.tar.gz%00.zip", "")
             H_A("..%5cdemo-pkg-1.0.tar.gz", "") H_A("other-1.0.tar.gz", "demo-pkg-1.0.tar.gz")
             H_A("d/demo-pkg-1.0.tar.gz", "") H_A("e/demo-pkg-1.0.tar.gz", "demo-pkg-2.0.tar.gz")
             H_A("demo_pkg-1.0%2B1-py3-none-any.whl", "")),
      0, UP_FORMAT_HTML,
      "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/d/demo-pkg-1.0.tar.gz -\n"
      "demo_pkg-1.0+1-py3-none-any.whl https://pypi.org/simple/demo-pkg/demo_pkg-1.0%2B1-py3-none-any.whl -\n"
      "skipped 5: file 0: its filename holds a path (\"../demo-pkg-1.0.tar.gz\")" },
    { H_PAGE(H_A("demo-pkg-1.0.tar.gz#sha256=xyz", "demo-pkg-1.0.tar.gz")), 0, UP_FORMAT_HTML,
      "skipped 1: file 0: the sha256 in its URL is not 64 hex digits" },
    { H_PAGE("<a href=\"d.tgz\" data-core-metadata=\"sha256=nothex\">demo-pkg-1.0.tar.gz</a>"), 0, UP_FORMAT_HTML,
      "skipped 1: file 0: its metadata sha256 is not 64 hex digits" },
    /* Entities: the HTML parser reads no DTD, so nothing declared is
     * expanded (billion laughs) or fetched (external entities): an
     * undeclared reference stays text. */
    { "<!DOCTYPE html [<!ENTITY l0 \"lol\"><!ENTITY l1 \"&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;\">"
      "<!ENTITY l2 \"&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;\">"
      "<!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\">"
      "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
      "<html><body><a href=\"demo-pkg-1.0.tar.gz\" data-yanked=\"&l3;&xxe;\">demo-pkg-1.0.tar.gz</a></body></html>",
      0, UP_FORMAT_HTML,
      "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/demo-pkg-1.0.tar.gz - yanked=&l3;&xxe;\n" },
    { "<!DOCTYPE html SYSTEM \"http://127.0.0.1:1/evil.dtd\"><html><body>"
      "<a href=\"demo-pkg-1.0.tar.gz\" data-requires-python=\"&gt;=3&amp;&#x41;&nbsp;&evil;\">demo-pkg-1.0.tar.gz</a>"
      "</body></html>",
      0, UP_FORMAT_HTML,
      "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/demo-pkg-1.0.tar.gz - rp=>=3&A\xc2\xa0&evil;\n" },
    /* The page is UTF-8 whatever a <meta> says. */
    { "<html><head><meta charset=\"iso-8859-1\"><meta http-equiv=\"Content-Type\" content=\"text/html; "
      "charset=windows-1252\"></head><body>"
      "<a href=\"demo-pkg-1.0.tar.gz\" data-yanked=\"caf\xc3\xa9\">x</a></body></html>",
      0, UP_FORMAT_HTML,
      "demo-pkg-1.0.tar.gz https://pypi.org/simple/demo-pkg/demo-pkg-1.0.tar.gz - yanked=caf\xc3\xa9\n" },
    /* PEP 629: a major version other than 1 fails the page. */
    { "<html><head><meta name=\"pypi:repository-version\" content=\"2.0\"></head><body></body></html>", 0,
      UP_FORMAT_HTML, "!CORRUPT: the page's pypi:repository-version is \"2.0\": only version 1.x is read" },
    /* Found by fuzz_upstream_page: a repository-version without content is no version. */
    { "<html><head><meta name=\"pypi:repository-version\"><meta content=\"2.0\"></head></html>", 0,
      UP_FORMAT_HTML, "" },
    /* NUL, not UTF-8, nothing at all. */
    { NUL_HTML, sizeof NUL_HTML - 1, UP_FORMAT_HTML, "!CORRUPT: the page holds a NUL byte" },
    { H_PAGE("<a href=\"x\" data-yanked=\"caf\xe9\">demo-pkg-1.0.tar.gz</a>"), 0, UP_FORMAT_HTML,
      "!CORRUPT: the page is not UTF-8" },
    { "", 0, UP_FORMAT_HTML, "!CORRUPT: the page is empty" },
    /* Not a format at all. */
    { "{}", 0, UP_FORMAT_UNSUPPORTED, "!INVAL: the page's format is neither" },
};

START_TEST(test_upstream_page_table)
{
    const struct page_case *c = &cases[_i];
    buf_t out;
    buf_init(&out, 1 << 16);
    describe(c->in, c->len ? c->len : strlen(c->in), c->fmt, "demo-pkg", &out);
    const char *got = out.p ? out.p : "";
    /* An error, or a page of skipped files only: the start of the answer. */
    bool prefix = c->want[0] == '!' || strncmp(c->want, "skipped", 7) == 0;
    bool ok = prefix ? strncmp(got, c->want, strlen(c->want)) == 0 : strcmp(got, c->want) == 0;
    ck_assert_msg(ok, "case %d:\n got: %s\nwant: %s", _i, got, c->want);
    buf_free(&out);
}
END_TEST

/* The same files read from both formats give the same result, but for
 * what only JSON carries (size, upload-time, versions). */
START_TEST(test_upstream_page_formats_agree)
{
    struct up_page j, h;
    buf_t err;
    buf_init(&err, 1024);
    ck_assert_int_eq(up_page_parse(pypi_json, strlen(pypi_json), UP_FORMAT_JSON, PAGE, "demo-pkg", &j, &err), PF_EOK);
    ck_assert_int_eq(up_page_parse(pypi_html, strlen(pypi_html), UP_FORMAT_HTML, PAGE, "demo-pkg", &h, &err), PF_EOK);
    ck_assert_uint_eq(j.nfiles, 3);
    ck_assert_uint_eq(h.nfiles, 4);
    for (size_t i = 0; i < j.nfiles; i++) {
        ck_assert_str_eq(j.files[i].filename, h.files[i].filename);
        ck_assert_str_eq(j.files[i].url, h.files[i].url);
        ck_assert_int_eq(j.files[i].yanked, h.files[i].yanked);
        ck_assert_int_eq(j.files[i].core_metadata, h.files[i].core_metadata);
        ck_assert_int_eq(j.files[i].has_sha256, h.files[i].has_sha256);
        ck_assert_str_eq(j.files[i].sha256, h.files[i].sha256);
        ck_assert_int_eq(h.files[i].size, -1);
        ck_assert_int_eq(h.files[i].upload_time_usec, -1);
    }
    ck_assert_str_eq(j.files[1].sha256, H2);
    ck_assert_str_eq(j.files[0].core_metadata_sha256, H3);
    ck_assert(!h.has_versions && !h.versions);
    ck_assert(j.files[1].yank_reason && !j.files[2].yank_reason);
    up_page_free(&j);
    up_page_free(&h);
    up_page_free(&h); /* twice is harmless */
    buf_free(&err);
}
END_TEST

/* Writes n JSON file entries (or HTML anchors) of demo-pkg into b. */
static void many_files(buf_t *b, enum up_format fmt, size_t n)
{
    (void)buf_append_str(b, fmt == UP_FORMAT_JSON ? "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[" : "<html><body>");
    for (size_t i = 0; i < n; i++) {
        if (fmt == UP_FORMAT_JSON)
            (void)buf_printf(b, "%s{\"filename\":\"demo-pkg-%zu.tar.gz\",\"url\":\"f\"}", i ? "," : "", i);
        else
            (void)buf_printf(b, "<a href=\"demo-pkg-%zu.tar.gz\">x</a>\n", i);
    }
    (void)buf_append_str(b, fmt == UP_FORMAT_JSON ? "]}" : "</body></html>");
}

static enum pf_err parse_buf(const buf_t *b, enum up_format fmt, struct up_page *p, buf_t *err)
{
    ck_assert(!buf_err(b));
    return up_page_parse(b->p, b->len, fmt, PAGE, "demo-pkg", p, err);
}

/* The number of files, just under and just over the cap, in each format
 * (_i). */
START_TEST(test_upstream_page_cap_files)
{
    struct up_page p;
    buf_t b, err;
    buf_init(&err, 1024);
    buf_init(&b, 1 << 26);
    enum up_format fmt = (enum up_format)_i;
    buf_reset(&b);
    many_files(&b, fmt, UP_MAX_FILES);
    ck_assert_int_eq(parse_buf(&b, fmt, &p, &err), PF_EOK);
    ck_assert_msg(p.nfiles == UP_MAX_FILES, "%zu files, %zu skipped: %s", p.nfiles, p.nskipped, p.skipped_why);
    ck_assert_str_eq(p.files[UP_MAX_FILES - 1].filename, "demo-pkg-199999.tar.gz");
    up_page_free(&p);
    buf_reset(&b);
    many_files(&b, fmt, UP_MAX_FILES + 1);
    ck_assert_int_eq(parse_buf(&b, fmt, &p, &err), PF_ETOOBIG);
    ck_assert_msg(strstr(err.p, "more than 200000"), "%s", err.p);
    ck_assert(!p.files && !p.nfiles);
    buf_free(&b);
    buf_free(&err);
}
END_TEST

/* The other caps, just under and just over. */
START_TEST(test_upstream_page_caps)
{
    struct up_page p;
    buf_t b, err;
    buf_init(&err, 1024);
    buf_init(&b, 1 << 26);
    /* The body: refused before it is read (the bytes past len are never looked at). */
    ck_assert_int_eq(up_page_parse("{}", (size_t)UP_MAX_BODY + 1, UP_FORMAT_JSON, PAGE, "demo-pkg", &p, &err),
                     PF_ETOOBIG);
    ck_assert_msg(strstr(err.p, "larger than"), "%s", err.p);

    /* Each string. */
    static const struct {
        const char *field;
        size_t cap;
        enum pf_err over;
    } strings[] = {
        { "url", UP_MAX_URL, PF_ETOOBIG },
        { "requires-python", UP_MAX_TEXT, PF_ETOOBIG },
        { "yanked", UP_MAX_TEXT, PF_ETOOBIG },
        { "filename", DISTFILE_MAX_LEN, PF_EOK }, /* skipped, not failed */
    };
    for (size_t s = 0; s < NELEM(strings); s++) {
        for (size_t extra = 0; extra < 2; extra++) {
            size_t n = strings[s].cap + extra;
            buf_reset(&b);
            (void)buf_append_str(&b, "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[{\"filename\":\"");
            if (!strcmp(strings[s].field, "filename")) {
                /* A wheel with a long platform tag, n bytes. */
                (void)buf_append_str(&b, "demo_pkg-1.0-py3-none-");
                for (size_t i = strlen("demo_pkg-1.0-py3-none-.whl"); i < n; i++)
                    (void)buf_append_char(&b, 'a');
                (void)buf_append_str(&b, ".whl");
            } else {
                (void)buf_append_str(&b, "demo-pkg-1.0.tar.gz");
            }
            (void)buf_append_str(&b, "\",\"url\":\"");
            if (!strcmp(strings[s].field, "url")) {
                /* Absolute: resolved, it is as long as written. */
                (void)buf_append_str(&b, "https://h/");
                for (size_t i = 10; i < n; i++)
                    (void)buf_append_char(&b, 'u');
            }
            else
                (void)buf_append_str(&b, "u");
            (void)buf_append_str(&b, "\"");
            if (strcmp(strings[s].field, "url") != 0 && strcmp(strings[s].field, "filename") != 0) {
                (void)buf_printf(&b, ",\"%s\":\"", strings[s].field);
                for (size_t i = 0; i < n; i++)
                    (void)buf_append_char(&b, '>');
                (void)buf_append_str(&b, "\"");
            }
            (void)buf_append_str(&b, "}]}");
            enum pf_err e = parse_buf(&b, UP_FORMAT_JSON, &p, &err);
            ck_assert_msg(e == (extra ? strings[s].over : PF_EOK), "%s at %zu: %s", strings[s].field, n, err.p);
            ck_assert_msg(p.nfiles == (extra ? 0u : 1u), "%s at %zu: %zu files, %s", strings[s].field, n, p.nfiles,
                          p.skipped_why);
            if (!strcmp(strings[s].field, "filename"))
                ck_assert_uint_eq(p.nskipped, extra);
            up_page_free(&p);
        }
    }

    /* Versions: their number and length. */
    buf_reset(&b);
    (void)buf_append_str(&b, "{\"meta\":{\"api-version\":\"1.1\"},\"files\":[],\"versions\":[");
    for (size_t i = 0; i <= UP_MAX_VERSIONS; i++)
        (void)buf_printf(&b, "%s\"%zu\"", i ? "," : "", i);
    (void)buf_append_str(&b, "]}");
    ck_assert_int_eq(parse_buf(&b, UP_FORMAT_JSON, &p, &err), PF_ETOOBIG);
    ck_assert_msg(strstr(err.p, "versions"), "%s", err.p);
    buf_free(&b);
    buf_free(&err);
}
END_TEST

/* The arguments: the page URL must be absolute http(s), the project normalized. */
START_TEST(test_upstream_page_args)
{
    struct up_page p;
    buf_t err;
    buf_init(&err, 1024);
    static const char body[] = "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[]}";
    ck_assert_int_eq(up_page_parse(body, strlen(body), UP_FORMAT_JSON, "/simple/x/", "demo-pkg", &p, &err), PF_EINVAL);
    ck_assert_int_eq(up_page_parse(body, strlen(body), UP_FORMAT_JSON, "file:///x/", "demo-pkg", &p, &err), PF_EINVAL);
    ck_assert_msg(strstr(err.p, "not an absolute http or https URL"), "%s", err.p);
    ck_assert_int_eq(up_page_parse(body, strlen(body), UP_FORMAT_JSON, PAGE, "Demo_Pkg", &p, &err), PF_EINVAL);
    ck_assert_int_eq(up_page_parse(body, strlen(body), UP_FORMAT_JSON, PAGE, NULL, &p, &err), PF_EINVAL);
    const char *port_url = "http://h:8080/simple/demo-pkg";
    ck_assert_int_eq(up_page_parse(body, strlen(body), UP_FORMAT_JSON, port_url, "demo-pkg", &p, &err), PF_EOK);
    up_page_free(&p);
    buf_free(&err);
}
END_TEST

/* HTML nesting: the anchor at UP_MAX_HTML_DEPTH is read, one deeper fails
 * the page (libxml2's HTML parser would keep a stack entry for each). */
START_TEST(test_upstream_page_deep_html)
{
    buf_t b, err;
    buf_init(&b, 1 << 25);
    buf_init(&err, 1024);
    for (int extra = 0; extra < 2; extra++) {
        buf_reset(&b);
        /* html and body are implied: two levels. */
        for (int i = 0; i < UP_MAX_HTML_DEPTH - 3 + extra; i++)
            (void)buf_append_str(&b, "<div>");
        (void)buf_append_str(&b, "<a href=\"demo-pkg-1.0.tar.gz\">demo-pkg-1.0.tar.gz</a>");
        struct up_page p;
        enum pf_err e = parse_buf(&b, UP_FORMAT_HTML, &p, &err);
        ck_assert_msg(e == (extra ? PF_ETOOBIG : PF_EOK), "extra %d: %s", extra, err.p);
        ck_assert_uint_eq(p.nfiles, (extra ? 0u : 1u));
        up_page_free(&p);
    }
    /* 4 MiB of unclosed elements: refused early, in little memory. */
    buf_reset(&b);
    while (b.len < (4u << 20))
        ck_assert_int_eq(buf_append_str(&b, "<i>"), PF_EOK);
    struct up_page p;
    ck_assert_int_eq(parse_buf(&b, UP_FORMAT_HTML, &p, &err), PF_ETOOBIG);
    ck_assert_msg(strstr(err.p, "nests deeper than 256"), "%s", err.p);
    buf_free(&b);
    buf_free(&err);
}
END_TEST

static const struct {
    const char *ct;
    enum up_format want;
} types[] = {
    { "application/vnd.pypi.simple.v1+json", UP_FORMAT_JSON },
    { "Application/Vnd.PyPI.Simple.V1+JSON; charset=utf-8", UP_FORMAT_JSON },
    { "text/html", UP_FORMAT_HTML },
    { "text/html; charset=UTF-8", UP_FORMAT_HTML },
    { " application/vnd.pypi.simple.v1+html ", UP_FORMAT_HTML },
    { "application/vnd.pypi.simple.v2+json", UP_FORMAT_UNSUPPORTED },
    { "application/vnd.pypi.simple.latest+json", UP_FORMAT_UNSUPPORTED },
    { "application/json", UP_FORMAT_UNSUPPORTED },
    { "text/plain", UP_FORMAT_UNSUPPORTED },
    { "", UP_FORMAT_UNSUPPORTED },
    { NULL, UP_FORMAT_UNSUPPORTED },
};

START_TEST(test_upstream_page_format)
{
    ck_assert_int_eq(up_page_format(types[_i].ct), types[_i].want);
}
END_TEST

Suite *suite_upstream_page(void)
{
    Suite *s = suite_create("upstream_page");
    TCase *tc = tcase_create("upstream_page");
    tcase_add_loop_test(tc, test_upstream_page_table, 0, (int)NELEM(cases));
    tcase_add_test(tc, test_upstream_page_formats_agree);
    tcase_add_test(tc, test_upstream_page_args);
    tcase_add_loop_test(tc, test_upstream_page_format, 0, (int)NELEM(types));
    suite_add_tcase(s, tc);
    /* Pages of 200,000 files or versions, and megabytes of elements, take
     * a while under the sanitizers. */
    tc = tcase_create("upstream_page_caps");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_upstream_page_cap_files, UP_FORMAT_JSON, UP_FORMAT_HTML + 1);
    tcase_add_test(tc, test_upstream_page_caps);
    tcase_add_test(tc, test_upstream_page_deep_html);
    suite_add_tcase(s, tc);
    return s;
}
