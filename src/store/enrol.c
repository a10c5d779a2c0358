/*
** enrol.c: SQL for registrations, payments, events, refunds, codes and the
** audit log (see store_enrol.h).
*/
#include "store_enrol.h"

#include <string.h>

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

/* Run an insert: the new id, DB_DUPLICATE, or -1 (logged). */
static int64_t insert(db *d, sqlite3_stmt *st)
{
    int rc = db_run(st);
    if (rc == 0)
        return db_last_id(d);
    if (rc != DB_DUPLICATE)
        log_error("store: %s", db_errmsg(d));
    return rc;
}

/* The single JSON value a json_group_array() query returns, or NULL
** (logged) on an error. */
static json_t *json_result(sqlite3_stmt *st)
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

#define OFFERING_ROW_SQL \
    "SELECT o.id, o.code, c.slug, c.title, o.starts, o.ends, o.opens, o.closes, o.currency, o.price_cents," \
    " o.capacity, o.demo FROM offerings o JOIN courses c ON c.id = o.course_id"

/* Fill o from an OFFERING_ROW_SQL row. */
static void offering_fill(arena *a, sqlite3_stmt *st, offering_row *o)
{
    o->id = sqlite3_column_int64(st, 0);
    o->code = db_col(a, st, 1);
    o->course_slug = db_col(a, st, 2);
    o->course_title = db_col(a, st, 3);
    o->starts = db_col(a, st, 4);
    o->ends = db_col(a, st, 5);
    o->opens = db_col(a, st, 6);
    o->closes = db_col(a, st, 7);
    o->currency = db_col(a, st, 8);
    o->price_cents = sqlite3_column_int64(st, 9);
    o->capacity = sqlite3_column_int(st, 10);
    o->demo = sqlite3_column_int(st, 11);
}

int store_offering_row(db *d, arena *a, const char *code, offering_row *o)
{
    sqlite3_stmt *st = db_stmt(d, OFFERING_ROW_SQL " WHERE o.code = ?1 AND c.published = 1 AND o.published = 1");
    db_bind_text(st, 1, code);
    int found = db_row(st);
    if (found == 1) {
        offering_fill(a, st, o);
        db_done(st);
    }
    return found;
}

int store_offering_row_by_id(db *d, arena *a, int64_t id, offering_row *o)
{
    sqlite3_stmt *st = db_stmt(d, OFFERING_ROW_SQL " WHERE o.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int found = db_row(st);
    if (found == 1) {
        offering_fill(a, st, o);
        db_done(st);
    }
    return found;
}

int store_seats_taken(db *d, int64_t offering_id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM enrolments WHERE offering_id = ?1 AND (status = 'active'"
                                  " OR (status = 'pending' AND hold_until > ?2)"
                                  " OR (status = 'pending' AND payment_status = 'invoiced')"
                                  " OR (status = 'offered' AND offer_until > ?2))");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    int n = db_row(st);
    if (n == 1) {
        n = sqlite3_column_int(st, 0);
        db_done(st);
    }
    return n;
}

#define ENROLMENT_SQL \
    "SELECT e.id, e.offering_id, e.user_id, COALESCE(e.code_id, 0), e.status, e.payment_status, e.currency," \
    " e.amount_cents, COALESCE(e.hold_until, 0), COALESCE(e.offer_until, 0), e.created_at, o.code, u.email, u.name," \
    " e.code_held" \
    " FROM enrolments e JOIN offerings o ON o.id = e.offering_id JOIN users u ON u.id = e.user_id"

/* Fill e from an ENROLMENT_SQL row. */
static void enrolment_fill(arena *a, sqlite3_stmt *st, enrolment *e)
{
    e->id = sqlite3_column_int64(st, 0);
    e->offering_id = sqlite3_column_int64(st, 1);
    e->user_id = sqlite3_column_int64(st, 2);
    e->code_id = sqlite3_column_int64(st, 3);
    e->status = db_col(a, st, 4);
    e->payment_status = db_col(a, st, 5);
    e->currency = db_col(a, st, 6);
    e->amount_cents = sqlite3_column_int64(st, 7);
    e->hold_until = sqlite3_column_int64(st, 8);
    e->offer_until = sqlite3_column_int64(st, 9);
    e->created_at = sqlite3_column_int64(st, 10);
    e->offering_code = db_col(a, st, 11);
    e->user_email = db_col(a, st, 12);
    e->user_name = db_col(a, st, 13);
    e->code_held = sqlite3_column_int(st, 14);
}

int store_enrolment_live(db *d, arena *a, int64_t offering_id, int64_t user_id, enrolment *e)
{
    sqlite3_stmt *st = db_stmt(d, ENROLMENT_SQL " WHERE e.offering_id = ?1 AND e.user_id = ?2"
                                                " AND e.status IN ('pending', 'active', 'waitlisted', 'offered')");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    int found = db_row(st);
    if (found == 1) {
        enrolment_fill(a, st, e);
        db_done(st);
    }
    return found;
}

int store_enrolment_get(db *d, arena *a, int64_t id, enrolment *e)
{
    sqlite3_stmt *st = db_stmt(d, ENROLMENT_SQL " WHERE e.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int found = db_row(st);
    if (found == 1) {
        enrolment_fill(a, st, e);
        db_done(st);
    }
    return found;
}

int64_t store_enrolment_add(db *d, int64_t offering_id, int64_t user_id, const char *status,
                            const char *payment_status, int64_t amount_cents, const char *currency, int64_t code_id,
                            time_t hold_until, time_t offer_until, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents,"
                                  " currency, code_id, hold_until, offer_until, created_at, updated_at, activated_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10,"
                                  " CASE WHEN ?3 = 'active' THEN ?10 END)");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    db_bind_text(st, 3, status);
    db_bind_text(st, 4, payment_status);
    sqlite3_bind_int64(st, 5, amount_cents);
    db_bind_text(st, 6, currency);
    db_bind_id(st, 7, code_id);
    db_bind_id(st, 8, hold_until);
    db_bind_id(st, 9, offer_until);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)now);
    return insert(d, st);
}

