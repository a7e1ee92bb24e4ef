/* SQLite backend of the store: the embedded default. */
#include "crisk/store.h"

#include <pthread.h>
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    ST_TOPIC_PUT,
    ST_TOPIC_ID,
    ST_DEPT_PUT,
    ST_FILE_PUT,
    ST_SUBJ_ADD,
    ST_ENT_PUT,
    ST_PERSON_ADD,
    ST_ROLE_ADD,
    ST_QUAR_ADD,
    ST_QUAR_RESOLVE,
    ST_QUAR_UPDATE,
    ST__N
};

_Static_assert(ST__N <= 32, "struct cr_store holds 32 statements");

static const char *const sql_text[ST__N] = {
    [ST_TOPIC_PUT] = "INSERT INTO topic(code,name,department,kind) VALUES(?1,?2,?3,?4) "
                     "ON CONFLICT(code) DO UPDATE SET name=?2, department=?3, kind=?4",
    [ST_TOPIC_ID] = "SELECT id FROM topic WHERE code=?1",
    [ST_DEPT_PUT] = "INSERT INTO department(code,name) VALUES(?1,?2) "
                    "ON CONFLICT(code) DO UPDATE SET name=?2",
    [ST_FILE_PUT] = "INSERT INTO feed_file(id,path,topic,size,hash,state,next_offset,next_line,"
                    "n_read,n_loaded,n_duplicate,n_quarantined,started) "
                    "VALUES(?12,?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,datetime('now')) "
                    "ON CONFLICT(id) DO UPDATE SET state=?5,next_offset=?6,next_line=?7,"
                    "n_read=?8,n_loaded=?9,n_duplicate=?10,n_quarantined=?11,"
                    "finished=CASE WHEN ?5='done' THEN datetime('now') END",
    [ST_SUBJ_ADD] = "INSERT INTO subject(id,key) VALUES(?1,?2)",
    [ST_ENT_PUT] =
        "INSERT OR REPLACE INTO enterprise(subject,topic,uscc,name,type,industry,"
        "capital_fen,established,status,address,addr_key,district,street,grid,lon,lat,"
        "h,attrs) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
    [ST_PERSON_ADD] = "INSERT INTO person(id,idhash,name) VALUES(?1,?2,?3)",
    [ST_ROLE_ADD] = "INSERT INTO role(subject,person,role,start_day,topic,h) "
                    "VALUES(?1,?2,?3,?4,?5,?6)",
    [ST_QUAR_ADD] = "INSERT INTO quarantine(file,topic,line,reason,detail,raw) "
                    "VALUES(?1,?2,?3,?4,?5,?6)",
    [ST_QUAR_RESOLVE] = "UPDATE quarantine SET state='resolved', resolved_at=datetime('now') "
                        "WHERE id=?1",
    /* the line as delivered is kept the first time an edit replaces it */
    [ST_QUAR_UPDATE] = "UPDATE quarantine SET reason=?2, detail=?3, raw=?4, delivered="
                       "CASE WHEN delivered IS NULL AND raw IS NOT ?4 THEN raw ELSE delivered END "
                       "WHERE id=?1",
};

/* Version 2: classification runs. */
static const char schema_v2[] =
    "CREATE TABLE run(id INTEGER PRIMARY KEY, model_id TEXT NOT NULL,"
    " model_version INTEGER NOT NULL, model_hash TEXT NOT NULL, as_of INTEGER NOT NULL,"
    " created TEXT NOT NULL, enterprises INTEGER NOT NULL, events INTEGER NOT NULL,"
    " seconds REAL, levels TEXT NOT NULL);"
    "CREATE TABLE run_score(run INTEGER NOT NULL, subject INTEGER NOT NULL, score REAL NOT NULL,"
    " level TEXT NOT NULL, veto TEXT, aspects TEXT NOT NULL, top TEXT NOT NULL,"
    " PRIMARY KEY(run, subject)) WITHOUT ROWID;"
    "CREATE TABLE level_change(run INTEGER NOT NULL, subject INTEGER NOT NULL,"
    " before TEXT NOT NULL, after TEXT NOT NULL);"
    "CREATE TABLE enterprise_tag(run INTEGER NOT NULL, subject INTEGER NOT NULL,"
    " tag TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY(run, subject, tag)) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO meta(k, v) VALUES('generation', 0);"
    "PRAGMA user_version=2;";

