/* Text and value parsing for department feeds: dates, money, UTF-8, NFKC and GB18030.
 * Every parser takes (pointer, length) so fields can be parsed in place inside a mapped file. */
#ifndef CRISK_TEXT_H
#define CRISK_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"

/* Days since 1970-01-01 for a proleptic Gregorian date; valid for years 1..9999. */
int32_t cr_days_from_civil(int y, int m, int d);
/* Inverse of cr_days_from_civil. */
void cr_civil_from_days(int32_t day, int *y, int *m, int *d);
/* Writes "YYYY-MM-DD" and a NUL into out (11 bytes). */
void cr_day_format(int32_t day, char out[11]);

/* The UTC offset, in minutes, of the time zone a catalog's days are in when it names none
 * (docs/catalog.md 'time_zone'): Asia/Shanghai, UTC+8, a configurable default. */
#define CR_ZONE_DEFAULT_MIN 480

/* Parses a date as departments write it: 2021-11-04, 2021/11/4, 20211104, 2021年11月4日,
 * 2021.11.04, each optionally followed by a time (" 08:30", "T08:30:00.5", " 8时30分",
 * " 9:05 PM"; hour 0-23 or 1-12 with AM/PM, minute and second 0-59) and a zone (Z, UTC, +08:00,
 * -0500): a time with a zone is moved into CR_ZONE_DEFAULT_MIN, which can change its day.
 * Full-width digits and separators are accepted. Surrounding spaces are ignored.
 * Returns CR_EINVAL for anything else (25:00, 10:61), CR_ERANGE for an impossible calendar date
 * (2021-02-30) or a year outside 1900..2100. *day is written only on success. */
cr_err cr_date_parse(const char *s, size_t len, int32_t *day) CR_MUST_USE;

/* Today's day number in CR_ZONE_DEFAULT_MIN's zone (China's date), from the clock. */
int32_t cr_day_today(void);

/* How much of the calendar a date value names: a day, or a period (docs/catalog.md "Dates"). */
typedef enum cr_date_prec { CR_DATE_DAY = 0, CR_DATE_MONTH, CR_DATE_YEAR } cr_date_prec;

struct cr_date {
    int32_t day;       /* the day; for a period its last day, or its first (period_start) */
    cr_date_prec prec; /* CR_DATE_DAY, or the length of the period */
    int year, month;   /* the period: month 0 for a year */
};

/* Reads a date or a period. With pattern NULL: the forms of cr_date_parse, a 14-digit compact
 * date and time (20170117095523), and the periods 2017, 2017年 (a year), 201712, 2017-06,
 * 2017/6, 2017.6, 2019年7月 (a month); a number with a zero fraction (2017.0, 20171231.0) is
 * read as its integer. With a pattern (checked by cr_date_pattern_check): the value must match
 * it, byte by byte outside directives (a space matches one or more), and may be followed by a
 * time as in cr_date_parse; a pattern without %d reads a month, without a month a year.
 * period_start = 1 dates a period by its first day, else by its last (the day it is complete:
 * nothing about 2017 is known before 2017 ends). A time with a zone is moved into zone_min (the
 * catalog's UTC offset in minutes), which can change the day. Returns CR_EINVAL for anything
 * else, CR_ERANGE for an impossible date or a year outside 1900..2100. *out is written only on
 * success. */
cr_err cr_date_read(const char *s, size_t len, const char *pattern, int period_start, int zone_min,
                    struct cr_date *out) CR_MUST_USE;

/* Checks a date pattern: directives %Y (4 digits, required) %m (1-2 digits) %b (an English
 * month name or exactly its first three letters: not "Sept") %d %H %M %S (1-2 digits) %p (AM/PM)
 * %%; any other byte is literal. Returns CR_EINVAL with *why (a static sentence) for an unknown or
 * repeated directive, no %Y, a day without a month or a time without a day. */
cr_err cr_date_pattern_check(const char *pattern, const char **why) CR_MUST_USE;

/* Returns 1 when s is a date relative to a moment the value does not carry (4小时前, 昨天,
 * 3 days ago): such a value cannot be dated. */
int cr_date_relative(const char *s, size_t len);

/* Writes a period as "2017" or "2017-06" (NUL-terminated, at most 8 bytes); a day's month. */
void cr_date_period_format(const struct cr_date *d, char out[8]);

/* Parses an amount of money to int64 fen (分): optional sign or parentheses for negatives (红字),
 * optional ¥/￥ prefix, thousand separators (, or full-width ，) only between groups of three
 * digits after a leading group that does not start with 0 (1,234,567.89; not 1,5 or 12,,3 or
 * 0,123), decimals, and a unit suffix 元 (default) or 万元 / 万, after spaces or none, then 整
 * (5.00元整). The value must be whole fen: digits past the fen that are not zeros (1.005,
 * 1.2345678万) are refused, never rounded. Full-width digits are accepted. Returns CR_EINVAL
 * for anything else, CR_ERANGE on overflow. */
cr_err cr_amount_parse(const char *s, size_t len, int64_t *fen) CR_MUST_USE;

/* A code or numeric key as a spreadsheet writes a number: "7513.0" and "7513.00" are "7513".
 * Returns the length of s without its fraction when s is ASCII digits, a point and only zeros;
 * else len (a fraction that is not zero is never dropped). */
