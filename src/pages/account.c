/*
** account.c: sign-up, e-mail confirmation, sign-in and out, password reset,
** and the account page (profile, e-mail, password, data, deletion).
*/
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "log.h"
#include "mail.h"
#include "notify.h"
#include "pages.h"
#include "store_accounts.h"
#include "text.h"

#define TOKEN_HOURS_VERIFY 72
#define TOKEN_MINUTES_RESET 60
#define VERIFY_RESENDS_PER_HOUR 3
#define SIGNIN_WINDOW 900 /* seconds: the sign-in limits count failures in 15 minutes */

static const char *const time_zones[] = {
    "UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Toronto",
    "America/Vancouver", "America/Halifax", "America/Mexico_City", "America/Bogota",
    "America/Sao_Paulo", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris",
    "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Athens", "Africa/Lagos",
    "Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore",
    "Asia/Hong_Kong", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Perth",
    "Australia/Sydney", "Pacific/Auckland",
};

/* 1 if tz is one of the zones offered. */
static int tz_listed(const char *tz)
{
    for (size_t i = 0; i < sizeof time_zones / sizeof *time_zones; i++)
        if (!strcmp(tz, time_zones[i]))
            return 1;
    return 0;
}

/* 1 if tz is offered, or is a zone name (Area/Place or Area/Region/Place)
** this machine's time zone database knows: a browser may suggest one that
** the short list leaves out. */
static int tz_known(const char *tz)
{
    if (tz_listed(tz))
        return 1;
    size_t n = strlen(tz);
    if (n < 3 || n > 64 || !strncmp(tz, "posix/", 6) || !strncmp(tz, "right/", 6))
        return 0;
    int slashes = 0;
    for (size_t i = 0; i < n; i++) {
        char c = tz[i];
        if (c == '/') {
            if (i == 0 || tz[i - 1] == '/' || i + 1 == n)
                return 0;
            slashes++;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9' && slashes) ||
                     (slashes && (c == '_' || c == '+' || c == '-')))) {
            return 0;
        }
    }
    if (slashes < 1 || slashes > 2)
        return 0;
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The label of a zone in the list: the part after the area, with spaces. */
static char *tz_label(arena *a, const char *z)
{
    const char *p = strchr(z, '/') ? strchr(z, '/') + 1 : z;
    char *l = arena_strdup(a, p);
    for (char *q = l; *q; q++)
        if (*q == '_')
            *q = ' ';
    return l;
}

/* The zone list for a select, marking chosen; a chosen zone the list
** leaves out is added at its end, so that saving the form keeps it. */
static json_t *tz_options(request *rq, const char *chosen)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof time_zones / sizeof *time_zones; i++) {
        const char *z = time_zones[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", z, "label", tz_label(rq->a, z), "selected",
                                           chosen && !strcmp(chosen, z)));
    }
    if (chosen && !tz_listed(chosen) && tz_known(chosen))
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", chosen, "label", tz_label(rq->a, chosen),
                                           "selected", 1));
    return a;
}

/* The member schools for a select, marking chosen; NULL when they could
** not be read (the caller answers page_unavailable). */
static json_t *school_options(request *rq, int64_t chosen)
{
    json_t *all = store_schools(page_app(rq)->db);
    size_t i;
    json_t *s;
    json_array_foreach(all, i, s)
        json_object_set_new(s, "selected", json_boolean(json_integer_value(json_object_get(s, "id")) == chosen));
    return all;
}

/* A form field, trimmed, or "" when absent. */
static const char *field(request *rq, const char *name)
{
    const char *v = kv_get(&rq->form, name);
    if (!v)
        return "";
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return arena_strndup(rq->a, v, n);
}

/* Record a field error. */
static void fail(json_t *errors, const char *name, const char *message)
{
    if (!json_object_get(errors, name))
        json_object_set_new(errors, name, json_string(message));
}

/* Check a text field: required and at most max characters. */
static void check_text(json_t *errors, const char *name, const char *v, int required, size_t max, const char *what)
{
    if (required && !*v)
        fail(errors, name, what);
    else if (strlen(v) > max)
        fail(errors, name, "This is too long; please shorten it.");
    else if (strpbrk(v, "\r\n"))
        fail(errors, name, "Please keep this on one line.");
}

/* Check an e-mail address field. */
static void check_email(json_t *errors, const char *name, const char *v)
{
    if (!*v)
        fail(errors, name, "Enter your e-mail address.");
    else if (!mail_addr_valid(v))
        fail(errors, name, "Enter an e-mail address like name@school.org.");
}

