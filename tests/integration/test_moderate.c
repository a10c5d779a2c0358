/*
** test_moderate.c: moderation of the discussions through real nginx: a
** coach pins, locks (a locked thread refuses replies with a message),
** moves a thread to another space, marks a post exemplary, hides a post
** with a reason (the author notified, and e-mailed through the outbox to
** the real SMTP catcher; participants shown a placeholder)
** and shows it again, writes the daily wrap-up (pinned first in the
** general space, the previous one unpinned); the moderation log page
** (who, what, why, when); who may do each (participants and another
** offering's coach refused, staff allowed); bad input (4xx, nothing
** written); a reason full of markup shown as text; and two coaches racing
** on one thread or post (one wins, one log line, one notice).
**
** The people and their seats are set up with `journeys user add` and SQL
** on the site's database; every action under test goes through the site.
*/
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "db.h"
#include "harness.h"
#include "testkit.h"
#include "smtp.h"

#define O "pv-2019-10"      /* the offering under test */
#define O2 "gp-2019-11"     /* another offering */

static stack s;
static smtp_server mail;    /* the real SMTP catcher the jobs process sends to */
static db *site;            /* our own connection to the site's database */

typedef struct person {
    browser b;
    char *csrf;
    int64_t id;
} person;

static person ada, bob, cora, cora2, otto, zed, sam;

/* ---- helpers ----------------------------------------------------------- */

/* The shared helpers (testkit.h) under this file's short names. */
#define sql(q) tk_sql(site, (q))
#define sql_int(q) tk_sql_int(site, (q))
#define sql_text(q) tk_sql_text(site, (q))
#define fmt tk_fmt

/* s percent-encoded for a form body, in a static rotating buffer. */
static const char *enc(const char *text)
{
    static char bufs[4][4096];
    static int i;
    char *b = bufs[i++ % 4];
    size_t k = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c && k + 4 < sizeof bufs[0]; c++) {
        if (isalnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '~')
            b[k++] = (char)*c;
        else
            k += (size_t)snprintf(b + k, 4, "%%%02X", *c);
    }
    b[k] = '\0';
    return b;
}

