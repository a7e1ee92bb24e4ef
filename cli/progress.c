/* The progress line of the long verbs (ingest, classify, gen, learn) on a terminal: the
 * library reports its steps through the calling thread's hook (crisk/progress.h); this prints
 * them on stderr as one line rewritten in place, only when stderr is a terminal, so that a
 * log, a pipe or --json output never sees it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "crisk/progress.h"

static struct {
    const char *verb;
    const char *what;
    int percent;
    int shown;
} line;

static const char *step_name(const char *what)
{
    static const char *const names[][2] = {
        {"city_load", "loading the city"},     {"classify", "classifying"},
        {"run_save", "saving the run"},        {"monitor", "running the detectors"},
        {"ingest", "loading the feeds"},       {"gen", "generating the city"},
        {"learn_data", "building the matrix"}, {"scorecard", "fitting the scorecard"},
        {"xgboost", "fitting the trees"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(names[i][0], what) == 0)
            return names[i][1];
    return what;
}

static void show(void *ctx, const char *what, double done)
{
    (void)ctx;
    int percent = (int)(done * 100);
    /* Once per step and whole percent: a few hundred short writes for a whole run. */
    if (line.shown && line.what == what && line.percent == percent)
        return;
    line.what = what;
    line.percent = percent;
    line.shown = 1;
    fprintf(stderr, "\rcrisk %s: %s %3d%%\033[K", line.verb, step_name(what), percent);
    fflush(stderr);
}

void cli_progress_start(const char *verb)
{
    memset(&line, 0, sizeof line);
    line.verb = verb;
    if (isatty(STDERR_FILENO))
        cr_progress_set(show, NULL);
}

void cli_progress_end(void)
{
    cr_progress_set(NULL, NULL);
    if (line.shown) {
        fputs("\r\033[K", stderr); /* the line is cleared: what follows starts clean */
        fflush(stderr);
    }
    line.shown = 0;
}
