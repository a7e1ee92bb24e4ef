/* The draw (docs/draw.md): a pure function of the plan, its frozen eligible list and a seed.
 * Every choice ranks firms (or inspectors) by SHA-256 of a message that names the draw, so anyone
 * with the list and the seed recomputes it in a few lines. */
#include "crisk/inspect.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cr_elig_class_name[CR_EL__N] = {"pool", "triggered", "exempt_recent",
                                                  "exempt_status", "exempt_tolerance"};
const char *const cr_arm_name[3] = {"targeted", "random", "triggered"};

cr_err cr_elig_class_parse(const char *s, enum cr_elig_class *out)
{
    for (int i = 0; i < CR_EL__N; i++)
        if (strcmp(s, cr_elig_class_name[i]) == 0) {
            *out = (enum cr_elig_class)i;
            return CR_OK;
        }
    return CR_EINVAL;
}

static int cmp_elig(const void *a, const void *b)
{
    return strcmp(((const struct cr_elig *)a)->key, ((const struct cr_elig *)b)->key);
}

void cr_elig_sort(struct cr_elig *e, size_t n)
{
    size_t i = 1;
    while (i < n && strcmp(e[i - 1].key, e[i].key) < 0) /* the store's order is usually it */
        i++;
    if (i < n)
        qsort(e, n, sizeof *e, cmp_elig);
}

static void hexify(const unsigned char *h, size_t n, char *out)
{
    static const char dig[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = dig[h[i] >> 4];
        out[2 * i + 1] = dig[h[i] & 15];
    }
    out[2 * n] = 0;
}

void cr_elig_hash(const struct cr_elig *e, size_t n, char hex[65])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i < n; i++) {
        char line[96];
        const char *cls = cr_elig_class_name[e[i].cls < CR_EL__N ? e[i].cls : 0];
        size_t kl = strnlen(e[i].key, sizeof e[i].key), cl = strlen(cls);
        memcpy(line, e[i].key, kl);
        line[kl] = ',';
        line[kl + 1] = e[i].level;
        line[kl + 2] = ',';
        memcpy(line + kl + 3, cls, cl);
        line[kl + 3 + cl] = '\n';
        crypto_hash_sha256_update(&st, (const unsigned char *)line, kl + cl + 4);
    }
    unsigned char h[32];
    crypto_hash_sha256_final(&st, h);
    hexify(h, 32, hex);
}

/* The message prefix of every hash of a draw: "crisk-draw-1\n<plan id>\n<plan hash>\n<seed>\n". */
struct prefix {
    crypto_hash_sha256_state st;
};

static void prefix_init(struct prefix *p, int64_t plan_id, const char *plan_hash, const char *seed)
{
    crypto_hash_sha256_init(&p->st);
    char head[128];
    int len =
        snprintf(head, sizeof head, "crisk-draw-1\n%lld\n%s\n", (long long)plan_id, plan_hash);
    crypto_hash_sha256_update(&p->st, (const unsigned char *)head, (unsigned long long)len);
    crypto_hash_sha256_update(&p->st, (const unsigned char *)seed, strlen(seed));
    crypto_hash_sha256_update(&p->st, (const unsigned char *)"\n", 1);
}

/* SHA-256(prefix ‖ a ‖ "\n" ‖ b [‖ "\n" ‖ c]). */
static void rank_hash(const struct prefix *p, const char *a, const char *b, const char *c,
                      unsigned char out[32])
{
    crypto_hash_sha256_state st = p->st;
    crypto_hash_sha256_update(&st, (const unsigned char *)a, strlen(a));
    crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)b, strlen(b));
    if (c) {
        crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
        crypto_hash_sha256_update(&st, (const unsigned char *)c, strlen(c));
    }
    crypto_hash_sha256_final(&st, out);
}

struct ranked {
    uint64_t k; /* the digest's first 8 bytes, big-endian: compared first */
    unsigned char h[32];
    size_t i;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->k != y->k)
        return x->k < y->k ? -1 : 1;
    return memcmp(x->h, y->h, 32);
}

static void set_key(struct ranked *r)
{
    uint64_t k = 0;
    for (int i = 0; i < 8; i++)
        k = k << 8 | r->h[i];
    r->k = k;
}

static void swap_ranked(struct ranked *a, struct ranked *b)
{
    struct ranked t = *a;
    *a = *b;
    *b = t;
}

/* Moves the k smallest of r[0..n) (by cmp_ranked) to r[0..k), in no particular order: which
 * firms are drawn is a set, so a selection (linear time) does what a sort would. */
