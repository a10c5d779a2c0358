/*
** pages.h: the page handlers and the helpers they share.
**
** A handler reads like a short story: check who is asking (already done by
** the dispatcher from the route's flags), load from the store, decide, render
** a template. Handlers allocate from the request arena and never free;
** JSON contexts handed to page_render are consumed by it.
*/
#ifndef JOURNEYS_PAGES_H
#define JOURNEYS_PAGES_H

#include <jansson.h>
#include <stdint.h>

#include "http.h"
#include "router.h"

/* The route table (pages/routes.c). */
extern const route pages_routes[];
extern const size_t pages_n_routes;

/* Render template name into the layout as the response body. ctx is
** consumed (decref'd); title becomes the page title; nav names the current
** section ("home", "courses", "calendar") or NULL. Returns 0 or 500. */
int page_render(request *rq, response *rs, const char *name, json_t *ctx,
                const char *title, const char *nav);

/* Render the error page for status with a message a person can act on.
** Always fills rs (falls back to plain text if templates fail). */
void page_error(request *rq, response *rs, int status, const char *message);

/* Add the labels, URLs and state flags the templates use to an offering
** from the store (see templates/README.md), as seen on day today. */
void page_offering(request *rq, json_t *offering, int32_t today);

/* Handlers: public catalog and calendar (pages/catalog.c). */
int page_home(request *rq, response *rs);
int page_courses(request *rq, response *rs);
int page_course(request *rq, response *rs);
int page_calendar(request *rq, response *rs);
int page_offering_show(request *rq, response *rs);
int page_calendar_ics(request *rq, response *rs);
int page_offering_ics(request *rq, response *rs);
int page_health(request *rq, response *rs);

#endif