/* Check a new password. */
static void check_password(json_t *errors, const char *name, const char *v)
{
    size_t n = strlen(v);
    if (n < 10)
        fail(errors, name, "Choose a password of at least 10 characters.");
    else if (n > 200)
        fail(errors, name, "Choose a password of at most 200 characters.");
}

/* Check the profile fields sign-up and the account page share; returns the
** chosen school's id (0 for none), or -1 when the schools could not be read. */
static int64_t check_profile(request *rq, json_t *errors, const char *organisation, const char *school_role,
                             const char *tz, const char *school)
{
    check_text(errors, "organisation", organisation, 0, 160, "");
    check_text(errors, "school_role", school_role, 0, 160, "");
    if (!tz_known(tz))
        fail(errors, "time_zone", "Choose your time zone from the list.");
    int64_t school_id = 0;
    if (*school) {
        char *end;
        school_id = strtoll(school, &end, 10);
        int known = *end || school_id <= 0 ? 0 : store_school_exists(page_app(rq)->db, school_id);
        if (known < 0)
            return -1;
        if (!known)
            fail(errors, "school_id", "Choose your school from the list, or leave it empty.");
    }
    return school_id;
}

/* A safe place to go after signing in: a path on this site, else /my. */
static const char *next_path(request *rq, const char *next)
{
    return http_local_path(rq->a, next, "/my");
}

