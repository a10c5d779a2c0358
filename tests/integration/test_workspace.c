/*
** test_workspace.c: the course workspace's week, panel and playlist
** through real nginx and a real SMTP server.
**
** Who may open /learn/CODE, its panel and playlist and post their forms
** (participants with a settled seat, coaches and staff; not a participant
** of another offering, a pending, refunded or cancelled registration, a
** coach of another offering; a visitor is sent to sign in; an archived
** offering reads but refuses check-offs); dates shown in the viewer's zone
** across a daylight-saving change; what to do today and what is overdue;
** the panel's privacy-enhanced embed and the frame-src it alone gets; the
** public course page never showing the recording's link; check-offs with
** progress and time left, an undo, and two racing check-offs leaving one
** row; My courses' Open course buttons and the confirmation e-mail's link.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* Run sql with up to two text parameters (NULL: none). 0 or -1. */
static int exec2(const char *sql, const char *p1, const char *p2)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(dbh, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(dbh));
        return -1;
    }
    if (p1)
        sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT);
    if (p2)
        sqlite3_bind_text(st, 2, p2, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(dbh));
        return -1;
    }
    return 0;
}

/* Give email a registration in offering code with status and payment. */
static void enrol(const char *email, const char *code, const char *status_payment)
{
    char sql[1024];
    char st[32], pay[32];
    sscanf(status_payment, "%31[^/]/%31s", st, pay);
    snprintf(sql, sizeof sql,
             "INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
             " created_at, updated_at) SELECT o.id, u.id, '%s', '%s', 5000, 'USD', unixepoch(), unixepoch()"
             " FROM offerings o, users u WHERE o.code = ?1 AND u.email = ?2", st, pay);
    CHECK(exec2(sql, code, email) == 0);
}

/* Make email a coach of offering code. */
static void coach_of(const char *email, const char *code)
{
    CHECK(exec2("UPDATE users SET role = 'coach' WHERE email = ?1", email, NULL) == 0);
    CHECK(exec2("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach',"
                " unixepoch() FROM offerings o, users u WHERE o.code = ?1 AND u.email = ?2", code, email) == 0);
}

/* Status of GET path for b. */
static long get_status(browser *b, const char *path)
{
    http_res r;
    long st = browser_get(b, path, &r) == 0 ? r.status : -1;
    http_res_free(&r);
    return st;
}

/* Status of POSTing form (plus b's CSRF token, read from page) to action. */
static long post_status(browser *b, const char *page, const char *action, const char *form)
{
    http_res r;
    long st = browser_submit(b, page, action, form, &r) == 0 ? r.status : -1;
    http_res_free(&r);
    return st;
}

/* The body of GET path for b, malloc'd ("" when it failed). */
static char *get_body(browser *b, const char *path)
{
    http_res r;
    char *body = strdup(browser_get(b, path, &r) == 0 && r.status == 200 ? buf_str(&r.body) : "");
    http_res_free(&r);
    return body;
}

static char item1[24], item2[24];   /* two playlist items of purpose-and-vision */

/* Sign up one browser per role and give each its place. */
static browser pat, oth, pen, ref, can, coach, coach2, staff, anon;

