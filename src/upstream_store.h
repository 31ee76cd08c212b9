/* SPDX-License-Identifier: MIT */
/* upstream_store.h: the upstream cache's project pages on disk, and the lock of their revalidation. */
#ifndef PF_UPSTREAM_STORE_H
#define PF_UPSTREAM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "upstream_page.h"

/* Below the cache directory DIR:
 *
 *   DIR/pages/NAME          the page record of project NAME (normalized)
 *   DIR/pages/NAME.checked  its check stamp (see upstream_store_touch)
 *   DIR/pages/.tmp.*        records being written (left only by a crash)
 *   DIR/locks/NAME          the file flock'd by the revalidation lock
 *
 * NAME is checked before it becomes a path (upstream_store_name_ok): a
 * normalized project name only, so it holds no '/', '.' or leading '-'.
 * The directories are made when missing (0755), the files 0644 (both less
 * the umask); DIR itself must exist.
 *
 * The record is text, one field a line (a hand can read and check it):
 *
 *   pypi-fcgi-upstream-page 1
 *   name demo-pkg
 *   page-url https://pypi.org/simple/demo-pkg/
 *   etag "a1b2"
 *   last-modified Sat,%2005%20Dec%202026%2010:00:00%20GMT
 *   fetched 1796551200
 *   checked 1796554800
 *   skipped 1 file%202:%20its%20filename%20is%20another%20project's%20("x-1.0.tar.gz")
 *   files 2
 *   file demo_pkg-1.0-py3-none-any.whl https://f.example/demo_pkg-1.0-py3-none-any.whl sha256=HEX rp=>=3.8 meta=HEX
 *      size=4821 time=1672531200123456      (one line, cut here)
 *   file demo-pkg-1.0.tar.gz https://f.example/demo-pkg-1.0.tar.gz yanked=broken%20build meta
 *   versions 2
 *   version 1.0
 *   version 1.1rc1
 *   end SHA256
 *
 * The lines come in this order; etag and last-modified are left out when
 * the upstream sent none, the versions lines when the page had no
 * "versions" list ("versions 0" for an empty one). A file line is its
 * filename and URL, then the optional fields in this order: sha256=, rp=
 * (requires-python), yanked or yanked=REASON, meta or meta=HEX (core
 * metadata, with its sha256), size=, time= (upload time, microseconds).
 * Every string is written with the bytes that cannot sit in a token (space
 * and below, 0x7f and above) and '%' as %XX in lower-case hex, and only
 * those: so a string may hold any byte but NUL and reads back exactly.
 * Numbers are decimal without leading zeros. The last line is the SHA-256
 * (lower-case hex) of every byte before it: a truncated or damaged record
 * never reads as a shorter one. The encoding is canonical: a record that
 * decodes encodes to the same bytes.
 *
 * A record is untrusted when read (a crash, a full disk, an older
 * pypi-fcgi, a hand may have made it): it is read only up to
 * UPSTORE_MAX_RECORD bytes (checked before reading), counts and lengths
 * are checked against the caps of upstream_page.h before anything is
 * allocated for them, and the page must keep every rule up_page_parse
 * promises of its result (filenames of the project, unique, distfile_parse
 * accepts them; http(s) URLs of printable ASCII without a fragment; hashes
 * of 64 lower-case hex digits; UTF-8 text): any defect fails the whole
 * record, which the caller then treats as absent. The record is written
 * only when it would read back, so what save writes, load reads.
 *
 * A record is written whole to a new temporary file in DIR/pages, fsync'd,
 * renamed over the old one, and the directory fsync'd: a reader sees the
 * old record or the new one, never a part, and a failed write leaves the
 * old one. Reading a record costs its size in memory plus the page, and a
 * SHA-256 pass over it.
 *
 * A revalidation answered 304 (not modified) changes only the check time.
 * Rewriting a record of up to 128 MiB and fsyncing it for that would make
 * every revalidation of a large project cost as much as a fetch, so the
 * time goes to a stamp file beside the record instead: a few bytes naming
 * the record they belong to (its SHA-256, the end line) and the check
 * time, written to a temporary file and renamed over the old stamp, not
 * fsync'd. A stamp counts only for the record it names and only when it
 * is later than the record's own check time; a missing, damaged or stale
 * stamp is ignored. The stamp is a hint: a crash may lose the last check
 * time, which costs one revalidation more, never a wrong page. The next
 * rewrite of the record (a 200, or a 304 bringing new validators) carries
 * the check time in the record again and removes the stamp. */

/* The largest record read or written. */
#define UPSTORE_MAX_RECORD (128 * 1024 * 1024)
/* The longest ETag or Last-Modified kept (as upstream_http keeps them). */
#define UPSTORE_MAX_VALIDATOR 1024

