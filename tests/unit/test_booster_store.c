/* The learn matrix and a tree model's scoring see the same features: the German credit table
 * (catalogs/germancredit) ingested into a store, its learn matrix built (cr_learn_data_build:
 * gz-2021's indicators and the registry attributes), trees trained on it and written as a model
 * file; cr_xgb_features on the store's city gives every row exactly the matrix's values, and
 * cr_xgb_classify gives every firm 100 × the booster's prediction on the matrix row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/booster.h"
#include "crisk/catalog.h"
#include "crisk/city.h"
#include "crisk/ingest.h"
#include "crisk/learn.h"
#include "crisk/ref.h"
#include "crisk/store.h"
#include "crisk/text.h"

static void path_of(char *out, size_t cap, const char *rel)
{
    const char *t = getenv("CRISK_TESTDATA");
    snprintf(out, cap, "%s/../%s", t ? t : "tests", rel);
}

static void matrix_equals_classify_features(void **state)
{
    (void)state;
    char dir[] = "/tmp/crisk-booster-XXXXXX", path[512];
    assert_non_null(mkdtemp(dir));
    cr_diag d = {{0}, {0}, 0, 0};
    cr_ref *ref = NULL;
    assert_int_equal(cr_ref_load(cr_ref_default_dir(), &ref, &d), CR_OK);
    cr_catalog *cat = NULL;
    path_of(path, sizeof path, "catalogs/germancredit/catalog.yaml");
    if (cr_catalog_load(path, &cat, &d))
        fail_msg("%s: %s", path, d.msg);
    cr_store *s = NULL;
    snprintf(path, sizeof path, "%s/s.db", dir);
    assert_int_equal(cr_store_open(path, &s, &d), CR_OK);
    struct cr_ingest_opts io = {.ref = ref, .threads = 1};
    struct cr_ingest_report r;
    assert_int_equal(cr_ingest_run(s, cat, &io, &r, &d), CR_OK);
    assert_int_equal(r.loaded, 1000);
    cr_ingest_report_free(&r);

    cr_model *base = NULL;
    path_of(path, sizeof path, "models/gz-2021.yaml");
    assert_int_equal(cr_model_load(path, &base, &d), CR_OK);
    struct cr_learn_label *lab = NULL;
    path_of(path, sizeof path, "catalogs/germancredit/label.yaml");
    assert_int_equal(cr_learn_label_load(path, &lab, &d), CR_OK);
    struct cr_learn_opts o;
    cr_learn_opts_default(&o);
    assert_int_equal(cr_date_parse("2020-01-01", 10, &o.as_of), CR_OK);
    struct cr_learn_data m;
    struct cr_learn_info info;
    if (cr_learn_data_build(s, base, lab, &o, &m, &info, &d))
        fail_msg("build: %s", d.msg);
    assert_int_equal(m.n, 1000);
    assert_int_equal(info.positives, 300);
    assert_true(info.n_attr_features > 10);

    struct cr_xgb_params p;
    cr_xgb_params_default(&p);
    p.nthread = 1;
    p.max_rounds = 100;
    struct cr_xgb_fit fit;
    assert_int_equal(cr_learn_xgb_fit(&m, &p, &fit, &d), CR_OK);
    char *text = NULL;
    assert_int_equal(
        cr_learn_xgb_model_text(base, "gc-trees", "德国信贷树模型", &m, &fit, &text, &d), CR_OK);
    cr_model *tm = NULL;
    if (cr_model_load_text("gc-trees.yaml", text, strlen(text), &tm, &d))
        fail_msg("%s", d.msg);

    struct cr_city city;
    assert_int_equal(cr_city_load(s, tm, &city, &d), CR_OK);
    assert_int_equal(city.n, 1000);
    char **attrs = calloc(city.n, sizeof *attrs);
    assert_int_equal(cr_store_enterprise_attrs(s, city.subject, city.n, attrs), CR_OK);
    float *x = NULL;
    assert_int_equal(cr_xgb_features(tm, &city, o.as_of, (const char *const *)attrs, &x, &d),
                     CR_OK);
    double *want = malloc(m.n * sizeof *want);
    assert_int_equal(cr_learn_xgb_predict(tm->booster, m.x, m.n, m.p, 1, want, NULL, &d), CR_OK);
    struct cr_scores sc;
    assert_int_equal(cr_xgb_classify(tm, &city, o.as_of, (const char *const *)attrs, 1, &sc, &d),
                     CR_OK);
    size_t e = 0, nonmissing = 0;
    for (size_t i = 0; i < m.n; i++) {
        while (e < city.n && city.subject[e] < m.subject[i])
            e++;
        assert_true(e < city.n && city.subject[e] == m.subject[i]);
        for (size_t j = 0; j < m.p; j++) {
            float a = m.x[i * m.p + j], b = x[e * m.p + j];
            if (!(isnan(a) ? isnan(b) : a == b))
                fail_msg("row %zu (subject %lld) feature %s: matrix %g, classify %g", i,
                         (long long)m.subject[i], m.name[j], (double)a, (double)b);
            nonmissing += !isnan(a);
        }
        assert_true(fabs(sc.score[e] - 100 * want[i]) < 1e-9);
    }
    assert_true(nonmissing > m.n * 10); /* the attributes are there, not all missing */
    cr_scores_free(&sc);
    for (size_t i = 0; i < city.n; i++)
        free(attrs[i]);
    free(attrs);
    free(x);
    free(want);
    cr_city_free(&city);
    cr_model_free(tm);
    free(text);
    cr_xgb_fit_free(&fit);
    cr_learn_data_free(&m);
    cr_learn_label_free(lab);
    cr_model_free(base);
    cr_store_close(s);
    cr_catalog_free(cat);
    cr_ref_free(ref);
    const char *files[] = {"s.db", "s.db-wal", "s.db-shm", "s.db.lock", "s.db.cols"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matrix_equals_classify_features),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
