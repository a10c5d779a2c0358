/*
** test_coach_queue.c: where a coach lands and the "needs me" queue, through real
** nginx. On two running offerings (one coached by Cora and Carl, the other
** by Otto): each kind of row appears on the seeded data (a thread with no
** coach reply, a reply nobody answered, work waiting for feedback, a
** participant quiet for 48 hours, one behind the pacing) and disappears
** when it is handled the way the site handles it (a coach's reply, the
** participant's own reply, the participant coming back, doing the part
** that was due, a feedback decision, a newer version); snooze hides a row
** for one coach until its time, "no reply needed" for every coach; two
** coaches marking the same row at once: one wins. A coach of the other
** offering sees none of it and is refused its marks by id; a participant
** and a visitor are kept out; staff see every offering. A coach signing in
** lands on /coach, and My courses no longer tells a coach they have not
** registered.
**
** People and seats are set up with `journeys user add` and SQL; so is a
** submission (handing in has its own tests) and a feedback decision (the
** feedback page's own write: one UPDATE of submissions.state). Every
** queue row is read through the site.
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
#include "../unit/htmlscan.h"

#define O "pv-2019-10"      /* Cora's and Carl's offering */
#define O2 "gp-2019-11"     /* Otto's offering */

static stack s;
static db *site;

typedef struct person {
    browser b;
    char *csrf;
    int64_t id;
    const char *email;
} person;

static person ada, bob, zed, cora, carl, otto, sam;
static int64_t oid, oid2;

/* ---- helpers ----------------------------------------------------------- */

/* The shared helpers (testkit.h) under this file's short names. */
#define sql(q) tk_sql(site, (q))
#define sql_int(q) tk_sql_int(site, (q))
#define fmt tk_fmt
#define urlenc tk_urlenc

/* Make an account (role given) and sign it in; p->id is its user id. */
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

/* GET path as p into r (caller frees); returns the status. */
static long get(person *p, const char *path, http_res *r)
{
    browser_get(&p->b, path, r);
    return r->status;
}

/* GET path as p; the status only. */
static long get_status(person *p, const char *path)
{
    http_res r;
    long st = get(p, path, &r);
    http_res_free(&r);
    return st;
}

/* POST form (encoded) plus p's CSRF token to path; the status. */
static long post_status(person *p, const char *path, const char *form)
{
    buf body = BUF_INIT;
    buf_printf(&body, "%s%scsrf=%s", form, *form ? "&" : "", p->csrf);
    http_res r;
    browser_post(&p->b, path, buf_str(&body), &r);
    buf_free(&body);
    long st = r.status;
    http_res_free(&r);
    return st;
}

/* Start a thread in space of O as p; the new thread's id (0 if refused). */
static int64_t start_thread(person *p, const char *space, const char *title)
{
    buf form = BUF_INIT;
    buf_puts(&form, "title=");
    urlenc(&form, title);
    buf_puts(&form, "&body=");
    urlenc(&form, "What do you all think about this?");
    buf_printf(&form, "&csrf=%s", p->csrf);
    http_res r;
    browser_post(&p->b, fmt("/learn/%s/discuss/%s", O, space), buf_str(&form), &r);
    buf_free(&form);
    char *to = http_res_location(&r);
    const char *t = strstr(to, "/threads/");
    int64_t id = r.status == 303 && t ? strtoll(t + 9, NULL, 10) : 0;
    free(to);
    http_res_free(&r);
    return id;
}

/* Reply to thread of offering code as p; the new post's id (0 if refused). */
static int64_t reply_in(person *p, const char *code, int64_t thread, const char *text)
{
    buf form = BUF_INIT;
    buf_puts(&form, "body=");
    urlenc(&form, text);
    buf_printf(&form, "&csrf=%s", p->csrf);
    http_res r;
    browser_post(&p->b, fmt("/learn/%s/threads/%lld/reply", code, (long long)thread), buf_str(&form), &r);
    buf_free(&form);
    char *to = http_res_location(&r);
    const char *h = strstr(to, "#post-");
    int64_t id = r.status == 303 && h ? strtoll(h + 6, NULL, 10) : 0;
    free(to);
    http_res_free(&r);
    return id;
}

