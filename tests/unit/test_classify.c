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

#include "crisk/city.h"
#include "crisk/classify.h"
#include "crisk/model.h"
#include "crisk/tags.h"
#include "crisk/text.h"

/* A model exercising every aggregation, a registry map, a graph feature, a flag and a veto. */
static const char model_text[] =
    "model: t\nversion: 3\nname: 测试模型\n"
    "levels: {method: share, shares: {A: 0.25, B: 0.25, C: 0.25, D: 0.25}}\n"
    "vetoes:\n  - {id: serious, name: 严重违法, kinds: [serious], window_days: 1095, level: D}\n"
    "flags:\n  - {id: bad, kinds: [inspection], attr: 结果, not_in: [ok]}\n"
    "aspects:\n"
    "  - id: a1\n    name: 监管\n    weight: 3\n    categories:\n"
    "      - id: c1\n        name: 处罚\n        weight: 1\n        indicators:\n"
    "          - {id: pen_count, name: 处罚次数, input: {events: {kinds: [penalty]}}, window_days: "
    "365,\n"
    "             aggregation: count, bins: [[0, 1, 0], [1, 2, 50], [2, inf, 100]], missing: 0, "
    "rationale: r}\n"
    "          - {id: pen_sum, name: 罚款, input: {events: {kinds: [penalty]}}, window_days: 365,\n"
    "             aggregation: sum, bins: [[-inf, 100, 0], [100, inf, 80]], missing: 0, rationale: "
    "r}\n"
    "          - {id: pen_last, name: 距今, input: {events: {kinds: [penalty]}},\n"
    "             aggregation: days_since_last, bins: [[0, 30, 100], [30, inf, 20]], missing: 10, "
    "rationale: r}\n"
    "      - id: c2\n        name: 检查\n        weight: 1\n        indicators:\n"
    "          - {id: bad_ratio, name: 问题率, input: {events: {kinds: [inspection], flag: bad, "
    "over: [inspection]}},\n"
    "             aggregation: ratio, bins: [[0, 0.5, 0], [0.5, inf, 100]], missing: 40, "
    "rationale: r}\n"
    "          - {id: topics, name: 主题数, input: {events: {kinds: [penalty, inspection]}},\n"
    "             aggregation: distinct_topics, bins: [[0, 2, 0], [2, inf, 60]], missing: 0, "
    "rationale: r}\n"
    "  - id: a2\n    name: 基础\n    weight: 1\n    categories:\n"
    "      - id: c3\n        name: 行业\n        indicators:\n"
    "          - {id: ind, name: 行业, input: {registry: industry}, aggregation: value,\n"
    "             map: {C13: 70, F: 30, default: 10}, missing: 50, rationale: r}\n"
    "          - {id: addr, name: 同址, input: {graph: {feature: firms_at_address}}, aggregation: "
    "value,\n"
    "             bins: [[0, 2, 0], [2, inf, 100]], missing: 25, rationale: r}\n"
    "          - {id: rep, name: 法人关联, input: {graph: {feature: person_firms, role: 法人}},\n"
    "             aggregation: value, bins: [[0, 1, 0], [1, inf, 90]], missing: 5, rationale: r}\n";

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/crisk-model-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static cr_model *load(const char *text)
{
    char *path = write_tmp(text);
    cr_model *m = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_err rc = cr_model_load(path, &m, &d);
    if (rc)
        fail_msg("model: %s:%ld: %s", d.file, d.line, d.msg);
    unlink(path);
    free(path);
    return m;
}

/* Kinds: 0 penalty, 1 inspection, 2 serious. Topics: 1 penalty (市场), 2 penalty (环保),
 * 3 inspection, 4 serious. */
enum { AS_OF = 20000 };
struct ev {
    int e, topic;
    int32_t day;
    int64_t fen;
    uint32_t flags;
};

