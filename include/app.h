/*
** app.h: what a worker holds for its whole life, and the request dispatcher.
**
** app_handle() is the one path every request takes: route, guards (through
** the access helper), body, handler, error page. The route table itself is
** in pages/routes.c, so every page and its guards are visible in one place.
*/
#ifndef JOURNEYS_APP_H
#define JOURNEYS_APP_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "router.h"
#include "tmpl.h"

typedef struct app {
    const config *cfg;
    db *db;              /* this process's own connection (opened after fork) */
    tmpl_set *tmpl;      /* parsed at start-up; replaced on reload */
    router *router;
    int64_t content_version; /* of the cached series below */
    json_t *site;        /* layout data derived from the published series */
    struct cache *views; /* this worker's kept page fragments (pages/page.c) */
    uint64_t requests;   /* served by this process */
    char *csp;           /* the policy, with the payment provider as a form target */
} app;

/* Reads up to n bytes of the request body into p; returns bytes read, 0 at
** the end, -1 on error. */
typedef long (*app_read_fn)(void *ctx, char *p, size_t n);

/* Compile the routes and load the templates for a process (before fork in
** the manager). Returns 0, or -1 with "file:line: message" lines in err. */
int app_load(app *ap, const config *cfg, buf *err);

/* Open the process's database connection (after fork). 0 or -1 (err). */
int app_open_db(app *ap, buf *err);

/* Release what app_load and app_open_db made. */
void app_free(app *ap);

/* Handle one request whose CGI parameters come from get(ctx, name), reading
** the body through read(rctx, ...); the serialized CGI response is appended
** to out. Everything per-request is allocated from a (reset by the caller). */
void app_handle(app *ap, arena *a, http_getparam get, void *ctx,
                app_read_fn read, void *rctx, buf *out);

/* app_handle for a transport that can send in pieces: the headers and an
** ordinary body are appended to out as app_handle does; a streamed body
** (rs->stream) is sent through write(wctx, ...) instead, the headers
** first, then a chunk at a time, and out is left empty. Returns 0, or -1
** when a streamed body could not be finished after its headers went out:
** the caller must then cut the connection rather than end the answer
** normally, so the client sees it incomplete. */
int app_handle_to(app *ap, arena *a, http_getparam get, void *ctx,
                  app_read_fn read, void *rctx, buf *out, http_write_fn write, void *wctx);

/* The answer to a request that was handled in a batch (db.h) whose
** commit failed: a 503 saying that nothing was saved and to send it again,
** appended to out, whatever the handler had answered. */
void app_unsaved(app *ap, arena *a, http_getparam get, void *ctx, buf *out);
/* Forget the pages and layout data this process keeps between requests:
** after a batch that was not written, since they may hold what it wrote
** under versions it moved. */
void app_forget_kept(app *ap);
#endif
