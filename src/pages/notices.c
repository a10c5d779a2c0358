/*
** notices.c: the notifications pages, the e-mail choices form of the
** account page, and one-click unsubscribe (see pages.h).
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "date.h"
#include "notices.h"
#include "pages.h"
#include "store_notices.h"
#include "tz.h"
#include "unsub.h"

#define PAGE_SIZE 25

/* A domain context for rq, acting as the signed-in person (0: nobody). */
static domain dom(request *rq)
{
    app *ap = page_app(rq);
    return domain_make(ap->db, ap->cfg, ap->tmpl, rq->a, rq->session ? rq->session->u.id : 0, time(NULL));
}

/* A positive id from s (1 to 18 digits, as the routes and forms carry
** them), or 0. */
static int64_t id_of(const char *s)
{
    if (!s || !*s || strlen(s) > 18)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end || v < 1 ? 0 : (int64_t)v;
}

/* What a notification is, in a few words, for the list. */
static const char *kind_label(const char *kind)
{
    if (!kind)
        return "Notification";
    if (!strcmp(kind, "reply"))
        return "Reply to you";
    if (!strcmp(kind, "follow"))
        return "Thread you follow";
    if (!strcmp(kind, "thread"))
        return "New thread";
    if (!strcmp(kind, "comment"))
        return "Comment on your work";
    if (!strcmp(kind, "announcement"))
        return "Announcement";
    if (!strcmp(kind, "feedback"))
        return "Feedback";
    if (!strcmp(kind, "moderation"))
        return "Moderation";
    if (!strcmp(kind, "message"))
        return "Private message";
    if (!strcmp(kind, "certificate"))
        return "Certificate";
    return "Notification";
}

/* "3 December 2026, 17:05" in zone, in rq's arena. */
static const char *when_label(request *rq, const char *zone, time_t t)
{
    int32_t day;
    int minute;
    buf b = BUF_INIT;
    if (tz_local(zone && tz_valid(zone) ? zone : "UTC", t, &day, &minute, NULL, 0) == 0) {
        date_label(&b, day);
        buf_printf(&b, ", %02d:%02d", minute / 60, minute % 60);
    }
    const char *s = arena_strdup(rq->a, buf_str(&b));
    buf_free(&b);
    return s;
}

int page_notices(request *rq, response *rs)
{
    app *ap = page_app(rq);
    const user *u = &rq->session->u;
    const char *before_s = kv_get(&rq->query, "before");
    int64_t before = before_s ? id_of(before_s) : 0;
    if (before_s && !before) {
        rq->message = "That page of notifications does not exist: \"before\" must be a notification number.";
        return 400;
    }
    notice_row *rows;
    int n;
    int64_t unread = store_notice_unread(ap->db, u->id);
    if (unread < 0 || store_notice_list(ap->db, rq->a, u->id, before, PAGE_SIZE + 1, &rows, &n) != 0)
        return page_unavailable(rq);
    int more = n > PAGE_SIZE;
    if (more)
        n = PAGE_SIZE;
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        const notice_row *r = &rows[i];
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:b, s:s, s:s}", "id", (json_int_t)r->id, "title",
                            r->title, "kind_label", kind_label(r->kind), "course_title", r->course_title, "code",
                            r->offering_code, "actor", r->actor_name, "when_label",
                            when_label(rq, u->time_zone, r->created_at), "unread", r->read_at == 0, "open_url",
                            arena_printf(rq->a, "/notifications/%lld", (long long)r->id), "read_url",
                            arena_printf(rq->a, "/notifications/%lld/read", (long long)r->id)));
    }
    json_t *ctx = json_pack("{s:o, s:I, s:I, s:b, s:s?, s:b}", "notices", list, "unread", (json_int_t)unread,
                            "newest_id", (json_int_t)(n > 0 && !before ? rows[0].id : 0), "has_more", more,
                            "next_url",
                            more ? arena_printf(rq->a, "/notifications?before=%lld", (long long)rows[n - 1].id) : NULL,
                            "is_later_page", before > 0);
    return page_render(rq, rs, "pages/notifications", ctx, "Notifications", NULL);
}

