/* Fuzz target: the catalog loader (YAML → topics and mappings). A catalog either loads or is
 * rejected with a message; a loaded one is consistent: every topic has a code, a department
 * the catalog lists, and a key column. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crisk/catalog.h"
#include "fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600];
    fuzz_tmp_write("catalog.yaml", data, size, path, sizeof path);
    cr_catalog *cat = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    if (cr_catalog_load(path, &cat, &d) != CR_OK) {
        if (!d.msg[0] || memchr(d.msg, 0, sizeof d.msg) == NULL)
            __builtin_trap(); /* a rejection says why, in a terminated message */
        return 0;
    }
    for (size_t i = 0; i < cat->n_topics; i++) {
        const struct cr_topic *t = &cat->topics[i];
        if (!t->code || !cr_topic_has(t, CR_F_KEY))
            __builtin_trap();
        int known = 0;
        for (size_t j = 0; j < cat->n_departments && !known; j++)
            known = strcmp(cat->departments[j].code, t->department) == 0;
        if (!known)
            __builtin_trap();
    }
    cr_catalog_free(cat);
    return 0;
}
