/* crisk serve: libmicrohttpd with a pool of worker threads, each reading the store through its
 * own read-only connection; writes (sessions, the audit log, the workflow) go through one writer
 * connection, one at a time (docs/serve.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "crisk/calendar.h"
#include "crisk/model.h"
#include "crisk/ref.h"
#include "crisk/respond.h"
#include "crisk/text.h"
#include "crisk/uscc.h"
#include "server.h"

enum { MODEL_CAP = 16, RUN_MODEL_CAP = 256 };

/* A connection as the watchdog sees it (libmicrohttpd 0.9.75 restarts its own timeout at every
 * byte, so a client sending a header byte every few seconds would keep its connection, and 512
 * such every connection). Each lives in the table from MHD's STARTED notification to its
 * CLOSED one, which MHD gives before it closes the socket: under the table's mutex, fd is
 * always this connection's. */
struct conn {
    int fd;
    int cut;     /* shut down by the watchdog */
    int waiting; /* 1: headers or a body still arriving, due by deadline */
    struct timespec deadline;
    struct conn *prev, *next;
};

/* A route's query arguments as openapi.json declares them (srv_route_query_keys). */
struct route_query {
    const struct srv_route *rt;
    char *keys; /* "q,limit"; "" for none */
};

struct srv {
    struct srv_config cfg;
    char city[16]; /* the code of the city the store's enterprises lie in ("" when none) */
    const char *db_path, *model_path;
    cr_store *writer;
    pthread_mutex_t wmu;
    pthread_key_t reader_key;
    struct srv_auth *auth;
    cr_ref *ref;
    cr_calendar *cal;
    struct cr_respond_config respond;
    struct route_query *query; /* each route's query arguments, read once at start */
    size_t n_query;
    struct srv_jobs *jobs;
    struct srv_auditq *auditq;
    pthread_mutex_t mmu;
    cr_model *models[MODEL_CAP];
    size_t n_models;
    struct {
        int64_t run;
        const cr_model *m;
    } run_models[RUN_MODEL_CAP];
    size_t n_run_models;
    /* the search index's rebuild (after an ingest), on a thread and connection of its own */
    pthread_t search_thread;
    int search_started;
    atomic_int search_stop;
    cr_store *search_store;
    /* the watchdog of request deadlines (header_timeout_s, request_timeout_s) */
    pthread_mutex_t cmu;
    pthread_cond_t ccond;
    struct conn *conns;
    int watch_started, watch_stop;
    pthread_t watch_thread;
};

const struct srv_config *srv_cfg(const struct srv *s)
{
    return &s->cfg;
}

const char *srv_city(const struct srv *s)
{
    return s->city;
}

const struct cr_ref *srv_ref(const struct srv *s)
{
    return s->ref;
}

struct srv_auditq *srv_auditq_of(struct srv *s)
{
    return s->auditq;
}

struct srv_auth *srv_auth_of(struct srv *s)
{
    return s->auth;
}

const char *srv_default_model(const struct srv *s)
{
    return s->model_path;
}

const char *srv_db_path(const struct srv *s)
{
    return s->db_path;
}

const struct cr_calendar *srv_calendar(const struct srv *s)
{
    return s->cal;
}

const struct cr_respond_config *srv_respond(const struct srv *s)
{
    return &s->respond;
}

struct srv_jobs *srv_jobs_of(struct srv *s)
{
    return s->jobs;
}

/* ---- the writer ---- */

/* The store's crisk writer lock for the writer connection, waiting at most lock_wait_ms for
 * another holder (another server's write holds it for milliseconds; a verb such as an ingest
 * for minutes: then the write is refused). */
static cr_err take_lock(struct srv *s, cr_diag *d)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        cr_err rc = cr_store_lock(s->writer, "serve", d);
        clock_gettime(CLOCK_MONOTONIC, &t);
        long waited = (long)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (!rc || waited >= s->cfg.lock_wait_ms)
            return rc;
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
        memset(d, 0, sizeof *d);
    }
}

/* fn in a transaction of the writer connection; with lock, under the store's crisk lock; with
 * busy_ms >= 0, waiting that long (not the connection's 10 s) for another process's lock. */
static cr_err write_tx(struct srv *s, int lock, int busy_ms, cr_err (*fn)(void *ctx, cr_store *w),
                       void *ctx, char *why, size_t cap)
{
    cr_diag d = {{0}, {0}, 0, 0};
    /* busy_ms 0 waits for nothing, this process's other writes included (a session's touch
     * must not queue behind a login counting its attempt). */
    if (busy_ms == 0 ? pthread_mutex_trylock(&s->wmu) != 0 : pthread_mutex_lock(&s->wmu) != 0) {
        snprintf(why, cap, "another write of this server is under way");
        return CR_ESTORE;
    }
    cr_err rc = lock ? take_lock(s, &d) : CR_OK;
    if (rc) {
        snprintf(why, cap, "%s", d.msg[0] ? d.msg : cr_strerror(rc));
        pthread_mutex_unlock(&s->wmu);
        return rc;
    }
    if (busy_ms >= 0)
        cr_store_busy_ms(s->writer, busy_ms);
    rc = cr_store_begin(s->writer);
    if (!rc)
        rc = fn(ctx, s->writer);
    if (!rc)
        rc = cr_store_commit(s->writer);
    if (rc) {
        snprintf(why, cap, "%s", cr_store_errmsg(s->writer));
        cr_store_rollback(s->writer);
    }
    if (busy_ms >= 0)
        cr_store_busy_ms(s->writer, 10000);
    if (lock)
        cr_store_unlock(s->writer);
    pthread_mutex_unlock(&s->wmu);
    return rc;
}

