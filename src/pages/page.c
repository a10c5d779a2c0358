/*
** page.c: rendering pages into the layout, the error page, and the
** presentation of offerings shared by every page that lists them.
*/
#include "pages.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "cache.h"
#include "date.h"
#include "enrol.h"
#include "ical.h"
#include "log.h"
#include "store_content.h"

/* The layout's site data, rebuilt when a publish changed the series; v is
** the content version when the caller has read it, or -1. */
static json_t *site(app *ap, int64_t v)
{
    if (v < 0)
        v = store_content_version(ap->db);
    if (ap->site && (v == ap->content_version || v < 0))
        return ap->site;
    json_decref(ap->site);
    json_t *series = store_series(ap->db);
    ap->site = json_object();
    if (series) {
        json_object_update(ap->site, series);
        json_decref(series);
    } else {
        json_object_set_new(ap->site, "title", json_string("Journeys"));
    }
    ap->content_version = v;
    return ap->site;
}

/* Render the layout around content (len bytes of HTML we rendered) into
** rs->body, with site_data (borrowed) and the person's part: who is signed
** in, the CSRF token, the notice. Returns 0 or 500. */
static int page_layout(request *rq, response *rs, json_t *site_data, const char *content, size_t len,
                       const char *title, const char *description, const char *nav)
{
    app *ap = page_app(rq);
    json_t *layout = json_object();
    json_object_set(layout, "site", site_data);
    json_t *page = json_pack("{s:s}", "title", title);
    if (description)
        json_object_set_new(page, "description", json_string(description));
    json_object_set_new(layout, "page", page);
    json_t *navs = json_object();
    if (nav)
        json_object_set_new(navs, nav, json_true());
    json_object_set_new(layout, "nav", navs);
    if (rq->session) {
        const user *u = &rq->session->u;
        json_object_set_new(layout, "user", json_pack("{s:s, s:s, s:s, s:b, s:b}", "name", u->name, "email", u->email,
                                                      "role", u->role, "is_staff", !strcmp(u->role, "staff"),
                                                      "is_coach", !strcmp(u->role, "coach")));
    }
    if (rq->csrf)
        json_object_set_new(layout, "csrf", json_string(rq->csrf));
    if (rq->flash)
        json_object_set_new(layout, "flash", json_string(rq->flash));
    /* Our own rendering of valid UTF-8 values: no need to check it again. */
    json_object_set_new(layout, "content_html", json_stringn_nocheck(content, len));
    int rc = tmpl_render(ap->tmpl, "layout", layout, &rs->body);
    json_decref(layout);
    if (rc != 0 || buf_failed(&rs->body)) {
        log_error("rendering the layout failed");
        buf_reset(&rs->body);
        return 500;
    }
    rs->content_type = NULL;
    return 0;
}

int page_unavailable(request *rq)
{
    rq->message = "Our records could not be read just now, so nothing was changed. Please try again in a minute.";
    return 503;
}

int page_render(request *rq, response *rs, const char *name, json_t *ctx,
                const char *title, const char *nav)
{
    app *ap = page_app(rq);
    if (!ctx) {
        log_error("rendering %s: no context (a read failed or memory ran out)", name);
        return page_unavailable(rq);
    }
    buf content = BUF_INIT;
    if (rq->csrf && !json_object_get(ctx, "csrf"))
        json_object_set_new(ctx, "csrf", json_string(rq->csrf));
    json_t *site_data = site(ap, -1);
    if (!json_object_get(ctx, "site"))
        json_object_set(ctx, "site", site_data);
    int rc = tmpl_render(ap->tmpl, name, ctx, &content);
    json_t *desc = json_object_get(ctx, "description");
    const char *description = json_is_string(desc) ? arena_strdup(rq->a, json_string_value(desc)) : NULL;
    json_decref(ctx);
    if (rc != 0 || buf_failed(&content)) {
        log_error("rendering %s failed", name);
        buf_free(&content);
        buf_reset(&rs->body);
        return 500;
    }
    rc = page_layout(rq, rs, site_data, buf_str(&content), content.len, title, description, nav);
    buf_free(&content);
    return rc;
}

