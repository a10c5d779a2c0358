/*
** test_announce.c: the announcement rules that need no database: reading
** the date and time a coach chose (in their own zone, across a
** daylight-saving change), and what a title, a message and a scheduled
** time may be (refused, naming the field, before anything is opened).
** Posting, publishing and withdrawing are tested through nginx in
** tests/integration/test_announce.c.
*/
#include <string.h>
#include <time.h>

#include "announce.h"
#include "arena.h"
#include "check.h"
#include "date.h"
#include "tz.h"

/* The instant of local date iso at minute in zone (checked). */
static time_t local(const char *zone, const char *iso, int minute)
{
    int32_t day = 0;
    time_t t = 0;
    CHECK(date_parse(iso, &day) == 0);
    CHECK(tz_instant(zone, day, minute, &t) == 0);
    return t;
}

/* Good and bad datetime-local values. */
static void test_when(void)
{
    time_t t = 0;
    CHECK(announce_when("2030-03-05T09:00", "UTC", &t) == 0);
    CHECK(t == local("UTC", "2030-03-05", 9 * 60));
    CHECK(t == 1898931600); /* date -d 2030-03-05T09:00Z +%s */
    /* the zone is the writer's: 09:00 in Berlin is 08:00 UTC in winter, 07:00 in summer */
    CHECK(announce_when("2030-03-05T09:00", "Europe/Berlin", &t) == 0);
    CHECK(t == 1898931600 - 3600);
    CHECK(announce_when("2030-07-05T09:00", "Europe/Berlin", &t) == 0);
    CHECK(t == local("UTC", "2030-07-05", 7 * 60));
    /* Auckland is ahead of UTC: its morning is the evening before in UTC */
    CHECK(announce_when("2030-03-05T09:00", "Pacific/Auckland", &t) == 0);
    CHECK(t == local("UTC", "2030-03-04", 20 * 60));
    /* seconds are allowed and dropped; a space may stand for the T */
    CHECK(announce_when("2030-03-05T09:00:59", "UTC", &t) == 0);
    CHECK(t == 1898931600);
    CHECK(announce_when("2030-03-05 09:00", "UTC", &t) == 0);
    CHECK(t == 1898931600);
    /* the skipped hour of the spring change reads as the hour after it */
    CHECK(announce_when("2030-03-31T02:30", "Europe/Berlin", &t) == 0);
    CHECK(t == local("UTC", "2030-03-31", 90));
    static const char *const bad[] = {
        "", "now", "2030-03-05", "2030-03-05T9:00", "2030-03-05T09:0", "2030-03-05T24:00", "2030-03-05T09:60",
        "2030-02-30T09:00", "2030-13-01T09:00", "30-03-05T09:00", "2030-03-05X09:00", "2030/03/05T09:00",
        "2030-03-05T09:00:61", "2030-03-05T09:00Z", "2030-03-05T09:00+01:00", "+030-03-05T09:00",
        "2030-03-05T09:00:5x", " 2030-03-05T09:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        t = 12345;
        CHECK(announce_when(bad[i], "UTC", &t) == -1);
    }
    CHECK(announce_when(NULL, "UTC", &t) == -1);
    CHECK(announce_when("2030-03-05T09:00", NULL, &t) == -1);
    CHECK(announce_when("2030-03-05T09:00", "Not/AZone", &t) == -1);
    CHECK(announce_when("2030-03-05T09:00", "../etc/passwd", &t) == -1);
}

/* Post on no database: the refusal (DOM_INVALID expected), field in *field. */
static int post(arena *a, const char *title, const char *body, time_t at, const char **field)
{
    domain d = domain_make(NULL, NULL, NULL, a, 7, 1000000);
    int64_t id = 0;
    int rc = announce_post(&d, 1, "pv-2019-10", title, body, at, &id);
    *field = d.field;
    CHECK(d.message != NULL);
    CHECK(id == 0);
    return rc;
}

/* Empty, malformed and oversized titles and messages, and a time too far
** ahead, are refused naming their field before the database is touched. */
static void test_refusals(void)
{
    arena *a = arena_new(0);
    const char *field;
    static const char *const bad_titles[] = {
        NULL, "", "   ", "two\nlines", "tab\there", "del\x7f", "bad \xff utf-8", "cut \xe2\x82",
    };
    for (size_t i = 0; i < sizeof bad_titles / sizeof *bad_titles; i++) {
        CHECK(post(a, bad_titles[i], "fine", 0, &field) == DOM_INVALID);
        CHECK(field && !strcmp(field, "title"));
    }
    char long_title[202];
    memset(long_title, 'T', 201);
    long_title[201] = '\0';
    CHECK(post(a, long_title, "fine", 0, &field) == DOM_INVALID);
    CHECK(field && !strcmp(field, "title"));
    /* a title of 200 two-byte letters is within the cap (it counts
    ** characters, not bytes), so these are refused for the body alone */
    char accents[200 * 2 + 1];
    for (int i = 0; i < 200; i++)
        memcpy(accents + 2 * i, "\xc3\xa9", 2);
    accents[400] = '\0';
    static const char *const bad_bodies[] = {NULL, "", " \n\t\r\n ", "bad \xfe utf-8"};
    for (size_t i = 0; i < sizeof bad_bodies / sizeof *bad_bodies; i++) {
        CHECK(post(a, accents, bad_bodies[i], 0, &field) == DOM_INVALID);
        CHECK(field && !strcmp(field, "body"));
    }
    static char long_body[ANNOUNCE_BODY_MAX + 2];
    memset(long_body, 'b', ANNOUNCE_BODY_MAX + 1);
    CHECK(post(a, "Fine", long_body, 0, &field) == DOM_INVALID);
    CHECK(field && !strcmp(field, "body"));
    /* more than a year ahead */
    CHECK(post(a, "Fine", "fine", 1000000 + (time_t)ANNOUNCE_AHEAD_DAYS * 86400 + 60, &field) == DOM_INVALID);
    CHECK(field && !strcmp(field, "publish_at"));
    arena_free(a);
}

/* The link a notification carries. */
static void test_link(void)
{
    arena *a = arena_new(0);
    CHECK_STR(announce_link(a, "pv-2019-10", 42), "/learn/pv-2019-10/announcements#announcement-42");
    arena_free(a);
}

int main(void)
{
    test_when();
    test_refusals();
    test_link();
    return check_done();
}