cr_err srv_write(struct srv *s, int lock, cr_err (*fn)(void *ctx, cr_store *w), void *ctx,
                 char *why, size_t cap)
{
    return write_tx(s, lock, -1, fn, ctx, why, cap);
}

cr_err srv_write_try(struct srv *s, cr_err (*fn)(void *ctx, cr_store *w), void *ctx, char *why,
                     size_t cap)
{
    return write_tx(s, 0, 0, fn, ctx, why, cap);
}

cr_err srv_write_wait(struct srv *s, int busy_ms, cr_err (*fn)(void *ctx, cr_store *w), void *ctx,
                      char *why, size_t cap)
{
    return write_tx(s, 0, busy_ms, fn, ctx, why, cap);
}

cr_err srv_write_own(struct srv *s, int lock, cr_err (*fn)(void *ctx, cr_store *w), void *ctx,
                     char *why, size_t cap)
{
    cr_diag d = {{0}, {0}, 0, 0};
    pthread_mutex_lock(&s->wmu);
    cr_err rc = lock ? take_lock(s, &d) : CR_OK;
    if (rc) {
        snprintf(why, cap, "%s", d.msg[0] ? d.msg : cr_strerror(rc));
        pthread_mutex_unlock(&s->wmu);
        return rc;
    }
    rc = fn(ctx, s->writer);
    if (rc)
        snprintf(why, cap, "%s", cr_store_errmsg(s->writer));
    if (lock)
        cr_store_unlock(s->writer);
    pthread_mutex_unlock(&s->wmu);
    return rc;
}

/* ---- models of runs, loaded once ---- */
const struct cr_model *srv_run_model(struct srv *s, cr_store *db, int64_t run)
{
    pthread_mutex_lock(&s->mmu);
    for (size_t i = 0; i < s->n_run_models; i++)
        if (s->run_models[i].run == run) {
            const cr_model *m = s->run_models[i].m;
            pthread_mutex_unlock(&s->mmu);
            return m;
        }
    pthread_mutex_unlock(&s->mmu);
    char hash[17] = "";
    char *text = NULL;
    size_t len = 0;
    if (run <= 0) {
        cr_model *dm = NULL;
        if (cr_model_load(s->model_path, &dm, NULL))
            return NULL;
        snprintf(hash, sizeof hash, "%s", dm->hash);
        cr_model_free(dm);
    } else if (cr_store_run_model(db, run, hash, &text, &len)) {
        return NULL;
    }
    const cr_model *found = NULL;
    pthread_mutex_lock(&s->mmu);
    for (size_t i = 0; i < s->n_models && !found; i++)
        if (strcmp(s->models[i]->hash, hash) == 0)
            found = s->models[i];
    if (!found && s->n_models < MODEL_CAP) {
        cr_model *m = NULL;
        cr_err rc = text ? cr_model_load_text("the run's model", text, len, &m, NULL)
                         : cr_model_load(s->model_path, &m, NULL);
        if (!rc && strcmp(m->hash, hash) != 0) {
            cr_model_free(m);
            m = NULL;
        }
        if (!rc && m)
            found = s->models[s->n_models++] = m;
    }
    if (found && s->n_run_models < RUN_MODEL_CAP) {
        s->run_models[s->n_run_models].run = run;
        s->run_models[s->n_run_models++].m = found;
    }
    pthread_mutex_unlock(&s->mmu);
    free(text);
    return found;
}

/* ---- per-worker read-only connections ---- */
static void reader_close(void *p)
{
    cr_store_close(p);
}

static cr_store *reader(struct srv *s)
{
    cr_store *db = pthread_getspecific(s->reader_key);
    if (db)
        return db;
    cr_diag d = {{0}, {0}, 0, 0};
    if (cr_store_open_readonly(s->db_path, &db, &d)) {
        fprintf(stderr, "crisk serve: cannot open the store for reading: %s\n", d.msg);
        return NULL;
    }
    if (cr_store_read_tune(db, (int64_t)s->cfg.read_cache_mib << 10,
                           (int64_t)s->cfg.read_mmap_mib << 20))
        fprintf(stderr, "crisk serve: cannot set the read cache: %s\n", cr_store_errmsg(db));
    pthread_setspecific(s->reader_key, db);
    return db;
}

/* ---- replies ---- */
void srv_error(struct srv_reply *out, int status, const char *code, const char *message)
{
    json_decref(out->json);
    out->cache_control = NULL;
    out->etag = NULL;
    if (out->body_free)
        free((void *)out->body);
    out->body = NULL;
    out->body_len = 0;
    out->body_free = 0;
    out->disposition[0] = 0;
    out->set_cookie[0] = 0; /* e.g. a login whose audit row failed: no session handed out */
    out->retry_after_s = 0;
    out->status = status;
    out->json = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
}

