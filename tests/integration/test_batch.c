/*
** test_batch.c: the write pool's group commit (server/serve.c, db.h's
** batch) through real nginx, on the bench fixtures. SHOTS workspace writes
** are sent at once by eight participants, most of them replies to
** bench-cohort's thread of 500, mixed with requests refused at each step
** of a reply: a reply to a locked thread (its post is written, then the
** thread refuses it, so its savepoint must undo the post), a quote from
** another thread (refused inside the transaction), a forged CSRF token
** (refused before it). Every reply is answered 303 to its own post, and
** that post is on the page the answer leads to; every refused one gets its
** own status and leaves no post; the thread counts exactly the replies
** accepted. Then the write pool's worker is retired (SIGHUP) and its
** closing line must show that the writes shared commits: fewer commits
** than requests, and more than one request in some commit.
*/
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "db.h"
#include "harness.h"
#include "testkit.h"

#define PASSWORD "batch-password-1"
enum { PEOPLE = 8, SHOTS = 96 };

static stack s;
static db *site;

/* What a shot does, and what it must get. */
enum what { REPLY, LOCKED, FOREIGN_QUOTE, FORGED };

struct shot {
    browser b;
    enum what what;
    char path[160];
    char form[400];
    char marker[64];
    long status;
    char *location;
};

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int started, released;

/* Post one shot's form once every shot is ready, so they reach the write
** pool together. */
static void *fire(void *arg)
{
    struct shot *x = arg;
    pthread_mutex_lock(&gate);
    started++;
    while (!released)
        pthread_cond_wait(&go, &gate);
    pthread_mutex_unlock(&gate);
    http_res r;
    if (browser_post(&x->b, x->path, x->form, &r) == 0) {
        x->status = r.status;
        x->location = http_res_location(&r);
    }
    http_res_free(&r);
    return NULL;
}

static int all_started(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&gate);
    int n = started;
    pthread_mutex_unlock(&gate);
    return n == SHOTS;
}

/* 1 once the stack's log holds the write pool's closing line; its numbers
** go into the int[3] at arg (requests, commits, largest). */
static int pool_line(void *arg)
{
    int *v = arg;
    FILE *f = fopen(stack_path(&s, "stack.log"), "r");
    if (!f)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "write pool: ");
        found = p && sscanf(p, "write pool: %d requests in %d commits, at most %d in one", &v[0], &v[1], &v[2]) == 3;
    }
    fclose(f);
    return found;
}

