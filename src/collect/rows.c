#include "crisk/ingest.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/addr.h"
#include "crisk/feed.h"
#include "crisk/hash.h"
#include "crisk/text.h"
#include "crisk/uscc.h"
#include "ingest_internal.h"
#include "sink.h"
#include "base/buf.h"
#include "base/tables.h"

/* The value b as a quarantine sentence shows it: cut to 60 bytes on a character boundary, with
 * "..." when cut. Written to v->val[i] (bounded by it) and returned, for a reject() argument. */
static const char *shown_at(struct verdict *v, int i, const char *b, size_t blen)
{
    size_t n = b ? blen : 0;
    if (n > 60) {
        n = 60;
        while (n > 0 && ((unsigned char)b[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(v->val[i], sizeof v->val[i], "%.*s%s", (int)n, b ? b : "", b && n < blen ? "..." : "");
    return v->val[i];
}

static const char *shown(struct verdict *v, const char *b, size_t blen)
{
    return shown_at(v, 0, b, blen);
}

/* Fills v with reason and the sentence fmt formats (a literal, checked by the compiler against
 * its arguments); returns QUARANTINED. */
CR_FORMAT(3, 4)
static enum outcome reject(struct verdict *v, const char *reason, const char *fmt, ...)
{
    v->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof v->detail, fmt, ap);
    va_end(ap);
    return QUARANTINED;
}

int cr__ingest_reason_add(struct cr_ingest_reason **v, size_t *n, const char *reason, int64_t by)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].reason, reason) == 0) {
            (*v)[i].count += by;
            return 0;
        }
    void *p = realloc(*v, (*n + 1) * sizeof **v);
    if (!p)
        return -1;
    *v = p;
    char *copy = strdup(reason);
    if (!copy)
        return -1;
    (*v)[(*n)++] = (struct cr_ingest_reason){copy, by};
    return 0;
}

int cr__ingest_count_reason(struct cr_ingest_report *r, const char *reason)
{
    return cr__ingest_reason_add(&r->reasons, &r->n_reasons, reason, 1);
}

/* A bad value of an optional field, whose reason is in v: with on_error: null for the field it
 * is left out and the row goes on (returns 1; counted in the report's nulled unless the row is
 * quarantined for something else), else 0 and the row is quarantined with v. */
static int drop_bad(ingest *ig, const struct cr_topic *t, int field, const struct verdict *v)
{
    if (!t->opt[field].on_error_null || ig->n_row_nulled >= CR__NFIELD)
        return 0;
    ig->row_nulled[ig->n_row_nulled++] = v->reason;
    return 1;
}

int cr__ingest_count_nulled(struct cr_ingest_report *r, const char *reason, int64_t by)
{
    return cr__ingest_reason_add(&r->nulled, &r->n_nulled, reason, by);
}

/* NFKC of a value into ig->norm (when needed); returns the normalised text and length. */
static const char *normalize(ingest *ig, const char *v, size_t len, size_t *out_len)
{
    if (cr_nfkc_stable(v, len)) {
        *out_len = len;
        return v;
    }
    char *n = NULL;
    size_t nl = 0;
    if (cr_nfkc(v, len, &n, &nl)) {
        *out_len = len; /* invalid UTF-8 cannot reach here: records are validated first */
        return v;
    }
    ig->norm.len = 0;
    cr__buf_add(&ig->norm, n, nl);
    free(n);
    *out_len = nl;
    return ig->norm.p ? ig->norm.p : "";
}

static int check_required(const struct cr_topic *t, cr_feed *f, struct verdict *v)
{
    for (int fl = 0; fl < CR__NFIELD; fl++) {
        if (!t->required[fl] || !cr_topic_has(t, (cr_field)fl))
            continue;
        const char *val;
        size_t len;
        cr_feed_value(f, fl, &val, &len);
        if (len == 0) {
            char what[160];
            snprintf(what, sizeof what, "%s (column %s)", cr_field_name((cr_field)fl),
                     cr_feed_slot_label(f, fl));
            size_t tl = 0;
            const char *tok = cr_feed_null_token(f, fl, &tl);
            if (tok)
                reject(v, "missing_field", "mandatory field %s holds the null token '%s'", what,
                       shown(v, tok, tl));
            else
                reject(v, "missing_field", "mandatory field %s is empty", what);
            return 0;
        }
    }
    return 1;
}

