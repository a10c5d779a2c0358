/*
** test_plan.c: planning the calendar in the staff console, through real
** nginx and a real SMTP server: every planning route refuses visitors,
** participants and coaches; an offering is created as a draft (bad input
** is a 422 that writes nothing), is not public until published, and
** leaves the calendar and its feed when withdrawn; an edit of an offering
** with people registered shows who is told and who moves from the
** waitlist before it applies, then mails them and offers the seats; two
** saves from the same form, two publishes, two copies into one new
** season and two season publishes race and one wins; a season copied to
** new dates keeps each offering's end of posting at the same local time
** across a daylight-saving change, and is published in one step, mailing
** each visitor who asked for new dates once. `journeys publish` applies
** a file offering's changes, withdraws one removed from the file, and
** refuses to change one the console owns.
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"
#include "smtp.h"
#include "sqlq.h"

static stack s;
static smtp_server mail;
static sqlite3 *dbh;
#define q_int(sql, p) sqlq_int(dbh, sql, p)

/* Run one statement with ?1 and ?2 bound (either may be NULL). */
static void q_exec(const char *sql, const char *p1, const char *p2)
{
    int rc = tk_exec(dbh, sql, p1, p2);
    if (rc == -1) {
        CHECK(!"the SQL compiles");
        return;
    }
    CHECK(rc == 0);
}

