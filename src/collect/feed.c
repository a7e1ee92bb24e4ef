#include "crisk/feed.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/bigmem.h"
#include "crisk/hash.h"
#include "crisk/text.h"
#include "feed_internal.h"

CR_FORMAT(4, 5)
static cr_err feed_error(cr_feed *f, cr_diag *d, long line, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cr_diag_set(d, CR_EPARSE, f->name, line, 0, "%s", msg);
}

size_t cr__feed_line_end(const char *text, size_t len, size_t from)
{
    const char *nl = memchr(text + from, '\n', len - from);
    return nl ? (size_t)(nl - text) : len;
}

/* 1 when text[from, to) holds only spaces, tabs and a carriage return: not a row (nor a
 * header), in CSV and JSON Lines alike. */
static int blank_line(const char *text, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
            return 0;
    return 1;
}

/* 1 when a line of a GB18030 file is certainly UTF-8 (rows appended by another system). Decoded
 * as GB18030 such a line loads as other characters without a word, so it is read as UTF-8 when
 * three things hold: it is valid UTF-8 as a whole; it holds at least two CJK ideographs
 * (U+4E00..U+9FFF) as UTF-8's three-byte sequences; and, read as GB18030, one of its two-byte
 * characters is outside GB2312 (a byte below 0xA1: UTF-8's continuation bytes 0x80..0xA0 make
 * one in nearly every line of two ideographs or more, GB2312 text never). Text of GB2312
 * characters is never taken for UTF-8; a short field with a GBK character beyond GB2312 rarely
 * (about 3 in 100,000 random three-character ones; tests/unit/test_feed.c,
 * docs/collect.md). */
int cr__feed_utf8_line(const char *p, size_t n)
{
    if (cr_utf8_valid_prefix(p, n) != n)
        return 0;
    int cjk = 0;
    for (size_t i = 0; i + 2 < n && cjk < 2; i++) {
        unsigned char a = (unsigned char)p[i];
        if (a < 0xE4 || a > 0xE9) /* U+4000..U+9FFF; the range check below narrows it */
            continue;
        unsigned cp = (unsigned)(a & 0x0F) << 12 | (unsigned)((unsigned char)p[i + 1] & 0x3F) << 6 |
                      (unsigned)((unsigned char)p[i + 2] & 0x3F);
        cjk += cp >= 0x4E00 && cp <= 0x9FFF;
        i += 2;
    }
    if (cjk < 2)
        return 0;
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i + 1 < n;) {
        if (b[i] < 0x80) {
            i++;
        } else if (b[i + 1] >= 0x30 && b[i + 1] <= 0x39) {
            i += 4; /* GB18030's four-byte form */
        } else {
            if (b[i] < 0xA1 || b[i + 1] < 0xA1)
                return 1;
            i += 2;
        }
    }
    return 0;
}

/* Makes room for element n of the array *v of n elements, its capacity derived from n (16, then
 * doubled at each power of two): a file whose every line is listed costs O(n) copies, not O(n^2)
 * as growing by 16 did. 0, or -1 when out of memory (*v unchanged). */
static int room_for_one(void **v, size_t n, size_t size)
{
    if (n % 16 || (n && (n & (n - 1))))
        return 0; /* below its capacity */
    void *p = realloc(*v, (n ? n * 2 : 16) * size);
    if (!p)
        return -1;
    *v = p;
    return 0;
}

/* The end (past its newline) of the CSV record of several lines starting at off in the original
 * bytes of a GB18030 file, or 0 when the record is one line. GB18030's multi-byte sequences hold
 * no '"' nor '\n', so the quotes are found on the raw bytes. A delimiter byte inside such a
 * sequence (possible for '|', 0x7C) can make a span of GB18030 lines too long or too short; such
 * a span is not valid UTF-8, so its lines are judged one by one as before. */
static size_t gb_record_span(const cr_feed *f, size_t off, size_t line_end)
{
    if (f->t->format != CR_FMT_CSV || !memchr(f->orig + off, '"', line_end - off))
        return 0;
    size_t end = cr__feed_csv_record_end(f->orig, f->orig_len, off, f->t->delimiter);
    if (end <= line_end)
        return 0;
    return end < f->orig_len ? end + 1 : end;
}

/* GB18030 → UTF-8, line by line on failure: an undecodable line becomes an empty line in the
 * text (so line numbers stay right) and is remembered with its original bytes. 0x0A never occurs
 * inside a GB18030 multi-byte sequence, so lines can be cut on raw bytes. A record that is
 * certainly UTF-8 (cr__feed_utf8_line: a line, or all the lines of a record whose quoted field
 * spans them) is kept as it is, and counted once, by its first line; not the header, which says
 * what the file is and is read as declared. The lines of a record of several lines that is not
 * certainly UTF-8 as a whole are judged one by one. */