/* A rate-limit key: prefix and what it counts (an e-mail address or a
** network address), lower-cased as e-mail addresses are compared, at most
** 300 bytes of it. In the request's arena. */
static const char *rate_key(request *rq, const char *prefix, const char *what)
{
    char *k = arena_printf(rq->a, "%s%.300s", prefix, what ? what : "");
    for (char *p = k; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    return k;
}

/* Render a form page again with its errors (422) or fresh (200). */
static int form_page(request *rq, response *rs, const char *tmpl, const char *title, json_t *ctx, json_t *errors)
{
    int has = json_object_size(errors) > 0 || json_object_get(ctx, "error");
    json_object_set_new(ctx, "errors", errors);
    json_object_set_new(ctx, "has_errors", json_boolean(has));
    if (has)
        rs->status = 422;
    return page_render(rq, rs, tmpl, ctx, title, NULL);
}

/* A one-time token for a link, stored hashed; the link goes in *url. */
static int make_link(request *rq, int64_t user_id, const char *purpose, const char *data, long seconds,
                     const char *path, const char **url)
{
    char token[CRYPTO_TOKEN_LEN + 1];
    unsigned char hash[CRYPTO_HASH_LEN];
    crypto_token(token);
    crypto_token_hash(token, hash);
    if (store_token_create(page_app(rq)->db, hash, user_id, purpose, data, time(NULL) + seconds) != 0)
        return -1;
    *url = arena_printf(rq->a, "%s%s?token=%s", page_app(rq)->cfg->base_url, path, token);
    return 0;
}

/* Queue mail NAME to to_addr through the domain's notifier, inside the
** caller's transaction (ctx borrowed; NULL from a failed json_pack fails
** here). 0, or -1 (logged): the caller rolls back. */
static int account_mail(request *rq, const char *name, const char *subject, const char *to_addr,
                        const char *to_name, json_t *ctx)
{
    app *ap = page_app(rq);
    domain d = domain_make(ap->db, ap->cfg, ap->tmpl, rq->a, rq->session ? rq->session->u.id : 0, time(NULL));
    return notify_queue(&d, name, subject, to_addr, to_name, ctx, NULL) == DOM_OK ? 0 : -1;
}

/* Queue the address-confirmation mail (inside the caller's transaction). */
static int send_verify(request *rq, int64_t user_id, const char *email, const char *name)
{
    const char *url;
    if (make_link(rq, user_id, "verify", NULL, TOKEN_HOURS_VERIFY * 3600L, "/verify", &url) != 0)
        return -1;
    json_t *ctx = json_pack("{s:{s:s}, s:s}", "user", "name", name, "link", url);
    int rc = account_mail(rq, "verify", "Confirm your e-mail address", email, name, ctx);
    json_decref(ctx);
    return rc;
}

int page_account_send_verify(request *rq, int64_t user_id, const char *email, const char *name)
{
    return send_verify(rq, user_id, email, name);
}

int page_signup(request *rq, response *rs)
{
    json_t *ctx = json_object();
    json_t *errors = json_object();
    const char *next = kv_get(rq->form.n ? &rq->form : &rq->query, "next");
    json_object_set_new(ctx, "next", json_string(next_path(rq, next)));
    if (rq->session) {
        json_decref(ctx);
        json_decref(errors);
        http_redirect(rs, 303, "/my");
        return 0;
    }
    if (strcmp(rq->method, "POST")) {
        json_t *schools = school_options(rq, 0);
        if (!schools) {
            json_decref(ctx);
            json_decref(errors);
            return page_unavailable(rq);
        }
        json_object_set_new(ctx, "values", json_object());
        json_object_set_new(ctx, "schools", schools);
        json_object_set_new(ctx, "time_zones", tz_options(rq, "UTC"));
        json_object_set_new(ctx, "suggest_time_zone", json_true());
        return form_page(rq, rs, "pages/signup", "Create an account", ctx, errors);
    }
    const char *name = field(rq, "name"), *email = field(rq, "email"), *password = kv_get(&rq->form, "password");
    const char *organisation = field(rq, "organisation"), *school_role = field(rq, "school_role");
    const char *tz = field(rq, "time_zone"), *school = field(rq, "school_id");
    if (!password)
        password = "";
    check_text(errors, "name", name, 1, 120, "Enter your name.");
    check_email(errors, "email", email);
    check_password(errors, "password", password);
    int64_t school_id = check_profile(rq, errors, organisation, school_role, tz, school);
    if (school_id < 0) {
        json_decref(ctx);
        json_decref(errors);
        return page_unavailable(rq);
    }
    if (!json_object_size(errors)) {
        char hash[CRYPTO_PWHASH_LEN];
        if (crypto_password_hash(password, hash) != 0)
            return 500;
        if (db_begin_write(page_app(rq)->db) != 0)
            return 503;
        int64_t id = store_user_create(page_app(rq)->db, email, name, hash, "participant", school_id, organisation,
                                       school_role, tz, time(NULL));
        if (id == STORE_DUPLICATE) {
            db_rollback(page_app(rq)->db);
            fail(errors, "email", "An account with this address exists already. Sign in, or reset your password.");
        } else if (id < 0 || send_verify(rq, id, email, name) != 0 || db_commit(page_app(rq)->db) != 0) {
            db_rollback(page_app(rq)->db);
            return 500;
        } else {
            json_decref(ctx);
            json_decref(errors);
            if (access_sign_in(rq, rs, id) != 0)
                return 500;
            page_flash(rq, rs, "welcome");
            http_redirect(rs, 303, next_path(rq, next));
            return 0;
        }
    }
    json_object_set_new(ctx, "values", json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name, "email", email,
                                                 "organisation", organisation, "school_role", school_role,
                                                 "time_zone", tz));
    json_t *schools = school_options(rq, school_id);
    if (!schools) {
        json_decref(ctx);
        json_decref(errors);
        return page_unavailable(rq);
    }
    json_object_set_new(ctx, "schools", schools);
    json_object_set_new(ctx, "time_zones", tz_options(rq, tz));
    return form_page(rq, rs, "pages/signup", "Create an account", ctx, errors);
}

/* A 503 for a write that could not be made: a message (the dispatcher adds
** Retry-After). */
static int busy(request *rq, response *rs)
{
    (void)rs;
    rq->message = "The site could not save this just now. Nothing was changed; please try again in a minute.";
    return 503;
}

/* Take a sign-in attempt from the account's allowance (akey) and, if that
** is not used up, the address's (ikey), in one write: *ok_account and
** *ok_address say which allowed it (a refusal takes nothing from either).
** Returns 0, or 503 (rq->message set) when the write failed. */
static int signin_take(request *rq, response *rs, const char *akey, const char *ikey, time_t now, int *ok_account,
                       int *ok_address)
{
    const config *cfg = page_app(rq)->cfg;
    if (db_begin_write(page_app(rq)->db) != 0)
        return busy(rq, rs);
    *ok_account = store_rate_hit(page_app(rq)->db, akey, now, SIGNIN_WINDOW, cfg->signin_per_account);
    *ok_address = *ok_account == 1 ? store_rate_hit(page_app(rq)->db, ikey, now, SIGNIN_WINDOW, cfg->signin_per_address) : 0;
    if (*ok_account < 0 || *ok_address < 0 || (*ok_account && !*ok_address && store_rate_give_back(page_app(rq)->db, akey, now, SIGNIN_WINDOW) != 0) ||
        db_commit(page_app(rq)->db) != 0) {
        db_rollback(page_app(rq)->db);
        return busy(rq, rs);
    }
    return 0;
}