const char *srv_header(const struct srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *srv_query(const struct srv_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

long long srv_query_num(const struct srv_req *r, const char *key, long long def, long long min,
                        long long max)
{
    const char *v = srv_query(r, key);
    if (!v)
        return def;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    return *v && !*end && !errno && n >= min && n <= max ? n : -1;
}

long long srv_query_limit(const struct srv_req *r, long long max)
{
    const char *v = srv_query(r, "limit");
    if (!v)
        return max;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < 1)
        return -1;
    return errno == ERANGE || n > max ? max : n;
}

int64_t srv_param_id(const struct srv_req *r, size_t i)
{
    const char *v = i < r->n_param ? r->param[i] : NULL;
    if (!v || !*v || strlen(v) > 18)
        return -1;
    int64_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        n = n * 10 + (*p - '0');
    }
    return n > 0 ? n : -1;
}

int32_t srv_today(void)
{
    return (int32_t)((time(NULL) + 8 * 3600) / 86400);
}

void srv_store_error(struct srv_reply *out, cr_store *db)
{
    fprintf(stderr, "crisk serve: store: %s\n", cr_store_errmsg(db));
    srv_error(out, 500, "store", "the store failed to answer");
}

/* Whether key (not empty) is one of list's comma-separated names ("note,by,day"). */
static int key_listed(const char *list, const char *key)
{
    size_t n = strlen(key);
    const char *p = list;
    while (n && *p && !(strncmp(p, key, n) == 0 && (p[n] == ',' || !p[n]))) {
        p = strchr(p, ',');
        p = p ? p + 1 : "";
    }
    return n && *p;
}

int srv_body_keys(const struct srv_req *r, struct srv_reply *out, const char *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(r->body, key, v)
    {
        if (!key_listed(allowed, key)) {
            char shown[72], msg[256];
            srv_text_copy(shown, sizeof shown, key, 0);
            snprintf(msg, sizeof msg, "unknown key '%s' (this write takes: %s)", shown,
                     *allowed ? allowed : "no body");
            srv_error(out, 400, "bad_request", msg);
            return -1;
        }
    }
    return 0;
}

int srv_division_in_scope(const struct srv_user *u, const char *code)
{
    const char *sc = srv_scope(u);
    return !*sc || (code && strncmp(code, sc, strlen(sc)) == 0);
}

int srv_division_filter(const struct srv *s, const struct srv_user *u, const char *arg,
                        char out[16])
{
    const char *sc = srv_scope(u);
    size_t n = arg ? strlen(arg) : 0;
    /* A real division, not a prefix: 44 or 4401030 would silently list what starts with it. */
    if (arg && (!n || n > 12 || strspn(arg, "0123456789") != n || cr_division_level(arg) < 0 ||
                (s->ref && !cr_division_known(s->ref, arg))))
        return -1;
    if (arg && cr_division_level(arg) == 0) {
        /* The city's own code (440100) is the whole city (no division of it starts with it):
         * the jurisdiction when that lies in the city. Another city's code lists nothing. */
        if (strcmp(arg, s->city) != 0 || (*sc && strncmp(sc, arg, 4) != 0))
            return 1;
        arg = NULL;
    }
    if (!arg || strncmp(arg, sc, strlen(sc)) == 0)
        snprintf(out, 16, "%s", arg ? arg : sc); /* inside the jurisdiction (or none given) */
    else if (strncmp(sc, arg, n) == 0)
        snprintf(out, 16, "%s", sc); /* wider than the jurisdiction: the jurisdiction */
    else
        return 1;
    return 0;
}

int srv_day_arg(const char *s, int32_t def, int32_t *day)
{
    *day = def;
    if (!s)
        return 0;
    /* The API's days are ISO 8601's, no other form: cr_date_parse also reads the departments'
     * (2026-1-5, 2026/01/05, 20260105), which are for their files. */
    if (strlen(s) != 10)
        return -1;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
            return -1;
    return cr_date_parse(s, 10, day) == CR_OK ? 0 : -1;
}

void srv_time_iso(int64_t t, char out[SRV_TIME_ISO_CAP])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, SRV_TIME_ISO_CAP, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *srv_day_json(int32_t day)
{
    if (day == INT32_MIN || day == -1)
        return json_null();
    char b[16];
    cr_day_format(day, b);
    return json_string(b);
}

json_t *srv_str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

const char *srv_scope(const struct srv_user *u)
{
    return srv_role_scope_digits(u->role) ? u->scope : "";
}

int srv_in_scope(const struct srv_user *u, const char *district, const char *street,
                 const char *grid)
{
    switch (srv_role_scope_digits(u->role)) {
    case 0:
        return 1;
    case 6:
        return district && strcmp(district, u->scope) == 0;
    case 9:
        return street && strcmp(street, u->scope) == 0;
    case 12:
        return grid && strcmp(grid, u->scope) == 0;
    default:
        return 0;
    }
}

/* Headers every response carries: no script but the server's own, no framing, no sniffing,
 * no referrer, and nothing of the API kept in a cache (the web UI's assets say otherwise:
 * srv_reply.cache_control, the last entry). */
