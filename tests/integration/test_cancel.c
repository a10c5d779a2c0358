/*
** test_cancel.c: cancelling an offering with registrations, through real
** nginx, a real SMTP server and the payment provider stand-in. Staff read
** what cancelling will do, then cancel in one step: every person
** registered is told once (card payers are not sent a second refund
** message), card payments are refunded through the provider's protocol,
** the issued invoice is voided, the waitlist is cleared, seats are free,
** each change is audited, and the offering takes no more registrations.
** Two staff cancelling at once: one wins, the other is told. A provider
** that does not answer leaves a refund pending, shown, and asking again
** refunds it once, never twice. The calendar feeds keep the event's UID
** (not the host name), bump its SEQUENCE when its dates change or it is
** cancelled, and keep a cancelled event with STATUS:CANCELLED. Only staff
** reach the pages: signed out, a participant and a coach (even of that
** offering) are refused. The offering's coach is told once as well.
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"
#include "sqlq.h"
#include "smtp.h"
#include "standin.h"

#define SECRET "whsec_test_cancel"

static stack s;
static standin pay;
static smtp_server mail;
static sqlite3 *dbh;
#define q_int(sql, p) sqlq_int(dbh, sql, p)
#define q_text(sql, p, out, n) sqlq_text(dbh, sql, p, out, n)

/* Sleep ms milliseconds (only between polls of a state). */
static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Run sql with text parameter p (may be NULL); 0 or -1. */
static int q_exec(const char *sql, const char *p)
{
    return tk_exec(dbh, sql, p, NULL) == 0 ? 0 : -1;
}

/* Occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Sign b in as email with password. */
static long sign_in(browser *b, const char *email, const char *password)
{
    char form[256];
    snprintf(form, sizeof form, "email=%s&password=%s&next=%%2Fstaff", email, password);
    http_res r;
    browser_submit(b, "/signin", "/signin", form, &r);
    long st = r.status;
    http_res_free(&r);
    return st;
}

/* Register b for code with form; the answer's status, *to the Location
** (malloc'd) when to is not NULL. */
static long register_for(browser *b, const char *code, const char *form, char **to)
{
    char page[128];
    snprintf(page, sizeof page, "/offerings/%s/register", code);
    http_res r;
    browser_submit(b, page, page, form, &r);
    long st = r.status;
    if (to)
        *to = http_res_location(&r);
    http_res_free(&r);
    return st;
}

/* "name%40example.org" for "name@example.org", into out. */
static const char *form_email(const char *email, char *out, size_t n)
{
    const char *at = strchr(email, '@');
    snprintf(out, n, "%.*s%%40%s", (int)(at - email), email, at + 1);
    return out;
}

/* status/payment_status of email's newest registration. */
static const char *state_of(const char *email, char *out, size_t n)
{
    return q_text("SELECT e.status || '/' || e.payment_status FROM enrolments e JOIN users u ON u.id = e.user_id"
                  " WHERE u.email = ?1 ORDER BY e.id DESC LIMIT 1", email, out, n);
}

/* A new participant b who pays by card for code; waits for the webhook. */
static void paid(browser *b, const char *name, const char *email, const char *code)
{
    char fe[128], st[64];
    browser_open(b, &s);
    CHECK(browser_sign_up(b, name, form_email(email, fe, sizeof fe)) == 303);
    char *to = NULL;
    CHECK(register_for(b, code, "method=card&code=", &to) == 303);
    const char *p = strstr(to, "/pay/");
    char path[256];
    snprintf(path, sizeof path, "/_test/complete/%s?send=1", p ? p + 5 : "");
    free(to);
    CHECK(standin_call(&pay, "POST", path, "", NULL) == 200);
    for (int i = 0; i < 200 && strcmp(state_of(email, st, sizeof st), "active/paid"); i++)
        nap(50);
    CHECK_STR(state_of(email, st, sizeof st), "active/paid");
}

