/*
** cancel.c: cancelling an offering from the staff console (HTTP glue):
** GET /staff/offerings/CODE/cancel explains, person by person, what
** cancelling will do (who is told, which card payments are refunded, which
** invoices are voided) and asks for the reason; once cancelled, the same
** address shows what was done, each refund's state and the audit lines.
** POST to it cancels (domain/cancel.c); POST .../cancel/refunds asks the
** provider again for refunds it did not confirm. Staff only.
*/
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "cancel.h"
#include "date.h"
#include "enrol.h"
#include "pages.h"
#include "store_cancel.h"
#include "store_enrol.h"

/* The offering in param[0] for staff: 0 with *o (the listing as JSON, the
** caller owns it) and *off filled, or the status to answer (404 with a
** message, 503). */
static int load(request *rq, json_t **o, offering_row *off)
{
    app *ap = page_app(rq);
    *o = NULL;
    if (!access_allows(rq, ACCESS_STAFF, 0)) {
        rq->message = "There is no offering with this code.";
        return 404;
    }
    int found = store_offering_row(ap->db, rq->a, rq->param[0], off);
    if (found < 0)
        return 503;
    *o = found ? page_offering_load(ap->db, rq->a, rq->param[0]) : NULL;
    if (!*o) {
        rq->message = "There is no offering with this code. The staff home lists every offering.";
        return 404;
    }
    page_offering(rq->a, *o, date_today());
    return 0;
}

/* "2 December 2026, 13:05 UTC" for a Unix time, in the arena. */
static const char *when_label(arena *a, int64_t t)
{
    buf b = BUF_INIT;
    date_label(&b, date_from_time((time_t)t));
    time_t tt = (time_t)t;
    struct tm tm;
    const char *s = gmtime_r(&tt, &tm) ? arena_printf(a, "%s, %02d:%02d UTC", buf_str(&b), tm.tm_hour, tm.tm_min)
                                       : arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

/* What cancelling does to registration r, one sentence each, as a JSON
** array. *refund_cents grows by its card refund. */
static json_t *effects(request *rq, const cancel_reg *r, int64_t *refund_cents)
{
    json_t *list = json_array();
    json_array_append_new(list, json_string("Told by e-mail, once, with your reason."));
    if (!strcmp(r->status, "active") || !strcmp(r->status, "pending") || !strcmp(r->status, "offered"))
        json_array_append_new(list, json_string("Loses the seat."));
    else
        json_array_append_new(list, json_string("Taken off the waitlist."));
    if (r->card_left_cents > 0) {
        *refund_cents += r->card_left_cents;
        json_array_append_new(list, json_string(arena_printf(rq->a, "%s refunded to the card through the payment "
                                                             "provider.", enrol_money(rq->a, r->card_left_cents,
                                                                                      r->currency))));
    }
    if (!strcmp(r->payment_status, "pending"))
        json_array_append_new(list, json_string("The open card checkout is closed; a payment that still arrives "
                                                "is refunded automatically."));
    if (r->invoice_number && !strcmp(r->invoice_status, "issued"))
        json_array_append_new(list, json_string(arena_printf(rq->a, "Invoice %s is voided.", r->invoice_number)));
    if (r->invoice_number && !strcmp(r->invoice_status, "paid"))
        json_array_append_new(list, json_string(arena_printf(rq->a, "Invoice %s was paid: return the money to the "
                                                             "school outside the site.", r->invoice_number)));
    if (!strcmp(r->payment_status, "waived"))
        json_array_append_new(list, json_string("The fee was waived: nothing to refund."));
    return list;
}

/* "1 registration ends" or "4 registrations end": n with the singular or
** plural phrase, in the arena. */
static const char *counted(arena *a, int n, const char *one, const char *many)
{
    return arena_printf(a, "%d %s", n, n == 1 ? one : many);
}

/* The explanation shown before cancelling: the registrations and what
** happens to each, with totals. A new object, or NULL when the store
** failed. */
static json_t *plan_view(request *rq, const offering_row *off)
{
    cancel_reg *regs;
    int n;
    if (store_cancel_regs(page_app(rq)->db, rq->a, off->id, 1, &regs, &n) != 0)
        return NULL;
    json_t *rows = json_array();
    int64_t refund_cents = 0;
    int refunds = 0, invoices = 0, paid_invoices = 0;
    for (int i = 0; i < n; i++) {
        const cancel_reg *r = &regs[i];
        refunds += r->card_left_cents > 0;
        invoices += r->invoice_number && !strcmp(r->invoice_status, "issued");
        paid_invoices += r->invoice_number && !strcmp(r->invoice_status, "paid");
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:o}", "user_name", r->user_name, "user_email",
                                              r->user_email, "status", r->status, "payment_status",
                                              r->payment_status, "effects", effects(rq, r, &refund_cents)));
    }
    return json_pack("{s:o, s:i, s:b, s:i, s:s, s:i, s:i, s:s, s:s, s:s, s:s}", "registrations", rows, "count", n,
                     "has_registrations", n > 0, "refunds", refunds, "refund_total_label",
                     enrol_money(rq->a, refund_cents, off->currency), "invoices", invoices, "paid_invoices",
                     paid_invoices, "people_label", counted(rq->a, n, "registration ends", "registrations end"),
                     "refunds_label", counted(rq->a, refunds, "card payment is", "card payments are"),
                     "invoices_label", counted(rq->a, invoices, "unpaid invoice is", "unpaid invoices are"),
                     "paid_invoices_label", counted(rq->a, paid_invoices, "invoice was", "invoices were"));
}