int store_enrolment_move(db *d, int64_t id, const char *from, const char *from_pay, int clock, const char *status,
                        const char *payment_status, time_t hold_until, time_t offer_until, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE enrolments SET status = COALESCE(?2, status),"
                                  " payment_status = COALESCE(?3, payment_status), hold_until = ?4,"
                                  " offer_until = ?5, updated_at = ?6,"
                                  " activated_at = CASE WHEN ?2 = 'active' THEN COALESCE(activated_at, ?6)"
                                  " ELSE activated_at END"
                                  " WHERE id = ?1 AND instr(',' || ?7 || ',', ',' || status || ',') > 0"
                                  " AND (?8 IS NULL OR instr(',' || ?8 || ',', ',' || payment_status || ',') > 0)"
                                  " AND (?9 = 0 OR (CASE status WHEN 'pending' THEN hold_until"
                                  "   WHEN 'offered' THEN offer_until END > ?6) = (?9 = 1))");
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, status);
    db_bind_text(st, 3, payment_status);
    db_bind_id(st, 4, hold_until);
    db_bind_id(st, 5, offer_until);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    db_bind_text(st, 7, from);
    db_bind_text(st, 8, from_pay);
    sqlite3_bind_int(st, 9, clock);
    return change(d, st);
}

int store_enrolment_code_held(db *d, int64_t id, int held)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE enrolments SET code_held = ?2 WHERE id = ?1 AND code_held = 1 - ?2"
                                  " AND code_id IS NOT NULL");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, held ? 1 : 0);
    return change(d, st);
}

int store_next_waitlisted(db *d, arena *a, int64_t offering_id, enrolment *e)
{
    sqlite3_stmt *st = db_stmt(d, ENROLMENT_SQL " WHERE e.offering_id = ?1 AND e.status = 'waitlisted'"
                                                " ORDER BY e.created_at, e.id LIMIT 1");
    sqlite3_bind_int64(st, 1, offering_id);
    int found = db_row(st);
    if (found == 1) {
        enrolment_fill(a, st, e);
        db_done(st);
    }
    return found;
}

