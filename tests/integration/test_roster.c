/*
** test_roster.c: the staff roster of an offering, a page at a time. On the
** bench fixtures (an offering with exactly 200 registrations), the roster
** shows the counts and 100 registrations per page with links to the page
** before and after; the two pages together hold each registration once;
** a page number that is not a whole number from 1, or past the last page,
** gets a 4xx with a message; an offering nobody registered for has no
** page links. Only staff see it.
*/
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"

#define PASSWORD "roster-password-1"

static stack s;

/* The registrations' row headers (participant name and e-mail) on a roster
** page, appended to names as "…\n" lines; returns how many. */
static int rows_of(const char *html, buf *names)
{
    int n = 0;
    const char *tag = "<th scope=\"row\">";
    for (const char *p = strstr(html, tag); p; p = strstr(p, tag)) {
        p += strlen(tag);
        const char *end = strstr(p, "</th>");
        if (!end)
            break;
        buf_append(names, p, (size_t)(end - p));
        buf_putc(names, '\n');
        n++;
    }
    return n;
}

/* How many lines of a appear in b (both "…\n" lists). */
static int shared_lines(const char *a, const char *b)
{
    int n = 0;
    for (const char *p = a; *p;) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        char line[512];
        snprintf(line, sizeof line, "\n%.*s\n", (int)(nl - p), p);
        size_t len = strlen(line);
        /* match at the start of b too */
        if (!strncmp(b, line + 1, len - 1) || strstr(b, line))
            n++;
        p = nl + 1;
    }
    return n;
}

static void test_pages(browser *staff)
{
    http_res r;
    buf first = BUF_INIT, second = BUF_INIT;
    CHECK(browser_get(staff, "/staff/offerings/bench-roster", &r) == 0 && r.status == 200);
    const char *body = buf_str(&r.body);
    CHECK_CONTAINS(body, "200 in all:");
    CHECK_CONTAINS(body, "Showing 1–100, page 1 of 2.");
    CHECK_CONTAINS(body, "href=\"/learn/bench-roster\">Open the course space</a>");
    CHECK_CONTAINS(body, "href=\"/staff/offerings/bench-roster?page=2\" rel=\"next\"");
    CHECK(!strstr(body, "rel=\"prev\""));
    CHECK(rows_of(body, &first) == 100);
    CHECK_CONTAINS(buf_str(&first), "@bench.example");
    http_res_free(&r);

    CHECK(browser_get(staff, "/staff/offerings/bench-roster?page=2", &r) == 0 && r.status == 200);
    body = buf_str(&r.body);
    CHECK_CONTAINS(body, "Showing 101–200, page 2 of 2.");
    CHECK_CONTAINS(body, "href=\"/staff/offerings/bench-roster\" rel=\"prev\"");
    CHECK(!strstr(body, "rel=\"next\""));
    CHECK_CONTAINS(body, "<title>Registrations, page 2");
    CHECK(rows_of(body, &second) == 100);
    http_res_free(&r);
    /* Each of the 200 once: no registration on both pages. */
    CHECK(shared_lines(buf_str(&first), buf_str(&second)) == 0);
    buf_free(&first);
    buf_free(&second);

    /* ?page=1 is the first page. */
    CHECK(browser_get(staff, "/staff/offerings/bench-roster?page=1", &r) == 0 && r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Showing 1–100, page 1 of 2.");
    http_res_free(&r);
}

static void test_bad_pages(browser *staff)
{
    static const struct {
        const char *query;
        long status;
        const char *says;
    } bad[] = {
        {"?page=3", 404, "This roster has 2 pages"},
        {"?page=999999", 404, "This roster has 2 pages"},
        {"?page=0", 400, "whole number from 1"},
        {"?page=-1", 400, "whole number from 1"},
        {"?page=1x", 400, "whole number from 1"},
        {"?page=", 400, "whole number from 1"},
        {"?page=%20", 400, "whole number from 1"},
        {"?page=1234567", 400, "whole number from 1"},
        {"?page=99999999999999999999", 400, "whole number from 1"},
        {"?page=%00", 400, NULL}, /* refused earlier, with the query's own message */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[160];
        snprintf(path, sizeof path, "/staff/offerings/bench-roster%s", bad[i].query);
        http_res r;
        CHECK(browser_get(staff, path, &r) == 0);
        if (r.status != bad[i].status || (bad[i].says && !strstr(buf_str(&r.body), bad[i].says)))
            fprintf(stderr, "GET %s: %ld\n", path, r.status);
        CHECK(r.status == bad[i].status);
        if (bad[i].says)
            CHECK_CONTAINS(buf_str(&r.body), bad[i].says);
        http_res_free(&r);
    }
}

/* An offering nobody registered for: a plain notice, no page links; its
** ?page=2 does not exist. */
static void test_empty_roster(browser *staff)
{
    http_res r;
    CHECK(browser_get(staff, "/staff/offerings/demo-pv", &r) == 0 && r.status == 200);
    CHECK(!strstr(buf_str(&r.body), "Pages of the roster"));
    http_res_free(&r);
    CHECK(browser_get(staff, "/staff/offerings/demo-pv?page=2", &r) == 0 && r.status == 404);
    http_res_free(&r);
}

/* The roster is kept per worker, but its forms carry each asker's own CSRF
** token: a page first built for one staff member, asked for by another
** (often enough to meet every worker), holds the second one's token and
** never the first one's, nor the placeholder. An audited change shows on
** the next request. */
static void test_kept_roster(browser *staff, browser *other)
{
    http_res r;
    CHECK(browser_get(staff, "/staff/offerings/bench-roster", &r) == 0 && r.status == 200);
    char *first = browser_csrf(&r);
    CHECK(first && *first);
    http_res_free(&r);
    for (int i = 0; i < 6; i++) {
        CHECK(browser_get(other, "/staff/offerings/bench-roster", &r) == 0 && r.status == 200);
        char *mine = browser_csrf(&r);
        CHECK(mine && *mine && first && strcmp(mine, first));
        CHECK(first && !strstr(buf_str(&r.body), first));
        CHECK(!strstr(buf_str(&r.body), "<!--csrf-->"));
        CHECK(!strstr(buf_str(&r.body), "<!--k:"));
        CHECK(mine && strstr(buf_str(&r.body), mine));
        int forms = 0;
        CHECK(mine && browser_csrf_others(&r, mine, &forms) == 0);
        CHECK(forms > 1);
        free(mine);
        http_res_free(&r);
    }
    free(first);
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "sqlite3 -cmd \".timeout 5000\" \"$JOURNEYS_PATHS_DATABASE\" \"UPDATE users SET name = 'Renamed Rosterperson'"
                        " WHERE email = 'roster-001@bench.example'; INSERT INTO audit_log(at, actor_id, action, subject)"
                        " VALUES (unixepoch(), NULL, 'test.rename', 'user:roster-001')\" 2>&1", &out) == 0);
    if (out.len)
        fprintf(stderr, "%s\n", buf_str(&out));
    buf_free(&out);
    for (int i = 0; i < 4; i++) {
        CHECK(browser_get(other, "/staff/offerings/bench-roster", &r) == 0 && r.status == 200);
        CHECK_CONTAINS(buf_str(&r.body), "Renamed Rosterperson");
        http_res_free(&r);
    }
}