static void test_access_matrix(void)
{
    char page[128], action[128];
    snprintf(action, sizeof action, "/learn/demo-pv/playlist/%s", item1);
    static const char *const paths[] = {"/learn/demo-pv", "/learn/demo-pv/panel", "/learn/demo-pv/playlist"};
    struct {
        browser *b;
        const char *who;
        long want;
    } rows[] = {
        {&pat, "participant", 200}, {&coach, "coach of this offering", 200}, {&staff, "staff", 200},
        {&oth, "participant of another offering", 403}, {&pen, "pending registration", 403},
        {&ref, "refunded participant", 403}, {&can, "cancelled registration", 403},
        {&coach2, "coach of another offering", 403}, {&anon, "visitor", 303},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        for (size_t p = 0; p < 3; p++) {
            long got = get_status(rows[i].b, paths[p]);
            if (got != rows[i].want)
                fprintf(stderr, "  %s GET %s: %ld, want %ld\n", rows[i].who, paths[p], got, rows[i].want);
            CHECK(got == rows[i].want);
        }
    }
    /* A visitor is sent to sign in and comes back here. */
    http_res r;
    browser_get(&anon, "/learn/demo-pv/playlist", &r);
    char *loc = http_res_location(&r);
    CHECK_STR(loc, "/signin?next=%2Flearn%2Fdemo-pv%2Fplaylist");
    free(loc);
    http_res_free(&r);
    /* An offering that does not exist is a 404, not a 403. */
    CHECK(get_status(&pat, "/learn/no-such-offering") == 404);
    /* A refusal that points to My courses links to it for a signed-in
    ** person; a visitor's error page does not offer it. */
    browser_get(&oth, "/learn/demo-pv", &r);
    CHECK(r.status == 403);
    CHECK_CONTAINS(buf_str(&r.body), "My courses shows where each of");
    CHECK_CONTAINS(buf_str(&r.body), "<a class=\"button\" href=\"/my\">My courses</a>");
    http_res_free(&r);
    browser_get(&anon, "/no-such-page", &r);
    CHECK(r.status == 404);
    CHECK(strstr(buf_str(&r.body), "href=\"/my\">My courses</a>") == NULL);
    http_res_free(&r);

    /* The forms: the people without a seat are refused before anything is
    ** written; they read the CSRF token from a page they may see. */
    snprintf(page, sizeof page, "/my");
    browser *refused[] = {&oth, &pen, &ref, &can, &coach2};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        CHECK(post_status(refused[i], page, action, "done=1") == 403);
        CHECK(post_status(refused[i], page, "/learn/demo-pv/panel/watched", "done=1") == 403);
    }
    char n[16];
    CHECK_STR(q_text("SELECT count(*) FROM progress", NULL, n, sizeof n), "0");
    /* A form without the CSRF token is refused too. */
    http_res p;
    browser_post(&pat, action, "done=1", &p);
    CHECK(p.status == 403);
    http_res_free(&p);
    /* Coaches and staff keep their own progress. */
    CHECK(post_status(&coach, "/learn/demo-pv/playlist", action, "done=1") == 303);
    CHECK(post_status(&staff, "/learn/demo-pv/playlist", action, "done=1") == 303);
    CHECK(post_status(&coach, "/learn/demo-pv/playlist", action, "done=0") == 303);
    CHECK(post_status(&staff, "/learn/demo-pv/playlist", action, "done=0") == 303);
    CHECK_STR(q_text("SELECT count(*) FROM progress", NULL, n, sizeof n), "0");
    /* An item of another course, or none at all, is not found. */
    char other[24], bad[128];
    q_text("SELECT i.id FROM course_items i JOIN courses c ON c.id = i.course_id WHERE c.slug = 'graduate-profile'"
           " AND i.section = 'playlist' LIMIT 1", NULL, other, sizeof other);
    snprintf(bad, sizeof bad, "/learn/demo-pv/playlist/%s", other);
    CHECK(post_status(&pat, "/learn/demo-pv/playlist", bad, "done=1") == 404);
    CHECK(post_status(&pat, "/learn/demo-pv/playlist", "/learn/demo-pv/playlist/999999", "done=1") == 404);
    CHECK(post_status(&pat, "/learn/demo-pv/playlist", action, "done=yes") == 400);
}

static void test_archive(void)
{
    char action[128];
    snprintf(action, sizeof action, "/learn/demo-pv/playlist/%s", item1);
    CHECK(exec2("UPDATE offerings SET posting_closes_at = unixepoch() - 60 WHERE code = 'demo-pv'", NULL, NULL) == 0);
    CHECK(get_status(&pat, "/learn/demo-pv") == 200);
    CHECK(get_status(&pat, "/learn/demo-pv/panel") == 200);
    CHECK(get_status(&pat, "/learn/demo-pv/playlist") == 200);
    char *body = get_body(&pat, "/learn/demo-pv/playlist");
    CHECK_CONTAINS(body, "Posting has closed");
    free(body);
    CHECK(post_status(&pat, "/learn/demo-pv/playlist", action, "done=1") == 403);
    CHECK(post_status(&pat, "/learn/demo-pv/panel", "/learn/demo-pv/panel/watched", "done=1") == 403);
    char n[16];
    CHECK_STR(q_text("SELECT count(*) FROM progress", NULL, n, sizeof n), "0");
    CHECK(exec2("UPDATE offerings SET posting_closes_at = unixepoch() + 30 * 86400 WHERE code = 'demo-pv'", NULL,
                NULL) == 0);
}

