/*
** enrol.c: the life of a registration (see enrol.h).
*/
#include "enrol.h"

#include <string.h>

#include "date.h"
#include "log.h"
#include "notify.h"
#include "pages.h"
#include "store_accounts.h"
#include "store_content.h"

const char *enrol_money(arena *a, int64_t cents, const char *currency)
{
    const char *sym = !strcmp(currency, "USD") ? "$" : !strcmp(currency, "EUR") ? "€"
                    : !strcmp(currency, "GBP") ? "£" : NULL;
    const char *sign = cents < 0 ? "-" : "";
    if (cents < 0)
        cents = -cents;
    if (sym)
        return arena_printf(a, "%s%s%lld.%02lld", sign, sym, (long long)(cents / 100), (long long)(cents % 100));
    return arena_printf(a, "%s%lld.%02lld %s", sign, (long long)(cents / 100), (long long)(cents % 100), currency);
}

/* The offering of e as the templates see it (labels added), or NULL. */
static json_t *offering_json(app *ap, arena *a, const char *code)
{
    json_t *o = store_offering(ap->db, code);
    if (o)
        page_offering(a, o, date_today());
    return o;
}

/* Subject line text of an offering: "Purpose and Vision, 21–25 October 2019". */
static const char *offering_name(arena *a, json_t *o)
{
    return arena_printf(a, "%s, %s", json_string_value(json_object_get(o, "course_title")),
                        json_string_value(json_object_get(o, "dates_label")));
}

int enrol_activate(app *ap, arena *a, const enrolment *e, const char *payment_status, int64_t actor, time_t now)
{
    if (store_enrolment_set(ap->db, e->id, "active", payment_status, 0, 0, now) != 0)
        return -1;
    json_t *o = offering_json(ap, a, e->offering_code);
    if (!o)
        return -1;
    user u;
    if (!store_user_by_id(ap->db, a, e->user_id, &u, NULL)) {
        json_decref(o);
        return -1;
    }
    json_t *list = json_pack("[O]", o);
    buf ics = BUF_INIT;
    page_ics(ap, a, list, json_string_value(json_object_get(o, "course_title")), &ics);
    json_decref(list);
    const char *amount = enrol_money(a, e->amount_cents, e->currency);
    json_t *ctx = json_pack("{s:{s:s}, s:O, s:{s:O, s:s}, s:s, s:s, s:s, s:s, s:s}", "user", "name", u.name,
                            "offering", o, "course", "title", json_object_get(o, "course_title"), "url",
                            arena_printf(a, "%s%s", ap->cfg->base_url,
                                         json_string_value(json_object_get(o, "course_url"))),
                            "starts_local", arena_printf(a, "%s (%s)", json_string_value(json_object_get(o, "starts_label")),
                                                         u.time_zone),
                            "community_url", ap->cfg->community_url,
                            "my_url", arena_printf(a, "%s/my", ap->cfg->base_url), "amount_label", amount,
                            "reference", arena_printf(a, "JRN-%06lld", (long long)e->id));
    json_object_set_new(ctx, "school_name", json_string(u.school_name ? u.school_name : ""));
    buf today = BUF_INIT;
    date_label(&today, date_from_time(now));
    const char *method = !strcmp(payment_status, "invoiced") ? "Invoice to school"
                       : !strcmp(payment_status, "waived") ? "Waiver" : "Card";
    json_object_set_new(ctx, "receipt", json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:s, s:s}", "number",
                                                  arena_printf(a, "JRN-%06lld", (long long)e->id), "date_label",
                                                  arena_strdup(a, buf_str(&today)), "method_label", method,
                                                  "name", u.name, "email", u.email, "course_title",
                                                  json_object_get(o, "course_title"), "dates_label",
                                                  json_object_get(o, "dates_label"), "amount_label", amount,
                                                  "payment_label", payment_status));
    buf_free(&today);
    notify_attachment att = {"offering.ics", "text/calendar; charset=utf-8; method=PUBLISH", buf_str(&ics), ics.len};
    const char *name = offering_name(a, o);
    int rc = notify_mail(ap, "confirmed", arena_printf(a, "You're registered: %s", name), u.email, u.name, ctx, &att);
    if (rc == 0 && !strcmp(payment_status, "paid"))
        rc = notify_mail(ap, "receipt", arena_printf(a, "Receipt: %s", name), u.email, u.name, ctx, NULL);
    if (rc == 0 && !strcmp(payment_status, "invoiced"))
        rc = notify_mail(ap, "invoice", arena_printf(a, "Invoice to follow: %s", name), u.email, u.name, ctx, NULL);
    if (rc == 0)
        rc = notify_community(ap, u.email, u.name);
    if (rc == 0)
        rc = store_audit(ap->db, actor, "registration.activated", arena_printf(a, "enrolment:%lld", (long long)e->id),
                         arena_printf(a, "payment %s, %s", payment_status, amount), now);
    buf_free(&ics);
    json_decref(ctx);
    json_decref(o);
    return rc;
}