/* p's queue page (all offerings, or ?offering=code) as text (malloc'd). */
static char *queue_of(person *p, const char *code)
{
    http_res r;
    get(p, code ? fmt("/coach/queue?offering=%s", code) : "/coach/queue", &r);
    CHECK(r.status == 200);
    char *html = strdup(buf_str(&r.body));
    http_res_free(&r);
    return html;
}

/* Whether p's queue shows the row of kind about id. */
static int shows(person *p, const char *kind, int64_t id)
{
    char *html = queue_of(p, NULL);
    int found = strstr(html, fmt("id=\"queue-%s-%lld\"", kind, (long long)id)) != NULL;
    free(html);
    return found;
}

/* The registration id of user in offering. */
static int64_t enrolment_of(int64_t user, int64_t offering)
{
    return sql_int(fmt("SELECT id FROM enrolments WHERE user_id = %lld AND offering_id = %lld", (long long)user,
                       (long long)offering));
}

/* ---- tests --------------------------------------------------------------- */

static int64_t t_general;   /* Ada's thread in the general space */

/* A thread with no coach reply: appears, then a coach's reply removes it;
** the participant answering back makes a "reply nobody answered" row,
** which the coach's next reply removes. A participant answering another
** participant after the coach keeps the thread answered (the last reply
** waits). */
static void test_threads_and_posts(void)
{
    t_general = start_thread(&ada, "general", "Where do we start with a vision statement?");
    CHECK(t_general > 0);
    CHECK(shows(&cora, "thread", t_general));
    CHECK(shows(&carl, "thread", t_general));
    char *html = queue_of(&cora, NULL);
    CHECK_CONTAINS(html, fmt("href=\"/learn/%s/threads/%lld\"", O, (long long)t_general));
    CHECK_CONTAINS(html, "Thread with no coach reply");
    CHECK_CONTAINS(html, "Ada Lovelace started");
    free(html);
    /* Bob (a participant) answering does not handle it: no coach has replied */
    int64_t pb = reply_in(&bob, O, t_general, "I would start from the students.");
    CHECK(pb > 0);
    CHECK(shows(&cora, "thread", t_general));
    CHECK(!shows(&cora, "post", pb));
    /* Cora replies: the thread leaves both coaches' queues */
    CHECK(reply_in(&cora, O, t_general, "Start from what your community hopes for.") > 0);
    CHECK(!shows(&cora, "thread", t_general));
    CHECK(!shows(&carl, "thread", t_general));
    /* Ada answers back: her reply waits, linked to its post */
    int64_t pa = reply_in(&ada, O, t_general, "Thank you, and then what?");
    CHECK(pa > 0);
    CHECK(shows(&cora, "post", pa));
    html = queue_of(&carl, NULL);
    CHECK_CONTAINS(html, fmt("href=\"/learn/%s/threads/%lld#post-%lld\"", O, (long long)t_general, (long long)pa));
    free(html);
    /* Bob answers Ada: now Bob's reply is the one that waits */
    int64_t pb2 = reply_in(&bob, O, t_general, "Then the graduate profile.");
    CHECK(pb2 > 0);
    CHECK(!shows(&cora, "post", pa));
    CHECK(shows(&cora, "post", pb2));
    /* Carl (the other coach) replies: handled for both */
    CHECK(reply_in(&carl, O, t_general, "Exactly so.") > 0);
    CHECK(!shows(&cora, "post", pb2));
    CHECK(!shows(&carl, "post", pb2));
}