static void test_time_zones(void)
{
    /* The week of 9 March 2026 in New York: daylight time began there on
    ** the 8th, Berlin's begins on the 29th. Day 1 08:00 EDT is 12:00 UTC,
    ** 13:00 in Berlin (CET); day 2 17:00 EDT is 22:00 CET. */
    CHECK(exec2("UPDATE offerings SET starts = '2026-03-09', ends = '2026-03-13', time_zone = 'America/New_York'"
                " WHERE code = 'demo-pv'", NULL, NULL) == 0);
    CHECK(exec2("UPDATE users SET time_zone = 'Europe/Berlin' WHERE email = 'pat@example.org'", NULL, NULL) == 0);
    char *body = get_body(&pat, "/learn/demo-pv");
    CHECK_CONTAINS(body, "shown in <strong>Europe/Berlin</strong>");
    CHECK_CONTAINS(body, "America/New_York");
    CHECK_CONTAINS(body, "Monday, 9 March 2026, 13:00 CET: The panel recording");
    CHECK_CONTAINS(body, "Tuesday, 10 March 2026, 22:00 CET: First discussion checkpoint");
    CHECK_CONTAINS(body, "Friday, 13 March 2026, 21:00 CET: Your coach posts the wrap-up");
    CHECK_CONTAINS(body, "The week ended on");          /* March is past: the archive note */
    free(body);
    /* A week earlier New York was still on standard time: 08:00 EST is
    ** 14:00 in Berlin. */
    CHECK(exec2("UPDATE offerings SET starts = '2026-03-02', ends = '2026-03-06' WHERE code = 'demo-pv'", NULL, NULL) == 0);
    body = get_body(&pat, "/learn/demo-pv");
    CHECK_CONTAINS(body, "Monday, 2 March 2026, 14:00 CET: The panel recording");
    free(body);
    /* A viewer in the offering's own zone sees its clock. */
    CHECK(exec2("UPDATE users SET time_zone = 'America/New_York' WHERE email = 'pat@example.org'", NULL, NULL) == 0);
    body = get_body(&pat, "/learn/demo-pv");
    CHECK_CONTAINS(body, "Monday, 2 March 2026, 08:00 EST: The panel recording");
    CHECK(strstr(body, "the course runs on") == NULL);
    free(body);

    /* Today, in UTC: the week began two days ago, so it is day 3; the
    ** first prompt fell due on day 2 and is overdue, day 3's items are
    ** today's. */
    CHECK(exec2("UPDATE users SET time_zone = 'UTC' WHERE email = 'pat@example.org'", NULL, NULL) == 0);
    CHECK(exec2("UPDATE offerings SET starts = date('now', '-2 days'), ends = date('now', '+2 days'), time_zone = 'UTC'"
                " WHERE code = 'demo-pv'", NULL, NULL) == 0);
    body = get_body(&pat, "/learn/demo-pv");
    char *today = strstr(body, "What to do today"), *progress = today ? strstr(today, "Your progress") : NULL;
    if (progress)
        *progress = '\0';
    CHECK_CONTAINS(today, "<h3>Day 3</h3>");
    CHECK_CONTAINS(today, "Past its due time");
    CHECK_CONTAINS(today, "Introductions: your why in two sentences");   /* due day 2 17:00 */
    CHECK_CONTAINS(today, "The Mastery Transcript and why it exists");    /* a playlist item of day 3 */
    CHECK(today && strstr(today, "How great leaders inspire action") == NULL);   /* day 2's, not due */
    if (progress)
        *progress = 'Y';
    CHECK_CONTAINS(body, "How great leaders inspire action");   /* still in the pace, on day 2 */
    CHECK_CONTAINS(body, "Day 3: ");
    CHECK_CONTAINS(body, "ws-day--today");
    CHECK_CONTAINS(body, "4 to 6 hours");
    free(body);
    /* Before the week: when it starts. */
    CHECK(exec2("UPDATE offerings SET starts = date('now', '+7 days'), ends = date('now', '+11 days')"
                " WHERE code = 'demo-pv'", NULL, NULL) == 0);
    body = get_body(&pat, "/learn/demo-pv");
    CHECK_CONTAINS(body, "The course starts on <strong>");
    free(body);
    /* The visit is recorded. */
    char n[16];
    CHECK_STR(q_text("SELECT count(*) FROM workspace_visits v JOIN users u ON u.id = v.user_id"
                     " WHERE u.email = ?1 AND v.first_at <= v.last_at", "pat@example.org", n, sizeof n), "1");
}

