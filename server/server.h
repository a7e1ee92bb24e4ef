/* crisk serve: the HTTP API (docs/serve.md). Like cli/, server/ uses the public headers of
 * libcrisk only; its SQL lives in src/store/ (serve.c). Routes are data: each stage adds a
 * table of struct srv_route (routes_<stage>.c) and one line in routes.c. */
#ifndef CRISK_SERVER_H
#define CRISK_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"
#include "crisk/store.h"

/* ---- configuration (config.c): every policy number, with its documented default ---- */
struct srv_config {
    long threads;              /* worker threads of the pool */
    long connection_timeout_s; /* an idle connection (a slow request) is closed after this */
    long request_timeout_s;    /* a body still arriving this long after its headers is cut */
    long header_timeout_s;     /* headers not in this long after the start or last request: cut */
    long max_url_bytes;        /* a longer path and query are refused (414) */
    long max_header_bytes;     /* longer headers (all together) are refused (431) */
    long max_body_bytes;       /* a larger request body is refused (413) */
    long max_connections;      /* connections at once */
    long per_ip_connections;   /* connections at once from one client address */
    long session_idle_s;       /* a session unused this long ends */
    long session_max_s;        /* a session ends this long after login, used or not */
    long login_failures_name;  /* failed logins of one name within the window before 429 */
    long login_failures_addr;  /* failed logins from one address within the window before 429 */
    long login_window_s;       /* the window of the two limits above */
    long login_busy_ms;        /* how long a login waits for another process's write lock */
    long lock_wait_ms;         /* how long a write waits for the store's crisk lock */
    long cookie_secure;        /* 1: the session cookie carries Secure (behind TLS) */
    long search_limit;         /* most enterprises a search returns */
    long portrait_events;      /* recent events in a portrait */
    long audit_page;           /* most audit rows one request returns */
    long list_limit;           /* most rows of a list (warnings, tasks, inspections) per request */
    long publish_workdays;     /* an inspection result is published within this many working days */
    long jobs_kept;            /* finished background jobs remembered (the oldest are forgotten) */
    long portrait_cache_mib;   /* portraits kept, least recently used out first */
    long read_cache_mib;       /* page cache of each worker's read connection */
    long read_mmap_mib;        /* the store mapped into memory by each read connection (0: none) */
    long audit_flush_ms;       /* an audit row waits at most this long for its batch's commit */
    long audit_batch;          /* most audit rows one commit writes */
    long audit_wait;           /* 1: an audited read waits for its row's commit (0: default) */
    long audit_room_wait_ms;   /* a request waits at most this long for room in a full queue */
    long password_min_chars;   /* a password needs at least this many characters */
    long search_step;          /* firms per write transaction of the search index's rebuild */
    char hit_outcomes[160];    /* task outcome codes counted as hits, comma-separated */
};
/* The longest session_idle_s and session_max_s a configuration may set. A session keeps the
 * limits it was made with; one made before sessions kept them is deleted by a login only when
 * idle or old beyond these (ended under any server's settings). */
#define SRV_SESSION_IDLE_MAX_S 604800L
#define SRV_SESSION_MAX_MAX_S 2592000L
/* The longest login_window_s: login failure rows older than this go, whatever a server set. */
#define SRV_LOGIN_WINDOW_MAX_S 86400L
/* Fills c with the defaults, then reads path (NULL: none) as "key: value" lines (# comments).
 * An unknown key, a value that is not a whole number or one outside its range is CR_EINVAL
 * with d naming file and line. */
cr_err srv_config_load(const char *path, struct srv_config *c, cr_diag *d) CR_MUST_USE;
/* Whether the task outcome code counts as a hit (hit_outcomes). */
int srv_hit_outcome(const struct srv_config *c, const char *code);

