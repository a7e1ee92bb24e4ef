#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "crisk/addr.h"
#include "crisk/ref.h"

static int setup(void **state)
{
    cr_ref *ref = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    if (cr_ref_load(cr_ref_default_dir(), &ref, &d) != CR_OK) {
        fprintf(stderr, "ref: %s (%s)\n", d.msg, d.file);
        return -1;
    }
    *state = ref;
    return 0;
}

static int teardown(void **state)
{
    cr_ref_free(*state);
    return 0;
}

static void divisions(void **state)
{
    const cr_ref *ref = *state;
    assert_int_equal(cr_ref_count(ref, CR_DIV_DISTRICT), 11);
    assert_int_equal(cr_ref_count(ref, CR_DIV_STREET), 178);
    assert_int_equal(cr_ref_count(ref, CR_DIV_GRID), 2827);
    const struct cr_division *s = cr_ref_division_find(ref, "440103001");
    assert_non_null(s);
    assert_string_equal(s->name, "沙面街道");
    const struct cr_division *d = cr_ref_division(ref, CR_DIV_DISTRICT, (size_t)s->parent);
    assert_string_equal(d->name, "荔湾区");
    for (size_t i = 0; i < cr_ref_count(ref, CR_DIV_STREET); i++) {
        const struct cr_division *st = cr_ref_division(ref, CR_DIV_STREET, i);
        const struct cr_division *di = cr_ref_division(ref, CR_DIV_DISTRICT, (size_t)st->parent);
        assert_memory_equal(st->code, di->code, 6);
    }
    for (int level = CR_DIV_DISTRICT; level <= CR_DIV_GRID; level++)
        for (size_t i = 0; i < cr_ref_count(ref, level); i++) {
            const struct cr_division *v = cr_ref_division(ref, level, i);
            assert_ptr_equal(cr_ref_division_find(ref, v->code), v);
        }
    assert_null(cr_ref_division_find(ref, "440199"));
    assert_non_null(cr_ref_division_find(ref, "440103001101"));
}

/* Every county of China is known; only Guangzhou's hold streets and grids. */
static void counties(void **state)
{
    const cr_ref *ref = *state;
    const struct cr_division *c = cr_ref_division_find(ref, "440305");
    assert_non_null(c);
    assert_string_equal(c->name, "南山区");
    assert_string_equal(cr_ref_division_find(ref, "110102")->name, "西城区");
    assert_string_equal(cr_ref_division_find(ref, "440103")->name, "荔湾区");
    assert_null(cr_ref_division_find(ref, "449999"));
    assert_null(cr_ref_division_find(ref, "440305001"));
    assert_true(cr_ref_division_covered(ref, "440103001"));
    assert_true(cr_ref_division_covered(ref, "440118"));
    assert_false(cr_ref_division_covered(ref, "440305001"));
    assert_false(cr_ref_division_covered(ref, "44"));
    /* The Guangzhou districts of the national list are the ones with streets. */
    for (size_t i = 0; i < cr_ref_count(ref, CR_DIV_DISTRICT); i++)
        assert_true(cr_ref_division_covered(ref, cr_ref_division(ref, CR_DIV_DISTRICT, i)->code));
}

static void industries(void **state)
{
    const cr_ref *ref = *state;
    assert_int_equal(cr_ref_industry_count(ref), 1772);
    const struct cr_industry *c = cr_ref_industry_find(ref, "1492");
    assert_non_null(c);
    assert_string_equal(c->name, "保健食品制造");
    assert_int_equal(c->section, 'C');
    assert_ptr_equal(cr_ref_industry_find(ref, "C1492"), c);
    assert_non_null(cr_ref_industry_find(ref, "T"));
    assert_null(cr_ref_industry_find(ref, "9999"));
}

static void key_of(const cr_ref *ref, const char *s, char *out, size_t cap)
{
    struct cr_addr a;
    cr_err rc = cr_addr_normalize(ref, s, strlen(s), &a);
    if (rc)
        fail_msg("'%s' failed: %d", s, rc);
    snprintf(out, cap, "%s", a.key);
}

