/*
** notices.c: notifications read and marked, e-mail choices, one-click
** unsubscribe, and the jobs pass that mails notifications and the
** workspace e-mails (see notices.h).
*/
#include "notices.h"

#include <jansson.h>
#include <string.h>

#include "announce.h"
#include "date.h"
#include "log.h"
#include "notify.h"
#include "store_notices.h"
#include "tz.h"
#include "unsub.h"

#define PENDING_MAX 100 /* notifications one e-mail carries; more wait for the next pass */

/* ---- for pages ---- */

int notices_read(domain *d, int64_t user_id, int64_t id, int *changed)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int ch = store_notice_read(d->db, user_id, id, d->now);
    if (ch == 0) {
        notice_row r;
        int got = store_notice_get(d->db, d->a, id, &r);
        if (got < 0)
            ch = -1;
        else if (got == 0 || r.user_id != user_id)
            rc = domain_refuse(d, DOM_NOT_FOUND, NULL, "There is no such notification in your list.");
    }
    if (ch < 0)
        rc = domain_store_failed(d);
    if (changed)
        *changed = ch > 0;
    return domain_end(d, rc);
}

int notices_read_all(domain *d, int64_t user_id, int64_t upto_id, int *count)
{
    if (upto_id < 1)
        return domain_refuse(d, DOM_INVALID, NULL, "Nothing to mark: the list was empty when you loaded it.");
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int n = store_notice_read_all(d->db, user_id, upto_id, d->now);
    if (n < 0)
        rc = domain_store_failed(d);
    if (count)
        *count = n > 0 ? n : 0;
    return domain_end(d, rc);
}

int notices_set_prefs(domain *d, int64_t user_id, const char *mode, int morning)
{
    if (!mode || (strcmp(mode, "instant") && strcmp(mode, "digest") && strcmp(mode, "off")))
        return domain_refuse(d, DOM_INVALID, "notify_mail",
                             "Choose how notifications reach you: at once, in a daily digest, or not by e-mail.");
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    notice_prefs p;
    int got = store_notice_prefs(d->db, user_id, &p);
    if (got == 0)
        rc = domain_refuse(d, DOM_NOT_FOUND, NULL, "This account no longer exists.");
    else if (got < 0 || store_notice_set_prefs(d->db, user_id, mode, morning) < 0)
        rc = domain_store_failed(d);
    return domain_end(d, rc);
}

/* Check token against the site's secret: DOM_OK with *uid and *stream, or
** DOM_INVALID with a message a person can act on. */
static int check_token(domain *d, const char *token, int64_t *uid, int *stream)
{
    if (unsub_verify(d->cfg->site_secret, token, uid, stream) != 0)
        return domain_refuse(d, DOM_INVALID, "t",
                             "This unsubscribe link is not valid: it may have been cut short or changed. Open the "
                             "link from the e-mail again, or sign in and change your e-mail choices on your account "
                             "page.");
    return DOM_OK;
}

int notices_unsubscribe_check(domain *d, const char *token, int *stream)
{
    int64_t uid;
    return check_token(d, token, &uid, stream);
}

int notices_unsubscribe(domain *d, const char *token, int *stream, int *changed)
{
    int64_t uid;
    *changed = 0;
    int rc = check_token(d, token, &uid, stream);
    if (rc != DOM_OK)
        return rc;
    rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    notice_prefs p;
    int got = store_notice_prefs(d->db, uid, &p);
    int ch = got == 1 ? store_notice_stream_off(d->db, uid, unsub_stream_name(*stream)) : 0;
    if (got < 0 || ch < 0)
        rc = domain_store_failed(d);
    else if (got == 0)
        rc = domain_refuse(d, DOM_NOT_FOUND, NULL, "This account no longer exists, so we send it nothing.");
    *changed = ch > 0;
    return domain_end(d, rc);
}

/* ---- labels ---- */

/* A zone we can use for a person: theirs when the system knows it, else UTC. */
static const char *zone_or_utc(const char *z)
{
    return z && tz_valid(z) ? z : "UTC";
}