/* Step st (bound, one id column) into ids, at most max; reset it. The
** count, or -1 (logged) if the storage failed before max were read. */
static int ids_of(sqlite3_stmt *st, int64_t *ids, int max)
{
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    if (n < max && rc != SQLITE_DONE) {
        log_error("store: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        n = -1;
    }
    db_done(st);
    return n;
}

int store_lapsed(db *d, time_t now, int64_t *ids, int max)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id FROM enrolments WHERE (status = 'pending' AND hold_until <= ?1)"
                                  " OR (status = 'offered' AND offer_until <= ?1) ORDER BY id LIMIT ?2");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
    sqlite3_bind_int(st, 2, max);
    return ids_of(st, ids, max);
}

int store_code_find(db *d, const char *code, int64_t offering_id, const char *today, code_row *c)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, percent_off FROM codes WHERE code = ?1"
                                  " AND (offering_id IS NULL OR offering_id = ?2)"
                                  " AND (max_uses IS NULL OR uses < max_uses)"
                                  " AND (expires_on IS NULL OR expires_on >= ?3)"
                                  " AND disabled_at IS NULL");
    db_bind_text(st, 1, code);
    sqlite3_bind_int64(st, 2, offering_id);
    db_bind_text(st, 3, today);
    int found = db_row(st);
    if (found == 1) {
        c->id = sqlite3_column_int64(st, 0);
        c->percent_off = sqlite3_column_int(st, 1);
        db_done(st);
    }
    return found;
}

int store_code_take(db *d, int64_t id)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE codes SET uses = uses + 1 WHERE id = ?1"
                                  " AND (max_uses IS NULL OR uses < max_uses)");
    sqlite3_bind_int64(st, 1, id);
    return change(d, st);
}

int store_code_release(db *d, int64_t id)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE codes SET uses = uses - 1 WHERE id = ?1 AND uses > 0");
    sqlite3_bind_int64(st, 1, id);
    return change(d, st);
}

int store_code_create(db *d, const char *code, int64_t offering_id, int percent_off, int max_uses,
                      const char *expires_on, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO codes(code, offering_id, percent_off, max_uses, expires_on, created_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    db_bind_text(st, 1, code);
    db_bind_id(st, 2, offering_id);
    sqlite3_bind_int(st, 3, percent_off);
    db_bind_id(st, 4, max_uses);
    db_bind_text(st, 5, expires_on);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    return db_run(st);
}

json_t *store_codes(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('code', k.code, 'offering_code', o.code,"
                                  " 'percent_off', k.percent_off, 'uses', k.uses, 'max_uses', k.max_uses,"
                                  " 'expires_on', k.expires_on, 'disabled', json(CASE WHEN k.disabled_at IS NULL"
                                  " THEN 'false' ELSE 'true' END))) FROM (SELECT * FROM codes ORDER BY created_at DESC) k"
                                  " LEFT JOIN offerings o ON o.id = k.offering_id");
    return json_result(st);
}

int64_t store_payment_add(db *d, int64_t enrolment_id, const char *session, int64_t amount_cents,
                          const char *currency, const char *url, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO payments(enrolment_id, provider_session, amount_cents, currency, status,"
                                  " checkout_url, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?6)");
    sqlite3_bind_int64(st, 1, enrolment_id);
    db_bind_text(st, 2, session);
    sqlite3_bind_int64(st, 3, amount_cents);
    db_bind_text(st, 4, currency);
    db_bind_text(st, 5, url);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    return insert(d, st);
}

#define PAYMENT_SQL \
    "SELECT id, enrolment_id, amount_cents, refunded_cents, provider_session, provider_intent, currency, status," \
    " checkout_url FROM payments"

/* Fill p from a PAYMENT_SQL row. */
static void payment_fill(arena *a, sqlite3_stmt *st, payment *p)
{
    p->id = sqlite3_column_int64(st, 0);
    p->enrolment_id = sqlite3_column_int64(st, 1);
    p->amount_cents = sqlite3_column_int64(st, 2);
    p->refunded_cents = sqlite3_column_int64(st, 3);
    p->session = db_col(a, st, 4);
    p->intent = db_col(a, st, 5);
    p->currency = db_col(a, st, 6);
    p->status = db_col(a, st, 7);
    p->url = db_col(a, st, 8);
}

int store_payment_by_session(db *d, arena *a, const char *session, payment *p)
{
    sqlite3_stmt *st = db_stmt(d, PAYMENT_SQL " WHERE provider_session = ?1");
    db_bind_text(st, 1, session);
    int found = db_row(st);
    if (found == 1) {
        payment_fill(a, st, p);
        db_done(st);
    }
    return found;
}

int store_payment_latest(db *d, arena *a, int64_t enrolment_id, payment *p)
{
    sqlite3_stmt *st = db_stmt(d, PAYMENT_SQL " WHERE enrolment_id = ?1 ORDER BY (status = 'paid') DESC, id DESC LIMIT 1");
    sqlite3_bind_int64(st, 1, enrolment_id);
    int found = db_row(st);
    if (found == 1) {
        payment_fill(a, st, p);
        db_done(st);
    }
    return found;
}

int store_payments_open(db *d, arena *a, int64_t enrolment_id, payment *out, int max)
{
    sqlite3_stmt *st = db_stmt(d, PAYMENT_SQL " WHERE enrolment_id = ?1 AND status = 'open' ORDER BY id LIMIT ?2");
    sqlite3_bind_int64(st, 1, enrolment_id);
    sqlite3_bind_int(st, 2, max);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        payment_fill(a, st, &out[n++]);
    if (n < max && rc != SQLITE_DONE) {
        log_error("store: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        n = -1;
    }
    db_done(st);
    return n;
}

int store_payment_move(db *d, int64_t id, const char *from, const char *status, const char *intent, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE payments SET status = ?2, provider_intent = COALESCE(?3, provider_intent),"
                                  " updated_at = ?4 WHERE id = ?1"
                                  " AND instr(',' || ?5 || ',', ',' || status || ',') > 0");
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, status);
    db_bind_text(st, 3, intent);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    db_bind_text(st, 5, from);
    return change(d, st);
}

