/* The respond stage (docs/respond.md): the supervision roster, tasks routed from warnings to the
 * grid, street or district that owns a firm, their lifecycle, deadlines in working days and
 * escalation. Layer respond: uses base and store. */
#ifndef CRISK_RESPOND_H
#define CRISK_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/calendar.h"
#include "crisk/err.h"
#include "crisk/ref.h"
#include "crisk/store.h"

/* ---- roster ---- */

/* A roster read from a file: rows own their strings (freed by cr_roster_free). */
struct cr_roster {
    struct cr_staff *row;
    size_t n;
    char *text; /* the strings the rows point into */
};

/* Reads a roster CSV (UTF-8, header id,name,role,division,qualifications; docs/respond.md).
 * Every bad row (wrong field count, an id, name or qualifications longer than the policy's
 * roster_max_bytes (policy NULL: unbounded; messages name policy->path), empty or non-ASCII
 * id, empty name, a NUL byte, invalid UTF-8, unknown role, a division that is not the role's
 * digits: city/district 6, station and inspector 9, grid 12, qualifications on a non-inspector;
 * with ref, a division the reference does not know: a city none of whose counties is known, an
 * unknown district, a street or community unknown in a county whose streets ref holds) and every
 * id listed more than once (once per id, naming its lines) is reported through on_error (may be
 * NULL) with file and line, and the call then returns CR_EPARSE with the first one in d and
 * nothing in out. CR_EIO when unreadable. */
struct cr_respond_config;
cr_err cr_roster_read(const char *path, const cr_ref *ref, const struct cr_respond_config *policy,
                      struct cr_roster *out, void (*on_error)(void *ctx, const cr_diag *d),
                      void *ctx, cr_diag *d) CR_MUST_USE;
void cr_roster_free(struct cr_roster *r);

/* The level of a division code by its length: 0 city (6 digits ending in 00, GB/T 2260's
 * prefecture-level cities: 440100 Guangzhou), 1 district (other 6 digits), 2 street (9), 3 grid
 * (12); -1 otherwise. */
int cr_division_level(const char *code);

/* Whether the reference knows code (checked by cr_division_level first): a city when a
 * county-level division of it is known (its first four digits), a district when it is a known
 * county-level division, a street or community when known, or when it lies in a known county
 * whose streets ref does not hold (it cannot be checked there). */
int cr_division_known(const cr_ref *ref, const char *code);

/* The division code of code's ancestor at level (0 its city: the first four digits and 00, 1
 * district, 2 street, 3 grid) into out (capacity >= 16); code's level must be >= level. A level
 * outside 0..3 writes "". */
void cr_division_ancestor(const char *code, int level, char *out, size_t cap);

/* ---- tasks ---- */

/* The policy of the respond stage (models/respond.yaml, docs/respond.md): deadlines in working
 * days per level of the task's division. */
struct cr_respond_config {
    int deadline_workdays[4];   /* by level: 0 city, 1 district, 2 street, 3 grid */
    char city_code[16];         /* the top of the routing hierarchy (city_code, default 440100):
                                 * firms without a division and warnings spanning districts go
                                 * there */
    int today_ahead_days;       /* how many days a step's date (--today) may lie after the
                                 * machine's date (default 1; cr_respond_today_check) */
    size_t note_max_bytes;      /* the longest note of a task step, in bytes (default 2000) */
    size_t roster_max_bytes[3]; /* the longest roster id, name, qualifications (64, 200, 1000) */
    char path[512];             /* the file it was read from, as given (messages name it; ""
                                 * in the server's copy: a client is never told server paths) */
};
/* Reads the policy file (models/respond.yaml, checked YAML: version, city_code,
 * deadline_workdays {city, district, street, grid}, today_ahead_days, note_max_bytes and
 * roster_max_bytes {id, name, qualifications}, every key required, no other key allowed). The
 * shipped file is the one place the defaults live: nothing is filled in from code. With ref,
 * city_code must be a city of the division table (cr_division_known). CR_ENOTFOUND / CR_EIO
 * when it cannot be read, CR_EPARSE with file, line and column in d for a key missing, unknown
 * or out of range; CR_EINVAL when path is NULL. */
cr_err cr_respond_config_load(const char *path, const cr_ref *ref, struct cr_respond_config *out,
                              cr_diag *d) CR_MUST_USE;
