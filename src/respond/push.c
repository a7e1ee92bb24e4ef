/* The monthly push: rows copied from the store, the columns of a warning list, the CSV writer
 * (docs/push.md). XLSX: push_xlsx.c; GeoJSON: push_geo.c. */
#include <stdlib.h>
#include <string.h>

#include "crisk/text.h"
#include "push_internal.h"

const struct push_detector cr__push_detectors[] = {
    {"address_cluster", "一址多照"},      {"person_cluster", "一人多企"},
    {"level_jump", "等级跃升"},           {"zombie", "僵尸企业"},
    {"unreachable", "失联企业"},          {"legal_rep_churn", "频繁变更法定代表人"},
    {"capital_mismatch", "注册资本异常"},
};
const size_t cr__push_n_detectors = sizeof cr__push_detectors / sizeof *cr__push_detectors;

const struct push_col cr__push_cols[PUSH_NCOL] = {
    [PUSH_COL_ID] = {"预警编号", 10},
    [PUSH_COL_TYPE] = {"预警类型", 18},
    [PUSH_COL_USCC] = {"统一社会信用代码", 22},
    [PUSH_COL_NAME] = {"企业名称", 36},
    [PUSH_COL_ADDRESS] = {"地址", 44},
    [PUSH_COL_DISTRICT] = {"区", 10},
    [PUSH_COL_STREET] = {"街道(镇)", 14},
    [PUSH_COL_GRID] = {"网格", 18},
    [PUSH_COL_STATUS] = {"状态", 8},
    [PUSH_COL_OPENED] = {"发现日期", 12},
    [PUSH_COL_SUMMARY] = {"摘要", 60},
    [PUSH_COL_EVIDENCE] = {"证据", 80},
    [PUSH_COL_DISTRICT_CODE] = {"区代码", 10},
    [PUSH_COL_STREET_CODE] = {"街道代码", 12},
    [PUSH_COL_GRID_CODE] = {"网格代码", 15},
};

const char *cr_push_detector_label(const char *detector)
{
    for (size_t i = 0; i < cr__push_n_detectors; i++)
        if (strcmp(cr__push_detectors[i].id, detector) == 0)
            return cr__push_detectors[i].label;
    return NULL;
}

void cr_push_row_place(const struct cr_warning_row *r, const char **district, const char **street,
                       const char **grid)
{
    int own = r->district && *r->district;
    *district = own ? r->district : r->w_district ? r->w_district : "";
    *street = own ? (r->street ? r->street : "") : r->w_street ? r->w_street : "";
    *grid = own ? (r->grid ? r->grid : "") : r->w_grid ? r->w_grid : "";
}

/* A division's published name, or its code when ref does not know it. */
static const char *division_name(const cr_ref *ref, const char *code)
{
    if (!*code || !ref)
        return code;
    const struct cr_division *dv = cr_ref_division_find(ref, code);
    return dv ? dv->name : code;
}

void cr__push_cells(const struct cr_warning_row *r, const cr_ref *ref, struct push_cells *c)
{
    const char *district, *street, *grid;
    cr_push_row_place(r, &district, &street, &grid);
    snprintf(c->id, sizeof c->id, "%lld", (long long)r->warning);
    cr_day_format(r->opened_day, c->day);
    const char *label = cr_push_detector_label(r->detector);
    c->v[PUSH_COL_ID] = c->id;
    c->v[PUSH_COL_TYPE] = label ? label : r->detector;
    c->v[PUSH_COL_USCC] = r->uscc;
    c->v[PUSH_COL_NAME] = r->name;
    c->v[PUSH_COL_ADDRESS] = *r->address ? r->address : r->w_address;
    c->v[PUSH_COL_DISTRICT] = division_name(ref, district);
    c->v[PUSH_COL_STREET] = division_name(ref, street);
    c->v[PUSH_COL_GRID] = division_name(ref, grid);
    /* A warning is open while its finding holds; closed once a run no longer finds it. */
    c->v[PUSH_COL_STATUS] = strcmp(r->status, "open") == 0     ? "有效"
                            : strcmp(r->status, "closed") == 0 ? "已解除"
                                                               : r->status;
    c->v[PUSH_COL_OPENED] = c->day;
    c->v[PUSH_COL_SUMMARY] = r->summary;
    c->v[PUSH_COL_EVIDENCE] = r->evidence;
    c->v[PUSH_COL_DISTRICT_CODE] = district;
    c->v[PUSH_COL_STREET_CODE] = street;
    c->v[PUSH_COL_GRID_CODE] = grid;
}

