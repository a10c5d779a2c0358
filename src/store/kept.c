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

/* Step st (its parameters bound) to its end and mix every column of every
** row, in order, into one hash in *out. 0, or -1 when a step fails or no
** row came. */
static int hash_rows(sqlite3_stmt *st, uint64_t *out)
{
    uint64_t h = 14695981039346656037u;
    int rc, rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows++;
        for (int i = 0, n = sqlite3_column_count(st); i < n; i++)
            h = mix(h, sqlite3_column_int64(st, i));
    }
    db_done(st);
    if (rc != SQLITE_DONE || rows == 0)
        return -1;
    *out = h;
    return 0;
}

#define CONTENT_VERSION "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version')"

/* See store_kept.h. */
int store_unread_version(db *d, int64_t offering_id, int64_t user_id, int64_t *version)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT COALESCE((SELECT version FROM discuss_versions WHERE offering_id = ?1), 0),"
        " COALESCE((SELECT version FROM read_versions WHERE user_id = ?2), 0),"
        " COALESCE((SELECT post_first FROM offerings WHERE id = ?1), 0)");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    uint64_t h;
    if (hash_rows(st, &h) != 0)
        return -1;
    *version = (int64_t)(h >> 1);
    return 0;
}

/* See store_kept.h. */
int store_ws_version(db *d, int64_t offering_id, int64_t user_id, int64_t *version)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT COALESCE((SELECT version FROM ws_versions WHERE offering_id = ?1 AND user_id = ?2), 0),"
        " " CONTENT_VERSION);
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    uint64_t h;
    if (hash_rows(st, &h) != 0)
        return -1;
    *version = (int64_t)(h >> 1);
    return 0;
}

/* The counters of the offerings x.id as the coach pages see them: the
** offering, its discuss_versions and cohort_versions, and the content
** version (the same on every row). */
#define COHORT_COLS                                                                                              \
    "SELECT x.id, COALESCE((SELECT version FROM discuss_versions dv WHERE dv.offering_id = x.id), 0),"           \
    " COALESCE((SELECT version FROM cohort_versions cv WHERE cv.offering_id = x.id), 0), " CONTENT_VERSION

/* See store_kept.h. */
int store_cohort_version(db *d, int64_t offering_id, uint64_t *version)
{
    sqlite3_stmt *st = db_stmt(d, COHORT_COLS " FROM (SELECT ?1 AS id) x");
    sqlite3_bind_int64(st, 1, offering_id);
    return hash_rows(st, version);
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
    /* the row of offering 0 (none) carries the content version when the
    ** person coaches nothing */
    sqlite3_stmt *st = db_stmt(d, COHORT_COLS " FROM (SELECT 0 AS id UNION ALL SELECT offering_id FROM offering_staff"
                                  " WHERE user_id = ?1 AND role = 'coach') x ORDER BY x.id");
    sqlite3_bind_int64(st, 1, user_id);
    return hash_rows(st, version);
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
