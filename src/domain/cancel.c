/*
** cancel.c: cancelling an offering with registrations (see cancel.h): one
** transaction for every change, its mail and its audit lines; the payment
** provider only after the commit.
*/
#include "cancel.h"

#include <string.h>

#include "date.h"
#include "enrol.h"
#include "log.h"
#include "notify.h"
#include "pay.h"
#include "store_cancel.h"

/* The registration states that hold or wait for a seat. */
#define LIVE_STATES "pending,active,waitlisted,offered"

/* "21–25 October 2019" for an offering, in the arena ("" for bad dates). */
static const char *dates_text(arena *a, const offering_row *o)
{
    int32_t s = 0, e = 0;
    if (date_parse(o->starts, &s) != 0 || date_parse(o->ends, &e) != 0)
        return "";
    buf b = BUF_INIT;
    date_range_label(&b, s, e);
    const char *t = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return t;
}

/* A store result (1 changed, 0 not, -1 failed) as a domain result: 0 is a
** conflict with message. */
static int moved(domain *d, int rc, const char *message)
{
    if (rc < 0)
        return domain_store_failed(d);
    if (rc == 0)
        return domain_refuse(d, DOM_CONFLICT, NULL, message);
    return DOM_OK;
}

/* The reason with surrounding white space trimmed, in the arena; NULL when
** it is empty. */
static const char *trimmed(arena *a, const char *s)
{
    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return n ? arena_strndup(a, s, n) : NULL;
}

/* Give back the code use counted for registration e, if any. In a
** transaction. DOM_OK or a store failure. */
static int release_code(domain *d, const enrolment *e)
{
    if (!e->code_id || !e->code_held)
        return DOM_OK;
    int rc = store_enrolment_code_held(d->db, e->id, 0);
    if (rc == 1 && store_code_release(d->db, e->code_id) < 0)
        rc = -1;
    return rc < 0 ? domain_store_failed(d) : DOM_OK;
}

/* Reserve a refund of everything left of registration id's card payment,
** if there is any: *refund_id (0 when there is nothing to refund) and
** *cents. In a transaction. DOM_OK or an error. */
static int reserve_refund(domain *d, int64_t id, int64_t *refund_id, int64_t *cents)
{
    *refund_id = 0;
    *cents = 0;
    payment p;
    int found = store_payment_latest(d->db, d->a, id, &p);
    if (found < 0)
        return domain_store_failed(d);
    if (!found || !p.intent || p.refunded_cents >= p.amount_cents ||
        (strcmp(p.status, "paid") && strcmp(p.status, "partially_refunded")))
        return DOM_OK;
    int64_t left = p.amount_cents - p.refunded_cents;
    int64_t r = store_refund_begin(d->db, p.id, left, d->actor, CANCEL_REFUND_REASON, d->now);
    if (r < 0)
        return domain_store_failed(d);
    if (r == 0)
        return DOM_OK;   /* nothing left after all: a refund holds it */
    *refund_id = r;
    *cents = left;
    return domain_audit(d, "payment.refund-started", id,
                        arena_printf(d->a, "%s, refund %lld, offering cancelled",
                                     enrol_money(d->a, left, p.currency), (long long)r));
}

/* Tell the person of registration e that offering off is cancelled, why,
** and what becomes of their money. In a transaction. */
static int tell(domain *d, const offering_row *off, const enrolment *e, const char *reason, int64_t refund_cents,
                const char *invoice_void, const char *invoice_paid)
{
    json_t *ctx = json_pack("{s:{s:s}, s:{s:s, s:s, s:s}, s:{s:s}, s:s, s:o, s:o, s:o, s:s}",
                            "user", "name", e->user_name, "offering", "code", off->code, "dates_label",
                            dates_text(d->a, off), "url", arena_printf(d->a, "/offerings/%s", off->code), "course",
                            "title", off->course_title, "reason", reason, "refund_label",
                            refund_cents > 0 ? json_string(enrol_money(d->a, refund_cents, e->currency)) : json_null(),
                            "invoice_void", invoice_void ? json_string(invoice_void) : json_null(), "invoice_paid",
                            invoice_paid ? json_string(invoice_paid) : json_null(), "calendar_url",
                            arena_printf(d->a, "%s/calendar", d->cfg->base_url));
    if (!ctx)
        return DOM_ERROR;
    int rc = notify_queue(d, "offering_cancelled", arena_printf(d->a, "Cancelled: %s, %s", off->course_title,
                                                                 dates_text(d->a, off)),
                          e->user_email, e->user_name, ctx, NULL);
    json_decref(ctx);
    return rc;
}

