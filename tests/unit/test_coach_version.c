/*
** test_coach_version.c: the versions the coach pages are kept under, on a
** database of its own. A coach's version (and an offering's) moves with
** every kind of change those pages show, written straight into the tables
** as any path would write it, and stays put for writes they do not show:
** another offering's threads, progress and work, the outbox, sessions,
** notifications, read marks, someone outside the cohort. Staff's version
** moves at every commit. The pages on top are tested through nginx in
** tests/integration/test_coach_queue.c and test_coach_roster.c.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "db.h"
#include "log.h"
#include "scratch.h"
#include "store_kept.h"

static db *d;

/* Run SQL with no result; 0 or -1. */
static int sql(const char *q)
{
    return scratch_sql(d, q);
}

/* The three versions looked at: coach 5's (offering 1 and 3), offering
** 1's, and offering 2's (coached by 6 alone). */
typedef struct seen {
    uint64_t coach, one, two;
} seen;

/* Read the versions into *s; 0, or -1 when one fails. */
static int look(seen *s)
{
    int rc = store_coach_version(d, 5, 0, &s->coach);
    rc |= store_cohort_version(d, 1, &s->one);
    rc |= store_cohort_version(d, 2, &s->two);
    return rc ? -1 : 0;
}

/* Run q (one change), then check which versions moved: the coach's when
** coach is set, offering 1's when one is, offering 2's when two is. what
** names the change in a failure. */
static void change_of(const char *what, const char *q, int coach, int one, int two)
{
    seen before, after;
    CHECK(look(&before) == 0);
    CHECK(sql(q) == 0);
    CHECK(look(&after) == 0);
    int c = after.coach != before.coach, o = after.one != before.one, t = after.two != before.two;
    if (c != coach || o != one || t != two)
        fprintf(stderr, "  %s: coach %s, offering 1 %s, offering 2 %s\n", what, c ? "moved" : "stayed",
                o ? "moved" : "stayed", t ? "moved" : "stayed");
    CHECK(c == coach);
    CHECK(o == one);
    CHECK(t == two);
}

/* change_of for a change about offering 1 (about_one: the coach's version
** and offering 1's move) or offering 2 (about_two). */
static void change(const char *what, const char *q, int about_one, int about_two)
{
    change_of(what, q, about_one, about_one, about_two);
}

