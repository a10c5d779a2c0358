/*
** coach.c: the rules of the coach's "needs me" queue (see coach.h).
*/
#include "coach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "log.h"
#include "tz.h"

/* A due time given without a time of day falls at the end of its day. */
#define DUE_DEFAULT (23 * 60 + 59)

/* The weeks this process worked out, by zone and dates (what they depend
** on alone), so a page listing many offerings converts each once. */
#define WEEKS_KEPT 256
static struct kept_week {
    char key[96];
    time_t start, end;
} weeks[WEEKS_KEPT];
static unsigned weeks_next;

/* See coach.h. */
int coach_week(const coach_offering_row *o, time_t *start, time_t *end)
{
    const char *zone = o->time_zone && tz_valid(o->time_zone) ? o->time_zone : "UTC";
    char key[96];
    int kn = snprintf(key, sizeof key, "%s|%s|%s", zone, o->starts ? o->starts : "", o->ends ? o->ends : "");
    int keep = kn > 0 && (size_t)kn < sizeof key;
    for (unsigned i = 0; keep && i < WEEKS_KEPT; i++)
        if (weeks[i].key[0] && !strcmp(weeks[i].key, key)) {
            *start = weeks[i].start;
            *end = weeks[i].end;
            return 0;
        }
    int32_t first, last;
    if (date_parse(o->starts, &first) != 0 || date_parse(o->ends, &last) != 0 ||
        tz_instant(zone, first, 0, start) != 0 || tz_instant(zone, last + 1, 0, end) != 0)
        return -1;
    if (keep) {
        struct kept_week *w = &weeks[weeks_next++ % WEEKS_KEPT];
        memcpy(w->key, key, (size_t)kn + 1);
        w->start = *start;
        w->end = *end;
    }
    return 0;
}

/* See coach.h. */
enum coach_phase coach_phase_of(const coach_offering_row *o, time_t now)
{
    time_t start, end;
    if (coach_week(o, &start, &end) != 0)
        return COACH_PAST;
    return now < start ? COACH_UPCOMING : now < end ? COACH_CURRENT : COACH_PAST;
}

/* See coach.h. */
int coach_offering_live(const coach_offering_row *o, time_t now)
{
    time_t start, end;
    if (coach_week(o, &start, &end) != 0)
        return 0;
    return o->posting_closes_at == 0 || now < o->posting_closes_at;
}

/* The parts of o's course past due at now, as the JSON array of [item_id,
** due_at] pairs store_queue_behind reads, in a; "[]" when none. NULL when
** the store failed. */
static const char *due_parts(domain *d, const coach_offering_row *o)
{
    queue_due_row *items;
    int n;
    if (store_queue_due_items(d->db, d->a, o->course_id, &items, &n) != 0)
        return NULL;
    const char *zone = o->time_zone && tz_valid(o->time_zone) ? o->time_zone : "UTC";
    int32_t first;
    if (date_parse(o->starts, &first) != 0)
        return "[]";
    buf b = BUF_INIT;
    buf_putc(&b, '[');
    int any = 0;
    for (int i = 0; i < n; i++) {
        int day, minute;
        const char *why;
        time_t at;
        if (tz_relative_parse(items[i].due, &day, &minute, &why) != 0 ||
            tz_relative_instant(zone, first, day, minute, DUE_DEFAULT, &at) != 0 || at > d->now)
            continue;
        buf_printf(&b, "%s[%lld,%lld]", any ? "," : "", (long long)items[i].id, (long long)at);
        any = 1;
    }
    buf_putc(&b, ']');
    const char *out = buf_failed(&b) ? NULL : arena_strdup(d->a, buf_str(&b));
    buf_free(&b);
    return out;
}

