/* SPDX-License-Identifier: MIT */
/* fuzzutil.h: helpers shared by the libFuzzer harnesses in fuzz/. */
#ifndef PF_FUZZUTIL_H
#define PF_FUZZUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sv.h"

/* Every harness defines these two (libFuzzer calls them). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message naming the broken invariant when cond is false.
 * The message goes through the sanitizer's report channel, so it is seen
 * also under libFuzzer's -close_fd_mask=2 (which make fuzz uses to keep
 * pypi-fcgi's log lines out of the run's output). */
#define FU_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond))                                                           \
            fu_fail(__FILE__, __LINE__, #cond);                                \
    } while (0)

__attribute__((noreturn)) void fu_fail(const char *file, int line, const char *what);

/* Common start of every harness: log at every level (so that all the log
 * formatting runs on fuzzed bytes) and report crashes on a quiet stderr. */
void fu_init(void);

/* A malloc'd NUL-terminated copy of data[0..size) (which may hold NULs);
 * aborts when out of memory. */
char *fu_cstr(const void *data, size_t size);

/* A small deterministic generator for chunk sizes: xorshift32 (state must
 * start non-zero; 0 is mapped to 1). */
uint32_t fu_rand(uint32_t *state);

/* The number of '\n'-separated lines of s (an empty s has none; a last
 * line without '\n' counts). */
size_t fu_count_lines(sv_t s);

/* ---- file fixtures (fuzz_route) ---- */

/* A fresh empty directory under $TMPDIR (or /tmp); malloc'd path. */
char *fu_mkdtemp(const char *tag);
/* Removes path and everything below it (best effort; no symlinks followed). */
void fu_rmrf(const char *path);
/* Creates the directories of path (mkdir -p) up to and including dir. */
void fu_mkdirs(const char *dir);
/* Writes len bytes to path (created or truncated); aborts on failure. */
void fu_write_file(const char *path, const void *data, size_t len);
/* A wheel (zip) at path with <distinfo>/METADATA holding metadata, and
 * WHEEL and RECORD; aborts on failure. */
void fu_make_wheel(const char *path, const char *distinfo, const char *metadata);
/* A .tar.gz sdist at path with <top>/PKG-INFO holding pkginfo. */
void fu_make_sdist(const char *path, const char *top, const char *pkginfo);

/* Calls fn(rel, is_dir, ctx) for every entry below dir (not dir itself),
 * children before their directory, with rel relative to dir. Symlinks are
 * not followed. */
void fu_walk(const char *dir, void (*fn)(const char *rel, bool is_dir, void *ctx), void *ctx);

#endif
