/*
** test_slow.c: a payment provider that hangs holds no page worker.
**
** Routes that may call the provider are marked R_SLOW in the route table and
** nginx sends them to a pool of their own ([server] slow_socket). First the
** nginx maps (the development configuration and the production one) are
** checked against the table: a sample request for every route must reach
** the slow pool exactly when the route is R_SLOW, and the write pool
** ([server] write_socket) exactly when it is R_BATCH. Then, through real nginx
** and the provider stand-in made to hang every API call, twenty checkouts
** are started at once; while they hang, ordinary pages (/healthz, /courses
** and /my signed in) must answer 200, and all of them before any checkout
** does. With one pool, the hung checkouts hold every worker and the pages
** wait behind them.
*/
#define PCRE2_CODE_UNIT_WIDTH 8
#include <curl/curl.h>
#include <pcre2.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "pages.h"
#include "standin.h"

#define SECRET "whsec_test_slow"
#define CHECKOUTS 20

static stack s;
static standin pay;

/* ---- the nginx maps against the route table ---- */

/* A sample path for a route pattern: captures become a slug or a number,
** escaped dots plain dots. NULL (and a failed check) for a pattern this
** does not know how to fill. The result is malloc'd. */
static char *sample_path(const char *pattern)
{
    static const struct { const char *from, *to; } fill[] = {
        {"([a-z0-9][a-z0-9-]{0,63})", "a-course-7"},
        {"([0-9]{1,18})", "42"},
        {"([0-9]{1,4})", "3"},
        {"\\.", "."},
        {"(follow|mute|unfollow)", "follow"},
        {"([A-Za-z0-9-]{4,32})", "SPRING-26"}, /* a waiver or discount code */
        {"(thread|post|submission|quiet|behind)", "thread"},
        {"(rosters|payments|invoices|completions)", "rosters"}, /* an export */
        {"([^/]{1,120})", "2026-2027"},                        /* a season's name */
        {"(JM-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})", "JM-1A2B-3C4D-5E6F"}, /* a certificate number */
    };
    buf b = BUF_INIT;
    for (const char *p = pattern; *p;) {
        size_t i;
        for (i = 0; i < sizeof fill / sizeof *fill; i++)
            if (!strncmp(p, fill[i].from, strlen(fill[i].from)))
                break;
        if (i < sizeof fill / sizeof *fill) {
            buf_puts(&b, fill[i].to);
            p += strlen(fill[i].from);
        } else if (strchr("()[]{}?*+|\\^$", *p)) {
            fprintf(stderr, "route %s: no sample path for this pattern; teach sample_path()\n", pattern);
            buf_free(&b);
            return NULL;
        } else {
            buf_append(&b, p++, 1);
        }
    }
    char *out = strdup(buf_str(&b));
    buf_free(&b);
    return out;
}

/* The patterns of the pool map in the nginx configuration at path that
** send to upstream pool ("journeys_slow;"), compiled into re (up to max).
** Returns how many, -1 if there is no such map. */
static int pool_map(const char *path, const char *pool, pcre2_code **re, int max)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[1024];
    int in = 0, n = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "map \"$request_method:$uri\" $journeys_pool {")) {
            in = found = 1;
            continue;
        }
        if (!in)
            continue;
        const char *t = line + strspn(line, " \t");
        if (*t == '}')
            break;
        const char *open = strstr(t, "\"~"), *close = open ? strchr(open + 2, '"') : NULL;
        if (!open || !close || !strstr(close, pool))
            continue;
        int err;
        PCRE2_SIZE off;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)(open + 2), (PCRE2_SIZE)(close - open - 2), 0, &err, &off, NULL);
        if (!c) {
            fprintf(stderr, "%s: a pattern of the pool map does not compile: %s", path, t);
            CHECK(!"every pattern of the pool map compiles");
            continue;
        }
        if (n < max)
            re[n++] = c;
        else
            pcre2_code_free(c);
    }
    fclose(f);
    return found ? n : -1;
}