static const char *const security_headers[][2] = {
    {"Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; "
                                "frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cache-Control", "no-store"},
};

static enum MHD_Result send_reply(struct MHD_Connection *c, struct srv_reply *out,
                                  const char *allow)
{
    struct MHD_Response *resp;
    if (out->json) {
        char *text = json_dumps(out->json, JSON_COMPACT);
        if (!text) {
            static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of "
                                      "memory\"}}";
            out->status = 500;
            resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom,
                                                   MHD_RESPMEM_PERSISTENT);
        } else {
            resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        }
        if (resp)
            MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    } else {
        resp = MHD_create_response_from_buffer(out->body_len, (void *)out->body,
                                               out->body_free ? MHD_RESPMEM_MUST_FREE
                                                              : MHD_RESPMEM_PERSISTENT);
        if (!resp && out->body_free)
            free((void *)out->body);
        out->body_free = 0;
        if (resp && out->content_type)
            MHD_add_response_header(resp, "Content-Type", out->content_type);
        if (resp && out->disposition[0])
            MHD_add_response_header(resp, "Content-Disposition", out->disposition);
    }
    if (!resp)
        return MHD_NO;
    size_t n_headers = sizeof security_headers / sizeof *security_headers;
    for (size_t i = 0; i + 1 < n_headers; i++)
        MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    MHD_add_response_header(resp, "Cache-Control",
                            out->cache_control ? out->cache_control
                                               : security_headers[n_headers - 1][1]);
    if (out->etag)
        MHD_add_response_header(resp, "ETag", out->etag);
    if (out->set_cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", out->set_cookie);
    if (allow)
        MHD_add_response_header(resp, "Allow", allow);
    if (out->retry_after_s > 0) {
        char secs[24];
        snprintf(secs, sizeof secs, "%ld", out->retry_after_s);
        MHD_add_response_header(resp, "Retry-After", secs);
    }
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)out->status, resp);
    MHD_destroy_response(resp);
    json_decref(out->json);
    out->json = NULL;
    return rc;
}

/* ---- requests ---- */
struct rctx {
    char *buf;
    size_t len, cap;
    int too_big, too_slow;
    struct timespec start;
};

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void client_addr(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, cap, "?");
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
                  out, (socklen_t)cap);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6,
                  &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr, out,
                  (socklen_t)cap);
}

/* Whether a request's Content-Type names JSON ("application/json", any parameters after). */
static int body_is_json(const char *type)
{
    static const char json[] = "application/json";
    if (!type || strncasecmp(type, json, sizeof json - 1) != 0)
        return 0;
    type += sizeof json - 1;
    type += strspn(type, " \t");
    return !*type || *type == ';';
}

/* The object of an audited route's row when its handler did not run (401, 403, 405): the USCC
 * of a portrait (normalised when it is one), "action:param" for the others ("task:12"), the
 * path when the route has no parameter. */
static void audit_object_default(const struct srv_route *rt, const struct srv_req *r,
                                 const char *url, char *out, size_t cap)
{
    char key[CR_USCC_LEN + 1];
    if (!r->n_param)
        snprintf(out, cap, "%s", url);
    else if (strcmp(rt->action, "portrait") != 0)
        snprintf(out, cap, "%s:%s", rt->action, r->param[0]);
    else if (cr_uscc_normalize(r->param[0], strlen(r->param[0]), key) == CR_OK)
        snprintf(out, cap, "%s", key);
    else
        snprintf(out, cap, "%s", r->param[0]);
}

/* Audits an answer on an audited route the handler did not give (no user, or another method):
 * a refused read of personal data is on the log too. */
static void audit_refused(struct srv *s, const struct srv_route *rt, const struct srv_req *r,
                          const char *url, const char *user, const char *role, int status)
{
    char object[128];
    audit_object_default(rt, r, url, object, sizeof object);
    cr_err unwritten =
        srv_audit(s, user, role, rt->action, object, status, r->client, (int)s->cfg.audit_wait);
    (void)unwritten; /* a refusal is answered the same with or without its row (srv_audit says
                      * why on stderr) */
}

/* The query arguments of a request as query_check walks them. */
struct query_walk {
    const char *allowed; /* "q,limit" */
    const char *seen[SRV_QUERY_KEYS_MAX];
    size_t n_seen;
    char bad[300]; /* the first fault, or "" */
};

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    struct query_walk *w = cls;
    if (!*key && (!value || !*value))
        return MHD_YES; /* "?" or "&&": nothing given */
    char shown[72];
    srv_text_copy(shown, sizeof shown, key, 0);
    if (!key_listed(w->allowed, key)) {
        snprintf(w->bad, sizeof w->bad, "unknown query argument '%s' (this resource takes: %s)",
                 shown, *w->allowed ? w->allowed : "none");
        return MHD_NO;
    }
    if (!value) {
        snprintf(w->bad, sizeof w->bad, "query argument '%s' has no value (give %s=…)", shown,
                 shown);
        return MHD_NO;
    }
    for (size_t i = 0; i < w->n_seen; i++)
        if (strcmp(w->seen[i], key) == 0) {
            snprintf(w->bad, sizeof w->bad, "query argument '%s' given twice", shown);
            return MHD_NO;
        }
    if (w->n_seen < sizeof w->seen / sizeof w->seen[0])
        w->seen[w->n_seen++] = key;
    return MHD_YES;
}

