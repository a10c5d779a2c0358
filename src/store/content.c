/*
** content.c: SQL for the series, courses, items and offerings
** (see store_content.h).
*/
#include "store_content.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "log.h"

/* Column i as a JSON string, or JSON null when SQL NULL (store_series only,
** whose JSON the domain's mail and the layout share). */
static json_t *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? json_string((const char *)s) : json_null();
}

/* Record a failed statement in err and return -1. */
static int fail(db *d, buf *err, const char *what)
{
    buf_printf(err, "database: %s: %s\n", what, db_errmsg(d));
    return -1;
}

/* Bind text or NULL. */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int64_t store_content_version(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version'");
    int found = db_row(st);
    if (found != 1)
        return found < 0 ? -1 : 0;
    int64_t v = sqlite3_column_int64(st, 0);
    db_done(st);
    return v;
}

int store_view_versions(db *d, int64_t *content, int64_t *seats)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version'),"
                                  " (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seats_version')");
    int rc = sqlite3_step(st);
    *content = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    *seats = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    db_done(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

time_t store_seats_change_at(db *d, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT min(t) FROM ("
                                  "SELECT min(hold_until) AS t FROM enrolments WHERE status = 'pending' AND hold_until > ?1"
                                  " UNION ALL SELECT min(offer_until) FROM enrolments WHERE status = 'offered'"
                                  " AND offer_until > ?1)");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
    int rc = sqlite3_step(st);
    time_t t = rc == SQLITE_ROW ? (time_t)sqlite3_column_int64(st, 0) : now + 1;
    db_done(st);
    return t;
}

int store_content_touch(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'");
    int rc = sqlite3_step(st);
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

json_t *store_series(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT title, tagline, organisation, partner, community_url,"
                                  " contact_email, intro_html FROM series WHERE id = 1");
    json_t *o = NULL;
    if (db_row(st) == 1) {
        o = json_object();
        json_object_set_new(o, "title", col_str(st, 0));
        json_object_set_new(o, "tagline", col_str(st, 1));
        json_object_set_new(o, "organisation", col_str(st, 2));
        json_object_set_new(o, "partner", col_str(st, 3));
        json_object_set_new(o, "community_url", col_str(st, 4));
        json_object_set_new(o, "contact_email", col_str(st, 5));
        json_object_set_new(o, "intro_html", col_str(st, 6));
        db_done(st);
    }
    return o;
}

#define COURSE_COLS "id, slug, position, title, tagline, summary, hours_min, hours_max"

/* The summary fields of a course row selected with COURSE_COLS. */
static void course_summary(arena *a, sqlite3_stmt *st, course_row *c)
{
    c->id = sqlite3_column_int64(st, 0);
    c->slug = db_col(a, st, 1);
    c->position = sqlite3_column_int(st, 2);
    c->title = db_col(a, st, 3);
    c->tagline = db_col(a, st, 4);
    c->summary = db_col(a, st, 5);
    c->hours_min = sqlite3_column_int(st, 6);
    c->hours_max = sqlite3_column_int(st, 7);
}

int store_course_rows(db *d, arena *a, course_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " COURSE_COLS " FROM courses WHERE published = 1 ORDER BY position");
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        course_summary(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_course_row(db *d, arena *a, const char *slug, course_row *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " COURSE_COLS " FROM courses WHERE slug = ?1 AND published = 1");
    bind_text(st, 1, slug);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        course_summary(a, st, out);
    db_done(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The published items of one section of a course, in order. 0 or -1. */
static int course_items(db *d, arena *a, int64_t course_id, const char *section, course_item_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, key, title, kind, minutes, link, source, submit, body_html"
                                  " FROM course_items WHERE course_id = ?1 AND section = ?2 AND published = 1"
                                  " ORDER BY position");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_text(st, 2, section, -1, SQLITE_STATIC);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        course_item_row *it = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        it->id = sqlite3_column_int64(st, 0);
        it->key = db_col(a, st, 1);
        it->title = db_col(a, st, 2);
        it->kind = db_col(a, st, 3);
        it->minutes = sqlite3_column_int(st, 4);
        it->link = db_col(a, st, 5);
        it->source = db_col(a, st, 6);
        it->submit = db_col(a, st, 7);
        it->body_html = db_col(a, st, 8);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_course_page(db *d, arena *a, const char *slug, course_page_row *o)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " COURSE_COLS ", overview_html, outcomes, panel_title, panel_video,"
                                  " panel_minutes, panel_summary_html, transcript_html, playlist_intro_html,"
                                  " discussions_intro_html, activities_intro_html"
                                  " FROM courses WHERE slug = ?1 AND published = 1");
    bind_text(st, 1, slug);
    memset(o, 0, sizeof *o);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        db_done(st);
        return rc == SQLITE_DONE ? 0 : -1;
    }
    course_summary(a, st, &o->c);
    o->overview_html = db_col(a, st, 8);
    o->outcomes_json = db_col(a, st, 9);
    o->panel_title = db_col(a, st, 10);
    o->panel_video = db_col(a, st, 11);
    o->panel_minutes = sqlite3_column_int(st, 12);
    o->panel_summary_html = db_col(a, st, 13);
    o->transcript_html = db_col(a, st, 14);
    o->playlist_intro_html = db_col(a, st, 15);
    o->discussions_intro_html = db_col(a, st, 16);
    o->activities_intro_html = db_col(a, st, 17);
    db_done(st);

    st = db_stmt(d, "SELECT name, role, school FROM panelists WHERE course_id = ?1 ORDER BY position");
    sqlite3_bind_int64(st, 1, o->c.id);
    int cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        panelist_row *p = arena_grow(a, (void **)&o->panelists, &o->n_panelists, &cap, sizeof *p);
        p->name = db_col(a, st, 0);
        p->role = db_col(a, st, 1);
        p->school = db_col(a, st, 2);   /* set in the staff console; NULL otherwise */
    }
    db_done(st);
    if (rc != SQLITE_DONE || course_items(d, a, o->c.id, "playlist", &o->playlist, &o->n_playlist) ||
        course_items(d, a, o->c.id, "prompt", &o->prompts, &o->n_prompts) ||
        course_items(d, a, o->c.id, "activity", &o->activities, &o->n_activities))
        return -1;
    return 1;
}

#define OFFERING_ANY_SQL \
    "SELECT o.code, c.slug, c.title, c.position, o.starts, o.ends, o.price_cents, o.currency," \
    " o.capacity, o.opens, o.closes, (SELECT u.name FROM offering_staff s JOIN users u ON u.id = s.user_id" \
    "   WHERE s.offering_id = o.id AND s.role = 'coach' ORDER BY s.created_at, u.id LIMIT 1) AS coach," \
    " o.season, o.demo," \
    " (SELECT count(*) FROM enrolments e WHERE e.offering_id = o.id AND (e.status = 'active'" \
    "   OR (e.status = 'pending' AND e.hold_until > unixepoch())" \
    "   OR (e.status = 'offered' AND e.offer_until > unixepoch()))) AS taken, o.id, o.updated_at," \
    " o.sequence, COALESCE(o.cancelled_at, 0), o.published" \
    " FROM offerings o JOIN courses c ON c.id = o.course_id WHERE c.published = 1"
/* Lists show published offerings only; one offering by code is
** read whatever its state (staff pages and registrations still need a
** withdrawn one) and carries it in published. */
#define OFFERING_SQL OFFERING_ANY_SQL " AND o.published = 1"

/* See store_content.h: the columns of OFFERING_SQL, from column c. */
void store_offering_read(arena *a, sqlite3_stmt *st, int c, offering_listing *o)
{
    o->code = db_col(a, st, c + 0);
    o->course_slug = db_col(a, st, c + 1);
    o->course_title = db_col(a, st, c + 2);
    o->course_position = sqlite3_column_int(st, c + 3);
    o->starts = db_col(a, st, c + 4);
    o->ends = db_col(a, st, c + 5);
    o->price_cents = sqlite3_column_int64(st, c + 6);
    o->currency = db_col(a, st, c + 7);
    o->capacity = sqlite3_column_int(st, c + 8);
    o->opens = db_col(a, st, c + 9);
    o->closes = db_col(a, st, c + 10);
    o->coach = db_col(a, st, c + 11);
    o->season = db_col(a, st, c + 12);
    o->demo = sqlite3_column_int(st, c + 13) != 0;
    o->taken = sqlite3_column_int64(st, c + 14);
    o->id = sqlite3_column_int64(st, c + 15);
    o->updated_at = sqlite3_column_int64(st, c + 16);
    o->sequence = sqlite3_column_int64(st, c + 17);
    o->cancelled_at = sqlite3_column_int64(st, c + 18);
    o->published = sqlite3_column_int(st, c + 19) != 0;
}

/* One offering row selected with OFFERING_SQL. */
static void listing_read(arena *a, sqlite3_stmt *st, offering_listing *o)
{
    store_offering_read(a, st, 0, o);
}

int store_offering_listings(db *d, arena *a, const char *course_slug, int with_demo, offering_listing **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, OFFERING_SQL " AND (?1 IS NULL OR c.slug = ?1) AND (?2 OR o.demo = 0)"
                                               " ORDER BY o.demo, o.starts, c.position");
    bind_text(st, 1, course_slug);
    sqlite3_bind_int(st, 2, with_demo);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        listing_read(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The rows of st (an OFFERING_SQL statement, bound), appended to *list. 0 or -1. */
static int listings_read(arena *a, sqlite3_stmt *st, offering_listing **list, int *n, int *cap)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        listing_read(a, st, arena_grow(a, (void **)list, n, cap, sizeof **list));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The offerings whose ids the statement pick (SQL, its own bound
** parameters) chooses, read in full: the seat count and coach are worked
** out only for the rows picked, through the primary key. */
#define PICKED(pick) OFFERING_SQL " AND o.id IN (" pick ") ORDER BY o.demo, o.starts, c.position"

int store_offerings_ahead(db *d, arena *a, int with_demo, const char *today, int limit, offering_listing **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, PICKED("SELECT p.id FROM offerings p WHERE p.starts > ?1 AND (?2 OR p.demo = 0)"
                                         " ORDER BY p.demo, p.starts LIMIT ?3"));
    bind_text(st, 1, today);
    sqlite3_bind_int(st, 2, with_demo);
    sqlite3_bind_int(st, 3, limit);
    int cap = 0;
    *list = NULL;
    *n = 0;
    return listings_read(a, st, list, n, &cap);
}

int store_offerings_next(db *d, arena *a, int with_demo, const char *today, offering_listing **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, PICKED("SELECT (SELECT p.id FROM offerings p WHERE p.course_id = k.id"
                                         " AND p.starts > ?1 AND (?2 OR p.demo = 0) ORDER BY p.demo, p.starts LIMIT 1)"
                                         " FROM courses k WHERE k.published = 1"));
    bind_text(st, 1, today);
    sqlite3_bind_int(st, 2, with_demo);
    int cap = 0;
    *list = NULL;
    *n = 0;
    return listings_read(a, st, list, n, &cap);
}

