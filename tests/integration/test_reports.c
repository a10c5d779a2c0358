/*
** test_reports.c: the staff reports and the streamed CSV exports, through
** real nginx, on the bench fixtures (bench-roster: 200 registrations of
** season "bench" in known fates). Only staff get any of it: signed out,
** a participant and a coach are refused on every route. An offering's
** report shows the counts the database holds, by state and payment state,
** and the money; its chart is well-formed XML with a title and a
** description, and its table holds the same numbers. A season's report
** lists its offerings; an unknown season or offering is a 404. The exports
** come without a Content-Length (streamed), hold one line per row read,
** neutralise a name that begins with '=', and refuse a muddled scope.
** The reports are built outside the page workers: with every page worker
** stopped, both kinds still answer (a season's report took 0.6-1.9 s to
** build on the bench database, and built by a page worker it held every
** request nginx had queued on that worker's connections).
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"
#include "sqlq.h"

#define PASSWORD "reports-password-1"

static stack s;
static sqlite3 *dbh;

/* CRLF-ended records in body. */
static int records(const char *body)
{
    int n = 0;
    for (const char *p = strstr(body, "\r\n"); p; p = strstr(p + 2, "\r\n"))
        n++;
    return n;
}

/* Every staff route of this part, refused to the visitor b (not 200, and
** nothing of the report in the body). */
static void refused(browser *b, const char *who)
{
    static const char *const paths[] = {"/staff/reports", "/staff/reports/seasons/bench",
                                        "/staff/reports/offerings/bench-roster",
                                        "/staff/exports/rosters.csv?offering=bench-roster",
                                        "/staff/exports/payments.csv", "/staff/exports/invoices.csv?season=bench",
                                        "/staff/exports/completions.csv"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        http_res r;
        CHECK(browser_get(b, paths[i], &r) == 0);
        if (r.status == 200)
            fprintf(stderr, "%s got %s\n", who, paths[i]);
        CHECK(r.status == 303 || r.status == 403 || r.status == 404);
        CHECK(!strstr(buf_str(&r.body), "bench.example"));
        CHECK(!strstr(buf_str(&r.body), "Registrations over time"));
        http_res_free(&r);
    }
}

/* The count the report shows for key in the table with id table_id. */
static long shown(const char *html, const char *table_id, const char *key)
{
    char pat[96];
    snprintf(pat, sizeof pat, "id=\"%s\"", table_id);
    const char *t = strstr(html, pat);
    if (!t)
        return -1;
    snprintf(pat, sizeof pat, "data-key=\"%s\">", key);
    const char *p = strstr(t, pat);
    const char *end = strstr(t, "</table>");
    if (!p || (end && p > end))
        return -1;
    return strtol(p + strlen(pat), NULL, 10);
}

/* Whether text is well-formed XML, asked of Python's XML parser. */
static int well_formed(const char *text)
{
    char path[300];
    snprintf(path, sizeof path, "%s", stack_path(&s, "chart.svg"));
    FILE *f = fopen(path, "w");
    if (!f)
        return 0;
    fputs(text, f);
    fclose(f);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' '%s' 2>/dev/null",
             path);
    return system(cmd) == 0;
}

