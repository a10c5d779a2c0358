/*
** test_dispatch.c: the dispatcher when the store fails under a page. With
** every statement made to fail, the pages that read lists, the health
** check and a signed-in request each answer 503 with a message and
** Retry-After: never an empty page, never "signed out", never a bare 500.
** Before and after, the same pages answer 200. A request whose batch was
** not written is answered 503 saying nothing was saved.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "check.h"
#include "access.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "store_accounts.h"

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

/* The progress handler that makes every statement fail. */
static int interrupt(void *unused)
{
    (void)unused;
    return 1;
}

/* Serve GET uri (with cookie, may be NULL) into out; returns the status. */
static int serve(app *ap, const char *uri, const char *cookie, buf *out)
{
    struct fake f = {"GET", uri, cookie};
    arena *a = arena_new(0);
    buf_reset(out);
    app_handle(ap, a, get, &f, no_body, NULL, out);
    arena_free(a);
    int status = 0;
    sscanf(buf_str(out), "Status: %d", &status);
    return status;
}

int main(void)
{
    log_quiet(1);
    char dir[] = "/tmp/journeys-dispatch-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    setenv("JOURNEYS_PATHS_DATABASE", path, 1);
    config cfg;
    buf err = BUF_INIT, out = BUF_INIT;
    CHECK(config_load(&cfg, NULL, &err) == 0);
    app ap;
    CHECK(app_load(&ap, &cfg, &err) == 0);
    CHECK(app_open_db(&ap, &err) == 0);
    CHECK(db_migrate(ap.db, &err) == 0);
    if (buf_str(&err)[0])
        fprintf(stderr, "%s", buf_str(&err));

    int64_t uid = store_user_create(ap.db, "ada@example.org", "Ada", "x", "participant", 0, NULL, NULL, "UTC",
                                    time(NULL));
    char token[CRYPTO_TOKEN_LEN + 1];
    crypto_token(token);
    unsigned char hash[CRYPTO_HASH_LEN];
    crypto_token_hash(token, hash);
    CHECK(store_session_create(ap.db, hash, uid, "csrf-of-ada", time(NULL), time(NULL) + 3600) == 0);
    char cookie[128];
    snprintf(cookie, sizeof cookie, SESSION_COOKIE "=%s", token);

    const char *pages[] = {"/", "/courses", "/calendar", "/calendar.ics", "/healthz"};
    size_t n = sizeof pages / sizeof *pages;
    for (size_t i = 0; i < n; i++)
        CHECK(serve(&ap, pages[i], NULL, &out) == 200);
    CHECK(serve(&ap, "/account", cookie, &out) == 200);
    CHECK_CONTAINS(buf_str(&out), "ada@example.org");

    /* A request whose batch was not written (the write pool's worker,
    ** server/serve.c): a 503 that says nothing was saved, whatever its
    ** handler had answered; what the process kept is rebuilt afterwards. */
    struct fake unsaved = {"POST", "/learn/demo/threads/1/reply", cookie};
    arena *ua = arena_new(0);
    buf_reset(&out);
    app_unsaved(&ap, ua, get, &unsaved, &out);
    arena_free(ua);
    CHECK(!strncmp(buf_str(&out), "Status: 503", 11));
    CHECK_CONTAINS(buf_str(&out), "Retry-After: 60\r\n");
    CHECK_CONTAINS(buf_str(&out), "nothing was changed");
    app_forget_kept(&ap);
    CHECK(serve(&ap, "/", NULL, &out) == 200);
    CHECK(serve(&ap, "/account", cookie, &out) == 200);

    sqlite3_progress_handler(db_handle(ap.db), 1, interrupt, NULL);
    for (size_t i = 0; i < n; i++) {
        CHECK(serve(&ap, pages[i], NULL, &out) == 503);
        CHECK_CONTAINS(buf_str(&out), "Retry-After: 60\r\n");
        CHECK_CONTAINS(buf_str(&out), "try again in a minute");
    }
    /* A session that cannot be read is not "signed out" (no redirect to sign in). */
    CHECK(serve(&ap, "/account", cookie, &out) == 503);
    CHECK_CONTAINS(buf_str(&out), "Retry-After: 60\r\n");
    sqlite3_progress_handler(db_handle(ap.db), 0, NULL, NULL);
    CHECK(db_check_idle(ap.db) == 0);

    for (size_t i = 0; i < n; i++)
        CHECK(serve(&ap, pages[i], NULL, &out) == 200);
    CHECK(serve(&ap, "/account", cookie, &out) == 200);

    app_free(&ap);
    config_free(&cfg);
    buf_free(&out);
    buf_free(&err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
