/*
** store_enrol.h: registrations (enrolments), payments and their provider
** events, refunds, waiver and discount codes, and the audit log. All SQL for
** these tables lives in store/enrol.c. None of these functions opens a
** transaction: the caller wraps each change, with the mail it causes and its
** audit line, in one db_begin_write()/db_commit().
*/
#ifndef JOURNEYS_STORE_ENROL_H
#define JOURNEYS_STORE_ENROL_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

typedef struct enrolment {
    int64_t id, offering_id, user_id, code_id;
    const char *status, *payment_status, *currency;
    int64_t amount_cents, hold_until, offer_until, created_at;
    const char *offering_code, *user_email, *user_name;
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

typedef struct code_row {
    int64_t id;
    int percent_off;
} code_row;

/* An offering by code. 1 found, 0 not. */
int store_offering_row(db *d, arena *a, const char *code, offering_row *o);
int store_offering_row_by_id(db *d, arena *a, int64_t id, offering_row *o);

/* Seats held now: active registrations, checkouts still within their hold,
** and waitlist offers still open. */
int store_seats_taken(db *d, int64_t offering_id, time_t now);

/* The user's live (pending, active, waitlisted, offered) registration for an
** offering. 1 found, 0 not. */
int store_enrolment_live(db *d, arena *a, int64_t offering_id, int64_t user_id, enrolment *e);
int store_enrolment_get(db *d, arena *a, int64_t id, enrolment *e);

/* A new registration; returns its id, or -1 (also when the user already has
** a live one: the unique index refuses it). */
int64_t store_enrolment_add(db *d, int64_t offering_id, int64_t user_id, const char *status,
                            const char *payment_status, int64_t amount_cents, const char *currency, int64_t code_id,
                            time_t hold_until, time_t offer_until, time_t now);

/* Change state; hold/offer of 0 clear them. Sets activated_at on the first
** activation. 0 or -1. */
int store_enrolment_set(db *d, int64_t id, const char *status, const char *payment_status, time_t hold_until,
                        time_t offer_until, time_t now);

/* The oldest waitlisted registration of an offering: 1 found, 0 none. */
int store_next_waitlisted(db *d, arena *a, int64_t offering_id, enrolment *e);

/* Registrations whose checkout hold or waitlist offer ran out by now: their
** ids (at most max) into ids; returns how many. */
int store_lapsed(db *d, time_t now, int64_t *ids, int max);

/* A usable code for the offering on day today (ISO): 1 and filled, 0 not. */
int store_code_find(db *d, const char *code, int64_t offering_id, const char *today, code_row *c);
int store_code_use(db *d, int64_t id);
/* 0, -1, or -2 if the code exists already. */
int store_code_create(db *d, const char *code, int64_t offering_id, int percent_off, int max_uses,
                      const char *expires_on, time_t now);
json_t *store_codes(db *d);

/* Payments. */
int64_t store_payment_add(db *d, int64_t enrolment_id, const char *session, int64_t amount_cents,
                          const char *currency, const char *url, time_t now);
int store_payment_by_session(db *d, arena *a, const char *session, payment *p);
int store_payment_latest(db *d, arena *a, int64_t enrolment_id, payment *p);
int store_payment_set(db *d, int64_t id, const char *status, const char *intent, time_t now);
int store_payment_refund(db *d, int64_t id, int64_t amount_cents, const char *refund_id, int64_t staff_id,
                         time_t now);

/* Record a provider event id: 1 if new, 0 if seen before (a replay), -1 error. */
int store_event_record(db *d, const char *event_id, const char *type, int64_t payment_id, time_t now);

/* The audit log: who did what to what. */
int store_audit(db *d, int64_t actor_id, const char *action, const char *subject, const char *detail, time_t now);
json_t *store_audit_for(db *d, const char *subject_prefix);

/* A user's registrations, newest first, with their offering's fields
** (as store_offerings) under "offering". */
json_t *store_user_enrolments(db *d, int64_t user_id);

/* An offering's registrations for staff, with user and payment fields. */
json_t *store_offering_enrolments(db *d, int64_t offering_id);

/* Counts by status for an offering: {active, pending, waitlisted, offered}. */
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

#endif
