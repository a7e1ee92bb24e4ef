/* Small CSV files of the inspect stage (check items, lists, result imports). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/inspect.h"
#include "crisk/text.h"
#include "internal.h"

#define MAX_LIST_BYTES ((size_t)16 << 20)

/* ---- small CSV files (UTF-8, a header, RFC 4180 quotes within a line) ---- */

cr_err cr__csv_open(struct cr__csv *c, const char *path, cr_diag *d)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return cr_diag_set(d, errno == ENOENT ? CR_ENOTFOUND : CR_EIO, path, 0, 0, "%s",
                           strerror(errno));
    size_t cap = 4096;
    c->text = malloc(cap + 1);
    for (size_t got; c->text && (got = fread(c->text + c->len, 1, cap - c->len, fp)) > 0;) {
        c->len += got;
        if (c->len == cap) {
            if (cap >= MAX_LIST_BYTES) {
                fclose(fp);
                return cr_diag_set(d, CR_EINVAL, path, 0, 0, "longer than %zu bytes",
                                   MAX_LIST_BYTES);
            }
            char *t = realloc(c->text, cap * 2 + 1);
            if (!t)
                break;
            c->text = t;
            cap *= 2;
        }
    }
    int bad = ferror(fp);
    fclose(fp);
    if (!c->text)
        return CR_ENOMEM;
    if (bad)
        return cr_diag_set(d, CR_EIO, path, 0, 0, "read error");
    c->text[c->len] = 0;
    if (memchr(c->text, 0, c->len))
        return cr_diag_set(d, CR_EENCODING, path, 0, 0, "holds a NUL byte: not a UTF-8 CSV file");
    if (cr_utf8_valid_prefix(c->text, c->len) != c->len) /* GB18030 and the like */
        return cr_diag_set(d, CR_EENCODING, path, 0, 0, "is not UTF-8 (save it as UTF-8)");
    if (c->len >= 3 && memcmp(c->text, "\xEF\xBB\xBF", 3) == 0)
        c->pos = 3;
    return CR_OK;
}

/* The next line's fields (at most max), in place; 0 at the end, -1 on a bad quote. */
int cr__csv_next(struct cr__csv *c, char **f, int max, int *nf)
{
    while (c->pos < c->len && (c->text[c->pos] == '\n' || c->text[c->pos] == '\r')) {
        if (c->text[c->pos] == '\n')
            c->line++;
        c->pos++;
    }
    if (c->pos >= c->len)
        return 0;
    c->line++;
    *nf = 0;
    char *p = c->text + c->pos, *w = p;
    for (;;) {
        if (*nf < max)
            f[*nf] = w;
        (*nf)++;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p || *p == '\n')
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else
                    *w++ = *p++;
            }
        } else
            while (*p && *p != ',' && *p != '\n' && *p != '\r')
                *w++ = *p++;
        char sep = *p;
        *w++ = 0;
        if (sep == ',') {
            p++;
            continue;
        }
        if (sep && sep != '\n' && sep != '\r')
            return -1;
        if (sep) /* *p may be the NUL just written over the separator */
            p++;
        if (sep == '\r' && *p == '\n')
            p++;
        c->pos = (size_t)(p - c->text);
        return 1;
    }
}

cr_err cr__csv_header(struct cr__csv *c, const char *const *want, int n, cr_diag *d)
{
    char *f[16];
    int nf = 0;
    int r = cr__csv_next(c, f, 16, &nf);
    if (r <= 0)
        return cr_diag_set(d, CR_EPARSE, c->path, 1, 0, "%s", r ? "bad quote" : "empty file");
    if (nf != n)
        goto bad;
    for (int i = 0; i < n; i++)
        if (strcmp(f[i], want[i]) != 0)
            goto bad;
    return CR_OK;
bad:;
    char exp[256] = "";
    for (int i = 0; i < n; i++)
        snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%s", i ? "," : "", want[i]);
    return cr_diag_set(d, CR_EPARSE, c->path, c->line, 0, "the header must be '%s'", exp);
}

/* ---- a roster file (docs/synthetic-city.md "Roster") ---- */

void cr_inspect_roster_free(struct cr_inspect_roster *r)
{
    if (!r)
        return;
    free(r->text);
    free(r->v);
    memset(r, 0, sizeof *r);
}

struct id_line {
    const char *id;
    long line;
};

static int cmp_id_line(const void *a, const void *b)
{
    const struct id_line *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* The first id (by the line of its second occurrence) given twice: an error naming both lines. */
static cr_err roster_unique(const char *path, struct id_line *v, size_t n, cr_diag *d)
{
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_id_line);
    size_t at = 0;
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i - 1].id, v[i].id) == 0 && (!at || v[i].line < v[at].line))
            at = i;
    if (!at)
        return CR_OK;
    size_t first = at;
    while (first > 0 && strcmp(v[first - 1].id, v[at].id) == 0)
        first--;
    return cr_diag_set(d, CR_EPARSE, path, v[at].line, 0,
                       "id '%s' is given again (first on line %ld): each member of the roster "
                       "once",
                       v[at].id, v[first].line);
}

cr_err cr_inspect_roster_load(const char *path, struct cr_inspect_roster *r, cr_diag *d)
{
    static const char *const hdr[] = {"id", "name", "role", "division", "qualifications"};
    memset(r, 0, sizeof *r);
    struct cr__csv c;
    cr_err rc = cr__csv_open(&c, path, d);
    r->text = c.text; /* the fields point into it */
    if (!rc)
        rc = cr__csv_header(&c, hdr, 5, d);
    size_t cap = 0, n_ids = 0, ids_cap = 0;
    struct id_line *ids = NULL;
    char *f[8];
    int nf, k;
    while (!rc && (k = cr__csv_next(&c, f, 8, &nf)) != 0) {
        if (k < 0 || nf != 5) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0,
                             k < 0 ? "bad quote" : "%d fields where the header has 5", nf);
            break;
        }
        if (!*f[0] || !*f[2]) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "id and role must not be empty");
            break;
        }
        if (n_ids == ids_cap) {
            ids_cap = ids_cap ? ids_cap * 2 : 256;
            struct id_line *t = realloc(ids, ids_cap * sizeof *t);
            if (!t) {
                rc = CR_ENOMEM;
                break;
            }
            ids = t;
        }
        ids[n_ids++] = (struct id_line){f[0], c.line};
        if (strcmp(f[2], "inspector") != 0)
            continue;
        if (r->n == cap) {
            cap = cap ? cap * 2 : 256;
            struct cr_inspector *t = realloc(r->v, cap * sizeof *t);
            if (!t) {
                rc = CR_ENOMEM;
                break;
            }
            r->v = t;
        }
        r->v[r->n++] = (struct cr_inspector){f[0], f[3], f[4]};
    }
    if (!rc)
        rc = roster_unique(path, ids, n_ids, d);
    free(ids);
    return rc;
}
