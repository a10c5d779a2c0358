/*
** roster.h: the rules of the private messages between one participant of
** an offering and its coaches. Pages decide who may write to whose thread
** (access_allows / access_seat); this checks the text, renders it as safe
** Markdown once, and writes the message and its notifications in one
** transaction.
*/
#ifndef JOURNEYS_ROSTER_H
#define JOURNEYS_ROSTER_H

#include <stdint.h>

#include "domain.h"

enum { ROSTER_MESSAGE_MAX = 20000 };   /* characters in one message */

/* d->actor writes body (Markdown) into the thread of participant_id in
** the offering offering_id (its code, for links; actor_name, for the
** notification's title). When the actor is the participant the offering's
** coaches are notified, otherwise the participant is (kind 'message').
** DOM_OK with *id the new message's; DOM_INVALID about field "body" (empty,
** too long, unreadable); DOM_ERROR when rendering failed; DOM_UNAVAILABLE
** when the database failed. Nothing is written unless DOM_OK. */
int roster_message(domain *d, int64_t offering_id, const char *code, int64_t participant_id, const char *actor_name,
                   const char *body, int64_t *id);

#endif