int main(void)
{
    if (tk_bench_stack(&s, PASSWORD, NULL) != 0) {
        CHECK(!"the stack starts with the bench fixtures");
        return check_done();
    }

    browser anon, participant, staff;
    browser_open(&anon, &s);
    browser_open(&participant, &s);
    browser_open(&staff, &s);
    http_res r;
    browser_submit(&participant, "/signin", "/signin", "email=bench%40example.org&password=" PASSWORD, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_submit(&staff, "/signin", "/signin", "email=bench-staff%40example.org&password=" PASSWORD, &r);
    CHECK(r.status == 303);
    http_res_free(&r);

    /* Only staff see a roster, any page of it. */
    CHECK(browser_get(&anon, "/staff/offerings/bench-roster?page=2", &r) == 0 && r.status != 200);
    CHECK(!strstr(buf_str(&r.body), "roster-1"));
    http_res_free(&r);
    CHECK(browser_get(&participant, "/staff/offerings/bench-roster?page=2", &r) == 0 && r.status != 200);
    CHECK(!strstr(buf_str(&r.body), "roster-1"));
    http_res_free(&r);

    test_pages(&staff);
    test_bad_pages(&staff);
    test_empty_roster(&staff);

    buf made = BUF_INIT;
    CHECK(stack_run(&s, "echo " PASSWORD " | \"${BUILD:-build}\"/journeys user add second-staff@example.org"
                        " --name 'Second Staff' --role staff 2>&1", &made) == 0);
    buf_free(&made);
    browser other;
    browser_open(&other, &s);
    browser_submit(&other, "/signin", "/signin", "email=second-staff%40example.org&password=" PASSWORD, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    test_kept_roster(&staff, &other);
    browser_close(&other);

    browser_close(&anon);
    browser_close(&participant);
    browser_close(&staff);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
