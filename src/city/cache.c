/* The event column cache beside the store (STORE.cols): the grouped event columns of a whole
 * city written once into a file, checksummed, and mapped by later loads of the same store
 * generation and model flags (docs/store.md). */
/* MAP_POPULATE is a Linux extension, hidden by _POSIX_C_SOURCE: asked for here only. */
#define _DEFAULT_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crisk/hash.h"
#include "internal.h"

#ifdef MAP_POPULATE
#define COLS_POPULATE MAP_POPULATE
#else
#define COLS_POPULATE 0
#endif

/* Version 3: the checksum is cols_checksum's (chunks hashed in parallel, the header included);
 * version 2's was one cr_hash64 of the body, on one thread. A file of another version
 * fails the magic and is rebuilt, never read. */
#define COLS_MAGIC "CRCOLS03"
/* The checksum hashes the file in chunks of this size, on up to COLS_CHECK_THREADS threads. */
#define COLS_CHUNK ((size_t)8 << 20)
#define COLS_CHECK_THREADS 8

/* The file: this header, then off[max_subject + 2] (uint64), day[n] (int32), topic[n]
 * (uint16), amount[n] (int64), flags[n] (uint32), each array starting on an 8-byte boundary.
 * Events of subject s are [off[s], off[s + 1]), in store order. */
struct cols_header {
    char magic[8];
    int64_t generation;
    uint64_t flags_hash;
    int64_t max_subject;
    uint64_t n_events;
    uint64_t n_topics;
    uint64_t checksum; /* cols_checksum of the whole file, this field read as 0 */
    uint64_t reserved;
};

struct cols {
    uint64_t *off;
    int32_t *day;
    uint16_t *topic;
    int64_t *amount;
    uint32_t *flags;
};

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static size_t cols_layout(int64_t max_subject, uint64_t n, size_t at[5])
{
    size_t o = sizeof(struct cols_header);
    /* A header's counts past what any store holds (a damaged file) would wrap the sizes: 0, a
     * length no file has, so the cache is rebuilt. */
    if (max_subject < 0 || max_subject > INT32_MAX || n > (uint64_t)(SIZE_MAX / 64))
        return 0;
    const size_t sizes[5] = {((size_t)max_subject + 2) * 8, n * 4, n * 2, n * 8, n * 4};
    for (int i = 0; i < 5; i++) {
        at[i] = o;
        o = align8(o + sizes[i]);
    }
    return o;
}

struct chunk_job {
    const unsigned char *b;
    size_t len, n_chunks, first, step;
    uint64_t seed, *out;
};

/* Hashes chunks first, first + step, … (one thread's share). */
static void *hash_chunks(void *arg)
{
    const struct chunk_job *j = arg;
    for (size_t c = j->first; c < j->n_chunks; c += j->step) {
        size_t at = c * COLS_CHUNK, n = j->len - at < COLS_CHUNK ? j->len - at : COLS_CHUNK;
        j->out[c] = cr_hash64(j->b + at, n, j->seed + c);
    }
    return NULL;
}

/* The checksum of a cache file of len bytes at b (len >= the header): every chunk hashed with
 * its index (so chunks cannot trade places), the header with its checksum field as 0, then
 * the list of chunk hashes hashed. Chunks are hashed on one thread per core (at most
 * COLS_CHECK_THREADS), each reading (and faulting in) its own pages of the mapping: the pages'
 * first reading, not the hash, is most of the cost. Returns 0 and sets *out, or -1 when out of
 * memory. */
