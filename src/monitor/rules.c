/* The monitor's rules file (models/monitor.yaml, docs/monitor.md): checked YAML through ydoc;
 * every error names the file, line and field. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ydoc.h"
#include "crisk/hash.h"
#include "crisk/monitor.h"
#include "crisk/text.h"

static const char *const det_names[CR_DET__N] = {
    "address_cluster", "person_cluster",  "level_jump",      "zombie",
    "unreachable",     "legal_rep_churn", "capital_mismatch"};

const char *cr_detector_name(enum cr_detector d)
{
    return (unsigned)d < CR_DET__N ? det_names[d] : "?";
}

/* An optional whole number of key in map within [lo, hi]; *out keeps its default when absent. */
static cr_err int_field(cr__ydoc *y, yaml_node_t *map, const char *det, const char *key, long lo,
                        long hi, int *out)
{
    yaml_node_t *n = cr__yget(y, map, key);
    if (!n)
        return CR_OK;
    char what[96];
    snprintf(what, sizeof what, "%s.%s", det, key);
    double v = 0;
    cr_err rc = cr__ynum(y, n, &v, what);
    if (rc)
        return rc;
    if (!(v >= (double)lo && v <= (double)hi && v == floor(v)))
        return cr__yfail(y, n, "%s must be a whole number from %ld to %ld", what, lo, hi);
    *out = (int)v;
    return CR_OK;
}

/* An optional amount of money given in yuan (at most 2 decimals), held in fen. */
static cr_err money_field(cr__ydoc *y, yaml_node_t *map, const char *det, const char *key,
                          int64_t *out_fen)
{
    yaml_node_t *n = cr__yget(y, map, key);
    if (!n)
        return CR_OK;
    char what[96];
    snprintf(what, sizeof what, "%s.%s", det, key);
    double v = 0;
    cr_err rc = cr__ynum(y, n, &v, what);
    if (rc)
        return rc;
    double fen = v * 100;
    if (!(v >= 0 && v <= 1e15) || fabs(fen - round(fen)) > 1e-6 * (1 + fabs(fen)))
        return cr__yfail(y, n, "%s must be an amount in yuan from 0 to 1e15, to the fen", what);
    *out_fen = (int64_t)llround(fen);
    return CR_OK;
}

static cr_err bool_field(cr__ydoc *y, yaml_node_t *map, const char *det, const char *key, int *out)
{
    yaml_node_t *n = cr__yget(y, map, key);
    if (!n)
        return CR_OK;
    const char *s = cr__yscalar(n);
    if (s && strcmp(s, "true") == 0)
        *out = 1;
    else if (s && strcmp(s, "false") == 0)
        *out = 0;
    else
        return cr__yfail(y, n, "%s.%s must be true or false", det, key);
    return CR_OK;
}

/* An optional non-empty string: replaces the default *out. */
static cr_err str_field(cr__ydoc *y, yaml_node_t *map, const char *det, const char *key, char **out)
{
    if (!cr__yget(y, map, key))
        return CR_OK;
    char what[96];
    snprintf(what, sizeof what, "%s.%s", det, key);
    char *v = NULL;
    cr_err rc = cr__ystr(y, map, key, 1, &v, what);
    if (rc)
        return rc;
    free(*out);
    *out = v;
    return CR_OK;
}

/* An optional list of non-empty strings: replaces the default. */
static cr_err strs_field(cr__ydoc *y, yaml_node_t *map, const char *det, const char *key,
                         char ***out, size_t *n_out)
{
    yaml_node_t *n = cr__yget(y, map, key);
    if (!n)
        return CR_OK;
    char what[96];
    snprintf(what, sizeof what, "%s.%s", det, key);
    char **v = NULL;
    size_t k = 0;
    cr_err rc = cr__ystrs(y, n, &v, &k, what);
    if (rc)
        return rc;
    if (!k) { /* an empty list would find nothing and close every warning of the detector */
        cr__ystrs_free(v, k);
        return cr__yfail(y, n, "%s must list at least one (to turn %s off: enabled: false)", what,
                         det);
    }
    for (size_t i = 0; i < k; i++)
        if (!v[i][0]) {
            cr__ystrs_free(v, k);
            return cr__yfail(y, n, "%s must not hold an empty text", what);
        }
    cr__ystrs_free(*out, *n_out);
    *out = v;
    *n_out = k;
    return CR_OK;
}

