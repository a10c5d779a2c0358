/*
** moderate.c: the SQL of moderation in the discussion spaces (see
** store_moderate.h).
*/
#include "store_moderate.h"

#include "log.h"

/* Run a conditional change: 1 if a row changed, 0 if none was in the
** state it requires, -1 on an error (logged). */
static int change(db *d, sqlite3_stmt *st)
{
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d) > 0 ? 1 : 0;
}

/* Run an insert: the new row's id, or -1 (logged). */
static int64_t inserted(db *d, sqlite3_stmt *st)
{
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_last_id(d);
}

int store_thread_flag(db *d, int64_t thread_id, enum mod_flag flag, int on)
{
    sqlite3_stmt *st = db_stmt(d, flag == MOD_PINNED
        ? "UPDATE threads SET pinned = ?2, version = version + 1 WHERE id = ?1 AND pinned <> ?2"
        : "UPDATE threads SET locked = ?2, version = version + 1 WHERE id = ?1 AND locked <> ?2");
    sqlite3_bind_int64(st, 1, thread_id);
    sqlite3_bind_int(st, 2, on != 0);
    return change(d, st);
}

int store_thread_move(db *d, int64_t thread_id, int64_t offering_id, int64_t from_prompt, int64_t to_prompt)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE threads SET prompt_id = ?4, version = version + 1"
                                  " WHERE id = ?1 AND offering_id = ?2 AND prompt_id IS ?3");
    sqlite3_bind_int64(st, 1, thread_id);
    sqlite3_bind_int64(st, 2, offering_id);
    db_bind_id(st, 3, from_prompt);
    db_bind_id(st, 4, to_prompt);
    return change(d, st);
}

int store_post_exemplary(db *d, int64_t post_id, int on)
{
    sqlite3_stmt *st = db_stmt(d, on
        ? "UPDATE posts SET exemplary = 1 WHERE id = ?1 AND exemplary = 0 AND deleted_at IS NULL"
          " AND hidden_at IS NULL"
        : "UPDATE posts SET exemplary = 0 WHERE id = ?1 AND exemplary = 1");
    sqlite3_bind_int64(st, 1, post_id);
    return change(d, st);
}

int store_post_hide(db *d, int64_t post_id, int64_t by, const char *reason, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE posts SET hidden_at = ?2, hidden_by = ?3, hidden_reason = ?4,"
                                  " exemplary = 0, revision = revision + 1"
                                  " WHERE id = ?1 AND hidden_at IS NULL AND deleted_at IS NULL");
    sqlite3_bind_int64(st, 1, post_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 3, by);
    db_bind_text(st, 4, reason);
    return change(d, st);
}

int store_post_unhide(db *d, int64_t post_id)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE posts SET hidden_at = NULL, hidden_by = NULL, hidden_reason = NULL,"
                                  " revision = revision + 1 WHERE id = ?1 AND hidden_at IS NOT NULL");
    sqlite3_bind_int64(st, 1, post_id);
    return change(d, st);
}

int64_t store_wrapup_insert(db *d, int64_t offering_id, int64_t author_id, const char *title, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO threads(offering_id, prompt_id, author_id, title, created_at,"
                                  " last_post_at, pinned, kind) VALUES (?1, NULL, ?2, ?3, ?4, ?4, 1, 'wrapup')");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, author_id);
    db_bind_text(st, 3, title);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    return inserted(d, st);
}

int store_wrapups_unpin(db *d, int64_t offering_id, int64_t keep_id)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE threads SET pinned = 0, version = version + 1"
                                  " WHERE offering_id = ?1 AND kind = 'wrapup' AND pinned = 1 AND id <> ?2");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, keep_id);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d);
}

int64_t store_notify_moderation(db *d, int64_t user_id, int64_t offering_id, int64_t actor, const char *title,
                                const char *link, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO notifications(user_id, offering_id, kind, actor_id, title, link,"
                                  " created_at) VALUES (?1, ?2, 'moderation', ?3, ?4, ?5, ?6)");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, offering_id);
    sqlite3_bind_int64(st, 3, actor);
    db_bind_text(st, 4, title);
    db_bind_text(st, 5, link);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    return inserted(d, st);
}

int64_t store_modlog_insert(db *d, int64_t offering_id, int64_t actor, const char *action, int64_t thread_id,
                            int64_t post_id, const char *reason, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO moderation_log(offering_id, actor_id, action, thread_id, post_id,"
                                  " reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, actor);
    db_bind_text(st, 3, action);
    db_bind_id(st, 4, thread_id);
    db_bind_id(st, 5, post_id);
    if (reason)
        db_bind_text(st, 6, reason);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
    return inserted(d, st);
}

int store_modlog(db *d, arena *a, int64_t offering_id, int limit, int offset, modlog_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT m.id, m.actor_id, COALESCE(m.thread_id, 0), COALESCE(m.post_id, 0), u.name, m.action, m.reason,"
        " t.title, i.key, i.title, pu.name, m.created_at"
        " FROM moderation_log m JOIN users u ON u.id = m.actor_id"
        " LEFT JOIN threads t ON t.id = m.thread_id"
        " LEFT JOIN course_items i ON i.id = t.prompt_id"
        " LEFT JOIN posts p ON p.id = m.post_id LEFT JOIN users pu ON pu.id = p.author_id"
        " WHERE m.offering_id = ?1 ORDER BY m.id DESC LIMIT ?2 OFFSET ?3");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int(st, 2, limit);
    sqlite3_bind_int(st, 3, offset);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        modlog_row *r = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        r->id = sqlite3_column_int64(st, 0);
        r->actor_id = sqlite3_column_int64(st, 1);
        r->thread_id = sqlite3_column_int64(st, 2);
        r->post_id = sqlite3_column_int64(st, 3);
        r->actor_name = db_col(a, st, 4);
        r->action = db_col(a, st, 5);
        r->reason = db_col(a, st, 6);
        r->thread_title = db_col(a, st, 7);
        r->space_key = db_col(a, st, 8);
        r->space_title = db_col(a, st, 9);
        r->post_author = db_col(a, st, 10);
        r->created_at = (time_t)sqlite3_column_int64(st, 11);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_modlog_count(db *d, int64_t offering_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM moderation_log WHERE offering_id = ?1");
    sqlite3_bind_int64(st, 1, offering_id);
    int found = db_row(st);
    if (found != 1)
        return found == 0 ? 0 : -1;
    int n = sqlite3_column_int(st, 0);
    db_done(st);
    return n;
}

int store_modlog_offering(db *d, const char *code, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id FROM offerings WHERE code = ?1");
    db_bind_text(st, 1, code);
    int found = db_row(st);
    if (found == 1) {
        *id = sqlite3_column_int64(st, 0);
        db_done(st);
    }
    return found;
}
