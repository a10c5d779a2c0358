/*
** test_http.c: the router (PCRE2 table, 404/405, captures) and the HTTP
** request and response: hostile paths and queries, HEAD, ETag and 304,
** security headers, header injection, redirects.
*/
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "http.h"
#include "log.h"
#include "router.h"

/* Stand-in handlers: their address is what the tests compare. */
static int h_home(request *rq, response *rs) { (void)rq; (void)rs; return 0; }
static int h_course(request *rq, response *rs) { (void)rq; (void)rs; return 0; }
static int h_post(request *rq, response *rs) { (void)rq; (void)rs; return 0; }

static const route table[] = {
    {"GET", "/", h_home, R_CACHE},
    {"GET", "/courses/([a-z0-9-]+)", h_course, R_CACHE},
    {"POST", "/courses/([a-z0-9-]+)", h_post, R_FORM | R_CSRF},
    {"GET", "/a/([0-9]+)/b/([0-9]+)", h_course, 0},
};

struct params {
    const char *const *vars; /* NAME, value, NAME, value, ..., NULL */
};

/* CGI parameters from a NULL-terminated name/value list. */
static const char *get(void *ctx, const char *name)
{
    const struct params *p = ctx;
    for (const char *const *k = p->vars; *k; k += 2)
        if (!strcmp(*k, name))
            return k[1];
    return NULL;
}

/* A request for method and uri, or the status http_request_init gave. */
static int make(arena *a, request *rq, const char *method, const char *uri, const char **msg)
{
    const char *vars[] = {"REQUEST_METHOD", method, "REQUEST_URI", uri, "HTTP_COOKIE", "a=1; b=\"two\"; junk", NULL};
    struct params p = {vars};
    return http_request_init(rq, a, get, &p, msg);
}

static void test_router(void)
{
    buf err = BUF_INIT;
    router *r = router_new(table, sizeof table / sizeof *table, &err);
    CHECK(r != NULL);
    arena *a = arena_new(0);
    request rq;
    const char *msg;
    const route *rt = NULL;
    buf allow = BUF_INIT;

    CHECK(make(a, &rq, "GET", "/", &msg) == 0);
    CHECK(router_match(r, &rq, &rt, &allow) == ROUTE_FOUND && rt->fn == h_home);
    CHECK(make(a, &rq, "HEAD", "/courses/learning-model?x=1", &msg) == 0);
    CHECK(rq.head);
    CHECK(router_match(r, &rq, &rt, &allow) == ROUTE_FOUND && rt->fn == h_course);
    CHECK(rq.n_param == 1);
    CHECK_STR(rq.param[0], "learning-model");
    CHECK(make(a, &rq, "POST", "/courses/x", &msg) == 0);
    CHECK(router_match(r, &rq, &rt, &allow) == ROUTE_FOUND && rt->fn == h_post);
    CHECK(make(a, &rq, "DELETE", "/courses/x", &msg) == 0);
    CHECK(router_match(r, &rq, &rt, &allow) == ROUTE_BAD_METHOD);
    CHECK_STR(buf_str(&allow), "GET, HEAD, POST");
    buf_reset(&allow);
    CHECK(make(a, &rq, "GET", "/a/12/b/345", &msg) == 0);
    CHECK(router_match(r, &rq, &rt, &allow) == ROUTE_FOUND);
    CHECK(rq.n_param == 2);
    CHECK_STR(rq.param[1], "345");
    /* Anchored at both ends: no partial matches. */
    CHECK(make(a, &rq, "GET", "/courses/x/extra", &msg) == 0);
    CHECK(router_match(r, &rq, &rt, &allow) == ROUTE_NOT_FOUND);
    CHECK(make(a, &rq, "GET", "/courses/UPPER", &msg) == 0);
    CHECK(router_match(r, &rq, &rt, &allow) == ROUTE_NOT_FOUND);
    CHECK(make(a, &rq, "GET", "//", &msg) == 0);
    CHECK(router_match(r, &rq, &rt, &allow) == ROUTE_NOT_FOUND);
    /* Decoded before matching. */
    CHECK(make(a, &rq, "GET", "/courses/%61bc", &msg) == 0);
    CHECK(router_match(r, &rq, &rt, &allow) == ROUTE_FOUND);
    CHECK_STR(rq.param[0], "abc");
    router_free(r);

    /* The literal start of a pattern only skips paths that cannot match:
    ** a quantified last letter, an alternative outside a group, a class
    ** and an escape before any other text. */
    static const route tricky[] = {
        {"GET", "/ab?c", h_home, 0},
        {"GET", "/x/y|/z", h_course, 0},
        {"GET", "/files/(one|two)\\.csv", h_post, 0},
        {"GET", "/q{2}", h_home, 0},
        {"GET", "/[]k]z", h_course, 0},
        {"GET", "/exact", h_post, 0},
    };
    static const struct {
        const char *path;
        int found;
    } asks[] = {{"/ac", 1}, {"/abc", 1}, {"/abbc", 0}, {"/z", 1}, {"/x/y", 1}, {"/x/z", 0},
                {"/files/two.csv", 1}, {"/files/twoXcsv", 0}, {"/qq", 1}, {"/q", 0},
                {"/]z", 1}, {"/kz", 1}, {"/exact", 1}, {"/exac", 0}, {"/exactly", 0}, {"/e", 0}};
    r = router_new(tricky, sizeof tricky / sizeof *tricky, &err);
    CHECK(r != NULL);
    for (size_t i = 0; r && i < sizeof asks / sizeof *asks; i++) {
        CHECK(make(a, &rq, "GET", asks[i].path, &msg) == 0);
        int got = router_match(r, &rq, &rt, &allow) == ROUTE_FOUND;
        if (got != asks[i].found)
            fprintf(stderr, "route for %s: %d, want %d\n", asks[i].path, got, asks[i].found);
        CHECK(got == asks[i].found);
    }
    router_free(r);

    static const route broken[] = {{"GET", "/(unclosed", h_home, 0}};
    CHECK(router_new(broken, 1, &err) == NULL);
    CHECK_CONTAINS(buf_str(&err), "/(unclosed");
    buf_free(&err);
    buf_free(&allow);
    arena_free(a);
}