/* Levels as "from"/"to": a list of A..D, kept as a string of letters. */
static cr_err levels_field(cr__ydoc *y, yaml_node_t *map, const char *key, char out[5])
{
    yaml_node_t *n = cr__yget(y, map, key);
    if (!n)
        return CR_OK;
    char **v = NULL;
    size_t k = 0;
    char what[64];
    snprintf(what, sizeof what, "level_jump.%s", key);
    cr_err rc = cr__ystrs(y, n, &v, &k, what);
    if (rc)
        return rc;
    int bad = k == 0 || k > 4;
    for (size_t i = 0; i < k && !bad; i++) {
        bad = strlen(v[i]) != 1 || v[i][0] < 'A' || v[i][0] > 'D';
        out[i] = v[i][0];
    }
    if (!bad)
        out[k] = 0;
    cr__ystrs_free(v, k);
    return bad ? cr__yfail(y, n, "%s must be a list of levels A..D", what) : CR_OK;
}

static char *dup(const char *s)
{
    return strdup(s);
}

static char **dup_list(const char *const *v, size_t n)
{
    char **out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++) {
        out[i] = strdup(v[i]);
        if (!out[i]) {
            cr__ystrs_free(out, i);
            return NULL;
        }
    }
    return out;
}

/* The built-in defaults, the same as models/monitor.yaml's. */
static cr_err defaults(struct cr_monitor_rules *r)
{
    static const char *const inactive[] = {"注销", "已注销", "注销企业", "吊销,已注销",
                                           "吊销，已注销"};
    static const char *const reasons[] = {"无法联系", "4"};
    static const char *const items[] = {"法定代表人"};
    for (int i = 0; i < CR_DET__N; i++)
        r->enabled[i] = 1;
    r->inactive = dup_list(inactive, 5);
    r->n_inactive = 5;
    r->address_cluster.min_firms = 10;
    r->address_cluster.burst_firms = 5;
    r->address_cluster.burst_days = 30;
    r->address_cluster.burst_within_days = 365;
    r->person_cluster.rep_role = dup("法定代表人");
    r->person_cluster.shareholder_role = dup("股东");
    r->person_cluster.rep_min_firms = 10;
    r->person_cluster.shareholder_min_firms = 0;
    r->person_cluster.burst_firms = 5;
    r->person_cluster.burst_days = 90;
    r->person_cluster.burst_within_days = 365;
    r->person_cluster.ring_min_firms = 3;
    memcpy(r->level_jump.from, "AB", 3);
    memcpy(r->level_jump.to, "CD", 3);
    r->level_jump.max_indicators = 5;
    r->zombie.years = 2;
    r->zombie.min_age_days = 730;
    r->zombie.report_kind = dup("annual_report");
    r->zombie.tax_kind = dup("tax_filing");
    r->unreachable.kind = dup("abnormal_list");
    r->unreachable.reason_attr = dup("列入原因");
    r->unreachable.tax_kind = dup("tax_filing");
    r->unreachable.reasons = dup_list(reasons, 2);
    r->unreachable.n_reasons = 2;
    r->unreachable.within_days = 1095;
    r->unreachable.listed_days = 730;
    r->unreachable.no_tax_days = 730;
    r->legal_rep_churn.kind = dup("change");
    r->legal_rep_churn.item_attr = dup("变更事项");
    r->legal_rep_churn.items = dup_list(items, 1);
    r->legal_rep_churn.n_items = 1;
    r->legal_rep_churn.min_changes = 3;
    r->legal_rep_churn.window_days = 365;
    r->capital_mismatch.min_capital_fen = (int64_t)100000000 * 100;
    r->capital_mismatch.tax_kind = dup("tax_filing");
    r->capital_mismatch.report_kind = dup("annual_report");
    r->capital_mismatch.employees_attr = dup("从业人数");
    r->capital_mismatch.tax_window_days = 365;
    r->capital_mismatch.zero_tax = 1;
    r->capital_mismatch.zero_employees = 1;
    int ok = r->inactive && r->person_cluster.rep_role && r->person_cluster.shareholder_role &&
             r->zombie.report_kind && r->zombie.tax_kind && r->unreachable.kind &&
             r->unreachable.reason_attr && r->unreachable.tax_kind && r->unreachable.reasons &&
             r->legal_rep_churn.kind && r->legal_rep_churn.item_attr && r->legal_rep_churn.items &&
             r->capital_mismatch.tax_kind && r->capital_mismatch.report_kind &&
             r->capital_mismatch.employees_attr;
    return ok ? CR_OK : CR_ENOMEM;
}

