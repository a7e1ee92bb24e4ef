#include "crisk/catalog.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "base/ydoc.h"
#include "crisk/escape.h"
#include "crisk/text.h"

static const char *const field_names[CR__NFIELD] = {
    "key",     "date",        "amount", "name",      "type",        "industry",
    "capital", "established", "status", "address",   "district",    "street",
    "grid",    "lon",         "lat",    "person_id", "person_name", "role",
};

const char *cr_field_name(cr_field f)
{
    return (unsigned)f < CR__NFIELD ? field_names[f] : "?";
}

int cr_topic_has(const struct cr_topic *t, cr_field f)
{
    return t->field[f].name != NULL || t->field[f].index > 0;
}

static int null_as_written(const struct cr_topic *t, const char *s, size_t len)
{
    unsigned char c0 = len ? (unsigned char)tolower((unsigned char)s[0]) : 0;
    if (len > t->nulls_max || !(t->nulls_first[c0 >> 3] & (1u << (c0 & 7))))
        return 0;
    for (size_t i = 0; i < t->n_nulls; i++)
        if (strlen(t->nulls[i]) == len && strncasecmp(t->nulls[i], s, len) == 0)
            return 1;
    return 0;
}

/* s without the spaces and tabs around it (NFKC makes U+3000 a space). */
static const char *trim_spaces(const char *s, size_t *len)
{
    while (*len && (s[0] == ' ' || s[0] == '\t'))
        s++, (*len)--;
    while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
        (*len)--;
    return s;
}

int cr_topic_null(const struct cr_topic *t, const char *s, size_t len)
{
    if (null_as_written(t, s, len))
        return 1;
    /* A token written in other forms (ＮＡ, full-width spaces around it) is the token after
     * the normalisation every text value gets: NFKC, trimmed. Only a short value that NFKC
     * changes pays for it; NFKC makes no character more than four times shorter (𝐍 is N). */
    if (!t->n_nulls || len > 4 * t->nulls_max + 12 || cr_nfkc_stable(s, len))
        return 0;
    char hw[128]; /* full-width forms, the common case, without an allocation */
    if (len <= sizeof hw) {
        size_t hl = cr_halfwidth(s, len, hw);
        const char *h = trim_spaces(hw, &hl);
        if (cr_nfkc_stable(h, hl))
            return null_as_written(t, h, hl);
    }
    char *n = NULL;
    size_t nl = 0;
    if (cr_nfkc(s, len, &n, &nl))
        return 0;
    const char *v = trim_spaces(n, &nl);
    int null = null_as_written(t, v, nl);
    free(n);
    return null;
}

int cr_topic_in_bounds(const struct cr_topic *t, double lon, double lat)
{
    return isfinite(lon) && isfinite(lat) && lon >= t->bounds[0] && lat >= t->bounds[1] &&
           lon <= t->bounds[2] && lat <= t->bounds[3];
}

/* 'bounds: [lon_min, lat_min, lon_max, lat_max]' (n may be NULL: out is left as it is). */
static cr_err parse_bounds(cr__ydoc *p, yaml_node_t *n, double out[4])
{
    if (!n)
        return CR_OK;
    if (n->type != YAML_SEQUENCE_NODE || cr__ylen(n) != 4)
        return cr__yfail(p, n, "'bounds' must be a list [lon_min, lat_min, lon_max, lat_max]");
    double b[4];
    for (size_t i = 0; i < 4; i++) {
        cr_err rc = cr__ynum(p, cr__yitem(p, n, i), &b[i], "an item of 'bounds'");
        if (rc)
            return rc;
    }
    if (!(b[0] >= -180 && b[0] < b[2] && b[2] <= 180 && b[1] >= -90 && b[1] < b[3] && b[3] <= 90))
        return cr__yfail(p, n,
                         "'bounds' [%g, %g, %g, %g] is not [lon_min, lat_min, lon_max, lat_max] "
                         "with -180 <= lon_min < lon_max <= 180 and -90 <= lat_min < lat_max <= 90",
                         b[0], b[1], b[2], b[3]);
    memcpy(out, b, sizeof b);
    return CR_OK;
}

