/*
** coach.c: the SQL of the coach's landing page and "needs me" queue (see
** store_coach.h). Every queue row is computed from the workspace's own
** tables on each read, so handling the thing itself (a coach's reply, a
** feedback decision, the participant's return) removes it; queue_marks
** only hides rows (snooze, no reply needed).
*/
#include "store_coach.h"

#include <string.h>

#include "log.h"

/* Whether user UID is a facilitator of offering ?1: staff, or linked to it. */
#define FACIL(uid)                                                                                      \
    "(EXISTS (SELECT 1 FROM users fu WHERE fu.id = " uid " AND fu.role = 'staff')"                      \
    " OR EXISTS (SELECT 1 FROM offering_staff fs WHERE fs.offering_id = ?1 AND fs.user_id = " uid "))"

/* Whether a row of kind K about object OBJ waiting since SINCE is not
** hidden for ?2 at ?3: no "no reply needed" made at or after SINCE, and no
** snooze of ?2's still running. */
#define UNMARKED(K, OBJ, SINCE)                                                                         \
    " NOT EXISTS (SELECT 1 FROM queue_marks m WHERE m.kind = '" K "' AND m.object_id = " OBJ            \
    " AND ((m.mode = 'no_reply' AND m.created_at >= " SINCE ")"                                         \
    " OR (m.mode = 'snooze' AND m.user_id = ?2 AND m.until > ?3)))"

/* A settled seat: an active registration that is paid, invoiced or waived. */
#define SEATED "e.status = 'active' AND e.payment_status IN ('paid', 'invoiced', 'waived')"

#define OFFERING_HEAD                                                                                   \
    "SELECT o.id, o.course_id, o.code, c.title, o.starts, o.ends, o.time_zone,"                         \
    " coalesce(o.posting_closes_at, 0),"
#define OFFERING_FROM " FROM offerings o JOIN courses c ON c.id = o.course_id"
#define OFFERING_COLS                                                                                   \
    OFFERING_HEAD " (SELECT count(*) FROM enrolments e WHERE e.offering_id = o.id AND " SEATED ")" OFFERING_FROM
#define OFFERING_COLS_NO_COHORT OFFERING_HEAD " 0" OFFERING_FROM
#define COACHED " JOIN offering_staff s ON s.offering_id = o.id WHERE s.user_id = ?1 AND s.role = 'coach'"
#define LATEST " ORDER BY o.starts DESC, o.id DESC"

/* Fill r from an OFFERING_COLS row. */
static void offering_fill(arena *a, sqlite3_stmt *st, coach_offering_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->course_id = sqlite3_column_int64(st, 1);
    r->code = db_col(a, st, 2);
    r->course_title = db_col(a, st, 3);
    r->starts = db_col(a, st, 4);
    r->ends = db_col(a, st, 5);
    r->time_zone = db_col(a, st, 6);
    r->posting_closes_at = sqlite3_column_int64(st, 7);
    r->cohort = sqlite3_column_int(st, 8);
}

/* See store_coach.h. */
int store_coach_offerings(db *d, arena *a, int64_t user_id, int all, int cohort, coach_offering_row **list, int *n)
{
    sqlite3_stmt *st = all ? (cohort ? db_stmt(d, OFFERING_COLS LATEST) : db_stmt(d, OFFERING_COLS_NO_COHORT LATEST))
                           : (cohort ? db_stmt(d, OFFERING_COLS COACHED LATEST)
                                     : db_stmt(d, OFFERING_COLS_NO_COHORT COACHED LATEST));
    if (!all)
        sqlite3_bind_int64(st, 1, user_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        offering_fill(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* See store_coach.h. */
int store_coach_offering(db *d, arena *a, int64_t offering_id, coach_offering_row *out)
{
    sqlite3_stmt *st = db_stmt(d, OFFERING_COLS " WHERE o.id = ?1");
    sqlite3_bind_int64(st, 1, offering_id);
    int rc = db_row(st);
    if (rc == 1) {
        offering_fill(a, st, out);
        db_done(st);
    }
    return rc;
}

/* Bind the three parameters every queue read shares. */
static void bind_common(sqlite3_stmt *st, int64_t offering_id, int64_t user_id, time_t now)
{
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
}

/* Step a queue read whose columns are (object id, thread id, title, since,
** user id, name, count) and append a row of kind for each. 0 or -1. */
static int rows_of(db *d, arena *a, sqlite3_stmt *st, const char *kind, int64_t offering_id, queue_row **list,
                   int *n, int *cap)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        queue_row *r = arena_grow(a, (void **)list, n, cap, sizeof **list);
        r->kind = kind;
        r->offering_id = offering_id;
        r->object_id = sqlite3_column_int64(st, 0);
        r->thread_id = sqlite3_column_int64(st, 1);
        r->title = db_col(a, st, 2);
        r->since = sqlite3_column_int64(st, 3);
        r->user_id = sqlite3_column_int64(st, 4);
        r->who = db_col(a, st, 5);
        r->count = sqlite3_column_int(st, 6);
    }
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("store: queue (%s): %s", kind, db_errmsg(d));
        return -1;
    }
    return 0;
}