/* "Thursday, 3 December 2026, 17:00 CET": instant t in zone, in a. */
static const char *when_label(arena *a, const char *zone, time_t t)
{
    int32_t day;
    int minute;
    char abbr[16];
    if (tz_local(zone, t, &day, &minute, abbr, sizeof abbr) != 0)
        return "";
    buf b = BUF_INIT;
    date_long_label(&b, day);
    buf_printf(&b, ", %02d:%02d %s", minute / 60, minute % 60, abbr);
    const char *s = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* A person's local date as "Thursday, 3 December 2026", in a. */
static const char *day_label(arena *a, int32_t day)
{
    buf b = BUF_INIT;
    date_long_label(&b, day);
    const char *s = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* What a notification is, in a few words. */
static const char *kind_label(const char *kind)
{
    static const struct {
        const char *kind, *label;
    } labels[] = {
        {"reply", "A reply to you"},
        {"follow", "New in a thread you follow"},
        {"thread", "New thread"},
        {"comment", "A comment on your shared work"},
        {"announcement", "Announcement"},
        {"feedback", "Feedback from your coach"},
        {"moderation", "From the moderators"},
        {"message", "A private message"},
        {"certificate", "Your certificate"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
        if (kind && !strcmp(kind, labels[i].kind))
            return labels[i].label;
    return "Notification";
}

/* What part of a course an item is. */
static const char *section_label(const char *section)
{
    if (!section)
        return "";
    if (!strcmp(section, "playlist"))
        return "Playlist";
    if (!strcmp(section, "prompt"))
        return "Discussion";
    if (!strcmp(section, "activity"))
        return "Activity";
    if (!strcmp(section, "milestone"))
        return "Milestone";
    return section;
}

/* One notification as the mail templates read it: title, kind_label,
** course_title, url (opens it and marks it read), when_label. */
static json_t *notice_json(domain *d, const notice_row *r, const char *zone)
{
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s}", "title", r->title, "kind_label", kind_label(r->kind),
                     "course_title", r->course_title, "actor", r->actor_name, "url",
                     arena_printf(d->a, "%s/notifications/%lld", d->cfg->base_url, (long long)r->id), "when_label",
                     when_label(d->a, zone, r->created_at));
}

/* ---- notification e-mail ---- */

/* Settle rows[0..n) as state (sent, digested, skipped), each with a
** conditional write: all of them when only is NULL, else those whose kind
** is only (invert 0) or is not only (invert 1). Returns how many were
** settled, or -1 when one was no longer pending (another pass won; *failed
** 0) or the store failed (*failed 1); the caller then rolls back. */
static int settle(domain *d, const notice_row *rows, int n, const char *only, int invert, const char *state,
                  int *failed)
{
    int done = 0;
    for (int i = 0; i < n; i++) {
        if (only && (strcmp(rows[i].kind, only) == 0) == invert)
            continue;
        int ch = store_notice_settle(d->db, rows[i].id, state);
        if (ch != 1) {
            *failed = ch < 0;
            return -1;
        }
        done++;
    }
    return done;
}

/* Queue the "at once" e-mail for p holding the n rows. DOM_OK or DOM_ERROR. */
static int queue_instant(domain *d, const notice_person *p, const notice_row *rows, int n)
{
    const char *zone = zone_or_utc(p->time_zone);
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, notice_json(d, &rows[i], zone));
    json_t *ctx = json_pack("{s:{s:s}, s:o, s:i, s:b, s:s, s:s}", "user", "name", p->name, "notices", list, "count", n,
                            "single", n == 1, "notices_url",
                            arena_printf(d->a, "%s/notifications", d->cfg->base_url), "account_url",
                            arena_printf(d->a, "%s/account#notifications", d->cfg->base_url));
    if (!ctx)
        return DOM_ERROR;
    const char *subject = n == 1 ? arena_printf(d->a, "%s: %s", kind_label(rows[0].kind), rows[0].title)
                                 : arena_printf(d->a, "%d new notifications", n);
    int rc = notify_queue_stream(d, "notice", subject, p->email, p->name, ctx, p->id, UNSUB_NOTIFICATIONS);
    json_decref(ctx);
    return rc;
}

/* Queue the daily digest for p with the rows picked by (only, invert) from
** rows, grouped by offering in order of first appearance. DOM_OK or
** DOM_ERROR. */
static int queue_digest(domain *d, const notice_person *p, const notice_row *rows, int n, const char *only, int invert,
                        int count)
{
    const char *zone = zone_or_utc(p->time_zone);
    json_t *groups = json_array();
    for (int i = 0; i < n; i++) {
        if (only && (strcmp(rows[i].kind, only) == 0) == invert)
            continue;
        json_t *g = NULL;
        size_t k;
        json_t *each;
        json_array_foreach(groups, k, each)
            if (json_integer_value(json_object_get(each, "offering_id")) == rows[i].offering_id)
                g = each;
        if (!g) {
            g = json_pack("{s:I, s:s, s:s?, s:[]}", "offering_id", (json_int_t)rows[i].offering_id, "title",
                          rows[i].course_title ? rows[i].course_title : "Across your courses", "code",
                          rows[i].offering_code, "notices");
            json_array_append_new(groups, g);
        }
        json_array_append_new(json_object_get(g, "notices"), notice_json(d, &rows[i], zone));
    }
    json_t *ctx = json_pack("{s:{s:s}, s:o, s:i, s:s, s:s, s:b}", "user", "name", p->name, "groups", groups, "count",
                            count, "notices_url", arena_printf(d->a, "%s/notifications", d->cfg->base_url),
                            "account_url", arena_printf(d->a, "%s/account#notifications", d->cfg->base_url),
                            "announcements_only", only != NULL);
    if (!ctx)
        return DOM_ERROR;
    const char *subject = count == 1 ? "Your daily digest: 1 notification"
                                     : arena_printf(d->a, "Your daily digest: %d notifications", count);
    int rc = notify_queue_stream(d, "digest", subject, p->email, p->name, ctx, p->id, UNSUB_NOTIFICATIONS);
    json_decref(ctx);
    return rc;
}

/* Settle person p's pending notifications in one write transaction, as
** their choice says (see notices_pass). DOM_OK, DOM_CONFLICT (another pass
** was first: rolled back), or an error. */
static int mail_person(domain *d, const notice_person *listed, notices_stats *st)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    notice_person p = *listed;
    notice_prefs prefs;
    int live = store_notice_prefs(d->db, p.id, &prefs);
    notice_row *rows = NULL;
    int n = 0, failed = 0;
    if (live < 0 || store_notice_pending(d->db, d->a, p.id, PENDING_MAX, &rows, &n) != 0)
        return domain_end(d, domain_store_failed(d));
    if (live == 1)
        p.notify_mail = prefs.notify_mail;
    int announcements = 0;
    for (int i = 0; i < n; i++)
        announcements += !strcmp(rows[i].kind, "announcement");
    if (n == 0) {
        /* Someone else settled them since the list was read. */
    } else if (live == 0) {
        if (settle(d, rows, n, NULL, 0, "skipped", &failed) < 0)
            rc = failed ? domain_store_failed(d) : DOM_CONFLICT;
        else
            st->skipped += n;
    } else if (!strcmp(p.notify_mail, "instant")) {
        if (settle(d, rows, n, NULL, 0, "sent", &failed) < 0)
            rc = failed ? domain_store_failed(d) : DOM_CONFLICT;
        else if ((rc = queue_instant(d, &p, rows, n)) == DOM_OK)
            st->instant++;
    } else {
        int off = !strcmp(p.notify_mail, "off");
        int digestible = off ? announcements : n;
        if (off && settle(d, rows, n, "announcement", 1, "skipped", &failed) < 0)
            rc = failed ? domain_store_failed(d) : DOM_CONFLICT;
        else if (off)
            st->skipped += n - announcements;
        int claim = rc == DOM_OK && digestible > 0 ? store_digest_claim(d->db, p.id, d->now) : 0;
        if (claim < 0)
            rc = domain_store_failed(d);
        else if (claim == 1 && settle(d, rows, n, off ? "announcement" : NULL, 0, "digested", &failed) < 0)
            rc = failed ? domain_store_failed(d) : DOM_CONFLICT;
        else if (claim == 1 && (rc = queue_digest(d, &p, rows, n, off ? "announcement" : NULL, 0, digestible)) == DOM_OK)
            st->digests++;
    }
    return domain_end(d, rc);
}

