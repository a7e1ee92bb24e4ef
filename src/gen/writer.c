/* The feed writers: a buffered file per topic in its department's conventions (encoding,
 * delimiter, line ends, BOM, CSV or JSON Lines), value formats, and the dirt rows get. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/text.h"
#include "crisk/uscc.h"

static cr_err w_flush(gen *g, struct writer *w)
{
    if (!w->len)
        return CR_OK;
    const char *p = w->buf;
    size_t n = w->len;
    char *conv = NULL;
    if (w->dp->gb18030) {
        if (cr_utf8_to_gb18030(w->buf, w->len, &conv, &n))
            return cr_diag_set(g->d, CR_EIO, w->path, 0, 0, "cannot encode GB18030");
        p = conv;
    }
    size_t wrote = fwrite(p, 1, n, w->fp);
    free(conv);
    g->rep->bytes += (int64_t)n;
    w->len = 0;
    if (wrote != n)
        return cr_diag_set(g->d, CR_EIO, w->path, 0, 0, "write failed: %s", strerror(errno));
    return CR_OK;
}

static void w_add(struct writer *w, const char *s, size_t n)
{
    if (w->len + n > w->cap)
        return; /* rows are bounded far below cap; see w_row */
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void w_str(struct writer *w, const char *s)
{
    w_add(w, s, strlen(s));
}

cr_err cr__gen_writer_open(gen *g, struct writer *w, const char *rel, const struct dept *dp,
                           const char *const *cols, int ncol)
{
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s/%s", g->o->out_dir, rel);
    w->fp = fopen(w->path, "wb");
    w->cap = 1 << 20;
    w->buf = malloc(w->cap + 8192);
    if (!w->fp || !w->buf)
        return cr_diag_set(g->d, CR_EIO, w->path, 0, 0, "cannot create: %s", strerror(errno));
    w->dp = dp;
    w->ncol = ncol;
    for (int i = 0; i < ncol; i++)
        w->cols[i] = cols[i];
    g->rep->files++;
    if (dp->bom && !dp->gb18030 && !dp->jsonl)
        w_str(w, "\xEF\xBB\xBF");
    if (!dp->jsonl) {
        for (int i = 0; i < ncol; i++) {
            if (i)
                w_add(w, &dp->delim, 1);
            w_str(w, cols[i]);
        }
        w_str(w, dp->crlf ? "\r\n" : "\n");
    }
    return CR_OK;
}

cr_err cr__gen_writer_close(gen *g, struct writer *w)
{
    cr_err rc = w->fp ? w_flush(g, w) : CR_OK;
    if (w->fp && fclose(w->fp) && !rc)
        rc = cr_diag_set(g->d, CR_EIO, w->path, 0, 0, "close failed");
    free(w->buf);
    w->fp = NULL;
    w->buf = NULL;
    return rc;
}

/* Appends value v (vl bytes) as field i of a JSON Lines row to line (n bytes so far, cap in
 * all); returns the new length. */
static size_t json_field(const struct writer *w, int i, const char *v, size_t vl, char *line,
                         size_t n, size_t cap)
{
    n += (size_t)snprintf(line + n, cap - n, "%s\"%s\":\"", i ? "," : "", w->cols[i]);
    for (size_t k = 0; k < vl && n < cap - 8; k++) {
        if (v[k] == '"' || v[k] == '\\')
            line[n++] = '\\';
        line[n++] = v[k];
    }
    line[n++] = '"';
    return n;
}

/* As json_field, for a delimited row: quoted when the value holds the delimiter, a quote or a
 * line end. */
static size_t csv_field(const struct writer *w, int i, const char *v, size_t vl, char *line,
                        size_t n, size_t cap)
{
    char delim = w->dp->delim;
    if (i)
        line[n++] = delim;
    int quote = memchr(v, delim, vl) || memchr(v, '"', vl) || memchr(v, '\n', vl);
    if (quote)
        line[n++] = '"';
    for (size_t k = 0; k < vl && n < cap - 8; k++) {
        if (quote && v[k] == '"')
            line[n++] = '"';
        line[n++] = v[k];
    }
    if (quote)
        line[n++] = '"';
    return n;
}

/* Serialises one row of values (NULL = empty, each cut at 900 bytes) into line; returns its
 * length, without the line end. */
static size_t serialise(const struct writer *w, const char *const *vals, char *line, size_t cap)
{
    size_t n = 0;
    int jsonl = w->dp->jsonl;
    if (jsonl)
        line[n++] = '{';
    for (int i = 0; i < w->ncol; i++) {
        const char *v = vals[i] ? vals[i] : "";
        size_t vl = strlen(v);
        if (vl > 900)
            vl = 900;
        n = (jsonl ? json_field : csv_field)(w, i, v, vl, line, n, cap);
    }
    if (jsonl)
        line[n++] = '}';
    return n;
}

/* Writes one row of values (NULL = empty) and applies row-level dirt. */
static cr_err w_row(gen *g, struct writer *w, const char *const *vals, enum dirt dirt, cr_rng *r)
{
    char line[4096];
    const struct dept *dp = w->dp;
    size_t n = serialise(w, vals, line, sizeof line);
    if (dirt == D_TRUNCATE && n > 8) {
        /* A cut in the second half, on a character boundary, like a lost tail. */
        size_t cut = n / 2 + (size_t)cr_rng_below(r, n / 2);
        while (cut > 0 && ((unsigned char)line[cut] & 0xC0) == 0x80)
            cut--;
        n = cut;
    }
    const char *eol = dp->crlf ? "\r\n" : "\n";
    for (int copy = 0; copy < (dirt == D_DUP ? 2 : 1); copy++) {
        if (w->len + n + 2 > w->cap) {
            cr_err rc = w_flush(g, w);
            if (rc)
                return rc;
        }
        w_add(w, line, n);
        w_str(w, eol);
    }
    if (dirt != D_NONE)
        g->rep->dirty_rows++;
    return CR_OK;
}