/* Resolves the row's enterprise key into key (KEY_CAP bytes) and klen. */
static enum outcome resolve_key(const struct cr_topic *t, cr_feed *f, char key[KEY_CAP],
                                size_t *klen, struct verdict *v)
{
    const char *val;
    size_t len;
    cr_feed_value(f, CR_F_KEY, &val, &len);
    const char *col = cr_feed_slot_label(f, CR_F_KEY);
    if (t->key_type == CR_KEY_USCC) {
        char u[CR_USCC_LEN + 1];
        cr_err rc = cr_uscc_normalize(val, len, u);
        if (rc == CR_ECHECK)
            return reject(v, "bad_uscc_check", "column %s: '%s' has a wrong check character", col,
                          shown(v, val, len));
        if (rc) {
            reject(v, "bad_uscc", "column %s: '%s' is not an 18-character USCC", col,
                   shown(v, val, len));
            size_t dl = strlen(v->detail); /* and why, when it fits */
            if (dl + 3 < sizeof v->detail) {
                memcpy(v->detail + dl, ": ", 2);
                cr_uscc_explain(val, len, v->detail + dl + 2, sizeof v->detail - dl - 2);
            }
            return QUARANTINED;
        }
        memcpy(key, u, CR_USCC_LEN + 1);
        *klen = CR_USCC_LEN;
        return LOADED;
    }
    /* cr_halfwidth never lengthens: a value that fits tmp is converted whole. */
    char tmp[KEY_CAP];
    size_t ns = strlen(t->key_namespace);
    size_t n = len < sizeof tmp ? cr_halfwidth(val, len, tmp) : 0;
    n = cr_zero_fraction_len(tmp, n); /* a numeric key written 1001.0 is 1001 */
    if (len >= sizeof tmp || ns + 1 + n >= KEY_CAP)
        return reject(v, "bad_key", "column %s: '%s' is too long for a key", col,
                      shown(v, val, len));
    memcpy(key, t->key_namespace, ns);
    key[ns] = ':';
    memcpy(key + ns + 1, tmp, n);
    key[ns + 1 + n] = 0;
    *klen = ns + 1 + n;
    return LOADED;
}

/* The subject of a key, created when new. One thread only (registry, roles, retry). */
static cr_err subject_of(ingest *ig, const char *key, size_t klen, struct subj **out)
{
    /* Feeds list an enterprise's rows together: remember the last one. */
    if (ig->last_subj && ig->last_len == klen && memcmp(ig->last_key, key, klen) == 0) {
        *out = ig->last_subj;
        return CR_OK;
    }
    uint64_t h = cr__key_hash(key, klen);
    struct subj *e = cr__smap_find(&ig->subj, key, klen, h);
    if (!e) {
        int64_t id = ++ig->next_subject;
        cr__sink_subject(ig->k, id, key, klen);
        e = cr__smap_put(&ig->subj, key, klen, h, id, 0);
        if (!e)
            return CR_ENOMEM;
    }
    /* smap_put may have moved every entry: only the entry just returned is valid now. */
    ig->last_subj = klen <= sizeof ig->last_key ? e : NULL;
    if (ig->last_subj) {
        memcpy(ig->last_key, key, klen);
        ig->last_len = klen;
    }
    *out = e;
    return CR_OK;
}

/* The subject id of an event's key. In the parallel events pass the registry's map is only
 * read, and keys new to it are looked up and created in par->late under par->mu. */
static cr_err subject_id(ingest *ig, const char *key, size_t klen, int64_t *id, int *registered)
{
    if (!ig->par) {
        struct subj *e;
        cr_err rc = subject_of(ig, key, klen, &e);
        if (!rc) {
            *id = e->id;
            *registered = e->registered;
        }
        return rc;
    }
    if (ig->last_id && ig->last_len == klen && memcmp(ig->last_key, key, klen) == 0) {
        *id = ig->last_id;
        *registered = ig->last_registered;
        return CR_OK;
    }
    uint64_t h = cr__key_hash(key, klen);
    const struct subj *e = cr__smap_find(&ig->subj, key, klen, h);
    if (e) {
        *id = e->id;
        *registered = e->registered;
    } else {
        struct par *p = ig->par;
        pthread_mutex_lock(&p->mu);
        struct subj *n = cr__smap_find(&p->late, key, klen, h);
        if (!n) {
            int64_t nid = ++p->next_subject;
            cr__sink_subject(ig->k, nid, key, klen);
            n = cr__smap_put(&p->late, key, klen, h, nid, 0);
        }
        if (n) {
            *id = n->id;
            *registered = n->registered;
        }
        pthread_mutex_unlock(&p->mu);
        if (!n)
            return CR_ENOMEM;
    }
    ig->last_id = klen <= sizeof ig->last_key ? *id : 0;
    if (ig->last_id) {
        memcpy(ig->last_key, key, klen);
        ig->last_len = klen;
        ig->last_registered = *registered;
    }
    return CR_OK;
}

