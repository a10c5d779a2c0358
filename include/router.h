/*
** router.h: one table of routes, matched with PCRE2 compiled once (JIT).
**
** Each route names its method, a path pattern, its handler and the guards
** the dispatcher applies before the handler runs (flags). A GET route also
** answers HEAD. A path that matches a route but not its method is a 405 with
** the Allow header; no match is a 404.
*/
#ifndef JOURNEYS_ROUTER_H
#define JOURNEYS_ROUTER_H

#include <stddef.h>

#include "buf.h"
#include "http.h"

/* Guards and traits of a route, enforced by the dispatcher. */
enum route_flag {
    R_CACHE = 1 << 0,   /* public page: Cache-Control public, ETag, 304 */
    R_FORM = 1 << 1,    /* reads an application/x-www-form-urlencoded body */
    R_CSRF = 1 << 2,    /* unsafe request: needs the session's CSRF token */
    R_LOGIN = 1 << 3,   /* needs a signed-in user */
    R_STAFF = 1 << 4,   /* needs the staff role */
    R_COACH = 1 << 5,   /* needs the coach (or staff) role */
    R_RAW = 1 << 6,     /* reads its own body (webhooks): no form parsing */
    R_SLOW = 1 << 7,    /* may call the payment provider (seconds, up to its timeout),
                           or build a staff report (up to a second or two): nginx sends
                           it to the slow pool ([server] slow_socket) so page workers
                           are never held; its map must list exactly these routes
                           (tests/integration/test_slow.c checks). No request-wide read. */
    R_WORKSPACE = 1 << 8, /* inside an offering's workspace: the route's first capture is the
                           offering's code; needs a seat there (access_seat), and for an
                           unsafe request one that may still post */
    R_UPLOAD = 1 << 9,  /* a multipart upload that nginx wrote to a file: the app gets its path in
                           REQUEST_BODY_FILE (inside [uploads] temp, else 400), parses it
                           (multipart.h) into rq->parts and its text fields into rq->form, so
                           R_CSRF is checked before the handler keeps anything */
    R_BATCH = 1 << 10,  /* a short write that touches nothing outside the database (a post, a
                           follow, a check-off): nginx sends it to the write pool ([server]
                           write_socket), whose worker commits the writes of the requests
                           waiting together in one transaction (db.h's batch); its map must
                           list exactly these routes (tests/integration/test_slow.c checks) */
};

/* A handler: reads rq, fills rs. Returns 0, or an HTTP error status that the
** dispatcher turns into the error page (with rq's message if set). */
typedef int (*route_fn)(request *rq, response *rs);

typedef struct route {
    const char *method;   /* "GET" or "POST" */
    const char *pattern;  /* PCRE2, anchored by the router; captures become rq->param[] */
    route_fn fn;
    unsigned flags;
} route;

typedef struct router router;

/* Compile every pattern (JIT where available). Returns NULL with messages in
** err naming the pattern that does not compile. The table must outlive the
** router. */
router *router_new(const route *table, size_t n, buf *err);

/* Release the compiled patterns. NULL is a no-op. */
void router_free(router *r);

enum { ROUTE_FOUND = 0, ROUTE_NOT_FOUND = 404, ROUTE_BAD_METHOD = 405 };

/* Find the route for rq->method and rq->path. On ROUTE_FOUND, *out is the
** route and rq->param[] hold the captures (copied into rq's arena). On
** ROUTE_BAD_METHOD, allow receives the methods the path does accept
** ("GET, HEAD"). */
int router_match(const router *r, request *rq, const route **out, buf *allow);

#endif
