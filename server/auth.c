/* Users, roles, sessions, CSRF tokens and login rate limits of crisk serve (docs/serve.md).
 * Passwords are hashed with argon2id (libsodium crypto_pwhash_str); a session id and a CSRF
 * token are 256 random bits each, handed to the client once and stored only as BLAKE2b hashes,
 * so a copy of the store lets no one into a session. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crisk/text.h"
#include "crisk/respond.h"
#include "server.h"

/* The roles: name, the digits of the scope code they need (0: the whole city). Which routes a
 * role may call is in the route tables; the scope decides which enterprises it sees. */
static const struct {
    const char *name;
    int scope_digits;
} roles[SRV_N_ROLES] = {
    [SRV_CITY_ADMIN] = {"city_admin", 0},
    [SRV_CITY_ANALYST] = {"city_analyst", 0},
    [SRV_DISTRICT] = {"district", 6},
    [SRV_STREET] = {"street", 9},
    [SRV_GRID] = {"grid", 12},
    [SRV_AUDITOR] = {"auditor", 0},
};

int srv_role_find(const char *name)
{
    for (int i = 0; name && i < SRV_N_ROLES; i++)
        if (strcmp(roles[i].name, name) == 0)
            return i;
    return -1;
}

const char *srv_role_name(int role)
{
    return role >= 0 && role < SRV_N_ROLES ? roles[role].name : "?";
}

int srv_role_scope_digits(int role)
{
    return role >= 0 && role < SRV_N_ROLES ? roles[role].scope_digits : 0;
}

static int all_digits(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Characters (code points) of a UTF-8 text: its bytes but continuation bytes. */
static long utf8_chars(const char *s)
{
    long n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

cr_err srv_password_hash(const char *password, long min_chars, char out[160], cr_diag *d)
{
    if (!password || !*password)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "an empty password");
    long chars = utf8_chars(password);
    if (chars < min_chars)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "the password has %ld characters: it needs at least %ld "
                           "(password_min_chars)",
                           chars, min_chars);
    _Static_assert(sizeof((struct cr_user_rec *)0)->pwhash >= crypto_pwhash_STRBYTES,
                   "pwhash holds an argon2id string");
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE))
        return cr_diag_set(d, CR_ENOMEM, NULL, 0, 0, "cannot hash the password (out of memory)");
    return CR_OK;
}

cr_err srv_user_make(const char *name, const char *role, const char *scope, const char *password,
                     long min_chars, const struct cr_ref *ref, const char *city,
                     struct cr_user_rec *u, cr_diag *d)
{
    int r = srv_role_find(role);
    if (r < 0)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "unknown role '%s' (city_admin, city_analyst, district, street, grid, "
                           "auditor)",
                           role ? role : "");
    /* A name is shown in the audit log and on pages: visible characters only, one form of
     * each (NFKC: no full-width twin of another user's name). */
    char buf[CR_TEXT_WHY_CAP];
    const char *why = !name               ? "it is missing"
                      : strchr(name, '/') ? "it holds a '/' (a name is a segment of "
                                            "/api/v1/users/{name})"
                      : !strcmp(name, ".") || !strcmp(name, "..")
                          ? "'.' and '..' are no names (as a segment of /api/v1/users/{name} a "
                            "browser folds them away)"
                          : cr_text_problem(name, strlen(name), sizeof u->name - 1, 1, buf);
    if (why)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "the user name: %s (1 to %zu bytes)", why,
                           sizeof u->name - 1);
    int digits = roles[r].scope_digits;
    const char *sc = scope ? scope : "";
    if (digits && (strlen(sc) != (size_t)digits || !all_digits(sc)))
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "role %s needs a scope: a %d-digit division code", role, digits);
    if (!digits && *sc)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "role %s covers the whole city: it takes no scope", role);
    /* A district is a district's code, not the city's own (440100 is six digits too). */
    if (digits && cr_division_level(sc) != digits / 3 - 1)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "scope %s is not a %s code (%s is the whole city's)", sc, role, sc);
    if (digits && city && *city && strncmp(sc, city, 4) != 0)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "scope %s lies outside the city of the store (%s): a user of it would "
                           "see nothing",
                           sc, city);
    if (digits && ref && !cr_division_known(ref, sc))
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "scope %s is no division of the reference table (data/divisions): a "
                           "user of it would see nothing",
                           sc);
    memset(u, 0, sizeof *u);
    cr_err rc = srv_password_hash(password, min_chars, u->pwhash, d);
    if (rc)
        return rc;
    snprintf(u->name, sizeof u->name, "%s", name);
    snprintf(u->role, sizeof u->role, "%s", role);
    snprintf(u->scope, sizeof u->scope, "%s", sc);
    return CR_OK;
}

