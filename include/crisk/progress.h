/* Progress of the long library calls (loading the city, classifying, saving a run, a monitor
 * run, an ingest, generating a city, building a learning matrix). The library never prints: a
 * caller that wants to show progress (a terminal's progress line, crisk serve's job resource)
 * sets a hook for its own thread; the long calls report through it from the calling thread
 * only (their worker threads do not), so two threads each running a call see their own. */
#ifndef CRISK_PROGRESS_H
#define CRISK_PROGRESS_H

/* what: a stable id of the step ("city_load", "classify", "run_save", "monitor", "ingest",
 * "gen", "learn_data"); done: its fraction done, 0 to 1 (a step may report only its start,
 * 0, and its end, 1). */
typedef void (*cr_progress_fn)(void *ctx, const char *what, double done);

/* Sets (fn NULL: clears) the hook of the calling thread. */
void cr_progress_set(cr_progress_fn fn, void *ctx);
/* Reports to the calling thread's hook (nothing without one). done is clamped to [0, 1]. */
void cr_progress(const char *what, double done);
/* Whether the calling thread has a hook (to skip computing a fraction nobody reads). */
int cr_progress_on(void);

#endif
