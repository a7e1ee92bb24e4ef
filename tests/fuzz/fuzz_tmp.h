/* A private temporary folder for fuzz targets whose code under test reads files (catalogs,
 * models, feeds): made once per process under $TMPDIR (else /tmp) and removed at exit. */
#ifndef CRISK_FUZZ_TMP_H
#define CRISK_FUZZ_TMP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_TMP_FILES 160

static char fuzz_tmp_dir[512];
static char *fuzz_tmp_made[FUZZ_TMP_FILES];
static size_t fuzz_tmp_n;

static void fuzz_tmp_cleanup(void)
{
    for (size_t i = 0; i < fuzz_tmp_n; i++) {
        unlink(fuzz_tmp_made[i]);
        free(fuzz_tmp_made[i]);
    }
    if (fuzz_tmp_dir[0])
        rmdir(fuzz_tmp_dir);
}

/* The folder's path; aborts when it cannot be made (the harness cannot work without it). */
static const char *fuzz_tmp(void)
{
    if (fuzz_tmp_dir[0])
        return fuzz_tmp_dir;
    const char *base = getenv("TMPDIR");
    snprintf(fuzz_tmp_dir, sizeof fuzz_tmp_dir, "%s/crisk-fuzz-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(fuzz_tmp_dir))
        abort();
    atexit(fuzz_tmp_cleanup);
    return fuzz_tmp_dir;
}

/* Writes data to name in the folder (replacing it) and its path to path (capacity cap). */
static void fuzz_tmp_write(const char *name, const void *data, size_t size, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", fuzz_tmp(), name);
    int known = 0;
    for (size_t i = 0; i < fuzz_tmp_n && !known; i++)
        known = strcmp(fuzz_tmp_made[i], path) == 0;
    if (!known && fuzz_tmp_n < FUZZ_TMP_FILES && (fuzz_tmp_made[fuzz_tmp_n] = strdup(path)))
        fuzz_tmp_n++;
    FILE *fp = fopen(path, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp))
        abort();
}

#endif