/* Writes a row whose value-level dirt is already in vals; row-level dirt (duplicate,
 * truncation) is applied here. Counts the row as dirty either way. */
cr_err cr__gen_writer_row(gen *g, struct writer *w, const char *const *vals, enum dirt dirt,
                          cr_rng *r)
{
    int row_level = dirt == D_DUP || dirt == D_TRUNCATE;
    cr_err rc = w_row(g, w, vals, row_level ? dirt : D_NONE, r);
    if (!rc && dirt != D_NONE && !row_level)
        g->rep->dirty_rows++;
    return rc;
}

/* ---- value formatting ---- */

/* The date forms departments write: year and month/day widths (0: unpadded) and the texts after
 * year, month and day. Form 5 is form 0 with a time of day. */
static const struct date_form {
    int year_w, md_w;
    const char *after[3];
} date_forms[] = {
    {4, 2, {"-", "-", ""}},     {0, 0, {"/", "/", ""}}, {4, 2, {"", "", ""}},
    {0, 0, {"年", "月", "日"}}, {4, 2, {".", ".", ""}}, {4, 2, {"-", "-", ""}},
};

void cr__gen_fmt_date(char *out, size_t cap, int32_t day, int form, cr_rng *r)
{
    int y, m, d;
    cr_civil_from_days(day, &y, &m, &d);
    const struct date_form *f = &date_forms[form >= 0 && form < 6 ? form : 0];
    int n = snprintf(out, cap, "%0*d%s%0*d%s%0*d%s", f->year_w, y, f->after[0], f->md_w, m,
                     f->after[1], f->md_w, d, f->after[2]);
    if (form == 5 && n > 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, " %02d:%02d:%02d", (int)cr_rng_below(r, 10) + 8,
                 (int)cr_rng_below(r, 60), (int)cr_rng_below(r, 60));
}

void cr__gen_fmt_amount(char *out, size_t cap, int64_t fen, int form)
{
    int64_t a = fen < 0 ? -fen : fen;
    const char *sign = fen < 0 ? "-" : "";
    int64_t yuan = a / 100, cents = a % 100;
    switch (form) {
    case 1: { /* thousands separators */
        char digits[32], grouped[48];
        int nd = snprintf(digits, sizeof digits, "%lld", (long long)yuan);
        size_t o = 0;
        for (int i = 0; i < nd; i++) {
            if (i && (nd - i) % 3 == 0)
                grouped[o++] = ',';
            grouped[o++] = digits[i];
        }
        grouped[o] = 0;
        snprintf(out, cap, "%s%s.%02lld", sign, grouped, (long long)cents);
        break;
    }
    case 2:
        snprintf(out, cap, "%s%lld.%02lld元", sign, (long long)yuan, (long long)cents);
        break;
    case 3: /* bare 万元 with six decimals, exact to the fen; the catalog declares the unit */
        snprintf(out, cap, "%s%lld.%06lld", sign, (long long)(a / 1000000),
                 (long long)(a % 1000000));
        break;
    default:
        snprintf(out, cap, "%s%lld.%02lld", sign, (long long)yuan, (long long)cents);
    }
}

/* Maps ASCII digits and letters to full-width forms. */
void cr__gen_fullwidth(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 4 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
            unsigned cp = 0xFF01 + c - 0x21;
            out[o++] = (char)(0xE0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = 0;
}

enum dirt cr__gen_pick_dirt(gen *g, cr_rng *r, const enum dirt *allowed, int n)
{
    if (cr_rng_unit(r) >= g->dirt)
        return D_NONE;
    return allowed[cr_rng_below(r, (uint64_t)n)];
}

/* Applies key-level dirt to a USCC (into out). */
void cr__gen_dirty_key(gen *g, const char *uscc, enum dirt dirt, cr_rng *r, char *out, size_t cap)
{
    switch (dirt) {
    case D_FULLWIDTH:
        cr__gen_fullwidth(uscc, out, cap);
        return;
    case D_BADCHECK: {
        snprintf(out, cap, "%s", uscc);
        out[17] = out[17] == '0' ? '1' : '0';
        return;
    }
    case D_UNKNOWN:
        /* Constant authority, kind and division: cannot fail; an empty key if it ever did. */
        if (cr_uscc_make('9', '1', "440106", 900000000ULL + cr_rng_below(r, 1000000), out))
            out[0] = 0;
        return;
    case D_EMPTY:
        out[0] = 0;
        return;
    case D_SPACES: {
        char low[CR_USCC_LEN + 1];
        for (int i = 0; i <= CR_USCC_LEN; i++)
            low[i] = (char)(uscc[i] >= 'A' && uscc[i] <= 'Z' ? uscc[i] + 32 : uscc[i]);
        snprintf(out, cap, " %s ", low);
        return;
    }
    default:
        snprintf(out, cap, "%s", uscc);
    }
    (void)g;
}

const char *cr__gen_topic_rel(gen *g, const struct topic *t, int year, char *out, size_t cap)
{
    const struct dept *dp = &g->depts[t->dept];
    if (year)
        snprintf(out, cap, "feeds/D%03d/%s_%d.%s", t->dept + 1, t->code, year,
                 dp->jsonl ? "jsonl" : "csv");
    else
        snprintf(out, cap, "feeds/D%03d/%s.%s", t->dept + 1, t->code, dp->jsonl ? "jsonl" : "csv");
    return out;
}
