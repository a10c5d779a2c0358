/*
** staff.c: the staff console: offerings and their registrations, payment
** actions (mark an invoice paid, waive, refund), the mail outbox's
** problems, and waiver and discount codes. Every action is audited.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "date.h"
#include "domain.h"
#include "enrol.h"
#include "pages.h"
#include "store_content.h"
#include "store_enrol.h"
#include "store_outbox.h"
#include "text.h"

/* "21 October 2019" for a Unix time, in the arena. */
static const char *day_label(arena *a, json_int_t t)
{
    buf b = BUF_INIT;
    date_label(&b, date_from_time((time_t)t));
    const char *s = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

/* "2 December 2026, 13:05 UTC" for a Unix time, in the arena; NULL for 0. */
static const char *time_label(arena *a, json_int_t t)
{
    if (t <= 0)
        return NULL;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return day_label(a, t);
    return arena_printf(a, "%s, %02d:%02d UTC", day_label(a, t), tm.tm_hour, tm.tm_min);
}

int page_staff_home(request *rq, response *rs)
{
    app *ap = page_app(rq);
    json_t *list = page_offerings_load(ap->db, rq->a, NULL, ap->cfg->demo);
    if (!list)
        return page_unavailable(rq);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        page_offering(rq->a, o, date_today());
        json_object_set_new(o, "counts", store_offering_counts(ap->db, json_integer_value(json_object_get(o, "id"))));
    }
    json_t *ctx = json_pack("{s:o, s:o}", "offerings", list, "outbox", outbox_counts(ap->db));
    return page_render(rq, rs, "pages/staff_home", ctx, "Staff", NULL);
}

/* Registrations on one page of an offering's roster. */
#define ROSTER_PAGE 100
/* Audit lines on the roster: the newest changes. */
#define ROSTER_AUDIT 50

/* The roster page asked for by ?page= (1 when absent) into *page: 0, or
** 400 with a message for anything but a whole number from 1 on. */
static int roster_page_param(request *rq, int *page)
{
    const char *p = kv_get(&rq->query, "page");
    *page = 1;
    if (!p)
        return 0;
    int n = 0, ok = *p != '\0' && strlen(p) <= 6;
    for (const char *c = p; ok && *c; c++) {
        ok = *c >= '0' && *c <= '9';
        n = n * 10 + (*c - '0');
    }
    if (!ok || n < 1) {
        rq->message = "A roster page is a whole number from 1 on; follow the page links under the roster.";
        return 400;
    }
    *page = n;
    return 0;
}

/* The roster's paging for page (1-based) of total registrations: which
** are shown ("101–200 of 200") and links to the pages before and after,
** or NULL for none. */
static json_t *roster_paging(request *rq, const char *code, int page, int total, int shown)
{
    int pages = total > 0 ? (total + ROSTER_PAGE - 1) / ROSTER_PAGE : 1;
    int first = (page - 1) * ROSTER_PAGE + 1;
    const char *base = arena_printf(rq->a, "/staff/offerings/%s", code);
    json_t *prev = page > 1 ? json_string(page == 2 ? base : arena_printf(rq->a, "%s?page=%d", base, page - 1))
                            : json_null();
    json_t *next = page < pages ? json_string(arena_printf(rq->a, "%s?page=%d", base, page + 1)) : json_null();
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:b, s:o, s:o}", "page", page, "pages", pages, "first", first,
                     "last", first + shown - 1, "total", total, "several", pages > 1, "prev_url", prev,
                     "next_url", next);
}

/* The page's title: "Registrations", then "Registrations, page N" after the first. */
static const char *paging_title(request *rq, int page)
{
    return page > 1 ? arena_printf(rq->a, "Registrations, page %d", page) : "Registrations";
}