/* Bounds of a worker's kept fragments: a few hundred pages of a catalog. */
enum { VIEWS_MAX_ENTRIES = 512, VIEWS_MAX_BYTES = 32 << 20 };

/* The worker's cache of page fragments, made on first use (after fork). */
static cache *views(app *ap)
{
    if (!ap->views)
        ap->views = cache_new(VIEWS_MAX_ENTRIES, VIEWS_MAX_BYTES);
    return ap->views;
}

/* A kept fragment is "title NUL has-description description NUL html":
** these split one. 0, or -1 when the bytes are not of that shape. */
static int fragment_split(arena *a, const char *p, size_t len, const char **title, const char **description,
                          const char **html, size_t *hlen)
{
    const char *end = p + len;
    const char *t_end = memchr(p, '\0', len);
    if (!t_end || t_end + 2 > end)
        return -1;
    int has = t_end[1] == '1';
    const char *d = t_end + 2;
    const char *d_end = memchr(d, '\0', (size_t)(end - d));
    if (!d_end)
        return -1;
    *title = arena_strdup(a, p);
    *description = has ? arena_strdup(a, d) : NULL;
    *html = d_end + 1;
    *hlen = (size_t)(end - *html);
    return 0;
}

int page_render_kept(request *rq, response *rs, const char *name, const char *nav, const page_keep *k,
                     page_view_fn build)
{
    app *ap = page_app(rq);
    time_t now = time(NULL);
    int32_t today = date_today();
    /* The day is part of the key: states and labels depend on it. */
    const char *key = k ? arena_printf(rq->a, "%s %s %ld", name, k->key, (long)today) : NULL;
    cache *c = key ? views(ap) : NULL;
    size_t len = 0;
    const char *kept = c ? cache_get(c, key, k->version, now, &len) : NULL;
    const char *title, *description, *html;
    size_t hlen;
    if (kept && fragment_split(rq->a, kept, len, &title, &description, &html, &hlen) == 0 &&
        (html = page_slots_apply(rq, html, hlen, &hlen)) != NULL)
        return page_layout(rq, rs, site(ap, k->site_version), html, hlen, title, description, nav);

    /* Read the expiry before the view, so a change while building only
    ** makes the copy shorter-lived. */
    time_t expires = c && k->expires ? k->expires(rq, now) : 0;
    page_view v = {NULL, NULL, NULL};
    int rc = build(rq, today, &v);
    if (rc != 0) {
        json_decref(v.ctx);
        return rc;
    }
    /* Nothing about the person asking goes into the kept part: no CSRF
    ** token, no user. A template that wants them gets nothing here. */
    json_t *site_data = site(ap, k ? k->site_version : -1);
    json_object_set(v.ctx, "site", site_data);
    json_object_set_new(v.ctx, "slot", page_slots(rq));
    buf body = BUF_INIT;
    rc = tmpl_render(ap->tmpl, name, v.ctx, &body);
    json_decref(v.ctx);
    if (rc != 0 || buf_failed(&body)) {
        log_error("rendering %s failed", name);
        buf_free(&body);
        buf_reset(&rs->body);
        return 500;
    }
    /* kept as the head (title, description) and the html with its slots
    ** found once (page_slots_index) */
    buf frag = BUF_INIT;
    buf_puts(&frag, v.title ? v.title : "");
    buf_putc(&frag, '\0');
    buf_putc(&frag, v.description ? '1' : '0');
    buf_puts(&frag, v.description ? v.description : "");
    buf_putc(&frag, '\0');
    size_t head = frag.len;
    page_slots_index(body.data, body.len, &frag);
    buf_free(&body);
    size_t flen = 0;
    const char *filled = buf_failed(&frag) ? NULL : page_slots_apply(rq, frag.data + head, frag.len - head, &flen);
    if (!filled) {
        log_error("rendering %s: out of memory", name);
        buf_free(&frag);
        buf_reset(&rs->body);
        return 500;
    }
    if (c)
        cache_put(c, key, k->version, expires, frag.data, frag.len);
    rc = page_layout(rq, rs, site_data, filled, flen, v.title ? v.title : "", v.description, nav);
    buf_free(&frag);
    return rc;
}

