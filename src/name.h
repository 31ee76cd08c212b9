/* SPDX-License-Identifier: MIT */
/* name.h: project names: validation and PEP 503 normalization. */
#ifndef PF_NAME_H
#define PF_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include "sv.h"

/* Longest project name accepted anywhere (bytes, before normalization). */
#define NAME_MAX_LEN 200

/* True when name is a valid core-metadata Name: ASCII letters and digits,
 * with '.', '_' or '-' allowed only inside, 1..NAME_MAX_LEN bytes. */
bool name_is_valid(sv_t name);

/* Writes the PEP 503 normalized form of name (lowercase, every run of
 * [-_.] replaced by one '-') into out, NUL-terminated. Returns its length,
 * or 0 when name is empty or the result does not fit in outsz bytes.
 * Does not validate: call name_is_valid first where that matters. */
size_t name_normalize(sv_t name, char *out, size_t outsz);

/* True when name is already normalized: ^[a-z0-9]+(-[a-z0-9]+)*$. */
bool name_is_normalized(sv_t name);

#endif
