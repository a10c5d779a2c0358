/*
** plan.c: the rules of planning the calendar from the staff console (see
** plan.h): offering fields checked, drafts created and published, edits
** explained before they apply, seasons copied and published in one step.
*/
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "enrol.h"
#include "notify.h"
#include "store_content.h"
#include "store_enrol.h"
#include "tz.h"

/* Whether s (may be NULL) is empty. */
static int blank(const char *s)
{
    return !s || !*s;
}

/* ISO text of day number day, in a. */
static const char *iso(arena *a, int32_t day)
{
    buf b = BUF_INIT;
    date_iso(&b, day);
    const char *s = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

/* Whether code is a usable offering code: 3 to 40 of a-z, 0-9 and '-',
** starting with a letter or digit (it appears in URLs and calendar UIDs). */
static int code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    return n >= 3 && n <= 40 && code[0] != '-' && strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Whether a season name is usable: 1 to 40 bytes, no control characters,
** no '/' and not "." or "..", since it names a page. */
static int season_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 40 || !strcmp(s, ".") || !strcmp(s, ".."))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/')
            return 0;
    return 1;
}

/* Add a problem with field to errors. */
static void bad(json_t *errors, const char *field, const char *message)
{
    if (!json_object_get(errors, field))
        json_object_set_new(errors, field, json_string(message));
}

