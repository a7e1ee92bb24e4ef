/* The inspect stage (docs/inspect.md, docs/draw.md): differentiated double-random plans
 * (双随机、一公开). A plan file says what may be drawn and how much per level; `crisk plan` freezes
 * its eligible list in the store before any seed is known; the draw is a pure function of the
 * plan, that list and a seed, which anyone can recompute. */
#ifndef CRISK_INSPECT_H
#define CRISK_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crisk/err.h"
#include "crisk/store.h"

/* Ratios are held in basis points (1/10000): 5 % = 500. Integer arithmetic makes the rounding of
 * every stratum's size exact and the same in any language (docs/draw.md). */
#define CR_BP 10000

/* The version of the rules by which a plan file's text becomes its settings, recorded with
 * every plan ("rules" in its settings) so that `crisk draw verify` reads an old plan's text by
 * the rules it was recorded under (docs/inspect.md "Plan rules"). 1: a key left out of a
 * partial exemptions: or triggers: block has no value (tolerance_tag none, complaint_kinds
 * none); 2: each key left out has its documented default, and `tolerance_tag: null` or
 * `complaint_kinds: []` turn the tag or the kinds off. */
#define CR_PLAN_RULES 2

/* One check item of the plan, from the check-item list file (code,name,basis,qualifications). */
struct cr_check_item {
    char *code, *name, *basis;
    char **quals; /* inspector qualifications the item needs */
    size_t n_quals;
};

/* A loaded plan: every policy number with its default (docs/inspect.md). */
struct cr_plan {
    int rules; /* CR_PLAN_RULES when read from a file; as recorded when read back */
    char *name, *batch;
    int year;
    int routine; /* a routine plan's draws exempt their firms from the next routine plans */
    /* scope: each list empty = no restriction */
    char **districts, **streets, **industry, **tags, **types;
    size_t n_districts, n_streets, n_industry, n_tags, n_types;
    char levels[5]; /* the levels in scope, "ABCD" by default */
    struct cr_check_item *items;
    size_t n_items;
    char **quals; /* the union of the items' qualifications, sorted */
    size_t n_quals;
    int ratio_bp[4];  /* per level A..D; default Yuexiu 500/1500/3000/5000 */
    char mode[4][16]; /* "on-site" or "off-site" per level */
    int random_bp;    /* the uniform-random arm's share of the sample, default 1000 */
    int inspectors;   /* per inspection, >= 2 */
    int workload_cap; /* inspections per inspector and draw, default 30 */
    /* exemptions */
    int recent_days;     /* drawn by a routine plan within this many days: 365 */
    char **dereg_status; /* status texts that mean deregistered/revoked */
    size_t n_dereg_status;
    char *tolerance_tag;      /* "high_tech" */
    char **tolerance_list;    /* USCCs configured as in tolerance (with tolerance_since) */
    int32_t *tolerance_since; /* day of certification of each, for the years test */
    size_t n_tolerance_list;
    int tolerance_years; /* default 2 [NF] */
    /* triggers */
    int trigger_warnings;   /* an open warning triggers; default 1 */
    char **complaint_kinds; /* event kinds that trigger: ["complaint"] */
    size_t n_complaint_kinds;
    int complaint_days; /* the window: default 90 */
    /* 免罚清单: the items (基本编码) whose first minor violation, corrected in time, is not
     * penalised; a repeat within no_penalty_days is */
    char **no_penalty;
    size_t n_no_penalty;
    int no_penalty_days; /* default 365 [NF] */
    /* recusal: declared conflicts, staff id and USCC (or person name) */
    char **conflict_staff, **conflict_with;
    size_t n_conflicts;
};

/* The largest plan file (1 MiB; a plan is a few hundred lines) and the largest list file it
 * names (check items, tolerance list, 免罚清单, conflicts: 16 MiB) that are read; a longer one
 * is refused by its size before it is read (docs/inspect.md "Sizes"). */
#define CR_PLAN_MAX_BYTES ((size_t)1 << 20)
#define CR_PLAN_LIST_MAX_BYTES ((size_t)16 << 20)

/* Loads a plan file (one YAML document); relative file names inside it (check_items,
 * tolerance_list, conflicts) are read beside it; day is the plan's day (a tolerance list's
 * certification may not follow it). Errors name file:line. Free with cr_plan_free (also after a
 * failure). */
