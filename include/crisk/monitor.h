/* Monitor: detectors over the store (一址多照, 一人多企, level jumps, zombies, unreachable firms,
 * legal-representative churn, capital mismatch) whose findings become warnings with stable
 * identities, evidence and a lifecycle (docs/monitor.md). Rules: models/monitor.yaml. */
#ifndef CRISK_MONITOR_H
#define CRISK_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"
#include "crisk/model.h"
#include "crisk/store.h"

enum cr_detector {
    CR_DET_ADDRESS_CLUSTER,
    CR_DET_PERSON_CLUSTER,
    CR_DET_LEVEL_JUMP,
    CR_DET_ZOMBIE,
    CR_DET_UNREACHABLE,
    CR_DET_LEGAL_REP_CHURN,
    CR_DET_CAPITAL_MISMATCH,
    CR_DET__N
};

/* The detector's name as in the rules file and the warning table ("address_cluster", ...). */
const char *cr_detector_name(enum cr_detector d);

/* The rules of models/monitor.yaml, every field with its documented default. */
struct cr_monitor_rules {
    char *id;
    int version;
    char hash[17];   /* the file's content hash, hex */
    char **inactive; /* a firm whose status is one of these texts (whole) is left out */
    size_t n_inactive;
    int enabled[CR_DET__N];
    struct {
        int min_firms, burst_firms, burst_days, burst_within_days;
    } address_cluster;
    struct {
        char *rep_role, *shareholder_role;
        int rep_min_firms, shareholder_min_firms; /* 0: that count is off */
        int burst_firms, burst_days, burst_within_days;
        int ring_min_firms;
    } person_cluster;
    struct {
        char from[5], to[5]; /* levels, e.g. "AB" and "CD" */
        int max_indicators;
    } level_jump;
    struct {
        int years, min_age_days;
        char *report_kind, *tax_kind;
    } zombie;
    struct {
        char *kind, *reason_attr, *tax_kind;
        char **reasons; /* a reason containing one of these texts matches; an entry of digits
                         * only is a reason code (DOMAIN.md §3: 4 = 无法联系) and matches a
                         * reason that is exactly that code */
        size_t n_reasons;
        int within_days, listed_days, no_tax_days;
    } unreachable;
    struct {
        char *kind, *item_attr;
        char **items; /* a change whose item text contains one of these counts: a composite
                       * "法定代表人;住所" is a change of the legal representative */
        size_t n_items;
        int min_changes, window_days;
    } legal_rep_churn;
    struct {
        int64_t min_capital_fen; /* the file's min_capital_yuan, in 分 */
        char *tax_kind, *report_kind, *employees_attr;
        int tax_window_days, zero_tax, zero_employees;
    } capital_mismatch;
};

/* Loads and checks a rules file: unknown keys, wrong types and values out of range are errors
 * naming the file, line and field (CR_EPARSE); CR_ENOTFOUND / CR_EIO when it cannot be read,
 * CR_EINVAL when it is not a regular file, CR_ERANGE when it is over 16 MiB (cr_file_read).
 * Free with cr_monitor_rules_free. */
cr_err cr_monitor_rules_load(const char *path, struct cr_monitor_rules **out,
                             cr_diag *d) CR_MUST_USE;
void cr_monitor_rules_free(struct cr_monitor_rules *r);

struct cr_monitor_result {
    int64_t run;
    size_t open, by_detector[CR_DET__N]; /* open warnings after the run */
    size_t found[CR_DET__N];             /* findings of this run */
    size_t n_new, n_updated, n_closed, n_reopened;
    /* Why an enabled detector did not run ("" when it ran or is disabled): its warnings were
     * left as they were, neither found nor closed. */
    char skipped[CR_DET__N][128];
    double seconds;
    double t_load, t_detect, t_write; /* seconds: city load, detectors, briefs and writes */
    /* The address-key rules version of the store's keys (cr_store_addr_key_rules; 0 unknown),
     * written into the evidence of warnings identified by an address key. A value other than
     * CR_ADDR_KEY_RULES means the keys were made by other rules than this crisk's. */
    int key_rules;
};

/* Runs every enabled detector over the store as of the day as_of and brings the warnings up to
 * date in one transaction (the caller holds the writer lock): a finding with a new identity is
 * a new warning, one whose evidence changed an update, a closed one found again reopened, an
 * open one not found closed; one monitor_run row records it. m: the model whose event flags
 * the city load evaluates (the latest classification's, so the column cache classify built is
 * reused); any model works. */
cr_err cr_monitor_run(cr_store *s, const struct cr_monitor_rules *r, const cr_model *m,
                      int32_t as_of, struct cr_monitor_result *out, cr_diag *d) CR_MUST_USE;

#endif