/* Version 1 schema. Later versions append migrations; user_version says which ran. */
static const char schema_v1[] =
    "CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE department(code TEXT PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE topic(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    " department TEXT NOT NULL, kind TEXT NOT NULL);"
    "CREATE TABLE feed_file(id INTEGER PRIMARY KEY, path TEXT NOT NULL, topic INTEGER NOT NULL,"
    " size INTEGER NOT NULL, hash INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK(state IN ('partial','done')),"
    " next_offset INTEGER NOT NULL, next_line INTEGER NOT NULL, n_read INTEGER NOT NULL,"
    " n_loaded INTEGER NOT NULL, n_duplicate INTEGER NOT NULL, n_quarantined INTEGER NOT NULL,"
    " started TEXT, finished TEXT, UNIQUE(path, hash));"
    "CREATE TABLE subject(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);"
    "CREATE TABLE enterprise(subject INTEGER PRIMARY KEY REFERENCES subject(id),"
    " topic INTEGER NOT NULL, uscc TEXT, name TEXT NOT NULL, type TEXT, industry TEXT,"
    " capital_fen INTEGER, established INTEGER, status TEXT, address TEXT, addr_key TEXT,"
    " district TEXT, street TEXT, grid TEXT, lon REAL, lat REAL, h INTEGER NOT NULL);"
    "CREATE TABLE person(id INTEGER PRIMARY KEY, idhash BLOB NOT NULL UNIQUE, name TEXT);"
    "CREATE TABLE role(subject INTEGER NOT NULL, person INTEGER NOT NULL, role TEXT NOT NULL,"
    " start_day INTEGER, topic INTEGER NOT NULL, h INTEGER NOT NULL);"
    "CREATE TABLE event(subject INTEGER NOT NULL, topic INTEGER NOT NULL, day INTEGER NOT NULL,"
    " amount_fen INTEGER, attrs TEXT, h INTEGER NOT NULL);"
    "CREATE TABLE quarantine(id INTEGER PRIMARY KEY, file INTEGER NOT NULL, topic INTEGER,"
    " line INTEGER NOT NULL, reason TEXT NOT NULL, detail TEXT, raw BLOB,"
    " state TEXT NOT NULL DEFAULT 'open' CHECK(state IN ('open','resolved')), resolved_at TEXT);"
    "CREATE INDEX quarantine_by_reason ON quarantine(state, reason);"
    "PRAGMA user_version=1;";

#include "internal.h"

/* What SQLite reports when it has no error of its own to report: crisk found rows it did not
 * expect (a block that does not decode, fewer rows than counted). */
static const char no_sqlite_error[] =
    "unexpected data in the store (damaged, or changed by another process)";

static int is_error(int code)
{
    return code != SQLITE_OK && code != SQLITE_ROW && code != SQLITE_DONE;
}

/* SQLite's message, with the likely cause when SQLite words it vaguely: a write past the file
 * size limit (ulimit -f; the crisk command ignores SIGXFSZ) is a bare "disk I/O error" (SQLite
 * does not keep the EFBIG), so a write error under a finite limit names the limit. */
static const char *sqlite_msg(sqlite3 *db)
{
    int code = sqlite3_errcode(db) & 0xff;
    struct rlimit lim;
    if ((code == SQLITE_IOERR || code == SQLITE_FULL) && getrlimit(RLIMIT_FSIZE, &lim) == 0 &&
        lim.rlim_cur != RLIM_INFINITY)
        return code == SQLITE_FULL
                   ? "database or disk is full (or past the file size limit: ulimit -f is set)"
                   : "disk I/O error (a file size limit is set, ulimit -f: the store may have "
                     "reached it)";
    return sqlite3_errmsg(db);
}

cr_err cr__store_fail(cr_store *s)
{
    int code = sqlite3_errcode(s->db);
    snprintf(s->err, sizeof s->err, "%s", is_error(code) ? sqlite_msg(s->db) : no_sqlite_error);
    return CR_ESTORE;
}

const char *cr_store_errmsg(const cr_store *s)
{
    if (!s)
        return "no store";
    if (s->err[0])
        return s->err;
    return is_error(sqlite3_errcode(s->db)) ? sqlite_msg(s->db) : no_sqlite_error;
}

static cr_err db_fail(cr_store *s, cr_diag *d, const char *what)
{
    cr__store_fail(s);
    return cr_diag_set(d, CR_ESTORE, s->path, 0, 0, "%s: %s", what, s->err);
}

static cr_err exec(cr_store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? CR_OK : cr__store_fail(s);
}

/* Version 3: events move into blocks (src/store/events.c, docs/store.md). */
static const char schema_v3[] =
    "CREATE TABLE event_block(id INTEGER PRIMARY KEY, topic INTEGER NOT NULL,"
    " n INTEGER NOT NULL, day_min INTEGER NOT NULL, day_max INTEGER NOT NULL,"
    " data BLOB NOT NULL);"
    "CREATE TABLE event_posting(subject INTEGER PRIMARY KEY, blocks BLOB NOT NULL);"
    "INSERT OR IGNORE INTO meta(k, v) VALUES('posting_upto', 0);"
    "INSERT OR IGNORE INTO meta(k, v) VALUES('events', 0);"
    /* Keys and person hashes lose their inline UNIQUE constraints: random inserts into those
     * indexes dominated a bulk load. Keys are unique by an index that cr_store_ensure_indexes
     * builds and a bulk ingest drops while it runs; person hashes are only ever looked up in
     * ingest's own map, which keeps them unique. */
    "CREATE TABLE subject_v3(id INTEGER PRIMARY KEY, key TEXT NOT NULL);"
    "INSERT INTO subject_v3 SELECT id, key FROM subject;"
    "DROP TABLE subject;"
    "ALTER TABLE subject_v3 RENAME TO subject;"
    "CREATE TABLE person_v3(id INTEGER PRIMARY KEY, idhash BLOB NOT NULL, name TEXT);"
    "INSERT INTO person_v3 SELECT id, idhash, name FROM person;"
    "DROP TABLE person;"
    "ALTER TABLE person_v3 RENAME TO person;"
    "CREATE UNIQUE INDEX subject_by_key ON subject(key);";

