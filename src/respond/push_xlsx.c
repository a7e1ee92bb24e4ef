/* The monthly push as XLSX (libxlsxwriter): one sheet per detector, Chinese headers, a frozen
 * header row, every text a string cell (docs/push.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "base/buf.h"
#include "push_internal.h"

/* Excel's last row (1,048,576 rows, the header included). */
enum { XLSX_MAX_ROWS = 1048576, SHEET_NAME_MAX = 31 };
/* A cut value's bytes: at most 3 per UTF-16 unit kept (a BMP character is 1 unit in up to 3
 * bytes; one outside it 2 units in 4), the note and its NUL. */
#define CUT_BYTES (3 * (size_t)CR_PUSH_CELL_MAX + sizeof CR_PUSH_CUT_NOTE)

struct sheet {
    lxw_worksheet *ws;
    const char *detector;
    lxw_row_t next; /* the next row to write (0 is the header) */
};

struct xlsx {
    lxw_workbook *wb;
    lxw_format *head, *date, *text;
    struct sheet *sheet;
    size_t n_sheets, cap_sheets;
    char *cut;      /* CUT_BYTES for a value cut to Excel's limit */
    struct buf esc; /* a value with its literal "_xHHHH_" escaped */
    size_t n_cut;
};

/* name made a sheet name Excel accepts: none of []:*?/\, no apostrophe at either end, at most
 * 31 characters (UTF-8 code points). out holds 31 * 4 + 1 bytes. */
static void sheet_name(const char *name, char *out, size_t cap)
{
    size_t o = 0, chars = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && chars < SHEET_NAME_MAX;) {
        size_t len = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 1;
        for (size_t k = 1; k < len; k++)
            if ((p[k] & 0xC0) != 0x80)
                len = 1; /* not UTF-8: the byte alone, replaced below */
        if (o + len + 1 > cap)
            break;
        if (len == 1 && (strchr("[]:*?/\\", *p) || *p < 0x20 || *p >= 0x80))
            out[o++] = '_';
        else
            memcpy(out + o, p, len), o += len;
        p += len, chars++;
    }
    out[o] = 0;
    while (o && out[o - 1] == '\'')
        out[--o] = 0;
    size_t lead = strspn(out, "'");
    memmove(out, out + lead, o - lead + 1);
    if (!*out)
        snprintf(out, cap, "%s", "未知预警");
}

static cr_err add_sheet(struct xlsx *x, const char *detector, const char *label, cr_diag *d)
{
    if (x->n_sheets == x->cap_sheets) {
        size_t cap = x->cap_sheets ? x->cap_sheets * 2 : 16;
        struct sheet *ns = realloc(x->sheet, cap * sizeof *ns);
        if (!ns)
            return CR_ENOMEM;
        x->sheet = ns, x->cap_sheets = cap;
    }
    char name[SHEET_NAME_MAX * 4 + 1], alt[sizeof name + 16];
    sheet_name(label, name, sizeof name);
    /* Two ids that become one name (cut, or differing only in forbidden characters or case)
     * get a number; Excel compares sheet names without case. */
    snprintf(alt, sizeof alt, "%s", name);
    for (int k = 2; workbook_validate_sheet_name(x->wb, alt) != LXW_NO_ERROR && k < 1000; k++) {
        char num[16];
        int nl = snprintf(num, sizeof num, "~%d", k);
        char base[sizeof name];
        snprintf(base, sizeof base, "%s", name);
        /* Keep the name within 31 characters: drop whole characters from its end. */
        size_t chars = 0;
        for (const unsigned char *p = (const unsigned char *)base; *p; p++)
            chars += (*p & 0xC0) != 0x80;
        while (chars + (size_t)nl > SHEET_NAME_MAX && base[0]) {
            size_t o = strlen(base);
            while (o > 0 && ((unsigned char)base[o - 1] & 0xC0) == 0x80)
                o--;
            base[o > 0 ? o - 1 : 0] = 0;
            chars--;
        }
        snprintf(alt, sizeof alt, "%s%s", base, num);
    }
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, alt);
    if (!ws)
        return cr_diag_set(d, CR_EIO, NULL, 0, 0, "cannot add the sheet '%s'", alt);
    for (int c = 0; c < PUSH_NCOL; c++) {
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, cr__push_cols[c].width,
                             c == PUSH_COL_OPENED ? x->date
                             : c == PUSH_COL_ID   ? NULL
                                                  : x->text);
        worksheet_write_string(ws, 0, (lxw_col_t)c, cr__push_cols[c].header, x->head);
    }
    worksheet_freeze_panes(ws, 1, 0);
    x->sheet[x->n_sheets++] = (struct sheet){ws, detector, 1};
    return CR_OK;
}