static void test_panel(void)
{
    /* Pending: said so; no frames. */
    CHECK(exec2("UPDATE courses SET panel_video = NULL WHERE slug = 'purpose-and-vision'", NULL, NULL) == 0);
    char *body = get_body(&pat, "/learn/demo-pv/panel");
    CHECK_CONTAINS(body, "The recording is not posted yet");
    CHECK_CONTAINS(body, "Transcript");
    CHECK_CONTAINS(body, "Captions: English captions come with the recording");
    CHECK_CONTAINS(body, "Panelists");
    CHECK(strstr(body, "<iframe") == NULL);
    free(body);
    /* YouTube becomes the no-cookie player, with a title. */
    CHECK(exec2("UPDATE courses SET panel_video = 'https://www.youtube.com/watch?v=AbCdEfGhIj0&t=5'"
                " WHERE slug = 'purpose-and-vision'", NULL, NULL) == 0);
    http_res r;
    browser_get(&pat, "/learn/demo-pv/panel", &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<iframe src=\"https://www.youtube-nocookie.com/embed/AbCdEfGhIj0\" title=\"Recording: ");
    char *csp = http_res_header(&r, "Content-Security-Policy");
    CHECK_CONTAINS(csp, "frame-src https://www.youtube-nocookie.com https://player.vimeo.com");
    CHECK_CONTAINS(csp, "frame-ancestors 'none'");
    free(csp);
    http_res_free(&r);
    /* Only the panel page may frame anything. */
    browser_get(&pat, "/learn/demo-pv/playlist", &r);
    csp = http_res_header(&r, "Content-Security-Policy");
    CHECK(csp && strstr(csp, "frame-src") == NULL);
    free(csp);
    http_res_free(&r);
    /* The public course page never shows the recording's link. */
    browser_get(&anon, "/courses/purpose-and-vision", &r);
    CHECK(r.status == 200);
    CHECK(strstr(buf_str(&r.body), "AbCdEfGhIj0") == NULL);
    CHECK(strstr(buf_str(&r.body), "youtube") == NULL);
    http_res_free(&r);
    browser_get(&pat, "/courses/purpose-and-vision", &r);
    CHECK(strstr(buf_str(&r.body), "AbCdEfGhIj0") == NULL);
    http_res_free(&r);
    /* Vimeo gets do-not-track; anything else is a plain link. */
    CHECK(exec2("UPDATE courses SET panel_video = 'https://vimeo.com/123456789' WHERE slug = 'purpose-and-vision'",
                NULL, NULL) == 0);
    body = get_body(&pat, "/learn/demo-pv/panel");
    CHECK_CONTAINS(body, "src=\"https://player.vimeo.com/video/123456789?dnt=1\"");
    free(body);
    CHECK(exec2("UPDATE courses SET panel_video = 'https://media.example.org/panel.mp4' WHERE slug = 'purpose-and-vision'",
                NULL, NULL) == 0);
    body = get_body(&pat, "/learn/demo-pv/panel");
    CHECK(strstr(body, "<iframe") == NULL);
    CHECK_CONTAINS(body, "href=\"https://media.example.org/panel.mp4\" rel=\"noopener noreferrer\"");
    free(body);
    /* Mark watched, then undo; twice in a row is a conflict. */
    CHECK(post_status(&pat, "/learn/demo-pv/panel", "/learn/demo-pv/panel/watched", "done=1") == 303);
    CHECK(post_status(&pat, "/learn/demo-pv/panel", "/learn/demo-pv/panel/watched", "done=1") == 409);
    body = get_body(&pat, "/learn/demo-pv/panel");
    CHECK_CONTAINS(body, "You have watched the panel");
    free(body);
    char n[16];
    CHECK_STR(q_text("SELECT count(*) FROM progress WHERE part = 'panel'", NULL, n, sizeof n), "1");
    CHECK(post_status(&pat, "/learn/demo-pv/panel", "/learn/demo-pv/panel/watched", "done=0") == 303);
    CHECK_STR(q_text("SELECT count(*) FROM progress WHERE part = 'panel'", NULL, n, sizeof n), "0");
    CHECK(post_status(&pat, "/learn/demo-pv/panel", "/learn/demo-pv/panel/watched", "done=1") == 303);
}

