/* SPDX-License-Identifier: MIT */
/* fuzz_mountinfo.c: libFuzzer harness for the mount table's parser and the verdict on flock locks (mnt_parse). */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzzutil.h"
#include "mountinfo.h"

/* The input is a first line holding the mount ID to look for (decimal; any
 * other first line looks for ID 0), then the table, in the format of
 * /proc/self/mountinfo (any bytes). Checks: mnt_parse returns PF_EOK,
 * PF_ENOTFOUND, PF_ECORRUPT or PF_ETOOBIG; on every result why is a
 * non-empty NUL-terminated string inside its array; on an error the rest
 * of the result is cleared and locks is MNT_LOCKS_UNKNOWN. On PF_EOK: the
 * mount ID is the one asked for; every string is NUL-terminated inside its
 * array; fstype is non-empty printable ASCII and starts why; locks is one
 * of the enum's values; the NFS fields are zero unless nfs, the cache
 * times within -1..MNT_MAX_SECONDS; and looking for any other ID finds it
 * or finds nothing or finds it twice (every line was checked). */

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_ok(const struct mnt_info *mi, uint64_t id)
{
    FU_CHECK(mi->mnt_id == id);
    FU_CHECK(terminated(mi->fstype, sizeof mi->fstype) && terminated(mi->source, sizeof mi->source));
    FU_CHECK(terminated(mi->mount_point, sizeof mi->mount_point) && terminated(mi->opts, sizeof mi->opts));
    FU_CHECK(terminated(mi->super_opts, sizeof mi->super_opts));
    size_t fl = strlen(mi->fstype);
    FU_CHECK(fl > 0);
    for (size_t i = 0; i < fl; i++)
        FU_CHECK(mi->fstype[i] > ' ' && mi->fstype[i] < 0x7f);
    FU_CHECK(strncmp(mi->why, mi->fstype, fl) == 0);
    FU_CHECK(mi->locks == MNT_LOCKS_LOCAL || mi->locks == MNT_LOCKS_SHARED || mi->locks == MNT_LOCKS_NOT_SHARED ||
             mi->locks == MNT_LOCKS_UNKNOWN);
    FU_CHECK(mi->lookupcache >= MNT_LOOKUPCACHE_DEFAULT && mi->lookupcache <= MNT_LOOKUPCACHE_OTHER);
    const long t[] = { mi->acregmin, mi->acregmax, mi->acdirmin, mi->acdirmax };
    for (size_t i = 0; i < 4; i++)
        FU_CHECK(mi->nfs ? t[i] >= -1 && t[i] <= MNT_MAX_SECONDS : t[i] == 0);
    if (!mi->nfs)
        FU_CHECK(!mi->nocto && !mi->noac && !mi->attr_cached && mi->nfs_vers == 0 &&
                 mi->lookupcache == MNT_LOOKUPCACHE_DEFAULT);
    else
        FU_CHECK(mi->nfs_vers >= 0 && mi->nfs_vers <= 999 && mi->attr_cached == !(mi->noac ||
                 (mi->acregmax == 0 && mi->acdirmax == 0)));
}

static void check_err(const struct mnt_info *mi)
{
    FU_CHECK(mi->locks == MNT_LOCKS_UNKNOWN && mi->mnt_id == 0 && mi->fstype[0] == '\0' && !mi->nfs);
    FU_CHECK(mi->source[0] == '\0' && mi->mount_point[0] == '\0' && mi->super_opts[0] == '\0');
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fu_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t first = nl ? (size_t)(nl - data) : size;
    uint64_t id = 0;
    for (size_t i = 0; i < first && i < 20 && data[i] >= '0' && data[i] <= '9'; i++)
        id = id * 10 + (uint64_t)(data[i] - '0');
    size_t off = nl ? first + 1 : size, len = size - off;
    /* An exact-size copy: ASan sees a read past the end. */
    char *text = malloc(len ? len : 1);
    FU_CHECK(text != NULL);
    if (len)
        memcpy(text, data + off, len);

    struct mnt_info *mi = malloc(sizeof *mi);
    FU_CHECK(mi != NULL);
    memset(mi, 0xa5, sizeof *mi);
    enum pf_err e = mnt_parse(text, len, id, mi);
    FU_CHECK(e == PF_EOK || e == PF_ENOTFOUND || e == PF_ECORRUPT || e == PF_ETOOBIG);
    FU_CHECK(terminated(mi->why, sizeof mi->why) && mi->why[0] != '\0');
    if (e == PF_EOK) {
        check_ok(mi, id);
        memset(mi, 0xa5, sizeof *mi);
        enum pf_err e2 = mnt_parse(text, len, id + 1, mi);
        FU_CHECK(e2 == PF_EOK || e2 == PF_ENOTFOUND || (e2 == PF_ECORRUPT && strstr(mi->why, "given twice")));
        if (e2 == PF_EOK)
            check_ok(mi, id + 1);
    } else
        check_err(mi);
    FU_CHECK(strlen(mnt_locks_name(mi->locks)) > 0);
    free(mi);
    free(text);
    return 0;
}
