/*
** test_export_cut.c: a streamed export whose read fails half-way is cut
** short, never ended as if it were whole. Through the real dispatcher and
** route table (app_handle_to), as staff: the export of 3,000 registrations
** is written in pieces (the writer is called more than once), and with the
** database made to fail after some of the rows were read, the headers and
** those rows have gone out but app_handle_to answers -1, which tells the
** transport to close the connection instead of ending the answer; the
** writer got no last piece after the failure, and app_handle (the buffer
** transport) leaves its buffer empty. Without the failure the same export
** is whole and answers 0.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "app.h"
#include "arena.h"
#include "check.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "store_accounts.h"

enum { ROWS = 3000 };

struct fake {
    const char *method, *uri, *cookie;
};

/* CGI parameters of a fake request. */
static const char *get(void *ctx, const char *name)
{
    const struct fake *f = ctx;
    if (!strcmp(name, "REQUEST_METHOD"))
        return f->method;
    if (!strcmp(name, "REQUEST_URI"))
        return f->uri;
    if (!strcmp(name, "HTTP_COOKIE"))
        return f->cookie;
    if (!strcmp(name, "REMOTE_ADDR"))
        return "127.0.0.1";
    return NULL;
}

/* No body. */
static long no_body(void *ctx, char *p, size_t n)
{
    (void)ctx;
    (void)p;
    (void)n;
    return 0;
}

/* What the transport received: the bytes and how many pieces. */
typedef struct sink {
    buf got;
    int pieces;
} sink;

/* The transport's http_write_fn. */
static int sink_write(void *ctx, const char *p, size_t n)
{
    sink *s = ctx;
    s->pieces++;
    buf_append(&s->got, p, n);
    return 0;
}

/* The progress handler: fails every statement once armed and its budget
** of calls is spent. */
static long budget = -1;
static int fail_later(void *unused)
{
    (void)unused;
    if (budget < 0)
        return 0;
    return budget-- == 0 ? 1 : budget < 0;
}

/* CRLF-ended records in s. */
static int records(const char *s)
{
    int n = 0;
    for (const char *p = strstr(s, "\r\n"); p; p = strstr(p + 2, "\r\n"))
        n++;
    return n;
}

/* GET uri as the cookie's session through app_handle_to into s; returns
** what app_handle_to returned. */
static int stream(app *ap, const char *uri, const char *cookie, sink *s)
{
    struct fake f = {"GET", uri, cookie};
    arena *a = arena_new(0);
    buf out = BUF_INIT;
    buf_reset(&s->got);
    s->pieces = 0;
    int rc = app_handle_to(ap, a, get, &f, no_body, NULL, &out, sink_write, s);
    if (out.len) /* an ordinary answer: the transport sends it whole */
        sink_write(s, buf_str(&out), out.len);
    buf_free(&out);
    arena_free(a);
    return rc;
}

