#include "crisk/calendar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/ref.h"
#include "crisk/text.h"

struct cr_calendar {
    int32_t *day; /* the exception days, ascending */
    int8_t *work; /* 1 = make-up working day, 0 = holiday */
    size_t n;
    int first_year, last_year; /* 0, -1 when the file has no rows */
};

/* 0 Monday .. 6 Sunday; 1970-01-01 was a Thursday. */
static int weekday(int32_t day)
{
    return (int)(((day % 7) + 7 + 3) % 7);
}

static int cmp_day(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static cr_err add_row(cr_calendar *c, size_t *cap, int32_t day, int work)
{
    if (c->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        int32_t *nd = realloc(c->day, ncap * sizeof *nd);
        if (!nd)
            return CR_ENOMEM;
        c->day = nd;
        int8_t *nw = realloc(c->work, ncap * sizeof *nw);
        if (!nw)
            return CR_ENOMEM;
        c->work = nw;
        *cap = ncap;
    }
    c->day[c->n] = day;
    c->work[c->n] = (int8_t)work;
    c->n++;
    return CR_OK;
}

static cr_err parse_line(cr_calendar *c, size_t *cap, char *line, const char *path, long ln,
                         cr_diag *d)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = 0;
    char *comma = strchr(line, ',');
    if (!comma || comma - line != 10)
        return cr_diag_set(d, CR_EPARSE, path, ln, 1, "want date,type with date YYYY-MM-DD");
    *comma = 0;
    const char *type = comma + 1;
    int32_t day;
    if (cr_date_parse(line, 10, &day) != CR_OK)
        return cr_diag_set(d, CR_EPARSE, path, ln, 1, "bad date '%s'", line);
    int work;
    if (strcmp(type, "workday") == 0)
        work = 1;
    else if (strcmp(type, "holiday") == 0)
        work = 0;
    else
        return cr_diag_set(d, CR_EPARSE, path, ln, 12, "type '%s' is neither holiday nor workday",
                           type);
    int weekend = weekday(day) >= 5;
    if (work && !weekend)
        return cr_diag_set(d, CR_EPARSE, path, ln, 12, "%s is a weekday: 'workday' changes nothing",
                           line);
    if (!work && weekend)
        return cr_diag_set(d, CR_EPARSE, path, ln, 12, "%s is a weekend: 'holiday' changes nothing",
                           line);
    return add_row(c, cap, day, work);
}

static cr_err check_sorted(cr_calendar *c, const char *path, cr_diag *d)
{
    /* Sort day and work together: the file is usually sorted already, so sort pairs. */
    struct pair {
        int32_t day;
        int8_t work;
    } *p = malloc((c->n ? c->n : 1) * sizeof *p);
    if (!p)
        return CR_ENOMEM;
    for (size_t i = 0; i < c->n; i++)
        p[i] = (struct pair){c->day[i], c->work[i]};
    qsort(p, c->n, sizeof *p, cmp_day);
    cr_err rc = CR_OK;
    for (size_t i = 0; i < c->n; i++) {
        if (i && p[i].day == p[i - 1].day) {
            int y, m, dd;
            cr_civil_from_days(p[i].day, &y, &m, &dd);
            rc = cr_diag_set(d, CR_EPARSE, path, 0, 0, "%04d-%02d-%02d is listed twice", y, m, dd);
            break;
        }
        c->day[i] = p[i].day;
        c->work[i] = p[i].work;
    }
    free(p);
    return rc;
}

cr_err cr_calendar_load(const char *path, cr_calendar **out, cr_diag *d)
{
    char def[1024];
    if (!path) {
        snprintf(def, sizeof def, "%s/calendar/cn_workdays.csv", cr_ref_default_dir());
        path = def;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return cr_diag_set(d, CR_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    cr_calendar *c = calloc(1, sizeof *c);
    cr_err rc = CR_OK;
    if (!c) {
        rc = CR_ENOMEM;
        goto out;
    }
    size_t cap = 0;
    char line[256];
    long ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = cr_diag_set(d, CR_EPARSE, path, ln, 0, "line too long");
            goto out;
        }
        if (ln == 1) {
            if (strncmp(line, "date,type", 9) != 0 || (line[9] && !strchr("\r\n", line[9]))) {
                rc = cr_diag_set(d, CR_EPARSE, path, 1, 1, "header must be date,type");
                goto out;
            }
            continue;
        }
        if (line[0] == '\n' || (line[0] == '\r' && line[1] == '\n'))
            continue;
        rc = parse_line(c, &cap, line, path, ln, d);
        if (rc)
            goto out;
    }
    if (ferror(f)) {
        rc = cr_diag_set(d, CR_EIO, path, 0, 0, "read error");
        goto out;
    }
    if (ln == 0) {
        rc = cr_diag_set(d, CR_EPARSE, path, 1, 1, "empty file: header date,type expected");
        goto out;
    }
    rc = check_sorted(c, path, d);
    if (rc)
        goto out;
    c->first_year = 0;
    c->last_year = -1;
    if (c->n) {
        int m, dd;
        cr_civil_from_days(c->day[0], &c->first_year, &m, &dd);
        cr_civil_from_days(c->day[c->n - 1], &c->last_year, &m, &dd);
    }
    *out = c;
    c = NULL;
out:
    fclose(f);
    cr_calendar_free(c);
    return rc;
}

void cr_calendar_free(cr_calendar *c)
{
    if (!c)
        return;
    free(c->day);
    free(c->work);
    free(c);
}

int cr_calendar_is_workday(const cr_calendar *c, int32_t day)
{
    const int32_t *hit = c->n ? bsearch(&day, c->day, c->n, sizeof *c->day, cmp_day) : NULL;
    if (hit)
        return c->work[hit - c->day];
    return weekday(day) < 5;
}

int32_t cr_calendar_add_workdays(const cr_calendar *c, int32_t day, int n)
{
    int step = n < 0 ? -1 : 1;
    while (n != 0) {
        day += step;
        if (cr_calendar_is_workday(c, day))
            n -= step;
    }
    return day;
}

int cr_calendar_covers(const cr_calendar *c, int32_t day)
{
    int y, m, dd;
    cr_civil_from_days(day, &y, &m, &dd);
    return y >= c->first_year && y <= c->last_year;
}
