/*
** test_notices.c: notifications and the workspace e-mails through real
** nginx, the real mailer and a real SMTP server (aiosmtpd).
**
** The notifications page lists a person's notifications newest first,
** unread marked, in pages of 25; marking one or all read, and opening one
** (marked read, then its local link; never an outside address); another
** person's is not found. "At once" mail arrives with List-Unsubscribe and
** List-Unsubscribe-Post; a one-click POST to the link turns that mail off,
** a forged or altered token gets a 400 and changes nothing. The daily digest
** holds every pending notification, grouped by offering, and is built once
** in 24 hours even when passes race; "off" skips notifications but still
** digests announcements. The start-of-week e-mail goes once to each
** participant with a seat (not to a refunded or unpaid registration) even
** when two passes race, with the milestones in the person's own zone; the
** morning e-mail only to those who chose it, with the day's items in their
** zone (an offering in New York, people in Berlin and Auckland).
*/
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "browser.h"
#include "check.h"
#include "date.h"
#include "harness.h"
#include "sqlq.h"
#include "smtp.h"
#include "tz.h"

static stack s;
static smtp_server mail;
static sqlite3 *dbh;
#define q_int(sql, p) sqlq_int(dbh, sql, p)
#define q_text(sql, p, out, n) sqlq_text(dbh, sql, p, out, n)

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

/* exec with printf-style arguments (numbers and fixed test strings only). */
static int execf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int execf(const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return exec(sql);
}

/* The id of the account with this e-mail. */
static long long uid(const char *email)
{
    return q_int("SELECT id FROM users WHERE email = ?1", email);
}

/* A signed-up person in their own browser. */
static void person(browser *b, const char *name, const char *email_enc)
{
    browser_open(b, &s);
    CHECK(browser_sign_up(b, name, email_enc) == 303);
}

/* Wait on state: until the integer the SQL gives equals want. */
struct want_int {
    const char *sql, *p;
    long long want;
};
static int int_is(void *arg)
{
    struct want_int *w = arg;
    return q_int(w->sql, w->p) == w->want;
}
static int wait_int(const char *sql, const char *p, long long want)
{
    struct want_int w = {sql, p, want};
    int ok = harness_wait(int_is, &w, 15000);
    if (!ok)
        fprintf(stderr, "waited in vain for %lld from %s (%s): got %lld\n", want, sql, p ? p : "",
                q_int(sql, p));
    return ok;
}

/* The stored message whose envelope recipient is rcpt and whose headers
** hold needle, the newest, into out (reset first). Returns how many match. */
static int message_for(const char *rcpt, const char *needle, buf *out)
{
    buf all = BUF_INIT, key = BUF_INIT;
    smtp_read_all(&mail, &all);
    buf_printf(&key, "\nX-RcptTo: %s\n", rcpt);
    int n = 0;
    buf_reset(out);
    const char *a = buf_str(&all);
    for (const char *p = strstr(a, buf_str(&key)); p; p = strstr(p + 1, buf_str(&key))) {
        const char *start = p;
        while (start > a && strncmp(start, "Date: ", 6) != 0)
            start--;
        const char *end = strstr(p + 1, "\nDate: ");
        size_t len = end ? (size_t)(end - start + 1) : strlen(start);
        buf one = BUF_INIT;
        buf_append(&one, start, len);
        if (!needle || strstr(buf_str(&one), needle)) {
            n++;
            buf_reset(out);
            buf_append(out, start, len);
        }
        buf_free(&one);
    }
    buf_free(&all);
    buf_free(&key);
    return n;
}

/* Outbox rows to email whose subject is like pattern. */
static long long sent_like(const char *email, const char *pattern)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE recipient = ?1 AND subject LIKE '%s'", pattern);
    return q_int(sql, email);
}

/* The newest outbox body_text to email whose subject is like pattern. */
static const char *body_like(const char *email, const char *pattern, char *out, size_t n)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT body_text FROM outbox WHERE recipient = ?1 AND subject LIKE '%s'"
                              " ORDER BY id DESC LIMIT 1", pattern);
    return q_text(sql, email, out, n);
}

