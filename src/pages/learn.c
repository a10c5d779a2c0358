/*
** learn.c: the course workspace's week at a glance, panel and playlist
** (/learn/CODE, /learn/CODE/panel, /learn/CODE/playlist) and the forms that
** check a playlist item off and mark the panel watched.
**
** Every route here carries R_WORKSPACE, so the dispatcher has already put
** the person's seat in rq->seat (access_seat). What is the same for
** everyone who opens the course (its content and its relative dates) is
** kept per worker at the content version (page_kept_json); the person's
** progress, their time zone and the clock are applied per request.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "arena.h"
#include "buf.h"
#include "date.h"
#include "log.h"
#include "pages.h"
#include "store_content.h"
#include "store_kept.h"
#include "store_ws.h"
#include "tz.h"
#include "workspace.h"

/* The hosts the panel page may frame: privacy-enhanced players only. */
#define FRAME_SRC "frame-src https://www.youtube-nocookie.com https://player.vimeo.com"

/* Minutes of the day given without a time: an item opens at the start of
** its day and falls due at its end. */
#define OPENS_DEFAULT 0
#define DUE_DEFAULT (23 * 60 + 59)

/* The longest a person's week stays kept, whatever its versions say. */
enum { WEEK_KEEP_SECONDS = 3600 };

/* ---- the recording --------------------------------------------------------- */

/* Whether s (n bytes) is only letters, digits, '-' and '_' (digits only
** when digits is set), 1 to max bytes. */
static int id_chars(const char *s, size_t n, size_t max, int digits)
{
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= '0' && c <= '9') ||
                 (!digits && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'));
        if (!ok)
            return 0;
    }
    return 1;
}

/* See pages.h: the privacy-enhanced player for a recording's address. */
int page_video_embed(arena *a, const char *url, const char **embed, const char **host)
{
    *embed = *host = NULL;
    if (!url || strncmp(url, "https://", 8))
        return 0;
    const char *h = url + 8, *path = h + strcspn(h, "/?#");
    size_t hn = (size_t)(path - h);
#define HOST_IS(s) (hn == strlen(s) && !strncmp(h, s, hn))
    const char *id = NULL;
    size_t idn = 0;
    if (HOST_IS("www.youtube.com") || HOST_IS("youtube.com") || HOST_IS("m.youtube.com") ||
        HOST_IS("www.youtube-nocookie.com")) {
        if (!strncmp(path, "/watch?", 7)) {
            const char *q = path + 6;   /* at '?' */
            while (q && *q) {
                q++;
                if (!strncmp(q, "v=", 2)) {
                    id = q + 2;
                    idn = strcspn(id, "&#");
                    break;
                }
                q = strchr(q, '&');
            }
        } else if (!strncmp(path, "/embed/", 7)) {
            id = path + 7;
            idn = strcspn(id, "?#");
        }
        if (id && id_chars(id, idn, 11, 0) && idn == 11) {
            *embed = arena_printf(a, "https://www.youtube-nocookie.com/embed/%.*s", (int)idn, id);
            *host = "youtube";
            return 1;
        }
    } else if (HOST_IS("youtu.be")) {
        id = path + 1;
        idn = *path == '/' ? strcspn(id, "?#") : 0;
        if (idn == 11 && id_chars(id, idn, 11, 0)) {
            *embed = arena_printf(a, "https://www.youtube-nocookie.com/embed/%.*s", (int)idn, id);
            *host = "youtube";
            return 1;
        }
    } else if (HOST_IS("vimeo.com") || HOST_IS("www.vimeo.com") || HOST_IS("player.vimeo.com")) {
        id = !strncmp(path, "/video/", 7) ? path + 7 : *path == '/' ? path + 1 : NULL;
        idn = id ? strcspn(id, "/?#") : 0;
        if (id && id_chars(id, idn, 12, 1)) {
            *embed = arena_printf(a, "https://player.vimeo.com/video/%.*s?dnt=1", (int)idn, id);
            *host = "vimeo";
            return 1;
        }
    }
#undef HOST_IS
    return 0;
}

