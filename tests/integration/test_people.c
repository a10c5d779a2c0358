/*
** test_people.c: the staff console's people, schools, audit log and codes
** through real nginx and a real SMTP server. Every new route refuses a
** visitor (sign in), a participant and a coach, and a POST without the
** CSRF token. Staff find people by name, e-mail and school (the search text
** taken literally); see a person's registrations, payments and audit lines;
** change a role (audited; a stale form and the losing side of a race get
** 409; nobody takes the staff role from themselves); resend the address
** confirmation (mailed, audited, three an hour). Schools are added and
** edited (a race of two edits at one version: one wins) and imported from
** CSV all or nothing, with line-numbered errors. The audit log filters by
** person, offering, kind and day. A code shows who used it, takes a new
** limit and expiry (never below its uses), and is disabled once (a race of
** two: one wins), after which registering with it is refused.
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "smtp.h"
#include "sqlq.h"

static stack s;
static smtp_server mail;
static sqlite3 *dbh;
#define q_int(sql, p) sqlq_int(dbh, sql, p)
#define q_text(sql, p, out, n) sqlq_text(dbh, sql, p, out, n)

/* Sign b in as email (URL-encoded) with password pw: the status. */
static long sign_in(browser *b, const char *email, const char *pw)
{
    char form[256];
    snprintf(form, sizeof form, "email=%s&password=%s&next=%%2Fmy", email, pw);
    http_res r;
    browser_submit(b, "/signin", "/signin", form, &r);
    long st = r.status;
    http_res_free(&r);
    return st;
}

/* GET path with b: the status; the body copied into body (if not NULL). */
static long get(browser *b, const char *path, buf *body)
{
    http_res r;
    browser_get(b, path, &r);
    long st = r.status;
    if (body) {
        buf_reset(body);
        buf_append(body, buf_str(&r.body), r.body.len);
    }
    http_res_free(&r);
    return st;
}

/* POST form to action after reading page for the CSRF token: the status;
** the body into body (if not NULL). */
static long submit(browser *b, const char *page, const char *action, const char *form, buf *body)
{
    http_res r;
    browser_submit(b, page, action, form, &r);
    long st = r.status;
    if (body) {
        buf_reset(body);
        buf_append(body, buf_str(&r.body), r.body.len);
    }
    http_res_free(&r);
    return st;
}

/* One side of a race: a browser, the action and its whole form (CSRF in it). */
struct shot {
    browser *b;
    char action[128];
    char form[512];
    long status;
};

/* A thread: send x's post and keep its status. */
static void *fire(void *arg)
{
    struct shot *x = arg;
    http_res r;
    browser_post(x->b, x->action, x->form, &r);
    x->status = r.status;
    http_res_free(&r);
    return NULL;
}

/* Two posts at once from a and b (each with its own CSRF token read from
** page); the statuses into sa and sb. */
static void race(browser *a, browser *b, const char *page, const char *action, const char *form_a,
                 const char *form_b, long *sa, long *sb)
{
    static struct shot x, y;
    http_res r;
    browser_get(a, page, &r);
    char *ca = browser_csrf(&r);
    http_res_free(&r);
    browser_get(b, page, &r);
    char *cb = browser_csrf(&r);
    http_res_free(&r);
    x.b = a;
    y.b = b;
    snprintf(x.action, sizeof x.action, "%s", action);
    snprintf(y.action, sizeof y.action, "%s", action);
    snprintf(x.form, sizeof x.form, "%s%scsrf=%s", form_a, *form_a ? "&" : "", ca);
    snprintf(y.form, sizeof y.form, "%s%scsrf=%s", form_b, *form_b ? "&" : "", cb);
    free(ca);
    free(cb);
    pthread_t ta, tb;
    pthread_create(&ta, NULL, fire, &x);
    pthread_create(&tb, NULL, fire, &y);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    *sa = x.status;
    *sb = y.status;
}