/* ---- the course workspace (kept content) ---- */

/* Content-only JSON trees kept by this worker: a few per course (the
** week, the panel, the playlist), so a fixed table, replaced in turn. Kept
** as trees, not text: parsing the text again was a fifth of the week
** page's time. */
enum { KEPT_TREES = 64 };
static struct kept_tree {
    char *key;
    uint64_t version;
    json_t *v;
} kept_trees[KEPT_TREES];
static unsigned kept_trees_next;

/* See pages.h: content-only JSON kept per worker at the content version. */
json_t *page_kept_json(request *rq, const char *key, json_t *(*build)(request *rq, const char *arg), const char *arg)
{
    app *ap = page_app(rq);
    int64_t content_v = 0, seats_v = 0;
    if (store_view_versions(ap->db, &content_v, &seats_v) != 0)
        return build(rq, arg);   /* cannot tell: build afresh */
    struct kept_tree *slot = NULL;
    for (unsigned i = 0; i < KEPT_TREES; i++)
        if (kept_trees[i].key && !strcmp(kept_trees[i].key, key)) {
            slot = &kept_trees[i];
            break;
        }
    if (slot && slot->version == (uint64_t)content_v)
        return json_incref(slot->v);
    json_t *v = build(rq, arg);
    if (!v)
        return NULL;
    if (!slot) {
        slot = &kept_trees[kept_trees_next++ % KEPT_TREES];
        free(slot->key);
        slot->key = NULL;
    }
    json_decref(slot->v);
    slot->v = NULL;
    if (!slot->key)
        slot->key = strdup(key);
    if (slot->key) {
        slot->v = json_incref(v);
        slot->version = (uint64_t)content_v;
    }
    return v;
}

/* Seat counts change without a write when a hold or an offer lapses: a
** catalog page kept now is good until the next one does. */
static time_t seats_expiry(request *rq, time_t now)
{
    return store_seats_change_at(page_app(rq)->db, now);
}

int page_render_shared(request *rq, response *rs, const char *name, const char *nav, page_view_fn build)
{
    return page_render_shared_as(rq, rs, name, nav, NULL, build);
}

int page_render_shared_as(request *rq, response *rs, const char *name, const char *nav, const char *variant,
                          page_view_fn build)
{
    app *ap = page_app(rq);
    int64_t content_v = 0, seats_v = 0;
    if (store_view_versions(ap->db, &content_v, &seats_v) != 0)
        return page_render_kept(rq, rs, name, nav, NULL, build);   /* cannot tell: build afresh */
    /* The variant is last and length-prefixed, so no two keys collide. */
    page_keep k = {variant ? arena_printf(rq->a, "%s %d %zu:%s", rq->path, ap->cfg->demo, strlen(variant), variant)
                           : arena_printf(rq->a, "%s %d", rq->path, ap->cfg->demo),
                   ((uint64_t)content_v << 32) + ((uint64_t)seats_v & 0xffffffffu), content_v, seats_expiry};
    return page_render_kept(rq, rs, name, nav, &k, build);
}

void page_error(request *rq, response *rs, int status, const char *message)
{
    buf_reset(&rs->body);
    rs->status = status;
    rs->cache_seconds = 0;
    const char *title = http_reason(status);
    if (status == 404)
        title = "Page not found";
    if ((!message || !*message) && status >= 500)
        message = "Something went wrong on our side and your request did not complete. "
                  "Please try again in a minute; if it keeps happening, write to us.";
    json_t *ctx = json_pack("{s:i, s:s, s:s, s:b}", "status", status, "title", title,
                            "message", message ? message : "", "signed_in", rq->session != NULL);
    if (page_app(rq) && page_app(rq)->tmpl && page_render(rq, rs, "pages/error", ctx, title, NULL) == 0)
        return;
    rs->content_type = "text/plain; charset=utf-8";
    buf_reset(&rs->body);
    buf_printf(&rs->body, "%d %s\n%s\n", status, title, message ? message : "");
}

