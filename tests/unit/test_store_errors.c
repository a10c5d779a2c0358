/*
** test_store_errors.c: errors are not absences. Every read of the accounts,
** content and outbox store is made to fail (SQLite interrupts each
** statement), and each must say so: -1 for a one-row read, NULL for a list,
** never "not found", "none due", "rate limited" or an empty list. The same
** reads answer normally before and after.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "store_accounts.h"
#include "store_content.h"
#include "store_outbox.h"

/* The progress handler that makes every statement fail (SQLITE_INTERRUPT). */
static int interrupt(void *unused)
{
    (void)unused;
    return 1;
}

/* Make every statement on d fail from now on (on), or stop doing so. */
static void breaking(db *d, int on)
{
    sqlite3_progress_handler(db_handle(d), on ? 1 : 0, on ? interrupt : NULL, NULL);
}

int main(void)
{
    log_quiet(1);
    char dir[] = "/tmp/journeys-storeerr-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    buf err = BUF_INIT;
    db *d = db_open(path, &err);
    CHECK(d != NULL && db_migrate(d, &err) == 0);
    if (!d)
        return check_done();
    arena *a = arena_new(0);
    time_t now = 1700000000;

    CHECK(store_school_put(d, "Harbour School", "Town", "Land", 0) == 0);
    int64_t uid = store_user_create(d, "ada@example.org", "Ada", "x", "participant", 0, NULL, NULL, "UTC", now);
    CHECK(uid > 0);
    unsigned char sh[CRYPTO_HASH_LEN], th[CRYPTO_HASH_LEN];
    crypto_token_hash("session-token", sh);
    crypto_token_hash("link-token", th);
    CHECK(store_session_create(d, sh, uid, "csrf", now, now + 3600) == 0);
    CHECK(store_token_create(d, th, uid, "verify", NULL, now + 3600) == 0);
    json_t *schools = store_schools(d);
    CHECK(json_array_size(schools) == 1);
    json_decref(schools);
    int64_t school = 1;

    /* Working storage: found, found, allowed. */
    user u;
    const char *csrf = NULL;
    int64_t who = 0;
    CHECK(store_user_by_email(d, a, "ada@example.org", &u, NULL) == 1);
    CHECK(store_user_by_email(d, a, "nobody@example.org", &u, NULL) == 0);
    CHECK(store_session_get(d, a, sh, now, &u, &csrf) == 1);
    CHECK(store_token_peek(d, a, th, "verify", now, &who, NULL) == 1);
    CHECK(store_school_exists(d, school) == 1);
    CHECK(store_rate_hit(d, "k", now, 900, 3) == 1);
    CHECK(store_content_version(d) >= 0);
    course_row *courses = NULL;
    offering_listing *listings = NULL, one;
    int n = -1;
    CHECK(store_course_rows(d, a, &courses, &n) == 0 && n == 0);
    CHECK(store_offering_listings(d, a, NULL, 1, &listings, &n) == 0);
    CHECK(store_offering_listing(d, a, "none", &one) == 0);
    json_t *list;
    outbox_item it;
    CHECK(outbox_due(d, a, now, &it, 1) == 0);
    mail_msg m = {0};
    m.to_addr = "ada@example.org";
    m.subject = "Hello";
    m.text = "Hello.";
    int64_t mid = outbox_add_mail(d, &m, now);
    CHECK(mid > 0);
    CHECK(outbox_claim(d, mid, now, now + 60) == 1);   /* the attempt counts when it starts */
    CHECK(outbox_mark_retry(d, mid, "451 later", now + 60, 0, now) == 1);
    list = outbox_problems(d);
    CHECK(json_array_size(list) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "last_error")), "451 later");
    CHECK(json_integer_value(json_object_get(json_array_get(list, 0), "attempts")) == 1);
    CHECK(json_is_false(json_object_get(json_array_get(list, 0), "refused")));
    CHECK(json_is_null(json_object_get(json_array_get(list, 0), "failed_at")));
    json_decref(list);
    list = outbox_recent(d, 10);
    CHECK(json_array_size(list) == 1);
    CHECK(json_integer_value(json_object_get(json_array_get(list, 0), "id")) == mid);
    CHECK(json_is_null(json_object_get(json_array_get(list, 0), "sent_at")));
    json_decref(list);

    /* Failing storage: every answer says it failed. */
    db_trouble_clear();
    breaking(d, 1);
    CHECK(store_user_by_email(d, a, "ada@example.org", &u, NULL) == -1);
    CHECK(db_trouble());                     /* the dispatcher will answer 503 */
    CHECK(store_user_by_id(d, a, uid, &u, NULL) == -1);
    CHECK(store_session_get(d, a, sh, now, &u, &csrf) == -1);
    CHECK(store_token_peek(d, a, th, "verify", now, &who, NULL) == -1);
    CHECK(store_token_use(d, a, th, "verify", now, &who, NULL) == -1);
    CHECK(store_school_exists(d, school) == -1);
    CHECK(store_rate_hit(d, "k", now, 900, 3) == -1);   /* not "used up" */
    CHECK(store_schools(d) == NULL);
    CHECK(store_user_export(d, uid) == NULL);
    CHECK(store_content_version(d) == -1);
    CHECK(store_course_rows(d, a, &courses, &n) == -1);
    CHECK(store_offering_listings(d, a, NULL, 1, &listings, &n) == -1);
    CHECK(store_offering_listing(d, a, "none", &one) == -1);
    CHECK(outbox_due(d, a, now, &it, 1) == -1);          /* not "nothing due" */
    CHECK(outbox_problems(d) == NULL);
    CHECK(outbox_recent(d, 10) == NULL);
    breaking(d, 0);
    CHECK(db_check_idle(d) == 0);

    /* And back: nothing was used up or changed by the failures. */
    CHECK(store_token_use(d, a, th, "verify", now, &who, NULL) == 1 && who == uid);
    CHECK(store_token_use(d, a, th, "verify", now, &who, NULL) == 0);
    CHECK(store_rate_hit(d, "k", now, 900, 2) == 1);
    CHECK(store_rate_hit(d, "k", now, 900, 2) == 0);
    db_trouble_clear();

    arena_free(a);
    db_close(d);
    buf_free(&err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