/* A project page as the cache keeps it. Strings are malloc'd, NUL-terminated. */
struct up_cached {
    struct up_page page;  /* page.name is the project, normalized; nskipped and skipped_why are kept too */
    char *page_url;       /* the URL that gave the page (after redirects), relative URLs' base; not NULL */
    char *etag;           /* the ETag of the answer that gave the page, as sent; NULL when none */
    char *last_modified;  /* its Last-Modified, as sent; NULL when none */
    int64_t fetched_at;   /* unix seconds: when the page was fetched (the 200) */
    int64_t checked_at;   /* unix seconds: the last fetch or successful revalidation (a 304) */
    char record_sha256[65]; /* the stored record's identity (its end line), set by load and save; "" when none */
};

/* Frees everything c holds and empties it. */
void up_cached_free(struct up_cached *c);

/* True when norm may name a project's files here: a normalized project
 * name (^[a-z0-9]+(-[a-z0-9]+)*$, so only [a-z0-9-] and no leading '-') of
 * at most NAME_MAX_LEN bytes. */
bool upstream_store_name_ok(const char *norm);

/* The record of c, in a malloc'd buffer (*out, *outlen bytes; the caller
 * frees it), and its identity in sha256 (the end line's hex). PF_EINVAL
 * when c breaks a rule the reader checks (err says which), PF_ETOOBIG when
 * the record would pass UPSTORE_MAX_RECORD, PF_ENOMEM. */
enum pf_err upstream_store_encode(const struct up_cached *c, char **out, size_t *outlen, char sha256[65],
                                  buf_t *err) PF_WUR;

/* Reads a record (len bytes at p, which need not be NUL-terminated) into
 * *out, record_sha256 included. PF_ECORRUPT with the reason in err
 * (printable ASCII, naming the line) for any defect, a passed cap
 * included; PF_ENOMEM. On failure out is left empty (up_cached_free may be
 * called either way). */
enum pf_err upstream_store_decode(const char *p, size_t len, struct up_cached *out, buf_t *err) PF_WUR;

/* Reads the record of project norm from DIR/pages into *out, with the
 * check time of its stamp when that is later. PF_ENOTFOUND when there is
 * none; PF_ECORRUPT when it cannot be used (damaged, over a cap, another
 * project's, not a regular file): err says why and the caller treats the
 * page as absent (the next save replaces it); PF_EINVAL for a bad name;
 * PF_EIO, PF_ENOMEM. out is left empty on failure. */
enum pf_err upstream_store_load(const char *dir, const char *norm, struct up_cached *out, buf_t *err) PF_WUR;

/* Writes c as the record of project norm (c->page.name must be norm),
 * atomically and durably (see above), and sets c->record_sha256. PF_EINVAL
 * for a bad name or a c that encode refuses, PF_ETOOBIG, PF_ENOSPACE when
 * the file system has no room, PF_EIO, PF_ENOMEM; err says why. The old
 * record stays on any failure but one: when the directory's fsync after
 * the rename fails, the new record is in place but may not outlive a
 * crash. */
enum pf_err upstream_store_save(const char *dir, const char *norm, struct up_cached *c, buf_t *err) PF_WUR;

/* Records that the upstream confirmed c (loaded or saved: record_sha256
 * set) at checked_at, in the stamp beside the record, and sets
 * c->checked_at. PF_EINVAL for a bad name or a c without identity;
 * PF_ENOSPACE, PF_EIO. */
enum pf_err upstream_store_touch(const char *dir, const char *norm, struct up_cached *c, int64_t checked_at,
                                 buf_t *err) PF_WUR;

/* After a 304 to a revalidation of c at now: etag and last_modified are
 * the validators the 304 sent (NULL or "": none, the stored ones stay).
 * When they differ from those stored, they replace them and the record is
 * rewritten (upstream_store_save); otherwise only the stamp is
 * (upstream_store_touch). Either way c->checked_at becomes now. */
enum pf_err upstream_store_revalidated(const char *dir, const char *norm, struct up_cached *c, const char *etag,
                                       const char *last_modified, int64_t now, buf_t *err) PF_WUR;

/* The revalidation lock of project norm: makes one revalidation at a time
 * per project, across the threads and the processes that share DIR.
 * Opens (creating it, and DIR/locks, when missing) DIR/locks/norm and
 * tries flock(LOCK_EX | LOCK_NB) on it, without waiting.
 *
 * PF_EOK: this caller holds the lock; *fd is its file, which
 * upstream_store_unlock (close) releases. PF_EUNAVAIL: someone else holds
 * it (*fd = -1): serve what is cached, or wait and load again. Other
 * errors (*fd = -1, err says why): PF_EINVAL for a bad name; PF_EIO when
 * the file cannot be made or the file system refuses flock (ENOLCK: NFS
 * without its lock service).
 *
 * A flock belongs to the open file description, not to the process: each
 * call opens the file anew, so two threads of one process exclude each
 * other as two processes do. A descriptor inherited over fork (or dup'd)
 * shares the lock of its parent's: the lock is released when the last
 * copy is closed, so a child that is not to hold it closes its copy.
 * The lock files are never removed (a file unlinked while locked would
 * let a second holder lock a new file of the same name). */
enum pf_err upstream_store_trylock(const char *dir, const char *norm, int *fd, buf_t *err) PF_WUR;
/* Releases a lock upstream_store_trylock gave (closes fd; -1 is ignored). */
void upstream_store_unlock(int fd);

#endif
