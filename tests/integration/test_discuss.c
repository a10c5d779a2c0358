/*
** test_discuss.c: the discussion spaces through real nginx: starting a
** thread, replying, quoting, editing inside and outside the window,
** deleting to a tombstone, unread counts and the first-unread anchor, a
** long thread's pages, follow and mute and the notification rows they
** give, post-first hiding, the input caps (4xx, nothing written), who may
** reach what (another offering's participant and coach, a refunded
** participant, a visitor, staff, an archived offering), an XSS corpus
** through titles and bodies, and two edits or deletes of one post racing.
**
** The people and their seats are set up with `journeys user add` and SQL
** on the site's database (the registration flow has its own tests); every
** action under test goes through the site.
*/
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "browser.h"
#include "check.h"
#include "db.h"
#include "harness.h"
#include "testkit.h"
#include "../unit/htmlscan.h"

#define O "pv-2019-10"      /* the offering under test */
#define O2 "gp-2019-11"     /* another offering */
#define OA "lm-2020-01"     /* an archived offering (posting closed) */

static stack s;
static db *site;            /* our own connection to the site's database */

typedef struct person {
    browser b;
    char *csrf;
    int64_t id;
    const char *email;
} person;

static person ada, bob, bob2, cat, cora, otto, zed, ref, sam;

/* ---- helpers ----------------------------------------------------------- */

/* The shared helpers (testkit.h) under this file's short names. */
#define sql(q) tk_sql(site, (q))
#define sql_int(q) tk_sql_int(site, (q))
#define sql_text(q) tk_sql_text(site, (q))
#define fmt tk_fmt

/* Append s percent-encoded for a form body. */
static void urlenc(buf *out, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            buf_putc(out, c);
        else
            buf_printf(out, "%%%02X", c);
    }
}

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

/* GET path as p (r filled; caller frees). */
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

/* Start a thread in space as p with raw (unencoded) title and body;
** returns the status, and the new thread's id in *id (0 if none). */
static long start_thread(person *p, const char *space, const char *title, const char *body, int64_t *id)
{
    buf form = BUF_INIT;
    buf_puts(&form, "title=");
    urlenc(&form, title, strlen(title));
    buf_puts(&form, "&body=");
    urlenc(&form, body, strlen(body));
    http_res r;
    long st = post(p, fmt("/learn/%s/discuss/%s", O, space), buf_str(&form), &r);
    buf_free(&form);
    char *to = http_res_location(&r);
    const char *t = strstr(to, "/threads/");
    if (id)
        *id = st == 303 && t ? strtoll(t + 9, NULL, 10) : 0;
    free(to);
    http_res_free(&r);
    return st;
}

/* Reply to thread as p with a raw body, quoting quote (0: none); returns the
** status, and the new post's id in *id (0 if none). */
static long reply(person *p, int64_t thread, const char *body, int64_t quote, int64_t *id)
{
    buf form = BUF_INIT;
    buf_puts(&form, "body=");
    urlenc(&form, body, strlen(body));
    if (quote)
        buf_printf(&form, "&quote_id=%lld", (long long)quote);
    http_res r;
    long st = post(p, fmt("/learn/%s/threads/%lld/reply", O, (long long)thread), buf_str(&form), &r);
    buf_free(&form);
    char *to = http_res_location(&r);
    const char *h = strstr(to, "#post-");
    if (id)
        *id = st == 303 && h ? strtoll(h + 6, NULL, 10) : 0;
    free(to);
    http_res_free(&r);
    return st;
}

/* Edit post as p to a raw body at revision. */
static long edit(person *p, int64_t postid, int revision, const char *body, http_res *r)
{
    buf form = BUF_INIT;
    buf_printf(&form, "revision=%d&body=", revision);
    urlenc(&form, body, strlen(body));
    long st = post(p, fmt("/learn/%s/posts/%lld/edit", O, (long long)postid), buf_str(&form), r);
    buf_free(&form);
    return st;
}

/* The number of notification rows of kind for user about post. */
static int64_t notes(int64_t user, const char *kind, int64_t postid)
{
    return sql_int(fmt("SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = '%s'"
                       " AND link LIKE '%%#post-%lld'", (long long)user, kind, (long long)postid));
}

/* Posts by others user has not read in the offering, counted here in SQL. */
static int64_t unread_sql(int64_t user)
{
    return sql_int(fmt("SELECT count(*) FROM posts p JOIN threads t ON t.id = p.thread_id"
                       " WHERE t.offering_id = (SELECT id FROM offerings WHERE code = '%s')"
                       " AND p.author_id <> %lld AND p.deleted_at IS NULL AND p.id > COALESCE("
                       "(SELECT last_post_id FROM thread_reads WHERE user_id = %lld AND thread_id = t.id), 0)",
                       O, (long long)user, (long long)user));
}

/* The unread count the workspace navigation shows p (0 when no badge),
** or -1 when the page does not answer. */
static int64_t nav_unread(person *p)
{
    http_res r;
    if (get(p, "/learn/" O "/discuss", &r) != 200) {
        http_res_free(&r);
        return -1;
    }
    const char *b = strstr(buf_str(&r.body), "Discussions <span class=\"badge\">");
    int64_t n = b ? strtoll(b + strlen("Discussions <span class=\"badge\">"), NULL, 10) : 0;
    http_res_free(&r);
    return n;
}

/* ---- the spaces -------------------------------------------------------- */

static char *prompt_key, *prompt_key2;

