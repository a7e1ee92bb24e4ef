#include "crisk/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[CR__NERR] = {
    [CR_OK] = "ok",
    [CR_ENOMEM] = "out of memory",
    [CR_EINVAL] = "invalid value",
    [CR_EIO] = "input/output error",
    [CR_EPARSE] = "parse error",
    [CR_ESTORE] = "store error",
    [CR_ENOTFOUND] = "not found",
    [CR_ERANGE] = "out of range",
    [CR_ECHECK] = "check character mismatch",
    [CR_EENCODING] = "bad text encoding",
};

const char *cr_strerror(cr_err rc)
{
    if ((unsigned)rc >= CR__NERR)
        return "unknown error";
    return names[rc];
}

cr_err cr_diag_set(cr_diag *d, cr_err rc, const char *file, long line, long col, const char *fmt,
                   ...)
{
    if (!d)
        return rc;
    snprintf(d->file, sizeof d->file, "%s", file ? file : "");
    d->line = line;
    d->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return rc;
}

const char *cr_diag_format(const cr_diag *d, char *out, size_t cap)
{
    if (!d || !d->file[0])
        snprintf(out, cap, "%s", d ? d->msg : "");
    else if (d->line && d->col)
        snprintf(out, cap, "%s:%ld:%ld: %s", d->file, d->line, d->col, d->msg);
    else if (d->line)
        snprintf(out, cap, "%s:%ld: %s", d->file, d->line, d->msg);
    else
        snprintf(out, cap, "%s: %s", d->file, d->msg);
    return out;
}