/* ---- workspace e-mails ---- */

/* An offering's frame: its zone, first and last local dates, and the
** instants its first day starts and its last day ends. */
typedef struct frame {
    const char *zone;
    int32_t first, last;
    time_t begins, ends;
} frame;

/* The frame of offering o into *f (its zone, UTC when the system does not
** know it). 0, or -1 when its dates cannot be placed (logged). */
static int frame_of(const ws_offering *o, frame *f)
{
    f->zone = zone_or_utc(o->time_zone);
    if (date_parse(o->starts, &f->first) != 0 || date_parse(o->ends, &f->last) != 0 ||
        tz_instant(f->zone, f->first, 0, &f->begins) != 0 || tz_instant(f->zone, f->last + 1, 0, &f->ends) != 0) {
        log_error("offering %s: cannot place its dates in zone %s", o->code, f->zone);
        return -1;
    }
    return 0;
}

/* The instant of relative time rel ("day 3 17:00") in frame f, a missing
** time taken as default_minute. 0, or -1 when rel is absent or not valid. */
static int relative(const frame *f, const char *rel, int default_minute, time_t *out)
{
    int day, minute;
    const char *err;
    if (!rel || tz_relative_parse(rel, &day, &minute, &err) != 0)
        return -1;
    return tz_relative_instant(f->zone, f->first, day, minute, default_minute, out);
}