/* ---- roles (auth.c) ---- */
enum srv_role {
    SRV_CITY_ADMIN,
    SRV_CITY_ANALYST,
    SRV_DISTRICT,
    SRV_STREET,
    SRV_GRID,
    SRV_AUDITOR,
    SRV_N_ROLES
};
#define SRV_ROLE(r) (1u << (r))
#define SRV_READERS                                                                                \
    (SRV_ROLE(SRV_CITY_ADMIN) | SRV_ROLE(SRV_CITY_ANALYST) | SRV_ROLE(SRV_DISTRICT) |              \
     SRV_ROLE(SRV_STREET) | SRV_ROLE(SRV_GRID))
#define SRV_EVERYONE (SRV_READERS | SRV_ROLE(SRV_AUDITOR))
/* The role named name (e.g. "district"), or -1. */
int srv_role_find(const char *name);
const char *srv_role_name(int role);
/* Digits of the scope code a role needs (6 district, 9 street, 12 grid), 0 for city roles. */
int srv_role_scope_digits(int role);

struct cr_ref;
/* A password's argon2id hash (crypto_pwhash_str) into out; CR_EINVAL (with d) when it is
 * empty or has fewer than min_chars characters (password_min_chars). */
cr_err srv_password_hash(const char *password, long min_chars, char out[160],
                         cr_diag *d) CR_MUST_USE;
/* Checks a user's name (visible characters, NFKC), role and scope and hashes the password
 * into u. CR_EINVAL with d saying why for a bad name, an unknown role, a scope that does not
 * fit it (its length and division level), lies outside city (the store's city code, 440100;
 * NULL or "": unchecked) or (with ref) is no known division, or a password srv_password_hash
 * refuses. */
cr_err srv_user_make(const char *name, const char *role, const char *scope, const char *password,
                     long min_chars, const struct cr_ref *ref, const char *city,
                     struct cr_user_rec *u, cr_diag *d) CR_MUST_USE;

/* ---- the server ---- */
struct srv;

/* The user behind a request's session. */
struct srv_user {
    int64_t id;
    char name[128];
    int role;
    char scope[16];
};

/* One request as a handler sees it. */
struct srv_req {
    struct srv *srv;
    const char *method, *path;
    const char *param[4]; /* the {…} parts of the route's pattern, in order */
    size_t n_param;
    json_t *body;                /* a JSON request body, or NULL */
    const struct srv_user *user; /* NULL on public routes */
    cr_store *db;                /* this worker's read-only connection */
    const char *client;          /* the client's address */
    void *conn;                  /* the MHD connection (query arguments: srv_query) */
    const char *session_cookie;  /* the crisk_session cookie as sent, or NULL (logout ends it) */
    /* Set by a handler of an audited route: the object read or written (e.g. the USCC). */
    char audit_object[128];
    /* Set by a public write (login): the role of the user it names, "" for none. */
    char audit_role[32];
};

/* A handler's answer: status and a JSON body (owned; NULL for none), or a plain body. */
struct srv_reply {
    int status;
    json_t *json;
    const char *content_type; /* with body: a static body of body_len bytes */
    const char *body;
    size_t body_len;
    char set_cookie[256];  /* a Set-Cookie header value, or "" */
    int body_free;         /* body is malloc'd: freed once sent */
    char disposition[160]; /* a Content-Disposition header value, or "" */
    /* Static strings or NULL: Cache-Control instead of the default no-store, and an ETag. */
    const char *cache_control;
    const char *etag;
    long retry_after_s; /* > 0: a Retry-After header (a 429) */
};

typedef void (*srv_handler)(struct srv_req *r, struct srv_reply *out);

enum {
    SRV_PUBLIC = 1, /* no session needed */
    SRV_WRITE = 2,  /* changes something: needs the CSRF header; audited */
    SRV_AUDIT = 4,  /* a read that is audited (personal data: the portrait) */
    SRV_LOCK = 8,   /* the write takes the store's writer lock */
};

/* A route: method, pattern ("/api/v1/enterprises/{uscc}": {…} is one path segment), handler,
 * the roles that may call it (ignored for SRV_PUBLIC), flags, and the action name in the audit
 * log. openapi.json describes the same routes (tests/script/serve_openapi.sh). */
