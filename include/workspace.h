/*
** workspace.h: the rules of a participant's progress through a course week
** (checking a playlist item off, taking it back, marking the panel watched).
** Pages decide who may act (access_seat); these make the change, each as
** one conditional write in its own transaction.
*/
#ifndef JOURNEYS_WORKSPACE_H
#define JOURNEYS_WORKSPACE_H

#include <stdint.h>

#include "domain.h"

/* Mark part ("panel", "item:ID") done (done = 1) or not done (done = 0)
** for d->actor in offering_id. DOM_OK when this call changed it;
** DOM_CONFLICT (with a message) when it was already in that state, as
** when two tabs check the same item off at once; DOM_UNAVAILABLE when the
** database failed (nothing changed). */
int ws_progress_set(domain *d, int64_t offering_id, const char *part, int done);

#endif
