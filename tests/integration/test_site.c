/*
** test_site.c: the public site through real nginx and journeys serve:
** every page, status codes, headers, HEAD, 304, bad input.
*/
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "harness.h"

static stack s;

/* GET path and check the status; returns the response (caller frees). */
static http_res get(const char *path, long want)
{
    http_res r;
    int rc = http_do(&s, "GET", path, NULL, NULL, &r);
    CHECK(rc == 0);
    if (r.status != want)
        fprintf(stderr, "GET %s: status %ld, wanted %ld\n", path, r.status, want);
    CHECK(r.status == want);
    return r;
}

/* Check that header name of r equals want (or contains it, if partial). */
static void header_is(const http_res *r, const char *name, const char *want, int partial)
{
    char *v = http_res_header(r, name);
    if (partial)
        CHECK_CONTAINS(v, want);
    else
        CHECK_STR(v, want);
    free(v);
}

/* Every page answers, with the security headers and the series' content. */
static void test_pages(void)
{
    http_res r = get("/", 200);
    CHECK_CONTAINS(buf_str(&r.body), "Journeys towards Mastery Learning");
    CHECK_CONTAINS(buf_str(&r.body), "Purpose and Vision");
    CHECK_CONTAINS(buf_str(&r.body), "Sustainability");
    header_is(&r, "Content-Type", "text/html; charset=utf-8", 0);
    header_is(&r, "Content-Security-Policy", "frame-ancestors 'none'", 1);
    header_is(&r, "X-Content-Type-Options", "nosniff", 0);
    header_is(&r, "Referrer-Policy", "strict-origin-when-cross-origin", 0);
    /* The browser revalidates public pages; the microcache time is nginx's. */
    header_is(&r, "Cache-Control", "no-cache", 0);
    char *xa = http_res_header(&r, "X-Accel-Expires");
    CHECK(xa == NULL);
    free(xa);
    char *csp = http_res_header(&r, "Content-Security-Policy");
    CHECK(csp && !strstr(csp, "unsafe-inline"));
    free(csp);
    CHECK(strstr(buf_str(&r.body), "<script") == NULL);
    http_res_free(&r);

    r = get("/courses", 200);
    const char *slugs[] = {"purpose-and-vision", "graduate-profile", "learning-model", "alignment", "sustainability"};
    for (int i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof path, "/courses/%s", slugs[i]);
        CHECK_CONTAINS(buf_str(&r.body), path);
        http_res c = get(path, 200);
        CHECK_CONTAINS(buf_str(&c.body), "4–6 hours");
        CHECK_CONTAINS(buf_str(&c.body), "Panel");
        http_res_free(&c);
    }
    http_res_free(&r);

    r = get("/calendar", 200);
    CHECK_CONTAINS(buf_str(&r.body), "21–25 October 2019");
    CHECK_CONTAINS(buf_str(&r.body), "30 March – 3 April 2020");
    CHECK_CONTAINS(buf_str(&r.body), "$50.00");
    CHECK_CONTAINS(buf_str(&r.body), "/offerings/pv-2019-10");
    http_res_free(&r);

    r = get("/offerings/pv-2019-10", 200);
    CHECK_CONTAINS(buf_str(&r.body), "Purpose and Vision");
    CHECK_CONTAINS(buf_str(&r.body), "Finished");
    http_res_free(&r);

    r = get("/static/style.css", 200);
    header_is(&r, "Content-Type", "text/css", 0);
    http_res_free(&r);
}

/* The iCalendar feed and one offering's file. */
static void test_ical(void)
{
    http_res r = get("/calendar.ics", 200);
    const char *b = buf_str(&r.body);
    header_is(&r, "Content-Type", "text/calendar; charset=utf-8", 0);
    CHECK(!strncmp(b, "BEGIN:VCALENDAR\r\n", 17));
    CHECK_CONTAINS(b, "UID:offering-pv-2019-10@127.0.0.1");
    CHECK_CONTAINS(b, "DTSTART;VALUE=DATE:20191021\r\n");
    CHECK_CONTAINS(b, "DTEND;VALUE=DATE:20191026\r\n");
    CHECK_CONTAINS(b, "DTEND;VALUE=DATE:20200404\r\n");
    int bare_lf = 0, too_long = 0;
    const char *line = b;
    for (const char *p = b; *p; p++) {
        if (*p == '\n') {
            if (p == b || p[-1] != '\r')
                bare_lf = 1;
            if (p - line - 1 > 75)
                too_long = 1;
            line = p + 1;
        }
    }
    CHECK(!bare_lf);
    CHECK(!too_long);
    CHECK_CONTAINS(b, "END:VCALENDAR\r\n");
    http_res_free(&r);

    r = get("/offerings/su-2020-03.ics", 200);
    CHECK_CONTAINS(buf_str(&r.body), "DTSTART;VALUE=DATE:20200330");
    CHECK_CONTAINS(buf_str(&r.body), "DTEND;VALUE=DATE:20200404");
    header_is(&r, "Content-Disposition", "attachment", 1);
    http_res_free(&r);
}

