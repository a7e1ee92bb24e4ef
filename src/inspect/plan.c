/* Plan files (docs/inspect.md "Plan file"): YAML read through base/ydoc, with every unknown key
 * rejected and every error at file:line; the check-item, tolerance and conflict lists are small
 * CSV files beside the plan. */
#include "crisk/inspect.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utf8proc.h>

#include "base/ydoc.h"
#include "internal.h"
#include "crisk/text.h"
#include "crisk/uscc.h"

static const int default_bp[4] = {500, 1500, 3000, 5000}; /* Yuexiu 2021, DOMAIN.md §1.4 */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "5%" or "12.5%": basis points, exact to 0.01 %. Only percentages: a bare number is
 * ambiguous (is 1 one per cent or all?), so it is refused. */
static cr_err parse_bp(cr__ydoc *y, yaml_node_t *n, int *out, const char *what)
{
    const char *s = cr__yscalar(n);
    if (!s || !*s)
        return cr__yfail(y, n, "%s must be a percentage such as 5%%", what);
    size_t len = strlen(s);
    char buf[64];
    if (len >= sizeof buf)
        return cr__yfail(y, n, "%s must be a percentage such as 5%%, not '%.40s…'", what, s);
    /* full-width ％ or digits (a Chinese input method's 5％): the ASCII form to write */
    char *norm = strspn(s, "0123456789.%") == len
                     ? NULL
                     : (char *)utf8proc_NFKC((const utf8proc_uint8_t *)s);
    if (norm && strcmp(norm, s) != 0) {
        cr_err rc = cr__yfail(y, n,
                              "%s: '%s' is written with full-width characters: write %s (ASCII "
                              "digits and %%)",
                              what, s, norm);
        free(norm);
        return rc;
    }
    free(norm);
    if (s[len - 1] != '%')
        return cr__yfail(y, n,
                         "%s must be a percentage such as 5%%, not '%s' (a bare number is "
                         "ambiguous: write %s%% or the share times 100 with %%)",
                         what, s, s);
    memcpy(buf, s, len - 1);
    buf[len - 1] = 0;
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    int digits = *buf && strspn(buf, "0123456789.") == strlen(buf);
    if (!digits || *end || errno || !(v >= 0))
        return cr__yfail(y, n, "%s must be a percentage such as 5%%, not '%s'", what, s);
    double bp = v * 100;
    long r = (long)(bp + 0.5);
    if (bp > CR_BP || (bp - (double)r) > 1e-6 || ((double)r - bp) > 1e-6)
        return cr__yfail(y, n, "%s must be from 0%% to 100%% in steps of 0.01%%, not '%s'", what,
                         s);
    *out = (int)r;
    return CR_OK;
}

/* A YAML null written out: `key: null`, `key: ~` or `key:` (plain, not quoted). */
static int is_null(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = (const char *)n->data.scalar.value;
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
           strcmp(s, "NULL") == 0;
}

/* The texts v[0..n) in the form the store keeps values in: NFKC, trimmed of spaces and tabs. */
static cr_err store_form(char **v, size_t n, const char *what, const char *path, cr_diag *d)
{
    for (size_t i = 0; i < n; i++) {
        char *norm = NULL;
        size_t nl = 0;
        cr_err rc = cr_nfkc(v[i], strlen(v[i]), &norm, &nl);
        if (rc == CR_EENCODING)
            return cr_diag_set(d, CR_EPARSE, path, 0, 0, "%s: not UTF-8", what);
        if (rc)
            return rc;
        size_t a = strspn(norm, " \t");
        while (nl > a && (norm[nl - 1] == ' ' || norm[nl - 1] == '\t'))
            norm[--nl] = 0;
        memmove(norm, norm + a, nl - a + 1);
        free(v[i]);
        v[i] = norm;
    }
    return CR_OK;
}

static cr_err parse_int(cr__ydoc *y, yaml_node_t *n, int lo, int hi, int *out, const char *what)
{
    double v;
    cr_err rc = cr__ynum(y, n, &v, what);
    if (rc)
        return rc;
    if (v < lo || v > hi || v != (double)(long)v)
        return cr__yfail(y, n, "%s must be a whole number from %d to %d", what, lo, hi);
    *out = (int)v;
    return CR_OK;
}

static int level_index(const char *k)
{
    return k && k[0] >= 'A' && k[0] <= 'D' && !k[1] ? k[0] - 'A' : -1;
}

/* A list file named in the plan: a relative path inside the plan file's folder (no absolute
 * path, no ".." part), read from that folder (docs/inspect.md "The plan file"). */
static cr_err beside(cr__ydoc *y, yaml_node_t *at, const char *plan_path, const char *name,
                     char **out)
{
    *out = NULL;
    int up = 0;
    for (const char *q = name; *q;) {
        size_t l = strcspn(q, "/");
        up |= l == 2 && q[0] == '.' && q[1] == '.';
        q += l + (q[l] == '/');
    }
    if (name[0] == '/' || up || strchr(name, '\\'))
        return cr__yfail(y, at,
                         "'%s': a list file is named relative to the plan file's folder and "
                         "inside it (no absolute path, no '..', no '\\')",
                         name);
    const char *slash = strrchr(plan_path, '/');
    size_t dl = slash ? (size_t)(slash - plan_path) + 1 : 0;
    char *o = malloc(dl + strlen(name) + 1);
    if (!o)
        return CR_ENOMEM;
    memcpy(o, plan_path, dl);
    memcpy(o + dl, name, strlen(name) + 1);
    *out = o;
    return CR_OK;
}

