#include "crisk/catalog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

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

typedef struct parse {
    yaml_document_t doc;
    const char *path;
    cr_diag *d;
} parse;

static long line_of(yaml_node_t *n)
{
    return n ? (long)n->start_mark.line + 1 : 0;
}

CR_FORMAT(3, 4)
static cr_err fail(parse *p, yaml_node_t *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cr_diag_set(p->d, CR_EPARSE, p->path, line_of(n), n ? (long)n->start_mark.column + 1 : 0,
                       "%s", msg);
}

static yaml_node_t *node(parse *p, int id)
{
    return yaml_document_get_node(&p->doc, id);
}

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Looks key up in a mapping; NULL when absent. */
static yaml_node_t *get(parse *p, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top;
         q++) {
        const char *k = scalar(node(p, q->key));
        if (k && strcmp(k, key) == 0)
            return node(p, q->value);
    }
    return NULL;
}

/* Rejects keys of map not in allowed (NULL-terminated): a typo must not be silently ignored. */
static cr_err only_keys(parse *p, yaml_node_t *map, const char *const *allowed, const char *what)
{
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top;
         q++) {
        yaml_node_t *kn = node(p, q->key);
        const char *k = scalar(kn);
        int ok = 0;
        for (size_t i = 0; k && allowed[i]; i++)
            ok |= strcmp(k, allowed[i]) == 0;
        if (!ok)
            return fail(p, kn, "unknown key '%s' in %s", k ? k : "?", what);
    }
    return CR_OK;
}

static cr_err dup_str(const char *s, char **out)
{
    *out = strdup(s);
    return *out ? CR_OK : CR_ENOMEM;
}

/* Reads a required (or optional when out_default given) scalar string. */
static cr_err str_field(parse *p, yaml_node_t *map, const char *key, int required, char **out,
                        const char *what)
{
    yaml_node_t *n = get(p, map, key);
    if (!n) {
        if (required)
            return fail(p, map, "%s is missing required key '%s'", what, key);
        *out = NULL;
        return CR_OK;
    }
    const char *s = scalar(n);
    if (!s || !*s)
        return fail(p, n, "key '%s' of %s must be a non-empty string", key, what);
    return dup_str(s, out);
}

static cr_err column(parse *p, yaml_node_t *n, struct cr_column *c, const char *field)
{
    const char *s = scalar(n);
    if (!s || !*s)
        return fail(p, n, "field '%s' needs a column name or a 1-based position", field);
    c->line = line_of(n);
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && end && *end == 0 && v > 0 && v < 10000) {
        c->index = (int)v;
        return CR_OK;
    }
    return dup_str(s, &c->name);
}

static cr_err parse_key(parse *p, yaml_node_t *n, struct cr_topic *t)
{
    if (!n)
        return fail(p, NULL, "topic %s is missing required key 'key'", t->code);
    if (n->type == YAML_SCALAR_NODE)
        return column(p, n, &t->field[CR_F_KEY], "key");
    static const char *const allowed[] = {"column", "type", "namespace", NULL};
    cr_err rc = only_keys(p, n, allowed, "key");
    if (rc)
        return rc;
    yaml_node_t *col = get(p, n, "column");
    if (!col)
        return fail(p, n, "key of topic %s needs 'column'", t->code);
    if ((rc = column(p, col, &t->field[CR_F_KEY], "key")))
        return rc;
    const char *type = scalar(get(p, n, "type"));
    if (!type || strcmp(type, "uscc") == 0) {
        t->key_type = CR_KEY_USCC;
    } else if (strcmp(type, "local") == 0) {
        t->key_type = CR_KEY_LOCAL;
        if ((rc = str_field(p, n, "namespace", 1, &t->key_namespace, "a local key")))
            return rc;
    } else {
        return fail(p, get(p, n, "type"), "key type '%s' is not uscc or local", type);
    }
    return CR_OK;
}

