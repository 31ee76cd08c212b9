/* SPDX-License-Identifier: MIT */
/* vec.h: room for one more element in a growing array. */
#ifndef PF_VEC_H
#define PF_VEC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"

/* Makes room in the array whose pointer is at pv (n elements of elem bytes
 * in use, *cap allocated) for one more: doubles it, or allocates first
 * elements when empty. On PF_ENOMEM (also when the size would overflow)
 * the array and *cap are left as they were. The caller owns the array and
 * frees it. pv is the address of the caller's typed pointer (a
 * struct x ** passed as void *): it is read and written with memcpy. */
static inline enum pf_err vec_reserve(void *pv, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return PF_EOK;
    size_t nc = *cap ? *cap * 2 : first;
    if (nc <= *cap || nc > SIZE_MAX / elem)
        return PF_ENOMEM;
    void *old;
    memcpy(&old, pv, sizeof old);
    void *p = realloc(old, nc * elem);
    if (!p)
        return PF_ENOMEM;
    memcpy(pv, &p, sizeof p);
    *cap = nc;
    return PF_EOK;
}

#endif
