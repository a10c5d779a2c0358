/*
** notices.c: SQL for notifications, e-mail choices and workspace e-mails
** (see store_notices.h).
*/
#include "store_notices.h"

#include <string.h>

#include "log.h"

/* The columns notice_read_row reads, joined as n (notifications), o
** (offerings), c (courses) and a (the actor). */
#define NOTICE_COLS                                                                                         \
    "n.id, n.user_id, coalesce(n.offering_id, 0), n.kind, n.title, n.link, o.code, c.title, a.name,"       \
    " n.mail_state, n.created_at, coalesce(n.read_at, 0)"
#define NOTICE_FROM                                                                                         \
    " FROM notifications n LEFT JOIN offerings o ON o.id = n.offering_id"                                 \
    " LEFT JOIN courses c ON c.id = o.course_id LEFT JOIN users a ON a.id = n.actor_id"

/* One row of NOTICE_COLS into *r, strings in a. */
static void notice_read_row(arena *a, sqlite3_stmt *st, notice_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->user_id = sqlite3_column_int64(st, 1);
    r->offering_id = sqlite3_column_int64(st, 2);
    r->kind = db_col(a, st, 3);
    r->title = db_col(a, st, 4);
    r->link = db_col(a, st, 5);
    r->offering_code = db_col(a, st, 6);
    r->course_title = db_col(a, st, 7);
    r->actor_name = db_col(a, st, 8);
    r->mail_state = db_col(a, st, 9);
    r->created_at = (time_t)sqlite3_column_int64(st, 10);
    r->read_at = (time_t)sqlite3_column_int64(st, 11);
}

/* Step st for up to max notice rows into a new array in a. 0 or -1. */
static int notice_rows(arena *a, sqlite3_stmt *st, int max, notice_row **rows, int *n)
{
    *rows = arena_zalloc(a, sizeof **rows * (size_t)(max > 0 ? max : 1));
    *n = 0;
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        notice_read_row(a, st, &(*rows)[(*n)++]);
    if (*n < max && rc != SQLITE_DONE) {
        log_error("notices: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        db_done(st);
        return -1;
    }
    db_done(st);
    return 0;
}

/* Step a conditional write: the rows changed (0 or more), or -1. */
static int changed(db *d, sqlite3_stmt *st)
{
    return db_run(st) == 0 ? db_changes(d) : -1;
}

int64_t store_notice_unread(db *d, int64_t user_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM notifications WHERE user_id = ?1 AND read_at IS NULL");
    sqlite3_bind_int64(st, 1, user_id);
    int rc = db_row(st);
    if (rc != 1)
        return -1;
    int64_t n = sqlite3_column_int64(st, 0);
    db_done(st);
    return n;
}

int store_notice_list(db *d, arena *a, int64_t user_id, int64_t before_id, int limit, notice_row **rows, int *n)
{
    if (limit < 1 || limit > 200)
        limit = 200;
    sqlite3_stmt *st = db_stmt(d, "SELECT " NOTICE_COLS NOTICE_FROM
                                  " WHERE n.user_id = ?1 AND n.id < ?2 ORDER BY n.id DESC LIMIT ?3");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX);
    sqlite3_bind_int(st, 3, limit);
    return notice_rows(a, st, limit, rows, n);
}

int store_notice_get(db *d, arena *a, int64_t id, notice_row *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " NOTICE_COLS NOTICE_FROM " WHERE n.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = db_row(st);
    if (rc == 1) {
        notice_read_row(a, st, out);
        db_done(st);
    }
    return rc;
}

int store_notice_read(db *d, int64_t user_id, int64_t id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE notifications SET read_at = ?3 WHERE id = ?2 AND user_id = ?1"
                                  " AND read_at IS NULL");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return changed(d, st);
}

int store_notice_read_all(db *d, int64_t user_id, int64_t upto_id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE notifications SET read_at = ?3 WHERE user_id = ?1 AND id <= ?2"
                                  " AND read_at IS NULL");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, upto_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return changed(d, st);
}

