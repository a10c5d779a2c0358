/*
** people.c: the SQL behind the staff console's people, schools, audit log
** and code pages (see store_people.h).
*/
#include <string.h>

#include "log.h"
#include "store_people.h"

/* The single JSON value a json_group_array() query returns, or NULL
** (logged) on an error. */
static json_t *json_one(sqlite3_stmt *st)
{
    json_t *a = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        a = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    else
        log_error("store: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
    db_done(st);
    return a;
}

/* Step a conditional write: 1 when one row changed, 0 when none did, -1 on
** an error (logged). */
static int one_change(db *d, sqlite3_stmt *st)
{
    int rc = db_run(st);
    if (rc == DB_DUPLICATE)
        return DB_DUPLICATE;
    if (rc != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d) == 1 ? 1 : 0;
}

/* Accounts matching q by name, e-mail, school or organisation (see store_people.h); a new array, or NULL. */
json_t *store_people_search(db *d, const char *q, const char *role, int limit)
{
    /* instr() takes q literally: no LIKE wildcards to escape. */
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('id', x.id, 'name', x.name, 'email', x.email,"
                                  " 'role', x.role, 'school', x.school, 'verified_at', x.email_verified_at,"
                                  " 'created_at', x.created_at, 'deleted_at', x.deleted_at))"
                                  " FROM (SELECT u.id, u.name, u.email, u.role, s.name AS school, u.email_verified_at,"
                                  "   u.created_at, u.deleted_at FROM users u LEFT JOIN schools s ON s.id = u.school_id"
                                  "   WHERE (?1 = '' OR instr(lower(u.name), lower(?1)) > 0"
                                  "     OR instr(lower(u.email), lower(?1)) > 0 OR instr(lower(s.name), lower(?1)) > 0"
                                  "     OR instr(lower(COALESCE(u.organisation, '')), lower(?1)) > 0)"
                                  "   AND (?2 = '' OR u.role = ?2)"
                                  "   ORDER BY u.deleted_at IS NOT NULL, u.name COLLATE NOCASE, u.id LIMIT ?3) x");
    sqlite3_bind_text(st, 1, q ? q : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, role ? role : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, limit);
    return json_one(st);
}

/* One account by id into out (strings in a): 1, 0, -1. */
int store_person_get(db *d, arena *a, int64_t id, person_row *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, "SELECT u.id, u.email, u.name, u.role, s.name, u.organisation, u.school_role,"
                                  " u.time_zone, COALESCE(u.school_id, 0), COALESCE(u.email_verified_at, 0),"
                                  " u.created_at, COALESCE(u.deleted_at, 0)"
                                  " FROM users u LEFT JOIN schools s ON s.id = u.school_id WHERE u.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int found = db_row(st);
    if (found != 1)
        return found;
    out->id = sqlite3_column_int64(st, 0);
    out->email = db_col(a, st, 1);
    out->name = db_col(a, st, 2);
    out->role = db_col(a, st, 3);
    out->school_name = db_col(a, st, 4);
    out->organisation = db_col(a, st, 5);
    out->school_role = db_col(a, st, 6);
    out->time_zone = db_col(a, st, 7);
    out->school_id = sqlite3_column_int64(st, 8);
    out->verified_at = (time_t)sqlite3_column_int64(st, 9);
    out->created_at = (time_t)sqlite3_column_int64(st, 10);
    out->deleted_at = (time_t)sqlite3_column_int64(st, 11);
    db_done(st);
    return 1;
}

/* The person's card payments, newest first; a new array, or NULL. */
json_t *store_person_payments(db *d, int64_t user_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('id', x.id, 'offering_code', x.code,"
                                  " 'course_title', x.title, 'amount_cents', x.amount_cents, 'refunded_cents',"
                                  " x.refunded_cents, 'currency', x.currency, 'status', x.status, 'created_at', x.created_at))"
                                  " FROM (SELECT p.id, o.code, c.title, p.amount_cents, p.refunded_cents, p.currency,"
                                  "   p.status, p.created_at FROM payments p JOIN enrolments e ON e.id = p.enrolment_id"
                                  "   JOIN offerings o ON o.id = e.offering_id JOIN courses c ON c.id = o.course_id"
                                  "   WHERE e.user_id = ?1 ORDER BY p.created_at DESC, p.id DESC) x");
    sqlite3_bind_int64(st, 1, user_id);
    return json_one(st);
}

/* The person's private messages with coaches, newest first; a new array, or NULL. */
json_t *store_person_messages(db *d, int64_t user_id, int limit)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('offering_code', x.code, 'author', x.author,"
                                  " 'body_html', x.body_html, 'created_at', x.created_at))"
                                  " FROM (SELECT o.code, u.name AS author, m.body_html, m.created_at FROM messages m"
                                  "   JOIN offerings o ON o.id = m.offering_id JOIN users u ON u.id = m.author_id"
                                  "   WHERE m.participant_id = ?1 ORDER BY m.created_at DESC, m.id DESC LIMIT ?2) x");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int(st, 2, limit);
    return json_one(st);
}

