/*
** reports.c: the SQL of the staff reports and exports (see store_reports.h).
**
** Each query exists in one version per scope (an offering by id as ?1, a
** season by name as ?2, and for exports everything), so each can use its
** index: offerings_by_season, then enrolments_by_offering. The exports are
** ordered by what the index gives (offerings by start, then rows by id
** within one offering), never by a sort over the whole export, which would
** hold every row in memory before the first one is sent.
*/
#include "store_reports.h"

#include <string.h>

#include "log.h"

#define W_OFFERING "o.id = ?1"
#define W_SEASON "o.season = ?2"
#define W_ALL "o.starts >= ''" /* offerings_by_start gives the order */

/* The statement of the three versions sql[0..2] fitting scope, bound. */
static sqlite3_stmt *scoped(db *d, const char *const sql[3], const report_scope *scope)
{
    int which = scope->offering_id > 0 ? 0 : scope->season ? 1 : 2;
    sqlite3_stmt *st = db_stmt(d, sql[which]);
    if (which == 0)
        sqlite3_bind_int64(st, 1, scope->offering_id);
    else if (which == 1)
        sqlite3_bind_text(st, 2, scope->season, -1, SQLITE_STATIC);
    return st;
}

/* Read every (text, count) row of st into a list in a. 0 or -1. */
static int read_counts(arena *a, sqlite3_stmt *st, report_count **list, int *n)
{
    int cap = 8, rc;
    *n = 0;
    *list = arena_alloc(a, sizeof **list * (size_t)cap);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            report_count *more = arena_alloc(a, sizeof *more * (size_t)cap * 2);
            memcpy(more, *list, sizeof *more * (size_t)cap);
            *list = more;
            cap *= 2;
        }
        (*list)[*n].key = db_col(a, st, 0);
        (*list)[*n].n = sqlite3_column_int64(st, 1);
        (*n)++;
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

#define Q3(M) {M(W_OFFERING), M(W_SEASON), M(W_ALL)}

#define BY_STATE(W) "SELECT e.status, count(*) FROM offerings o JOIN enrolments e ON e.offering_id = o.id" \
    " WHERE " W " GROUP BY e.status ORDER BY 2 DESC, 1"
#define BY_PAYMENT(W) "SELECT e.payment_status, count(*) FROM offerings o JOIN enrolments e ON e.offering_id = o.id" \
    " WHERE " W " GROUP BY e.payment_status ORDER BY 2 DESC, 1"
/* Money per currency: card payments, refunds done, invoices. */
#define MONEY(W) "SELECT cur, sum(paid), sum(refunded), sum(open), sum(inv_paid), sum(n_open) FROM (" \
    " SELECT p.currency AS cur, p.amount_cents AS paid, 0 AS refunded, 0 AS open, 0 AS inv_paid, 0 AS n_open" \
    "  FROM offerings o JOIN enrolments e ON e.offering_id = o.id JOIN payments p ON p.enrolment_id = e.id" \
    "  WHERE " W " AND p.status IN ('paid', 'refunded', 'partially_refunded')" \
    " UNION ALL SELECT p.currency, 0, r.amount_cents, 0, 0, 0" \
    "  FROM offerings o JOIN enrolments e ON e.offering_id = o.id JOIN payments p ON p.enrolment_id = e.id" \
    "  JOIN refunds r ON r.payment_id = p.id WHERE " W " AND r.status = 'done'" \
    " UNION ALL SELECT i.currency, 0, 0, CASE i.status WHEN 'issued' THEN i.amount_cents ELSE 0 END," \
    "  CASE i.status WHEN 'paid' THEN i.amount_cents ELSE 0 END, i.status = 'issued'" \
    "  FROM offerings o JOIN enrolments e ON e.offering_id = o.id JOIN invoices i ON i.enrolment_id = e.id" \
    "  WHERE " W ") GROUP BY cur ORDER BY cur"
#define POSTERS(W) "SELECT count(*), count(DISTINCT p.author_id) FROM offerings o JOIN threads t ON t.offering_id = o.id" \
    " JOIN posts p ON p.thread_id = t.id WHERE " W " AND p.deleted_at IS NULL"