/* An offering's report: counts and money as the database holds them, the
** chart and its table, kept but fresh after an audited change, 404. */
static void test_offering_report(browser *staff)
{
    http_res r;
    CHECK(browser_get(staff, "/staff/reports/offerings/bench-roster", &r) == 0 && r.status == 200);
    const char *body = buf_str(&r.body);
    static const char *const states[] = {"active", "cancelled", "refunded", "waitlisted"};
    for (size_t i = 0; i < 4; i++) {
        long want = sqlq_int(dbh, "SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id"
                                  " WHERE o.code = 'bench-roster' AND e.status = ?1", states[i]);
        CHECK(want > 0);
        CHECK(shown(body, "by-state", states[i]) == want);
    }
    static const char *const pays[] = {"paid", "waived", "unpaid", "refunded"};
    for (size_t i = 0; i < 4; i++) {
        long want = sqlq_int(dbh, "SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id"
                                  " WHERE o.code = 'bench-roster' AND e.payment_status = ?1", pays[i]);
        CHECK(want > 0);
        CHECK(shown(body, "by-payment", pays[i]) == want);
    }
    /* Money: what the payments and refunds tables hold, as people read it. */
    long paid = sqlq_int(dbh, "SELECT sum(p.amount_cents) FROM payments p JOIN enrolments e ON e.id = p.enrolment_id"
                              " JOIN offerings o ON o.id = e.offering_id WHERE o.code = 'bench-roster'", NULL);
    long back = sqlq_int(dbh, "SELECT sum(f.amount_cents) FROM refunds f JOIN payments p ON p.id = f.payment_id"
                              " JOIN enrolments e ON e.id = p.enrolment_id JOIN offerings o ON o.id = e.offering_id"
                              " WHERE o.code = 'bench-roster'", NULL);
    char want[64];
    CHECK(paid > 0 && back > 0);
    snprintf(want, sizeof want, "%ld,%03ld.%02ld USD", paid / 100000, paid / 100 % 1000, paid % 100);
    CHECK_CONTAINS(body, want);
    snprintf(want, sizeof want, "%ld.%02ld USD", back / 100, back % 100);
    CHECK_CONTAINS(body, want);

    /* The chart: well-formed XML with a title and a description; its table
    ** sums to every registration. */
    const char *a = strstr(body, "<svg"), *b = strstr(body, "</svg>");
    CHECK(a && b && b > a);
    if (a && b) {
        char *svg = strndup(a, (size_t)(b - a) + 6);
        CHECK(well_formed(svg));
        CHECK_CONTAINS(svg, "<title id=\"chart-title\">Registrations over time: bench-roster</title>");
        CHECK_CONTAINS(svg, "<desc id=\"chart-desc\">200 registrations from ");
        CHECK(!well_formed("<svg><rect></svg>")); /* the check can fail */
        /* The scale: from 0 up, five lines with their values, and the base. */
        int lines = 0, rects = 0;
        for (const char *p = strstr(svg, "<line "); p; p = strstr(p + 1, "<line "))
            lines++;
        for (const char *p = strstr(svg, "<rect "); p; p = strstr(p + 1, "<rect "))
            rects++;
        CHECK(lines >= 3);
        CHECK_CONTAINS(svg, "text-anchor=\"end\" font-size=\"11\" fill=\"currentColor\">0</text>");
        CHECK(rects >= 1);
        /* a bar for each row of the table */
        const char *tb = strstr(body, "id=\"chart-table\"");
        int trs = 0;
        for (const char *p = tb ? strstr(tb, "data-label=\"New\"") : NULL; p; p = strstr(p + 1, "data-label=\"New\""))
            trs++;
        CHECK(trs == rects);
        free(svg);
    }
    const char *t = strstr(body, "id=\"chart-table\"");
    CHECK(t != NULL);
    long sum = 0, last_running = 0;
    for (const char *p = t ? strstr(t, "data-label=\"New\">") : NULL; p; p = strstr(p + 1, "data-label=\"New\">")) {
        sum += strtol(p + strlen("data-label=\"New\">"), NULL, 10);
        const char *q = strstr(p, "data-label=\"Running total\">");
        if (q)
            last_running = strtol(q + strlen("data-label=\"Running total\">"), NULL, 10);
    }
    CHECK(sum == 200);
    CHECK(last_running == 200);
    CHECK_CONTAINS(body, "href=\"/staff/exports/rosters.csv?offering=bench-roster\"");
    http_res_free(&r);

    /* Kept per worker, but an audited change shows on the next request,
    ** in every worker (asked often enough to meet each). */
    long waiting = sqlq_int(dbh, "SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id"
                                 " WHERE o.code = 'bench-roster' AND e.status = 'waitlisted'", NULL);
    for (int i = 0; i < 6; i++) {
        CHECK(browser_get(staff, "/staff/reports/offerings/bench-roster", &r) == 0 && r.status == 200);
        CHECK(shown(buf_str(&r.body), "by-state", "waitlisted") == waiting);
        http_res_free(&r);
    }
    CHECK(sqlite3_exec(dbh, "UPDATE enrolments SET status = 'cancelled' WHERE id = (SELECT min(e.id) FROM enrolments e"
                            " JOIN offerings o ON o.id = e.offering_id WHERE o.code = 'bench-roster'"
                            " AND e.status = 'waitlisted');"
                            "INSERT INTO audit_log(at, actor_id, action, subject, detail)"
                            " VALUES (unixepoch(), NULL, 'registration.cancelled', 'enrolment:0', 'test')",
                       NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < 6; i++) {
        CHECK(browser_get(staff, "/staff/reports/offerings/bench-roster", &r) == 0 && r.status == 200);
        CHECK(shown(buf_str(&r.body), "by-state", "waitlisted") == waiting - 1);
        http_res_free(&r);
    }

    CHECK(browser_get(staff, "/staff/reports/offerings/no-such-offering", &r) == 0 && r.status == 404);
    CHECK_CONTAINS(buf_str(&r.body), "no offering with this code");
    http_res_free(&r);
}

/* The seasons list, a season's report (an ASCII and an en-dash name), 404,
** and the link from the staff home. */
static void test_season_report(browser *staff)
{
    http_res r;
    CHECK(browser_get(staff, "/staff/reports", &r) == 0 && r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/staff/reports/seasons/bench\"");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/staff/reports/seasons/2019%E2%80%932020\"");
    http_res_free(&r);
    CHECK(browser_get(staff, "/staff/reports/seasons/bench", &r) == 0 && r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/staff/reports/offerings/bench-roster\"");
    CHECK_CONTAINS(buf_str(&r.body), "Offerings of the season");
    CHECK(shown(buf_str(&r.body), "by-state", "active") ==
          sqlq_int(dbh, "SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id"
                        " WHERE o.season = 'bench' AND e.status = 'active'", NULL));
    http_res_free(&r);
    /* A season whose name is not plain ASCII (an en dash). */
    CHECK(browser_get(staff, "/staff/reports/seasons/2019%E2%80%932020", &r) == 0 && r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Season 2019–2020");
    http_res_free(&r);
    CHECK(browser_get(staff, "/staff/reports/seasons/no-such-season", &r) == 0 && r.status == 404);
    CHECK_CONTAINS(buf_str(&r.body), "no season by this name");
    http_res_free(&r);
    /* The staff home leads here. */
    CHECK(browser_get(staff, "/staff", &r) == 0 && r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/staff/reports\"");
    http_res_free(&r);
}

/* A season whose registrations span more than two months is charted a bar
** a month, every month there (empty ones too), summing to every
** registration, still well-formed. */
static void test_monthly_chart(browser *staff)
{
    CHECK(sqlite3_exec(dbh, "UPDATE enrolments SET created_at = created_at - 86400 * 120 WHERE id = (SELECT min(e.id)"
                            " FROM enrolments e JOIN offerings o ON o.id = e.offering_id WHERE o.code = 'bench-cohort');"
                            "INSERT INTO audit_log(at, actor_id, action, subject, detail)"
                            " VALUES (unixepoch(), NULL, 'test.moved', 'enrolment:0', 'test')",
                       NULL, NULL, NULL) == SQLITE_OK);
    long total = sqlq_int(dbh, "SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id"
                               " WHERE o.season = 'bench'", NULL);
    long months = sqlq_int(dbh, "SELECT (CAST(strftime('%Y', max(d)) AS INTEGER) - CAST(strftime('%Y', min(d)) AS INTEGER)) * 12"
                                " + CAST(strftime('%m', max(d)) AS INTEGER) - CAST(strftime('%m', min(d)) AS INTEGER) + 1"
                                " FROM (SELECT date(e.created_at, 'unixepoch') AS d FROM enrolments e"
                                " JOIN offerings o ON o.id = e.offering_id WHERE o.season = 'bench')", NULL);
    http_res r;
    CHECK(browser_get(staff, "/staff/reports/seasons/bench", &r) == 0 && r.status == 200);
    const char *body = buf_str(&r.body);
    CHECK_CONTAINS(body, "a bar a month");
    CHECK_CONTAINS(body, "Registrations a month");
    const char *a = strstr(body, "<svg"), *b = strstr(body, "</svg>");
    CHECK(a && b && b > a);
    if (a && b) {
        char *svg = strndup(a, (size_t)(b - a) + 6);
        CHECK(well_formed(svg));
        free(svg);
    }
    long sum = 0, rows = 0;
    const char *t = strstr(body, "id=\"chart-table\"");
    for (const char *p = t ? strstr(t, "data-label=\"New\">") : NULL; p; p = strstr(p + 1, "data-label=\"New\">")) {
        sum += strtol(p + strlen("data-label=\"New\">"), NULL, 10);
        rows++;
    }
    CHECK(months >= 4);
    CHECK(rows == months);
    CHECK(sum == total);
    http_res_free(&r);
}

/* The streamed exports: no length, a line per row, neutralised cells,
** every kind and scope, and refusals of a muddled scope. */
static void test_exports(browser *staff)
{
    /* A name a spreadsheet would run as a formula. */
    CHECK(sqlite3_exec(dbh, "UPDATE users SET name = '=HYPERLINK(\"http://evil.example\")'"
                            " WHERE email = 'roster-007@bench.example'", NULL, NULL, NULL) == SQLITE_OK);
    http_res r;
    CHECK(browser_get(staff, "/staff/exports/rosters.csv?offering=bench-roster", &r) == 0 && r.status == 200);
    char *cl = http_res_header(&r, "Content-Length"), *ct = http_res_header(&r, "Content-Type"),
         *cd = http_res_header(&r, "Content-Disposition");
    CHECK(cl == NULL); /* streamed: the length is not known up front */
    CHECK(ct && !strncmp(ct, "text/csv", 8));
    CHECK(cd && strstr(cd, "rosters-bench-roster.csv"));
    free(cl);
    free(ct);
    free(cd);
    const char *body = buf_str(&r.body);
    CHECK(!strncmp(body, "\"Offering\",\"Course\",\"Season\"", 28));
    CHECK(records(body) == 201);
    CHECK_CONTAINS(body, "\"'=HYPERLINK(\"\"http://evil.example\"\")\"");
    CHECK(!strstr(body, ",\"=HYPERLINK"));
    CHECK_CONTAINS(body, "\"roster-200@bench.example\"");
    http_res_free(&r);

    /* Everything: one line per registration in the database. */
    CHECK(browser_get(staff, "/staff/exports/rosters.csv", &r) == 0 && r.status == 200);
    CHECK(records(buf_str(&r.body)) == 1 + sqlq_int(dbh, "SELECT count(*) FROM enrolments", NULL));
    http_res_free(&r);
    CHECK(browser_get(staff, "/staff/exports/payments.csv?season=bench", &r) == 0 && r.status == 200);
    CHECK(records(buf_str(&r.body)) ==
          1 + sqlq_int(dbh, "SELECT count(*) FROM payments p JOIN enrolments e ON e.id = p.enrolment_id"
                            " JOIN offerings o ON o.id = e.offering_id WHERE o.season = 'bench'", NULL));
    CHECK_CONTAINS(buf_str(&r.body), "\"cs_fill_");
    http_res_free(&r);
    CHECK(browser_get(staff, "/staff/exports/invoices.csv?season=bench", &r) == 0 && r.status == 200);
    CHECK(!strncmp(buf_str(&r.body), "\"Invoice\",", 10));
    http_res_free(&r);
    CHECK(browser_get(staff, "/staff/exports/completions.csv?offering=bench-roster", &r) == 0 && r.status == 200);
    CHECK(records(buf_str(&r.body)) == 1);
    http_res_free(&r);

    /* The coaches' roster CSV is streamed the same way: a line per settled
    ** participant, no Content-Length. */
    CHECK(browser_get(staff, "/coach/offerings/bench-roster/roster.csv", &r) == 0 && r.status == 200);
    cl = http_res_header(&r, "Content-Length");
    CHECK(cl == NULL);
    free(cl);
    CHECK(records(buf_str(&r.body)) ==
          1 + sqlq_int(dbh, "SELECT count(*) FROM enrolments e JOIN offerings o ON o.id = e.offering_id"
                            " WHERE o.code = 'bench-roster' AND e.status = 'active'"
                            " AND e.payment_status IN ('paid', 'invoiced', 'waived')", NULL));
    CHECK_CONTAINS(buf_str(&r.body), "\"'=HYPERLINK(");
    http_res_free(&r);

    /* A muddled or unknown scope: a 4xx with a message, no file. */
    CHECK(browser_get(staff, "/staff/exports/rosters.csv?season=bench&offering=bench-roster", &r) == 0 &&
          r.status == 400);
    CHECK_CONTAINS(buf_str(&r.body), "one season");
    http_res_free(&r);
    CHECK(browser_get(staff, "/staff/exports/rosters.csv?season=", &r) == 0 && r.status == 400);
    http_res_free(&r);
    CHECK(browser_get(staff, "/staff/exports/rosters.csv?season=nope", &r) == 0 && r.status == 404);
    http_res_free(&r);
    CHECK(browser_get(staff, "/staff/exports/secrets.csv", &r) == 0 && r.status == 404);
    http_res_free(&r);
}

/* With every page worker stopped (SIGSTOP), a season's report and an
** offering's are still answered, by the slow pool; the page workers go on
** afterwards. */
static void test_reports_beside_pages(browser *staff)
{
    pid_t w[64];
    int n = stack_children_named(&s, "worker", w, 64);
    CHECK(n >= 1 && n <= 64);
    if (n < 1 || n > 64)
        return;
    for (int i = 0; i < n; i++)
        CHECK(kill(w[i], SIGSTOP) == 0);
    curl_easy_setopt(staff->curl, CURLOPT_TIMEOUT, 10L);
    static const char *const paths[] = {"/staff/reports/seasons/bench", "/staff/reports/offerings/bench-roster"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        http_res r;
        long st = browser_get(staff, paths[i], &r) == 0 ? r.status : -1;
        if (st != 200)
            fprintf(stderr, "GET %s with the page workers stopped: %ld\n", paths[i], st);
        CHECK(st == 200);
        http_res_free(&r);
    }
    for (int i = 0; i < n; i++)
        CHECK(kill(w[i], SIGCONT) == 0);
    curl_easy_setopt(staff->curl, CURLOPT_TIMEOUT, 0L);
    http_res r;
    CHECK(browser_get(staff, "/staff/reports", &r) == 0 && r.status == 200);
    http_res_free(&r);
}

int main(void)
{
    if (tk_bench_stack(&s, PASSWORD, NULL) != 0) {
        CHECK(!"the stack starts with the bench fixtures");
        return check_done();
    }
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "echo " PASSWORD " | \"${BUILD:-build}\"/journeys user add report-coach@example.org"
                        " --name 'Report Coach' --role coach 2>&1", &out) == 0);
    buf_free(&out);
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 5000);
    /* The coach coaches bench-roster: still no reports for them. */
    CHECK(sqlite3_exec(dbh, "INSERT INTO offering_staff(offering_id, user_id, role, created_at)"
                            " SELECT o.id, u.id, 'coach', 0 FROM offerings o, users u"
                            " WHERE o.code = 'bench-roster' AND u.email = 'report-coach@example.org'",
                       NULL, NULL, NULL) == SQLITE_OK);

    browser anon, participant, coach, staff;
    browser_open(&anon, &s);
    browser_open(&participant, &s);
    browser_open(&coach, &s);
    browser_open(&staff, &s);
    http_res r;
    browser_submit(&participant, "/signin", "/signin", "email=bench%40example.org&password=" PASSWORD, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_submit(&coach, "/signin", "/signin", "email=report-coach%40example.org&password=" PASSWORD, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_submit(&staff, "/signin", "/signin", "email=bench-staff%40example.org&password=" PASSWORD, &r);
    CHECK(r.status == 303);
    http_res_free(&r);

    refused(&anon, "signed out");
    refused(&participant, "a participant");
    refused(&coach, "a coach");
    test_offering_report(&staff);
    test_season_report(&staff);
    test_exports(&staff);
    test_monthly_chart(&staff);
    test_reports_beside_pages(&staff);

    browser_close(&anon);
    browser_close(&participant);
    browser_close(&coach);
    browser_close(&staff);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
