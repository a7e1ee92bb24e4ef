/* Collect: reads every feed a catalog names into the store, accounting for every row
 * (read = loaded + duplicates + quarantined, per file and in total). Re-running the same files
 * adds nothing; an interrupted run resumes from its last commit. */
#ifndef CRISK_INGEST_H
#define CRISK_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/catalog.h"
#include "crisk/err.h"
#include "crisk/ref.h"
#include "crisk/store.h"

/* Parser threads: the default takes one per online core but no more than 8 (the writer thread
 * takes the rows of all of them, and more parsers only wait on it); an explicit count is capped
 * at 64, as classify's workers are. */
#define CR_INGEST_DEFAULT_THREADS 8
#define CR_INGEST_MAX_THREADS 64

struct cr_ingest_opts {
    const cr_ref *ref;  /* divisions and industries to validate against; required */
    int64_t batch_rows; /* rows per resume point at most (commits fall on resume points);
                           0 = the default, 200,000 */
    int threads;        /* parser threads for the event feeds, at most CR_INGEST_MAX_THREADS
                           (more is taken as that); 0 = the default, one per online core up to
                           CR_INGEST_DEFAULT_THREADS */
};

struct cr_ingest_file {
    char *path; /* relative to the catalog's folder */
    char *topic;
    int64_t read, loaded, duplicates, quarantined;
    int skipped;           /* 1: this exact content was ingested before; nothing read */
    int resumed;           /* 1: continued an interrupted ingest of this file */
    int64_t appended_from; /* > 0: the file is an earlier content with rows appended; read from
                              this line on */
    char *error;           /* non-NULL: the file could not be read at all (message with place) */
    /* 1: path is a catalog file pattern that matched no file; nothing read */
    int unmatched;
    /* non-NULL: path is the same file (device and inode: a link, or one matched twice) as this
       earlier path of the topic, read under that name; nothing read under this one */
    char *same_as;
    /* rows read as UTF-8 from a file declared gb18030: lines that are certainly UTF-8 (another
       system's rows appended), which decoded as GB18030 would have loaded garbled */
    int64_t utf8_lines;
    long utf8_first_line; /* the first of them, 0 when none */
    int64_t file_id;      /* the store's record of this content (feed_file.id), 0 when not read */
};

struct cr_ingest_reason {
    char *reason;
    int64_t count;
};

struct cr_ingest_report {
    struct cr_ingest_file *files; /* in catalog order, unmatched patterns among them */
    size_t n_files;
    int64_t read, loaded, duplicates, quarantined;
    int64_t unlinked;             /* loaded rows whose enterprise is not (yet) in the registry */
    int64_t unverified_divisions; /* street and grid codes of counties without reference data
                                     for them (another city's), kept as given */
    struct cr_ingest_reason *reasons; /* quarantine reasons of this run, by count descending */
    size_t n_reasons;
    struct cr_ingest_reason *nulled; /* fields left out of rows that were not quarantined, by the
                                        reason they were bad (on_error: null), count descending */
    size_t n_nulled;
    size_t n_file_errors;
    size_t n_unmatched_patterns; /* catalog file patterns that matched no file */
    double seconds;              /* in all, index_seconds included */
    double index_seconds;        /* building the lookup indexes after the first bulk load */
};

/* Ingests every topic of cat into s: registry topics first, then roles, then events, each in
 * catalog order. Returns CR_OK when every readable file was processed (files that could not be
 * opened are listed in the report with an error), CR_ESTORE (with d) when the store failed, in
 * which case the current transaction is rolled back and the run can be repeated. The report is
 * freed with cr_ingest_report_free(). */
cr_err cr_ingest_run(cr_store *s, const cr_catalog *cat, const struct cr_ingest_opts *opts,
                     struct cr_ingest_report *report, cr_diag *d) CR_MUST_USE;
void cr_ingest_report_free(struct cr_ingest_report *r);

/* A quarantined row to try again: its quarantine id and, when it was fixed by hand, the new
 * text of the record (NULL: retry the stored text, e.g. after the catalog was corrected). */
struct cr_retry_item {
    int64_t id;
    const char *raw;
    size_t raw_len;
};

/* A row the retry did not read, and why. */
struct cr_retry_skip {
    int64_t id;
    int refused; /* the text given for it cannot be one record (the user's to fix) */
    char why[400];
};

struct cr_retry_report {
    int64_t retried, loaded, duplicates, quarantined;
    int64_t skipped; /* rows not read again: n_skips of them, each with its reason */
    struct cr_retry_skip *skips;
    size_t n_skips;
};
/* Frees what a retry report holds; accepts a zeroed report. */
void cr_retry_report_free(struct cr_retry_report *r);

/* Re-reads quarantined rows through their topic's mapping in cat (the source file is opened
 * for its header). Rows that now pass are loaded and their quarantine entries resolved; rows
 * that still fail get their reason and text updated. items = NULL retries every open row.
 * A stored row's original bytes (bad_encoding, bad_utf8) are decoded in the topic's current
 * encoding. A roles row whose person ID is still masked as stored takes the ID from its line
 * in the source file, when that file is unchanged. Rows not read again (unknown id, topic or
 * file gone, ID not restorable, an edited text holding two records) are listed in
 * report->skips with the reason. The source files' own counts are not changed: the quarantine
 * keeps the history. Free the report with cr_retry_report_free. */
cr_err cr_ingest_retry(cr_store *s, const cr_catalog *cat, const struct cr_ingest_opts *opts,
                       const struct cr_retry_item *items, size_t n_items,
                       struct cr_retry_report *report, cr_diag *d) CR_MUST_USE;

#endif
