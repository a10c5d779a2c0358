/*
** store_ws.h: what the course workspace reads and writes about a week:
** the dates of a course's parts and its milestones, a person's progress
** (what they checked off, submitted and posted in), and their visits. All
** SQL for these lives in store/ws.c; reads return rows in the caller's
** arena, writes follow the store's convention (db.h).
*/
#ifndef JOURNEYS_STORE_WS_H
#define JOURNEYS_STORE_WS_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* When one published item opens and falls due, as the course file says
** ("day 3 17:00"); NULL when not given. */
typedef struct ws_item_dates {
    int64_t id;
    const char *opens, *due;
} ws_item_dates;

typedef struct ws_milestone_row {
    const char *key, *title, *at;   /* at: a relative time ("day 5 16:00") */
} ws_milestone_row;

/* The week's dates of a published course: its captions note, its items'
** opens and due, its milestones in order. */
typedef struct ws_dates_row {
    const char *captions;           /* NULL when the course gives none */
    ws_item_dates *items; int n_items;
    ws_milestone_row *milestones; int n_milestones;
} ws_dates_row;

/* Read the dates of course course_id into *out (strings in a). 0 or -1. */
int store_ws_dates(db *d, arena *a, int64_t course_id, ws_dates_row *out);

/* What user_id has done in offering_id: the progress parts they marked
** ("panel", "item:ID"), the items they submitted work for (ids), and the
** discussion prompts they posted in (ids; deleted posts do not count).
** All in a. 0 or -1. */
typedef struct ws_done_row {
    const char **parts; int n_parts;
    int64_t *submitted; int n_submitted;
    int64_t *posted; int n_posted;
} ws_done_row;
int store_ws_done(db *d, arena *a, int64_t offering_id, int64_t user_id, ws_done_row *out);

/* Whether item_id is a published, unarchived item of section ("playlist")
** of the course offering_id runs. 1, 0, -1 error. */
int store_ws_item_of(db *d, int64_t offering_id, int64_t item_id, const char *section);

/* Mark part done for user_id in offering_id at now: one insert that adds
** nothing when the part is already marked. 1 added, 0 it was already
** there (someone, or another tab, was first), -1 error. */
int store_progress_add(db *d, int64_t offering_id, int64_t user_id, const char *part, time_t now);

/* Take part back: 1 removed, 0 it was not marked, -1 error. */
int store_progress_remove(db *d, int64_t offering_id, int64_t user_id, const char *part);

/* Note that user_id looked at offering_id's workspace at now: one upsert
** that sets first_at on the first visit and moves last_at on later ones
** (only when it is at least a minute old, so a busy reader does not write
** on every page). 0 or -1. */
int store_ws_visit(db *d, int64_t offering_id, int64_t user_id, time_t now);

/* The first and last visit of user_id to offering_id: 1 with both, 0 never
** visited, -1 error. */
int store_ws_visits(db *d, int64_t offering_id, int64_t user_id, time_t *first, time_t *last);

/* The offerings user_id is linked to as staff of (offering_staff: a
** coach), latest first, at most 100: code, course title, first and last
** day. 0 or -1. */
typedef struct ws_coached_row {
    const char *code, *course_title, *starts, *ends;
} ws_coached_row;
int store_ws_coached(db *d, arena *a, int64_t user_id, ws_coached_row **list, int *n);

#endif
