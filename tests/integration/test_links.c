/*
** test_links.c: hostile links and lockouts, through real nginx and a real
** SMTP server: the trailing-slash redirect and the next= field after
** sign-in and sign-up stay on this site for a corpus of open-redirect
** payloads; sign-in limits count failures only (a staff room of forty behind
** one address all sign in, successes never lock an account, failures still
** do); the reset limit ignores the e-mail's case; an unconfirmed account can
** have its confirmation link sent again; the sign-up page carries the time
** zone script; and the `journeys` command refuses production settings with
** development secrets and refuses to make a second, empty database.
*/
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "smtp.h"

static stack s;
static smtp_server mail;

/* Percent-encode s for a query or form value (malloc'd). */
static char *enc(const char *str)
{
    buf b = BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            buf_putc(&b, *p);
        else
            buf_printf(&b, "%%%02X", *p);
    }
    return buf_detach(&b);
}

/* Whether a Location value stays on this site. */
static int on_site(const char *loc)
{
    if (!loc || loc[0] != '/' || loc[1] == '/' || loc[1] == '\\')
        return 0;
    for (const unsigned char *p = (const unsigned char *)loc; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p >= 0x80)
            return 0;
    return 1;
}

/* next= payloads, as a form or query value carries them (decoded once). */
static const char *const payloads[] = {
    "//evil.example", "///evil.example", "/\\evil.example", "\\/evil.example", "/\t/evil.example",
    "/%09/evil.example", "/\r\n/evil.example", "/%0d%0a/evil.example", "/%2f%2fevil.example",
    "/%5cevil.example", "/%252f%252fevil.example", "https://evil.example", "https:evil.example",
    "javascript:alert(1)", "/.//evil.example", "/%2e%2e/evil.example", "/\xef\xbc\x8f\xef\xbc\x8f" "evil.example",
    "/%EF%BC%8F%EF%BC%8Fevil.example", "/%E2%80%AEelpmaxe.live", "/%C0%AF%C0%AFevil.example", "/%00//evil.example",
    "data:text/html,x", "evil.example", "//%09/evil.example", "/%5C/evil.example", "\t//evil.example",
    "/\\/evil.example", "/%2F/evil.example", "/../evil.example", "/%C2%85evil.example",
    "/\xe2\x80\x8b/evil.example", "/%25252f%25252fevil.example", "HTTPS://evil.example", "/?%0d%0aX:%20y",
    "//evil.example/%2e%2e", "/./evil.example", "https:/evil.example", "\\\\evil.example", "/%2F%2F%2F",
    "/%E2%88%95evil.example",
};

/* Paths sent as they are on the request line, each ending in a slash so
** that the trailing-slash redirect is what answers. */
static const char *const slash_paths[] = {
    "/%09/evil.example/", "//evil.example/", "///evil.example/", "/%2F%2Fevil.example/", "/%2f/evil.example/",
    "/%5Cevil.example/", "/%5c%5cevil.example/", "/%252F%252Fevil.example/", "/%0D%0A/evil.example/",
    "/%0a/evil.example/", "/.%2F%2Fevil.example/", "/%2e%2e/%2Fevil.example/", "/%EF%BC%8F%EF%BC%8Fevil.example/",
    "/%E2%80%AEevil.example/", "/%C0%AF%C0%AFevil.example/", "/%09//evil.example/", "/%20/%09/evil.example/",
    "/%E2%88%95%E2%88%95evil.example/", "//%09/evil.example/", "/%2F%5Cevil.example/",
};

