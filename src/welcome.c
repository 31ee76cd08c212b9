/* SPDX-License-Identifier: MIT */
/* welcome.c: the --welcome file: pypiserver's welcome template read, checked and filled in. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "escape.h"
#include "welcome.h"

/* pypiserver passes these names to bottle's template(); its own
 * welcome.html uses all five. */
static const char *const names[WELCOME_NVARS] = { "URL", "VERSION", "NUMPKGS", "PACKAGES", "SIMPLE" };

/* The variable that the inside of "{{...}}" names (bottle strips the
 * blanks around an expression), or -1. */
static int var_of(sv_t inner)
{
    inner = sv_trim(inner);
    for (int v = 0; v < WELCOME_NVARS; v++)
        if (sv_eq(inner, sv_cstr(names[v])))
            return v;
    return -1;
}

/* Where the "}}" closing a "{{" whose inside starts at from is, before the
 * end of its line; NULL when there is none. */
static const char *closing(sv_t text, size_t from)
{
    for (size_t i = from; i < text.len && text.p[i] != '\n'; i++)
        if (text.p[i] == '}' && i + 1 < text.len && text.p[i + 1] == '}')
            return text.p + i;
    return NULL;
}

/* Checks one "{{...}}" whose "{{" is at text.p[at]; *end receives the
 * offset after its "}}". */
static enum pf_err check_var(sv_t text, size_t at, size_t line, size_t *end, buf_t *err)
{
    const char *close = closing(text, at + 2);
    if (!close)
        return buf_reject(err, "%zu: '{{' without '}}' on its line", line);
    sv_t inner = sv_make(text.p + at + 2, (size_t)(close - text.p) - at - 2);
    *end = (size_t)(close - text.p) + 2;
    sv_t t = sv_trim(inner);
    if (t.len && t.p[0] == '!')
        return buf_reject(err, "%zu: raw output ('{{!...}}') is not supported: every value is HTML-escaped", line);
    if (var_of(inner) >= 0)
        return PF_EOK;
    /* Quoted only when short and printable ASCII: the message goes to a
     * terminal or a log. */
    bool quote = inner.len <= 40;
    for (size_t i = 0; quote && i < inner.len; i++)
        quote = (unsigned char)inner.p[i] >= 0x20 && (unsigned char)inner.p[i] < 0x7f;
    return buf_reject(err,
                "%zu: '{{%.*s}}' is none of {{URL}}, {{VERSION}}, {{NUMPKGS}}, {{PACKAGES}} and {{SIMPLE}} (bottle's "
                "other expressions are not supported)",
                line, quote ? (int)inner.len : 3, quote ? inner.p : "...");
}

enum pf_err welcome_check(sv_t text, buf_t *err)
{
    size_t line = 1;
    bool line_start = true; /* only blanks so far on this line */
    for (size_t i = 0; i < text.len;) {
        unsigned char c = (unsigned char)text.p[i];
        if (c == '\n') {
            line++;
            line_start = true;
            i++;
            continue;
        }
        if (c == '\0')
            return buf_reject(err, "%zu: a NUL byte (is this an HTML file?)", line);
        if (c >= 0x80) {
            size_t n = escape_utf8_len((const unsigned char *)text.p + i, text.len - i);
            if (!n)
                return buf_reject(err, "%zu: not UTF-8", line);
            i += n;
            line_start = false;
            continue;
        }
        if (line_start && (c == ' ' || c == '\t')) {
            i++;
            continue;
        }
        /* bottle runs a line that starts with '%' as Python, and what is
         * between "<%" and "%>"; shown as text here, it would be wrong. */
        if (line_start && c == '%')
            return buf_reject(err, "%zu: a line of template code ('%%' first on the line) is not supported", line);
        line_start = false;
        if (c == '<' && i + 1 < text.len && text.p[i + 1] == '%')
            return buf_reject(err, "%zu: a block of template code ('<%%') is not supported", line);
        if (c == '{' && i + 1 < text.len && text.p[i + 1] == '{') {
            enum pf_err e = check_var(text, i, line, &i, err);
            if (e)
                return e;
            continue;
        }
        i++;
    }
    return PF_EOK;
}

enum pf_err welcome_load(const char *path, char **text, buf_t *err)
{
    *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        enum pf_err e = buf_reject(err, "welcome: cannot read %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return buf_reject(err, "welcome: %s is not a regular file", path);
    }
    /* One byte more than the cap: a file that grew since fstat is seen. */
    char *p = malloc(WELCOME_MAX_SIZE + 2);
    if (!p) {
        close(fd);
        return PF_ENOMEM;
    }
    size_t n = 0;
    while (n <= WELCOME_MAX_SIZE) {
        ssize_t r = read(fd, p + n, WELCOME_MAX_SIZE + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            enum pf_err e = buf_reject(err, "welcome: cannot read %s: %s", path, strerror(errno));
            close(fd);
            free(p);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    p[n] = '\0';
    enum pf_err e = PF_EOK;
    if (n > WELCOME_MAX_SIZE)
        e = buf_reject(err, "welcome: %s is larger than %d KiB", path, WELCOME_MAX_SIZE / 1024);
    else if (n == 0)
        e = buf_reject(err, "welcome: %s is empty", path);
    else if (welcome_check(sv_make(p, n), err)) {
        buf_t msg;
        buf_init(&msg, 1024);
        (void)buf_printf(&msg, "welcome: %s:%s", path, err->p ? err->p : "");
        e = buf_reject(err, "%s", msg.p ? msg.p : "welcome: not a template");
        buf_free(&msg);
    }
    if (e) {
        free(p);
        return e;
    }
    *text = p;
    return PF_EOK;
}

enum pf_err welcome_render(buf_t *out, sv_t text, const sv_t vals[WELCOME_NVARS])
{
    size_t start = 0;
    for (size_t i = 0; i + 1 < text.len && !buf_err(out); i++) {
        if (text.p[i] != '{' || text.p[i + 1] != '{')
            continue;
        const char *close = closing(text, i + 2);
        if (!close)
            continue;
        int v = var_of(sv_make(text.p + i + 2, (size_t)(close - text.p) - i - 2));
        if (v < 0)
            continue;
        (void)buf_append(out, text.p + start, i - start);
        (void)escape_html(out, vals[v]);
        start = (size_t)(close - text.p) + 2;
        i = start - 1;
    }
    return buf_append(out, text.p + start, text.len - start);
}
