/* Label files and crisk learn's policy file (docs/learn.md "Label files", "The policy file"):
 * checked YAML through ydoc, every error naming the file, line and column. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ydoc.h"
#include "crisk/learn.h"

/* ---------------------------------------------------------------- the policy */

/* The documented defaults; models/learn.yaml ships the same values (test_learn_scorecard
 * checks that the two agree). */
void cr_learn_policy_default(struct cr_learn_policy *p)
{
    static const char *const outcomes[] = {"confirmed", "false_alarm",      "case_filed",
                                           "police",    "other_department", "not_found"};
    memset(p, 0, sizeof *p);
    p->max_within_days = 36500;
    for (size_t i = 0; i < sizeof outcomes / sizeof *outcomes; i++)
        snprintf(p->task_outcomes[p->n_task_outcomes++], sizeof p->task_outcomes[0], "%s",
                 outcomes[i]);
    p->default_positive = 1u << 0 | 1u << 2 | 1u << 3; /* confirmed, case_filed, police */
    p->default_negative = 1u << 1;                     /* false_alarm */
    snprintf(p->outcome_attr, sizeof p->outcome_attr, "结果");
    p->psi_watch = 0.1;
    p->psi_rebuild = 0.25;
}

/* A whole number in digits within [lo, hi]: "1e3", "365.0" or "0x16D" would read as a number
 * and hide a typo, so only digits are taken. */
static cr_err whole(cr__ydoc *y, yaml_node_t *n, long lo, long hi, int *out, const char *what)
{
    const char *s = cr__yscalar(n);
    size_t k = 0;
    while (s && s[k] >= '0' && s[k] <= '9')
        k++;
    long v = s && k && !s[k] && k < 11 ? strtol(s, NULL, 10) : -1;
    if (v < lo || v > hi)
        return cr__yfail(y, n, "%s must be a whole number from %ld to %ld in digits, not '%s'",
                         what, lo, hi, s ? s : "(not a scalar)");
    *out = (int)v;
    return CR_OK;
}

static int outcome_index(const struct cr_learn_policy *p, const char *name)
{
    for (size_t k = 0; k < p->n_task_outcomes; k++)
        if (strcmp(p->task_outcomes[k], name) == 0)
            return (int)k;
    return -1;
}

/* A list of task outcome names as a bit set over p->task_outcomes. */
static cr_err outcome_set(cr__ydoc *y, yaml_node_t *node, const struct cr_learn_policy *p,
                          const char *what, unsigned *out)
{
    char **v = NULL;
    size_t n = 0;
    cr_err rc = cr__ystrs(y, node, &v, &n, what);
    *out = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        int k = outcome_index(p, v[i]);
        if (k < 0)
            rc = cr__yfail(y, node, "%s: '%s' is not a task outcome (the policy's task_outcomes)",
                           what, v[i]);
        else
            *out |= 1u << k;
    }
    cr__ystrs_free(v, n);
    return rc;
}

static cr_err policy_number(cr__ydoc *y, yaml_node_t *root, const char *key, double *out)
{
    yaml_node_t *n = cr__yget(y, root, key);
    if (!n)
        return cr__yfail(y, root, "%s is missing (models/learn.yaml lists every key)", key);
    cr_err rc = cr__ynum(y, n, out, key);
    if (!rc && !(*out > 0 && *out < 100))
        rc = cr__yfail(y, n, "%s must be a number above 0 (a PSI)", key);
    return rc;
}