int page_signin(request *rq, response *rs)
{
    json_t *ctx = json_object();
    const char *next = kv_get(rq->form.n ? &rq->form : &rq->query, "next");
    /* Without a next, where a person lands depends on who they are. */
    json_object_set_new(ctx, "next", json_string(next && *next ? next_path(rq, next) : ""));
    if (strcmp(rq->method, "POST")) {
        json_object_set_new(ctx, "values", json_object());
        return form_page(rq, rs, "pages/signin", "Sign in", ctx, json_object());
    }
    const char *email = field(rq, "email"), *password = kv_get(&rq->form, "password");
    json_object_set_new(ctx, "values", json_pack("{s:s}", "email", email));
    /* Failures count, successes do not: each attempt takes one from the
    ** account's and the address's allowance while it runs, and a success
    ** gives them back (and clears the account's count). */
    time_t now = time(NULL);
    const char *akey = rate_key(rq, "signin:a:", email), *ikey = rate_key(rq, "signin:ip:", rq->remote_addr);
    int ok_account = 0, ok_address = 0;
    if (signin_take(rq, rs, akey, ikey, now, &ok_account, &ok_address) != 0) {
        json_decref(ctx);
        return 503;
    }
    if (!ok_account || !ok_address) {
        json_object_set_new(ctx, "error", json_string(ok_account ? "Too many failed attempts to sign in from your network. "
                                                                   "Wait fifteen minutes and try again."
                                                                 : "Too many failed attempts to sign in to this account. "
                                                                   "Wait fifteen minutes, or reset your password."));
        int rc = form_page(rq, rs, "pages/signin", "Sign in", ctx, json_object());
        rs->status = 429;
        return rc;
    }
    user u;
    const char *stored = NULL;
    int found = *email ? store_user_by_email(page_app(rq)->db, rq->a, email, &u, &stored) : 0;
    if (found < 0) {
        json_decref(ctx);
        return page_unavailable(rq);
    }
    int ok = crypto_password_check(password ? password : "", found ? stored : crypto_dummy_hash()) && found;
    if (!ok) {
        json_object_set_new(ctx, "error", json_string("The e-mail address or the password is not right. Check both, "
                                                      "or reset your password."));
        return form_page(rq, rs, "pages/signin", "Sign in", ctx, json_object());
    }
    json_decref(ctx);
    if (db_begin_write(page_app(rq)->db) != 0 || store_rate_clear(page_app(rq)->db, akey) != 0 ||
        store_rate_give_back(page_app(rq)->db, ikey, now, SIGNIN_WINDOW) != 0 || db_commit(page_app(rq)->db) != 0) {
        db_rollback(page_app(rq)->db);
        return busy(rq, rs);
    }
    if (access_sign_in(rq, rs, u.id) != 0)
        return 500;
    page_flash(rq, rs, "signed-in");
    http_redirect(rs, 303, next && *next ? next_path(rq, next) : !strcmp(u.role, "staff") ? "/staff"
                                                                : !strcmp(u.role, "coach") ? "/coach" : "/my");
    return 0;
}

int page_signout(request *rq, response *rs)
{
    access_sign_out(rq, rs);
    http_redirect(rs, 303, "/");
    return 0;
}

/* The hash of the token in the query or form, or 0 if there is none. */
static int token_hash(request *rq, unsigned char hash[CRYPTO_HASH_LEN], const char **token)
{
    const char *t = kv_get(rq->form.n ? &rq->form : &rq->query, "token");
    if (!t || strlen(t) != CRYPTO_TOKEN_LEN)
        return 0;
    crypto_token_hash(t, hash);
    *token = t;
    return 1;
}

/* A simple notice page. */
static int notice(request *rq, response *rs, const char *heading, const char *message, const char *url,
                  const char *label)
{
    json_t *ctx = json_pack("{s:s, s:s, s:s?, s:s?}", "heading", heading, "message", message, "link_url", url,
                            "link_label", label);
    return page_render(rq, rs, "pages/notice", ctx, heading, NULL);
}

/* The verify page's answer to a link that cannot be used (400): a signed-in,
** unconfirmed person gets the "Send the link again" button there. */
static int verify_error(request *rq, response *rs, const char *bad)
{
    rs->status = 400;
    int can_resend = rq->session && !rq->session->u.verified;
    return page_render(rq, rs, "pages/verify", json_pack("{s:s, s:b}", "error", bad, "can_resend", can_resend),
                       "Confirm your address", NULL);
}