static void select_smallest(struct ranked *r, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the k-th smallest lies in [lo, hi) */
    if (k == 0 || k >= n)
        return;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three to the end as the pivot */
        if (cmp_ranked(&r[mid], &r[lo]) < 0)
            swap_ranked(&r[mid], &r[lo]);
        if (cmp_ranked(&r[hi - 1], &r[lo]) < 0)
            swap_ranked(&r[hi - 1], &r[lo]);
        if (cmp_ranked(&r[mid], &r[hi - 1]) < 0)
            swap_ranked(&r[mid], &r[hi - 1]);
        size_t store = lo;
        for (size_t i = lo; i < hi - 1; i++)
            if (cmp_ranked(&r[i], &r[hi - 1]) < 0)
                swap_ranked(&r[i], &r[store++]);
        swap_ranked(&r[store], &r[hi - 1]);
        if (store == k)
            return;
        if (store < k)
            lo = store + 1;
        else
            hi = store;
    }
}

/* round half up of num / den, for num >= 0 */
static int64_t round_div(int64_t num, int64_t den)
{
    return (num + den / 2) / den;
}

cr_err cr_draw_compute(const struct cr_plan *p, int64_t plan_id, const char *plan_hash,
                       const struct cr_elig *e, size_t n, const char *seed, struct cr_drawn **out,
                       size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    struct prefix px;
    prefix_init(&px, plan_id, plan_hash, seed);
    int64_t n_level[4] = {0}, t_level[4], k_level[4], total = 0, targeted = 0;
    size_t n_pool = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i].cls == CR_EL_POOL && e[i].level >= 'A' && e[i].level <= 'D') {
            n_level[e[i].level - 'A']++;
            n_pool++;
        }
    for (int l = 0; l < 4; l++) {
        t_level[l] = round_div(p->ratio_bp[l] * n_level[l], CR_BP);
        k_level[l] = round_div((int64_t)p->ratio_bp[l] * n_level[l] * (CR_BP - p->random_bp),
                               (int64_t)CR_BP * CR_BP);
        total += t_level[l];
        targeted += k_level[l];
    }
    int64_t r = total - targeted; /* the random arm: the rest of the sample */
    uint8_t *arm = malloc(n ? n : 1);
    struct ranked *rk = malloc((n_pool ? n_pool : 1) * sizeof *rk);
    if (!arm || !rk) {
        free(arm);
        free(rk);
        return CR_ENOMEM;
    }
    memset(arm, 0xff, n ? n : 1);
    /* 1. the random arm over the whole pool */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i].cls == CR_EL_POOL && e[i].level >= 'A' && e[i].level <= 'D') {
            rank_hash(&px, "random", e[i].key, NULL, rk[m].h);
            set_key(&rk[m]);
            rk[m++].i = i;
        }
    if (r > 0)
        select_smallest(rk, m, (size_t)r);
    for (int64_t j = 0; j < r && (size_t)j < m; j++)
        arm[rk[j].i] = CR_ARM_RANDOM;
    /* 2. the targeted arm per level, from the pool's firms not in the random arm */
    for (int l = 0; l < 4; l++) {
        if (k_level[l] <= 0)
            continue;
        m = 0;
        for (size_t i = 0; i < n; i++)
            if (e[i].cls == CR_EL_POOL && e[i].level == 'A' + l && arm[i] == 0xff) {
                rank_hash(&px, "targeted", e[i].key, NULL, rk[m].h);
                set_key(&rk[m]);
                rk[m++].i = i;
            }
        select_smallest(rk, m, (size_t)k_level[l]);
        for (int64_t j = 0; j < k_level[l] && (size_t)j < m; j++)
            arm[rk[j].i] = CR_ARM_TARGETED;
    }
    free(rk);
    /* 3. triggered firms, all of them */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].cls == CR_EL_TRIGGERED)
            arm[i] = CR_ARM_TRIGGERED;
        k += arm[i] != 0xff;
    }
    struct cr_drawn *dr = malloc((k ? k : 1) * sizeof *dr);
    if (!dr) {
        free(arm);
        return CR_ENOMEM;
    }
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (arm[i] != 0xff) {
            dr[k].elig = i;
            dr[k++].arm = arm[i];
        }
    free(arm);
    *out = dr;
    *n_out = k;
    return CR_OK;
}

/* ---- inspectors ---- */