static void build(struct cr_city *c, const struct ev *evs, size_t n_ev)
{
    memset(c, 0, sizeof *c);
    c->n = 4;
    c->subject = calloc(4, sizeof *c->subject);
    c->uscc = calloc(4, sizeof *c->uscc);
    c->established = calloc(4, sizeof *c->established);
    c->capital_wan = calloc(4, sizeof *c->capital_wan);
    c->industry = calloc(4, sizeof *c->industry);
    c->type = calloc(4, sizeof *c->type);
    c->status = calloc(4, sizeof *c->status);
    c->addr = calloc(4, sizeof *c->addr);
    const char *ind[4] = {"C1311", "F5211", NULL, "I6513"};
    const int32_t addr[4] = {0, 0, -1, 1};
    for (int e = 0; e < 4; e++) {
        c->subject[e] = 10 + e;
        c->industry[e] = ind[e] ? strdup(ind[e]) : NULL;
        c->addr[e] = addr[e];
        c->established[e] = CR_NO_DAY;
        c->capital_wan[e] = NAN;
    }
    c->n_addr = 2;
    const char *kinds[3] = {"penalty", "inspection", "serious"};
    c->n_kinds = 3;
    c->kinds = calloc(3, sizeof *c->kinds);
    for (int k = 0; k < 3; k++)
        c->kinds[k] = strdup(kinds[k]);
    c->n_topics = 5;
    c->topic_kind = calloc(5, sizeof *c->topic_kind);
    const int32_t tk[5] = {-1, 0, 0, 1, 2};
    memcpy(c->topic_kind, tk, sizeof tk);
    c->ev_off = calloc(5, sizeof *c->ev_off);
    c->n_events = n_ev;
    c->ev_day = calloc(n_ev + 1, sizeof *c->ev_day);
    c->ev_topic = calloc(n_ev + 1, sizeof *c->ev_topic);
    c->ev_amount = calloc(n_ev + 1, sizeof *c->ev_amount);
    c->ev_flags = calloc(n_ev + 1, sizeof *c->ev_flags);
    size_t k = 0;
    for (int e = 0; e < 4; e++) {
        for (size_t i = 0; i < n_ev; i++) {
            if (evs[i].e != e)
                continue;
            c->ev_day[k] = evs[i].day;
            c->ev_topic[k] = (uint16_t)evs[i].topic;
            c->ev_amount[k] = evs[i].fen;
            c->ev_flags[k] = evs[i].flags;
            k++;
        }
        c->ev_off[e + 1] = k;
    }
    /* Person 0 is 法人 of firms 0 and 1; person 1 is 法人 of firm 3 only; firm 2 has none. */
    c->n_roles = 3;
    c->n_persons = 2;
    c->ro_off = calloc(5, sizeof *c->ro_off);
    c->ro_person = calloc(3, sizeof *c->ro_person);
    c->ro_role = calloc(3, 1);
    const size_t off[5] = {0, 1, 2, 2, 3};
    memcpy(c->ro_off, off, sizeof off);
    const int32_t per[3] = {0, 0, 1};
    memcpy(c->ro_person, per, sizeof per);
    c->n_role_names = 1;
    c->role_names = calloc(1, sizeof *c->role_names);
    c->role_names[0] = strdup("法人");
}

static const struct ev base_events[] = {
    {0, 1, AS_OF - 10, 5000, 0}, /* firm 0: two penalties in two topics, 150 元 */
    {0, 2, AS_OF - 100, 10000, 0},
    {0, 3, AS_OF - 50, CR_NO_AMOUNT, 1}, /* inspection with a problem */
    {0, 3, AS_OF - 60, CR_NO_AMOUNT, 0}, /* inspection, fine */
    {1, 1, AS_OF - 400, 100, 0},         /* firm 1: an old penalty, outside the 365-day window */
    {3, 4, AS_OF - 5, CR_NO_AMOUNT, 0},  /* firm 3: on the serious list */
};

