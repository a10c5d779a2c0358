/*
** test_store_roster.c: the roster's store on a database of its own: the
** figures of each line counted the way the roster says (only published
** items of the course, only this offering, deleted posts left out, only
** settled seats listed), pages chosen by name, every line read one at a
** time, the messages' notifications going to the other side, marking read
** as one conditional write (a second reader changes nothing), and a failing
** storage reported as a failure, never as an absence or an empty list.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "db.h"
#include "log.h"
#include "scratch.h"
#include "store_roster.h"

static db *d;

/* Run SQL with no result; 0 or -1. */
static int sql(const char *q)
{
    return scratch_sql(d, q);
}

/* The progress handler that makes every statement fail (SQLITE_INTERRUPT). */
static int interrupt(void *unused)
{
    (void)unused;
    return 1;
}

/* Count the lines store_roster_each hands over (ctx: an int). */
static int count_line(void *ctx, const roster_row *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

int main(void)
{
    log_quiet(1);
    scratch s;
    d = scratch_open(&s, "roster");
    CHECK(d != NULL);
    if (!d)
        return check_done();
    arena *a = arena_new(0);

    /* two courses, an offering of each; items: 3 playlist (one archived,
    ** one unpublished), 2 prompts, 2 activities */
    CHECK(sql("INSERT INTO courses(id, slug, position, title, tagline, summary, hours_min, hours_max, overview_html,"
              " panel_title, panel_minutes, panel_summary_html, transcript_html) VALUES"
              " (1, 'one', 1, 'One', '', '', 1, 2, '', 'Panel', 30, '', ''),"
              " (2, 'two', 2, 'Two', '', '', 1, 2, '', 'Panel', 30, '', '')") == 0);
    CHECK(sql("INSERT INTO course_items(id, course_id, section, key, position, title, body_html, published, archived_at)"
              " VALUES (11, 1, 'playlist', 'p1', 1, 'P1', '', 1, NULL), (12, 1, 'playlist', 'p2', 2, 'P2', '', 1, NULL),"
              " (13, 1, 'playlist', 'p3', 3, 'P3', '', 1, 5), (14, 1, 'playlist', 'p4', 4, 'P4', '', 0, NULL),"
              " (21, 1, 'prompt', 'q1', 1, 'Q1', '', 1, NULL), (22, 1, 'prompt', 'q2', 2, 'Q2', '', 1, NULL),"
              " (31, 1, 'activity', 'a1', 1, 'A1', '', 1, NULL), (32, 1, 'activity', 'a2', 2, 'A2', '', 1, NULL),"
              " (41, 2, 'playlist', 'x1', 1, 'X1', '', 1, NULL)") == 0);
    CHECK(sql("INSERT INTO offerings(id, code, course_id, starts, ends, price_cents, currency, capacity, closes, season,"
              " created_at, updated_at) VALUES (1, 'one-1', 1, '2027-01-04', '2027-01-08', 0, 'USD', 50, '2027-01-01',"
              " 's', 1, 1), (2, 'two-1', 2, '2027-02-01', '2027-02-05', 0, 'USD', 50, '2027-01-25', 's', 1, 1)") == 0);
    CHECK(sql("INSERT INTO users(id, email, name, password_hash, role, time_zone, created_at) VALUES"
              " (1, 'ada@example.org', 'Ada', 'x', 'participant', 'Europe/Paris', 1),"
              " (2, 'bea@example.org', 'bea', 'x', 'participant', 'UTC', 1),"
              " (3, 'cal@example.org', 'Cal', 'x', 'participant', 'UTC', 1),"
              " (4, 'pen@example.org', 'Pen', 'x', 'participant', 'UTC', 1),"
              " (5, 'coach@example.org', 'Coach', 'x', 'coach', 'UTC', 1),"
              " (6, 'other@example.org', 'Other', 'x', 'coach', 'UTC', 1)") == 0);
    CHECK(sql("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
              " updated_at) VALUES (1, 1, 'active', 'paid', 0, 'USD', 1, 1), (1, 2, 'active', 'waived', 0, 'USD', 1, 1),"
              " (1, 3, 'active', 'invoiced', 0, 'USD', 1, 1), (1, 4, 'pending', 'unpaid', 0, 'USD', 1, 1),"
              " (2, 1, 'active', 'paid', 0, 'USD', 1, 1)") == 0);
    CHECK(sql("INSERT INTO offering_staff(offering_id, user_id, role, created_at) VALUES (1, 5, 'coach', 1),"
              " (2, 6, 'coach', 1)") == 0);
    /* Ada: panel, 4 playlist parts of which 2 count (13 archived, 14
    ** unpublished), 41 of the other course; posts in q1 twice and one
    ** deleted in q2, one in the other offering; 3 versions of a1 (one
    ** waiting), 1 of a2 waiting; seen at 500; signed off at 900 */
    CHECK(sql("INSERT INTO progress(offering_id, user_id, part, done_at) VALUES (1, 1, 'panel', 1), (1, 1, 'item:11', 1),"
              " (1, 1, 'item:12', 1), (1, 1, 'item:13', 1), (1, 1, 'item:14', 1), (1, 1, 'item:41', 1),"
              " (2, 1, 'panel', 1)") == 0);
    CHECK(sql("INSERT INTO threads(id, offering_id, prompt_id, author_id, title, created_at, last_post_at) VALUES"
              " (1, 1, 21, 1, 'T1', 1, 1), (2, 1, 22, 2, 'T2', 1, 1), (3, 2, NULL, 1, 'T3', 1, 1),"
              " (4, 1, NULL, 2, 'General', 1, 1)") == 0);
    CHECK(sql("INSERT INTO posts(id, thread_id, author_id, body_md, body_html, created_at, deleted_at) VALUES"
              " (1, 1, 1, 'a', 'a', 10, NULL), (2, 1, 1, 'b', 'b', 20, NULL), (3, 2, 1, 'c', '', 30, 31),"
              " (4, 3, 1, 'd', 'd', 40, NULL), (5, 4, 1, 'e', 'e', 50, NULL)") == 0);
    CHECK(sql("INSERT INTO submissions(id, offering_id, item_id, user_id, version, created_at, state) VALUES"
              " (1, 1, 31, 1, 1, 100, 'revise'), (2, 1, 31, 1, 2, 200, 'revise'), (3, 1, 31, 1, 3, 300, 'waiting'),"
              " (4, 1, 32, 1, 1, 400, 'waiting')") == 0);
    CHECK(sql("INSERT INTO workspace_visits(offering_id, user_id, first_at, last_at) VALUES (1, 1, 1, 500), (2, 1, 1, 700)") == 0);
    CHECK(sql("INSERT INTO completions(offering_id, user_id, signed_by, signed_at) VALUES (1, 1, 5, 900)") == 0);

    roster_offering o;
    CHECK(store_roster_offering(d, a, "one-1", &o) == 1);
    CHECK(o.id == 1 && o.course_id == 1 && o.n_playlist == 2 && o.n_prompts == 2 && o.n_activities == 2);
    CHECK_STR(o.course_title, "One");
    roster_offering none;
    CHECK(store_roster_offering(d, a, "nope", &none) == 0);
    CHECK(store_roster_count(d, &o) == 3);   /* not the pending one */

    roster_row *list;
    int n;
    CHECK(store_roster_page(d, a, &o, 2, 0, &list, &n) == 0 && n == 2);
    CHECK_STR(list[0].name, "Ada");
    CHECK_STR(list[1].name, "bea");         /* by name, case aside */
    const roster_row *r = &list[0];
    CHECK(r->panel == 1 && r->playlist_done == 2 && r->prompts_posted == 1 && r->posts == 3);
    CHECK(r->activities_submitted == 2 && r->submissions == 4 && r->waiting == 2);
    CHECK(r->last_seen == 500 && r->completed_at == 900);
    CHECK_STR(r->time_zone, "Europe/Paris");
    CHECK(list[1].panel == 0 && list[1].posts == 0 && list[1].last_seen == 0 && list[1].completed_at == 0);
    CHECK(store_roster_page(d, a, &o, 2, 2, &list, &n) == 0 && n == 1);
    CHECK_STR(list[0].name, "Cal");
    int lines = 0;
    CHECK(store_roster_each(d, &o, count_line, &lines) == 0 && lines == 3);
    roster_row one;
    CHECK(store_roster_person(d, a, &o, 1, &one) == 1 && one.posts == 3);
    CHECK(store_roster_person(d, a, &o, 4, &one) == 0);   /* pending: not a participant */
    CHECK(store_roster_person(d, a, &o, 5, &one) == 0);   /* the coach */
    roster_post_row *posts;
    CHECK(store_roster_posts(d, a, 1, 1, 10, &posts, &n) == 0 && n == 3);
    CHECK(posts[0].id == 5 && posts[1].id == 2 && posts[2].id == 1);
    roster_sub_row *subs;
    CHECK(store_roster_submissions(d, a, 1, 1, 10, &subs, &n) == 0 && n == 4);
    CHECK(subs[0].id == 4 && subs[0].version == 1);
    CHECK_STR(subs[0].state, "waiting");
    CHECK_STR(subs[1].item_title, "A1");

    /* messages: the coach writes (Ada told), Ada answers (the coach told,
    ** not the other offering's); reading marks the other side's once */
    int64_t m1 = store_message_add(d, 1, 1, 5, "hi", "<p>hi</p>", 1000);
    int64_t m2 = store_message_add(d, 1, 1, 1, "hello", "<p>hello</p>", 1001);
    CHECK(m1 > 0 && m2 > m1);
    CHECK(store_notify_message(d, 1, 1, 5, "Coach sent you a message", "/learn/one-1/messages#message-1", 1000) == 1);
    CHECK(store_notify_message(d, 1, 1, 1, "Ada sent the coaches a message", "/coach/x", 1001) == 1);
    message_row *msgs;
    CHECK(store_messages(d, a, 1, 1, &msgs, &n) == 0 && n == 2);
    CHECK(msgs[0].id == m1 && msgs[0].author_id == 5 && msgs[1].id == m2);
    CHECK_STR(msgs[0].author_name, "Coach");
    CHECK(store_messages(d, a, 1, 2, &msgs, &n) == 0 && n == 0);   /* bea's thread is hers alone */
    CHECK(store_messages(d, a, 2, 1, &msgs, &n) == 0 && n == 0);   /* and Ada's in the other offering */
    CHECK(store_roster_person(d, a, &o, 1, &one) == 1 && one.unread_messages == 1);
    CHECK(store_messages_read(d, 1, 1, 1, 2000) == 1);   /* Ada reads the coach's */
    CHECK(store_messages_read(d, 1, 1, 1, 2001) == 0);   /* a second reader changes nothing */
    CHECK(store_messages_read(d, 1, 1, 0, 2002) == 1);   /* a coach reads Ada's */
    CHECK(store_messages_read(d, 1, 1, 0, 2003) == 0);
    CHECK(store_messages(d, a, 1, 1, &msgs, &n) == 0 && msgs[0].read_at == 2000 && msgs[1].read_at == 2002);
    CHECK(store_roster_person(d, a, &o, 1, &one) == 1 && one.unread_messages == 0);

    /* failing storage: failures, never absences */
    db_trouble_clear();
    sqlite3_progress_handler(db_handle(d), 1, interrupt, NULL);
    CHECK(store_roster_offering(d, a, "one-1", &none) == -1);
    CHECK(db_trouble());
    CHECK(store_roster_count(d, &o) == -1);
    CHECK(store_roster_page(d, a, &o, 50, 0, &list, &n) == -1);
    CHECK(store_roster_each(d, &o, count_line, &lines) == -1);
    CHECK(store_roster_person(d, a, &o, 1, &one) == -1);
    CHECK(store_roster_posts(d, a, 1, 1, 10, &posts, &n) == -1);
    CHECK(store_roster_submissions(d, a, 1, 1, 10, &subs, &n) == -1);
    CHECK(store_messages(d, a, 1, 1, &msgs, &n) == -1);
    CHECK(store_message_add(d, 1, 1, 5, "x", "x", 3000) == -1);
    CHECK(store_messages_read(d, 1, 1, 1, 3000) == -1);
    CHECK(store_notify_message(d, 1, 1, 5, "t", "/l", 3000) == -1);
    sqlite3_progress_handler(db_handle(d), 0, NULL, NULL);
    db_trouble_clear();
    CHECK(store_roster_count(d, &o) == 3);

    arena_free(a);
    db_close(d);
    CHECK(scratch_remove(&s) == 0);
    return check_done();
}
