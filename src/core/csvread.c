/*
** csvread.c: a small, strict CSV reader for imports (see csvread.h).
** One pass over the bytes with an explicit state; fields are gathered in a
** scratch buffer of CSVREAD_MAX_FIELD bytes and copied into the arena when
** they end, so a hostile file cannot make it allocate more than its limits.
*/
#include <string.h>

#include "csvread.h"

/* Whether the n bytes at p are well-formed UTF-8 (no overlongs, no
** surrogates, nothing past U+10FFFF). */
static int utf8_ok(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        if (i + k >= n)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (p[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* The record being read: its fields so far, grown in the arena. */
typedef struct rec_build {
    const char **field;
    int n, cap;
    int quoted;    /* a field was in quotes: "" alone is a value, not a blank line */
} rec_build;

/* The reader's state between bytes. */
enum csv_state { AT_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED, AFTER_FIELD_CR };

/* Move the scratch field (n bytes) into r as a new field. 0, or -1 when
** the record has too many fields. */
static int end_field(arena *a, rec_build *r, const char *scratch, size_t n)
{
    if (r->n >= CSVREAD_MAX_FIELDS)
        return -1;
    const char **slot = arena_grow(a, (void **)&r->field, &r->n, &r->cap, sizeof *r->field);
    *slot = arena_strndup(a, scratch, n);
    return 0;
}

/* Add the finished record r (starting on line) to t, unless it is a blank
** line (one empty field), and start a new one. 0, or -1 when the file has
** too many records. */
static int end_record(arena *a, csv_table *t, int *cap, rec_build *r, int line)
{
    int blank = r->n == 1 && r->field[0][0] == '\0' && !r->quoted;
    if (!blank) {
        if (t->n >= CSVREAD_MAX_RECORDS)
            return -1;
        csv_record *slot = arena_grow(a, (void **)&t->rec, &t->n, cap, sizeof *t->rec);
        slot->line = line;
        slot->n = r->n;
        slot->field = r->field;
    }
    memset(r, 0, sizeof *r);
    return 0;
}

/* Read the whole text into out, or refuse it with the line and a sentence
** (see csvread.h). Strings in a; *out is empty on a refusal. */
int csvread_parse(arena *a, const char *text, size_t len, csv_table *out, int *line, const char **message)
{
    memset(out, 0, sizeof *out);
    *line = 1;
    *message = NULL;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    if (!utf8_ok(p + i, len - i)) {
        /* Find the line of the first bad byte for the message. */
        size_t lo = i;
        while (lo < len) {
            size_t k = lo;
            while (k < len && p[k] != '\n')
                k++;
            if (!utf8_ok(p + lo, k - lo))
                break;
            (*line)++;
            lo = k + 1;
        }
        *message = "This file is not UTF-8 text. Save it from the spreadsheet as \"CSV UTF-8\" and try again.";
        return -1;
    }
    char scratch[CSVREAD_MAX_FIELD];
    size_t fn = 0;
    rec_build r = {0};
    csv_table t = {0};
    int cap = 0, cur = 1, rec_line = 1;
    enum csv_state st = AT_START;
    const char *err = NULL;
    for (; i < len && !err; i++) {
        unsigned char c = p[i];
        if (c == '\0') {
            err = "This file holds a NUL byte, so it is not a CSV text file. Export it again as CSV.";
            break;
        }
        switch (st) {
        case AT_START:
        case UNQUOTED:
            if (c == '"') {
                if (st == UNQUOTED) {
                    err = "A quote mark appears inside a field that does not start with one. Put the whole field in "
                          "quotes and double the quote marks inside it.";
                    break;
                }
                st = QUOTED;
                r.quoted = 1;
            } else if (c == ',') {
                if (end_field(a, &r, scratch, fn) != 0)
                    err = "A line has more fields than any import needs (32 at most).";
                fn = 0;
                st = AT_START;
            } else if (c == '\r') {
                st = AFTER_FIELD_CR;
            } else if (c == '\n') {
                if (end_field(a, &r, scratch, fn) != 0)
                    err = "A line has more fields than any import needs (32 at most).";
                else if (end_record(a, &t, &cap, &r, rec_line) != 0)
                    err = "This file has more lines than one import takes (5,000). Split it into smaller files.";
                if (err)
                    break;
                fn = 0;
                cur++;
                rec_line = cur;
                st = AT_START;
            } else {
                if (fn >= sizeof scratch)
                    err = "A field is longer than 1,024 characters.";
                else
                    scratch[fn++] = (char)c;
                st = UNQUOTED;
            }
            break;
        case QUOTED:
            if (c == '"') {
                st = QUOTE_IN_QUOTED;
            } else {
                if (c == '\n')
                    cur++;
                if (fn >= sizeof scratch)
                    err = "A field is longer than 1,024 characters.";
                else
                    scratch[fn++] = (char)c;
            }
            break;
        case QUOTE_IN_QUOTED:
            if (c == '"') {
                if (fn >= sizeof scratch)
                    err = "A field is longer than 1,024 characters.";
                else
                    scratch[fn++] = '"';
                st = QUOTED;
            } else if (c == ',' || c == '\n' || c == '\r') {
                st = UNQUOTED;
                i--;           /* read the separator again as the end of the field */
            } else {
                err = "Text follows a closing quote mark. A quoted field ends at its quote; double quote marks "
                      "inside it (\"\").";
            }
            break;
        case AFTER_FIELD_CR:
            if (c != '\n') {
                err = "A line ends in a bare carriage return. Save the file with ordinary line endings.";
                break;
            }
            st = UNQUOTED;
            i--;               /* the LF ends the record */
            break;
        }
    }
    if (!err) {
        if (st == QUOTED)
            err = "A quote mark is opened and never closed.";
        else if (st == AFTER_FIELD_CR)
            err = "A line ends in a bare carriage return. Save the file with ordinary line endings.";
        else if (st != AT_START || fn > 0 || r.n > 0) {
            if (end_field(a, &r, scratch, fn) != 0)
                err = "A line has more fields than any import needs (32 at most).";
            else if (end_record(a, &t, &cap, &r, rec_line) != 0)
                err = "This file has more lines than one import takes (5,000). Split it into smaller files.";
        }
    }
    if (err) {
        *line = st == QUOTED && i >= len ? rec_line : cur;
        *message = err;
        return -1;
    }
    *line = 0;
    *out = t;
    return 0;
}