int page_verify(request *rq, response *rs)
{
    unsigned char hash[CRYPTO_HASH_LEN];
    const char *token = NULL;
    int64_t uid = 0;
    const char *bad = "This confirmation link is not valid any more. Sign in and have a new one sent from your account page.";
    if (!token_hash(rq, hash, &token)) {
        return verify_error(rq, rs, bad);
    }
    if (strcmp(rq->method, "POST")) {
        int found = store_token_peek(page_app(rq)->db, rq->a, hash, "verify", time(NULL), &uid, NULL);
        if (found < 0)
            return page_unavailable(rq);
        if (!found)
            return verify_error(rq, rs, bad);
        return page_render(rq, rs, "pages/verify", json_pack("{s:s}", "token", token), "Confirm your address", NULL);
    }
    if (db_begin_write(page_app(rq)->db) != 0)
        return 503;
    int used = store_token_use(page_app(rq)->db, rq->a, hash, "verify", time(NULL), &uid, NULL);
    if (used != 1) {
        db_rollback(page_app(rq)->db);
        return used < 0 ? page_unavailable(rq) : verify_error(rq, rs, bad);
    }
    if (store_user_verify(page_app(rq)->db, uid, time(NULL)) != 0 || db_commit(page_app(rq)->db) != 0) {
        db_rollback(page_app(rq)->db);
        return 500;
    }
    return notice(rq, rs, "Address confirmed", "Thank you: your e-mail address is confirmed.", "/my", "Go to my courses");
}

int page_account_verify_resend(request *rq, response *rs)
{
    const user *u = &rq->session->u;
    if (u->verified)
        return notice(rq, rs, "Address confirmed already", "Your e-mail address is confirmed already: there is "
                      "nothing to send.", "/account", "Your account");
    time_t now = time(NULL);
    if (db_begin_write(page_app(rq)->db) != 0)
        return busy(rq, rs);
    int allowed = store_rate_hit(page_app(rq)->db, rate_key(rq, "verify:u:", arena_printf(rq->a, "%lld", (long long)u->id)),
                                 now, 3600, VERIFY_RESENDS_PER_HOUR);
    if (allowed < 0) {
        db_rollback(page_app(rq)->db);
        return busy(rq, rs);
    }
    if (!allowed) {
        if (db_commit(page_app(rq)->db) != 0)
            db_rollback(page_app(rq)->db);
        rs->status = 429;
        return notice(rq, rs, "Please wait a little",
                      arena_printf(rq->a, "We have sent the link %d times in the last hour. Look for it in your "
                                   "spam folder too, or ask again in an hour.", VERIFY_RESENDS_PER_HOUR),
                      "/account", "Your account");
    }
    if (send_verify(rq, u->id, u->email, u->name) != 0 || db_commit(page_app(rq)->db) != 0) {
        db_rollback(page_app(rq)->db);
        return 500;
    }
    return notice(rq, rs, "Link sent",
                  arena_printf(rq->a, "A new confirmation link is on its way to %s. It works for %d hours.", u->email,
                               TOKEN_HOURS_VERIFY),
                  "/account", "Your account");
}

