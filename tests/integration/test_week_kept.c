/*
** test_week_kept.c: the person's week (/learn/CODE, partials/ws_week_body)
** kept per worker, person, time zone and role (pages/learn.c) under the
** version the triggers of schema 21 move. On the bench fixtures
** (bench-cohort, in its third day): checking a playlist item off, a post
** in a discussion prompt, a submission, a deletion and a change to the
** course each show on the next request in every worker, whichever way the
** row was written; one person's progress never shows on another's week;
** and an item falls due on the kept page at its time, with no write at all.
** The same triggers keep the workspace nav's unread count: a new post and
** a thread read move it too.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "browser.h"
#include "check.h"
#include "db.h"
#include "harness.h"
#include "testkit.h"

#define PASSWORD "week-password-1"
#define WORKERS_ROUNDS 6   /* requests in a row, to whichever workers nginx picks */
#define WEEK "/learn/bench-cohort"

static stack s;
static db *site;

/* GET path as b, expecting 200; the body (malloc'd, "" on failure). */
static char *page(browser *b, const char *path)
{
    long st;
    char *body = tk_get(b, path, &st);
    CHECK(st == 200);
    return body;
}

/* The number of parts done that b's week shows ("Done: N of"), -1 when
** it shows none. */
static int done_on(browser *b)
{
    char *body = page(b, WEEK);
    const char *at = strstr(body, "Done: ");
    int n = at ? atoi(at + 6) : -1;
    free(body);
    return n;
}

/* Whether every one of WORKERS_ROUNDS requests shows b's week with want
** parts done (so every worker has it so). */
static int every_worker_done(browser *b, int want)
{
    int ok = 1;
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        int got = done_on(b);
        if (got != want) {
            fprintf(stderr, "week shows %d done, want %d\n", got, want);
            ok = 0;
        }
    }
    return ok;
}

/* The person's id by e-mail. */
static int64_t user_id(const char *email)
{
    return tk_sql_int(site, tk_fmt("SELECT id FROM users WHERE email = '%s'", email));
}

/* The first published item of section ("playlist" or "activity") in
** bench-cohort's course that user has not done (checked off, submitted);
** -1 when there is none. */
static int64_t undone_item(const char *section, int64_t user)
{
    const char *done = !strcmp(section, "playlist")
                           ? "SELECT 1 FROM progress g WHERE g.offering_id = o.id AND g.user_id = %lld"
                             " AND g.part = 'item:' || i.id"
                           : "SELECT 1 FROM submissions b WHERE b.offering_id = o.id AND b.user_id = %lld"
                             " AND b.item_id = i.id";
    return tk_sql_int(site, tk_fmt("SELECT i.id FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                                   " WHERE o.code = 'bench-cohort' AND i.section = '%s' AND i.published = 1"
                                   " AND i.archived_at IS NULL AND NOT EXISTS (%s) ORDER BY i.position LIMIT 1",
                                   section, tk_fmt(done, (long long)user)));
}

