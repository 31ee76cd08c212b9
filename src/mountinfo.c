/* SPDX-License-Identifier: MIT */
/* mountinfo.c: reads /proc/self/mountinfo and judges whether a filesystem shares flock locks between hosts. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ascii.h"
#include "mountinfo.h"
#include "sv.h"

const char *mnt_locks_name(enum mnt_locks locks)
{
    switch (locks) {
    case MNT_LOCKS_LOCAL: return "local";
    case MNT_LOCKS_SHARED: return "shared";
    case MNT_LOCKS_NOT_SHARED: return "not shared";
    case MNT_LOCKS_UNKNOWN: break;
    }
    return "unknown";
}

/* ---- the judgement: one row per filesystem type ---- */

enum fs_rule {
    RULE_LOCAL,   /* one host */
    RULE_NFS,     /* shared unless its options say otherwise */
    RULE_SHARED,  /* always shared */
    RULE_CLUSTER, /* shared unless mounted with localflocks */
    RULE_UNKNOWN
};

struct fs_kind {
    const char *name;
    bool prefix;      /* name is a prefix ("fuse.") */
    enum fs_rule rule;
    const char *note; /* the reason for RULE_SHARED, or a remark for RULE_UNKNOWN */
};

static const struct fs_kind fs_kinds[] = {
    { "ext2", false, RULE_LOCAL, NULL },
    { "ext3", false, RULE_LOCAL, NULL },
    { "ext4", false, RULE_LOCAL, NULL },
    { "xfs", false, RULE_LOCAL, NULL },
    { "btrfs", false, RULE_LOCAL, NULL },
    { "tmpfs", false, RULE_LOCAL, NULL },
    { "f2fs", false, RULE_LOCAL, NULL },
    { "zfs", false, RULE_LOCAL, NULL },
    { "overlay", false, RULE_LOCAL, NULL },
    { "ramfs", false, RULE_LOCAL, NULL },
    { "jfs", false, RULE_LOCAL, NULL },
    { "reiserfs", false, RULE_LOCAL, NULL },
    { "bcachefs", false, RULE_LOCAL, NULL },
    { "vfat", false, RULE_LOCAL, NULL },
    { "exfat", false, RULE_LOCAL, NULL },
    { "nfs", false, RULE_NFS, NULL },
    { "nfs4", false, RULE_NFS, NULL },
    { "ceph", false, RULE_SHARED, "the kernel's ceph client keeps flock locks in the cluster, so other hosts see them" },
    { "gfs2", false, RULE_CLUSTER, NULL },
    { "ocfs2", false, RULE_CLUSTER, NULL },
    { "cifs", false, RULE_UNKNOWN, "with SMB it depends on the server and the mount options" },
    { "smb3", false, RULE_UNKNOWN, "with SMB it depends on the server and the mount options" },
    { "fuse", false, RULE_UNKNOWN, "a FUSE filesystem's program decides" },
    { "fuse.", true, RULE_UNKNOWN, "a FUSE filesystem's program decides" },
};

static const struct fs_kind *fs_kind_of(const char *fstype)
{
    for (size_t i = 0; i < sizeof fs_kinds / sizeof fs_kinds[0]; i++) {
        const struct fs_kind *k = &fs_kinds[i];
        if (k->prefix ? strncmp(fstype, k->name, strlen(k->name)) == 0 : strcmp(fstype, k->name) == 0)
            return k;
    }
    return NULL;
}

/* Seconds of an option's value: digits only, cut to MNT_MAX_SECONDS; -1
 * for anything else. */
static long parse_seconds(sv_t v)
{
    if (v.len == 0)
        return -1;
    long n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (!ascii_isdigit(v.p[i]))
            return -1;
        int d = v.p[i] - '0';
        n = n > (MNT_MAX_SECONDS - d) / 10 ? MNT_MAX_SECONDS : n * 10 + d;
    }
    return n;
}

/* What the options of a mount say about its locks. */
struct opt_state {
    sv_t local_lock; /* the last local_lock= value, .p NULL when none */
    bool nolock, localflocks;
};

