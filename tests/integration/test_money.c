/*
** test_money.c: money and seats under races and failures, through real
** nginx, a real SMTP server and the payment provider stand-in. A code's
** usage limit holds for card payments; accept, decline and the jobs sweep
** race for one offer and at most one wins; staff waiving an open checkout
** expires it at the provider and a payment that still arrives is refunded;
** two racing refunds give one refund and an "already refunded" answer; a
** refund the provider refuses leaves a visible record; a failed insert is
** not taken for "already registered".
**
** The database is read directly (sqlite3, as a second connection) to check
** state the pages do not show, such as a code's uses or queued mail.
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"
#include "sqlq.h"
#include "smtp.h"
#include "standin.h"

#define SECRET "whsec_test_money"

static stack s;
static standin pay;
static smtp_server mail;
static sqlite3 *dbh;
#define q_int(sql, p) sqlq_int(dbh, sql, p)

/* Sleep ms milliseconds (only between polls of a state). */
static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Run sql with text parameter p; 0 or -1. */
static int q_exec(const char *sql, const char *p)
{
    return tk_exec(dbh, sql, p, NULL) == 0 ? 0 : -1;
}

/* Sign in b as email (password as in sign_up). */
static long sign_in(browser *b, const char *email)
{
    char form[256];
    snprintf(form, sizeof form, "email=%s&password=correct-horse-battery&next=%%2Fmy", email);
    http_res r;
    browser_submit(b, "/signin", "/signin", form, &r);
    long st = r.status;
    http_res_free(&r);
    return st;
}

/* Register b for code with form fields; returns the answer. */
static http_res register_for(browser *b, const char *code, const char *form)
{
    char page[128];
    snprintf(page, sizeof page, "/offerings/%s/register", code);
    http_res r;
    browser_submit(b, page, page, form, &r);
    return r;
}

/* The id of the newest registration of the user with e-mail email. */
static long long reg_of(const char *email)
{
    return q_int("SELECT e.id FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = ?1"
                 " ORDER BY e.id DESC LIMIT 1", email);
}