int page_reset_request(request *rq, response *rs)
{
    json_t *ctx = json_object();
    if (strcmp(rq->method, "POST")) {
        json_object_set_new(ctx, "values", json_object());
        return form_page(rq, rs, "pages/reset_request", "Reset your password", ctx, json_object());
    }
    const char *email = field(rq, "email");
    json_t *errors = json_object();
    check_email(errors, "email", email);
    json_object_set_new(ctx, "values", json_pack("{s:s}", "email", email));
    if (json_object_size(errors))
        return form_page(rq, rs, "pages/reset_request", "Reset your password", ctx, errors);
    time_t now = time(NULL);
    int ok = store_rate_hit(page_app(rq)->db, rate_key(rq, "reset:a:", email), now, 3600, 3);
    int ok_ip = ok < 0 ? -1 : store_rate_hit(page_app(rq)->db, rate_key(rq, "reset:ip:", rq->remote_addr), now, 3600, 10);
    if (ok < 0 || ok_ip < 0) {
        json_decref(ctx);
        json_decref(errors);
        return busy(rq, rs);
    }
    if (!ok || !ok_ip) {
        json_object_set_new(ctx, "error", json_string("Too many reset requests. Please wait an hour and try again."));
        int rc = form_page(rq, rs, "pages/reset_request", "Reset your password", ctx, errors);
        rs->status = 429;
        return rc;
    }
    json_decref(ctx);
    json_decref(errors);
    user u;
    int found = store_user_by_email(page_app(rq)->db, rq->a, email, &u, NULL);
    if (found < 0)
        return page_unavailable(rq);
    if (found) {
        const char *url;
        if (db_begin_write(page_app(rq)->db) != 0)
            return 503;
        json_t *mctx = NULL;
        int rc = make_link(rq, u.id, "reset", NULL, TOKEN_MINUTES_RESET * 60L, "/reset/confirm", &url);
        if (rc == 0) {
            mctx = json_pack("{s:{s:s}, s:s, s:i}", "user", "name", u.name, "link", url, "minutes", TOKEN_MINUTES_RESET);
            rc = account_mail(rq, "reset", "Reset your password", u.email, u.name, mctx);
        }
        json_decref(mctx);
        if (rc != 0 || db_commit(page_app(rq)->db) != 0) {
            db_rollback(page_app(rq)->db);
            return 500;
        }
    }
    /* The same answer whether or not the address has an account. */
    return notice(rq, rs, "Check your inbox",
                  "If an account uses that address, a link to choose a new password is on its way. "
                  "It works for an hour.", "/signin", "Back to sign in");
}

int page_reset_confirm(request *rq, response *rs)
{
    unsigned char hash[CRYPTO_HASH_LEN];
    const char *token = NULL;
    int64_t uid = 0;
    const char *bad = "This reset link is not valid any more: links work once, for an hour. Ask for a new one.";
    int found = token_hash(rq, hash, &token) ? store_token_peek(page_app(rq)->db, rq->a, hash, "reset", time(NULL), &uid, NULL) : 0;
    if (found < 0)
        return page_unavailable(rq);
    if (!found) {
        rs->status = 400;
        return notice(rq, rs, "Link expired", bad, "/reset", "Ask for a new link");
    }
    json_t *ctx = json_pack("{s:s}", "token", token);
    json_t *errors = json_object();
    if (strcmp(rq->method, "POST"))
        return form_page(rq, rs, "pages/reset_confirm", "Choose a new password", ctx, errors);
    const char *password = kv_get(&rq->form, "password");
    check_password(errors, "password", password ? password : "");
    if (json_object_size(errors))
        return form_page(rq, rs, "pages/reset_confirm", "Choose a new password", ctx, errors);
    json_decref(ctx);
    json_decref(errors);
    char pw[CRYPTO_PWHASH_LEN];
    if (crypto_password_hash(password, pw) != 0 || db_begin_write(page_app(rq)->db) != 0)
        return 500;
    int used = store_token_use(page_app(rq)->db, rq->a, hash, "reset", time(NULL), &uid, NULL);
    if (used < 0) {
        db_rollback(page_app(rq)->db);
        return page_unavailable(rq);
    }
    if (!used || store_user_set_password(page_app(rq)->db, uid, pw) != 0 || store_user_verify(page_app(rq)->db, uid, time(NULL)) != 0 ||
        store_sessions_delete_user(page_app(rq)->db, uid) != 0 || db_commit(page_app(rq)->db) != 0) {
        db_rollback(page_app(rq)->db);
        rs->status = 400;
        return notice(rq, rs, "Link expired", bad, "/reset", "Ask for a new link");
    }
    rq->session = NULL;
    if (access_sign_in(rq, rs, uid) != 0)
        return 500;
    page_flash(rq, rs, "password-reset");
    http_redirect(rs, 303, "/my");
    return 0;
}

/* The account page, with errors from one of its forms. */
static int account_page(request *rq, response *rs, json_t *errors, json_t *values, const char *error)
{
    const user *u = &rq->session->u;
    const char *role_label = !strcmp(u->role, "staff") ? "Staff" : !strcmp(u->role, "coach") ? "Coach" : "Participant";
    json_t *ctx = json_pack("{s:{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:b, s:s}}", "account", "name", u->name, "email",
                            u->email, "school_name", u->school_name, "organisation", u->organisation, "school_role",
                            u->school_role, "time_zone", u->time_zone, "verified", u->verified, "role_label", role_label);
    if (!values)
        values = json_pack("{s:s, s:s, s:s, s:s}", "name", u->name, "email", u->email, "organisation",
                           u->organisation ? u->organisation : "", "school_role", u->school_role ? u->school_role : "");
    json_object_set_new(ctx, "values", values);
    json_t *schools = school_options(rq, u->school_id);
    if (!schools) {
        json_decref(ctx);
        json_decref(errors);
        return page_unavailable(rq);
    }
    json_object_set_new(ctx, "schools", schools);
    json_object_set_new(ctx, "time_zones", tz_options(rq, u->time_zone));
    json_t *notify = page_notify_prefs(rq);
    if (!notify) {
        json_decref(ctx);
        json_decref(errors);
        return page_unavailable(rq);
    }
    json_object_set_new(ctx, "notify", notify);
    if (error)
        json_object_set_new(ctx, "error", json_string(error));
    return form_page(rq, rs, "pages/account", "Your account", ctx, errors ? errors : json_object());
}

