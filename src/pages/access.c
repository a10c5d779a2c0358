/*
** access.c: sessions, CSRF and the access decisions (see access.h).
*/
#include "access.h"

#include <string.h>
#include <time.h>

#include "app.h"
#include "escape.h"
#include "log.h"
#include "pages.h"
#include "router.h"
#include "store_content.h"

/* Whether s looks like one of our tokens (so junk is never looked up). */
static int token_shaped(const char *s)
{
    return s && strlen(s) == CRYPTO_TOKEN_LEN &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == CRYPTO_TOKEN_LEN;
}

void access_cookie(request *rq, response *rs, const char *name, const char *value, long max_age)
{
    int secure = page_app(rq)->cfg->secure_cookies || rq->https;
    http_header(rs, "Set-Cookie", arena_printf(rq->a, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
                                               name, value, max_age, secure ? "; Secure" : ""));
}

int access_load(request *rq, response *rs, int issue)
{
    const char *token = kv_get(&rq->cookies, SESSION_COOKIE);
    int down = 0;
    if (token_shaped(token)) {
        session *s = arena_zalloc(rq->a, sizeof *s);
        const char *csrf = NULL;
        crypto_token_hash(token, s->hash);
        int found = store_session_get(page_app(rq)->db, rq->a, s->hash, time(NULL), &s->u, &csrf);
        if (found < 0) {
            rq->message = "We could not check who you are signed in as just now. Please try again in a minute.";
            down = 503;
        }
        if (found == 1) {
            rq->session = s;
            rq->csrf = csrf;
            return 0;
        }
    }
    const char *c = kv_get(&rq->cookies, CSRF_COOKIE);
    if (token_shaped(c)) {
        rq->csrf = c;
        return down;
    }
    char *fresh = arena_alloc(rq->a, CRYPTO_TOKEN_LEN + 1);
    crypto_token(fresh);
    rq->csrf = fresh;
    if (issue)
        access_cookie(rq, rs, CSRF_COOKIE, fresh, 60L * 60 * 24 * 30);
    return down;
}

/* Whether the request's Origin, when the browser sent one, is this site:
** the configured base URL or the host the request was addressed to. */
static int same_origin(const request *rq)
{
    if (!rq->origin || !strcmp(rq->origin, page_app(rq)->cfg->base_url))
        return 1;
    const char *host = rq->host ? rq->host : "";
    const char *rest = !strncmp(rq->origin, "https://", 8) ? rq->origin + 8
                     : !strncmp(rq->origin, "http://", 7) ? rq->origin + 7 : NULL;
    return rest && *host && !strcmp(rest, host);
}

int access_route(request *rq, response *rs, unsigned flags)
{
    if (flags & R_CSRF) {
        const char *sent = kv_get(&rq->form, "csrf");
        if (!sent || !rq->csrf || !crypto_str_equal(sent, rq->csrf) || !same_origin(rq)) {
            rq->message = "This form has expired or did not come from this site. Go back, reload the page "
                          "and send it again.";
            return 403;
        }
    }
    if ((flags & (R_LOGIN | R_STAFF | R_COACH)) && !rq->session) {
        if (!strcmp(rq->method, "GET") || rq->head) {
            buf next = BUF_INIT;
            esc_url(&next, rq->uri, strlen(rq->uri));
            http_redirect(rs, 303, arena_printf(rq->a, "/signin?next=%s", buf_str(&next)));
            buf_free(&next);
            return 303;
        }
        rq->message = "Please sign in first.";
        return 401;
    }
    if (flags & R_WORKSPACE) {
        seat *st;
        int rc = access_seat(rq, 0, rq->n_param > 0 ? rq->param[0] : "", (flags & R_CSRF) != 0, &st);
        if (rc == 401 && (!strcmp(rq->method, "GET") || rq->head)) {
            buf next = BUF_INIT;
            esc_url(&next, rq->uri, strlen(rq->uri));
            http_redirect(rs, 303, arena_printf(rq->a, "/signin?next=%s", buf_str(&next)));
            buf_free(&next);
            return 303;
        }
        if (rc)
            return rc;
    }
    const char *role = rq->session ? rq->session->u.role : "";
    if ((flags & R_STAFF) && strcmp(role, "staff")) {
        rq->message = "This page is for the staff who run the series.";
        return 403;
    }
    if ((flags & R_COACH) && strcmp(role, "staff") && strcmp(role, "coach")) {
        rq->message = "This page is for coaches.";
        return 403;
    }
    return 0;
}

