/*
** cancel.h: cancelling an offering that has registrations (domain layer).
**
** One write transaction cancels the offering (a conditional write: of two
** staff cancelling at once, one wins and the other is told it is already
** cancelled), ends every live registration (seat freed, code use given
** back), voids issued invoices, reserves a full refund of every card
** payment as a pending refund row, queues one e-mail to each person
** registered and one to each of the offering's coaches, and writes an audit line for each of those changes. Only after
** the commit is the payment provider called, refund by refund, each with
** its own idempotency key (enrol_refund_run): a provider that does not
** answer leaves the refund pending (and the refunds after it are left
** pending unsent, so a request waits at most one provider timeout), and
** asking again (here, or the jobs sweep) can never refund twice.
*/
#ifndef JOURNEYS_CANCEL_H
#define JOURNEYS_CANCEL_H

#include <stdint.h>

#include "domain.h"
#include "store_enrol.h"

/* The longest reason staff may give; it goes into every e-mail. */
enum { CANCEL_REASON_MAX = 1000 };

/* What a cancellation (or asking again for its refunds) did. */
typedef struct cancel_outcome {
    int told;             /* registrations ended, each person mailed once */
    int invoices_void;    /* issued invoices voided */
    int refunds_started;  /* refunds reserved in this pass */
    int refunds_done;     /* confirmed by the provider in this pass */
    int refunds_pending;  /* not confirmed: the provider did not answer */
    int refunds_failed;   /* refused by the provider for good */
} cancel_outcome;

/* Cancel offering off with reason (what staff wrote, 1..CANCEL_REASON_MAX
** bytes after trimming, required), acting as d->actor; then expire open
** checkouts and send the refunds to the provider. DOM_OK with *out filled
** (refunds the provider did not confirm are counted, not an error);
** DOM_INVALID with d->field "reason" for a missing or long reason (nothing
** written); DOM_CONFLICT when the offering is cancelled already;
** DOM_UNAVAILABLE when the database failed (nothing written). */
int cancel_offering(domain *d, const offering_row *off, const char *reason, cancel_outcome *out);

/* Ask again for the refunds of cancelled offering off: a refund is
** reserved for every card payment of its cancelled registrations that has
** money left and none pending (one that the provider refused before), then
** every pending refund of the cancellation is sent again with its own key.
** DOM_OK with *out filled; DOM_CONFLICT when the offering is not
** cancelled; DOM_UNAVAILABLE when the database failed. */
int cancel_refunds_retry(domain *d, const offering_row *off, cancel_outcome *out);

#endif