/* ---- the course, kept per worker ------------------------------------------- */

/* s as a JSON string, or JSON null when NULL. */
static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* What is the same for everyone in course slug's workspace: the course
** page's parts, each item with its section and relative dates, the
** milestones, the panel's embed. A new object, or NULL when the course
** cannot be read. */
static json_t *course_build(request *rq, const char *slug)
{
    db *d = page_app(rq)->db;
    course_page_row c;
    ws_dates_row dates;
    if (store_course_page(d, rq->a, slug, &c) != 1 || store_ws_dates(d, rq->a, c.c.id, &dates) != 0) {
        log_error("reading the workspace content of %s: %s", slug, db_errmsg(d));
        return NULL;
    }
    json_t *o = page_course_page_json(&c);
    const char *embed, *host;
    int framed = page_video_embed(rq->a, c.panel_video, &embed, &host);
    json_t *panel = json_object_get(o, "panel");
    json_object_set_new(panel, "video", jstr(c.panel_video));
    json_object_set_new(panel, "embed_url", framed ? json_string(embed) : json_null());
    json_object_set_new(panel, "is_youtube", json_boolean(framed && !strcmp(host, "youtube")));
    json_object_set_new(panel, "is_vimeo", json_boolean(framed && !strcmp(host, "vimeo")));
    json_object_set_new(panel, "captions", jstr(dates.captions));
    json_t *items = json_array();
    static const struct {
        const char *list, *section, *label;
    } lists[] = {{"playlist", "playlist", "Playlist"}, {"prompts", "prompt", "Discussion"},
                 {"activities", "activity", "Activity"}};
    for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(o, lists[l].list), i, it) {
            json_int_t id = json_integer_value(json_object_get(it, "id"));
            for (int k = 0; k < dates.n_items; k++)
                if (dates.items[k].id == id) {
                    json_object_set_new(it, "opens", jstr(dates.items[k].opens));
                    json_object_set_new(it, "due", jstr(dates.items[k].due));
                }
            json_t *copy = json_deep_copy(it);
            json_object_set_new(copy, "section", json_string(lists[l].section));
            json_object_set_new(copy, "section_label", json_string(lists[l].label));
            json_object_del(copy, "body_html");
            json_array_append_new(items, copy);
        }
    }
    json_object_set_new(o, "items", items);
    json_t *ms = json_array();
    for (int i = 0; i < dates.n_milestones; i++)
        json_array_append_new(ms, json_pack("{s:s, s:s, s:s}", "key", dates.milestones[i].key, "title",
                                            dates.milestones[i].title, "at", dates.milestones[i].at));
    json_object_set_new(o, "milestones", ms);
    return o;
}

/* Delete the NULL-terminated list of keys from o; returns o. */
static json_t *without(json_t *o, const char *const *keys)
{
    for (; o && *keys; keys++)
        json_object_del(o, *keys);
    return o;
}

/* What each page keeps: the course without the parts it never shows, so a
** request parses only what it renders. */
static json_t *week_build(request *rq, const char *slug)
{
    static const char *const drop[] = {"transcript_html", "overview_html", "playlist", "prompts", "activities",
                                       "playlist_intro_html", "discussions_intro_html", "activities_intro_html", NULL};
    json_t *c = without(course_build(rq, slug), drop);
    if (c)
        json_object_del(json_object_get(c, "panel"), "summary_html");
    return c;
}

static json_t *panel_build(request *rq, const char *slug)
{
    static const char *const drop[] = {"overview_html", "playlist", "prompts", "activities", "items",
                                       "playlist_intro_html", "discussions_intro_html", "activities_intro_html", NULL};
    return without(course_build(rq, slug), drop);
}

static json_t *playlist_build(request *rq, const char *slug)
{
    static const char *const drop[] = {"transcript_html", "overview_html", "prompts", "activities", "items",
                                       "milestones", "discussions_intro_html", "activities_intro_html", NULL};
    json_t *c = without(course_build(rq, slug), drop);
    if (c)
        json_object_del(json_object_get(c, "panel"), "summary_html");
    return c;
}