/* Threads a participant started (the author is none of the offering's
** coaches), and when one of the coaches first replied. */
#define ANSWERS(W) "SELECT count(*), count(r.first), COALESCE(sum(r.first - r.created_at), 0)," \
    " COALESCE(sum(r.first - r.created_at <= 86400), 0) FROM (" \
    " SELECT t.created_at, (SELECT min(p.created_at) FROM posts p WHERE p.thread_id = t.id" \
    "   AND p.deleted_at IS NULL AND p.author_id IN (SELECT s.user_id FROM offering_staff s" \
    "   WHERE s.offering_id = t.offering_id)) AS first" \
    " FROM offerings o JOIN threads t ON t.offering_id = o.id WHERE " W \
    " AND t.author_id NOT IN (SELECT s.user_id FROM offering_staff s WHERE s.offering_id = t.offering_id)) r"
/* Versions handed in, and the time to their first feedback. */
#define REVIEWS(W) "SELECT count(*), count(r.first), COALESCE(sum(r.first - r.created_at), 0) FROM (" \
    " SELECT s.created_at, (SELECT min(f.created_at) FROM feedback f WHERE f.submission_id = s.id) AS first" \
    " FROM offerings o JOIN submissions s ON s.offering_id = o.id WHERE " W ") r"
#define DAYS(W) "SELECT date(e.created_at, 'unixepoch') AS day, count(*) FROM offerings o" \
    " JOIN enrolments e ON e.offering_id = o.id WHERE " W " GROUP BY day ORDER BY day"

static const char *const by_state_sql[3] = Q3(BY_STATE);
static const char *const by_payment_sql[3] = Q3(BY_PAYMENT);
static const char *const money_sql[3] = Q3(MONEY);
static const char *const posters_sql[3] = Q3(POSTERS);
static const char *const answers_sql[3] = Q3(ANSWERS);
static const char *const reviews_sql[3] = Q3(REVIEWS);
static const char *const days_sql[3] = Q3(DAYS);
#define SEATED(W) "SELECT" \
    " (SELECT count(*) FROM offerings o JOIN enrolments e ON e.offering_id = o.id WHERE " W \
    "   AND e.status = 'active' AND e.payment_status IN ('paid', 'invoiced', 'waived'))," \
    " (SELECT count(*) FROM offerings o JOIN completions c ON c.offering_id = o.id WHERE " W ")," \
    " (SELECT count(*) FROM offerings o JOIN threads t ON t.offering_id = o.id WHERE " W ")"
static const char *const seated_sql[3] = Q3(SEATED);

/* See store_reports.h. */
int store_report_summary(db *d, arena *a, const report_scope *scope, report_summary *out)
{
    memset(out, 0, sizeof *out);
    if (read_counts(a, scoped(d, by_state_sql, scope), &out->by_state, &out->n_state) != 0 ||
        read_counts(a, scoped(d, by_payment_sql, scope), &out->by_payment, &out->n_payment) != 0)
        goto fail;
    sqlite3_stmt *st = scoped(d, money_sql, scope);
    int cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n_money == cap) {
            cap = cap ? cap * 2 : 4;
            report_money *more = arena_alloc(a, sizeof *more * (size_t)cap);
            if (out->n_money)
                memcpy(more, out->money, sizeof *more * (size_t)out->n_money);
            out->money = more;
        }
        report_money *m = &out->money[out->n_money++];
        m->currency = db_col(a, st, 0);
        m->paid = sqlite3_column_int64(st, 1);
        m->refunded = sqlite3_column_int64(st, 2);
        m->invoices_open = sqlite3_column_int64(st, 3);
        m->invoices_paid = sqlite3_column_int64(st, 4);
        m->n_invoices_open = sqlite3_column_int64(st, 5);
    }
    db_done(st);
    if (rc != SQLITE_DONE)
        goto fail;
    st = scoped(d, seated_sql, scope);
    if (db_row(st) != 1)
        goto fail;
    out->seated = sqlite3_column_int64(st, 0);
    out->completed = sqlite3_column_int64(st, 1);
    out->threads = sqlite3_column_int64(st, 2);
    db_done(st);
    st = scoped(d, posters_sql, scope);
    if (db_row(st) != 1)
        goto fail;
    out->posts = sqlite3_column_int64(st, 0);
    out->posters = sqlite3_column_int64(st, 1);
    db_done(st);
    st = scoped(d, answers_sql, scope);
    if (db_row(st) != 1)
        goto fail;
    out->questions = sqlite3_column_int64(st, 0);
    out->answered = sqlite3_column_int64(st, 1);
    out->answer_seconds = sqlite3_column_int64(st, 2);
    out->answered_in_day = sqlite3_column_int64(st, 3);
    db_done(st);
    st = scoped(d, reviews_sql, scope);
    if (db_row(st) != 1)
        goto fail;
    out->submissions = sqlite3_column_int64(st, 0);
    out->reviewed = sqlite3_column_int64(st, 1);
    out->review_seconds = sqlite3_column_int64(st, 2);
    db_done(st);
    return 0;
