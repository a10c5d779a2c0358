/*
** enrol.c: the life of a registration (see enrol.h). Every change here is
** a conditional write checked for exactly one changed row; a lost race is
** DOM_CONFLICT with a message.
*/
#include "enrol.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "ical.h"
#include "log.h"
#include "notify.h"
#include "store_accounts.h"
#include "store_cancel.h"
#include "store_content.h"

/* Registration states that hold or wait for a seat. */
#define LIVE_STATES "pending,active,waitlisted,offered"

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

/* A label from a date-writing function for an ISO day, in the arena. */
static const char *day_text(arena *a, void (*fn)(buf *, int32_t), const char *iso)
{
    int32_t day = 0;
    if (!iso || date_parse(iso, &day) != 0)
        return "";
    buf b = BUF_INIT;
    fn(&b, day);
    const char *s = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

/* "21–25 October 2019" for an offering, in the arena. */
static const char *dates_text(arena *a, const offering_row *o)
{
    int32_t s = 0, e = 0;
    if (date_parse(o->starts, &s) != 0 || date_parse(o->ends, &e) != 0)
        return "";
    buf b = BUF_INIT;
    date_range_label(&b, s, e);
    const char *t = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return t;
}

/* The offering as mail templates see it (code, course_title, dates_label,
** starts_label, url, course_url): a new object the caller owns, or NULL. */
static json_t *offering_ctx(domain *d, const offering_row *o)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "code", o->code, "course_title", o->course_title,
                     "dates_label", dates_text(d->a, o), "starts_label", day_text(d->a, date_long_label, o->starts),
                     "url", arena_printf(d->a, "/offerings/%s", o->code), "course_url",
                     arena_printf(d->a, "/courses/%s", o->course_slug), "course_slug", o->course_slug);
}

/* Subject line text of an offering: "Purpose and Vision, 21–25 October 2019". */
static const char *offering_name(domain *d, const offering_row *o)
{
    return arena_printf(d->a, "%s, %s", o->course_title, dates_text(d->a, o));
}

/* The offering's dates as an iCalendar document with one all-day event,
** appended to out. */
static void offering_ics(domain *d, const offering_row *o, buf *out)
{
    json_t *series = store_series(d->db);
    ical_offering io = {o->code, o->course_title, series ? json_string_value(json_object_get(series, "title")) : NULL,
                        NULL, o->starts, o->ends, o->demo, d->now, 0, 0};
    cancel_state cs;   /* the event's revision, as the feeds give it */
    if (store_cancel_state(d->db, d->a, o->id, &cs) == 1) {
        io.sequence = (int)cs.sequence;
        io.cancelled = cs.cancelled_at != 0;
    }
    ical_begin(out, "-//Journeys//Course calendar//EN", o->course_title);
    ical_offering_write(out, d->cfg->base_url, &io);
    ical_end(out);
    json_decref(series);
}

/* Load the offering of a registration: DOM_OK, or an error result. */
static int load_offering(domain *d, int64_t id, offering_row *o)
{
    int found = store_offering_row_by_id(d->db, d->a, id, o);
    if (found < 0)
        return domain_store_failed(d);
    if (found == 0)
        return domain_refuse(d, DOM_NOT_FOUND, NULL, "The offering of this registration no longer exists.");
    return DOM_OK;
}

/* Reload registration id inside the transaction: DOM_OK or an error. */
static int reload(domain *d, int64_t id, enrolment *e)
{
    int found = store_enrolment_get(d->db, d->a, id, e);
    if (found < 0)
        return domain_store_failed(d);
    if (found == 0)
        return domain_refuse(d, DOM_NOT_FOUND, NULL, "There is no such registration.");
    return DOM_OK;
}

/* Open the write transaction and reload registration id inside it. DOM_OK
** with the transaction open, or an error with it already ended. */
static int begin_reloaded(domain *d, int64_t id, enrolment *e)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    if ((rc = reload(d, id, e)) != DOM_OK)
        return domain_end(d, rc);
    return DOM_OK;
}

/* A conditional change's result as a domain result: 1 is DOM_OK, 0 is a
** conflict with message, -1 a store failure. */
static int moved(domain *d, int rc, const char *message)
{
    if (rc < 0)
        return domain_store_failed(d);
    if (rc == 0)
        return domain_refuse(d, DOM_CONFLICT, NULL, message);
    return DOM_OK;
}

/* Count the code's use for registration e, if it has a code not yet
** counted. DOM_OK, DOM_CONFLICT (used up), or a store failure. In a
** transaction. */
static int hold_code(domain *d, const enrolment *e)
{
    if (!e->code_id || e->code_held)
        return DOM_OK;
    int rc = store_code_take(d->db, e->code_id);
    if (rc == 1)
        rc = store_enrolment_code_held(d->db, e->id, 1);
    return moved(d, rc, "The discount code on this registration has been used up by others meanwhile. "
                        "Decline this seat and register again without the code, or write to us.");
}

/* Give back the code's use counted for e, if any. In a transaction. */
static int release_code(domain *d, const enrolment *e)
{
    if (!e->code_id || !e->code_held)
        return DOM_OK;
    int rc = store_enrolment_code_held(d->db, e->id, 0);
    if (rc == 1 && store_code_release(d->db, e->code_id) < 0)
        rc = -1;
    return rc < 0 ? domain_store_failed(d) : DOM_OK;
}

