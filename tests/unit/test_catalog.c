#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/catalog.h"

static const char good[] = "catalog: t\n"
                           "departments:\n"
                           "  - {code: D1, name: 部门一}\n"
                           "topics:\n"
                           "  - code: T1\n"
                           "    name: 处罚\n"
                           "    department: D1\n"
                           "    kind: penalty\n"
                           "    files: [feeds/*.csv]\n"
                           "    encoding: gb18030\n"
                           "    delimiter: \"|\"\n"
                           "    key: {column: 信用代码}\n"
                           "    fields:\n"
                           "      date: 日期\n"
                           "      amount: {column: 金额, unit: 万元}\n"
                           "    attrs: [种类, 3]\n"
                           "  - code: T2\n"
                           "    name: 登记\n"
                           "    department: D1\n"
                           "    kind: registry\n"
                           "    files: reg.csv\n"
                           "    key: {column: 1, type: local, namespace: ns}\n"
                           "    header: false\n"
                           "    fields: {name: 2, capital: 3}\n"
                           "    required: [name]\n";

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/crisk-catalog-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void loads_good(void **state)
{
    (void)state;
    char *path = write_tmp(good);
    cr_catalog *cat = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_catalog_load(path, &cat, &d), CR_OK);
    assert_int_equal(cat->n_topics, 2);
    const struct cr_topic *t = &cat->topics[0];
    assert_int_equal(t->role, CR_TOPIC_EVENTS);
    assert_true(t->gb18030);
    assert_int_equal(t->delimiter, '|');
    assert_string_equal(t->field[CR_F_KEY].name, "信用代码");
    assert_true(t->amount_wan);
    assert_int_equal(t->n_attrs, 2);
    assert_int_equal(t->attrs[1].index, 3);
    assert_true(t->required[CR_F_DATE]);
    const struct cr_topic *r = &cat->topics[1];
    assert_int_equal(r->role, CR_TOPIC_REGISTRY);
    assert_int_equal(r->key_type, CR_KEY_LOCAL);
    assert_string_equal(r->key_namespace, "ns");
    assert_int_equal(r->field[CR_F_KEY].index, 1);
    assert_false(r->header);
    assert_string_equal(cat->dir, "/tmp");
    cr_catalog_free(cat);
    unlink(path);
    free(path);
}

/* Each broken catalog must fail with CR_EPARSE at the given line, mentioning the word. */
struct bad_case {
    const char *from, *to; /* replace in the good catalog */
    long line;
    const char *word;
};

static const struct bad_case bad[] = {
    {"kind: penalty\n", "kind: penalty\n    colour: red\n", 9, "colour"},
    {"department: D1\n    kind: penalty", "department: D9\n    kind: penalty", 7, "D9"},
    {"      date: 日期\n", "", 5, "date"},
    {"unit: 万元", "unit: 千元", 15, "千元"},
    {"encoding: gb18030", "encoding: latin1", 10, "latin1"},
    {"  - code: T2\n", "  - code: T1\n", 17, "T1"},
    {"fields: {name: 2, capital: 3}", "fields: {name: 2, date: 3}", 24, "date"},
    {"required: [name]", "required: [status]", 25, "status"},
    {"header: false\n    fields: {name: 2,", "header: false\n    fields: {name: 名称,", 17,
     "position"},
    {"    files: [feeds/*.csv]\n", "", 5, "files"},
    {"    name: 处罚\n", "    name: [处罚\n", 7, "YAML"}, /* libyaml reports where it noticed */
    {"    attrs: [种类, 3]\n", "    attrs: [种类, 3]\n    nulls: NA\n", 17, "nulls"},
    {"date: 日期\n", "date: {column: 日期, format: \"%d/%m\"}\n", 14, "%Y"},
    {"date: 日期\n", "date: {column: 日期, period: mid}\n", 14, "start or end"},
    {"unit: 万元}", "unit: 万元, format: \"%Y\"}", 15, "not a date"},
    {"attrs: [种类, 3]", "attrs: [种类, _period]", 16, "period"},
    {"    required: [name]\n", "    required: [name]\n    as_of: 2020-12-31\n", 26, "event topics"},
    {"      date: 日期\n", "", 5, "as_of"},
    {"    attrs: [种类, 3]\n", "    attrs: [种类, 3]\n    as_of: 2020-02-30\n", 17, "2020-02-30"},
};