int plan_check(domain *d, const plan_input *in, plan_fields *f, int64_t **coaches, int *n_coaches, json_t *errors)
{
    memset(f, 0, sizeof *f);
    *coaches = NULL;
    *n_coaches = 0;
    f->code = in->code ? in->code : "";
    if (!code_ok(f->code))
        bad(errors, "code", "Use 3 to 40 lower-case letters, digits or hyphens, like pv-2027-10.");
    plan_course *courses;
    int nc;
    if (store_plan_courses(d->db, d->a, &courses, &nc) != 0)
        return domain_store_failed(d);
    f->course_slug = NULL;
    for (int i = 0; i < nc && in->course; i++)
        if (!strcmp(courses[i].slug, in->course))
            f->course_slug = courses[i].slug;
    if (!f->course_slug)
        bad(errors, "course", "Choose the course from the list.");
    int32_t starts = 0, ends = 0, opens = 0, closes = 0;
    int have_starts = date_parse(in->starts, &starts) == 0, have_ends = date_parse(in->ends, &ends) == 0;
    if (!have_starts)
        bad(errors, "starts", "Enter the first day as YYYY-MM-DD.");
    if (!have_ends)
        bad(errors, "ends", "Enter the last day as YYYY-MM-DD.");
    if (have_starts && have_ends && ends < starts)
        bad(errors, "ends", "The last day cannot be before the first day.");
    if (!blank(in->opens) && date_parse(in->opens, &opens) != 0)
        bad(errors, "opens", "Enter the day registration opens as YYYY-MM-DD, or leave it empty to open now.");
    int have_closes = date_parse(in->closes, &closes) == 0;
    if (!have_closes)
        bad(errors, "closes", "Enter the last day of registration as YYYY-MM-DD.");
    else if (have_ends && closes > ends)
        bad(errors, "closes", "Registration must close by the offering's last day.");
    if (have_closes && !blank(in->opens) && !json_object_get(errors, "opens") && opens > closes)
        bad(errors, "opens", "Registration cannot open after it closes.");
    f->price_cents = enrol_parse_money(in->price);
    if (f->price_cents < 0 || f->price_cents > 10000000)
        bad(errors, "price", "Enter the price like 50.00 (0 for a free offering).");
    const char *cur = in->currency ? in->currency : "";
    if (strlen(cur) != 3 || strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
        bad(errors, "currency", "Enter the currency as three capital letters, like USD.");
    f->currency = cur;
    char *end = NULL;
    long cap = in->capacity ? strtol(in->capacity, &end, 10) : 0;
    if (!in->capacity || !*in->capacity || *end || cap < 1 || cap > 10000)
        bad(errors, "capacity", "Enter the number of seats, a whole number from 1 to 10000.");
    f->capacity = (int)cap;
    f->season = in->season ? in->season : "";
    if (!season_ok(f->season))
        bad(errors, "season", "Name the season in 1 to 40 characters without a slash, like 2027–2028.");
    f->time_zone = in->time_zone ? in->time_zone : "";
    if (!tz_valid(f->time_zone))
        bad(errors, "time_zone", "Enter a time zone by its name, like America/New_York or Europe/Berlin.");
    else if (have_ends && tz_instant(f->time_zone, ends + 15, 0, &f->posting_closes_at) != 0)
        bad(errors, "time_zone", "The end of posting could not be worked out in this time zone.");
    f->starts = have_starts ? iso(d->a, starts) : NULL;
    f->ends = have_ends ? iso(d->a, ends) : NULL;
    f->opens = blank(in->opens) || json_object_get(errors, "opens") ? NULL : iso(d->a, opens);
    f->closes = have_closes ? iso(d->a, closes) : NULL;
    if (in->n_coaches > 0)
        *coaches = arena_alloc(d->a, sizeof **coaches * (size_t)in->n_coaches);
    for (int i = 0; i < in->n_coaches; i++) {
        long long id = strtoll(in->coaches[i], &end, 10);
        int is = *in->coaches[i] && !*end && id > 0 ? store_plan_is_coach(d->db, id) : 0;
        if (is < 0)
            return domain_store_failed(d);
        if (!is) {
            bad(errors, "coaches", "Choose coaches from the list: only accounts with the coach role can coach.");
            continue;
        }
        int dup = 0;
        for (int j = 0; j < *n_coaches; j++)
            dup |= (*coaches)[j] == id;
        if (!dup)
            (*coaches)[(*n_coaches)++] = id;
    }
    return json_object_size(errors) ? DOM_INVALID : DOM_OK;
}

/* The subject of an offering's audit lines. */
static const char *subject(domain *d, const char *code)
{
    return arena_printf(d->a, "offering:%s", code);
}

/* An audit line about offering code. DOM_OK or DOM_ERROR. */
static int audit(domain *d, const char *action, const char *code, const char *detail)
{
    return store_audit(d->db, d->actor, action, subject(d, code), detail, d->now) == 0 ? DOM_OK : DOM_ERROR;
}

int plan_create(domain *d, const plan_fields *f, const int64_t *coaches, int n_coaches, int64_t *id)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int added = store_plan_insert(d->db, f, 0, d->now, id);
    if (added < 0)
        rc = domain_store_failed(d);
    else if (added == 0)
        rc = domain_refuse(d, DOM_INVALID, "code", "An offering has this code already; codes are never reused, so choose another.");
    if (rc == DOM_OK && store_plan_set_coaches(d->db, *id, coaches, n_coaches, d->now) != 0)
        rc = domain_store_failed(d);
    if (rc == DOM_OK)
        rc = audit(d, "offering.created", f->code, arena_printf(d->a, "%s %s to %s, draft", f->course_slug, f->starts, f->ends));
    return domain_end(d, rc);
}

int plan_effect_of(domain *d, const plan_offering *cur, const plan_fields *f, plan_effect *e)
{
    memset(e, 0, sizeof *e);
    e->dates_changed = strcmp(cur->starts, f->starts) || strcmp(cur->ends, f->ends);
    e->capacity_changed = cur->capacity != f->capacity;
    if (cur->live > 0 && strcmp(cur->course_slug, f->course_slug))
        return domain_refuse(d, DOM_INVALID, "course",
                             "People are registered for this offering, so its course cannot change. Create a new "
                             "offering of the other course instead.");
    if (f->capacity < cur->taken)
        return domain_refuse(d, DOM_INVALID, "capacity",
                             arena_printf(d->a, "%d seat%s taken already, so the capacity cannot go below %d. Cancel "
                                          "registrations first if the room is smaller.",
                                          cur->taken, cur->taken == 1 ? " is" : "s are", cur->taken));
    if (e->dates_changed && cur->live > 0 &&
        store_plan_registrants(d->db, d->a, cur->id, &e->told, &e->n_told) != 0)
        return domain_store_failed(d);
    int free_seats = f->capacity - cur->taken;
    if (f->capacity > cur->capacity && free_seats > 0 && cur->waitlisted > 0 &&
        store_plan_waitlist(d->db, d->a, cur->id, free_seats, &e->offered, &e->n_offered) != 0)
        return domain_store_failed(d);
    return DOM_OK;
}

