/*
** work.c: SQL for activity submissions (see store_work.h).
*/
#include "store_work.h"

#include <string.h>

#include "buf.h"
#include "log.h"

/* A growing array of rows in the arena. */
static void *grow(arena *a, void *old, int n, int *cap, size_t size)
{
    if (n < *cap)
        return old;
    int ncap = *cap ? *cap * 2 : 8;
    void *p = arena_alloc(a, (size_t)ncap * size);
    if (old && n)
        memcpy(p, old, (size_t)n * size);
    *cap = ncap;
    return p;
}

/* The ids as a JSON array text, for json_each (in a). */
static const char *id_list(arena *a, const int64_t *ids, int n)
{
    buf b = BUF_INIT;
    buf_append(&b, "[", 1);
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
    buf_append(&b, "]", 1);
    const char *s = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

#define ACTIVITY_SQL \
    "SELECT i.id, i.key, i.title, COALESCE(i.submit, ''), i.due, i.body_html, i.minutes," \
    " (SELECT COALESCE(max(s.version), 0) FROM submissions s WHERE s.offering_id = o.id AND s.item_id = i.id" \
    "   AND s.user_id = ?2)," \
    " (SELECT count(*) FROM submissions s WHERE s.offering_id = o.id AND s.item_id = i.id AND s.user_id = ?2" \
    "   AND s.shared_at IS NOT NULL)" \
    " FROM offerings o JOIN course_items i ON i.course_id = o.course_id" \
    " WHERE o.id = ?1 AND i.section = 'activity' AND i.published = 1 AND i.archived_at IS NULL"

/* Fill r from an ACTIVITY_SQL row. */
static void activity_fill(arena *a, sqlite3_stmt *st, activity_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->key = db_col(a, st, 1);
    r->title = db_col(a, st, 2);
    r->submit = db_col(a, st, 3);
    r->due = db_col(a, st, 4);
    r->body_html = db_col(a, st, 5);
    r->minutes = sqlite3_column_int(st, 6);
    r->versions = sqlite3_column_int(st, 7);
    r->shared = sqlite3_column_int(st, 8);
}

/* Finish a list read: 0 when the statement ran to its end, else -1. */
static int list_end(db *d, sqlite3_stmt *st, int rc, const char *what)
{
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("work: %s: %s", what, db_errmsg(d));
        return -1;
    }
    return 0;
}

int store_activities(db *d, arena *a, int64_t offering_id, int64_t user_id, activity_row **out, int *n)
{
    sqlite3_stmt *st = db_stmt(d, ACTIVITY_SQL " ORDER BY i.position");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    activity_row *rows = NULL;
    int cap = 0, k = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows = grow(a, rows, k, &cap, sizeof *rows);
        activity_fill(a, st, &rows[k++]);
    }
    *out = rows;
    *n = k;
    return list_end(d, st, rc, "activities");
}

int store_activity(db *d, arena *a, int64_t offering_id, const char *key, int64_t user_id, activity_row *out)
{
    sqlite3_stmt *st = db_stmt(d, ACTIVITY_SQL " AND i.key = ?3");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    db_bind_text(st, 3, key);
    int rc = db_row(st);
    if (rc == 1) {
        activity_fill(a, st, out);
        db_done(st);
    }
    return rc;
}

#define SUBMISSION_SQL \
    "SELECT s.id, s.offering_id, s.item_id, s.user_id, s.version, s.body_md, s.body_html, s.links, s.created_at," \
    " COALESCE(s.shared_at, 0), u.name, i.key" \
    " FROM submissions s JOIN users u ON u.id = s.user_id JOIN course_items i ON i.id = s.item_id"

/* Fill r from a SUBMISSION_SQL row. */
static void submission_fill(arena *a, sqlite3_stmt *st, submission_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->offering_id = sqlite3_column_int64(st, 1);
    r->item_id = sqlite3_column_int64(st, 2);
    r->user_id = sqlite3_column_int64(st, 3);
    r->version = sqlite3_column_int(st, 4);
    r->body_md = db_col(a, st, 5);
    r->body_html = db_col(a, st, 6);
    r->links = db_col(a, st, 7);
    r->created_at = (time_t)sqlite3_column_int64(st, 8);
    r->shared_at = (time_t)sqlite3_column_int64(st, 9);
    r->author_name = db_col(a, st, 10);
    r->item_key = db_col(a, st, 11);
}

/* Read every row of st as a submission. 0 or -1. */
static int submission_list(db *d, arena *a, sqlite3_stmt *st, submission_row **out, int *n, const char *what)
{
    submission_row *rows = NULL;
    int cap = 0, k = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows = grow(a, rows, k, &cap, sizeof *rows);
        submission_fill(a, st, &rows[k++]);
    }
    *out = rows;
    *n = k;
    return list_end(d, st, rc, what);
}

int store_submissions_of(db *d, arena *a, int64_t offering_id, int64_t item_id, int64_t user_id,
                         submission_row **out, int *n)
{
    sqlite3_stmt *st = db_stmt(d, SUBMISSION_SQL " WHERE s.user_id = ?3 AND s.offering_id = ?1 AND s.item_id = ?2"
                                  " ORDER BY s.version DESC");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, item_id);
    sqlite3_bind_int64(st, 3, user_id);
    return submission_list(d, a, st, out, n, "versions");
}

