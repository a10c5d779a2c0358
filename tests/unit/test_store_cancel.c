/*
** test_store_cancel.c: the store behind cancelling an offering, on a
** database of its own: the migration's trigger bumps an offering's
** calendar sequence with any change of its dates, zone or cancellation
** (in the same statement) and not with other edits; cancelling is one
** conditional write, so of two connections cancelling at once exactly one
** changes the row; the cancelled state and who cancelled are read back;
** the offering listing carries the sequence and the cancellation.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "db.h"
#include "log.h"
#include "scratch.h"
#include "store_cancel.h"
#include "store_content.h"

static db *d;

/* Run SQL with no result on database x; 0 or -1. */
static int sql_on(db *x, const char *q)
{
    return scratch_sql(x, q);
}

/* The sequence of offering 1 as the store reads it; -1 on failure. */
static long long seq(arena *a)
{
    cancel_state cs;
    return store_cancel_state(d, a, 1, &cs) == 1 ? (long long)cs.sequence : -1;
}

int main(void)
{
    log_quiet(1);
    scratch s;
    d = scratch_open(&s, "cancel");
    db *other = d ? scratch_other(&s) : NULL;
    CHECK(d != NULL && other != NULL);
    if (!d || !other)
        return check_done();
    arena *a = arena_new(0);

    CHECK(sql_on(d, "INSERT INTO courses(id, slug, position, title, tagline, summary, hours_min, hours_max,"
                    " overview_html, panel_title, panel_minutes, panel_summary_html, transcript_html) VALUES"
                    " (1, 'one', 1, 'One', '', '', 1, 2, '', 'Panel', 30, '', '')") == 0);
    CHECK(sql_on(d, "INSERT INTO offerings(id, code, course_id, starts, ends, price_cents, currency, capacity, closes,"
                    " season, created_at, updated_at) VALUES (1, 'one-1', 1, '2027-01-04', '2027-01-08', 0, 'USD', 50,"
                    " '2027-01-01', 's', 1, 1)") == 0);
    CHECK(sql_on(d, "INSERT INTO users(id, email, name, password_hash, role, time_zone, created_at) VALUES"
                    " (7, 'sam@example.org', 'Sam Staff', 'x', 'staff', 'UTC', 1)") == 0);

    /* New: sequence 0, not cancelled. */
    CHECK(seq(a) == 0);
    CHECK(store_offering_is_cancelled(d, 1) == 0);
    CHECK(store_offering_is_cancelled(d, 99) == 0);
    /* Capacity, price, the window: not the event's business. */
    CHECK(sql_on(d, "UPDATE offerings SET capacity = 60, price_cents = 100, closes = '2026-12-30' WHERE id = 1") == 0);
    CHECK(seq(a) == 0);
    /* Setting the same dates again (a publish run) changes nothing. */
    CHECK(sql_on(d, "UPDATE offerings SET starts = '2027-01-04', ends = '2027-01-08' WHERE id = 1") == 0);
    CHECK(seq(a) == 0);
    /* New dates: one bump per statement, whatever code writes it. */
    CHECK(sql_on(d, "UPDATE offerings SET starts = '2027-01-11', ends = '2027-01-15' WHERE id = 1") == 0);
    CHECK(seq(a) == 1);
    CHECK(sql_on(d, "UPDATE offerings SET time_zone = 'Pacific/Auckland' WHERE id = 1") == 0);
    CHECK(seq(a) == 2);

    /* Two connections cancel, each in its own write transaction: only the
    ** first changes the row (the HTTP race is in test_cancel). */
    CHECK(db_begin_write(d) == 0);
    int first = store_offering_cancel(d, 1, 7, "Not enough people.", 1000);
    CHECK(db_commit(d) == 0);
    CHECK(db_begin_write(other) == 0);
    int second = store_offering_cancel(other, 1, 7, "Also gone.", 1001);
    CHECK(db_commit(other) == 0);
    CHECK(first == 1);
    CHECK(second == 0);
    cancel_state cs;
    CHECK(store_cancel_state(d, a, 1, &cs) == 1);
    CHECK(cs.cancelled_at == 1000);
    CHECK(cs.sequence == 3);   /* the cancellation bumped it, the refused one did not */
    CHECK_STR(cs.by_name, "Sam Staff");
    CHECK_STR(cs.reason, "Not enough people.");
    CHECK(store_offering_is_cancelled(d, 1) == 1);
    CHECK(store_cancel_state(d, a, 99, &cs) == 0);

    /* The listing the feeds read carries both. */
    offering_listing *list;
    int n;
    CHECK(store_offering_listings(d, a, NULL, 1, &list, &n) == 0);
    CHECK(n == 1);
    if (n == 1) {
        CHECK(list[0].sequence == 3);
        CHECK(list[0].cancelled_at == 1000);
        CHECK(list[0].updated_at == 1000);
    }

    /* No registrations: empty lists, not failures. */
    cancel_reg *regs;
    CHECK(store_cancel_regs(d, a, 1, 1, &regs, &n) == 0 && n == 0);
    cancel_refund *refunds;
    CHECK(store_cancel_refunds(d, a, 1, &refunds, &n) == 0 && n == 0);

    arena_free(a);
    db_close(other);
    db_close(d);
    CHECK(scratch_remove(&s) == 0);
    return check_done();
}