static cr_err read_policy(cr__ydoc *y, struct cr_learn_policy *p)
{
    static const char *const keys[] = {"version",          "max_within_days",  "task_outcomes",
                                       "outcome_positive", "outcome_negative", "outcome_attr",
                                       "psi_watch",        "psi_rebuild",      NULL};
    yaml_node_t *root = cr__yroot(y);
    if (!root || root->type != YAML_MAPPING_NODE)
        return cr__yfail(y, root, "the learn policy is a mapping (models/learn.yaml)");
    cr_err rc = cr__yonly(y, root, keys, "the learn policy");
    for (size_t i = 0; !rc && keys[i]; i++)
        if (!cr__yget(y, root, keys[i]))
            rc = cr__yfail(y, root, "%s is missing (models/learn.yaml lists every key)", keys[i]);
    int version = 0;
    if (!rc)
        rc = whole(y, cr__yget(y, root, "version"), 1, 1000000000L, &version, "version");
    if (!rc)
        rc = whole(y, cr__yget(y, root, "max_within_days"), 1, 1000000, &p->max_within_days,
                   "max_within_days");
    char **v = NULL;
    size_t n = 0;
    yaml_node_t *to = rc ? NULL : cr__yget(y, root, "task_outcomes");
    if (!rc)
        rc = cr__ystrs(y, to, &v, &n, "task_outcomes");
    if (!rc && (!n || n > CR_LEARN_MAX_OUTCOMES))
        rc = cr__yfail(y, to, "task_outcomes lists 1 to %d names", CR_LEARN_MAX_OUTCOMES);
    p->n_task_outcomes = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (strlen(v[i]) >= sizeof p->task_outcomes[0] || outcome_index(p, v[i]) >= 0)
            rc = cr__yfail(y, to, "task_outcomes: '%s' is too long or given twice", v[i]);
        else
            snprintf(p->task_outcomes[p->n_task_outcomes++], sizeof p->task_outcomes[0], "%s",
                     v[i]);
    }
    cr__ystrs_free(v, n);
    if (!rc)
        rc = outcome_set(y, cr__yget(y, root, "outcome_positive"), p, "outcome_positive",
                         &p->default_positive);
    if (!rc)
        rc = outcome_set(y, cr__yget(y, root, "outcome_negative"), p, "outcome_negative",
                         &p->default_negative);
    if (!rc && (p->default_positive & p->default_negative))
        rc = cr__yfail(y, root, "an outcome is both in outcome_positive and outcome_negative");
    if (!rc && !p->default_positive)
        rc = cr__yfail(y, root, "outcome_positive needs at least one outcome");
    const char *attr = rc ? NULL : cr__yscalar(cr__yget(y, root, "outcome_attr"));
    if (!rc && (!attr || !*attr || strlen(attr) >= sizeof p->outcome_attr))
        rc = cr__yfail(y, cr__yget(y, root, "outcome_attr"),
                       "outcome_attr is the name of the task outcome's attribute (结果)");
    if (!rc)
        snprintf(p->outcome_attr, sizeof p->outcome_attr, "%s", attr);
    if (!rc)
        rc = policy_number(y, root, "psi_watch", &p->psi_watch);
    if (!rc)
        rc = policy_number(y, root, "psi_rebuild", &p->psi_rebuild);
    if (!rc && p->psi_rebuild < p->psi_watch)
        rc = cr__yfail(y, cr__yget(y, root, "psi_rebuild"), "psi_rebuild is below psi_watch");
    return rc;
}

cr_err cr_learn_policy_load(const char *path, struct cr_learn_policy *out, cr_diag *d)
{
    if (!path)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "no learn policy file given (models/learn.yaml)");
    struct cr_learn_policy p;
    memset(&p, 0, sizeof p);
    cr__ydoc y;
    cr_err rc = cr__ydoc_load(&y, path, d);
    if (rc)
        return rc;
    rc = read_policy(&y, &p);
    cr__ydoc_free(&y);
    if (!rc)
        *out = p;
    return rc;
}

/* ---------------------------------------------------------------- label files */

void cr_learn_label_free(struct cr_learn_label *l)
{
    if (!l)
        return;
    free(l->path);
    free(l->id);
    cr__ystrs_free(l->kinds, l->n_kinds);
    free(l->flag);
    free(l->column);
    cr__ystrs_free(l->positive, l->n_positive);
    cr__ystrs_free(l->negative, l->n_negative);
    cr__ystrs_free(l->exclude, l->n_exclude);
    free(l);
}

/* The names of the outcomes in set as l's positive or negative list. */
static cr_err outcome_names(const struct cr_learn_policy *p, unsigned set, char ***v, size_t *n)
{
    *v = calloc(CR_LEARN_MAX_OUTCOMES + 1, sizeof **v);
    *n = 0;
    if (!*v)
        return CR_ENOMEM;
    for (size_t k = 0; k < p->n_task_outcomes; k++) {
        if (!(set & 1u << k))
            continue;
        (*v)[*n] = strdup(p->task_outcomes[k]);
        if (!(*v)[*n])
            return CR_ENOMEM;
        ++*n;
    }
    return CR_OK;
}