#define DAYS 36500 /* the largest window: 100 years */
#define FIRMS 1000000000L

static cr_err detector(cr__ydoc *y, struct cr_monitor_rules *r, enum cr_detector k,
                       yaml_node_t *map)
{
    const char *det = det_names[k];
    if (!map || map->type != YAML_MAPPING_NODE)
        return cr__yfail(y, map, "detectors.%s must be a mapping of its settings", det);
    cr_err rc = bool_field(y, map, det, "enabled", &r->enabled[k]);
    if (rc)
        return rc;
    switch (k) {
    case CR_DET_ADDRESS_CLUSTER: {
        static const char *const keys[] = {"enabled",    "min_firms",         "burst_firms",
                                           "burst_days", "burst_within_days", NULL};
        rc = cr__yonly(y, map, keys, "detectors.address_cluster");
        if (rc)
            return rc;
        return int_field(y, map, det, "min_firms", 2, FIRMS, &r->address_cluster.min_firms) ||
                       int_field(y, map, det, "burst_firms", 2, FIRMS,
                                 &r->address_cluster.burst_firms) ||
                       int_field(y, map, det, "burst_days", 1, DAYS,
                                 &r->address_cluster.burst_days) ||
                       int_field(y, map, det, "burst_within_days", 1, DAYS,
                                 &r->address_cluster.burst_within_days)
                   ? CR_EPARSE
                   : CR_OK;
    }
    case CR_DET_PERSON_CLUSTER: {
        static const char *const keys[] = {"enabled",
                                           "rep_role",
                                           "rep_min_firms",
                                           "shareholder_role",
                                           "shareholder_min_firms",
                                           "burst_firms",
                                           "burst_days",
                                           "burst_within_days",
                                           "ring_min_firms",
                                           NULL};
        rc = cr__yonly(y, map, keys, "detectors.person_cluster");
        if (rc)
            return rc;
        return str_field(y, map, det, "rep_role", &r->person_cluster.rep_role) ||
                       str_field(y, map, det, "shareholder_role",
                                 &r->person_cluster.shareholder_role) ||
                       int_field(y, map, det, "rep_min_firms", 0, FIRMS,
                                 &r->person_cluster.rep_min_firms) ||
                       int_field(y, map, det, "shareholder_min_firms", 0, FIRMS,
                                 &r->person_cluster.shareholder_min_firms) ||
                       int_field(y, map, det, "burst_firms", 2, FIRMS,
                                 &r->person_cluster.burst_firms) ||
                       int_field(y, map, det, "burst_days", 1, DAYS,
                                 &r->person_cluster.burst_days) ||
                       int_field(y, map, det, "burst_within_days", 1, DAYS,
                                 &r->person_cluster.burst_within_days) ||
                       int_field(y, map, det, "ring_min_firms", 2, FIRMS,
                                 &r->person_cluster.ring_min_firms)
                   ? CR_EPARSE
                   : CR_OK;
    }
    case CR_DET_LEVEL_JUMP: {
        static const char *const keys[] = {"enabled", "from", "to", "max_indicators", NULL};
        rc = cr__yonly(y, map, keys, "detectors.level_jump");
        if (rc)
            return rc;
        return levels_field(y, map, "from", r->level_jump.from) ||
                       levels_field(y, map, "to", r->level_jump.to) ||
                       int_field(y, map, det, "max_indicators", 0, 5, &r->level_jump.max_indicators)
                   ? CR_EPARSE
                   : CR_OK;
    }
    case CR_DET_ZOMBIE: {
        static const char *const keys[] = {"enabled",     "years",    "min_age_days",
                                           "report_kind", "tax_kind", NULL};
        rc = cr__yonly(y, map, keys, "detectors.zombie");
        if (rc)
            return rc;
        return int_field(y, map, det, "years", 1, 100, &r->zombie.years) ||
                       int_field(y, map, det, "min_age_days", 0, DAYS, &r->zombie.min_age_days) ||
                       str_field(y, map, det, "report_kind", &r->zombie.report_kind) ||
                       str_field(y, map, det, "tax_kind", &r->zombie.tax_kind)
                   ? CR_EPARSE
                   : CR_OK;
    }
    case CR_DET_UNREACHABLE: {
        static const char *const keys[] = {"enabled",  "kind",        "reason_attr",
                                           "reasons",  "within_days", "no_tax_days",
                                           "tax_kind", "listed_days", NULL};
        rc = cr__yonly(y, map, keys, "detectors.unreachable");
        if (rc)
            return rc;
        return str_field(y, map, det, "kind", &r->unreachable.kind) ||
                       str_field(y, map, det, "reason_attr", &r->unreachable.reason_attr) ||
                       strs_field(y, map, det, "reasons", &r->unreachable.reasons,
                                  &r->unreachable.n_reasons) ||
                       int_field(y, map, det, "within_days", 1, DAYS,
                                 &r->unreachable.within_days) ||
                       int_field(y, map, det, "no_tax_days", 1, DAYS,
                                 &r->unreachable.no_tax_days) ||
                       int_field(y, map, det, "listed_days", 0, DAYS,
                                 &r->unreachable.listed_days) ||
                       str_field(y, map, det, "tax_kind", &r->unreachable.tax_kind)
                   ? CR_EPARSE
                   : CR_OK;
    }
    case CR_DET_LEGAL_REP_CHURN: {
        static const char *const keys[] = {"enabled",     "kind",        "item_attr", "items",
                                           "min_changes", "window_days", NULL};
        rc = cr__yonly(y, map, keys, "detectors.legal_rep_churn");
        if (rc)
            return rc;
        return str_field(y, map, det, "kind", &r->legal_rep_churn.kind) ||
                       str_field(y, map, det, "item_attr", &r->legal_rep_churn.item_attr) ||
                       strs_field(y, map, det, "items", &r->legal_rep_churn.items,
                                  &r->legal_rep_churn.n_items) ||
                       int_field(y, map, det, "min_changes", 2, FIRMS,
                                 &r->legal_rep_churn.min_changes) ||
                       int_field(y, map, det, "window_days", 1, DAYS,
                                 &r->legal_rep_churn.window_days)
                   ? CR_EPARSE
                   : CR_OK;
    }
    case CR_DET_CAPITAL_MISMATCH: {
        static const char *const keys[] = {"enabled",     "min_capital_yuan", "zero_tax",
                                           "tax_kind",    "tax_window_days",  "zero_employees",
                                           "report_kind", "employees_attr",   NULL};
        rc = cr__yonly(y, map, keys, "detectors.capital_mismatch");
        if (rc)
            return rc;
        return money_field(y, map, det, "min_capital_yuan", &r->capital_mismatch.min_capital_fen) ||
                       bool_field(y, map, det, "zero_tax", &r->capital_mismatch.zero_tax) ||
                       str_field(y, map, det, "tax_kind", &r->capital_mismatch.tax_kind) ||
                       int_field(y, map, det, "tax_window_days", 1, DAYS,
                                 &r->capital_mismatch.tax_window_days) ||
                       bool_field(y, map, det, "zero_employees",
                                  &r->capital_mismatch.zero_employees) ||
                       str_field(y, map, det, "report_kind", &r->capital_mismatch.report_kind) ||
                       str_field(y, map, det, "employees_attr", &r->capital_mismatch.employees_attr)
                   ? CR_EPARSE
                   : CR_OK;
    }
    default:
        return CR_EINVAL;
    }
}

