/*
** coach.c: where a coach lands (/coach: the offerings they facilitate,
** current, upcoming and past, each with its cohort and what is waiting;
** staff see every offering) and the "needs me" queue (/coach/queue: what
** waits for them across those offerings, oldest first, each row opening
** the thing itself), with the forms that snooze a row or mark it as
** needing no reply.
**
** Every route is R_COACH (role coach or staff); which offerings a person
** sees comes from the offering_staff rows the store reads for them, and a
** mark on an object loaded by id is checked with access_allows against
** the object's own offering.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "cache.h"
#include "coach.h"
#include "date.h"
#include "pages.h"
#include "store_coach.h"
#include "store_kept.h"

/* At most this many queue rows on one page (the count says how many more). */
#define QUEUE_SHOWN 25
/* At most this many finished offerings on the landing page, latest first. */
#define PAST_SHOWN 12

/* The domain context for rq, acting as the signed-in person. */
static domain dom(request *rq)
{
    return domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session->u.id, time(NULL));
}

/* Whether the signed-in person is staff (sees every offering). */
static int is_staff(const request *rq)
{
    return !strcmp(rq->session->u.role, "staff");
}

/* Read the offerings the signed-in person facilitates (with their cohorts
** counted when cohort is set). 0, or 503. */
static int offerings_of(request *rq, int cohort, coach_offering_row **list, int *n)
{
    if (store_coach_offerings(page_app(rq)->db, rq->a, rq->session->u.id, is_staff(rq), cohort, list, n) != 0)
        return page_unavailable(rq);
    return 0;
}