static void same_place(void **state)
{
    const cr_ref *ref = *state;
    static const char *const pairs[][2] = {
        {"广东省广州市天河区天河路385号", "广州天河区天河路３８５号"},
        {"广州市天河区天河路385号", "天河区 天河路 385 号"},
        {"广州市越秀区中山五路219号3层301房", "越秀区中山5路219号3楼301室"},
        {"广州市海珠区新港中路397号B座12F", "海珠区新港中路三九七号b座12层"},
        {"番禺区市桥街道繁华路一百零五号", "广州市番禺区繁华路105号"},
        {"广州市白云区机场路1号之一", "白云区机场路1号之1"},
        {"荔湾区沙面街道沙面北街5号", "沙面街道沙面北街5号"},
        {"黄埔区科学大道18号A栋201", "黄埔区科学大道18号A幢201"},
        {"增城区荔城街道府佑路98号（自编2号楼）", "增城区府佑路98号自编2栋"},
        {"中国广东省广州市南沙区港前大道南162号", "南沙区港前大道南162号"},
        /* The spellings the synthetic city writes of one cluster address (issue 10): prefix,
         * a street name inserted, full-width digits, a space, 栋/座, 房/室. */
        {"广州市海珠区新港中路26号C座1201房", "广东省广州市海珠区赤岗街道新港中路２６号 C栋1201室"},
        {"海珠区新港中路26号 C座1201室", "广州市海珠区新港中路26号C栋1201房"},
        {"广东省广州市海珠区新港中路２６号Ｃ座１２０１房", "海珠区赤岗街道新港中路26号C座1201房"},
        /* Issue 8: every control character is noise alike, DEL and C1 (U+0085) as C0. */
        {"天河区天河路\x7f"
         "385号",
         "天河区天河路385号"},
        {"天河区天河路\xc2\x85"
         "385号",
         "天河区天河路385号"},
        {"天河区天河路\xc2\x9f"
         "385号\x01",
         "天河区天河路385号"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        char a[512], b[512];
        key_of(ref, pairs[i][0], a, sizeof a);
        key_of(ref, pairs[i][1], b, sizeof b);
        if (strcmp(a, b) != 0)
            fail_msg("pair %zu: '%s' -> %s but '%s' -> %s", i, pairs[i][0], a, pairs[i][1], b);
    }
}

static void different_places(void **state)
{
    const cr_ref *ref = *state;
    static const char *const pairs[][2] = {
        {"广州市天河区天河路385号", "广州市天河区天河路358号"},
        {"广州市天河区天河路385号", "广州市越秀区天河路385号"},
        {"越秀区中山五路219号3层301房", "越秀区中山五路219号3层302房"},
        {"越秀区中山五路219号", "越秀区中山六路219号"},
        {"海珠区新港中路397号B座", "海珠区新港中路397号C座"},
        {"白云区机场路1号之一", "白云区机场路11号"},
        {"黄埔区科学大道18号3楼", "黄埔区科学大道18号3室"},
        /* Rooms of one tower are different places (issue 10's hard negatives). */
        {"广州市海珠区新港中路26号C座1201房", "广州市海珠区新港中路26号C座1202房"},
        {"海珠区新港中路26号C座1201室", "海珠区新港中路26号D座1201室"},
        {"海珠区新港中路26号C座1201室", "海珠区新港中路26号C座"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        char a[512], b[512];
        key_of(ref, pairs[i][0], a, sizeof a);
        key_of(ref, pairs[i][1], b, sizeof b);
        if (strcmp(a, b) == 0)
            fail_msg("pair %zu: both '%s' and '%s' -> %s", i, pairs[i][0], pairs[i][1], a);
    }
}

static void division_codes(void **state)
{
    const cr_ref *ref = *state;
    struct cr_addr a;
    const char *s = "荔湾区沙面街道沙面北街5号";
    assert_int_equal(cr_addr_normalize(ref, s, strlen(s), &a), CR_OK);
    assert_string_equal(a.district, "440103");
    assert_string_equal(a.street, "440103001");
    assert_string_equal(a.key, "440103|沙面北街5号");
    s = "沙面街道沙面北街5号"; /* the street alone names the district */
    assert_int_equal(cr_addr_normalize(ref, s, strlen(s), &a), CR_OK);
    assert_string_equal(a.district, "440103");
    s = "某某路1号";
    assert_int_equal(cr_addr_normalize(ref, s, strlen(s), &a), CR_OK);
    assert_string_equal(a.key, "|某某路1号");
    assert_string_equal(a.district, "");
    assert_int_equal(cr_addr_normalize(ref, "，。 ", strlen("，。 "), &a), CR_EINVAL);
    assert_int_equal(cr_addr_normalize(ref, "\xff\xfe", 2, &a), CR_EENCODING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(divisions),        cmocka_unit_test(counties),
        cmocka_unit_test(industries),       cmocka_unit_test(same_place),
        cmocka_unit_test(different_places), cmocka_unit_test(division_codes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
