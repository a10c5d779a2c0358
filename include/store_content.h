/*
** store_content.h: the published series, its courses and the calendar of
** offerings. All SQL for these tables lives in store/content.c.
**
** Reads return the rows they read as structs, strings in the caller's arena;
** the page layer shapes them for templates (labels, URLs, states). Publishing is a
** sequence of puts between store_publish_begin() and store_publish_commit(),
** in one write transaction: readers see the old content until the commit.
*/
#ifndef JOURNEYS_STORE_CONTENT_H
#define JOURNEYS_STORE_CONTENT_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "db.h"

/* Bumped by every publish and every change to courses and offerings (see
** store_view_versions); pages use it to know kept content is stale. */
int64_t store_content_version(db *d);

/* The versions a worker's kept views depend on, read in one statement:
** *content (bumped in the same transaction as any change to the series,
** courses, items, panelists, offerings or their coaches, by triggers) and
** *seats (bumped with any change to a registration's status, hold or
** offer). 0, or -1 when the database could not say (then both are 0). */
int store_view_versions(db *d, int64_t *content, int64_t *seats);

/* The earliest time after now at which a seat hold or a waitlist offer
** lapses (seat counts change then without a write), or 0 if none; now + 1
** when the database could not say. */
time_t store_seats_change_at(db *d, time_t now);

/* Mark every kept view of content stale: bump content_version inside the
** caller's write transaction. For changes outside the tables the triggers
** watch. 0 or -1. */
int store_content_touch(db *d);

/* {title, tagline, organisation, partner, community_url, contact_email,
** intro_html}, or NULL before the first publish. Still JSON: the layout and
** the domain's mail share it as it is (one row, read once per publish). */
json_t *store_series(db *d);

/* A published course's summary row. Strings may be NULL where the column is. */
typedef struct course_row {
    int64_t id;
    const char *slug, *title, *tagline, *summary;
    int position, hours_min, hours_max;
} course_row;

/* One published item of a course (playlist item, prompt or activity). */
typedef struct course_item_row {
    int64_t id;
    const char *key, *title, *kind, *link, *source, *submit, *body_html;
    int minutes;
} course_item_row;

typedef struct panelist_row { const char *name, *role, *school; } panelist_row;   /* school: NULL when not given */

/* One published course with everything on its page. outcomes_json is the
** stored JSON array of outcome strings, as stored. */
typedef struct course_page_row {
    course_row c;
    const char *overview_html, *outcomes_json;
    const char *panel_title, *panel_video, *panel_summary_html, *transcript_html;
    int panel_minutes;
    const char *playlist_intro_html, *discussions_intro_html, *activities_intro_html;
    panelist_row *panelists;
    course_item_row *playlist, *prompts, *activities;
    int n_panelists, n_playlist, n_prompts, n_activities;
} course_page_row;

/* An offering as read, with its course and the seats taken now (active
** registrations, unexpired holds and offers); coach is the name of the
** offering's first coach account (through offering_staff), or NULL. */
typedef struct offering_listing {
    int64_t id, price_cents, updated_at, taken;
    const char *code, *course_slug, *course_title, *starts, *ends, *currency;
    const char *opens, *closes, *coach, *season;
    int course_position, capacity, demo;
    /* The calendar event's revision, and when it was cancelled (0: not). */
    int64_t sequence, cancelled_at;
    int published;   /* 0 for a draft or a withdrawn offering (only store_offering_listing reads those) */
} offering_listing;

/* Fill o from the offering columns of a statement of the store, starting
** at column c, in this order: code, course slug, course title, course
** position, starts, ends, price_cents, currency, capacity, opens, closes,
** coach, season, demo, taken, id, updated_at, sequence, cancelled_at (0
** when not), published. Strings in a. */
void store_offering_read(arena *a, sqlite3_stmt *st, int c, offering_listing *o);

/* Published courses by position, in a: *list and *n. 0 or -1. */
int store_course_rows(db *d, arena *a, course_row **list, int *n);

/* The published course slug with its page's parts, in a. 1, 0 when there
** is no such course, -1 on error. */
int store_course_page(db *d, arena *a, const char *slug, course_page_row *out);

/* The published course slug's summary row, in a. 1, 0 none, -1 error. */
int store_course_row(db *d, arena *a, const char *slug, course_row *out);

