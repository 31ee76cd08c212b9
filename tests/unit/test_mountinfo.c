/* SPDX-License-Identifier: MIT */
/* test_mountinfo.c: unit tests for mountinfo.c (the mount table's lines and the verdict on flock locks). */
#include "config.h"
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mountinfo.h"
#include "suites.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A line every table below starts with: the root filesystem, mount ID 29. */
#define ROOT_LINE "29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n"

/* mnt_parse of an exact-size copy of text (ASan sees a read past it). */
static enum pf_err parse(const char *text, size_t len, uint64_t id, struct mnt_info *out)
{
    char *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, text, len);
    enum pf_err e = mnt_parse(p, len, id, out);
    free(p);
    return e;
}

static enum pf_err parse_str(const char *text, uint64_t id, struct mnt_info *out)
{
    return parse(text, strlen(text), id, out);
}

/* ---- the verdict, on lines as the kernel prints them ---- */

struct verdict_case {
    const char *line;     /* mount ID 98, after ROOT_LINE */
    const char *fstype;
    enum mnt_locks locks;
    const char *why;      /* a part of why */
};

#define NFS4_OPTS "rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,"
#define NFS3_OPTS                                                                                                 \
    "rw,vers=3,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,mountaddr=10.77.0.1," \
    "mountvers=3,mountport=20048,mountproto=udp,"