/* Today, as ISO text in the arena, from the request's clock. */
static const char *today_iso(domain *d)
{
    buf b = BUF_INIT;
    date_iso(&b, date_from_time(d->now));
    const char *s = arena_strndup(d->a, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

/* Whether registration is open on day today for the offering (window and
** not started). */
static int window_open(const offering_row *o, const char *today)
{
    return (!o->opens || strcmp(today, o->opens) >= 0) && strcmp(today, o->closes) <= 0 && strcmp(today, o->starts) < 0;
}

/* Issue the invoice for registration e (the participant u) to school
** school_id and queue it to the school's billing contact. In a
** transaction. DOM_OK, DOM_INVALID when the school cannot be invoiced. */
static int issue_invoice(domain *d, const enrolment *e, int64_t school_id, const offering_row *off)
{
    buf year = BUF_INIT;
    date_iso(&year, date_from_time(d->now));
    int y = atoi(buf_str(&year));
    buf_free(&year);
    int64_t id = store_invoice_issue(d->db, e->id, school_id, y, d->now);
    if (id < 0)
        return domain_store_failed(d);
    if (id == 0)
        return domain_refuse(d, DOM_INVALID, "method", "Your school has no billing contact on file, so we cannot "
                             "invoice it yet. Please pay by card, or ask us to add your school's billing contact.");
    invoice_row v;
    if (store_invoice_for(d->db, d->a, e->id, &v) != 1)
        return domain_store_failed(d);
    buf when = BUF_INIT;
    date_label(&when, date_from_time(d->now));
    json_t *o = offering_ctx(d, off);
    json_t *ctx = o ? json_pack("{s:o, s:{s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}",
                                "offering", o, "course", "title", off->course_title, "invoice", "number", v.number,
                                "date_label", buf_str(&when), "school_name", v.school_name, "school_city",
                                v.school_city ? v.school_city : "", "school_country",
                                v.school_country ? v.school_country : "", "billing_name",
                                v.billing_name ? v.billing_name : "", "participant_name", e->user_name,
                                "participant_email", e->user_email, "course_title", off->course_title, "dates_label",
                                dates_text(d->a, off), "amount_label", enrol_money(d->a, v.amount_cents, v.currency),
                                "reference", arena_printf(d->a, "JRN-%06lld", (long long)e->id))
                    : NULL;
    buf_free(&when);
    int rc = ctx ? notify_queue(d, "invoice_issued", arena_printf(d->a, "Invoice %s: %s for %s", v.number,
                                                                   off->course_title, e->user_name),
                                v.billing_email, v.billing_name, ctx, NULL)
                 : DOM_ERROR;
    json_decref(ctx);
    if (rc == DOM_OK)
        rc = domain_audit(d, "invoice.issued", e->id,
                          arena_printf(d->a, "%s to %s <%s>, %s", v.number, v.school_name, v.billing_email,
                                       enrol_money(d->a, v.amount_cents, v.currency)));
    return rc;
}

/* Tell the participant of registration e that it is in, which invoice went
** to whom, and that the seat is held until staff approve it. In a
** transaction, after issue_invoice. DOM_OK or DOM_ERROR. */
static int notify_held(domain *d, const enrolment *e, const offering_row *off)
{
    invoice_row v;
    if (store_invoice_for(d->db, d->a, e->id, &v) != 1)
        return domain_store_failed(d);
    const char *contact = v.billing_name && *v.billing_name
                              ? arena_printf(d->a, "%s (%s)", v.billing_name, v.billing_email) : v.billing_email;
    json_t *o = offering_ctx(d, off);
    json_t *ctx = o ? json_pack("{s:{s:s}, s:o, s:{s:s}, s:{s:s, s:s, s:s, s:s}, s:s}", "user", "name", e->user_name,
                                "offering", o, "course", "title", off->course_title, "invoice", "number", v.number,
                                "amount_label", enrol_money(d->a, v.amount_cents, v.currency), "billing_contact",
                                contact, "school_name", v.school_name, "my_url",
                                arena_printf(d->a, "%s/my", d->cfg->base_url))
                    : NULL;
    int rc = ctx ? notify_queue(d, "invoice_held", arena_printf(d->a, "We have your registration: %s",
                                                                 offering_name(d, off)),
                                e->user_email, e->user_name, ctx, NULL)
                 : DOM_ERROR;
    json_decref(ctx);
    return rc;
}

int enrol_register(domain *d, const offering_row *off, const char *method, const char *code, int64_t invoice_school,
                   enrol_outcome *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(method, "card") && strcmp(method, "invoice"))
        return domain_refuse(d, DOM_INVALID, "method", "Choose how you will pay.");
    if (!strcmp(method, "invoice") && !invoice_school)
        return domain_refuse(d, DOM_INVALID, "method", "Invoices are for member schools that have arranged them; "
                             "please pay by card, or ask your school to set this up.");
    if (strlen(code) > 64)
        return domain_refuse(d, DOM_INVALID, "code", "That code is too long; check it and try again.");
    const char *today = today_iso(d);
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    /* Read again inside the transaction, so a registration and
    ** the offering's cancellation never both go through. */
    int gone = store_offering_is_cancelled(d->db, off->id);
    if (gone != 0)
        return domain_end(d, gone < 0 ? domain_store_failed(d)
                                      : domain_refuse(d, DOM_CONFLICT, NULL, "This offering is cancelled, so it takes "
                                                      "no registrations. The calendar shows the other dates."));
    enrolment e;
    int found = store_enrolment_live(d->db, d->a, off->id, d->actor, &e);
    if (found != 0) {
        if (found == 1) {
            out->id = e.id;
            out->already = 1;
        }
        return domain_end(d, found == 1 ? DOM_OK : domain_store_failed(d));
    }
    if (!window_open(off, today))
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "Registration for this offering is not open. "
                                           "The calendar shows when each offering takes registrations."));
    code_row cr = {0, 0};
    if (*code) {
        found = store_code_find(d->db, code, off->id, today, &cr);
        if (found < 0)
            return domain_end(d, domain_store_failed(d));
        if (found == 0)
            return domain_end(d, domain_refuse(d, DOM_INVALID, "code", "That code is not valid for this offering: "
                                               "it may have expired or been used up. Check it, or leave the field "
                                               "empty."));
    }
    int64_t amount = off->price_cents * (100 - cr.percent_off) / 100;
    int taken = store_seats_taken(d->db, off->id, d->now);
    if (taken < 0)
        return domain_end(d, domain_store_failed(d));
    int full = taken >= off->capacity;
    int64_t id;
    if (full) {
        id = store_enrolment_add(d->db, off->id, d->actor, "waitlisted", "unpaid", amount, off->currency, cr.id, 0, 0,
                                 d->now);
        out->flash = "waitlisted";
    } else if (amount == 0 || !strcmp(method, "invoice")) {
        id = store_enrolment_add(d->db, off->id, d->actor, "pending", "pending", amount, off->currency, cr.id, 0, 0,
                                 d->now);
        out->flash = amount == 0 ? "registered" : "invoiced";
    } else {
        id = store_enrolment_add(d->db, off->id, d->actor, "pending", "pending", amount, off->currency, cr.id,
                                 d->now + (time_t)d->cfg->hold_minutes * 60, 0, d->now);
        out->checkout = 1;
    }
    if (id == DB_DUPLICATE) {
        /* A live registration made in the meantime: the unique index says so. */
        found = store_enrolment_live(d->db, d->a, off->id, d->actor, &e);
        if (found == 1) {
            out->id = e.id;
            out->already = 1;
            out->checkout = 0;
            out->flash = NULL;
        }
        return domain_end(d, found == 1 ? DOM_OK : domain_store_failed(d));
    }
    if (id < 0)
        return domain_end(d, domain_store_failed(d));
    out->id = id;
    rc = domain_audit(d, full ? "registration.waitlisted" : "registration.created", id,
                      arena_printf(d->a, "%s, %s%s%s", off->code, method, *code ? ", code " : "", code));
    if (rc == DOM_OK && !full) {
        rc = reload(d, id, &e);
        if (rc == DOM_OK)
            rc = hold_code(d, &e);
        if (rc == DOM_CONFLICT)
            rc = domain_refuse(d, DOM_INVALID, "code", "That code has just been used up. Leave the field empty to "
                               "register at the full price.");
        int invoiced = !out->checkout && amount > 0;
        if (rc == DOM_OK && invoiced)
            rc = issue_invoice(d, &e, invoice_school, off);
        if (rc == DOM_OK && invoiced && !strcmp(d->cfg->invoice_confirm, "approval")) {
            rc = moved(d, store_enrolment_move(d->db, e.id, "pending", "pending", STORE_ANY_TIME, NULL, "invoiced", 0,
                                               0, d->now),
                       "This registration has changed meanwhile.");
            if (rc == DOM_OK)
                rc = domain_audit(d, "registration.awaiting-approval", e.id, NULL);
            if (rc == DOM_OK)
                rc = notify_held(d, &e, off);
            out->flash = "invoice-pending";
        } else if (rc == DOM_OK && !out->checkout) {
            rc = enrol_activate(d, &e, "pending", STORE_ANY_TIME, amount == 0 ? "waived" : "invoiced");
        }
    }
    return domain_end(d, rc);
}