/* 'time_zone: +08:00' (n may be NULL: out is left as it is): a UTC offset ±HH:MM, or UTC. */
static cr_err parse_zone(cr__ydoc *p, yaml_node_t *n, int *out)
{
    if (!n)
        return CR_OK;
    const char *z = cr__yscalar(n);
    if (z && strcmp(z, "UTC") == 0) {
        *out = 0;
        return CR_OK;
    }
    if (z && (z[0] == '+' || z[0] == '-') && strlen(z) == 6 && isdigit((unsigned char)z[1]) &&
        isdigit((unsigned char)z[2]) && z[3] == ':' && isdigit((unsigned char)z[4]) &&
        isdigit((unsigned char)z[5])) {
        int h = (z[1] - '0') * 10 + z[2] - '0', m = (z[4] - '0') * 10 + z[5] - '0';
        if (h <= 14 && m < 60) {
            *out = (z[0] == '-' ? -1 : 1) * (h * 60 + m);
            return CR_OK;
        }
    }
    return cr__yfail(p, n, "time_zone must be a UTC offset such as +08:00 (or UTC), not '%s'",
                     z ? z : "(not a scalar)");
}

/* The null tokens of a catalog that names none: how R, MySQL dumps, spreadsheets and department
 * exports write a missing value (docs/catalog.md). */
static const char *const default_nulls[] = {"NA", "N/A", "-", "NULL", "\\N", NULL};

/* A 'nulls' list (n may be NULL: the defaults) into a fresh array. Empty items are allowed and
 * dropped: an empty value is always missing. */
static cr_err parse_nulls(cr__ydoc *p, yaml_node_t *n, char ***out, size_t *n_out)
{
    size_t k = 0;
    if (!n)
        while (default_nulls[k])
            k++;
    else if (n->type == YAML_SEQUENCE_NODE)
        k = cr__ylen(n);
    else
        return cr__yfail(p, n, "'nulls' must be a list of values read as missing");
    char **v = calloc(k + 1, sizeof *v);
    if (!v)
        return CR_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *item = n ? cr__yitem(p, n, i) : NULL;
        const char *s = n ? cr__yscalar(item) : default_nulls[i];
        if (!s) {
            cr__ystrs_free(v, m);
            return cr__yfail(p, item, "an item of 'nulls' must be a string");
        }
        /* Tokens are compared with values as values are kept: NFKC, trimmed (" - " is "-",
         * "ＮＡ" is "NA"); a token that is only spaces is the empty value, always missing. */
        char *norm = NULL;
        size_t nl = 0;
        if (cr_nfkc(s, strlen(s), &norm, &nl) == CR_ENOMEM) {
            cr__ystrs_free(v, m);
            return CR_ENOMEM;
        }
        const char *tok = norm ? trim_spaces(norm, &nl) : s;
        if (!norm)
            nl = strlen(s);
        if (nl && !(v[m++] = strndup(tok, nl))) {
            free(norm);
            cr__ystrs_free(v, m - 1);
            return CR_ENOMEM;
        }
        free(norm);
    }
    *out = v;
    *n_out = m;
    return CR_OK;
}

static cr_err copy_nulls(char *const *from, size_t n, struct cr_topic *t)
{
    if (!(t->nulls = calloc(n + 1, sizeof *t->nulls)))
        return CR_ENOMEM;
    for (; t->n_nulls < n; t->n_nulls++)
        if (!(t->nulls[t->n_nulls] = strdup(from[t->n_nulls])))
            return CR_ENOMEM;
    return CR_OK;
}

static void set_nulls_max(struct cr_topic *t)
{
    for (size_t i = 0; i < t->n_nulls; i++) {
        unsigned char c0 = (unsigned char)tolower((unsigned char)t->nulls[i][0]);
        t->nulls_first[c0 >> 3] |= (unsigned char)(1u << (c0 & 7));
        if (strlen(t->nulls[i]) > t->nulls_max)
            t->nulls_max = strlen(t->nulls[i]);
    }
}

/* Which fields each role may map (besides key). */
static int field_allowed(cr_topic_role role, cr_field f)
{
    switch (role) {
    case CR_TOPIC_EVENTS:
        return f == CR_F_DATE || f == CR_F_AMOUNT;
    case CR_TOPIC_REGISTRY:
        return f >= CR_F_NAME && f <= CR_F_LAT;
    case CR_TOPIC_ROLES:
        return f == CR_F_DATE || f >= CR_F_PERSON_ID;
    }
    return 0;
}

static yaml_node_t *node(cr__ydoc *p, int id)
{
    return yaml_document_get_node(&p->doc, id);
}