static cr_err sheet_for(struct xlsx *x, const char *detector, struct sheet **out, cr_diag *d)
{
    for (size_t i = 0; i < x->n_sheets; i++)
        if (strcmp(x->sheet[i].detector, detector) == 0) {
            *out = &x->sheet[i];
            return CR_OK;
        }
    cr_err rc = add_sheet(x, detector, detector, d);
    if (!rc)
        *out = &x->sheet[x->n_sheets - 1];
    return rc;
}

/* Excel reads "_xHHHH_" in a cell as the character U+HHHH (libxlsxwriter writes control
 * characters so); a literal one is kept by escaping its underscore as "_x005F_". 1 if s holds
 * one. */
static int has_escape_like(const char *s)
{
    for (const char *p = strstr(s, "_x"); p; p = strstr(p + 1, "_x"))
        if (strspn(p + 2, "0123456789abcdefABCDEF") >= 4 && p[6] == '_')
            return 1;
    return 0;
}

/* The length of the UTF-8 character at p (1 for a byte that does not start one) and the UTF-16
 * code units it takes (Excel counts those: a character outside the BMP is 2). */
static size_t utf8_char(const unsigned char *p, size_t *units)
{
    size_t len = *p < 0xC0 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
    for (size_t k = 1; k < len; k++)
        if ((p[k] & 0xC0) != 0x80)
            len = 1; /* not UTF-8: the byte alone (Excel would show one replacement) */
    *units = len == 4 ? 2 : 1;
    return len;
}

static size_t utf16_units(const char *s)
{
    size_t n = 0, u = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; n += u)
        p += utf8_char(p, &u);
    return n;
}

/* s cut to Excel's limit: CR_PUSH_CELL_MAX UTF-16 code units (Excel's "32,767 characters"),
 * at a character boundary, the note at its end; s itself when it fits. */
static const char *cut_to_limit(struct xlsx *x, const char *s)
{
    if (utf16_units(s) <= CR_PUSH_CELL_MAX)
        return s;
    size_t room = CR_PUSH_CELL_MAX - utf16_units(CR_PUSH_CUT_NOTE), used = 0, keep = 0, u;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t len = utf8_char(p, &u);
        if (used + u > room)
            break;
        used += u;
        keep += len;
        p += len;
    }
    memcpy(x->cut, s, keep); /* keep <= 3 bytes per unit: x->cut's size */
    memcpy(x->cut + keep, CR_PUSH_CUT_NOTE, sizeof CR_PUSH_CUT_NOTE);
    x->n_cut++;
    return x->cut;
}

/* s as Excel can hold it: cut to the limit (counted as Excel counts the text it shows), then
 * literal escapes kept (has_escape_like: "_x0041_" written as "_x005F_x0041_", which Excel
 * shows as the 7 characters it was). The result lives until the next call. */
static const char *fit(struct xlsx *x, const char *s)
{
    s = cut_to_limit(x, s);
    if (!has_escape_like(s))
        return s;
    x->esc.len = 0;
    for (const char *p = s; *p; p++) {
        if (p[0] == '_' && p[1] == 'x' && strspn(p + 2, "0123456789abcdefABCDEF") >= 4 &&
            p[6] == '_')
            cr__buf_str(&x->esc, "_x005F_");
        else
            cr__buf_char(&x->esc, *p);
    }
    return x->esc.oom ? NULL : x->esc.p;
}

