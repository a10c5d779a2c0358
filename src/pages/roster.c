/*
** roster.c: the coach's roster of an offering (a page at a time, and the
** whole of it as CSV), one participant's page (their progress, posts,
** submissions and the private thread of messages with them), and the
** participant's side of that thread in the workspace.
**
** The /coach/... routes are R_COACH (role coach or staff); each handler
** then loads the offering by its code and asks access_allows(...,
** ACCESS_FACILITATE, offering) before showing or changing anything, so a
** coach of another offering is refused (403). The participant's side is
** R_WORKSPACE: the dispatcher found their seat, and only their own thread
** is ever read there.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "csv.h"
#include "date.h"
#include "pages.h"
#include "roster.h"
#include "store_coach.h"
#include "store_kept.h"
#include "store_roster.h"

enum {
    ROSTER_PAGE = 50,       /* participants on one roster page */
    PERSON_POSTS = 20,      /* newest posts on a person's page */
    PERSON_SUBMISSIONS = 50 /* newest submissions on a person's page */
};

/* The domain context for rq, acting as the signed-in person. */
static domain dom(request *rq)
{
    return domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session->u.id, time(NULL));
}

/* The id in s (a route capture): > 0, or 0 when s is not one. */
static int64_t id_of(const char *s)
{
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
        return 0;
    return (int64_t)strtoll(s, NULL, 10);
}

/* Load the offering whose code is capture 0 into o and check that the
** signed-in person facilitates it (its coach, or staff). 0, or 404/403/503
** with rq->message set. */
static int load_offering(request *rq, roster_offering *o)
{
    int found = store_roster_offering(page_app(rq)->db, rq->a, rq->param[0], o);
    if (found < 0)
        return page_unavailable(rq);
    if (!found) {
        rq->message = "There is no offering with this code. Coaching lists the offerings you facilitate.";
        return 404;
    }
    if (!access_allows(rq, ACCESS_FACILITATE, o->id)) {
        rq->message = "This offering's roster is open to its own coaches and to staff. Coaching lists the "
                      "offerings you facilitate.";
        return 403;
    }
    return 0;
}

/* The offering's heading keys: code, course_title, dates_label, and the
** addresses of its roster, CSV and workspace. A new object. */
static json_t *offering_json(request *rq, const roster_offering *o)
{
    int32_t first = 0, last = 0;
    buf label = BUF_INIT;
    if (date_parse(o->starts, &first) == 0 && date_parse(o->ends, &last) == 0)
        date_range_label(&label, first, last);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "code", o->code, "course_title",
                          o->course_title ? o->course_title : "", "dates_label", buf_str(&label), "time_zone",
                          o->time_zone ? o->time_zone : "UTC", "roster_url",
                          arena_printf(rq->a, "/coach/offerings/%s/roster", o->code), "csv_url",
                          arena_printf(rq->a, "/coach/offerings/%s/roster.csv", o->code), "workspace_url",
                          arena_printf(rq->a, "/learn/%s", o->code));
    buf_free(&label);
    return j;
}

/* "3 of 8" in a. */
static const char *of_label(arena *a, int done, int total)
{
    return arena_printf(a, "%d of %d", done, total);
}

/* One participant's roster line as the templates read it. A new object. */
static json_t *row_json(request *rq, const roster_offering *o, const roster_row *r)
{
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:b, s:b, s:b}", "user_id",
        (json_int_t)r->user_id, "name", r->name ? r->name : "", "email", r->email ? r->email : "", "time_zone",
        r->time_zone ? r->time_zone : "UTC", "url",
        arena_printf(rq->a, "/coach/offerings/%s/people/%lld", o->code, (long long)r->user_id), "panel", r->panel,
        "playlist_label", of_label(rq->a, r->playlist_done, o->n_playlist), "prompts_label",
        of_label(rq->a, r->prompts_posted, o->n_prompts), "activities_label",
        of_label(rq->a, r->activities_submitted, o->n_activities), "posts", r->posts, "submissions", r->submissions,
        "waiting", r->waiting, "posts_label",
        r->posts == 1 ? "1 post" : arena_printf(rq->a, "%d posts", r->posts), "seen", r->last_seen > 0,
        "completed", r->completed_at > 0, "has_waiting", r->waiting > 0);
    if (r->last_seen > 0) {
        json_object_set_new(j, "seen_label", json_string(page_when_label(rq, r->last_seen)));
        json_object_set_new(j, "seen_iso", json_string(page_when_iso(rq, r->last_seen)));
    }
    if (r->completed_at > 0)
        json_object_set_new(j, "completed_label", json_string(page_when_label(rq, r->completed_at)));
    if (r->unread_messages > 0)
        json_object_set_new(j, "unread_label", json_string(r->unread_messages == 1 ? "1 new message"
                                                           : arena_printf(rq->a, "%d new messages",
                                                                          r->unread_messages)));
    json_object_set_new(j, "submissions_label",
                        json_string(r->submissions == 1 ? "1 version" : arena_printf(rq->a, "%d versions",
                                                                                      r->submissions)));
    return j;
}