/* Move a payment's refunded amount by delta cents (a reservation or its
** release), keeping its status in step. 1, 0 (over the paid amount or
** below zero), -1. */
static int payment_refunded_add(db *d, int64_t id, int64_t delta, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE payments SET refunded_cents = refunded_cents + ?2, updated_at = ?3,"
                                  " status = CASE WHEN refunded_cents + ?2 >= amount_cents THEN 'refunded'"
                                  " WHEN refunded_cents + ?2 > 0 THEN 'partially_refunded' ELSE 'paid' END"
                                  " WHERE id = ?1 AND status IN ('paid', 'partially_refunded', 'refunded')"
                                  " AND refunded_cents + ?2 BETWEEN 0 AND amount_cents");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, delta);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return change(d, st);
}

int64_t store_refund_begin(db *d, int64_t payment_id, int64_t amount_cents, int64_t staff_id, const char *reason,
                           time_t now)
{
    if (amount_cents <= 0)
        return 0;
    int rc = payment_refunded_add(d, payment_id, amount_cents, now);
    if (rc <= 0)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO refunds(payment_id, amount_cents, staff_id, created_at, status, reason)"
                                  " VALUES (?1, ?2, ?3, ?4, 'pending', ?5)");
    sqlite3_bind_int64(st, 1, payment_id);
    sqlite3_bind_int64(st, 2, amount_cents);
    db_bind_id(st, 3, staff_id);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    db_bind_text(st, 5, reason);
    int64_t id = insert(d, st);
    return id > 0 ? id : -1;
}

int store_refund_get(db *d, arena *a, int64_t id, refund_row *r)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT f.id, f.payment_id, f.amount_cents, f.status, p.provider_intent,"
                                  " p.enrolment_id, p.currency, COALESCE(f.reason, 'staff')"
                                  " FROM refunds f JOIN payments p ON p.id = f.payment_id"
                                  " WHERE f.id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int found = db_row(st);
    if (found == 1) {
        r->id = sqlite3_column_int64(st, 0);
        r->payment_id = sqlite3_column_int64(st, 1);
        r->amount_cents = sqlite3_column_int64(st, 2);
        r->status = db_col(a, st, 3);
        r->intent = db_col(a, st, 4);
        r->enrolment_id = sqlite3_column_int64(st, 5);
        r->currency = db_col(a, st, 6);
        r->reason = db_col(a, st, 7);
        db_done(st);
    }
    return found;
}