/* Offerings of published courses, earliest first: all of them (course_slug
** NULL) or one course's; demo offerings only when with_demo. In a: *list
** and *n. 0 or -1. */
int store_offering_listings(db *d, arena *a, const char *course_slug, int with_demo, offering_listing **list, int *n);

/* The next offerings of published courses starting after today
** ("YYYY-MM-DD"), at most limit, real ones before demo ones when with_demo,
** then earliest first. In a: *list and *n. 0 or -1. */
int store_offerings_ahead(db *d, arena *a, int with_demo, const char *today, int limit, offering_listing **list, int *n);

/* For each published course, its first offering starting after today (a
** real one before a demo one); courses with none are left out. In a:
** *list and *n. 0 or -1. */
int store_offerings_next(db *d, arena *a, int with_demo, const char *today, offering_listing **list, int *n);

/* One course's next offerings not finished by today (at most ahead), and
** the last ones of it that finished before today (at most past), earliest
** first. In a: *list and *n. 0 or -1. */
int store_course_offerings(db *d, arena *a, const char *course_slug, int with_demo, const char *today, int ahead,
                           int past, offering_listing **list, int *n);

/* Offerings not finished by since and starting by until (NULL: any
** time), and every offering of season (may be NULL), at most limit, real
** ones first, earliest first. In a: *list and *n. 0 or -1. */
int store_offerings_current(db *d, arena *a, int with_demo, const char *since, const char *until,
                            const char *season, int limit, offering_listing **list, int *n);

/* The offerings of one season, earliest first, at most limit; none when
** there is no such season. In a: *list and *n. 0 or -1. */
int store_offerings_season(db *d, arena *a, int with_demo, const char *season, int limit, offering_listing **list,
                           int *n);

/* The season of the latest real offering started by today, in a: *season.
** 1, 0 when none has started (*season NULL), -1 on error. */
int store_current_season(db *d, arena *a, const char *today, const char **season);

/* A season as the calendar lists it: its label, whether it is a demo one,
** its first and last offerings' start dates and how many offerings of
** published courses it has (demo ones only when asked for). */
typedef struct season_row {
    const char *label, *first, *last;
    int demo, offerings;
} season_row;

/* The seasons with offerings of published courses, real ones first, then
** the latest first (at most 500). In a: *list and *n. 0 or -1. */
int store_offering_seasons(db *d, arena *a, int with_demo, season_row **list, int *n);

/* One offering of a published course by code, in a, published or not
** (see offering_listing.published). 1, 0 none, -1 error. */
int store_offering_listing(db *d, arena *a, const char *code, offering_listing *out);

/* Whether user_id holds role ("coach") on the offering: 1, 0, or -1 when
** the database could not say. */
int store_offering_staff_has(db *d, int64_t offering_id, int64_t user_id, const char *role);

/* Keep a visitor's request to hear when course slug gets new dates (one row
** per e-mail and course; asking again after an answer asks anew). Returns
** 1 kept, 0 when there is no such published course, -1 on error. */
int store_date_request_add(db *d, const char *slug, const char *email, time_t now);

/* --- publishing --- */

typedef struct pub_course {
    const char *slug, *title, *tagline, *summary;
    int position, hours_min, hours_max;
    const char *overview_html, *outcomes_json;
    const char *panel_title, *panel_video, *panel_summary_html, *transcript_html;
    int panel_minutes;
    const char *playlist_intro_html, *discussions_intro_html, *activities_intro_html;
    const char *captions;        /* NULL when the panel file gives none */
    const char *completion;      /* the completion rules (completion.h); NULL: the default */
} pub_course;

typedef struct pub_item {
    const char *section; /* "playlist", "prompt", "activity" */
    const char *key;     /* stable within the course and section */
    int position, minutes;
    const char *title, *kind, *link, *source, *submit, *body_html;
    const char *opens, *due;     /* relative times ("day 3 17:00"), NULL when not given */
    const char *rubric;          /* activities: the rubric's levels as a JSON array text, NULL when none */
} pub_item;

typedef struct pub_milestone {
    const char *key, *title, *at;   /* at: a relative time ("day 5 16:00") */
} pub_milestone;

typedef struct pub_offering {
    const char *code, *course_slug, *starts, *ends, *opens, *closes;
    const char *currency, *coach, *season;   /* coach: the coach's e-mail */
    const char *time_zone;       /* IANA zone */
    int64_t price_cents;
    int capacity, demo;
    time_t posting_closes_at;    /* when posting closes (the workspace is an archive after) */
} pub_offering;

