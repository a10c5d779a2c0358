/*
** jobs.h: background work, run by the mailer process (serve.h) every
** cfg->jobs_interval seconds: one pass over the outbox.
**
** The pass never holds a transaction across the network: it claims a due
** row in a short write transaction (a lease that pushes next_attempt_at
** forward, so a concurrent pass skips the row), sends it with no
** transaction open, then records the outcome in another short one.
*/
#ifndef JOURNEYS_JOBS_H
#define JOURNEYS_JOBS_H

#include <signal.h>
#include <time.h>

#include "config.h"
#include "db.h"

typedef struct jobs_stats {
    int sent;     /* delivered (or invited) and marked sent */
    int retried;  /* failed, scheduled again */
    int failed;   /* failed for the last time: failed_at set, kept for staff */
} jobs_stats;

/* Most rows one pass handles; the rest wait for the next pass. */
#define JOBS_PASS_MAX 200

/* Seconds to wait after failed attempt number attempt (1 for the first):
** min(60 * 2^(attempt-1), 6 h) plus a random jitter of up to 10%. */
time_t jobs_backoff(int attempt);

/* One pass over the outbox, for rows due at now: each mail is composed from
** cfg->mail_from / mail_from_name and sent with mail_send, each 'community'
** row goes to community_invite. A row is claimed until
** max(now, time(NULL)) + 3 * cfg->smtp_timeout (at least 60 s) before it
** is sent. Success marks it sent at now; failure records the error and
** schedules now + jobs_backoff(attempts), or, once cfg->mail_max_attempts
** attempts have failed (or the row cannot be composed at all), marks it
** failed. Nothing is deleted. Counts go to *st (zeroed first; st may be
** NULL). A database error ends the pass early (logged). Returns 0. */
int jobs_outbox_pass(db *d, const config *cfg, time_t now, jobs_stats *st);

/* jobs_outbox_pass that also stops between two rows once *stop is set
** (stop may be NULL): the row in hand is delivered and its outcome recorded
** first, never abandoned half-way. Each claim counts an attempt
** (outbox_claim); a row claimed more than cfg->mail_max_attempts times
** without an outcome (its sender died each time) is marked failed
** without being sent again. Returns 0. */
int jobs_outbox_run(db *d, const config *cfg, time_t now, jobs_stats *st, const volatile sig_atomic_t *stop);

#endif