/* Moves the rows of a version 2 event table into blocks, in their order, and drops it. */
static cr_err move_events(cr_store *s)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT subject, topic, day, amount_fen, attrs, h FROM event "
                           "ORDER BY rowid",
                           -1, &st, NULL))
        return cr__store_fail(s);
    cr_err err = CR_OK;
    int rc;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cr_event_row e = {.subject = sqlite3_column_int64(st, 0),
                                 .topic = sqlite3_column_int64(st, 1),
                                 .day = sqlite3_column_int(st, 2),
                                 .amount_fen = sqlite3_column_int64(st, 3),
                                 .has_amount = sqlite3_column_type(st, 3) != SQLITE_NULL,
                                 .h = sqlite3_column_int64(st, 5),
                                 .attrs = (const char *)sqlite3_column_text(st, 4),
                                 .attrs_len = (size_t)sqlite3_column_bytes(st, 4)};
        err = cr_store_events_add(s, &e, 1);
    }
    if (!err && rc != SQLITE_DONE)
        err = cr__store_fail(s);
    sqlite3_finalize(st);
    if (!err)
        err = cr__events_flush(s);
    if (!err && exec(s, "DROP INDEX IF EXISTS event_by_subject; DROP TABLE event;"))
        err = cr__store_fail(s);
    return err;
}

/* Version 4: the text of every model a run used, by content hash (crisk show explains a run
 * with its own model), a registry row's kept columns (attrs, JSON), and feed files recorded
 * per topic. */
static const char schema_v4[] =
    "CREATE TABLE model(hash TEXT PRIMARY KEY, id TEXT NOT NULL, version INTEGER NOT NULL,"
    " text BLOB NOT NULL) WITHOUT ROWID;"
    "ALTER TABLE enterprise ADD COLUMN attrs TEXT;"
    /* A file is recorded per topic that reads it: one table can be both a registry and a
     * topic's events (docs/catalog.md). Ids are kept, so quarantine rows keep their file. */
    "CREATE TABLE feed_file_v4(id INTEGER PRIMARY KEY, path TEXT NOT NULL,"
    " topic INTEGER NOT NULL, size INTEGER NOT NULL, hash INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK(state IN ('partial','done')),"
    " next_offset INTEGER NOT NULL, next_line INTEGER NOT NULL, n_read INTEGER NOT NULL,"
    " n_loaded INTEGER NOT NULL, n_duplicate INTEGER NOT NULL, n_quarantined INTEGER NOT NULL,"
    " started TEXT, finished TEXT, UNIQUE(topic, path, hash));"
    "INSERT INTO feed_file_v4 SELECT * FROM feed_file;"
    "DROP TABLE feed_file;"
    "ALTER TABLE feed_file_v4 RENAME TO feed_file;";

/* Version 5: the workflow of the later stages, each stage's tables in its own file of the
 * store (warnings.c: monitor; tasks.c: respond; inspect.c: inspect). */
static cr_err schema_v5(cr_store *s)
{
    return exec(s, cr__schema_v5_monitor) || exec(s, cr__schema_v5_respond) ||
                   exec(s, cr__schema_v5_inspect) || exec(s, cr__schema_v5_learn) ||
                   exec(s, cr__schema_v5_serve)
               ? CR_ESTORE
               : CR_OK;
}

/* Version 6: a quarantined row keeps the line as delivered (delivered) when a retry stores an
 * edit that still fails in raw, so the line sent again is known as open (docs/collect.md "A bad
 * line is quarantined once"). NULL while raw is the line as delivered. */
static const char schema_v6[] = "ALTER TABLE quarantine ADD COLUMN delivered BLOB;";

