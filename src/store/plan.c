/*
** plan.c: SQL for the console's calendar planning: offerings with drafts,
** coaches, seasons, and the file offerings `journeys publish` applies or
** withdraws (see store_plan.h).
*/
#include "store_plan.h"

#include <sqlite3.h>
#include <string.h>

#include "log.h"

/* Run a conditional change: 1 if a row changed, 0 if none was in the state
** it requires, -1 on an error (logged). */
static int change(db *d, sqlite3_stmt *st)
{
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d) > 0 ? 1 : 0;
}

/* Run a write that must not fail: 0 or -1 (logged). */
static int run(db *d, sqlite3_stmt *st)
{
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}

/* A finished list read: 0 when the statement ran to its end, -1 (logged). */
static int ended(db *d, int rc)
{
    if (rc == SQLITE_DONE)
        return 0;
    log_error("store: %s", db_errmsg(d));
    return -1;
}

#define PLAN_SQL \
    "SELECT o.id, o.code, c.slug, c.title, o.starts, o.ends, o.opens, o.closes, o.currency, o.season," \
    " o.time_zone, o.managed_by, o.price_cents, o.capacity, o.demo, o.published, o.revision," \
    " COALESCE(o.posting_closes_at, 0)," \
    " (SELECT count(*) FROM enrolments e WHERE e.offering_id = o.id AND (e.status = 'active'" \
    "   OR (e.status = 'pending' AND (e.hold_until > unixepoch() OR e.payment_status = 'invoiced'))" \
    "   OR (e.status = 'offered' AND e.offer_until > unixepoch())))," \
    " (SELECT count(*) FROM enrolments e WHERE e.offering_id = o.id" \
    "   AND e.status IN ('pending', 'active', 'waitlisted', 'offered'))," \
    " (SELECT count(*) FROM enrolments e WHERE e.offering_id = o.id AND e.status = 'waitlisted')," \
    " (SELECT group_concat(user_id, ',') FROM (SELECT s.user_id FROM offering_staff s" \
    "   WHERE s.offering_id = o.id AND s.role = 'coach' ORDER BY s.user_id))," \
    " (SELECT group_concat(name, ', ') FROM (SELECT u.name FROM offering_staff s JOIN users u ON u.id = s.user_id" \
    "   WHERE s.offering_id = o.id AND s.role = 'coach' ORDER BY u.name))" \
    " FROM offerings o JOIN courses c ON c.id = o.course_id"

/* One row of PLAN_SQL into o. */
static void plan_read(arena *a, sqlite3_stmt *st, plan_offering *o)
{
    o->id = sqlite3_column_int64(st, 0);
    o->code = db_col(a, st, 1);
    o->course_slug = db_col(a, st, 2);
    o->course_title = db_col(a, st, 3);
    o->starts = db_col(a, st, 4);
    o->ends = db_col(a, st, 5);
    o->opens = db_col(a, st, 6);
    o->closes = db_col(a, st, 7);
    o->currency = db_col(a, st, 8);
    o->season = db_col(a, st, 9);
    o->time_zone = db_col(a, st, 10);
    o->managed_by = db_col(a, st, 11);
    o->price_cents = sqlite3_column_int64(st, 12);
    o->capacity = sqlite3_column_int(st, 13);
    o->demo = sqlite3_column_int(st, 14);
    o->published = sqlite3_column_int(st, 15);
    o->revision = sqlite3_column_int64(st, 16);
    o->posting_closes_at = sqlite3_column_int64(st, 17);
    o->taken = sqlite3_column_int(st, 18);
    o->live = sqlite3_column_int(st, 19);
    o->waitlisted = sqlite3_column_int(st, 20);
    o->coach_ids = db_col(a, st, 21);
    o->coach_names = db_col(a, st, 22);
}

int store_plan_offerings(db *d, arena *a, const char *season, plan_offering **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, PLAN_SQL " WHERE (?1 IS NULL OR o.season = ?1)"
                                           " ORDER BY o.season DESC, o.starts, c.position LIMIT 1000");
    db_bind_text(st, 1, season);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        plan_read(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    return ended(d, rc);
}

int store_plan_offering(db *d, arena *a, const char *code, plan_offering *o)
{
    sqlite3_stmt *st = db_stmt(d, PLAN_SQL " WHERE o.code = ?1");
    db_bind_text(st, 1, code);
    int found = db_row(st);
    if (found == 1) {
        plan_read(a, st, o);
        db_done(st);
    }
    return found;
}