/* Make an account (role given) when there is none, and sign it in as p. */
static void person_make(person *p, const char *email, const char *name, const char *role)
{
    if (sql_int(fmt("SELECT count(*) FROM users WHERE email = '%s'", email)) == 0)
        CHECK(stack_run(&s, fmt("echo 'a long password 1' | \"${BUILD:-build}\"/journeys user add %s --name '%s'"
                                " --role %s >/dev/null 2>&1", email, name, role), NULL) == 0);
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

/* GET path as p (r filled; caller frees); the status. */
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

/* POST form (already encoded) plus the CSRF token to path as p. */
static long post(person *p, const char *path, const char *form, http_res *r)
{
    buf body = BUF_INIT;
    buf_printf(&body, "%s%scsrf=%s", form, *form ? "&" : "", p->csrf);
    browser_post(&p->b, path, buf_str(&body), r);
    buf_free(&body);
    return r->status;
}

/* POST and return only the status. */
static long post_status(person *p, const char *path, const char *form)
{
    http_res r;
    long st = post(p, path, form, &r);
    http_res_free(&r);
    return st;
}

/* Start a thread in space of offering code as p; the new thread's id (0
** when refused). */
static int64_t start_thread(person *p, const char *code, const char *space, const char *title, const char *body)
{
    http_res r;
    long st = post(p, fmt("/learn/%s/discuss/%s", code, space), fmt("title=%s&body=%s", enc(title), enc(body)), &r);
    char *to = http_res_location(&r);
    const char *t = to ? strstr(to, "/threads/") : NULL;
    int64_t id = st == 303 && t ? strtoll(t + 9, NULL, 10) : 0;
    free(to);
    http_res_free(&r);
    return id;
}

/* Reply to thread as p; the status, and the new post's id in *id. */
static long reply(person *p, int64_t thread, const char *body, int64_t *id, http_res *out)
{
    http_res r;
    long st = post(p, fmt("/learn/%s/threads/%lld/reply", O, (long long)thread), fmt("body=%s", enc(body)), &r);
    char *to = http_res_location(&r);
    const char *h = to ? strstr(to, "#post-") : NULL;
    if (id)
        *id = st == 303 && h ? strtoll(h + 6, NULL, 10) : 0;
    free(to);
    if (out)
        *out = r;
    else
        http_res_free(&r);
    return st;
}

/* Lines in the moderation log of thread (or post when post > 0) with action. */
static int64_t log_lines(const char *action, int64_t thread, int64_t post_id)
{
    return post_id ? sql_int(fmt("SELECT count(*) FROM moderation_log WHERE action = '%s' AND post_id = %lld",
                                 action, (long long)post_id))
                   : sql_int(fmt("SELECT count(*) FROM moderation_log WHERE action = '%s' AND thread_id = %lld"
                                 " AND post_id IS NULL", action, (long long)thread));
}

/* The first post of thread. */
static int64_t first_post(int64_t thread)
{
    return sql_int(fmt("SELECT min(id) FROM posts WHERE thread_id = %lld", (long long)thread));
}

static int64_t t1, t2, tb;   /* ada's and bob's threads in O, zed's in O2 */
static char *prompt_key;

/* ---- pin and lock ------------------------------------------------------ */

static void test_pin(void)
{
    char pin[256];
    snprintf(pin, sizeof pin, "/learn/%s/threads/%lld/pin", O, (long long)t1);
    /* participants, and the coach of another offering, are refused; nothing changes */
    CHECK(post_status(&ada, pin, "") == 403);
    CHECK(post_status(&bob, pin, "") == 403);
    CHECK(post_status(&otto, pin, "") == 403);
    CHECK(sql_int(fmt("SELECT pinned FROM threads WHERE id = %lld", (long long)t1)) == 0);
    CHECK(log_lines("pin", t1, 0) == 0);
    /* without the CSRF token: refused */
    http_res r;
    browser_post(&cora.b, pin, "", &r);
    CHECK(r.status == 403);
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT pinned FROM threads WHERE id = %lld", (long long)t1)) == 0);

    /* the coach pins: pinned, logged once, and first in its space though older */
    CHECK(post(&cora, pin, "", &r) == 303);
    char *to = http_res_location(&r);
    CHECK(to && strstr(to, fmt("/learn/%s/threads/%lld", O, (long long)t1)));
    free(to);
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT pinned FROM threads WHERE id = %lld", (long long)t1)) == 1);
    CHECK(log_lines("pin", t1, 0) == 1);
    CHECK(sql_int(fmt("SELECT actor_id FROM moderation_log WHERE action = 'pin' AND thread_id = %lld",
                      (long long)t1)) == cora.id);
    CHECK(get(&ada, "/learn/" O "/discuss/general", &r) == 200);
    const char *body = buf_str(&r.body);
    const char *a = strstr(body, "Pinned thread by Ada"), *b = strstr(body, "Later thread by Bob");
    CHECK(a && b && a < b);
    CHECK_CONTAINS(body, "<span class=\"badge\">Pinned</span>");
    http_res_free(&r);
    /* pinning again: 409, told so, nothing logged */
    CHECK(post(&cora, pin, "", &r) == 409);
    CHECK_CONTAINS(buf_str(&r.body), "pinned already");
    http_res_free(&r);
    CHECK(log_lines("pin", t1, 0) == 1);
    /* the coach's tools show on the thread page for the coach, not for a participant */
    CHECK(get(&cora, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Moderate this thread");
    CHECK_CONTAINS(buf_str(&r.body), fmt("/learn/%s/threads/%lld/unpin", O, (long long)t1));
    CHECK_CONTAINS(buf_str(&r.body), "/coach/offerings/" O "/moderation");
    http_res_free(&r);
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK(!strstr(buf_str(&r.body), "Moderate this thread"));
    CHECK(!strstr(buf_str(&r.body), "/unpin"));
    CHECK(!strstr(buf_str(&r.body), "/exemplary\""));
    http_res_free(&r);
    /* unpin */
    CHECK(post_status(&cora, fmt("/learn/%s/threads/%lld/unpin", O, (long long)t1), "") == 303);
    CHECK(sql_int(fmt("SELECT pinned FROM threads WHERE id = %lld", (long long)t1)) == 0);
    CHECK(log_lines("unpin", t1, 0) == 1);
    CHECK(post_status(&cora, fmt("/learn/%s/threads/%lld/unpin", O, (long long)t1), "") == 409);
}

static void test_lock(void)
{
    char lock[256];
    snprintf(lock, sizeof lock, "/learn/%s/threads/%lld/lock", O, (long long)t1);
    CHECK(post_status(&ada, lock, "") == 403);
    CHECK(post_status(&otto, lock, "") == 403);
    CHECK(sql_int(fmt("SELECT locked FROM threads WHERE id = %lld", (long long)t1)) == 0);
    CHECK(post_status(&cora, lock, "") == 303);
    CHECK(sql_int(fmt("SELECT locked FROM threads WHERE id = %lld", (long long)t1)) == 1);
    CHECK(log_lines("lock", t1, 0) == 1);
    /* a locked thread refuses a reply with a message, and writes nothing */
    int64_t posts = sql_int(fmt("SELECT count(*) FROM posts WHERE thread_id = %lld", (long long)t1));
    http_res r;
    CHECK(reply(&bob, t1, "Can I still add this?", NULL, &r) == 409);
    CHECK_CONTAINS(buf_str(&r.body), "closed to new replies");
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT count(*) FROM posts WHERE thread_id = %lld", (long long)t1)) == posts);
    /* the page says so and offers no reply form */
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "This thread is closed to new replies.");
    CHECK(!strstr(buf_str(&r.body), "id=\"reply-heading\""));
    http_res_free(&r);
    CHECK(post_status(&cora, lock, "") == 409);
    /* reopened: replies go in again */
    CHECK(post_status(&cora, fmt("/learn/%s/threads/%lld/unlock", O, (long long)t1), "") == 303);
    CHECK(log_lines("unlock", t1, 0) == 1);
    CHECK(reply(&bob, t1, "Now it goes in.", NULL, NULL) == 303);
    CHECK(sql_int(fmt("SELECT count(*) FROM posts WHERE thread_id = %lld", (long long)t1)) == posts + 1);
}

/* ---- exemplary and hide ------------------------------------------------ */

static void test_exemplary(void)
{
    int64_t pid;
    CHECK(reply(&bob, t1, "A worked example of a graduate profile draft.", &pid, NULL) == 303);
    char mark[256];
    snprintf(mark, sizeof mark, "/learn/%s/posts/%lld/exemplary", O, (long long)pid);
    CHECK(post_status(&ada, mark, "") == 403);
    CHECK(post_status(&bob, mark, "") == 403);
    CHECK(post_status(&otto, mark, "") == 403);
    CHECK(sql_int(fmt("SELECT exemplary FROM posts WHERE id = %lld", (long long)pid)) == 0);
    http_res r;
    CHECK(post(&cora, mark, "", &r) == 303);
    char *to = http_res_location(&r);
    CHECK(to && strstr(to, fmt("#post-%lld", (long long)pid)));
    free(to);
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT exemplary FROM posts WHERE id = %lld", (long long)pid)) == 1);
    CHECK(log_lines("exemplary", t1, pid) == 1);
    CHECK(post_status(&cora, mark, "") == 409);
    /* every reader sees the mark */
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "badge--exemplary");
    http_res_free(&r);
    CHECK(post_status(&cora, fmt("/learn/%s/posts/%lld/unexemplary", O, (long long)pid), "") == 303);
    CHECK(sql_int(fmt("SELECT exemplary FROM posts WHERE id = %lld", (long long)pid)) == 0);
    CHECK(log_lines("unexemplary", t1, pid) == 1);
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK(!strstr(buf_str(&r.body), "badge--exemplary"));
    http_res_free(&r);
}

static void test_hide(void)
{
    int64_t pid;
    CHECK(reply(&bob, t1, "Here is the SECRETWORD my student wrote.", &pid, NULL) == 303);
    char hide[256];
    snprintf(hide, sizeof hide, "/learn/%s/posts/%lld/hide", O, (long long)pid);
    int64_t notes = sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = 'moderation'",
                                (long long)bob.id));
    /* refused to participants and the other offering's coach; the form too */
    CHECK(post_status(&ada, hide, "reason=spam") == 403);
    CHECK(post_status(&otto, hide, "reason=spam") == 403);
    CHECK(get_status(&ada, hide) == 403);
    CHECK(get_status(&otto, hide) == 403);
    /* no reason, or one too long: 422 with the form and the message, nothing written */
    http_res r;
    CHECK(post(&cora, hide, "reason=+++", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Write the reason");
    CHECK_CONTAINS(buf_str(&r.body), "aria-invalid=\"true\"");
    http_res_free(&r);
    buf longr = BUF_INIT;
    for (int i = 0; i < 501; i++)
        buf_putc(&longr, 'x');
    CHECK(post(&cora, hide, fmt("reason=%s", buf_str(&longr)), &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "501 characters");
    http_res_free(&r);
    buf_free(&longr);
    CHECK(sql_int(fmt("SELECT hidden_at IS NULL FROM posts WHERE id = %lld", (long long)pid)) == 1);
    CHECK(log_lines("hide", t1, pid) == 0);
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = 'moderation'",
                      (long long)bob.id)) == notes);
    /* the form, then the hide with a reason */
    CHECK(get(&cora, hide, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "SECRETWORD");
    CHECK_CONTAINS(buf_str(&r.body), "Why it is hidden");
    http_res_free(&r);
    const char *why = "It names a student. <b>Please</b> take names out & post again.";
    CHECK(post_status(&cora, hide, fmt("reason=%s", enc(why))) == 303);
    CHECK(sql_int(fmt("SELECT hidden_by FROM posts WHERE id = %lld", (long long)pid)) == cora.id);
    char *stored = sql_text(fmt("SELECT hidden_reason FROM posts WHERE id = %lld", (long long)pid));
    CHECK_STR(stored, why);
    free(stored);
    CHECK(log_lines("hide", t1, pid) == 1);
    stored = sql_text(fmt("SELECT reason FROM moderation_log WHERE action = 'hide' AND post_id = %lld", (long long)pid));
    CHECK_STR(stored, why);
    free(stored);
    /* the author is told, once, with a link to the post */
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = 'moderation'",
                      (long long)bob.id)) == notes + 1);
    char *link = sql_text(fmt("SELECT link FROM notifications WHERE user_id = %lld AND kind = 'moderation'"
                              " ORDER BY id DESC LIMIT 1", (long long)bob.id));
    CHECK_STR(link, fmt("/learn/%s/threads/%lld?post=%lld#post-%lld", O, (long long)t1, (long long)pid,
                        (long long)pid));
    free(link);
    char *title = sql_text(fmt("SELECT title FROM notifications WHERE user_id = %lld AND kind = 'moderation'"
                               " ORDER BY id DESC LIMIT 1", (long long)bob.id));
    CHECK_CONTAINS(title, "It names a student.");
    free(title);
    /* and e-mailed (Bob's choice is "at once"), with the reason in the text */
    CHECK(smtp_wait_mail(&mail, "From the moderators", 1));
    buf all = BUF_INIT;
    smtp_read_all(&mail, &all);
    CHECK_CONTAINS(buf_str(&all), "bob@example.org");
    CHECK_CONTAINS(buf_str(&all), "It names a student.");
    buf_free(&all);
    /* participants see the placeholder, not the text; the coach sees both, and why */
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld?post=%lld", O, (long long)t1, (long long)pid), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "This post was hidden by a coach.");
    CHECK(!strstr(buf_str(&r.body), "SECRETWORD"));
    CHECK(!strstr(buf_str(&r.body), "It names a student"));
    http_res_free(&r);
    /* the author sees the placeholder and why, not the text */
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld?post=%lld", O, (long long)t1, (long long)pid), &r) == 200);
    CHECK(!strstr(buf_str(&r.body), "SECRETWORD"));
    CHECK_CONTAINS(buf_str(&r.body), "Reason: It names a student.");
    http_res_free(&r);
    CHECK(get(&cora, fmt("/learn/%s/threads/%lld?post=%lld", O, (long long)t1, (long long)pid), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "SECRETWORD");
    CHECK_CONTAINS(buf_str(&r.body), "Reason: It names a student. &lt;b&gt;Please&lt;/b&gt; take names out &amp; post again.");
    CHECK_CONTAINS(buf_str(&r.body), fmt("/learn/%s/posts/%lld/unhide", O, (long long)pid));
    http_res_free(&r);
    /* a hidden post cannot be marked exemplary, nor hidden twice */
    CHECK(post_status(&cora, fmt("/learn/%s/posts/%lld/exemplary", O, (long long)pid), "") == 409);
    CHECK(post_status(&cora, hide, "reason=again") == 409);
    CHECK(log_lines("hide", t1, pid) == 1);
    /* shown again */
    CHECK(post_status(&bob, fmt("/learn/%s/posts/%lld/unhide", O, (long long)pid), "") == 403);
    CHECK(post_status(&cora, fmt("/learn/%s/posts/%lld/unhide", O, (long long)pid), "") == 303);
    CHECK(sql_int(fmt("SELECT hidden_at IS NULL AND hidden_reason IS NULL FROM posts WHERE id = %lld",
                      (long long)pid)) == 1);
    CHECK(log_lines("unhide", t1, pid) == 1);
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld?post=%lld", O, (long long)t1, (long long)pid), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "SECRETWORD");
    http_res_free(&r);
    /* staff may moderate any offering */
    CHECK(post_status(&sam, hide, "reason=Staff+check") == 303);
    CHECK(sql_int(fmt("SELECT hidden_by FROM posts WHERE id = %lld", (long long)pid)) == sam.id);
    CHECK(post_status(&sam, fmt("/learn/%s/posts/%lld/unhide", O, (long long)pid), "") == 303);
}

