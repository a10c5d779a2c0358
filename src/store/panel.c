/*
** panel.c: the SQL of panel resources and publish runs (see store_panel.h).
*/
#include "store_panel.h"

#include <string.h>

#include "log.h"

/* A write that changes no particular row: 0 or -1 (logged). */
static int write1(db *d, sqlite3_stmt *st, const char *what)
{
    if (db_run(st) != 0) {
        log_error("store: %s: %s", what, db_errmsg(d));
        return -1;
    }
    return 0;
}

/* A conditional write or delete: 1 a row changed, 0 none, -1 (logged). */
static int change1(db *d, sqlite3_stmt *st, const char *what)
{
    if (write1(d, st, what) != 0)
        return -1;
    return db_changes(d) > 0 ? 1 : 0;
}

int store_panel_course(db *d, arena *a, const char *slug, panel_course_row *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d,
        "SELECT c.id, c.slug, c.title, c.panel_title, c.panel_video, c.panel_minutes, c.panel_rev,"
        " c.panel_summary_html, c.transcript_html, length(trim(c.transcript_html)) > 0,"
        " p.course_id IS NOT NULL, p.filename, p.label, p.lang, coalesce(p.cues, 0), coalesce(p.uploaded_at, 0), u.name,"
        " c.panel_summary_md, c.transcript_md"
        " FROM courses c LEFT JOIN panel_captions p ON p.course_id = c.id LEFT JOIN users u ON u.id = p.uploaded_by"
        " WHERE c.slug = ?1");
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    out->id = sqlite3_column_int64(st, 0);
    out->slug = db_col(a, st, 1);
    out->title = db_col(a, st, 2);
    out->panel_title = db_col(a, st, 3);
    out->video = db_col(a, st, 4);
    out->minutes = sqlite3_column_int(st, 5);
    out->rev = sqlite3_column_int64(st, 6);
    out->summary_html = db_col(a, st, 7);
    out->transcript_html = db_col(a, st, 8);
    out->has_transcript = sqlite3_column_int(st, 9);
    out->has_captions = sqlite3_column_int(st, 10);
    out->captions_file = db_col(a, st, 11);
    out->captions_label = db_col(a, st, 12);
    out->captions_lang = db_col(a, st, 13);
    out->captions_cues = sqlite3_column_int(st, 14);
    out->captions_at = (time_t)sqlite3_column_int64(st, 15);
    out->captions_by = db_col(a, st, 16);
    out->summary_md = db_col(a, st, 17);
    out->transcript_md = db_col(a, st, 18);
    db_done(st);
    return 1;
}

int store_panel_list(db *d, arena *a, panel_list_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT c.slug, c.title, c.panel_video, length(trim(c.transcript_html)) > 0,"
        " EXISTS (SELECT 1 FROM panel_captions p WHERE p.course_id = c.id),"
        " (SELECT count(*) FROM panelists WHERE course_id = c.id),"
        " (SELECT count(*) FROM panel_handouts WHERE course_id = c.id)"
        " FROM courses c WHERE c.published = 1 ORDER BY c.position");
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        panel_list_row *r = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        r->slug = db_col(a, st, 0);
        r->title = db_col(a, st, 1);
        r->video = db_col(a, st, 2);
        r->has_transcript = sqlite3_column_int(st, 3);
        r->has_captions = sqlite3_column_int(st, 4);
        r->panelists = sqlite3_column_int(st, 5);
        r->handouts = sqlite3_column_int(st, 6);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_panel_people(db *d, arena *a, int64_t course_id, panel_person_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT position, name, role, school FROM panelists WHERE course_id = ?1"
                                  " ORDER BY position");
    sqlite3_bind_int64(st, 1, course_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        panel_person_row *r = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        r->position = sqlite3_column_int(st, 0);
        r->name = db_col(a, st, 1);
        r->role = db_col(a, st, 2);
        r->school = db_col(a, st, 3);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Fill r from a row of id, title, url, sha256, filename, type, size, created_at. */
static void fill_handout(arena *a, sqlite3_stmt *st, panel_handout_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->title = db_col(a, st, 1);
    r->url = db_col(a, st, 2);
    r->sha256 = db_col(a, st, 3);
    r->filename = db_col(a, st, 4);
    r->type = db_col(a, st, 5);
    r->size = sqlite3_column_int64(st, 6);
    r->created_at = (time_t)sqlite3_column_int64(st, 7);
}

int store_panel_handouts(db *d, arena *a, int64_t course_id, panel_handout_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, title, url, sha256, filename, type, coalesce(size, 0), created_at"
                                  " FROM panel_handouts WHERE course_id = ?1 ORDER BY id");
    sqlite3_bind_int64(st, 1, course_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fill_handout(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_panel_handout(db *d, arena *a, const char *slug, int64_t id, panel_handout_row *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT h.id, h.title, h.url, h.sha256, h.filename, h.type, coalesce(h.size, 0),"
                                  " h.created_at FROM panel_handouts h JOIN courses c ON c.id = h.course_id"
                                  " WHERE c.slug = ?1 AND h.id = ?2");
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, id);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    fill_handout(a, st, out);
    db_done(st);
    return 1;
}

int64_t store_panel_add_handout_file(db *d, int64_t course_id, const char *title, const char *sha256,
                                     const char *filename, const char *type, int64_t size, int64_t by, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO panel_handouts(course_id, title, sha256, filename, type, size,"
                                  " created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_text(st, 2, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, filename, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, size);
    db_bind_id(st, 7, by);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)now);
    return write1(d, st, "add a handout file") ? -1 : db_last_id(d);
}

