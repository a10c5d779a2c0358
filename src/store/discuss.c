/*
** discuss.c: the SQL of the discussion spaces (see store_discuss.h).
*/
#include "store_discuss.h"

#include <string.h>

#include "log.h"
#include "store_enrol.h"

/* Run a conditional change: 1 if a row changed, 0 if none was in the
** state it requires, -1 on an error (logged). */
static int change(db *d, sqlite3_stmt *st)
{
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d) > 0 ? 1 : 0;
}

/* The one integer a counting statement returns, or -1 (statement reset). */
static int count_of(sqlite3_stmt *st)
{
    int found = db_row(st);
    if (found != 1)
        return found == 0 ? 0 : -1;
    int n = sqlite3_column_int(st, 0);
    db_done(st);
    return n;
}

#define PROMPT_SQL                                                                                   \
    "SELECT i.id, i.key, i.title, i.body_html FROM offerings o JOIN course_items i ON i.course_id = o.course_id" \
    " WHERE o.id = ?1 AND i.section = 'prompt' AND i.published = 1 AND i.archived_at IS NULL"

/* Fill p from a PROMPT_SQL row. */
static void prompt_fill(arena *a, sqlite3_stmt *st, prompt_row *p)
{
    p->id = sqlite3_column_int64(st, 0);
    p->key = db_col(a, st, 1);
    p->title = db_col(a, st, 2);
    p->body_html = db_col(a, st, 3);
}

int store_prompts(db *d, arena *a, int64_t offering_id, prompt_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, PROMPT_SQL " ORDER BY i.position");
    sqlite3_bind_int64(st, 1, offering_id);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        prompt_fill(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_prompt_by_key(db *d, arena *a, int64_t offering_id, const char *key, prompt_row *out)
{
    sqlite3_stmt *st = db_stmt(d, PROMPT_SQL " AND i.key = ?2");
    sqlite3_bind_int64(st, 1, offering_id);
    db_bind_text(st, 2, key);
    int found = db_row(st);
    if (found == 1) {
        prompt_fill(a, st, out);
        db_done(st);
    }
    return found;
}

int store_post_first(db *d, int64_t offering_id, int *on)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT post_first FROM offerings WHERE id = ?1");
    sqlite3_bind_int64(st, 1, offering_id);
    int found = db_row(st);
    if (found == 1) {
        *on = sqlite3_column_int(st, 0) != 0;
        db_done(st);
    }
    return found;
}

/* A number macro as the SQL text of its value. */
#define UNREAD_CAP_TEXT(n) UNREAD_CAP_TEXT_(n)
#define UNREAD_CAP_TEXT_(n) #n

/* Posts by others after the read mark, in the threads chosen by the
** statement's WHERE (threads t, reads r): the part counting unread posts,
** at most DISCUSS_UNREAD_CAP a thread (counting walks the posts, so a
** long thread nobody read would otherwise cost its length on every page). */
#define UNREAD_OF_T                                                                                  \
    "(SELECT count(*) FROM (SELECT 1 FROM posts p WHERE p.thread_id = t.id"                            \
    " AND p.id > COALESCE(r.last_post_id, 0) AND p.author_id <> ?3 AND p.deleted_at IS NULL"          \
    " LIMIT " UNREAD_CAP_TEXT(DISCUSS_UNREAD_CAP) "))"

int store_space_counts(db *d, int64_t offering_id, int64_t prompt_id, int64_t user_id, int *threads,
                       int *unread, int *posted)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT count(*), COALESCE(sum(CASE WHEN t.last_post_id > COALESCE(r.last_post_id, 0) THEN " UNREAD_OF_T
        " ELSE 0 END), 0),"
        " EXISTS (SELECT 1 FROM posts q JOIN threads u ON u.id = q.thread_id WHERE q.author_id = ?3"
        "   AND u.offering_id = ?1 AND u.prompt_id IS ?2)"
        " FROM threads t LEFT JOIN thread_reads r ON r.user_id = ?3 AND r.thread_id = t.id"
        " WHERE t.offering_id = ?1 AND t.prompt_id IS ?2");
    sqlite3_bind_int64(st, 1, offering_id);
    db_bind_id(st, 2, prompt_id);
    sqlite3_bind_int64(st, 3, user_id);
    int found = db_row(st);
    if (found != 1)
        return -1;
    *threads = sqlite3_column_int(st, 0);
    *unread = sqlite3_column_int(st, 1);
    *posted = sqlite3_column_int(st, 2);
    db_done(st);
    return 0;
}

