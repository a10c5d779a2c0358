/*
** moderate.c: moderation of a workspace's discussions, for the offering's
** coaches and staff: pin, lock and move a thread, mark a post exemplary,
** hide a post with a reason (or show it again), the daily wrap-up, and the
** moderation log at /coach/offerings/CODE/moderation.
**
** The /learn routes are R_WORKSPACE | R_COACH: the dispatcher has found the
** person's seat in the offering of the first capture. A thread or post
** loaded by id is checked again with access_seat against its own offering
** (a seat elsewhere gives nothing here), must belong to the offering of the
** address, and then access_allows(ACCESS_FACILITATE) decides whether this
** person moderates that offering. The rules are in domain/moderate.c.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "discuss.h"
#include "moderate.h"
#include "pages.h"
#include "store_discuss.h"
#include "store_moderate.h"

#define LOG_PAGE 50   /* lines of the moderation log per page */

/* The domain context for rq, acting as the signed-in person. */
static domain dom(request *rq)
{
    return domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session->u.id, time(NULL));
}

/* The id in a route capture or form field: > 0, or 0 when s is not one. */
static int64_t id_of(const char *s)
{
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
        return 0;
    return (int64_t)strtoll(s, NULL, 10);
}

/* Whether the signed-in person moderates offering_id: 0, or 403 with a
** message. */
static int may_moderate(request *rq, int64_t offering_id)
{
    if (access_allows(rq, ACCESS_FACILITATE, offering_id))
        return 0;
    rq->message = "Only the offering's coaches and the staff can moderate its discussions.";
    return 403;
}

/* Load the thread in capture 1, check the person's seat in its own
** offering and that it is the offering of capture 0, then that they
** moderate it. 0, or 403/404/503 with rq->message set. */
static int load_thread(request *rq, thread_row *t)
{
    int64_t id = id_of(rq->param[1]);
    int found = id ? store_thread_get(page_app(rq)->db, rq->a, id, rq->session->u.id, t) : 0;
    if (found < 0)
        return page_unavailable(rq);
    seat *st;
    int rc = found ? access_seat(rq, t->offering_id, NULL, 0, &st) : 0;
    if (rc)
        return rc;
    if (!found || strcmp(st->row.code, rq->param[0])) {
        rq->message = "There is no thread at this address. The course's discussions page lists them all.";
        return 404;
    }
    return may_moderate(rq, t->offering_id);
}

/* Load the post in capture 1 and its thread (for its title), checked as
** load_thread checks a thread. */
static int load_post(request *rq, post_row *p, thread_row *t)
{
    int64_t id = id_of(rq->param[1]), offering = 0;
    int found = id ? store_post_get(page_app(rq)->db, rq->a, id, p, &offering) : 0;
    if (found < 0)
        return page_unavailable(rq);
    seat *st;
    int rc = found ? access_seat(rq, offering, NULL, 0, &st) : 0;
    if (rc)
        return rc;
    if (!found || strcmp(st->row.code, rq->param[0])) {
        rq->message = "There is no post at this address. The course's discussions page lists every thread.";
        return 404;
    }
    if ((rc = may_moderate(rq, offering)) != 0)
        return rc;
    found = store_thread_get(page_app(rq)->db, rq->a, p->thread_id, rq->session->u.id, t);
    return found == 1 ? 0 : page_unavailable(rq);
}

/* The route's last path segment (pin, unlock, exemplary, ...). */
static const char *last_segment(const request *rq)
{
    return strrchr(rq->path, '/') + 1;
}

/* A domain refusal as the page's answer: its message on the error page. */
static int refused(request *rq, const domain *d, int rc)
{
    rq->message = d->message;
    return rc;
}

/* The address of thread_id in the seat's offering, at post_id when > 0. */
static const char *thread_url(request *rq, int64_t thread_id, int64_t post_id)
{
    if (post_id > 0)
        return arena_printf(rq->a, "/learn/%s/threads/%lld?post=%lld#post-%lld", rq->seat->row.code,
                            (long long)thread_id, (long long)post_id, (long long)post_id);
    return arena_printf(rq->a, "/learn/%s/threads/%lld", rq->seat->row.code, (long long)thread_id);
}

