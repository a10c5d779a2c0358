/*
** register.c: registering for an offering, paying, the provider's webhook
** and return page, "My courses", cancelling, waitlist answers, receipts.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "date.h"
#include "domain.h"
#include "enrol.h"
#include "log.h"
#include "pages.h"
#include "store_ws.h"
#include "pay.h"
#include "store_accounts.h"
#include "store_content.h"
#include "store_enrol.h"

/* The domain context for this request, acting as the signed-in person
** (or the system when nobody is signed in). */
static domain dom(request *rq)
{
    return domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session ? rq->session->u.id : 0,
                       time(NULL));
}

/* A domain refusal as the answer: its message on the error page. */
static int refused(request *rq, const domain *d, int rc)
{
    rq->message = d->message;
    return rc;
}

/* The registration page's context for an offering. */
static json_t *register_ctx(request *rq, const char *code)
{
    json_t *o = page_offering_load(page_app(rq)->db, rq->a, code);
    if (!o)
        return NULL;
    page_offering(rq->a, o, date_today());
    course_row course;
    const char *summary = NULL;
    if (store_course_row(page_app(rq)->db, rq->a, json_string_value(json_object_get(o, "course_slug")), &course) == 1)
        summary = course.summary;
    json_t *c = json_pack("{s:O, s:s, s:o}", "title", json_object_get(o, "course_title"), "url",
                          json_string_value(json_object_get(o, "course_url")), "summary",
                          summary ? json_string(summary) : json_null());
    const user *u = &rq->session->u;
    return json_pack("{s:o, s:o, s:b, s:s, s:b}", "offering", o, "course", c, "can_invoice", u->school_invoice,
                     "school_name", u->school_name ? u->school_name : "", "has_code_field", 1);
}

/* Render the registration form with an error. */
static int register_again(request *rq, response *rs, json_t *ctx, const char *field, const char *message,
                          const char *code, const char *method)
{
    json_t *errors = json_object();
    if (field)
        json_object_set_new(errors, field, json_string(message));
    else
        json_object_set_new(ctx, "error", json_string(message));
    json_object_set_new(ctx, "errors", errors);
    json_object_set_new(ctx, "has_errors", json_true());
    json_object_set_new(ctx, "values", json_pack("{s:s, s:b, s:b}", "code", code, "method_card", !strcmp(method, "card"),
                                                 "method_invoice", !strcmp(method, "invoice")));
    rs->status = field ? 422 : 409;
    return page_render(rq, rs, "pages/register", ctx, "Register", "calendar");
}

static json_t *registration_view(request *rq, const enrolment *e, const char *starts);

/* The message for a 503 when payments could not be read. */
#define MONEY_UNREADABLE "The payment records could not be read just now. Try again in a moment."

int page_register(request *rq, response *rs)
{
    app *ap = page_app(rq);
    offering_row off;
    int found = store_offering_row(ap->db, rq->a, rq->param[0], &off);
    if (found < 0)
        return 503;
    if (!found || (off.demo && !ap->cfg->demo)) {
        rq->message = "There is no offering at this address. The calendar lists every offering.";
        return 404;
    }
    json_t *ctx = register_ctx(rq, off.code);
    if (!ctx)
        return 404;
    if (strcmp(rq->method, "POST")) {
        /* Someone already registered sees where they stand, not the form. */
        enrolment live;
        if (store_enrolment_live(ap->db, rq->a, off.id, rq->session->u.id, &live)) {
            json_t *view = registration_view(rq, &live, off.starts);
            if (!view) {
                json_decref(ctx);
                rq->message = MONEY_UNREADABLE;
                return 503;
            }
            json_object_set_new(ctx, "registration", view);
        }
        json_object_set_new(ctx, "values", json_pack("{s:s, s:b}", "code", "", "method_card", 1));
        json_object_set_new(ctx, "errors", json_object());
        return page_render(rq, rs, "pages/register", ctx, "Register", "calendar");
    }
    const char *method = kv_get(&rq->form, "method");
    const char *code = kv_get(&rq->form, "code");
    method = method ? method : "card";
    code = code ? code : "";
    domain d = dom(rq);
    enrol_outcome out;
    const user *u = &rq->session->u;
    int rc = enrol_register(&d, &off, method, code, u->school_invoice ? u->school_id : 0, &out);
    if (rc == DOM_INVALID || rc == DOM_CONFLICT)
        return register_again(rq, rs, ctx, d.field, d.message, code,
                              strcmp(method, "invoice") || (d.field && !strcmp(d.field, "method")) ? "card" : method);
    json_decref(ctx);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    if (out.already || !out.checkout) {
        if (out.flash)
            page_flash(rq, rs, out.flash);
        http_redirect(rs, 303, "/my");
        return 0;
    }
    return page_pay_start(rq, rs, out.id);
}