/* What was done once cancelled: who, when, why, each refund and the
** offering's audit lines. A new object, or NULL when the store failed. */
static json_t *done_view(request *rq, const offering_row *off, const cancel_state *cs)
{
    db *d = page_app(rq)->db;
    cancel_refund *refunds;
    int n;
    if (store_cancel_refunds(d, rq->a, off->id, &refunds, &n) != 0)
        return NULL;
    cancel_reg *regs;
    int m;
    if (store_cancel_regs(d, rq->a, off->id, 0, &regs, &m) != 0)
        return NULL;
    json_t *rows = json_array();
    int open = 0;
    for (int i = 0; i < n; i++) {
        const cancel_refund *f = &refunds[i];
        int pending = !strcmp(f->status, "pending"), failed = !strcmp(f->status, "failed");
        open += pending;
        const char *label = pending ? "Sent, not yet confirmed by the provider"
                          : failed ? "Refused by the provider" : "Refunded";
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:b}", "user_name", f->user_name, "user_email",
                                              f->user_email, "amount_label",
                                              enrol_money(rq->a, f->amount_cents, f->currency), "status_label", label,
                                              "is_done", !pending && !failed));
    }
    for (int i = 0; i < m; i++)
        open += regs[i].card_left_cents > 0 && regs[i].refund_pending_cents == 0;
    json_t *audit = store_audit_for_offering(d, off->id, off->code, 100);
    if (!audit) {
        json_decref(rows);
        return NULL;
    }
    size_t i;
    json_t *line;
    json_array_foreach(audit, i, line)
        json_object_set_new(line, "at_label",
                            json_string(when_label(rq->a, json_integer_value(json_object_get(line, "at")))));
    return json_pack("{s:s, s:s, s:s, s:o, s:b, s:b, s:o, s:i}", "when_label", when_label(rq->a, cs->cancelled_at),
                     "by_name", cs->by_name ? cs->by_name : "someone", "reason", cs->reason ? cs->reason : "",
                     "refunds", rows, "has_refunds", n > 0, "can_retry", open > 0, "audit", audit, "sequence",
                     (int)cs->sequence);
}

/* Render the cancel page for offering o (consumed): the plan, or what was
** done. reason and error fill the form back after a refusal. */
static int render(request *rq, response *rs, json_t *o, const offering_row *off, const char *reason,
                  const char *error)
{
    cancel_state cs;
    int found = store_cancel_state(page_app(rq)->db, rq->a, off->id, &cs);
    if (found != 1) {
        json_decref(o);
        return found < 0 ? 503 : 404;
    }
    json_t *view = cs.cancelled_at ? done_view(rq, off, &cs) : plan_view(rq, off);
    if (!view) {
        json_decref(o);
        return page_unavailable(rq);
    }
    const char *base = arena_printf(rq->a, "/staff/offerings/%s", off->code);
    json_t *ctx = json_pack("{s:o, s:b, s:o, s:s, s:s, s:s, s:{s:s}, s:b}", "offering", o, "cancelled",
                            cs.cancelled_at != 0, cs.cancelled_at ? "done" : "plan", view, "roster_url", base,
                            "action", arena_printf(rq->a, "%s/cancel", base), "retry_action",
                            arena_printf(rq->a, "%s/cancel/refunds", base), "values", "reason", reason ? reason : "",
                            "has_errors", error != NULL);
    if (ctx && error) {
        json_object_set_new(ctx, "error", json_string(error));
        rs->status = 422;
    }
    return page_render(rq, rs, "pages/staff_cancel", ctx, "Cancel an offering", NULL);
}

/* GET /staff/offerings/CODE/cancel (staff): the explanation, or what was
** done. 0, or 404/503 with rq->message. */
int page_staff_cancel(request *rq, response *rs)
{
    json_t *o;
    offering_row off;
    int st = load(rq, &o, &off);
    if (st)
        return st;
    page_take_flash(rq, rs);
    return render(rq, rs, o, &off, NULL, NULL);
}

/* The domain context for a staff action by the signed-in person. */
static domain dom(request *rq)
{
    return domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session->u.id, time(NULL));
}

/* Back to the cancel page, with a notice saying how the refunds went. */
static int back(request *rq, response *rs, const offering_row *off, const cancel_outcome *out)
{
    page_flash(rq, rs, out->refunds_pending || out->refunds_failed ? "cancel-refunds-open" : "cancel-done");
    http_redirect(rs, 303, arena_printf(rq->a, "/staff/offerings/%s/cancel", off->code));
    return 0;
}

/* POST /staff/offerings/CODE/cancel (staff, CSRF): cancel with the reason
** given; 303 back to the page, 422 with the form again for a missing or
** long reason, 409 when someone cancelled it first, 503. */
int page_staff_cancel_post(request *rq, response *rs)
{
    json_t *o;
    offering_row off;
    int st = load(rq, &o, &off);
    if (st)
        return st;
    const char *reason = kv_get(&rq->form, "reason");
    domain d = dom(rq);
    cancel_outcome out;
    int rc = cancel_offering(&d, &off, reason, &out);
    if (rc == DOM_INVALID)
        return render(rq, rs, o, &off, reason, d.message);
    json_decref(o);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    return back(rq, rs, &off, &out);
}

/* POST /staff/offerings/CODE/cancel/refunds (staff, CSRF): ask the
** provider again for the refunds not confirmed; 303 back, 409 when the
** offering is not cancelled, 503. */
int page_staff_cancel_refunds(request *rq, response *rs)
{
    json_t *o;
    offering_row off;
    int st = load(rq, &o, &off);
    if (st)
        return st;
    json_decref(o);
    domain d = dom(rq);
    cancel_outcome out;
    int rc = cancel_refunds_retry(&d, &off, &out);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    return back(rq, rs, &off, &out);
}