int store_panel_bump(db *d, int64_t course_id, int64_t rev)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE courses SET panel_rev = panel_rev + 1 WHERE id = ?1 AND panel_rev = ?2");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_int64(st, 2, rev);
    return change1(d, st, "move a panel's revision");
}

int store_panel_set_recording(db *d, int64_t course_id, const char *video, int minutes)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE courses SET panel_video = ?2, panel_minutes = ?3 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, course_id);
    db_bind_text(st, 2, video);
    sqlite3_bind_int(st, 3, minutes);
    return write1(d, st, "save a panel recording");
}

int store_panel_put_captions(db *d, int64_t course_id, const char *vtt, size_t len, const char *filename,
                             const char *label, const char *lang, int cues, int64_t by, time_t now)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO panel_captions(course_id, vtt, filename, label, lang, cues, uploaded_by, uploaded_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(course_id) DO UPDATE SET vtt = excluded.vtt,"
        " filename = excluded.filename, label = excluded.label, lang = excluded.lang, cues = excluded.cues,"
        " uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_text(st, 2, vtt, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, filename, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, label, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, lang, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, cues);
    db_bind_id(st, 7, by);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)now);
    return write1(d, st, "keep a panel's captions");
}

int store_panel_set_text(db *d, int64_t course_id, int transcript, const char *md, const char *html)
{
    sqlite3_stmt *st = db_stmt(d, transcript
        ? "UPDATE courses SET transcript_md = ?2, transcript_html = ?3 WHERE id = ?1"
        : "UPDATE courses SET panel_summary_md = ?2, panel_summary_html = ?3 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_text(st, 2, md, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, html, -1, SQLITE_TRANSIENT);
    return write1(d, st, transcript ? "save a panel transcript" : "save a panel summary");
}

int store_panel_delete_captions(db *d, int64_t course_id)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM panel_captions WHERE course_id = ?1");
    sqlite3_bind_int64(st, 1, course_id);
    return change1(d, st, "remove a panel's captions");
}

int store_panel_add_person(db *d, int64_t course_id, const char *name, const char *role, const char *school)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO panelists(course_id, position, name, role, school) VALUES (?1,"
        " (SELECT coalesce(max(position), 0) + 1 FROM panelists WHERE course_id = ?1), ?2, ?3, ?4)");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, role, -1, SQLITE_TRANSIENT);
    db_bind_text(st, 4, school);
    return write1(d, st, "add a panelist");
}

int store_panel_delete_person(db *d, int64_t course_id, int position)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM panelists WHERE course_id = ?1 AND position = ?2");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_int(st, 2, position);
    return change1(d, st, "remove a panelist");
}

int64_t store_panel_add_handout(db *d, int64_t course_id, const char *title, const char *url, int64_t by, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO panel_handouts(course_id, title, url, created_by, created_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5)");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_text(st, 2, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, url, -1, SQLITE_TRANSIENT);
    db_bind_id(st, 4, by);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    return write1(d, st, "add a handout") ? -1 : db_last_id(d);
}

int store_panel_delete_handout(db *d, int64_t course_id, int64_t id)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM panel_handouts WHERE course_id = ?1 AND id = ?2");
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_int64(st, 2, id);
    return change1(d, st, "remove a handout");
}

int store_panel_captions(db *d, arena *a, const char *slug, const char **vtt, size_t *len)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT p.vtt FROM panel_captions p JOIN courses c ON c.id = p.course_id"
                                  " WHERE c.slug = ?1");
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    *len = (size_t)sqlite3_column_bytes(st, 0);
    *vtt = arena_strndup(a, (const char *)sqlite3_column_text(st, 0), *len);
    db_done(st);
    return 1;
}

/* ---- publish runs ---------------------------------------------------------- */