/* The roster page's view (a page_view_fn for page_render_kept): the page
** number from the query, already checked by page_staff_offering. Nothing
** in it depends on which staff member asks; its forms carry the CSRF
** placeholder the kept page fills per request. */
static int roster_view(request *rq, int32_t today, page_view *v)
{
    app *ap = page_app(rq);
    int page = 1;
    if (roster_page_param(rq, &page) != 0)
        return 400;
    json_t *o = page_offering_load(ap->db, rq->a, rq->param[0]);
    if (!o) {
        rq->message = "There is no offering with this code.";
        return 404;
    }
    page_offering(rq->a, o, today);
    json_int_t oid = json_integer_value(json_object_get(o, "id"));
    json_t *counts = store_offering_counts(ap->db, oid);
    int total = (int)json_integer_value(json_object_get(counts, "total"));
    if (counts && page > 1 && (page - 1) * ROSTER_PAGE >= total) {
        json_decref(o);
        json_decref(counts);
        rq->message = arena_printf(rq->a, "This roster has %d page%s; follow the page links under the roster.",
                                   total > 0 ? (total + ROSTER_PAGE - 1) / ROSTER_PAGE : 1,
                                   total > ROSTER_PAGE ? "s" : "");
        return 404;
    }
    json_t *regs = counts ? store_offering_enrolments(ap->db, oid, ROSTER_PAGE, (page - 1) * ROSTER_PAGE) : NULL;
    if (!regs) {
        json_decref(o);
        json_decref(counts);
        return 503;
    }
    size_t i;
    json_t *r;
    json_array_foreach(regs, i, r) {
        json_int_t id = json_integer_value(json_object_get(r, "id"));
        const char *st = json_string_value(json_object_get(r, "status"));
        const char *ps = json_string_value(json_object_get(r, "payment_status"));
        const char *cur = json_string_value(json_object_get(r, "currency"));
        json_int_t paid = json_integer_value(json_object_get(r, "paid_cents"));
        json_object_set_new(r, "status_label", json_string(st));
        int64_t paid_total, refunded;
        if (store_enrolment_money(ap->db, id, &paid_total, &refunded) != 0) {
            json_decref(o);
            json_decref(regs);
            json_decref(counts);
            rq->message = "The payment records could not be read just now. Try again in a moment.";
            return 503;
        }
        const char *money = page_paid_label(rq->a, paid_total, refunded, cur);
        json_object_set_new(r, "payment_label", json_string(money ? money : ps));
        json_object_set_new(r, "amount_label", json_string(enrol_money(rq->a, json_integer_value(json_object_get(r, "amount_cents")), cur)));
        json_object_set_new(r, "created_label", json_string(day_label(rq->a, json_integer_value(json_object_get(r, "created_at")))));
        json_object_set_new(r, "can_mark_paid", json_boolean(!strcmp(ps, "invoiced") && !strcmp(st, "active")));
        json_object_set_new(r, "can_approve", json_boolean(!strcmp(ps, "invoiced") && !strcmp(st, "pending")));
        json_object_set_new(r, "can_waive", json_boolean(strcmp(ps, "paid") && strcmp(ps, "waived") && strcmp(ps, "refunded") &&
                                                         strcmp(st, "cancelled") && strcmp(st, "refunded")));
        json_object_set_new(r, "can_refund", json_boolean(paid > 0));
        json_object_set_new(r, "refundable_label", paid > 0 ? json_string(enrol_money(rq->a, paid, cur)) : json_null());
        json_int_t pending = json_integer_value(json_object_get(r, "refund_pending_cents"));
        json_object_set_new(r, "refund_pending_label", pending > 0 ? json_string(enrol_money(rq->a, pending, cur))
                                                                   : json_null());
        json_object_set_new(r, "refundable_amount", json_string(arena_printf(rq->a, "%lld.%02lld", (long long)(paid / 100),
                                                                              (long long)(paid % 100))));
        const char *base = arena_printf(rq->a, "/staff/registrations/%lld", (long long)id);
        json_object_set_new(r, "mark_paid_url", json_string(arena_printf(rq->a, "%s/paid", base)));
        json_object_set_new(r, "waive_url", json_string(arena_printf(rq->a, "%s/waive", base)));
        json_object_set_new(r, "approve_url", json_string(arena_printf(rq->a, "%s/approve", base)));
        json_object_set_new(r, "refund_url", json_string(arena_printf(rq->a, "%s/refund", base)));
    }
    json_t *audit = store_audit_for_offering(ap->db, oid, json_string_value(json_object_get(o, "code")), ROSTER_AUDIT);
    if (!audit) {
        json_decref(o);
        json_decref(regs);
        json_decref(counts);
        rq->message = "The audit log could not be read just now. Try again in a moment.";
        return 503;
    }
    json_t *line;
    json_array_foreach(audit, i, line)
        json_object_set_new(line, "at_label", json_string(time_label(rq->a, json_integer_value(json_object_get(line, "at")))));
    json_t *paging = roster_paging(rq, json_string_value(json_object_get(o, "code")), page, total,
                                   (int)json_array_size(regs));
    json_t *ctx = json_pack("{s:o, s:o, s:b, s:o, s:i, s:o, s:o}", "offering", o, "registrations", regs,
                            "has_registrations", json_array_size(regs) > 0, "audit", audit, "audit_limit",
                            ROSTER_AUDIT, "counts", counts, "paging", paging);
    if (!ctx)
        return 503;
    v->ctx = ctx;
    v->title = paging_title(rq, page);
    return 0;
}