static int cols_checksum(const unsigned char *b, size_t len, uint64_t seed, uint64_t *out)
{
    struct cols_header h;
    memcpy(&h, b, sizeof h);
    h.checksum = 0;
    size_t body = len - sizeof h, n_chunks = (body + COLS_CHUNK - 1) / COLS_CHUNK;
    uint64_t *hs = malloc((n_chunks + 1) * sizeof *hs);
    if (!hs)
        return -1;
    hs[n_chunks] = cr_hash64(&h, sizeof h, seed);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n_threads = cores < 1 ? 1 : (size_t)cores;
    if (n_threads > COLS_CHECK_THREADS)
        n_threads = COLS_CHECK_THREADS;
    if (n_threads > n_chunks)
        n_threads = n_chunks ? n_chunks : 1;
    struct chunk_job jobs[COLS_CHECK_THREADS];
    pthread_t tid[COLS_CHECK_THREADS];
    int started[COLS_CHECK_THREADS] = {0};
    for (size_t t = 0; t < n_threads; t++) {
        jobs[t] = (struct chunk_job){b + sizeof h, body, n_chunks, t, n_threads, seed, hs};
        /* thread 0's share is hashed on this thread, and so is that of any thread that could
         * not be started (after the others, below) */
        if (t > 0)
            started[t] = pthread_create(&tid[t], NULL, hash_chunks, &jobs[t]) == 0;
    }
    hash_chunks(&jobs[0]);
    for (size_t t = 1; t < n_threads; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            hash_chunks(&jobs[t]);
    }
    *out = cr_hash64(hs, (n_chunks + 1) * sizeof *hs, seed);
    free(hs);
    return 0;
}

/* What the cached flags depend on: the model's flag definitions and the topic kinds (the
 * caller mixes in the store's identity). */
static uint64_t flags_hash(const cr_model *m, const struct cr_city *c)
{
    uint64_t h = 0x636f6c73;
    for (size_t f = 0; f < m->n_flags; f++) {
        const struct cr_flag *fl = &m->flags[f];
        h = cr_hash64(fl->attr, strlen(fl->attr), h + (uint64_t)fl->negate);
        for (size_t i = 0; i < fl->n_kinds; i++)
            h = cr_hash64(fl->kinds[i], strlen(fl->kinds[i]), h);
        for (size_t i = 0; i < fl->n_values; i++)
            h = cr_hash64(fl->values[i], strlen(fl->values[i]), h ^ 0x5a);
    }
    for (size_t t = 0; t < c->n_topics; t++)
        h = cr_hash64(&c->topic_kind[t], sizeof c->topic_kind[t], h);
    return h;
}

static void cols_free(struct cols *k)
{
    free(k->off);
    free(k->day);
    free(k->topic);
    free(k->amount);
    free(k->flags);
    memset(k, 0, sizeof *k);
}

/* The cache file being built: its columns are placed straight into a shared mapping of it. */
struct cols_file {
    char *tmp;
    int64_t max_subject;
    void *map;
    size_t len, at[5];
};

/* Maps a new cache file for the columns. Its blocks are allocated first (posix_fallocate): on a
 * full disk that fails here, with ENOSPC, instead of raising SIGBUS at the first store into
 * a page of a hole. Any failure removes the file and leaves g without columns: the caller then
 * keeps them on the heap (docs/store.md). */
static cr_err cols_place(struct ev_group *g, uint64_t n)
{
    struct cols_file *f = g->columns_ctx;
    f->len = cols_layout(f->max_subject, n, f->at);
    if (!f->len)
        return CR_ENOMEM;
    /* A new file only: never through a symlink, never someone's file truncated. The name holds
     * this process's pid, so one already there was left by a dead process of the same pid (the
     * sweep spares our pid): removed (a symlink itself, not its target), then made anew. */
    const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = open(f->tmp, flags, 0644);
    if (fd < 0 && errno == EEXIST && unlink(f->tmp) == 0)
        fd = open(f->tmp, flags, 0644);
    if (fd < 0)
        return CR_EIO;
    void *p = MAP_FAILED;
    /* Allocated blocks read as zeros: flags start clear. */
    if (posix_fallocate(fd, 0, (off_t)f->len) == 0)
        p = mmap(NULL, f->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        remove(f->tmp);
        return CR_EIO;
    }
    f->map = p;
    char *b = p;
    g->day = (int32_t *)(void *)(b + f->at[1]);
    g->topic = (uint16_t *)(void *)(b + f->at[2]);
    g->amount = (int64_t *)(void *)(b + f->at[3]);
    g->flags = (uint32_t *)(void *)(b + f->at[4]);
    return CR_OK;
}

/* Removes the temporary cache files (PATH.PID.tmp) of processes that no longer run: a build
 * killed mid-way must not leave its file behind for good. */