/* Run one pass of `journeys notices` at now (0: the real clock); count
** passes run at the same time. Mail a pass queues is due at its own clock;
** rows queued "in the future" are then made due now, as time passing
** would, so the mailer delivers them to the SMTP server. Returns the exit
** status of the shell (the last pass). */
static int passes(time_t now, int count)
{
    char cmd[1024], one[256];
    if (now)
        snprintf(one, sizeof one, "\"${BUILD:-build}\"/journeys notices --now %lld >/dev/null", (long long)now);
    else
        snprintf(one, sizeof one, "\"${BUILD:-build}\"/journeys notices >/dev/null");
    cmd[0] = '\0';
    for (int i = 0; i < count; i++)
        snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "%s & ", one);
    snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "wait");
    int rc = stack_run(&s, cmd, NULL);
    CHECK(exec("UPDATE outbox SET next_attempt_at = unixepoch() WHERE next_attempt_at > unixepoch()"
               " AND sent_at IS NULL AND failed_at IS NULL AND attempts = 0") == 0);
    return rc;
}

/* The instant of local date iso at hh:mm in zone. */
static time_t at(const char *zone, const char *iso, int hh, int mm)
{
    int32_t day = 0;
    time_t t = 0;
    CHECK(date_parse(iso, &day) == 0);
    CHECK(tz_instant(zone, day, hh * 60 + mm, &t) == 0);
    return t;
}

static long long course_a, course_b; /* two published courses */
static char title_a[128], title_b[128];

/* Offering code for course at starts..ends in zone; its id. */
static long long offering(const char *code, long long course, const char *starts, const char *ends, const char *zone)
{
    CHECK(execf("INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, closes,"
                " season, created_at, updated_at, time_zone) VALUES ('%s', %lld, '%s', '%s', 5000, 'USD', 40, '%s',"
                " 'Test season', 0, 0, '%s')", code, course, starts, ends, starts, zone) == 0);
    return q_int("SELECT id FROM offerings WHERE code = ?1", code);
}

/* A registration of user in offering with status and payment status. */
static void seat(long long user, long long off, const char *status, const char *pay)
{
    CHECK(execf("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
                " created_at, updated_at, activated_at) VALUES (%lld, %lld, '%s', '%s', 5000, 'USD', 0, 0, 0)",
                off, user, status, pay) == 0);
}

/* One notification row, as the discussions and submissions insert them. */
static char *note_sql(char *out, size_t n, long long user, long long off, const char *kind, const char *title,
                      const char *link)
{
    snprintf(out, n, "INSERT INTO notifications(user_id, offering_id, kind, title, link, created_at)"
                     " VALUES (%lld, %lld, '%s', '%s', '%s', unixepoch());", user, off, kind, title, link);
    return out;
}

/* ---- the notifications page ---- */

static long long today_off; /* the offering the notifications belong to (in 2029, so no week mail) */