/* "2 – 6 March 2026" for o's dates, in rq's arena. */
static const char *dates_label(request *rq, const coach_offering_row *o)
{
    int32_t first = 0, last = 0;
    if (date_parse(o->starts, &first) != 0 || date_parse(o->ends, &last) != 0)
        return arena_printf(rq->a, "%s – %s", o->starts, o->ends);
    buf b = BUF_INIT;
    date_range_label(&b, first, last);
    const char *s = arena_strdup(rq->a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* What a row of each kind is, for people. */
static const char *kind_label(const char *kind)
{
    if (!strcmp(kind, "thread"))
        return "Thread with no coach reply";
    if (!strcmp(kind, "post"))
        return "Reply nobody has answered";
    if (!strcmp(kind, "submission"))
        return "Work waiting for feedback";
    if (!strcmp(kind, "quiet"))
        return "Quiet for 48 hours";
    return "Behind the suggested pacing";
}

/* The address of the thing a row is about. */
static const char *row_url(request *rq, const queue_row *r, const char *code)
{
    if (!strcmp(r->kind, "thread"))
        return arena_printf(rq->a, "/learn/%s/threads/%lld", code, (long long)r->object_id);
    if (!strcmp(r->kind, "post"))
        return arena_printf(rq->a, "/learn/%s/threads/%lld#post-%lld", code, (long long)r->thread_id,
                            (long long)r->object_id);
    if (!strcmp(r->kind, "submission"))
        return arena_printf(rq->a, "/learn/%s/submissions/%lld", code, (long long)r->object_id);
    return arena_printf(rq->a, "/coach/offerings/%s/people/%lld", code, (long long)r->user_id);
}

/* One sentence saying what the row is about. */
static const char *row_summary(request *rq, const queue_row *r)
{
    if (!strcmp(r->kind, "thread"))
        return arena_printf(rq->a, "%s started “%s”", r->who, r->title ? r->title : "");
    if (!strcmp(r->kind, "post"))
        return arena_printf(rq->a, "%s replied in “%s”", r->who, r->title ? r->title : "");
    if (!strcmp(r->kind, "submission"))
        return arena_printf(rq->a, "%s handed in “%s” (version %d)", r->who, r->title ? r->title : "", r->count);
    if (!strcmp(r->kind, "quiet"))
        return arena_printf(rq->a, "%s has not opened the course since", r->who);
    return arena_printf(rq->a, "%s has %d part%s past due not done", r->who, r->count, r->count == 1 ? "" : "s");
}

/* The queue as the pages show it: the oldest rows (at most QUEUE_SHOWN),
** how many there are in all, and per offering how many and since when
** the oldest has waited. */
typedef struct queue_view {
    queue_row *rows;
    int n, total;
    int64_t *off_id, *off_oldest;
    int *off_count;
    int n_off;
} queue_view;

/* Each worker keeps the queue it computed for a coach (all offerings, or
** one) for up to a minute, while nothing it reads has changed: for a
** coach, the counters of the offerings they coach (store_coach_version),
** so a write about another offering, the outbox or a session leaves it;
** for staff, whose queue covers every offering, while nothing at all is
** committed. A coach reloads it often. Time alone (a participant turning
** quiet, a part falling due, a snooze running out) shows at most that
** late. */
#define KEPT_SECONDS 60
static cache *kept;

/* v as the two JSON texts kept for it (malloc'd; NULL on failure): its
** counts (*sum) and its rows (*rows), so the landing page reads only the
** first. */
static void view_text(const queue_view *v, char **sum, char **rows_out)
{
    json_t *rows = json_array(), *offs = json_array();
    for (int i = 0; i < v->n; i++) {
        const queue_row *r = &v->rows[i];
        json_array_append_new(rows, json_pack("[s, I, I, I, I, s, s?, I, i]", r->kind, (json_int_t)r->object_id,
                                              (json_int_t)r->offering_id, (json_int_t)r->thread_id,
                                              (json_int_t)r->user_id, r->who ? r->who : "", r->title,
                                              (json_int_t)r->since, r->count));
    }
    for (int i = 0; i < v->n_off; i++)
        json_array_append_new(offs, json_pack("[I, i, I]", (json_int_t)v->off_id[i], v->off_count[i],
                                              (json_int_t)v->off_oldest[i]));
    json_t *all = json_pack("{s:i, s:o}", "total", v->total, "offerings", offs);
    *sum = all ? json_dumps(all, JSON_COMPACT) : NULL;
    *rows_out = json_dumps(rows, JSON_COMPACT);
    json_decref(all);
    json_decref(rows);
}

/* Read the kept counts (sum, len bytes) and, when rows is not NULL, the
** kept rows (rlen bytes) into v, in rq's arena. 0, or -1 when they do not
** read back (the caller computes anew). */
static int view_read(request *rq, const char *sum, size_t len, const char *rows_text, size_t rlen, queue_view *v)
{
    json_t *all = json_loadb(sum, len, 0, NULL);
    json_t *offs = json_object_get(all, "offerings");
    json_t *rows = rows_text ? json_loadb(rows_text, rlen, 0, NULL) : json_array();
    if (!json_is_array(rows) || !json_is_array(offs)) {
        json_decref(all);
        json_decref(rows);
        return -1;
    }
    memset(v, 0, sizeof *v);
    v->total = (int)json_integer_value(json_object_get(all, "total"));
    v->rows = arena_zalloc(rq->a, (json_array_size(rows) + 1) * sizeof *v->rows);
    size_t i;
    json_t *it;
    json_array_foreach(rows, i, it) {
        const char *kind = coach_queue_kind(json_string_value(json_array_get(it, 0)));
        if (!kind) {
            json_decref(all);
            json_decref(rows);
            return -1;
        }
        queue_row *r = &v->rows[v->n++];
        r->kind = kind;
        r->object_id = json_integer_value(json_array_get(it, 1));
        r->offering_id = json_integer_value(json_array_get(it, 2));
        r->thread_id = json_integer_value(json_array_get(it, 3));
        r->user_id = json_integer_value(json_array_get(it, 4));
        r->who = arena_strdup(rq->a, json_string_value(json_array_get(it, 5)));
        const char *title = json_string_value(json_array_get(it, 6));
        r->title = title ? arena_strdup(rq->a, title) : NULL;
        r->since = json_integer_value(json_array_get(it, 7));
        r->count = (int)json_integer_value(json_array_get(it, 8));
    }
    size_t no = json_array_size(offs);
    v->off_id = arena_zalloc(rq->a, (no + 1) * sizeof *v->off_id);
    v->off_oldest = arena_zalloc(rq->a, (no + 1) * sizeof *v->off_oldest);
    v->off_count = arena_zalloc(rq->a, (no + 1) * sizeof *v->off_count);
    json_array_foreach(offs, i, it) {
        v->off_id[v->n_off] = json_integer_value(json_array_get(it, 0));
        v->off_count[v->n_off] = (int)json_integer_value(json_array_get(it, 1));
        v->off_oldest[v->n_off++] = json_integer_value(json_array_get(it, 2));
    }
    json_decref(all);
    json_decref(rows);
    return 0;
}

/* Compute the queue of offerings list[0..n) (only the live ones) for d's
** coach into v. DOM_OK or the domain's refusal. */
static int view_compute(request *rq, domain *d, const coach_offering_row *list, int n, queue_view *v)
{
    memset(v, 0, sizeof *v);
    queue_row *rows = NULL;
    int n_rows = 0, cap = 0;
    v->off_id = arena_zalloc(rq->a, ((size_t)n + 1) * sizeof *v->off_id);
    v->off_oldest = arena_zalloc(rq->a, ((size_t)n + 1) * sizeof *v->off_oldest);
    v->off_count = arena_zalloc(rq->a, ((size_t)n + 1) * sizeof *v->off_count);
    for (int i = 0; i < n; i++) {
        if (!coach_offering_live(&list[i], d->now))
            continue;
        int from = n_rows;
        int rc = coach_queue_offering(d, &list[i], NULL, &rows, &n_rows, &cap);
        if (rc != DOM_OK)
            return rc;
        int64_t oldest = 0;
        for (int k = from; k < n_rows; k++)
            if (!oldest || rows[k].since < oldest)
                oldest = rows[k].since;
        v->off_id[v->n_off] = list[i].id;
        v->off_count[v->n_off] = n_rows - from;
        v->off_oldest[v->n_off++] = oldest;
    }
    coach_queue_sort(rows, n_rows);
    v->rows = rows;
    v->total = n_rows;
    v->n = n_rows < QUEUE_SHOWN ? n_rows : QUEUE_SHOWN;
    return DOM_OK;
}

/* The queue of offerings list[0..n) for the signed-in person (scope names
** what list is: "all", or one offering's code), its rows too when
** with_rows is set (else v->n is 0): kept while the coach's version has
** not moved, else computed and kept. 0, or 503 with rq->message. */
static int queue_of(request *rq, const coach_offering_row *list, int n, const char *scope, int with_rows,
                    queue_view *v)
{
    domain d = dom(rq);
    uint64_t version = 0;
    int has_version = store_coach_version(d.db, d.actor, is_staff(rq), &version) == 0;
    const char *key = arena_printf(rq->a, "queue:%lld:%s:sum", (long long)d.actor, scope);
    const char *rkey = arena_printf(rq->a, "queue:%lld:%s:rows", (long long)d.actor, scope);
    if (has_version && !kept)
        kept = cache_new(512, 16u << 20);
    size_t len = 0, rlen = 0;
    const char *sum = has_version && kept ? cache_get(kept, key, version, d.now, &len) : NULL;
    /* the sum is copied out before the second get, which may move entries */
    char *sum_copy = sum ? arena_strndup(rq->a, sum, len) : NULL;
    const char *rows = sum && with_rows ? cache_get(kept, rkey, version, d.now, &rlen) : NULL;
    if (sum_copy && (!with_rows || rows) && view_read(rq, sum_copy, len, rows, rlen, v) == 0)
        return 0;
    int rc = view_compute(rq, &d, list, n, v);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    if (has_version && kept) {
        char *made_sum = NULL, *made_rows = NULL;
        view_text(v, &made_sum, &made_rows);
        if (made_sum && made_rows) {
            cache_put(kept, key, version, d.now + KEPT_SECONDS, made_sum, strlen(made_sum));
            cache_put(kept, rkey, version, d.now + KEPT_SECONDS, made_rows, strlen(made_rows));
        }
        free(made_sum);
        free(made_rows);
    }
    return 0;
}

/* Fill in the cohort of each of list[0..n) (the landing page's counts),
** kept like the queue while the coach's version has not moved. 0, or 503. */
static int cohorts_of(request *rq, coach_offering_row *list, int n)
{
    app *ap = page_app(rq);
    uint64_t version = 0;
    int has_version = store_coach_version(ap->db, rq->session->u.id, is_staff(rq), &version) == 0;
    const char *key = arena_printf(rq->a, "queue-cohorts:%lld", (long long)rq->session->u.id);
    if (has_version && !kept)
        kept = cache_new(512, 16u << 20);
    size_t len;
    const char *text = has_version && kept ? cache_get(kept, key, version, time(NULL), &len) : NULL;
    json_t *map = text ? json_loadb(text, len, 0, NULL) : NULL;
    if (!json_is_object(map)) {
        json_decref(map);
        coach_offering_row *counted;
        int nc;
        if (store_coach_offerings(ap->db, rq->a, rq->session->u.id, is_staff(rq), 1, &counted, &nc) != 0)
            return page_unavailable(rq);
        map = json_object();
        for (int i = 0; i < nc; i++)
            json_object_set_new(map, arena_printf(rq->a, "%lld", (long long)counted[i].id),
                                json_integer(counted[i].cohort));
        char *made = has_version && kept ? json_dumps(map, JSON_COMPACT) : NULL;
        if (made)
            cache_put(kept, key, version, time(NULL) + KEPT_SECONDS, made, strlen(made));
        free(made);
    }
    for (int i = 0; i < n; i++)
        list[i].cohort = (int)json_integer_value(json_object_get(map, arena_printf(rq->a, "%lld", (long long)list[i].id)));
    json_decref(map);
    return 0;
}

/* The view of the landing page for the signed-in person (a page_view_fn). */
static int home_build(request *rq, int32_t today, page_view *pv)
{
    (void)today;
    coach_offering_row *list;
    int n;
    int rc = offerings_of(rq, 0, &list, &n);
    if (!rc)
        rc = cohorts_of(rq, list, n);
    if (rc)
        return rc;
    queue_view v;
    rc = queue_of(rq, list, n, "all", 0, &v);
    if (rc)
        return rc;
    time_t now = time(NULL);
    int past_more = 0;
    json_t *phases[3] = {json_array(), json_array(), json_array()};
    for (int i = 0; i < n; i++) {
        const coach_offering_row *o = &list[i];
        int waiting = 0, live = 0;
        int64_t oldest = 0;
        for (int k = 0; k < v.n_off; k++)
            if (v.off_id[k] == o->id) {
                live = 1;
                waiting = v.off_count[k];
                oldest = v.off_oldest[k];
            }
        enum coach_phase ph = coach_phase_of(o, now);
        if (ph == COACH_PAST && json_array_size(phases[COACH_PAST]) >= PAST_SHOWN) {
            past_more++;
            continue;
        }
        /* the list comes latest first: upcoming ones read soonest first */
        json_t *card = json_pack(
            "{s:s, s:s, s:s, s:i, s:b, s:i, s:s?, s:s, s:s, s:s, s:s, s:s, s:s}", "code", o->code, "course_title",
            o->course_title, "dates_label", dates_label(rq, o), "cohort", o->cohort, "live", live, "waiting",
            waiting, "oldest_label", waiting ? coach_waited_label(rq->a, now - oldest) : NULL, "queue_url",
            arena_printf(rq->a, "/coach/queue?offering=%s", o->code), "learn_url",
            arena_printf(rq->a, "/learn/%s", o->code), "roster_url",
            arena_printf(rq->a, "/coach/offerings/%s/roster", o->code), "moderation_url",
            arena_printf(rq->a, "/coach/offerings/%s/moderation", o->code), "completion_url",
            arena_printf(rq->a, "/coach/offerings/%s/completion", o->code), "announcements_url",
            arena_printf(rq->a, "/learn/%s/announcements", o->code));
        if (ph == COACH_UPCOMING)
            json_array_insert_new(phases[ph], 0, card);
        else
            json_array_append_new(phases[ph], card);
    }
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:i, s:i, s:b, s:b}", "current", phases[COACH_CURRENT], "upcoming",
                            phases[COACH_UPCOMING], "past", phases[COACH_PAST], "past_more", past_more, "waiting",
                            v.total, "has_any", n > 0, "is_staff", is_staff(rq));
    if (!ctx)
        return page_unavailable(rq);
    pv->ctx = ctx;
    pv->title = "Coaching";
    return 0;
}

