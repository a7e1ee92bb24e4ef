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
    /* a code shorter than the level asked: no ancestor (no default city in code) */
    cr_division_ancestor("4401", 0, out, sizeof out);
    assert_string_equal(out, "");
    cr_division_ancestor("440106", 2, out, sizeof out);
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

/* Every code, label and alias of the outcome vocabulary parses to its code, every code's label
 * parses back to it; near misses (a longer word, another case, a label's other half alone when
 * it is not one, empty, NULL) do not. */
static void outcome_words(void **state)
{
    (void)state;
    static const char *const ok[][2] = {
        {"confirmed", "confirmed"},
        {"属实", "confirmed"},
        {"false_alarm", "false_alarm"},
        {"不属实/误报", "false_alarm"},
        {"不属实", "false_alarm"},
        {"误报", "false_alarm"},
        {"立案查处", "case_filed"},
        {"立案", "case_filed"},
        {"移送公安", "police"},
        {"移送其他部门", "other_department"},
        {"查无此企/无法联系", "not_found"},
        {"查无此企", "not_found"},
        {"查无此企业", "not_found"},
        {"无法联系", "not_found"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        const char *c = cr_outcome_parse(ok[i][0]);
        assert_non_null(c);
        assert_string_equal(c, ok[i][1]);
    }
    for (size_t i = 0; cr_outcome_code(i); i++)
        assert_string_equal(cr_outcome_parse(cr_outcome_label(cr_outcome_code(i))),
                            cr_outcome_code(i));
    static const char *const bad[] = {"属实了", "Confirmed", "", "查处", "移送", "不属实/", "/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_null(cr_outcome_parse(bad[i]));
    assert_null(cr_outcome_parse(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ancestors),
        cmocka_unit_test(levels),
        cmocka_unit_test(outcome_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