/* The spaces of the seat's offering, general first, for a move form:
** [{key, title, current}] with current marking prompt_id's; NULL on a read
** error. */
static json_t *spaces_json(request *rq, int64_t prompt_id)
{
    prompt_row *list;
    int n;
    if (store_prompts(page_app(rq)->db, rq->a, rq->seat->row.offering_id, &list, &n) != 0)
        return NULL;
    json_t *a = json_array();
    json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "key", "general", "title", "General discussion",
                                       "current", prompt_id == 0));
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "key", list[i].key, "title", list[i].title,
                                           "current", list[i].id == prompt_id));
    return a;
}

json_t *page_moderate_thread_keys(request *rq, const thread_row *t)
{
    if (!rq->seat || rq->seat->role == SEAT_PARTICIPANT || !access_allows(rq, ACCESS_FACILITATE, t->offering_id))
        return NULL;
    const char *url = thread_url(rq, t->id, 0);
    json_t *spaces = spaces_json(rq, t->prompt_id);
    if (!spaces)
        return NULL;
    return json_pack("{s:b, s:b, s:s, s:s, s:s, s:s, s:o}", "pinned", t->pinned, "locked", t->locked, "pin_url",
                     arena_printf(rq->a, "%s/%s", url, t->pinned ? "unpin" : "pin"), "lock_url",
                     arena_printf(rq->a, "%s/%s", url, t->locked ? "unlock" : "lock"), "move_url",
                     arena_printf(rq->a, "%s/move", url), "log_url",
                     arena_printf(rq->a, "/coach/offerings/%s/moderation", rq->seat->row.code), "spaces", spaces);
}

/* ---- a thread: pin, lock, move ----------------------------------------- */

int page_moderate_thread_flag(request *rq, response *rs)
{
    thread_row t;
    int rc = load_thread(rq, &t);
    if (rc)
        return rc;
    const char *what = last_segment(rq);
    enum mod_flag flag = strstr(what, "pin") ? MOD_PINNED : MOD_LOCKED;
    int on = strncmp(what, "un", 2) != 0;
    domain d = dom(rq);
    rc = moderate_flag(&d, &t, flag, on);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    http_redirect(rs, 303, thread_url(rq, t.id, 0));
    return 0;
}

/* The move form for thread t (GET .../move, or after a refusal d with the
** values sent). */
static int move_page(request *rq, response *rs, const thread_row *t, const domain *d, const char *space,
                     const char *reason)
{
    json_t *spaces = spaces_json(rq, t->prompt_id);
    if (!spaces)
        return page_unavailable(rq);
    json_t *errors = json_object();
    if (d && d->message)
        json_object_set_new(errors, d->field ? d->field : "space", json_string(d->message));
    json_t *ctx = json_pack("{s:o*, s:{s:s, s:s}, s:o, s:s, s:o, s:b, s:{s:s, s:s}}", "ws", page_ws(rq, "discuss"),
                            "thread", "title", t->title, "url", thread_url(rq, t->id, 0), "spaces", spaces,
                            "action", arena_printf(rq->a, "%s/move", thread_url(rq, t->id, 0)), "errors", errors,
                            "has_errors", d && d->message, "values", "space", space ? space : "", "reason",
                            reason ? reason : "");
    if (d && d->message)
        rs->status = 422;
    return page_render(rq, rs, "pages/moderate_move", ctx, "Move the thread", NULL);
}

int page_moderate_move_form(request *rq, response *rs)
{
    thread_row t;
    int rc = load_thread(rq, &t);
    if (rc)
        return rc;
    return move_page(rq, rs, &t, NULL, NULL, NULL);
}

int page_moderate_move(request *rq, response *rs)
{
    thread_row t;
    int rc = load_thread(rq, &t);
    if (rc)
        return rc;
    const char *key = kv_get(&rq->form, "space");
    const char *reason = kv_get(&rq->form, "reason");
    domain d = dom(rq);
    int64_t to = -1;
    if (key && !strcmp(key, "general")) {
        to = 0;
    } else if (key && *key) {
        prompt_row p;
        int found = store_prompt_by_key(page_app(rq)->db, rq->a, t.offering_id, key, &p);
        if (found < 0)
            return page_unavailable(rq);
        if (found)
            to = p.id;
    }
    if (to < 0) {
        domain_refuse(&d, DOM_INVALID, "space", "Choose one of this course's discussion spaces.");
        return move_page(rq, rs, &t, &d, key, reason);
    }
    rc = moderate_move(&d, &t, to, reason);
    if (rc == DOM_INVALID)
        return move_page(rq, rs, &t, &d, key, reason);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    http_redirect(rs, 303, thread_url(rq, t.id, 0));
    return 0;
}

