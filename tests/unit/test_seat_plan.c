/*
** test_seat_plan.c: the two reads that ask whether one person holds a
** seat in one offering (a person's place in the workspace, store_seat, on
** every workspace page; who hears of a reply, store_notify_post, on every
** reply) answer as they should, and find that person's registration by
** (offering, person) through enrolments_one_live: they never walk the
** offering's registrations by status, which in a cohort of 200 read 200
** rows per question.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "db.h"
#include "log.h"
#include "scratch.h"
#include "store_discuss.h"
#include "store_enrol.h"

static db *d;

/* Run SQL with no result; 0 or -1. */
static int sql(const char *q)
{
    return scratch_sql(d, q);
}

/* Whether text has every one of the n needles. */
static int has_all(const char *text, const char *const *needles, int n)
{
    for (int i = 0; i < n; i++)
        if (!strstr(text, needles[i]))
            return 0;
    return 1;
}

/* The plans of the statements this connection has prepared that ask for one
** person's registration in one offering: how many there were into *asked,
** and how many read enrolments_one_live into *indexed. Returns how many
** read enrolments_by_offering instead (each printed with its plan). */
static int walks_offering(int *asked, int *indexed)
{
    static const char *const person[] = {"FROM enrolments e WHERE e.offering_id", "e.user_id ="};
    int walks = 0;
    *asked = *indexed = 0;
    for (sqlite3_stmt *p = sqlite3_next_stmt(db_handle(d), NULL); p; p = sqlite3_next_stmt(db_handle(d), p)) {
        const char *text = sqlite3_sql(p);
        if (!text || !has_all(text, person, 2))
            continue;
        (*asked)++;
        char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", text);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db_handle(d), q, -1, &st, NULL) != SQLITE_OK) {
            fprintf(stderr, "cannot explain %s: %s\n", text, sqlite3_errmsg(db_handle(d)));
            walks++;
        }
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(st, 3);
            if (detail && strstr(detail, "enrolments_one_live"))
                (*indexed)++;
            if (detail && strstr(detail, "enrolments_by_offering")) {
                fprintf(stderr, "%s\n  -> %s\n", text, detail);
                walks++;
            }
        }
        sqlite3_finalize(st);
        sqlite3_free(q);
    }
    return walks;
}

/* How many notifications person user_id has of kind. */
static int notices(int64_t user_id, const char *kind)
{
    char *q = sqlite3_mprintf("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = %Q",
                              (long long)user_id, kind);
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(db_handle(d), q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_free(q);
    return n;
}

int main(void)
{
    log_quiet(1);
    scratch s;
    d = scratch_open(&s, "seatplan");
    CHECK(d != NULL);
    if (!d)
        return check_done();
    arena *a = arena_new(0);

    /* A course, two offerings, 300 people: 1-250 seated in one-1 (paid,
    ** invoiced or waived in turn), 251 registered but unpaid, 252 refunded,
    ** 253 cancelled, 254 seated in two-1 only, 300 its coach. */
    CHECK(sql("INSERT INTO courses(id, slug, position, title, tagline, summary, hours_min, hours_max, overview_html,"
              " panel_title, panel_minutes, panel_summary_html, transcript_html) VALUES"
              " (1, 'one', 1, 'One', '', '', 1, 2, '', 'Panel', 30, '', '')") == 0);
    CHECK(sql("INSERT INTO offerings(id, code, course_id, starts, ends, price_cents, currency, capacity, closes, season,"
              " created_at, updated_at) VALUES (1, 'one-1', 1, '2027-01-04', '2027-01-08', 0, 'USD', 300, '2027-01-01',"
              " 's', 1, 1), (2, 'two-1', 1, '2027-02-01', '2027-02-05', 0, 'USD', 300, '2027-01-25', 's', 1, 1)") == 0);
    CHECK(sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
              " INSERT INTO users(id, email, name, password_hash, role, created_at)"
              " SELECT i, 'p' || i || '@example.org', 'P' || i, 'x', CASE WHEN i = 300 THEN 'coach' ELSE 'participant' END, 1"
              " FROM n") == 0);
    CHECK(sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)"
              " INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
              " updated_at) SELECT 1, i, 'active', CASE i % 3 WHEN 0 THEN 'paid' WHEN 1 THEN 'invoiced' ELSE 'waived' END,"
              " 0, 'USD', 1, 1 FROM n") == 0);
    CHECK(sql("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
              " updated_at) VALUES (1, 251, 'active', 'unpaid', 0, 'USD', 1, 1),"
              " (1, 252, 'refunded', 'refunded', 0, 'USD', 1, 1), (1, 253, 'cancelled', 'paid', 0, 'USD', 1, 1),"
              " (2, 254, 'active', 'paid', 0, 'USD', 1, 1)") == 0);
    CHECK(sql("INSERT INTO offering_staff(offering_id, user_id, role, created_at) VALUES (1, 300, 'coach', 1)") == 0);

    /* Each person's place in one-1. */
    seat_row seat;
    CHECK(store_seat(d, a, 0, "one-1", 1, &seat) == 1 && seat.participant == 1 && seat.coach == 0);
    CHECK(store_seat(d, a, 0, "one-1", 2, &seat) == 1 && seat.participant == 1);
    CHECK(store_seat(d, a, 1, NULL, 250, &seat) == 1 && seat.participant == 1 && seat.offering_id == 1);
    CHECK(store_seat(d, a, 0, "one-1", 251, &seat) == 1 && seat.participant == 0);
    CHECK(store_seat(d, a, 0, "one-1", 252, &seat) == 1 && seat.participant == 0);
    CHECK(store_seat(d, a, 0, "one-1", 253, &seat) == 1 && seat.participant == 0);
    CHECK(store_seat(d, a, 0, "one-1", 254, &seat) == 1 && seat.participant == 0);
    CHECK(store_seat(d, a, 0, "two-1", 254, &seat) == 1 && seat.participant == 1);
    CHECK(store_seat(d, a, 0, "one-1", 300, &seat) == 1 && seat.participant == 0 && seat.coach == 1);
    CHECK(store_seat(d, a, 0, "no-such", 1, &seat) == 0);

    /* A reply by 3 in a thread of 1's, quoting 2; 252 (refunded), 253
    ** (cancelled), 254 (another offering's) and 4 follow it, 5 muted it:
    ** only the seated hear of it. */
    CHECK(sql("INSERT INTO threads(id, offering_id, prompt_id, author_id, title, created_at, last_post_at) VALUES"
              " (1, 1, NULL, 1, 'T', 1, 1)") == 0);
    CHECK(sql("INSERT INTO thread_follows(user_id, thread_id, mode) VALUES (252, 1, 'follow'), (253, 1, 'follow'),"
              " (254, 1, 'follow'), (4, 1, 'follow'), (5, 1, 'mute')") == 0);
    CHECK(store_notify_post(d, 1, 1, 3, 1, 2, "a reply", "a follow", "/learn/one-1/threads/1", 100) == 3);
    CHECK(notices(1, "reply") == 1 && notices(2, "reply") == 1 && notices(4, "follow") == 1);
    CHECK(notices(3, "reply") == 0 && notices(5, "follow") == 0);
    CHECK(notices(252, "follow") == 0 && notices(253, "follow") == 0 && notices(254, "follow") == 0);

    /* Both reads were prepared on this connection, and both go by index. */
    int asked, indexed;
    CHECK(walks_offering(&asked, &indexed) == 0);
    CHECK(asked == 2);
    CHECK(indexed >= 2);

    arena_free(a);
    db_close(d);
    CHECK(scratch_remove(&s) == 0);
    return check_done();
}
