/*
** test_coach_queue.c: the rules of the coach's queue that need no server: how
** long a row waited, for people; which kinds exist; the order (oldest
** first); where an offering is in its week in its own time zone and when
** its queue is live (until posting closes). Then the queue mark's one conditional write on a
** fresh database: a second "no reply needed" on the same row is refused,
** a snooze cannot undo one, and a row that waits again (a later since)
** can be marked again. The pages are tested through nginx in
** tests/integration/test_coach_queue.c.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "coach.h"
#include "db.h"
#include "store_coach.h"
#include "tz.h"

/* The waited labels, at each unit's edges. */
static void test_waited(arena *a)
{
    CHECK_STR(coach_waited_label(a, -5), "just now");
    CHECK_STR(coach_waited_label(a, 0), "just now");
    CHECK_STR(coach_waited_label(a, 59), "just now");
    CHECK_STR(coach_waited_label(a, 60), "1 min");
    CHECK_STR(coach_waited_label(a, 3599), "59 min");
    CHECK_STR(coach_waited_label(a, 3600), "1 h");
    CHECK_STR(coach_waited_label(a, 86399), "23 h");
    CHECK_STR(coach_waited_label(a, 86400), "1 day");
    CHECK_STR(coach_waited_label(a, 3 * 86400 + 5), "3 days");
}

/* Only the five kinds, as their static strings. */
static void test_kinds(void)
{
    const char *k[] = {"thread", "post", "submission", "quiet", "behind"};
    for (size_t i = 0; i < 5; i++)
        CHECK_STR(coach_queue_kind(k[i]), k[i]);
    CHECK(coach_queue_kind(NULL) == NULL);
    CHECK(coach_queue_kind("") == NULL);
    CHECK(coach_queue_kind("Thread") == NULL);
    CHECK(coach_queue_kind("thread ") == NULL);
    CHECK(coach_queue_kind("message") == NULL);
}

/* Oldest first; equal times by kind, then object. */
static void test_sort(void)
{
    queue_row r[5] = {
        {.kind = "thread", .object_id = 9, .since = 300},
        {.kind = "quiet", .object_id = 2, .since = 100},
        {.kind = "post", .object_id = 5, .since = 200},
        {.kind = "post", .object_id = 4, .since = 200},
        {.kind = "behind", .object_id = 1, .since = 200},
    };
    coach_queue_sort(r, 5);
    CHECK(r[0].since == 100 && !strcmp(r[0].kind, "quiet"));
    CHECK(!strcmp(r[1].kind, "behind"));
    CHECK(!strcmp(r[2].kind, "post") && r[2].object_id == 4);
    CHECK(!strcmp(r[3].kind, "post") && r[3].object_id == 5);
    CHECK(r[4].since == 300);
    coach_queue_sort(r, 0);   /* nothing to do */
}

/* Phases in the offering's own zone: Auckland's Monday begins on Sunday
** in UTC. Live from the start of day 1 until posting closes. */
static void test_phase(void)
{
    coach_offering_row o = {.code = "x", .starts = "2026-03-02", .ends = "2026-03-06", .time_zone = "Pacific/Auckland"};
    time_t start, end;
    CHECK(coach_week(&o, &start, &end) == 0);
    /* 2026-03-02 00:00 NZDT (UTC+13) is 2026-03-01 11:00 UTC */
    CHECK(start == 1772362800);
    CHECK(end - start == 5 * 86400);
    CHECK(coach_phase_of(&o, start - 1) == COACH_UPCOMING);
    CHECK(coach_phase_of(&o, start) == COACH_CURRENT);
    CHECK(coach_phase_of(&o, end - 1) == COACH_CURRENT);
    CHECK(coach_phase_of(&o, end) == COACH_PAST);
    CHECK(coach_offering_live(&o, start - 86400));   /* open before its week */
    CHECK(coach_offering_live(&o, start));
    CHECK(coach_offering_live(&o, end + 86400));   /* posting never closes */
    o.posting_closes_at = end + 3600;
    CHECK(coach_offering_live(&o, end));
    CHECK(!coach_offering_live(&o, end + 3600));
    /* the same dates in UTC begin eleven hours later */
    coach_offering_row u = o;
    u.time_zone = "UTC";
    CHECK(coach_phase_of(&u, start) == COACH_UPCOMING);
    /* a zone the system does not know is read as UTC; unreadable dates are past and never live */
    u.time_zone = "Not/AZone";
    CHECK(coach_phase_of(&u, start) == COACH_UPCOMING);
    coach_offering_row bad = {.code = "y", .starts = "someday", .ends = "2026-03-06", .time_zone = "UTC"};
    CHECK(coach_phase_of(&bad, start) == COACH_PAST);
    CHECK(!coach_offering_live(&bad, start));
}