/* Mail queued to recipient email whose subject starts with prefix. */
static long long queued(const char *email, const char *prefix)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE recipient = ?1 AND subject LIKE '%s%%'", prefix);
    return q_int(sql, email);
}

/* Refund calls the provider answered 200, and all refund calls. */
static void provider_refunds(int *ok, int *all)
{
    buf out = BUF_INIT;
    standin_call(&pay, "GET", "/_test/requests?path=/v1/refunds", NULL, &out);
    *ok = count(buf_str(&out), "\"status\": 200");
    *all = count(buf_str(&out), "\"path\": \"/v1/refunds\"");
    buf_free(&out);
}

/* GET path with b; the body (caller frees with http_res_free) in r. */
static long get(browser *b, const char *path, http_res *r)
{
    browser_get(b, path, r);
    return r->status;
}

/* The SEQUENCE of the first event in an iCalendar text; -1 if none. */
static int sequence_of(const char *ics)
{
    const char *p = strstr(ics, "\r\nSEQUENCE:");
    return p ? atoi(p + 11) : -1;
}

/* Signed out, a participant and a coach are refused every cancel route;
** nothing is cancelled. */
static void test_roles(void)
{
    browser anon, part, coach;
    browser_open(&anon, &s);
    http_res r;
    CHECK(get(&anon, "/staff/offerings/demo-su/cancel", &r) == 303);
    char *loc = http_res_location(&r);
    CHECK_CONTAINS(loc, "/signin");
    free(loc);
    http_res_free(&r);
    CHECK(browser_post(&anon, "/staff/offerings/demo-su/cancel", "reason=x", &r) == 0);
    CHECK(r.status == 303 || r.status == 403);
    http_res_free(&r);

    browser_open(&part, &s);
    CHECK(browser_sign_up(&part, "Pat+Participant", "pat%40example.org") == 303);
    CHECK(get(&part, "/staff/offerings/demo-su/cancel", &r) == 403);
    http_res_free(&r);
    /* With a valid CSRF token of the participant's own session. */
    get(&part, "/offerings/demo-su/register", &r);
    char *csrf = browser_csrf(&r);
    http_res_free(&r);
    char form[256];
    snprintf(form, sizeof form, "csrf=%s&reason=gone", csrf ? csrf : "");
    free(csrf);
    browser_post(&part, "/staff/offerings/demo-su/cancel", form, &r);
    CHECK(r.status == 403);
    http_res_free(&r);
    browser_post(&part, "/staff/offerings/demo-su/cancel/refunds", form, &r);
    CHECK(r.status == 403);
    http_res_free(&r);

    browser_open(&coach, &s);
    CHECK(sign_in(&coach, "coach%40example.org", "coach-password-1") == 303);
    CHECK(get(&coach, "/staff/offerings/demo-su/cancel", &r) == 403);
    http_res_free(&r);
    get(&coach, "/coach", &r);
    csrf = browser_csrf(&r);
    http_res_free(&r);
    snprintf(form, sizeof form, "csrf=%s&reason=gone", csrf ? csrf : "");
    free(csrf);
    browser_post(&coach, "/staff/offerings/demo-su/cancel", form, &r);
    CHECK(r.status == 403);
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM offerings WHERE code = ?1 AND cancelled_at IS NOT NULL", "demo-su") == 0);
    browser_close(&anon);
    browser_close(&part);
    browser_close(&coach);
}

