/*
** csv.c: CSV cells a spreadsheet shows and never runs (see csv.h).
*/
#include "csv.h"

#include <string.h>

/* See csv.h: whether a text cell opens as a formula or a control. */
int csv_dangerous(const char *s)
{
    return s && *s && strchr("=+-@\t\r", *s) != NULL;
}

/* See csv.h: one quoted, neutralised text cell. */
void csv_text(buf *out, const char *s, int first)
{
    if (!first)
        buf_putc(out, ',');
    buf_putc(out, '"');
    if (csv_dangerous(s))
        buf_putc(out, '\'');
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '"')
            buf_putc(out, '"');
        buf_putc(out, *p);
    }
    buf_putc(out, '"');
}

/* See csv.h: one whole-number cell. */
void csv_int(buf *out, int64_t v, int first)
{
    if (!first)
        buf_putc(out, ',');
    buf_printf(out, "%lld", (long long)v);
}

/* See csv.h: the end of a record. */
void csv_end(buf *out)
{
    buf_puts(out, "\r\n");
}