int store_course_offerings(db *d, arena *a, const char *course_slug, int with_demo, const char *today, int ahead,
                           int past, offering_listing **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, PICKED("SELECT id FROM (SELECT p.id FROM offerings p WHERE p.course_id ="
                                         " (SELECT k.id FROM courses k WHERE k.slug = ?1) AND p.ends >= ?2"
                                         " AND (?3 OR p.demo = 0) ORDER BY p.ends LIMIT ?5)"
                                         " UNION ALL SELECT id FROM (SELECT q.id FROM offerings q WHERE q.course_id ="
                                         " (SELECT k.id FROM courses k WHERE k.slug = ?1) AND q.ends < ?2"
                                         " AND (?3 OR q.demo = 0) ORDER BY q.ends DESC LIMIT ?4)"));
    bind_text(st, 1, course_slug);
    bind_text(st, 2, today);
    sqlite3_bind_int(st, 3, with_demo);
    sqlite3_bind_int(st, 4, past);
    sqlite3_bind_int(st, 5, ahead);
    int cap = 0;
    *list = NULL;
    *n = 0;
    return listings_read(a, st, list, n, &cap);
}

int store_offerings_current(db *d, arena *a, int with_demo, const char *since, const char *until,
                            const char *season, int limit, offering_listing **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, PICKED("SELECT p.id FROM offerings p WHERE ((p.ends >= ?1 AND (?5 IS NULL OR"
                                         " p.starts <= ?5)) OR p.season = ?2)"
                                         " AND (?3 OR p.demo = 0) ORDER BY p.demo, p.starts LIMIT ?4"));
    bind_text(st, 5, until);
    bind_text(st, 1, since);
    bind_text(st, 2, season);
    sqlite3_bind_int(st, 3, with_demo);
    sqlite3_bind_int(st, 4, limit);
    int cap = 0;
    *list = NULL;
    *n = 0;
    return listings_read(a, st, list, n, &cap);
}