static cr_err decode_gb(cr_feed *f)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return CR_EIO;
    size_t cap = f->orig_len * 3 / 2 + 16, used = 0;
    char *out = malloc(cap);
    cr_err rc = CR_OK;
    size_t in_off = 0;
    long line = 1;
    /* past the header (the first line that is not blank), which is read as declared */
    int seen_text = f->t->format == CR_FMT_JSONL || !f->t->header;
    size_t judged = 0; /* lines starting before it belong to a record judged already */
    while (out && in_off < f->orig_len) {
        const char *nl = memchr(f->orig + in_off, '\n', f->orig_len - in_off);
        size_t end = nl ? (size_t)(nl - f->orig) + 1 : f->orig_len;
        if (seen_text && in_off >= judged) {
            size_t span = gb_record_span(f, in_off, end - (nl ? 1 : 0));
            if (span && cr__feed_utf8_line(f->orig + in_off, span - in_off))
                end = span; /* one UTF-8 record: copied whole below */
            judged = span;
        }
        size_t n = end - in_off;
        if (cap - used < n * 2 + 4) {
            cap = (cap + n * 2 + 4) * 2;
            char *nb = realloc(out, cap);
            if (!nb) {
                free(out);
                out = NULL;
                break;
            }
            out = nb;
        }
        char *ip = f->orig + in_off, *op = out + used;
        size_t il = n, ol = cap - used;
        if (seen_text && cr__feed_utf8_line(ip, n)) {
            /* every line of the record, the first marked as its start */
            for (size_t k = 0; k < n && !rc; k++) {
                if (k && ip[k - 1] != '\n')
                    continue;
                if (room_for_one((void **)&f->utf8, f->n_utf8, sizeof *f->utf8))
                    rc = CR_ENOMEM;
                else
                    f->utf8[f->n_utf8++] = (struct utf8_line){line++, k > 0};
            }
            if (rc)
                break;
            memcpy(op, ip, n);
            used += n;
            in_off = end;
            continue;
        }
        seen_text = seen_text || !blank_line(ip, 0, nl ? n - 1 : n);
        iconv(cd, NULL, NULL, NULL, NULL);
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
            if (room_for_one((void **)&f->bad, f->n_bad, sizeof *f->bad)) {
                rc = CR_ENOMEM;
                break;
            }
            size_t blen = n - (nl ? 1 : 0);
            if (blen && f->orig[in_off + blen - 1] == '\r')
                blen--;
            f->bad[f->n_bad++] = (struct bad_line){line, in_off, blen};
            op = out + used;
            if (nl)
                *op++ = '\n';
        }
        used = (size_t)(op - out);
        in_off = end;
        line++;
    }
    iconv_close(cd);
    if (!out)
        return CR_ENOMEM;
    if (rc) {
        free(out);
        return rc;
    }
    out[used] = 0;
    f->decoded = out;
    f->text = out;
    f->len = used;
    return CR_OK;
}

/* The undecodable line at line, or NULL. Lines are asked for in increasing order; the cursor
 * only moves past lines already behind the reader. */
static const struct bad_line *bad_at(cr_feed *f, long line)
{
    while (f->i_bad < f->n_bad && f->bad[f->i_bad].line < line)
        f->i_bad++;
    return f->i_bad < f->n_bad && f->bad[f->i_bad].line == line ? &f->bad[f->i_bad] : NULL;
}

/* The first undecodable line in [from, to], or 0. */
static long bad_within(const cr_feed *f, long from, long to)
{
    for (size_t i = f->i_bad; i < f->n_bad && f->bad[i].line <= to; i++)
        if (f->bad[i].line >= from)
            return f->bad[i].line;
    return 0;
}

/* The original bytes of a physical line (without its line end), for messages about encodings. */
static void orig_line(const cr_feed *f, long line, const char **p, size_t *len)
{
    size_t off = 0;
    for (long l = 1; l < line && off < f->orig_len; l++) {
        const char *nl = memchr(f->orig + off, '\n', f->orig_len - off);
        off = nl ? (size_t)(nl - f->orig) + 1 : f->orig_len;
    }
    size_t end = cr__feed_line_end(f->orig, f->orig_len, off);
    if (end > off && f->orig[end - 1] == '\r')
        end--;
    *p = f->orig + off;
    *len = end - off;
}

/* A hint for a header that does not read in the declared encoding but does in the other. */
static const char *encoding_hint(const cr_feed *f, long line)
{
    const char *p;
    size_t n;
    orig_line(f, line, &p, &n);
    if (f->t->gb18030) {
        int ascii = 1;
        for (size_t i = 0; i < n && ascii; i++)
            ascii = (unsigned char)p[i] < 0x80;
        return !ascii && cr_utf8_valid_prefix(p, n) == n
                   ? " (the line reads as UTF-8: is the topic's encoding right?)"
                   : "";
    }
    if (cr_utf8_valid_prefix(p, n) == n)
        return "";
    char *out = NULL;
    size_t ol = 0;
    cr_err rc = cr_gb18030_to_utf8(p, n, &out, &ol, NULL);
    free(out);
    return rc == CR_OK ? " (the line reads as GB18030: declare encoding: gb18030)" : "";
}

/* Makes room for n more scratch bytes. Fields 0..nf-1 already pushed may point into scratch;
 * they are re-pointed after the buffer moves. */
cr_err cr__feed_scratch_reserve(cr_feed *f, size_t n, size_t nf)
{
    if (f->sused + n <= f->scap)
        return CR_OK;
    size_t cap = (f->sused + n) * 2;
    char *nb = realloc(f->scratch, cap);
    if (!nb)
        return CR_ENOMEM;
    f->scratch = nb;
    f->scap = cap;
    for (size_t k = 0; k < nf; k++)
        if (f->foff[k] != SIZE_MAX)
            f->fv[k] = f->scratch + f->foff[k];
    return CR_OK;
}

