/*
** store_enrol.h: registrations (enrolments), payments and their provider
** events, refunds, waiver and discount codes, and the audit log. All SQL for
** these tables lives in store/enrol.c. None of these functions opens a
** transaction: the caller wraps each change, with the mail it causes and its
** audit line, in one write transaction (domain_begin()/domain_end()).
**
** Return values follow db.h: reads 1 found / 0 not / -1 error; lists a JSON
** array or NULL on error; inserts the id, DB_DUPLICATE or -1; conditional
** changes 1 changed / 0 not in the required state / -1 error.
*/
#ifndef JOURNEYS_STORE_ENROL_H
#define JOURNEYS_STORE_ENROL_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "store_content.h"

typedef struct enrolment {
    int64_t id, offering_id, user_id, code_id;
    const char *status, *payment_status, *currency;
    int64_t amount_cents, hold_until, offer_until, created_at;
    const char *offering_code, *user_email, *user_name;
    int code_held;   /* the code's use is counted for this registration */
} enrolment;

typedef struct offering_row {
    int64_t id;
    const char *code, *course_slug, *course_title, *starts, *ends, *opens, *closes, *currency;
    int64_t price_cents;
    int capacity, demo;
} offering_row;

typedef struct payment {
    int64_t id, enrolment_id, amount_cents, refunded_cents;
    const char *session, *intent, *currency, *status, *url;
} payment;

typedef struct refund_row {
    int64_t id, payment_id, enrolment_id, amount_cents;
    const char *status;   /* pending, done, failed */
    const char *intent, *currency;
    const char *reason;   /* staff, cancelled, automatic */
} refund_row;

typedef struct invoice_row {
    int64_t id, amount_cents, created_at;
    const char *number;   /* "INV-2026-0001" */
    const char *school_name, *school_city, *school_country, *billing_name, *billing_email;
    const char *currency, *status;   /* issued, paid, void */
} invoice_row;

typedef struct code_row {
    int64_t id;
    int percent_off;
} code_row;

/* An offering by code (published courses only) or by id. */
int store_offering_row(db *d, arena *a, const char *code, offering_row *o);
int store_offering_row_by_id(db *d, arena *a, int64_t id, offering_row *o);

/* Seats held now: active registrations, checkouts still within their hold,
** invoiced registrations waiting for staff approval, and waitlist offers
** still open. -1 on error. */
int store_seats_taken(db *d, int64_t offering_id, time_t now);

/* The user's live (pending, active, waitlisted, offered) registration for an
** offering. 1 found, 0 not. */
int store_enrolment_live(db *d, arena *a, int64_t offering_id, int64_t user_id, enrolment *e);
int store_enrolment_get(db *d, arena *a, int64_t id, enrolment *e);

/* A new registration; returns its id, DB_DUPLICATE when the user already
** has a live one (the unique index refuses it), or -1 on any other error. */
int64_t store_enrolment_add(db *d, int64_t offering_id, int64_t user_id, const char *status,
                            const char *payment_status, int64_t amount_cents, const char *currency, int64_t code_id,
                            time_t hold_until, time_t offer_until, time_t now);

/* The clock condition of store_enrolment_move. */
enum { STORE_ANY_TIME = 0, STORE_LIVE = 1, STORE_LAPSED = 2 };

/* The one way a registration changes state: only when its status is one of
** from (comma-separated, e.g. "pending,offered"), its payment status one of
** from_pay (NULL: any), and, with clock STORE_LIVE or STORE_LAPSED, its
** hold (pending) or offer (offered) still runs after now or has run out by
** now. status or payment_status NULL keep the present value; hold/offer of
** 0 clear them. Sets activated_at on the first activation. 1 changed, 0 not
** in that state (someone else acted first), -1 error. */
int store_enrolment_move(db *d, int64_t id, const char *from, const char *from_pay, int clock, const char *status,
                        const char *payment_status, time_t hold_until, time_t offer_until, time_t now);

/* Mark whether the registration's code use is counted: 1 changed, 0 it
** already was so (or there is no code), -1. */
int store_enrolment_code_held(db *d, int64_t id, int held);

/* The oldest waitlisted registration of an offering: 1 found, 0 none. */
int store_next_waitlisted(db *d, arena *a, int64_t offering_id, enrolment *e);

/* Registrations whose checkout hold or waitlist offer ran out by now: their
** ids (at most max) into ids; returns how many, or -1. */
int store_lapsed(db *d, time_t now, int64_t *ids, int max);

/* A usable code for the offering on day today (ISO): 1 and filled, 0 not. */
int store_code_find(db *d, const char *code, int64_t offering_id, const char *today, code_row *c);
/* Count one use of a code if it has uses left: 1, 0 (used up), -1. */
int store_code_take(db *d, int64_t id);
/* Give one use back: 1, 0 (none counted), -1. */
int store_code_release(db *d, int64_t id);
/* 0, -1, or -2 if the code exists already. */
int store_code_create(db *d, const char *code, int64_t offering_id, int percent_off, int max_uses,
                      const char *expires_on, time_t now);
json_t *store_codes(db *d);

/* Payments. store_payment_latest prefers a paid (or refunded) one. */
int64_t store_payment_add(db *d, int64_t enrolment_id, const char *session, int64_t amount_cents,
                          const char *currency, const char *url, time_t now);
int store_payment_by_session(db *d, arena *a, const char *session, payment *p);
int store_payment_latest(db *d, arena *a, int64_t enrolment_id, payment *p);
/* The open checkouts of a registration (at most max): how many, or -1. */
int store_payments_open(db *d, arena *a, int64_t enrolment_id, payment *out, int max);
/* Move a payment to status when its status is one of from (comma-separated);
** intent NULL keeps it. 1, 0, -1. */
int store_payment_move(db *d, int64_t id, const char *from, const char *status, const char *intent, time_t now);

