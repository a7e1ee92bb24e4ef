/* Address key micro-benchmark and probe. `bench_addr_key` keys 1 M generated Guangzhou
 * addresses (a mix of prefixes, Chinese numerals, buildings and rooms) and prints ns/key;
 * `bench_addr_key ADDRESS…` prints each address's key (a probe for hand checks). A bench tool,
 * not a test: timing never goes into tests. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crisk/addr.h"
#include "crisk/ref.h"

static const char *const forms[][3] = {
    {"广州市天河区中山大道", "号A座", "房"},  {"天河区中山大道", "号B栋", "室"},
    {"广东省广州市越秀区东风路", "号", ""},   {"海珠区赤岗街道新港中路", "号C座", "单元"},
    {"番禺区市桥街道繁华路", "号之一", "房"}, {"广州天河天河路", "号", "F"},
};
static const char *const nums[] = {"一百", "一百零五", "二十三", "385", "３８５", "九十九", "7"};

int main(int argc, char **argv)
{
    cr_ref *ref = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    if (cr_ref_load(cr_ref_default_dir(), &ref, &d) != CR_OK) {
        fprintf(stderr, "ref: %s\n", d.msg);
        return 1;
    }
    struct cr_addr a;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            cr_err rc = cr_addr_normalize(ref, argv[i], strlen(argv[i]), &a);
            printf("%s\t%s\n", argv[i], rc ? cr_strerror(rc) : a.key);
        }
        cr_ref_free(ref);
        return 0;
    }
    enum { N_ADDR = 4096, N_KEYS = 1000000 };
    static char addr[N_ADDR][160];
    for (int i = 0; i < N_ADDR; i++)
        snprintf(addr[i], sizeof addr[i], "%s%s%s%d%s", forms[i % 6][0], nums[(i / 6) % 7],
                 forms[i % 6][1], 100 + i % 3000, forms[i % 6][2]);
    struct timespec t0, t1;
    size_t sum = 0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (int i = 0; i < N_KEYS; i++) {
        const char *s = addr[i % N_ADDR];
        if (cr_addr_normalize(ref, s, strlen(s), &a) == CR_OK)
            sum += (unsigned char)a.key[0];
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%d keys: %.0f ns/key of CPU time (check %zu)\n", N_KEYS, ns / N_KEYS, sum);
    cr_ref_free(ref);
    return 0;
}
