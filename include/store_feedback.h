/*
** store_feedback.h: SQL for coaches' feedback on activity submissions: the
** feedback kept with each version, the state of a version (waiting,
** complete, revise) that its latest decision sets, and the rubric of the
** activity a version answers. Rows come back as structs with their
** strings in the caller's arena; the return conventions are db.h's.
*/
#ifndef JOURNEYS_STORE_FEEDBACK_H
#define JOURNEYS_STORE_FEEDBACK_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* One piece of feedback on one version. */
typedef struct feedback_row {
    int64_t id, submission_id, coach_id;
    const char *coach_name;
    const char *body_html;
    const char *level;        /* NULL when the activity has no rubric */
    const char *decision;     /* "complete" or "revise" */
    time_t created_at;
} feedback_row;

/* Where a version stands: its state, when it was decided (0: never), and
** how many pieces of feedback it holds (the number a coach saw, which a
** decision must still find: see store_feedback_decide). */
typedef struct submission_state_row {
    int64_t submission_id;
    const char *state;        /* "waiting", "complete" or "revise" */
    time_t decided_at;
    int feedback_count;
} submission_state_row;

/* The feedback on the submissions whose ids are given (n_ids of them),
** oldest first per submission, with each coach's name: *out (in a) and
** *n. 0 or -1. */
int store_feedback_of(db *d, arena *a, const int64_t *ids, int n_ids, feedback_row **out, int *n);

/* The states of the submissions whose ids are given, in no set order:
** *out (in a) and *n. 0 or -1. */
int store_submission_states(db *d, arena *a, const int64_t *ids, int n_ids, submission_state_row **out, int *n);

/* Where someone's latest version of one activity stands. */
typedef struct latest_state_row {
    int64_t item_id;
    const char *state;        /* "waiting", "complete" or "revise" */
} latest_state_row;

/* The state of user_id's latest version of each activity of offering_id
** they handed in: *out (in a) and *n. 0 or -1. */
int store_latest_states(db *d, arena *a, int64_t offering_id, int64_t user_id, latest_state_row **out, int *n);

/* The rubric of course item item_id as its stored JSON array text (in a),
** *rubric NULL when it has none. 1 (the item exists), 0 or -1. */
int store_item_rubric(db *d, arena *a, int64_t item_id, const char **rubric);

/* The decision on submission id: set its state to decision ("complete" or
** "revise") and decided_at to now, only while it still holds exactly seen
** pieces of feedback (so of two coaches answering the same version at
** once, one wins). In the caller's write transaction. 1 changed, 0 when
** someone else's feedback came first (or there is no such submission),
** -1. */
int store_feedback_decide(db *d, int64_t id, const char *decision, int seen, time_t now);

/* Keep a piece of feedback with submission_id: the new id or -1. level may
** be NULL. In the caller's write transaction. */
int64_t store_feedback_insert(db *d, int64_t submission_id, int64_t coach_id, const char *body_md,
                              const char *body_html, const char *level, const char *decision, time_t now);

#endif
