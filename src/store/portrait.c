/* Stored facts about one enterprise, for its portrait (crisk show). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/text.h"
#include "internal.h"

cr_err cr_store_subject_find(cr_store *s, const char *key, int64_t *subject)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), "SELECT id FROM subject WHERE key = ?1", -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *subject = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? CR_OK : rc == SQLITE_DONE ? CR_ENOTFOUND : cr__store_fail(s);
}

static json_t *col_json(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT:
        return json_string((const char *)sqlite3_column_text(st, i));
    default:
        return json_null();
    }
}

static json_t *day_json(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    char d[11];
    cr_day_format(sqlite3_column_int(st, i), d);
    return json_string(d);
}

/* A person's name as shown: cr_mask_name's rule, the warnings' too. */
static json_t *masked(const char *name)
{
    if (!name || !*name)
        return json_null();
    char out[64];
    cr_mask_name(name, out, sizeof out);
    return json_string(out);
}

static cr_err each_row(sqlite3 *db, const char *sql, int64_t subject, int limit,
                       json_t *(*row)(sqlite3_stmt *st), json_t *array)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, subject);
    sqlite3_bind_int(st, 2, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(array, row(st));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CR_OK : CR_ESTORE;
}

static json_t *history_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "run", col_json(st, 0));
    json_object_set_new(o, "as_of", day_json(st, 1));
    json_object_set_new(o, "model", col_json(st, 2));
    json_object_set_new(o, "score", col_json(st, 3));
    json_object_set_new(o, "level", col_json(st, 4));
    json_object_set_new(o, "veto", col_json(st, 5));
    json_object_set_new(o, "model_hash", col_json(st, 6));
    return o;
}

static json_t *tag_row(sqlite3_stmt *st)
{
    return json_pack("{s:o,s:o}", "id", col_json(st, 0), "name", col_json(st, 1));
}

/* The events of one enterprise, gathered for its portrait. */
struct ev_list {
    struct ev_item {
        int64_t topic, amount_fen, seq;
        int32_t day;
        int has_amount;
        char *attrs;
    } * v;
    size_t n, cap;
    int oom;
};

static int ev_collect(void *ctx, const struct cr_event_row *e)
{
    struct ev_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct ev_item *p = realloc(l->v, cap * sizeof *p);
        if (!p) {
            l->oom = 1;
            return 1;
        }
        l->v = p;
        l->cap = cap;
    }
    char *attrs = NULL;
    if (e->attrs && (attrs = malloc(e->attrs_len + 1))) {
        memcpy(attrs, e->attrs, e->attrs_len);
        attrs[e->attrs_len] = 0;
    }
    l->v[l->n] =
        (struct ev_item){e->topic, e->amount_fen, (int64_t)l->n, e->day, e->has_amount, attrs};
    l->n++;
    return 0;
}

/* Latest first; among events of one day, the last written first. */
static int cmp_recent(const void *a, const void *b)
{
    const struct ev_item *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? 1 : -1;
    return x->seq < y->seq ? 1 : -1;
}

/* The latest `recent` events, with their department, topic and kind. */
static cr_err recent_events(cr_store *s, int64_t subject, int recent, json_t *array)
{
    struct ev_list l = {0};
    cr_err rc = cr_store_events_each(s, &subject, 1, ev_collect, &l);
    if (!rc && l.oom)
        rc = CR_ENOMEM;
    sqlite3_stmt *st = NULL;
    if (!rc && sqlite3_prepare_v2(cr__store_db(s),
                                  "SELECT d.name, t.name, t.kind FROM topic t "
                                  "JOIN department d ON d.code = t.department WHERE t.id = ?1",
                                  -1, &st, NULL))
        rc = cr__store_fail(s);
    if (!rc && l.n) /* qsort of a NULL list is undefined, even of none */
        qsort(l.v, l.n, sizeof *l.v, cmp_recent);
    for (size_t i = 0; !rc && i < l.n && i < (size_t)recent; i++) {
        const struct ev_item *e = &l.v[i];
        sqlite3_bind_int64(st, 1, e->topic);
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = cr__store_fail(s);
            break;
        }
        int found = step == SQLITE_ROW;
        char date[11];
        cr_day_format(e->day, date);
        json_t *o = json_object();
        json_object_set_new(o, "date", json_string(date));
        json_object_set_new(o, "department", found ? col_json(st, 0) : json_null());
        json_object_set_new(o, "topic", found ? col_json(st, 1) : json_null());
        json_object_set_new(o, "kind", found ? col_json(st, 2) : json_null());
        if (e->has_amount)
            json_object_set_new(o, "amount_yuan", json_real((double)e->amount_fen / 100.0));
        json_t *a = e->attrs ? json_loads(e->attrs, 0, NULL) : NULL;
        json_object_set_new(o, "attrs", a ? a : json_object());
        json_array_append_new(array, o);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i].attrs);
    free(l.v);
    return rc;
}

