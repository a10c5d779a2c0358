/*
** accounts.c: SQL for users, sessions, tokens, rate limits and schools
** (see store_accounts.h).
*/
#include "store_accounts.h"

#include <string.h>

#include "log.h"

#define USER_COLS \
    "SELECT u.id, u.email, u.name, u.role, u.organisation, u.school_role, u.time_zone, u.school_id," \
    " s.name, COALESCE(s.invoice, 0), u.email_verified_at IS NOT NULL"
#define USER_SQL \
    USER_COLS ", u.password_hash FROM users u LEFT JOIN schools s ON s.id = u.school_id WHERE u.deleted_at IS NULL"

/* Fill u from a row of USER_SQL. */
static void user_row(arena *a, sqlite3_stmt *st, user *u, const char **pwhash)
{
    u->id = sqlite3_column_int64(st, 0);
    u->email = db_col(a, st, 1);
    u->name = db_col(a, st, 2);
    u->role = db_col(a, st, 3);
    u->organisation = db_col(a, st, 4);
    u->school_role = db_col(a, st, 5);
    u->time_zone = db_col(a, st, 6);
    u->school_id = sqlite3_column_int64(st, 7);
    u->school_name = db_col(a, st, 8);
    u->school_invoice = sqlite3_column_int(st, 9);
    u->verified = sqlite3_column_int(st, 10);
    if (pwhash)
        *pwhash = db_col(a, st, 11);
}

int64_t store_user_create(db *d, const char *email, const char *name, const char *pwhash, const char *role,
                          int64_t school_id, const char *organisation, const char *school_role,
                          const char *time_zone, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO users(email, name, password_hash, role, school_id, organisation,"
                                  " school_role, time_zone, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    db_bind_text(st, 1, email);
    db_bind_text(st, 2, name);
    db_bind_text(st, 3, pwhash);
    db_bind_text(st, 4, role);
    if (school_id > 0)
        sqlite3_bind_int64(st, 5, school_id);
    else
        sqlite3_bind_null(st, 5);
    db_bind_text(st, 6, organisation);
    db_bind_text(st, 7, school_role);
    db_bind_text(st, 8, time_zone && *time_zone ? time_zone : "UTC");
    sqlite3_bind_int64(st, 9, (sqlite3_int64)now);
    int rc = db_run(st);
    return rc == 0 ? db_last_id(d) : rc;
}

int store_user_by_email(db *d, arena *a, const char *email, user *u, const char **pwhash)
{
    sqlite3_stmt *st = db_stmt(d, USER_SQL " AND u.email = ?1");
    db_bind_text(st, 1, email);
    int found = db_row(st);
    if (found == 1) {
        user_row(a, st, u, pwhash);
        db_done(st);
    }
    return found;
}

int store_user_by_id(db *d, arena *a, int64_t id, user *u, const char **pwhash)
{
    sqlite3_stmt *st = db_stmt(d, USER_SQL " AND u.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int found = db_row(st);
    if (found == 1) {
        user_row(a, st, u, pwhash);
        db_done(st);
    }
    return found;
}

int store_user_verify(db *d, int64_t id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?2) WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    return db_run(st);
}

int store_user_set_password(db *d, int64_t id, const char *pwhash)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE users SET password_hash = ?2 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, pwhash);
    return db_run(st);
}

int store_user_set_email(db *d, int64_t id, const char *email, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE users SET email = ?2, email_verified_at = ?3 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, email);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return db_run(st);
}

int store_user_set_profile(db *d, int64_t id, const char *name, int64_t school_id, const char *organisation,
                           const char *school_role, const char *time_zone)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE users SET name = ?2, school_id = ?3, organisation = ?4, school_role = ?5,"
                                  " time_zone = ?6 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, name);
    if (school_id > 0)
        sqlite3_bind_int64(st, 3, school_id);
    else
        sqlite3_bind_null(st, 3);
    db_bind_text(st, 4, organisation);
    db_bind_text(st, 5, school_role);
    db_bind_text(st, 6, time_zone);
    return db_run(st);
}

int store_user_set_role(db *d, int64_t id, const char *role)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE users SET role = ?2 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, role);
    return db_run(st);
}

int store_user_anonymise(db *d, int64_t id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE users SET email = 'deleted-' || id || '@invalid', name = 'Deleted account',"
                                  " password_hash = '', organisation = NULL, school_role = NULL, school_id = NULL,"
                                  " deleted_at = ?2 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    if (db_run(st) != 0 || store_sessions_delete_user(d, id) != 0)
        return -1;
    st = db_stmt(d, "DELETE FROM tokens WHERE user_id = ?1");
    sqlite3_bind_int64(st, 1, id);
    return db_run(st);
}

