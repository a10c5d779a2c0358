/*
** store_cancel.h: the tables behind cancelling an offering: the offering's
** cancellation (when, by whom, why), the registrations it ends, and the
** refunds it started. All SQL for this lives in store/cancel.c. None of
** these functions opens a transaction: the domain (domain/cancel.c) wraps
** each change with its mail and audit lines in one write transaction.
**
** Return values follow db.h: reads 1 found / 0 not / -1 error; conditional
** changes 1 changed / 0 not in the required state / -1 error; lists 0 with
** *list (in the arena) and *n filled, or -1.
*/
#ifndef JOURNEYS_STORE_CANCEL_H
#define JOURNEYS_STORE_CANCEL_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* The reason written on refunds that cancelling an offering starts, so
** they can be listed and asked for again apart from any other refund. */
#define CANCEL_REFUND_REASON "offering-cancelled"

/* An offering's cancellation as read: cancelled_at 0 when it is not
** cancelled (then by_name and reason are NULL). */
typedef struct cancel_state {
    int64_t cancelled_at;
    int64_t sequence;          /* the calendar event's revision */
    const char *by_name;       /* who cancelled it (NULL when unknown) */
    const char *reason;        /* what staff wrote */
} cancel_state;

/* Read offering id's cancellation into *out (strings in a): 1, 0 when
** there is no such offering, -1. */
int store_cancel_state(db *d, arena *a, int64_t offering_id, cancel_state *out);

/* Whether offering id is cancelled: 1 yes, 0 no (or no such offering), -1. */
int store_offering_is_cancelled(db *d, int64_t offering_id);

/* Cancel offering id, only if it is not cancelled yet: cancelled_at,
** cancelled_by, cancel_reason and updated_at set (the trigger of the
** migration bumps its sequence in the same statement). 1, 0 (cancelled
** already), -1. */
int store_offering_cancel(db *d, int64_t offering_id, int64_t actor_id, const char *reason, time_t now);

/* One registration as the cancellation sees it: who, its states, the card
** money that can still be refunded (paid, less refunds made or pending),
** whether a refund of it is pending, and its invoice (NULLs when none). */
typedef struct cancel_reg {
    int64_t id;
    const char *user_name, *user_email;
    const char *status, *payment_status, *currency;
    int64_t amount_cents;
    int64_t card_left_cents;
    int64_t refund_pending_cents;
    const char *invoice_number, *invoice_status;
} cancel_reg;

/* Registrations of an offering, oldest first: live ones only (pending,
** active, waitlisted, offered) when live, else the cancelled ones. */
int store_cancel_regs(db *d, arena *a, int64_t offering_id, int live, cancel_reg **list, int *n);

/* A refund that cancelling the offering started. */
typedef struct cancel_refund {
    int64_t id, enrolment_id, amount_cents, created_at, settled_at;
    const char *status;   /* pending, done, failed */
    const char *currency, *user_name, *user_email;
} cancel_refund;

/* The refunds with reason CANCEL_REFUND_REASON of an offering's
** registrations, oldest first. */
int store_cancel_refunds(db *d, arena *a, int64_t offering_id, cancel_refund **list, int *n);

/* A person linked to an offering as its staff (its coaches). */
typedef struct cancel_coach {
    const char *name, *email;
} cancel_coach;

/* The people linked to an offering in offering_staff (any role), each
** once, in the order they were linked. */
int store_cancel_coaches(db *d, arena *a, int64_t offering_id, cancel_coach **list, int *n);

#endif