int store_offerings_season(db *d, arena *a, int with_demo, const char *season, int limit, offering_listing **list,
                           int *n)
{
    sqlite3_stmt *st = db_stmt(d, PICKED("SELECT p.id FROM offerings p WHERE p.season = ?1 AND (?2 OR p.demo = 0)"
                                         " ORDER BY p.starts LIMIT ?3"));
    bind_text(st, 1, season);
    sqlite3_bind_int(st, 2, with_demo);
    sqlite3_bind_int(st, 3, limit);
    int cap = 0;
    *list = NULL;
    *n = 0;
    return listings_read(a, st, list, n, &cap);
}

int store_current_season(db *d, arena *a, const char *today, const char **season)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT o.season FROM offerings o JOIN courses c ON c.id = o.course_id"
                                  " WHERE o.starts <= ?1 AND o.demo = 0 AND c.published = 1 AND o.published = 1 ORDER BY o.starts DESC LIMIT 1");
    bind_text(st, 1, today);
    *season = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *season = db_col(a, st, 0);
    db_done(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_offering_seasons(db *d, arena *a, int with_demo, season_row **list, int *n)
{
    /* From season to season down the index (one seek each), not through
    ** every offering; each season's figures from its own part of it. */
    sqlite3_stmt *st = db_stmt(d, "WITH RECURSIVE s(season) AS (SELECT max(season) FROM offerings"
                                  " UNION ALL SELECT (SELECT max(o.season) FROM offerings o WHERE o.season < s.season)"
                                  " FROM s WHERE s.season IS NOT NULL),"
                                  " f(season, demo, first, last, n) AS (SELECT s.season,"
                                  " (SELECT min(o.demo) FROM offerings o WHERE o.season = s.season),"
                                  " (SELECT min(o.starts) FROM offerings o WHERE o.season = s.season),"
                                  " (SELECT max(o.starts) FROM offerings o WHERE o.season = s.season),"
                                  " (SELECT count(*) FROM offerings o JOIN courses c ON c.id = o.course_id"
                                  "   WHERE o.season = s.season AND c.published = 1 AND o.published = 1 AND (?1 OR o.demo = 0))"
                                  " FROM s WHERE s.season IS NOT NULL)"
                                  " SELECT season, demo, first, last, n FROM f WHERE n > 0 ORDER BY demo, last DESC LIMIT 500");
    sqlite3_bind_int(st, 1, with_demo);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        season_row *r = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        r->label = db_col(a, st, 0);
        r->demo = sqlite3_column_int(st, 1) != 0;
        r->first = db_col(a, st, 2);
        r->last = db_col(a, st, 3);
        r->offerings = sqlite3_column_int(st, 4);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_offering_listing(db *d, arena *a, const char *code, offering_listing *out)
{
    sqlite3_stmt *st = db_stmt(d, OFFERING_ANY_SQL " AND o.code = ?1");
    bind_text(st, 1, code);
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        listing_read(a, st, out);
    db_done(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Step a write statement to completion; 0 or -1 with err. */
static int run(db *d, sqlite3_stmt *st, buf *err, const char *what)
{
    int rc = sqlite3_step(st);
    db_done(st);
    return rc == SQLITE_DONE ? 0 : fail(d, err, what);
}

int store_publish_begin(db *d, buf *err)
{
    if (db_begin_write(d) != 0)
        return fail(d, err, "begin publishing");
    if (run(d, db_stmt(d, "UPDATE courses SET published = 0"), err, "unpublish courses") ||
        run(d, db_stmt(d, "UPDATE course_items SET published = 0"), err, "unpublish items")) {
        db_rollback(d);
        return -1;
    }
    return 0;
}

int store_put_series(db *d, const char *title, const char *tagline, const char *organisation,
                     const char *partner, const char *community_url, const char *contact_email,
                     const char *intro_html, buf *err)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT OR REPLACE INTO series(id, title, tagline, organisation, partner,"
                                  " community_url, contact_email, intro_html, published_at)"
                                  " VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    bind_text(st, 1, title);
    bind_text(st, 2, tagline);
    bind_text(st, 3, organisation);
    bind_text(st, 4, partner);
    bind_text(st, 5, community_url);
    bind_text(st, 6, contact_email);
    bind_text(st, 7, intro_html);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)time(NULL));
    return run(d, st, err, "save the series");
}

int64_t store_put_course(db *d, const pub_course *c, buf *err)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO courses(slug, position, title, tagline, summary, hours_min, hours_max, overview_html,"
        " outcomes, panel_title, panel_video, panel_minutes, panel_summary_html, transcript_html,"
        " playlist_intro_html, discussions_intro_html, activities_intro_html, captions, completion, published)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, 1)"
        " ON CONFLICT(slug) DO UPDATE SET position = excluded.position, title = excluded.title,"
        " tagline = excluded.tagline, summary = excluded.summary, hours_min = excluded.hours_min,"
        " hours_max = excluded.hours_max, overview_html = excluded.overview_html,"
        " outcomes = excluded.outcomes, panel_title = excluded.panel_title,"
        " panel_video = COALESCE(courses.panel_video, excluded.panel_video),"
        " panel_minutes = CASE WHEN courses.panel_video IS NULL THEN excluded.panel_minutes"
        "   ELSE courses.panel_minutes END,"
        /* a summary or transcript set in the staff console stays (store_panel.h) */
        " panel_summary_html = CASE WHEN courses.panel_summary_md IS NULL THEN excluded.panel_summary_html"
        "   ELSE courses.panel_summary_html END,"
        " transcript_html = CASE WHEN courses.transcript_md IS NULL THEN excluded.transcript_html"
        "   ELSE courses.transcript_html END,"
        " playlist_intro_html = excluded.playlist_intro_html,"
        " discussions_intro_html = excluded.discussions_intro_html,"
        " activities_intro_html = excluded.activities_intro_html, captions = excluded.captions,"
        " completion = excluded.completion, published = 1"
        " RETURNING id");
    bind_text(st, 1, c->slug);
    sqlite3_bind_int(st, 2, c->position);
    bind_text(st, 3, c->title);
    bind_text(st, 4, c->tagline);
    bind_text(st, 5, c->summary);
    sqlite3_bind_int(st, 6, c->hours_min);
    sqlite3_bind_int(st, 7, c->hours_max);
    bind_text(st, 8, c->overview_html);
    bind_text(st, 9, c->outcomes_json);
    bind_text(st, 10, c->panel_title);
    bind_text(st, 11, c->panel_video);
    sqlite3_bind_int(st, 12, c->panel_minutes);
    bind_text(st, 13, c->panel_summary_html);
    bind_text(st, 14, c->transcript_html);
    bind_text(st, 15, c->playlist_intro_html ? c->playlist_intro_html : "");
    bind_text(st, 16, c->discussions_intro_html ? c->discussions_intro_html : "");
    bind_text(st, 17, c->activities_intro_html ? c->activities_intro_html : "");
    bind_text(st, 18, c->captions);
    bind_text(st, 19, c->completion);
    int64_t id = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else
        fail(d, err, "save a course");
    db_done(st);
    return id;
}

int store_put_panelists(db *d, int64_t course_id, const char *const *names,
                        const char *const *roles, int n, buf *err)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM panelists WHERE course_id = ?1");
    sqlite3_bind_int64(st, 1, course_id);
    if (run(d, st, err, "clear panelists"))
        return -1;
    for (int i = 0; i < n; i++) {
        st = db_stmt(d, "INSERT INTO panelists(course_id, position, name, role) VALUES (?1, ?2, ?3, ?4)");
        sqlite3_bind_int64(st, 1, course_id);
        sqlite3_bind_int(st, 2, i + 1);
        bind_text(st, 3, names[i]);
        bind_text(st, 4, roles[i]);
        if (run(d, st, err, "save a panelist"))
            return -1;
    }
    return 0;
}

