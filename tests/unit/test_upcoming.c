/*
** test_upcoming.c: unit tests for the bounded offering reads of
** store_content.h on a database with many past seasons: each read returns
** only what its page shows, and every statement they run reads the
** offerings through an index (its query plan walks no offerings table or
** index from end to end).
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "db.h"
#include "store_content.h"

/* The SQL of every statement started, as the trace saw it. */
static char *seen[64];
static int n_seen;

/* Trace callback: note each statement's SQL once. */
static int note(unsigned type, void *ctx, void *p, void *x)
{
    (void)ctx;
    (void)x;
    if (type != SQLITE_TRACE_STMT)
        return 0;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (!sql)
        return 0;
    for (int i = 0; i < n_seen; i++)
        if (!strcmp(seen[i], sql))
            return 0;
    if (n_seen < (int)(sizeof seen / sizeof *seen))
        seen[n_seen++] = strdup(sql);
    return 0;
}

/* Run sql on d; 0 or -1. */
static int exec(db *d, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db_handle(d), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Whether the plan of sql reads offerings from end to end (a SCAN of the
** table or of one of its indexes); the plan is printed when it does. */
static int scans_offerings(db *d, const char *sql)
{
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st = NULL;
    int bad = 0;
    if (sqlite3_prepare_v2(db_handle(d), q, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "cannot explain %s: %s\n", sql, sqlite3_errmsg(db_handle(d)));
        bad = 1;
    }
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        /* the aliases the offerings table goes by in the store's SQL */
        static const char *const names[] = {"SCAN o", "SCAN p", "SCAN q", "SCAN offerings"};
        int scan = 0;
        for (size_t i = 0; detail && i < sizeof names / sizeof *names; i++) {
            size_t len = strlen(names[i]);
            scan |= !strncmp(detail, names[i], len) && (detail[len] == '\0' || detail[len] == ' ');
        }
        if (scan) {
            fprintf(stderr, "%s\n  -> %s\n", sql, detail);
            bad = 1;
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(q);
    return bad;
}

/* Many past seasons, a current one, two upcoming offerings and a demo one:
** each read returns its bounded part, through indexes. */
static void test_bounded(void)
{
    char dir[] = "/tmp/journeys-upcoming-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    buf err = BUF_INIT;
    db *d = db_open(path, &err);
    CHECK(d && db_migrate(d, &err) == 0);
    buf_free(&err);
    if (!d)
        return;
    CHECK(exec(d, "INSERT INTO courses(slug, position, title, tagline, summary, hours_min, hours_max,"
                  " overview_html, outcomes, panel_title, panel_minutes, panel_summary_html, transcript_html,"
                  " published) VALUES ('a', 1, 'A', 't', 's', 1, 2, '', '[]', 'p', 0, '', '', 1),"
                  " ('b', 2, 'B', 't', 's', 1, 2, '', '[]', 'p', 0, '', '', 1)") == 0);
    /* 2,000 past offerings, a week apart, from 1980, twenty seasons of 100 */
    CHECK(exec(d, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999)"
                  " INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, closes,"
                  " season, created_at, updated_at) SELECT 'old-' || i, 1 + i % 2, date('1980-01-07', '+' || (7 * i) || ' days'),"
                  " date('1980-01-11', '+' || (7 * i) || ' days'), 0, 'USD', 10, '1980-01-01',"
                  " 'Old ' || (i / 100), 0, 0 FROM n") == 0);
    CHECK(exec(d, "INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, closes,"
                  " season, demo, created_at, updated_at) VALUES"
                  " ('now-1', 1, '2030-01-07', '2030-01-11', 0, 'USD', 10, '2030-01-04', 'Now', 0, 0, 0),"
                  " ('now-2', 2, '2030-02-04', '2030-02-08', 0, 'USD', 10, '2030-02-01', 'Now', 0, 0, 0),"
                  " ('up-1', 1, '2030-03-04', '2030-03-08', 0, 'USD', 10, '2030-03-01', 'Next', 0, 0, 0),"
                  " ('up-2', 2, '2030-04-01', '2030-04-05', 0, 'USD', 10, '2030-03-29', 'Next', 0, 0, 0),"
                  " ('up-3', 1, '2030-05-06', '2030-05-10', 0, 'USD', 10, '2030-05-03', 'Next', 0, 0, 0),"
                  " ('demo-1', 2, '2030-03-11', '2030-03-15', 0, 'USD', 10, '2030-03-08', 'Demo', 1, 0, 0)") == 0);
    CHECK(exec(d, "INSERT INTO users(email, name, password_hash, role, created_at) VALUES ('a@x.org', 'A', '', 'participant', 0)") == 0);
    CHECK(exec(d, "INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
                  " created_at, updated_at) SELECT id, 1, 'active', 'paid', 0, 'USD', 0, 0 FROM offerings WHERE code = 'up-1'") == 0);
    sqlite3_trace_v2(db_handle(d), SQLITE_TRACE_STMT, note, NULL);

    arena *a = arena_new(1 << 16);
    const char *today = "2030-02-20";   /* now-1 and now-2 are over, in the current season */
    offering_listing *l;
    int n;

    CHECK(store_offerings_ahead(d, a, 0, today, 2, &l, &n) == 0);
    CHECK(n == 2 && !strcmp(l[0].code, "up-1") && !strcmp(l[1].code, "up-2"));
    CHECK(n >= 1 && l[0].taken == 1);
    CHECK(store_offerings_ahead(d, a, 1, today, 5, &l, &n) == 0);
    CHECK(n == 4 && !strcmp(l[3].code, "demo-1"));   /* real ones first */

    CHECK(store_offerings_next(d, a, 0, today, &l, &n) == 0);
    CHECK(n == 2 && !strcmp(l[0].code, "up-1") && !strcmp(l[1].code, "up-2"));

    CHECK(store_course_offerings(d, a, "a", 0, today, 12, 5, &l, &n) == 0);
    /* the last five finished of course a (now-1 and four old ones), then up-1, up-3 */
    CHECK(n == 7);
    CHECK(n == 7 && !strcmp(l[0].code, "old-1992") && !strcmp(l[4].code, "now-1") && !strcmp(l[6].code, "up-3"));

    CHECK(store_course_offerings(d, a, "a", 0, today, 1, 2, &l, &n) == 0);
    CHECK(n == 3 && !strcmp(l[0].code, "old-1998") && !strcmp(l[2].code, "up-1"));   /* up-3 is beyond ahead */
    const char *season = NULL;
    CHECK(store_current_season(d, a, today, &season) == 1 && season && !strcmp(season, "Now"));
    CHECK(store_current_season(d, a, "1970-01-01", &season) == 0 && season == NULL);
    CHECK(store_offerings_current(d, a, 1, today, NULL, "Now", 500, &l, &n) == 0);
    CHECK(n == 6);   /* now-1, now-2, up-1..3, demo-1: none of the 2,000 old ones */
    CHECK(store_offerings_current(d, a, 0, "2030-03-06", NULL, NULL, 500, &l, &n) == 0);
    CHECK(n == 3 && !strcmp(l[0].code, "up-1"));
    CHECK(store_offerings_current(d, a, 0, "2030-03-06", "2030-04-30", NULL, 500, &l, &n) == 0);
    CHECK(n == 2 && !strcmp(l[1].code, "up-2"));   /* up-3 starts after until */

    CHECK(store_offerings_season(d, a, 0, "Old 3", 500, &l, &n) == 0);
    CHECK(n == 100 && !strcmp(l[0].code, "old-300") && !strcmp(l[99].code, "old-399"));
    CHECK(store_offerings_season(d, a, 0, "Old 3", 50, &l, &n) == 0 && n == 50);
    CHECK(store_offerings_season(d, a, 0, "' OR 1=1 --", 500, &l, &n) == 0 && n == 0);

    season_row *sr;
    CHECK(store_offering_seasons(d, a, 0, &sr, &n) == 0);
    CHECK(n == 22 && !strcmp(sr[0].label, "Next") && !strcmp(sr[1].label, "Now") && !strcmp(sr[21].label, "Old 0"));
    CHECK(n == 22 && sr[0].offerings == 3 && !strcmp(sr[0].first, "2030-03-04") && !strcmp(sr[0].last, "2030-05-06"));
    CHECK(n == 22 && sr[21].offerings == 100 && !strcmp(sr[21].first, "1980-01-07") && !sr[21].demo);
    CHECK(store_offering_seasons(d, a, 1, &sr, &n) == 0);
    CHECK(n == 23 && !strcmp(sr[22].label, "Demo") && sr[22].demo && sr[22].offerings == 1);

    sqlite3_trace_v2(db_handle(d), 0, NULL, NULL);
    CHECK(n_seen >= 7);
    for (int i = 0; i < n_seen; i++) {
        if (strstr(seen[i], "offerings") && strncmp(seen[i], "INSERT", 6))
            CHECK(!scans_offerings(d, seen[i]));
        free(seen[i]);
    }
    arena_free(a);
    db_close(d);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    test_bounded();
    return check_done();
}
