/*
** test_ratelimit.c: the rate-limit rows behind sign-in, reset and "send the
** link again": an allowance that refuses without counting, a window that
** starts again, attempts given back, counts cleared, and old rows purged in
** the same write.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "db.h"
#include "log.h"
#include "store_accounts.h"

/* The count stored for key, or -1 when there is no row. */
static int count_of(db *d, const char *key)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count FROM rate_limits WHERE key = ?1");
    db_bind_text(st, 1, key);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    db_done(st);
    return n;
}

/* Rows in the table. */
static int rows(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM rate_limits");
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    db_done(st);
    return n;
}

int main(void)
{
    log_quiet(1);
    char dir[] = "/tmp/journeys-rate-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    buf err = BUF_INIT;
    db *d = db_open(path, &err);
    CHECK(d != NULL && db_migrate(d, &err) == 0);
    time_t t0 = 1700000000;

    /* Three allowed, the fourth refused; refusals count nothing. */
    for (int i = 0; i < 3; i++)
        CHECK(store_rate_hit(d, "k", t0 + i, 900, 3) == 1);
    for (int i = 0; i < 10; i++)
        CHECK(store_rate_hit(d, "k", t0 + 10, 900, 3) == 0);
    CHECK(count_of(d, "k") == 3);
    /* One given back: one more allowed. */
    CHECK(store_rate_give_back(d, "k", t0 + 20, 900) == 0);
    CHECK(count_of(d, "k") == 2);
    CHECK(store_rate_hit(d, "k", t0 + 21, 900, 3) == 1);
    CHECK(store_rate_hit(d, "k", t0 + 22, 900, 3) == 0);
    /* Cleared: the allowance is whole again. */
    CHECK(store_rate_clear(d, "k") == 0);
    CHECK(count_of(d, "k") == -1);
    for (int i = 0; i < 3; i++)
        CHECK(store_rate_hit(d, "k", t0 + 30, 900, 3) == 1);
    CHECK(store_rate_hit(d, "k", t0 + 31, 900, 3) == 0);
    /* After the window, a new one starts; a give-back for the old window
    ** changes nothing. */
    CHECK(store_rate_hit(d, "k", t0 + 30 + 900, 900, 3) == 1);
    CHECK(count_of(d, "k") == 1);
    CHECK(store_rate_give_back(d, "other", t0 + 931, 900) == 0);
    CHECK(count_of(d, "other") == -1);
    /* Never below zero. */
    CHECK(store_rate_give_back(d, "k", t0 + 931, 900) == 0);
    CHECK(store_rate_give_back(d, "k", t0 + 932, 900) == 0);
    CHECK(count_of(d, "k") == 0);

    /* Inside a caller's transaction, a rollback takes the attempt back. */
    CHECK(db_begin_write(d) == 0);
    CHECK(store_rate_hit(d, "tx", t0 + 940, 900, 3) == 1);
    db_rollback(d);
    CHECK(count_of(d, "tx") == -1);

    /* Rows whose window started more than a day ago go with the next write. */
    for (int i = 0; i < 50; i++) {
        char key[32];
        snprintf(key, sizeof key, "old%d", i);
        CHECK(store_rate_hit(d, key, t0 + 1000, 900, 3) == 1);
    }
    CHECK(rows(d) == 51);
    CHECK(store_rate_hit(d, "new", t0 + 1000 + STORE_RATE_KEEP + 1, 900, 3) == 1);
    CHECK(rows(d) == 1);
    CHECK(count_of(d, "new") == 1);
    CHECK(db_check_idle(d) == 0);

    db_close(d);
    buf_free(&err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
