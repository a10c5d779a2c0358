/*
** certs.c: SQL for completion and certificates (see store_certs.h).
*/
#include "store_certs.h"

#include <string.h>

#include "log.h"

#define OFFERING_SQL \
    "SELECT o.id, o.course_id, o.code, o.starts, o.ends, o.time_zone, c.slug, c.title, c.summary, c.completion," \
    " c.hours_min, c.hours_max," \
    " (SELECT count(*) FROM course_items i WHERE i.course_id = c.id AND i.section = 'activity'" \
    "   AND i.published = 1 AND i.archived_at IS NULL)" \
    " FROM offerings o JOIN courses c ON c.id = o.course_id"

int store_completion_offering(db *d, arena *a, int64_t id, const char *code, completion_offering *out)
{
    sqlite3_stmt *st = id ? db_stmt(d, OFFERING_SQL " WHERE o.id = ?1") : db_stmt(d, OFFERING_SQL " WHERE o.code = ?1");
    if (id)
        sqlite3_bind_int64(st, 1, id);
    else
        db_bind_text(st, 1, code);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    out->id = sqlite3_column_int64(st, 0);
    out->course_id = sqlite3_column_int64(st, 1);
    out->code = db_col(a, st, 2);
    out->starts = db_col(a, st, 3);
    out->ends = db_col(a, st, 4);
    out->time_zone = db_col(a, st, 5);
    out->course_slug = db_col(a, st, 6);
    out->course_title = db_col(a, st, 7);
    out->course_summary = db_col(a, st, 8);
    out->completion = db_col(a, st, 9);
    out->hours_min = sqlite3_column_int(st, 10);
    out->hours_max = sqlite3_column_int(st, 11);
    out->activities = sqlite3_column_int(st, 12);
    db_done(st);
    return 1;
}

/* The participants of ?1 (an active registration that is paid, invoiced
** or waived) with their counts; ?2 narrows to one person when not NULL. */
#define PEOPLE_SQL \
    "SELECT u.id, u.name, u.email," \
    " (SELECT count(DISTINCT s.item_id) FROM submissions s JOIN course_items i ON i.id = s.item_id" \
    "   WHERE s.offering_id = e.offering_id AND s.user_id = u.id AND s.state = 'complete'" \
    "   AND i.published = 1 AND i.archived_at IS NULL)," \
    " (SELECT count(*) FROM threads t JOIN posts p ON p.thread_id = t.id" \
    "   WHERE t.offering_id = e.offering_id AND p.author_id = u.id AND p.deleted_at IS NULL" \
    "   AND p.hidden_at IS NULL)," \
    " EXISTS (SELECT 1 FROM progress g WHERE g.offering_id = e.offering_id AND g.user_id = u.id" \
    "   AND g.part = 'panel')," \
    " COALESCE(k.signed_at, 0), sb.name, c.number, COALESCE(c.revoked_at, 0)" \
    " FROM enrolments e JOIN users u ON u.id = e.user_id" \
    " LEFT JOIN completions k ON k.offering_id = e.offering_id AND k.user_id = u.id" \
    " LEFT JOIN users sb ON sb.id = k.signed_by" \
    " LEFT JOIN certificates c ON c.offering_id = e.offering_id AND c.user_id = u.id" \
    " WHERE e.offering_id = ?1 AND e.status = 'active' AND e.payment_status IN ('paid', 'invoiced', 'waived')" \
    " AND u.deleted_at IS NULL AND (?2 IS NULL OR u.id = ?2)"

/* Fill p from a PEOPLE_SQL row. */
static void person_fill(arena *a, sqlite3_stmt *st, completion_person *p)
{
    p->user_id = sqlite3_column_int64(st, 0);
    p->name = db_col(a, st, 1);
    p->email = db_col(a, st, 2);
    p->activities_complete = sqlite3_column_int(st, 3);
    p->posts = sqlite3_column_int(st, 4);
    p->panel = sqlite3_column_int(st, 5);
    p->signed_at = (time_t)sqlite3_column_int64(st, 6);
    p->signed_by = db_col(a, st, 7);
    p->number = db_col(a, st, 8);
    p->revoked_at = (time_t)sqlite3_column_int64(st, 9);
}