/* A date field: its day and, for a period (2017, 2017-06), the period as text in period (else
 * ""), to be kept beside the day (docs/catalog.md "Dates"). */
static enum outcome parse_day(const struct cr_topic *t, cr_feed *f, int slot, int32_t *day,
                              int *has, char period[8], struct verdict *v)
{
    const char *val;
    size_t len;
    cr_feed_value(f, slot, &val, &len);
    *has = 0;
    period[0] = 0;
    if (len == 0)
        return LOADED;
    struct cr_date dt;
    cr_err rc =
        cr_date_read(val, len, t->opt[slot].format, t->opt[slot].period_start, t->zone_min, &dt);
    if (rc && cr_date_relative(val, len))
        return reject(v, "relative_date", "column %s: '%s' is a relative date, with no day",
                      cr_feed_slot_label(f, slot), shown(v, val, len));
    if (rc == CR_ERANGE)
        return reject(v, "bad_date", "column %s: '%s' is not a possible date",
                      cr_feed_slot_label(f, slot), shown(v, val, len));
    if (rc)
        return reject(v, "bad_date",
                      t->opt[slot].format ? "column %s: '%s' is not a date in the column's format"
                                          : "column %s: '%s' is not a date",
                      cr_feed_slot_label(f, slot), shown(v, val, len));
    if (dt.prec != CR_DATE_DAY)
        cr_date_period_format(&dt, period);
    *day = dt.day;
    *has = 1;
    return LOADED;
}

static enum outcome parse_money(const struct cr_topic *t, cr_feed *f, int slot, int64_t *fen,
                                int *has, struct verdict *v)
{
    const char *val;
    size_t len;
    cr_feed_value(f, slot, &val, &len);
    *has = 0;
    if (len == 0)
        return LOADED;
    char tmp[100];
    const char *p = val;
    size_t n = len;
    /* A bare number in a 万元 column gets its unit; written units always win. */
    if (t->amount_wan && len + sizeof "万" <= sizeof tmp && !memchr(val, 0xE4, len) &&
        !memchr(val, 0xE5, len)) {
        memcpy(tmp, val, len);
        memcpy(tmp + len, "万", strlen("万"));
        p = tmp;
        n = len + strlen("万");
    }
    cr_err rc = cr_amount_parse(p, n, fen);
    if (rc)
        return reject(v, "bad_amount", "column %s: '%s' is not an amount of money",
                      cr_feed_slot_label(f, slot), shown(v, val, len));
    *has = 1;
    return LOADED;
}

/* The row's kept columns as a JSON object in ig->attrs (empty when none has a value), and a
 * date's period under name when period is not "". */
static void build_attrs(ingest *ig, const struct cr_topic *t, cr_feed *f, const char *name,
                        const char *period)
{
    ig->attrs.len = 0;
    for (size_t i = 0; i < t->n_attrs; i++) {
        const char *val;
        size_t len;
        cr_feed_value(f, CR_FEED_ATTR(i), &val, &len);
        if (!len)
            continue;
        cr__buf_add(&ig->attrs, ig->attrs.len ? "," : "{", 1);
        const char *label = cr_feed_slot_label(f, CR_FEED_ATTR(i));
        cr__buf_json(&ig->attrs, label, strlen(label));
        cr__buf_add(&ig->attrs, ":", 1);
        size_t nl;
        const char *n = normalize(ig, val, len, &nl);
        cr__buf_json(&ig->attrs, n, nl);
    }
    if (period[0]) { /* an annual report for 2017 is not an event of 2017-12-31 */
        cr__buf_add(&ig->attrs, ig->attrs.len ? "," : "{", 1);
        cr__buf_json(&ig->attrs, name, strlen(name));
        cr__buf_add(&ig->attrs, ":", 1);
        cr__buf_json(&ig->attrs, period, strlen(period));
    }
    if (ig->attrs.len)
        cr__buf_add(&ig->attrs, "}", 1);
}

