/*
** ws.c: what every workspace page shares (see page_ws in pages.h).
*/
#include <string.h>

#include <time.h>

#include "access.h"
#include "app.h"
#include "arena.h"
#include "buf.h"
#include "date.h"
#include "log.h"
#include "pages.h"
#include "store_discuss.h"
#include "store_ws.h"
#include "store_discuss.h"
#include "store_notices.h"
#include "tz.h"

json_t *page_ws(request *rq, const char *part)
{
    const seat *st = rq->seat;
    if (!st)
        return NULL;
    /* Every workspace page view notes the person's visit, at most once a
    ** minute: the seat's read says when the last was, so most views write
    ** nothing. A failure to note it is logged, never shown. */
    time_t now = time(NULL);
    if (rq->session && now - st->row.visit_at >= 60 &&
        store_ws_visit(page_app(rq)->db, st->row.offering_id, rq->session->u.id, now) != 0)
        log_error("noting a workspace visit: %s", db_errmsg(page_app(rq)->db));
    int32_t first = 0, last = 0;
    buf label = BUF_INIT;
    if (date_parse(st->row.starts, &first) == 0 && date_parse(st->row.ends, &last) == 0)
        date_range_label(&label, first, last);
    json_t *ws = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i}",
                           "code", st->row.code, "title", st->row.course_title ? st->row.course_title : "",
                           "starts", st->row.starts, "ends", st->row.ends, "dates_label", buf_str(&label),
                           "is_participant", st->role == SEAT_PARTICIPANT, "is_coach", st->role == SEAT_COACH,
                           "is_staff", st->role == SEAT_STAFF, "can_post", st->can_post, "archived", st->archived,
                           "unread", 0, "notices", 0);
    /* posts by others not yet read in the discussions (a failed read shows none) */
    int unread = page_unread_kept(rq, st->row.offering_id, rq->session->u.id, st->role == SEAT_PARTICIPANT);
    if (ws && unread > 0) {
        json_object_set_new(ws, "unread", json_integer(unread));
        json_object_set_new(ws, "unread_label", json_string(page_unread_label(rq, unread)));
    }
    buf_free(&label);
    /* Unread notifications, across the person's offerings (a failed read
    ** leaves the badge off; the dispatcher still sees the store's trouble). */
    int64_t notices = rq->session ? store_notice_unread(page_app(rq)->db, rq->session->u.id) : 0;
    if (ws && notices > 0)
        json_object_set_new(ws, "notices", json_integer(notices));
    if (ws && part)
        json_object_set_new(ws, arena_printf(rq->a, "is_%s", part), json_true());
    return ws;
}

const char *page_unread_label(request *rq, int n)
{
    _Static_assert(DISCUSS_UNREAD_CAP >= 1000 && DISCUSS_UNREAD_CAP < 1000000, "the label writes one comma");
    return n >= DISCUSS_UNREAD_CAP
               ? arena_printf(rq->a, "%d,%03d+", DISCUSS_UNREAD_CAP / 1000, DISCUSS_UNREAD_CAP % 1000)
               : arena_printf(rq->a, "%d", n);
}

const char *page_when_label(request *rq, time_t t)
{
    const char *zone = rq->session && tz_valid(rq->session->u.time_zone) ? rq->session->u.time_zone : "UTC";
    int32_t days;
    int minute;
    char abbr[16];
    tz_settle(zone);
    if (tz_local(zone, t, &days, &minute, abbr, sizeof abbr) != 0)
        return "";
    buf b = BUF_INIT;
    date_label(&b, days);
    buf_printf(&b, ", %02d:%02d %s", minute / 60, minute % 60, abbr);
    const char *s = arena_strdup(rq->a, buf_str(&b));
    buf_free(&b);
    return s;
}

const char *page_when_iso(request *rq, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return "";
    return arena_printf(rq->a, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);
}
