/*
** reports.c: the staff reports and exports. /staff/reports lists the
** seasons; a season's report and an offering's report show registrations
** by state and payment state, money (paid, refunded, invoices
** outstanding), completion, discussion activity and coach response times,
** with a chart of registrations over time drawn as SVG on the server (its
** title, description and a table of the same numbers beside it). The CSV
** exports (rosters, payments, invoices, completions; of an offering, a
** season or everything) are streamed: each row is written as it is read
** and sent a chunk at a time, so a worker's memory does not grow with the
** export. Every route is R_STAFF (routes.c); nothing here changes state.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "csv.h"
#include "date.h"
#include "pages.h"
#include "store_content.h"
#include "store_enrol.h"
#include "store_reports.h"

enum {
    CHART_W = 640,      /* the chart's drawing box, in SVG units */
    CHART_H = 240,
    CHART_LEFT = 48,    /* room for the scale */
    CHART_BOTTOM = 28,  /* room for the dates */
    CHART_TOP = 12,
    CHART_DAYS = 62     /* up to this many days: a bar a day; beyond, a bar a month */
};

/* "1,234.50 USD" for cents in currency, in a. */
static const char *money_label(arena *a, int64_t cents, const char *currency)
{
    int64_t whole = cents / 100, part = cents % 100;
    char digits[32], grouped[48];
    snprintf(digits, sizeof digits, "%lld", (long long)whole);
    size_t n = strlen(digits), j = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            grouped[j++] = ',';
        grouped[j++] = digits[i];
    }
    grouped[j] = '\0';
    return arena_printf(a, "%s.%02lld %s", grouped, (long long)part, currency ? currency : "");
}

/* "62%" of part in whole, or "–" when whole is 0, in a. */
static const char *percent_label(arena *a, int64_t part, int64_t whole)
{
    if (whole <= 0)
        return "–";
    return arena_printf(a, "%lld%%", (long long)((part * 100 + whole / 2) / whole));
}

/* A duration in seconds as "5.2 hours" or "2.1 days", in a; "–" for none. */
static const char *hours_label(arena *a, int64_t total, int64_t count)
{
    if (count <= 0)
        return "–";
    double h = (double)total / (double)count / 3600.0;
    return h < 48 ? arena_printf(a, "%.1f hours", h) : arena_printf(a, "%.1f days", h / 24.0);
}

/* Labels people read for a registration's state and payment state. */
static const char *state_label(const char *s)
{
    static const char *const names[][2] = {
        {"active", "Registered"},   {"pending", "Awaiting payment"}, {"waitlisted", "Waitlisted"},
        {"offered", "Seat offered"}, {"cancelled", "Cancelled"},      {"refunded", "Refunded"},
        {"expired", "Lapsed"},       {"unpaid", "Unpaid"},            {"paid", "Paid"},
        {"invoiced", "Invoiced"},    {"waived", "Waived"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (s && !strcmp(s, names[i][0]))
            return names[i][1];
    return s ? s : "";
}

/* A list of counts as [{key, label, n}]. A new array. */
static json_t *counts_json(const report_count *c, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:I}", "key", c[i].key ? c[i].key : "", "label",
                                           state_label(c[i].key), "n", (json_int_t)c[i].n));
    return a;
}

/* One bar of the chart: its period, count and geometry. */
typedef struct bar {
    const char *label;
    int64_t n;
} bar;

/* The registrations per day grouped into bars: a bar a day when the days
** span at most CHART_DAYS, else a bar a month; periods with none are
** there with 0, so the time axis is even. Bars in a; *unit names them. */
static bar *bars_of(arena *a, const report_day *days, int n, int *nbars, const char **unit)
{
    *nbars = 0;
    *unit = "day";
    if (n == 0)
        return NULL;
    int32_t first = 0, last = 0;
    if (date_parse(days[0].day, &first) != 0 || date_parse(days[n - 1].day, &last) != 0)
        return NULL;
    buf b = BUF_INIT;
    bar *out;
    if (last - first < CHART_DAYS) {
        out = arena_alloc(a, sizeof *out * (size_t)(last - first + 1));
        int k = 0;
        for (int32_t d = first; d <= last; d++) {
            buf_reset(&b);
            date_iso(&b, d);
            out[*nbars].label = arena_strndup(a, buf_str(&b), b.len);
            out[*nbars].n = 0;
            if (k < n && !strcmp(days[k].day, out[*nbars].label))
                out[*nbars].n = days[k++].n;
            (*nbars)++;
        }
    } else {
        *unit = "month";
        int y0 = atoi(days[0].day), m0 = atoi(days[0].day + 5);
        int y1 = atoi(days[n - 1].day), m1 = atoi(days[n - 1].day + 5);
        int months = (y1 - y0) * 12 + (m1 - m0) + 1;
        out = arena_alloc(a, sizeof *out * (size_t)months);
        for (int i = 0; i < months; i++) {
            int y = y0 + (m0 - 1 + i) / 12, m = (m0 - 1 + i) % 12 + 1;
            out[i].label = arena_printf(a, "%04d-%02d", y, m);
            out[i].n = 0;
        }
        for (int k = 0; k < n; k++) {
            int i = (atoi(days[k].day) - y0) * 12 + atoi(days[k].day + 5) - m0;
            if (i >= 0 && i < months)
                out[i].n += days[k].n;
        }
        *nbars = months;
    }
    buf_free(&b);
    return out;
}

