/* Reading one department feed file of a catalog topic: decoding (UTF-8 or GB18030, BOM, CRLF),
 * splitting into records (CSV per RFC 4180 with the topic's delimiter, or JSON Lines), and
 * finding the topic's mapped columns in each record. Structural problems of a record (bad
 * encoding, unterminated quote, wrong number of columns, bad JSON) are reported on the record,
 * never by failing the whole file, so the caller can quarantine the row and go on. */
#ifndef CRISK_FEED_H
#define CRISK_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/catalog.h"
#include "crisk/err.h"

typedef struct cr_feed cr_feed;

/* A value slot: a cr_field, or CR__NFIELD + i for the topic's i-th kept attribute. */
#define CR_FEED_ATTR(i) (CR__NFIELD + (int)(i))

struct cr_feed_rec {
    long line;       /* 1-based physical line where the record starts */
    const char *raw; /* the record's bytes (decoded UTF-8, or original bytes when undecodable) */
    size_t raw_len;
    const char *reason;  /* NULL, or why the record cannot be read (a short reason code) */
    char detail[160];    /* human explanation of reason */
    int64_t next_offset; /* where the next record starts in the decoded text (for resuming) */
    long next_line;
};

/* Opens a file for topic t (borrowed; must outlive the feed). Reads the whole file, computes its
 * content hash, decodes it and reads the header. A missing file, an undecodable header (the first
 * line that is not blank), a GB18030 topic's file that starts with a UTF-8 byte-order mark or a
 * mapped column missing from the header is an error naming the file (and the catalog line of the
 * mapping). Every undecodable line after the header is a record of its own (bad_encoding, with
 * its original bytes). Freed with cr_feed_close(). */
cr_err cr_feed_open(const char *path, const struct cr_topic *t, cr_feed **out,
                    cr_diag *d) CR_MUST_USE;

/* The same over a memory buffer (copied), for tests and fuzzing; name is used in messages. */
cr_err cr_feed_open_buf(const char *name, const void *buf, size_t len, const struct cr_topic *t,
                        cr_feed **out, cr_diag *d) CR_MUST_USE;
/* Closes f. While an ingest runs (cr_feed_spares_keep), a large read buffer is kept for the
 * next feed opened instead of freed (docs/collect.md "Per file"). */
void cr_feed_close(cr_feed *f);
/* on: an ingest starts, and read buffers of closed feeds are kept for the next ones; off: it
 * ended, and when no other runs the kept buffers are freed. Thread-safe; calls pair. */
void cr_feed_spares_keep(int on);

/* Size and content hash of the original file bytes. */
int64_t cr_feed_size(const cr_feed *f);
int64_t cr_feed_hash(const cr_feed *f);
/* The records read so far (cr_feed_next) that start on a line of a GB18030 file that is UTF-8
 * and was read as such (docs/collect.md "Per file"). */
int64_t cr_feed_utf8_lines(const cr_feed *f);
/* The first line at or after from that a GB18030 file reads as UTF-8 (decided when it was opened,
 * whether cr_feed_next has come to it or not), 0 when none or the file is not GB18030: for a
 * person to look at (a name beyond GB2312 repeated on every row is taken each time). */
long cr_feed_utf8_first(const cr_feed *f, long from);
/* 1 when the file's first len bytes are a content that hashed to hash (cr_feed_hash of a file
 * of len bytes) and end a line: the file is that content with rows appended. */
int cr_feed_extends(const cr_feed *f, int64_t len, int64_t hash);

/* Continues reading at a resume point previously returned in a record's next_offset/next_line.
 * The line wins: offset is a place in the decoded text as the crisk that stored it decoded the
 * file, and a GB18030 file may decode to other lengths now (UTF-8 rows read as such), so reading
 * goes on at the start of physical line `line` (the end of the text when it has fewer lines),
 * and never before the line after the header (a header-only file read before, rows appended
 * since, has its resume point at line 1). The offset may even lie past the end of the text now.
 * The rows before the line read as UTF-8 count in cr_feed_utf8_lines, as a resumed file's
 * counts are the whole file's. Returns CR_EINVAL when line is below 1. */
cr_err cr_feed_seek(cr_feed *f, int64_t offset, long line) CR_MUST_USE;
/* Where reading goes on: the resume point the next record would start at (after a seek, or at the
 * end of the text once cr_feed_next found no more). */
void cr_feed_tell(const cr_feed *f, int64_t *offset, long *line);

/* Reads the next record into rec. rec's pointers stay valid until the next call. Returns:
 *   CR_OK        a record: read, or quarantined (rec->reason and rec->detail set);
 *   CR_ENOTFOUND the end of the file (no record);
 *   CR_ENOMEM    out of memory: the record was not read;
 * and no other code today. Any code but CR_OK and CR_ENOTFOUND is an error, not the end: a
 * caller stops and reports it (the rows after it were not read). */
cr_err cr_feed_next(cr_feed *f, struct cr_feed_rec *rec) CR_MUST_USE;

/* The value of a slot in the last record read (trimmed of surrounding ASCII spaces). Unmapped
 * slots, absent JSON keys and the topic's null tokens (NA, N/A, ...) give len 0. */
void cr_feed_value(const cr_feed *f, int slot, const char **val, size_t *len);

/* The text of a slot in the last record read when it is one of the topic's null tokens (its
 * length in *len), else NULL: to say why a mandatory value is missing. */
const char *cr_feed_null_token(const cr_feed *f, int slot, size_t *len);

/* 1 when the record last read (by cr_feed_next or cr_feed_parse_one) has a line break inside a
 * quoted CSV field, mapped or not; 0 for JSON Lines. Such a break is given as LF whichever the
 * file wrote (CRLF, LF, or CR CR LF: the CRs before it are dropped), so that the copies of a
 * file read the same. crisk before 2026-12 kept CRLF there, and ingest probes that form of the
 * row too (docs/collect.md "Per row, in order"). */
int cr_feed_line_breaks(const cr_feed *f);

/* The header name (or "#N" for a position) that a slot reads, for messages. */
const char *cr_feed_slot_label(const cr_feed *f, int slot);

/* Goes back to the first record after the header (as cr_feed_open left the feed). */
void cr_feed_rewind(cr_feed *f);

/* Replaces the value of a slot in the last record read by len bytes at val (borrowed: must stay
 * valid while the record is used): a retried roles row gets back the person ID that was masked
 * when it was quarantined. */
void cr_feed_set_value(cr_feed *f, int slot, const char *val, size_t len);

/* Parses one record's text with the same mapping as the file (header already known), used to
 * retry a quarantined row after it was fixed. rec->reason tells whether it now reads;
 * rec->next_offset is where the record ends in text (its line end, or len): anything after that
 * line end is another record. */
cr_err cr_feed_parse_one(cr_feed *f, const char *text, size_t len,
                         struct cr_feed_rec *rec) CR_MUST_USE;

/* The same for a record in the file's own encoding (the original bytes that a bad_encoding record
 * keeps): a GB18030 topic's text is decoded first, and when it still does not decode rec->reason
 * is bad_encoding as cr_feed_next gives it, with rec->raw the bytes given. Otherwise rec->raw is
 * the decoded text, valid until the next call. */
cr_err cr_feed_parse_orig(cr_feed *f, const char *bytes, size_t len,
                          struct cr_feed_rec *rec) CR_MUST_USE;

#endif