json_t *store_user_export(db *d, int64_t id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT json_object('name', u.name, 'email', u.email, 'role', u.role,"
                                  " 'school', s.name, 'organisation', u.organisation, 'school_role', u.school_role,"
                                  " 'time_zone', u.time_zone, 'email_verified_at', u.email_verified_at,"
                                  " 'created_at', u.created_at,"
                                  " 'registrations', (SELECT json_group_array(json_object('offering', o.code,"
                                  "   'course', c.title, 'starts', o.starts, 'ends', o.ends, 'status', e.status,"
                                  "   'payment_status', e.payment_status, 'amount_cents', e.amount_cents,"
                                  "   'currency', e.currency, 'registered_at', e.created_at))"
                                  "   FROM enrolments e JOIN offerings o ON o.id = e.offering_id"
                                  "   JOIN courses c ON c.id = o.course_id WHERE e.user_id = u.id),"
                                  " 'payments', (SELECT json_group_array(json_object('amount_cents', p.amount_cents,"
                                  "   'currency', p.currency, 'status', p.status, 'refunded_cents', p.refunded_cents,"
                                  "   'created_at', p.created_at))"
                                  "   FROM payments p JOIN enrolments e ON e.id = p.enrolment_id WHERE e.user_id = u.id))"
                                  " FROM users u LEFT JOIN schools s ON s.id = u.school_id WHERE u.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    json_t *o = NULL;
    if (db_row(st) == 1) {
        o = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        db_done(st);
    }
    return o;
}

int store_session_create(db *d, const unsigned char hash[CRYPTO_HASH_LEN], int64_t user_id, const char *csrf,
                         time_t now, time_t expires)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sessions(token_hash, user_id, csrf, created_at, expires_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5)");
    sqlite3_bind_blob(st, 1, hash, CRYPTO_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    db_bind_text(st, 3, csrf);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)expires);
    return db_run(st);
}

int store_session_get(db *d, arena *a, const unsigned char hash[CRYPTO_HASH_LEN], time_t now, user *u,
                      const char **csrf)
{
    /* one statement: the person and the session's CSRF secret together */
    sqlite3_stmt *st = db_stmt(d, USER_COLS ", x.csrf FROM sessions x JOIN users u ON u.id = x.user_id"
                                            " LEFT JOIN schools s ON s.id = u.school_id"
                                            " WHERE x.token_hash = ?1 AND x.expires_at > ?2 AND u.deleted_at IS NULL");
    sqlite3_bind_blob(st, 1, hash, CRYPTO_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    int found = db_row(st);
    if (found != 1)
        return found;
    user_row(a, st, u, NULL);
    *csrf = db_col(a, st, 11);
    db_done(st);
    return found;
}

int store_session_delete(db *d, const unsigned char hash[CRYPTO_HASH_LEN])
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM sessions WHERE token_hash = ?1");
    sqlite3_bind_blob(st, 1, hash, CRYPTO_HASH_LEN, SQLITE_STATIC);
    return db_run(st);
}

int store_sessions_delete_user(db *d, int64_t user_id)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM sessions WHERE user_id = ?1");
    sqlite3_bind_int64(st, 1, user_id);
    return db_run(st);
}

int store_token_create(db *d, const unsigned char hash[CRYPTO_HASH_LEN], int64_t user_id, const char *purpose,
                       const char *data, time_t expires)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO tokens(hash, user_id, purpose, data, expires_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5)");
    sqlite3_bind_blob(st, 1, hash, CRYPTO_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    db_bind_text(st, 3, purpose);
    db_bind_text(st, 4, data);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)expires);
    return db_run(st);
}

int store_token_peek(db *d, arena *a, const unsigned char hash[CRYPTO_HASH_LEN], const char *purpose, time_t now,
                     int64_t *user_id, const char **data)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT user_id, data FROM tokens WHERE hash = ?1 AND purpose = ?2"
                                  " AND used_at IS NULL AND expires_at > ?3");
    sqlite3_bind_blob(st, 1, hash, CRYPTO_HASH_LEN, SQLITE_STATIC);
    db_bind_text(st, 2, purpose);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    int found = db_row(st);
    if (found == 1) {
        *user_id = sqlite3_column_int64(st, 0);
        if (data)
            *data = db_col(a, st, 1);
        db_done(st);
    }
    return found;
}

