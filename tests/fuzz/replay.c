/* Replays fuzz corpora without libFuzzer, so every saved input runs in ctest under the normal
 * (or sanitizer) build: replay [--skip LIST] DIR... calls the target once per file. LIST names
 * inputs not replayed yet, one "<dir name>/<file>" a line (# starts a comment): crashes found
 * by the fuzzers whose fixes are still under way (tests/fuzz/pending.txt). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (1 << 20)

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    uint8_t *buf = malloc(MAX_INPUT);
    size_t n = buf ? fread(buf, 1, MAX_INPUT, fp) : 0;
    fclose(fp);
    if (!buf)
        return -1;
    /* An exact-size copy so that reading past the input is caught by the sanitizers. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

/* 1 when "<last component of dir>/<name>" is a line of the skip list. */
static int skipped(const char *list, const char *dir, const char *name)
{
    if (!list)
        return 0;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    const char *base = dir + dl;
    while (base > dir && base[-1] != '/')
        base--;
    char want[1024];
    int wn = snprintf(want, sizeof want, "%.*s/%s", (int)(dir + dl - base), base, name);
    if (wn < 0 || (size_t)wn >= sizeof want)
        return 0;
    for (const char *p = list; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        size_t k = 0;
        while (k < len && p[k] != '#' && p[k] != ' ' && p[k] != '\t' && p[k] != '\r')
            k++;
        if (k == (size_t)wn && memcmp(p, want, k) == 0)
            return 1;
        p += len + (eol != NULL);
    }
    return 0;
}

static char *read_list(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *text = calloc(1, 1 << 16);
    if (text)
        text[fread(text, 1, (1 << 16) - 1, fp)] = 0;
    fclose(fp);
    return text;
}

int main(int argc, char **argv)
{
    int files = 0, skips = 0, first = 1;
    char *list = NULL;
    if (argc > 2 && strcmp(argv[1], "--skip") == 0) {
        if (!(list = read_list(argv[2]))) {
            fprintf(stderr, "replay: cannot read %s\n", argv[2]);
            return 1;
        }
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            free(list);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            if (skipped(list, argv[i], e->d_name)) {
                skips++;
                continue;
            }
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            if (run_file(path)) {
                fprintf(stderr, "replay: cannot read %s\n", path);
                closedir(d);
                free(list);
                return 1;
            }
            files++;
        }
        closedir(d);
    }
    free(list);
    printf("replayed %d inputs (%d pending, not replayed)\n", files, skips);
    return files > 0 ? 0 : 1;
}
