/*
** outbox.c: SQL for the outbox table (see store_outbox.h).
*/
#include "store_outbox.h"

#include <string.h>

#include "log.h"

/* Bind text, or NULL when s is NULL. */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Column i copied into a, or NULL when SQL NULL. */
static const char *col_dup(arena *a, sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? arena_strndup(a, (const char *)s, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

/* Column i as a JSON string, or JSON null when SQL NULL. */
static json_t *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? json_string((const char *)s) : json_null();
}

/* Column i as a JSON integer, or JSON null when SQL NULL. */
static json_t *col_int(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(st, i));
}

/* Step a write statement to completion, log a failure naming what, reset
** it. Returns the rows changed, or -1. */
static int run_write(db *d, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    db_done(st);
    if (rc != SQLITE_DONE) {
        log_error("outbox: %s: %s", what, db_errmsg(d));
        return -1;
    }
    return db_changes(d);
}

/* Step an INSERT; the new id, or -1 (logged). */
static int64_t run_insert(db *d, sqlite3_stmt *st, const char *what)
{
    return run_write(d, st, what) == 1 ? db_last_id(d) : -1;
}

int64_t outbox_add_mail(db *d, const mail_msg *m, time_t now)
{
    if (!m || !m->text || !mail_addr_valid(m->to_addr))
        return -1;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO outbox(kind, recipient, recipient_name, subject, body_text,"
                                  " body_html, attachment_name, attachment_type, attachment,"
                                  " next_attempt_at, created_at, unsubscribe)"
                                  " VALUES ('mail', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)");
    bind_text(st, 1, m->to_addr);
    bind_text(st, 2, m->to_name);
    bind_text(st, 3, m->subject ? m->subject : "");
    bind_text(st, 4, m->text);
    bind_text(st, 5, m->html);
    bind_text(st, 6, m->attach_name);
    bind_text(st, 7, m->attach_type);
    if (m->attach_name)
        sqlite3_bind_blob64(st, 8, m->attach ? m->attach : "", m->attach ? m->attach_len : 0, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)now);
    bind_text(st, 10, m->unsubscribe);
    return run_insert(d, st, "queue mail");
}

int64_t outbox_add_community(db *d, const char *addr, time_t now)
{
    if (!mail_addr_valid(addr))
        return -1;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO outbox(kind, recipient, next_attempt_at, created_at)"
                                  " VALUES ('community', ?1, ?2, ?2)");
    bind_text(st, 1, addr);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    return run_insert(d, st, "queue invitation");
}

int outbox_due(db *d, arena *a, time_t now, outbox_item *out, int max)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, kind, recipient, recipient_name, subject, body_text, body_html,"
                                  " attachment_name, attachment_type, attachment, attempts, message_id, unsubscribe FROM outbox"
                                  " WHERE next_attempt_at <= ?1 AND sent_at IS NULL AND failed_at IS NULL"
                                  " ORDER BY id LIMIT ?2");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
    sqlite3_bind_int(st, 2, max > 0 ? max : 0);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        outbox_item *it = &out[n++];
        memset(it, 0, sizeof *it);
        it->id = sqlite3_column_int64(st, 0);
        it->kind = col_dup(a, st, 1);
        it->recipient = col_dup(a, st, 2);
        it->recipient_name = col_dup(a, st, 3);
        it->subject = col_dup(a, st, 4);
        it->body_text = col_dup(a, st, 5);
        it->body_html = col_dup(a, st, 6);
        it->attachment_name = col_dup(a, st, 7);
        it->attachment_type = col_dup(a, st, 8);
        if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
            const void *blob = sqlite3_column_blob(st, 9);
            size_t len = (size_t)sqlite3_column_bytes(st, 9);
            char *copy = arena_alloc(a, len + 1);
            if (len)
                memcpy(copy, blob, len);
            copy[len] = '\0';
            it->attachment = copy;
            it->attachment_len = len;
        }
        it->attempts = sqlite3_column_int(st, 10);
        it->message_id = col_dup(a, st, 11);
        it->unsubscribe = col_dup(a, st, 12);
    }
    if (n < max && rc != SQLITE_DONE) {
        log_error("outbox: due: %s", db_errmsg(d));
        n = -1;
    }
    db_done(st);
    return n;
}

int outbox_claim(db *d, int64_t id, time_t now, time_t until)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE outbox SET next_attempt_at = ?3, attempts = attempts + 1 WHERE id = ?1"
                                  " AND next_attempt_at <= ?2 AND sent_at IS NULL AND failed_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)until);
    return run_write(d, st, "claim");
}

int outbox_set_message_id(db *d, int64_t id, const char *message_id)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE outbox SET message_id = ?2 WHERE id = ?1 AND message_id IS NULL");
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, message_id);
    return run_write(d, st, "set message id");
}

int outbox_mark_sent(db *d, int64_t id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE outbox SET sent_at = ?2, failed_at = NULL, attempts = max(attempts - 1, 0)"
                                  " WHERE id = ?1 AND sent_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    return run_write(d, st, "mark sent");
}

