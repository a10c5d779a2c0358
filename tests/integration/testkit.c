/*
** testkit.c: helpers shared by the integration tests (see testkit.h).
*/
#include "testkit.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlq.h"

/* See testkit.h: run q on d; 0 or -1 (reported). */
int tk_sql(db *d, const char *q)
{
    buf err = BUF_INIT;
    int rc = db_exec(d, q, &err);
    if (rc)
        fprintf(stderr, "sql failed: %s\n  %s\n", buf_str(&err), q);
    buf_free(&err);
    return rc;
}

/* See testkit.h: one integer read; -1 when none or on error. */
int64_t tk_sql_int(db *d, const char *q)
{
    return (int64_t)sqlq_int(db_handle(d), q, NULL);
}

/* See testkit.h: one text read, malloc'd ("" when none). */
char *tk_sql_text(db *d, const char *q)
{
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(db_handle(d), q, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            v = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    return v ? v : strdup("");
}

/* See testkit.h: one statement with up to two text parameters. */
int tk_exec(sqlite3 *h, const char *sql, const char *p1, const char *p2)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(h));
        return -1;
    }
    if (p1)
        sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT);
    if (p2)
        sqlite3_bind_text(st, 2, p2, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -2;
}

/* See testkit.h: printf into a rotating static buffer. */
const char *tk_fmt(const char *f, ...)
{
    static char bufs[8][4096];
    static int i;
    char *b = bufs[i++ % 8];
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, sizeof bufs[0], f, ap);
    va_end(ap);
    return b;
}

/* See testkit.h: percent-encode text onto out. */
void tk_urlenc(buf *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
            buf_putc(out, (char)*p);
        else
            buf_printf(out, "%%%02X", *p);
    }
}

/* See testkit.h. */
db *tk_site_db(const stack *s)
{
    buf err = BUF_INIT;
    db *d = db_open(stack_path(s, "var/journeys.db"), &err);
    if (!d)
        fprintf(stderr, "cannot open the site's database: %s\n", buf_str(&err));
    buf_free(&err);
    return d;
}

/* See testkit.h. */
int tk_bench_fixtures(const stack *s, const char *password)
{
    buf out = BUF_INIT;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "BENCH_PASSWORD='%s' sh tests/bench/filldb.sh --fixtures-only 2>&1", password);
    int rc = stack_run(s, cmd, &out);
    if (rc != 0)
        fprintf(stderr, "%s\n", buf_str(&out));
    buf_free(&out);
    return rc == 0 ? 0 : -1;
}

/* See testkit.h. */
int tk_bench_stack(stack *s, const char *password, db **site)
{
    if (site)
        *site = NULL;
    if (stack_start(s, NULL) != 0) {
        fprintf(stderr, "the stack did not start\n");
        stack_stop(s);
        return -1;
    }
    if (tk_bench_fixtures(s, password) != 0 || (site && !(*site = tk_site_db(s)))) {
        fprintf(stderr, "the bench fixtures could not be made or read\n");
        stack_stop(s);
        return -1;
    }
    return 0;
}

/* See testkit.h. */
int tk_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* See testkit.h. */
int tk_well_formed(const char *html)
{
    static const char *const voids[] = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "!doctype"};
    char stack_[64][16];
    int depth = 0, h1 = 0;
    for (const char *p = html; (p = strchr(p, '<')); p++) {
        int closing = p[1] == '/';
        const char *n = p + 1 + closing;
        if (!isalpha((unsigned char)*n) && *n != '!')
            continue;
        char name[16];
        size_t k = 0;
        while (k + 1 < sizeof name && (isalnum((unsigned char)n[k]) || n[k] == '!'))
            name[k] = (char)tolower((unsigned char)n[k]), k++;
        name[k] = '\0';
        int is_void = 0;
        for (size_t v = 0; v < sizeof voids / sizeof *voids; v++)
            is_void |= !strcmp(name, voids[v]);
        if (is_void)
            continue;
        if (!closing) {
            if (!strcmp(name, "h1"))
                h1++;
            if (depth == 64)
                return 0;
            snprintf(stack_[depth++], sizeof stack_[0], "%s", name);
        } else if (depth == 0 || strcmp(stack_[--depth], name)) {
            fprintf(stderr, "</%s> closes <%s>\n", name, depth >= 0 ? stack_[depth] : "");
            return 0;
        }
    }
    if (depth || h1 != 1)
        fprintf(stderr, "%d element(s) left open, %d h1\n", depth, h1);
    return depth == 0 && h1 == 1;
}

/* See testkit.h. */
char *tk_get(browser *b, const char *path, long *status)
{
    http_res r;
    int got = browser_get(b, path, &r) == 0;
    *status = got ? r.status : 0;
    if (*status != 200)
        fprintf(stderr, "GET %s: %ld\n", path, *status);
    char *body = strdup(got ? buf_str(&r.body) : "");
    if (got)
        http_res_free(&r);
    return body;
}

/* See testkit.h. */
long tk_sign_in(browser *b, const char *email_enc, const char *password)
{
    http_res r;
    if (browser_submit(b, "/signin", "/signin", tk_fmt("email=%s&password=%s", email_enc, password), &r) != 0)
        return 0;
    long st = r.status;
    http_res_free(&r);
    return st;
}