/* The chart's view: the SVG's size, bars with their geometry, the scale's
** lines, a title and a description that says what the bars show, and the
** rows of the table of the same numbers. A new object. */
static json_t *chart_json(request *rq, const char *what, const report_day *days, int n)
{
    const char *unit;
    int nb;
    bar *bars = bars_of(rq->a, days, n, &nb, &unit);
    int64_t max = 0, total = 0;
    for (int i = 0; i < nb; i++) {
        total += bars[i].n;
        if (bars[i].n > max)
            max = bars[i].n;
    }
    /* The scale's top: 1, 2 or 5 times a power of ten, at least max. */
    int64_t top = 1;
    for (int64_t base = 1;; base *= 10) {
        if (base >= max || 2 * base >= max || 5 * base >= max) {
            top = base >= max ? base : 2 * base >= max ? 2 * base : 5 * base;
            break;
        }
    }
    int plot_w = CHART_W - CHART_LEFT - 8, plot_h = CHART_H - CHART_TOP - CHART_BOTTOM;
    double step = nb ? (double)plot_w / nb : plot_w;
    json_t *ja = json_array(), *rows = json_array();
    int64_t running = 0;
    int every = nb > 12 ? (nb + 11) / 12 : 1;
    for (int i = 0; i < nb; i++) {
        running += bars[i].n;
        int h = (int)((double)bars[i].n * plot_h / (double)top + 0.5);
        double x = CHART_LEFT + i * step + step * 0.1;
        json_array_append_new(ja, json_pack("{s:s, s:I, s:s, s:s, s:i, s:i, s:s, s:b}", "label", bars[i].label,
                                            "n", (json_int_t)bars[i].n, "x", arena_printf(rq->a, "%.1f", x), "w",
                                            arena_printf(rq->a, "%.1f", step * 0.8 < 1 ? 1 : step * 0.8), "y",
                                            CHART_TOP + plot_h - h, "h", h, "tx",
                                            arena_printf(rq->a, "%.1f", x + step * 0.4), "tick", i % every == 0));
        json_array_append_new(rows, json_pack("{s:s, s:I, s:I}", "label", bars[i].label, "n",
                                              (json_int_t)bars[i].n, "running", (json_int_t)running));
    }
    json_t *scale = json_array();
    for (int i = 0; i <= 4; i++) {
        int64_t v = top * i / 4;
        if (i && v == top * (i - 1) / 4)
            continue;
        json_array_append_new(scale, json_pack("{s:I, s:i}", "value", (json_int_t)v, "y",
                                               CHART_TOP + plot_h - (int)(v * plot_h / top)));
    }
    const char *desc = nb == 0 ? "No registrations yet."
                       : arena_printf(rq->a, "%lld registrations from %s to %s, a bar a %s; the most in one %s was "
                                      "%lld. The table below the chart has the same numbers.",
                                      (long long)total, bars[0].label, bars[nb - 1].label, unit, unit,
                                      (long long)max);
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:o, s:b, s:s}", "title",
                     arena_printf(rq->a, "Registrations over time: %s", what), "desc", desc, "width", CHART_W,
                     "height", CHART_H, "left", CHART_LEFT, "right", CHART_W - 8, "base", CHART_TOP + plot_h,
                     "bars", ja, "scale", scale, "rows", rows, "has_bars", nb > 0, "unit", unit);
}

