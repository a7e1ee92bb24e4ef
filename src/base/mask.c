/* A person's name as shown anywhere (warnings, the portrait): one masking rule, so that two
 * views of one person never reveal more together than either alone. */
#include <stdio.h>
#include <string.h>

#include "crisk/text.h"

void cr_mask_name(const char *name, char *out, size_t cap)
{
    /* UTF-8 characters: the first, and the last of a name of three or more. */
    size_t len = name ? strlen(name) : 0, n_chars = 0, first_end = 0, last_start = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)name[i] & 0xC0) != 0x80) {
            n_chars++;
            if (n_chars == 2)
                first_end = i;
            last_start = i;
        }
    if (n_chars <= 1)
        snprintf(out, cap, "*");
    else if (n_chars == 2)
        snprintf(out, cap, "%.*s*", (int)first_end, name);
    else
        snprintf(out, cap, "%.*s*%s", (int)first_end, name, name + last_start);
}
