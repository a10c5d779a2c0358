/*
** jobs.c: the outbox pass (see jobs.h).
**
** One row at a time: claim (write transaction), deliver (no transaction),
** record (write transaction). Claiming singly keeps every lease honest: a
** row is never held while rows before it are being sent.
*/
#include "jobs.h"

#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "community.h"
#include "log.h"
#include "mail.h"
#include "store_outbox.h"

#define BACKOFF_BASE 60           /* seconds after the first failure */
#define BACKOFF_CAP (6 * 60 * 60) /* longest wait between attempts */
#define LEASE_MIN 60              /* shortest claim on a row being sent */

time_t jobs_backoff(int attempt)
{
    time_t delay = BACKOFF_CAP;
    if (attempt < 1)
        attempt = 1;
    if (attempt <= 16) {
        delay = (time_t)BACKOFF_BASE << (attempt - 1);
        if (delay > BACKOFF_CAP)
            delay = BACKOFF_CAP;
    }
    if (sodium_init() < 0)
        return delay;
    return delay + (time_t)randombytes_uniform((uint32_t)(delay / 10) + 1);
}

/* Give a mail row claimed without a Message-ID its own, stored on the row
** so every later attempt sends the same one (a receiver that got an
** attempt we took for failed sees a duplicate, not a new message). Inside
** the claim's transaction. Returns 0 (it->message_id set, strings in a), or
** -1 on a database error. A sender address that cannot make one leaves it
** NULL: composing will fail and say so. */
static int fix_message_id(db *d, arena *a, const config *cfg, outbox_item *it)
{
    if (it->message_id || strcmp(it->kind, "mail") != 0)
        return 0;
    buf id = BUF_INIT;
    int rc = 0;
    if (mail_message_id(&id, cfg->mail_from) == 0 && !buf_failed(&id)) {
        rc = outbox_set_message_id(d, it->id, buf_str(&id)) < 0 ? -1 : 0;
        it->message_id = arena_strndup(a, buf_str(&id), id.len);
    }
    buf_free(&id);
    return rc;
}

/* Claim the oldest row due at now for this pass, until `until`, in one write
** transaction, giving a mail its Message-ID on its first attempt. Returns 1
** with the row in *it (strings in a), 0 when nothing is due, -1 on a
** database error (logged, rolled back). */
static int claim_next(db *d, arena *a, const config *cfg, time_t now, time_t until, outbox_item *it)
{
    if (db_begin_write(d) != 0)
        return -1;
    int got = outbox_due(d, a, now, it, 1);
    int claimed = got == 1 ? outbox_claim(d, it->id, now, until) : got < 0 ? -1 : 0;
    if (claimed == 1 && fix_message_id(d, a, cfg, it) != 0)
        claimed = -1;
    if (claimed < 0 || db_commit(d) != 0) {
        db_rollback(d);
        return -1;
    }
    return claimed;
}

/* Deliver one row: compose and send a mail, or send an invitation.
** Returns 0, -1 with a reason in err (worth retrying), -2 with a reason
** when the row can never be sent (it cannot be composed), or -3 with a
** reason when the mail server refused it for good (SMTP 5xx). */
static int deliver(const config *cfg, const outbox_item *it, time_t now, buf *err)
{
    if (strcmp(it->kind, "community") == 0)
        return community_invite(cfg, it->recipient, err);
    mail_msg m = {
        .to_addr = it->recipient,
        .to_name = it->recipient_name,
        .subject = it->subject,
        .text = it->body_text ? it->body_text : "",
        .html = it->body_html,
        .attach_name = it->attachment_name,
        .attach_type = it->attachment_type,
        .attach = it->attachment,
        .attach_len = it->attachment_len,
        .message_id = it->message_id,
        .unsubscribe = it->unsubscribe,
    };
    buf msg = BUF_INIT;
    int rc;
    if (mail_compose(&msg, cfg->mail_from, cfg->mail_from_name, &m, now) != 0) {
        buf_puts(err, "cannot compose: invalid sender or recipient address");
        rc = -2;
    } else if (buf_failed(&msg)) {
        buf_puts(err, "cannot compose: out of memory");
        rc = -1;
    } else {
        rc = mail_send(cfg, it->recipient, msg.data, msg.len, err);
        if (rc == -2)
            rc = -3;
    }
    buf_free(&msg);
    return rc;
}

