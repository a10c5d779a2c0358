/*
** test_submit.c: activity submissions through real nginx. Handing in text,
** links and files (multipart, written to a file by nginx's upload location
** and parsed by the application from that file); a second version keeps the
** first; refusals before anything is kept (too large for the application's
** limits, too large for nginx's cap, too many files, a file that lies about
** its type, an HTML page, an empty file, no CSRF token: no rows and the files
** folder unchanged); a body file outside the upload folder; downloads
** (X-Accel-Redirect resolved by nginx: the bytes come back as an attachment
** with the sniffed type); who may open what (the owner, a classmate only
** once it is shared, a participant of another offering, a refunded
** participant, the offering's coach, a coach of another offering, staff,
** someone signed out); sharing after the reminder, the gallery, comments
** with the owner's notification, deleting a comment; racing requests; and
** an XSS corpus through the text, the links, the comments and file names.
*/
#include <curl/curl.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"
#include "sqlq.h"

static stack s;
static sqlite3 *dbh;
#define q_int(sql, p) sqlq_int(dbh, sql, p)

#define ACT "/learn/demo-pv/activities/tell-your-public-narrative"

/* Run sql with text parameters p1, p2 (either may be NULL). */
static void q_exec(const char *sql, const char *p1, const char *p2)
{
    int rc = tk_exec(dbh, sql, p1, p2);
    if (rc == -1) {
        CHECK(!"the SQL compiles");
        return;
    }
    CHECK(rc == 0);
}

/* Rows in the submission tables together. */
static long long rows(void)
{
    return q_int("SELECT (SELECT count(*) FROM submissions) * 1000000 + (SELECT count(*) FROM submission_files) * 1000"
                 " + (SELECT count(*) FROM blobs)", NULL);
}

/* Files (of any kind, temporary ones too) under dir, recursively. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            n += count_files(p);
        else
            n++;
    }
    closedir(d);
    return n;
}

/* Whether nginx's upload folder is empty (it removes each body file when
** its request is finished, which may be a moment after the answer). */
static int upload_tmp_empty(void *arg)
{
    (void)arg;
    return count_files(stack_path(&s, "var/upload-tmp")) == 0;
}

/* Files in the stack's files folder. */
static int stored_files(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s", stack_path(&s, "var/files"));
    return count_files(dir);
}

/* libcurl write callback into a buf. */
static size_t sink(char *p, size_t size, size_t n, void *user)
{
    buf_append(user, p, size * n);
    return size * n;
}

/* One part of a multipart body. */
typedef struct part {
    const char *name, *filename, *type;
    const char *data;
    size_t len;   /* 0: strlen(data) */
} part;

#define BOUNDARY "----journeysTestBoundary7MA4YWxkTrZu0gW"

/* A multipart/form-data body of parts with BOUNDARY into out. */
static void multipart(buf *out, const part *p, int n)
{
    for (int i = 0; i < n; i++) {
        buf_printf(out, "--%s\r\nContent-Disposition: form-data; name=\"%s\"", BOUNDARY, p[i].name);
        if (p[i].filename)
            buf_printf(out, "; filename=\"%s\"", p[i].filename);
        buf_puts(out, "\r\n");
        if (p[i].type)
            buf_printf(out, "Content-Type: %s\r\n", p[i].type);
        buf_puts(out, "\r\n");
        buf_append(out, p[i].data, p[i].len ? p[i].len : strlen(p[i].data));
        buf_puts(out, "\r\n");
    }
    buf_printf(out, "--%s--\r\n", BOUNDARY);
}

/* POST body (n bytes) to path as content_type with b's cookies. */
static int post_raw(browser *b, const char *path, const char *content_type, const char *body, size_t n, http_res *r)
{
    CURL *c = b->curl;
    memset(r, 0, sizeof *r);
    buf_init(&r->head, 0);
    buf_init(&r->body, 0);
    char url[2048], ct[256];
    snprintf(url, sizeof url, "%s%s", s.base, path);
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    struct curl_slist *h = curl_slist_append(NULL, ct);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->head);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    return rc == CURLE_OK ? 0 : -1;
}

/* The CSRF token on page path for b (malloc'd). */
static char *csrf_of(browser *b, const char *path)
{
    http_res r;
    browser_get(b, path, &r);
    char *t = browser_csrf(&r);
    http_res_free(&r);
    return t;
}

/* Hand in parts (the CSRF token added first unless no_csrf) to the
** activity as b; the answer's status, r kept when given. */
static long submit(browser *b, const part *parts, int n, int no_csrf, http_res *keep)
{
    char *t = csrf_of(b, ACT);
    part all[16];
    int k = 0;
    if (!no_csrf)
        all[k++] = (part){"csrf", NULL, NULL, t, 0};
    for (int i = 0; i < n && k < 16; i++)
        all[k++] = parts[i];
    buf body = BUF_INIT;
    multipart(&body, all, k);
    http_res r;
    post_raw(b, ACT "/submit", "multipart/form-data; boundary=" BOUNDARY, body.data, body.len, &r);
    buf_free(&body);
    free(t);
    long st = r.status;
    if (keep)
        *keep = r;
    else
        http_res_free(&r);
    return st;
}

