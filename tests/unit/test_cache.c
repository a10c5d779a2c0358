/*
** test_cache.c: unit tests for cache.h — hits only at the stored version
** and before the expiry, replacement, and the entry and byte bounds — and
** for the versions the kept pages depend on (store_content.h): every write
** that changes what they show moves one, in the same transaction, and
** nothing else does.
*/
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "db.h"
#include "store_content.h"

/* The value under key at version (as a string in a static buffer), or NULL. */
static const char *got(cache *c, const char *key, uint64_t version, time_t now)
{
    static char out[256];
    size_t len = 0;
    const char *v = cache_get(c, key, version, now, &len);
    if (!v || len >= sizeof out)
        return NULL;
    memcpy(out, v, len);
    out[len] = '\0';
    return out;
}

/* A stored value comes back at its version only. */
static void test_versions(void)
{
    cache *c = cache_new(8, 4096);
    CHECK(c != NULL);
    CHECK(got(c, "a", 1, 100) == NULL);
    CHECK(cache_put(c, "a", 1, 0, "alpha", 5) == 0);
    CHECK_STR(got(c, "a", 1, 100), "alpha");
    CHECK(got(c, "a", 2, 100) == NULL);   /* the data moved on: stale */
    CHECK(got(c, "a", 0, 100) == NULL);
    CHECK(got(c, "b", 1, 100) == NULL);
    CHECK(cache_put(c, "a", 2, 0, "beta", 4) == 0);
    CHECK_STR(got(c, "a", 2, 100), "beta");
    CHECK(got(c, "a", 1, 100) == NULL);
    cache_stats st;
    cache_get_stats(c, &st);
    CHECK(st.entries == 1);
    CHECK(st.hits == 2);
    CHECK(st.misses == 5);
    cache_free(c);
}

/* An entry with an expiry is a miss from that time on. */
static void test_expiry(void)
{
    cache *c = cache_new(4, 4096);
    CHECK(cache_put(c, "k", 7, 1000, "v", 1) == 0);
    CHECK_STR(got(c, "k", 7, 999), "v");
    CHECK(got(c, "k", 7, 1000) == NULL);
    CHECK(got(c, "k", 7, 5000) == NULL);
    CHECK(cache_put(c, "e", 7, 0, "", 0) == 0);     /* an empty value is a value */
    size_t len = 99;
    CHECK(cache_get(c, "e", 7, 5000, &len) != NULL && len == 0);
    cache_free(c);
}

/* The least recently used entry goes when the entry bound is reached. */
static void test_entry_bound(void)
{
    cache *c = cache_new(3, 1 << 20);
    CHECK(cache_put(c, "1", 1, 0, "one", 3) == 0);
    CHECK(cache_put(c, "2", 1, 0, "two", 3) == 0);
    CHECK(cache_put(c, "3", 1, 0, "three", 5) == 0);
    CHECK(got(c, "1", 1, 0) != NULL);          /* 1 is now more recent than 2 */
    CHECK(cache_put(c, "4", 1, 0, "four", 4) == 0);
    CHECK(got(c, "2", 1, 0) == NULL);
    CHECK_STR(got(c, "1", 1, 0), "one");
    CHECK_STR(got(c, "3", 1, 0), "three");
    CHECK_STR(got(c, "4", 1, 0), "four");
    cache_stats st;
    cache_get_stats(c, &st);
    CHECK(st.entries == 3);
    CHECK(st.evictions == 1);
    /* Many keys through a small cache: never more than the bound, and the
    ** newest is always there. */
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        CHECK(cache_put(c, key, (uint64_t)i, 0, key, strlen(key)) == 0);
        CHECK_STR(got(c, key, (uint64_t)i, 0), key);
    }
    cache_get_stats(c, &st);
    CHECK(st.entries == 3);
    cache_clear(c);
    cache_get_stats(c, &st);
    CHECK(st.entries == 0 && st.bytes == 0);
    CHECK(got(c, "key-999", 999, 0) == NULL);
    cache_free(c);
}

/* Keys and values count against the byte bound; a value larger than the
** whole bound is refused and leaves nothing behind. */
static void test_byte_bound(void)
{
    cache *c = cache_new(100, 64);
    char big[100];
    memset(big, 'x', sizeof big);
    CHECK(cache_put(c, "a", 1, 0, big, 30) == 0);   /* 32 bytes with its key */
    CHECK(cache_put(c, "b", 1, 0, big, 30) == 0);   /* 64 */
    CHECK(cache_put(c, "c", 1, 0, big, 10) == 0);   /* evicts a */
    CHECK(got(c, "a", 1, 0) == NULL);
    CHECK(got(c, "b", 1, 0) != NULL);
    cache_stats st;
    cache_get_stats(c, &st);
    CHECK(st.bytes <= 64);
    CHECK(cache_put(c, "huge", 1, 0, big, sizeof big) == -1);
    CHECK(got(c, "huge", 1, 0) == NULL);
    /* Replacing a key with a refused value drops the old one too: never a
    ** stale copy left behind. */
    CHECK(cache_put(c, "b", 2, 0, big, sizeof big) == -1);
    CHECK(got(c, "b", 1, 0) == NULL);
    cache_free(c);
}