/* demo-gp (3 seats): two card payers, a school invoice, one on the
** waitlist. The explanation first, then one step. */
static void test_cancel_with_refunds(browser *staff)
{
    browser a, b, c, w;
    paid(&a, "Ada+Card", "ada@example.org", "demo-gp");
    paid(&b, "Ben+Card", "ben@example.org", "demo-gp");
    char school[16], fe[64], st[64];
    q_text("SELECT id FROM schools WHERE invoice = 1 AND billing_email IS NOT NULL ORDER BY id LIMIT 1", NULL, school,
           sizeof school);
    browser_open(&c, &s);
    http_res r;
    char form[512];
    snprintf(form, sizeof form, "name=Cai+Invoice&email=cai%%40example.org&password=correct-horse-battery"
             "&time_zone=UTC&school_id=%s&next=%%2Fmy", school);
    browser_submit(&c, "/signup", "/signup", form, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(register_for(&c, "demo-gp", "method=invoice&code=", NULL) == 303);
    CHECK_STR(state_of("cai@example.org", st, sizeof st), "active/invoiced");
    char inv[32];
    q_text("SELECT v.number FROM invoices v JOIN enrolments e ON e.id = v.enrolment_id JOIN users u ON u.id = e.user_id"
           " WHERE u.email = ?1", "cai@example.org", inv, sizeof inv);
    CHECK(strncmp(inv, "INV-", 4) == 0);
    browser_open(&w, &s);
    CHECK(browser_sign_up(&w, "Wen+Wait", form_email("wen@example.org", fe, sizeof fe)) == 303);
    CHECK(register_for(&w, "demo-gp", "method=card&code=", NULL) == 303);
    CHECK_STR(state_of("wen@example.org", st, sizeof st), "waitlisted/unpaid");

    get(staff, "/offerings/demo-gp.ics", &r);
    int seq_before = sequence_of(buf_str(&r.body));
    CHECK(seq_before >= 0);
    CHECK_CONTAINS(buf_str(&r.body), "STATUS:CONFIRMED\r\n");
    http_res_free(&r);

    /* The explanation: each person and what happens to them. */
    CHECK(get(staff, "/staff/offerings/demo-gp/cancel", &r) == 200);
    const char *body = buf_str(&r.body);
    CHECK_CONTAINS(body, "Ada Card");
    CHECK_CONTAINS(body, "Ben Card");
    CHECK_CONTAINS(body, "Cai Invoice");
    CHECK_CONTAINS(body, "Wen Wait");
    CHECK_CONTAINS(body, "refunded to the card");
    CHECK(count(body, "refunded to the card") == 2);
    char voided[64];
    snprintf(voided, sizeof voided, "Invoice %s is voided", inv);
    CHECK_CONTAINS(body, voided);
    CHECK_CONTAINS(body, "Taken off the waitlist");
    CHECK_CONTAINS(body, "4 registrations end");
    CHECK_CONTAINS(body, "2 card payments are refunded in full");
    CHECK_CONTAINS(body, "1 unpaid invoice is voided");
    http_res_free(&r);
    /* Looking changed nothing. */
    CHECK(q_int("SELECT count(*) FROM offerings WHERE code = ?1 AND cancelled_at IS NULL", "demo-gp") == 1);

    /* No reason: refused, nothing written. */
    long long outbox_before = q_int("SELECT count(*) FROM outbox", NULL);
    browser_submit(staff, "/staff/offerings/demo-gp/cancel", "/staff/offerings/demo-gp/cancel", "reason=+++", &r);
    CHECK(r.status == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Write why the offering is cancelled");
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM offerings WHERE code = ?1 AND cancelled_at IS NULL", "demo-gp") == 1);
    CHECK(q_int("SELECT count(*) FROM outbox", NULL) == outbox_before);

    /* What each person had received before (registration mail). */
    const char *people[] = {"ada@example.org", "ben@example.org", "cai@example.org", "wen@example.org"};
    int before_mail[4];
    for (int i = 0; i < 200 && q_int("SELECT count(*) FROM outbox WHERE sent_at IS NULL", NULL) > 0; i++)
        nap(50);
    for (int i = 0; i < 4; i++) {
        char to[96];
        snprintf(to, sizeof to, "<%s>", people[i]);
        before_mail[i] = smtp_mail_count(&mail, to);
    }

    /* The one step. */
    browser_submit(staff, "/staff/offerings/demo-gp/cancel", "/staff/offerings/demo-gp/cancel",
                   "reason=Our+coach+is+ill+and+no+other+coach+is+free+that+week.", &r);
    CHECK(r.status == 303);
    char *loc = http_res_location(&r);
    CHECK_CONTAINS(loc, "/staff/offerings/demo-gp/cancel");
    free(loc);
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM offerings WHERE code = ?1 AND cancelled_at IS NOT NULL", "demo-gp") == 1);
    CHECK(q_int("SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id WHERE o.code = ?1"
                " AND e.status IN ('pending', 'active', 'waitlisted', 'offered')", "demo-gp") == 0);
    CHECK_STR(state_of("ada@example.org", st, sizeof st), "cancelled/refunded");
    CHECK_STR(state_of("ben@example.org", st, sizeof st), "cancelled/refunded");
    CHECK_STR(state_of("cai@example.org", st, sizeof st), "cancelled/invoiced");
    CHECK_STR(state_of("wen@example.org", st, sizeof st), "cancelled/unpaid");
    CHECK(q_int("SELECT count(*) FROM invoices WHERE number = ?1 AND status = 'void'", inv) == 1);
    /* Refunded in full through the provider, once each. */
    CHECK(q_int("SELECT count(*) FROM payments p JOIN enrolments e ON e.id = p.enrolment_id JOIN offerings o"
                " ON o.id = e.offering_id WHERE o.code = ?1 AND p.status = 'refunded'"
                " AND p.refunded_cents = p.amount_cents", "demo-gp") == 2);
    CHECK(q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id JOIN enrolments e"
                " ON e.id = p.enrolment_id JOIN offerings o ON o.id = e.offering_id WHERE o.code = ?1"
                " AND f.status = 'done' AND f.provider_refund LIKE 're_%'", "demo-gp") == 2);
    int ok = 0, all = 0;
    provider_refunds(&ok, &all);
    CHECK(ok == 2 && all == 2);
    /* Audited, each change. */
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'offering.cancelled' AND subject = 'offering:' || ?1"
                " AND detail LIKE 'Our coach is ill%'", "demo-gp") == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log a JOIN enrolments e ON a.subject = 'enrolment:' || e.id JOIN offerings o"
                " ON o.id = e.offering_id WHERE o.code = ?1 AND a.action = 'registration.cancelled'", "demo-gp") == 4);
    CHECK(q_int("SELECT count(*) FROM audit_log a JOIN enrolments e ON a.subject = 'enrolment:' || e.id JOIN offerings o"
                " ON o.id = e.offering_id WHERE o.code = ?1 AND a.action = 'invoice.void'", "demo-gp") == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log a JOIN enrolments e ON a.subject = 'enrolment:' || e.id JOIN offerings o"
                " ON o.id = e.offering_id WHERE o.code = ?1 AND a.action = 'payment.refund-started'", "demo-gp") == 2);
    CHECK(q_int("SELECT count(*) FROM audit_log a JOIN enrolments e ON a.subject = 'enrolment:' || e.id JOIN offerings o"
                " ON o.id = e.offering_id WHERE o.code = ?1 AND a.action = 'payment.refunded'", "demo-gp") == 2);
    /* Everyone told once: one message each in the outbox, no separate
    ** refund message, and each arrives. */
    /* The coach is told too, once. */
    CHECK(queued("coach@example.org", "Cancelled:") == 1);
    for (int i = 0; i < 4; i++) {
        CHECK(queued(people[i], "Cancelled:") == 1);
        CHECK(queued(people[i], "Refund") == 0);
        char to[96];
        snprintf(to, sizeof to, "<%s>", people[i]);
        CHECK(smtp_wait_mail(&mail, to, 1));
    }
    CHECK(smtp_wait_mail(&mail, "Our coach is ill", 4));
    char text[4096];
    q_text("SELECT body_text FROM outbox WHERE recipient = ?1 AND subject LIKE 'Cancelled:%'", "ada@example.org", text,
           sizeof text);
    CHECK_CONTAINS(text, "We are refunding $");
    q_text("SELECT body_text FROM outbox WHERE recipient = ?1 AND subject LIKE 'Cancelled:%'", "cai@example.org", text,
           sizeof text);
    CHECK_CONTAINS(text, inv);
    CHECK_CONTAINS(text, "is void");
    CHECK(strstr(text, "We are refunding") == NULL);
    /* Let the mailer finish: what arrived for each person since the
    ** cancellation is one message, the same for a card payer (no second,
    ** refund message) as for the person who paid nothing. */
    for (int i = 0; i < 300 && q_int("SELECT count(*) FROM outbox WHERE sent_at IS NULL", NULL) > 0; i++)
        nap(50);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE sent_at IS NULL", NULL) == 0);
    int delta[4];
    for (int i = 0; i < 4; i++) {
        char to[96];
        snprintf(to, sizeof to, "<%s>", people[i]);
        delta[i] = smtp_mail_count(&mail, to) - before_mail[i];
        CHECK(delta[i] > 0);
    }
    CHECK(delta[0] == delta[3] && delta[1] == delta[3] && delta[2] == delta[3]);

    /* After: the page shows what was done; nothing left to ask for. */
    CHECK(get(staff, "/staff/offerings/demo-gp/cancel", &r) == 200);
    body = buf_str(&r.body);
    CHECK_CONTAINS(body, "What was done");
    CHECK_CONTAINS(body, "every card refund is confirmed");
    CHECK(count(body, ">Refunded<") == 2);
    CHECK(strstr(body, "Ask the provider again") == NULL);
    CHECK_CONTAINS(body, "Our coach is ill");
    http_res_free(&r);
    /* Cancelling again: 409 with a message. */
    browser_submit(staff, "/staff/offerings/demo-gp", "/staff/offerings/demo-gp/cancel", "reason=again", &r);
    CHECK(r.status == 409);
    CHECK_CONTAINS(buf_str(&r.body), "already cancelled");
    http_res_free(&r);

    /* It takes no registrations, and says so. */
    browser n;
    browser_open(&n, &s);
    CHECK(browser_sign_up(&n, "Nia+New", "nia%40example.org") == 303);
    CHECK(register_for(&n, "demo-gp", "method=card&code=", NULL) == 409);
    CHECK(q_int("SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = ?1",
                "nia@example.org") == 0);
    get(&n, "/offerings/demo-gp", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Cancelled");
    http_res_free(&r);
    browser_close(&n);

    /* The feeds keep it, cancelled, same UID, higher SEQUENCE. */
    get(staff, "/offerings/demo-gp.ics", &r);
    body = buf_str(&r.body);
    CHECK_CONTAINS(body, "UID:offering-demo-gp@journeys\r\n");
    CHECK_CONTAINS(body, "STATUS:CANCELLED\r\n");
    CHECK(sequence_of(body) > seq_before);
    http_res_free(&r);
    get(staff, "/calendar.ics", &r);
    body = buf_str(&r.body);
    const char *ev = strstr(body, "UID:offering-demo-gp@journeys\r\n");
    CHECK(ev != NULL);
    const char *end = ev ? strstr(ev, "END:VEVENT") : NULL;
    const char *cancelled = ev ? strstr(ev, "STATUS:CANCELLED") : NULL;
    CHECK(cancelled && end && cancelled < end);
    http_res_free(&r);

    browser_close(&a);
    browser_close(&b);
    browser_close(&c);
    browser_close(&w);
}

