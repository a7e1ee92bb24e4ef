#include "ydoc.h"
#include "crisk/text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct ykey {
    const char *text;
    yaml_node_t *node;
};

static int ykey_cmp(const void *a, const void *b)
{
    const struct ykey *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    if (c)
        return c;
    return (x->node->start_mark.index > y->node->start_mark.index) -
           (x->node->start_mark.index < y->node->start_mark.index);
}

/* Finds, in one mapping, the repeated key that comes first in the file (NULL when none); *first
 * is set to its earlier occurrence. Keys compare as cr__yget compares them. */
static cr_err mapping_duplicate(cr__ydoc *y, yaml_node_t *map, yaml_node_t **dup,
                                yaml_node_t **first)
{
    *dup = NULL;
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    if (n < 2)
        return CR_OK;
    struct ykey *k = malloc(n * sizeof *k);
    if (!k)
        return CR_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *kn = yaml_document_get_node(&y->doc, map->data.mapping.pairs.start[i].key);
        if (cr__yscalar(kn))
            k[m++] = (struct ykey){cr__yscalar(kn), kn};
    }
    /* Sorting, not comparing every pair: a hostile mapping of 100,000 keys stays fast. */
    qsort(k, m, sizeof *k, ykey_cmp);
    for (size_t i = 1; i < m; i++) {
        if (strcmp(k[i - 1].text, k[i].text) != 0)
            continue;
        if (!*dup || k[i].node->start_mark.index < (*dup)->start_mark.index) {
            *dup = k[i].node;
            *first = k[i - 1].node;
        }
    }
    free(k);
    return CR_OK;
}

/* A key given twice is an error: libyaml keeps both and a lookup would silently take one, so a
 * catalog or model that says two things about one key would mean only half of what it says. */
static cr_err reject_duplicate_keys(cr__ydoc *y)
{
    yaml_node_t *dup = NULL, *first = NULL;
    for (yaml_node_t *n = y->doc.nodes.start; n < y->doc.nodes.top; n++) {
        if (n->type != YAML_MAPPING_NODE)
            continue;
        yaml_node_t *d = NULL, *f = NULL;
        cr_err rc = mapping_duplicate(y, n, &d, &f);
        if (rc)
            return rc;
        if (d && (!dup || d->start_mark.index < dup->start_mark.index))
            dup = d, first = f;
    }
    if (!dup)
        return CR_OK;
    return cr__yfail(y, dup, "duplicate key '%s' (first given at line %ld, column %ld)",
                     cr__yscalar(dup), cr__yline(first), (long)first->start_mark.column + 1);
}

/* Refuses a document nested deeper than CR_YAML_MAX_DEPTH from its event stream, which stops at
 * the first collection too deep. libyaml's scanner checks every open flow level on each token
 * (yaml_parser_stale_simple_keys), so building a document nested n deep costs n^2: 20,000 '['
 * took 3 s and 100,000 over 20 s. A syntax error is left to the load that follows. */
static cr_err check_depth(cr__ydoc *y, const void *text, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) /* it fails only for want of memory */
        return cr_diag_set(y->d, CR_ENOMEM, y->path, 0, 0, "out of memory reading it");
    yaml_parser_set_input_string(&p, text, len);
    cr_err rc = CR_OK;
    int depth = 0, done = 0;
    while (!rc && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            if (p.error == YAML_MEMORY_ERROR)
                rc = cr_diag_set(y->d, CR_ENOMEM, y->path, 0, 0, "out of memory reading it");
            break;
        }
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            if (++depth > CR_YAML_MAX_DEPTH)
                rc = cr_diag_set(y->d, CR_EPARSE, y->path, (long)ev.start_mark.line + 1,
                                 (long)ev.start_mark.column + 1,
                                 "YAML nested deeper than %d levels", CR_YAML_MAX_DEPTH);
        } else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        done = ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return rc;
}

/* Loads the document from an initialised parser, which it deletes, then refuses repeated keys. */
static cr_err parse(cr__ydoc *y, yaml_parser_t *parser)
{
    cr_err rc = CR_OK;
    int loaded = yaml_parser_load(parser, &y->doc);
    if (!loaded && parser->error == YAML_MEMORY_ERROR)
        rc = cr_diag_set(y->d, CR_ENOMEM, y->path, 0, 0, "out of memory reading it");
    else if (!loaded)
        rc = cr_diag_set(y->d, CR_EPARSE, y->path, (long)parser->problem_mark.line + 1,
                         (long)parser->problem_mark.column + 1, "YAML: %s",
                         parser->problem ? parser->problem : "syntax error");
    else
        y->loaded = 1;
    yaml_parser_delete(parser);
    if (!rc)
        rc = reject_duplicate_keys(y);
    return rc;
}

cr_err cr__ydoc_load(cr__ydoc *y, const char *path, cr_diag *d)
{
    memset(y, 0, sizeof *y);
    y->path = path;
    y->d = d;
    /* Read whole (the depth check and the load each read it once), bounded, and only from a
     * regular file: a FIFO would hang the reader, a device never end (cr_file_read). */
    char *text = NULL;
    size_t len = 0;
    cr_err rc = cr_file_read(path, CR_YAML_MAX_BYTES, CR_FILE_REGULAR, &text, &len, d);
    if (rc == CR_EINVAL && d && strstr(d->msg, "is a folder"))
        rc = cr_diag_set(d, CR_EINVAL, path, 0, 0, "is a folder, not a YAML file");
    if (!rc)
        rc = cr__ydoc_load_mem(y, path, text, len, d);
    free(text);
    return rc;
}

void cr__ydoc_free(cr__ydoc *y)
{
    if (y->loaded)
        yaml_document_delete(&y->doc);
    y->loaded = 0;
}

