/*
** blobs.c: the sweep of kept files nothing refers to (see blobs.h).
*/
#include "blobs.h"

#include <string.h>

#include "files.h"
#include "log.h"
#include "store_blobs.h"
#include "store_work.h"

/* Forget the orphaned blob hex: in one write transaction, delete its row
** (only while still unreferenced) and remove its file. 1 forgotten, 0 when
** a hand-in refers to it again, -1 on a database error (nothing removed
** unless the row went). */
static int forget_one(domain *d, const char *hex)
{
    if (db_begin_write(d->db) != 0)
        return -1;
    int gone = store_blob_forget(d->db, hex);
    if (gone == 1)
        files_remove(d->cfg->uploads_files, hex);
    if (gone < 0 || db_commit(d->db) != 0) {
        /* A row whose file went stays orphaned: the next pass deletes it,
        ** and a hand-in of the same bytes writes the file again. */
        db_rollback(d->db);
        return -1;
    }
    return gone;
}

/* Remove the stray file hex when, under the write lock, no blob row names
** it (a plain read first, so the many files that have their row never take
** the lock). 1 removed, 0 kept, -1 on a database error. */
static int stray_one(domain *d, const char *hex)
{
    int seen = store_blob_exists(d->db, hex);
    if (seen != 0)
        return seen < 0 ? -1 : 0;
    if (db_begin_write(d->db) != 0)
        return -1;
    int known = store_blob_exists(d->db, hex);
    if (known == 0)
        files_remove(d->cfg->uploads_files, hex);
    if (known < 0 || db_commit(d->db) != 0) {
        db_rollback(d->db);
        return -1;
    }
    return known == 0;
}

int blobs_sweep(domain *d, blobs_stats *st)
{
    memset(st, 0, sizeof *st);
    const char **hex;
    int n;
    if (store_blobs_orphaned(d->db, d->a, BLOBS_PASS_MAX, &hex, &n) != 0)
        return DOM_UNAVAILABLE;
    for (int i = 0; i < n; i++) {
        int rc = forget_one(d, hex[i]);
        if (rc < 0)
            return DOM_UNAVAILABLE;
        if (rc == 1) {
            st->forgotten++;
            log_info("files: %s removed, no submission refers to it", hex[i]);
        } else {
            st->lost++;
        }
    }
    int tmp = 0;
    if (files_old(d->a, d->cfg->uploads_files, d->now - BLOBS_STRAY_SECONDS, &hex, &n, &tmp) != 0)
        return DOM_UNAVAILABLE;
    st->strays += tmp;
    for (int i = 0; i < n; i++) {
        int rc = stray_one(d, hex[i]);
        if (rc < 0)
            return DOM_UNAVAILABLE;
        if (rc == 1) {
            st->strays++;
            log_info("files: %s removed, a file without a blob row", hex[i]);
        }
    }
    return DOM_OK;
}