#define SCHEMA_VERSION 6
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static cr_err migrate(cr_store *s, cr_diag *d)
{
    int64_t version = 0;
    if (cr_store_scalar(s, "PRAGMA user_version", &version))
        return db_fail(s, d, "reading schema version");
    if (version > SCHEMA_VERSION)
        return cr_diag_set(d, CR_ESTORE, s->path, 0, 0,
                           "store schema version %lld is newer than this crisk (%d)",
                           (long long)version, SCHEMA_VERSION);
    if (version == SCHEMA_VERSION)
        return CR_OK;
    if (exec(s, "BEGIN IMMEDIATE"))
        goto fail;
    s->in_tx = 1;
    /* Read again under the write lock: another process may have upgraded it meanwhile. */
    if (cr_store_scalar(s, "PRAGMA user_version", &version))
        goto fail;
    if (version >= SCHEMA_VERSION) {
        cr_store_rollback(s);
        return version == SCHEMA_VERSION ? CR_OK : migrate(s, d); /* newer: its message */
    }
    if (version == 0) {
        if (exec(s, schema_v1))
            goto fail;
        unsigned char salt[32];
        randombytes_buf(salt, sizeof salt);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, "INSERT INTO meta(k,v) VALUES('salt',?1)", -1, &st, NULL))
            goto fail;
        sqlite3_bind_blob(st, 1, salt, sizeof salt, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            goto fail;
    }
    if (version <= 1 && exec(s, schema_v2))
        goto fail;
    if (version <= 2 && (exec(s, schema_v3) || move_events(s) || cr__events_postings(s) ||
                         cr_store_bump_generation(s)))
        goto fail;
    if (version <= 3 && exec(s, schema_v4))
        goto fail;
    if ((version <= 4 && schema_v5(s)) || (version <= 5 && exec(s, schema_v6)) ||
        exec(s, "PRAGMA user_version=" STRINGIFY(SCHEMA_VERSION)) || cr_store_commit(s))
        goto fail;
    return CR_OK;
fail : {
    if (!s->err[0])
        cr__store_fail(s);
    cr_err e = cr_diag_set(d, CR_ESTORE, s->path, 0, 0, "%s: %s",
                           version ? "upgrading the store's schema" : "creating schema", s->err);
    cr__events_discard(s);
    cr_store_rollback(s);
    return e;
}
}

/* A reader never migrates: it needs the schema this crisk writes. */
static cr_err check_version(cr_store *s, cr_diag *d)
{
    int64_t version = 0;
    if (cr_store_scalar(s, "PRAGMA user_version", &version))
        return db_fail(s, d, "reading schema version");
    if (version == SCHEMA_VERSION)
        return CR_OK;
    if (version == 0)
        return cr_diag_set(d, CR_ESTORE, s->path, 0, 0, "not a crisk store (no schema)");
    return cr_diag_set(d, CR_ESTORE, s->path, 0, 0,
                       "store schema version %lld, this crisk reads version %d%s",
                       (long long)version, SCHEMA_VERSION,
                       version < SCHEMA_VERSION ? ": any writing verb (crisk ingest, classify, "
                                                  "monitor, dispatch, …) upgrades it"
                                                : "");
}

enum open_mode { OPEN_CREATE, OPEN_EXISTING, OPEN_READONLY };

/* Whether a reader must not write beside the store at path: the file has no write permission
 * bit (root would write it anyway, leaving -wal/-shm a writer cannot open), or this user may
 * not write it or its folder; and there is no -wal whose rows only SQLite's WAL reading sees. */
static int readonly_store(const char *path)
{
    struct stat st;
    char wal[4096], dir[4096];
    if (stat(path, &st) != 0 || (size_t)snprintf(wal, sizeof wal, "%s-wal", path) >= sizeof wal)
        return 0;
    if (access(wal, F_OK) == 0)
        return 0;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = 0;
    else if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    return !(st.st_mode & 0222) || access(path, W_OK) != 0 || access(dir, W_OK) != 0;
}

/* "file:PATH?immutable=1" with the bytes a URI reserves escaped; NULL when out of memory. */
static char *immutable_uri(const char *path)
{
    sqlite3_str *u = sqlite3_str_new(NULL);
    sqlite3_str_appendall(u, "file:");
    if (path[0] == '/' && path[1] == '/')
        sqlite3_str_appendall(u, "//localhost"); /* "file://x" would name a host */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f)
            sqlite3_str_appendf(u, "%%%02X", *p);
        else
            sqlite3_str_appendchar(u, 1, (char)*p);
    sqlite3_str_appendall(u, "?immutable=1");
    return sqlite3_str_finish(u);
}