/* The trailing-slash redirect (308) never leads off the site. */
static void test_slash_redirect(void)
{
    for (size_t i = 0; i < sizeof slash_paths / sizeof *slash_paths; i++) {
        http_res r;
        CHECK(http_do(&s, "GET", slash_paths[i], NULL, NULL, &r) == 0);
        char *loc = http_res_header(&r, "Location");
        if (loc && !on_site(loc))
            fprintf(stderr, "GET %s: %ld Location \"%s\"\n", slash_paths[i], r.status, loc);
        CHECK(r.status != 308 || (loc && !strcmp(loc, "/")));
        CHECK(!loc || on_site(loc));
        free(loc);
        http_res_free(&r);
    }
    /* Ordinary addresses still lose their slash and keep their query. */
    http_res r;
    CHECK(http_do(&s, "GET", "/courses/", NULL, NULL, &r) == 0);
    CHECK(r.status == 308);
    char *loc = http_res_header(&r, "Location");
    CHECK_STR(loc, "/courses");
    free(loc);
    http_res_free(&r);
    CHECK(http_do(&s, "GET", "/calendar/?week=2%2F3", NULL, NULL, &r) == 0);
    CHECK(r.status == 308);
    loc = http_res_header(&r, "Location");
    CHECK_STR(loc, "/calendar?week=2%2F3");
    free(loc);
    http_res_free(&r);
}

/* The hidden next field of the sign-in and sign-up pages (malloc'd). */
static char *hidden_next(const http_res *r)
{
    const char *p = strstr(buf_str(&r->body), "name=\"next\" value=\"");
    if (!p)
        return strdup("(none)");
    p += strlen("name=\"next\" value=\"");
    return strndup(p, strcspn(p, "\""));
}

/* Every payload in next= is replaced on the sign-in and sign-up pages. */
static void test_next_pages(void)
{
    const char *pages[] = {"/signin", "/signup"};
    for (size_t i = 0; i < sizeof payloads / sizeof *payloads; i++) {
        char *e = enc(payloads[i]);
        for (int p = 0; p < 2; p++) {
            char path[1024];
            snprintf(path, sizeof path, "%s?next=%s", pages[p], e);
            http_res r;
            CHECK(http_do(&s, "GET", path, NULL, NULL, &r) == 0);
            char *v = hidden_next(&r);
            if (strcmp(v, "/my"))
                fprintf(stderr, "GET %s: next is \"%s\"\n", path, v);
            CHECK_STR(v, "/my");
            free(v);
            http_res_free(&r);
        }
        free(e);
    }
}

/* Sign up name/email in b with next; returns the POST's status and puts
** its Location in *loc (malloc'd, or NULL). */
static long sign_up(browser *b, const char *name, const char *email, const char *next, char **loc)
{
    char *en = enc(next), *ee = enc(email);
    char form[1024];
    snprintf(form, sizeof form, "name=%s&email=%s&password=correct-horse-battery&time_zone=UTC&school_id=&next=%s",
             name, ee, en);
    free(en);
    free(ee);
    http_res r;
    browser_submit(b, "/signup", "/signup", form, &r);
    long st = r.status;
    if (loc)
        *loc = http_res_header(&r, "Location");
    http_res_free(&r);
    return st;
}

/* Sign in with a fresh visitor; returns the status, *loc as sign_up. */
static long sign_in(const char *email, const char *password, const char *next, char **loc)
{
    browser b;
    browser_open(&b, &s);
    char *en = enc(next), *ee = enc(email), *ep = enc(password);
    char form[1024];
    snprintf(form, sizeof form, "email=%s&password=%s&next=%s", ee, ep, en);
    free(en);
    free(ee);
    free(ep);
    http_res r;
    browser_submit(&b, "/signin", "/signin", form, &r);
    long st = r.status;
    if (loc)
        *loc = http_res_header(&r, "Location");
    if (st != 303 && st != 422 && st != 429)
        fprintf(stderr, "sign-in as %s: %ld %.300s\n", email, st, buf_str(&r.body));
    http_res_free(&r);
    browser_close(&b);
    return st;
}

