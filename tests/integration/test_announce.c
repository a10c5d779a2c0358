/*
** test_announce.c: announcements through real nginx, the real mailer and
** a real SMTP server (aiosmtpd).
**
** Everyone with a seat reads an offering's announcements; only its coaches
** and staff get the form, and a participant's or another offering's
** coach's post is refused with nothing written (a forged CSRF token too).
** Posted now: a notification (kind 'announcement') for each participant
** with a settled seat (not a refunded one, not another offering's, not the
** writer), the Markdown rendered safely, the week page showing the latest
** one; e-mailed under each person's choice: "at once" gets its own
** e-mail, "digest" and "off" get it in the daily digest ("off" still
** gets announcements). Bad input is a 422 that names the field and writes
** nothing. Scheduled: shown to coaches as scheduled and to nobody else,
** published by the jobs pass only when due, exactly once while three
** passes race (one set of notifications, one e-mail each); withdrawing
** a scheduled one, two withdrawals racing (one wins), a withdrawal racing
** the publication (never half of each), and another offering's coach
** denied by id.
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "browser.h"
#include "buf.h"
#include "check.h"
#include "date.h"
#include "harness.h"
#include "testkit.h"
#include "smtp.h"
#include "sqlq.h"
#include "tz.h"

#define O "pv-2019-10"  /* the offering under test */
#define O2 "gp-2019-11" /* another offering */

static stack s;
static smtp_server mail;
static sqlite3 *dbh;

typedef struct person {
    browser b;
    char *csrf;
    long long id;
    const char *email;
} person;

static person ada, bob, cat, ref, zed, cora, cora2, otto, sam;

/* printf into a rotating static buffer: the shared helper (testkit.h). */
#define fmt tk_fmt

/* Run sql (several statements allowed); 0 or -1 with the error printed. */
static int exec(const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(dbh, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sql: %s\n  in: %.300s\n", err ? err : "?", sql);
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* The integer sql gives (no parameter). */
static long long q(const char *sql)
{
    return sqlq_int(dbh, sql, NULL);
}

/* Sign p (a new account with role) in, in its own browser. */
static void sign_in(person *p, const char *email)
{
    p->email = email;
    p->id = sqlq_int(dbh, "SELECT id FROM users WHERE email = ?1", email);
    browser_open(&p->b, &s);
    http_res r;
    browser_submit(&p->b, "/signin", "/signin", fmt("email=%s&password=a+long+password+1&next=%%2Fmy", email), &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(&p->b, "/my", &r);
    p->csrf = browser_csrf(&r);
    CHECK(p->csrf && *p->csrf);
    http_res_free(&r);
}

/* Make an account with role and sign it in. */
static void person_make(person *p, const char *email, const char *name, const char *role)
{
    CHECK(stack_run(&s, fmt("echo 'a long password 1' | \"${BUILD:-build}\"/journeys user add %s --name '%s' --role %s "
                            ">/dev/null 2>&1", email, name, role), NULL) == 0);
    sign_in(p, email);
}

/* GET path as p: the status (the response in *r when r is not NULL; the caller frees). */
static long get(person *p, const char *path, http_res *r)
{
    http_res mine;
    http_res *use = r ? r : &mine;
    browser_get(&p->b, path, use);
    long st = use->status;
    if (!r)
        http_res_free(&mine);
    return st;
}

/* POST form (encoded) with p's CSRF token to path: the status (response in *r as get). */
static long post(person *p, const char *path, const char *form, http_res *r)
{
    buf body = BUF_INIT;
    buf_printf(&body, "%s%scsrf=%s", form, *form ? "&" : "", p->csrf);
    http_res mine;
    http_res *use = r ? r : &mine;
    browser_post(&p->b, path, buf_str(&body), use);
    buf_free(&body);
    long st = use->status;
    if (!r)
        http_res_free(&mine);
    return st;
}

/* Whether GET path as p answers 200 with needle in the page. */
static int page_has(person *p, const char *path, const char *needle)
{
    http_res r;
    int has = get(p, path, &r) == 200 && strstr(buf_str(&r.body), needle) != NULL;
    http_res_free(&r);
    return has;
}

/* Run `journeys notices` count times at once, at now (0: the real clock). */
static int passes(time_t now, int count)
{
    char cmd[1024] = "";
    for (int i = 0; i < count; i++)
        snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd),
                 now ? "\"${BUILD:-build}\"/journeys notices --now %lld >/dev/null & "
                     : "\"${BUILD:-build}\"/journeys notices >/dev/null & ", (long long)now);
    snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "wait");
    return stack_run(&s, cmd, NULL);
}

