/* SPDX-License-Identifier: MIT */
/* meta-run.c: runs meta_extract once on a file and prints its answer, CPU time and peak RSS (bench/archive-bombs.sh). */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "buf.h"
#include "distfile.h"
#include "error.h"
#include "meta.h"

/* meta-run wheel|sdist PROJECT FILE: one line "ERRNAME cpu=SECONDS maxrss=MIB read=BYTES", where read is
 * the fd's offset afterwards (how far the upload was read sequentially). */
int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "wheel") != 0 && strcmp(argv[1], "sdist") != 0)) {
        fprintf(stderr, "usage: meta-run wheel|sdist PROJECT FILE\n");
        return 2;
    }
    int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(argv[3]);
        return 2;
    }
    buf_t out;
    buf_init(&out, META_MAX_SIZE);
    enum pf_err e = meta_extract(fd, argv[1][0] == 'w' ? DISTFILE_WHEEL : DISTFILE_SDIST, argv[2], &out);
    off_t pos = lseek(fd, 0, SEEK_CUR);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                 ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
    printf("%s cpu=%.2fs maxrss=%.1fMiB read=%lld\n", pf_errname(e), cpu, (double)ru.ru_maxrss / 1024.0,
           (long long)pos);
    buf_free(&out);
    close(fd);
    return 0;
}