/* How long a kept roster stays good without an audited change: a name or
** e-mail address edited by its owner writes no audit line, so a roster
** shows it within this many seconds. */
enum { ROSTER_KEEP_SECONDS = 30 };

/* page_keep's expiry for the roster. */
static time_t roster_expires(request *rq, time_t now)
{
    (void)rq;
    return now + ROSTER_KEEP_SECONDS;
}

int page_staff_offering(request *rq, response *rs)
{
    int page;
    int rc = roster_page_param(rq, &page);
    if (rc != 0)
        return rc;
    /* One read for the whole page: its hundred and more statements see one
    ** state of the database and take SQLite's lock once, not each. */
    db *d = page_app(rq)->db;
    int reading = db_begin_read(d) == 0;
    /* Kept per worker per offering and page; stale at the next audited
    ** change (every staff action, payment, refund and registration writes
    ** one), at any content or seat change, or after ROSTER_KEEP_SECONDS. */
    int64_t audit_v = 0, content_v = 0, seats_v = 0;
    if (store_audit_last(d, &audit_v) != 0 || store_view_versions(d, &content_v, &seats_v) != 0) {
        rc = page_render_kept(rq, rs, "pages/staff_offering", NULL, NULL, roster_view);
    } else {
        page_keep k = {arena_printf(rq->a, "roster %zu:%s %d %lld %lld", strlen(rq->param[0]), rq->param[0], page,
                                    (long long)content_v, (long long)seats_v),
                       (uint64_t)audit_v, content_v, roster_expires};
        rc = page_render_kept(rq, rs, "pages/staff_offering", NULL, &k, roster_view);
    }
    if (reading)
        db_rollback(d);
    return rc;
}

/* The registration in param[0] for a staff action: 0, or the status to
** answer (404 with a message, 503 when the database failed). */
static int load_reg(request *rq, enrolment *e)
{
    char *end;
    long long id = strtoll(rq->param[0], &end, 10);
    if (!access_allows(rq, ACCESS_STAFF, 0)) {
        rq->message = "There is no such registration.";
        return 404;
    }
    int found = *end ? 0 : store_enrolment_get(page_app(rq)->db, rq->a, id, e);
    if (found < 0)
        return 503;
    if (!found) {
        rq->message = "There is no such registration.";
        return 404;
    }
    return 0;
}

/* The domain context for a staff action by the signed-in person. */
static domain dom(request *rq)
{
    return domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session->u.id, time(NULL));
}