/* The offering as the mail templates see it (course_title, dates_label,
** price_label, closes_label, coach, full_url): a new object, or NULL. */
static json_t *offering_mail(domain *d, const plan_offering *o)
{
    int32_t s = 0, e = 0, c = 0;
    date_parse(o->starts, &s);
    date_parse(o->ends, &e);
    date_parse(o->closes, &c);
    buf dates = BUF_INIT, closes = BUF_INIT;
    date_range_label(&dates, s, e);
    date_label(&closes, c);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?}", "code", o->code, "course_title", o->course_title,
                          "dates_label", buf_str(&dates), "closes_label", buf_str(&closes), "price_label",
                          enrol_money(d->a, o->price_cents, o->currency), "full_url",
                          arena_printf(d->a, "%s/offerings/%s", d->cfg->base_url, o->code), "coach", o->coach_names);
    buf_free(&dates);
    buf_free(&closes);
    return j;
}

/* Tell the visitors waiting for dates of o's course that o is published,
** once each, when o is a real offering still ahead. In a transaction. */
static int announce(domain *d, const plan_offering *o)
{
    int32_t starts = 0;
    if (o->demo || date_parse(o->starts, &starts) != 0 || starts <= date_from_time(d->now))
        return DOM_OK;
    date_request *list;
    int n;
    buf err = BUF_INIT;
    int rc = store_date_requests_waiting(d->db, d->a, o->course_slug, &list, &n, &err) == 0 ? DOM_OK
                                                                                             : domain_store_failed(d);
    json_t *ctx = rc == DOM_OK && n > 0 ? json_pack("{s:o}", "offering", offering_mail(d, o)) : NULL;
    for (int i = 0; rc == DOM_OK && i < n; i++) {
        rc = ctx ? notify_queue(d, "dates_announced", arena_printf(d->a, "New dates: %s", o->course_title),
                                list[i].email, NULL, ctx, NULL)
                 : DOM_ERROR;
        if (rc == DOM_OK && store_date_request_sent(d->db, list[i].id, o->id, d->now, &err) != 0)
            rc = domain_store_failed(d);
    }
    json_decref(ctx);
    buf_free(&err);
    return rc;
}

int plan_apply(domain *d, const plan_offering *cur, const plan_fields *f, const int64_t *coaches, int n_coaches)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    /* The effect is worked out again inside the transaction: what is
    ** applied is what the database holds now, not what the page showed. */
    plan_offering now;
    int found = store_plan_offering(d->db, d->a, cur->code, &now);
    if (found < 0)
        return domain_end(d, domain_store_failed(d));
    if (!found || now.revision != cur->revision)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL,
                                           "Someone changed this offering while you were editing it. Open it again to see "
                                           "the current values, then make your change."));
    plan_effect e;
    rc = plan_effect_of(d, &now, f, &e);
    int changed = rc == DOM_OK ? store_plan_update(d->db, now.id, now.revision, f, d->now) : 0;
    if (rc == DOM_OK && changed != 1)
        rc = changed < 0 ? domain_store_failed(d)
                         : domain_refuse(d, DOM_CONFLICT, NULL, "Someone changed this offering meanwhile; open it again.");
    if (rc == DOM_OK && store_plan_set_coaches(d->db, now.id, coaches, n_coaches, d->now) != 0)
        rc = domain_store_failed(d);
    plan_offering after;
    if (rc == DOM_OK && store_plan_offering(d->db, d->a, cur->code, &after) != 1)
        rc = domain_store_failed(d);
    if (rc == DOM_OK && e.n_told > 0) {
        json_t *o = offering_mail(d, &after);
        json_t *was = offering_mail(d, &now);
        for (int i = 0; rc == DOM_OK && i < e.n_told; i++) {
            json_t *ctx = json_pack("{s:O, s:O, s:{s:s}}", "offering", o, "was", was, "user", "name", e.told[i].name);
            rc = ctx ? notify_queue(d, "dates_changed", arena_printf(d->a, "New dates: %s", after.course_title),
                                    e.told[i].email, e.told[i].name, ctx, NULL)
                     : DOM_ERROR;
            json_decref(ctx);
        }
        json_decref(o);
        json_decref(was);
    }
    if (rc == DOM_OK && e.n_offered > 0)
        rc = enrol_offer_next(d, now.id);
    if (rc == DOM_OK)
        rc = audit(d, "offering.edited", cur->code,
                   arena_printf(d->a, "%s to %s, %d seats; %d told of new dates, %d offered a seat", f->starts, f->ends,
                                f->capacity, e.n_told, e.n_offered));
    return domain_end(d, rc);
}

