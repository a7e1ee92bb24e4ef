/* crisk events: the stored events as CSV, of the whole store or of one enterprise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/store.h"
#include "crisk/text.h"
#include "crisk/uscc.h"

static const char help[] =
    "usage: crisk events [--db DB] [--key KEY] [--attrs-of KINDS] --csv\n"
    "\n"
    "Prints the stored events as CSV, in the order they were stored: every event, or those of\n"
    "one enterprise (--key: its USCC or namespace:key). Columns: subject (the store's id,\n"
    "numbered as rows arrive: it differs between two stores of the same feeds, so compare\n"
    "stores by key, e.g. with cut -d, -f2-), key, topic (code), day (days since 1970-01-01),\n"
    "date, amount_fen (empty when none), attrs (the kept columns as a JSON object).\n"
    "\n"
    "  --attrs-of KINDS  print attrs only for events of these kinds (comma-separated), leaving\n"
    "                    the column empty for the rest: a much smaller export of a whole city\n";

/* Names by id: subject keys and topic codes. */
struct names {
    char **v;
    size_t n;
    int oom;
};

static void name_put(struct names *t, int64_t id, const char *s, size_t len)
{
    if (t->oom || id < 0)
        return;
    if ((size_t)id >= t->n) {
        size_t n = ((size_t)id + 1) * 2;
        char **p = realloc(t->v, n * sizeof *p);
        if (!p) {
            t->oom = 1;
            return;
        }
        memset(p + t->n, 0, (n - t->n) * sizeof *p);
        t->v = p;
        t->n = n;
    }
    free(t->v[id]);
    if (!(t->v[id] = malloc(len + 1))) {
        t->oom = 1;
        return;
    }
    memcpy(t->v[id], s, len);
    t->v[id][len] = 0;
}

static const char *name_of(const struct names *t, int64_t id)
{
    return id >= 0 && (size_t)id < t->n && t->v[id] ? t->v[id] : "";
}

static void names_free(struct names *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
}

struct out {
    struct names subjects, topics;
    const char *attrs_of; /* comma-separated kinds, or NULL */
    uint8_t *want;        /* by topic id */
    size_t n_want;
};

static void subject_name(void *ctx, const char *key, size_t len, int64_t id, int registered)
{
    (void)registered;
    name_put(ctx, id, key, len);
}

static int kind_listed(const char *list, const char *kind)
{
    size_t n = strlen(kind);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && memcmp(p, kind, n) == 0)
            return 1;
        p += len + (comma != NULL);
    }
    return 0;
}

static void topic_name(void *ctx, int64_t id, const char *code, const char *kind)
{
    struct out *o = ctx;
    name_put(&o->topics, id, code, strlen(code));
    if (o->attrs_of && id >= 0) {
        if ((size_t)id >= o->n_want) {
            size_t n = ((size_t)id + 1) * 2;
            uint8_t *w = realloc(o->want, n);
            if (!w) {
                o->topics.oom = 1;
                return;
            }
            memset(w + o->n_want, 0, n - o->n_want);
            o->want = w;
            o->n_want = n;
        }
        o->want[id] = kind && kind_listed(o->attrs_of, kind);
    }
}

static int print_event(void *ctx, const struct cr_event_row *e)
{
    const struct out *o = ctx;
    const char *key = name_of(&o->subjects, e->subject);
    char date[11];
    cr_day_format(e->day, date);
    printf("%lld,", (long long)e->subject);
    cli_csv_field(stdout, key, strlen(key), 0);
    printf(",%s,%d,%s,", name_of(&o->topics, e->topic), e->day, date);
    if (e->has_amount)
        printf("%lld", (long long)e->amount_fen);
    putchar(',');
    if (e->attrs)
        cli_csv_field(stdout, e->attrs, e->attrs_len, 0);
    putchar('\n');
    return 0;
}

int cmd_events(int argc, char **argv)
{
    const char *db = NULL, *key = NULL, *csv = NULL, *attrs_of = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db}, {"key", 1, &key}, {"csv", 0, &csv}, {"attrs-of", 1, &attrs_of}};
    size_t n_pos;
    int prc = cli_parse("events", argc, argv, opts, 4, NULL, 0, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (!csv) {
        fprintf(stderr, "crisk events: --csv is required (the only format)\n");
        return CLI_USAGE;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    struct out o = {{0}, {0}, attrs_of, NULL, 0};
    int64_t subject = 0;
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    if (!rc && key) {
        char norm[CR_USCC_LEN + 1];
        /* A USCC is looked up in its normal form; other keys as given. */
        cr_err nrc = cr_uscc_normalize(key, strlen(key), norm);
        const char *k = nrc == CR_OK ? norm : key;
        rc = cr_store_subject_find(s, k, &subject);
        char why[200] = "";
        if (rc == CR_ENOTFOUND && nrc == CR_ECHECK) /* a key without ':' is meant as a USCC */
            snprintf(why, sizeof why, ": a USCC with a wrong check character (expected %c)",
                     cr_uscc_check_char(norm));
        else if (rc == CR_ENOTFOUND && nrc && !strchr(key, ':')) {
            memcpy(why, ": not a USCC: ", 14);
            cr_uscc_explain(key, strlen(key), why + 14, sizeof why - 14);
        }
        if (rc == CR_ENOTFOUND)
            cr_diag_set(&d, rc, NULL, 0, 0, "no enterprise with key '%s' in the store%s", key, why);
        else if (rc)
            cli_store_fail(&d, rc, s, "cannot look the key up");
    }
    if (!rc && (cr_store_subjects_each(s, subject_name, &o.subjects) ||
                cr_store_topics_each(s, topic_name, &o)))
        rc = cli_store_fail(&d, CR_ESTORE, s, "cannot read keys and topics");
    if (!rc && (o.subjects.oom || o.topics.oom))
        rc = CR_ENOMEM;
    if (!rc) {
        printf("subject,key,topic,day,date,amount_fen,attrs\n");
        if (key)
            rc = cr_store_events_each(s, &subject, 1, print_event, &o);
        else
            rc = cr_store_events_range(s, 0, INT64_MAX, o.want, attrs_of ? o.n_want : 0,
                                       print_event, &o);
        if (rc)
            cli_store_fail(&d, rc, s, "cannot read the events");
    }
    names_free(&o.subjects);
    names_free(&o.topics);
    free(o.want);
    cr_store_close(s);
    return rc ? cli_report_diag("events", rc, &d) : CLI_OK;
}