struct shot {
    browser b;
    char csrf[64];
    long status;
};

/* POST the cancel at once. */
static void *fire(void *arg)
{
    struct shot *x = arg;
    char form[160];
    snprintf(form, sizeof form, "csrf=%s&reason=Not+enough+people+registered.", x->csrf);
    http_res r;
    browser_post(&x->b, "/staff/offerings/demo-lm/cancel", form, &r);
    x->status = r.status;
    http_res_free(&r);
    return NULL;
}

/* Two staff cancel demo-lm at the same moment: one wins, the other is told;
** one refund, one message per person. */
static void test_race(void)
{
    browser p, q;
    paid(&p, "Pia+Paid", "pia@example.org", "demo-lm");
    char fe[64];
    browser_open(&q, &s);
    CHECK(browser_sign_up(&q, "Quin+Pending", form_email("quin@example.org", fe, sizeof fe)) == 303);
    char *quin_to = NULL;
    CHECK(register_for(&q, "demo-lm", "method=card&code=", &quin_to) == 303);   /* an open checkout */
    static struct shot shots[2];
    for (int i = 0; i < 2; i++) {
        browser_open(&shots[i].b, &s);
        CHECK(sign_in(&shots[i].b, "staff%40example.org", "staff-password-1") == 303);
        http_res r;
        get(&shots[i].b, "/staff/offerings/demo-lm/cancel", &r);
        char *c = browser_csrf(&r);
        snprintf(shots[i].csrf, sizeof shots[i].csrf, "%s", c ? c : "");
        free(c);
        http_res_free(&r);
    }
    int ok0 = 0, all0 = 0;
    provider_refunds(&ok0, &all0);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, fire, &shots[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK((shots[0].status == 303 && shots[1].status == 409) || (shots[0].status == 409 && shots[1].status == 303));
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'offering.cancelled' AND subject = 'offering:' || ?1",
                "demo-lm") == 1);
    CHECK(queued("pia@example.org", "Cancelled:") == 1);
    CHECK(queued("quin@example.org", "Cancelled:") == 1);
    char st[64];
    CHECK_STR(state_of("pia@example.org", st, sizeof st), "cancelled/refunded");
    CHECK_STR(state_of("quin@example.org", st, sizeof st), "cancelled/unpaid");
    int ok = 0, all = 0;
    provider_refunds(&ok, &all);
    CHECK(ok - ok0 == 1 && all - all0 == 1);
    /* The open checkout was closed at the provider. */
    buf reqs = BUF_INIT;
    standin_call(&pay, "GET", "/_test/requests", NULL, &reqs);
    CHECK_CONTAINS(buf_str(&reqs), "/expire");
    buf_free(&reqs);
    /* So Quin can no longer pay for a seat that is gone. */
    const char *sid = quin_to ? strstr(quin_to, "/pay/") : NULL;
    char path[256];
    snprintf(path, sizeof path, "/_test/complete/%s?send=1", sid ? sid + 5 : "none");
    CHECK(standin_call(&pay, "POST", path, "", NULL) == 400);
    CHECK_STR(state_of("quin@example.org", st, sizeof st), "cancelled/unpaid");
    free(quin_to);
    for (int i = 0; i < 2; i++)
        browser_close(&shots[i].b);
    browser_close(&p);
    browser_close(&q);
}