int main(void)
{
    log_quiet(1);
    char dir[] = "/tmp/journeys-export-cut-XXXXXX";
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

    int64_t uid = store_user_create(ap.db, "sam@example.org", "Sam Staff", "x", "staff", 0, NULL, NULL, "UTC",
                                    time(NULL));
    char token[CRYPTO_TOKEN_LEN + 1];
    crypto_token(token);
    unsigned char hash[CRYPTO_HASH_LEN];
    crypto_token_hash(token, hash);
    CHECK(store_session_create(ap.db, hash, uid, "csrf-of-sam", time(NULL), time(NULL) + 3600) == 0);
    char cookie[128];
    snprintf(cookie, sizeof cookie, SESSION_COOKIE "=%s", token);

    /* A course, an offering and ROWS registrations, each of its own person. */
    CHECK(db_exec(ap.db,
                  "INSERT INTO courses(id, slug, position, title, tagline, summary, hours_min, hours_max,"
                  " overview_html, panel_title, panel_minutes, panel_summary_html, transcript_html)"
                  " VALUES (1, 'c', 1, 'Course', 't', 's', 1, 2, '', 'p', 30, '', '');"
                  "INSERT INTO offerings(id, code, course_id, starts, ends, price_cents, currency, capacity,"
                  " closes, season, created_at, updated_at)"
                  " VALUES (1, 'cut-1', 1, '2027-01-04', '2027-01-08', 5000, 'USD', 9999, '2027-01-01', 'cut', 0, 0);"
                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
                  " INSERT INTO users(email, name, password_hash, created_at)"
                  " SELECT printf('p%04d@example.org', i), printf('Person %d', i), 'x', 0 FROM n;"
                  "INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
                  " created_at, updated_at)"
                  " SELECT 1, id, 'active', 'paid', 5000, 'USD', 1700000000, 1700000000 FROM users"
                  " WHERE email LIKE 'p%@example.org';",
                  &err) == 0);
    if (buf_str(&err)[0])
        fprintf(stderr, "%s", buf_str(&err));

    sink s = {BUF_INIT, 0};
    /* Whole: the header line and a line per registration, in pieces. */
    CHECK(stream(&ap, "/staff/exports/rosters.csv?offering=cut-1", cookie, &s) == 0);
    const char *body = strstr(buf_str(&s.got), "\r\n\r\n");
    CHECK(!strncmp(buf_str(&s.got), "Status: 200", 11));
    CHECK(body && records(body + 4) == ROWS + 1);
    CHECK(s.pieces > 2);
    CHECK(!strstr(buf_str(&s.got), "Content-Length"));
    int whole_pieces = s.pieces;

    /* Failing half-way: the early pieces went out, then nothing; -1. */
    sqlite3_progress_handler(db_handle(ap.db), 100, fail_later, NULL);
    /* A budget that lets the session and the offering be read and some
    ** rows after them (the rows are sorted first, so most of a run's calls
    ** come before the first row): found from the calls of a whole run. */
    budget = 1L << 40;
    CHECK(stream(&ap, "/staff/exports/rosters.csv?offering=cut-1", cookie, &s) == 0);
    long calls = (1L << 40) - budget, cut = 0;
    int rc = 0, got = 0;
    for (int pct = 99; pct >= 50 && !cut; pct--) {
        budget = calls * pct / 100;
        rc = stream(&ap, "/staff/exports/rosters.csv?offering=cut-1", cookie, &s);
        body = strstr(buf_str(&s.got), "\r\n\r\n");
        got = body ? records(body + 4) : 0;
        if (rc == -1 && got > 1)
            cut = calls * pct / 100;
    }
    CHECK(cut > 0);
    CHECK(rc == -1);
    CHECK(!strncmp(buf_str(&s.got), "Status: 200", 11));
    CHECK(got > 1 && got < ROWS + 1);
    CHECK(s.pieces >= 2 && s.pieces < whole_pieces);
    /* what went out ends at a record's end: whole pieces only */
    CHECK(s.got.len >= 2 && !memcmp(buf_str(&s.got) + s.got.len - 2, "\r\n", 2));

    /* The buffer transport gives nothing rather than half a file. */
    budget = cut;
    struct fake f = {"GET", "/staff/exports/rosters.csv?offering=cut-1", cookie};
    arena *a = arena_new(0);
    buf out = BUF_INIT;
    app_handle(&ap, a, get, &f, no_body, NULL, &out);
    CHECK(out.len == 0);
    buf_free(&out);
    arena_free(a);

    sqlite3_progress_handler(db_handle(ap.db), 0, NULL, NULL);
    budget = -1;
    CHECK(db_check_idle(ap.db) == 0);
    CHECK(stream(&ap, "/staff/exports/rosters.csv?offering=cut-1", cookie, &s) == 0);
    body = strstr(buf_str(&s.got), "\r\n\r\n");
    CHECK(body && records(body + 4) == ROWS + 1);

    buf_free(&s.got);
    app_free(&ap);
    config_free(&cfg);
    buf_free(&err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
