/*
** test_feedback.c: coaches' feedback on activity submissions through real
** nginx. Who may open a submission's page (the owner, the offering's coach,
** staff; not a classmate even when the work is shared, not a participant or
** coach of another offering, not someone signed out) and who may give
** feedback (the coach and staff only); refusals that keep nothing (no
** decision, no text, a level not on the rubric, no level where the
** activity has a rubric, a level where it has none, no CSRF token, a form
** without the count it saw); feedback kept with its version, the version's
** state, the participant's notification, the feedback on the participant's
** activity page and the latest version's state on the list of activities,
** never in the cohort's gallery; feedback on an earlier
** version staying with it after a new version; a stale form told so (409)
** with its text kept; two coaches answering one version at once (one wins);
** the notification e-mailed through the outbox to a real SMTP server;
** and Markdown with XSS payloads rendered safely.
*/
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "db.h"
#include "harness.h"
#include "testkit.h"
#include "smtp.h"
#include "../unit/htmlscan.h"

#define O "pv-2019-10"     /* the offering under test */
#define O2 "gp-2019-11"    /* another offering */
#define ACT "tell-your-public-narrative"         /* an activity with a rubric */
#define ACT2 "plan-to-listen-before-you-write"   /* its rubric is taken away below */
#define LEVEL "Developing: one story is specific"

static stack s;
static smtp_server mail;
static db *site;

typedef struct person {
    browser b;
    char *csrf;
    int64_t id;
} person;

static person ada, bob, zed, cora, otto, sam, anon;

/* ---- helpers ----------------------------------------------------------- */

/* The shared helpers (testkit.h) under this file's short names. */
#define sql(q) tk_sql(site, (q))
#define sql_int(q) tk_sql_int(site, (q))
#define sql_text(q) tk_sql_text(site, (q))
#define fmt tk_fmt
#define urlenc tk_urlenc