static int has_qual(const char *list, const char *q)
{
    size_t ql = strlen(q);
    for (const char *s = list; s && *s;) {
        size_t l = strcspn(s, ";");
        if (l == ql && memcmp(s, q, l) == 0)
            return 1;
        s += l;
        if (*s)
            s++;
    }
    return 0;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

cr_err cr_draw_inspectors(const struct cr_plan *p, int64_t plan_id, const char *plan_hash,
                          const char *seed, const struct cr_elig *e, const struct cr_drawn *dr,
                          size_t n, const struct cr_inspector *staff, size_t n_staff,
                          const struct cr_recusal *rec, size_t n_rec, char **out, char **why)
{
    struct prefix px;
    prefix_init(&px, plan_id, plan_hash, seed);
    int *load = calloc(n_staff ? n_staff : 1, sizeof *load);
    struct ranked *rk = malloc((n_staff ? n_staff : 1) * sizeof *rk);
    if (!load || !rk) {
        free(load);
        free(rk);
        return CR_ENOMEM;
    }
    cr_err rc = CR_OK;
    for (size_t f = 0; f < n && !rc; f++) {
        out[f] = why[f] = NULL;
        const struct cr_elig *fm = &e[dr[f].elig];
        size_t in_roster = 0, qualified = 0, recused = 0, capped = 0, m = 0;
        for (size_t s = 0; s < n_staff; s++) {
            if (strcmp(staff[s].division, fm->street) != 0)
                continue;
            in_roster++;
            int ok = 1;
            for (size_t q = 0; q < p->n_quals && ok; q++)
                ok = has_qual(staff[s].qualifications, p->quals[q]);
            if (!ok)
                continue;
            qualified++;
            int conflict = 0;
            for (size_t c = 0; c < p->n_conflicts && !conflict; c++)
                conflict = strcmp(p->conflict_staff[c], staff[s].id) == 0 &&
                           strcmp(p->conflict_with[c], fm->key) == 0;
            for (size_t c = 0; c < n_rec && !conflict; c++)
                conflict = rec[c].subject == fm->subject && strcmp(rec[c].staff, staff[s].id) == 0;
            if (conflict) {
                recused++;
                continue;
            }
            rank_hash(&px, "inspector", fm->key, staff[s].id, rk[m].h);
            set_key(&rk[m]);
            rk[m++].i = s;
        }
        if (m > 1)
            qsort(rk, m, sizeof *rk, cmp_ranked);
        const char *pick[20];
        int got = 0;
        for (size_t j = 0; j < m && got < p->inspectors && got < 20; j++) {
            if (load[rk[j].i] >= p->workload_cap) {
                capped++;
                continue;
            }
            pick[got++] = staff[rk[j].i].id;
            load[rk[j].i]++;
        }
        qsort(pick, (size_t)got, sizeof *pick, cmp_cstr);
        size_t len = 1;
        for (int g = 0; g < got; g++)
            len += strlen(pick[g]) + 1;
        if (!(out[f] = malloc(len))) {
            rc = CR_ENOMEM;
            break;
        }
        size_t at = 0;
        for (int g = 0; g < got; g++) {
            size_t l = strlen(pick[g]);
            if (g)
                out[f][at++] = ';';
            memcpy(out[f] + at, pick[g], l);
            at += l;
        }
        out[f][at] = 0;
        if (got < p->inspectors) {
            char buf[320];
            snprintf(buf, sizeof buf,
                     "station %s: %d of %d inspectors (roster %zu, qualified %zu, recused %zu, "
                     "at the workload cap %zu)",
                     fm->street[0] ? fm->street : "(no street)", got, p->inspectors, in_roster,
                     qualified, recused, capped);
            if (!(why[f] = strdup(buf)))
                rc = CR_ENOMEM;
        }
    }
    free(load);
    free(rk);
    return rc;
}

/* ---- results (DOMAIN.md §2) ---- */

const struct cr_result_code cr_result_codes[] = {
    {"1", "未发现问题", 0},
    {"B", "未按规定公示应当公示的信息", 1},
    {"C", "公示信息隐瞒真实情况弄虚作假", 1},
    {"6", "通过登记的住所（经营场所）无法联系", 1},
    {"D", "违反其他工商行政管理规定行为", 1},
    {"3", "违反食品药品相关规定", 1},
    {"4", "违反质量技术监督相关规定", 1},
    {"5", "违反其他部门相关规定", 1},
    {"G", "违反公安部门相关规定", 1},
    {"7", "已关闭停业或正在组织清算", 0},
    {"8", "不配合检查情节严重", 1},
    {"9", "注销", 0},
    {"10", "被吊销", 0},
    {"11", "被撤销", 0},
    {"12", "迁出", 0},
    {"A", "发现问题待后续处理", 1},
    {"E", "发现问题经责令已改正", 1},
    {"F", "未发现开展本次抽查涉及的经营活动", 0},
};
const size_t cr_n_result_codes = sizeof cr_result_codes / sizeof *cr_result_codes;

const struct cr_result_code *cr_result_find(const char *code)
{
    for (size_t i = 0; i < cr_n_result_codes; i++)
        if (strcmp(cr_result_codes[i].code, code) == 0 ||
            strcmp(cr_result_codes[i].label, code) == 0)
            return &cr_result_codes[i];
    return NULL;
}
