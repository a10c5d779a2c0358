/*
** store_moderate.h: the SQL of moderation in the discussion spaces: a
** thread pinned, locked or moved to another space, a post marked exemplary
** or hidden with a reason, the daily wrap-up thread, the notification that
** tells an author their post was hidden, and the moderation log (who did
** what, to which thread or post, why, when).
**
** Every function follows the store's return convention (db.h): a read of
** one row 1/0/-1, a list 0 with the rows in the arena or -1, an insert the
** new id or -1, a conditional change 1 (changed), 0 (not in the state it
** requires: someone else acted first) or -1. Strings live in the arena
** given. A space is a prompt (prompt_id > 0) or the general space (0,
** stored as NULL).
*/
#ifndef JOURNEYS_STORE_MODERATE_H
#define JOURNEYS_STORE_MODERATE_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* A thread's flag a coach can set or clear. */
enum mod_flag {
    MOD_PINNED,
    MOD_LOCKED,
};

/* Set (on) or clear thread_id's flag, only while it is the other way, and
** bump the thread's version: 1, 0 (already so, or no such thread), -1. */
int store_thread_flag(db *d, int64_t thread_id, enum mod_flag flag, int on);

/* Move thread_id from space from_prompt to space to_prompt (both of
** offering_id), only while it is still in from_prompt; bumps the version:
** 1, 0 (moved by someone else first), -1. */
int store_thread_move(db *d, int64_t thread_id, int64_t offering_id, int64_t from_prompt, int64_t to_prompt);

/* Mark (on) or unmark post_id as exemplary, only while it is the other way
** and (when marking) not deleted or hidden: 1, 0, -1. */
int store_post_exemplary(db *d, int64_t post_id, int on);

/* Hide post_id by coach by with reason, only while it is neither hidden nor
** deleted: 1, 0, -1. */
int store_post_hide(db *d, int64_t post_id, int64_t by, const char *reason, time_t now);

/* Show a hidden post_id again (its hider and reason cleared), only while
** it is hidden: 1, 0, -1. */
int store_post_unhide(db *d, int64_t post_id);

/* A new wrap-up thread (kind 'wrapup', pinned, no posts yet) in
** offering_id's general space: its id, or -1. */
int64_t store_wrapup_insert(db *d, int64_t offering_id, int64_t author_id, const char *title, time_t now);

/* Unpin offering_id's wrap-up threads other than keep_id (the newest one
** stays first): the count unpinned, or -1. */
int store_wrapups_unpin(db *d, int64_t offering_id, int64_t keep_id);

/* A notification of kind 'moderation' for user_id about offering_id, by
** actor, with title and link: its id, or -1. */
int64_t store_notify_moderation(db *d, int64_t user_id, int64_t offering_id, int64_t actor, const char *title,
                                const char *link, time_t now);

/* A line of the moderation log: action (a short word, see moderate.h) by
** actor in offering_id about thread_id and post_id (0: none) with reason
** (may be NULL): its id, or -1. */
int64_t store_modlog_insert(db *d, int64_t offering_id, int64_t actor, const char *action, int64_t thread_id,
                            int64_t post_id, const char *reason, time_t now);

typedef struct modlog_row {
    int64_t id, actor_id, thread_id, post_id;
    const char *actor_name, *action, *reason;   /* reason may be NULL */
    const char *thread_title;                   /* NULL when no thread */
    const char *space_key, *space_title;        /* the thread's space now: NULL for general */
    const char *post_author;                    /* NULL when no post */
    time_t created_at;
} modlog_row;

/* One page of offering_id's moderation log, newest first: 0 with *list
** and *n set (in a), or -1. */
int store_modlog(db *d, arena *a, int64_t offering_id, int limit, int offset, modlog_row **list, int *n);

/* The lines in offering_id's moderation log: count or -1. */
int store_modlog_count(db *d, int64_t offering_id);

/* The offering coded code: 1 with *id set, 0 none, -1. */
int store_modlog_offering(db *d, const char *code, int64_t *id);

#endif