/* Whether "METHOD:path" matches one of the n patterns. */
static int goes_to(pcre2_code **re, int n, const char *method, const char *path)
{
    char key[600];
    snprintf(key, sizeof key, "%s:%s", method, path);
    int hit = 0;
    for (int i = 0; i < n && !hit; i++) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(re[i], NULL);
        hit = pcre2_match(re[i], (PCRE2_SPTR)key, strlen(key), 0, 0, md, NULL) >= 0;
        pcre2_match_data_free(md);
    }
    return hit;
}

/* Every route reaches upstream pool ("journeys_slow;") in the nginx
** configuration at path exactly when the table gives it flag (a GET route
** for GET and HEAD), and that at least least routes have it. */
static void test_map_agrees(const char *path, const char *pool, unsigned flag, const char *flag_name, int least)
{
    pcre2_code *re[64];
    int n = pool_map(path, pool, re, 64);
    CHECK(n > 0);
    if (n <= 0) {
        fprintf(stderr, "%s: no map \"$request_method:$uri\" $journeys_pool with %s lines\n", path, pool);
        return;
    }
    int marked = 0;
    for (size_t i = 0; i < pages_n_routes; i++) {
        const route *rt = &pages_routes[i];
        char *p = sample_path(rt->pattern);
        CHECK(p != NULL);
        if (!p)
            continue;
        int want = (rt->flags & flag) != 0;
        marked += want;
        const char *methods[2] = {rt->method, !strcmp(rt->method, "GET") ? "HEAD" : NULL};
        for (int k = 0; k < 2 && methods[k]; k++) {
            int got = goes_to(re, n, methods[k], p);
            if (got != want)
                fprintf(stderr, "%s: %s %s goes %sto %s, but the route table says %s%s\n", path, methods[k], p,
                        got ? "" : "not ", pool, want ? "" : "not ", flag_name);
            CHECK(got == want);
        }
        free(p);
    }
    CHECK(marked >= least);
    for (int i = 0; i < n; i++)
        pcre2_code_free(re[i]);
}

/* ---- pages while the provider hangs ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int checkouts_done; /* checkouts that got an answer */

struct checkout {
    browser b;
    char path[64];
    long status;
};