int store_put_item(db *d, int64_t course_id, const pub_item *it, buf *err)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO course_items(course_id, section, key, position, title, kind, minutes, link, source,"
        " submit, body_html, opens, due, published, rubric)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1, ?14)"
        " ON CONFLICT(course_id, section, key) DO UPDATE SET position = excluded.position,"
        " title = excluded.title, kind = excluded.kind, minutes = excluded.minutes, link = excluded.link,"
        " source = excluded.source, submit = excluded.submit, body_html = excluded.body_html,"
        " opens = excluded.opens, due = excluded.due, published = 1, archived_at = NULL, rubric = excluded.rubric");
    sqlite3_bind_int64(st, 1, course_id);
    bind_text(st, 2, it->section);
    bind_text(st, 3, it->key);
    sqlite3_bind_int(st, 4, it->position);
    bind_text(st, 5, it->title);
    bind_text(st, 6, it->kind);
    sqlite3_bind_int(st, 7, it->minutes);
    bind_text(st, 8, it->link);
    bind_text(st, 9, it->source);
    bind_text(st, 10, it->submit);
    bind_text(st, 11, it->body_html);
    bind_text(st, 12, it->opens);
    bind_text(st, 13, it->due);
    bind_text(st, 14, it->rubric);
    return run(d, st, err, "save a course item");
}

