/*
** roster.c: the SQL of the coach's roster, a participant's activity and
** the private messages (see store_roster.h).
*/
#include "store_roster.h"

#include <string.h>

#include "log.h"

/* A settled seat in offering ?1 of user u.id (the workspace's participant):
** the tables, then the condition. */
#define SEATED_FROM " FROM enrolments e JOIN users u ON u.id = e.user_id"
#define SEATED_WHERE                                                                                  \
    " WHERE e.offering_id = ?1 AND e.status = 'active' AND e.payment_status IN ('paid', 'invoiced', 'waived')"
#define SEATED SEATED_FROM SEATED_WHERE

/* Each author's posts in offering ?1 (not deleted) and how many published
** prompts they posted in, worked out once for the whole offering: its
** threads by threads_by_space, their posts by posts_unread (thread,
** author, tombstone: the index alone, never a post's row). Counting from
** each person instead would read every post they ever wrote anywhere and
** its thread, a read per post across the whole database. */
#define POSTED                                                                                        \
    "WITH pc AS MATERIALIZED (SELECT q.author_id AS uid, count(*) AS posts,"                          \
    " count(DISTINCT CASE WHEN i.id IS NOT NULL THEN t.prompt_id END) AS prompts"                    \
    " FROM threads t JOIN posts q ON q.thread_id = t.id"                                             \
    " LEFT JOIN course_items i ON i.id = t.prompt_id AND i.published = 1 AND i.archived_at IS NULL"  \
    " WHERE t.offering_id = ?1 AND q.deleted_at IS NULL GROUP BY q.author_id) "

/* The join that brings pc's counts to u (none: 0). */
#define POSTED_JOIN " LEFT JOIN pc ON pc.uid = u.id"

/* The columns of one roster line for the participant u; ?1 the offering,
** ?2 its course; the statement starts with POSTED and joins POSTED_JOIN.
** A published item is one not archived; checked-off playlist items are
** the progress parts "item:ID". The other counts are the person's own
** rows in the offering, read by (offering, person) or (person, offering)
** keys; the "+" keeps the planner from walking every submission of the
** offering for each line instead of the person's own. */
#define ROW_COLS                                                                                      \
    "SELECT u.id, u.name, u.email, u.time_zone,"                                                      \
    " COALESCE((SELECT v.last_at FROM workspace_visits v WHERE v.offering_id = ?1 AND v.user_id = u.id), 0)," \
    " EXISTS (SELECT 1 FROM progress p WHERE p.offering_id = ?1 AND p.user_id = u.id AND p.part = 'panel')," \
    " (SELECT count(*) FROM progress p JOIN course_items i ON i.id = CAST(substr(p.part, 6) AS INTEGER)" \
    "   WHERE p.offering_id = ?1 AND p.user_id = u.id AND p.part LIKE 'item:%' AND i.course_id = ?2"     \
    "   AND i.section = 'playlist' AND i.published = 1 AND i.archived_at IS NULL),"                     \
    " COALESCE(pc.prompts, 0), COALESCE(pc.posts, 0),"                                               \
    " (SELECT count(DISTINCT s.item_id) FROM submissions s CROSS JOIN course_items i ON i.id = s.item_id" \
    "   WHERE s.user_id = u.id AND +s.offering_id = ?1 AND i.published = 1 AND i.archived_at IS NULL)," \
    " (SELECT count(*) FROM submissions s WHERE s.user_id = u.id AND s.offering_id = ?1),"            \
    " (SELECT count(*) FROM submissions s WHERE s.user_id = u.id AND s.offering_id = ?1"              \
    "   AND s.state = 'waiting'),"                                                                    \
    " COALESCE((SELECT c.signed_at FROM completions c WHERE c.offering_id = ?1 AND c.user_id = u.id), 0)," \
    " (SELECT count(*) FROM messages m WHERE m.offering_id = ?1 AND m.participant_id = u.id"          \
    "   AND m.author_id = u.id AND m.read_at IS NULL)"

/* Every participant's line, by name. */
#define ROW_SQL POSTED ROW_COLS SEATED_FROM POSTED_JOIN SEATED_WHERE " ORDER BY u.name COLLATE NOCASE, u.id"

/* One participant's line (?3 the person). */
#define PERSON_SQL POSTED ROW_COLS SEATED_FROM POSTED_JOIN SEATED_WHERE " AND u.id = ?3"