static const struct verdict_case verdict_cases[] = {
    { "98 29 0:22 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw,inode64\n", "tmpfs", MNT_LOCKS_LOCAL,
      "tmpfs is a local filesystem" },
    { "98 29 8:17 / /srv rw,noatime shared:2 - xfs /dev/sdb1 rw,attr2,inode64,logbufs=8,logbsize=32k,noquota\n", "xfs",
      MNT_LOCKS_LOCAL, "only this host sees the tree" },
    { "98 29 0:52 / /srv/pypi rw,relatime shared:60 - nfs4 10.77.0.1:/export/pypi " NFS4_OPTS
      "clientaddr=10.77.0.2,local_lock=none,addr=10.77.0.1\n",
      "nfs4", MNT_LOCKS_SHARED, "nfs4: flock locks are sent to the NFS server" },
    { "98 29 0:52 / /srv/pypi rw,relatime shared:60 - nfs4 10.77.0.1:/export/pypi " NFS4_OPTS
      "clientaddr=10.77.0.2,local_lock=flock,addr=10.77.0.1\n",
      "nfs4", MNT_LOCKS_NOT_SHARED, "nfs4 mounted with local_lock=flock: flock locks are kept on this host" },
    { "98 29 0:52 / /srv/pypi rw,relatime shared:60 - nfs4 10.77.0.1:/export/pypi " NFS4_OPTS
      "clientaddr=10.77.0.2,local_lock=posix,addr=10.77.0.1\n",
      "nfs4", MNT_LOCKS_SHARED, "sent to the NFS server" },
    /* NFSv3 with nolock as recent kernels show it, and as older ones did. */
    { "98 29 0:53 / /srv/v3 rw,relatime shared:61 - nfs 10.77.0.1:/export " NFS3_OPTS
      "nolock,local_lock=all,addr=10.77.0.1\n",
      "nfs", MNT_LOCKS_NOT_SHARED, "nfs mounted with local_lock=all" },
    { "98 29 0:53 / /srv/v3 rw,relatime - nfs 10.77.0.1:/export " NFS3_OPTS "nolock,addr=10.77.0.1\n", "nfs",
      MNT_LOCKS_NOT_SHARED, "nfs version 3 mounted with nolock" },
    { "98 29 0:53 / /srv/v3 rw,relatime - nfs 10.77.0.1:/export rw,nolock,addr=10.77.0.1\n", "nfs",
      MNT_LOCKS_NOT_SHARED, "mounted with nolock" },
    { "98 29 0:53 / /srv/v3 rw,relatime - nfs 10.77.0.1:/export " NFS3_OPTS "local_lock=none,addr=10.77.0.1\n",
      "nfs", MNT_LOCKS_SHARED, "nfs: flock locks are sent to the NFS server" },
    /* The last of repeated options counts. */
    { "98 29 0:53 / /srv/v3 rw - nfs h:/e rw,vers=3,nolock,lock,local_lock=all,local_lock=none\n", "nfs",
      MNT_LOCKS_SHARED, "sent to the NFS server" },
    /* nolock means nothing to NFSv4, whose protocol has the locks. */
    { "98 29 0:52 / /srv/pypi rw - nfs4 h:/e rw,vers=4.1,nolock\n", "nfs4", MNT_LOCKS_SHARED, "sent to the NFS server" },
    { "98 29 0:70 / /mnt/ceph rw,relatime - ceph 10.0.0.1:6789:/ rw,name=admin,secret=<hidden>,acl\n", "ceph",
      MNT_LOCKS_SHARED, "ceph: the kernel's ceph client" },
    { "98 29 253:3 / /mnt/gfs rw,relatime - gfs2 /dev/mapper/vg-gfs rw,localflocks\n", "gfs2", MNT_LOCKS_NOT_SHARED,
      "gfs2 mounted with localflocks" },
    { "98 29 253:3 / /mnt/ocfs rw,relatime - ocfs2 /dev/sdc rw,_netdev,heartbeat=local\n", "ocfs2", MNT_LOCKS_SHARED,
      "ocfs2: flock locks are cluster-wide" },
    { "98 29 0:60 / /mnt/ssh rw,nosuid,nodev,relatime shared:70 - fuse.sshfs user@host:/srv "
      "rw,user_id=1000,group_id=1000\n",
      "fuse.sshfs", MNT_LOCKS_UNKNOWN,
      "fuse.sshfs: pypi-fcgi cannot tell whether this filesystem's flock locks are shared between hosts (a FUSE" },
    { "98 29 0:61 / /mnt/9p rw,relatime - 9p hostshare rw,sync,dirsync,access=client,trans=virtio\n", "9p",
      MNT_LOCKS_UNKNOWN, "9p: pypi-fcgi cannot tell whether this filesystem's flock locks are shared between hosts" },
    { "98 29 0:62 / /mnt/smb rw,relatime - cifs //server/share rw,vers=3.1.1,cache=strict,username=u,uid=0\n", "cifs",
      MNT_LOCKS_UNKNOWN, "(with SMB it depends on the server" },
    { "98 29 0:63 / /mnt/v rw,relatime - virtiofs myfs rw\n", "virtiofs", MNT_LOCKS_UNKNOWN, "virtiofs: pypi-fcgi" },
    /* Not "fuse." itself, nor a type that only starts like a listed one. */
    { "98 29 0:64 / /mnt/x rw - ext4x /dev/x rw\n", "ext4x", MNT_LOCKS_UNKNOWN, "ext4x: pypi-fcgi cannot tell" },
    { "98 29 0:64 / /mnt/x rw - nfs4.2 h:/e rw\n", "nfs4.2", MNT_LOCKS_UNKNOWN, "nfs4.2: pypi-fcgi cannot tell" },
};

START_TEST(test_mnt_verdict)
{
    const struct verdict_case *c = &verdict_cases[_i];
    char text[2048];
    snprintf(text, sizeof text, "%s%s", ROOT_LINE, c->line);
    struct mnt_info mi;
    ck_assert_int_eq(parse_str(text, 98, &mi), PF_EOK);
    ck_assert_uint_eq(mi.mnt_id, 98);
    ck_assert_uint_eq(mi.parent_id, 29);
    ck_assert_str_eq(mi.fstype, c->fstype);
    ck_assert_msg(mi.locks == c->locks, "%s: %s, want %s", c->line, mnt_locks_name(mi.locks),
                  mnt_locks_name(c->locks));
    ck_assert_msg(strstr(mi.why, c->why) != NULL, "why \"%s\" lacks \"%s\"", mi.why, c->why);
    ck_assert(!mi.truncated);
    ck_assert_int_eq(mi.nfs, strncmp(c->fstype, "nfs", 3) == 0 && strlen(c->fstype) <= 4);
    /* The root line is found too, and is local. */
    ck_assert_int_eq(parse_str(text, 29, &mi), PF_EOK);
    ck_assert_str_eq(mi.fstype, "ext4");
    ck_assert_str_eq(mi.source, "/dev/nvme0n1p2");
    ck_assert_str_eq(mi.mount_point, "/");
    ck_assert_str_eq(mi.opts, "rw,relatime");
    ck_assert_str_eq(mi.super_opts, "rw,errors=remount-ro");
    ck_assert_uint_eq(mi.major, 259);
    ck_assert_uint_eq(mi.minor, 2);
    ck_assert(mi.locks == MNT_LOCKS_LOCAL);
    ck_assert_str_eq(mi.why, "ext4 is a local filesystem: only this host sees the tree, and all its processes see "
                             "the flock locks");
}
END_TEST

