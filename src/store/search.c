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

#include <sodium.h>

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

/* Why a build ended without an index (cr_store_search_refresh's *why). */
static const char why_taken[] = "another server took the build over",
                  why_changed[] = "the store changed during the build (an ingest)",
                  why_stopped[] = "stopped";

/* A build of the index in steps (cr_store_search_refresh): its owner token (meta
 * 'search_build', written when its tables were made) and the generation it reads. */
struct build {
    cr_store *s;
    int64_t token, gen;
    const char *why; /* why it ended without an index, NULL while it goes on */
};

/* Opens a write transaction when the build still owns the *_new tables (another server may
 * have taken them over) and the store is still of its generation (an ingest meanwhile); else
 * b->why says which, no transaction stays open and it returns CR_OK with *owned 0. */
static cr_err own_begin(struct build *b, int *owned)
{
    cr_store *s = b->s;
    *owned = 0;
    if (cr_store_begin(s))
        return cr__store_fail(s);
    int64_t token = 0, gen = 0;
    cr_err rc = cr_store_scalar(
        s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'search_build'), 0)", &token);
    if (!rc)
        rc = cr_store_scalar(s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'generation'), 0)",
                             &gen);
    if (!rc && (token != b->token || gen != b->gen))
        b->why = token != b->token ? why_taken : why_changed;
    if (rc || b->why) {
        cr_store_rollback(s);
        return rc;
    }
    *owned = 1;
    return CR_OK;
}

/* Commits the open transaction, or rolls it back when bad: CR_ESTORE then. */
static cr_err own_end(struct build *b, int bad)
{
    if (bad || cr_store_commit(b->s)) {
        cr_err e = cr__store_fail(b->s);
        cr_store_rollback(b->s);
        return e;
    }
    return CR_OK;
}

/* One step: sql (no result rows; ?1 = a, ?2 = n) in a write transaction of its own, when the
 * build is still its own (own_begin). *changes gets the rows changed (sqlite3_total_changes
 * before and after) when not NULL. */
static cr_err step_tx(struct build *b, const char *sql, int64_t a, int64_t n, int64_t *changes)
{
    sqlite3 *db = cr__store_db(b->s);
    int owned = 0;
    cr_err rc = own_begin(b, &owned);
    if (rc || !owned)
        return rc;
    sqlite3_stmt *st = NULL;
    int64_t before = sqlite3_total_changes64(db);
    int bad = sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK;
    if (!bad && sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, a);
    if (!bad && sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, n);
    bad = bad || sqlite3_step(st) != SQLITE_DONE;
    sqlite3_finalize(st);
    if (changes)
        *changes = sqlite3_total_changes64(db) - before;
    return own_end(b, bad);
}

/* Whether the build goes on: not stopped, still its own, the store not changed. */
static int going(struct build *b, int (*stop)(void *ctx), void *ctx)
{
    if (!b->why && stop && stop(ctx))
        b->why = why_stopped;
    return !b->why;
}

