/*
** notices.h: notifications and the workspace e-mails, as rules of the
** domain layer.
**
** Other parts insert notification rows when something happens (a reply, a
** comment on shared work, an announcement). Here a person reads them and
** marks them read, chooses how they arrive by e-mail (at once, a daily
** digest, or off: announcements then still come in the digest), and leaves
** a stream with a one-click unsubscribe link (unsub.h). The jobs pass turns
** pending notifications into e-mail, and sends the start-of-week e-mail on
** an offering's first day and the optional morning e-mail on each course
** day. Every e-mail is queued in the same write transaction as the
** conditional change that records it, so each goes out once however many
** passes run at the same time.
*/
#ifndef JOURNEYS_NOTICES_H
#define JOURNEYS_NOTICES_H

#include <stdint.h>

#include "domain.h"

/* The local hour from which the start-of-week and morning e-mails go out. */
#define NOTICES_MORNING_MINUTE (6 * 60)

/* Most people (and offerings) one pass looks at; the rest wait for the next. */
#define NOTICES_PASS_PEOPLE 200
#define NOTICES_PASS_OFFERINGS 200
/* Most e-mails one pass queues, so a busy first morning never holds the
** mailer's outbox run for long; the rest go in the next passes. */
#define NOTICES_PASS_MAILS 500

typedef struct notices_stats {
    int instant;     /* "at once" e-mails queued */
    int digests;     /* digests queued */
    int skipped;     /* notifications settled without e-mail */
    int week_start;  /* start-of-week e-mails queued */
    int morning;     /* morning e-mails queued */
    int lost;        /* changes another pass made first (nothing sent twice) */
    int announced;   /* scheduled announcements published (announce.h) */
} notices_stats;

/* Mark notification id read for user_id. Returns DOM_OK (*changed 1 if this
** call marked it, 0 if it was read already), DOM_NOT_FOUND when there is no
** such notification of theirs, or DOM_UNAVAILABLE. changed may be NULL. */
int notices_read(domain *d, int64_t user_id, int64_t id, int *changed);

/* Mark user_id's unread notifications up to upto_id read: DOM_OK with
** *count (how many changed; may be NULL), DOM_INVALID for upto_id < 1, or
** DOM_UNAVAILABLE. */
int notices_read_all(domain *d, int64_t user_id, int64_t upto_id, int *count);

/* Set user_id's e-mail choices: mode "instant", "digest" or "off", morning
** 0 or 1. DOM_OK, DOM_INVALID (d->field "notify_mail") for another mode,
** DOM_NOT_FOUND for no live account, DOM_UNAVAILABLE. */
int notices_set_prefs(domain *d, int64_t user_id, const char *mode, int morning);

/* One-click unsubscribe: check token (unsub.h) against the site's secret
** and turn its stream off. DOM_OK with *stream and *changed (0: it was off
** already), DOM_INVALID with a message for a token that is not one we
** signed (nothing changes), DOM_NOT_FOUND when the account is gone,
** DOM_UNAVAILABLE. */
int notices_unsubscribe(domain *d, const char *token, int *stream, int *changed);

/* Check a token without changing anything (the confirmation page): DOM_OK
** with *stream, or DOM_INVALID with a message. */
int notices_unsubscribe_check(domain *d, const char *token, int *stream);

/* One pass at d->now: (0) scheduled announcements whose time has come
** are published (announce_publish_due), writing their notifications;
** (1) notification e-mail: for each person with
** pending notifications, in one write transaction, "at once" gets one
** e-mail holding everything pending (rows marked sent); "digest" gets one
** digest grouped by offering when none went out in the last 24 hours
** (rows marked digested); "off" has its rows marked skipped, except
** announcements, which wait for the digest; deleted accounts are skipped.
** (2) the start-of-week e-mail to every participant with a seat whose
** notification e-mail is not off, from day 1 at 06:00 in the offering's
** zone until the offering ends, once (workspace_mail day 1). (3) the
** morning e-mail, for people who chose it, on each of their local days that
** overlaps the course, from 06:00 in their zone: what opens and what is
** due that day, with times in their zone, once per local day
** (workspace_mail day = their local date, days since 1970). A change that
** finds another pass was first is counted in st->lost and sends nothing.
** A pass stops queueing after NOTICES_PASS_MAILS e-mails; the next pass
** carries on. Counts go to *st (zeroed first; may be NULL). Returns DOM_OK, or
** DOM_UNAVAILABLE when the store could not be read (the pass stops; what
** it finished stays done). */
int notices_pass(domain *d, notices_stats *st);

#endif
