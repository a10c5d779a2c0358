/*
** standin.h: the payment provider stand-in for integration tests:
** tests/integration/standin.py (Stripe's API protocol, a hosted payment
** page, signed webhooks, a Discourse-compatible /invites.json and /_test/
** control endpoints) run by /usr/bin/python3 on a free loopback port, with
** its state in a temporary folder.
**
** The stand-in runs in its own process group and dies with the test process
** (parent-death signal); standin_stop() ends it and removes the folder, and
** an atexit handler stops any stand-in a test forgot, so nothing is left
** running. Tests run from the repository root; JOURNEYS_STANDIN may name
** standin.py elsewhere.
*/
#ifndef JOURNEYS_TEST_STANDIN_H
#define JOURNEYS_TEST_STANDIN_H

#include <sys/types.h>

#include "buf.h"

typedef struct standin {
    char dir[256];   /* temporary state folder (events/, logs) */
    char base[64];   /* http://127.0.0.1:PORT, the API base and page origin */
    int port;
    pid_t pid;       /* the python process (group leader); 0 once stopped */
} standin;

/* Start the stand-in on a free loopback port, delivering webhooks to
** webhook_url (NULL or "": none) signed with secret. Returns 0 once it
** answers GET /_test/health, -1 (message and its log on stderr, nothing left
** running) otherwise. */
int standin_start(standin *s, const char *webhook_url, const char *secret);

/* Stop it (SIGTERM to its group, then SIGKILL) and remove its folder.
** Safe to call twice, and on a standin that failed to start. */
void standin_stop(standin *s);

/* "http://127.0.0.1:PORT", valid while s is. */
const char *standin_base(const standin *s);

/* One request to base + path with method ("GET", "POST"...). body may be
** NULL; a body starting with '{' or '[' is sent as application/json, any
** other as application/x-www-form-urlencoded. Redirects are not followed.
** The answer's body is appended to out (when not NULL). Returns the HTTP
** status, or -1 when no answer came. */
int standin_call(standin *s, const char *method, const char *path, const char *body, buf *out);

#endif
