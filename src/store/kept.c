/*
** kept.c: the SQL behind the versions of the workspace's kept parts
** (see store_kept.h).
*/
#include "store_kept.h"

/* Mix x into the running hash h (FNV-1a over the value's bytes). */
static uint64_t mix(uint64_t h, int64_t x)
{
    uint64_t v = (uint64_t)x;
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xffu;
        h *= 1099511628211u;
    }
    return h;
}

/* See store_kept.h. */
int store_unread_version(db *d, int64_t offering_id, int64_t user_id, int64_t *version)
{
    uint64_t h = 14695981039346656037u;
    sqlite3_stmt *st = db_stmt(d,
        "SELECT COALESCE((SELECT version FROM discuss_versions WHERE offering_id = ?1), 0),"
        " COALESCE((SELECT version FROM read_versions WHERE user_id = ?2), 0),"
        " COALESCE((SELECT post_first FROM offerings WHERE id = ?1), 0)");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    if (db_row(st) != 1)
        return -1;
    for (int i = 0; i < 3; i++)
        h = mix(h, sqlite3_column_int64(st, i));
    db_done(st);
    *version = (int64_t)(h >> 1);
    return 0;
}

/* See store_kept.h. */
int store_ws_version(db *d, int64_t offering_id, int64_t user_id, int64_t *version)
{
    uint64_t h = 14695981039346656037u;
    sqlite3_stmt *st = db_stmt(d,
        "SELECT COALESCE((SELECT version FROM ws_versions WHERE offering_id = ?1 AND user_id = ?2), 0),"
        " (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version')");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    if (db_row(st) != 1)
        return -1;
    for (int i = 0; i < 2; i++)
        h = mix(h, sqlite3_column_int64(st, i));
    db_done(st);
    *version = (int64_t)(h >> 1);
    return 0;
}

/* The running hash of the counters of one offering as the coach pages
** see it (columns: the offering's id, its discuss_versions and
** cohort_versions) mixed into h. */
#define COHORT_COLS                                                                                              \
    " COALESCE((SELECT version FROM discuss_versions dv WHERE dv.offering_id = x.id), 0),"                       \
    " COALESCE((SELECT version FROM cohort_versions cv WHERE cv.offering_id = x.id), 0)"
#define CONTENT_VERSION "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version')"

/* See store_kept.h. */
int store_cohort_version(db *d, int64_t offering_id, uint64_t *version)
{
    uint64_t h = 14695981039346656037u;
    sqlite3_stmt *st = db_stmt(d, "SELECT x.id," COHORT_COLS ", " CONTENT_VERSION " FROM (SELECT ?1 AS id) x");
    sqlite3_bind_int64(st, 1, offering_id);
    if (db_row(st) != 1)
        return -1;
    for (int i = 0; i < 4; i++)
        h = mix(h, sqlite3_column_int64(st, i));
    db_done(st);
    *version = h;
    return 0;
}

/* See store_kept.h. */
int store_coach_version(db *d, int64_t user_id, int all, uint64_t *version)
{
    if (all) {
        sqlite3_stmt *st = db_stmt(d, "PRAGMA data_version");
        if (db_row(st) != 1)
            return -1;
        uint64_t other = (uint64_t)sqlite3_column_int64(st, 0);
        db_done(st);
        *version = mix(mix(14695981039346656037u, (int64_t)other),
                       (int64_t)sqlite3_total_changes64(db_handle(d)));
        return 0;
    }
    uint64_t h = 14695981039346656037u;
    sqlite3_stmt *st = db_stmt(d, "SELECT " CONTENT_VERSION);
    if (db_row(st) != 1)
        return -1;
    h = mix(h, sqlite3_column_int64(st, 0));
    db_done(st);
    st = db_stmt(d, "SELECT x.id," COHORT_COLS " FROM (SELECT offering_id AS id FROM offering_staff"
                    " WHERE user_id = ?1 AND role = 'coach') x ORDER BY x.id");
    sqlite3_bind_int64(st, 1, user_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        for (int i = 0; i < 3; i++)
            h = mix(h, sqlite3_column_int64(st, i));
    db_done(st);
    if (rc != SQLITE_DONE)
        return -1;
    *version = h;
    return 0;
}

/* See store_kept.h. */
int store_thread_post_count(db *d, int64_t thread_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT posts FROM threads WHERE id = ?1");
    sqlite3_bind_int64(st, 1, thread_id);
    if (db_row(st) != 1)
        return -1;
    int n = sqlite3_column_int(st, 0);
    db_done(st);
    return n;
}
