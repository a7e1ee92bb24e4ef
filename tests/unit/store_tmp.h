/* A store at a fresh temporary path for the unit tests, and its removal with its side files.
 * Include after <cmocka.h>. */
#ifndef CRISK_TESTS_STORE_TMP_H
#define CRISK_TESTS_STORE_TMP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "crisk/store.h"

/* Makes path, a mkstemp template ("/tmp/…-XXXXXX"), a name no file has. */
static inline void tmp_store_path(char *path)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
}

/* A new store at a fresh path made from the template path. */
static inline cr_store *tmp_store_open(char *path)
{
    tmp_store_path(path);
    cr_store *s = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_store_open(path, &s, &d), CR_OK);
    return s;
}

/* Removes the store at path with its side files: WAL, shared memory, rollback journal, the
 * column cache and the writer lock. */
static inline void tmp_store_remove(const char *path)
{
    static const char *const side[] = {"", "-wal", "-shm", "-journal", ".cols", ".lock"};
    char name[512];
    for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
        snprintf(name, sizeof name, "%s%s", path, side[i]);
        unlink(name);
    }
}

#endif