/* Set "as_of" (ISO) and "as_of_label" ("3 December 2026, 07:09 UTC") in
** ctx for now: a kept report says when its figures were read, the same
** for whoever asks. */
static void set_as_of(request *rq, json_t *ctx)
{
    time_t now = time(NULL);
    struct tm tm;
    buf b = BUF_INIT;
    date_label(&b, date_from_time(now));
    if (gmtime_r(&now, &tm))
        buf_printf(&b, ", %02d:%02d UTC", tm.tm_hour, tm.tm_min);
    json_object_set_new(ctx, "as_of", json_string(page_when_iso(rq, now)));
    json_object_set_new(ctx, "as_of_label", json_string(buf_str(&b)));
    buf_free(&b);
}

/* The summary's view: counts, money, completion, discussion and
** response times. A new object. */
static json_t *summary_json(request *rq, const report_summary *s)
{
    json_t *money = json_array();
    for (int i = 0; i < s->n_money; i++) {
        const report_money *m = &s->money[i];
        json_array_append_new(money, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "currency", m->currency,
                                               "paid", money_label(rq->a, m->paid, m->currency), "refunded",
                                               money_label(rq->a, m->refunded, m->currency), "net",
                                               money_label(rq->a, m->paid - m->refunded, m->currency),
                                               "invoices_open", money_label(rq->a, m->invoices_open, m->currency),
                                               "invoices_paid", money_label(rq->a, m->invoices_paid, m->currency),
                                               "n_invoices_open", (json_int_t)m->n_invoices_open));
    }
    int64_t total = 0;
    for (int i = 0; i < s->n_state; i++)
        total += s->by_state[i].n;
    return json_pack("{s:o, s:o, s:I, s:o, s:b, s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:I, s:I, s:s}",
                     "by_state", counts_json(s->by_state, s->n_state), "by_payment",
                     counts_json(s->by_payment, s->n_payment), "total", (json_int_t)total, "money", money,
                     "has_money", s->n_money > 0, "seated", (json_int_t)s->seated, "completed",
                     (json_int_t)s->completed, "completion_rate", percent_label(rq->a, s->completed, s->seated),
                     "threads", (json_int_t)s->threads, "posts", (json_int_t)s->posts, "posters",
                     (json_int_t)s->posters, "questions", (json_int_t)s->questions, "answered",
                     (json_int_t)s->answered, "answer_time", hours_label(rq->a, s->answer_seconds, s->answered),
                     "answered_in_day", percent_label(rq->a, s->answered_in_day, s->questions), "submissions",
                     (json_int_t)s->submissions, "reviewed", (json_int_t)s->reviewed, "review_time",
                     hours_label(rq->a, s->review_seconds, s->reviewed));
}

/* The export links of a scope ("season=NAME" or "offering=CODE", encoded
** by the template). A new array. */
static json_t *exports_json(void)
{
    json_t *a = json_array();
    static const char *const kinds[][2] = {
        {"rosters", "Rosters"}, {"payments", "Payments"}, {"invoices", "Invoices"}, {"completions", "Completions"}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "kind", kinds[i][0], "label", kinds[i][1]));
    return a;
}

/* GET /staff/reports: every season with its offerings and registrations,
** and the exports of everything. 0 or 503. */
int page_staff_reports(request *rq, response *rs)
{
    report_season *list;
    int n;
    if (store_report_seasons(page_app(rq)->db, rq->a, &list, &n) != 0)
        return page_unavailable(rq);
    json_t *seasons = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(seasons, json_pack("{s:s, s:s, s:s, s:I, s:I}", "name", list[i].name, "first",
                                                 list[i].first_start, "last", list[i].last_start, "offerings",
                                                 (json_int_t)list[i].offerings, "registrations",
                                                 (json_int_t)list[i].registrations));
    json_t *ctx = json_pack("{s:o, s:o}", "seasons", seasons, "exports", exports_json());
    return page_render(rq, rs, "pages/staff_reports", ctx, "Reports", NULL);
}

