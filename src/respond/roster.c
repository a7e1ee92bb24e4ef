/* The roster file: who works where (docs/respond.md "Roster"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/respond.h"
#include "crisk/text.h"

int cr_division_level(const char *code)
{
    size_t n = strlen(code);
    for (size_t i = 0; i < n; i++)
        if (code[i] < '0' || code[i] > '9')
            return -1;
    if (n == 6) /* GB/T 2260: a prefecture-level city ends in 00, a county-level one never */
        return strcmp(code + 4, "00") == 0 ? 0 : 1;
    return n == 9 ? 2 : n == 12 ? 3 : -1;
}

/* The roles and the division level each works at (DESIGN: the brief's roster contract). */
static const struct {
    const char *role;
    int level;
} roles[] = {{"city", 0}, {"district", 1}, {"station", 2}, {"inspector", 2}, {"grid", 3}};

/* Splits one CSV line (RFC 4180 quoting, no embedded line breaks) in place into at most max
 * fields; returns their count, or -1 for a broken quote or too many fields. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return -1;
        if (*p == '"') {
            char *w = p, *r = p + 1;
            f[n++] = w;
            for (;; r++) {
                if (!*r)
                    return -1;
                if (*r == '"') {
                    if (r[1] != '"')
                        break;
                    r++;
                }
                *w++ = *r;
            }
            *w = 0;
            p = r + 1;
            if (*p == 0)
                return n;
            if (*p != ',')
                return -1;
            p++;
        } else {
            f[n++] = p;
            char *c = strchr(p, ',');
            if (!c)
                return n;
            *c = 0;
            p = c + 1;
        }
    }
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const struct cr_staff *)a)->id, ((const struct cr_staff *)b)->id);
}

int cr_division_known(const cr_ref *ref, const char *code)
{
    int level = cr_division_level(code);
    if (level < 0)
        return 0;
    if (level == 0) {
        for (int i = 1; i <= 99; i++) {
            char c[16];
            snprintf(c, sizeof c, "%.4s%02d", code, i);
            if (cr_ref_division_find(ref, c))
                return 1;
        }
        return 0;
    }
    const struct cr_division *dv = cr_ref_division_find(ref, code);
    if (dv)
        return dv->level == level;
    if (level == 1)
        return 0;
    char county[8];
    snprintf(county, sizeof county, "%.6s", code);
    return cr_ref_division_find(ref, county) && !cr_ref_division_covered(ref, code);
}

/* Checks one row's fields (max: the bounds of id, name and qualifications in bytes, NULL none);
 * returns a message (static or in why) or NULL when fine. */