/* The node of the k-th code of an items list (itself when a single scalar). */
static yaml_node_t *item_node(cr__ydoc *y, yaml_node_t *at, size_t k)
{
    yaml_node_t *n = at && at->type == YAML_SEQUENCE_NODE ? cr__yitem(y, at, k) : NULL;
    return n ? n : at;
}

static cr_err push(char ***v, size_t *n, const char *s)
{
    char **t = realloc(*v, (*n + 1) * sizeof *t);
    if (!t)
        return CR_ENOMEM;
    *v = t;
    if (!(t[*n] = strdup(s)))
        return CR_ENOMEM;
    (*n)++;
    return CR_OK;
}

/* Reads the check items named by codes from the list file. */
static cr_err load_items(struct cr_plan *p, const char *path, char **codes, size_t n_codes,
                         cr__ydoc *y, yaml_node_t *at, cr_diag *d)
{
    static const char *const hdr[] = {"code", "name", "basis", "qualifications"};
    struct cr__csv c;
    cr_err rc = cr__csv_open(&c, path, d);
    if (!rc)
        rc = cr__csv_header(&c, hdr, 4, d);
    struct cr_check_item *all = NULL;
    size_t n_all = 0;
    char *f[8];
    int nf, r;
    while (!rc && (r = cr__csv_next(&c, f, 8, &nf)) != 0) {
        if (r < 0 || nf != 4) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0,
                             r < 0 ? "bad quote" : "%d fields where the header has 4", nf);
            break;
        }
        if (!*f[0] || !*f[1]) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "code and name must not be empty");
            break;
        }
        for (size_t i = 0; i < n_all; i++)
            if (strcmp(all[i].code, f[0]) == 0)
                rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "check item '%s' listed twice",
                                 f[0]);
        if (rc)
            break;
        struct cr_check_item *t = realloc(all, (n_all + 1) * sizeof *t);
        if (!t) {
            rc = CR_ENOMEM;
            break;
        }
        all = t;
        struct cr_check_item *it = &all[n_all++];
        memset(it, 0, sizeof *it);
        it->code = strdup(f[0]);
        it->name = strdup(f[1]);
        it->basis = strdup(f[2]);
        for (char *q = f[3], *e; !rc && *q; q = *e ? e + 1 : e) {
            e = q + strcspn(q, ";");
            char save = *e;
            *e = 0;
            if (*q)
                rc = push(&it->quals, &it->n_quals, q);
            *e = save;
        }
        if (!it->code || !it->name || !it->basis)
            rc = CR_ENOMEM;
    }
    for (size_t k = 0; !rc && k < n_codes; k++) {
        size_t i = 0;
        while (i < n_all && (!all[i].code || strcmp(all[i].code, codes[k]) != 0))
            i++;
        for (size_t j = 0; j < k && !rc; j++)
            if (strcmp(codes[j], codes[k]) == 0)
                rc = cr__yfail(y, item_node(y, at, k), "check item '%s' is named twice", codes[k]);
        if (rc)
            break;
        if (i == n_all) {
            rc = cr__yfail(y, item_node(y, at, k), "check item '%s' is not in %s", codes[k], path);
            break;
        }
        struct cr_check_item *t = realloc(p->items, (p->n_items + 1) * sizeof *t);
        if (!t) {
            rc = CR_ENOMEM;
            break;
        }
        p->items = t;
        p->items[p->n_items++] = all[i];
        memset(&all[i], 0, sizeof all[i]);
        struct cr_check_item *it = &p->items[p->n_items - 1];
        for (size_t q = 0; !rc && q < it->n_quals; q++) {
            int have = 0;
            for (size_t j = 0; j < p->n_quals; j++)
                have |= strcmp(p->quals[j], it->quals[q]) == 0;
            if (!have)
                rc = push(&p->quals, &p->n_quals, it->quals[q]);
        }
    }
    for (size_t i = 0; i < n_all; i++) {
        free(all[i].code);
        free(all[i].name);
        free(all[i].basis);
        cr__ystrs_free(all[i].quals, all[i].n_quals);
    }
    free(all);
    free(c.text);
    if (!rc && p->n_quals > 1)
        qsort(p->quals, p->n_quals, sizeof *p->quals, cmp_str);
    return rc;
}

/* What is wrong with a firm's key in a list (a USCC, or namespace:key for a firm known only by
 * a department's own key), into why; NULL when nothing. */
static const char *key_problem(const char *k, char *why, size_t cap)
{
    const char *colon = strchr(k, ':');
    if (colon)
        return colon == k || !colon[1] ? "a namespace:key needs both parts" : NULL;
    char u[CR_USCC_LEN + 1];
    cr_err rc = cr_uscc_normalize(k, strlen(k), u);
    if (rc == CR_ECHECK) {
        snprintf(why, cap,
                 "'%.40s' has a wrong check character: a USCC with these first 17 characters "
                 "ends in '%c' (GB 32100-2015)",
                 k, cr_uscc_check_char(u));
        return why;
    }
    if (rc) {
        char ex[160];
        cr_uscc_explain(k, strlen(k), ex, sizeof ex);
        snprintf(why, cap, "'%.40s' is not a USCC (%s) nor a namespace:key", k, ex);
        return why;
    }
    if (strcmp(u, k) != 0) {
        snprintf(why, cap, "'%.40s' is written otherwise than the store keeps it: write %s", k, u);
        return why;
    }
    return NULL;
}