int enrol_activate(domain *d, const enrolment *e, const char *from, int clock, const char *payment_status)
{
    int rc = moved(d, store_enrolment_move(d->db, e->id, from, NULL, clock, "active", payment_status, 0, 0, d->now),
                   "This registration has changed meanwhile; My courses shows where it stands.");
    if (rc != DOM_OK)
        return rc;
    offering_row off;
    if ((rc = load_offering(d, e->offering_id, &off)) != DOM_OK)
        return rc;
    user u;
    int found = store_user_by_id(d->db, d->a, e->user_id, &u, NULL);
    if (found != 1)
        return found < 0 ? domain_store_failed(d) : domain_refuse(d, DOM_ERROR, NULL, NULL);
    json_t *o = offering_ctx(d, &off);
    if (!o)
        return DOM_ERROR;
    buf ics = BUF_INIT;
    offering_ics(d, &off, &ics);
    const char *amount = enrol_money(d->a, e->amount_cents, e->currency);
    const char *reference = arena_printf(d->a, "JRN-%06lld", (long long)e->id);
    buf today = BUF_INIT;
    date_label(&today, date_from_time(d->now));
    const char *method = !strcmp(payment_status, "invoiced") ? "Invoice to school"
                       : !strcmp(payment_status, "waived") ? "Waiver" : "Card";
    json_t *ctx = json_pack("{s:{s:s}, s:O, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
                            " s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}",
                            "user", "name", u.name, "offering", o, "course", "title", off.course_title, "url",
                            arena_printf(d->a, "%s/courses/%s", d->cfg->base_url, off.course_slug),
                            "starts_local", arena_printf(d->a, "%s (%s)", day_text(d->a, date_long_label, off.starts),
                                                         u.time_zone ? u.time_zone : "UTC"),
                            "community_url", d->cfg->community_url,
                            "my_url", arena_printf(d->a, "%s/my", d->cfg->base_url), "amount_label", amount,
                            "learn_url", arena_printf(d->a, "%s/learn/%s", d->cfg->base_url, off.code),
                            "reference", reference, "school_name", u.school_name ? u.school_name : "",
                            "receipt", "number", reference, "date_label", buf_str(&today), "method_label", method,
                            "name", u.name, "email", u.email, "course_title", off.course_title, "dates_label",
                            dates_text(d->a, &off), "amount_label", amount, "payment_label", payment_status);
    buf_free(&today);
    rc = ctx && !buf_failed(&ics) ? DOM_OK : DOM_ERROR;
    const char *name = offering_name(d, &off);
    if (rc == DOM_OK) {
        notify_attachment att = {"offering.ics", "text/calendar; charset=utf-8; method=PUBLISH", buf_str(&ics),
                                 ics.len};
        rc = notify_queue(d, "confirmed", arena_printf(d->a, "You're registered: %s", name), u.email, u.name, ctx,
                          &att);
    }
    if (rc == DOM_OK && !strcmp(payment_status, "paid"))
        rc = notify_queue(d, "receipt", arena_printf(d->a, "Receipt: %s", name), u.email, u.name, ctx, NULL);
    if (rc == DOM_OK && !strcmp(payment_status, "invoiced"))
        rc = notify_queue(d, "invoice", arena_printf(d->a, "Invoice to follow: %s", name), u.email, u.name, ctx, NULL);
    if (rc == DOM_OK)
        rc = notify_community(d, u.email, u.name);
    if (rc == DOM_OK)
        rc = domain_audit(d, "registration.activated", e->id, arena_printf(d->a, "payment %s, %s", payment_status,
                                                                           amount));
    buf_free(&ics);
    json_decref(ctx);
    json_decref(o);
    return rc;
}

