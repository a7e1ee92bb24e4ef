/* Fuzz target: the feed reader. The first byte chooses format, encoding and delimiter; the rest
 * is the file. Every record must come back with either a reason or values inside the text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crisk/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char delims[4] = {',', '|', '\t', ';'};
    struct cr_column attrs[2] = {{.name = "a"}, {.index = 0, .name = NULL}};
    attrs[1].index = 3;
    struct cr_topic t = {.code = "F",
                         .format = data[0] & 1 ? CR_FMT_JSONL : CR_FMT_CSV,
                         .gb18030 = (data[0] >> 1) & 1,
                         .delimiter = delims[(data[0] >> 2) & 3],
                         .header = 1,
                         .attrs = attrs,
                         .n_attrs = t.format == CR_FMT_JSONL ? 1 : 2};
    t.field[CR_F_KEY].name = "k";
    t.field[CR_F_DATE].name = "d";
    cr_feed *f = NULL;
    cr_diag d;
    if (cr_feed_open_buf("fuzz", data + 1, size - 1, &t, &f, &d) != CR_OK)
        return 0;
    struct cr_feed_rec r;
    long last_line = 0;
    while (cr_feed_next(f, &r) == CR_OK) {
        if (r.line <= last_line || r.next_line <= r.line)
            __builtin_trap(); /* lines only move forward */
        last_line = r.line;
        for (int s = 0; s < CR__NFIELD + (int)t.n_attrs; s++) {
            const char *v;
            size_t n;
            cr_feed_value(f, s, &v, &n);
            if (n && !v)
                __builtin_trap();
            volatile char sink = n ? v[n - 1] : 0; /* every value is readable */
            (void)sink;
        }
    }
    cr_feed_close(f);
    return 0;
}