/* inspections: {within_days: N}, or outcomes: {within_days: N, positive: [...], negative:
 * [...]} (defaults: the policy's outcome_positive and outcome_negative). */
static cr_err outcome_label_load(cr__ydoc *y, yaml_node_t *root, yaml_node_t *n,
                                 const struct cr_learn_policy *p, struct cr_learn_label *l)
{
    static const char *const insp_keys[] = {"within_days", NULL};
    static const char *const oc_keys[] = {"within_days", "positive", "negative", NULL};
    int inspections = l->kind == CR_LABEL_INSPECTIONS;
    const char *what = inspections ? "inspections" : "outcomes";
    if (n->type != YAML_MAPPING_NODE)
        return cr__yfail(y, n, "%s: is a mapping {within_days: N%s}", what,
                         inspections ? "" : ", positive: [...], negative: [...]");
    cr_err rc = cr__yonly(y, n, inspections ? insp_keys : oc_keys, what);
    yaml_node_t *w = rc ? NULL : cr__yget(y, n, "within_days");
    if (!rc && !w)
        rc = cr__yfail(y, n, "%s: needs within_days: N (the label window after the as-of date)",
                       what);
    if (!rc)
        rc = whole(y, w, 1, p->max_within_days, &l->within_days, "within_days");
    static const char *const other[] = {"positive", "negative", NULL};
    for (size_t i = 0; !rc && other[i]; i++)
        if (cr__yget(y, root, other[i]))
            rc = cr__yfail(y, cr__yget(y, root, other[i]),
                           "%s: belongs to a column label (an outcomes label has it inside "
                           "outcomes:)",
                           other[i]);
    if (rc || inspections)
        return rc;
    unsigned pos = p->default_positive, neg = p->default_negative;
    yaml_node_t *pn = cr__yget(y, n, "positive"), *nn = cr__yget(y, n, "negative");
    if (pn)
        rc = outcome_set(y, pn, p, "positive", &pos);
    if (!rc && nn)
        rc = outcome_set(y, nn, p, "negative", &neg);
    for (size_t k = 0; !rc && k < p->n_task_outcomes; k++)
        if (pos & neg & 1u << k)
            rc = cr__yfail(y, n, "outcome '%s' is both positive and negative", p->task_outcomes[k]);
    if (!rc && !pos)
        rc = cr__yfail(y, n, "outcomes: needs at least one positive outcome");
    if (!rc)
        rc = outcome_names(p, pos, &l->positive, &l->n_positive);
    if (!rc)
        rc = outcome_names(p, neg, &l->negative, &l->n_negative);
    return rc;
}

static cr_err events_label_load(cr__ydoc *y, yaml_node_t *root, yaml_node_t *ev,
                                const struct cr_learn_policy *p, struct cr_learn_label *l)
{
    static const char *const ev_keys[] = {"kinds", "within_days", "flag", NULL};
    if (ev->type != YAML_MAPPING_NODE)
        return cr__yfail(y, ev, "events: is a mapping {kinds: [...], within_days: N}");
    cr_err rc = cr__yonly(y, ev, ev_keys, "events");
    if (!rc)
        rc = cr__ystrs(y, cr__yget(y, ev, "kinds"), &l->kinds, &l->n_kinds, "kinds");
    if (!rc && !l->n_kinds)
        rc = cr__yfail(y, ev, "events: needs kinds: [...] (at least one event kind)");
    yaml_node_t *w = rc ? NULL : cr__yget(y, ev, "within_days");
    if (!rc && !w)
        rc = cr__yfail(y, ev,
                       "events: needs within_days: N (the label window after the as-of date)");
    if (!rc)
        rc = whole(y, w, 1, p->max_within_days, &l->within_days, "within_days");
    if (!rc)
        rc = cr__ystr(y, ev, "flag", 0, &l->flag, "flag");
    static const char *const other[] = {"positive", "negative", NULL};
    for (size_t i = 0; !rc && other[i]; i++)
        if (cr__yget(y, root, other[i]))
            rc = cr__yfail(y, cr__yget(y, root, other[i]),
                           "%s: belongs to a column label, not to an events label", other[i]);
    return rc;
}

