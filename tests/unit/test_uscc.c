#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crisk/uscc.h"

/* Real codes: the DOMAIN.md §7 hand-checked example and codes from the list in 02020/vite
 * learn/utils/validateSocialCreditCode.js, plus 91512081MA62K0260E worked in that file. */
static const char *const real_codes[] = {
    "91440101MA5CJQ4N59", "91350200776049653A", "91350500798359476R", "91350503MA31DKY80A",
    "91440300MA5F7YRE78", "91110107082833558H", "9135021359498494XQ", "91420103594531449D",
    "914403006188329255", "91512081MA62K0260E"};

static void valid_real_codes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof real_codes / sizeof *real_codes; i++)
        assert_true(cr_uscc_valid(real_codes[i]));
}

static void every_single_change_is_caught(void **state)
{
    (void)state;
    const char *alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    char s[19];
    int changes = 0;
    for (int pos = 0; pos < 18; pos++) {
        for (const char *a = alphabet; *a; a++) {
            memcpy(s, "91440101MA5CJQ4N59", 19);
            if (s[pos] == *a)
                continue;
            s[pos] = *a;
            assert_false(cr_uscc_valid(s));
            char out[19];
            assert_int_equal(cr_uscc_normalize(s, 18, out), CR_ECHECK); /* the clean fast path */
            changes++;
        }
    }
    assert_int_equal(changes, 18 * 30);
}

static void known_nonconforming_code_fails(void **state)
{
    (void)state;
    /* Whitelisted by a real project although its check character is wrong (DOMAIN.md §7). */
    assert_false(cr_uscc_valid("91350203M0001QAY9B"));
    assert_int_equal(cr_uscc_check_char("91350203M0001QAY9"), '9');
}

static void normalize_forms(void **state)
{
    (void)state;
    char out[19];
    const char *fw = "　９１４４０１０１ｍａ５ＣＪＱ４Ｎ５９ ";
    assert_int_equal(cr_uscc_normalize(fw, strlen(fw), out), CR_OK);
    assert_string_equal(out, "91440101MA5CJQ4N59");
    const char *lower = " 91440101ma5cjq4n59\t";
    assert_int_equal(cr_uscc_normalize(lower, strlen(lower), out), CR_OK);
    assert_string_equal(out, "91440101MA5CJQ4N59");
    const char *badcheck = "91440101MA5CJQ4N58";
    assert_int_equal(cr_uscc_normalize(badcheck, strlen(badcheck), out), CR_ECHECK);
    assert_string_equal(out, badcheck);
    const char *shortc = "91440101MA5CJQ4N5";
    assert_int_equal(cr_uscc_normalize(shortc, strlen(shortc), out), CR_EINVAL);
    const char *banned = "91440101MA5CJQ4NO9"; /* letter O is not in the alphabet */
    assert_int_equal(cr_uscc_normalize(banned, strlen(banned), out), CR_EINVAL);
    assert_int_equal(cr_uscc_normalize("91440101MA5CJQ4N5O", 18, out), CR_EINVAL);
    assert_int_equal(cr_uscc_normalize("91440101MA5CJQ4N5\n", 18, out), CR_EINVAL);
    assert_int_equal(cr_uscc_normalize("", 0, out), CR_EINVAL);
}

static void orgcode_examples(void **state)
{
    (void)state;
    assert_true(cr_orgcode_valid("776049653"));
    assert_int_equal(cr_orgcode_check_char("77604965"), '3');
    assert_true(cr_orgcode_valid("MA5CJQ4N5"));
    assert_false(cr_orgcode_valid("776049654"));
}

static void make_is_valid_and_unique(void **state)
{
    (void)state;
    char a[19], b[19];
    assert_int_equal(cr_uscc_make('9', '1', "440106", 0, a), CR_OK);
    assert_true(cr_uscc_valid(a));
    assert_memory_equal(a, "91440106MA", 10);
    assert_true(
        cr_orgcode_valid((char[]){a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], 0}));
    for (uint64_t serial = 1; serial < 20000; serial += 7) {
        assert_int_equal(cr_uscc_make('9', '1', "440106", serial, b), CR_OK);
        assert_true(cr_uscc_valid(b));
        assert_string_not_equal(a, b);
    }
    assert_int_equal(cr_uscc_make('9', '1', "44010", 1, b), CR_EINVAL);
    assert_int_equal(cr_uscc_make('I', '1', "440106", 1, b), CR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_real_codes),
        cmocka_unit_test(every_single_change_is_caught),
        cmocka_unit_test(known_nonconforming_code_fails),
        cmocka_unit_test(normalize_forms),
        cmocka_unit_test(orgcode_examples),
        cmocka_unit_test(make_is_valid_and_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