static void every_aggregation(void **state)
{
    (void)state;
    cr_model *m = load(model_text);
    assert_int_equal(m->n_indicators, 8);
    assert_int_equal(m->version, 3);
    struct cr_city c;
    build(&c, base_events, sizeof base_events / sizeof *base_events);
    double v[8], p[8], s[8];
    assert_int_equal(cr_classify_explain(m, &c, AS_OF, 0, v, p, s), CR_OK);
    const double want_v[8] = {2, 150, 10, 0.5, 3, NAN, 2, 1};
    const double want_p[8] = {100, 80, 100, 100, 60, 70, 100, 90};
    for (int i = 0; i < 8; i++) {
        if (!(isnan(want_v[i]) ? isnan(v[i]) : fabs(v[i] - want_v[i]) < 1e-9))
            fail_msg("indicator %d value %g, want %g", i, v[i], want_v[i]);
        if (fabs(p[i] - want_p[i]) > 1e-9)
            fail_msg("indicator %d points %g, want %g", i, p[i], want_p[i]);
    }
    /* Shares: aspect 3/4, two categories 1/2 each, three and two indicators. */
    assert_true(fabs(s[0] - 0.75 * 0.5 / 3 * 100) < 1e-9);
    assert_true(fabs(s[5] - 0.25 * 1 / 3 * 70) < 1e-9);
    /* Firm 1: the penalty is outside the window for count and sum, but days_since_last sees it;
     * no inspections: the ratio is missing (40); no topics in window... distinct counts all
     * history of the kinds (no window). */
    assert_int_equal(cr_classify_explain(m, &c, AS_OF, 1, v, p, s), CR_OK);
    assert_true(v[0] == 0 && v[1] == 0 && v[2] == 400 && isnan(v[3]) && p[3] == 40 && v[4] == 1);
    assert_true(p[5] == 30 && v[7] == 1);
    /* Firm 2: no industry, no address, no legal representative: the missing points. */
    assert_int_equal(cr_classify_explain(m, &c, AS_OF, 2, v, p, s), CR_OK);
    assert_true(p[5] == 50 && p[6] == 25 && p[7] == 5 && p[2] == 10);
    /* Firm 3: its representative has no other firm; default industry points. */
    assert_int_equal(cr_classify_explain(m, &c, AS_OF, 3, v, p, s), CR_OK);
    assert_true(v[7] == 0 && p[5] == 10 && v[6] == 1);
    cr_city_free(&c);
    cr_model_free(m);
}

static void scores_levels_vetoes(void **state)
{
    (void)state;
    cr_model *m = load(model_text);
    struct cr_city c;
    build(&c, base_events, sizeof base_events / sizeof *base_events);
    struct cr_scores one, four;
    cr_diag d;
    assert_int_equal(cr_classify(m, &c, AS_OF, 1, &one, &d), CR_OK);
    assert_int_equal(cr_classify(m, &c, AS_OF, 4, &four, &d), CR_OK);
    assert_memory_equal(one.score, four.score, c.n * sizeof *one.score); /* bit for bit */
    for (size_t e = 0; e < c.n; e++) {
        double v[8], p[8], s[8], sum = 0, asum = 0;
        assert_int_equal(cr_classify_explain(m, &c, AS_OF, e, v, p, s), CR_OK);
        for (int i = 0; i < 8; i++)
            sum += s[i];
        assert_true(fabs(sum - one.score[e]) < 1e-9);
        for (size_t a = 0; a < 2; a++)
            asum += one.aspects[e * 2 + a];
        assert_true(fabs(asum - one.score[e]) < 1e-3);
        assert_true(one.top[e * CR_TOP].indicator >= 0);
    }
    /* One per level by share; firm 3 is forced to D by the veto whatever its score. */
    assert_int_equal(one.level[0], 'D');
    assert_int_equal(one.level[3], 'D');
    assert_int_equal(one.veto[3], 0);
    assert_int_equal(one.veto[0], -1);
    assert_true(one.score[0] > one.score[1] && one.score[1] > one.score[2]);
    assert_int_equal(one.levels[0] + one.levels[1] + one.levels[2] + one.levels[3], 4);
    cr_scores_free(&one);
    cr_scores_free(&four);
    cr_city_free(&c);
    cr_model_free(m);
}