/* After sign-up and sign-in, a hostile next= leads to /my. */
static void test_next_after_sign_in(void)
{
    const char *some[] = {"/%09/evil.example", "/\t/evil.example", "//evil.example", "/\\evil.example",
                          "/%2f%2fevil.example", "https://evil.example", "/%E2%80%AEelpmaxe.live"};
    for (size_t i = 0; i < sizeof some / sizeof *some; i++) {
        browser b;
        browser_open(&b, &s);
        char email[64], *loc = NULL;
        snprintf(email, sizeof email, "next%zu@example.org", i);
        CHECK(sign_up(&b, "Nia", email, some[i], &loc) == 303);
        if (!loc || strcmp(loc, "/my"))
            fprintf(stderr, "sign-up with next \"%s\": Location \"%s\"\n", some[i], loc ? loc : "(none)");
        CHECK_STR(loc, "/my");
        free(loc);
        browser_close(&b);
        loc = NULL;
        CHECK(sign_in(email, "correct-horse-battery", some[i], &loc) == 303);
        CHECK_STR(loc, "/my");
        free(loc);
    }
    /* A next that is a path on this site is kept, escapes and all. */
    char *loc = NULL;
    CHECK(sign_in("next0@example.org", "correct-horse-battery", "/offerings/pv-2019-10?x=a%26b", &loc) == 303);
    CHECK_STR(loc, "/offerings/pv-2019-10?x=a%26b");
    free(loc);
}

/* Without a next, staff land on the console and everyone else on My
** courses; the sign-in page carries no next of its own. */
static void test_landing(void)
{
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "echo 'a long staff password' | \"${BUILD:-build}\"/journeys user add lead@example.org --name Lead --role staff",
                    &out) == 0);
    buf_free(&out);
    char *loc = NULL;
    CHECK(sign_in("lead@example.org", "a long staff password", "", &loc) == 303);
    CHECK_STR(loc, "/staff");
    free(loc);
    loc = NULL;
    CHECK(sign_in("next0@example.org", "correct-horse-battery", "", &loc) == 303);
    CHECK_STR(loc, "/my");
    free(loc);
    loc = NULL;
    CHECK(sign_in("lead@example.org", "a long staff password", "/calendar", &loc) == 303);
    CHECK_STR(loc, "/calendar");
    free(loc);
    http_res r;
    CHECK(http_do(&s, "GET", "/signin", NULL, NULL, &r) == 0);
    char *v = hidden_next(&r);
    CHECK_STR(v, "");
    free(v);
    http_res_free(&r);
}

/* Forty teachers behind one address, each with two typos first, all sign
** in; successes never lock an account; failures still do, and a success
** before the limit starts the count again. */
static void test_signin_limits(void)
{
    char email[64];
    for (int i = 0; i < 40; i++) {
        browser b;
        browser_open(&b, &s);
        snprintf(email, sizeof email, "teacher%02d@school.example", i);
        CHECK(sign_up(&b, "Teacher", email, "/my", NULL) == 303);
        browser_close(&b);
    }
    int signed_in = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(email, sizeof email, "teacher%02d@school.example", i);
        CHECK(sign_in(email, "correct-horse-batery", "/my", NULL) == 422);
        CHECK(sign_in(email, "Correct-horse-battery", "/my", NULL) == 422);
        signed_in += sign_in(email, "correct-horse-battery", "/my", NULL) == 303;
    }
    if (signed_in != 40)
        fprintf(stderr, "%d of 40 teachers signed in\n", signed_in);
    CHECK(signed_in == 40);

    /* Seven successes in a row: none refused. */
    int ok = 0;
    for (int i = 0; i < 7; i++)
        ok += sign_in("teacher00@school.example", "correct-horse-battery", "/my", NULL) == 303;
    CHECK(ok == 7);

    /* Four failures, a success, four more failures, a success: the success
    ** started the count again. Mixed case is the same account. */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 4; i++)
            CHECK(sign_in("Teacher01@School.example", "wrong-password-1", "/my", NULL) == 422);
        CHECK(sign_in("teacher01@school.example", "correct-horse-battery", "/my", NULL) == 303);
    }

    /* Five failures lock the account, even for the right password, and
    ** whatever the case of the address. Other accounts are not locked. */
    for (int i = 0; i < 5; i++)
        CHECK(sign_in("teacher02@school.example", "wrong-password-1", "/my", NULL) == 422);
    CHECK(sign_in("TEACHER02@school.example", "correct-horse-battery", "/my", NULL) == 429);
    CHECK(sign_in("teacher02@school.example", "correct-horse-battery", "/my", NULL) == 429);
    CHECK(sign_in("teacher03@school.example", "correct-horse-battery", "/my", NULL) == 303);
}

