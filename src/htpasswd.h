/* SPDX-License-Identifier: MIT */
/* htpasswd.h: Apache htpasswd files: parsing and password verification. */
#ifndef PF_HTPASSWD_H
#define PF_HTPASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "error.h"

/* Longest user name and line accepted in a file, and longest password
 * checked (a longer one never matches). libcrypt itself takes passwords
 * of at most 511 bytes (CRYPT_MAX_PASSPHRASE_SIZE - 1): a longer one never
 * matches a bcrypt or SHA-crypt hash either. */
#define HTPASSWD_MAX_USER 255
#define HTPASSWD_MAX_LINE 4096
#define HTPASSWD_MAX_PASSWORD 1024

/* One parsed file; immutable, so any number of threads may check against
 * it at once. */
struct htpasswd;

/* Parses the lines "user:hash" of text (len bytes; origin names it in log
 * lines). Blank lines and lines starting with '#' are ignored; CRLF is
 * accepted. Usable hashes are those Apache's htpasswd writes: bcrypt
 * ($2y$, also $2b$ and $2a$), SHA-256 and SHA-512 crypt ($5$, $6$), apr1
 * MD5 ($apr1$) and {SHA}. A line whose hash is plain text, DES crypt or
 * anything else is refused: logged with the user and the reason (never
 * the hash), and the user cannot log in. A malformed line (no ':', empty
 * user, user longer than HTPASSWD_MAX_USER, line longer than
 * HTPASSWD_MAX_LINE, a NUL byte) is logged with its number and skipped.
 * The first line of a user wins, as in Apache; later ones are logged and
 * ignored. On success the caller owns *out (htpasswd_free); fails only
 * with PF_ENOMEM. */
enum pf_err htpasswd_parse(const char *text, size_t len, const char *origin, struct htpasswd **out) PF_WUR;
void htpasswd_free(struct htpasswd *h);
/* The number of users that can log in (usable hash). */
size_t htpasswd_count(const struct htpasswd *h);
/* True when user (NUL-terminated bytes) is in h with a usable hash that
 * password matches. Every check costs at least what the costliest usable
 * hash of the file costs (bcrypt by its cost, SHA-crypt by its rounds,
 * then apr1, then {SHA}; the first of equals): for an unknown user or one
 * with a refused hash the password is checked against that hash instead
 * (and the answer is false), and for a user whose own hash is cheaper,
 * against that hash too after the user's own. So the time taken tells
 * neither which users exist nor which have a weak hash. False for NULL
 * arguments and for passwords longer than HTPASSWD_MAX_PASSWORD. */
bool htpasswd_check(const struct htpasswd *h, const char *user, const char *password);

/* Logins that succeeded are remembered per parsed file, this many. */
#define HTPASSWD_CACHE 64

/* htpasswd_check, remembering logins that succeeded: the same user and
 * password again cost one SHA-256 instead of the hash's work. Failures are
 * never remembered. Thread-safe; h is changed only in its cache. */
bool htpasswd_check_cached(struct htpasswd *h, const char *user, const char *password);
/* True when user and password are a login that succeeded and is still
 * remembered: one SHA-256, no hash's work. False for a NULL h. */
bool htpasswd_recall(struct htpasswd *h, const char *user, const char *password);

/* The file, reread when it changes and failing closed (see grantfile.h). */
struct htpasswd_file;
/* Reads and parses the file at path; on failure writes a message naming
 * the path to err and returns the error (see grantfile_open). The caller
 * owns *out (htpasswd_close). */
enum pf_err htpasswd_open(const char *path, struct htpasswd_file **out, buf_t *err) PF_WUR;
/* htpasswd_check_cached against the file's current contents;
 * thread-safe. While the file is missing or cannot be read (it was when
 * opened), nobody can log in: the version read before is dropped. */
bool htpasswd_file_check(struct htpasswd_file *f, const char *user, const char *password);
/* htpasswd_recall against the file's current contents; thread-safe. */
bool htpasswd_file_recall(struct htpasswd_file *f, const char *user, const char *password);
/* What one check against the file's current contents costs: its costliest
 * usable hash's work, in microseconds of one core (an estimate good for
 * comparing; 0 for a file without users). */
double htpasswd_file_work(struct htpasswd_file *f);
/* f may be NULL. */
void htpasswd_close(struct htpasswd_file *f);

/* One hash (as in a file, NUL-terminated) against one password. The final
 * comparison is constant-time. UNSUPPORTED for a hash of a refused or
 * unknown scheme, a malformed one or NULL; MISMATCH also when the check
 * cannot be run (out of memory), or the password is NULL or longer than
 * HTPASSWD_MAX_PASSWORD. */
enum htpasswd_result { HTPASSWD_MATCH, HTPASSWD_MISMATCH, HTPASSWD_UNSUPPORTED };
enum htpasswd_result htpasswd_verify_hash(const char *hash, const char *password);

/* For tests: fn(hash, ctx) is called by htpasswd_verify_hash for each
 * hash it is about to compute (a supported hash and a password that may
 * match), from the thread that computes it; NULL turns it off. Set it
 * only while no check runs. It tells, without a clock, which hashes a
 * check computes and how many run at once. */
typedef void (*htpasswd_observer_fn)(const char *hash, void *ctx);
void htpasswd_set_observer(htpasswd_observer_fn fn, void *ctx);

#endif