/* One page of lines (?3 rows from ?4): the page's people are chosen first,
** so the counts are worked out for them alone, not for the whole cohort. */
#define PAGE_SQL                                                                                      \
    POSTED ROW_COLS " FROM (SELECT u.id AS uid, u.name AS nm" SEATED                                  \
    " ORDER BY u.name COLLATE NOCASE, u.id LIMIT ?3 OFFSET ?4) k JOIN users u ON u.id = k.uid"       \
    POSTED_JOIN " ORDER BY k.nm COLLATE NOCASE, k.uid"

/* Fill r from a ROW_SQL row. */
static void row_fill(arena *a, sqlite3_stmt *st, roster_row *r)
{
    r->user_id = sqlite3_column_int64(st, 0);
    r->name = db_col(a, st, 1);
    r->email = db_col(a, st, 2);
    r->time_zone = db_col(a, st, 3);
    r->last_seen = (time_t)sqlite3_column_int64(st, 4);
    r->panel = sqlite3_column_int(st, 5);
    r->playlist_done = sqlite3_column_int(st, 6);
    r->prompts_posted = sqlite3_column_int(st, 7);
    r->posts = sqlite3_column_int(st, 8);
    r->activities_submitted = sqlite3_column_int(st, 9);
    r->submissions = sqlite3_column_int(st, 10);
    r->waiting = sqlite3_column_int(st, 11);
    r->completed_at = (time_t)sqlite3_column_int64(st, 12);
    r->unread_messages = sqlite3_column_int(st, 13);
}

/* See store_roster.h: the offering by code, with its course's counts. */
int store_roster_offering(db *d, arena *a, const char *code, roster_offering *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d,
        "SELECT o.id, o.course_id, o.code, c.title, o.starts, o.ends, o.time_zone,"
        " (SELECT count(*) FROM course_items i WHERE i.course_id = o.course_id AND i.section = 'playlist'"
        "   AND i.published = 1 AND i.archived_at IS NULL),"
        " (SELECT count(*) FROM course_items i WHERE i.course_id = o.course_id AND i.section = 'prompt'"
        "   AND i.published = 1 AND i.archived_at IS NULL),"
        " (SELECT count(*) FROM course_items i WHERE i.course_id = o.course_id AND i.section = 'activity'"
        "   AND i.published = 1 AND i.archived_at IS NULL)"
        " FROM offerings o JOIN courses c ON c.id = o.course_id WHERE o.code = ?1");
    db_bind_text(st, 1, code);
    int found = db_row(st);
    if (found != 1)
        return found;
    out->id = sqlite3_column_int64(st, 0);
    out->course_id = sqlite3_column_int64(st, 1);
    out->code = db_col(a, st, 2);
    out->course_title = db_col(a, st, 3);
    out->starts = db_col(a, st, 4);
    out->ends = db_col(a, st, 5);
    out->time_zone = db_col(a, st, 6);
    out->n_playlist = sqlite3_column_int(st, 7);
    out->n_prompts = sqlite3_column_int(st, 8);
    out->n_activities = sqlite3_column_int(st, 9);
    db_done(st);
    return 1;
}

/* See store_roster.h: how many participants. */
int store_roster_count(db *d, const roster_offering *o)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*)" SEATED);
    sqlite3_bind_int64(st, 1, o->id);
    int found = db_row(st);
    if (found != 1)
        return found == 0 ? 0 : -1;
    int n = sqlite3_column_int(st, 0);
    db_done(st);
    return n;
}

/* See store_roster.h: one page of roster lines, in a. */
int store_roster_page(db *d, arena *a, const roster_offering *o, int limit, int offset, roster_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, PAGE_SQL);
    sqlite3_bind_int64(st, 1, o->id);
    sqlite3_bind_int64(st, 2, o->course_id);
    sqlite3_bind_int(st, 3, limit);
    sqlite3_bind_int(st, 4, offset);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        row_fill(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}