/* s as a JSON string, or JSON null when NULL. */
static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *page_course_json(const course_row *c)
{
    return json_pack("{s:I, s:o, s:i, s:o, s:o, s:o, s:i, s:i}", "id", (json_int_t)c->id, "slug", jstr(c->slug),
                     "position", c->position, "title", jstr(c->title), "tagline", jstr(c->tagline),
                     "summary", jstr(c->summary), "hours_min", c->hours_min, "hours_max", c->hours_max);
}

/* A course's items of one section as JSON. */
static json_t *items_json(const course_item_row *it, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o}", "id", (json_int_t)it[i].id,
                                           "key", jstr(it[i].key), "title", jstr(it[i].title), "kind", jstr(it[i].kind),
                                           "minutes", it[i].minutes, "link", jstr(it[i].link),
                                           "source", jstr(it[i].source), "submit", jstr(it[i].submit),
                                           "body_html", jstr(it[i].body_html)));
    return a;
}

json_t *page_course_page_json(const course_page_row *c)
{
    json_t *o = page_course_json(&c->c);
    json_object_set_new(o, "overview_html", jstr(c->overview_html));
    json_t *outcomes = c->outcomes_json ? json_loads(c->outcomes_json, 0, NULL) : NULL;
    json_object_set_new(o, "outcomes", json_is_array(outcomes) ? outcomes : json_array());
    if (outcomes && !json_is_array(outcomes))
        json_decref(outcomes);
    json_t *people = json_array();
    for (int i = 0; i < c->n_panelists; i++)
        json_array_append_new(people, json_pack("{s:o, s:o, s:o}", "name", jstr(c->panelists[i].name), "role",
                                                jstr(c->panelists[i].role), "school", jstr(c->panelists[i].school)));
    json_object_set_new(o, "panel", json_pack("{s:o, s:o, s:i, s:o, s:o}", "title", jstr(c->panel_title),
                                              "has_video", json_boolean(c->panel_video != NULL), "minutes", c->panel_minutes,
                                              "summary_html", jstr(c->panel_summary_html), "panelists", people));
    json_object_set_new(o, "transcript_html", jstr(c->transcript_html));
    json_object_set_new(o, "playlist_intro_html", jstr(c->playlist_intro_html));
    json_object_set_new(o, "discussions_intro_html", jstr(c->discussions_intro_html));
    json_object_set_new(o, "activities_intro_html", jstr(c->activities_intro_html));
    json_object_set_new(o, "playlist", items_json(c->playlist, c->n_playlist));
    json_object_set_new(o, "prompts", items_json(c->prompts, c->n_prompts));
    json_object_set_new(o, "activities", items_json(c->activities, c->n_activities));
    return o;
}

json_t *page_offering_json(const offering_listing *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", jstr(r->code));
    json_object_set_new(o, "course_slug", jstr(r->course_slug));
    json_object_set_new(o, "course_title", jstr(r->course_title));
    json_object_set_new(o, "course_position", json_integer(r->course_position));
    json_object_set_new(o, "starts", jstr(r->starts));
    json_object_set_new(o, "ends", jstr(r->ends));
    json_object_set_new(o, "price_cents", json_integer(r->price_cents));
    json_object_set_new(o, "currency", jstr(r->currency));
    json_object_set_new(o, "capacity", json_integer(r->capacity));
    json_object_set_new(o, "opens", jstr(r->opens));
    json_object_set_new(o, "closes", jstr(r->closes));
    json_object_set_new(o, "coach", jstr(r->coach));
    json_object_set_new(o, "season", jstr(r->season));
    json_object_set_new(o, "demo", json_boolean(r->demo));
    json_object_set_new(o, "published", json_boolean(r->published));
    json_object_set_new(o, "taken", json_integer(r->taken));
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "updated_at", json_integer(r->updated_at));
    json_object_set_new(o, "sequence", json_integer(r->sequence));      /* Cancelling an offering. */
    json_object_set_new(o, "cancelled", json_boolean(r->cancelled_at != 0));
    return o;
}