int page_account(request *rq, response *rs)
{
    return account_page(rq, rs, NULL, NULL, NULL);
}

int page_account_profile(request *rq, response *rs)
{
    const char *name = field(rq, "name"), *organisation = field(rq, "organisation");
    const char *school_role = field(rq, "school_role"), *tz = field(rq, "time_zone"), *school = field(rq, "school_id");
    json_t *errors = json_object();
    check_text(errors, "name", name, 1, 120, "Enter your name.");
    int64_t school_id = check_profile(rq, errors, organisation, school_role, tz, school);
    if (school_id < 0) {
        json_decref(errors);
        return page_unavailable(rq);
    }
    if (json_object_size(errors))
        return account_page(rq, rs, errors, json_pack("{s:s, s:s, s:s, s:s}", "name", name, "email",
                                                      rq->session->u.email, "organisation", organisation,
                                                      "school_role", school_role), NULL);
    json_decref(errors);
    if (store_user_set_profile(page_app(rq)->db, rq->session->u.id, name, school_id, organisation, school_role, tz) != 0)
        return 500;
    page_flash(rq, rs, "profile-saved");
    http_redirect(rs, 303, "/account");
    return 0;
}

/* Whether the signed-in user's password is pw (slow, by design): 1, 0, or
** -1 when the account could not be read. */
static int password_ok(request *rq, const char *pw)
{
    user u;
    const char *stored = NULL;
    int found = store_user_by_id(page_app(rq)->db, rq->a, rq->session->u.id, &u, &stored);
    if (found < 0)
        return -1;
    return found && crypto_password_check(pw ? pw : "", stored);
}

int page_account_email(request *rq, response *rs)
{
    const char *email = field(rq, "email");
    json_t *errors = json_object();
    check_email(errors, "email", email);
    int pw_ok = json_object_size(errors) ? 1 : password_ok(rq, kv_get(&rq->form, "password"));
    if (!pw_ok)
        fail(errors, "email_password", "That is not your current password.");
    user other;
    int taken = json_object_size(errors) || pw_ok < 0 ? 0 : store_user_by_email(page_app(rq)->db, rq->a, email, &other, NULL);
    if (pw_ok < 0 || taken < 0) {
        json_decref(errors);
        return page_unavailable(rq);
    }
    if (taken)
        fail(errors, "email", "Another account uses this address.");
    if (json_object_size(errors))
        return account_page(rq, rs, errors, NULL, NULL);
    json_decref(errors);
    const char *url;
    if (db_begin_write(page_app(rq)->db) != 0)
        return 503;
    json_t *ctx = NULL;
    int rc = make_link(rq, rq->session->u.id, "email", email, TOKEN_HOURS_VERIFY * 3600L, "/account/email/confirm", &url);
    if (rc == 0) {
        ctx = json_pack("{s:{s:s}, s:s}", "user", "name", rq->session->u.name, "link", url);
        rc = account_mail(rq, "email_change", "Confirm your new e-mail address", email, rq->session->u.name, ctx);
    }
    json_decref(ctx);
    if (rc != 0 || db_commit(page_app(rq)->db) != 0) {
        db_rollback(page_app(rq)->db);
        return 500;
    }
    page_flash(rq, rs, "email-sent");
    http_redirect(rs, 303, "/account");
    return 0;
}

