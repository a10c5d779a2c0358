/*
** plan.c: the staff console's calendar planning pages: the offerings
** list, creating and editing an offering (an edit that touches people
** registered shows its effect first), publishing and withdrawing one, and
** seasons: review, copy from an earlier one, publish in one step. HTTP
** glue only: the rules are in domain/plan.c, the SQL in store/plan.c.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "date.h"
#include "enrol.h"
#include "escape.h"
#include "pages.h"
#include "plan.h"

/* The domain context for the signed-in staff member. */
static domain dom(request *rq)
{
    return domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session->u.id, time(NULL));
}

/* The one access decision for the planning pages beyond the route's
** R_STAFF: 0, or 403 with a message. */
static int staff_only(request *rq)
{
    if (access_allows(rq, ACCESS_STAFF, 0))
        return 0;
    rq->message = "This page is for the staff who run the series.";
    return 403;
}

/* The review page of season name, percent-encoded as one path segment,
** as a safe local path in rq's arena. */
static const char *season_path(request *rq, const char *name)
{
    buf b = BUF_INIT;
    buf_printf(&b, "/staff/seasons/");
    esc_url(&b, name, strlen(name));
    const char *p = buf_failed(&b) ? "/staff/seasons" : arena_strndup(rq->a, buf_str(&b), b.len);
    buf_free(&b);
    return http_local_path(rq->a, p, "/staff/seasons");
}

/* "21–25 October 2027" for two ISO days, in a. */
static const char *span_label(arena *a, const char *s, const char *e)
{
    int32_t x = 0, y = 0;
    if (date_parse(s, &x) != 0 || date_parse(e, &y) != 0)
        return "";
    buf b = BUF_INIT;
    date_range_label(&b, x, y);
    const char *t = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return t;
}

/* An offering as the console templates read it: a new object. */
static json_t *offering_view(request *rq, const plan_offering *o)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:b, s:b,"
                          " s:I, s:s?, s:s, s:s, s:s}",
                          "code", o->code, "course_slug", o->course_slug, "course_title", o->course_title, "starts",
                          o->starts, "ends", o->ends, "closes", o->closes, "opens", o->opens, "currency", o->currency,
                          "season", o->season, "time_zone", o->time_zone, "managed_by", o->managed_by, "capacity",
                          o->capacity, "taken", o->taken, "live", o->live, "waitlisted", o->waitlisted, "published",
                          o->published, "demo", o->demo, "revision", (json_int_t)o->revision, "coach_names",
                          o->coach_names, "dates_label", span_label(rq->a, o->starts, o->ends), "price_label",
                          enrol_money(rq->a, o->price_cents, o->currency), "price",
                          arena_printf(rq->a, "%lld.%02lld", (long long)(o->price_cents / 100),
                                       (long long)(o->price_cents % 100)));
    if (j) {
        json_object_set_new(j, "from_file", json_boolean(!strcmp(o->managed_by, "file")));
        json_object_set_new(j, "edit_url", json_string(arena_printf(rq->a, "/staff/offerings/%s/edit", o->code)));
        json_object_set_new(j, "roster_url", json_string(arena_printf(rq->a, "/staff/offerings/%s", o->code)));
        json_object_set_new(j, "season_url", json_string(arena_printf(rq->a, "/staff/seasons/%s", o->season)));
    }
    return j;
}

int page_plan_offerings(request *rq, response *rs)
{
    int denied = staff_only(rq);
    if (denied)
        return denied;
    plan_offering *list;
    int n;
    if (store_plan_offerings(page_app(rq)->db, rq->a, NULL, &list, &n) != 0)
        return page_unavailable(rq);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, offering_view(rq, &list[i]));
    return page_render(rq, rs, "pages/staff_plan_offerings", json_pack("{s:o}", "offerings", arr), "Offerings", NULL);
}