int store_completion_people(db *d, arena *a, int64_t offering_id, completion_person **out, int *n)
{
    sqlite3_stmt *st = db_stmt(d, PEOPLE_SQL " ORDER BY u.name COLLATE NOCASE, u.id");
    sqlite3_bind_int64(st, 1, offering_id);
    int cap = 0, rc;
    *out = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        person_fill(a, st, arena_grow(a, (void **)out, n, &cap, sizeof **out));
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("certs: completion people: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}

int store_completion_person(db *d, arena *a, int64_t offering_id, int64_t user_id, completion_person *out)
{
    sqlite3_stmt *st = db_stmt(d, PEOPLE_SQL);
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    int rc = db_row(st);
    if (rc == 1) {
        person_fill(a, st, out);
        db_done(st);
    }
    return rc;
}

int store_completion_add(db *d, int64_t offering_id, int64_t user_id, int64_t signed_by, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO completions(offering_id, user_id, signed_by, signed_at)"
                                  " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, signed_by);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    if (db_run(st) != 0) {
        log_error("certs: sign off: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d) == 1;
}

int64_t store_certificate_add(db *d, const certificate_row *c)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO certificates(number, offering_id, user_id, coach_id, recipient_name,"
                                  " salt, identity_hash, hours, issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    db_bind_text(st, 1, c->number);
    sqlite3_bind_int64(st, 2, c->offering_id);
    sqlite3_bind_int64(st, 3, c->user_id);
    sqlite3_bind_int64(st, 4, c->coach_id);
    db_bind_text(st, 5, c->recipient_name);
    db_bind_text(st, 6, c->salt);
    db_bind_text(st, 7, c->identity_hash);
    sqlite3_bind_double(st, 8, c->hours);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)c->issued_at);
    int rc = db_run(st);
    if (rc == DB_DUPLICATE)
        return DB_DUPLICATE;
    if (rc != 0) {
        log_error("certs: issue: %s", db_errmsg(d));
        return -1;
    }
    return db_last_id(d);
}

#define CERT_SQL \
    "SELECT c.id, c.offering_id, c.user_id, c.coach_id, c.number, c.recipient_name, c.salt, c.identity_hash," \
    " c.hours, c.issued_at, COALESCE(c.revoked_at, 0), c.revoke_reason, o.code, o.starts, o.ends, k.slug, k.title," \
    " k.summary, u.name" \
    " FROM certificates c JOIN offerings o ON o.id = c.offering_id JOIN courses k ON k.id = o.course_id" \
    " JOIN users u ON u.id = c.coach_id"

/* Read one certificate from a CERT_SQL statement with its parameters
** bound: 1, 0 or -1. */
static int cert_read(arena *a, sqlite3_stmt *st, certificate_row *c)
{
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    c->id = sqlite3_column_int64(st, 0);
    c->offering_id = sqlite3_column_int64(st, 1);
    c->user_id = sqlite3_column_int64(st, 2);
    c->coach_id = sqlite3_column_int64(st, 3);
    c->number = db_col(a, st, 4);
    c->recipient_name = db_col(a, st, 5);
    c->salt = db_col(a, st, 6);
    c->identity_hash = db_col(a, st, 7);
    c->hours = sqlite3_column_double(st, 8);
    c->issued_at = (time_t)sqlite3_column_int64(st, 9);
    c->revoked_at = (time_t)sqlite3_column_int64(st, 10);
    c->revoke_reason = db_col(a, st, 11);
    c->code = db_col(a, st, 12);
    c->starts = db_col(a, st, 13);
    c->ends = db_col(a, st, 14);
    c->course_slug = db_col(a, st, 15);
    c->course_title = db_col(a, st, 16);
    c->course_summary = db_col(a, st, 17);
    c->coach_name = db_col(a, st, 18);
    db_done(st);
    return 1;
}

int store_certificate_get(db *d, arena *a, const char *number, certificate_row *out)
{
    sqlite3_stmt *st = db_stmt(d, CERT_SQL " WHERE c.number = ?1");
    db_bind_text(st, 1, number);
    return cert_read(a, st, out);
}

int store_certificate_of(db *d, arena *a, int64_t offering_id, int64_t user_id, certificate_row *out)
{
    sqlite3_stmt *st = db_stmt(d, CERT_SQL " WHERE c.offering_id = ?1 AND c.user_id = ?2");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    return cert_read(a, st, out);
}

int store_certificate_revoke(db *d, const char *number, int64_t by, const char *reason, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE certificates SET revoked_at = ?2, revoked_by = ?3, revoke_reason = ?4"
                                  " WHERE number = ?1 AND revoked_at IS NULL");
    db_bind_text(st, 1, number);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 3, by);
    db_bind_text(st, 4, reason);
    if (db_run(st) != 0) {
        log_error("certs: revoke: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d) == 1;
}

int64_t store_certificate_notice(db *d, int64_t user_id, int64_t offering_id, int64_t actor_id, const char *title,
                                 const char *link, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO notifications(user_id, offering_id, kind, actor_id, title, link,"
                                  " created_at, mail_state) VALUES (?1, ?2, 'certificate', ?3, ?4, ?5, ?6, 'sent')");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, offering_id);
    sqlite3_bind_int64(st, 3, actor_id);
    db_bind_text(st, 4, title);
    db_bind_text(st, 5, link);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    if (db_run(st) != 0) {
        log_error("certs: notice: %s", db_errmsg(d));
        return -1;
    }
    return db_last_id(d);
}

int store_course_completion(db *d, arena *a, const char *slug, const char **title, const char **summary,
                            const char **rule)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT title, summary, completion FROM courses WHERE slug = ?1 AND published = 1");
    db_bind_text(st, 1, slug);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    *title = db_col(a, st, 0);
    *summary = db_col(a, st, 1);
    *rule = db_col(a, st, 2);
    db_done(st);
    return 1;
}