/* The status of registration id. */
static const char *reg_status(long long id, char *out, size_t n)
{
    sqlite3_stmt *st;
    snprintf(out, n, "?");
    if (sqlite3_prepare_v2(dbh, "SELECT status || '/' || payment_status FROM enrolments WHERE id = ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    return out;
}

/* Create a code as staff. */
static void make_code(browser *staff, const char *form)
{
    http_res r;
    browser_submit(staff, "/staff/codes", "/staff/codes", form, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
}

/* The checkout session id in a stand-in /pay/<id> URL (malloc'd). */
static char *session_of(const char *url)
{
    const char *p = strstr(url, "/pay/");
    return strdup(p ? p + 5 : "");
}

/* A one-use 50% code, three people paying by card: one holds the code;
** the others are told it is used up. Cancelling the hold releases it. */
static void test_code_limit(void)
{
    browser b[3];
    long st[3];
    char *to[3];
    for (int i = 0; i < 3; i++) {
        browser_open(&b[i], &s);
        char name[64], email[64];
        snprintf(name, sizeof name, "Coda+%d", i);
        snprintf(email, sizeof email, "coda%d%%40example.org", i);
        CHECK(browser_sign_up(&b[i], name, email) == 303);
        http_res r = register_for(&b[i], "demo-pv", "method=card&code=HALFONCE");
        st[i] = r.status;
        to[i] = http_res_location(&r);
        http_res_free(&r);
    }
    CHECK(st[0] == 303);
    CHECK_CONTAINS(to[0], standin_base(&pay));
    for (int i = 1; i < 3; i++) {
        CHECK(st[i] == 422);
        CHECK(strstr(to[i], standin_base(&pay)) == NULL);
    }
    CHECK(q_int("SELECT uses FROM codes WHERE code = ?1", "HALFONCE") == 1);
    /* Paying for the one hold keeps the count at one. */
    char *sid = session_of(to[0]);
    char path[256];
    snprintf(path, sizeof path, "/_test/complete/%s?send=1", sid);
    CHECK(standin_call(&pay, "POST", path, "", NULL) == 200);
    char buf1[64];
    long long id0 = reg_of("coda0@example.org");
    for (int i = 0; i < 100 && strcmp(reg_status(id0, buf1, sizeof buf1), "active/paid"); i++)
        nap(50);
    CHECK_STR(reg_status(id0, buf1, sizeof buf1), "active/paid");
    CHECK(q_int("SELECT uses FROM codes WHERE code = ?1", "HALFONCE") == 1);
    free(sid);

    /* A card hold with a code that is cancelled gives the use back. */
    browser c;
    browser_open(&c, &s);
    CHECK(browser_sign_up(&c, "Cora+Cancel", "cora%40example.org") == 303);
    http_res r = register_for(&c, "demo-lm", "method=card&code=LMONCE");
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT uses FROM codes WHERE code = ?1", "LMONCE") == 1);
    long long cid = reg_of("cora@example.org");
    char cancel[128];
    snprintf(cancel, sizeof cancel, "/registrations/%lld/cancel", cid);
    browser_submit(&c, "/my", cancel, "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT uses FROM codes WHERE code = ?1", "LMONCE") == 0);
    /* A hold that lapses gives it back too (the jobs sweep). */
    browser d;
    browser_open(&d, &s);
    CHECK(browser_sign_up(&d, "Lars+Lapse", "lars%40example.org") == 303);
    r = register_for(&d, "demo-lm", "method=card&code=LMONCE");
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT uses FROM codes WHERE code = ?1", "LMONCE") == 1);
    long long did = reg_of("lars@example.org");
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", did);
    CHECK(q_exec("UPDATE enrolments SET hold_until = unixepoch() - 5 WHERE id = ?1", ids) == 0);
    for (int i = 0; i < 100 && q_int("SELECT uses FROM codes WHERE code = ?1", "LMONCE") != 0; i++)
        nap(100);
    CHECK(q_int("SELECT uses FROM codes WHERE code = ?1", "LMONCE") == 0);
    CHECK_STR(reg_status(did, buf1, sizeof buf1), "expired/unpaid");
    browser_close(&d);
    browser_close(&c);
    for (int i = 0; i < 3; i++) {
        free(to[i]);
        browser_close(&b[i]);
    }
}

struct shot {
    browser b;
    char path[128], csrf[64];
    long status;
};

/* Post the action at once. */
static void *fire(void *arg)
{
    struct shot *x = arg;
    char form[128];
    snprintf(form, sizeof form, "csrf=%s", x->csrf);
    http_res r;
    browser_post(&x->b, x->path, form, &r);
    x->status = r.status;
    http_res_free(&r);
    return NULL;
}

/* Fire n shots together; returns how many answered 303. */
static int volley(struct shot *shots, int n)
{
    pthread_t t[16];
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, fire, &shots[i]);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    int won = 0;
    for (int i = 0; i < n; i++) {
        won += shots[i].status == 303;
        CHECK(shots[i].status == 303 || shots[i].status == 409);
    }
    return won;
}

/* Confirmation messages queued for email. */
static long long confirmations(const char *email)
{
    return q_int("SELECT count(*) FROM outbox WHERE recipient = ?1 AND subject LIKE 'You''re registered%'", email);
}

/* One seat, an offer: six accepts and two declines at once from the same
** person; then an offer that lapsed cannot be accepted. */
static void test_offer_races(browser *staff)
{
    CHECK(q_exec("UPDATE offerings SET capacity = 1 WHERE code = ?1", "demo-al") == 0);
    make_code(staff, "code=ALFREE&offering=demo-al&percent_off=100&max_uses=&expires_on=");
    browser first;
    browser_open(&first, &s);
    CHECK(browser_sign_up(&first, "Una+First", "una%40example.org") == 303);
    http_res r = register_for(&first, "demo-al", "method=card&code=ALFREE");
    CHECK(r.status == 303);
    http_res_free(&r);
    static struct shot shots[8];
    browser_open(&shots[0].b, &s);
    CHECK(browser_sign_up(&shots[0].b, "Wes+Waiting", "wes%40example.org") == 303);
    r = register_for(&shots[0].b, "demo-al", "method=card&code=ALFREE");
    CHECK(r.status == 303);
    http_res_free(&r);
    browser other;
    browser_open(&other, &s);
    CHECK(browser_sign_up(&other, "Vic+Waiting", "vic%40example.org") == 303);
    r = register_for(&other, "demo-al", "method=card&code=ALFREE");
    http_res_free(&r);
    long long wes = reg_of("wes@example.org"), vic = reg_of("vic@example.org"), una = reg_of("una@example.org");
    char st[64];
    CHECK_STR(reg_status(wes, st, sizeof st), "waitlisted/unpaid");
    /* Una cancels: Wes is offered the seat. */
    char path[128];
    snprintf(path, sizeof path, "/registrations/%lld/cancel", una);
    browser_submit(&first, "/my", path, "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK_STR(reg_status(wes, st, sizeof st), "offered/unpaid");
    for (int i = 1; i < 8; i++) {
        browser_open(&shots[i].b, &s);
        CHECK(sign_in(&shots[i].b, "wes%40example.org") == 303);
    }
    for (int i = 0; i < 8; i++) {
        browser_get(&shots[i].b, "/my", &r);
        char *c = browser_csrf(&r);
        snprintf(shots[i].csrf, sizeof shots[i].csrf, "%s", c ? c : "");
        free(c);
        http_res_free(&r);
        snprintf(shots[i].path, sizeof shots[i].path, "/registrations/%lld/%s", wes, i < 6 ? "accept" : "decline");
    }
    int won = volley(shots, 8);
    CHECK(won == 1);
    reg_status(wes, st, sizeof st);
    CHECK(!strcmp(st, "active/waived") || !strcmp(st, "cancelled/unpaid"));
    CHECK(confirmations("wes@example.org") == (!strcmp(st, "active/waived") ? 1 : 0));
    CHECK(q_int("SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id WHERE o.code = ?1"
                " AND e.status = 'active'", "demo-al") <= 1);
    /* Vic was offered the seat only if Wes declined: one invitation at most. */
    CHECK(q_int("SELECT count(*) FROM outbox WHERE recipient = ?1 AND subject LIKE 'A seat is free%'",
                "vic@example.org") == (!strcmp(st, "cancelled/unpaid") ? 1 : 0));

    /* A lapsed offer, not yet swept, cannot be accepted. */
    if (!strcmp(st, "active/waived")) {
        snprintf(path, sizeof path, "/registrations/%lld/cancel", wes);
        browser_submit(&shots[0].b, "/my", path, "", &r);
        CHECK(r.status == 303);
        http_res_free(&r);
    }
    CHECK_STR(reg_status(vic, st, sizeof st), "offered/unpaid");
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", vic);
    CHECK(q_exec("UPDATE enrolments SET offer_until = unixepoch() - 1 WHERE id = ?1", ids) == 0);
    snprintf(path, sizeof path, "/registrations/%lld/accept", vic);
    browser_submit(&other, "/my", path, "", &r);
    CHECK(r.status == 409);
    http_res_free(&r);
    CHECK(confirmations("vic@example.org") == 0);
    /* The sweep lapses it, and the seat stays free for the next person. */
    for (int i = 0; i < 100 && strcmp(reg_status(vic, st, sizeof st), "expired/unpaid"); i++)
        nap(100);
    CHECK_STR(st, "expired/unpaid");
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'registration.lapsed' AND subject = 'enrolment:' || ?1",
                ids) == 1);
    for (int i = 0; i < 8; i++)
        browser_close(&shots[i].b);
    browser_close(&other);
    browser_close(&first);
}

