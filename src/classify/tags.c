#include "crisk/tags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ydoc.h"
#include "crisk/hash.h"

static cr_err parse_rule(cr__ydoc *y, yaml_node_t *n, struct cr_tag_rule *r, const cr_tagset *t)
{
    static const char *const keys[] = {"id", "name", "when", NULL};
    static const char *const conds[] = {"industry", "type_has", "kinds", "window_days",
                                        "levels",   "any_tags", NULL};
    cr_err rc;
    r->line = cr__yline(n);
    if ((rc = cr__yonly(y, n, keys, "a tag")) || (rc = cr__ystr(y, n, "id", 1, &r->id, "a tag")) ||
        (rc = cr__ystr(y, n, "name", 1, &r->name, r->id)))
        return rc;
    yaml_node_t *w = cr__yget(y, n, "when");
    if (!w)
        return cr__yfail(y, n, "tag %s needs 'when' conditions", r->id);
    if ((rc = cr__yonly(y, w, conds, "when")) ||
        (rc = cr__ystrs(y, cr__yget(y, w, "industry"), &r->industry, &r->n_industry, "industry")) ||
        (rc = cr__ystrs(y, cr__yget(y, w, "type_has"), &r->type_has, &r->n_type_has, "type_has")) ||
        (rc = cr__ystrs(y, cr__yget(y, w, "kinds"), &r->kinds, &r->n_kinds, "kinds")) ||
        (rc = cr__ystrs(y, cr__yget(y, w, "any_tags"), &r->any_tags, &r->n_any_tags, "any_tags")))
        return rc;
    yaml_node_t *wd = cr__yget(y, w, "window_days");
    if (wd) {
        double v;
        if ((rc = cr__ynum(y, wd, &v, "window_days")))
            return rc;
        if (v < 1 || v > 36500 || !r->n_kinds)
            return cr__yfail(y, wd, "window_days of %s needs kinds and 1..36500 days", r->id);
        r->window_days = (int)v;
    }
    const char *lv = cr__yscalar(cr__yget(y, w, "levels"));
    if (lv) {
        if (strlen(lv) > 4 || strspn(lv, "ABCD") != strlen(lv) || !*lv)
            return cr__yfail(y, cr__yget(y, w, "levels"),
                             "levels of %s must be letters A-D, not '%s'", r->id, lv);
        memcpy(r->levels, lv, strlen(lv) + 1);
    }
    for (size_t i = 0; i < r->n_any_tags; i++) {
        int known = 0;
        for (size_t k = 0; k < t->n && !known; k++)
            known = strcmp(t->rules[k].id, r->any_tags[i]) == 0;
        if (!known)
            return cr__yfail(y, cr__yget(y, w, "any_tags"),
                             "tag %s refers to '%s', which is not defined before it", r->id,
                             r->any_tags[i]);
    }
    if (!r->n_industry && !r->n_type_has && !r->n_kinds && !r->levels[0] && !r->n_any_tags)
        return cr__yfail(y, w, "tag %s has no condition", r->id);
    for (size_t k = 0; k < t->n; k++)
        if (strcmp(t->rules[k].id, r->id) == 0)
            return cr__yfail(y, n, "duplicate tag id '%s'", r->id);
    return CR_OK;
}