/* An as-of after today (+ the model's as_of_ahead_days) is refused by cr_classify itself (the
 * API's job calls it directly), today's is not; a model may allow some days ahead. */
static void as_of_after_today_refused(void **state)
{
    (void)state;
    cr_model *m = load(model_text);
    assert_int_equal(m->as_of_ahead_days, 0);
    struct cr_city c;
    build(&c, base_events, sizeof base_events / sizeof *base_events);
    struct cr_scores sc;
    cr_diag d = {{0}, {0}, 0, 0};
    int32_t today = cr_day_today();
    assert_int_equal(cr_classify(m, &c, today, 1, &sc, &d), CR_OK);
    cr_scores_free(&sc);
    assert_int_equal(cr_classify(m, &c, today + 1, 1, &sc, &d), CR_EINVAL);
    assert_non_null(strstr(d.msg, "after today"));
    assert_non_null(strstr(d.msg, "as_of_ahead_days"));
    cr_scores_free(&sc);
    cr_model_free(m);
    /* the key: whole days 0..366, checked where the model is read */
    size_t n = strlen(model_text);
    char *t = malloc(n + 64);
    snprintf(t, n + 64, "as_of_ahead_days: 3\n%s", model_text);
    m = load(t);
    assert_int_equal(m->as_of_ahead_days, 3);
    assert_int_equal(cr_classify_as_of_check(m, today + 3, &d), CR_OK);
    assert_int_equal(cr_classify_as_of_check(m, today + 4, &d), CR_EINVAL);
    cr_model_free(m);
    const char *bad[] = {"-1", "1.5", "367", "soon"};
    for (size_t i = 0; i < 4; i++) {
        char *path = NULL;
        snprintf(t, n + 64, "as_of_ahead_days: %s\n%s", bad[i], model_text);
        path = write_tmp(t);
        m = NULL;
        assert_int_not_equal(cr_model_load(path, &m, &d), CR_OK);
        assert_non_null(strstr(d.msg, "as_of_ahead_days"));
        unlink(path);
        free(path);
    }
    free(t);
    cr_city_free(&c);
}

static void future_never_counts(void **state)
{
    (void)state;
    cr_model *m = load(model_text);
    struct cr_city a, b;
    build(&a, base_events, sizeof base_events / sizeof *base_events);
    struct ev more[sizeof base_events / sizeof *base_events + 3];
    memcpy(more, base_events, sizeof base_events);
    more[6] = (struct ev){1, 1, AS_OF + 1, 99999, 0};
    more[7] = (struct ev){2, 4, AS_OF + 30, CR_NO_AMOUNT, 0}; /* a future veto */
    more[8] = (struct ev){0, 3, AS_OF + 2, CR_NO_AMOUNT, 1};
    build(&b, more, 9);
    struct cr_scores sa, sb;
    cr_diag d;
    assert_int_equal(cr_classify(m, &a, AS_OF, 2, &sa, &d), CR_OK);
    assert_int_equal(cr_classify(m, &b, AS_OF, 2, &sb, &d), CR_OK);
    assert_memory_equal(sa.score, sb.score, a.n * sizeof *sa.score);
    assert_memory_equal(sa.level, sb.level, a.n);
    assert_int_equal(sb.veto[2], -1);
    /* A day later, the future events count. */
    struct cr_scores sc;
    assert_int_equal(cr_classify(m, &b, AS_OF + 30, 2, &sc, &d), CR_OK);
    assert_int_equal(sc.veto[2], 0);
    cr_scores_free(&sa);
    cr_scores_free(&sb);
    cr_scores_free(&sc);
    cr_city_free(&a);
    cr_city_free(&b);
    cr_model_free(m);
}

struct bad_model {
    const char *from, *to;
    long line;
    const char *word;
};

