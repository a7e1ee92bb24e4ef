/* The monitor's pieces without a store: masking persons' names, the detectors' names, the
 * built-in defaults against the shipped rules file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/monitor.h"
#include "crisk/text.h" /* cr_mask_name */

static void masks(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"张小三", "张*三"}, {"张三", "张*"},   {"欧阳小风", "欧*风"},    {"张", "*"},
        {"", "*"},           {"Li Lei", "L*i"}, {"买买提·艾力", "买*力"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[64];
        cr_mask_name(cases[i][0], out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
    char out[64];
    cr_mask_name(NULL, out, sizeof out);
    assert_string_equal(out, "*");
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(cr_detector_name(CR_DET_ADDRESS_CLUSTER), "address_cluster");
    assert_string_equal(cr_detector_name(CR_DET_CAPITAL_MISMATCH), "capital_mismatch");
    assert_string_equal(cr_detector_name(CR_DET__N), "?");
}

static void same_strs(char **a, size_t na, char **b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++)
        assert_string_equal(a[i], b[i]);
}

/* The defaults a rules file that names no setting gets must be models/monitor.yaml's, field by
 * field: the shipped file is the documented defaults. */
static void defaults_are_the_shipped_file(void **state)
{
    (void)state;
    const char *td = getenv("CRISK_TESTDATA");
    assert_non_null(td);
    char shipped[4096], bare[] = "/tmp/crisk-monitor-rules-XXXXXX";
    snprintf(shipped, sizeof shipped, "%s/../models/monitor.yaml", td);
    int fd = mkstemp(bare);
    assert_true(fd >= 0);
    static const char text[] = "rules: bare\nversion: 1\ndetectors: {}\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    struct cr_monitor_rules *a = NULL, *b = NULL;
    assert_int_equal(cr_monitor_rules_load(shipped, &a, NULL), CR_OK);
    assert_int_equal(cr_monitor_rules_load(bare, &b, NULL), CR_OK);
    unlink(bare);
    same_strs(a->inactive, a->n_inactive, b->inactive, b->n_inactive);
    assert_memory_equal(a->enabled, b->enabled, sizeof a->enabled);
    assert_memory_equal(&a->address_cluster, &b->address_cluster, sizeof a->address_cluster);
    assert_string_equal(a->person_cluster.rep_role, b->person_cluster.rep_role);
    assert_string_equal(a->person_cluster.shareholder_role, b->person_cluster.shareholder_role);
    assert_int_equal(a->person_cluster.rep_min_firms, b->person_cluster.rep_min_firms);
    assert_int_equal(a->person_cluster.shareholder_min_firms,
                     b->person_cluster.shareholder_min_firms);
    assert_int_equal(a->person_cluster.burst_firms, b->person_cluster.burst_firms);
    assert_int_equal(a->person_cluster.burst_days, b->person_cluster.burst_days);
    assert_int_equal(a->person_cluster.burst_within_days, b->person_cluster.burst_within_days);
    assert_int_equal(a->person_cluster.ring_min_firms, b->person_cluster.ring_min_firms);
    assert_string_equal(a->level_jump.from, b->level_jump.from);
    assert_string_equal(a->level_jump.to, b->level_jump.to);
    assert_int_equal(a->level_jump.max_indicators, b->level_jump.max_indicators);
    assert_int_equal(a->zombie.years, b->zombie.years);
    assert_int_equal(a->zombie.min_age_days, b->zombie.min_age_days);
    assert_string_equal(a->zombie.report_kind, b->zombie.report_kind);
    assert_string_equal(a->zombie.tax_kind, b->zombie.tax_kind);
    assert_string_equal(a->unreachable.kind, b->unreachable.kind);
    assert_string_equal(a->unreachable.reason_attr, b->unreachable.reason_attr);
    assert_string_equal(a->unreachable.tax_kind, b->unreachable.tax_kind);
    same_strs(a->unreachable.reasons, a->unreachable.n_reasons, b->unreachable.reasons,
              b->unreachable.n_reasons);
    assert_int_equal(a->unreachable.within_days, b->unreachable.within_days);
    assert_int_equal(a->unreachable.listed_days, b->unreachable.listed_days);
    assert_int_equal(a->unreachable.no_tax_days, b->unreachable.no_tax_days);
    assert_string_equal(a->legal_rep_churn.kind, b->legal_rep_churn.kind);
    assert_string_equal(a->legal_rep_churn.item_attr, b->legal_rep_churn.item_attr);
    same_strs(a->legal_rep_churn.items, a->legal_rep_churn.n_items, b->legal_rep_churn.items,
              b->legal_rep_churn.n_items);
    assert_int_equal(a->legal_rep_churn.min_changes, b->legal_rep_churn.min_changes);
    assert_int_equal(a->legal_rep_churn.window_days, b->legal_rep_churn.window_days);
    assert_int_equal(a->capital_mismatch.min_capital_fen, b->capital_mismatch.min_capital_fen);
    assert_int_equal(a->capital_mismatch.min_capital_fen, 10000000000LL);
    assert_string_equal(a->capital_mismatch.tax_kind, b->capital_mismatch.tax_kind);
    assert_string_equal(a->capital_mismatch.report_kind, b->capital_mismatch.report_kind);
    assert_string_equal(a->capital_mismatch.employees_attr, b->capital_mismatch.employees_attr);
    assert_int_equal(a->capital_mismatch.tax_window_days, b->capital_mismatch.tax_window_days);
    assert_int_equal(a->capital_mismatch.zero_tax, b->capital_mismatch.zero_tax);
    assert_int_equal(a->capital_mismatch.zero_employees, b->capital_mismatch.zero_employees);
    cr_monitor_rules_free(a);
    cr_monitor_rules_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(masks),
        cmocka_unit_test(names),
        cmocka_unit_test(defaults_are_the_shipped_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