static cr_err parse_fields(parse *p, yaml_node_t *n, struct cr_topic *t)
{
    if (!n)
        return CR_OK;
    if (n->type != YAML_MAPPING_NODE)
        return fail(p, n, "'fields' of topic %s must be a mapping", t->code);
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
        yaml_node_t *kn = node(p, q->key), *vn = node(p, q->value);
        const char *k = scalar(kn);
        int f = -1;
        for (int i = 1; k && i < CR__NFIELD; i++)
            if (strcmp(k, field_names[i]) == 0)
                f = i;
        if (f < 0)
            return fail(p, kn, "unknown field '%s' in topic %s", k ? k : "?", t->code);
        if (!field_allowed(t->role, (cr_field)f))
            return fail(p, kn, "field '%s' is not allowed in a topic of kind %s", k, t->kind);
        cr_err rc;
        if (vn->type == YAML_MAPPING_NODE) {
            static const char *const allowed[] = {"column", "unit", NULL};
            if ((rc = only_keys(p, vn, allowed, k)))
                return rc;
            yaml_node_t *col = get(p, vn, "column");
            if (!col)
                return fail(p, vn, "field '%s' needs 'column'", k);
            if ((rc = column(p, col, &t->field[f], k)))
                return rc;
            const char *unit = scalar(get(p, vn, "unit"));
            if (unit && f != CR_F_AMOUNT && f != CR_F_CAPITAL)
                return fail(p, vn, "field '%s' takes no unit", k);
            if (unit && strcmp(unit, "万元") == 0)
                t->amount_wan = 1;
            else if (unit && strcmp(unit, "元") != 0)
                return fail(p, get(p, vn, "unit"), "unit '%s' is not 元 or 万元", unit);
        } else if ((rc = column(p, vn, &t->field[f], k))) {
            return rc;
        }
    }
    return CR_OK;
}

static cr_err parse_list(parse *p, yaml_node_t *n, const char *what, const char *topic,
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
        return fail(p, n, "'%s' of topic %s must be a list", what, topic);
    size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *items = calloc(k ? k : 1, sizeof **items);
    if (!*items)
        return CR_ENOMEM;
    for (size_t i = 0; i < k; i++)
        (*items)[i] = node(p, n->data.sequence.items.start[i]);
    *n_items = k;
    return CR_OK;
}

static cr_err parse_topic(parse *p, yaml_node_t *n, struct cr_topic *t, const cr_catalog *cat)
{
    static const char *const allowed[] = {"code",   "name",     "department", "kind",   "files",
                                          "format", "encoding", "delimiter",  "header", "key",
                                          "fields", "attrs",    "required",   NULL};
    if (n->type != YAML_MAPPING_NODE)
        return fail(p, n, "a topic must be a mapping");
    t->line = line_of(n);
    t->delimiter = ',';
    t->header = 1;
    cr_err rc = only_keys(p, n, allowed, "topic");
    if (!rc)
        rc = str_field(p, n, "code", 1, &t->code, "topic");
    if (!rc)
        rc = str_field(p, n, "name", 1, &t->name, t->code);
    if (!rc)
        rc = str_field(p, n, "department", 1, &t->department, t->code);
    if (!rc)
        rc = str_field(p, n, "kind", 1, &t->kind, t->code);
    if (rc)
        return rc;
    int known = 0;
    for (size_t i = 0; i < cat->n_departments; i++)
        known |= strcmp(cat->departments[i].code, t->department) == 0;
    if (!known)
        return fail(p, get(p, n, "department"), "topic %s names unknown department '%s'", t->code,
                    t->department);
    t->role = strcmp(t->kind, "registry") == 0 ? CR_TOPIC_REGISTRY
              : strcmp(t->kind, "roles") == 0  ? CR_TOPIC_ROLES
                                               : CR_TOPIC_EVENTS;
    const char *fmt = scalar(get(p, n, "format"));
    if (fmt && strcmp(fmt, "jsonl") == 0)
        t->format = CR_FMT_JSONL;
    else if (fmt && strcmp(fmt, "csv") != 0)
        return fail(p, get(p, n, "format"), "format '%s' is not csv or jsonl", fmt);
    const char *enc = scalar(get(p, n, "encoding"));
    if (enc && (strcmp(enc, "gb18030") == 0 || strcmp(enc, "GB18030") == 0 ||
                strcmp(enc, "gbk") == 0 || strcmp(enc, "GBK") == 0))
        t->gb18030 = 1;
    else if (enc && strcmp(enc, "utf-8") != 0 && strcmp(enc, "UTF-8") != 0)
        return fail(p, get(p, n, "encoding"), "encoding '%s' is not utf-8 or gb18030", enc);
    const char *delim = scalar(get(p, n, "delimiter"));
    if (delim) {
        if (strcmp(delim, "\\t") == 0 || strcmp(delim, "\t") == 0)
            t->delimiter = '\t';
        else if (strlen(delim) == 1 && delim[0] != '"' && delim[0] != '\n')
            t->delimiter = delim[0];
        else
            return fail(p, get(p, n, "delimiter"), "delimiter '%s' must be one character", delim);
    }
    const char *hdr = scalar(get(p, n, "header"));
    if (hdr && strcmp(hdr, "false") == 0)
        t->header = 0;
    else if (hdr && strcmp(hdr, "true") != 0)
        return fail(p, get(p, n, "header"), "header must be true or false, not '%s'", hdr);
    if ((rc = parse_key(p, get(p, n, "key"), t)))
        return rc;
    if ((rc = parse_fields(p, get(p, n, "fields"), t)))
        return rc;
    return CR_OK;
}