int store_token_use(db *d, arena *a, const unsigned char hash[CRYPTO_HASH_LEN], const char *purpose, time_t now,
                    int64_t *user_id, const char **data)
{
    int found = store_token_peek(d, a, hash, purpose, now, user_id, data);
    if (found != 1)
        return found;
    sqlite3_stmt *st = db_stmt(d, "UPDATE tokens SET used_at = ?2 WHERE hash = ?1 AND used_at IS NULL");
    sqlite3_bind_blob(st, 1, hash, CRYPTO_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    if (db_run(st) != 0)
        return -1;
    return db_changes(d) == 1;
}

int store_rate_hit(db *d, const char *key, time_t now, int window, int max)
{
    int own = sqlite3_get_autocommit(db_handle(d));
    if (own && db_begin_write(d) != 0)
        return -1;
    /* Rows whose window ended long ago go in the same write. */
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM rate_limits WHERE window_start < ?1");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - STORE_RATE_KEEP));
    int rc = db_run(st);
    /* Counted only while under max: a refused attempt takes nothing. */
    st = db_stmt(d, "INSERT INTO rate_limits(key, window_start, count) VALUES (?1, ?2, 1)"
                    " ON CONFLICT(key) DO UPDATE SET"
                    " count = CASE WHEN window_start <= ?2 - ?3 THEN 1 ELSE count + 1 END,"
                    " window_start = CASE WHEN window_start <= ?2 - ?3 THEN ?2 ELSE window_start END"
                    " WHERE window_start <= ?2 - ?3 OR count < ?4"
                    " RETURNING count");
    db_bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    sqlite3_bind_int(st, 3, window);
    sqlite3_bind_int(st, 4, max);
    int taken = -1;
    if (rc == 0) {
        /* No row back: the update's WHERE refused, the allowance is used up. */
        int step = sqlite3_step(st);
        taken = step == SQLITE_ROW ? sqlite3_column_int(st, 0) <= max : step == SQLITE_DONE ? 0 : -1;
        if (taken < 0)
            log_error("store: rate limit: %s", db_errmsg(d));
    }
    db_done(st);
    if (own && (taken < 0 || db_commit(d) != 0)) {
        db_rollback(d);
        taken = -1;
    }
    return taken;
}

int store_rate_give_back(db *d, const char *key, time_t now, int window)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE rate_limits SET count = count - 1"
                                  " WHERE key = ?1 AND window_start > ?2 - ?3 AND count > 0");
    db_bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    sqlite3_bind_int(st, 3, window);
    return db_run(st);
}

int store_rate_clear(db *d, const char *key)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM rate_limits WHERE key = ?1");
    db_bind_text(st, 1, key);
    return db_run(st);
}

json_t *store_schools(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, name, city, country, invoice FROM schools WHERE member = 1 ORDER BY name");
    json_t *a = json_array();
    int rc;
    while (a && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *city = (const char *)sqlite3_column_text(st, 2);
        const char *country = (const char *)sqlite3_column_text(st, 3);
        json_array_append_new(a, json_pack("{s:I, s:s, s:s?, s:s?, s:b}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "name", (const char *)sqlite3_column_text(st, 1), "city", city,
                                           "country", country, "invoice", sqlite3_column_int(st, 4)));
    }
    db_done(st);
    if (a && rc != SQLITE_DONE) {
        log_error("store: schools: %s", db_errmsg(d));
        json_decref(a);
        a = NULL;
    }
    return a;
}

int store_school_put(db *d, const char *name, const char *city, const char *country, int invoice)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO schools(name, city, country, invoice) VALUES (?1, ?2, ?3, ?4)"
                                  " ON CONFLICT(name) DO UPDATE SET city = excluded.city, country = excluded.country,"
                                  " invoice = excluded.invoice, member = 1");
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, city);
    db_bind_text(st, 3, country);
    sqlite3_bind_int(st, 4, invoice);
    return db_run(st);
}

int store_school_billing_put(db *d, const char *name, const char *billing_name, const char *billing_email)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE schools SET billing_name = ?2, billing_email = ?3 WHERE name = ?1");
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, billing_name);
    db_bind_text(st, 3, billing_email);
    return db_run(st);
}

int store_school_exists(db *d, int64_t id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM schools WHERE id = ?1 AND member = 1");
    sqlite3_bind_int64(st, 1, id);
    int found = db_row(st);
    if (found == 1)
        db_done(st);
    return found;
}