static cr_err dup_str(const char *s, char **out)
{
    *out = strdup(s);
    return *out ? CR_OK : CR_ENOMEM;
}

static cr_err column(cr__ydoc *p, yaml_node_t *n, struct cr_column *c, const char *field)
{
    const char *s = cr__yscalar(n);
    if (!s || !*s)
        return cr__yfail(p, n, "field '%s' needs a column name or a 1-based position", field);
    c->line = cr__yline(n);
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && end && *end == 0 && v > 0 && v < 10000) {
        c->index = (int)v;
        return CR_OK;
    }
    return dup_str(s, &c->name);
}

static cr_err parse_key(cr__ydoc *p, yaml_node_t *n, struct cr_topic *t)
{
    if (!n)
        return cr__yfail(p, NULL, "topic %s is missing required key 'key'", t->code);
    if (n->type == YAML_SCALAR_NODE)
        return column(p, n, &t->field[CR_F_KEY], "key");
    static const char *const allowed[] = {"column", "type", "namespace", NULL};
    cr_err rc = cr__yonly(p, n, allowed, "key");
    if (rc)
        return rc;
    yaml_node_t *col = cr__yget(p, n, "column");
    if (!col)
        return cr__yfail(p, n, "key of topic %s needs 'column'", t->code);
    if ((rc = column(p, col, &t->field[CR_F_KEY], "key")))
        return rc;
    const char *type = cr__yscalar(cr__yget(p, n, "type"));
    if (!type || strcmp(type, "uscc") == 0) {
        t->key_type = CR_KEY_USCC;
    } else if (strcmp(type, "local") == 0) {
        t->key_type = CR_KEY_LOCAL;
        if ((rc = cr__ystr(p, n, "namespace", 1, &t->key_namespace, "a local key")))
            return rc;
    } else {
        return cr__yfail(p, cr__yget(p, n, "type"), "key type '%s' is not uscc or local", type);
    }
    return CR_OK;
}

static int is_date_field(cr_field f)
{
    return f == CR_F_DATE || f == CR_F_ESTABLISHED;
}

/* The options of a field given as a mapping, besides its column and unit. */
static cr_err parse_field_opts(cr__ydoc *p, yaml_node_t *vn, struct cr_topic *t, cr_field f)
{
    yaml_node_t *fmt = cr__yget(p, vn, "format"), *per = cr__yget(p, vn, "period");
    if ((fmt || per) && !is_date_field(f))
        return cr__yfail(p, fmt ? fmt : per, "field '%s' is not a date: it takes no %s",
                         field_names[f], fmt ? "format" : "period");
    if (fmt) {
        const char *s = cr__yscalar(fmt), *why = NULL;
        if (!s || !*s)
            return cr__yfail(p, fmt, "the format of field '%s' must be a pattern such as %s",
                             field_names[f], "\"%m/%d/%Y\"");
        if (cr_date_pattern_check(s, &why))
            return cr__yfail(p, fmt, "date format '%s' of field '%s' is not usable: %s", s,
                             field_names[f], why);
        cr_err rc = dup_str(s, &t->opt[f].format);
        if (rc)
            return rc;
    }
    const char *ps = cr__yscalar(per);
    if (per && (!ps || (strcmp(ps, "start") != 0 && strcmp(ps, "end") != 0)))
        return cr__yfail(p, per, "period of field '%s' must be start or end", field_names[f]);
    t->opt[f].period_start = ps && strcmp(ps, "start") == 0;
    yaml_node_t *oe = cr__yget(p, vn, "on_error");
    const char *os = cr__yscalar(oe);
    if (oe && (!os || (strcmp(os, "null") != 0 && strcmp(os, "quarantine") != 0)))
        return cr__yfail(p, oe, "on_error of field '%s' must be quarantine or null",
                         field_names[f]);
    t->opt[f].on_error_null = os && strcmp(os, "null") == 0;
    return CR_OK;
}