int store_refunds_stale(db *d, time_t before, int64_t *ids, int max)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id FROM refunds WHERE status = 'pending' AND created_at <= ?1"
                                  " ORDER BY id LIMIT ?2");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
    sqlite3_bind_int(st, 2, max);
    return ids_of(st, ids, max);
}

int store_refund_settle(db *d, int64_t id, const char *provider_refund, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE refunds SET status = 'done', provider_refund = ?2, settled_at = ?3"
                                  " WHERE id = ?1 AND status = 'pending'");
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, provider_refund);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return change(d, st);
}

int store_refund_fail(db *d, int64_t id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE refunds SET status = 'failed', settled_at = ?2"
                                  " WHERE id = ?1 AND status = 'pending'"
                                  " RETURNING payment_id, amount_cents");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    int found = db_row(st);
    if (found != 1)
        return found;
    int64_t payment_id = sqlite3_column_int64(st, 0), amount = sqlite3_column_int64(st, 1);
    /* Step to the end so the change is complete before the next statement. */
    int rc = sqlite3_step(st);
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return payment_refunded_add(d, payment_id, -amount, now) == 1 ? 1 : -1;
}

int64_t store_invoice_issue(db *d, int64_t enrolment_id, int64_t school_id, int year, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO invoices(number, year, seq, enrolment_id, school_id, school_name,"
                                  " school_city, school_country, billing_name, billing_email, amount_cents, currency,"
                                  " status, created_at, updated_at)"
                                  " SELECT printf('INV-%04d-%04d', ?3, n.seq), ?3, n.seq, e.id, s.id, s.name, s.city,"
                                  " s.country, s.billing_name, s.billing_email, e.amount_cents, e.currency, 'issued',"
                                  " ?4, ?4 FROM enrolments e JOIN schools s ON s.id = ?2,"
                                  " (SELECT COALESCE(max(seq), 0) + 1 AS seq FROM invoices WHERE year = ?3) n"
                                  " WHERE e.id = ?1 AND s.invoice = 1 AND s.member = 1"
                                  " AND COALESCE(s.billing_email, '') <> ''");
    sqlite3_bind_int64(st, 1, enrolment_id);
    sqlite3_bind_int64(st, 2, school_id);
    sqlite3_bind_int(st, 3, year);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    int rc = db_run(st);
    if (rc != 0) {
        log_error("store: %s", db_errmsg(d));
        return rc;
    }
    return db_changes(d) > 0 ? db_last_id(d) : 0;
}

int store_invoice_for(db *d, arena *a, int64_t enrolment_id, invoice_row *v)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, number, school_name, school_city, school_country, billing_name,"
                                  " billing_email, amount_cents, currency, status, created_at FROM invoices"
                                  " WHERE enrolment_id = ?1");
    sqlite3_bind_int64(st, 1, enrolment_id);
    int found = db_row(st);
    if (found == 1) {
        v->id = sqlite3_column_int64(st, 0);
        v->number = db_col(a, st, 1);
        v->school_name = db_col(a, st, 2);
        v->school_city = db_col(a, st, 3);
        v->school_country = db_col(a, st, 4);
        v->billing_name = db_col(a, st, 5);
        v->billing_email = db_col(a, st, 6);
        v->amount_cents = sqlite3_column_int64(st, 7);
        v->currency = db_col(a, st, 8);
        v->status = db_col(a, st, 9);
        v->created_at = sqlite3_column_int64(st, 10);
        db_done(st);
    }
    return found;
}

int store_invoice_move(db *d, int64_t enrolment_id, const char *from, const char *status, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE invoices SET status = ?3, updated_at = ?4 WHERE enrolment_id = ?1"
                                  " AND status = ?2");
    sqlite3_bind_int64(st, 1, enrolment_id);
    db_bind_text(st, 2, from);
    db_bind_text(st, 3, status);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    return change(d, st);
}

int store_event_record(db *d, const char *event_id, const char *type, int64_t payment_id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO payment_events(event_id, type, payment_id, received_at)"
                                  " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(event_id) DO NOTHING");
    db_bind_text(st, 1, event_id);
    db_bind_text(st, 2, type);
    db_bind_id(st, 3, payment_id);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    return change(d, st);
}