static void test_page(void)
{
    browser nora, other;
    person(&nora, "Nora+Notice", "nora%40example.org");
    person(&other, "Otto+Other", "otto%40example.org");
    long long n_id = uid("nora@example.org");
    /* Nora reads in the site only: nothing is mailed while we look. */
    CHECK(execf("UPDATE users SET notify_mail = 'off' WHERE id = %lld", n_id) == 0);
    seat(n_id, today_off, "active", "waived");
    buf sql = BUF_INIT;
    buf_puts(&sql, "BEGIN IMMEDIATE;");
    char one[512], title[64];
    for (int i = 1; i <= 27; i++) {
        snprintf(title, sizeof title, "Nora item %02d", i);
        buf_puts(&sql, note_sql(one, sizeof one, n_id, today_off, i % 3 ? "reply" : "follow", title,
                                i == 27   ? "/my"
                                : i == 26 ? "https://evil.example/phish"
                                : i == 24 ? "/learn/nt-today/activities/a-b/gallery#submission-3"
                                : i == 23 ? "/learn/nt-today#x\"><b>"
                                          : "/learn/nt-today"));
    }
    buf_puts(&sql, "COMMIT;");
    CHECK(exec(buf_str(&sql)) == 0);
    buf_free(&sql);

    http_res r;
    CHECK(browser_get(&nora, "/notifications", &r) == 0);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "27 unread");
    CHECK_CONTAINS(buf_str(&r.body), "Nora item 27");
    CHECK_CONTAINS(buf_str(&r.body), "Nora item 03");
    CHECK(strstr(buf_str(&r.body), "Nora item 02") == NULL); /* on the next page */
    CHECK(strstr(buf_str(&r.body), "Nora item 27") < strstr(buf_str(&r.body), "Nora item 26")); /* newest first */
    CHECK_CONTAINS(buf_str(&r.body), "notice-item--unread");
    CHECK_CONTAINS(buf_str(&r.body), title_a);
    char older[64];
    snprintf(older, sizeof older, "/notifications?before=%lld",
             q_int("SELECT id FROM notifications WHERE title = 'Nora item 03'", NULL));
    CHECK_CONTAINS(buf_str(&r.body), older);
    http_res_free(&r);
    CHECK(browser_get(&nora, older, &r) == 0);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Nora item 02");
    CHECK_CONTAINS(buf_str(&r.body), "Nora item 01");
    CHECK(strstr(buf_str(&r.body), "Nora item 03") == NULL);
    http_res_free(&r);
    CHECK(browser_get(&nora, "/notifications?before=abc", &r) == 0);
    CHECK(r.status == 400);
    http_res_free(&r);

    /* Opening one marks it read and follows its local link. */
    long long id27 = q_int("SELECT id FROM notifications WHERE title = 'Nora item 27'", NULL);
    char path[64];
    snprintf(path, sizeof path, "/notifications/%lld", id27);
    CHECK(browser_get(&nora, path, &r) == 0);
    CHECK(r.status == 303);
    char *loc = http_res_location(&r);
    CHECK(strstr(loc, "/my") != NULL && strstr(loc, "evil") == NULL);
    free(loc);
    http_res_free(&r);
    CHECK(q_int("SELECT read_at IS NOT NULL FROM notifications WHERE title = 'Nora item 27'", NULL) == 1);
    /* A link that leaves the site is never followed. */
    long long id26 = q_int("SELECT id FROM notifications WHERE title = 'Nora item 26'", NULL);
    snprintf(path, sizeof path, "/notifications/%lld", id26);
    CHECK(browser_get(&nora, path, &r) == 0);
    CHECK(r.status == 303);
    loc = http_res_location(&r);
    CHECK(strstr(loc, "evil") == NULL);
    CHECK(strstr(loc, "/notifications") != NULL);
    free(loc);
    http_res_free(&r);
    /* A link to a place on a page keeps its plain anchor; any other is dropped. */
    long long id24 = q_int("SELECT id FROM notifications WHERE title = 'Nora item 24'", NULL);
    snprintf(path, sizeof path, "/notifications/%lld", id24);
    CHECK(browser_get(&nora, path, &r) == 0);
    CHECK(r.status == 303);
    loc = http_res_location(&r);
    CHECK_STR(loc, "/learn/nt-today/activities/a-b/gallery#submission-3");
    free(loc);
    http_res_free(&r);
    long long id23 = q_int("SELECT id FROM notifications WHERE title = 'Nora item 23'", NULL);
    snprintf(path, sizeof path, "/notifications/%lld", id23);
    CHECK(browser_get(&nora, path, &r) == 0);
    CHECK(r.status == 303);
    loc = http_res_location(&r);
    CHECK_STR(loc, "/learn/nt-today");
    free(loc);
    http_res_free(&r);
    /* unread again, for the counts below */
    CHECK(exec("UPDATE notifications SET read_at = NULL WHERE title IN ('Nora item 23', 'Nora item 24')") == 0);
    /* Someone else's notification is not there for Otto; nothing changes. */
    long long id25 = q_int("SELECT id FROM notifications WHERE title = 'Nora item 25'", NULL);
    snprintf(path, sizeof path, "/notifications/%lld", id25);
    CHECK(browser_get(&other, path, &r) == 0);
    CHECK(r.status == 404);
    http_res_free(&r);
    char action[64];
    snprintf(action, sizeof action, "/notifications/%lld/read", id25);
    CHECK(browser_submit(&other, "/notifications", action, "x=1", &r) == 0);
    CHECK(r.status == 404);
    http_res_free(&r);
    CHECK(q_int("SELECT read_at IS NULL FROM notifications WHERE title = 'Nora item 25'", NULL) == 1);
    /* Signed out: the sign-in page. */
    http_res pub;
    CHECK(http_do(&s, "GET", "/notifications", NULL, NULL, &pub) == 0);
    CHECK(pub.status == 303);
    http_res_free(&pub);
    /* Mark one read with its button; a forged CSRF token is refused. */
    CHECK(browser_submit(&nora, "/notifications", action, "x=1", &r) == 0);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT read_at IS NOT NULL FROM notifications WHERE title = 'Nora item 25'", NULL) == 1);
    CHECK(browser_post(&nora, "/notifications/read", "upto=999999&csrf=forged", &r) == 0);
    CHECK(r.status == 403);
    http_res_free(&r);
    char nid[32];
    snprintf(nid, sizeof nid, "%lld", n_id);
    CHECK(q_int("SELECT count(*) FROM notifications WHERE user_id = ?1 AND read_at IS NULL", nid) == 24);

    /* The unread count in the workspace navigation. */
    CHECK(browser_get(&nora, "/learn/nt-today", &r) == 0);
    if (r.status == 404 && !strstr(buf_str(&r.body), "ws-nav")) {
        fprintf(stderr, "note: no workspace page at /learn/CODE in this tree; the navigation badge is checked "
                        "where the week pages exist\n");
    } else {
        CHECK(r.status == 200);
        CHECK_CONTAINS(buf_str(&r.body), ">24<span class=\"visually-hidden\"> new</span>");
    }
    http_res_free(&r);

    /* A notification newer than the page is not marked by "Mark all". */
    CHECK(browser_get(&nora, "/notifications", &r) == 0);
    char *csrf = browser_csrf(&r);
    CHECK_CONTAINS(buf_str(&r.body), "24 unread");
    http_res_free(&r);
    CHECK(exec(note_sql(one, sizeof one, n_id, today_off, "reply", "Nora late item", "/my")) == 0);
    char form[256];
    long long newest = q_int("SELECT max(id) FROM notifications WHERE user_id = ?1 AND title <> 'Nora late item'",
                             nid);
    snprintf(form, sizeof form, "upto=%lld&csrf=%s", newest, csrf);
    free(csrf);
    CHECK(browser_post(&nora, "/notifications/read", form, &r) == 0);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM notifications WHERE user_id = ?1 AND read_at IS NULL", nid) == 1);
    CHECK(browser_get(&nora, "/notifications", &r) == 0);
    CHECK_CONTAINS(buf_str(&r.body), "1 unread");
    http_res_free(&r);
    CHECK(browser_submit(&nora, "/notifications", "/notifications/read", "upto=0", &r) == 0);
    CHECK(r.status == 422);
    http_res_free(&r);
    browser_close(&nora);
    browser_close(&other);
}