/* See store_roster.h: every line in turn, each in a scratch arena this
** function owns and frees. */
int store_roster_each(db *d, const roster_offering *o, int (*fn)(void *ctx, const roster_row *r), void *ctx)
{
    arena *scratch = arena_new(4096);
    if (!scratch)
        return -1;
    sqlite3_stmt *st = db_stmt(d, ROW_SQL);
    sqlite3_bind_int64(st, 1, o->id);
    sqlite3_bind_int64(st, 2, o->course_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        roster_row r;
        arena_reset(scratch);
        row_fill(scratch, st, &r);
        if (fn(ctx, &r) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    db_done(st);
    arena_free(scratch);
    if (rc != SQLITE_DONE) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return 0;
}

/* See store_roster.h: one participant's line, in a. */
int store_roster_person(db *d, arena *a, const roster_offering *o, int64_t user_id, roster_row *out)
{
    sqlite3_stmt *st = db_stmt(d, PERSON_SQL);
    sqlite3_bind_int64(st, 1, o->id);
    sqlite3_bind_int64(st, 2, o->course_id);
    sqlite3_bind_int64(st, 3, user_id);
    int found = db_row(st);
    if (found != 1)
        return found;
    row_fill(a, st, out);
    db_done(st);
    return 1;
}

/* See store_roster.h: a participant's newest posts, in a. */
int store_roster_posts(db *d, arena *a, int64_t offering_id, int64_t user_id, int limit, roster_post_row **list,
                       int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT q.id, t.id, t.title, q.created_at FROM posts q"
                                  " JOIN threads t ON t.id = q.thread_id"
                                  " WHERE q.author_id = ?2 AND t.offering_id = ?1 AND q.deleted_at IS NULL"
                                  " ORDER BY q.created_at DESC, q.id DESC LIMIT ?3");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int(st, 3, limit);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        roster_post_row *p = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        p->id = sqlite3_column_int64(st, 0);
        p->thread_id = sqlite3_column_int64(st, 1);
        p->thread_title = db_col(a, st, 2);
        p->created_at = (time_t)sqlite3_column_int64(st, 3);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* See store_roster.h: a participant's submissions, in a. */
int store_roster_submissions(db *d, arena *a, int64_t offering_id, int64_t user_id, int limit,
                             roster_sub_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT s.id, i.title, s.state, s.version, s.created_at FROM submissions s"
                                  " JOIN course_items i ON i.id = s.item_id"
                                  " WHERE s.user_id = ?2 AND s.offering_id = ?1"
                                  " ORDER BY s.created_at DESC, s.id DESC LIMIT ?3");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int(st, 3, limit);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        roster_sub_row *s = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        s->id = sqlite3_column_int64(st, 0);
        s->item_title = db_col(a, st, 1);
        s->state = db_col(a, st, 2);
        s->version = sqlite3_column_int(st, 3);
        s->created_at = (time_t)sqlite3_column_int64(st, 4);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* See store_roster.h: the private thread, oldest first, in a. */
int store_messages(db *d, arena *a, int64_t offering_id, int64_t participant_id, message_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT m.id, m.author_id, u.name, m.body_html, m.created_at,"
                                  " COALESCE(m.read_at, 0) FROM messages m JOIN users u ON u.id = m.author_id"
                                  " WHERE m.offering_id = ?1 AND m.participant_id = ?2 ORDER BY m.id");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, participant_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        message_row *m = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        m->id = sqlite3_column_int64(st, 0);
        m->author_id = sqlite3_column_int64(st, 1);
        m->author_name = db_col(a, st, 2);
        m->body_html = db_col(a, st, 3);
        m->created_at = (time_t)sqlite3_column_int64(st, 4);
        m->read_at = (time_t)sqlite3_column_int64(st, 5);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* See store_roster.h: insert one message; its id or -1. */
int64_t store_message_add(db *d, int64_t offering_id, int64_t participant_id, int64_t author_id, const char *body_md,
                          const char *body_html, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO messages(offering_id, participant_id, author_id, body_md, body_html,"
                                  " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, participant_id);
    sqlite3_bind_int64(st, 3, author_id);
    sqlite3_bind_text(st, 4, body_md, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, body_html, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_last_id(d);
}

/* See store_roster.h: the one conditional write that marks the other
** side's messages read. */
int store_messages_read(db *d, int64_t offering_id, int64_t participant_id, int by_participant, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE messages SET read_at = ?3 WHERE offering_id = ?1 AND participant_id = ?2"
                                  " AND read_at IS NULL AND (author_id = participant_id) = (?4 = 0)");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, participant_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    sqlite3_bind_int(st, 4, by_participant != 0);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d);
}

/* See store_roster.h: the notification rows of one message. */
int store_notify_message(db *d, int64_t offering_id, int64_t participant_id, int64_t author_id, const char *title,
                         const char *link, time_t now)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO notifications(user_id, offering_id, kind, actor_id, title, link, created_at)"
        " SELECT w.uid, ?1, 'message', ?3, ?4, ?5, ?6 FROM ("
        "   SELECT ?2 AS uid WHERE ?3 <> ?2"
        "   UNION SELECT s.user_id FROM offering_staff s WHERE ?3 = ?2 AND s.offering_id = ?1 AND s.role = 'coach'"
        " ) w JOIN users u ON u.id = w.uid WHERE w.uid <> ?3 AND u.deleted_at IS NULL ORDER BY w.uid");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, participant_id);
    sqlite3_bind_int64(st, 3, author_id);
    sqlite3_bind_text(st, 4, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, link, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d);
}
