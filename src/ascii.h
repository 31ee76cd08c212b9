/* SPDX-License-Identifier: MIT */
/* ascii.h: byte tests and case mapping for the ASCII that names, versions,
 * URLs, headers and hashes are made of. */
#ifndef PF_ASCII_H
#define PF_ASCII_H

#include <stdbool.h>

/* By hand rather than <ctype.h>: those follow the locale (a Turkish locale
 * lower-cases 'I' to a dotless i) and take an int that must not be a
 * negative char, while every byte tested here comes from the outside and
 * its rules are ASCII. Bytes of 0x80 and above are never letters or
 * digits. */

static inline bool ascii_isdigit(char c) { return c >= '0' && c <= '9'; }
static inline bool ascii_islower(char c) { return c >= 'a' && c <= 'z'; }
static inline bool ascii_isupper(char c) { return c >= 'A' && c <= 'Z'; }
static inline bool ascii_isalpha(char c) { return ascii_islower(c) || ascii_isupper(c); }
static inline bool ascii_isalnum(char c) { return ascii_isdigit(c) || ascii_isalpha(c); }

static inline char ascii_tolower(char c) { return ascii_isupper(c) ? (char)(c - 'A' + 'a') : c; }

/* The value of a hex digit of either case, or -1. */
static inline int ascii_hexval(char c)
{
    if (ascii_isdigit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A lower-case hex digit: the form digests are written in. */
static inline bool ascii_islowerhex(char c) { return ascii_isdigit(c) || (c >= 'a' && c <= 'f'); }

#endif