/* The season report's view (a page_view_fn): the season in capture 0,
** with each of its offerings. 0, or 404 (no such season) or 503. */
static int season_view(request *rq, int32_t today, page_view *v)
{
    (void)today;
    db *d = page_app(rq)->db;
    const char *name = rq->param[0];
    report_offering *offs;
    int n;
    if (store_report_season_offerings(d, rq->a, name, &offs, &n) != 0)
        return page_unavailable(rq);
    if (n == 0) {
        rq->message = "There is no season by this name. The reports page lists every season.";
        return 404;
    }
    report_scope scope = {0, name};
    report_summary sum;
    report_day *days;
    int nd;
    if (store_report_summary(d, rq->a, &scope, &sum) != 0 || store_report_days(d, rq->a, &scope, &days, &nd) != 0)
        return page_unavailable(rq);
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        const report_offering *o = &offs[i];
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s}", "code", o->code,
                                              "course_title", o->course_title ? o->course_title : "", "starts",
                                              o->starts, "capacity", (json_int_t)o->capacity, "registrations",
                                              (json_int_t)o->registrations, "seated", (json_int_t)o->seated,
                                              "completed", (json_int_t)o->completed, "completion_rate",
                                              percent_label(rq->a, o->completed, o->seated), "paid",
                                              money_label(rq->a, o->paid_cents, o->currency)));
    }
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "heading", arena_printf(rq->a, "Season %s", name),
                            "scope_key", "season", "scope_value", name, "summary", summary_json(rq, &sum), "chart",
                            chart_json(rq, arena_printf(rq->a, "season %s", name), days, nd), "offerings", list,
                            "exports", exports_json());
    json_object_set_new(ctx, "is_season", json_true());
    set_as_of(rq, ctx);
    v->ctx = ctx;
    v->title = arena_printf(rq->a, "Report: season %s", name);
    return 0;
}

/* One offering's report view (a page_view_fn): the offering whose code is
** capture 0. 0, or 404 or 503. */
static int offering_view(request *rq, int32_t today, page_view *v)
{
    (void)today;
    db *d = page_app(rq)->db;
    report_offering o;
    int found = store_report_offering(d, rq->a, rq->param[0], &o);
    if (found < 0)
        return page_unavailable(rq);
    if (!found) {
        rq->message = "There is no offering with this code. The reports page lists every season and its offerings.";
        return 404;
    }
    report_scope scope = {o.id, NULL};
    report_summary sum;
    report_day *days;
    int nd;
    if (store_report_summary(d, rq->a, &scope, &sum) != 0 || store_report_days(d, rq->a, &scope, &days, &nd) != 0)
        return page_unavailable(rq);
    const char *title = o.course_title ? o.course_title : o.code;
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:I}", "heading", title, "scope_key",
                            "offering", "scope_value", o.code, "summary", summary_json(rq, &sum), "chart",
                            chart_json(rq, o.code, days, nd), "exports", exports_json(), "code", o.code, "season",
                            o.season ? o.season : "", "starts", o.starts, "capacity", (json_int_t)o.capacity);
    set_as_of(rq, ctx);
    v->ctx = ctx;
    v->title = arena_printf(rq->a, "Report: %s", o.code);
    return 0;
}

/* How long a kept report stays good without an audited change: posts,
** feedback and completions write no audit line, so a report shows them
** within this many seconds (the page says as of when). */
enum { REPORT_KEEP_SECONDS = 60 };

/* page_keep's expiry for a report. */
static time_t report_expires(request *rq, time_t now)
{
    (void)rq;
    return now + REPORT_KEEP_SECONDS;
}

/* Render a report (kind "season" or "offering", the name in capture 0)
** with build, in one read, kept per worker: stale at the next audited
** change (registrations, payments, refunds, invoices), at any content or
** seat change, or after REPORT_KEEP_SECONDS. 0 or build's status. */
static int report_kept(request *rq, response *rs, const char *kind, page_view_fn build)
{
    db *d = page_app(rq)->db;
    int reading = db_begin_read(d) == 0, rc;
    int64_t audit_v = 0, content_v = 0, seats_v = 0;
    if (store_audit_last(d, &audit_v) != 0 || store_view_versions(d, &content_v, &seats_v) != 0) {
        rc = page_render_kept(rq, rs, "pages/staff_report", NULL, NULL, build);
    } else {
        page_keep k = {arena_printf(rq->a, "report %s %zu:%s %lld %lld", kind, strlen(rq->param[0]), rq->param[0],
                                    (long long)content_v, (long long)seats_v),
                       (uint64_t)audit_v, content_v, report_expires};
        rc = page_render_kept(rq, rs, "pages/staff_report", NULL, &k, build);
    }
    if (reading)
        db_rollback(d);
    return rc;
}

/* GET /staff/reports/seasons/NAME: the season's report. 0, 404 or 503. */
int page_staff_report_season(request *rq, response *rs)
{
    return report_kept(rq, rs, "season", season_view);
}

/* GET /staff/reports/offerings/CODE: one offering's report. 0, 404 or 503. */
int page_staff_report_offering(request *rq, response *rs)
{
    return report_kept(rq, rs, "offering", offering_view);
}

/* ---- the streamed exports ---- */