/* When a kept coach page goes stale with time alone. */
static time_t kept_until(request *rq, time_t now)
{
    (void)rq;
    return now + KEPT_SECONDS;
}

/* Render name from build, the rendered page kept per worker for the
** signed-in person under scope while their coach version has not moved
** (for at most KEPT_SECONDS: the waited labels move with time). */
static int render_kept(request *rq, response *rs, const char *name, const char *scope, page_view_fn build)
{
    uint64_t version = 0;
    if (store_coach_version(page_app(rq)->db, rq->session->u.id, is_staff(rq), &version) != 0)
        return page_render_kept(rq, rs, name, "coach", NULL, build);
    page_keep k = {arena_printf(rq->a, "coach %lld %s", (long long)rq->session->u.id, scope), version, -1,
                   kept_until};
    return page_render_kept(rq, rs, name, "coach", &k, build);
}

/* GET /coach: the person's offerings by phase, with cohort and waiting. */
int page_coach_home(request *rq, response *rs)
{
    return render_kept(rq, rs, "pages/coach_home", "home", home_build);
}

/* The view of the queue (?offering=CODE for one offering) for the
** signed-in person (a page_view_fn). */
static int queue_build(request *rq, int32_t today, page_view *pv)
{
    (void)today;
    coach_offering_row *list;
    int n;
    int rc = offerings_of(rq, 0, &list, &n);
    if (rc)
        return rc;
    const char *only = kv_get(&rq->query, "offering");
    const coach_offering_row *one = NULL;
    if (only && *only) {
        for (int i = 0; i < n; i++)
            if (!strcmp(list[i].code, only))
                one = &list[i];
        if (!one) {
            rq->message = "You do not facilitate an offering with this code. Coaching lists the ones you do.";
            return 404;
        }
    }
    queue_view v;
    rc = one ? queue_of(rq, one, 1, one->code, 1, &v) : queue_of(rq, list, n, "all", 1, &v);
    if (rc)
        return rc;
    time_t now = time(NULL);
    json_t *items = json_array();
    const char *back = only && *only ? arena_printf(rq->a, "/coach/queue?offering=%s", one->code) : "/coach/queue";
    for (int k = 0; k < v.n; k++) {
        const queue_row *r = &v.rows[k];
        const coach_offering_row *o = NULL;
        for (int i = 0; i < n && !o; i++)
            if (list[i].id == r->offering_id)
                o = &list[i];
        if (!o)
            continue;
        const char *base = arena_printf(rq->a, "/coach/queue/%s/%lld", r->kind, (long long)r->object_id);
        json_array_append_new(items, json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "kind", r->kind, "kind_label",
            kind_label(r->kind), "summary", row_summary(rq, r), "url", row_url(rq, r, o->code), "code", o->code,
            "course_title", o->course_title, "waited_label", coach_waited_label(rq->a, now - r->since),
            "since_label", page_when_label(rq, (time_t)r->since), "since_iso", page_when_iso(rq, (time_t)r->since),
            "snooze_url", arena_printf(rq->a, "%s/snooze", base), "no_reply_url",
            arena_printf(rq->a, "%s/no-reply", base), "back", back, "id", (json_int_t)r->object_id));
    }
    json_t *ctx = json_pack("{s:o, s:i, s:i, s:b, s:s?, s:s?, s:i}", "rows", items, "count", v.total, "more",
                            v.total - v.n, "has_rows", v.total > 0, "offering_code", one ? one->code : NULL,
                            "offering_title", one ? one->course_title : NULL, "live", v.n_off);
    if (!ctx)
        return page_unavailable(rq);
    pv->ctx = ctx;
    pv->title = "What needs you";
    return 0;
}

