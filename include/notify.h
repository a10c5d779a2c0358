/*
** notify.h: e-mail to people, rendered from templates/mail and queued in
** the outbox inside the caller's write transaction, so the message exists
** if and only if the change that causes it does. Part of the domain layer.
*/
#ifndef JOURNEYS_NOTIFY_H
#define JOURNEYS_NOTIFY_H

#include <jansson.h>

#include <stdint.h>

#include "domain.h"

typedef struct notify_attachment {
    const char *name, *type;   /* "offering.ics", "text/calendar; method=PUBLISH" */
    const char *data;
    size_t len;
} notify_attachment;

/* Queue the message templates/mail/NAME.txt (and NAME.html when present) to
** to_addr, with ctx (borrowed; the series is added as "site", the base URL
** as "base_url"). attach may be NULL. In a transaction. Returns DOM_OK, or
** DOM_ERROR (logged) if rendering or queueing failed; the caller then rolls
** its transaction back. */
int notify_queue(domain *d, const char *name, const char *subject, const char *to_addr, const char *to_name,
                 json_t *ctx, const notify_attachment *attach);

/* notify_queue for a message in a stream a person may leave with one click
** (unsub.h): user_id's signed link BASE/unsubscribe?t=TOKEN for stream goes
** into ctx as "unsubscribe_url" and onto the outbox row, from which the
** mailer writes List-Unsubscribe and List-Unsubscribe-Post. DOM_OK or
** DOM_ERROR (logged). */
int notify_queue_stream(domain *d, const char *name, const char *subject, const char *to_addr, const char *to_name,
                        json_t *ctx, int64_t user_id, int stream);

/* Queue the community invitation: the e-mail with the configured link and,
** when an invite API is configured, the API call, both through the outbox.
** DOM_OK or DOM_ERROR. */
int notify_community(domain *d, const char *to_addr, const char *to_name);

#endif