int store_put_milestones(db *d, int64_t course_id, const pub_milestone *m, int n, buf *err)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM course_milestones WHERE course_id = ?1");
    sqlite3_bind_int64(st, 1, course_id);
    if (run(d, st, err, "clear milestones"))
        return -1;
    for (int i = 0; i < n; i++) {
        st = db_stmt(d, "INSERT INTO course_milestones(course_id, position, key, title, at) VALUES (?1, ?2, ?3, ?4, ?5)");
        sqlite3_bind_int64(st, 1, course_id);
        sqlite3_bind_int(st, 2, i + 1);
        bind_text(st, 3, m[i].key);
        bind_text(st, 4, m[i].title);
        bind_text(st, 5, m[i].at);
        if (run(d, st, err, "save a milestone"))
            return -1;
    }
    return 0;
}

int store_seed_offering(db *d, const pub_offering *o, int64_t *id, buf *err)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, opens, closes,"
        " season, demo, created_at, updated_at, time_zone, posting_closes_at, managed_by)"   /* the file owns it */
        " SELECT ?1, id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?13, ?14, 'file' FROM courses WHERE slug = ?12"
        " ON CONFLICT(code) DO NOTHING");
    bind_text(st, 1, o->code);
    bind_text(st, 2, o->starts);
    bind_text(st, 3, o->ends);
    sqlite3_bind_int64(st, 4, o->price_cents);
    bind_text(st, 5, o->currency);
    sqlite3_bind_int(st, 6, o->capacity);
    bind_text(st, 7, o->opens);
    bind_text(st, 8, o->closes);
    bind_text(st, 9, o->season);
    sqlite3_bind_int(st, 10, o->demo);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)time(NULL));
    bind_text(st, 12, o->course_slug);
    bind_text(st, 13, o->time_zone ? o->time_zone : "UTC");
    sqlite3_bind_int64(st, 14, (sqlite3_int64)o->posting_closes_at);
    if (run(d, st, err, "save an offering"))
        return -1;
    int added = db_changes(d) > 0;
    st = db_stmt(d, "SELECT id FROM offerings WHERE code = ?1");
    bind_text(st, 1, o->code);
    int rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_done(st);
    if (rc != SQLITE_ROW)
        return fail(d, err, "read back an offering");
    return added;
}