static const struct bad_model bad[] = {
    {"aggregation: count, bins: [[0, 1, 0]", "aggregation: cnt, bins: [[0, 1, 0]", 19,
     "aggregation"},
    {"[1, 2, 50]", "[2, 3, 50]", 19, "gaps"},
    {"missing: 0, rationale: r}\n          - {id: pen_sum",
     "rationale: r}\n          - {id: pen_sum", 18, "missing"},
    {"{id: pen_sum", "{id: pen_count", 20, "duplicate"},
    {"flag: bad,", "flag: worse,", 28, "worse"},
    {"shares: {A: 0.25, B: 0.25", "shares: {A: 0.35, B: 0.25", 4, "add up"},
    {"{registry: industry}", "{registry: colour}", 39, "colour"},
    {"window_days: 365,\n             aggregation: count",
     "window_days: 36.5,\n             aggregation: count", 18, "whole"},
    {"role: 法人}", "rol: 法人}", 43, "rol"},
    {"name: 测试模型\n", "", 1, "name"},
};

static void rejects_bad_models(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[8192];
        const char *at = strstr(model_text, bad[i].from);
        if (!at)
            fail_msg("case %zu: pattern not found", i);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - model_text), model_text, bad[i].to,
                 at + strlen(bad[i].from));
        char *path = write_tmp(text);
        cr_model *m = NULL;
        cr_diag d = {{0}, {0}, 0, 0};
        cr_err rc = cr_model_load(path, &m, &d);
        if (rc != CR_EPARSE || d.line != bad[i].line || !strstr(d.msg, bad[i].word))
            fail_msg("case %zu: rc %d line %ld msg '%s'", i, rc, d.line, d.msg);
        assert_null(m);
        unlink(path);
        free(path);
    }
}

/* Issue 8: a key given twice in a model was read as its last value (the weight silently 2). */
static const struct dup_model {
    const char *from, *to;
    long line, col;
} dups[] = {
    {"        weight: 1\n        indicators:\n          - {id: pen_count",
     "        weight: 1\n        weight: 2\n        indicators:\n          - {id: pen_count", 17,
     9},
    {"aggregation: count, bins: [[0, 1, 0]",
     "aggregation: count, aggregation: sum, bins: [[0, 1, 0]", 19, 34},
    {"version: 3\n", "version: 3\nversion: 4\n", 3, 1},
};

static void rejects_duplicate_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dups / sizeof *dups; i++) {
        char text[8192];
        const char *at = strstr(model_text, dups[i].from);
        if (!at)
            fail_msg("case %zu: pattern not found", i);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - model_text), model_text, dups[i].to,
                 at + strlen(dups[i].from));
        char *path = write_tmp(text);
        cr_model *m = NULL;
        cr_diag d = {{0}, {0}, 0, 0};
        cr_err rc = cr_model_load(path, &m, &d);
        if (rc != CR_EPARSE || d.line != dups[i].line || d.col != dups[i].col ||
            !strstr(d.msg, "duplicate key"))
            fail_msg("case %zu: rc %d at %ld:%ld msg '%s'", i, rc, d.line, d.col, d.msg);
        assert_null(m);
        unlink(path);
        free(path);
    }
    /* Tags files are read by the same loader. */
    char *path = write_tmp("tags:\n  - id: t1\n    name: 一\n    when: {levels: D}\n"
                           "    name: 二\n");
    cr_tagset *tags = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_err rc = cr_tags_load(path, &tags, &d);
    if (rc != CR_EPARSE || d.line != 5 || d.col != 5 || !strstr(d.msg, "duplicate key 'name'"))
        fail_msg("tags: rc %d at %ld:%ld msg '%s'", rc, d.line, d.col, d.msg);
    assert_null(tags);
    unlink(path);
    free(path);
}

/* The model with n - 1 more copies of the line that follows `after` (ids made unique), and the
 * result of loading it. */