/* The list of spaces, a prompt space with its text, and addresses that lead nowhere. */
static void test_spaces(void)
{
    http_res r;
    CHECK(get(&ada, "/learn/" O "/discuss", &r) == 200);
    CHECK(tk_well_formed(buf_str(&r.body)));
    CHECK_CONTAINS(buf_str(&r.body), "General discussion");
    CHECK_CONTAINS(buf_str(&r.body), fmt("/learn/%s/discuss/%s", O, prompt_key));
    CHECK_CONTAINS(buf_str(&r.body), "aria-current=\"page\">Discussions");
    http_res_free(&r);
    CHECK(get(&ada, fmt("/learn/%s/discuss/%s", O, prompt_key), &r) == 200);
    CHECK(tk_well_formed(buf_str(&r.body)));
    CHECK_CONTAINS(buf_str(&r.body), "The prompt");
    CHECK_CONTAINS(buf_str(&r.body), "Start a thread");
    http_res_free(&r);
    CHECK(get_status(&ada, "/learn/" O "/discuss/no-such-space") == 404);
    CHECK(get_status(&ada, "/learn/" O "/threads/999999") == 404);
}

/* A post's time is shown in the reader's own zone: one post, pinned to
** 13:05 UTC on 2 December 2026, read from Auckland (summer time, +13)
** and from UTC. */
static void test_times_in_reader_zone(int64_t post_id)
{
    http_res r;
    int64_t was = sql_int(fmt("SELECT created_at FROM posts WHERE id = %lld", (long long)post_id));
    CHECK(sql(fmt("UPDATE posts SET created_at = 1796216700 WHERE id = %lld", (long long)post_id)) == 0);
    int64_t thread = sql_int(fmt("SELECT thread_id FROM posts WHERE id = %lld", (long long)post_id));
    CHECK(sql(fmt("UPDATE users SET time_zone = 'Pacific/Auckland' WHERE id = %lld", (long long)bob.id)) == 0);
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld", O, (long long)thread), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "3 December 2026, 02:05 NZDT");
    CHECK_CONTAINS(buf_str(&r.body), "datetime=\"2026-12-02T13:05:00Z\"");
    http_res_free(&r);
    CHECK(sql(fmt("UPDATE users SET time_zone = 'UTC' WHERE id = %lld", (long long)bob.id)) == 0);
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld", O, (long long)thread), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "2 December 2026, 13:05 UTC");
    http_res_free(&r);
    CHECK(sql(fmt("UPDATE posts SET created_at = %lld WHERE id = %lld", (long long)was, (long long)post_id)) == 0);
}

/* ---- threads, replies, quotes, notifications ----------------------------- */

static int64_t t1, p1, p2, p3, p4;