int store_audit(db *d, int64_t actor_id, const char *action, const char *subject, const char *detail, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO audit_log(at, actor_id, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
    db_bind_id(st, 2, actor_id);
    db_bind_text(st, 3, action);
    db_bind_text(st, 4, subject);
    db_bind_text(st, 5, detail);
    return db_run(st);
}

int store_user_enrolments(db *d, arena *a, int64_t user_id, user_enrolment_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT e.id, e.status, e.payment_status, e.amount_cents, e.currency,"
                                  " COALESCE(e.hold_until, 0), COALESCE(e.offer_until, 0), e.created_at,"
                                  " (SELECT COALESCE(sum(p.amount_cents), 0) FROM payments p WHERE p.enrolment_id = e.id"
                                  "   AND p.status IN ('paid', 'partially_refunded', 'refunded')),"
                                  " (SELECT COALESCE(sum(p.refunded_cents), 0) FROM payments p WHERE p.enrolment_id = e.id"
                                  "   AND p.status IN ('paid', 'partially_refunded', 'refunded')),"
                                  " o.code, c.slug, c.title, c.position, o.starts, o.ends, o.price_cents, o.currency,"
                                  " o.capacity, o.opens, o.closes,"
                                  " (SELECT cu.name FROM offering_staff os JOIN users cu ON cu.id = os.user_id"
                                  "   WHERE os.offering_id = o.id AND os.role = 'coach' ORDER BY os.created_at, cu.id LIMIT 1),"
                                  " o.season, o.demo, 0, o.id, o.updated_at, o.sequence, COALESCE(o.cancelled_at, 0),"
                                  " o.published"
                                  " FROM enrolments e JOIN offerings o ON o.id = e.offering_id"
                                  " JOIN courses c ON c.id = o.course_id WHERE e.user_id = ?1 ORDER BY e.id DESC");
    sqlite3_bind_int64(st, 1, user_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        user_enrolment_row *r = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        r->id = sqlite3_column_int64(st, 0);
        r->status = db_col(a, st, 1);
        r->payment_status = db_col(a, st, 2);
        r->amount_cents = sqlite3_column_int64(st, 3);
        r->currency = db_col(a, st, 4);
        r->hold_until = sqlite3_column_int64(st, 5);
        r->offer_until = sqlite3_column_int64(st, 6);
        r->created_at = sqlite3_column_int64(st, 7);
        r->paid_cents = sqlite3_column_int64(st, 8);
        r->refunded_cents = sqlite3_column_int64(st, 9);
        store_offering_read(a, st, 10, &r->offering);
    }
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}

json_t *store_offering_enrolments(db *d, int64_t offering_id, int limit, int offset)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('id', e.id, 'status', e.status,"
                                  " 'payment_status', e.payment_status, 'amount_cents', e.amount_cents,"
                                  " 'currency', e.currency, 'created_at', e.created_at, 'user_name', u.name,"
                                  " 'user_email', u.email, 'school', s.name,"
                                  " 'paid_cents', (SELECT COALESCE(max(p.amount_cents - p.refunded_cents), 0)"
                                  "   FROM payments p WHERE p.enrolment_id = e.id AND p.status IN ('paid',"
                                  "   'partially_refunded')),"
                                  " 'invoice_number', (SELECT v.number FROM invoices v WHERE v.enrolment_id = e.id),"
                                  " 'refund_pending_cents', (SELECT COALESCE(sum(f.amount_cents), 0) FROM refunds f"
                                  "   JOIN payments p ON p.id = f.payment_id WHERE p.enrolment_id = e.id"
                                  "   AND f.status = 'pending')))"
                                  " FROM (SELECT * FROM enrolments WHERE offering_id = ?1 ORDER BY created_at, id"
                                  "   LIMIT ?2 OFFSET ?3) e"
                                  " JOIN users u ON u.id = e.user_id LEFT JOIN schools s ON s.id = u.school_id");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int(st, 2, limit);
    sqlite3_bind_int(st, 3, offset);
    return json_result(st);
}

