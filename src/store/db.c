/*
** db.c: SQLite connection, statement cache, transactions (see db.h).
*/
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "log.h"
#include "schema.h"

#define CACHE_SLOTS 256 /* power of two; more than the store has statements */

struct slot {
    const char *sql;
    sqlite3_stmt *st;
    int writes;           /* the statement may change the database */
};

struct db {
    sqlite3 *h;
    struct slot cache[CACHE_SLOTS];
    /* The request's read (db_request_read): open, db_begin_read calls made
    ** inside it and not yet ended, and those whose transaction a write
    ** ended for them (their db_commit or db_rollback is then a no-op). */
    int held, nested, orphans;
    /* The writers' gate (db_begin_write): a lock file beside the database
    ** (-1 for an in-memory one), and whether this connection holds it. */
    int gate_fd, gated;
    /* A batch (db_batch_begin): one write transaction around several
    ** requests. batch is 1 while it is open and 2 once SQLite has rolled
    ** it back on its own (a full disk); depth counts the savepoints the
    ** begins inside it opened and not yet ended. */
    int batch, depth;
};

/* Set by SQLite's error log when storage fails; one connection per process,
** so one flag per process is enough. */
static volatile int storage_trouble;

/* Remember a failure of the storage itself (not of a statement's logic,
** such as a constraint); returns whether code is one. */
static int note_trouble(int code)
{
    switch (code & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
        storage_trouble = 1;
        return 1;
    default:
        return 0;
    }
}

/* SQLite's error log, for the failures no statement reports back. */
static void on_sqlite_log(void *unused, int code, const char *msg)
{
    (void)unused;
    if (note_trouble(code))
        log_error("database storage: %s (code %d)", msg, code);
}

int db_trouble(void)
{
    return storage_trouble;
}

void db_trouble_clear(void)
{
    storage_trouble = 0;
}

/* The writers' gate of the database at path (see db_begin_write): the
** file path-writer, made if missing; -1 for an in-memory database or when
** it cannot be opened (writers then wait in SQLite alone). A lock needs no
** write access, so the file is opened read-only and made readable by all;
** made by root (a command an operator ran), it is given to the database
** file's owner, as SQLite does with its -wal and -shm files, so that the
** service's own user can use it. */
static int gate_open(const char *path)
{
    if (!*path || !strcmp(path, ":memory:"))
        return -1;
    char *gate = sqlite3_mprintf("%s-writer", path);
    int fd = gate ? open(gate, O_RDONLY | O_CREAT | O_CLOEXEC, 0644) : -1;
    sqlite3_free(gate);
    struct stat st;
    if (fd >= 0 && geteuid() == 0 && stat(path, &st) == 0 && fchown(fd, st.st_uid, st.st_gid) != 0)
        log_warn("%s-writer: cannot give it to the database's owner: %s", path, strerror(errno));
    return fd;
}

db *db_open(const char *path, buf *err)
{
    static int logging;
    if (!logging) {
        /* Only possible before SQLite initializes, i.e. before the first open. */
        logging = 1;
        sqlite3_config(SQLITE_CONFIG_LOG, on_sqlite_log, NULL);
    }
    db *d = calloc(1, sizeof *d);
    if (!d) {
        buf_puts(err, "out of memory\n");
        return NULL;
    }
    int rc = sqlite3_open_v2(path, &d->h,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        buf_printf(err, "%s: cannot open the database: %s\n", path,
                   d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
        sqlite3_close(d->h);
        free(d);
        return NULL;
    }
    sqlite3_busy_timeout(d->h, 5000);
    sqlite3_extended_result_codes(d->h, 1);
    d->gate_fd = gate_open(path);
    if (db_exec(d, "PRAGMA journal_mode=WAL;"
                   "PRAGMA synchronous=NORMAL;"
                   "PRAGMA foreign_keys=ON;"
                   "PRAGMA temp_store=MEMORY;"
                   "PRAGMA journal_size_limit=16777216;", err) != 0) {
        db_close(d);
        return NULL;
    }
    return d;
}

int db_checkpoint(db *d, int *frames, int *copied)
{
    int rc = sqlite3_wal_checkpoint_v2(d->h, NULL, SQLITE_CHECKPOINT_PASSIVE, frames, copied);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return 1;   /* another checkpoint is running: the next pass catches up */
    if (rc != SQLITE_OK) {
        log_error("checkpoint: %s", sqlite3_errmsg(d->h));
        return -1;
    }
    return 0;
}

void db_autocheckpoint(db *d, int pages)
{
    sqlite3_wal_autocheckpoint(d->h, pages);
}

void db_close(db *d)
{
    if (!d)
        return;
    for (int i = 0; i < CACHE_SLOTS; i++)
        sqlite3_finalize(d->cache[i].st);
    sqlite3_close(d->h);
    if (d->gate_fd >= 0)
        close(d->gate_fd);
    free(d);
}

sqlite3 *db_handle(db *d)
{
    return d->h;
}

const char *db_errmsg(db *d)
{
    return sqlite3_errmsg(d->h);
}

int db_changes(db *d)
{
    return sqlite3_changes(d->h);
}

int64_t db_last_id(db *d)
{
    return sqlite3_last_insert_rowid(d->h);
}

int db_exec(db *d, const char *sql, buf *err)
{
    char *msg = NULL;
    if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        buf_printf(err, "database: %s\n", msg ? msg : sqlite3_errmsg(d->h));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void release(db *d);

sqlite3_stmt *db_stmt(db *d, const char *sql)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 7;
    for (unsigned i = 0; i < CACHE_SLOTS; i++) {
        struct slot *s = &d->cache[(h + i) & (CACHE_SLOTS - 1)];
        if (!s->sql) {
            if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL) != SQLITE_OK) {
                log_error("SQL does not compile: %s\n%s", sqlite3_errmsg(d->h), sql);
                abort();
            }
            s->sql = sql;
            s->writes = !sqlite3_stmt_readonly(s->st);
        }
        if (s->sql == sql) {
            /* A write never runs inside the request's read: it ends it. */
            if (d->held && s->writes)
                release(d);
            return s->st;
        }
    }
    log_error("statement cache full");
    abort();
}