/* See coach.h. */
int coach_queue_offering(domain *d, const coach_offering_row *o, const char *kind, queue_row **list, int *n,
                         int *cap)
{
    time_t start, end;
    if (coach_week(o, &start, &end) != 0) {
        log_error("offering %s: its dates cannot be read", o->code);
        return DOM_OK;
    }
#define WANT(k) (!kind || !strcmp(kind, k))
    int rc = 0;
    if (WANT("thread"))
        rc |= store_queue_threads(d->db, d->a, o->id, d->actor, d->now, list, n, cap);
    if (WANT("post"))
        rc |= store_queue_posts(d->db, d->a, o->id, d->actor, d->now, list, n, cap);
    if (WANT("submission"))
        rc |= store_queue_submissions(d->db, d->a, o->id, d->actor, d->now, list, n, cap);
    if (WANT("quiet") && d->now >= start && d->now < end)
        rc |= store_queue_quiet(d->db, d->a, o->id, d->actor, d->now, start, list, n, cap);
    if (WANT("behind") && d->now >= start) {
        const char *due = due_parts(d, o);
        if (!due)
            rc = -1;
        else if (strcmp(due, "[]"))
            rc |= store_queue_behind(d->db, d->a, o->id, d->actor, d->now, due, list, n, cap);
    }
#undef WANT
    return rc ? domain_store_failed(d) : DOM_OK;
}

/* Order of two rows: older first, then by kind and object. */
static int row_cmp(const void *pa, const void *pb)
{
    const queue_row *a = pa, *b = pb;
    if (a->since != b->since)
        return a->since < b->since ? -1 : 1;
    int k = strcmp(a->kind, b->kind);
    if (k)
        return k;
    return a->object_id < b->object_id ? -1 : a->object_id > b->object_id;
}

/* See coach.h. */
void coach_queue_sort(queue_row *rows, int n)
{
    if (n > 1)
        qsort(rows, (size_t)n, sizeof *rows, row_cmp);
}

/* See coach.h. */
const char *coach_waited_label(arena *a, int64_t seconds)
{
    if (seconds < 60)
        return "just now";
    if (seconds < 3600)
        return arena_printf(a, "%lld min", (long long)(seconds / 60));
    if (seconds < 86400)
        return arena_printf(a, "%lld h", (long long)(seconds / 3600));
    long long days = (long long)(seconds / 86400);
    return arena_printf(a, "%lld day%s", days, days == 1 ? "" : "s");
}

/* See coach.h. */
const char *coach_queue_kind(const char *kind)
{
    static const char *const kinds[] = {QUEUE_KINDS};
    for (size_t i = 0; kind && i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(kind, kinds[i]))
            return kinds[i];
    return NULL;
}

/* See coach.h. */
int coach_queue_mark(domain *d, const coach_offering_row *o, const char *kind, int64_t object_id, const char *mode,
                     time_t until)
{
    kind = coach_queue_kind(kind);
    if (!kind || !mode || (strcmp(mode, "snooze") && strcmp(mode, "no_reply")))
        return domain_refuse(d, DOM_INVALID, NULL, "Choose to snooze the item or to mark it as needing no reply.");
    if (!strcmp(mode, "snooze") && until <= d->now)
        return domain_refuse(d, DOM_INVALID, "hours", "Choose how long to snooze it for: a time after now.");
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    queue_row *rows = NULL;
    int n = 0, cap = 0;
    rc = coach_queue_offering(d, o, kind, &rows, &n, &cap);
    const queue_row *found = NULL;
    for (int i = 0; rc == DOM_OK && i < n; i++)
        if (rows[i].object_id == object_id)
            found = &rows[i];
    if (rc == DOM_OK && !found)
        rc = domain_refuse(d, DOM_CONFLICT, NULL,
                           "This is no longer waiting for you: it was handled, or marked by another coach, "
                           "since the queue was shown. The queue below is up to date.");
    if (rc == DOM_OK) {
        int changed = store_queue_mark(d->db, kind, object_id, d->actor, o->id, mode, until, (time_t)found->since,
                                       d->now);
        if (changed < 0)
            rc = domain_store_failed(d);
        else if (changed == 0)
            rc = domain_refuse(d, DOM_CONFLICT, NULL,
                               "Another coach marked this as needing no reply a moment ago; nothing changed.");
    }
    return domain_end(d, rc);
}
