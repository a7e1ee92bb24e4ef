/* bench/learn.sh's driver of crisk's trees on an exported matrix: reads the matrix CSV
 * (`subject,y,fold,<features>`, a `direction,,,<+1|-1|0 …>` line, one row per firm, an empty
 * value missing), trains with cr_learn_xgb_fit (the defaults of docs/learn-trees.md) and writes
 * `subject,pred` of the out-of-fold predictions to stdout. A bench tool, not a verb: `crisk
 * learn` is the user's way to the same function. Usage: xgb_fit MATRIX.csv [kfold|oot] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/booster.h"

/* The next CSV field of *s, unquoted in place (RFC 4180: "a, b" and doubled quotes); *s is
 * NULL after the last. */
static char *next_field(char **s)
{
    char *f = *s, *o = f, *c = f;
    if (*c == '"') {
        for (c++; *c; c++) {
            if (*c == '"' && c[1] == '"')
                *o++ = *c++;
            else if (*c == '"') {
                c++;
                break;
            } else
                *o++ = *c;
        }
    } else
        while (*c && *c != ',' && *c != '\r' && *c != '\n')
            *o++ = *c++;
    int more = *c == ',';
    *o = 0;
    *s = more ? c + 1 : NULL;
    return f;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: xgb_fit MATRIX.csv [kfold|oot]\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "r");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    size_t cap = 1 << 20, n = 0, rows_cap = 1024;
    char *line = malloc(cap);
    struct cr_learn_data d = {0};
    d.out_of_time = argc > 2 && strcmp(argv[2], "oot") == 0;
    /* header */
    if (!fgets(line, (int)cap, fp))
        return 1;
    char *s = line;
    for (int i = 0; i < 3; i++)
        next_field(&s);
    size_t p = 0, pcap = 64;
    d.name = malloc(pcap * sizeof *d.name);
    while (s) {
        if (p == pcap)
            d.name = realloc(d.name, (pcap *= 2) * sizeof *d.name);
        d.name[p++] = strdup(next_field(&s));
    }
    d.p = p;
    d.direction = calloc(p, 1);
    d.x = malloc(rows_cap * p * sizeof *d.x);
    d.y = malloc(rows_cap);
    d.fold = malloc(rows_cap * sizeof *d.fold);
    d.subject = malloc(rows_cap * sizeof *d.subject);
    int kmax = 0;
    while (fgets(line, (int)cap, fp)) {
        s = line;
        char *sub = next_field(&s);
        if (strcmp(sub, "direction") == 0) {
            next_field(&s);
            next_field(&s);
            for (size_t j = 0; j < p && s; j++)
                d.direction[j] = (int8_t)strtol(next_field(&s), NULL, 10);
            continue;
        }
        if (n == rows_cap) {
            rows_cap *= 2;
            d.x = realloc(d.x, rows_cap * p * sizeof *d.x);
            d.y = realloc(d.y, rows_cap);
            d.fold = realloc(d.fold, rows_cap * sizeof *d.fold);
            d.subject = realloc(d.subject, rows_cap * sizeof *d.subject);
        }
        d.subject[n] = strtoll(sub, NULL, 10);
        d.y[n] = (int8_t)strtol(next_field(&s), NULL, 10);
        d.fold[n] = (int32_t)strtol(next_field(&s), NULL, 10);
        if (d.fold[n] > kmax)
            kmax = d.fold[n];
        for (size_t j = 0; j < p; j++) {
            const char *v = s ? next_field(&s) : "";
            d.x[n * p + j] = *v ? strtof(v, NULL) : NAN;
        }
        n++;
    }
    fclose(fp);
    d.n = n;
    d.k = kmax + 1;
    struct cr_xgb_params prm;
    cr_xgb_params_default(&prm);
    const char *nt = getenv("CRISK_XGB_THREADS");
    if (nt)
        prm.nthread = (int)strtol(nt, NULL, 10);
    struct cr_xgb_fit fit;
    cr_diag dg = {{0}, {0}, 0, 0};
    if (cr_learn_xgb_fit(&d, &prm, &fit, &dg)) {
        fprintf(stderr, "xgb_fit: %s\n", dg.msg);
        return 1;
    }
    printf("subject,pred\n");
    for (size_t i = 0; i < n; i++)
        if (!isnan(fit.pred[i]))
            printf("%lld,%.9g\n", (long long)d.subject[i], fit.pred[i]);
    fprintf(stderr, "xgb_fit: %zu rows, %zu features, %d folds, final model %d trees\n", n, p,
            fit.k, fit.rounds);
    cr_xgb_fit_free(&fit);
    return 0;
}