/* Work waiting for feedback: appears with its link; a newer version
** replaces the older in the queue; a feedback decision removes it. */
static void test_submissions(void)
{
    int64_t item = sql_int(fmt("SELECT i.id FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                               " WHERE o.id = %lld AND i.section = 'activity' ORDER BY i.position LIMIT 1",
                               (long long)oid));
    CHECK(item > 0);
    time_t now = time(NULL);
    CHECK(sql(fmt("INSERT INTO submissions(offering_id, item_id, user_id, version, body_md, body_html, created_at)"
                  " VALUES (%lld, %lld, %lld, 1, 'Draft', '<p>Draft</p>', %lld)",
                  (long long)oid, (long long)item, (long long)bob.id, (long long)now - 7200)) == 0);
    int64_t s1 = sql_int("SELECT max(id) FROM submissions");
    CHECK(shows(&cora, "submission", s1));
    char *html = queue_of(&cora, NULL);
    CHECK_CONTAINS(html, fmt("href=\"/learn/%s/submissions/%lld\"", O, (long long)s1));
    CHECK_CONTAINS(html, "waiting 2 h");
    free(html);
    CHECK(sql(fmt("INSERT INTO submissions(offering_id, item_id, user_id, version, body_md, body_html, created_at)"
                  " VALUES (%lld, %lld, %lld, 2, 'Second', '<p>Second</p>', %lld)",
                  (long long)oid, (long long)item, (long long)bob.id, (long long)now)) == 0);
    int64_t s2 = sql_int("SELECT max(id) FROM submissions");
    CHECK(!shows(&cora, "submission", s1));
    CHECK(shows(&cora, "submission", s2));
    /* the feedback decision's write */
    CHECK(sql(fmt("UPDATE submissions SET state = 'revise', decided_at = %lld WHERE id = %lld AND state = 'waiting'",
                  (long long)now, (long long)s2)) == 0);
    CHECK(!shows(&cora, "submission", s2));
    CHECK(!shows(&carl, "submission", s2));
}

/* Quiet for 48 hours: Bob never opened the course (quiet since day 1);
** Ada last came three days ago. Each leaves the queue on opening it. */
static void test_quiet(void)
{
    int64_t eb = enrolment_of(bob.id, oid), ea = enrolment_of(ada.id, oid);
    /* Bob has posted (the site noted his visits): forget them, as if he
    ** never came; Ada's last visit three days ago */
    CHECK(sql(fmt("DELETE FROM workspace_visits WHERE user_id = %lld", (long long)bob.id)) == 0);
    CHECK(sql(fmt("UPDATE workspace_visits SET last_at = unixepoch() - 3 * 86400 WHERE user_id = %lld",
                  (long long)ada.id)) == 0);
    CHECK(shows(&cora, "quiet", eb));
    CHECK(shows(&cora, "quiet", ea));
    char *html = queue_of(&cora, NULL);
    CHECK_CONTAINS(html, fmt("href=\"/coach/offerings/%s/people/%lld\"", O, (long long)bob.id));
    CHECK_CONTAINS(html, "Quiet for 48 hours");
    free(html);
    /* Ada opens the course: no longer quiet; Bob still is */
    CHECK(get_status(&ada, fmt("/learn/%s", O)) == 200);
    CHECK(!shows(&cora, "quiet", ea));
    CHECK(shows(&cora, "quiet", eb));
    CHECK(get_status(&bob, fmt("/learn/%s/discuss", O)) == 200);
    CHECK(!shows(&cora, "quiet", eb));
}

/* Behind the pacing: one prompt is due (day 2); Bob and Ada have not
** posted in it. Ada starts a thread there and is no longer behind. */
static void test_behind(const char *prompt_key)
{
    int64_t eb = enrolment_of(bob.id, oid), ea = enrolment_of(ada.id, oid);
    CHECK(shows(&cora, "behind", eb));
    CHECK(shows(&cora, "behind", ea));
    char *html = queue_of(&cora, NULL);
    CHECK_CONTAINS(html, "Behind the suggested pacing");
    CHECK_CONTAINS(html, "has 1 part past due not done");
    free(html);
    int64_t t = start_thread(&ada, prompt_key, "My vision draft");
    CHECK(t > 0);
    CHECK(!shows(&cora, "behind", ea));
    CHECK(shows(&cora, "behind", eb));
    /* her new thread waits for a coach, and Cora answers it */
    CHECK(shows(&cora, "thread", t));
    CHECK(reply_in(&cora, O, t, "A good start.") > 0);
    CHECK(!shows(&cora, "thread", t));
}

struct racer {
    person *p;
    const char *path, *form;
    long status;
};

