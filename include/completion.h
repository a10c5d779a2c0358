/*
** completion.h: a course's completion rules, as written in course.md's
** `completion:` key, and the test of one participant's record against them.
**
** The rule is a comma-separated list of terms:
**   activities   every activity of the course marked complete by a coach
**   posts N      at least N posts of the participant's own in the
**                offering's discussions (1 to 100)
**   panel        the panel recording marked watched
** e.g. "activities, posts 3". A course that gives none asks for
** "activities". Pure functions: no database, no allocation.
*/
#ifndef JOURNEYS_COMPLETION_H
#define JOURNEYS_COMPLETION_H

#include <stddef.h>

#include "buf.h"

#define COMPLETION_MAX_POSTS 100
#define COMPLETION_DEFAULT "activities"

typedef struct completion_rule {
    int activities;   /* every activity complete */
    int posts;        /* posts needed (0: none) */
    int panel;        /* the panel watched */
} completion_rule;

/* What a participant has done, as the store counted it. */
typedef struct completion_facts {
    int activities_total, activities_complete;
    int posts;
    int panel;
} completion_facts;

/* Parse text (NULL or empty gives COMPLETION_DEFAULT) into *r. Returns 0,
** or -1 with *why (a static sentence naming the term at fault and what is
** allowed) when a term is unknown, repeated, or a count is out of range. */
int completion_parse(const char *text, completion_rule *r, const char **why);

/* The rule in its canonical form ("activities, posts 3, panel"), appended
** to out. */
void completion_format(const completion_rule *r, buf *out);

/* Whether facts meet every term of r: 1 or 0. A course with no activities
** meets "activities". */
int completion_met(const completion_rule *r, const completion_facts *f);

#endif
