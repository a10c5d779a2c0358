/*
** test_plan.c: the rules of planning the calendar (domain/plan.c) on a
** real database: an offering form checked field by field, the code a
** copied offering gets, and a season copied across daylight-saving
** changes north and south keeping each end of posting at its local time.
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "date.h"
#include "db.h"
#include "log.h"
#include "plan.h"
#include "scratch.h"
#include "tz.h"

static db *d;

/* Run sql on the test database: 0 or -1. */
static int sql(const char *text)
{
    return scratch_sql(d, text);
}

/* The instant of local midnight starting ISO day iso in zone. */
static time_t midnight(const char *zone, const char *iso)
{
    int32_t day = 0;
    time_t t = 0;
    if (date_parse(iso, &day) != 0 || tz_instant(zone, day, 0, &t) != 0)
        abort();
    return t;
}

static void copy_codes(arena *a)
{
    CHECK_STR(plan_copy_code(a, "pv-2019-10", "2027-10-18"), "pv-2027-10");
    CHECK_STR(plan_copy_code(a, "gp-2019-11", "2028-01-03"), "gp-2028-01");
    CHECK_STR(plan_copy_code(a, "summer-intensive", "2027-07-05"), "summer-intensive-2027-07");
    CHECK_STR(plan_copy_code(a, "x-2019-1a", "2027-07-05"), "x-2019-1a-2027-07");
}

