/* SPDX-License-Identifier: MIT */
/* page_rpc.c: POST /RPC2 (and POST / with text/xml): the XML-RPC search that `pip search --index` calls. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "pages.h"
#include "xmlrpc.h"

/* At most this many projects in one answer (the first ones by normalized
 * name); pip shows them all, so a term that matches more is too broad. */
#define RPC_MAX_HITS 1000
#define RPC_CHUNK 8192 /* bytes read from the body at a time */

/* Fault codes of the XML-RPC fault code interoperability convention,
 * which xmlrpc.client shows as they are ("XMLRPC request failed [code:
 * -32601]" in pip). */
#define RPC_FAULT_METHOD (-32601) /* no such method */
#define RPC_FAULT_PARAMS (-32602) /* the method's params are wrong */

/* Reads the whole body, at most XMLRPC_MAX_BODY bytes, into body. On
 * failure resp holds the answer (400, 408, 413) and false is returned. */
static bool read_body(struct http_req *req, struct http_resp *resp, buf_t *body)
{
    uint64_t expect;
    int have_len = http_content_length(req, &expect);
    if (have_len < 0) {
        http_error(resp, 400, "CONTENT_LENGTH '%.40s' is not a number.", http_param(req, "CONTENT_LENGTH"));
        return false;
    }
    if (expect > XMLRPC_MAX_BODY) {
        http_log(req, LOG_WARN, "refused XML-RPC call: %" PRIu64 " bytes, more than %d", expect, XMLRPC_MAX_BODY);
        http_error(resp, 413, "The XML-RPC call is larger than %d bytes.", XMLRPC_MAX_BODY);
        return false;
    }
    if (!req->in) {
        http_error(resp, 400, "The XML-RPC call has no body.");
        return false;
    }
    char chunk[RPC_CHUNK];
    for (;;) {
        long r = req->in->read(req->in->ctx, chunk, sizeof chunk);
        if (r == HTTP_IN_SLOW) {
            http_error(resp, 408, "The XML-RPC call arrived too slowly (--upload-min-rate, --upload-timeout).");
            return false;
        }
        if (r < 0) {
            http_error(resp, 400, "The XML-RPC call was cut off: the connection failed after %zu bytes.", body->len);
            return false;
        }
        if (r == 0)
            break;
        enum pf_err e = buf_append(body, chunk, (size_t)r);
        if (e == PF_ETOOBIG) {
            http_log(req, LOG_WARN, "refused XML-RPC call: more than %d bytes", XMLRPC_MAX_BODY);
            http_error(resp, 413, "The XML-RPC call is larger than %d bytes.", XMLRPC_MAX_BODY);
            return false;
        }
        if (e) {
            http_error(resp, 500, "Out of memory.");
            return false;
        }
    }
    if (have_len && body->len != expect) {
        http_error(resp, 400, "The XML-RPC call was cut off: %zu of %" PRIu64 " bytes arrived.", body->len, expect);
        return false;
    }
    return true;
}

/* Counts the terms of field that text holds in *found, the others in
 * *missed. */
static void look_in(const struct xmlrpc_query *q, unsigned field, sv_t text, size_t *found, size_t *missed)
{
    for (size_t i = 0; i < q->nterms; i++)
        if (q->terms[i].field == field)
            ++*(xmlrpc_term_in(q->terms[i].text, text) ? found : missed);
}

/* The terms of field in q. */
static size_t count_terms(const struct xmlrpc_query *q, unsigned field)
{
    size_t n = 0;
    for (size_t i = 0; i < q->nterms; i++)
        n += q->terms[i].field == field;
    return n;
}

/* Appends the hit for the project called name when it matches q. A
 * project the name alone rules out (a name term missed with "and"; with
 * "or", none found and no summary term) costs no snapshot; the others
 * take one, for the Summary to match or show and the latest release.
 * Returns true when a hit was appended. */
static bool match_project(const struct app *app, const struct xmlrpc_query *q, const char *name, buf_t *lower,
                          buf_t *out)
{
    size_t found = 0, missed = 0;
    look_in(q, XMLRPC_FIELD_NAME, sv_cstr(name), &found, &missed);
    if (!q->any && missed)
        return false;
    bool need_summary = !(q->any && found) && count_terms(q, XMLRPC_FIELD_SUMMARY);
    if (q->any && !found && !need_summary)
        return false;
    struct index_project *p;
    if (index_project(app->idx, name, &p) != PF_EOK)
        return false; /* removed since the list was taken */
    bool hit = false;
    if (p->nversions) {
        /* Read from the latest release's metadata once per snapshot. */
        sv_t summary = sv_cstr(index_project_summary(app->idx, p));
        if (need_summary) {
            buf_reset(lower);
            (void)xmlrpc_lower(lower, summary);
            look_in(q, XMLRPC_FIELD_SUMMARY, buf_sv(lower), &found, &missed);
        }
        hit = q->any ? found > 0 : missed == 0;
        if (hit)
            (void)xmlrpc_hit(out, sv_cstr(p->name), sv_cstr(p->versions[index_latest_version(p)]), summary);
    }
    index_project_release(app->idx, p);
    return hit;
}

