/* SPDX-License-Identifier: MIT */
/* grantfile.c: a watched file that grants something (logins, upload rights) and fails closed. */
#include "config.h"
#include "grantfile.h"

enum pf_err grantfile_open(const char *path, filewatch_parse_fn parse, filewatch_free_fn free_fn,
                           struct filewatch **out, buf_t *err)
{
    struct filewatch *w;
    enum pf_err e = filewatch_open(path, parse, free_fn, &w, err);
    if (e)
        return e;
    if ((e = filewatch_fail_closed(w))) {
        buf_reset(err);
        (void)buf_printf(err, "%s: %s", path, pf_strerror(e));
        filewatch_close(w);
        return e;
    }
    *out = w;
    return PF_EOK;
}
