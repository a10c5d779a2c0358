/*
** testkit.c: helpers shared by the integration tests (see testkit.h).
*/
#include "testkit.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlq.h"

/* See testkit.h: run q on d; 0 or -1 (reported). */
int tk_sql(db *d, const char *q)
{
    buf err = BUF_INIT;
    int rc = db_exec(d, q, &err);
    if (rc)
        fprintf(stderr, "sql failed: %s\n  %s\n", buf_str(&err), q);
    buf_free(&err);
    return rc;
}

/* See testkit.h: one integer read; -1 when none or on error. */
int64_t tk_sql_int(db *d, const char *q)
{
    return (int64_t)sqlq_int(db_handle(d), q, NULL);
}

/* See testkit.h: one text read, malloc'd ("" when none). */
char *tk_sql_text(db *d, const char *q)
{
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(db_handle(d), q, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            v = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    return v ? v : strdup("");
}

/* See testkit.h: one statement with up to two text parameters. */
int tk_exec(sqlite3 *h, const char *sql, const char *p1, const char *p2)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(h));
        return -1;
    }
    if (p1)
        sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT);
    if (p2)
        sqlite3_bind_text(st, 2, p2, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -2;
}

/* See testkit.h: printf into a rotating static buffer. */
const char *tk_fmt(const char *f, ...)
{
    static char bufs[8][4096];
    static int i;
    char *b = bufs[i++ % 8];
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, sizeof bufs[0], f, ap);
    va_end(ap);
    return b;
}

/* See testkit.h: percent-encode text onto out. */
void tk_urlenc(buf *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
            buf_putc(out, (char)*p);
        else
            buf_printf(out, "%%%02X", *p);
    }
}