static json_t *person_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", masked((const char *)sqlite3_column_text(st, 0)));
    json_object_set_new(o, "role", col_json(st, 1));
    json_object_set_new(o, "other_firms", col_json(st, 2));
    return o;
}

static json_t *linked_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "key", col_json(st, 0));
    json_object_set_new(o, "name", col_json(st, 1));
    json_object_set_new(o, "via", col_json(st, 2));
    json_object_set_new(o, "level", col_json(st, 3));
    json_object_set_new(o, "district", col_json(st, 4));
    json_object_set_new(o, "street", col_json(st, 5));
    json_object_set_new(o, "grid", col_json(st, 6));
    return o;
}

cr_err cr_store_portrait_tags(cr_store *s, int64_t subject, json_t *tags)
{
    return each_row(cr__store_db(s),
                    "SELECT tag, name FROM enterprise_tag WHERE subject = ?1 AND run = "
                    "(SELECT max(run) FROM enterprise_tag) LIMIT ?2",
                    subject, 64, tag_row, tags);
}

cr_err cr_store_portrait(cr_store *s, int64_t subject, int recent, json_t **out)
{
    sqlite3 *db = cr__store_db(s);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT s.key, e.uscc, e.name, e.type, e.industry, e.capital_fen, "
                           "e.established, e.status, e.address, e.district, e.street, e.grid, "
                           "e.lon, e.lat FROM enterprise e JOIN subject s ON s.id = e.subject "
                           "WHERE e.subject = ?1",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, subject);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return CR_ENOTFOUND;
    }
    json_t *reg = json_object();
    static const char *const names[] = {"key",    "uscc", "name",   "type",    "industry",
                                        NULL,     NULL,   "status", "address", "district",
                                        "street", "grid", "lon",    "lat"};
    for (int i = 0; i < 14; i++)
        if (names[i])
            json_object_set_new(reg, names[i], col_json(st, i));
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        json_object_set_new(reg, "capital_wan",
                            json_real((double)sqlite3_column_int64(st, 5) / 1e6));
    json_object_set_new(reg, "established", day_json(st, 6));
    sqlite3_finalize(st);
    json_t *o = json_object(), *history = json_array(), *events = json_array(),
           *persons = json_array(), *linked = json_array(), *tags = json_array();
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "registry", reg);
    json_object_set_new(o, "history", history);
    json_object_set_new(o, "events", events);
    json_object_set_new(o, "persons", persons);
    json_object_set_new(o, "linked", linked);
    /* run_score is keyed (run, subject): walk the runs, one key lookup each (a search by
     * subject alone would read every score of every run). */
    cr_err rc = each_row(db,
                         "SELECT r.id, r.as_of, r.model_id || ' v' || r.model_version, s.score, "
                         "s.level, s.veto, r.model_hash FROM run r CROSS JOIN run_score s "
                         "ON s.run = r.id AND s.subject = ?1 ORDER BY r.id LIMIT ?2",
                         subject, 1000, history_row, history);
    if (!rc)
        rc = cr_store_portrait_tags(s, subject, tags);
    if (!rc)
        rc = recent_events(s, subject, recent, events);
    if (!rc)
        rc = each_row(db,
                      "SELECT p.name, r.role, (SELECT count(DISTINCT r2.subject) - 1 FROM role r2 "
                      "WHERE r2.person = r.person) FROM role r JOIN person p ON p.id = r.person "
                      "WHERE r.subject = ?1 LIMIT ?2",
                      subject, 100, person_row, persons);
    if (!rc)
        rc = each_row(db,
                      "WITH l(subject, via) AS ("
                      " SELECT DISTINCT r2.subject, 'person' FROM role r1 JOIN role r2 "
                      "  ON r2.person = r1.person WHERE r1.subject = ?1 AND r2.subject <> ?1 "
                      " UNION SELECT e2.subject, 'address' FROM enterprise e1 JOIN enterprise e2 "
                      "  ON e2.addr_key = e1.addr_key WHERE e1.subject = ?1 AND e2.subject <> ?1) "
                      "SELECT s.key, e.name, group_concat(DISTINCT l.via), "
                      " (SELECT x.level FROM run r CROSS JOIN run_score x "
                      "  ON x.run = r.id AND x.subject = l.subject ORDER BY r.id DESC LIMIT 1), "
                      " e.district, e.street, e.grid "
                      "FROM l JOIN subject s ON s.id = l.subject "
                      "LEFT JOIN enterprise e ON e.subject = l.subject "
                      "GROUP BY l.subject ORDER BY l.subject LIMIT ?2",
                      subject, 50, linked_row, linked);
    if (rc) {
        json_decref(o);
        return rc == CR_ESTORE ? cr__store_fail(s) : rc;
    }
    *out = o;
    return CR_OK;
}
