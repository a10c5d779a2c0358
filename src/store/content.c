/*
** content.c: SQL for the series, courses, items and offerings
** (see store_content.h).
*/
#include "store_content.h"

#include <string.h>
#include <time.h>

/* Column i as a JSON string, or JSON null when SQL NULL. */
static json_t *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? json_string((const char *)s) : json_null();
}

/* Column i as a JSON integer. */
static json_t *col_int(sqlite3_stmt *st, int i)
{
    return json_integer(sqlite3_column_int64(st, i));
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
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_done(st);
    return v;
}

json_t *store_series(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT title, tagline, organisation, partner, community_url,"
                                  " contact_email, intro_html FROM series WHERE id = 1");
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        o = json_object();
        json_object_set_new(o, "title", col_str(st, 0));
        json_object_set_new(o, "tagline", col_str(st, 1));
        json_object_set_new(o, "organisation", col_str(st, 2));
        json_object_set_new(o, "partner", col_str(st, 3));
        json_object_set_new(o, "community_url", col_str(st, 4));
        json_object_set_new(o, "contact_email", col_str(st, 5));
        json_object_set_new(o, "intro_html", col_str(st, 6));
    }
    db_done(st);
    return o;
}

#define COURSE_COLS "id, slug, position, title, tagline, summary, hours_min, hours_max"

/* The summary fields of a course row selected with COURSE_COLS. */
static json_t *course_summary(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", col_int(st, 0));
    json_object_set_new(o, "slug", col_str(st, 1));
    json_object_set_new(o, "position", col_int(st, 2));
    json_object_set_new(o, "title", col_str(st, 3));
    json_object_set_new(o, "tagline", col_str(st, 4));
    json_object_set_new(o, "summary", col_str(st, 5));
    json_object_set_new(o, "hours_min", col_int(st, 6));
    json_object_set_new(o, "hours_max", col_int(st, 7));
    return o;
}

json_t *store_courses(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " COURSE_COLS " FROM courses WHERE published = 1 ORDER BY position");
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, course_summary(st));
    db_done(st);
    return a;
}

/* The published items of one section of a course, in order. */
static json_t *course_items(db *d, int64_t course_id, const char *section)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, key, title, kind, minutes, link, source, submit, body_html"
                                  " FROM course_items WHERE course_id = ?1 AND section = ?2 AND published = 1"
                                  " ORDER BY position");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_text(st, 2, section, -1, SQLITE_STATIC);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "id", col_int(st, 0));
        json_object_set_new(o, "key", col_str(st, 1));
        json_object_set_new(o, "title", col_str(st, 2));
        json_object_set_new(o, "kind", col_str(st, 3));
        json_object_set_new(o, "minutes", col_int(st, 4));
        json_object_set_new(o, "link", col_str(st, 5));
        json_object_set_new(o, "source", col_str(st, 6));
        json_object_set_new(o, "submit", col_str(st, 7));
        json_object_set_new(o, "body_html", col_str(st, 8));
        json_array_append_new(a, o);
    }
    db_done(st);
    return a;
}

json_t *store_course(db *d, const char *slug)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " COURSE_COLS ", overview_html, outcomes, panel_title, panel_video,"
                                  " panel_minutes, panel_summary_html, transcript_html, playlist_intro_html,"
                                  " discussions_intro_html, activities_intro_html"
                                  " FROM courses WHERE slug = ?1 AND published = 1");
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_done(st);
        return NULL;
    }
    json_t *o = course_summary(st);
    int64_t id = sqlite3_column_int64(st, 0);
    json_object_set_new(o, "overview_html", col_str(st, 8));
    json_t *outcomes = json_loads((const char *)sqlite3_column_text(st, 9), 0, NULL);
    json_object_set_new(o, "outcomes", outcomes ? outcomes : json_array());
    json_t *panel = json_object();
    json_object_set_new(panel, "title", col_str(st, 10));
    json_object_set_new(panel, "video_url", col_str(st, 11));
    json_object_set_new(panel, "minutes", col_int(st, 12));
    json_object_set_new(panel, "summary_html", col_str(st, 13));
    json_object_set_new(o, "transcript_html", col_str(st, 14));
    json_object_set_new(o, "playlist_intro_html", col_str(st, 15));
    json_object_set_new(o, "discussions_intro_html", col_str(st, 16));
    json_object_set_new(o, "activities_intro_html", col_str(st, 17));
    db_done(st);

    st = db_stmt(d, "SELECT name, role FROM panelists WHERE course_id = ?1 ORDER BY position");
    sqlite3_bind_int64(st, 1, id);
    json_t *people = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(people, json_pack("{s:o, s:o}", "name", col_str(st, 0), "role", col_str(st, 1)));
    db_done(st);
    json_object_set_new(panel, "panelists", people);
    json_object_set_new(o, "panel", panel);
    json_object_set_new(o, "playlist", course_items(d, id, "playlist"));
    json_object_set_new(o, "prompts", course_items(d, id, "prompt"));
    json_object_set_new(o, "activities", course_items(d, id, "activity"));
    return o;
}