static void test_burst(void)
{
    int64_t thread = tk_sql_int(site, "SELECT t.id FROM threads t JOIN offerings o ON o.id = t.offering_id"
                                      " WHERE o.code = 'bench-cohort' ORDER BY t.posts DESC, t.id LIMIT 1");
    int64_t other = tk_sql_int(site, tk_fmt("SELECT t.id FROM threads t JOIN offerings o ON o.id = t.offering_id"
                                            " WHERE o.code = 'bench-cohort' AND t.id <> %lld ORDER BY t.id LIMIT 1",
                                            (long long)thread));
    CHECK(thread > 0 && other > 0);
    /* a thread locked by its coach, and a post of the other thread to quote */
    CHECK(tk_sql(site, tk_fmt("UPDATE threads SET locked = 1 WHERE id = %lld", (long long)other)) == 0);
    int64_t foreign = tk_sql_int(site, tk_fmt("SELECT min(id) FROM posts WHERE thread_id = %lld", (long long)other));
    CHECK(foreign > 0);
    int64_t posts_before = tk_sql_int(site, "SELECT count(*) FROM posts");
    int64_t thread_before = tk_sql_int(site, tk_fmt("SELECT posts FROM threads WHERE id = %lld", (long long)thread));

    /* eight participants, each signed in once; every shot rides on one's
    ** session with its CSRF token */
    browser people[PEOPLE];
    char *cookie[PEOPLE], *token[PEOPLE];
    for (int i = 0; i < PEOPLE; i++) {
        browser_open(&people[i], &s);
        CHECK(tk_sign_in(&people[i], tk_fmt("cohort-%03d%%40bench.example", i + 1), PASSWORD) == 303);
        cookie[i] = browser_cookie(&people[i], "journeys_session");
        http_res r;
        CHECK(browser_get(&people[i], tk_fmt("/learn/bench-cohort/threads/%lld", (long long)thread), &r) == 0 &&
              r.status == 200);
        token[i] = browser_csrf(&r);
        http_res_free(&r);
        CHECK(cookie[i] && token[i]);
    }

    static struct shot shots[SHOTS];
    for (int i = 0; i < SHOTS; i++) {
        struct shot *x = &shots[i];
        int who = i % PEOPLE;
        x->what = i % 8 == 3 ? LOCKED : i % 8 == 5 ? FOREIGN_QUOTE : i % 8 == 7 ? FORGED : REPLY;
        snprintf(x->marker, sizeof x->marker, "Batched write %d of the burst", i);
        snprintf(x->path, sizeof x->path, "/learn/bench-cohort/threads/%lld/reply",
                 (long long)(x->what == LOCKED ? other : thread));
        buf body = BUF_INIT;
        tk_urlenc(&body, x->marker);
        snprintf(x->form, sizeof x->form, "csrf=%s&quote_id=%s&body=%s",
                 x->what == FORGED ? "forged-token" : token[who],
                 x->what == FOREIGN_QUOTE ? tk_fmt("%lld", (long long)foreign) : "", buf_str(&body));
        buf_free(&body);
        browser_open(&x->b, &s);
        browser_set_cookie(&x->b, "journeys_session", cookie[who]);
    }
    pthread_t t[SHOTS];
    for (int i = 0; i < SHOTS; i++)
        pthread_create(&t[i], NULL, fire, &shots[i]);
    CHECK(harness_wait(all_started, NULL, 10000));
    pthread_mutex_lock(&gate);
    released = 1;
    pthread_cond_broadcast(&go);
    pthread_mutex_unlock(&gate);
    for (int i = 0; i < SHOTS; i++)
        pthread_join(t[i], NULL);

    int replies = 0;
    for (int i = 0; i < SHOTS; i++) {
        struct shot *x = &shots[i];
        int64_t id = tk_sql_int(site, tk_fmt("SELECT id FROM posts WHERE body_md = '%s'", x->marker));
        long want = x->what == REPLY ? 303 : x->what == LOCKED ? 409 : x->what == FOREIGN_QUOTE ? 422 : 403;
        if (x->status != want)
            fprintf(stderr, "shot %d (kind %d): status %ld, expected %ld\n", i, (int)x->what, x->status, want);
        CHECK(x->status == want);
        if (x->what != REPLY) {
            CHECK(id == -1);   /* refused: nothing of it was kept */
            continue;
        }
        replies++;
        CHECK(id > 0);
        /* the answer leads to its own post, on a page that shows it */
        CHECK(x->location && strstr(x->location, tk_fmt("#post-%lld", (long long)id)));
        if (x->location && id > 0) {
            const char *path = strstr(x->location, "/learn/");
            char *page = path ? tk_get(&x->b, path, &x->status) : NULL;
            CHECK(page && strstr(page, x->marker) && strstr(page, tk_fmt("id=\"post-%lld\"", (long long)id)));
            free(page);
        }
    }
    CHECK(replies == SHOTS - 3 * SHOTS / 8);
    CHECK(tk_sql_int(site, "SELECT count(*) FROM posts") == posts_before + replies);
    CHECK(tk_sql_int(site, tk_fmt("SELECT posts FROM threads WHERE id = %lld", (long long)thread)) ==
          thread_before + replies);
    CHECK(tk_sql_int(site, "SELECT count(*) FROM posts WHERE body_md LIKE 'Batched write %'") == replies);

    for (int i = 0; i < SHOTS; i++) {
        browser_close(&shots[i].b);
        free(shots[i].location);
    }
    for (int i = 0; i < PEOPLE; i++) {
        browser_close(&people[i]);
        free(cookie[i]);
        free(token[i]);
    }

    /* Retire the pools (a reload): the write pool's worker says how its
    ** requests went into commits on its way out. */
    pid_t mgr = stack_manager(&s);
    CHECK(mgr > 0 && kill(mgr, SIGHUP) == 0);
    int v[3] = {0, 0, 0};
    CHECK(harness_wait(pool_line, v, 20000));
    fprintf(stderr, "write pool: %d requests in %d commits, at most %d in one\n", v[0], v[1], v[2]);
    CHECK(v[0] >= SHOTS);
    CHECK(v[1] < v[0]);
    CHECK(v[2] > 1);
}

int main(void)
{
    if (tk_bench_stack(&s, PASSWORD, &site) != 0) {
        CHECK(!"the stack starts with the bench fixtures");
        return check_done();
    }
    test_burst();
    db_close(site);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