typedef struct pub_panel {     /* a course's panel resources as stored */
    const char *video;           /* NULL: not posted yet */
    int minutes;
    const char **names, **roles; /* n panelists */
    int n;
} pub_panel;

typedef struct removed_item {  /* an item no longer in the files, with participant data */
    int64_t id;
    const char *course_slug, *section, *key, *title;
    int64_t rows;                /* rows of participant data referring to it */
    const char *tables;          /* "submissions, posts" */
} removed_item;

typedef struct date_request { int64_t id; const char *email; } date_request;

/* Begin the publishing transaction and mark every course and item
** unpublished; puts mark what is still there. 0 or -1 (err). */
int store_publish_begin(db *d, buf *err);

/* Replace the series row. 0 or -1. */
int store_put_series(db *d, const char *title, const char *tagline, const char *organisation,
                     const char *partner, const char *community_url, const char *contact_email,
                     const char *intro_html, buf *err);

/* Insert or update a course by slug (its id is kept); returns the id or -1.
** The panel's video and minutes are taken only while the stored course has
** no video: once posted, the recording belongs to the database. */
int64_t store_put_course(db *d, const pub_course *c, buf *err);

/* Replace a course's panelists with these n (name, role) pairs. 0 or -1. */
int store_put_panelists(db *d, int64_t course_id, const char *const *names,
                        const char *const *roles, int n, buf *err);

/* Replace a course's milestones with these n, in order. 0 or -1 (err). */
int store_put_milestones(db *d, int64_t course_id, const pub_milestone *m, int n, buf *err);

/* Insert or update an item by (course, section, key); an archived item
** whose key is back is restored. 0 or -1. */
int store_put_item(db *d, int64_t course_id, const pub_item *it, buf *err);

/* Add an offering if its code is new (o->coach is not used here; see
** store_offering_staff_add); an existing one keeps what staff set.
** Returns 1 added, 0 kept, -1 error; *id is the offering's id. */
int store_seed_offering(db *d, const pub_offering *o, int64_t *id, buf *err);

/* The stored offering code as the calendar file would describe it, strings
** in a (coach: the first coach's e-mail, or NULL). 1, 0 none, -1 (err). */
int store_offering_seed_view(db *d, arena *a, const char *code, pub_offering *o, buf *err);

/* Give offering code the time zone zone and posting_closes_at when it
** still has the zone migration 9 gave every existing offering ('UTC'):
** one conditional write. 1 changed, 0 it has a zone of its own, -1 (err). */
int store_offering_zone_fill(db *d, const char *code, const char *zone, time_t posting_closes_at, buf *err);

/* Link user_id to the offering with role ("coach"); linking twice is a
** no-op. 0 or -1 (err). */
int store_offering_staff_add(db *d, int64_t offering_id, int64_t user_id, const char *role, buf *err);

/* The stored panel resources of course slug, strings in a. 1, 0 when the
** course is new, -1 (err). */
int store_course_panel(db *d, arena *a, const char *slug, pub_panel *p, buf *err);

/* Inside publishing, after the puts: the items that are no longer published
** (their key left the files, or their course did), not archived, and that
** participant data refers to. Participant data is any table with a column
** declared REFERENCES course_items(id), found in the schema. *list (in a)
** and *n; 0 or -1 (err). */
int store_items_removed_with_data(db *d, arena *a, removed_item **list, int *n, buf *err);

/* Mark an unpublished item archived: its participant data stays, it is no
** longer counted as removed. Exactly one row must change. 0 or -1 (err). */
int store_item_archive(db *d, int64_t item_id, buf *err);

/* The unanswered requests for dates of course slug, in a. 0 or -1 (err). */
int store_date_requests_waiting(db *d, arena *a, const char *slug, date_request **list, int *n, buf *err);

/* Mark request id answered by offering_id; exactly one unanswered row must
** change. 0 or -1 (err). */
int store_date_request_sent(db *d, int64_t id, int64_t offering_id, time_t now, buf *err);

/* Bump the content version and commit. 0 or -1 (rolled back). */
int store_publish_commit(db *d, buf *err);

/* Abandon the publishing transaction. */
void store_publish_abort(db *d);

#endif