int enrol_offer_next(domain *d, int64_t offering_id)
{
    offering_row off;
    int rc = load_offering(d, offering_id, &off);
    if (rc != DOM_OK)
        return rc;
    for (;;) {
        int taken = store_seats_taken(d->db, offering_id, d->now);
        if (taken < 0)
            return domain_store_failed(d);
        if (taken >= off.capacity)
            return DOM_OK;
        enrolment e;
        int found = store_next_waitlisted(d->db, d->a, offering_id, &e);
        if (found <= 0)
            return found < 0 ? domain_store_failed(d) : DOM_OK;
        time_t until = d->now + (time_t)d->cfg->offer_hours * 3600;
        rc = moved(d, store_enrolment_move(d->db, e.id, "waitlisted", NULL, STORE_ANY_TIME, "offered", NULL, 0, until,
                                           d->now),
                   "The waitlist changed meanwhile.");
        if (rc != DOM_OK)
            return rc;
        json_t *o = offering_ctx(d, &off);
        buf when = BUF_INIT;
        date_long_label(&when, date_from_time(until));
        json_t *ctx = o ? json_pack("{s:{s:s}, s:o, s:{s:s}, s:s, s:s}", "user", "name", e.user_name, "offering", o,
                                    "course", "title", off.course_title, "accept_url",
                                    arena_printf(d->a, "%s/my", d->cfg->base_url), "offer_until_label",
                                    buf_str(&when))
                        : NULL;
        buf_free(&when);
        rc = ctx ? notify_queue(d, "waitlist_offer", arena_printf(d->a, "A seat is free: %s", off.course_title),
                                e.user_email, e.user_name, ctx, NULL)
                 : DOM_ERROR;
        json_decref(ctx);
        if (rc == DOM_OK)
            rc = domain_audit(d, "waitlist.offered", e.id, NULL);
        if (rc != DOM_OK)
            return rc;
    }
}

/* End registration e's hold or offer (moving it only from status from,
** with clock), give back its code's use, and pass the seat on. In a
** transaction. DOM_OK, DOM_CONFLICT when it was answered meanwhile. */
static int lapse(domain *d, const enrolment *e, int clock)
{
    int rc = moved(d, store_enrolment_move(d->db, e->id, e->status, e->payment_status, clock, "expired",
                                           !strcmp(e->payment_status, "pending") ? "unpaid" : NULL, 0, 0, d->now),
                   "This registration has changed meanwhile.");
    if (rc == DOM_OK)
        rc = release_code(d, e);
    if (rc == DOM_OK)
        rc = domain_audit(d, "registration.lapsed", e->id, e->status);
    if (rc == DOM_OK)
        rc = enrol_offer_next(d, e->offering_id);
    return rc;
}

/* Settle outcome: commit or roll back, mapping to a settle result. */
static enum settle_result finish(domain *d, enum settle_result r)
{
    return domain_end(d, r == SETTLE_ERROR ? DOM_ERROR : DOM_OK) == DOM_OK ? r : SETTLE_ERROR;
}

/* Whether payment p for registration e can still buy its seat; when the seat
** is to be had, activate it. 1 activated, 0 not to be had, -1 error. In a
** transaction. */
static int take_paid_seat(domain *d, const enrolment *e)
{
    int live = !strcmp(e->status, "pending") && !strcmp(e->payment_status, "pending") && e->hold_until > d->now;
    int lapsed = (!strcmp(e->status, "pending") && !strcmp(e->payment_status, "pending")) ||
                 (!strcmp(e->status, "expired") && !strcmp(e->payment_status, "unpaid"));
    if (!live && !lapsed)
        return 0;
    if (!live) {
        offering_row off;
        if (load_offering(d, e->offering_id, &off) != DOM_OK)
            return -1;
        int taken = store_seats_taken(d->db, e->offering_id, d->now);
        if (taken < 0)
            return -1;
        if (taken >= off.capacity)
            return 0;
        int rc = hold_code(d, e);
        if (rc == DOM_CONFLICT)
            return 0;
        if (rc != DOM_OK)
            return -1;
    }
    int rc = enrol_activate(d, e, e->status, STORE_ANY_TIME, "paid");
    return rc == DOM_OK ? 1 : rc == DOM_CONFLICT ? 0 : -1;
}

