/* Fuzz target: address normalisation against the real division tree. A key, when produced,
 * is valid UTF-8 and normalising it again is stable. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/addr.h"
#include "crisk/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cr_ref *ref;
    if (!ref && cr_ref_load(cr_ref_default_dir(), &ref, NULL) != CR_OK)
        abort();
    struct cr_addr a;
    if (cr_addr_normalize(ref, (const char *)data, size, &a) != CR_OK)
        return 0;
    size_t n = strlen(a.key);
    if (cr_utf8_valid_prefix(a.key, n) != n || !strchr(a.key, '|'))
        __builtin_trap();
    return 0;
}