int enrol_offer_next(app *ap, arena *a, int64_t offering_id, time_t now)
{
    offering_row off;
    if (!store_offering_row_by_id(ap->db, a, offering_id, &off))
        return -1;
    while (store_seats_taken(ap->db, offering_id, now) < off.capacity) {
        enrolment e;
        if (!store_next_waitlisted(ap->db, a, offering_id, &e))
            return 0;
        time_t until = now + (time_t)ap->cfg->offer_hours * 3600;
        if (store_enrolment_set(ap->db, e.id, "offered", e.payment_status, 0, until, now) != 0)
            return -1;
        json_t *o = offering_json(ap, a, off.code);
        buf when = BUF_INIT;
        date_long_label(&when, date_from_time(until));
        json_t *ctx = json_pack("{s:{s:s}, s:o, s:{s:s}, s:s, s:s}", "user", "name", e.user_name, "offering", o,
                                "course", "title", off.course_title, "accept_url",
                                arena_printf(a, "%s/my", ap->cfg->base_url), "offer_until_label", buf_str(&when));
        buf_free(&when);
        int rc = notify_mail(ap, "waitlist_offer", arena_printf(a, "A seat is free: %s", off.course_title),
                             e.user_email, e.user_name, ctx, NULL);
        json_decref(ctx);
        if (rc != 0 || store_audit(ap->db, 0, "waitlist.offered", arena_printf(a, "enrolment:%lld", (long long)e.id),
                                   NULL, now) != 0)
            return -1;
    }
    return 0;
}

/* Write the outcome of a settle attempt; commit or roll back. */
static enum settle_result finish(app *ap, enum settle_result r)
{
    if (r == SETTLE_ERROR || db_commit(ap->db) != 0) {
        db_rollback(ap->db);
        return SETTLE_ERROR;
    }
    return r;
}

enum settle_result enrol_settle(app *ap, arena *a, const pay_session *s, const char *event_id,
                                const char *event_type, time_t now)
{
    if (db_begin_write(ap->db) != 0)
        return SETTLE_ERROR;
    payment p;
    int known = store_payment_by_session(ap->db, a, s->id, &p);
    if (event_id) {
        int fresh = store_event_record(ap->db, event_id, event_type, known ? p.id : 0, now);
        if (fresh < 0)
            return finish(ap, SETTLE_ERROR);
        if (!fresh)
            return finish(ap, SETTLE_ALREADY);
    }
    if (!known)
        return finish(ap, SETTLE_UNKNOWN);
    if (strcmp(s->payment_status, "paid"))
        return finish(ap, SETTLE_UNPAID);
    if (!strcmp(p.status, "paid") || !strcmp(p.status, "refunded") || !strcmp(p.status, "partially_refunded"))
        return finish(ap, SETTLE_ALREADY);
    const char *subject = arena_printf(a, "enrolment:%lld", (long long)p.enrolment_id);
    if (s->amount_total != p.amount_cents || strcasecmp(s->currency, p.currency)) {
        store_audit(ap->db, 0, "payment.mismatch", subject,
                    arena_printf(a, "provider says %lld %s, we asked %lld %s (session %s)", (long long)s->amount_total,
                                 s->currency, (long long)p.amount_cents, p.currency, s->id), now);
        return finish(ap, SETTLE_MISMATCH);
    }
    enrolment e;
    if (store_payment_set(ap->db, p.id, "paid", s->payment_intent[0] ? s->payment_intent : NULL, now) != 0 ||
        !store_enrolment_get(ap->db, a, p.enrolment_id, &e))
        return finish(ap, SETTLE_ERROR);
    store_audit(ap->db, 0, "payment.paid", subject, arena_printf(a, "%s via %s", enrol_money(a, p.amount_cents, p.currency),
                                                                 event_id ? event_id : "return page"), now);
    if (!strcmp(e.status, "active"))
        return finish(ap, SETTLE_APPLIED);
    int seat_ok = !strcmp(e.status, "pending") || !strcmp(e.status, "offered");
    if (!seat_ok && !strcmp(e.status, "expired")) {
        offering_row off;
        seat_ok = store_offering_row_by_id(ap->db, a, e.offering_id, &off) &&
                  store_seats_taken(ap->db, e.offering_id, now) < off.capacity;
    }
    if (!seat_ok) {
        store_enrolment_set(ap->db, e.id, e.status, "paid", 0, 0, now);
        store_audit(ap->db, 0, "payment.needs-refund", subject, "paid after the seat was given up; refund it", now);
        return finish(ap, SETTLE_APPLIED);
    }
    if (e.code_id && store_code_use(ap->db, e.code_id) != 0)
        return finish(ap, SETTLE_ERROR);
    return finish(ap, enrol_activate(ap, a, &e, "paid", 0, now) == 0 ? SETTLE_APPLIED : SETTLE_ERROR);
}