/* Back to the offering's staff page with a notice. */
static int back(request *rq, response *rs, const enrolment *e, const char *flash)
{
    page_flash(rq, rs, flash);
    http_redirect(rs, 303, arena_printf(rq->a, "/staff/offerings/%s", e->offering_code));
    return 0;
}

int page_staff_mark_paid(request *rq, response *rs)
{
    enrolment e;
    int st = load_reg(rq, &e);
    if (st)
        return st;
    domain d = dom(rq);
    int rc = enrol_mark_paid(&d, &e);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    return back(rq, rs, &e, "marked-paid");
}

int page_staff_approve(request *rq, response *rs)
{
    enrolment e;
    int st = load_reg(rq, &e);
    if (st)
        return st;
    domain d = dom(rq);
    int rc = enrol_approve(&d, &e);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    return back(rq, rs, &e, "approved");
}

int page_staff_waive(request *rq, response *rs)
{
    enrolment e;
    int st = load_reg(rq, &e);
    if (st)
        return st;
    domain d = dom(rq);
    int rc = enrol_waive(&d, &e);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    return back(rq, rs, &e, "waived");
}

int page_staff_refund(request *rq, response *rs)
{
    enrolment e;
    int st = load_reg(rq, &e);
    if (st)
        return st;
    int64_t cents = enrol_parse_money(kv_get(&rq->form, "amount"));
    if (cents <= 0) {
        rq->message = "Enter the amount to refund, like 50.00.";
        return 422;
    }
    domain d = dom(rq);
    int rc = enrol_refund(&d, e.id, cents);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    return back(rq, rs, &e, "refunded");
}


/* Where a message stands, in words for staff. */
static const char *outbox_status(int sent, int refused, int failed, int attempts)
{
    if (sent)
        return "Sent";
    if (refused)
        return "Refused by the mail server";
    if (failed)
        return "Failed";
    return attempts > 0 ? "Failing, will retry" : "Queued";
}

/* Add created_label, status and the other labels the outbox templates show
** to each message object of list (from outbox_problems / outbox_recent). */
static void outbox_labels(arena *a, json_t *list)
{
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) {
        json_int_t sent = json_integer_value(json_object_get(p, "sent_at"));
        json_int_t failed = json_integer_value(json_object_get(p, "failed_at"));
        json_int_t next = json_integer_value(json_object_get(p, "next_attempt_at"));
        int refused = json_is_true(json_object_get(p, "refused"));
        int attempts = (int)json_integer_value(json_object_get(p, "attempts"));
        json_object_set_new(p, "created_label", json_string(time_label(a, json_integer_value(json_object_get(p, "created_at")))));
        json_object_set_new(p, "status", json_string(outbox_status(sent > 0, refused, failed > 0, attempts)));
        json_object_set_new(p, "problem", json_boolean(!sent && (refused || failed || attempts > 0)));
        if (!sent && !failed && next > 0)
            json_object_set_new(p, "next_label", json_string(time_label(a, next)));
    }
}

int page_staff_outbox(request *rq, response *rs)
{
    json_t *problems = outbox_problems(page_app(rq)->db);
    json_t *recent = outbox_recent(page_app(rq)->db, 100);
    if (!problems || !recent) {
        json_decref(problems);
        json_decref(recent);
        rq->message = "The outbox cannot be read just now. Try again in a moment.";
        return 503;
    }
    outbox_labels(rq->a, problems);
    outbox_labels(rq->a, recent);
    return page_render(rq, rs, "pages/staff_outbox", json_pack("{s:o, s:o}", "problems", problems, "recent", recent),
                       "Outbox", NULL);
}