enum settle_result enrol_settle(domain *d, const pay_session *s, const char *event_id, const char *event_type)
{
    if (domain_begin(d) != DOM_OK)
        return SETTLE_ERROR;
    payment p;
    int known = store_payment_by_session(d->db, d->a, s->id, &p);
    if (known < 0)
        return finish(d, SETTLE_ERROR);
    if (event_id) {
        int fresh = store_event_record(d->db, event_id, event_type, known ? p.id : 0, d->now);
        if (fresh < 0)
            return finish(d, SETTLE_ERROR);
        if (!fresh)
            return finish(d, SETTLE_ALREADY);
    }
    if (!known)
        return finish(d, SETTLE_UNKNOWN);
    if (strcmp(s->payment_status, "paid"))
        return finish(d, SETTLE_UNPAID);
    if (s->amount_total != p.amount_cents || strcasecmp(s->currency, p.currency)) {
        if (domain_audit(d, "payment.mismatch", p.enrolment_id,
                         arena_printf(d->a, "provider says %lld %s, we asked %lld %s (session %s)",
                                      (long long)s->amount_total, s->currency, (long long)p.amount_cents, p.currency,
                                      s->id)) != DOM_OK)
            return finish(d, SETTLE_ERROR);
        return finish(d, SETTLE_MISMATCH);
    }
    int rc = store_payment_move(d->db, p.id, "open,expired", "paid", s->payment_intent[0] ? s->payment_intent : NULL,
                                d->now);
    if (rc <= 0)
        return finish(d, rc < 0 ? SETTLE_ERROR : SETTLE_ALREADY);
    enrolment e;
    if (reload(d, p.enrolment_id, &e) != DOM_OK ||
        domain_audit(d, "payment.paid", e.id, arena_printf(d->a, "%s via %s", enrol_money(d->a, p.amount_cents,
                                                                                           p.currency),
                                                           event_id ? event_id : "return page")) != DOM_OK)
        return finish(d, SETTLE_ERROR);
    int took = take_paid_seat(d, &e);
    if (took < 0)
        return finish(d, SETTLE_ERROR);
    int64_t refund = 0;
    if (!took) {
        /* Paid for a seat that is not to be had: waived, cancelled, lapsed
        ** with the offering full, or paid twice. The money goes back. */
        refund = store_refund_begin(d->db, p.id, p.amount_cents, 0, "automatic", d->now);
        if (refund <= 0 ||
            domain_audit(d, "payment.refunded-automatically", e.id,
                         arena_printf(d->a, "%s paid when the registration was %s/%s; refund %lld sent",
                                      enrol_money(d->a, p.amount_cents, p.currency), e.status, e.payment_status,
                                      (long long)refund)) != DOM_OK)
            return finish(d, SETTLE_ERROR);
    }
    enum settle_result r = finish(d, SETTLE_APPLIED);
    if (r == SETTLE_APPLIED && refund > 0 && enrol_refund_run(d, refund) != DOM_OK)
        log_error("automatic refund %lld of enrolment %lld is pending: %s", (long long)refund, (long long)e.id,
                  d->message ? d->message : "");
    return r;
}

enum settle_result enrol_session_expired(domain *d, const pay_session *s, const char *event_id)
{
    if (domain_begin(d) != DOM_OK)
        return SETTLE_ERROR;
    payment p;
    int known = store_payment_by_session(d->db, d->a, s->id, &p);
    if (known < 0)
        return finish(d, SETTLE_ERROR);
    int fresh = store_event_record(d->db, event_id, "checkout.session.expired", known ? p.id : 0, d->now);
    if (fresh <= 0)
        return finish(d, fresh < 0 ? SETTLE_ERROR : SETTLE_ALREADY);
    if (!known)
        return finish(d, SETTLE_UNKNOWN);
    int rc = store_payment_move(d->db, p.id, "open", "expired", NULL, d->now);
    if (rc <= 0)
        return finish(d, rc < 0 ? SETTLE_ERROR : SETTLE_ALREADY);
    enrolment e;
    if (reload(d, p.enrolment_id, &e) != DOM_OK)
        return finish(d, SETTLE_ERROR);
    payment open[1];
    int n = store_payments_open(d->db, d->a, e.id, open, 1);
    if (n < 0)
        return finish(d, SETTLE_ERROR);
    if (n == 0 && !strcmp(e.status, "pending") && !strcmp(e.payment_status, "pending") && e.hold_until) {
        rc = lapse(d, &e, STORE_ANY_TIME);
        if (rc != DOM_OK && rc != DOM_CONFLICT)
            return finish(d, SETTLE_ERROR);
    }
    return finish(d, SETTLE_APPLIED);
}

int enrol_checkout(domain *d, const enrolment *e, const char *customer_email, const char **url)
{
    offering_row off;
    int rc = load_offering(d, e->offering_id, &off);
    if (rc != DOM_OK)
        return rc;
    payment prev;
    int found = store_payment_latest(d->db, d->a, e->id, &prev);
    if (found < 0)
        return domain_store_failed(d);
    pay_checkout req = {0};
    req.amount_cents = e->amount_cents;
    req.currency = e->currency;
    req.product_name = arena_printf(d->a, "%s (%s)", off.course_title, off.code);
    req.product_description = "A week-long online course, facilitated by a learning-design coach";
    req.success_url = arena_printf(d->a, "%s/checkout/return?session_id={CHECKOUT_SESSION_ID}", d->cfg->base_url);
    req.cancel_url = arena_printf(d->a, "%s/my", d->cfg->base_url);
    req.client_reference_id = arena_printf(d->a, "enrolment-%lld", (long long)e->id);
    req.customer_email = customer_email;
    req.metadata_enrolment = arena_printf(d->a, "%lld", (long long)e->id);
    req.metadata_offering = off.code;
    req.idempotency_key = arena_printf(d->a, "journeys-enrolment-%lld-after-%lld", (long long)e->id,
                                       (long long)(found ? prev.id : 0));
    /* The checkout lives a little longer than the hold (providers want at
    ** least 30 minutes), so the seat is released before the page dies. */
    long hold = (long)(e->hold_until - d->now);
    req.expires_at = d->now + (hold > 1800 ? hold : 1800) + 120;
    pay_session s;
    buf err = BUF_INIT;
    if (pay_create_checkout(d->cfg, &req, &s, &err) != 0) {
        log_error("checkout for enrolment %lld: %s", (long long)e->id, buf_str(&err));
        buf_free(&err);
        return domain_refuse(d, DOM_UNAVAILABLE, NULL, "The payment provider did not answer. Your seat is held for "
                             "a while: try again from My courses in a few minutes.");
    }
    buf_free(&err);
    int64_t id = store_payment_add(d->db, e->id, s.id, e->amount_cents, e->currency, s.url, d->now);
    if (id < 0 && (id != DB_DUPLICATE || store_payment_by_session(d->db, d->a, s.id, &prev) != 1))
        return domain_store_failed(d);
    *url = arena_strdup(d->a, s.url);
    return DOM_OK;
}