/* Run sql on d; 0 or -1. */
static int exec(db *d, const char *sql)
{
    buf err = BUF_INIT;
    int rc = db_exec(d, sql, &err);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", sql, buf_str(&err));
    buf_free(&err);
    return rc;
}

/* Which of the two versions sql moves: 1 content, 2 seats, 3 both, 0 none. */
static int moves(db *d, const char *sql)
{
    int64_t c0, s0, c1, s1;
    CHECK(store_view_versions(d, &c0, &s0) == 0);
    CHECK(exec(d, sql) == 0);
    CHECK(store_view_versions(d, &c1, &s1) == 0);
    return (c1 != c0) | (s1 != s0) << 1;
}

/* The triggers: content writes move content_version, registration writes
** seats_version, other writes neither; a rolled-back change moves nothing. */
static void test_versions_move(void)
{
    char dir[] = "/tmp/journeys-cache-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    buf err = BUF_INIT;
    db *d = db_open(path, &err);
    CHECK(d && db_migrate(d, &err) == 0);
    buf_free(&err);
    if (!d)
        return;
    CHECK(moves(d, "INSERT INTO courses(slug, position, title, tagline, summary, hours_min, hours_max,"
                   " overview_html, outcomes, panel_title, panel_minutes, panel_summary_html, transcript_html,"
                   " published) VALUES ('c', 1, 'C', 't', 's', 1, 2, '', '[]', 'p', 0, '', '', 1)") == 1);
    CHECK(moves(d, "INSERT INTO offerings(code, course_id, starts, ends, price_cents, currency, capacity,"
                   " closes, season, created_at, updated_at) VALUES ('o', 1, '2030-01-07', '2030-01-11', 0, 'USD',"
                   " 10, '2030-01-04', 's', 0, 0)") == 1);
    CHECK(moves(d, "UPDATE offerings SET capacity = 11 WHERE code = 'o'") == 1);
    CHECK(moves(d, "INSERT INTO users(email, name, password_hash, role, created_at) VALUES ('a@x.org', 'A', '', 'coach', 0)") == 0);
    CHECK(moves(d, "UPDATE users SET name = 'A2' WHERE email = 'a@x.org'") == 0);   /* not a coach yet */
    CHECK(moves(d, "INSERT INTO offering_staff(offering_id, user_id, role, created_at) VALUES (1, 1, 'coach', 0)") == 1);
    CHECK(moves(d, "UPDATE users SET name = 'A3' WHERE email = 'a@x.org'") == 1);   /* the coach's name shows */
    CHECK(moves(d, "INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
                   " hold_until, created_at, updated_at) VALUES (1, 1, 'pending', 'unpaid', 0, 'USD', 4000000000, 0, 0)")
          == 2);
    CHECK(store_seats_change_at(d, 100) == 4000000000);
    CHECK(store_seats_change_at(d, 4000000000) == 0);
    CHECK(moves(d, "UPDATE enrolments SET payment_status = 'pending' WHERE id = 1") == 0);
    CHECK(moves(d, "UPDATE enrolments SET status = 'active', hold_until = NULL WHERE id = 1") == 2);
    CHECK(store_seats_change_at(d, 100) == 0);
    CHECK(moves(d, "INSERT INTO rate_limits(key, window_start, count) VALUES ('k', 0, 1)") == 0);
    /* The bump is part of the change's transaction: undone with it. */
    CHECK(moves(d, "BEGIN IMMEDIATE; UPDATE offerings SET capacity = 12; ROLLBACK") == 0);
    CHECK(moves(d, "BEGIN IMMEDIATE; UPDATE enrolments SET status = 'cancelled'; ROLLBACK") == 0);
    CHECK(db_begin_write(d) == 0);
    CHECK(store_content_touch(d) == 0);
    CHECK(db_commit(d) == 0);
    db_close(d);
    unlink(path);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(dir);
}

int main(void)
{
    test_versions();
    test_expiry();
    test_entry_bound();
    test_byte_bound();
    test_versions_move();
    return check_done();
}