/* A misspelt argument would be ignored and its filter with it (warnings?divison=… listed the
 * whole jurisdiction): an API request may give only the query arguments openapi.json declares
 * for its route, each once. 0, or -1 with a 400 in out. */
static int query_check(const struct srv *s, const struct srv_route *rt, struct MHD_Connection *c,
                       struct srv_reply *out)
{
    if (strncmp(rt->pattern, "/api/", 5) != 0)
        return 0; /* the page and its assets: a cache-busting argument is harmless */
    const char *allowed = "";
    for (size_t i = 0; i < s->n_query; i++)
        if (s->query[i].rt == rt) {
            allowed = s->query[i].keys;
            break;
        }
    struct query_walk w = {.allowed = allowed};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_arg, &w);
    if (!w.bad[0])
        return 0;
    srv_error(out, 400, "bad_request", w.bad);
    return -1;
}

static void handle(struct srv *s, struct MHD_Connection *c, const char *method, const char *url,
                   struct rctx *x, struct srv_reply *out, char *allow, size_t allow_cap)
{
    struct srv_req r;
    memset(&r, 0, sizeof r);
    r.srv = s;
    r.method = method;
    r.path = url;
    r.conn = c;
    char client[64];
    client_addr(c, client, sizeof client);
    r.client = client;
    const struct srv_route *rt = NULL;
    /* HEAD is GET without the body (MHD sends a HEAD's headers only). */
    int m = srv_route_match(strcmp(method, "HEAD") == 0 ? "GET" : method, url, &rt, &r);
    if (m == 404) {
        srv_error(out, 404, "not_found", "no such resource");
        return;
    }
    if (m == 405) {
        srv_route_allow(url, allow, allow_cap);
        size_t n = strlen(allow);
        if (strstr(allow, "GET"))
            snprintf(allow + n, allow_cap - n, ", HEAD");
        srv_error(out, 405, "method_not_allowed", "this resource does not take that method");
        const struct srv_route *get = NULL;
        if (srv_route_match("GET", url, &get, &r) == 200 && (get->flags & SRV_AUDIT))
            audit_refused(s, get, &r, url, "", "", 405);
        return;
    }
    if (x->len && !body_is_json(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"))) {
        srv_error(out, 415, "unsupported_media_type",
                  "a request body must be JSON (Content-Type: application/json)");
        return;
    }
    if (!(r.db = reader(s))) {
        srv_error(out, 503, "store_unavailable", "the store cannot be read");
        return;
    }
    if (x->len) {
        json_error_t je;
        r.body = json_loadb(x->buf, x->len, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(r.body)) {
            /* jansson's reason (a NUL in a string, a duplicate key, a lone surrogate, where):
             * its text holds no more of the body than a few characters around the fault */
            char msg[JSON_ERROR_TEXT_LENGTH + 80];
            if (r.body)
                snprintf(msg, sizeof msg, "the request body is JSON but not an object");
            else /* jansson names its own flag for a NUL: say what the client sent */
                snprintf(msg, sizeof msg, "the request body is not valid JSON: %s (character %d)",
                         strstr(je.text, "JSON_ALLOW_NUL") ? "a string holds \\u0000 (NUL)"
                                                           : je.text,
                         je.position);
            json_decref(r.body);
            srv_error(out, 400, "bad_json", msg);
            return;
        }
    }
    struct srv_user u;
    r.session_cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "crisk_session");
    if (!(rt->flags & SRV_PUBLIC)) {
        int csrf_ok = 0;
        const char *csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
        if (srv_session_user(s, r.db, r.session_cookie, csrf, &u, &csrf_ok)) {
            srv_error(out, 401, "unauthenticated", "log in first (POST /api/v1/login)");
            if (rt->flags & SRV_AUDIT)
                audit_refused(s, rt, &r, url, "", "", 401);
            goto out;
        }
        r.user = &u;
        if (!(rt->roles & SRV_ROLE(u.role))) {
            srv_error(out, 403, "forbidden", "your role may not do this");
            audit_object_default(rt, &r, url, r.audit_object, sizeof r.audit_object);
        } else if ((rt->flags & SRV_WRITE) && !csrf_ok) {
            srv_error(out, 403, "csrf", "a write needs the X-CSRF-Token header given at login");
        } else if (query_check(s, rt, c, out)) {
            /* audited below with the object the handler would have named */
            audit_object_default(rt, &r, url, r.audit_object, sizeof r.audit_object);
        } else {
            rt->fn(&r, out);
        }
        if ((rt->flags & (SRV_WRITE | SRV_AUDIT)) &&
            srv_audit(s, u.name, srv_role_name(u.role), rt->action,
                      r.audit_object[0] ? r.audit_object : url, out->status, client,
                      (rt->flags & SRV_WRITE) || s->cfg.audit_wait) &&
            out->status < 300)
            /* Personal data is never handed out unaudited (PIPL). */
            srv_error(out, 503, "audit_unavailable", "the audit log cannot be written now");
    } else if (!query_check(s, rt, c, out)) {
        rt->fn(&r, out);
        if (rt->flags & SRV_WRITE) {
            const char *who = r.audit_object[0] ? r.audit_object : "";
            if (srv_audit(s, who, r.audit_role, rt->action, who, out->status, client, 1) &&
                out->status < 300)
                srv_error(out, 503, "audit_unavailable", "the audit log cannot be written now");
        }
    }
out:
    json_decref(r.body);
}