/* The people a statement selects (id, name, email, status). 0 or -1. */
static int people(db *d, arena *a, sqlite3_stmt *st, plan_person **list, int *n)
{
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        plan_person *p = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        p->id = sqlite3_column_int64(st, 0);
        p->name = db_col(a, st, 1);
        p->email = db_col(a, st, 2);
        p->status = db_col(a, st, 3);
    }
    db_done(st);
    return ended(d, rc);
}

int store_plan_coaches(db *d, arena *a, plan_person **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, name, email, role FROM users WHERE role = 'coach'"
                                  " AND deleted_at IS NULL ORDER BY name, id LIMIT 500");
    return people(d, a, st, list, n);
}

int store_plan_registrants(db *d, arena *a, int64_t offering_id, plan_person **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT e.id, u.name, u.email, e.status FROM enrolments e"
                                  " JOIN users u ON u.id = e.user_id WHERE e.offering_id = ?1"
                                  " AND e.status IN ('pending', 'active', 'waitlisted', 'offered')"
                                  " ORDER BY e.created_at, e.id");
    sqlite3_bind_int64(st, 1, offering_id);
    return people(d, a, st, list, n);
}

int store_plan_waitlist(db *d, arena *a, int64_t offering_id, int limit, plan_person **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT e.id, u.name, u.email, e.status FROM enrolments e"
                                  " JOIN users u ON u.id = e.user_id WHERE e.offering_id = ?1"
                                  " AND e.status = 'waitlisted' ORDER BY e.created_at, e.id LIMIT ?2");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int(st, 2, limit);
    return people(d, a, st, list, n);
}

int store_plan_courses(db *d, arena *a, plan_course **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT slug, title FROM courses WHERE published = 1 ORDER BY position, slug");
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        plan_course *c = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        c->slug = db_col(a, st, 0);
        c->title = db_col(a, st, 1);
    }
    db_done(st);
    return ended(d, rc);
}

/* Bind f's fields as ?2..?13 (code is ?1 where a statement uses it). */
static void bind_fields(sqlite3_stmt *st, const plan_fields *f)
{
    db_bind_text(st, 2, f->course_slug);
    db_bind_text(st, 3, f->starts);
    db_bind_text(st, 4, f->ends);
    sqlite3_bind_int64(st, 5, f->price_cents);
    db_bind_text(st, 6, f->currency);
    sqlite3_bind_int(st, 7, f->capacity);
    db_bind_text(st, 8, f->opens);
    db_bind_text(st, 9, f->closes);
    db_bind_text(st, 10, f->season);
    db_bind_text(st, 11, f->time_zone);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)f->posting_closes_at);
}

int store_plan_insert(db *d, const plan_fields *f, int demo, time_t now, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency,"
                                  " capacity, opens, closes, season, time_zone, posting_closes_at, demo,"
                                  " created_at, updated_at, published, managed_by, revision)"
                                  " SELECT ?1, c.id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14,"
                                  " 0, 'console', 1 FROM courses c WHERE c.slug = ?2"
                                  " ON CONFLICT(code) DO NOTHING");
    db_bind_text(st, 1, f->code);
    bind_fields(st, f);
    sqlite3_bind_int(st, 13, demo);
    sqlite3_bind_int64(st, 14, (sqlite3_int64)now);
    int rc = change(d, st);
    *id = rc == 1 ? db_last_id(d) : 0;
    return rc;
}

int store_plan_update(db *d, int64_t id, int64_t revision, const plan_fields *f, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE offerings SET course_id = (SELECT c.id FROM courses c WHERE c.slug = ?2),"
                                  " starts = ?3, ends = ?4, price_cents = ?5, currency = ?6, capacity = ?7,"
                                  " opens = ?8, closes = ?9, season = ?10, time_zone = ?11, posting_closes_at = ?12,"
                                  " updated_at = ?13, revision = revision + 1, managed_by = 'console'"
                                  " WHERE id = ?1 AND revision = ?14");
    sqlite3_bind_int64(st, 1, id);
    bind_fields(st, f);
    sqlite3_bind_int64(st, 13, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 14, revision);
    return change(d, st);
}

int store_plan_set_coaches(db *d, int64_t id, const int64_t *user_ids, int n, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM offering_staff WHERE offering_id = ?1 AND role = 'coach'");
    sqlite3_bind_int64(st, 1, id);
    if (run(d, st) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        st = db_stmt(d, "INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
                        " SELECT ?1, u.id, 'coach', ?3 FROM users u WHERE u.id = ?2 AND u.role = 'coach'"
                        " ON CONFLICT DO NOTHING");
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, user_ids[i]);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
        if (run(d, st) != 0)
            return -1;
    }
    return 0;
}