/* Settle a refund the provider made: the refund row, the audit line, and
** for a full refund the registration (refunded, its seat offered on) unless
** the refund gave back a stray payment. The refund mail. In a transaction. */
static int refund_done(domain *d, const refund_row *f, const char *provider_refund)
{
    int rc = store_refund_settle(d->db, f->id, provider_refund, d->now);
    if (rc <= 0)
        return rc < 0 ? domain_store_failed(d) : DOM_OK; /* settled by someone else */
    enrolment e;
    payment p;
    if ((rc = reload(d, f->enrolment_id, &e)) != DOM_OK)
        return rc;
    int found = store_payment_latest(d->db, d->a, e.id, &p);
    if (found != 1)
        return domain_store_failed(d);
    int full = !strcmp(p.status, "refunded");
    rc = domain_audit(d, full ? "payment.refunded" : "payment.partially-refunded", e.id,
                      arena_printf(d->a, "%s (%s)", enrol_money(d->a, f->amount_cents, f->currency), provider_refund));
    if (rc == DOM_OK && full && strcmp(f->reason, "automatic")) {
        int ch = store_enrolment_move(d->db, e.id, LIVE_STATES, NULL, STORE_ANY_TIME, "refunded", "refunded", 0, 0,
                                      d->now);
        if (ch < 0)
            rc = domain_store_failed(d);
        else if (ch == 1) {
            rc = release_code(d, &e);
            if (rc == DOM_OK)
                rc = enrol_offer_next(d, e.offering_id);
        } else if (store_enrolment_move(d->db, e.id, "cancelled,expired", NULL, STORE_ANY_TIME, NULL, "refunded", 0, 0,
                                        d->now) < 0) {
            rc = domain_store_failed(d);
        }
    }
    offering_row off;
    if (rc == DOM_OK)
        rc = load_offering(d, e.offering_id, &off);
    /* A refund of the offering's cancellation was announced in
    ** the one e-mail that told of it; no second message. */
    int told = rc == DOM_OK && f->reason && !strcmp(f->reason, CANCEL_REFUND_REASON);
    if (rc == DOM_OK && !told) {
        json_t *o = offering_ctx(d, &off);
        json_t *ctx = o ? json_pack("{s:{s:s}, s:o, s:{s:s}, s:s}", "user", "name", e.user_name, "offering", o,
                                    "course", "title", off.course_title, "amount_label",
                                    enrol_money(d->a, f->amount_cents, f->currency))
                        : NULL;
        rc = ctx ? notify_queue(d, "refunded", arena_printf(d->a, "Refund: %s", offering_name(d, &off)), e.user_email,
                                e.user_name, ctx, NULL)
                 : DOM_ERROR;
        json_decref(ctx);
    }
    return rc;
}

int enrol_refund_run(domain *d, int64_t refund_id)
{
    refund_row f;
    int found = store_refund_get(d->db, d->a, refund_id, &f);
    if (found != 1)
        return found < 0 ? domain_store_failed(d) : domain_refuse(d, DOM_NOT_FOUND, NULL, "There is no such refund.");
    if (strcmp(f.status, "pending"))
        return DOM_OK;
    char provider_refund[128];
    buf err = BUF_INIT;
    const char *key = arena_printf(d->a, "journeys-refund-%lld", (long long)f.id);
    int paid_back = f.intent && pay_refund(d->cfg, f.intent, f.amount_cents, key, provider_refund,
                                           sizeof provider_refund, &err) == 0;
    if (!f.intent)
        buf_puts(&err, "no payment intent recorded");
    /* Only a refusal the provider answered is final; no answer, a 5xx, a
    ** request in flight (409) or a rate limit (429) leave the refund
    ** pending, to be asked again with the same key by the sweep. */
    const char *e = buf_str(&err);
    int refused_for_good = !paid_back && (!f.intent || (!strncmp(e, "payment provider: HTTP 4", 24) &&
                                                        strncmp(e, "payment provider: HTTP 409", 26) &&
                                                        strncmp(e, "payment provider: HTTP 429", 26)));
    if (!paid_back)
        log_error("refund %lld for enrolment %lld: %s", (long long)f.id, (long long)f.enrolment_id, e);
    if (!paid_back && !refused_for_good) {
        buf_free(&err);
        return domain_refuse(d, DOM_UNAVAILABLE, NULL, "The payment provider did not confirm the refund. It is "
                             "recorded as pending and will be asked again automatically; the registrations list "
                             "shows it until it is confirmed.");
    }
    int rc = domain_begin(d);
    if (rc != DOM_OK) {
        log_error("refund %lld %s at the provider but not recorded: it stays pending", (long long)f.id,
                  paid_back ? "made" : "refused");
        buf_free(&err);
        return rc;
    }
    const char *why = arena_strdup(d->a, e);
    buf_free(&err);
    if (paid_back) {
        rc = refund_done(d, &f, provider_refund);
    } else {
        int ch = store_refund_fail(d->db, f.id, d->now);
        rc = ch < 0 ? domain_store_failed(d) : DOM_OK;
        if (rc == DOM_OK && ch == 1)
            rc = domain_audit(d, "payment.refund-failed", f.enrolment_id,
                              arena_printf(d->a, "%s: %s", enrol_money(d->a, f.amount_cents, f.currency), why));
    }
    rc = domain_end(d, rc);
    if (rc == DOM_OK && !paid_back)
        return domain_refuse(d, DOM_CONFLICT, NULL, arena_printf(d->a, "The payment provider refused the refund, so "
                                                                 "nothing was refunded (%s).", why));
    return rc;
}

/* The payment of registration id that money can be refunded from, read in
** the transaction: DOM_OK, or a refusal. */
static int refundable(domain *d, int64_t id, payment *p)
{
    int found = store_payment_latest(d->db, d->a, id, p);
    if (found < 0)
        return domain_store_failed(d);
    if (!found || !p->intent || (strcmp(p->status, "paid") && strcmp(p->status, "partially_refunded") &&
                                 strcmp(p->status, "refunded")))
        return domain_refuse(d, DOM_INVALID, "amount", "There is no card payment to refund for this registration.");
    if (p->refunded_cents >= p->amount_cents)
        return domain_refuse(d, DOM_CONFLICT, NULL, "This payment is already refunded in full.");
    return DOM_OK;
}