struct srv_route {
    const char *method, *pattern;
    srv_handler fn;
    unsigned roles;
    unsigned flags;
    const char *action;
};
struct srv_route_table {
    const char *stage;
    const struct srv_route *routes;
    size_t n;
};
/* The tables of every stage (routes.c), NULL-terminated. */
extern const struct srv_route_table *const srv_route_tables[];
extern const struct srv_route_table srv_routes_core, srv_routes_monitor, srv_routes_respond,
    srv_routes_inspect, srv_routes_learn, srv_routes_jobs, srv_routes_dash;

/* Finds the route of method and path: *route and the parameters in r; returns 200, 404 (no
 * such path) or 405 (the path exists for other methods). */
int srv_route_match(const char *method, const char *path, const struct srv_route **route,
                    struct srv_req *r);
/* The methods path answers ("GET, POST"), for a 405's Allow header. */
void srv_route_allow(const char *path, char *out, size_t cap);
/* The query arguments rt takes as openapi (the parsed openapi.json) declares them, joined by
 * commas ("q,limit"; "" for none): what is not among them is refused (docs/serve.md). -1 when
 * they do not fit cap bytes or are more than SRV_QUERY_KEYS_MAX (srv_run refuses to start). */
#define SRV_QUERY_KEYS_MAX 64
int srv_route_query_keys(const json_t *openapi, const struct srv_route *rt, char *out, size_t cap);
/* Prints "METHOD PATTERN ROLES" of every route, one a line (ROLES: "public", or the role
 * names joined by commas). */
void srv_routes_print(void);

/* The embedded openapi.json (openapi_doc.c, made from server/openapi.json at build). */
extern const unsigned char srv_openapi_json[];
extern const size_t srv_openapi_json_len;

/* The web UI's assets (web_assets.c, made at build by server/embed_web.cmake from web/, ECharts
 * and the district map), ended by an entry with a NULL name. etag is quoted ("…"). */
struct srv_asset {
    const char *name;
    const unsigned char *data;
    size_t len;
    const char *etag;
};
extern const struct srv_asset srv_web_assets[];
extern const struct srv_route_table srv_routes_web;

/* ---- helpers for handlers ---- */
/* A whole number query argument in [min, max]: def when absent, -1 when it is not one. */
long long srv_query_num(const struct srv_req *r, const char *key, long long def, long long min,
                        long long max);
/* The limit query argument of a list of at most max rows: max when absent, max when larger
 * (clamped: a UI asking for more gets the most there is), -1 when it is not a whole number of
 * at least 1. */
long long srv_query_limit(const struct srv_req *r, long long max);
/* A whole number path parameter (an id): > 0, or -1 when it is not one. */
int64_t srv_param_id(const struct srv_req *r, size_t i);
/* Today in Asia/Shanghai (UTC+8), days since 1970-01-01. */
int32_t srv_today(void);
/* Whether run (> 0) is a classification run of the store: 1 yes, 0 no (then 404 not_found is
 * answered into out), -1 a store error (500 answered). */
int srv_run_exists(struct srv_req *r, int64_t run, struct srv_reply *out);
/* Reports the store's error on stderr and answers 500 store. */
void srv_store_error(struct srv_reply *out, cr_store *db);
/* Whether the division code (or prefix) code lies inside the user's jurisdiction (city roles:
 * any; else it starts with the user's scope). */
int srv_division_in_scope(const struct srv_user *u, const char *code);
/* The division filter of a request: the intersection of the division query argument (NULL =
 * none) and the user's jurisdiction, into out ("" = the whole city). The argument must be a
 * division code the reference table knows (cr_division_known; a prefix such as 44 or 4401030
 * is none); the city's own code (440100) means the whole city. Returns 0, 1 when they do not
 * meet (nothing to list), -1 when the argument is not a known division code. */
int srv_division_filter(const struct srv *s, const struct srv_user *u, const char *arg,
                        char out[16]);
/* The firm query argument of a list (a USCC or a department's key ns:key) into *subject: 0
 * when absent; -1 when the firm is unknown or outside the user's jurisdiction (the list is then
 * empty: its existence is not revealed). Returns 0, -1 when the argument is not a key, -2 on a
 * store error. */
