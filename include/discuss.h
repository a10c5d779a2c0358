/*
** discuss.h: the rules of the discussion spaces: starting a thread,
** replying (with a quote), editing within a window, deleting to a
** tombstone, following or muting a thread, and how far each person has
** read.
**
** Each change runs in one write transaction (domain_begin/domain_end) and
** is one conditional write checked for exactly one changed row; a post's
** Markdown is rendered once, here, with md_render_untrusted, and stored
** beside its source. Any change to a thread's posts bumps threads.version
** in the same transaction, and a new post writes its notification rows
** there too. The caller has checked the person's seat in the offering
** (access_seat): these functions check only what is about the object
** itself (its author, its state, its thread).
*/
#ifndef JOURNEYS_DISCUSS_H
#define JOURNEYS_DISCUSS_H

#include <stdint.h>

#include "domain.h"
#include "store_discuss.h"

enum {
    DISCUSS_TITLE_MAX = 200,      /* characters (code points) of a thread title */
    DISCUSS_BODY_MAX = 20000,     /* characters of a post's Markdown; a body far over it in a
                                     non-Latin script meets the site's request limit first
                                     ([server] max_body), a 413 with its own message */
    DISCUSS_EDIT_SECONDS = 1800,  /* a post can be edited for 30 minutes */
    DISCUSS_PAGE = 50,            /* posts per thread page */
    DISCUSS_THREADS_PAGE = 30,    /* threads per space page */
};

/* Where a new post lands. */
typedef struct discuss_posted {
    int64_t thread_id, post_id;
    int page;                     /* the thread page it is on (1-based) */
} discuss_posted;

/* Start a thread titled title in offering_id's space prompt_id (0: the
** general space) with body as its first post, by d->actor, who then
** follows it. When d->actor is a participant (not a coach of the
** offering, not staff), each coach of the offering gets a notification of
** kind 'thread' linking to it, in the same transaction. DOM_OK with *out
** filled; DOM_INVALID (d->field "title" or "body") for a missing, too
** long or malformed title or body, nothing written; DOM_UNAVAILABLE. */
int discuss_start(domain *d, int64_t offering_id, int64_t prompt_id, const char *title, const char *body,
                  discuss_posted *out);

/* Reply to thread t as d->actor, named actor_name in notifications,
** quoting post quote_id (0: none; it must be a visible post of t). code is
** the offering's code, for the notification's link. Writes the post, moves
** the thread's newest post and version (refused while the thread is
** locked: DOM_CONFLICT), makes the actor follow the thread unless they
** chose otherwise, and writes the notification rows (store_notify_post).
** DOM_OK with *out; DOM_INVALID (field "body" or "quote_id"); DOM_CONFLICT;
** DOM_UNAVAILABLE. */
int discuss_reply(domain *d, const char *code, const char *actor_name, const thread_row *t, int64_t quote_id,
                  const char *body, discuss_posted *out);

/* Replace the text of post p (which d->actor wrote) with body, if p is
** still at revision (the form's), not deleted or hidden, and younger than
** DISCUSS_EDIT_SECONDS. DOM_OK; DOM_INVALID (field "body"); 403 when it is
** someone else's post; DOM_CONFLICT when the window has passed or someone
** changed it first (d->message says which); DOM_UNAVAILABLE. */
int discuss_edit(domain *d, const post_row *p, int revision, const char *body);

/* Delete post p (which d->actor wrote), leaving a tombstone. DOM_OK; 403
** when it is someone else's; DOM_CONFLICT when it is deleted already;
** DOM_UNAVAILABLE. */
int discuss_delete(domain *d, const post_row *p);

/* d->actor's choice on thread_id: "follow", "mute", or NULL to go back to
** neither. DOM_OK (also when it was so already); DOM_UNAVAILABLE. */
int discuss_follow(domain *d, int64_t thread_id, const char *mode);

/* Record that d->actor has read thread_id up to post upto (never moves the
** mark back). DOM_OK or DOM_UNAVAILABLE. */
int discuss_mark_read(domain *d, int64_t thread_id, int64_t upto);

/* A plain-text excerpt of Markdown md for a quote: at most max bytes, cut
** at a UTF-8 boundary and a word where one is near, with "…" when cut.
** In d's arena. */
const char *discuss_excerpt(arena *a, const char *md, size_t max);

#endif
