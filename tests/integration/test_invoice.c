/*
** test_invoice.c: a member school that pays by invoice, with [site]
** invoice_confirm = approval, through real nginx and a real SMTP server:
** choosing the invoice issues a numbered invoice (its own sequence, not the
** registration id) to the school's billing contact with the school's
** details; the seat is held but not confirmed until staff approve it from
** the offering's registrations; approving twice is refused; a school with
** no billing contact cannot be invoiced. Meanwhile the participant is told
** by e-mail at once that the registration is in, which invoice went to whom
** and that the seat is held, and My courses and the registration page say
** the seat awaits the school's approval.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "sqlq.h"
#include "smtp.h"

static stack s;
static smtp_server mail;
static sqlite3 *dbh;
#define q_int(sql, p) sqlq_int(dbh, sql, p)
#define q_text(sql, p, out, n) sqlq_text(dbh, sql, p, out, n)

/* Sign up a member of school school_id. */
static long sign_up(browser *b, const char *name, const char *email, int school_id)
{
    char form[512];
    snprintf(form, sizeof form, "name=%s&email=%s&password=correct-horse-battery&time_zone=UTC&school_id=%d"
             "&next=%%2Fmy", name, email, school_id);
    http_res r;
    browser_submit(b, "/signup", "/signup", form, &r);
    long st = r.status;
    http_res_free(&r);
    return st;
}

/* Register b for offering code by invoice; the answer's status. */
static long register_invoice(browser *b, const char *code)
{
    char page[128];
    snprintf(page, sizeof page, "/offerings/%s/register", code);
    http_res r;
    browser_submit(b, page, page, "method=invoice&code=", &r);
    long st = r.status;
    http_res_free(&r);
    return st;
}

/* status/payment_status of the newest registration of email. */
static const char *state_of(const char *email, char *out, size_t n)
{
    return q_text("SELECT e.status || '/' || e.payment_status FROM enrolments e JOIN users u ON u.id = e.user_id"
                  " WHERE u.email = ?1 ORDER BY e.id DESC LIMIT 1", email, out, n);
}