int srv_firm_arg(struct srv_req *r, int64_t *subject);
/* A day argument YYYY-MM-DD (NULL: def) into *day; -1 when it is not a date. */
int srv_day_arg(const char *s, int32_t def, int32_t *day);
/* Unix seconds t as ISO 8601 UTC ("2026-12-01T10:20:22Z"), the API's form of every time. */
#define SRV_TIME_ISO_CAP 24
void srv_time_iso(int64_t t, char out[SRV_TIME_ISO_CAP]);
/* A day as JSON: "YYYY-MM-DD", or null when day is INT32_MIN or -1 (none). */
json_t *srv_day_json(int32_t day);
/* A string as JSON, null for NULL or "". */
json_t *srv_str_or_null(const char *s);
/* A task as the API shows it (routes_respond.c): its fields, the warning's detector and
 * summary, its division's name, overdue as of today. */
struct cr_task;
json_t *srv_task_json(struct srv *s, const struct cr_task *t, int32_t today);
/* The store's path, the working-day calendar (NULL when it could not be loaded). */
const char *srv_db_path(const struct srv *s);
struct cr_calendar;
const struct cr_calendar *srv_calendar(const struct srv *s);
/* The respond policy the server was started with (task steps: note_max_bytes). */
const struct cr_respond_config *srv_respond(const struct srv *s);
void srv_error(struct srv_reply *out, int status, const char *code, const char *message);
/* A header of the request, or NULL. */
const char *srv_header(const struct srv_req *r, const char *name);
/* A query argument of the request, or NULL. */
const char *srv_query(const struct srv_req *r, const char *key);
/* Whether an enterprise at (district, street, grid) lies in the user's jurisdiction. */
int srv_in_scope(const struct srv_user *u, const char *district, const char *street,
                 const char *grid);
/* The scope of the user as a store filter: "" for city roles. */
const char *srv_scope(const struct srv_user *u);
/* The model that run used (run <= 0: the default model), loaded once and kept (NULL when it
 * cannot be had). Thread-safe. */
struct cr_model;
const struct cr_model *srv_run_model(struct srv *s, cr_store *db, int64_t run);
/* The default model path (for a store without runs). */
const char *srv_default_model(const struct srv *s);
const struct srv_config *srv_cfg(const struct srv *s);
/* Division names (data/), or NULL when they could not be loaded (names are then left out). */
struct cr_ref;
const struct cr_ref *srv_ref(const struct srv *s);
/* The code of the city the store's enterprises lie in (440100), "" when none had a district at
 * the server's start. */
const char *srv_city(const struct srv *s);

/* Runs fn(ctx, writer) in one transaction on the server's writer connection (serialised);
 * lock: take the store's writer lock for the write and release it after. CR_ESTORE with the
 * reason in why (cap bytes) when the write or the lock failed. */
cr_err srv_write(struct srv *s, int lock, cr_err (*fn)(void *ctx, cr_store *w), void *ctx,
                 char *why, size_t cap) CR_MUST_USE;

/* srv_write without waiting for a lock another process holds, nor for this server's other
 * writes: CR_ESTORE at once instead (for what may be skipped, such as noting a session's use). */
cr_err srv_write_try(struct srv *s, cr_err (*fn)(void *ctx, cr_store *w), void *ctx, char *why,
                     size_t cap) CR_MUST_USE;
/* srv_write waiting at most busy_ms for another process's write lock (0: srv_write_try). */
cr_err srv_write_wait(struct srv *s, int busy_ms, cr_err (*fn)(void *ctx, cr_store *w), void *ctx,
                      char *why, size_t cap) CR_MUST_USE;
/* Like srv_write, for a library call that opens its own transaction (cr_task_act,
 * cr_inspect_plan): fn runs on the writer connection outside any transaction. */
cr_err srv_write_own(struct srv *s, int lock, cr_err (*fn)(void *ctx, cr_store *w), void *ctx,
                     char *why, size_t cap) CR_MUST_USE;