/* ---- at once, one-click unsubscribe, off ---- */

static void test_instant_and_unsubscribe(void)
{
    browser ian;
    person(&ian, "Ian+Instant", "ian%40example.org");
    long long i_id = uid("ian@example.org");
    char one[512], sql[2048], text[8192];
    CHECK(exec(note_sql(one, sizeof one, i_id, today_off, "reply", "Ivy answered your question", "/my")) == 0);
    CHECK(wait_int("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = ?1"
                   " AND mail_state = 'sent'", "ian@example.org", 1));
    CHECK(smtp_wait_mail(&mail, "Subject: A reply to you: Ivy answered your question", 1));
    buf msg = BUF_INIT;
    CHECK(message_for("ian@example.org", "Ivy answered your question", &msg) == 1);
    char want[256];
    snprintf(want, sizeof want, "\nList-Unsubscribe: <%s/unsubscribe?t=%lld.notifications.", s.base, i_id);
    CHECK_CONTAINS(buf_str(&msg), want);
    CHECK_CONTAINS(buf_str(&msg), "\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n");
    body_like("ian@example.org", "A reply to you%", text, sizeof text);
    CHECK_CONTAINS(text, "Ivy answered your question");
    CHECK_CONTAINS(text, "/notifications/");
    CHECK_CONTAINS(text, "/unsubscribe?t=");

    /* Two at once: one e-mail holding both. */
    snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; %s", note_sql(one, sizeof one, i_id, today_off, "comment",
                                                               "Comment from Cal", "/my"));
    strcat(sql, note_sql(one, sizeof one, i_id, today_off, "follow", "New post from Flo", "/my"));
    strcat(sql, "COMMIT;");
    CHECK(exec(sql) == 0);
    CHECK(passes(0, 3) == 0); /* three passes race the mailer's own */
    CHECK(smtp_wait_mail(&mail, "Subject: 2 new notifications", 1));
    CHECK(sent_like("ian@example.org", "2 new notifications") == 1);
    body_like("ian@example.org", "2 new notifications", text, sizeof text);
    CHECK_CONTAINS(text, "Comment from Cal");
    CHECK_CONTAINS(text, "New post from Flo");

    /* The link from the header. */
    const char *h = strstr(buf_str(&msg), "\nList-Unsubscribe: <");
    char link[512] = "";
    if (h) {
        h = strstr(h, "/unsubscribe?t=");
        size_t k = strcspn(h, ">");
        snprintf(link, sizeof link, "%.*s", (int)k, h);
    }
    CHECK(strlen(link) > 20);
    const char *token = strstr(link, "t=") + 2;
    const char *form_hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    const char *multi_hdr[] = {"Content-Type: multipart/form-data; boundary=xyz", NULL};

    /* Forged: Nora's id with Ian's MAC; Ian's token with one letter
    ** changed; the stream swapped; junk. Each a 400, nothing changes. */
    long long n_id = uid("nora@example.org");
    CHECK(execf("UPDATE users SET notify_mail = 'instant', morning_mail = 1 WHERE id = %lld", n_id) == 0);
    const char *mac = strrchr(token, '.') + 1;
    char forged[5][512];
    snprintf(forged[0], sizeof forged[0], "/unsubscribe?t=%lld.notifications.%s", n_id, mac);
    snprintf(forged[1], sizeof forged[1], "%s", link);
    char *last = forged[1] + strlen(forged[1]) - 3;
    *last = *last == 'x' ? 'y' : 'x';
    snprintf(forged[2], sizeof forged[2], "/unsubscribe?t=%lld.morning.%s", i_id, mac);
    snprintf(forged[3], sizeof forged[3], "/unsubscribe?t=%%3Cscript%%3E");
    snprintf(forged[4], sizeof forged[4], "/unsubscribe");
    for (int i = 0; i < 5; i++) {
        http_res r;
        CHECK(http_do(&s, "POST", forged[i], "List-Unsubscribe=One-Click", form_hdr, &r) == 0);
        CHECK(r.status == 400);
        CHECK_CONTAINS(buf_str(&r.body), "not valid");
        CHECK(strstr(buf_str(&r.body), "<script>") == NULL);
        http_res_free(&r);
        CHECK(http_do(&s, "GET", forged[i], NULL, NULL, &r) == 0);
        CHECK(r.status == 400);
        http_res_free(&r);
    }
    char v[64];
    CHECK_STR(q_text("SELECT notify_mail || '/' || morning_mail FROM users WHERE email = ?1", "nora@example.org", v,
                     sizeof v), "instant/1");
    CHECK_STR(q_text("SELECT notify_mail || '/' || morning_mail FROM users WHERE email = ?1", "ian@example.org", v,
                     sizeof v), "instant/0");
    CHECK(execf("UPDATE users SET notify_mail = 'off', morning_mail = 0 WHERE id = %lld", n_id) == 0);

    /* GET shows a button and changes nothing (link scanners follow links). */
    http_res r;
    CHECK(http_do(&s, "GET", link, NULL, NULL, &r) == 0);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<button");
    CHECK_CONTAINS(buf_str(&r.body), "action=\"/unsubscribe?t=");
    http_res_free(&r);
    CHECK_STR(q_text("SELECT notify_mail FROM users WHERE email = ?1", "ian@example.org", v, sizeof v), "instant");
    /* The one-click POST as a mail client sends it: no session, no CSRF,
    ** multipart body. */
    CHECK(http_do(&s, "POST", link, "--xyz\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
                                    "One-Click\r\n--xyz--\r\n", multi_hdr, &r) == 0);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "You are unsubscribed");
    http_res_free(&r);
    CHECK_STR(q_text("SELECT notify_mail FROM users WHERE email = ?1", "ian@example.org", v, sizeof v), "off");
    CHECK(http_do(&s, "POST", link, "List-Unsubscribe=One-Click", form_hdr, &r) == 0);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "already off");
    http_res_free(&r);

    /* Off: a reply is skipped, an announcement comes in the digest. */
    int before = smtp_count(&mail);
    CHECK(exec(note_sql(one, sizeof one, i_id, today_off, "reply", "Reply nobody mails", "/my")) == 0);
    CHECK(wait_int("SELECT mail_state = 'skipped' FROM notifications WHERE title = 'Reply nobody mails'", NULL, 1));
    CHECK(exec(note_sql(one, sizeof one, i_id, today_off, "announcement", "Live session moved to Thursday",
                        "/my")) == 0);
    CHECK(wait_int("SELECT mail_state = 'digested' FROM notifications WHERE title = 'Live session moved to Thursday'",
                   NULL, 1));
    CHECK(smtp_wait_mail(&mail, "Subject: Your daily digest: 1 notification", 1));
    CHECK(message_for("ian@example.org", "Subject: Your daily digest", &msg) == 1);
    CHECK_CONTAINS(buf_str(&msg), "\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n");
    body_like("ian@example.org", "Your daily digest%", text, sizeof text);
    CHECK_CONTAINS(text, "Live session moved to Thursday");
    CHECK(strstr(text, "Reply nobody mails") == NULL);
    CHECK(smtp_count(&mail) == before + 1);
    buf_free(&msg);
    browser_close(&ian);
}

