/* SPDX-License-Identifier: MIT */
/* fuzz_upstream_http.c: libFuzzer harness for the upstream answer's header lines (uphttp_head_line). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "fuzzutil.h"
#include "upstream_http.h"

/* Input: header lines as an upstream sends them, each ending in '\n' (the
 * last may lack it), fed one by one to uphttp_head_line as libcurl hands
 * them over, until one is refused. Checked against a reference written
 * here from upstream_http.h's rules: a line starting "HTTP/" starts afresh;
 * the lines of one answer may total UPHTTP_HEAD_MAX bytes; the line's
 * CRLF (or LF) is dropped; ETag, Last-Modified and Content-Type (any case)
 * keep their value trimmed of spaces and tabs, refused when longer than
 * UPHTTP_VALUE_MAX or holding a byte below 0x20 or 0x7f, a repeated one
 * replacing the earlier; other lines are ignored. A refusal says why;
 * kept values never hold a control byte. */

struct ref {
    char v[3][UPHTTP_VALUE_MAX + 1];
    size_t total;
};

static const char *const names[3] = { "etag", "last-modified", "content-type" };

static bool ieq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != b[i])
            return false;
    }
    return true;
}

/* The reference's verdict on one line: true when taken. */
static bool ref_line(struct ref *r, const char *p, size_t n)
{
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
        memset(r, 0, sizeof *r);
    if (r->total + n > UPHTTP_HEAD_MAX)
        return false;
    r->total += n;
    if (n && p[n - 1] == '\n')
        n--;
    if (n && p[n - 1] == '\r')
        n--;
    size_t colon = 0;
    while (colon < n && p[colon] != ':')
        colon++;
    if (colon == n)
        return true;
    int which = -1;
    for (int i = 0; i < 3; i++)
        if (ieq(p, colon, names[i]))
            which = i;
    if (which < 0)
        return true;
    size_t a = colon + 1, b = n;
    while (a < b && (p[a] == ' ' || p[a] == '\t'))
        a++;
    while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
        b--;
    if (b - a > UPHTTP_VALUE_MAX)
        return false;
    for (size_t i = a; i < b; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            return false;
    memcpy(r->v[which], p + a, b - a);
    r->v[which][b - a] = '\0';
    return true;
}

static void no_control(const char *s)
{
    FU_CHECK(strlen(s) <= UPHTTP_VALUE_MAX);
    for (; *s; s++)
        FU_CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
}

static struct uphttp_head h;
static struct ref r;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    buf_t why;
    buf_init(&why, 1024);
    uphttp_head_reset(&h);
    memset(&r, 0, sizeof r);
    FU_CHECK(h.total == 0 && !h.etag[0] && !h.last_modified[0] && !h.content_type[0]);
    size_t i = 0;
    while (i < size) {
        const char *nl = memchr(p + i, '\n', size - i);
        size_t n = nl ? (size_t)(nl - (p + i)) + 1 : size - i;
        buf_reset(&why);
        enum pf_err e = uphttp_head_line(&h, p + i, n, &why);
        bool want = ref_line(&r, p + i, n);
        FU_CHECK(e == (want ? PF_EOK : PF_EINVAL));
        FU_CHECK(want ? why.len == 0 : why.len > 0);
        FU_CHECK(h.total <= UPHTTP_HEAD_MAX);
        no_control(h.etag), no_control(h.last_modified), no_control(h.content_type);
        if (!want)
            break;
        FU_CHECK(h.total == r.total);
        FU_CHECK(strcmp(h.etag, r.v[0]) == 0);
        FU_CHECK(strcmp(h.last_modified, r.v[1]) == 0);
        FU_CHECK(strcmp(h.content_type, r.v[2]) == 0);
        i += n;
    }
    buf_free(&why);
    return 0;
}
