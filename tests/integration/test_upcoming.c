/*
** test_upcoming.c: the public pages on a database holding many past
** offerings, through real nginx: the calendar shows the offerings not yet
** finished and the current season and links to the past seasons, each past
** season is a page of its own (a bad or unknown name gets a 4xx), the home
** page, the catalog and a course page still show what comes next without
** the old offerings, and the feed leaves out the old seasons.
*/
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "db.h"
#include "harness.h"

static stack s;

/* GET path; the status must be want. The caller frees the answer. */
static http_res get(const char *path, long want)
{
    http_res r;
    CHECK(http_do(&s, "GET", path, NULL, NULL, &r) == 0);
    if (r.status != want)
        fprintf(stderr, "GET %s: %ld, wanted %ld\n", path, r.status, want);
    CHECK(r.status == want);
    return r;
}

/* How many times needle occurs in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Run sql on the stack's database; 0 or -1. */
static int exec(const char *sql)
{
    buf err = BUF_INIT;
    db *d = db_open(stack_path(&s, "var/journeys.db"), &err);
    int rc = -1;
    if (d) {
        char *msg = NULL;
        rc = sqlite3_exec(db_handle(d), sql, NULL, NULL, &msg) == SQLITE_OK ? 0 : -1;
        if (rc)
            fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        db_close(d);
    }
    buf_free(&err);
    return rc;
}

/* 600 finished offerings of Purpose and Vision in six old seasons of 100
** ("Archive 1990" to "Archive 1995", a week apart), one real offering a
** month from now and one more than two years from now; and twenty weekly
** ones of Alignment from ten days from now. */
static void fill(void)
{
    CHECK(exec("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 599)"
               " INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, closes,"
               " season, created_at, updated_at) SELECT 'old-' || i,"
               " (SELECT id FROM courses WHERE slug = 'purpose-and-vision'),"
               " date('1990-01-01', '+' || (7 * i) || ' days'), date('1990-01-05', '+' || (7 * i) || ' days'),"
               " 5000, 'USD', 40, '1989-12-29', 'Archive ' || (1990 + i / 100), 0, 0 FROM n") == 0);
    CHECK(exec("INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, closes,"
               " season, created_at, updated_at) VALUES ('pv-next',"
               " (SELECT id FROM courses WHERE slug = 'purpose-and-vision'), date('now', '+30 days'),"
               " date('now', '+34 days'), 5000, 'USD', 40, date('now', '+27 days'), 'Next season', 0, 0)") == 0);
    CHECK(exec("INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, closes,"
               " season, created_at, updated_at) VALUES ('pv-far',"
               " (SELECT id FROM courses WHERE slug = 'purpose-and-vision'), date('now', '+800 days'),"
               " date('now', '+804 days'), 5000, 'USD', 40, date('now', '+797 days'), 'Far season', 0, 0)") == 0);
    CHECK(exec("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)"
               " INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, closes,"
               " season, created_at, updated_at) SELECT 'al-up-' || i, (SELECT id FROM courses WHERE slug = 'alignment'),"
               " date('now', '+' || (10 + 7 * i) || ' days'), date('now', '+' || (14 + 7 * i) || ' days'),"
               " 5000, 'USD', 40, date('now', '+' || (7 + 7 * i) || ' days'), 'Next season', 0, 0 FROM n") == 0);
}

/* The calendar: what is not finished and starts within a year and the
** current season, links to the seasons not shown in full, none of the old
** offerings. */
static void test_calendar(void)
{
    http_res r = get("/calendar", 200);
    const char *b = buf_str(&r.body);
    CHECK_CONTAINS(b, "/offerings/pv-next");
    CHECK_CONTAINS(b, "/offerings/pv-2019-10");      /* the current season */
    CHECK_CONTAINS(b, "/offerings/demo-pv");
    CHECK(count(b, "/offerings/old-") == 0);
    CHECK_CONTAINS(b, "Past seasons");
    CHECK_CONTAINS(b, "href=\"/calendar?season=Archive%201990\"");
    CHECK_CONTAINS(b, "href=\"/calendar?season=Archive%201995\"");
    /* more than a year ahead: linked, not listed */
    CHECK(strstr(b, "/offerings/pv-far") == NULL);
    CHECK_CONTAINS(b, "Later seasons");
    CHECK_CONTAINS(b, "href=\"/calendar?season=Far%20season\"");
    CHECK(strstr(b, "href=\"/calendar?season=Next%20season\"") == NULL);   /* shown in full */
    CHECK(strstr(b, "href=\"/calendar?season=2019%E2%80%932020\"") == NULL);
    CHECK(r.body.len < 200 * 1024);
    http_res_free(&r);
}

