/*
** db.h: the SQLite connection, its statement cache, transactions and
** migrations. The only place that talks to sqlite3 besides the store files.
**
** One connection per process, opened after fork(). WAL mode, foreign keys,
** a busy timeout, and prepared statements cached for the connection's life:
** the store passes SQL text from static strings and gets back a statement
** that it must reset (db_done) when finished with it. Writes run inside
** db_begin_write() = BEGIN IMMEDIATE, so a writer waits for the lock up front
** instead of failing when a read upgrades.
*/
#ifndef JOURNEYS_DB_H
#define JOURNEYS_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "buf.h"

typedef struct db db;

/* Open (creating if need be) the database at path and set it up. Returns
** NULL with a message appended to err. The caller owns the handle. */
db *db_open(const char *path, buf *err);

/* Finalize cached statements and close. NULL is a no-op. */
void db_close(db *d);

/* Apply every numbered migration not yet applied, each in its own write
** transaction. Returns 0, or -1 with a message in err (nothing of the failed
** migration is left behind). */
int db_migrate(db *d, buf *err);

/* The schema version now in the database. */
int db_schema_version(db *d);

/* The cached statement for sql (compiled on first use). sql must be a string
** that lives as long as the process (a literal). Aborts if the SQL does not
** compile: that is a programming error, found by the tests. */
sqlite3_stmt *db_stmt(db *d, const char *sql);

/* Reset a statement and clear its bindings, ready for the next use. A
** failure of the storage met by the statement is noted for db_trouble(). */
void db_done(sqlite3_stmt *st);

/* Transactions. begin_write is BEGIN IMMEDIATE. Each returns 0 or -1 (the
** error logged). db_rollback is safe to call when no transaction is open.
** Inside the request's read (below), db_begin_read and its db_commit or
** db_rollback are nested in it and take no lock of their own. */
int db_begin_write(db *d);
int db_begin_read(db *d);
int db_commit(db *d);
void db_rollback(db *d);

/* The request's read: one read transaction around a whole request, so its
** statements take SQLite's locks once instead of once each (a lock pair
** of system calls per statement otherwise). It holds only while the
** request reads: the first statement that may write (db_stmt sees it) or
** db_begin_write ends it first, and later statements run as they would
** without it. db_request_done ends it, if still open; call it before
** db_check_idle. Nothing happens when a transaction is already open. */
void db_request_read(db *d);
void db_request_done(db *d);

/* A batch: one write transaction around several requests, so that they
** share one commit (the write pool's group commit, server/serve.c). Inside
** it, each begin (read or write) is a savepoint and its commit or rollback
** that savepoint's release or undoing, so a request refused half-way
** leaves nothing behind while the others stand; the request's read
** (db_request_read) is the batch's own transaction.
**   db_batch_begin     take the writers' gate and BEGIN IMMEDIATE; 0, or
**                      -1 (nothing is open: serve the request alone)
**   db_batch_step      before each request: its own savepoint; 0 or -1
**   db_batch_step_end  after it: undo what it left open (logged), then
**                      release its savepoint; 0, or -1 once the batch is
**                      lost (SQLite rolled it back on its own, as it may
**                      on a full disk): nothing of it will be written
**   db_batch_end       COMMIT and let the gate go; 0 when everything in
**                      the batch is written, -1 when none of it is (the
**                      caller must not tell any of its requests that it
**                      was saved). */
int db_batch_begin(db *d);
int db_batch_step(db *d);
int db_batch_step_end(db *d);
int db_batch_end(db *d);

/* Execute SQL with no results and no parameters (schema, pragmas). 0 or -1. */
int db_exec(db *d, const char *sql, buf *err);

/* After each request: 0 if no statement is mid-step and no transaction is
** open; otherwise log each offender, reset it, roll back, and return -1. */
int db_check_idle(db *d);

/* Copy what the write-ahead log holds into the database file, as far as
** no reader still needs the log (SQLite's PASSIVE checkpoint: it never
** waits for a reader or holds up a writer). *frames and *copied (either
** may be NULL) get the log's frames and how many are now in the file.
** 0; 1 when another checkpoint was running; -1 on error (logged). */
int db_checkpoint(db *d, int *frames, int *copied);

/* Let a commit on d checkpoint the log itself only once it holds pages
** frames (0: never); SQLite's default is 1,000. */
void db_autocheckpoint(db *d, int pages);

/* The underlying handle, for the store only. */
sqlite3 *db_handle(db *d);

/* Rows changed by the last statement, and the last inserted rowid. */
int db_changes(db *d);
int64_t db_last_id(db *d);

/* Helpers the store files share. db_col copies text column i into the
** arena (NULL for SQL NULL); db_bind_text binds s, or NULL when s is NULL
** or empty; db_bind_id binds v, or NULL when v is 0; db_run steps a
** statement that writes and resets it, returning 0, DB_DUPLICATE when a
** UNIQUE or PRIMARY KEY constraint refused it, or -1. */
enum { DB_DUPLICATE = -2 };
struct arena;
const char *db_col(struct arena *a, sqlite3_stmt *st, int i);
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_id(sqlite3_stmt *st, int i, int64_t v);
int db_run(sqlite3_stmt *st);
/* Step a read for its one row: 1 when a row is there (the caller reads it,
** then calls db_done), 0 when there is none, -1 on an error (logged and
** noted for db_trouble(), so even a caller that takes it for "none" ends in
** a 503); on 0 and -1 the statement is reset already. */
int db_row(sqlite3_stmt *st);

/* Whether the storage under the database failed (disk full, I/O error,
** locked past the busy timeout, read-only, out of memory) since the last
** db_trouble_clear(). Process-wide: set from SQLite's error log, whichever
** statement met it, so a caller that took a failed read for an absence is
** still caught by the dispatcher, which answers 503 instead. */
int db_trouble(void);
void db_trouble_clear(void);
/* The store's return convention, for every store_* function:
**   a read of one row      1 found, 0 not found, -1 error (never "not found")
**   a list                 a JSON array (empty when there is nothing), or
**                          NULL on error (never an empty list)
**   an insert              the new id (> 0), DB_DUPLICATE when a unique
**                          index refused it, or -1 on any other error
**   a conditional change   1 when the row changed, 0 when it was not in the
**                          state the change requires (someone else won),
**                          -1 error
**   any other write        0 or -1
** Errors are logged where they happen; the caller turns them into a 503 or
** 500 with a message, and never into an absence. */

/* The last error message from SQLite. */
const char *db_errmsg(db *d);

#endif