/* Memory statistics take a global mutex on every allocation; crisk never reads them. Only
 * possible before SQLite initialises, and sqlite3_config is not safe while another thread uses
 * SQLite (a city load's second connection): once per process. */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static cr_err open_store(const char *path, enum open_mode mode, cr_store **out, cr_diag *d)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (sodium_init() < 0)
        return cr_diag_set(d, CR_EIO, NULL, 0, 0, "libsodium failed to initialise");
    pthread_once(&once, sqlite_setup);
    cr_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return CR_ENOMEM;
    }
    cr_err rc = cr__events_init(s);
    if (rc)
        goto out;
    int readonly = mode == OPEN_READONLY;
    int flags = readonly                ? SQLITE_OPEN_READONLY
                : mode == OPEN_EXISTING ? SQLITE_OPEN_READWRITE
                                        : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    /* A reader of a store it may not write (a 444 file, a 555 folder) writes nothing: with no
     * -wal file every committed row is in the file itself, which is then read as immutable, so
     * that SQLite neither fails to create -wal/-shm nor leaves them behind. Otherwise a store is
     * a file: a name starting with "file:" is a file of that name (as the lock and the output
     * guards take it), never an SQLite URI, which could name a memory database. */
    char *uri = readonly && readonly_store(path) ? immutable_uri(path) : NULL;
    char *name = uri ? NULL : malloc(strlen(path) + 3);
    if (name)
        snprintf(name, strlen(path) + 3, "%s%s", strncmp(path, "file:", 5) == 0 ? "./" : "", path);
    int open_rc =
        uri || name
            ? sqlite3_open_v2(uri ? uri : name, &s->db,
                              flags | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL)
            : SQLITE_NOMEM;
    free(name);
    if (open_rc) {
        rc = cr_diag_set(d, CR_ESTORE, path, 0, 0, "cannot open store: %s",
                         s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sqlite3_free(uri);
        goto out;
    }
    sqlite3_free(uri);
    /* SQLite opens a file it may not write read-only without a word; a writer says so now. */
    if (!readonly && sqlite3_db_readonly(s->db, "main") == 1) {
        rc = cr_diag_set(d, CR_ESTORE, path, 0, 0,
                         "the store is read-only (the file or its folder may not be written): "
                         "this verb writes to it");
        goto out;
    }
    sqlite3_busy_timeout(s->db, 10000);
    /* WAL keeps readers going during an ingest and makes every commit atomic on a crash;
     * synchronous=NORMAL is durable against process death (kill -9), the case that matters
     * for a batch job, and loses at most the last commit on power loss. */
    /* Bulk appends fill pages front to back: larger pages mean fewer B-tree pages to split
     * and link. Only takes effect when the file is created. */
    if (!readonly)
        exec(s, "PRAGMA page_size=16384");
    if ((!readonly && exec(s, "PRAGMA journal_mode=WAL")) || exec(s, "PRAGMA synchronous=NORMAL") ||
        exec(s, "PRAGMA foreign_keys=OFF") || exec(s, "PRAGMA cache_size=-262144") ||
        exec(s, "PRAGMA temp_store=MEMORY")) {
        rc = cr_diag_set(d, CR_ESTORE, path, 0, 0, "cannot configure store: %s",
                         sqlite3_errmsg(s->db));
        goto out;
    }
    /* CREATE INDEX (at the end of every bulk ingest) sorts on this many threads. */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    char threads[48];
    snprintf(threads, sizeof threads, "PRAGMA threads=%ld", cores < 1 ? 1 : cores > 4 ? 4 : cores);
    exec(s, threads);
    if ((rc = readonly ? check_version(s, d) : migrate(s, d)))
        goto out;
    for (int i = 0; i < ST__N; i++)
        if (sqlite3_prepare_v3(s->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL)) {
            rc = db_fail(s, d, "preparing statements");
            goto out;
        }
    *out = s;
    s = NULL;
out:
    cr_store_close(s);
    return rc;
}

cr_err cr_store_open(const char *path, cr_store **out, cr_diag *d)
{
    return open_store(path, OPEN_CREATE, out, d);
}

cr_err cr_store_open_existing(const char *path, cr_store **out, cr_diag *d)
{
    struct stat st;
    /* SQLite would say only "unable to open database file". */
    if (stat(path, &st) != 0 && errno == ENOENT)
        return cr_diag_set(d, CR_ENOTFOUND, path, 0, 0,
                           "no store here (only crisk ingest creates one: check --db and "
                           "$CRISK_DB, or ingest first)");
    return open_store(path, OPEN_EXISTING, out, d);
}

cr_err cr_store_open_readonly(const char *path, cr_store **out, cr_diag *d)
{
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return cr_diag_set(d, CR_ENOTFOUND, path, 0, 0,
                           "no store here (a reading verb never creates one: check --db and "
                           "$CRISK_DB, or ingest first)");
    return open_store(path, OPEN_READONLY, out, d);
}

sqlite3 *cr__store_db(cr_store *s)
{
    return s->db;
}

const char *cr__store_path(cr_store *s)
{
    return s->path;
}

cr_err cr_store_bump_generation(cr_store *s)
{
    return exec(s, "INSERT INTO meta(k, v) VALUES('generation', 1) "
                   "ON CONFLICT(k) DO UPDATE SET v = v + 1");
}

cr_err cr_store_row_hash_keyed(cr_store *s, int *keyed)
{
    int64_t v = -1, rows = 0;
    if (cr_store_scalar(s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'row_hash'), -1)", &v))
        return CR_ESTORE;
    if (v < 0) {
        if (cr_store_scalar(s,
                            "SELECT EXISTS(SELECT 1 FROM enterprise) OR EXISTS(SELECT 1 FROM role) "
                            "OR EXISTS(SELECT 1 FROM event_block)",
                            &rows))
            return CR_ESTORE;
        v = rows ? 0 : 1;
        if (exec(s, v ? "INSERT INTO meta(k, v) VALUES('row_hash', 1)"
                      : "INSERT INTO meta(k, v) VALUES('row_hash', 0)"))
            return CR_ESTORE;
    }
    *keyed = v == 1;
    return CR_OK;
}

