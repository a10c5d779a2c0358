/*
** sqlq.h: one-value reads of a test's database, for checking what the
** site wrote. Each prepares sql, binds p (when not NULL) as ?1, and reads
** the first column of the first row; a statement that fails to prepare is
** reported on stderr.
*/
#ifndef JOURNEYS_TEST_SQLQ_H
#define JOURNEYS_TEST_SQLQ_H

#include <stddef.h>
#include <sqlite3.h>

/* The value as an integer; -1 when there is no row or sql is wrong. */
long long sqlq_int(sqlite3 *db, const char *sql, const char *p);

/* The value as text, copied into out (n bytes, "" when there is none);
** returns out. */
const char *sqlq_text(sqlite3 *db, const char *sql, const char *p, char *out, size_t n);

#endif