/* ---- NFS's consistency and cache options ---- */

static void nfs_line(const char *opts, struct mnt_info *mi)
{
    char text[2048];
    snprintf(text, sizeof text, "%s98 29 0:52 / /srv/pypi rw,relatime - nfs4 10.77.0.1:/export %s\n", ROOT_LINE, opts);
    ck_assert_int_eq(parse_str(text, 98, mi), PF_EOK);
    ck_assert(mi->nfs);
}

START_TEST(test_mnt_nfs_options)
{
    struct mnt_info mi;
    nfs_line(NFS4_OPTS "clientaddr=10.77.0.2,local_lock=none,addr=10.77.0.1", &mi);
    ck_assert_int_eq(mi.nfs_vers, 4);
    ck_assert(!mi.nocto && !mi.noac && mi.attr_cached);
    ck_assert_int_eq(mi.acregmin, -1);
    ck_assert_int_eq(mi.acdirmax, -1);
    ck_assert(mi.lookupcache == MNT_LOOKUPCACHE_DEFAULT);

    nfs_line("rw,vers=4.2,nocto,local_lock=none,addr=10.77.0.1", &mi);
    ck_assert(mi.nocto && mi.attr_cached && mi.locks == MNT_LOCKS_SHARED);
    nfs_line("rw,vers=4.2,nocto,cto", &mi);
    ck_assert(!mi.nocto);

    nfs_line("rw,vers=4.2,actimeo=1,lookupcache=positive", &mi);
    ck_assert_int_eq(mi.acregmin, 1);
    ck_assert_int_eq(mi.acregmax, 1);
    ck_assert_int_eq(mi.acdirmin, 1);
    ck_assert_int_eq(mi.acdirmax, 1);
    ck_assert(mi.lookupcache == MNT_LOOKUPCACHE_POSITIVE && mi.attr_cached);

    /* As the kernel shows them: the four times, "pos". */
    nfs_line("rw,vers=4.2,acregmin=1,acregmax=2,acdirmin=3,acdirmax=4,lookupcache=pos", &mi);
    ck_assert_int_eq(mi.acregmin, 1);
    ck_assert_int_eq(mi.acregmax, 2);
    ck_assert_int_eq(mi.acdirmin, 3);
    ck_assert_int_eq(mi.acdirmax, 4);
    ck_assert(mi.lookupcache == MNT_LOOKUPCACHE_POSITIVE);
    nfs_line("rw,vers=4.2,lookupcache=none", &mi);
    ck_assert(mi.lookupcache == MNT_LOOKUPCACHE_NONE);
    nfs_line("rw,vers=4.2,lookupcache=all", &mi);
    ck_assert(mi.lookupcache == MNT_LOOKUPCACHE_ALL);
    nfs_line("rw,vers=4.2,lookupcache=sometimes", &mi);
    ck_assert(mi.lookupcache == MNT_LOOKUPCACHE_OTHER);

    nfs_line("rw,vers=4.2,noac", &mi);
    ck_assert(mi.noac && !mi.attr_cached);
    nfs_line("rw,vers=4.2,actimeo=0", &mi);
    ck_assert(!mi.noac && !mi.attr_cached);
    nfs_line("rw,vers=4.2,acregmax=0,acdirmax=0", &mi);
    ck_assert(!mi.attr_cached);
    nfs_line("rw,vers=4.2,acregmax=0", &mi);
    ck_assert(mi.attr_cached);

    /* Numbers are capped; a value that is no number counts as not given. */
    nfs_line("rw,acregmin=99999999999999999999999,acregmax=12x,acdirmin=,acdirmax=-5", &mi);
    ck_assert_int_eq(mi.acregmin, MNT_MAX_SECONDS);
    ck_assert_int_eq(mi.acregmax, -1);
    ck_assert_int_eq(mi.acdirmin, -1);
    ck_assert_int_eq(mi.acdirmax, -1);
    nfs_line("rw,vers=99999999", &mi);
    ck_assert_int_eq(mi.nfs_vers, 999);

    /* Other filesystems leave the NFS fields alone. */
    ck_assert_int_eq(parse_str("7 1 8:1 / / rw,nocto - ext4 /dev/sda1 rw,noac,actimeo=1\n", 7, &mi), PF_EOK);
    ck_assert(!mi.nfs && !mi.nocto && !mi.noac && mi.acregmin == 0 && mi.nfs_vers == 0);
}
END_TEST

