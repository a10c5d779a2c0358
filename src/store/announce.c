/*
** announce.c: the SQL of announcements (see store_announce.h).
*/
#include "store_announce.h"

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

#define ANNOUNCE_SQL                                                                                  \
    "SELECT a.id, a.offering_id, a.author_id, o.code, a.title, u.name, a.body_md, a.body_html,"      \
    " a.created_at, a.publish_at, coalesce(a.sent_at, 0)"                                             \
    " FROM announcements a JOIN offerings o ON o.id = a.offering_id JOIN users u ON u.id = a.author_id"

/* Fill r from an ANNOUNCE_SQL row. */
static void fill(arena *a, sqlite3_stmt *st, announce_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->offering_id = sqlite3_column_int64(st, 1);
    r->author_id = sqlite3_column_int64(st, 2);
    r->code = db_col(a, st, 3);
    r->title = db_col(a, st, 4);
    r->author_name = db_col(a, st, 5);
    r->body_md = db_col(a, st, 6);
    r->body_html = db_col(a, st, 7);
    r->created_at = (time_t)sqlite3_column_int64(st, 8);
    r->publish_at = (time_t)sqlite3_column_int64(st, 9);
    r->sent_at = (time_t)sqlite3_column_int64(st, 10);
}

/* Step st to its end, gathering rows into *list, *n (in a): 0 or -1. */
static int gather(arena *a, sqlite3_stmt *st, announce_row **list, int *n)
{
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fill(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int64_t store_announce_insert(db *d, int64_t offering_id, int64_t author_id, const char *title, const char *md,
                              const char *html, time_t now, time_t publish_at)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO announcements(offering_id, author_id, title, body_md, body_html,"
                                  " created_at, publish_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, author_id);
    sqlite3_bind_text(st, 3, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, md, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, html, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)publish_at);
    int rc = db_run(st);
    if (rc != 0) {
        log_error("store: %s", db_errmsg(d));
        return rc == DB_DUPLICATE ? DB_DUPLICATE : -1;
    }
    return db_last_id(d);
}

int store_announce_publish(db *d, int64_t id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE announcements SET sent_at = ?2"
                                  " WHERE id = ?1 AND sent_at IS NULL AND publish_at <= ?2");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    return change(d, st);
}

int store_announce_notify(db *d, int64_t offering_id, int64_t actor, const char *title, const char *link,
                          time_t now)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO notifications(user_id, offering_id, kind, actor_id, title, link, created_at)"
        " SELECT e.user_id, ?1, 'announcement', ?2, ?3, ?4, ?5"
        " FROM enrolments e JOIN users u ON u.id = e.user_id"
        " WHERE e.offering_id = ?1 AND e.status = 'active' AND e.payment_status IN ('paid', 'invoiced', 'waived')"
        " AND u.deleted_at IS NULL AND e.user_id <> ?2"
        " GROUP BY e.user_id ORDER BY e.user_id");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, actor);
    sqlite3_bind_text(st, 3, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, link, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d);
}

int store_announce_cancel(db *d, int64_t id)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM announcements WHERE id = ?1 AND sent_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    return change(d, st);
}

int store_announce_get(db *d, arena *a, int64_t id, announce_row *out)
{
    sqlite3_stmt *st = db_stmt(d, ANNOUNCE_SQL " WHERE a.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int found = db_row(st);
    if (found == 1) {
        fill(a, st, out);
        db_done(st);
    }
    return found;
}

int store_announce_list(db *d, arena *a, int64_t offering_id, int scheduled, int limit, int offset,
                        announce_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, ANNOUNCE_SQL " WHERE a.offering_id = ?1 AND (a.sent_at IS NOT NULL OR ?2)"
                                  " ORDER BY a.sent_at IS NOT NULL, CASE WHEN a.sent_at IS NULL THEN a.publish_at END,"
                                  " a.sent_at DESC, a.id DESC LIMIT ?3 OFFSET ?4");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int(st, 2, scheduled != 0);
    sqlite3_bind_int(st, 3, limit);
    sqlite3_bind_int(st, 4, offset);
    return gather(a, st, list, n);
}

int store_announce_count(db *d, int64_t offering_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM announcements WHERE offering_id = ?1 AND sent_at IS NOT NULL");
    sqlite3_bind_int64(st, 1, offering_id);
    int found = db_row(st);
    if (found != 1)
        return found == 0 ? 0 : -1;
    int c = sqlite3_column_int(st, 0);
    db_done(st);
    return c;
}

int store_announce_due(db *d, arena *a, time_t now, int limit, announce_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, ANNOUNCE_SQL " WHERE a.sent_at IS NULL AND a.publish_at <= ?1"
                                  " ORDER BY a.publish_at, a.id LIMIT ?2");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
    sqlite3_bind_int(st, 2, limit);
    return gather(a, st, list, n);
}
