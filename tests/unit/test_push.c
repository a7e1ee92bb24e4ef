/* The monthly push's writers on hand-built warning rows: the XLSX read back by an independent
 * reader (tests/script/xlsx_dump.py: zipfile and the sheet XML), the CSV byte for byte, the
 * GeoJSON parsed, and hostile values (quotes, commas, line breaks, control characters, a cell
 * past Excel's 32,767-character limit, an id that is no sheet name, bad polygon files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/push.h"
#include "crisk/ref.h"

static const char *const headers[] = {
    "预警编号", "预警类型", "统一社会信用代码", "企业名称", "地址", "区",     "街道(镇)",
    "网格",     "状态",     "发现日期",         "摘要",     "证据", "区代码", "街道代码",
    "网格代码"};

static struct cr_warning_row row(int64_t w, const char *det, const char *status, int64_t subj,
                                 const char *uscc, const char *name, const char *district,
                                 const char *street, const char *grid)
{
    struct cr_warning_row r = {0};
    r.warning = w, r.detector = det, r.status = status;
    r.summary = "同一地址登记企业12户", r.evidence = "{\"count\":12}";
    r.rule_version = 1, r.opened_day = 20453 /* 2025-12-31 */, r.closed_day = -1;
    r.w_district = "", r.w_street = "", r.w_grid = "", r.w_address = "";
    r.subject = subj, r.uscc = uscc, r.name = name, r.address = "广州市天河区体育西路1号";
    r.district = district, r.street = street, r.grid = grid;
    return r;
}

static cr_ref *ref_load(void)
{
    cr_ref *ref = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_ref_load(cr_ref_default_dir(), &ref, &d), CR_OK);
    return ref;
}

/* The workbook at path as xlsx_dump.py reads it. */
static json_t *xlsx_read(const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 %s/script/xlsx_dump.py '%s'", getenv("CRISK_TESTDATA"),
             path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    json_error_t je;
    json_t *doc = json_loadf(p, 0, &je);
    assert_int_equal(pclose(p), 0);
    assert_non_null(doc);
    return doc;
}

static json_t *sheet(json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "sheets"), i);
}

static json_t *cell(json_t *sh, size_t r, size_t c)
{
    return json_array_get(json_array_get(json_object_get(sh, "rows"), r), c);
}

static const char *cell_str(json_t *sh, size_t r, size_t c)
{
    json_t *x = cell(sh, r, c);
    assert_non_null(x);
    assert_string_equal(json_string_value(json_object_get(x, "t")), "s");
    return json_string_value(json_object_get(x, "v"));
}

