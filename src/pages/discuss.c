/*
** discuss.c: the discussion pages of a workspace: the list of spaces (one
** per discussion prompt and a general one), a space's threads, a thread's
** posts, and the forms that start a thread, reply, edit, delete and follow.
**
** Every route is R_WORKSPACE, so the dispatcher has found the person's seat
** in the offering named by the first capture. A thread or post loaded by id
** is checked again against its own offering with access_seat: a seat in
** another offering gives nothing here (403), and an object of another
** offering the person also sits in is not found under this one (404).
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "date.h"
#include "discuss.h"
#include "log.h"
#include "pages.h"
#include "store_discuss.h"

#define QUOTE_EXCERPT 280

/* How long a kept page of posts stays good at most (its version moves with
** every change the page shows; this bounds what an unforeseen one could
** hide). */
enum { THREAD_KEEP_SECONDS = 300 };

/* The domain context for rq, acting as the signed-in person. */
static domain dom(request *rq)
{
    return domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session->u.id, time(NULL));
}

/* A domain refusal as the page's answer: its message on the error page. */
static int refused(request *rq, const domain *d, int rc)
{
    rq->message = d->message;
    return rc;
}

/* A 303 to url, a site path we built from an offering code (a slug) and
** numbers, with a fragment: http_redirect percent-encodes '#', which
** would lose the anchor, so a URL of only [A-Za-z0-9/?=&#._-] is set as it
** is and anything else goes through http_redirect. */
static void redirect_to(response *rs, const char *url)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/?=&#._-";
    if (url[0] != '/' || url[1] == '/' || url[1] == '\\' || strspn(url, ok) != strlen(url)) {
        http_redirect(rs, 303, url);
        return;
    }
    rs->status = 303;
    rs->cache_seconds = 0;
    http_header(rs, "Location", url);
}

/* The 1-based page number in ?page=, 1 when absent or not a number. */
static int page_number(const request *rq)
{
    const char *s = kv_get(&rq->query, "page");
    char *end;
    long n = s ? strtol(s, &end, 10) : 1;
    if (!s || *end || n < 1 || n > 1000000)
        return 1;
    return (int)n;
}

/* The id in a route capture or form field: > 0, or 0 when s is not one. */
static int64_t id_of(const char *s)
{
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
        return 0;
    return (int64_t)strtoll(s, NULL, 10);
}

/* A space: the prompt it belongs to (id 0 for the general space). */
typedef struct space {
    int64_t prompt_id;
    const char *key, *title, *body_html;
} space;

/* Find the space keyed key ("general" or a prompt's key) of the seat's
** offering: 0, 404 (message set) or 503. */
static int space_by_key(request *rq, const char *key, space *sp)
{
    memset(sp, 0, sizeof *sp);
    if (!strcmp(key, "general")) {
        sp->key = "general";
        sp->title = "General discussion";
        return 0;
    }
    prompt_row p;
    int found = store_prompt_by_key(page_app(rq)->db, rq->a, rq->seat->row.offering_id, key, &p);
    if (found < 0)
        return page_unavailable(rq);
    if (!found) {
        rq->message = "There is no discussion space at this address. The course's discussions page lists them all.";
        return 404;
    }
    *sp = (space){p.id, p.key, p.title, p.body_html};
    return 0;
}

/* Find the space of prompt_id (0: general) in the seat's offering: 0 or
** 503 (a prompt since archived shows as an untitled space). */
static int space_by_id(request *rq, int64_t prompt_id, space *sp)
{
    memset(sp, 0, sizeof *sp);
    if (!prompt_id) {
        sp->key = "general";
        sp->title = "General discussion";
        return 0;
    }
    prompt_row *list;
    int n;
    if (store_prompts(page_app(rq)->db, rq->a, rq->seat->row.offering_id, &list, &n) != 0)
        return page_unavailable(rq);
    sp->prompt_id = prompt_id;
    sp->key = "general";
    sp->title = "Discussion";
    for (int i = 0; i < n; i++)
        if (list[i].id == prompt_id)
            *sp = (space){list[i].id, list[i].key, list[i].title, list[i].body_html};
    return 0;
}

