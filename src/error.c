/* SPDX-License-Identifier: MIT */
/* error.c: tables generated from the error list in error.h. */
#include "config.h"
#include "error.h"

#define PF_ERR_MSG(name, status, msg) msg,
static const char *const messages[] = { PF_ERRORS(PF_ERR_MSG) };
#undef PF_ERR_MSG
#define PF_ERR_NAME(name, status, msg) #name,
static const char *const names[] = { PF_ERRORS(PF_ERR_NAME) };
#undef PF_ERR_NAME
#define PF_ERR_STATUS(name, status, msg) status,
static const int statuses[] = { PF_ERRORS(PF_ERR_STATUS) };
#undef PF_ERR_STATUS

const char *pf_strerror(enum pf_err err)
{
    return (unsigned)err < PF_E_COUNT ? messages[err] : "unknown error";
}

const char *pf_errname(enum pf_err err)
{
    return (unsigned)err < PF_E_COUNT ? names[err] : "UNKNOWN";
}

int pf_errstatus(enum pf_err err)
{
    return (unsigned)err < PF_E_COUNT ? statuses[err] : 500;
}