static cr_err load_grown(const char *after, const char *fmt, int n, cr_diag *d)
{
    size_t cap = strlen(model_text) + (size_t)n * 200;
    char *text = malloc(cap);
    const char *at = strstr(model_text, after);
    assert_non_null(at);
    at += strlen(after);
    size_t o = (size_t)(at - model_text);
    memcpy(text, model_text, o);
    for (int i = 1; i < n; i++)
        o += (size_t)snprintf(text + o, cap - o, fmt, i);
    snprintf(text + o, cap - o, "%s", at);
    char *path = write_tmp(text);
    cr_model *m = NULL;
    cr_err rc = cr_model_load(path, &m, d);
    cr_model_free(m);
    unlink(path);
    free(path);
    free(text);
    return rc;
}

/* What the engine cannot hold is refused at load, at the first item too many: 33 flags would
 * shift past the 32-bit flag word, a 65th veto would never count. */
static void rejects_models_past_limits(void **state)
{
    (void)state;
    cr_diag d = {{0}, {0}, 0, 0};
    const char *flags_at = "flags:\n  - {id: bad, kinds: [inspection], attr: 结果, not_in: [ok]}\n";
    const char *flag = "  - {id: f%d, kinds: [inspection], attr: 结果, in: [x]}\n";
    assert_int_equal(load_grown(flags_at, flag, 32, &d), CR_OK);
    assert_int_equal(load_grown(flags_at, flag, 33, &d), CR_EPARSE);
    assert_int_equal(d.line, 8 + 32); /* the 33rd flag */
    assert_non_null(strstr(d.msg, "at most 32 flags"));
    assert_non_null(strstr(d.file, "crisk-model-"));
    const char *vetoes_at = "window_days: 1095, level: D}\n";
    const char *veto = "  - {id: v%d, name: v, kinds: [serious], level: C}\n";
    memset(&d, 0, sizeof d);
    assert_int_equal(load_grown(vetoes_at, veto, 64, &d), CR_OK);
    assert_int_equal(load_grown(vetoes_at, veto, 65, &d), CR_EPARSE);
    assert_int_equal(d.line, 6 + 64); /* the 65th veto */
    assert_non_null(strstr(d.msg, "at most 64 vetoes"));
}

/* A city with more than 64 kinds: a kind past the 64th counts like any other (person-flagged
 * firms kept their kinds in a 64-bit mask and silently dropped the rest). */
static void kinds_past_64(void **state)
{
    (void)state;
    cr_model *m = load(
        "model: k\nversion: 1\nname: n\n"
        "levels: {method: share, shares: {A: 0.25, B: 0.25, C: 0.25, D: 0.25}}\n"
        "aspects:\n  - id: a\n    name: a\n    categories:\n      - id: c\n        name: c\n"
        "        indicators:\n"
        "          - {id: pf, name: n, input: {graph: {feature: person_flagged_firms, role: 法人,\n"
        "             kinds: [late]}}, aggregation: value, bins: [[0, 1, 0], [1, inf, 100]],\n"
        "             missing: 0, rationale: r}\n");
    struct cr_city c;
    build(&c, base_events, sizeof base_events / sizeof *base_events);
    char **kinds = calloc(70, sizeof *kinds);
    for (int k = 0; k < 70; k++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", k);
        kinds[k] = strdup(k < 3 ? c.kinds[k] : k == 69 ? "late" : name);
        if (k < 3)
            free(c.kinds[k]);
    }
    free(c.kinds);
    c.kinds = kinds;
    c.n_kinds = 70;
    c.topic_kind[1] = 69; /* firm 1's penalty is of kind 69, "late" */
    double v[1], p[1], sh[1];
    assert_int_equal(cr_classify_explain(m, &c, AS_OF, 0, v, p, sh), CR_OK);
    assert_true(v[0] == 1 && p[0] == 100); /* firm 0's representative also runs firm 1 */
    cr_city_free(&c);
    cr_model_free(m);
}

/* A city of n firms without roles or addresses; the first n_pen have one penalty each, all
 * alike. */
