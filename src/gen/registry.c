/* The registry feed (one row per enterprise) and the roles feed (its persons). */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "crisk/text.h"
#include "gen_tables.h"

/* One feed written in a pass over the enterprises: its writer, department and random stream,
 * and for roles the registration agents' person indexes. */
struct feed {
    struct writer w;
    const struct dept *dp;
    cr_rng r;
    int64_t agent_base, n_agents;
};

/* Writes one enterprise's rows of the feed. */
typedef cr_err rows_fn(gen *g, struct feed *f, struct ent *e);

/* Writes topic's feed with cols (key first), calling rows for every enterprise established
 * within the period, on the stream seeded by salt. */
static cr_err feed_pass(gen *g, struct feed *f, int topic, uint64_t salt, const char *const *cols,
                        int ncol, rows_fn *rows)
{
    cr_rng_seed(&f->r, g->o->seed ^ salt);
    const struct topic *t = &g->topics[topic];
    f->dp = &g->depts[t->dept];
    char rel[300];
    cr_err rc = cr__gen_writer_open(g, &f->w, cr__gen_topic_rel(g, t, 0, rel, sizeof rel), f->dp,
                                    cols, ncol);
    for (int64_t i = 0; !rc && i < g->n; i++)
        if (g->ents[i].est_day <= g->period_end)
            rc = rows(g, f, &g->ents[i]);
    cr_err rc2 = cr__gen_writer_close(g, &f->w);
    return rc ? rc : rc2;
}

static cr_err registry_row(gen *g, struct feed *f, struct ent *e)
{
    static const enum dirt allowed[] = {D_DUP,   D_FULLWIDTH, D_BADCHECK,
                                        D_EMPTY, D_TRUNCATE,  D_SPACES};
    static const char *const status[] = {"在营（开业）企业", "吊销，未注销", "注销"};
    cr_rng *r = &f->r;
    enum dirt dirt = cr__gen_pick_dirt(g, r, allowed, COUNT(allowed));
    char key[80], name[200], ind[16], cap_s[48], est[48], addr[300], lon[32], lat[32];
    cr__gen_dirty_key(g, e->uscc, dirt == D_EMPTY ? D_NONE : dirt, r, key, sizeof key);
    const struct cr_industry *in = cr_ref_industry(g->ref, (size_t)e->industry);
    snprintf(name, sizeof name, "广州%s%s%s有限公司", PICK(r, gen_trade), PICK(r, gen_trade),
             in->name);
    if (dirt == D_EMPTY)
        name[0] = 0;
    snprintf(ind, sizeof ind, "%s%s", cr_rng_unit(r) < 0.5 ? (char[]){in->section, 0} : "",
             in->code);
    cr__gen_fmt_amount(cap_s, sizeof cap_s, e->capital_fen, 3);
    cr__gen_fmt_date(est, sizeof est, e->est_day, f->dp->date_fmt, r);
    cr__gen_address(g, e, r, addr, sizeof addr);
    const struct cr_division *grid = cr_ref_division(g->ref, CR_DIV_GRID, (size_t)e->grid);
    const struct cr_division *street = cr_ref_division(g->ref, CR_DIV_STREET, (size_t)grid->parent);
    const char *dcode = cr_ref_division(g->ref, CR_DIV_DISTRICT, e->district)->code;
    snprintf(lon, sizeof lon, "%.6f", g->centroid[e->district][0] + 0.05 * cr_rng_normal(r));
    snprintf(lat, sizeof lat, "%.6f", g->centroid[e->district][1] + 0.04 * cr_rng_normal(r));
    int has_geo = g->centroid[e->district][0] != 0;
    const char *vals[] = {key,
                          name,
                          gen_types[e->type],
                          ind,
                          cap_s,
                          est,
                          status[e->status],
                          addr,
                          dcode,
                          street->code,
                          grid->code,
                          has_geo ? lon : NULL,
                          has_geo ? lat : NULL};
    if (dirt == D_BADCHECK || dirt == D_EMPTY || dirt == D_TRUNCATE)
        e->flags |= F_REG_DIRTY;
    return cr__gen_writer_row(g, &f->w, vals, dirt, r);
}