/* An offer that runs out within a second, accepted again and again from six
** sessions while the jobs sweep runs: either the accept or the lapse wins,
** never both, and there is one confirmation or none. */
static void test_accept_vs_sweep(browser *staff)
{
    CHECK(q_exec("UPDATE offerings SET capacity = 1 WHERE code = ?1", "demo-gp") == 0);
    make_code(staff, "code=GPFREE&offering=demo-gp&percent_off=100&max_uses=&expires_on=");
    browser first;
    browser_open(&first, &s);
    CHECK(browser_sign_up(&first, "Sol+Seat", "sol%40example.org") == 303);
    http_res r = register_for(&first, "demo-gp", "method=card&code=GPFREE");
    CHECK(r.status == 303);
    http_res_free(&r);
    static struct shot shots[6];
    browser_open(&shots[0].b, &s);
    CHECK(browser_sign_up(&shots[0].b, "Tia+Tight", "tia%40example.org") == 303);
    r = register_for(&shots[0].b, "demo-gp", "method=card&code=GPFREE");
    CHECK(r.status == 303);
    http_res_free(&r);
    long long sol = reg_of("sol@example.org"), tia = reg_of("tia@example.org");
    char path[128], st[64], ids[32];
    snprintf(path, sizeof path, "/registrations/%lld/cancel", sol);
    browser_submit(&first, "/my", path, "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK_STR(reg_status(tia, st, sizeof st), "offered/unpaid");
    for (int i = 1; i < 6; i++) {
        browser_open(&shots[i].b, &s);
        CHECK(sign_in(&shots[i].b, "tia%40example.org") == 303);
    }
    for (int i = 0; i < 6; i++) {
        browser_get(&shots[i].b, "/my", &r);
        char *c = browser_csrf(&r);
        snprintf(shots[i].csrf, sizeof shots[i].csrf, "%s", c ? c : "");
        free(c);
        http_res_free(&r);
        snprintf(shots[i].path, sizeof shots[i].path, "/registrations/%lld/accept", tia);
    }
    snprintf(ids, sizeof ids, "%lld", tia);
    CHECK(q_exec("UPDATE enrolments SET offer_until = unixepoch() + 1 WHERE id = ?1", ids) == 0);
    int won = 0, rounds = 0;
    while (!strcmp(reg_status(tia, st, sizeof st), "offered/unpaid") && rounds++ < 400)
        won += volley(shots, 6);
    /* Whatever happened, later accepts change nothing. */
    won += volley(shots, 6);
    reg_status(tia, st, sizeof st);
    CHECK(!strcmp(st, "active/waived") || !strcmp(st, "expired/unpaid"));
    int active = !strcmp(st, "active/waived");
    CHECK(won == active);
    CHECK(confirmations("tia@example.org") == active);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'registration.lapsed' AND subject = 'enrolment:' || ?1",
                ids) == !active);
    CHECK(q_int("SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id WHERE o.code = ?1"
                " AND e.status = 'active'", "demo-gp") <= 1);
    for (int i = 0; i < 6; i++)
        browser_close(&shots[i].b);
    browser_close(&first);
}

