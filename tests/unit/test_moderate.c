/*
** test_moderate.c: the moderation rules below the pages. What a reason, a
** wrap-up's title and body may be (refused, naming the field, before
** anything is opened); moving a thread to the space it is in; then, on a
** migrated database of our own, each change written once with its log
** line (a second try finds it done: DOM_CONFLICT, no second line), the
** hidden post's author told and nobody told when a coach hides their own,
** the wrap-up pinned in place of the previous one, the log read back
** newest first, and every store read failing (-1) when its statements do.
** The pages, access and races are tested through nginx in
** tests/integration/test_moderate.c.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "moderate.h"
#include "store_discuss.h"
#include "store_moderate.h"

/* Hide a post of no database with reason: the result and d->field. */
static int hide(arena *a, const char *reason, const char **field)
{
    domain d = domain_make(NULL, NULL, NULL, a, 7, 1000000);
    post_row p = {.id = 1, .thread_id = 1, .author_id = 8};
    int rc = moderate_hide(&d, "pv-2019-10", 1, "A thread", &p, reason);
    *field = d.field;
    CHECK(d.message != NULL);
    return rc;
}

/* Bad reasons, titles and bodies are refused before the database is touched. */
static void test_input(void)
{
    arena *a = arena_new(0);
    const char *field;
    char long_reason[502];
    memset(long_reason, 'r', 501);
    long_reason[501] = '\0';
    static const char *const bad[] = {NULL, "", "  \n\t ", "bell\a", "del\x7f", "bad \xff utf-8", "cut \xe2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(hide(a, bad[i], &field) == DOM_INVALID);
        CHECK(field && !strcmp(field, "reason"));
    }
    CHECK(hide(a, long_reason, &field) == DOM_INVALID);
    /* 500 two-byte letters are within the cap: it counts characters */
    char accents[500 * 2 + 1];
    for (int i = 0; i < 500; i++)
        memcpy(accents + 2 * i, "\xc3\xa9", 2);
    accents[1000] = '\0';
    domain d = domain_make(NULL, NULL, NULL, a, 7, 1000000);
    thread_row t = {.id = 1, .offering_id = 1, .prompt_id = 5};
    CHECK(moderate_move(&d, &t, 5, accents) == DOM_INVALID);
    CHECK(d.field && !strcmp(d.field, "space"));   /* the reason passed; the space is where it is */
    d = domain_make(NULL, NULL, NULL, a, 7, 1000000);
    CHECK(moderate_move(&d, &t, 6, long_reason) == DOM_INVALID);
    CHECK(d.field && !strcmp(d.field, "reason"));
    /* wrap-ups: a title on one line, a body */
    static const char *const bad_titles[] = {NULL, "", "two\nlines", "bad \xff"};
    for (size_t i = 0; i < sizeof bad_titles / sizeof *bad_titles; i++) {
        int64_t id = 0;
        d = domain_make(NULL, NULL, NULL, a, 7, 1000000);
        CHECK(moderate_wrapup(&d, 1, bad_titles[i], "Body", &id) == DOM_INVALID);
        CHECK(d.field && !strcmp(d.field, "title") && id == 0);
    }
    static const char *const bad_bodies[] = {NULL, "", " \n ", "cut \xf0\x9f\x98"};
    for (size_t i = 0; i < sizeof bad_bodies / sizeof *bad_bodies; i++) {
        int64_t id = 0;
        d = domain_make(NULL, NULL, NULL, a, 7, 1000000);
        CHECK(moderate_wrapup(&d, 1, "Wrap-up", bad_bodies[i], &id) == DOM_INVALID);
        CHECK(d.field && !strcmp(d.field, "body"));
    }
    CHECK_STR(moderate_action_label("hide"), "Hid a post");
    CHECK_STR(moderate_action_label("wrapup"), "Posted the wrap-up");
    CHECK_STR(moderate_action_label("drop tables"), "");
    CHECK_STR(moderate_action_label(NULL), "");
    CHECK_STR(moderate_action_text(a, "hide", "Ada Lovelace"), "Hid Ada Lovelace's post");
    CHECK_STR(moderate_action_text(a, "exemplary", "Ada"), "Marked Ada's post exemplary");
    CHECK_STR(moderate_action_text(a, "wrapup", "Cora Coach"), "Posted the wrap-up");
    CHECK_STR(moderate_action_text(a, "hide", NULL), "Hid a post");
    CHECK_STR(moderate_action_text(a, "%s%s%n", "x"), "");
    arena_free(a);
}

