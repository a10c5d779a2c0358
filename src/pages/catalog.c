/*
** catalog.c: the public pages: home, the catalog, a course, the calendar,
** an offering, and the iCalendar feeds.
*/
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "cache.h"
#include "date.h"
#include "ical.h"
#include "log.h"
#include "mail.h"
#include "pages.h"
#include "store_accounts.h"
#include "store_content.h"

/* Add a course object's hours_label ("4–6 hours", "5 hours") and url. */
static void course_labels(request *rq, json_t *c)
{
    json_int_t lo = json_integer_value(json_object_get(c, "hours_min"));
    json_int_t hi = json_integer_value(json_object_get(c, "hours_max"));
    const char *s = lo == hi ? arena_printf(rq->a, "%lld hour%s", (long long)lo, lo == 1 ? "" : "s")
                             : arena_printf(rq->a, "%lld–%lld hours", (long long)lo, (long long)hi);
    json_object_set_new(c, "hours_label", json_string(s));
    json_object_set_new(c, "url", json_string(arena_printf(rq->a, "/courses/%s",
                                                           json_string_value(json_object_get(c, "slug")))));
}

/* Decorate one offering for the public pages as seen on day today: a
** finished offering has no seats left and nothing to add to a calendar. */
static void decorate(request *rq, json_t *o, int32_t today)
{
    page_offering(rq->a, o, today);
    int past = json_is_true(json_object_get(o, "is_past"));
    if (past) {
        json_object_set_new(o, "seats_left", json_integer(0));
        json_object_set_new(o, "seats_label", json_string("No seats left"));
    }
    json_object_set_new(o, "show_calendar", json_boolean(!past));
}

/* The day today + shift as "YYYY-MM-DD", in the request's arena. */
static const char *iso_day(request *rq, int32_t day)
{
    buf b = BUF_INIT;
    date_iso(&b, day);
    const char *s = arena_strdup(rq->a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* Offering rows the store read (rc its answer), shaped and decorated for
** today; NULL and a log line when they could not be read. */
static json_t *shaped(request *rq, int rc, const offering_listing *list, int n, int32_t today)
{
    if (rc != 0) {
        log_error("reading the offerings: %s", db_errmsg(page_app(rq)->db));
        return NULL;
    }
    json_t *all = page_offerings_json(list, n);
    size_t i;
    json_t *o;
    json_array_foreach(all, i, o)
        decorate(rq, o, today);
    return all;
}

/* The next offering of each course starting after today, decorated;
** NULL when they could not be read. */
static json_t *next_offerings(request *rq, int32_t today)
{
    offering_listing *list;
    int n;
    int rc = store_offerings_next(page_app(rq)->db, rq->a, page_app(rq)->cfg->demo, iso_day(rq, today), &list, &n);
    return shaped(rq, rc, list, n, today);
}

/* Whether an offering is still ahead (open, full, upcoming, or closed but
** not started). */
static int ahead(json_t *o)
{
    return !json_is_true(json_object_get(o, "is_past")) && !json_is_true(json_object_get(o, "is_running"));
}

/* Course cards, each with its next offering still ahead (next_offerings
** holds at most one per course), as next_offering and as its list. */
static json_t *course_cards(request *rq, json_t *next_offerings)
{
    json_t *courses = page_courses_load(page_app(rq)->db, rq->a);
    size_t i, j;
    json_t *c, *o;
    json_array_foreach(courses, i, c) {
        course_labels(rq, c);
        const char *slug = json_string_value(json_object_get(c, "slug"));
        json_t *mine = json_array();
        json_t *next = NULL;
        json_array_foreach(next_offerings, j, o) {
            if (strcmp(slug, json_string_value(json_object_get(o, "course_slug"))))
                continue;
            json_array_append(mine, o);
            if (!next && ahead(o))
                next = o;
        }
        json_object_set_new(c, "offerings", mine);
        json_object_set(c, "next_offering", next ? next : json_null());
        json_object_set_new(c, "notify_url", json_string(arena_printf(rq->a, "/courses/%s/notify", slug)));
    }
    return courses;
}

/* The home page's view: the series, course cards and what starts next. */
static int home_view(request *rq, int32_t today, page_view *v)
{
    offering_listing *list;
    int n;
    int rc = store_offerings_ahead(page_app(rq)->db, rq->a, page_app(rq)->cfg->demo, iso_day(rq, today), 5, &list, &n);
    json_t *upcoming = shaped(rq, rc, list, n, today);
    json_t *next = upcoming ? next_offerings(rq, today) : NULL;
    if (!next) {
        json_decref(upcoming);
        return page_unavailable(rq);
    }
    json_t *series = store_series(page_app(rq)->db);
    const char *tagline = series ? json_string_value(json_object_get(series, "tagline")) : NULL;
    tagline = arena_strdup(rq->a, tagline ? tagline : "Courses");
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:s}", "series", series ? series : json_object(),
                            "courses", course_cards(rq, next), "upcoming", upcoming, "description", tagline);
    json_decref(next);
    *v = (page_view){ctx, tagline, tagline};
    return 0;
}