/* A row of a list: its key and line, to find a key listed twice. */
struct keyed_line {
    const char *key;
    long line;
};

static int cmp_keyed_line(const void *a, const void *b)
{
    const struct keyed_line *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* CR_EPARSE naming both lines when a key of v[0..n) (read at line[i]) is there twice: the pair
 * whose second line comes first in the file. O(n log n): a list may hold 500,000 rows. */
static cr_err twice_check(char **v, const long *line, size_t n, const char *what, const char *path,
                          cr_diag *d)
{
    if (n < 2)
        return CR_OK;
    struct keyed_line *k = malloc(n * sizeof *k);
    if (!k)
        return CR_ENOMEM;
    for (size_t i = 0; i < n; i++)
        k[i] = (struct keyed_line){v[i], line[i]};
    qsort(k, n, sizeof *k, cmp_keyed_line);
    size_t best = 0; /* 1 + the index of the later row of the pair to report */
    for (size_t i = 1; i < n; i++)
        if (strcmp(k[i].key, k[i - 1].key) == 0 && (!best || k[i].line < k[best - 1].line))
            best = i + 1;
    cr_err rc = CR_OK;
    if (best)
        rc = cr_diag_set(d, CR_EPARSE, path, k[best - 1].line, 0,
                         "%s '%s' is listed twice, at lines %ld and %ld (each once)", what,
                         k[best - 1].key, k[best - 2].line, k[best - 1].line);
    free(k);
    return rc;
}

/* uscc,certified (a date): firms in a tolerance period by a configured list; a certification
 * after the plan's day (day) is refused: the firm was not certified yet, and a firm listed twice
 * is refused with both lines (which certification would count?). */
static cr_err load_tolerance(struct cr_plan *p, const char *path, int32_t day0, cr_diag *d)
{
    static const char *const hdr[] = {"uscc", "certified"};
    long *lines = NULL; /* the line of each row */
    size_t line_cap = 0;
    struct cr__csv c;
    cr_err rc = cr__csv_open(&c, path, d);
    if (!rc)
        rc = cr__csv_header(&c, hdr, 2, d);
    char *f[4];
    int nf, r;
    while (!rc && (r = cr__csv_next(&c, f, 4, &nf)) != 0) {
        int32_t day;
        if (r < 0 || nf != 2 || !*f[0]) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "a line must be uscc,certified");
            break;
        }
        char why[320];
        const char *bad = key_problem(f[0], why, sizeof why);
        if (bad) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "uscc: %s", bad);
            break;
        }
        if (cr_date_parse(f[1], strlen(f[1]), &day) != CR_OK) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "certified: '%s' is not a date", f[1]);
            break;
        }
        if (day > day0) {
            char a[11], b[11];
            cr_day_format(day, a);
            cr_day_format(day0, b);
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0,
                             "certified: %s is after the plan's day %s (a certification to come "
                             "is not one yet)",
                             a, b);
            break;
        }
        int32_t *t = realloc(p->tolerance_since, (p->n_tolerance_list + 1) * sizeof *t);
        if (!t) {
            rc = CR_ENOMEM;
            break;
        }
        p->tolerance_since = t;
        t[p->n_tolerance_list] = day;
        if (p->n_tolerance_list == line_cap) {
            size_t cap = line_cap ? 2 * line_cap : 64;
            long *nl = realloc(lines, cap * sizeof *nl);
            if (!nl) {
                rc = CR_ENOMEM;
                break;
            }
            lines = nl;
            line_cap = cap;
        }
        lines[p->n_tolerance_list] = c.line;
        size_t n = p->n_tolerance_list;
        if ((rc = push(&p->tolerance_list, &n, f[0])))
            break;
        p->n_tolerance_list = n;
    }
    if (!rc)
        rc = twice_check(p->tolerance_list, lines, p->n_tolerance_list, "uscc", path, d);
    free(lines);
    free(c.text);
    return rc;
}

/* 基本编码,事项名称,适用情形: the 免罚清单. */
static cr_err load_no_penalty(struct cr_plan *p, const char *path, cr_diag *d)
{
    static const char *const hdr[] = {"基本编码", "事项名称", "适用情形"};
    struct cr__csv c;
    cr_err rc = cr__csv_open(&c, path, d);
    if (!rc)
        rc = cr__csv_header(&c, hdr, 3, d);
    char *f[4];
    int nf, r;
    while (!rc && (r = cr__csv_next(&c, f, 4, &nf)) != 0) {
        if (r < 0 || nf != 3 || !*f[0] || !*f[1]) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0,
                             "a line must be 基本编码,事项名称,适用情形 with a code and a name");
            break;
        }
        for (size_t i = 0; i < p->n_no_penalty && !rc; i++)
            if (strcmp(p->no_penalty[i], f[0]) == 0)
                rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "基本编码 '%s' listed twice", f[0]);
        if (!rc)
            rc = push(&p->no_penalty, &p->n_no_penalty, f[0]);
    }
    free(c.text);
    return rc;
}