/* HEAD, ETag and 304. */
static void test_caching(void)
{
    http_res g = get("/courses", 200);
    char *etag = http_res_header(&g, "ETag");
    CHECK(etag && etag[0] == '"');
    http_res h;
    CHECK(http_do(&s, "HEAD", "/courses", NULL, NULL, &h) == 0);
    CHECK(h.status == 200);
    CHECK(h.body.len == 0);
    char *len = http_res_header(&h, "Content-Length");
    char want[32];
    snprintf(want, sizeof want, "%zu", g.body.len);
    CHECK_STR(len, want);
    free(len);
    http_res_free(&h);

    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag ? etag : "\"x\"");
    const char *hdrs[] = {inm, NULL};
    http_res n;
    CHECK(http_do(&s, "GET", "/courses", NULL, hdrs, &n) == 0);
    CHECK(n.status == 304);
    CHECK(n.body.len == 0);
    http_res_free(&n);

    const char *other[] = {"If-None-Match: \"nope\"", NULL};
    CHECK(http_do(&s, "GET", "/courses", NULL, other, &n) == 0);
    CHECK(n.status == 200);
    http_res_free(&n);
    free(etag);
    http_res_free(&g);

    /* Public pages go through nginx's microcache; what nginx hands on from
       it still tells the browser to revalidate and keeps the microcache
       time to itself. Routes that are never cached skip the cache and its
       lock altogether (BYPASS). */
    const char *cached[] = {"/", "/courses", "/calendar", "/calendar.ics", "/offerings/pv-2019-10"};
    for (size_t i = 0; i < sizeof cached / sizeof *cached; i++) {
        char *st = NULL;
        for (int k = 0; k < 3 && !(st && !strcmp(st, "HIT")); k++) {
            free(st);
            http_res c = get(cached[i], 200);
            st = http_res_header(&c, "X-Cache-Status");
            header_is(&c, "Cache-Control", "no-cache", 0);
            char *xa = http_res_header(&c, "X-Accel-Expires");
            CHECK(xa == NULL);
            free(xa);
            http_res_free(&c);
        }
        if (!st || strcmp(st, "HIT"))
            fprintf(stderr, "GET %s: cache status %s, wanted HIT\n", cached[i], st ? st : "(none)");
        CHECK(st && !strcmp(st, "HIT"));
        free(st);
    }
    const char *uncached[] = {"/healthz", "/signin", "/signup", "/no/such/page"};
    for (size_t i = 0; i < sizeof uncached / sizeof *uncached; i++) {
        http_res u;
        CHECK(http_do(&s, "GET", uncached[i], NULL, NULL, &u) == 0);
        char *st = http_res_header(&u, "X-Cache-Status");
        if (!st || strcmp(st, "BYPASS"))
            fprintf(stderr, "GET %s: cache status %s, wanted BYPASS\n", uncached[i], st ? st : "(none)");
        CHECK(st && !strcmp(st, "BYPASS"));
        free(st);
        http_res_free(&u);
    }
}

/* Statuses for what is not there and for bad input: 4xx with a message. */
static void test_errors(void)
{
    http_res r = get("/no/such/page", 404);
    CHECK_CONTAINS(buf_str(&r.body), "Page not found");
    CHECK_CONTAINS(buf_str(&r.body), "<main");
    header_is(&r, "Cache-Control", "no-store", 0);
    http_res_free(&r);

    r = get("/courses/no-such-course", 404);
    CHECK_CONTAINS(buf_str(&r.body), "catalog lists every course");
    http_res_free(&r);

    r = get("/offerings/nope", 404);
    http_res_free(&r);

    CHECK(http_do(&s, "POST", "/courses", "a=1", (const char *[]){"Content-Type: application/x-www-form-urlencoded", NULL}, &r) == 0);
    CHECK(r.status == 405);
    header_is(&r, "Allow", "GET, HEAD", 0);
    CHECK_CONTAINS(buf_str(&r.body), "does not accept POST");
    http_res_free(&r);

    CHECK(http_do(&s, "DELETE", "/", NULL, NULL, &r) == 0);
    CHECK(r.status == 405);
    http_res_free(&r);

    r = get("/courses?q=%zz", 400);
    CHECK_CONTAINS(buf_str(&r.body), "hexadecimal");
    http_res_free(&r);
    r = get("/courses?q=%00", 400);
    http_res_free(&r);
    r = get("/courses?q=%C0%AF", 400);
    http_res_free(&r);
    r = get("/courses/%zz", 400);
    http_res_free(&r);

    size_t big = 200 * 1024;
    char *body = malloc(big + 1);
    memset(body, 'a', big);
    body[big] = '\0';
    memcpy(body, "x=", 2);
    CHECK(http_do(&s, "POST", "/", body, (const char *[]){"Content-Type: application/x-www-form-urlencoded", NULL}, &r) == 0);
    CHECK(r.status == 413);
    CHECK_CONTAINS(buf_str(&r.body), "KiB");
    http_res_free(&r);
    free(body);

    r = get("/courses/", 308);
    header_is(&r, "Location", "/courses", 0);
    http_res_free(&r);

    /* Nothing above produced a 5xx: the stack is still healthy. */
    r = get("/healthz", 200);
    http_res_free(&r);
}

int main(void)
{
    if (stack_start(&s, NULL) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return check_done();
    }
    test_pages();
    test_ical();
    test_caching();
    test_errors();
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