/* ---- the watchdog of request deadlines ---- */
static void deadline_in(struct timespec *t, long s)
{
    clock_gettime(CLOCK_MONOTONIC, t);
    t->tv_sec += s;
}

/* The connection of c now waits for its request's headers or body, due in due_s seconds, or
 * (due_s 0) waits for nothing of the client: a handler runs or an answer is being sent. */
static void conn_wait(struct srv *s, struct MHD_Connection *c, long due_s)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn *k = ci ? ci->socket_context : NULL;
    if (!k)
        return;
    pthread_mutex_lock(&s->cmu);
    k->waiting = due_s > 0;
    if (due_s > 0)
        deadline_in(&k->deadline, due_s);
    pthread_mutex_unlock(&s->cmu);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct srv *s = cls;
    struct conn *k = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (!k)
            return;
        pthread_mutex_lock(&s->cmu);
        if (k->prev)
            k->prev->next = k->next;
        else
            s->conns = k->next;
        if (k->next)
            k->next->prev = k->prev;
        pthread_mutex_unlock(&s->cmu);
        free(k);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci || !(k = calloc(1, sizeof *k)))
        return; /* not watched: MHD's own connection_timeout_s still applies */
    k->fd = ci->connect_fd;
    k->waiting = 1;
    deadline_in(&k->deadline, s->cfg.header_timeout_s);
    pthread_mutex_lock(&s->cmu);
    k->next = s->conns;
    if (s->conns)
        s->conns->prev = k;
    s->conns = k;
    pthread_mutex_unlock(&s->cmu);
    *socket_context = k;
}

/* Shuts down the connections whose request is overdue: MHD then reads the end of the stream
 * and closes the connection itself (its CLOSED notification takes it out of the table). */
static void *watch_main(void *arg)
{
    struct srv *s = arg;
    pthread_mutex_lock(&s->cmu);
    while (!s->watch_stop) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        for (struct conn *k = s->conns; k; k = k->next)
            if (k->waiting && !k->cut &&
                (now.tv_sec > k->deadline.tv_sec ||
                 (now.tv_sec == k->deadline.tv_sec && now.tv_nsec >= k->deadline.tv_nsec))) {
                shutdown(k->fd, SHUT_RDWR);
                k->cut = 1;
            }
        struct timespec wake = now;
        wake.tv_nsec += 250000000L; /* deadlines are whole seconds: a quarter's lateness at most */
        if (wake.tv_nsec >= 1000000000L) {
            wake.tv_sec++;
            wake.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->ccond, &s->cmu, &wake);
    }
    pthread_mutex_unlock(&s->cmu);
    return NULL;
}

struct size_sum {
    size_t n;
};

static enum MHD_Result add_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    ((struct size_sum *)cls)->n += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* Our own limits on the request line and the headers (below MHD's memory limit, above which
 * MHD answers itself in HTML): 414 or 431 with the error JSON and every security header. */
static int too_long(struct srv *s, struct MHD_Connection *c, const char *url, struct srv_reply *out)
{
    struct size_sum q = {strlen(url)}, h = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_size, &q);
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_size, &h);
    if (q.n > (size_t)s->cfg.max_url_bytes)
        srv_error(out, 414, "uri_too_long", "the request's path and query are too long");
    else if (h.n > (size_t)s->cfg.max_header_bytes)
        srv_error(out, 431, "headers_too_large", "the request's headers are too large");
    return out->status != 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct srv *s = cls;
    struct rctx *x = *con_cls;
    if (!x) {
        if (!(x = calloc(1, sizeof *x)))
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &x->start);
        *con_cls = x;
        /* The headers are in: the body (if any) is due within request_timeout_s. */
        conn_wait(s, c, s->cfg.request_timeout_s);
        struct srv_reply out = {0};
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoll(cl, NULL, 10) > s->cfg.max_body_bytes)
            srv_error(&out, 413, "too_large", "the request body is too large");
        if (out.status || too_long(s, c, url, &out)) {
            /* Refused before a byte of the body is read; MHD closes the connection after. */
            conn_wait(s, c, 0);
            return send_reply(c, &out, NULL);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (since(&x->start) > (double)s->cfg.request_timeout_s)
            x->too_slow = 1;
        else if (x->len + *upload_size > (size_t)s->cfg.max_body_bytes)
            x->too_big = 1;
        if (x->too_slow)
            /* A body still trickling in after request_timeout_s: the connection is closed
             * (libmicrohttpd 0.9 cannot answer before the body is read), so it holds no worker. */
            return MHD_NO;
        if (x->too_big) {
            /* Read and dropped (a chunked body has no length to refuse up front); 413 at its
             * end, and request_timeout_s bounds how long that takes. */
            *upload_size = 0;
            return MHD_YES;
        }
        if (x->len + *upload_size > x->cap) {
            size_t cap = (x->len + *upload_size) * 2;
            if (cap > (size_t)s->cfg.max_body_bytes)
                cap = (size_t)s->cfg.max_body_bytes;
            char *p = realloc(x->buf, cap);
            if (!p)
                return MHD_NO;
            x->buf = p;
            x->cap = cap;
        }
        memcpy(x->buf + x->len, upload_data, *upload_size);
        x->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    conn_wait(s, c, 0);
    struct srv_reply out = {0};
    char allow[64] = "";
    if (x->too_big)
        srv_error(&out, 413, "too_large", "the request body is too large");
    else
        handle(s, c, method, url, x, &out, allow, sizeof allow);
    if (!out.status)
        srv_error(&out, 500, "internal", "the handler gave no answer");
    return send_reply(c, &out, allow[0] ? allow : NULL);
}

