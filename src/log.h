/* SPDX-License-Identifier: MIT */
/* log.h: leveled logging to stderr; the level is tested before formatting. */
#ifndef PF_LOG_H
#define PF_LOG_H

#include <stddef.h>
#include "sv.h"

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* The current threshold; set once at start, read by every thread. */
extern int log_threshold;

/* Writes one line "pypi-fcgi[pid]: level: message" to stderr. */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG(level, ...)                                                        \
    do {                                                                       \
        if ((level) <= log_threshold)                                          \
            log_write((level), __VA_ARGS__);                                   \
    } while (0)

/* Parses "error", "warn", "info" or "debug"; returns -1 for anything else. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level level);

/* Copies s into out (outsz > 0 bytes, NUL-terminated, cut to fit) with each
 * byte outside printable ASCII replaced by '?', so that text read from a
 * file or a request cannot forge or garble a log line. Returns out. */
const char *log_safe(sv_t s, char *out, size_t outsz);

#endif
