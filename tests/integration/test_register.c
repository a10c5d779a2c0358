/*
** test_register.c: from the catalog to a paid seat, through real nginx, a
** real SMTP server and the payment provider stand-in: sign-up and CSRF,
** session fixation, card payment settled by the signed webhook (forged,
** expired, replayed and tampered events refused or ignored), the return
** page before the webhook, waivers, twenty concurrent registrations for the
** last seat, the waitlist offer, cancellation, refunds, and the mail each
** step sends.
*/
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "browser.h"
#include "check.h"
#include "db.h"
#include "harness.h"
#include "testkit.h"
#include "smtp.h"
#include "standin.h"
#include "store_outbox.h"

#define SECRET "whsec_test_register"

static stack s;
static standin pay;
static smtp_server mail;

/* The site's outbox, read from its database (a connection of our own). */
static db *outbox_db(void)
{
    static db *d;
    if (!d)
        d = tk_site_db(&s);
    return d;
}

/* 1 once nothing is left in the outbox to send: every message is sent or
** has failed for good (the jobs process has done what it will do). */
/* harness_wait: whether the stand-in has received the community invite
** API call for the address arg. */
static int invited(void *arg)
{
    buf inv = BUF_INIT;
    standin_call(&pay, "GET", "/_test/invites", NULL, &inv);
    int got = strstr(buf_str(&inv), (const char *)arg) != NULL;
    buf_free(&inv);
    return got;
}

static int outbox_settled(void *unused)
{
    (void)unused;
    db *d = outbox_db();
    json_t *c = d ? outbox_counts(d) : NULL;
    int settled = c && json_integer_value(json_object_get(c, "queued")) == 0;
    json_decref(c);
    return settled;
}

/* What the SMTP-down test waits for: the outbox mail rows for one address. */
struct attempts_wait {
    const char *recipient;
    int rows;      /* at least this many rows for the recipient... */
    int attempts;  /* ...each with at least this many failed attempts */
};

/* 1 once the wait's condition holds, from the staff list of problems. */
static int attempts_reached(void *arg)
{
    struct attempts_wait *w = arg;
    db *d = outbox_db();
    json_t *pr = d ? outbox_problems(d) : NULL;
    int rows = 0;
    size_t i;
    json_t *o;
    json_array_foreach(pr, i, o) {
        const char *to = json_string_value(json_object_get(o, "recipient"));
        const char *kind = json_string_value(json_object_get(o, "kind"));
        if (to && kind && !strcmp(to, w->recipient) && !strcmp(kind, "mail") &&
            json_integer_value(json_object_get(o, "attempts")) >= w->attempts)
            rows++;
    }
    json_decref(pr);
    return rows >= w->rows;
}

/* The checkout session id in a stand-in /pay/<id> URL (malloc'd). */
static char *session_of(const char *url)
{
    const char *p = strstr(url, "/pay/");
    return strdup(p ? p + 5 : "");
}

/* Register b for code with form fields (method, code); returns the answer. */
static http_res register_for(browser *b, const char *code, const char *form)
{
    char page[128];
    snprintf(page, sizeof page, "/offerings/%s/register", code);
    http_res r;
    browser_submit(b, page, page, form, &r);
    return r;
}

/* Register b for an offering by card; returns the checkout session id the
** browser is sent to (malloc'd; "" if none). */
static char *card_checkout(browser *b, const char *code)
{
    http_res r = register_for(b, code, "method=card&code=");
    CHECK(r.status == 303);
    char *to = http_res_location(&r);
    http_res_free(&r);
    CHECK_CONTAINS(to, standin_base(&pay));
    char *sid = session_of(to);
    free(to);
    return sid;
}