static void test_request(void)
{
    arena *a = arena_new(0);
    request rq;
    const char *msg = NULL;
    CHECK(make(a, &rq, "GET", "/p?q=caf%C3%A9&n=1&n=2", &msg) == 0);
    CHECK_STR(kv_get(&rq.query, "q"), "caf\xc3\xa9");
    CHECK(kv_count(&rq.query, "n") == 2);
    CHECK_STR(kv_get(&rq.cookies, "b"), "two");
    const char *bad[] = {"/x%zz", "/x%", "/x%4", "/x%00y", "/x%C0%AF", "/x%ED%A0%80", "/p?q=%zz", "/p?=1", "/p?q=%00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        msg = NULL;
        CHECK(make(a, &rq, "GET", bad[i], &msg) == 400);
        CHECK(msg && *msg);
    }
    const char *vars[] = {"REQUEST_METHOD", "POST", "REQUEST_URI", "/", "CONTENT_LENGTH", "12x", NULL};
    struct params p = {vars};
    CHECK(http_request_init(&rq, a, get, &p, &msg) == 400);
    CHECK_CONTAINS(msg, "Content-Length");
    const char *none[] = {NULL};
    struct params empty = {none};
    CHECK(http_request_init(&rq, a, get, &empty, &msg) == 0);
    CHECK_STR(rq.method, "GET");
    CHECK_STR(rq.path, "/");

    /* Any header through http_param, copied into the arena; the request
    ** names no provider's header of its own. */
    char sig[] = "t=1,v1=ab";
    const char *hv[] = {"REQUEST_URI", "/hook", "HTTP_STRIPE_SIGNATURE", sig, NULL};
    struct params hp = {hv};
    CHECK(http_request_init(&rq, a, get, &hp, &msg) == 0);
    const char *got = http_param(&rq, "HTTP_STRIPE_SIGNATURE");
    sig[0] = 'X';
    CHECK_STR(got, "t=1,v1=ab");
    CHECK(http_param(&rq, "HTTP_X_ABSENT") == NULL);
    request bare = {0};
    CHECK(http_param(&bare, "HTTP_HOST") == NULL);
    arena_free(a);
}