/* The columns a publish may change, joined with the unit separator, so a
** snapshot compares one text per course and per item. */
#define C_FIELDS "ifnull(c.title, '') || char(31) || ifnull(c.tagline, '') || char(31) || ifnull(c.summary, '') || char(31) || ifnull(c.hours_min, '') || char(31) || ifnull(c.hours_max, '') || char(31) || ifnull(c.overview_html, '') || char(31) || ifnull(c.outcomes, '') || char(31) || ifnull(c.panel_title, '') || char(31) || ifnull(c.panel_summary_html, '') || char(31) || ifnull(c.transcript_html, '') || char(31) || ifnull(c.captions, '') || char(31) || ifnull(c.playlist_intro_html, '') || char(31) || ifnull(c.discussions_intro_html, '') || char(31) || ifnull(c.activities_intro_html, '') || char(31) || ifnull(c.completion, '')"
#define I_FIELDS "ifnull(i.title, '') || char(31) || ifnull(i.kind, '') || char(31) || ifnull(i.minutes, '') || char(31) || ifnull(i.link, '') || char(31) || ifnull(i.source, '') || char(31) || ifnull(i.submit, '') || char(31) || ifnull(i.body_html, '') || char(31) || ifnull(i.opens, '') || char(31) || ifnull(i.due, '') || char(31) || ifnull(i.rubric, '') || char(31) || ifnull(i.position, '')"

int store_publish_snapshot(db *d, arena *a, publish_entry **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT c.slug, c.title, " C_FIELDS ", 0"
        " FROM courses c"
        " UNION ALL"
        " SELECT c.slug || '/' || i.section || '/' || i.key, i.title, " I_FIELDS ", i.archived_at IS NOT NULL"
        " FROM course_items i JOIN courses c ON c.id = i.course_id"
        " ORDER BY 1");
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        publish_entry *e = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        e->what = db_col(a, st, 0);
        e->title = db_col(a, st, 1);
        e->content = db_col(a, st, 2);
        e->archived = sqlite3_column_int(st, 3);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_panel_publish_state(db *d, arena *a, const char *slug, int *has_captions, const char **video)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT c.panel_video, EXISTS (SELECT 1 FROM panel_captions p"
                                  " WHERE p.course_id = c.id) FROM courses c WHERE c.slug = ?1");
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    *video = db_col(a, st, 0);
    *has_captions = sqlite3_column_int(st, 1);
    db_done(st);
    return 1;
}

int store_panel_publish_text(db *d, arena *a, const char *slug, const char **summary_md, const char **transcript_md)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT panel_summary_md, transcript_md FROM courses WHERE slug = ?1");
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
    int rc = db_row(st);
    if (rc != 1)
        return rc;
    *summary_md = db_col(a, st, 0);
    *transcript_md = db_col(a, st, 1);
    db_done(st);
    return 1;
}

int64_t store_publish_run_insert(db *d, time_t at, const char *by, int courses, int items, int added, int changed,
                                 int archived, const char *notes)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO publish_runs(at, by_name, courses, items, added, changed, archived,"
                                  " notes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)at);
    sqlite3_bind_text(st, 2, by, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, courses);
    sqlite3_bind_int(st, 4, items);
    sqlite3_bind_int(st, 5, added);
    sqlite3_bind_int(st, 6, changed);
    sqlite3_bind_int(st, 7, archived);
    sqlite3_bind_text(st, 8, notes ? notes : "", -1, SQLITE_TRANSIENT);
    return write1(d, st, "record a publish run") ? -1 : db_last_id(d);
}

int store_publish_change_insert(db *d, int64_t run_id, int position, const char *change, const char *what,
                                const char *title)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO publish_changes(run_id, position, change, what, title)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5)");
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int(st, 2, position);
    sqlite3_bind_text(st, 3, change, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, what, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, title, -1, SQLITE_TRANSIENT);
    return write1(d, st, "record a publish change");
}

int store_publish_runs(db *d, arena *a, int limit, int max_changes, publish_run_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, at, by_name, notes, courses, items, added, changed, archived"
                                  " FROM publish_runs ORDER BY id DESC LIMIT ?1");
    sqlite3_bind_int(st, 1, limit);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        publish_run_row *r = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->at = (time_t)sqlite3_column_int64(st, 1);
        r->by = db_col(a, st, 2);
        r->notes = db_col(a, st, 3);
        r->courses = sqlite3_column_int(st, 4);
        r->items = sqlite3_column_int(st, 5);
        r->added = sqlite3_column_int(st, 6);
        r->changed = sqlite3_column_int(st, 7);
        r->archived = sqlite3_column_int(st, 8);
    }
    db_done(st);
    if (rc != SQLITE_DONE)
        return -1;
    for (int i = 0; i < *n; i++) {
        publish_run_row *r = &(*list)[i];
        st = db_stmt(d, "SELECT change, what, title FROM publish_changes WHERE run_id = ?1 ORDER BY position LIMIT ?2");
        sqlite3_bind_int64(st, 1, r->id);
        sqlite3_bind_int(st, 2, max_changes);
        int ccap = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            publish_change_row *c = arena_grow(a, (void **)&r->changes, &r->n_changes, &ccap, sizeof *r->changes);
            c->change = db_col(a, st, 0);
            c->what = db_col(a, st, 1);
            c->title = db_col(a, st, 2);
        }
        db_done(st);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return 0;
}