int enrol_refund(domain *d, int64_t enrolment_id, int64_t amount_cents)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    payment p;
    rc = refundable(d, enrolment_id, &p);
    if (rc != DOM_OK)
        return domain_end(d, rc);
    int64_t left = p.amount_cents - p.refunded_cents;
    if (amount_cents <= 0 || amount_cents > left)
        return domain_end(d, domain_refuse(d, DOM_INVALID, "amount",
                                           arena_printf(d->a, "The refund must be between %s and %s.",
                                                        enrol_money(d->a, 1, p.currency),
                                                        enrol_money(d->a, left, p.currency))));
    int64_t refund = store_refund_begin(d->db, p.id, amount_cents, d->actor, "staff", d->now);
    if (refund < 0)
        return domain_end(d, domain_store_failed(d));
    if (refund == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "This payment is already refunded: another refund "
                                           "went first. The list shows what is left."));
    rc = domain_audit(d, "payment.refund-started", enrolment_id,
                      arena_printf(d->a, "%s, refund %lld", enrol_money(d->a, amount_cents, p.currency),
                                   (long long)refund));
    rc = domain_end(d, rc);
    return rc == DOM_OK ? enrol_refund_run(d, refund) : rc;
}

/* Expire the open checkouts of registration id at the provider, after the
** change that made them pointless is committed. A payment that arrives all
** the same is refunded by enrol_settle, so a failure is only logged. */
static void expire_checkouts(domain *d, int64_t id)
{
    payment open[8];
    int n = store_payments_open(d->db, d->a, id, open, 8);
    for (int i = 0; i < n; i++) {
        buf err = BUF_INIT;
        if (pay_expire_session(d->cfg, open[i].session, &err) != 0)
            log_warn("expiring checkout %s of enrolment %lld: %s", open[i].session, (long long)id, buf_str(&err));
        buf_free(&err);
    }
}

int enrol_cancel(domain *d, const enrolment *given)
{
    enrolment e;
    int rc = begin_reloaded(d, given->id, &e);
    if (rc != DOM_OK)
        return rc;
    int held_seat = strcmp(e.status, "waitlisted") != 0;
    rc = moved(d, store_enrolment_move(d->db, e.id, LIVE_STATES, e.payment_status, STORE_ANY_TIME, "cancelled",
                                       !strcmp(e.payment_status, "pending") ? "unpaid" : NULL, 0, 0, d->now),
               "This registration is no longer open, so there is nothing to cancel.");
    if (rc == DOM_OK)
        rc = release_code(d, &e);
    if (rc == DOM_OK)
        rc = domain_audit(d, "registration.cancelled", e.id, NULL);
    if (rc == DOM_OK && !strcmp(e.payment_status, "invoiced")) {
        int ch = store_invoice_move(d->db, e.id, "issued", "void", d->now);
        if (ch < 0)
            rc = domain_store_failed(d);
        else if (ch == 1)
            rc = domain_audit(d, "invoice.void", e.id, NULL);
    }
    if (rc == DOM_OK && held_seat)
        rc = enrol_offer_next(d, e.offering_id);
    int64_t refund = 0, refund_cents = 0;
    payment p;
    if (rc == DOM_OK && !strcmp(e.payment_status, "paid")) {
        int found = store_payment_latest(d->db, d->a, e.id, &p);
        if (found < 0)
            rc = domain_store_failed(d);
        else if (found && p.intent && p.refunded_cents < p.amount_cents &&
                 (!strcmp(p.status, "paid") || !strcmp(p.status, "partially_refunded"))) {
            refund_cents = p.amount_cents - p.refunded_cents;
            refund = store_refund_begin(d->db, p.id, refund_cents, d->actor, "cancelled", d->now);
            if (refund <= 0)
                rc = refund < 0 ? domain_store_failed(d) : DOM_CONFLICT;
            else
                rc = domain_audit(d, "payment.refund-started", e.id,
                                  arena_printf(d->a, "%s, refund %lld", enrol_money(d->a, refund_cents, p.currency),
                                               (long long)refund));
        }
    }
    offering_row off;
    if (rc == DOM_OK)
        rc = load_offering(d, e.offering_id, &off);
    if (rc == DOM_OK) {
        json_t *o = offering_ctx(d, &off);
        json_t *ctx = o ? json_pack("{s:{s:s}, s:o, s:{s:s}, s:o}", "user", "name", e.user_name, "offering", o,
                                    "course", "title", off.course_title, "refund_label",
                                    refund ? json_string(enrol_money(d->a, refund_cents, e.currency)) : json_null())
                        : NULL;
        rc = ctx ? notify_queue(d, "cancelled", arena_printf(d->a, "Cancelled: %s", off.course_title), e.user_email,
                                e.user_name, ctx, NULL)
                 : DOM_ERROR;
        json_decref(ctx);
    }
    rc = domain_end(d, rc);
    if (rc == DOM_OK && !strcmp(e.payment_status, "pending"))
        expire_checkouts(d, e.id);
    if (rc == DOM_OK && refund > 0 && enrol_refund_run(d, refund) != DOM_OK) {
        log_error("refund %lld after cancelling enrolment %lld: %s", (long long)refund, (long long)e.id,
                  d->message ? d->message : "");
        d->message = NULL; /* the cancellation stands; staff see the failed refund */
    }
    return rc;
}

