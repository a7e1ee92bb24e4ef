/* A small input file (a plan, a list, a model) read whole, bounded: what names a file is input,
 * so a folder, a FIFO or a file past its limit is a clear refusal, never a hang or a process
 * filling the memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crisk/text.h"

/* The error of an open or stat that failed: a path that names nothing or what cannot be read
 * is the input's fault (exit 3 at the command line), anything else the system's. */
static cr_err open_error(const char *path, int e, cr_diag *d)
{
    cr_err rc = e == ENOENT || e == ENOTDIR                                     ? CR_ENOTFOUND
                : e == EACCES || e == ELOOP || e == EISDIR || e == ENAMETOOLONG ? CR_EINVAL
                                                                                : CR_EIO;
    return cr_diag_set(d, rc, path, 0, 0, "cannot open: %s", strerror(e));
}

static cr_err not_regular(const char *path, const struct stat *st, cr_diag *d)
{
    return cr_diag_set(d, CR_EINVAL, path, 0, 0, "%s",
                       S_ISDIR(st->st_mode) ? "is a folder, not a file"
                                            : "is not a regular file (a FIFO, socket or device): "
                                              "it is read whole from a file");
}

static cr_err too_long(const char *path, const struct stat *st, size_t max_bytes, cr_diag *d)
{
    if (S_ISREG(st->st_mode))
        return cr_diag_set(d, CR_ERANGE, path, 0, 0, "is %lld bytes, over the limit of %zu bytes",
                           (long long)st->st_size, max_bytes);
    return cr_diag_set(d, CR_ERANGE, path, 0, 0, "is longer than the limit of %zu bytes",
                       max_bytes);
}

cr_err cr_file_read(const char *path, size_t max_bytes, int flags, char **out, size_t *len,
                    cr_diag *d)
{
    struct stat st = {0};
    /* refused before the open when it is known: an open of a FIFO would wait for a writer */
    if ((flags & CR_FILE_REGULAR) && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return not_regular(path, &st, d);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return open_error(path, errno, d);
    cr_err rc = CR_OK;
    char *buf = NULL;
    size_t got = 0;
    if (fstat(fd, &st) != 0)
        rc = cr_diag_set(d, CR_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
    else if ((flags & CR_FILE_REGULAR) && !S_ISREG(st.st_mode)) /* swapped since the stat */
        rc = not_regular(path, &st, d);
    else if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max_bytes)
        rc = too_long(path, &st, max_bytes, d); /* by its size, before anything is read */
    else if (fcntl(fd, F_SETFL, 0) != 0) /* reads wait for a FIFO's writer, as a read should */
        rc = cr_diag_set(d, CR_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
    /* a regular file's size, else a page at first; at most max_bytes + 1 (to see one more) */
    size_t cap = !rc && S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
    if (cap > max_bytes + 1)
        cap = max_bytes + 1;
    if (!rc && !(buf = malloc(cap + 1)))
        rc = CR_ENOMEM;
    while (!rc) {
        if (got == cap) {
            if (cap > max_bytes) {
                rc = too_long(path, &st, max_bytes, d);
                break;
            }
            size_t ncap = cap > max_bytes / 2 ? max_bytes + 1 : cap * 2;
            char *t = realloc(buf, ncap + 1);
            if (!t) {
                rc = CR_ENOMEM;
                break;
            }
            buf = t;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = cr_diag_set(d, errno == EISDIR ? CR_EINVAL : CR_EIO, path, 0, 0, "cannot read: %s",
                             strerror(errno));
        else if (n == 0)
            break;
        else
            got += (size_t)n;
    }
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[got] = 0;
    *out = buf;
    *len = got;
    return CR_OK;
}
