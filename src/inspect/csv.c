/* Small CSV files of the inspect stage (check items, lists, result imports). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/inspect.h"
#include "crisk/text.h"
#include "internal.h"

#define MAX_LIST_BYTES CR_PLAN_LIST_MAX_BYTES

/* ---- small CSV files (UTF-8, a header, RFC 4180 quotes within a line) ---- */

cr_err cr__too_long(const char *path, size_t limit, const char *what, cr_diag *d)
{
    char m[sizeof d->msg];
    snprintf(m, sizeof m, "%s", d ? d->msg : "is too long"); /* cr_file_read's, with the size */
    return cr_diag_set(d, CR_EINVAL, path, 0, 0,
                       "%s (%zu MiB) for a %s (docs/inspect.md \"Sizes\")", m, limit >> 20, what);
}

cr_err cr__csv_open(struct cr__csv *c, const char *path, cr_diag *d)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    cr_err rc = cr_file_read(path, MAX_LIST_BYTES, CR_FILE_REGULAR, &c->text, &c->len, d);
    if (rc == CR_ERANGE) /* said with the limit's name */
        return cr__too_long(path, MAX_LIST_BYTES, "list file", d);
    if (rc)
        return rc;
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
