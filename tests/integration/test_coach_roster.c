/*
** test_coach_roster.c: the coach's roster through real nginx: each
** participant's progress per part, posts, submissions, last seen, time
** zone and completion as the site recorded them; pages of fifty; the CSV
** with every formula-like cell neutralised; one participant's page with
** links to their posts and submissions; the private messages (a coach
** writes, the participant reads and answers, each side notified, nobody
** else sees them); who may reach what (a coach of another offering, a
** participant, a visitor, staff); bad input refused with nothing written;
** two readers marking the same messages read at once, one winning; and
** the roster kept per worker: each change it shows (a post, a submission,
** a feedback decision, a sign-off, a message) on every answer after it,
** whichever worker answers, and each asker's own time zone in its labels.
**
** The people and their seats are set up with `journeys user add` and SQL
** on the site's database; the actions under test go through the site.
*/
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "browser.h"
#include "check.h"
#include "db.h"
#include "harness.h"
#include "testkit.h"
#include "smtp.h"
#include "store_roster.h"

#define O "pv-2019-10"      /* the offering under test */
#define O2 "gp-2019-11"     /* another offering */

static stack s;
static smtp_server mail;
static db *site;

typedef struct person {
    browser b;
    char *csrf;
    int64_t id;
    const char *email;
} person;

static person ada, bob, zed, cora, otto, sam;

/* ---- helpers ----------------------------------------------------------- */

/* The shared helpers (testkit.h) under this file's short names. */
#define sql(q) tk_sql(site, (q))
#define sql_int(q) tk_sql_int(site, (q))
#define fmt tk_fmt
#define urlenc tk_urlenc