/* The whole file in *text (malloc'd, *len bytes): read once, so that the hash recorded with a
 * run is the hash of the very bytes parsed; only from a regular file (a FIFO would hang the
 * reader, a device never end) and at most CR_YAML_MAX_BYTES (cr_file_read). */
static cr_err read_rules(const char *path, char **text, size_t *len, cr_diag *d)
{
    return cr_file_read(path, CR_YAML_MAX_BYTES, CR_FILE_REGULAR, text, len, d);
}

/* The content hash as cr_hash_file computes it (64 KiB at a time), of the bytes in memory. */
static void hash_text(const char *text, size_t len, char out[17])
{
    uint64_t h = 0;
    for (size_t at = 0; at < len; at += 65536)
        h = cr_hash64(text + at, len - at < 65536 ? len - at : 65536, h);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

cr_err cr_monitor_rules_load(const char *path, struct cr_monitor_rules **out, cr_diag *d)
{
    struct cr_monitor_rules *r = calloc(1, sizeof *r);
    if (!r)
        return CR_ENOMEM;
    cr__ydoc y;
    memset(&y, 0, sizeof y);
    cr_err rc = defaults(r);
    if (rc) {
        cr_monitor_rules_free(r);
        return rc;
    }
    char *text = NULL;
    size_t len = 0;
    rc = read_rules(path, &text, &len, d);
    if (rc) {
        cr_monitor_rules_free(r);
        return rc;
    }
    hash_text(text, len, r->hash);
    rc = cr__ydoc_load_mem(&y, path, text, len, d);
    free(text);
    yaml_node_t *root = rc ? NULL : cr__yroot(&y);
    static const char *const keys[] = {"rules", "version", "inactive_status", "detectors", NULL};
    if (!rc && (!root || root->type != YAML_MAPPING_NODE))
        rc = cr__yfail(&y, root, "a rules file is a mapping with rules, version and detectors");
    if (!rc)
        rc = cr__yonly(&y, root, keys, "the rules file");
    if (!rc)
        rc = cr__ystr(&y, root, "rules", 1, &r->id, "the rules file");
    if (!rc && !cr__yget(&y, root, "version"))
        rc = cr__yfail(&y, root, "the rules file needs a version");
    if (!rc)
        rc = int_field(&y, root, "rules", "version", 0, 1000000000L, &r->version);
    if (!rc)
        rc = strs_field(&y, root, "rules", "inactive_status", &r->inactive, &r->n_inactive);
    yaml_node_t *dets = rc ? NULL : cr__yget(&y, root, "detectors");
    if (!rc && (!dets || dets->type != YAML_MAPPING_NODE))
        rc = cr__yfail(&y, dets ? dets : root, "the rules file needs a mapping 'detectors'");
    if (!rc) {
        static const char *const names[CR_DET__N + 1] = {
            "address_cluster", "person_cluster",  "level_jump",       "zombie",
            "unreachable",     "legal_rep_churn", "capital_mismatch", NULL};
        rc = cr__yonly(&y, dets, names, "detectors");
    }
    for (int k = 0; !rc && k < CR_DET__N; k++) {
        yaml_node_t *m = cr__yget(&y, dets, det_names[k]);
        if (m)
            rc = detector(&y, r, (enum cr_detector)k, m);
    }
    cr__ydoc_free(&y);
    if (rc) {
        cr_monitor_rules_free(r);
        return rc;
    }
    *out = r;
    return CR_OK;
}

void cr_monitor_rules_free(struct cr_monitor_rules *r)
{
    if (!r)
        return;
    free(r->id);
    cr__ystrs_free(r->inactive, r->n_inactive);
    free(r->person_cluster.rep_role);
    free(r->person_cluster.shareholder_role);
    free(r->zombie.report_kind);
    free(r->zombie.tax_kind);
    free(r->unreachable.kind);
    free(r->unreachable.reason_attr);
    free(r->unreachable.tax_kind);
    cr__ystrs_free(r->unreachable.reasons, r->unreachable.n_reasons);
    free(r->legal_rep_churn.kind);
    free(r->legal_rep_churn.item_attr);
    cr__ystrs_free(r->legal_rep_churn.items, r->legal_rep_churn.n_items);
    free(r->capital_mismatch.tax_kind);
    free(r->capital_mismatch.report_kind);
    free(r->capital_mismatch.employees_attr);
    free(r);
}