cr_err cr_store_generation(cr_store *s, int64_t *out)
{
    return cr_store_scalar(s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'generation'), 0)",
                           out);
}

cr_err cr__store_prepared(cr_store *s, const char *sql, sqlite3_stmt **st)
{
    size_t n = sizeof s->kept / sizeof s->kept[0], i = 0;
    for (; i < n && s->kept[i].sql; i++)
        if (s->kept[i].sql == sql && strcmp(sqlite3_sql(s->kept[i].st), sql) == 0) {
            if (sqlite3_stmt_busy(s->kept[i].st))
                break; /* still stepping in a caller up the stack: a statement of its own */
            *st = s->kept[i].st;
            return CR_OK;
        }
    int keep = i < n && !s->kept[i].sql;
    if (sqlite3_prepare_v3(s->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, st, NULL))
        return cr__store_fail(s);
    if (keep) {
        s->kept[i].sql = sql;
        s->kept[i].st = *st;
    }
    return CR_OK;
}

void cr__store_done(cr_store *s, sqlite3_stmt *st)
{
    for (size_t i = 0; i < sizeof s->kept / sizeof s->kept[0] && s->kept[i].sql; i++)
        if (s->kept[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return;
        }
    sqlite3_finalize(st);
}

void cr_store_close(cr_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST__N; i++)
        sqlite3_finalize(s->st[i]);
    for (size_t i = 0; i < sizeof s->kept / sizeof s->kept[0]; i++)
        sqlite3_finalize(s->kept[i].st);
    if (s->in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    cr__events_fini(s);
    sqlite3_close(s->db);
    cr__store_unlock(s); /* after the close: the next writer finds every write done */
    free(s->path);
    free(s);
}

cr_err cr_store_begin(cr_store *s)
{
    if (exec(s, "BEGIN IMMEDIATE"))
        return CR_ESTORE;
    s->in_tx = 1;
    return CR_OK;
}

cr_err cr_store_commit(cr_store *s)
{
    if (cr__events_flush(s) || exec(s, "COMMIT"))
        return CR_ESTORE; /* the failing call kept SQLite's message */
    s->in_tx = 0;
    return CR_OK;
}

void cr_store_busy_ms(cr_store *s, int ms)
{
    sqlite3_busy_timeout(s->db, ms);
}

void cr_store_rollback(cr_store *s)
{
    if (!s) /* a store that could not be opened: nothing to roll back */
        return;
    cr__events_discard(s);
    /* Not exec: the message of the failure that led here is kept. */
    if (s->in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
}

/* Steps a prepared statement to completion and resets it; a failure keeps SQLite's message. */
static cr_err run(cr_store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    cr_err err = rc == SQLITE_DONE || rc == SQLITE_ROW ? CR_OK : cr__store_fail(s);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return err;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

cr_err cr_store_salt(cr_store *s, unsigned char salt[32])
{
    sqlite3_stmt *st = NULL;
    cr_err rc;
    if (sqlite3_prepare_v2(s->db, "SELECT v FROM meta WHERE k='salt'", -1, &st, NULL) == 0 &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(salt, sqlite3_column_blob(st, 0), 32);
        rc = CR_OK;
    } else {
        rc = cr__store_fail(s);
    }
    sqlite3_finalize(st);
    return rc;
}

cr_err cr_store_department_put(cr_store *s, const char *code, const char *name)
{
    sqlite3_stmt *st = s->st[ST_DEPT_PUT];
    bind_text(st, 1, code);
    bind_text(st, 2, name);
    return run(s, st);
}

cr_err cr_store_topic_put(cr_store *s, const char *code, const char *name, const char *department,
                          const char *kind, int64_t *id)
{
    sqlite3_stmt *st = s->st[ST_TOPIC_PUT];
    bind_text(st, 1, code);
    bind_text(st, 2, name);
    bind_text(st, 3, department);
    bind_text(st, 4, kind);
    if (run(s, st))
        return CR_ESTORE;
    st = s->st[ST_TOPIC_ID];
    bind_text(st, 1, code);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return cr__store_fail(s);
    }
    *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return CR_OK;
}

cr_err cr_store_topic_identity(cr_store *s, const char *code, char *kind, size_t kind_cap,
                               char *department, size_t department_cap, int *found, int *has_rows)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT kind, department, EXISTS(SELECT 1 FROM feed_file f "
                           "WHERE f.topic = t.id) FROM topic t WHERE code = ?1",
                           -1, &st, NULL))
        return cr__store_fail(s);
    bind_text(st, 1, code);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    *has_rows = 0;
    if (*found) {
        snprintf(kind, kind_cap, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(department, department_cap, "%s", (const char *)sqlite3_column_text(st, 1));
        *has_rows = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_file_put(cr_store *s, const char *path, const struct cr_file_rec *rec)
{
    sqlite3_stmt *st = s->st[ST_FILE_PUT];
    bind_text(st, 1, path);
    sqlite3_bind_int64(st, 2, rec->topic);
    sqlite3_bind_int64(st, 3, rec->size);
    sqlite3_bind_int64(st, 4, rec->hash);
    bind_text(st, 5, rec->done ? "done" : "partial");
    sqlite3_bind_int64(st, 6, rec->next_offset);
    sqlite3_bind_int64(st, 7, rec->next_line);
    sqlite3_bind_int64(st, 8, rec->n_read);
    sqlite3_bind_int64(st, 9, rec->n_loaded);
    sqlite3_bind_int64(st, 10, rec->n_duplicate);
    sqlite3_bind_int64(st, 11, rec->n_quarantined);
    sqlite3_bind_int64(st, 12, rec->id);
    return run(s, st);
}

cr_err cr_store_max_id(cr_store *s, const char *table, int64_t *out)
{
    const char *sql = strcmp(table, "subject") == 0  ? "SELECT coalesce(max(id),0) FROM subject"
                      : strcmp(table, "person") == 0 ? "SELECT coalesce(max(id),0) FROM person"
                      : strcmp(table, "feed_file") == 0
                          ? "SELECT coalesce(max(id),0) FROM feed_file"
                          : NULL;
    return sql ? cr_store_scalar(s, sql, out) : CR_EINVAL;
}

cr_err cr_store_files_each(cr_store *s,
                           void (*fn)(void *ctx, const char *path, const struct cr_file_rec *rec),
                           void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id,topic,size,hash,state='done',next_offset,next_line,n_read,"
                           "n_loaded,n_duplicate,n_quarantined,path FROM feed_file",
                           -1, &st, NULL))
        return cr__store_fail(s);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t v[11];
        for (int i = 0; i < 11; i++)
            v[i] = sqlite3_column_int64(st, i);
        struct cr_file_rec rec = {v[0], v[1], v[2], v[3], (int)v[4], v[5],
                                  v[6], v[7], v[8], v[9], v[10]};
        fn(ctx, (const char *)sqlite3_column_text(st, 11), &rec);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_subjects_each(cr_store *s,
                              void (*fn)(void *ctx, const char *key, size_t len, int64_t id,
                                         int registered),
                              void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT s.id, s.key, e.subject IS NOT NULL FROM subject s "
                           "LEFT JOIN enterprise e ON e.subject = s.id",
                           -1, &st, NULL))
        return cr__store_fail(s);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1),
           sqlite3_column_int64(st, 0), sqlite3_column_int(st, 2));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_topics_each(cr_store *s,
                            void (*fn)(void *ctx, int64_t id, const char *code, const char *kind),
                            void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT id, code, kind FROM topic ORDER BY id", -1, &st, NULL))
        return cr__store_fail(s);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_subject_add(cr_store *s, int64_t id, const char *key, size_t len)
{
    sqlite3_stmt *st = s->st[ST_SUBJ_ADD];
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, key, (int)len, SQLITE_STATIC);
    return run(s, st);
}