static void cols_sweep(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dir_len = slash ? (size_t)(slash - path) : 0, base_len = strlen(base);
    char *dir = malloc(dir_len + 2), *victim = malloc(strlen(path) + 64);
    if (!dir || !victim)
        goto out;
    memcpy(dir, slash ? path : ".", slash ? dir_len : 1);
    dir[slash ? dir_len : 1] = 0;
    if (slash && dir_len == 0)
        memcpy(dir, "/", 2);
    DIR *d = opendir(dir);
    if (!d)
        goto out;
    const struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        size_t len = strlen(nm);
        if (len <= base_len + 5 || strncmp(nm, base, base_len) != 0 || nm[base_len] != '.' ||
            strcmp(nm + len - 4, ".tmp") != 0)
            continue;
        long long pid = 0;
        const char *q = nm + base_len + 1;
        for (; q < nm + len - 4 && *q >= '0' && *q <= '9' && pid < 1000000000; q++)
            pid = pid * 10 + (*q - '0');
        if (q != nm + len - 4 || pid <= 0 || pid == (long long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* its builder still runs (or is not ours to judge) */
        snprintf(victim, strlen(path) + 64, "%s%s%s", slash ? dir : "", slash ? "/" : "", nm);
        remove(victim);
    }
    closedir(d);
out:
    free(dir);
    free(victim);
}

/* Builds the cache at path: the columns go straight into the file (no copy, written back by
 * the kernel while the run goes on), stamped last with the checksum of its bytes, then
 * renamed into place. On success *k points into the mapping (*map, which the caller keeps), or
 * into the heap (*map NULL) when no file could be made: a full disk, a read-only folder,
 * PATH being a folder. No temporary file is left behind either way. */
static cr_err cols_build_file(cr_store *s, const cr_model *m, const struct cr_city *c,
                              const char *path, struct cols_header *h, struct cols *k, void **map,
                              size_t *map_len)
{
    struct cols_file f = {.max_subject = h->max_subject};
    size_t tmp_cap = strlen(path) + 32;
    if (!(f.tmp = malloc(tmp_cap)))
        return CR_ENOMEM;
    snprintf(f.tmp, tmp_cap, "%s.%ld.tmp", path, (long)getpid()); /* one per process */
    cols_sweep(path);
    struct ev_group g = {.max_subj = h->max_subject,
                         .n_rows = (size_t)h->max_subject + 1,
                         .m = m,
                         .c = c,
                         .columns = cols_place,
                         .columns_ctx = &f};
    uint64_t n = 0;
    *map = NULL;
    *map_len = 0;
    cr_err err = cr__city_group(s, NULL, 0, &g, &n);
    if (!err && f.map) {
        char *b = f.map;
        memcpy(b + f.at[0], g.off, ((size_t)h->max_subject + 2) * sizeof *g.off);
        h->n_events = n;
        h->checksum = 0;
        memcpy(b, h, sizeof *h);
        /* Out of memory for the checksum: the file keeps a checksum of 0, which the next load
         * finds wrong (then rebuilds), and this run uses the columns all the same. */
        if (cols_checksum((const unsigned char *)b, f.len, h->flags_hash, &h->checksum) == 0)
            memcpy(b, h, sizeof *h);
        if (rename(f.tmp, path) != 0)
            remove(f.tmp); /* PATH is a folder, say: the mapping serves this run all the same */
        *k = (struct cols){(uint64_t *)(void *)(b + f.at[0]), g.day, g.topic, g.amount, g.flags};
        *map = f.map;
        *map_len = f.len;
        free(g.off);
    } else if (!err) {
        *k = (struct cols){g.off, g.day, g.topic, g.amount, g.flags}; /* on the heap */
    } else {
        if (f.map) {
            munmap(f.map, f.len);
            remove(f.tmp);
            g.day = NULL;
            g.topic = NULL;
            g.amount = NULL;
            g.flags = NULL;
        }
        struct cols heap = {g.off, g.day, g.topic, g.amount, g.flags};
        cols_free(&heap);
    }
    free((void *)g.fmask);
    free(f.tmp);
    return err;
}

/* Maps the cache when it was built from this generation and these flags; 0 on success. */
static int cols_map(const char *path, int64_t generation, uint64_t fh, struct cols_header *h,
                    struct cols *k, void **map, size_t *map_len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    struct stat st;
    void *p = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size >= sizeof *h)
        /* MAP_POPULATE: the checksum reads every page, and so does the run after it; mapping
         * them all at once costs about a fifth less CPU than a fault per page (bench/README.md,
         * "Session 9 (P14)"). */
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | COLS_POPULATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return -1;
    memcpy(h, p, sizeof *h);
    size_t at[5];
    uint64_t sum = 0;
    if (memcmp(h->magic, COLS_MAGIC, 8) != 0 || h->generation != generation ||
        h->flags_hash != fh || h->max_subject < 0 ||
        cols_layout(h->max_subject, h->n_events, at) != (size_t)st.st_size ||
        cols_checksum(p, (size_t)st.st_size, fh, &sum) != 0 || sum != h->checksum) {
        munmap(p, (size_t)st.st_size);
        return -1;
    }
    char *b = p;
    k->off = (uint64_t *)(void *)(b + at[0]);
    k->day = (int32_t *)(void *)(b + at[1]);
    k->topic = (uint16_t *)(void *)(b + at[2]);
    k->amount = (int64_t *)(void *)(b + at[3]);
    k->flags = (uint32_t *)(void *)(b + at[4]);
    *map = p;
    *map_len = (size_t)st.st_size;
    return 0;
}

