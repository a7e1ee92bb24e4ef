/* The project's check of a visible, single-line text (a draw's seed, a redraw's reason, a user
 * name): what a reader sees must be all there is, so that a published seed reproduces and a name
 * cannot hide another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "crisk/text.h"

/* What kind of character c is when a visible single-line text cannot hold it; NULL when it can.
 * By Unicode category (controls Cc, format characters Cf, line and paragraph separators Zl Zp,
 * spaces Zs other than the ASCII one), by range (variation selectors, the combining grapheme
 * joiner, tag characters) and by Unicode's Default_Ignorable_Code_Point (Hangul fillers and the
 * rest of what renders as nothing). */
static const char *invisible_kind(int32_t c)
{
    if (c >= 0xe0000 && c <= 0xe007f)
        return "a tag character";
    if ((c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xe0100 && c <= 0xe01ef) ||
        (c >= 0x180b && c <= 0x180d) || c == 0x180f)
        return "a variation selector";
    if (c == 0x34f)
        return "the combining grapheme joiner";
    const utf8proc_property_t *p = utf8proc_get_property(c);
    switch (p->category) {
    case UTF8PROC_CATEGORY_CC:
        return "a control character";
    case UTF8PROC_CATEGORY_CF:
        return "an invisible format character (zero-width, bidirectional mark or override)";
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return "a line or paragraph separator";
    case UTF8PROC_CATEGORY_ZS:
        return c == ' ' ? NULL : "a space other than the ASCII space";
    case UTF8PROC_CATEGORY_CO:
        return "a private-use character (no agreed glyph: shown as nothing or a box)";
    case UTF8PROC_CATEGORY_CN:
        return "an unassigned code point or noncharacter";
    default:
        if (c == 0x2800)
            return "the blank braille pattern (shown as a space)";
        return p->ignorable ? "an invisible (default-ignorable) character" : NULL;
    }
}

/* Walks t (len bytes) character by character: the first character kind() names, or one that is
 * not UTF-8, is the problem, written into why. A one-line visible text (one_line) may not begin
 * or end with a space nor begin with a combining mark. NULL when t passes. */
static const char *walk(const char *t, size_t len, const char *(*kind)(int32_t), int one_line,
                        char why[CR_TEXT_WHY_CAP])
{
    size_t ok = cr_utf8_valid_prefix(t, len);
    if (ok != len) {
        snprintf(why, CR_TEXT_WHY_CAP, "it is not UTF-8 (at byte %zu)", ok + 1);
        return why;
    }
    int32_t c = 0;
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)t + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0) {
            snprintf(why, CR_TEXT_WHY_CAP, "it is not UTF-8 (at byte %zu)", i + 1);
            return why;
        }
        chars++;
        const char *what = kind(c);
        if (what) {
            snprintf(why, CR_TEXT_WHY_CAP, "it holds U+%04X, %s, at character %zu (byte %zu)",
                     (unsigned)c, what, chars, i + 1);
            return why;
        }
        if (one_line && i == 0 && c == ' ')
            return "it begins with a space";
        if (one_line && i == 0 && utf8proc_get_property(c)->combining_class) {
            snprintf(why, CR_TEXT_WHY_CAP,
                     "it begins with U+%04X, a combining mark (it joins what stands before it)",
                     (unsigned)c);
            return why;
        }
        i += (size_t)k;
    }
    if (one_line && c == ' ')
        return "it ends with a space";
    return NULL;
}

const char *cr_text_problem(const char *t, size_t len, size_t max_bytes, int nfkc,
                            char why[CR_TEXT_WHY_CAP])
{
    if (!len)
        return "it is empty";
    if (len > max_bytes) {
        snprintf(why, CR_TEXT_WHY_CAP, "it is too long (%zu bytes, at most %zu)", len, max_bytes);
        return why;
    }
    const char *problem = walk(t, len, invisible_kind, 1, why);
    if (problem)
        return problem;
    if (nfkc) {
        utf8proc_uint8_t *norm = NULL;
        utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)t, (utf8proc_ssize_t)len, &norm,
                                          UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE);
        int same = n >= 0 && (size_t)n == len && memcmp(norm, t, len) == 0;
        free(norm);
        if (!same)
            return "it is not in Unicode NFKC form (full-width or other compatibility "
                   "characters: write their plain form, e.g. 0-9 for ０-９)";
    }
    return NULL;
}

/* invisible_kind's characters that hide or reorder what is seen, for a note: a note keeps its
 * tabs and line breaks, its spaces of any width and an emoji's variation selector. */
static const char *note_hiding_kind(int32_t c)
{
    if (c == '\t' || c == '\n' || c == '\r')
        return NULL;
    if (c >= 0xe0000 && c <= 0xe007f)
        return invisible_kind(c);
    switch (utf8proc_get_property(c)->category) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return invisible_kind(c);
    default:
        return NULL;
    }
}

const char *cr_note_problem(const char *t, size_t len, char why[CR_TEXT_WHY_CAP])
{
    return walk(t, len, note_hiding_kind, 0, why);
}