static cr_err parse_fields(cr__ydoc *p, yaml_node_t *n, struct cr_topic *t)
{
    if (!n)
        return CR_OK;
    if (n->type != YAML_MAPPING_NODE)
        return cr__yfail(p, n, "'fields' of topic %s must be a mapping", t->code);
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
        yaml_node_t *kn = node(p, q->key), *vn = node(p, q->value);
        const char *k = cr__yscalar(kn);
        int f = -1;
        for (int i = 1; k && i < CR__NFIELD; i++)
            if (strcmp(k, field_names[i]) == 0)
                f = i;
        if (f < 0)
            return cr__yfail(p, kn, "unknown field '%s' in topic %s", k ? k : "?", t->code);
        if (!field_allowed(t->role, (cr_field)f))
            return cr__yfail(p, kn, "field '%s' is not allowed in a topic of kind %s", k, t->kind);
        cr_err rc;
        if (vn->type == YAML_MAPPING_NODE) {
            static const char *const allowed[] = {"column", "unit",     "format",
                                                  "period", "on_error", NULL};
            if ((rc = cr__yonly(p, vn, allowed, k)) ||
                (rc = parse_field_opts(p, vn, t, (cr_field)f)))
                return rc;
            yaml_node_t *col = cr__yget(p, vn, "column");
            if (!col)
                return cr__yfail(p, vn, "field '%s' needs 'column'", k);
            if ((rc = column(p, col, &t->field[f], k)))
                return rc;
            const char *unit = cr__yscalar(cr__yget(p, vn, "unit"));
            if (unit && f != CR_F_AMOUNT && f != CR_F_CAPITAL)
                return cr__yfail(p, vn, "field '%s' takes no unit", k);
            if (unit && strcmp(unit, "万元") == 0)
                t->amount_wan = 1;
            else if (unit && strcmp(unit, "元") != 0)
                return cr__yfail(p, cr__yget(p, vn, "unit"), "unit '%s' is not 元 or 万元", unit);
        } else if ((rc = column(p, vn, &t->field[f], k))) {
            return rc;
        }
    }
    return CR_OK;
}