/* Make an account (role given), sign it in, keep its CSRF token. */
static void person_make(person *p, const char *email, const char *name, const char *role)
{
    p->email = email;
    CHECK(stack_run(&s, fmt("echo 'a long password 1' | \"${BUILD:-build}\"/journeys user add %s --name '%s' --role %s "
                            ">/dev/null 2>&1", email, name, role), NULL) == 0);
    p->id = sql_int(fmt("SELECT id FROM users WHERE email = '%s'", email));
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

/* GET path as p; the status (r filled, caller frees). */
static long get(person *p, const char *path, http_res *r)
{
    browser_get(&p->b, path, r);
    return r->status;
}

/* GET path as p and return only the status. */
static long get_status(person *p, const char *path)
{
    http_res r;
    long st = get(p, path, &r);
    http_res_free(&r);
    return st;
}

/* POST raw (unencoded) body text as field "body" plus the CSRF token to
** path as p; the status, r filled. */
static long post_body(person *p, const char *path, const char *text, http_res *r)
{
    buf form = BUF_INIT;
    buf_puts(&form, "body=");
    urlenc(&form, text);
    buf_printf(&form, "&csrf=%s", p->csrf);
    browser_post(&p->b, path, buf_str(&form), r);
    buf_free(&form);
    return r->status;
}

/* POST and return the status and the id after "#message-" in Location. */
static long send_message(person *p, const char *path, const char *text, int64_t *id)
{
    http_res r;
    long st = post_body(p, path, text, &r);
    char *to = http_res_location(&r);
    const char *h = strstr(to, "#message-");
    *id = h ? strtoll(h + 9, NULL, 10) : 0;
    free(to);
    http_res_free(&r);
    return st;
}

/* The number of "<th scope=\"row\">" row headers in html. */
static int rows_in(const char *html)
{
    int n = 0;
    for (const char *p = strstr(html, "<th scope=\"row\">"); p; p = strstr(p + 1, "<th scope=\"row\">"))
        n++;
    return n;
}

/* The number of CRLF-ended lines in text. */
static int lines_in(const char *text)
{
    int n = 0;
    for (const char *p = strstr(text, "\r\n"); p; p = strstr(p + 2, "\r\n"))
        n++;
    return n;
}

/* The line of the CSV text whose second cell is "email" (malloc'd, "" if
** none). */
static char *csv_line_of(const char *text, const char *email)
{
    char needle[256];
    snprintf(needle, sizeof needle, "\",\"%s\",", email);
    const char *at = strstr(text, needle);
    if (!at)
        return strdup("");
    const char *start = at;
    while (start > text && !(start[-1] == '\n' && start[-2] == '\r'))
        start--;
    const char *end = strstr(at, "\r\n");
    return strndup(start, (size_t)((end ? end : at + strlen(at)) - start));
}

/* Whether s begins with prefix. */
static int starts(const char *line, const char *prefix)
{
    int ok = line && !strncmp(line, prefix, strlen(prefix));
    if (!ok)
        fprintf(stderr, "  line: %s\n  want: %s...\n", line ? line : "(null)", prefix);
    return ok;
}

static char *prompt_key;
static int64_t ada_thread, ada_post, ada_sub;

/* ---- the roster -------------------------------------------------------- */

static void test_roster(void)
{
    http_res r;
    /* ada's work, through the site: the panel watched, a thread in a prompt
    ** space and a reply to it; a submission and a sign-off by SQL */
    buf done = BUF_INIT;
    buf_printf(&done, "done=1&csrf=%s", ada.csrf);
    browser_post(&ada.b, "/learn/" O "/panel/watched", buf_str(&done), &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    int64_t item = sql_int("SELECT i.id FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                           " WHERE o.code = '" O "' AND i.section = 'playlist' ORDER BY i.position LIMIT 1");
    browser_post(&ada.b, fmt("/learn/%s/playlist/%lld", O, (long long)item), buf_str(&done), &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    buf_free(&done);
    CHECK(get_status(&ada, "/learn/" O) == 200);   /* seen in the course space */
    buf form = BUF_INIT;
    buf_printf(&form, "title=My+first+thought&body=Mastery+takes+time&csrf=%s", ada.csrf);
    browser_post(&ada.b, fmt("/learn/%s/discuss/%s", O, prompt_key), buf_str(&form), &r);
    buf_free(&form);
    CHECK(r.status == 303);
    http_res_free(&r);
    ada_thread = sql_int(fmt("SELECT max(id) FROM threads WHERE author_id = %lld", (long long)ada.id));
    ada_post = sql_int(fmt("SELECT max(id) FROM posts WHERE author_id = %lld", (long long)ada.id));
    CHECK(ada_thread > 0 && ada_post > 0);
    CHECK(post_body(&ada, fmt("/learn/%s/threads/%lld/reply", O, (long long)ada_thread), "And one more thing", &r) == 303);
    http_res_free(&r);
    ada_post = sql_int(fmt("SELECT max(id) FROM posts WHERE author_id = %lld", (long long)ada.id));
    CHECK(sql(fmt("INSERT INTO submissions(offering_id, item_id, user_id, version, body_md, body_html, created_at)"
                  " SELECT o.id, i.id, %lld, v.column1, 'x', '<p>x</p>', 100 + v.column1 FROM offerings o"
                  " JOIN (SELECT id, course_id FROM course_items WHERE section = 'activity' AND published = 1"
                  "   AND archived_at IS NULL AND course_id = (SELECT course_id FROM offerings WHERE code = '" O "')"
                  "   ORDER BY position LIMIT 2) i ON i.course_id = o.course_id"
                  " JOIN (VALUES (1), (2)) v WHERE o.code = '" O "'",
                  (long long)ada.id)) == 0);
    CHECK(sql(fmt("UPDATE submissions SET state = 'revise' WHERE user_id = %lld AND version = 1", (long long)ada.id)) == 0);
    ada_sub = sql_int(fmt("SELECT max(id) FROM submissions WHERE user_id = %lld", (long long)ada.id));
    CHECK(sql(fmt("INSERT INTO completions(offering_id, user_id, signed_by, signed_at) SELECT id, %lld, %lld, 1700000000"
                  " FROM offerings WHERE code = '" O "'", (long long)ada.id, (long long)cora.id)) == 0);
    CHECK(sql(fmt("UPDATE users SET time_zone = 'Pacific/Auckland' WHERE id = %lld", (long long)ada.id)) == 0);

    int64_t prompts = sql_int("SELECT count(*) FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                              " WHERE o.code = '" O "' AND i.section = 'prompt' AND i.published = 1 AND i.archived_at IS NULL");
    int64_t activities = sql_int("SELECT count(*) FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                                 " WHERE o.code = '" O "' AND i.section = 'activity' AND i.published = 1"
                                 " AND i.archived_at IS NULL");

    CHECK(get(&cora, "/coach/offerings/" O "/roster", &r) == 200);
    const char *h = buf_str(&r.body);
    CHECK(rows_in(h) == 4);   /* ada, bob, and the two formula-named; not the pending one nor zed */
    CHECK_CONTAINS(h, fmt("/coach/offerings/%s/people/%lld", O, (long long)ada.id));
    CHECK_CONTAINS(h, "Watched");
    CHECK_CONTAINS(h, fmt("1 of %lld<span class=\"cell-note\">items checked off",   /* one playlist item */
                          (long long)sql_int("SELECT count(*) FROM course_items i JOIN offerings o"
                                             " ON o.course_id = i.course_id WHERE o.code = '" O "'"
                                             " AND i.section = 'playlist' AND i.published = 1")));
    CHECK_CONTAINS(h, "<td data-label=\"Last seen\"><time datetime=\"");
    CHECK_CONTAINS(h, fmt("%d of %lld<span class=\"cell-note\">prompts · 2 posts", 1, (long long)prompts));
    CHECK_CONTAINS(h, fmt("2 of %lld<span class=\"cell-note\">4 versions · 2 waiting for feedback", (long long)activities));
    CHECK_CONTAINS(h, "Pacific/Auckland");
    CHECK_CONTAINS(h, "Signed off");
    CHECK(strstr(h, "Pending Person") == NULL);
    CHECK(strstr(h, "Zed Elsewhere") == NULL);
    CHECK_CONTAINS(h, "=1+2");      /* shown as text on the page */
    http_res_free(&r);

    /* the CSV: the same people, every dangerous opening neutralised */
    CHECK(get(&cora, "/coach/offerings/" O "/roster.csv", &r) == 200);
    char *ct = http_res_header(&r, "Content-Type");
    CHECK(ct && !strncmp(ct, "text/csv", 8));
    free(ct);
    char *cd = http_res_header(&r, "Content-Disposition");
    CHECK(cd && strstr(cd, "attachment") && strstr(cd, "roster-" O ".csv"));
    free(cd);
    const char *c = buf_str(&r.body);
    CHECK(!strncmp(c, "\"Name\",\"Email\",\"Time zone\",\"Last seen (UTC)\"", 44));
    CHECK(lines_in(c) == 5);
    char *line = csv_line_of(c, "ada@example.org");
    CHECK(starts(line, "\"Ada Lovelace\",\"ada@example.org\",\"Pacific/Auckland\","));
    CHECK(!strstr(line, "\"Pacific/Auckland\",\"\","));   /* last seen is filled in */
    CHECK_CONTAINS(line, fmt(",\"yes\",1,%lld,1,%lld,2,2,%lld,4,2,\"signed off\",\"2023-11-14T22:13:20Z\"",
                             (long long)sql_int("SELECT count(*) FROM course_items i JOIN offerings o"
                                                " ON o.course_id = i.course_id WHERE o.code = '" O "'"
                                                " AND i.section = 'playlist' AND i.published = 1"
                                                " AND i.archived_at IS NULL"),
                             (long long)prompts, (long long)activities));
    free(line);
    line = csv_line_of(c, "bob@example.org");
    CHECK(starts(line, "\"'=1+2\",\"bob@example.org\",\"UTC\","));
    free(line);
    line = csv_line_of(c, "plus@example.org");
    CHECK(starts(line, "\"'+cmd|' /C calc'!A0\",\"plus@example.org\",\"'\rCR\","));
    free(line);
    line = csv_line_of(c, "'-minus@example.org");
    CHECK(starts(line, "\"'@SUM(A1:A2)\",\"'-minus@example.org\",\"'\tTab\","));
    free(line);
    http_res_free(&r);

    /* who may see it */
    CHECK(get_status(&sam, "/coach/offerings/" O "/roster") == 200);
    CHECK(get_status(&sam, "/coach/offerings/" O "/roster.csv") == 200);
    CHECK(get_status(&otto, "/coach/offerings/" O "/roster") == 403);
    CHECK(get_status(&otto, "/coach/offerings/" O "/roster.csv") == 403);
    CHECK(get_status(&otto, "/coach/offerings/" O2 "/roster") == 200);
    CHECK(get_status(&ada, "/coach/offerings/" O "/roster") == 403);
    CHECK(get_status(&ada, "/coach/offerings/" O "/roster.csv") == 403);
    CHECK(get_status(&cora, "/coach/offerings/no-such-offering/roster") == 404);
    browser anon;
    browser_open(&anon, &s);
    browser_get(&anon, "/coach/offerings/" O "/roster.csv", &r);
    CHECK(r.status == 303);
    char *loc = http_res_location(&r);
    CHECK(!strncmp(loc, "/signin?next=", 13));
    free(loc);
    http_res_free(&r);
    browser_close(&anon);
}

static void test_paging(void)
{
    /* 56 more participants: 60 in all, two pages of the roster */
    CHECK(sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 56)"
              " INSERT INTO users(email, name, password_hash, created_at) SELECT 'many' || i || '@example.org',"
              " 'Many ' || printf('%02d', i), 'x', 1 FROM n") == 0);
    CHECK(sql("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
              " updated_at) SELECT o.id, u.id, 'active', 'paid', 0, 'USD', 1, 1 FROM offerings o, users u"
              " WHERE o.code = '" O "' AND u.email LIKE 'many%'") == 0);
    http_res r;
    CHECK(get(&cora, "/coach/offerings/" O "/roster", &r) == 200);
    CHECK(rows_in(buf_str(&r.body)) == 50);
    CHECK_CONTAINS(buf_str(&r.body), "/coach/offerings/" O "/roster?page=2");
    CHECK_CONTAINS(buf_str(&r.body), "60 participants");
    http_res_free(&r);
    CHECK(get(&cora, "/coach/offerings/" O "/roster?page=2", &r) == 200);
    CHECK(rows_in(buf_str(&r.body)) == 10);
    CHECK_CONTAINS(buf_str(&r.body), "/coach/offerings/" O "/roster?page=1");
    http_res_free(&r);
    CHECK(get_status(&cora, "/coach/offerings/" O "/roster?page=3") == 404);
    CHECK(get_status(&cora, "/coach/offerings/" O "/roster?page=0") == 400);
    CHECK(get_status(&cora, "/coach/offerings/" O "/roster?page=two") == 400);
    CHECK(get(&cora, "/coach/offerings/" O "/roster.csv", &r) == 200);
    CHECK(lines_in(buf_str(&r.body)) == 61);
    http_res_free(&r);
}

/* ---- one participant and the messages ------------------------------------ */

static void test_person_and_messages(void)
{
    http_res r;
    const char *ada_page = fmt("/coach/offerings/%s/people/%lld", O, (long long)ada.id);
    char page[256];
    snprintf(page, sizeof page, "%s", ada_page);
    CHECK(get(&cora, page, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), fmt("/learn/%s/threads/%lld#post-%lld", O, (long long)ada_thread, (long long)ada_post));
    CHECK_CONTAINS(buf_str(&r.body), fmt("/learn/%s/submissions/%lld", O, (long long)ada_sub));
    CHECK_CONTAINS(buf_str(&r.body), "Asked to revise");
    CHECK_CONTAINS(buf_str(&r.body), "No messages yet.");
    http_res_free(&r);
    CHECK(get_status(&otto, page) == 403);
    CHECK(get_status(&ada, page) == 403);
    CHECK(get_status(&sam, page) == 200);
    CHECK(get_status(&cora, fmt("/coach/offerings/%s/people/%lld", O, (long long)zed.id)) == 404);
    CHECK(get_status(&otto, fmt("/coach/offerings/%s/people/%lld", O2, (long long)ada.id)) == 404);
    CHECK(get_status(&cora, fmt("/coach/offerings/%s/people/%lld", O, (long long)cora.id)) == 404);

    /* the coach writes: the message, rendered safely, and ada notified */
    const char *send = fmt("%s/messages", page);
    char send_path[256];
    snprintf(send_path, sizeof send_path, "%s", send);
    int64_t m1 = 0;
    CHECK(send_message(&cora, send_path, "Hello **Ada**, how is it going? <script>alert(1)</script>", &m1) == 303);
    CHECK(m1 > 0);
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = 'message'"
                      " AND link = '/learn/%s/messages#message-%lld'", (long long)ada.id, O, (long long)m1)) == 1);
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE kind = 'message' AND user_id <> %lld",
                      (long long)ada.id)) == 0);
    CHECK(sql_int(fmt("SELECT count(*) FROM messages WHERE id = %lld AND body_html LIKE '%%<script%%'", (long long)m1)) == 0);
    CHECK(sql_int(fmt("SELECT read_at IS NULL FROM messages WHERE id = %lld", (long long)m1)) == 1);

    /* the notification reaches ada by e-mail (her choice: at once) */
    CHECK(smtp_wait_mail(&mail, "Cora Coach sent you a message", 1));
    buf all = BUF_INIT;
    smtp_read_all(&mail, &all);
    const char *to_ada = strstr(buf_str(&all), "X-RcptTo: ada@example.org");
    CHECK(to_ada && strstr(to_ada, "Cora Coach sent you a message"));
    CHECK(strstr(buf_str(&all), "A private message") != NULL);
    buf_free(&all);

    /* ada reads it (now marked read) and answers; the coaches are told */
    CHECK(get(&ada, "/learn/" O "/messages", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<strong>Ada</strong>");
    CHECK_CONTAINS(buf_str(&r.body), fmt("id=\"message-%lld\"", (long long)m1));
    CHECK(strstr(buf_str(&r.body), "<script>alert") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "/learn/" O "/messages\" aria-current=\"page\"");
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT read_at IS NOT NULL FROM messages WHERE id = %lld", (long long)m1)) == 1);
    int64_t m2 = 0;
    CHECK(send_message(&ada, "/learn/" O "/messages", "Thank you, it is going well.", &m2) == 303);
    CHECK(m2 > m1);
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = 'message'"
                      " AND link = '/coach/offerings/%s/people/%lld#message-%lld'", (long long)cora.id, O,
                      (long long)ada.id, (long long)m2)) == 1);
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id IN (%lld, %lld) AND kind = 'message'",
                      (long long)otto.id, (long long)sam.id)) == 0);
    CHECK(smtp_wait_mail(&mail, "Ada Lovelace sent the coaches a message", 1));
    CHECK(smtp_mail_count(&mail, "X-RcptTo: otto@example.org") == 0);

    /* the roster shows the coaches a message nobody opened, until one does */
    CHECK(get(&cora, "/coach/offerings/" O "/roster", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), fmt("href=\"/coach/offerings/%s/people/%lld#messages\">1 new message<",
                                         O, (long long)ada.id));
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT read_at IS NULL FROM messages WHERE id = %lld", (long long)m2)) == 1);

    /* both sides see the whole thread; nobody else sees any of it */
    CHECK(get(&cora, page, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Thank you, it is going well.");
    CHECK_CONTAINS(buf_str(&r.body), "<strong>Ada</strong>");
    http_res_free(&r);
    CHECK(get(&sam, page, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Thank you, it is going well.");
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT read_at IS NOT NULL FROM messages WHERE id = %lld", (long long)m2)) == 1);
    CHECK(get(&cora, "/coach/offerings/" O "/roster", &r) == 200);
    CHECK(strstr(buf_str(&r.body), "new message") == NULL);
    http_res_free(&r);
    CHECK(get(&bob, "/learn/" O "/messages", &r) == 200);
    CHECK(strstr(buf_str(&r.body), "going well") == NULL && strstr(buf_str(&r.body), "Hello") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "No messages yet.");
    http_res_free(&r);
    CHECK(get_status(&zed, "/learn/" O "/messages") == 403);
    CHECK(get(&otto, "/coach/offerings/" O2 "/roster", &r) == 200);
    CHECK(strstr(buf_str(&r.body), "going well") == NULL);
    http_res_free(&r);

    /* refused: another offering's coach, a participant writing to a coach's
    ** address, a coach on the participant's side, empty and oversized
    ** text, a missing CSRF token; nothing is written */
    int64_t before = sql_int("SELECT count(*) FROM messages");
    int64_t id = 0;
    CHECK(send_message(&otto, send_path, "Let me in", &id) == 403);
    CHECK(send_message(&ada, send_path, "To myself", &id) == 403);
    CHECK(send_message(&cora, "/learn/" O "/messages", "Wrong side", &id) == 403);
    CHECK(send_message(&zed, "/learn/" O "/messages", "Not my course", &id) == 403);
    CHECK(post_body(&ada, "/learn/" O "/messages", "   \n ", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Write your message before you send it.");
    http_res_free(&r);
    char *big = malloc(20002);
    memset(big, 'x', 20001);
    big[20001] = '\0';
    CHECK(post_body(&cora, send_path, big, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "the limit is 20000");
    http_res_free(&r);
    free(big);
    browser_post(&cora.b, send_path, "body=no+token", &r);
    CHECK(r.status == 403);
    http_res_free(&r);
    CHECK(sql_int("SELECT count(*) FROM messages") == before);

    /* the workspace leads a coach to the roster, a participant to the messages */
    CHECK(get(&cora, "/learn/" O, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<a href=\"/coach/offerings/" O "/roster\">Roster</a>");
    CHECK(strstr(buf_str(&r.body), "/learn/" O "/messages") == NULL);
    http_res_free(&r);
    CHECK(get(&bob, "/learn/" O, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<a href=\"/learn/" O "/messages\">Messages</a>");
    CHECK(strstr(buf_str(&r.body), "/roster") == NULL);
    http_res_free(&r);

    /* a coach or staff on the participant's address is sent to the roster */
    CHECK(get(&cora, "/learn/" O "/messages", &r) == 303);
    char *loc = http_res_location(&r);
    CHECK(!strcmp(loc, "/coach/offerings/" O "/roster"));
    free(loc);
    http_res_free(&r);
}

/* ---- two readers marking the same messages read at once -------------------- */

struct reader {
    const char *path;
    int64_t offering, participant;
    int marked;
};

/* One reader on its own connection: mark the participant's messages read
** as a coach would, in a write transaction. */
static void *read_race(void *arg)
{
    struct reader *rd = arg;
    buf err = BUF_INIT;
    db *d = db_open(rd->path, &err);
    buf_free(&err);
    rd->marked = -1;
    if (!d)
        return NULL;
    if (db_begin_write(d) == 0) {
        rd->marked = store_messages_read(d, rd->offering, rd->participant, 0, time(NULL));
        if (db_commit(d) != 0)
            rd->marked = -1;
    }
    db_close(d);
    return NULL;
}

static void test_race(void)
{
    int64_t m = 0;
    CHECK(send_message(&ada, "/learn/" O "/messages", "A question for the race", &m) == 303);
    int64_t off = sql_int("SELECT id FROM offerings WHERE code = '" O "'");
    char path[512];
    snprintf(path, sizeof path, "%s", stack_path(&s, "var/journeys.db"));
    struct reader a = {path, off, ada.id, 0}, b = {path, off, ada.id, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, read_race, &a);
    pthread_create(&tb, NULL, read_race, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK((a.marked == 1 && b.marked == 0) || (a.marked == 0 && b.marked == 1));
    CHECK(sql_int(fmt("SELECT read_at IS NOT NULL FROM messages WHERE id = %lld", (long long)m)) == 1);
}

/* ---- the roster kept per worker ------------------------------------------- */

enum { KEPT_ROUNDS = 8 };   /* answers asked for per check: more than the stack's workers */

/* bob's roster line in html, up to the end of its row (malloc'd; "" when
** bob is not on the page). */
static char *bob_line(const char *html)
{
    char needle[128];
    snprintf(needle, sizeof needle, "/people/%lld\"", (long long)bob.id);
    const char *at = strstr(html, needle);
    const char *end = at ? strstr(at, "</tr>") : NULL;
    return at && end ? strndup(at, (size_t)(end - at)) : strdup("");
}

/* Ask for the first roster page as cora KEPT_ROUNDS times; the number of
** answers whose line for bob holds want (has != 0) or does not (has ==
** 0). Every answer should, whichever worker gave it. */
static int rounds_where(const char *want, int has)
{
    int n = 0;
    for (int i = 0; i < KEPT_ROUNDS; i++) {
        http_res r;
        if (get(&cora, "/coach/offerings/" O "/roster", &r) == 200) {
            char *line = bob_line(buf_str(&r.body));
            if (*line && (strstr(line, want) != NULL) == (has != 0))
                n++;
            free(line);
        }
        http_res_free(&r);
    }
    return n;
}

static void test_kept(void)
{
    http_res r;
    /* every worker has the page kept as it is now: bob has done nothing */
    CHECK(rounds_where("prompts · 0 posts", 1) == KEPT_ROUNDS);
    CHECK(rounds_where("0 versions", 1) == KEPT_ROUNDS);

    /* a post: bob answers ada's thread through the site */
    CHECK(post_body(&bob, fmt("/learn/%s/threads/%lld/reply", O, (long long)ada_thread), "Me too", &r) == 303);
    http_res_free(&r);
    CHECK(rounds_where("prompts · 1 post<", 1) == KEPT_ROUNDS);

    /* a submission waiting for feedback */
    CHECK(sql(fmt("INSERT INTO submissions(offering_id, item_id, user_id, version, body_md, body_html, created_at)"
                  " SELECT o.id, i.id, %lld, 1, 'y', '<p>y</p>', 200 FROM offerings o JOIN course_items i"
                  " ON i.course_id = o.course_id AND i.section = 'activity' AND i.published = 1"
                  " AND i.archived_at IS NULL WHERE o.code = '" O "' ORDER BY i.position LIMIT 1",
                  (long long)bob.id)) == 0);
    int64_t bob_sub = sql_int(fmt("SELECT max(id) FROM submissions WHERE user_id = %lld", (long long)bob.id));
    CHECK(bob_sub > 0);
    CHECK(rounds_where("1 version · 1 waiting for feedback", 1) == KEPT_ROUNDS);

    /* a feedback decision: no longer waiting */
    CHECK(sql(fmt("UPDATE submissions SET state = 'complete', decided_at = 300 WHERE id = %lld AND state = 'waiting'",
                  (long long)bob_sub)) == 0);
    CHECK(rounds_where("waiting for feedback", 0) == KEPT_ROUNDS);
    CHECK(rounds_where("1 version<", 1) == KEPT_ROUNDS);

    /* a sign-off */
    CHECK(rounds_where("Signed off", 0) == KEPT_ROUNDS);
    CHECK(sql(fmt("INSERT INTO completions(offering_id, user_id, signed_by, signed_at) SELECT id, %lld, %lld, 1700000000"
                  " FROM offerings WHERE code = '" O "'", (long long)bob.id, (long long)cora.id)) == 0);
    CHECK(rounds_where("Signed off", 1) == KEPT_ROUNDS);

    /* a message from bob through the site: the coaches' badge */
    CHECK(rounds_where("new message", 0) == KEPT_ROUNDS);
    int64_t m = 0;
    CHECK(send_message(&bob, "/learn/" O "/messages", "A question for the coaches.", &m) == 303);
    CHECK(m > 0);
    CHECK(rounds_where("1 new message", 1) == KEPT_ROUNDS);

    /* the same kept state, two askers in two time zones: each sees their own */
    CHECK(sql(fmt("UPDATE users SET time_zone = 'Asia/Tokyo' WHERE id = %lld", (long long)sam.id)) == 0);
    CHECK(get(&cora, "/coach/offerings/" O "/roster", &r) == 200);
    CHECK(strstr(buf_str(&r.body), " UTC</time>") != NULL);
    CHECK(strstr(buf_str(&r.body), " JST</time>") == NULL);
    http_res_free(&r);
    for (int i = 0; i < KEPT_ROUNDS; i++) {
        CHECK(get(&sam, "/coach/offerings/" O "/roster", &r) == 200);
        CHECK(strstr(buf_str(&r.body), " JST</time>") != NULL);
        CHECK(strstr(buf_str(&r.body), " UTC</time>") == NULL);
        http_res_free(&r);
    }
    /* and a coach of another offering is still refused, kept page or not */
    CHECK(get_status(&otto, "/coach/offerings/" O "/roster") == 403);
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
    site = tk_site_db(&s);
    if (!site) {
        CHECK(!"the site's database opens");
        stack_stop(&s);
        return check_done();
    }
    CHECK(sql("UPDATE offerings SET posting_closes_at = NULL WHERE code IN ('" O "', '" O2 "')") == 0);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db_handle(site), "SELECT i.key FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                           " WHERE o.code = '" O "' AND i.section = 'prompt' ORDER BY i.position LIMIT 1", -1, &st,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            prompt_key = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    CHECK(prompt_key && *prompt_key);

    person_make(&ada, "ada@example.org", "Ada Lovelace", "participant");
    person_make(&bob, "bob@example.org", "Bob Brown", "participant");
    person_make(&zed, "zed@example.org", "Zed Elsewhere", "participant");
    person_make(&cora, "cora@example.org", "Cora Coach", "coach");
    person_make(&otto, "otto@example.org", "Otto Othercoach", "coach");
    person_make(&sam, "sam@example.org", "Sam Staff", "staff");
    /* names and a zone a spreadsheet would run, and a pending registration */
    CHECK(sql("UPDATE users SET name = '=1+2' WHERE email = 'bob@example.org'") == 0);
    CHECK(sql("INSERT INTO users(email, name, password_hash, time_zone, created_at) VALUES"
              " ('plus@example.org', '+cmd|'' /C calc''!A0', 'x', 'UTC', 1),"
              " ('-minus@example.org', '@SUM(A1:A2)', 'x', char(9) || 'Tab', 1),"
              " ('pending@example.org', 'Pending Person', 'x', 'UTC', 1)") == 0);
    CHECK(sql("UPDATE users SET time_zone = char(13) || 'CR' WHERE email = 'plus@example.org'") == 0);
    CHECK(sql("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
              " updated_at) SELECT o.id, u.id, x.column3, x.column4, 5000, 'USD', 1, 1 FROM (VALUES"
              " ('" O "', 'ada@example.org', 'active', 'paid'), ('" O "', 'bob@example.org', 'active', 'waived'),"
              " ('" O "', 'plus@example.org', 'active', 'invoiced'), ('" O "', '-minus@example.org', 'active', 'paid'),"
              " ('" O "', 'pending@example.org', 'pending', 'unpaid'), ('" O2 "', 'zed@example.org', 'active', 'paid')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);
    CHECK(sql("INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
              " SELECT o.id, u.id, 'coach', 1 FROM (VALUES ('" O "', 'cora@example.org'), ('" O2 "', 'otto@example.org')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);

    test_roster();
    test_person_and_messages();
    test_race();
    test_paging();
    test_kept();

    person *all[] = {&ada, &bob, &zed, &cora, &otto, &sam};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        browser_close(&all[i]->b);
        free(all[i]->csrf);
    }
    free(prompt_key);
    db_close(site);
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
