/*
** publog.h: what `journeys publish` checks beyond the loader, and the
** record it keeps of each run.
**
** Before anything is written: every Markdown file of the series passes the
** accessibility checks of mdcheck.h (alt text on every image, headings
** without gaps), and no course's panel would be shown with a recording but
** neither captions (uploaded in the staff console) nor a transcript. Each
** problem is reported as "file:line: what is wrong".
**
** Inside the publishing transaction: what was published before and after
** is compared, and the run is recorded (when, by whom, counts, and each
** course or item added, changed or archived) for the staff console's
** history at /staff/publishes.
*/
#ifndef JOURNEYS_PUBLOG_H
#define JOURNEYS_PUBLOG_H

#include "arena.h"
#include "buf.h"
#include "course.h"
#include "db.h"
#include "publish.h"
#include "store_panel.h"

/* Check the loaded series s read from dir (named root in messages).
** Problems go to err. Returns 0 when there are none, -1 otherwise (also
** when the database cannot be read, with a line saying so). */
int publog_check(db *d, arena *a, const char *dir, const char *root, const series *s, buf *err);

/* What was published when the run began. */
typedef struct publog {
    publish_entry *before;
    int n_before;
} publog;

/* Take the snapshot before the run's writes (inside the transaction). 0,
** or -1 with a line in err. Memory from a. */
int publog_begin(db *d, arena *a, publog *pl, buf *err);

/* Compare with what is published now and record the run by `by` (NULL:
** "unknown") with its report and notes, inside the transaction; sets
** rep's counts of items added and changed. 0, or -1 with a line in err. */
int publog_record(db *d, arena *a, const publog *pl, const char *by, const publish_report *rep, const char *notes,
                  buf *err);

#endif