/* ---- login rate limits: failures per name and per client address in a window, kept in the
 * store so that a restart or a second server on the store neither forgets nor multiplies them ----
 */
/* Uses of sessions the store could not take yet (use_note): at most this many sessions. */
#define UNWRITTEN_USES 1024

struct srv_auth {
    char dummy[crypto_pwhash_STRBYTES]; /* verified against for unknown names: same cost */
    pthread_mutex_t mu;                 /* for use[] */
    struct {
        unsigned char h[32]; /* the session id's hash */
        int64_t at;          /* its last use, in seconds; 0: a free entry */
    } use[UNWRITTEN_USES];
    size_t n_used; /* entries with at != 0: none most of the time, and no scan then */
};

cr_err srv_auth_new(struct srv_auth **out)
{
    struct srv_auth *a = calloc(1, sizeof *a);
    if (!a)
        return CR_ENOMEM;
    unsigned char pw[16];
    randombytes_buf(pw, sizeof pw);
    if (crypto_pwhash_str(a->dummy, (const char *)pw, sizeof pw, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE)) {
        free(a);
        return CR_ENOMEM;
    }
    pthread_mutex_init(&a->mu, NULL);
    *out = a;
    return CR_OK;
}

void srv_auth_free(struct srv_auth *a)
{
    if (a)
        pthread_mutex_destroy(&a->mu);
    free(a);
}

/* The entry of session h in a->use, or UNWRITTEN_USES; under a->mu. */
static size_t use_find(const struct srv_auth *a, const unsigned char h[32])
{
    for (size_t i = 0; a->n_used && i < UNWRITTEN_USES; i++)
        if (a->use[i].at && memcmp(a->use[i].h, h, 32) == 0)
            return i;
    return UNWRITTEN_USES;
}

/* The last use of session h that the store could not take yet, or 0. */
static int64_t use_unwritten(struct srv_auth *a, const unsigned char h[32])
{
    pthread_mutex_lock(&a->mu);
    size_t i = use_find(a, h);
    int64_t at = i < UNWRITTEN_USES ? a->use[i].at : 0;
    pthread_mutex_unlock(&a->mu);
    return at;
}

/* Notes a use at `at` that the store could not take (in place of the oldest entry when all
 * are taken: that session's use is then lost, as every use was before), or with at 0 forgets
 * it once written. */
