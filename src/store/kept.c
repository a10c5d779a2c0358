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