static void begin_record(cr_feed *f, size_t max_len)
{
    f->sused = 0;
    f->breaks = 0;
    if (f->scap < max_len + 64) {
        free(f->scratch);
        f->scap = max_len + 64;
        f->scratch = malloc(f->scap);
        if (!f->scratch)
            f->scap = 0;
    }
    for (int s = 0; s < f->n_slots; s++)
        f->vlen[s] = 0, f->val[s] = "";
}

cr_err cr__feed_push_field(cr_feed *f, size_t nf, const char *v, size_t len, size_t scratch_off)
{
    if (nf >= f->fcap) {
        size_t cap = f->fcap ? f->fcap * 2 : 32;
        const char **a = realloc(f->fv, cap * sizeof *a);
        if (!a)
            return CR_ENOMEM;
        f->fv = a;
        size_t *b = realloc(f->fl, cap * sizeof *b);
        if (!b)
            return CR_ENOMEM;
        f->fl = b;
        size_t *c = realloc(f->foff, cap * sizeof *c);
        if (!c)
            return CR_ENOMEM;
        f->foff = c;
        f->fcap = cap;
    }
    f->fv[nf] = v;
    f->fl[nf] = len;
    f->foff[nf] = scratch_off;
    return CR_OK;
}

CR_FORMAT(3, 4)
void cr__feed_set_reason(struct cr_feed_rec *rec, const char *reason, const char *fmt, ...)
{
    rec->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rec->detail, sizeof rec->detail, fmt, ap);
    va_end(ap);
}

static cr_err parse_record(cr_feed *f, const char *text, size_t len, size_t pos,
                           struct cr_feed_rec *rec, size_t *end, long *spanned)
{
    rec->reason = NULL;
    rec->detail[0] = 0;
    *spanned = 0;
    /* A byte-order mark inside a file starts a file that was joined to it: dropped as the
     * first one is (rec->raw keeps it). */
    if (len - pos >= 3 && memcmp(text + pos, "\xEF\xBB\xBF", 3) == 0)
        pos += 3;
    size_t le = cr__feed_line_end(text, len, pos);
    begin_record(f, f->t->format == CR_FMT_JSONL ? le - pos + 64 * (size_t)f->n_slots : le - pos);
    if (!f->scratch)
        return CR_ENOMEM;
    if (f->t->format == CR_FMT_JSONL) {
        *end = le;
        size_t l = le - pos;
        if (l && text[pos + l - 1] == '\r')
            l--;
        if (cr_utf8_valid_prefix(text + pos, l) != l) {
            cr__feed_set_reason(rec, "bad_utf8", "invalid UTF-8 at byte %ld of the line",
                                (long)cr_utf8_valid_prefix(text + pos, l) + 1);
            return CR_OK;
        }
        return cr__feed_parse_json(f, text + pos, l, rec);
    }
    size_t nf = 0;
    cr_err rc = cr__feed_split_csv(f, text, len, pos, end, spanned, &nf, rec);
    if (rc)
        return rc;
    int bad_count = f->ncol ? nf != (size_t)f->ncol : nf < (size_t)f->min_cols;
    if (*spanned > 0 && (rec->reason || bad_count)) {
        /* A quote opened on this line ran into the next ones and the record came out wrong:
         * far more often a cut line than a field with line breaks. Quarantine this line
         * alone so the following rows are read on their own. */
        *end = le;
        *spanned = 0;
        cr__feed_set_reason(rec, "unterminated_quote", "a quoted field is not closed on its line");
        return CR_OK;
    }
    if (rec->reason)
        return CR_OK;
    size_t rl = *end - pos;
    if (rl && text[pos + rl - 1] == '\r')
        rl--;
    size_t ok = cr_utf8_valid_prefix(text + pos, rl);
    if (ok != rl) {
        cr__feed_set_reason(rec, "bad_utf8", "invalid UTF-8 at byte %ld of the record",
                            (long)ok + 1);
        return CR_OK;
    }
    if (f->ncol && nf != (size_t)f->ncol) {
        cr__feed_set_reason(rec, "bad_columns", "expected %d columns, found %ld", f->ncol,
                            (long)nf);
        return CR_OK;
    }
    if (!f->ncol && nf < (size_t)f->min_cols) {
        cr__feed_set_reason(rec, "bad_columns", "expected at least %d columns, found %ld",
                            f->min_cols, (long)nf);
        return CR_OK;
    }
    if (cr__feed_is_header(f, nf)) {
        cr__feed_set_reason(rec, "repeated_header",
                            "the row repeats the header (files joined with their headers?)");
        return CR_OK;
    }
    cr__feed_map_csv_values(f, nf);
    return CR_OK;
}