static void test_progress(browser *p, browser *c5)
{
    int64_t me = user_id("bench@example.org");
    int base = done_on(p), other = done_on(c5);
    CHECK(base >= 0 && other >= 0);
    CHECK(every_worker_done(p, base));   /* now kept in every worker */

    /* a playlist item checked off through the form */
    int64_t item = undone_item("playlist", me);
    CHECK(item > 0);
    http_res r;
    CHECK(browser_submit(p, WEEK, tk_fmt(WEEK "/playlist/%lld", (long long)item), "done=1&back=week", &r) == 0);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(every_worker_done(p, base + 1));
    CHECK(every_worker_done(c5, other));   /* someone else's week did not move */

    /* checked on again, written straight to the table */
    CHECK(tk_sql(site, tk_fmt("DELETE FROM progress WHERE user_id = %lld AND part = 'item:%lld'", (long long)me,
                              (long long)item)) == 0);
    CHECK(every_worker_done(p, base));

    /* a submission of an activity the person has not submitted */
    int64_t act = undone_item("activity", me);
    if (act > 0) {
        CHECK(tk_sql(site, tk_fmt("INSERT INTO submissions(offering_id, item_id, user_id, version, body_md, body_html,"
                                  " links, created_at) SELECT o.id, %lld, %lld, 1, 'Mine', '<p>Mine</p>', '[]', unixepoch()"
                                  " FROM offerings o WHERE o.code = 'bench-cohort'", (long long)act, (long long)me)) == 0);
        CHECK(every_worker_done(p, base + 1));
        CHECK(tk_sql(site, tk_fmt("DELETE FROM submissions WHERE user_id = %lld AND item_id = %lld", (long long)me,
                                  (long long)act)) == 0);
        CHECK(every_worker_done(p, base));
    }

    /* a post in a prompt's space the person has not posted in, then its deletion */
    int64_t thread = tk_sql_int(site, tk_fmt("SELECT t.id FROM threads t JOIN offerings o ON o.id = t.offering_id"
                                             " WHERE o.code = 'bench-cohort' AND t.prompt_id IS NOT NULL AND NOT EXISTS"
                                             " (SELECT 1 FROM posts q JOIN threads u ON u.id = q.thread_id"
                                             " WHERE q.author_id = %lld AND q.deleted_at IS NULL"
                                             " AND u.prompt_id = t.prompt_id) ORDER BY t.id LIMIT 1",
                                             (long long)me));
    CHECK(thread > 0);
    const char *path = tk_fmt("/learn/bench-cohort/threads/%lld", (long long)thread);
    char tpath[96];
    snprintf(tpath, sizeof tpath, "%s", path);
    CHECK(browser_submit(p, tpath, tk_fmt("%s/reply", tpath), "body=My+first+word+in+this+space", &r) == 0);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(every_worker_done(p, base + 1));
    CHECK(tk_sql(site, tk_fmt("UPDATE posts SET deleted_at = unixepoch() WHERE thread_id = %lld AND author_id = %lld",
                              (long long)thread, (long long)me)) == 0);
    CHECK(every_worker_done(p, base));

    /* the course changes: its expected hours show at once */
    CHECK(tk_sql(site, "UPDATE courses SET hours_min = 7, hours_max = 9 WHERE id ="
                       " (SELECT course_id FROM offerings WHERE code = 'bench-cohort')") == 0);
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        char *body = page(p, WEEK);
        CHECK_CONTAINS(body, "7 to 9 hours");
        free(body);
    }
}

/* The unread count in the nav: a post by someone else moves it up in
** every worker; reading the thread moves it back down. */
static void test_nav_unread(browser *p)
{
    int64_t me = user_id("bench@example.org");
    int64_t thread = tk_sql_int(site, "SELECT t.id FROM threads t JOIN offerings o ON o.id = t.offering_id"
                                      " WHERE o.code = 'bench-cohort' AND t.prompt_id IS NULL AND t.posts < 50"
                                      " ORDER BY t.id LIMIT 1");
    CHECK(thread > 0);
    /* read to its end first */
    char tpath[96];
    snprintf(tpath, sizeof tpath, "/learn/bench-cohort/threads/%lld", (long long)thread);
    free(page(p, tpath));
    char *body = page(p, WEEK);
    const char *at = strstr(body, "class=\"badge\">");
    int before = at ? atoi(at + 14) : 0;
    free(body);
    CHECK(tk_sql(site, tk_fmt("INSERT INTO posts(thread_id, author_id, body_md, body_html, created_at)"
                              " SELECT %lld, id, 'News', '<p>News</p>', unixepoch() FROM users"
                              " WHERE email = 'cohort-002@bench.example'", (long long)thread)) == 0);
    CHECK(tk_sql(site, tk_fmt("UPDATE threads SET posts = posts + 1, last_post_id = (SELECT max(id) FROM posts),"
                              " last_post_at = unixepoch() WHERE id = %lld", (long long)thread)) == 0);
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        body = page(p, WEEK);
        at = strstr(body, "class=\"badge\">");
        CHECK(at && atoi(at + 14) == before + 1);
        free(body);
    }
    free(page(p, tpath));   /* read again */
    CHECK(tk_sql_int(site, tk_fmt("SELECT last_post_id FROM thread_reads WHERE user_id = %lld AND thread_id = %lld",
                                  (long long)me, (long long)thread)) ==
          tk_sql_int(site, tk_fmt("SELECT last_post_id FROM threads WHERE id = %lld", (long long)thread)));
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        body = page(p, WEEK);
        at = strstr(body, "class=\"badge\">");
        CHECK((at ? atoi(at + 14) : 0) == before);
        free(body);
    }
}