cr_err cr_plan_load(const char *path, int32_t day, struct cr_plan *p, cr_diag *d) CR_MUST_USE;
void cr_plan_free(struct cr_plan *p);
/* The same from the text of a plan file in memory (name stands for its path in messages),
 * without reading the list files it names: the items keep their codes alone, and the
 * qualifications, tolerance list, 免罚清单 and conflicts stay empty. What `crisk draw verify`
 * re-derives the recorded settings from, by plan rules version rules (1..CR_PLAN_RULES). */
cr_err cr_plan_load_text(const char *name, const char *text, size_t len, int rules,
                         struct cr_plan *p, cr_diag *d) CR_MUST_USE;
/* The plan's resolved settings as JSON (what the store records beside the text, and what a
 * draw reads back), and the way back. */
json_t *cr_plan_to_json(const struct cr_plan *p);
/* The plan rules version recorded in settings: 1 when none is (a plan of an older crisk), the
 * version when it is a whole number from 1 to INT_MAX (later ones than CR_PLAN_RULES too), 0
 * when it is anything else. */
int cr_plan_rules_of(const json_t *settings);
cr_err cr_plan_from_json(const json_t *j, struct cr_plan *p, cr_diag *d) CR_MUST_USE;

/* The classes of the frozen eligible list. */
enum cr_elig_class {
    CR_EL_POOL = 0,      /* drawn by chance */
    CR_EL_TRIGGERED,     /* in the sample regardless (open warning or complaint) */
    CR_EL_EXEMPT_RECENT, /* drawn by a routine plan within recent_days */
    CR_EL_EXEMPT_STATUS, /* deregistered or revoked */
    CR_EL_EXEMPT_TOLERANCE,
    CR_EL__N
};
extern const char *const cr_elig_class_name[CR_EL__N]; /* "pool", "triggered", ... */
cr_err cr_elig_class_parse(const char *s, enum cr_elig_class *out) CR_MUST_USE;

/* One firm of the frozen eligible list. */
struct cr_elig {
    int64_t subject;
    const char *key;    /* USCC, or the department's own key (owned by whoever built the list) */
    char level;         /* 'A'..'D' */
    uint8_t cls;        /* enum cr_elig_class */
    const char *street; /* its street code, "" without one (owned as key is) */
};

/* SHA-256 (hex) of the list's canonical text: "key,level,class\n" per firm in ascending byte
 * order of key (the list must be so sorted). */
cr_err cr_elig_hash(const struct cr_elig *e, size_t n, char hex[65]) CR_MUST_USE;
/* Sorts by key. */
void cr_elig_sort(struct cr_elig *e, size_t n);

/* One sampled firm. */
enum cr_arm { CR_ARM_TARGETED = 0, CR_ARM_RANDOM, CR_ARM_TRIGGERED };
extern const char *const cr_arm_name[3];
struct cr_drawn {
    size_t elig; /* index into the eligible list */
    uint8_t arm;
};

/* The draw (docs/draw.md): from the eligible list e (sorted by key), the plan's id, hash and
 * ratios and the seed. Writes a malloc'd array of the sampled firms in key order. */
cr_err cr_draw_compute(const struct cr_plan *p, int64_t plan_id, const char *plan_hash,
                       const struct cr_elig *e, size_t n, const char *seed, struct cr_drawn **out,
                       size_t *n_out) CR_MUST_USE;

/* An inspector of the roster (the store's, or a roster file read by cr_roster_read of
 * crisk/respond.h: one reader for both). */
struct cr_inspector {
    const char *id, *division, *qualifications; /* qualifications ';'-separated */
};
/* A firm's recusals beyond the plan's conflicts: the inspectors of its last inspection. */
struct cr_recusal {
    int64_t subject;
    const char *staff;
};
/* Draws p->inspectors inspectors for each sampled firm (docs/draw.md "Inspectors"). out[i] is
 * a malloc'd ';'-joined list of staff ids (possibly shorter than needed); why[i] is NULL or a
 * malloc'd Chinese/English reason when the station could not staff it. */
cr_err cr_draw_inspectors(const struct cr_plan *p, int64_t plan_id, const char *plan_hash,
                          const char *seed, const struct cr_elig *e, const struct cr_drawn *dr,
                          size_t n, const struct cr_inspector *staff, size_t n_staff,
                          const struct cr_recusal *rec, size_t n_rec, char **out,
                          char **why) CR_MUST_USE;

