/*
** moderate.h: the rules of moderation in the discussion spaces: a coach
** (or staff) pins or unpins a thread, locks or unlocks it (a locked thread
** refuses replies), moves it to another space of the same offering, marks
** a post exemplary, hides a post with a reason (its author is told, kind
** 'moderation') or shows it again, and writes the daily wrap-up (a thread
** of kind 'wrapup', pinned first in the general space; an earlier wrap-up
** is unpinned).
**
** Each change runs in one write transaction (domain_begin/domain_end): one
** conditional write checked for exactly one changed row, the thread's
** version bumped, and a line in the moderation log (who, what, why, when)
** with it, so the change and its record happen together or not at all. A
** change that finds the object already so (someone acted first) is
** DOM_CONFLICT with a message. The caller has decided the actor may
** facilitate the object's offering (access_allows, ACCESS_FACILITATE):
** these functions check only the object itself.
*/
#ifndef JOURNEYS_MODERATE_H
#define JOURNEYS_MODERATE_H

#include <stdint.h>

#include "domain.h"
#include "store_discuss.h"
#include "store_moderate.h"

enum {
    MODERATE_REASON_MAX = 500,   /* characters of a reason */
};

/* Set (on) or clear flag (MOD_PINNED, MOD_LOCKED) of thread t; logged as
** "pin"/"unpin" or "lock"/"unlock". DOM_OK; DOM_CONFLICT when it is so
** already; DOM_UNAVAILABLE. */
int moderate_flag(domain *d, const thread_row *t, enum mod_flag flag, int on);

/* Move thread t to the space to_prompt (0: general) of its own offering
** (the caller has found that space in it), with an optional reason;
** logged as "move". DOM_OK; DOM_INVALID (field "space" when it is there
** already, "reason" when the reason is too long or unreadable);
** DOM_CONFLICT when someone moved it first; DOM_UNAVAILABLE. */
int moderate_move(domain *d, const thread_row *t, int64_t to_prompt, const char *reason);

/* Mark (on) or unmark post p of offering_id as exemplary; logged as
** "exemplary"/"unexemplary". DOM_OK; DOM_CONFLICT (so already, or the post
** is deleted or hidden); DOM_UNAVAILABLE. */
int moderate_exemplary(domain *d, int64_t offering_id, const post_row *p, int on);

/* Hide post p of offering_id (in the thread titled thread_title, offering
** code code, for the notice's link) with reason, required; its author is
** notified (kind 'moderation', unless the author is the actor); logged as
** "hide" with the reason. DOM_OK; DOM_INVALID (field "reason");
** DOM_CONFLICT (hidden or deleted already); DOM_UNAVAILABLE. */
int moderate_hide(domain *d, const char *code, int64_t offering_id, const char *thread_title, const post_row *p,
                  const char *reason);

/* Show hidden post p of offering_id again; logged as "unhide". DOM_OK;
** DOM_CONFLICT (not hidden); DOM_UNAVAILABLE. */
int moderate_unhide(domain *d, int64_t offering_id, const post_row *p);

/* Write the wrap-up titled title with body (Markdown, rendered with
** md_render_untrusted) in offering_id's general space as d->actor, who
** then follows it: pinned first, earlier wrap-ups unpinned; logged as
** "wrapup". DOM_OK with *thread_id; DOM_INVALID (field "title" or "body");
** DOM_UNAVAILABLE. */
int moderate_wrapup(domain *d, int64_t offering_id, const char *title, const char *body, int64_t *thread_id);

/* A person's words for a log line's action ("Pinned the thread", ...):
** static, "" for an action this module never writes. */
const char *moderate_action_label(const char *action);

/* The log line's action as a sentence naming the author of the post it
** was about ("Hid Ada Lovelace's post"), when post_author is given and the
** action is about someone's post; else moderate_action_label. In a. */
const char *moderate_action_text(arena *a, const char *action, const char *post_author);

#endif
