/*
** test_site.c: the public site through real nginx and journeys serve:
** every page, status codes, headers, HEAD, 304, bad input; finished and
** demonstration offerings; and, on a second stack without demo offerings
** and with a real SMTP server, a visitor asking to hear of new dates and
** the message that publishing a new offering sends them.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "browser.h"
#include "check.h"
#include "db.h"
#include "harness.h"
#include "smtp.h"

static stack s;
static smtp_server mail;

/* GET path and check the status; returns the response (caller frees). */
static http_res get(const char *path, long want)
{
    http_res r;
    int rc = http_do(&s, "GET", path, NULL, NULL, &r);
    CHECK(rc == 0);
    if (r.status != want)
        fprintf(stderr, "GET %s: status %ld, wanted %ld\n", path, r.status, want);
    CHECK(r.status == want);
    return r;
}

/* Check that header name of r equals want (or contains it, if partial). */
static void header_is(const http_res *r, const char *name, const char *want, int partial)
{
    char *v = http_res_header(r, name);
    if (partial)
        CHECK_CONTAINS(v, want);
    else
        CHECK_STR(v, want);
    free(v);
}

/* Every page answers, with the security headers and the series' content. */
static void test_pages(void)
{
    http_res r = get("/", 200);
    CHECK_CONTAINS(buf_str(&r.body), "Journeys towards Mastery Learning");
    CHECK_CONTAINS(buf_str(&r.body), "Purpose and Vision");
    CHECK_CONTAINS(buf_str(&r.body), "Sustainability");
    header_is(&r, "Content-Type", "text/html; charset=utf-8", 0);
    header_is(&r, "Content-Security-Policy", "frame-ancestors 'none'", 1);
    header_is(&r, "X-Content-Type-Options", "nosniff", 0);
    header_is(&r, "Referrer-Policy", "strict-origin-when-cross-origin", 0);
    /* The browser revalidates public pages; the microcache time is nginx's. */
    header_is(&r, "Cache-Control", "no-cache", 0);
    char *xa = http_res_header(&r, "X-Accel-Expires");
    CHECK(xa == NULL);
    free(xa);
    char *csp = http_res_header(&r, "Content-Security-Policy");
    CHECK(csp && !strstr(csp, "unsafe-inline"));
    free(csp);
    CHECK(strstr(buf_str(&r.body), "<script") == NULL);
    http_res_free(&r);

    r = get("/courses", 200);
    const char *slugs[] = {"purpose-and-vision", "graduate-profile", "learning-model", "alignment", "sustainability"};
    for (int i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof path, "/courses/%s", slugs[i]);
        CHECK_CONTAINS(buf_str(&r.body), path);
        http_res c = get(path, 200);
        CHECK_CONTAINS(buf_str(&c.body), "4–6 hours");
        CHECK_CONTAINS(buf_str(&c.body), "Panel");
        http_res_free(&c);
    }
    http_res_free(&r);

    r = get("/calendar", 200);
    CHECK_CONTAINS(buf_str(&r.body), "21–25 October 2019");
    CHECK_CONTAINS(buf_str(&r.body), "30 March – 3 April 2020");
    CHECK_CONTAINS(buf_str(&r.body), "$50.00");
    CHECK_CONTAINS(buf_str(&r.body), "/offerings/pv-2019-10");
    http_res_free(&r);

    r = get("/offerings/pv-2019-10", 200);
    CHECK_CONTAINS(buf_str(&r.body), "Purpose and Vision");
    CHECK_CONTAINS(buf_str(&r.body), "Finished");
    http_res_free(&r);

    r = get("/static/style.css", 200);
    header_is(&r, "Content-Type", "text/css", 0);
    http_res_free(&r);
}

/* The iCalendar feed and one offering's file. */
static void test_ical(void)
{
    http_res r = get("/calendar.ics", 200);
    const char *b = buf_str(&r.body);
    header_is(&r, "Content-Type", "text/calendar; charset=utf-8", 0);
    CHECK(!strncmp(b, "BEGIN:VCALENDAR\r\n", 17));
    CHECK_CONTAINS(b, "UID:offering-pv-2019-10@journeys\r\n");   /* not the host name */
    CHECK_CONTAINS(b, "DTSTART;VALUE=DATE:20191021\r\n");
    CHECK_CONTAINS(b, "DTEND;VALUE=DATE:20191026\r\n");
    CHECK_CONTAINS(b, "DTEND;VALUE=DATE:20200404\r\n");
    int bare_lf = 0, too_long = 0;
    const char *line = b;
    for (const char *p = b; *p; p++) {
        if (*p == '\n') {
            if (p == b || p[-1] != '\r')
                bare_lf = 1;
            if (p - line - 1 > 75)
                too_long = 1;
            line = p + 1;
        }
    }
    CHECK(!bare_lf);
    CHECK(!too_long);
    CHECK_CONTAINS(b, "END:VCALENDAR\r\n");
    http_res_free(&r);

    r = get("/offerings/su-2020-03.ics", 200);
    CHECK_CONTAINS(buf_str(&r.body), "DTSTART;VALUE=DATE:20200330");
    CHECK_CONTAINS(buf_str(&r.body), "DTEND;VALUE=DATE:20200404");
    header_is(&r, "Content-Disposition", "attachment", 1);
    http_res_free(&r);
}

