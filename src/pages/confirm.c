/*
** confirm.c: the pages that ask before an action that cannot be undone:
** cancelling a registration, declining a seat or leaving the waitlist, and
** a staff refund. Each GET page says exactly what will happen (the amount
** refunded, the seat given up, the offer passed on) and carries the form
** that posts to the action's own address, with a link back to keep things
** as they are. No JavaScript is needed; nothing changes until the POST.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "date.h"
#include "enrol.h"
#include "pages.h"
#include "store_enrol.h"

/* Load registration param[0] that rq's user may act on as what (ACCESS_OWN:
** the owner or staff; ACCESS_STAFF: staff). 1 with e and off filled, or 0
** with a 404 message set. */
static int load(request *rq, enum access_what what, enrolment *e, offering_row *off)
{
    char *end;
    long long id = strtoll(rq->param[0], &end, 10);
    if (*end || !store_enrolment_get(page_app(rq)->db, rq->a, id, e) || !access_allows(rq, what, e->user_id) ||
        !store_offering_row_by_id(page_app(rq)->db, rq->a, e->offering_id, off)) {
        rq->message = what == ACCESS_STAFF ? "There is no such registration."
                                           : "There is no registration of yours at this address.";
        return 0;
    }
    return 1;
}

/* "Graduate Profile, 2–6 March 2026" for an offering, in the arena. */
static const char *offering_name(arena *a, const offering_row *off)
{
    int32_t s = 0, t = 0;
    buf b = BUF_INIT;
    if (date_parse(off->starts, &s) == 0 && date_parse(off->ends, &t) == 0)
        date_range_label(&b, s, t);
    const char *name = arena_printf(a, "%s, %s", off->course_title, buf_str(&b));
    buf_free(&b);
    return name;
}

/* What is left to refund on registration id (paid less refunded), in cents;
** -1 on a read error. */
static int64_t refundable(db *d, int64_t id)
{
    int64_t paid, refunded;
    if (store_enrolment_money(d, id, &paid, &refunded) != 0)
        return -1;
    return paid - refunded;
}

/* Render the shared confirmation page. view holds heading, effects (a list
** of sentences), action, button (empty: nothing to confirm yet),
** keep_url/keep_label and, for a refund, refund; it is consumed. */
static int confirm_page(request *rq, response *rs, json_t *view, const char *title)
{
    if (!view)
        return 500;
    return page_render(rq, rs, "pages/confirm", json_pack("{s:o}", "confirm", view), title, NULL);
}

int page_confirm_cancel(request *rq, response *rs)
{
    enrolment e;
    offering_row off;
    if (!load(rq, ACCESS_OWN, &e, &off))
        return 404;
    if (!enrol_may_cancel(page_app(rq)->cfg, e.status, off.starts, date_today())) {
        rq->message = "This registration can no longer be cancelled here. Write to us if something has come up.";
        return 409;
    }
    const char *name = offering_name(rq->a, &off);
    json_t *effects = json_array();
    if (!strcmp(e.status, "active"))
        json_array_append_new(effects, json_string(arena_printf(rq->a, "Your seat on %s is given up and goes to the "
                                                                "next person on the waitlist, if anyone is waiting.", name)));
    else if (!strcmp(e.status, "pending"))
        json_array_append_new(effects, json_string(arena_printf(rq->a, "The seat held for you on %s is released, and "
                                                                "the payment you started will not be taken.", name)));
    else if (!strcmp(e.status, "offered"))
        json_array_append_new(effects, json_string(arena_printf(rq->a, "The seat offered to you on %s passes to the "
                                                                "next person on the waitlist.", name)));
    else
        json_array_append_new(effects, json_string(arena_printf(rq->a, "You leave the waitlist for %s.", name)));
    int64_t left = !strcmp(e.payment_status, "paid") ? refundable(page_app(rq)->db, e.id) : 0;
    if (left < 0) {
        json_decref(effects);
        return 503;
    }
    if (left > 0)
        json_array_append_new(effects, json_string(arena_printf(rq->a, "We refund %s to the card you paid with; "
                                                                "depending on your bank it can take a few days to appear.",
                                                                enrol_money(rq->a, left, e.currency))));
    else if (!strcmp(e.payment_status, "invoiced"))
        json_array_append_new(effects, json_string("The registration was invoiced to your school; nothing is refunded "
                                                   "here. Write to us about the invoice."));
    else if (!strcmp(e.status, "active"))
        json_array_append_new(effects, json_string("There is nothing to refund: you did not pay by card."));
    json_array_append_new(effects, json_string("You cannot undo this. To take part later, register again while seats "
                                               "are free."));
    json_t *view = json_pack("{s:s, s:o, s:s, s:s, s:b, s:s, s:s}", "heading", "Cancel this registration?", "effects",
                             effects, "action", arena_printf(rq->a, "/registrations/%lld/cancel", (long long)e.id),
                             "button", "Cancel my registration", "danger", 1, "keep_url", "/my", "keep_label",
                             "Keep my registration");
    return confirm_page(rq, rs, view, "Cancel registration");
}