/* The kept course of the seat's offering as page part needs it ("week",
** "panel", "playlist"), a new reference to the kept value (read it, never
** change it: see page_kept_json); NULL (with a 503 message) when it cannot
** be read. */
static json_t *course_of(request *rq, const char *part)
{
    json_t *(*build)(request *, const char *) = !strcmp(part, "panel")      ? panel_build
                                                : !strcmp(part, "playlist") ? playlist_build
                                                                            : week_build;
    json_t *c = page_kept_json(rq, arena_printf(rq->a, "ws-course-%s %s", part, rq->seat->row.course_slug), build,
                               rq->seat->row.course_slug);
    if (!c)
        page_unavailable(rq);
    return c;
}

/* ---- time ------------------------------------------------------------------ */

/* The zones of a week: the offering's, the viewer's, the first and last
** local dates, and the clock. */
typedef struct week {
    const char *zone, *viewer;
    int32_t first, last;
    int days;                   /* last - first + 1, at most 14 */
    time_t now, start, end;     /* start of day 1 and end of the last day, in the offering's zone */
} week;

/* Set w up for rq's seat and viewer. 0, or -1 when the offering's dates
** cannot be read (logged). */
static int week_of(request *rq, week *w)
{
    const seat *st = rq->seat;
    const char *uz = rq->session->u.time_zone;
    w->zone = tz_valid(st->row.time_zone) ? st->row.time_zone : "UTC";
    w->viewer = uz && tz_valid(uz) ? uz : "UTC";
    w->now = time(NULL);
    if (date_parse(st->row.starts, &w->first) != 0 || date_parse(st->row.ends, &w->last) != 0 ||
        tz_instant(w->zone, w->first, 0, &w->start) != 0 || tz_instant(w->zone, w->last + 1, 0, &w->end) != 0) {
        log_error("offering %s: its dates or time zone cannot be read", st->row.code);
        return -1;
    }
    w->days = w->last - w->first + 1;
    if (w->days < 1)
        w->days = 1;
    if (w->days > 14)
        w->days = 14;
    return 0;
}

/* The instant of relative time rel ("day 3 17:00") in w, with def for a
** day without a time, and its day; 0, or -1 when rel is absent or bad. */
static int rel_instant(const week *w, const char *rel, int def, time_t *t, int *day)
{
    int minute;
    const char *why;
    if (!rel || tz_relative_parse(rel, day, &minute, &why) != 0)
        return -1;
    return tz_relative_instant(w->zone, w->first, *day, minute, def, t);
}

