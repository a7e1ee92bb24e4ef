/* CSV fields as every CSV writer of the crisk command writes them (RFC 4180). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_csv_field(FILE *fp, const char *s, size_t len, int always)
{
    if (!always && !memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
        !memchr(s, '\r', len))
        return fwrite(s, 1, len, fp) != len;
    if (fputc('"', fp) == EOF)
        return 1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' && fputc('"', fp) == EOF)
            return 1;
        if (fputc((unsigned char)s[i], fp) == EOF)
            return 1;
    }
    return fputc('"', fp) == EOF;
}

int cli_csv_text(FILE *fp, const char *s, size_t len)
{
    if (!len || !strchr("=+-@\t\r", s[0]))
        return cli_csv_field(fp, s, len, 0);
    int bad = fputs("\"'", fp) == EOF;
    for (size_t i = 0; i < len && !bad; i++)
        bad = (s[i] == '"' && fputc('"', fp) == EOF) || fputc((unsigned char)s[i], fp) == EOF;
    return bad || fputc('"', fp) == EOF;
}