int store_unread_total(db *d, int64_t offering_id, int64_t user_id, int post_first_applies)
{
    sqlite3_stmt *st = db_stmt(d,
        "SELECT COALESCE(sum(" UNREAD_OF_T "), 0) FROM threads t"
        " LEFT JOIN thread_reads r ON r.user_id = ?3 AND r.thread_id = t.id"
        " WHERE t.offering_id = ?1 AND t.last_post_id > COALESCE(r.last_post_id, 0)"
        " AND NOT (?2 AND t.prompt_id IS NOT NULL"
        "   AND (SELECT post_first FROM offerings WHERE id = ?1)"
        "   AND NOT EXISTS (SELECT 1 FROM posts q JOIN threads u ON u.id = q.thread_id WHERE q.author_id = ?3"
        "     AND u.offering_id = ?1 AND u.prompt_id = t.prompt_id))");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int(st, 2, post_first_applies != 0);
    sqlite3_bind_int64(st, 3, user_id);
    return count_of(st);
}

#define THREAD_SQL                                                                                   \
    "SELECT t.id, t.offering_id, COALESCE(t.prompt_id, 0), t.author_id, COALESCE(t.last_post_id, 0), t.version," \
    " t.title, u.name, t.created_at, t.last_post_at, t.posts, t.pinned, t.locked,"                   \
    " CASE WHEN ?7 IS NOT 1 AND t.last_post_id > COALESCE(r.last_post_id, 0) THEN " UNREAD_OF_T        \
    " ELSE 0 END,"                                                                                   \
    " COALESCE(r.last_post_id, 0), t.kind = 'wrapup'"                                                \
    " FROM threads t JOIN users u ON u.id = t.author_id"                                             \
    " LEFT JOIN thread_reads r ON r.user_id = ?3 AND r.thread_id = t.id"

/* Fill t from a THREAD_SQL row. */
static void thread_fill(arena *a, sqlite3_stmt *st, thread_row *t)
{
    t->id = sqlite3_column_int64(st, 0);
    t->offering_id = sqlite3_column_int64(st, 1);
    t->prompt_id = sqlite3_column_int64(st, 2);
    t->author_id = sqlite3_column_int64(st, 3);
    t->last_post_id = sqlite3_column_int64(st, 4);
    t->version = sqlite3_column_int64(st, 5);
    t->title = db_col(a, st, 6);
    t->author_name = db_col(a, st, 7);
    t->created_at = (time_t)sqlite3_column_int64(st, 8);
    t->last_post_at = (time_t)sqlite3_column_int64(st, 9);
    t->posts = sqlite3_column_int(st, 10);
    t->pinned = sqlite3_column_int(st, 11);
    t->locked = sqlite3_column_int(st, 12);
    t->unread = sqlite3_column_int(st, 13);
    t->read_upto = sqlite3_column_int64(st, 14);
    t->wrapup = sqlite3_column_int(st, 15);   /* moderation: the wrap-up's kind */
}

int store_threads(db *d, arena *a, int64_t offering_id, int64_t prompt_id, int64_t user_id, int64_t only_author,
                  int limit, int offset, thread_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, THREAD_SQL " WHERE t.offering_id = ?1 AND t.prompt_id IS ?2"
                                             " AND (?4 = 0 OR t.author_id = ?4)"
                                             " ORDER BY t.pinned DESC, t.last_post_at DESC, t.id DESC"
                                             " LIMIT ?5 OFFSET ?6");
    sqlite3_bind_int64(st, 1, offering_id);
    db_bind_id(st, 2, prompt_id);
    sqlite3_bind_int64(st, 3, user_id);
    sqlite3_bind_int64(st, 4, only_author);
    sqlite3_bind_int(st, 5, limit);
    sqlite3_bind_int(st, 6, offset);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        thread_fill(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_threads_count(db *d, int64_t offering_id, int64_t prompt_id, int64_t only_author)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM threads WHERE offering_id = ?1 AND prompt_id IS ?2"
                                  " AND (?3 = 0 OR author_id = ?3)");
    sqlite3_bind_int64(st, 1, offering_id);
    db_bind_id(st, 2, prompt_id);
    sqlite3_bind_int64(st, 3, only_author);
    return count_of(st);
}

int store_thread_get(db *d, arena *a, int64_t id, int64_t user_id, thread_row *out)
{
    /* ?7 = 1 skips THREAD_SQL's unread count, a walk of the posts after the read mark */
    sqlite3_stmt *st = db_stmt(d, THREAD_SQL " WHERE t.id = ?1 AND ?2 = ?2");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, 0);
    sqlite3_bind_int64(st, 3, user_id);
    sqlite3_bind_int(st, 7, 1);
    int found = db_row(st);
    if (found == 1) {
        thread_fill(a, st, out);
        db_done(st);
    }
    return found;
}