/* The roster page asked for by ?page= (1 when absent) into *page: 0, or
** 400 with a message when it is not a whole number from 1. */
static int page_param(request *rq, int *page)
{
    const char *s = kv_get(&rq->query, "page");
    *page = 1;
    if (!s)
        return 0;
    char *end;
    long n = strtol(s, &end, 10);
    if (!*s || *end || n < 1 || n > 1000000) {
        rq->message = "A roster page is a whole number from 1 on; follow the page links under the roster.";
        return 400;
    }
    *page = (int)n;
    return 0;
}

/* The view of one roster page (a page_view_fn for page_render_kept): the
** offering and page were checked by page_coach_roster, access too; this
** reads them again (a kept page is built only when its version moved).
** Nothing in it depends on who asks but their time zone (the "last seen"
** labels), which is part of the key. 0, or 400/403/404/503 with
** rq->message set. */
static int roster_view(request *rq, int32_t today, page_view *pv)
{
    (void)today;
    roster_offering o;
    int page, rc = page_param(rq, &page);
    if (rc || (rc = load_offering(rq, &o)))
        return rc;
    db *d = page_app(rq)->db;
    int total = store_roster_count(d, &o);
    if (total < 0)
        return page_unavailable(rq);
    int pages = total ? (total + ROSTER_PAGE - 1) / ROSTER_PAGE : 1;
    if (page > pages) {
        rq->message = arena_printf(rq->a, "This roster has %d page%s; follow the page links under the roster.",
                                   pages, pages == 1 ? "" : "s");
        return 404;
    }
    roster_row *list;
    int n;
    if (store_roster_page(d, rq->a, &o, ROSTER_PAGE, (page - 1) * ROSTER_PAGE, &list, &n) != 0)
        return page_unavailable(rq);
    json_t *rows = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(rows, row_json(rq, &o, &list[i]));
    int first = total ? (page - 1) * ROSTER_PAGE + 1 : 0, lastn = (page - 1) * ROSTER_PAGE + n;
    json_t *paging = json_pack("{s:i, s:i, s:i, s:i, s:i, s:b}", "page", page, "pages", pages, "first", first,
                               "last", lastn, "total", total, "several", pages > 1);
    const char *base = arena_printf(rq->a, "/coach/offerings/%s/roster", o.code);
    if (page > 1)
        json_object_set_new(paging, "prev_url", json_string(arena_printf(rq->a, "%s?page=%d", base, page - 1)));
    if (page < pages)
        json_object_set_new(paging, "next_url", json_string(arena_printf(rq->a, "%s?page=%d", base, page + 1)));
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:i, s:s, s:b}", "offering", offering_json(rq, &o), "participants",
                            rows, "paging", paging, "total", total, "total_label",
                            total == 1 ? "1 participant" : arena_printf(rq->a, "%d participants", total),
                            "has_participants", total > 0);
    if (!ctx)
        return page_unavailable(rq);
    pv->ctx = ctx;
    pv->title = arena_printf(rq->a, "Roster: %s", o.course_title ? o.course_title : o.code);
    return 0;
}

/* How long a kept roster page stays good at most. Every change it shows
** is a write, and each such write moves the version it is kept under;
** this only bounds what an unforeseen path could hide. */
enum { ROSTER_KEEP_SECONDS = 60 };

/* page_keep's expiry for a roster page. */
static time_t roster_expires(request *rq, time_t now)
{
    (void)rq;
    return now + ROSTER_KEEP_SECONDS;
}