static cr_err parse_list(cr__ydoc *p, yaml_node_t *n, const char *what, const char *topic,
                         yaml_node_t ***items, size_t *n_items)
{
    *items = NULL;
    *n_items = 0;
    if (!n)
        return CR_OK;
    if (n->type == YAML_SCALAR_NODE) {
        *items = malloc(sizeof **items);
        if (!*items)
            return CR_ENOMEM;
        (*items)[0] = n;
        *n_items = 1;
        return CR_OK;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return cr__yfail(p, n, "'%s' of topic %s must be a list", what, topic);
    size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *items = calloc(k ? k : 1, sizeof **items);
    if (!*items)
        return CR_ENOMEM;
    for (size_t i = 0; i < k; i++)
        (*items)[i] = node(p, n->data.sequence.items.start[i]);
    *n_items = k;
    return CR_OK;
}

static cr_err parse_topic(cr__ydoc *p, yaml_node_t *n, struct cr_topic *t, const cr_catalog *cat,
                          char *const *nulls, size_t n_nulls)
{
    static const char *const allowed[] = {"code",   "name",     "department", "kind",   "files",
                                          "format", "encoding", "delimiter",  "header", "key",
                                          "fields", "attrs",    "required",   "nulls",  "as_of",
                                          "bounds", NULL};
    if (n->type != YAML_MAPPING_NODE)
        return cr__yfail(p, n, "a topic must be a mapping");
    t->line = cr__yline(n);
    t->delimiter = ',';
    t->header = 1;
    cr_err rc = cr__yonly(p, n, allowed, "topic");
    if (!rc)
        rc = cr__ystr(p, n, "code", 1, &t->code, "topic");
    if (!rc)
        rc = cr__ystr(p, n, "name", 1, &t->name, t->code);
    if (!rc)
        rc = cr__ystr(p, n, "department", 1, &t->department, t->code);
    if (!rc)
        rc = cr__ystr(p, n, "kind", 1, &t->kind, t->code);
    if (rc)
        return rc;
    int known = 0;
    for (size_t i = 0; i < cat->n_departments; i++)
        known |= strcmp(cat->departments[i].code, t->department) == 0;
    if (!known)
        return cr__yfail(p, cr__yget(p, n, "department"), "topic %s names unknown department '%s'",
                         t->code, t->department);
    t->role = strcmp(t->kind, "registry") == 0 ? CR_TOPIC_REGISTRY
              : strcmp(t->kind, "roles") == 0  ? CR_TOPIC_ROLES
                                               : CR_TOPIC_EVENTS;
    const char *fmt = cr__yscalar(cr__yget(p, n, "format"));
    if (fmt && strcmp(fmt, "jsonl") == 0)
        t->format = CR_FMT_JSONL;
    else if (fmt && strcmp(fmt, "csv") != 0)
        return cr__yfail(p, cr__yget(p, n, "format"), "format '%s' is not csv or jsonl", fmt);
    const char *enc = cr__yscalar(cr__yget(p, n, "encoding"));
    if (enc && (strcmp(enc, "gb18030") == 0 || strcmp(enc, "GB18030") == 0 ||
                strcmp(enc, "gbk") == 0 || strcmp(enc, "GBK") == 0))
        t->gb18030 = 1;
    else if (enc && strcmp(enc, "utf-8") != 0 && strcmp(enc, "UTF-8") != 0)
        return cr__yfail(p, cr__yget(p, n, "encoding"), "encoding '%s' is not utf-8 or gb18030",
                         enc);
    yaml_node_t *dnode = cr__yget(p, n, "delimiter");
    const char *delim = cr__yscalar(dnode);
    if (delim) {
        size_t dl = dnode->data.scalar.length; /* "\u0000" holds a NUL */
        unsigned char c = (unsigned char)delim[0];
        if ((dl == 2 && memcmp(delim, "\\t", 2) == 0) || (dl == 1 && c == '\t'))
            t->delimiter = '\t';
        else if (dl == 1 && c == '"')
            return cr__yfail(p, dnode, "a quote (\") cannot be the delimiter: it encloses fields");
        else if (dl == 1 && c && c < 0x80 && c != '\n' && c != '\r')
            t->delimiter = delim[0];
        else {
            /* A line end, a NUL or a multi-byte character (a full-width comma): the value
             * escaped, so that an invisible one can be seen. */
            char *shown = NULL;
            if (cr_escape(delim, dl, 0, &shown, NULL))
                return CR_ENOMEM;
            rc = cr__yfail(p, dnode,
                           "delimiter '%s' must be a single ASCII byte other than a quote, NUL, "
                           "CR or LF",
                           shown);
            free(shown);
            return rc;
        }
    }
    const char *hdr = cr__yscalar(cr__yget(p, n, "header"));
    if (hdr && strcmp(hdr, "false") == 0)
        t->header = 0;
    else if (hdr && strcmp(hdr, "true") != 0)
        return cr__yfail(p, cr__yget(p, n, "header"), "header must be true or false, not '%s'",
                         hdr);
    if ((rc = parse_key(p, cr__yget(p, n, "key"), t)))
        return rc;
    if ((rc = parse_fields(p, cr__yget(p, n, "fields"), t)))
        return rc;
    memcpy(t->bounds, cat->bounds, sizeof t->bounds);
    t->zone_min = cat->zone_min;
    yaml_node_t *bounds = cr__yget(p, n, "bounds");
    if (bounds && t->role != CR_TOPIC_REGISTRY)
        return cr__yfail(p, bounds, "bounds is for registry topics; topic %s is a %s topic",
                         t->code, t->kind);
    if ((rc = parse_bounds(p, bounds, t->bounds)))
        return rc;
    yaml_node_t *own = cr__yget(p, n, "nulls");
    rc = own ? parse_nulls(p, own, &t->nulls, &t->n_nulls) : copy_nulls(nulls, n_nulls, t);
    set_nulls_max(t);
    return rc;
}

/* A topic's as_of: the day of an extract, for rows that carry no date (counts as of then). */
static cr_err parse_as_of(cr__ydoc *p, yaml_node_t *n, struct cr_topic *t)
{
    if (!n)
        return CR_OK;
    const char *s = cr__yscalar(n);
    if (t->role != CR_TOPIC_EVENTS)
        return cr__yfail(p, n, "as_of is for event topics; topic %s is a %s topic", t->code,
                         t->kind);
    if (!s || cr_date_parse(s, strlen(s), &t->as_of_day))
        return cr__yfail(p, n, "as_of of topic %s must be a day such as 2020-12-31, not '%s'",
                         t->code, s ? s : "(not a scalar)");
    t->has_as_of = 1;
    return CR_OK;
}

static int same_column(const struct cr_column *a, const struct cr_column *b)
{
    return a->name || b->name ? a->name && b->name && strcmp(a->name, b->name) == 0
                              : a->index == b->index;
}

/* Files, attrs and required lists, and the checks that need the whole topic. */
static cr_err parse_topic_lists(cr__ydoc *p, yaml_node_t *n, struct cr_topic *t)
{
    yaml_node_t **items = NULL;
    size_t k = 0;
    cr_err rc = parse_list(p, cr__yget(p, n, "files"), "files", t->code, &items, &k);
    if (!rc && k == 0)
        rc = cr__yfail(p, n, "topic %s names no files", t->code);
    if (!rc && !(t->files = calloc(k, sizeof *t->files)))
        rc = CR_ENOMEM;
    for (size_t i = 0; !rc && i < k; i++) {
        const char *s = cr__yscalar(items[i]);
        rc = s && *s ? dup_str(s, &t->files[t->n_files++])
                     : cr__yfail(p, items[i], "a file of topic %s must be a path", t->code);
    }
    free(items);
    items = NULL;
    if (!rc)
        rc = parse_list(p, cr__yget(p, n, "attrs"), "attrs", t->code, &items, &k);
    if (!rc && k && !(t->attrs = calloc(k, sizeof *t->attrs)))
        rc = CR_ENOMEM;
    for (size_t i = 0; !rc && i < k; i++) {
        rc = column(p, items[i], &t->attrs[t->n_attrs++], "attrs");
        const char *a = rc ? NULL : t->attrs[i].name;
        if (a && (strcmp(a, CR_PERIOD_ATTR) == 0 || strcmp(a, CR_ESTABLISHED_PERIOD_ATTR) == 0))
            rc = cr__yfail(p, items[i], "'%s' is the name crisk keeps a date's period under", a);
        for (size_t j = 0; !rc && j < i; j++)
            if (same_column(&t->attrs[j], &t->attrs[i]))
                rc = cr__yfail(p, items[i],
                               "attrs of topic %s name column '%s' twice (a row's attributes "
                               "would hold one name twice)",
                               t->code, cr__yscalar(items[i]));
    }
    free(items);
    items = NULL;
    if (!rc)
        rc = parse_list(p, cr__yget(p, n, "required"), "required", t->code, &items, &k);
    for (size_t i = 0; !rc && i < k; i++) {
        const char *s = cr__yscalar(items[i]);
        int f = -1;
        for (int j = 0; s && j < CR__NFIELD; j++)
            if (strcmp(s, field_names[j]) == 0)
                f = j;
        if (f < 0 || !cr_topic_has(t, (cr_field)f))
            rc = cr__yfail(p, items[i], "required field '%s' is not mapped in topic %s",
                           s ? s : "?", t->code);
        else
            t->required[f] = 1;
    }
    free(items);
    if (rc)
        return rc;
    t->required[CR_F_KEY] = 1;
    if ((rc = parse_as_of(p, cr__yget(p, n, "as_of"), t)))
        return rc;
    if (t->role == CR_TOPIC_EVENTS && !cr_topic_has(t, CR_F_DATE) && !t->has_as_of)
        return cr__yfail(p, n, "event topic %s must map field 'date' or give 'as_of'", t->code);
    if (t->role == CR_TOPIC_EVENTS && !t->has_as_of)
        t->required[CR_F_DATE] = 1;
    if (t->role == CR_TOPIC_ROLES &&
        (!cr_topic_has(t, CR_F_PERSON_ID) || !cr_topic_has(t, CR_F_ROLE)))
        return cr__yfail(p, n, "roles topic %s must map 'person_id' and 'role'", t->code);
    if (t->role == CR_TOPIC_ROLES)
        t->required[CR_F_PERSON_ID] = t->required[CR_F_ROLE] = 1;
    for (int f = 0; f < CR__NFIELD; f++)
        if (t->opt[f].on_error_null &&
            (t->required[f] || (f == CR_F_DATE && t->role == CR_TOPIC_EVENTS)))
            return cr_diag_set(p->d, CR_EPARSE, p->path, t->field[f].line, 0,
                               "field '%s' of topic %s is %s: it cannot take on_error: null",
                               field_names[f], t->code,
                               t->required[f] ? "required" : "what dates its events");
    for (int f = 0; f < CR__NFIELD; f++)
        if (!t->header && t->field[f].name)
            return cr__yfail(p, n, "topic %s has no header, so field '%s' needs a column position",
                             t->code, field_names[f]);
    return CR_OK;
}

static cr_err parse_root(cr__ydoc *p, cr_catalog *cat)
{
    yaml_node_t *root = cr__yroot(p);
    if (!root || root->type != YAML_MAPPING_NODE)
        return cr__yfail(p, root,
                         "a catalog must be a mapping with 'catalog', 'departments' and 'topics'");
    static const char *const allowed[] = {"catalog", "description", "departments",
                                          "topics",  "nulls",       "divisions",
                                          "bounds",  "time_zone",   NULL};
    cr_err rc = cr__yonly(p, root, allowed, "the catalog");
    if (!rc)
        rc = cr__ystr(p, root, "catalog", 1, &cat->id, "the catalog");
    if (rc)
        return rc;
    yaml_node_t *divs = cr__yget(p, root, "divisions");
    if ((rc = cr__ystrs(p, divs, &cat->divisions, &cat->n_divisions,
                        "'divisions' (files of the city's streets and grids)")))
        return rc;
    if (cat->n_divisions &&
        !(cat->division_at = calloc(cat->n_divisions, sizeof *cat->division_at)))
        return CR_ENOMEM;
    for (size_t i = 0; i < cat->n_divisions; i++) {
        yaml_node_t *item = divs->type == YAML_SCALAR_NODE ? divs : cr__yitem(p, divs, i);
        cat->division_at[i][0] = cr__yline(item);
        cat->division_at[i][1] = (long)item->start_mark.column + 1;
    }
    const double china[4] = CR_BOUNDS_DEFAULT;
    memcpy(cat->bounds, china, sizeof china);
    if ((rc = parse_bounds(p, cr__yget(p, root, "bounds"), cat->bounds)))
        return rc;
    cat->zone_min = CR_ZONE_DEFAULT_MIN;
    if ((rc = parse_zone(p, cr__yget(p, root, "time_zone"), &cat->zone_min)))
        return rc;
    yaml_node_t *deps = cr__yget(p, root, "departments"), *tops = cr__yget(p, root, "topics");
    if (!deps || deps->type != YAML_SEQUENCE_NODE)
        return cr__yfail(p, deps ? deps : root, "'departments' must be a list");
    if (!tops || tops->type != YAML_SEQUENCE_NODE)
        return cr__yfail(p, tops ? tops : root, "'topics' must be a list");
    size_t nd = (size_t)(deps->data.sequence.items.top - deps->data.sequence.items.start);
    size_t nt = (size_t)(tops->data.sequence.items.top - tops->data.sequence.items.start);
    if (!nt) /* nothing would be read: an empty store and exit 0 would hide the mistake */
        return cr__yfail(p, tops, "'topics' is empty: a catalog names at least one topic");
    cat->departments = calloc(nd ? nd : 1, sizeof *cat->departments);
    cat->topics = calloc(nt ? nt : 1, sizeof *cat->topics);
    if (!cat->departments || !cat->topics)
        return CR_ENOMEM;
    static const char *const dep_keys[] = {"code", "name", NULL};
    for (size_t i = 0; i < nd; i++) {
        yaml_node_t *dn = node(p, deps->data.sequence.items.start[i]);
        struct cr_department *dep = &cat->departments[cat->n_departments++];
        if (dn->type != YAML_MAPPING_NODE)
            return cr__yfail(p, dn, "a department must be a mapping with code and name");
        if ((rc = cr__yonly(p, dn, dep_keys, "department")) ||
            (rc = cr__ystr(p, dn, "code", 1, &dep->code, "department")) ||
            (rc = cr__ystr(p, dn, "name", 1, &dep->name, dep->code)))
            return rc;
        for (size_t j = 0; j + 1 < cat->n_departments; j++)
            if (strcmp(cat->departments[j].code, dep->code) == 0)
                return cr__yfail(p, cr__yget(p, dn, "code"), "duplicate department code '%s'",
                                 dep->code);
    }
    char **nulls = NULL;
    size_t n_nulls = 0;
    if ((rc = parse_nulls(p, cr__yget(p, root, "nulls"), &nulls, &n_nulls)))
        return rc;
    for (size_t i = 0; i < nt && !rc; i++) {
        yaml_node_t *tn = node(p, tops->data.sequence.items.start[i]);
        struct cr_topic *t = &cat->topics[cat->n_topics++];
        if (!(rc = parse_topic(p, tn, t, cat, nulls, n_nulls)))
            rc = parse_topic_lists(p, tn, t);
    }
    cr__ystrs_free(nulls, n_nulls);
    return rc;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const struct cr_topic *)a)->code, ((const struct cr_topic *)b)->code);
}