int page_home(request *rq, response *rs)
{
    return page_render_shared(rq, rs, "pages/home", "home", home_view);
}

/* The catalog's view: every course card. */
static int courses_view(request *rq, int32_t today, page_view *v)
{
    json_t *all = next_offerings(rq, today);
    if (!all)
        return page_unavailable(rq);
    json_t *ctx = json_pack("{s:o}", "courses", course_cards(rq, all));
    json_decref(all);
    *v = (page_view){ctx, "Courses", NULL};
    return 0;
}

int page_courses(request *rq, response *rs)
{
    return page_render_shared(rq, rs, "pages/courses", "courses", courses_view);
}

/* A playlist kind as a reader sees it ("case-study" -> "Case study"). */
static const char *kind_label(request *rq, const char *kind)
{
    if (!kind)
        return "";
    char *s = arena_strdup(rq->a, kind);
    for (char *p = s; *p; p++)
        if (*p == '-')
            *p = ' ';
    if (*s >= 'a' && *s <= 'z')
        *s = (char)(*s - 'a' + 'A');
    return s;
}

/* {title, url} of the published course at position, or JSON null. */
static json_t *neighbour(request *rq, json_t *courses, json_int_t position)
{
    size_t i;
    json_t *c;
    json_array_foreach(courses, i, c)
        if (json_integer_value(json_object_get(c, "position")) == position)
            return json_pack("{s:O, s:s}", "title", json_object_get(c, "title"), "url",
                             arena_printf(rq->a, "/courses/%s", json_string_value(json_object_get(c, "slug"))));
    return json_null();
}

/* How many finished offerings a course page shows, the latest ones, and
** how many not finished, the next ones. */
#define RECENT_PAST 5
#define COURSE_AHEAD 12

/* A course page's view: the course, its offerings not yet finished and
** the last few finished ones, its neighbours. */
static int course_view(request *rq, int32_t today, page_view *v)
{
    json_t *course = page_course_load(page_app(rq)->db, rq->a, rq->param[0]);
    if (!course) {
        rq->message = "There is no course at this address. The catalog lists every course.";
        return 404;
    }
    course_labels(rq, course);
    json_int_t minutes = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(course, "playlist"), i, it) {
        minutes += json_integer_value(json_object_get(it, "minutes"));
        json_object_set_new(it, "kind_label", json_string(kind_label(rq, json_string_value(json_object_get(it, "kind")))));
    }
    json_object_set_new(course, "total_playlist_minutes", json_integer(minutes));
    json_int_t pos = json_integer_value(json_object_get(course, "position"));
    json_t *courses = page_courses_load(page_app(rq)->db, rq->a);
    offering_listing *rows;
    int n;
    int rc = store_course_offerings(page_app(rq)->db, rq->a, rq->param[0], page_app(rq)->cfg->demo,
                                    iso_day(rq, today), COURSE_AHEAD, RECENT_PAST, &rows, &n);
    json_t *list = shaped(rq, rc, rows, n, today);
    if (!list) {
        json_decref(course);
        json_decref(courses);
        return page_unavailable(rq);
    }
    int upcoming = 0, not_over = 0;
    size_t j;
    json_t *o;
    json_array_foreach(list, j, o) {
        upcoming |= ahead(o);
        not_over += !json_is_true(json_object_get(o, "is_past"));
    }
    /* As many as are shown were read: there may be later ones, in the calendar. */
    int more = not_over >= COURSE_AHEAD;
    json_object_set_new(course, "notify_url", json_string(arena_printf(rq->a, "/courses/%s/notify", rq->param[0])));
    json_t *ctx = json_pack("{s:o, s:O, s:o, s:b, s:b, s:o, s:o}", "course", course,
                            "description", json_object_get(course, "summary"), "offerings", list,
                            "has_upcoming", upcoming, "more_dates", more,
                            "prev", neighbour(rq, courses, pos - 1), "next", neighbour(rq, courses, pos + 1));
    json_decref(courses);
    const char *title = arena_strdup(rq->a, json_string_value(json_object_get(course, "title")));
    const char *summary = json_string_value(json_object_get(course, "summary"));
    *v = (page_view){ctx, title, summary ? arena_strdup(rq->a, summary) : NULL};
    return 0;
}

