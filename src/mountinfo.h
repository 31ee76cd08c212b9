/* SPDX-License-Identifier: MIT */
/* mountinfo.h: the kernel's mount table (/proc/self/mountinfo) and whether the filesystem of a directory shares flock locks between hosts. */
#ifndef PF_MOUNTINFO_H
#define PF_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Publishing into a package tree is safe only where the flock(2) locks
 * pypi-fcgi takes are seen by every process that writes the tree, on every
 * host. The judgement, from the filesystem type and its options:
 *
 * - Local filesystems (ext2, ext3, ext4, xfs, btrfs, tmpfs, f2fs, zfs,
 *   overlay, ramfs, jfs, reiserfs, bcachefs, vfat, exfat): MNT_LOCKS_LOCAL.
 *   One host sees the tree, and every process on it sees the locks. (A
 *   local filesystem that this host exports over NFS is out of sight here:
 *   the server's own flock locks are not the NFS clients' locks.)
 * - nfs, nfs4: the client sends a flock lock to the server as a lock on
 *   the whole file, so other hosts see it: MNT_LOCKS_SHARED, unless
 *   local_lock=flock or local_lock=all (flock kept on this host), or nolock
 *   on NFS version 2 or 3 (no lock protocol at all; recent kernels show it
 *   as local_lock=all too): MNT_LOCKS_NOT_SHARED. The last of repeated
 *   options counts, as for mount(8).
 * - ceph (the kernel client): the cluster keeps flock locks:
 *   MNT_LOCKS_SHARED.
 * - gfs2, ocfs2: flock locks are cluster-wide (MNT_LOCKS_SHARED) unless
 *   mounted with localflocks (MNT_LOCKS_NOT_SHARED).
 * - Everything else, among them cifs and smb3 (it depends on the server
 *   and the options), 9p, virtiofs, fuse and fuse.* (sshfs, s3fs, ...):
 *   MNT_LOCKS_UNKNOWN.
 * The sentence in why says which rule applied, naming the filesystem type
 * and the option that decided. */
enum mnt_locks {
    MNT_LOCKS_LOCAL,      /* one host: locks are shared by everything that sees the tree */
    MNT_LOCKS_SHARED,     /* a network or cluster filesystem that shares flock locks between hosts */
    MNT_LOCKS_NOT_SHARED, /* a network or cluster filesystem that keeps flock locks on this host */
    MNT_LOCKS_UNKNOWN     /* pypi-fcgi cannot tell */
};

/* NFS's lookupcache= option. The kernel shows "pos" for "positive". */
enum mnt_lookupcache {
    MNT_LOOKUPCACHE_DEFAULT, /* not given: all */
    MNT_LOOKUPCACHE_ALL,
    MNT_LOOKUPCACHE_POSITIVE,
    MNT_LOOKUPCACHE_NONE,
    MNT_LOOKUPCACHE_OTHER    /* a value pypi-fcgi does not know */
};

/* Caps, checked before the work: the whole table, one line (a path may be
 * 4096 bytes, 16 KiB once escaped), the fields of a line. */
#define MNT_MAX_TABLE (1024 * 1024)
#define MNT_MAX_LINE 65536
#define MNT_MAX_FIELDS 64
/* Attribute-cache times are kept in seconds up to this (larger ones are
 * cut to it). */
#define MNT_MAX_SECONDS 999999999L

/* One mount. The strings are decoded (the kernel's \ooo escapes undone),
 * NUL-terminated, and cut at a UTF-8 character boundary when longer than
 * their array (truncated is set then). fstype holds only printable ASCII;
 * the others may hold any byte but NUL: escape them before printing. */
struct mnt_info {
    uint64_t mnt_id, parent_id;
    unsigned major, minor;
    char fstype[64];
    char source[256];
    char mount_point[512];
    char opts[512];        /* the mount options ("rw,relatime") */
    char super_opts[1024]; /* the filesystem's options ("rw,vers=4.2,...") */
    bool truncated;        /* some string above was cut */
    enum mnt_locks locks;
    /* One sentence a person understands, e.g. "nfs4 mounted with
     * local_lock=all: flock locks are kept on this host and not seen by
     * other hosts"; it starts with the filesystem type. On an error
     * of mnt_parse or mnt_of_fd: what went wrong (locks is then
     * MNT_LOCKS_UNKNOWN). */
    char why[256];
    /* NFS only (nfs is false and the rest zero for other types). */
    bool nfs;
    int nfs_vers;          /* the major version of vers= or nfsvers=; 4 for nfs4 without it; 0: not given */
    bool nocto;            /* close-to-open consistency off: pypi-fcgi cannot work across hosts so */
    bool noac;             /* attribute caching off */
    bool attr_cached;      /* attributes are cached for a while (not noac, not every maximum 0) */
    /* Seconds, -1 when not given (the kernel shows only values that
     * differ from its defaults 3, 60, 30, 60); actimeo=N sets all four. */
    long acregmin, acregmax, acdirmin, acdirmax;
    enum mnt_lookupcache lookupcache;
};

/* Reads a mount table in the format of /proc/self/mountinfo (proc(5)),
 * text[0..len), and fills *out for the mount whose ID is mnt_id. Every line
 * is checked, ends with '\n', and has: mount ID, parent ID, major:minor,
 * root, mount point, mount options, optional fields, "-", filesystem type,
 * source (may be empty), super options, separated by single spaces.
 * Errors (out is then cleared but for why, which says what and on which
 * line): PF_ETOOBIG past a cap; PF_ECORRUPT for a malformed table (a NUL
 * byte, a missing "-", a non-numeric ID, a bad escape, a truncated line, a
 * mount ID given twice); PF_ENOTFOUND when no line has mnt_id. */
enum pf_err mnt_parse(const char *text, size_t len, uint64_t mnt_id, struct mnt_info *out) PF_WUR;

/* The mount of the open file fd (a directory of the package tree): its
 * mount ID from statx(STATX_MNT_ID) (Linux 5.8), then mnt_parse of
 * /proc/self/mountinfo (at most MNT_MAX_TABLE bytes, else PF_ETOOBIG). On
 * an error, out->why says what went wrong: PF_EIO when statx or reading the
 * table failed (errno is kept), PF_EUNAVAIL when the kernel gives no mount
 * ID, and the errors of mnt_parse. */
enum pf_err mnt_of_fd(int fd, struct mnt_info *out) PF_WUR;

/* "local", "shared", "not shared", "unknown". */
const char *mnt_locks_name(enum mnt_locks locks);

#endif