/* Files, attrs and required lists, and the checks that need the whole topic. */
static cr_err parse_topic_lists(parse *p, yaml_node_t *n, struct cr_topic *t)
{
    yaml_node_t **items = NULL;
    size_t k = 0;
    cr_err rc = parse_list(p, get(p, n, "files"), "files", t->code, &items, &k);
    if (!rc && k == 0)
        rc = fail(p, n, "topic %s names no files", t->code);
    if (!rc && !(t->files = calloc(k, sizeof *t->files)))
        rc = CR_ENOMEM;
    for (size_t i = 0; !rc && i < k; i++) {
        const char *s = scalar(items[i]);
        rc = s && *s ? dup_str(s, &t->files[t->n_files++])
                     : fail(p, items[i], "a file of topic %s must be a path", t->code);
    }
    free(items);
    items = NULL;
    if (!rc)
        rc = parse_list(p, get(p, n, "attrs"), "attrs", t->code, &items, &k);
    if (!rc && k && !(t->attrs = calloc(k, sizeof *t->attrs)))
        rc = CR_ENOMEM;
    for (size_t i = 0; !rc && i < k; i++)
        rc = column(p, items[i], &t->attrs[t->n_attrs++], "attrs");
    free(items);
    items = NULL;
    if (!rc)
        rc = parse_list(p, get(p, n, "required"), "required", t->code, &items, &k);
    for (size_t i = 0; !rc && i < k; i++) {
        const char *s = scalar(items[i]);
        int f = -1;
        for (int j = 0; s && j < CR__NFIELD; j++)
            if (strcmp(s, field_names[j]) == 0)
                f = j;
        if (f < 0 || !cr_topic_has(t, (cr_field)f))
            rc = fail(p, items[i], "required field '%s' is not mapped in topic %s", s ? s : "?",
                      t->code);
        else
            t->required[f] = 1;
    }
    free(items);
    if (rc)
        return rc;
    t->required[CR_F_KEY] = 1;
    if (t->role == CR_TOPIC_EVENTS && !cr_topic_has(t, CR_F_DATE))
        return fail(p, n, "event topic %s must map field 'date'", t->code);
    if (t->role == CR_TOPIC_EVENTS)
        t->required[CR_F_DATE] = 1;
    if (t->role == CR_TOPIC_REGISTRY && !cr_topic_has(t, CR_F_NAME))
        return fail(p, n, "registry topic %s must map field 'name'", t->code);
    if (t->role == CR_TOPIC_ROLES &&
        (!cr_topic_has(t, CR_F_PERSON_ID) || !cr_topic_has(t, CR_F_ROLE)))
        return fail(p, n, "roles topic %s must map 'person_id' and 'role'", t->code);
    if (t->role == CR_TOPIC_ROLES)
        t->required[CR_F_PERSON_ID] = t->required[CR_F_ROLE] = 1;
    for (int f = 0; f < CR__NFIELD; f++)
        if (!t->header && t->field[f].name)
            return fail(p, n, "topic %s has no header, so field '%s' needs a column position",
                        t->code, field_names[f]);
    return CR_OK;
}

