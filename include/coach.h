/*
** coach.h: the rules of a coach's "needs me" queue: which offerings are
** live, which rows of each kind an offering has for the acting coach (the
** parts of the course that are past due come from its relative dates in
** the offering's own time zone), their order (oldest first), how long each
** has waited, and marking a row snoozed or "no reply needed" as one
** conditional write. Pages decide who may act (access_allows); these take
** the database, the acting person and the request's clock.
*/
#ifndef JOURNEYS_COACH_H
#define JOURNEYS_COACH_H

#include <stdint.h>
#include <time.h>

#include "domain.h"
#include "store_coach.h"

/* Where an offering is in time at now: its week has not begun, is running,
** or is over. */
enum coach_phase { COACH_UPCOMING, COACH_CURRENT, COACH_PAST };

/* The week of offering o in its own time zone (UTC when the zone is not
** known): start of day 1 and end of the last day. 0, or -1 when its dates
** cannot be read. */
int coach_week(const coach_offering_row *o, time_t *start, time_t *end);

/* o's phase at now (COACH_PAST too when its dates cannot be read). */
enum coach_phase coach_phase_of(const coach_offering_row *o, time_t now);

/* Whether o's queue is computed at now: posting has not closed (a
** workspace is open before its week begins, and what participants write
** then waits for the coach too). */
int coach_offering_live(const coach_offering_row *o, time_t now);

/* Append to *list (n rows, cap its room, in d->a) the queue rows of
** offering o for d->actor at d->now: every kind, or only kind when it is
** not NULL. Participants are quiet or behind only while the week runs or
** posting is open respectively. DOM_OK, or DOM_UNAVAILABLE with a message
** when the store failed (the list may hold some rows; show none). */
int coach_queue_offering(domain *d, const coach_offering_row *o, const char *kind, queue_row **list, int *n,
                         int *cap);

/* Sort rows oldest first (by since, then kind and object, so the order is
** the same on every load). */
void coach_queue_sort(queue_row *rows, int n);

/* How long something has waited, for people: "just now", "12 min",
** "5 h", "1 day", "3 days" (whole units, rounded down), in a. A negative
** wait is "just now". */
const char *coach_waited_label(arena *a, int64_t seconds);

/* kind as one of the queue kinds' static strings, or NULL when it is not
** one ("thread", "post", "submission", "quiet", "behind"). */
const char *coach_queue_kind(const char *kind);

/* Mark the row of kind about object_id in offering o: mode "snooze"
** (hidden for d->actor until until, which must be after d->now) or
** "no_reply" (handled for every coach of o). In one transaction: the row
** must still be waiting for d->actor (else DOM_CONFLICT: someone handled
** it, or marked it first), then one conditional write. DOM_OK, DOM_INVALID
** (a bad mode or time), DOM_CONFLICT, DOM_UNAVAILABLE. */
int coach_queue_mark(domain *d, const coach_offering_row *o, const char *kind, int64_t object_id, const char *mode,
                     time_t until);

#endif