/* The provider fails the first refund of demo-pv's cancellation: it stays
** pending, shown, and asking again makes it once; asking once more sends
** nothing. */
static void test_provider_down(browser *staff)
{
    browser x, y;
    paid(&x, "Xia+Paid", "xia@example.org", "demo-pv");
    paid(&y, "Yan+Paid", "yan@example.org", "demo-pv");
    int ok0 = 0, all0 = 0;
    provider_refunds(&ok0, &all0);
    CHECK(standin_call(&pay, "POST", "/_test/fail?path=/v1/refunds&count=1&status=500", "", NULL) == 200);
    http_res r;
    browser_submit(staff, "/staff/offerings/demo-pv/cancel", "/staff/offerings/demo-pv/cancel",
                   "reason=The+venue+closed.", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id JOIN enrolments e"
                " ON e.id = p.enrolment_id JOIN offerings o ON o.id = e.offering_id WHERE o.code = ?1"
                " AND f.status = 'pending'", "demo-pv") == 2);   /* the second is not sent after a failure */
    CHECK(q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id JOIN enrolments e"
                " ON e.id = p.enrolment_id JOIN offerings o ON o.id = e.offering_id WHERE o.code = ?1"
                " AND f.status = 'done'", "demo-pv") == 0);
    {
        int ok1 = 0, all1 = 0;
        provider_refunds(&ok1, &all1);
        CHECK(ok1 == ok0 && all1 == all0 + 1);
    }
    /* Both told already, once. */
    CHECK(queued("xia@example.org", "Cancelled:") == 1);
    CHECK(queued("yan@example.org", "Cancelled:") == 1);
    CHECK(get(staff, "/staff/offerings/demo-pv/cancel", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "some refunds are not confirmed");
    CHECK_CONTAINS(buf_str(&r.body), "Sent, not yet confirmed by the provider");
    CHECK_CONTAINS(buf_str(&r.body), "Ask the provider again");
    http_res_free(&r);
    /* Ask again: the pending one is made, with its own key. */
    browser_submit(staff, "/staff/offerings/demo-pv/cancel", "/staff/offerings/demo-pv/cancel/refunds", "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id JOIN enrolments e"
                " ON e.id = p.enrolment_id JOIN offerings o ON o.id = e.offering_id WHERE o.code = ?1"
                " AND f.status = 'done'", "demo-pv") == 2);
    CHECK(q_int("SELECT count(*) FROM payments p JOIN enrolments e ON e.id = p.enrolment_id JOIN offerings o"
                " ON o.id = e.offering_id WHERE o.code = ?1 AND p.refunded_cents = p.amount_cents"
                " AND p.status = 'refunded'", "demo-pv") == 2);
    int ok = 0, all = 0;
    provider_refunds(&ok, &all);
    CHECK(ok - ok0 == 2);      /* two refunds made at the provider, never three */
    CHECK(all - all0 == 3);    /* the failed call, then the two asked again */
    /* Nothing left: asking once more calls nobody. */
    browser_submit(staff, "/staff/offerings/demo-pv/cancel", "/staff/offerings/demo-pv/cancel/refunds", "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    int ok2 = 0, all2 = 0;
    provider_refunds(&ok2, &all2);
    CHECK(ok2 == ok && all2 == all);
    CHECK(queued("xia@example.org", "Cancelled:") == 1 && queued("xia@example.org", "Refund") == 0);
    CHECK(queued("yan@example.org", "Cancelled:") == 1 && queued("yan@example.org", "Refund") == 0);
    /* The retry route refuses an offering that is not cancelled. */
    browser_submit(staff, "/staff/offerings/demo-al", "/staff/offerings/demo-al/cancel/refunds", "", &r);
    CHECK(r.status == 409);
    http_res_free(&r);
    browser_close(&x);
    browser_close(&y);
}

