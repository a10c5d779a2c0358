/*
** tz.c: named time zones through the C library and tzdata (see tz.h).
*/
#define _DEFAULT_SOURCE
#include "tz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ZONEINFO "/usr/share/zoneinfo/"

/* Zones already found valid in this process: every conversion checks its
** zone, and a page converts dozens of times, so the file's stat() is done
** once per zone, not once per call. A zone's file does not go away while
** the process runs; a name found invalid is looked up again each time.
** Single-threaded, as the rest of this module. */
#define TZ_KNOWN 32
static char tz_known[TZ_KNOWN][65];
static int tz_known_n;

/* The index of zone among the zones found valid, or -1 when it is not a
** valid zone; -2 when it is valid but the table is full (its conversions
** are then not remembered). */
static int zone_index(const char *zone)
{
    size_t n = zone ? strlen(zone) : 0;
    if (n == 0 || n > 64 || zone[0] == '/' || strstr(zone, ".."))
        return -1;
    for (int i = 0; i < tz_known_n; i++)
        if (!strcmp(tz_known[i], zone))
            return i;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)zone[i];
        if (!isalnum(c) && c != '_' && c != '+' && c != '-' && c != '/')
            return -1;
    }
    char path[sizeof ZONEINFO + 64];
    snprintf(path, sizeof path, "%s%s", ZONEINFO, zone);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return -1;
    if (tz_known_n == TZ_KNOWN)
        return -2;
    memcpy(tz_known[tz_known_n], zone, n + 1);
    return tz_known_n++;
}

int tz_valid(const char *zone)
{
    return zone_index(zone) != -1;
}

/* Conversions already made in this process, by zone and instant (or local
** time): a page converts the same few dozen instants on every request (a
** week's schedule), and each conversion in a zone other than the one in
** force makes the C library read that zone's file again (it keeps one).
** The answers depend only on the zone's rules, which do not change while
** the process runs (a new tzdata reaches the workers as they are
** replaced). Direct-mapped: a clash replaces the older entry. */
#define TZ_MEMO 4096   /* a power of two */
static struct local_memo {
    time_t t;
    int32_t days;
    short minute;
    signed char zone;  /* index + 1; 0: empty */
    char abbr[16];
} local_memo[TZ_MEMO];
static struct instant_memo {
    int32_t days;
    short minute;
    signed char zone;  /* index + 1; 0: empty */
    time_t t;
} instant_memo[TZ_MEMO];

/* A slot of a memo for zone index z and the two numbers a and b. */
static unsigned memo_slot(int z, int64_t a, int64_t b)
{
    uint64_t h = ((uint64_t)a * 0x9E3779B97F4A7C15u) ^ ((uint64_t)b * 0xC2B2AE3D27D4EB4Fu) ^ (uint64_t)z;
    h ^= h >> 29;
    return (unsigned)(h & (TZ_MEMO - 1));
}

/* The TZ value in force before tz_enter, restored by tz_leave (the same
** shape as a hold: see tz.h). */
typedef tz_hold tz_saved;

/* Make zone the process's zone for the conversions that follow. */
static void tz_enter(const char *zone, tz_saved *sv)
{
    const char *old = getenv("TZ");
    sv->had = old != NULL;
    snprintf(sv->value, sizeof sv->value, "%s", old ? old : "");
    char want[80];
    snprintf(want, sizeof want, ":%s", zone);
    if (!old || strcmp(old, want)) {
        setenv("TZ", want, 1);
        tzset();
    }
}

/* Put back the zone tz_enter replaced. */
static void tz_leave(const tz_saved *sv)
{
    const char *now = getenv("TZ");
    if (sv->had && now && !strcmp(now, sv->value))
        return;
    if (sv->had)
        setenv("TZ", sv->value, 1);
    else
        unsetenv("TZ");
    tzset();
}

/* The hold in force (tz_keep), and the zone settled on (tz_settle), ""
** when none. Both are taken up lazily: the process's zone is switched only
** when a conversion in that zone is not remembered, and then stays so for
** the rest of the hold, or until another zone is settled on. */
static tz_hold *holding;
static char settled[65];

