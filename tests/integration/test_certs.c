/*
** test_certs.c: completion and certificates through real nginx. The
** course's completion rules published from course.md; the coach's
** completion page and who may see it (a visitor, a participant, the coach
** of another offering, the offering's coach, staff); a sign-off refused
** while the rules are not met, and refused to the coach of another
** offering and without a CSRF token, with nothing written; two sign-offs
** of the same person racing (one certificate, one e-mail); the certificate
** e-mail through the outbox to the real SMTP catcher; the printable
** certificate page; the Open Badges 2.0 assertion, badge class, issuer and
** image, every required field checked and the hashed recipient verified
** against the e-mail; the participant's page in the workspace; staff
** revocation (refused to a coach and without a reason) and the revoked
** certificate shown as revoked at the same URLs; signing off everyone who
** meets the rules at once.
*/
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"
#include "smtp.h"
#include "sqlq.h"

static stack s;
static smtp_server mail;
static sqlite3 *dbh;
#define q_int(sql, p) sqlq_int(dbh, sql, p)

#define DONE "/coach/offerings/demo-pv/completion"

/* Run sql with text parameters p1, p2 (either may be NULL). */
static void q_exec(const char *sql, const char *p1, const char *p2)
{
    int rc = tk_exec(dbh, sql, p1, p2);
    if (rc == -1) {
        CHECK(!"the SQL compiles");
        return;
    }
    CHECK(rc == 0);
}

/* A text value of sql with p as ?1, copied into a static buffer. */
static const char *q_text(const char *sql, const char *p)
{
    static char out[512];
    return sqlq_text(dbh, sql, p, out, sizeof out);
}

/* GET path in b; returns the status, keeping the answer in keep if not NULL. */
static long get(browser *b, const char *path, http_res *keep)
{
    http_res r;
    CHECK(browser_get(b, path, &r) == 0);
    long st = r.status;
    if (keep)
        *keep = r;
    else
        http_res_free(&r);
    return st;
}

/* GET page for its CSRF token, then POST form and the token to action;
** the status, and the answer in keep if not NULL. */
static long post_form(browser *b, const char *page, const char *action, const char *form, http_res *keep)
{
    http_res r;
    CHECK(browser_submit(b, page, action, form, &r) == 0);
    long st = r.status;
    if (keep)
        *keep = r;
    else
        http_res_free(&r);
    return st;
}

