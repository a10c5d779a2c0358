/*
** sqlq.c: one-value reads of a test's database (see sqlq.h).
*/
#include "sqlq.h"

#include <stdio.h>

long long sqlq_int(sqlite3 *db, const char *sql, const char *p)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(db));
        return -1;
    }
    if (p)
        sqlite3_bind_text(st, 1, p, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

const char *sqlq_text(sqlite3 *db, const char *sql, const char *p, char *out, size_t n)
{
    sqlite3_stmt *st;
    snprintf(out, n, "%s", "");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(db));
        return out;
    }
    if (p)
        sqlite3_bind_text(st, 1, p, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}