static const char *check_row(char **f, const cr_ref *ref, const struct cr_respond_config *policy,
                             char *why, size_t cap)
{
    const size_t *max = policy ? policy->roster_max_bytes : NULL;
    static const char *const bounded[] = {"id", "name", "qualifications"};
    static const int field[] = {0, 1, 4};
    for (int k = 0; max && k < 3; k++) {
        size_t n = strlen(f[field[k]]);
        if (n > max[k]) {
            snprintf(why, cap,
                     "%s is %zu bytes, over the limit of %zu (roster_max_bytes.%s in the respond "
                     "policy, %s)",
                     bounded[k], n, max[k], bounded[k], cr_respond_policy_name(policy));
            return why;
        }
    }
    const char *id = f[0];
    if (!*id)
        return "id is empty";
    for (const char *p = id; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return "id must be printable ASCII without spaces";
    if (!*f[1])
        return "name is empty";
    int level = -2;
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
        if (strcmp(f[2], roles[i].role) == 0)
            level = roles[i].level;
    if (level == -2) {
        snprintf(why, cap, "role '%.40s' is none of city, district, station, inspector, grid",
                 f[2]);
        return why;
    }
    if (cr_division_level(f[3]) != level) {
        snprintf(why, cap, "division '%.40s' is not a %s code (%s)", f[3], f[2],
                 level == 0   ? "a city, 6 digits ending in 00"
                 : level == 1 ? "a 6-digit district"
                 : level == 2 ? "a 9-digit street"
                              : "a 12-digit community");
        return why;
    }
    if (ref && !cr_division_known(ref, f[3])) {
        snprintf(why, cap, "division '%.40s' is not a known %s code (data/divisions)", f[3],
                 level == 0   ? "city"
                 : level == 1 ? "district"
                 : level == 2 ? "street"
                              : "community (grid)");
        return why;
    }
    if (*f[4] && strcmp(f[2], "inspector") != 0)
        return "only inspectors have qualifications";
    return NULL;
}

struct reader {
    struct cr_roster r;
    size_t cap, text_len, text_cap;
    long *line; /* the file line of each row, for duplicates */
    int bad;
};

static cr_err keep(struct reader *rd, char **f, long ln)
{
    if (rd->r.n == rd->cap) {
        size_t ncap = rd->cap ? rd->cap * 2 : 64;
        struct cr_staff *p = realloc(rd->r.row, ncap * sizeof *p);
        if (!p)
            return CR_ENOMEM;
        rd->r.row = p;
        long *l = realloc(rd->line, ncap * sizeof *l);
        if (!l)
            return CR_ENOMEM;
        rd->line = l;
        rd->cap = ncap;
    }
    rd->line[rd->r.n] = ln;
    /* offsets now, pointers once the text stops moving */
    struct cr_staff *st = &rd->r.row[rd->r.n++];
    const char **slot[5] = {&st->id, &st->name, &st->role, &st->division, &st->qualifications};
    for (int i = 0; i < 5; i++) {
        size_t len = strlen(f[i]) + 1;
        if (rd->text_len + len > rd->text_cap) {
            size_t ncap = (rd->text_cap ? rd->text_cap * 2 : 4096) + len;
            char *t = realloc(rd->r.text, ncap);
            if (!t)
                return CR_ENOMEM;
            rd->r.text = t;
            rd->text_cap = ncap;
        }
        memcpy(rd->r.text + rd->text_len, f[i], len);
        *slot[i] = (const char *)(uintptr_t)rd->text_len;
        rd->text_len += len;
    }
    return CR_OK;
}

static void report(struct reader *rd, void (*on_error)(void *, const cr_diag *), void *ctx,
                   cr_diag *d, const cr_diag *e)
{
    if (!rd->bad++ && d)
        *d = *e;
    if (on_error)
        on_error(ctx, e);
}

/* Rows with one id, by id then line: reported once per id, naming every line. */
struct by_id {
    const struct cr_staff *row;
    long line;
};

/* Ids are compared without ASCII case (ids are printable ASCII): G001 and g001 would be two
 * staff whom people tell apart by case only, so the second is refused as a duplicate. */
static int id_cmp_nocase(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y || !x)
            return x - y;
    }
}

