/*
** test_discuss.c: the discussion rules that need no database: what a title
** and a post may be (hostile and malformed ones are refused before anything
** is opened), the edit window and ownership, and the quote excerpt.
** Then the discussion store on a database whose every statement fails:
** each read says it failed (-1), never "none" or an empty list. Everything
** that writes is tested through nginx in tests/integration/test_discuss.c.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "discuss.h"
#include "log.h"
#include "store_discuss.h"

/* Start a thread with title and body on no database: the refusal code
** (DOM_INVALID expected) and d->field in *field. */
static int start(arena *a, const char *title, const char *body, const char **field)
{
    domain d = domain_make(NULL, NULL, NULL, a, 7, 1000000);
    discuss_posted out;
    int rc = discuss_start(&d, 1, 0, title, body, &out);
    *field = d.field;
    CHECK(d.message != NULL);
    return rc;
}

/* Malformed, empty and oversized titles and bodies are refused, naming their field. */
static void test_titles_and_bodies(void)
{
    arena *a = arena_new(0);
    const char *field;
    char long_title[202], long_body[20002];
    memset(long_title, 'T', 201);
    long_title[201] = '\0';
    memset(long_body, 'b', 20001);
    long_body[20001] = '\0';
    static const char *const bad_titles[] = {
        NULL, "", "   ", "\t\n", "two\nlines", "a\rb", "bell\a", "tab\there", "del\x7f", "bad \xff utf-8",
        "overlong \xc0\xaf", "surrogate \xed\xa0\x80", "cut \xe2\x82",
    };
    for (size_t i = 0; i < sizeof bad_titles / sizeof *bad_titles; i++) {
        CHECK(start(a, bad_titles[i], "fine", &field) == DOM_INVALID);
        CHECK(field && !strcmp(field, "title"));
    }
    CHECK(start(a, long_title, "fine", &field) == DOM_INVALID);
    CHECK(field && !strcmp(field, "title"));
    static const char *const bad_bodies[] = {NULL, "", " \n\t\r\n ", "bad \xfe utf-8", "cut \xf0\x9f\x98"};
    for (size_t i = 0; i < sizeof bad_bodies / sizeof *bad_bodies; i++) {
        CHECK(start(a, "A fine title", bad_bodies[i], &field) == DOM_INVALID);
        CHECK(field && !strcmp(field, "body"));
    }
    CHECK(start(a, "A fine title", long_body, &field) == DOM_INVALID);
    CHECK(field && !strcmp(field, "body"));
    /* the caps count characters, not bytes: 201 two-byte letters are over */
    char accents[201 * 2 + 1];
    for (int i = 0; i < 201; i++)
        memcpy(accents + 2 * i, "\xc3\xa9", 2);
    accents[402] = '\0';
    domain d = domain_make(NULL, NULL, NULL, a, 7, 1000000);
    discuss_posted out;
    CHECK(discuss_start(&d, 1, 0, accents, "fine", &out) == DOM_INVALID);
    CHECK(d.message && strstr(d.message, "201 characters"));
    /* the cap counts what is left after trimming */
    char padded[20010];
    memset(padded, ' ', 5);
    memset(padded + 5, 'p', 20001);
    padded[20006] = '\0';
    CHECK(start(a, "A fine title", padded, &field) == DOM_INVALID);
    arena_free(a);
}

/* Only the author edits or deletes, only inside the window, never a removed post. */
static void test_edit_rules(void)
{
    arena *a = arena_new(0);
    post_row p;
    memset(&p, 0, sizeof p);
    p.id = 3;
    p.thread_id = 2;
    p.author_id = 7;
    p.created_at = 1000000;
    domain d = domain_make(NULL, NULL, NULL, a, 8, 1000060);
    CHECK(discuss_edit(&d, &p, 0, "mine now") == 403);     /* someone else's */
    CHECK(discuss_delete(&d, &p) == 403);
    d = domain_make(NULL, NULL, NULL, a, 7, 1000000 + DISCUSS_EDIT_SECONDS + 1);
    CHECK(discuss_edit(&d, &p, 0, "too late") == DOM_CONFLICT);
    CHECK(d.message && strstr(d.message, "30 minutes"));
    d = domain_make(NULL, NULL, NULL, a, 7, 1000060);
    p.deleted_at = 1000030;
    CHECK(discuss_edit(&d, &p, 0, "gone") == DOM_CONFLICT);
    p.deleted_at = 0;
    p.hidden_at = 1000030;
    CHECK(discuss_edit(&d, &p, 0, "hidden") == DOM_CONFLICT);
    p.hidden_at = 0;
    CHECK(discuss_edit(&d, &p, 0, "") == DOM_INVALID);     /* inside the window, but empty */
    arena_free(a);
}