/* ---- fields: escapes, optional fields, an empty source ---- */

START_TEST(test_mnt_escapes)
{
    struct mnt_info mi;
    ck_assert_int_eq(parse_str("40 29 8:1 /a\\040b /mnt/my\\040dir\\011tab\\134back\\012nl rw,relatime - ext4 "
                               "/dev/disk\\040one rw\n",
                               40, &mi),
                     PF_EOK);
    ck_assert_str_eq(mi.mount_point, "/mnt/my dir\ttab\\back\nnl");
    ck_assert_str_eq(mi.source, "/dev/disk one");
    ck_assert(mi.locks == MNT_LOCKS_LOCAL && !mi.truncated);
    /* \377 is a byte like any other. */
    ck_assert_int_eq(parse_str("40 29 8:1 / /\\377\\001 rw - ext4 x rw\n", 40, &mi), PF_EOK);
    ck_assert_str_eq(mi.mount_point, "/\377\001");
}
END_TEST

START_TEST(test_mnt_optional_fields)
{
    static const char *const opt[] = { "", "shared:5 ", "shared:5 master:1 propagate_from:2 unbindable ",
                                       "- ", "shared:5 - " };
    struct mnt_info mi;
    for (size_t i = 0; i < NELEM(opt); i++) {
        char text[512];
        snprintf(text, sizeof text, "61 29 0:30 / /mnt rw,relatime %s- tmpfs tmpfs rw,size=1k\n", opt[i]);
        enum pf_err e = parse_str(text, 61, &mi);
        /* A "-" where an optional field stands ends them: three fields must follow it. */
        if (strstr(opt[i], "- ")) {
            ck_assert_int_eq(e, PF_ECORRUPT);
            continue;
        }
        ck_assert_msg(e == PF_EOK, "%s", text);
        ck_assert_str_eq(mi.fstype, "tmpfs");
        ck_assert_str_eq(mi.source, "tmpfs");
        ck_assert_str_eq(mi.super_opts, "rw,size=1k");
    }
    /* The kernel prints an empty source as nothing between two spaces. */
    ck_assert_int_eq(parse_str("62 29 0:31 / /mnt/e rw - tmpfs  rw\n", 62, &mi), PF_EOK);
    ck_assert_str_eq(mi.source, "");
    ck_assert_str_eq(mi.super_opts, "rw");
    /* The largest mount ID. */
    ck_assert_int_eq(parse_str("18446744073709551615 29 0:31 / /m rw - tmpfs t rw\n", UINT64_MAX, &mi), PF_EOK);
    ck_assert_uint_eq(mi.mnt_id, UINT64_MAX);
}
END_TEST