/* The failed attempt of outbox_mark_retry / outbox_mark_refused. */
static int mark_failed_attempt(db *d, int64_t id, const char *error, time_t next, int final, int refused,
                               time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE outbox SET last_error = ?2,"
                                  " next_attempt_at = CASE WHEN ?4 THEN next_attempt_at ELSE ?3 END,"
                                  " failed_at = CASE WHEN ?4 THEN ?5 ELSE NULL END, refused = ?6"
                                  " WHERE id = ?1 AND sent_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, error ? error : "unknown error");
    sqlite3_bind_int64(st, 3, (sqlite3_int64)next);
    sqlite3_bind_int(st, 4, final || refused ? 1 : 0);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    sqlite3_bind_int(st, 6, refused ? 1 : 0);
    return run_write(d, st, refused ? "mark refused" : "mark retry");
}

int outbox_mark_retry(db *d, int64_t id, const char *error, time_t next, int final, time_t now)
{
    return mark_failed_attempt(d, id, error, next, final, 0, now);
}

int outbox_mark_refused(db *d, int64_t id, const char *error, time_t now)
{
    return mark_failed_attempt(d, id, error, now, 1, 1, now);
}

/* A column of an outbox list: its key in each JSON row and its kind
** ('s' text or null, 'i' integer or null, 'b' boolean). */
typedef struct list_col {
    const char *key;
    char kind;
} list_col;

/* Step st into a JSON array of objects, one key per column of cols (in
** select order, ending with a NULL key); reset st. NULL on error (logged
** with what): a failed list is never an empty one. */
static json_t *list_rows(db *d, sqlite3_stmt *st, const list_col *cols, const char *what)
{
    json_t *arr = json_array();
    int rc;
    while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; cols[i].key; i++)
            json_object_set_new(o, cols[i].key, cols[i].kind == 's' ? col_str(st, i)
                                                : cols[i].kind == 'b' ? json_boolean(sqlite3_column_int(st, i))
                                                                      : col_int(st, i));
        json_array_append_new(arr, o);
    }
    db_done(st);
    if (!arr || rc != SQLITE_DONE) {
        log_error("outbox: %s: %s", what, arr ? db_errmsg(d) : "out of memory");
        json_decref(arr);
        return NULL;
    }
    return arr;
}

json_t *outbox_problems(db *d)
{
    static const list_col cols[] = {{"id", 'i'}, {"kind", 's'}, {"recipient", 's'}, {"subject", 's'},
                                    {"attempts", 'i'}, {"last_error", 's'}, {"created_at", 'i'},
                                    {"failed_at", 'i'}, {"next_attempt_at", 'i'}, {"refused", 'b'}, {NULL, 0}};
    sqlite3_stmt *st = db_stmt(d, "SELECT id, kind, recipient, subject, attempts, last_error, created_at,"
                                  " failed_at, next_attempt_at, refused FROM outbox WHERE sent_at IS NULL"
                                  " AND (failed_at IS NOT NULL OR attempts >= 1)"
                                  " ORDER BY id DESC LIMIT 500");
    return list_rows(d, st, cols, "problems");
}

json_t *outbox_recent(db *d, int limit)
{
    static const list_col cols[] = {{"id", 'i'}, {"kind", 's'}, {"recipient", 's'}, {"subject", 's'},
                                    {"attempts", 'i'}, {"created_at", 'i'}, {"sent_at", 'i'}, {"failed_at", 'i'},
                                    {"refused", 'b'}, {NULL, 0}};
    sqlite3_stmt *st = db_stmt(d, "SELECT id, kind, recipient, subject, attempts, created_at, sent_at,"
                                  " failed_at, refused FROM outbox ORDER BY id DESC LIMIT ?1");
    sqlite3_bind_int(st, 1, limit < 1 ? 1 : limit > 500 ? 500 : limit);
    return list_rows(d, st, cols, "recent");
}

int outbox_retry_now(db *d, int64_t id, time_t now)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE outbox SET failed_at = NULL, refused = 0, next_attempt_at = ?2"
                                  " WHERE id = ?1 AND sent_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    return run_write(d, st, "retry");
}

json_t *outbox_counts(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL),"
                                  " count(*) FILTER (WHERE sent_at IS NOT NULL),"
                                  " count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NOT NULL)"
                                  " FROM outbox");
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        o = json_pack("{sIsIsI}", "queued", (json_int_t)sqlite3_column_int64(st, 0), "sent",
                      (json_int_t)sqlite3_column_int64(st, 1), "failed", (json_int_t)sqlite3_column_int64(st, 2));
    else
        log_error("outbox: counts: %s", db_errmsg(d));
    db_done(st);
    return o;
}

int outbox_get(db *d, arena *a, int64_t id, outbox_state *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, kind, recipient, last_error, attempts, next_attempt_at,"
                                  " created_at, sent_at, failed_at, recipient_name, subject, body_text,"
                                  " message_id, refused FROM outbox WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(st, 0);
        out->kind = col_dup(a, st, 1);
        out->recipient = col_dup(a, st, 2);
        out->last_error = col_dup(a, st, 3);
        out->attempts = sqlite3_column_int(st, 4);
        out->next_attempt_at = sqlite3_column_int64(st, 5);
        out->created_at = sqlite3_column_int64(st, 6);
        out->sent_at = sqlite3_column_int64(st, 7);
        out->failed_at = sqlite3_column_int64(st, 8);
        out->recipient_name = col_dup(a, st, 9);
        out->subject = col_dup(a, st, 10);
        out->body_text = col_dup(a, st, 11);
        out->message_id = col_dup(a, st, 12);
        out->refused = sqlite3_column_int(st, 13);
        found = 1;
    } else if (rc != SQLITE_DONE) {
        log_error("outbox: get: %s", db_errmsg(d));
        found = -1;
    }
    db_done(st);
    return found;
}