static cr_err check_unique_topics(cr__ydoc *p, cr_catalog *cat)
{
    struct cr_topic *copy = malloc((cat->n_topics + 1) * sizeof *copy);
    if (!copy)
        return CR_ENOMEM;
    memcpy(copy, cat->topics, cat->n_topics * sizeof *copy);
    qsort(copy, cat->n_topics, sizeof *copy, cmp_code);
    cr_err rc = CR_OK;
    for (size_t i = 1; i < cat->n_topics && !rc; i++)
        if (strcmp(copy[i].code, copy[i - 1].code) == 0) {
            long line = copy[i].line > copy[i - 1].line ? copy[i].line : copy[i - 1].line;
            rc = cr_diag_set(p->d, CR_EPARSE, p->path, line, 0, "duplicate topic code '%s'",
                             copy[i].code);
        }
    free(copy);
    return rc;
}

cr_err cr_catalog_load(const char *path, cr_catalog **out, cr_diag *d)
{
    cr__ydoc y;
    cr_err rc = cr__ydoc_load(&y, path, d);
    cr_catalog *cat = rc ? NULL : calloc(1, sizeof *cat);
    if (!rc && !cat)
        rc = CR_ENOMEM;
    if (!rc && (rc = dup_str(path, &cat->path)) == CR_OK)
        rc = dup_str(path, &cat->dir);
    if (rc)
        goto out;
    char *slash = strrchr(cat->dir, '/');
    if (slash)
        slash[slash == cat->dir ? 1 : 0] = 0;
    else
        memcpy(cat->dir, ".", 2); /* strlen(path) >= 1, so "." fits */
    if ((rc = parse_root(&y, cat)) || (rc = check_unique_topics(&y, cat)))
        goto out;
    *out = cat;
    cat = NULL;
out:
    cr__ydoc_free(&y);
    cr_catalog_free(cat);
    return rc;
}