int page_pay_start(request *rq, response *rs, int64_t id)
{
    enrolment e;
    int found = store_enrolment_get(page_app(rq)->db, rq->a, id, &e);
    if (found < 0)
        return 503;
    if (!found || !access_allows(rq, ACCESS_OWN, e.user_id)) {
        rq->message = "There is no registration of yours at this address.";
        return 404;
    }
    domain d = dom(rq);
    if (strcmp(e.status, "pending") || strcmp(e.payment_status, "pending") || e.hold_until <= d.now) {
        http_redirect(rs, 303, "/my");
        return 0;
    }
    const char *url = NULL;
    int rc = enrol_checkout(&d, &e, e.user_email, &url);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    http_redirect(rs, 303, url);
    return 0;
}

int page_pay(request *rq, response *rs)
{
    return page_pay_start(rq, rs, strtoll(rq->param[0], NULL, 10));
}

/* A registration state as a person reads it. */
static const char *status_label(const char *s)
{
    return !strcmp(s, "active") ? "Registered" : !strcmp(s, "pending") ? "Awaiting payment"
         : !strcmp(s, "waitlisted") ? "On the waitlist" : !strcmp(s, "offered") ? "A seat is offered to you"
         : !strcmp(s, "cancelled") ? "Cancelled" : !strcmp(s, "refunded") ? "Refunded" : "Expired";
}

/* The state a person reads for registration status s with payment status
** ps: a seat invoiced to a school and not yet approved by staff awaits the
** school's approval rather than a payment. */
static const char *state_label(const char *s, const char *ps)
{
    return !strcmp(s, "pending") && !strcmp(ps, "invoiced") ? "Awaiting your school's approval" : status_label(s);
}

/* A payment state as a person reads it. */
static const char *payment_label(const char *s)
{
    return !strcmp(s, "paid") ? "Paid" : !strcmp(s, "pending") ? "Payment pending"
         : !strcmp(s, "invoiced") ? "Invoiced to your school" : !strcmp(s, "waived") ? "Fee waived"
         : !strcmp(s, "refunded") ? "Refunded" : "Not paid";
}

const char *page_paid_label(arena *a, int64_t paid_cents, int64_t refunded_cents, const char *currency)
{
    if (refunded_cents <= 0)
        return NULL;
    return arena_printf(a, "Paid %s \u00b7 refunded %s", enrol_money(a, paid_cents, currency),
                        enrol_money(a, refunded_cents, currency));
}

/* What the payment column says for registration id: "Paid $50.00 ·
** refunded $20.00" after a refund, else label (in the arena). NULL when
** the payments could not be read (a failed read is not "nothing paid"). */
static const char *money_label(request *rq, int64_t id, const char *currency, const char *label)
{
    int64_t paid, refunded;
    if (store_enrolment_money(page_app(rq)->db, id, &paid, &refunded) != 0)
        return NULL;
    const char *s = page_paid_label(rq->a, paid, refunded, currency);
    return s ? s : label;
}


