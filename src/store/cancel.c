/*
** cancel.c: SQL for cancelling an offering (see store_cancel.h): the
** conditional write that cancels it, and the reads of its registrations
** and of the refunds the cancellation started.
*/
#include "store_cancel.h"

#include <sqlite3.h>

#include "log.h"

/* See store_cancel.h. */
int store_cancel_state(db *d, arena *a, int64_t offering_id, cancel_state *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT COALESCE(o.cancelled_at, 0), o.sequence, u.name, o.cancel_reason"
                                  " FROM offerings o LEFT JOIN users u ON u.id = o.cancelled_by WHERE o.id = ?1");
    sqlite3_bind_int64(st, 1, offering_id);
    int found = db_row(st);
    if (found == 1) {
        out->cancelled_at = sqlite3_column_int64(st, 0);
        out->sequence = sqlite3_column_int64(st, 1);
        out->by_name = db_col(a, st, 2);
        out->reason = db_col(a, st, 3);
        db_done(st);
    }
    return found;
}

/* See store_cancel.h. */
int store_offering_is_cancelled(db *d, int64_t offering_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT cancelled_at IS NOT NULL FROM offerings WHERE id = ?1");
    sqlite3_bind_int64(st, 1, offering_id);
    int found = db_row(st);
    if (found == 1) {
        found = sqlite3_column_int(st, 0) != 0;
        db_done(st);
    }
    return found;
}

/* See store_cancel.h. */
int store_offering_cancel(db *d, int64_t offering_id, int64_t actor_id, const char *reason, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE offerings SET cancelled_at = ?2, cancelled_by = ?3, cancel_reason = ?4,"
                                  " updated_at = ?2 WHERE id = ?1 AND cancelled_at IS NULL");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    db_bind_id(st, 3, actor_id);
    db_bind_text(st, 4, reason);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d) > 0 ? 1 : 0;
}

/* See store_cancel.h. */
int store_cancel_regs(db *d, arena *a, int64_t offering_id, int live, cancel_reg **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT e.id, u.name, u.email, e.status, e.payment_status, e.currency, e.amount_cents,"
        " (SELECT COALESCE(sum(p.amount_cents - p.refunded_cents), 0) FROM payments p WHERE p.enrolment_id = e.id"
        "   AND p.status IN ('paid', 'partially_refunded') AND p.provider_intent IS NOT NULL),"
        " (SELECT COALESCE(sum(f.amount_cents), 0) FROM refunds f JOIN payments p ON p.id = f.payment_id"
        "   WHERE p.enrolment_id = e.id AND f.status = 'pending'),"
        " v.number, v.status"
        " FROM enrolments e JOIN users u ON u.id = e.user_id LEFT JOIN invoices v ON v.enrolment_id = e.id"
        " WHERE e.offering_id = ?1 AND (CASE WHEN ?2 THEN e.status IN ('pending', 'active', 'waitlisted', 'offered')"
        "   ELSE e.status = 'cancelled' END)"
        " ORDER BY e.id");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int(st, 2, live != 0);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cancel_reg *r = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        r->id = sqlite3_column_int64(st, 0);
        r->user_name = db_col(a, st, 1);
        r->user_email = db_col(a, st, 2);
        r->status = db_col(a, st, 3);
        r->payment_status = db_col(a, st, 4);
        r->currency = db_col(a, st, 5);
        r->amount_cents = sqlite3_column_int64(st, 6);
        r->card_left_cents = sqlite3_column_int64(st, 7);
        r->refund_pending_cents = sqlite3_column_int64(st, 8);
        r->invoice_number = db_col(a, st, 9);
        r->invoice_status = db_col(a, st, 10);
    }
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}

/* See store_cancel.h. */
int store_cancel_refunds(db *d, arena *a, int64_t offering_id, cancel_refund **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT f.id, e.id, f.amount_cents, f.created_at, COALESCE(f.settled_at, 0), f.status, p.currency,"
        " u.name, u.email"
        " FROM refunds f JOIN payments p ON p.id = f.payment_id JOIN enrolments e ON e.id = p.enrolment_id"
        " JOIN users u ON u.id = e.user_id"
        " WHERE e.offering_id = ?1 AND f.reason = '" CANCEL_REFUND_REASON "' ORDER BY f.id");
    sqlite3_bind_int64(st, 1, offering_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cancel_refund *r = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        r->id = sqlite3_column_int64(st, 0);
        r->enrolment_id = sqlite3_column_int64(st, 1);
        r->amount_cents = sqlite3_column_int64(st, 2);
        r->created_at = sqlite3_column_int64(st, 3);
        r->settled_at = sqlite3_column_int64(st, 4);
        r->status = db_col(a, st, 5);
        r->currency = db_col(a, st, 6);
        r->user_name = db_col(a, st, 7);
        r->user_email = db_col(a, st, 8);
    }
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}

/* See store_cancel.h. */
int store_cancel_coaches(db *d, arena *a, int64_t offering_id, cancel_coach **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT u.name, u.email FROM users u WHERE u.id IN"
                                  " (SELECT s.user_id FROM offering_staff s WHERE s.offering_id = ?1)"
                                  " ORDER BY (SELECT min(s.created_at) FROM offering_staff s"
                                  "   WHERE s.offering_id = ?1 AND s.user_id = u.id), u.id");
    sqlite3_bind_int64(st, 1, offering_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cancel_coach *c = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        c->name = db_col(a, st, 0);
        c->email = db_col(a, st, 1);
    }
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}