/* staff,with: a declared conflict of an inspector with a firm (USCC) or a person. */
static cr_err load_conflicts(struct cr_plan *p, const char *path, cr_diag *d)
{
    static const char *const hdr[] = {"staff", "with"};
    struct cr__csv c;
    cr_err rc = cr__csv_open(&c, path, d);
    if (!rc)
        rc = cr__csv_header(&c, hdr, 2, d);
    char *f[4];
    int nf, r;
    while (!rc && (r = cr__csv_next(&c, f, 4, &nf)) != 0) {
        if (r < 0 || nf != 2 || !*f[0] || !*f[1]) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "a line must be staff,with");
            break;
        }
        char why[CR_TEXT_WHY_CAP];
        const char *bad = cr_text_problem(f[0], strlen(f[0]), 200, 0, why);
        const char *bad_with = bad ? NULL : cr_text_problem(f[1], strlen(f[1]), 200, 0, why);
        if (bad || bad_with) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "%s: %s", bad ? "staff" : "with",
                             bad ? bad : bad_with);
            break;
        }
        size_t n = p->n_conflicts;
        if ((rc = push(&p->conflict_staff, &n, f[0])))
            break;
        n = p->n_conflicts;
        if ((rc = push(&p->conflict_with, &n, f[1])))
            break;
        p->n_conflicts = n;
    }
    free(c.text);
    return rc;
}

static cr_err per_level(cr__ydoc *y, yaml_node_t *m, const char *what, int is_mode,
                        struct cr_plan *p)
{
    static const char *const lv[] = {"A", "B", "C", "D", NULL};
    cr_err rc = cr__yonly(y, m, lv, what);
    char missing[16] = "";
    for (int i = 0; !rc && !is_mode && i < 4; i++)
        if (!cr__yget(y, m, lv[i]))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                     *missing ? ", " : "", lv[i]);
    if (!rc && *missing)
        return cr__yfail(y, m,
                         "ratios must give all four levels A, B, C and D (missing %s; the "
                         "defaults are A 5%%, B 15%%, C 30%%, D 50%%)",
                         missing);
    for (int i = 0; !rc && i < 4; i++) {
        yaml_node_t *n = cr__yget(y, m, lv[i]);
        if (!n)
            continue;
        if (!is_mode) {
            rc = parse_bp(y, n, &p->ratio_bp[i], what);
            continue;
        }
        const char *s = cr__yscalar(n);
        if (!s || (strcmp(s, "on-site") != 0 && strcmp(s, "off-site") != 0))
            return cr__yfail(y, n, "mode must be on-site or off-site, not '%s'", s ? s : "?");
        snprintf(p->mode[i], sizeof p->mode[i], "%s", s);
    }
    (void)level_index;
    return rc;
}

static void defaults(struct cr_plan *p)
{
    memset(p, 0, sizeof *p);
    memcpy(p->ratio_bp, default_bp, sizeof default_bp);
    for (int i = 0; i < 4; i++)
        snprintf(p->mode[i], sizeof p->mode[i], "%s", i == 0 ? "off-site" : "on-site");
    memcpy(p->levels, "ABCD", 5);
    p->random_bp = 1000;
    p->inspectors = 2;
    p->workload_cap = 30;
    p->recent_days = 365;
    p->tolerance_years = 2;
    p->trigger_warnings = 1;
    p->complaint_days = 90;
    p->routine = 1;
    p->no_penalty_days = 365;
    p->rules = CR_PLAN_RULES;
}

/* The plan of document y, named path; with files, the list files it names are read beside
 * path (day: the plan's day, which no certification may follow); without, only their names are
 * checked as text and the items keep their codes alone. */
static cr_err plan_parse(cr__ydoc *y, const char *path, int files, int32_t day, struct cr_plan *p,
                         cr_diag *d);

/* The line where a second YAML document begins in text, 0 when there is one document (or the
 * text does not parse: the load says why). */
static long second_document(const char *text, size_t len)
{
    yaml_parser_t ps;
    if (!yaml_parser_initialize(&ps))
        return 0;
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    long line = 0;
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&ps, &ev))
            break;
        yaml_event_type_t t = ev.type;
        if (t == YAML_DOCUMENT_START_EVENT && ++docs == 2)
            line = (long)ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        if (line || t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&ps);
    return line;
}

/* A plan file or a list file whose size is past its limit, from its size before anything is
 * read: the error, naming the size and the limit (docs/inspect.md "Sizes"). */
cr_err cr_plan_load(const char *path, int32_t day, struct cr_plan *p, cr_diag *d)
{
    defaults(p);
    char *text = NULL;
    size_t len = 0;
    cr_err rc = cr_file_read(path, CR_PLAN_MAX_BYTES, CR_FILE_REGULAR, &text, &len, d);
    if (rc == CR_ERANGE)
        return cr__too_long(path, CR_PLAN_MAX_BYTES, "plan file", d);
    if (rc)
        return rc;
    long second = rc ? 0 : second_document(text, len);
    if (second)
        rc = cr_diag_set(d, CR_EPARSE, path, second, 0,
                         "a second YAML document begins here: a plan file is one document (the "
                         "second would be ignored)");
    cr__ydoc y = {0};
    if (!rc)
        rc = cr__ydoc_load_mem(&y, path, text, len, d);
    if (!rc)
        rc = plan_parse(&y, path, 1, day, p, d);
    cr__ydoc_free(&y);
    free(text);
    return rc;
}

