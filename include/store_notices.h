/*
** store_notices.h: notifications, each person's choice of e-mail, and the
** workspace e-mails (start of week, morning) already sent. All SQL for
** these lives in store/notices.c.
**
** Other parts insert notification rows (a reply, a comment, an
** announcement); this family reads them for the person's list, marks them
** read, and settles their e-mail (mail_state pending -> sent, digested or
** skipped) for the jobs pass. None of these functions opens a transaction;
** the conditional changes (store_notice_read, store_notice_settle,
** store_digest_claim, store_ws_mail_mark...) say by their result whether
** the row was still in the state they require. Return conventions are
** db.h's.
*/
#ifndef JOURNEYS_STORE_NOTICES_H
#define JOURNEYS_STORE_NOTICES_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* One notification, with the offering it belongs to (code and course
** title NULL when it has none) and who caused it (NULL: nobody named). */
typedef struct notice_row {
    int64_t id, user_id, offering_id;
    const char *kind;            /* reply, follow, comment, announcement, feedback, moderation */
    const char *title, *link;    /* link: a local path */
    const char *offering_code, *course_title, *actor_name;
    const char *mail_state;      /* pending, sent, digested, skipped */
    time_t created_at;
    time_t read_at;              /* 0: unread */
} notice_row;

/* A person with notification e-mail waiting, as the jobs pass needs them. */
typedef struct notice_person {
    int64_t id;
    const char *email, *name, *time_zone;
    const char *notify_mail;     /* instant, digest, off */
    time_t digest_sent_at;       /* 0: never */
    int deleted;                 /* the account was deleted: nothing is mailed */
} notice_person;

/* The person's e-mail choices. */
typedef struct notice_prefs {
    const char *notify_mail;     /* instant, digest, off (static strings) */
    int morning_mail;            /* 1: the morning e-mail on course days */
} notice_prefs;

/* How many of user_id's notifications are unread, or -1. */
int64_t store_notice_unread(db *d, int64_t user_id);

/* user_id's notifications, newest first: those with id < before_id (0: from
** the newest), at most limit (1..200), into *rows (in a) with *n. Returns
** 0, or -1. */
int store_notice_list(db *d, arena *a, int64_t user_id, int64_t before_id, int limit, notice_row **rows, int *n);

/* Notification id into *out (strings in a): 1, 0 none, -1 error. */
int store_notice_get(db *d, arena *a, int64_t id, notice_row *out);

/* Mark notification id of user_id read at now, only if it is unread and
** theirs: 1 marked, 0 not (read already, or not theirs), -1. */
int store_notice_read(db *d, int64_t user_id, int64_t id, time_t now);

/* Mark every unread notification of user_id with id <= upto_id read at
** now (the ones the person saw; newer ones stay unread). Returns how many
** changed, or -1. */
int store_notice_read_all(db *d, int64_t user_id, int64_t upto_id, time_t now);

/* People with pending notification e-mail for whom the pass can act at
** now (instant; off with a non-announcement pending; deleted; or a digest
** due: none sent since now - 24 h), at most limit, lowest id first, into
** *out (in a) with *n. 0 or -1. */
int store_notice_people(db *d, arena *a, time_t now, int limit, notice_person **out, int *n);

/* user_id's pending notifications, oldest first, at most limit, into
** *rows (in a) with *n. 0 or -1. */
int store_notice_pending(db *d, arena *a, int64_t user_id, int limit, notice_row **rows, int *n);

/* Settle notification id's e-mail as state (sent, digested, skipped), only
** if it is still pending: 1, 0 (someone else settled it), -1. */
int store_notice_settle(db *d, int64_t id, const char *state);

/* Claim user_id's daily digest at now: digest_sent_at = now, only if no
** digest went out in the 24 h before now. 1 claimed, 0 not due, -1. */
int store_digest_claim(db *d, int64_t user_id, time_t now);

/* The e-mail choices of user_id into *out: 1, 0 no such live account, -1. */
int store_notice_prefs(db *d, int64_t user_id, notice_prefs *out);

/* Set user_id's choices (notify_mail one of instant, digest, off; morning 0
** or 1), only where they differ: 1 changed, 0 already so (or no such live
** account), -1. */
int store_notice_set_prefs(db *d, int64_t user_id, const char *notify_mail, int morning);

/* Turn one stream off for user_id: "notifications" sets notify_mail to off,
** "morning" clears morning_mail, each only when it is on: 1 changed, 0
** already off (or no such live account), -1. */
int store_notice_stream_off(db *d, int64_t user_id, const char *stream);

/* An offering running around a date, for the workspace e-mails. */
typedef struct ws_offering {
    int64_t id, course_id;
    const char *code, *course_title, *starts, *ends, *time_zone;
} ws_offering;

/* A participant with a seat (an active registration, paid, invoiced or
** waived) in an offering. */
typedef struct ws_person {
    int64_t id;
    const char *email, *name, *time_zone;
    const char *notify_mail;
    int morning_mail;
} ws_person;

/* A published course item with its relative times (opens, due: "day 3
** 17:00" or NULL), or a milestone (section "milestone", due = its time). */
typedef struct ws_item {
    const char *section, *key, *title, *opens, *due;
    int minutes;
} ws_item;

/* Offerings with starts <= last and ends >= first (ISO dates), at most
** limit, into *out (in a) with *n. 0 or -1. */
int store_ws_offerings(db *d, arena *a, const char *first, const char *last, int limit, ws_offering **out, int *n);

/* The participants with a seat in offering_id, live accounts only, into
** *out (in a) with *n. 0 or -1. */
int store_ws_people(db *d, arena *a, int64_t offering_id, ws_person **out, int *n);

/* course_id's published items (in section and position order) and then its
** milestones, into *out (in a) with *n. 0 or -1. */
int store_ws_items(db *d, arena *a, int64_t course_id, ws_item **out, int *n);

/* Whether the workspace e-mail (offering_id, user_id, kind, day) went out:
** 1 yes, 0 no, -1. */
int store_ws_mail_sent(db *d, int64_t offering_id, int64_t user_id, const char *kind, int64_t day);

/* Record it as sent at now, only if it was not: 1 recorded, 0 it was
** already (someone else sent it), -1. */
int store_ws_mail_mark(db *d, int64_t offering_id, int64_t user_id, const char *kind, int64_t day, time_t now);

#endif
