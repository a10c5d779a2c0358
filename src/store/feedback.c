/*
** feedback.c: SQL for coaches' feedback on activity submissions (see
** store_feedback.h).
*/
#include "store_feedback.h"

#include "buf.h"
#include "log.h"

/* The ids as a JSON array text, for json_each (in a). */
static const char *id_list(arena *a, const int64_t *ids, int n)
{
    buf b = BUF_INIT;
    buf_append(&b, "[", 1);
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
    buf_append(&b, "]", 1);
    const char *s = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

/* Finish a list read: 0 when the statement ran to its end, else -1. */
static int list_end(db *d, sqlite3_stmt *st, int rc, const char *what)
{
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("feedback: %s: %s", what, db_errmsg(d));
        return -1;
    }
    return 0;
}

/* The feedback on the submissions given, oldest first per submission (see
** store_feedback.h). */
int store_feedback_of(db *d, arena *a, const int64_t *ids, int n_ids, feedback_row **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (n_ids == 0)
        return 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT f.id, f.submission_id, f.coach_id, u.name, f.body_html, f.level, f.decision,"
                                  " f.created_at FROM feedback f JOIN users u ON u.id = f.coach_id"
                                  " WHERE f.submission_id IN (SELECT value FROM json_each(?1))"
                                  " ORDER BY f.submission_id, f.id");
    db_bind_text(st, 1, id_list(a, ids, n_ids));
    feedback_row *rows = NULL;
    int cap = 0, k = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        feedback_row *r = arena_grow(a, (void **)&rows, &k, &cap, sizeof *rows);
        r->id = sqlite3_column_int64(st, 0);
        r->submission_id = sqlite3_column_int64(st, 1);
        r->coach_id = sqlite3_column_int64(st, 2);
        r->coach_name = db_col(a, st, 3);
        r->body_html = db_col(a, st, 4);
        r->level = db_col(a, st, 5);
        r->decision = db_col(a, st, 6);
        r->created_at = (time_t)sqlite3_column_int64(st, 7);
    }
    *out = rows;
    *n = k;
    return list_end(d, st, rc, "feedback");
}

/* The state and feedback count of each submission given. */
int store_submission_states(db *d, arena *a, const int64_t *ids, int n_ids, submission_state_row **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (n_ids == 0)
        return 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT s.id, s.state, COALESCE(s.decided_at, 0),"
                                  " (SELECT count(*) FROM feedback f WHERE f.submission_id = s.id)"
                                  " FROM submissions s WHERE s.id IN (SELECT value FROM json_each(?1))");
    db_bind_text(st, 1, id_list(a, ids, n_ids));
    submission_state_row *rows = NULL;
    int cap = 0, k = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        submission_state_row *r = arena_grow(a, (void **)&rows, &k, &cap, sizeof *rows);
        r->submission_id = sqlite3_column_int64(st, 0);
        r->state = db_col(a, st, 1);
        r->decided_at = (time_t)sqlite3_column_int64(st, 2);
        r->feedback_count = sqlite3_column_int(st, 3);
    }
    *out = rows;
    *n = k;
    return list_end(d, st, rc, "submission states");
}

/* The state of the person's latest version of each activity (see
** store_feedback.h): one pass over their submissions in the offering. */
int store_latest_states(db *d, arena *a, int64_t offering_id, int64_t user_id, latest_state_row **out, int *n)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT s.item_id, s.state FROM submissions s WHERE s.offering_id = ?1"
                                  " AND s.user_id = ?2 AND s.version = (SELECT max(t.version) FROM submissions t"
                                  " WHERE t.offering_id = s.offering_id AND t.item_id = s.item_id AND t.user_id = s.user_id)");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, user_id);
    latest_state_row *rows = NULL;
    int k = 0, cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        latest_state_row *r = arena_grow(a, (void **)&rows, &k, &cap, sizeof *rows);
        r->item_id = sqlite3_column_int64(st, 0);
        r->state = db_col(a, st, 1);
    }
    *out = rows;
    *n = k;
    return list_end(d, st, rc, "latest states");
}

/* The rubric (JSON text) of one course item. */
int store_item_rubric(db *d, arena *a, int64_t item_id, const char **rubric)
{
    *rubric = NULL;
    sqlite3_stmt *st = db_stmt(d, "SELECT rubric FROM course_items WHERE id = ?1");
    sqlite3_bind_int64(st, 1, item_id);
    int rc = db_row(st);
    if (rc == 1) {
        *rubric = db_col(a, st, 0);
        db_done(st);
    }
    return rc;
}

/* The one conditional write of a decision: it moves the state only while
** the version holds the seen pieces of feedback. 1, 0 or -1. */
int store_feedback_decide(db *d, int64_t id, const char *decision, int seen, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE submissions SET state = ?2, decided_at = ?3 WHERE id = ?1"
                                  " AND (SELECT count(*) FROM feedback f WHERE f.submission_id = ?1) = ?4");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, decision, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    sqlite3_bind_int(st, 4, seen);
    if (db_run(st) != 0)
        return -1;
    return db_changes(d);
}

/* Insert one piece of feedback; the new id or -1. */
int64_t store_feedback_insert(db *d, int64_t submission_id, int64_t coach_id, const char *body_md,
                              const char *body_html, const char *level, const char *decision, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO feedback(submission_id, coach_id, body_md, body_html, level, decision,"
                                  " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    sqlite3_bind_int64(st, 1, submission_id);
    sqlite3_bind_int64(st, 2, coach_id);
    sqlite3_bind_text(st, 3, body_md, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, body_html, -1, SQLITE_STATIC);
    db_bind_text(st, 5, level);
    sqlite3_bind_text(st, 6, decision, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
    return db_run(st) == 0 ? db_last_id(d) : -1;
}