/* The registration page's view of a live registration e for an offering
** starting on starts: its state, and the links that lead on from it (pay,
** receipt, accept, decline, cancel). A new object the caller owns, or NULL
** when its payments could not be read. */
static json_t *registration_view(request *rq, const enrolment *e, const char *starts)
{
    const char *money = money_label(rq, e->id, e->currency, payment_label(e->payment_status));
    if (!money)
        return NULL;
    time_t now = time(NULL);
    const char *base = arena_printf(rq->a, "/registrations/%lld", (long long)e->id);
    const char *ps = e->payment_status;
    int active = !strcmp(e->status, "active"), pending = !strcmp(e->status, "pending");
    int offered = !strcmp(e->status, "offered"), waitlisted = !strcmp(e->status, "waitlisted");
    int receipt = !strcmp(ps, "paid") || !strcmp(ps, "waived") || !strcmp(ps, "invoiced") || !strcmp(ps, "refunded");
    buf b = BUF_INIT;
    if (offered && e->offer_until)
        date_long_label(&b, date_from_time((time_t)e->offer_until));
    const char *offer_until = arena_strndup(rq->a, buf_str(&b), b.len);
    buf_reset(&b);
    if (pending && e->hold_until > now)
        buf_printf(&b, "%lld minutes", (long long)((e->hold_until - now + 59) / 60));
    const char *hold = arena_strndup(rq->a, buf_str(&b), b.len);
    buf_free(&b);
    json_t *r = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:s, s:s, s:s, s:s}",
        "status_label", state_label(e->status, ps),
        "payment_label", money,
        "is_active", active, "is_pending", pending, "is_offered", offered, "is_waitlisted", waitlisted,
        "hold_lapsed", pending && e->hold_until <= now,
        "amount_label", e->amount_cents ? enrol_money(rq->a, e->amount_cents, e->currency) : "",
        "offer_until_label", offer_until, "hold_until_label", hold,
        "accept_url", arena_printf(rq->a, "%s/accept", base));
    if (!r)
        return NULL;
    json_object_set_new(r, "awaiting_approval", json_boolean(pending && !strcmp(ps, "invoiced")));
    json_object_set_new(r, "pay_url", pending && !strcmp(ps, "pending") && e->hold_until > now
                                          ? json_string(arena_printf(rq->a, "%s/pay", base)) : json_null());
    json_object_set_new(r, "receipt_url", receipt ? json_string(arena_printf(rq->a, "%s/receipt", base)) : json_null());
    json_object_set_new(r, "decline_url", offered || waitlisted ? json_string(arena_printf(rq->a, "%s/decline", base))
                                                                : json_null());
    json_object_set_new(r, "cancel_url", enrol_may_cancel(page_app(rq)->cfg, e->status, starts, date_today())
                                             ? json_string(arena_printf(rq->a, "%s/cancel", base)) : json_null());
    return r;
}

json_t *page_user_enrolments_json(const user_enrolment_row *list, int n)
{
    json_t *out = json_array();
    for (int i = 0; i < n; i++) {
        const user_enrolment_row *e = &list[i];
        json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:I, s:s, s:o, s:o, s:I, s:o}", "id", (json_int_t)e->id,
                                             "status", e->status ? e->status : "", "payment_status",
                                             e->payment_status ? e->payment_status : "", "amount_cents",
                                             (json_int_t)e->amount_cents, "currency", e->currency ? e->currency : "",
                                             "hold_until", e->hold_until ? json_integer(e->hold_until) : json_null(),
                                             "offer_until", e->offer_until ? json_integer(e->offer_until) : json_null(),
                                             "created_at", (json_int_t)e->created_at, "offering",
                                             page_offering_json(&e->offering)));
    }
    return out;
}