json_t *page_courses_load(db *d, arena *a)
{
    course_row *list;
    int n;
    json_t *out = json_array();
    if (store_course_rows(d, a, &list, &n) != 0) {
        log_error("reading the courses: %s", db_errmsg(d));
        return out;
    }
    for (int i = 0; i < n; i++)
        json_array_append_new(out, page_course_json(&list[i]));
    return out;
}

json_t *page_course_load(db *d, arena *a, const char *slug)
{
    course_page_row c;
    int rc = store_course_page(d, a, slug, &c);
    if (rc < 0)
        log_error("reading course %s: %s", slug, db_errmsg(d));
    return rc == 1 ? page_course_page_json(&c) : NULL;
}

json_t *page_offerings_load(db *d, arena *a, const char *course_slug, int with_demo)
{
    offering_listing *list;
    int n;
    json_t *out = json_array();
    if (store_offering_listings(d, a, course_slug, with_demo, &list, &n) != 0) {
        log_error("reading the offerings: %s", db_errmsg(d));
        return out;
    }
    for (int i = 0; i < n; i++)
        json_array_append_new(out, page_offering_json(&list[i]));
    return out;
}

json_t *page_offerings_json(const offering_listing *list, int n)
{
    json_t *out = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(out, page_offering_json(&list[i]));
    return out;
}

json_t *page_offering_load(db *d, arena *a, const char *code)
{
    offering_listing r;
    int rc = store_offering_listing(d, a, code, &r);
    if (rc < 0)
        log_error("reading offering %s: %s", code, db_errmsg(d));
    return rc == 1 ? page_offering_json(&r) : NULL;
}

/* A date as a day number; 0 and a log line if the store holds a bad one. */
static int32_t day_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    int32_t d = 0;
    if (s && date_parse(s, &d) != 0)
        log_error("bad date %s = %s", key, s);
    return d;
}

