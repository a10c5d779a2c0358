/*
** ws.c: the SQL of the course workspace's week (see store_ws.h).
*/
#include <string.h>

#include "store_ws.h"

/* Make room for one more element in an arena array of n elements. */
static void *grow(arena *a, void *old, int n, int *cap, size_t size)
{
    if (n < *cap)
        return old;
    int ncap = *cap ? *cap * 2 : 16;
    void *p = arena_alloc(a, (size_t)ncap * size);
    if (n)
        memcpy(p, old, (size_t)n * size);
    *cap = ncap;
    return p;
}

/* See store_ws.h. */
int store_ws_dates(db *d, arena *a, int64_t course_id, ws_dates_row *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, "SELECT captions FROM courses WHERE id = ?1");
    sqlite3_bind_int64(st, 1, course_id);
    int rc = db_row(st);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        out->captions = db_col(a, st, 0);
        db_done(st);
    }
    st = db_stmt(d, "SELECT id, opens, due FROM course_items WHERE course_id = ?1 AND published = 1"
                    " AND archived_at IS NULL ORDER BY id");
    sqlite3_bind_int64(st, 1, course_id);
    int cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        out->items = grow(a, out->items, out->n_items, &cap, sizeof *out->items);
        ws_item_dates *it = &out->items[out->n_items++];
        it->id = sqlite3_column_int64(st, 0);
        it->opens = db_col(a, st, 1);
        it->due = db_col(a, st, 2);
    }
    db_done(st);
    if (rc != SQLITE_DONE)
        return -1;
    st = db_stmt(d, "SELECT key, title, at FROM course_milestones WHERE course_id = ?1 ORDER BY position");
    sqlite3_bind_int64(st, 1, course_id);
    cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        out->milestones = grow(a, out->milestones, out->n_milestones, &cap, sizeof *out->milestones);
        ws_milestone_row *m = &out->milestones[out->n_milestones++];
        m->key = db_col(a, st, 0);
        m->title = db_col(a, st, 1);
        m->at = db_col(a, st, 2);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Read the one integer column of every row of st into an arena array. */
static int ids(arena *a, sqlite3_stmt *st, int64_t **list, int *n)
{
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *list = grow(a, *list, *n, &cap, sizeof **list);
        (*list)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* See store_ws.h. */
int store_ws_done(db *d, arena *a, int64_t offering_id, int64_t user_id, ws_done_row *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, "SELECT part FROM progress WHERE offering_id = ?1 AND user_id = ?2");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        out->parts = grow(a, out->parts, out->n_parts, &cap, sizeof *out->parts);
        out->parts[out->n_parts++] = db_col(a, st, 0);
    }
    db_done(st);
    if (rc != SQLITE_DONE)
        return -1;
    st = db_stmt(d, "SELECT DISTINCT item_id FROM submissions WHERE user_id = ?2 AND offering_id = ?1");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    if (ids(a, st, &out->submitted, &out->n_submitted) != 0)
        return -1;
    st = db_stmt(d, "SELECT DISTINCT t.prompt_id FROM posts p JOIN threads t ON t.id = p.thread_id"
                    " WHERE p.author_id = ?2 AND p.deleted_at IS NULL AND t.offering_id = ?1"
                    " AND t.prompt_id IS NOT NULL");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    return ids(a, st, &out->posted, &out->n_posted);
}

/* See store_ws.h. */
int store_ws_item_of(db *d, int64_t offering_id, int64_t item_id, const char *section)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                                  " WHERE o.id = ?1 AND i.id = ?2 AND i.section = ?3 AND i.published = 1"
                                  " AND i.archived_at IS NULL");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, item_id);
    db_bind_text(st, 3, section);
    int rc = db_row(st);
    if (rc == 1)
        db_done(st);
    return rc;
}

/* See store_ws.h. */
int store_progress_add(db *d, int64_t offering_id, int64_t user_id, const char *part, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO progress(offering_id, user_id, part, done_at) VALUES (?1, ?2, ?3, ?4)"
                                  " ON CONFLICT(offering_id, user_id, part) DO NOTHING");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    db_bind_text(st, 3, part);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    if (db_run(st) != 0)
        return -1;
    return db_changes(d) == 1;
}

/* See store_ws.h. */
int store_progress_remove(db *d, int64_t offering_id, int64_t user_id, const char *part)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM progress WHERE offering_id = ?1 AND user_id = ?2 AND part = ?3");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    db_bind_text(st, 3, part);
    if (db_run(st) != 0)
        return -1;
    return db_changes(d) == 1;
}

/* See store_ws.h. */
int store_ws_visit(db *d, int64_t offering_id, int64_t user_id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO workspace_visits(offering_id, user_id, first_at, last_at)"
                                  " VALUES (?1, ?2, ?3, ?3) ON CONFLICT(offering_id, user_id) DO UPDATE"
                                  " SET last_at = excluded.last_at WHERE workspace_visits.last_at <= excluded.last_at - 60");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return db_run(st) == 0 ? 0 : -1;
}

/* See store_ws.h. */
int store_ws_visits(db *d, int64_t offering_id, int64_t user_id, time_t *first, time_t *last)
{
    *first = *last = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT first_at, last_at FROM workspace_visits WHERE offering_id = ?1 AND user_id = ?2");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    int rc = db_row(st);
    if (rc == 1) {
        *first = (time_t)sqlite3_column_int64(st, 0);
        *last = (time_t)sqlite3_column_int64(st, 1);
        db_done(st);
    }
    return rc;
}

/* See store_ws.h. */
int store_ws_coached(db *d, arena *a, int64_t user_id, ws_coached_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT o.code, c.title, o.starts, o.ends FROM offering_staff s"
                                  " JOIN offerings o ON o.id = s.offering_id JOIN courses c ON c.id = o.course_id"
                                  " WHERE s.user_id = ?1 GROUP BY o.id ORDER BY o.starts DESC, o.id DESC LIMIT 100");
    sqlite3_bind_int64(st, 1, user_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *list = grow(a, *list, *n, &cap, sizeof **list);
        ws_coached_row *r = &(*list)[(*n)++];
        r->code = db_col(a, st, 0);
        r->course_title = db_col(a, st, 1);
        r->starts = db_col(a, st, 2);
        r->ends = db_col(a, st, 3);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
