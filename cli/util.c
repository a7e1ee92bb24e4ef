/* realpath (cli_check_output) is an XSI extension, hidden by _POSIX_C_SOURCE alone. */
#define _XOPEN_SOURCE 700
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "crisk/text.h"

const char *cli_db_path(const char *flag)
{
    if (flag)
        return flag;
    const char *e = getenv("CRISK_DB");
    /* cli_parse refused an empty $CRISK_DB already. */
    return e && *e ? e : "crisk.db";
}

int cli_report_diag(const char *verb, cr_err rc, const cr_diag *d)
{
    char msg[1200];
    cr_diag_format(d, msg, sizeof msg);
    cli_progress_end(); /* a progress line on the terminal is cleared first */
    fprintf(stderr, "crisk %s: %s\n", verb, msg[0] ? msg : cr_strerror(rc));
    switch (rc) {
    case CR_EPARSE:
    case CR_EINVAL:
    case CR_ECHECK:
    case CR_EENCODING:
    case CR_ERANGE:
    case CR_ENOTFOUND:
        return CLI_BADINPUT;
    default:
        return CLI_FAIL;
    }
}

cr_err cli_store_fail(cr_diag *d, cr_err rc, const cr_store *s, const char *what)
{
    if (rc != CR_ESTORE)
        return cr_diag_set(d, rc, NULL, 0, 0, "%s", what);
    return cr_diag_set(d, rc, NULL, 0, 0, "%s: %s", what, cr_store_errmsg(s));
}

