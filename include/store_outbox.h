/*
** store_outbox.h: the outbox table, mail and community invitations waiting
** to go out. All SQL for the table lives in store/outbox.c.
**
** A change that should cause a message queues it inside its own write
** transaction, so the message exists exactly when the change does. The jobs
** pass (jobs.h) claims due rows, sends them outside any transaction and
** records the outcome. Rows are never deleted: sent ones keep sent_at,
** given-up ones keep failed_at and stay visible to staff.
**
** None of these functions opens a transaction; each is one statement (or a
** read), atomic on its own, and may run inside the caller's transaction.
*/
#ifndef JOURNEYS_STORE_OUTBOX_H
#define JOURNEYS_STORE_OUTBOX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "mail.h"

typedef struct outbox_item {
    int64_t id;
    const char *kind;            /* "mail" or "community" */
    const char *recipient, *recipient_name, *subject, *body_text, *body_html;
    const char *attachment_name, *attachment_type;
    const char *attachment;      /* attachment_len bytes, or NULL */
    size_t attachment_len;
    int attempts;                /* failed attempts so far */
    const char *message_id;      /* "<...@...>" once the first attempt set it, else NULL */
    const char *unsubscribe;     /* the one-click unsubscribe URL, or NULL */
} outbox_item;

/* Full state of one row, for tests and staff pages. Strings in the arena. */
typedef struct outbox_state {
    int64_t id;
    const char *kind, *recipient, *last_error; /* last_error may be NULL */
    int attempts;
    int64_t next_attempt_at, created_at;
    int64_t sent_at, failed_at;  /* 0 when not set */
    const char *recipient_name, *subject, *body_text; /* may be NULL */
    const char *message_id;      /* NULL until the first attempt */
    int refused;                 /* 1: the mail server refused it for good (5xx) */
} outbox_state;

/* Queue a mail / a community invitation for addr, due now (a mail keeps
** m->unsubscribe, when set, for its List-Unsubscribe header). Call INSIDE the
** caller's write transaction (nothing is begun or committed here). Refuses
** (-1) an invalid recipient address or a mail without m->text; otherwise
** returns the new row's id, or -1 if the insert fails (logged). */
int64_t outbox_add_mail(db *d, const mail_msg *m, time_t now);
int64_t outbox_add_community(db *d, const char *addr, time_t now);

/* Up to max due rows (next_attempt_at <= now, neither sent nor failed),
** oldest first, into out; strings and attachments copied into a. Returns
** how many, or -1 on error (logged; never "nothing due"). */
int outbox_due(db *d, arena *a, time_t now, outbox_item *out, int max);

/* Lease row id to the caller until `until`: if it is still due at now (and
** neither sent nor failed), push next_attempt_at to until, so another pass
** skips it while this one sends, and count the attempt (attempts + 1) in
** the same write: an attempt that never records its outcome (the sender
** crashed or was killed) stays counted, so a message that kills its sender
** cannot be tried for ever. outbox_mark_sent gives the count back;
** outbox_mark_retry and outbox_mark_refused keep it. Returns 1 if claimed,
** 0 if not (gone, sent, failed, or claimed by someone else), -1 on error.
** Run it in a write transaction together with outbox_due. */
int outbox_claim(db *d, int64_t id, time_t now, time_t until);

/* Give row id its Message-ID (message_id, "<...@...>"), only if it has
** none yet, so every attempt to send the message carries the same one.
** Returns 1 if set, 0 if the row already had one (or does not exist), -1
** on error. */
int outbox_set_message_id(db *d, int64_t id, const char *message_id);

/* Mark row id sent at now, only if it was not sent already, giving back
** the attempt its claim counted (attempts counts the attempts that did not
** get through). Returns 1 if
** this call marked it, 0 if it was already sent (or does not exist), -1 on
** error. */
int outbox_mark_sent(db *d, int64_t id, time_t now);

/* Record a failed attempt on an unsent row, already counted by its claim
** (outbox_claim): last_error = error,
** and next_attempt_at = next, or failed_at = now when final. Returns 1 if the
** row was updated, 0 if it was already sent or does not exist, -1 on error. */
int outbox_mark_retry(db *d, int64_t id, const char *error, time_t next, int final, time_t now);

/* Record an attempt the mail server refused for good (a permanent SMTP 5xx
** answer): as a final outbox_mark_retry, and the row is flagged refused
** for staff; it is not retried unless staff retry it. Same returns. */
int outbox_mark_refused(db *d, int64_t id, const char *error, time_t now);

/* Staff view, newest first (at most 500): every unsent row with a failed
** attempt (from the first one on), failed or still being retried, as a new
** JSON array the caller owns of {id, kind, recipient, subject, attempts,
** last_error, created_at, failed_at, next_attempt_at, refused} (failed_at
** null when not failed). NULL on error. */
json_t *outbox_problems(db *d);

/* Staff view of the latest messages, whatever their state, newest first (at
** most limit, 1..500): a new JSON array the caller owns of {id, kind,
** recipient, subject, attempts, created_at, sent_at, failed_at, refused}
** (sent_at and failed_at null when not set). NULL on error. */
json_t *outbox_recent(db *d, int limit);

/* Staff retry: clear failed_at and refused and make the unsent row due at
** now. Its attempt count is kept, so a row that had given up gets one more
** attempt before it is marked failed again. Returns 1 if updated, 0 if there is no
** such unsent row, -1 on error. */
int outbox_retry_now(db *d, int64_t id, time_t now);

/* Counts for dashboards: a new object {queued, sent, failed} the caller
** owns; NULL on error. */
json_t *outbox_counts(db *d);

/* The state of row id into out (strings in a). Returns 1, 0 when there is
** no such row, -1 on error. */
int outbox_get(db *d, arena *a, int64_t id, outbox_state *out);

#endif