int enrol_accept(domain *d, const enrolment *given)
{
    enrolment e;
    int rc = begin_reloaded(d, given->id, &e);
    if (rc != DOM_OK)
        return rc;
    const char *ended = "This offer has ended. If a seat frees up again, we will e-mail you.";
    if (e.amount_cents == 0) {
        rc = enrol_activate(d, &e, "offered", STORE_LIVE, "waived");
        if (rc == DOM_CONFLICT)
            d->message = ended;
    } else {
        rc = moved(d, store_enrolment_move(d->db, e.id, "offered", NULL, STORE_LIVE, "pending", "pending",
                                           d->now + (time_t)d->cfg->hold_minutes * 60, 0, d->now),
                   ended);
        if (rc == DOM_OK)
            rc = domain_audit(d, "waitlist.accepted", e.id, NULL);
    }
    if (rc == DOM_OK)
        rc = hold_code(d, &e);
    return domain_end(d, rc);
}

int enrol_decline(domain *d, const enrolment *given)
{
    enrolment e;
    int rc = begin_reloaded(d, given->id, &e);
    if (rc != DOM_OK)
        return rc;
    int offered = !strcmp(e.status, "offered");
    rc = moved(d, store_enrolment_move(d->db, e.id, "offered,waitlisted", NULL, STORE_ANY_TIME, "cancelled", NULL, 0, 0,
                                       d->now),
               "There is no open offer on this registration.");
    if (rc == DOM_OK)
        rc = release_code(d, &e);
    if (rc == DOM_OK)
        rc = domain_audit(d, "waitlist.declined", e.id, NULL);
    if (rc == DOM_OK && offered)
        rc = enrol_offer_next(d, e.offering_id);
    return domain_end(d, rc);
}

int enrol_waive(domain *d, const enrolment *given)
{
    enrolment e;
    int rc = begin_reloaded(d, given->id, &e);
    if (rc != DOM_OK)
        return rc;
    const char *no = "This registration cannot be waived in its present state.";
    if (!strcmp(e.payment_status, "paid") || !strcmp(e.payment_status, "waived") ||
        !strstr("," LIVE_STATES ",", arena_printf(d->a, ",%s,", e.status)))
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, no));
    rc = hold_code(d, &e);
    const char *note = "";
    if (rc == DOM_CONFLICT) {
        rc = DOM_OK; /* staff waive the whole fee: the used-up code does not matter */
        d->message = NULL;
        note = ", code used up, not counted";
    }
    if (rc == DOM_OK)
        rc = domain_audit(d, "payment.waived", e.id,
                          arena_printf(d->a, "%s%s", enrol_money(d->a, e.amount_cents, e.currency), note));
    if (rc == DOM_OK && !strcmp(e.status, "active"))
        rc = moved(d, store_enrolment_move(d->db, e.id, "active", e.payment_status, STORE_ANY_TIME, NULL, "waived", 0,
                                           0, d->now),
                   no);
    else if (rc == DOM_OK)
        rc = enrol_activate(d, &e, e.status, STORE_ANY_TIME, "waived");
    rc = domain_end(d, rc);
    if (rc == DOM_OK)
        expire_checkouts(d, e.id);
    return rc;
}

int enrol_mark_paid(domain *d, const enrolment *e)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    rc = moved(d, store_enrolment_move(d->db, e->id, "active", "invoiced", STORE_ANY_TIME, NULL, "paid", 0, 0, d->now),
               "Only a confirmed registration invoiced to a school can be marked paid.");
    if (rc == DOM_OK && store_invoice_move(d->db, e->id, "issued", "paid", d->now) < 0)
        rc = domain_store_failed(d);
    if (rc == DOM_OK)
        rc = domain_audit(d, "payment.invoice-paid", e->id, enrol_money(d->a, e->amount_cents, e->currency));
    return domain_end(d, rc);
}

int enrol_approve(domain *d, const enrolment *given)
{
    enrolment e;
    int rc = begin_reloaded(d, given->id, &e);
    if (rc != DOM_OK)
        return rc;
    const char *no = "Only a registration waiting for approval of its school's invoice can be approved.";
    if (strcmp(e.payment_status, "invoiced"))
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, no));
    rc = enrol_activate(d, &e, "pending", STORE_ANY_TIME, "invoiced");
    if (rc == DOM_CONFLICT)
        d->message = no;
    if (rc == DOM_OK)
        rc = domain_audit(d, "registration.approved", e.id, NULL);
    return domain_end(d, rc);
}

int enrol_sweep(domain *d)
{
    int64_t ids[64];
    int n = store_lapsed(d->db, d->now, ids, 64), done = 0;
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (domain_begin(d) != DOM_OK)
            break;
        enrolment e;
        int rc = reload(d, ids[i], &e);
        if (rc == DOM_OK)
            rc = lapse(d, &e, STORE_LAPSED);
        if (domain_end(d, rc) == DOM_OK)
            done++;
        d->message = NULL;
    }
    /* Refunds a crash or an unanswered call left pending: ask the provider
    ** again with the same idempotency key, so it is made at most once. */
    int64_t stale[16];
    int m = store_refunds_stale(d->db, d->now - ENROL_REFUND_RETRY_SECONDS, stale, 16);
    for (int i = 0; i < m; i++) {
        enrol_refund_run(d, stale[i]);
        d->message = NULL;
    }
    return done;
}

int enrol_may_cancel(const config *cfg, const char *status, const char *starts, int32_t today)
{
    int32_t day;
    if (strcmp(status, "active") && strcmp(status, "pending") && strcmp(status, "waitlisted") && strcmp(status, "offered"))
        return 0;
    return date_parse(starts, &day) == 0 && today <= day - cfg->cancel_days;
}

int64_t enrol_parse_money(const char *s)
{
    if (!s || !*s || strlen(s) > 12)
        return -1;
    int64_t whole = 0, frac = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++)
        whole = whole * 10 + (*p - '0');
    if (p == s)
        return -1;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9' && digits < 2; p++, digits++)
            frac = frac * 10 + (*p - '0');
        if (digits == 0)
            return -1;
        if (digits == 1)
            frac *= 10;
    }
    return *p ? -1 : whole * 100 + frac;
}
