/*
** test_course_week.c: the course files' dates and the calendar's time
** zones: items' opens and due ("day 3 17:00"), course.md milestones
** ("WHEN | key | title"), panel.md captions, calendar.txt time_zone and
** posting_closes. Valid inputs give the parsed values; every hostile one
** gives a "FILE:LINE: what is wrong" line and a failed parse.
*/
#include "arena.h"
#include "buf.h"
#include "check.h"
#include "course.h"

#include <string.h>

/* Parse text as which; returns the result, the messages in err. */
static int parse(arena *a, const char *which, const char *text, course *c, offering_seed *o, buf *err)
{
    buf_reset(err);
    return course_parse_file_for_test(a, which, text, strlen(text), c, o, err);
}

static const char COURSE_HEAD[] = "---\ntitle: T\ntagline: A line\nhours: 4-6\nsummary: One sentence.\n";

/* course.md with one extra front-matter line (at line 6). */
static const char *course_with(arena *a, const char *extra)
{
    return arena_printf(a, "%s%s\n---\nOverview.\n", COURSE_HEAD, extra);
}

static void test_milestones(arena *a)
{
    buf err = BUF_INIT;
    course c;
    const char *ok = arena_printf(a, "%smilestone: day 1 08:00 | panel-available | The panel is up\n"
                                     "milestone: day 5 | wrap-up | Wrap-up\n---\nBody\n", COURSE_HEAD);
    CHECK(parse(a, "course.md", ok, &c, NULL, &err) == 0);
    CHECK_STR(buf_str(&err), "");
    CHECK(c.n_milestones == 2);
    if (c.n_milestones == 2) {
        CHECK_STR(c.milestones[0].key, "panel-available");
        CHECK_STR(c.milestones[0].title, "The panel is up");
        CHECK_STR(c.milestones[0].at, "day 1 08:00");
        CHECK(c.milestones[0].day == 1 && c.milestones[0].minute == 480);
        CHECK(c.milestones[1].day == 5 && c.milestones[1].minute == -1);
        CHECK(c.milestones[1].line == 7);
    }
    static const struct {
        const char *line, *want;
    } bad[] = {
        {"milestone: day 1 08:00 panel The panel", "course.md:6: milestone must be 'WHEN | key | title'"},
        {"milestone: day 1 | a | b | c", "course.md:6: milestone must be"},
        {"milestone: day 0 | start | Start", "course.md:6: milestone time 'day 0'"},
        {"milestone: day 15 | late | Late", "the day's number must be from 1 to 14"},
        {"milestone: day 3 25:00 | late | Late", "between 00:00 and 23:59"},
        {"milestone: day 3 7:00 | early | Early", "HH:MM on a 24-hour clock"},
        {"milestone: Monday | start | Start", "written \"day N\""},
        {"milestone: day 2 | Bad Key | Title", "milestone key 'Bad Key'"},
        {"milestone: day 2 | -x | Title", "milestone key '-x'"},
        {"milestone: day 2 | ok |  ", "milestone title must be 1 to 120"},
        {"milestone: day 2 | ok | <script>alert(1)</script>\nmilestone: day 3 | ok | Again",
         "course.md:7: milestone key 'ok' is already used on line 6"},
        {"milestone: day 99999999999999999999 | ok | T", "from 1 to 14"},
        {"milestone: day 2\x01 | ok | T", "course.md:6: milestone time 'day 2?'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(parse(a, "course.md", course_with(a, bad[i].line), NULL, NULL, &err) == -1);
        CHECK_CONTAINS(buf_str(&err), bad[i].want);
    }
    buf_free(&err);
}

static const char PLAYLIST_HEAD[] = "## A reading\nkey: a-reading\nkind: article\nminutes: 10\nlink: https://example.org/a\n";

static void test_item_dates(arena *a)
{
    buf err = BUF_INIT;
    course c;
    const char *ok = arena_printf(a, "%sopens: day 2\ndue: day 3 17:00\n\nRead it.\n", PLAYLIST_HEAD);
    CHECK(parse(a, "playlist.md", ok, &c, NULL, &err) == 0);
    CHECK_STR(buf_str(&err), "");
    CHECK(c.n_playlist == 1);
    if (c.n_playlist == 1) {
        CHECK_STR(c.playlist[0].opens, "day 2");
        CHECK_STR(c.playlist[0].due, "day 3 17:00");
        CHECK(c.playlist[0].opens_day == 2 && c.playlist[0].opens_minute == -1);
        CHECK(c.playlist[0].due_day == 3 && c.playlist[0].due_minute == 1020);
    }
    /* No dates at all is fine: the item is there all week. */
    CHECK(parse(a, "playlist.md", arena_printf(a, "%s\nRead it.\n", PLAYLIST_HEAD), &c, NULL, &err) == 0);
    CHECK(c.n_playlist == 1 && c.playlist[0].opens == NULL && c.playlist[0].due == NULL);
    /* The same day: opens at its start, due at its end, so this is fine. */
    CHECK(parse(a, "discussions.md", "## P\nkey: p\nopens: day 2\ndue: day 2\n\nText\n", &c, NULL, &err) == 0);

    static const struct {
        const char *which, *text, *want;
    } bad[] = {
        {"discussions.md", "## P\nkey: p\nopens: day 3\ndue: day 2 17:00\n\nText\n",
         "discussions.md:4: due 'day 2 17:00' is before opens 'day 3' (line 3)"},
        {"discussions.md", "## P\nkey: p\nopens: day 3 12:00\ndue: day 3 11:59\n\nText\n", "discussions.md:4: due"},
        {"activities.md", "## A\nkey: a\nsubmit: A page\nminutes: 30\ndue: tomorrow\n\nText\n",
         "activities.md:5: due 'tomorrow': a time in a course is written"},
        {"activities.md", "## A\nkey: a\nsubmit: A page\nminutes: 30\nopens: day\n\nText\n",
         "activities.md:5: opens 'day':"},
        {"activities.md", "## A\nkey: a\nsubmit: A page\nminutes: 30\nopens: day 1 17:00 extra\n\nText\n",
         "activities.md:5: opens"},
        {"activities.md", "## A\nkey: a\nsubmit: A page\nminutes: 30\nopens: day -1\n\nText\n", "activities.md:5:"},
        {"activities.md", "## A\nkey: a\nsubmit: A page\nminutes: 30\nopens: day 1\nopens: day 2\n\nText\n",
         "activities.md:6: 'opens' is given twice (first on line 5)"},
        {"activities.md", "## A\nkey: a\nsubmit: A page\nminutes: 30\ndue:\n\nText\n", "activities.md:5: 'due' has no value"},
        {"playlist.md", "## A reading\nkey: a-reading\nkind: article\nminutes: 10\nlink: https://example.org/a\n"
                        "opens: day 1 24:00\n\nText\n", "playlist.md:6: opens 'day 1 24:00'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(parse(a, bad[i].which, bad[i].text, NULL, NULL, &err) == -1);
        CHECK_CONTAINS(buf_str(&err), bad[i].want);
    }
    buf_free(&err);
}

static const char PANEL_HEAD[] = "---\ntitle: Panel\nvideo: pending\nminutes: 50\n";

static void test_captions(arena *a)
{
    buf err = BUF_INIT;
    course c;
    CHECK(parse(a, "panel.md", arena_printf(a, "%scaptions: English captions on the recording\n---\nSummary\n", PANEL_HEAD),
                &c, NULL, &err) == 0);
    CHECK_STR(c.captions, "English captions on the recording");
    CHECK(parse(a, "panel.md", arena_printf(a, "%s---\nSummary\n", PANEL_HEAD), &c, NULL, &err) == 0);
    CHECK(c.captions == NULL);
    char longline[300];
    memset(longline, 'x', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    CHECK(parse(a, "panel.md", arena_printf(a, "%scaptions: %s\n---\nS\n", PANEL_HEAD, longline), NULL, NULL, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "panel.md:5: captions must be one short line");
    CHECK(parse(a, "panel.md", arena_printf(a, "%scaptions:\n---\nS\n", PANEL_HEAD), NULL, NULL, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "panel.md:5: 'captions' has no value");
    CHECK(parse(a, "panel.md", arena_printf(a, "%scaptions: a\ncaptions: b\n---\nS\n", PANEL_HEAD), NULL, NULL, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "panel.md:6: 'captions' is given twice");
    buf_free(&err);
}

static const char OFFERING[] = "code: x-1\ncourse: demo-course\nstarts: 2026-03-09\nends: 2026-03-13\nprice: 50\ncapacity: 10\n";

static void test_calendar_zones(arena *a)
{
    buf err = BUF_INIT;
    offering_seed o;
    CHECK(parse(a, "calendar.txt", OFFERING, NULL, &o, &err) == 0);
    CHECK_STR(o.time_zone, "UTC");          /* the series' zone (UTC in this check) */
    CHECK(o.posting_closes == 0);
    CHECK(parse(a, "calendar.txt", arena_printf(a, "%stime_zone: America/New_York\nposting_closes: 2026-04-01\n", OFFERING),
                NULL, &o, &err) == 0);
    CHECK_STR(buf_str(&err), "");
    CHECK_STR(o.time_zone, "America/New_York");
    CHECK(o.posting_closes == 20544);       /* 2026-04-01 */
    CHECK(parse(a, "calendar.txt", arena_printf(a, "%stime_zone: Pacific/Chatham\n", OFFERING), NULL, &o, &err) == 0);
    CHECK_STR(o.time_zone, "Pacific/Chatham");

    static const struct {
        const char *extra, *want;
    } bad[] = {
        {"time_zone: Mars/Olympus_Mons", "calendar.txt:7: time_zone 'Mars/Olympus_Mons' is not a time zone"},
        {"time_zone: ../../etc/passwd", "calendar.txt:7: time_zone '../../etc/passwd'"},
        {"time_zone: /etc/localtime", "calendar.txt:7: time_zone"},
        {"time_zone: America/New York", "calendar.txt:7: time_zone"},
        {"time_zone: Europe", "calendar.txt:7: time_zone 'Europe'"},   /* a folder, not a zone */
        {"time_zone: UTC;rm -rf /", "calendar.txt:7: time_zone"},
        {"time_zone: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
         "calendar.txt:7: time_zone"},
        {"posting_closes: 2026-03-12", "calendar.txt:7: posting_closes is before the offering ends"},
        {"posting_closes: next month", "calendar.txt:7: posting_closes 'next month' is not a real date"},
        {"posting_closes: 2026-02-30", "calendar.txt:7: posting_closes '2026-02-30'"},
        {"time_zone: UTC\ntime_zone: Europe/Berlin", "calendar.txt:8: 'time_zone' is given twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(parse(a, "calendar.txt", arena_printf(a, "%s%s\n", OFFERING, bad[i].extra), NULL, NULL, &err) == -1);
        CHECK_CONTAINS(buf_str(&err), bad[i].want);
    }
    /* A NUL byte anywhere makes the file unusable, reported at its line. */
    static const char nul[] = "code: x-1\ntime_zone: UTC\0Europe/Berlin\n";
    buf_reset(&err);
    CHECK(course_parse_file_for_test(a, "calendar.txt", nul, sizeof nul - 1, NULL, NULL, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "calendar.txt:2: NUL byte");
    buf_free(&err);
}

int main(void)
{
    arena *a = arena_new(0);
    test_milestones(a);
    test_item_dates(a);
    test_captions(a);
    test_calendar_zones(a);
    arena_free(a);
    return check_done();
}