/* An edited offering keeps its UID with a higher SEQUENCE; a change that
** is not of its dates (capacity) leaves SEQUENCE alone. The edit is made
** in the database as the offerings editor writes it: the trigger bumps
** the sequence in the same statement. */
static void test_ics_edit(browser *staff)
{
    http_res r;
    get(staff, "/offerings/demo-al.ics", &r);
    int before = sequence_of(buf_str(&r.body));
    CHECK(before >= 0);
    CHECK_CONTAINS(buf_str(&r.body), "UID:offering-demo-al@journeys\r\n");
    CHECK(strstr(buf_str(&r.body), "UID:offering-demo-al@127") == NULL);
    http_res_free(&r);
    CHECK(q_exec("UPDATE offerings SET capacity = capacity + 1, updated_at = unixepoch() WHERE code = ?1",
                 "demo-al") == 0);
    get(staff, "/offerings/demo-al.ics", &r);
    CHECK(sequence_of(buf_str(&r.body)) == before);
    http_res_free(&r);
    CHECK(q_exec("UPDATE offerings SET starts = date(starts, '+7 days'), ends = date(ends, '+7 days'),"
                 " closes = date(closes, '+7 days'), updated_at = unixepoch() WHERE code = ?1", "demo-al") == 0);
    char starts[16], want[48];
    q_text("SELECT replace(starts, '-', '') FROM offerings WHERE code = ?1", "demo-al", starts, sizeof starts);
    snprintf(want, sizeof want, "DTSTART;VALUE=DATE:%s\r\n", starts);
    get(staff, "/offerings/demo-al.ics", &r);
    const char *body = buf_str(&r.body);
    CHECK_CONTAINS(body, "UID:offering-demo-al@journeys\r\n");
    CHECK(sequence_of(body) == before + 1);
    CHECK_CONTAINS(body, want);
    CHECK_CONTAINS(body, "STATUS:CONFIRMED\r\n");
    http_res_free(&r);
    get(staff, "/calendar.ics", &r);
    const char *ev = strstr(buf_str(&r.body), "UID:offering-demo-al@journeys\r\n");
    char seq[32];
    snprintf(seq, sizeof seq, "SEQUENCE:%d\r\n", before + 1);
    CHECK(ev && strstr(ev, seq) && strstr(ev, seq) < strstr(ev, "END:VEVENT"));
    http_res_free(&r);
}

