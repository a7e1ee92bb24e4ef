/* Fuzz target: dates and amounts. A parsed date formats back to a string that parses to the
 * same day; a parsed amount parses again from its decimal form to the same fen. */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crisk/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int32_t day;
    if (cr_date_parse((const char *)data, size, &day) == CR_OK) {
        char buf[11];
        int32_t again;
        cr_day_format(day, buf);
        if (cr_date_parse(buf, 10, &again) != CR_OK || again != day)
            __builtin_trap();
    }
    int64_t fen;
    if (cr_amount_parse((const char *)data, size, &fen) == CR_OK && fen != INT64_MIN) {
        char buf[48];
        int64_t a = fen < 0 ? -fen : fen, back;
        int n = snprintf(buf, sizeof buf, "%s%" PRId64 ".%02" PRId64, fen < 0 ? "-" : "", a / 100,
                         a % 100);
        if (cr_amount_parse(buf, (size_t)n, &back) != CR_OK || back != fen)
            __builtin_trap();
    }
    return 0;
}