/* The person's certificates, newest first; a new array, or NULL. */
json_t *store_person_certificates(db *d, int64_t user_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('number', x.number, 'offering_code', x.code,"
                                  " 'course_title', x.title, 'issued_at', x.issued_at, 'revoked_at', x.revoked_at))"
                                  " FROM (SELECT k.number, o.code, c.title, k.issued_at, k.revoked_at FROM certificates k"
                                  "   JOIN offerings o ON o.id = k.offering_id JOIN courses c ON c.id = o.course_id"
                                  "   WHERE k.user_id = ?1 ORDER BY k.issued_at DESC) x");
    sqlite3_bind_int64(st, 1, user_id);
    return json_one(st);
}

/* The offerings the person helps run (offering_staff rows), soonest first; a new array, or NULL. */
json_t *store_person_offerings(db *d, int64_t user_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('offering_code', x.code, 'course_title', x.title,"
                                  " 'starts', x.starts, 'ends', x.ends, 'role', x.role))"
                                  " FROM (SELECT o.code, c.title, o.starts, o.ends, s.role FROM offering_staff s"
                                  "   JOIN offerings o ON o.id = s.offering_id JOIN courses c ON c.id = o.course_id"
                                  "   WHERE s.user_id = ?1 ORDER BY o.starts, o.code) x");
    sqlite3_bind_int64(st, 1, user_id);
    return json_one(st);
}

/* The role change as one conditional write on the role the form showed: 1, 0, -1. */
int store_person_set_role(db *d, int64_t id, const char *from, const char *to)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE users SET role = ?3 WHERE id = ?1 AND role = ?2 AND deleted_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, from);
    db_bind_text(st, 3, to);
    return one_change(d, st);
}

/* Every school with its billing contact and count of accounts; a new array, or NULL. */
json_t *store_schools_all(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('id', x.id, 'name', x.name, 'city', x.city,"
                                  " 'country', x.country, 'billing_name', x.billing_name, 'billing_email', x.billing_email,"
                                  " 'member', json(CASE x.member WHEN 1 THEN 'true' ELSE 'false' END),"
                                  " 'invoice', json(CASE x.invoice WHEN 1 THEN 'true' ELSE 'false' END), 'people', x.people))"
                                  " FROM (SELECT s.*, (SELECT count(*) FROM users u WHERE u.school_id = s.id"
                                  "   AND u.deleted_at IS NULL) AS people FROM schools s"
                                  "   ORDER BY s.member DESC, s.name COLLATE NOCASE) x");
    return json_one(st);
}

/* One school by id into out (strings in a): 1, 0, -1. */
int store_school_get(db *d, arena *a, int64_t id, school_row *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, "SELECT id, version, name, city, country, billing_name, billing_email, member, invoice,"
                                  " (SELECT count(*) FROM users u WHERE u.school_id = s.id AND u.deleted_at IS NULL)"
                                  " FROM schools s WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int found = db_row(st);
    if (found != 1)
        return found;
    out->id = sqlite3_column_int64(st, 0);
    out->version = sqlite3_column_int64(st, 1);
    out->name = db_col(a, st, 2);
    out->city = db_col(a, st, 3);
    out->country = db_col(a, st, 4);
    out->billing_name = db_col(a, st, 5);
    out->billing_email = db_col(a, st, 6);
    out->member = sqlite3_column_int(st, 7);
    out->invoice = sqlite3_column_int(st, 8);
    out->people = sqlite3_column_int(st, 9);
    db_done(st);
    return 1;
}

/* The id of the school with exactly this name: 1, 0, -1. */
int store_school_id_by_name(db *d, const char *name, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id FROM schools WHERE name = ?1");
    db_bind_text(st, 1, name);
    int found = db_row(st);
    if (found == 1) {
        *id = sqlite3_column_int64(st, 0);
        db_done(st);
    }
    return found;
}

/* Bind f's values to ?1..?7 of st (name, city, country, member, invoice,
** billing name, billing e-mail). */
static void bind_school(sqlite3_stmt *st, const school_fields *f)
{
    db_bind_text(st, 1, f->name);
    db_bind_text(st, 2, f->city);
    db_bind_text(st, 3, f->country);
    sqlite3_bind_int(st, 4, f->member);
    sqlite3_bind_int(st, 5, f->invoice);
    db_bind_text(st, 6, f->billing_name);
    db_bind_text(st, 7, f->billing_email);
}