int page_account_email_confirm(request *rq, response *rs)
{
    unsigned char hash[CRYPTO_HASH_LEN];
    const char *token = NULL, *email = NULL;
    int64_t uid = 0;
    const char *bad = "This link is not valid any more, or another account took the address meanwhile. "
                      "Ask for a new one from your account page.";
    if (!token_hash(rq, hash, &token)) {
        rs->status = 400;
        return page_render(rq, rs, "pages/verify", json_pack("{s:s, s:b}", "error", bad, "email_change", 1),
                           "Confirm your new address", NULL);
    }
    if (strcmp(rq->method, "POST")) {
        /* Looking is harmless; only the button below changes the address. */
        int ok = store_token_peek(page_app(rq)->db, rq->a, hash, "email", time(NULL), &uid, NULL);
        if (ok < 0)
            return page_unavailable(rq);
        if (!ok)
            rs->status = 400;
        return page_render(rq, rs, "pages/verify", ok ? json_pack("{s:s, s:b}", "token", token, "email_change", 1)
                                                      : json_pack("{s:s, s:b}", "error", bad, "email_change", 1),
                           "Confirm your new address", NULL);
    }
    if (db_begin_write(page_app(rq)->db) != 0)
        return 503;
    int used = store_token_use(page_app(rq)->db, rq->a, hash, "email", time(NULL), &uid, &email);
    if (used < 0) {
        db_rollback(page_app(rq)->db);
        return page_unavailable(rq);
    }
    int rc = used && store_user_set_email(page_app(rq)->db, uid, email, time(NULL)) == 0 && db_commit(page_app(rq)->db) == 0;
    if (!rc) {
        db_rollback(page_app(rq)->db);
        rs->status = 400;
        return page_render(rq, rs, "pages/verify", json_pack("{s:s, s:b}", "error", bad, "email_change", 1),
                           "Confirm your new address", NULL);
    }
    return notice(rq, rs, "Address changed", "Your e-mail address is changed.", "/account", "Your account");
}

int page_account_password(request *rq, response *rs)
{
    const char *pw = kv_get(&rq->form, "password");
    json_t *errors = json_object();
    check_password(errors, "password", pw ? pw : "");
    int pw_ok = password_ok(rq, kv_get(&rq->form, "current_password"));
    if (pw_ok < 0) {
        json_decref(errors);
        return page_unavailable(rq);
    }
    if (!pw_ok)
        fail(errors, "current_password", "That is not your current password.");
    if (json_object_size(errors))
        return account_page(rq, rs, errors, NULL, NULL);
    json_decref(errors);
    char hash[CRYPTO_PWHASH_LEN];
    if (crypto_password_hash(pw, hash) != 0 || store_user_set_password(page_app(rq)->db, rq->session->u.id, hash) != 0)
        return 500;
    /* Every other session of this account ends; this one is renewed. */
    int64_t id = rq->session->u.id;
    if (store_sessions_delete_user(page_app(rq)->db, id) != 0)
        return 500;
    rq->session = NULL;
    if (access_sign_in(rq, rs, id) != 0)
        return 500;
    page_flash(rq, rs, "password-changed");
    http_redirect(rs, 303, "/account");
    return 0;
}

int page_account_data(request *rq, response *rs)
{
    json_t *o = store_user_export(page_app(rq)->db, rq->session->u.id);
    if (!o)
        return page_unavailable(rq);
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(o);
    buf_puts(&rs->body, s);
    free(s);
    rs->content_type = "application/json; charset=utf-8";
    http_header(rs, "Content-Disposition", "attachment; filename=\"my-journeys-data.json\"");
    return 0;
}

int page_account_delete(request *rq, response *rs)
{
    json_t *errors = json_object();
    if (strcmp(field(rq, "confirm"), "yes"))
        fail(errors, "confirm", "Tick the box to confirm that you want to delete your account.");
    int pw_ok = password_ok(rq, kv_get(&rq->form, "password"));
    if (pw_ok < 0) {
        json_decref(errors);
        return page_unavailable(rq);
    }
    if (!pw_ok)
        fail(errors, "delete_password", "That is not your current password.");
    if (json_object_size(errors))
        return account_page(rq, rs, errors, NULL, NULL);
    json_decref(errors);
    int64_t id = rq->session->u.id;
    if (db_begin_write(page_app(rq)->db) != 0)
        return 503;
    if (store_user_anonymise(page_app(rq)->db, id, time(NULL)) != 0 || db_commit(page_app(rq)->db) != 0) {
        db_rollback(page_app(rq)->db);
        return 500;
    }
    rq->session = NULL;
    access_cookie(rq, rs, SESSION_COOKIE, "", 0);
    return notice(rq, rs, "Account deleted",
                  "Your account and personal details are deleted. Payment records stay, without your name, "
                  "for the accounts.", "/", "Home");
}
