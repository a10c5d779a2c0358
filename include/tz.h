/*
** tz.h: wall-clock times in named time zones, from the system's zoneinfo
** (Debian's tzdata), and the relative times course files use.
**
** A course says when its parts open and fall due relative to an offering's
** first day ("day 1", "day 3 17:00"); the offering has an IANA time zone, and
** each person sees the instant in their own. No offsets are written by hand:
** the C library reads the zone's rules, daylight-saving changes included.
**
** The conversions switch the process's TZ for the length of a call and put
** it back; workers are single-threaded, so that is safe there. Do not call
** these from two threads at once. Each process remembers the answers it
** gave (4,096 of each kind, by zone and instant or local time), so a page
** that shows the same schedule on every request reads no zone file again.
*/
#ifndef JOURNEYS_TZ_H
#define JOURNEYS_TZ_H

#include <stdint.h>
#include <time.h>

/* Whether zone names a zone the system has rules for ("Europe/Berlin",
** "UTC"): a relative name of letters, digits, '_', '+', '-' and '/', no
** "..", at most 64 bytes, found under /usr/share/zoneinfo. 1 or 0. A name
** found is remembered by the process (the first 32), so a page of many
** conversions looks its zone up once. */
int tz_valid(const char *zone);

/* The instant at local date days (days since 1970-01-01) and minute of the
** day (0-1439) in zone. A local time skipped by a daylight-saving change
** (02:30 on the spring-forward night) is taken as the same length of time
** after the change (03:30); a time that happens twice (the autumn night) is
** the first. Returns 0 with *out, or -1 when the zone is not valid or the
** arguments are out of range. */
int tz_instant(const char *zone, int32_t days, int minute, time_t *out);

/* Break instant t down in zone: the local date (days since 1970-01-01),
** the minute of the day, and the zone's abbreviation for that instant
** ("CEST", "EST", "+13"; NUL-terminated, cut to fit abbr_size). Returns 0,
** or -1 when the zone is not valid. abbr may be NULL. */
int tz_local(const char *zone, time_t t, int32_t *days, int *minute, char *abbr, size_t abbr_size);

/* Parse a relative course time: "day N" or "day N HH:MM" (N from 1 to 14,
** 24-hour clock). Sets *day and *minute (-1 when no time is given).
** Returns 0, or -1 with *err saying what is wrong (a static string). */
int tz_relative_parse(const char *s, int *day, int *minute, const char **err);

/* The instant of a relative course time in an offering that starts on
** local date first_day in zone: day N at minute (or at default_minute when
** minute is -1). Returns 0 with *out, or -1 as tz_instant. */
int tz_relative_instant(const char *zone, int32_t first_day, int day, int minute, int default_minute, time_t *out);

/* Hold zone from tz_keep() to tz_release(), so that a run of conversions
** in that one zone (a page's dozens of labels) reads its rules once instead
** of switching to it and back on every call: the process switches to it at
** the first conversion it does not remember, and back at the release. The
** conversions give the same answers inside a hold as outside it, in any
** zone. Holds do not nest; release before keeping another zone. tz_keep
** returns 0, or -1 when the zone is not valid (then *h holds nothing and
** tz_release(h) does nothing). */
typedef struct tz_hold {
    char value[128];   /* the TZ value in force before */
    int had;           /* whether TZ was set at all */
    int held;          /* whether a zone is held */
    char zone[65];     /* the zone held */
    int entered;       /* whether the process switched to it */
} tz_hold;
int tz_keep(const char *zone, tz_hold *h);
void tz_release(tz_hold *h);

/* Settle on zone from now on (until the next tz_settle): the conversions
** in it that are not remembered switch the process to it and leave it
** there, so the many conversions of a page in its viewer's zone read the
** rules once. Returns 0, or -1 when the zone is not valid (nothing
** changes). */
int tz_settle(const char *zone);

#endif