/* The offering as the workspace e-mails read it. */
static json_t *offering_json(domain *d, const ws_offering *o, const frame *f)
{
    buf label = BUF_INIT;
    date_range_label(&label, f->first, f->last);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", o->code, "title", o->course_title, "dates_label",
                          buf_str(&label), "url", arena_printf(d->a, "%s/learn/%s", d->cfg->base_url, o->code),
                          "time_zone", f->zone);
    buf_free(&label);
    return j;
}

/* Record and queue one workspace e-mail in its own write transaction: the
** workspace_mail row (offering, person, kind, day) and the message. DOM_OK
** (*sent 1), DOM_OK with *sent 0 when another pass recorded it first, or
** an error. ctx is borrowed. */
static int send_ws_mail(domain *d, const ws_offering *o, const ws_person *p, const char *kind, int64_t day,
                        const char *tmpl, const char *subject, json_t *ctx, int stream, int *sent)
{
    *sent = 0;
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int ch = store_ws_mail_mark(d->db, o->id, p->id, kind, day, d->now);
    if (ch < 0)
        rc = domain_store_failed(d);
    else if (ch == 1)
        rc = notify_queue_stream(d, tmpl, subject, p->email, p->name, ctx, p->id, stream);
    rc = domain_end(d, rc);
    *sent = rc == DOM_OK && ch == 1;
    return rc;
}

