/*
** test_notices.c: the workspace navigation's unread-notification badge
** (page_ws with one store call, rendered through partials/workspace_nav),
** and marking notifications read: once, idempotent, never someone else's;
** the e-mail choices refused unless one of the three.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "app.h"
#include "arena.h"
#include "check.h"
#include "db.h"
#include "log.h"
#include "notices.h"
#include "pages.h"
#include "store_accounts.h"
#include "store_notices.h"

/* Run sql on ap's database; 0 or -1. */
static int exec(app *ap, const char *sql)
{
    buf err = BUF_INIT;
    int rc = db_exec(ap->db, sql, &err);
    if (rc != 0)
        fprintf(stderr, "%s\n", buf_str(&err));
    buf_free(&err);
    return rc;
}

int main(void)
{
    log_quiet(1);
    char dir[] = "/tmp/journeys-notices-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    setenv("JOURNEYS_PATHS_DATABASE", path, 1);
    config cfg;
    buf err = BUF_INIT;
    CHECK(config_load(&cfg, NULL, &err) == 0);
    app ap;
    CHECK(app_load(&ap, &cfg, &err) == 0);
    CHECK(app_open_db(&ap, &err) == 0);
    CHECK(db_migrate(ap.db, &err) == 0);
    time_t now = time(NULL);
    int64_t ada = store_user_create(ap.db, "ada@example.org", "Ada", "x", "participant", 0, NULL, NULL, "UTC", now);
    int64_t bob = store_user_create(ap.db, "bob@example.org", "Bob", "x", "participant", 0, NULL, NULL, "UTC", now);
    CHECK(ada > 0 && bob > 0);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO notifications(user_id, kind, title, link, created_at, read_at) VALUES"
             " (%lld, 'reply', 'one', '/my', 1, NULL), (%lld, 'reply', 'two', '/my', 2, NULL),"
             " (%lld, 'follow', 'three', '/my', 3, NULL), (%lld, 'reply', 'old', '/my', 4, 5),"
             " (%lld, 'reply', 'not ada''s', '/my', 6, NULL)",
             (long long)ada, (long long)ada, (long long)ada, (long long)ada, (long long)bob);
    CHECK(exec(&ap, sql) == 0);
    CHECK(store_notice_unread(ap.db, ada) == 3);

    /* page_ws carries the count; the navigation shows it as a badge. */
    arena *a = arena_new(0);
    request rq;
    memset(&rq, 0, sizeof rq);
    rq.a = a;
    rq.owner = &ap;
    session ses;
    memset(&ses, 0, sizeof ses);
    ses.u.id = ada;
    rq.session = &ses;
    seat st;
    memset(&st, 0, sizeof st);
    st.row.code = "pv-test";
    st.row.course_title = "Purpose and Vision";
    st.row.starts = "2030-03-04";
    st.row.ends = "2030-03-08";
    st.role = SEAT_PARTICIPANT;
    rq.seat = &st;
    json_t *ws = page_ws(&rq, "today");
    CHECK(json_integer_value(json_object_get(ws, "notices")) == 3);
    json_t *ctx = json_pack("{s:O}", "ws", ws);
    buf html = BUF_INIT;
    CHECK(tmpl_render(ap.tmpl, "partials/workspace_nav", ctx, &html) == 0);
    CHECK_CONTAINS(buf_str(&html), "href=\"/notifications\"");
    CHECK_CONTAINS(buf_str(&html), "<span class=\"badge\">3<span class=\"visually-hidden\"> new</span></span>");
    json_decref(ctx);
    json_decref(ws);

    /* Marking read: once, then idempotent; Bob's is not Ada's to mark. */
    domain d = domain_make(ap.db, &cfg, ap.tmpl, a, ada, now);
    int64_t first = 0;
    notice_row *rows;
    int n;
    CHECK(store_notice_list(ap.db, a, ada, 0, 10, &rows, &n) == 0 && n == 4);
    CHECK(!strcmp(rows[0].title, "old") && !strcmp(rows[3].title, "one")); /* newest first */
    first = rows[3].id;
    int changed = -1;
    CHECK(notices_read(&d, ada, first, &changed) == DOM_OK && changed == 1);
    CHECK(notices_read(&d, ada, first, &changed) == DOM_OK && changed == 0);
    /* Two processes race to mark the same one read: exactly one changes it. */
    int64_t second = rows[2].id;
    int winners = 0;
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            buf e = BUF_INIT;
            db *mine = db_open(path, &e);
            arena *ka = arena_new(0);
            domain kd = domain_make(mine, &cfg, NULL, ka, ada, now);
            int ch = -1;
            int rc = mine ? notices_read(&kd, ada, second, &ch) : -1;
            _exit(rc == DOM_OK ? (ch == 1 ? 1 : 0) : 2);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;
        waitpid(kids[k], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
        winners += WIFEXITED(status) && WEXITSTATUS(status) == 1;
    }
    CHECK(winners == 1);
    int64_t bobs = 0;
    CHECK(store_notice_list(ap.db, a, bob, 0, 10, &rows, &n) == 0 && n == 1);
    bobs = rows[0].id;
    CHECK(notices_read(&d, ada, bobs, &changed) == DOM_NOT_FOUND);
    CHECK(notices_read(&d, ada, 999999, &changed) == DOM_NOT_FOUND);
    CHECK(store_notice_unread(ap.db, bob) == 1);
    CHECK(store_notice_unread(ap.db, ada) == 1);
    json_t *ws2 = page_ws(&rq, NULL);
    CHECK(json_integer_value(json_object_get(ws2, "notices")) == 1);
    json_decref(ws2);
    /* Mark all up to what was seen; Bob's untouched. */
    int count = -1;
    CHECK(notices_read_all(&d, ada, bobs, &count) == DOM_OK && count == 1);
    CHECK(store_notice_unread(ap.db, ada) == 0 && store_notice_unread(ap.db, bob) == 1);
    CHECK(notices_read_all(&d, ada, 0, &count) == DOM_INVALID);
    json_t *ws3 = page_ws(&rq, NULL);
    CHECK(json_integer_value(json_object_get(ws3, "notices")) == 0);
    json_decref(ws3);

    /* E-mail choices: three words only. */
    const char *bad[] = {"weekly", "", "INSTANT", "instant ", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(notices_set_prefs(&d, ada, bad[i], 0) == DOM_INVALID);
    notice_prefs p;
    CHECK(store_notice_prefs(ap.db, ada, &p) == 1 && !strcmp(p.notify_mail, "instant") && p.morning_mail == 0);
    CHECK(notices_set_prefs(&d, ada, "digest", 1) == DOM_OK);
    CHECK(store_notice_prefs(ap.db, ada, &p) == 1 && !strcmp(p.notify_mail, "digest") && p.morning_mail == 1);
    CHECK(notices_set_prefs(&d, 999999, "off", 0) == DOM_NOT_FOUND);
    CHECK(db_check_idle(ap.db) == 0);

    arena_free(a);
    app_free(&ap);
    config_free(&cfg);
    buf_free(&html);
    buf_free(&err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
