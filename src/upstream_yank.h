/* SPDX-License-Identifier: MIT */
/* upstream_yank.h: this index's own yanks of upstream files, kept per project in the cache directory.
 *
 * `pypi-fcgi yank --upstream FILE` marks an upstream file yanked (PEP 592)
 * on this index whatever the upstream says; `unyank --upstream` takes
 * this index's mark away (a file the upstream itself yanks stays yanked).
 * The marks of project NAME (normalized) are kept below the cache
 * directory DIR:
 *
 *   DIR/yanked/NAME        the list
 *   DIR/yanked/.tmp.*      lists being written (left only by a crash;
 *                          a serving process removes them at start)
 *   DIR/locks/NAME.yanked  flock'd while a command changes the list
 *
 * The list is text, one line each:
 *
 *   pypi-fcgi-upstream-yanked 1
 *   name demo-pkg
 *   file demo_pkg-1.0-py3-none-any.whl broken%20build
 *   file demo-pkg-1.1.tar.gz
 *   end
 *
 * A file line is a filename of the project (distfile_parse accepts it and
 * names NAME), then, after a space, the reason when there is one, written
 * as the page records write strings (upstream_store.h: the bytes space and
 * below, 0x7f and above and '%' as lower-case %XX). The filenames are in
 * strictly ascending byte order, so each is there once and a list has one
 * spelling. A reason is UTF-8 of at most UP_MAX_TEXT bytes. The list is
 * read only up to UPYANK_MAX_BYTES (checked before reading) and
 * UPYANK_MAX_FILES lines; it fails whole on any defect (a hand may edit
 * it), and the serving processes then apply none of it and log why.
 *
 * A command writes the list whole to a temporary file, fsyncs it, renames
 * it over the old one and fsyncs the directory, under the lock (two
 * commands at once do not lose either's change), and gives it a
 * modification time later than the old one's. Serving processes stat the
 * list at each request of its project and read it again when it changed;
 * the times rising with each change keep a new list from looking like one
 * read before (a reused inode with the same size and times), which is
 * also why a list left empty stays, with no file lines. */
#ifndef PF_UPSTREAM_YANK_H
#define PF_UPSTREAM_YANK_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "error.h"

#define UPYANK_MAX_FILES 10000
#define UPYANK_MAX_BYTES ((size_t)4 << 20)

struct up_yank {
    char *filename;
    char *reason; /* NULL: none given */
};

/* A project's list, sorted by filename. */
struct up_yanks {
    struct up_yank *v;
    size_t n;
};

void up_yanks_free(struct up_yanks *y);

/* The mark of filename, or NULL. */
const struct up_yank *up_yanks_find(const struct up_yanks *y, const char *filename);

/* The list of project norm (len bytes at p, not NUL-terminated) into
 * *out. PF_ECORRUPT with the line and the defect in err, PF_ENOMEM; out is
 * left empty on failure. */
enum pf_err up_yanks_decode(const char *p, size_t len, const char *norm, struct up_yanks *out, buf_t *err) PF_WUR;

/* The text of y as the list of norm, malloc'd into *out (*outlen bytes).
 * PF_EINVAL when y breaks a rule the reader checks, PF_ETOOBIG when the
 * text would pass UPYANK_MAX_BYTES, PF_ENOMEM. */
enum pf_err up_yanks_encode(const struct up_yanks *y, const char *norm, char **out, size_t *outlen,
                            buf_t *err) PF_WUR;

/* Reads the list of norm from DIR/yanked into *out: an empty list when
 * there is none. PF_EINVAL for a bad name, PF_ECORRUPT (err says why),
 * PF_EIO, PF_ENOMEM. */
enum pf_err up_yanks_load(const char *dir, const char *norm, struct up_yanks *out, buf_t *err) PF_WUR;

/* Marks filename yanked with reason (NULL or "": none) or, when !yank,
 * takes its mark away, in the list of its project (taken from the name),
 * under the list's lock (waited for). *changed says whether the list
 * changed. PF_EINVAL (not a distribution's filename, a reason over
 * UP_MAX_TEXT or not UTF-8), PF_ENOTFOUND (DIR is missing), PF_ECORRUPT
 * (the list there cannot be read: it is left for a person to mend),
 * PF_ETOOBIG (UPYANK_MAX_FILES marks already, or a list that would pass
 * UPYANK_MAX_BYTES; it stays as it was), PF_ENOSPACE, PF_EIO,
 * PF_ENOMEM; err says why. */
enum pf_err up_yank_set(const char *dir, const char *filename, bool yank, const char *reason, bool *changed,
                        buf_t *err) PF_WUR;

#endif