static void test_playlist(void)
{
    char total[16], m1[16], m2[16];
    q_text("SELECT sum(minutes) FROM course_items i JOIN courses c ON c.id = i.course_id"
           " WHERE c.slug = 'purpose-and-vision' AND i.section = 'playlist' AND i.published = 1", NULL, total, sizeof total);
    q_text("SELECT minutes FROM course_items WHERE id = ?1", item1, m1, sizeof m1);
    q_text("SELECT minutes FROM course_items WHERE id = ?1", item2, m2, sizeof m2);
    char *body = get_body(&pat, "/learn/demo-pv/playlist");
    CHECK_CONTAINS(body, "Checked off: 0 of 7");
    CHECK_CONTAINS(body, "rel=\"noopener noreferrer\"");
    CHECK(strstr(body, "target=") == NULL);
    CHECK_CONTAINS(body, "<progress");
    CHECK_CONTAINS(body, "<span class=\"tag\">article</span>");
    free(body);
    char action[128];
    snprintf(action, sizeof action, "/learn/demo-pv/playlist/%s", item1);
    http_res r;
    browser_submit(&pat, "/learn/demo-pv/playlist", action, "done=1", &r);
    CHECK(r.status == 303);
    char *loc = http_res_location(&r);
    char want[128];
    snprintf(want, sizeof want, "/learn/demo-pv/playlist");
    CHECK_STR(loc, want);
    free(loc);
    http_res_free(&r);
    snprintf(action, sizeof action, "/learn/demo-pv/playlist/%s", item2);
    CHECK(post_status(&pat, "/learn/demo-pv/playlist", action, "done=1") == 303);
    body = get_body(&pat, "/learn/demo-pv/playlist");
    CHECK_CONTAINS(body, "Checked off: 2 of 7");
    int left = atoi(total) - atoi(m1) - atoi(m2);
    char label[64];
    if (left >= 60)
        snprintf(label, sizeof label, left % 60 ? "About <strong>%d h %d min</strong>" : "About <strong>%d h</strong>",
                 left / 60, left % 60);
    else
        snprintf(label, sizeof label, "About <strong>%d min</strong>", left);
    CHECK_CONTAINS(body, label);
    CHECK_CONTAINS(body, "Checked off. Your progress is updated.");
    free(body);
    /* Undo the second one: back to one. */
    CHECK(post_status(&pat, "/learn/demo-pv/playlist", action, "done=0") == 303);
    CHECK(post_status(&pat, "/learn/demo-pv/playlist", action, "done=0") == 409);
    body = get_body(&pat, "/learn/demo-pv/playlist");
    CHECK_CONTAINS(body, "Checked off: 1 of 7");
    free(body);
    /* The week counts the panel (watched) and the item. */
    body = get_body(&pat, "/learn/demo-pv");
    CHECK_CONTAINS(body, "Done: 2 of 15 parts");
    free(body);
    /* A check-off from the week page goes back there. */
    browser_submit(&pat, "/learn/demo-pv", action, "done=1&back=week", &r);
    loc = http_res_location(&r);
    CHECK_STR(loc, "/learn/demo-pv");
    free(loc);
    http_res_free(&r);
}