int store_offering_seed_view(db *d, arena *a, const char *code, pub_offering *o, buf *err)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT o.code, c.slug, o.starts, o.ends, o.opens, o.closes, o.currency, o.season, o.price_cents,"
        " o.capacity, o.demo, (SELECT u.email FROM offering_staff s JOIN users u ON u.id = s.user_id"
        "   WHERE s.offering_id = o.id AND s.role = 'coach' ORDER BY s.created_at, u.id LIMIT 1),"
        " o.time_zone, COALESCE(o.posting_closes_at, 0)"
        " FROM offerings o JOIN courses c ON c.id = o.course_id WHERE o.code = ?1");
    bind_text(st, 1, code);
    memset(o, 0, sizeof *o);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        o->code = db_col(a, st, 0);
        o->course_slug = db_col(a, st, 1);
        o->starts = db_col(a, st, 2);
        o->ends = db_col(a, st, 3);
        o->opens = db_col(a, st, 4);
        o->closes = db_col(a, st, 5);
        o->currency = db_col(a, st, 6);
        o->season = db_col(a, st, 7);
        o->price_cents = sqlite3_column_int64(st, 8);
        o->capacity = sqlite3_column_int(st, 9);
        o->demo = sqlite3_column_int(st, 10);
        o->coach = db_col(a, st, 11);
        o->time_zone = db_col(a, st, 12);
        o->posting_closes_at = (time_t)sqlite3_column_int64(st, 13);
    }
    db_done(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return fail(d, err, "read an offering");
}