/* The start-of-week e-mail to person p of offering o. */
static int week_start(domain *d, const ws_offering *o, const frame *f, const ws_person *p, const ws_item *items,
                      int n_items, notices_stats *st)
{
    int already = store_ws_mail_sent(d->db, o->id, p->id, "week_start", 1);
    if (already != 0)
        return already < 0 ? domain_store_failed(d) : DOM_OK;
    const char *zone = zone_or_utc(p->time_zone);
    json_t *parts = json_array(), *milestones = json_array();
    int minutes = 0;
    for (int i = 0; i < n_items; i++) {
        const ws_item *it = &items[i];
        time_t due = 0;
        int has_due = relative(f, it->due, 23 * 60 + 59, &due) == 0;
        if (!strcmp(it->section, "milestone")) {
            if (has_due)
                json_array_append_new(milestones, json_pack("{s:s, s:s}", "title", it->title, "when_label",
                                                            when_label(d->a, zone, due)));
            continue;
        }
        minutes += it->minutes;
        json_array_append_new(parts, json_pack("{s:s, s:s, s:i, s:s?}", "section_label", section_label(it->section),
                                               "title", it->title, "minutes", it->minutes, "due_label",
                                               has_due ? when_label(d->a, zone, due) : NULL));
    }
    json_t *ctx = json_pack("{s:{s:s}, s:o, s:o, s:o, s:i, s:s, s:s}", "user", "name", p->name, "offering",
                            offering_json(d, o, f), "items", parts, "milestones", milestones, "hours",
                            (minutes + 59) / 60, "time_zone", zone, "account_url",
                            arena_printf(d->a, "%s/account#notifications", d->cfg->base_url));
    if (!ctx)
        return DOM_ERROR;
    int sent;
    int rc = send_ws_mail(d, o, p, "week_start", 1, "week_start",
                          arena_printf(d->a, "Your week of %s starts today", o->course_title), ctx,
                          UNSUB_NOTIFICATIONS, &sent);
    json_decref(ctx);
    if (rc == DOM_OK && sent)
        st->week_start++;
    else if (rc == DOM_OK)
        st->lost++;
    return rc;
}

/* The morning e-mail to person p of offering o, when it is a course day
** for them and past their morning hour. */
static int morning(domain *d, const ws_offering *o, const frame *f, const ws_person *p, const ws_item *items,
                   int n_items, notices_stats *st)
{
    const char *zone = zone_or_utc(p->time_zone);
    int32_t today;
    int minute;
    time_t day_starts, day_ends;
    if (tz_local(zone, d->now, &today, &minute, NULL, 0) != 0 || minute < NOTICES_MORNING_MINUTE ||
        tz_instant(zone, today, 0, &day_starts) != 0 || tz_instant(zone, today + 1, 0, &day_ends) != 0)
        return DOM_OK;
    if (day_starts >= f->ends || day_ends <= f->begins)
        return DOM_OK; /* not a course day where they are */
    int already = store_ws_mail_sent(d->db, o->id, p->id, "morning", today);
    if (already != 0)
        return already < 0 ? domain_store_failed(d) : DOM_OK;
    json_t *opens = json_array(), *due = json_array();
    for (int i = 0; i < n_items; i++) {
        const ws_item *it = &items[i];
        time_t t;
        if (relative(f, it->opens, 0, &t) == 0 && t >= day_starts && t < day_ends)
            json_array_append_new(opens, json_pack("{s:s, s:s, s:s}", "section_label", section_label(it->section),
                                                   "title", it->title, "when_label", when_label(d->a, zone, t)));
        if (relative(f, it->due, 23 * 60 + 59, &t) == 0 && t >= day_starts && t < day_ends)
            json_array_append_new(due, json_pack("{s:s, s:s, s:s}", "section_label", section_label(it->section),
                                                 "title", it->title, "when_label", when_label(d->a, zone, t)));
    }
    int nothing = json_array_size(opens) == 0 && json_array_size(due) == 0;
    json_t *ctx = json_pack("{s:{s:s}, s:o, s:o, s:o, s:b, s:s, s:s, s:s}", "user", "name", p->name, "offering",
                            offering_json(d, o, f), "opens", opens, "due", due, "nothing", nothing, "today_label",
                            day_label(d->a, today), "time_zone", zone, "account_url",
                            arena_printf(d->a, "%s/account#notifications", d->cfg->base_url));
    if (!ctx)
        return DOM_ERROR;
    int sent;
    int rc = send_ws_mail(d, o, p, "morning", today, "morning",
                          arena_printf(d->a, "Today in %s: %s", o->course_title, day_label(d->a, today)), ctx,
                          UNSUB_MORNING, &sent);
    json_decref(ctx);
    if (rc == DOM_OK && sent)
        st->morning++;
    else if (rc == DOM_OK)
        st->lost++;
    return rc;
}

