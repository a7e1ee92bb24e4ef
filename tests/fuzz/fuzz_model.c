/* Fuzz target: the model loader (YAML → aspects, categories, indicators, vetoes, levels). A
 * model either loads or is rejected with a message; a loaded one's counts agree. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crisk/model.h"
#include "fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600];
    fuzz_tmp_write("model.yaml", data, size, path, sizeof path);
    cr_model *m = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    if (cr_model_load(path, &m, &d) != CR_OK) {
        if (!d.msg[0] || memchr(d.msg, 0, sizeof d.msg) == NULL)
            __builtin_trap(); /* a rejection says why, in a terminated message */
        return 0;
    }
    size_t n = 0;
    for (size_t a = 0; a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++)
            n += m->aspects[a].categories[c].n_indicators;
    if (n != m->n_indicators)
        __builtin_trap();
    cr_model_free(m);
    return 0;
}
