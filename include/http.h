/*
** http.h: one HTTP request and its response, independent of the transport.
**
** A request is built from CGI-style parameters (what FastCGI hands over, or
** an array for tests and `journeys request`), with every string copied into
** the request's arena: FastCGI's own strings die at the next accept. A
** response collects status, headers and body; http_serialize() turns it into
** the CGI response bytes, adding the security headers every page carries,
** the ETag of cacheable pages and the 304 answer to a matching If-None-Match.
*/
#ifndef JOURNEYS_HTTP_H
#define JOURNEYS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "form.h"

struct session;

enum { HTTP_MAX_PARAMS = 4 };

/* A parameter getter: the value of a CGI variable, or NULL. */
typedef const char *(*http_getparam)(void *ctx, const char *name);

typedef struct request {
    arena *a;
    void *owner;               /* the layer above keeps its own context here; http never looks at it */
    http_getparam get;         /* the CGI parameters, valid for the whole request (see http_param) */
    void *get_ctx;
    const char *method;        /* as sent: "GET", "POST", ... */
    int head;                  /* a HEAD request: routed as GET, no body sent */
    const char *uri;           /* REQUEST_URI as sent */
    const char *path;          /* percent-decoded path, valid UTF-8, no NUL */
    const char *query_string;  /* raw, "" when absent */
    kvlist query;              /* parsed query string */
    kvlist form;               /* parsed urlencoded body (POST) */
    kvlist cookies;
    const char *content_type;  /* "" when absent */
    int64_t content_length;    /* 0 when absent */
    const char *remote_addr;
    const char *user_agent;
    const char *if_none_match; /* NULL when absent */
    int https;
    const char *param[HTTP_MAX_PARAMS]; /* captures of the matched route */
    int n_param;
    struct session *session;   /* the signed-in session, or NULL */
    struct seat *seat;         /* on an R_WORKSPACE route: the person's seat in the offering */
    const char *csrf;          /* the CSRF token forms on this page carry */
    const char *origin;        /* the Origin header, or NULL */
    const char *host;          /* the Host header, or NULL */
    const char *body;          /* raw body of an R_RAW route, NUL-terminated; on an R_UPLOAD
                                  route the upload file's bytes, mapped (not NUL-terminated) */
    size_t body_len;
    const struct mp_part *parts; /* R_UPLOAD: the multipart parts, offsets into body */
    size_t n_parts;
    const char *flash;         /* a one-line notice shown at the top of the page */
    const char *message;       /* set by a handler returning an error status:
                                  what the error page tells the person */
} request;

/* ---- streamed bodies (reports and exports) ---- */

/* Where a streamed body goes: bytes are gathered in pending and handed to
** write (the FastCGI stream, or a buffer) whenever HTTP_STREAM_CHUNK of
** them are waiting, so memory stays the size of one chunk however long
** the body is. */
enum { HTTP_STREAM_CHUNK = 32 * 1024 };
typedef int (*http_write_fn)(void *ctx, const char *p, size_t n); /* 0, or -1: the client is gone */
typedef struct http_stream {
    buf pending;         /* written, not yet handed to write */
    http_write_fn write;
    void *ctx;
    int failed;          /* write failed: the rest is dropped */
    uint64_t sent;       /* bytes handed to write */
} http_stream;

struct request;
/* Writes a streamed body into out, a piece at a time (http_stream_flush
** after each piece). Returns 0, or -1 when the body could not be finished
** (a read failed half-way): the transport then cuts the answer short so the
** client sees an incomplete transfer, never a file that looks whole. */
typedef int (*http_body_fn)(struct request *rq, void *state, http_stream *out);

typedef struct response {
    int status;
    http_body_fn stream;       /* non-NULL: the body is streamed by stream(rq, stream_state, ...) after
                                  the headers, with no Content-Length and never cached; body is unused */
    void *stream_state;
    const char *content_type;  /* NULL: text/html; charset=utf-8 */
    buf head;                  /* extra header lines, each ending in CRLF */
    buf body;
    int cache_seconds;         /* > 0: public page (ETag, no-cache; nginx may keep it 2 s); 0: private, no-store */
    const char *csp;           /* Content-Security-Policy, or NULL for http_csp */
} response;

/* Fill rq from CGI parameters, copying into a. Returns 0, or an HTTP status
** (400) with *msg set to a message a person can act on when the path or the
** query string is malformed. rq->form stays empty: the body is read later.
** get and ctx are kept in rq for http_param, so they must outlive it. */
int http_request_init(request *rq, arena *a, http_getparam get, void *ctx, const char **msg);

/* Any CGI parameter of the request by its CGI name ("HTTP_X_HEADER" for the
** header X-Header), copied into rq's arena, or NULL when absent. The getter
** and its context given to http_request_init must live as long as rq. */
const char *http_param(const request *rq, const char *cgi_name);

/* Prepare an empty response (status 200, private, no headers). */
void http_response_init(response *rs);

/* Release the response's buffers. */
void http_response_free(response *rs);

/* Add a header line. Name and value must not contain CR or LF: a value
** that does is a programming error, and the header is dropped with a log
** line instead of letting a header be injected. */
void http_header(response *rs, const char *name, const char *value);

/* A redirect target built from input (a next= field, the request's own
** address), made safe: target must be a path on this site. It is refused
** unless it begins with one '/' and, in every percent-decoding of it (until
** decoding changes nothing, at most four deep), holds no control
** character, no backslash, no invisible or slash-like Unicode character,
** valid UTF-8 only, and a path part (before '?') with no "//" and no "." or
** ".." segment. An accepted target comes back percent-encoded (escapes it
** has are kept; spaces, quotes, '#' and non-ASCII bytes are encoded), in a;
** a refused one (or NULL) gives fallback, which is returned as it is. */
const char *http_local_path(arena *a, const char *target, const char *fallback);

/* Set a redirect: status (303 after a POST, 302/301/308 otherwise) and a
** Location. A location beginning with '/' goes through the same check as
** http_local_path (and is encoded the same way); anything else must be an
** absolute http(s) URL without spaces, controls or backslashes, which the
** program itself made (a payment provider's page). A local path may end
** in an anchor of letters, digits, '-' and '_' ("#post-42"), kept as it is;
** any other '#' is encoded. Whatever fails becomes "/". Build targets
** from input with http_local_path, to choose the fallback. */
void http_redirect(response *rs, int status, const char *location);

/* Hand what out holds to its writer when at least HTTP_STREAM_CHUNK bytes
** wait, or whatever waits when all is set. Returns 0, or -1 once a write
** has failed (later calls drop their bytes and fail too). */
int http_stream_flush(http_stream *out, int all);

/* The reason phrase for status ("Not Found"), or "Unknown". */
const char *http_reason(int status);

/* Serialize rs into out as a CGI response: Status, headers (security
** headers, Content-Type, Content-Length, Cache-Control, ETag, and for nginx
** X-Accel-Expires) and, unless
** the request is HEAD or the answer is 304, the body. A cacheable 200 whose
** ETag matches rq->if_none_match becomes 304 Not Modified. A streamed
** response (rs->stream set) gets its headers only, without Content-Length:
** the caller then runs rs->stream. */
void http_serialize(const request *rq, const response *rs, buf *out);

/* The Content-Security-Policy every response carries unless rs->csp says
** otherwise (the site adds its payment provider as a form target). */
extern const char *const http_csp;

/* http_csp with extra origins allowed as form targets, malloc'd. */
char *http_csp_with_forms(const char *origins);

#endif
