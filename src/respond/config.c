/* The respond stage's policy file (models/respond.yaml, docs/respond.md "The policy file"):
 * checked YAML through ydoc, as the monitor's rules and the model. Every key is required: the
 * shipped file is the one place the defaults live, so a file that leaves one out is an error
 * naming it rather than a silent second default in code. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/ydoc.h"
#include "crisk/respond.h"
#include "crisk/text.h"

/* The levels of deadline_workdays, indexed as cr_respond_config.deadline_workdays. */
static const char *const level_keys[] = {"city", "district", "street", "grid", NULL};

/* A required whole number of key in map within [lo, hi]. */
static cr_err whole(cr__ydoc *y, yaml_node_t *map, const char *key, const char *what, long lo,
                    long hi, int *out)
{
    yaml_node_t *n = cr__yget(y, map, key);
    if (!n)
        return cr__yfail(y, map, "%s is missing (models/respond.yaml lists every key)", what);
    double v = 0;
    cr_err rc = cr__ynum(y, n, &v, what);
    if (rc)
        return rc;
    if (!(v >= (double)lo && v <= (double)hi && v == floor(v)))
        return cr__yfail(y, n, "%s must be a whole number from %ld to %ld", what, lo, hi);
    *out = (int)v;
    return CR_OK;
}

static cr_err city_code(cr__ydoc *y, yaml_node_t *root, const cr_ref *ref, char *out, size_t cap)
{
    yaml_node_t *n = cr__yget(y, root, "city_code");
    if (!n)
        return cr__yfail(y, root, "city_code is missing (models/respond.yaml lists every key)");
    const char *v = cr__yscalar(n);
    if (!v || strlen(v) != 6 || cr_division_level(v) != 0)
        return cr__yfail(y, n,
                         "city_code must be a 6-digit city code ending in 00 (440100 for "
                         "Guangzhou), not '%s'",
                         v ? v : "(not a scalar)");
    if (ref && !cr_division_known(ref, v))
        return cr__yfail(y, n,
                         "city_code %s is not a city of the division table (data/divisions: no "
                         "county-level division %.4sxx is known)",
                         v, v);
    snprintf(out, cap, "%s", v);
    return CR_OK;
}

/* The bounds of a roster row's free-text fields, indexed as cr_respond_config.roster_max_bytes. */
static const char *const roster_keys[] = {"id", "name", "qualifications", NULL};

static cr_err read_limits(cr__ydoc *y, yaml_node_t *root, struct cr_respond_config *c)
{
    int v = 0;
    cr_err rc = whole(y, root, "today_ahead_days", "today_ahead_days", 0, 36500, &v);
    c->today_ahead_days = v;
    if (!rc)
        rc = whole(y, root, "note_max_bytes", "note_max_bytes", 1, 1000000, &v);
    c->note_max_bytes = (size_t)v;
    yaml_node_t *rm = rc ? NULL : cr__yget(y, root, "roster_max_bytes");
    if (!rc && (!rm || rm->type != YAML_MAPPING_NODE))
        rc = cr__yfail(y, rm ? rm : root,
                       "roster_max_bytes must be a mapping of id, name, qualifications "
                       "(models/respond.yaml lists every key)");
    if (!rc)
        rc = cr__yonly(y, rm, roster_keys, "roster_max_bytes");
    for (int k = 0; !rc && k < 3; k++) {
        char what[64];
        snprintf(what, sizeof what, "roster_max_bytes.%s", roster_keys[k]);
        rc = whole(y, rm, roster_keys[k], what, 1, 1000000, &v);
        c->roster_max_bytes[k] = (size_t)v;
    }
    return rc;
}

static cr_err read_config(cr__ydoc *y, const cr_ref *ref, struct cr_respond_config *c)
{
    static const char *const keys[] = {
        "version",          "city_code", "deadline_workdays", "today_ahead_days", "note_max_bytes",
        "roster_max_bytes", NULL};
    yaml_node_t *root = cr__yroot(y);
    if (!root || root->type != YAML_MAPPING_NODE)
        return cr__yfail(y, root,
                         "the respond policy is a mapping with version, city_code, "
                         "deadline_workdays, today_ahead_days, note_max_bytes and "
                         "roster_max_bytes");
    cr_err rc = cr__yonly(y, root, keys, "the respond policy");
    int version = 0;
    if (!rc)
        rc = whole(y, root, "version", "version", 1, 1000000000L, &version);
    if (!rc)
        rc = city_code(y, root, ref, c->city_code, sizeof c->city_code);
    yaml_node_t *dl = rc ? NULL : cr__yget(y, root, "deadline_workdays");
    if (!rc && (!dl || dl->type != YAML_MAPPING_NODE))
        rc = cr__yfail(y, dl ? dl : root,
                       "deadline_workdays must be a mapping of city, district, street, grid");
    if (!rc)
        rc = cr__yonly(y, dl, level_keys, "deadline_workdays");
    for (int lv = 0; !rc && lv < 4; lv++) {
        char what[64];
        snprintf(what, sizeof what, "deadline_workdays.%s", level_keys[lv]);
        rc = whole(y, dl, level_keys[lv], what, 1, 365, &c->deadline_workdays[lv]);
    }
    if (!rc)
        rc = read_limits(y, root, c);
    return rc;
}

cr_err cr_respond_config_load(const char *path, const cr_ref *ref, struct cr_respond_config *out,
                              cr_diag *d)
{
    if (!path)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "no respond policy file given (models/respond.yaml)");
    struct cr_respond_config c;
    memset(&c, 0, sizeof c);
    cr__ydoc y;
    cr_err rc = cr__ydoc_load(&y, path, d);
    if (!rc)
        rc = read_config(&y, ref, &c);
    cr__ydoc_free(&y);
    if (!rc) {
        if ((size_t)snprintf(c.path, sizeof c.path, "%s", path) >= sizeof c.path)
            c.path[0] = 0; /* too long to name whole: messages say "its file" */
        *out = c;
    }
    return rc;
}

cr_err cr_respond_today_check(const struct cr_respond_config *cfg, int32_t today, int32_t now,
                              cr_diag *d)
{
    if ((int64_t)today - now <= cfg->today_ahead_days)
        return CR_OK;
    int y, m, dd, y2, m2, d2;
    cr_civil_from_days(today, &y, &m, &dd);
    cr_civil_from_days(now, &y2, &m2, &d2);
    return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                       "the day %04d-%02d-%02d is %lld days after the machine's date "
                       "%04d-%02d-%02d; the limit is %d (today_ahead_days in the respond policy, "
                       "%s): steps are dated in order, so a future date would block every real "
                       "one",
                       y, m, dd, (long long)((int64_t)today - now), y2, m2, d2,
                       cfg->today_ahead_days, cr_respond_policy_name(cfg));
}

const char *cr_respond_policy_name(const struct cr_respond_config *cfg)
{
    return cfg && cfg->path[0] ? cfg->path : "its file";
}