/* Sign b in as email (URL-encoded) with password. */
static void sign_in(browser *b, const char *email, const char *password)
{
    char form[256];
    snprintf(form, sizeof form, "email=%s&password=%s&next=%%2Fmy", email, password);
    http_res r;
    browser_submit(b, "/signin", "/signin", form, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
}

/* GET path as b: the status; the body into body (if not NULL, caller frees). */
static long get(browser *b, const char *path, buf *body)
{
    http_res r;
    CHECK(browser_get(b, path, &r) == 0);
    long st = r.status;
    if (body) {
        buf_reset(body);
        buf_append(body, buf_str(&r.body), r.body.len);
    }
    http_res_free(&r);
    return st;
}

/* Submit form (plus the page's CSRF token) from page to action: the status. */
static long submit(browser *b, const char *page, const char *action, const char *form, buf *body)
{
    http_res r;
    CHECK(browser_submit(b, page, action, form, &r) == 0);
    long st = r.status;
    if (body) {
        buf_reset(body);
        buf_append(body, buf_str(&r.body), r.body.len);
    }
    http_res_free(&r);
    return st;
}

/* The form for a new offering, with the given code, course, dates and seats. */
static const char *offering_form(char *out, size_t n, const char *code, const char *starts, const char *ends,
                                 int capacity, const char *extra)
{
    snprintf(out, n, "code=%s&course=purpose-and-vision&starts=%s&ends=%s&time_zone=America%%2FNew_York"
             "&price=75.00&currency=USD&capacity=%d&opens=&closes=%s&season=2030%%E2%%80%%932031%s",
             code, starts, ends, capacity, starts, extra ? extra : "");
    return out;
}

/* What the anonymous calendar feed should (want 1) or should not hold. */
struct feed_wait {
    const char *needle;
    int want;
};

/* harness_wait: the public calendar feed (through the microcache) holds
** the needle or not, as wanted. */
static int feed_is(void *arg)
{
    struct feed_wait *w = arg;
    http_res r;
    if (http_do(&s, "GET", "/calendar.ics", NULL, NULL, &r) != 0)
        return 0;
    int has = r.status == 200 && strstr(buf_str(&r.body), w->needle) != NULL;
    http_res_free(&r);
    return has == w->want;
}

/* Signed out, participant and coach are refused every planning route. */
static void test_roles(browser *anon, browser *part, browser *coach)
{
    const char *gets[] = {"/staff/offerings", "/staff/offerings/new", "/staff/offerings/pv-2019-10/edit",
                          "/staff/seasons", "/staff/seasons/2019%E2%80%932020", "/staff/seasons/2019%E2%80%932020/copy"};
    const char *posts[] = {"/staff/offerings", "/staff/offerings/pv-2019-10/edit", "/staff/offerings/pv-2019-10/publish",
                           "/staff/offerings/pv-2019-10/unpublish", "/staff/seasons/2019%E2%80%932020/publish",
                           "/staff/seasons/2019%E2%80%932020/copy"};
    for (size_t i = 0; i < sizeof gets / sizeof *gets; i++) {
        http_res r;
        browser_get(anon, gets[i], &r);
        char *loc = http_res_location(&r);
        CHECK(r.status == 303 && !strncmp(loc, "/signin?next=", 13));
        free(loc);
        http_res_free(&r);
        CHECK(get(part, gets[i], NULL) == 403);
        CHECK(get(coach, gets[i], NULL) == 403);
    }
    /* Posts with a good CSRF token from a page each may see. */
    for (size_t i = 0; i < sizeof posts / sizeof *posts; i++) {
        CHECK(submit(part, "/my", posts[i], "season=x&starts=2031-01-06", NULL) == 403);
        CHECK(submit(coach, "/my", posts[i], "season=x&starts=2031-01-06", NULL) == 403);
        http_res r;
        browser_post(anon, posts[i], "season=x", &r);
        CHECK(r.status >= 400);
        http_res_free(&r);
    }
    CHECK(q_int("SELECT count(*) FROM offerings WHERE season = 'x' OR published = 0", NULL) == 0);
}

struct shot {
    browser b;
    char path[160], form[2048];
    long status;
};

/* Post the shot's form at once. */
static void *fire(void *arg)
{
    struct shot *x = arg;
    http_res r;
    browser_post(&x->b, x->path, x->form, &r);
    x->status = r.status;
    http_res_free(&r);
    return NULL;
}

/* Fire two shots together; how many answered 303 (the other must be 409). */
static int race(struct shot *a, struct shot *b)
{
    pthread_t t[2];
    pthread_create(&t[0], NULL, fire, a);
    pthread_create(&t[1], NULL, fire, b);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    CHECK(a->status == 303 || a->status == 409);
    CHECK(b->status == 303 || b->status == 409);
    return (a->status == 303) + (b->status == 303);
}

/* Two staff sessions ready to post form (plus each one's CSRF token from
** page) to path at once. */
static void arm(struct shot *a, struct shot *b, const char *page, const char *path, const char *form)
{
    struct shot *x[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        memset(x[i], 0, sizeof *x[i]);
        browser_open(&x[i]->b, &s);
        sign_in(&x[i]->b, "staff%40example.org", "staff-password-1");
        http_res r;
        browser_get(&x[i]->b, page, &r);
        char *tok = browser_csrf(&r);
        http_res_free(&r);
        snprintf(x[i]->path, sizeof x[i]->path, "%s", path);
        snprintf(x[i]->form, sizeof x[i]->form, "%s&csrf=%s", form, tok);
        free(tok);
    }
}

/* Fire a and b together (statuses in each). */
static void fire_both(struct shot *a, struct shot *b)
{
    pthread_t t[2];
    pthread_create(&t[0], NULL, fire, a);
    pthread_create(&t[1], NULL, fire, b);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    browser_close(&a->b);
    browser_close(&b->b);
}

/* Create, check, publish, withdraw one offering. */
static void test_offering(browser *staff, browser *staff2, const char *coach_id)
{
    char form[1024], extra[64];
    buf body = BUF_INIT;
    /* Bad input: a 422 naming each problem, nothing written. */
    snprintf(form, sizeof form, "code=Bad%%20Code&course=nope&starts=2030-13-01&ends=2030-10-01&time_zone=Mars%%2FBase"
             "&price=abc&currency=usd&capacity=0&closes=&season=&coach=999999");
    CHECK(submit(staff, "/staff/offerings/new", "/staff/offerings", form, &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "Use 3 to 40 lower-case letters");
    CHECK_CONTAINS(buf_str(&body), "Choose the course from the list.");
    CHECK_CONTAINS(buf_str(&body), "Enter the first day as YYYY-MM-DD.");
    CHECK_CONTAINS(buf_str(&body), "Enter a time zone by its name");
    CHECK_CONTAINS(buf_str(&body), "Enter the price like 50.00");
    CHECK_CONTAINS(buf_str(&body), "three capital letters");
    CHECK_CONTAINS(buf_str(&body), "Enter the number of seats");
    CHECK_CONTAINS(buf_str(&body), "only accounts with the coach role can coach");
    CHECK(q_int("SELECT count(*) FROM offerings WHERE published = 0", NULL) == 0);
    /* Without the form's CSRF token, nothing is written. */
    offering_form(form, sizeof form, "pv-2027-06", "2027-06-07", "2027-06-11", 2, NULL);
    http_res nr;
    browser_post(staff, "/staff/offerings", form, &nr);
    CHECK(nr.status == 403);
    http_res_free(&nr);
    CHECK(q_int("SELECT count(*) FROM offerings WHERE code = 'pv-2027-06'", NULL) == 0);

    /* A good one: a draft, owned by the console, with its coach, audited. */
    snprintf(extra, sizeof extra, "&coach=%s", coach_id);
    offering_form(form, sizeof form, "pv-2027-06", "2027-06-07", "2027-06-11", 2, extra);
    CHECK(submit(staff, "/staff/offerings/new", "/staff/offerings", form, NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM offerings WHERE code = 'pv-2027-06' AND published = 0 AND managed_by = 'console'"
                " AND capacity = 2 AND price_cents = 7500 AND time_zone = 'America/New_York'", NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM offering_staff s JOIN offerings o ON o.id = s.offering_id"
                " WHERE o.code = 'pv-2027-06' AND s.user_id = ?1 AND s.role = 'coach'", coach_id) == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'offering.created' AND subject = 'offering:pv-2027-06'"
                " AND actor_id = (SELECT id FROM users WHERE email = 'staff@example.org')", NULL) == 1);
    /* The same code again is refused. */
    CHECK(submit(staff, "/staff/offerings/new", "/staff/offerings", form, &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "An offering has this code already");
    /* A draft is nobody's business but staff's. */
    browser anon;
    browser_open(&anon, &s);
    CHECK(get(&anon, "/offerings/pv-2027-06", NULL) == 404);
    CHECK(get(&anon, "/offerings/pv-2027-06/register", NULL) == 303);
    CHECK(get(staff, "/staff/offerings", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "pv-2027-06");
    CHECK(get(staff, "/staff/offerings/pv-2027-06/edit", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "Publish this offering");

    /* Two publishes at once: one wins, the other is told it is done. */
    struct shot a = {0}, b = {0};
    browser_open(&a.b, &s);
    browser_open(&b.b, &s);
    sign_in(&a.b, "staff%40example.org", "staff-password-1");
    sign_in(&b.b, "staff%40example.org", "staff-password-1");
    http_res r;
    browser_get(&a.b, "/staff/offerings/pv-2027-06/edit", &r);
    char *tok_a = browser_csrf(&r);
    http_res_free(&r);
    browser_get(&b.b, "/staff/offerings/pv-2027-06/edit", &r);
    char *tok_b = browser_csrf(&r);
    http_res_free(&r);
    snprintf(a.path, sizeof a.path, "/staff/offerings/pv-2027-06/publish");
    snprintf(b.path, sizeof b.path, "/staff/offerings/pv-2027-06/publish");
    snprintf(a.form, sizeof a.form, "csrf=%s", tok_a);
    snprintf(b.form, sizeof b.form, "csrf=%s", tok_b);
    CHECK(race(&a, &b) == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'offering.published' AND subject = 'offering:pv-2027-06'",
                NULL) == 1);
    CHECK(get(&anon, "/offerings/pv-2027-06", NULL) == 200);
    struct feed_wait w = {"pv-2027-06", 1};
    CHECK(harness_wait(feed_is, &w, 10000));

    /* People registered: two seats taken, two waiting. */
    const char *people[] = {"p1@example.org", "p2@example.org", "w1@example.org", "w2@example.org"};
    for (int i = 0; i < 4; i++) {
        q_exec("INSERT INTO users(email, name, password_hash, created_at) VALUES (?1, ?2, '!', unixepoch())", people[i],
               people[i]);
        q_exec("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
               " created_at, updated_at) SELECT o.id, u.id, ?2, 'paid', 7500, 'USD', unixepoch() + (SELECT count(*)"
               " FROM enrolments), unixepoch() FROM offerings o, users u WHERE o.code = 'pv-2027-06' AND u.email = ?1",
               people[i], i < 2 ? "active" : "waitlisted");
        if (i >= 2)
            q_exec("UPDATE enrolments SET payment_status = 'unpaid' WHERE user_id = (SELECT id FROM users"
                   " WHERE email = ?1)", people[i], NULL);
    }
    /* Below the seats taken: refused with the reason. */
    offering_form(form, sizeof form, "x", "2027-06-07", "2027-06-11", 1, "&revision=2");
    CHECK(submit(staff, "/staff/offerings/pv-2027-06/edit", "/staff/offerings/pv-2027-06/edit", form, &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "2 seats are taken already, so the capacity cannot go below 2");
    /* Another course for an offering people registered for: refused. */
    snprintf(form, sizeof form, "course=graduate-profile&starts=2027-06-07&ends=2027-06-11&time_zone=America%%2FNew_York"
             "&price=75.00&currency=USD&capacity=2&closes=2027-06-07&season=2030&revision=2");
    CHECK(submit(staff, "/staff/offerings/pv-2027-06/edit", "/staff/offerings/pv-2027-06/edit", form, &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "its course cannot change");
    /* New dates and one more seat: first the effect, nothing changed yet. */
    long long rev = q_int("SELECT revision FROM offerings WHERE code = 'pv-2027-06'", NULL);
    snprintf(extra, sizeof extra, "&coach=%s&revision=%lld", coach_id, rev);
    offering_form(form, sizeof form, "x", "2027-06-14", "2027-06-18", 3, extra);
    CHECK(submit(staff, "/staff/offerings/pv-2027-06/edit", "/staff/offerings/pv-2027-06/edit", form, &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "4 people will be told of the new dates");
    CHECK_CONTAINS(buf_str(&body), "14–18 June 2027");
    CHECK_CONTAINS(buf_str(&body), "1 people move from the waitlist");
    const char *offered = strstr(buf_str(&body), "move from the waitlist");
    CHECK(offered && strstr(offered, "w1@example.org") && !strstr(offered, "w2@example.org"));
    CHECK(q_int("SELECT count(*) FROM offerings WHERE code = 'pv-2027-06' AND starts = '2027-06-07' AND capacity = 2",
                NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE subject LIKE 'New dates:%'", NULL) == 0);

    /* Two saves from that same page at once: one applies, one is told to reload. */
    char *tok2 = NULL;
    browser_get(&a.b, "/staff/offerings/pv-2027-06/edit", &r);
    free(tok_a);
    tok_a = browser_csrf(&r);
    http_res_free(&r);
    browser_get(&b.b, "/staff/offerings/pv-2027-06/edit", &r);
    tok2 = browser_csrf(&r);
    http_res_free(&r);
    snprintf(a.path, sizeof a.path, "/staff/offerings/pv-2027-06/edit");
    snprintf(b.path, sizeof b.path, "/staff/offerings/pv-2027-06/edit");
    snprintf(a.form, sizeof a.form, "%s&confirm=1&csrf=%s", form, tok_a);
    snprintf(b.form, sizeof b.form, "%s&confirm=1&csrf=%s", form, tok2);
    CHECK(race(&a, &b) == 1);
    char revtxt[32];
    snprintf(revtxt, sizeof revtxt, "%lld", rev + 1);
    CHECK(q_int("SELECT count(*) FROM offerings WHERE code = 'pv-2027-06' AND starts = '2027-06-14'"
                " AND ends = '2027-06-18' AND capacity = 3 AND revision = ?1", revtxt) == 1);
    /* Each person registered told once; the first waiting offered the seat. */
    for (int i = 0; i < 4; i++)
        CHECK(q_int("SELECT count(*) FROM outbox WHERE recipient = ?1 AND subject = 'New dates: Purpose and Vision'",
                    people[i]) == 1);
    CHECK(smtp_wait_mail(&mail, "June 2027", 4));
    CHECK(q_int("SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = ?1"
                " AND e.status = 'offered'", "w1@example.org") == 1);
    CHECK(q_int("SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = ?1"
                " AND e.status = 'waitlisted'", "w2@example.org") == 1);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE recipient = 'w1@example.org' AND subject LIKE 'A seat is free%'",
                NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'offering.edited' AND subject = 'offering:pv-2027-06'",
                NULL) == 1);
    /* A stale form (the old revision) is refused, nothing changes. */
    snprintf(extra, sizeof extra, "&coach=%s&revision=%lld&confirm=1", coach_id, rev);
    offering_form(form, sizeof form, "x", "2027-06-07", "2027-06-11", 5, extra);
    CHECK(submit(staff2, "/staff/offerings/pv-2027-06/edit", "/staff/offerings/pv-2027-06/edit", form, &body) == 409);
    CHECK(q_int("SELECT capacity FROM offerings WHERE code = 'pv-2027-06'", NULL) == 3);

    /* Withdrawn: gone from the public page and the feed; registrations stay. */
    CHECK(submit(staff, "/staff/offerings/pv-2027-06/edit", "/staff/offerings/pv-2027-06/unpublish", "", NULL) == 303);
    CHECK(get(&anon, "/offerings/pv-2027-06/register", NULL) == 303);
    CHECK(get(staff, "/offerings/pv-2027-06", NULL) == 404);
    CHECK(get(staff, "/offerings/pv-2027-06.ics", NULL) == 404);
    CHECK(submit(staff, "/my", "/offerings/pv-2027-06/register", "method=card&code=", NULL) == 404);
    /* Staff still manage the registrations of a withdrawn offering. */
    CHECK(get(staff, "/staff/offerings/pv-2027-06", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "w2@example.org");
    w.want = 0;
    CHECK(harness_wait(feed_is, &w, 10000));
    CHECK(q_int("SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id WHERE o.code = 'pv-2027-06'",
                NULL) == 4);
    CHECK(submit(staff, "/staff/offerings/pv-2027-06/edit", "/staff/offerings/pv-2027-06/unpublish", "", NULL) == 409);
    free(tok_a);
    free(tok_b);
    free(tok2);
    browser_close(&a.b);
    browser_close(&b.b);
    browser_close(&anon);
    buf_free(&body);
}

/* Copy the 2019–2020 season to 2027–2028 and publish it in one step. */
static void test_season(browser *staff)
{
    buf body = BUF_INIT;
    /* A visitor asks to hear of new dates for Purpose and Vision. */
    browser vis;
    browser_open(&vis, &s);
    CHECK(submit(&vis, "/courses/purpose-and-vision/notify", "/courses/purpose-and-vision/notify",
                 "email=visitor%40example.org", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "We will e-mail visitor@example.org once");
    CHECK(q_int("SELECT count(*) FROM date_requests WHERE email = 'visitor@example.org' AND sent_at IS NULL", NULL) == 1);

    const char *from = "/staff/seasons/2019%E2%80%932020";
    long long n = q_int("SELECT count(*) FROM offerings WHERE season = '2019–2020' AND demo = 0", NULL);
    CHECK(n >= 5);
    CHECK(get(staff, "/staff/seasons", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "2019–2020");
    /* A bad date and an existing name are refused, nothing copied. */
    CHECK(submit(staff, "/staff/seasons/2019%E2%80%932020/copy", "/staff/seasons/2019%E2%80%932020/copy",
                 "season=2027%E2%80%932028&starts=2027-02-30", &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "Enter the day the first offering starts as YYYY-MM-DD.");
    CHECK(submit(staff, "/staff/seasons/2019%E2%80%932020/copy", "/staff/seasons/2019%E2%80%932020/copy",
                 "season=2019%E2%80%932020&starts=2027-10-18", &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "A season of that name exists already");
    CHECK(submit(staff, "/staff/seasons/Demo%20season/copy", "/staff/seasons/Demo%20season/copy",
                 "season=Demo%20copy&starts=2027-10-18", &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "only demonstration offerings");
    CHECK(q_int("SELECT count(*) FROM offerings WHERE season IN ('2027–2028', 'Demo copy')", NULL) == 0);
    /* pv-2019-10 starts Monday 21 October 2019; the copy's first starts
    ** Monday 18 October 2027: 2919 days later. */
    /* Two copies into the same new season at once: one lands, the other
    ** is told the name is taken; nothing is copied twice. */
    struct shot a, b;
    arm(&a, &b, "/staff/seasons/2019%E2%80%932020/copy", "/staff/seasons/2019%E2%80%932020/copy",
        "season=2027%E2%80%932028&starts=2027-10-18");
    fire_both(&a, &b);
    CHECK((a.status == 303 && b.status == 422) || (a.status == 422 && b.status == 303));
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'season.copied' AND subject = 'season:2027–2028'",
                NULL) == 1);
    /* A name with characters that mean something in an address lands on
    ** its own page. */
    http_res cr;
    CHECK(browser_submit(staff, "/staff/seasons/2019%E2%80%932020/copy", "/staff/seasons/2019%E2%80%932020/copy",
                         "season=Odd%3F%23%25+name&starts=2029-10-15", &cr) == 0);
    char *loc = http_res_location(&cr);
    CHECK_STR(loc, "/staff/seasons/Odd%3F%23%25%20name");
    free(loc);
    http_res_free(&cr);
    CHECK(get(staff, "/staff/seasons/Odd%3F%23%25%20name", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "Season Odd?#% name");
    char want[16];
    snprintf(want, sizeof want, "%lld", n);
    CHECK(q_int("SELECT count(*) FROM offerings WHERE season = '2027–2028' AND published = 0"
                " AND managed_by = 'console'", NULL) == n);
    CHECK(q_int("SELECT count(*) FROM offerings c JOIN offerings o ON o.season = '2019–2020' AND o.demo = 0"
                " AND c.course_id = o.course_id AND c.capacity = o.capacity AND c.price_cents = o.price_cents"
                " AND c.time_zone = o.time_zone"
                " AND julianday(c.starts) - julianday(o.starts) = 2919 AND julianday(c.ends) - julianday(o.ends) = 2919"
                " AND julianday(c.closes) - julianday(o.closes) = 2919 AND julianday(c.opens) - julianday(o.opens) = 2919"
                " WHERE c.season = '2027–2028'", NULL) == n);
    CHECK(q_int("SELECT count(*) FROM offerings WHERE code = 'pv-2027-10' AND starts = '2027-10-18'"
                " AND ends = '2027-10-22'", NULL) == 1);
    /* The coaches came along. */
    CHECK(q_int("SELECT count(*) FROM offering_staff s JOIN offerings c ON c.id = s.offering_id"
                " WHERE c.season = '2027–2028'", NULL) ==
          q_int("SELECT count(*) FROM offering_staff s JOIN offerings o ON o.id = s.offering_id"
                " WHERE o.season = '2019–2020' AND o.demo = 0", NULL));
    /* Daylight saving: pv-2019-10's posting ended at midnight New York time
    ** on 9 November 2019 (EST, UTC-5, after the change of 3 November). The
    ** copy's ends at midnight on 6 November 2027, before that year's change
    ** (7 November): EDT, UTC-4, so 04:00 UTC, not the 05:00 a plain shift
    ** of the instant would give. */
    CHECK(q_int("SELECT posting_closes_at - unixepoch('2019-11-09 05:00:00') FROM offerings WHERE code = 'pv-2019-10'",
                NULL) == 0);
    CHECK(q_int("SELECT posting_closes_at - unixepoch('2027-11-06 04:00:00') FROM offerings WHERE code = 'pv-2027-10'",
                NULL) == 0);
    /* Drafts are not public; the review page lists them. */
    struct feed_wait w = {"pv-2027-10", 0};
    CHECK(feed_is(&w));
    CHECK(get(staff, "/staff/seasons/2027%E2%80%932028", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "pv-2027-10");
    CHECK_CONTAINS(buf_str(&body), "Publish season 2027–2028");
    CHECK(q_int("SELECT count(*) FROM outbox WHERE recipient = 'visitor@example.org'", NULL) == 0);
    /* One step publishes every draft; two at once: one wins, the other is
    ** told it is done; the visitor is told once. */
    arm(&a, &b, "/staff/seasons/2027%E2%80%932028", "/staff/seasons/2027%E2%80%932028/publish", "x=1");
    fire_both(&a, &b);
    CHECK((a.status == 303 && b.status == 409) || (a.status == 409 && b.status == 303));
    CHECK(q_int("SELECT count(*) FROM offerings WHERE season = '2027–2028' AND published = 1", NULL) == n);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE recipient = 'visitor@example.org'"
                " AND subject = 'New dates: Purpose and Vision'", NULL) == 1);
    CHECK(smtp_wait_mail(&mail, "<visitor@example.org>", 1));
    CHECK(q_int("SELECT count(*) FROM date_requests WHERE email = 'visitor@example.org' AND sent_at IS NOT NULL"
                " AND offering_id = (SELECT id FROM offerings WHERE code = 'pv-2027-10')", NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'season.published' AND subject = 'season:2027–2028'",
                NULL) == 1);
    /* Publishing again: nothing left, 409, nobody mailed twice. */
    CHECK(submit(staff, "/staff/seasons/2027%E2%80%932028", "/staff/seasons/2027%E2%80%932028/publish", "", &body) ==
          409);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE recipient = 'visitor@example.org'", NULL) == 1);
    /* The public calendar shows them. */
    w.want = 1;
    CHECK(harness_wait(feed_is, &w, 10000));
    CHECK(get(&vis, "/offerings/pv-2027-10", &body) == 200);
    CHECK(get(&vis, "/calendar?season=2027%E2%80%932028", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "18–22 October 2027");
    (void)from;
    browser_close(&vis);
    buf_free(&body);
}

/* Read the stack's courses/calendar.txt into b. */
static void read_calendar(buf *b)
{
    buf_reset(b);
    FILE *f = fopen(stack_path(&s, "courses/calendar.txt"), "r");
    CHECK(f != NULL);
    char chunk[4096];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(b, chunk, n);
    if (f)
        fclose(f);
}

/* Write text as the stack's courses/calendar.txt. */
static void write_calendar(const char *text)
{
    FILE *f = fopen(stack_path(&s, "courses/calendar.txt"), "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The calendar file's bugs: a capacity changed in the file applies to an
** offering the file owns; an offering removed from the file leaves the
** calendar and its feed (its page stays for staff); an offering the
** console owns leaves the file's unchanged block aside (so the file
** still publishes after a console edit), and refuses a change to that
** block loudly: nothing is published. */
static void test_file(browser *staff)
{
    buf cal = BUF_INIT, out = BUF_INIT, body = BUF_INIT;
    read_calendar(&cal);
    char *text = strdup(buf_str(&cal));
    /* gp-2019-11: capacity 40 becomes 44. */
    char *gp = strstr(text, "code: gp-2019-11");
    CHECK(gp != NULL);
    char *cap = gp ? strstr(gp, "capacity: 40") : NULL;
    CHECK(cap != NULL);
    if (cap)
        memcpy(cap, "capacity: 44", 12);
    write_calendar(text);
    CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &out) == 0);
    CHECK_CONTAINS(buf_str(&out), "offering gp-2019-11: capacity 44 in the file, 40 in the database: applied");
    CHECK(q_int("SELECT capacity FROM offerings WHERE code = 'gp-2019-11'", NULL) == 44);
    /* pv-2019-10 leaves the file: withdrawn from the feed, kept for staff. */
    struct feed_wait w = {"pv-2019-10", 1};
    CHECK(feed_is(&w));
    char *pv = strstr(text, "code: pv-2019-10");
    char *next = pv ? strstr(pv, "\n\n") : NULL;
    CHECK(pv && next);
    if (pv && next)
        memmove(pv, next + 2, strlen(next + 2) + 1);
    write_calendar(text);
    CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &out) == 0);
    CHECK_CONTAINS(buf_str(&out), "offering pv-2019-10 is no longer in the file: withdrawn from the calendar");
    CHECK(q_int("SELECT published FROM offerings WHERE code = 'pv-2019-10'", NULL) == 0);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'offering.unpublished' AND subject = 'offering:pv-2019-10'"
                " AND actor_id IS NULL", NULL) == 1);
    w.want = 0;
    CHECK(harness_wait(feed_is, &w, 10000));
    CHECK(get(staff, "/staff/offerings/pv-2019-10", NULL) == 200);
    /* Offerings the console made are not the file's to withdraw. */
    CHECK(q_int("SELECT count(*) FROM offerings WHERE season = '2027–2028' AND published = 1", NULL) >= 5);
    CHECK(q_int("SELECT count(*) FROM offerings WHERE season = '2027–2028' AND published = 0", NULL) == 0);
    /* A console edit takes gp-2019-11 over. The file, unchanged since it
    ** was last published, still publishes (make run publishes at every
    ** start): its block for gp-2019-11 is left aside with a note. */
    CHECK(get(staff, "/staff/offerings/gp-2019-11/edit", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "comes from <code>courses/calendar.txt</code>");
    char form[1024];
    snprintf(form, sizeof form, "course=graduate-profile&starts=2019-11-18&ends=2019-11-22&time_zone=America%%2FNew_York"
             "&price=50.00&currency=USD&capacity=38&opens=2019-08-15&closes=2019-11-15&season=2019%%E2%%80%%932020"
             "&revision=%lld", q_int("SELECT revision FROM offerings WHERE code = 'gp-2019-11'", NULL));
    CHECK(submit(staff, "/staff/offerings/gp-2019-11/edit", "/staff/offerings/gp-2019-11/edit", form, NULL) == 303);
    CHECK(q_int("SELECT capacity FROM offerings WHERE code = 'gp-2019-11' AND managed_by = 'console'", NULL) == 38);
    CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &out) == 0);
    CHECK_CONTAINS(buf_str(&out), "offering gp-2019-11 is managed in the staff console; its block here, unchanged "
                                  "since it was last published, is left aside");
    CHECK(q_int("SELECT capacity FROM offerings WHERE code = 'gp-2019-11'", NULL) == 38);
    /* A change to that block afterwards is refused at its line, and
    ** nothing is published. */
    gp = strstr(text, "code: gp-2019-11");
    cap = gp ? strstr(gp, "capacity: 44") : NULL;
    CHECK(cap != NULL);
    if (cap)
        memcpy(cap, "capacity: 46", 12);
    write_calendar(text);
    CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &out) != 0);
    CHECK_CONTAINS(buf_str(&out), "offering gp-2019-11 is managed in the staff console");
    CHECK_CONTAINS(buf_str(&out), "capacity 46 in the file, 38 in the database: refused");
    CHECK_CONTAINS(buf_str(&out), "Nothing was published");
    CHECK(q_int("SELECT capacity FROM offerings WHERE code = 'gp-2019-11'", NULL) == 38);
    /* Made to agree with the console (its capacity, and no coach: the
    ** form above named none), it publishes again. */
    cap = gp ? strstr(gp, "capacity: 46") : NULL;
    if (cap)
        memcpy(cap, "capacity: 38", 12);
    char *coach = gp ? strstr(gp, "coach: ") : NULL;
    char *eol = coach ? strchr(coach, '\n') : NULL;
    CHECK(coach && eol && (!strstr(gp + 1, "code: ") || coach < strstr(gp + 1, "code: ")));
    if (coach && eol)
        memmove(coach, eol + 1, strlen(eol + 1) + 1);
    write_calendar(text);
    int agreed = stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &out);
    if (agreed != 0)
        fprintf(stderr, "%s\n", buf_str(&out));
    CHECK(agreed == 0);
    CHECK(q_int("SELECT capacity FROM offerings WHERE code = 'gp-2019-11'", NULL) == 38);
    free(text);
    buf_free(&cal);
    buf_free(&out);
    buf_free(&body);
}

int main(void)
{
    if (smtp_start(&mail) != 0) {
        CHECK(!"the SMTP server starts");
        return check_done();
    }
    static char e1[160];
    snprintf(e1, sizeof e1, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    const char *env[] = {e1, "JOURNEYS_JOBS_INTERVAL=1", "JOURNEYS_MAIL_RETRY_SECONDS=1", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        smtp_stop(&mail);
        return check_done();
    }
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "echo 'staff-password-1' | \"${BUILD:-build}\"/journeys user add staff@example.org "
                        "--name 'Sam Staff' --role staff", &out) == 0);
    CHECK(stack_run(&s, "echo 'coach-password-1' | \"${BUILD:-build}\"/journeys user add coach@example.org "
                        "--name 'Cory Coach' --role coach", &out) == 0);
    buf_free(&out);
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
    char coach_id[32];
    snprintf(coach_id, sizeof coach_id, "%lld", q_int("SELECT id FROM users WHERE email = 'coach@example.org'", NULL));
    /* The coach coaches one offering: that gives no say over planning. */
    q_exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach', unixepoch()"
           " FROM offerings o, users u WHERE o.code = 'pv-2019-10' AND u.email = ?1", "coach@example.org", NULL);

    browser anon, part, coach, staff, staff2;
    browser_open(&anon, &s);
    browser_open(&part, &s);
    browser_open(&coach, &s);
    browser_open(&staff, &s);
    browser_open(&staff2, &s);
    CHECK(browser_sign_up(&part, "Pat+Participant", "pat%40example.org") == 303);
    sign_in(&coach, "coach%40example.org", "coach-password-1");
    sign_in(&staff, "staff%40example.org", "staff-password-1");
    sign_in(&staff2, "staff%40example.org", "staff-password-1");

    test_roles(&anon, &part, &coach);
    test_offering(&staff, &staff2, coach_id);
    test_season(&staff);
    test_file(&staff);

    browser_close(&anon);
    browser_close(&part);
    browser_close(&coach);
    browser_close(&staff);
    browser_close(&staff2);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