static void build_alike(struct cr_city *c, size_t n, size_t n_pen)
{
    struct ev *evs = calloc(n_pen + 1, sizeof *evs);
    struct cr_city four;
    build(&four, NULL, 0); /* borrows its kinds and topics */
    memset(c, 0, sizeof *c);
    c->n = n;
    c->subject = calloc(n, sizeof *c->subject);
    c->uscc = calloc(n, sizeof *c->uscc);
    c->established = calloc(n, sizeof *c->established);
    c->capital_wan = calloc(n, sizeof *c->capital_wan);
    c->industry = calloc(n, sizeof *c->industry);
    c->type = calloc(n, sizeof *c->type);
    c->status = calloc(n, sizeof *c->status);
    c->addr = calloc(n, sizeof *c->addr);
    c->ev_off = calloc(n + 1, sizeof *c->ev_off);
    c->ro_off = calloc(n + 1, sizeof *c->ro_off);
    c->n_events = n_pen;
    c->ev_day = calloc(n_pen + 1, sizeof *c->ev_day);
    c->ev_topic = calloc(n_pen + 1, sizeof *c->ev_topic);
    c->ev_amount = calloc(n_pen + 1, sizeof *c->ev_amount);
    c->ev_flags = calloc(n_pen + 1, sizeof *c->ev_flags);
    for (size_t e = 0; e < n; e++) {
        c->subject[e] = (int64_t)(n - e) * 7 % 1009; /* store ids in no particular order */
        c->established[e] = CR_NO_DAY;
        c->capital_wan[e] = NAN;
        c->addr[e] = -1;
        if (e < n_pen) {
            c->ev_day[e] = AS_OF - 3;
            c->ev_topic[e] = 1;
            c->ev_amount[e] = 5000;
        }
        c->ev_off[e + 1] = e < n_pen ? e + 1 : n_pen;
    }
    c->kinds = four.kinds;
    c->n_kinds = four.n_kinds;
    c->topic_kind = four.topic_kind;
    c->n_topics = four.n_topics;
    four.kinds = NULL;
    four.n_kinds = 0;
    four.topic_kind = NULL;
    cr_city_free(&four);
    free(evs);
}

/* Equal scores get equal levels: a tie group straddling a cut-off goes wholly to the less risky
 * side (store ids used to split it, so one score landed in two or all four levels). */
static void equal_scores_equal_levels(void **state)
{
    (void)state;
    cr_model *m = load(model_text);
    cr_diag d;
    /* 60 of 200 alike firms with a penalty straddle the D cut-off (50): all 60 get C; the 140
     * others tie across C, B and A: all get A. */
    struct cr_city c;
    build_alike(&c, 200, 60);
    struct cr_scores sc;
    assert_int_equal(cr_classify(m, &c, AS_OF, 2, &sc, &d), CR_OK);
    for (size_t e = 0; e < c.n; e++) {
        assert_int_equal(sc.score[e], sc.score[e < 60 ? 0 : 60]);
        assert_int_equal(sc.level[e], e < 60 ? 'C' : 'A');
    }
    assert_true(sc.levels[3] == 0 && sc.levels[2] == 60 && sc.levels[0] == 140);
    cr_scores_free(&sc);
    cr_city_free(&c);
    /* Every firm with one score: one level for all. */
    build_alike(&c, 1000, 0);
    assert_int_equal(cr_classify(m, &c, AS_OF, 2, &sc, &d), CR_OK);
    assert_int_equal(sc.levels[0], 1000);
    cr_scores_free(&sc);
    cr_city_free(&c);
    cr_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_aggregation),          cmocka_unit_test(scores_levels_vetoes),
        cmocka_unit_test(future_never_counts),        cmocka_unit_test(as_of_after_today_refused),
        cmocka_unit_test(rejects_bad_models),         cmocka_unit_test(rejects_duplicate_keys),
        cmocka_unit_test(rejects_models_past_limits), cmocka_unit_test(kinds_past_64),
        cmocka_unit_test(equal_scores_equal_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