cr_err cr_plan_load_text(const char *name, const char *text, size_t len, int rules,
                         struct cr_plan *p, cr_diag *d)
{
    defaults(p);
    if (rules < 1 || rules > CR_PLAN_RULES)
        return cr_diag_set(d, CR_EINVAL, name, 0, 0,
                           "plan rules version %d is not one this crisk knows (1 to %d)", rules,
                           CR_PLAN_RULES);
    p->rules = rules;
    cr__ydoc y;
    cr_err rc = cr__ydoc_load_mem(&y, name, text, len, d);
    if (!rc)
        rc = plan_parse(&y, name, 0, 0, p, d);
    cr__ydoc_free(&y);
    return rc;
}

/* A name or batch as the plan's lists and reports show it: visible text on one line, whole (a
 * NUL inside a quoted YAML scalar, "a\0b", would cut it; ESC or U+202E would be echoed raw). */
static cr_err visible(cr__ydoc *y, yaml_node_t *n, const char *what)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return CR_OK; /* cr__ystr said what is wrong */
    char why[CR_TEXT_WHY_CAP];
    const char *bad = cr_text_problem((const char *)n->data.scalar.value, n->data.scalar.length,
                                      CR_PLAN_NAME_MAX_BYTES, 0, why);
    return bad ? cr__yfail(y, n, "%s: %s (visible text on one line, at most %d bytes)", what, bad,
                           CR_PLAN_NAME_MAX_BYTES)
               : CR_OK;
}