cr_err cr__gen_registry(gen *g)
{
    struct feed f = {.n_agents = 0};
    return feed_pass(g, &f, 0, 0x524547ULL, gen_registry_cols, COUNT(gen_registry_cols),
                     registry_row);
}

/* Draws e's people and their roles: the legal representative (a ring's own for a ring firm, the
 * director for a subsidiary), up to three shareholders, a manager, a liaison and maybe a
 * registration agent. A director's group firm has the director as its first shareholder or as
 * its manager. Returns how many. */
static int people_of(gen *g, struct feed *f, const struct ent *e, int64_t people[8],
                     const char *roles[8])
{
    cr_rng *r = &f->r;
    int np = 0;
    int64_t dir = e->director >= 0 ? cr__gen_director_person(g, e->director) : -1;
    int64_t rep = e->ring >= 0             ? g->ring_rep[e->ring]
                  : (e->flags & F_DIR_REP) ? dir
                                           : cr__gen_pick_person(g, r, 0.08);
    people[np] = rep, roles[np++] = gen_roles[0];
    int dir_holds = dir >= 0 && cr_rng_unit(r) < 0.8; /* a share, else a manager's seat */
    int sh = 1 + (int)cr_rng_below(r, 3);
    for (int k = 0; k < sh; k++) {
        people[np] = k == 0 && dir_holds              ? dir
                     : k == 0 && cr_rng_unit(r) < 0.6 ? rep
                                                      : cr__gen_pick_person(g, r, 0.15);
        roles[np++] = gen_roles[1];
    }
    people[np] = dir >= 0 && !dir_holds ? dir
                 : cr_rng_unit(r) < 0.5 ? rep
                                        : cr__gen_pick_person(g, r, 0.05);
    roles[np++] = gen_roles[2];
    people[np] = cr_rng_unit(r) < 0.4 ? rep : cr__gen_pick_person(g, r, 0.05);
    roles[np++] = gen_roles[3];
    if (cr_rng_unit(r) < 0.3) {
        double u = cr_rng_unit(r);
        people[np] = f->agent_base + (int64_t)((double)f->n_agents * u * u);
        roles[np++] = gen_roles[4];
    }
    return np;
}

static cr_err roles_rows(gen *g, struct feed *f, struct ent *e)
{
    static const enum dirt allowed[] = {D_DUP, D_BADCHECK, D_TRUNCATE, D_FULLWIDTH};
    cr_rng *r = &f->r;
    int64_t people[8];
    const char *roles[8];
    int np = people_of(g, f, e, people, roles);
    cr_err rc = CR_OK;
    for (int k = 0; !rc && k < np; k++) {
        enum dirt dirt = cr__gen_pick_dirt(g, r, allowed, COUNT(allowed));
        char id[19], idv[80], nm[40], date[48], key[80];
        cr__gen_person_id(people[k], id);
        snprintf(idv, sizeof idv, "%s", id);
        if (dirt == D_BADCHECK)
            idv[17] = idv[17] == '0' ? '1' : '0';
        else if (dirt == D_FULLWIDTH)
            cr__gen_fullwidth(id, idv, sizeof idv);
        cr__gen_person_name(people[k], nm, sizeof nm);
        cr__gen_fmt_date(date, sizeof date, e->est_day, f->dp->date_fmt, r);
        cr__gen_dirty_key(g, e->uscc, D_NONE, r, key, sizeof key);
        const char *vals[] = {key, idv, nm, roles[k], date};
        rc = cr__gen_writer_row(g, &f->w, vals, dirt, r);
        g->rep->roles++;
    }
    return rc;
}

cr_err cr__gen_roles(gen *g)
{
    /* Registration agents file for many firms: persons of their own, drawn with a heavy tail. */
    struct feed f = {.n_agents = g->n / 400 > 2 ? g->n / 400 : 2, .agent_base = g->n_persons};
    g->n_persons += f.n_agents;
    return feed_pass(g, &f, 1, 0x524F4CULL, gen_roles_cols, COUNT(gen_roles_cols), roles_rows);
}
