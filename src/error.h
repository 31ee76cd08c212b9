/* SPDX-License-Identifier: MIT */
/* error.h: the error codes of pypi-fcgi, each with its HTTP status and message. */
#ifndef PF_ERROR_H
#define PF_ERROR_H

/* One list generates the enum, the names, the messages and the HTTP status,
 * so they cannot drift apart. */
#define PF_ERRORS(X)                                                           \
    X(OK,          200, "ok")                                                  \
    X(NOMEM,       500, "out of memory")                                       \
    X(IO,          500, "input/output error")                                  \
    X(INVAL,       400, "invalid input")                                       \
    X(TOOBIG,      413, "input exceeds a size limit")                          \
    X(URITOOLONG,  414, "request URI too long")                                \
    X(NOTFOUND,    404, "not found")                                           \
    X(FORBIDDEN,   403, "forbidden")                                           \
    X(NOTACCEPT,   406, "not acceptable")                                      \
    X(METHOD,      405, "method not allowed")                                  \
    X(UNAVAIL,     503, "service unavailable")                                 \
    X(NOSPACE,     507, "insufficient storage")                                \
    X(FORMAT,      422, "malformed file")                                      \
    X(CORRUPT,     500, "corrupt record")

enum pf_err {
#define PF_ERR_ENUM(name, status, msg) PF_E##name,
    PF_ERRORS(PF_ERR_ENUM)
#undef PF_ERR_ENUM
    PF_E_COUNT
};

#define PF_WUR __attribute__((warn_unused_result))

/* The static, NUL-terminated message of err; never NULL. */
const char *pf_strerror(enum pf_err err);
/* The error's symbolic name, e.g. "NOTFOUND". */
const char *pf_errname(enum pf_err err);
/* The HTTP status that a request failing with err is answered with. */
int pf_errstatus(enum pf_err err);

#endif
