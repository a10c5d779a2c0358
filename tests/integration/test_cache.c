/*
** test_cache.c: the pages each worker keeps, through real nginx and two
** workers: a page seen by one person is never served to another (their
** name, CSRF token and registrations stay theirs), and a publish, a
** registration that takes a seat, a change to an offering written by
** another connection all show on the next request in every worker, and a
** lapsed seat hold shows without any write; the calendar feeds too.
**
** Which worker answers is the kernel's choice, so each check sends several
** requests in a row and checks every answer.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "db.h"
#include "harness.h"
#include "standin.h"

#define SECRET "whsec_cache_test"
#define ROUNDS 12   /* requests per check: enough to reach both workers */

static stack s;
static standin pay;

/* GET path as b, ROUNDS times; every answer must be 200 and contain each of
** want (NULL-terminated) and none of refuse (NULL-terminated). Returns the
** number of answers that failed. */
static int every_answer(browser *b, const char *path, const char *const *want, const char *const *refuse)
{
    int bad = 0;
    for (int i = 0; i < ROUNDS; i++) {
        http_res r;
        int ok = browser_get(b, path, &r) == 0 && r.status == 200;
        const char *body = buf_str(&r.body);
        for (const char *const *w = want; ok && w && *w; w++)
            if (!strstr(body, *w)) {
                fprintf(stderr, "GET %s (answer %d): missing \"%s\"\n", path, i + 1, *w);
                ok = 0;
            }
        for (const char *const *x = refuse; ok && x && *x; x++)
            if (strstr(body, *x)) {
                fprintf(stderr, "GET %s (answer %d): holds \"%s\"\n", path, i + 1, *x);
                ok = 0;
            }
        bad += !ok;
        http_res_free(&r);
    }
    return bad;
}

/* The CSRF token on b's page at path (malloc'd). */
static char *csrf_of(browser *b, const char *path)
{
    http_res r;
    browser_get(b, path, &r);
    char *t = browser_csrf(&r);
    http_res_free(&r);
    return t;
}

/* The "N of M seats left" label on b's offering page (malloc'd, "" if none). */
static char *seats_label(browser *b, const char *code)
{
    char path[128];
    snprintf(path, sizeof path, "/offerings/%s", code);
    http_res r;
    browser_get(b, path, &r);
    const char *p = strstr(buf_str(&r.body), " seats left");
    char *out = strdup("");
    if (p) {
        const char *q = p;
        while (q > buf_str(&r.body) && q[-1] != '>')
            q--;
        free(out);
        out = strndup(q, (size_t)(p - q) + strlen(" seats left"));
    }
    http_res_free(&r);
    return out;
}

static const char *const pages[] = {"/", "/courses", "/courses/purpose-and-vision", "/calendar",
                                    "/offerings/demo-pv", NULL};

/* Ann's pages carry her name and token; Bob, asking for the same pages
** from the same workers right after, gets his own and never hers; an
** anonymous visitor gets neither. Registrations stay on their owner's
** "My courses". */
static void test_people_apart(browser *ann, browser *bob)
{
    char *ann_csrf = csrf_of(ann, "/");
    char *bob_csrf = csrf_of(bob, "/");
    CHECK(strlen(ann_csrf) > 20 && strlen(bob_csrf) > 20 && strcmp(ann_csrf, bob_csrf));
    for (const char *const *p = pages; *p; p++) {
        const char *ann_want[] = {"Ann Cachetest", ann_csrf, NULL};
        const char *ann_refuse[] = {"Bob Cachetest", bob_csrf, NULL};
        const char *bob_want[] = {"Bob Cachetest", bob_csrf, NULL};
        const char *bob_refuse[] = {"Ann Cachetest", ann_csrf, NULL};
        CHECK(every_answer(ann, *p, ann_want, ann_refuse) == 0);
        CHECK(every_answer(bob, *p, bob_want, bob_refuse) == 0);
        CHECK(every_answer(ann, *p, ann_want, ann_refuse) == 0);
        browser anon;
        browser_open(&anon, &s);
        const char *anon_refuse[] = {"Ann Cachetest", "Bob Cachetest", ann_csrf, bob_csrf, "Signed in as", NULL};
        CHECK(every_answer(&anon, *p, NULL, anon_refuse) == 0);
        browser_close(&anon);
    }
    free(ann_csrf);
    free(bob_csrf);
}

