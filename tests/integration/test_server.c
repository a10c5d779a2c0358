/*
** test_server.c: the process manager and publishing under a live site:
** a killed worker is replaced, SIGHUP picks up a changed template, a broken
** course file is refused while the old content keeps serving, the socket is
** not stolen from a live instance, and the checkpointer copies the
** write-ahead log into the database file with no request doing it.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "db.h"
#include "harness.h"
#include "testkit.h"

static stack s;

/* Sleep ms milliseconds. */
static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Status of GET path (0 if no answer). */
static long status_of(const char *path)
{
    http_res r;
    long st = http_do(&s, "GET", path, NULL, NULL, &r) == 0 ? r.status : 0;
    http_res_free(&r);
    return st;
}

/* SIGKILL a worker: the manager replaces it and requests keep succeeding. */
static void test_worker_killed(void)
{
    pid_t mgr = stack_manager(&s);
    CHECK(mgr > 0);
    pid_t kids[16];
    /* the site answers once one worker is up; the manager may still be
    ** forking the rest */
    int n = stack_children(mgr, kids, 16);
    for (int i = 0; i < 100 && n != 8; i++) {
        nap(50);
        n = stack_children(mgr, kids, 16);
    }
    if (n != 8)
        fprintf(stderr, "children of the manager: %d\n", n);
    /* two page workers, two of the slow pool, one of the write pool, the
    ** mailer, the sweeper, the checkpointer */
    CHECK(n == 8);
    if (n < 1)
        return;
    CHECK(kill(kids[0], SIGKILL) == 0);
    /* A request racing the kill itself may be lost with the process; what
    ** matters is that the manager replaces it and the site goes on. */
    int replaced = 0;
    for (int i = 0; i < 50 && !replaced; i++) {
        pid_t now[16];
        int m = stack_children(mgr, now, 16);
        replaced = m == 8;
        for (int k = 0; k < m; k++)
            if (now[k] == kids[0])
                replaced = 0;
        if (!replaced)
            nap(100);
    }
    int ok = 0;
    for (int i = 0; i < 20; i++) {
        long st_ = status_of("/courses");
        ok += st_ == 200;
        if (st_ != 200)
            fprintf(stderr, "after the kill: status %ld\n", st_);
    }
    CHECK(ok == 20);
    CHECK(replaced);
}

/* 1 once the stack's log contains the string needle (a char *). */
static int log_has(void *needle)
{
    FILE *f = fopen(stack_path(&s, "stack.log"), "r");
    if (!f)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* Change a template and send SIGHUP: the next pages show it. */
static void test_reload(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sed -i 's|</main>|</main><p>reloaded-marker</p>|' '%s'",
             stack_path(&s, "templates/layout.html"));
    CHECK(system(cmd) == 0);
    http_res r;
    http_do(&s, "GET", "/calendar", NULL, NULL, &r);
    CHECK(strstr(buf_str(&r.body), "reloaded-marker") == NULL);
    http_res_free(&r);
    CHECK(kill(stack_manager(&s), SIGHUP) == 0);
    int seen = 0;
    for (int i = 0; i < 50 && !seen; i++) {
        http_do(&s, "GET", "/calendar", NULL, NULL, &r);
        seen = r.status == 200 && strstr(buf_str(&r.body), "reloaded-marker") != NULL;
        http_res_free(&r);
        if (!seen)
            nap(100);
    }
    CHECK(seen);

    /* A broken template is refused on SIGHUP and the site keeps serving. */
    snprintf(cmd, sizeof cmd, "printf '{{#if x}}never closed' > '%s'", stack_path(&s, "templates/pages/home.html"));
    CHECK(system(cmd) == 0);
    kill(stack_manager(&s), SIGHUP);
    /* Wait for the reload to have happened (and been refused): its error
       names the file and line in the log. */
    CHECK(harness_wait(log_has, "pages/home.html:1:", 10000));
    int ok = 0;
    for (int i = 0; i < 10; i++)
        ok += status_of("/") == 200;
    CHECK(ok == 10);
}