/* The offering form page: values (the fields as shown), errors, the
** chosen coach ids (an array of integers), and whether it edits code. */
static int form_page(request *rq, response *rs, json_t *values, json_t *errors, json_t *chosen, const char *code)
{
    app *ap = page_app(rq);
    plan_course *courses;
    plan_person *coaches;
    int nc, np;
    if (store_plan_courses(ap->db, rq->a, &courses, &nc) != 0 || store_plan_coaches(ap->db, rq->a, &coaches, &np) != 0) {
        json_decref(values);
        json_decref(errors);
        json_decref(chosen);
        return page_unavailable(rq);
    }
    const char *course = json_string_value(json_object_get(values, "course"));
    json_t *copts = json_array(), *popts = json_array();
    for (int i = 0; i < nc; i++)
        json_array_append_new(copts, json_pack("{s:s, s:s, s:b}", "slug", courses[i].slug, "title", courses[i].title,
                                               "selected", course && !strcmp(course, courses[i].slug)));
    for (int i = 0; i < np; i++) {
        int on = 0;
        size_t k;
        json_t *c;
        json_array_foreach(chosen, k, c) on |= json_integer_value(c) == coaches[i].id;
        json_array_append_new(popts, json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)coaches[i].id, "name",
                                               coaches[i].name, "email", coaches[i].email, "checked", on));
    }
    json_decref(chosen);
    int has = json_object_size(errors) > 0;
    if (has && rs->status < 400)
        rs->status = 422;
    json_t *ctx = json_pack("{s:o, s:o, s:b, s:o, s:o, s:b, s:s?, s:s}", "values", values, "errors", errors, "has_errors",
                            has, "courses", copts, "coaches", popts, "editing", code != NULL, "code", code, "action",
                            code ? arena_printf(rq->a, "/staff/offerings/%s/edit", code) : "/staff/offerings");
    if (rq->message && ctx)
        json_object_set_new(ctx, "error", json_string(rq->message));
    return page_render(rq, rs, "pages/staff_plan_form", ctx, code ? "Edit offering" : "New offering", NULL);
}

/* The form's fields as sent, into in (coaches pointing into rq's arena)
** and as the values object the form shows again. */
static json_t *read_form(request *rq, plan_input *in, json_t **chosen)
{
    const kvlist *f = &rq->form;
    in->code = kv_get(f, "code");
    in->course = kv_get(f, "course");
    in->starts = kv_get(f, "starts");
    in->ends = kv_get(f, "ends");
    in->opens = kv_get(f, "opens");
    in->closes = kv_get(f, "closes");
    in->price = kv_get(f, "price");
    in->currency = kv_get(f, "currency");
    in->capacity = kv_get(f, "capacity");
    in->season = kv_get(f, "season");
    in->time_zone = kv_get(f, "time_zone");
    size_t n = kv_count(f, "coach");
    const char **list = arena_alloc(rq->a, sizeof *list * (n + 1));
    *chosen = json_array();
    in->n_coaches = 0;
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->items[i].key, "coach")) {
            list[in->n_coaches++] = f->items[i].val;
            json_array_append_new(*chosen, json_integer(strtoll(f->items[i].val, NULL, 10)));
        }
    in->coaches = list;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "code", in->code ? in->code : "",
                     "course", in->course ? in->course : "", "starts", in->starts ? in->starts : "", "ends",
                     in->ends ? in->ends : "", "opens", in->opens ? in->opens : "", "closes",
                     in->closes ? in->closes : "", "price", in->price ? in->price : "", "currency",
                     in->currency ? in->currency : "", "capacity", in->capacity ? in->capacity : "", "season",
                     in->season ? in->season : "", "time_zone", in->time_zone ? in->time_zone : "");
}

int page_plan_new(request *rq, response *rs)
{
    int denied = staff_only(rq);
    if (denied)
        return denied;
    /* The zone of the latest season's offerings is the likeliest. */
    plan_offering *list;
    int n;
    if (store_plan_offerings(page_app(rq)->db, rq->a, NULL, &list, &n) != 0)
        return page_unavailable(rq);
    json_t *values = json_pack("{s:s, s:s, s:s, s:s, s:s}", "currency", n ? list[0].currency : "USD", "capacity", "40",
                               "price", "50.00", "time_zone", n ? list[0].time_zone : "UTC", "season",
                               n ? list[0].season : "");
    return form_page(rq, rs, values, json_object(), json_array(), NULL);
}

int page_plan_create(request *rq, response *rs)
{
    int denied = staff_only(rq);
    if (denied)
        return denied;
    plan_input in;
    json_t *chosen;
    json_t *values = read_form(rq, &in, &chosen);
    json_t *errors = json_object();
    domain d = dom(rq);
    plan_fields f;
    int64_t *coaches, id = 0;
    int n;
    int rc = plan_check(&d, &in, &f, &coaches, &n, errors);
    if (rc == DOM_OK)
        rc = plan_create(&d, &f, coaches, n, &id);
    if (rc == DOM_INVALID && d.field)
        json_object_set_new(errors, d.field, json_string(d.message));
    if (rc == DOM_INVALID)
        return form_page(rq, rs, values, errors, chosen, NULL);
    json_decref(values);
    json_decref(errors);
    json_decref(chosen);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "offering-created");
    http_redirect(rs, 303, http_local_path(rq->a, arena_printf(rq->a, "/staff/offerings/%s/edit", f.code), "/staff/offerings"));
    return 0;
}

/* The offering in param[0]: 0 with *o, or 404/503 with a message. Staff
** only (the route says so; asked again here for the object). */
static int load(request *rq, plan_offering *o)
{
    int denied = staff_only(rq);
    if (denied)
        return denied;
    int found = store_plan_offering(page_app(rq)->db, rq->a, rq->param[0], o);
    if (found < 0)
        return page_unavailable(rq);
    if (!found) {
        rq->message = "There is no offering with this code. The offerings page lists them all.";
        return 404;
    }
    return 0;
}

