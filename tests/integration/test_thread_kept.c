/*
** test_thread_kept.c: a thread's page of posts kept per worker at the
** thread's version (pages/discuss.c, partials/thread_posts). On the bench
** fixtures (bench-cohort's general thread of 500 posts): a reply, an edit,
** a hidden post, a rename of an author and a deletion show on the next
** request in every worker; each reader gets their own CSRF token in every
** form, their own edit and delete forms and nobody else's, the reason a
** post was hidden only when it is theirs or they moderate, the "new since
** your last visit" marker only on their own first unread post, and never
** a slot; text that imitates a slot stays text; a refused edit comes back
** open without touching what others get; and an edit form leaves the kept
** page when its 30 minutes are over, with no change to the thread.
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

#define PASSWORD "thread-password-1"
#define WORKERS_ROUNDS 6   /* requests enough to reach every worker */

static stack s;
static db *site;
static char thread[128];   /* "/learn/bench-cohort/threads/ID" */
static char last[160];     /* its last page, where a reply lands */

/* GET path as b, expecting 200; the body (malloc'd, "" on failure). */
static char *page(browser *b, const char *path)
{
    long st;
    char *body = tk_get(b, path, &st);
    CHECK(st == 200);
    return body;
}

/* POST form to action as b from the page at path (its CSRF token added);
** the status. */
static long submit(browser *b, const char *path, const char *action, const char *form)
{
    http_res r;
    long st = browser_submit(b, path, action, form, &r) == 0 ? r.status : -1;
    http_res_free(&r);
    return st;
}

/* Every reader's page: no slot left, their own token in every form and
** nobody else's (other, may be NULL). */
static void check_forms(const char *body, const char *mine, const char *other)
{
    CHECK(!strstr(body, "<!--k:"));
    CHECK(mine && *mine);
    if (mine && *mine)
        CHECK(tk_count(body, mine) == tk_count(body, "name=\"csrf\""));
    if (other && *other)
        CHECK(!strstr(body, other));
}

/* The token a page's forms carry, as b (malloc'd). */
static char *token_of(browser *b, const char *path)
{
    http_res r;
    CHECK(browser_get(b, path, &r) == 0 && r.status == 200);
    char *t = browser_csrf(&r);
    http_res_free(&r);
    return t ? t : strdup("");
}

static void test_reply_edit_delete(browser *p, browser *c1, browser *staff)
{
    /* Fill every worker's copy of the last page first. */
    for (int i = 0; i < WORKERS_ROUNDS; i++)
        free(page(p, last));
    CHECK(submit(c1, last, tk_fmt("%s/reply", thread), "body=A+reply+every+worker+must+show") == 303);
    int64_t post = tk_sql_int(site, "SELECT max(id) FROM posts");
    char edit[160], del[160], hide[160];
    snprintf(edit, sizeof edit, "/learn/bench-cohort/posts/%lld/edit", (long long)post);
    snprintf(del, sizeof del, "/learn/bench-cohort/posts/%lld/delete", (long long)post);
    snprintf(hide, sizeof hide, "/learn/bench-cohort/posts/%lld/hide", (long long)post);
    const char *newer = tk_fmt("%s?page=11", thread);
    char newer_page[200];
    snprintf(newer_page, sizeof newer_page, "%s", newer);

    /* The author gets their edit and delete forms, with their own token. */
    char *c1_token = token_of(c1, newer_page);
    char *body = page(c1, newer_page);
    CHECK_CONTAINS(body, "A reply every worker must show");
    CHECK_CONTAINS(body, edit);
    CHECK_CONTAINS(body, del);
    check_forms(body, c1_token, NULL);
    free(body);

    /* Everyone else sees the reply at once, in every worker, without them. */
    char *p_token = token_of(p, newer_page);
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        body = page(p, newer_page);
        CHECK_CONTAINS(body, "A reply every worker must show");
        CHECK(!strstr(body, edit) && !strstr(body, del) && !strstr(body, hide));
        check_forms(body, p_token, c1_token);
        free(body);
    }

    /* An edit shows at once for everyone. */
    char *rev = tk_sql_text(site, tk_fmt("SELECT revision FROM posts WHERE id = %lld", (long long)post));
    CHECK(submit(c1, newer_page, edit, tk_fmt("revision=%s&body=The+edited+reply", rev)) == 303);
    free(rev);
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        body = page(p, newer_page);
        CHECK_CONTAINS(body, "The edited reply");
        CHECK(!strstr(body, "A reply every worker must show"));
        free(body);
    }

    /* A refused edit comes back open with what was sent, for its author
    ** only; nobody else's page changes. */
    rev = tk_sql_text(site, tk_fmt("SELECT revision FROM posts WHERE id = %lld", (long long)post));
    http_res r;
    CHECK(browser_submit(c1, newer_page, edit, tk_fmt("revision=%s&body=", rev), &r) == 0);
    CHECK(r.status == 422);
    CHECK_CONTAINS(buf_str(&r.body), "details class=\"post__edit\" open");
    CHECK(!strstr(buf_str(&r.body), "<!--k:"));
    http_res_free(&r);
    free(rev);
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        body = page(p, newer_page);
        CHECK(!strstr(body, "class=\"post__edit\""));
        free(body);
    }

    /* A coach (here staff) hides it with a reason: readers see that it was
    ** hidden, not the post nor why; its author sees why; staff see both
    ** and the form that shows it again. */
    CHECK(submit(staff, newer_page, hide, "reason=Names+a+student") == 303);
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        body = page(p, newer_page);
        CHECK_CONTAINS(body, "This post was hidden by a coach.");
        CHECK(!strstr(body, "The edited reply") && !strstr(body, "Names a student"));
        free(body);
        body = page(c1, newer_page);
        CHECK_CONTAINS(body, "Reason: Names a student");
        CHECK(!strstr(body, "The edited reply"));
        free(body);
        body = page(staff, newer_page);
        CHECK_CONTAINS(body, "Reason: Names a student");
        CHECK_CONTAINS(body, "The edited reply");
        CHECK_CONTAINS(body, tk_fmt("/learn/bench-cohort/posts/%lld/unhide", (long long)post));
        free(body);
    }
    CHECK(submit(staff, newer_page, tk_fmt("/learn/bench-cohort/posts/%lld/unhide", (long long)post), "") == 303);

    /* A new name of the author shows at once (the rename moves the
    ** thread's version in the same transaction). */
    CHECK(tk_sql(site, "UPDATE users SET name = 'Renamed Member' WHERE email = 'cohort-001@bench.example'") == 0);
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        body = page(p, newer_page);
        CHECK_CONTAINS(body, "Renamed Member");
        free(body);
    }

    /* The delete leaves a tombstone for everyone. */
    CHECK(submit(c1, newer_page, del, "") == 303);
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        body = page(p, newer_page);
        CHECK_CONTAINS(body, "This post was deleted.");
        CHECK(!strstr(body, "The edited reply"));
        free(body);
    }
    free(c1_token);
    free(p_token);
}