/* Whether the seat's holder sees others' posts in space sp only after
** posting there (the offering's post_first, a prompt space, a participant
** who has not posted in it): 0 with *hide set, or 503. */
static int post_first_hides(request *rq, const space *sp, int *hide)
{
    *hide = 0;
    if (!sp->prompt_id || rq->seat->role != SEAT_PARTICIPANT)
        return 0;
    int on = 0, threads, unread, posted;
    db *d = page_app(rq)->db;
    if (store_post_first(d, rq->seat->row.offering_id, &on) < 0)
        return page_unavailable(rq);
    if (!on)
        return 0;
    if (store_space_counts(d, rq->seat->row.offering_id, sp->prompt_id, rq->session->u.id, &threads, &unread,
                           &posted) != 0)
        return page_unavailable(rq);
    *hide = !posted;
    return 0;
}

/* Pagination keys for page of pages at base (a path with no query). */
static json_t *pagination(request *rq, const char *base, int page, int pages)
{
    json_t *p = json_pack("{s:i, s:i, s:b}", "page", page, "pages", pages, "several", pages > 1);
    if (page > 1)
        json_object_set_new(p, "prev_url", json_string(arena_printf(rq->a, "%s?page=%d", base, page - 1)));
    if (page < pages)
        json_object_set_new(p, "next_url", json_string(arena_printf(rq->a, "%s?page=%d", base, page + 1)));
    return p;
}

/* The form keys of a page (values, errors, error, has_errors) from a
** domain refusal d (NULL: a fresh form), into ctx. */
static void form_keys(json_t *ctx, const domain *d, json_t *values)
{
    json_t *errors = json_object();
    if (d && d->message) {
        if (d->field)
            json_object_set_new(errors, d->field, json_string(d->message));
        else
            json_object_set_new(ctx, "error", json_string(d->message));
    }
    json_object_set_new(ctx, "errors", errors);
    json_object_set_new(ctx, "values", values ? values : json_object());
    json_object_set_new(ctx, "has_errors", json_boolean(d && d->message));
}

/* ---- the spaces -------------------------------------------------------- */

/* A space as the templates read it, with the person's counts: NULL on a
** read error. post_first: the offering's setting; a participant who has not
** posted in a prompt space is not told how much in it is new. */
static json_t *space_json(request *rq, const space *sp, int post_first)
{
    int threads, unread, posted;
    if (store_space_counts(page_app(rq)->db, rq->seat->row.offering_id, sp->prompt_id, rq->session->u.id, &threads,
                           &unread, &posted) != 0)
        return NULL;
    if (post_first && sp->prompt_id && rq->seat->role == SEAT_PARTICIPANT && !posted)
        unread = 0;
    const char *label = threads == 0 ? "No threads yet" : threads == 1 ? "1 thread"
                                                           : arena_printf(rq->a, "%d threads", threads);
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:b}", "key", sp->key, "title", sp->title, "url",
                     arena_printf(rq->a, "/learn/%s/discuss/%s", rq->seat->row.code, sp->key), "threads", threads,
                     "threads_label", label, "unread", unread, "unread_label", page_unread_label(rq, unread),
                     "is_general", sp->prompt_id == 0);
}

int page_discuss(request *rq, response *rs)
{
    prompt_row *list;
    int n, post_first = 0;
    if (store_prompts(page_app(rq)->db, rq->a, rq->seat->row.offering_id, &list, &n) != 0 ||
        store_post_first(page_app(rq)->db, rq->seat->row.offering_id, &post_first) != 1)
        return page_unavailable(rq);
    json_t *spaces = json_array();
    for (int i = 0; i <= n; i++) {
        space sp = {0, "general", "General discussion", NULL};
        if (i < n)
            sp = (space){list[i].id, list[i].key, list[i].title, list[i].body_html};
        json_t *o = space_json(rq, &sp, post_first);
        if (!o) {
            json_decref(spaces);
            return page_unavailable(rq);
        }
        json_array_append_new(spaces, o);
    }
    json_t *ctx = json_pack("{s:o*, s:o}", "ws", page_ws(rq, "discuss"), "spaces", spaces);
    return page_render(rq, rs, "pages/discuss", ctx, "Discussions", NULL);
}

