#include "ydoc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cr_err cr__ydoc_load(cr__ydoc *y, const char *path, cr_diag *d)
{
    memset(y, 0, sizeof *y);
    y->path = path;
    y->d = d;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return cr_diag_set(d, errno == ENOENT ? CR_ENOTFOUND : CR_EIO, path, 0, 0,
                           "cannot open: %s", strerror(errno));
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return CR_ENOMEM;
    }
    yaml_parser_set_input_file(&parser, fp);
    cr_err rc = CR_OK;
    if (!yaml_parser_load(&parser, &y->doc))
        rc = cr_diag_set(d, CR_EPARSE, path, (long)parser.problem_mark.line + 1,
                         (long)parser.problem_mark.column + 1, "YAML: %s",
                         parser.problem ? parser.problem : "syntax error");
    else
        y->loaded = 1;
    yaml_parser_delete(&parser);
    fclose(fp);
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

cr_err cr__ydoc_load_mem(cr__ydoc *y, const char *name, const void *text, size_t len, cr_diag *d)
{
    memset(y, 0, sizeof *y);
    y->path = name;
    y->d = d;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return CR_ENOMEM;
    yaml_parser_set_input_string(&parser, text, len);
    cr_err rc = CR_OK;
    if (!yaml_parser_load(&parser, &y->doc))
        rc = cr_diag_set(d, CR_EPARSE, name, (long)parser.problem_mark.line + 1,
                         (long)parser.problem_mark.column + 1, "YAML: %s",
                         parser.problem ? parser.problem : "syntax error");
    else
        y->loaded = 1;
    yaml_parser_delete(&parser);
    return rc;
}