void db_done(sqlite3_stmt *st)
{
    /* Reset reports the last step's error: every statement passes here, so
    ** this is where a failed read or write of the storage is noticed. */
    int rc = sqlite3_reset(st);
    if (rc != SQLITE_OK)
        note_trouble(rc);
    sqlite3_clear_bindings(st);
}

/* Let the writers' gate go once the write it was taken for has ended. */
static void ungate(db *d)
{
    if (d->gated && sqlite3_get_autocommit(d->h)) {
        flock(d->gate_fd, LOCK_UN);
        d->gated = 0;
    }
}

/* Run a one-word transaction command through the cache; 0 or -1. */
static int tx(db *d, const char *sql)
{
    sqlite3_stmt *st = db_stmt(d, sql);
    int rc = sqlite3_step(st);
    db_done(st);
    ungate(d);
    if (rc != SQLITE_DONE) {
        log_error("%s: %s", sql, sqlite3_errmsg(d->h));
        return -1;
    }
    return 0;
}

/* End the request's read (it wrote nothing, so a commit only lets go of
** its snapshot); reads begun inside it are then over too. */
static void release(db *d)
{
    if (!d->held)
        return;
    d->held = 0;
    d->orphans += d->nested;
    d->nested = 0;
    if (!sqlite3_get_autocommit(d->h))
        tx(d, "COMMIT");
}

void db_request_read(db *d)
{
    if (d->held || !sqlite3_get_autocommit(d->h))
        return;
    d->nested = d->orphans = 0;
    if (tx(d, "BEGIN") == 0)
        d->held = 1;
}

void db_request_done(db *d)
{
    release(d);
    d->orphans = 0;
    ungate(d);
}

/* Whether d's batch is still open. One that SQLite rolled back on its own
** (its transaction is gone) is marked lost for good. */
static int batch_open(db *d)
{
    if (d->batch == 1 && !sqlite3_get_autocommit(d->h))
        return 1;
    if (d->batch)
        d->batch = 2;
    return 0;
}

/* Inside a batch a begin is a savepoint, and its commit or rollback that
** savepoint's release or undoing; 0 or -1 (logged). Once SQLite has
** rolled the batch back on its own, nothing is open to nest in: the
** begin fails (the caller answers as for any failed begin). */
static int savepoint(db *d)
{
    if (!batch_open(d)) {
        log_error("the batch's transaction is gone; nothing is written");
        return -1;
    }
    if (tx(d, "SAVEPOINT step") != 0)
        return -1;
    d->depth++;
    return 0;
}

int db_begin_write(db *d)
{
    if (d->batch)
        return savepoint(d);
    release(d);
    /* Writers queue at the gate, a lock the kernel hands to the next one
    ** the moment it is let go; SQLite's own wait for its write lock sleeps
    ** in steps of up to 100 ms, long after the lock is free. Only the
    ** outermost write takes it; one that cannot have it still goes on and
    ** waits in SQLite as before. */
    if (d->gate_fd >= 0 && !d->gated && sqlite3_get_autocommit(d->h)) {
        int rc;
        while ((rc = flock(d->gate_fd, LOCK_EX)) != 0 && errno == EINTR)
            ;
        d->gated = rc == 0;
    }
    int rc = tx(d, "BEGIN IMMEDIATE");
    ungate(d);   /* the BEGIN failed: nothing is open */
    return rc;
}

int db_begin_read(db *d)
{
    if (d->batch)
        return savepoint(d);
    if (d->held) {
        d->nested++;
        return 0;
    }
    return tx(d, "BEGIN");
}