int page_confirm_decline(request *rq, response *rs)
{
    enrolment e;
    offering_row off;
    if (!load(rq, ACCESS_OWN, &e, &off))
        return 404;
    int offered = !strcmp(e.status, "offered");
    if (!offered && strcmp(e.status, "waitlisted")) {
        rq->message = "There is no open offer on this registration.";
        return 409;
    }
    const char *name = offering_name(rq->a, &off);
    json_t *effects = json_array();
    if (offered) {
        buf until = BUF_INIT;
        if (e.offer_until)
            date_long_label(&until, date_from_time((time_t)e.offer_until));
        json_array_append_new(effects, json_string(arena_printf(rq->a, "The seat held for you on %s%s%s passes at once "
                                                                "to the next person on the waitlist.", name,
                                                                until.len ? " until " : "", buf_str(&until))));
        buf_free(&until);
    }
    json_array_append_new(effects, json_string(arena_printf(rq->a, "You leave the waitlist for %s: we will not offer "
                                                            "you a seat on it again.", name)));
    json_array_append_new(effects, json_string("Nothing is charged or refunded."));
    json_t *view = json_pack("{s:s, s:o, s:s, s:s, s:b, s:s, s:s}", "heading",
                             offered ? "Decline the seat?" : "Leave the waitlist?", "effects", effects, "action",
                             arena_printf(rq->a, "/registrations/%lld/decline", (long long)e.id), "button",
                             offered ? "Decline the seat" : "Leave the waitlist", "danger", 1, "keep_url", "/my",
                             "keep_label", offered ? "Keep the offer" : "Stay on the waitlist");
    return confirm_page(rq, rs, view, offered ? "Decline the seat" : "Leave the waitlist");
}

int page_confirm_refund(request *rq, response *rs)
{
    enrolment e;
    offering_row off;
    if (!load(rq, ACCESS_STAFF, &e, &off))
        return 404;
    int64_t left = refundable(page_app(rq)->db, e.id);
    if (left < 0)
        return 503;
    const char *back = arena_printf(rq->a, "/staff/offerings/%s", e.offering_code);
    if (left == 0) {
        rq->message = "There is no card payment left to refund on this registration.";
        return 409;
    }
    const char *asked = kv_get(&rq->query, "amount");
    int64_t cents = asked && *asked ? enrol_parse_money(asked) : left;
    const char *full = enrol_money(rq->a, left, e.currency);
    const char *error = NULL;
    if (cents <= 0)
        error = "Enter the amount to refund, like 50.00.";
    else if (cents > left)
        error = arena_printf(rq->a, "The refund can be at most %s, what is left of the payment.", full);
    json_t *effects = json_array();
    /* The field shows what was asked when it was wrong, so it can be corrected. */
    const char *amount_text = error ? (asked ? asked : "") : arena_printf(rq->a, "%lld.%02lld", (long long)cents / 100,
                                                           (long long)cents % 100);
    if (!error) {
        const char *money = enrol_money(rq->a, cents, e.currency);
        json_array_append_new(effects, json_string(arena_printf(rq->a, "%s is refunded to the card %s (%s) paid with, "
                                                                "for %s.", money, e.user_name, e.user_email,
                                                                offering_name(rq->a, &off))));
        if (cents == left)
            json_array_append_new(effects, json_string(arena_printf(rq->a, "That is everything left of the payment: "
                                                                    "%s loses the seat, which goes to the next person "
                                                                    "on the waitlist, if anyone is waiting.", e.user_name)));
        else
            json_array_append_new(effects, json_string(arena_printf(rq->a, "%s keeps the seat; %s stays refundable.",
                                                                    e.user_name, enrol_money(rq->a, left - cents,
                                                                                             e.currency))));
        json_array_append_new(effects, json_string(arena_printf(rq->a, "%s gets an e-mail about the refund. It cannot "
                                                                "be undone.", e.user_name)));
    } else {
        rs->status = 422;
    }
    json_t *view = json_pack("{s:s, s:o, s:s, s:s, s:b, s:s, s:s, s:{s:s, s:s, s:s?, s:s}}", "heading",
                             arena_printf(rq->a, "Refund %s?", e.user_name), "effects", effects, "action",
                             arena_printf(rq->a, "/staff/registrations/%lld/refund", (long long)e.id), "button",
                             error ? "" : arena_printf(rq->a, "Refund %s", enrol_money(rq->a, cents, e.currency)),
                             "danger", 1, "keep_url", back, "keep_label", "Keep the payment as it is",
                             "refund", "amount", amount_text, "refundable_label", full, "error", error,
                             "change_url", arena_printf(rq->a, "/staff/registrations/%lld/refund", (long long)e.id));
    return confirm_page(rq, rs, view, "Refund");
}