int store_notice_people(db *d, arena *a, time_t now, int limit, notice_person **out, int *n)
{
    sqlite3_stmt *st = db_stmt(
        d, "SELECT u.id, u.email, u.name, u.time_zone, u.notify_mail, coalesce(u.digest_sent_at, 0),"
           " u.deleted_at IS NOT NULL FROM users u"
           " WHERE u.id IN (SELECT DISTINCT user_id FROM notifications WHERE mail_state = 'pending')"
           " AND (u.notify_mail = 'instant' OR u.deleted_at IS NOT NULL OR coalesce(u.digest_sent_at, 0) <= ?1"
           "  OR (u.notify_mail = 'off' AND EXISTS (SELECT 1 FROM notifications x WHERE x.user_id = u.id"
           "   AND x.mail_state = 'pending' AND x.kind <> 'announcement')))"
           " ORDER BY u.id LIMIT ?2");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now - 86400);
    sqlite3_bind_int(st, 2, limit);
    *out = arena_zalloc(a, sizeof **out * (size_t)(limit > 0 ? limit : 1));
    *n = 0;
    int rc = SQLITE_DONE;
    while (*n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        notice_person *p = &(*out)[(*n)++];
        p->id = sqlite3_column_int64(st, 0);
        p->email = db_col(a, st, 1);
        p->name = db_col(a, st, 2);
        p->time_zone = db_col(a, st, 3);
        p->notify_mail = db_col(a, st, 4);
        p->digest_sent_at = (time_t)sqlite3_column_int64(st, 5);
        p->deleted = sqlite3_column_int(st, 6);
    }
    if (*n < limit && rc != SQLITE_DONE) {
        log_error("notices: people: %s", db_errmsg(d));
        db_done(st);
        return -1;
    }
    db_done(st);
    return 0;
}

int store_notice_pending(db *d, arena *a, int64_t user_id, int limit, notice_row **rows, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " NOTICE_COLS NOTICE_FROM
                                  " WHERE n.user_id = ?1 AND n.mail_state = 'pending' ORDER BY n.id LIMIT ?2");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int(st, 2, limit);
    return notice_rows(a, st, limit, rows, n);
}

int store_notice_settle(db *d, int64_t id, const char *state)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE notifications SET mail_state = ?2 WHERE id = ?1 AND mail_state = 'pending'");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    return changed(d, st);
}

int store_digest_claim(db *d, int64_t user_id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE users SET digest_sent_at = ?2 WHERE id = ?1"
                                  " AND coalesce(digest_sent_at, 0) <= ?2 - 86400");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    return changed(d, st);
}

int store_notice_prefs(db *d, int64_t user_id, notice_prefs *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT notify_mail, morning_mail FROM users WHERE id = ?1 AND deleted_at IS NULL");
    sqlite3_bind_int64(st, 1, user_id);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    const char *m = (const char *)sqlite3_column_text(st, 0);
    out->notify_mail = m && !strcmp(m, "digest") ? "digest" : m && !strcmp(m, "off") ? "off" : "instant";
    out->morning_mail = sqlite3_column_int(st, 1) != 0;
    db_done(st);
    return 1;
}

int store_notice_set_prefs(db *d, int64_t user_id, const char *notify_mail, int morning)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE users SET notify_mail = ?2, morning_mail = ?3 WHERE id = ?1"
                                  " AND deleted_at IS NULL AND (notify_mail <> ?2 OR morning_mail <> ?3)");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, notify_mail, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, morning ? 1 : 0);
    return changed(d, st);
}

int store_notice_stream_off(db *d, int64_t user_id, const char *stream)
{
    sqlite3_stmt *st = !strcmp(stream, "morning")
                           ? db_stmt(d, "UPDATE users SET morning_mail = 0 WHERE id = ?1 AND deleted_at IS NULL"
                                        " AND morning_mail <> 0")
                           : db_stmt(d, "UPDATE users SET notify_mail = 'off' WHERE id = ?1 AND deleted_at IS NULL"
                                        " AND notify_mail <> 'off'");
    sqlite3_bind_int64(st, 1, user_id);
    return changed(d, st);
}

int store_ws_offerings(db *d, arena *a, const char *first, const char *last, int limit, ws_offering **out, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT o.id, o.course_id, o.code, c.title, o.starts, o.ends, o.time_zone"
                                  " FROM offerings o JOIN courses c ON c.id = o.course_id"
                                  " WHERE o.starts <= ?2 AND o.ends >= ?1 ORDER BY o.starts, o.id LIMIT ?3");
    sqlite3_bind_text(st, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, last, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, limit);
    *out = arena_zalloc(a, sizeof **out * (size_t)(limit > 0 ? limit : 1));
    *n = 0;
    int rc = SQLITE_DONE;
    while (*n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ws_offering *o = &(*out)[(*n)++];
        o->id = sqlite3_column_int64(st, 0);
        o->course_id = sqlite3_column_int64(st, 1);
        o->code = db_col(a, st, 2);
        o->course_title = db_col(a, st, 3);
        o->starts = db_col(a, st, 4);
        o->ends = db_col(a, st, 5);
        o->time_zone = db_col(a, st, 6);
    }
    if (*n < limit && rc != SQLITE_DONE) {
        log_error("notices: offerings: %s", db_errmsg(d));
        db_done(st);
        return -1;
    }
    db_done(st);
    return 0;
}