static char *tmp_path(const char *suffix)
{
    static char p[64];
    snprintf(p, sizeof p, "/tmp/crisk_push_XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    unlink(p);
    char *out = malloc(80);
    snprintf(out, 80, "%s%s", p, suffix);
    return out;
}

/* Sheets: the seven detectors in order, even empty, then unknown ids made sheet names; headers,
 * frozen header row, row counts; a USCC of digits stays a string, the id a number, the date an
 * Excel date; division names from data/divisions with the codes beside them. */
static void test_xlsx_sheets(void **state)
{
    (void)state;
    cr_ref *ref = ref_load();
    struct cr_warning_row rows[] = {
        row(1, "address_cluster", "open", 11, "914401060000000011", "甲公司", "440106", "440106001",
            "440106001001"),
        row(1, "address_cluster", "open", 12, "91440106MA00000012", "乙公司", "440106", "440106001",
            ""),
        row(2, "zombie", "closed", 13, "91440103MA00000013", "丙公司", "440103", "", ""),
        row(3, "shadow/rule:v2*", "open", 14, "91440103MA00000014", "丁公司", "440103", "", ""),
        row(4, "a_very_long_detector_id_past_31_characters_x", "open", 15, "91440103MA00000015",
            "戊公司", "440103", "", ""),
        row(5, "a_very_long_detector_id_past_31_characters_y", "open", 16, "91440103MA00000016",
            "己公司", "", "", ""),
    };
    rows[5].w_district = "440104"; /* a firm without a division: filed at the warning's place */
    char *path = tmp_path(".xlsx");
    struct cr_push_stats st = {0, 0};
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_push_write_xlsx(path, rows, 6, ref, &st, &d), CR_OK);
    assert_int_equal(st.rows, 6);
    assert_int_equal(st.cut, 0);
    json_t *doc = xlsx_read(path);
    const char *names[] = {"一址多照",
                           "一人多企",
                           "等级跃升",
                           "僵尸企业",
                           "失联企业",
                           "频繁变更法定代表人",
                           "注册资本异常",
                           "shadow_rule_v2_",
                           "a_very_long_detector_id_past_31",
                           "a_very_long_detector_id_past_~2"};
    size_t want_rows[] = {3, 1, 1, 2, 1, 1, 1, 2, 2, 2};
    assert_int_equal(json_array_size(json_object_get(doc, "sheets")), 10);
    for (size_t i = 0; i < 10; i++) {
        json_t *sh = sheet(doc, i);
        assert_string_equal(json_string_value(json_object_get(sh, "name")), names[i]);
        assert_int_equal(json_integer_value(json_object_get(sh, "frozen_rows")), 1);
        assert_int_equal(json_array_size(json_object_get(sh, "rows")), want_rows[i]);
        assert_int_equal(json_array_size(json_object_get(sh, "widths")), 15);
        for (size_t c = 0; c < 15; c++)
            assert_string_equal(cell_str(sh, 0, c), headers[c]);
    }
    json_t *sh = sheet(doc, 0);
    assert_string_equal(cell_str(sh, 1, 2), "914401060000000011"); /* not a number */
    assert_string_equal(json_string_value(json_object_get(cell(sh, 1, 0), "t")), "n");
    assert_int_equal(json_number_value(json_object_get(cell(sh, 1, 0), "v")), 1);
    assert_int_equal(json_number_value(json_object_get(cell(sh, 1, 9), "v")), 20453 + 25569);
    assert_string_equal(cell_str(sh, 1, 1), "一址多照");
    assert_string_equal(cell_str(sh, 1, 5), "天河区");
    assert_string_equal(cell_str(sh, 1, 8), "有效");
    assert_string_equal(cell_str(sh, 1, 12), "440106");
    assert_string_equal(cell_str(sh, 1, 13), "440106001");
    assert_string_equal(cell_str(sh, 1, 14), "440106001001");
    const struct cr_division *st1 = cr_ref_division_find(ref, "440106001");
    assert_string_equal(cell_str(sh, 1, 6), st1->name);
    assert_null(cell(sh, 2, 14)); /* no grid: an empty cell */
    assert_string_equal(cell_str(sheet(doc, 3), 1, 8), "已解除");
    /* Unknown detector: its id as the type; the firm without a division at the warning's. */
    assert_string_equal(cell_str(sheet(doc, 9), 1, 1),
                        "a_very_long_detector_id_past_31_characters_y");
    assert_string_equal(cell_str(sheet(doc, 9), 1, 5), "越秀区");
    json_decref(doc);
    unlink(path);
    free(path);
    cr_ref_free(ref);
}

/* n CJK characters (3 bytes each in UTF-8, 1 UTF-16 unit each), malloc'd. */
static char *cjk(size_t n)
{
    char *s = malloc(3 * n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + 3 * i, i % 2 ? "证" : "据", 3);
    s[3 * n] = 0;
    return s;
}

static size_t json_size(json_t *o, const char *key)
{
    return (size_t)json_integer_value(json_object_get(o, key));
}

/* Hostile text comes back as it went in. Excel's limit is 32,767 characters (UTF-16 units, as
 * xlsx_dump.py counts them with python3), not bytes: 21,047 CJK characters (63,141 bytes) stay
 * whole; 40,000 are cut at a character boundary to exactly the limit, the note at the end,
 * and counted; a value of characters outside the BMP (2 units each) is cut by units too. */
static void test_xlsx_hostile(void **state)
{
    (void)state;
    const char *name = "\"引号\",逗号\n换行\r\x01控制\x1f\t制表 =SUM(A1) _x0041_";
    char *whole = cjk(21047), *ev = cjk(40000);
    size_t n_astral = 20000; /* U+20000 𠀀: 4 bytes, 2 units; 40,000 units in all */
    char *astral = malloc(4 * n_astral + 1);
    for (size_t i = 0; i < n_astral; i++)
        memcpy(astral + 4 * i, "\xF0\xA0\x80\x80", 4);
    astral[4 * n_astral] = 0;
    struct cr_warning_row rows[] = {
        row(1, "person_cluster", "open", 1, "91440106MA00000011", name, "440106", "", ""),
        row(2, "person_cluster", "open", 2, "91440106MA00000012", "正常", "440106", "", ""),
        row(3, "person_cluster", "open", 3, "91440106MA00000013", "整", "440106", "", ""),
        row(4, "person_cluster", "open", 4, "91440106MA00000014", "外", "440106", "", ""),
    };
    rows[1].evidence = ev;
    rows[2].evidence = whole;
    rows[3].evidence = astral;
    char *path = tmp_path(".xlsx");
    struct cr_push_stats st = {0, 0};
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_push_write_xlsx(path, rows, 4, NULL, &st, &d), CR_OK);
    assert_int_equal(st.cut, 2);
    json_t *doc = xlsx_read(path);
    json_t *sh = sheet(doc, 1);
    assert_string_equal(cell_str(sh, 1, 3), name);
    assert_string_equal(cell_str(sh, 1, 5), "440106"); /* no ref: the code */
    /* 21,047 characters: whole, no note */
    assert_string_equal(cell_str(sh, 3, 11), whole);
    assert_int_equal(json_size(cell(sh, 3, 11), "u16"), 21047);
    /* 40,000: cut to 32,767 characters, the note included */
    const char *cut = cell_str(sh, 2, 11);
    size_t len = strlen(cut), note = strlen(CR_PUSH_CUT_NOTE);
    assert_int_equal(json_size(cell(sh, 2, 11), "u16"), CR_PUSH_CELL_MAX);
    assert_string_equal(cut + len - note, CR_PUSH_CUT_NOTE);
    assert_int_equal((len - note) % 3, 0); /* whole characters kept */
    assert_memory_equal(cut, ev, len - note);
    /* outside the BMP: 2 units each, so the kept part is whole 4-byte characters and the cell
     * one unit short of the limit at most */
    const char *cut2 = cell_str(sh, 4, 11);
    size_t len2 = strlen(cut2);
    assert_true(json_size(cell(sh, 4, 11), "u16") >= CR_PUSH_CELL_MAX - 1);
    assert_true(json_size(cell(sh, 4, 11), "u16") <= CR_PUSH_CELL_MAX);
    assert_int_equal((len2 - note) % 4, 0);
    assert_memory_equal(cut2, astral, len2 - note);
    json_decref(doc);
    unlink(path);
    free(path);
    free(ev);
    free(whole);
    free(astral);
}