int page_my(request *rq, response *rs)
{
    app *ap = page_app(rq);
    user_enrolment_row *rows;
    int n_rows;
    if (store_user_enrolments(ap->db, rq->a, rq->session->u.id, &rows, &n_rows) != 0)
        return page_unavailable(rq);
    json_t *list = page_user_enrolments_json(rows, n_rows);
    int32_t today = date_today();
    time_t now = time(NULL);
    int any_active = 0;
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) {
        const user_enrolment_row *row = &rows[i];
        json_t *o = json_object_get(r, "offering");
        page_offering(rq->a, o, today);
        int64_t id = row->id;
        const char *st = row->status ? row->status : "";
        const char *ps = row->payment_status ? row->payment_status : "";
        int64_t hold = row->hold_until, offer = row->offer_until;
        any_active |= !strcmp(st, "active");
        json_object_set_new(r, "status_label", json_string(state_label(st, ps)));
        json_object_set_new(r, "awaiting_approval", json_boolean(!strcmp(st, "pending") && !strcmp(ps, "invoiced")));
        json_object_set_new(r, "payment_label", json_string(payment_label(ps)));
        const char *paid_refunded = page_paid_label(rq->a, row->paid_cents, row->refunded_cents, row->currency);
        json_object_set_new(r, "paid_refunded_label", paid_refunded ? json_string(paid_refunded) : json_null());
        static const char *const states[] = {"active", "pending", "waitlisted", "offered"};
        for (size_t k = 0; k < 4; k++)
            json_object_set_new(r, arena_printf(rq->a, "is_%s", states[k]), json_boolean(!strcmp(st, states[k])));
        int seated = !strcmp(st, "active") && (!strcmp(ps, "paid") || !strcmp(ps, "invoiced") || !strcmp(ps, "waived"));
        const char *code = row->offering.code;
        json_object_set_new(r, "learn_url", seated && code ? json_string(arena_printf(rq->a, "/learn/%s", code))
                                                           : json_null());
        json_object_set_new(r, "can_cancel", json_boolean(enrol_may_cancel(ap->cfg, st, row->offering.starts, today)));
        const char *base = arena_printf(rq->a, "/registrations/%lld", (long long)id);
        json_object_set_new(r, "cancel_url", json_string(arena_printf(rq->a, "%s/cancel", base)));
        json_object_set_new(r, "accept_url", json_string(arena_printf(rq->a, "%s/accept", base)));
        json_object_set_new(r, "decline_url", json_string(arena_printf(rq->a, "%s/decline", base)));
        int payable = !strcmp(st, "pending") && !strcmp(ps, "pending") && hold > now;
        json_object_set_new(r, "pay_url", payable ? json_string(arena_printf(rq->a, "%s/pay", base)) : json_null());
        int receipt = !strcmp(ps, "paid") || !strcmp(ps, "waived") || !strcmp(ps, "invoiced") || !strcmp(ps, "refunded");
        json_object_set_new(r, "receipt_url", receipt ? json_string(arena_printf(rq->a, "%s/receipt", base)) : json_null());
        json_object_set_new(r, "amount_label", json_string(enrol_money(rq->a, row->amount_cents, row->currency)));
        buf b = BUF_INIT;
        if (offer)
            date_long_label(&b, date_from_time((time_t)offer));
        json_object_set_new(r, "offer_until_label", json_string(buf_str(&b)));
        buf_reset(&b);
        if (hold)
            buf_printf(&b, "%lld minutes", (long long)((hold - now) > 0 ? (hold - now + 59) / 60 : 0));
        json_object_set_new(r, "hold_until_label", json_string(buf_str(&b)));
        buf_free(&b);
    }
    ws_coached_row *coached;
    int n_coached;
    if (store_ws_coached(ap->db, rq->a, rq->session->u.id, &coached, &n_coached) != 0) {
        json_decref(list);
        return page_unavailable(rq);
    }
    json_t *coaching = json_array();
    for (int k = 0; k < n_coached; k++) {
        int32_t first = 0, last = 0;
        buf label = BUF_INIT;
        if (date_parse(coached[k].starts, &first) == 0 && date_parse(coached[k].ends, &last) == 0)
            date_range_label(&label, first, last);
        json_array_append_new(coaching, json_pack("{s:s, s:s, s:s}", "course_title", coached[k].course_title,
                                                  "dates_label", buf_str(&label), "learn_url",
                                                  arena_printf(rq->a, "/learn/%s", coached[k].code)));
        buf_free(&label);
    }
    json_t *ctx = json_pack("{s:o, s:o, s:b, s:s, s:b, s:s}", "coaching", coaching, "registrations", list,
                            "has_registrations",
                            json_array_size(list) > 0, "community_url", ap->cfg->community_url, "any_active", any_active,
                            "cancel_policy", arena_printf(rq->a, "You can cancel up to %d days before a course starts; "
                                                          "card payments are refunded in full.", ap->cfg->cancel_days));
    return page_render(rq, rs, "pages/my_courses", ctx, "My courses", NULL);
}