static cr_err plan_parse(cr__ydoc *y, const char *path, int files, int32_t day, struct cr_plan *p,
                         cr_diag *d)
{
    static const char *const keys[] = {
        "name",       "year",     "batch",     "routine",      "scope",      "check_items",
        "items",      "ratios",   "mode",      "random_share", "inspectors", "workload_cap",
        "exemptions", "triggers", "conflicts", "no_penalty",   NULL};
    static const char *const scope_keys[] = {"districts", "streets", "industry", "tags",
                                             "levels",    "types",   NULL};
    static const char *const ex_keys[] = {"recent_days",    "deregistered",    "tolerance_tag",
                                          "tolerance_list", "tolerance_years", NULL};
    static const char *const tr_keys[] = {"open_warnings", "complaint_kinds", "complaint_days",
                                          NULL};
    cr_err rc = CR_OK;
    yaml_node_t *root = cr__yroot(y);
    if (!rc && !root)
        rc = cr_diag_set(d, CR_EPARSE, path, 1, 0, "empty plan file");
    if (!rc)
        rc = cr__yonly(y, root, keys, "a plan");
    if (!rc)
        rc = cr__ystr(y, root, "name", 1, &p->name, "a plan");
    if (!rc && files) /* a recorded plan's text is read as it was recorded */
        rc = visible(y, cr__yget(y, root, "name"), "name");
    if (!rc && !cr__yget(y, root, "year")) /* said as a missing key, as name is */
        rc = cr__yfail(y, root,
                       "a plan is missing required key 'year' (the plan's year, e.g. "
                       "year: 2026)");
    if (!rc)
        rc = parse_int(y, cr__yget(y, root, "year"), 2000, 2100, &p->year, "year");
    if (!rc && cr__yget(y, root, "batch"))
        rc = cr__ystr(y, root, "batch", 0, &p->batch, "a plan");
    if (!rc && files && cr__yget(y, root, "batch"))
        rc = visible(y, cr__yget(y, root, "batch"), "batch");
    yaml_node_t *n;
    if (!rc && (n = cr__yget(y, root, "routine"))) {
        const char *s = cr__yscalar(n);
        if (s && strcmp(s, "true") == 0)
            p->routine = 1;
        else if (s && strcmp(s, "false") == 0)
            p->routine = 0;
        else
            rc = cr__yfail(y, n, "routine must be true or false");
    }
    yaml_node_t *sc = rc ? NULL : cr__yget(y, root, "scope");
    if (sc) {
        if (!(rc = cr__yonly(y, sc, scope_keys, "scope")) &&
            !(rc = cr__ystrs(y, cr__yget(y, sc, "districts"), &p->districts, &p->n_districts,
                             "districts")) &&
            !(rc = cr__ystrs(y, cr__yget(y, sc, "streets"), &p->streets, &p->n_streets,
                             "streets")) &&
            !(rc = cr__ystrs(y, cr__yget(y, sc, "industry"), &p->industry, &p->n_industry,
                             "industry")) &&
            !(rc = cr__ystrs(y, cr__yget(y, sc, "tags"), &p->tags, &p->n_tags, "tags")))
            rc = cr__ystrs(y, cr__yget(y, sc, "types"), &p->types, &p->n_types, "types");
        yaml_node_t *lv = cr__yget(y, sc, "levels");
        const char *s = cr__yscalar(lv);
        if (!rc && lv) {
            if (!s || !*s || strlen(s) > 4 || strspn(s, "ABCD") != strlen(s))
                rc = cr__yfail(y, lv, "levels must be letters A-D, such as CD");
            else
                snprintf(p->levels, sizeof p->levels, "%s", s);
        }
    }
    char **codes = NULL;
    size_t n_codes = 0;
    if (!rc)
        rc = cr__ystrs(y, cr__yget(y, root, "items"), &codes, &n_codes, "items");
    if (!rc) {
        char *list = NULL;
        rc = cr__ystr(y, root, "check_items", n_codes > 0, &list, "a plan");
        if (!rc && !files && n_codes) { /* the codes alone: the list file is not at hand */
            p->items = calloc(n_codes, sizeof *p->items);
            if (!p->items)
                rc = CR_ENOMEM;
            for (size_t i = 0; !rc && i < n_codes; i++) {
                struct cr_check_item *it = &p->items[p->n_items++];
                if (!(it->code = strdup(codes[i])) || !(it->name = strdup("")) ||
                    !(it->basis = strdup("")))
                    rc = CR_ENOMEM;
            }
        } else if (!rc && list) {
            char *full = NULL;
            rc = beside(y, cr__yget(y, root, "check_items"), path, list, &full);
            if (!rc)
                rc = load_items(p, full, codes, n_codes, y, cr__yget(y, root, "items"), d);
            free(full);
        }
        free(list);
    }
    cr__ystrs_free(codes, n_codes);
    if (!rc && (n = cr__yget(y, root, "ratios")))
        rc = per_level(y, n, "ratios", 0, p);
    if (!rc && (n = cr__yget(y, root, "mode")))
        rc = per_level(y, n, "mode", 1, p);
    if (!rc && (n = cr__yget(y, root, "random_share")))
        rc = parse_bp(y, n, &p->random_bp, "random_share");
    if (!rc && (n = cr__yget(y, root, "inspectors")))
        rc = parse_int(y, n, 2, 20, &p->inspectors, "inspectors (per inspection, at least 2)");
    if (!rc && (n = cr__yget(y, root, "workload_cap")))
        rc = parse_int(y, n, 1, 1000000, &p->workload_cap, "workload_cap");
    yaml_node_t *ex = rc ? NULL : cr__yget(y, root, "exemptions");
    int tag_off = 0; /* tolerance_tag: null (rules 2) */
    if (ex && !(rc = cr__yonly(y, ex, ex_keys, "exemptions"))) {
        if ((n = cr__yget(y, ex, "recent_days")))
            rc = parse_int(y, n, 0, 36500, &p->recent_days, "recent_days");
        if (!rc)
            rc = p->rules >= 2 && is_null(cr__yget(y, ex, "deregistered"))
                     ? CR_OK
                     : cr__ystrs(y, cr__yget(y, ex, "deregistered"), &p->dereg_status,
                                 &p->n_dereg_status, "deregistered");
        if (!rc && p->rules >= 2 && is_null(cr__yget(y, ex, "tolerance_tag")))
            tag_off = 1;
        else if (!rc)
            rc = cr__ystr(y, ex, "tolerance_tag", 0, &p->tolerance_tag, "exemptions");
        if (!rc && (n = cr__yget(y, ex, "tolerance_years")))
            rc = parse_int(y, n, 0, 100, &p->tolerance_years, "tolerance_years");
        char *list = NULL;
        if (!rc)
            rc = cr__ystr(y, ex, "tolerance_list", 0, &list, "exemptions");
        if (!rc && list && files) {
            char *full = NULL;
            rc = beside(y, cr__yget(y, ex, "tolerance_list"), path, list, &full);
            if (!rc)
                rc = load_tolerance(p, full, day, d);
            free(full);
        }
        free(list);
    }
    /* rules 1: the tag's default only when the whole block is left out; 2: whenever the key
     * is (CR_PLAN_RULES) */
    if (!rc && (p->rules >= 2 ? !p->tolerance_tag && !tag_off : !ex))
        rc = (p->tolerance_tag = strdup("high_tech")) ? CR_OK : CR_ENOMEM;
    /* rules 1: the default list also for an empty one; 2: only when the key is left out
     * ([] or null: no status exempts) */
    if (!rc && (p->rules >= 2 ? !cr__yget(y, ex, "deregistered") : !p->n_dereg_status)) {
        /* whole registry status values (docs/inspect.md) */
        static const char *const dflt[] = {"注销", "吊销", "吊销，未注销", "吊销，已注销", "撤销"};
        for (int i = 0; !rc && i < 5; i++)
            rc = push(&p->dereg_status, &p->n_dereg_status, dflt[i]);
    }
    /* compared with the store's values as it keeps them: NFKC, trimmed ("吊销，未注销" is kept
     * as "吊销,未注销"); scope.types too from rules 2 ("有限责任公司（法人独资）" matched
     * nothing under rules 1) */
    if (!rc)
        rc = store_form(p->dereg_status, p->n_dereg_status, "exemptions.deregistered", path, d);
    if (!rc && p->rules >= 2)
        rc = store_form(p->types, p->n_types, "scope.types", path, d);
    yaml_node_t *tr = rc ? NULL : cr__yget(y, root, "triggers");
    if (tr && !(rc = cr__yonly(y, tr, tr_keys, "triggers"))) {
        if ((n = cr__yget(y, tr, "open_warnings"))) {
            const char *s = cr__yscalar(n);
            if (s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
                p->trigger_warnings = strcmp(s, "true") == 0;
            else
                rc = cr__yfail(y, n, "open_warnings must be true or false");
        }
        if (!rc)
            rc = p->rules >= 2 && is_null(cr__yget(y, tr, "complaint_kinds"))
                     ? CR_OK
                     : cr__ystrs(y, cr__yget(y, tr, "complaint_kinds"), &p->complaint_kinds,
                                 &p->n_complaint_kinds, "complaint_kinds");
        if (!rc && (n = cr__yget(y, tr, "complaint_days")))
            rc = parse_int(y, n, 0, 36500, &p->complaint_days, "complaint_days");
    }
    if (!rc && (p->rules >= 2 ? !cr__yget(y, tr, "complaint_kinds") : !tr))
        rc = push(&p->complaint_kinds, &p->n_complaint_kinds, "complaint");
    yaml_node_t *np = rc ? NULL : cr__yget(y, root, "no_penalty");
    if (np) {
        static const char *const np_keys[] = {"list", "window_days", NULL};
        char *list = NULL;
        if (!(rc = cr__yonly(y, np, np_keys, "no_penalty")) &&
            !(rc = cr__ystr(y, np, "list", 1, &list, "no_penalty")) && files) {
            char *full = NULL;
            rc = beside(y, cr__yget(y, np, "list"), path, list, &full);
            if (!rc)
                rc = load_no_penalty(p, full, d);
            free(full);
        }
        free(list);
        if (!rc && (n = cr__yget(y, np, "window_days")))
            rc = parse_int(y, n, 0, 36500, &p->no_penalty_days, "window_days");
    }
    if (!rc) {
        char *list = NULL;
        rc = cr__ystr(y, root, "conflicts", 0, &list, "a plan");
        if (!rc && list && files) {
            char *full = NULL;
            rc = beside(y, cr__yget(y, root, "conflicts"), path, list, &full);
            if (!rc)
                rc = load_conflicts(p, full, d);
            free(full);
        }
        free(list);
    }
    return rc;
}

void cr_plan_free(struct cr_plan *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->batch);
    cr__ystrs_free(p->districts, p->n_districts);
    cr__ystrs_free(p->streets, p->n_streets);
    cr__ystrs_free(p->industry, p->n_industry);
    cr__ystrs_free(p->tags, p->n_tags);
    cr__ystrs_free(p->types, p->n_types);
    for (size_t i = 0; i < p->n_items; i++) {
        free(p->items[i].code);
        free(p->items[i].name);
        free(p->items[i].basis);
        cr__ystrs_free(p->items[i].quals, p->items[i].n_quals);
    }
    free(p->items);
    cr__ystrs_free(p->quals, p->n_quals);
    cr__ystrs_free(p->dereg_status, p->n_dereg_status);
    free(p->tolerance_tag);
    cr__ystrs_free(p->tolerance_list, p->n_tolerance_list);
    free(p->tolerance_since);
    cr__ystrs_free(p->complaint_kinds, p->n_complaint_kinds);
    cr__ystrs_free(p->no_penalty, p->n_no_penalty);
    cr__ystrs_free(p->conflict_staff, p->n_conflicts);
    cr__ystrs_free(p->conflict_with, p->n_conflicts);
    memset(p, 0, sizeof *p);
}

