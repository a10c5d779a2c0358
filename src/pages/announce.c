/*
** announce.c: a workspace's announcements: the list everyone with a seat
** reads, the form coaches and staff write with (now or at a chosen time),
** withdrawing a scheduled one, and the latest one as the week page shows
** it.
**
** Every route is R_WORKSPACE, so the dispatcher has found the person's
** seat in the offering named by the first capture. Writing and
** withdrawing are asked of access_allows(ACCESS_FACILITATE) for the
** offering; an announcement loaded by id must belong to the offering in
** the address (404 otherwise), so a coach of one offering finds nothing of
** another's here.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "announce.h"
#include "app.h"
#include "pages.h"
#include "store_announce.h"
#include "tz.h"

/* The domain context for rq, acting as the signed-in person. */
static domain dom(request *rq)
{
    return domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session->u.id, time(NULL));
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

/* The id in a route capture: > 0, or 0 when s is not one. */
static int64_t id_of(const char *s)
{
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
        return 0;
    return (int64_t)strtoll(s, NULL, 10);
}

/* The zone a writer's scheduled time is read in: their account's, or the
** offering's when the account's is not one the system knows. */
static const char *writer_zone(const request *rq)
{
    const char *z = rq->session->u.time_zone;
    if (z && tz_valid(z))
        return z;
    z = rq->seat->row.time_zone;
    return z && tz_valid(z) ? z : "UTC";
}

/* One announcement as the template reads it; can_cancel adds the address
** that withdraws a scheduled one. */
static json_t *row_json(request *rq, const announce_row *r, int can_cancel)
{
    time_t when = r->sent_at ? r->sent_at : r->publish_at;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)r->id, "anchor",
                          arena_printf(rq->a, "announcement-%lld", (long long)r->id), "title", r->title,
                          "author_name", r->author_name ? r->author_name : "", "body_html", r->body_html,
                          "when_label", page_when_label(rq, when), "when_iso", page_when_iso(rq, when), "scheduled",
                          r->sent_at == 0);
    if (o && can_cancel && !r->sent_at)
        json_object_set_new(o, "cancel_url", json_string(arena_printf(rq->a, "/learn/%s/announcements/%lld/cancel",
                                                                      rq->seat->row.code, (long long)r->id)));
    return o;
}

/* Render the announcements page (?page=) with d's refusal and the values
** sent (both may be NULL; values is consumed). */
static int list_page(request *rq, response *rs, const domain *d, json_t *values)
{
    db *dbh = page_app(rq)->db;
    const seat *st = rq->seat;
    int may = access_allows(rq, ACCESS_FACILITATE, st->row.offering_id);
    int total = store_announce_count(dbh, st->row.offering_id);
    if (total < 0) {
        json_decref(values);
        return page_unavailable(rq);
    }
    int pages = total ? (total + ANNOUNCE_PAGE - 1) / ANNOUNCE_PAGE : 1;
    int page = page_number(rq);
    if (page > pages)
        page = pages;
    /* Scheduled ones (for those who may announce) lead the first page. */
    announce_row *list;
    int n;
    if (store_announce_list(dbh, rq->a, st->row.offering_id, may && page == 1, page == 1 && may ? 1000 + ANNOUNCE_PAGE
                                                                                                : ANNOUNCE_PAGE,
                            (page - 1) * ANNOUNCE_PAGE, &list, &n) != 0) {
        json_decref(values);
        return page_unavailable(rq);
    }
    json_t *items = json_array();
    int published = 0;
    for (int i = 0; i < n && published < ANNOUNCE_PAGE; i++) {
        published += list[i].sent_at != 0;
        json_array_append_new(items, row_json(rq, &list[i], may));
    }
    const char *base = arena_printf(rq->a, "/learn/%s/announcements", st->row.code);
    json_t *pg = json_pack("{s:i, s:i, s:b}", "page", page, "pages", pages, "several", pages > 1);
    if (page > 1)
        json_object_set_new(pg, "prev_url", json_string(arena_printf(rq->a, "%s?page=%d", base, page - 1)));
    if (page < pages)
        json_object_set_new(pg, "next_url", json_string(arena_printf(rq->a, "%s?page=%d", base, page + 1)));
    json_t *errors = json_object();
    json_t *ctx = json_pack("{s:o*, s:o, s:o, s:b, s:s, s:s, s:o, s:o, s:b}", "ws", page_ws(rq, "announcements"),
                            "announcements", items, "pagination", pg, "can_announce", may, "zone", writer_zone(rq),
                            "action", base, "errors", errors, "values", values ? values : json_object(),
                            "has_errors", d && d->message);
    if (ctx && d && d->message) {
        if (d->field)
            json_object_set_new(errors, d->field, json_string(d->message));
        else
            json_object_set_new(ctx, "error", json_string(d->message));
        rs->status = 422;
    }
    return page_render(rq, rs, "pages/announcements", ctx, "Announcements", NULL);
}

