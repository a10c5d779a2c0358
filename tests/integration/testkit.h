/*
** testkit.h: the small helpers most integration tests share: SQL on the
** site's database (run, read one integer, read one text, run one statement
** with bound text parameters), printf into a rotating static buffer,
** percent-encoding for a form body, a page's body and signing in. The integer read builds on sqlq.h; a
** test passes its own database handle. Checks stay in the tests (check.h
** counts per program), so these only report what happened.
*/
#ifndef JOURNEYS_TEST_TESTKIT_H
#define JOURNEYS_TEST_TESTKIT_H

#include <stdint.h>
#include <sqlite3.h>

#include "browser.h"
#include "db.h"
#include "harness.h"

/* Run q (no result) on d; 0, or -1 with the error and q on stderr. */
int tk_sql(db *d, const char *q);

/* The first column of the first row of q on d as an integer; -1 when
** there is no row or q fails to prepare (reported on stderr). */
int64_t tk_sql_int(db *d, const char *q);

/* The first column of the first row of q on d as text; malloc'd, the
** caller frees it; "" when there is no row, the value is NULL or q fails.
** Returns NULL only when memory runs out. */
char *tk_sql_text(db *d, const char *q);

/* Run one statement sql on h with text parameters p1, p2 bound as ?1, ?2
** (either may be NULL). 0 when it ran to the end; -1 when it does not
** compile (reported on stderr with sql); -2 when the step fails or gives
** rows. */
int tk_exec(sqlite3 *h, const char *sql, const char *p1, const char *p2);

/* printf into one of 8 rotating static buffers of 4096 bytes (longer
** output is cut); the result stays valid for the next 7 calls. Not
** thread-safe. */
const char *tk_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* Append text to out percent-encoded for a form body (letters, digits and
** -_.~ kept, every other byte as %XX). out owns its memory. */
void tk_urlenc(buf *out, const char *text);

/* The site's database of stack s, opened for the test (db_close it);
** NULL with the reason on stderr. */
db *tk_site_db(const stack *s);

/* Fill s's database with the bench fixtures (tests/bench/filldb.sh
** --fixtures-only: bench-cohort and its 200, the bench accounts with
** password). 0, or -1 with the generator's output on stderr. */
int tk_bench_fixtures(const stack *s, const char *password);

/* Start stack s and fill its database with the bench fixtures (as
** tk_bench_fixtures); when site is not NULL, open the database into *site
** (tk_site_db). 0, or -1 (the reason on stderr) with the stack stopped and
** *site NULL. */
int tk_bench_stack(stack *s, const char *password, db **site);
/* GET path as b: the body (malloc'd, "" when there is none) and the
** status in *status (0 when nothing answered); a status other than 200 is
** reported on stderr with the path. */
char *tk_get(browser *b, const char *path, long *status);

/* Sign b in through the form at /signin as email (percent-encoded) with
** password: the answer's status (303 on success, 0 when nothing answered). */
long tk_sign_in(browser *b, const char *email_enc, const char *password);

/* How many times needle occurs in hay (overlapping ones too). */
int tk_count(const char *hay, const char *needle);

/* Whether html's elements nest: every non-void start tag closed in order,
** and exactly one <h1>. Prints the first mismatch; 1 or 0. */
int tk_well_formed(const char *html);

#endif
