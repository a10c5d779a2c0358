/*
** workspace.c: a participant's progress through the week (see workspace.h).
*/
#include "workspace.h"

#include "store_ws.h"

/* See workspace.h: one conditional write in its own transaction. */
int ws_progress_set(domain *d, int64_t offering_id, const char *part, int done)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int changed = done ? store_progress_add(d->db, offering_id, d->actor, part, d->now)
                       : store_progress_remove(d->db, offering_id, d->actor, part);
    if (changed < 0)
        rc = domain_store_failed(d);
    else if (changed == 0)
        rc = domain_refuse(d, DOM_CONFLICT, NULL,
                           done ? "This was already marked done (perhaps in another tab); your progress is as it was."
                                : "This was not marked done any more (perhaps undone in another tab); nothing changed.");
    return domain_end(d, rc);
}
