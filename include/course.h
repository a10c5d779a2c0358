/*
** course.h: load and check the course content folder (courses/).
**
** The format is described in courses/README.md. course_load() reads the
** whole folder into plain structs allocated from an arena, checks every
** rule it can, and reports each problem as one line of err:
**
**     courses/01-purpose-and-vision/playlist.md:12: kind 'blog' is not ...
**
** The path starts with the last component of the root folder. Problems that
** belong to a whole file or folder rather than a line (a missing file, a
** file over 1 MiB, a badly named course folder) have no line number:
**
**     courses/01-purpose-and-vision/panel.md: missing file; ...
**
** Loading goes on after a problem, so one run reports as many as it can.
** Markdown bodies are kept as source; rendering is the caller's business.
**
** Text rules: files are UTF-8 (a leading byte-order mark is ignored) without
** NUL bytes and at most 1 MiB; Windows line endings are accepted; values
** have surrounding whitespace trimmed.
*/
#ifndef JOURNEYS_COURSE_H
#define JOURNEYS_COURSE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

typedef struct panelist { const char *name, *role; } panelist;

typedef struct item {           /* a playlist item, prompt or activity */
    const char *key;             /* its stable identity within the course */
    int key_line;                /* where its key line is */
    const char *title;
    const char *kind;            /* playlist only */
    int minutes;                 /* 0 when not given */
    const char *link, *source;   /* playlist only; may be NULL */
    const char *submit;          /* activities only */
    const char *rubric;          /* activities only: the levels as written ("A | B | C"), NULL when none */
    const char *body_md;         /* Markdown source ("" when none) */
    int line;                    /* where its heading is */
    const char *opens, *due;     /* relative times as written ("day 3 17:00"), NULL when not given */
    int opens_day, opens_minute; /* parsed opens (minute -1: no time given); 0 when no opens */
    int due_day, due_minute;     /* parsed due; 0 when no due */
} item;

typedef struct milestone {      /* a dated moment of the course week, from course.md */
    const char *key;             /* unique within the course, item-key shaped */
    const char *title;
    const char *at;              /* relative time as written ("day 5 16:00") */
    int day, minute;             /* parsed (minute -1: no time given) */
    int line;
} milestone;

typedef struct course {
    const char *dir;             /* "01-purpose-and-vision" */
    const char *slug;            /* "purpose-and-vision" */
    int position;                /* 1 from "01-" */
    const char *title, *tagline, *summary;
    int hours_min, hours_max;    /* "5" gives 5 and 5 */
    const char **outcomes; int n_outcomes;
    milestone *milestones; int n_milestones;   /* in file order */
    const char *completion;      /* the completion rules, canonical (completion.h); NULL: not given */
    const char *overview_md;
    const char *panel_title, *panel_video;  /* panel_video NULL when "pending" */
    int panel_minutes;
    const char *captions;        /* what captions the recording has; NULL when not given */
    int panel_video_line, panel_minutes_line, panelists_line;   /* in panel.md; 0 when absent */
    panelist *panelists; int n_panelists;
    const char *panel_summary_md, *transcript_md;
    const char *playlist_intro_md, *discussions_intro_md, *activities_intro_md;
    item *playlist; int n_playlist;
    item *prompts; int n_prompts;
    item *activities; int n_activities;
} course;

typedef struct offering_seed {
    const char *code, *course_slug;
    int32_t starts, ends;        /* days since 1970-01-01, inclusive; see week below */
    int64_t price_cents; const char *currency;   /* currency "USD" unless given */
    int capacity;
    int32_t opens, closes;       /* opens default: INT32_MIN meaning "open now";
                                    closes default: starts - 1 */
    const char *coach;           /* the coach's e-mail address, NULL when not given */
    const char *season;          /* NULL when not given */
    const char *time_zone;       /* IANA zone: the block's, else the series' (series.md), else "UTC" */
    int32_t posting_closes;      /* last day (local, inclusive) posting stays open; 0: the default
                                    (the 14th day after ends) */
    int demo;
    int line;                    /* first line of its block in calendar.txt */
    struct {                     /* the line of each key; the block's line when absent */
        int course, starts, ends, price, currency, capacity, opens, closes, coach, season, demo, time_zone;
    } at;
} offering_seed;

typedef struct school_seed {   /* a member school from schools.txt (optional file) */
    const char *name, *city, *country;   /* city and country may be NULL */
    int invoice;                 /* the school may be invoiced for its staff's seats */
    const char *billing_name, *billing_email; /* who receives the invoices; may be NULL */
    int line;
} school_seed;

typedef struct series {
    const char *title, *tagline, *organisation, *partner, *community_url, *contact_email;
    const char *time_zone;       /* the offerings' default zone (series.md time_zone), "UTC" when not given */
    const char *intro_md;
    course *courses; int n_courses;       /* sorted by position */
    offering_seed *offerings; int n_offerings;   /* in calendar.txt order */
    school_seed *schools; int n_schools;         /* in schools.txt order */
} series;

/* Read root (the courses/ folder) into *out, all memory from a.
**
** today (days since 1970-01-01) anchors `week: +N` demo offerings: starts is
** the Monday of the Monday-to-Sunday week containing today, plus N weeks,
** and ends is the Friday after it. Example: today 2026-11-22, a Sunday,
** and week +2 give 2026-11-30 to 2026-12-04; +0 gives 2026-11-16 to
** 2026-11-20.
**
** include_demo: when 0, offerings marked `demo: yes` are checked but left
** out of out->offerings (not an error).
**
** Every problem is appended to err as described above. Returns 0 when there
** were none, -1 otherwise (out then holds whatever could be read). After a
** successful load every required value and every *_md field is non-NULL
** ("" for an empty body); optional values not given are NULL. */
/* The rubric levels written in value ("Beginning | Developing | Proficient"):
** 2 to COURSE_RUBRIC_MAX levels separated by '|', each trimmed, 1 to
** COURSE_RUBRIC_LEVEL bytes without control characters, no two the same
** (ignoring case). Returns the number of levels with levels[] pointing at
** copies in a, or 0 with *why (static) saying what is wrong. */
enum { COURSE_RUBRIC_MAX = 6, COURSE_RUBRIC_LEVEL = 40 };
int course_rubric_levels(arena *a, const char *value, const char *levels[COURSE_RUBRIC_MAX], const char **why);

int course_load(arena *a, const char *root, int32_t today, int include_demo,
                series *out, buf *err);

/* Check text (len bytes) as the contents of a course.md: encoding, front
** matter syntax, keys and values. Problems go to err as "course.md:LINE: ...".
** Returns 0 when there were none, -1 otherwise. For tests and fuzzing. */
int course_parse_frontmatter_for_test(arena *a, const char *text, size_t len, buf *err);

/* Check text (len bytes) as one of the course's files, for tests and
** fuzzing: which is "course.md", "panel.md", "playlist.md",
** "discussions.md", "activities.md" or "calendar.txt" (checked against a
** single course with slug "demo-course" and the series zone "UTC").
** Problems go to err as "WHICH:LINE: ...". When c is not NULL it receives
** what a course file held (course.md, panel.md, the lists); when o is not
** NULL and which is calendar.txt, *o gets the first offering. Returns 0
** when there were none, -1 otherwise (also for an unknown which). */
int course_parse_file_for_test(arena *a, const char *which, const char *text, size_t len, course *c,
                               offering_seed *o, buf *err);

#endif