/* Load registration param[0] that rq's user may act on: 0, or the status
** to answer (404 with a message, 503 when the database failed). */
static int load_own(request *rq, enrolment *e)
{
    char *end;
    long long id = strtoll(rq->param[0], &end, 10);
    int found = *end ? 0 : store_enrolment_get(page_app(rq)->db, rq->a, id, e);
    if (found < 0)
        return 503;
    if (!found || !access_allows(rq, ACCESS_OWN, e->user_id)) {
        rq->message = "There is no registration of yours at this address.";
        return 404;
    }
    return 0;
}

int page_checkout_return(request *rq, response *rs)
{
    const char *sid = kv_get(&rq->query, "session_id");
    payment p;
    enrolment e;
    int found = sid ? store_payment_by_session(page_app(rq)->db, rq->a, sid, &p) : 0;
    if (found == 1)
        found = store_enrolment_get(page_app(rq)->db, rq->a, p.enrolment_id, &e);
    if (found < 0)
        return 503;
    if (!found || !access_allows(rq, ACCESS_OWN, e.user_id)) {
        rq->message = "This payment is not one of yours. My courses shows your registrations.";
        return 404;
    }
    /* Someone back before the webhook still sees the truth. */
    pay_session s;
    buf err = BUF_INIT;
    if (pay_retrieve_session(page_app(rq)->cfg, sid, &s, &err) == 0) {
        domain d = dom(rq);
        if (!strcmp(s.payment_status, "paid") && enrol_settle(&d, &s, NULL, "return") == SETTLE_ERROR)
            log_warn("settling checkout %s from the return page failed; the webhook will", sid);
    } else {
        log_warn("retrieving checkout %s: %s", sid, buf_str(&err));
    }
    buf_free(&err);
    if (store_enrolment_get(page_app(rq)->db, rq->a, p.enrolment_id, &e) != 1)
        return 503;
    json_t *o = page_offering_load(page_app(rq)->db, rq->a, e.offering_code);
    if (o)
        page_offering(rq->a, o, date_today());
    int paid = !strcmp(e.status, "active");
    int pending = !paid && !strcmp(e.status, "pending") && e.hold_until > time(NULL);
    json_t *reg = json_pack("{s:o, s:s, s:s, s:o}", "offering", o ? o : json_object(), "status_label",
                            status_label(e.status), "payment_label", payment_label(e.payment_status), "pay_url",
                            pending ? json_string(arena_printf(rq->a, "/registrations/%lld/pay", (long long)e.id))
                                    : json_null());
    json_t *ctx = json_pack("{s:o, s:b, s:b, s:b}", "registration", reg, "paid", paid, "pending", pending,
                            "cancelled", !paid && !pending);
    return page_render(rq, rs, "pages/checkout_return", ctx, paid ? "You're registered" : "Payment", NULL);
}

int page_webhook(request *rq, response *rs)
{
    app *ap = page_app(rq);
    rs->content_type = "application/json";
    const char *sig = http_param(rq, "HTTP_STRIPE_SIGNATURE");
    int v = pay_verify_signature(sig, rq->body, rq->body_len, ap->cfg->pay_webhook_secret, time(NULL), 300);
    if (v != PAY_SIG_OK) {
        buf_puts(&rs->body, v == PAY_SIG_EXPIRED ? "{\"error\":\"signature too old\"}\n"
                                                 : "{\"error\":\"signature does not verify\"}\n");
        rs->status = 400;
        log_warn("webhook refused: signature %d", v);
        return 0;
    }
    pay_event ev;
    if (pay_parse_event(rq->body, rq->body_len, &ev) != 0) {
        buf_puts(&rs->body, "{\"error\":\"not an event\"}\n");
        rs->status = 400;
        return 0;
    }
    enum settle_result r = SETTLE_ALREADY;
    domain d = domain_make(ap->db, ap->cfg, ap->tmpl, rq->a, 0, time(NULL));
    if (ev.is_session && (!strcmp(ev.type, "checkout.session.completed") ||
                          !strcmp(ev.type, "checkout.session.async_payment_succeeded")))
        r = enrol_settle(&d, &ev.session, ev.id, ev.type);
    else if (ev.is_session && !strcmp(ev.type, "checkout.session.expired"))
        r = enrol_session_expired(&d, &ev.session, ev.id);
    if (r == SETTLE_ERROR) {
        rs->status = 500; /* the provider retries */
        buf_puts(&rs->body, "{\"error\":\"try again\"}\n");
        return 0;
    }
    buf_printf(&rs->body, "{\"received\":true,\"result\":%d}\n", (int)r);
    return 0;
}

