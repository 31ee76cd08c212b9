/* SPDX-License-Identifier: MIT */
/* auth.c: HTTP Basic credentials checked against htpasswd, REMOTE_USER, and the upload ACL. */
#include "config.h"
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include "acl.h"
#include "auth.h"
#include "htpasswd.h"
#include "log.h"

struct auth {
    const struct config *cfg;
    struct htpasswd_file *pw; /* NULL: no htpasswd file */
    struct acl_file *acl;     /* NULL: no ACL file */
};

enum pf_err auth_open(const struct config *cfg, struct auth **out, buf_t *err)
{
    struct auth *a = calloc(1, sizeof *a);
    if (!a)
        return PF_ENOMEM;
    a->cfg = cfg;
    enum pf_err e = PF_EOK;
    if (!(cfg->authenticate & AUTH_UPDATE) && !cfg->check_only)
        LOG(LOG_WARN, "authenticate = .: anyone may upload and remove files");
    if (cfg->htpasswd && (e = htpasswd_open(cfg->htpasswd, &a->pw, err)))
        goto fail;
    if (cfg->upload_acl && (e = acl_open(cfg->upload_acl, &a->acl, err)))
        goto fail;
    *out = a;
    return PF_EOK;
fail:
    auth_close(a);
    return e;
}

void auth_close(struct auth *a)
{
    if (!a)
        return;
    if (a->pw)
        htpasswd_close(a->pw);
    if (a->acl)
        acl_close(a->acl);
    free(a);
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool auth_parse_basic(const char *value, char user[AUTH_MAX_USER + 1], char password[AUTH_MAX_PASSWORD + 1])
{
    char raw[AUTH_MAX_USER + 1 + AUTH_MAX_PASSWORD + 4];
    if (!value)
        return false;
    while (*value == ' ' || *value == '\t')
        value++;
    if (strncasecmp(value, "Basic", 5) != 0 || (value[5] != ' ' && value[5] != '\t'))
        return false;
    const char *p = value + 5;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (; *p && *p != ' ' && *p != '\t'; p++) {
        if (*p == '=') {
            pad++;
            continue;
        }
        int v = b64_value((unsigned char)*p);
        if (v < 0 || pad)
            return false;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= sizeof raw - 1)
                return false;
            raw[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p || pad > 2)
        return false;
    raw[n] = '\0';
    char *colon = memchr(raw, ':', n);
    if (!colon || memchr(raw, '\0', n))
        return false;
    size_t ul = (size_t)(colon - raw), pl = n - ul - 1;
    if (ul == 0 || ul > AUTH_MAX_USER || pl > AUTH_MAX_PASSWORD)
        return false;
    memcpy(user, raw, ul);
    user[ul] = '\0';
    memcpy(password, colon + 1, pl);
    password[pl] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    return true;
}

static void challenge(struct http_resp *resp, const char *msg)
{
    http_fail(resp, 401, "%s", msg);
    http_header(resp, "WWW-Authenticate", "Basic realm=\"" AUTH_REALM "\", charset=\"UTF-8\"");
}

bool auth_allow(struct auth *a, struct http_req *req, struct http_resp *resp, unsigned need,
                char user[AUTH_MAX_USER + 1])
{
    user[0] = '\0';
    if (!(a->cfg->authenticate & need))
        return true;
    if (a->cfg->trust_remote_user) {
        /* REMOTE_USER counts only beside a non-empty AUTH_TYPE, the CGI
         * variable a web server sets once it has checked the credentials
         * (lighttpd's mod_auth, Apache). nginx sets neither by itself, but
         * Debian's fastcgi_params sends REMOTE_USER $remote_user, which
         * nginx decodes from any Authorization header, checked or not: that
         * name alone is what a client typed. An nginx location that runs
         * auth_basic says so with fastcgi_param AUTH_TYPE. */
        const char *ru = http_param(req, "REMOTE_USER");
        const char *at = http_param(req, "AUTH_TYPE");
        if (ru && *ru && at && *at) {
            size_t n = strlen(ru);
            if (n > AUTH_MAX_USER) {
                http_fail(resp, 403, "The user name is longer than %d bytes.", AUTH_MAX_USER);
                return false;
            }
            memcpy(user, ru, n + 1);
            return true;
        }
        if (ru && *ru) {
            char shown[AUTH_MAX_USER + 1];
            log_safe(sv_cstr(ru), shown, sizeof shown);
            http_log(req, LOG_WARN,
                     "REMOTE_USER '%s' ignored: the web server sent no AUTH_TYPE, so nothing says it checked a "
                     "password (behind nginx: fastcgi_param AUTH_TYPE Basic where auth_basic runs)",
                     shown);
        }
    }
    if (!a->pw) {
        if (a->cfg->trust_remote_user) {
            http_log(req, LOG_INFO, "no REMOTE_USER: the web server did not authenticate this request");
            challenge(resp, "Log in: this action needs a user name and password.");
        } else {
            http_log(req, LOG_WARN, "refused: this action needs a login and no --htpasswd or --trust-remote-user "
                                    "is configured");
            http_fail(resp, 403, "This index accepts no logins (it runs without --htpasswd or "
                                 "--trust-remote-user), so this action is not available.");
        }
        return false;
    }
    /* mod_fcgid's FcgidPassHeader passes the header under its own name. */
    const char *h = http_param(req, "HTTP_AUTHORIZATION");
    if (!h)
        h = http_param(req, "Authorization");
    char password[AUTH_MAX_PASSWORD + 1];
    if (!h) {
        http_log(req, LOG_INFO, "no credentials: asking for a login");
        challenge(resp, "Log in: this action needs a user name and password.");
        return false;
    }
    if (!auth_parse_basic(h, user, password)) {
        user[0] = '\0';
        http_log(req, LOG_WARN, "unreadable Authorization header: asking for a login");
        challenge(resp, "Log in with HTTP Basic credentials (user:password, base64): the ones sent cannot be read.");
        return false;
    }
    bool ok = htpasswd_file_check(a->pw, user, password);
    OPENSSL_cleanse(password, sizeof password);
    if (!ok) {
        char shown[AUTH_MAX_USER + 1];
        log_safe(sv_cstr(user), shown, sizeof shown);
        http_log(req, LOG_WARN, "login failed for user '%s'", shown);
        http_fail(resp, 403, "Invalid or non-existent authentication information for user '%s'.", shown);
        user[0] = '\0';
        return false;
    }
    return true;
}

bool auth_may_upload(struct auth *a, const char *user, const char *project)
{
    return !a->acl || acl_file_allows(a->acl, user, project);
}