fail:
    log_error("store: report: %s", db_errmsg(d));
    return -1;
}

/* See store_reports.h. */
int store_report_days(db *d, arena *a, const report_scope *scope, report_day **list, int *n)
{
    report_count *c;
    if (read_counts(a, scoped(d, days_sql, scope), &c, n) != 0) {
        log_error("store: report days: %s", db_errmsg(d));
        return -1;
    }
    /* report_count and report_day have the same shape; copy to be plain. */
    *list = arena_alloc(a, sizeof **list * (size_t)(*n ? *n : 1));
    for (int i = 0; i < *n; i++) {
        (*list)[i].day = c[i].key;
        (*list)[i].n = c[i].n;
    }
    return 0;
}

/* The columns of a report_offering, for offering o. */
#define OFFERING_COLS \
    "SELECT o.id, o.code, c.title, o.starts, o.ends, o.season, o.currency, o.capacity," \
    " (SELECT count(*) FROM enrolments e WHERE e.offering_id = o.id AND e.status IN ('pending', 'active'))," \
    " (SELECT count(*) FROM enrolments e WHERE e.offering_id = o.id AND e.status = 'active'" \
    "   AND e.payment_status IN ('paid', 'invoiced', 'waived'))," \
    " (SELECT count(*) FROM completions x WHERE x.offering_id = o.id)," \
    " (SELECT COALESCE(sum(p.amount_cents - p.refunded_cents), 0) FROM enrolments e" \
    "   JOIN payments p ON p.enrolment_id = e.id WHERE e.offering_id = o.id" \
    "   AND p.status IN ('paid', 'refunded', 'partially_refunded'))" \
    " FROM offerings o JOIN courses c ON c.id = o.course_id"

/* Fill r from an OFFERING_COLS row. */
static void offering_fill(arena *a, sqlite3_stmt *st, report_offering *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->code = db_col(a, st, 1);
    r->course_title = db_col(a, st, 2);
    r->starts = db_col(a, st, 3);
    r->ends = db_col(a, st, 4);
    r->season = db_col(a, st, 5);
    r->currency = db_col(a, st, 6);
    r->capacity = sqlite3_column_int64(st, 7);
    r->registrations = sqlite3_column_int64(st, 8);
    r->seated = sqlite3_column_int64(st, 9);
    r->completed = sqlite3_column_int64(st, 10);
    r->paid_cents = sqlite3_column_int64(st, 11);
}

/* See store_reports.h. */
int store_report_offering(db *d, arena *a, const char *code, report_offering *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, OFFERING_COLS " WHERE o.code = ?1");
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    int found = db_row(st);
    if (found != 1)
        return found;
    offering_fill(a, st, out);
    db_done(st);
    return 1;
}

/* See store_reports.h. */
int store_report_season_offerings(db *d, arena *a, const char *season, report_offering **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, OFFERING_COLS " WHERE o.season = ?1 ORDER BY o.starts, o.code");
    sqlite3_bind_text(st, 1, season, -1, SQLITE_STATIC);
    int cap = 16, rc;
    *n = 0;
    *list = arena_alloc(a, sizeof **list * (size_t)cap);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            report_offering *more = arena_alloc(a, sizeof *more * (size_t)cap * 2);
            memcpy(more, *list, sizeof *more * (size_t)cap);
            *list = more;
            cap *= 2;
        }
        offering_fill(a, st, &(*list)[(*n)++]);
    }
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: season offerings: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}

