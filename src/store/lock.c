/* The store's writer lock (store.h cr_store_lock): an exclusive flock(2) on PATH.lock beside the
 * store, whose content describes the holder.
 *
 * Why flock and not a POSIX fcntl lock: an fcntl lock belongs to the process, so a second
 * handle on the same store in the same process would "take" it again, and closing that
 * handle's descriptor would silently drop the first handle's lock. flock belongs to the open
 * file description, so two handles conflict wherever they are, and the kernel drops it when the
 * last descriptor closes, which includes the death of the process by kill -9. (POSIX.1-2024's
 * F_OFD_SETLK has the same semantics but is not yet in the POSIX.1-2008 this code targets.)
 * Why a file beside the store and not a row in it: a row would be written in a transaction,
 * and a transaction held open for a whole ingest would stop the writer's own commits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Stores that have no file of their own: SQLite's in-memory and temporary databases. A name
 * starting with "file:" is a file (sqlite.c never reads a store's name as a URI). */
static int has_no_file(const char *path)
{
    return !path[0] || strcmp(path, ":memory:") == 0;
}

/* The holder's description as the lock file holds it, into out (NUL-terminated). */
static void read_holder(int fd, char *out, size_t cap)
{
    ssize_t n = pread(fd, out, cap - 1, 0);
    size_t len = n > 0 ? (size_t)n : 0;
    while (len && (out[len - 1] == '\n' || out[len - 1] == 0))
        len--;
    out[len] = 0;
    if (!len)
        snprintf(out, cap, "a process that has not described itself yet");
}

/* "crisk VERB, pid N on HOST, since YYYY-MM-DD HH:MM:SS UTC" */
static size_t describe(char *out, size_t cap, const char *verb)
{
    char host[256] = "unknown host";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown host");
    host[sizeof host - 1] = 0;
    time_t now = time(NULL);
    struct tm tm;
    char when[32] = "an unknown time";
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    int n = snprintf(out, cap, "crisk %s, pid %ld on %s, since %s\n", verb ? verb : "(a writer)",
                     (long)getpid(), host, when);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Replaces the lock file's content. The description only serves the next writer's message:
 * failing to write it does not make the lock less held, so errors are not reported. */
static void set_holder(int fd, const char *desc, size_t n)
{
    if (ftruncate(fd, 0) != 0 || !n)
        return;
    ssize_t w = pwrite(fd, desc, n, 0);
    (void)w;
}

cr_err cr_store_lock(cr_store *s, const char *verb, cr_diag *d)
{
    if (s->locked)
        return CR_OK;
    if (has_no_file(s->path)) {
        s->locked = 1;
        s->lock_fd = -1;
        return CR_OK;
    }
    size_t plen = strlen(s->path);
    char *lp = malloc(plen + sizeof ".lock");
    if (!lp)
        return CR_ENOMEM;
    memcpy(lp, s->path, plen);
    memcpy(lp + plen, ".lock", sizeof ".lock");
    cr_err rc = CR_OK;
    int fd = -1, e = 0;
    /* The lock is on the file now at PATH.lock: one unlinked or replaced after it was opened
     * would be locked alone while another writer locks the new one, so it is checked after the
     * flock (device and inode) and opened again when it changed. */
    for (int attempt = 0;; attempt++) {
        fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = cr_diag_set(d, CR_EIO, lp, 0, 0,
                             "cannot open store lock (the writer lock beside the store): %s",
                             strerror(errno));
            goto out;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            e = errno;
            break;
        }
        struct stat sf, sp;
        if (fstat(fd, &sf) == 0 && stat(lp, &sp) == 0 && sf.st_dev == sp.st_dev &&
            sf.st_ino == sp.st_ino)
            break;
        close(fd);
        if (attempt == 8) {
            rc = cr_diag_set(d, CR_EIO, lp, 0, 0,
                             "cannot lock the store: its lock file keeps being replaced");
            goto out;
        }
    }
    if (e) {
        if (e == EWOULDBLOCK || e == EAGAIN) {
            char holder[512];
            read_holder(fd, holder, sizeof holder);
            rc = cr_diag_set(d, CR_ESTORE, s->path, 0, 0,
                             "the store has another writer: %s (lock %s); a store takes one "
                             "writer at a time, run this again when it is done",
                             holder, lp);
        } else {
            rc = cr_diag_set(d, CR_EIO, lp, 0, 0, "cannot lock the store: %s", strerror(e));
        }
        close(fd);
        goto out;
    }
    char desc[512];
    size_t n = describe(desc, sizeof desc, verb);
    set_holder(fd, desc, n);
    s->lock_fd = fd;
    s->locked = 1;
out:
    free(lp);
    return rc;
}

void cr__store_unlock(cr_store *s)
{
    if (!s->locked)
        return;
    if (s->lock_fd >= 0) {
        /* Emptied while still held, so no later reader takes a finished run for the holder. */
        set_holder(s->lock_fd, "", 0);
        close(s->lock_fd);
    }
    s->lock_fd = -1;
    s->locked = 0;
}