int store_gallery(db *d, arena *a, int64_t offering_id, int64_t item_id, int limit, submission_row **out, int *n)
{
    sqlite3_stmt *st = db_stmt(d, SUBMISSION_SQL " WHERE s.offering_id = ?1 AND s.item_id = ?2"
                                  " AND s.shared_at IS NOT NULL ORDER BY s.shared_at DESC, s.id DESC LIMIT ?3");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, item_id);
    sqlite3_bind_int(st, 3, limit);
    return submission_list(d, a, st, out, n, "gallery");
}

/* ---- the gallery a page at a time, and its version ---- */

int store_gallery_page(db *d, arena *a, int64_t offering_id, int64_t item_id, int limit, int offset,
                       submission_row **out, int *n)
{
    sqlite3_stmt *st = db_stmt(d, SUBMISSION_SQL " WHERE s.offering_id = ?1 AND s.item_id = ?2"
                                  " AND s.shared_at IS NOT NULL ORDER BY s.shared_at DESC, s.id DESC LIMIT ?3 OFFSET ?4");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, item_id);
    sqlite3_bind_int(st, 3, limit);
    sqlite3_bind_int(st, 4, offset);
    return submission_list(d, a, st, out, n, "gallery page");
}

int store_gallery_count(db *d, int64_t offering_id, int64_t item_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM submissions WHERE offering_id = ?1 AND item_id = ?2"
                                  " AND shared_at IS NOT NULL");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, item_id);
    int rc = db_row(st);
    if (rc != 1)
        return rc == 0 ? 0 : -1;
    int n = sqlite3_column_int(st, 0);
    db_done(st);
    return n;
}

int store_gallery_version(db *d, int64_t offering_id, int64_t item_id, int64_t *version)
{
    *version = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT version FROM gallery_versions WHERE offering_id = ?1 AND item_id = ?2");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, item_id);
    int rc = db_row(st);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        *version = sqlite3_column_int64(st, 0);
        db_done(st);
    }
    return 0;
}

int store_submission_get(db *d, arena *a, int64_t id, submission_row *out)
{
    sqlite3_stmt *st = db_stmt(d, SUBMISSION_SQL " WHERE s.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = db_row(st);
    if (rc == 1) {
        submission_fill(a, st, out);
        db_done(st);
    }
    return rc;
}

#define FILE_SQL "SELECT f.id, f.submission_id, f.position, f.name, f.type, f.sha256, f.size FROM submission_files f"

/* Fill r from a FILE_SQL row. */
static void file_fill(arena *a, sqlite3_stmt *st, submission_file_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->submission_id = sqlite3_column_int64(st, 1);
    r->position = sqlite3_column_int(st, 2);
    r->name = db_col(a, st, 3);
    r->type = db_col(a, st, 4);
    r->sha256 = db_col(a, st, 5);
    r->size = sqlite3_column_int64(st, 6);
}

int store_submission_files(db *d, arena *a, const int64_t *ids, int n_ids, submission_file_row **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (n_ids == 0)
        return 0;
    sqlite3_stmt *st = db_stmt(d, FILE_SQL " WHERE f.submission_id IN (SELECT value FROM json_each(?1))"
                                  " ORDER BY f.submission_id, f.position");
    db_bind_text(st, 1, id_list(a, ids, n_ids));
    submission_file_row *rows = NULL;
    int cap = 0, k = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows = grow(a, rows, k, &cap, sizeof *rows);
        file_fill(a, st, &rows[k++]);
    }
    *out = rows;
    *n = k;
    return list_end(d, st, rc, "files");
}

int store_file_get(db *d, arena *a, int64_t id, submission_file_row *f, submission_row *s)
{
    sqlite3_stmt *st = db_stmt(d, FILE_SQL " WHERE f.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    file_fill(a, st, f);
    db_done(st);
    return store_submission_get(d, a, f->submission_id, s);
}

#define COMMENT_SQL \
    "SELECT c.id, c.submission_id, c.author_id, u.name, c.body_html, c.created_at, COALESCE(c.deleted_at, 0)" \
    " FROM submission_comments c JOIN users u ON u.id = c.author_id"

/* Fill r from a COMMENT_SQL row. */
static void comment_fill(arena *a, sqlite3_stmt *st, comment_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->submission_id = sqlite3_column_int64(st, 1);
    r->author_id = sqlite3_column_int64(st, 2);
    r->author_name = db_col(a, st, 3);
    r->body_html = db_col(a, st, 4);
    r->created_at = (time_t)sqlite3_column_int64(st, 5);
    r->deleted_at = (time_t)sqlite3_column_int64(st, 6);
}

int store_comments_of(db *d, arena *a, const int64_t *ids, int n_ids, comment_row **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (n_ids == 0)
        return 0;
    sqlite3_stmt *st = db_stmt(d, COMMENT_SQL " WHERE c.submission_id IN (SELECT value FROM json_each(?1))"
                                  " ORDER BY c.submission_id, c.id");
    db_bind_text(st, 1, id_list(a, ids, n_ids));
    comment_row *rows = NULL;
    int cap = 0, k = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows = grow(a, rows, k, &cap, sizeof *rows);
        comment_fill(a, st, &rows[k++]);
    }
    *out = rows;
    *n = k;
    return list_end(d, st, rc, "comments");
}