/* A thread, replies, a quote, and the notification rows following and muting give. */
static void test_thread_reply_quote(void)
{
    CHECK(start_thread(&ada, "general", "Where do we start?", "My school begins with *purpose*.", &t1) == 303);
    CHECK(t1 > 0);
    p1 = sql_int(fmt("SELECT min(id) FROM posts WHERE thread_id = %lld", (long long)t1));
    test_times_in_reader_zone(p1);
    http_res r;
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<h1>Where do we start?</h1>");
    CHECK_CONTAINS(buf_str(&r.body), "My school begins with <em>purpose</em>.");
    http_res_free(&r);
    /* the author follows their own thread */
    CHECK(sql_int(fmt("SELECT count(*) FROM thread_follows WHERE user_id = %lld AND thread_id = %lld AND mode = 'follow'",
                      (long long)ada.id, (long long)t1)) == 1);
    /* the space lists it */
    CHECK(get(&bob, "/learn/" O "/discuss/general", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Where do we start?");
    http_res_free(&r);

    /* bob replies: ada (the thread's author) gets a 'reply' row; the
    ** thread's version moves by one */
    int64_t v0 = sql_int(fmt("SELECT version FROM threads WHERE id = %lld", (long long)t1));
    CHECK(reply(&bob, t1, "We began with a *community survey*.", 0, &p2) == 303);
    CHECK(p2 > p1);
    CHECK(notes(ada.id, "reply", p2) == 1);
    CHECK(notes(bob.id, "reply", p2) + notes(bob.id, "follow", p2) == 0);
    char *link = sql_text(fmt("SELECT link FROM notifications WHERE user_id = %lld AND link LIKE '%%#post-%lld'",
                              (long long)ada.id, (long long)p2));
    CHECK_STR(link, fmt("/learn/%s/threads/%lld?page=1#post-%lld", O, (long long)t1, (long long)p2));
    free(link);
    CHECK(sql_int(fmt("SELECT version FROM threads WHERE id = %lld", (long long)t1)) == v0 + 1);

    /* cora (the coach) follows; bob mutes; a refunded participant who once
    ** followed hears nothing */
    CHECK(post_status(&cora, fmt("/learn/%s/threads/%lld/follow", O, (long long)t1), "") == 303);
    CHECK(post_status(&bob, fmt("/learn/%s/threads/%lld/mute", O, (long long)t1), "") == 303);
    CHECK(sql(fmt("INSERT INTO thread_follows(user_id, thread_id, mode) VALUES (%lld, %lld, 'follow')",
                  (long long)ref.id, (long long)t1)) == 0);
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "You have muted this thread");
    http_res_free(&r);

    /* the quote form: ?quote= shows the excerpt and carries the id */
    CHECK(get(&cat, fmt("/learn/%s/threads/%lld?quote=%lld", O, (long long)t1, (long long)p2), &r) == 200);
    CHECK(tk_well_formed(buf_str(&r.body)));
    CHECK_CONTAINS(buf_str(&r.body), "Quoting Bob Brown:");
    CHECK_CONTAINS(buf_str(&r.body), "We began with a *community survey*.");
    CHECK_CONTAINS(buf_str(&r.body), fmt("name=\"quote_id\" value=\"%lld\"", (long long)p2));
    http_res_free(&r);

    /* cat replies quoting bob: ada 'reply' (author), bob nothing (muted),
    ** cora 'follow', ref nothing (no seat), cat nothing (the actor) */
    CHECK(reply(&cat, t1, "A survey is a good start.", p2, &p3) == 303);
    CHECK(sql_int(fmt("SELECT quote_id FROM posts WHERE id = %lld", (long long)p3)) == p2);
    CHECK(notes(ada.id, "reply", p3) == 1);
    CHECK(notes(bob.id, "reply", p3) + notes(bob.id, "follow", p3) == 0);
    CHECK(notes(cora.id, "follow", p3) == 1);
    CHECK(notes(ref.id, "follow", p3) + notes(ref.id, "reply", p3) == 0);
    CHECK(notes(cat.id, "reply", p3) + notes(cat.id, "follow", p3) == 0);
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE link LIKE '%%#post-%lld'", (long long)p3)) == 2);
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Bob Brown wrote</a>:</p><p>We began with a *community survey*.</p>");
    http_res_free(&r);

    /* bob goes back to neither; ada replies quoting cat, who is also a
    ** follower by replying: cat one 'reply' row only, cora 'follow', bob
    ** (who replied, then muted, then cleared it) nothing, ada nothing */
    CHECK(post_status(&bob, fmt("/learn/%s/threads/%lld/unfollow", O, (long long)t1), "") == 303);
    CHECK(sql_int(fmt("SELECT count(*) FROM thread_follows WHERE user_id = %lld AND thread_id = %lld",
                      (long long)bob.id, (long long)t1)) == 0);
    CHECK(reply(&ada, t1, "Thank you both.", p3, &p4) == 303);
    CHECK(notes(cat.id, "reply", p4) == 1);
    CHECK(notes(cat.id, "follow", p4) == 0);
    CHECK(notes(cora.id, "follow", p4) == 1);
    CHECK(notes(bob.id, "reply", p4) + notes(bob.id, "follow", p4) == 0);
    CHECK(notes(ada.id, "reply", p4) + notes(ada.id, "follow", p4) == 0);

    /* quoting the thread's author in their own thread: still one row for them */
    int64_t p5;
    CHECK(reply(&bob, t1, "Back to the first post.", p1, &p5) == 303);
    CHECK(notes(ada.id, "reply", p5) == 1);
    CHECK(notes(ada.id, "follow", p5) == 0);
    CHECK(notes(cora.id, "follow", p5) == 1);
    CHECK(sql_int(fmt("SELECT count(*) FROM notifications WHERE link LIKE '%%#post-%lld'", (long long)p5)) == 3);

    /* a quote must be of this thread */
    int64_t other;
    CHECK(start_thread(&cat, "general", "Another thread", "Elsewhere.", &other) == 303);
    int64_t before = sql_int("SELECT count(*) FROM posts");
    CHECK(reply(&ada, other, "Quoting from another thread", p2, NULL) == 422);
    CHECK(sql_int("SELECT count(*) FROM posts") == before);
    CHECK(post_status(&ada, fmt("/learn/%s/threads/%lld/reply", O, (long long)other), "body=x&quote_id=abc") == 400);
}

/* ---- edit and delete ------------------------------------------------------ */

/* Editing inside and outside the window, a stale form, another's post, deleting to
** a tombstone, and a post hidden by a coach. */
static void test_edit_delete(void)
{
    http_res r;
    int64_t v = sql_int(fmt("SELECT version FROM threads WHERE id = %lld", (long long)t1));
    CHECK(edit(&bob, p2, 0, "We began with a **community survey** of 200 families.", &r) == 303);
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT revision FROM posts WHERE id = %lld", (long long)p2)) == 1);
    CHECK(sql_int(fmt("SELECT version FROM threads WHERE id = %lld", (long long)t1)) == v + 1);
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK(tk_well_formed(buf_str(&r.body)));
    CHECK_CONTAINS(buf_str(&r.body), "<strong>community survey</strong> of 200 families");
    CHECK_CONTAINS(buf_str(&r.body), "class=\"post__edited\">edited");
    http_res_free(&r);
    /* a stale form: someone edited first */
    CHECK(edit(&bob, p2, 0, "An older edit", &r) == 409);
    /* the thread again, the edit form open with the text kept */
    CHECK_CONTAINS(buf_str(&r.body), "An older edit</textarea>");
    CHECK_CONTAINS(buf_str(&r.body), "<details class=\"post__edit\" open>");
    CHECK_CONTAINS(buf_str(&r.body), "changed while you were editing");
    http_res_free(&r);
    /* someone else's post */
    CHECK(edit(&ada, p2, 1, "Not mine", &r) == 403);
    http_res_free(&r);
    CHECK(post_status(&ada, fmt("/learn/%s/posts/%lld/delete", O, (long long)p2), "") == 403);
    /* outside the window */
    CHECK(sql(fmt("UPDATE posts SET created_at = created_at - 3600 WHERE id = %lld", (long long)p4)) == 0);
    CHECK(edit(&ada, p4, 0, "Too late", &r) == 409);
    CHECK_CONTAINS(buf_str(&r.body), "30 minutes");
    http_res_free(&r);
    char *md = sql_text(fmt("SELECT body_md FROM posts WHERE id = %lld", (long long)p4));
    CHECK_STR(md, "Thank you both.");
    free(md);
    /* the form is offered only inside the window */
    CHECK(get(&ada, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK(strstr(buf_str(&r.body), fmt("/posts/%lld/edit", (long long)p4)) == NULL);
    CHECK_CONTAINS(buf_str(&r.body), fmt("/posts/%lld/edit", (long long)p1));
    http_res_free(&r);
    /* an edit over the cap changes nothing */
    char *big = malloc(20002);
    memset(big, 'a', 20001);
    big[20001] = '\0';
    CHECK(edit(&ada, p1, 0, big, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), fmt("%s</textarea>", big));
    CHECK_CONTAINS(buf_str(&r.body), "aria-invalid=\"true\"");
    http_res_free(&r);
    free(big);
    CHECK(sql_int(fmt("SELECT revision FROM posts WHERE id = %lld", (long long)p1)) == 0);

    /* delete: a tombstone, the thread still reads, twice is a conflict */
    v = sql_int(fmt("SELECT version FROM threads WHERE id = %lld", (long long)t1));
    CHECK(post_status(&cat, fmt("/learn/%s/posts/%lld/delete", O, (long long)p3), "") == 303);
    CHECK(sql_int(fmt("SELECT deleted_at IS NOT NULL AND body_md = '' FROM posts WHERE id = %lld", (long long)p3)) == 1);
    CHECK(sql_int(fmt("SELECT version FROM threads WHERE id = %lld", (long long)t1)) == v + 1);
    CHECK(post_status(&cat, fmt("/learn/%s/posts/%lld/delete", O, (long long)p3), "") == 409);
    CHECK(edit(&cat, p3, 1, "Back from the dead", &r) == 409);
    http_res_free(&r);
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "This post was deleted.");
    CHECK(strstr(buf_str(&r.body), "A survey is a good start.") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "The quoted post was removed.");   /* ada's quote of it */
    CHECK_CONTAINS(buf_str(&r.body), "Thank you both.");
    http_res_free(&r);
    /* a deleted post cannot be quoted */
    CHECK(reply(&bob, t1, "Quoting a deleted post", p3, NULL) == 409);

    /* a post hidden by a coach: a note for participants, the text for coaches */
    CHECK(sql(fmt("UPDATE posts SET hidden_at = 1, hidden_by = %lld WHERE id = %lld", (long long)cora.id,
                  (long long)p4)) == 0);
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "This post was hidden by a coach.");
    CHECK(strstr(buf_str(&r.body), "Thank you both.") == NULL);
    http_res_free(&r);
    CHECK(get(&cora, fmt("/learn/%s/threads/%lld", O, (long long)t1), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "This post was hidden by a coach.");
    CHECK_CONTAINS(buf_str(&r.body), "Thank you both.");
    http_res_free(&r);
    CHECK(sql(fmt("UPDATE posts SET hidden_at = NULL, hidden_by = NULL WHERE id = %lld", (long long)p4)) == 0);
}

/* ---- unread and pages ------------------------------------------------------ */

/* A thread of 120 posts: unread counts in the space and the navigation, the jump to
** the first unread post across pages, and read marks up to what was shown. */
static void test_unread_pages(void)
{
    int64_t t, last = 0;
    CHECK(start_thread(&ada, "general", "A long thread", "Post number 1", &t) == 303);
    for (int i = 2; i <= 120; i++)
        CHECK(reply(&ada, t, fmt("Post number %d", i), 0, &last) == 303);
    CHECK(sql_int(fmt("SELECT posts FROM threads WHERE id = %lld", (long long)t)) == 120);
    int64_t first = sql_int(fmt("SELECT min(id) FROM posts WHERE thread_id = %lld", (long long)t));
    int64_t fiftieth = sql_int(fmt("SELECT id FROM posts WHERE thread_id = %lld ORDER BY id LIMIT 1 OFFSET 49",
                                   (long long)t));
    int64_t fifty_first = sql_int(fmt("SELECT id FROM posts WHERE thread_id = %lld ORDER BY id LIMIT 1 OFFSET 50",
                                      (long long)t));
    http_res r;

    /* bob has never opened it: 120 new, in the space and the nav */
    CHECK(get(&bob, "/learn/" O "/discuss/general", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "A long thread");
    CHECK_CONTAINS(buf_str(&r.body), "<span class=\"badge\">120 new</span>");
    CHECK_CONTAINS(buf_str(&r.body), "119 replies");
    http_res_free(&r);
    int64_t nav_before = unread_sql(bob.id);
    CHECK(get(&bob, "/learn/" O "/discuss", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), fmt("<span class=\"badge\">%lld<span class=\"visually-hidden\"> unread",
                                         (long long)nav_before));
    http_res_free(&r);

    /* page 1: the jump link, the marker on the first post, 50 posts, 3 pages */
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld", O, (long long)t), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), fmt("/learn/%s/threads/%lld?page=1#first-unread", O, (long long)t));
    CHECK_CONTAINS(buf_str(&r.body), "(120 new)");
    CHECK_CONTAINS(buf_str(&r.body), fmt("id=\"post-%lld\">\n      <p class=\"unread-marker\" id=\"first-unread\">",
                                         (long long)first));
    CHECK_CONTAINS(buf_str(&r.body), "Post number 50<");
    CHECK(strstr(buf_str(&r.body), "Post number 51<") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "Page 1 of 3");
    CHECK(tk_well_formed(buf_str(&r.body)));
    CHECK_CONTAINS(buf_str(&r.body), fmt("/learn/%s/threads/%lld?page=2", O, (long long)t));
    http_res_free(&r);
    /* read up to what was shown */
    CHECK(sql_int(fmt("SELECT last_post_id FROM thread_reads WHERE user_id = %lld AND thread_id = %lld",
                      (long long)bob.id, (long long)t)) == fiftieth);
    CHECK(get(&bob, "/learn/" O "/discuss/general", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<span class=\"badge\">70 new</span>");
    http_res_free(&r);

    /* now the jump goes to page 2, at post 51 */
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld", O, (long long)t), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), fmt("/learn/%s/threads/%lld?page=2#first-unread", O, (long long)t));
    CHECK_CONTAINS(buf_str(&r.body), "(70 new)");
    http_res_free(&r);
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld?page=2", O, (long long)t), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), fmt("id=\"post-%lld\">\n      <p class=\"unread-marker\" id=\"first-unread\">",
                                         (long long)fifty_first));
    CHECK_CONTAINS(buf_str(&r.body), "Post number 100<");
    CHECK_CONTAINS(buf_str(&r.body), "Page 2 of 3");
    http_res_free(&r);
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld?page=3", O, (long long)t), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Post number 120<");
    CHECK(strstr(buf_str(&r.body), "Later posts") == NULL);
    http_res_free(&r);
    CHECK(sql_int(fmt("SELECT last_post_id FROM thread_reads WHERE user_id = %lld AND thread_id = %lld",
                      (long long)bob.id, (long long)t)) == last);
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld", O, (long long)t), &r) == 200);
    CHECK(strstr(buf_str(&r.body), "first-unread") == NULL);
    http_res_free(&r);
    /* a page past the end shows the last; nonsense is page 1 */
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld?page=99", O, (long long)t), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Page 3 of 3");
    http_res_free(&r);
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld?page=-1x", O, (long long)t), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Page 1 of 3");
    http_res_free(&r);
    /* one's own posts are never new to oneself */
    CHECK(get(&ada, "/learn/" O "/discuss/general", &r) == 200);
    CHECK(strstr(buf_str(&r.body), "120 new") == NULL);
    http_res_free(&r);
    /* ?post= opens the page a post is on (the notification links use ?page=) */
    CHECK(get(&bob, fmt("/learn/%s/threads/%lld?post=%lld", O, (long long)t, (long long)last), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Page 3 of 3");
    http_res_free(&r);
    char *link = sql_text(fmt("SELECT link FROM notifications WHERE link LIKE '%%#post-%lld' LIMIT 1", (long long)last));
    CHECK(strlen(link) == 0);   /* ada replying in her own thread notifies nobody */
    free(link);
}

/* ---- post first -------------------------------------------------------- */

/* An offering whose participants post before they read others in a prompt space. */
static void test_post_first(void)
{
    CHECK(sql("UPDATE offerings SET post_first = 1 WHERE code = '" O "'") == 0);
    int64_t t;
    CHECK(start_thread(&ada, prompt_key2, "Our graduate profile draft", "Ada's secret draft text", &t) == 303);
    http_res r;
    /* cat has not posted in this space: a note, not ada's thread */
    CHECK(get(&cat, fmt("/learn/%s/discuss/%s", O, prompt_key2), &r) == 200);
    CHECK(strstr(buf_str(&r.body), "Our graduate profile draft") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "write your own response before you read anyone else");
    CHECK_CONTAINS(buf_str(&r.body), "Threads by others (1)");
    http_res_free(&r);
    /* nor how much in it is new */
    CHECK(get(&cat, "/learn/" O "/discuss", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<p class=\"space__counts\">1 thread</p>");
    CHECK(strstr(buf_str(&r.body), "1 thread · ") == NULL);
    http_res_free(&r);
    CHECK(get(&bob, "/learn/" O "/discuss", &r) == 200);   /* bob has not posted there either */
    CHECK(strstr(buf_str(&r.body), "1 thread · ") == NULL);
    http_res_free(&r);
    CHECK(get(&cora, "/learn/" O "/discuss", &r) == 200);  /* the coach is told */
    CHECK_CONTAINS(buf_str(&r.body), "1 thread · <span class=\"badge\">1 new</span>");
    http_res_free(&r);
    /* the navigation's count leaves the hidden space out for cat, not for cora */
    int64_t hidden_new = 1, cat_total = nav_unread(&cat), cora_total = nav_unread(&cora);
    CHECK(cat_total >= 0 && cora_total >= 0);
    CHECK(unread_sql(cat.id) - hidden_new == cat_total);
    CHECK(unread_sql(cora.id) == cora_total);
    CHECK(get(&cat, fmt("/learn/%s/threads/%lld", O, (long long)t), &r) == 200);
    CHECK(strstr(buf_str(&r.body), "Ada&#39;s secret draft text") == NULL);
    CHECK(strstr(buf_str(&r.body), "secret draft") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "Post first, then read");
    CHECK(tk_well_formed(buf_str(&r.body)));
    http_res_free(&r);
    /* the coach and staff always see everything */
    CHECK(get(&cora, fmt("/learn/%s/discuss/%s", O, prompt_key2), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Our graduate profile draft");
    http_res_free(&r);
    CHECK(get(&sam, fmt("/learn/%s/threads/%lld", O, (long long)t), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "secret draft text");
    http_res_free(&r);
    /* the general space is never hidden */
    CHECK(get(&cat, "/learn/" O "/discuss/general", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Where do we start?");
    http_res_free(&r);
    /* once cat posts in the space, everything shows */
    CHECK(start_thread(&cat, prompt_key2, "Cat's own view", "Mine first.", NULL) == 303);
    CHECK(get(&cat, fmt("/learn/%s/discuss/%s", O, prompt_key2), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Our graduate profile draft");
    http_res_free(&r);
    CHECK(get(&cat, fmt("/learn/%s/threads/%lld", O, (long long)t), &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "secret draft text");
    http_res_free(&r);
    CHECK(sql("UPDATE offerings SET post_first = 0 WHERE code = '" O "'") == 0);
}

/* ---- input caps ------------------------------------------------------------ */

/* Titles and bodies over their caps or malformed: a 4xx a person can act on, nothing written. */
static void test_caps(void)
{
    int64_t threads = sql_int("SELECT count(*) FROM threads"), posts = sql_int("SELECT count(*) FROM posts");
    char title[202];
    memset(title, 'T', 201);
    title[201] = '\0';
    http_res r;
    buf form = BUF_INIT;
    buf_printf(&form, "title=%s&body=fine", title);
    CHECK(post(&ada, "/learn/" O "/discuss/general", buf_str(&form), &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "The title is 201 characters long; keep it to 200 or fewer");
    CHECK_CONTAINS(buf_str(&r.body), "value=\"TTTT");   /* what was typed comes back */
    http_res_free(&r);
    buf_free(&form);
    title[200] = '\0';
    char *big = malloc(20002);
    memset(big, 'b', 20001);
    big[20001] = '\0';
    CHECK(start_thread(&ada, "general", title, big, NULL) == 422);
    CHECK(start_thread(&ada, "general", "", "no title", NULL) == 422);
    CHECK(start_thread(&ada, "general", "No body", "   \n ", NULL) == 422);
    CHECK(start_thread(&ada, "general", "Two\nlines", "body", NULL) == 422);
    CHECK(reply(&ada, t1, big, 0, NULL) == 422);
    buf_reset(&form);
    buf_printf(&form, "body=%s", big);
    CHECK(post(&ada, fmt("/learn/%s/threads/%lld/reply", O, (long long)t1), buf_str(&form), &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Your post is 20001 characters long; the limit is 20000");
    CHECK_CONTAINS(buf_str(&r.body), "aria-invalid=\"true\"");
    CHECK(tk_well_formed(buf_str(&r.body)));
    http_res_free(&r);
    buf_free(&form);
    CHECK(reply(&ada, t1, "", 0, NULL) == 422);
    free(big);
    /* a body bigger than any form the site takes: refused before parsing */
    char *huge = malloc(70002);
    memset(huge, 'h', 70001);
    huge[70001] = '\0';
    long st = reply(&ada, t1, huge, 0, NULL);
    CHECK(st == 413);
    free(huge);
    /* exactly at the caps is fine */
    char *edge = malloc(20001);
    memset(edge, 'e', 20000);
    edge[20000] = '\0';
    CHECK(start_thread(&ada, "general", title, edge, NULL) == 303);
    free(edge);
    /* characters, not bytes: 200 two-byte letters make a fine title */
    char accents[401];
    for (int i = 0; i < 200; i++)
        memcpy(accents + 2 * i, "\xc3\xa9", 2);
    accents[400] = '\0';
    CHECK(start_thread(&ada, "general", accents, "Accents.", NULL) == 303);
    CHECK(sql_int("SELECT count(*) FROM threads") == threads + 2);
    CHECK(sql_int("SELECT count(*) FROM posts") == posts + 2);
}

/* ---- access ------------------------------------------------------------------ */

/* Who reaches what: each role against the offering's threads and posts, by id too. */
static void test_access(void)
{
    const char *thread = fmt("/learn/%s/threads/%lld", O, (long long)t1);
    char thread_path[256];
    snprintf(thread_path, sizeof thread_path, "%s", thread);
    int64_t threads = sql_int("SELECT count(*) FROM threads"), posts = sql_int("SELECT count(*) FROM posts");

    /* a participant of another offering */
    CHECK(get_status(&zed, "/learn/" O "/discuss") == 403);
    CHECK(get_status(&zed, thread_path) == 403);
    CHECK(get_status(&zed, fmt("/learn/%s/threads/%lld", O2, (long long)t1)) == 403);   /* by id, under their own */
    CHECK(post_status(&zed, fmt("/learn/%s/threads/%lld/reply", O2, (long long)t1), "body=sneaky") == 403);
    CHECK(post_status(&zed, fmt("/learn/%s/posts/%lld/delete", O2, (long long)p2), "") == 403);
    CHECK(post_status(&zed, fmt("/learn/%s/posts/%lld/edit", O2, (long long)p2), "revision=1&body=x") == 403);
    CHECK(post_status(&zed, fmt("/learn/%s/threads/%lld/follow", O2, (long long)t1), "") == 403);
    CHECK(get_status(&zed, "/learn/" O2 "/discuss") == 200);
    /* someone with seats in two offerings: a thread is found only under its own */
    CHECK(get_status(&ada, fmt("/learn/%s/threads/%lld", OA, (long long)t1)) == 404);
    CHECK(post_status(&ada, fmt("/learn/%s/posts/%lld/delete", OA, (long long)p1), "") == 403);   /* archive: no posting */
    /* a refunded participant */
    CHECK(get_status(&ref, "/learn/" O "/discuss") == 403);
    CHECK(get_status(&ref, thread_path) == 403);
    CHECK(post_status(&ref, fmt("%s/reply", thread_path), "body=still+here") == 403);
    /* a coach of another offering */
    CHECK(get_status(&otto, "/learn/" O "/discuss") == 403);
    CHECK(get_status(&otto, thread_path) == 403);
    CHECK(get_status(&otto, fmt("/learn/%s/threads/%lld", O2, (long long)t1)) == 403);
    /* signed out: to sign in; a post without a session is refused */
    browser anon;
    browser_open(&anon, &s);
    http_res r;
    browser_get(&anon, thread_path, &r);
    CHECK(r.status == 303);
    char *to = http_res_location(&r);
    CHECK_CONTAINS(to, "/signin?next=");
    free(to);
    http_res_free(&r);
    browser_post(&anon, fmt("%s/reply", thread_path), "body=x&csrf=x", &r);
    CHECK(r.status == 403 || r.status == 401);
    http_res_free(&r);
    browser_close(&anon);
    /* the CSRF token is required */
    http_res r2;
    browser_post(&ada.b, fmt("%s/reply", thread_path), "body=no+token", &r2);
    CHECK(r2.status == 403);
    http_res_free(&r2);
    CHECK(sql_int("SELECT count(*) FROM threads") == threads);
    CHECK(sql_int("SELECT count(*) FROM posts") == posts);
    /* staff may read and post anywhere */
    CHECK(get_status(&sam, thread_path) == 200);
    CHECK(reply(&sam, t1, "Staff here.", 0, NULL) == 303);
    CHECK(get_status(&cora, thread_path) == 200);
    /* an archived offering: reads yes, posts no */
    CHECK(get_status(&ada, "/learn/" OA "/discuss") == 200);
    CHECK(get_status(&ada, "/learn/" OA "/discuss/general") == 200);
    threads = sql_int("SELECT count(*) FROM threads");
    CHECK(post_status(&ada, "/learn/" OA "/discuss/general", "title=Late&body=Too+late") == 403);
    CHECK(sql_int("SELECT count(*) FROM threads") == threads);
    CHECK(get(&ada, "/learn/" OA "/discuss/general", &r) == 200);
    CHECK(strstr(buf_str(&r.body), "Start a thread") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "Posting has closed");
    CHECK(tk_well_formed(buf_str(&r.body)));
    http_res_free(&r);
}

/* ---- XSS ----------------------------------------------------------------------- */

/* The first executable thing in html (a page), or NULL (htmlscan.h). */
static const char *executable(const char *html)
{
    return html_executable(html, strlen(html));
}

static const char *const XSS[] = {
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<SCRIPT/XSS SRC=\"https://xss.example/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<svg/onload=alert('XSS')>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[x][r]\n\n[r]: javascript:alert(1)\n",
    "<javascript:alert(1)>",
    "[a](https://ok.example/\"onmouseover=\"alert(1))",
    "[a](/x \"t\\\" onmouseover=\\\"alert(1))",
    /* the two holes of the Debian build of discount: a fenced block's
    ** language and an image's URL are written raw */
    "```\"><script>alert(1)</script>\ncode\n```\n",
    "```js\" onmouseover=\"alert(1)\nx\n```\n",
    "~~~ x\"><img src=x onerror=alert(1)>\ncode\n~~~\n",
    "![x](javascript:alert(1))",
    "![x](https://img.example/a.png\"onerror=\"alert(1))",
    "![x](https://img.example/a.png \"t\" onerror=\"alert(1)\")",
    "![x\" onerror=\"alert(1)](https://img.example/a.png)",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>\n",
    "% <script>alert(1)</script>\n% a\n% b\n\nbody",
    "> <script>alert(1)</script>\n",
    "| a | b |\n|---|---|\n| <script>x</script> | [y](javascript:alert(1)) |\n",
    "\"><script>alert(1)</script>",
    "'><svg onload=alert(1)>",
};

/* Every payload as a title (when it can be one) and as a post body, read back from
** every page that shows it and from the stored HTML: nothing executable. */
static void test_xss(void)
{
    for (size_t i = 0; i < sizeof XSS / sizeof XSS[0]; i++) {
        const char *payload = XSS[i];
        /* a title is one line of at most 200 characters (others are
        ** refused, as the caps test shows): longer payloads or ones with
        ** a tab or newline go in bodies only */
        int one_line = strlen(payload) <= 200;
        for (const char *c = payload; *c; c++)
            if ((unsigned char)*c < 0x20)
                one_line = 0;
        const char *title = one_line ? payload : "A payload in the body";
        int64_t t = 0, pid = 0;
        long st = start_thread(&ada, "general", title, payload, &t);
        if (st != 303)
            fprintf(stderr, "payload %zu: status %ld\n  %s\n", i, st, payload);
        CHECK(st == 303);
        if (st != 303)
            continue;
        CHECK(reply(&bob, t, payload, 0, &pid) == 303);
        /* the thread page as the author (with the edit form holding the
        ** source), as another reader, the quote form, and the space */
        const char *pages[] = {fmt("/learn/%s/threads/%lld", O, (long long)t),
                               fmt("/learn/%s/threads/%lld?quote=%lld", O, (long long)t, (long long)pid),
                               "/learn/" O "/discuss/general"};
        person *who[] = {&ada, &cat};
        for (size_t k = 0; k < sizeof pages / sizeof pages[0]; k++)
            for (size_t w = 0; w < 2; w++) {
                http_res r;
                CHECK(get(who[w], pages[k], &r) == 200);
                const char *why = executable(buf_str(&r.body));
                if (why)
                    fprintf(stderr, "payload %zu on %s: %s\n  %s\n", i, pages[k], why, payload);
                CHECK(why == NULL);
                http_res_free(&r);
            }
        char *html = sql_text(fmt("SELECT group_concat(body_html, '') FROM posts WHERE thread_id = %lld", (long long)t));
        CHECK(executable(html) == NULL);
        CHECK(strcasestr(html, "<script") == NULL);
        free(html);
    }
    /* the scanner itself finds what it is meant to */
    CHECK(executable("<p><SCRIPT>x</SCRIPT>") != NULL);
    CHECK(executable("<img src=x onerror=alert(1)>") != NULL);
    CHECK(executable("<a href=\" java&#x09;script&colon;x\">") != NULL);
    CHECK(executable("<a\nhref='JAVASCRIPT:x'>") != NULL);
    CHECK(executable("<p title=\"onerror=x\">javascript:alert(1) &lt;script&gt;</p>") == NULL);
}

/* ---- races ------------------------------------------------------------------------ */

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
** other 409. */
static int one_wins(struct racer *a, struct racer *b)
{
    pthread_t ta, tb;
    pthread_create(&ta, NULL, race, a);
    pthread_create(&tb, NULL, race, b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    return (a->status == 303 && b->status == 409) || (a->status == 409 && b->status == 303);
}

/* Two windows of one person edit, then delete, the same post at once: one wins,
** the other is told so (409), and the post shows exactly the winner. */
static void test_races(void)
{
    for (int round = 0; round < 5; round++) {
        int64_t pid;
        CHECK(reply(&bob, t1, fmt("Race %d", round), 0, &pid) == 303);
        const char *edit_path = fmt("/learn/%s/posts/%lld/edit", O, (long long)pid);
        struct racer a = {&bob, edit_path, "revision=0&body=first+window", 0};
        struct racer b = {&bob2, edit_path, "revision=0&body=second+window", 0};
        CHECK(one_wins(&a, &b));
        CHECK(sql_int(fmt("SELECT revision FROM posts WHERE id = %lld", (long long)pid)) == 1);
        char *md = sql_text(fmt("SELECT body_md FROM posts WHERE id = %lld", (long long)pid));
        CHECK(!strcmp(md, a.status == 303 ? "first window" : "second window"));
        free(md);
        const char *del_path = fmt("/learn/%s/posts/%lld/delete", O, (long long)pid);
        struct racer c = {&bob, del_path, "", 0};
        struct racer d = {&bob2, del_path, "", 0};
        CHECK(one_wins(&c, &d));
        CHECK(sql_int(fmt("SELECT deleted_at IS NOT NULL FROM posts WHERE id = %lld", (long long)pid)) == 1);
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
    /* two offerings open for posting, one archived */
    CHECK(sql("UPDATE offerings SET posting_closes_at = NULL WHERE code IN ('" O "', '" O2 "');"
              "UPDATE offerings SET posting_closes_at = 1 WHERE code = '" OA "'") == 0);
    prompt_key = sql_text("SELECT i.key FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                          " WHERE o.code = '" O "' AND i.section = 'prompt' ORDER BY i.position LIMIT 1");
    prompt_key2 = sql_text("SELECT i.key FROM course_items i JOIN offerings o ON o.course_id = i.course_id"
                           " WHERE o.code = '" O "' AND i.section = 'prompt' ORDER BY i.position LIMIT 1 OFFSET 1");
    CHECK(*prompt_key && *prompt_key2);

    person_make(&ada, "ada@example.org", "Ada Lovelace", "participant");
    person_make(&bob, "bob@example.org", "Bob Brown", "participant");
    person_make(&cat, "cat@example.org", "Cat Chen", "participant");
    person_make(&ref, "ref@example.org", "Rae Refunded", "participant");
    person_make(&zed, "zed@example.org", "Zed Elsewhere", "participant");
    person_make(&cora, "cora@example.org", "Cora Coach", "coach");
    person_make(&otto, "otto@example.org", "Otto Othercoach", "coach");
    person_make(&sam, "sam@example.org", "Sam Staff", "staff");
    /* bob signed in a second time: another window, its own session */
    bob2.email = bob.email;
    bob2.id = bob.id;
    browser_open(&bob2.b, &s);
    http_res r;
    browser_submit(&bob2.b, "/signin", "/signin", "email=bob@example.org&password=a+long+password+1&next=%2Fmy", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(&bob2.b, "/my", &r);
    bob2.csrf = browser_csrf(&r);
    http_res_free(&r);

    /* seats: settled registrations, a refunded one, the coaches' links */
    CHECK(sql("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,"
              " updated_at) SELECT o.id, u.id, x.column3, x.column4, 5000, 'USD', 1, 1 FROM (VALUES"
              " ('" O "', 'ada@example.org', 'active', 'paid'), ('" O "', 'bob@example.org', 'active', 'waived'),"
              " ('" O "', 'cat@example.org', 'active', 'invoiced'), ('" O "', 'ref@example.org', 'refunded', 'refunded'),"
              " ('" O2 "', 'zed@example.org', 'active', 'paid'), ('" OA "', 'ada@example.org', 'active', 'paid')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);
    CHECK(sql("INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
              " SELECT o.id, u.id, 'coach', 1 FROM (VALUES ('" O "', 'cora@example.org'), ('" O2 "', 'otto@example.org')) x"
              " JOIN offerings o ON o.code = x.column1 JOIN users u ON u.email = x.column2") == 0);

    test_spaces();
    test_thread_reply_quote();
    test_edit_delete();
    test_unread_pages();
    test_post_first();
    test_caps();
    test_access();
    test_xss();
    test_races();

    person *all[] = {&ada, &bob, &bob2, &cat, &cora, &otto, &zed, &ref, &sam};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        browser_close(&all[i]->b);
        free(all[i]->csrf);
    }
    free(prompt_key);
    free(prompt_key2);
    db_close(site);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
