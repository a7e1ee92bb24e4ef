/* Internals of the monitor: the findings the detectors (detect.c) hand to the warning writer
 * (monitor.c). */
#ifndef CRISK_MONITOR_INTERNAL_H
#define CRISK_MONITOR_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "crisk/city.h"
#include "crisk/classify.h"
#include "crisk/monitor.h"

enum { CAND_UNREACHABLE = 1, CAND_CHURN = 2, CAND_CAPITAL = 4 };

/* What one pass over a firm's events found (days ≤ as-of; CR_NO_DAY when none). */
struct firm {
    int32_t last_report, last_ztax, last_utax, last_cpos_tax, last_creport;
    uint32_t n_abnormal, n_change, n_churn, cap_churn;
    uint8_t cand;
    int32_t listed_day, report_day;
    char *listed_reason;
    double employees;
    int32_t *churn_days; /* the matching changes' days (candidates only) */
};

/* A shell ring inside a person's finding: firms (dense ids) sharing the person and an address. */
struct ring {
    size_t *firms, n;
};

/* One finding: a detector's check that holds for a set of firms (dense ids). */
struct finding {
    enum cr_detector det;
    const char *check; /* address_cluster, legal_rep, shareholder, shell_ring, zombie, ... */
    size_t *firms, n_firms;
    int64_t person; /* store person id, -1 none */
    int by_addr;    /* identified by the firms' address key */
    json_t *facts;
    /* for the summary */
    size_t n_count, n_burst;
    int burst_days;
    char level_before, level_after;
    int32_t day;
    char *text;
    int zero_tax, zero_emp;
    double capital_wan;
    /* legal_rep only: the person's shell rings, merged into this one warning (one visit, one
     * task per grid) instead of a shell_ring warning of their own */
    struct ring *rings;
    size_t n_rings;
};

struct mon {
    cr_store *s;
    const struct cr_monitor_rules *r;
    const cr_model *model;
    const struct cr_city *c;
    int32_t as_of;
    struct firm *f;
    uint8_t *act; /* by dense id: 1 when the firm operates */
    struct finding *found;
    size_t n_found, cap_found;
    int key_rules;                /* the store's address-key rules version, 0 unknown */
    int ran[CR_DET__N];           /* enabled and not skipped */
    char skipped[CR_DET__N][128]; /* why an enabled detector did not run, "" when it ran */
};

cr_err cr__monitor_detect(struct mon *M) CR_MUST_USE;
/* The level_jump detector (jump.c). */
cr_err cr__monitor_level_jump(struct mon *M) CR_MUST_USE;

/* Shared by the detectors (detect.c): a day as JSON ("YYYY-MM-DD", null for none); a new
 * finding of det (NULL when out of memory); its firms (dense ids, copied; nonzero when out of
 * memory); whether firm e operates; the dense id of subject (SIZE_MAX when not in the city). */
json_t *cr__monitor_date_json(int32_t day);
struct finding *cr__monitor_finding_add(struct mon *M, enum cr_detector det, const char *check);
int cr__monitor_finding_firms(struct finding *f, const size_t *e, size_t n);
int cr__monitor_active(const struct mon *M, size_t e);
size_t cr__monitor_dense(const struct cr_city *c, int64_t subject);
void cr__monitor_date(int32_t day, char out[11]);

#endif