/* The marker: only on the reader's own first unread post. Two readers in
** the same zone share the kept page; one read the first 250 posts, the
** other none. */
static void test_marker(browser *p, browser *c4)
{
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        char *body = page(p, thread);
        CHECK(tk_count(body, "id=\"first-unread\"") == 0);
        free(body);
    }
    /* c4 has not read anything: the first post of page 1 carries it */
    int64_t first = tk_sql_int(site, tk_fmt("SELECT min(id) FROM posts WHERE thread_id = %s"
                                             " AND author_id <> (SELECT id FROM users"
                                             " WHERE email = 'cohort-004@bench.example')",
                                             strrchr(thread, '/') + 1));
    char *body = page(c4, thread);
    CHECK(tk_count(body, "id=\"first-unread\"") == 1);
    const char *at = strstr(body, tk_fmt("id=\"post-%lld\"", (long long)first));
    const char *mark = strstr(body, "id=\"first-unread\"");
    const char *next = at ? strstr(at + 1, "<li class=\"post") : NULL;
    CHECK(at && mark && mark > at && (!next || mark < next));
    free(body);
    /* once read, the page is marked read: no marker on it again */
    body = page(c4, thread);
    CHECK(tk_count(body, "id=\"first-unread\"") == 0);
    free(body);
}

/* Text that imitates a slot stays text, for every reader. */
static void test_lookalike(browser *p, browser *c1)
{
    const char *form = "body=%3C!--k%3Aguess%3Aat%3A1--%3E+%3C!--k%3Aguess%3Amine%3A1--%3E+slot+lookalike";
    CHECK(submit(c1, last, tk_fmt("%s/reply", thread), form) == 303);
    const char *newer = tk_fmt("%s?page=11", thread);
    char path[200];
    snprintf(path, sizeof path, "%s", newer);
    for (int i = 0; i < WORKERS_ROUNDS; i++) {
        char *body = page(p, path);
        CHECK_CONTAINS(body, "slot lookalike");
        CHECK(!strstr(body, "<!--"));
        free(body);
    }
}