/* Applies one option (raw, as in the table: the options that matter have
 * no escapes) to the state and to out's NFS fields. */
static void apply_option(sv_t o, struct opt_state *st, struct mnt_info *out)
{
    static const char *const time_keys[] = { "acregmin=", "acregmax=", "acdirmin=", "acdirmax=" };
    long *const times[] = { &out->acregmin, &out->acregmax, &out->acdirmin, &out->acdirmax };
    if (sv_starts_with(o, SV_LIT("local_lock=")))
        st->local_lock = sv_make(o.p + 11, o.len - 11);
    else if (sv_eq(o, SV_LIT("nolock")) || sv_eq(o, SV_LIT("lock")))
        st->nolock = o.len == 6;
    else if (sv_eq(o, SV_LIT("localflocks")))
        st->localflocks = true;
    else if (sv_eq(o, SV_LIT("nocto")) || sv_eq(o, SV_LIT("cto")))
        out->nocto = o.len == 5;
    else if (sv_eq(o, SV_LIT("noac")) || sv_eq(o, SV_LIT("ac")))
        out->noac = o.len == 4;
    else if (sv_starts_with(o, SV_LIT("vers=")) || sv_starts_with(o, SV_LIT("nfsvers="))) {
        sv_t v = sv_make(o.p + (o.p[0] == 'v' ? 5 : 8), o.len - (o.p[0] == 'v' ? 5 : 8));
        size_t d = 0;
        while (d < v.len && d < 3 && ascii_isdigit(v.p[d]))
            d++;
        long n = parse_seconds(sv_make(v.p, d));
        out->nfs_vers = n < 0 ? 0 : (int)n;
    } else if (sv_starts_with(o, SV_LIT("actimeo="))) {
        long n = parse_seconds(sv_make(o.p + 8, o.len - 8));
        out->acregmin = out->acregmax = out->acdirmin = out->acdirmax = n;
    } else if (sv_starts_with(o, SV_LIT("lookupcache="))) {
        sv_t v = sv_make(o.p + 12, o.len - 12);
        out->lookupcache = sv_eq(v, SV_LIT("all"))                                       ? MNT_LOOKUPCACHE_ALL
                           : sv_eq(v, SV_LIT("pos")) || sv_eq(v, SV_LIT("positive")) ? MNT_LOOKUPCACHE_POSITIVE
                           : sv_eq(v, SV_LIT("none"))                                  ? MNT_LOOKUPCACHE_NONE
                                                                                       : MNT_LOOKUPCACHE_OTHER;
    } else {
        for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
            if (sv_starts_with(o, sv_cstr(time_keys[i]))) {
                size_t kl = strlen(time_keys[i]);
                *times[i] = parse_seconds(sv_make(o.p + kl, o.len - kl));
            }
    }
}

static void apply_options(sv_t opts, struct opt_state *st, struct mnt_info *out)
{
    while (opts.len) {
        sv_t o = sv_split(&opts, ',');
        apply_option(o, st, out);
    }
}

/* The verdict for the NFS mount in out, whose options are in st. */
static void judge_nfs(struct mnt_info *out, const struct opt_state *st)
{
    out->attr_cached = !out->noac && !(out->acregmax == 0 && out->acdirmax == 0);
    if (st->local_lock.p && (sv_eq(st->local_lock, SV_LIT("flock")) || sv_eq(st->local_lock, SV_LIT("all")))) {
        out->locks = MNT_LOCKS_NOT_SHARED;
        /* The kernel shows an NFSv3 mount made with nolock this way too. */
        bool all = sv_eq(st->local_lock, SV_LIT("all"));
        snprintf(out->why, sizeof out->why,
                 "%s mounted with local_lock=%.*s%s: flock locks are kept on this host and not seen by other hosts",
                 out->fstype, (int)st->local_lock.len, st->local_lock.p,
                 all && out->nfs_vers != 4 ? " (as nolock shows)" : "");
    } else if (st->nolock && out->nfs_vers != 4) {
        /* Without vers=, an "nfs" mount is version 2 or 3 here: the kernel
         * shows version 4 as "nfs4". */
        char vers[24] = "";
        if (out->nfs_vers)
            snprintf(vers, sizeof vers, " version %d", out->nfs_vers);
        out->locks = MNT_LOCKS_NOT_SHARED;
        snprintf(out->why, sizeof out->why,
                 "%s%s mounted with nolock: no lock reaches the server, so other hosts do not see them", out->fstype,
                 vers);
    } else {
        out->locks = MNT_LOCKS_SHARED;
        snprintf(out->why, sizeof out->why,
                 "%s: flock locks are sent to the NFS server as locks on the whole file, so other hosts see them",
                 out->fstype);
    }
}