/* A broken course file: publish names file and line, the site is unchanged. */
static void test_publish_refused(void)
{
    http_res before;
    http_do(&s, "GET", "/courses/alignment", NULL, NULL, &before);
    CHECK(before.status == 200);
    char cmd[1024], course_md[512];
    snprintf(course_md, sizeof course_md, "%s", stack_path(&s, "courses/04-alignment/course.md"));
    snprintf(cmd, sizeof cmd,
             "sed -i '2s/.*/title Alignment with no colon/' '%s' && "
             "sed -i 's/^kind: .*/kind: pamphlet/' '%s'",
             course_md, stack_path(&s, "courses/03-learning-model/playlist.md"));
    CHECK(system(cmd) == 0);
    buf out = BUF_INIT;
    int rc = stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &out);
    CHECK(rc == 1);
    CHECK_CONTAINS(buf_str(&out), "courses/04-alignment/course.md:2:");
    CHECK_CONTAINS(buf_str(&out), "courses/03-learning-model/playlist.md:");
    CHECK_CONTAINS(buf_str(&out), "Nothing was published");
    buf_free(&out);
    http_res after;
    http_do(&s, "GET", "/courses/alignment", NULL, NULL, &after);
    CHECK(after.status == 200);
    CHECK(after.body.len == before.body.len && !memcmp(buf_str(&after.body), buf_str(&before.body), after.body.len));
    http_res_free(&before);
    http_res_free(&after);
}

/* A second serve on the same socket refuses to start. */
static void test_socket_not_stolen(void)
{
    buf out = BUF_INIT;
    int rc = stack_run(&s, "JOURNEYS_PATHS_PIDFILE=/dev/null \"${BUILD:-build}\"/journeys serve 2>&1", &out);
    CHECK(rc == 1);
    CHECK_CONTAINS(buf_str(&out), "another journeys serve is listening");
    buf_free(&out);
    CHECK(status_of("/") == 200);
}

/* The wal-index header of the site's database (its -shm file, laid out as
** SQLite's walformat document gives it): the frames the log holds (mxFrame,
** offset 16) and how many of them are in the database file (nBackfill,
** offset 96). 0, or -1 when it cannot be read. */
static int wal_state(unsigned *frames, unsigned *backfilled)
{
    FILE *f = fopen(stack_path(&s, "var/journeys.db-shm"), "rb");
    unsigned char h[100];
    int ok = f && fread(h, 1, sizeof h, f) == sizeof h;
    if (f)
        fclose(f);
    if (!ok)
        return -1;
    memcpy(frames, h + 16, 4);
    memcpy(backfilled, h + 96, 4);
    return 0;
}

/* harness_wait: the whole log is in the database file again. */
static int log_copied(void *arg)
{
    (void)arg;
    unsigned frames, backfilled;
    return wal_state(&frames, &backfilled) == 0 && backfilled == frames;
}

/* Writes from a connection that never checkpoints itself (nor do the
** workers, the mailer and the sweeper under 20,000 pages):
** the checkpointer copies them into the database file. */
static void test_checkpointer(void)
{
    db *d = tk_site_db(&s);
    CHECK(d != NULL);
    if (!d)
        return;
    db_autocheckpoint(d, 0);
    CHECK(tk_sql(d, "CREATE TABLE IF NOT EXISTS test_ckpt(n INTEGER PRIMARY KEY, pad TEXT)") == 0);
    CHECK(tk_sql(d, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)"
                    " INSERT INTO test_ckpt(pad) SELECT randomblob(300) FROM n") == 0);
    unsigned frames = 0, backfilled = 0;
    CHECK(wal_state(&frames, &backfilled) == 0);
    CHECK(harness_wait(log_copied, NULL, 10000));
    CHECK(tk_sql(d, "DROP TABLE test_ckpt") == 0);
    db_close(d);
}

/* The child of the manager whose process name is role ("checkpointer"),
** or -1. */
static pid_t child_named(const char *role)
{
    pid_t first;
    return stack_children_named(&s, role, &first, 1) > 0 ? first : -1;
}