int main(void)
{
    if (smtp_start(&mail) != 0) {
        CHECK(!"the SMTP server starts");
        return check_done();
    }
    static char e1[160];
    snprintf(e1, sizeof e1, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    const char *env[] = {e1, "JOURNEYS_JOBS_INTERVAL=1", "JOURNEYS_MAIL_RETRY_SECONDS=1",
                         "JOURNEYS_SITE_INVOICE_CONFIRM=approval", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        smtp_stop(&mail);
        return check_done();
    }
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "echo 'staff-password-1' | \"${BUILD:-build}\"/journeys user add staff@example.org "
                        "--name 'Sam Staff' --role staff", &out) == 0);
    buf_free(&out);
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
    char school[16], billing[128], st[64], v[128];
    q_text("SELECT id FROM schools WHERE invoice = 1 ORDER BY id LIMIT 1", NULL, school, sizeof school);
    q_text("SELECT billing_email FROM schools WHERE id = ?1", school, billing, sizeof billing);
    CHECK(strchr(billing, '@') != NULL);

    /* Ivy's school pays by invoice: invoice INV-<year>-0001 to its billing
    ** contact; the seat waits for approval. */
    browser ivy;
    browser_open(&ivy, &s);
    CHECK(sign_up(&ivy, "Ivy+Invoice", "ivy%40example.org", atoi(school)) == 303);
    CHECK(register_invoice(&ivy, "demo-pv") == 303);
    CHECK_STR(state_of("ivy@example.org", st, sizeof st), "pending/invoiced");
    char year[8];
    time_t now = time(NULL);
    strftime(year, sizeof year, "%Y", gmtime(&now));
    char want[32];
    snprintf(want, sizeof want, "INV-%s-0001", year);
    CHECK_STR(q_text("SELECT v.number FROM invoices v JOIN enrolments e ON e.id = v.enrolment_id JOIN users u"
                     " ON u.id = e.user_id WHERE u.email = ?1", "ivy@example.org", v, sizeof v), want);
    char to[200];
    snprintf(to, sizeof to, "<%s>", billing);
    CHECK(smtp_wait_mail(&mail, to, 1));
    CHECK(smtp_wait_mail(&mail, want, 2));                 /* subject and body */
    CHECK(smtp_wait_mail(&mail, "Juniper Hollow Upper School", 1));
    CHECK(smtp_wait_mail(&mail, "Ivy Invoice (ivy@example.org)", 1));
    /* Ivy hears at once: the registration is in, the invoice is with the
    ** billing contact, the seat is held until staff confirm it. */
    CHECK(smtp_wait_mail(&mail, "<ivy@example.org>", 1));
    CHECK_STR(q_text("SELECT count(*) FROM outbox WHERE recipient = ?1 AND subject LIKE 'We have your registration%'",
                     "ivy@example.org", v, sizeof v), "1");
    char held[4096];
    q_text("SELECT body_text FROM outbox WHERE recipient = ?1 AND subject LIKE 'We have your registration%'",
           "ivy@example.org", held, sizeof held);
    CHECK_CONTAINS(held, want);
    CHECK_CONTAINS(held, billing);
    CHECK_CONTAINS(held, "held");
    CHECK_CONTAINS(held, "until our staff confirm");
    q_text("SELECT body_html FROM outbox WHERE recipient = ?1 AND subject LIKE 'We have your registration%'",
           "ivy@example.org", held, sizeof held);
    CHECK_CONTAINS(held, want);
    /* My courses and the registration page name the state. */
    http_res r;
    browser_get(&ivy, "/my", &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Awaiting your school&#39;s approval");
    CHECK(strstr(buf_str(&r.body), "Awaiting payment") == NULL);
    http_res_free(&r);
    browser_get(&ivy, "/offerings/demo-pv/register", &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Awaiting your school&#39;s approval");
    CHECK(strstr(buf_str(&r.body), "waiting for payment") == NULL);
    http_res_free(&r);
    /* Not confirmed yet: no confirmation to Ivy. */
    CHECK_STR(q_text("SELECT count(*) FROM outbox WHERE recipient = ?1 AND subject LIKE 'You''re registered%'",
                     "ivy@example.org", v, sizeof v), "0");
    /* The seat is held meanwhile. */
    CHECK_STR(q_text("SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id WHERE o.code = ?1"
                     " AND e.status = 'pending' AND e.payment_status = 'invoiced'", "demo-pv", v, sizeof v), "1");

    /* A second one gets the next number of the invoice sequence. */
    browser jo;
    browser_open(&jo, &s);
    CHECK(sign_up(&jo, "Jo+Second", "jo%40example.org", atoi(school)) == 303);
    CHECK(register_invoice(&jo, "demo-gp") == 303);
    snprintf(want, sizeof want, "INV-%s-0002", year);
    CHECK_STR(q_text("SELECT v.number FROM invoices v JOIN enrolments e ON e.id = v.enrolment_id JOIN users u"
                     " ON u.id = e.user_id WHERE u.email = ?1", "jo@example.org", v, sizeof v), want);

    /* Staff approve Ivy's from the roster: confirmed, once. */
    browser staff;
    browser_open(&staff, &s);
    browser_submit(&staff, "/signin", "/signin", "email=staff%40example.org&password=staff-password-1&next=%2Fstaff", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(&staff, "/staff/offerings/demo-pv", &r);
    CHECK_CONTAINS(buf_str(&r.body), "/approve\"");
    http_res_free(&r);
    char id[32], action[128];
    q_text("SELECT e.id FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = ?1", "ivy@example.org", id,
           sizeof id);
    snprintf(action, sizeof action, "/staff/registrations/%s/approve", id);
    browser_submit(&staff, "/staff/offerings/demo-pv", action, "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK_STR(state_of("ivy@example.org", st, sizeof st), "active/invoiced");
    CHECK(smtp_wait_mail(&mail, "You're registered", 1));
    browser_submit(&staff, "/staff/offerings/demo-pv", action, "", &r);
    CHECK(r.status == 409);
    CHECK_CONTAINS(buf_str(&r.body), "waiting for approval");
    http_res_free(&r);
    CHECK_STR(q_text("SELECT count(*) FROM outbox WHERE recipient = ?1 AND subject LIKE 'You''re registered%'",
                     "ivy@example.org", v, sizeof v), "1");
    browser_get(&ivy, "/my", &r);
    CHECK_CONTAINS(buf_str(&r.body), "Registered");
    CHECK(strstr(buf_str(&r.body), "Awaiting your school") == NULL);
    http_res_free(&r);
    /* Then the invoice is paid. */
    snprintf(action, sizeof action, "/staff/registrations/%s/paid", id);
    browser_submit(&staff, "/staff/offerings/demo-pv", action, "", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK_STR(q_text("SELECT status FROM invoices WHERE enrolment_id = ?1", id, v, sizeof v), "paid");

    /* A school without a billing contact cannot be invoiced: a message, and
    ** nothing written. */
    CHECK(sqlite3_exec(dbh, "UPDATE schools SET billing_email = NULL WHERE invoice = 1", NULL, NULL, NULL) == SQLITE_OK);
    browser kim;
    browser_open(&kim, &s);
    CHECK(sign_up(&kim, "Kim+Nobilling", "kim%40example.org", atoi(school)) == 303);
    char page[64];
    snprintf(page, sizeof page, "/offerings/%s/register", "demo-lm");
    browser_submit(&kim, page, page, "method=invoice&code=", &r);
    CHECK(r.status == 422);
    CHECK_CONTAINS(buf_str(&r.body), "billing contact");
    http_res_free(&r);
    CHECK_STR(q_text("SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = ?1",
                     "kim@example.org", v, sizeof v), "0");

    browser_close(&kim);
    browser_close(&staff);
    browser_close(&jo);
    browser_close(&ivy);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