/* Render a space's page: its prompt, its threads (page ?page=), and the
** form to start a thread, with d's refusal and the values sent (both may
** be NULL). */
static int space_page(request *rq, response *rs, const space *sp, const domain *d, json_t *values)
{
    db *dbh = page_app(rq)->db;
    const seat *st = rq->seat;
    int64_t me = rq->session->u.id;
    int hide;
    int rc = post_first_hides(rq, sp, &hide);
    if (rc) {
        json_decref(values);
        return rc;
    }
    int total = store_threads_count(dbh, st->row.offering_id, sp->prompt_id, 0);
    int shown_total = hide ? store_threads_count(dbh, st->row.offering_id, sp->prompt_id, me) : total;
    if (total < 0 || shown_total < 0) {
        json_decref(values);
        return page_unavailable(rq);
    }
    int pages = shown_total ? (shown_total + DISCUSS_THREADS_PAGE - 1) / DISCUSS_THREADS_PAGE : 1;
    int page = page_number(rq);
    if (page > pages)
        page = pages;
    thread_row *list;
    int n;
    if (store_threads(dbh, rq->a, st->row.offering_id, sp->prompt_id, me, hide ? me : 0, DISCUSS_THREADS_PAGE,
                      (page - 1) * DISCUSS_THREADS_PAGE, &list, &n) != 0) {
        json_decref(values);
        return page_unavailable(rq);
    }
    json_t *threads = json_array();
    for (int i = 0; i < n; i++) {
        const thread_row *t = &list[i];
        json_array_append_new(threads, json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:b, s:b}", "id",
                                                 (json_int_t)t->id, "title", t->title, "url",
                                                 arena_printf(rq->a, "/learn/%s/threads/%lld", st->row.code,
                                                              (long long)t->id),
                                                 "author_name", t->author_name, "replies_label",
                                                 t->posts <= 1 ? "No replies yet" : t->posts == 2 ? "1 reply"
                                                 : arena_printf(rq->a, "%d replies", t->posts - 1),
                                                 "unread", t->unread, "unread_label", page_unread_label(rq, t->unread),
                                                 "last_label", page_when_label(rq, t->last_post_at),
                                                 "last_iso", page_when_iso(rq, t->last_post_at), "pinned", t->pinned,
                                                 "locked", t->locked));
        /* moderation: a coach's daily wrap-up is marked as one */
        json_object_set_new(json_array_get(threads, json_array_size(threads) - 1), "wrapup",
                            json_boolean(t->wrapup));
    }
    const char *base = arena_printf(rq->a, "/learn/%s/discuss/%s", st->row.code, sp->key);
    json_t *ctx = json_pack("{s:o*, s:{s:s, s:s, s:s?, s:s, s:b}, s:o, s:o, s:b, s:i, s:s}", "ws",
                            page_ws(rq, "discuss"), "space", "key", sp->key, "title", sp->title, "prompt_html",
                            sp->body_html, "url", base, "is_general", sp->prompt_id == 0, "threads", threads,
                            "pagination", pagination(rq, base, page, pages), "hidden_until_post", hide,
                            "hidden_count", total - shown_total, "discuss_url",
                            arena_printf(rq->a, "/learn/%s/discuss", st->row.code));
    /* moderation: the general space offers its coaches the daily wrap-up */
    if (ctx && !sp->prompt_id && st->role != SEAT_PARTICIPANT && st->can_post)
        json_object_set_new(ctx, "wrapup_url", json_string(arena_printf(rq->a, "/learn/%s/wrapup", st->row.code)));
    if (ctx)
        form_keys(ctx, d, values);
    else
        json_decref(values);
    if (d && d->message)
        rs->status = 422;
    return page_render(rq, rs, "pages/discuss_space", ctx, sp->title, NULL);
}

int page_discuss_space(request *rq, response *rs)
{
    space sp;
    int rc = space_by_key(rq, rq->param[1], &sp);
    if (rc)
        return rc;
    return space_page(rq, rs, &sp, NULL, NULL);
}