/* "Monday, 9 March 2026, 13:00 CET": instant t in the viewer's zone, in a. */
static const char *when_label(arena *a, const week *w, time_t t)
{
    int32_t days;
    int minute;
    char abbr[16];
    if (tz_local(w->viewer, t, &days, &minute, abbr, sizeof abbr) != 0)
        return "";
    buf b = BUF_INIT;
    date_long_label(&b, days);
    buf_printf(&b, ", %02d:%02d %s", minute / 60, minute % 60, abbr);
    const char *s = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* "Monday, 9 March 2026" for local date days, in a. */
static const char *day_label(arena *a, int32_t days)
{
    buf b = BUF_INIT;
    date_long_label(&b, days);
    const char *s = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* ---- progress ---------------------------------------------------------------- */

/* Whether list (n ids) holds id. */
static int has_id(const int64_t *list, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (list[i] == id)
            return 1;
    return 0;
}

/* Whether the person marked part. */
static int has_part(const ws_done_row *done, const char *part)
{
    for (int i = 0; i < done->n_parts; i++)
        if (!strcmp(done->parts[i], part))
            return 1;
    return 0;
}

/* Whether item (a JSON item with id and section) is done. */
static int item_done(arena *a, const ws_done_row *done, json_t *it)
{
    json_int_t id = json_integer_value(json_object_get(it, "id"));
    const char *section = json_string_value(json_object_get(it, "section"));
    if (!section || !strcmp(section, "playlist"))
        return has_part(done, arena_printf(a, "item:%lld", (long long)id));
    if (!strcmp(section, "prompt"))
        return has_id(done->posted, done->n_posted, id);
    return has_id(done->submitted, done->n_submitted, id);
}

/* Read the person's progress in the seat's offering. 0, or 503. */
static int done_of(request *rq, ws_done_row *done)
{
    if (store_ws_done(page_app(rq)->db, rq->a, rq->seat->row.offering_id, rq->session->u.id, done) != 0)
        return page_unavailable(rq);
    return 0;
}

/* "1 h 25 min", "40 min" for minutes, in a. */
static const char *minutes_label(arena *a, int minutes)
{
    if (minutes < 60)
        return arena_printf(a, "%d min", minutes);
    if (minutes % 60 == 0)
        return arena_printf(a, "%d h", minutes / 60);
    return arena_printf(a, "%d h %d min", minutes / 60, minutes % 60);
}

/* The "ws" object (page_ws notes the visit). */
static json_t *ws_for(request *rq, const char *part)
{
    return page_ws(rq, part);
}

/* ---- GET /learn/CODE --------------------------------------------------------- */

/* Replace obj's instant under key_at (a number, or null) by its label in
** the viewer's zone under key_label. */
static void label_one(arena *a, const week *w, json_t *obj, const char *key_at, const char *key_label)
{
    json_t *at = json_object_get(obj, key_at);
    if (!at)
        return;
    json_object_set_new(obj, key_label, json_is_integer(at) ? json_string(when_label(a, w, (time_t)json_integer_value(at)))
                                                            : json_null());
    json_object_del(obj, key_at);
}

/* Label every instant the week page holds, after all of them are worked
** out in the offering's zone: one switch to the viewer's zone instead of
** one per label. Each row sits on exactly one day (the lists of today and
** overdue share the same objects). */
static void labels(arena *a, const week *w, json_t *days, json_t *milestones)
{
    size_t i, k;
    json_t *d, *row;
    json_array_foreach(days, i, d) {
        json_array_foreach(json_object_get(d, "items"), k, row) {
            label_one(a, w, row, "opens_at", "opens_label");
            label_one(a, w, row, "due_at", "due_label");
        }
    }
    json_array_foreach(milestones, i, row)
        label_one(a, w, row, "when_at", "when_label");
}

/* Lower *next to t when t comes after now and before *next. */
static void sooner(time_t now, time_t t, time_t *next)
{
    if (t > now && t < *next)
        *next = t;
}

/* The person's week for the seat's offering (partials/ws_week_body, see
** templates/README.md), a page_fragment_fn: *ctx its view, *expires
** lowered to the next instant the clock changes it (a day starts in the
** viewer's zone, the week starts or ends, an item opens or falls due, a
** milestone passes). Returns 0, or 503 when the store or the offering's
** dates cannot be read. */
static int week_body(request *rq, void *arg, json_t **ctx, time_t *expires)
{
    (void)arg;
    week w;
    ws_done_row done;
    /* The offering's zone from here until the labels, the viewer's after
    ** (tz_settle): glibc keeps one zone's rules, so each switch rereads a
    ** zone file; this way a page switches at most twice. */
    tz_settle(tz_valid(rq->seat->row.time_zone) ? rq->seat->row.time_zone : "UTC");
    if (week_of(rq, &w) != 0)
        return page_unavailable(rq);
    int rc = done_of(rq, &done);
    if (rc)
        return rc;
    json_t *course = course_of(rq, "week");
    if (!course)
        return 503;
    time_t next = *expires;
    sooner(w.now, w.start, &next);
    sooner(w.now, w.end, &next);
    const char *code = rq->seat->row.code;
    int32_t vtoday;
    int vminute;
    tz_local(w.viewer, w.now, &vtoday, &vminute, NULL, 0);
    int today = (int)(vtoday - w.first) + 1;
    int before = w.now < w.start, after = w.now >= w.end;
    /* A viewer far west of the offering may still be on the day before day
    ** 1 when the week has begun; far east, on the day after the last. */
    if (!before && !after && today < 1)
        today = 1;
    if (!before && !after && today > w.days)
        today = w.days;

    /* the days, then every item and milestone placed on one */
    json_t *days = json_array();
    for (int n = 1; n <= w.days; n++)
        json_array_append_new(days, json_pack("{s:i, s:s, s:b, s:b, s:[], s:[], s:i}", "number", n, "label",
                                              day_label(rq->a, w.first + n - 1), "is_today",
                                              !before && !after && n == today, "is_past", after || (!before && n < today),
                                              "items", "milestones", "minutes", 0));
    json_t *panel = json_object_get(course, "panel");
    int watched = has_part(&done, "panel");
    int panel_minutes = (int)json_integer_value(json_object_get(panel, "minutes"));
    int total = panel_minutes, left = watched ? 0 : panel_minutes, n_items = 1, n_done = watched;
    json_t *todo = json_array(), *overdue = json_array();
    size_t i;
    json_t *it;
    /* Every instant in the offering's zone first, every label in the
    ** viewer's after: each zone's rules are read once (tz_keep). */
    tz_hold hold;
    tz_keep(w.zone, &hold);
    json_array_foreach(json_object_get(course, "items"), i, it) {
        const char *section = json_string_value(json_object_get(it, "section"));
        int minutes = (int)json_integer_value(json_object_get(it, "minutes"));
        int is_done = item_done(rq->a, &done, it);
        time_t opens_at = 0, due_at = 0;
        int opens_day = 0, due_day = 0;
        int has_opens = rel_instant(&w, json_string_value(json_object_get(it, "opens")), OPENS_DEFAULT, &opens_at,
                                    &opens_day) == 0;
        int has_due = rel_instant(&w, json_string_value(json_object_get(it, "due")), DUE_DEFAULT, &due_at,
                                  &due_day) == 0;
        if (has_opens)
            sooner(w.now, opens_at, &next);
        if (has_due)
            sooner(w.now, due_at, &next);
        int day = has_opens ? opens_day : has_due ? due_day : 1;
        if (day > w.days)
            day = w.days;
        const char *url = !strcmp(section, "playlist")
                              ? arena_printf(rq->a, "/learn/%s/playlist#item-%lld", code,
                                             (long long)json_integer_value(json_object_get(it, "id")))
                          : !strcmp(section, "prompt") ? arena_printf(rq->a, "/learn/%s/discuss", code)
                                                       : arena_printf(rq->a, "/learn/%s/activities", code);
        json_t *row = json_pack("{s:O, s:O, s:O, s:i, s:s, s:b, s:o, s:o, s:b, s:b}", "title",
                                json_object_get(it, "title"), "section_label", json_object_get(it, "section_label"),
                                "kind", json_object_get(it, "kind"), "minutes", minutes, "url", url, "done", is_done,
                                "opens_at", has_opens ? json_integer(opens_at) : json_null(),
                                "due_at", has_due ? json_integer(due_at) : json_null(),
                                "is_open", !has_opens || w.now >= opens_at,
                                "is_overdue", has_due && !is_done && w.now >= due_at);
        json_t *d = json_array_get(days, (size_t)(day - 1));
        json_array_append(json_object_get(d, "items"), row);
        json_object_set_new(d, "minutes", json_integer(json_integer_value(json_object_get(d, "minutes")) + minutes));
        if (!before && !after && !is_done) {
            if (has_due && w.now >= due_at)
                json_array_append(overdue, row);
            else if (day == today)
                json_array_append(todo, row);
        }
        json_decref(row);
        total += minutes;
        left += is_done ? 0 : minutes;
        n_items++;
        n_done += is_done;
    }
    /* the panel belongs to the day its milestone names, else day 1 */
    int panel_day = 1;
    json_t *milestones = json_array();
    json_t *m;
    json_array_foreach(json_object_get(course, "milestones"), i, m) {
        time_t at;
        int day;
        if (rel_instant(&w, json_string_value(json_object_get(m, "at")), OPENS_DEFAULT, &at, &day) != 0)
            continue;
        if (day > w.days)
            day = w.days;
        sooner(w.now, at, &next);
        if (!strcmp(json_string_value(json_object_get(m, "key")), "panel-available"))
            panel_day = day;
        json_t *row = json_pack("{s:O, s:I, s:b, s:i}", "title", json_object_get(m, "title"), "when_at",
                                (json_int_t)at, "is_past", w.now >= at, "day", day);
        json_array_append(json_object_get(json_array_get(days, (size_t)(day - 1)), "milestones"), row);
        json_array_append_new(milestones, row);
    }
    tz_release(&hold);
    json_t *panel_row = json_pack("{s:s, s:s, s:s, s:i, s:s, s:b, s:n, s:n, s:b, s:b}", "title",
                                  json_string_value(json_object_get(panel, "title")), "section_label", "Panel",
                                  "kind", "recording", "minutes", panel_minutes, "url",
                                  arena_printf(rq->a, "/learn/%s/panel", code), "done", watched, "opens_label",
                                  "due_label", "is_open", 1, "is_overdue", 0);
    json_t *pd = json_array_get(days, (size_t)(panel_day - 1));
    json_array_insert(json_object_get(pd, "items"), 0, panel_row);
    json_object_set_new(pd, "minutes", json_integer(json_integer_value(json_object_get(pd, "minutes")) + panel_minutes));
    if (!before && !after && !watched && panel_day <= today)
        json_array_insert(todo, 0, panel_row);
    json_decref(panel_row);

    tz_release(&hold);
    tz_settle(w.viewer);
    /* the viewer's next day */
    time_t midnight;
    if (tz_instant(w.viewer, vtoday + 1, 0, &midnight) == 0)
        sooner(w.now, midnight, &next);
    labels(rq->a, &w, days, milestones);
    const char *closes = rq->seat->row.posting_closes_at ? when_label(rq->a, &w, rq->seat->row.posting_closes_at) : "";
    const char *starts_label = when_label(rq->a, &w, w.start), *ends_label = when_label(rq->a, &w, w.end - 60);
    tz_release(&hold);
    *ctx = json_pack(
        "{s:b, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:b, s:b, s:b, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:s, s:s,"
        " s:s, s:i, s:b, s:i}",
        "is_participant", rq->seat->role == SEAT_PARTICIPANT, "code", code, "days", days, "todo", todo, "overdue", overdue, "milestones",
        milestones, "viewer_zone", w.viewer, "offering_zone", w.zone, "is_before", before, "is_after", after,
        "is_during", !before && !after, "starts_label", starts_label, "ends_label", ends_label, "today_number", today, "n_items", n_items, "n_done", n_done,
        "minutes_total", total, "minutes_left", left, "left_label", minutes_label(rq->a, left), "total_label",
        minutes_label(rq->a, total), "hours_label",
        arena_printf(rq->a, json_integer_value(json_object_get(course, "hours_min")) ==
                                    json_integer_value(json_object_get(course, "hours_max"))
                                ? "about %lld hours" : "%lld to %lld hours",
                     (long long)json_integer_value(json_object_get(course, "hours_min")),
                     (long long)json_integer_value(json_object_get(course, "hours_max"))),
        "closes_label", closes, "percent", total ? (total - left) * 100 / total : 0, "same_zone",
        !strcmp(w.viewer, w.zone), "minutes_done", total - left);
    json_decref(course);
    if (!*ctx)
        return page_unavailable(rq);
    *expires = next;
    return 0;
}

/* The week at a glance for the seat's offering (see pages.h and
** templates/README.md, pages/ws_week), with ws (the nav, consumed): the
** person's week kept per worker (week_body) under their progress and the
** course's version, with the latest announcement. Returns 0, or 503. */
static int week_page(request *rq, response *rs, json_t *ws)
{
    const seat *st = rq->seat;
    json_t *course = course_of(rq, "week");
    if (!course) {
        json_decref(ws);
        return 503;
    }
    int64_t version = 0;
    const char *key = NULL;
    if (store_ws_version(page_app(rq)->db, st->row.offering_id, rq->session->u.id, &version) == 0) {
        const char *zone = rq->session->u.time_zone ? rq->session->u.time_zone : "";
        key = arena_printf(rq->a, "week %lld %lld r%d %zu:%s", (long long)st->row.offering_id,
                           (long long)rq->session->u.id, (int)st->role, strlen(zone), zone);
    }
    const char *html;
    size_t len;
    int rc = page_fragment_kept(rq, "partials/ws_week_body", key, (uint64_t)version, time(NULL) + WEEK_KEEP_SECONDS,
                                week_body, NULL, 0, &html, &len);
    if (rc) {
        json_decref(course);
        json_decref(ws);
        return rc;
    }
    /* page_render frees ctx (and the course in it) before it uses the title */
    const char *title = json_string_value(json_object_get(course, "title"));
    title = arena_strdup(rq->a, title ? title : "This week");
    /* our own rendering of valid UTF-8: not checked again */
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:o*}", "ws", ws, "course", course, "body_html",
                            json_stringn_nocheck(html, len), "announcement", page_announce_latest(rq));
    return page_render(rq, rs, "pages/ws_week", ctx, title, NULL);
}

