/* SPDX-License-Identifier: MIT */
/* welcome.h: the --welcome file, in pypiserver's template form: read and checked once, filled in per request. */
#ifndef PF_WELCOME_H
#define PF_WELCOME_H

#include "buf.h"
#include "error.h"
#include "sv.h"

/* The file is the operator's, read once at start; the cap keeps a wrong
 * path (a log, an archive) from being held in memory. */
#define WELCOME_MAX_SIZE (64 * 1024)

/* The variables of pypiserver's welcome page that mean something here, as
 * "{{NAME}}" (blanks inside the braces allowed, "{{ URL }}"). */
enum welcome_var {
    WELCOME_URL,      /* the index's URL, ending in '/' */
    WELCOME_VERSION,  /* pypi-fcgi's version */
    WELCOME_NUMPKGS,  /* how many package files it serves */
    WELCOME_PACKAGES, /* the path of the /packages/ listing */
    WELCOME_SIMPLE,   /* the path of the simple index */
    WELCOME_NVARS
};

/* Checks text as a welcome template: UTF-8 without NUL bytes, every "{{"
 * closed by "}}" on its line around one of the names above, and none of
 * the rest of bottle's template syntax ("{{!raw}}", "%" code lines, "<%"
 * blocks), which would be shown as text here where pypiserver ran it.
 * On failure writes "LINE: what" to err and returns PF_EINVAL. */
enum pf_err welcome_check(sv_t text, buf_t *err) PF_WUR;

/* Reads the file at path (at most WELCOME_MAX_SIZE bytes, not empty) and
 * checks it with welcome_check. On success *text is the file's contents,
 * malloc'd and NUL-terminated, the caller's to free; on failure *text is
 * NULL and err holds one line that starts with "welcome: " and the path. */
enum pf_err welcome_load(const char *path, char **text, buf_t *err) PF_WUR;

/* Appends text to out with each variable replaced by vals[var],
 * HTML-escaped (the values reach text and attribute values alike, and
 * escape_html covers both). text should have passed welcome_check;
 * braces around anything else are copied as they are. Returns
 * buf_err(out). */
enum pf_err welcome_render(buf_t *out, sv_t text, const sv_t vals[WELCOME_NVARS]);

#endif