int page_staff_outbox_message(request *rq, response *rs)
{
    outbox_state m;
    int found = outbox_get(page_app(rq)->db, rq->a, strtoll(rq->param[0], NULL, 10), &m);
    if (found < 0) {
        rq->message = "The outbox cannot be read just now. Try again in a moment.";
        return 503;
    }
    if (found == 0) {
        rq->message = "There is no message with this number in the outbox. The outbox page lists them all.";
        return 404;
    }
    const config *cfg = page_app(rq)->cfg;
    json_t *ctx = json_object();
    json_object_set_new(ctx, "id", json_integer(m.id));
    json_object_set_new(ctx, "mail", json_boolean(strcmp(m.kind, "mail") == 0));
    json_object_set_new(ctx, "recipient", json_string(m.recipient));
    if (m.recipient_name)
        json_object_set_new(ctx, "recipient_name", json_string(m.recipient_name));
    json_object_set_new(ctx, "from", json_string(cfg->mail_from ? cfg->mail_from : ""));
    if (cfg->mail_from_name && *cfg->mail_from_name)
        json_object_set_new(ctx, "from_name", json_string(cfg->mail_from_name));
    json_object_set_new(ctx, "subject", json_string(m.subject ? m.subject : ""));
    json_object_set_new(ctx, "body_text", json_string(m.body_text ? m.body_text : ""));
    if (m.message_id)
        json_object_set_new(ctx, "message_id", json_string(m.message_id));
    json_object_set_new(ctx, "attempts", json_integer(m.attempts));
    if (m.last_error && !m.sent_at)
        json_object_set_new(ctx, "last_error", json_string(m.last_error));
    json_object_set_new(ctx, "status", json_string(outbox_status(m.sent_at > 0, m.refused, m.failed_at > 0, m.attempts)));
    json_object_set_new(ctx, "retryable", json_boolean(m.sent_at == 0));
    json_object_set_new(ctx, "created_label", json_string(time_label(rq->a, m.created_at)));
    if (m.sent_at)
        json_object_set_new(ctx, "sent_label", json_string(time_label(rq->a, m.sent_at)));
    if (m.failed_at)
        json_object_set_new(ctx, "failed_label", json_string(time_label(rq->a, m.failed_at)));
    if (!m.sent_at && !m.failed_at)
        json_object_set_new(ctx, "next_label", json_string(time_label(rq->a, m.next_attempt_at)));
    const char *title = arena_printf(rq->a, "Message %lld", (long long)m.id);
    json_object_set_new(ctx, "title", json_string(title));
    return page_render(rq, rs, "pages/staff_outbox_message", ctx, title, NULL);
}

int page_staff_outbox_retry(request *rq, response *rs)
{
    db *d = page_app(rq)->db;
    int64_t id = strtoll(rq->param[0], NULL, 10);
    time_t now = time(NULL);
    if (db_begin_write(d) != 0) {
        rq->message = "The outbox is busy just now. Try again in a moment.";
        return 503;
    }
    /* One conditional write: only an unsent message becomes due now. */
    int changed = outbox_retry_now(d, id, now);
    if (changed == 1 && store_audit(d, rq->session->u.id, "outbox.retry", arena_printf(rq->a, "outbox:%lld", (long long)id),
                                    NULL, now) != 0)
        changed = -1;
    if (changed == 1) {
        if (db_commit(d) != 0) {
            db_rollback(d);
            rq->message = "The retry could not be saved just now. Try again in a moment.";
            return 503;
        }
        page_flash(rq, rs, "retry");
        http_redirect(rs, 303, "/staff/outbox");
        return 0;
    }
    db_rollback(d);
    if (changed < 0)
        return 500;
    outbox_state m;
    int found = outbox_get(d, rq->a, id, &m);
    if (found == 1 && m.sent_at) {
        rq->message = "This message was sent already, so there is nothing to retry.";
        return 409;
    }
    if (found < 0)
        return 500;
    rq->message = "There is no message with this number in the outbox, so nothing was retried.";
    return 404;
}