/* The week at a glance (see pages.h). The nav comes first, since it notes
** the visit (a write); then the page's many reads run as one read of the
** database, so SQLite locks once instead of once per statement. */
int page_learn_week(request *rq, response *rs)
{
    json_t *ws = ws_for(rq, "today");
    db *d = page_app(rq)->db;
    int reading = db_begin_read(d) == 0;
    int rc = week_page(rq, rs, ws);
    if (reading)
        db_rollback(d);
    return rc;
}

/* ---- GET /learn/CODE/panel ----------------------------------------------------- */

/* The panel page; its response alone may frame the two players. Returns
** 0, or 503 when the store cannot be read. */
int page_learn_panel(request *rq, response *rs)
{
    ws_done_row done;
    int rc = done_of(rq, &done);
    if (rc)
        return rc;
    json_t *course = course_of(rq, "panel");
    if (!course)
        return 503;
    /* The players we embed, and nothing else, may be framed on this page. */
    const char *base = page_app(rq)->csp ? page_app(rq)->csp : http_csp;
    rs->csp = arena_printf(rq->a, "%s; " FRAME_SRC, base);
    json_t *ctx = json_pack("{s:o, s:o, s:b, s:s, s:s}", "ws", ws_for(rq, "panel"), "course", course, "watched",
                            has_part(&done, "panel"), "csrf", rq->csrf ? rq->csrf : "", "action",
                            arena_printf(rq->a, "/learn/%s/panel/watched", rq->seat->row.code));
    /* Captions, handouts, and whether the recording may be shown
    ** (a video file plays in <video> with its <track>, from any https host). */
    json_t *res = page_panel_resources(rq, rq->seat->row.course_slug, rq->seat->row.code,
                                       json_string_value(json_object_get(json_object_get(course, "panel"), "video")));
    if (!res) {
        json_decref(ctx);
        return page_unavailable(rq);
    }
    json_object_set_new(ctx, "resources", res);
    rs->csp = arena_printf(rq->a, "%s; media-src 'self' https:", rs->csp);
    return page_render(rq, rs, "pages/ws_panel", ctx, "Panel discussion", NULL);
}