/* End a registration's hold or offer and pass the seat on. In a transaction. */
static int lapse(app *ap, arena *a, const enrolment *e, time_t now)
{
    if (store_enrolment_set(ap->db, e->id, "expired", !strcmp(e->payment_status, "pending") ? "unpaid"
                                                                                             : e->payment_status,
                            0, 0, now) != 0 ||
        store_audit(ap->db, 0, "registration.lapsed", arena_printf(a, "enrolment:%lld", (long long)e->id),
                    e->status, now) != 0)
        return -1;
    return enrol_offer_next(ap, a, e->offering_id, now);
}

enum settle_result enrol_session_expired(app *ap, arena *a, const pay_session *s, const char *event_id, time_t now)
{
    if (db_begin_write(ap->db) != 0)
        return SETTLE_ERROR;
    payment p;
    int known = store_payment_by_session(ap->db, a, s->id, &p);
    int fresh = store_event_record(ap->db, event_id, "checkout.session.expired", known ? p.id : 0, now);
    if (fresh <= 0)
        return finish(ap, fresh < 0 ? SETTLE_ERROR : SETTLE_ALREADY);
    if (!known)
        return finish(ap, SETTLE_UNKNOWN);
    if (strcmp(p.status, "open"))
        return finish(ap, SETTLE_ALREADY);
    enrolment e;
    if (store_payment_set(ap->db, p.id, "expired", NULL, now) != 0 || !store_enrolment_get(ap->db, a, p.enrolment_id, &e))
        return finish(ap, SETTLE_ERROR);
    if (!strcmp(e.status, "pending") && lapse(ap, a, &e, now) != 0)
        return finish(ap, SETTLE_ERROR);
    return finish(ap, SETTLE_APPLIED);
}

int enrol_checkout(app *ap, arena *a, const enrolment *e, const char *customer_email, const char **url, buf *err)
{
    offering_row off;
    if (!store_offering_row_by_id(ap->db, a, e->offering_id, &off)) {
        buf_puts(err, "the offering is gone");
        return -1;
    }
    payment prev;
    int attempt = store_payment_latest(ap->db, a, e->id, &prev) ? (int)prev.id : 0;
    pay_checkout req = {0};
    req.amount_cents = e->amount_cents;
    req.currency = e->currency;
    req.product_name = arena_printf(a, "%s (%s)", off.course_title, off.code);
    req.product_description = "A week-long online course, facilitated by a learning-design coach";
    req.success_url = arena_printf(a, "%s/checkout/return?session_id={CHECKOUT_SESSION_ID}", ap->cfg->base_url);
    req.cancel_url = arena_printf(a, "%s/my", ap->cfg->base_url);
    req.client_reference_id = arena_printf(a, "enrolment-%lld", (long long)e->id);
    req.customer_email = customer_email;
    req.metadata_enrolment = arena_printf(a, "%lld", (long long)e->id);
    req.metadata_offering = off.code;
    req.idempotency_key = arena_printf(a, "journeys-enrolment-%lld-after-%d", (long long)e->id, attempt);
    /* The checkout lives a little longer than the hold (providers want at
    ** least 30 minutes), so the seat is released before the page dies. */
    long hold = (long)(e->hold_until - time(NULL));
    req.expires_at = time(NULL) + (hold > 1800 ? hold : 1800) + 120;
    pay_session s;
    if (pay_create_checkout(ap->cfg, &req, &s, err) != 0)
        return -1;
    if (store_payment_add(ap->db, e->id, s.id, e->amount_cents, e->currency, s.url, time(NULL)) < 0 &&
        !store_payment_by_session(ap->db, a, s.id, &prev)) {
        buf_printf(err, "could not record the checkout: %s", db_errmsg(ap->db));
        return -1;
    }
    *url = arena_strdup(a, s.url);
    return 0;
}

