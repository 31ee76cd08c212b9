/* SPDX-License-Identifier: MIT */
/* xmlrpc.h: XML-RPC calls read with expat within caps, pip's search query taken from one, and the answers written. */
#ifndef PF_XMLRPC_H
#define PF_XMLRPC_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "error.h"
#include "sv.h"

/* Caps, applied before the work they bound. The caller refuses a body
 * over XMLRPC_MAX_BODY before reading it (413); the rest are checked as
 * the parser meets them. */
#define XMLRPC_MAX_BODY (64 * 1024) /* bytes of a methodCall */
#define XMLRPC_MAX_DEPTH 32         /* open elements at once */
#define XMLRPC_MAX_PARAMS 8         /* <param>s in a call */
#define XMLRPC_MAX_STRINGS 64       /* string values in a call, all params together */
#define XMLRPC_MAX_STRING 256       /* bytes of one string value, the method name, a member name */
#define XMLRPC_MAX_MSG 200          /* bytes of an error message */

/* What a call may hold: the methodCall shape, no more. A param's value is
 * a string, a struct or an array; a struct member's value a string or an
 * array; an array's values strings. A <value> without a type element is a
 * string (the XML-RPC specification's default). Every other type (int,
 * boolean, base64, ...) and every other nesting is refused, as is a
 * document with a DOCTYPE (so no entity is ever declared, expanded or
 * fetched), a processing instruction other than the XML declaration,
 * text outside the elements that hold one, and bytes that are not UTF-8
 * (the declared encoding is overridden). */

enum xmlrpc_kind { XMLRPC_STRING = 1, XMLRPC_STRUCT, XMLRPC_ARRAY };

/* One string value, where it was found. */
struct xmlrpc_string {
    unsigned param;  /* 0-based index of its <param> */
    sv_t member;     /* the name of the struct member it is (in); len 0 when none */
    sv_t text;       /* the decoded UTF-8 text; may hold no NUL (expat refuses &#0;) */
};

/* A parsed call. Every view points into the call's own storage and lives
 * until xmlrpc_call_free. */
struct xmlrpc_call {
    sv_t method;
    unsigned nparams;
    enum xmlrpc_kind kinds[XMLRPC_MAX_PARAMS]; /* each param's type */
    size_t nstrings;
    struct xmlrpc_string strings[XMLRPC_MAX_STRINGS]; /* in document order */
    char *store;                                      /* the texts */
    char msg[XMLRPC_MAX_MSG];                         /* why the last parse failed */
};

/* Parses body (at most XMLRPC_MAX_BODY bytes, else PF_ETOOBIG before any
 * work) into call, which the caller allocates and frees with
 * xmlrpc_call_free whatever this returns. PF_EINVAL when the body is not
 * a methodCall of the shape above, PF_ETOOBIG when a cap was passed,
 * PF_ENOMEM; call->msg then says why in words a person can act on
 * (printable ASCII, no bytes of the body but element names cut short). */
enum pf_err xmlrpc_parse(sv_t body, struct xmlrpc_call *call) PF_WUR;
void xmlrpc_call_free(struct xmlrpc_call *call);

/* The fields a search may look in, as bits. */
enum { XMLRPC_FIELD_NAME = 1, XMLRPC_FIELD_SUMMARY = 2 };

/* One search term: the text lowercased (ASCII letters only), for the
 * field it is to be found in. For the name, runs of '-', '_' and '.' are
 * one '-', as in a normalized project name. Views into call's storage. */
struct xmlrpc_term {
    unsigned field;
    sv_t text;
};

/* A search query: search(spec[, operator]) as PyPI's XML-RPC API had it
 * and pip sends it: spec a struct of field name -> string or array of
 * strings, operator "and" (the default) or "or". */
struct xmlrpc_query {
    bool any; /* operator "or": one term found is enough; "and": every one */
    size_t nterms;
    struct xmlrpc_term terms[XMLRPC_MAX_STRINGS];
};

/* Reads the search query of call (whose method the caller has checked),
 * lowercasing its strings in place. PF_EINVAL when the params are not a
 * search's (a spec that is not a struct, a field other than name and
 * summary, an operator other than and/or, no term at all); msg (at
 * least XMLRPC_MAX_MSG bytes) then says why. q points into call. */
enum pf_err xmlrpc_search_query(struct xmlrpc_call *call, struct xmlrpc_query *q, char *msg) PF_WUR;
/* True when the lowercased text hay holds term as a substring (an empty
 * term is in every text). */
bool xmlrpc_term_in(sv_t term, sv_t hay);
/* Lowercases s (ASCII letters) into out, for xmlrpc_term_in. */
enum pf_err xmlrpc_lower(buf_t *out, sv_t s);

/* The answers. Each appends to out and returns buf_err(out) (the first
 * failure sticks: check once at the end). Every string is escaped for
 * XML text, and what XML 1.0 cannot hold (control characters but tab, LF
 * and CR, U+FFFE and U+FFFF, surrogates, bytes that are not UTF-8) becomes
 * U+FFFD, so a client's XML parser never fails on an uploader's bytes. */

/* A methodResponse holding an array of structs {name, version, summary}:
 * begin, one hit per struct, end. */
enum pf_err xmlrpc_hits_begin(buf_t *out);
enum pf_err xmlrpc_hit(buf_t *out, sv_t name, sv_t version, sv_t summary);
enum pf_err xmlrpc_hits_end(buf_t *out);
/* A methodResponse holding a fault {faultCode, faultString}. */
enum pf_err xmlrpc_fault(buf_t *out, int code, const char *msg);
/* s as XML text content (escaping & < > and CR, replacing as above). */
enum pf_err xmlrpc_escape(buf_t *out, sv_t s);

#endif