int page_cancel(request *rq, response *rs)
{
    app *ap = page_app(rq);
    enrolment e;
    int st = load_own(rq, &e);
    if (st)
        return st;
    offering_row off;
    int found = store_offering_row_by_id(ap->db, rq->a, e.offering_id, &off);
    if (found <= 0)
        return found < 0 ? 503 : 404;
    if (!enrol_may_cancel(ap->cfg, e.status, off.starts, date_today())) {
        rq->message = "This registration can no longer be cancelled here. Write to us if something has come up.";
        return 409;
    }
    domain d = dom(rq);
    int rc = enrol_cancel(&d, &e);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    page_flash(rq, rs, "cancelled");
    http_redirect(rs, 303, "/my");
    return 0;
}

int page_accept(request *rq, response *rs)
{
    enrolment e;
    int st = load_own(rq, &e);
    if (st)
        return st;
    domain d = dom(rq);
    int rc = enrol_accept(&d, &e);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    if (e.amount_cents == 0) {
        page_flash(rq, rs, "registered");
        http_redirect(rs, 303, "/my");
        return 0;
    }
    return page_pay_start(rq, rs, e.id);
}

int page_decline(request *rq, response *rs)
{
    enrolment e;
    int st = load_own(rq, &e);
    if (st)
        return st;
    domain d = dom(rq);
    int rc = enrol_decline(&d, &e);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    page_flash(rq, rs, "declined");
    http_redirect(rs, 303, "/my");
    return 0;
}

int page_receipt(request *rq, response *rs)
{
    enrolment e;
    int st = load_own(rq, &e);
    if (st)
        return st;
    user u;
    offering_row off;
    int found = store_user_by_id(page_app(rq)->db, rq->a, e.user_id, &u, NULL);
    if (found == 1)
        found = store_offering_row_by_id(page_app(rq)->db, rq->a, e.offering_id, &off);
    if (found < 0) {
        rq->message = "The receipt could not be read just now. Please try again in a minute.";
        return 503;
    }
    if (!found)
        return 404;
    const char *money = money_label(rq, e.id, e.currency, payment_label(e.payment_status));
    if (!money) {
        rq->message = MONEY_UNREADABLE;
        return 503;
    }
    int32_t s, t;
    date_parse(off.starts, &s);
    date_parse(off.ends, &t);
    buf dates = BUF_INIT, when = BUF_INIT;
    date_range_label(&dates, s, t);
    date_label(&when, date_from_time((time_t)e.created_at));
    const char *method = !strcmp(e.payment_status, "invoiced") ? "Invoice to school"
                       : !strcmp(e.payment_status, "waived") ? "Waiver" : "Card";
    json_t *receipt = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s}",
        "number", arena_printf(rq->a, "JRN-%06lld", (long long)e.id), "date_label", buf_str(&when), "name", u.name,
        "email", u.email, "school", u.school_name, "course_title", off.course_title, "dates_label", buf_str(&dates),
        "amount_label", enrol_money(rq->a, e.amount_cents, e.currency), "method_label", method, "payment_label",
        money);
    buf_free(&dates);
    buf_free(&when);
    return page_render(rq, rs, "pages/receipt", json_pack("{s:o}", "receipt", receipt), "Receipt", NULL);
}