int enrol_refund(app *ap, arena *a, int64_t enrolment_id, int64_t amount_cents, int64_t actor, buf *err)
{
    enrolment e;
    payment p;
    if (!store_enrolment_get(ap->db, a, enrolment_id, &e) || !store_payment_latest(ap->db, a, enrolment_id, &p) ||
        (strcmp(p.status, "paid") && strcmp(p.status, "partially_refunded")) || !p.intent) {
        buf_puts(err, "There is no card payment to refund for this registration.");
        return -1;
    }
    int64_t left = p.amount_cents - p.refunded_cents;
    if (amount_cents <= 0 || amount_cents > left) {
        buf_printf(err, "The refund must be between %s and %s.", enrol_money(a, 1, p.currency),
                   enrol_money(a, left, p.currency));
        return -1;
    }
    char refund_id[128];
    const char *key = arena_printf(a, "journeys-refund-%lld-%lld-%lld", (long long)p.id, (long long)p.refunded_cents,
                                   (long long)amount_cents);
    if (pay_refund(ap->cfg, p.intent, amount_cents, key, refund_id, sizeof refund_id, err) != 0)
        return -1;
    time_t now = time(NULL);
    if (db_begin_write(ap->db) != 0) {
        buf_puts(err, "The refund was made but could not be recorded; it will show after a retry.");
        return -1;
    }
    int full = amount_cents == left;
    const char *subject = arena_printf(a, "enrolment:%lld", (long long)e.id);
    int rc = store_payment_refund(ap->db, p.id, amount_cents, refund_id, actor, now);
    if (rc == 0)
        rc = store_audit(ap->db, actor, full ? "payment.refunded" : "payment.partially-refunded", subject,
                         arena_printf(a, "%s (%s)", enrol_money(a, amount_cents, p.currency), refund_id), now);
    json_t *o = offering_json(ap, a, e.offering_code);
    if (rc == 0 && full) {
        rc = store_enrolment_set(ap->db, e.id, "refunded", "refunded", 0, 0, now);
        if (rc == 0 && o)
            rc = enrol_offer_next(ap, a, e.offering_id, now);
    }
    if (rc == 0 && o) {
        json_t *ctx = json_pack("{s:{s:s}, s:O, s:{s:O}, s:s}", "user", "name", e.user_name, "offering", o, "course",
                                "title", json_object_get(o, "course_title"), "amount_label",
                                enrol_money(a, amount_cents, p.currency));
        rc = notify_mail(ap, "refunded", arena_printf(a, "Refund: %s", offering_name(a, o)), e.user_email,
                         e.user_name, ctx, NULL);
        json_decref(ctx);
    }
    json_decref(o);
    if (rc != 0 || db_commit(ap->db) != 0) {
        db_rollback(ap->db);
        log_error("refund %s made at the provider but not recorded for enrolment %lld", refund_id, (long long)e.id);
        buf_puts(err, "The refund was made but could not be recorded; it will show after a retry.");
        return -1;
    }
    return 0;
}

int enrol_sweep(app *ap, arena *a, time_t now)
{
    int64_t ids[64];
    int n = store_lapsed(ap->db, now, ids, 64), done = 0;
    for (int i = 0; i < n; i++) {
        if (db_begin_write(ap->db) != 0)
            break;
        enrolment e;
        int ok = store_enrolment_get(ap->db, a, ids[i], &e) &&
                 ((!strcmp(e.status, "pending") && e.hold_until <= now) ||
                  (!strcmp(e.status, "offered") && e.offer_until <= now));
        if (ok && lapse(ap, a, &e, now) != 0) {
            db_rollback(ap->db);
            continue;
        }
        if (db_commit(ap->db) != 0) {
            db_rollback(ap->db);
            continue;
        }
        done += ok;
    }
    return done;
}