/* Two requests check the same item off at once, from two processes with
** the same session: exactly one adds the row, the other is told it was
** already done. Several rounds, undoing between them. */
static void test_race(void)
{
    char action[128], n[16];
    snprintf(action, sizeof action, "/learn/demo-pv/playlist/%s", item2);
    char *session = browser_cookie(&pat, "journeys_session");
    char *csrf_cookie = browser_cookie(&pat, "journeys_csrf");
    http_res r;
    browser_get(&pat, "/learn/demo-pv/playlist", &r);
    char *token = browser_csrf(&r);
    http_res_free(&r);
    char form[256];
    snprintf(form, sizeof form, "done=1&csrf=%s", token);
    CHECK(post_status(&pat, "/learn/demo-pv/playlist", action, "done=0") == 303);   /* the week page checked it off */
    for (int round = 0; round < 5; round++) {
        pid_t kids[2];
        for (int k = 0; k < 2; k++) {
            kids[k] = fork();
            if (kids[k] == 0) {
                browser b;
                browser_open(&b, &s);
                browser_set_cookie(&b, "journeys_session", session);
                if (csrf_cookie)
                    browser_set_cookie(&b, "journeys_csrf", csrf_cookie);
                http_res res;
                int ok = browser_post(&b, action, form, &res) == 0;
                int code = !ok ? 1 : res.status == 303 ? 0 : res.status == 409 ? 2 : 3;
                if (code == 3)
                    fprintf(stderr, "  racing check-off: %ld\n", res.status);
                _exit(code);
            }
        }
        int wins = 0, lost = 0;
        for (int k = 0; k < 2; k++) {
            int status = 0;
            waitpid(kids[k], &status, 0);
            int code = WIFEXITED(status) ? WEXITSTATUS(status) : 9;
            wins += code == 0;
            lost += code == 2;
        }
        if (!(wins == 1 && lost == 1))
            fprintf(stderr, "  round %d: %d won, %d lost\n", round, wins, lost);
        CHECK(wins == 1 && lost == 1);
        CHECK_STR(q_text("SELECT count(*) FROM progress WHERE part = 'item:' || ?1", item2, n, sizeof n), "1");
        CHECK(post_status(&pat, "/learn/demo-pv/playlist", action, "done=0") == 303);
    }
    free(session);
    free(csrf_cookie);
    free(token);
}