/* Forms without the right token are refused, and nothing is written. */
static void test_csrf(void)
{
    browser b;
    browser_open(&b, &s);
    http_res r;
    browser_post(&b, "/signup", "name=Mallory&email=m%40example.org&password=correct-horse-battery&time_zone=UTC", &r);
    CHECK(r.status == 403);
    CHECK_CONTAINS(buf_str(&r.body), "did not come from this site");
    http_res_free(&r);
    browser_get(&b, "/signup", &r);
    http_res_free(&r);
    browser_post(&b, "/signup", "name=Mallory&email=m%40example.org&password=correct-horse-battery&time_zone=UTC"
                                "&csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r);
    CHECK(r.status == 403);
    http_res_free(&r);
    /* Nothing was created: signing in as Mallory fails. */
    browser_submit(&b, "/signin", "/signin", "email=m%40example.org&password=correct-horse-battery", &r);
    CHECK(r.status == 422);
    http_res_free(&r);
    /* A name that tries to carry a header is refused with a message. */
    browser_submit(&b, "/signup", "/signup", "name=Eve%0D%0ABcc%3A+x%40evil.org&email=eve%40example.org"
                   "&password=correct-horse-battery&time_zone=UTC", &r);
    CHECK(r.status == 422);
    CHECK_CONTAINS(buf_str(&r.body), "one line");
    http_res_free(&r);
    browser_close(&b);
}

/* A session id planted before sign-in is never the one used after. */
static void test_session_fixation(void)
{
    browser b;
    browser_open(&b, &s);
    const char *planted = "PLANTEDPLANTEDPLANTEDPLANTEDPLANTEDPLANTED1";
    browser_set_cookie(&b, "journeys_session", planted);
    CHECK(browser_sign_up(&b, "Fay+Fixation", "fay%40example.org") == 303);
    char *now = browser_cookie(&b, "journeys_session");
    CHECK(now && strlen(now) == 43 && strcmp(now, planted));
    free(now);
    http_res r;
    browser_get(&b, "/my", &r);
    CHECK(r.status == 200);
    http_res_free(&r);
    /* Signing out ends the session: /my asks to sign in again. */
    browser_submit(&b, "/my", "/signout", "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(&b, "/my", &r);
    CHECK(r.status == 303);
    char *l = http_res_location(&r);
    CHECK_CONTAINS(l, "/signin?next=");
    free(l);
    http_res_free(&r);
    browser_close(&b);
}

/* Card payment: checkout, webhook, confirmation, receipt, invitation;
** replays and forgeries change nothing. Returns the session id. */
static char *test_card_payment(browser *b)
{
    CHECK(browser_sign_up(b, "Ada+Lovelace", "ada%40example.org") == 303);
    CHECK(smtp_wait_mail(&mail, "Confirm your e-mail address", 1));
    char *sid = card_checkout(b, "demo-pv");
    http_res r;
    browser_get(b, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Awaiting payment");
    http_res_free(&r);

    char path[256];
    snprintf(path, sizeof path, "/_test/complete/%s?send=1", sid);
    CHECK(standin_call(&pay, "POST", path, "", NULL) == 200);
    browser_get(b, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Registered");
    CHECK_CONTAINS(buf_str(&r.body), "Paid");
    http_res_free(&r);
    CHECK(smtp_wait_mail(&mail, "You're registered", 1));
    CHECK(smtp_wait_mail(&mail, "filename=\"offering.ics\"", 1));
    CHECK(smtp_wait_mail(&mail, "Receipt:", 1));
    CHECK(smtp_wait_mail(&mail, "Your invitation to the member community", 1));
    /* the invitation's API call is its own outbox row: wait for it to land */
    CHECK(harness_wait(invited, "ada@example.org", 15000));
    buf inv = BUF_INIT;
    standin_call(&pay, "GET", "/_test/invites", NULL, &inv);
    CHECK_CONTAINS(buf_str(&inv), "ada@example.org");
    buf_free(&inv);

    /* The same event again: acknowledged, applied once. */
    buf events = BUF_INIT;
    standin_call(&pay, "GET", "/_test/events", NULL, &events);
    const char *e = strstr(buf_str(&events), "\"evt_");
    char evt[64] = "";
    if (e)
        snprintf(evt, sizeof evt, "%.*s", (int)strcspn(e + 1, "\""), e + 1);
    buf_free(&events);
    CHECK(evt[0] != '\0');
    snprintf(path, sizeof path, "/_test/resend/%s", evt);
    int confirmations = smtp_mail_count(&mail, "filename=\"offering.ics\""), receipts = smtp_mail_count(&mail, "Receipt:");
    CHECK(confirmations == 1);
    CHECK(standin_call(&pay, "POST", path, "", NULL) == 200);
    /* The webhook was answered: anything it queued is in the outbox; wait
       until the jobs process has sent all there is. */
    CHECK(harness_wait(outbox_settled, NULL, 15000));
    CHECK(smtp_mail_count(&mail, "filename=\"offering.ics\"") == confirmations);
    CHECK(smtp_mail_count(&mail, "Receipt:") == receipts);

    /* Forged and expired signatures are refused. */
    char body[512];
    buf out = BUF_INIT;
    snprintf(body, sizeof body, "{\"type\":\"checkout.session.completed\",\"session\":\"%s\",\"sign\":\"bad\"}", sid);
    standin_call(&pay, "POST", "/_test/send", body, &out);
    CHECK_CONTAINS(buf_str(&out), "400");
    buf_reset(&out);
    snprintf(body, sizeof body, "{\"type\":\"checkout.session.completed\",\"session\":\"%s\",\"sign\":\"expired\"}", sid);
    standin_call(&pay, "POST", "/_test/send", body, &out);
    CHECK_CONTAINS(buf_str(&out), "400");
    buf_reset(&out);
    snprintf(body, sizeof body, "{\"type\":\"checkout.session.completed\",\"session\":\"%s\",\"sign\":\"none\"}", sid);
    standin_call(&pay, "POST", "/_test/send", body, &out);
    CHECK_CONTAINS(buf_str(&out), "400");
    buf_free(&out);
    /* An expiry arriving after the payment (out of order) changes nothing. */
    snprintf(body, sizeof body, "{\"type\":\"checkout.session.expired\",\"session\":\"%s\",\"sign\":\"good\"}", sid);
    standin_call(&pay, "POST", "/_test/send", body, NULL);
    http_res late;
    browser_get(b, "/my", &late);
    CHECK_CONTAINS(buf_str(&late.body), "Paid");
    http_res_free(&late);
    /* A malformed body with no signature at all. */
    http_res w;
    http_do(&s, "POST", "/webhooks/payments", "not json", (const char *[]){"Content-Type: application/json", NULL}, &w);
    CHECK(w.status == 400);
    http_res_free(&w);
    return sid;
}

/* The registration page of someone already registered shows where they
** stand and the way on, never the payment form again. */
static void test_register_page_registered(browser *b)
{
    http_res r;
    browser_get(b, "/offerings/demo-pv/register", &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "You're registered");
    CHECK_CONTAINS(buf_str(&r.body), "Open My courses");
    CHECK_CONTAINS(buf_str(&r.body), "/receipt\"");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/offerings/demo-pv.ics\"");
    CHECK(strstr(buf_str(&r.body), "name=\"method\"") == NULL);
    CHECK(strstr(buf_str(&r.body), "How will you pay?") == NULL);
    http_res_free(&r);
}

/* A tampered amount is refused even with a good signature. */
static void test_tampered_amount(void)
{
    browser b;
    browser_open(&b, &s);
    CHECK(browser_sign_up(&b, "Tam+Per", "tam%40example.org") == 303);
    char *sid = card_checkout(&b, "demo-lm");
    http_res r;
    char body[512];
    snprintf(body, sizeof body, "{\"type\":\"checkout.session.completed\",\"session\":\"%s\",\"sign\":\"good\","
             "\"overrides\":{\"amount_total\":100,\"payment_status\":\"paid\",\"status\":\"complete\"}}", sid);
    buf out = BUF_INIT;
    standin_call(&pay, "POST", "/_test/send", body, &out);
    buf_free(&out);
    browser_get(&b, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Awaiting payment");
    CHECK(strstr(buf_str(&r.body), ">Registered<") == NULL);
    http_res_free(&r);
    /* Back on the registration page: the way on is the payment, not a second form. */
    browser_get(&b, "/offerings/demo-lm/register", &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Continue to payment");
    CHECK_CONTAINS(buf_str(&r.body), "/pay\"");
    CHECK(strstr(buf_str(&r.body), "name=\"method\"") == NULL);
    http_res_free(&r);
    free(sid);
    browser_close(&b);
}

/* Back from the provider before its webhook: the return page asks it. */
static void test_return_before_webhook(void)
{
    browser b;
    browser_open(&b, &s);
    CHECK(browser_sign_up(&b, "Reese+Return", "reese%40example.org") == 303);
    char *sid = card_checkout(&b, "demo-al");
    http_res r;
    char path[256];
    snprintf(path, sizeof path, "/_test/complete/%s?send=0", sid);
    CHECK(standin_call(&pay, "POST", path, "", NULL) == 200);
    snprintf(path, sizeof path, "/checkout/return?session_id=%s", sid);
    browser_get(&b, path, &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "registered");
    http_res_free(&r);
    browser_get(&b, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Paid");
    http_res_free(&r);
    /* Someone else cannot look at it. */
    browser other;
    browser_open(&other, &s);
    browser_sign_up(&other, "Nosy+Neighbour", "nosy%40example.org");
    browser_get(&other, path, &r);
    CHECK(r.status == 404);
    http_res_free(&r);
    browser_close(&other);
    free(sid);
    browser_close(&b);
}

struct racer {
    browser b;
    char csrf[64];
    long status;
    char where[256];
};

/* One of the twenty: post the registration form at once. */
static void *race(void *arg)
{
    struct racer *x = arg;
    char form[256];
    snprintf(form, sizeof form, "method=card&code=FULLWAIVE&csrf=%s", x->csrf);
    http_res r;
    browser_post(&x->b, "/offerings/demo-gp/register", form, &r);
    x->status = r.status;
    char *l = http_res_location(&r);
    snprintf(x->where, sizeof x->where, "%s", l);
    free(l);
    http_res_free(&r);
    return NULL;
}

/* Twenty people, one seat: exactly one gets it, the rest wait. Then a
** cancellation offers the seat to the first in line. */
static void test_last_seat(browser *staff)
{
    http_res r;
    browser_submit(staff, "/staff/codes", "/staff/codes", "code=FULLWAIVE&offering=demo-gp&percent_off=100&max_uses=&expires_on=", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    /* Two seats of three go first. */
    browser early[2];
    for (int i = 0; i < 2; i++) {
        browser_open(&early[i], &s);
        char name[64], email[64];
        snprintf(name, sizeof name, "Early+%d", i);
        snprintf(email, sizeof email, "early%d%%40example.org", i);
        CHECK(browser_sign_up(&early[i], name, email) == 303);
        r = register_for(&early[i], "demo-gp", "method=card&code=FULLWAIVE");
        CHECK(r.status == 303);
        http_res_free(&r);
    }
    static struct racer racers[20];
    for (int i = 0; i < 20; i++) {
        browser_open(&racers[i].b, &s);
        char name[64], email[64];
        snprintf(name, sizeof name, "Racer+%d", i);
        snprintf(email, sizeof email, "racer%d%%40example.org", i);
        browser_sign_up(&racers[i].b, name, email);
        browser_get(&racers[i].b, "/offerings/demo-gp/register", &r);
        char *c = browser_csrf(&r);
        snprintf(racers[i].csrf, sizeof racers[i].csrf, "%s", c);
        free(c);
        http_res_free(&r);
    }
    pthread_t t[20];
    for (int i = 0; i < 20; i++)
        pthread_create(&t[i], NULL, race, &racers[i]);
    for (int i = 0; i < 20; i++)
        pthread_join(t[i], NULL);
    int won = 0, waiting = 0;
    for (int i = 0; i < 20; i++) {
        CHECK(racers[i].status == 303);
        browser_get(&racers[i].b, "/my", &r);
        if (strstr(buf_str(&r.body), "On the waitlist"))
            waiting++;
        else if (strstr(buf_str(&r.body), "Registered"))
            won++;
        http_res_free(&r);
    }
    CHECK(won == 1);
    CHECK(waiting == 19);

    /* An early registrant cancels: the first in line is offered the seat. */
    browser_get(&early[0], "/my", &r);
    const char *p = strstr(buf_str(&r.body), "/registrations/");
    char action[128] = "";
    if (p)
        snprintf(action, sizeof action, "%.*s", (int)strcspn(p, "\""), p);
    http_res_free(&r);
    char *cancel = strstr(action, "/cancel") ? strdup(action) : NULL;
    if (!cancel) {
        size_t n = strcspn(action + 15, "/");
        char tmp[128];
        snprintf(tmp, sizeof tmp, "/registrations/%.*s/cancel", (int)n, action + 15);
        cancel = strdup(tmp);
    }
    browser_submit(&early[0], "/my", cancel, "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    free(cancel);
    CHECK(smtp_wait_mail(&mail, "A seat is free", 1));
    int offered = 0;
    for (int i = 0; i < 20; i++) {
        browser_get(&racers[i].b, "/my", &r);
        offered += strstr(buf_str(&r.body), "A seat is offered to you") != NULL;
        http_res_free(&r);
    }
    CHECK(offered == 1);
    /* Their registration pages say what happens next instead of the form. */
    int told_waiting = 0, told_offered = 0;
    for (int i = 0; i < 20; i++) {
        browser_get(&racers[i].b, "/offerings/demo-gp/register", &r);
        const char *body = buf_str(&r.body);
        CHECK(strstr(body, "Join the waitlist</button>") == NULL);
        if (strstr(body, "You're on the waitlist") && strstr(body, "Leave the waitlist"))
            told_waiting++;
        if (strstr(body, "Accept the seat") && strstr(body, "/decline\"") && strstr(body, "/accept\""))
            told_offered++;
        http_res_free(&r);
    }
    CHECK(told_offered == 1);
    CHECK(told_waiting == 18);
    for (int i = 0; i < 20; i++)
        browser_close(&racers[i].b);
    for (int i = 0; i < 2; i++)
        browser_close(&early[i]);
}

/* Staff refund the card payment in full: access to that offering goes. */
static void test_refund(browser *staff, browser *ada)
{
    http_res r;
    browser_get(staff, "/staff/offerings/demo-pv", &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "ada@example.org");
    const char *p = strstr(buf_str(&r.body), "/staff/registrations/");
    char action[128] = "";
    if (p)
        snprintf(action, sizeof action, "%.*s", (int)strcspn(p, "\""), p);
    http_res_free(&r);
    char *slash = strrchr(action, '/');
    if (slash)
        strcpy(slash, "/refund");
    browser_submit(staff, "/staff/offerings/demo-pv", action, "amount=20.00", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_submit(staff, "/staff/offerings/demo-pv", action, "amount=99.00", &r);
    CHECK(r.status == 422);
    http_res_free(&r);
    browser_submit(staff, "/staff/offerings/demo-pv", action, "amount=30.00", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(ada, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Refunded");
    http_res_free(&r);
    CHECK(smtp_wait_mail(&mail, "We have refunded", 2));
    buf reqs = BUF_INIT;
    standin_call(&pay, "GET", "/_test/requests", NULL, &reqs);
    CHECK_CONTAINS(buf_str(&reqs), "/v1/refunds");
    CHECK_CONTAINS(buf_str(&reqs), "\"idempotency_key\": \"journeys-refund-");
    buf_free(&reqs);
    browser_get(staff, "/staff/offerings/demo-pv", &r);
    CHECK_CONTAINS(buf_str(&r.body), "payment.refunded");
    http_res_free(&r);
    /* A participant cannot reach the staff console. */
    browser_get(ada, "/staff", &r);
    CHECK(r.status == 403);
    http_res_free(&r);
}

/* Mail queued while the SMTP server is down arrives, once, when it is back. */
static void test_smtp_down(browser *staff)
{
    http_res r;
    browser_submit(staff, "/staff/codes", "/staff/codes",
                   "code=OUTAGE-FREE&offering=demo-su&percent_off=100&max_uses=&expires_on=", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(smtp_pause(&mail) == 0);
    browser b;
    browser_open(&b, &s);
    CHECK(browser_sign_up(&b, "Olga+Outage", "olga%40example.org") == 303);
    r = register_for(&b, "demo-su", "method=card&code=OUTAGE-FREE");
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(&b, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Fee waived");
    http_res_free(&r);
    /* Several delivery attempts fail meanwhile: the address check and the
       confirmation each fail twice. */
    struct attempts_wait w = {"olga@example.org", 2, 2};
    CHECK(harness_wait(attempts_reached, &w, 20000));
    CHECK(smtp_mail_count(&mail, "olga@example.org") == 0);
    CHECK(smtp_resume(&mail) == 0);
    /* verify, confirmed, community: three messages, each once. */
    CHECK(smtp_wait_mail(&mail, "To: \"Olga Outage\" <olga@example.org>", 3));
    CHECK(harness_wait(outbox_settled, NULL, 15000));
    CHECK(smtp_mail_count(&mail, "To: \"Olga Outage\" <olga@example.org>") == 3);
    browser_close(&b);
}

/* An abandoned checkout the provider expires gives the seat back. */
static void test_checkout_expired(void)
{
    browser b;
    browser_open(&b, &s);
    CHECK(browser_sign_up(&b, "Abe+Abandon", "abe%40example.org") == 303);
    char *sid = card_checkout(&b, "demo-lm");
    http_res r;
    char body[256];
    snprintf(body, sizeof body, "{\"type\":\"checkout.session.expired\",\"session\":\"%s\",\"sign\":\"good\","
             "\"overrides\":{\"status\":\"expired\"}}", sid);
    buf out = BUF_INIT;
    standin_call(&pay, "POST", "/_test/send", body, &out);
    buf_free(&out);
    browser_get(&b, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Expired");
    http_res_free(&r);
    free(sid);
    browser_close(&b);
}

/* A member school that is invoiced: a numbered invoice goes to its billing
** contact, the seat is confirmed at once (the default invoice_confirm),
** staff mark the invoice paid later. */
static void test_invoice(browser *staff)
{
    browser b;
    browser_open(&b, &s);
    char form[512];
    snprintf(form, sizeof form, "name=Ivy+Invoice&email=ivy%%40example.org&password=correct-horse-battery"
             "&time_zone=UTC&school_id=1&next=%%2Fmy");
    http_res r;
    browser_submit(&b, "/signup", "/signup", form, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    r = register_for(&b, "demo-al", "method=invoice&code=");
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(&b, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Invoiced to your school");
    http_res_free(&r);
    CHECK(smtp_wait_mail(&mail, "ivy@example.org", 3));
    /* The school's billing contact gets a numbered invoice with its details. */
    CHECK(smtp_wait_mail(&mail, "<finance@juniper.example>", 1));
    CHECK(smtp_wait_mail(&mail, "Invoice INV-", 1));
    CHECK(smtp_wait_mail(&mail, "Juniper Hollow Upper School", 1));
    browser_get(staff, "/staff/offerings/demo-al", &r);
    const char *p = strstr(buf_str(&r.body), "/paid\"");
    char action[128] = "";
    if (p) {
        const char *q = p;
        while (q > buf_str(&r.body) && *q != '"')
            q--;
        snprintf(action, sizeof action, "%.*s", (int)(p + 5 - q - 1), q + 1);
    }
    http_res_free(&r);
    CHECK(action[0] == '/');
    browser_submit(staff, "/staff/offerings/demo-al", action, "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(&b, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Paid (");
    http_res_free(&r);
    /* A participant whose school is not invoiced cannot choose it. */
    browser other;
    browser_open(&other, &s);
    browser_sign_up(&other, "Carl+Card", "carl%40example.org");
    r = register_for(&other, "demo-al", "method=invoice&code=");
    CHECK(r.status == 422);
    http_res_free(&r);
    browser_close(&other);
    browser_close(&b);
}

/* The links in e-mails: confirm the address, then change it (re-verified
** through a link to the new address, confirmed with a POST). */
static void test_email_links(void)
{
    browser b;
    browser_open(&b, &s);
    CHECK(browser_sign_up(&b, "Lina+Links", "lina%40example.org") == 303);
    CHECK(smtp_wait_mail(&mail, "lina@example.org", 1));
    char *link = smtp_mail_link(&mail, "/verify?token=");
    CHECK(link != NULL);
    http_res r;
    if (link) {
        browser_submit(&b, link, "/verify", strchr(link, '?') + 1, &r);
        CHECK(r.status == 200);
        CHECK_CONTAINS(buf_str(&r.body), "Address confirmed");
        http_res_free(&r);
        browser_submit(&b, link, "/verify", strchr(link, '?') + 1, &r); /* once only */
        CHECK(r.status == 400);
        http_res_free(&r);
    }
    free(link);
    browser_submit(&b, "/account", "/account/email", "email=lina.new%40example.org&password=correct-horse-battery", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(smtp_wait_mail(&mail, "lina.new@example.org", 1));
    link = smtp_mail_link(&mail, "/account/email/confirm?token=");
    CHECK(link != NULL);
    if (link) {
        browser_get(&b, link, &r); /* looking changes nothing */
        CHECK(r.status == 200);
        http_res_free(&r);
        browser_get(&b, "/account", &r);
        CHECK_CONTAINS(buf_str(&r.body), "lina@example.org");
        http_res_free(&r);
        browser_submit(&b, link, "/account/email/confirm", strchr(link, '?') + 1, &r);
        CHECK(r.status == 200);
        CHECK_CONTAINS(buf_str(&r.body), "Address changed");
        http_res_free(&r);
    }
    free(link);
    browser_get(&b, "/account", &r);
    CHECK_CONTAINS(buf_str(&r.body), "lina.new@example.org");
    http_res_free(&r);
    browser_close(&b);
}

int main(void)
{
    int port = harness_free_port();
    char webhook[128], pe[96], env_port[32];
    snprintf(webhook, sizeof webhook, "http://127.0.0.1:%d/webhooks/payments", port);
    snprintf(env_port, sizeof env_port, "%d", port);
    setenv("STACK_PORT", env_port, 1);
    if (smtp_start(&mail) != 0 || standin_start(&pay, webhook, SECRET) != 0) {
        CHECK(!"the SMTP server and the payment stand-in start");
        return check_done();
    }
    static char e1[160], e2[160], e3[160], e4[160], e5[160];
    snprintf(e1, sizeof e1, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    snprintf(e2, sizeof e2, "JOURNEYS_PAYMENTS_API_BASE=%s", standin_base(&pay));
    snprintf(e3, sizeof e3, "JOURNEYS_PAYMENTS_CHECKOUT_ORIGIN=%s", standin_base(&pay));
    snprintf(e4, sizeof e4, "JOURNEYS_COMMUNITY_API_URL=%s", standin_base(&pay));
    snprintf(e5, sizeof e5, "JOURNEYS_PAYMENTS_WEBHOOK_SECRET=%s", SECRET);
    (void)pe;
    const char *env[] = {e1, e2, e3, e4, e5, "JOURNEYS_JOBS_INTERVAL=1", "JOURNEYS_MAIL_RETRY_SECONDS=1", "JOURNEYS_COMMUNITY_API_KEY=test-key",
                         "JOURNEYS_PAYMENTS_SECRET_KEY=sk_test_register", NULL};
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
    buf_free(&out);
    browser staff, ada;
    browser_open(&staff, &s);
    http_res r;
    browser_submit(&staff, "/signin", "/signin", "email=staff%40example.org&password=staff-password-1&next=%2Fstaff", &r);
    CHECK(r.status == 303);
    http_res_free(&r);

    test_csrf();
    test_session_fixation();
    browser_open(&ada, &s);
    char *sid = test_card_payment(&ada);
    free(sid);
    test_register_page_registered(&ada);
    test_tampered_amount();
    test_return_before_webhook();
    test_last_seat(&staff);
    test_refund(&staff, &ada);
    test_checkout_expired();
    test_invoice(&staff);
    test_email_links();
    test_smtp_down(&staff);

    browser_close(&ada);
    browser_close(&staff);
    db_close(outbox_db());
    CHECK(stack_stop(&s) == 0);
    standin_stop(&pay);
    smtp_stop(&mail);
    return check_done();
}
