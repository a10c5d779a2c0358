/*
** test_tz.c: named zones from tzdata, daylight-saving edges, and the
** relative times course files use ("day 3 17:00").
*/
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "date.h"
#include "tz.h"

/* Days since 1970-01-01 of an ISO date, for readable tests. */
static int32_t day_of(const char *iso)
{
    int32_t d = 0;
    if (date_parse(iso, &d) != 0)
        abort();
    return d;
}

static void zones(void)
{
    CHECK(tz_valid("UTC"));
    CHECK(tz_valid("Europe/Berlin"));
    CHECK(tz_valid("America/New_York"));
    CHECK(tz_valid("Pacific/Auckland"));
    CHECK(!tz_valid(""));
    CHECK(!tz_valid(NULL));
    CHECK(!tz_valid("Mars/Olympus_Mons"));
    CHECK(!tz_valid("../../etc/passwd"));
    CHECK(!tz_valid("/etc/localtime"));
    CHECK(!tz_valid("Europe/Berlin\n"));
    CHECK(!tz_valid("Europe/Berlin;rm"));
    CHECK(!tz_valid("Europe"));   /* a folder, not a zone */
    CHECK(!tz_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    /* the zones found are remembered: asked again, each answer is the same,
    ** and a name near a remembered one (a prefix, a longer name) is not
    ** taken for it */
    for (int i = 0; i < 3; i++) {
        CHECK(tz_valid("Europe/Berlin"));
        CHECK(!tz_valid("Europe/Berli"));
        CHECK(!tz_valid("Europe/Berlin/x"));
        CHECK(!tz_valid("Mars/Olympus_Mons"));
        CHECK(!tz_valid("Europe/Berlin\n"));
    }
    /* past the 32 remembered, zones are still found (by their files) */
    const char *more[] = {"Asia/Tokyo", "Asia/Singapore", "Europe/London", "Europe/Paris", "Europe/Madrid",
                          "Europe/Rome", "Europe/Vienna", "Europe/Oslo", "Europe/Stockholm", "Europe/Helsinki",
                          "Europe/Athens", "Europe/Lisbon", "Europe/Dublin", "Europe/Prague", "Europe/Warsaw",
                          "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
                          "America/Sao_Paulo", "America/Mexico_City", "Australia/Sydney", "Australia/Perth",
                          "Africa/Nairobi", "Africa/Lagos", "Asia/Kolkata", "Asia/Dubai", "Asia/Seoul",
                          "Asia/Shanghai", "Asia/Jakarta", "Pacific/Honolulu", "America/Anchorage", "Etc/UTC"};
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            CHECK(tz_valid(more[i]));
    CHECK(!tz_valid("Asia/Atlantis"));
}

static void instants(void)
{
    time_t t = 0;
    /* 9:00 in New York in winter (EST, -5) and summer (EDT, -4). */
    CHECK(tz_instant("America/New_York", day_of("2026-01-15"), 9 * 60, &t) == 0);
    CHECK(t == 1768485600);
    CHECK(tz_instant("America/New_York", day_of("2026-07-15"), 9 * 60, &t) == 0);
    CHECK(t == 1784120400);
    /* Spring forward, 8 March 2026: 02:30 does not happen; it is taken as 03:30 EDT. */
    CHECK(tz_instant("America/New_York", day_of("2026-03-08"), 2 * 60 + 30, &t) == 0);
    CHECK(t == 1772955000);
    /* Fall back, 1 November 2026: 01:30 happens twice; the first (EDT) is taken. */
    CHECK(tz_instant("America/New_York", day_of("2026-11-01"), 60 + 30, &t) == 0);
    CHECK(t == 1793511000);
    /* The southern hemisphere: Auckland's summer time ends on 5 April 2026. */
    time_t before = 0, after = 0;
    CHECK(tz_instant("Pacific/Auckland", day_of("2026-04-04"), 12 * 60, &before) == 0);
    CHECK(tz_instant("Pacific/Auckland", day_of("2026-04-05"), 12 * 60, &after) == 0);
    CHECK(after - before == 25 * 3600);
    CHECK(tz_instant("UTC", day_of("2019-10-21"), 0, &t) == 0);
    CHECK(t == 1571616000);
    CHECK(tz_instant("Nowhere/Special", day_of("2019-10-21"), 0, &t) == -1);
    CHECK(tz_instant("UTC", day_of("2019-10-21"), 1440, &t) == -1);
    CHECK(tz_instant("UTC", day_of("2019-10-21"), -1, &t) == -1);
}

static void breakdown(void)
{
    int32_t days = 0;
    int minute = 0;
    char abbr[16];
    /* One instant seen from three zones across the date line. */
    time_t t = 1772955000;   /* 2026-03-08 07:30 UTC */
    CHECK(tz_local("America/New_York", t, &days, &minute, abbr, sizeof abbr) == 0);
    CHECK(days == day_of("2026-03-08") && minute == 3 * 60 + 30);
    CHECK_STR(abbr, "EDT");
    CHECK(tz_local("Europe/Berlin", t, &days, &minute, abbr, sizeof abbr) == 0);
    CHECK(days == day_of("2026-03-08") && minute == 8 * 60 + 30);
    CHECK_STR(abbr, "CET");
    CHECK(tz_local("Pacific/Auckland", t, &days, &minute, abbr, sizeof abbr) == 0);
    CHECK(days == day_of("2026-03-08") && minute == 20 * 60 + 30);
    CHECK_STR(abbr, "NZDT");
    CHECK(tz_local("Bad/Zone", t, &days, &minute, NULL, 0) == -1);
    /* The process's own zone is left as it was. */
    setenv("TZ", "UTC", 1);
    CHECK(tz_local("Europe/Berlin", t, &days, &minute, NULL, 0) == 0);
    CHECK_STR(getenv("TZ"), "UTC");
}

static void relative(void)
{
    int day, minute;
    const char *err = NULL;
    CHECK(tz_relative_parse("day 1", &day, &minute, &err) == 0 && day == 1 && minute == -1);
    CHECK(tz_relative_parse("day 3 17:00", &day, &minute, &err) == 0 && day == 3 && minute == 17 * 60);
    CHECK(tz_relative_parse("day 14 23:59", &day, &minute, &err) == 0 && day == 14 && minute == 1439);
    static const char *const bad[] = {
        "", "day", "day ", "day 0", "day 15", "day 999999999999", "Day 1", "day 1 7:00", "day 1 24:00",
        "day 1 12:60", "day 1 12:00 ", "day 1  12:00", "day -1", "day 1x", "day 01:00", "day 1\n", "week 1",
        "day 3 17:00:00", "day 1 ab:cd",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = NULL;
        int rc = tz_relative_parse(bad[i], &day, &minute, &err);
        CHECK(rc == -1 && err && *err);
        if (rc != -1)
            fprintf(stderr, "  accepted: \"%s\"\n", bad[i]);
    }
    CHECK(tz_relative_parse(NULL, &day, &minute, &err) == -1);
    /* Day 3 17:00 of an offering starting Monday 2 March 2026 in New York is
    ** 4 March 22:00 UTC; a week later (after the change) it is 21:00 UTC. */
    time_t t = 0;
    CHECK(tz_relative_instant("America/New_York", day_of("2026-03-02"), 3, 17 * 60, 0, &t) == 0);
    CHECK(t == 1772661600);
    CHECK(tz_relative_instant("America/New_York", day_of("2026-03-09"), 3, 17 * 60, 0, &t) == 0);
    CHECK(t == 1773262800);
    CHECK(tz_relative_instant("UTC", day_of("2026-03-02"), 2, -1, 9 * 60, &t) == 0);
    CHECK(t == 1772528400);
    CHECK(tz_relative_instant("UTC", day_of("2026-03-02"), 0, -1, 0, &t) == -1);
}

/* A hold gives the same answers, in its zone and in others, and puts the
** process's zone back. */
static void holds(void)
{
    time_t plain, held, other_plain, other_held;
    int32_t d1, d2;
    int m1, m2;
    char a1[16], a2[16];
    CHECK(tz_instant("America/New_York", day_of("2026-03-09"), 8 * 60, &plain) == 0);
    CHECK(tz_instant("Europe/Berlin", day_of("2026-03-30"), 8 * 60, &other_plain) == 0);
    CHECK(tz_local("Europe/Berlin", plain, &d1, &m1, a1, sizeof a1) == 0);
    const char *before = getenv("TZ");
    char saved[64];
    snprintf(saved, sizeof saved, "%s", before ? before : "(unset)");
    tz_hold h;
    CHECK(tz_keep("America/New_York", &h) == 0);
    CHECK(tz_instant("America/New_York", day_of("2026-03-09"), 8 * 60, &held) == 0);
    CHECK(held == plain);
    CHECK(tz_instant("Europe/Berlin", day_of("2026-03-30"), 8 * 60, &other_held) == 0);
    CHECK(other_held == other_plain);
    CHECK(tz_local("Europe/Berlin", held, &d2, &m2, a2, sizeof a2) == 0);
    CHECK(d1 == d2 && m1 == m2 && !strcmp(a1, a2) && m1 == 13 * 60 && !strcmp(a1, "CET"));
    tz_release(&h);
    tz_release(&h);   /* a second release does nothing */
    const char *after = getenv("TZ");
    CHECK_STR(after ? after : "(unset)", saved);
    CHECK(tz_keep("Mars/Base", &h) == -1);
    tz_release(&h);
    after = getenv("TZ");
    CHECK_STR(after ? after : "(unset)", saved);
}

/* Remembered answers are the answers: every hour of 2026 in three zones
** (their daylight-saving changes included), more than the memo holds, the
** zones taken in turn, asked twice; the second time (from memory, or
** computed again after a clash) must match the first, and local times
** back to instants too. */
static void remembered(void)
{
    static const char *const zones[] = {"Europe/London", "America/New_York", "Pacific/Auckland"};
    enum { HOURS = 24 * 365 };
    static int32_t days[3][HOURS];
    static int minutes[3][HOURS];
    static char abbrs[3][HOURS][8];
    const time_t start = 1767225600;   /* 2026-01-01T00:00:00Z */
    int bad = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int h = 0; h < HOURS; h++) {
            for (int z = 0; z < 3; z++) {
                int32_t d;
                int m;
                char ab[8];
                if (tz_local(zones[z], start + (time_t)h * 3600, &d, &m, ab, sizeof ab) != 0) {
                    bad++;
                    continue;
                }
                if (pass == 0) {
                    days[z][h] = d;
                    minutes[z][h] = m;
                    memcpy(abbrs[z][h], ab, sizeof ab);
                } else if (days[z][h] != d || minutes[z][h] != m || strcmp(abbrs[z][h], ab)) {
                    bad++;
                }
                time_t back;
                if (tz_instant(zones[z], d, m, &back) != 0)
                    bad++;
                /* the autumn hour happens twice: the first is taken */
                else if (back != start + (time_t)h * 3600 && back != start + (time_t)h * 3600 - 3600)
                    bad++;
            }
        }
    }
    CHECK(bad == 0);
}

int main(void)
{
    remembered();
    holds();
    zones();
    instants();
    breakdown();
    relative();
    return check_done();
}
