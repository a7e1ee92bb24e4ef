/* The crisk command: one verb per stage of the loop (DESIGN.md "Interfaces"). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct verb {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
};

static const struct verb verbs[] = {
    {"gen", cmd_gen, "generate a synthetic city: feeds, catalog and hidden truth"},
    {"ingest", cmd_ingest, "read every feed of a catalog into the store"},
    {"quarantine", cmd_quarantine, "list, export and retry quarantined rows"},
    {"model", cmd_model, "check a model and print its tree; promote a champion"},
    {"classify", cmd_classify, "score every enterprise and assign levels A-D; record the run"},
    {"scores", cmd_scores, "print a run's scores as CSV"},
    {"tag", cmd_tag, "tag enterprises by the rules of the theme library"},
    {"show", cmd_show, "the portrait of one enterprise"},
    {"events", cmd_events, "print stored events as CSV (all, or one enterprise's)"},
    {"monitor", cmd_monitor, "run the detectors; open, update and close warnings"},
    {"warnings", cmd_warnings, "list warnings and their firms as CSV, JSON, XLSX or GeoJSON"},
    {"push", cmd_push, "the monthly push: warning lists and maps per district and street"},
    {"roster", cmd_roster, "load the supervision staff (grid workers, stations, inspectors)"},
    {"dispatch", cmd_dispatch, "turn open warnings into tasks; escalate overdue tasks"},
    {"tasks", cmd_tasks, "list tasks by division, status, overdue"},
    {"task", cmd_task, "accept, visit or close a task"},
    {"plan", cmd_plan, "record an inspection plan and freeze its eligible list"},
    {"plans", cmd_plans, "list the recorded inspection plans as CSV"},
    {"draw", cmd_draw, "draw a plan with a seed; list or verify a recorded draw"},
    {"inspect", cmd_inspect, "record inspection results (official vocabulary, 免罚清单)"},
    {"inspections", cmd_inspections, "list inspections, what must be published and what is late"},
    {"learn", cmd_learn, "measure the champion against outcomes; train and report challengers"},
    {"serve", cmd_serve, "serve the JSON API over HTTP to the users of 'crisk user'"},
    {"user", cmd_user, "add a user of the HTTP API (role and jurisdiction)"},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: crisk VERB [options]\n\nverbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        fprintf(fp, "  %-11s %s\n", verbs[i].name, verbs[i].help);
    fprintf(fp, "\n'crisk VERB --help' describes a verb's options.\n"
                "Exit codes: 0 ok, 1 failure, 2 usage, 3 bad input.\n");
}

/* A verb's exit code, made a failure when its standard output could not be written (a full
 * disk, /dev/full; a closed pipe ends the process by SIGPIPE before this): an exit 0 would tell
 * a script its output is complete. */
static int output_checked(const char *verb, int rc)
{
    errno = 0;
    int flushed = fflush(stdout) == 0;
    if (flushed && !ferror(stdout))
        return rc;
    fprintf(stderr, "crisk %s: the output could not be written%s%s\n", verb,
            !flushed && errno ? ": " : "", !flushed && errno ? strerror(errno) : "");
    return rc ? rc : CLI_FAIL;
}

int main(int argc, char **argv)
{
    /* A write past the file size limit (ulimit -f) fails with EFBIG, reported like any other
     * write error, instead of killing the process silently with SIGXFSZ. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return output_checked("help", CLI_OK);
    }
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return output_checked(argv[1], verbs[i].run(argc - 1, argv + 1));
    fprintf(stderr, "crisk: unknown verb '%s'\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