/* Start a checkout (GET /registrations/N/pay) and count its answer. */
static void *start_checkout(void *arg)
{
    struct checkout *c = arg;
    http_res r;
    c->status = browser_get(&c->b, c->path, &r) == 0 ? r.status : -1;
    http_res_free(&r);
    pthread_mutex_lock(&lock);
    checkouts_done++;
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* How many checkouts have answered. */
static int done_count(void)
{
    pthread_mutex_lock(&lock);
    int n = checkouts_done;
    pthread_mutex_unlock(&lock);
    return n;
}

/* The stand-in's API calls hanging now (-1 if it does not say). */
static int hanging(void)
{
    buf out = BUF_INIT;
    int n = -1;
    if (standin_call(&pay, "GET", "/_test/hang", NULL, &out) == 200) {
        const char *w = strstr(buf_str(&out), "\"waiting\":");
        n = w ? atoi(w + 10) : -1;
    }
    buf_free(&out);
    return n;
}

/* harness_wait predicate: at least two provider calls hang (the pool that
** serves checkouts is full). */
static int pool_held(void *arg)
{
    (void)arg;
    return hanging() >= 2;
}

/* harness_wait predicate: every checkout has answered. */
static int all_answered(void *arg)
{
    (void)arg;
    return done_count() == CHECKOUTS;
}

static void test_pages_while_provider_hangs(void)
{
    browser me;
    browser_open(&me, &s);
    http_res r;
    browser_submit(&me, "/signup", "/signup",
                   "name=Pat+Patience&email=pat%40example.org&password=correct-horse-battery&time_zone=UTC"
                   "&school_id=&next=%2Fmy",
                   &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_submit(&me, "/offerings/demo-pv/register", "/offerings/demo-pv/register", "method=card&code=", &r);
    CHECK(r.status == 303); /* to the provider's checkout page */
    http_res_free(&r);
    sqlite3 *dbh = NULL;
    long long reg = -1;
    if (sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(dbh, "SELECT e.id FROM enrolments e JOIN users u ON u.id = e.user_id "
                                    "WHERE u.email = 'pat@example.org' ORDER BY e.id DESC LIMIT 1", -1, &st,
                               NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                reg = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(dbh);
    CHECK(reg > 0);
    char *cookie = browser_cookie(&me, "journeys_session");
    CHECK(cookie != NULL);
    if (reg <= 0 || !cookie) {
        free(cookie);
        browser_close(&me);
        return;
    }

    CHECK(standin_call(&pay, "POST", "/_test/hang?count=1000&seconds=300", NULL, NULL) == 200);
    static struct checkout c[CHECKOUTS];
    pthread_t t[CHECKOUTS];
    for (int i = 0; i < CHECKOUTS; i++) {
        browser_open(&c[i].b, &s);
        browser_set_cookie(&c[i].b, "journeys_session", cookie);
        curl_easy_setopt(c[i].b.curl, CURLOPT_TIMEOUT, 180L);
        snprintf(c[i].path, sizeof c[i].path, "/registrations/%lld/pay", reg);
        pthread_create(&t[i], NULL, start_checkout, &c[i]);
    }
    CHECK(harness_wait(pool_held, NULL, 15000));

    /* Pages answer while the checkouts hang (the provider's timeout is
    ** longer than this whole test, so no worker is freed by a timed-out
    ** call; a page that waits for one gives up after 12 s). */
    curl_easy_setopt(me.curl, CURLOPT_TIMEOUT, 12L);
    const char *pages[] = {"/healthz", "/courses", "/my", "/healthz", "/courses", "/my", "/healthz", "/my"};
    int answered = 0;
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
        long st = browser_get(&me, pages[i], &r) == 0 ? r.status : -1;
        if (st != 200)
            fprintf(stderr, "GET %s while the provider hangs: %ld\n", pages[i], st);
        answered += st == 200;
        http_res_free(&r);
    }
    CHECK(answered == (int)(sizeof pages / sizeof *pages));
    int done = done_count(), still = hanging();
    if (done || still < 1)
        fprintf(stderr, "when the pages had answered: %d checkouts answered, %d provider calls hanging\n", done,
                still);
    CHECK(done == 0);   /* the pages went first: no checkout has come back */
    CHECK(still >= 1);  /* and the provider still holds them */

    CHECK(standin_call(&pay, "POST", "/_test/release", NULL, NULL) == 200);
    CHECK(harness_wait(all_answered, NULL, 170000));
    for (int i = 0; i < CHECKOUTS; i++) {
        pthread_join(t[i], NULL);
        CHECK(c[i].status == 303 || c[i].status == 503);
        browser_close(&c[i].b);
    }
    free(cookie);
    browser_close(&me);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (int i = 0; i < 2; i++) {
        const char *conf = i ? "nginx/journeys.conf" : "nginx/dev.conf.in";
        /* register, pay, accept, cancel, return, refund, waive (and the
        ** webhook), and the two staff reports */
        test_map_agrees(conf, "journeys_slow;", R_SLOW, "R_SLOW", 9);
        /* the posts, follows, check-offs and comments of the workspace */
        test_map_agrees(conf, "journeys_write;", R_BATCH, "R_BATCH", 11);
    }

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
    const char *env[] = {e1, e2, e3, "JOURNEYS_PAYMENTS_SECRET_KEY=sk_test_slow", "JOURNEYS_SERVER_WORKERS=2",
                         "JOURNEYS_SERVER_SLOW_WORKERS=2", "JOURNEYS_PAYMENTS_TIMEOUT=120", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        standin_stop(&pay);
        return check_done();
    }
    test_pages_while_provider_hangs();
    CHECK(stack_stop(&s) == 0);
    standin_stop(&pay);
    curl_global_cleanup();
    return check_done();
}