cr_err cr_store_search_refresh(cr_store *s, int step, int (*stop)(void *ctx), void *ctx,
                               int *rebuilt, const char **why)
{
    sqlite3 *db = cr__store_db(s);
    *rebuilt = 0;
    *why = NULL;
    if (step <= 0)
        step = 20000;
    int64_t gen = 0, built = -1;
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL))
        return cr__store_fail(s);
    cr_err rc =
        cr_store_scalar(s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'generation'), 0)", &gen);
    if (!rc)
        rc = cr_store_scalar(
            s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'search_generation'), -1)", &built);
    int have = 0;
    if (!rc && built == gen) {
        sqlite3_stmt *st = NULL;
        have = sqlite3_prepare_v2(db, "SELECT 1 FROM search_fts, search_rank, search_vocab", -1,
                                  &st, NULL) == SQLITE_OK;
        sqlite3_finalize(st);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc || have)
        return rc;
    /* Built beside the index in use, in steps of `step` firms, each its own write transaction:
     * the other writers (the audit log, logins) wait for one step at most, not for the whole
     * build. The index in use is marked stale first (searches read the rows until the swap:
     * also when one of its tables is missing). The owner token makes a second server that
     * starts meanwhile take the build over: the first one stops at its next step. */
    struct build b = {s, 0, gen, NULL};
    unsigned char tok[8];
    randombytes_buf(tok, sizeof tok);
    uint64_t t = 0;
    for (int i = 0; i < 8; i++)
        t = t << 8 | tok[i];
    b.token = (int64_t)(t & INT64_MAX) ? (int64_t)(t & INT64_MAX) : 1;
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO meta(k, v) VALUES('search_build', %lld) "
             "ON CONFLICT(k) DO UPDATE SET v = excluded.v;"
             "DELETE FROM meta WHERE k = 'search_generation';",
             (long long)b.token);
    if (cr_store_begin(s) ||
        sqlite3_exec(db,
                     "DROP TABLE IF EXISTS search_fts_new; DROP TABLE IF EXISTS search_rank_new;"
                     "CREATE VIRTUAL TABLE search_fts_new USING fts5(name, address,"
                     " content='', tokenize='trigram case_sensitive 1');"
                     "CREATE TABLE search_rank_new(rank INTEGER PRIMARY KEY,"
                     " subject INTEGER NOT NULL);",
                     NULL, NULL, NULL) ||
        sqlite3_exec(db, sql, NULL, NULL, NULL) || cr_store_commit(s)) {
        rc = cr__store_fail(s);
        cr_store_rollback(s);
        return rc;
    }
    /* ranks: the firms in key order, a step at a time after the last key ranked */
    for (int64_t n = 0, got = 1; !rc && got > 0 && going(&b, stop, ctx); n += got) {
        got = 0;
        rc = step_tx(&b,
                     "INSERT INTO search_rank_new(rank, subject) SELECT ?1 + row_number()"
                     " OVER (ORDER BY key), id FROM (SELECT s.key AS key, s.id AS id"
                     " FROM subject s JOIN enterprise e ON e.subject = s.id"
                     " WHERE s.key > coalesce((SELECT t.key FROM search_rank_new r"
                     " JOIN subject t ON t.id = r.subject WHERE r.rank = ?1), '')"
                     " ORDER BY s.key LIMIT ?2)",
                     n, step, &got);
    }
    int64_t ranks = 0;
    if (!rc && going(&b, stop, ctx))
        rc = cr_store_scalar(s, "SELECT coalesce(max(rank), 0) FROM search_rank_new", &ranks);
    for (int64_t n = 0; !rc && n < ranks && going(&b, stop, ctx); n += step)
        rc = step_tx(&b,
                     "INSERT INTO search_fts_new(rowid, name, address) SELECT r.rank,"
                     " e.name || char(1, 1), e.address || char(1, 1) FROM search_rank_new r"
                     " JOIN enterprise e ON e.subject = r.subject"
                     " WHERE r.rank > ?1 AND r.rank <= ?1 + ?2",
                     n, step, NULL);
    /* the optimize, incrementally: a negative merge starts it, positive ones go on until one
     * does nothing (FTS5 counts a merge that did work as 2 or more changes, one that did not as
     * fewer) */
    enum { merge_pages = 2000 };
    snprintf(sql, sizeof sql,
             "INSERT INTO search_fts_new(search_fts_new, rank) VALUES('merge', -%d)", merge_pages);
    if (!rc && going(&b, stop, ctx))
        rc = step_tx(&b, sql, 0, 0, NULL);
    snprintf(sql, sizeof sql,
             "INSERT INTO search_fts_new(search_fts_new, rank) VALUES('merge', %d)", merge_pages);
    for (int64_t did = 2; !rc && did >= 2 && going(&b, stop, ctx);) {
        did = 0;
        rc = step_tx(&b, sql, 0, 0, &did);
    }
    /* The swap, in one short transaction, when the build is still its own and the store still
     * of its generation. */
    int owned = 0;
    if (!rc && going(&b, stop, ctx))
        rc = own_begin(&b, &owned);
    if (!rc && owned) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO meta(k, v) VALUES('search_generation', %lld) "
                 "ON CONFLICT(k) DO UPDATE SET v = excluded.v;"
                 "DELETE FROM meta WHERE k = 'search_build';",
                 (long long)gen);
        int bad =
            sqlite3_exec(db,
                         "DROP TABLE IF EXISTS search_vocab; DROP TABLE IF EXISTS search_fts;"
                         "DROP TABLE IF EXISTS search_rank;"
                         "ALTER TABLE search_fts_new RENAME TO search_fts;"
                         "ALTER TABLE search_rank_new RENAME TO search_rank;"
                         "CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, row);",
                         NULL, NULL, NULL) ||
            sqlite3_exec(db, sql, NULL, NULL, NULL);
        rc = own_end(&b, bad);
        *rebuilt = !rc;
    }
    /* Given up because the store changed: its tables go now (the next start builds for the
     * new generation); taken over: they are the new owner's; stopped: the next start drops
     * them. */
    if (!rc && b.why == why_changed) {
        int64_t token = 0;
        if (cr_store_begin(s) == CR_OK) {
            if (!cr_store_scalar(
                    s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'search_build'), 0)",
                    &token) &&
                token == b.token)
                sqlite3_exec(db,
                             "DROP TABLE IF EXISTS search_fts_new;"
                             "DROP TABLE IF EXISTS search_rank_new;"
                             "DELETE FROM meta WHERE k = 'search_build';",
                             NULL, NULL, NULL);
            if (cr_store_commit(s))
                cr_store_rollback(s);
        }
    }
    *why = b.why;
    return rc;
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