/* The newest link to the staff action "kind" for registration id. */
static void staff_action(char *out, size_t n, long long id, const char *kind)
{
    snprintf(out, n, "/staff/registrations/%lld/%s", id, kind);
}

/* Staff waive while a card checkout is open: the checkout is expired at the
** provider; a payment that still arrives is refunded and audited. */
static void test_waive_open_checkout(browser *staff)
{
    browser b;
    browser_open(&b, &s);
    CHECK(browser_sign_up(&b, "Wanda+Waive", "wanda%40example.org") == 303);
    http_res r = register_for(&b, "demo-su", "method=card&code=");
    CHECK(r.status == 303);
    char *to = http_res_location(&r);
    http_res_free(&r);
    char *sid = session_of(to);
    free(to);
    long long id = reg_of("wanda@example.org");
    char action[128], path[256];
    staff_action(action, sizeof action, id, "waive");
    browser_submit(staff, "/staff/offerings/demo-su", action, "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    char st[64];
    CHECK_STR(reg_status(id, st, sizeof st), "active/waived");
    buf out = BUF_INIT;
    standin_call(&pay, "GET", "/_test/requests", NULL, &out);
    snprintf(path, sizeof path, "\"path\": \"/v1/checkout/sessions/%s/expire\"", sid);
    CHECK_CONTAINS(buf_str(&out), path);
    buf_free(&out);
    free(sid);

    /* Paid at the provider in the same moment as the waiver. */
    browser c;
    browser_open(&c, &s);
    CHECK(browser_sign_up(&c, "Pat+Late", "pat%40example.org") == 303);
    r = register_for(&c, "demo-su", "method=card&code=");
    CHECK(r.status == 303);
    to = http_res_location(&r);
    http_res_free(&r);
    sid = session_of(to);
    free(to);
    snprintf(path, sizeof path, "/_test/complete/%s?send=0", sid);
    out = (buf)BUF_INIT;
    CHECK(standin_call(&pay, "POST", path, "", &out) == 200);
    const char *e = strstr(buf_str(&out), "\"event\": \"");
    char evt[64] = "";
    if (e)
        snprintf(evt, sizeof evt, "%.*s", (int)strcspn(e + 10, "\""), e + 10);
    buf_free(&out);
    CHECK(evt[0] != '\0');
    id = reg_of("pat@example.org");
    staff_action(action, sizeof action, id, "waive");
    browser_submit(staff, "/staff/offerings/demo-su", action, "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    snprintf(path, sizeof path, "/_test/resend/%s", evt);
    CHECK(standin_call(&pay, "POST", path, "", NULL) == 200);
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'payment.refunded-automatically'"
                " AND subject = 'enrolment:' || ?1", ids) == 1);
    CHECK(q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id WHERE p.enrolment_id = ?1"
                " AND f.status = 'done'", ids) == 1);
    CHECK_STR(reg_status(id, st, sizeof st), "active/waived");
    buf reqs = BUF_INIT;
    standin_call(&pay, "GET", "/_test/requests", NULL, &reqs);
    CHECK_CONTAINS(buf_str(&reqs), "/v1/refunds");
    buf_free(&reqs);
    free(sid);
    browser_close(&c);
    browser_close(&b);
}