cr_err cr_tags_load(const char *path, cr_tagset **out, cr_diag *d)
{
    cr__ydoc y;
    cr_err rc = cr__ydoc_load(&y, path, d);
    cr_tagset *t = rc ? NULL : calloc(1, sizeof *t);
    if (!rc && !t)
        rc = CR_ENOMEM;
    yaml_node_t *root = rc ? NULL : cr__yroot(&y);
    static const char *const keys[] = {"tags", NULL};
    if (!rc)
        rc = cr__yonly(&y, root, keys, "a tag file");
    yaml_node_t *list = rc ? NULL : cr__yget(&y, root, "tags");
    size_t k = cr__ylen(list);
    if (!rc && (!k || k > CR_MAX_TAGS))
        rc = cr__yfail(&y, list ? list : root, "'tags' must be a list of 1 to %d rules",
                       CR_MAX_TAGS);
    if (!rc && !(t->rules = calloc(k, sizeof *t->rules)))
        rc = CR_ENOMEM;
    for (size_t i = 0; !rc && i < k; i++) {
        rc = parse_rule(&y, cr__yitem(&y, list, i), &t->rules[i], t);
        t->n++;
    }
    if (!rc && !(t->path = strdup(path)))
        rc = CR_ENOMEM;
    if (!rc && cr_hash_file(path, t->hash))
        rc = cr_diag_set(d, CR_EIO, path, 0, 0, "cannot read the rules again to hash them");
    cr__ydoc_free(&y);
    if (rc) {
        cr_tags_free(t);
        return rc;
    }
    *out = t;
    return CR_OK;
}

void cr_tags_free(cr_tagset *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        struct cr_tag_rule *r = &t->rules[i];
        free(r->id);
        free(r->name);
        cr__ystrs_free(r->industry, r->n_industry);
        cr__ystrs_free(r->type_has, r->n_type_has);
        cr__ystrs_free(r->kinds, r->n_kinds);
        cr__ystrs_free(r->any_tags, r->n_any_tags);
    }
    free(t->rules);
    free(t->path);
    free(t);
}

static int has_event(const struct cr_city *c, size_t e, const uint8_t *kind_ok, int window,
                     int32_t as_of)
{
    size_t lo, hi;
    cr_city_events(c, e, &lo, &hi);
    for (size_t j = lo; j < hi; j++) {
        int32_t day = c->ev_day[j];
        int k = c->topic_kind[c->ev_topic[j]];
        if (k >= 0 && kind_ok[k] && day <= as_of && (window <= 0 || day > as_of - window))
            return 1;
    }
    return 0;
}

void cr_tags_apply(const cr_tagset *t, const struct cr_city *c, const char *levels, int32_t as_of,
                   uint64_t *out)
{
    memset(out, 0, c->n * sizeof *out);
    uint8_t *kind_ok = calloc(c->n_kinds + 1, 1);
    for (size_t r = 0; kind_ok && r < t->n; r++) {
        const struct cr_tag_rule *rule = &t->rules[r];
        memset(kind_ok, 0, c->n_kinds + 1);
        for (size_t i = 0; i < rule->n_kinds; i++)
            for (size_t k = 0; k < c->n_kinds; k++)
                if (strcmp(c->kinds[k], rule->kinds[i]) == 0)
                    kind_ok[k] = 1;
        uint64_t any_mask = 0;
        for (size_t i = 0; i < rule->n_any_tags; i++)
            for (size_t k = 0; k < r; k++)
                if (strcmp(t->rules[k].id, rule->any_tags[i]) == 0)
                    any_mask |= 1ULL << k;
        for (size_t e = 0; e < c->n; e++) {
            int ok = 1;
            if (rule->n_industry) {
                ok = 0;
                for (size_t i = 0; c->industry[e] && i < rule->n_industry && !ok; i++)
                    ok = strncmp(c->industry[e], rule->industry[i], strlen(rule->industry[i])) == 0;
            }
            if (ok && rule->n_type_has) {
                ok = 0;
                for (size_t i = 0; c->type[e] && i < rule->n_type_has && !ok; i++)
                    ok = strstr(c->type[e], rule->type_has[i]) != NULL;
            }
            if (ok && rule->levels[0])
                ok = levels && levels[e] && strchr(rule->levels, levels[e]) != NULL;
            if (ok && any_mask)
                ok = (out[e] & any_mask) != 0;
            if (ok && rule->n_kinds)
                ok = has_event(c, e, kind_ok, rule->window_days, as_of);
            if (ok)
                out[e] |= 1ULL << r;
        }
    }
    free(kind_ok);
}
