/* Ingest de-duplication never drops a distinct row. The row hash used to be cr_hash64 of the
 * row's canonical content, unkeyed and invertible by hand: here two different penalty rows are
 * written down whose canonical contents have equal cr_hash64, and both must load, in one run
 * and across two runs. */
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
#include "crisk/hash.h"
#include "crisk/ingest.h"
#include "crisk/ref.h"
#include "crisk/store.h"
#include "crisk/text.h"

#define KEY "91440106MA5AAAA192"
#define DATE "2023-01-05"
#define AMOUNT "100"
#define VALUE_LEN 40
#define SEED 0x64656475u /* ingest.c's seed of cr_hash64 for row content */
#define K1 0x9E3779B97F4A7C15ULL

/* The canonical content ingest.c hashes for an event row of topic id 1 (the first topic of a
 * new store) with one attribute, note: topic, day and amount as a present byte and 8 bytes
 * little-endian, the key and the attributes' JSON each followed by 0x1F. Returns its length;
 * *value_at is where the note's value starts. */
static size_t canon(unsigned char *out, const char *value, size_t *value_at)
{
    int32_t day;
    int64_t fen;
    assert_int_equal(cr_date_parse(DATE, strlen(DATE), &day), CR_OK);
    assert_int_equal(cr_amount_parse(AMOUNT, strlen(AMOUNT), &fen), CR_OK);
    size_t n = 0;
    const uint64_t nums[3] = {1, (uint64_t)(int64_t)day, (uint64_t)fen};
    for (int k = 0; k < 3; k++) {
        out[n++] = 1;
        for (int i = 0; i < 8; i++)
            out[n++] = (unsigned char)(nums[k] >> (8 * i));
        if (k == 0) {
            memcpy(out + n, KEY "\x1f", 19);
            n += 19;
        }
    }
    memcpy(out + n, "{\"note\":\"", 9);
    n += 9;
    *value_at = n;
    memcpy(out + n, value, VALUE_LEN);
    n += VALUE_LEN;
    memcpy(out + n, "\"}\x1f", 3);
    return n + 3;
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* cr_hash64's first lane after the given 16-byte blocks: it takes bytes 16i..16i+7 of block i,
 * and each step can be undone, so a change in one block is cancelled in the next. */
static uint64_t lane_a(const unsigned char *p, size_t blocks)
{
    uint64_t a = SEED ^ K1;
    for (size_t i = 0; i < blocks; i++) {
        a = (a ^ rd64(p + 16 * i)) * K1;
        a = (a << 31) | (a >> 33);
    }
    return a;
}

/* Printable ASCII that a CSV field and a JSON string carry as is. */
static int plain(unsigned c)
{
    return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != '\\';
}

/* Two different note values of VALUE_LEN characters whose rows collide under cr_hash64: the
 * first lane word inside the value (block b) differs, and the next (block b + 1) undoes it. */
static void make_collision(char v1[VALUE_LEN + 1], char v2[VALUE_LEN + 1])
{
    unsigned char c1[256], c2[256];
    size_t at;
    memset(v1, 'q', VALUE_LEN);
    v1[VALUE_LEN] = 0;
    size_t len = canon(c1, v1, &at);
    size_t b = (at + 15) / 16; /* the first block whose lane-a word lies in the value */
    assert_true(16 * (b + 1) + 8 <= at + VALUE_LEN);
    for (unsigned long t = 0;; t++) {
        assert_true(t < 1000000);
        memcpy(v2, v1, VALUE_LEN + 1);
        for (int i = 0; i < 8; i++) /* t in base 62 in the first word */
            v2[16 * b - at + (size_t)i] =
                "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[(t >> (6 * i)) %
                                                                                 62];
        canon(c2, v2, &at);
        uint64_t d = lane_a(c1, b + 1) ^ lane_a(c2, b + 1);
        char y1[8], y2[8];
        int ok = 1;
        for (int i = 0; i < 8 && ok; i++) {
            unsigned di = (unsigned)(d >> (8 * i)) & 0xFF, c = 0x21;
            while (c < 0x7f && !(plain(c) && plain(c ^ di)))
                c++;
            ok = c < 0x7f;
            y1[i] = (char)c;
            y2[i] = (char)(c ^ di);
        }
        if (!ok || memcmp(v1, v2, VALUE_LEN) == 0)
            continue;
        memcpy(v1 + 16 * (b + 1) - at, y1, 8);
        memcpy(v2 + 16 * (b + 1) - at, y2, 8);
        break;
    }
    canon(c1, v1, &at);
    canon(c2, v2, &at);
    assert_memory_not_equal(c1, c2, len);
    assert_true(cr_hash64(c1, len, SEED) == cr_hash64(c2, len, SEED));
}