/* Notifications carrying announcement id's link. */
static long long notes_of(long long id)
{
    return q(fmt("SELECT count(*) FROM notifications WHERE kind = 'announcement'"
                 " AND link = '/learn/" O "/announcements#announcement-%lld'", id));
}

/* Announcements of O in all. */
static long long count_all(void)
{
    return q("SELECT count(*) FROM announcements a JOIN offerings o ON o.id = a.offering_id WHERE o.code = '" O "'");
}

/* ---- who may read and who may write ---- */

static void test_access(void)
{
    const char *page = "/learn/" O "/announcements";
    http_res r;
    /* a participant reads, without the form; the coach and staff get the form */
    CHECK(get(&ada, page, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<h1>Announcements</h1>");
    CHECK_CONTAINS(buf_str(&r.body), "No announcements yet.");
    CHECK(strstr(buf_str(&r.body), "name=\"publish_at\"") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "aria-current=\"page\">Announcements</a>");
    http_res_free(&r);
    CHECK(page_has(&cora, page, "name=\"publish_at\""));
    CHECK(page_has(&sam, page, "name=\"publish_at\""));
    /* the writer's zone is named beside the time */
    CHECK(page_has(&cora, page, "Date and time, in Europe/Berlin"));
    /* no seat: another offering's participant and coach, a refunded one */
    CHECK(get(&zed, page, NULL) == 403);
    CHECK(get(&otto, page, NULL) == 403);
    CHECK(get(&ref, page, NULL) == 403);
    /* signed out: to the sign-in page */
    http_res pub;
    CHECK(http_do(&s, "GET", page, NULL, NULL, &pub) == 0);
    CHECK(pub.status == 303);
    http_res_free(&pub);
    /* writing: a participant, another offering's coach, a forged token */
    const char *form = "title=Mine&body=Hello+all&when=now";
    CHECK(post(&ada, page, form, &r) == 403);
    CHECK_CONTAINS(buf_str(&r.body), "Only the coaches of this course post announcements.");
    http_res_free(&r);
    CHECK(post(&otto, page, form, NULL) == 403);
    CHECK(post(&zed, page, form, NULL) == 403);
    http_res forged;
    browser_post(&cora.b, page, "title=Forged&body=x&when=now&csrf=forged", &forged);
    CHECK(forged.status == 403);
    http_res_free(&forged);
    CHECK(count_all() == 0);
    CHECK(q("SELECT count(*) FROM notifications") == 0);
}

/* ---- posted now, e-mailed under each choice ---- */

static long long now_id;

static void test_now(void)
{
    const char *page = "/learn/" O "/announcements";
    http_res r;
    /* bad input: 422 naming the field, the text kept, nothing written */
    CHECK(post(&cora, page, "title=&body=Kept+text&when=now", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Give the announcement a title");
    CHECK_CONTAINS(buf_str(&r.body), ">Kept text</textarea>");
    CHECK_CONTAINS(buf_str(&r.body), "aria-invalid=\"true\"");
    http_res_free(&r);
    CHECK(post(&cora, page, "title=Soon&body=x&when=later&publish_at=", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Give the date and time to publish it");
    http_res_free(&r);
    CHECK(post(&cora, page, "title=Soon&body=x&when=later&publish_at=next+tuesday", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "for example 2030-03-05 09:00");
    CHECK_CONTAINS(buf_str(&r.body), "value=\"next tuesday\"");
    http_res_free(&r);
    CHECK(post(&cora, page, "title=Soon&body=x&when=later&publish_at=2020-01-01T09%3A00", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "That time has passed");
    http_res_free(&r);
    CHECK(post(&cora, page, "title=Soon&body=x&when=sometime", NULL) == 422);
    CHECK(count_all() == 0);

    /* posted now, with hostile Markdown */
    CHECK(post(&cora, page, "title=Live+session+moved+to+Thursday&body=Join+us+**Thursday**+at+18%3A00."
                            "+%3Cscript%3Ealert(1)%3C%2Fscript%3E+[x](javascript%3Aalert(2))&when=now", &r) == 303);
    char *to = http_res_location(&r);
    CHECK(to && strstr(to, page));
    free(to);
    http_res_free(&r);
    now_id = q("SELECT max(id) FROM announcements");
    CHECK(now_id > 0);
    CHECK(q(fmt("SELECT sent_at IS NOT NULL AND sent_at = publish_at FROM announcements WHERE id = %lld", now_id)) == 1);
    /* one notification for each settled participant: ada, bob, cat */
    CHECK(notes_of(now_id) == 3);
    CHECK(q(fmt("SELECT count(*) FROM notifications WHERE user_id IN (%lld, %lld, %lld) AND kind = 'announcement'"
                " AND title = 'Live session moved to Thursday' AND actor_id = %lld",
                ada.id, bob.id, cat.id, cora.id)) == 3);
    CHECK(q(fmt("SELECT count(*) FROM notifications WHERE user_id IN (%lld, %lld, %lld, %lld, %lld)", ref.id, zed.id,
                cora.id, otto.id, sam.id)) == 0);
    /* the participant reads it, rendered safely, and on the week page */
    CHECK(get(&ada, page, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Live session moved to Thursday");
    CHECK_CONTAINS(buf_str(&r.body), "<strong>Thursday</strong>");
    CHECK_CONTAINS(buf_str(&r.body), fmt("id=\"announcement-%lld\"", now_id));
    CHECK_CONTAINS(buf_str(&r.body), "From Cora Coach");
    CHECK(strstr(buf_str(&r.body), "<script>alert") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "&lt;script>alert(1)&lt;/script>");
    CHECK(strstr(buf_str(&r.body), "href=\"javascript:") == NULL);
    CHECK(strstr(buf_str(&r.body), "Withdraw") == NULL);
    http_res_free(&r);
    CHECK(get(&ada, "/learn/" O, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Latest announcement");
    CHECK_CONTAINS(buf_str(&r.body), "Live session moved to Thursday");
    CHECK_CONTAINS(buf_str(&r.body), fmt("/learn/" O "/announcements#announcement-%lld", now_id));
    http_res_free(&r);
    /* opening the notification leads to it */
    long long nid = q(fmt("SELECT id FROM notifications WHERE user_id = %lld AND kind = 'announcement'", ada.id));
    CHECK(get(&ada, fmt("/notifications/%lld", nid), &r) == 303);
    to = http_res_location(&r);
    CHECK(to && strstr(to, fmt("/learn/" O "/announcements#announcement-%lld", now_id)));
    free(to);
    http_res_free(&r);

    /* e-mail: at once for ada; the digest for cat (digest) and bob (off) */
    CHECK(smtp_wait_mail(&mail, "Subject: Announcement: Live session moved to Thursday", 1));
    CHECK(smtp_wait_mail(&mail, "Subject: Your daily digest", 2));
    CHECK(q(fmt("SELECT count(*) FROM outbox WHERE recipient = 'ada@example.org'"
                " AND subject = 'Announcement: Live session moved to Thursday'")) == 1);
    char text[8192];
    sqlq_text(dbh, "SELECT body_text FROM outbox WHERE recipient = ?1 AND subject LIKE 'Your daily digest%'",
              "bob@example.org", text, sizeof text);
    CHECK_CONTAINS(text, "Live session moved to Thursday");
    CHECK_CONTAINS(text, "You chose no notification e-mail, but announcements");
    sqlq_text(dbh, "SELECT body_text FROM outbox WHERE recipient = ?1 AND subject LIKE 'Your daily digest%'",
              "cat@example.org", text, sizeof text);
    CHECK_CONTAINS(text, "Live session moved to Thursday");
    CHECK(strstr(text, "You chose no notification e-mail") == NULL);
    CHECK(q("SELECT count(*) FROM notifications WHERE kind = 'announcement' AND mail_state = 'sent'") == 1);
    CHECK(q("SELECT count(*) FROM notifications WHERE kind = 'announcement' AND mail_state = 'digested'") == 2);
    CHECK(q("SELECT count(*) FROM outbox WHERE subject LIKE 'Announcement:%' OR subject LIKE 'Your daily digest%'")
          == 3);
    /* staff may announce in any offering */
    CHECK(post(&sam, page, "title=From+the+series+team&body=Welcome.&when=now", NULL) == 303);
    CHECK(q("SELECT count(*) FROM notifications WHERE title = 'From the series team'") == 3);
}

/* ---- scheduled ---- */

/* The datetime-local value of instant t in zone, into out. */
static const char *local_value(const char *zone, time_t t, char *out, size_t n)
{
    int32_t day = 0;
    int minute = 0;
    CHECK(tz_local(zone, t, &day, &minute, NULL, 0) == 0);
    buf b = BUF_INIT;
    date_iso(&b, day);
    snprintf(out, n, "%sT%02d%%3A%02d", buf_str(&b), minute / 60, minute % 60);
    buf_free(&b);
    return out;
}

/* Schedule title at about t (to the minute, in Cora's zone) as p: the new
** announcement's id (0 unless it answered 303), its instant in *at. */
static long long schedule(person *p, const char *title_enc, time_t t, time_t *at)
{
    char when[64];
    local_value("Europe/Berlin", t, when, sizeof when);
    *at = t - t % 60;
    long st = post(p, "/learn/" O "/announcements",
                   fmt("title=%s&body=Bring+your+draft.&when=later&publish_at=%s", title_enc, when), NULL);
    CHECK(st == 303);
    return st == 303 ? q("SELECT max(id) FROM announcements") : 0;
}

struct racer {
    person *p;
    const char *path;
    long status;
};

/* One racer's POST (its own browser, so its own connection). */
static void *race(void *arg)
{
    struct racer *r = arg;
    r->status = post(r->p, r->path, "", NULL);
    return NULL;
}

static void test_scheduled(void)
{
    const char *page = "/learn/" O "/announcements";
    time_t at;
    long long id = schedule(&cora, "Draft+clinic+on+Friday", time(NULL) + 2 * 86400, &at);
    CHECK(id > 0);
    /* stored at the instant meant in Berlin, not published */
    CHECK(q(fmt("SELECT publish_at FROM announcements WHERE id = %lld", id)) == (long long)at);
    CHECK(q(fmt("SELECT sent_at IS NULL FROM announcements WHERE id = %lld", id)) == 1);
    CHECK(notes_of(id) == 0);
    /* the coach sees it as scheduled, with a way to withdraw it; a participant does not see it */
    CHECK(page_has(&cora, page, "Draft clinic on Friday <span class=\"badge\">Scheduled</span>"));
    CHECK(page_has(&cora, page, fmt("/learn/" O "/announcements/%lld/cancel", id)));
    CHECK(!page_has(&ada, page, "Draft clinic on Friday"));
    CHECK(!page_has(&ada, "/learn/" O, "Draft clinic on Friday"));
    /* another offering's coach, a participant: denied, by id, both ways */
    char cancel[128];
    snprintf(cancel, sizeof cancel, "/learn/" O "/announcements/%lld/cancel", id);
    CHECK(post(&otto, cancel, "", NULL) == 403);
    CHECK(post(&otto, fmt("/learn/" O2 "/announcements/%lld/cancel", id), "", NULL) == 404);
    CHECK(post(&ada, cancel, "", NULL) == 403);
    CHECK(post(&cora, "/learn/" O "/announcements/99999999/cancel", "", NULL) == 404);
    CHECK(q(fmt("SELECT count(*) FROM announcements WHERE id = %lld", id)) == 1);

    /* a pass before its time publishes nothing */
    CHECK(passes(0, 1) == 0);
    CHECK(passes(at - 60, 1) == 0);
    CHECK(q(fmt("SELECT sent_at IS NULL FROM announcements WHERE id = %lld", id)) == 1);
    CHECK(notes_of(id) == 0);
    /* when it is due, three passes race: published once, one notification each */
    CHECK(passes(at + 30, 3) == 0);
    CHECK(q(fmt("SELECT sent_at FROM announcements WHERE id = %lld", id)) == (long long)at + 30);
    CHECK(notes_of(id) == 3);
    CHECK(passes(at + 90, 2) == 0);
    CHECK(notes_of(id) == 3);
    CHECK(q(fmt("SELECT count(*) FROM notifications WHERE link LIKE '%%#announcement-%lld' AND created_at = %lld", id,
                (long long)at + 30)) == 3);
    /* one e-mail each, however many passes ran */
    CHECK(q("SELECT count(*) FROM outbox WHERE recipient = 'ada@example.org'"
            " AND subject = 'Announcement: Draft clinic on Friday'") == 1);
    CHECK(page_has(&ada, page, "Draft clinic on Friday"));
    CHECK(page_has(&ada, "/learn/" O, "Draft clinic on Friday"));
    /* published: too late to withdraw */
    http_res r;
    CHECK(post(&cora, cancel, "", &r) == 409);
    CHECK_CONTAINS(buf_str(&r.body), "published or withdrawn already");
    http_res_free(&r);
    CHECK(notes_of(id) == 3);

    /* withdrawing a scheduled one: nobody is told, it is gone */
    long long w = schedule(&cora, "Withdrawn+one", time(NULL) + 3 * 86400, &at);
    CHECK(post(&cora, fmt("/learn/" O "/announcements/%lld/cancel", w), "", NULL) == 303);
    CHECK(q(fmt("SELECT count(*) FROM announcements WHERE id = %lld", w)) == 0);
    CHECK(passes(at + 60, 1) == 0);
    CHECK(notes_of(w) == 0);

    /* two withdrawals of one at once: one wins, the other is told */
    for (int round = 0; round < 3; round++) {
        long long x = schedule(&cora, fmt("Twice+%d", round), time(NULL) + 4 * 86400, &at);
        const char *path = fmt("/learn/" O "/announcements/%lld/cancel", x);
        struct racer a = {&cora, path, 0}, b = {&cora2, path, 0};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, race, &a);
        pthread_create(&tb, NULL, race, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        int wins = (a.status == 303) + (b.status == 303);
        int told = (a.status == 409 || a.status == 404) + (b.status == 409 || b.status == 404);
        CHECK(wins == 1 && told == 1);
        CHECK(q(fmt("SELECT count(*) FROM announcements WHERE id = %lld", x)) == 0);
    }

    /* a withdrawal racing the publication: withdrawn and never told, or
    ** published to all and the withdrawal refused; never half of each */
    for (int round = 0; round < 3; round++) {
        long long x = schedule(&cora, fmt("Either+way+%d", round), time(NULL) + 5 * 86400, &at);
        struct racer a = {&cora, fmt("/learn/" O "/announcements/%lld/cancel", x), 0};
        pthread_t ta;
        pthread_create(&ta, NULL, race, &a);
        CHECK(passes(at + 60, 2) == 0);
        pthread_join(ta, NULL);
        long long rows = q(fmt("SELECT count(*) FROM announcements WHERE id = %lld", x));
        if (a.status == 303)
            CHECK(rows == 0 && notes_of(x) == 0);
        else
            CHECK(a.status == 409 && rows == 1 && notes_of(x) == 3);
    }
}

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
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
    CHECK(exec("UPDATE offerings SET posting_closes_at = NULL WHERE code IN ('" O "', '" O2 "')") == 0);

    person_make(&ada, "ada@example.org", "Ada Instant", "participant");
    person_make(&bob, "bob@example.org", "Bob Off", "participant");
    person_make(&cat, "cat@example.org", "Cat Digest", "participant");
    person_make(&ref, "ref@example.org", "Rae Refunded", "participant");
    person_make(&zed, "zed@example.org", "Zed Elsewhere", "participant");
    person_make(&cora, "cora@example.org", "Cora Coach", "coach");
    person_make(&otto, "otto@example.org", "Otto Othercoach", "coach");
    person_make(&sam, "sam@example.org", "Sam Staff", "staff");
    sign_in(&cora2, "cora@example.org"); /* Cora in a second window */
    CHECK(exec("UPDATE users SET notify_mail = 'off' WHERE email = 'bob@example.org';"
               "UPDATE users SET notify_mail = 'digest' WHERE email = 'cat@example.org';"
               "UPDATE users SET time_zone = 'Europe/Berlin' WHERE email = 'cora@example.org'") == 0);
    CHECK(exec("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
               " updated_at) SELECT o.id, u.id, x.column3, x.column4, 5000, 'USD', 1, 1 FROM (VALUES"
               " ('" O "', 'ada@example.org', 'active', 'paid'), ('" O "', 'bob@example.org', 'active', 'waived'),"
               " ('" O "', 'cat@example.org', 'active', 'invoiced'), ('" O "', 'ref@example.org', 'refunded', 'refunded'),"
               " ('" O2 "', 'zed@example.org', 'active', 'paid')) x"
               " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);
    CHECK(exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
               " SELECT o.id, u.id, 'coach', 1 FROM (VALUES ('" O "', 'cora@example.org'), ('" O2 "', 'otto@example.org')) x"
               " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);

    test_access();
    test_now();
    test_scheduled();

    person *all[] = {&ada, &bob, &cat, &ref, &zed, &cora, &cora2, &otto, &sam};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        browser_close(&all[i]->b);
        free(all[i]->csrf);
    }
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