/* See store_reports.h. */
int store_report_seasons(db *d, arena *a, report_season **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT o.season, min(o.starts), max(o.starts), count(*),"
        " (SELECT count(*) FROM offerings x JOIN enrolments e ON e.offering_id = x.id WHERE x.season = o.season)"
        " FROM offerings o WHERE o.demo = 0 GROUP BY o.season ORDER BY min(o.starts) DESC");
    int cap = 16, rc;
    *n = 0;
    *list = arena_alloc(a, sizeof **list * (size_t)cap);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            report_season *more = arena_alloc(a, sizeof *more * (size_t)cap * 2);
            memcpy(more, *list, sizeof *more * (size_t)cap);
            *list = more;
            cap *= 2;
        }
        report_season *s = &(*list)[(*n)++];
        s->name = db_col(a, st, 0);
        s->first_start = db_col(a, st, 1);
        s->last_start = db_col(a, st, 2);
        s->offerings = sqlite3_column_int64(st, 3);
        s->registrations = sqlite3_column_int64(st, 4);
    }
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: seasons: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}

/* ---- exports ---- */

#define ISO(x) "strftime('%Y-%m-%dT%H:%M:%SZ', " x ", 'unixepoch')"
#define MONEYTXT(x) "printf('%d.%02d', (" x ") / 100, (" x ") % 100)"
/* Offerings in start order (an index), then rows by id within each one:
** the sort is of one offering's rows at most. CROSS JOIN keeps offerings
** the outer loop whatever the planner's statistics say. */
#define ROSTERS(W) "SELECT o.code, c.title, o.season, o.starts, e.id, u.name, u.email, s.name, e.status," \
    " e.payment_status, " MONEYTXT("e.amount_cents") ", e.currency, " ISO("e.created_at") ", " ISO("e.activated_at") \
    " FROM offerings o CROSS JOIN enrolments e ON e.offering_id = o.id JOIN courses c ON c.id = o.course_id" \
    " JOIN users u ON u.id = e.user_id LEFT JOIN schools s ON s.id = u.school_id" \
    " WHERE " W " ORDER BY o.starts, o.id, e.id"
#define PAYMENTS(W) "SELECT p.id, o.code, e.id, u.name, u.email, p.provider_session, " MONEYTXT("p.amount_cents") "," \
    " " MONEYTXT("p.refunded_cents") ", p.currency, p.status, " ISO("p.created_at") ", " ISO("p.updated_at") \
    " FROM offerings o CROSS JOIN enrolments e ON e.offering_id = o.id JOIN payments p ON p.enrolment_id = e.id" \
    " JOIN users u ON u.id = e.user_id WHERE " W " ORDER BY o.starts, o.id, p.id"
#define INVOICES(W) "SELECT i.number, o.code, e.id, i.school_name, i.billing_name, i.billing_email," \
    " " MONEYTXT("i.amount_cents") ", i.currency, i.status, " ISO("i.created_at") ", " ISO("i.updated_at") \
    " FROM offerings o CROSS JOIN enrolments e ON e.offering_id = o.id JOIN invoices i ON i.enrolment_id = e.id" \
    " WHERE " W " ORDER BY o.starts, o.id, i.id"
#define COMPLETIONS(W) "SELECT o.code, c.title, u.name, u.email, b.name, " ISO("x.signed_at") ", k.number, k.hours" \
    " FROM offerings o CROSS JOIN completions x ON x.offering_id = o.id JOIN courses c ON c.id = o.course_id" \
    " JOIN users u ON u.id = x.user_id JOIN users b ON b.id = x.signed_by" \
    " LEFT JOIN certificates k ON k.offering_id = x.offering_id AND k.user_id = x.user_id AND k.revoked_at IS NULL" \
    " WHERE " W " ORDER BY o.starts, o.id, u.name"

static const char *const export_sql[4][3] = {Q3(ROSTERS), Q3(PAYMENTS), Q3(INVOICES), Q3(COMPLETIONS)};

/* See store_reports.h. */
int store_export_each(db *d, export_kind kind, const report_scope *scope,
                      int (*fn)(void *ctx, const export_cell *cells, int n), void *ctx)
{
    if ((int)kind < 0 || kind > EXPORT_COMPLETIONS)
        return -1;
    sqlite3_stmt *st = scoped(d, export_sql[kind], scope);
    int cols = sqlite3_column_count(st), rc;
    export_cell cells[16];
    if (cols > 16)
        cols = 16;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < cols; i++) {
            int t = sqlite3_column_type(st, i);
            cells[i].is_num = t == SQLITE_INTEGER;
            cells[i].num = cells[i].is_num ? sqlite3_column_int64(st, i) : 0;
            cells[i].text = t == SQLITE_NULL || cells[i].is_num ? NULL : (const char *)sqlite3_column_text(st, i);
        }
        if (fn(ctx, cells, cols) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: export: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}