static enum outcome event_row(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                              const char *key, size_t klen, struct verdict *v, cr_err *err)
{
    int32_t day = 0;
    int64_t fen = 0;
    int has_day, has_amount;
    char period[8];
    /* The subject is looked up at the end of the row; its slot is fetched meanwhile. */
    if (ig->par && !(ig->last_id && ig->last_len == klen && memcmp(ig->last_key, key, klen) == 0))
        cr__smap_prefetch(&ig->subj, cr__key_hash(key, klen));
    if (parse_day(t, f, CR_F_DATE, &day, &has_day, period, v) == QUARANTINED ||
        (parse_money(t, f, CR_F_AMOUNT, &fen, &has_amount, v) == QUARANTINED &&
         !drop_bad(ig, t, CR_F_AMOUNT, v)))
        return QUARANTINED;
    if (!has_day) /* only a topic with as_of lets a row without a date through */
        day = t->as_of_day;
    build_attrs(ig, t, f, CR_PERIOD_ATTR, period);
    cr__ingest_canon_start(ig, cr_feed_line_breaks(f));
    cr__ingest_canon_i64(ig, topic_id, 1);
    cr__ingest_canon_text(ig, key, klen);
    cr__ingest_canon_i64(ig, day, 1);
    cr__ingest_canon_i64(ig, fen, has_amount);
    cr__ingest_canon_json(ig, ig->attrs.p, ig->attrs.len);
    struct probes *q = &ig->probes;
    int oom = 0;
    int64_t h;
    struct hkey hk = {0, 0};
    enum outcome o = LOADED;
    if (q->on) {
        /* Probed PROBE_LAG rows later (probes_settle); a duplicate's key is known, so looking
         * it up below creates nothing. */
        hk = cr__ingest_content_hash(ig);
        h = (int64_t)hk.lo;
        oom = !cr__ingest_topic_set(ig, topic_id) || ig->canon.oom || ig->crlf.oom;
        if (!oom)
            cr__hset_prefetch(cr__ingest_topic_set(ig, topic_id), hk.lo);
        if (!oom && cr__ingest_crlf_seen(ig, topic_id))
            o = DUPLICATE; /* not queued: the probe would add it */
    } else {
        o = cr__ingest_dedupe(ig, topic_id, &h, &oom);
    }
    if (oom || ig->attrs.oom) {
        *err = CR_ENOMEM;
        return o;
    }
    int64_t subject;
    int registered;
    if (o == DUPLICATE || (*err = subject_id(ig, key, klen, &subject, &registered)))
        return o;
    size_t mark = cr__sink_event(ig->out, subject, topic_id, day, has_amount ? &fen : NULL,
                                 ig->attrs.len ? ig->attrs.p : NULL, ig->attrs.len, h);
    if (!registered)
        ig->rep->unlinked++;
    if (q->on)
        q->v[(q->head + q->n++) % PROBE_LAG] =
            (struct probe){cr__ingest_topic_set(ig, topic_id), hk, mark, !registered};
    return LOADED;
}

/* A field copied as text of its own (a registry row's name, type, status, address and division
 * codes; a role's person name and role) cannot hold a NUL byte, where it would end: such a row
 * is quarantined, never cut there (attributes and keys keep one; the industry, amount, date and
 * coordinate parsers refuse one as they refuse any other bad value). */
static enum outcome no_nul(cr_feed *f, const int *slots, int n, struct verdict *v)
{
    for (int i = 0; i < n; i++) {
        const char *val;
        size_t len;
        cr_feed_value(f, slots[i], &val, &len);
        const char *z = len ? memchr(val, 0, len) : NULL;
        if (z)
            return reject(v, "nul_byte",
                          "column %s holds a NUL byte (U+0000) at byte %ld of its value: this "
                          "field is stored as text, which a NUL would end",
                          cr_feed_slot_label(f, slots[i]), (long)(z - val) + 1);
    }
    return LOADED;
}

/* A malloc'd, NUL-terminated, NFKC-normalised copy of a slot's value; NULL when empty.
 * Sets *oom on allocation failure. */
static char *value_copy(ingest *ig, cr_feed *f, int slot, int *oom)
{
    const char *val;
    size_t len;
    cr_feed_value(f, slot, &val, &len);
    if (!len)
        return NULL;
    size_t nl;
    const char *n = normalize(ig, val, len, &nl);
    char *c = malloc(nl + 1);
    if (!c) {
        *oom = 1;
        return NULL;
    }
    memcpy(c, n, nl);
    c[nl] = 0;
    return c;
}

/* A street or grid code (len digits) that cannot be checked: it lies in a county the reference
 * knows but holds no streets and grids of (any city but Guangzhou, unless a catalog adds them). */
static int unverified_division(const cr_ref *ref, const char *c, size_t len)
{
    char county[7];
    if (len < 9 || strlen(c) != len || strspn(c, "0123456789") != len)
        return 0;
    memcpy(county, c, 6);
    county[6] = 0;
    return cr_ref_division_find(ref, county) && !cr_ref_division_covered(ref, county);
}

/* Checks the registry row's division codes against the reference data and fills the ones the
 * row leaves out from the finer ones or from the address. */
