/*
** store_discuss.h: the SQL of the discussion spaces: threads, posts, who
** has read how far, who follows or mutes a thread, and the notification
** rows a post causes.
**
** Every function follows the store's return convention (db.h): a read of
** one row 1/0/-1, a list 0 with the rows in the arena or -1, an insert the
** new id or -1, a conditional change 1 (changed), 0 (not in the state it
** requires: someone else acted first) or -1. Strings live in the arena
** given. A space is an offering's prompt (prompt_id > 0) or its general
** space (prompt_id 0, stored as NULL).
*/
#ifndef JOURNEYS_STORE_DISCUSS_H
#define JOURNEYS_STORE_DISCUSS_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* Unread posts are counted up to this many a thread: a count at the cap
** (or a sum of counts at or over it) means "this many or more". */
#define DISCUSS_UNREAD_CAP 1000

/* A discussion prompt of the offering's course (published, not archived). */
typedef struct prompt_row {
    int64_t id;
    const char *key, *title, *body_html;
} prompt_row;

/* The prompts of offering_id's course, in the course's order: 0 with *list
** and *n set (in a), or -1. */
int store_prompts(db *d, arena *a, int64_t offering_id, prompt_row **list, int *n);

/* The prompt keyed key in offering_id's course: 1 (*out filled), 0, -1. */
int store_prompt_by_key(db *d, arena *a, int64_t offering_id, const char *key, prompt_row *out);

/* Whether offering_id asks participants to post before they see others'
** posts (offerings.post_first): 1 with *on set, 0 no such offering, -1. */
int store_post_first(db *d, int64_t offering_id, int *on);

/* A space's counts for user_id: threads in it, posts by others the user
** has not read, and whether the user has posted in it (any post, even one
** deleted since). 0 or -1. */
int store_space_counts(db *d, int64_t offering_id, int64_t prompt_id, int64_t user_id, int *threads,
                       int *unread, int *posted);

/* Posts by others that user_id has not read in the whole of offering_id's
** discussions: the count, or -1. With post_first_applies (the person is a
** participant), prompt spaces the offering's post_first still hides from
** them (they have not posted there) are left out. */
int store_unread_total(db *d, int64_t offering_id, int64_t user_id, int post_first_applies);

typedef struct thread_row {
    int64_t id, offering_id, prompt_id, author_id, last_post_id, version;
    const char *title, *author_name;
    time_t created_at, last_post_at;
    int posts, pinned, locked;
    int unread;          /* posts by others after the user's read mark (store_threads; 0 from store_thread_get) */
    int64_t read_upto;   /* the user's read mark (0: never opened) */
    int wrapup;          /* a coach's daily wrap-up (threads.kind 'wrapup') */
} thread_row;

/* One page of a space's threads, pinned first then newest activity first,
** with unread counts for user_id; only_author > 0 keeps that person's
** threads only. 0 with *list, *n set, or -1. */
int store_threads(db *d, arena *a, int64_t offering_id, int64_t prompt_id, int64_t user_id, int64_t only_author,
                  int limit, int offset, thread_row **list, int *n);

/* Threads in a space (only_author > 0: that person's only): count or -1. */
int store_threads_count(db *d, int64_t offering_id, int64_t prompt_id, int64_t only_author);

/* One thread by id, with user_id's read mark; its unread count is left
** 0 (counting walks every post after the mark, which grows with the
** thread: the thread page keeps its own, pages/discuss.c). 1, 0, -1. */
int store_thread_get(db *d, arena *a, int64_t id, int64_t user_id, thread_row *out);

typedef struct post_row {
    int64_t id, thread_id, author_id, quote_id;
    const char *author_name, *body_md, *body_html;
    time_t created_at, edited_at, deleted_at, hidden_at;
    int revision;
    /* the quoted post, when quote_id is set */
    const char *quote_author, *quote_md;
    int quote_gone;      /* the quoted post was deleted or hidden since */
    int exemplary;       /* a coach marked it exemplary */
    const char *hidden_reason;   /* why a coach hid it (NULL when not hidden) */
} post_row;

/* Posts of thread_id in order, limit from offset: 0 with *list, *n, or -1. */
int store_posts(db *d, arena *a, int64_t thread_id, int limit, int offset, post_row **list, int *n);

