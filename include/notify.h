/*
** notify.h: e-mail to people, rendered from templates/mail and queued in
** the outbox inside the caller's write transaction, so the message exists
** if and only if the change that causes it does.
*/
#ifndef JOURNEYS_NOTIFY_H
#define JOURNEYS_NOTIFY_H

#include <jansson.h>

#include "app.h"

typedef struct notify_attachment {
    const char *name, *type;   /* "offering.ics", "text/calendar; method=PUBLISH" */
    const char *data;
    size_t len;
} notify_attachment;

/* Queue the message templates/mail/NAME.txt (and NAME.html when present) to
** to_addr, with ctx (borrowed; the series is added as "site"). attach may be
** NULL. Returns 0, or -1 (logged) if rendering or queueing failed; the caller
** then rolls its transaction back. */
int notify_mail(app *ap, const char *name, const char *subject, const char *to_addr, const char *to_name,
                json_t *ctx, const notify_attachment *attach);

/* Queue the community invitation: the e-mail with the configured link and,
** when an invite API is configured, the API call, both through the outbox. */
int notify_community(app *ap, const char *to_addr, const char *to_name);

#endif