cr_err cr_store_enterprise_put(cr_store *s, const struct cr_enterprise_rec *r)
{
    sqlite3_stmt *st = s->st[ST_ENT_PUT];
    sqlite3_bind_int64(st, 1, r->subject);
    sqlite3_bind_int64(st, 2, r->topic);
    const char *text[] = {r->uscc, r->name, r->type, r->industry};
    for (int i = 0; i < 4; i++)
        bind_text(st, 3 + i, text[i]);
    if (r->has_capital)
        sqlite3_bind_int64(st, 7, r->capital_fen);
    if (r->has_established)
        sqlite3_bind_int(st, 8, r->established);
    const char *text2[] = {r->status, r->address, r->addr_key, r->district, r->street, r->grid};
    for (int i = 0; i < 6; i++)
        bind_text(st, 9 + i, text2[i]);
    if (r->has_coords) {
        sqlite3_bind_double(st, 15, r->lon);
        sqlite3_bind_double(st, 16, r->lat);
    }
    sqlite3_bind_int64(st, 17, r->h);
    bind_text(st, 18, r->attrs);
    return run(s, st);
}

cr_err cr_store_persons_each(cr_store *s,
                             void (*fn)(void *ctx, const unsigned char idhash[16], int64_t id),
                             void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT id, idhash FROM person", -1, &st, NULL))
        return cr__store_fail(s);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (sqlite3_column_bytes(st, 1) == 16)
            fn(ctx, sqlite3_column_blob(st, 1), sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_person_add(cr_store *s, int64_t id, const unsigned char idhash[16],
                           const char *name)
{
    sqlite3_stmt *st = s->st[ST_PERSON_ADD];
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob(st, 2, idhash, 16, SQLITE_STATIC);
    bind_text(st, 3, name);
    return run(s, st);
}

cr_err cr_store_role_add(cr_store *s, int64_t subject, int64_t person, const char *role,
                         const int32_t *start_day, int64_t topic, int64_t h)
{
    sqlite3_stmt *st = s->st[ST_ROLE_ADD];
    sqlite3_bind_int64(st, 1, subject);
    sqlite3_bind_int64(st, 2, person);
    bind_text(st, 3, role);
    if (start_day)
        sqlite3_bind_int(st, 4, *start_day);
    sqlite3_bind_int64(st, 5, topic);
    sqlite3_bind_int64(st, 6, h);
    return run(s, st);
}

cr_err cr_store_quarantine_add(cr_store *s, int64_t file, int64_t topic, int64_t line,
                               const char *reason, const char *detail, const void *raw,
                               size_t raw_len)
{
    sqlite3_stmt *st = s->st[ST_QUAR_ADD];
    sqlite3_bind_int64(st, 1, file);
    if (topic)
        sqlite3_bind_int64(st, 2, topic);
    sqlite3_bind_int64(st, 3, line);
    bind_text(st, 4, reason);
    bind_text(st, 5, detail);
    sqlite3_bind_blob(st, 6, raw, (int)raw_len, SQLITE_STATIC);
    return run(s, st);
}

cr_err cr_store_quarantine_each(cr_store *s, const char *state, const char *reason,
                                int (*fn)(void *ctx, const struct cr_quarantine_row *r), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT q.id, q.file, q.topic, q.line, f.path, t.code, q.reason, "
                           "q.detail, q.state, q.raw FROM quarantine q "
                           "JOIN feed_file f ON f.id = q.file LEFT JOIN topic t ON t.id = q.topic "
                           "WHERE (?1 IS NULL OR q.state = ?1) AND (?2 IS NULL OR q.reason = ?2) "
                           "ORDER BY f.path, q.line, q.id",
                           -1, &st, NULL))
        return cr__store_fail(s);
    bind_text(st, 1, state);
    bind_text(st, 2, reason);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cr_quarantine_row r = {
            .id = sqlite3_column_int64(st, 0),
            .file = sqlite3_column_int64(st, 1),
            .topic = sqlite3_column_int64(st, 2),
            .line = sqlite3_column_int64(st, 3),
            .path = (const char *)sqlite3_column_text(st, 4),
            .topic_code = (const char *)sqlite3_column_text(st, 5),
            .reason = (const char *)sqlite3_column_text(st, 6),
            .detail = (const char *)sqlite3_column_text(st, 7),
            .state = (const char *)sqlite3_column_text(st, 8),
            .raw = sqlite3_column_blob(st, 9),
            .raw_len = (size_t)sqlite3_column_bytes(st, 9),
        };
        if (fn(ctx, &r))
            break;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_quarantine_open_raws(
    cr_store *s, int (*fn)(void *ctx, int64_t topic, const void *raw, size_t len), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT topic, raw FROM quarantine WHERE state = 'open' UNION ALL "
                           "SELECT topic, delivered FROM quarantine "
                           "WHERE state = 'open' AND delivered IS NOT NULL",
                           -1, &st, NULL))
        return cr__store_fail(s);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0),
               sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1)))
            break;
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_quarantine_counts(cr_store *s, void (*fn)(void *ctx, const char *reason, int64_t n),
                                  void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT reason, count(*) FROM quarantine WHERE state='open' "
                           "GROUP BY reason ORDER BY count(*) DESC, reason",
                           -1, &st, NULL))
        return cr__store_fail(s);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_quarantine_resolve(cr_store *s, int64_t id)
{
    sqlite3_stmt *st = s->st[ST_QUAR_RESOLVE];
    sqlite3_bind_int64(st, 1, id);
    return run(s, st);
}