static void check_form(domain *dm)
{
    const char *coach[] = {"2"}, *not_coach[] = {"1"};
    plan_input in = {"pv-2027-10", "one", "2027-10-18", "2027-10-22", "", "2027-10-15", "50", "USD", "40",
                     "2027\xE2\x80\x93" "2028", "America/New_York", coach, 1};
    plan_fields f;
    int64_t *coaches;
    int n;
    json_t *errors = json_object();
    CHECK(plan_check(dm, &in, &f, &coaches, &n, errors) == DOM_OK);
    CHECK(json_object_size(errors) == 0);
    CHECK(f.price_cents == 5000 && f.capacity == 40 && n == 1 && coaches[0] == 2);
    CHECK(f.opens == NULL);
    /* Posting closes at the end of the 14th day after the last: midnight
    ** of 6 November 2027 in New York, still summer time (UTC-4). */
    CHECK(f.posting_closes_at == midnight("America/New_York", "2027-11-06"));
    CHECK(f.posting_closes_at % 86400 == 4 * 3600);
    /* Each problem named on its field, nothing accepted. */
    plan_input bad = {"-x", "nope", "2027-02-30", "2027-10-01", "2027-12-01", "2027-11-01", "5.5.5", "usd", "0",
                      "a/b", "Nowhere/Land", not_coach, 1};
    json_object_clear(errors);
    CHECK(plan_check(dm, &bad, &f, &coaches, &n, errors) == DOM_INVALID);
    const char *fields[] = {"code", "course", "starts", "price", "currency", "capacity", "season", "time_zone",
                            "coaches", "opens"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        CHECK(json_object_get(errors, fields[i]) != NULL);
    /* Ends before starts; closing after the last day. */
    plan_input order = in;
    order.ends = "2027-10-17";
    order.closes = "2027-10-23";
    json_object_clear(errors);
    CHECK(plan_check(dm, &order, &f, &coaches, &n, errors) == DOM_INVALID);
    CHECK_STR(json_string_value(json_object_get(errors, "ends")), "The last day cannot be before the first day.");
    json_decref(errors);
}

/* Copies of a season in New York (summer to autumn) and Auckland (winter
** to spring): each end of posting stays at local midnight. */
static void copy_season(domain *dm)
{
    CHECK(sql("INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, opens, closes,"
              " season, time_zone, posting_closes_at, created_at, updated_at) VALUES"
              " ('ny-2026-06', 1, '2026-06-01', '2026-06-05', 5000, 'USD', 30, '2026-04-01', '2026-05-29', 'S1',"
              "  'America/New_York', 0, 1, 1),"
              " ('nz-2026-07', 1, '2026-07-06', '2026-07-10', 9000, 'NZD', 20, NULL, '2026-07-03', 'S1',"
              "  'Pacific/Auckland', 0, 1, 1)") == 0);
    char set[256];
    snprintf(set, sizeof set, "UPDATE offerings SET posting_closes_at = %lld WHERE code = 'ny-2026-06';"
             "UPDATE offerings SET posting_closes_at = %lld WHERE code = 'nz-2026-07'",
             (long long)midnight("America/New_York", "2026-06-20"), (long long)midnight("Pacific/Auckland", "2026-07-25"));
    CHECK(sql(set) == 0);
    CHECK(sql("INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
              " SELECT id, 2, 'coach', 1 FROM offerings WHERE code = 'ny-2026-06'") == 0);
    int copied = 0;
    /* 1 June 2026 to 2 November 2026: 154 days. */
    CHECK(plan_copy_season(dm, "S1", "S2", "2026-11-02", &copied) == DOM_OK);
    CHECK(copied == 2);
    plan_offering o;
    CHECK(store_plan_offering(d, dm->a, "ny-2026-11", &o) == 1);
    CHECK_STR(o.starts, "2026-11-02");
    CHECK_STR(o.ends, "2026-11-06");
    CHECK_STR(o.opens, "2026-09-02");
    CHECK_STR(o.closes, "2026-10-30");
    CHECK_STR(o.season, "S2");
    CHECK(!o.published && !strcmp(o.managed_by, "console"));
    CHECK_STR(o.coach_ids, "2");
    /* 20 June (EDT) moved 154 days is 21 November (EST): local midnight,
    ** an hour later in UTC than the old instant plus 154 days. */
    CHECK(o.posting_closes_at == midnight("America/New_York", "2026-11-21"));
    CHECK(o.posting_closes_at == midnight("America/New_York", "2026-06-20") + 154 * 86400 + 3600);
    CHECK(store_plan_offering(d, dm->a, "nz-2026-12", &o) == 1);
    CHECK_STR(o.starts, "2026-12-07");
    CHECK(o.opens == NULL);
    /* Auckland: 25 July (NZST, +12) to 26 December (NZDT, +13). */
    CHECK(o.posting_closes_at == midnight("Pacific/Auckland", "2026-12-26"));
    CHECK(o.posting_closes_at == midnight("Pacific/Auckland", "2026-07-25") + 154 * 86400 - 3600);
    /* The same new season again is refused; nothing is added. */
    CHECK(plan_copy_season(dm, "S1", "S2", "2026-11-02", &copied) == DOM_INVALID);
    CHECK_STR(dm->field, "season");
    plan_offering *list;
    int n;
    CHECK(store_plan_offerings(d, dm->a, "S2", &list, &n) == 0 && n == 2);
    /* Publishing the season: both at once, then nothing left. */
    int published = 0;
    CHECK(plan_publish_season(dm, "S2", &published) == DOM_OK && published == 2);
    CHECK(plan_publish_season(dm, "S2", &published) == DOM_CONFLICT && published == 0);
}

int main(void)
{
    log_quiet(1);
    scratch s;
    d = scratch_open(&s, "plan");
    CHECK(d != NULL);
    if (!d)
        return check_done();
    CHECK(sql("INSERT INTO courses(id, slug, position, title, tagline, summary, hours_min, hours_max, overview_html,"
              " panel_title, panel_minutes, panel_summary_html, transcript_html) VALUES"
              " (1, 'one', 1, 'One', '', '', 1, 2, '', 'Panel', 30, '', '')") == 0);
    CHECK(sql("INSERT INTO users(id, email, name, password_hash, role, created_at) VALUES"
              " (1, 'pat@example.org', 'Pat', 'x', 'participant', 1), (2, 'cory@example.org', 'Cory', 'x', 'coach', 1)") ==
          0);
    arena *a = arena_new(0);
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    domain dm = domain_make(d, &cfg, NULL, a, 0, time(NULL));
    copy_codes(a);
    check_form(&dm);
    copy_season(&dm);
    arena_free(a);
    db_close(d);
    CHECK(scratch_remove(&s) == 0);
    return check_done();
}
