/*
** test_gallery.c: an activity's gallery a page at a time, kept per worker
** at the gallery's version (migration 13), and the workspace nav's unread
** count kept per person. On the bench fixtures (bench-cohort: 200 shared
** works of the first activity): the pages hold 50 works each, every work
** once; a page past the last or not a whole number gets a 4xx with a
** message; a comment, its deletion and an unshare show on the next request
** in every worker; a kept page carries each reader's own CSRF token and
** only the reader's own delete forms, never another's, never a slot; its
** dates follow the reader's time zone; text that imitates a slot stays
** text; a new post shows in every reader's unread count at once, and
** its answer links to the thread's page that holds it.
*/
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"

#define PASSWORD "gallery-password-1"

static stack s;
static char gallery[256];   /* "/learn/bench-cohort/activities/KEY/gallery" */

/* The first line of what the sqlite3 shell prints for query q on the
** stack's database (malloc'd, "" on failure). */
static char *sql_text(const char *q)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "sqlite3 -cmd \".timeout 5000\" \"$JOURNEYS_PATHS_DATABASE\" \"%s\" 2>&1", q);
    buf out = BUF_INIT;
    stack_run(&s, cmd, &out);
    char *t = strdup(buf_str(&out));
    buf_free(&out);
    t[strcspn(t, "\n")] = '\0';
    return t;
}

/* GET path as b, expecting 200; the body (malloc'd, "" on failure). */
static char *page(browser *b, const char *path)
{
    long st;
    char *body = tk_get(b, path, &st);
    CHECK(st == 200);
    return body;
}