/* GET /coach/offerings/CODE/roster?page=N: one page of the roster for a
** coach of the offering or staff. The page is checked and access decided
** on every request; the rendered roster is then kept per worker under the
** offering's version (store_cohort_version: a post, a submission, a
** feedback decision, a sign-off or a message there moves it, by any worker
** or process, so it shows on the next request in every worker; a write
** about another offering does not), keyed by offering, page and the
** asker's time zone. 0, or 400 (a bad page number), 403, 404 (no such
** offering or page) or 503 with rq->message set. */
int page_coach_roster(request *rq, response *rs)
{
    roster_offering o;
    int page, rc = page_param(rq, &page);
    if (rc)
        return rc;
    db *d = page_app(rq)->db;
    /* One read for the whole page: the offering, the version and what is
    ** built under it see one state of the database (and take its lock
    ** once, not for each statement). */
    int reading = db_begin_read(d) == 0;
    uint64_t version = 0;
    if ((rc = load_offering(rq, &o))) {
        /* refused or missing: nothing kept, nothing shown */
    } else if (!reading || store_cohort_version(d, o.id, &version) != 0) {
        rc = page_render_kept(rq, rs, "pages/coach_roster", NULL, NULL, roster_view);
    } else {
        const char *zone = rq->session->u.time_zone ? rq->session->u.time_zone : "";
        page_keep k = {arena_printf(rq->a, "roster %lld %d %zu:%s", (long long)o.id, page, strlen(zone), zone),
                       version, -1, roster_expires};
        rc = page_render_kept(rq, rs, "pages/coach_roster", NULL, &k, roster_view);
    }
    if (reading)
        db_rollback(d);
    return rc;
}

/* ---- the roster as CSV ---------------------------------------------------------- */

/* What each CSV line is written with. */
typedef struct csv_ctx {
    const roster_offering *o;
    http_stream *out;
} csv_ctx;

/* An instant as "2026-12-02T13:05:00Z" into out (32 bytes), or "" for 0:
** on the stack, so a streamed roster's memory does not grow per line. */
static const char *iso_or_empty(char *out, time_t t)
{
    struct tm tm;
    out[0] = '\0';
    if (t > 0 && gmtime_r(&t, &tm))
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

/* Write one participant's line (a store_roster_each callback) and send it
** on when a chunk is full: 0, or 1 to stop when the client is gone. */
static int csv_line(void *arg, const roster_row *r)
{
    csv_ctx *c = arg;
    buf *b = &c->out->pending;
    char when[32];
    csv_text(b, r->name, 1);
    csv_text(b, r->email, 0);
    csv_text(b, r->time_zone, 0);
    csv_text(b, iso_or_empty(when, r->last_seen), 0);
    csv_text(b, r->panel ? "yes" : "no", 0);
    csv_int(b, r->playlist_done, 0);
    csv_int(b, c->o->n_playlist, 0);
    csv_int(b, r->prompts_posted, 0);
    csv_int(b, c->o->n_prompts, 0);
    csv_int(b, r->posts, 0);
    csv_int(b, r->activities_submitted, 0);
    csv_int(b, c->o->n_activities, 0);
    csv_int(b, r->submissions, 0);
    csv_int(b, r->waiting, 0);
    csv_text(b, r->completed_at > 0 ? "signed off" : "in progress", 0);
    csv_text(b, iso_or_empty(when, r->completed_at), 0);
    csv_end(b);
    return http_stream_flush(c->out, 0) != 0;
}

/* The roster's body (an http_body_fn; state is the roster_offering): the
** header line, then a line per participant as it is read. 0, or -1 when
** the read failed half-way. */
static int roster_csv_body(request *rq, void *state, http_stream *out)
{
    const roster_offering *o = state;
    static const char *const head[] = {"Name", "Email", "Time zone", "Last seen (UTC)", "Panel watched",
                                       "Playlist items done", "Playlist items", "Prompts posted in", "Prompts",
                                       "Posts", "Activities handed in", "Activities", "Versions handed in",
                                       "Waiting for feedback", "Completion", "Signed off (UTC)"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        csv_text(&out->pending, head[i], i == 0);
    csv_end(&out->pending);
    csv_ctx c = {o, out};
    if (store_roster_each(page_app(rq)->db, o, csv_line, &c) != 0)
        return -1;
    return out->failed ? -1 : 0;
}

/* GET /coach/offerings/CODE/roster.csv: the whole roster as CSV, streamed
** (http.h): a line per participant written as it is read, every text cell
** neutralised by csv.h. 0, or 403/404/503 with rq->message set, decided
** before the first byte. */
int page_coach_roster_csv(request *rq, response *rs)
{
    roster_offering *o = arena_alloc(rq->a, sizeof *o);
    int rc = load_offering(rq, o);
    if (rc)
        return rc;
    rs->content_type = "text/csv; charset=utf-8";
    http_header(rs, "Content-Disposition", arena_printf(rq->a, "attachment; filename=\"roster-%s.csv\"", o->code));
    rs->stream = roster_csv_body;
    rs->stream_state = o;
    return 0;
}

/* ---- the private thread of messages ------------------------------------------------ */

/* The thread as the templates read it: each message with its anchor,
** author, time, body and whether the reader wrote it. NULL on a read
** error. */
static json_t *messages_json(request *rq, int64_t offering_id, int64_t participant_id)
{
    message_row *list;
    int n;
    if (store_messages(page_app(rq)->db, rq->a, offering_id, participant_id, &list, &n) != 0)
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        const message_row *m = &list[i];
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "id", (json_int_t)m->id,
                                           "anchor", arena_printf(rq->a, "message-%lld", (long long)m->id),
                                           "author_name", m->author_name ? m->author_name : "", "body_html",
                                           m->body_html ? m->body_html : "", "when_label",
                                           page_when_label(rq, m->created_at), "when_iso",
                                           page_when_iso(rq, m->created_at), "mine",
                                           m->author_id == rq->session->u.id, "from_participant",
                                           m->author_id == participant_id));
    }
    return a;
}