int store_offering_zone_fill(db *d, const char *code, const char *zone, time_t posting_closes_at, buf *err)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE offerings SET time_zone = ?2, posting_closes_at = ?3"
                                  " WHERE code = ?1 AND time_zone = 'UTC'");
    bind_text(st, 1, code);
    bind_text(st, 2, zone);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)posting_closes_at);
    if (run(d, st, err, "set an offering's time zone"))
        return -1;
    return db_changes(d) == 1;
}

int store_offering_staff_add(db *d, int64_t offering_id, int64_t user_id, const char *role, buf *err)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
                                  " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    bind_text(st, 3, role);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
    return run(d, st, err, "link a coach to an offering");
}

int store_offering_staff_has(db *d, int64_t offering_id, int64_t user_id, const char *role)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM offering_staff WHERE offering_id = ?1 AND user_id = ?2"
                                  " AND role = ?3");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    bind_text(st, 3, role);
    int rc = sqlite3_step(st);
    db_done(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_course_panel(db *d, arena *a, const char *slug, pub_panel *p, buf *err)
{
    memset(p, 0, sizeof *p);
    sqlite3_stmt *st = db_stmt(d, "SELECT id, panel_video, panel_minutes FROM courses WHERE slug = ?1");
    bind_text(st, 1, slug);
    int rc = sqlite3_step(st);
    int64_t id = 0;
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        p->video = db_col(a, st, 1);
        p->minutes = sqlite3_column_int(st, 2);
    }
    db_done(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return fail(d, err, "read a course's panel");
    st = db_stmt(d, "SELECT name, role, (SELECT count(*) FROM panelists WHERE course_id = ?1)"
                    " FROM panelists WHERE course_id = ?1 ORDER BY position");
    sqlite3_bind_int64(st, 1, id);
    int i = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!p->names) {
            int n = sqlite3_column_int(st, 2);
            p->names = arena_alloc(a, sizeof *p->names * (size_t)(n + 1));
            p->roles = arena_alloc(a, sizeof *p->roles * (size_t)(n + 1));
        }
        p->names[i] = db_col(a, st, 0);
        p->roles[i] = db_col(a, st, 1);
        i++;
    }
    db_done(st);
    p->n = i;
    return rc == SQLITE_DONE ? 1 : fail(d, err, "read a course's panelists");
}

/* The tables holding participant data about course items: every column
** declared REFERENCES course_items(id), read from the schema itself, so a
** table added by a later migration is covered without a change here. Calls
** fn(table, column, ctx) for each; stops and returns fn's non-zero result,
** or returns 0, or -1 with err. */
static int item_data_columns(db *d, buf *err, int (*fn)(db *, const char *, const char *, void *), void *ctx)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT m.name, f.\"from\" FROM sqlite_schema m,"
                                  " pragma_foreign_key_list(m.name) f"
                                  " WHERE m.type = 'table' AND f.\"table\" = 'course_items' ORDER BY m.name");
    int n = 0, cap = 0, rc;
    char **names = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 8;
            char **grown = realloc(names, sizeof *names * (size_t)cap);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            names = grown;
        }
        names[n++] = strdup((const char *)sqlite3_column_text(st, 0));
        names[n++] = strdup((const char *)sqlite3_column_text(st, 1));
    }
    db_done(st);
    int out = rc == SQLITE_DONE ? 0 : fail(d, err, "list the tables that refer to course items");
    for (int i = 0; i + 1 < n && out == 0; i += 2)
        out = names[i] && names[i + 1] ? fn(d, names[i], names[i + 1], ctx) : fail(d, err, "out of memory");
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return out;
}

/* Append identifier s to b for use between double quotes. */
static void quote_ident(buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
}

/* What item_removed_visit collects. */
typedef struct removed_ctx {
    arena *a;
    buf *err;
    removed_item **list;
    int *n;
} removed_ctx;