int page_discuss_start(request *rq, response *rs)
{
    space sp;
    int rc = space_by_key(rq, rq->param[1], &sp);
    if (rc)
        return rc;
    const char *title = kv_get(&rq->form, "title");
    const char *body = kv_get(&rq->form, "body");
    domain d = dom(rq);
    discuss_posted out;
    rc = discuss_start(&d, rq->seat->row.offering_id, sp.prompt_id, title, body, &out);
    if (rc == DOM_INVALID)
        return space_page(rq, rs, &sp, &d,
                          json_pack("{s:s, s:s}", "title", title ? title : "", "body", body ? body : ""));
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    http_redirect(rs, 303, arena_printf(rq->a, "/learn/%s/threads/%lld", rq->seat->row.code, (long long)out.thread_id));
    return 0;
}

/* ---- a thread ---------------------------------------------------------- */

/* Load the thread in capture 1 and check the person's seat in its own
** offering (write: one that may post); the row has no unread count
** (thread_page works it out, kept). It must belong to the offering of capture 0. 0, or
** 403/404/503 with rq->message set. */
static int load_thread(request *rq, int write, thread_row *t)
{
    int64_t id = id_of(rq->param[1]);
    db *d = page_app(rq)->db;
    int found = id ? store_thread_get(d, rq->a, id, rq->session->u.id, t) : 0;
    if (found < 0)
        return page_unavailable(rq);
    seat *st;
    int rc = found ? access_seat(rq, t->offering_id, NULL, write, &st) : 0;
    if (rc)
        return rc;
    if (!found || strcmp(st->row.code, rq->param[0])) {
        rq->message = "There is no thread at this address. The course's discussions page lists them all.";
        return 404;
    }
    return 0;
}

/* Load the post in capture 1, checked as load_thread checks a thread. */
static int load_post(request *rq, int write, post_row *p)
{
    int64_t id = id_of(rq->param[1]), offering = 0;
    int found = id ? store_post_get(page_app(rq)->db, rq->a, id, p, &offering) : 0;
    if (found < 0)
        return page_unavailable(rq);
    seat *st;
    int rc = found ? access_seat(rq, offering, NULL, write, &st) : 0;
    if (rc)
        return rc;
    if (!found || strcmp(st->row.code, rq->param[0])) {
        rq->message = "There is no post at this address. The course's discussions page lists every thread.";
        return 404;
    }
    return 0;
}

/* A post as partials/thread_posts reads it (see templates/README.md): the
** same for every reader with the same right to post (st->can_post) and
** role (facilitator: coaches and staff). What only its author may see (the
** edit and delete forms, why it was hidden) is marked for the mine section
** the template opens with mine_html. */
static json_t *post_json(request *rq, const post_row *p, time_t now, const char *thread_url)
{
    const seat *st = rq->seat;
    int facilitator = st->role != SEAT_PARTICIPANT;
    int hidden = p->hidden_at && !p->deleted_at;
    int can_edit = st->can_post && !p->deleted_at && !p->hidden_at && now - p->created_at <= DISCUSS_EDIT_SECONDS;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:s, s:s}", "id",
                          (json_int_t)p->id, "anchor", arena_printf(rq->a, "post-%lld", (long long)p->id),
                          "author_name", p->author_name, "when_label", page_when_label(rq, p->created_at), "when_iso",
                          page_when_iso(rq, p->created_at), "deleted", p->deleted_at != 0, "hidden", hidden, "edited",
                          p->edited_at != 0 && !p->deleted_at, "can_edit", can_edit, "can_delete",
                          st->can_post && !p->deleted_at, "revision", p->revision, "mine_html",
                          page_slot_mine(rq, p->author_id), "at_html", page_slot_at(rq, p->id));
    if (p->edited_at && !p->deleted_at)
        json_object_set_new(o, "edited_label", json_string(page_when_label(rq, p->edited_at)));
    /* moderation: the exemplary mark for all; why it was hidden, for its author, coaches and staff */
    json_object_set_new(o, "exemplary", json_boolean(p->exemplary && !p->deleted_at && !hidden));
    if (hidden && p->hidden_reason)
        json_object_set_new(o, "hidden_reason", json_string(p->hidden_reason));
    if (!p->deleted_at && (!hidden || facilitator))
        json_object_set_new(o, "body_html", json_string(p->body_html));
    if (can_edit)
        json_object_set_new(o, "body_md", json_string(p->body_md));
    if (!p->deleted_at && !hidden && st->can_post)
        json_object_set_new(o, "quote_url", json_string(arena_printf(rq->a, "%s?quote=%lld#reply", thread_url,
                                                                     (long long)p->id)));
    if (p->quote_id) {
        json_t *q = json_pack("{s:s, s:b, s:s}", "author_name", p->quote_author ? p->quote_author : "",
                              "gone", p->quote_gone, "url",
                              arena_printf(rq->a, "%s?post=%lld", thread_url, (long long)p->quote_id));
        if (!p->quote_gone)
            json_object_set_new(q, "excerpt", json_string(discuss_excerpt(rq->a, p->quote_md, QUOTE_EXCERPT)));
        json_object_set_new(o, "quoted", q);
    }
    return o;
}