static json_t *strs(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

json_t *cr_plan_to_json(const struct cr_plan *p)
{
    json_t *j = json_object(), *ratios = json_object(), *mode = json_object();
    for (int i = 0; i < 4; i++) {
        char k[2] = {(char)('A' + i), 0};
        json_object_set_new(ratios, k, json_integer(p->ratio_bp[i]));
        json_object_set_new(mode, k, json_string(p->mode[i]));
    }
    json_t *items = json_array(), *conf = json_array();
    for (size_t i = 0; i < p->n_items; i++)
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:o}", "code", p->items[i].code,
                                               "name", p->items[i].name, "basis", p->items[i].basis,
                                               "qualifications",
                                               strs(p->items[i].quals, p->items[i].n_quals)));
    for (size_t i = 0; i < p->n_conflicts; i++)
        json_array_append_new(conf, json_pack("[s,s]", p->conflict_staff[i], p->conflict_with[i]));
    json_object_set_new(j, "rules", json_integer(p->rules));
    json_object_set_new(j, "name", json_string(p->name));
    json_object_set_new(j, "year", json_integer(p->year));
    json_object_set_new(j, "batch", p->batch ? json_string(p->batch) : json_null());
    json_object_set_new(j, "routine", json_boolean(p->routine));
    json_object_set_new(j, "levels", json_string(p->levels));
    json_object_set_new(j, "ratios_bp", ratios);
    json_object_set_new(j, "mode", mode);
    json_object_set_new(j, "random_bp", json_integer(p->random_bp));
    json_object_set_new(j, "inspectors", json_integer(p->inspectors));
    json_object_set_new(j, "workload_cap", json_integer(p->workload_cap));
    json_object_set_new(j, "items", items);
    json_object_set_new(j, "qualifications", strs(p->quals, p->n_quals));
    json_object_set_new(j, "conflicts", conf);
    json_object_set_new(j, "deregistered", strs(p->dereg_status, p->n_dereg_status));
    json_object_set_new(j, "recent_days", json_integer(p->recent_days));
    json_object_set_new(j, "tolerance_years", json_integer(p->tolerance_years));
    json_object_set_new(j, "no_penalty", strs(p->no_penalty, p->n_no_penalty));
    json_object_set_new(j, "no_penalty_days", json_integer(p->no_penalty_days));
    /* what froze the list (recorded since format 2 of the draw's records; not read back by a
     * draw, compared with the text by draw verify) */
    json_object_set_new(j, "tolerance_tag",
                        p->tolerance_tag ? json_string(p->tolerance_tag) : json_null());
    json_object_set_new(j, "complaint_kinds", strs(p->complaint_kinds, p->n_complaint_kinds));
    json_object_set_new(j, "complaint_days", json_integer(p->complaint_days));
    json_object_set_new(j, "open_warnings", json_boolean(p->trigger_warnings));
    json_object_set_new(j, "scope",
                        json_pack("{s:o,s:o,s:o,s:o,s:o}", "districts",
                                  strs(p->districts, p->n_districts), "streets",
                                  strs(p->streets, p->n_streets), "industry",
                                  strs(p->industry, p->n_industry), "tags",
                                  strs(p->tags, p->n_tags), "types", strs(p->types, p->n_types)));
    return j;
}

