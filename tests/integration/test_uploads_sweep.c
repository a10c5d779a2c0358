/*
** test_uploads_sweep.c: three workspace rules through real nginx and the real
** sweeper process.
**
**   - A participant who starts a thread tells the offering's coaches (one
**     notification of kind 'thread' each, linking to the thread, shown on
**     their notifications page, and mailed through the real SMTP server
**     unless the coach turned notification e-mail off); a coach or staff
**     member starting one tells nobody; a coach of another offering never
**     hears of it.
**   - The sweeper removes kept files no submission refers to any more: the
**     orphaned blob row goes and its file with it, a referred file stays,
**     day-old files with no row and day-old temporary files go, fresh ones
**     stay; the same bytes handed in again after the sweep are kept again.
**     (Two sweeps racing are in tests/unit/test_uploads_sweep.c.)
**   - Permissions: the database, the kept files, their shard folders and
**     the two upload folders grant nothing to other users of the machine.
**
** People and seats are set up with `journeys user add` and SQL, as the
** other workspace tests do; every action under test goes through the site
** or the sweeper the stack runs.
*/
#include <curl/curl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"
#include "smtp.h"
#include "sqlq.h"

#define O "demo-pv"                                            /* the offering under test */
#define O2 "demo-gp"                                           /* another offering */
#define ACT "/learn/" O "/activities/tell-your-public-narrative"

static stack s;
static sqlite3 *dbh;
static smtp_server mail;

/* ---- helpers ----------------------------------------------------------- */

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

/* sqlq_int on the site's database. */
static long long q_int(const char *sql, const char *p)
{
    return sqlq_int(dbh, sql, p);
}

/* Make an account with role and sign b in as it. */
static void person(browser *b, const char *email, const char *name, const char *role)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "echo 'a long password 1' | \"${BUILD:-build}\"/journeys user add %s --name '%s' --role %s"
             " >/dev/null 2>&1", email, name, role);
    CHECK(stack_run(&s, cmd, NULL) == 0);
    browser_open(b, &s);
    char form[256];
    snprintf(form, sizeof form, "email=%s&password=a+long+password+1&next=%%2Fmy", email);
    http_res r;
    browser_submit(b, "/signin", "/signin", form, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
}

/* Give email an active, paid seat in offering code. */
static void seat(const char *email, const char *code)
{
    q_exec("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
           " updated_at, activated_at) SELECT o.id, u.id, 'active', 'paid', 5000, 'USD', unixepoch(), unixepoch(),"
           " unixepoch() FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1", email, code);
}

/* Make email a coach of offering code. */
static void coach_of(const char *email, const char *code)
{
    q_exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach', unixepoch()"
           " FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1", email, code);
}

/* Start a thread in the general space of O as b (title and body plain
** words, no encoding needed); the new thread's id, or 0. */
static long long start_thread(browser *b, const char *title, const char *body)
{
    char form[512];
    snprintf(form, sizeof form, "title=%s&body=%s", title, body);
    http_res r;
    browser_submit(b, "/learn/" O "/discuss/general", "/learn/" O "/discuss/general", form, &r);
    long long id = 0;
    char *to = http_res_location(&r);
    const char *t = to ? strstr(to, "/threads/") : NULL;
    if (r.status == 303 && t)
        id = strtoll(t + 9, NULL, 10);
    else
        fprintf(stderr, "  (start thread: %ld %.300s)\n", r.status, buf_str(&r.body));
    free(to);
    http_res_free(&r);
    return id;
}

/* Notification rows of kind 'thread' for the account email linking to
** thread id. */
static long long thread_notes(const char *email, long long id)
{
    char q[400];
    snprintf(q, sizeof q, "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id"
                          " WHERE n.kind = 'thread' AND n.link = '/learn/" O "/threads/%lld' AND u.email = ?1", id);
    return q_int(q, email);
}

/* Notification rows of kind 'thread' linking to thread id, for anyone. */
static long long thread_notes_all(long long id)
{
    char link[160];
    snprintf(link, sizeof link, "/learn/" O "/threads/%lld", id);
    return q_int("SELECT count(*) FROM notifications WHERE kind = 'thread' AND link = ?1", link);
}

/* Whether no notification waits for the mailer any more. */
static int pending_gone(void *arg)
{
    (void)arg;
    return q_int("SELECT count(*) FROM notifications WHERE mail_state = 'pending'", NULL) == 0;
}

/* ---- a participant's new thread reaches the coaches ---------------------- */

static browser ada, bob, zed, cora, cole, otto, sam;