/* Reads the header record and resolves every mapped slot to a column. */
static cr_err read_header(cr_feed *f, cr_diag *d)
{
    const struct cr_topic *t = f->t;
    for (int s = 0; s < f->n_slots; s++) {
        const struct cr_column *c = s < CR__NFIELD ? &t->field[s] : &t->attrs[s - CR__NFIELD];
        f->col[s] = -1;
        if (!c->name && c->index <= 0)
            continue;
        char pos[16];
        snprintf(pos, sizeof pos, "#%d", c->index);
        f->label[s] = strdup(c->name ? c->name : pos);
        if (!f->label[s])
            return CR_ENOMEM;
        if (t->format == CR_FMT_JSONL) {
            if (!c->name)
                return feed_error(f, d, 0, "JSON Lines fields are named; position %s is not", pos);
            f->col[s] = 0; /* marks the slot as mapped */
        } else if (!c->name) {
            f->col[s] = c->index - 1;
            if (c->index > f->min_cols)
                f->min_cols = c->index;
        }
    }
    if (t->format == CR_FMT_JSONL || !t->header)
        return CR_OK;
    /* The header is the first line that is not blank; an undecodable line is not blank (it is
     * an empty line in the decoded text only), so it is a header that does not decode. */
    while (f->pos < f->len && !bad_at(f, f->line)) {
        size_t le = cr__feed_line_end(f->text, f->len, f->pos);
        if (!blank_line(f->text, f->pos, le))
            break;
        f->pos = le < f->len ? le + 1 : le;
        f->line++;
    }
    if (bad_at(f, f->line))
        return feed_error(f, d, f->line, "header is not valid GB18030%s",
                          encoding_hint(f, f->line));
    if (f->pos >= f->len)
        return feed_error(f, d, f->line, "file has no header line");
    struct cr_feed_rec rec;
    size_t end = 0, nf = 0;
    long spanned = 0;
    begin_record(f, cr__feed_line_end(f->text, f->len, f->pos) - f->pos);
    rec.reason = NULL;
    cr_err rc = cr__feed_split_csv(f, f->text, f->len, f->pos, &end, &spanned, &nf, &rec);
    if (rc)
        return rc;
    if (rec.reason)
        return feed_error(f, d, f->line, "header is malformed: %s", rec.detail);
    if (cr_utf8_valid_prefix(f->text + f->pos, end - f->pos) != end - f->pos)
        return feed_error(f, d, f->line, "header is not valid %s%s",
                          t->gb18030 ? "GB18030" : "UTF-8", encoding_hint(f, f->line));
    f->ncol = (int)nf;
    f->head = calloc(nf ? nf : 1, sizeof *f->head);
    f->head_len = calloc(nf ? nf : 1, sizeof *f->head_len);
    f->head_fold = calloc(nf ? nf : 1, sizeof *f->head_fold);
    f->head_fold_len = calloc(nf ? nf : 1, sizeof *f->head_fold_len);
    if (!f->head || !f->head_len || !f->head_fold || !f->head_fold_len)
        return CR_ENOMEM;
    for (size_t k = 0; k < nf; k++) {
        const char *h = f->fv[k];
        size_t hl = f->fl[k];
        cr__feed_trim(&h, &hl);
        if (!(f->head[k] = malloc(hl + 1)))
            return CR_ENOMEM;
        memcpy(f->head[k], h, hl);
        f->head[k][hl] = 0;
        f->head_len[k] = hl;
        char buf[CR__FOLD_MAX];
        size_t n = cr__feed_fold(h, hl, buf);
        if (n == SIZE_MAX) /* a field no folded row can equal: SIZE_MAX never matches */
            n = 0, buf[0] = 0, f->head_fold_len[k] = SIZE_MAX;
        else
            f->head_fold_len[k] = n;
        if (!(f->head_fold[k] = malloc(n + 1)))
            return CR_ENOMEM;
        memcpy(f->head_fold[k], buf, n);
        f->head_fold[k][n] = 0;
    }
    for (int s = 0; s < f->n_slots; s++) {
        const struct cr_column *c = s < CR__NFIELD ? &t->field[s] : &t->attrs[s - CR__NFIELD];
        if (!c->name)
            continue;
        for (size_t k = 0; k < nf; k++) {
            if (f->head_len[k] != strlen(c->name) || memcmp(f->head[k], c->name, f->head_len[k]))
                continue;
            if (f->col[s] >= 0)
                return cr_diag_set(d, CR_EPARSE, f->name, f->line, 0,
                                   "column '%s' mapped by topic %s (catalog line %ld) is in the "
                                   "header twice, at columns %d and %ld: rename one",
                                   c->name, t->code, c->line, f->col[s] + 1, (long)k + 1);
            f->col[s] = (int)k;
        }
        if (f->col[s] < 0) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "column '%s' mapped by topic %s (catalog line %ld) is not in the header%s",
                     c->name, t->code, c->line, encoding_hint(f, f->line));
            return cr_diag_set(d, CR_EPARSE, f->name, f->line, 0, "%s", msg);
        }
    }
    f->line += 1 + spanned;
    f->pos = end < f->len ? end + 1 : end;
    return CR_OK;
}

/* 1 when the n bytes at b are UTF-16 with a byte-order mark: the mark, then a line feed as a
 * whole code unit (0A 00, or 00 0A, at an even offset; a 0A byte may be half of a character, as
 * in 上 U+4E0A), or no line feed and an even length. A title line that merely starts with FF FE
 * is not (its line feed is a single byte). */