#define POST_SQL                                                                                     \
    "SELECT p.id, p.thread_id, p.author_id, COALESCE(p.quote_id, 0), u.name, p.body_md, p.body_html,"  \
    " p.created_at, COALESCE(p.edited_at, 0), COALESCE(p.deleted_at, 0), COALESCE(p.hidden_at, 0),"   \
    " p.revision, qu.name, q.body_md, (q.deleted_at IS NOT NULL OR q.hidden_at IS NOT NULL),"         \
    " p.exemplary, p.hidden_reason"                                                                  \
    " FROM posts p JOIN users u ON u.id = p.author_id"                                               \
    " LEFT JOIN posts q ON q.id = p.quote_id LEFT JOIN users qu ON qu.id = q.author_id"

/* Fill p from a POST_SQL row. */
static void post_fill(arena *a, sqlite3_stmt *st, post_row *p)
{
    p->id = sqlite3_column_int64(st, 0);
    p->thread_id = sqlite3_column_int64(st, 1);
    p->author_id = sqlite3_column_int64(st, 2);
    p->quote_id = sqlite3_column_int64(st, 3);
    p->author_name = db_col(a, st, 4);
    p->body_md = db_col(a, st, 5);
    p->body_html = db_col(a, st, 6);
    p->created_at = (time_t)sqlite3_column_int64(st, 7);
    p->edited_at = (time_t)sqlite3_column_int64(st, 8);
    p->deleted_at = (time_t)sqlite3_column_int64(st, 9);
    p->hidden_at = (time_t)sqlite3_column_int64(st, 10);
    p->revision = sqlite3_column_int(st, 11);
    p->quote_author = db_col(a, st, 12);
    p->quote_md = db_col(a, st, 13);
    p->quote_gone = sqlite3_column_int(st, 14);
    p->exemplary = sqlite3_column_int(st, 15);   /* moderation: marks a coach set */
    p->hidden_reason = db_col(a, st, 16);
}

int store_posts(db *d, arena *a, int64_t thread_id, int limit, int offset, post_row **list, int *n)
{
    sqlite3_stmt *st = db_stmt(d, POST_SQL " WHERE p.thread_id = ?1 ORDER BY p.id LIMIT ?2 OFFSET ?3");
    sqlite3_bind_int64(st, 1, thread_id);
    sqlite3_bind_int(st, 2, limit);
    sqlite3_bind_int(st, 3, offset);
    int rc, cap = 0;
    *list = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        post_fill(a, st, arena_grow(a, (void **)list, n, &cap, sizeof **list));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_post_get(db *d, arena *a, int64_t id, post_row *out, int64_t *offering_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT t.offering_id, x.* FROM (" POST_SQL " WHERE p.id = ?1) x"
                                  " JOIN threads t ON t.id = x.thread_id");
    sqlite3_bind_int64(st, 1, id);
    int found = db_row(st);
    if (found != 1)
        return found;
    *offering_id = sqlite3_column_int64(st, 0);
    /* the post's columns follow the offering's, in POST_SQL's order */
    post_row p;
    memset(&p, 0, sizeof p);
    p.id = sqlite3_column_int64(st, 1);
    p.thread_id = sqlite3_column_int64(st, 2);
    p.author_id = sqlite3_column_int64(st, 3);
    p.quote_id = sqlite3_column_int64(st, 4);
    p.author_name = db_col(a, st, 5);
    p.body_md = db_col(a, st, 6);
    p.body_html = db_col(a, st, 7);
    p.created_at = (time_t)sqlite3_column_int64(st, 8);
    p.edited_at = (time_t)sqlite3_column_int64(st, 9);
    p.deleted_at = (time_t)sqlite3_column_int64(st, 10);
    p.hidden_at = (time_t)sqlite3_column_int64(st, 11);
    p.revision = sqlite3_column_int(st, 12);
    p.quote_author = db_col(a, st, 13);
    p.quote_md = db_col(a, st, 14);
    p.quote_gone = sqlite3_column_int(st, 15);
    p.exemplary = sqlite3_column_int(st, 16);
    p.hidden_reason = db_col(a, st, 17);
    *out = p;
    db_done(st);
    return 1;
}

int store_posts_before(db *d, int64_t thread_id, int64_t post_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM posts WHERE thread_id = ?1 AND id < ?2");
    sqlite3_bind_int64(st, 1, thread_id);
    sqlite3_bind_int64(st, 2, post_id);
    return count_of(st);
}