/* MHD's percent-decoding of paths and query values, but a text holding %00 is left as written:
 * decoded, the NUL would end the C string and /api/v1/tasks/76%00xyz would answer as
 * /api/v1/tasks/76 (no route or value holds a NUL: it then matches nothing). */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strstr(s, "%00") ? strlen(s) : MHD_http_unescape(s);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct srv *s = cls;
    /* A kept-alive connection's next request is due within header_timeout_s. */
    conn_wait(s, c, s->cfg.header_timeout_s);
    struct rctx *x = *con_cls;
    if (x) {
        free(x->buf);
        free(x);
    }
    *con_cls = NULL;
}

/* "HOST:PORT" (IPv4) into a; 0 on success. */
static int parse_listen(const char *listen, struct sockaddr_in *a)
{
    const char *colon = strrchr(listen, ':');
    char host[64];
    if (!colon || (size_t)(colon - listen) >= sizeof host)
        return -1;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = 0;
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        return -1;
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) CR_FORMAT(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    /* MHD's own messages (a refused connection, a closed socket); they carry no request data. */
    fputs("crisk serve: ", stderr);
    vfprintf(stderr, fmt, ap);
}

static int search_stopped(void *ctx)
{
    return atomic_load(&((struct srv *)ctx)->search_stop);
}

/* The search index's rebuild; its connection (and page cache) is closed when it ends. */
static void *search_main(void *arg)
{
    struct srv *s = arg;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rebuilt = 0;
    const char *why = NULL;
    if (cr_store_search_refresh(s->search_store, (int)s->cfg.search_step, search_stopped, s,
                                &rebuilt, &why))
        fprintf(stderr, "crisk serve: the search index is not rebuilt: %s\n",
                cr_store_errmsg(s->search_store));
    else if (rebuilt)
        fprintf(stderr, "crisk serve: search index rebuilt in %.1f s\n", since(&t0));
    else if (why)
        fprintf(stderr, "crisk serve: the search index is not rebuilt: %s\n", why);
    cr_store_close(s->search_store);
    s->search_store = NULL; /* read by srv_run only after the join */
    return NULL;
}

/* Reads every route's query arguments from the built-in openapi.json into s->query. -1 (said on
 * stderr) when it does not parse, a route's list does not fit or memory runs out. */
static int route_queries(struct srv *s)
{
    json_error_t je;
    json_t *openapi = json_loadb((const char *)srv_openapi_json, srv_openapi_json_len, 0, &je);
    if (!openapi) {
        fprintf(stderr, "crisk serve: the built-in openapi.json: %s (line %d)\n", je.text, je.line);
        return -1;
    }
    size_t n = 0;
    for (size_t t = 0; srv_route_tables[t]; t++)
        n += srv_route_tables[t]->n;
    s->query = calloc(n + 1, sizeof *s->query);
    int rc = s->query ? 0 : -1;
    if (rc)
        fprintf(stderr, "crisk serve: out of memory\n");
    for (size_t t = 0; !rc && srv_route_tables[t]; t++)
        for (size_t i = 0; !rc && i < srv_route_tables[t]->n; i++) {
            char keys[1024];
            const struct srv_route *rt = &srv_route_tables[t]->routes[i];
            if (srv_route_query_keys(openapi, rt, keys, sizeof keys)) {
                fprintf(stderr,
                        "crisk serve: openapi.json: the query arguments of %s %s are more than "
                        "%d or longer than %zu bytes in all\n",
                        rt->method, rt->pattern, SRV_QUERY_KEYS_MAX, sizeof keys - 1);
                rc = -1;
                continue;
            }
            char *copy = strdup(keys);
            if (!copy) {
                fprintf(stderr, "crisk serve: out of memory\n");
                rc = -1;
                continue;
            }
            s->query[s->n_query++] = (struct route_query){rt, copy};
        }
    json_decref(openapi);
    return rc;
}

