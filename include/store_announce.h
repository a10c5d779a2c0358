/*
** store_announce.h: the SQL of announcements: a coach's message to an
** offering's cohort, posted now or scheduled, and the notification rows
** (kind 'announcement') its publication writes for each participant.
**
** Every function follows the store's return convention (db.h): a read of
** one row 1/0/-1, a list 0 with the rows in the arena or -1, an insert the
** new id or -1, a conditional change 1 (changed), 0 (not in the state it
** requires: someone else acted first) or -1. Strings live in the arena
** given. An announcement is published once its sent_at is set; until then
** it is scheduled for publish_at.
*/
#ifndef JOURNEYS_STORE_ANNOUNCE_H
#define JOURNEYS_STORE_ANNOUNCE_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

typedef struct announce_row {
    int64_t id, offering_id, author_id;
    const char *code;                 /* the offering's code */
    const char *title, *author_name, *body_md, *body_html;
    time_t created_at, publish_at;
    time_t sent_at;                   /* 0 while scheduled */
} announce_row;

/* A new announcement of offering_id by author_id, to be published at
** publish_at (not yet published): its id, or -1. */
int64_t store_announce_insert(db *d, int64_t offering_id, int64_t author_id, const char *title, const char *md,
                              const char *html, time_t now, time_t publish_at);

/* Publish announcement id at now: only while it is not published yet and
** its time has come (publish_at <= now). 1, 0, -1. */
int store_announce_publish(db *d, int64_t id, time_t now);

/* The notification rows for announcement id of offering_id, by actor:
** kind 'announcement', one for each participant with a seat in the
** offering (an active registration that is paid, invoiced or waived) whose
** account is not deleted, never the actor; title as given, link the
** announcement's address. Count of rows written, or -1. */
int store_announce_notify(db *d, int64_t offering_id, int64_t actor, const char *title, const char *link,
                          time_t now);

/* Withdraw scheduled announcement id: only while it is not published. 1, 0, -1. */
int store_announce_cancel(db *d, int64_t id);

/* One announcement by id, with its offering's code: 1, 0, -1. */
int store_announce_get(db *d, arena *a, int64_t id, announce_row *out);

/* offering_id's announcements, newest publication first: the published
** ones, and with scheduled set the scheduled ones too (soonest first,
** before the rest); limit from offset. 0 with *list, *n, or -1. */
int store_announce_list(db *d, arena *a, int64_t offering_id, int scheduled, int limit, int offset,
                        announce_row **list, int *n);

/* Published announcements of offering_id: count or -1. */
int store_announce_count(db *d, int64_t offering_id);

/* Scheduled announcements due at now (publish_at <= now, not published),
** oldest first, at most limit, across every offering (with their codes):
** 0 with *list, *n, or -1. */
int store_announce_due(db *d, arena *a, time_t now, int limit, announce_row **list, int *n);

#endif