/* A finished offering has no seats and nothing to add to a calendar; a
** demonstration offering says so in the feeds. */
static void test_past_and_demo(void)
{
    http_res r = get("/offerings/pv-2019-10", 200);
    CHECK_CONTAINS(buf_str(&r.body), "No seats left");
    CHECK(strstr(buf_str(&r.body), "Add to calendar") == NULL);
    CHECK(strstr(buf_str(&r.body), "pv-2019-10.ics") == NULL);
    http_res_free(&r);

    r = get("/calendar", 200);
    CHECK(strstr(buf_str(&r.body), "/offerings/pv-2019-10.ics") == NULL);
    CHECK(strstr(buf_str(&r.body), "of 40 seats left") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "/offerings/demo-pv.ics");
    http_res_free(&r);

    r = get("/courses/purpose-and-vision", 200);
    CHECK(strstr(buf_str(&r.body), "/offerings/pv-2019-10.ics") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "/offerings/demo-pv.ics");
    CHECK(strstr(buf_str(&r.body), "No upcoming dates") == NULL);   /* the demo one is ahead */
    http_res_free(&r);

    r = get("/calendar.ics", 200);
    CHECK_CONTAINS(buf_str(&r.body), "SUMMARY:[Demo] Purpose and Vision");
    CHECK_CONTAINS(buf_str(&r.body), "SUMMARY:Purpose and Vision (");
    http_res_free(&r);
    r = get("/offerings/demo-gp.ics", 200);
    CHECK_CONTAINS(buf_str(&r.body), "SUMMARY:[Demo] Graduate Profile");
    http_res_free(&r);
    r = get("/offerings/gp-2019-11.ics", 200);
    CHECK(strstr(buf_str(&r.body), "[Demo]") == NULL);
    http_res_free(&r);
}

/* One integer from the stack's database (sql selects one), or -1. */
static long long db_int(const char *sql)
{
    buf err = BUF_INIT;
    db *d = db_open(stack_path(&s, "var/journeys.db"), &err);
    long long v = -1;
    if (d) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        db_close(d);
    }
    buf_free(&err);
    return v;
}