static cr_err column_label_load(cr__ydoc *y, yaml_node_t *root, yaml_node_t *col,
                                struct cr_learn_label *l)
{
    cr_err rc = cr__ystr(y, root, "column", 1, &l->column, "column");
    if (!rc)
        rc = cr__ystrs(y, cr__yget(y, root, "positive"), &l->positive, &l->n_positive, "positive");
    if (!rc && !l->n_positive)
        rc = cr__yfail(y, col, "column: needs positive: [values] (the values that are 1)");
    if (!rc)
        rc = cr__ystrs(y, cr__yget(y, root, "negative"), &l->negative, &l->n_negative, "negative");
    /* a value under both would count as positive, silently ("0 negatives"), as outcomes: says */
    for (size_t i = 0; !rc && i < l->n_positive; i++)
        for (size_t j = 0; !rc && j < l->n_negative; j++)
            if (strcmp(l->positive[i], l->negative[j]) == 0)
                rc = cr__yfail(y, cr__yget(y, root, "negative"),
                               "value '%s' is both positive and negative", l->positive[i]);
    return rc;
}

cr_err cr_learn_label_load(const char *path, struct cr_learn_label **out, cr_diag *d)
{
    return cr_learn_label_load_policy(path, NULL, out, d);
}

cr_err cr_learn_label_load_policy(const char *path, const struct cr_learn_policy *policy,
                                  struct cr_learn_label **out, cr_diag *d)
{
    *out = NULL;
    struct cr_learn_policy def;
    if (!policy) {
        cr_learn_policy_default(&def);
        policy = &def;
    }
    cr__ydoc y;
    cr_err rc = cr__ydoc_load(&y, path, d);
    if (rc)
        return rc;
    struct cr_learn_label *l = calloc(1, sizeof *l);
    char *path_copy = strdup(path);
    if (!l || !path_copy) {
        free(l);
        free(path_copy);
        cr__ydoc_free(&y);
        return cr_diag_set(d, CR_ENOMEM, path, 0, 0, "out of memory");
    }
    l->path = path_copy;
    l->min_class = CR_LEARN_MIN_CLASS;
    snprintf(l->outcome_attr, sizeof l->outcome_attr, "%s", policy->outcome_attr);
    yaml_node_t *root = cr__yroot(&y);
    static const char *const keys[] = {"label",    "events",   "column",  "inspections", "outcomes",
                                       "positive", "negative", "exclude", "min_class",   NULL};
    if (!root || root->type != YAML_MAPPING_NODE)
        rc = cr__yfail(&y, root,
                       "a label file is a mapping (label:, and events:, column:, inspections: or "
                       "outcomes:)");
    if (!rc)
        rc = cr__yonly(&y, root, keys, "a label file");
    if (!rc)
        rc = cr__ystr(&y, root, "label", 1, &l->id, "label");
    /* one key names the kind: the first of these the file has */
    static const char *const kind_keys[] = {"events", "column", "inspections", "outcomes"};
    yaml_node_t *kn = NULL;
    size_t n_kinds = 0;
    for (size_t k = 0; !rc && k < 4; k++) {
        yaml_node_t *v = cr__yget(&y, root, kind_keys[k]);
        if (!v)
            continue;
        n_kinds++;
        kn = v;
        l->kind = (enum cr_label_kind)k;
    }
    if (!rc && n_kinds != 1)
        rc = cr__yfail(&y, root,
                       "label %s needs exactly one of events:, column:, inspections: and "
                       "outcomes:",
                       l->id);
    if (!rc && l->kind == CR_LABEL_EVENTS)
        rc = events_label_load(&y, root, kn, policy, l);
    else if (!rc && l->kind == CR_LABEL_COLUMN)
        rc = column_label_load(&y, root, kn, l);
    else if (!rc)
        rc = outcome_label_load(&y, root, kn, policy, l);
    if (!rc)
        rc = cr__ystrs(&y, cr__yget(&y, root, "exclude"), &l->exclude, &l->n_exclude, "exclude");
    yaml_node_t *mc = rc ? NULL : cr__yget(&y, root, "min_class");
    if (mc)
        rc = whole(&y, mc, 1, 1000000000, &l->min_class, "min_class");
    if (rc == CR_ENOMEM)
        rc = cr_diag_set(d, rc, path, 0, 0, "out of memory");
    cr__ydoc_free(&y);
    if (rc) {
        cr_learn_label_free(l);
        return rc;
    }
    *out = l;
    return CR_OK;
}
