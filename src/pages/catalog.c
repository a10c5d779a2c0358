/*
** catalog.c: the public pages: home, the catalog, a course, the calendar,
** an offering, and the iCalendar feeds.
*/
#include <string.h>
#include <time.h>

#include "app.h"
#include "date.h"
#include "ical.h"
#include "pages.h"
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

/* Every offering (demo ones when configured), decorated for today. */
static json_t *offerings(request *rq, const char *slug, int32_t today)
{
    json_t *all = store_offerings(rq->app->db, slug, rq->app->cfg->demo);
    size_t i;
    json_t *o;
    json_array_foreach(all, i, o)
        page_offering(rq->a, o, today);
    return all;
}

/* Whether an offering is still ahead (open, full, upcoming, or closed but
** not started). */
static int ahead(json_t *o)
{
    return !json_is_true(json_object_get(o, "is_past")) && !json_is_true(json_object_get(o, "is_running"));
}

/* Course cards with their offerings and the next one still ahead. */
static json_t *course_cards(request *rq, json_t *all_offerings)
{
    json_t *courses = store_courses(rq->app->db);
    size_t i, j;
    json_t *c, *o;
    json_array_foreach(courses, i, c) {
        course_labels(rq, c);
        const char *slug = json_string_value(json_object_get(c, "slug"));
        json_t *mine = json_array();
        json_t *next = NULL;
        json_array_foreach(all_offerings, j, o) {
            if (strcmp(slug, json_string_value(json_object_get(o, "course_slug"))))
                continue;
            json_array_append(mine, o);
            if (!next && ahead(o))
                next = o;
        }
        json_object_set_new(c, "offerings", mine);
        json_object_set(c, "next_offering", next ? next : json_null());
    }
    return courses;
}

int page_home(request *rq, response *rs)
{
    int32_t today = date_today();
    json_t *all = offerings(rq, NULL, today);
    json_t *upcoming = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(all, i, o)
        if (ahead(o) && json_array_size(upcoming) < 5)
            json_array_append(upcoming, o);
    json_t *series = store_series(rq->app->db);
    const char *tagline = series ? json_string_value(json_object_get(series, "tagline")) : NULL;
    tagline = arena_strdup(rq->a, tagline ? tagline : "Courses");
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:s}", "series", series ? series : json_object(),
                            "courses", course_cards(rq, all), "upcoming", upcoming, "description", tagline);
    json_decref(all);
    return page_render(rq, rs, "pages/home", ctx, tagline, "home");
}

int page_courses(request *rq, response *rs)
{
    json_t *all = offerings(rq, NULL, date_today());
    json_t *ctx = json_pack("{s:o}", "courses", course_cards(rq, all));
    json_decref(all);
    return page_render(rq, rs, "pages/courses", ctx, "Courses", "courses");
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

int page_course(request *rq, response *rs)
{
    json_t *course = store_course(rq->app->db, rq->param[0]);
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
    json_t *courses = store_courses(rq->app->db);
    json_t *ctx = json_pack("{s:o, s:O, s:o, s:o, s:o}", "course", course,
                            "description", json_object_get(course, "summary"),
                            "offerings", offerings(rq, rq->param[0], date_today()),
                            "prev", neighbour(rq, courses, pos - 1), "next", neighbour(rq, courses, pos + 1));
    json_decref(courses);
    const char *title = arena_strdup(rq->a, json_string_value(json_object_get(course, "title")));
    return page_render(rq, rs, "pages/course", ctx, title, "courses");
}

int page_calendar(request *rq, response *rs)
{
    json_t *all = offerings(rq, NULL, date_today());
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
    json_t *ctx = json_pack("{s:o, s:s}", "seasons", seasons, "feed_url", "/calendar.ics");
    return page_render(rq, rs, "pages/calendar", ctx, "Calendar", "calendar");
}

int page_offering_show(request *rq, response *rs)
{
    json_t *o = store_offering(rq->app->db, rq->param[0]);
    if (!o || (json_is_true(json_object_get(o, "demo")) && !rq->app->cfg->demo)) {
        json_decref(o);
        rq->message = "There is no offering at this address. The calendar lists every offering.";
        return 404;
    }
    page_offering(rq->a, o, date_today());
    json_t *course = store_course(rq->app->db, json_string_value(json_object_get(o, "course_slug")));
    if (!course) {
        json_decref(o);
        return 404;
    }
    course_labels(rq, course);
    const char *title = arena_printf(rq->a, "%s, %s", json_string_value(json_object_get(course, "title")),
                                     json_string_value(json_object_get(o, "dates_label")));
    json_t *ctx = json_pack("{s:o, s:o}", "offering", o, "course", course);
    return page_render(rq, rs, "pages/offering", ctx, title, "calendar");
}

/* Fill rs with a calendar of the given offerings. */
static int ics_response(request *rq, response *rs, json_t *list, const char *name)
{
    page_ics(rq->app, rq->a, list, name, &rs->body);
    rs->content_type = "text/calendar; charset=utf-8";
    return 0;
}

int page_calendar_ics(request *rq, response *rs)
{
    json_t *all = store_offerings(rq->app->db, NULL, rq->app->cfg->demo);
    int rc = ics_response(rq, rs, all, NULL);
    json_decref(all);
    return rc;
}

int page_offering_ics(request *rq, response *rs)
{
    json_t *o = store_offering(rq->app->db, rq->param[0]);
    if (!o || (json_is_true(json_object_get(o, "demo")) && !rq->app->cfg->demo)) {
        json_decref(o);
        rq->message = "There is no offering at this address.";
        return 404;
    }
    json_t *list = json_pack("[o]", o);
    const char *name = arena_strdup(rq->a, json_string_value(json_object_get(o, "course_title")));
    int rc = ics_response(rq, rs, list, name);
    http_header(rs, "Content-Disposition", arena_printf(rq->a, "attachment; filename=\"%s.ics\"", rq->param[0]));
    json_decref(list);
    return rc;
}

int page_health(request *rq, response *rs)
{
    buf_printf(&rs->body, "ok %lld\n", (long long)store_content_version(rq->app->db));
    rs->content_type = "text/plain; charset=utf-8";
    return 0;
}