static int utf16(const unsigned char *b, size_t n)
{
    int le = n >= 2 && b[0] == 0xFF && b[1] == 0xFE, be = n >= 2 && b[0] == 0xFE && b[1] == 0xFF;
    if (!le && !be)
        return 0;
    int any_lf = 0;
    for (size_t i = 2; i + 1 < n; i += 2) {
        if ((le ? b[i] : b[i + 1]) == '\n' && (le ? b[i + 1] : b[i]) == 0)
            return 1;
        any_lf |= b[i] == '\n' || b[i + 1] == '\n';
    }
    return !any_lf && n % 2 == 0;
}

/* 1 when the text's lines end with CR alone (old Mac files): no line feed outside a quoted CSV
 * field, and a CR outside one with text after it other than another CR. A quote opens a field
 * only at its start, as csv.c reads it (12" pipe is data), and "" inside a quoted field is a
 * quote; JSON Lines has no quoted line breaks, so any line feed there is a line end. Scans up to
 * the first line feed outside quotes: the end of the first line of an LF or CRLF file. */
static int cr_only(const char *p, size_t n, int csv, char delim)
{
    int quoted = 0, field_start = 1, cr_break = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (quoted) {
            if (c == '"' && i + 1 < n && p[i + 1] == '"')
                i++;
            else if (c == '"')
                quoted = 0;
            continue;
        }
        if (c == '\n')
            return 0;
        if (csv && c == '"' && field_start) {
            quoted = 1;
            field_start = 0;
            continue;
        }
        if (c == '\r')
            cr_break |= i + 1 < n && p[i + 1] != '\r' && p[i + 1] != '\n';
        field_start = c == '\r' || c == delim;
    }
    return cr_break;
}

static cr_err open_common(cr_feed *f, cr_diag *d)
{
    const struct cr_topic *t = f->t;
    f->hash = (int64_t)cr_hash64(f->orig, f->orig_len, 0x63726973u);
    f->line = 1;
    /* Two forms a department's export may take that crisk does not read, said as such (read on,
     * they would be "not valid UTF-8" or a missing column). */
    const unsigned char *b = (const unsigned char *)f->orig;
    size_t first = cr__feed_line_end(f->orig, f->orig_len, 0);
    if (f->orig_len >= 4 &&
        (memcmp(b, "\xFF\xFE\0\0", 4) == 0 || memcmp(b, "\0\0\xFE\xFF", 4) == 0))
        return feed_error(f, d, 1,
                          "the file is UTF-32 (byte-order mark %02X %02X %02X %02X): crisk reads "
                          "UTF-8 and GB18030 (topic %s, catalog line %ld, says which); save it as "
                          "one of them",
                          b[0], b[1], b[2], b[3], t->code, t->line);
    if (utf16(b, f->orig_len))
        return feed_error(
            f, d, 1,
            "the file is UTF-16 (byte-order mark %02X %02X): crisk reads UTF-8 and "
            "GB18030 (topic %s, catalog line %ld, says which); save it as one of them",
            b[0], b[1], t->code, t->line);
    if (t->format == CR_FMT_CSV && t->header && memchr(f->orig, 0, first)) /* the header */
        return feed_error(f, d, 1,
                          "the first line holds NUL bytes: the file is UTF-16 without a "
                          "byte-order mark, or not text; crisk reads UTF-8 and GB18030");
    if (cr_only(f->orig, f->orig_len, t->format == CR_FMT_CSV, t->delimiter))
        return feed_error(f, d, 1,
                          "the file's lines end with a carriage return alone (CR, as old Mac "
                          "files did): save it with LF or CRLF line ends");
    if (t->gb18030 && f->orig_len >= 3 && memcmp(f->orig, "\xEF\xBB\xBF", 3) == 0)
        return feed_error(f, d, 1,
                          "the file starts with a UTF-8 byte-order mark, but topic %s (catalog "
                          "line %ld) declares encoding gb18030: the file is UTF-8",
                          t->code, t->line);
    if (t->gb18030) {
        cr_err rc = decode_gb(f);
        if (rc)
            return rc;
    } else {
        f->text = f->orig;
        f->len = f->orig_len;
    }
    if (f->len >= 3 && memcmp(f->text, "\xEF\xBB\xBF", 3) == 0) {
        f->text += 3;
        f->len -= 3;
    }
    f->n_slots = CR__NFIELD + (int)t->n_attrs;
    size_t n = (size_t)f->n_slots;
    f->col = calloc(n, sizeof *f->col);
    f->label = calloc(n, sizeof *f->label);
    f->val = calloc(n, sizeof *f->val);
    f->vlen = calloc(n, sizeof *f->vlen);
    if (!f->col || !f->label || !f->val || !f->vlen)
        return CR_ENOMEM;
    cr_err rc = read_header(f, d);
    f->body_pos = f->pos;
    f->body_line = f->line;
    return rc;
}

/* Read buffers of closed feeds kept for the next feeds while an ingest runs
 * (cr_feed_spares_keep): a fresh buffer costs a page fault per 4 KiB written into it, and a full
 * city reads 7.3 GB (bench/README.md, Session 10). At most N_SPARES buffers of SPARE_MIN bytes or
 * more, SPARES_MAX bytes in all (those lent to open feeds counted), the larger kept first; a file
 * takes the smallest that holds it, however much larger (its pages are in memory already: a small
 * file in a large buffer costs no more memory than the buffer kept unused). The largest topics are
 * read first (parallel.c), so the first buffers serve all the files after them; a rule that a file
 * must need at least half of a buffer left the pool holding only the largest ones while 5.5 of the
 * full city's 7.2 GB were read into fresh memory (bench/README.md, Session 16). Under
 * AddressSanitizer the bytes past a file's end stay poisoned, so that a read beyond it is caught as
 * in a buffer of its own. */
