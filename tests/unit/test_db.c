/*
** test_db.c: the request's read (db_request_read) on two connections to one
** database file. Its statements see one snapshot; the first statement that
** may write ends it, so the write commits at once and never meets a stale
** snapshot (SQLITE_BUSY_SNAPSHOT) even after another connection wrote;
** db_begin_write ends it too; reads begun inside it nest without a lock of
** their own, and their commit or rollback after a write ended them is
** quiet; db_rollback of nothing leaves it open; db_request_done ends it.
** The writers' gate: taken by db_begin_write, let go by the commit or the
** rollback that ends the write, never held by a read; processes that all
** write at once each get every write through, none refused as busy; the
** gate's file, made by root, is given to the database's owner.
** A batch (the write pool's group commit): the requests inside it each
** write in a savepoint of their own, so one refused (rolled back) or one
** that leaves its transaction open is undone while the others stand;
** nothing is seen by another connection until the batch's commit, which
** writes them all; the gate is held from its begin to its end; a batch
** that SQLite rolled back on its own writes nothing, and every later step
** of it says so.
*/
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "db.h"

static db *open_at(const char *path)
{
    buf err = BUF_INIT;
    db *d = db_open(path, &err);
    if (!d)
        fprintf(stderr, "%s", buf_str(&err));
    buf_free(&err);
    return d;
}

/* The value in t (one row), read through d's statement cache; -1 on error. */
static int value_of(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT v FROM t");
    int v = db_row(st) == 1 ? sqlite3_column_int(st, 0) : -1;
    db_done(st);
    return v;
}

/* Set t's value through d's statement cache; 0 or -1. */
static int set_value(db *d, int v)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE t SET v = ?1");
    sqlite3_bind_int(st, 1, v);
    return db_run(st);
}

/* Whether d has no transaction open. */
static int idle(db *d)
{
    return sqlite3_get_autocommit(db_handle(d));
}