/* A participant's thread reaches every coach of the offering, once, with
** its words and link, and nobody else; a coach's or staff member's thread
** reaches nobody. */
static void test_thread_notice(void)
{
    /* every coach of the offering: ours and the one the course names */
    long long coaches = q_int("SELECT count(DISTINCT s.user_id) FROM offering_staff s JOIN offerings o"
                              " ON o.id = s.offering_id WHERE o.code = ?1", O);
    long long t1 = start_thread(&ada, "Where+to+begin", "Our+school+is+starting+from+scratch.");
    CHECK(t1 > 0);
    CHECK(thread_notes("cora@example.org", t1) == 1);   /* both coaches of the offering */
    CHECK(thread_notes("cole@example.org", t1) == 1);
    CHECK(thread_notes("otto@example.org", t1) == 0);   /* a coach of another offering */
    CHECK(thread_notes("sam@example.org", t1) == 0);    /* staff, not a coach of it */
    CHECK(thread_notes("ada@example.org", t1) == 0);    /* never the author */
    CHECK(thread_notes("bob@example.org", t1) == 0);    /* nor a classmate */
    CHECK(coaches >= 3);                                 /* the course's own coach too */
    CHECK(thread_notes_all(t1) == coaches);
    char title[256];
    char link[160];
    snprintf(link, sizeof link, "/learn/" O "/threads/%lld", t1);
    sqlq_text(dbh, "SELECT title FROM notifications WHERE kind = 'thread' AND link = ?1", link, title, sizeof title);
    CHECK_STR(title, "Ada Lovelace started \"Where to begin\"");
    CHECK(q_int("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.actor_id WHERE n.link = ?1"
                " AND u.email = 'ada@example.org' AND n.offering_id = (SELECT id FROM offerings WHERE code = '" O "')",
                link) == coaches);

    /* each coach gets it by e-mail (at once, the default choice), and a
    ** coach who chose no notification e-mail does not */
    CHECK(smtp_wait_mail(&mail, "Subject: New thread: Ada Lovelace started", (int)coaches));
    CHECK(smtp_mail_count(&mail, "X-RcptTo: cora@example.org") >= 1);
    CHECK(smtp_mail_count(&mail, "X-RcptTo: cole@example.org") >= 1);
    CHECK(smtp_mail_count(&mail, "X-RcptTo: otto@example.org") == 0);
    /* cora's mail opens cora's notification, which leads to the thread */
    long long nid = q_int("SELECT n.id FROM notifications n JOIN users u ON u.id = n.user_id"
                          " WHERE n.kind = 'thread' AND u.email = ?1", "cora@example.org");
    char open_url[200];
    snprintf(open_url, sizeof open_url, "%s/notifications/%lld\n", s.base, nid);
    CHECK(smtp_mail_count(&mail, open_url) >= 1);
    snprintf(open_url, sizeof open_url, "/notifications/%lld", nid);
    http_res o;
    browser_get(&cora, open_url, &o);
    char *to = http_res_location(&o);
    CHECK(o.status == 303 && to && strstr(to, link));
    free(to);
    http_res_free(&o);

    /* the coach sees it on the notifications page, with the link */
    http_res r;
    browser_get(&cora, "/notifications", &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "New thread");
    CHECK_CONTAINS(buf_str(&r.body), "Ada Lovelace started &quot;Where to begin&quot;");
    http_res_free(&r);
    /* ... and the link leads to the thread */
    browser_get(&cora, link, &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Where to begin");
    http_res_free(&r);

    /* another participant: the coaches hear again (cole has turned
    ** notification e-mail off: the notice, but no mail) */
    q_exec("UPDATE users SET notify_mail = 'off' WHERE email = ?1", "cole@example.org", NULL);
    long long t2 = start_thread(&bob, "A+question+on+pacing", "How+long+did+the+panel+take+you%3F");
    CHECK(t2 > 0);
    CHECK(thread_notes("cora@example.org", t2) == 1);
    CHECK(thread_notes("cole@example.org", t2) == 1);
    CHECK(thread_notes_all(t2) == coaches);
    CHECK(smtp_wait_mail(&mail, "Subject: New thread: Bob Brown started", (int)coaches - 1));
    CHECK(harness_wait(pending_gone, NULL, 15000));
    CHECK(smtp_mail_count(&mail, "Subject: New thread: Bob Brown started") == (int)coaches - 1);

    /* a coach's own thread, and a staff member's, tell nobody */
    long long t3 = start_thread(&cora, "Welcome+to+the+week", "Introduce+yourselves+here.");
    CHECK(t3 > 0);
    CHECK(thread_notes_all(t3) == 0);
    long long t4 = start_thread(&sam, "A+note+from+the+office", "Certificates+follow+the+week.");
    CHECK(t4 > 0);
    CHECK(thread_notes_all(t4) == 0);

    /* a participant of another offering cannot start one here at all */
    http_res z;
    browser_post(&zed, "/learn/" O "/discuss/general", "title=x&body=y", &z);
    CHECK(z.status == 403 || z.status == 404);
    http_res_free(&z);
    CHECK(q_int("SELECT count(*) FROM notifications WHERE kind = 'thread'", NULL) == 2 * coaches);
}

/* ---- uploads: the multipart body nginx writes to a file ------------------- */

#define BOUNDARY "----journeysWsgapsBoundary3Ze1Q"

/* libcurl write callback into a buf. */
static size_t sink(char *p, size_t size, size_t n, void *user)
{
    buf_append(user, p, size * n);
    return size * n;
}

/* Hand in to ACT as b: the CSRF token of the activity page, some text and
** one file (name, claimed type, bytes data[0..n)). The answer's status. */
static long hand_in(browser *b, const char *name, const char *type, const char *data, size_t n)
{
    http_res page;
    browser_get(b, ACT, &page);
    char *t = browser_csrf(&page);
    http_res_free(&page);
    buf body = BUF_INIT;
    buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n", BOUNDARY, t ? t : "");
    buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nMy narrative.\r\n", BOUNDARY);
    buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"files\"; filename=\"%s\"\r\n"
                      "Content-Type: %s\r\n\r\n", BOUNDARY, name, type);
    buf_append(&body, data, n);
    buf_printf(&body, "\r\n--%s--\r\n", BOUNDARY);
    free(t);

    CURL *c = b->curl;
    buf head = BUF_INIT, out = BUF_INIT;
    char url[512];
    snprintf(url, sizeof url, "%s%s/submit", s.base, ACT);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: multipart/form-data; boundary=" BOUNDARY);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status != 303)
        fprintf(stderr, "  (hand in %s: %ld %.300s)\n", name, status, buf_str(&out));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    buf_free(&body);
    buf_free(&head);
    buf_free(&out);
    return status;
}

