/* Enterprise search (crisk serve, GET /api/v1/enterprises?q=): firms whose key starts with q or
 * whose name or address contains q, within a jurisdiction, by key (docs/serve.md "Search").
 *
 * The key's start uses the unique index on subject.key. Names and addresses use an index of
 * their trigrams (SQLite FTS5, tokenizer trigram, case-sensitive like instr): search_fts holds
 * every registry row's name and address, each followed by two U+0001 characters, under a rowid
 * that is the firm's rank in key order (search_rank maps it back to the subject), so matches
 * come out in key order and a search stops after its limit. The index is derived: it belongs to
 * the store generation it was built from (meta 'search_generation'); cr_store_search_refresh
 * rebuilds it when that differs from the store's generation, and a search while it differs (an
 * ingest since) reads the rows themselves, as the search did before there was an index.
 *
 * Queries of 3 or more characters are one FTS phrase (its trigrams in a row: a substring). A
 * query of 1 or 2 characters has no trigram of its own: it is the OR of the indexed trigrams
 * that start with it (the two U+0001 after each text make every occurrence the start of one),
 * read from search_vocab; when there are more than vocab_cap of them (a very common character),
 * or the query holds U+0001 or is not valid UTF-8, the rows are read instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "crisk/text.h"
#include "internal.h"

/* The scope test of a division code column set: the whole city for "", else the district
 * (6 digits), street (9) or grid (12) equal to the scope (as in serve.c). */
#define IN_SCOPE                                                                                   \
    "(?2 = '' OR (length(?2) = 6 AND e.district = ?2) OR (length(?2) = 9 AND e.street = ?2) OR "   \
    "(length(?2) = 12 AND e.grid = ?2))"
#define ROW "s.key, e.name, e.address, e.district, e.street, e.grid, e.subject"

/* Most trigrams a 1- or 2-character query is expanded into before the rows are read instead. */
enum { vocab_cap = 256 };

cr_err cr_store_search_refresh(cr_store *s, int *rebuilt)
{
    sqlite3 *db = cr__store_db(s);
    *rebuilt = 0;
    if (cr_store_begin(s))
        return cr__store_fail(s);
    int64_t gen = 0, built = -1;
    if (cr_store_scalar(s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'generation'), 0)",
                        &gen) ||
        cr_store_scalar(
            s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'search_generation'), -1)", &built))
        goto fail;
    if (built == gen) {
        sqlite3_stmt *st = NULL;
        int have = sqlite3_prepare_v2(db, "SELECT 1 FROM search_fts, search_rank, search_vocab", -1,
                                      &st, NULL) == SQLITE_OK;
        sqlite3_finalize(st);
        if (have)
            return cr_store_commit(s) ? cr__store_fail(s) : CR_OK;
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO meta(k, v) VALUES('search_generation', %lld) "
             "ON CONFLICT(k) DO UPDATE SET v = excluded.v",
             (long long)gen);
    if (sqlite3_exec(db,
                     "DROP TABLE IF EXISTS search_vocab; DROP TABLE IF EXISTS search_fts;"
                     "DROP TABLE IF EXISTS search_rank;"
                     "CREATE VIRTUAL TABLE search_fts USING fts5(name, address, content='',"
                     " tokenize='trigram case_sensitive 1');"
                     "CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, row);"
                     "CREATE TABLE search_rank(rank INTEGER PRIMARY KEY, subject INTEGER NOT NULL);"
                     "INSERT INTO search_rank(rank, subject) SELECT row_number() OVER "
                     " (ORDER BY s.key), s.id FROM subject s JOIN enterprise e ON e.subject = s.id;"
                     "INSERT INTO search_fts(rowid, name, address) SELECT r.rank,"
                     " e.name || char(1, 1), e.address || char(1, 1) FROM search_rank r"
                     " JOIN enterprise e ON e.subject = r.subject;"
                     "INSERT INTO search_fts(search_fts) VALUES('optimize');",
                     NULL, NULL, NULL) ||
        sqlite3_exec(db, sql, NULL, NULL, NULL) || cr_store_commit(s))
        goto fail;
    *rebuilt = 1;
    return CR_OK;
fail : {
    cr_err e = cr__store_fail(s);
    cr_store_rollback(s);
    return e;
}
}

/* One result list, sorted by key. */
struct hits {
    struct hit {
        char *key, *name, *address, *district, *street, *grid;
        int64_t subject;
    } * v;
    size_t n;
};

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? strdup(t) : NULL;
}

static void hits_free(struct hits *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].key);
        free(h->v[i].name);
        free(h->v[i].address);
        free(h->v[i].district);
        free(h->v[i].street);
        free(h->v[i].grid);
    }
    free(h->v);
    h->v = NULL;
    h->n = 0;
}

/* Runs st (bound) and keeps up to limit rows of ROW. */
static cr_err collect(cr_store *s, sqlite3_stmt *st, int limit, struct hits *h)
{
    int rc = SQLITE_DONE;
    if (!(h->v = calloc((size_t)limit, sizeof *h->v)))
        return CR_ENOMEM;
    while (h->n < (size_t)limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct hit *x = &h->v[h->n++];
        x->key = dup_col(st, 0);
        x->name = dup_col(st, 1);
        x->address = dup_col(st, 2);
        x->district = dup_col(st, 3);
        x->street = dup_col(st, 4);
        x->grid = dup_col(st, 5);
        x->subject = sqlite3_column_int64(st, 6);
        if (!x->key)
            return CR_ENOMEM; /* subject.key is NOT NULL */
    }
    if (h->n < (size_t)limit && rc != SQLITE_DONE)
        return cr__store_fail(s);
    return CR_OK;
}

