/*
** feedback.h: a coach's feedback on one version of an activity submission,
** in the domain layer. Feedback is written in Markdown (rendered once here,
** in safe mode), may name a level of the activity's rubric, and carries a
** decision: complete, or revise and resubmit. It stays with the version it
** was given on; the version's state follows its latest decision.
**
** Giving feedback is one write transaction: one conditional write moves
** the version's state only while it still holds the feedback the coach saw
** (so of two coaches answering at once one wins and the other is told), the
** feedback row, and a notification of kind 'feedback' to the participant.
** Who may give feedback is decided by the pages (access.h) before this is
** called; d->actor is the coach. Results are DOM_* with d->message (and
** d->field) set when not DOM_OK.
*/
#ifndef JOURNEYS_FEEDBACK_H
#define JOURNEYS_FEEDBACK_H

#include <stdint.h>

#include "domain.h"

enum { FEEDBACK_MAX_TEXT = 20000 };   /* bytes of a piece of feedback's Markdown */

/* What a coach sends about one version. */
typedef struct feedback_input {
    int64_t submission_id, owner_id, offering_id;
    int seen;                 /* how many pieces of feedback the coach saw on the version */
    const char *body_md;      /* the feedback (Markdown) */
    const char *level;        /* a level of the rubric, or NULL/"" */
    const char *decision;     /* "complete" or "revise" */
    const char *rubric;       /* the activity's rubric as a JSON array text, or NULL */
    const char *title, *link; /* the participant's notification */
} feedback_input;

/* The levels of rubric (a JSON array text of strings, may be NULL) as an
** array in d->a: returns how many (0 when there is no rubric). */
int feedback_rubric_levels(domain *d, const char *rubric, const char ***levels);

/* Give feedback as d->actor. Checks the decision (field "decision"), the
** text (field "body": not empty, at most FEEDBACK_MAX_TEXT bytes) and the
** level (field "level": one of the rubric's when the activity has one,
** none otherwise) before anything is written. DOM_OK with *feedback_id;
** DOM_INVALID; DOM_CONFLICT when other feedback reached the version since
** the coach loaded it (nothing kept); DOM_UNAVAILABLE. */
int feedback_give(domain *d, const feedback_input *in, int64_t *feedback_id);

#endif
