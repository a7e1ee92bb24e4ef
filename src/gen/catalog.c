/* catalog.yaml, describing every feed, and truth.csv, the hidden truth. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gen_tables.h"

static void yq(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', fp);
        if (*p == '\t')
            fputs("\\t", fp);
        else
            fputc(*p, fp);
    }
    fputc('"', fp);
}

static void topic_format(FILE *fp, const struct dept *dp)
{
    fprintf(fp, "    format: %s\n    encoding: %s\n", dp->jsonl ? "jsonl" : "csv",
            dp->gb18030 ? "gb18030" : "utf-8");
    if (!dp->jsonl) {
        char delim[2] = {dp->delim, 0};
        fputs("    delimiter: ", fp);
        yq(fp, delim);
        fputc('\n', fp);
    }
}

cr_err cr__gen_write_file(gen *g, const char *name, void (*body)(gen *g, FILE *fp))
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", g->o->out_dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create: %s", strerror(errno));
    body(g, fp);
    if (fclose(fp))
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "write failed");
    return CR_OK;
}

static void catalog_head(gen *g, FILE *fp)
{
    fprintf(fp,
            "# Written by crisk gen (seed %llu, %lld enterprises). Describes every feed of the\n"
            "# synthetic city; docs/catalog.md explains the format.\n"
            "catalog: gz-synthetic-%llu\n"
            "description: 合成广州市企业信用数据（%d个部门、%d个信息资源主题）\n"
            "departments:\n",
            (unsigned long long)g->o->seed, (long long)g->n, (unsigned long long)g->o->seed,
            g->n_depts, g->n_topics);
    for (int i = 0; i < g->n_depts; i++) {
        fprintf(fp, "  - code: D%03d\n    name: ", i + 1);
        yq(fp, g->depts[i].name);
        fputc('\n', fp);
    }
}

/* Maps catalog fields to the columns of the registry or roles feed (cols[c + 1], after the key).
 * A NULL field is the registry's capital, in 万元. */
static void fixed_fields(FILE *fp, const char *const *f, int n, const char *const *cols)
{
    for (int c = 0; c < n; c++) {
        if (!f[c]) {
            fputs("      capital: {column: ", fp);
            yq(fp, cols[c + 1]);
            fputs(", unit: 万元}\n", fp);
            continue;
        }
        fprintf(fp, "      %s: ", f[c]);
        yq(fp, cols[c + 1]);
        fputc('\n', fp);
    }
}

static void event_fields(FILE *fp, const struct gen_kind_def *kd, const struct dept *dp)
{
    fputs("      date: ", fp);
    yq(fp, kd->date_col);
    fputc('\n', fp);
    if (kd->amount_col) {
        fputs("      amount: {column: ", fp);
        yq(fp, kd->amount_col);
        fprintf(fp, ", unit: %s}\n", dp->amount_fmt == 3 ? "万元" : "元");
    }
    if (kd->attrs[0].col) {
        fputs("    attrs: [", fp);
        for (int a = 0; a < 3 && kd->attrs[a].col; a++) {
            if (a)
                fputs(", ", fp);
            yq(fp, kd->attrs[a].col);
        }
        fputs("]\n", fp);
    }
}

static void topic_fields(FILE *fp, const struct topic *t, const struct dept *dp)
{
    static const char *const registry[] = {"name",        "type",   "industry", NULL,
                                           "established", "status", "address",  "district",
                                           "street",      "grid",   "lon",      "lat"};
    static const char *const roles[] = {"person_id", "person_name", "role", "date"};
    if (t->kind == -1) {
        fixed_fields(fp, registry, COUNT(registry), gen_registry_cols);
        fputs("    required: [name]\n", fp);
    } else if (t->kind == -2) {
        fixed_fields(fp, roles, COUNT(roles), gen_roles_cols);
    } else {
        event_fields(fp, &gen_kinds[t->kind], dp);
    }
}

static void catalog_topic(gen *g, FILE *fp, const struct topic *t)
{
    const struct dept *dp = &g->depts[t->dept];
    const char *kind = t->kind == -1   ? "registry"
                       : t->kind == -2 ? "roles"
                                       : gen_kinds[t->kind].kind;
    fprintf(fp, "  - code: %s\n    name: ", t->code);
    yq(fp, t->name);
    fprintf(fp, "\n    department: D%03d\n    kind: %s\n", t->dept + 1, kind);
    char rel[300];
    int monthly = t->kind >= 0 && gen_kinds[t->kind].schedule == S_MONTHLY;
    if (monthly) {
        snprintf(rel, sizeof rel, "feeds/D%03d/%s_*.%s", t->dept + 1, t->code,
                 dp->jsonl ? "jsonl" : "csv");
    } else {
        cr__gen_topic_rel(g, t, 0, rel, sizeof rel);
    }
    fputs("    files: [", fp);
    yq(fp, rel);
    fputs("]\n", fp);
    topic_format(fp, dp);
    fputs("    key: {column: ", fp);
    yq(fp, t->kind < 0 ? "统一社会信用代码" : gen_key_headers[dp->key_hdr]);
    fputs(", type: uscc}\n    fields:\n", fp);
    topic_fields(fp, t, dp);
}

static void catalog_body(gen *g, FILE *fp)
{
    catalog_head(g, fp);
    fputs("topics:\n", fp);
    for (int i = 0; i < g->n_topics; i++)
        catalog_topic(g, fp, &g->topics[i]);
}

cr_err cr__gen_catalog(gen *g)
{
    return cr__gen_write_file(g, "catalog.yaml", catalog_body);
}

static void truth_body(gen *g, FILE *fp)
{
    fputs("uscc,violation_next,propensity,status,shell_ring,cluster_address,high_tech,"
          "direct_selling,registry_dirty,hard_negative\n",
          fp);
    int64_t viol = 0, counted = 0;
    for (int64_t i = 0; i < g->n; i++) {
        const struct ent *e = &g->ents[i];
        if (e->est_day > g->period_end)
            continue;
        counted++;
        viol += e->violation_next;
        const char *hard = (e->flags & F_TOWER)      ? "tower"
                           : (e->flags & F_DIRECTOR) ? "director"
                                                     : "";
        fprintf(fp, "%s,%d,%.4f,%d,%d,%d,%d,%d,%d,%s\n", e->uscc, e->violation_next,
                (double)e->z +
                    gen_drift(g->o->start_year + g->o->years - 1, g->o->start_year) * (double)e->h,
                e->status, !!(e->flags & F_RING), !!(e->flags & F_CLUSTER),
                !!(e->flags & F_HIGHTECH), !!(e->flags & F_DIRECT), !!(e->flags & F_REG_DIRTY),
                hard);
    }
    g->rep->violation_rate = counted ? (double)viol / (double)counted : 0;
}

cr_err cr__gen_truth(gen *g)
{
    return cr__gen_write_file(g, "truth.csv", truth_body);
}
