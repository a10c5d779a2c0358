/*
** store_plan.h: SQL for planning the calendar in the staff console:
** offerings as staff edit them (drafts included), their coaches, seasons,
** and what `journeys publish` needs to apply or withdraw file offerings.
**
** Every function follows the store's return convention (db.h). Strings
** are copied into the caller's arena. Writes run inside the caller's
** transaction.
*/
#ifndef JOURNEYS_STORE_PLAN_H
#define JOURNEYS_STORE_PLAN_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* An offering as the console reads it, published or not. */
typedef struct plan_offering {
    int64_t id, price_cents, revision, posting_closes_at;
    const char *code, *course_slug, *course_title, *starts, *ends, *opens, *closes;
    const char *currency, *season, *time_zone, *managed_by;
    int capacity, demo, published;
    int taken;         /* seats held: active, live holds and live offers */
    int live;          /* registrations pending, active, waitlisted or offered */
    int waitlisted;
    const char *coach_ids;     /* "3,7": the offering's coaches, or NULL */
    const char *coach_names;   /* "Maya Okafor, Ravi Shah", or NULL */
} plan_offering;

/* The fields staff set on an offering (strings are ISO dates, codes). */
typedef struct plan_fields {
    const char *code, *course_slug, *starts, *ends, *opens, *closes;
    const char *currency, *season, *time_zone;
    int64_t price_cents;
    int capacity;
    time_t posting_closes_at;
} plan_fields;

/* A person in a list (a coach to choose, a registration affected). */
typedef struct plan_person {
    int64_t id;                /* the account's id (the registration's for registrants) */
    const char *name, *email, *status;
} plan_person;

/* A published course, to choose from. */
typedef struct plan_course {
    const char *slug, *title;
} plan_course;

/* A season as the console lists it. */
typedef struct plan_season {
    const char *name, *first, *last;
    int offerings, drafts;
} plan_season;

/* Offerings of season (NULL: all), earliest first, at most 1000. In a:
** *list, *n. 0 or -1. */
int store_plan_offerings(db *d, arena *a, const char *season, plan_offering **list, int *n);

/* One offering by code, drafts included. 1, 0 none, -1. */
int store_plan_offering(db *d, arena *a, const char *code, plan_offering *o);

/* The accounts with role coach (not deleted), by name. 0 or -1. */
int store_plan_coaches(db *d, arena *a, plan_person **list, int *n);

/* The published courses in series order. 0 or -1. */
int store_plan_courses(db *d, arena *a, plan_course **list, int *n);

/* The live registrations of an offering (pending, active, waitlisted,
** offered), oldest first; id is the registration's. 0 or -1. */
int store_plan_registrants(db *d, arena *a, int64_t offering_id, plan_person **list, int *n);

/* The first limit people waiting, in the order the waitlist offers seats
** (oldest first). 0 or -1. */
int store_plan_waitlist(db *d, arena *a, int64_t offering_id, int limit, plan_person **list, int *n);

/* Insert a draft (unpublished) offering owned by the console; *id set.
** 1 added, 0 when the code exists, -1. */
int store_plan_insert(db *d, const plan_fields *f, int demo, time_t now, int64_t *id);

/* Replace offering id's fields when its revision is still revision,
** bumping it; the console owns it from then on. 1, 0 lost, -1. */
int store_plan_update(db *d, int64_t id, int64_t revision, const plan_fields *f, time_t now);

/* Make the coaches of offering id exactly these n accounts (each must
** have role coach). 0 or -1. */
int store_plan_set_coaches(db *d, int64_t id, const int64_t *user_ids, int n, time_t now);

/* Whether user_id is an account with role coach: 1, 0, -1. */
int store_plan_is_coach(db *d, int64_t user_id);

/* Publish (on 1) or withdraw (on 0) offering id when it is in the other
** state: 1 changed, 0 it already was, -1. */
int store_plan_set_published(db *d, int64_t id, int on, time_t now);

/* The seasons with offerings, latest first, with their drafts. 0 or -1. */
int store_plan_seasons(db *d, arena *a, plan_season **list, int *n);

/* Whether an offering has code: 1, 0, -1. */
int store_plan_code_taken(db *d, const char *code);

/* --- for `journeys publish` --- */

/* Who owns offering code ("file" or "console"), whether it is published
** and how many live registrations it has, and its block in the calendar
** file as last published (*file_block NULL when none was recorded), in a.
** 1, 0 none, -1. */
int store_plan_owner(db *d, arena *a, const char *code, const char **managed_by, int *published, int *live,
                     const char **file_block);

/* Record block as offering code's block in the calendar file as last
** published (no write when it is so already). 0 or -1. */
int store_plan_file_block_set(db *d, const char *code, const char *block);

/* Apply a file offering's fields to the stored file-owned offering code
** (not its course). 1 changed, 0 not file-owned, -1. */
int store_plan_file_apply(db *d, const plan_fields *f, int demo, time_t now);

/* Replace the coaches of file-owned offering id with the one account
** user_id. 0 or -1. */
int store_plan_file_coach(db *d, int64_t id, int64_t user_id, time_t now);

/* The published file-owned offerings whose codes are not in codes_json
** (a JSON array of strings); demo ones only when with_demo. *codes (in
** a), *ids, *n. 0 or -1. */
int store_plan_unlisted(db *d, arena *a, const char *codes_json, int with_demo, const char ***codes, int64_t **ids,
                        int *n);

#endif