/* ---- rows copied out of the store ---- */

/* Strings live in blocks that never move, so a row's pointers stay valid as more are added. */
struct block {
    struct block *next;
    size_t len, cap;
    char data[];
};
enum { BLOCK_MIN = 1 << 20 };

static const char *keep(struct cr_push_rows *rows, const char *s)
{
    size_t len = strlen(s) + 1;
    struct block *b = rows->blocks;
    if (!b || b->cap - b->len < len) {
        size_t cap = len > BLOCK_MIN ? len : BLOCK_MIN;
        struct block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->next = b, nb->len = 0, nb->cap = cap;
        rows->blocks = b = nb;
    }
    char *p = b->data + b->len;
    memcpy(p, s, len);
    b->len += len;
    return p;
}

struct collector {
    struct cr_push_rows rows;
    int oom;
};

static int collect(void *ctx, const struct cr_warning_row *r)
{
    struct collector *k = ctx;
    struct cr_push_rows *rows = &k->rows;
    k->oom = 1; /* until the row is kept */
    if (rows->n == rows->cap) {
        size_t cap = rows->cap ? rows->cap * 2 : 256;
        struct cr_warning_row *nr = realloc(rows->row, cap * sizeof *nr);
        if (!nr)
            return 1;
        rows->row = nr, rows->cap = cap;
    }
    struct cr_warning_row c = *r;
    const char **s[] = {&c.detector, &c.status,   &c.summary,   &c.evidence, &c.w_district,
                        &c.w_street, &c.w_grid,   &c.w_address, &c.uscc,     &c.name,
                        &c.address,  &c.district, &c.street,    &c.grid};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++) {
        *s[i] = keep(rows, *s[i] ? *s[i] : "");
        if (!*s[i])
            return 1;
    }
    rows->row[rows->n++] = c;
    k->oom = 0;
    return 0;
}

cr_err cr_push_rows_read(cr_store *s, const struct cr_warning_filter *f, struct cr_push_rows *out)
{
    struct collector k = {{0}, 0};
    cr_err rc = cr_store_warning_rows(s, f, collect, &k);
    if (!rc && k.oom) /* collect stops the read only when memory ran out */
        rc = CR_ENOMEM;
    if (rc) {
        cr_push_rows_free(&k.rows);
        return rc;
    }
    *out = k.rows;
    return CR_OK;
}

void cr_push_rows_free(struct cr_push_rows *rows)
{
    if (!rows)
        return;
    for (struct block *b = rows->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(rows->row);
    memset(rows, 0, sizeof *rows);
}

/* ---- CSV ---- */

/* One field, quoted as the crisk command's cli_csv_field quotes (RFC 4180). */
static int csv_field(FILE *fp, const char *s)
{
    size_t len = strlen(s);
    if (!strpbrk(s, ",\"\r\n"))
        return fwrite(s, 1, len, fp) != len;
    if (fputc('"', fp) == EOF)
        return 1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' && fputc('"', fp) == EOF)
            return 1;
        if (fputc((unsigned char)s[i], fp) == EOF)
            return 1;
    }
    return fputc('"', fp) == EOF;
}

static int csv_line(FILE *fp, const char *const *v)
{
    for (int i = 0; i < PUSH_NCOL; i++)
        if (csv_field(fp, v[i]) || fputc(i + 1 < PUSH_NCOL ? ',' : '\n', fp) == EOF)
            return 1;
    return 0;
}

cr_err cr_push_write_csv(FILE *fp, const struct cr_warning_row *rows, size_t n, const cr_ref *ref,
                         int bom, struct cr_push_stats *st, cr_diag *d)
{
    const char *head[PUSH_NCOL];
    for (int i = 0; i < PUSH_NCOL; i++)
        head[i] = cr__push_cols[i].header;
    int bad = (bom && fputs("\xEF\xBB\xBF", fp) == EOF) || csv_line(fp, head);
    for (size_t i = 0; i < n && !bad; i++) {
        struct push_cells c;
        cr__push_cells(&rows[i], ref, &c);
        bad = csv_line(fp, c.v);
    }
    if (bad || fflush(fp))
        return cr_diag_set(d, CR_EIO, NULL, 0, 0, "cannot write the CSV");
    if (st)
        *st = (struct cr_push_stats){n, 0};
    return CR_OK;
}