/* Insert a school: its id, DB_DUPLICATE for a taken name, -1. */
int64_t store_school_add(db *d, const school_fields *f)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO schools(name, city, country, member, invoice, billing_name, billing_email)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    bind_school(st, f);
    int rc = db_run(st);
    if (rc == 0)
        return db_last_id(d);
    if (rc != DB_DUPLICATE)
        log_error("store: %s", db_errmsg(d));
    return rc;
}

/* Replace a school at the version the form was read at: 1, 0, DB_DUPLICATE, -1. */
int store_school_update(db *d, int64_t id, int64_t version, const school_fields *f)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE schools SET name = ?1, city = ?2, country = ?3, member = ?4, invoice = ?5,"
                                  " billing_name = ?6, billing_email = ?7, version = version + 1"
                                  " WHERE id = ?8 AND version = ?9");
    bind_school(st, f);
    sqlite3_bind_int64(st, 8, id);
    sqlite3_bind_int64(st, 9, version);
    return one_change(d, st);
}

/* Insert or replace the school named f->name (an import row), bumping its version: 0 or -1. */
int store_school_upsert(db *d, const school_fields *f)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO schools(name, city, country, member, invoice, billing_name, billing_email)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(name) DO UPDATE SET"
                                  " city = excluded.city, country = excluded.country, member = excluded.member,"
                                  " invoice = excluded.invoice, billing_name = excluded.billing_name,"
                                  " billing_email = excluded.billing_email, version = version + 1");
    bind_school(st, f);
    int rc = db_run(st);
    if (rc != 0)
        log_error("store: %s", db_errmsg(d));
    return rc == 0 ? 0 : -1;
}

/* Audit and moderation lines matching f, newest first; a new array, or NULL. */
json_t *store_audit_search(db *d, const audit_filter *f)
{
    /* The audit log and the moderation log read as one list, newest first.
    ** The filters are written against indexed columns (the person's and
    ** the offering's registrations as subjects), so the unfiltered page
    ** walks audit_by_at and stops at the page's end; each line's offering
    ** and person are looked up only for the lines shown. A line's kind
    ** comes from its action's first word. */
    sqlite3_stmt *st = db_stmt(d,
        "SELECT json_group_array(json_object('at', x.at, 'actor_id', x.actor_id, 'actor', COALESCE(u.name, "
        "'system'), 'actor_email', u.email, 'action', x.action, 'kind', x.kind, 'subject', x.subject, "
        "'detail', x.detail, 'offering_code', COALESCE(x.offering_code, (SELECT o.code FROM enrolments e JOIN "
        "offerings o ON o.id = e.offering_id WHERE x.subject LIKE 'enrolment:%' AND e.id = "
        "CAST(substr(x.subject, 11) AS INTEGER)), CASE WHEN x.subject LIKE 'offering:%' THEN "
        "substr(x.subject, 10) END), 'person_id', p.id, 'person_name', p.name)) "
        "FROM (SELECT a.id, 0 AS src, a.at, a.actor_id, a.action, a.subject, a.detail, CASE substr(a.action, "
        "1, instr(a.action || '.', '.') - 1) WHEN 'payment' THEN 'money' WHEN 'invoice' THEN 'money' WHEN "
        "'refund' THEN 'money' WHEN 'registration' THEN 'seats' WHEN 'waitlist' THEN 'seats' WHEN 'offering' "
        "THEN 'seats' WHEN 'role' THEN 'roles' WHEN 'moderation' THEN 'moderation' WHEN 'publish' THEN "
        "'publishing' ELSE 'settings' END AS kind, NULL AS offering_code "
        "FROM audit_log a WHERE (?4 = 0 OR a.at >= ?4) AND (?5 = 0 OR a.at < ?5) "
        "AND (?1 = 0 OR a.actor_id = ?1 OR a.subject = 'user:' || ?1 OR a.subject IN (SELECT 'enrolment:' || "
        "e.id FROM enrolments e WHERE e.user_id = ?1)) "
        "AND (?2 = 0 OR a.subject IN (SELECT 'enrolment:' || e.id FROM enrolments e WHERE e.offering_id = ?2 "
        "UNION ALL SELECT 'offering:' || o.code FROM offerings o WHERE o.id = ?2)) "
        "AND (?3 = '' OR ?3 = CASE substr(a.action, 1, instr(a.action || '.', '.') - 1) WHEN 'payment' THEN "
        "'money' WHEN 'invoice' THEN 'money' WHEN 'refund' THEN 'money' WHEN 'registration' THEN 'seats' WHEN "
        "'waitlist' THEN 'seats' WHEN 'offering' THEN 'seats' WHEN 'role' THEN 'roles' WHEN 'moderation' THEN "
        "'moderation' WHEN 'publish' THEN 'publishing' ELSE 'settings' END) "
        "UNION ALL "
        "SELECT m.id, 1, m.created_at, m.actor_id, 'moderation.' || m.action, CASE WHEN m.post_id IS NOT NULL "
        "THEN 'post:' || m.post_id WHEN m.thread_id IS NOT NULL THEN 'thread:' || m.thread_id ELSE 'offering' "
        "END, m.reason, 'moderation', (SELECT o.code FROM offerings o WHERE o.id = m.offering_id) "
        "FROM moderation_log m WHERE (?4 = 0 OR m.created_at >= ?4) AND (?5 = 0 OR m.created_at < ?5) AND (?1 "
        "= 0 OR m.actor_id = ?1) AND (?2 = 0 OR m.offering_id = ?2) AND (?3 = '' OR ?3 = 'moderation') "
        "ORDER BY 3 DESC, 2, 1 DESC LIMIT ?6 OFFSET ?7) x "
        "LEFT JOIN users u ON u.id = x.actor_id "
        "LEFT JOIN users p ON p.id = CASE WHEN x.subject LIKE 'enrolment:%' THEN (SELECT e.user_id FROM "
        "enrolments e WHERE e.id = CAST(substr(x.subject, 11) AS INTEGER)) WHEN x.subject LIKE 'user:%' THEN "
        "CAST(substr(x.subject, 6) AS INTEGER) END");
    sqlite3_bind_int64(st, 1, f->person_id);
    sqlite3_bind_int64(st, 2, f->offering_id);
    sqlite3_bind_text(st, 3, f->kind ? f->kind : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)f->from);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)f->to);
    sqlite3_bind_int(st, 6, f->limit);
    sqlite3_bind_int(st, 7, f->offset);
    return json_one(st);
}