/* The four pages hold 50 works each and every one of the 200 once; page 1
** links to page 2 and not back, page 4 back to 3 and not on. */
static void test_pages(browser *p)
{
    char path[300];
    buf seen = BUF_INIT;
    int total = 0;
    for (int n = 1; n <= 4; n++) {
        snprintf(path, sizeof path, n == 1 ? "%s" : "%s?page=%d", gallery, n);
        char *body = page(p, path);
        CHECK(tk_count(body, "class=\"card submission\"") == 50);
        char want[400];
        snprintf(want, sizeof want, "page %d of 4.", n);
        CHECK_CONTAINS(body, want);
        CHECK_CONTAINS(body, "200 shared;");
        CHECK((n < 4) == (strstr(body, "rel=\"next\"") != NULL));
        CHECK((n > 1) == (strstr(body, "rel=\"prev\"") != NULL));
        if (n == 2) {
            snprintf(want, sizeof want, "href=\"%s\" rel=\"prev\"", gallery);
            CHECK_CONTAINS(body, want);
        }
        const char *tag0 = "class=\"card submission\" id=\"submission-";
        for (const char *q = strstr(body, tag0); q; q = strstr(q + 1, tag0)) {
            long id = strtol(q + strlen(tag0), NULL, 10);
            char tag[32];
            snprintf(tag, sizeof tag, ",%ld,", id);
            CHECK(!strstr(buf_str(&seen), tag));   /* each once */
            buf_printf(&seen, ",%ld,", id);
            total++;
        }
        free(body);
    }
    CHECK(total == 200);
    buf_free(&seen);

    static const struct {
        const char *query;
        long status;
        const char *says;
    } bad[] = {
        {"?page=5", 404, "This gallery has 4 pages"},
        {"?page=999999", 404, "This gallery has 4 pages"},
        {"?page=0", 400, "whole number from 1"},
        {"?page=-1", 400, "whole number from 1"},
        {"?page=2x", 400, "whole number from 1"},
        {"?page=", 400, "whole number from 1"},
        {"?page=1234567", 400, "whole number from 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(path, sizeof path, "%s%s", gallery, bad[i].query);
        http_res r;
        CHECK(browser_get(p, path, &r) == 0);
        if (r.status != bad[i].status)
            fprintf(stderr, "GET %s: %ld\n", path, r.status);
        CHECK(r.status == bad[i].status);
        CHECK_CONTAINS(buf_str(&r.body), bad[i].says);
        http_res_free(&r);
    }
}

/* Comments, their deletion and an unshare show on the next request in
** every worker; each reader gets their own token and delete forms only. */
static void test_kept(browser *p, browser *c1, browser *c2)
{
    /* Fill every worker's copy of page 1 first. */
    for (int i = 0; i < 6; i++)
        free(page(p, gallery));
    char *body = page(p, gallery);
    const char *q = strstr(body, "id=\"submission-");
    long first = q ? strtol(q + 15, NULL, 10) : 0;
    CHECK(first > 0);
    free(body);

    char action[300], form[300];
    snprintf(action, sizeof action, "/learn/bench-cohort/submissions/%ld/comments", first);
    http_res r;
    CHECK(browser_submit(c1, gallery, action, "body=A+kept+page+must+show+this+remark", &r) == 0);
    CHECK(r.status == 303);
    http_res_free(&r);
    char *cid = sql_text("SELECT max(id) FROM submission_comments");
    char del[200];
    snprintf(del, sizeof del, "/learn/bench-cohort/submission-comments/%s/delete", cid);

    /* The commenter sees their delete form, with their own token. */
    CHECK(browser_get(c1, gallery, &r) == 0 && r.status == 200);
    char *c1_token = browser_csrf(&r);
    CHECK_CONTAINS(buf_str(&r.body), "A kept page must show this remark");
    CHECK_CONTAINS(buf_str(&r.body), del);
    CHECK(!strstr(buf_str(&r.body), "<!--k:"));
    http_res_free(&r);

    /* Everyone else sees the comment at once, in every worker, without
    ** the form, with their own token and no slot. */
    for (int i = 0; i < 6; i++) {
        CHECK(browser_get(p, gallery, &r) == 0 && r.status == 200);
        const char *b = buf_str(&r.body);
        char *mine = browser_csrf(&r);
        CHECK_CONTAINS(b, "A kept page must show this remark");
        CHECK(!strstr(b, del));
        CHECK(!strstr(b, "<!--k:") && !strstr(b, "<!--csrf-->"));
        CHECK(mine && *mine && c1_token && strcmp(mine, c1_token) && !strstr(b, c1_token));
        CHECK(tk_count(b, mine) == tk_count(b, "name=\"csrf\""));   /* every form carries it */
        CHECK(tk_count(b, mine) > 50);
        free(mine);
        http_res_free(&r);
    }

    /* Text that imitates a slot stays text, for every reader. */
    snprintf(form, sizeof form, "body=%s", "%3C!--csrf--%3E+%3C!--k%3Aguess%3Amine%3A1--%3E+slot+lookalike");
    CHECK(browser_submit(c2, gallery, action, form, &r) == 0 && r.status == 303);
    http_res_free(&r);
    for (int i = 0; i < 4; i++) {
        CHECK(browser_get(p, gallery, &r) == 0 && r.status == 200);
        CHECK_CONTAINS(buf_str(&r.body), "slot lookalike");
        CHECK_CONTAINS(buf_str(&r.body), "&lt;!&ndash;k:guess:mine:1&ndash;>");
        CHECK(!strstr(buf_str(&r.body), "<!--"));
        http_res_free(&r);
    }

    /* The delete shows at once for everyone. */
    snprintf(form, sizeof form, "csrf=%s", c1_token ? c1_token : "");
    CHECK(browser_post(c1, del, form, &r) == 0 && r.status == 303);
    http_res_free(&r);
    for (int i = 0; i < 4; i++) {
        body = page(p, gallery);
        CHECK(!strstr(body, "A kept page must show this remark"));
        CHECK_CONTAINS(body, "Comment deleted by its author.");
        free(body);
    }
    free(c1_token);
    free(cid);

    /* An unshare takes the work out of every worker's pages. */
    char *sid = sql_text("SELECT s.id FROM submissions s JOIN users u ON u.id = s.user_id"
                         " WHERE u.email = 'bench@example.org' AND s.shared_at IS NOT NULL");
    char anchor[64], path[300];
    snprintf(anchor, sizeof anchor, "id=\"submission-%s\"", sid);
    int found = 0;
    for (int n = 1; n <= 4; n++) {
        snprintf(path, sizeof path, n == 1 ? "%s" : "%s?page=%d", gallery, n);
        body = page(p, path);
        found += strstr(body, anchor) != NULL;
        free(body);
    }
    CHECK(found == 1);
    snprintf(action, sizeof action, "/learn/bench-cohort/submissions/%s/unshare", sid);
    CHECK(browser_submit(p, gallery, action, "", &r) == 0 && r.status == 303);
    http_res_free(&r);
    for (int i = 0; i < 3; i++) {
        for (int n = 1; n <= 4; n++) {
            snprintf(path, sizeof path, n == 1 ? "%s" : "%s?page=%d", gallery, n);
            body = page(c2, path);
            CHECK(!strstr(body, anchor));
            CHECK_CONTAINS(body, "199 shared;");
            free(body);
        }
    }
    free(sid);
}

/* Dates follow the reader's zone: the same kept page, two zones. */
static void test_zones(browser *p, browser *c1)
{
    char *u = page(p, gallery);
    char *n = page(c1, gallery);
    CHECK(strstr(u, " UTC</time>") != NULL);
    CHECK(strstr(n, " UTC</time>") == NULL);
    CHECK(strstr(n, " EST</time>") != NULL || strstr(n, " EDT</time>") != NULL);
    free(u);
    free(n);
}

/* The nav's unread count (kept per person) moves with a new post at once
** in every worker, and back when the person reads it. */
static void test_unread(browser *p, browser *c1)
{
    char *body = page(p, gallery);
    const char *b = strstr(body, "<span class=\"badge\">");
    int before = b ? atoi(b + strlen("<span class=\"badge\">")) : 0;
    CHECK(before > 0);   /* the fixtures leave 250 posts of the long thread unread */
    free(body);
    for (int i = 0; i < 4; i++)
        free(page(p, gallery));
    char *tid = sql_text("SELECT t.id FROM threads t JOIN offerings o ON o.id = t.offering_id"
                         " WHERE o.code = 'bench-cohort' ORDER BY t.posts DESC, t.id LIMIT 1");
    char path[200], action[300];
    snprintf(path, sizeof path, "/learn/bench-cohort/threads/%s", tid);
    snprintf(action, sizeof action, "%s/reply", path);
    http_res r;
    CHECK(browser_submit(c1, path, action, "quote_id=&body=One+more+post+to+count", &r) == 0 && r.status == 303);
    /* the 501st post of the thread is on its page 11 (50 a page) */
    char *to = http_res_location(&r);
    char *newest = sql_text("SELECT max(id) FROM posts");
    char page11[200];
    snprintf(page11, sizeof page11, "?page=11#post-%s", newest);
    CHECK_CONTAINS(to, page11);
    free(to);
    free(newest);
    http_res_free(&r);
    char want[64];
    snprintf(want, sizeof want, "<span class=\"badge\">%d<", before + 1);
    for (int i = 0; i < 4; i++) {
        body = page(p, gallery);
        CHECK_CONTAINS(body, want);
        free(body);
    }
    free(tid);
}

int main(void)
{
    if (tk_bench_stack(&s, PASSWORD, NULL) != 0) {
        CHECK(!"the stack starts with the bench fixtures");
        return check_done();
    }
    char *key = sql_text("SELECT i.key FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                         " WHERE o.code = 'bench-cohort' AND i.section = 'activity' AND i.archived_at IS NULL"
                         " ORDER BY i.position LIMIT 1");
    snprintf(gallery, sizeof gallery, "/learn/bench-cohort/activities/%s/gallery", key);
    free(key);
    char *tz = sql_text("SELECT time_zone FROM users WHERE email = 'bench@example.org'");
    CHECK_STR(tz, "UTC");
    free(tz);

    /* the participant (UTC), and two classmates (New York, London) */
    browser p, c1, c2, anon;
    browser_open(&p, &s);
    browser_open(&c1, &s);
    browser_open(&c2, &s);
    browser_open(&anon, &s);
    CHECK(tk_sign_in(&p, "bench%40example.org", PASSWORD) == 303);
    CHECK(tk_sign_in(&c1, "cohort-001%40bench.example", PASSWORD) == 303);
    CHECK(tk_sign_in(&c2, "cohort-002%40bench.example", PASSWORD) == 303);

    /* Only the cohort reads it. */
    http_res r;
    CHECK(browser_get(&anon, gallery, &r) == 0 && r.status != 200);
    CHECK(!strstr(buf_str(&r.body), "My draft, number"));
    http_res_free(&r);

    test_pages(&p);
    test_zones(&p, &c1);
    test_kept(&p, &c1, &c2);
    test_unread(&p, &c1);

    browser_close(&p);
    browser_close(&c1);
    browser_close(&c2);
    browser_close(&anon);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
