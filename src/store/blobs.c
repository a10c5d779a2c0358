/*
** blobs.c: the SQL of the sweep of orphaned blobs (see store_blobs.h).
*/
#include "store_blobs.h"

#include "log.h"

int store_blobs_orphaned(db *d, arena *a, int max, const char ***hex, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT b.sha256 FROM blobs b"
                                  " WHERE NOT EXISTS (SELECT 1 FROM submission_files f WHERE f.sha256 = b.sha256)"
                                  /* A panel handout's file is referred to as well */
                                  " AND NOT EXISTS (SELECT 1 FROM panel_handouts h WHERE h.sha256 = b.sha256)"
                                  " ORDER BY b.created_at, b.sha256 LIMIT ?1");
    sqlite3_bind_int(st, 1, max);
    int rc, cap = 0;
    *hex = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *(const char **)arena_grow(a, (void **)hex, n, &cap, sizeof **hex) = db_col(a, st, 0);
    if (rc != SQLITE_DONE)
        log_error("store: %s", db_errmsg(d));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_blob_forget(db *d, const char *sha256)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM blobs WHERE sha256 = ?1"
                                  " AND NOT EXISTS (SELECT 1 FROM submission_files f WHERE f.sha256 = ?1)"
                                  " AND NOT EXISTS (SELECT 1 FROM panel_handouts h WHERE h.sha256 = ?1)");
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_TRANSIENT);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d) > 0 ? 1 : 0;
}
