/*
** store_content.h: the published series, its courses and the calendar of
** offerings. All SQL for these tables lives in store/content.c.
**
** Reads return jansson values that the caller owns (json_decref), shaped for
** the templates: the pages add labels and states, never SQL. Publishing is a
** sequence of puts between store_publish_begin() and store_publish_commit(),
** in one write transaction: readers see the old content until the commit.
*/
#ifndef JOURNEYS_STORE_CONTENT_H
#define JOURNEYS_STORE_CONTENT_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"

/* Bumped by every publish; pages use it to know cached content is stale. */
int64_t store_content_version(db *d);

/* {title, tagline, organisation, partner, community_url, contact_email,
** intro_html}, or NULL before the first publish. */
json_t *store_series(db *d);

/* Published courses by position: [{slug, position, title, tagline, summary,
** hours_min, hours_max}]. */
json_t *store_courses(db *d);

/* One published course with everything on its page: the fields above plus
** overview_html, outcomes [], panel {title, video_url, minutes, summary_html,
** panelists [{name, role}]}, transcript_html, playlist_intro_html,
** discussions_intro_html, activities_intro_html, playlist [], prompts [],
** activities [] (items: {id, key, title, kind, minutes, link, source, submit,
** body_html}). NULL when there is no such course. */
json_t *store_course(db *d, const char *slug);

/* Offerings, earliest first: all of them (course_slug NULL) or one course's.
** Each: {code, course_slug, course_title, course_position, starts, ends,
** price_cents, currency, capacity, opens, closes, coach, season, demo,
** taken}. Demo offerings only when with_demo. */
json_t *store_offerings(db *d, const char *course_slug, int with_demo);

/* One offering by code (same shape), or NULL. */
json_t *store_offering(db *d, const char *code);

/* --- publishing --- */

typedef struct pub_course {
    const char *slug, *title, *tagline, *summary;
    int position, hours_min, hours_max;
    const char *overview_html, *outcomes_json;
    const char *panel_title, *panel_video, *panel_summary_html, *transcript_html;
    int panel_minutes;
    const char *playlist_intro_html, *discussions_intro_html, *activities_intro_html;
} pub_course;

typedef struct pub_item {
    const char *section; /* "playlist", "prompt", "activity" */
    const char *key;     /* stable within the course and section */
    int position, minutes;
    const char *title, *kind, *link, *source, *submit, *body_html;
} pub_item;

typedef struct pub_offering {
    const char *code, *course_slug, *starts, *ends, *opens, *closes;
    const char *currency, *coach, *season;
    int64_t price_cents;
    int capacity, demo;
} pub_offering;

/* Begin the publishing transaction and mark every course and item
** unpublished; puts mark what is still there. 0 or -1 (err). */
int store_publish_begin(db *d, buf *err);

/* Replace the series row. 0 or -1. */
int store_put_series(db *d, const char *title, const char *tagline, const char *organisation,
                     const char *partner, const char *community_url, const char *contact_email,
                     const char *intro_html, buf *err);

/* Insert or update a course by slug (its id is kept); returns the id or -1. */
int64_t store_put_course(db *d, const pub_course *c, buf *err);

/* Replace a course's panelists with these n (name, role) pairs. 0 or -1. */
int store_put_panelists(db *d, int64_t course_id, const char *const *names,
                        const char *const *roles, int n, buf *err);

/* Insert or update an item by (course, section, key). 0 or -1. */
int store_put_item(db *d, int64_t course_id, const pub_item *it, buf *err);

/* Add an offering if its code is new; an existing one keeps what staff set.
** Returns 1 added, 0 kept, -1 error. */
int store_seed_offering(db *d, const pub_offering *o, buf *err);

/* Bump the content version and commit. 0 or -1 (rolled back). */
int store_publish_commit(db *d, buf *err);

/* Abandon the publishing transaction. */
void store_publish_abort(db *d);

#endif