/* One wrong sign-in to teacher04, for a thread; the status in *arg. */
static void *wrong_sign_in(void *arg)
{
    *(long *)arg = sign_in("teacher04@school.example", "wrong-password-2", "/my", NULL);
    return NULL;
}

/* Twelve wrong passwords at once for one account: exactly five are
** checked (the allowance), the others are refused without a check, and the
** right password is refused afterwards. */
static void test_signin_race(void)
{
    enum { N = 12 };
    pthread_t th[N];
    long st[N];
    for (int i = 0; i < N; i++)
        CHECK(pthread_create(&th[i], NULL, wrong_sign_in, &st[i]) == 0);
    int checked = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        checked += st[i] == 422;
        refused += st[i] == 429;
    }
    if (checked != 5 || refused != N - 5)
        fprintf(stderr, "racing sign-ins: %d checked, %d refused\n", checked, refused);
    CHECK(checked == 5);
    CHECK(refused == N - 5);
    CHECK(sign_in("teacher04@school.example", "correct-horse-battery", "/my", NULL) == 429);
}

/* The reset limit (3 an hour per address) ignores the e-mail's case. */
static void test_reset_limit(void)
{
    const char *forms[] = {"email=Ana.Reset%40example.org", "email=ana.reset%40example.org",
                           "email=ANA.RESET%40EXAMPLE.ORG", "email=ana.reset%40Example.Org"};
    long st[4];
    for (int i = 0; i < 4; i++) {
        browser b;
        browser_open(&b, &s);
        http_res r;
        browser_submit(&b, "/reset", "/reset", forms[i], &r);
        st[i] = r.status;
        http_res_free(&r);
        browser_close(&b);
    }
    CHECK(st[0] == 200 && st[1] == 200 && st[2] == 200);
    CHECK(st[3] == 429);
}

/* An unconfirmed account asks for its link again: a button on the account
** page, a POST with CSRF, a new message, a limit; a confirmed one is told
** there is nothing to do. */
static void test_resend_verify(void)
{
    browser b;
    browser_open(&b, &s);
    CHECK(sign_up(&b, "Remi", "remi.resend@example.org", "/my", NULL) == 303);
    CHECK(smtp_wait_mail(&mail, "X-RcptTo: remi.resend@example.org", 1));
    http_res r;
    browser_get(&b, "/account", &r);
    CHECK_CONTAINS(buf_str(&r.body), "action=\"/account/verify/resend\"");
    http_res_free(&r);
    /* Without the CSRF token: refused, nothing sent. */
    browser_post(&b, "/account/verify/resend", "", &r);
    CHECK(r.status == 403);
    http_res_free(&r);
    browser_submit(&b, "/account", "/account/verify/resend", "", &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "remi.resend@example.org");
    http_res_free(&r);
    CHECK(smtp_wait_mail(&mail, "X-RcptTo: remi.resend@example.org", 2));
    /* Three an hour. */
    long last = 0;
    for (int i = 0; i < 3; i++) {
        browser_submit(&b, "/account", "/account/verify/resend", "", &r);
        last = r.status;
        http_res_free(&r);
    }
    CHECK(last == 429);
    /* A spoilt link offers the same button to the signed-in person. */
    browser_get(&b, "/verify?token=spoilt", &r);
    CHECK(r.status == 400);
    CHECK_CONTAINS(buf_str(&r.body), "action=\"/account/verify/resend\"");
    http_res_free(&r);
    /* The link sent again works; then there is nothing more to send. */
    char *link = smtp_mail_link(&mail, "/verify?token=");
    CHECK(link != NULL);
    if (link) {
        browser_submit(&b, link, "/verify", strchr(link, '?') + 1, &r);
        CHECK(r.status == 200);
        CHECK_CONTAINS(buf_str(&r.body), "Address confirmed");
        http_res_free(&r);
    }
    free(link);
    browser_get(&b, "/account", &r);
    CHECK(!strstr(buf_str(&r.body), "action=\"/account/verify/resend\""));
    http_res_free(&r);
    browser_submit(&b, "/my", "/account/verify/resend", "", &r);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "confirmed already");
    http_res_free(&r);
    /* Signed out: the route asks to sign in first. */
    browser other;
    browser_open(&other, &s);
    browser_post(&other, "/account/verify/resend", "", &r);
    CHECK(r.status == 403 || r.status == 401);
    http_res_free(&r);
    browser_close(&other);
    browser_close(&b);
}

