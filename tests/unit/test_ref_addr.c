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
        /* Chinese numerals in house numbers, read by value. */
        {"天河区中山大道一百号A座1201房", "天河区中山大道100号A栋1201室"},
        {"天河区中山大道二百号", "天河区中山大道200号"},
        {"天河区中山大道一千号", "天河区中山大道1000号"},
        {"天河区中山大道一百零五号", "天河区中山大道105号"},
        {"越秀区北京路二十三号", "越秀区北京路23号"},
        {"越秀区北京路十三号", "越秀区北京路13号"},
        {"越秀区北京路两百号", "越秀区北京路200号"},
        {"荔湾区康王中路一千零五十号", "荔湾区康王中路1050号"},
        {"荔湾区康王中路三〇一号", "荔湾区康王中路301号"},
        {"天河区中山大道一百号之一", "天河区中山大道100号之1"},
        {"天河区中山大道一百号之一", "天河区中山大道100号-1"},
        /* Numerals in names convert alike in every spelling. */
        {"天河区五山路381号", "天河区五山路三百八十一号"},
        {"荔湾区十三行路2号", "荔湾区十三行路二号"},
        {"越秀区一德路9号", "广州市越秀区一德路九号"},
        /* The room suffix is optional; 单元 at the end is a room. */
        {"天河区天河路100号A座1201", "天河区天河路100号A座1201室"},
        {"越秀区东风路9号301", "越秀区东风路9号301室"},
        {"越秀区东风路9号301房", "越秀区东风路9号301"},
        {"海珠区新港中路26号C座2208单元", "海珠区新港中路26号C座2208室"},
        {"天河区天河路100号A座1201F", "天河区天河路100号A座1201房"},
        {"天河区天河路100号A座1201-1房", "天河区天河路100号A座1201之一"},
        {"天河区天河路100号A座12楼1201房", "天河区天河路100号A座1201房"},
        {"天河区天河路100号A座12F1201", "天河区天河路100号A座1201"},
        {"天河区天河路1号3层301号5层501", "天河区天河路1号301号501"},
        {"越秀区中山五路219号3层301房", "越秀区中山五路219号301"},
        /* Districts written without 区 (not where a road name goes on). */
        {"广州天河天河路100号A座1201房", "广州市天河区天河路100号A座1201房"},
        {"广州海珠新港中路26号", "海珠区新港中路26号"},
        {"广州市白云机场路1号", "白云区机场路1号"},
        {"广州市越秀区环市东路339号广东国际大厦主楼23楼2301室",
         "越秀区环市东路339号广东国际大厦主楼2301房"},
        {"广州市海珠区琶洲街道阅江西路222号1座", "海珠区阅江西路二百二十二号1栋"},
        {"广州市番禺区南村镇兴业大道368号", "番禺区兴业大道三百六十八号"},
        {"广州市荔湾区芳村大道西一百二十号", "荔湾区芳村大道西120号"},
        {"广州市增城区新塘镇港口大道三百一十八号", "增城区新塘镇港口大道318号"},
        {"广州市从化区街口街道新城中路8号之二201房", "从化区新城中路8号之2 201"},
        {"广州市花都区新华街道迎宾大道一百零八号A栋三楼", "花都区迎宾大道108号A座3层"},
        {"广州天河中山大道1号", "天河区中山大道1号"},
        {"广州白云云城西路1号", "白云区云城西路1号"},
        {"广东省广州市番禺区市桥街道繁华路105号", "番禺繁华路一百零五号"},
        {"广州市黄埔区 科学大道 18号 A幢 201", "黄埔区科学大道十八号A栋201室"},
        {"广州市天河区石牌街道天河路100号", "天河区天河路100号"},
        {"广州市花都区新华街道公益路12号之三", "花都区公益路12号之3"},
        {"广州市南沙区港前大道南162号3号楼", "南沙区港前大道南162号3栋"},
        {"广州市天河区天河路１００号Ａ座１２０１房", "天河区天河路100号A座1201"},
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
        /* Ten firms in ten rooms of five buildings stay apart (the user's report). */
        {"天河区中山大道一百号A座1201房", "天河区中山大道一百号B座0303房"},
        {"天河区中山大道一百号B座0303房", "天河区中山大道一百号C座2208室"},
        {"天河区中山大道一百号A座1201房", "天河区中山大道一百号A座1202房"},
        {"天河区中山大道一百号", "天河区中山大道二百号"},
        {"天河区中山大道一百号", "天河区中山大道一千号"},
        {"天河区中山大道一百号", "天河区中山大道一百号之一"},
        {"天河区中山大道一百零五号", "天河区中山大道一百五十号"},
        {"天河区中山大道一百零五号", "天河区中山大道15号"},
        {"越秀区北京路二十三号", "越秀区北京路203号"},
        {"天河区天河路100号A座1201-1房", "天河区天河路100号A座1201房"},
        {"天河区天河路100号A座1201-1房", "天河区天河路100号A座1201-2房"},
        {"天河区天河路100号A座12F", "天河区天河路100号A座1201"},
        {"天河区天河路100号A座12F", "天河区天河路100号A座12"},
        {"天河区天河路100号A座3楼302", "天河区天河路100号A座3楼301"},
        {"天河区天河路100号A座3楼", "天河区天河路100号A座301"},
        {"越秀区东风路1号3单元501房", "越秀区东风路1号3501房"},
        {"越秀区东风路1号3单元501房", "越秀区东风路1号4单元501房"},
        /* A short district name that begins a road is the road. */
        {"广州天河路1号", "广州天河区天河路1号"},
        {"天河北路1号", "天河区北路1号"},
        {"白云大道1号", "白云区大道1号"},
        {"天河南二路1号", "天河区南二路1号"},
        {"广州海珠中路1号", "海珠区中路1号"},
        {"海珠广场1号", "海珠区广场1号"},
        {"天河区五山路1号", "天河区山路1号"},
        {"天河区五山路1号", "天河区山路5号"},
        {"黄埔区科学大道18号A栋201", "黄埔区科学大道18号B栋201"},
        {"黄埔区科学大道18号A栋201", "黄埔区科学大道18号A栋2-01"},
        {"番禺区繁华路105号", "番禺区繁华路15号"},
        {"荔湾区芳村大道西120号", "荔湾区芳村大道西12号"},
        {"增城区港口大道318号", "增城区港口大道三百八十一号"},
        {"从化区新城中路8号之二201房", "从化区新城中路8号之二202房"},
        {"从化区新城中路8号之二201房", "从化区新城中路8号201房"},
        {"海珠区阅江西路222号1座", "海珠区阅江西路222号2座"},
        {"花都区迎宾大道108号A栋3楼", "花都区迎宾大道108号A栋4楼"},
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
    /* An address without a district takes the registry's; one with a district keeps its own. */
    s = "天河路100号A座1201房";
    assert_int_equal(cr_addr_normalize(ref, s, strlen(s), &a), CR_OK);
    assert_string_equal(a.key, "|天河路100号A栋1201");
    assert_int_equal(cr_addr_default_district(&a, "440106"), CR_OK);
    assert_string_equal(a.key, "440106|天河路100号A栋1201");
    assert_string_equal(a.district, "440106");
    struct cr_addr b;
    s = "广州市天河区天河路100号A座1201";
    assert_int_equal(cr_addr_normalize(ref, s, strlen(s), &b), CR_OK);
    assert_string_equal(a.key, b.key);
    assert_int_equal(cr_addr_default_district(&b, "440104"), CR_OK);
    assert_string_equal(b.key, "440106|天河路100号A栋1201");
    s = "天河路1号";
    assert_int_equal(cr_addr_normalize(ref, s, strlen(s), &a), CR_OK);
    assert_int_equal(cr_addr_default_district(&a, NULL), CR_OK);
    assert_int_equal(cr_addr_default_district(&a, "4401"), CR_OK);
    assert_int_equal(cr_addr_default_district(&a, "44010x"), CR_OK);
    assert_string_equal(a.key, "|天河路1号");
    /* Numerals in the user's report, exactly. */
    static const char *const want[][2] = {
        {"天河区中山大道一百号A座1201房", "440106|中山大道100号A栋1201"},
        {"天河区中山大道一百号之一", "440106|中山大道100号-1"},
        {"天河区中山大道一百零五号", "440106|中山大道105号"},
        {"天河区五山路二十三号", "440106|5山路23号"},
        {"荔湾区十三行路一号", "440103|13行路1号"},
        {"广州天河天河路100号A座1201F", "440106|天河路100号A栋1201"},
        {"天河区天河路100号A座12F", "440106|天河路100号A栋12层"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        assert_int_equal(cr_addr_normalize(ref, want[i][0], strlen(want[i][0]), &a), CR_OK);
        assert_string_equal(a.key, want[i][1]);
    }
    /* Long numeral runs neither overflow nor write past the key. */
    char longrun[130 * 3 + 1];
    for (int i = 0; i < 130; i++)
        memcpy(longrun + 3 * i, "千", 3);
    longrun[130 * 3] = 0;
    assert_int_equal(cr_addr_normalize(ref, longrun, strlen(longrun), &a), CR_OK);
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