/* ---- GET /learn/CODE/playlist --------------------------------------------------- */

/* The playlist with check-off forms and progress. Returns 0, or 503 when
** the store cannot be read. */
int page_learn_playlist(request *rq, response *rs)
{
    ws_done_row done;
    week w;
    if (week_of(rq, &w) != 0)
        return page_unavailable(rq);
    int rc = done_of(rq, &done);
    if (rc)
        return rc;
    /* the kept course is shared: this page marks its items, so on a copy */
    json_t *kept = course_of(rq, "playlist");
    json_t *course = json_deep_copy(kept);
    json_decref(kept);
    if (!course)
        return page_unavailable(rq);
    int n = 0, n_done = 0, total = 0, left = 0;
    size_t i;
    json_t *it;
    json_t *list = json_object_get(course, "playlist");
    tz_hold hold;
    tz_keep(w.zone, &hold);
    json_array_foreach(list, i, it) {
        json_object_set_new(it, "section", json_string("playlist"));
        int is_done = item_done(rq->a, &done, it);
        int minutes = (int)json_integer_value(json_object_get(it, "minutes"));
        time_t at;
        int day;
        int has_opens = rel_instant(&w, json_string_value(json_object_get(it, "opens")), OPENS_DEFAULT, &at, &day) == 0;
        json_object_set_new(it, "done", json_boolean(is_done));
        json_object_set_new(it, "day_label", has_opens ? json_string(arena_printf(rq->a, "Day %d", day)) : json_null());
        json_object_set_new(it, "action", json_string(arena_printf(rq->a, "/learn/%s/playlist/%lld", rq->seat->row.code,
                                                                   (long long)json_integer_value(json_object_get(it, "id")))));
        n++;
        n_done += is_done;
        total += minutes;
        left += is_done ? 0 : minutes;
    }
    tz_release(&hold);
    json_t *ctx = json_pack("{s:o, s:o, s:i, s:i, s:s, s:s, s:i, s:i, s:s}", "ws", ws_for(rq, "playlist"), "course",
                            course, "n_items", n, "n_done", n_done, "left_label", minutes_label(rq->a, left),
                            "total_label", minutes_label(rq->a, total), "minutes_total", total, "minutes_done",
                            total - left, "csrf", rq->csrf ? rq->csrf : "");
    return page_render(rq, rs, "pages/ws_playlist", ctx, "Playlist", NULL);
}

