/* SPDX-License-Identifier: MIT */
/* sidecar.h: the per-file record of facts learned once (hashes, metadata, yank). */
#ifndef PF_SIDECAR_H
#define PF_SIDECAR_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include "digest.h"
#include "distfile.h"
#include "error.h"

/* Sidecars live in a dot-directory beside the files they describe:
 * DIR/.pypi-fcgi/FILENAME.rec, and DIR/.pypi-fcgi/FILENAME.metadata: the
 * core metadata (a wheel's METADATA, served for PEP 658; an sdist's
 * PKG-INFO, read for the JSON API and search, never served as PEP 658
 * metadata: only a wheel's is static). Both are written to a temporary
 * file, fsync'd and renamed into place, the metadata first. */
#define SIDECAR_DIR ".pypi-fcgi"
#define SIDECAR_REC_SUFFIX ".rec"
#define SIDECAR_META_SUFFIX ".metadata"
/* The longest file name whose sidecar files still fit in a directory
 * entry (NAME_MAX): longer names can be listed but not given a record. */
#define SIDECAR_MAX_FILENAME (NAME_MAX - (int)(sizeof SIDECAR_META_SUFFIX - 1))
/* Largest record file read (the METADATA lives in its own file). */
#define SIDECAR_MAX_REC 65536
/* Largest text field (Requires-Python, yank reason, uploader). */
#define SIDECAR_MAX_FIELD 1024

typedef struct {
    uint64_t size;            /* the file's size and mtime when the record was made: */
    int64_t mtime_sec;        /* a record whose file no longer matches is stale */
    long mtime_nsec;
    /* And its identity once published: the inode number and the ctime
     * after link(2) gave it its name. Another file of the same size and
     * mtime (a racing upload of the same name that lost, a copy made
     * within one timestamp tick) has another inode or ctime, so a record
     * can never describe a file it was not made from. Records written
     * before this field existed have has_ident false and are judged by
     * size and mtime alone. */
    bool has_ident;
    uint64_t ino;
    int64_t ctime_sec;
    long ctime_nsec;
    char sha256[DIGEST_HEX_LEN + 1];
    int64_t first_seen_usec;  /* microseconds since the epoch (PEP 700 upload-time) */
    char *requires_python;    /* malloc'd or NULL */
    bool yanked;
    char *yank_reason;        /* malloc'd or NULL; only meaningful when yanked */
    char *uploader;           /* malloc'd or NULL */
    bool has_metadata;        /* a .metadata file exists with this hash and length */
    char metadata_sha256[DIGEST_HEX_LEN + 1];
    uint64_t metadata_len;
} sidecar_t;

/* Frees the strings of rec (not rec itself) and zeroes it. */
void sidecar_clear(sidecar_t *rec);
/* Deep copy; dst must be cleared or zeroed. */
enum pf_err sidecar_copy(sidecar_t *dst, const sidecar_t *src) PF_WUR;

/* Reads DIR/.pypi-fcgi/FILENAME.rec relative to dirfd (the directory
 * holding the file). PF_ENOTFOUND when there is none; PF_ECORRUPT when it is
 * truncated, garbage, of another format version, or fails its checksum (the
 * caller rebuilds it; it is never trusted). On success the caller owns rec's
 * strings. */
enum pf_err sidecar_load(int dirfd, const char *filename, sidecar_t *rec) PF_WUR;

/* Writes the record (and, when metadata is not NULL, the METADATA bytes
 * first) atomically. Creates the sidecar directory if needed. PF_ENOSPACE
 * when the file system has no room, PF_EIO when it fails otherwise. */
enum pf_err sidecar_store(int dirfd, const char *filename, const sidecar_t *rec,
                          const void *metadata, size_t metadata_len) PF_WUR;

/* Fills the fields of rec that come from a distribution's metadata, md
 * (len bytes: the METADATA of a wheel, the PKG-INFO of an sdist, as
 * meta_extract gave it): Requires-Python when it fits SIDECAR_MAX_FIELD
 * (left NULL when it does not, or when out of memory), and the hash and
 * length of the .metadata file sidecar_store then writes beside the
 * record. The other fields are left as they are. */
void sidecar_set_metadata(sidecar_t *rec, const char *md, size_t len);
/* The metadata bytes to give sidecar_store with rec after
 * sidecar_set_metadata(rec, md, len): md (never NULL) when rec has
 * metadata, NULL otherwise. */
const void *sidecar_metadata_of(const sidecar_t *rec, const char *md);

/* Takes the sidecar lock of the directory dirfd, which serialises the
 * writers of its records and files across processes (record builders,
 * uploads, removals, pypi-fcgi yank): creates the sidecar directory when
 * missing, opens its .lock file and flocks it exclusively, waiting for
 * it. Returns the lock's fd, which the caller closes to release the lock,
 * or -1 with errno set when the directory cannot be written. When the
 * file system refuses the flock itself (ENOLCK: NFS without its lock
 * service), best_effort returns the fd without the lock instead of -1:
 * for writers that are correct without it (a record is written
 * atomically; the lock only spares a second build). */
int sidecar_lock(int dirfd, bool best_effort);

/* Removes the sidecar files (record and METADATA) of filename in the
 * directory dirfd; those that are missing are no error. Call with the
 * directory's sidecar lock held. */
void sidecar_remove(int dirfd, const char *filename);

/* Serialises rec into a malloc'd buffer (the on-disk format); for tests. */
enum pf_err sidecar_encode(const sidecar_t *rec, char **out, size_t *outlen) PF_WUR;
/* Parses the on-disk format; PF_ECORRUPT on any defect. */
enum pf_err sidecar_decode(const char *p, size_t len, sidecar_t *rec) PF_WUR;

/* True when rec still describes a file with this stat. */
bool sidecar_fresh(const sidecar_t *rec, const struct stat *st);
/* Sets the size, mtime and identity of rec from st, the stat of the file
 * under the name it is published as. */
void sidecar_set_stat(sidecar_t *rec, const struct stat *st);

/* Reads the METADATA file into a malloc'd buffer and checks it against
 * the record's hash and length; PF_ECORRUPT when they differ. */
enum pf_err sidecar_load_metadata(int dirfd, const char *filename, const sidecar_t *rec,
                                  char **out, size_t *outlen) PF_WUR;

#endif