/* With no upcoming offering, the course page and the home page say so and
** a visitor can ask to hear of new dates (CSRF-checked, one row per
** address and course); publishing a new offering of the course mails them
** once, through the outbox and real SMTP. */
static void test_notify_me(void)
{
    http_res r = get("/courses/sustainability", 200);
    CHECK_CONTAINS(buf_str(&r.body), "No upcoming dates are scheduled for this course yet");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/courses/sustainability/notify\"");
    http_res_free(&r);
    r = get("/", 200);
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/courses/sustainability/notify\"");
    CHECK_CONTAINS(buf_str(&r.body), "No upcoming dates yet");
    http_res_free(&r);
    r = get("/courses/no-such-course/notify", 404);
    http_res_free(&r);

    browser b;
    browser_open(&b, &s);
    /* no CSRF token: refused, nothing kept */
    CHECK(browser_post(&b, "/courses/sustainability/notify", "email=visitor%40example.org", &r) == 0);
    CHECK(r.status == 403);
    http_res_free(&r);
    CHECK(db_int("SELECT count(*) FROM date_requests") == 0);
    /* a bad address: 422 with a message, nothing kept */
    CHECK(browser_submit(&b, "/courses/sustainability/notify", "/courses/sustainability/notify",
                         "email=not-an-address", &r) == 0);
    CHECK(r.status == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Enter an e-mail address like name@school.org.");
    http_res_free(&r);
    CHECK(db_int("SELECT count(*) FROM date_requests") == 0);
    /* the real thing, twice: one row, a confirmation on the page */
    for (int i = 0; i < 2; i++) {
        CHECK(browser_submit(&b, "/courses/sustainability/notify", "/courses/sustainability/notify",
                             "email=+Visitor%40Example.org+", &r) == 0);
        CHECK(r.status == 200);
        CHECK_CONTAINS(buf_str(&r.body), "We will e-mail Visitor@Example.org once, when new dates for Sustainability");
        http_res_free(&r);
    }
    CHECK(browser_submit(&b, "/courses/alignment/notify", "/courses/alignment/notify", "email=other%40example.org",
                         &r) == 0);
    CHECK(r.status == 200);
    http_res_free(&r);
    CHECK(db_int("SELECT count(*) FROM date_requests") == 2);
    CHECK(db_int("SELECT count(*) FROM date_requests WHERE sent_at IS NULL") == 2);
    browser_close(&b);

    /* staff publish a new offering of the course: the visitor is told once */
    time_t later = time(NULL) + 60L * 86400;
    struct tm tm;
    gmtime_r(&later, &tm);
    char starts[16], ends[16], block[512], cmd[1024];
    strftime(starts, sizeof starts, "%Y-%m-%d", &tm);
    later += 4L * 86400;
    gmtime_r(&later, &tm);
    strftime(ends, sizeof ends, "%Y-%m-%d", &tm);
    snprintf(block, sizeof block, "\ncode: su-next\ncourse: sustainability\nstarts: %s\nends: %s\nprice: 50.00\n"
                                  "capacity: 30\ncoach: maya.okafor@mastery.org\nseason: Next season\n", starts, ends);
    FILE *f = fopen(stack_path(&s, "courses/calendar.txt"), "a");
    CHECK(f != NULL);
    if (f) {
        fputs(block, f);
        fclose(f);
    }
    buf out = BUF_INIT;
    int rc = stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &out);
    CHECK(rc == 0);
    CHECK_CONTAINS(buf_str(&out), "1 offerings added");
    CHECK_CONTAINS(buf_str(&out), "1 visitor told of new dates");
    buf_free(&out);
    CHECK(db_int("SELECT count(*) FROM outbox WHERE recipient = 'Visitor@Example.org'") == 1);
    CHECK(db_int("SELECT count(*) FROM date_requests WHERE sent_at IS NOT NULL AND offering_id ="
                 " (SELECT id FROM offerings WHERE code = 'su-next')") == 1);
    CHECK(db_int("SELECT count(*) FROM date_requests WHERE sent_at IS NULL") == 1);   /* alignment still waits */
    CHECK(smtp_wait_mail(&mail, "X-RcptTo: Visitor@Example.org", 1));
    CHECK(smtp_wait_mail(&mail, "Subject: New dates: Sustainability", 1));
    CHECK(smtp_mail_count(&mail, "/offerings/su-next") >= 1);
    /* The server holds the message as soon as it has answered; the mailer
       records it sent just after: poll for that. */
    long long sent = 0;
    for (int i = 0; i < 200 && sent != 1; i++) {
        sent = db_int("SELECT count(*) FROM outbox WHERE recipient = 'Visitor@Example.org' AND sent_at IS NOT NULL");
        if (sent != 1) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    CHECK(sent == 1);

    /* publishing again adds nothing and tells nobody again */
    rc = stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &out);
    CHECK(rc == 0);
    CHECK(strstr(buf_str(&out), "told of new dates") == NULL);
    buf_free(&out);
    CHECK(db_int("SELECT count(*) FROM outbox WHERE recipient = 'Visitor@Example.org'") == 1);
    snprintf(cmd, sizeof cmd, "SELECT count(*) FROM offering_staff os JOIN users u ON u.id = os.user_id"
                              " JOIN offerings o ON o.id = os.offering_id"
                              " WHERE o.code = 'su-next' AND u.email = 'maya.okafor@mastery.org' AND os.role = 'coach'");
    CHECK(db_int(cmd) == 1);
}

