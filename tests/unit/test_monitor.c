/* The monitor's pieces without a store: masking persons' names, the detectors' names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crisk/monitor.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(masks),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
