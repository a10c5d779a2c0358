/*
** date.c: day-number calendar arithmetic and date formatting (see date.h).
**
** Conversions between day numbers and (year, month, day) use the era method:
** the proleptic Gregorian calendar repeats every 400 years (146097 days), so
** a date is split into its 400-year era and its position inside it, with
** years counted from 1 March so that the leap day falls at the end of the
** year. All arithmetic is done in 64 bits and with floor division, so it is
** exact for every int32_t day number and every time_t.
*/
#include "date.h"

#include <string.h>

enum { DAYS_PER_ERA = 146097, SECS_PER_DAY = 86400 };

/* Days from 0000-03-01 to 1970-01-01. */
#define EPOCH_SHIFT 719468

/* English month and weekday names; index 0 = January / Monday. */
static const char *const MONTHS[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const WEEKDAYS[7] = {"Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday",
                                        "Sunday"};

/* A calendar date; month 1..12, day 1..31. */
typedef struct civil {
    int64_t year;
    int month, day;
} civil;

/* a / b rounded towards minus infinity (b > 0). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

/* a mod b in 0..b-1 (b > 0). */
static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* Non-zero for a Gregorian leap year. */
static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Number of days in month m (1..12) of year y. */
static int month_days(int64_t y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Day number of the valid date y-m-d. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    /* Count years from March: January and February belong to the
    ** previous year, so the leap day is the last day of a year. */
    int64_t yy = m <= 2 ? y - 1 : y;
    int64_t era = floor_div(yy, 400);
    int64_t yoe = yy - era * 400;                 /* 0..399 */
    int mp = m > 2 ? m - 3 : m + 9;               /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;     /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
    return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

/* The calendar date of day number z. */
static civil civil_from_days(int64_t z)
{
    z += EPOCH_SHIFT;
    int64_t era = floor_div(z, DAYS_PER_ERA);
    int64_t doe = z - era * DAYS_PER_ERA; /* 0..146096 */
    /* Year of era: remove the leap days accumulated so far (one per 4
    ** years, minus one per century, plus the one at the end of the era). */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                      /* March = 0 */
    civil c;
    c.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.month <= 2);
    return c;
}

/* Value of the n ASCII digits at s, or -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Parse exactly "YYYY-MM-DD" (1900..9999) into *days; 0, or -1 leaving
** *days untouched. */
int date_parse(const char *s, int32_t *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 ||
        d > month_days(y, m))
        return -1;
    *days = (int32_t)days_from_civil(y, m, d);
    return 0;
}

/* Append "YYYY-MM-DD" for days to out. */
void date_iso(buf *out, int32_t days)
{
    civil c = civil_from_days(days);
    buf_printf(out, "%04lld-%02d-%02d", (long long)c.year, c.month, c.day);
}

/* Append "YYYYMMDD" for days to out. */
void date_compact(buf *out, int32_t days)
{
    civil c = civil_from_days(days);
    buf_printf(out, "%04lld%02d%02d", (long long)c.year, c.month, c.day);
}

/* Day of week of days, 0 = Monday .. 6 = Sunday. */
int date_weekday(int32_t days)
{
    /* 1970-01-01 was a Thursday (3). */
    return (int)floor_mod((int64_t)days + 3, 7);
}

/* The UTC day containing t (floor, so instants before 1970 work). */
int32_t date_from_time(time_t t)
{
    return (int32_t)floor_div((int64_t)t, SECS_PER_DAY);
}

/* Today's day number in UTC. */
int32_t date_today(void)
{
    return date_from_time(time(NULL));
}

/* Append "21 October 2019" for days to out. */
void date_label(buf *out, int32_t days)
{
    civil c = civil_from_days(days);
    buf_printf(out, "%d %s %lld", c.day, MONTHS[c.month - 1],
               (long long)c.year);
}

/* Append "Monday, 21 October 2019" for days to out. */
void date_long_label(buf *out, int32_t days)
{
    buf_puts(out, WEEKDAYS[date_weekday(days)]);
    buf_puts(out, ", ");
    date_label(out, days);
}

/* Append the English label of the inclusive span first..last (swapped
** when reversed) to out, in the shortest of the forms listed in date.h. */
void date_range_label(buf *out, int32_t first, int32_t last)
{
    if (last < first) {
        int32_t t = first;
        first = last;
        last = t;
    }
    if (first == last) {
        date_label(out, first);
        return;
    }
    civil a = civil_from_days(first), b = civil_from_days(last);
    if (a.year != b.year) {
        date_label(out, first);
        buf_puts(out, " \xE2\x80\x93 ");
        date_label(out, last);
    } else if (a.month != b.month) {
        buf_printf(out, "%d %s \xE2\x80\x93 ", a.day, MONTHS[a.month - 1]);
        date_label(out, last);
    } else {
        buf_printf(out, "%d\xE2\x80\x93", a.day);
        date_label(out, last);
    }
}

/* The Monday on or before from, moved by weeks weeks. */
int32_t date_monday_after(int32_t from, int weeks)
{
    int64_t monday = (int64_t)from - date_weekday(from) + 7 * (int64_t)weeks;
    return (int32_t)monday;
}

/* Split t into its calendar date and seconds into that day (0..86399). */
static civil split_time(time_t t, int *secs)
{
    int64_t day = floor_div((int64_t)t, SECS_PER_DAY);
    *secs = (int)((int64_t)t - day * SECS_PER_DAY);
    return civil_from_days(day);
}

/* Append the IMF-fixdate for t to out. */
void date_http(buf *out, time_t t)
{
    static const char *const wd[7] = {"Mon", "Tue", "Wed", "Thu",
                                      "Fri", "Sat", "Sun"};
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};
    int secs;
    civil c = split_time(t, &secs);
    int64_t day = floor_div((int64_t)t, SECS_PER_DAY);
    buf_printf(out, "%s, %02d %s %04lld %02d:%02d:%02d GMT",
               wd[floor_mod(day + 3, 7)], c.day, mon[c.month - 1],
               (long long)c.year, secs / 3600, secs / 60 % 60, secs % 60);
}

/* Append the iCalendar UTC date-time for t to out. */
void date_ical_stamp(buf *out, time_t t)
{
    int secs;
    civil c = split_time(t, &secs);
    buf_printf(out, "%04lld%02d%02dT%02d%02d%02dZ", (long long)c.year, c.month,
               c.day, secs / 3600, secs / 60 % 60, secs % 60);
}