int main(void)
{
    log_quiet(1);
    scratch s;
    d = scratch_open(&s, "coachv");
    CHECK(d != NULL);
    if (!d)
        return check_done();

    CHECK(sql("INSERT INTO courses(id, slug, position, title, tagline, summary, hours_min, hours_max, overview_html,"
              " panel_title, panel_minutes, panel_summary_html, transcript_html) VALUES"
              " (1, 'one', 1, 'One', '', '', 1, 2, '', 'Panel', 30, '', '')") == 0);
    CHECK(sql("INSERT INTO course_items(id, course_id, section, key, position, title, body_html, published)"
              " VALUES (11, 1, 'playlist', 'p1', 1, 'P1', '', 1), (31, 1, 'activity', 'a1', 2, 'A1', '', 1)") == 0);
    CHECK(sql("INSERT INTO offerings(id, code, course_id, starts, ends, price_cents, currency, capacity, closes, season,"
              " created_at, updated_at) VALUES (1, 'one-1', 1, '2027-01-04', '2027-01-08', 0, 'USD', 50, '2027-01-01',"
              " 's', 1, 1), (2, 'one-2', 1, '2027-02-01', '2027-02-05', 0, 'USD', 50, '2027-01-25', 's', 1, 1),"
              " (3, 'one-3', 1, '2027-03-01', '2027-03-05', 0, 'USD', 50, '2027-02-25', 's', 1, 1)") == 0);
    CHECK(sql("INSERT INTO users(id, email, name, password_hash, role, time_zone, created_at) VALUES"
              " (1, 'ada@example.org', 'Ada', 'x', 'participant', 'UTC', 1),"
              " (2, 'bea@example.org', 'Bea', 'x', 'participant', 'UTC', 1),"
              " (5, 'coach@example.org', 'Coach', 'x', 'coach', 'UTC', 1),"
              " (6, 'other@example.org', 'Other', 'x', 'coach', 'UTC', 1),"
              " (7, 'out@example.org', 'Outsider', 'x', 'participant', 'UTC', 1)") == 0);
    CHECK(sql("INSERT INTO enrolments(id, offering_id, user_id, status, payment_status, amount_cents, currency,"
              " created_at, updated_at) VALUES (1, 1, 1, 'active', 'paid', 0, 'USD', 1, 1),"
              " (2, 2, 2, 'active', 'paid', 0, 'USD', 1, 1)") == 0);
    CHECK(sql("INSERT INTO offering_staff(offering_id, user_id, role, created_at) VALUES (1, 5, 'coach', 1),"
              " (3, 5, 'coach', 1), (2, 6, 'coach', 1)") == 0);
    CHECK(sql("INSERT INTO threads(id, offering_id, author_id, title, created_at, last_post_at) VALUES"
              " (1, 1, 1, 'Here', 1, 1), (2, 2, 2, 'There', 1, 1)") == 0);

    /* reading twice with nothing written between: the same */
    seen a, b;
    CHECK(look(&a) == 0 && look(&b) == 0);
    CHECK(a.coach == b.coach && a.one == b.one && a.two == b.two);
    CHECK(a.one != a.two);

    /* what the coach pages of offering 1 show */
    /* a post as the site writes one: the post, and its thread moved on */
    change("a post", "INSERT INTO posts(id, thread_id, author_id, body_md, body_html, created_at)"
                     " VALUES (1, 1, 1, 'x', 'x', 2);"
                     " UPDATE threads SET posts = 1, last_post_id = 1, version = version + 1 WHERE id = 1", 1, 0);
    change("a post hidden", "UPDATE posts SET hidden_at = 3, hidden_by = 5 WHERE id = 1", 1, 0);
    change("a new thread", "INSERT INTO threads(id, offering_id, author_id, title, created_at, last_post_at)"
                           " VALUES (3, 1, 1, 'More', 4, 4)", 1, 0);
    change("a part checked off", "INSERT INTO progress(offering_id, user_id, part, done_at) VALUES (1, 1, 'item:11', 5)",
           1, 0);
    change("a part checked on again", "DELETE FROM progress WHERE offering_id = 1 AND user_id = 1", 1, 0);
    change("a submission", "INSERT INTO submissions(id, offering_id, item_id, user_id, version, created_at)"
                           " VALUES (1, 1, 31, 1, 1, 6)", 1, 0);
    change("a feedback decision", "UPDATE submissions SET state = 'revise', decided_at = 7 WHERE id = 1", 1, 0);
    change("a visit", "INSERT INTO workspace_visits(offering_id, user_id, first_at, last_at) VALUES (1, 1, 8, 8)", 1, 0);
    change("a later visit", "UPDATE workspace_visits SET last_at = 100 WHERE offering_id = 1 AND user_id = 1", 1, 0);
    change("a message", "INSERT INTO messages(id, offering_id, participant_id, author_id, body_md, body_html, created_at)"
                        " VALUES (1, 1, 1, 1, 'q', 'q', 9)", 1, 0);
    change("a message read", "UPDATE messages SET read_at = 10 WHERE id = 1", 1, 0);
    change("a queue mark", "INSERT INTO queue_marks(kind, object_id, user_id, offering_id, mode, created_at)"
                           " VALUES ('thread', 3, 5, 1, 'no_reply', 11)", 1, 0);
    change("a sign-off", "INSERT INTO completions(offering_id, user_id, signed_by, signed_at) VALUES (1, 1, 5, 12)",
           1, 0);
    change("a certificate", "INSERT INTO certificates(id, number, offering_id, user_id, coach_id, recipient_name, salt,"
                            " identity_hash, hours, issued_at) VALUES (1, 'N-1', 1, 1, 5, 'Ada', 's', 'h', 5, 13)",
           1, 0);
    change("a certificate revoked", "UPDATE certificates SET revoked_at = 14, revoked_by = 5 WHERE id = 1", 1, 0);
    change("a seat refunded", "UPDATE enrolments SET status = 'refunded' WHERE id = 1", 1, 0);
    change("a participant's new name", "UPDATE users SET name = 'Ada L' WHERE id = 1", 1, 0);
    change("a participant's time zone", "UPDATE users SET time_zone = 'Asia/Tokyo' WHERE id = 1", 1, 0);
    change("the coach's time zone", "UPDATE users SET time_zone = 'Europe/Paris' WHERE id = 5", 1, 0);
    change("published content", "UPDATE course_items SET title = 'A one' WHERE id = 31", 1, 1);

    /* offering 2's changes move offering 2 alone */
    change("a post elsewhere", "INSERT INTO posts(id, thread_id, author_id, body_md, body_html, created_at)"
                               " VALUES (2, 2, 2, 'x', 'x', 20);"
                               " UPDATE threads SET posts = 1, last_post_id = 2, version = version + 1 WHERE id = 2",
           0, 1);
    change("progress elsewhere", "INSERT INTO progress(offering_id, user_id, part, done_at) VALUES (2, 2, 'panel', 21)",
           0, 1);
    change("a submission elsewhere", "INSERT INTO submissions(id, offering_id, item_id, user_id, version, created_at)"
                                     " VALUES (2, 2, 31, 2, 1, 22)", 0, 1);
    change("a name elsewhere", "UPDATE users SET name = 'Bea B' WHERE id = 2", 0, 1);

    /* writes none of these pages show move none of the versions */
    change("mail queued", "INSERT INTO outbox(kind, recipient, subject, next_attempt_at, created_at)"
                          " VALUES ('mail', 'ada@example.org', 'Hi', 30, 30)", 0, 0);
    change("mail sent", "UPDATE outbox SET sent_at = 31, attempts = 1", 0, 0);
    change("a session", "INSERT INTO sessions(token_hash, user_id, csrf, created_at, expires_at)"
                        " VALUES (x'01', 1, 'c', 32, 99)", 0, 0);
    change("a notification", "INSERT INTO notifications(user_id, offering_id, kind, title, link, created_at)"
                             " VALUES (5, 1, 'reply', 't', '/', 33)", 0, 0);
    change("a notification mailed", "UPDATE notifications SET mail_state = 'sent'", 0, 0);
    change("a read mark", "INSERT INTO thread_reads(user_id, thread_id, last_post_id) VALUES (1, 1, 1)", 0, 0);
    change("an outsider's name", "UPDATE users SET name = 'Out' WHERE id = 7", 0, 0);
    change("a name set to itself", "UPDATE users SET name = 'Ada L' WHERE id = 1", 0, 0);

    /* someone becoming staff facilitates every offering: all move */
    change("an outsider made staff", "UPDATE users SET role = 'staff' WHERE id = 7", 1, 1);
    /* the coach's list of offerings changing moves the coach's version
    ** (and, as every change to an offering's staff, the content version) */
    change_of("the coach leaving offering 3", "DELETE FROM offering_staff WHERE offering_id = 3 AND user_id = 5", 1, 1,
              1);

    /* staff's version: every commit, whatever it touched */
    uint64_t s1, s2, s3;
    CHECK(store_coach_version(d, 7, 1, &s1) == 0);
    CHECK(store_coach_version(d, 7, 1, &s2) == 0);
    CHECK(s1 == s2);
    CHECK(sql("UPDATE outbox SET attempts = 2") == 0);
    CHECK(store_coach_version(d, 7, 1, &s3) == 0);
    CHECK(s3 != s2);

    db_close(d);
    CHECK(scratch_remove(&s) == 0);
    return check_done();
}