/* Refunds: a row written as pending before the provider is called, its
** amount reserved on the payment (status follows), then settled or failed.
** begin: the refund's id, 0 when the payment has not that much left to
** refund (or is not paid), -1. reason: "staff", "cancelled", "automatic".
** settle/fail: 1, 0 (not pending any more), -1; fail gives the reserved
** amount back to the payment. */
int64_t store_refund_begin(db *d, int64_t payment_id, int64_t amount_cents, int64_t staff_id, const char *reason,
                           time_t now);
int store_refund_get(db *d, arena *a, int64_t id, refund_row *r);
int store_refund_settle(db *d, int64_t id, const char *provider_refund, time_t now);
/* Refunds still pending that were written at or before before (a crash or
** an unanswered call left them): their ids (at most max); how many, or -1. */
int store_refunds_stale(db *d, time_t before, int64_t *ids, int max);
int store_refund_fail(db *d, int64_t id, time_t now);

/* Invoices, numbered per calendar year (INV-YYYY-NNNN) in their own
** sequence. issue: the invoice's id for registration enrolment_id to school
** school_id, copying the school's name, place and billing contact; 0 when
** the school is not invoiced or has no billing e-mail; -1. */
int64_t store_invoice_issue(db *d, int64_t enrolment_id, int64_t school_id, int year, time_t now);
int store_invoice_for(db *d, arena *a, int64_t enrolment_id, invoice_row *v);
/* Move a registration's invoice from status from to status: 1, 0, -1. */
int store_invoice_move(db *d, int64_t enrolment_id, const char *from, const char *status, time_t now);

/* Record a provider event id: 1 if new, 0 if seen before (a replay), -1 error. */
int store_event_record(db *d, const char *event_id, const char *type, int64_t payment_id, time_t now);

/* The audit log: who did what to what. */
int store_audit(db *d, int64_t actor_id, const char *action, const char *subject, const char *detail, time_t now);

/* A user's registration as read, with its offering (taken left 0) and
** what its payments brought in and gave back (paid, partially refunded
** or refunded payments). */
typedef struct user_enrolment_row {
    int64_t id, amount_cents, hold_until, offer_until, created_at, paid_cents, refunded_cents;
    const char *status, *payment_status, *currency;
    offering_listing offering;
} user_enrolment_row;

/* A user's registrations, newest first, in a: *list and *n. 0 or -1. */
int store_user_enrolments(db *d, arena *a, int64_t user_id, user_enrolment_row **list, int *n);

/* An offering's registrations for staff, oldest first, at most limit of
** them after skipping offset, with user and payment fields, invoice_number
** (or null) and refund_pending_cents (refunds sent to the provider and not
** yet settled). NULL on a read error. */
json_t *store_offering_enrolments(db *d, int64_t offering_id, int limit, int offset);

/* Counts by status for an offering and of all its registrations:
** {active, pending, waitlisted, offered, total}. NULL on a read error. */
json_t *store_offering_counts(db *d, int64_t offering_id);

/* What was paid and refunded for a registration, over all its payments that
** were paid (fully or partly refunded since): *paid_cents and
** *refunded_cents (both 0 when nothing was paid). 0, or -1 on a read error
** (then both are 0). */
int store_enrolment_money(db *d, int64_t enrolment_id, int64_t *paid_cents, int64_t *refunded_cents);

/* An offering's audit lines, newest first, at most limit: those whose
** subject is one of its registrations ("enrolment:ID") or the offering
** itself ("offering:CODE"). Each is {at, actor, action, subject, detail};
** the caller owns the array. NULL on a read error (not an empty list). */
json_t *store_audit_for_offering(db *d, int64_t offering_id, const char *offering_code, int limit);

/* The newest audit line's id (0 when there is none) into *id: every change
** staff see on a roster writes one, so it tells a kept roster it is stale.
** 0, or -1 on error. */
int store_audit_last(db *d, int64_t *id);

/* SQL for "registration alias A seats its person in the workspace" (active,
** and paid, invoiced or waived), for a query that names both the offering
** and the person. The first term is enrolments_one_live's own condition,
** word for word: only then may SQLite read that index on (offering_id,
** user_id), where without it the plan walked every active registration of
** the offering by enrolments_by_offering (200 in a full cohort). */
#define STORE_SEATED_ONE(A)                                                                        \
    A ".status IN ('pending', 'active', 'waitlisted', 'offered') AND " A ".status = 'active' AND " \
    A ".payment_status IN ('paid', 'invoiced', 'waived')"

/* A person's place in an offering's workspace: the offering (by id, or by
** code when offering_id is 0), whether the person holds an active
** registration there that is settled (paid, invoiced or waived), whether
** they are linked to it as staff (offering_staff, any role), and when
** posting closes. 1 with *out filled (strings in a), 0 when no such
** offering, -1 on error. */
typedef struct seat_row {
    int64_t offering_id;
    const char *code;
    const char *course_slug, *course_title;
    const char *starts, *ends;   /* ISO dates */
    const char *time_zone;       /* the offering's IANA zone */
    int participant;
    int coach;
    time_t posting_closes_at;
    time_t visit_at;             /* the person's last noted visit there, 0 if none */
} seat_row;
int store_seat(db *d, arena *a, int64_t offering_id, const char *code, int64_t user_id, seat_row *out);

#endif