static enum outcome divisions(ingest *ig, const struct cr_topic *t, cr_feed *f,
                              struct cr_enterprise_rec *r, char **own, const struct cr_addr *addr,
                              char derived[2][16], struct verdict *v)
{
    static const int slots[3] = {CR_F_DISTRICT, CR_F_STREET, CR_F_GRID};
    static const size_t lens[3] = {6, 9, 12};
    const char **codes[3] = {&r->district, &r->street, &r->grid};
    for (int i = 0; i < 3; i++) {
        const char *c = own[i];
        if (!c)
            continue;
        const struct cr_division *dv = cr_ref_division_find(ig->ref, c);
        if (!dv && unverified_division(ig->ref, c, lens[i])) {
            ig->row_unverified++; /* another city's street or grid: kept as given, counted */
            *codes[i] = c;
            continue;
        }
        if (!dv || strlen(c) != lens[i]) {
            reject(v, "bad_division", "column %s: '%s' is not a division code (GB/T 2260)",
                   cr_feed_slot_label(f, slots[i]), shown(v, c, strlen(c)));
            if (!drop_bad(ig, t, slots[i], v))
                return QUARANTINED;
            continue;
        }
        *codes[i] = c;
    }
    /* Finer codes imply coarser ones; given coarser ones must agree. */
    if (r->grid && r->street && strncmp(r->grid, r->street, 9) != 0) {
        reject(v, "bad_division", "grid %s is not in street %s", r->grid, r->street);
        if (!drop_bad(ig, t, CR_F_GRID, v))
            return QUARANTINED;
        r->grid = NULL; /* the finer code is the one left out */
    }
    if (r->grid) {
        memcpy(derived[1], r->grid, 9);
        derived[1][9] = 0;
        r->street = r->street ? r->street : derived[1];
    }
    if (r->street && r->district && strncmp(r->street, r->district, 6) != 0) {
        reject(v, "bad_division", "street %s is not in district %s", r->street, r->district);
        if (!drop_bad(ig, t, r->street == derived[1] ? CR_F_GRID : CR_F_STREET, v))
            return QUARANTINED;
        r->street = r->grid = NULL;
    }
    if (r->street) {
        memcpy(derived[0], r->street, 6);
        derived[0][6] = 0;
        r->district = r->district ? r->district : derived[0];
    }
    if (!r->district && addr && addr->district[0])
        r->district = addr->district;
    if (!r->street && addr && addr->street[0] && strncmp(addr->street, r->district, 6) == 0)
        r->street = addr->street;
    return LOADED;
}

/* Reads a decimal degree in [lo, hi] from s; -1 when it is not one (or too long to be one). */
static int parse_coord(const char *s, size_t len, double lo, double hi, double *out)
{
    char buf[32];
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    /* Decimal only: strtod would also read hex (0x71), nan and inf. */
    if (strspn(buf, "0123456789.+-eE") != len)
        return -1;
    char *end;
    double x = strtod(buf, &end);
    if (end == buf || *end || !(x >= lo && x <= hi))
        return -1;
    *out = x;
    return 0;
}

/* The industry code as the registry keeps it (the section letter, or the letter and the code)
 * in buf, pointed to by *out; *out untouched when the column is empty. QUARANTINED when the
 * value is no GB/T 4754-2017 code and the field's on_error does not null it. */
#define INDUSTRY_CAP 16
static enum outcome industry(ingest *ig, const struct cr_topic *t, cr_feed *f,
                             char buf[INDUSTRY_CAP], const char **out, struct verdict *v)
{
    const char *ind;
    size_t ind_len;
    cr_feed_value(f, CR_F_INDUSTRY, &ind, &ind_len);
    if (!ind_len)
        return LOADED;
    char code[64];
    /* Text is compared as NFKC keeps it (Ｍ７５１３ is M7513), the section letter in upper
     * case (m7513). */
    size_t n = ind_len < sizeof code ? cr_halfwidth(ind, ind_len, code) : 0;
    n = n < 16 ? cr_zero_fraction_len(code, n) : 0; /* 7513.0 */
    code[n] = 0;
    if (code[0] >= 'a' && code[0] <= 'z')
        code[0] = (char)(code[0] - 'a' + 'A');
    const struct cr_industry *in = n ? cr_ref_industry_find(ig->ref, code) : NULL;
    if (!in) {
        enum outcome o = reject(v, "bad_industry", "column %s: '%s' is not a GB/T 4754-2017 code",
                                cr_feed_slot_label(f, CR_F_INDUSTRY), shown(v, ind, ind_len));
        return drop_bad(ig, t, CR_F_INDUSTRY, v) ? LOADED : o;
    }
    snprintf(buf, INDUSTRY_CAP, in->level == 1 ? "%c" : "%c%s", in->section, in->code);
    *out = buf;
    return LOADED;
}

/* The coordinates into r (has_coords) when both columns have a value: both finite, decimal and
 * inside the topic's bounds (0,0 is no place in a city's registry), or neither is kept;
 * QUARANTINED when they are not and the field's on_error does not null them. */