/* One racer's POST (its own browser, so its own connection). */
static void *race(void *arg)
{
    struct racer *r = arg;
    r->status = post_status(r->p, r->path, r->form);
    return NULL;
}

/* Snooze hides a row for the coach who snoozed it, until its time; "no
** reply needed" hides it for every coach; bad input changes nothing; two
** coaches marking the same row at once: one wins, the other is told. */
static void test_marks(void)
{
    int64_t t = start_thread(&bob, "general", "Is the reading list optional?");
    CHECK(t > 0);
    CHECK(shows(&cora, "thread", t));
    const char *snooze = fmt("/coach/queue/thread/%lld/snooze", (long long)t);
    /* bad hours, no CSRF token: refused, nothing written */
    CHECK(post_status(&cora, snooze, "hours=0") == 422);
    CHECK(post_status(&cora, snooze, "hours=lots") == 422);
    http_res r;
    browser_post(&cora.b, snooze, "hours=4", &r);
    CHECK(r.status == 403);
    http_res_free(&r);
    CHECK(sql_int("SELECT count(*) FROM queue_marks") == 0);
    /* snooze for a day: gone for Cora, still there for Carl */
    buf form = BUF_INIT;
    buf_printf(&form, "hours=24&back=%%2Fcoach%%2Fqueue%%3Foffering%%3D%s&csrf=%s", O, cora.csrf);
    browser_post(&cora.b, snooze, buf_str(&form), &r);
    buf_free(&form);
    CHECK(r.status == 303);
    char *to = http_res_location(&r);
    CHECK_STR(to, "/coach/queue?offering=" O);
    free(to);
    http_res_free(&r);
    CHECK(!shows(&cora, "thread", t));
    CHECK(shows(&carl, "thread", t));
    CHECK(sql_int(fmt("SELECT until - created_at FROM queue_marks WHERE kind = 'thread' AND object_id = %lld"
                      " AND user_id = %lld AND mode = 'snooze'", (long long)t, (long long)cora.id)) == 86400);
    /* its time comes: back in Cora's queue */
    CHECK(sql(fmt("UPDATE queue_marks SET until = unixepoch() - 1 WHERE user_id = %lld", (long long)cora.id)) == 0);
    CHECK(shows(&cora, "thread", t));
    /* Carl marks it as needing no reply: gone for both */
    CHECK(post_status(&carl, fmt("/coach/queue/thread/%lld/no-reply", (long long)t), "") == 303);
    CHECK(!shows(&cora, "thread", t));
    CHECK(!shows(&carl, "thread", t));
    /* marking it again: it no longer waits */
    CHECK(post_status(&cora, fmt("/coach/queue/thread/%lld/no-reply", (long long)t), "") == 409);
    /* no reply needed on a quiet participant lasts until they come back and go quiet again */
    int64_t ez = enrolment_of(bob.id, oid);
    CHECK(sql(fmt("UPDATE workspace_visits SET last_at = unixepoch() - 3 * 86400 WHERE user_id = %lld",
                  (long long)bob.id)) == 0);
    CHECK(shows(&cora, "quiet", ez));
    CHECK(post_status(&cora, fmt("/coach/queue/quiet/%lld/no-reply", (long long)ez), "") == 303);
    CHECK(!shows(&carl, "quiet", ez));

    /* races: two coaches mark the same row at once */
    for (int round = 0; round < 4; round++) {
        int64_t tr = start_thread(&ada, "general", fmt("Race %d", round));
        CHECK(tr > 0);
        const char *path = fmt("/coach/queue/thread/%lld/no-reply", (long long)tr);
        struct racer a = {&cora, path, "", 0}, b = {&carl, path, "", 0};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, race, &a);
        pthread_create(&tb, NULL, race, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        CHECK((a.status == 303 && b.status == 409) || (a.status == 409 && b.status == 303));
        CHECK(sql_int(fmt("SELECT count(*) FROM queue_marks WHERE kind = 'thread' AND object_id = %lld",
                          (long long)tr)) == 1);
        CHECK(!shows(&cora, "thread", tr));
    }
}