/* A paid registration of a new participant on offering code; its id. */
static long long paid_registration(browser *b, const char *name, const char *email, const char *code)
{
    char enc[96];
    snprintf(enc, sizeof enc, "%s", email);
    char *at = strchr(enc, '@');
    char form_email[128];
    snprintf(form_email, sizeof form_email, "%.*s%%40%s", (int)(at - enc), enc, at + 1);
    CHECK(browser_sign_up(b, name, form_email) == 303);
    http_res r = register_for(b, code, "method=card&code=");
    CHECK(r.status == 303);
    char *to = http_res_location(&r);
    http_res_free(&r);
    char *sid = session_of(to);
    free(to);
    char path[256];
    snprintf(path, sizeof path, "/_test/complete/%s?send=1", sid);
    CHECK(standin_call(&pay, "POST", path, "", NULL) == 200);
    free(sid);
    long long id = reg_of(email);
    char st[64];
    for (int i = 0; i < 100 && strcmp(reg_status(id, st, sizeof st), "active/paid"); i++)
        nap(50);
    CHECK_STR(st, "active/paid");
    return id;
}

/* Two staff refund the whole payment at once: one refund, and the other
** is told it was already refunded. A refund the provider does not confirm
** stays pending, visible, and is asked for again; one it refuses leaves a
** failed record and the money where it was. */
static void test_refund_race(browser *staff)
{
    browser b;
    browser_open(&b, &s);
    long long id = paid_registration(&b, "Rita+Refund", "rita@example.org", "demo-pv");
    static struct shot shots[4];
    for (int i = 0; i < 4; i++) {
        browser_open(&shots[i].b, &s);
        http_res r;
        browser_submit(&shots[i].b, "/signin", "/signin",
                       "email=staff%40example.org&password=staff-password-1&next=%2Fstaff", &r);
        http_res_free(&r);
        browser_get(&shots[i].b, "/staff/offerings/demo-pv", &r);
        char *c = browser_csrf(&r);
        snprintf(shots[i].csrf, sizeof shots[i].csrf, "%s&amount=50.00", c ? c : "");
        free(c);
        http_res_free(&r);
        staff_action(shots[i].path, sizeof shots[i].path, id, "refund");
    }
    CHECK(volley(shots, 4) == 1);
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    CHECK(q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id WHERE p.enrolment_id = ?1",
                ids) == 1);
    CHECK(q_int("SELECT refunded_cents FROM payments WHERE enrolment_id = ?1 AND status = 'refunded'", ids) == 5000);
    /* The losers were told why. */
    http_res r;
    char action[128];
    staff_action(action, sizeof action, id, "refund");
    browser_submit(staff, "/staff/offerings/demo-pv", action, "amount=50.00", &r);
    CHECK(r.status == 409);
    CHECK_CONTAINS(buf_str(&r.body), "already refunded");
    http_res_free(&r);
    for (int i = 0; i < 4; i++)
        browser_close(&shots[i].b);

    /* The provider does not answer: the refund stays pending (its amount
    ** reserved, shown to staff) until the sweep asks again with the same
    ** key and it is made, once. */
    browser c;
    browser_open(&c, &s);
    long long id2 = paid_registration(&c, "Fred+Fail", "fred@example.org", "demo-pv");
    CHECK(standin_call(&pay, "POST", "/_test/fail?path=/v1/refunds&count=1&status=500", "", NULL) == 200);
    staff_action(action, sizeof action, id2, "refund");
    browser_submit(staff, "/staff/offerings/demo-pv", action, "amount=10.00", &r);
    CHECK(r.status == 503);
    CHECK_CONTAINS(buf_str(&r.body), "pending");
    {   /* every 503 says when to come back, not only storage trouble's */
        char *ra = http_res_header(&r, "Retry-After");
        CHECK(ra && atoi(ra) > 0);
        free(ra);
    }
    http_res_free(&r);
    snprintf(ids, sizeof ids, "%lld", id2);
    CHECK(q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id WHERE p.enrolment_id = ?1"
                " AND f.status = 'pending'", ids) == 1);
    CHECK(q_int("SELECT refunded_cents FROM payments WHERE enrolment_id = ?1", ids) == 1000);
    browser_get(staff, "/staff/offerings/demo-pv", &r);
    CHECK_CONTAINS(buf_str(&r.body), "not yet confirmed by the provider");
    http_res_free(&r);
    /* Old enough to be asked again (as after a crash). */
    CHECK(q_exec("UPDATE refunds SET created_at = created_at - 3600 WHERE payment_id IN"
                 " (SELECT id FROM payments WHERE enrolment_id = ?1)", ids) == 0);
    for (int i = 0; i < 100 && q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id"
                                     " WHERE p.enrolment_id = ?1 AND f.status = 'done'", ids) != 1; i++)
        nap(100);
    CHECK(q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id WHERE p.enrolment_id = ?1"
                " AND f.status = 'done'", ids) == 1);
    CHECK(q_int("SELECT refunded_cents FROM payments WHERE enrolment_id = ?1", ids) == 1000);
    /* The provider refuses for good: a failed row, the amount free again. */
    CHECK(standin_call(&pay, "POST", "/_test/fail?path=/v1/refunds&count=1&status=400", "", NULL) == 200);
    browser_submit(staff, "/staff/offerings/demo-pv", action, "amount=5.00", &r);
    CHECK(r.status == 409);
    CHECK_CONTAINS(buf_str(&r.body), "refused");
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM refunds f JOIN payments p ON p.id = f.payment_id WHERE p.enrolment_id = ?1"
                " AND f.status = 'failed'", ids) == 1);
    CHECK(q_int("SELECT refunded_cents FROM payments WHERE enrolment_id = ?1", ids) == 1000);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'payment.refund-failed' AND subject = 'enrolment:' || ?1",
                ids) == 1);
    /* And a retry works. */
    browser_submit(staff, "/staff/offerings/demo-pv", action, "amount=5.00", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT refunded_cents FROM payments WHERE enrolment_id = ?1", ids) == 1500);
    browser_close(&c);
    browser_close(&b);
}