/* ---- jobs.c: background runs with progress ---- */
struct srv_jobs;
cr_err srv_jobs_new(struct srv_jobs **out) CR_MUST_USE;
/* Waits for a running job to finish (it is told to stop at its next progress report), then
 * frees everything. */
void srv_jobs_free(struct srv_jobs *j);
struct srv_jobs *srv_jobs_of(struct srv *s);

/* ---- auth.c: login, sessions, CSRF, rate limits ---- */
/* Checks name's password as a login does, under the login rate limits (an attempt counted in
 * the store before the check; docs/serve.md "Security"): 0 with the user in *u when it is
 * right and the user enabled; else -1 with out set (401 with msg, 429, or 503). A right
 * password's counted attempt is taken back here with release, else by the caller (a login
 * does it with its session, cr_store_login_release). */
int srv_password_check(struct srv_req *r, const char *name, const char *password, int release,
                       struct cr_user_rec *u, const char *msg, struct srv_reply *out);
struct srv_auth;
cr_err srv_auth_new(struct srv_auth **out) CR_MUST_USE;
void srv_auth_free(struct srv_auth *a);
/* The user of the session named by the request's cookie (cookie: the value of crisk_session),
 * checking expiry; 0 with *u filled, or 401 when there is none. csrf (may be NULL) is the
 * X-CSRF-Token header: *csrf_ok says whether it matches the session's. */
int srv_session_user(struct srv *s, cr_store *db, const char *cookie, const char *csrf,
                     struct srv_user *u, int *csrf_ok);
void srv_login(struct srv_req *r, struct srv_reply *out);
void srv_logout(struct srv_req *r, struct srv_reply *out);
struct srv_auth *srv_auth_of(struct srv *s);
/* Queues one audit row for the audit writer (audit.c); wait: return once it is committed (its
 * error then), else at once (CR_ESTORE only when the queue is full: the store has refused
 * rows for a while). Errors are reported on stderr without secrets. Thread-safe. */
cr_err srv_audit(struct srv *s, const char *user, const char *role, const char *action,
                 const char *object, int status, const char *client, int wait) CR_MUST_USE;

/* ---- audit.c: the audit log's writer, committing the rows of many requests at once ---- */
struct srv_auditq;
/* Starts the writer thread (batches of audit_batch rows, audit_flush_ms, srv_cfg(s)). */
cr_err srv_auditq_new(struct srv *s, struct srv_auditq **out) CR_MUST_USE;
/* Commits every row still queued, then stops the thread and frees a. NULL is a no-op. */
void srv_auditq_free(struct srv_auditq *a);
/* Copies src (NULL: "") into dst (cap bytes) as valid UTF-8: cut on a character boundary,
 * bytes that are not UTF-8 written as \xNN; with cut_end a character cut short at src's very
 * end (the mark of a fixed buffer's cut) is left out. Returns the length written. */
size_t srv_text_copy(char *dst, size_t cap, const char *src, int cut_end);
/* Queues rec (copied with srv_text_copy into the row's fields). See srv_audit. */
cr_err srv_audit_row(struct srv_auditq *a, const struct cr_audit_rec *rec, int wait) CR_MUST_USE;
struct srv_auditq *srv_auditq_of(struct srv *s);

/* ---- server.c: checks of a write's body ---- */
/* Whether the JSON object of a write's body holds only the keys of allowed (a comma-separated
 * list: "name,password"; "" for none; a missing body holds none): 0, or -1 with a 400
 * bad_request naming the first other key answered into out. */
int srv_body_keys(const struct srv_req *r, struct srv_reply *out, const char *allowed);

/* ---- server.c ---- */
struct cr_respond_config;
struct srv_options {
    const char *db, *listen, *config, *model;
    const struct cr_respond_config *respond; /* the respond policy of task steps (required;
                                              * copied) */
};
/* Runs the server until SIGINT or SIGTERM. Prints the address it listens on to stdout. Returns
 * the exit code (0, 1 failure, 3 bad input). */
int srv_run(const struct srv_options *o);

#endif