/* The coach ids of o as a JSON array of integers. */
static json_t *coach_array(const plan_offering *o)
{
    json_t *a = json_array();
    for (const char *p = o->coach_ids; p && *p;) {
        char *end;
        json_array_append_new(a, json_integer(strtoll(p, &end, 10)));
        p = *end == ',' ? end + 1 : end;
    }
    return a;
}

/* The edit form for o as stored. */
static int edit_page(request *rq, response *rs, const plan_offering *o)
{
    json_t *values = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "code", o->code,
                               "course", o->course_slug, "starts", o->starts, "ends", o->ends, "opens",
                               o->opens ? o->opens : "", "closes", o->closes, "price",
                               arena_printf(rq->a, "%lld.%02lld", (long long)(o->price_cents / 100),
                                            (long long)(o->price_cents % 100)),
                               "currency", o->currency, "capacity", arena_printf(rq->a, "%d", o->capacity), "season",
                               o->season, "time_zone", o->time_zone, "revision", (json_int_t)o->revision);
    json_object_set_new(values, "offering", offering_view(rq, o));
    return form_page(rq, rs, values, json_object(), coach_array(o), o->code);
}

int page_plan_edit(request *rq, response *rs)
{
    plan_offering o;
    int st = load(rq, &o);
    if (st)
        return st;
    if (strcmp(rq->method, "POST"))
        return edit_page(rq, rs, &o);
    plan_input in;
    json_t *chosen;
    json_t *values = read_form(rq, &in, &chosen);
    in.code = o.code;   /* codes are permanent */
    json_object_set_new(values, "code", json_string(o.code));
    json_object_set_new(values, "offering", offering_view(rq, &o));
    const char *rev = kv_get(&rq->form, "revision");
    json_object_set_new(values, "revision", json_integer(rev ? strtoll(rev, NULL, 10) : 0));
    /* The revision the form was made from: a change made since wins. */
    o.revision = rev ? strtoll(rev, NULL, 10) : -1;
    json_t *errors = json_object();
    domain d = dom(rq);
    plan_fields f;
    int64_t *coaches;
    int n;
    int rc = plan_check(&d, &in, &f, &coaches, &n, errors);
    plan_effect e = {0};
    if (rc == DOM_OK)
        rc = plan_effect_of(&d, &o, &f, &e);
    if (rc == DOM_INVALID && d.field)
        json_object_set_new(errors, d.field, json_string(d.message));
    if (rc == DOM_INVALID)
        return form_page(rq, rs, values, errors, chosen, o.code);
    if (rc == DOM_OK && (e.n_told > 0 || e.n_offered > 0) && !kv_get(&rq->form, "confirm")) {
        /* Explain first: who is told and who gets a seat, then the same
        ** form again with confirm=1. */
        json_t *told = json_array(), *offered = json_array(), *coach_list = json_array();
        for (int i = 0; i < e.n_told; i++)
            json_array_append_new(told, json_pack("{s:s, s:s, s:s}", "name", e.told[i].name, "email", e.told[i].email,
                                                  "status", e.told[i].status));
        for (int i = 0; i < e.n_offered; i++)
            json_array_append_new(offered, json_pack("{s:s, s:s}", "name", e.offered[i].name, "email",
                                                     e.offered[i].email));
        for (int i = 0; i < in.n_coaches; i++)
            json_array_append_new(coach_list, json_string(in.coaches[i]));
        json_decref(chosen);
        json_decref(errors);
        json_t *ctx = json_pack("{s:o, s:o, s:o, s:o, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "values", values, "told",
                                told, "offered", offered, "coaches", coach_list, "dates_changed", e.dates_changed,
                                "capacity_changed", e.capacity_changed, "n_told", e.n_told, "n_offered", e.n_offered,
                                "new_dates_label", span_label(rq->a, f.starts, f.ends), "action",
                                arena_printf(rq->a, "/staff/offerings/%s/edit", o.code), "code", o.code);
        return page_render(rq, rs, "pages/staff_plan_effect", ctx, "Before you save", NULL);
    }
    if (rc == DOM_OK)
        rc = plan_apply(&d, &o, &f, coaches, n);
    if (rc == DOM_INVALID && d.field) {
        json_object_set_new(errors, d.field, json_string(d.message));
        return form_page(rq, rs, values, errors, chosen, o.code);
    }
    json_decref(values);
    json_decref(errors);
    json_decref(chosen);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "offering-saved");
    http_redirect(rs, 303, http_local_path(rq->a, arena_printf(rq->a, "/staff/offerings/%s/edit", o.code), "/staff/offerings"));
    return 0;
}