cr_err cr__city_load_events_cached(cr_store *s, const cr_model *m, struct cr_city *c,
                                   int64_t max_subj)
{
    int64_t gen = 0;
    if (cr_store_generation(s, &gen))
        return CR_ESTORE;
    size_t path_cap = strlen(cr_store_path(s)) + 8;
    char *path = malloc(path_cap);
    if (!path)
        return CR_ENOMEM;
    snprintf(path, path_cap, "%s.cols", cr_store_path(s));
    /* The salt is random per store: a cache left by a deleted store that reached the same
     * generation is not taken for this one's. */
    unsigned char salt[32];
    if (cr_store_salt(s, salt)) {
        free(path);
        return CR_ESTORE;
    }
    uint64_t fh = cr_hash64(salt, sizeof salt, flags_hash(m, c));
    struct cols_header h;
    struct cols k = {0};
    void *map = NULL;
    size_t map_len = 0;
    int mapped = cols_map(path, gen, fh, &h, &k, &map, &map_len) == 0 && h.max_subject >= max_subj;
    if (!mapped && map) {
        munmap(map, map_len);
        map = NULL;
    }
    if (!mapped) {
        h = (struct cols_header){
            .generation = gen, .flags_hash = fh, .max_subject = max_subj, .n_topics = c->n_topics};
        memcpy(h.magic, COLS_MAGIC, 8);
        cr_err err = cols_build_file(s, m, c, path, &h, &k, &map, &map_len);
        if (err) {
            free(path);
            return err;
        }
        mapped = map != NULL;
    }
    free(path);
    c->ev_off = malloc((c->n + 1) * sizeof *c->ev_off);
    c->ev_end = malloc((c->n + 1) * sizeof *c->ev_end);
    if (!c->ev_off || !c->ev_end) {
        if (mapped)
            munmap(map, map_len);
        else
            cols_free(&k);
        return CR_ENOMEM;
    }
    c->n_events = 0;
    for (size_t e = 0; e < c->n; e++) {
        int64_t sj = c->subject[e];
        c->ev_off[e] = (size_t)k.off[sj];
        c->ev_end[e] = (size_t)k.off[sj + 1];
        c->n_events += c->ev_end[e] - c->ev_off[e];
    }
    c->ev_day = k.day;
    c->ev_topic = k.topic;
    c->ev_amount = k.amount;
    c->ev_flags = k.flags;
    if (mapped) {
        c->ev_map = map;
        c->ev_map_len = map_len;
    } else {
        free(k.off); /* the columns now belong to the city */
    }
    return CR_OK;
}
