/*
** blobs.h: the sweep of kept files that no submission refers to any more,
** run by the sweeper process (serve.h) every [uploads] sweep_seconds.
**
** A blob row no submission file refers to is forgotten with one
** conditional delete, and its file removed from the files folder while the
** write lock is held, so a hand-in that reuses the same bytes (work.h
** looks for the file again inside its own transaction) either finds the
** row and the file, or neither and writes the file again. Files in the
** folder with no blob row at all (a hand-in that died between writing the
** file and its rows) and temporary files are removed once they are a day
** old, far longer than any hand-in takes.
*/
#ifndef JOURNEYS_BLOBS_H
#define JOURNEYS_BLOBS_H

#include "domain.h"

/* Files untouched for this long, with no blob row, are strays. */
#define BLOBS_STRAY_SECONDS (24 * 60 * 60)

/* Most orphaned rows one pass forgets; the rest wait for the next pass. */
#define BLOBS_PASS_MAX 500

typedef struct blobs_stats {
    int forgotten;  /* blob rows deleted, their files removed */
    int lost;       /* orphans referred to again before their turn (left) */
    int strays;     /* files without a row, and temporary files, removed */
} blobs_stats;

/* One sweep of d->cfg->uploads_files at d->now: forget each orphaned blob
** (its own write transaction: the conditional delete, then the file's
** removal, then the commit), then remove stray and temporary files last
** changed before d->now - BLOBS_STRAY_SECONDS (each checked against the
** blob rows under the write lock). Counts go to *st (zeroed first). DOM_OK,
** or DOM_UNAVAILABLE when the database failed (what was done stays done;
** the next pass goes on). Uses d->a. */
int blobs_sweep(domain *d, blobs_stats *st);

#endif