/* A workbook in a folder that does not exist: CR_EIO with the reason, no file. */
static void test_xlsx_missing_folder(void **state)
{
    (void)state;
    struct cr_warning_row r = row(1, "zombie", "open", 1, "X", "甲", "440106", "", "");
    cr_diag d = {{0}, {0}, 0, 0};
    const char *path = "/tmp/crisk_push_no_such_folder/w.xlsx";
    assert_int_equal(cr_push_write_xlsx(path, &r, 1, NULL, NULL, &d), CR_EIO);
    assert_true(d.msg[0] != 0);
    assert_int_not_equal(access(path, F_OK), 0);
}

/* CSV: BOM, header, quoting as cli_csv_field quotes, nothing cut, names and codes. */
static void test_csv(void **state)
{
    (void)state;
    cr_ref *ref = ref_load();
    struct cr_warning_row r = row(7, "capital_mismatch", "open", 1, "91440106MA00000011",
                                  "a\"b,c\nd\x01", "440106", "", "");
    r.summary = "摘要,带逗号";
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    struct cr_push_stats st = {0, 0};
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_push_write_csv(fp, &r, 1, ref, 1, &st, &d), CR_OK);
    fclose(fp);
    const char *want =
        "\xEF\xBB\xBF"
        "预警编号,预警类型,统一社会信用代码,企业名称,地址,区,街道(镇),网格,状态,发现日期,摘要,"
        "证据,区代码,街道代码,网格代码\n"
        "7,注册资本异常,91440106MA00000011,\"a\"\"b,c\nd\x01\",广州市天河区体育西路1号,天河区,,,"
        "有效,2025-12-31,\"摘要,带逗号\",\"{\"\"count\"\":12}\",440106,,\n";
    assert_string_equal(buf, want);
    assert_int_equal(st.rows, 1);
    free(buf);
    cr_ref_free(ref);
}

static json_t *geo_write(const struct cr_warning_row *rows, size_t n,
                         const struct cr_push_geo_opts *o, size_t *points)
{
    cr_ref *ref = ref_load();
    cr_push_map *m = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_push_map_load(NULL, ref, &m, &d), CR_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    struct cr_push_stats st = {0, 0};
    assert_int_equal(cr_push_write_geojson(fp, m, rows, n, o, &st, &d), CR_OK);
    fclose(fp);
    json_error_t je;
    json_t *doc = json_loads(buf, 0, &je);
    assert_non_null(doc);
    free(buf);
    *points = st.rows;
    cr_push_map_free(m);
    cr_ref_free(ref);
    return doc;
}

static int64_t tasks_hook(void *ctx, const char *district)
{
    (void)ctx;
    return strcmp(district, "440106") == 0 ? 4 : -1;
}

static void check_ring(json_t *ring)
{
    assert_true(json_array_size(ring) >= 4);
    for (size_t k = 0; k < json_array_size(ring); k++) {
        double lon = json_number_value(json_array_get(json_array_get(ring, k), 0));
        double lat = json_number_value(json_array_get(json_array_get(ring, k), 1));
        assert_true(lon > 112.9 && lon < 114.1); /* Guangzhou's bounding box */
        assert_true(lat > 22.5 && lat < 24.0);
    }
}