int store_comment_get(db *d, arena *a, int64_t id, comment_row *out, int64_t *offering_id)
{
    sqlite3_stmt *st = db_stmt(d, COMMENT_SQL " WHERE c.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    comment_fill(a, st, out);
    db_done(st);
    sqlite3_stmt *o = db_stmt(d, "SELECT offering_id FROM submissions WHERE id = ?1");
    sqlite3_bind_int64(o, 1, out->submission_id);
    rc = db_row(o);
    if (rc == 1) {
        *offering_id = sqlite3_column_int64(o, 0);
        db_done(o);
    }
    return rc;
}

int store_submission_next_version(db *d, int64_t offering_id, int64_t item_id, int64_t user_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT COALESCE(max(version), 0) + 1 FROM submissions"
                                  " WHERE offering_id = ?1 AND item_id = ?2 AND user_id = ?3");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, item_id);
    sqlite3_bind_int64(st, 3, user_id);
    int rc = db_row(st);
    if (rc != 1)
        return -1;
    int v = sqlite3_column_int(st, 0);
    db_done(st);
    return v;
}

int64_t store_submission_insert(db *d, int64_t offering_id, int64_t item_id, int64_t user_id, int version,
                                const char *body_md, const char *body_html, const char *links_json, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO submissions(offering_id, item_id, user_id, version, body_md, body_html,"
                                  " links, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, item_id);
    sqlite3_bind_int64(st, 3, user_id);
    sqlite3_bind_int(st, 4, version);
    sqlite3_bind_text(st, 5, body_md, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, body_html, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, links_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)now);
    int rc = db_run(st);
    return rc == 0 ? db_last_id(d) : rc;
}

int store_blob_add(db *d, const char *sha256, int64_t size, const char *type, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO blobs(sha256, size, type, created_at) VALUES (?1, ?2, ?3, ?4)"
                                  " ON CONFLICT (sha256) DO NOTHING");
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, size);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    return db_run(st) == 0 ? 0 : -1;
}

int store_blob_exists(db *d, const char *sha256)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM blobs WHERE sha256 = ?1");
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    int rc = db_row(st);
    if (rc == 1)
        db_done(st);
    return rc;
}

int64_t store_submission_file_add(db *d, int64_t submission_id, int position, const char *name, const char *type,
                                  int64_t size, const char *sha256)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO submission_files(submission_id, position, name, type, size, sha256)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    sqlite3_bind_int64(st, 1, submission_id);
    sqlite3_bind_int(st, 2, position);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, size);
    sqlite3_bind_text(st, 6, sha256, -1, SQLITE_STATIC);
    return db_run(st) == 0 ? db_last_id(d) : -1;
}

int store_submission_share(db *d, int64_t id, int64_t user_id, int share, time_t now)
{
    sqlite3_stmt *st = share ? db_stmt(d, "UPDATE submissions SET shared_at = ?3 WHERE id = ?1 AND user_id = ?2"
                                          " AND shared_at IS NULL")
                             : db_stmt(d, "UPDATE submissions SET shared_at = NULL WHERE id = ?1 AND user_id = ?2"
                                          " AND shared_at IS NOT NULL");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, user_id);
    if (share)
        sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return db_run(st) == 0 ? db_changes(d) : -1;
}

int64_t store_comment_add(db *d, int64_t submission_id, int64_t author_id, const char *body_md, const char *body_html,
                          time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO submission_comments(submission_id, author_id, body_md, body_html,"
                                  " created_at) SELECT ?1, ?2, ?3, ?4, ?5 FROM submissions"
                                  " WHERE id = ?1 AND shared_at IS NOT NULL");
    sqlite3_bind_int64(st, 1, submission_id);
    sqlite3_bind_int64(st, 2, author_id);
    sqlite3_bind_text(st, 3, body_md, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, body_html, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    if (db_run(st) != 0)
        return -1;
    return db_changes(d) == 1 ? db_last_id(d) : 0;
}

int store_comment_delete(db *d, int64_t id, int64_t author_id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE submission_comments SET deleted_at = ?3, body_md = '', body_html = ''"
                                  " WHERE id = ?1 AND author_id = ?2 AND deleted_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, author_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return db_run(st) == 0 ? db_changes(d) : -1;
}

int64_t store_notification_add(db *d, int64_t user_id, int64_t offering_id, const char *kind, int64_t actor_id,
                               const char *title, const char *link, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO notifications(user_id, offering_id, kind, actor_id, title, link,"
                                  " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    sqlite3_bind_int64(st, 1, user_id);
    db_bind_id(st, 2, offering_id);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    db_bind_id(st, 4, actor_id);
    sqlite3_bind_text(st, 5, title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, link, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
    return db_run(st) == 0 ? db_last_id(d) : -1;
}