/* ---- the daily digest ---- */

static void test_digest(long long off_b)
{
    browser dana;
    person(&dana, "Dana+Digest", "dana%40example.org");
    long long d_id = uid("dana@example.org");
    /* The choice from the account page: a bad value is refused. */
    http_res r;
    CHECK(browser_submit(&dana, "/account", "/account/notifications", "notify_mail=weekly", &r) == 0);
    CHECK(r.status == 422);
    http_res_free(&r);
    CHECK(browser_submit(&dana, "/account", "/account/notifications", "notify_mail=digest", &r) == 0);
    CHECK(r.status == 303);
    char *loc = http_res_location(&r);
    CHECK(strstr(loc, "/account") != NULL && strstr(loc, "%23") == NULL);
    free(loc);
    http_res_free(&r);
    char v[64], one[512], sql[4096], text[8192];
    CHECK_STR(q_text("SELECT notify_mail FROM users WHERE email = ?1", "dana@example.org", v, sizeof v), "digest");
    CHECK(browser_get(&dana, "/account", &r) == 0);
    CHECK_CONTAINS(buf_str(&r.body), "id=\"notify-digest\" name=\"notify_mail\" type=\"radio\" value=\"digest\" checked");
    http_res_free(&r);

    snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; %s", note_sql(one, sizeof one, d_id, today_off, "reply",
                                                               "Digest one", "/my"));
    strcat(sql, note_sql(one, sizeof one, d_id, off_b, "comment", "Digest two", "/my"));
    strcat(sql, note_sql(one, sizeof one, d_id, today_off, "announcement", "Digest three", "/my"));
    strcat(sql, "COMMIT;");
    CHECK(exec(sql) == 0);
    CHECK(smtp_wait_mail(&mail, "Subject: Your daily digest: 3 notifications", 1));
    char nid[32];
    snprintf(nid, sizeof nid, "%lld", d_id);
    CHECK(q_int("SELECT count(*) FROM notifications WHERE user_id = ?1 AND mail_state = 'digested'", nid) == 3);
    body_like("dana@example.org", "Your daily digest%", text, sizeof text);
    CHECK_CONTAINS(text, "Digest one");
    CHECK_CONTAINS(text, "Digest two");
    CHECK_CONTAINS(text, "Digest three");
    CHECK_CONTAINS(text, title_a);
    CHECK_CONTAINS(text, title_b);
    /* Grouped: both of the first offering's together under its title. */
    const char *ga = strstr(text, title_a), *gb = strstr(text, title_b);
    const char *one_at = strstr(text, "Digest one"), *three_at = strstr(text, "Digest three");
    CHECK(ga && gb && one_at && three_at && ((ga < one_at && ga < three_at && (gb < ga || gb > three_at)) ||
                                             (gb < ga)));
    /* A fourth waits for tomorrow's digest: a pass now leaves it pending. */
    CHECK(exec(note_sql(one, sizeof one, d_id, today_off, "reply", "Digest four", "/my")) == 0);
    CHECK(passes(0, 1) == 0);
    CHECK(q_int("SELECT mail_state = 'pending' FROM notifications WHERE title = 'Digest four'", NULL) == 1);
    /* A day later three passes race: one digest, holding it. */
    time_t tomorrow = time(NULL) + 86400 + 60;
    CHECK(passes(tomorrow, 3) == 0);
    CHECK(q_int("SELECT mail_state = 'digested' FROM notifications WHERE title = 'Digest four'", NULL) == 1);
    CHECK(sent_like("dana@example.org", "Your daily digest%") == 2);
    CHECK(sent_like("dana@example.org", "Your daily digest: 1 notification") == 1);
    CHECK(passes(tomorrow, 2) == 0);
    CHECK(sent_like("dana@example.org", "Your daily digest%") == 2);
    CHECK(smtp_wait_mail(&mail, "Subject: Your daily digest: 1 notification", 2)); /* Ian's and Dana's */
    browser_close(&dana);
}