int store_plan_is_coach(db *d, int64_t user_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM users WHERE id = ?1 AND role = 'coach' AND deleted_at IS NULL");
    sqlite3_bind_int64(st, 1, user_id);
    int found = db_row(st);
    if (found == 1)
        db_done(st);
    return found;
}

int store_plan_set_published(db *d, int64_t id, int on, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE offerings SET published = ?2, updated_at = ?3, revision = revision + 1"
                                  " WHERE id = ?1 AND published = 1 - ?2");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, on ? 1 : 0);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return change(d, st);
}

int store_plan_seasons(db *d, arena *a, plan_season **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT season, min(starts), max(starts), count(*), sum(published = 0)"
                                  " FROM offerings GROUP BY season ORDER BY max(starts) DESC LIMIT 500");
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        plan_season *s = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        s->name = db_col(a, st, 0);
        s->first = db_col(a, st, 1);
        s->last = db_col(a, st, 2);
        s->offerings = sqlite3_column_int(st, 3);
        s->drafts = sqlite3_column_int(st, 4);
    }
    db_done(st);
    return ended(d, rc);
}

int store_plan_code_taken(db *d, const char *code)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM offerings WHERE code = ?1");
    db_bind_text(st, 1, code);
    int found = db_row(st);
    if (found == 1)
        db_done(st);
    return found;
}

int store_plan_owner(db *d, arena *a, const char *code, const char **managed_by, int *published, int *live,
                     const char **file_block)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT o.managed_by, o.published, (SELECT count(*) FROM enrolments e WHERE e.offering_id = o.id"
                                  " AND e.status IN ('pending', 'active', 'waitlisted', 'offered')), o.file_block"
                                  " FROM offerings o WHERE o.code = ?1");
    db_bind_text(st, 1, code);
    int found = db_row(st);
    if (found == 1) {
        *managed_by = db_col(a, st, 0);
        *published = sqlite3_column_int(st, 1);
        *live = sqlite3_column_int(st, 2);
        *file_block = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : db_col(a, st, 3);
        db_done(st);
    }
    return found;
}

int store_plan_file_block_set(db *d, const char *code, const char *block)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE offerings SET file_block = ?2 WHERE code = ?1 AND file_block IS NOT ?2");
    db_bind_text(st, 1, code);
    db_bind_text(st, 2, block);
    return db_run(st);
}

int store_plan_file_apply(db *d, const plan_fields *f, int demo, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE offerings SET starts = ?3, ends = ?4, price_cents = ?5, currency = ?6,"
                                  " capacity = ?7, opens = ?8, closes = ?9, season = ?10, time_zone = ?11,"
                                  " posting_closes_at = ?12, demo = ?13, updated_at = ?14, revision = revision + 1,"
                                  " published = 1"
                                  " WHERE code = ?1 AND managed_by = 'file' AND course_id ="
                                  " (SELECT c.id FROM courses c WHERE c.slug = ?2)");
    db_bind_text(st, 1, f->code);
    bind_fields(st, f);
    sqlite3_bind_int(st, 13, demo);
    sqlite3_bind_int64(st, 14, (sqlite3_int64)now);
    return change(d, st);
}

int store_plan_file_coach(db *d, int64_t id, int64_t user_id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM offering_staff WHERE offering_id = ?1 AND role = 'coach'"
                                  " AND user_id <> ?2");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, user_id);
    if (run(d, st) != 0)
        return -1;
    st = db_stmt(d, "INSERT INTO offering_staff(offering_id, user_id, role, created_at) VALUES (?1, ?2, 'coach', ?3)"
                    " ON CONFLICT DO NOTHING");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return run(d, st);
}

int store_plan_unlisted(db *d, arena *a, const char *codes_json, int with_demo, const char ***codes, int64_t **ids,
                        int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, code FROM offerings WHERE managed_by = 'file' AND published = 1"
                                  " AND (?2 OR demo = 0) AND code NOT IN (SELECT value FROM json_each(?1))"
                                  " ORDER BY code");
    db_bind_text(st, 1, codes_json);
    sqlite3_bind_int(st, 2, with_demo);
    int rc, cap = 0, cap2 = 0, n2 = 0;
    *codes = NULL;
    *ids = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *(int64_t *)arena_grow(a, (void **)ids, &n2, &cap2, sizeof **ids) = sqlite3_column_int64(st, 0);
        *(const char **)arena_grow(a, (void **)codes, n, &cap, sizeof **codes) = db_col(a, st, 1);
    }
    db_done(st);
    return ended(d, rc);
}
