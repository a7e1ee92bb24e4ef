/* roster.csv: the supervision staff of the synthetic city, from the city bureau down to one grid
 * worker per community (docs/synthetic-city.md "Roster"; `crisk roster` loads it). */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* Qualification codes an inspector may hold besides `general`, with the share that holds each. */
static const struct {
    const char *code;
    double share;
} quals[] = {{"food", 0.45},
             {"quality", 0.35},
             {"special_equipment", 0.25},
             {"pricing", 0.30},
             {"ads", 0.30}};

#define MAX_INSPECTORS 12

/* Staff names come from the persons' name generator on indexes of their own, far above any
 * enterprise person's. */
#define STAFF_BASE (INT64_C(1) << 40)

struct roster {
    FILE *fp;
    cr_rng r;
    int64_t serial; /* staff drawn so far: the name index */
};

static void staff(gen *g, struct roster *ro, const char *id, const char *role, const char *div,
                  const char *qualifications)
{
    char name[40];
    cr__gen_person_name(STAFF_BASE + ro->serial++, name, sizeof name);
    fprintf(ro->fp, "%s,%s,%s,%s,%s\n", id, name, role, div, qualifications);
    (void)g;
}

/* A street's station officers (2-4) and inspectors (4-12). Every qualification is drawn per
 * inspector, and one a street would otherwise lack goes to one of its inspectors, so that
 * every street can staff an inspection of any kind. */
static void street_staff(gen *g, struct roster *ro, const char *code)
{
    char id[40];
    int n_station = 2 + (int)cr_rng_below(&ro->r, 3);
    for (int k = 1; k <= n_station; k++) {
        snprintf(id, sizeof id, "S%s-%02d", code, k);
        staff(g, ro, id, "station", code, "");
    }
    int n_insp = 4 + (int)cr_rng_below(&ro->r, MAX_INSPECTORS - 3);
    unsigned has[MAX_INSPECTORS] = {0};
    for (int q = 0; q < COUNT(quals); q++) {
        int any = 0;
        for (int k = 0; k < n_insp; k++)
            if (cr_rng_unit(&ro->r) < quals[q].share)
                has[k] |= 1u << q, any = 1;
        if (!any)
            has[cr_rng_below(&ro->r, (uint64_t)n_insp)] |= 1u << q;
    }
    for (int k = 0; k < n_insp; k++) {
        char ql[128] = "general";
        for (int q = 0; q < COUNT(quals); q++)
            if (has[k] & (1u << q)) {
                size_t len = strlen(ql);
                snprintf(ql + len, sizeof ql - len, ";%s", quals[q].code);
            }
        snprintf(id, sizeof id, "I%s-%02d", code, k + 1);
        staff(g, ro, id, "inspector", code, ql);
    }
}

static void roster_body(gen *g, FILE *fp)
{
    struct roster ro = {.fp = fp};
    cr_rng_seed(&ro.r, g->o->seed ^ 0x524F53ULL);
    fputs("id,name,role,division,qualifications\n", fp);
    char id[40];
    for (int k = 1; k <= 2; k++) {
        snprintf(id, sizeof id, "C440100-%02d", k);
        staff(g, &ro, id, "city", "440100", "");
    }
    size_t nd = cr_ref_count(g->ref, CR_DIV_DISTRICT), ns = cr_ref_count(g->ref, CR_DIV_STREET),
           ng = cr_ref_count(g->ref, CR_DIV_GRID);
    for (size_t d = 0; d < nd; d++) {
        const char *dcode = cr_ref_division(g->ref, CR_DIV_DISTRICT, d)->code;
        snprintf(id, sizeof id, "D%s-01", dcode);
        staff(g, &ro, id, "district", dcode, "");
        for (size_t s = 0; s < ns; s++) {
            const struct cr_division *st = cr_ref_division(g->ref, CR_DIV_STREET, s);
            if (st->parent != (int)d)
                continue;
            street_staff(g, &ro, st->code);
            for (size_t i = 0; i < ng; i++) {
                const struct cr_division *gr = cr_ref_division(g->ref, CR_DIV_GRID, i);
                if (gr->parent != (int)s)
                    continue;
                snprintf(id, sizeof id, "G%s", gr->code);
                staff(g, &ro, id, "grid", gr->code, "");
            }
        }
    }
}

cr_err cr__gen_roster(gen *g)
{
    return cr__gen_write_file(g, "roster.csv", roster_body);
}
