/*
** csv.h: writing CSV (RFC 4180) that is safe to open in a spreadsheet.
**
** Every cell is quoted, quotes inside are doubled, and a text cell that
** begins with a character a spreadsheet reads as the start of a formula
** or a control ('=', '+', '-', '@', tab or carriage return) is neutralised
** with a leading apostrophe, so it shows as the text it is and never runs.
** Records end in CRLF.
*/
#ifndef JOURNEYS_CSV_H
#define JOURNEYS_CSV_H

#include <stdint.h>

#include "buf.h"

/* Whether a text cell holding s must be neutralised: 1 when s begins with
** '=', '+', '-', '@', a tab or a carriage return; 0 otherwise (NULL and ""
** included). */
int csv_dangerous(const char *s);

/* Append text s (NULL is an empty cell) as one quoted cell to out,
** neutralised when csv_dangerous(s), preceded by a comma unless first.
** Sticky buffer errors as buf.h says. */
void csv_text(buf *out, const char *s, int first);

/* Append a whole number as one cell (never neutralised: we wrote it),
** preceded by a comma unless first. */
void csv_int(buf *out, int64_t v, int first);

/* End the record (CRLF). */
void csv_end(buf *out);

#endif