static int cmp_by_id(const void *a, const void *b)
{
    const struct by_id *x = a, *y = b;
    int c = id_cmp_nocase(x->row->id, y->row->id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static cr_err duplicates(struct reader *rd, const char *path,
                         void (*on_error)(void *, const cr_diag *), void *ctx, cr_diag *d)
{
    size_t n = rd->r.n;
    struct by_id *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return CR_ENOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = (struct by_id){&rd->r.row[i], rd->line[i]};
    qsort(v, n, sizeof *v, cmp_by_id);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        int cased = 0; /* some differ from the first only by case */
        while (j < n && id_cmp_nocase(v[j].row->id, v[i].row->id) == 0)
            cased |= strcmp(v[j++].row->id, v[i].row->id) != 0;
        if (j - i > 1) {
            char lines[400];
            size_t k = 0, shown = 0;
            for (size_t m = i; m < j && k < sizeof lines - 120; m++, shown++)
                k += (size_t)snprintf(lines + k, sizeof lines - k,
                                      cased ? "%s%ld ('%.60s')" : "%s%ld",
                                      m == i       ? ""
                                      : m + 1 == j ? " and "
                                                   : ", ",
                                      v[m].line, v[m].row->id);
            if (shown < j - i)
                snprintf(lines + k, sizeof lines - k, " and %zu more", j - i - shown);
            cr_diag e;
            char times[32];
            snprintf(times, sizeof times, j - i == 2 ? "twice" : "%zu times", j - i);
            cr_diag_set(&e, CR_EPARSE, path, v[i + 1].line, 0,
                        "id '%.60s' is listed %s%s, on lines %s", v[i].row->id, times,
                        cased ? " (ids differing only in case are one id)" : "", lines);
            report(rd, on_error, ctx, d, &e);
        }
        i = j;
    }
    free(v);
    return CR_OK;
}

cr_err cr_roster_read(const char *path, const cr_ref *ref, const struct cr_respond_config *policy,
                      struct cr_roster *out, void (*on_error)(void *ctx, const cr_diag *d),
                      void *ctx, cr_diag *d)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return cr_diag_set(d, CR_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct reader rd = {{0}, 0, 0, 0, NULL, 0};
    cr_err rc = CR_OK;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    long ln = 0;
    cr_diag e;
    for (len = getline(&line, &lcap, fp); len > 0; len = getline(&line, &lcap, fp)) {
        ln++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (ln == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            memmove(line, line + 3, (size_t)(len -= 3) + 1);
        size_t nul = strlen(line);
        if ((size_t)len != nul) {
            cr_diag_set(&e, CR_EPARSE, path, ln, (long)nul + 1,
                        "a NUL byte (at byte %zu of the line): a roster is text", nul + 1);
            report(&rd, on_error, ctx, d, &e);
            if (ln == 1)
                break;
            continue;
        }
        if (cr_utf8_valid_prefix(line, (size_t)len) != (size_t)len) {
            cr_diag_set(&e, CR_EPARSE, path, ln, 0, "not UTF-8 text (a GB18030 file? convert it)");
            report(&rd, on_error, ctx, d, &e);
            if (ln == 1)
                break;
            continue;
        }
        if (ln == 1) {
            if (strcmp(line, "id,name,role,division,qualifications") != 0) {
                cr_diag_set(&e, CR_EPARSE, path, 1, 1,
                            "header must be id,name,role,division,qualifications");
                report(&rd, on_error, ctx, d, &e);
                break;
            }
            continue;
        }
        if (len == 0)
            continue;
        char *f[5];
        int nf = split(line, f, 5);
        if (nf != 5) {
            cr_diag_set(&e, CR_EPARSE, path, ln, 0,
                        "want 5 fields (id,name,role,division,"
                        "qualifications)");
            report(&rd, on_error, ctx, d, &e);
            continue;
        }
        char why[200];
        const char *msg = check_row(f, ref, policy, why, sizeof why);
        if (msg) {
            cr_diag_set(&e, CR_EPARSE, path, ln, 0, "%s", msg);
            report(&rd, on_error, ctx, d, &e);
            continue;
        }
        rc = keep(&rd, f, ln);
        if (rc)
            goto out;
    }
    if (ferror(fp)) {
        rc = cr_diag_set(d, CR_EIO, path, 0, 0, "read error");
        goto out;
    }
    if (ln == 0) {
        cr_diag_set(&e, CR_EPARSE, path, 1, 1,
                    "empty file: header id,name,role,division,"
                    "qualifications expected");
        report(&rd, on_error, ctx, d, &e);
    } else if (!rd.bad && !rd.r.n) {
        /* the roster is replaced whole: a file of no staff would remove everyone */
        cr_diag_set(&e, CR_EPARSE, path, ln, 0,
                    "no staff rows: the roster would be emptied (a roster file lists everyone)");
        report(&rd, on_error, ctx, d, &e);
    }
    for (size_t i = 0; i < rd.r.n; i++) {
        struct cr_staff *st = &rd.r.row[i];
        st->id = rd.r.text + (uintptr_t)st->id;
        st->name = rd.r.text + (uintptr_t)st->name;
        st->role = rd.r.text + (uintptr_t)st->role;
        st->division = rd.r.text + (uintptr_t)st->division;
        st->qualifications = rd.r.text + (uintptr_t)st->qualifications;
    }
    rc = duplicates(&rd, path, on_error, ctx, d);
    if (rc)
        goto out;
    if (rd.r.n)
        qsort(rd.r.row, rd.r.n, sizeof *rd.r.row, cmp_id);
    if (rd.bad)
        rc = CR_EPARSE;
out:
    free(line);
    free(rd.line);
    fclose(fp);
    if (rc) {
        cr_roster_free(&rd.r);
        return rc;
    }
    *out = rd.r;
    return CR_OK;
}

void cr_roster_free(struct cr_roster *r)
{
    if (!r)
        return;
    free(r->row);
    free(r->text);
    r->row = NULL;
    r->text = NULL;
    r->n = 0;
}