static cr_err parse_root(parse *p, cr_catalog *cat)
{
    yaml_node_t *root = yaml_document_get_root_node(&p->doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        return fail(p, root,
                    "a catalog must be a mapping with 'catalog', 'departments' and 'topics'");
    static const char *const allowed[] = {"catalog", "description", "departments", "topics", NULL};
    cr_err rc = only_keys(p, root, allowed, "the catalog");
    if (!rc)
        rc = str_field(p, root, "catalog", 1, &cat->id, "the catalog");
    if (rc)
        return rc;
    yaml_node_t *deps = get(p, root, "departments"), *tops = get(p, root, "topics");
    if (!deps || deps->type != YAML_SEQUENCE_NODE)
        return fail(p, deps ? deps : root, "'departments' must be a list");
    if (!tops || tops->type != YAML_SEQUENCE_NODE)
        return fail(p, tops ? tops : root, "'topics' must be a list");
    size_t nd = (size_t)(deps->data.sequence.items.top - deps->data.sequence.items.start);
    size_t nt = (size_t)(tops->data.sequence.items.top - tops->data.sequence.items.start);
    cat->departments = calloc(nd ? nd : 1, sizeof *cat->departments);
    cat->topics = calloc(nt ? nt : 1, sizeof *cat->topics);
    if (!cat->departments || !cat->topics)
        return CR_ENOMEM;
    static const char *const dep_keys[] = {"code", "name", NULL};
    for (size_t i = 0; i < nd; i++) {
        yaml_node_t *dn = node(p, deps->data.sequence.items.start[i]);
        struct cr_department *dep = &cat->departments[cat->n_departments++];
        if (dn->type != YAML_MAPPING_NODE)
            return fail(p, dn, "a department must be a mapping with code and name");
        if ((rc = only_keys(p, dn, dep_keys, "department")) ||
            (rc = str_field(p, dn, "code", 1, &dep->code, "department")) ||
            (rc = str_field(p, dn, "name", 1, &dep->name, dep->code)))
            return rc;
        for (size_t j = 0; j + 1 < cat->n_departments; j++)
            if (strcmp(cat->departments[j].code, dep->code) == 0)
                return fail(p, get(p, dn, "code"), "duplicate department code '%s'", dep->code);
    }
    for (size_t i = 0; i < nt; i++) {
        yaml_node_t *tn = node(p, tops->data.sequence.items.start[i]);
        struct cr_topic *t = &cat->topics[cat->n_topics++];
        if ((rc = parse_topic(p, tn, t, cat)) || (rc = parse_topic_lists(p, tn, t)))
            return rc;
    }
    return CR_OK;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const struct cr_topic *)a)->code, ((const struct cr_topic *)b)->code);
}

static cr_err check_unique_topics(parse *p, cr_catalog *cat)
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
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return cr_diag_set(d, errno == ENOENT ? CR_ENOTFOUND : CR_EIO, path, 0, 0,
                           "cannot open catalog: %s", strerror(errno));
    cr_catalog *cat = calloc(1, sizeof *cat);
    parse p = {.path = path, .d = d};
    yaml_parser_t parser;
    int have_doc = 0;
    cr_err rc = CR_OK;
    if (!cat || !yaml_parser_initialize(&parser)) {
        fclose(fp);
        free(cat);
        return CR_ENOMEM;
    }
    yaml_parser_set_input_file(&parser, fp);
    if (!yaml_parser_load(&parser, &p.doc)) {
        rc = cr_diag_set(d, CR_EPARSE, path, (long)parser.problem_mark.line + 1,
                         (long)parser.problem_mark.column + 1, "YAML: %s",
                         parser.problem ? parser.problem : "syntax error");
        goto out;
    }
    have_doc = 1;
    if ((rc = dup_str(path, &cat->path)) || (rc = dup_str(path, &cat->dir)))
        goto out;
    char *slash = strrchr(cat->dir, '/');
    if (slash)
        slash[slash == cat->dir ? 1 : 0] = 0;
    else
        memcpy(cat->dir, ".", 2); /* strlen(path) >= 1, so "." fits */
    if ((rc = parse_root(&p, cat)) || (rc = check_unique_topics(&p, cat)))
        goto out;
    *out = cat;
    cat = NULL;
out:
    if (have_doc)
        yaml_document_delete(&p.doc);
    yaml_parser_delete(&parser);
    fclose(fp);
    cr_catalog_free(cat);
    return rc;
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
        for (int f = 0; f < CR__NFIELD; f++)
            free(t->field[f].name);
        for (size_t j = 0; j < t->n_attrs; j++)
            free(t->attrs[j].name);
        free(t->attrs);
    }
    free(cat->departments);
    free(cat->topics);
    free(cat->path);
    free(cat->dir);
    free(cat->id);
    free(cat);
}