size_t cr_zero_fraction_len(const char *s, size_t len);

/* Returns the length of the longest valid UTF-8 prefix of s (rejecting overlong forms,
 * surrogates and code points above U+10FFFF). s is valid when the result equals len. */
size_t cr_utf8_valid_prefix(const char *s, size_t len);

/* Maps full-width ASCII and the ideographic space to half-width, in place semantics on a copy:
 * writes at most len bytes to out (the result is never longer) and returns the new length. */
size_t cr_halfwidth(const char *s, size_t len, char *out);

/* NFKC-normalises valid UTF-8 s (utf8proc) and stores a malloc'd NUL-terminated result in *out;
 * the caller frees it with free(). Pure-ASCII input is copied without calling utf8proc.
 * Returns CR_EENCODING for invalid UTF-8, CR_ENOMEM on allocation failure. */
cr_err cr_nfkc(const char *s, size_t len, char **out, size_t *out_len) CR_MUST_USE;

/* Returns 1 when NFKC certainly leaves s unchanged: only printable ASCII and CJK Unified
 * Ideographs U+4E00..U+9FFF, the bulk of department text. 0 means "call cr_nfkc". */
int cr_nfkc_stable(const char *s, size_t len);

/* Converts GB18030 bytes to UTF-8 (glibc iconv). On success *out is malloc'd (free with free()),
 * NUL-terminated, and *out_len its length. On an invalid sequence returns CR_EENCODING and sets
 * *bad_offset (if not NULL) to the byte offset of the first bad input byte. */
cr_err cr_gb18030_to_utf8(const char *s, size_t len, char **out, size_t *out_len,
                          size_t *bad_offset) CR_MUST_USE;

/* Converts UTF-8 to GB18030; used by the generator to write some departments' files the way
 * they really arrive. Same ownership and errors as cr_gb18030_to_utf8. */
cr_err cr_utf8_to_gb18030(const char *s, size_t len, char **out, size_t *out_len) CR_MUST_USE;

/* Masks a person's name for display, the one rule of every view (warnings, the portrait): the
 * first character, '*', and the last when the name has three or more (张小三 → 张*三, 欧阳小风 →
 * 欧*风); "张*" for two; "*" for one or none. out: at least 64 bytes. */
void cr_mask_name(const char *name, char *out, size_t cap);

/* The room a cr_text_problem message needs, its NUL included. */
#define CR_TEXT_WHY_CAP 160
/* What keeps t[0..len) from being a visible, single-line text (docs/draw.md "The seed": a seed,
 * a redraw's reason and by, a user name): empty; longer than max_bytes; not UTF-8; a character
 * that shows as nothing or moves what is seen — a control (Cc, NUL included), a format character
 * (Cf: zero-width, bidirectional marks and overrides, the byte order mark), a line or paragraph
 * separator (U+2028, U+2029), a space other than the ASCII space, a variation selector (U+FE00-
 * FE0F, U+E0100-E01EF, the Mongolian ones), the combining grapheme joiner U+034F, a tag
 * character (U+E0000-E007F) or another default-ignorable code point; an ASCII space at either
 * end; or, when nfkc, a text NFKC would change. NULL when nothing is; else an English phrase,
 * either static or written into why (which is then returned), naming the code point and the
 * character and byte where it is ("it holds U+2028, a line or paragraph separator, at
 * character 3 (byte 3)"). Thread-safe (why is the caller's). */
const char *cr_text_problem(const char *t, size_t len, size_t max_bytes, int nfkc,
                            char why[CR_TEXT_WHY_CAP]);

/* What keeps t[0..len) from being a note (a task step's, shown on pages and terminals): not
 * UTF-8, or a character that hides or reorders what is seen — a control character other than
 * tab and line breaks, a format character (zero-width, bidirectional marks and overrides), a
 * line or paragraph separator, a tag character. Spaces of any width and variation selectors
 * (an emoji's) are kept. NULL when nothing is; else a phrase as cr_text_problem's, naming the
 * code point and where it is. */
const char *cr_note_problem(const char *t, size_t len, char why[CR_TEXT_WHY_CAP]);

/* Flags of cr_file_read. */
#define CR_FILE_REGULAR 1 /* only a regular file: a folder, FIFO or device is refused unread */
/* Reads the file at path whole: *out (malloc'd, NUL-terminated; the caller frees it) holds its
 * *len bytes; written only on success. A file longer than max_bytes is CR_ERANGE ("is N bytes,
 * over the limit of M bytes": a regular file by its size, before anything is read; another one
 * when it passes the limit) — callers may reword it with their limit's name. With
 * CR_FILE_REGULAR, anything but a regular file is CR_EINVAL ("is a folder, not a file", "is not
 * a regular file …") before it is opened; without it a FIFO or device is read up to the limit
 * (a folder fails its read, CR_EINVAL). The open never waits for a FIFO's writer. A path naming
 * nothing is CR_ENOTFOUND, one that cannot be opened for permission or a loop of links
 * CR_EINVAL (both "cannot open: …"), a failed read CR_EIO; CR_ENOMEM. Messages carry path. */
cr_err cr_file_read(const char *path, size_t max_bytes, int flags, char **out, size_t *len,
                    cr_diag *d) CR_MUST_USE;

#endif