static void sign_in(browser *b, const char *email, const char *password)
{
    char form[256];
    snprintf(form, sizeof form, "email=%s&password=%s&next=%%2Fmy", email, password);
    http_res r;
    browser_submit(b, "/signin", "/signin", form, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
}

/* Give the account email an active, paid seat in offering code. */
static void seat(const char *email, const char *code)
{
    q_exec("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
           " created_at, updated_at, activated_at) SELECT o.id, u.id, 'active', 'paid', 5000, 'USD',"
           " unixepoch(), unixepoch(), unixepoch() FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1",
           email, code);
}

/* email's work in demo-pv: every activity handed in, the first `complete`
** of them marked complete by a coach (all when complete < 0), and posts
** posts of their own in a thread they start. */
static void work(const char *email, int complete, int posts)
{
    q_exec("INSERT INTO submissions(offering_id, item_id, user_id, version, created_at, state)"
           " SELECT o.id, i.id, u.id, 1 + (SELECT count(*) FROM submissions s WHERE s.item_id = i.id"
           "   AND s.user_id = u.id), unixepoch(), 'waiting'"
           " FROM offerings o JOIN course_items i ON i.course_id = o.course_id AND i.section = 'activity'"
           " AND i.published = 1 AND i.archived_at IS NULL, users u WHERE o.code = 'demo-pv' AND u.email = ?1",
           email, NULL);
    char n[16];
    snprintf(n, sizeof n, "%d", complete < 0 ? 1000 : complete);
    q_exec("UPDATE submissions SET state = 'complete', decided_at = unixepoch() WHERE id IN (SELECT s.id"
           " FROM submissions s JOIN users u ON u.id = s.user_id WHERE u.email = ?1 ORDER BY s.item_id LIMIT ?2)",
           email, n);
    if (posts <= 0)
        return;
    q_exec("INSERT INTO threads(offering_id, author_id, title, created_at, last_post_at)"
           " SELECT o.id, u.id, 'My first thoughts', unixepoch(), unixepoch() FROM offerings o, users u"
           " WHERE o.code = 'demo-pv' AND u.email = ?1", email, NULL);
    for (int i = 0; i < posts; i++)
        q_exec("INSERT INTO posts(thread_id, author_id, body_md, body_html, created_at)"
               " SELECT max(t.id), u.id, 'A thought', '<p>A thought</p>', unixepoch() FROM threads t, users u"
               " WHERE u.email = ?1 AND t.author_id = u.id", email, NULL);
}

/* Rows of the sign-off tables together (completions, certificates, their
** notifications, queued mail). */
static long long rows(void)
{
    return q_int("SELECT (SELECT count(*) FROM completions) * 1000000 + (SELECT count(*) FROM certificates) * 10000"
                 " + (SELECT count(*) FROM notifications WHERE kind = 'certificate') * 100"
                 " + (SELECT count(*) FROM outbox)", NULL);
}

/* The user id of email, as text in a static buffer. */
static const char *uid(const char *email)
{
    static char out[4][32];
    static int k;
    k = (k + 1) % 4;
    snprintf(out[k], sizeof out[k], "%lld", q_int("SELECT id FROM users WHERE email = ?1", email));
    return out[k];
}

/* The sign-off address of email in demo-pv (static buffer). */
static const char *sign_off_path(const char *email)
{
    static char p[128];
    snprintf(p, sizeof p, DONE "/%s", uid(email));
    return p;
}

/* The JSON of GET path (NULL unless it parses); *status gets the status
** and *type the Content-Type (malloc'd) when not NULL. */
static json_t *get_json(browser *b, const char *path, long *status, char **type)
{
    http_res r;
    CHECK(browser_get(b, path, &r) == 0);
    *status = r.status;
    if (type)
        *type = http_res_header(&r, "Content-Type");
    json_error_t e;
    json_t *j = json_loads(buf_str(&r.body), 0, &e);
    http_res_free(&r);
    return j;
}

/* The string member key of j, or "". */
static const char *jstr(const json_t *j, const char *key)
{
    const char *v = json_string_value(json_object_get(j, key));
    return v ? v : "";
}

/* path with the stack's base URL stripped (points into url). */
static const char *local(const char *url)
{
    size_t n = strlen(s.base);
    return strncmp(url, s.base, n) == 0 ? url + n : url;
}

struct racer {
    browser *b;
    const char *path, *form;
    long status;
};

/* One racer's POST. */
static void *race(void *arg)
{
    struct racer *r = arg;
    http_res res;
    if (browser_post(r->b, r->path, r->form, &res) == 0) {
        r->status = res.status;
        http_res_free(&res);
    }
    return NULL;
}

int main(void)
{
    if (sodium_init() < 0 || smtp_start(&mail) != 0) {
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
                        "--name 'Sam Staff' --role staff && echo 'coach-password-1' | \"${BUILD:-build}\"/journeys user"
                        " add coach@example.org --name 'Cora Coach' --role coach && echo 'coach-password-2' |"
                        " \"${BUILD:-build}\"/journeys user add other-coach@example.org --name 'Otto Other' --role coach",
                        &out) == 0);
    buf_free(&out);
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
    q_exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach', unixepoch()"
           " FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1", "coach@example.org", "demo-pv");
    q_exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach', unixepoch()"
           " FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1", "other-coach@example.org", "demo-gp");

    /* Publishing kept each course's rules in their canonical form. */
    CHECK_STR(q_text("SELECT completion FROM courses WHERE slug = ?1", "purpose-and-vision"), "activities, posts 3");
    long long activities = q_int("SELECT count(*) FROM course_items i JOIN courses c ON c.id = i.course_id"
                                 " WHERE c.slug = 'purpose-and-vision' AND i.section = 'activity'"
                                 " AND i.published = 1 AND i.archived_at IS NULL", NULL);
    CHECK(activities >= 2);

    browser alice, bob, carol, dave, coach, other, staff, staff2, anon;
    browser *all[] = {&alice, &bob, &carol, &dave, &coach, &other, &staff, &staff2, &anon};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        browser_open(all[i], &s);
    CHECK(browser_sign_up(&alice, "Alice+Anders", "alice%40example.org") == 303);
    CHECK(browser_sign_up(&bob, "Bob+Brown", "bob%40example.org") == 303);
    CHECK(browser_sign_up(&carol, "Carol+Other", "carol%40example.org") == 303);
    CHECK(browser_sign_up(&dave, "Dave+Davies", "dave%40example.org") == 303);
    seat("alice@example.org", "demo-pv");
    seat("bob@example.org", "demo-pv");
    seat("dave@example.org", "demo-pv");
    seat("carol@example.org", "demo-gp");
    sign_in(&coach, "coach%40example.org", "coach-password-1");
    sign_in(&other, "other-coach%40example.org", "coach-password-2");
    sign_in(&staff, "staff%40example.org", "staff-password-1");
    sign_in(&staff2, "staff%40example.org", "staff-password-1");
    work("alice@example.org", -1, 3);   /* meets the rules */
    work("bob@example.org", 1, 3);      /* one activity short */
    work("dave@example.org", -1, 2);    /* one post short */

    /* ---- the completion page: who may see it ---- */
    http_res r;
    CHECK(get(&anon, DONE, &r) == 303);
    char *loc = http_res_location(&r);
    CHECK_CONTAINS(loc, "/signin?next=");
    free(loc);
    http_res_free(&r);
    CHECK(get(&alice, DONE, NULL) == 403);
    CHECK(get(&other, DONE, NULL) == 403);
    CHECK(get(&coach, "/coach/offerings/demo-gp/completion", NULL) == 403);
    CHECK(get(&coach, "/coach/offerings/no-such-code/completion", NULL) == 404);
    CHECK(get(&other, "/coach/offerings/demo-gp/completion", NULL) == 200);
    CHECK(get(&coach, DONE, &r) == 200);
    const char *page = buf_str(&r.body);
    CHECK_CONTAINS(page, "Every activity marked complete by a coach");
    CHECK_CONTAINS(page, "At least 3 posts in the discussions");
    CHECK_CONTAINS(page, "Alice Anders");
    CHECK_CONTAINS(page, "Bob Brown");
    CHECK_CONTAINS(page, "Dave Davies");
    CHECK(strstr(page, "Carol Other") == NULL);    /* another offering's participant */
    CHECK_CONTAINS(page, "Sign off all 1 who meet the rules");
    CHECK_CONTAINS(page, "action=\"" DONE "/all\"");
    char want[512];
    snprintf(want, sizeof want, "action=\"%s\"", sign_off_path("alice@example.org"));
    CHECK_CONTAINS(page, want);
    snprintf(want, sizeof want, "action=\"%s\"", sign_off_path("bob@example.org"));
    CHECK(strstr(page, want) == NULL);           /* no button while the rules are not met */
    snprintf(want, sizeof want, "href=\"/coach/offerings/demo-pv/people/%s\"", uid("alice@example.org"));
    CHECK_CONTAINS(page, want);
    char *coach_csrf = browser_csrf(&r);
    http_res_free(&r);
    CHECK(get(&staff, DONE, &r) == 200);
    char *staff_csrf = browser_csrf(&r);
    http_res_free(&r);
    CHECK(get(&staff, "/staff/offerings/demo-pv", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "href=\"" DONE "\"");
    http_res_free(&r);

    /* ---- refusals leave nothing written ---- */
    long long before = rows();
    CHECK(post_form(&coach, DONE, sign_off_path("bob@example.org"), "", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Bob Brown has not met the completion rules yet");
    snprintf(want, sizeof want, "1 of %lld activities marked complete", activities);
    CHECK_CONTAINS(buf_str(&r.body), want);
    http_res_free(&r);
    CHECK(post_form(&coach, DONE, sign_off_path("dave@example.org"), "", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "2 of 3 posts");
    http_res_free(&r);
    /* the coach of another offering, by id */
    CHECK(post_form(&other, "/coach/offerings/demo-gp/completion", sign_off_path("alice@example.org"), "", NULL)
          == 403);
    CHECK(post_form(&other, "/coach/offerings/demo-gp/completion", DONE "/all", "", NULL) == 403);
    /* a participant, and a coach without the form's token */
    CHECK(post_form(&alice, "/learn/demo-pv", sign_off_path("alice@example.org"), "", NULL) == 403);
    CHECK(browser_post(&coach, sign_off_path("alice@example.org"), "", &r) == 0);
    CHECK(r.status == 403);
    http_res_free(&r);
    /* someone who is not a participant of this offering */
    CHECK(post_form(&coach, DONE, sign_off_path("carol@example.org"), "", NULL) == 404);
    CHECK(rows() == before);

    /* ---- two sign-offs of the same person race: one certificate ---- */
    char f1[128], f2[128];
    snprintf(f1, sizeof f1, "csrf=%s", coach_csrf);
    snprintf(f2, sizeof f2, "csrf=%s", staff_csrf);
    struct racer ra = {&coach, sign_off_path("alice@example.org"), f1, 0};
    struct racer rb = {&staff, ra.path, f2, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, race, &ra);
    pthread_create(&tb, NULL, race, &rb);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK((ra.status == 303 && rb.status == 409) || (ra.status == 409 && rb.status == 303));
    CHECK(q_int("SELECT count(*) FROM completions", NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM certificates", NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM notifications WHERE kind = 'certificate' AND user_id = ?1",
                uid("alice@example.org")) == 1);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE recipient = 'alice@example.org' AND subject LIKE 'Your certificate%'", NULL) == 1);
    /* a third try is told it is done already */
    CHECK(post_form(&coach, DONE, sign_off_path("alice@example.org"), "", &r) == 409);
    CHECK_CONTAINS(buf_str(&r.body), "signed off already");
    http_res_free(&r);
    free(coach_csrf);
    free(staff_csrf);

    char number[64], salt[80], coach_name[64];
    snprintf(number, sizeof number, "%s", q_text("SELECT number FROM certificates", NULL));
    snprintf(salt, sizeof salt, "%s", q_text("SELECT salt FROM certificates", NULL));
    snprintf(coach_name, sizeof coach_name, "%s",
             q_text("SELECT u.name FROM certificates c JOIN users u ON u.id = c.coach_id", NULL));
    CHECK(strlen(number) == 17 && !strncmp(number, "JM-", 3));
    CHECK(strlen(salt) == 32);

    /* ---- the certificate e-mail, through the outbox to the SMTP server ---- */
    CHECK(smtp_wait_mail(&mail, "Subject: Your certificate for Purpose and Vision is ready", 1));
    CHECK(smtp_mail_count(&mail, number) >= 1);
    char *link = smtp_mail_link(&mail, "/certificates/");
    CHECK(link != NULL);
    if (link) {
        snprintf(want, sizeof want, "/certificates/%s", number);
        CHECK_STR(link, want);
    }
    free(link);
    CHECK(smtp_mail_count(&mail, "Subject: Your certificate for") == 1);

    /* ---- the printable certificate ---- */
    char cert_path[96], assertion_path[128];
    snprintf(cert_path, sizeof cert_path, "/certificates/%s", number);
    snprintf(assertion_path, sizeof assertion_path, "/badges/assertions/%s.json", number);
    CHECK(get(&anon, cert_path, &r) == 200);
    page = buf_str(&r.body);
    CHECK_CONTAINS(page, "Certificate of completion");
    CHECK_CONTAINS(page, "Alice Anders");
    CHECK_CONTAINS(page, "Purpose and Vision");
    CHECK_CONTAINS(page, "<dt>Contact hours</dt><dd>6</dd>");
    snprintf(want, sizeof want, "<dt>Coach</dt><dd>%s</dd>", coach_name);
    CHECK_CONTAINS(page, want);
    CHECK_CONTAINS(page, "Mastery Transcript Consortium");
    CHECK_CONTAINS(page, number);
    snprintf(want, sizeof want, "%s/certificates/%s", s.base, number);
    CHECK_CONTAINS(page, want);
    char dates[64];
    snprintf(dates, sizeof dates, "%s", q_text("SELECT starts FROM offerings WHERE code = ?1", "demo-pv"));
    CHECK(strlen(dates) == 10);
    CHECK_CONTAINS(page, "<dt>Dates</dt><dd>");
    CHECK(strstr(page, "Revoke this certificate") == NULL);
    http_res_free(&r);
    /* its print stylesheet: one landscape page, the site's chrome hidden */
    CHECK(get(&anon, "/static/style.css", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "@page certificate");
    CHECK_CONTAINS(buf_str(&r.body), "page: certificate;");
    CHECK_CONTAINS(buf_str(&r.body), "body:has(.certificate) .site-header");
    http_res_free(&r);
    CHECK(get(&anon, "/certificates/JM-0000-0000-0000", NULL) == 404);
    CHECK(get(&anon, "/certificates/not-a-number", NULL) == 404);

    /* ---- Open Badges 2.0: the assertion ---- */
    long st;
    char *type = NULL;
    json_t *as = get_json(&anon, assertion_path, &st, &type);
    CHECK(st == 200);
    CHECK(type && strstr(type, "application/ld+json"));
    free(type);
    CHECK(as != NULL);
    CHECK_STR(jstr(as, "@context"), "https://w3id.org/openbadges/v2");
    CHECK_STR(jstr(as, "type"), "Assertion");
    snprintf(want, sizeof want, "%s%s", s.base, assertion_path);
    CHECK_STR(jstr(as, "id"), want);
    json_t *rcp = json_object_get(as, "recipient");
    CHECK_STR(jstr(rcp, "type"), "email");
    CHECK(json_is_true(json_object_get(rcp, "hashed")));
    CHECK_STR(jstr(rcp, "salt"), salt);
    /* the hashed recipient is alice's e-mail with the salt */
    char plain[160];
    snprintf(plain, sizeof plain, "alice@example.org%s", jstr(rcp, "salt"));
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)plain, strlen(plain));
    char hexh[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hexh, sizeof hexh, h, sizeof h);
    snprintf(want, sizeof want, "sha256$%s", hexh);
    CHECK_STR(jstr(rcp, "identity"), want);
    snprintf(plain, sizeof plain, "bob@example.org%s", jstr(rcp, "salt"));
    crypto_hash_sha256(h, (const unsigned char *)plain, strlen(plain));
    sodium_bin2hex(hexh, sizeof hexh, h, sizeof h);
    CHECK(strstr(jstr(rcp, "identity"), hexh) == NULL);
    CHECK_STR(jstr(json_object_get(as, "verification"), "type"), "hosted");
    const char *issued = jstr(as, "issuedOn");
    CHECK(strlen(issued) == 20 && issued[4] == '-' && issued[10] == 'T' && issued[19] == 'Z');
    snprintf(want, sizeof want, "%s/badges/classes/purpose-and-vision.json", s.base);
    CHECK_STR(jstr(as, "badge"), want);
    CHECK(json_object_get(as, "revoked") == NULL);
    /* the assertion does not give the e-mail away */
    char *dump = json_dumps(as, 0);
    CHECK(dump && strstr(dump, "alice@example.org") == NULL);
    free(dump);

    /* the badge class it points to */
    json_t *bc = get_json(&anon, local(jstr(as, "badge")), &st, NULL);
    CHECK(st == 200 && bc != NULL);
    CHECK_STR(jstr(bc, "@context"), "https://w3id.org/openbadges/v2");
    CHECK_STR(jstr(bc, "type"), "BadgeClass");
    CHECK_STR(jstr(bc, "id"), jstr(as, "badge"));
    CHECK_STR(jstr(bc, "name"), "Purpose and Vision");
    CHECK(strlen(jstr(bc, "description")) > 20);
    json_t *crit = json_object_get(bc, "criteria");
    CHECK(json_is_object(crit));
    CHECK_CONTAINS(jstr(crit, "narrative"), "at least 3 posts");
    snprintf(want, sizeof want, "%s/courses/purpose-and-vision", s.base);
    CHECK_STR(jstr(crit, "id"), want);
    snprintf(want, sizeof want, "%s/badges/images/purpose-and-vision.svg", s.base);
    CHECK_STR(jstr(bc, "image"), want);
    snprintf(want, sizeof want, "%s/badges/issuer.json", s.base);
    CHECK_STR(jstr(bc, "issuer"), want);

    /* the issuer */
    json_t *is = get_json(&anon, local(jstr(bc, "issuer")), &st, NULL);
    CHECK(st == 200 && is != NULL);
    CHECK_STR(jstr(is, "@context"), "https://w3id.org/openbadges/v2");
    CHECK_STR(jstr(is, "type"), "Issuer");
    CHECK_STR(jstr(is, "id"), jstr(bc, "issuer"));
    CHECK_STR(jstr(is, "name"), "Mastery Transcript Consortium");
    CHECK_STR(jstr(is, "url"), s.base);
    CHECK(strchr(jstr(is, "email"), '@') != NULL);

    /* the image */
    CHECK(get(&anon, local(jstr(bc, "image")), &r) == 200);
    char *ctype = http_res_header(&r, "Content-Type");
    CHECK(ctype && !strncmp(ctype, "image/svg+xml", 13));
    free(ctype);
    CHECK(!strncmp(buf_str(&r.body), "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39));
    CHECK_CONTAINS(buf_str(&r.body), "<title>Purpose and Vision</title>");
    http_res_free(&r);
    CHECK(get(&anon, "/badges/classes/no-such-course.json", NULL) == 404);
    CHECK(get(&anon, "/badges/assertions/JM-0000-0000-0000.json", NULL) == 404);
    json_decref(is);
    json_decref(bc);
    json_decref(as);

    /* ---- the participant's own page ---- */
    CHECK(get(&alice, "/learn/demo-pv/certificate", &r) == 200);
    snprintf(want, sizeof want, "href=\"/certificates/%s\"", number);
    CHECK_CONTAINS(buf_str(&r.body), want);
    CHECK_CONTAINS(buf_str(&r.body), "aria-current=\"page\">Certificate");
    http_res_free(&r);
    CHECK(get(&bob, "/learn/demo-pv/certificate", &r) == 200);
    snprintf(want, sizeof want, "Every activity marked complete by a coach: 1 of %lld", activities);
    CHECK_CONTAINS(buf_str(&r.body), want);
    CHECK_CONTAINS(buf_str(&r.body), "At least 3 posts in the discussions: 3 of 3");
    CHECK_CONTAINS(buf_str(&r.body), "Your certificate is issued when");
    CHECK(strstr(buf_str(&r.body), "/certificates/JM-") == NULL);
    http_res_free(&r);
    CHECK(get(&carol, "/learn/demo-pv/certificate", NULL) == 403);
    CHECK(get(&coach, "/learn/demo-pv/certificate", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "href=\"" DONE "\"");
    http_res_free(&r);

    /* ---- revocation ---- */
    char revoke[128];
    snprintf(revoke, sizeof revoke, "/certificates/%s/revoke", number);
    before = rows();
    CHECK(post_form(&coach, cert_path, revoke, "reason=Mistake", NULL) == 403);
    CHECK(post_form(&alice, cert_path, revoke, "reason=Mistake", NULL) == 403);
    CHECK(get(&staff, cert_path, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Revoke this certificate");
    http_res_free(&r);
    CHECK(post_form(&staff, cert_path, revoke, "reason=+++", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Say why the certificate is revoked");
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM certificates WHERE revoked_at IS NOT NULL", NULL) == 0);
    CHECK(rows() == before);
    /* two staff revoke at once: one wins */
    http_res r1, r2;
    CHECK(get(&staff, cert_path, &r1) == 200);
    CHECK(get(&staff2, cert_path, &r2) == 200);
    char *t1 = browser_csrf(&r1), *t2 = browser_csrf(&r2);
    http_res_free(&r1);
    http_res_free(&r2);
    char g1[200], g2[200];
    snprintf(g1, sizeof g1, "csrf=%s&reason=Issued+to+the+wrong+person+%%3Cb%%3E", t1);
    snprintf(g2, sizeof g2, "csrf=%s&reason=Second+window", t2);
    struct racer va = {&staff, revoke, g1, 0}, vb = {&staff2, revoke, g2, 0};
    pthread_create(&ta, NULL, race, &va);
    pthread_create(&tb, NULL, race, &vb);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    free(t1);
    free(t2);
    CHECK((va.status == 303 && vb.status == 409) || (va.status == 409 && vb.status == 303));
    const char *reason = va.status == 303 ? "Issued to the wrong person <b>" : "Second window";
    CHECK_STR(q_text("SELECT revoke_reason FROM certificates WHERE number = ?1", number), reason);
    /* the same URLs say so */
    as = get_json(&anon, assertion_path, &st, NULL);
    CHECK(st == 410);
    CHECK(as != NULL);
    CHECK_STR(jstr(as, "type"), "Assertion");
    CHECK(json_is_true(json_object_get(as, "revoked")));
    CHECK_STR(jstr(as, "revocationReason"), reason);
    json_decref(as);
    CHECK(get(&anon, cert_path, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "This certificate was revoked on");
    CHECK_CONTAINS(buf_str(&r.body), va.status == 303 ? "Issued to the wrong person &lt;b&gt;" : "Second window");
    http_res_free(&r);
    CHECK(get(&alice, "/learn/demo-pv/certificate", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "has been revoked");
    http_res_free(&r);
    CHECK(get(&coach, DONE, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Revoked");
    http_res_free(&r);

    /* ---- sign off all who meet the rules ---- */
    q_exec("UPDATE submissions SET state = 'complete' WHERE user_id = ?1", uid("bob@example.org"), NULL);
    CHECK(get(&coach, DONE, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Sign off all 1 who meet the rules");   /* Bob; Dave is a post short */
    http_res_free(&r);
    CHECK(post_form(&coach, DONE, DONE "/all", "", &r) == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM certificates", NULL) == 2);
    CHECK(q_int("SELECT count(*) FROM completions WHERE user_id = ?1", uid("bob@example.org")) == 1);
    CHECK(q_int("SELECT count(*) FROM completions WHERE user_id = ?1", uid("dave@example.org")) == 0);
    CHECK(smtp_wait_mail(&mail, "X-RcptTo: bob@example.org", 1));
    CHECK(get(&coach, DONE, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Everyone who met the completion rules is signed off");   /* the flash */
    CHECK(strstr(buf_str(&r.body), "Sign off all") == NULL);
    http_res_free(&r);
    /* again: nobody left, nothing more issued */
    CHECK(post_form(&coach, DONE, DONE "/all", "", NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM certificates", NULL) == 2);

    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        browser_close(all[i]);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