/* A registration the database refuses to write is an error with a message,
** not a redirect to My courses as if it existed. */
static void test_failed_insert(void)
{
    browser b;
    browser_open(&b, &s);
    CHECK(browser_sign_up(&b, "Ian+Insert", "ian%40example.org") == 303);
    CHECK(q_exec("CREATE TRIGGER test_refuse BEFORE INSERT ON enrolments BEGIN SELECT RAISE(ABORT, 'refused'); END",
                 NULL) == 0);
    http_res r = register_for(&b, "demo-pv", "method=card&code=");
    CHECK(r.status == 503 || r.status == 500);
    CHECK(strstr(buf_str(&r.body), "try again") != NULL);
    http_res_free(&r);
    CHECK(q_exec("DROP TRIGGER test_refuse", NULL) == 0);
    r = register_for(&b, "demo-pv", "method=card&code=");
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_close(&b);
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
                         "JOURNEYS_PAYMENTS_SECRET_KEY=sk_test_money", NULL};
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
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
    browser staff;
    browser_open(&staff, &s);
    http_res r;
    browser_submit(&staff, "/signin", "/signin", "email=staff%40example.org&password=staff-password-1&next=%2Fstaff", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    make_code(&staff, "code=HALFONCE&offering=demo-pv&percent_off=50&max_uses=1&expires_on=");
    make_code(&staff, "code=LMONCE&offering=demo-lm&percent_off=50&max_uses=1&expires_on=");

    test_failed_insert();
    test_code_limit();
    test_offer_races(&staff);
    test_accept_vs_sweep(&staff);
    test_waive_open_checkout(&staff);
    test_refund_race(&staff);

    browser_close(&staff);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    standin_stop(&pay);
    smtp_stop(&mail);
    return check_done();
}