static cr_err write_row(struct xlsx *x, struct sheet *sh, const struct cr_warning_row *r,
                        const cr_ref *ref, cr_diag *d)
{
    if (sh->next >= XLSX_MAX_ROWS)
        return cr_diag_set(d, CR_ERANGE, NULL, 0, 0,
                           "more than %d rows of detector %s: past Excel's last row (push by "
                           "district, or use the CSV)",
                           XLSX_MAX_ROWS - 1, sh->detector);
    struct push_cells c;
    cr__push_cells(r, ref, &c);
    lxw_row_t row = sh->next++;
    lxw_error e = LXW_NO_ERROR;
    for (int col = 0; col < PUSH_NCOL && !e; col++) {
        if (col == PUSH_COL_ID)
            e = worksheet_write_number(sh->ws, row, (lxw_col_t)col, (double)r->warning, NULL);
        else if (col == PUSH_COL_OPENED) /* Excel's day 25569 is 1970-01-01 */
            e = worksheet_write_number(sh->ws, row, (lxw_col_t)col, r->opened_day + 25569.0,
                                       x->date);
        else if (*c.v[col]) {
            const char *v = fit(x, c.v[col]);
            if (!v)
                return CR_ENOMEM;
            e = worksheet_write_string(sh->ws, row, (lxw_col_t)col, v, NULL);
        }
    }
    if (e)
        return cr_diag_set(d, CR_EIO, NULL, 0, 0, "cannot write warning %lld to the workbook: %s",
                           (long long)r->warning, lxw_strerror(e));
    return CR_OK;
}

cr_err cr_push_write_xlsx(const char *path, const struct cr_warning_row *rows, size_t n,
                          const cr_ref *ref, struct cr_push_stats *st, cr_diag *d)
{
    struct xlsx x = {0};
    cr_err rc = CR_OK;
    /* libxlsxwriter prints its own errors; a file it could not create is caught first. */
    FILE *probe = fopen(path, "ab");
    if (!probe)
        return cr_diag_set(d, CR_EIO, path, 0, 0, "cannot create: %s", strerror(errno));
    fclose(probe);
    x.cut = malloc(CUT_BYTES);
    x.wb = x.cut ? workbook_new(path) : NULL;
    if (!x.wb) {
        free(x.cut);
        return x.cut ? cr_diag_set(d, CR_EIO, NULL, 0, 0, "cannot create the workbook %s", path)
                     : CR_ENOMEM;
    }
    x.head = workbook_add_format(x.wb);
    format_set_bold(x.head);
    format_set_bg_color(x.head, 0xDDEBF7);
    format_set_border(x.head, LXW_BORDER_THIN);
    x.date = workbook_add_format(x.wb);
    format_set_num_format(x.date, "yyyy-mm-dd");
    x.text = workbook_add_format(x.wb);
    format_set_num_format(x.text, "@"); /* typed-in values stay text too */
    for (size_t i = 0; i < cr__push_n_detectors && !rc; i++)
        rc = add_sheet(&x, cr__push_detectors[i].id, cr__push_detectors[i].label, d);
    for (size_t i = 0; i < n && !rc; i++) {
        struct sheet *sh = NULL;
        rc = sheet_for(&x, rows[i].detector, &sh, d);
        if (!rc)
            rc = write_row(&x, sh, &rows[i], ref, d);
    }
    for (size_t i = 0; i < x.n_sheets && !rc; i++)
        if (x.sheet[i].next > 1)
            worksheet_autofilter(x.sheet[i].ws, 0, 0, x.sheet[i].next - 1, PUSH_NCOL - 1);
    lxw_error e = workbook_close(x.wb); /* writes the file; frees the workbook either way */
    if (!rc && e)
        rc = cr_diag_set(d, CR_EIO, NULL, 0, 0, "cannot write the workbook %s: %s", path,
                         lxw_strerror(e));
    if (!rc && st)
        *st = (struct cr_push_stats){n, x.n_cut};
    free(x.sheet);
    free(x.cut);
    free(x.esc.p);
    return rc;
}