/* The sign-up page loads our own time zone script (no inline script), and
** the script is served. */
static void test_time_zone_script(void)
{
    http_res r;
    CHECK(http_do(&s, "GET", "/signup", NULL, NULL, &r) == 0);
    CHECK_CONTAINS(buf_str(&r.body), "<script src=\"/static/timezone.js\"");
    CHECK_CONTAINS(buf_str(&r.body), "data-browser-time-zone");
    CHECK(!strstr(buf_str(&r.body), "<script>"));
    http_res_free(&r);
    CHECK(http_do(&s, "GET", "/static/timezone.js", NULL, NULL, &r) == 0);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "resolvedOptions().timeZone");
    char *ct = http_res_header(&r, "Content-Type");
    CHECK_CONTAINS(ct, "javascript");
    free(ct);
    http_res_free(&r);

    /* A zone the short list leaves out (as a browser may suggest) is kept;
    ** a made-up one is refused. */
    browser b;
    browser_open(&b, &s);
    browser_submit(&b, "/signup", "/signup", "name=Zed&email=zed%40example.org&password=correct-horse-battery"
                   "&time_zone=Mars%2FOlympus_Mons&school_id=&next=%2Fmy", &r);
    CHECK(r.status == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Choose your time zone from the list.");
    CHECK(!strstr(buf_str(&r.body), "data-browser-time-zone"));
    http_res_free(&r);
    browser_submit(&b, "/signup", "/signup", "name=Zed&email=zed%40example.org&password=correct-horse-battery"
                   "&time_zone=Europe%2FAmsterdam&school_id=&next=%2Fmy", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_get(&b, "/account", &r);
    CHECK_CONTAINS(buf_str(&r.body), "<dd>Europe/Amsterdam</dd>");
    CHECK_CONTAINS(buf_str(&r.body), "<option value=\"Europe/Amsterdam\" selected>");
    http_res_free(&r);
    browser_close(&b);
}

/* Run sh command cmd; the exit status, with stdout and stderr in out. */
static int run(const char *cmd, buf *out)
{
    buf_reset(out);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_append(out, chunk, n);
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The journeys command, run from a folder that is not the checkout: `user
** add` does not make a second, empty database; `serve` and `config --check`
** refuse a public site with development secrets or demo offerings. */
static void test_command(void)
{
    char cwd[512], bin[700], dir[] = "/tmp/journeys-links-XXXXXX";
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    snprintf(bin, sizeof bin, "%s%s%s/journeys", build[0] == '/' ? "" : cwd, build[0] == '/' ? "" : "/", build);
    CHECK(mkdtemp(dir) != NULL);
    buf out = BUF_INIT;
    char cmd[2048];
    /* A clean environment: no settings point anywhere. */
    const char *clean = "env -i PATH=/usr/bin:/bin HOME=/tmp";

    snprintf(cmd, sizeof cmd, "cd %s && echo 'a long password' | %s %s user add me@example.org --name Me 2>&1", dir,
             clean, bin);
    int rc = run(cmd, &out);
    CHECK(rc != 0);
    CHECK_CONTAINS(buf_str(&out), "var/journeys.db");
    CHECK_CONTAINS(buf_str(&out), "JOURNEYS_PATHS_DATABASE");
    char path[700];
    snprintf(path, sizeof path, "%s/var/journeys.db", dir);
    CHECK(access(path, F_OK) != 0);
    snprintf(path, sizeof path, "%s/var", dir);
    CHECK(access(path, F_OK) != 0);
    snprintf(cmd, sizeof cmd, "cd %s && %s %s publish 2>&1", dir, clean, bin);
    CHECK(run(cmd, &out) != 0);
    CHECK_CONTAINS(buf_str(&out), "there is no database at");
    CHECK(access(path, F_OK) != 0);

    /* Pointed at the stack's database, it works from anywhere. */
    snprintf(cmd, sizeof cmd, "cd %s && echo 'a long password' | %s JOURNEYS_PATHS_DATABASE=%s %s user add "
             "far.away@example.org --name Far 2>&1", dir, clean, stack_path(&s, "var/journeys.db"), bin);
    rc = run(cmd, &out);
    CHECK(rc == 0);
    CHECK_CONTAINS(buf_str(&out), "added far.away@example.org");

    /* A public address with the development payment secrets. */
    snprintf(cmd, sizeof cmd, "cd %s && %s JOURNEYS_SITE_BASE_URL=https://courses.example.org %s config --check 2>&1",
             dir, clean, bin);
    rc = run(cmd, &out);
    CHECK(rc != 0);
    CHECK_CONTAINS(buf_str(&out), "secret_key");
    CHECK_CONTAINS(buf_str(&out), "webhook_secret");
    CHECK_CONTAINS(buf_str(&out), "[site] secret");
    CHECK_CONTAINS(buf_str(&out), "demo");
    snprintf(cmd, sizeof cmd, "cd %s && %s JOURNEYS_SITE_BASE_URL=https://courses.example.org JOURNEYS_PATHS_VAR=%s/v "
             "JOURNEYS_SERVER_SOCKET=%s/v/s.sock %s serve 2>&1", dir, clean, dir, dir, bin);
    rc = run(cmd, &out);
    CHECK(rc != 0);
    CHECK_CONTAINS(buf_str(&out), "development");
    snprintf(path, sizeof path, "%s/v/s.sock", dir);
    CHECK(access(path, F_OK) != 0);
    /* Real secrets and no demo offerings: accepted. Loopback: accepted. */
    snprintf(cmd, sizeof cmd, "cd %s && %s JOURNEYS_SITE_BASE_URL=https://courses.example.org "
             "JOURNEYS_PAYMENTS_SECRET_KEY=sk_live_x JOURNEYS_PAYMENTS_WEBHOOK_SECRET=whsec_live_y "
             "JOURNEYS_SITE_SECRET=0123456789abcdef0123456789abcdef "
             "JOURNEYS_SITE_DEMO=false %s config --check 2>&1", dir, clean, bin);
    CHECK(run(cmd, &out) == 0);
    snprintf(cmd, sizeof cmd, "cd %s && %s %s config --check 2>&1", dir, clean, bin);
    CHECK(run(cmd, &out) == 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    buf_free(&out);
}

int main(void)
{
    if (smtp_start(&mail) != 0) {
        CHECK(!"the SMTP server starts");
        return check_done();
    }
    static char e1[160];
    snprintf(e1, sizeof e1, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    const char *env[] = {e1, "JOURNEYS_JOBS_INTERVAL=1", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        smtp_stop(&mail);
        return check_done();
    }
    test_slash_redirect();
    test_next_pages();
    test_next_after_sign_in();
    test_landing();
    test_signin_limits();
    test_signin_race();
    test_reset_limit();
    test_resend_verify();
    test_time_zone_script();
    test_command();
    CHECK(stack_stop(&s) == 0);
    smtp_stop(&mail);
    return check_done();
}