/* An activity made due a minute from now, in the offering's zone (UTC
** here): the kept week shows it as today's work, then, with nothing
** written, as past its due time once the minute comes. */
static void test_falls_due(browser *c5)
{
    int64_t who = user_id("cohort-005@bench.example");
    CHECK(tk_sql(site, "UPDATE offerings SET time_zone = 'UTC', starts = date('now', '-2 days'),"
                       " ends = date('now', '+2 days') WHERE code = 'bench-cohort'") == 0);
    CHECK(tk_sql(site, tk_fmt("UPDATE users SET time_zone = 'UTC' WHERE id = %lld", (long long)who)) == 0);
    int64_t act = undone_item("activity", who);
    CHECK(act > 0);
    /* due at the first whole minute at least 30 s away, on its day of the week */
    CHECK(tk_sql(site, tk_fmt("UPDATE course_items SET opens = NULL, due = 'day ' ||"
                              " CAST(julianday(date(unixepoch() + 90, 'unixepoch')) -"
                              " julianday((SELECT starts FROM offerings WHERE code = 'bench-cohort')) + 1 AS INTEGER)"
                              " || ' ' || strftime('%%H:%%M', unixepoch() + 90, 'unixepoch') WHERE id = %lld",
                              (long long)act)) == 0);
    char *title = tk_sql_text(site, tk_fmt("SELECT title FROM course_items WHERE id = %lld", (long long)act));
    int64_t due_at = tk_sql_int(site, "SELECT (unixepoch() + 90) / 60 * 60");
    char *body = page(c5, WEEK);
    int overdue_before = tk_count(body, "was due");
    CHECK(strstr(body, "<h3>Day 3</h3>") != NULL || strstr(body, "<h3>Day 4</h3>") != NULL);
    free(body);
    CHECK(every_worker_done(c5, done_on(c5)));   /* kept in every worker, before its due time */
    int64_t versions = tk_sql_int(site, tk_fmt("SELECT COALESCE(sum(version), 0) FROM ws_versions WHERE user_id = %lld",
                                               (long long)who));
    int now_due = 0;
    for (int i = 0; i < 1500 && !now_due; i++) {
        body = page(c5, WEEK);
        now_due = tk_count(body, "was due") == overdue_before + 1;
        if (now_due) {
            CHECK(tk_sql_int(site, "SELECT unixepoch()") >= due_at);
            CHECK_CONTAINS(body, title ? title : "?");
        }
        free(body);
        if (!now_due)
            usleep(100 * 1000);
    }
    CHECK(now_due);
    /* nothing the version reads was written meanwhile */
    CHECK(tk_sql_int(site, tk_fmt("SELECT COALESCE(sum(version), 0) FROM ws_versions WHERE user_id = %lld",
                                  (long long)who)) == versions);
    free(title);
}

int main(void)
{
    if (tk_bench_stack(&s, PASSWORD, &site) != 0) {
        CHECK(!"the stack starts with the bench fixtures");
        return check_done();
    }
    browser p, c5;
    browser_open(&p, &s);
    browser_open(&c5, &s);
    CHECK(tk_sign_in(&p, "bench%40example.org", PASSWORD) == 303);
    CHECK(tk_sign_in(&c5, "cohort-005%40bench.example", PASSWORD) == 303);

    test_progress(&p, &c5);
    test_nav_unread(&p);
    test_falls_due(&c5);

    browser_close(&p);
    browser_close(&c5);
    db_close(site);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