yaml_node_t *cr__yroot(cr__ydoc *y)
{
    return yaml_document_get_root_node(&y->doc);
}

long cr__yline(yaml_node_t *n)
{
    return n ? (long)n->start_mark.line + 1 : 0;
}

cr_err cr__yfail(cr__ydoc *y, yaml_node_t *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cr_diag_set(y->d, CR_EPARSE, y->path, cr__yline(n),
                       n ? (long)n->start_mark.column + 1 : 0, "%s", msg);
}

const char *cr__yscalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

yaml_node_t *cr__yget(cr__ydoc *y, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top;
         q++) {
        const char *k = cr__yscalar(yaml_document_get_node(&y->doc, q->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(&y->doc, q->value);
    }
    return NULL;
}

size_t cr__ylen(yaml_node_t *seq)
{
    return seq && seq->type == YAML_SEQUENCE_NODE
               ? (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start)
               : 0;
}

yaml_node_t *cr__yitem(cr__ydoc *y, yaml_node_t *seq, size_t i)
{
    return yaml_document_get_node(&y->doc, seq->data.sequence.items.start[i]);
}

cr_err cr__yonly(cr__ydoc *y, yaml_node_t *map, const char *const *allowed, const char *what)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return cr__yfail(y, map, "%s must be a mapping", what);
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top;
         q++) {
        yaml_node_t *kn = yaml_document_get_node(&y->doc, q->key);
        const char *k = cr__yscalar(kn);
        int ok = 0;
        for (size_t i = 0; k && allowed[i]; i++)
            ok |= strcmp(k, allowed[i]) == 0;
        if (!ok)
            return cr__yfail(y, kn, "unknown key '%s' in %s", k ? k : "?", what);
    }
    return CR_OK;
}

cr_err cr__ystr(cr__ydoc *y, yaml_node_t *map, const char *key, int required, char **out,
                const char *what)
{
    yaml_node_t *n = cr__yget(y, map, key);
    *out = NULL;
    if (!n)
        return required ? cr__yfail(y, map, "%s is missing required key '%s'", what, key) : CR_OK;
    const char *s = cr__yscalar(n);
    if (!s || !*s)
        return cr__yfail(y, n, "key '%s' of %s must be a non-empty string", key, what);
    *out = strdup(s);
    return *out ? CR_OK : CR_ENOMEM;
}

cr_err cr__ynum(cr__ydoc *y, yaml_node_t *n, double *out, const char *what)
{
    const char *s = cr__yscalar(n);
    if (s && (strcmp(s, "inf") == 0 || strcmp(s, ".inf") == 0)) {
        *out = INFINITY;
        return CR_OK;
    }
    if (s && (strcmp(s, "-inf") == 0 || strcmp(s, "-.inf") == 0)) {
        *out = -INFINITY;
        return CR_OK;
    }
    char *end = NULL;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || !isfinite(v))
        return cr__yfail(y, n, "%s must be a number, not '%s'", what, s ? s : "(not a scalar)");
    *out = v;
    return CR_OK;
}

cr_err cr__ystrs(cr__ydoc *y, yaml_node_t *n, char ***out, size_t *n_out, const char *what)
{
    *out = NULL;
    *n_out = 0;
    if (!n)
        return CR_OK;
    size_t k = n->type == YAML_SCALAR_NODE ? 1 : cr__ylen(n);
    if (n->type != YAML_SCALAR_NODE && n->type != YAML_SEQUENCE_NODE)
        return cr__yfail(y, n, "%s must be a string or a list of strings", what);
    char **v = calloc(k ? k : 1, sizeof *v);
    if (!v)
        return CR_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *item = n->type == YAML_SCALAR_NODE ? n : cr__yitem(y, n, i);
        const char *s = cr__yscalar(item);
        if (!s || !*s) {
            cr__ystrs_free(v, i);
            return cr__yfail(y, item, "an item of %s must be a non-empty string", what);
        }
        if (!(v[i] = strdup(s))) {
            cr__ystrs_free(v, i);
            return CR_ENOMEM;
        }
    }
    *out = v;
    *n_out = k;
    return CR_OK;
}

void cr__ystrs_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* A text in another encoding (GB18030 from a Windows editor) is named at its first byte that
 * does not decode: libyaml would say only "invalid leading UTF-8 octet". */
static cr_err check_utf8(const char *name, const char *text, size_t len, cr_diag *d)
{
    size_t ok = cr_utf8_valid_prefix(text, len);
    if (ok == len)
        return CR_OK;
    long line = 1, col = 1;
    for (size_t i = 0; i < ok; i++)
        if (text[i] == '\n')
            line++, col = 1;
        else if (((unsigned char)text[i] & 0xC0) != 0x80)
            col++;
    return cr_diag_set(d, CR_EENCODING, name, line, col,
                       "not UTF-8 text: the byte 0x%02X at offset %zu (line %ld) does not "
                       "decode; a YAML file is UTF-8 (a GB18030 file: iconv -f GB18030 -t UTF-8)",
                       (unsigned)(unsigned char)text[ok], ok, line);
}

cr_err cr__ydoc_load_mem(cr__ydoc *y, const char *name, const void *text, size_t len, cr_diag *d)
{
    memset(y, 0, sizeof *y);
    y->path = name;
    y->d = d;
    cr_err rc = check_utf8(name, text, len, d);
    if (!rc)
        rc = check_depth(y, text, len);
    if (rc)
        return rc;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) /* it fails only for want of memory */
        return cr_diag_set(d, CR_ENOMEM, name, 0, 0, "out of memory reading it");
    yaml_parser_set_input_string(&parser, text, len);
    return parse(y, &parser);
}