/* Every new page refuses a visitor, a participant and a coach; every new
** POST refuses them too, and staff without the CSRF token. */
static void test_roles(browser *visitor, browser *part, browser *coach, browser *staff, long long pid)
{
    char person[64], personrole[64], personverify[64];
    snprintf(person, sizeof person, "/staff/people/%lld", pid);
    snprintf(personrole, sizeof personrole, "/staff/people/%lld/role", pid);
    snprintf(personverify, sizeof personverify, "/staff/people/%lld/verify", pid);
    const char *pages[] = {"/staff/people", "/staff/people?q=a", person, "/staff/schools", "/staff/schools/1",
                           "/staff/audit", "/staff/codes/PEOPLE-FREE"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        CHECK(get(visitor, pages[i], NULL) == 303);
        CHECK(get(part, pages[i], NULL) == 403);
        CHECK(get(coach, pages[i], NULL) == 403);
        CHECK(get(staff, pages[i], NULL) == 200);
    }
    const char *posts[] = {personrole, personverify, "/staff/schools", "/staff/schools/1", "/staff/schools/import",
                           "/staff/codes/PEOPLE-FREE", "/staff/codes/PEOPLE-FREE/disable"};
    for (size_t i = 0; i < sizeof posts / sizeof posts[0]; i++) {
        long v = submit(visitor, "/", posts[i], "from=participant&role=staff&name=Evil+School", NULL);
        CHECK(v == 303 || v == 403);
        CHECK(submit(part, "/my", posts[i], "from=participant&role=staff&name=Evil+School", NULL) == 403);
        CHECK(submit(coach, "/my", posts[i], "from=participant&role=staff&name=Evil+School", NULL) == 403);
        http_res r;
        browser_post(staff, posts[i], "from=participant&role=staff&name=Evil+School", &r);   /* no CSRF token */
        CHECK(r.status == 403);
        http_res_free(&r);
    }
    CHECK(q_int("SELECT count(*) FROM users WHERE role = 'staff'", NULL) == 2);
    CHECK(q_int("SELECT count(*) FROM schools WHERE name = 'Evil School'", NULL) == 0);
    CHECK(q_int("SELECT count(*) FROM codes WHERE disabled_at IS NOT NULL", NULL) == 0);
}

/* POST a multipart form to /staff/schools/upload as b: a CSV file part
** "file" holding csv (none when csv is NULL) and the CSRF token read from
** /staff/schools unless no_csrf. The status; the body into body. */
static long upload(browser *b, const char *csv, int no_csrf, buf *body)
{
    http_res r;
    browser_get(b, "/staff/schools", &r);
    char *csrf = browser_csrf(&r);
    http_res_free(&r);
    char *session = browser_cookie(b, "journeys_session");
    buf form = BUF_INIT;
    if (!no_csrf)
        buf_printf(&form, "--XyZb\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n", csrf ? csrf : "");
    if (csv)
        buf_printf(&form, "--XyZb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"schools.csv\"\r\n"
                   "Content-Type: text/csv\r\n\r\n%s\r\n", csv);
    buf_puts(&form, "--XyZb--\r\n");
    char cookie[512];
    snprintf(cookie, sizeof cookie, "Cookie: journeys_session=%s", session ? session : "");
    const char *headers[] = {cookie, "Content-Type: multipart/form-data; boundary=XyZb", NULL};
    http_do(&s, "POST", "/staff/schools/upload", buf_str(&form), headers, &r);
    long st = r.status;
    if (body) {
        buf_reset(body);
        buf_append(body, buf_str(&r.body), r.body.len);
    }
    http_res_free(&r);
    buf_free(&form);
    free(csrf);
    free(session);
    return st;
}