/* An edit of one's own post that was refused: the post, the text sent and
** why, so the page shows the edit form open with that text kept. */
typedef struct {
    int64_t post_id;
    const char *body;
    const char *message;
    int status; /* 422 (the text) or 409 (too late, or changed meanwhile) */
} refused_edit;

/* What a thread page's kept list of posts is built from (thread_view). */
typedef struct {
    const thread_row *t;
    int page;
    const char *url;            /* the thread's address */
    const refused_edit *edit;   /* a refused edit to show open, or NULL (then the list is kept) */
    time_t now;
} thread_args;

/* The view of one page of a thread's posts (a page_fragment_fn): the same
** for every reader in the same time zone with the same right to post and
** role. The list is good until the first of its posts leaves the edit
** window, when its edit form must go. */
static int thread_view(request *rq, void *arg, json_t **ctx, time_t *expires)
{
    const thread_args *g = arg;
    post_row *list;
    int n;
    if (store_posts(page_app(rq)->db, rq->a, g->t->id, DISCUSS_PAGE, (g->page - 1) * DISCUSS_PAGE, &list, &n) != 0)
        return page_unavailable(rq);
    json_t *posts = json_array();
    for (int i = 0; i < n; i++) {
        const post_row *p = &list[i];
        json_t *o = post_json(rq, p, g->now, g->url);
        if (json_is_true(json_object_get(o, "can_edit")) && p->created_at + DISCUSS_EDIT_SECONDS + 1 < *expires)
            *expires = p->created_at + DISCUSS_EDIT_SECONDS + 1;
        if (g->edit && p->id == g->edit->post_id)
            json_object_set_new(o, "edit", json_pack("{s:s, s:s}", "body", g->edit->body ? g->edit->body : "",
                                                     "error", g->edit->message ? g->edit->message : ""));
        json_array_append_new(posts, o);
    }
    *ctx = json_pack("{s:o, s:s, s:b}", "posts", posts, "code", rq->seat->row.code, "moderate",
                     rq->seat->role != SEAT_PARTICIPANT);
    return *ctx ? 0 : page_unavailable(rq);
}

/* The id of the last post on page of thread t (1, *id set), 0 when the
** page is empty, -1. Kept by the worker under the thread's version. */
static int last_on_page(request *rq, const thread_row *t, int page, int64_t *id)
{
    if ((int64_t)page * DISCUSS_PAGE >= t->posts) {
        *id = t->last_post_id;
        return *id != 0;
    }
    const char *key = arena_printf(rq->a, "thread-last %lld %d", (long long)t->id, page);
    if (page_kept_ints(key, (uint64_t)t->version, id, 1))
        return *id != 0;
    int found = store_post_at(page_app(rq)->db, t->id, page * DISCUSS_PAGE - 1, id);
    if (found >= 0) {
        if (!found)
            *id = 0;
        page_keep_ints(key, (uint64_t)t->version, 0, id, 1);
    }
    return found;
}

/* How many posts of thread t come before post_id (its place: the page is
** before / DISCUSS_PAGE + 1), or -1. Kept under the thread's version. */
static int posts_before(request *rq, const thread_row *t, int64_t post_id)
{
    const char *key = arena_printf(rq->a, "thread-before %lld %lld", (long long)t->id, (long long)post_id);
    int64_t v;
    if (page_kept_ints(key, (uint64_t)t->version, &v, 1))
        return (int)v;
    int before = store_posts_before(page_app(rq)->db, t->id, post_id);
    if (before >= 0) {
        v = before;
        page_keep_ints(key, (uint64_t)t->version, 0, &v, 1);
    }
    return before;
}