/* GET /coach/queue (?offering=CODE for one offering): what needs the
** person, oldest first. */
int page_coach_queue(request *rq, response *rs)
{
    const char *only = kv_get(&rq->query, "offering");
    return render_kept(rq, rs, "pages/coach_queue", only && *only ? arena_printf(rq->a, "queue %s", only) : "queue",
                       queue_build);
}

/* POST /coach/queue/KIND/ID/snooze (hours) and /no-reply: mark a row of
** the queue for the signed-in person, then back to the queue. */
int page_coach_queue_mark(request *rq, response *rs)
{
    app *ap = page_app(rq);
    const char *kind = coach_queue_kind(rq->param[0]);
    char *end;
    long long id = strtoll(rq->param[1], &end, 10);
    int snooze = strstr(rq->path, "/snooze") != NULL;
    int64_t offering_id = 0;
    int found = kind && !*end ? store_queue_owner(ap->db, kind, id, &offering_id) : 0;
    if (found < 0)
        return page_unavailable(rq);
    if (found == 0 || !access_allows(rq, ACCESS_FACILITATE, offering_id)) {
        rq->message = "There is nothing in your queue at this address. The queue lists what waits for you.";
        return 404;
    }
    coach_offering_row o;
    found = store_coach_offering(ap->db, rq->a, offering_id, &o);
    if (found <= 0)
        return found < 0 ? page_unavailable(rq) : 404;
    time_t until = 0;
    domain d = dom(rq);
    if (snooze) {
        const char *h = kv_get(&rq->form, "hours");
        long hours = h && *h ? strtol(h, &end, 10) : -1;
        if (!h || !*h || *end || hours < 1 || hours > 24 * 14) {
            rq->message = "Choose how long to snooze it for: from 1 hour to 14 days.";
            return 422;
        }
        until = d.now + hours * 3600;
    }
    int rc = coach_queue_mark(&d, &o, kind, id, snooze ? "snooze" : "no_reply", until);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, snooze ? "queue-snoozed" : "queue-no-reply");
    http_redirect(rs, 303, http_local_path(rq->a, kv_get(&rq->form, "back"), "/coach/queue"));
    return 0;
}
