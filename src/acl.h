/* SPDX-License-Identifier: MIT */
/* acl.h: the upload ACL file: which users may upload to which projects. */
#ifndef PF_ACL_H
#define PF_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "error.h"

/* Longest line, most rules (lines) and longest user name in a file. */
#define ACL_MAX_LINE 4096
#define ACL_MAX_RULES 10000
#define ACL_MAX_USER 255

/* One parsed file; immutable, so any number of threads may use it. */
struct acl;

/* Parses text (len bytes; origin names it in log lines). One rule per
 * line: a user name (exact, case-sensitive) or '*' (any authenticated
 * user), ':', then one or more project patterns separated by spaces, tabs
 * or commas. A pattern is an fnmatch(3) glob ('*', '?', '[...]') made of
 * the characters of project names and those glob characters; it is
 * PEP 503-normalized (lowercase, each run of '-', '_', '.' made one '-')
 * before use. '#' at the start of a line or after a blank begins a
 * comment; blank lines are ignored; CRLF is accepted. A malformed line is
 * logged with its number and skipped; lines after the ACL_MAX_RULES-th
 * rule are logged once and ignored. On success the caller owns *out
 * (acl_free); fails only with PF_ENOMEM. */
enum pf_err acl_parse(const char *text, size_t len, const char *origin, struct acl **out) PF_WUR;
void acl_free(struct acl *a);
/* The number of rules (lines) in use. */
size_t acl_rule_count(const struct acl *a);
/* True when a rule for user, or a '*' rule, has a pattern that matches
 * project. project is normalized here too (it may come normalized or
 * not). False for a NULL or empty user, and for a project that is not a
 * valid project name (name_is_valid). */
bool acl_allows(const struct acl *a, const char *user, const char *project);

/* The file, reread when it changes and failing closed (see grantfile.h). */
struct acl_file;
/* Reads and parses the file at path; on failure writes a message naming
 * the path to err and returns the error (see grantfile_open). The caller
 * owns *out (acl_close). */
enum pf_err acl_open(const char *path, struct acl_file **out, buf_t *err) PF_WUR;
/* acl_allows against the file's current contents; thread-safe. While the
 * file is missing or cannot be read (it was when opened), nobody may
 * upload: the version read before is dropped. */
bool acl_file_allows(struct acl_file *f, const char *user, const char *project);
/* f may be NULL. */
void acl_close(struct acl_file *f);

#endif
