/* SPDX-License-Identifier: MIT */
/* store.h: writing into the package tree: staged uploads published atomically, files removed. */
#ifndef PF_STORE_H
#define PF_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "digest.h"
#include "error.h"
#include "sidecar.h"

/* Named staging files (on filesystems without O_TMPFILE) live in
 * ROOT/.pypi-fcgi/tmp/ and are locked by their writer while it lives. */
#define STORE_TMP_DIR ".pypi-fcgi/tmp"
#define STORE_TMP_PREFIX "upload-"
/* Removed and replaced files wait in ROOT/.pypi-fcgi/removed/ for the
 * removal grace period: NFS has no delete-on-last-close between hosts,
 * so a file unlinked through one host cuts off another host that is
 * still sending it; moved aside, the same file stays readable. */
#define STORE_HOLD_DIR ".pypi-fcgi/removed"

/* An upload being staged in a root. With O_TMPFILE the file has no name
 * until it is published, so nothing is left behind whatever happens to the
 * process; otherwise it is a named, locked file in STORE_TMP_DIR that
 * store_cleanup removes once its writer is gone. */
struct store_tmp {
    int fd;         /* open for writing; -1: none */
    int rootfd;     /* the root it is staged in */
    char name[80];  /* "" with O_TMPFILE; else its name in STORE_TMP_DIR */
};

/* Creates a staging file in root. On failure writes the reason to err and
 * returns PF_ENOSPACE when the file system has no room for it, PF_EIO
 * otherwise. */
enum pf_err store_tmp_open(const char *root, struct store_tmp *t, buf_t *err) PF_WUR;
/* Appends the n bytes at data to the staging file. PF_ENOSPACE when the
 * file system has no room for them (ENOSPC, EDQUOT, or EFBIG: a file size
 * limit), PF_EIO when the write fails otherwise; errno then says why. */
enum pf_err store_tmp_write(struct store_tmp *t, const void *data, size_t n) PF_WUR;
/* Closes and removes the staging file (nothing happens when fd is -1). */
void store_tmp_discard(struct store_tmp *t);

enum store_result {
    STORE_PUBLISHED, /* the file is in place with its record */
    STORE_REPLACED,  /* it replaced a different file of that name (overwrite) */
    STORE_IDENTICAL, /* a byte-identical file was already there: nothing done */
    STORE_EXISTS,    /* a different file of that name is there: nothing done */
};

/* What store_publish puts in place. */
struct store_file {
    const char *dir;      /* relative to the root the file is staged in: a project's
                           * directory, created when missing, or the directory of a
                           * file being replaced, "." for the root */
    const char *filename;
    sidecar_t *rec;       /* its record; size and mtime are set by store_publish */
    const void *metadata; /* the METADATA bytes written beside the record, or NULL */
    size_t metadata_len;
    bool overwrite;       /* replace a different file of that name */
    bool hold_grace;      /* keep the replaced file in STORE_HOLD_DIR */
};

/* Publishes the staged file t as ROOT/f->dir/f->filename: fsyncs it, takes
 * the directory's sidecar lock, compares with a file already there,
 * writes the sidecar record (and METADATA) so that the file is complete
 * when it appears, links it into place (link(2): a racing writer cannot
 * be overwritten) or, with overwrite, renames it over the old file (kept
 * aside first with hold_grace), writes the record again with the
 * identity (inode, ctime) the file has under its name, and fsyncs the
 * directory. f->rec's size, mtime and identity are set here.
 * existing_sha256 receives the hash of the file found in the way
 * (STORE_IDENTICAL, STORE_EXISTS). t is left for the caller to discard.
 * On failure writes the reason to err and returns PF_ENOSPACE when the
 * file system has no room (ENOSPC, EDQUOT, EFBIG), PF_EIO otherwise;
 * nothing is visible then (but for a directory that cannot be flushed:
 * the file is in place, maybe not durable). */
enum pf_err store_publish(struct store_tmp *t, const struct store_file *f, enum store_result *res,
                          char existing_sha256[DIGEST_HEX_LEN + 1], buf_t *err) PF_WUR;

/* Removes root/dirrel/filename and its sidecar files under the directory's
 * sidecar lock, then fsyncs the directory. With hold_grace a regular file
 * is moved into STORE_HOLD_DIR instead of unlinked (unlinked when that
 * cannot be done, with a warning). PF_ENOTFOUND when it is gone. */
enum pf_err store_remove(const char *root, const char *dirrel, const char *filename, bool hold_grace,
                         buf_t *err) PF_WUR;

/* Removes the named staging files of root whose writer is gone (their
 * lock is free). Returns how many were removed. */
int store_cleanup(const char *root);
/* What store_probe found about publishing into a root. */
struct store_probe {
    bool refuse;       /* uploads and removals there are refused */
    bool keep_staging; /* start-up must not remove staging files: other hosts' locks are out of sight */
    bool nocto;        /* NFS without close-to-open consistency: other hosts' changes are seen late */
    char what[1024];   /* one line for -t and the log: the filesystem, its locks, link(2) */
    char why[1024];    /* when refuse: the reason, for the 503 and the log */
};
/* Looks at the filesystem of root (its type and options in the kernel's
 * mount table: does it share flock locks between hosts?) and tries
 * flock(2) and link(2) in its staging directory (is the lock granted?
 * does link(2) refuse an existing name?). Publishing is refused where
 * either does not work as publication needs,
 * and, unless single_publisher, where locks are not shared between hosts
 * or pypi-fcgi cannot tell that they are. A root that cannot be written
 * is not refused here: an upload then fails with its own error. */
void store_probe(const char *root, bool single_publisher, struct store_probe *out);

/* Deletes the files of root's STORE_HOLD_DIR put there at least grace
 * seconds ago. Returns how many were deleted. */
int store_reap(const char *root, long grace);

#endif