/* What an export's stream carries from the handler to the body writer. */
typedef struct export_job {
    export_kind kind;
    report_scope scope;
    http_stream *out; /* set while streaming */
    int64_t rows;
} export_job;

/* Write one row as a CSV record and send it on when a chunk is full (a
** store_export_each callback): 0, or 1 to stop when the client is gone. */
static int export_row(void *ctx, const export_cell *cells, int n)
{
    export_job *j = ctx;
    buf *b = &j->out->pending;
    for (int i = 0; i < n; i++) {
        if (cells[i].is_num)
            csv_int(b, cells[i].num, i == 0);
        else
            csv_text(b, cells[i].text, i == 0);
    }
    csv_end(b);
    j->rows++;
    return http_stream_flush(j->out, 0) != 0;
}

/* The header line of each export kind, in store_reports.h's column order. */
static const char *const export_heads[4][14] = {
    {"Offering", "Course", "Season", "Starts", "Registration", "Name", "Email", "School", "Status", "Payment",
     "Amount", "Currency", "Registered (UTC)", "Activated (UTC)"},
    {"Payment", "Offering", "Registration", "Name", "Email", "Provider session", "Amount", "Refunded", "Currency",
     "Status", "Created (UTC)", "Updated (UTC)"},
    {"Invoice", "Offering", "Registration", "School", "Billing contact", "Billing email", "Amount", "Currency",
     "Status", "Issued (UTC)", "Updated (UTC)"},
    {"Offering", "Course", "Name", "Email", "Signed off by", "Signed off (UTC)", "Certificate", "Hours"}};

/* The body of an export (an http_body_fn): the header line, then each row
** as it is read. 0, or -1 when the read failed half-way. */
static int export_body(request *rq, void *state, http_stream *out)
{
    export_job *j = state;
    j->out = out;
    const char *const *head = export_heads[j->kind];
    for (int i = 0; i < 14 && head[i]; i++)
        csv_text(&out->pending, head[i], i == 0);
    csv_end(&out->pending);
    if (store_export_each(page_app(rq)->db, j->kind, &j->scope, export_row, j) != 0)
        return -1;
    return out->failed ? -1 : 0;
}

/* GET /staff/exports/KIND.csv[?season=NAME | ?offering=CODE]: rosters,
** payments, invoices or completions of a season, an offering or
** everything, as CSV (text cells neutralised by csv.h), streamed. 0, or
** 400 (both or an empty scope), 404 (no such season or offering) or 503,
** decided before the first byte is sent. */
int page_staff_export(request *rq, response *rs)
{
    static const char *const kinds[] = {"rosters", "payments", "invoices", "completions"};
    export_job *j = arena_alloc(rq->a, sizeof *j);
    memset(j, 0, sizeof *j);
    size_t k = 0;
    while (k < 4 && strcmp(rq->param[0], kinds[k]))
        k++;
    if (k == 4) {
        rq->message = "The exports are rosters, payments, invoices and completions.";
        return 404;
    }
    j->kind = (export_kind)k;
    const char *season = kv_get(&rq->query, "season"), *code = kv_get(&rq->query, "offering");
    if ((season && code) || (season && !*season) || (code && !*code)) {
        rq->message = "An export covers one season (season=NAME), one offering (offering=CODE) or everything "
                      "(neither); follow the links on the reports pages.";
        return 400;
    }
    db *d = page_app(rq)->db;
    const char *name = "all";
    if (code) {
        report_offering o;
        int found = store_report_offering(d, rq->a, code, &o);
        if (found < 0)
            return page_unavailable(rq);
        if (!found) {
            rq->message = "There is no offering with this code. The reports page lists every season and its offerings.";
            return 404;
        }
        j->scope.offering_id = o.id;
        name = o.code;
    } else if (season) {
        report_offering *offs;
        int n;
        if (store_report_season_offerings(d, rq->a, season, &offs, &n) != 0)
            return page_unavailable(rq);
        if (n == 0) {
            rq->message = "There is no season by this name. The reports page lists every season.";
            return 404;
        }
        j->scope.season = season;
        name = season;
    }
    /* The file's name: letters, digits and '-' of the scope, the rest '-'. */
    char *safe = arena_strndup(rq->a, name, strlen(name));
    for (char *p = safe; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '-';
    rs->content_type = "text/csv; charset=utf-8";
    http_header(rs, "Content-Disposition", arena_printf(rq->a, "attachment; filename=\"%s-%s.csv\"", kinds[k], safe));
    rs->stream = export_body;
    rs->stream_state = j;
    return 0;
}