int page_course(request *rq, response *rs)
{
    return page_render_shared(rq, rs, "pages/course", "courses", course_view);
}

/* At most this many offerings on one calendar page or in the feed. */
#define CALENDAR_MAX 500
/* The calendar page shows the offerings starting within this many days. */
#define CALENDAR_AHEAD_DAYS 366
/* The feed keeps offerings finished this many days ago. */
#define FEED_PAST_DAYS 90

/* The season asked for by ?season=, or NULL for the calendar itself. */
static const char *season_param(request *rq)
{
    return kv_get(&rq->query, "season");
}

/* Offerings (decorated, consumed) grouped into seasons in their order:
** [{label, demo, offerings}]. */
static json_t *by_season(json_t *all)
{
    json_t *seasons = json_array();
    json_t *current = NULL;
    size_t i;
    json_t *o;
    json_array_foreach(all, i, o) {
        const char *label = json_string_value(json_object_get(o, "season"));
        int demo = json_is_true(json_object_get(o, "demo"));
        if (!current || strcmp(label, json_string_value(json_object_get(current, "label"))) ||
            demo != json_is_true(json_object_get(current, "demo"))) {
            current = json_pack("{s:s, s:b, s:[]}", "label", label, "demo", demo, "offerings");
            json_array_append_new(seasons, current);
        }
        json_array_append(json_object_get(current, "offerings"), o);
    }
    json_decref(all);
    return seasons;
}

/* How many offerings seasons (as by_season made them) show of label. */
static size_t shown_of(json_t *seasons, const char *label)
{
    size_t i, n = 0;
    json_t *s;
    json_array_foreach(seasons, i, s)
        if (!strcmp(label, json_string_value(json_object_get(s, "label"))))
            n += json_array_size(json_object_get(s, "offerings"));
    return n;
}

/* The calendar's view: the offerings not finished that start within a
** year and the current season (the season of the latest offering
** started), or with ?season= one season; then links to every season not
** shown in full, past ones and later ones apart. */
static int calendar_view(request *rq, int32_t today, page_view *v)
{
    db *d = page_app(rq)->db;
    int demo = page_app(rq)->cfg->demo;
    const char *asked = season_param(rq);
    const char *now = iso_day(rq, today);
    offering_listing *list;
    int n, rc;
    if (asked) {
        rc = store_offerings_season(d, rq->a, demo, asked, CALENDAR_MAX, &list, &n);
        if (rc == 0 && n == 0) {
            rq->message = "The calendar has no season by that name. The calendar page links to every season.";
            return 404;
        }
    } else {
        const char *current;
        rc = store_current_season(d, rq->a, now, &current) < 0 ? -1
             : store_offerings_current(d, rq->a, demo, now, iso_day(rq, today + CALENDAR_AHEAD_DAYS), current,
                                       CALENDAR_MAX, &list, &n);
    }
    json_t *all = shaped(rq, rc, list, n, today);
    season_row *rows;
    int n_rows;
    if (!all || store_offering_seasons(d, rq->a, demo, &rows, &n_rows) != 0) {
        json_decref(all);
        return page_unavailable(rq);
    }
    json_t *seasons = by_season(all);
    json_t *past = json_array(), *later = json_array();
    for (int i = 0; i < n_rows; i++)
        if (shown_of(seasons, rows[i].label) < (size_t)rows[i].offerings)
            json_array_append_new(strcmp(rows[i].last, now) < 0 ? past : later,
                                  json_pack("{s:s, s:b}", "label", rows[i].label, "demo", rows[i].demo));
    json_t *ctx = json_pack("{s:o, s:s, s:o, s:o, s:b}", "seasons", seasons, "feed_url", "/calendar.ics",
                            "past_seasons", past, "later_seasons", later, "archive", asked != NULL);
    *v = (page_view){ctx, asked ? arena_printf(rq->a, "Calendar: %s", asked) : "Calendar", NULL};
    return 0;
}

int page_calendar(request *rq, response *rs)
{
    const char *asked = season_param(rq);
    if (asked) {
        size_t len = strlen(asked);
        int ok = len > 0 && len <= 100;
        for (const unsigned char *p = (const unsigned char *)asked; ok && *p; p++)
            ok = *p >= 0x20 && *p != 0x7f;
        if (!ok) {
            rq->message = "A season is named like the ones the calendar page links to; follow one of those links.";
            return 400;
        }
    }
    return page_render_shared_as(rq, rs, "pages/calendar", "calendar", asked, calendar_view);
}