int plan_publish(domain *d, const plan_offering *o, int on)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int changed = store_plan_set_published(d->db, o->id, on, d->now);
    if (changed < 0)
        rc = domain_store_failed(d);
    else if (!changed)
        rc = domain_refuse(d, DOM_CONFLICT, NULL,
                           on ? "This offering is published already." : "This offering is not published, so there is nothing to withdraw.");
    if (rc == DOM_OK && on)
        rc = announce(d, o);
    if (rc == DOM_OK)
        rc = audit(d, on ? "offering.published" : "offering.unpublished", o->code, NULL);
    return domain_end(d, rc);
}

const char *plan_copy_code(arena *a, const char *code, const char *starts)
{
    size_t n = strlen(code);
    /* "-YYYY-MM" at the end: 8 bytes, digits where they should be. */
    if (n > 8 && code[n - 8] == '-' && code[n - 3] == '-' && strspn(code + n - 7, "0123456789") == 4 &&
        strspn(code + n - 2, "0123456789") == 2)
        n -= 8;
    return arena_printf(a, "%.*s-%.4s-%.2s", (int)n, code, starts, starts + 5);
}

/* A date text moved by shift days, in a; NULL stays NULL. */
static const char *shifted(arena *a, const char *day, int32_t shift)
{
    int32_t v;
    if (!day || date_parse(day, &v) != 0)
        return NULL;
    return iso(a, v + shift);
}

/* The instant t moved by shift days keeping its wall-clock time in zone:
** 0 with *out, or -1. */
static int shift_instant(const char *zone, time_t t, int32_t shift, time_t *out)
{
    int32_t day;
    int minute;
    if (tz_local(zone, t, &day, &minute, NULL, 0) != 0)
        return -1;
    return tz_instant(zone, day + shift, minute, out);
}