/* ---- move -------------------------------------------------------------- */

static void test_move(void)
{
    char move[256];
    snprintf(move, sizeof move, "/learn/%s/threads/%lld/move", O, (long long)t2);
    CHECK(get_status(&ada, move) == 403);
    CHECK(get_status(&otto, move) == 403);
    CHECK(post_status(&bob, move, fmt("space=%s", prompt_key)) == 403);
    http_res r;
    CHECK(get(&cora, move, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "(where it is now)");
    CHECK_CONTAINS(buf_str(&r.body), fmt("value=\"%s\"", prompt_key));
    http_res_free(&r);
    /* no such space, or the one it is in: 422, not moved */
    CHECK(post(&cora, move, "space=no-such-space", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Choose one of this course");
    http_res_free(&r);
    CHECK(post(&cora, move, "space=general", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "in that space already");
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT prompt_id IS NULL FROM threads WHERE id = %lld", (long long)t2)) == 1);
    CHECK(log_lines("move", t2, 0) == 0);
    /* a prompt of another course is not a space here */
    char *other = sql_text("SELECT i.key FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                           " WHERE o.code = '" O2 "' AND i.section = 'prompt' AND i.key NOT IN (SELECT i2.key FROM"
                           " course_items i2 JOIN offerings o2 ON o2.course_id = i2.course_id WHERE o2.code = '" O "')"
                           " LIMIT 1");
    if (*other)
        CHECK(post_status(&cora, move, fmt("space=%s", other)) == 422);
    free(other);
    /* moved, with a reason */
    CHECK(post_status(&cora, move, fmt("space=%s&reason=%s", prompt_key, enc("It answers the prompt."))) == 303);
    CHECK(sql_int(fmt("SELECT i.key = '%s' FROM threads t JOIN course_items i ON i.id = t.prompt_id"
                      " WHERE t.id = %lld", prompt_key, (long long)t2)) == 1);
    CHECK(log_lines("move", t2, 0) == 1);
    CHECK(get(&bob, fmt("/learn/%s/discuss/%s", O, prompt_key), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Later thread by Bob");
    http_res_free(&r);
    CHECK(get(&bob, "/learn/" O "/discuss/general", &r) == 200);
    CHECK(!strstr(buf_str(&r.body), "Later thread by Bob"));
    http_res_free(&r);
    /* and back */
    CHECK(post_status(&cora, move, "space=general") == 303);
    CHECK(sql_int(fmt("SELECT prompt_id IS NULL FROM threads WHERE id = %lld", (long long)t2)) == 1);
}

/* ---- the wrap-up ------------------------------------------------------- */

static void test_wrapup(void)
{
    http_res r;
    CHECK(get_status(&ada, "/learn/" O "/wrapup") == 403);
    CHECK(post_status(&ada, "/learn/" O "/wrapup", "title=Mine&body=Hello") == 403);
    CHECK(get_status(&otto, "/learn/" O "/wrapup") == 403);
    CHECK(post_status(&otto, "/learn/" O "/wrapup", "title=Mine&body=Hello") == 403);
    CHECK(sql_int("SELECT count(*) FROM threads WHERE kind = 'wrapup'") == 0);
    /* the general space offers it to the coach only */
    CHECK(get(&cora, "/learn/" O "/discuss/general", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "/learn/" O "/wrapup");
    http_res_free(&r);
    CHECK(get(&ada, "/learn/" O "/discuss/general", &r) == 200);
    CHECK(!strstr(buf_str(&r.body), "/learn/" O "/wrapup"));
    http_res_free(&r);
    CHECK(get(&cora, "/learn/" O "/wrapup", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "value=\"Wrap-up: ");
    http_res_free(&r);
    /* empty body: 422, nothing written */
    CHECK(post(&cora, "/learn/" O "/wrapup", "title=Day+one&body=", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Write the wrap-up");
    CHECK_CONTAINS(buf_str(&r.body), "value=\"Day one\"");
    http_res_free(&r);
    CHECK(sql_int("SELECT count(*) FROM threads WHERE kind = 'wrapup'") == 0);
    /* the first wrap-up: pinned, in the general space, first in the list */
    CHECK(post(&cora, "/learn/" O "/wrapup", fmt("title=%s&body=%s", enc("Day one wrap-up"),
                                                  enc("We met the **panel**.\n\n<script>alert(1)</script>")), &r) == 303);
    char *to = http_res_location(&r);
    const char *t = to ? strstr(to, "/threads/") : NULL;
    int64_t w1 = t ? strtoll(t + 9, NULL, 10) : 0;
    free(to);
    http_res_free(&r);
    CHECK(w1 > 0);
    CHECK(sql_int(fmt("SELECT kind = 'wrapup' AND pinned = 1 AND prompt_id IS NULL AND author_id = %lld"
                      " FROM threads WHERE id = %lld", (long long)cora.id, (long long)w1)) == 1);
    char *html = sql_text(fmt("SELECT body_html FROM posts WHERE thread_id = %lld", (long long)w1));
    CHECK_CONTAINS(html, "<strong>panel</strong>");
    CHECK(!strstr(html, "<script"));
    free(html);
    CHECK(log_lines("wrapup", w1, first_post(w1)) == 1);
    CHECK(get(&ada, "/learn/" O "/discuss/general", &r) == 200);
    const char *body = buf_str(&r.body);
    const char *w = strstr(body, "Day one wrap-up"), *later = strstr(body, "Later thread by Bob");
    CHECK(w && later && w < later);
    CHECK_CONTAINS(body, "<span class=\"badge\">Wrap-up</span>");
    http_res_free(&r);
    /* the next day's wrap-up takes the first place; the earlier one stays, unpinned */
    CHECK(post(&sam, "/learn/" O "/wrapup", "title=Day+two+wrap-up&body=Two", &r) == 303);
    http_res_free(&r);
    int64_t w2 = sql_int("SELECT max(id) FROM threads WHERE kind = 'wrapup'");
    CHECK(w2 > w1);
    CHECK(sql_int(fmt("SELECT pinned FROM threads WHERE id = %lld", (long long)w1)) == 0);
    CHECK(sql_int(fmt("SELECT pinned FROM threads WHERE id = %lld", (long long)w2)) == 1);
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld", O, (long long)w1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<span class=\"badge\">Wrap-up</span>");
    http_res_free(&r);
}

/* ---- the log page and who reaches it ----------------------------------- */

static void test_log(void)
{
    http_res r;
    CHECK(get(&cora, "/coach/offerings/" O "/moderation", &r) == 200);
    const char *body = buf_str(&r.body);
    CHECK_CONTAINS(body, "<h1>Moderation log</h1>");
    CHECK_CONTAINS(body, "Cora Coach");
    CHECK_CONTAINS(body, "Sam Staff");
    CHECK_CONTAINS(body, "Hid Bob Brown&#39;s post");
    CHECK_CONTAINS(body, "It names a student. &lt;b&gt;Please&lt;/b&gt; take names out &amp; post again.");
    CHECK(!strstr(body, "<b>Please</b>"));
    CHECK_CONTAINS(body, "Moved the thread");
    CHECK_CONTAINS(body, "It answers the prompt.");
    CHECK_CONTAINS(body, "Pinned the thread");
    CHECK_CONTAINS(body, "Closed the thread to replies");
    CHECK_CONTAINS(body, "Posted the wrap-up");
    CHECK_CONTAINS(body, fmt("href=\"/learn/%s/threads/%lld\"", O, (long long)t1));
    /* one table row per log line */
    int64_t lines = sql_int("SELECT count(*) FROM moderation_log WHERE offering_id ="
                            " (SELECT id FROM offerings WHERE code = '" O "')");
    int rows = 0;
    for (const char *p = strstr(body, "<tbody>"); p && (p = strstr(p + 1, "<tr>"));)
        rows++;
    CHECK(lines > 10 && rows == lines);
    CHECK_CONTAINS(body, fmt("%lld moderation actions", (long long)lines));
    http_res_free(&r);
    /* staff see every offering's log; a participant, another offering's coach, nobody signed in: no */
    CHECK(get_status(&sam, "/coach/offerings/" O "/moderation") == 200);
    CHECK(get_status(&otto, "/coach/offerings/" O "/moderation") == 403);
    CHECK(get_status(&otto, "/coach/offerings/" O2 "/moderation") == 200);
    CHECK(get_status(&cora, "/coach/offerings/" O2 "/moderation") == 403);
    CHECK(get_status(&ada, "/coach/offerings/" O "/moderation") == 403);
    CHECK(get_status(&cora, "/coach/offerings/no-such-offering/moderation") == 404);
    browser anon;
    browser_open(&anon, &s);
    browser_get(&anon, "/coach/offerings/" O "/moderation", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_close(&anon);
}

/* A coach of one offering reaches nothing of another's by id, under either address. */
static void test_cross_offering(void)
{
    int64_t zp = first_post(tb);
    /* under the other offering's own address: no seat there */
    CHECK(post_status(&cora, fmt("/learn/%s/threads/%lld/pin", O2, (long long)tb), "") == 403);
    CHECK(post_status(&cora, fmt("/learn/%s/threads/%lld/lock", O2, (long long)tb), "") == 403);
    CHECK(get_status(&cora, fmt("/learn/%s/threads/%lld/move", O2, (long long)tb)) == 403);
    CHECK(post_status(&cora, fmt("/learn/%s/posts/%lld/hide", O2, (long long)zp), "reason=x") == 403);
    CHECK(post_status(&cora, fmt("/learn/%s/posts/%lld/exemplary", O2, (long long)zp), "") == 403);
    CHECK(post_status(&cora, "/learn/" O2 "/wrapup", "title=x&body=y") == 403);
    /* under the coach's own offering's address: still checked against its own offering */
    CHECK(post_status(&cora, fmt("/learn/%s/threads/%lld/pin", O, (long long)tb), "") == 403);
    CHECK(post_status(&cora, fmt("/learn/%s/posts/%lld/hide", O, (long long)zp), "reason=x") == 403);
    CHECK(sql_int(fmt("SELECT pinned + locked FROM threads WHERE id = %lld", (long long)tb)) == 0);
    CHECK(sql_int(fmt("SELECT hidden_at IS NULL AND exemplary = 0 FROM posts WHERE id = %lld", (long long)zp)) == 1);
    /* a participant seated in both offerings can reach neither's tools */
    CHECK(post_status(&zed, fmt("/learn/%s/threads/%lld/pin", O2, (long long)tb), "") == 403);
    /* staff may; and its own coach */
    CHECK(post_status(&otto, fmt("/learn/%s/threads/%lld/pin", O2, (long long)tb), "") == 303);
    CHECK(post_status(&otto, fmt("/learn/%s/threads/%lld/unpin", O2, (long long)tb), "") == 303);
    /* a thread of O2 under O's address, by its own coach: not found here */
    CHECK(post_status(&otto, fmt("/learn/%s/threads/%lld/pin", O, (long long)tb), "") == 403);
    CHECK(post_status(&sam, fmt("/learn/%s/threads/%lld/pin", O, (long long)tb), "") == 404);
}

/* ---- races ------------------------------------------------------------- */

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

/* Send the two racers' POSTs at once; 1 when exactly one got 303 and the
** other loser (409, or 422 for a move that finds the thread already where
** it was to go). */
static int one_wins_as(struct racer *a, struct racer *b, long loser)
{
    pthread_t ta, tb_;
    pthread_create(&ta, NULL, race, a);
    pthread_create(&tb_, NULL, race, b);
    pthread_join(ta, NULL);
    pthread_join(tb_, NULL);
    int ok = (a->status == 303 && (b->status == 409 || b->status == loser)) ||
             (b->status == 303 && (a->status == 409 || a->status == loser));
    if (!ok)
        fprintf(stderr, "race: %ld and %ld\n", a->status, b->status);
    return ok;
}

/* one_wins_as with the loser told 409. */
static int one_wins(struct racer *a, struct racer *b)
{
    return one_wins_as(a, b, 409);
}

/* Two coaches (or two windows of one) pin, lock, hide and move at once:
** one wins, the other is told (409); one log line, one notice. */
static void test_races(void)
{
    for (int round = 0; round < 4; round++) {
        int64_t t = start_thread(&ada, O, "general", fmt("Race thread %d", round), "Body");
        CHECK(t > 0);
        int64_t pid = first_post(t);
        char pin[256];
    snprintf(pin, sizeof pin, "/learn/%s/threads/%lld/pin", O, (long long)t);
        struct racer a = {&cora, pin, "", 0}, b = {&cora2, pin, "", 0};
        CHECK(one_wins(&a, &b));
        CHECK(log_lines("pin", t, 0) == 1);
        char lock[256];
    snprintf(lock, sizeof lock, "/learn/%s/threads/%lld/lock", O, (long long)t);
        struct racer c = {&cora, lock, "", 0}, d = {&sam, lock, "", 0};
        CHECK(one_wins(&c, &d));
        CHECK(log_lines("lock", t, 0) == 1);
        int64_t notes = sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = 'moderation'",
                                    (long long)ada.id));
        char hide[256];
    snprintf(hide, sizeof hide, "/learn/%s/posts/%lld/hide", O, (long long)pid);
        struct racer e = {&cora, hide, "reason=first+coach", 0}, f = {&cora2, hide, "reason=second+coach", 0};
        CHECK(one_wins(&e, &f));
        CHECK(log_lines("hide", t, pid) == 1);
        char *why = sql_text(fmt("SELECT hidden_reason FROM posts WHERE id = %lld", (long long)pid));
        CHECK_STR(why, e.status == 303 ? "first coach" : "second coach");
        free(why);
        CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = 'moderation'",
                          (long long)ada.id)) == notes + 1);
        char move[256];
    snprintf(move, sizeof move, "/learn/%s/threads/%lld/move", O, (long long)t);
        char to[128];
        snprintf(to, sizeof to, "space=%s", prompt_key);
        struct racer g = {&cora, move, to, 0}, h = {&cora2, move, to, 0};
        CHECK(one_wins_as(&g, &h, 422));
        CHECK(log_lines("move", t, 0) == 1);
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
    const char *env[] = {e1, "JOURNEYS_JOBS_INTERVAL=1", NULL};
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
        smtp_stop(&mail);
        return check_done();
    }
    CHECK(sql("UPDATE offerings SET posting_closes_at = NULL WHERE code IN ('" O "', '" O2 "')") == 0);
    prompt_key = sql_text("SELECT i.key FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                          " WHERE o.code = '" O "' AND i.section = 'prompt' ORDER BY i.position LIMIT 1");
    CHECK(*prompt_key);

    person_make(&ada, "ada@example.org", "Ada Lovelace", "participant");
    person_make(&bob, "bob@example.org", "Bob Brown", "participant");
    person_make(&zed, "zed@example.org", "Zed Elsewhere", "participant");
    person_make(&cora, "cora@example.org", "Cora Coach", "coach");
    person_make(&cora2, "cora@example.org", "Cora Coach", "coach");   /* a second window */
    person_make(&otto, "otto@example.org", "Otto Othercoach", "coach");
    person_make(&sam, "sam@example.org", "Sam Staff", "staff");
    CHECK(sql("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
              " updated_at) SELECT o.id, u.id, 'active', 'paid', 5000, 'USD', 1, 1 FROM (VALUES"
              " ('" O "', 'ada@example.org'), ('" O "', 'bob@example.org'), ('" O2 "', 'zed@example.org'),"
              " ('" O "', 'zed@example.org')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);
    CHECK(sql("INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
              " SELECT o.id, u.id, 'coach', 1 FROM (VALUES ('" O "', 'cora@example.org'), ('" O2 "', 'otto@example.org')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);

    t1 = start_thread(&ada, O, "general", "Pinned thread by Ada", "Where do we start?");
    t2 = start_thread(&bob, O, "general", "Later thread by Bob", "A later question.");
    tb = start_thread(&zed, O2, "general", "A thread of the other offering", "Elsewhere.");
    CHECK(t1 > 0 && t2 > t1 && tb > 0);
    /* Bob's thread is the newer one, so only a pin puts Ada's first */
    CHECK(sql(fmt("UPDATE threads SET last_post_at = last_post_at - 60 WHERE id = %lld", (long long)t1)) == 0);

    test_pin();
    test_lock();
    test_exemplary();
    test_hide();
    test_move();
    test_wrapup();
    test_log();
    test_cross_offering();
    test_races();

    person *all[] = {&ada, &bob, &zed, &cora, &cora2, &otto, &sam};
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
