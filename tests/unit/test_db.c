/*
** test_db.c: the request's read (db_request_read) on two connections to one
** database file. Its statements see one snapshot; the first statement that
** may write ends it, so the write commits at once and never meets a stale
** snapshot (SQLITE_BUSY_SNAPSHOT) even after another connection wrote;
** db_begin_write ends it too; reads begun inside it nest without a lock of
** their own, and their commit or rollback after a write ended them is
** quiet; db_rollback of nothing leaves it open; db_request_done ends it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

    db_close(a);
    db_close(b);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
