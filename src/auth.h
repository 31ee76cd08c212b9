/* SPDX-License-Identifier: MIT */
/* auth.h: who is asking (HTTP Basic against htpasswd, or REMOTE_USER) and what they may do. */
#ifndef PF_AUTH_H
#define PF_AUTH_H

#include <stdbool.h>
#include "buf.h"
#include "conf.h"
#include "error.h"
#include "http.h"

#define AUTH_MAX_USER 255
#define AUTH_MAX_PASSWORD 1024
#define AUTH_REALM "pypi-fcgi"
/* The nice value password hashes run at where SCHED_IDLE is refused (see
 * auth_allow). */
#define AUTH_HASH_NICE 10
/* A password file whose costliest hash takes at least this many
 * microseconds (htpasswd_file_work: bcrypt, SHA-crypt) has its checks
 * bounded by --password-checks and run in SCHED_IDLE; cheaper ones
 * ({SHA}, apr1) are checked at once. */
#define AUTH_COSTLY_WORK 1000.0

struct auth;

/* Opens the htpasswd and ACL files cfg names (cfg must outlive a). On
 * failure writes the reason to err. */
enum pf_err auth_open(const struct config *cfg, struct auth **out, buf_t *err) PF_WUR;
void auth_close(struct auth *a);

/* Failed logins are counted per client address over windows of this
 * many seconds (--login-failures). */
#define AUTH_FAILURE_WINDOW 60

/* Decides whether req may perform an action of kind need (one of AUTH_*).
 * True: go on; user holds who logged in ("" when the action needs no
 * login). False: resp holds the answer, 401 with a Basic challenge when
 * credentials are missing or unreadable, 403 when they are wrong or no
 * way to log in is configured, and the request's log has a line.
 * Credentials that logged in before and are still remembered pass
 * without a hash. Any others cost a password hash, so before one is
 * computed: 429 with Retry-After (the seconds left of the window) when
 * the client address (REMOTE_ADDR) has had --login-failures failed logins
 * in the current AUTH_FAILURE_WINDOW; when --password-checks hashes are
 * being computed already, the login waits in turn for one, and gets 503
 * with Retry-After: 1 when threads - password-checks - 1 logins wait
 * already (so one worker is always left for requests without a hash). */
bool auth_allow(struct auth *a, struct http_req *req, struct http_resp *resp, unsigned need,
                char user[AUTH_MAX_USER + 1]);

/* For tests: the clock the failure windows are counted with, in seconds
 * (NULL: CLOCK_MONOTONIC's). Set it before requests are served. */
void auth_set_clock(struct auth *a, long (*clock)(void));

/* True when user may upload to (or remove from) project, a normalized
 * name: always without an ACL file. */
bool auth_may_upload(struct auth *a, const char *user, const char *project);

/* Decodes the credentials of an "Authorization: Basic ..." value into
 * user and password (NUL-terminated). False when the value is not Basic,
 * not base64, has no ':' or does not fit. For tests, and used by
 * auth_allow. */
bool auth_parse_basic(const char *value, char user[AUTH_MAX_USER + 1], char password[AUTH_MAX_PASSWORD + 1]);

#endif