/* Sets out->locks and out->why from out->fstype and the raw options. */
static void judge(struct mnt_info *out, sv_t opts, sv_t super_opts)
{
    const struct fs_kind *k = fs_kind_of(out->fstype);
    struct opt_state st = { { NULL, 0 }, false, false };
    enum fs_rule rule = k ? k->rule : RULE_UNKNOWN;
    out->acregmin = out->acregmax = out->acdirmin = out->acdirmax = -1;
    if (rule == RULE_NFS) {
        out->nfs = true;
        out->nfs_vers = strcmp(out->fstype, "nfs4") == 0 ? 4 : 0;
    }
    apply_options(opts, &st, out);
    apply_options(super_opts, &st, out);
    if (!out->nfs) {
        /* The NFS fields are for NFS only. */
        out->nfs_vers = 0;
        out->nocto = out->noac = false;
        out->acregmin = out->acregmax = out->acdirmin = out->acdirmax = 0;
        out->lookupcache = MNT_LOOKUPCACHE_DEFAULT;
    }
    switch (rule) {
    case RULE_LOCAL:
        out->locks = MNT_LOCKS_LOCAL;
        snprintf(out->why, sizeof out->why,
                 "%s is a local filesystem: only this host sees the tree, and all its processes see the flock locks",
                 out->fstype);
        break;
    case RULE_NFS: judge_nfs(out, &st); break;
    case RULE_SHARED:
        out->locks = MNT_LOCKS_SHARED;
        snprintf(out->why, sizeof out->why, "%s: %s", out->fstype, k->note);
        break;
    case RULE_CLUSTER:
        out->locks = st.localflocks ? MNT_LOCKS_NOT_SHARED : MNT_LOCKS_SHARED;
        snprintf(out->why, sizeof out->why, "%s%s", out->fstype,
                 st.localflocks ? " mounted with localflocks: flock locks are kept on this host and not seen by "
                                  "other hosts"
                                : ": flock locks are cluster-wide, so other hosts see them");
        break;
    case RULE_UNKNOWN:
        out->locks = MNT_LOCKS_UNKNOWN;
        snprintf(out->why, sizeof out->why,
                 "%s: pypi-fcgi cannot tell whether this filesystem's flock locks are shared between hosts%s%s%s",
                 out->fstype, k && k->note ? " (" : "", k && k->note ? k->note : "", k && k->note ? ")" : "");
        break;
    }
}

/* ---- the table's lines ---- */

/* Records an error in out (cleared: only why is set) and returns err. */
__attribute__((format(printf, 4, 5))) static enum pf_err fail(struct mnt_info *out, enum pf_err err,
                                                              unsigned long line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memset(out, 0, sizeof *out);
    out->locks = MNT_LOCKS_UNKNOWN;
    if (line)
        snprintf(out->why, sizeof out->why, "/proc/self/mountinfo, line %lu: %s", line, msg);
    else
        snprintf(out->why, sizeof out->why, "/proc/self/mountinfo: %s", msg);
    return err;
}

/* Whether every backslash of s starts an escape \ooo of a byte 1..255. */
static bool escapes_ok(sv_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] != '\\')
            continue;
        if (s.len - i < 4 || s.p[i + 1] < '0' || s.p[i + 1] > '3' || s.p[i + 2] < '0' || s.p[i + 2] > '7' ||
            s.p[i + 3] < '0' || s.p[i + 3] > '7')
            return false;
        if (s.p[i + 1] == '0' && s.p[i + 2] == '0' && s.p[i + 3] == '0')
            return false;
        i += 3;
    }
    return true;
}

