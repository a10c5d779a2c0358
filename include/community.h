/*
** community.h: inviting a participant to the community forum, through a
** Discourse-compatible HTTP API.
**
** Invitations are queued in the outbox (outbox_add_community) with the
** change that earns them and sent by the jobs pass, so a slow or absent
** forum never holds up a request.
*/
#ifndef JOURNEYS_COMMUNITY_H
#define JOURNEYS_COMMUNITY_H

#include "buf.h"
#include "config.h"

/* Invite addr: POST {cfg->community_api_url}/invites.json with the form
** body email=<addr>, headers Api-Key, Api-Username and Accept:
** application/json, 20 s to connect and 20 s in all. A 2xx answer is
** success, and so is a 422 whose JSON errors say the address is already
** invited or a member. Returns 0 then, and also without doing anything when
** community_api_url is empty. Otherwise -1 with a one-line reason appended
** to err (an invalid address is refused before any request). Blocking;
** call it outside any transaction. */
int community_invite(const config *cfg, const char *addr, buf *err);

#endif