int store_post_at(db *d, int64_t thread_id, int offset, int64_t *post_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id FROM posts WHERE thread_id = ?1 ORDER BY id LIMIT 1 OFFSET ?2");
    sqlite3_bind_int64(st, 1, thread_id);
    sqlite3_bind_int(st, 2, offset);
    int found = db_row(st);
    if (found == 1) {
        *post_id = sqlite3_column_int64(st, 0);
        db_done(st);
    }
    return found;
}

int store_thread_unread(db *d, int64_t thread_id, int64_t user_id, int64_t after)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM (SELECT 1 FROM posts WHERE thread_id = ?1 AND id > ?3"
                                  " AND author_id <> ?2 AND deleted_at IS NULL LIMIT "
                                  UNREAD_CAP_TEXT(DISCUSS_UNREAD_CAP) ")");
    sqlite3_bind_int64(st, 1, thread_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, after);
    return count_of(st);
}

int store_first_unread(db *d, int64_t thread_id, int64_t user_id, int64_t after, int64_t *post_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id FROM posts WHERE thread_id = ?1 AND id > ?3 AND author_id <> ?2"
                                  " AND deleted_at IS NULL ORDER BY id LIMIT 1");
    sqlite3_bind_int64(st, 1, thread_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, after);
    int found = db_row(st);
    if (found == 1) {
        *post_id = sqlite3_column_int64(st, 0);
        db_done(st);
    }
    return found;
}

int store_mark_read(db *d, int64_t user_id, int64_t thread_id, int64_t upto)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO thread_reads(user_id, thread_id, last_post_id) VALUES (?1, ?2, ?3)"
                                  " ON CONFLICT (user_id, thread_id) DO UPDATE SET last_post_id = excluded.last_post_id"
                                  " WHERE excluded.last_post_id > thread_reads.last_post_id");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, thread_id);
    sqlite3_bind_int64(st, 3, upto);
    return change(d, st);
}

int store_follow_get(db *d, int64_t user_id, int64_t thread_id, const char **mode)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT mode = 'mute' FROM thread_follows WHERE user_id = ?1 AND thread_id = ?2");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, thread_id);
    int found = db_row(st);
    if (found == 1) {
        *mode = sqlite3_column_int(st, 0) ? "mute" : "follow";
        db_done(st);
    }
    return found;
}

int store_follow_set(db *d, int64_t user_id, int64_t thread_id, const char *mode)
{
    sqlite3_stmt *st;
    if (mode) {
        st = db_stmt(d, "INSERT INTO thread_follows(user_id, thread_id, mode) VALUES (?1, ?2, ?3)"
                        " ON CONFLICT (user_id, thread_id) DO UPDATE SET mode = excluded.mode"
                        " WHERE thread_follows.mode <> excluded.mode");
        db_bind_text(st, 3, mode);
    } else {
        st = db_stmt(d, "DELETE FROM thread_follows WHERE user_id = ?1 AND thread_id = ?2");
    }
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, thread_id);
    return change(d, st);
}

int store_follow_default(db *d, int64_t user_id, int64_t thread_id)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO thread_follows(user_id, thread_id, mode) VALUES (?1, ?2, 'follow')"
                                  " ON CONFLICT (user_id, thread_id) DO NOTHING");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, thread_id);
    return change(d, st) < 0 ? -1 : 0;
}

int64_t store_thread_insert(db *d, int64_t offering_id, int64_t prompt_id, int64_t author_id, const char *title,
                            time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO threads(offering_id, prompt_id, author_id, title, created_at,"
                                  " last_post_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
    sqlite3_bind_int64(st, 1, offering_id);
    db_bind_id(st, 2, prompt_id);
    sqlite3_bind_int64(st, 3, author_id);
    sqlite3_bind_text(st, 4, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_last_id(d);
}

int64_t store_post_insert(db *d, int64_t thread_id, int64_t author_id, int64_t quote_id, const char *md,
                          const char *html, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO posts(thread_id, author_id, quote_id, body_md, body_html, created_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    sqlite3_bind_int64(st, 1, thread_id);
    sqlite3_bind_int64(st, 2, author_id);
    db_bind_id(st, 3, quote_id);
    sqlite3_bind_text(st, 4, md, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, html, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_last_id(d);
}

int store_thread_posted(db *d, int64_t thread_id, int64_t post_id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE threads SET posts = posts + 1, last_post_id = ?2, last_post_at = ?3,"
                                  " version = version + 1 WHERE id = ?1 AND locked = 0");
    sqlite3_bind_int64(st, 1, thread_id);
    sqlite3_bind_int64(st, 2, post_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return change(d, st);
}

int store_post_edit(db *d, int64_t id, int64_t author_id, const char *md, const char *html, time_t now, time_t since,
                    int revision)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE posts SET body_md = ?3, body_html = ?4, edited_at = ?5,"
                                  " revision = revision + 1"
                                  " WHERE id = ?1 AND author_id = ?2 AND deleted_at IS NULL AND hidden_at IS NULL"
                                  " AND created_at >= ?6 AND revision = ?7");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, author_id);
    sqlite3_bind_text(st, 3, md, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, html, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)since);
    sqlite3_bind_int(st, 7, revision);
    return change(d, st);
}