/* See store_coach.h. */
int store_queue_threads(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, queue_row **list,
                        int *n, int *cap)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT t.id, t.id, t.title, t.created_at, t.author_id, u.name, 0"
        " FROM threads t JOIN users u ON u.id = t.author_id"
        " WHERE t.offering_id = ?1 AND t.kind = 'discussion' AND NOT " FACIL("t.author_id")
        " AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.thread_id = t.id AND p.deleted_at IS NULL"
        "   AND p.hidden_at IS NULL AND " FACIL("p.author_id") ")"
        " AND EXISTS (SELECT 1 FROM posts p WHERE p.thread_id = t.id AND p.deleted_at IS NULL)"
        " AND" UNMARKED("thread", "t.id", "t.created_at"));
    bind_common(st, offering_id, user_id, now);
    return rows_of(d, a, st, "thread", offering_id, list, n, cap);
}

/* See store_coach.h. */
int store_queue_posts(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, queue_row **list, int *n,
                      int *cap)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT p.id, t.id, t.title, p.created_at, p.author_id, u.name, 0"
        " FROM threads t"
        " JOIN posts p ON p.id = (SELECT max(q.id) FROM posts q WHERE q.thread_id = t.id AND q.deleted_at IS NULL"
        "   AND q.hidden_at IS NULL)"
        " JOIN users u ON u.id = p.author_id"
        " WHERE t.offering_id = ?1 AND t.kind = 'discussion'"
        " AND p.id > (SELECT min(q.id) FROM posts q WHERE q.thread_id = t.id)"
        " AND NOT " FACIL("p.author_id")
        " AND EXISTS (SELECT 1 FROM posts c WHERE c.thread_id = t.id AND c.deleted_at IS NULL"
        "   AND c.hidden_at IS NULL AND " FACIL("c.author_id") ")"
        " AND" UNMARKED("post", "p.id", "p.created_at"));
    bind_common(st, offering_id, user_id, now);
    return rows_of(d, a, st, "post", offering_id, list, n, cap);
}

/* See store_coach.h. */
int store_queue_submissions(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, queue_row **list,
                            int *n, int *cap)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT s.id, 0, i.title, s.created_at, s.user_id, u.name, s.version"
        " FROM submissions s JOIN course_items i ON i.id = s.item_id JOIN users u ON u.id = s.user_id"
        " WHERE s.offering_id = ?1 AND s.state = 'waiting'"
        " AND NOT EXISTS (SELECT 1 FROM submissions x WHERE x.offering_id = s.offering_id"
        "   AND x.item_id = s.item_id AND x.user_id = s.user_id AND x.version > s.version)"
        " AND" UNMARKED("submission", "s.id", "s.created_at"));
    bind_common(st, offering_id, user_id, now);
    return rows_of(d, a, st, "submission", offering_id, list, n, cap);
}

/* See store_coach.h. */
int store_queue_quiet(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, time_t start,
                      queue_row **list, int *n, int *cap)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT x.eid, 0, NULL, x.since, x.uid, x.name, 0 FROM ("
        "   SELECT e.id AS eid, e.user_id AS uid, u.name AS name, coalesce(v.last_at, ?4) AS since"
        "   FROM enrolments e JOIN users u ON u.id = e.user_id"
        "   LEFT JOIN workspace_visits v ON v.offering_id = e.offering_id AND v.user_id = e.user_id"
        "   WHERE e.offering_id = ?1 AND " SEATED " AND NOT " FACIL("e.user_id")
        " ) x"
        " WHERE x.since <= ?3 - 172800"
        " AND NOT EXISTS (SELECT 1 FROM messages g WHERE g.offering_id = ?1 AND g.participant_id = x.uid"
        "   AND g.author_id <> x.uid AND g.created_at >= x.since)"
        " AND" UNMARKED("quiet", "x.eid", "x.since"));
    bind_common(st, offering_id, user_id, now);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)start);
    return rows_of(d, a, st, "quiet", offering_id, list, n, cap);
}