static void test_response(void)
{
    arena *a = arena_new(0);
    request rq;
    const char *msg;
    make(a, &rq, "GET", "/", &msg);
    response rs;
    http_response_init(&rs);
    buf_puts(&rs.body, "<p>hello</p>");
    rs.cache_seconds = 60;
    buf out = BUF_INIT;
    http_serialize(&rq, &rs, &out);
    const char *o = buf_str(&out);
    CHECK(!strncmp(o, "Status: 200 OK\r\n", 16));
    CHECK_CONTAINS(o, "Content-Security-Policy: default-src 'self'");
    CHECK(!strstr(o, "unsafe-inline"));
    CHECK_CONTAINS(o, "X-Content-Type-Options: nosniff\r\n");
    CHECK_CONTAINS(o, "Referrer-Policy: ");
    CHECK_CONTAINS(o, "frame-ancestors 'none'");
    /* Public pages revalidate in the browser (no max-age there); the short
       microcache time is for nginx alone, given before Cache-Control so
       that every nginx version takes it over the no-cache. */
    CHECK_CONTAINS(o, "Cache-Control: no-cache\r\n");
    CHECK(!strstr(o, "max-age"));
    CHECK(!strstr(o, "public"));
    CHECK_CONTAINS(o, "X-Accel-Expires: 2\r\n");
    CHECK(strstr(o, "X-Accel-Expires") && strstr(o, "Cache-Control") &&
          strstr(o, "X-Accel-Expires") < strstr(o, "Cache-Control"));
    CHECK_CONTAINS(o, "Content-Length: 12\r\n\r\n<p>hello</p>");
    const char *e = strstr(o, "ETag: ");
    CHECK(e != NULL);
    char etag[64] = "";
    if (e)
        snprintf(etag, sizeof etag, "%.*s", (int)strcspn(e + 6, "\r"), e + 6);

    /* The same ETag (plain, weak, or in a list) gives 304 without a body. */
    const char *forms[] = {etag, "W/%s", "\"zzz\", %s", "*"};
    for (size_t i = 0; i < 4; i++) {
        char inm[160];
        snprintf(inm, sizeof inm, forms[i], etag);
        rq.if_none_match = inm;
        buf_reset(&out);
        http_serialize(&rq, &rs, &out);
        CHECK(!strncmp(buf_str(&out), "Status: 304 Not Modified\r\n", 26));
        CHECK(!strstr(buf_str(&out), "hello"));
    }
    rq.if_none_match = "\"other\"";
    buf_reset(&out);
    http_serialize(&rq, &rs, &out);
    CHECK(!strncmp(buf_str(&out), "Status: 200", 11));
    /* HEAD: the headers, the length, no body. */
    rq.if_none_match = NULL;
    rq.head = 1;
    buf_reset(&out);
    http_serialize(&rq, &rs, &out);
    CHECK_CONTAINS(buf_str(&out), "Content-Length: 12\r\n\r\n");
    CHECK(!strstr(buf_str(&out), "hello"));
    rq.head = 0;
    /* Private pages: no-store and no ETag. */
    rs.cache_seconds = 0;
    buf_reset(&out);
    http_serialize(&rq, &rs, &out);
    CHECK_CONTAINS(buf_str(&out), "Cache-Control: no-store\r\n");
    CHECK(!strstr(buf_str(&out), "ETag"));
    CHECK(!strstr(buf_str(&out), "X-Accel-Expires"));
    /* A 304 keeps the validator and the revalidation rule. */
    rs.cache_seconds = 60;
    rq.if_none_match = etag;
    buf_reset(&out);
    http_serialize(&rq, &rs, &out);
    CHECK_CONTAINS(buf_str(&out), "Cache-Control: no-cache\r\n");
    CHECK_CONTAINS(buf_str(&out), "ETag: \"");
    rq.if_none_match = NULL;
    rs.cache_seconds = 0;
    /* No header can be injected; redirects stay on safe targets. */
    http_header(&rs, "X-Test", "a\r\nSet-Cookie: evil=1");
    http_redirect(&rs, 303, "//evil.example/");
    buf_reset(&out);
    http_serialize(&rq, &rs, &out);
    CHECK(!strstr(buf_str(&out), "evil=1"));
    CHECK_CONTAINS(buf_str(&out), "Status: 303 See Other\r\n");
    CHECK_CONTAINS(buf_str(&out), "Location: /\r\n");
    char *csp = http_csp_with_forms("https://checkout.example");
    CHECK_CONTAINS(csp, "form-action 'self' https://checkout.example;");
    free(csp);
    csp = http_csp_with_forms("x'; script-src *");
    CHECK(!strstr(csp, "script-src *"));
    free(csp);
    CHECK_STR(http_reason(413), "Content Too Large");
    CHECK_STR(http_reason(799), "Unknown");
    buf_free(&out);
    http_response_free(&rs);
    arena_free(a);
}

int main(void)
{
    log_quiet(1);
    test_router();
    test_request();
    test_response();
    return check_done();
}