/* The mailer's commits never copy the log into the database file
** themselves (that is the checkpointer's work): one that did held the
** writers' gate through the copy and its fsync, 7 to 27 ms under a run of
** replies, and every writer waited. With the checkpointer stopped, the log
** is filled past SQLite's default of 1,000 pages; the mailer then settles
** a notification, and the log must still be waiting for the checkpointer. */
static void test_mailer_leaves_the_log(void)
{
    pid_t ckpt = child_named("checkpointer");
    CHECK(ckpt > 0 && child_named("mailer") > 0 && child_named("writer") > 0);
    if (ckpt <= 0)
        return;
    CHECK(harness_wait(log_copied, NULL, 10000));
    CHECK(kill(ckpt, SIGSTOP) == 0);
    db *d = tk_site_db(&s);
    CHECK(d != NULL);
    if (d) {
        db_autocheckpoint(d, 0);
        CHECK(tk_sql(d, "CREATE TABLE IF NOT EXISTS test_fill(n INTEGER PRIMARY KEY, pad BLOB)") == 0);
        CHECK(tk_sql(d, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)"
                        " INSERT INTO test_fill(pad) SELECT randomblob(3000) FROM n") == 0);
        /* by SQL: a command's own connection would checkpoint at its commit */
        CHECK(tk_sql(d, "INSERT INTO users(email, name, password_hash, created_at)"
                        " VALUES ('ckpt@example.org', 'Check Point', 'x', strftime('%s', 'now'))") == 0);
        CHECK(tk_sql(d, "INSERT INTO notifications(user_id, kind, title, link, created_at)"
                        " SELECT id, 'message', 'A message', '/notifications', strftime('%s', 'now')"
                        " FROM users WHERE email = 'ckpt@example.org'") == 0);
        unsigned frames = 0, backfilled = 0;
        CHECK(wal_state(&frames, &backfilled) == 0 && frames > 1000 && backfilled < frames);
        /* the mailer says so once it has settled it (read from its log:
        ** a reader of the database could hold back the checkpoint) */
        CHECK(harness_wait(log_has, "notifications: 1 at once", 20000));
        CHECK(wal_state(&frames, &backfilled) == 0);
        if (frames <= 1000 || backfilled >= frames)
            fprintf(stderr, "after the mailer: %u frames in the log, %u of them copied\n", frames, backfilled);
        CHECK(frames > 1000 && backfilled < frames);
        CHECK(tk_sql(d, "DROP TABLE test_fill") == 0);
        db_close(d);
    }
    CHECK(kill(ckpt, SIGCONT) == 0);
    CHECK(harness_wait(log_copied, NULL, 10000));
}

/* Left to its default ([server] workers = 0), serve starts two page
** workers per core: on two cores, one worker per core put the gallery's
** p99 at 20-34 ms under 64 connections, two per core at 16-19 ms, for
** the same CPU per request (README, Performance). */
static void test_default_workers(void)
{
    stack t;
    static const char *const env[] = {"JOURNEYS_SERVER_WORKERS=0", NULL};
    if (stack_start(&t, env) != 0) {
        CHECK(!"a stack with the default workers starts");
        stack_stop(&t);
        return;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int want = (int)(cores < 1 ? 2 : cores > 128 ? 256 : 2 * cores);
    pid_t first;
    int n = stack_children_named(&t, "worker", &first, 1);
    for (int i = 0; i < 100 && n != want; i++) {
        nap(50);
        n = stack_children_named(&t, "worker", &first, 1);
    }
    if (n != want)
        fprintf(stderr, "page workers: %d on %ld cores\n", n, cores);
    CHECK(n == want);
    CHECK(stack_stop(&t) == 0);
}

int main(void)
{
    if (stack_start(&s, NULL) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return check_done();
    }
    test_worker_killed();
    test_socket_not_stolen();
    test_publish_refused();
    test_reload();
    test_checkpointer();
    test_mailer_leaves_the_log();
    CHECK(stack_stop(&s) == 0);
    test_default_workers();
    return check_done();
}