#if defined(__SANITIZE_ADDRESS__)
#define FEED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FEED_ASAN 1
#endif
#endif
#ifdef FEED_ASAN
#include <sanitizer/asan_interface.h>
#define TAIL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define TAIL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define TAIL_POISON(p, n) ((void)(p), (void)(n))
#define TAIL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif
enum { N_SPARES = 4, SPARE_MIN = 1 << 20 };
#define SPARES_MAX ((size_t)1 << 30)
static pthread_mutex_t spare_mu = PTHREAD_MUTEX_INITIALIZER;
static int spare_users; /* ingests running (cr_feed_spares_keep) */
static struct {
    char *p;
    size_t cap;
} spares[N_SPARES];
static size_t spares_lent; /* bytes of kept buffers now read into by a feed */

/* A buffer of at least need bytes into f->orig: the smallest kept one that fits, else a new
 * one. 0, or -1 when memory ran out. */
static int orig_alloc(cr_feed *f, size_t need)
{
    int best = -1;
    pthread_mutex_lock(&spare_mu);
    for (int i = 0; need >= SPARE_MIN && i < N_SPARES; i++)
        if (spares[i].p && spares[i].cap >= need && (best < 0 || spares[i].cap < spares[best].cap))
            best = i;
    if (best >= 0) {
        f->orig = spares[best].p;
        f->orig_cap = spares[best].cap;
        f->orig_lent = 1;
        spares_lent += spares[best].cap;
        spares[best].p = NULL;
    }
    pthread_mutex_unlock(&spare_mu);
    if (best < 0) {
        f->orig = cr_bigbuf(need); /* no page fault per 4 KiB of the read */
        f->orig_cap = need;
    }
    if (f->orig)
        TAIL_POISON(f->orig + need, f->orig_cap - need);
    return f->orig ? 0 : -1;
}

/* Keeps p (cap bytes) for a later feed while an ingest runs, in place of smaller kept buffers
 * when the total would pass SPARES_MAX, or frees it. */
static void orig_release(char *p, size_t cap, int lent)
{
    if (!p)
        return;
    TAIL_UNPOISON(p, cap);
    pthread_mutex_lock(&spare_mu);
    spares_lent -= lent ? cap : 0;
    for (; spare_users && cap >= SPARE_MIN && cap <= SPARES_MAX;) {
        size_t total = cap + spares_lent;
        int free_slot = -1, smallest = -1;
        for (int i = 0; i < N_SPARES; i++) {
            if (!spares[i].p) {
                free_slot = i;
                continue;
            }
            total += spares[i].cap;
            if (smallest < 0 || spares[i].cap < spares[smallest].cap)
                smallest = i;
        }
        if (free_slot >= 0 && total <= SPARES_MAX) {
            spares[free_slot].p = p;
            spares[free_slot].cap = cap;
            p = NULL;
            break;
        }
        if (smallest < 0 || spares[smallest].cap >= cap)
            break; /* p is the smallest: it goes */
        cr_bigfree(spares[smallest].p, spares[smallest].cap);
        spares[smallest].p = NULL;
    }
    pthread_mutex_unlock(&spare_mu);
    cr_bigfree(p, cap);
}

void cr_feed_spares_keep(int on)
{
    pthread_mutex_lock(&spare_mu);
    spare_users += on ? 1 : -1;
    if (spare_users <= 0) {
        spare_users = 0;
        for (int i = 0; i < N_SPARES; i++) {
            cr_bigfree(spares[i].p, spares[i].cap);
            spares[i].p = NULL;
        }
    }
    pthread_mutex_unlock(&spare_mu);
}

size_t cr__feed_spares_bytes(void)
{
    size_t n = 0;
    pthread_mutex_lock(&spare_mu);
    for (int i = 0; i < N_SPARES; i++)
        n += spares[i].p ? spares[i].cap : 0;
    pthread_mutex_unlock(&spare_mu);
    return n;
}

cr_err cr_feed_open_buf(const char *name, const void *buf, size_t len, const struct cr_topic *t,
                        cr_feed **out, cr_diag *d)
{
    cr_feed *f = calloc(1, sizeof *f);
    if (!f)
        return CR_ENOMEM;
    f->t = t;
    f->name = strdup(name);
    cr_err rc = CR_ENOMEM;
    if (f->name && !orig_alloc(f, len + 1)) {
        memcpy(f->orig, buf, len);
        f->orig[len] = 0;
        f->orig_len = len;
        rc = open_common(f, d);
    }
    if (rc) {
        cr_feed_close(f);
        return rc;
    }
    *out = f;
    return CR_OK;
}

/* Reads the f->orig_len bytes of fd into f->orig (NUL-terminated). Read, not mapped: a mapped
 * file cut by another process kills the reader with SIGBUS at the first page past its new end,
 * and a copy is also the snapshot the fingerprint describes. The cost is memory of the file's
 * size while it is read (ingest checks afterwards that the file did not change, ingest.c). */