/* See store_coach.h. */
int store_queue_behind(db *d, arena *a, int64_t offering_id, int64_t user_id, time_t now, const char *due,
                       queue_row **list, int *n, int *cap)
{
    /* What the cohort has done is read once for the offering (its
    ** progress, its submissions, the posts in its prompts' threads), not
    ** once per participant and part: a participant's posts elsewhere in
    ** the site are never read. */
    sqlite3_stmt *st = db_stmt(d,
        "WITH due(item, at) AS MATERIALIZED ("
        "   SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?4)),"
        " done(uid, item) AS MATERIALIZED ("
        "   SELECT pr.user_id, CAST(substr(pr.part, 6) AS INTEGER) FROM progress pr"
        "   WHERE pr.offering_id = ?1 AND pr.part LIKE 'item:%'"
        "   UNION SELECT s.user_id, s.item_id FROM submissions s WHERE s.offering_id = ?1"
        "   UNION SELECT p.author_id, t.prompt_id FROM threads t JOIN posts p ON p.thread_id = t.id"
        "   WHERE t.offering_id = ?1 AND t.prompt_id IS NOT NULL AND p.deleted_at IS NULL)"
        " SELECT x.eid, 0, NULL, x.since, x.uid, x.name, x.missing FROM ("
        "   SELECT e.id AS eid, e.user_id AS uid, u.name AS name, count(*) AS missing, min(due.at) AS since"
        "   FROM enrolments e JOIN users u ON u.id = e.user_id JOIN due"
        "   WHERE e.offering_id = ?1 AND " SEATED " AND NOT " FACIL("e.user_id")
        "   AND (e.user_id, due.item) NOT IN (SELECT uid, item FROM done)"
        "   GROUP BY e.id"
        " ) x WHERE" UNMARKED("behind", "x.eid", "x.since"));
    bind_common(st, offering_id, user_id, now);
    sqlite3_bind_text(st, 4, due, -1, SQLITE_TRANSIENT);
    return rows_of(d, a, st, "behind", offering_id, list, n, cap);
}

/* See store_coach.h. */
int store_queue_due_items(db *d, arena *a, int64_t course_id, queue_due_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, due FROM course_items WHERE course_id = ?1 AND published = 1"
                                  " AND archived_at IS NULL AND due IS NOT NULL ORDER BY id");
    sqlite3_bind_int64(st, 1, course_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        queue_due_row *r = arena_grow(a, (void **)list, n, &cap, sizeof **list);
        r->id = sqlite3_column_int64(st, 0);
        r->due = db_col(a, st, 1);
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* See store_coach.h. */
int store_queue_owner(db *d, const char *kind, int64_t object_id, int64_t *offering_id)
{
    sqlite3_stmt *st;
    if (!strcmp(kind, "thread"))
        st = db_stmt(d, "SELECT offering_id FROM threads WHERE id = ?1");
    else if (!strcmp(kind, "post"))
        st = db_stmt(d, "SELECT t.offering_id FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?1");
    else if (!strcmp(kind, "submission"))
        st = db_stmt(d, "SELECT offering_id FROM submissions WHERE id = ?1");
    else
        st = db_stmt(d, "SELECT offering_id FROM enrolments WHERE id = ?1");
    sqlite3_bind_int64(st, 1, object_id);
    int rc = db_row(st);
    if (rc == 1) {
        *offering_id = sqlite3_column_int64(st, 0);
        db_done(st);
    }
    return rc;
}

/* See store_coach.h. */
int store_queue_mark(db *d, const char *kind, int64_t object_id, int64_t user_id, int64_t offering_id,
                     const char *mode, time_t until, time_t since, time_t now)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO queue_marks(kind, object_id, user_id, offering_id, mode, until, created_at)"
        " SELECT ?1, ?2, ?3, ?4, ?8, ?5, ?7"
        " WHERE NOT EXISTS (SELECT 1 FROM queue_marks WHERE kind = ?1 AND object_id = ?2"
        "   AND mode = 'no_reply' AND created_at >= ?6)"
        " ON CONFLICT(kind, object_id, user_id) DO UPDATE SET mode = excluded.mode, until = excluded.until,"
        "   created_at = excluded.created_at");
    db_bind_text(st, 1, kind);
    sqlite3_bind_int64(st, 2, object_id);
    sqlite3_bind_int64(st, 3, user_id);
    sqlite3_bind_int64(st, 4, offering_id);
    if (!strcmp(mode, "snooze"))
        sqlite3_bind_int64(st, 5, (sqlite3_int64)until);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)since);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
    db_bind_text(st, 8, mode);
    if (db_run(st) != 0) {
        log_error("store: queue mark: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d) == 1 ? 1 : 0;
}