/* An edit form leaves the kept page when its 30 minutes are over, with no
** change to the thread: the page is kept only until then. The post is
** made 29 minutes and 40 seconds old, and the page is read until the form
** is gone (at most a minute). */
static void test_edit_window(browser *c1)
{
    CHECK(submit(c1, last, tk_fmt("%s/reply", thread), "body=Soon+too+old+to+edit") == 303);
    int64_t post = tk_sql_int(site, "SELECT max(id) FROM posts");
    CHECK(tk_sql(site, tk_fmt("UPDATE posts SET created_at = unixepoch() - 1780 WHERE id = %lld", (long long)post)) == 0);
    CHECK(tk_sql(site, tk_fmt("UPDATE threads SET version = version + 1 WHERE id = %s", strrchr(thread, '/') + 1)) == 0);
    const char *edit = tk_fmt("/learn/bench-cohort/posts/%lld/edit", (long long)post);
    char form_of[160];
    snprintf(form_of, sizeof form_of, "%s", edit);
    char path[200];
    snprintf(path, sizeof path, "%s?page=11", thread);
    char *body = page(c1, path);
    CHECK_CONTAINS(body, form_of);
    free(body);
    int gone = 0;
    for (int i = 0; i < 600 && !gone; i++) {
        body = page(c1, path);
        gone = !strstr(body, form_of);
        if (gone)
            CHECK_CONTAINS(body, tk_fmt("/learn/bench-cohort/posts/%lld/delete", (long long)post));
        free(body);
        if (!gone)
            usleep(100 * 1000);
    }
    CHECK(gone);
}

/* Unread posts are counted up to 1,000 a thread, and shown as "1,000+"
** from there: a reader who never opened a thread of 1,500 more posts is
** told so on the thread, in its space and in the workspace's nav. */
static void test_unread_cap(browser *c4)
{
    const char *id = strrchr(thread, '/') + 1;
    CHECK(tk_sql(site, tk_fmt("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)"
                              " INSERT INTO posts(thread_id, author_id, body_md, body_html, created_at)"
                              " SELECT %s, (SELECT id FROM users WHERE email = 'cohort-001@bench.example'),"
                              " 'More', '<p>More</p>', unixepoch() FROM n", id)) == 0);
    CHECK(tk_sql(site, tk_fmt("UPDATE threads SET posts = (SELECT count(*) FROM posts WHERE thread_id = %s),"
                              " last_post_id = (SELECT max(id) FROM posts WHERE thread_id = %s), last_post_at = unixepoch(),"
                              " version = version + 1 WHERE id = %s", id, id, id)) == 0);
    CHECK(tk_sql(site, "DELETE FROM thread_reads WHERE user_id = (SELECT id FROM users"
                       " WHERE email = 'cohort-004@bench.example')") == 0);
    /* the space and the list of spaces first: opening the thread marks
    ** the page shown read */
    char *body = page(c4, "/learn/bench-cohort/discuss/general");
    CHECK_CONTAINS(body, "1,000+ new");
    free(body);
    body = page(c4, "/learn/bench-cohort/discuss");
    CHECK_CONTAINS(body, "1,000+ new");
    CHECK_CONTAINS(body, "<span class=\"badge\">1,000+<span class=\"visually-hidden\"> unread</span>");
    free(body);
    body = page(c4, tk_fmt("%s?page=30", thread));
    CHECK_CONTAINS(body, "(1,000+ new)");
    free(body);
}

int main(void)
{
    if (tk_bench_stack(&s, PASSWORD, &site) != 0) {
        CHECK(!"the stack starts with the bench fixtures");
        return check_done();
    }
    int64_t id = tk_sql_int(site, "SELECT t.id FROM threads t JOIN offerings o ON o.id = t.offering_id"
                                  " WHERE o.code = 'bench-cohort' ORDER BY t.posts DESC, t.id LIMIT 1");
    CHECK(id > 0 && tk_sql_int(site, tk_fmt("SELECT posts FROM threads WHERE id = %lld", (long long)id)) == 500);
    snprintf(thread, sizeof thread, "/learn/bench-cohort/threads/%lld", (long long)id);
    snprintf(last, sizeof last, "%s?page=10", thread);

    /* the participant and cohort-004 read in UTC, cohort-001 in New York */
    browser p, c1, c4, staff;
    browser_open(&p, &s);
    browser_open(&c1, &s);
    browser_open(&c4, &s);
    browser_open(&staff, &s);
    CHECK(tk_sign_in(&p, "bench%40example.org", PASSWORD) == 303);
    CHECK(tk_sign_in(&c1, "cohort-001%40bench.example", PASSWORD) == 303);
    CHECK(tk_sign_in(&c4, "cohort-004%40bench.example", PASSWORD) == 303);
    CHECK(tk_sign_in(&staff, "bench-staff%40example.org", PASSWORD) == 303);

    test_reply_edit_delete(&p, &c1, &staff);
    test_marker(&p, &c4);
    test_lookalike(&p, &c1);
    test_edit_window(&c1);
    test_unread_cap(&c4);

    browser_close(&p);
    browser_close(&c1);
    browser_close(&c4);
    browser_close(&staff);
    db_close(site);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