int store_ws_people(db *d, arena *a, int64_t offering_id, ws_person **out, int *n)
{
    sqlite3_stmt *cnt = db_stmt(d, "SELECT count(*) FROM enrolments WHERE offering_id = ?1 AND status = 'active'");
    sqlite3_bind_int64(cnt, 1, offering_id);
    if (db_row(cnt) != 1)
        return -1;
    int max = sqlite3_column_int(cnt, 0);
    db_done(cnt);
    sqlite3_stmt *st = db_stmt(d, "SELECT u.id, u.email, u.name, u.time_zone, u.notify_mail, u.morning_mail"
                                  " FROM enrolments e JOIN users u ON u.id = e.user_id"
                                  " WHERE e.offering_id = ?1 AND e.status = 'active'"
                                  " AND e.payment_status IN ('paid', 'invoiced', 'waived') AND u.deleted_at IS NULL"
                                  " ORDER BY u.id");
    sqlite3_bind_int64(st, 1, offering_id);
    *out = arena_zalloc(a, sizeof **out * (size_t)(max > 0 ? max : 1));
    *n = 0;
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ws_person *p = &(*out)[(*n)++];
        p->id = sqlite3_column_int64(st, 0);
        p->email = db_col(a, st, 1);
        p->name = db_col(a, st, 2);
        p->time_zone = db_col(a, st, 3);
        p->notify_mail = db_col(a, st, 4);
        p->morning_mail = sqlite3_column_int(st, 5);
    }
    if (*n < max && rc != SQLITE_DONE) {
        log_error("notices: people of an offering: %s", db_errmsg(d));
        db_done(st);
        return -1;
    }
    db_done(st);
    return 0;
}

int store_ws_items(db *d, arena *a, int64_t course_id, ws_item **out, int *n)
{
    sqlite3_stmt *cnt = db_stmt(d, "SELECT (SELECT count(*) FROM course_items WHERE course_id = ?1 AND published = 1)"
                                   " + (SELECT count(*) FROM course_milestones WHERE course_id = ?1)");
    sqlite3_bind_int64(cnt, 1, course_id);
    if (db_row(cnt) != 1)
        return -1;
    int max = sqlite3_column_int(cnt, 0);
    db_done(cnt);
    sqlite3_stmt *st = db_stmt(d, "SELECT section, key, title, opens, due, minutes, 0 AS m, position FROM course_items"
                                  " WHERE course_id = ?1 AND published = 1"
                                  " UNION ALL SELECT 'milestone', key, title, NULL, at, 0, 1, position"
                                  " FROM course_milestones WHERE course_id = ?1"
                                  " ORDER BY 7, 1 DESC, 8");
    sqlite3_bind_int64(st, 1, course_id);
    *out = arena_zalloc(a, sizeof **out * (size_t)(max > 0 ? max : 1));
    *n = 0;
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ws_item *it = &(*out)[(*n)++];
        it->section = db_col(a, st, 0);
        it->key = db_col(a, st, 1);
        it->title = db_col(a, st, 2);
        it->opens = db_col(a, st, 3);
        it->due = db_col(a, st, 4);
        it->minutes = sqlite3_column_int(st, 5);
    }
    if (*n < max && rc != SQLITE_DONE) {
        log_error("notices: items: %s", db_errmsg(d));
        db_done(st);
        return -1;
    }
    db_done(st);
    return 0;
}

int store_ws_mail_sent(db *d, int64_t offering_id, int64_t user_id, const char *kind, int64_t day)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM workspace_mail WHERE offering_id = ?1 AND user_id = ?2"
                                  " AND kind = ?3 AND day = ?4");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, day);
    int rc = db_row(st);
    if (rc == 1)
        db_done(st);
    return rc;
}

int store_ws_mail_mark(db *d, int64_t offering_id, int64_t user_id, const char *kind, int64_t day, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO workspace_mail(offering_id, user_id, kind, day, sent_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, day);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    return changed(d, st);
}
