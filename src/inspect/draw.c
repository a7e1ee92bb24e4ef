/* The draw (docs/draw.md): a pure function of the plan, its frozen eligible list and a seed.
 * Every choice ranks firms (or inspectors) by SHA-256 of a message that names the draw, so anyone
 * with the list and the seed recomputes it in a few lines. */
#include "crisk/inspect.h"

#include "internal.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

const char *cr__strpool_dup(struct cr__strpool *p, const char *s)
{
    enum { CHUNK = 1 << 20 };
    size_t len = strlen(s) + 1;
    if (!p->n_chunks || p->used + len > p->cap) {
        size_t cap = len > CHUNK ? len : CHUNK;
        char **t = realloc(p->chunk, (p->n_chunks + 1) * sizeof *t);
        if (!t)
            return NULL;
        p->chunk = t;
        if (!(t[p->n_chunks] = malloc(cap)))
            return NULL;
        p->n_chunks++;
        p->used = 0;
        p->cap = cap;
    }
    char *out = p->chunk[p->n_chunks - 1] + p->used;
    memcpy(out, s, len);
    p->used += len;
    return out;
}

void cr__strpool_free(struct cr__strpool *p)
{
    for (size_t i = 0; i < p->n_chunks; i++)
        free(p->chunk[i]);
    free(p->chunk);
    memset(p, 0, sizeof *p);
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

/* SHA-256 is OpenSSL's (libcrypto uses the CPU's SHA instructions where there are some: a draw
 * over the full city takes millions of digests); every call is checked, and a failure of the
 * library is CR_ENOMEM, the only way it fails on a valid context. */

cr_err cr_elig_hash(const struct cr_elig *e, size_t n, char hex[65])
{
    EVP_MD_CTX *st = EVP_MD_CTX_new();
    char *buf = malloc(1 << 16);
    size_t used = 0;
    int ok = st && buf && EVP_DigestInit_ex(st, EVP_sha256(), NULL);
    for (size_t i = 0; i < n && ok; i++) {
        const char *cls = cr_elig_class_name[e[i].cls < CR_EL__N ? e[i].cls : 0];
        size_t kl = strlen(e[i].key), cl = strlen(cls), len = kl + cl + 4;
        if (used + len > (1 << 16)) {
            ok = EVP_DigestUpdate(st, buf, used);
            used = 0;
        }
        if (len > (1 << 16)) { /* a key longer than the buffer: straight through */
            ok = ok && EVP_DigestUpdate(st, e[i].key, kl) && EVP_DigestUpdate(st, ",", 1) &&
                 EVP_DigestUpdate(st, &e[i].level, 1) && EVP_DigestUpdate(st, ",", 1) &&
                 EVP_DigestUpdate(st, cls, cl) && EVP_DigestUpdate(st, "\n", 1);
            continue;
        }
        char *line = buf + used;
        memcpy(line, e[i].key, kl);
        line[kl] = ',';
        line[kl + 1] = e[i].level;
        line[kl + 2] = ',';
        memcpy(line + kl + 3, cls, cl);
        line[kl + 3 + cl] = '\n';
        used += len;
    }
    unsigned char h[32];
    unsigned int hl = 0;
    ok = ok && EVP_DigestUpdate(st, buf, used) && EVP_DigestFinal_ex(st, h, &hl) && hl == 32;
    EVP_MD_CTX_free(st);
    free(buf);
    if (!ok)
        return CR_ENOMEM;
    hexify(h, 32, hex);
    return CR_OK;
}

/* The digest state after the message prefix of every hash of a draw:
 * "crisk-draw-1\n<plan id>\n<plan hash>\n<seed>\n". Shared read-only by the threads. */
static int prefix_init(struct cr__sha256_prefix *p, int64_t plan_id, const char *plan_hash,
                       const char *seed)
{
    memset(p, 0, sizeof *p); /* fini may follow a failed init */
    char head[128];
    int len =
        snprintf(head, sizeof head, "crisk-draw-1\n%lld\n%s\n", (long long)plan_id, plan_hash);
    return len > 0 && (size_t)len < sizeof head && cr__sha256_prefix_init(p, head, (size_t)len) &&
           cr__sha256_prefix_update(p, seed, strlen(seed)) && cr__sha256_prefix_update(p, "\n", 1);
}

/* SHA-256(prefix ‖ a ‖ "\n" ‖ b [‖ "\n" ‖ c]); 0 on failure. */
static int rank_hash(const struct cr__sha256_prefix *prefix, const char *a, const char *b,
                     const char *c, unsigned char out[32])
{
    const char *parts[] = {a, "\n", b, "\n", c};
    return cr__sha256_prefix_digest(prefix, parts, c ? 5 : 3, out);
}

/* ---- work split over threads ---- */

/* Calls fn(ctx, lo, hi) over [0, n) cut into one range per thread (the CPUs online, at most 8;
 * one thread below min_per_thread items each). Every result depends on its item alone, so the
 * split never changes an answer. Returns 0, or 1 when a range or a thread failed. */
typedef int (*range_fn)(void *ctx, size_t lo, size_t hi);

struct range_job {
    range_fn fn;
    void *ctx;
    size_t lo, hi;
    int failed;
};

static void *range_main(void *arg)
{
    struct range_job *j = arg;
    j->failed = j->fn(j->ctx, j->lo, j->hi);
    return NULL;
}

static int parallel_ranges(size_t n, size_t min_per_thread, range_fn fn, void *ctx)
{
    enum { MAX_THREADS = 8 };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t t = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (size_t)cpus;
    if (n / min_per_thread < t)
        t = n / min_per_thread ? n / min_per_thread : 1;
    struct range_job job[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0}, failed = 0;
    for (size_t i = 0; i < t; i++) {
        job[i] = (struct range_job){fn, ctx, n * i / t, n * (i + 1) / t, 0};
        if (i > 0)
            started[i] = pthread_create(&th[i], NULL, range_main, &job[i]) == 0;
    }
    range_main(&job[0]);
    for (size_t i = 1; i < t; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            range_main(&job[i]); /* no thread to be had: this one does it */
    }
    for (size_t i = 0; i < t; i++)
        failed |= job[i].failed;
    return failed;
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

/* The firms' digests of one arm: rk[i].h = digest(arm, key of e[rk[i].i]). */
struct firm_hashes {
    const struct cr__sha256_prefix *prefix;
    const char *arm;
    const struct cr_elig *e;
    struct ranked *rk;
};

static int firm_hash_range(void *ctx, size_t lo, size_t hi)
{
    struct firm_hashes *c = ctx;
    for (size_t j = lo; j < hi; j++) {
        if (!rank_hash(c->prefix, c->arm, c->e[c->rk[j].i].key, NULL, c->rk[j].h))
            return 1;
        set_key(&c->rk[j]);
    }
    return 0;
}

/* Ranks rk[0..m) (their .i set) by the digests of arm and keeps the k smallest in rk[0..k). */
static cr_err rank_firms(const struct cr__sha256_prefix *prefix, const char *arm,
                         const struct cr_elig *e, struct ranked *rk, size_t m, size_t k)
{
    struct firm_hashes c = {prefix, arm, e, rk};
    if (parallel_ranges(m, 16384, firm_hash_range, &c))
        return CR_ENOMEM;
    select_smallest(rk, m, k);
    return CR_OK;
}

cr_err cr_draw_compute(const struct cr_plan *p, int64_t plan_id, const char *plan_hash,
                       const struct cr_elig *e, size_t n, const char *seed, struct cr_drawn **out,
                       size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
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
    struct cr__sha256_prefix prefix, *px = &prefix;
    int px_ok = prefix_init(px, plan_id, plan_hash, seed);
    uint8_t *arm = malloc(n ? n : 1);
    struct ranked *rk = malloc((n_pool ? n_pool : 1) * sizeof *rk);
    cr_err rc = px_ok && arm && rk ? CR_OK : CR_ENOMEM;
    if (!rc)
        memset(arm, 0xff, n ? n : 1);
    /* 1. the random arm over the whole pool */
    size_t m = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (e[i].cls == CR_EL_POOL && e[i].level >= 'A' && e[i].level <= 'D')
            rk[m++].i = i;
    if (!rc && r > 0)
        rc = rank_firms(px, "random", e, rk, m, (size_t)r);
    for (int64_t j = 0; !rc && j < r && (size_t)j < m; j++)
        arm[rk[j].i] = CR_ARM_RANDOM;
    /* 2. the targeted arm per level, from the pool's firms not in the random arm */
    for (int l = 0; !rc && l < 4; l++) {
        if (k_level[l] <= 0)
            continue;
        m = 0;
        for (size_t i = 0; i < n; i++)
            if (e[i].cls == CR_EL_POOL && e[i].level == 'A' + l && arm[i] == 0xff)
                rk[m++].i = i;
        rc = rank_firms(px, "targeted", e, rk, m, (size_t)k_level[l]);
        for (int64_t j = 0; !rc && j < k_level[l] && (size_t)j < m; j++)
            arm[rk[j].i] = CR_ARM_TARGETED;
    }
    cr__sha256_prefix_fini(px);
    free(rk);
    /* 3. triggered firms, all of them */
    size_t k = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (e[i].cls == CR_EL_TRIGGERED)
            arm[i] = CR_ARM_TRIGGERED;
        k += arm[i] != 0xff;
    }
    struct cr_drawn *dr = rc ? NULL : malloc((k ? k : 1) * sizeof *dr);
    if (!rc && !dr)
        rc = CR_ENOMEM;
    k = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (arm[i] != 0xff) {
            dr[k].elig = i;
            dr[k++].arm = arm[i];
        }
    free(arm);
    if (rc)
        return rc;
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

/* A roster entry by division: sorted by (division, index), so a street's roster is one range. */
struct staff_ref {
    const char *division;
    size_t i;
};

static int cmp_staff_ref(const void *a, const void *b)
{
    const struct staff_ref *x = a, *y = b;
    int c = strcmp(x->division, y->division);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int cmp_recusal(const void *a, const void *b)
{
    const struct cr_recusal *x = a, *y = b;
    if (x->subject != y->subject)
        return x->subject < y->subject ? -1 : 1;
    return strcmp(x->staff, y->staff);
}

/* First index in sorted idx[0..n) whose division is >= div. */
static size_t lower_division(const struct staff_ref *idx, size_t n, const char *div)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(idx[mid].division, div) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* What a firm's staffing looks at: the plan, the roster by division, the recusals. */
struct staffing {
    const struct cr_plan *p;
    const struct staff_ref *idx; /* staff by division */
    size_t n_staff;
    const struct cr_recusal *rec; /* sorted by subject */
    size_t n_rec;
};

static int recused(const struct staffing *c, const struct cr_elig *fm, const char *id)
{
    const struct cr_plan *p = c->p;
    for (size_t k = 0; k < p->n_conflicts; k++)
        if (strcmp(p->conflict_staff[k], id) == 0 && strcmp(p->conflict_with[k], fm->key) == 0)
            return 1;
    size_t lo = 0, hi = c->n_rec;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->rec[mid].subject < fm->subject)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < c->n_rec && c->rec[lo].subject == fm->subject; lo++)
        if (strcmp(c->rec[lo].staff, id) == 0)
            return 1;
    return 0;
}

cr_err cr_draw_inspectors(const struct cr_plan *p, int64_t plan_id, const char *plan_hash,
                          const char *seed, const struct cr_elig *e, const struct cr_drawn *dr,
                          size_t n, const struct cr_inspector *staff, size_t n_staff,
                          const struct cr_recusal *rec, size_t n_rec, char **out, char **why)
{
    for (size_t f = 0; f < n; f++)
        out[f] = why[f] = NULL;
    struct cr__sha256_prefix prefix, *px = &prefix;
    int px_ok = prefix_init(px, plan_id, plan_hash, seed);
    int *load = calloc(n_staff ? n_staff : 1, sizeof *load);
    struct staff_ref *idx = malloc((n_staff ? n_staff : 1) * sizeof *idx);
    struct cr_recusal *rs = malloc((n_rec ? n_rec : 1) * sizeof *rs);
    struct ranked *rk = malloc((n_staff ? n_staff : 1) * sizeof *rk);
    const char **pick = malloc((p->inspectors > 0 ? (size_t)p->inspectors : 1) * sizeof *pick);
    cr_err rc = px_ok && load && idx && rs && rk && pick ? CR_OK : CR_ENOMEM;
    if (!rc) {
        for (size_t s = 0; s < n_staff; s++)
            idx[s] = (struct staff_ref){staff[s].division, s};
        qsort(idx, n_staff, sizeof *idx, cmp_staff_ref);
        if (n_rec)
            memcpy(rs, rec, n_rec * sizeof *rs);
        qsort(rs, n_rec, sizeof *rs, cmp_recusal);
    }
    struct staffing c = {p, idx, n_staff, rs, n_rec};
    /* whether each inspector holds every qualification the plan's items need: the same for
     * every firm, so looked at once */
    uint8_t *qual_ok = rc ? NULL : malloc(n_staff ? n_staff : 1);
    if (!rc && !qual_ok)
        rc = CR_ENOMEM;
    for (size_t j = 0; !rc && j < n_staff; j++) {
        int ok = 1;
        for (size_t q = 0; q < p->n_quals && ok; q++)
            ok = has_qual(staff[j].qualifications, p->quals[q]);
        qual_ok[j] = (uint8_t)ok;
    }
    /* In key order: the candidates of the firm's street, ranked by digest, the best ones under
     * their workload caps. A firm whose candidates are all at the cap gets none, and its digests
     * are not needed: the ranking only orders candidates that can still take work. */
    for (size_t f = 0; !rc && f < n; f++) {
        const struct cr_elig *fm = &e[dr[f].elig];
        size_t in_roster = 0, qualified = 0, n_recused = 0, capped = 0, m = 0;
        int free_one = 0, may_recuse = p->n_conflicts > 0;
        if (!may_recuse) { /* a recusal by last inspection of this firm? */
            size_t lo = 0, hi = n_rec;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (rs[mid].subject < fm->subject)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            may_recuse = lo < n_rec && rs[lo].subject == fm->subject;
        }
        for (size_t j = lower_division(idx, n_staff, fm->street);
             j < n_staff && strcmp(idx[j].division, fm->street) == 0; j++) {
            const struct cr_inspector *sf = &staff[idx[j].i];
            in_roster++;
            if (!qual_ok[idx[j].i])
                continue;
            qualified++;
            if (may_recuse && recused(&c, fm, sf->id)) {
                n_recused++;
                continue;
            }
            free_one |= load[idx[j].i] < p->workload_cap;
            rk[m++].i = idx[j].i;
        }
        for (size_t j = 0; free_one && j < m; j++) {
            if (!rank_hash(px, "inspector", fm->key, staff[rk[j].i].id, rk[j].h)) {
                rc = CR_ENOMEM;
                break;
            }
            set_key(&rk[j]);
        }
        if (free_one && m > 1)
            qsort(rk, m, sizeof *rk, cmp_ranked);
        int got = 0;
        for (size_t j = 0; j < m && got < p->inspectors; j++) {
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
        if (rc || !(out[f] = malloc(len))) {
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
                     qualified, n_recused, capped);
            if (!(why[f] = strdup(buf)))
                rc = CR_ENOMEM;
        }
    }
    free(qual_ok);
    free(load);
    free(idx);
    free(rs);
    free(rk);
    free(pick);
    cr__sha256_prefix_fini(px);
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
