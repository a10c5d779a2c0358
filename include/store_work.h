/*
** store_work.h: SQL for activity submissions: the activities of an
** offering's course, each person's versions and their files, the blobs
** they point to, sharing, the cohort's comments and the notifications
** comments cause. Rows come back as structs with their strings in the
** caller's arena; the return conventions are db.h's.
*/
#ifndef JOURNEYS_STORE_WORK_H
#define JOURNEYS_STORE_WORK_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* An activity of the offering's course, with one person's state. */
typedef struct activity_row {
    int64_t id;
    const char *key, *title, *submit, *due, *body_html;
    int minutes;
    int versions;          /* the person's latest version (0: not started) */
    int shared;            /* how many of the person's versions are shared */
} activity_row;

/* One version of someone's submission. */
typedef struct submission_row {
    int64_t id, offering_id, item_id, user_id;
    int version;
    const char *body_md, *body_html, *links;  /* links: a JSON array of URLs */
    time_t created_at, shared_at;              /* shared_at 0: private */
    const char *author_name;
    const char *item_key;
} submission_row;

/* A file of a submission. */
typedef struct submission_file_row {
    int64_t id, submission_id;
    int position;
    const char *name, *type, *sha256;
    int64_t size;
} submission_file_row;

/* A comment on a shared submission (deleted ones keep their place, empty). */
typedef struct comment_row {
    int64_t id, submission_id, author_id;
    const char *author_name, *body_html;
    time_t created_at, deleted_at;
} comment_row;

/* The activities of offering_id's course (published, not archived), in
** course order, with user_id's state: *out (in a) and *n. 0 or -1. */
int store_activities(db *d, arena *a, int64_t offering_id, int64_t user_id, activity_row **out, int *n);

/* The activity key of offering_id's course, with user_id's state. 1, 0 or
** -1. */
int store_activity(db *d, arena *a, int64_t offering_id, const char *key, int64_t user_id, activity_row *out);

/* user_id's versions of item_id in offering_id, newest first. 0 or -1. */
int store_submissions_of(db *d, arena *a, int64_t offering_id, int64_t item_id, int64_t user_id,
                         submission_row **out, int *n);

/* The shared versions of item_id in offering_id, newest first, at most
** limit. 0 or -1. */
int store_gallery(db *d, arena *a, int64_t offering_id, int64_t item_id, int limit, submission_row **out, int *n);

/* ---- the gallery a page at a time, and its version ---- */

/* The shared versions of item_id in offering_id, newest first, at most
** limit after skipping offset; strings in a. 0 or -1. */
int store_gallery_page(db *d, arena *a, int64_t offering_id, int64_t item_id, int limit, int offset,
                       submission_row **out, int *n);

/* How many versions of item_id in offering_id are shared; -1 on error. */
int store_gallery_count(db *d, int64_t offering_id, int64_t item_id);

/* The gallery's version (migration 13: moves in the same transaction as
** anything its page shows), 0 when it never moved. 0, or -1 on error. */
int store_gallery_version(db *d, int64_t offering_id, int64_t item_id, int64_t *version);

/* One submission by id. 1, 0 or -1. */
int store_submission_get(db *d, arena *a, int64_t id, submission_row *out);

/* The files of the submissions whose ids are given (n_ids of them), by
** submission and position. 0 or -1. */
int store_submission_files(db *d, arena *a, const int64_t *ids, int n_ids, submission_file_row **out, int *n);

/* One file by id, with its submission. 1, 0 or -1. */
int store_file_get(db *d, arena *a, int64_t id, submission_file_row *f, submission_row *s);

/* The comments on the submissions given, oldest first per submission. 0 or
** -1. */
int store_comments_of(db *d, arena *a, const int64_t *ids, int n_ids, comment_row **out, int *n);

/* One comment by id, with the id of its submission's offering. 1, 0, -1. */
int store_comment_get(db *d, arena *a, int64_t id, comment_row *out, int64_t *offering_id);

/* The next version number of user_id's submission of item_id (1 for the
** first); in the write transaction. > 0, or -1. */
int store_submission_next_version(db *d, int64_t offering_id, int64_t item_id, int64_t user_id);

/* Insert a version: the new id, DB_DUPLICATE when that version exists
** (UNIQUE(offering, item, user, version)), or -1. */
int64_t store_submission_insert(db *d, int64_t offering_id, int64_t item_id, int64_t user_id, int version,
                                const char *body_md, const char *body_html, const char *links_json, time_t now);

/* Record a blob (once per hash; an existing one is left as it is). 0/-1. */
int store_blob_add(db *d, const char *sha256, int64_t size, const char *type, time_t now);

/* Whether a blob row exists for sha256: 1, 0 or -1. */
int store_blob_exists(db *d, const char *sha256);

/* Attach a file to a submission: the new id or -1. */
int64_t store_submission_file_add(db *d, int64_t submission_id, int position, const char *name, const char *type,
                                  int64_t size, const char *sha256);

/* Share (share = 1) or stop sharing user_id's submission id: a
** conditional change (it moves only from the other state). 1, 0 or -1. */
int store_submission_share(db *d, int64_t id, int64_t user_id, int share, time_t now);

/* Add a comment to submission id while it is shared: the new id, 0 when it
** is not shared (any more), or -1. */
int64_t store_comment_add(db *d, int64_t submission_id, int64_t author_id, const char *body_md, const char *body_html,
                          time_t now);

/* Delete author_id's comment id, leaving a tombstone (text cleared): 1, 0
** (not theirs, or deleted already) or -1. */
int store_comment_delete(db *d, int64_t id, int64_t author_id, time_t now);

/* Add a notification for user_id: the new id or -1. */
int64_t store_notification_add(db *d, int64_t user_id, int64_t offering_id, const char *kind, int64_t actor_id,
                               const char *title, const char *link, time_t now);

#endif
