/* Fuzz target: USCC normalisation and checks. A code that normalises cleanly must validate;
 * the resident-ID and organisation-code checks must not read past their input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crisk/uscc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[CR_USCC_LEN + 1];
    cr_err rc = cr_uscc_normalize((const char *)data, size, out);
    if (rc == CR_OK && !cr_uscc_valid(out))
        __builtin_trap();
    if (rc == CR_ECHECK && cr_uscc_valid(out))
        __builtin_trap();
    cr_resident_id_valid((const char *)data, size);
    if (size >= 9) {
        char s9[10];
        memcpy(s9, data, 9);
        s9[9] = 0;
        cr_orgcode_valid(s9);
    }
    return 0;
}
