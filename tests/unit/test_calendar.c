#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/calendar.h"
#include "crisk/text.h"

static cr_calendar *cal;

static int setup(void **state)
{
    (void)state;
    cr_diag d = {0};
    return cr_calendar_load(NULL, &cal, &d) == CR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cr_calendar_free(cal);
    return 0;
}

static int32_t D(int y, int m, int d)
{
    return cr_days_from_civil(y, m, d);
}

static void notices_2024(void **state)
{
    (void)state;
    /* The 2024 notice (gov.cn content_6911528): Spring Festival 2-10..2-17 off, 2-4 (Sun) and 2-18
     * (Sun) worked; National Day 10-1..10-7 off, 9-29 (Sun) and 10-12 (Sat) worked. */
    assert_int_equal(cr_calendar_is_workday(cal, D(2024, 2, 4)), 1);
    assert_int_equal(cr_calendar_is_workday(cal, D(2024, 2, 18)), 1);
    for (int d = 10; d <= 17; d++)
        assert_int_equal(cr_calendar_is_workday(cal, D(2024, 2, d)), 0);
    for (int d = 1; d <= 7; d++)
        assert_int_equal(cr_calendar_is_workday(cal, D(2024, 10, d)), 0);
    assert_int_equal(cr_calendar_is_workday(cal, D(2024, 9, 29)), 1);
    assert_int_equal(cr_calendar_is_workday(cal, D(2024, 10, 12)), 1);
    /* ordinary days: a Friday works, a Saturday does not */
    assert_int_equal(cr_calendar_is_workday(cal, D(2024, 3, 8)), 1);
    assert_int_equal(cr_calendar_is_workday(cal, D(2024, 3, 9)), 0);
    /* 2025 (gov.cn content_6986383): Spring Festival 1-28..2-4 off; 1-26 (Sun), 2-8 (Sat) worked */
    assert_int_equal(cr_calendar_is_workday(cal, D(2025, 1, 26)), 1);
    assert_int_equal(cr_calendar_is_workday(cal, D(2025, 2, 4)), 0);
    assert_int_equal(cr_calendar_is_workday(cal, D(2025, 2, 8)), 1);
}

static void add_across_spring_festival(void **state)
{
    (void)state;
    /* From Fri 2024-02-09: the 1st working day is Sun 2-18 (make-up), the 2nd Mon 2-19. */
    assert_int_equal(cr_calendar_add_workdays(cal, D(2024, 2, 9), 1), D(2024, 2, 18));
    assert_int_equal(cr_calendar_add_workdays(cal, D(2024, 2, 9), 2), D(2024, 2, 19));
    /* From Thu 2024-02-01: Fri 2-2, Sun 2-4 (make-up), Mon 2-5 .. Fri 2-9 = 7, then 2-18 = 8 */
    assert_int_equal(cr_calendar_add_workdays(cal, D(2024, 2, 1), 7), D(2024, 2, 9));
    assert_int_equal(cr_calendar_add_workdays(cal, D(2024, 2, 1), 8), D(2024, 2, 18));
    /* backwards and zero */
    assert_int_equal(cr_calendar_add_workdays(cal, D(2024, 2, 18), -1), D(2024, 2, 9));
    assert_int_equal(cr_calendar_add_workdays(cal, D(2024, 2, 18), 0), D(2024, 2, 18));
    /* an independent count: 5 working days after 2024-09-27 (Fri): 9-29 (Sun make-up), 9-30,
     * then 10-8, 10-9, 10-10 */
    assert_int_equal(cr_calendar_add_workdays(cal, D(2024, 9, 27), 5), D(2024, 10, 10));
}

static void covers(void **state)
{
    (void)state;
    assert_int_equal(cr_calendar_covers(cal, D(2020, 1, 1)), 1);
    assert_int_equal(cr_calendar_covers(cal, D(2026, 12, 31)), 1);
    assert_int_equal(cr_calendar_covers(cal, D(2019, 12, 31)), 0);
    assert_int_equal(cr_calendar_covers(cal, D(2099, 1, 1)), 0);
}

static cr_err load_text(const char *text, cr_diag *d)
{
    char path[] = "/tmp/crisk_cal_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return CR_EIO;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    cr_calendar *c = NULL;
    cr_err rc = cr_calendar_load(path, &c, d);
    cr_calendar_free(c);
    unlink(path);
    return rc;
}

static void hostile(void **state)
{
    (void)state;
    cr_diag d = {0};
    assert_int_equal(load_text("", &d), CR_EPARSE);
    assert_int_equal(load_text("day,kind\n", &d), CR_EPARSE);
    assert_int_equal(load_text("date,type\n2024-02-04,holiday\n", &d), CR_EPARSE); /* Sunday */
    assert_int_equal(d.line, 2);
    assert_int_equal(load_text("date,type\n2024-02-05,workday\n", &d), CR_EPARSE); /* Monday */
    assert_int_equal(load_text("date,type\n2024-02-12,vacation\n", &d), CR_EPARSE);
    assert_int_equal(load_text("date,type\n2024-13-12,holiday\n", &d), CR_EPARSE);
    assert_int_equal(load_text("date,type\n2024-02-12,holiday\n2024-02-12,holiday\n", &d),
                     CR_EPARSE);
    assert_int_equal(load_text("date,type\n2024-02-12,holiday\r\n", &d), CR_OK);
    cr_calendar *c = NULL;
    assert_int_equal(cr_calendar_load("/nonexistent/cal.csv", &c, &d), CR_EIO);
    assert_null(c);
}

/* Past the file's last year (2026) the weekend rule alone counts: 2026-12-28 (Mon) + 5 working
 * days crosses into 2027 and lands on Monday 2027-01-04 (1-1 is a Friday the file does not know
 * as a holiday); covers() tells the caller the deadline is an estimate. Backwards across the
 * boundary too. */
static void add_past_the_last_year(void **state)
{
    (void)state;
    assert_int_equal(cr_calendar_covers(cal, D(2026, 12, 31)), 1);
    assert_int_equal(cr_calendar_covers(cal, D(2027, 1, 1)), 0);
    assert_int_equal(cr_calendar_add_workdays(cal, D(2026, 12, 28), 5), D(2027, 1, 4));
    assert_int_equal(cr_calendar_is_workday(cal, D(2027, 1, 1)), 1);
    assert_int_equal(cr_calendar_is_workday(cal, D(2027, 1, 2)), 0);
    assert_int_equal(cr_calendar_add_workdays(cal, D(2027, 1, 4), -5), D(2026, 12, 28));
    /* far past the file: 2028-01-05 (Wed) + 5 = 2028-01-12 */
    assert_int_equal(cr_calendar_covers(cal, D(2028, 1, 5)), 0);
    assert_int_equal(cr_calendar_add_workdays(cal, D(2028, 1, 5), 5), D(2028, 1, 12));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(notices_2024), cmocka_unit_test(add_across_spring_festival),
        cmocka_unit_test(covers),       cmocka_unit_test(add_past_the_last_year),
        cmocka_unit_test(hostile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
