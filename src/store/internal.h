/* Internals of the SQLite store shared by its files (sqlite.c, runs.c). */
#ifndef CRISK_STORE_INTERNAL_H
#define CRISK_STORE_INTERNAL_H

#include <sqlite3.h>

#include "crisk/store.h"

struct cr_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *st[32];
    int in_tx;
};

sqlite3 *cr__store_db(cr_store *s);
const char *cr__store_path(cr_store *s);

#endif