/* The mark's conditional write, on a fresh database. */
static void test_mark_store(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[256];
    snprintf(dir, sizeof dir, "%s/journeys-queue-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    char path[300];
    snprintf(path, sizeof path, "%s/t.db", dir);
    buf err = BUF_INIT;
    db *d = db_open(path, &err);
    CHECK(d && db_migrate(d, &err) == 0);
    buf_free(&err);
    if (!d)
        return;
    buf e2 = BUF_INIT;
    CHECK(db_exec(d, "INSERT INTO courses(slug, position, title, tagline, summary, hours_min, hours_max,"
                     " overview_html, outcomes, panel_title, panel_minutes, panel_summary_html, transcript_html,"
                     " published) VALUES ('a', 1, 'A', 't', 's', 1, 2, '', '[]', 'p', 0, '', '', 1);"
                     "INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, closes,"
                     " season, created_at, updated_at) VALUES ('o-1', 1, '2030-01-07', '2030-01-11', 0, 'USD', 10,"
                     " '2030-01-04', 'S', 0, 0);"
                     "INSERT INTO users(email, name, password_hash, role, created_at) VALUES"
                     " ('c1@x.org', 'C1', '', 'coach', 0), ('c2@x.org', 'C2', '', 'coach', 0)", &e2) == 0);
    buf_free(&e2);
    /* coach 1 marks thread 7 (waiting since 100) at 200: written */
    CHECK(store_queue_mark(d, "thread", 7, 1, 1, "no_reply", 0, 100, 200) == 1);
    /* coach 2 a moment later: refused, it is handled */
    CHECK(store_queue_mark(d, "thread", 7, 2, 1, "no_reply", 0, 100, 201) == 0);
    /* nor can a snooze undo it, coach 1's own or coach 2's */
    CHECK(store_queue_mark(d, "thread", 7, 1, 1, "snooze", 5000, 100, 202) == 0);
    CHECK(store_queue_mark(d, "thread", 7, 2, 1, "snooze", 5000, 100, 202) == 0);
    /* a snooze on another row is written, and a second snooze moves it */
    CHECK(store_queue_mark(d, "post", 7, 2, 1, "snooze", 5000, 100, 203) == 1);
    CHECK(store_queue_mark(d, "post", 7, 2, 1, "snooze", 9000, 100, 204) == 1);
    /* a quiet participant who came back and went quiet again (since 300) can be marked again */
    CHECK(store_queue_mark(d, "quiet", 3, 1, 1, "no_reply", 0, 100, 200) == 1);
    CHECK(store_queue_mark(d, "quiet", 3, 2, 1, "no_reply", 0, 300, 400) == 1);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db_handle(d), "SELECT count(*), sum(mode = 'snooze'), max(until) FROM queue_marks", -1,
                             &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == 4);
    CHECK(sqlite3_column_int(st, 1) == 1);
    CHECK(sqlite3_column_int(st, 2) == 9000);
    sqlite3_finalize(st);
    /* the owner of an object that is not there: none */
    int64_t owner = -1;
    CHECK(store_queue_owner(d, "thread", 12345, &owner) == 0);
    CHECK(store_queue_owner(d, "behind", 12345, &owner) == 0);
    db_close(d);
    unlink(path);
    char side[320];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
}

int main(void)
{
    arena *a = arena_new(1 << 14);
    test_waited(a);
    test_kinds();
    test_sort();
    test_phase();
    test_mark_store();
    arena_free(a);
    return check_done();
}
