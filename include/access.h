/*
** access.h: who is asking, and the one place that decides what they may do.
**
** The dispatcher loads the session from its cookie and asks access_route()
** about the route's flags before any handler runs; handlers ask
** access_allows() about the particular object they load (an enrolment, an
** offering). Nothing else in the program makes an access decision.
*/
#ifndef JOURNEYS_ACCESS_H
#define JOURNEYS_ACCESS_H

#include <stdint.h>

#include "crypto.h"
#include "http.h"
#include "store_accounts.h"
#include "store_enrol.h"

#define SESSION_COOKIE "journeys_session"
#define CSRF_COOKIE "journeys_csrf"

typedef struct session {
    user u;
    unsigned char hash[CRYPTO_HASH_LEN];
} session;

/* Find the signed-in session from the cookie (rq->session, or NULL) and
** settle the CSRF token for this request (rq->csrf): the session's, or for
** a visitor the value of the CSRF cookie, issuing one (Set-Cookie on rs)
** when issue is set and there is none yet. Returns 0, or 503 with
** rq->message set when the session could not be read (a failed read is
** not "signed out"). */
int access_load(request *rq, response *rs, int issue);

/* The route's guards (R_LOGIN, R_STAFF, R_COACH, R_CSRF, R_WORKSPACE). Returns 0, or an
** error status with rq->message set; for a visitor on a page that needs a
** sign-in, a 303 to /signin?next=... already set on rs (returns 303). */
int access_route(request *rq, response *rs, unsigned flags);

enum access_what {
    ACCESS_OWN,          /* the object belongs to owner_id: the owner or staff */
    ACCESS_STAFF,        /* staff only */
    ACCESS_FACILITATE,   /* staff, or a coach of the offering (offering_staff) */
    ACCESS_WORKSPACE,    /* read inside the offering's workspace: access_seat */
    ACCESS_WORKSPACE_POST, /* write there: a seat that may still post */
};

/* Who a person is inside an offering's workspace. */
enum seat_role {
    SEAT_PARTICIPANT = 1,   /* an active, settled registration (paid, invoiced or waived) */
    SEAT_COACH,             /* linked to the offering by an offering_staff row */
    SEAT_STAFF,             /* the staff role: every workspace */
};

typedef struct seat {
    seat_row row;           /* the offering and the person's links to it */
    enum seat_role role;
    int can_post;           /* coaches and staff always; participants until posting closes */
    int archived;           /* posting has closed: the workspace is an archive */
} seat;

/* The one decision about an offering's workspace: find the signed-in
** person's seat in the offering given by id (or by code when offering_id is
** 0). write asks for a seat that may post. Returns 0 with *out (in rq's
** arena; also kept as rq->seat), or a status with rq->message set: 401
** signed out, 404 no such offering, 403 no seat (a refund or cancellation
** ends it) or posting closed, 503 the store failed. */
int access_seat(request *rq, int64_t offering_id, const char *code, int write, seat **out);

/* Whether rq's user may act on an object of the given kind whose owner is
** owner_id; for ACCESS_FACILITATE, owner_id is the offering's id and the
** user must be linked to it as its coach. */
int access_allows(const request *rq, enum access_what what, int64_t owner_id);

/* Start a session for user_id: a fresh token (never one the browser brought,
** so a planted cookie is useless), stored hashed, set as an HttpOnly,
** SameSite=Lax cookie (Secure behind https). 0 or -1. */
int access_sign_in(request *rq, response *rs, int64_t user_id);

/* End the current session and clear the cookie. */
void access_sign_out(request *rq, response *rs);

/* Set or clear a cookie with the site's attributes (max_age 0 clears). */
void access_cookie(request *rq, response *rs, const char *name, const char *value, long max_age);

#endif
