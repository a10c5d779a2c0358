/*
** plan.h: planning the calendar from the staff console: checking an
** offering's fields, creating, editing (with its effect on the people
** registered worked out first), publishing and withdrawing offerings, and
** seasons copied from an earlier one and published in one step. Part of
** the domain layer: every change is one conditional write in a
** transaction, with its mail and its audit line.
*/
#ifndef JOURNEYS_PLAN_H
#define JOURNEYS_PLAN_H

#include <jansson.h>
#include <stdint.h>

#include "domain.h"
#include "store_plan.h"

/* An offering form as sent (any field may be NULL). */
typedef struct plan_input {
    const char *code, *course, *starts, *ends, *opens, *closes, *price, *currency, *capacity, *season, *time_zone;
    const char *const *coaches;  /* account ids as text */
    int n_coaches;
} plan_input;

/* Check in and fill *f (strings in d->a) and the coach ids *coaches (n in
** *n_coaches, in d->a). Each problem is set in errors (field name to a
** sentence a person can act on). DOM_OK, DOM_INVALID, or DOM_UNAVAILABLE
** when the store could not be read. */
int plan_check(domain *d, const plan_input *in, plan_fields *f, int64_t **coaches, int *n_coaches, json_t *errors);

/* Create offering f as a draft with those coaches, audited. DOM_OK with
** *id; DOM_INVALID (d->field "code") when the code is taken. */
int plan_create(domain *d, const plan_fields *f, const int64_t *coaches, int n_coaches, int64_t *id);

/* What editing cur into f would do to the people registered. */
typedef struct plan_effect {
    int dates_changed, capacity_changed;
    plan_person *told;     /* told by e-mail: every live registration, when dates change */
    int n_told;
    plan_person *offered;  /* moved from the waitlist to a seat offer */
    int n_offered;
} plan_effect;

/* Work out the effect of the edit (nothing is written). DOM_OK;
** DOM_INVALID (field "capacity") for a capacity below the seats taken, or
** (field "course") for another course while people are registered;
** DOM_UNAVAILABLE. */
int plan_effect_of(domain *d, const plan_offering *cur, const plan_fields *f, plan_effect *e);

/* Apply the edit when cur's revision is still current: the fields and
** coaches, mail to the people told, seats offered through the waitlist,
** one audit line. DOM_OK, DOM_CONFLICT when it was changed meanwhile,
** DOM_INVALID as plan_effect_of. */
int plan_apply(domain *d, const plan_offering *cur, const plan_fields *f, const int64_t *coaches, int n_coaches);

/* Publish (on) or withdraw an offering; publishing tells the visitors
** waiting for dates of its course (once each). DOM_OK, DOM_CONFLICT when
** it already was in that state. */
int plan_publish(domain *d, const plan_offering *o, int on);

/* Copy season from into a new season named to, shifted so its first
** offering starts on first_start: each offering's dates move by the same
** number of days, its end of posting keeps its wall-clock time in the
** offering's zone (across daylight-saving changes), its coaches come
** along, and each is a draft with a new code. DOM_OK with *copied;
** DOM_INVALID when to exists or from has no offerings. */
int plan_copy_season(domain *d, const char *from, const char *to, const char *first_start, int *copied);

/* Publish every draft of season in one step, telling the visitors
** waiting for dates. DOM_OK with *published, DOM_CONFLICT when it has no
** drafts left (someone published it meanwhile). */
int plan_publish_season(domain *d, const char *season, int *published);

/* The code a copied offering gets: code with its trailing "-YYYY-MM" (if
** any) replaced by the year and month of starts (ISO), in a. */
const char *plan_copy_code(arena *a, const char *code, const char *starts);

#endif