/* ---- a post: exemplary, hide, show again ------------------------------- */

int page_moderate_post_mark(request *rq, response *rs)
{
    post_row p;
    thread_row t;
    int rc = load_post(rq, &p, &t);
    if (rc)
        return rc;
    const char *what = last_segment(rq);
    domain d = dom(rq);
    if (!strcmp(what, "unhide"))
        rc = moderate_unhide(&d, t.offering_id, &p);
    else
        rc = moderate_exemplary(&d, t.offering_id, &p, !strcmp(what, "exemplary"));
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    http_redirect(rs, 303, thread_url(rq, t.id, p.id));
    return 0;
}

/* The hide form for post p of thread t (GET .../hide, or after a refusal
** d with the reason sent). */
static int hide_page(request *rq, response *rs, const post_row *p, const thread_row *t, const domain *d,
                     const char *reason)
{
    json_t *errors = json_object();
    if (d && d->message)
        json_object_set_new(errors, d->field ? d->field : "reason", json_string(d->message));
    json_t *ctx = json_pack("{s:o*, s:{s:s, s:s}, s:{s:s, s:s, s:b}, s:s, s:o, s:b, s:{s:s}}", "ws",
                            page_ws(rq, "discuss"), "thread", "title", t->title, "url", thread_url(rq, t->id, p->id),
                            "post", "author_name", p->author_name, "excerpt",
                            discuss_excerpt(rq->a, p->body_md, 400), "gone", p->deleted_at || p->hidden_at,
                            "action", arena_printf(rq->a, "/learn/%s/posts/%lld/hide", rq->seat->row.code,
                                                   (long long)p->id),
                            "errors", errors, "has_errors", d && d->message, "values", "reason", reason ? reason : "");
    if (d && d->message)
        rs->status = 422;
    return page_render(rq, rs, "pages/moderate_hide", ctx, "Hide a post", NULL);
}

int page_moderate_hide_form(request *rq, response *rs)
{
    post_row p;
    thread_row t;
    int rc = load_post(rq, &p, &t);
    if (rc)
        return rc;
    return hide_page(rq, rs, &p, &t, NULL, NULL);
}

int page_moderate_hide(request *rq, response *rs)
{
    post_row p;
    thread_row t;
    int rc = load_post(rq, &p, &t);
    if (rc)
        return rc;
    const char *reason = kv_get(&rq->form, "reason");
    domain d = dom(rq);
    rc = moderate_hide(&d, rq->seat->row.code, t.offering_id, t.title, &p, reason);
    if (rc == DOM_INVALID)
        return hide_page(rq, rs, &p, &t, &d, reason);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    http_redirect(rs, 303, thread_url(rq, t.id, p.id));
    return 0;
}

/* ---- the daily wrap-up ------------------------------------------------- */

/* The wrap-up form (GET, or after a refusal d with the values sent). */
static int wrapup_page(request *rq, response *rs, const domain *d, const char *title, const char *body)
{
    json_t *errors = json_object();
    if (d && d->message)
        json_object_set_new(errors, d->field ? d->field : "body", json_string(d->message));
    if (!title) {
        /* a title to start from: the day, in the writer's own zone */
        const char *day = page_when_label(rq, time(NULL));
        const char *comma = strchr(day, ',');
        title = arena_printf(rq->a, "Wrap-up: %.*s", comma ? (int)(comma - day) : (int)strlen(day), day);
    }
    json_t *ctx = json_pack("{s:o*, s:s, s:s, s:o, s:b, s:{s:s, s:s}}", "ws", page_ws(rq, "discuss"), "action",
                            arena_printf(rq->a, "/learn/%s/wrapup", rq->seat->row.code), "general_url",
                            arena_printf(rq->a, "/learn/%s/discuss/general", rq->seat->row.code), "errors", errors,
                            "has_errors", d && d->message, "values", "title", title, "body", body ? body : "");
    if (d && d->message)
        rs->status = 422;
    return page_render(rq, rs, "pages/moderate_wrapup", ctx, "Write the wrap-up", NULL);
}