int page_notice_open(request *rq, response *rs)
{
    app *ap = page_app(rq);
    int64_t id = id_of(rq->param[0]);
    notice_row r;
    int got = id ? store_notice_get(ap->db, rq->a, id, &r) : 0;
    if (got < 0)
        return page_unavailable(rq);
    if (got == 0 || !access_allows(rq, ACCESS_OWN, r.user_id)) {
        rq->message = "There is no such notification in your list. It may belong to another account: are you "
                      "signed in as the person it was sent to?";
        return 404;
    }
    if (r.user_id == rq->session->u.id) {
        domain d = dom(rq);
        int rc = notices_read(&d, rq->session->u.id, id, NULL);
        if (rc != DOM_OK) {
            rq->message = d.message;
            return rc;
        }
    }
    /* the link's own "#anchor" (a post, a submission) is kept apart: the
    ** path goes through the checks, and http_redirect keeps a plain anchor
    ** after it (any other is left off) */
    const char *hash = strchr(r.link, '#');
    const char *path = hash ? arena_strndup(rq->a, r.link, (size_t)(hash - r.link)) : r.link;
    const char *to = http_local_path(rq->a, path, "/notifications");
    int plain = hash && hash[1] && strspn(hash + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
                                        strlen(hash + 1);
    http_redirect(rs, 303, plain ? arena_printf(rq->a, "%s%s", to, hash) : to);
    return 0;
}

int page_notice_read(request *rq, response *rs)
{
    int64_t id = id_of(rq->param[0]);
    domain d = dom(rq);
    int rc = id ? notices_read(&d, rq->session->u.id, id, NULL) : DOM_NOT_FOUND;
    if (rc != DOM_OK) {
        rq->message = d.message ? d.message : "There is no such notification in your list.";
        return rc;
    }
    page_flash(rq, rs, "notices-read");
    http_redirect(rs, 303, "/notifications");
    return 0;
}

int page_notices_read_all(request *rq, response *rs)
{
    const char *upto_s = kv_get(&rq->form, "upto");
    int64_t upto = id_of(upto_s);
    domain d = dom(rq);
    int rc = notices_read_all(&d, rq->session->u.id, upto, NULL);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "notices-read");
    http_redirect(rs, 303, "/notifications");
    return 0;
}

json_t *page_notify_prefs(request *rq)
{
    notice_prefs p;
    int got = store_notice_prefs(page_app(rq)->db, rq->session->u.id, &p);
    if (got < 0)
        return NULL;
    if (got == 0)
        p = (notice_prefs){"instant", 0};
    return json_pack("{s:b, s:b, s:b, s:b}", "instant", !strcmp(p.notify_mail, "instant"), "digest",
                     !strcmp(p.notify_mail, "digest"), "off", !strcmp(p.notify_mail, "off"), "morning",
                     p.morning_mail);
}

int page_account_notifications(request *rq, response *rs)
{
    const char *mode = kv_get(&rq->form, "notify_mail");
    const char *morning = kv_get(&rq->form, "morning_mail");
    if (morning && strcmp(morning, "1") != 0) {
        rq->message = "The morning e-mail is either ticked or not; send the form from the account page again.";
        return 422;
    }
    domain d = dom(rq);
    int rc = notices_set_prefs(&d, rq->session->u.id, mode, morning != NULL);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "notify-saved");
    http_redirect(rs, 303, "/account"); /* a fragment would be encoded: the page is one scroll away */
    return 0;
}

int page_unsubscribe(request *rq, response *rs)
{
    const char *token = kv_get(&rq->query, "t");
    domain d = dom(rq);
    int stream = 0, changed = 0;
    int post = !strcmp(rq->method, "POST");
    int rc = post ? notices_unsubscribe(&d, token, &stream, &changed) : notices_unsubscribe_check(&d, token, &stream);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc == DOM_INVALID ? 400 : rc;
    }
    const char *name = unsub_stream_name(stream);
    json_t *ctx = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b}", "token", token, "stream", name, "is_morning",
                            stream == UNSUB_MORNING, "is_notifications", stream == UNSUB_NOTIFICATIONS, "done", post,
                            "was_off", post && !changed);
    return page_render(rq, rs, "pages/unsubscribe", ctx, post ? "Unsubscribed" : "Unsubscribe", NULL);
}