/* The form keys (errors, error, values, has_errors) from a refusal d
** (NULL: a fresh form) and the text sent, into ctx. */
static void form_keys(json_t *ctx, const domain *d, const char *body)
{
    json_t *errors = json_object();
    if (d && d->message) {
        if (d->field)
            json_object_set_new(errors, d->field, json_string(d->message));
        else
            json_object_set_new(ctx, "error", json_string(d->message));
    }
    json_object_set_new(ctx, "errors", errors);
    json_object_set_new(ctx, "values", json_pack("{s:s}", "body", body ? body : ""));
    json_object_set_new(ctx, "has_errors", json_boolean(d && d->message));
}

/* ---- one participant, for the coach ------------------------------------------------- */

/* Load the offering (checked as load_offering does) and the participant in
** capture 1 into o and r. 0, or 403/404/503 with rq->message set. */
static int load_person(request *rq, roster_offering *o, roster_row *r)
{
    int rc = load_offering(rq, o);
    if (rc)
        return rc;
    int64_t id = id_of(rq->param[1]);
    int found = id ? store_roster_person(page_app(rq)->db, rq->a, o, id, r) : 0;
    if (found < 0)
        return page_unavailable(rq);
    if (!found) {
        rq->message = "This person is not a participant of this offering. The roster lists everyone who is.";
        return 404;
    }
    return 0;
}

/* Render a participant's page for the coach, with d's refusal and the
** message text sent (both may be NULL). */
static int person_page(request *rq, response *rs, const roster_offering *o, const roster_row *r, const domain *d,
                       const char *body)
{
    db *dbh = page_app(rq)->db;
    roster_post_row *posts;
    roster_sub_row *subs;
    int np, ns;
    if (store_roster_posts(dbh, rq->a, o->id, r->user_id, PERSON_POSTS, &posts, &np) != 0 ||
        store_roster_submissions(dbh, rq->a, o->id, r->user_id, PERSON_SUBMISSIONS, &subs, &ns) != 0)
        return page_unavailable(rq);
    /* the coach has now seen what the participant wrote */
    if (!d && store_messages_read(dbh, o->id, r->user_id, 0, time(NULL)) < 0)
        return page_unavailable(rq);
    json_t *messages = messages_json(rq, o->id, r->user_id);
    if (!messages)
        return page_unavailable(rq);
    json_t *pa = json_array();
    for (int i = 0; i < np; i++)
        json_array_append_new(pa, json_pack("{s:s, s:s, s:s, s:s}", "thread_title", posts[i].thread_title,
                                            "url", arena_printf(rq->a, "/learn/%s/threads/%lld#post-%lld", o->code,
                                                                (long long)posts[i].thread_id,
                                                                (long long)posts[i].id),
                                            "when_label", page_when_label(rq, posts[i].created_at), "when_iso",
                                            page_when_iso(rq, posts[i].created_at)));
    json_t *sa = json_array();
    for (int i = 0; i < ns; i++) {
        const char *st = subs[i].state ? subs[i].state : "waiting";
        const char *label = !strcmp(st, "complete") ? "Complete"
                            : !strcmp(st, "revise") ? "Asked to revise" : "Waiting for feedback";
        json_array_append_new(sa, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:b}", "item_title",
                                            subs[i].item_title ? subs[i].item_title : "", "version",
                                            subs[i].version, "url",
                                            arena_printf(rq->a, "/learn/%s/submissions/%lld", o->code,
                                                         (long long)subs[i].id),
                                            "state_label", label, "when_label", page_when_label(rq, subs[i].created_at),
                                            "when_iso", page_when_iso(rq, subs[i].created_at), "waiting",
                                            !strcmp(st, "waiting")));
    }
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:s}", "offering", offering_json(rq, o), "person",
                            row_json(rq, o, r), "posts", pa, "submissions", sa, "messages", messages, "send_url",
                            arena_printf(rq->a, "/coach/offerings/%s/people/%lld/messages", o->code,
                                         (long long)r->user_id),
                            "csrf", rq->csrf ? rq->csrf : "");
    form_keys(ctx, d, body);
    if (d && d->message)
        rs->status = 422;
    return page_render(rq, rs, "pages/coach_person", ctx, r->name ? r->name : "Participant", NULL);
}

