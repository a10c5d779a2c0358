/*
** store_coach.h: what the coach's landing page and "needs me" queue read
** and write: the offerings a person facilitates (or all, for staff) with
** their cohort sizes, the rows of each kind the queue computes from the
** workspace's own tables (threads with no coach reply, posts nobody
** answered, submissions waiting for feedback, participants quiet or behind
** the pacing), and the queue marks (snooze, no reply needed). All SQL for
** these lives in store/coach.c; reads return rows in the caller's arena,
** writes follow the store's convention (db.h).
*/
#ifndef JOURNEYS_STORE_COACH_H
#define JOURNEYS_STORE_COACH_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* One offering as the coach pages see it. */
typedef struct coach_offering_row {
    int64_t id, course_id;
    const char *code, *course_title, *starts, *ends, *time_zone;
    int64_t posting_closes_at;   /* 0 when posting never closes */
    int cohort;                  /* active, settled registrations (paid, invoiced, waived) */
} coach_offering_row;

/* The offerings user_id coaches (an offering_staff row with role 'coach'),
** or every offering when all is set (staff), latest start first, in a;
** their cohorts are counted when cohort is set (else 0). 0 or -1. */
int store_coach_offerings(db *d, arena *a, int64_t user_id, int all, int cohort, coach_offering_row **list, int *n);

/* One offering by id: 1 found (*out filled, strings in a), 0 none, -1 error. */
int store_coach_offering(db *d, arena *a, int64_t offering_id, coach_offering_row *out);

/* The kinds of queue row, as queue_marks.kind spells them. */
#define QUEUE_KINDS "thread", "post", "submission", "quiet", "behind"

/* One row of the queue. object_id is the thread, post or submission, or
** for "quiet" and "behind" the participant's registration (enrolments.id),
** so a mark on a participant is about one offering. */
typedef struct queue_row {
    const char *kind;        /* static: one of QUEUE_KINDS */
    int64_t object_id, offering_id;
    int64_t thread_id;       /* "post": its thread; "thread": itself; else 0 */
    int64_t user_id;         /* the participant it is about (the author) */
    const char *who;         /* their name */
    const char *title;       /* the thread's or activity's title; NULL for people */
    int64_t since;           /* waiting since (Unix seconds) */
    int count;               /* "behind": how many due parts are not done */
} queue_row;

/* The rows of one kind in offering_id that user_id (a coach or staff) has
** not hidden: a "no reply needed" mark made at or after the row's since
** hides it for everyone; the person's own snooze hides it until its time.
** Rows are appended to *list (n rows, cap its room; arena-grown in a).
** Each returns 0 or -1.
**
** threads: discussion threads started by a participant with no post (not
**   deleted or hidden) from the offering's coaches or staff; since its
**   start.
** posts: a participant's reply that is the last post of a thread a coach
**   or staff member has posted in; since it was written.
** submissions: the latest version of a participant's work on an activity
**   while it is 'waiting'; since it was handed in.
** quiet: participants with a settled seat whose last visit (or, never
**   visiting, start, the start of day 1) is 48 hours before now or older
**   and who have had no message from a coach since; since that visit.
** behind: participants with a settled seat who have not done every part
**   in due (a JSON array of [item_id, due_at] pairs for the parts whose
**   due time has passed); since the earliest due time they missed. */
int store_queue_threads(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, queue_row **list,
                        int *n, int *cap);
int store_queue_posts(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, queue_row **list, int *n,
                      int *cap);
int store_queue_submissions(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, queue_row **list,
                            int *n, int *cap);
int store_queue_quiet(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, time_t start,
                      queue_row **list, int *n, int *cap);
int store_queue_behind(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, const char *due,
                       queue_row **list, int *n, int *cap);

/* A published, unarchived item of course course_id that names a due time:
** its id and relative due ("day 3 17:00"), in a. */
typedef struct queue_due_row {
    int64_t id;
    const char *due;
} queue_due_row;
int store_queue_due_items(db *d, arena *a, int64_t course_id, queue_due_row **list, int *n);

/* The offering an object of a queue kind belongs to: 1 with *offering_id,
** 0 when there is no such object, -1 error. kind must be one of
** QUEUE_KINDS. */
int store_queue_owner(db *d, const char *kind, int64_t object_id, int64_t *offering_id);

/* Mark a row: mode "no_reply" hides it for every coach of the offering,
** and is written only when no "no reply needed" mark made at or after
** since is there already (so two coaches racing: one wins); mode
** "snooze" hides it for user_id until until, written only when the row
** is not already handled by a current "no reply needed" mark. One
** conditional upsert: 1 written, 0 refused (someone else was first), -1
** error. */
int store_queue_mark(db *d, const char *kind, int64_t object_id, int64_t user_id, int64_t offering_id,
                     const char *mode, time_t until, time_t since, time_t now);

#endif