/* Whether the writers' gate of the database at path is free: another
** open file of it can take the lock at once (and lets it go again). */
static int gate_free(const char *path)
{
    char gate[300];
    snprintf(gate, sizeof gate, "%s-writer", path);
    int fd = open(gate, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int ok = flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (ok)
        flock(fd, LOCK_UN);
    close(fd);
    return ok;
}

enum { WRITERS = 4, WRITES = 150 };

/* A writer process: WRITES increments of t's value, each its own write
** transaction on its own connection; exits 0 when every one committed. */
static void writer(const char *path)
{
    db *d = open_at(path);
    int bad = !d;
    for (int i = 0; d && i < WRITES; i++) {
        if (db_begin_write(d) != 0) {
            bad++;
            continue;
        }
        sqlite3_stmt *st = db_stmt(d, "UPDATE t SET v = v + 1");
        if (db_run(st) != 0 || db_commit(d) != 0) {
            bad++;
            db_rollback(d);
        }
    }
    db_close(d);
    _exit(bad ? 1 : 0);
}

static void test_gate(db *a, const char *path)
{
    CHECK(gate_free(path) == 1);
    CHECK(db_begin_write(a) == 0);
    CHECK(gate_free(path) == 0);
    CHECK(set_value(a, 0) == 0);
    CHECK(db_commit(a) == 0);
    CHECK(gate_free(path) == 1);
    CHECK(db_begin_write(a) == 0);
    CHECK(gate_free(path) == 0);
    db_rollback(a);
    CHECK(gate_free(path) == 1 && idle(a));
    /* a read never takes it; the request's read ends before the write
    ** takes it, and the request's end lets go of a write left open */
    db_request_read(a);
    CHECK(value_of(a) == 0);
    CHECK(gate_free(path) == 1);
    CHECK(db_begin_write(a) == 0);
    CHECK(gate_free(path) == 0);
    CHECK(set_value(a, 0) == 0);
    CHECK(db_commit(a) == 0);
    CHECK(gate_free(path) == 1);
    db_request_done(a);
    CHECK(db_begin_write(a) == 0);
    CHECK(db_check_idle(a) != 0);   /* rolled back, and said so */
    CHECK(gate_free(path) == 1 && idle(a));

    /* every write of several processes at once goes through */
    pid_t kids[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            writer(path);
    }
    int ok = 0;
    for (int i = 0; i < WRITERS; i++) {
        int status = 0;
        ok += kids[i] > 0 && waitpid(kids[i], &status, 0) == kids[i] && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0;
    }
    CHECK(ok == WRITERS);
    CHECK(value_of(a) == WRITERS * WRITES);
    CHECK(gate_free(path) == 1);
}

/* The gate's file, when root opens a database another user owns (an
** operator's command before the service ever ran): readable by all and
** given to the database's owner, whose processes can then take the gate.
** Only as root, which the check needs. */
static void test_gate_owner(const char *dir)
{
    if (geteuid() != 0)
        return;
    const uid_t nobody = 65534;
    char path[300], gate[320];
    snprintf(path, sizeof path, "%s/owned.db", dir);
    snprintf(gate, sizeof gate, "%s-writer", path);
    CHECK(chmod(dir, 0711) == 0);   /* the service's user can reach its files */
    int fd = open(path, O_RDWR | O_CREAT, 0640);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK(chown(path, nobody, nobody) == 0);
    db *d = open_at(path);
    CHECK(d != NULL);
    struct stat st;
    CHECK(stat(gate, &st) == 0);
    CHECK(st.st_uid == nobody && (st.st_mode & 0044) == 0044);
    pid_t kid = fork();
    if (kid == 0) {
        if (setgid(nobody) != 0 || setuid(nobody) != 0)
            _exit(2);
        int g = open(gate, O_RDONLY | O_CLOEXEC);
        _exit(g >= 0 && flock(g, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
    }
    int status = 0;
    CHECK(kid > 0 && waitpid(kid, &status, 0) == kid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    db_close(d);
}

/* One request of a batch: the dispatcher's read, then a write of v to t
** that commits (how = 'c'), is refused and rolled back ('r'), or is left
** open ('o'). Returns db_batch_step_end's answer. */
static int batch_request(db *d, int v, char how)
{
    CHECK(db_batch_step(d) == 0);
    db_request_read(d);
    int before = value_of(d);
    CHECK(before >= 0);
    CHECK(db_begin_write(d) == 0);
    CHECK(set_value(d, v) == 0);
    if (how == 'c')
        CHECK(db_commit(d) == 0);
    else if (how == 'r')
        db_rollback(d);
    db_request_done(d);
    CHECK(db_check_idle(d) == 0);   /* the batch's transaction is not "left open" */
    return db_batch_step_end(d);
}

static void test_batch(db *a, db *b, const char *path)
{
    CHECK(set_value(a, 100) == 0);
    CHECK(db_batch_begin(a) == 0);
    CHECK(gate_free(path) == 0);
    CHECK(!idle(a));
    CHECK(batch_request(a, 101, 'c') == 0);
    CHECK(value_of(a) == 101 && value_of(b) == 100);   /* not written until the commit */
    CHECK(batch_request(a, 102, 'r') == 0);             /* refused: undone alone */
    CHECK(value_of(a) == 101);
    CHECK(batch_request(a, 103, 'o') == 0);             /* left open: undone alone */
    CHECK(value_of(a) == 101);
    /* a read begun inside a request nests in it */
    CHECK(db_batch_step(a) == 0);
    CHECK(db_begin_read(a) == 0);
    CHECK(value_of(a) == 101);
    CHECK(db_commit(a) == 0);
    CHECK(db_begin_write(a) == 0);
    sqlite3_stmt *st = db_stmt(a, "UPDATE t SET v = v + 3");
    CHECK(db_run(st) == 0);
    CHECK(db_commit(a) == 0);
    CHECK(db_batch_step_end(a) == 0);
    CHECK(value_of(b) == 100);
    CHECK(gate_free(path) == 0);
    CHECK(db_batch_end(a) == 0);
    CHECK(idle(a) && gate_free(path) == 1);
    CHECK(value_of(b) == 104);                          /* 101, then + 3, in one commit */
    /* A batch SQLite rolled back on its own (as it may on a full disk):
    ** nothing of it is written, and each later step says it is lost. */
    CHECK(db_batch_begin(a) == 0);
    CHECK(batch_request(a, 200, 'c') == 0);
    CHECK(sqlite3_exec(db_handle(a), "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(db_batch_step(a) == -1);
    CHECK(db_begin_write(a) == -1);
    CHECK(db_commit(a) == -1);
    db_rollback(a);
    CHECK(db_batch_step_end(a) == -1);
    CHECK(db_batch_end(a) == -1);
    CHECK(idle(a) && gate_free(path) == 1);
    CHECK(value_of(b) == 104);
    /* after it, writes are as before */
    CHECK(set_value(a, 105) == 0);
    CHECK(value_of(b) == 105);
    /* its steps outside a batch are refused and change nothing */
    CHECK(db_batch_step(a) == -1 && db_batch_step_end(a) == -1);
    CHECK(set_value(a, 105) == 0 && idle(a));
    /* no batch inside a transaction already open */
    CHECK(db_begin_read(a) == 0);
    CHECK(db_batch_begin(a) == -1);
    CHECK(db_commit(a) == 0);
    CHECK(idle(a));
    /* a batch of one that writes nothing commits nothing, quietly */
    CHECK(db_batch_begin(a) == 0);
    CHECK(db_batch_step(a) == 0);
    CHECK(value_of(a) == 105);
    CHECK(db_batch_step_end(a) == 0);
    CHECK(db_batch_end(a) == 0);
    CHECK(idle(a) && gate_free(path) == 1);
}

int main(void)
{
    char dir[] = "/tmp/journeys-db-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/t.db", dir);
    db *a = open_at(path), *b = open_at(path);
    CHECK(a && b);
    if (!a || !b)
        return check_done();
    buf err = BUF_INIT;
    CHECK(db_exec(a, "CREATE TABLE t(v INTEGER); INSERT INTO t VALUES (1);", &err) == 0);
    buf_free(&err);

    /* One snapshot for the request's reads. */
    db_request_read(a);
    CHECK(value_of(a) == 1);
    CHECK(!idle(a));
    CHECK(set_value(b, 2) == 0);
    CHECK(value_of(a) == 1);            /* still the request's snapshot */

    /* A read begun inside nests: no error, the same snapshot, and its end
    ** leaves the request's read open. */
    CHECK(db_begin_read(a) == 0);
    CHECK(value_of(a) == 1);
    CHECK(db_commit(a) == 0);
    CHECK(!idle(a));
    CHECK(db_begin_read(a) == 0);
    db_rollback(a);
    CHECK(!idle(a));
    /* a rollback of nothing leaves it open */
    db_rollback(a);
    CHECK(!idle(a) && value_of(a) == 1);

    /* The first write ends it: no stale snapshot, committed at once. */
    CHECK(set_value(a, 3) == 0);
    CHECK(idle(a));
    CHECK(value_of(b) == 3);
    CHECK(value_of(a) == 3);
    db_request_done(a);
    CHECK(idle(a));

    /* A read begun inside, then a write: the read's own end is quiet. */
    db_request_read(a);
    CHECK(db_begin_read(a) == 0);
    CHECK(value_of(a) == 3);
    CHECK(set_value(b, 4) == 0);
    CHECK(set_value(a, 5) == 0);
    CHECK(db_commit(a) == 0);
    CHECK(idle(a) && value_of(b) == 5);
    db_request_done(a);

    /* db_begin_write inside it: the write transaction of its own. */
    db_request_read(a);
    CHECK(value_of(a) == 5);
    CHECK(set_value(b, 6) == 0);
    CHECK(db_begin_write(a) == 0);
    CHECK(value_of(a) == 6);            /* the write sees the latest */
    CHECK(set_value(a, 7) == 0);
    CHECK(db_commit(a) == 0);
    CHECK(idle(a) && value_of(b) == 7);
    db_request_done(a);

    /* db_request_done ends an open one; nothing happens inside a
    ** transaction already open. */
    db_request_read(a);
    CHECK(value_of(a) == 7);
    db_request_done(a);
    CHECK(idle(a));
    CHECK(db_begin_write(a) == 0);
    db_request_read(a);
    CHECK(set_value(a, 8) == 0);
    CHECK(!idle(a));                    /* still the caller's write */
    CHECK(db_commit(a) == 0);
    db_request_done(a);
    CHECK(idle(a) && value_of(b) == 8);
    CHECK(db_check_idle(a) == 0);

    test_gate(a, path);
    test_gate_owner(dir);
    test_batch(a, b, path);

    db_close(a);
    db_close(b);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