int main(void)
{
    int port = harness_free_port();
    char webhook[128], env_port[32];
    snprintf(webhook, sizeof webhook, "http://127.0.0.1:%d/webhooks/payments", port);
    snprintf(env_port, sizeof env_port, "%d", port);
    setenv("STACK_PORT", env_port, 1);
    if (smtp_start(&mail) != 0 || standin_start(&pay, webhook, SECRET) != 0) {
        CHECK(!"the SMTP server and the payment stand-in start");
        return check_done();
    }
    static char e1[160], e2[160], e3[160], e5[160];
    snprintf(e1, sizeof e1, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    snprintf(e2, sizeof e2, "JOURNEYS_PAYMENTS_API_BASE=%s", standin_base(&pay));
    snprintf(e3, sizeof e3, "JOURNEYS_PAYMENTS_CHECKOUT_ORIGIN=%s", standin_base(&pay));
    snprintf(e5, sizeof e5, "JOURNEYS_PAYMENTS_WEBHOOK_SECRET=%s", SECRET);
    const char *env[] = {e1, e2, e3, e5, "JOURNEYS_JOBS_INTERVAL=1", "JOURNEYS_MAIL_RETRY_SECONDS=1",
                         "JOURNEYS_SITE_SIGNIN_PER_ACCOUNT=1000", "JOURNEYS_SITE_SIGNIN_PER_ADDRESS=1000",
                         "JOURNEYS_PAYMENTS_SECRET_KEY=sk_test_cancel", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        standin_stop(&pay);
        smtp_stop(&mail);
        return check_done();
    }
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "echo 'staff-password-1' | \"${BUILD:-build}\"/journeys user add staff@example.org "
                        "--name 'Sam Staff' --role staff", &out) == 0);
    buf_reset(&out);
    CHECK(stack_run(&s, "echo 'coach-password-1' | \"${BUILD:-build}\"/journeys user add coach@example.org "
                        "--name 'Cody Coach' --role coach", &out) == 0);
    buf_free(&out);
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
    browser staff;
    browser_open(&staff, &s);
    CHECK(sign_in(&staff, "staff%40example.org", "staff-password-1") == 303);

    /* The coach facilitates demo-su and demo-gp: still no staff pages. */
    CHECK(q_exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach',"
                 " unixepoch() FROM offerings o, users u WHERE o.code IN ('demo-su', 'demo-gp')"
                 " AND u.email = ?1", "coach@example.org") == 0);
    test_roles();
    test_ics_edit(&staff);
    test_cancel_with_refunds(&staff);
    test_race();
    test_provider_down(&staff);

    browser_close(&staff);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    standin_stop(&pay);
    smtp_stop(&mail);
    return check_done();
}