/* Make an account (role given) and sign it in; p->id is its user id. */
static void person_make(person *p, const char *email, const char *name, const char *role)
{
    CHECK(stack_run(&s, fmt("echo 'a long password 1' | \"${BUILD:-build}\"/journeys user add %s --name '%s' --role %s "
                            ">/dev/null 2>&1", email, name, role), NULL) == 0);
    p->id = sql_int(fmt("SELECT id FROM users WHERE email = '%s'", email));
    browser_open(&p->b, &s);
    http_res r;
    browser_submit(&p->b, "/signin", "/signin", fmt("email=%s&password=a+long+password+1&next=%%2Fmy", email), &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(&p->b, "/my", &r);
    p->csrf = browser_csrf(&r);
    CHECK(p->csrf && *p->csrf);
    http_res_free(&r);
}

/* GET path as p (r filled; caller frees); the status. */
static long get(person *p, const char *path, http_res *r)
{
    browser_get(&p->b, path, r);
    return r->status;
}

/* GET path as p and return only the status. */
static long get_status(person *p, const char *path)
{
    http_res r;
    long st = get(p, path, &r);
    http_res_free(&r);
    return st;
}

/* Send feedback on submission id in offering code as p: raw body, level
** (NULL: none sent), decision (NULL: none sent), seen (< 0: not sent),
** with p's CSRF token when csrf is set. r filled (caller frees). */
static long feedback(person *p, const char *code, int64_t id, const char *body, const char *level,
                     const char *decision, int seen, int csrf, http_res *r)
{
    buf form = BUF_INIT;
    buf_puts(&form, "body=");
    urlenc(&form, body ? body : "");
    if (level) {
        buf_puts(&form, "&level=");
        urlenc(&form, level);
    }
    if (decision)
        buf_printf(&form, "&decision=%s", decision);
    if (seen >= 0)
        buf_printf(&form, "&seen=%d", seen);
    if (csrf)
        buf_printf(&form, "&csrf=%s", p->csrf ? p->csrf : "");
    browser_post(&p->b, fmt("/learn/%s/submissions/%lld/feedback", code, (long long)id), buf_str(&form), r);
    buf_free(&form);
    return r->status;
}

/* feedback() returning only the status. */
static long feedback_status(person *p, const char *code, int64_t id, const char *body, const char *level,
                            const char *decision, int seen)
{
    http_res r;
    long st = feedback(p, code, id, body, level, decision, seen, 1, &r);
    http_res_free(&r);
    return st;
}

/* Hand in version v of activity key in offering code for user, with the
** body given (its HTML is a paragraph of it), shared when shared is set;
** the new id. */
static int64_t hand_in(int64_t user, const char *code, const char *key, int v, const char *body, int shared)
{
    CHECK(sql(fmt("INSERT INTO submissions(offering_id, item_id, user_id, version, body_md, body_html, links,"
                  " created_at, shared_at) SELECT o.id, i.id, %lld, %d, '%s', '<p>%s</p>', '[]', %d, %s"
                  " FROM offerings o JOIN course_items i ON i.course_id = o.course_id AND i.key = '%s'"
                  " AND i.section = 'activity' WHERE o.code = '%s'",
                  (long long)user, v, body, body, 1700000000 + v, shared ? "1700000100" : "NULL", key, code)) == 0);
    return sql_int("SELECT max(id) FROM submissions");
}

/* Feedback rows on submission id. */
static int64_t fb_rows(int64_t id)
{
    return sql_int(fmt("SELECT count(*) FROM feedback WHERE submission_id = %lld", (long long)id));
}

/* ---- who may see and give ------------------------------------------------ */

static int64_t v1, v2;

static void test_access(void)
{
    char page[128];
    snprintf(page, sizeof page, "/learn/%s/submissions/%lld", O, (long long)v1);
    http_res r;
    /* the owner: the page, no form */
    CHECK(get(&ada, page, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Waiting for feedback");
    CHECK_CONTAINS(buf_str(&r.body), "First narrative draft");
    CHECK(!strstr(buf_str(&r.body), "Send feedback"));
    http_res_free(&r);
    /* the coach and staff: the page with the form and the rubric's levels */
    CHECK(get(&cora, page, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Send feedback");
    CHECK_CONTAINS(buf_str(&r.body), LEVEL);
    CHECK_CONTAINS(buf_str(&r.body), "Exemplary: a listener knows what to do");
    CHECK_CONTAINS(buf_str(&r.body), "name=\"seen\" value=\"0\"");
    http_res_free(&r);
    CHECK(get_status(&sam, page) == 200);
    /* a classmate: the work is shared, but its page (and feedback) is not */
    CHECK(get_status(&bob, page) == 404);
    CHECK(get_status(&bob, fmt("/learn/%s/activities/%s/gallery", O, ACT)) == 200);
    /* a participant and the coach of another offering: by either address */
    CHECK(get_status(&zed, page) == 403);
    CHECK(get_status(&zed, fmt("/learn/%s/submissions/%lld", O2, (long long)v1)) == 404);
    CHECK(get_status(&otto, page) == 403);
    CHECK(get_status(&otto, fmt("/learn/%s/submissions/%lld", O2, (long long)v1)) == 404);
    /* signed out: sent to sign in */
    long st = get_status(&anon, page);
    CHECK(st == 303 || st == 401);
    /* an id that is not there */
    CHECK(get_status(&cora, fmt("/learn/%s/submissions/999999", O)) == 404);

    /* giving feedback: only the coach of this offering and staff */
    CHECK(feedback_status(&ada, O, v1, "I think it is fine", LEVEL, "complete", 0) == 403);
    CHECK(feedback_status(&bob, O, v1, "Nice", LEVEL, "complete", 0) == 404);
    CHECK(feedback_status(&otto, O, v1, "Nice", LEVEL, "complete", 0) == 403);
    CHECK(feedback_status(&otto, O2, v1, "Nice", LEVEL, "complete", 0) == 404);
    CHECK(feedback_status(&zed, O2, v1, "Nice", LEVEL, "complete", 0) == 404);
    CHECK(fb_rows(v1) == 0);
    CHECK(sql_int(fmt("SELECT state = 'waiting' AND decided_at IS NULL FROM submissions WHERE id = %lld",
                      (long long)v1)) == 1);
}

/* ---- refusals keep nothing ----------------------------------------------- */

static void test_refusals(void)
{
    http_res r;
    CHECK(feedback(&cora, O, v1, "Good start", LEVEL, NULL, 0, 1, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Choose a decision");
    CHECK_CONTAINS(buf_str(&r.body), "Good start");     /* the text is kept in the form */
    http_res_free(&r);
    CHECK(feedback(&cora, O, v1, "  \n ", LEVEL, "complete", 0, 1, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Write your feedback first");
    http_res_free(&r);
    CHECK(feedback(&cora, O, v1, "Good start", "Outstanding", "complete", 0, 1, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Choose a level on this activity");
    http_res_free(&r);
    CHECK(feedback_status(&cora, O, v1, "Good start", NULL, "complete", 0) == 422);
    CHECK(feedback_status(&cora, O, v1, "Good start", LEVEL, "approved", 0) == 422);
    CHECK(feedback_status(&cora, O, v1, "Good start", LEVEL, "complete", -1) == 400);
    long st = feedback(&cora, O, v1, "Good start", LEVEL, "complete", 0, 0, &r);
    CHECK(st == 403 || st == 400);
    http_res_free(&r);
    /* too long */
    char *big = malloc(20010);
    memset(big, 'a', 20009);
    big[20009] = '\0';
    CHECK(feedback_status(&cora, O, v1, big, LEVEL, "complete", 0) == 422);
    free(big);
    CHECK(fb_rows(v1) == 0);
    CHECK(sql_int(fmt("SELECT state = 'waiting' FROM submissions WHERE id = %lld", (long long)v1)) == 1);
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = 'feedback'",
                      (long long)ada.id)) == 0);
}

/* ---- feedback kept with its version ------------------------------------- */

static void test_feedback(void)
{
    char page[128], act_page[128];
    snprintf(page, sizeof page, "/learn/%s/submissions/%lld", O, (long long)v1);
    snprintf(act_page, sizeof act_page, "/learn/%s/activities/%s", O, ACT);
    http_res r;
    const char *body = "Strong **story of self**. <script>alert(1)</script> [x](javascript:alert(2)) "
                       "<img src=x onerror=alert(3)> Now sharpen the story of now.";
    CHECK(feedback(&cora, O, v1, body, LEVEL, "revise", 0, 1, &r) == 303);
    char *to = http_res_location(&r);
    int64_t fid = sql_int(fmt("SELECT max(id) FROM feedback WHERE submission_id = %lld", (long long)v1));
    CHECK(fid > 0);
    CHECK(strstr(to, fmt("/learn/%s/submissions/%lld#feedback-%lld", O, (long long)v1, (long long)fid)) != NULL);
    free(to);
    http_res_free(&r);
    CHECK(fb_rows(v1) == 1);
    CHECK(sql_int(fmt("SELECT count(*) FROM feedback WHERE id = %lld AND coach_id = %lld AND level = '%s'"
                      " AND decision = 'revise'", (long long)fid, (long long)cora.id, LEVEL)) == 1);
    CHECK(sql_int(fmt("SELECT state = 'revise' AND decided_at > 0 FROM submissions WHERE id = %lld", (long long)v1)) ==
          1);
    /* the participant is told, with a link to the page */
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = 'feedback'"
                      " AND actor_id = %lld AND link = '/learn/%s/submissions/%lld'",
                      (long long)ada.id, (long long)cora.id, O, (long long)v1)) == 1);
    char *title = sql_text(fmt("SELECT title FROM notifications WHERE user_id = %lld AND kind = 'feedback'",
                               (long long)ada.id));
    CHECK_CONTAINS(title, "Tell your public narrative");
    CHECK_CONTAINS(title, "revise");
    free(title);
    /* and e-mailed at once (the participant's choice), through the outbox to a real SMTP server */
    CHECK(smtp_wait_mail(&mail, "To: \"Ada Lovelace\" <ada@example.org>", 1));
    buf all = BUF_INIT;
    CHECK(smtp_read_all(&mail, &all) >= 1);
    /* the subject names the kind (an encoded word, being long) */
    CHECK_CONTAINS(buf_str(&all), "Subject: =?UTF-8?B?RmVlZGJhY2sgZnJvbSB5b3VyIGNvYWNo");
    CHECK(!strstr(buf_str(&all), "bob@example.org"));
    buf_free(&all);
    /* its link opens the notification, which leads to the submission's page */
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s/notifications/", s.base);
    char *link = smtp_mail_link(&mail, prefix);
    CHECK(link != NULL);
    if (link) {
        const char *path = strncmp(link, s.base, strlen(s.base)) ? link : link + strlen(s.base);
        CHECK(get(&ada, path, &r) == 303);
        char *opened = http_res_location(&r);
        CHECK_CONTAINS(opened, fmt("/learn/%s/submissions/%lld", O, (long long)v1));
        free(opened);
        http_res_free(&r);
    }
    free(link);

    /* the owner reads it on the submission's page and the activity's page, safely */
    const char *pages[] = {page, act_page};
    for (int i = 0; i < 2; i++) {
        CHECK(get(&ada, pages[i], &r) == 200);
        const char *html = buf_str(&r.body);
        CHECK_CONTAINS(html, "<strong>story of self</strong>");
        CHECK_CONTAINS(html, "Now sharpen the story of now.");
        CHECK_CONTAINS(html, LEVEL);
        CHECK_CONTAINS(html, "Revise and resubmit");
        CHECK_CONTAINS(html, "Cora Coach");
        CHECK(!strstr(html, "<script>alert"));
        CHECK(!strstr(html, "<img src=x"));
        CHECK(!strstr(html, "href=\"javascript:"));
        CHECK(html_executable(html, strlen(html)) == NULL);   /* nothing in the page would run */
        http_res_free(&r);
    }
    /* the list of activities says where the latest version stands */
    CHECK(get(&ada, fmt("/learn/%s/activities", O), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<dt>Feedback</dt>");
    CHECK_CONTAINS(buf_str(&r.body), "Revise and resubmit");
    http_res_free(&r);
    CHECK(get(&bob, fmt("/learn/%s/activities", O), &r) == 200);
    CHECK(!strstr(buf_str(&r.body), "<dt>Feedback</dt>"));
    http_res_free(&r);
    /* the coach's page now counts it */
    CHECK(get(&cora, page, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "name=\"seen\" value=\"1\"");
    http_res_free(&r);
    /* the cohort's gallery shows the shared work, never its feedback */
    CHECK(get(&bob, fmt("/learn/%s/activities/%s/gallery", O, ACT), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "First narrative draft");
    CHECK(!strstr(buf_str(&r.body), "story of self"));
    CHECK(!strstr(buf_str(&r.body), "sharpen"));
    http_res_free(&r);
    /* the classmate's own activity page shows nothing of it either */
    CHECK(get(&bob, fmt("/learn/%s/activities/%s", O, ACT), &r) == 200);
    CHECK(!strstr(buf_str(&r.body), "sharpen"));
    http_res_free(&r);

    /* a stale form (it saw no feedback) is told so and keeps its text */
    CHECK(feedback(&sam, O, v1, "Staff note: well paced", LEVEL, "complete", 0, 1, &r) == 409);
    CHECK_CONTAINS(buf_str(&r.body), "Someone else gave feedback");
    CHECK_CONTAINS(buf_str(&r.body), "Staff note: well paced");
    CHECK_CONTAINS(buf_str(&r.body), "sharpen");   /* and the feedback that came first is shown */
    http_res_free(&r);
    CHECK(fb_rows(v1) == 1);
    CHECK(sql_int(fmt("SELECT state = 'revise' FROM submissions WHERE id = %lld", (long long)v1)) == 1);
    /* sent again from the page it came back on (which now counts 1), it is kept */
    CHECK(feedback_status(&sam, O, v1, "Staff note: well paced", LEVEL, "revise", 1) == 303);
    CHECK(fb_rows(v1) == 2);

    /* a second version; feedback on it leaves the first version's with the first */
    v2 = hand_in(ada.id, O, ACT, 2, "Second narrative draft", 0);
    CHECK(feedback_status(&sam, O, v2, "Complete: the *choice* is clear now.", "Proficient: self, us and now connect",
                          "complete", 0) == 303);
    CHECK(fb_rows(v1) == 2 && fb_rows(v2) == 1);
    CHECK(sql_int(fmt("SELECT state = 'revise' FROM submissions WHERE id = %lld", (long long)v1)) == 1);
    CHECK(sql_int(fmt("SELECT state = 'complete' FROM submissions WHERE id = %lld", (long long)v2)) == 1);
    CHECK(get(&ada, fmt("/learn/%s/activities", O), &r) == 200);   /* the latest version's state, not the first's */
    CHECK_CONTAINS(buf_str(&r.body), ">Complete</span>");
    CHECK(!strstr(buf_str(&r.body), "Revise and resubmit"));
    http_res_free(&r);
    CHECK(get(&ada, fmt("/learn/%s/submissions/%lld", O, (long long)v2), &r) == 200);
    const char *html = buf_str(&r.body);
    const char *at2 = strstr(html, "id=\"version-2\""), *at1 = strstr(html, "id=\"version-1\"");
    const char *fb2 = strstr(html, "the <em>choice</em> is clear"), *fb1 = strstr(html, "sharpen the story");
    CHECK(at2 && at1 && fb2 && fb1);
    CHECK(at2 < fb2 && fb2 < at1);   /* version 2's feedback under version 2 */
    CHECK(at1 < fb1);                /* version 1's under version 1 */
    http_res_free(&r);
    /* feedback on the earlier version is still possible, and stays there */
    CHECK(feedback_status(&cora, O, v1, "Looking back: this version had the best opening.", LEVEL, "revise", 2) ==
          303);
    CHECK(fb_rows(v1) == 3 && fb_rows(v2) == 1);

    /* an activity without a rubric takes no level */
    CHECK(sql("UPDATE course_items SET rubric = NULL WHERE key = '" ACT2 "'") == 0);
    int64_t w = hand_in(ada.id, O, ACT2, 1, "Listening plan", 0);
    CHECK(get(&cora, fmt("/learn/%s/submissions/%lld", O, (long long)w), &r) == 200);
    CHECK(!strstr(buf_str(&r.body), "Level on the rubric"));
    http_res_free(&r);
    CHECK(feedback_status(&cora, O, w, "Good plan", "Beginning: the usual voices", "complete", 0) == 422);
    CHECK(feedback_status(&cora, O, w, "Good plan", NULL, "complete", 0) == 303);
    CHECK(sql_int(fmt("SELECT count(*) FROM feedback WHERE submission_id = %lld AND level IS NULL",
                      (long long)w)) == 1);
}

/* ---- two coaches at once ------------------------------------------------- */

struct racer {
    person *p;
    int64_t id;
    const char *body;
    long status;
};

/* One racer's POST (its own browser, so its own connection). */
static void *race(void *arg)
{
    struct racer *r = arg;
    r->status = feedback_status(r->p, O, r->id, r->body, LEVEL, "complete", 0);
    return NULL;
}

static void test_race(void)
{
    for (int round = 0; round < 5; round++) {
        int64_t id = hand_in(ada.id, O, ACT, 10 + round, "Another draft", 0);
        struct racer a = {&cora, id, "From the coach", 0}, b = {&sam, id, "From staff", 0};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, race, &a);
        pthread_create(&tb, NULL, race, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        CHECK((a.status == 303 && b.status == 409) || (a.status == 409 && b.status == 303));
        CHECK(fb_rows(id) == 1);
        char *kept = sql_text(fmt("SELECT body_md FROM feedback WHERE submission_id = %lld", (long long)id));
        CHECK_STR(kept, a.status == 303 ? a.body : b.body);
        free(kept);
        CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE kind = 'feedback' AND link ="
                          " '/learn/%s/submissions/%lld'", O, (long long)id)) == 1);
    }
}

int main(void)
{
    if (smtp_start(&mail) != 0) {
        CHECK(!"the SMTP server starts");
        return check_done();
    }
    char e1[128];
    snprintf(e1, sizeof e1, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    const char *env[] = {e1, "JOURNEYS_JOBS_INTERVAL=1", "JOURNEYS_MAIL_RETRY_SECONDS=1", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        smtp_stop(&mail);
        return check_done();
    }
    site = tk_site_db(&s);
    if (!site) {
        CHECK(!"the site's database opens");
        stack_stop(&s);
        return check_done();
    }
    CHECK(sql("UPDATE offerings SET posting_closes_at = NULL WHERE code IN ('" O "', '" O2 "')") == 0);
    /* publish gave every activity of the five courses a rubric */
    CHECK(sql_int("SELECT count(*) FROM course_items WHERE section = 'activity'") >= 15);
    CHECK(sql_int("SELECT count(*) FROM course_items WHERE section = 'activity' AND (rubric IS NULL"
                  " OR json_array_length(rubric) < 2)") == 0);

    person_make(&ada, "ada@example.org", "Ada Lovelace", "participant");
    person_make(&bob, "bob@example.org", "Bob Brown", "participant");
    person_make(&zed, "zed@example.org", "Zed Elsewhere", "participant");
    person_make(&cora, "cora@example.org", "Cora Coach", "coach");
    person_make(&otto, "otto@example.org", "Otto Othercoach", "coach");
    person_make(&sam, "sam@example.org", "Sam Staff", "staff");
    browser_open(&anon.b, &s);
    CHECK(sql("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
              " updated_at) SELECT o.id, u.id, 'active', 'paid', 5000, 'USD', 1, 1 FROM (VALUES"
              " ('" O "', 'ada@example.org'), ('" O "', 'bob@example.org'), ('" O2 "', 'zed@example.org')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);
    CHECK(sql("INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
              " SELECT o.id, u.id, 'coach', 1 FROM (VALUES ('" O "', 'cora@example.org'), ('" O2 "', 'otto@example.org')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);
    v1 = hand_in(ada.id, O, ACT, 1, "First narrative draft", 1);

    test_access();
    test_refusals();
    test_feedback();
    test_race();

    person *all[] = {&ada, &bob, &zed, &cora, &otto, &sam, &anon};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        browser_close(&all[i]->b);
        free(all[i]->csrf);
    }
    db_close(site);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
