#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crisk/respond.h"

/* Each level of a grid code's ancestry, and a level outside 0..3 (a caller's slip, e.g. the
 * parent of a city task) writes "" rather than reading past the length table. */
static void ancestors(void **state)
{
    (void)state;
    char out[16];
    static const char *const want[] = {"440100", "440106", "440106001", "440106001001"};
    for (int l = 0; l <= 3; l++) {
        cr_division_ancestor("440106001001", l, out, sizeof out);
        assert_string_equal(out, want[l]);
    }
    for (int l = -2; l <= 5; l += 7) {
        memcpy(out, "junk", 5);
        cr_division_ancestor("440106001001", l, out, sizeof out);
        assert_string_equal(out, "");
    }
    cr_division_ancestor("440106001001", 4, out, sizeof out);
    assert_string_equal(out, "");
    cr_division_ancestor("440106001001", -1, out, sizeof out);
    assert_string_equal(out, "");
}

static void levels(void **state)
{
    (void)state;
    assert_int_equal(cr_division_level("440100"), 0);
    assert_int_equal(cr_division_level("440106"), 1);
    assert_int_equal(cr_division_level("440106001"), 2);
    assert_int_equal(cr_division_level("440106001001"), 3);
    assert_int_equal(cr_division_level("4401060010011"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ancestors),
        cmocka_unit_test(levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