/* Answers a search call: the projects that match, one struct each. */
static void search(const struct app *app, struct http_req *req, struct http_resp *resp, struct xmlrpc_call *call)
{
    struct xmlrpc_query q;
    char msg[XMLRPC_MAX_MSG];
    if (xmlrpc_search_query(call, &q, msg)) {
        http_log(req, LOG_INFO, "XML-RPC search refused: %s", msg);
        (void)xmlrpc_fault(&resp->own, RPC_FAULT_PARAMS, msg);
        return;
    }
    struct index_root *r;
    enum pf_err e = index_root(app->idx, &r);
    if (e) {
        if (r)
            index_root_release(r);
        http_err_page(resp, e, HTTP_BLAME_SERVER, "The project list could not be read");
        return;
    }
    buf_t lower;
    buf_init(&lower, INDEX_MAX_SUMMARY);
    size_t hits = 0;
    (void)xmlrpc_hits_begin(&resp->own);
    for (size_t i = 0; i < r->nprojects && hits < RPC_MAX_HITS && !buf_err(&resp->own); i++)
        hits += match_project(app, &q, r->projects[i], &lower, &resp->own);
    (void)xmlrpc_hits_end(&resp->own);
    buf_free(&lower);
    index_root_release(r);
    if (hits == RPC_MAX_HITS)
        http_log(req, LOG_INFO, "XML-RPC search answered with the first %d projects that match", RPC_MAX_HITS);
}

void page_rpc(const struct app *app, struct http_req *req, struct http_resp *resp)
{
    buf_t body;
    buf_init(&body, XMLRPC_MAX_BODY);
    struct xmlrpc_call *call = malloc(sizeof *call);
    if (!call) {
        http_error(resp, 500, "Out of memory.");
        goto out;
    }
    call->store = NULL;
    if (!read_body(req, resp, &body))
        goto out;
    enum pf_err e = xmlrpc_parse(buf_sv(&body), call);
    if (e) {
        http_log(req, LOG_WARN, "refused XML-RPC call: %s", call->msg);
        /* A cap passed inside a body of allowed size is a malformed
         * call (400), not a body too large (413, read_body). */
        http_error(resp, e == PF_ENOMEM ? 500 : 400, "Malformed XML-RPC call: %s.", call->msg);
        goto out;
    }
    if (sv_eq(call->method, SV_LIT("search"))) {
        search(app, req, resp, call);
    } else {
        /* An unknown method is the caller's error in the call, not in
         * HTTP: a fault, which xmlrpc.client raises as Fault. */
        buf_t m;
        buf_init(&m, XMLRPC_MAX_MSG + 64);
        (void)buf_append_str(&m, "this index answers the XML-RPC method \"search\" only, not \"");
        /* Cut short; xmlrpc_fault escapes it. */
        (void)buf_append(&m, call->method.p, call->method.len > 40 ? 40 : call->method.len);
        (void)buf_append_str(&m, "\"");
        http_log(req, LOG_INFO, "XML-RPC call of an unknown method refused");
        (void)xmlrpc_fault(&resp->own, RPC_FAULT_METHOD, m.p ? m.p : "unknown method");
        buf_free(&m);
    }
    if (resp->status >= 400)
        goto out;
    if (buf_err(&resp->own)) {
        http_error(resp, 500, "The XML-RPC answer could not be built.");
        goto out;
    }
    http_header(resp, "Content-Type", "text/xml; charset=utf-8");
    http_header(resp, "Cache-Control", "no-store");
out:
    if (call)
        xmlrpc_call_free(call);
    free(call);
    buf_free(&body);
}

bool page_rpc_is_xml(const struct http_req *req)
{
    const char *type = http_param(req, "CONTENT_TYPE");
    if (!type)
        return false;
    sv_t t = sv_trim(sv_cstr(type));
    return sv_ieq(sv_trim(sv_split(&t, ';')), SV_LIT("text/xml"));
}
