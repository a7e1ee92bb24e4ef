/* Runs and city loads in the store: what a run records, and how a load fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/city.h"
#include "crisk/classify.h"
#include "crisk/model.h"
#include "crisk/store.h"
#include "store/internal.h" /* cr_store_scalar */
#include "store_tmp.h"

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/crisk-runs-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* Five indicators whose ids are 195 bytes long (and one with a quote and a backslash): the
 * five largest contributions of a run no longer fit any fixed buffer. */
static void long_indicator_ids(void **state)
{
    (void)state;
    char text[8192];
    size_t o = (size_t)snprintf(text, sizeof text,
                                "model: long\nversion: 1\nname: n\n"
                                "levels: {method: score, scores: {B: 10, C: 20, D: 30}}\n"
                                "aspects:\n  - id: a\n    name: a\n    categories:\n"
                                "      - id: c\n        name: c\n        indicators:\n");
    for (int i = 0; i < 5; i++) {
        char id[200];
        memset(id, 'a' + i, 195);
        id[195] = 0;
        if (i == 4)
            memcpy(id, "q\\\"\\\\", 5); /* q\"\\ in YAML: q"\ */
        o += (size_t)snprintf(text + o, sizeof text - o,
                              "          - {id: \"%s\", name: n, input: {registry: capital}, "
                              "aggregation: value, bins: [[-inf, inf, %d]], missing: %d, "
                              "rationale: r}\n",
                              id, 10 + i, 10 + i);
    }
    assert_true(o < sizeof text);
    char *mpath = write_tmp(text);
    cr_model *m = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    if (cr_model_load(mpath, &m, &d))
        fail_msg("%s:%ld: %s", d.file, d.line, d.msg);
    unlink(mpath);
    free(mpath);
    char path[] = "/tmp/crisk-runs-store-XXXXXX";
    cr_store *s = tmp_store_open(path);
    int64_t subject = 1;
    struct cr_city c = {.n = 1, .subject = &subject};
    double score = 12;
    char level = 'B';
    int16_t veto = -1;
    float aspects = 12;
    struct cr_contribution top[CR_TOP];
    for (int k = 0; k < CR_TOP; k++)
        top[k] = (struct cr_contribution){4 - k, (float)(14 - k), (float)(2.8 - 0.2 * k)};
    struct cr_scores sc = {.n = 1,
                           .n_aspects = 1,
                           .score = &score,
                           .level = &level,
                           .veto = &veto,
                           .aspects = &aspects,
                           .top = top,
                           .levels = {0, 1, 0, 0}};
    int64_t run = 0, changes = 0;
    assert_int_equal(cr_city_run_save(s, m, 19000, &c, &sc, &run, &changes), CR_OK);
    assert_int_equal(run, 1);
    int64_t v = 0;
    assert_int_equal(cr_store_scalar(s, "SELECT json_valid(top) FROM run_score", &v), CR_OK);
    assert_int_equal(v, 1);
    assert_int_equal(cr_store_scalar(s, "SELECT json_array_length(top) FROM run_score", &v), CR_OK);
    assert_int_equal(v, 5);
    assert_int_equal(
        cr_store_scalar(s, "SELECT length(json_extract(top, '$[1][0]')) FROM run_score", &v),
        CR_OK);
    assert_int_equal(v, 195);
    assert_int_equal(
        cr_store_scalar(s, "SELECT json_extract(top, '$[0][0]') LIKE 'q\"\\%' FROM run_score", &v),
        CR_OK);
    assert_int_equal(v, 1);
    cr_store_close(s);
    tmp_store_remove(path);
    cr_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_indicator_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