/* Records the plan file at path in the store: its text and hash, its settings, and its frozen
 * eligible list (the latest classification run's levels and tags, scope, exemptions and
 * triggers as of today). *report: {"plan":ID,"eligible":...,"pool":...,"exempt":{...},...}. */
cr_err cr_inspect_plan(cr_store *s, const char *path, int32_t today, json_t **report,
                       cr_diag *d) CR_MUST_USE;
/* A redraw: who replaces the plan's standing draw and why (both non-empty, no control
 * characters). */
struct cr_redraw {
    const char *by, *reason;
};
/* The longest seed and the longest --reason or --by of a redraw, in bytes (docs/draw.md "The
 * seed"); both are checked by cr_text_problem (crisk/text.h), a seed in NFKC form. */
#define CR_SEED_MAX_BYTES 200
#define CR_DRAW_TEXT_MAX_BYTES 4000
/* The longest name of the user who records a result (--by, the by column of --import), in bytes:
 * a name, not a note (docs/inspect.md "Results"); checked by cr_text_problem. */
#define CR_RESULT_BY_MAX_BYTES 200
/* The longest name or batch of a plan, in bytes (docs/inspect.md "The plan file"). */
#define CR_PLAN_NAME_MAX_BYTES 400
/* Draws plan_id with seed, staffs each inspection from staff (the roster's inspectors) and
 * records the draw. A plan is drawn once: when it already has a standing draw, CR_EINVAL unless
 * redraw is given, which voids that draw in the same transaction (docs/draw.md "One draw per
 * plan"). CR_EINVAL too when today is before the plan's day. *report as `crisk draw --json`
 * prints it. */
cr_err cr_inspect_draw(cr_store *s, int64_t plan_id, const char *seed, int32_t today,
                       const struct cr_inspector *staff, size_t n_staff,
                       const struct cr_redraw *redraw, json_t **report, cr_diag *d) CR_MUST_USE;
/* Recomputes draw from its plan's frozen list and seed and the roster and recusals recorded
 * with it (docs/draw.md "Verifying a draw"): *match = 1 when the plan's text still has its
 * recorded hash, the list its recorded hash, the draw's day is not before the plan's, and every
 * recorded firm, level, arm, inspector list and unstaffed reason is the recomputed one.
 * *report: the checks and "problems", the messages of what differs. */
cr_err cr_inspect_verify(cr_store *s, int64_t draw, int *match, json_t **report,
                         cr_diag *d) CR_MUST_USE;

/* The results whose 免罚 decision a newly recorded, earlier-dated violation withdrew (they are
 * repeats now): how many, and the first ids. */
struct cr_inspect_withdrawn {
    size_t n;
    int64_t id[16];
};
/* One result to record. */
struct cr_inspect_result {
    int64_t inspection;
    const char *code;  /* a code of cr_result_codes or its Chinese label */
    const char *items; /* ';'-separated check items (or 免罚清单 基本编码) found violated */
    const char *by;    /* the user recording it */
    int32_t day;       /* the day of the inspection */
    const char *inspectors; /* NULL: the drawn inspectors; else checked (docs/inspect.md) */
    int32_t today;          /* day must lie in [the draw's day, today] */
    struct cr_inspect_withdrawn *withdrawn; /* NULL, or where withdrawn 免罚 decisions go */
};
/* Records a result inside the caller's transaction: the inspection's result, label and
 * problem flag, the 免罚清单 decision (*penalty_exempt), and the firm's event on topic
 * crisk/inspection (kind inspection, attrs 检查结果 = the Chinese result) for the next
 * classification. An inspection that already has a result is an error. */
cr_err cr_inspect_record(cr_store *s, const struct cr_inspect_result *r, int *penalty_exempt,
                         cr_diag *d) CR_MUST_USE;
/* Records every row of a CSV file (inspection,result,items,by,date; date empty = today); the
 * first bad row is an error naming its line. w (may be NULL): the 免罚 decisions withdrawn. */
cr_err cr_inspect_import(cr_store *s, const char *path, int32_t day_default, int32_t today,
                         size_t *n_done, size_t *n_exempt, struct cr_inspect_withdrawn *w,
                         cr_diag *d) CR_MUST_USE;

/* Official results (DOMAIN.md §2). */
struct cr_result_code {
    const char *code, *label;
    int problem; /* 1: a problem was found (a positive label for learning) */
};
extern const struct cr_result_code cr_result_codes[];
extern const size_t cr_n_result_codes;
const struct cr_result_code *cr_result_find(const char *code);

#endif