struct place {
    char dir[64];
    cr_ref *ref;
};

static void write_file(const struct place *p, const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", p->dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* Ingests the catalog of p into its store; returns loaded and duplicates as 1000 * l + d. */
static long run(const struct place *p)
{
    char path[128];
    cr_diag d = {{0}, {0}, 0, 0};
    cr_catalog *cat = NULL;
    cr_store *s = NULL;
    snprintf(path, sizeof path, "%s/catalog.yaml", p->dir);
    assert_int_equal(cr_catalog_load(path, &cat, &d), CR_OK);
    snprintf(path, sizeof path, "%s/store.db", p->dir);
    assert_int_equal(cr_store_open(path, &s, &d), CR_OK);
    struct cr_ingest_opts o = {.ref = p->ref, .threads = 1};
    struct cr_ingest_report r;
    assert_int_equal(cr_ingest_run(s, cat, &o, &r, &d), CR_OK);
    long got = (long)(1000 * r.loaded + r.duplicates);
    cr_ingest_report_free(&r);
    cr_store_close(s);
    cr_catalog_free(cat);
    return got;
}

static void cleanup(struct place *p)
{
    const char *files[] = {"catalog.yaml", "a.csv",        "b.csv",        "store.db",
                           "store.db-wal", "store.db-shm", "store.db.lock"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", p->dir, files[i]);
        unlink(path);
    }
    rmdir(p->dir);
    cr_ref_free(p->ref);
}

static void setup(struct place *p)
{
    snprintf(p->dir, sizeof p->dir, "/tmp/crisk-test-ingest-XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    cr_diag d = {{0}, {0}, 0, 0};
    const char *data = getenv("CRISK_DATA");
    assert_int_equal(cr_ref_load(data ? data : cr_ref_default_dir(), &p->ref, &d), CR_OK);
    write_file(p, "catalog.yaml",
               "catalog: collide\n"
               "departments:\n"
               "  - {code: SCJ, name: 市场监督管理局}\n"
               "topics:\n"
               "  - code: PEN\n"
               "    name: 行政处罚信息\n"
               "    department: SCJ\n"
               "    kind: penalty\n"
               "    files: ['*.csv']\n"
               "    key: uscc\n"
               "    fields: {date: date, amount: amount}\n"
               "    attrs: [note]\n");
}

static void row(char *out, size_t cap, const char *value)
{
    snprintf(out, cap, "uscc,date,amount,note\n" KEY "," DATE "," AMOUNT ",%s\n", value);
}

/* Both colliding rows in one file of one run: both load (the second was a "duplicate"). */
static void collision_one_run(void **state)
{
    (void)state;
    char v1[VALUE_LEN + 1], v2[VALUE_LEN + 1], text[256];
    make_collision(v1, v2);
    struct place p;
    setup(&p);
    snprintf(text, sizeof text,
             "uscc,date,amount,note\n" KEY "," DATE "," AMOUNT ",%s\n" KEY "," DATE "," AMOUNT
             ",%s\n" KEY "," DATE "," AMOUNT ",%s\n",
             v1, v2, v1);
    write_file(&p, "a.csv", text);
    assert_int_equal(run(&p), 2 * 1000 + 1); /* and the real repeat is still one */
    cleanup(&p);
}

/* One colliding row per run: the second run loads its row too. */
static void collision_two_runs(void **state)
{
    (void)state;
    char v1[VALUE_LEN + 1], v2[VALUE_LEN + 1], text[256];
    make_collision(v1, v2);
    struct place p;
    setup(&p);
    row(text, sizeof text, v1);
    write_file(&p, "a.csv", text);
    assert_int_equal(run(&p), 1000);
    row(text, sizeof text, v2);
    write_file(&p, "b.csv", text);
    assert_int_equal(run(&p), 1000);
    cleanup(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(collision_one_run),
                                       cmocka_unit_test(collision_two_runs)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