/* GET /learn/CODE/announcements (?page=): the list, and the form for the
** offering's coaches and staff. 0, or 503 when the store cannot be read. */
int page_announcements(request *rq, response *rs)
{
    return list_page(rq, rs, NULL, NULL);
}

/* POST /learn/CODE/announcements: post one now or schedule it, as a coach
** of the offering or staff (403 for anyone else, nothing written). A
** refusal of the input comes back as the page with the form filled and a
** 422; otherwise a 303 to the list with a notice. */
int page_announce_post(request *rq, response *rs)
{
    const seat *st = rq->seat;
    if (!access_allows(rq, ACCESS_FACILITATE, st->row.offering_id)) {
        rq->message = "Only the coaches of this course post announcements. To reach everyone, start a thread in "
                      "the discussions.";
        return 403;
    }
    const char *title = kv_get(&rq->form, "title"), *body = kv_get(&rq->form, "body");
    const char *when = kv_get(&rq->form, "when"), *local = kv_get(&rq->form, "publish_at");
    int later = when && !strcmp(when, "later");
    domain d = dom(rq);
    time_t at = 0;
    int rc = DOM_OK;
    if (when && strcmp(when, "now") && !later)
        rc = domain_refuse(&d, DOM_INVALID, "publish_at", "Choose when to publish it: now, or at a time you choose.");
    else if (later && (!local || !*local))
        rc = domain_refuse(&d, DOM_INVALID, "publish_at", "Give the date and time to publish it, or choose Now.");
    else if (later && announce_when(local, writer_zone(rq), &at) != 0)
        rc = domain_refuse(&d, DOM_INVALID, "publish_at", "Give the date and time as a date and a time of day, "
                                                          "for example 2030-03-05 09:00.");
    else if (later && at <= d.now)
        rc = domain_refuse(&d, DOM_INVALID, "publish_at", "That time has passed. Choose a time still to come, or "
                                                          "choose Now.");
    int64_t id = 0;
    if (rc == DOM_OK)
        rc = announce_post(&d, st->row.offering_id, st->row.code, title, body, later ? at : 0, &id);
    if (rc == DOM_INVALID)
        return list_page(rq, rs, &d,
                         json_pack("{s:s, s:s, s:s, s:b}", "title", title ? title : "", "body", body ? body : "",
                                   "publish_at", local ? local : "", "later", later));
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, later ? "announcement-scheduled" : "announcement-posted");
    http_redirect(rs, 303, arena_printf(rq->a, "/learn/%s/announcements", st->row.code));
    return 0;
}

/* POST /learn/CODE/announcements/ID/cancel: withdraw a scheduled
** announcement of this offering. Who may is asked first, for the offering
** in the address (so a participant learns nothing of which ids exist);
** an id of another offering is not found here. 303 to the list, or
** 403/404/409/503 with rq->message. */
int page_announce_cancel(request *rq, response *rs)
{
    if (!access_allows(rq, ACCESS_FACILITATE, rq->seat->row.offering_id)) {
        rq->message = "Only the coaches of this course can withdraw its announcements.";
        return 403;
    }
    int64_t id = id_of(rq->param[1]);
    announce_row r;
    int found = id ? store_announce_get(page_app(rq)->db, rq->a, id, &r) : 0;
    if (found < 0)
        return page_unavailable(rq);
    if (!found || r.offering_id != rq->seat->row.offering_id) {
        rq->message = "There is no announcement at this address. The course's announcements page lists them all.";
        return 404;
    }
    domain d = dom(rq);
    int rc = announce_cancel(&d, id);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "announcement-withdrawn");
    http_redirect(rs, 303, arena_printf(rq->a, "/learn/%s/announcements", rq->seat->row.code));
    return 0;
}

/* The newest published announcement of the seat's offering, for the week
** page (see pages.h): a new JSON value the caller owns, or a JSON null. */
json_t *page_announce_latest(request *rq)
{
    const seat *st = rq->seat;
    announce_row *list;
    int n;
    if (!st || store_announce_list(page_app(rq)->db, rq->a, st->row.offering_id, 0, 1, 0, &list, &n) != 0 || n == 0)
        return json_null();
    json_t *o = row_json(rq, &list[0], 0);
    if (o) {
        json_object_set_new(o, "url", json_string(arena_printf(rq->a, "/learn/%s/announcements#announcement-%lld",
                                                               st->row.code, (long long)list[0].id)));
        json_object_set_new(o, "all_url", json_string(arena_printf(rq->a, "/learn/%s/announcements", st->row.code)));
    }
    return o ? o : json_null();
}
