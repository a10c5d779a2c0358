/*
** store_panel.h: the SQL of panel resources edited in the staff console
** (recording, captions, panelists, handouts) and of the record of publish
** runs. Every change to a course's panel first moves its revision with one
** conditional write (store_panel_bump), so of two forms sent from the same
** page one wins and the other is told. Return conventions are db.h's;
** strings are copied into the arena given.
*/
#ifndef JOURNEYS_STORE_PANEL_H
#define JOURNEYS_STORE_PANEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

typedef struct panel_course_row {
    int64_t id;
    const char *slug, *title, *panel_title;
    const char *video;            /* NULL: pending */
    int minutes;
    int64_t rev;                  /* the panel's revision, moved by every change */
    const char *summary_html, *transcript_html;
    const char *summary_md, *transcript_md;   /* as written in the console; NULL: the course files' */
    int has_transcript;           /* the transcript holds text */
    int has_captions;
    const char *captions_file, *captions_label, *captions_lang;   /* NULL without captions */
    int captions_cues;
    time_t captions_at;
    const char *captions_by;      /* who uploaded them; NULL when unknown */
} panel_course_row;

typedef struct panel_person_row { int position; const char *name, *role, *school; } panel_person_row;
typedef struct panel_handout_row {
    int64_t id;
    const char *title;
    const char *url;              /* a link, or NULL for a kept file */
    const char *sha256, *filename, *type;   /* a kept file (NULL for a link) */
    int64_t size;
    time_t created_at;
} panel_handout_row;

typedef struct panel_list_row {   /* one course on the console's list */
    const char *slug, *title, *video;
    int has_transcript, has_captions, panelists, handouts;
} panel_list_row;

/* The panel of course slug: 1 found (*out filled), 0 none, -1. */
int store_panel_course(db *d, arena *a, const char *slug, panel_course_row *out);

/* Every course's panel in course order: 0 with *list, *n set, or -1. */
int store_panel_list(db *d, arena *a, panel_list_row **list, int *n);

/* The panelists (by position) and handouts (oldest first) of a course: 0 or -1. */
int store_panel_people(db *d, arena *a, int64_t course_id, panel_person_row **list, int *n);
int store_panel_handouts(db *d, arena *a, int64_t course_id, panel_handout_row **list, int *n);

/* Move the panel's revision from rev to rev + 1: the one conditional write
** of every panel change (call inside the write transaction first). 1 moved,
** 0 the panel changed since rev was read (someone else won), -1. */
int store_panel_bump(db *d, int64_t course_id, int64_t rev);

/* The writes that follow a bump. 0 or -1 (insert: the new id or -1; delete:
** 1 deleted, 0 nothing there, -1). video NULL: pending. */
int store_panel_set_recording(db *d, int64_t course_id, const char *video, int minutes);
int store_panel_put_captions(db *d, int64_t course_id, const char *vtt, size_t len, const char *filename,
                             const char *label, const char *lang, int cues, int64_t by, time_t now);
int store_panel_delete_captions(db *d, int64_t course_id);
/* The summary (transcript non-zero: the transcript) as written in the
** console, Markdown md and its rendered html; from then on publish keeps
** them and lists the course file's text as not applied. 0 or -1. */
int store_panel_set_text(db *d, int64_t course_id, int transcript, const char *md, const char *html);
int store_panel_add_person(db *d, int64_t course_id, const char *name, const char *role, const char *school);
int store_panel_delete_person(db *d, int64_t course_id, int position);
int64_t store_panel_add_handout(db *d, int64_t course_id, const char *title, const char *url, int64_t by, time_t now);
/* A handout that is a kept file (its blob row added first): the new id or -1. */
int64_t store_panel_add_handout_file(db *d, int64_t course_id, const char *title, const char *sha256,
                                     const char *filename, const char *type, int64_t size, int64_t by, time_t now);
/* Handout id of course slug: 1 with *out, 0 none there, -1. */
int store_panel_handout(db *d, arena *a, const char *slug, int64_t id, panel_handout_row *out);
int store_panel_delete_handout(db *d, int64_t course_id, int64_t id);

/* The captions of course slug for serving: 1 with *vtt (in a, *len bytes),
** 0 when it has none, -1. */
int store_panel_captions(db *d, arena *a, const char *slug, const char **vtt, size_t *len);

/* ---- publish runs ---------------------------------------------------------- */

typedef struct publish_entry {   /* one published thing as it stands: a course's text or an item */
    const char *what;            /* "SLUG" or "SLUG/SECTION/KEY" */
    const char *title;
    const char *content;         /* everything a change would touch, joined */
    int archived;
} publish_entry;

/* What is published now, ordered by what (call inside the publish
** transaction, before and after): 0 with *list, *n set, or -1. */
int store_publish_snapshot(db *d, arena *a, publish_entry **list, int *n);

/* Whether course slug's panel has captions, and its stored recording
** (NULL: pending): 1 with both set, 0 no such course yet, -1. */
int store_panel_publish_state(db *d, arena *a, const char *slug, int *has_captions, const char **video);

/* The summary and transcript Markdown of course slug as set in the console
** (each NULL while the course files own it): 1 with both set, 0 no such
** course yet, -1. */
int store_panel_publish_text(db *d, arena *a, const char *slug, const char **summary_md, const char **transcript_md);

/* Record one run and its changes (inside the publish transaction). */
int64_t store_publish_run_insert(db *d, time_t at, const char *by, int courses, int items, int added, int changed,
                                 int archived, const char *notes);
int store_publish_change_insert(db *d, int64_t run_id, int position, const char *change, const char *what,
                                const char *title);

typedef struct publish_change_row { const char *change, *what, *title; } publish_change_row;
typedef struct publish_run_row {
    int64_t id;
    time_t at;
    const char *by, *notes;
    int courses, items, added, changed, archived;
    publish_change_row *changes;  /* up to the limit given */
    int n_changes;
} publish_run_row;

/* The newest runs (at most limit), each with at most max_changes of its
** changes: 0 with *list, *n set, or -1. */
int store_publish_runs(db *d, arena *a, int limit, int max_changes, publish_run_row **list, int *n);

#endif