/* The reader's unread posts in thread t (counted up to the cap), the
** first of them (0: none) and how many posts come before it. Kept per
** reader and read mark under the thread's version: counting walks every
** post after the mark. 0, or -1. */
static int thread_unread(request *rq, const thread_row *t, int *unread, int64_t *first, int *before)
{
    *unread = 0;
    *first = 0;
    *before = 0;
    if (t->last_post_id <= t->read_upto)
        return 0;
    int64_t me = rq->session->u.id;
    const char *key = arena_printf(rq->a, "thread-unread %lld %lld %lld", (long long)t->id, (long long)me,
                                   (long long)t->read_upto);
    int64_t v[3];
    if (!page_kept_ints(key, (uint64_t)t->version, v, 3)) {
        db *dbh = page_app(rq)->db;
        int n = store_thread_unread(dbh, t->id, me, t->read_upto);
        int found = n > 0 ? store_first_unread(dbh, t->id, me, t->read_upto, &v[1]) : 0;
        int b = found == 1 ? posts_before(rq, t, v[1]) : 0;
        if (n < 0 || found < 0 || b < 0)
            return -1;
        v[0] = n;
        if (found != 1)
            v[1] = 0;
        v[2] = b;
        page_keep_ints(key, (uint64_t)t->version, 0, v, 3);
    }
    *unread = (int)v[0];
    *first = v[1];
    *before = (int)v[2];
    return 0;
}