/* Make zone the process's zone for one conversion: *sv says what to put
** back after it (nothing, within a hold or the settled zone). */
static void zone_in(const char *zone, tz_saved *sv, int *restore)
{
    *restore = 0;
    if (holding && !strcmp(holding->zone, zone)) {
        if (!holding->entered) {
            tz_enter(zone, holding);
            holding->entered = 1;
        }
        return;
    }
    if (settled[0] && !strcmp(settled, zone)) {
        tz_saved ignored;
        tz_enter(zone, &ignored);   /* and stay */
        return;
    }
    tz_enter(zone, sv);
    *restore = 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

int tz_instant(const char *zone, int32_t days, int minute, time_t *out)
{
    int z = zone_index(zone);
    if (z == -1 || minute < 0 || minute >= 1440 || days < -100000 || days > 200000)
        return -1;
    struct instant_memo *mo = z >= 0 ? &instant_memo[memo_slot(z, days, minute)] : NULL;
    if (mo && mo->zone == z + 1 && mo->days == days && mo->minute == minute) {
        *out = mo->t;
        return 0;
    }
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    tz_saved sv;
    int restore;
    zone_in(zone, &sv, &restore);
    /* Ask for the wall time under both readings of daylight saving and keep
    ** the earlier instant whose breakdown is that wall time; when neither
    ** is (a skipped time), the C library's normalisation moves it forward by
    ** the gap. */
    time_t best = (time_t)-1;
    int found = 0;
    for (int dst = 0; dst <= 1; dst++) {
        struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
                        .tm_hour = minute / 60, .tm_min = minute % 60, .tm_isdst = dst};
        time_t t = mktime(&tm);
        struct tm back;
        if (t == (time_t)-1 || !localtime_r(&t, &back))
            continue;
        if (back.tm_year == y - 1900 && back.tm_mon == m - 1 && back.tm_mday == d &&
            back.tm_hour == minute / 60 && back.tm_min == minute % 60) {
            if (!found || t < best)
                best = t;
            found = 1;
        }
    }
    if (!found) {
        struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
                        .tm_hour = minute / 60, .tm_min = minute % 60, .tm_isdst = 0};
        best = mktime(&tm);   /* standard-time reading of a skipped time: after the change */
    }
    if (restore)
        tz_leave(&sv);
    if (best == (time_t)-1)
        return -1;
    *out = best;
    if (mo)
        *mo = (struct instant_memo){days, (short)minute, (signed char)(z + 1), best};
    return 0;
}

int tz_local(const char *zone, time_t t, int32_t *days, int *minute, char *abbr, size_t abbr_size)
{
    int z = zone_index(zone);
    if (z == -1)
        return -1;
    struct local_memo *mo = z >= 0 ? &local_memo[memo_slot(z, t, 0)] : NULL;
    if (mo && mo->zone == z + 1 && mo->t == t) {
        *days = mo->days;
        *minute = mo->minute;
        if (abbr && abbr_size)
            snprintf(abbr, abbr_size, "%s", mo->abbr);
        return 0;
    }
    tz_saved sv;
    int restore;
    zone_in(zone, &sv, &restore);
    struct tm tm;
    int ok = localtime_r(&t, &tm) != NULL;
    if (ok) {
        *days = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        *minute = tm.tm_hour * 60 + tm.tm_min;
        if (abbr && abbr_size)
            snprintf(abbr, abbr_size, "%s", tm.tm_zone ? tm.tm_zone : "");
        if (mo) {
            mo->t = t;
            mo->days = *days;
            mo->minute = (short)*minute;
            mo->zone = (signed char)(z + 1);
            snprintf(mo->abbr, sizeof mo->abbr, "%s", tm.tm_zone ? tm.tm_zone : "");
        }
    }
    if (restore)
        tz_leave(&sv);
    return ok ? 0 : -1;
}

int tz_relative_parse(const char *s, int *day, int *minute, const char **err)
{
    *day = 0;
    *minute = -1;
    if (!s || strncmp(s, "day ", 4)) {
        *err = "a time in a course is written \"day N\" or \"day N HH:MM\" (day 1 is the offering's first day)";
        return -1;
    }
    const char *p = s + 4;
    if (!isdigit((unsigned char)*p)) {
        *err = "\"day\" must be followed by the day's number, 1 to 14";
        return -1;
    }
    int n = 0;
    while (isdigit((unsigned char)*p) && n <= 14)
        n = n * 10 + (*p++ - '0');
    if (n < 1 || n > 14 || isdigit((unsigned char)*p)) {
        *err = "the day's number must be from 1 to 14";
        return -1;
    }
    *day = n;
    if (!*p)
        return 0;
    if (*p != ' ' || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != ':' ||
        !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]) || p[6]) {
        *err = "the time after the day must be HH:MM on a 24-hour clock, as in \"day 3 17:00\"";
        return -1;
    }
    int h = (p[1] - '0') * 10 + (p[2] - '0'), mi = (p[4] - '0') * 10 + (p[5] - '0');
    if (h > 23 || mi > 59) {
        *err = "the time must be between 00:00 and 23:59";
        return -1;
    }
    *minute = h * 60 + mi;
    return 0;
}

int tz_relative_instant(const char *zone, int32_t first_day, int day, int minute, int default_minute, time_t *out)
{
    if (day < 1 || day > 14)
        return -1;
    return tz_instant(zone, first_day + day - 1, minute >= 0 ? minute : default_minute, out);
}

/* See tz.h: hold zone; switched to at the first conversion not
** remembered, and back at tz_release. */
int tz_keep(const char *zone, tz_hold *h)
{
    h->held = h->entered = 0;
    if (!tz_valid(zone))
        return -1;
    snprintf(h->zone, sizeof h->zone, "%s", zone);
    h->held = 1;
    holding = h;
    return 0;
}

/* See tz.h: put back the zone the hold replaced, if it switched. */
void tz_release(tz_hold *h)
{
    if (h->held && h->entered)
        tz_leave(h);
    h->held = h->entered = 0;
    if (holding == h)
        holding = NULL;
}

/* See tz.h: settle on zone; switched to at the first conversion not
** remembered, and kept. */
int tz_settle(const char *zone)
{
    if (!tz_valid(zone))
        return -1;
    snprintf(settled, sizeof settled, "%s", zone);
    return 0;
}