/* HEAD, ETag and 304. */
static void test_caching(void)
{
    http_res g = get("/courses", 200);
    char *etag = http_res_header(&g, "ETag");
    CHECK(etag && etag[0] == '"');
    http_res h;
    CHECK(http_do(&s, "HEAD", "/courses", NULL, NULL, &h) == 0);
    CHECK(h.status == 200);
    CHECK(h.body.len == 0);
    char *len = http_res_header(&h, "Content-Length");
    char want[32];
    snprintf(want, sizeof want, "%zu", g.body.len);
    CHECK_STR(len, want);
    free(len);
    http_res_free(&h);

    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag ? etag : "\"x\"");
    const char *hdrs[] = {inm, NULL};
    http_res n;
    CHECK(http_do(&s, "GET", "/courses", NULL, hdrs, &n) == 0);
    CHECK(n.status == 304);
    CHECK(n.body.len == 0);
    http_res_free(&n);

    const char *other[] = {"If-None-Match: \"nope\"", NULL};
    CHECK(http_do(&s, "GET", "/courses", NULL, other, &n) == 0);
    CHECK(n.status == 200);
    http_res_free(&n);
    free(etag);
    http_res_free(&g);

    /* Public pages go through nginx's microcache; what nginx hands on from
       it still tells the browser to revalidate and keeps the microcache
       time to itself. Routes that are never cached skip the cache and its
       lock altogether (BYPASS). */
    const char *cached[] = {"/", "/courses", "/calendar", "/calendar.ics", "/offerings/pv-2019-10"};
    for (size_t i = 0; i < sizeof cached / sizeof *cached; i++) {
        char *st = NULL;
        for (int k = 0; k < 3 && !(st && !strcmp(st, "HIT")); k++) {
            free(st);
            http_res c = get(cached[i], 200);
            st = http_res_header(&c, "X-Cache-Status");
            header_is(&c, "Cache-Control", "no-cache", 0);
            char *xa = http_res_header(&c, "X-Accel-Expires");
            CHECK(xa == NULL);
            free(xa);
            http_res_free(&c);
        }
        if (!st || strcmp(st, "HIT"))
            fprintf(stderr, "GET %s: cache status %s, wanted HIT\n", cached[i], st ? st : "(none)");
        CHECK(st && !strcmp(st, "HIT"));
        free(st);
    }
    const char *uncached[] = {"/healthz", "/signin", "/signup", "/no/such/page"};
    for (size_t i = 0; i < sizeof uncached / sizeof *uncached; i++) {
        http_res u;
        CHECK(http_do(&s, "GET", uncached[i], NULL, NULL, &u) == 0);
        char *st = http_res_header(&u, "X-Cache-Status");
        if (!st || strcmp(st, "BYPASS"))
            fprintf(stderr, "GET %s: cache status %s, wanted BYPASS\n", uncached[i], st ? st : "(none)");
        CHECK(st && !strcmp(st, "BYPASS"));
        free(st);
        http_res_free(&u);
    }
}

/* Statuses for what is not there and for bad input: 4xx with a message. */
static void test_errors(void)
{
    http_res r = get("/no/such/page", 404);
    CHECK_CONTAINS(buf_str(&r.body), "Page not found");
    CHECK_CONTAINS(buf_str(&r.body), "<main");
    header_is(&r, "Cache-Control", "no-store", 0);
    http_res_free(&r);

    r = get("/courses/no-such-course", 404);
    CHECK_CONTAINS(buf_str(&r.body), "catalog lists every course");
    http_res_free(&r);

    r = get("/offerings/nope", 404);
    http_res_free(&r);

    CHECK(http_do(&s, "POST", "/courses", "a=1", (const char *[]){"Content-Type: application/x-www-form-urlencoded", NULL}, &r) == 0);
    CHECK(r.status == 405);
    header_is(&r, "Allow", "GET, HEAD", 0);
    CHECK_CONTAINS(buf_str(&r.body), "does not accept POST");
    http_res_free(&r);

    CHECK(http_do(&s, "DELETE", "/", NULL, NULL, &r) == 0);
    CHECK(r.status == 405);
    http_res_free(&r);

    r = get("/courses?q=%zz", 400);
    CHECK_CONTAINS(buf_str(&r.body), "hexadecimal");
    http_res_free(&r);
    r = get("/courses?q=%00", 400);
    http_res_free(&r);
    r = get("/courses?q=%C0%AF", 400);
    http_res_free(&r);
    r = get("/courses/%zz", 400);
    http_res_free(&r);

    size_t big = 200 * 1024;
    char *body = malloc(big + 1);
    memset(body, 'a', big);
    body[big] = '\0';
    memcpy(body, "x=", 2);
    CHECK(http_do(&s, "POST", "/", body, (const char *[]){"Content-Type: application/x-www-form-urlencoded", NULL}, &r) == 0);
    CHECK(r.status == 413);
    CHECK_CONTAINS(buf_str(&r.body), "KiB");
    http_res_free(&r);
    free(body);

    r = get("/courses/", 308);
    header_is(&r, "Location", "/courses", 0);
    http_res_free(&r);

    /* Nothing above produced a 5xx: the stack is still healthy. */
    r = get("/healthz", 200);
    http_res_free(&r);
}

int main(void)
{
    if (stack_start(&s, NULL) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return check_done();
    }
    test_pages();
    test_ical();
    test_past_and_demo();
    test_caching();
    test_errors();
    CHECK(stack_stop(&s) == 0);

    /* a second stack: no demo offerings, mail to a real SMTP server */
    static char smtp_env[128];
    if (smtp_start(&mail) != 0) {
        CHECK(!"the SMTP server starts");
        return check_done();
    }
    snprintf(smtp_env, sizeof smtp_env, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    const char *env[] = {smtp_env, "JOURNEYS_SITE_DEMO=false", "JOURNEYS_JOBS_INTERVAL=1",
                         "JOURNEYS_MAIL_RETRY_SECONDS=1", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the second stack starts");
        stack_stop(&s);
        smtp_stop(&mail);
        return check_done();
    }
    test_notify_me();
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