/* GET /coach/offerings/CODE/people/ID: one participant for the coaches
** and staff; opening it marks the participant's messages read. 0, or
** 403/404/503 with rq->message set. */
int page_coach_person(request *rq, response *rs)
{
    roster_offering o;
    roster_row r;
    int rc = load_person(rq, &o, &r);
    if (rc)
        return rc;
    return person_page(rq, rs, &o, &r, NULL, NULL);
}

/* POST /coach/offerings/CODE/people/ID/messages: write to the
** participant (roster_message). 303 to the message; 422 with the page and
** the text kept when it is refused; else the domain's status. */
int page_coach_message(request *rq, response *rs)
{
    roster_offering o;
    roster_row r;
    int rc = load_person(rq, &o, &r);
    if (rc)
        return rc;
    const char *body = kv_get(&rq->form, "body");
    domain d = dom(rq);
    int64_t id = 0;
    rc = roster_message(&d, o.id, o.code, r.user_id, rq->session->u.name, body, &id);
    if (rc == DOM_INVALID)
        return person_page(rq, rs, &o, &r, &d, body);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    http_redirect(rs, 303, arena_printf(rq->a, "/coach/offerings/%s/people/%lld#message-%lld", o.code,
                                        (long long)r.user_id, (long long)id));
    return 0;
}

/* ---- the participant's side: /learn/CODE/messages --------------------------------- */

/* Only a participant has a thread with the coaches; a coach or staff
** member is sent to the roster, where every participant's thread is. 0
** when rq's seat is a participant's, else 303 set on rs. */
static int coaches_elsewhere(request *rq, response *rs)
{
    if (rq->seat->role == SEAT_PARTICIPANT)
        return 0;
    http_redirect(rs, 303, arena_printf(rq->a, "/coach/offerings/%s/roster", rq->seat->row.code));
    return 303;
}

/* Render the participant's thread with d's refusal and the text sent. */
static int messages_page(request *rq, response *rs, const domain *d, const char *body)
{
    const seat *st = rq->seat;
    int64_t me = rq->session->u.id;
    if (!d && store_messages_read(page_app(rq)->db, st->row.offering_id, me, 1, time(NULL)) < 0)
        return page_unavailable(rq);
    json_t *messages = messages_json(rq, st->row.offering_id, me);
    if (!messages)
        return page_unavailable(rq);
    json_t *ctx = json_pack("{s:o*, s:o, s:s, s:s}", "ws", page_ws(rq, "messages"), "messages", messages, "send_url",
                            arena_printf(rq->a, "/learn/%s/messages", st->row.code), "csrf",
                            rq->csrf ? rq->csrf : "");
    form_keys(ctx, d, body);
    if (d && d->message)
        rs->status = 422;
    return page_render(rq, rs, "pages/messages", ctx, "Messages with your coaches", NULL);
}

/* GET /learn/CODE/messages: the participant's thread with the coaches
** (marks the coaches' messages read); a coach or staff member is sent
** to the roster. 0 or 503. */
int page_messages(request *rq, response *rs)
{
    if (coaches_elsewhere(rq, rs))
        return 0;
    return messages_page(rq, rs, NULL, NULL);
}

/* POST /learn/CODE/messages: the participant writes to the coaches. 303
** to the message; 403 for anyone else; 422 with the page and the text
** kept when it is refused; else the domain's status. */
int page_messages_send(request *rq, response *rs)
{
    if (rq->seat->role != SEAT_PARTICIPANT) {
        rq->message = "Coaches write to a participant from the participant's page in the roster.";
        return 403;
    }
    const char *body = kv_get(&rq->form, "body");
    domain d = dom(rq);
    int64_t id = 0;
    int rc = roster_message(&d, rq->seat->row.offering_id, rq->seat->row.code, rq->session->u.id,
                            rq->session->u.name, body, &id);
    if (rc == DOM_INVALID)
        return messages_page(rq, rs, &d, body);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    http_redirect(rs, 303, arena_printf(rq->a, "/learn/%s/messages#message-%lld", rq->seat->row.code, (long long)id));
    return 0;
}