int store_post_delete(db *d, int64_t id, int64_t author_id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE posts SET deleted_at = ?3, body_md = '', body_html = '',"
                                  " revision = revision + 1"
                                  " WHERE id = ?1 AND author_id = ?2 AND deleted_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, author_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return change(d, st);
}

int store_notify_post(db *d, int64_t offering_id, int64_t thread_id, int64_t actor, int64_t thread_author,
                      int64_t quoted_author, const char *reply_title, const char *follow_title, const char *link,
                      time_t now)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO notifications(user_id, offering_id, kind, actor_id, title, link, created_at)"
        " SELECT w.uid, ?1, CASE WHEN w.reply THEN 'reply' ELSE 'follow' END, ?3,"
        "   CASE WHEN w.reply THEN ?6 ELSE ?7 END, ?8, ?9"
        " FROM (SELECT uid, max(reply) AS reply FROM ("
        "     SELECT ?4 AS uid, 1 AS reply"
        "     UNION ALL SELECT ?5, 1 WHERE ?5 > 0"
        "     UNION ALL SELECT user_id, 0 FROM thread_follows WHERE thread_id = ?2 AND mode = 'follow'"
        "   ) GROUP BY uid) w JOIN users u ON u.id = w.uid"
        " WHERE w.uid <> ?3"
        " AND NOT EXISTS (SELECT 1 FROM thread_follows m WHERE m.thread_id = ?2 AND m.user_id = w.uid"
        "   AND m.mode = 'mute')"
        " AND (u.role = 'staff'"
        "   OR EXISTS (SELECT 1 FROM offering_staff s WHERE s.offering_id = ?1 AND s.user_id = w.uid)"
        "   OR EXISTS (SELECT 1 FROM enrolments e WHERE e.offering_id = ?1 AND e.user_id = w.uid"
        "     AND " STORE_SEATED_ONE("e") "))"
        " ORDER BY w.uid");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, thread_id);
    sqlite3_bind_int64(st, 3, actor);
    sqlite3_bind_int64(st, 4, thread_author);
    sqlite3_bind_int64(st, 5, quoted_author);
    sqlite3_bind_text(st, 6, reply_title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, follow_title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, link, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)now);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d);
}

/* ---- coaches hear of a participant's new thread ---- */

int store_thread_notice_names(db *d, arena *a, int64_t offering_id, int64_t actor, const char **code,
                              const char **name)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT o.code, u.name FROM offerings o JOIN users u ON u.id = ?2 WHERE o.id = ?1");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, actor);
    int found = db_row(st);
    if (found == 1) {
        *code = db_col(a, st, 0);
        *name = db_col(a, st, 1);
        db_done(st);
    }
    return found;
}

int store_notify_thread(db *d, int64_t offering_id, int64_t actor, const char *title, const char *link, time_t now)
{
    sqlite3_stmt *st = db_stmt(d,
        "INSERT INTO notifications(user_id, offering_id, kind, actor_id, title, link, created_at)"
        " SELECT DISTINCT s.user_id, ?1, 'thread', ?2, ?3, ?4, ?5"
        " FROM offering_staff s JOIN users u ON u.id = s.user_id"
        " WHERE s.offering_id = ?1 AND s.user_id <> ?2 AND u.role IN ('coach', 'staff')"
        " AND NOT EXISTS (SELECT 1 FROM offering_staff x WHERE x.offering_id = ?1 AND x.user_id = ?2)"
        " AND NOT EXISTS (SELECT 1 FROM users a WHERE a.id = ?2 AND a.role = 'staff')"
        " ORDER BY s.user_id");
    sqlite3_bind_int64(st, 1, offering_id);
    sqlite3_bind_int64(st, 2, actor);
    sqlite3_bind_text(st, 3, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, link, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    if (db_run(st) != 0) {
        log_error("store: %s", db_errmsg(d));
        return -1;
    }
    return db_changes(d);
}