/* Publish (on) or withdraw the offering in param[0]. */
static int publish_one(request *rq, response *rs, int on)
{
    plan_offering o;
    int st = load(rq, &o);
    if (st)
        return st;
    domain d = dom(rq);
    int rc = plan_publish(&d, &o, on);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, on ? "offering-published" : "offering-unpublished");
    http_redirect(rs, 303, http_local_path(rq->a, kv_get(&rq->form, "next"),
                                           arena_printf(rq->a, "/staff/offerings/%s/edit", o.code)));
    return 0;
}

int page_plan_publish(request *rq, response *rs)
{
    return publish_one(rq, rs, 1);
}

int page_plan_unpublish(request *rq, response *rs)
{
    return publish_one(rq, rs, 0);
}

int page_plan_seasons(request *rq, response *rs)
{
    int denied = staff_only(rq);
    if (denied)
        return denied;
    plan_season *list;
    int n;
    if (store_plan_seasons(page_app(rq)->db, rq->a, &list, &n) != 0)
        return page_unavailable(rq);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:i, s:s, s:s}", "name", list[i].name, "dates_label",
                                             span_label(rq->a, list[i].first, list[i].last), "offerings",
                                             list[i].offerings, "drafts", list[i].drafts, "url",
                                             arena_printf(rq->a, "/staff/seasons/%s", list[i].name), "copy_url",
                                             arena_printf(rq->a, "/staff/seasons/%s/copy", list[i].name)));
    return page_render(rq, rs, "pages/staff_plan_seasons", json_pack("{s:o}", "seasons", arr), "Seasons", NULL);
}

int page_plan_season(request *rq, response *rs)
{
    int denied = staff_only(rq);
    if (denied)
        return denied;
    plan_offering *list;
    int n;
    if (store_plan_offerings(page_app(rq)->db, rq->a, rq->param[0], &list, &n) != 0)
        return page_unavailable(rq);
    if (n == 0) {
        rq->message = "There is no season of this name. The seasons page lists them all.";
        return 404;
    }
    json_t *arr = json_array();
    int drafts = 0;
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, offering_view(rq, &list[i]));
        drafts += !list[i].published;
    }
    json_t *ctx = json_pack("{s:s, s:o, s:i, s:s, s:s}", "name", rq->param[0], "offerings", arr, "drafts", drafts,
                            "publish_url", arena_printf(rq->a, "/staff/seasons/%s/publish", rq->param[0]), "copy_url",
                            arena_printf(rq->a, "/staff/seasons/%s/copy", rq->param[0]));
    return page_render(rq, rs, "pages/staff_plan_season", ctx, arena_printf(rq->a, "Season %s", rq->param[0]), NULL);
}

int page_plan_season_publish(request *rq, response *rs)
{
    int denied = staff_only(rq);
    if (denied)
        return denied;
    domain d = dom(rq);
    int published = 0;
    int rc = plan_publish_season(&d, rq->param[0], &published);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "season-published");
    http_redirect(rs, 303, season_path(rq, rq->param[0]));
    return 0;
}

/* The copy form for season from, with values and errors. */
static int copy_page(request *rq, response *rs, json_t *values, json_t *errors)
{
    int has = json_object_size(errors) > 0;
    if (has)
        rs->status = 422;
    json_t *ctx = json_pack("{s:s, s:o, s:o, s:b, s:s}", "from", rq->param[0], "values", values, "errors", errors,
                            "has_errors", has, "action", arena_printf(rq->a, "/staff/seasons/%s/copy", rq->param[0]));
    return page_render(rq, rs, "pages/staff_plan_copy", ctx, "Copy a season", NULL);
}

int page_plan_season_copy(request *rq, response *rs)
{
    int denied = staff_only(rq);
    if (denied)
        return denied;
    plan_offering *list;
    int n;
    if (store_plan_offerings(page_app(rq)->db, rq->a, rq->param[0], &list, &n) != 0)
        return page_unavailable(rq);
    if (n == 0) {
        rq->message = "There is no season of this name to copy. The seasons page lists them all.";
        return 404;
    }
    if (strcmp(rq->method, "POST"))
        return copy_page(rq, rs, json_object(), json_object());
    const char *to = kv_get(&rq->form, "season"), *starts = kv_get(&rq->form, "starts");
    domain d = dom(rq);
    int copied = 0;
    int rc = plan_copy_season(&d, rq->param[0], to ? to : "", starts ? starts : "", &copied);
    if (rc == DOM_INVALID) {
        json_t *errors = json_object();
        json_object_set_new(errors, d.field ? d.field : "from", json_string(d.message));
        return copy_page(rq, rs, json_pack("{s:s, s:s}", "season", to ? to : "", "starts", starts ? starts : ""),
                         errors);
    }
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "season-copied");
    http_redirect(rs, 303, season_path(rq, to));
    return 0;
}