/* Render thread t's page (?page=, ?quote=) with d's refusal and the values
** sent (both may be NULL), marking it read up to the last post shown. With
** edit (may be NULL), the page holding that post, its edit form open with
** the text sent and the refusal, answered with edit->status. The list of
** posts is kept per worker (thread_view) unless edit is given. */
static int thread_page(request *rq, response *rs, const thread_row *t, const domain *d, json_t *values,
                       const refused_edit *edit)
{
    db *dbh = page_app(rq)->db;
    const seat *st = rq->seat;
    int64_t me = rq->session->u.id;
    time_t now = time(NULL);
    /* The nav first: it notes the visit, a write, which must not run
    ** inside the read below. */
    json_t *ws = page_ws(rq, "discuss");
    json_t *posts_html = NULL, *jump = NULL, *quote = NULL;
    const char *mode = NULL;
    int64_t first_unread = 0, shown_upto = 0;
    space sp;
    int hide = 0;
    /* One read for the page: its statements see one state of the database. */
    int reading = db_begin_read(dbh) == 0;
    int rc = space_by_id(rq, t->prompt_id, &sp);
    if (!rc)
        rc = post_first_hides(rq, &sp, &hide);
    if (rc)
        goto done;
    const char *url = arena_printf(rq->a, "/learn/%s/threads/%lld", st->row.code, (long long)t->id);
    int pages = t->posts ? (t->posts + DISCUSS_PAGE - 1) / DISCUSS_PAGE : 1;
    int page = page_number(rq);
    /* ?post=ID opens the page that post is on */
    int64_t want = edit ? edit->post_id : id_of(kv_get(&rq->query, "post"));
    if (want) {
        int before = posts_before(rq, t, want);
        if (before < 0) {
            rc = page_unavailable(rq);
            goto done;
        }
        page = before / DISCUSS_PAGE + 1;
    }
    if (page > pages)
        page = pages;

    /* the first post the person has not read, and the page it is on */
    int unread = 0;
    if (!hide) {
        int before;
        if (thread_unread(rq, t, &unread, &first_unread, &before) != 0) {
            rc = page_unavailable(rq);
            goto done;
        }
        if (first_unread)
            jump = json_string(arena_printf(rq->a, "%s?page=%d#first-unread", url, before / DISCUSS_PAGE + 1));
    }

    if (!hide) {
        /* Kept per worker under the thread's version (moved by every post,
        ** edit, deletion, moderation and rename of an author), by page, the
        ** reader's time zone (the labels), right to post and role (the
        ** forms, what a hidden post shows). */
        thread_args g = {t, page, url, edit, now};
        const char *zone = rq->session->u.time_zone ? rq->session->u.time_zone : "";
        const char *key = edit ? NULL
                               : arena_printf(rq->a, "thread %lld p%d c%d m%d %zu:%s", (long long)t->id, page,
                                              st->can_post != 0, st->role != SEAT_PARTICIPANT, strlen(zone), zone);
        const char *html;
        size_t len;
        rc = page_fragment_kept(rq, "partials/thread_posts", key, (uint64_t)t->version, now + THREAD_KEEP_SECONDS,
                                thread_view, &g, first_unread, &html, &len);
        if (rc)
            goto done;
        /* our own rendering of valid UTF-8: not checked again */
        posts_html = json_stringn_nocheck(html, len);
        if (t->read_upto < t->last_post_id && !(d && d->message) && !edit &&
            last_on_page(rq, t, page, &shown_upto) < 0) {
            rc = page_unavailable(rq);
            goto done;
        }
    }

    /* ?quote=ID: the post the reply form quotes, when it is one of ours */
    int64_t quote_id = id_of(kv_get(&rq->query, "quote"));
    if (values && json_object_get(values, "quote_id"))
        quote_id = id_of(json_string_value(json_object_get(values, "quote_id")));
    if (quote_id && !hide) {
        post_row q;
        int64_t q_offering;
        int found = store_post_get(dbh, rq->a, quote_id, &q, &q_offering);
        if (found < 0) {
            rc = page_unavailable(rq);
            goto done;
        }
        if (found && q.thread_id == t->id && !q.deleted_at && !q.hidden_at)
            quote = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)q.id, "author_name", q.author_name, "excerpt",
                              discuss_excerpt(rq->a, q.body_md, QUOTE_EXCERPT));
    }

    if (store_follow_get(dbh, me, t->id, &mode) < 0) {
        rc = page_unavailable(rq);
        goto done;
    }
    if (reading)
        db_rollback(dbh);
    reading = 0;

    json_t *ctx = json_pack("{s:o*, s:{s:I, s:s, s:s, s:s, s:b, s:i}, s:{s:s, s:s, s:s?, s:b}, s:o*, s:o, s:o*,"
                            " s:i, s:s, s:o*, s:b, s:b, s:b, s:b, s:s, s:s, s:s, s:s}",
                            "ws", ws,
                            "thread", "id", (json_int_t)t->id, "title", t->title, "url", url, "author_name",
                            t->author_name, "locked", t->locked, "posts", t->posts,
                            "space", "title", sp.title, "url",
                            arena_printf(rq->a, "/learn/%s/discuss/%s", st->row.code, sp.key), "prompt_html",
                            hide ? sp.body_html : NULL, "is_general", sp.prompt_id == 0,
                            "posts_html", posts_html, "pagination", pagination(rq, url, page, pages),
                            "first_unread_url", jump, "unread", unread, "unread_label",
                            page_unread_label(rq, unread), "quote", quote,
                            "can_reply", st->can_post && !t->locked, "hidden_until_post", hide,
                            "following", mode && !strcmp(mode, "follow"), "muted", mode && !strcmp(mode, "mute"),
                            "reply_url", arena_printf(rq->a, "%s/reply", url), "follow_url",
                            arena_printf(rq->a, "%s/follow", url), "mute_url", arena_printf(rq->a, "%s/mute", url),
                            "unfollow_url", arena_printf(rq->a, "%s/unfollow", url));
    int quoting = quote != NULL;
    ws = posts_html = jump = quote = NULL;   /* json_pack took them, or freed them on failure */
    if (ctx) {
        /* moderation: the coach's tools (pages/moderate.c), NULL for others */
        json_t *mod = page_moderate_thread_keys(rq, t);
        if (mod)
            json_object_set_new(ctx, "moderate", mod);
        json_object_set_new(json_object_get(ctx, "thread"), "wrapup", json_boolean(t->wrapup));
        if (!values)
            values = json_pack("{s:s}", "quote_id", quoting ? arena_printf(rq->a, "%lld", (long long)quote_id) : "");
        form_keys(ctx, d, values);
    } else {
        json_decref(values);
    }
    if (d && d->message)
        rs->status = 422;
    if (edit)
        rs->status = edit->status;

    /* what was shown is read now; a failed mark only means it shows as new
    ** again next time */
    if (shown_upto > t->read_upto) {
        domain dd = dom(rq);
        if (discuss_mark_read(&dd, t->id, shown_upto) != DOM_OK)
            log_error("discuss: marking thread %lld read failed", (long long)t->id);
    }
    return page_render(rq, rs, "pages/thread", ctx, t->title, NULL);

