/* SPDX-License-Identifier: MIT */
/* fuzz_urlpath.c: libFuzzer harness for request-path decoding (urlpath_*, http_req_init). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "fuzzutil.h"
#include "http.h"
#include "urlpath.h"

/* The input is a raw request path. Checks:
 * - urlpath_decode: PF_ETOOBIG exactly when the input is over the cap; a
 *   decoded path is never longer than the input, holds no NUL, and equals
 *   the input when that has no '%';
 * - urlpath_segment_ok and urlpath_relpath_ok agree with the rules their
 *   header states, checked here byte by byte, on both the raw and the
 *   decoded path; so an accepted relative path never holds "..", a NUL, a
 *   backslash, '%' or an empty segment;
 * - http_req_init with that REQUEST_URI (under two mount points) either
 *   fails with 404 or 414 or gives a path with no NUL inside. */

static bool seg_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '+' || c == '!' || c == '@' || c == '=' || c == ',' || c == '~' || c == '-';
}

/* The rule of urlpath.h for one segment, written out independently. */
static bool spec_segment_ok(sv_t s)
{
    if (s.len < 1 || s.len > 255 || s.p[0] == '.' || s.p[s.len - 1] == '~')
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!seg_char(s.p[i]))
            return false;
    return true;
}

static void check_relpath(sv_t path)
{
    bool ok = urlpath_relpath_ok(path);
    /* 1..URLPATH_MAX_DEPTH+1 segments joined by single '/', each good. */
    bool want = path.len > 0;
    size_t nseg = 0, start = 0;
    for (size_t i = 0; want && i <= path.len; i++) {
        if (i == path.len || path.p[i] == '/') {
            sv_t seg = sv_make(path.p + start, i - start);
            bool seg_ok = urlpath_segment_ok(seg);
            FU_CHECK(seg_ok == spec_segment_ok(seg));
            want = seg_ok && ++nseg <= URLPATH_MAX_DEPTH + 1;
            start = i + 1;
        }
    }
    FU_CHECK(ok == want);
    if (ok) {
        FU_CHECK(memchr(path.p, '\0', path.len) == NULL);
        FU_CHECK(memchr(path.p, '\\', path.len) == NULL);
        FU_CHECK(memchr(path.p, '%', path.len) == NULL);
        FU_CHECK(path.p[0] != '/' && path.p[path.len - 1] != '/');
        for (size_t i = 0; i + 1 < path.len; i++) {
            FU_CHECK(!(path.p[i] == '/' && path.p[i + 1] == '/'));
            FU_CHECK(!(path.p[i] == '.' && path.p[i + 1] == '.' && (i == 0 || path.p[i - 1] == '/')));
        }
    }
}

static void check_req_init(const char *uri, const char *script_name)
{
    char *env[4];
    char *u = NULL, *s = NULL;
    if (asprintf(&u, "REQUEST_URI=%s", uri) < 0 || asprintf(&s, "SCRIPT_NAME=%s", script_name) < 0)
        abort();
    env[0] = u;
    env[1] = s;
    env[2] = "PATH_INFO=/simple/";
    env[3] = NULL;
    struct http_scratch scratch;
    struct http_req req;
    struct http_resp resp;
    http_scratch_init(&scratch);
    http_resp_init(&resp, &scratch);
    enum pf_err e = http_req_init(&req, env, NULL, &resp, &scratch);
    if (e) {
        FU_CHECK(e == PF_EINVAL || e == PF_EURITOOLONG);
        FU_CHECK(resp.status == 404 || resp.status == 414);
    } else {
        FU_CHECK(resp.status == 200);
        FU_CHECK(req.path.len == 0 || strlen(req.path.p) == req.path.len);
        FU_CHECK(req.prefix.len == 0 || strlen(req.prefix.p) == req.prefix.len);
    }
    http_req_free(&req, &scratch);
    http_resp_free(&resp, &scratch);
    http_scratch_free(&scratch);
    free(u);
    free(s);
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
    sv_t raw = sv_make((const char *)data, size);
    buf_t out;
    buf_init(&out, HTTP_MAX_URI);
    enum pf_err e = urlpath_decode(raw, &out);
    if (size > URLPATH_MAX_LEN)
        FU_CHECK(e == PF_ETOOBIG);
    else
        FU_CHECK(e == PF_EOK || e == PF_EINVAL);
    if (e == PF_EOK) {
        FU_CHECK(out.len <= size);
        FU_CHECK(out.len == 0 || memchr(out.p, '\0', out.len) == NULL);
        if (!memchr(raw.p, '%', raw.len))
            FU_CHECK(sv_eq(buf_sv(&out), raw));
        check_relpath(buf_sv(&out));
    }
    check_relpath(raw);
    buf_free(&out);

    char *uri = fu_cstr(data, size);
    check_req_init(uri, "");
    check_req_init(uri, "/pypi");
    free(uri);
    return 0;
}