/* A publish of a changed course text shows on the next request, in every
** worker, on every page that shows it; the old text is gone. */
static void test_publish_shows(browser *bob)
{
    const char *old_tagline[] = {"Define a compelling reason to innovate", NULL};
    /* Every worker has the old text kept. */
    CHECK(every_answer(bob, "/courses/purpose-and-vision", old_tagline, NULL) == 0);
    CHECK(every_answer(bob, "/courses", old_tagline, NULL) == 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sed -i 's/^tagline: .*/tagline: Find the reason your school moves at all/' '%s'",
             stack_path(&s, "courses/01-purpose-and-vision/course.md"));
    CHECK(system(cmd) == 0);
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &out) == 0);
    buf_free(&out);
    const char *new_tagline[] = {"Find the reason your school moves at all", NULL};
    CHECK(every_answer(bob, "/courses/purpose-and-vision", new_tagline, old_tagline) == 0);
    CHECK(every_answer(bob, "/courses", new_tagline, old_tagline) == 0);
    CHECK(every_answer(bob, "/", new_tagline, old_tagline) == 0);
}

/* A registration that holds a seat changes "seats left" on the next request
** in every worker, on every page that shows it. */
static void test_seats_show(browser *ann, browser *bob)
{
    char *before = seats_label(bob, "demo-pv");
    CHECK_CONTAINS(before, " seats left");
    int left = atoi(before), capacity = 0;
    const char *of = strstr(before, " of ");
    if (of)
        capacity = atoi(of + 4);
    CHECK(left > 1 && capacity >= left);
    const char *old_label[] = {before, NULL};
    CHECK(every_answer(bob, "/offerings/demo-pv", old_label, NULL) == 0);
    CHECK(every_answer(bob, "/calendar", old_label, NULL) == 0);

    http_res r;
    browser_submit(ann, "/offerings/demo-pv/register", "/offerings/demo-pv/register", "method=card&code=", &r);
    CHECK(r.status == 303);
    http_res_free(&r);

    char after[64];
    snprintf(after, sizeof after, "%d of %d seats left", left - 1, capacity);
    const char *new_label[] = {after, NULL};
    CHECK(every_answer(bob, "/offerings/demo-pv", new_label, old_label) == 0);
    /* Other offerings there may have as many seats as this one had. */
    CHECK(every_answer(bob, "/calendar", new_label, NULL) == 0);
    CHECK(every_answer(bob, "/courses/purpose-and-vision", new_label, NULL) == 0);
    /* Ann's registration is on her page, not on Bob's. */
    const char *mine[] = {"Purpose and Vision", "Awaiting payment", NULL};
    CHECK(every_answer(ann, "/my", mine, NULL) == 0);
    const char *not_mine[] = {"Awaiting payment", NULL};
    CHECK(every_answer(bob, "/my", NULL, not_mine) == 0);
    free(before);
}

/* What hold_lapsed polls for: bob's offering page shows want. */
struct lapse { browser *b; const char *want; };

static int page_shows(void *arg)
{
    struct lapse *l = arg;
    char *label = seats_label(l->b, "demo-pv");
    int ok = !strcmp(label, l->want);
    free(label);
    return ok;
}

/* A seat hold that lapses gives the seat back with no write at all: each
** worker's kept page is good only until the next hold or offer lapses. */
static void test_hold_lapse(browser *bob)
{
    char *held = seats_label(bob, "demo-pv");
    int left = atoi(held), capacity = 0;
    const char *of = strstr(held, " of ");
    if (of)
        capacity = atoi(of + 4);
    CHECK(left >= 1 && capacity > left);
    buf err = BUF_INIT;
    db *d = db_open(stack_path(&s, "var/journeys.db"), &err);
    CHECK(d != NULL);
    buf_free(&err);
    if (!d) {
        free(held);
        return;
    }
    /* Ann's hold now ends in three seconds (this write is the last one). */
    sqlite3_stmt *st = db_stmt(d, "UPDATE enrolments SET hold_until = unixepoch() + 3 WHERE status = 'pending'"
                                  " AND offering_id = (SELECT id FROM offerings WHERE code = 'demo-pv')");
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    CHECK(db_changes(d) == 1);
    db_done(st);
    db_close(d);
    const char *still[] = {held, NULL};
    CHECK(every_answer(bob, "/offerings/demo-pv", still, NULL) == 0);
    char freed[64];
    snprintf(freed, sizeof freed, "%d of %d seats left", left + 1, capacity);
    struct lapse l = {bob, freed};
    CHECK(harness_wait(page_shows, &l, 15000));
    const char *want[] = {freed, NULL};
    CHECK(every_answer(bob, "/offerings/demo-pv", want, still) == 0);
    CHECK(every_answer(bob, "/calendar", want, NULL) == 0);
    free(held);
}

