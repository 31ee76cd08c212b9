/* SPDX-License-Identifier: MIT */
/* testutil.h: helpers shared by the unit-test suites. */
#ifndef PF_TESTUTIL_H
#define PF_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>
#include "buf.h"

struct app;
struct config;
struct http_in;
struct http_scratch;

/* Creates a fresh empty directory under $TMPDIR (or /tmp) and returns its
 * path (malloc'd); aborts the test on failure. */
char *tu_mkdtemp(void);
/* Removes path recursively (best effort). */
void tu_rmrf(const char *path);
/* Writes len bytes to path (created or truncated); aborts on failure. */
void tu_write_file(const char *path, const void *data, size_t len);
/* Reads the whole file at path into a malloc'd NUL-terminated buffer. */
char *tu_read_file(const char *path, size_t *len);
/* Writes a wheel (a zip) at path holding <distinfo>/METADATA with the
 * given text, plus WHEEL and RECORD; aborts on failure. */
void tu_make_wheel(const char *path, const char *distinfo, const char *metadata);
/* Writes a .tar.gz sdist at path holding <top>/PKG-INFO with the given text. */
void tu_make_sdist(const char *path, const char *top, const char *pkginfo);
/* Sends stderr (fd 2, where log lines go) to a temporary file until
 * tu_capture_end, which puts it back and returns what was written there
 * (malloc'd, NUL-terminated). Not nestable. */
void tu_capture_begin(void);
char *tu_capture_end(void);
/* How many times needle occurs in haystack. */
size_t tu_count(const char *haystack, const char *needle);
/* Runs a shell command; returns its exit status. */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Starts `python3 SCRIPT ARGS...` (args NULL-terminated), killed with the
 * test process, and reads the port it prints as its first line; asserts
 * that one came. tu_python_stop kills and reaps it. */
pid_t tu_python_start(const char *script, const char *const *args, unsigned *port);
void tu_python_stop(pid_t pid);

/* Writes ROOT-htpasswd beside root, with the one user alice (password
 * "secret", {SHA}); returns its path (malloc'd). */
char *tu_alice_htpasswd(const char *root);
/* Opens the index and the logins of cfg, the way main does, into app
 * (app->cfg = cfg), and scratch; tu_app_close closes them. */
void tu_app_open(struct config *cfg, struct app *app, struct http_scratch *scratch);
void tu_app_close(struct app *app, struct http_scratch *scratch);
/* An http_out write and a log sink that append to the buf_t ctx. */
int tu_buf_write(void *ctx, const char *p, size_t n);
void tu_buf_log(void *ctx, const char *line);
/* One answer of route_serve, split: the status, the head (its header
 * lines, each ending in CRLF; malloc'd), the body (inside raw), and what
 * the request logged ("" when nothing). Free with tu_resp_free. */
struct tu_resp {
    int status;
    char *head;
    char *body;
    size_t body_len;
    buf_t raw;
    buf_t log;
};
/* Serves the request env (NAME=value strings, NULL-terminated) with app,
 * its body from in (NULL: none), through route_serve; asserts that the
 * answer is well formed. */
struct tu_resp tu_serve(const struct app *app, char **env, const struct http_in *in, struct http_scratch *scratch);
void tu_resp_free(struct tu_resp *r);

#endif