cr_err cr_catalog_add_divisions(const cr_catalog *cat, cr_ref *ref, cr_diag *d)
{
    cr_err rc = CR_OK;
    for (size_t i = 0; !rc && i < cat->n_divisions; i++) {
        const char *f = cat->divisions[i];
        char path[2048];
        int n = snprintf(path, sizeof path, "%s%s%s", f[0] == '/' ? "" : cat->dir,
                         f[0] == '/' ? "" : "/", f);
        long line = cat->division_at[i][0], col = cat->division_at[i][1];
        if (n < 0 || (size_t)n >= sizeof path)
            return cr_diag_set(d, CR_EPARSE, cat->path, line, col,
                               "divisions: the path of %s is too long", f);
        struct stat st;
        if (stat(path, &st) != 0)
            return cr_diag_set(d, CR_EPARSE, cat->path, line, col, "divisions: %s: %s", path,
                               strerror(errno));
        if (S_ISDIR(st.st_mode))
            return cr_diag_set(d, CR_EPARSE, cat->path, line, col,
                               "divisions: %s is a folder, not a file of code,name,parent_code",
                               path);
        cr_diag inner = {{0}, {0}, 0, 0};
        rc = cr_ref_add_divisions(ref, path, &inner);
        if (rc == CR_ENOMEM)
            return rc;
        if (rc) {
            char msg[400];
            cr_diag_format(&inner, msg, sizeof msg);
            return cr_diag_set(d, CR_EPARSE, cat->path, line, col, "divisions: %s", msg);
        }
    }
    return CR_OK;
}

void cr_catalog_free(cr_catalog *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n_departments; i++) {
        free(cat->departments[i].code);
        free(cat->departments[i].name);
    }
    for (size_t i = 0; i < cat->n_topics; i++) {
        struct cr_topic *t = &cat->topics[i];
        free(t->code);
        free(t->name);
        free(t->department);
        free(t->kind);
        free(t->key_namespace);
        for (size_t j = 0; j < t->n_files; j++)
            free(t->files[j]);
        free(t->files);
        for (int f = 0; f < CR__NFIELD; f++) {
            free(t->field[f].name);
            free(t->opt[f].format);
        }
        for (size_t j = 0; j < t->n_attrs; j++)
            free(t->attrs[j].name);
        free(t->attrs);
        cr__ystrs_free(t->nulls, t->n_nulls);
    }
    free(cat->departments);
    free(cat->topics);
    cr__ystrs_free(cat->divisions, cat->n_divisions);
    free(cat->division_at);
    free(cat->path);
    free(cat->dir);
    free(cat->id);
    free(cat);
}