/* ---- start of week and morning ---- */

static void test_week(void)
{
    /* Mon 4 - Fri 8 March 2030 in New York (standard time until the 10th). */
    long long w = offering("nt-week", course_a, "2030-03-04", "2030-03-08", "America/New_York");
    const char *people[][4] = {
        {"Wes+Berlin", "wes%40example.org", "wes@example.org", "Europe/Berlin"},
        {"Wren+Auckland", "wren%40example.org", "wren@example.org", "Pacific/Auckland"},
        {"Mia+NewYork", "mia%40example.org", "mia@example.org", "America/New_York"},
        {"Olive+Off", "olive%40example.org", "olive@example.org", "Europe/Berlin"},
        {"Rex+Refunded", "rex%40example.org", "rex@example.org", "Europe/Berlin"},
        {"Pam+Pending", "pam%40example.org", "pam@example.org", "Europe/Berlin"},
    };
    for (size_t i = 0; i < sizeof people / sizeof *people; i++) {
        browser b;
        person(&b, people[i][0], people[i][1]);
        browser_close(&b);
        CHECK(execf("UPDATE users SET time_zone = '%s' WHERE id = %lld", people[i][3], uid(people[i][2])) == 0);
    }
    char text[8192];
    seat(uid("wes@example.org"), w, "active", "paid");
    seat(uid("wren@example.org"), w, "active", "waived");
    seat(uid("mia@example.org"), w, "active", "invoiced");
    seat(uid("olive@example.org"), w, "active", "paid");
    seat(uid("rex@example.org"), w, "refunded", "refunded");
    seat(uid("pam@example.org"), w, "pending", "unpaid");
    CHECK(execf("UPDATE users SET morning_mail = 1 WHERE email IN ('wes@example.org', 'wren@example.org')") == 0);
    CHECK(execf("UPDATE users SET notify_mail = 'off' WHERE email = 'olive@example.org'") == 0);
    /* The week: a prompt opens on day 2, an activity is due day 2 at 17:00,
    ** another day 3 at 09:00; the wrap-up on day 5 at 19:00. */
    CHECK(execf("UPDATE course_items SET opens = NULL, due = NULL WHERE course_id = %lld;"
                "UPDATE course_items SET title = 'Prompt opening day two', opens = 'day 2' WHERE id ="
                " (SELECT min(id) FROM course_items WHERE course_id = %lld AND section = 'prompt');"
                "UPDATE course_items SET title = 'Activity due day two', due = 'day 2 17:00' WHERE id ="
                " (SELECT min(id) FROM course_items WHERE course_id = %lld AND section = 'activity');"
                "UPDATE course_items SET title = 'Activity due day three', due = 'day 3 09:00' WHERE id ="
                " (SELECT max(id) FROM course_items WHERE course_id = %lld AND section = 'activity');"
                "DELETE FROM course_milestones WHERE course_id = %lld;"
                "INSERT INTO course_milestones(course_id, position, key, title, at)"
                " VALUES (%lld, 1, 'wrap', 'Closing live session', 'day 5 19:00');",
                course_a, course_a, course_a, course_a, course_a, course_a) == 0);

    /* Before 06:00 in New York on day 1: no start-of-week e-mail yet. It
    ** is 10:00 on Monday in Berlin, a course day: Wes's morning e-mail,
    ** with nothing opening or due there that day. */
    CHECK(passes(at("America/New_York", "2030-03-04", 4, 0), 1) == 0);
    CHECK(sent_like("wes@example.org", "Your week of %") == 0);
    CHECK(sent_like("wes@example.org", "Today in % Monday, 4 March 2030") == 1);
    body_like("wes@example.org", "Today in % Monday, 4 March 2030", text, sizeof text);
    CHECK_CONTAINS(text, "Nothing new opens");
    /* From 06:00: two passes race, then a third: once per person. */
    time_t day1 = at("America/New_York", "2030-03-04", 7, 0);
    CHECK(passes(day1, 2) == 0);
    CHECK(passes(day1, 1) == 0);
    const char *subject = "Your week of % starts today";
    CHECK(sent_like("wes@example.org", subject) == 1);
    CHECK(sent_like("wren@example.org", subject) == 1);
    CHECK(sent_like("mia@example.org", subject) == 1);
    CHECK(sent_like("olive@example.org", subject) == 0);  /* notification e-mail off */
    CHECK(sent_like("mia@example.org", "Today in %") == 0); /* no morning e-mail asked for */
    CHECK(sent_like("rex@example.org", subject) == 0);    /* refunded: no seat */
    CHECK(sent_like("pam@example.org", subject) == 0);    /* not paid: no seat */
    CHECK(q_int("SELECT count(*) FROM workspace_mail WHERE kind = 'week_start'", NULL) == 3);
    body_like("wes@example.org", subject, text, sizeof text);
    char learn[128];
    snprintf(learn, sizeof learn, "%s/learn/nt-week", s.base);
    CHECK_CONTAINS(text, learn);
    CHECK_CONTAINS(text, "Closing live session");
    /* Day 5 19:00 in New York is 01:00 on Saturday in Berlin, 13:00 in Auckland. */
    CHECK_CONTAINS(text, "Saturday, 9 March 2030, 01:00 CET");
    CHECK_CONTAINS(text, "Activity due day two");
    CHECK_CONTAINS(text, "Tuesday, 5 March 2030, 23:00 CET");
    body_like("wren@example.org", subject, text, sizeof text);
    CHECK_CONTAINS(text, "Saturday, 9 March 2030, 13:00 NZDT");
    body_like("mia@example.org", subject, text, sizeof text);
    CHECK_CONTAINS(text, "Friday, 8 March 2030, 19:00 EST");
    CHECK(smtp_wait_mail(&mail, "Subject: Your week of", 3));
    buf msg = BUF_INIT;
    CHECK(message_for("wes@example.org", "Subject: Your week of", &msg) == 1);
    CHECK_CONTAINS(buf_str(&msg), "\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n");

    /* Tuesday 12:00 UTC: 13:00 in Berlin, where the prompt opens at 06:00
    ** and the activity is due at 23:00; 01:00 on Wednesday in Auckland, too
    ** early for a morning e-mail. Mia did not ask for one. */
    time_t tue = at("UTC", "2030-03-05", 12, 0);
    CHECK(passes(tue, 2) == 0);
    CHECK(passes(tue, 1) == 0);
    const char *wes_day = "Today in % Tuesday, 5 March 2030";
    CHECK(sent_like("wes@example.org", wes_day) == 1);
    CHECK(sent_like("wes@example.org", "Today in %") == 2);
    CHECK(sent_like("mia@example.org", "Today in %") == 0);
    CHECK(sent_like("wren@example.org", "Today in % Wednesday, 6 March 2030") == 0);
    body_like("wes@example.org", wes_day, text, sizeof text);
    CHECK_CONTAINS(text, "Prompt opening day two (Tuesday, 5 March 2030, 06:00 CET)");
    CHECK_CONTAINS(text, "Activity due day two (by Tuesday, 5 March 2030, 23:00 CET)");
    CHECK(strstr(text, "Activity due day three") == NULL);
    /* Tuesday 18:00 UTC: 07:00 on Wednesday in Auckland, where the day-two
    ** activity falls due at 11:00; the prompt opened the day before there. */
    time_t tue_late = at("UTC", "2030-03-05", 18, 0);
    CHECK(passes(tue_late, 2) == 0);
    const char *wren_day = "Today in % Wednesday, 6 March 2030";
    CHECK(sent_like("wren@example.org", wren_day) == 1);
    body_like("wren@example.org", wren_day, text, sizeof text);
    CHECK_CONTAINS(text, "Activity due day two (by Wednesday, 6 March 2030, 11:00 NZDT)");
    CHECK(strstr(text, "Prompt opening day two") == NULL);
    CHECK(sent_like("wes@example.org", "Today in %") == 2); /* Berlin's Tuesday had its e-mail */
    CHECK(smtp_wait_mail(&mail, "Subject: Today in", 4));   /* Wes twice, Wren on her Tuesday and Wednesday */
    /* Her two morning e-mails (the long subjects are encoded) each carry
    ** the morning stream's own unsubscribe link. */
    char want[256];
    snprintf(want, sizeof want, "\nList-Unsubscribe: <%s/unsubscribe?t=%lld.morning.", s.base,
             uid("wren@example.org"));
    CHECK(message_for("wren@example.org", want, &msg) == 2);
    CHECK_CONTAINS(buf_str(&msg), "\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n");
    buf_free(&msg);
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
    course_a = q_int("SELECT id FROM courses ORDER BY id LIMIT 1", NULL);
    course_b = q_int("SELECT id FROM courses ORDER BY id LIMIT 1 OFFSET 1", NULL);
    CHECK(course_a > 0 && course_b > 0);
    char id[32];
    snprintf(id, sizeof id, "%lld", course_a);
    q_text("SELECT title FROM courses WHERE id = ?1", id, title_a, sizeof title_a);
    snprintf(id, sizeof id, "%lld", course_b);
    q_text("SELECT title FROM courses WHERE id = ?1", id, title_b, sizeof title_b);
    /* Offerings for the notifications: far from today's week mail. */
    today_off = offering("nt-today", course_a, "2029-01-07", "2029-01-11", "UTC");
    long long off_b = offering("nt-other", course_b, "2029-02-04", "2029-02-08", "UTC");

    test_page();
    test_instant_and_unsubscribe();
    test_digest(off_b);
    test_week();

    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
