/*
** store_roster.h: what a coach's roster of an offering reads (each
** participant's progress per part, last visit, posts, submissions,
** completion), one participant's activity, and the private messages
** between a participant and the offering's coaches. All SQL for these
** lives in store/roster.c; rows come back in the caller's arena and writes
** follow the store's convention (db.h).
**
** A participant here is what the workspace calls one: an active
** registration that is settled (paid, invoiced or waived).
*/
#ifndef JOURNEYS_STORE_ROSTER_H
#define JOURNEYS_STORE_ROSTER_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* An offering as the roster heads it, with how many published parts its
** course has of each kind. */
typedef struct roster_offering {
    int64_t id, course_id;
    const char *code, *course_title, *starts, *ends, *time_zone;
    int n_playlist, n_prompts, n_activities;
} roster_offering;

/* Read the offering by code. 1 found (out filled, strings in a), 0 none,
** -1 error. */
int store_roster_offering(db *d, arena *a, const char *code, roster_offering *out);

/* One participant's line on the roster. */
typedef struct roster_row {
    int64_t user_id;
    const char *name, *email, *time_zone;
    time_t last_seen;            /* their last noted workspace visit, 0 never */
    int panel;                   /* marked the panel watched */
    int playlist_done;           /* published playlist items checked off */
    int prompts_posted;          /* published prompts they posted in (deleted posts do not count) */
    int activities_submitted;    /* published activities they handed work in for */
    int posts;                   /* posts they wrote in the offering, not deleted */
    int submissions;             /* versions handed in */
    int waiting;                 /* of those, waiting for a coach's feedback */
    time_t completed_at;         /* signed off as complete, 0 not yet */
    int unread_messages;         /* messages they wrote that no coach has opened yet */
} roster_row;

/* How many participants offering o has: the count, or -1. */
int store_roster_count(db *d, const roster_offering *o);

/* One page of the roster, by name: at most limit rows from offset into
** *list (n of them, in a). 0 or -1. */
int store_roster_page(db *d, arena *a, const roster_offering *o, int limit, int offset, roster_row **list, int *n);

/* Every participant's row by name, one at a time: each is read into a
** scratch arena that is emptied before the next, and handed to fn (which
** must copy what it keeps). fn returns 0 to go on, non-zero to stop.
** 0 when all were read (or fn stopped), -1 on an error. */
int store_roster_each(db *d, const roster_offering *o, int (*fn)(void *ctx, const roster_row *r), void *ctx);

/* The row of participant user_id of offering o: 1 found, 0 they are not
** a participant of it, -1 error. */
int store_roster_person(db *d, arena *a, const roster_offering *o, int64_t user_id, roster_row *out);

/* A post of theirs, for the person page. */
typedef struct roster_post_row {
    int64_t id, thread_id;
    const char *thread_title;
    time_t created_at;
} roster_post_row;

/* Their newest posts in offering_id (not deleted), at most limit. 0 or -1. */
int store_roster_posts(db *d, arena *a, int64_t offering_id, int64_t user_id, int limit, roster_post_row **list,
                       int *n);

/* A version they handed in. */
typedef struct roster_sub_row {
    int64_t id;
    const char *item_title, *state;   /* state: waiting, complete, revise */
    int version;
    time_t created_at;
} roster_sub_row;

/* Their submissions in offering_id, newest first, at most limit. 0 or -1. */
int store_roster_submissions(db *d, arena *a, int64_t offering_id, int64_t user_id, int limit,
                             roster_sub_row **list, int *n);

/* One message of the private thread between a participant and the
** offering's coaches. */
typedef struct message_row {
    int64_t id, author_id;
    const char *author_name, *body_html;
    time_t created_at, read_at;   /* read_at: 0 until the other side opened it */
} message_row;

/* The thread of participant_id in offering_id, oldest first, all of it.
** 0 or -1. */
int store_messages(db *d, arena *a, int64_t offering_id, int64_t participant_id, message_row **list, int *n);

/* Add a message by author_id to participant_id's thread; body_html is
** body_md rendered (safe Markdown). The new id, or -1. */
int64_t store_message_add(db *d, int64_t offering_id, int64_t participant_id, int64_t author_id, const char *body_md,
                          const char *body_html, time_t now);

/* Mark read, at now, the messages of the thread the reader has not read
** yet: those written by the other side (by_participant: the reader is the
** participant, so the coaches' messages; else the participant's). One
** conditional write (only rows with no read_at change): the number of
** messages it marked (0 when someone else marked them first), or -1. */
int store_messages_read(db *d, int64_t offering_id, int64_t participant_id, int by_participant, time_t now);

/* Notify of message message_id: when the author is the participant, every
** coach of the offering (offering_staff); otherwise the participant. A
** row of kind 'message' each, with title and link. The rows added, or -1. */
int store_notify_message(db *d, int64_t offering_id, int64_t participant_id, int64_t author_id, const char *title,
                         const char *link, time_t now);

#endif