static void rejects_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[4096];
        const char *at = strstr(good, bad[i].from);
        assert_non_null(at);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good), good, bad[i].to,
                 at + strlen(bad[i].from));
        char *path = write_tmp(text);
        cr_catalog *cat = NULL;
        cr_diag d = {{0}, {0}, 0, 0};
        cr_err rc = cr_catalog_load(path, &cat, &d);
        if (rc != CR_EPARSE || d.line != bad[i].line || !strstr(d.msg, bad[i].word) ||
            strcmp(d.file, path) != 0)
            fail_msg("case %zu: rc %d line %ld msg '%s'", i, rc, d.line, d.msg);
        assert_null(cat);
        unlink(path);
        free(path);
    }
}

/* Issue 8: a key given twice in one mapping was read as its last value; each case must fail at the
 * second key's line and column (libyaml counts columns in characters). */
static const struct dup_case {
    const char *from, *to;
    long line, col;
} dups[] = {
    {"    kind: penalty\n", "    kind: penalty\n    kind: registry\n", 9, 5},
    {"fields: {name: 2, capital: 3}", "fields: {name: 2, name: 3}", 24, 23},
    {"key: {column: 信用代码}", "key: {column: 信用代码, column: 代码}", 12, 25},
    {"    required: [name]\n", "    required: [name]\ncatalog: u\n", 26, 1},
};

static void rejects_duplicate_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dups / sizeof *dups; i++) {
        char text[4096];
        const char *at = strstr(good, dups[i].from);
        assert_non_null(at);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good), good, dups[i].to,
                 at + strlen(dups[i].from));
        char *path = write_tmp(text);
        cr_catalog *cat = NULL;
        cr_diag d = {{0}, {0}, 0, 0};
        cr_err rc = cr_catalog_load(path, &cat, &d);
        if (rc != CR_EPARSE || d.line != dups[i].line || d.col != dups[i].col ||
            !strstr(d.msg, "duplicate key"))
            fail_msg("case %zu: rc %d at %ld:%ld msg '%s'", i, rc, d.line, d.col, d.msg);
        assert_null(cat);
        unlink(path);
        free(path);
    }
}

/* Null tokens: the defaults, a catalog's own list, a topic's list replacing the catalog's. */
static void null_tokens(void **state)
{
    (void)state;
    char *path = write_tmp(good);
    cr_catalog *cat = NULL;
    assert_int_equal(cr_catalog_load(path, &cat, NULL), CR_OK);
    const struct cr_topic *t = &cat->topics[0];
    assert_true(cr_topic_null(t, "NA", 2));
    assert_true(cr_topic_null(t, "n/a", 3));
    assert_true(cr_topic_null(t, "-", 1));
    assert_true(cr_topic_null(t, "null", 4));
    assert_true(cr_topic_null(t, "\\N", 2));
    assert_false(cr_topic_null(t, "NAN", 3));
    assert_false(cr_topic_null(t, "--", 2));
    cr_catalog_free(cat);
    unlink(path);
    free(path);
    char text[4096];
    snprintf(text, sizeof text, "nulls: [无, '']\n%s", good);
    char *own = strstr(text, "    attrs: [种类, 3]\n");
    assert_non_null(own);
    memmove(own + 29, own, strlen(own) + 1);
    memcpy(own, "    nulls: [\"-\", 未知, \"\"]\n", 29);
    path = write_tmp(text);
    assert_int_equal(cr_catalog_load(path, &cat, NULL), CR_OK);
    t = &cat->topics[0];
    assert_int_equal(t->n_nulls, 2);
    assert_true(cr_topic_null(t, "未知", strlen("未知")));
    assert_false(cr_topic_null(t, "无", strlen("无")));
    assert_false(cr_topic_null(t, "NA", 2));
    t = &cat->topics[1];
    assert_int_equal(t->n_nulls, 1);
    assert_true(cr_topic_null(t, "无", strlen("无")));
    assert_false(cr_topic_null(t, "-", 1));
    cr_catalog_free(cat);
    unlink(path);
    free(path);
}

static void missing_file(void **state)
{
    (void)state;
    cr_catalog *cat = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_catalog_load("/nonexistent/catalog.yaml", &cat, &d), CR_ENOTFOUND);
    assert_string_equal(d.file, "/nonexistent/catalog.yaml");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(loads_good), cmocka_unit_test(rejects_bad),
                                       cmocka_unit_test(rejects_duplicate_keys),
                                       cmocka_unit_test(null_tokens),
                                       cmocka_unit_test(missing_file)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