static cr_err query(cr_store *s, const char *sql, const char *arg, const char *scope, int limit,
                    struct hits *h)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), sql, -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, limit);
    cr_err rc = collect(s, st, limit, h);
    sqlite3_finalize(st);
    return rc;
}

static void sb_phrase(struct buf *b, const char *t, size_t n)
{
    cr__buf_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++)
        cr__buf_add(b, t[i] == '"' ? "\"\"" : t + i, 1 + (t[i] == '"'));
    cr__buf_add(b, "\"", 1);
}

/* The FTS5 query of q into *out (malloc'd; "" when no name or address can contain q), or NULL
 * when the rows must be read instead. */
static cr_err fts_query(cr_store *s, const char *q, char **out)
{
    size_t len = strlen(q), chars = 0;
    *out = NULL;
    if (cr_utf8_valid_prefix(q, len) != len || memchr(q, 1, len))
        return CR_OK;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)q[i] & 0xC0) != 0x80;
    struct buf b = {0};
    if (chars >= 3) {
        sb_phrase(&b, q, len);
    } else {
        /* Every indexed trigram that starts with q: terms from q up to q followed by 0xF5, a
         * byte no UTF-8 text holds. */
        char *hi = malloc(len + 2);
        sqlite3_stmt *st = NULL;
        if (!hi)
            return CR_ENOMEM;
        memcpy(hi, q, len);
        memcpy(hi + len, "\xF5", 2);
        if (sqlite3_prepare_v2(cr__store_db(s),
                               "SELECT term FROM search_vocab WHERE term >= ?1 AND term < ?2 "
                               "LIMIT ?3",
                               -1, &st, NULL)) {
            free(hi);
            return cr__store_fail(s);
        }
        sqlite3_bind_text(st, 1, q, (int)len, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, hi, (int)len + 1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, vocab_cap + 1);
        int rc, n = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (n++)
                cr__buf_add(&b, " OR ", 4);
            sb_phrase(&b, (const char *)sqlite3_column_text(st, 0),
                      (size_t)sqlite3_column_bytes(st, 0));
        }
        cr_err e = rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
        sqlite3_finalize(st);
        free(hi);
        if (e || n > vocab_cap) {
            free(b.p);
            return e;
        }
        if (!n) /* no trigram starts with q: no name or address contains it */
            cr__buf_add(&b, "", 0);
    }
    if (b.oom) {
        free(b.p);
        return CR_ENOMEM;
    }
    *out = b.p;
    return CR_OK;
}

cr_err cr_store_enterprise_search(cr_store *s, const char *q, const char *scope, int limit,
                                  int (*fn)(void *ctx, const struct cr_place *p), void *ctx)
{
    sqlite3 *db = cr__store_db(s);
    scope = scope ? scope : "";
    if (limit <= 0)
        return CR_OK;
    /* One snapshot for the index's generation and the rows it points at. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL))
        return cr__store_fail(s);
    struct hits keyed = {0}, texts = {0};
    char *match = NULL;
    int64_t fresh = 0;
    cr_err rc =
        cr_store_scalar(s,
                        "SELECT coalesce((SELECT v FROM meta WHERE k = 'search_generation') = "
                        "(SELECT v FROM meta WHERE k = 'generation'), 0)",
                        &fresh);
    if (!rc && fresh)
        rc = fts_query(s, q, &match);
    if (!rc && !match) {
        /* No usable index: the rows themselves (the search before the index, kept as is). */
        rc = query(s,
                   "SELECT " ROW " FROM subject s JOIN enterprise e ON e.subject = s.id "
                   "WHERE s.key >= ?1 AND s.key < ?1 || char(127) AND " IN_SCOPE " "
                   "UNION SELECT " ROW " FROM enterprise e JOIN subject s ON s.id = e.subject "
                   "WHERE (instr(e.name, ?1) > 0 OR instr(e.address, ?1) > 0) AND " IN_SCOPE " "
                   "ORDER BY 1 LIMIT ?3",
                   q, scope, limit, &keyed);
    } else if (!rc) {
        rc = query(s,
                   "SELECT " ROW " FROM subject s JOIN enterprise e ON e.subject = s.id "
                   "WHERE s.key >= ?1 AND s.key < ?1 || char(127) AND " IN_SCOPE " "
                   "ORDER BY s.key LIMIT ?3",
                   q, scope, limit, &keyed);
        if (!rc && *match)
            rc = query(s,
                       "SELECT " ROW " FROM search_fts f JOIN search_rank r ON r.rank = f.rowid "
                       "JOIN enterprise e ON e.subject = r.subject "
                       "JOIN subject s ON s.id = e.subject "
                       "WHERE search_fts MATCH ?1 AND " IN_SCOPE " ORDER BY f.rowid LIMIT ?3",
                       match, scope, limit, &texts);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    /* Both lists are in key order: merge them, a firm in both once. */
    size_t i = 0, j = 0;
    for (int n = 0; !rc && n < limit && (i < keyed.n || j < texts.n); n++) {
        int c = i == keyed.n ? 1 : j == texts.n ? -1 : strcmp(keyed.v[i].key, texts.v[j].key);
        const struct hit *h = c <= 0 ? &keyed.v[i] : &texts.v[j];
        struct cr_place p = {.key = h->key,
                             .name = h->name,
                             .address = h->address,
                             .district = h->district,
                             .street = h->street,
                             .grid = h->grid,
                             .subject = h->subject};
        i += c <= 0;
        j += c >= 0;
        if (fn(ctx, &p))
            break;
    }
    free(match);
    hits_free(&keyed);
    hits_free(&texts);
    return rc;
}
