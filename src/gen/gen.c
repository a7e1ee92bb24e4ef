/* cr_gen_city: the output folders, then the passes in their fixed order, then the report. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "crisk/progress.h"
#include "crisk/text.h"

static cr_err make_dirs(gen *g)
{
    char path[600];
    snprintf(path, sizeof path, "%s", g->o->out_dir);
    if (mkdir(path, 0777) && errno != EEXIST)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create folder: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/feeds", g->o->out_dir);
    if (mkdir(path, 0777) && errno != EEXIST)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create folder: %s", strerror(errno));
    for (int i = 0; i < g->n_depts; i++) {
        snprintf(path, sizeof path, "%s/feeds/D%03d", g->o->out_dir, i + 1);
        if (mkdir(path, 0777) && errno != EEXIST)
            return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create folder: %s",
                               strerror(errno));
    }
    return CR_OK;
}

/* The passes in their order. Each draws from its own random stream seeded from the options, so
 * the order matters only for what a pass reads of the ones before it. */
static cr_err (*const passes[])(gen *g) = {
    cr__gen_departments, cr__gen_index_reference, make_dirs,      cr__gen_enterprises,
    cr__gen_registry,    cr__gen_roles,           cr__gen_events, cr__gen_catalog,
    cr__gen_truth,       cr__gen_roster,          cr__gen_plans,  cr__gen_labels};

/* Fills the report's counts and frees the city. */
static void report(gen *g)
{
    struct cr_gen_report *rep = g->rep;
    rep->departments = g->n_depts;
    rep->topics = g->n_topics;
    rep->persons = g->n_persons;
    for (int64_t i = 0; i < g->n; i++)
        rep->enterprises += g->ents && g->ents[i].est_day <= g->period_end;
    free(g->ents);
    free(g->clusters);
    free(g->ring_rep);
    free(g->towers);
    free(g->directors);
    free(g->topics);
    free(g->class_idx);
}

cr_err cr_gen_city(const struct cr_gen_opts *opts, const cr_ref *ref, struct cr_gen_report *rep,
                   cr_diag *d)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(rep, 0, sizeof *rep);
    if (!opts->out_dir || opts->enterprises <= 0 || opts->enterprises > 100000000 ||
        opts->dirt < 0 || opts->dirt > 1 || cr_ref_count(ref, CR_DIV_DISTRICT) != N_DISTRICTS)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "gen needs an output folder, 1..1e8 enterprises and a dirt share 0..1");
    struct cr_gen_opts o = *opts;
    if (!o.start_year)
        o.start_year = 2023;
    if (o.years <= 0)
        o.years = 3;
    gen g = {.o = &o, .ref = ref, .rep = rep, .d = d, .n = o.enterprises, .dirt = o.dirt};
    g.period_start = cr_days_from_civil(o.start_year, 1, 1);
    g.period_end = cr_days_from_civil(o.start_year + o.years, 1, 1) - 1;
    /* Hundreds of topic files of one kind are open at once. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    cr__gen_load_centroids(&g);
    cr_err rc = CR_OK;
    for (int i = 0; !rc && i < COUNT(passes); i++) {
        cr_progress("gen", (double)i / (double)COUNT(passes));
        rc = passes[i](&g);
    }
    if (!rc)
        cr_progress("gen", 1);
    report(&g);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}