/* The path of the kept file of hash hex (a static buffer per call slot). */
static const char *kept(const char *hex)
{
    static char p[4][700];
    static int i;
    char rel[128];
    snprintf(rel, sizeof rel, "var/files/%.2s/%s", hex, hex + 2);
    char *out = p[i++ % 4];
    snprintf(out, sizeof p[0], "%s", stack_path(&s, rel));
    return out;
}

/* Whether path exists. */
static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Write a file at path with text and set its times to age seconds ago. */
static void plant(const char *path, const char *text, long age)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    struct timeval tv[2];
    tv[0].tv_sec = tv[1].tv_sec = time(NULL) - age;
    tv[0].tv_usec = tv[1].tv_usec = 0;
    CHECK(utimes(path, tv) == 0);
}

/* The mode bits path grants to other users (0 when none), or -1. */
static int others(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int)(sb.st_mode & 0007) : -1;
}

static char png_hex[65], txt_hex[65];
static char old_stray[800], new_stray[800], old_tmp[800];

/* What the sweep should leave: the orphan and the old leftovers gone. */
static int swept(void *arg)
{
    (void)arg;
    return !exists(kept(png_hex)) && !exists(old_stray) && !exists(old_tmp);
}

static const char PNG[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/* Files handed in are closed to other users; the sweeper removes the one
** whose reference went, and day-old leftovers, keeps the rest, and the same
** bytes handed in again are kept again. */
static void test_sweep_and_permissions(void)
{
    CHECK(hand_in(&ada, "picture.png", "image/png", PNG, sizeof PNG - 1) == 303);
    CHECK(hand_in(&ada, "notes.txt", "text/plain", "Notes on the story of us.\n", 26) == 303);
    sqlq_text(dbh, "SELECT f.sha256 FROM submission_files f WHERE f.name = ?1", "picture.png", png_hex,
              sizeof png_hex);
    sqlq_text(dbh, "SELECT f.sha256 FROM submission_files f WHERE f.name = ?1", "notes.txt", txt_hex, sizeof txt_hex);
    CHECK(strlen(png_hex) == 64 && strlen(txt_hex) == 64);
    CHECK(exists(kept(png_hex)) && exists(kept(txt_hex)));

    /* permissions: nothing for other users of the machine */
    CHECK(others(kept(png_hex)) == 0);
    char shard[600];
    snprintf(shard, sizeof shard, "%s", kept(png_hex));
    *strrchr(shard, '/') = '\0';
    CHECK(others(shard) == 0);
    CHECK(others(stack_path(&s, "var/files")) == 0);
    CHECK(others(stack_path(&s, "var/upload-tmp")) == 0);
    CHECK(others(stack_path(&s, "var/journeys.db")) == 0);
    struct stat sb;
    CHECK(stat(kept(txt_hex), &sb) == 0 && (sb.st_mode & 0777) == 0640);

    /* the picture's version loses its file (as a removal would); leftovers
    ** are planted beside the kept files, old and new */
    q_exec("DELETE FROM submission_files WHERE sha256 = ?1", png_hex, NULL);
    snprintf(shard, sizeof shard, "%s", kept(txt_hex));
    *strrchr(shard, '/') = '\0';
    snprintf(old_stray, sizeof old_stray, "%s/%062d", shard, 7);
    snprintf(new_stray, sizeof new_stray, "%s/%062d", shard, 8);
    snprintf(old_tmp, sizeof old_tmp, "%s/.tmp-AbC123", shard);
    plant(old_stray, "left by a hand-in that died", 2 * 24 * 3600);
    plant(new_stray, "a hand-in still under way", 0);
    plant(old_tmp, "half a file", 2 * 24 * 3600);
    struct timeval tv[2] = {{time(NULL) - 3 * 24 * 3600, 0}, {time(NULL) - 3 * 24 * 3600, 0}};
    CHECK(utimes(kept(txt_hex), tv) == 0);   /* old, but referred to */

    CHECK(harness_wait(swept, NULL, 20000));
    CHECK(q_int("SELECT count(*) FROM blobs WHERE sha256 = ?1", png_hex) == 0);
    CHECK(q_int("SELECT count(*) FROM blobs WHERE sha256 = ?1", txt_hex) == 1);
    CHECK(exists(kept(txt_hex)));
    CHECK(exists(new_stray));
    CHECK(!exists(old_stray) && !exists(old_tmp));

    /* the referred file still downloads through the permission check */
    long long fid = q_int("SELECT id FROM submission_files WHERE sha256 = ?1", txt_hex);
    char path[200];
    snprintf(path, sizeof path, "/learn/" O "/files/%lld", fid);
    http_res r;
    browser_get(&ada, path, &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Notes on the story of us.");
    http_res_free(&r);

    /* the same picture handed in again is kept again */
    CHECK(hand_in(&ada, "picture-again.png", "image/png", PNG, sizeof PNG - 1) == 303);
    CHECK(exists(kept(png_hex)));
    CHECK(q_int("SELECT count(*) FROM blobs WHERE sha256 = ?1", png_hex) == 1);
    CHECK(others(kept(png_hex)) == 0);
}

/* One stack with a sweep every second; the people and their seats; the
** two tests. */
int main(void)
{
    if (smtp_start(&mail) != 0) {
        CHECK(!"the SMTP server starts");
        return check_done();
    }
    static char smtp_env[160];
    snprintf(smtp_env, sizeof smtp_env, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    const char *env[] = {smtp_env, "JOURNEYS_UPLOADS_SWEEP_SECONDS=1", "JOURNEYS_JOBS_INTERVAL=1", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        smtp_stop(&mail);
        return check_done();
    }
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
    q_exec("UPDATE offerings SET posting_closes_at = NULL WHERE code IN ('" O "', '" O2 "')", NULL, NULL);

    person(&ada, "ada@example.org", "Ada Lovelace", "participant");
    person(&bob, "bob@example.org", "Bob Brown", "participant");
    person(&zed, "zed@example.org", "Zed Elsewhere", "participant");
    person(&cora, "cora@example.org", "Cora Coach", "coach");
    person(&cole, "cole@example.org", "Cole Cocoach", "coach");
    person(&otto, "otto@example.org", "Otto Othercoach", "coach");
    person(&sam, "sam@example.org", "Sam Staff", "staff");
    seat("ada@example.org", O);
    seat("bob@example.org", O);
    seat("zed@example.org", O2);
    coach_of("cora@example.org", O);
    coach_of("cole@example.org", O);
    coach_of("otto@example.org", O2);

    test_thread_notice();
    test_sweep_and_permissions();

    browser *all[] = {&ada, &bob, &zed, &cora, &cole, &otto, &sam};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        browser_close(all[i]);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