static cr_err read_all(int fd, const char *path, cr_feed *f, cr_diag *d)
{
    if (orig_alloc(f, f->orig_len + 1))
        return CR_ENOMEM;
    size_t got = 0;
    while (got < f->orig_len) {
        ssize_t n = pread(fd, f->orig + got, f->orig_len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cr_diag_set(d, CR_EIO, path, 0, 0, "cannot read feed: %s", strerror(errno));
        if (n == 0)
            return cr_diag_set(d, CR_EIO, path, 0, 0,
                               "feed changed while it was read: %zu bytes, then only %zu",
                               f->orig_len, got);
        got += (size_t)n;
    }
    f->orig[got] = 0;
    return CR_OK;
}

cr_err cr_feed_open(const char *path, const struct cr_topic *t, cr_feed **out, cr_diag *d)
{
    /* Non-blocking: a FIFO opens at once (and is refused below) instead of waiting for a
     * writer forever. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return cr_diag_set(d, CR_EIO, path, 0, 0, "cannot open feed: %s", strerror(errno));
    struct stat st;
    cr_feed *f = NULL;
    cr_err rc = CR_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = cr_diag_set(d, CR_EIO, path, 0, 0,
                         "not a regular file (a folder, FIFO or device): a feed is read whole "
                         "from a file");
        goto out;
    }
    if (!(f = calloc(1, sizeof *f))) {
        rc = CR_ENOMEM;
        goto out;
    }
    f->t = t;
    f->orig_len = (size_t)st.st_size;
    if ((rc = read_all(fd, path, f, d)))
        goto out;
    f->name = strdup(path);
    rc = f->name ? open_common(f, d) : CR_ENOMEM;
out:
    close(fd);
    if (rc)
        cr_feed_close(f);
    else
        *out = f;
    return rc;
}

void cr_feed_close(cr_feed *f)
{
    if (!f)
        return;
    if (f->label)
        for (int s = 0; s < f->n_slots; s++)
            free(f->label[s]);
    free(f->label);
    if (f->head)
        for (int k = 0; k < f->ncol; k++)
            free(f->head[k]);
    free(f->head);
    free(f->head_len);
    if (f->head_fold)
        for (int k = 0; k < f->ncol; k++)
            free(f->head_fold[k]);
    free(f->head_fold);
    free(f->head_fold_len);
    free(f->col);
    free(f->val);
    free(f->vlen);
    free(f->fv);
    free(f->fl);
    free(f->foff);
    free(f->scratch);
    free(f->bad);
    free(f->utf8);
    free(f->decoded);
    free(f->one);
    orig_release(f->orig, f->orig_cap, f->orig_lent);
    free(f->name);
    free(f);
}

int64_t cr_feed_size(const cr_feed *f)
{
    return (int64_t)f->orig_len;
}

int64_t cr_feed_utf8_lines(const cr_feed *f)
{
    return f->utf8_read;
}

long cr_feed_utf8_first(const cr_feed *f, long from)
{
    for (size_t i = 0; i < f->n_utf8; i++) /* in order: the first one at or after from */
        if (f->utf8[i].line >= from)
            return f->utf8[i].line;
    return 0;
}

int64_t cr_feed_hash(const cr_feed *f)
{
    return f->hash;
}

int cr_feed_extends(const cr_feed *f, int64_t len, int64_t hash)
{
    if (len <= 0 || (uint64_t)len >= f->orig_len || f->orig[len - 1] != '\n')
        return 0;
    return (int64_t)cr_hash64(f->orig, (size_t)len, 0x63726973u) == hash;
}

cr_err cr_feed_seek(cr_feed *f, int64_t offset, long line)
{
    (void)offset; /* a hint only: the text may be shorter or longer than when it was stored */
    if (line < 1)
        return CR_EINVAL;
    if (line < f->body_line) /* the header is never a row: a header-only file grown by rows */
        line = f->body_line;
    size_t at = 0; /* the start of physical line `line` */
    for (long l = 1; l < line && at < f->len; l++)
        at = cr__feed_line_end(f->text, f->len, at) + 1;
    f->pos = at < f->len ? at : f->len;
    f->line = line;
    f->i_bad = 0;
    while (f->i_bad < f->n_bad && f->bad[f->i_bad].line < line)
        f->i_bad++;
    /* a resumed file's count is the file's, as its reads: the records before line */
    f->i_utf8 = 0;
    f->utf8_read = 0;
    for (; f->i_utf8 < f->n_utf8 && f->utf8[f->i_utf8].line < line; f->i_utf8++)
        f->utf8_read += !f->utf8[f->i_utf8].cont;
    return CR_OK;
}

int cr_feed_line_breaks(const cr_feed *f)
{
    return f->breaks;
}

void cr_feed_tell(const cr_feed *f, int64_t *offset, long *line)
{
    *offset = (int64_t)f->pos;
    *line = f->line;
}

cr_err cr_feed_next(cr_feed *f, struct cr_feed_rec *rec)
{
    for (;;) {
        /* An undecodable line is an empty line in the text, possibly the last one without a
         * line end: it is asked for by number before the text is looked at. */
        const struct bad_line *b = bad_at(f, f->line);
        if (b) {
            rec->line = f->line;
            rec->raw = f->orig + b->off;
            rec->raw_len = b->len;
            rec->reason = "bad_encoding";
            snprintf(rec->detail, sizeof rec->detail, "line is not valid GB18030");
            if (f->pos < f->len) {
                size_t le = cr__feed_line_end(f->text, f->len, f->pos);
                f->pos = le < f->len ? le + 1 : le;
            }
            f->line++;
            rec->next_offset = (int64_t)f->pos;
            rec->next_line = f->line;
            begin_record(f, 0);
            return CR_OK;
        }
        if (f->pos >= f->len)
            return CR_ENOTFOUND;
        size_t le = cr__feed_line_end(f->text, f->len, f->pos);
        if (!blank_line(f->text, f->pos, le))
            break;
        f->pos = le < f->len ? le + 1 : le;
        f->line++;
    }
    size_t end = 0;
    long spanned = 0;
    rec->line = f->line;
    cr_err rc = parse_record(f, f->text, f->len, f->pos, rec, &end, &spanned);
    if (rc)
        return rc;
    long bad = spanned > 0 ? bad_within(f, f->line + 1, f->line + spanned) : 0;
    if (bad) {
        /* A quoted field ran over a line that does not decode (an empty line in the text):
         * the record cannot be whole. As for any quote that runs on, only this line is
         * quarantined and the undecodable line is read as a record of its own. */
        end = cr__feed_line_end(f->text, f->len, f->pos);
        spanned = 0;
        for (int s = 0; s < f->n_slots; s++)
            f->vlen[s] = 0, f->val[s] = "";
        cr__feed_set_reason(
            rec, "unterminated_quote",
            "a quoted field is not closed on its line (it runs into line %ld, which is "
            "not valid GB18030)",
            bad);
    }
    size_t rl = end - f->pos;
    if (rl && f->text[f->pos + rl - 1] == '\r')
        rl--;
    rec->raw = f->text + f->pos;
    rec->raw_len = rl;
    /* a record starting on such a line: also on a continuation line, when the reader cut a bad
     * record of several lines back to its first and goes on from the next */
    while (f->i_utf8 < f->n_utf8 && f->utf8[f->i_utf8].line < rec->line)
        f->i_utf8++;
    if (f->i_utf8 < f->n_utf8 && f->utf8[f->i_utf8].line == rec->line)
        f->utf8_read++;
    f->line += 1 + spanned;
    f->pos = end < f->len ? end + 1 : end;
    rec->next_offset = (int64_t)f->pos;
    rec->next_line = f->line;
    return CR_OK;
}

void cr_feed_rewind(cr_feed *f)
{
    f->pos = f->body_pos;
    f->line = f->body_line;
    f->i_bad = 0;
    f->i_utf8 = 0;
    f->utf8_read = 0;
}

void cr_feed_set_value(cr_feed *f, int slot, const char *val, size_t len)
{
    if (slot >= 0 && slot < f->n_slots) {
        f->val[slot] = val;
        f->vlen[slot] = len;
    }
}

cr_err cr_feed_parse_one(cr_feed *f, const char *text, size_t len, struct cr_feed_rec *rec)
{
    size_t end = 0;
    long spanned = 0;
    rec->line = 0;
    rec->raw = text;
    rec->raw_len = len;
    rec->next_line = 0;
    cr_err rc = parse_record(f, text, len, 0, rec, &end, &spanned);
    rec->next_offset = (int64_t)end;
    return rc;
}

cr_err cr_feed_parse_orig(cr_feed *f, const char *bytes, size_t len, struct cr_feed_rec *rec)
{
    if (!f->t->gb18030 || cr__feed_utf8_line(bytes, len)) /* as the reader reads it */
        return cr_feed_parse_one(f, bytes, len, rec);
    free(f->one);
    f->one = NULL;
    size_t ul = 0;
    cr_err rc = cr_gb18030_to_utf8(bytes, len, &f->one, &ul, NULL);
    if (rc == CR_OK)
        return cr_feed_parse_one(f, f->one, ul, rec);
    if (rc != CR_EENCODING)
        return rc;
    *rec = (struct cr_feed_rec){.raw = bytes, .raw_len = len, .reason = "bad_encoding"};
    snprintf(rec->detail, sizeof rec->detail, "line is not valid GB18030");
    begin_record(f, 0);
    return f->scratch ? CR_OK : CR_ENOMEM;
}

void cr_feed_value(const cr_feed *f, int slot, const char **val, size_t *len)
{
    if (slot < 0 || slot >= f->n_slots) {
        *val = "";
        *len = 0;
        return;
    }
    *val = f->val[slot];
    *len = f->vlen[slot];
    if (*len && cr_topic_null(f->t, *val, *len))
        *len = 0; /* a null token is a missing value (docs/catalog.md) */
}

const char *cr_feed_null_token(const cr_feed *f, int slot, size_t *len)
{
    if (slot < 0 || slot >= f->n_slots || !f->vlen[slot] ||
        !cr_topic_null(f->t, f->val[slot], f->vlen[slot]))
        return NULL;
    *len = f->vlen[slot];
    return f->val[slot];
}

const char *cr_feed_slot_label(const cr_feed *f, int slot)
{
    return slot >= 0 && slot < f->n_slots && f->label[slot] ? f->label[slot] : "?";
}