/* E-mails this pass has queued so far. */
static int queued(const notices_stats *st)
{
    return st->instant + st->digests + st->week_start + st->morning;
}

/* The workspace e-mails of offering o at d->now, until the pass has queued
** NOTICES_PASS_MAILS. DOM_OK or an error. */
static int workspace_mail(domain *d, const ws_offering *o, notices_stats *st)
{
    frame f;
    if (frame_of(o, &f) != 0)
        return DOM_OK;
    time_t week_from;
    int week_open = tz_instant(f.zone, f.first, NOTICES_MORNING_MINUTE, &week_from) == 0 && d->now >= week_from &&
                    d->now < f.ends;
    /* A person's morning may fall on a course day a day either side of
    ** the offering's own dates. */
    if (d->now < f.begins - 86400 || d->now >= f.ends + 86400)
        return DOM_OK;
    ws_person *people;
    int n_people;
    ws_item *items;
    int n_items;
    if (store_ws_people(d->db, d->a, o->id, &people, &n_people) != 0 ||
        store_ws_items(d->db, d->a, o->course_id, &items, &n_items) != 0)
        return domain_store_failed(d);
    for (int i = 0; i < n_people && queued(st) < NOTICES_PASS_MAILS; i++) {
        const ws_person *p = &people[i];
        int rc = DOM_OK;
        if (week_open && strcmp(p->notify_mail, "off") != 0)
            rc = week_start(d, o, &f, p, items, n_items, st);
        if (rc == DOM_OK && p->morning_mail)
            rc = morning(d, o, &f, p, items, n_items, st);
        if (rc == DOM_UNAVAILABLE)
            return rc;
        if (rc != DOM_OK)
            log_error("offering %s: workspace e-mail to user %lld not queued (%d)", o->code, (long long)p->id, rc);
    }
    return DOM_OK;
}

int notices_pass(domain *d, notices_stats *st)
{
    notices_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    /* Announcements: those whose scheduled time has come are published
    ** first, so their notifications are mailed by this same pass. */
    int announce_rc = announce_publish_due(d, &st->announced, &st->lost);
    d->message = NULL;
    if (announce_rc == DOM_UNAVAILABLE)
        return announce_rc;
    /* end of announcements */
    notice_person *people;
    int n;
    if (store_notice_people(d->db, d->a, d->now, NOTICES_PASS_PEOPLE, &people, &n) != 0)
        return domain_store_failed(d);
    for (int i = 0; i < n && queued(st) < NOTICES_PASS_MAILS; i++) {
        int rc = mail_person(d, &people[i], st);
        if (rc == DOM_CONFLICT)
            st->lost++;
        else if (rc == DOM_UNAVAILABLE)
            return rc;
        else if (rc != DOM_OK)
            log_error("notifications of user %lld not mailed (%d); they stay pending", (long long)people[i].id, rc);
        d->message = NULL;
    }
    /* Offerings whose dates come within a day of today, whatever the zone. */
    int32_t today = date_from_time(d->now);
    buf from = BUF_INIT, to = BUF_INIT;
    date_iso(&from, today - 2);
    date_iso(&to, today + 2);
    ws_offering *offerings;
    int n_off;
    int rc = store_ws_offerings(d->db, d->a, buf_str(&from), buf_str(&to), NOTICES_PASS_OFFERINGS, &offerings, &n_off);
    buf_free(&from);
    buf_free(&to);
    if (rc != 0)
        return domain_store_failed(d);
    for (int i = 0; i < n_off && queued(st) < NOTICES_PASS_MAILS; i++)
        if ((rc = workspace_mail(d, &offerings[i], st)) != DOM_OK)
            return rc;
    return DOM_OK;
}