static enum outcome coordinates(ingest *ig, const struct cr_topic *t, cr_feed *f,
                                struct cr_enterprise_rec *r, struct verdict *v)
{
    const char *lon, *lat;
    size_t lon_len, lat_len;
    cr_feed_value(f, CR_F_LON, &lon, &lon_len);
    cr_feed_value(f, CR_F_LAT, &lat, &lat_len);
    if (!lon_len || !lat_len)
        return LOADED;
    if (parse_coord(lon, lon_len, -180, 180, &r->lon) ||
        parse_coord(lat, lat_len, -90, 90, &r->lat) || !cr_topic_in_bounds(t, r->lon, r->lat)) {
        enum outcome o =
            reject(v, "bad_coordinates",
                   "columns %s/%s: '%s', '%s' are not finite coordinates inside the topic's "
                   "bounds",
                   cr_feed_slot_label(f, CR_F_LON), cr_feed_slot_label(f, CR_F_LAT),
                   shown_at(v, 0, lon, lon_len), shown_at(v, 1, lat, lat_len));
        r->lon = r->lat = 0; /* never cast inf to an integer for the row's content */
        return drop_bad(ig, t, t->opt[CR_F_LON].on_error_null ? CR_F_LON : CR_F_LAT, v) ? LOADED
                                                                                        : o;
    }
    r->has_coords = 1;
    return LOADED;
}

/* The enterprise's content for de-duplication in ig->canon, up to its attrs. */
static void registry_canon(ingest *ig, const cr_feed *f, int64_t topic_id, const char *key,
                           size_t klen, const struct cr_enterprise_rec *r)
{
    cr__ingest_canon_start(ig, cr_feed_line_breaks(f));
    cr__ingest_canon_i64(ig, topic_id, 1);
    cr__ingest_canon_text(ig, key, klen);
    const char *vals[] = {r->name,    r->type,     r->industry, r->status,
                          r->address, r->district, r->street,   r->grid};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
        cr__ingest_canon_text(ig, vals[i] ? vals[i] : "", vals[i] ? strlen(vals[i]) : 0);
    cr__ingest_canon_i64(ig, r->capital_fen, r->has_capital);
    cr__ingest_canon_i64(ig, r->established, r->has_established);
    cr__ingest_canon_i64(ig, (int64_t)(r->lon * 1e6), r->has_coords);
    cr__ingest_canon_i64(ig, (int64_t)(r->lat * 1e6), r->has_coords);
}

static enum outcome registry_row(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                                 const char *key, size_t klen, struct verdict *v, cr_err *err)
{
    struct cr_enterprise_rec r = {.topic = topic_id};
    int oom = 0;
    enum outcome o = LOADED;
    char *text[6] = {0}; /* name, type, status, address, industry, and a spare */
    char *own[3] = {0};  /* district, street, grid as given */
    static const int text_slots[4] = {CR_F_NAME, CR_F_TYPE, CR_F_STATUS, CR_F_ADDRESS};
    static const int stored[] = {CR_F_NAME,     CR_F_TYPE,   CR_F_STATUS, CR_F_ADDRESS,
                                 CR_F_DISTRICT, CR_F_STREET, CR_F_GRID};
    if (no_nul(f, stored, (int)(sizeof stored / sizeof *stored), v) == QUARANTINED)
        return QUARANTINED;
    for (int i = 0; i < 4; i++)
        text[i] = value_copy(ig, f, text_slots[i], &oom);
    static const int div_slots[3] = {CR_F_DISTRICT, CR_F_STREET, CR_F_GRID};
    for (int i = 0; i < 3; i++)
        if ((own[i] = value_copy(ig, f, div_slots[i], &oom)))
            own[i][cr_zero_fraction_len(own[i], strlen(own[i]))] = 0; /* 440106.0 */
    if (oom)
        goto nomem;
    r.uscc = t->key_type == CR_KEY_USCC ? key : NULL;
    r.name = text[0] ? text[0] : ""; /* name is optional (docs/catalog.md) */
    r.type = text[1];
    r.status = text[2];
    r.address = text[3];
    char indbuf[INDUSTRY_CAP];
    if ((o = industry(ig, t, f, indbuf, &r.industry, v)) == QUARANTINED)
        goto out;
    int has;
    char period[8];
    if ((parse_money(t, f, CR_F_CAPITAL, &r.capital_fen, &has, v) == QUARANTINED &&
         !drop_bad(ig, t, CR_F_CAPITAL, v)) ||
        (parse_day(t, f, CR_F_ESTABLISHED, &r.established, &r.has_established, period, v) ==
             QUARANTINED &&
         !drop_bad(ig, t, CR_F_ESTABLISHED, v))) {
        o = QUARANTINED;
        goto out;
    }
    r.has_capital = has;
    struct cr_addr addr;
    int has_addr =
        r.address && cr_addr_normalize(ig->ref, r.address, strlen(r.address), &addr) == CR_OK;
    if (has_addr)
        r.addr_key = addr.key;
    char derived[2][16];
    if ((o = divisions(ig, t, f, &r, own, has_addr ? &addr : NULL, derived, v)) == QUARANTINED)
        goto out;
    /* An address written without its district gets the row's own district, so that it keys
     * like the same address written with it (a key too long for that stays as it was). */
    if (has_addr && cr_addr_default_district(&addr, r.district) == CR_OK)
        r.addr_key = addr.key;
    if ((o = coordinates(ig, t, f, &r, v)) == QUARANTINED)
        goto out;
    registry_canon(ig, f, topic_id, key, klen, &r);
    build_attrs(ig, t, f, CR_ESTABLISHED_PERIOD_ATTR, period);
    r.attrs = ig->attrs.len ? ig->attrs.p : NULL;
    cr__ingest_canon_json(ig, ig->attrs.p, ig->attrs.len);
    o = cr__ingest_dedupe(ig, topic_id, &r.h, &oom);
    oom |= ig->attrs.oom;
    if (oom)
        goto nomem;
    struct subj *subject = NULL;
    if (o == LOADED && (*err = subject_of(ig, key, klen, &subject)))
        goto out;
    if (o == LOADED) {
        r.subject = subject->id;
        cr__sink_enterprise(ig->out, &r);
        subject->registered = 1;
    }
    goto out;
nomem:
    *err = CR_ENOMEM;
out:
    for (int i = 0; i < 6; i++)
        free(text[i]);
    for (int i = 0; i < 3; i++)
        free(own[i]);
    return o;
}

