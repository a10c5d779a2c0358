/*
** ical.h: RFC 5545 iCalendar writer for published calendars of all-day,
** multi-day events (course offerings and the like).
**
** Output goes to a buf; every line ends in CRLF and is folded to at most 75
** octets without splitting a UTF-8 sequence.
*/
#ifndef JOURNEYS_ICAL_H
#define JOURNEYS_ICAL_H

#include <stdint.h>
#include <time.h>

#include "buf.h"

typedef struct ical_event {
    const char *uid;         /* stable, e.g. "offering-pv-2019-10@journeys" */
    const char *summary;     /* required */
    const char *description; /* may be NULL */
    const char *location;    /* may be NULL */
    const char *url;         /* may be NULL */
    int32_t first_day, last_day; /* inclusive, day numbers from date.h */
    time_t stamp;            /* DTSTAMP */
    const char *categories;  /* comma-separated list, may be NULL */
    int sequence;            /* SEQUENCE: the event's revision, 0 first */
    const char *status;      /* STATUS: "CONFIRMED", "CANCELLED"; NULL leaves it out */
} ical_event;

/* Append BEGIN:VCALENDAR, VERSION:2.0, PRODID, CALSCALE:GREGORIAN,
** METHOD:PUBLISH and X-WR-CALNAME; prodid and calname are TEXT-escaped.
** A NULL prodid gives "-//Journeys//Journeys//EN"; a NULL calname leaves
** its line out. */
void ical_begin(buf *out, const char *prodid, const char *calname);

/* Append one all-day VEVENT: UID, DTSTAMP, SEQUENCE, STATUS,
** DTSTART;VALUE=DATE:first, DTEND;VALUE=DATE:(last + 1, exclusive),
** SUMMARY, DESCRIPTION, LOCATION, URL, TRANSP:TRANSPARENT, CATEGORIES.
** SEQUENCE is always written (a negative one as 0). NULL optional fields are left out.
** Text values are escaped; the URL is a URI value, so it is not
** text-escaped, but control characters are dropped from it. Each category
** of the comma-separated list is escaped on its own, the commas between
** categories kept as separators (surrounding spaces trimmed, empty ones
** dropped). A last_day before first_day is treated as first_day. */
void ical_event_write(buf *out, const ical_event *ev);

/* One course offering as every calendar of the site shows it: the feeds
** and the invitation attached to a confirmation. */
typedef struct ical_offering {
    const char *code;          /* "pv-2019-10": names the UID and the URL */
    const char *course_title;  /* required */
    const char *series_title;  /* NULL: the summary is the course title alone */
    const char *coach;         /* NULL: nobody named */
    const char *starts, *ends; /* YYYY-MM-DD, inclusive */
    int demo;                  /* a demonstration offering says so */
    time_t stamp;              /* DTSTAMP: when the offering last changed */
    int sequence;              /* its revision: bumped by every change of dates or status */
    int cancelled;             /* cancelled: STATUS:CANCELLED, else CONFIRMED */
} ical_offering;

/* Append o as an all-day VEVENT: UID "offering-CODE@journeys" (the same
** whatever host name the site is reached by, so a subscribed calendar
** keeps one event through a move or an alias), SEQUENCE o->sequence,
** STATUS CANCELLED or CONFIRMED, SUMMARY "[Demo] Course (Series)" ("[Demo] " only for a
** demonstration, "Cancelled: " first when cancelled, the series only when
** named), URL base_url/offerings/CODE,
** a description of the week (and its coach) ending in the URL, LOCATION
** Online. Allocates only temporaries it frees; a date that does not parse
** is taken as day 0 (the store holds checked dates). */
void ical_offering_write(buf *out, const char *base_url, const ical_offering *o);

/* Append END:VCALENDAR. */
void ical_end(buf *out);

/* Low level, public for tests: append the TEXT escaping of s to out:
** backslash, semicolon and comma get a backslash before them; a newline (LF
** or CRLF) becomes \n; every other control character (including TAB, a lone
** CR and DEL) is dropped. NULL s appends nothing. */
void ical_escape_text(buf *out, const char *s);

/* Append the content line name ":" value (name includes any parameters;
** value is already escaped), folded so that no line exceeds 75 octets
** excluding CRLF: continuation lines start with one space and a UTF-8
** sequence is never split. Any CR or LF in name or value is dropped, so the
** output never holds a bare line break. Ends with CRLF. NULL is taken as "". */
void ical_fold_line(buf *out, const char *name, const char *value);

#endif
