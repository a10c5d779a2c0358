/*
** ws.c: what every workspace page shares (see page_ws in pages.h).
*/
#include <string.h>

#include "access.h"
#include "app.h"
#include "arena.h"
#include "buf.h"
#include "date.h"
#include "pages.h"
#include "store_discuss.h"

json_t *page_ws(request *rq, const char *part)
{
    const seat *st = rq->seat;
    if (!st)
        return NULL;
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
    int unread = store_unread_total(page_app(rq)->db, st->row.offering_id, rq->session->u.id,
                                    st->role == SEAT_PARTICIPANT);
    if (ws && unread > 0)
        json_object_set_new(ws, "unread", json_integer(unread));
    buf_free(&label);
    if (ws && part)
        json_object_set_new(ws, arena_printf(rq->a, "is_%s", part), json_true());
    return ws;
}