static enum outcome roles_row(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                              const char *key, size_t klen, struct verdict *v, cr_err *err)
{
    const char *pid;
    size_t pid_len;
    cr_feed_value(f, CR_F_PERSON_ID, &pid, &pid_len);
    /* Room for 18 full-width characters (3 bytes each) and more; cr_halfwidth never
     * lengthens, so a value that fits is converted whole, and a longer one cannot be an ID. The
     * value itself is never shown: it may be a real person's number. */
    char id[64];
    if (pid_len > sizeof id)
        return reject(v, "bad_person_id",
                      "column %s: the value (%zu bytes) is too long for a resident ID number",
                      cr_feed_slot_label(f, CR_F_PERSON_ID), pid_len);
    size_t n = cr_halfwidth(pid, pid_len, id);
    if (n == 18 && id[17] == 'x')
        id[17] = 'X';
    if (n != 18 || !cr_resident_id_valid(id, n))
        return reject(v, "bad_person_id", "column %s: the value is not a valid resident ID number",
                      cr_feed_slot_label(f, CR_F_PERSON_ID));
    unsigned char idhash[16];
    crypto_generichash(idhash, sizeof idhash, (const unsigned char *)id, 18, ig->salt,
                       sizeof ig->salt);
    int32_t day = 0;
    int has_day, oom = 0;
    char period[8]; /* a role's start keeps its day only (docs/catalog.md) */
    if (parse_day(t, f, CR_F_DATE, &day, &has_day, period, v) == QUARANTINED &&
        !drop_bad(ig, t, CR_F_DATE, v))
        return QUARANTINED;
    static const int stored[] = {CR_F_PERSON_NAME, CR_F_ROLE};
    if (no_nul(f, stored, 2, v) == QUARANTINED)
        return QUARANTINED;
    char *name = value_copy(ig, f, CR_F_PERSON_NAME, &oom);
    char *role = value_copy(ig, f, CR_F_ROLE, &oom);
    enum outcome o = LOADED;
    int64_t h, person;
    if (oom || !role)
        goto nomem;
    cr__ingest_canon_start(ig, cr_feed_line_breaks(f));
    cr__ingest_canon_i64(ig, topic_id, 1);
    cr__ingest_canon_text(ig, key, klen);
    cr__ingest_canon_field(ig, idhash, sizeof idhash);
    cr__ingest_canon_text(ig, role, strlen(role));
    cr__ingest_canon_i64(ig, day, has_day);
    o = cr__ingest_dedupe(ig, topic_id, &h, &oom);
    if (oom)
        goto nomem;
    int64_t subject;
    int registered;
    if (o == LOADED && (*err = subject_id(ig, key, klen, &subject, &registered)))
        goto out;
    if (o == LOADED) {
        struct pent *pe = cr__pmap_slot(&ig->persons, idhash);
        if (!pe)
            goto nomem;
        if (!pe->id) {
            memcpy(pe->h, idhash, 16);
            pe->id = ++ig->next_person;
            ig->persons.n++;
            cr__sink_person(ig->out, pe->id, idhash, name);
        }
        person = pe->id;
        cr__sink_role(ig->out, subject, person, role, has_day ? &day : NULL, topic_id, h);
    }
    goto out;
nomem:
    *err = CR_ENOMEM;
out:
    free(name);
    free(role);
    return o;
}