static void use_note(struct srv_auth *a, const unsigned char h[32], int64_t at)
{
    pthread_mutex_lock(&a->mu);
    size_t i = use_find(a, h);
    if (at && i == UNWRITTEN_USES) {
        i = 0;
        for (size_t k = 1; k < UNWRITTEN_USES && a->use[i].at; k++)
            if (a->use[k].at < a->use[i].at)
                i = k;
        memcpy(a->use[i].h, h, 32);
    }
    if (i < UNWRITTEN_USES) {
        if (!a->use[i].at && at)
            a->n_used++;
        else if (a->use[i].at && !at)
            a->n_used--;
        a->use[i].at = at;
    }
    pthread_mutex_unlock(&a->mu);
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* ---- sessions ---- */
static void hash32(unsigned char out[32], const unsigned char *in, size_t len)
{
    crypto_generichash(out, 32, in, len, NULL, 0);
}

/* Decodes a base64url token of 32 bytes; 0 on success. */
static int token_decode(const char *s, unsigned char out[32])
{
    size_t len = 0;
    if (!s || strlen(s) != 43)
        return -1;
    if (sodium_base642bin(out, 32, s, 43, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
        len != 32)
        return -1;
    return 0;
}

struct sess_del {
    unsigned char h[32];
};
static cr_err sess_delete(void *ctx, cr_store *w)
{
    return cr_store_session_delete(w, ((struct sess_del *)ctx)->h);
}
struct sess_touch {
    unsigned char h[32];
    int64_t now;
};
static cr_err sess_touch(void *ctx, cr_store *w)
{
    struct sess_touch *t = ctx;
    return cr_store_session_touch(w, t->h, t->now);
}

int srv_session_user(struct srv *s, cr_store *db, const char *cookie, const char *csrf,
                     struct srv_user *u, int *csrf_ok)
{
    unsigned char id[32], h[32];
    *csrf_ok = 0;
    if (token_decode(cookie, id))
        return 401;
    hash32(h, id, sizeof id);
    struct cr_session_rec rec;
    if (cr_store_session_get(db, h, &rec))
        return 401;
    const struct srv_config *c = srv_cfg(s);
    int64_t now = now_s();
    /* A use the store could not take yet counts as well (below). */
    struct srv_auth *a = srv_auth_of(s);
    int64_t stored = rec.last_seen, unwritten = use_unwritten(a, h);
    if (unwritten > rec.last_seen)
        rec.last_seen = unwritten;
    char why[200];
    /* A session ends at the earlier of the limits it was made with and this server's: every
     * server ends it by its own limits, and lowering a server's limits ends the sessions
     * beyond them. Only a session ended by its own limits is deleted (a server of longer
     * settings may still take one this server refuses). One made before sessions kept their
     * limits is judged by this server's. */
    int64_t idle =
        rec.idle_s > 0 && rec.idle_s < c->session_idle_s ? rec.idle_s : c->session_idle_s;
    int64_t max = rec.max_s > 0 && rec.max_s < c->session_max_s ? rec.max_s : c->session_max_s;
    if (now - rec.last_seen >= idle || now - rec.created >= max) {
        if (rec.idle_s > 0 && rec.max_s > 0 &&
            (now - rec.last_seen >= rec.idle_s || now - rec.created >= rec.max_s)) {
            struct sess_del del;
            memcpy(del.h, h, 32);
            cr_err busy = srv_write_try(s, sess_delete, &del, why, sizeof why);
            (void)busy; /* busy: deleted by a later request or login */
        }
        return 401;
    }
    struct cr_user_rec ur;
    if (cr_store_user_by_id(db, rec.user, &ur) || ur.disabled || srv_role_find(ur.role) < 0)
        return 401;
    /* last_seen is kept to the second: at most one write a second per session. A read never
     * waits for it: while this server writes or another process holds the store's write lock
     * (an ingest, a classify saving), the use is kept in memory and written by a later request,
     * so that a session in use never ends for idleness however long that lock is held. */
    if (now > stored) {
        struct sess_touch t = {.now = now};
        memcpy(t.h, h, 32);
        cr_err busy = srv_write_try(s, sess_touch, &t, why, sizeof why);
        use_note(a, h, busy ? now : 0);
    }
    u->id = ur.id;
    snprintf(u->name, sizeof u->name, "%s", ur.name);
    u->role = srv_role_find(ur.role);
    snprintf(u->scope, sizeof u->scope, "%s", ur.scope);
    unsigned char tok[32], th[32];
    if (csrf && !token_decode(csrf, tok)) {
        hash32(th, tok, sizeof tok);
        *csrf_ok = sodium_memcmp(th, rec.csrf_hash, 32) == 0;
    }
    return 0;
}

cr_err srv_audit(struct srv *s, const char *user, const char *role, const char *action,
                 const char *object, int status, const char *client, int wait)
{
    struct cr_audit_rec a = {.at = now_s(),
                             .user = user,
                             .role = role,
                             .action = action,
                             .object = object ? object : "",
                             .status = status,
                             .client = client ? client : ""};
    cr_err rc = srv_audit_row(srv_auditq_of(s), &a, wait);
    if (rc && !wait)
        fprintf(stderr, "crisk serve: the audit log's queue is full\n");
    return rc;
}

/* The keys of a login's rate limits: the name tried and the client's address. */
struct login_keys {
    char name[160], addr[160];
    const char *v[2];
};
static void login_keys(struct login_keys *k, const char *name, const char *client)
{
    snprintf(k->name, sizeof k->name, "n:%s", name);
    snprintf(k->addr, sizeof k->addr, "a:%s", client);
    k->v[0] = k->name;
    k->v[1] = k->addr;
}

struct login_try {
    const struct login_keys *k;
    int64_t limits[2], now, window, retry_s;
    int limited;
};
static cr_err login_reserve(void *ctx, cr_store *w)
{
    struct login_try *t = ctx;
    return cr_store_login_reserve(w, t->k->v, t->limits, t->now, t->window, &t->limited,
                                  &t->retry_s);
}

struct login_w {
    const struct login_keys *k;
    const char *pwhash;
    unsigned char id_hash[32], csrf_hash[32];
    int64_t user, now, idle_s, max_s;
    int made;
};
static cr_err login_write(void *ctx, cr_store *w)
{
    struct login_w *l = ctx;
    /* Sessions ended by their own limits go; the attempt counted before the password check is
     * taken back; the session is stored only if the user is still enabled with the password
     * checked (a disable or passwd during the check wins). */
    cr_err rc = cr_store_sessions_expire(w, l->now, SRV_SESSION_IDLE_MAX_S, SRV_SESSION_MAX_MAX_S);
    if (!rc)
        rc = cr_store_session_put(w, l->id_hash, l->user, l->pwhash, l->csrf_hash, l->now,
                                  l->idle_s, l->max_s, &l->made);
    if (!rc && l->made)
        rc = cr_store_login_release(w, l->k->v, l->now);
    return rc;
}

struct login_rel {
    const struct login_keys *k;
    int64_t now;
};
static cr_err login_release(void *ctx, cr_store *w)
{
    struct login_rel *x = ctx;
    return cr_store_login_release(w, x->k->v, x->now);
}

int srv_password_check(struct srv_req *r, const char *name, const char *password, int release,
                       struct cr_user_rec *u, const char *msg, struct srv_reply *out)
{
    struct srv *s = r->srv;
    struct srv_auth *a = srv_auth_of(s);
    memset(u, 0, sizeof *u);
    const struct srv_config *c = srv_cfg(s);
    struct login_keys k;
    login_keys(&k, name, r->client);
    /* The attempt is counted before the (slow) password check, in the store: attempts in
     * parallel, or on two servers, cannot pass the limit together. It waits at most
     * login_busy_ms for another process's write lock. */
    struct login_try t = {.k = &k,
                          .limits = {c->login_failures_name, c->login_failures_addr},
                          .now = now_s(),
                          .window = c->login_window_s};
    char why[200];
    if (srv_write_wait(s, (int)c->login_busy_ms, login_reserve, &t, why, sizeof why)) {
        fprintf(stderr, "crisk serve: cannot count a login attempt: %s\n", why);
        srv_error(out, 503, "store_busy", "the store is busy; try again");
        return -1;
    }
    if (t.limited) {
        srv_error(out, 429, "too_many_attempts", "登录失败次数过多，请稍后再试");
        out->retry_after_s = t.retry_s > 0 ? (long)t.retry_s : 1; /* until the window ends */
        return -1;
    }
    int found = cr_store_user_by_name(r->db, name, u) == CR_OK && !u->disabled &&
                srv_role_find(u->role) >= 0;
    int ok =
        crypto_pwhash_str_verify(found ? u->pwhash : a->dummy, password, strlen(password)) == 0 &&
        found;
    if (!ok) {
        srv_error(out, 401, "bad_login", msg);
        return -1;
    }
    struct login_rel rel = {&k, now_s()};
    if (release && srv_write(s, 0, login_release, &rel, why, sizeof why))
        fprintf(stderr, "crisk serve: a right password's attempt stays counted: %s\n", why);
    return 0;
}

void srv_login(struct srv_req *r, struct srv_reply *out)
{
    struct srv *s = r->srv;
    const struct srv_config *c = srv_cfg(s);
    const char *name = json_string_value(json_object_get(r->body, "name"));
    const char *password = json_string_value(json_object_get(r->body, "password"));
    if (srv_body_keys(r, out, "name,password"))
        return;
    if (!name || !password || !*name || strlen(name) >= sizeof((struct cr_user_rec *)0)->name) {
        srv_error(out, 400, "bad_request", "login needs {\"name\": …, \"password\": …}");
        return;
    }
    snprintf(r->audit_object, sizeof r->audit_object, "%s", name);
    struct cr_user_rec u;
    if (srv_password_check(r, name, password, 0, &u, "用户名或密码错误", out)) {
        if (out->status == 401 && u.name[0] && srv_role_find(u.role) >= 0)
            snprintf(r->audit_role, sizeof r->audit_role, "%s", u.role);
        return;
    }
    snprintf(r->audit_role, sizeof r->audit_role, "%s", u.role); /* the attempt's audit row */
    struct login_keys k;
    login_keys(&k, name, r->client);
    unsigned char id[32], csrf[32];
    int64_t now = now_s(); /* the session starts now, not before the (slow) password check */
    randombytes_buf(id, sizeof id);
    randombytes_buf(csrf, sizeof csrf);
    struct login_w l = {.k = &k,
                        .pwhash = u.pwhash,
                        .user = u.id,
                        .now = now,
                        .idle_s = c->session_idle_s,
                        .max_s = c->session_max_s};
    hash32(l.id_hash, id, sizeof id);
    hash32(l.csrf_hash, csrf, sizeof csrf);
    char why[200];
    if (srv_write(s, 0, login_write, &l, why, sizeof why)) {
        fprintf(stderr, "crisk serve: cannot store a session: %s\n", why);
        srv_error(out, 503, "store_busy", "cannot start a session now; try again");
        return;
    }
    if (!l.made) { /* disabled, or a new password, while the password was checked */
        srv_error(out, 401, "bad_login", "用户名或密码错误");
        return;
    }
    char id64[64], csrf64[64];
    sodium_bin2base64(id64, sizeof id64, id, sizeof id, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_bin2base64(csrf64, sizeof csrf64, csrf, sizeof csrf,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(id, sizeof id);
    snprintf(out->set_cookie, sizeof out->set_cookie,
             "crisk_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", id64,
             c->session_max_s, c->cookie_secure ? "; Secure" : "");
    sodium_memzero(id64, sizeof id64);
    out->status = 200;
    out->json = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i}", "name", u.name, "role", u.role, "scope",
                          u.scope, "csrf_token", csrf64, "idle_seconds", (int)c->session_idle_s,
                          "max_seconds", (int)c->session_max_s);
}

void srv_logout(struct srv_req *r, struct srv_reply *out)
{
    if (srv_body_keys(r, out, ""))
        return;
    /* The session's cookie was checked by the dispatcher; it is read again here to end it. */
    const char *cookie = r->session_cookie;
    struct sess_del del;
    unsigned char id[32];
    char why[200];
    if (!token_decode(cookie, id)) {
        hash32(del.h, id, sizeof id);
        if (srv_write(r->srv, 0, sess_delete, &del, why, sizeof why)) {
            srv_error(out, 503, "store_busy", "cannot end the session now; try again");
            return;
        }
    }
    snprintf(out->set_cookie, sizeof out->set_cookie,
             "crisk_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    out->status = 200;
    out->json = json_pack("{s:b}", "ok", 1);
}
