/*
** announce.h: the rules of announcements: a coach (or staff) writes to an
** offering's whole cohort, now or at a time they choose; on publication
** each participant with a seat gets a notification (kind 'announcement'),
** which the notification pass mails under their own choice (at once, in
** the digest; "off" still gets announcements in the digest).
**
** Publication is one conditional write (sent_at set only while it is
** unset and the time has come) in the same transaction as the notification
** rows, so an announcement is published, and its notifications written,
** exactly once however many passes race. The caller has checked that the
** person may facilitate the offering (access_allows): these functions
** check only the announcement itself.
*/
#ifndef JOURNEYS_ANNOUNCE_H
#define JOURNEYS_ANNOUNCE_H

#include <stdint.h>
#include <time.h>

#include "domain.h"

enum {
    ANNOUNCE_TITLE_MAX = 200,          /* characters (code points) of a title */
    ANNOUNCE_BODY_MAX = 20000,         /* characters of the Markdown body */
    ANNOUNCE_AHEAD_DAYS = 366,         /* furthest ahead one may be scheduled */
    ANNOUNCE_PAGE = 20,                /* announcements per page */
    ANNOUNCE_PASS_MAX = 100,           /* most a pass publishes; the rest wait */
};

/* Read a local time as a datetime-local field sends it, "YYYY-MM-DDTHH:MM"
** (a space may stand for the T, as someone types it where the browser
** offers a plain text box; seconds ":SS" allowed and dropped), in zone: 0 with *out, or -1 for
** anything else (a malformed value, a date or time out of range, a zone
** the system does not know). */
int announce_when(const char *local, const char *zone, time_t *out);

/* Write an announcement to offering_id (code: its code, for the link)
** titled title with Markdown body (rendered once, safely), by d->actor,
** published at publish_at: 0 or any time up to d->now publishes it now, in
** the same transaction (notifications written); a later time schedules it,
** up to ANNOUNCE_AHEAD_DAYS ahead. DOM_OK with *id (may be NULL);
** DOM_INVALID (d->field "title", "body" or "publish_at") with nothing
** written; DOM_UNAVAILABLE; DOM_ERROR when the body could not be rendered. */
int announce_post(domain *d, int64_t offering_id, const char *code, const char *title, const char *body,
                  time_t publish_at, int64_t *id);

/* Withdraw scheduled announcement id (loaded and checked against
** its offering): DOM_OK; DOM_CONFLICT when it has been published (or
** withdrawn) meanwhile; DOM_UNAVAILABLE. */
int announce_cancel(domain *d, int64_t id);

/* One pass at d->now: publish every scheduled announcement whose time has
** come (at most ANNOUNCE_PASS_MAX), each in its own write transaction with
** its notification rows. *published counts those this pass published,
** *lost those another pass published first (both may be NULL). DOM_OK, or
** DOM_UNAVAILABLE when the store failed (what was published stays so). */
int announce_publish_due(domain *d, int *published, int *lost);

/* The address of announcement id of offering code (in a). */
const char *announce_link(arena *a, const char *code, int64_t id);

#endif
