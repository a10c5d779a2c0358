/*
** csvread.h: reading CSV (RFC 4180) that a person exported from a
** spreadsheet, for imports. Hostile input is expected: every limit is
** checked, a mistake is reported with the line it is on, and nothing is
** returned half-read.
**
** Accepted: comma-separated fields, fields in double quotes with "" for a
** quote and line breaks inside, records ending in LF or CRLF (the last may
** have none), a UTF-8 byte-order mark at the start, blank lines (skipped).
** Refused: a NUL byte, a quote inside an unquoted field, text after a
** closing quote, a quote left open, a field, record or file over the
** limits, and bytes that are not UTF-8.
*/
#ifndef JOURNEYS_CSVREAD_H
#define JOURNEYS_CSVREAD_H

#include <stddef.h>

#include "arena.h"

enum {
    CSVREAD_MAX_FIELD = 1024,     /* bytes in one field */
    CSVREAD_MAX_FIELDS = 32,      /* fields in one record */
    CSVREAD_MAX_RECORDS = 5000,   /* records in one file, the header included */
};

typedef struct csv_record {
    int line;                 /* the line the record starts on, from 1 */
    int n;                    /* fields */
    const char **field;       /* n NUL-terminated strings */
} csv_record;

typedef struct csv_table {
    int n;                    /* records, blank lines not counted */
    csv_record *rec;
} csv_table;

/* Read the whole of text (len bytes, need not be NUL-terminated) into *out,
** every string in a. Returns 0, or -1 with *line set to the line of the
** mistake (from 1) and *message to a sentence a person can act on (a
** static string); *out is then empty. */
int csvread_parse(arena *a, const char *text, size_t len, csv_table *out, int *line, const char **message);

#endif
