/*
** enrol.h: the life of a registration, in one place (domain layer):
** registering, activation and the mail it brings, settling a payment (from
** the webhook or the return page, applied once), waitlist offers and their
** answers, lapsed holds, waivers, invoices marked paid, cancelling, refunds.
**
** Every change is one conditional write inside the write transaction
** (domain_begin/domain_end): the registration, payment, refund or code moves
** only from the state it was read in, and when it has moved on the function
** answers DOM_CONFLICT with a message, never a double effect. Functions
** marked "in a transaction" expect the caller's transaction to be open; the
** others open their own. Nothing slow (the payment provider) ever runs
** inside a transaction: a refund is written as pending first, the provider
** called after the commit, and the refund settled in a second transaction.
** Results are DOM_* (domain.h), with d->message set when not DOM_OK.
*/
#ifndef JOURNEYS_ENROL_H
#define JOURNEYS_ENROL_H

#include <stdint.h>
#include <time.h>

#include "domain.h"
#include "pay.h"
#include "store_enrol.h"

/* What a registration attempt led to. */
typedef struct enrol_outcome {
    int64_t id;            /* the registration (also the existing one) */
    int already;           /* the person already had a live registration */
    int checkout;          /* a card hold: send the browser to pay */
    const char *flash;     /* the notice code for My courses, or NULL */
} enrol_outcome;

/* Register person d->actor for offering off, paying by method ("card" or
** "invoice"; invoice only when invoice_school is the id of the person's
** member school that is invoiced, else 0) with code (may be ""). Checks the
** registration window, the code and the seats, and counts the code's use
** when a seat is held (a waitlisted place does not count it). An invoice
** gets its own number and goes to the school's billing contact; the seat is
** confirmed at once, or with [site] invoice_confirm = approval it waits
** (pending, invoiced, holding its seat) for enrol_approve. Opens its own
** transaction. DOM_OK with out filled; DOM_INVALID with d->field for a bad
** method or code (nothing written); DOM_CONFLICT when registration is
** closed; DOM_UNAVAILABLE when the database failed (never taken for
** "already registered"). */
int enrol_register(domain *d, const offering_row *off, const char *method, const char *code, int64_t invoice_school,
                   enrol_outcome *out);

/* Make registration e active with payment_status, moving it only from a
** status in from (comma-separated) and, with clock STORE_LIVE, only while
** its hold or offer still runs; queue the confirmation (with the dates as
** .ics), the receipt or invoice notice, and the community invitation; write
** the audit line. In a transaction. DOM_CONFLICT when e has moved on. */
int enrol_activate(domain *d, const enrolment *e, const char *from, int clock, const char *payment_status);

/* Offer free seats of an offering to the people waiting, oldest first, by
** e-mail with a time limit. In a transaction. DOM_OK or an error. */
int enrol_offer_next(domain *d, int64_t offering_id);

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
** event is applied once. A payment that arrives when the seat is no longer
** to be had (waived, cancelled, lapsed with no seat left, paid twice) is
** recorded and refunded automatically, audited. Opens its own
** transactions and calls the provider for such a refund after the commit. */
enum settle_result enrol_settle(domain *d, const pay_session *s, const char *event_id, const char *event_type);

/* The provider expired a checkout: the hold ends (unless another checkout
** of the registration is still open) and the seat is offered on. Opens its
** own transaction. */
enum settle_result enrol_session_expired(domain *d, const pay_session *s, const char *event_id);

/* Start (or restart) card payment for a pending registration: a checkout
** session at the provider (outside any transaction), then the payment row.
** *url (in d->a) is where to send the browser. DOM_OK, DOM_UNAVAILABLE. */
int enrol_checkout(domain *d, const enrolment *e, const char *customer_email, const char **url);

/* Staff refund amount_cents of a registration's card payment: the amount
** left is read inside the transaction; a pending refund row reserves it;
** then the provider is called and the refund settled (a full refund ends the
** registration and frees its seat) or failed (the amount is free again).
** DOM_CONFLICT "already refunded" for the losing click of two, or when the
** provider refused; DOM_INVALID for an amount out of range;
** DOM_UNAVAILABLE when the provider did not confirm (the refund stays
** pending and the sweep asks again). */
int enrol_refund(domain *d, int64_t enrolment_id, int64_t amount_cents);

/* Send pending refund refund_id to the provider (idempotency key
** "journeys-refund-<id>") and settle it, or fail it when the provider
** refused it for good (an HTTP 4xx answer; the reserved amount is free
** again): DOM_OK (also when it was settled already), DOM_CONFLICT for a
** refusal. With no answer, a 5xx, 409 or 429 the refund stays pending for
** enrol_sweep to ask again: DOM_UNAVAILABLE with a message. Its own
** transactions. */
int enrol_refund_run(domain *d, int64_t refund_id);

/* The participant cancels registration e (the cancellation policy is the
** caller's check): cancelled, its code use and seat given back, the seat
** offered on, a card payment refunded in full (pending row first, provider
** after the commit). DOM_CONFLICT when it has moved on. */
int enrol_cancel(domain *d, const enrolment *e);

/* The participant accepts a waitlist offer: only while the offer runs; a
** free seat is confirmed at once, a paid one held for checkout. Counts the
** code's use. DOM_CONFLICT when the offer ended, was answered, or the code
** was used up meanwhile. */
int enrol_accept(domain *d, const enrolment *e);

/* The participant declines an offer or leaves the waitlist. DOM_CONFLICT
** when there is no open offer. */
int enrol_decline(domain *d, const enrolment *e);

/* Staff waive the fee: the registration becomes active and waived, the code
** use counted; any open checkout is expired at the provider after the
** commit (a payment that still arrives is refunded by enrol_settle). */
int enrol_waive(domain *d, const enrolment *e);

/* Staff mark an invoiced, confirmed registration paid (and its invoice). */
int enrol_mark_paid(domain *d, const enrolment *e);

/* Staff approve a registration waiting on its school's invoice: it is
** confirmed, with the usual mail. DOM_CONFLICT when it is not waiting. */
int enrol_approve(domain *d, const enrolment *e);

/* Pending refunds older than this are asked for again by the sweep. */
enum { ENROL_REFUND_RETRY_SECONDS = 120 };

/* Expire lapsed checkout holds and waitlist offers and pass the seats on,
** each in its own transaction with a conditional write (a hold or offer
** answered meanwhile is left alone); then ask the provider again for
** refunds left pending longer than ENROL_REFUND_RETRY_SECONDS. Returns how
** many registrations lapsed, or -1 when the list could not be read. */
int enrol_sweep(domain *d);

/* "$50.00" for cents in a currency, in the arena. */
const char *enrol_money(arena *a, int64_t cents, const char *currency);

/* Whether a participant may still cancel a registration in state status
** for an offering that starts on starts (ISO) as seen on day today: a live
** registration, at least cfg->cancel_days before the start. */
int enrol_may_cancel(const config *cfg, const char *status, const char *starts, int32_t today);

/* "50", "50.5" or "50.00" as cents; -1 when malformed (a sign, more than two
** decimals, anything but digits and one point, more than 12 characters). */
int64_t enrol_parse_money(const char *s);

#endif