/* Who sees what: Otto (coach of O2) sees Zed's thread and none of O's
** rows, cannot mark them by id, cannot filter on O; a participant and a
** visitor are kept out; staff see both offerings. */
static void test_access(void)
{
    int64_t tz = 0;
    {
        /* Zed's thread in O2 */
        buf form = BUF_INIT;
        buf_printf(&form, "title=Zed%%27s+question&body=Anyone+here%%3F&csrf=%s", zed.csrf);
        http_res r;
        browser_post(&zed.b, "/learn/" O2 "/discuss/general", buf_str(&form), &r);
        buf_free(&form);
        char *to = http_res_location(&r);
        const char *t = strstr(to, "/threads/");
        tz = r.status == 303 && t ? strtoll(t + 9, NULL, 10) : 0;
        free(to);
        http_res_free(&r);
    }
    CHECK(tz > 0);
    int64_t t = start_thread(&ada, "general", "Only for our coaches");
    CHECK(t > 0);
    CHECK(shows(&otto, "thread", tz));
    CHECK(!shows(&otto, "thread", t));
    CHECK(!shows(&cora, "thread", tz));
    CHECK(shows(&cora, "thread", t));
    char *html = queue_of(&otto, NULL);
    CHECK(!strstr(html, "Only for our coaches"));
    CHECK(!strstr(html, "Ada Lovelace"));
    free(html);
    /* marks on O's things by id: not found, nothing written */
    int64_t marks = sql_int("SELECT count(*) FROM queue_marks");
    CHECK(post_status(&otto, fmt("/coach/queue/thread/%lld/no-reply", (long long)t), "") == 404);
    CHECK(post_status(&otto, fmt("/coach/queue/thread/%lld/snooze", (long long)t), "hours=4") == 404);
    CHECK(post_status(&otto, fmt("/coach/queue/quiet/%lld/no-reply", (long long)enrolment_of(bob.id, oid)), "") == 404);
    CHECK(post_status(&otto, "/coach/queue/thread/999999/no-reply", "") == 404);
    CHECK(sql_int("SELECT count(*) FROM queue_marks") == marks);
    CHECK(shows(&cora, "thread", t));
    CHECK(get_status(&otto, "/coach/queue?offering=" O) == 404);
    /* the landing page: each coach's own offerings, staff every one */
    http_res r;
    CHECK(get(&otto, "/coach", &r) == 200);
    CHECK(strstr(buf_str(&r.body), O2) != NULL);
    CHECK(strstr(buf_str(&r.body), ">" O "<") == NULL);
    http_res_free(&r);
    CHECK(get(&cora, "/coach", &r) == 200);
    CHECK(strstr(buf_str(&r.body), ">" O "<") != NULL);
    CHECK(strstr(buf_str(&r.body), O2) == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "<dd>2</dd>");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/coach/queue?offering=" O "\"");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/coach\" aria-current=\"page\">Coaching</a>");
    http_res_free(&r);
    CHECK(get(&sam, "/coach", &r) == 200);
    CHECK(strstr(buf_str(&r.body), ">" O "<") != NULL);
    CHECK(strstr(buf_str(&r.body), ">" O2 "<") != NULL);
    http_res_free(&r);
    CHECK(shows(&sam, "thread", t));
    CHECK(shows(&sam, "thread", tz));
    /* participants and visitors */
    CHECK(get_status(&ada, "/coach") == 403);
    CHECK(get_status(&ada, "/coach/queue") == 403);
    CHECK(post_status(&ada, fmt("/coach/queue/thread/%lld/no-reply", (long long)t), "") == 403);
    browser v;
    browser_open(&v, &s);
    CHECK(browser_get(&v, "/coach/queue", &r) == 0 && r.status == 303);
    char *to = http_res_location(&r);
    CHECK_CONTAINS(to, "/signin?next=");
    free(to);
    http_res_free(&r);
    browser_close(&v);
    /* the nav link only for coaches and staff */
    CHECK(get(&ada, "/my", &r) == 200);
    CHECK(strstr(buf_str(&r.body), "href=\"/coach\"") == NULL);
    http_res_free(&r);
}