/* Quote excerpts: short text as it is, long text cut on a word and a whole character. */
static void test_excerpt(void)
{
    arena *a = arena_new(0);
    CHECK_STR(discuss_excerpt(a, NULL, 10), "");
    CHECK_STR(discuss_excerpt(a, "short", 10), "short");
    CHECK_STR(discuss_excerpt(a, "exactly10!", 10), "exactly10!");
    CHECK_STR(discuss_excerpt(a, "one two three four five", 12), "one two…");
    /* never cuts inside a UTF-8 sequence: é is two bytes, € three */
    CHECK_STR(discuss_excerpt(a, "aaaaaaaaaé", 10), "aaaaaaaaa…");
    CHECK_STR(discuss_excerpt(a, "€€€€", 10), "€€€…");
    /* invalid bytes end the excerpt rather than pass through half-read */
    const char *x = discuss_excerpt(a, "abc\xff\xfe defghijklmnop", 8);
    CHECK(strchr(x, '\xff') == NULL);
    arena_free(a);
}

/* The progress handler that makes every statement fail (SQLITE_INTERRUPT). */
static int interrupt(void *unused)
{
    (void)unused;
    return 1;
}

/* Every read of the discussion store, on a migrated empty database, first
** working (nothing found) and then with every statement failing. */
static void test_store_errors(void)
{
    char dir[] = "/tmp/journeys-discuss-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    buf err = BUF_INIT;
    db *d = db_open(path, &err);
    CHECK(d != NULL && db_migrate(d, &err) == 0);
    buf_free(&err);
    if (!d)
        return;
    arena *a = arena_new(0);
    prompt_row *prompts, prompt;
    thread_row *threads, thread;
    post_row *posts, post;
    int n, on, t, u, p;
    int64_t id, offering;
    const char *mode;
    for (int failing = 0; failing <= 1; failing++) {
        sqlite3_progress_handler(db_handle(d), failing ? 1 : 0, failing ? interrupt : NULL, NULL);
        int want = failing ? -1 : 0;
        CHECK(store_prompts(d, a, 1, &prompts, &n) == want);
        CHECK(store_prompt_by_key(d, a, 1, "k", &prompt) == want);
        CHECK(store_post_first(d, 1, &on) == want);
        CHECK(store_space_counts(d, 1, 0, 1, &t, &u, &p) == want);
        CHECK(store_unread_total(d, 1, 1, 1) == want);
        CHECK(store_threads(d, a, 1, 0, 1, 0, 30, 0, &threads, &n) == want);
        CHECK(store_threads_count(d, 1, 0, 0) == want);
        CHECK(store_thread_get(d, a, 1, 1, &thread) == want);
        CHECK(store_posts(d, a, 1, 50, 0, &posts, &n) == want);
        CHECK(store_post_get(d, a, 1, &post, &offering) == want);
        CHECK(store_posts_before(d, 1, 1) == want);
        CHECK(store_first_unread(d, 1, 1, 0, &id) == want);
        CHECK(store_follow_get(d, 1, 1, &mode) == want);
    }
    sqlite3_progress_handler(db_handle(d), 0, NULL, NULL);
    db_trouble_clear();
    CHECK(db_check_idle(d) == 0);
    arena_free(a);
    db_close(d);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    log_quiet(1);
    test_titles_and_bodies();
    test_edit_rules();
    test_excerpt();
    test_store_errors();
    return check_done();
}