int page_moderate_wrapup_form(request *rq, response *rs)
{
    int rc = may_moderate(rq, rq->seat->row.offering_id);
    if (rc)
        return rc;
    return wrapup_page(rq, rs, NULL, NULL, NULL);
}

int page_moderate_wrapup(request *rq, response *rs)
{
    int rc = may_moderate(rq, rq->seat->row.offering_id);
    if (rc)
        return rc;
    if (!rq->seat->can_post) {
        rq->message = "Posting has closed for this offering.";
        return 403;
    }
    const char *title = kv_get(&rq->form, "title");
    const char *body = kv_get(&rq->form, "body");
    domain d = dom(rq);
    int64_t thread = 0;
    rc = moderate_wrapup(&d, rq->seat->row.offering_id, title, body, &thread);
    if (rc == DOM_INVALID)
        return wrapup_page(rq, rs, &d, title ? title : "", body);
    if (rc != DOM_OK)
        return refused(rq, &d, rc);
    http_redirect(rs, 303, thread_url(rq, thread, 0));
    return 0;
}

/* ---- the moderation log ------------------------------------------------ */

int page_moderation_log(request *rq, response *rs)
{
    db *dbh = page_app(rq)->db;
    const char *code = rq->param[0];
    int64_t offering = 0;
    int found = store_modlog_offering(dbh, code, &offering);
    if (found < 0)
        return page_unavailable(rq);
    if (!found) {
        rq->message = "There is no course offering at this address. Your coaching page lists yours.";
        return 404;
    }
    int rc = may_moderate(rq, offering);
    if (rc)
        return rc;
    int total = store_modlog_count(dbh, offering);
    if (total < 0)
        return page_unavailable(rq);
    int pages = total ? (total + LOG_PAGE - 1) / LOG_PAGE : 1;
    const char *ps = kv_get(&rq->query, "page");
    int page = ps && id_of(ps) && id_of(ps) <= pages ? (int)id_of(ps) : ps && id_of(ps) > pages ? pages : 1;
    modlog_row *list;
    int n;
    if (store_modlog(dbh, rq->a, offering, LOG_PAGE, (page - 1) * LOG_PAGE, &list, &n) != 0)
        return page_unavailable(rq);
    json_t *rows = json_array();
    for (int i = 0; i < n; i++) {
        const modlog_row *m = &list[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "actor_name", m->actor_name, "what",
                              moderate_action_text(rq->a, m->action, m->post_author), "when_label",
                              page_when_label(rq, m->created_at), "when_iso", page_when_iso(rq, m->created_at),
                              "reason", m->reason);
        if (m->thread_id && m->thread_title) {
            json_object_set_new(o, "thread_title", json_string(m->thread_title));
            json_object_set_new(o, "url", json_string(m->post_id
                ? arena_printf(rq->a, "/learn/%s/threads/%lld?post=%lld#post-%lld", code, (long long)m->thread_id,
                               (long long)m->post_id, (long long)m->post_id)
                : arena_printf(rq->a, "/learn/%s/threads/%lld", code, (long long)m->thread_id)));
            json_object_set_new(o, "space_title",
                                json_string(m->space_title ? m->space_title : "General discussion"));
        }
        json_array_append_new(rows, o);
    }
    const char *base = arena_printf(rq->a, "/coach/offerings/%s/moderation", code);
    json_t *pg = json_pack("{s:i, s:i, s:b}", "page", page, "pages", pages, "several", pages > 1);
    if (page > 1)
        json_object_set_new(pg, "prev_url", json_string(arena_printf(rq->a, "%s?page=%d", base, page - 1)));
    if (page < pages)
        json_object_set_new(pg, "next_url", json_string(arena_printf(rq->a, "%s?page=%d", base, page + 1)));
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:o, s:o, s:i, s:s}", "code", code, "discuss_url",
                            arena_printf(rq->a, "/learn/%s/discuss", code), "wrapup_url",
                            arena_printf(rq->a, "/learn/%s/wrapup", code), "rows", rows, "pagination", pg, "total",
                            total, "total_label",
                            arena_printf(rq->a, "%d moderation action%s", total, total == 1 ? "" : "s"));
    return page_render(rq, rs, "pages/moderation_log", ctx, "Moderation log", NULL);
}