/* Record the outcome of delivering row it (rc from deliver, reason in err;
** -4: not attempted, its attempts ran out unrecorded)
** in one write transaction and count it in st. Returns 0, or -1 on a
** database error (logged, rolled back). */
static int record(db *d, const config *cfg, const outbox_item *it, int rc, const buf *err, time_t now,
                  jobs_stats *st)
{
    if (db_begin_write(d) != 0)
        return -1;
    int attempt = it->attempts + 1;
    int final = rc == -2 || rc == -3 || rc == -4 || attempt >= cfg->mail_max_attempts;
    int changed = rc == 0    ? outbox_mark_sent(d, it->id, now)
                  : rc == -3 ? outbox_mark_refused(d, it->id, buf_str(err), now)
                             : outbox_mark_retry(d, it->id, buf_str(err),
                                                 now + jobs_backoff(attempt) * cfg->mail_retry_seconds / 60, final, now);
    if (changed < 0 || db_commit(d) != 0) {
        db_rollback(d);
        return -1;
    }
    if (rc == 0) {
        st->sent++;
        log_info("outbox %lld: %s sent", (long long)it->id, it->kind);
    } else if (rc == -3) {
        st->failed++;
        log_error("outbox %lld: %s refused by the mail server; not retried: %s", (long long)it->id, it->kind,
                  buf_str(err));
    } else if (final) {
        st->failed++;
        log_error("outbox %lld: %s failed for good after %d attempts: %s", (long long)it->id, it->kind,
                  attempt, buf_str(err));
    } else {
        st->retried++;
        log_warn("outbox %lld: %s attempt %d failed, will retry: %s", (long long)it->id, it->kind, attempt,
                 buf_str(err));
    }
    return 0;
}

int jobs_outbox_pass(db *d, const config *cfg, time_t now, jobs_stats *st)
{
    return jobs_outbox_run(d, cfg, now, st, NULL);
}

int jobs_outbox_run(db *d, const config *cfg, time_t now, jobs_stats *st, const volatile sig_atomic_t *stop)
{
    jobs_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    arena *a = arena_new(0);
    time_t lease = 3 * (time_t)cfg->smtp_timeout;
    if (lease < LEASE_MIN)
        lease = LEASE_MIN;
    for (int i = 0; i < JOBS_PASS_MAX && !(stop && *stop); i++) {
        arena_reset(a);
        time_t wall = time(NULL);
        outbox_item it;
        int got = claim_next(d, a, cfg, now, (wall > now ? wall : now) + lease, &it);
        if (got <= 0)
            break;
        buf err = BUF_INIT;
        buf_init(&err, 1000);
        int rc;
        if (it.attempts > cfg->mail_max_attempts) {
            /* Claimed more often than the limit allows, yet never marked
            ** failed: earlier attempts died with their sender. */
            buf_printf(&err, "given up: %d attempts ended without an outcome (the sender stopped or crashed while sending)",
                       it.attempts);
            rc = -4;
        } else {
            rc = deliver(cfg, &it, now, &err);
        }
        if (rc != 0 && err.len == 0) {
            buf_reset(&err);
            buf_puts(&err, "unknown error");
        }
        int bad = record(d, cfg, &it, rc, &err, now, st);
        buf_free(&err);
        if (bad) {
            log_error("outbox %lld: cannot record the outcome; the lease will expire and it will be retried",
                      (long long)it.id);
            break;
        }
    }
    arena_free(a);
    return 0;
}