static void test_my_courses_and_mail(void)
{
    char *body = get_body(&pat, "/my");
    CHECK_CONTAINS(body, "href=\"/learn/demo-pv\">Open course");
    free(body);
    body = get_body(&pen, "/my");
    CHECK(strstr(body, "Open course") == NULL);
    free(body);
    body = get_body(&ref, "/my");
    CHECK(strstr(body, "/learn/") == NULL);
    free(body);
    body = get_body(&coach, "/my");
    CHECK_CONTAINS(body, "Offerings you coach");
    CHECK_CONTAINS(body, "href=\"/learn/demo-pv\">Open course");
    free(body);
    /* Pat's confirmation links straight into the course. */
    char want[128];
    snprintf(want, sizeof want, "%s/learn/demo-pv", s.base);
    CHECK(smtp_wait_mail(&mail, want, 2));    /* the text and the HTML part */
    char *link = smtp_mail_link(&mail, want);
    CHECK(link != NULL);
    if (link && !strncmp(link, s.base, strlen(s.base)))
        CHECK(get_status(&pat, link + strlen(s.base)) == 200);
    free(link);
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
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "echo 'staff-password-1' | \"${BUILD:-build}\"/journeys user add staff@example.org "
                        "--name 'Sam Staff' --role staff", &out) == 0);
    buf_free(&out);
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);

    browser *all[] = {&pat, &oth, &pen, &ref, &can, &coach, &coach2, &staff, &anon};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        browser_open(all[i], &s);
    /* Pat registers through the site, invoiced to a member school (seat
    ** confirmed at once): the confirmation e-mail goes out. */
    char school[16], form[256];
    q_text("SELECT id FROM schools WHERE invoice = 1 ORDER BY id LIMIT 1", NULL, school, sizeof school);
    snprintf(form, sizeof form, "name=Pat+Participant&email=pat%%40example.org&password=correct-horse-battery"
             "&time_zone=UTC&school_id=%s&next=%%2Fmy", school);
    http_res r;
    browser_submit(&pat, "/signup", "/signup", form, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    CHECK(post_status(&pat, "/offerings/demo-pv/register", "/offerings/demo-pv/register", "method=invoice&code=") == 303);
    char st[64];
    CHECK_STR(q_text("SELECT e.status || '/' || e.payment_status FROM enrolments e JOIN users u ON u.id = e.user_id"
                     " WHERE u.email = ?1", "pat@example.org", st, sizeof st), "active/invoiced");
    CHECK(browser_sign_up(&oth, "Olive+Other", "oth%40example.org") == 303);
    CHECK(browser_sign_up(&pen, "Penny+Pending", "pen%40example.org") == 303);
    CHECK(browser_sign_up(&ref, "Rafe+Refunded", "ref%40example.org") == 303);
    CHECK(browser_sign_up(&can, "Cass+Cancelled", "can%40example.org") == 303);
    CHECK(browser_sign_up(&coach, "Cora+Coach", "cora%40example.org") == 303);
    CHECK(browser_sign_up(&coach2, "Cole+Coach", "cole%40example.org") == 303);
    enrol("oth@example.org", "demo-gp", "active/paid");
    enrol("pen@example.org", "demo-pv", "pending/pending");
    enrol("ref@example.org", "demo-pv", "refunded/refunded");
    enrol("can@example.org", "demo-pv", "cancelled/paid");
    coach_of("cora@example.org", "demo-pv");
    coach_of("cole@example.org", "demo-gp");
    CHECK(post_status(&staff, "/signin", "/signin", "email=staff%40example.org&password=staff-password-1") == 303);
    q_text("SELECT i.id FROM course_items i JOIN courses c ON c.id = i.course_id WHERE c.slug = 'purpose-and-vision'"
           " AND i.section = 'playlist' ORDER BY i.position LIMIT 1", NULL, item1, sizeof item1);
    q_text("SELECT i.id FROM course_items i JOIN courses c ON c.id = i.course_id WHERE c.slug = 'purpose-and-vision'"
           " AND i.section = 'playlist' ORDER BY i.position LIMIT 1 OFFSET 1", NULL, item2, sizeof item2);
    CHECK(atoi(item1) > 0 && atoi(item2) > 0);
    /* Publish wrote the week's dates: the series' zone for the offering,
    ** posting closing at the end of the 14th day after its last day there,
    ** the items' relative times, the milestones and the captions. */
    char v[128];
    CHECK_STR(q_text("SELECT time_zone FROM offerings WHERE code = ?1", "demo-pv", v, sizeof v), "America/New_York");
    CHECK_STR(q_text("SELECT posting_closes_at - unixepoch(ends, '+15 days') IN (4 * 3600, 5 * 3600)"
                     " FROM offerings WHERE code = ?1", "demo-pv", v, sizeof v), "1");   /* midnight in New York */
    CHECK_STR(q_text("SELECT opens || '/' || due FROM course_items WHERE key = ?1",
                     "which-starting-point-is-yours", v, sizeof v), "day 2/day 3 17:00");
    CHECK_STR(q_text("SELECT group_concat(key, ' ') FROM (SELECT m.key FROM course_milestones m JOIN courses c"
                     " ON c.id = m.course_id WHERE c.slug = ?1 ORDER BY m.position)", "purpose-and-vision", v, sizeof v),
              "panel-available first-checkpoint second-checkpoint wrap-up");
    CHECK_CONTAINS(q_text("SELECT captions FROM courses WHERE slug = ?1", "purpose-and-vision", v, sizeof v),
                   "English captions");

    test_access_matrix();
    test_archive();
    test_time_zones();
    test_panel();
    test_playlist();
    test_race();
    test_my_courses_and_mail();

    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        browser_close(all[i]);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