/* Set up the stack, the accounts and a registration with a code, then each part. */
int main(void)
{
    if (smtp_start(&mail) != 0) {
        CHECK(!"the SMTP server starts");
        return check_done();
    }
    static char e1[160];
    snprintf(e1, sizeof e1, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    const char *env[] = {e1, "JOURNEYS_JOBS_INTERVAL=1", "JOURNEYS_MAIL_RETRY_SECONDS=1", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        smtp_stop(&mail);
        return check_done();
    }
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "echo 'staff-password-1' | \"${BUILD:-build}\"/journeys user add staff@example.org "
                        "--name 'Sam Staff' --role staff && echo 'staff-password-2' | \"${BUILD:-build}\"/journeys user "
                        "add staff2@example.org --name 'Tess Second' --role staff && echo 'coach-password-1' | "
                        "\"${BUILD:-build}\"/journeys user add coach@example.org --name 'Cora Coach' --role coach",
                    &out) == 0);
    buf_free(&out);
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);

    browser staff, staff2, visitor, pat, coach;
    browser_open(&staff, &s);
    browser_open(&staff2, &s);
    browser_open(&visitor, &s);
    browser_open(&pat, &s);
    browser_open(&coach, &s);
    CHECK(sign_in(&staff, "staff%40example.org", "staff-password-1") == 303);
    CHECK(sign_in(&staff2, "staff2%40example.org", "staff-password-2") == 303);
    CHECK(sign_in(&coach, "coach%40example.org", "coach-password-1") == 303);
    char school[16], schoolname[128];
    q_text("SELECT id FROM schools WHERE member = 1 ORDER BY id LIMIT 1", NULL, school, sizeof school);
    q_text("SELECT name FROM schools WHERE id = ?1", school, schoolname, sizeof schoolname);
    char form[512];
    snprintf(form, sizeof form, "name=Pat+Percent&email=pat%%40example.org&password=correct-horse-battery"
             "&time_zone=UTC&school_id=%s&next=%%2Fmy", school);
    CHECK(submit(&pat, "/signup", "/signup", form, NULL) == 303);
    long long pid = q_int("SELECT id FROM users WHERE email = 'pat@example.org'", NULL);
    CHECK(pid > 0);

    /* A full waiver code Pat registers with, for the person page and the code report. */
    CHECK(submit(&staff, "/staff/codes", "/staff/codes",
                 "code=PEOPLE-FREE&offering=demo-pv&percent_off=100&max_uses=5&expires_on=", NULL) == 303);
    CHECK(submit(&staff, "/staff/codes", "/staff/codes",
                 "code=RACE-CODE&offering=&percent_off=50&max_uses=&expires_on=", NULL) == 303);
    CHECK(submit(&pat, "/offerings/demo-pv/register", "/offerings/demo-pv/register", "method=card&code=PEOPLE-FREE",
                 NULL) == 303);
    char v[256];
    snprintf(v, sizeof v, "%lld", pid);
    char st[64];
    CHECK_STR(q_text("SELECT status || '/' || payment_status FROM enrolments WHERE user_id = ?1", v, st, sizeof st),
              "active/waived");

    test_roles(&visitor, &pat, &coach, &staff, pid);

    /* ---- search ---- */
    buf body = BUF_INIT;
    CHECK(get(&staff, "/staff/people?q=percent", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "Pat Percent");
    CHECK(strstr(buf_str(&body), "Cora Coach") == NULL);
    CHECK(get(&staff, "/staff/people?q=PAT%40EXAMPLE", &body) == 200);       /* e-mail, any case */
    CHECK_CONTAINS(buf_str(&body), "Pat Percent");
    char path[256], enc[160];
    size_t k = 0;
    for (const char *c = schoolname; *c && k + 4 < sizeof enc; c++)
        k += (size_t)snprintf(enc + k, sizeof enc - k, (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ? "%c" : "%%%02X",
                              (unsigned char)*c);
    snprintf(path, sizeof path, "/staff/people?q=%s", enc);
    CHECK(get(&staff, path, &body) == 200);                                  /* the school's name */
    CHECK_CONTAINS(buf_str(&body), "Pat Percent");
    CHECK(get(&staff, "/staff/people?q=%25", &body) == 200);                 /* % taken literally */
    CHECK(strstr(buf_str(&body), "Pat Percent") == NULL);
    CHECK(get(&staff, "/staff/people?role=coach", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "Cora Coach");
    CHECK(strstr(buf_str(&body), "Pat Percent") == NULL);
    CHECK(get(&staff, "/staff/people?role=king", &body) == 400);
    CHECK_CONTAINS(buf_str(&body), "Choose a role");
    CHECK(get(&staff, "/staff/people?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", &body) == 200);
    CHECK(strstr(buf_str(&body), "<script>alert(1)") == NULL);
    CHECK_CONTAINS(buf_str(&body), "&lt;script&gt;");

    /* ---- a person's page ---- */
    char ppage[64], prole[64], pverify[64];
    snprintf(ppage, sizeof ppage, "/staff/people/%lld", pid);
    snprintf(prole, sizeof prole, "/staff/people/%lld/role", pid);
    snprintf(pverify, sizeof pverify, "/staff/people/%lld/verify", pid);
    CHECK(get(&staff, ppage, &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "pat@example.org");
    CHECK_CONTAINS(buf_str(&body), "demo-pv");
    CHECK_CONTAINS(buf_str(&body), "waived");
    CHECK_CONTAINS(buf_str(&body), "Address not confirmed");
    CHECK_CONTAINS(buf_str(&body), "registration.activated");
    CHECK(get(&staff, "/staff/people/999999", &body) == 404);

    /* ---- roles ---- */
    CHECK(submit(&staff, ppage, prole, "from=participant&role=coach", NULL) == 303);
    CHECK_STR(q_text("SELECT role FROM users WHERE id = ?1", v, st, sizeof st), "coach");
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'role.changed' AND subject = 'user:' || ?1"
                " AND detail = 'participant to coach' AND actor_id IS NOT NULL", v) == 1);
    CHECK(submit(&staff, ppage, prole, "from=participant&role=staff", &body) == 409);      /* a stale form */
    CHECK_CONTAINS(buf_str(&body), "changed by someone else");
    CHECK(submit(&staff, ppage, prole, "from=coach&role=king", &body) == 400);
    CHECK_STR(q_text("SELECT role FROM users WHERE id = ?1", v, st, sizeof st), "coach");
    long sa, sb;
    race(&staff, &staff2, ppage, prole, "from=coach&role=staff", "from=coach&role=participant", &sa, &sb);
    CHECK((sa == 303 && sb == 409) || (sa == 409 && sb == 303));
    CHECK_STR(q_text("SELECT role FROM users WHERE id = ?1", v, st, sizeof st), sa == 303 ? "staff" : "participant");
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'role.changed' AND subject = 'user:' || ?1", v) == 2);
    if (sa == 303)   /* put Pat back as a participant for what follows */
        CHECK(submit(&staff, ppage, prole, "from=staff&role=participant", NULL) == 303);
    char self[64], selfrole[64];
    long long sid = q_int("SELECT id FROM users WHERE email = 'staff@example.org'", NULL);
    snprintf(self, sizeof self, "/staff/people/%lld", sid);
    snprintf(selfrole, sizeof selfrole, "/staff/people/%lld/role", sid);
    CHECK(submit(&staff, self, selfrole, "from=staff&role=participant", &body) == 403);
    CHECK_CONTAINS(buf_str(&body), "another member of staff");
    CHECK(q_int("SELECT count(*) FROM users WHERE email = 'staff@example.org' AND role = 'staff'", NULL) == 1);

    /* ---- resend verification: mailed, audited, three an hour ---- */
    int before = smtp_mail_count(&mail, "<pat@example.org>");
    CHECK(submit(&staff, ppage, pverify, "", NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE recipient = 'pat@example.org' AND body_text LIKE '%/verify?token=%'",
                NULL) >= 2);
    CHECK(smtp_wait_mail(&mail, "<pat@example.org>", before + 1));
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'user.verification-resent'", NULL) == 1);
    CHECK(submit(&staff, ppage, pverify, "", NULL) == 303);
    CHECK(submit(&staff2, ppage, pverify, "", NULL) == 303);
    CHECK(submit(&staff, ppage, pverify, "", &body) == 429);
    CHECK_CONTAINS(buf_str(&body), "in the last hour");
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'user.verification-resent'", NULL) == 3);
    char cpage[64], cverify[64], sql[512];
    long long cid = q_int("SELECT id FROM users WHERE email = 'coach@example.org'", NULL);
    sqlite3_exec(dbh, "UPDATE users SET email_verified_at = 1 WHERE email = 'coach@example.org'", NULL, NULL, NULL);
    snprintf(cpage, sizeof cpage, "/staff/people/%lld", cid);
    snprintf(cverify, sizeof cverify, "/staff/people/%lld/verify", cid);
    CHECK(submit(&staff, cpage, cverify, "", &body) == 409);
    CHECK_CONTAINS(buf_str(&body), "confirmed their address already");
    /* a coach's page lists the offerings they help run */
    CHECK(get(&staff, cpage, &body) == 200);
    CHECK(strstr(buf_str(&body), "Offerings they help run") == NULL);
    snprintf(sql, sizeof sql, "INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT id, %lld, 'coach',"
             " 1 FROM offerings WHERE code = 'demo-gp'", cid);
    CHECK(sqlite3_exec(dbh, sql, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(get(&staff, cpage, &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "Offerings they help run");
    CHECK_CONTAINS(buf_str(&body), "href=\"/staff/offerings/demo-gp\"");

    /* ---- schools ---- */
    long long nschools = q_int("SELECT count(*) FROM schools", NULL);
    CHECK(submit(&staff, "/staff/schools", "/staff/schools",
                 "name=Harbour+View+College&city=Port+Ellen&country=Scotland&billing_name=&billing_email=&member=1"
                 "&invoice=1", &body) == 422);                                         /* invoice needs an address */
    CHECK_CONTAINS(buf_str(&body), "needs a billing e-mail address");
    CHECK(q_int("SELECT count(*) FROM schools", NULL) == nschools);
    CHECK(submit(&staff, "/staff/schools", "/staff/schools",
                 "name=Harbour+View+College&city=Port+Ellen&country=Scotland&billing_name=Ada+Accounts"
                 "&billing_email=accounts%40harbour.example&member=1&invoice=1", NULL) == 303);
    char hid[16];
    q_text("SELECT id FROM schools WHERE name = 'Harbour View College'", NULL, hid, sizeof hid);
    CHECK(atoi(hid) > 0);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'school.added' AND subject = 'school:' || ?1", hid) == 1);
    CHECK(submit(&staff, "/staff/schools", "/staff/schools", "name=Harbour+View+College&member=1", &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "already");
    char spage[64];
    snprintf(spage, sizeof spage, "/staff/schools/%s", hid);
    CHECK(get(&staff, spage, &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "name=\"version\" value=\"0\"");
    CHECK(submit(&staff, spage, spage, "version=0&name=Harbour+View+College&city=Port+Ellen&country=Scotland"
                 "&billing_name=Ada+Accounts&billing_email=bills%40harbour.example&member=1&invoice=1", NULL) == 303);
    CHECK_STR(q_text("SELECT billing_email || '/' || version FROM schools WHERE id = ?1", hid, st, sizeof st),
              "bills@harbour.example/1");
    CHECK(submit(&staff, spage, spage, "version=0&name=Harbour+View+College&city=Elsewhere&member=1", &body) == 409);
    CHECK_CONTAINS(buf_str(&body), "Someone else saved this school");
    CHECK_STR(q_text("SELECT city FROM schools WHERE id = ?1", hid, st, sizeof st), "Port Ellen");
    race(&staff, &staff2, spage, spage, "version=1&name=Harbour+View+College&city=First&member=1",
         "version=1&name=Harbour+View+College&city=Second&member=1", &sa, &sb);
    CHECK((sa == 303 && sb == 409) || (sa == 409 && sb == 303));
    CHECK_STR(q_text("SELECT city || '/' || version FROM schools WHERE id = ?1", hid, st, sizeof st),
              sa == 303 ? "First/2" : "Second/2");
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'school.edited' AND subject = 'school:' || ?1", hid) == 2);

    /* CSV import: line-numbered mistakes and nothing written... */
    nschools = q_int("SELECT count(*) FROM schools", NULL);
    CHECK(submit(&staff, "/staff/schools", "/staff/schools/import",
                 "csv=name%2Ccity%2Cbilling_email%2Cinvoice%0D%0ANew+Lake+School%2CLakeside%2C%2Cno%0D%0A"
                 "Broken+School%2CTown%2Cnot-an-address%2Cyes%0D%0AMaybe+School%2CX%2C%2Cmaybe%0D%0A", &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "Nothing was imported");
    CHECK_CONTAINS(buf_str(&body), "Line 3: Enter the billing contact");
    CHECK_CONTAINS(buf_str(&body), "Line 4: member and invoice take yes or no");
    CHECK(submit(&staff, "/staff/schools", "/staff/schools/import", "csv=name%0AOK%0AQuote%22d%0A", &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "Line 3: A quote mark appears inside a field");
    CHECK(q_int("SELECT count(*) FROM schools", NULL) == nschools);
    CHECK(q_int("SELECT count(*) FROM schools WHERE name = 'New Lake School'", NULL) == 0);
    CHECK(submit(&staff, "/staff/schools", "/staff/schools/import", "csv=name%2Ccolour%0Ax%2Cred%0A", &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "Line 1: the column &quot;colour&quot; is not one we import");
    CHECK(submit(&staff, "/staff/schools", "/staff/schools/import",
                 "csv=name%0A%22never+closed%0A", &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "Line 2: A quote mark is opened and never closed");
    CHECK(submit(&staff, "/staff/schools", "/staff/schools/import",
                 "csv=name%0ASame%0ASame%0A", &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "Line 3: the school &quot;Same&quot; is named on line 2 already");
    CHECK(q_int("SELECT count(*) FROM schools", NULL) == nschools);
    /* ...then a good file: one new school, one updated, in one step. */
    CHECK(submit(&staff, "/staff/schools", "/staff/schools/import",
                 "csv=%EF%BB%BFname%2Ccity%2Ccountry%2Cbilling_name%2Cbilling_email%2Cmember%2Cinvoice%0D%0A"
                 "%22Lake%2C+Upper+School%22%2CLakeside%2CWales%2C%2C%2Cyes%2Cno%0D%0A"
                 "Harbour+View+College%2CPort+Ellen%2CScotland%2CAda%2Cada%40harbour.example%2Cyes%2Cyes%0D%0A",
                 NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM schools", NULL) == nschools + 1);
    CHECK_STR(q_text("SELECT city FROM schools WHERE name = ?1", "Lake, Upper School", st, sizeof st), "Lakeside");
    CHECK_STR(q_text("SELECT billing_email FROM schools WHERE id = ?1", hid, st, sizeof st), "ada@harbour.example");
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'school.imported' AND detail = '1 added, 1 updated'",
                NULL) == 1);
    CHECK(get(&staff, "/staff/schools", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "Lake, Upper School");
    /* ...and the same from a CSV file sent as an upload. */
    CHECK_CONTAINS(buf_str(&body), "enctype=\"multipart/form-data\"");
    nschools = q_int("SELECT count(*) FROM schools", NULL);
    CHECK(upload(&staff, "name,city\r\nUpload Grammar,Rivertown\r\n", 0, NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM schools", NULL) == nschools + 1);
    CHECK_STR(q_text("SELECT city FROM schools WHERE name = ?1", "Upload Grammar", st, sizeof st), "Rivertown");
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'school.imported' AND detail = '1 added, 0 updated'",
                NULL) == 1);
    CHECK(upload(&staff, "name,billing_email\r\nFile Two School,not-an-address\r\n", 0, &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "Line 2: Enter the billing contact");
    CHECK(upload(&staff, NULL, 0, &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "Choose the CSV file");
    CHECK(upload(&staff, "name\r\nNo Token School\r\n", 1, NULL) == 403);
    CHECK(upload(&pat, "name\r\nParticipant School\r\n", 0, NULL) == 403);
    CHECK(q_int("SELECT count(*) FROM schools", NULL) == nschools + 1);

    /* ---- codes: who used it, limit and expiry, disable ---- */
    CHECK(get(&staff, "/staff/codes", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "href=\"/staff/codes/PEOPLE-FREE\"");
    CHECK(get(&staff, "/staff/codes/PEOPLE-FREE", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "Pat Percent");
    CHECK_CONTAINS(buf_str(&body), "pat@example.org");
    CHECK(get(&staff, "/staff/codes/NO-SUCH-CODE", &body) == 404);
    CHECK(submit(&staff, "/staff/codes/PEOPLE-FREE", "/staff/codes/PEOPLE-FREE", "max_uses=0&expires_on=", &body) == 422);
    CHECK(submit(&staff, "/staff/codes/PEOPLE-FREE", "/staff/codes/PEOPLE-FREE", "max_uses=2&expires_on=31-12-2030",
                 &body) == 422);
    CHECK_CONTAINS(buf_str(&body), "YYYY-MM-DD");
    CHECK(submit(&staff, "/staff/codes/PEOPLE-FREE", "/staff/codes/PEOPLE-FREE", "max_uses=2&expires_on=2030-12-31",
                 NULL) == 303);
    CHECK_STR(q_text("SELECT max_uses || '/' || expires_on FROM codes WHERE code = ?1", "PEOPLE-FREE", st, sizeof st),
              "2/2030-12-31");
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'code.edited' AND subject = 'code:PEOPLE-FREE'", NULL) == 1);
    CHECK(submit(&staff, "/staff/codes/PEOPLE-FREE", "/staff/codes/PEOPLE-FREE/disable", "", NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM codes WHERE code = 'PEOPLE-FREE' AND disabled_at IS NOT NULL", NULL) == 1);
    CHECK(submit(&staff, "/staff/codes/PEOPLE-FREE", "/staff/codes/PEOPLE-FREE", "max_uses=3&expires_on=", &body) == 409);
    CHECK_STR(q_text("SELECT max_uses FROM codes WHERE code = ?1", "PEOPLE-FREE", st, sizeof st), "2");
    browser quinn;
    browser_open(&quinn, &s);
    CHECK(browser_sign_up(&quinn, "Quinn+Late", "quinn%40example.org") == 303);
    long qs = submit(&quinn, "/offerings/demo-pv/register", "/offerings/demo-pv/register", "method=card&code=PEOPLE-FREE",
                     &body);
    CHECK(qs == 422);
    CHECK(q_int("SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = 'quinn@example.org'"
                " AND e.payment_status = 'waived'", NULL) == 0);
    race(&staff, &staff2, "/staff/codes/RACE-CODE", "/staff/codes/RACE-CODE/disable", "", "", &sa, &sb);
    CHECK((sa == 303 && sb == 409) || (sa == 409 && sb == 303));
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'code.disabled' AND subject = 'code:RACE-CODE'", NULL) == 1);
    CHECK(get(&staff, "/staff/codes", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "disabled");

    /* ---- the audit log ---- */
    CHECK(get(&staff, "/staff/audit", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "role.changed");
    CHECK_CONTAINS(buf_str(&body), "school.imported");
    CHECK_CONTAINS(buf_str(&body), "<time datetime=\"");
    CHECK(get(&staff, "/staff/audit?kind=roles", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "role.changed");
    CHECK(strstr(buf_str(&body), "code.disabled") == NULL);
    CHECK(get(&staff, "/staff/audit?kind=settings", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "code.disabled");
    CHECK(strstr(buf_str(&body), "role.changed") == NULL);
    CHECK(get(&staff, "/staff/audit?person=pat%40example.org", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "role.changed");
    CHECK_CONTAINS(buf_str(&body), "registration.activated");
    CHECK(strstr(buf_str(&body), "school.imported") == NULL);
    CHECK(get(&staff, "/staff/audit?offering=demo-pv&kind=seats", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "registration.activated");
    CHECK(strstr(buf_str(&body), "role.changed") == NULL);
    CHECK(get(&staff, "/staff/audit?offering=demo-gp&kind=seats", &body) == 200);
    CHECK(strstr(buf_str(&body), "registration.activated") == NULL);
    /* the moderation log reads in the same list, as its own kind */
    snprintf(sql, sizeof sql, "INSERT INTO moderation_log(offering_id, actor_id, action, reason, created_at)"
             " SELECT o.id, %lld, 'lock', 'heated thread', strftime('%%s', 'now') FROM offerings o"
             " WHERE o.code = 'demo-pv'", sid);
    CHECK(sqlite3_exec(dbh, sql, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(get(&staff, "/staff/audit?kind=moderation", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "moderation.lock");
    CHECK_CONTAINS(buf_str(&body), "heated thread");
    CHECK(strstr(buf_str(&body), "role.changed") == NULL);
    CHECK(get(&staff, "/staff/audit?offering=demo-pv", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "moderation.lock");
    CHECK(get(&staff, "/staff/audit?offering=demo-gp", &body) == 200);
    CHECK(strstr(buf_str(&body), "moderation.lock") == NULL);
    CHECK(get(&staff, "/staff/audit?person=staff%40example.org&kind=moderation", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "moderation.lock");
    CHECK(get(&staff, "/staff/audit?from=2001-01-01&to=2001-01-02", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "No changes match");
    CHECK(get(&staff, "/staff/audit?kind=everything", &body) == 400);
    CHECK(get(&staff, "/staff/audit?person=nobody%40example.org", &body) == 404);
    CHECK(get(&staff, "/staff/audit?offering=no-such", &body) == 404);
    CHECK(get(&staff, "/staff/audit?from=yesterday", &body) == 400);
    CHECK(get(&staff, "/staff/audit?page=0", &body) == 400);
    /* the staff home links to each new section */
    CHECK(get(&staff, "/staff", &body) == 200);
    CHECK_CONTAINS(buf_str(&body), "href=\"/staff/people\"");
    CHECK_CONTAINS(buf_str(&body), "href=\"/staff/schools\"");
    CHECK_CONTAINS(buf_str(&body), "href=\"/staff/audit\"");
    buf_free(&body);

    browser_close(&quinn);
    browser_close(&staff);
    browser_close(&staff2);
    browser_close(&visitor);
    browser_close(&pat);
    browser_close(&coach);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