/* The raw text to keep for a quarantined row. A roles row carries a person's ID number, which
 * is never stored: it is masked in the copy. Returns a malloc'd copy or NULL (use raw as is). */
char *cr__ingest_masked_raw(const struct cr_topic *t, cr_feed *f, const struct cr_feed_rec *rec)
{
    const char *pid;
    size_t len;
    if (t->role != CR_TOPIC_ROLES)
        return NULL;
    cr_feed_value(f, CR_F_PERSON_ID, &pid, &len);
    char *copy = malloc(rec->raw_len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, rec->raw, rec->raw_len);
    copy[rec->raw_len] = 0;
    for (size_t i = 0; len >= 6 && i + len <= rec->raw_len; i++)
        if (memcmp(copy + i, pid, len) == 0)
            memset(copy + i, '*', len);
    /* An unparsed row may hold an ID anywhere: mask every run of 15 or more digits. */
    size_t run = 0;
    for (size_t i = 0; i <= rec->raw_len; i++) {
        int digit = i < rec->raw_len && ((copy[i] >= '0' && copy[i] <= '9') || copy[i] == 'X');
        if (digit) {
            run++;
            continue;
        }
        if (run >= 15)
            memset(copy + i - run, '*', run);
        run = 0;
    }
    return copy;
}

/* Reads one record through the topic's mapping and, when it is good, queues its rows.
 * Returns the outcome in *o and, for a quarantined record, why in *v. */
cr_err cr__ingest_evaluate(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                           const struct cr_feed_rec *rec, enum outcome *o, struct verdict *v)
{
    cr_err err = CR_OK;
    char key[KEY_CAP];
    size_t klen = 0;
    *o = QUARANTINED;
    v->reason = NULL;
    v->detail[0] = 0;
    ig->n_row_nulled = 0;
    ig->row_unverified = 0;
    if (rec->reason) {
        v->reason = rec->reason;
        snprintf(v->detail, sizeof v->detail, "%s", rec->detail);
    } else if (check_required(t, f, v) && resolve_key(t, f, key, &klen, v) == LOADED) {
        if (t->role == CR_TOPIC_EVENTS)
            *o = event_row(ig, t, topic_id, f, key, klen, v, &err);
        else if (t->role == CR_TOPIC_REGISTRY)
            *o = registry_row(ig, t, topic_id, f, key, klen, v, &err);
        else
            *o = roles_row(ig, t, topic_id, f, key, klen, v, &err);
    }
    return err;
}

cr_err cr__ingest_process_record(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                                 const struct cr_feed_rec *rec, int64_t file_id,
                                 struct cr_file_rec *fr)
{
    struct verdict v;
    enum outcome o;
    fr->n_read++;
    cr_err err = cr__ingest_evaluate(ig, t, topic_id, f, rec, &o, &v);
    if (err)
        return err;
    if (o != QUARANTINED)
        ig->rep->unverified_divisions += ig->row_unverified;
    for (int i = 0; o != QUARANTINED && i < ig->n_row_nulled; i++)
        if (cr__ingest_count_nulled(ig->rep, ig->row_nulled[i], 1))
            return CR_ENOMEM;
    /* A bad line open in the topic's quarantine already is a duplicate (docs/collect.md "A bad
     * line is quarantined once"); roles topics store lines masked, so they always quarantine. */
    int new_bad = o != QUARANTINED || t->role == CR_TOPIC_ROLES
                      ? 1
                      : cr__ingest_qseen(ig, topic_id, rec->raw, rec->raw_len);
    if (new_bad < 0)
        return CR_ENOMEM;
    if (o == LOADED) {
        fr->n_loaded++;
    } else if (o == DUPLICATE || !new_bad) {
        fr->n_duplicate++;
    } else {
        fr->n_quarantined++;
        char *masked = cr__ingest_masked_raw(t, f, rec);
        cr__sink_quarantine(ig->out, file_id, topic_id, rec->line, v.reason, v.detail,
                            masked ? masked : rec->raw, masked ? strlen(masked) : rec->raw_len);
        free(masked);
        if (cr__ingest_count_reason(ig->rep, v.reason))
            return CR_ENOMEM;
    }
    return CR_OK;
}