/* Tell the offering's coaches (and anyone else linked to it as staff)
** that it is cancelled and why, one message each. In a transaction.
** DOM_OK or an error. */
static int tell_coaches(domain *d, const offering_row *off, const char *reason, int told)
{
    cancel_coach *list;
    int n;
    if (store_cancel_coaches(d->db, d->a, off->id, &list, &n) != 0)
        return domain_store_failed(d);
    int rc = DOM_OK;
    for (int i = 0; rc == DOM_OK && i < n; i++) {
        json_t *ctx = json_pack("{s:{s:s}, s:{s:s, s:s}, s:{s:s}, s:s, s:i}", "user", "name", list[i].name,
                                "offering", "code", off->code, "dates_label", dates_text(d->a, off), "course", "title",
                                off->course_title, "reason", reason, "told", told);
        rc = ctx ? notify_queue(d, "offering_cancelled_coach",
                                arena_printf(d->a, "Cancelled: %s, %s", off->course_title, dates_text(d->a, off)),
                                list[i].email, list[i].name, ctx, NULL)
                 : DOM_ERROR;
        json_decref(ctx);
    }
    return rc;
}

/* End registration id of cancelled offering off: cancelled, code use given
** back, invoice voided, card refund reserved (its id appended to refunds),
** the person told. *checkout set when it had an open checkout to expire.
** In a transaction. DOM_OK or an error (the caller rolls back). */
static int end_registration(domain *d, const offering_row *off, int64_t id, const char *reason,
                            cancel_outcome *out, int64_t *refund_id, int *checkout)
{
    enrolment e;
    int found = store_enrolment_get(d->db, d->a, id, &e);
    if (found != 1)
        return found < 0 ? domain_store_failed(d) : domain_refuse(d, DOM_ERROR, NULL, "A registration vanished.");
    *checkout = !strcmp(e.payment_status, "pending");
    int rc = moved(d, store_enrolment_move(d->db, e.id, LIVE_STATES, e.payment_status, STORE_ANY_TIME, "cancelled",
                                           *checkout ? "unpaid" : NULL, 0, 0, d->now),
                   "A registration changed while the offering was being cancelled; nothing was changed. "
                   "Try again.");
    if (rc == DOM_OK)
        rc = release_code(d, &e);
    if (rc == DOM_OK)
        rc = domain_audit(d, "registration.cancelled", e.id, "the offering was cancelled");
    const char *invoice_void = NULL, *invoice_paid = NULL;
    if (rc == DOM_OK) {
        invoice_row v;
        found = store_invoice_for(d->db, d->a, e.id, &v);
        if (found < 0)
            rc = domain_store_failed(d);
        else if (found && !strcmp(v.status, "issued")) {
            int ch = store_invoice_move(d->db, e.id, "issued", "void", d->now);
            if (ch < 0)
                rc = domain_store_failed(d);
            else if (ch == 1) {
                invoice_void = v.number;
                out->invoices_void++;
                rc = domain_audit(d, "invoice.void", e.id, arena_printf(d->a, "%s, offering cancelled", v.number));
            }
        } else if (found && !strcmp(v.status, "paid")) {
            invoice_paid = v.number;
        }
    }
    int64_t cents = 0;
    if (rc == DOM_OK)
        rc = reserve_refund(d, e.id, refund_id, &cents);
    if (rc == DOM_OK)
        rc = tell(d, off, &e, reason, cents, invoice_void, invoice_paid);
    if (rc == DOM_OK)
        out->told++;
    return rc;
}

/* Expire the open checkouts of registration id at the provider, after the
** commit; a payment that arrives all the same is refunded automatically
** (enrol_settle), so a failure is only logged. */
static void expire_checkouts(domain *d, int64_t id)
{
    payment open[8];
    int n = store_payments_open(d->db, d->a, id, open, 8);
    for (int i = 0; i < n; i++) {
        buf err = BUF_INIT;
        if (pay_expire_session(d->cfg, open[i].session, &err) != 0)
            log_warn("expiring checkout %s of enrolment %lld: %s", open[i].session, (long long)id, buf_str(&err));
        buf_free(&err);
    }
}

/* Send the pending refunds ids[0..n) to the provider, one by one, and
** count how each went. Once the provider has left one unanswered, the
** rest are not sent in this request (each could wait the whole timeout):
** they stay pending for the next ask or the jobs sweep. Outside any
** transaction. */
static void run_refunds(domain *d, const int64_t *ids, int n, cancel_outcome *out)
{
    for (int i = 0; i < n; i++) {
        if (out->refunds_pending) {
            out->refunds_pending++;
            continue;
        }
        const char *message = d->message;
        int rc = enrol_refund_run(d, ids[i]);
        if (rc == DOM_OK)
            out->refunds_done++;
        else if (rc == DOM_CONFLICT)
            out->refunds_failed++;
        else
            out->refunds_pending++;
        d->message = message;   /* the outcome counts say it; the refund list shows which */
        d->field = NULL;
    }
}