/* An offering changed by another connection (as a staff edit would) shows on
** the next request in every worker: the version moves with any write. */
static void test_other_writer(browser *bob)
{
    buf err = BUF_INIT;
    db *d = db_open(stack_path(&s, "var/journeys.db"), &err);
    CHECK(d != NULL);
    buf_free(&err);
    if (!d)
        return;
    const char *seen[] = {"seats left", NULL};
    CHECK(every_answer(bob, "/offerings/demo-gp", seen, NULL) == 0);
    sqlite3_stmt *st = db_stmt(d, "UPDATE offerings SET capacity = 977 WHERE code = 'demo-gp'");
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    db_done(st);
    const char *want[] = {"of 977 seats left", NULL};
    CHECK(every_answer(bob, "/offerings/demo-gp", want, NULL) == 0);
    CHECK(every_answer(bob, "/calendar", want, NULL) == 0);
    db_close(d);
}

/* The calendar feeds each worker keeps: a change to an offering written by
** another connection (its time stamp, here) shows in the next answer of
** every worker, in the calendar's feed and the offering's own. */
static void test_feeds_fresh(browser *bob)
{
    const char *feed[] = {"BEGIN:VCALENDAR", "demo-gp", NULL};
    const char *stamp[] = {"DTSTAMP:20231114T221320Z", NULL};
    CHECK(every_answer(bob, "/calendar.ics", feed, stamp) == 0);
    CHECK(every_answer(bob, "/offerings/demo-gp.ics", feed, stamp) == 0);
    buf err = BUF_INIT;
    db *d = db_open(stack_path(&s, "var/journeys.db"), &err);
    CHECK(d != NULL);
    buf_free(&err);
    if (!d)
        return;
    sqlite3_stmt *st = db_stmt(d, "UPDATE offerings SET updated_at = 1700000000 WHERE code = 'demo-gp'");
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    db_done(st);
    db_close(d);
    CHECK(every_answer(bob, "/calendar.ics", stamp, NULL) == 0);
    CHECK(every_answer(bob, "/offerings/demo-gp.ics", stamp, NULL) == 0);
    /* Another offering's feed is its own, never the one kept for demo-gp. */
    const char *other[] = {"demo-pv", NULL};
    CHECK(every_answer(bob, "/offerings/demo-pv.ics", other, stamp) == 0);
}

/* Both nginx configurations turn tcp_nopush off: with it on (as Debian's
** nginx.conf has it), an answer from the microcache larger than 64 KB kept
** its last packet back until the client's delayed ACK, 44 ms a request
** (measured by make bench; a timed check here could pass by luck or fail
** on a slow machine, so this checks the setting that caused it). */
static void test_no_nopush(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[512];
    int off = 0, on = 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = line + strspn(line, " \t");
        off += !strncmp(p, "tcp_nopush off;", 15);
        on += !strncmp(p, "tcp_nopush on;", 14);
    }
    fclose(f);
    if (off != 1 || on != 0)
        fprintf(stderr, "%s: tcp_nopush off %d times, on %d times\n", path, off, on);
    CHECK(off == 1 && on == 0);
}

int main(void)
{
    test_no_nopush("nginx/dev.conf.in");
    test_no_nopush("nginx/journeys.conf");
    int port = harness_free_port();
    char webhook[128], env_port[32];
    snprintf(webhook, sizeof webhook, "http://127.0.0.1:%d/webhooks/payments", port);
    snprintf(env_port, sizeof env_port, "%d", port);
    setenv("STACK_PORT", env_port, 1);
    if (standin_start(&pay, webhook, SECRET) != 0) {
        CHECK(!"the payment stand-in starts");
        return check_done();
    }
    static char e1[160], e2[160], e3[160];
    snprintf(e1, sizeof e1, "JOURNEYS_PAYMENTS_API_BASE=%s", standin_base(&pay));
    snprintf(e2, sizeof e2, "JOURNEYS_PAYMENTS_CHECKOUT_ORIGIN=%s", standin_base(&pay));
    snprintf(e3, sizeof e3, "JOURNEYS_PAYMENTS_WEBHOOK_SECRET=%s", SECRET);
    /* The jobs process sweeps lapsed holds (a write) only once an hour here,
    ** so a lapse has to show without one. */
    const char *env[] = {e1, e2, e3, "JOURNEYS_SERVER_WORKERS=2", "JOURNEYS_PAYMENTS_SECRET_KEY=sk_test_cache",
                         "JOURNEYS_JOBS_INTERVAL=3600", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        standin_stop(&pay);
        return check_done();
    }
    browser ann, bob;
    browser_open(&ann, &s);
    browser_open(&bob, &s);
    CHECK(browser_sign_up(&ann, "Ann+Cachetest", "ann%40example.org") == 303);
    CHECK(browser_sign_up(&bob, "Bob+Cachetest", "bob%40example.org") == 303);

    test_people_apart(&ann, &bob);
    test_seats_show(&ann, &bob);
    test_hold_lapse(&bob);
    test_publish_shows(&bob);
    test_other_writer(&bob);
    test_feeds_fresh(&bob);

    browser_close(&ann);
    browser_close(&bob);
    CHECK(stack_stop(&s) == 0);
    standin_stop(&pay);
    return check_done();
}