json_t *store_offering_counts(db *d, int64_t offering_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FILTER (WHERE status = 'active'),"
                                  " count(*) FILTER (WHERE status = 'pending'),"
                                  " count(*) FILTER (WHERE status = 'waitlisted'),"
                                  " count(*) FILTER (WHERE status = 'offered'), count(*)"
                                  " FROM enrolments WHERE offering_id = ?1");
    sqlite3_bind_int64(st, 1, offering_id);
    if (db_row(st) != 1)
        return NULL;
    json_t *o = json_pack("{s:i, s:i, s:i, s:i, s:i}", "active", sqlite3_column_int(st, 0), "pending",
                          sqlite3_column_int(st, 1), "waitlisted", sqlite3_column_int(st, 2), "offered",
                          sqlite3_column_int(st, 3), "total", sqlite3_column_int(st, 4));
    db_done(st);
    return o;
}

int store_enrolment_money(db *d, int64_t enrolment_id, int64_t *paid_cents, int64_t *refunded_cents)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT COALESCE(sum(amount_cents), 0), COALESCE(sum(refunded_cents), 0) FROM payments"
                                  " WHERE enrolment_id = ?1 AND status IN ('paid', 'partially_refunded', 'refunded')");
    sqlite3_bind_int64(st, 1, enrolment_id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    *paid_cents = rc == 0 ? sqlite3_column_int64(st, 0) : 0;
    *refunded_cents = rc == 0 ? sqlite3_column_int64(st, 1) : 0;
    db_done(st);
    return rc;
}

json_t *store_audit_for_offering(db *d, int64_t offering_id, const char *offering_code, int limit)
{
    /* Each subject is looked up in audit_by_subject; only the newest limit
    ** lines are joined to their actor, in the subquery's order (the outer
    ** loop). */
    sqlite3_stmt *st = db_stmt(d, "SELECT json_group_array(json_object('at', a.at, 'actor', COALESCE(u.name, 'system'),"
                                  " 'action', a.action, 'subject', a.subject, 'detail', a.detail))"
                                  " FROM (SELECT * FROM audit_log WHERE subject IN"
                                  "   (SELECT 'enrolment:' || id FROM enrolments WHERE offering_id = ?1"
                                  "    UNION ALL SELECT 'offering:' || ?2)"
                                  "  ORDER BY at DESC, id DESC LIMIT ?3) a LEFT JOIN users u ON u.id = a.actor_id");
    sqlite3_bind_int64(st, 1, offering_id);
    db_bind_text(st, 2, offering_code);
    sqlite3_bind_int(st, 3, limit);
    json_t *a = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        a = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    db_done(st);
    return a;
}

int store_seat(db *d, arena *a, int64_t offering_id, const char *code, int64_t user_id, seat_row *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d,
        "SELECT o.id, o.code, c.slug, o.starts, o.ends, o.time_zone, COALESCE(o.posting_closes_at, 0),"
        " EXISTS (SELECT 1 FROM enrolments e WHERE e.offering_id = o.id AND e.user_id = ?3"
        "   AND " STORE_SEATED_ONE("e") "),"
        " EXISTS (SELECT 1 FROM offering_staff s WHERE s.offering_id = o.id AND s.user_id = ?3), c.title,"
        " COALESCE((SELECT v.last_at FROM workspace_visits v WHERE v.offering_id = o.id AND v.user_id = ?3), 0)"
        " FROM offerings o JOIN courses c ON c.id = o.course_id"
        " WHERE (?1 > 0 AND o.id = ?1) OR (?1 = 0 AND o.code = ?2)");
    sqlite3_bind_int64(st, 1, offering_id);
    db_bind_text(st, 2, code ? code : "");
    sqlite3_bind_int64(st, 3, user_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->offering_id = sqlite3_column_int64(st, 0);
        out->code = db_col(a, st, 1);
        out->course_slug = db_col(a, st, 2);
        out->starts = db_col(a, st, 3);
        out->ends = db_col(a, st, 4);
        out->time_zone = db_col(a, st, 5);
        out->posting_closes_at = (time_t)sqlite3_column_int64(st, 6);
        out->participant = sqlite3_column_int(st, 7);
        out->coach = sqlite3_column_int(st, 8);
        out->course_title = db_col(a, st, 9);
        out->visit_at = (time_t)sqlite3_column_int64(st, 10);
    }
    db_done(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_audit_last(db *d, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT COALESCE(max(id), 0) FROM audit_log");
    int rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_done(st);
    return rc == SQLITE_ROW ? 0 : -1;
}