int plan_copy_season(domain *d, const char *from, const char *to, const char *first_start, int *copied)
{
    *copied = 0;
    int32_t first;
    if (date_parse(first_start, &first) != 0)
        return domain_refuse(d, DOM_INVALID, "starts", "Enter the day the first offering starts as YYYY-MM-DD.");
    if (!season_ok(to))
        return domain_refuse(d, DOM_INVALID, "season",
                             "Name the new season in 1 to 40 characters without a slash, like 2027–2028.");
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    plan_offering *list, *exist;
    int n, n_exist;
    if (store_plan_offerings(d->db, d->a, from, &list, &n) != 0 ||
        store_plan_offerings(d->db, d->a, to, &exist, &n_exist) != 0)
        return domain_end(d, domain_store_failed(d));
    if (n == 0)
        return domain_end(d, domain_refuse(d, DOM_INVALID, "from", "That season has no offerings to copy."));
    if (n_exist > 0)
        return domain_end(d, domain_refuse(d, DOM_INVALID, "season",
                                           "A season of that name exists already; choose a new name."));
    int32_t earliest = INT32_MAX;
    for (int i = 0; i < n; i++) {
        int32_t s;
        if (date_parse(list[i].starts, &s) == 0 && s < earliest)
            earliest = s;
    }
    int32_t shift = first - earliest;
    for (int i = 0; rc == DOM_OK && i < n; i++) {
        const plan_offering *o = &list[i];
        if (o->demo)
            continue;
        plan_fields f = {
            .course_slug = o->course_slug, .starts = shifted(d->a, o->starts, shift),
            .ends = shifted(d->a, o->ends, shift), .opens = shifted(d->a, o->opens, shift),
            .closes = shifted(d->a, o->closes, shift), .currency = o->currency, .season = to,
            .time_zone = o->time_zone, .price_cents = o->price_cents, .capacity = o->capacity,
        };
        if (o->posting_closes_at > 0 ? shift_instant(o->time_zone, (time_t)o->posting_closes_at, shift,
                                                     &f.posting_closes_at) != 0
                                     : 0) {
            rc = domain_refuse(d, DOM_INVALID, "from",
                               arena_printf(d->a, "The time zone %s of %s is not known here.", o->time_zone, o->code));
            break;
        }
        f.code = plan_copy_code(d->a, o->code, f.starts);
        for (int k = 2; ; k++) {
            int taken = store_plan_code_taken(d->db, f.code);
            if (taken < 0) {
                rc = domain_store_failed(d);
                break;
            }
            if (!taken)
                break;
            f.code = arena_printf(d->a, "%s-%d", plan_copy_code(d->a, o->code, f.starts), k);
        }
        int64_t id = 0;
        if (rc == DOM_OK && store_plan_insert(d->db, &f, 0, d->now, &id) != 1)
            rc = domain_store_failed(d);
        /* The coaches come along. */
        int64_t ids[32];
        int nid = 0;
        for (const char *p = o->coach_ids; rc == DOM_OK && p && *p && nid < 32;) {
            char *end;
            ids[nid++] = strtoll(p, &end, 10);
            p = *end == ',' ? end + 1 : end;
        }
        if (rc == DOM_OK && store_plan_set_coaches(d->db, id, ids, nid, d->now) != 0)
            rc = domain_store_failed(d);
        if (rc == DOM_OK)
            rc = audit(d, "offering.created", f.code, arena_printf(d->a, "copied from %s, draft", o->code));
        if (rc == DOM_OK)
            (*copied)++;
    }
    if (rc == DOM_OK && *copied == 0)
        rc = domain_refuse(d, DOM_INVALID, "from",
                           "That season has only demonstration offerings, which are not copied. Copy a real season.");
    if (rc == DOM_OK)
        rc = store_audit(d->db, d->actor, "season.copied", arena_printf(d->a, "season:%s", to),
                         arena_printf(d->a, "from %s, %d offerings, %+d days", from, *copied, (int)shift), d->now) == 0
                 ? DOM_OK
                 : DOM_ERROR;
    return domain_end(d, rc);
}

int plan_publish_season(domain *d, const char *season, int *published)
{
    *published = 0;
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    plan_offering *list;
    int n;
    if (store_plan_offerings(d->db, d->a, season, &list, &n) != 0)
        return domain_end(d, domain_store_failed(d));
    for (int i = 0; rc == DOM_OK && i < n; i++) {
        if (list[i].published)
            continue;
        int changed = store_plan_set_published(d->db, list[i].id, 1, d->now);
        if (changed < 0)
            rc = domain_store_failed(d);
        else if (changed == 1) {
            list[i].published = 1;
            rc = announce(d, &list[i]);
            if (rc == DOM_OK)
                rc = audit(d, "offering.published", list[i].code, arena_printf(d->a, "with season %s", season));
            if (rc == DOM_OK)
                (*published)++;
        }
    }
    if (rc == DOM_OK && *published == 0)
        rc = domain_refuse(d, DOM_CONFLICT, NULL, "This season has no drafts left to publish: it is published already.");
    if (rc == DOM_OK)
        rc = store_audit(d->db, d->actor, "season.published", arena_printf(d->a, "season:%s", season),
                         arena_printf(d->a, "%d offerings", *published), d->now) == 0
                 ? DOM_OK
                 : DOM_ERROR;
    return domain_end(d, rc);
}
