/* crisk serve's policy numbers: one table of keys, defaults and ranges (docs/serve.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/respond.h"
#include "server.h"

struct key {
    const char *name;
    size_t offset;
    long def, min, max;
};

#define K(n, d, lo, hi)                                                                            \
    {                                                                                              \
#n, offsetof(struct srv_config, n), d, lo, hi                                              \
    }
static const struct key keys[] = {
    K(threads, 4, 1, 64),
    K(connection_timeout_s, 10, 1, 3600),
    K(request_timeout_s, 10, 1, 3600),
    K(header_timeout_s, 10, 1, 3600),
    K(max_url_bytes, 8192, 256, 1048576),
    K(max_header_bytes, 32768, 1024, 1048576),
    K(max_body_bytes, 65536, 1024, 16777216),
    K(max_connections, 512, 1, 65536),
    K(per_ip_connections, 256, 1, 65536),
    K(session_idle_s, 1800, 1, SRV_SESSION_IDLE_MAX_S),
    K(session_max_s, 43200, 1, SRV_SESSION_MAX_MAX_S),
    K(login_failures_name, 5, 1, 1000000),
    K(login_failures_addr, 20, 1, 1000000),
    K(login_window_s, 900, 1, SRV_LOGIN_WINDOW_MAX_S),
    K(login_busy_ms, 2000, 0, 60000),
    K(lock_wait_ms, 1000, 0, 60000),
    K(cookie_secure, 0, 0, 1),
    K(search_limit, 20, 1, 1000),
    K(portrait_events, 20, 0, 1000),
    K(audit_page, 200, 1, 10000),
    K(list_limit, 500, 1, 100000),
    K(publish_workdays, 20, 1, 365),
    K(jobs_kept, 50, 1, 10000),
    K(portrait_cache_mib, 64, 0, 65536),
    K(read_cache_mib, 256, 1, 65536),
    K(read_mmap_mib, 1024, 0, 1048576),
    K(audit_flush_ms, 20, 1, 10000),
    K(audit_batch, 256, 1, 100000),
    K(audit_wait, 0, 0, 1),
    K(audit_room_wait_ms, 3000, 1, 600000),
    K(password_min_chars, 8, 1, 256),
    K(search_step, 20000, 1, 10000000),
};
#undef K

static long *field(struct srv_config *c, const struct key *k)
{
    return (long *)(void *)((char *)c + k->offset);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* The task outcomes that count as a hit (default: all but false_alarm: the warning was right,
 * the firm was a problem, or it could not be found at its address, which an inspection also
 * counts as a problem): a comma-separated list of outcome codes into c->hit_outcomes. */
static const char hit_outcomes_default[] = "confirmed,case_filed,police,other_department,not_found";

static int hit_outcomes_set(struct srv_config *c, const char *v)
{
    char buf[sizeof c->hit_outcomes];
    if (strlen(v) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", v);
    for (char *p = buf, *comma; p; p = comma ? comma + 1 : NULL) {
        comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        if (!cr_outcome_label(trim(p)))
            return -1;
    }
    snprintf(c->hit_outcomes, sizeof c->hit_outcomes, "%s", v);
    return 0;
}

int srv_hit_outcome(const struct srv_config *c, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = c->hit_outcomes; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ", ");
        if (len == n && strncmp(p, code, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}

cr_err srv_config_load(const char *path, struct srv_config *c, cr_diag *d)
{
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        *field(c, &keys[i]) = keys[i].def;
    snprintf(c->hit_outcomes, sizeof c->hit_outcomes, "%s", hit_outcomes_default);
    if (!path)
        return CR_OK;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return cr_diag_set(d, CR_EINVAL, path, 0, 0, "cannot open: %s", strerror(errno));
    char line[512];
    int n = 0;
    cr_err rc = CR_OK;
    while (!rc && fgets(line, sizeof line, fp)) {
        n++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *s = trim(line);
        if (!*s)
            continue;
        char *colon = strchr(s, ':');
        if (!colon) {
            rc = cr_diag_set(d, CR_EINVAL, path, n, 0, "expected 'key: value'");
            break;
        }
        *colon = 0;
        char *k = trim(s), *v = trim(colon + 1);
        if (strcmp(k, "hit_outcomes") == 0) {
            if (hit_outcomes_set(c, v))
                rc = cr_diag_set(d, CR_EINVAL, path, n, 0,
                                 "hit_outcomes needs task outcome codes separated by commas");
            continue;
        }
        const struct key *key = NULL;
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
            if (strcmp(keys[i].name, k) == 0)
                key = &keys[i];
        if (!key) {
            rc = cr_diag_set(d, CR_EINVAL, path, n, 0, "unknown key '%s'", k);
            break;
        }
        char *end = NULL;
        errno = 0;
        long val = strtol(v, &end, 10);
        if (!*v || *end || errno || val < key->min || val > key->max) {
            rc = cr_diag_set(d, CR_EINVAL, path, n, 0, "%s needs a whole number from %ld to %ld",
                             key->name, key->min, key->max);
            break;
        }
        *field(c, key) = val;
    }
    fclose(fp);
    return rc;
}
