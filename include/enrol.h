/*
** enrol.h: what happens to a registration, in one place: activation and
** the mail it brings, settling a payment (from the webhook or the return
** page, applied once), waitlist offers, lapsed holds, refunds.
**
** Functions marked "in a transaction" expect the caller's write
** transaction to be open; the others open their own. Nothing slow (the
** payment provider) ever runs inside a transaction.
*/
#ifndef JOURNEYS_ENROL_H
#define JOURNEYS_ENROL_H

#include <stdint.h>
#include <time.h>

#include "app.h"
#include "pay.h"
#include "store_enrol.h"

/* Make a registration active with the given payment state; queue the
** confirmation (with the dates as .ics), the receipt or invoice notice, and
** the community invitation; write the audit line. In a transaction. 0/-1. */
int enrol_activate(app *ap, arena *a, const enrolment *e, const char *payment_status, int64_t actor,
                   time_t now);

/* Offer free seats of an offering to the people waiting, oldest first, by
** e-mail with a time limit. In a transaction. 0/-1. */
int enrol_offer_next(app *ap, arena *a, int64_t offering_id, time_t now);

enum settle_result {
    SETTLE_APPLIED,     /* the payment is recorded now */
    SETTLE_ALREADY,     /* nothing to do: applied before, or a replayed event */
    SETTLE_UNPAID,      /* the session is not paid (yet) */
    SETTLE_UNKNOWN,     /* no payment of ours has this session */
    SETTLE_MISMATCH,    /* amount or currency differ from what we asked: refused, audited */
    SETTLE_ERROR,
};

/* Apply a checkout session the provider says is complete. event_id (may be
** NULL for the return page) is recorded in the same transaction, so each
** event is applied once. Opens its own transaction. */
enum settle_result enrol_settle(app *ap, arena *a, const pay_session *s, const char *event_id,
                                const char *event_type, time_t now);

/* The provider expired a checkout: the hold ends and the seat is offered on.
** Opens its own transaction. */
enum settle_result enrol_session_expired(app *ap, arena *a, const pay_session *s, const char *event_id, time_t now);

/* Start (or restart) card payment for a pending registration: a checkout
** session at the provider (outside any transaction), then the payment row.
** *url is where to send the browser. 0, or -1 with a reason in err. */
int enrol_checkout(app *ap, arena *a, const enrolment *e, const char *customer_email, const char **url,
                   buf *err);

/* Refund amount_cents of a registration's card payment through the provider
** and record it; a full refund ends the registration (access goes) and
** frees the seat. actor is who asked. 0, or -1 with a reason in err. */
int enrol_refund(app *ap, arena *a, int64_t enrolment_id, int64_t amount_cents, int64_t actor, buf *err);

/* Expire lapsed checkout holds and waitlist offers and pass the seats on.
** Returns how many registrations lapsed. Opens its own transactions. */
int enrol_sweep(app *ap, arena *a, time_t now);

/* "$50.00" for cents in a currency, in the arena. */
const char *enrol_money(arena *a, int64_t cents, const char *currency);

#endif