/* An offering page's view. */
static int offering_view(request *rq, int32_t today, page_view *v)
{
    json_t *o = page_offering_load(page_app(rq)->db, rq->a, rq->param[0]);
    if (!o || !json_is_true(json_object_get(o, "published")) ||   /* drafts and withdrawn ones */
        (json_is_true(json_object_get(o, "demo")) && !page_app(rq)->cfg->demo)) {
        json_decref(o);
        rq->message = "There is no offering at this address. The calendar lists every offering.";
        return 404;
    }
    decorate(rq, o, today);
    json_t *course = page_course_load(page_app(rq)->db, rq->a, json_string_value(json_object_get(o, "course_slug")));
    if (!course) {
        json_decref(o);
        return 404;
    }
    course_labels(rq, course);
    const char *title = arena_printf(rq->a, "%s, %s", json_string_value(json_object_get(course, "title")),
                                     json_string_value(json_object_get(o, "dates_label")));
    json_t *ctx = json_pack("{s:o, s:o}", "offering", o, "course", course);
    *v = (page_view){ctx, title, NULL};
    return 0;
}

int page_offering_show(request *rq, response *rs)
{
    return page_render_shared(rq, rs, "pages/offering", "calendar", offering_view);
}

/* Bounds of a worker's kept feeds: the calendar's and one per offering
** asked for, at most 90 KB each on a filled database. */
enum { FEEDS_MAX_ENTRIES = 256, FEEDS_MAX_BYTES = 16 << 20 };

/* Fill rs with a calendar of the given offerings (a demonstration
** offering's title says so: "[Demo] Purpose and Vision"). */
static int ics_response(request *rq, response *rs, json_t *list, const char *name)
{
    page_ics(page_app(rq), list, name, &rs->body);
    rs->content_type = "text/calendar; charset=utf-8";
    return 0;
}

/* The worker's kept feeds, made on first use (after fork); NULL when out
** of memory (the feed is then built every time). */
static cache *feeds(void)
{
    static cache *c;
    if (!c)
        c = cache_new(FEEDS_MAX_ENTRIES, FEEDS_MAX_BYTES);
    return c;
}

/* Builds one feed into rs (its body and content type) as seen on day
** today; 0, or an HTTP status (rq->message says why). */
typedef int (*feed_fn)(request *rq, response *rs, int32_t today);

/* Answer with the feed that build makes, kept in the worker under (path,
** demo setting, day) at the content version: a feed shows the series,
** courses, offerings and coaches, all of which bump that version in the
** transaction that changes them, and no seat counts, so a registration
** leaves it good. What build refuses (an unknown offering) is not kept. A
** version that cannot be read builds the feed afresh. Returns 0 or
** build's status. */
static int feed_kept(request *rq, response *rs, feed_fn build)
{
    app *ap = page_app(rq);
    int32_t today = date_today();
    int64_t content_v = 0, seats_v = 0;
    cache *c = store_view_versions(ap->db, &content_v, &seats_v) == 0 ? feeds() : NULL;
    const char *key = arena_printf(rq->a, "%s %d %ld", rq->path, ap->cfg->demo, (long)today);
    size_t len = 0;
    const char *kept = c ? cache_get(c, key, (uint64_t)content_v, time(NULL), &len) : NULL;
    if (kept) {
        buf_append(&rs->body, kept, len);
        rs->content_type = "text/calendar; charset=utf-8";
        return 0;
    }
    int rc = build(rq, rs, today);
    if (rc == 0 && c && !buf_failed(&rs->body))
        cache_put(c, key, (uint64_t)content_v, 0, rs->body.data, rs->body.len);
    return rc;
}

/* The calendar feed: offerings finished within FEED_PAST_DAYS, those
** starting within a year and the current season. */
static int calendar_feed(request *rq, response *rs, int32_t today)
{
    db *d = page_app(rq)->db;
    const char *current;
    offering_listing *list;
    int n;
    int rc = store_current_season(d, rq->a, iso_day(rq, today), &current) < 0 ? -1
             : store_offerings_current(d, rq->a, page_app(rq)->cfg->demo, iso_day(rq, today - FEED_PAST_DAYS),
                                       iso_day(rq, today + CALENDAR_AHEAD_DAYS), current, CALENDAR_MAX, &list, &n);
    if (rc != 0) {
        log_error("reading the offerings: %s", db_errmsg(d));
        return page_unavailable(rq);
    }
    json_t *all = page_offerings_json(list, n);
    rc = ics_response(rq, rs, all, NULL);
    json_decref(all);
    return rc;
}

int page_calendar_ics(request *rq, response *rs)
{
    return feed_kept(rq, rs, calendar_feed);
}

