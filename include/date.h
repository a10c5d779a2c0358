/*
** date.h: calendar dates as day numbers (days since 1970-01-01, UTC,
** proleptic Gregorian calendar; no time zones here), their parsing and their
** English, ISO, iCalendar and HTTP renderings.
**
** Nothing here depends on the C library's locale or time zone.
*/
#ifndef JOURNEYS_DATE_H
#define JOURNEYS_DATE_H

#include <stdint.h>
#include <time.h>

#include "buf.h"

/* Parse exactly "YYYY-MM-DD" (years 1900..9999, real month lengths, leap
** years) into days since 1970-01-01. Returns 0, or -1 if s is NULL or
** malformed (trailing characters, wrong length, signs, Feb 30...), leaving
** *days untouched. */
int date_parse(const char *s, int32_t *days);

/* Append "YYYY-MM-DD" / "YYYYMMDD" (iCalendar DATE) for days. */
void date_iso(buf *out, int32_t days);
void date_compact(buf *out, int32_t days);

/* Day of week, 0 = Monday .. 6 = Sunday. */
int date_weekday(int32_t days);

/* Today in UTC, from time(). */
int32_t date_today(void);

/* The day (UTC) containing the instant t. */
int32_t date_from_time(time_t t);

/* Append an English label for the inclusive span first..last, using an en
** dash (U+2013): "21–25 October 2019" (same month), "30 March – 3 April 2020"
** (different months), "30 December 2019 – 3 January 2020" (different
** years), "21 October 2019" (a single day). A reversed span is swapped. */
void date_range_label(buf *out, int32_t first, int32_t last);

/* Append "21 October 2019". */
void date_label(buf *out, int32_t days);

/* Append "Monday, 21 October 2019". */
void date_long_label(buf *out, int32_t days);

/* The Monday of the week that is `weeks` weeks after the week containing
** day `from` (weeks = 0: the Monday on or before `from`; may be negative). */
int32_t date_monday_after(int32_t from, int weeks);

/* Append the RFC 7231 IMF-fixdate for t ("Sun, 06 Nov 1994 08:49:37 GMT"),
** and the iCalendar UTC stamp for t ("19941106T084937Z"). */
void date_http(buf *out, time_t t);
void date_ical_stamp(buf *out, time_t t);

#endif