/* A coach named in the course files is made by publish without a
** password; `journeys user password` gives the account one (read from
** standard input, at least 10 characters) so the coach can sign in, and
** lands on /coach. An unknown address and a short password are refused. */
static void test_coach_password(void)
{
    const char *email = "maya.okafor@mastery.org";
    CHECK(sql_int("SELECT count(*) FROM users WHERE email = 'maya.okafor@mastery.org' AND role = 'coach'") == 1);
    browser b;
    browser_open(&b, &s);
    http_res r;
    browser_submit(&b, "/signin", "/signin", "email=maya.okafor%40mastery.org&password=the+coach+password", &r);
    CHECK(r.status != 303);
    http_res_free(&r);
    CHECK(stack_run(&s, "echo 'short' | \"${BUILD:-build}\"/journeys user password maya.okafor@mastery.org"
                        " >/dev/null 2>&1", NULL) != 0);
    CHECK(stack_run(&s, "echo 'the coach password' | \"${BUILD:-build}\"/journeys user password nobody@example.org"
                        " >/dev/null 2>&1", NULL) != 0);
    CHECK(stack_run(&s, fmt("echo 'the coach password' | \"${BUILD:-build}\"/journeys user password %s >/dev/null 2>&1",
                            email), NULL) == 0);
    browser_submit(&b, "/signin", "/signin", "email=maya.okafor%40mastery.org&password=the+coach+password", &r);
    CHECK(r.status == 303);
    char *to = http_res_location(&r);
    CHECK_STR(to, "/coach");
    free(to);
    http_res_free(&r);
    CHECK(browser_get(&b, "/coach", &r) == 0 && r.status == 200);
    http_res_free(&r);
    browser_close(&b);
}

/* A coach signing in with no destination lands on /coach; My courses
** shows their offerings, not "You have not registered". */
static void test_landing(void)
{
    browser b;
    browser_open(&b, &s);
    http_res r;
    browser_submit(&b, "/signin", "/signin", "email=cora%40example.org&password=a+long+password+1", &r);
    CHECK(r.status == 303);
    char *to = http_res_location(&r);
    CHECK_STR(to, "/coach");
    free(to);
    http_res_free(&r);
    CHECK(browser_get(&b, "/my", &r) == 0 && r.status == 200);
    CHECK(strstr(buf_str(&r.body), "You have not registered") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "Offerings you coach");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/coach\"");
    http_res_free(&r);
    /* In the course space a coach gets what waits there, not a
    ** participant's own progress and to-do list. */
    CHECK(browser_get(&b, "/learn/" O, &r) == 0 && r.status == 200);
    CHECK(strstr(buf_str(&r.body), "Your progress") == NULL);
    CHECK(strstr(buf_str(&r.body), "What to do today") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/coach/queue?offering=" O "\"");
    http_res_free(&r);
    browser_close(&b);
}

/* The pages are well formed (one h1, elements nest) for a coach and for
** staff, and what participants wrote (a thread title) is shown as text. */
static void test_pages(void)
{
    int64_t t = start_thread(&ada, "general", "<img src=x onerror=alert(1)><script>alert(2)</script>");
    CHECK(t > 0);
    const char *paths[] = {"/coach", "/coach/queue", "/coach/queue?offering=" O};
    person *who[] = {&cora, &sam};
    for (size_t w = 0; w < 2; w++)
        for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
            http_res r;
            CHECK(get(who[w], paths[i], &r) == 200);
            CHECK(tk_well_formed(buf_str(&r.body)));
            CHECK(html_executable(buf_str(&r.body), r.body.len) == NULL);
            http_res_free(&r);
        }
    char *html = queue_of(&cora, NULL);
    CHECK_CONTAINS(html, "&lt;img src=x onerror=alert(1)&gt;");
    free(html);
    /* a kept page (asked twice, nothing written between) carries each
    ** asker's own CSRF token in its forms, never another's or the slot */
    for (int round = 0; round < 3; round++) {
        person *p = round == 1 ? &carl : &cora;
        http_res r;
        CHECK(get(p, "/coach/queue", &r) == 200);
        char *token = browser_csrf(&r);
        CHECK_STR(token, p->csrf);
        /* every form, the kept queue's snooze and no-reply ones too */
        int forms = 0;
        CHECK(browser_csrf_others(&r, p->csrf, &forms) == 0);
        CHECK(forms > 2);
        CHECK(strstr(buf_str(&r.body), "<!--csrf-->") == NULL);
        CHECK(strstr(buf_str(&r.body), "<!--k:") == NULL);
        free(token);
        http_res_free(&r);
    }
}