done:
    if (reading)
        db_rollback(dbh);
    json_decref(ws);
    json_decref(posts_html);
    json_decref(jump);
    json_decref(quote);
    json_decref(values);
    return rc;
}

int page_thread(request *rq, response *rs)
{
    thread_row t;
    int rc = load_thread(rq, 0, &t);
    if (rc)
        return rc;
    return thread_page(rq, rs, &t, NULL, NULL, NULL);
}

int page_thread_reply(request *rq, response *rs)
{
    thread_row t;
    int rc = load_thread(rq, 1, &t);
    if (rc)
        return rc;
    const char *body = kv_get(&rq->form, "body");
    const char *quote = kv_get(&rq->form, "quote_id");
    int64_t quote_id = 0;
    if (quote && *quote && !(quote_id = id_of(quote))) {
        rq->message = "The quoted post's number is not one of ours. Go back to the thread and choose Quote again.";
        return 400;
    }
    domain d = dom(rq);
    discuss_posted out;
    rc = discuss_reply(&d, rq->seat->row.code, rq->session->u.name, &t, quote_id, body, &out);
    if (rc == DOM_INVALID)
        return thread_page(rq, rs, &t, &d,
                           json_pack("{s:s, s:s}", "body", body ? body : "", "quote_id", quote ? quote : ""), NULL);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    redirect_to(rs, arena_printf(rq->a, "/learn/%s/threads/%lld?page=%d#post-%lld", rq->seat->row.code,
                                        (long long)t.id, out.page, (long long)out.post_id));
    return 0;
}

int page_thread_follow(request *rq, response *rs)
{
    thread_row t;
    int rc = load_thread(rq, 1, &t);
    if (rc)
        return rc;
    const char *what = strrchr(rq->path, '/') + 1;   /* the route's last segment: follow, mute or unfollow */
    const char *mode = !strcmp(what, "follow") ? "follow" : !strcmp(what, "mute") ? "mute" : NULL;
    domain d = dom(rq);
    rc = discuss_follow(&d, t.id, mode);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    http_redirect(rs, 303, arena_printf(rq->a, "/learn/%s/threads/%lld", rq->seat->row.code, (long long)t.id));
    return 0;
}

/* Where a changed post is seen: its thread page, at the post. */
static const char *post_url(request *rq, const post_row *p)
{
    return arena_printf(rq->a, "/learn/%s/threads/%lld?post=%lld#post-%lld", rq->seat->row.code,
                        (long long)p->thread_id, (long long)p->id, (long long)p->id);
}

int page_post_edit(request *rq, response *rs)
{
    post_row p;
    int rc = load_post(rq, 1, &p);
    if (rc)
        return rc;
    const char *rev = kv_get(&rq->form, "revision");
    char *end;
    long revision = rev ? strtol(rev, &end, 10) : -1;
    if (!rev || !*rev || *end || revision < 0) {
        rq->message = "The edit form is missing its revision number. Go back to the thread, reload it and edit again.";
        return 400;
    }
    domain d = dom(rq);
    const char *body = kv_get(&rq->form, "body");
    rc = discuss_edit(&d, &p, (int)revision, body);
    if (rc == DOM_INVALID || rc == DOM_CONFLICT) {
        /* the thread again, the edit form open with what was typed */
        thread_row t;
        refused_edit e = {p.id, body, d.message, rc == DOM_INVALID ? 422 : 409};
        rq->param[1] = arena_printf(rq->a, "%lld", (long long)p.thread_id);
        if ((rc = load_thread(rq, 1, &t)) != 0)
            return rc;
        return thread_page(rq, rs, &t, NULL, NULL, &e);
    }
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    redirect_to(rs, post_url(rq, &p));
    return 0;
}

int page_post_delete(request *rq, response *rs)
{
    post_row p;
    int rc = load_post(rq, 1, &p);
    if (rc)
        return rc;
    domain d = dom(rq);
    rc = discuss_delete(&d, &p);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    redirect_to(rs, post_url(rq, &p));
    return 0;
}