int cli_json_print(json_t *obj)
{
    int rc = json_dumpf(obj, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(obj);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

void cli_group(char *out, size_t cap, long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", v < 0 ? -v : v);
    size_t o = 0;
    if (v < 0 && o + 1 < cap)
        out[o++] = '-';
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = 0;
}

int cli_parse(const char *verb, int argc, char **argv, const struct cli_opt *opts, size_t n_opts,
              const char **pos, size_t max_pos, size_t *n_pos, const char *help)
{
    *n_pos = 0;
    /* A value given twice is a mistake, never a choice: "--xlsx a --xlsx b" wrote b only. */
    const char *given[64] = {NULL};
    assert(n_opts <= sizeof given / sizeof *given);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            if (help)
                fputs(help, stdout);
            return -1;
        }
        if (strncmp(a, "--", 2) != 0) {
            if (*n_pos == max_pos) {
                fprintf(stderr, "crisk %s: unexpected argument '%s'\n", verb, a);
                return CLI_USAGE;
            }
            pos[(*n_pos)++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct cli_opt *o = NULL;
        size_t ko = 0;
        for (size_t k = 0; k < n_opts; k++)
            if (strlen(opts[k].name) == nlen && strncmp(opts[k].name, name, nlen) == 0)
                o = &opts[k], ko = k;
        if (!o) {
            fprintf(stderr, "crisk %s: unknown option '%s' (see crisk %s --help)\n", verb, a, verb);
            return CLI_USAGE;
        }
        if (!o->takes_value) {
            *o->value = "";
        } else {
            const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            /* No option has a meaning for "": an empty --db would be SQLite's temporary
             * database, whose data are lost at exit. */
            if (!v || !*v) {
                fprintf(stderr, "crisk %s: option --%s needs a value%s\n", verb, o->name,
                        v ? " (it is empty)" : "");
                return CLI_USAGE;
            }
            if (given[ko]) {
                fprintf(stderr, "crisk %s: --%s given twice ('%s' and '%s'): give it once\n", verb,
                        o->name, given[ko], v);
                return CLI_USAGE;
            }
            given[ko] = v;
            *o->value = v;
        }
    }
    /* $CRISK_DB set but empty means no store as little as --db "" does. */
    for (size_t k = 0; k < n_opts; k++) {
        const char *e = getenv("CRISK_DB");
        if (strcmp(opts[k].name, "db") == 0 && !*opts[k].value && e && !*e) {
            fprintf(stderr, "crisk %s: $CRISK_DB is set but empty: give --db FILE or unset it\n",
                    verb);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

int cli_today_opt(const char *verb, const char *s, int32_t *out)
{
    if (!s) {
        *out = cr_day_today();
        return CLI_OK;
    }
    if (cr_date_parse(s, strlen(s), out) != CR_OK) {
        fprintf(stderr, "crisk %s: --today needs a date YYYY-MM-DD, not '%s'\n", verb, s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

long long cli_count(const char *s)
{
    if (!s || !*s)
        return -1;
    long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (1LL << 50))
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

int cli_int_opt(const char *verb, const char *name, const char *s, long long min, long long max,
                long long *out)
{
    if (!s)
        return CLI_OK;
    /* strtoll alone would take leading spaces, a sign and "12abc" up to the letters; only
     * plain decimal digits are a number here (a minus sign only when negatives are allowed). */
    const char *p = s + (*s == '-' && min < 0);
    int digits = *p != 0;
    for (; *p; p++)
        digits &= *p >= '0' && *p <= '9';
    errno = 0;
    char *end = NULL;
    long long v = digits ? strtoll(s, &end, 10) : 0;
    if (digits && errno == 0 && *end == 0 && v >= min && v <= max) {
        *out = v;
        return CLI_OK;
    }
    if (max == LLONG_MAX)
        fprintf(stderr, "crisk %s: --%s needs a whole number from %lld up, not '%s'\n", verb, name,
                min, s);
    else
        fprintf(stderr, "crisk %s: --%s needs a whole number from %lld to %lld, not '%s'\n", verb,
                name, min, max, s);
    return CLI_USAGE;
}

int cli_real_opt(const char *verb, const char *name, const char *s, double min, double max,
                 double *out)
{
    if (!s)
        return CLI_OK;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    /* isfinite rejects "nan" and "inf", which strtod accepts and no range check catches. */
    if (end != s && *end == 0 && errno == 0 && isfinite(v) && v >= min && v <= max &&
        !(*s == ' ' || *s == '\t')) {
        *out = v;
        return CLI_OK;
    }
    fprintf(stderr, "crisk %s: --%s needs a number from %g to %g, not '%s'\n", verb, name, min, max,
            s);
    return CLI_USAGE;
}

/* path as one canonical name: realpath when it exists, else its folder's realpath and its own
 * last component (a file that does not exist yet is still compared by where it would be). */
static int canonical(const char *path, char *out, size_t cap)
{
    char buf[PATH_MAX];
    if (realpath(path, buf))
        return snprintf(out, cap, "%s", buf) < (int)cap ? 0 : -1;
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    int n = slash ? snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path)
                  : snprintf(dir, sizeof dir, ".");
    if (slash == path)
        n = snprintf(dir, sizeof dir, "/");
    if (n < 0 || (size_t)n >= sizeof dir || !realpath(dir, buf))
        return -1;
    return snprintf(out, cap, "%s/%s", buf, slash ? slash + 1 : path) < (int)cap ? 0 : -1;
}

int cli_outputs_distinct(const char *verb, const char *opt_a, const char *a, const char *opt_b,
                         const char *b)
{
    if (!a || !b)
        return CLI_OK;
    struct stat sa, sb;
    char na[PATH_MAX + 1], nb[PATH_MAX + 1];
    int same =
        stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    same |=
        canonical(a, na, sizeof na) == 0 && canonical(b, nb, sizeof nb) == 0 && strcmp(na, nb) == 0;
    same |= strcmp(a, b) == 0;
    if (!same)
        return CLI_OK;
    fprintf(stderr, "crisk %s: --%s %s and --%s %s are the same file: give each its own file\n",
            verb, opt_a, a, opt_b, b);
    return CLI_USAGE;
}

int cli_division_opt(const char *verb, const char *name, const char *s)
{
    size_t n = s ? strspn(s, "0123456789") : 0;
    if (!s || (s[n] == 0 && n >= 1 && n <= 12))
        return CLI_OK;
    fprintf(stderr,
            "crisk %s: --%s needs a division code (1 to 12 digits, e.g. 440106), not '%s'\n", verb,
            name, s);
    return CLI_USAGE;
}

static void refuse_output(const char *verb, const char *option, const char *out, const char *db,
                          const char *suffix)
{
    if (*suffix)
        fprintf(stderr,
                "crisk %s: --%s %s is the %s file of the store %s: refusing to write over it "
                "(give another file)\n",
                verb, option, out, suffix, db);
    else
        fprintf(stderr,
                "crisk %s: --%s %s is the store itself: refusing to write over it (give another "
                "file)\n",
                verb, option, out);
}

int cli_check_output(const char *verb, const char *option, const char *out, const char *db)
{
    /* The files SQLite and crisk keep beside a store: writing any of them loses the store. */
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal", ".lock", ".cols"};
    struct stat so;
    char out_name[PATH_MAX + 1];
    int out_exists = stat(out, &so) == 0,
        out_named = canonical(out, out_name, sizeof out_name) == 0;
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        char p[PATH_MAX + 16], name[PATH_MAX + 1];
        if (snprintf(p, sizeof p, "%s%s", db, suffix[i]) >= (int)sizeof p)
            continue;
        struct stat sp;
        int same =
            out_exists && stat(p, &sp) == 0 && sp.st_dev == so.st_dev && sp.st_ino == so.st_ino;
        same |= out_named && canonical(p, name, sizeof name) == 0 && strcmp(name, out_name) == 0;
        if (same) {
            refuse_output(verb, option, out, db, suffix[i]);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

static const char *file_kind(mode_t m)
{
    return S_ISCHR(m)    ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
           : S_ISDIR(m)  ? "a folder"
                         : "not a file";
}

/* A streamed output is written into what is at its name, nothing is replaced: a regular file,
 * a FIFO (a reader takes the rows) and a character device (/dev/null, a terminal) are fine,
 * as with a shell's redirection; a block device (a disk) or a socket never is. */
static int streamable(mode_t m)
{
    return S_ISREG(m) || S_ISFIFO(m) || S_ISCHR(m) || S_ISLNK(m); /* links: open's message */
}

static void refuse_kind(const char *verb, const char *option, const char *out, mode_t m)
{
    fprintf(stderr, "crisk %s: --%s %s is not a regular file (%s): refusing to write to it\n", verb,
            option, out, file_kind(m));
}

FILE *cli_open_output(const char *verb, const char *option, const char *out, const char *db,
                      int *prc)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal", ".lock", ".cols"};
    *prc = CLI_FAIL;
    struct stat sl;
    if (lstat(out, &sl) == 0 && !streamable(sl.st_mode)) {
        refuse_kind(verb, option, out, sl.st_mode);
        *prc = CLI_USAGE;
        return NULL;
    }
    /* Not truncated yet: what was opened is compared with the store's files first. */
    int fd = open(out, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "crisk %s: cannot create %s: %s\n", verb, out,
                errno == ELOOP ? "it is a symbolic link (give the file itself)" : strerror(errno));
        return NULL;
    }
    struct stat so, sp;
    if (fstat(fd, &so) != 0) {
        fprintf(stderr, "crisk %s: cannot create %s: %s\n", verb, out, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!streamable(so.st_mode)) { /* swapped in since the lstat */
        refuse_kind(verb, option, out, so.st_mode);
        close(fd);
        *prc = CLI_USAGE;
        return NULL;
    }
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        char p[PATH_MAX + 16];
        if (snprintf(p, sizeof p, "%s%s", db, suffix[i]) < (int)sizeof p && stat(p, &sp) == 0 &&
            sp.st_dev == so.st_dev && sp.st_ino == so.st_ino) {
            refuse_output(verb, option, out, db, suffix[i]);
            close(fd);
            *prc = CLI_USAGE;
            return NULL;
        }
    }
    FILE *fp = NULL;
    if ((S_ISREG(so.st_mode) && ftruncate(fd, 0) != 0) || !(fp = fdopen(fd, "wb"))) {
        fprintf(stderr, "crisk %s: cannot create %s: %s\n", verb, out, strerror(errno));
        close(fd);
        return NULL;
    }
    *prc = CLI_OK;
    return fp;
}

/* The whole-file outputs replace what is at out by a rename: only a regular file (or nothing)
 * may be there. A device or a FIFO renamed over would be lost as such (/dev/null made a regular
 * file), so it is refused, not written into. */
static int check_replaceable(const char *verb, const char *option, const char *out)
{
    struct stat sl;
    if (lstat(out, &sl) != 0 || S_ISREG(sl.st_mode) || S_ISLNK(sl.st_mode) || S_ISDIR(sl.st_mode))
        return CLI_OK; /* links and folders are refused by cli_out_begin's own message */
    fprintf(stderr,
            "crisk %s: --%s %s is not a regular file (%s): refusing to replace it (give a file "
            "name)\n",
            verb, option, out, file_kind(sl.st_mode));
    return CLI_USAGE;
}

int cli_out_begin(const char *verb, const char *option, const char *out, const char *db,
                  struct cli_out *o)
{
    memset(o, 0, sizeof *o);
    o->path = out;
    int prc = cli_check_output(verb, option, out, db);
    if (prc)
        return prc;
    struct stat sl;
    if (lstat(out, &sl) == 0 && (S_ISLNK(sl.st_mode) || S_ISDIR(sl.st_mode))) {
        fprintf(stderr, "crisk %s: cannot create %s: %s\n", verb, out,
                S_ISLNK(sl.st_mode) ? "it is a symbolic link (give the file itself)"
                                    : "it is a folder (give a file name)");
        return S_ISDIR(sl.st_mode) ? CLI_USAGE : CLI_FAIL; /* as a streamed output's folder */
    }
    if ((prc = check_replaceable(verb, option, out)))
        return prc;
    /* The temporary file sits beside out, so that the rename is atomic (one file system). */
    const char *slash = strrchr(out, '/');
    int n = slash ? snprintf(o->tmp, sizeof o->tmp, "%.*s/.%s.tmp-XXXXXX", (int)(slash - out), out,
                             slash + 1)
                  : snprintf(o->tmp, sizeof o->tmp, ".%s.tmp-XXXXXX", out);
    if (n < 0 || (size_t)n >= sizeof o->tmp) {
        fprintf(stderr, "crisk %s: cannot create %s: the name is too long\n", verb, out);
        return CLI_FAIL;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        fprintf(stderr, "crisk %s: cannot create %s: %s\n", verb, out, strerror(errno));
        o->tmp[0] = 0;
        return CLI_FAIL;
    }
    (void)fchmod(fd, 0644);
    if (!(o->fp = fdopen(fd, "wb"))) {
        fprintf(stderr, "crisk %s: cannot create %s: %s\n", verb, out, strerror(errno));
        close(fd);
        cli_out_abort(o);
        return CLI_FAIL;
    }
    return CLI_OK;
}

void cli_out_abort(struct cli_out *o)
{
    if (o->fp)
        fclose(o->fp);
    o->fp = NULL;
    if (o->tmp[0])
        unlink(o->tmp);
    o->tmp[0] = 0;
}

int cli_out_commit(const char *verb, const char *option, struct cli_out *o, const char *db)
{
    int bad = fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0;
    bad |= fclose(o->fp) != 0;
    o->fp = NULL;
    if (bad) {
        fprintf(stderr, "crisk %s: cannot write %s: %s\n", verb, o->path, strerror(errno));
        cli_out_abort(o);
        return CLI_FAIL;
    }
    /* Checked again: a store file, a device or a FIFO may have been moved to the name
     * meanwhile (rename would replace it). */
    int prc = cli_check_output(verb, option, o->path, db);
    if (!prc)
        prc = check_replaceable(verb, option, o->path);
    if (!prc && rename(o->tmp, o->path) != 0) {
        fprintf(stderr, "crisk %s: cannot create %s: %s\n", verb, o->path, strerror(errno));
        prc = CLI_FAIL;
    }
    if (prc) {
        cli_out_abort(o);
        return prc;
    }
    o->tmp[0] = 0;
    return CLI_OK;
}