/* One code by its text into out (strings in a): 1, 0, -1. */
int store_code_get(db *d, arena *a, const char *code, code_info *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, "SELECT k.id, COALESCE(k.offering_id, 0), k.code, o.code, k.expires_on, k.percent_off,"
                                  " COALESCE(k.max_uses, 0), k.uses, COALESCE(k.disabled_at, 0), k.created_at"
                                  " FROM codes k LEFT JOIN offerings o ON o.id = k.offering_id WHERE k.code = ?1");
    db_bind_text(st, 1, code);
    int found = db_row(st);
    if (found != 1)
        return found;
    out->id = sqlite3_column_int64(st, 0);
    out->offering_id = sqlite3_column_int64(st, 1);
    out->code = db_col(a, st, 2);
    out->offering_code = db_col(a, st, 3);
    out->expires_on = db_col(a, st, 4);
    out->percent_off = sqlite3_column_int(st, 5);
    out->max_uses = sqlite3_column_int(st, 6);
    out->uses = sqlite3_column_int(st, 7);
    out->disabled_at = (time_t)sqlite3_column_int64(st, 8);
    out->created_at = (time_t)sqlite3_column_int64(st, 9);
    db_done(st);
    return 1;
}

/* A live code's limit and expiry, never below its uses, as one conditional write: 1, 0, -1. */
int store_code_edit(db *d, int64_t id, int max_uses, const char *expires_on)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE codes SET max_uses = ?2, expires_on = ?3 WHERE id = ?1"
                                  " AND disabled_at IS NULL AND (?2 IS NULL OR uses <= ?2)");
    sqlite3_bind_int64(st, 1, id);
    db_bind_id(st, 2, max_uses);
    db_bind_text(st, 3, expires_on);
    return one_change(d, st);
}

/* Disable a live code, once: 1, 0, -1. */
int store_code_disable(db *d, int64_t id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE codes SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    return one_change(d, st);
}

/* The registrations that used a code, oldest first; a new array, or NULL. */
json_t *store_code_uses(db *d, int64_t id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('enrolment_id', x.id, 'user_id', x.user_id,"
                                  " 'name', x.name, 'email', x.email, 'offering_code', x.code, 'course_title', x.title,"
                                  " 'status', x.status, 'payment_status', x.payment_status, 'amount_cents', x.amount_cents,"
                                  " 'currency', x.currency, 'held', json(CASE x.code_held WHEN 1 THEN 'true' ELSE 'false' END),"
                                  " 'created_at', x.created_at))"
                                  " FROM (SELECT e.id, e.user_id, u.name, u.email, o.code, c.title, e.status,"
                                  "   e.payment_status, e.amount_cents, e.currency, e.code_held, e.created_at"
                                  "   FROM enrolments e JOIN users u ON u.id = e.user_id JOIN offerings o ON o.id = e.offering_id"
                                  "   JOIN courses c ON c.id = o.course_id WHERE e.code_id = ?1 ORDER BY e.created_at, e.id) x");
    sqlite3_bind_int64(st, 1, id);
    return json_one(st);
}