/* GET path as b; the status (body kept in *keep when given). */
static long get(browser *b, const char *path, http_res *keep)
{
    http_res r;
    browser_get(b, path, &r);
    long st = r.status;
    if (keep)
        *keep = r;
    else
        http_res_free(&r);
    return st;
}

/* POST a form (the CSRF token of page added) to action as b; the status. */
static long post_form(browser *b, const char *page, const char *action, const char *form)
{
    http_res r;
    browser_submit(b, page, action, form, &r);
    long st = r.status;
    if (st >= 500)
        fprintf(stderr, "  (POST %s: %ld %.300s)\n", action, st, buf_str(&r.body));
    http_res_free(&r);
    return st;
}

/* Sign b in as email with password. */
static void sign_in(browser *b, const char *email, const char *password)
{
    char form[256];
    snprintf(form, sizeof form, "email=%s&password=%s&next=%%2Fmy", email, password);
    http_res r;
    browser_submit(b, "/signin", "/signin", form, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
}

/* Give the account email an active, paid (or refunded) seat in offering
** code. */
static void seat(const char *email, const char *code, int refunded)
{
    q_exec(refunded ? "INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
                      " created_at, updated_at) SELECT o.id, u.id, 'refunded', 'refunded', 5000, 'USD', unixepoch(),"
                      " unixepoch() FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1"
                    : "INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
                      " created_at, updated_at, activated_at) SELECT o.id, u.id, 'active', 'paid', 5000, 'USD',"
                      " unixepoch(), unixepoch(), unixepoch() FROM offerings o, users u WHERE o.code = ?2"
                      " AND u.email = ?1",
           email, code);
}

/* Whether page body holds nothing executable from what people wrote. */
static int inert(const char *page)
{
    /* the layout's own images and scripts are not what people wrote */
    const char *main_ = strstr(page, "<main");
    const char *end = main_ ? strstr(main_, "</main>") : NULL;
    if (!main_ || !end)
        return 0;
    char *body = strndup(main_, (size_t)(end - main_));
    const char *bad[] = {"<script", "<img", "<svg", "<iframe", "<object", "<embed", "onerror=\"",
                         " onload=\"", "<math", "<style", "<body", "<details", "ontoggle=\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (strcasestr(body, bad[i])) {
            fprintf(stderr, "  (found %s in %.200s)\n", bad[i], strcasestr(body, bad[i]));
            free(body);
            return 0;
        }
    /* every href and src, decoded once as a browser would, names no script scheme */
    for (const char *a = body; (a = strstr(a, "=\"")); a += 2) {
        if (strncmp(a - 4, "href", 4) && strncmp(a - 3, "src", 3))
            continue;
        const char *v = a + 2, *e = strchr(v, '"');
        if (!e)
            break;
        char u[64];
        size_t k = 0;
        for (const char *q = v; q < e && k < sizeof u - 1;) {
            unsigned c = (unsigned char)*q;
            if (*q == '&' && q[1] == '#') {
                c = (unsigned)strtoul(q + 2 + (q[2] == 'x' || q[2] == 'X'), NULL, q[2] == 'x' || q[2] == 'X' ? 16 : 10);
                q = strchr(q, ';') && strchr(q, ';') < e ? strchr(q, ';') + 1 : e;
            } else if (!strncmp(q, "&amp;", 5)) {
                c = '&';
                q += 5;
            } else {
                q++;
            }
            if (c > 0x20)
                u[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        u[k] = '\0';
        if (!strncmp(u, "javascript:", 11) || !strncmp(u, "data:", 5) || !strncmp(u, "vbscript:", 9)) {
            fprintf(stderr, "  (a script URL: %.80s)\n", v);
            free(body);
            return 0;
        }
    }
    free(body);
    return 1;
}

/* Racers: each child POSTs once after the parent says go. */
typedef struct racer {
    const char *session, *csrf_cookie, *action, *form;
    const char *ctype;
    const char *body;
    size_t len;
} racer;

/* Run two racers at once; their statuses in st[0..1]. */
static void race(const racer *r, long st[2])
{
    int go[2], done[2][2];
    if (pipe(go) != 0)
        return;
    pid_t pid[2];
    for (int i = 0; i < 2; i++) {
        if (pipe(done[i]) != 0)
            return;
        pid[i] = fork();
        if (pid[i] == 0) {
            close(go[1]);
            browser b;
            browser_open(&b, &s);
            browser_set_cookie(&b, "journeys_session", r[i].session);
            browser_set_cookie(&b, "journeys_csrf", r[i].csrf_cookie);
            char c;
            if (read(go[0], &c, 1) != 1)
                _exit(1);
            http_res res;
            if (r[i].ctype)
                post_raw(&b, r[i].action, r[i].ctype, r[i].body, r[i].len, &res);
            else
                browser_post(&b, r[i].action, r[i].form, &res);
            long code = res.status;
            if (write(done[i][1], &code, sizeof code) != sizeof code)
                _exit(1);
            _exit(0);
        }
        close(done[i][1]);
    }
    close(go[0]);
    /* both children are waiting on the pipe: let them go together */
    if (write(go[1], "gg", 2) != 2)
        return;
    close(go[1]);
    for (int i = 0; i < 2; i++) {
        st[i] = 0;
        if (read(done[i][0], &st[i], sizeof st[i]) != sizeof st[i])
            st[i] = -1;
        close(done[i][0]);
        waitpid(pid[i], NULL, 0);
    }
}

/* A small valid PNG header (enough for the sniffer) with some payload. */
static const char PNG[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
#define PNG_LEN (sizeof PNG - 1)

int main(void)
{
    const char *env[] = {"JOURNEYS_UPLOADS_MAX_FILE_MB=1", "JOURNEYS_UPLOADS_MAX_SUBMISSION_MB=2",
                         "JOURNEYS_UPLOADS_MAX_FILES=3", NULL};
    setenv("JOURNEYS_UPLOADS_MAX_SUBMISSION_MB", "2", 1);   /* nginx's cap, rendered by run.sh: 3m */
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return check_done();
    }
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "echo 'staff-password-1' | \"${BUILD:-build}\"/journeys user add staff@example.org "
                        "--name 'Sam Staff' --role staff && echo 'coach-password-1' | \"${BUILD:-build}\"/journeys user"
                        " add coach@example.org --name 'Cora Coach' --role coach && echo 'coach-password-2' |"
                        " \"${BUILD:-build}\"/journeys user add other-coach@example.org --name 'Otto Other' --role coach",
                        &out) == 0);
    buf_free(&out);
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
    q_exec("UPDATE offerings SET posting_closes_at = NULL WHERE code IN ('demo-pv', 'demo-gp')", NULL, NULL);
    q_exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach', unixepoch()"
           " FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1", "coach@example.org", "demo-pv");
    q_exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach', unixepoch()"
           " FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1", "other-coach@example.org", "demo-gp");

    browser alice, bob, carol, dave, coach, other, staff, anon;
    browser_open(&alice, &s);
    browser_open(&bob, &s);
    browser_open(&carol, &s);
    browser_open(&dave, &s);
    browser_open(&coach, &s);
    browser_open(&other, &s);
    browser_open(&staff, &s);
    browser_open(&anon, &s);
    CHECK(browser_sign_up(&alice, "Alice+%3Cb%3EAnders%3C%2Fb%3E", "alice%40example.org") == 303);
    CHECK(browser_sign_up(&bob, "Bob+Brown", "bob%40example.org") == 303);
    CHECK(browser_sign_up(&carol, "Carol+Other", "carol%40example.org") == 303);
    CHECK(browser_sign_up(&dave, "Dave+Refunded", "dave%40example.org") == 303);
    seat("alice@example.org", "demo-pv", 0);
    seat("bob@example.org", "demo-pv", 0);
    seat("carol@example.org", "demo-gp", 0);
    seat("dave@example.org", "demo-pv", 1);
    sign_in(&coach, "coach%40example.org", "coach-password-1");
    sign_in(&other, "other-coach%40example.org", "coach-password-2");
    sign_in(&staff, "staff%40example.org", "staff-password-1");

    /* The list of activities, then one activity with its form. */
    http_res r;
    CHECK(get(&alice, "/learn/demo-pv/activities", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Tell your public narrative");
    CHECK_CONTAINS(buf_str(&r.body), "Not started");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"" ACT "\"");
    CHECK_CONTAINS(buf_str(&r.body), "aria-current=\"page\">Activities");
    http_res_free(&r);
    CHECK(get(&alice, ACT, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "enctype=\"multipart/form-data\"");
    CHECK_CONTAINS(buf_str(&r.body), "action=\"" ACT "/submit\"");
    CHECK_CONTAINS(buf_str(&r.body), "Story of self");
    http_res_free(&r);
    CHECK(get(&alice, "/learn/demo-pv/activities/no-such-activity", NULL) == 404);

    /* Version 1: text (with an XSS corpus), links and two files. */
    const char *xss_md = "My narrative.\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
                         "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
                         "![img](https://evil.example/x.png) <svg onload=alert(1)>\n\n"
                         "```\"><script>alert(1)</script>\ncode\n```\n\n<a href=\"javascript:alert(1)\">x</a>\n\n"
                         "<iframe src=\"https://evil.example\"></iframe> <math><style>x</style></math>\n\n"
                         "<IMG SRC=JaVaScRiPt:alert('XSS')> <body onload=alert(1)> <a href=\"jav&#x09;ascript:alert(1)\">t</a>\n\n"
                         "[tab](jav&#x09;ascript:alert(1)) [ent](&#106;avascript:alert(1)) <object data=x></object>\n\n"
                         "![x](javascript:alert(1)) <embed src=x> <details open ontoggle=alert(1)>\n";
    const char *notes = "Story of self: the day grades and learning parted ways.\n";
    part v1[] = {{"body", NULL, NULL, xss_md, 0},
                 {"links", NULL, NULL, "https://example.org/recording\r\nhttp://example.org/a?b=1&c=<2>\r\n", 0},
                 {"files", "notes.txt", "text/html", notes, 0},
                 {"files", "photo.png", "image/png", PNG, PNG_LEN}};
    /* a link with angle brackets is refused: nothing kept */
    long long before = rows();
    int files_before = stored_files();
    CHECK(submit(&alice, v1, 4, 0, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Line 2 of the links");
    CHECK_CONTAINS(buf_str(&r.body), "Choose your files again");
    CHECK(inert(buf_str(&r.body)));   /* the text and links come back in the form, escaped */
    http_res_free(&r);
    CHECK(rows() == before);
    CHECK(stored_files() == files_before);
    v1[1].data = "https://example.org/recording\r\n\r\nhttp://example.org/a?b=1&c=2\r\n";
    CHECK(submit(&alice, v1, 4, 0, &r) == 303);
    char *loc = http_res_location(&r);
    CHECK_STR(loc, ACT);
    free(loc);
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM submissions s JOIN users u ON u.id = s.user_id WHERE u.email = ?1"
                " AND s.version = 1", "alice@example.org") == 1);
    CHECK(q_int("SELECT count(*) FROM submission_files", NULL) == 2);
    CHECK(q_int("SELECT count(*) FROM blobs", NULL) == 2);
    CHECK(q_int("SELECT count(*) FROM submission_files WHERE name = 'notes.txt' AND type LIKE 'text/plain%'", NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM submission_files WHERE name = 'photo.png' AND type = 'image/png'", NULL) == 1);
    CHECK(q_int("SELECT json_array_length(links) FROM submissions WHERE version = 1", NULL) == 2);
    CHECK(stored_files() == files_before + 2);
    CHECK(harness_wait(upload_tmp_empty, NULL, 5000));   /* nginx removes its body file once the request is done */
    /* the file is stored under its SHA-256, sharded */
    {
        sqlite3_stmt *st;
        sqlite3_prepare_v2(dbh, "SELECT sha256 FROM submission_files WHERE name = 'notes.txt'", -1, &st, NULL);
        CHECK(sqlite3_step(st) == SQLITE_ROW);
        const char *h = (const char *)sqlite3_column_text(st, 0);
        char rel[200];
        snprintf(rel, sizeof rel, "var/files/%.2s/%s", h ? h : "xx", h ? h + 2 : "");
        struct stat sb;
        CHECK(stat(stack_path(&s, rel), &sb) == 0 && (size_t)sb.st_size == strlen(notes));
        sqlite3_finalize(st);
    }
    CHECK(get(&alice, ACT, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Version 1");
    CHECK_CONTAINS(buf_str(&r.body), "notes.txt");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"https://example.org/recording\"");
    CHECK_CONTAINS(buf_str(&r.body), "Your work is handed in");
    CHECK(inert(buf_str(&r.body)));
    http_res_free(&r);
    CHECK(get(&alice, "/learn/demo-pv/activities", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Handed in (version 1)");
    http_res_free(&r);

    /* Version 2 (text only) keeps version 1; the same file again is kept once. */
    part v2[] = {{"body", NULL, NULL, "Second draft, after feedback.", 0},
                 {"files", "notes again.txt", NULL, notes, 0}};
    CHECK(submit(&alice, v2, 2, 0, NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM submissions", NULL) == 2);
    CHECK(q_int("SELECT max(version) FROM submissions", NULL) == 2);
    CHECK(q_int("SELECT count(*) FROM blobs", NULL) == 2);
    CHECK(stored_files() == files_before + 2);
    CHECK(get(&alice, ACT, &r) == 200);
    const char *p2 = strstr(buf_str(&r.body), "Version 2"), *p1 = strstr(buf_str(&r.body), "Version 1");
    CHECK(p2 && p1 && p2 < p1);   /* newest first */
    http_res_free(&r);

    /* Refused before anything is kept: no rows, the files folder unchanged. */
    before = rows();
    files_before = stored_files();
    size_t big_n = 1536 * 1024;
    char *big = malloc(big_n);
    memset(big, 'a', big_n);
    part over_file[] = {{"body", NULL, NULL, "too big", 0}, {"files", "big.txt", NULL, big, big_n}};
    CHECK(submit(&alice, over_file, 2, 0, &r) == 413);
    CHECK_CONTAINS(buf_str(&r.body), "1 MB");
    http_res_free(&r);
    part over_count[] = {{"files", "a.txt", NULL, "a", 0}, {"files", "b.txt", NULL, "b", 0},
                         {"files", "c.txt", NULL, "c", 0}, {"files", "d.txt", NULL, "d", 0}};
    CHECK(submit(&alice, over_count, 4, 0, NULL) == 413);
    part over_total[] = {{"files", "a.txt", NULL, big, 1000 * 1024}, {"files", "b.txt", NULL, big, 1000 * 1024},
                         {"files", "c.txt", NULL, big, 1000 * 1024}};
    CHECK(submit(&alice, over_total, 3, 0, NULL) == 413);
    free(big);
    /* over nginx's own cap (max_submission_mb + 1 MB): nginx refuses it */
    size_t huge_n = 4u << 20;
    char *huge = malloc(huge_n);
    memset(huge, 'b', huge_n);
    part over_nginx[] = {{"files", "huge.txt", NULL, huge, huge_n}};
    CHECK(submit(&alice, over_nginx, 1, 0, NULL) == 413);
    free(huge);
    /* a file that lies about its type: PDF bytes named .png; an HTML page named
    ** .pdf and sent as application/pdf; an empty file; a program */
    part liar[] = {{"files", "photo.png", "image/png", "%PDF-1.4\n%stuff\n", 0}};
    CHECK(submit(&alice, liar, 1, 0, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "photo.png is not what its name says");
    http_res_free(&r);
    part page[] = {{"files", "report.pdf", "application/pdf", "<html><script>alert(1)</script></html>", 0}};
    CHECK(submit(&alice, page, 1, 0, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "not a type of file we accept");
    http_res_free(&r);
    part empty[] = {{"body", NULL, NULL, "with an empty file", 0}, {"files", "empty.txt", NULL, "", 0}};
    CHECK(submit(&alice, empty, 2, 0, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "empty.txt is empty");
    http_res_free(&r);
    part elf[] = {{"files", "tool.txt", "text/plain", "\x7f" "ELF\x02\x01\x01\0\0\0", 10}};
    CHECK(submit(&alice, elf, 1, 0, NULL) == 422);
    part nothing[] = {{"body", NULL, NULL, "   ", 0}, {"links", NULL, NULL, "\r\n", 0}};
    CHECK(submit(&alice, nothing, 2, 0, NULL) == 422);
    /* no CSRF token: refused before the handler runs */
    part no_csrf[] = {{"body", NULL, NULL, "forged", 0}, {"files", "f.txt", NULL, "forged", 0}};
    CHECK(submit(&alice, no_csrf, 2, 1, NULL) == 403);
    /* a malformed body and a urlencoded one */
    CHECK(post_raw(&alice, ACT "/submit", "multipart/form-data; boundary=" BOUNDARY, "--nope\r\n", 8, &r) == 0);
    CHECK(r.status == 400);
    http_res_free(&r);
    CHECK(post_raw(&alice, ACT "/submit", "application/x-www-form-urlencoded", "body=x", 6, &r) == 0);
    CHECK(r.status == 415);
    http_res_free(&r);
    CHECK(rows() == before);
    CHECK(stored_files() == files_before);
    CHECK(harness_wait(upload_tmp_empty, NULL, 5000));

    /* The application reads only a body file inside the upload folder. */
    {
        buf o = BUF_INIT;
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "JOURNEYS_UPLOADS_TEMP='%s' JOURNEYS_REQUEST_BODY_FILE=/etc/passwd "
                 "JOURNEYS_REQUEST_CONTENT_TYPE='multipart/form-data; boundary=x' \"${BUILD:-build}\"/journeys request "
                 "POST %s/submit x", stack_path(&s, "var/upload-tmp"), ACT);
        stack_run(&s, cmd, &o);
        CHECK_CONTAINS(buf_str(&o), "Status: 400");
        buf_reset(&o);
        char link[700];
        snprintf(link, sizeof link, "%s", stack_path(&s, "var/upload-tmp/0000000001"));
        CHECK(symlink("/etc/passwd", link) == 0);
        snprintf(cmd, sizeof cmd, "JOURNEYS_UPLOADS_TEMP='%s' JOURNEYS_REQUEST_BODY_FILE='%s' "
                 "JOURNEYS_REQUEST_CONTENT_TYPE='multipart/form-data; boundary=x' \"${BUILD:-build}\"/journeys request "
                 "POST %s/submit x", stack_path(&s, "var/upload-tmp"), link, ACT);
        stack_run(&s, cmd, &o);
        CHECK_CONTAINS(buf_str(&o), "Status: 400");
        unlink(link);
        buf_reset(&o);
        snprintf(cmd, sizeof cmd, "JOURNEYS_UPLOADS_TEMP='%s' JOURNEYS_REQUEST_CONTENT_TYPE='multipart/form-data; "
                 "boundary=x' \"${BUILD:-build}\"/journeys request POST %s/submit x",
                 stack_path(&s, "var/upload-tmp"), ACT);
        stack_run(&s, cmd, &o);
        CHECK_CONTAINS(buf_str(&o), "Status: 400");
        CHECK_CONTAINS(buf_str(&o), "upload path");
        buf_free(&o);
    }

    /* Downloads: nginx resolves X-Accel-Redirect and sends the bytes. */
    char png_url[128], txt_url[128], v1_share[128];
    snprintf(png_url, sizeof png_url, "/learn/demo-pv/files/%lld",
             q_int("SELECT id FROM submission_files WHERE name = 'photo.png'", NULL));
    snprintf(txt_url, sizeof txt_url, "/learn/demo-pv/files/%lld",
             q_int("SELECT id FROM submission_files WHERE name = 'notes.txt'", NULL));
    long long v1_id = q_int("SELECT id FROM submissions WHERE version = 1", NULL);
    snprintf(v1_share, sizeof v1_share, "/learn/demo-pv/submissions/%lld/share", v1_id);
    CHECK(get(&alice, png_url, &r) == 200);
    CHECK(r.body.len == PNG_LEN && !memcmp(r.body.data, PNG, PNG_LEN));
    char *h = http_res_header(&r, "Content-Type");
    CHECK_STR(h, "image/png");
    free(h);
    h = http_res_header(&r, "Content-Disposition");
    CHECK_STR(h, "attachment; filename=\"photo.png\"; filename*=UTF-8''photo.png");
    free(h);
    h = http_res_header(&r, "X-Content-Type-Options");
    CHECK_STR(h, "nosniff");
    free(h);
    h = http_res_header(&r, "X-Accel-Redirect");
    CHECK(h == NULL);
    free(h);
    h = http_res_header(&r, "Cache-Control");
    CHECK(h && strstr(h, "no-store"));
    free(h);
    http_res_free(&r);
    CHECK(get(&alice, txt_url, &r) == 200);
    CHECK(r.body.len == strlen(notes) && !memcmp(r.body.data, notes, strlen(notes)));
    h = http_res_header(&r, "Content-Type");
    CHECK(h && !strncmp(h, "text/plain", 10));   /* sniffed, not the text/html it was sent as */
    free(h);
    http_res_free(&r);
    /* the protected location is internal: nobody reaches it directly */
    {
        char direct[200];
        sqlite3_stmt *st;
        sqlite3_prepare_v2(dbh, "SELECT sha256 FROM submission_files WHERE name = 'photo.png'", -1, &st, NULL);
        sqlite3_step(st);
        const char *hx = (const char *)sqlite3_column_text(st, 0);
        snprintf(direct, sizeof direct, "/protected/%.2s/%s", hx ? hx : "xx", hx ? hx + 2 : "");
        sqlite3_finalize(st);
        CHECK(get(&alice, direct, NULL) == 404);
    }

    /* Who may open version 1's file while it is private. */
    CHECK(get(&bob, png_url, NULL) == 404);              /* a classmate: not shared */
    CHECK(get(&bob, v1_share, NULL) == 404);
    CHECK(get(&carol, png_url, NULL) == 403);            /* another offering's participant */
    char other_url[128];
    snprintf(other_url, sizeof other_url, "/learn/demo-gp/files/%lld",
             q_int("SELECT id FROM submission_files WHERE name = 'photo.png'", NULL));
    CHECK(get(&carol, other_url, NULL) == 404);          /* by id through her own offering */
    char other_share[128];
    snprintf(other_share, sizeof other_share, "/learn/demo-gp/submissions/%lld/share", v1_id);
    CHECK(get(&carol, other_share, NULL) == 404);
    CHECK(get(&dave, png_url, NULL) == 403);             /* refunded */
    CHECK(get(&dave, "/learn/demo-pv/activities", NULL) == 403);
    CHECK(get(&other, png_url, NULL) == 403);            /* a coach of another offering */
    CHECK(get(&other, other_url, NULL) == 404);
    CHECK(get(&coach, png_url, NULL) == 200);            /* the offering's coach */
    CHECK(get(&staff, png_url, NULL) == 200);
    CHECK(get(&anon, png_url, &r) == 303);               /* signed out: to the sign-in page */
    loc = http_res_location(&r);
    CHECK(!strncmp(loc, "/signin?next=", 13));
    free(loc);
    http_res_free(&r);
    CHECK(get(&alice, "/learn/demo-pv/files/999999", NULL) == 404);
    CHECK(get(&alice, "/learn/demo-pv/files/0", NULL) == 404);
    /* carol cannot hand in to another offering's activity, nor dave after his refund */
    part intrude[] = {{"body", NULL, NULL, "intruding", 0}};
    before = rows();
    CHECK(submit(&carol, intrude, 1, 0, NULL) == 403);
    CHECK(submit(&dave, intrude, 1, 0, NULL) == 403);
    CHECK(submit(&anon, intrude, 1, 0, NULL) == 403);
    CHECK(rows() == before);
    /* and nobody but alice may share her work */
    CHECK(post_form(&bob, ACT, v1_share, "") == 404);
    CHECK(post_form(&coach, ACT, v1_share, "") == 403);
    CHECK(q_int("SELECT count(*) FROM submissions WHERE shared_at IS NOT NULL", NULL) == 0);

    /* Sharing: the reminder first, then the gallery. */
    CHECK(get(&alice, v1_share, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "identifies a student");
    CHECK_CONTAINS(buf_str(&r.body), "photos or recordings");
    CHECK_CONTAINS(buf_str(&r.body), "grades");
    CHECK_CONTAINS(buf_str(&r.body), "action=\"/learn/demo-pv/submissions/");
    CHECK(inert(buf_str(&r.body)));
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM submissions WHERE shared_at IS NOT NULL", NULL) == 0);
    /* two shares racing: exactly one wins */
    char *sess = browser_cookie(&alice, "journeys_session"), *csrf_cookie = browser_cookie(&alice, "journeys_csrf");
    char *tok = csrf_of(&alice, ACT);
    char form[256];
    snprintf(form, sizeof form, "csrf=%s", tok);
    racer rr[2] = {{sess, csrf_cookie ? csrf_cookie : "", v1_share, form, NULL, NULL, 0},
                   {sess, csrf_cookie ? csrf_cookie : "", v1_share, form, NULL, NULL, 0}};
    long st2[2];
    race(rr, st2);
    CHECK((st2[0] == 303 && st2[1] == 409) || (st2[0] == 409 && st2[1] == 303));
    CHECK(q_int("SELECT count(*) FROM submissions WHERE shared_at IS NOT NULL", NULL) == 1);
    CHECK(get(&bob, png_url, &r) == 200);                /* now a classmate may */
    CHECK(r.body.len == PNG_LEN);
    http_res_free(&r);
    CHECK(get(&carol, other_url, NULL) == 404);          /* still not another offering */
    CHECK(get(&dave, png_url, NULL) == 403);
    CHECK(get(&bob, ACT "/gallery", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Gallery: Tell your public narrative");
    CHECK_CONTAINS(buf_str(&r.body), "&lt;b&gt;Anders&lt;/b&gt;");   /* the author's name, escaped */
    CHECK_CONTAINS(buf_str(&r.body), "My narrative.");
    CHECK_CONTAINS(buf_str(&r.body), png_url);
    CHECK(!strstr(buf_str(&r.body), "Second draft"));  /* version 2 is not shared */
    CHECK(inert(buf_str(&r.body)));
    http_res_free(&r);
    CHECK(get(&carol, ACT "/gallery", NULL) == 403);

    /* Comments: the owner is notified in the same transaction. */
    char comment_url[128];
    snprintf(comment_url, sizeof comment_url, "/learn/demo-pv/submissions/%lld/comments", v1_id);
    CHECK(post_form(&bob, ACT "/gallery", comment_url,
                    "body=Lovely+work+%3Cscript%3Ealert(1)%3C%2Fscript%3E+%5Bx%5D(javascript%3Aalert(1))+"
                    "%3Cimg+src%3Dx+onerror%3Dalert(1)%3E") == 303);
    CHECK(q_int("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = ?1"
                " AND n.kind = 'comment' AND n.link LIKE '/learn/demo-pv/activities/%/gallery#submission-%'",
                "alice@example.org") == 1);
    CHECK(post_form(&alice, ACT "/gallery", comment_url, "body=Thank+you%21") == 303);
    CHECK(q_int("SELECT count(*) FROM notifications", NULL) == 1);   /* none for commenting on your own */
    CHECK(post_form(&bob, ACT "/gallery", comment_url, "body=+++") == 422);
    CHECK(post_form(&carol, ACT "/gallery", comment_url, "body=hi") == 403);
    char carol_comment[128];
    snprintf(carol_comment, sizeof carol_comment, "/learn/demo-gp/submissions/%lld/comments", v1_id);
    CHECK(post_form(&carol, "/learn/demo-gp/activities", carol_comment, "body=hi") == 404);
    CHECK(q_int("SELECT count(*) FROM submission_comments", NULL) == 2);
    CHECK(get(&alice, ACT "/gallery", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Lovely work");
    CHECK_CONTAINS(buf_str(&r.body), "Thank you!");
    CHECK(inert(buf_str(&r.body)));
    http_res_free(&r);
    /* deleting: only your own, once; a tombstone stays */
    long long bob_comment = q_int("SELECT c.id FROM submission_comments c JOIN users u ON u.id = c.author_id"
                                  " WHERE u.email = ?1", "bob@example.org");
    char del[128];
    snprintf(del, sizeof del, "/learn/demo-pv/submission-comments/%lld/delete", bob_comment);
    CHECK(post_form(&alice, ACT "/gallery", del, "") == 404);
    CHECK(post_form(&bob, ACT "/gallery", del, "") == 303);
    CHECK(post_form(&bob, ACT "/gallery", del, "") == 409);
    CHECK(q_int("SELECT count(*) FROM submission_comments WHERE deleted_at IS NOT NULL AND body_md = ''", NULL) == 1);
    CHECK(get(&bob, ACT "/gallery", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Comment deleted by its author.");
    CHECK(!strstr(buf_str(&r.body), "Lovely work"));
    http_res_free(&r);

    /* Two deletes of one comment racing: exactly one wins. */
    {
        CHECK(post_form(&bob, ACT "/gallery", comment_url, "body=A+second+thought") == 303);
        long long second = q_int("SELECT max(id) FROM submission_comments", NULL);
        char del2[128], form2[256];
        snprintf(del2, sizeof del2, "/learn/demo-pv/submission-comments/%lld/delete", second);
        char *bs = browser_cookie(&bob, "journeys_session"), *bc = browser_cookie(&bob, "journeys_csrf");
        char *bt = csrf_of(&bob, ACT "/gallery");
        snprintf(form2, sizeof form2, "csrf=%s", bt);
        racer rd[2] = {{bs, bc ? bc : "", del2, form2, NULL, NULL, 0}, {bs, bc ? bc : "", del2, form2, NULL, NULL, 0}};
        long sd[2];
        race(rd, sd);
        CHECK((sd[0] == 303 && sd[1] == 409) || (sd[0] == 409 && sd[1] == 303));
        CHECK(q_int("SELECT count(*) FROM submission_comments WHERE deleted_at IS NOT NULL", NULL) == 2);
        free(bs);
        free(bc);
        free(bt);
    }

    /* Two hand-ins racing: both kept, as versions 3 and 4. */
    {
        char *t = csrf_of(&alice, ACT);
        part pa[] = {{"csrf", NULL, NULL, t, 0}, {"body", NULL, NULL, "racing", 0}};
        buf body = BUF_INIT;
        multipart(&body, pa, 2);
        racer rs[2] = {{sess, csrf_cookie ? csrf_cookie : "", ACT "/submit", NULL,
                        "multipart/form-data; boundary=" BOUNDARY, body.data, body.len},
                       {sess, csrf_cookie ? csrf_cookie : "", ACT "/submit", NULL,
                        "multipart/form-data; boundary=" BOUNDARY, body.data, body.len}};
        long sv[2];
        race(rs, sv);
        CHECK(sv[0] == 303 && sv[1] == 303);
        CHECK(q_int("SELECT count(DISTINCT version) FROM submissions WHERE body_md = 'racing'", NULL) == 2);
        CHECK(q_int("SELECT max(version) FROM submissions", NULL) == 4);
        buf_free(&body);
        free(t);
    }

    /* XSS through file names: escaped on the pages, safe in the header. */
    part xname[] = {{"files", "%22><img src=x onerror=alert(1)>.txt", NULL, "harmless text", 0},
                    {"files", "../../../etc/caf\xc3\xa9 <svg onload=alert(1)>.txt", NULL, "more text", 0}};
    CHECK(submit(&alice, xname, 2, 0, NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM submission_files WHERE name = 'caf\xc3\xa9 <svg onload=alert(1)>.txt'", NULL) == 1);
    CHECK(get(&alice, ACT, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.txt");
    CHECK(inert(buf_str(&r.body)));
    http_res_free(&r);
    char xurl[128];
    snprintf(xurl, sizeof xurl, "/learn/demo-pv/files/%lld",
             q_int("SELECT id FROM submission_files WHERE name LIKE 'caf%'", NULL));
    CHECK(get(&alice, xurl, &r) == 200);
    h = http_res_header(&r, "Content-Disposition");
    CHECK_STR(h, "attachment; filename=\"caf_ _svg onload_alert(1)_.txt\"; "
                 "filename*=UTF-8''caf%C3%A9%20%3Csvg%20onload%3Dalert%281%29%3E.txt");
    free(h);
    http_res_free(&r);

    /* Stop sharing: the classmate loses the file again. */
    char unshare[128];
    snprintf(unshare, sizeof unshare, "/learn/demo-pv/submissions/%lld/unshare", v1_id);
    CHECK(post_form(&alice, ACT, unshare, "") == 303);
    CHECK(post_form(&alice, ACT, unshare, "") == 409);
    CHECK(get(&bob, png_url, NULL) == 404);
    CHECK(post_form(&bob, ACT "/gallery", comment_url, "body=late") == 404);
    CHECK(get(&bob, ACT "/gallery", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Nobody has shared");
    http_res_free(&r);
    /* after posting closes, the work stays readable but nothing new is kept */
    q_exec("UPDATE offerings SET posting_closes_at = unixepoch() - 60 WHERE code = 'demo-pv'", NULL, NULL);
    CHECK(get(&alice, ACT, &r) == 200);
    CHECK(!strstr(buf_str(&r.body), "enctype=\"multipart/form-data\""));
    http_res_free(&r);
    before = rows();
    CHECK(submit(&alice, intrude, 1, 0, NULL) == 403);
    CHECK(rows() == before);
    CHECK(get(&alice, png_url, NULL) == 200);

    free(sess);
    free(csrf_cookie);
    free(tok);
    browser_close(&alice);
    browser_close(&bob);
    browser_close(&carol);
    browser_close(&dave);
    browser_close(&coach);
    browser_close(&other);
    browser_close(&staff);
    browser_close(&anon);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