/* One post by id, and the offering its thread belongs to: 1, 0, -1. */
int store_post_get(db *d, arena *a, int64_t id, post_row *out, int64_t *offering_id);

/* How many posts of thread_id come before post_id: count or -1. */
int store_posts_before(db *d, int64_t thread_id, int64_t post_id);

/* The id of thread_id's post at offset (0: its first) in order, deleted
** ones counted: 1 with *post_id set, 0 when there is none, -1. */
int store_post_at(db *d, int64_t thread_id, int offset, int64_t *post_id);

/* Posts by others than user_id after post id after in thread_id, not
** deleted, counted up to DISCUSS_UNREAD_CAP (THREAD_SQL's unread for one
** thread, on its own): count or -1. */
int store_thread_unread(db *d, int64_t thread_id, int64_t user_id, int64_t after);

/* The first post by someone other than user_id in thread_id after the
** read mark after: 1 with *post_id set, 0 when there is none, -1. */
int store_first_unread(db *d, int64_t thread_id, int64_t user_id, int64_t after, int64_t *post_id);

/* Move user_id's read mark on thread_id forward to upto (never back):
** 1 moved, 0 already there, -1. */
int store_mark_read(db *d, int64_t user_id, int64_t thread_id, int64_t upto);

/* user_id's choice for thread_id: 1 with *mode "follow" or "mute" (static),
** 0 none, -1. */
int store_follow_get(db *d, int64_t user_id, int64_t thread_id, const char **mode);

/* Set user_id's choice on thread_id to mode ("follow" or "mute"), or with
** mode NULL remove it. 1 when it changed, 0 when it was so already, -1. */
int store_follow_set(db *d, int64_t user_id, int64_t thread_id, const char *mode);

/* Follow thread_id unless user_id already chose (follow or mute): 0 or -1. */
int store_follow_default(db *d, int64_t user_id, int64_t thread_id);

/* A new thread (no posts yet): its id, or -1. */
int64_t store_thread_insert(db *d, int64_t offering_id, int64_t prompt_id, int64_t author_id, const char *title,
                            time_t now);

/* A new post: its id, or -1. quote_id 0 quotes nothing. */
int64_t store_post_insert(db *d, int64_t thread_id, int64_t author_id, int64_t quote_id, const char *md,
                          const char *html, time_t now);

/* Record post_id as thread_id's newest post and bump its version, only
** while the thread is not locked: 1, 0 (locked or gone), -1. */
int store_thread_posted(db *d, int64_t thread_id, int64_t post_id, time_t now);

/* Edit post id by author_id: only while it is not deleted or hidden, was
** written at or after since, and is still at revision: 1, 0, -1. */
int store_post_edit(db *d, int64_t id, int64_t author_id, const char *md, const char *html, time_t now, time_t since,
                    int revision);

/* Delete post id by author_id (a tombstone: the text is cleared), only
** while it is not deleted already: 1, 0, -1. */
int store_post_delete(db *d, int64_t id, int64_t author_id, time_t now);

/* The notification rows for a new post in thread_id by actor: kind 'reply'
** for the thread's author and for quoted_author (when > 0), kind 'follow'
** for everyone following the thread; one row per person, never the actor,
** never someone who muted the thread, never someone who no longer has a
** seat in the offering (a settled active registration, an offering_staff
** row or the staff role, as store_seat reads them). reply_title and
** follow_title are the two titles; link the post's address. Count of rows
** written, or -1. */
int store_notify_post(db *d, int64_t offering_id, int64_t thread_id, int64_t actor, int64_t thread_author,
                      int64_t quoted_author, const char *reply_title, const char *follow_title, const char *link,
                      time_t now);

/* ---- coaches hear of a participant's new thread ---- */

/* The code of offering_id and the name of user actor, for the words and
** link of a notification: 1 (*code, *name in a), 0 when either is
** missing, -1. */
int store_thread_notice_names(db *d, arena *a, int64_t offering_id, int64_t actor, const char **code,
                              const char **name);

/* The notification rows (kind 'thread', titled title, linking to link) for
** a thread actor started in offering_id: one for each coach of the
** offering (an offering_staff row and the role coach or staff), none when
** actor is one of them or has the staff role (coaches hear of
** participants' threads, not of each other's). Count of rows written, or
** -1. */
int store_notify_thread(db *d, int64_t offering_id, int64_t actor, const char *title, const char *link, time_t now);

#endif