cr_err cr_store_quarantine_update(cr_store *s, int64_t id, const char *reason, const char *detail,
                                  const void *raw, size_t raw_len)
{
    sqlite3_stmt *st = s->st[ST_QUAR_UPDATE];
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, reason);
    bind_text(st, 3, detail);
    sqlite3_bind_blob(st, 4, raw, (int)raw_len, SQLITE_STATIC);
    return run(s, st);
}

cr_err cr_store_scalar(cr_store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return cr__store_fail(s);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_counts(cr_store *s, struct cr_store_counts *c)
{
    struct {
        const char *sql;
        int64_t *out;
    } q[] = {
        {"SELECT count(*) FROM subject", &c->subjects},
        {"SELECT count(*) FROM enterprise", &c->enterprises},
        {"SELECT count(*) FROM person", &c->persons},
        {"SELECT count(*) FROM role", &c->roles},
        {"SELECT coalesce((SELECT v FROM meta WHERE k = 'events'), 0)", &c->events},
        {"SELECT count(*) FROM quarantine WHERE state='open'", &c->quarantined_open},
        {"SELECT count(*) FROM feed_file", &c->files},
    };
    for (size_t i = 0; i < sizeof q / sizeof *q; i++)
        if (cr_store_scalar(s, q[i].sql, q[i].out))
            return cr__store_fail(s);
    c->subjects_unregistered = c->subjects - c->enterprises;
    return CR_OK;
}