/* One offering's feed (its code is rq->param[0]). */
static int offering_feed(request *rq, response *rs, int32_t today)
{
    (void)today;
    json_t *o = page_offering_load(page_app(rq)->db, rq->a, rq->param[0]);
    if (!o || !json_is_true(json_object_get(o, "published")) ||   /* drafts and withdrawn ones */
        (json_is_true(json_object_get(o, "demo")) && !page_app(rq)->cfg->demo)) {
        json_decref(o);
        rq->message = "There is no offering at this address.";
        return 404;
    }
    json_t *list = json_pack("[o]", o);
    const char *name = arena_printf(rq->a, "%s%s", json_is_true(json_object_get(o, "demo")) ? "[Demo] " : "",
                                    json_string_value(json_object_get(o, "course_title")));
    int rc = ics_response(rq, rs, list, name);
    json_decref(list);
    return rc;
}

int page_offering_ics(request *rq, response *rs)
{
    int rc = feed_kept(rq, rs, offering_feed);
    if (rc == 0)
        http_header(rs, "Content-Disposition", arena_printf(rq->a, "attachment; filename=\"%s.ics\"", rq->param[0]));
    return rc;
}

/* Render the "tell me about new dates" form for course (consumed) with the
** e-mail given so far and an error for it, if any. */
static int notify_form(request *rq, response *rs, json_t *course, const char *email, const char *error)
{
    course_labels(rq, course);
    json_t *ctx = json_pack("{s:o, s:{s:s}, s:b}", "course", course, "values", "email", email, "has_errors",
                            error != NULL);
    if (error) {
        json_object_set_new(ctx, "error", json_string(error));
        rs->status = 422;
    }
    const char *title = arena_printf(rq->a, "New dates for %s", json_string_value(json_object_get(course, "title")));
    return page_render(rq, rs, "pages/course_notify", ctx, title, "courses");
}

int page_course_notify(request *rq, response *rs)
{
    json_t *course = page_course_load(page_app(rq)->db, rq->a, rq->param[0]);
    if (!course) {
        rq->message = "There is no course at this address. The catalog lists every course.";
        return 404;
    }
    if (strcmp(rq->method, "POST"))
        return notify_form(rq, rs, course, rq->session ? rq->session->u.email : "", NULL);
    const char *email = kv_get(&rq->form, "email");
    email = email ? arena_strdup(rq->a, email) : "";
    while (*email == ' ' || *email == '\t')
        email++;
    char *end = (char *)email + strlen(email);
    while (end > email && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    if (!*email || strlen(email) > 254 || !mail_addr_valid(email))
        return notify_form(rq, rs, course, email,
                           *email ? "Enter an e-mail address like name@school.org." : "Enter your e-mail address.");
    time_t now = time(NULL);
    int allowed = store_rate_hit(page_app(rq)->db, arena_printf(rq->a, "dates:ip:%.60s", rq->remote_addr ? rq->remote_addr : ""),
                                 now, 3600, 20);
    if (allowed < 0) {
        json_decref(course);
        rq->message = "Your request could not be kept just now. Please try again in a minute.";
        return 503;
    }
    if (!allowed) {
        json_decref(course);
        rq->message = "Too many requests from your network. Please wait an hour and try again.";
        return 429;
    }
    int rc = store_date_request_add(page_app(rq)->db, rq->param[0], email, now);
    if (rc < 0) {
        log_error("cannot keep a request for dates: %s", db_errmsg(page_app(rq)->db));
        json_decref(course);
        rq->message = "Your request could not be kept just now. Please try again in a minute.";
        return 503;
    }
    if (rc == 0) {
        json_decref(course);
        rq->message = "There is no course at this address. The catalog lists every course.";
        return 404;
    }
    const char *title = json_string_value(json_object_get(course, "title"));
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:s}", "heading", "We will let you know",
                            "message", arena_printf(rq->a, "We will e-mail %s once, when new dates for %s are "
                                                           "announced. Nothing else is sent to this address.",
                                                    email, title),
                            "link_url", arena_printf(rq->a, "/courses/%s", rq->param[0]),
                            "link_label", arena_printf(rq->a, "Back to %s", title));
    json_decref(course);
    return page_render(rq, rs, "pages/notice", ctx, "We will let you know", "courses");
}

int page_health(request *rq, response *rs)
{
    int64_t v = store_content_version(page_app(rq)->db);
    if (v < 0)
        return page_unavailable(rq);
    buf_printf(&rs->body, "ok %lld\n", (long long)v);
    rs->content_type = "text/plain; charset=utf-8";
    return 0;
}
