/*
** test_keepalive.c: nginx keeps its FastCGI connections to the workers open
** (fastcgi_keep_conn, an upstream keepalive pool), and workers still come
** and go: each spends a small request budget and is replaced, and a reload
** retires them all, while clients keep sending GETs and POSTs. Every request
** gets the worker's own answer: none is cut off or answered 502 by nginx
** because a worker closed a kept connection as nginx sent on it.
*/
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "harness.h"

enum { CLIENTS = 12, EACH = 150, BUDGET = 40 };

static stack s;

struct client {
    int id;
    int done;
    int bad;       /* answers other than the worker's own */
    long last_bad; /* status of the last of them */
};

/* Send EACH requests in turn: a bare answer, a page that sends the
** visitor to sign in, and a form posted without its token. */
static void *client(void *arg)
{
    struct client *c = arg;
    static const char *const form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    for (int i = 0; i < EACH; i++) {
        http_res r;
        int kind = (i + c->id) % 3;
        int rc = kind == 0   ? http_do(&s, "GET", "/healthz", NULL, NULL, &r)
                 : kind == 1 ? http_do(&s, "GET", "/my", NULL, NULL, &r)
                             : http_do(&s, "POST", "/signin", "email=a%40b.c&password=x", form, &r);
        long want = kind == 0 ? 200 : kind == 1 ? 303 : 403;
        if (rc != 0 || r.status != want) {
            c->bad++;
            c->last_bad = rc != 0 ? -1 : r.status;
        }
        if (rc == 0)
            http_res_free(&r);
        __atomic_add_fetch(&c->done, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

/* Poll condition: the clients have sent at least half their requests. */
static int half_done(void *arg)
{
    struct client *cs = arg;
    int n = 0;
    for (int i = 0; i < CLIENTS; i++)
        n += __atomic_load_n(&cs[i].done, __ATOMIC_SEQ_CST);
    return n >= CLIENTS * EACH / 2;
}

int main(void)
{
    static char budget[64];
    snprintf(budget, sizeof budget, "JOURNEYS_SERVER_MAX_REQUESTS=%d", BUDGET);
    const char *env[] = {budget, "JOURNEYS_SERVER_WORKERS=2", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return check_done();
    }
    pid_t before[64];
    int n_before = stack_children(stack_manager(&s), before, 64);

    static struct client cs[CLIENTS];
    pthread_t t[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        cs[i].id = i;
        pthread_create(&t[i], NULL, client, &cs[i]);
    }
    /* Half-way, a reload retires every worker at once. */
    CHECK(harness_wait(half_done, cs, 120000));
    CHECK(kill(stack_manager(&s), SIGHUP) == 0);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(t[i], NULL);

    int bad = 0;
    for (int i = 0; i < CLIENTS; i++) {
        if (cs[i].bad)
            fprintf(stderr, "client %d: %d of %d requests not answered by a worker (last: %ld)\n", i, cs[i].bad,
                    EACH, cs[i].last_bad);
        bad += cs[i].bad;
    }
    CHECK(bad == 0);

    /* The budget was spent many times over: the workers were replaced. */
    pid_t after[64];
    int n_after = stack_children(stack_manager(&s), after, 64);
    int same = 0;
    for (int i = 0; i < n_after; i++)
        for (int j = 0; j < n_before; j++)
            same += after[i] == before[j];
    CHECK(n_before > 0 && n_after > 0);
    CHECK(same < n_after);

    http_res r;
    CHECK(http_do(&s, "GET", "/healthz", NULL, NULL, &r) == 0 && r.status == 200);
    http_res_free(&r);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