/* ---- the forms ------------------------------------------------------------------- */

/* The form's done field: 1 or 0, or -1 when it is neither. */
static int done_field(request *rq)
{
    const char *v = kv_get(&rq->form, "done");
    return v && !strcmp(v, "1") ? 1 : v && !strcmp(v, "0") ? 0 : -1;
}

/* Where to go after a form: back to the week when the form says so
** ("back=week"), else to fallback. */
static const char *back_to(request *rq, const char *fallback)
{
    const char *b = kv_get(&rq->form, "back");
    return b && !strcmp(b, "week") ? arena_printf(rq->a, "/learn/%s", rq->seat->row.code) : fallback;
}

/* Change part's progress as the form asks and answer with a redirect. */
static int progress_form(request *rq, response *rs, const char *part, const char *fallback, const char *flash_on,
                         const char *flash_off)
{
    int want = done_field(rq);
    if (want < 0) {
        rq->message = "The form must say done=1 (mark it done) or done=0 (take it back).";
        return 400;
    }
    domain d = domain_make(page_app(rq)->db, page_app(rq)->cfg, page_app(rq)->tmpl, rq->a, rq->session->u.id,
                           time(NULL));
    int rc = ws_progress_set(&d, rq->seat->row.offering_id, part, want);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, want ? flash_on : flash_off);
    http_redirect(rs, 303, back_to(rq, fallback));
    return 0;
}

/* POST: mark the panel watched (done=1) or take it back (done=0); 303 to
** the panel, 400 bad form, 409 already so, 503. */
int page_learn_watched(request *rq, response *rs)
{
    return progress_form(rq, rs, "panel", arena_printf(rq->a, "/learn/%s/panel", rq->seat->row.code), "watched",
                         "unwatched");
}

/* POST: check playlist item param[1] off (done=1) or undo it (done=0);
** 404 when it is not an item of this offering's playlist, else as
** page_learn_watched (303 to the playlist). */
int page_learn_check(request *rq, response *rs)
{
    char *end;
    long long id = strtoll(rq->param[1], &end, 10);
    int found = *end ? 0 : store_ws_item_of(page_app(rq)->db, rq->seat->row.offering_id, id, "playlist");
    if (found < 0)
        return page_unavailable(rq);
    if (!found) {
        rq->message = "There is no such item in this course's playlist. The playlist page lists them all.";
        return 404;
    }
    return progress_form(rq, rs, arena_printf(rq->a, "item:%lld", id),
                         arena_printf(rq->a, "/learn/%s/playlist", rq->seat->row.code), "checked",
                         "unchecked");
}