int cr_plan_rules_of(const json_t *settings)
{
    json_t *r = json_object_get(settings, "rules");
    if (!r)
        return 1;
    json_int_t v = json_is_integer(r) ? json_integer_value(r) : 0;
    return v >= 1 && v <= INT_MAX ? (int)v : 0;
}

cr_err cr_plan_from_json(const json_t *j, struct cr_plan *p, cr_diag *d)
{
    defaults(p);
    json_t *ratios = json_object_get(j, "ratios_bp"), *mode = json_object_get(j, "mode");
    for (int i = 0; i < 4; i++) {
        char k[2] = {(char)('A' + i), 0};
        json_t *r = json_object_get(ratios, k), *m = json_object_get(mode, k);
        if (!json_is_integer(r) || !json_is_string(m))
            return cr_diag_set(d, CR_EPARSE, NULL, 0, 0, "the stored plan lacks level %s", k);
        p->ratio_bp[i] = (int)json_integer_value(r);
        snprintf(p->mode[i], sizeof p->mode[i], "%s", json_string_value(m));
    }
    /* a plan recorded before the rules were versioned was read by rules 1 */
    p->rules = cr_plan_rules_of(j);
    if (p->rules < 1 || p->rules > CR_PLAN_RULES)
        return cr_diag_set(d, CR_EPARSE, NULL, 0, 0,
                           "the stored plan was read by plan rules %s, which this crisk does not "
                           "know (1 to %d): use the crisk that recorded it",
                           p->rules ? "of a later version" : "of no valid version", CR_PLAN_RULES);
    const char *name = json_string_value(json_object_get(j, "name"));
    p->name = strdup(name ? name : "");
    p->year = (int)json_integer_value(json_object_get(j, "year"));
    p->routine = json_is_true(json_object_get(j, "routine"));
    p->random_bp = (int)json_integer_value(json_object_get(j, "random_bp"));
    p->inspectors = (int)json_integer_value(json_object_get(j, "inspectors"));
    p->workload_cap = (int)json_integer_value(json_object_get(j, "workload_cap"));
    p->recent_days = (int)json_integer_value(json_object_get(j, "recent_days"));
    p->tolerance_years = (int)json_integer_value(json_object_get(j, "tolerance_years"));
    size_t i;
    json_t *v;
    cr_err rc = p->name ? CR_OK : CR_ENOMEM;
    json_array_foreach(json_object_get(j, "qualifications"), i, v)
    {
        if (!rc && json_is_string(v))
            rc = push(&p->quals, &p->n_quals, json_string_value(v));
    }
    json_array_foreach(json_object_get(j, "no_penalty"), i, v)
    {
        if (!rc && json_is_string(v))
            rc = push(&p->no_penalty, &p->n_no_penalty, json_string_value(v));
    }
    if (json_is_integer(json_object_get(j, "no_penalty_days")))
        p->no_penalty_days = (int)json_integer_value(json_object_get(j, "no_penalty_days"));
    json_array_foreach(json_object_get(j, "conflicts"), i, v)
    {
        const char *a = json_string_value(json_array_get(v, 0)),
                   *b = json_string_value(json_array_get(v, 1));
        size_t n = p->n_conflicts;
        if (!rc && a && b && !(rc = push(&p->conflict_staff, &n, a))) {
            n = p->n_conflicts;
            if (!(rc = push(&p->conflict_with, &n, b)))
                p->n_conflicts = n;
        }
    }
    if (!rc && (p->inspectors < 1 || p->random_bp < 0 || p->random_bp > CR_BP))
        rc = cr_diag_set(d, CR_EPARSE, NULL, 0, 0, "the stored plan's settings are out of range");
    return rc;
}