/* A past season is a page of its own with only its offerings; the kept
** copy of one season is never served for another or for the calendar. */
static void test_archive(void)
{
    for (int round = 0; round < 4; round++) {
        http_res r = get("/calendar?season=Archive%201993", 200);
        const char *b = buf_str(&r.body);
        CHECK(count(b, "href=\"/offerings/old-") == 100);
        CHECK_CONTAINS(b, "/offerings/old-300\"");
        CHECK_CONTAINS(b, "/offerings/old-399\"");
        CHECK(strstr(b, "/offerings/old-299\"") == NULL);
        CHECK(strstr(b, "/offerings/pv-next") == NULL);
        CHECK_CONTAINS(b, "Back to the current calendar");
        CHECK_CONTAINS(b, "href=\"/calendar?season=Archive%201994\"");
        CHECK_CONTAINS(b, "Archive 1993");
        http_res_free(&r);

        r = get("/calendar?season=Archive+1994", 200);
        b = buf_str(&r.body);
        CHECK(count(b, "href=\"/offerings/old-") == 100);
        CHECK_CONTAINS(b, "/offerings/old-400\"");
        CHECK(strstr(b, "/offerings/old-300\"") == NULL);
        http_res_free(&r);

        r = get("/calendar", 200);
        CHECK(count(buf_str(&r.body), "/offerings/old-") == 0);
        http_res_free(&r);
    }
}

/* Unknown and hostile season names: a 4xx with a message, nothing more. */
static void test_bad_season(void)
{
    http_res r = get("/calendar?season=Archive%201900", 404);
    CHECK_CONTAINS(buf_str(&r.body), "no season by that name");
    http_res_free(&r);
    r = get("/calendar?season=Far%20season", 200);
    CHECK_CONTAINS(buf_str(&r.body), "/offerings/pv-far");
    CHECK(strstr(buf_str(&r.body), "/offerings/pv-next") == NULL);
    CHECK(count(buf_str(&r.body), "/offerings/old-") == 0);
    http_res_free(&r);
    r = get("/calendar?season=%27%20OR%201%3D1%20--%20", 404);
    CHECK(count(buf_str(&r.body), "/offerings/") == 0);
    http_res_free(&r);
    r = get("/calendar?season=", 400);
    CHECK_CONTAINS(buf_str(&r.body), "follow one of those links");
    http_res_free(&r);
    r = get("/calendar?season=%01x", 400);
    http_res_free(&r);
    char path[400];
    snprintf(path, sizeof path, "/calendar?season=%0200d", 7);
    r = get(path, 400);
    http_res_free(&r);
    r = get("/calendar?season=%zz", 400);
    http_res_free(&r);
    r = get("/healthz", 200);
    http_res_free(&r);
}

/* Home, catalog and course page: the next offerings, not the old ones; the
** course page keeps its last few finished ones. */
static void test_next(void)
{
    http_res r = get("/", 200);
    CHECK_CONTAINS(buf_str(&r.body), "/offerings/pv-next");
    CHECK_CONTAINS(buf_str(&r.body), "/offerings/demo-gp");
    CHECK(count(buf_str(&r.body), "/offerings/old-") == 0);
    http_res_free(&r);

    r = get("/courses", 200);
    CHECK_CONTAINS(buf_str(&r.body), "/offerings/pv-next");
    CHECK(count(buf_str(&r.body), "/offerings/old-") == 0);
    CHECK(strstr(buf_str(&r.body), "/offerings/pv-2019-10\"") == NULL);
    http_res_free(&r);

    r = get("/courses/purpose-and-vision", 200);
    const char *b = buf_str(&r.body);
    CHECK_CONTAINS(b, "/offerings/pv-next");
    CHECK_CONTAINS(b, "/offerings/demo-pv");
    CHECK_CONTAINS(b, "/offerings/pv-2019-10\"");     /* the last finished ones */
    CHECK_CONTAINS(b, "/offerings/old-599\"");
    CHECK(count(b, "href=\"/offerings/old-") == 4);
    CHECK(strstr(b, "No upcoming dates") == NULL);
    CHECK(strstr(b, "Later dates are in the calendar") == NULL);
    http_res_free(&r);

    /* a course page shows its next dozen and points to the calendar */
    r = get("/courses/alignment", 200);
    b = buf_str(&r.body);
    CHECK_CONTAINS(b, "/offerings/al-up-0\"");
    CHECK_CONTAINS(b, "/offerings/al-up-10\"");
    CHECK(strstr(b, "/offerings/al-up-12\"") == NULL);
    CHECK(strstr(b, "/offerings/al-up-19\"") == NULL);
    CHECK_CONTAINS(b, "Later dates are in the calendar");
    http_res_free(&r);
}

/* The feed: the last 90 days, what starts within a year and the current
** season. */
static void test_feed(void)
{
    http_res r = get("/calendar.ics", 200);
    const char *b = buf_str(&r.body);
    CHECK_CONTAINS(b, "UID:offering-pv-next@");
    CHECK_CONTAINS(b, "UID:offering-pv-2019-10@");
    CHECK_CONTAINS(b, "UID:offering-demo-pv@");
    CHECK(count(b, "UID:offering-old-") == 0);
    CHECK(strstr(b, "UID:offering-pv-far@") == NULL);   /* more than a year ahead */
    CHECK_CONTAINS(b, "UID:offering-al-up-19@");
    CHECK(r.body.len < 64 * 1024);
    http_res_free(&r);
}

int main(void)
{
    if (stack_start(&s, NULL) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return check_done();
    }
    fill();
    test_calendar();
    test_archive();
    test_bad_season();
    test_next();
    test_feed();
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