/* See cancel.h. */
int cancel_offering(domain *d, const offering_row *off, const char *reason, cancel_outcome *out)
{
    memset(out, 0, sizeof *out);
    const char *why = trimmed(d->a, reason);
    if (!why)
        return domain_refuse(d, DOM_INVALID, "reason", "Write why the offering is cancelled: everyone registered "
                             "reads it in the e-mail that tells them.");
    if (strlen(why) > CANCEL_REASON_MAX)
        return domain_refuse(d, DOM_INVALID, "reason", arena_printf(d->a, "The reason can be at most %d characters; "
                                                                    "shorten it.", CANCEL_REASON_MAX));
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    rc = moved(d, store_offering_cancel(d->db, off->id, d->actor, why, d->now),
               "This offering is already cancelled: someone else cancelled it first. Its page shows what happened.");
    if (rc == DOM_OK && store_audit(d->db, d->actor, "offering.cancelled", arena_printf(d->a, "offering:%s", off->code),
                                    why, d->now) != 0)
        rc = domain_store_failed(d);
    cancel_reg *regs = NULL;
    int n = 0;
    if (rc == DOM_OK && store_cancel_regs(d->db, d->a, off->id, 1, &regs, &n) != 0)
        rc = domain_store_failed(d);
    int64_t *refunds = n ? arena_alloc(d->a, sizeof *refunds * (size_t)n) : NULL;
    int64_t *checkouts = n ? arena_alloc(d->a, sizeof *checkouts * (size_t)n) : NULL;
    int n_refunds = 0, n_checkouts = 0;
    if (n && (!refunds || !checkouts))
        rc = domain_refuse(d, DOM_ERROR, NULL, "Out of memory: nothing was changed.");
    for (int i = 0; rc == DOM_OK && i < n; i++) {
        int64_t refund = 0;
        int checkout = 0;
        rc = end_registration(d, off, regs[i].id, why, out, &refund, &checkout);
        if (refund)
            refunds[n_refunds++] = refund;
        if (checkout)
            checkouts[n_checkouts++] = regs[i].id;
    }
    out->refunds_started = n_refunds;
    if (rc == DOM_OK)
        rc = tell_coaches(d, off, why, out->told);
    if (rc == DOM_OK &&
        store_audit(d->db, d->actor, "offering.cancel-summary", arena_printf(d->a, "offering:%s", off->code),
                    arena_printf(d->a, "%d registrations ended and told, %d invoices void, %d card refunds started",
                                 out->told, out->invoices_void, n_refunds), d->now) != 0)
        rc = domain_store_failed(d);
    rc = domain_end(d, rc);
    if (rc != DOM_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    for (int i = 0; i < n_checkouts; i++)
        expire_checkouts(d, checkouts[i]);
    run_refunds(d, refunds, n_refunds, out);
    return DOM_OK;
}

/* See cancel.h. */
int cancel_refunds_retry(domain *d, const offering_row *off, cancel_outcome *out)
{
    memset(out, 0, sizeof *out);
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int cancelled = store_offering_is_cancelled(d->db, off->id);
    rc = cancelled < 0 ? domain_store_failed(d)
       : cancelled == 0 ? domain_refuse(d, DOM_CONFLICT, NULL, "This offering is not cancelled, so there are no "
                                        "cancellation refunds to ask for.")
       : DOM_OK;
    cancel_reg *regs = NULL;
    int n = 0;
    if (rc == DOM_OK && store_cancel_regs(d->db, d->a, off->id, 0, &regs, &n) != 0)
        rc = domain_store_failed(d);
    for (int i = 0; rc == DOM_OK && i < n; i++) {
        if (regs[i].card_left_cents <= 0 || regs[i].refund_pending_cents > 0)
            continue;
        int64_t refund = 0, cents = 0;
        rc = reserve_refund(d, regs[i].id, &refund, &cents);
        if (refund)
            out->refunds_started++;
    }
    rc = domain_end(d, rc);
    if (rc != DOM_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    cancel_refund *list = NULL;
    int m = 0;
    if (store_cancel_refunds(d->db, d->a, off->id, &list, &m) != 0)
        return domain_store_failed(d);
    int64_t *ids = m ? arena_alloc(d->a, sizeof *ids * (size_t)m) : NULL;
    int k = 0;
    for (int i = 0; ids && i < m; i++)
        if (!strcmp(list[i].status, "pending"))
            ids[k++] = list[i].id;
    run_refunds(d, ids, k, out);
    return DOM_OK;
}