int srv_run(const struct srv_options *o)
{
    struct srv *s = calloc(1, sizeof *s);
    if (!s)
        return 1;
    cr_diag d = {{0}, {0}, 0, 0};
    int exit_code = 1;
    struct MHD_Daemon *daemon = NULL;
    int keys = 0;
    s->db_path = o->db;
    s->model_path = o->model;
    s->respond = *o->respond; /* required (srv_options) */
    s->respond.path[0] = 0;   /* a message to a client never names a file of the server */
    pthread_mutex_init(&s->wmu, NULL);
    pthread_mutex_init(&s->mmu, NULL);
    pthread_mutex_init(&s->cmu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->ccond, &ca);
    pthread_condattr_destroy(&ca);
    struct sockaddr_in addr;
    if (srv_config_load(o->config, &s->cfg, &d)) {
        fprintf(stderr, "crisk serve: %s:%ld: %s\n", d.file, d.line, d.msg);
        exit_code = 3;
        goto out;
    }
    if (route_queries(s))
        goto out;
    if (parse_listen(o->listen, &addr)) {
        fprintf(stderr, "crisk serve: --listen needs IPV4:PORT (e.g. 127.0.0.1:8080), not '%s'\n",
                o->listen);
        exit_code = 2;
        goto out;
    }
    cr_err rc = cr_store_open_existing(o->db, &s->writer, &d);
    if (!rc && (rc = cr_store_serve_ensure(s->writer)))
        snprintf(d.msg, sizeof d.msg, "%s", cr_store_errmsg(s->writer));
    if (rc) {
        fprintf(stderr, "crisk serve: %s\n", d.msg);
        exit_code = rc == CR_ENOTFOUND ? 3 : 1;
        goto out;
    }
    /* Workers inherit this mask: only the main thread takes SIGINT and SIGTERM. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* The search index is brought up to date behind the listening server: until it is,
     * searches read the rows (src/store/search.c). */
    if (cr_store_open_existing(o->db, &s->search_store, &d) ||
        pthread_create(&s->search_thread, NULL, search_main, s))
        fprintf(stderr, "crisk serve: the search index is not rebuilt: %s\n",
                d.msg[0] ? d.msg : "no thread");
    else
        s->search_started = 1;
    if (srv_auth_new(&s->auth) || pthread_key_create(&s->reader_key, reader_close)) {
        fprintf(stderr, "crisk serve: out of memory\n");
        goto out;
    }
    keys = 1;
    if (cr_ref_load(cr_ref_default_dir(), &s->ref, NULL))
        s->ref = NULL;
    /* the city served: a division argument of another city's code lists nothing */
    if (cr_store_city_of(s->writer, s->city))
        fprintf(stderr, "crisk serve: cannot read the store's city: %s\n",
                cr_store_errmsg(s->writer));
    if (cr_calendar_load(NULL, &s->cal, NULL))
        s->cal = NULL; /* publish_by is then left out */
    if (srv_jobs_new(&s->jobs) || srv_auditq_new(s, &s->auditq)) {
        fprintf(stderr, "crisk serve: out of memory\n");
        goto out;
    }
    if (pthread_create(&s->watch_thread, NULL, watch_main, s)) {
        fprintf(stderr, "crisk serve: cannot start the watchdog thread\n");
        goto out;
    }
    s->watch_started = 1;
    /* MHD's memory per connection holds the request line and headers (read and parsed) and the
     * answer's headers: room above our own limits (too_long), so that within them we answer. */
    size_t conn_memory = 2 * (size_t)(s->cfg.max_url_bytes + s->cfg.max_header_bytes) + 65536;
    daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)s->cfg.per_ip_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, conn_memory, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_UNESCAPE_CALLBACK, unescape,
        NULL, MHD_OPTION_END);
    if (!daemon) {
        fprintf(stderr, "crisk serve: cannot listen on %s: %s\n", o->listen, strerror(errno));
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    char host[64];
    inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
    printf("crisk serve: listening on http://%s:%u/ (%ld threads)\n", host,
           di ? (unsigned)di->port : 0u, s->cfg.threads);
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "crisk serve: stopping (signal %d)\n", sig);
    exit_code = 0;
out:
    if (s->search_started) {
        atomic_store(&s->search_stop, 1);
        pthread_join(s->search_thread, NULL);
    }
    cr_store_close(s->search_store);
    if (daemon)
        MHD_stop_daemon(daemon); /* every connection's CLOSED notification: the table empties */
    if (s->watch_started) {
        pthread_mutex_lock(&s->cmu);
        s->watch_stop = 1;
        pthread_cond_signal(&s->ccond);
        pthread_mutex_unlock(&s->cmu);
        pthread_join(s->watch_thread, NULL);
    }
    srv_auditq_free(s->auditq); /* commits the rows still queued */
    srv_jobs_free(s->jobs);
    if (keys)
        pthread_key_delete(s->reader_key);
    srv_auth_free(s->auth);
    cr_ref_free(s->ref);
    cr_calendar_free(s->cal);
    for (size_t i = 0; i < s->n_query; i++)
        free(s->query[i].keys);
    free(s->query);
    cr_store_close(s->writer);
    for (size_t i = 0; i < s->n_models; i++)
        cr_model_free(s->models[i]);
    pthread_mutex_destroy(&s->wmu);
    pthread_mutex_destroy(&s->mmu);
    pthread_mutex_destroy(&s->cmu);
    pthread_cond_destroy(&s->ccond);
    free(s);
    return exit_code;
}
