/* SPDX-License-Identifier: MIT */
/* index.c: the index engine: opening it over the roots, the background sweep, closing, health. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "index_int.h"
#include "log.h"
#include "store.h"

enum pf_err index_health(index_t *idx, buf_t *reason)
{
    for (unsigned r = 0; r < idx->cfg->nroots; r++) {
        /* The path must still lead to the directory that was indexed. */
        struct stat byname, byfd;
        if (stat(idx->cfg->roots[r], &byname) != 0 || fstat(idx->rootfds[r], &byfd) != 0 ||
            byname.st_dev != byfd.st_dev || byname.st_ino != byfd.st_ino) {
            (void)buf_printf(reason, "package root %s was removed or replaced\n", idx->cfg->roots[r]);
            return PF_EUNAVAIL;
        }
        int fd = openat(idx->rootfds[r], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            (void)buf_printf(reason, "package root %s is not readable: %s\n", idx->cfg->roots[r], strerror(errno));
            return PF_EUNAVAIL;
        }
        DIR *d = fdopendir(fd);
        if (!d) {
            close(fd);
            (void)buf_printf(reason, "package root %s cannot be listed: %s\n", idx->cfg->roots[r], strerror(errno));
            return PF_EUNAVAIL;
        }
        errno = 0;
        struct dirent *de = readdir(d);
        int err = errno;
        closedir(d);
        if (!de && err) {
            (void)buf_printf(reason, "package root %s cannot be listed: %s\n", idx->cfg->roots[r], strerror(err));
            return PF_EUNAVAIL;
        }
    }
    return PF_EOK;
}


static void *sweep_main(void *arg)
{
    struct index *idx = arg;
    pthread_mutex_lock(&idx->wait_lock);
    while (!idx->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += idx->cfg->rescan_interval;
        pthread_cond_timedwait(&idx->stop_cond, &idx->wait_lock, &until);
        if (idx->stop)
            break;
        pthread_mutex_unlock(&idx->wait_lock);
        pthread_mutex_lock(&idx->tree_lock);
        /* Collect the keys first: refreshing changes the map. */
        size_t pos = 0, n = 0;
        struct tdir *d;
        char **rels = malloc((idx->dirs.count + 1) * sizeof *rels);
        unsigned *roots = malloc((idx->dirs.count + 1) * sizeof *roots);
        while (rels && roots && (d = hmap_next(&idx->dirs, &pos))) {
            if (!(rels[n] = strdup(d->rel)))
                break;
            roots[n++] = d->root;
        }
        for (size_t i = 0; i < n; i++) {
            if (tree_refresh(idx, roots[i], rels[i]) == PF_ENOMEM)
                LOG(LOG_ERROR, "out of memory while rescanning the package tree");
            free(rels[i]);
        }
        free(rels);
        free(roots);
        pthread_mutex_unlock(&idx->tree_lock);
        for (unsigned r = 0; r < idx->cfg->nroots; r++)
            store_reap(idx->cfg->roots[r], idx->cfg->removal_grace);
        /* Pages and snapshots come and go: hand freed memory back. */
        malloc_trim(0);
        pthread_mutex_lock(&idx->wait_lock);
    }
    pthread_mutex_unlock(&idx->wait_lock);
    return NULL;
}

