/* China's working-day calendar: weekends off, except the make-up working days (调休上班) and
 * public holidays the State Council's annual notices (国务院办公厅关于…部分节假日安排的通知)
 * announce. The exceptions live in a data file (data/calendar/cn_workdays.csv, header date,type;
 * type `holiday` for a day off on a weekday, `workday` for a working Saturday or Sunday), so a new
 * year's notice is a data change. See data/PROVENANCE.md. */
#ifndef CRISK_CALENDAR_H
#define CRISK_CALENDAR_H

#include <stdint.h>

#include "crisk/err.h"

typedef struct cr_calendar cr_calendar;

/* Loads the exceptions file at path (NULL = calendar/cn_workdays.csv under cr_ref_default_dir()).
 * The file covers every year from its first row's to its last row's. CR_EIO when unreadable,
 * CR_EPARSE with file and line in d for a bad header, a bad date, an unknown type, a date listed
 * twice, a `holiday` on a weekend or a `workday` on a weekday (either would be a no-op that hides
 * a typo). *out is freed with cr_calendar_free(); read-only afterwards, so safe to share. */
cr_err cr_calendar_load(const char *path, cr_calendar **out, cr_diag *d) CR_MUST_USE;
void cr_calendar_free(cr_calendar *c);

/* 1 when day (days since 1970-01-01) is a working day, else 0. Outside the covered years only
 * the weekend rule applies (see cr_calendar_covers). */
int cr_calendar_is_workday(const cr_calendar *c, int32_t day);

/* The n-th working day after day (day itself not counted): n = 1 is the next working day. n = 0
 * returns day; a negative n counts backwards (the |n|-th working day before day). */
int32_t cr_calendar_add_workdays(const cr_calendar *c, int32_t day, int n);

/* 1 when day lies in a year the file covers, else 0: a caller computing a deadline past the
 * file's last year reports that the calendar needs the next notice. */
int cr_calendar_covers(const cr_calendar *c, int32_t day);

#endif