int access_allows(const request *rq, enum access_what what, int64_t owner_id)
{
    if (!rq->session)
        return 0;
    const user *u = &rq->session->u;
    if (!strcmp(u->role, "staff"))
        return 1;
    switch (what) {
    case ACCESS_OWN:
        return owner_id == u->id;
    case ACCESS_FACILITATE:   /* owner_id is the offering: its coach, by an offering_staff row */
        return !strcmp(u->role, "coach") && store_offering_staff_has(page_app(rq)->db, owner_id, u->id, "coach") == 1;
    case ACCESS_STAFF:
        return 0;
    case ACCESS_WORKSPACE:
    case ACCESS_WORKSPACE_POST: {
        seat *st;
        return access_seat((request *)rq, owner_id, NULL, what == ACCESS_WORKSPACE_POST, &st) == 0;
    }
    }
    return 0;
}

int access_seat(request *rq, int64_t offering_id, const char *code, int write, seat **out)
{
    *out = NULL;
    if (!rq->session) {
        rq->message = "Please sign in to open your course.";
        return 401;
    }
    const user *u = &rq->session->u;
    seat *st = arena_alloc(rq->a, sizeof *st);
    memset(st, 0, sizeof *st);
    int rc = store_seat(page_app(rq)->db, rq->a, offering_id, code, u->id, &st->row);
    if (rc < 0) {
        rq->message = "Your place in this course could not be checked just now. Please try again in a minute.";
        return 503;
    }
    if (rc == 0) {
        rq->message = "There is no course offering at this address. My courses lists the ones you can open.";
        return 404;
    }
    if (!strcmp(u->role, "staff"))
        st->role = SEAT_STAFF;
    else if (st->row.coach)
        st->role = SEAT_COACH;
    else if (st->row.participant)
        st->role = SEAT_PARTICIPANT;
    else {
        rq->message = "This course space is open to the offering's participants once their registration is "
                      "settled (paid, invoiced or waived), and to its coaches. My courses shows where each of "
                      "your registrations stands.";
        return 403;
    }
    time_t now = time(NULL);
    st->archived = st->row.posting_closes_at > 0 && now >= st->row.posting_closes_at;
    st->can_post = st->role != SEAT_PARTICIPANT || !st->archived;
    if (write && !st->can_post) {
        rq->message = "Posting has closed for this offering. Everything in it stays here for you to read.";
        return 403;
    }
    rq->seat = st;
    *out = st;
    return 0;
}

int access_sign_in(request *rq, response *rs, int64_t user_id)
{
    if (rq->session)
        store_session_delete(page_app(rq)->db, rq->session->hash);
    char token[CRYPTO_TOKEN_LEN + 1], csrf[CRYPTO_TOKEN_LEN + 1];
    unsigned char hash[CRYPTO_HASH_LEN];
    crypto_token(token);
    crypto_token(csrf);
    crypto_token_hash(token, hash);
    long days = page_app(rq)->cfg->session_days;
    time_t now = time(NULL);
    if (store_session_create(page_app(rq)->db, hash, user_id, csrf, now, now + days * 86400) != 0) {
        log_error("cannot create a session: %s", db_errmsg(page_app(rq)->db));
        return -1;
    }
    access_cookie(rq, rs, SESSION_COOKIE, token, days * 86400);
    return 0;
}

void access_sign_out(request *rq, response *rs)
{
    if (rq->session)
        store_session_delete(page_app(rq)->db, rq->session->hash);
    rq->session = NULL;
    access_cookie(rq, rs, SESSION_COOKIE, "", 0);
}