/* The policy file's name as messages give it: its path, or "its file" when none is known (the
 * server's copy, NULL). */
const char *cr_respond_policy_name(const struct cr_respond_config *cfg);
/* Whether a step dated today may be taken when the machine's date is now (both days since
 * 1970-01-01): CR_OK unless today lies more than cfg->today_ahead_days after now, then
 * CR_EINVAL with d naming the option (--today), the dates and the limit. A date in the future
 * would otherwise block every real date (steps are dated in order). */
cr_err cr_respond_today_check(const struct cr_respond_config *cfg, int32_t today, int32_t now,
                              cr_diag *d) CR_MUST_USE;

struct cr_dispatch_stats {
    int64_t warnings;       /* open warnings seen */
    int64_t created;        /* tasks created for owning divisions */
    int64_t coordinating;   /* coordinating tasks created */
    int64_t escalated;      /* overdue tasks handed up (to a new or an open task) */
    int64_t estimated;      /* tasks created with an estimated deadline (calendar lacks the year) */
    int estimated_year;     /* the first such year, 0 when none: callers warn about it */
    int64_t warning_closed; /* open tasks whose warning closed, noted in their history now */
};
/* Turns open warnings into tasks, escalates overdue ones and notes closed warnings, as of
 * today, in one transaction (docs/respond.md "Dispatch"). Idempotent: a second run on the same
 * day creates nothing; a reopened warning whose task closed gets a new one (parent = the closed
 * task). A deadline past the calendar's years is estimated (stats.estimated), not an error.
 * CR_EINVAL with d when today is before the latest day of the task history; CR_ESTORE (message
 * on the handle) when the store fails. */
cr_err cr_dispatch(cr_store *s, const cr_calendar *cal, const struct cr_respond_config *cfg,
                   int32_t today, struct cr_dispatch_stats *out, cr_diag *d) CR_MUST_USE;

enum cr_task_action { CR_TASK_ACCEPT = 1, CR_TASK_VISIT, CR_TASK_CLOSE };
/* The outcome vocabulary: code → Chinese label; NULL for an unknown code. */
const char *cr_outcome_label(const char *code);
/* Whether task t is overdue on day today: not closed, its warning open, and due before today.
 * A task whose warning closed is never escalated (docs/respond.md), nor counted overdue
 * anywhere (the CLI's list, the API, the map). */
int cr_task_overdue(const struct cr_task *t, int32_t today);
/* The outcome code of text: a code (confirmed), its Chinese label (属实, 不属实/误报) or a
 * part or short form of one (误报, 立案, 查无此企业); NULL for anything else. */
const char *cr_outcome_parse(const char *text);
/* The i-th outcome code (NULL past the end). */
const char *cr_outcome_code(size_t i);
/* Moves task id one step (open → accepted → visited → closed; closing from accepted is allowed
 * too, a visit is not always possible: docs/respond.md) for staff member by, on day today (not
 * before the task's previous step), with an optional note (UTF-8, at most cfg->note_max_bytes;
 * never cut), in one transaction with its history line. Closing needs an outcome of the
 * vocabulary (a code or label, cr_outcome_parse; the code is stored) and appends task_outcome
 * events (topic crisk/task_outcome): a grid task's for each firm of the warning its division
 * owns; a task above grid level (coordinating, escalation) for each firm owned inside its
 * division that no closed grid task answered, and it closes the warning's open tasks inside its
 * division with its outcome (their count in *closed_below, may be NULL), a history line each
 * ("closed by task N above"). A firm that has the event of this warning and outcome already gets
 * no second one. cfg may be NULL (no note length bound: the caller bounds it). CR_ENOTFOUND for
 * an unknown task or staff id; CR_EINVAL (d says why) for a step out of order or on a closed
 * task, a day before the previous step (of the task or of a task it would close), an unknown
 * outcome, a note not UTF-8 or too long, or a staff member whose division does not cover the
 * task's. */
cr_err cr_task_step(cr_store *s, const struct cr_respond_config *cfg, int64_t id,
                    enum cr_task_action action, const char *outcome, const char *note,
                    const char *by, int32_t today, int64_t *closed_below, cr_diag *d) CR_MUST_USE;

#endif