#define OFFERING_SQL \
    "SELECT o.code, c.slug, c.title, c.position, o.starts, o.ends, o.price_cents, o.currency," \
    " o.capacity, o.opens, o.closes, o.coach_name, o.season, o.demo," \
    " (SELECT count(*) FROM enrolments e WHERE e.offering_id = o.id AND (e.status = 'active'" \
    "   OR (e.status = 'pending' AND e.hold_until > unixepoch())" \
    "   OR (e.status = 'offered' AND e.offer_until > unixepoch()))) AS taken, o.id, o.updated_at" \
    " FROM offerings o JOIN courses c ON c.id = o.course_id WHERE c.published = 1"

/* One offering row selected with OFFERING_SQL as JSON. */
static json_t *offering_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", col_str(st, 0));
    json_object_set_new(o, "course_slug", col_str(st, 1));
    json_object_set_new(o, "course_title", col_str(st, 2));
    json_object_set_new(o, "course_position", col_int(st, 3));
    json_object_set_new(o, "starts", col_str(st, 4));
    json_object_set_new(o, "ends", col_str(st, 5));
    json_object_set_new(o, "price_cents", col_int(st, 6));
    json_object_set_new(o, "currency", col_str(st, 7));
    json_object_set_new(o, "capacity", col_int(st, 8));
    json_object_set_new(o, "opens", col_str(st, 9));
    json_object_set_new(o, "closes", col_str(st, 10));
    json_object_set_new(o, "coach", col_str(st, 11));
    json_object_set_new(o, "season", col_str(st, 12));
    json_object_set_new(o, "demo", json_boolean(sqlite3_column_int(st, 13)));
    json_object_set_new(o, "taken", col_int(st, 14));
    json_object_set_new(o, "id", col_int(st, 15));
    json_object_set_new(o, "updated_at", col_int(st, 16));
    return o;
}

json_t *store_offerings(db *d, const char *course_slug, int with_demo)
{
    sqlite3_stmt *st = db_stmt(d, OFFERING_SQL " AND (?1 IS NULL OR c.slug = ?1) AND (?2 OR o.demo = 0)"
                                               " ORDER BY o.demo, o.starts, c.position");
    bind_text(st, 1, course_slug);
    sqlite3_bind_int(st, 2, with_demo);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, offering_row(st));
    db_done(st);
    return a;
}

json_t *store_offering(db *d, const char *code)
{
    sqlite3_stmt *st = db_stmt(d, OFFERING_SQL " AND o.code = ?1");
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    json_t *o = sqlite3_step(st) == SQLITE_ROW ? offering_row(st) : NULL;
    db_done(st);
    return o;
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
        " playlist_intro_html, discussions_intro_html, activities_intro_html, published)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 1)"
        " ON CONFLICT(slug) DO UPDATE SET position = excluded.position, title = excluded.title,"
        " tagline = excluded.tagline, summary = excluded.summary, hours_min = excluded.hours_min,"
        " hours_max = excluded.hours_max, overview_html = excluded.overview_html,"
        " outcomes = excluded.outcomes, panel_title = excluded.panel_title,"
        " panel_video = excluded.panel_video, panel_minutes = excluded.panel_minutes,"
        " panel_summary_html = excluded.panel_summary_html, transcript_html = excluded.transcript_html,"
        " playlist_intro_html = excluded.playlist_intro_html,"
        " discussions_intro_html = excluded.discussions_intro_html,"
        " activities_intro_html = excluded.activities_intro_html, published = 1"
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
        " submit, body_html, published) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1)"
        " ON CONFLICT(course_id, section, key) DO UPDATE SET position = excluded.position,"
        " title = excluded.title, kind = excluded.kind, minutes = excluded.minutes, link = excluded.link,"
        " source = excluded.source, submit = excluded.submit, body_html = excluded.body_html, published = 1");
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
    return run(d, st, err, "save a course item");
}

int store_seed_offering(db *d, const pub_offering *o, buf *err)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity, opens, closes,"
        " coach_name, season, demo, created_at, updated_at)"
        " SELECT ?1, id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12 FROM courses WHERE slug = ?13"
        " ON CONFLICT(code) DO NOTHING");
    bind_text(st, 1, o->code);
    bind_text(st, 2, o->starts);
    bind_text(st, 3, o->ends);
    sqlite3_bind_int64(st, 4, o->price_cents);
    bind_text(st, 5, o->currency);
    sqlite3_bind_int(st, 6, o->capacity);
    bind_text(st, 7, o->opens);
    bind_text(st, 8, o->closes);
    bind_text(st, 9, o->coach);
    bind_text(st, 10, o->season);
    sqlite3_bind_int(st, 11, o->demo);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)time(NULL));
    bind_text(st, 13, o->course_slug);
    if (run(d, st, err, "save an offering"))
        return -1;
    return db_changes(d) > 0;
}

int store_publish_commit(db *d, buf *err)
{
    if (run(d, db_stmt(d, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'"),
            err, "bump the content version")) {
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