/* Long strings are cut to their arrays at a UTF-8 character boundary. */
START_TEST(test_mnt_truncated)
{
    char text[4096];
    int n = snprintf(text, sizeof text, "70 29 0:40 / /x");
    for (int i = 0; i < 600; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "\xc3\xa9");
    snprintf(text + n, sizeof text - (size_t)n, " rw - tmpfs tmpfs rw\n");
    struct mnt_info mi;
    ck_assert_int_eq(parse_str(text, 70, &mi), PF_EOK);
    ck_assert(mi.truncated);
    size_t len = strlen(mi.mount_point);
    ck_assert_uint_eq(len, sizeof mi.mount_point - 2); /* "/x" and 254 characters, not a cut 255th */
    ck_assert_uint_eq((unsigned char)mi.mount_point[len - 1], 0xa9);
    ck_assert(mi.locks == MNT_LOCKS_LOCAL);
}
END_TEST

/* ---- hostile tables ---- */

struct bad_case {
    const char *text;
    enum pf_err want;
    const char *why; /* a part of why */
};

static const struct bad_case bad_cases[] = {
    { "98 29 0:52 / /srv rw tmpfs tmpfs rw\n", PF_ECORRUPT, "line 1: no \"-\"" },
    { ROOT_LINE "98 29 0:52 / /srv rw shared:1 tmpfs tmpfs rw\n", PF_ECORRUPT, "line 2: no \"-\"" },
    { "98 29 0:52 / /srv rw - tmpfs tmpfs\n", PF_ECORRUPT, "2 fields after" },
    { "98 29 0:52 / /srv rw - tmpfs tmpfs rw extra\n", PF_ECORRUPT, "4 fields after" },
    { "98 29 0:52 / /srv rw -\n", PF_ECORRUPT, "0 fields after" },
    { "98 29 0:52 / /srv\n", PF_ECORRUPT, "no \"-\"" },
    { "\n", PF_ECORRUPT, "line 1" },
    { ROOT_LINE "\n", PF_ECORRUPT, "line 2" },
    { "98 29 0:52 / /srv rw - tmpfs tmpfs rw", PF_ECORRUPT, "cut short" },
    { "98  29 0:52 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "field 2 is empty" },
    { "98 29 0:52 / /srv rw - tmpfs tmpfs rw \n", PF_ECORRUPT, "4 fields after" },
    { "98 29 0:52 / /srv rw -  tmpfs rw\n", PF_ECORRUPT, "field 8 is empty" },
    { "98 29 0:52 / /srv rw - tmpfs tmpfs \n", PF_ECORRUPT, "field 10 is empty" },
    /* Escapes. */
    { "98 29 0:52 / /a\\04 rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "malformed \\ escape in field 5" },
    { "98 29 0:52 / /a\\04x rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "malformed" },
    { "98 29 0:52 / /a\\8 rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "malformed" },
    { "98 29 0:52 / /a\\400 rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "malformed" },
    { "98 29 0:52 / /a\\000 rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "malformed" },
    { "98 29 0:52 / /a\\x20 rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "malformed" },
    { "98 29 0:52 / /srv rw - tmpfs tmpfs rw\\\n", PF_ECORRUPT, "malformed \\ escape in field 10" },
    { "98 29 0:52 / /srv rw - tmp\\040fs tmpfs rw\n", PF_ECORRUPT, "not printable ASCII" },
    { "98 29 0:52 / /srv rw - tmp\x01" "fs tmpfs rw\n", PF_ECORRUPT, "not printable ASCII" },
    /* Numbers. */
    { "9a 29 0:52 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "not a number" },
    { "-1 29 0:52 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "not a number" },
    { "+98 29 0:52 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "not a number" },
    { "98 x 0:52 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "not a number" },
    { "18446744073709551616 29 0:52 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "not a number" },
    { "98 29 052 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "major:minor" },
    { "98 29 0: / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "major:minor" },
    { "98 29 :52 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "major:minor" },
    { "98 29 0:5:2 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "major:minor" },
    { "98 29 4294967296:0 / /srv rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "major:minor" },
    /* The ID twice, or not at all. */
    { "98 29 0:52 / /a rw - tmpfs tmpfs rw\n98 29 0:53 / /b rw - tmpfs tmpfs rw\n", PF_ECORRUPT, "given twice" },
    { ROOT_LINE, PF_ENOTFOUND, "no mount with ID 98" },
    { "", PF_ENOTFOUND, "no mount with ID 98" },
    /* A bad line after the one asked for still fails. */
    { "98 29 0:52 / /a rw - tmpfs tmpfs rw\nbad\n", PF_ECORRUPT, "line 2" },
};

START_TEST(test_mnt_bad)
{
    const struct bad_case *c = &bad_cases[_i];
    struct mnt_info mi;
    memset(&mi, 0x5a, sizeof mi);
    enum pf_err e = parse_str(c->text, 98, &mi);
    ck_assert_msg(e == c->want, "\"%s\": %s, want %s", c->text, pf_errname(e), pf_errname(c->want));
    ck_assert_msg(strstr(mi.why, c->why) != NULL, "why \"%s\" lacks \"%s\"", mi.why, c->why);
    ck_assert(mi.locks == MNT_LOCKS_UNKNOWN);
    ck_assert_str_eq(mi.fstype, "");
    ck_assert_uint_eq(mi.mnt_id, 0);
}
END_TEST

START_TEST(test_mnt_nul)
{
    static const char text[] = ROOT_LINE "98 29 0:52 / /s\0rv rw - tmpfs tmpfs rw\n";
    struct mnt_info mi;
    ck_assert_int_eq(parse(text, sizeof text - 1, 98, &mi), PF_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(mi.why, "line 2: a NUL byte"));
    /* Also in a line that is not the one asked for. */
    ck_assert_int_eq(parse(text, sizeof text - 1, 29, &mi), PF_ECORRUPT);
}
END_TEST

/* Every prefix of a table: the mount is found only in the whole table; a
 * cut at a line's end leaves a shorter table, any other cut a bad one. */
START_TEST(test_mnt_prefixes)
{
    static const char text[] = ROOT_LINE "98 29 0:52 / /srv/my\\040pypi rw,relatime shared:60 - nfs4 h:/e "
                                         "rw,vers=4.2,local_lock=none\n";
    const size_t len = sizeof text - 1, end1 = strlen(ROOT_LINE);
    struct mnt_info mi;
    for (size_t n = 0; n <= len; n++) {
        enum pf_err e = parse(text, n, 98, &mi), want;
        if (n == len)
            want = PF_EOK;
        else if (n == 0 || n == end1)
            want = PF_ENOTFOUND;
        else
            want = PF_ECORRUPT;
        ck_assert_msg(e == want, "prefix %zu: %s, want %s", n, pf_errname(e), pf_errname(want));
        ck_assert(mi.why[0] != '\0');
    }
    ck_assert_str_eq(mi.mount_point, "/srv/my pypi");
    ck_assert(mi.locks == MNT_LOCKS_SHARED);
}
END_TEST

/* Caps: a line of MNT_MAX_LINE bytes passes, one more byte does not; too
 * many fields; a table past MNT_MAX_TABLE. */
START_TEST(test_mnt_caps)
{
    static const char head[] = "98 29 0:52 / /", tail[] = " rw - tmpfs tmpfs rw\n";
    size_t pad = MNT_MAX_LINE - (sizeof head - 1) - (sizeof tail - 2);
    char *line = malloc(MNT_MAX_LINE + 64);
    ck_assert_ptr_nonnull(line);
    memcpy(line, head, sizeof head - 1);
    memset(line + sizeof head - 1, 'a', pad);
    memcpy(line + sizeof head - 1 + pad, tail, sizeof tail);
    struct mnt_info mi;
    ck_assert_uint_eq(strlen(line), MNT_MAX_LINE + 1);
    ck_assert_int_eq(parse_str(line, 98, &mi), PF_EOK);
    ck_assert(mi.truncated && strlen(mi.mount_point) == sizeof mi.mount_point - 1);
    /* One byte more. */
    memcpy(line + sizeof head - 1 + pad, "a", 1);
    memcpy(line + sizeof head + pad, tail, sizeof tail);
    ck_assert_int_eq(parse_str(line, 98, &mi), PF_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(mi.why, "line 1: longer than 65536 bytes"));
    /* Also without a line break anywhere. */
    ck_assert_int_eq(parse(line, MNT_MAX_LINE + 1, 98, &mi), PF_ETOOBIG);
    free(line);

    /* MNT_MAX_FIELDS fields pass, one more does not. */
    for (int extra = 0; extra < 2; extra++) {
        char text[1024];
        int n = snprintf(text, sizeof text, "98 29 0:52 / /srv rw");
        for (int i = 0; i < MNT_MAX_FIELDS - 10 + extra; i++)
            n += snprintf(text + n, sizeof text - (size_t)n, " shared:%d", i);
        snprintf(text + n, sizeof text - (size_t)n, " - tmpfs tmpfs rw\n");
        ck_assert_int_eq(parse_str(text, 98, &mi), extra ? PF_ETOOBIG : PF_EOK);
    }
    ck_assert_ptr_nonnull(strstr(mi.why, "more than 64 fields"));

    /* A table one byte past the cap is refused before any work. */
    char *big = malloc(MNT_MAX_TABLE + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, '\n', MNT_MAX_TABLE + 1);
    ck_assert_int_eq(mnt_parse(big, MNT_MAX_TABLE + 1, 98, &mi), PF_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(mi.why, "larger than"));
    /* At the cap, the work is done (and finds empty lines). */
    ck_assert_int_eq(mnt_parse(big, MNT_MAX_TABLE, 98, &mi), PF_ECORRUPT);
    free(big);
}
END_TEST

/* ---- the real table ---- */

START_TEST(test_mnt_of_fd)
{
    char *dir = tu_mkdtemp();
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    struct mnt_info mi;
    enum pf_err e = mnt_of_fd(fd, &mi);
    ck_assert_msg(e == PF_EOK, "%s: %s", pf_errname(e), mi.why);
    struct statx stx;
    ck_assert_int_eq(statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx), 0);
    ck_assert_uint_eq(mi.mnt_id, stx.stx_mnt_id);
    ck_assert(mi.fstype[0] != '\0' && mi.why[0] != '\0');
    ck_assert_msg(strstr(mi.why, mi.fstype) == mi.why, "why \"%s\" does not start with \"%s\"", mi.why, mi.fstype);
    ck_assert(mi.locks == MNT_LOCKS_LOCAL || mi.locks == MNT_LOCKS_SHARED || mi.locks == MNT_LOCKS_NOT_SHARED ||
              mi.locks == MNT_LOCKS_UNKNOWN);
    /* The directory lies below its mount's mount point. */
    char real[PATH_MAX];
    ck_assert_ptr_nonnull(realpath(dir, real));
    size_t mp = strlen(mi.mount_point);
    ck_assert_msg(strncmp(real, mi.mount_point, mp) == 0 && (mp == 1 || real[mp] == '/' || real[mp] == '\0'),
                  "%s is not below %s", real, mi.mount_point);
    close(fd);
    tu_rmrf(dir);
    free(dir);

    /* A closed descriptor: an error that says so. */
    ck_assert_int_eq(mnt_of_fd(fd, &mi), PF_EIO);
    ck_assert_ptr_nonnull(strstr(mi.why, "statx"));
    ck_assert(mi.locks == MNT_LOCKS_UNKNOWN);
}
END_TEST

Suite *suite_mountinfo(void)
{
    Suite *s = suite_create("mountinfo");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_mnt_verdict, 0, (int)NELEM(verdict_cases));
    tcase_add_test(tc, test_mnt_nfs_options);
    tcase_add_test(tc, test_mnt_escapes);
    tcase_add_test(tc, test_mnt_optional_fields);
    tcase_add_test(tc, test_mnt_truncated);
    tcase_add_loop_test(tc, test_mnt_bad, 0, (int)NELEM(bad_cases));
    tcase_add_test(tc, test_mnt_nul);
    tcase_add_test(tc, test_mnt_prefixes);
    tcase_add_test(tc, test_mnt_caps);
    tcase_add_test(tc, test_mnt_of_fd);
    suite_add_tcase(s, tc);
    return s;
}