/* A label from a date-writing function, as a JSON string. */
static json_t *label(void (*fn)(buf *, int32_t), int32_t day)
{
    buf b = BUF_INIT;
    fn(&b, day);
    json_t *s = json_stringn(buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

void page_offering(arena *a, json_t *o, int32_t today)
{
    const char *code = json_string_value(json_object_get(o, "code"));
    const char *slug = json_string_value(json_object_get(o, "course_slug"));
    int32_t starts = day_of(o, "starts"), ends = day_of(o, "ends");
    int32_t closes = day_of(o, "closes");
    const char *opens_s = json_string_value(json_object_get(o, "opens"));
    int32_t opens = opens_s ? day_of(o, "opens") : INT32_MIN;
    json_int_t capacity = json_integer_value(json_object_get(o, "capacity"));
    json_int_t left = capacity - json_integer_value(json_object_get(o, "taken"));
    if (left < 0)
        left = 0;

    json_object_set_new(o, "url", json_string(arena_printf(a, "/offerings/%s", code)));
    json_object_set_new(o, "course_url", json_string(arena_printf(a, "/courses/%s", slug)));
    json_object_set_new(o, "ics_url", json_string(arena_printf(a, "/offerings/%s.ics", code)));
    json_object_set_new(o, "register_url", json_string(arena_printf(a, "/offerings/%s/register", code)));
    buf b = BUF_INIT;
    date_range_label(&b, starts, ends);
    json_object_set_new(o, "dates_label", json_stringn(buf_str(&b), b.len));
    buf_free(&b);
    json_object_set_new(o, "starts_label", label(date_long_label, starts));
    json_object_set_new(o, "closes_label", label(date_label, closes));
    json_int_t cents = json_integer_value(json_object_get(o, "price_cents"));
    json_object_set_new(o, "price_label", json_string(cents ? enrol_money(a, cents, json_string_value(json_object_get(o, "currency")))
                                                            : "Free"));
    json_object_set_new(o, "seats_left", json_integer(left));
    json_object_set_new(o, "seats_label", json_string(left == 0 ? "No seats left"
        : arena_printf(a, "%lld of %lld seats left", (long long)left, (long long)capacity)));

    const char *state;
    const char *state_label;
    if (json_is_true(json_object_get(o, "cancelled"))) {   /* before any other state */
        state = "is_cancelled";
        state_label = "Cancelled";
    } else if (today > ends) {
        state = "is_past";
        state_label = "Finished";
    } else if (today >= starts) {
        state = "is_running";
        state_label = "In progress";
    } else if (opens != INT32_MIN && today < opens) {
        state = "is_upcoming";
        buf ob = BUF_INIT;
        date_label(&ob, opens);
        state_label = arena_printf(a, "Registration opens %s", buf_str(&ob));
        buf_free(&ob);
    } else if (today > closes) {
        state = "is_closed";
        state_label = "Registration closed";
    } else if (left == 0) {
        state = "is_full";
        state_label = "Full — join the waitlist";
    } else {
        state = "is_open";
        state_label = "Registration open";
    }
    static const char *const states[] = {"is_open", "is_full", "is_closed", "is_upcoming", "is_past", "is_running",
                                         "is_cancelled"};
    for (size_t i = 0; i < sizeof states / sizeof *states; i++)
        json_object_set_new(o, states[i], json_boolean(!strcmp(states[i], state)));
    json_object_set_new(o, "state", json_string(state + 3));
    json_object_set_new(o, "state_label", json_string(state_label));
}

/* The notices page_flash may show, by code. */
static const struct {
    const char *code, *text;
} notices[] = {
    {"signed-in", "You are signed in."},
    {"signed-out", "You are signed out."},
    {"welcome", "Your account is ready. We have sent you a link to confirm your e-mail address."},
    {"verified", "Thank you: your e-mail address is confirmed."},
    {"password-changed", "Your password is changed."},
    {"password-reset", "Your password is changed and you are signed in."},
    {"email-sent", "We have sent a confirmation link to your new address; the change takes effect when you open it."},
    {"email-changed", "Your e-mail address is changed."},
    {"profile-saved", "Your profile is saved."},
    {"registered", "You are registered. A confirmation is on its way to your inbox."},
    {"invoiced", "You are registered; your school will be invoiced."},
    {"invoice-pending", "Your school will be invoiced. Your seat is held, and confirmed when our staff approve the invoice."},
    {"waitlisted", "The offering is full, so you are on the waitlist. We will e-mail you if a seat frees up."},
    {"cancelled", "Your registration is cancelled."},
    {"declined", "You have declined the seat; it goes to the next person waiting."},
    {"accepted", "The seat is yours. Complete the payment to confirm it."},
    {"deleted", "Your account is deleted."},
    {"marked-paid", "The invoice is marked paid."},
    {"waived", "The fee is waived."},
    {"approved", "The registration is approved and confirmed."},
    {"refunded", "The refund is on its way."},
    {"code-created", "The code is created."},
    {"retry", "The message will be tried again shortly."},
    /* People, schools and codes in the staff console */
    {"role-changed", "The role is changed."},
    {"verify-sent", "A new confirmation link is on its way."},
    {"school-added", "The school is added."},
    {"school-saved", "The school is saved."},
    {"schools-imported", "The schools are imported."},
    {"code-saved", "The code is saved."},
    {"code-disabled", "The code is disabled: nobody can use it from now on."},
    /* Planning the calendar */
    {"offering-created", "The offering is saved as a draft. Publish it when it is ready."},
    {"offering-saved", "The offering is saved."},
    {"offering-published", "The offering is published."},
    {"offering-unpublished", "The offering is withdrawn from the calendar."},
    {"season-copied", "The season is copied as drafts. Review them, then publish the season."},
    {"season-published", "The season is published."},
    /* the course workspace */
    {"checked", "Checked off. Your progress is updated."},
    {"unchecked", "Taken back: the item is no longer checked off."},
    {"watched", "The panel is marked as watched."},
    {"unwatched", "The panel is no longer marked as watched."},
    /* activity submissions */
    {"work-submitted", "Your work is handed in. Earlier versions stay below it."},
    {"work-shared", "Your work is shared with your cohort."},
    {"work-unshared", "Your work is no longer shared with your cohort."},
    {"comment-added", "Your comment is posted."},
    {"comment-deleted", "Your comment is deleted."},
    /* feedback */
    {"feedback-given", "Your feedback is saved, and the participant is told."},
    /* Notifications. */
    {"notify-saved", "Your e-mail choices are saved."},
    {"notices-read", "Marked as read."},
    /* certs: completion sign-off and certificates */
    {"signed-off", "Signed off. The certificate is issued and e-mailed to the participant."},
    {"signed-off-all", "Everyone who met the completion rules is signed off; their certificates are on the way."},
    {"revoked", "The certificate is revoked. Its page and its badge now say so."},

    /* Announcements (pages/announce.c). */
    {"announcement-posted", "The announcement is posted; participants are being notified."},
    {"announcement-scheduled", "The announcement is scheduled; it is published, and participants notified, at the time you chose."},
    {"announcement-withdrawn", "The scheduled announcement is withdrawn; nobody was notified."},
    /* Coaching: the queue's marks. */
    {"queue-snoozed", "Snoozed: it leaves your queue until the time you chose, then comes back if it still waits."},
    {"queue-no-reply", "Marked as needing no reply: it leaves the queue of every coach of the offering."},
    /* Cancelling an offering. */
    {"cancel-done", "The offering is cancelled: everyone registered was told, and every card refund is confirmed."},
    {"cancel-refunds-open", "The offering is cancelled and everyone was told, but some refunds are not confirmed: "
                            "they are listed below. Ask again when the provider answers."},
};

void page_flash(request *rq, response *rs, const char *code)
{
    access_cookie(rq, rs, "journeys_flash", code, 60);
}

void page_take_flash(request *rq, response *rs)
{
    const char *code = kv_get(&rq->cookies, "journeys_flash");
    if (!code)
        return;
    for (size_t i = 0; i < sizeof notices / sizeof *notices; i++)
        if (!strcmp(code, notices[i].code))
            rq->flash = notices[i].text;
    access_cookie(rq, rs, "journeys_flash", "", 0);
}

/* Append one offering from the store as a VEVENT. */
static void ics_event(app *ap, buf *out, json_t *o, json_t *series)
{
    ical_offering io = {0};
    io.code = json_string_value(json_object_get(o, "code"));
    io.course_title = json_string_value(json_object_get(o, "course_title"));
    io.series_title = series ? json_string_value(json_object_get(series, "title")) : NULL;
    io.coach = json_string_value(json_object_get(o, "coach"));
    io.starts = json_string_value(json_object_get(o, "starts"));
    io.ends = json_string_value(json_object_get(o, "ends"));
    io.demo = json_is_true(json_object_get(o, "demo"));
    io.stamp = (time_t)json_integer_value(json_object_get(o, "updated_at"));
    io.sequence = (int)json_integer_value(json_object_get(o, "sequence"));
    io.cancelled = json_is_true(json_object_get(o, "cancelled"));
    if (io.code && io.course_title)
        ical_offering_write(out, ap->cfg->base_url, &io);
}

void page_ics(app *ap, json_t *list, const char *calname, buf *out)
{
    json_t *series = store_series(ap->db);
    if (!calname)
        calname = series ? json_string_value(json_object_get(series, "title")) : "Journeys";
    ical_begin(out, "-//Journeys//Course calendar//EN", calname);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
        ics_event(ap, out, o, series);
    ical_end(out);
    json_decref(series);
}