/* Decodes s (escapes checked) into dst[cap], cut at a UTF-8 character
 * boundary when it does not fit; sets *truncated then. */
static void copy_field(char *dst, size_t cap, sv_t s, bool *truncated)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '\\') {
            c = (unsigned char)((s.p[i + 1] - '0') * 64 + (s.p[i + 2] - '0') * 8 + (s.p[i + 3] - '0'));
            i += 3;
        }
        if (n + 1 == cap) {
            *truncated = true;
            if ((c & 0xc0) == 0x80) {
                while (n > 0 && ((unsigned char)dst[n - 1] & 0xc0) == 0x80)
                    n--;
                if (n > 0 && (unsigned char)dst[n - 1] >= 0xc0)
                    n--;
            }
            break;
        }
        dst[n++] = (char)c;
    }
    dst[n] = '\0';
}

/* Splits line at single spaces into f[]; returns the number of fields, or
 * 0 past MNT_MAX_FIELDS. */
static size_t split_fields(sv_t line, sv_t f[MNT_MAX_FIELDS])
{
    size_t n = 0;
    for (;;) {
        if (n == MNT_MAX_FIELDS)
            return 0;
        long sp = sv_index(line, ' ');
        if (sp < 0) {
            f[n++] = line;
            return n;
        }
        f[n++] = sv_make(line.p, (size_t)sp);
        line = sv_make(line.p + sp + 1, line.len - (size_t)sp - 1);
    }
}

/* Checks one line (without its '\n'); when its mount ID is mnt_id, fills
 * *out and sets *found (a second such line is an error). */
static enum pf_err parse_line(sv_t line, unsigned long lineno, uint64_t mnt_id, struct mnt_info *out, bool *found)
{
    sv_t f[MNT_MAX_FIELDS];
    size_t n = split_fields(line, f), sep = 6;
    if (n == 0)
        return fail(out, PF_ETOOBIG, lineno, "more than %d fields", MNT_MAX_FIELDS);
    while (sep < n && !sv_eq(f[sep], SV_LIT("-")))
        sep++;
    if (sep >= n)
        return fail(out, PF_ECORRUPT, lineno, "no \"-\" after the optional fields");
    if (n != sep + 4)
        return fail(out, PF_ECORRUPT, lineno, "%zu fields after \"-\", not 3", n - sep - 1);
    for (size_t i = 0; i < n; i++) {
        if (f[i].len == 0 && i != sep + 2)
            return fail(out, PF_ECORRUPT, lineno, "field %zu is empty", i + 1);
        if (!escapes_ok(f[i]))
            return fail(out, PF_ECORRUPT, lineno, "a malformed \\ escape in field %zu", i + 1);
    }
    uint64_t id, parent, major, minor;
    sv_t mm = f[2], majs = sv_split(&mm, ':');
    if (!sv_to_u64(f[0], UINT64_MAX, &id) || !sv_to_u64(f[1], UINT64_MAX, &parent))
        return fail(out, PF_ECORRUPT, lineno, "a mount ID that is not a number");
    if (!sv_to_u64(majs, UINT32_MAX, &major) || !sv_to_u64(mm, UINT32_MAX, &minor) || majs.len == f[2].len)
        return fail(out, PF_ECORRUPT, lineno, "a device number that is not major:minor");
    sv_t fst = f[sep + 1];
    for (size_t i = 0; i < fst.len; i++)
        if (fst.p[i] <= ' ' || fst.p[i] >= 0x7f || fst.p[i] == '\\')
            return fail(out, PF_ECORRUPT, lineno, "a filesystem type that is not printable ASCII");
    if (id != mnt_id)
        return PF_EOK;
    if (*found)
        return fail(out, PF_ECORRUPT, lineno, "mount ID %llu given twice", (unsigned long long)id);
    *found = true;
    memset(out, 0, sizeof *out);
    out->mnt_id = id;
    out->parent_id = parent;
    out->major = (unsigned)major;
    out->minor = (unsigned)minor;
    copy_field(out->fstype, sizeof out->fstype, fst, &out->truncated);
    copy_field(out->source, sizeof out->source, f[sep + 2], &out->truncated);
    copy_field(out->mount_point, sizeof out->mount_point, f[4], &out->truncated);
    copy_field(out->opts, sizeof out->opts, f[5], &out->truncated);
    copy_field(out->super_opts, sizeof out->super_opts, f[sep + 3], &out->truncated);
    judge(out, f[5], f[sep + 3]);
    return PF_EOK;
}