/* The first column of the first row of q as an integer (-1 when none). */
static int64_t q_int(db *d, const char *q)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db_handle(d), q, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The progress handler that makes every statement fail (SQLITE_INTERRUPT). */
static int interrupt(void *unused)
{
    (void)unused;
    return 1;
}

/* Each change once, with its log line, on a database of our own. */
static void test_changes(void)
{
    char dir[] = "/tmp/journeys-moderate-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    buf err = BUF_INIT;
    db *d = db_open(path, &err);
    CHECK(d != NULL && db_migrate(d, &err) == 0);
    if (!d) {
        buf_free(&err);
        return;
    }
    /* two people and a thread with a post by each; the offering's own rows are not needed here */
    CHECK(db_exec(d, "PRAGMA foreign_keys=OFF;"
                     "INSERT INTO users(id, email, name, password_hash, role, created_at) VALUES"
                     " (7, 'coach@example.org', 'Cora Coach', 'x', 'coach', 1),"
                     " (8, 'ada@example.org', 'Ada Lovelace', 'x', 'participant', 1);"
                     "INSERT INTO threads(id, offering_id, author_id, title, created_at, last_post_at, last_post_id, posts)"
                     " VALUES (1, 1, 8, 'A thread', 1, 1, 2, 2);"
                     "INSERT INTO posts(id, thread_id, author_id, body_md, body_html, created_at) VALUES"
                     " (1, 1, 8, 'first', '<p>first</p>', 1), (2, 1, 7, 'second', '<p>second</p>', 1);", &err) == 0);
    buf_free(&err);
    arena *a = arena_new(0);
    domain dm = domain_make(d, NULL, NULL, a, 7, 5000);
    thread_row t;
    CHECK(store_thread_get(d, a, 1, 7, &t) == 1);
    CHECK(t.wrapup == 0);
    int64_t v0 = q_int(d, "SELECT version FROM threads WHERE id = 1");

    CHECK(moderate_flag(&dm, &t, MOD_PINNED, 1) == DOM_OK);
    CHECK(moderate_flag(&dm, &t, MOD_PINNED, 1) == DOM_CONFLICT);
    CHECK(dm.message && strstr(dm.message, "pinned already"));
    CHECK(moderate_flag(&dm, &t, MOD_LOCKED, 1) == DOM_OK);
    CHECK(q_int(d, "SELECT pinned + locked FROM threads WHERE id = 1") == 2);
    CHECK(q_int(d, "SELECT version FROM threads WHERE id = 1") == v0 + 2);
    CHECK(q_int(d, "SELECT count(*) FROM moderation_log WHERE action = 'pin' AND actor_id = 7 AND created_at = 5000") == 1);
    CHECK(q_int(d, "SELECT count(*) FROM moderation_log") == 2);

    post_row p1, p2;
    int64_t off;
    CHECK(store_post_get(d, a, 1, &p1, &off) == 1 && store_post_get(d, a, 2, &p2, &off) == 1);
    CHECK(p1.exemplary == 0 && p1.hidden_reason == NULL);
    CHECK(moderate_exemplary(&dm, 1, &p1, 1) == DOM_OK);
    CHECK(moderate_exemplary(&dm, 1, &p1, 1) == DOM_CONFLICT);
    CHECK(store_post_get(d, a, 1, &p1, &off) == 1 && p1.exemplary == 1);
    /* hiding takes the exemplary mark off, and tells the author */
    CHECK(moderate_hide(&dm, "pv-2019-10", 1, "A thread", &p1, "  Names a student.  ") == DOM_OK);
    CHECK(store_post_get(d, a, 1, &p1, &off) == 1);
    CHECK(p1.hidden_at == 5000 && p1.exemplary == 0);
    CHECK_STR(p1.hidden_reason, "Names a student.");
    CHECK(q_int(d, "SELECT count(*) FROM notifications WHERE user_id = 8 AND kind = 'moderation' AND actor_id = 7"
                   " AND link = '/learn/pv-2019-10/threads/1?post=1#post-1'") == 1);
    CHECK(moderate_hide(&dm, "pv-2019-10", 1, "A thread", &p1, "again") == DOM_CONFLICT);
    CHECK(moderate_exemplary(&dm, 1, &p1, 1) == DOM_CONFLICT);
    /* a coach hiding their own post tells nobody */
    CHECK(moderate_hide(&dm, "pv-2019-10", 1, "A thread", &p2, "Mine, posted in error.") == DOM_OK);
    CHECK(q_int(d, "SELECT count(*) FROM notifications") == 1);
    CHECK(moderate_unhide(&dm, 1, &p2) == DOM_OK);
    CHECK(moderate_unhide(&dm, 1, &p2) == DOM_CONFLICT);
    CHECK(q_int(d, "SELECT hidden_at IS NULL AND hidden_by IS NULL AND hidden_reason IS NULL FROM posts WHERE id = 2") == 1);

    /* moved to a space, then a second move from the old space finds it gone */
    CHECK(moderate_move(&dm, &t, 9, "") == DOM_OK);
    CHECK(q_int(d, "SELECT prompt_id FROM threads WHERE id = 1") == 9);
    CHECK(moderate_move(&dm, &t, 10, NULL) == DOM_CONFLICT);
    CHECK(q_int(d, "SELECT reason IS NULL FROM moderation_log WHERE action = 'move'") == 1);

    /* wrap-ups: the newest pinned, the one before unpinned */
    int64_t w1 = 0, w2 = 0;
    CHECK(moderate_wrapup(&dm, 1, "Day one", "We began *well*.", &w1) == DOM_OK);
    CHECK(moderate_wrapup(&dm, 1, "Day two", "And went on.", &w2) == DOM_OK);
    CHECK(w1 > 0 && w2 > w1);
    CHECK(q_int(d, "SELECT count(*) FROM threads WHERE kind = 'wrapup' AND pinned = 1") == 1);
    CHECK(store_thread_get(d, a, w2, 7, &t) == 1 && t.wrapup == 1 && t.pinned == 1 && t.posts == 1);
    CHECK(q_int(d, "SELECT count(*) FROM thread_follows WHERE user_id = 7 AND mode = 'follow'") == 2);
    CHECK(q_int(d, "SELECT body_html LIKE '%<em>well</em>%' FROM posts WHERE thread_id = 1 + 1") == 1);

    /* the log, newest first, with names and the thread's space */
    modlog_row *rows;
    int n;
    CHECK(store_modlog(d, a, 1, 100, 0, &rows, &n) == 0);
    CHECK(n == store_modlog_count(d, 1) && n == 9);   /* pin, lock, exemplary, two hides, unhide, move, two wrap-ups */
    CHECK(n > 0 && !strcmp(rows[0].action, "wrapup") && rows[0].post_id > 0);
    CHECK(n > 0 && !strcmp(rows[0].actor_name, "Cora Coach"));
    CHECK(store_modlog(d, a, 1, 5, 5, &rows, &n) == 0 && n == 4 && !strcmp(rows[3].action, "pin"));
    CHECK(store_modlog(d, a, 2, 100, 0, &rows, &n) == 0 && n == 0);

    /* every store call fails, and says so, when its statements do */
    int64_t lines = q_int(d, "SELECT count(*) FROM moderation_log");
    sqlite3_progress_handler(db_handle(d), 1, interrupt, NULL);
    int64_t id;
    CHECK(store_modlog(d, a, 1, 10, 0, &rows, &n) == -1);
    CHECK(store_modlog_count(d, 1) == -1);
    CHECK(store_modlog_offering(d, "x", &id) == -1);
    CHECK(store_thread_flag(d, 1, MOD_PINNED, 0) == -1);
    CHECK(store_post_hide(d, 1, 7, "x", 1) == -1);
    dm.message = NULL;
    CHECK(store_thread_get(d, a, 1, 7, &t) == -1);
    t.id = 1;
    t.offering_id = 1;
    CHECK(moderate_flag(&dm, &t, MOD_PINNED, 0) == DOM_UNAVAILABLE);
    CHECK(dm.message != NULL);
    sqlite3_progress_handler(db_handle(d), 0, NULL, NULL);
    db_trouble_clear();
    CHECK(q_int(d, "SELECT count(*) FROM moderation_log") == lines);
    CHECK(db_check_idle(d) == 0);
    arena_free(a);
    db_close(d);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    test_input();
    test_changes();
    return check_done();
}