int db_commit(db *d)
{
    if (d->batch) {
        if (d->depth == 0)
            return -1;
        d->depth--;
        return batch_open(d) ? tx(d, "RELEASE step") : -1;
    }
    if (d->held && d->nested > 0) {
        d->nested--;
        return 0;
    }
    if (d->orphans > 0 && sqlite3_get_autocommit(d->h)) {
        d->orphans--;
        return 0;
    }
    return tx(d, "COMMIT");
}

void db_rollback(db *d)
{
    if (d->batch) {
        if (d->depth == 0)
            return;
        d->depth--;
        if (batch_open(d) && tx(d, "ROLLBACK TO step") == 0)
            tx(d, "RELEASE step");
        return;
    }
    if (d->held) {
        /* a read begun inside the request's read ends with it; nothing
        ** else is open to roll back */
        if (d->nested > 0)
            d->nested--;
        return;
    }
    if (d->orphans > 0 && sqlite3_get_autocommit(d->h)) {
        d->orphans--;
        return;
    }
    if (!sqlite3_get_autocommit(d->h))
        tx(d, "ROLLBACK");
    ungate(d);   /* SQLite may have rolled the write back itself (a full disk) */
}

int db_check_idle(db *d)
{
    int bad = 0;
    for (sqlite3_stmt *st = sqlite3_next_stmt(d->h, NULL); st; st = sqlite3_next_stmt(d->h, st)) {
        if (sqlite3_stmt_busy(st)) {
            log_error("statement left open: %s", sqlite3_sql(st));
            sqlite3_reset(st);
            bad = 1;
        }
    }
    if (!d->batch && !sqlite3_get_autocommit(d->h)) {
        log_error("transaction left open; rolling back");
        db_rollback(d);
        bad = 1;
    }
    return bad ? -1 : 0;
}

int db_batch_begin(db *d)
{
    if (d->batch || !sqlite3_get_autocommit(d->h))
        return -1;
    if (db_begin_write(d) != 0)
        return -1;
    d->batch = 1;
    d->depth = 0;
    return 0;
}

int db_batch_step(db *d)
{
    return batch_open(d) ? tx(d, "SAVEPOINT request") : -1;
}

int db_batch_step_end(db *d)
{
    int left = d->depth;
    d->depth = 0;
    if (!batch_open(d))
        return -1;
    /* A request that left a transaction open (a bug, as db_check_idle
    ** says outside a batch) has all of its writes undone. */
    if (left > 0)
        log_error("transaction left open; rolling the request back");
    if ((left > 0 && tx(d, "ROLLBACK TO request") != 0) || tx(d, "RELEASE request") != 0) {
        d->batch = 2;
        return -1;
    }
    return 0;
}

int db_batch_end(db *d)
{
    int ok = batch_open(d);
    d->batch = 0;
    d->depth = 0;
    if (ok && tx(d, "COMMIT") == 0)
        return 0;
    if (!sqlite3_get_autocommit(d->h))
        tx(d, "ROLLBACK");
    ungate(d);
    return -1;
}

int db_schema_version(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "PRAGMA user_version");
    int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    db_done(st);
    return v;
}

int db_migrate(db *d, buf *err)
{
    int have = db_schema_version(d);
    int n = schema_count();
    if (have > n) {
        buf_printf(err, "the database is at schema version %d, newer than this program knows (%d)\n", have, n);
        return -1;
    }
    for (int v = have + 1; v <= n; v++) {
        if (db_begin_write(d) != 0) {
            buf_printf(err, "migration %d: cannot begin: %s\n", v, sqlite3_errmsg(d->h));
            return -1;
        }
        /* Re-read inside the lock: another process may have migrated. */
        if (db_schema_version(d) >= v) {
            db_rollback(d);
            continue;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d;", v);
        if (db_exec(d, schema_migration(v), err) != 0 || db_exec(d, pragma, err) != 0) {
            buf_printf(err, "migration %d failed; nothing of it was applied\n", v);
            db_rollback(d);
            return -1;
        }
        if (db_commit(d) != 0) {
            buf_printf(err, "migration %d: cannot commit: %s\n", v, sqlite3_errmsg(d->h));
            db_rollback(d);
            return -1;
        }
        log_info("database migrated to schema version %d", v);
    }
    return 0;
}

const char *db_col(struct arena *a, sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? arena_strdup(a, (const char *)s) : NULL;
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void db_bind_id(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

int db_row(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc != SQLITE_DONE) {
        /* Whatever the code, a read that failed must not pass for an
        ** absence further up: the dispatcher answers 503. */
        log_error("store: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        storage_trouble = 1;
    }
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int db_run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int ext = sqlite3_extended_errcode(sqlite3_db_handle(st));
    db_done(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    return ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ? DB_DUPLICATE : -1;
}