/* Add the unpublished, unarchived items with rows in table.column. The
** identifiers come from the schema (never from input); they are quoted. */
static int item_removed_visit(db *d, const char *table, const char *column, void *vctx)
{
    removed_ctx *c = vctx;
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT i.id, co.slug, i.section, i.key, i.title, count(*) FROM course_items i"
                   " JOIN courses co ON co.id = i.course_id JOIN \"");
    quote_ident(&sql, table);
    buf_puts(&sql, "\" x ON x.\"");
    quote_ident(&sql, column);
    buf_puts(&sql, "\" = i.id WHERE (i.published = 0 OR co.published = 0) AND i.archived_at IS NULL"
                   " GROUP BY i.id ORDER BY co.position, i.section, i.position");
    sqlite3_stmt *st = NULL;
    int rc = buf_failed(&sql) ? SQLITE_NOMEM
                              : sqlite3_prepare_v2(db_handle(d), buf_str(&sql), -1, &st, NULL);
    buf_free(&sql);
    if (rc != SQLITE_OK)
        return fail(d, c->err, "look for participant data on removed items");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        removed_item *r = NULL;
        for (int i = 0; i < *c->n && !r; i++)
            if ((*c->list)[i].id == id)
                r = &(*c->list)[i];
        if (!r) {
            removed_item *grown = arena_alloc(c->a, sizeof *grown * (size_t)(*c->n + 1));
            if (*c->n)
                memcpy(grown, *c->list, sizeof *grown * (size_t)*c->n);
            *c->list = grown;
            r = &grown[(*c->n)++];
            memset(r, 0, sizeof *r);
            r->id = id;
            r->course_slug = db_col(c->a, st, 1);
            r->section = db_col(c->a, st, 2);
            r->key = db_col(c->a, st, 3);
            r->title = db_col(c->a, st, 4);
            r->tables = "";
        }
        r->rows += sqlite3_column_int64(st, 5);
        r->tables = arena_printf(c->a, "%s%s%s", r->tables, *r->tables ? ", " : "", table);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(d, c->err, "look for participant data on removed items");
}

int store_items_removed_with_data(db *d, arena *a, removed_item **list, int *n, buf *err)
{
    *list = NULL;
    *n = 0;
    removed_ctx c = {a, err, list, n};
    return item_data_columns(d, err, item_removed_visit, &c);
}

int store_item_archive(db *d, int64_t item_id, buf *err)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE course_items SET archived_at = ?2 WHERE id = ?1 AND published = 0"
                                  " AND archived_at IS NULL");
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
    if (run(d, st, err, "archive a course item"))
        return -1;
    if (db_changes(d) != 1) {
        buf_puts(err, "database: the course item to archive changed meanwhile; publish again\n");
        return -1;
    }
    return 0;
}

int store_date_request_add(db *d, const char *slug, const char *email, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO date_requests(course_id, email, created_at)"
                                  " SELECT id, ?2, ?3 FROM courses WHERE slug = ?1 AND published = 1"
                                  " ON CONFLICT(course_id, email) DO UPDATE SET sent_at = NULL, offering_id = NULL,"
                                  " created_at = excluded.created_at");
    bind_text(st, 1, slug);
    bind_text(st, 2, email);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    int rc = sqlite3_step(st);
    db_done(st);
    if (rc != SQLITE_DONE)
        return -1;
    return db_changes(d) == 1 ? 1 : 0;
}

int store_date_requests_waiting(db *d, arena *a, const char *slug, date_request **list, int *n, buf *err)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT r.id, r.email FROM date_requests r JOIN courses c ON c.id = r.course_id"
                                  " WHERE c.slug = ?1 AND r.sent_at IS NULL ORDER BY r.id");
    bind_text(st, 1, slug);
    *list = NULL;
    *n = 0;
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            date_request *grown = arena_alloc(a, sizeof *grown * (size_t)cap);
            if (*n)
                memcpy(grown, *list, sizeof *grown * (size_t)*n);
            *list = grown;
        }
        (*list)[*n].id = sqlite3_column_int64(st, 0);
        (*list)[*n].email = db_col(a, st, 1);
        (*n)++;
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : fail(d, err, "list the requests for new dates");
}

int store_date_request_sent(db *d, int64_t id, int64_t offering_id, time_t now, buf *err)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE date_requests SET sent_at = ?3, offering_id = ?2"
                                  " WHERE id = ?1 AND sent_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, offering_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    if (run(d, st, err, "mark a request for dates as answered"))
        return -1;
    if (db_changes(d) != 1) {
        buf_puts(err, "database: a request for dates was answered meanwhile; publish again\n");
        return -1;
    }
    return 0;
}

int store_publish_commit(db *d, buf *err)
{
    if (store_content_touch(d) != 0) {
        fail(d, err, "bump the content version");
        db_rollback(d);
        return -1;
    }
    if (db_commit(d) != 0) {
        fail(d, err, "commit");
        db_rollback(d);
        return -1;
    }
    return 0;
}

void store_publish_abort(db *d)
{
    db_rollback(d);
}
