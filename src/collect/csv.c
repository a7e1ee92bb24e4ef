#include "crisk/feed.h"

#include <stdint.h>
#include <string.h>

#include "crisk/text.h"
#include "feed_internal.h"

/* After a closing quote at p - 1: past the CRs that end the line with the LF after them (CRLF,
 * or CR CR LF as a file converted twice has it) or with the end of the text; p otherwise. */
static size_t line_end_crs(const char *text, size_t len, size_t p)
{
    size_t r = p;
    while (r < len && text[r] == '\r')
        r++;
    return r > p && (r == len || text[r] == '\n') ? r : p;
}

/* The offset of the quote closing a quoted field whose text starts at q ("" inside is a quote,
 * and sets *escaped), or len when nothing closes it. */
static size_t closing_quote(const char *text, size_t len, size_t q, int *escaped)
{
    while (q < len) {
        const char *hit = memchr(text + q, '"', len - q);
        if (!hit)
            break;
        size_t h = (size_t)(hit - text);
        if (h + 1 < len && text[h + 1] == '"') {
            *escaped = 1;
            q = h + 2;
            continue;
        }
        return h;
    }
    return len;
}

/* Splits the CSV record that starts at pos in text[0..len) into fields. Sets *end to the offset
 * of the record's terminating newline (or len) and counts the newlines it spans. */
cr_err cr__feed_split_csv(cr_feed *f, const char *text, size_t len, size_t pos, size_t *end,
                          long *spanned, size_t *nf_out, struct cr_feed_rec *rec)
{
    const char delim = f->t->delimiter;
    size_t nf = 0, p = pos;
    long nl_count = 0;
    cr_err rc;
    for (;;) {
        if (p < len && text[p] == '"') {
            size_t out = f->sused;
            int escaped = 0;
            size_t q = closing_quote(text, len, p + 1, &escaped);
            if (q == len) {
                *end = cr__feed_line_end(text, len, pos);
                *nf_out = nf;
                cr__feed_set_reason(rec, "unterminated_quote",
                                    "a quoted field opened at column %ld is never closed",
                                    (long)nf + 1);
                return CR_OK;
            }
            /* A line break inside the field is stored as LF whichever the file wrote, so that
             * the CRLF and LF copies of a file store (and hash) the same values; the CRs before
             * an LF go with it (CR CR LF: a file converted twice). */
            int crlf = 0;
            for (size_t k = p + 1; k < q; k++)
                if (text[k] == '\n') {
                    nl_count++;
                    f->breaks = 1;
                    crlf |= text[k - 1] == '\r';
                }
            if (!escaped && !crlf) {
                rc = cr__feed_push_field(f, nf++, text + p + 1, q - p - 1, SIZE_MAX);
            } else {
                if (cr__feed_scratch_reserve(f, q - p, nf))
                    return CR_ENOMEM;
                for (size_t k = p + 1; k < q; k++) {
                    size_t cr = k;
                    while (cr < q && text[cr] == '\r')
                        cr++;
                    if (cr > k && cr < q && text[cr] == '\n') {
                        k = cr - 1; /* the LF is copied next */
                        continue;
                    }
                    f->scratch[out++] = text[k];
                    if (text[k] == '"')
                        k++;
                }
                rc = cr__feed_push_field(f, nf++, f->scratch + f->sused, out - f->sused, f->sused);
                f->sused = out;
            }
            if (rc)
                return rc;
            p = line_end_crs(text, len, q + 1);
            if (p < len && text[p] != delim && text[p] != '\n') {
                *end = cr__feed_line_end(text, len, p);
                *nf_out = nf;
                cr__feed_set_reason(rec, "bad_quote",
                                    "text follows the closing quote of column %ld", (long)nf);
                *spanned = nl_count;
                return CR_OK;
            }
        } else {
            size_t q = p;
            while (q < len && text[q] != delim && text[q] != '\n')
                q++;
            size_t vl = q - p;
            if (q < len && text[q] == '\n' && vl && text[q - 1] == '\r')
                vl--;
            if ((rc = cr__feed_push_field(f, nf++, text + p, vl, SIZE_MAX)))
                return rc;
            p = q;
        }
        if (p < len && text[p] == delim) {
            p++;
            continue;
        }
        break;
    }
    *end = p;
    *spanned = nl_count;
    *nf_out = nf;
    return CR_OK;
}

size_t cr__feed_csv_record_end(const char *text, size_t len, size_t pos, char delim)
{
    size_t p = pos;
    for (;;) {
        if (p < len && text[p] == '"') {
            int escaped = 0;
            size_t q = closing_quote(text, len, p + 1, &escaped);
            if (q == len)
                return cr__feed_line_end(text, len, pos); /* unterminated_quote */
            p = line_end_crs(text, len, q + 1);
            if (p < len && text[p] != delim && text[p] != '\n')
                return cr__feed_line_end(text, len, p); /* bad_quote */
        } else {
            while (p < len && text[p] != delim && text[p] != '\n')
                p++;
        }
        if (p < len && text[p] == delim) {
            p++;
            continue;
        }
        return p;
    }
}

void cr__feed_trim(const char **v, size_t *len)
{
    while (*len && ((*v)[0] == ' ' || (*v)[0] == '\t'))
        (*v)++, (*len)--;
    while (*len && ((*v)[*len - 1] == ' ' || (*v)[*len - 1] == '\t' || (*v)[*len - 1] == '\r'))
        (*len)--;
}

void cr__feed_map_csv_values(cr_feed *f, size_t nf)
{
    for (int s = 0; s < f->n_slots; s++) {
        int c = f->col[s];
        if (c >= 0 && (size_t)c < nf) {
            const char *v = f->fv[c];
            size_t l = f->fl[c];
            cr__feed_trim(&v, &l);
            f->val[s] = v;
            f->vlen[s] = l;
        }
    }
}

size_t cr__feed_fold(const char *v, size_t len, char out[CR__FOLD_MAX])
{
    if (len > CR__FOLD_MAX)
        return SIZE_MAX;
    size_t n = cr_halfwidth(v, len, out);
    for (size_t i = 0; i < n; i++)
        if (out[i] >= 'A' && out[i] <= 'Z')
            out[i] = (char)(out[i] - 'A' + 'a');
    const char *t = out;
    cr__feed_trim(&t, &n);
    memmove(out, t, n);
    return n;
}

/* 1 when the record's nf fields equal the header's, each trimmed; with fold, equal once both
 * are folded (a joined file whose header was written in full-width forms or another case). */
static int same_as_header(const cr_feed *f, size_t nf, int fold)
{
    for (size_t k = 0; k < nf; k++) {
        const char *v = f->fv[k];
        size_t l = f->fl[k];
        cr__feed_trim(&v, &l);
        if (!fold) {
            if (l != f->head_len[k] || memcmp(v, f->head[k], l) != 0)
                return 0;
            continue;
        }
        char buf[CR__FOLD_MAX];
        size_t n = cr__feed_fold(v, l, buf);
        if (n == SIZE_MAX || n != f->head_fold_len[k] || memcmp(buf, f->head_fold[k], n) != 0)
            return 0;
    }
    return 1;
}

int cr__feed_is_header(const cr_feed *f, size_t nf)
{
    if (!f->head || nf != (size_t)f->ncol)
        return 0;
    return same_as_header(f, nf, 0) || (f->head_fold && same_as_header(f, nf, 1));
}