/* Eleven district polygons inside Guangzhou's box with their counts (open warnings, their
 * distinct firms; closed ones and other districts not counted), one point per open row with
 * coordinates; the district filter and the open_tasks hook. */
static void test_geojson(void **state)
{
    (void)state;
    struct cr_warning_row rows[] = {
        row(1, "address_cluster", "open", 11, "U11", "甲", "440106", "440106001", ""),
        row(1, "address_cluster", "open", 12, "U12", "乙", "440106", "440106001", ""),
        row(2, "person_cluster", "open", 11, "U11", "甲", "440106", "", ""),
        row(3, "zombie", "closed", 13, "U13", "丙", "440106", "", ""),
        row(4, "zombie", "open", 14, "U14", "丁\"\n", "440103", "", ""),
    };
    rows[0].has_geo = 1, rows[0].lon = 113.33, rows[0].lat = 23.14;
    rows[3].has_geo = 1, rows[3].lon = 113.34, rows[3].lat = 23.15; /* closed: no point */
    rows[4].has_geo = 1, rows[4].lon = 113.25, rows[4].lat = 23.12;
    size_t points = 0;
    json_t *doc = geo_write(rows, 5, NULL, &points);
    assert_string_equal(json_string_value(json_object_get(doc, "type")), "FeatureCollection");
    json_t *fs = json_object_get(doc, "features");
    size_t polys = 0, pts = 0;
    for (size_t i = 0; i < json_array_size(fs); i++) {
        json_t *f = json_array_get(fs, i), *g = json_object_get(f, "geometry");
        json_t *p = json_object_get(f, "properties");
        assert_string_equal(json_string_value(json_object_get(f, "type")), "Feature");
        const char *type = json_string_value(json_object_get(g, "type"));
        json_t *co = json_object_get(g, "coordinates");
        if (strcmp(type, "Point") == 0) {
            pts++;
            assert_int_equal(json_array_size(co), 2);
            continue;
        }
        polys++;
        if (strcmp(type, "MultiPolygon") == 0)
            for (size_t k = 0; k < json_array_size(co); k++)
                check_ring(json_array_get(json_array_get(co, k), 0));
        else
            check_ring(json_array_get(co, 0));
        const char *code = json_string_value(json_object_get(p, "code"));
        json_int_t w = json_integer_value(json_object_get(p, "open_warnings"));
        json_int_t fm = json_integer_value(json_object_get(p, "firms"));
        assert_null(json_object_get(p, "open_tasks"));
        if (strcmp(code, "440106") == 0) {
            assert_string_equal(json_string_value(json_object_get(p, "name")), "天河区");
            assert_int_equal(w, 2), assert_int_equal(fm, 2);
        } else if (strcmp(code, "440103") == 0) {
            assert_int_equal(w, 1), assert_int_equal(fm, 1);
        } else {
            assert_int_equal(w, 0), assert_int_equal(fm, 0);
        }
    }
    assert_int_equal(polys, 11);
    assert_int_equal(pts, 2);
    assert_int_equal(points, 2);
    json_t *last = json_object_get(json_array_get(fs, json_array_size(fs) - 1), "properties");
    assert_string_equal(json_string_value(json_object_get(last, "name")), "丁\"\n");
    assert_string_equal(json_string_value(json_object_get(last, "detector")), "zombie");
    json_decref(doc);

    struct cr_push_geo_opts o = {"440106", tasks_hook, NULL};
    doc = geo_write(rows, 5, &o, &points);
    fs = json_object_get(doc, "features");
    assert_int_equal(json_array_size(fs), 1 + 2); /* one polygon; the points stay */
    json_t *p = json_object_get(json_array_get(fs, 0), "properties");
    assert_string_equal(json_string_value(json_object_get(p, "code")), "440106");
    assert_int_equal(json_integer_value(json_object_get(p, "open_tasks")), 4);
    json_decref(doc);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* Polygon files that are not what the map needs: errors naming the file and the feature. */
static void test_map_hostile(void **state)
{
    (void)state;
    char *path = tmp_path(".geojson");
    const char *bad[] = {
        "",
        "[]",
        "{\"type\":\"Feature\"}",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"properties\":{\"name\":\"x\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[]}}]}",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"properties\":{\"adcode\":440106},"
        "\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}]}",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"properties\":{\"adcode\":\"44a106\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[]}}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_file(path, bad[i]);
        cr_push_map *m = NULL;
        cr_diag d = {{0}, {0}, 0, 0};
        assert_int_equal(cr_push_map_load(path, NULL, &m, &d), CR_EPARSE);
        assert_null(m);
        assert_string_equal(d.file, path);
    }
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xlsx_sheets),
        cmocka_unit_test(test_xlsx_hostile),
        cmocka_unit_test(test_xlsx_missing_folder),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_geojson),
        cmocka_unit_test(test_map_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