/* The codes page with the create form, errors and values. */
static int codes_page(request *rq, response *rs, json_t *errors, json_t *values)
{
    app *ap = page_app(rq);
    json_t *offs = page_offerings_load(ap->db, rq->a, NULL, ap->cfg->demo);
    if (!offs) {
        json_decref(errors);
        json_decref(values);
        return page_unavailable(rq);
    }
    json_t *opts = json_array();
    const char *chosen = json_string_value(json_object_get(values, "offering"));
    size_t i;
    json_t *o;
    json_array_foreach(offs, i, o) {
        const char *code = json_string_value(json_object_get(o, "code"));
        json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "code", code, "label",
                                              arena_printf(rq->a, "%s (%s)", json_string_value(json_object_get(o, "course_title")), code),
                                              "selected", chosen && !strcmp(chosen, code)));
    }
    json_decref(offs);
    int has = json_object_size(errors) > 0;
    if (has)
        rs->status = 422;
    json_t *codes = store_codes(ap->db);
    if (!codes) {
        json_decref(opts);
        json_decref(errors);
        json_decref(values);
        return 503;
    }
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:b, s:o}", "codes", codes, "offerings", opts, "errors", errors,
                            "has_errors", has, "values", values);
    return page_render(rq, rs, "pages/staff_codes", ctx, "Codes", NULL);
}

int page_staff_codes(request *rq, response *rs)
{
    if (strcmp(rq->method, "POST"))
        return codes_page(rq, rs, json_object(), json_object());
    app *ap = page_app(rq);
    const char *code = kv_get(&rq->form, "code"), *offering = kv_get(&rq->form, "offering");
    const char *pct = kv_get(&rq->form, "percent_off"), *max = kv_get(&rq->form, "max_uses");
    const char *expires = kv_get(&rq->form, "expires_on");
    code = code ? code : "";
    offering = offering ? offering : "";
    pct = pct ? pct : "";
    max = max ? max : "";
    expires = expires ? expires : "";
    json_t *errors = json_object();
    size_t n = strlen(code);
    if (n < 4 || n > 32 || strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != n)
        json_object_set_new(errors, "code", json_string("Use 4 to 32 letters, digits or hyphens."));
    char *end;
    long percent = strtol(pct, &end, 10);
    if (!*pct || *end || percent < 1 || percent > 100)
        json_object_set_new(errors, "percent_off", json_string("Enter a whole number from 1 to 100 (100 is a full waiver)."));
    long uses = 0;
    if (*max) {
        uses = strtol(max, &end, 10);
        if (*end || uses < 1 || uses > 100000)
            json_object_set_new(errors, "max_uses", json_string("Enter a whole number of uses, or leave it empty."));
    }
    int32_t day;
    if (*expires && date_parse(expires, &day) != 0)
        json_object_set_new(errors, "expires_on", json_string("Enter a date as YYYY-MM-DD, or leave it empty."));
    offering_row off = {0};
    if (*offering && !store_offering_row(ap->db, rq->a, offering, &off))
        json_object_set_new(errors, "offering", json_string("Choose an offering from the list."));
    if (!json_object_size(errors)) {
        if (db_begin_write(ap->db) != 0)
            return 503;
        int rc = store_code_create(ap->db, code, off.id, (int)percent, (int)uses, expires, time(NULL));
        if (rc == -2) {
            db_rollback(ap->db);
            json_object_set_new(errors, "code", json_string("That code exists already; choose another."));
        } else if (rc != 0 || store_audit(ap->db, rq->session->u.id, "code.created", arena_printf(rq->a, "code:%s", code),
                                          arena_printf(rq->a, "%ld%% off %s", percent, *offering ? offering : "any course"),
                                          time(NULL)) != 0 || db_commit(ap->db) != 0) {
            db_rollback(ap->db);
            json_decref(errors);
            return 500;
        } else {
            json_decref(errors);
            page_flash(rq, rs, "code-created");
            http_redirect(rs, 303, "/staff/codes");
            return 0;
        }
    }
    return codes_page(rq, rs, errors, json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", code, "offering", offering,
                                                "percent_off", pct, "max_uses", max, "expires_on", expires));
}