enum pf_err index_open(const struct config *cfg, index_t **out)
{
    *out = NULL;
    struct index *idx = calloc(1, sizeof *idx);
    if (!idx)
        return PF_ENOMEM;
    idx->cfg = cfg;
    idx->state.fd = -1;
    pthread_mutex_init(&idx->tree_lock, NULL);
    pthread_rwlock_init(&idx->map_lock, NULL);
    pthread_mutex_init(&idx->wait_lock, NULL);
    pthread_mutex_init(&idx->list_lock, NULL);
    pthread_cond_init(&idx->built, NULL);
    pthread_cond_init(&idx->stop_cond, NULL);
    hmap_init(&idx->dirs);
    hmap_init(&idx->pentries);
    hmap_init(&idx->snaps);
    hmap_init(&idx->logged);
    idx->lru.lru_next = idx->lru.lru_prev = &idx->lru;
    idx->budget = (size_t)cfg->cache_size << 20;
    idx->rootfds = malloc((cfg->nroots ? cfg->nroots : 1) * sizeof *idx->rootfds);
    if (!idx->rootfds) {
        free(idx);
        return PF_ENOMEM;
    }
    for (size_t r = 0; r < cfg->nroots; r++)
        idx->rootfds[r] = -1;
    enum pf_err e = PF_EOK;
    for (size_t r = 0; r < cfg->nroots && !e; r++) {
        idx->rootfds[r] = open(cfg->roots[r], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (idx->rootfds[r] < 0) {
            LOG(LOG_ERROR, "package root %s: %s", cfg->roots[r], strerror(errno));
            e = PF_EIO;
        }
    }
    if (!e && cfg->state_dir)
        idx->state.fd = state_dir_open(cfg->state_dir);
    int64_t t0 = fs_now_ns();
    pthread_mutex_lock(&idx->tree_lock);
    for (unsigned r = 0; r < cfg->nroots && !e; r++) {
        e = tree_walk_parallel(idx, r);
        if (e)
            LOG(LOG_ERROR, "package root %s: cannot be read (%s)", cfg->roots[r], pf_strerror(e));
    }
    pthread_mutex_unlock(&idx->tree_lock);
    if (!e && cfg->rescan_interval > 0 && !cfg->check_only) {
        if (pthread_create(&idx->sweeper, NULL, sweep_main, idx) == 0)
            idx->sweeping = true;
        else
            e = PF_ENOMEM;
    }
    if (e) {
        index_close(idx);
        return e;
    }
    LOG(LOG_INFO, "indexed %zu roots: %zu directories, %llu files in %lld ms", cfg->nroots, idx->dirs.count,
        (unsigned long long)idx->nfiles, (long long)((fs_now_ns() - t0) / 1000000));
    *out = idx;
    return PF_EOK;
}

void index_close(index_t *idx)
{
    if (!idx)
        return;
    if (idx->sweeping) {
        pthread_mutex_lock(&idx->wait_lock);
        idx->stop = true;
        pthread_cond_broadcast(&idx->stop_cond);
        pthread_mutex_unlock(&idx->wait_lock);
        pthread_join(idx->sweeper, NULL);
    }
    size_t pos = 0;
    struct index_project *p;
    while ((p = hmap_next(&idx->snaps, &pos)))
        index_project_release(idx, p);
    hmap_free(&idx->snaps);
    index_root_release(idx->root);
    index_listing_release(idx->listing);
    struct tdir *d;
    pos = 0;
    while ((d = hmap_next(&idx->dirs, &pos)))
        tdir_free(d);
    hmap_free(&idx->dirs);
    struct pentry *pe;
    pos = 0;
    while ((pe = hmap_next(&idx->pentries, &pos))) {
        free(pe->dirs);
        free(pe->name);
        free(pe);
    }
    hmap_free(&idx->pentries);
    char *k;
    pos = 0;
    while ((k = hmap_next(&idx->logged, &pos)))
        free(k);
    hmap_free(&idx->logged);
    for (size_t r = 0; r < idx->cfg->nroots; r++)
        if (idx->rootfds[r] >= 0)
            close(idx->rootfds[r]);
    free(idx->rootfds);
    if (idx->state.fd >= 0)
        close(idx->state.fd);
    pthread_mutex_destroy(&idx->tree_lock);
    pthread_rwlock_destroy(&idx->map_lock);
    pthread_mutex_destroy(&idx->wait_lock);
    pthread_mutex_destroy(&idx->list_lock);
    pthread_cond_destroy(&idx->built);
    pthread_cond_destroy(&idx->stop_cond);
    free(idx);
}