int main(void)
{
    if (stack_start(&s, NULL) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return check_done();
    }
    site = tk_site_db(&s);
    if (!site) {
        CHECK(!"the site's database opens");
        stack_stop(&s);
        return check_done();
    }
    /* both offerings running: began ten days ago (every due time has
    ** passed), end in two days, posting open */
    CHECK(sql("UPDATE offerings SET starts = date('now', '-10 days'), ends = date('now', '+2 days'),"
              " posting_closes_at = NULL, time_zone = 'UTC' WHERE code IN ('" O "', '" O2 "')") == 0);
    oid = sql_int("SELECT id FROM offerings WHERE code = '" O "'");
    oid2 = sql_int("SELECT id FROM offerings WHERE code = '" O2 "'");
    /* one part of O's course is due (a prompt, day 2); none of O2's */
    int64_t prompt = sql_int(fmt("SELECT i.id FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                                 " WHERE o.id = %lld AND i.section = 'prompt' ORDER BY i.position LIMIT 1",
                                 (long long)oid));
    CHECK(prompt > 0);
    CHECK(sql(fmt("UPDATE course_items SET due = NULL WHERE course_id IN (SELECT course_id FROM offerings"
                  " WHERE id IN (%lld, %lld));"
                  "UPDATE course_items SET due = 'day 2 17:00' WHERE id = %lld",
                  (long long)oid, (long long)oid2, (long long)prompt)) == 0);
    char prompt_key[128];
    {
        sqlite3_stmt *st;
        prompt_key[0] = '\0';
        if (sqlite3_prepare_v2(db_handle(site), fmt("SELECT key FROM course_items WHERE id = %lld", (long long)prompt),
                               -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                snprintf(prompt_key, sizeof prompt_key, "%s", (const char *)sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
        }
    }
    CHECK(*prompt_key);

    person_make(&ada, "ada@example.org", "Ada Lovelace", "participant");
    person_make(&bob, "bob@example.org", "Bob Brown", "participant");
    person_make(&zed, "zed@example.org", "Zed Elsewhere", "participant");
    person_make(&cora, "cora@example.org", "Cora Coach", "coach");
    person_make(&carl, "carl@example.org", "Carl Cocoach", "coach");
    person_make(&otto, "otto@example.org", "Otto Othercoach", "coach");
    person_make(&sam, "sam@example.org", "Sam Staff", "staff");
    CHECK(sql("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
              " updated_at) SELECT o.id, u.id, 'active', x.column3, 5000, 'USD', 1, 1 FROM (VALUES"
              " ('" O "', 'ada@example.org', 'paid'), ('" O "', 'bob@example.org', 'waived'),"
              " ('" O2 "', 'zed@example.org', 'paid')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);
    CHECK(sql("INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
              " SELECT o.id, u.id, 'coach', 1 FROM (VALUES ('" O "', 'cora@example.org'), ('" O "', 'carl@example.org'),"
              " ('" O2 "', 'otto@example.org')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);

    /* before anything is written: nothing waits but the people */
    char *html = queue_of(&cora, NULL);
    CHECK(strstr(html, "queue-item--thread") == NULL);
    CHECK(strstr(html, "queue-item--submission") == NULL);
    free(html);

    test_threads_and_posts();
    test_submissions();
    test_quiet();
    test_behind(prompt_key);
    test_marks();
    test_access();
    test_landing();
    test_coach_password();
    test_pages();

    person *all[] = {&ada, &bob, &zed, &cora, &carl, &otto, &sam};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        browser_close(&all[i]->b);
        free(all[i]->csrf);
    }
    db_close(site);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