enum pf_err mnt_parse(const char *text, size_t len, uint64_t mnt_id, struct mnt_info *out)
{
    if (len > MNT_MAX_TABLE)
        return fail(out, PF_ETOOBIG, 0, "the mount table is larger than %d bytes", MNT_MAX_TABLE);
    bool found = false;
    unsigned long lineno = 0;
    size_t off = 0;
    while (off < len) {
        lineno++;
        size_t avail = len - off;
        const char *nl = memchr(text + off, '\n', avail < MNT_MAX_LINE + 1 ? avail : MNT_MAX_LINE + 1);
        if (!nl && avail > MNT_MAX_LINE)
            return fail(out, PF_ETOOBIG, lineno, "longer than %d bytes", MNT_MAX_LINE);
        if (!nl)
            return fail(out, PF_ECORRUPT, lineno, "cut short (no line break at its end)");
        sv_t line = sv_make(text + off, (size_t)(nl - (text + off)));
        off += line.len + 1;
        if (memchr(line.p, '\0', line.len))
            return fail(out, PF_ECORRUPT, lineno, "a NUL byte");
        enum pf_err e = parse_line(line, lineno, mnt_id, out, &found);
        if (e)
            return e;
    }
    if (!found)
        return fail(out, PF_ENOTFOUND, 0, "no mount with ID %llu", (unsigned long long)mnt_id);
    return PF_EOK;
}

/* Reads /proc/self/mountinfo into a malloc'd *text, at most MNT_MAX_TABLE
 * bytes. */
static enum pf_err read_table(char **text, size_t *len, struct mnt_info *out)
{
    static const char path[] = "/proc/self/mountinfo";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        fail(out, PF_EIO, 0, "cannot open: %s", strerror(err));
        errno = err;
        return PF_EIO;
    }
    size_t cap = 65536, n = 0;
    char *p = NULL;
    enum pf_err e = PF_EOK;
    for (;;) {
        if (n == cap || !p) {
            /* One byte past the cap tells a table that is too big. */
            if (p && cap > MNT_MAX_TABLE) {
                e = fail(out, PF_ETOOBIG, 0, "the mount table is larger than %d bytes", MNT_MAX_TABLE);
                break;
            }
            if (p)
                cap = cap * 2 > MNT_MAX_TABLE ? MNT_MAX_TABLE + 1 : cap * 2;
            char *q = realloc(p, cap);
            if (!q) {
                e = fail(out, PF_ENOMEM, 0, "out of memory");
                break;
            }
            p = q;
        }
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int err = errno;
            e = fail(out, PF_EIO, 0, "cannot read: %s", strerror(err));
            errno = err;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    int err = errno;
    close(fd);
    errno = err;
    if (e) {
        free(p);
        return e;
    }
    *text = p;
    *len = n;
    return PF_EOK;
}

enum pf_err mnt_of_fd(int fd, struct mnt_info *out)
{
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) != 0) {
        int err = errno;
        fail(out, PF_EIO, 0, "statx of the directory failed: %s", strerror(err));
        errno = err;
        return PF_EIO;
    }
    if (!(stx.stx_mask & STATX_MNT_ID))
        return fail(out, PF_EUNAVAIL, 0, "the kernel gives no mount ID (Linux 5.8 or later does)");
    char *text;
    size_t len;
    enum pf_err e = read_table(&text, &len, out);
    if (e)
        return e;
    e = mnt_parse(text, len, stx.stx_mnt_id, out);
    free(text);
    return e;
}
