/*
** smtp.h: a real SMTP server for tests: Debian's python3-aiosmtpd on a free
** loopback port, storing every message it accepts in a Maildir inside a
** temporary folder.
**
** The server runs in its own process group; smtp_stop() ends it and
** removes the folder, and an atexit handler stops any server a test forgot,
** so nothing is left running. Delivery is synchronous: once the client has
** its "250 OK" for the message, the message is in the Maildir. A recipient
** whose address starts with "refused" is refused for good (550), as a
** server refuses a mailbox it does not know.
*/
#ifndef JOURNEYS_TEST_SMTP_H
#define JOURNEYS_TEST_SMTP_H

#include <sys/types.h>

#include "buf.h"

typedef struct smtp_server {
    char dir[256];   /* temporary folder; the Maildir is dir/mail */
    char url[64];    /* smtp://127.0.0.1:PORT */
    int port;
    pid_t pid;       /* server process (group leader), 0 while paused or stopped */
} smtp_server;

/* Start a server on a free port. Returns 0 once it accepts connections,
** -1 (with a message on stderr, nothing left running) otherwise. */
int smtp_start(smtp_server *s);

/* Stop the server (if running) and remove its folder. Safe to call twice. */
void smtp_stop(smtp_server *s);

/* Stop the server but keep its port and Maildir: SMTP is down. 0 or -1. */
int smtp_pause(smtp_server *s);

/* Start it again on the same port with the same Maildir. 0 or -1. */
int smtp_resume(smtp_server *s);

/* Restart the server on the same port and Maildir as a slow one: it
** stores each message, then waits delay_ms before answering "250" (a client
** that gives up or dies meanwhile has delivered it all the same). 0 or -1.
** smtp_pause and smtp_resume give back the ordinary server. */
int smtp_slow(smtp_server *s, int delay_ms);

/* Replace the server on the same port by a black hole: it accepts every
** connection and never answers. 0 or -1. smtp_pause ends it, smtp_resume
** then starts the ordinary server again. */
int smtp_blackhole(smtp_server *s);

/* "smtp://127.0.0.1:PORT", valid while s is. */
const char *smtp_url(const smtp_server *s);

/* Number of messages in the Maildir (new/ and cur/), -1 on error. */
int smtp_count(const smtp_server *s);

/* Append every stored message to out, oldest first (Maildir file names
** sort by arrival), each ending with a line break. The server adds X-Peer,
** X-MailFrom and X-RcptTo headers and stores LF line ends. Returns the
** number of messages, or -1. */
int smtp_read_all(const smtp_server *s, buf *out);

/* Occurrences of needle in every stored message. */
int smtp_mail_count(const smtp_server *s, const char *needle);

/* Wait on state, not time: poll (up to 15 s) until at least n occurrences
** of needle are stored. 1 if they are, 0 (and a line on stderr) if not. */
int smtp_wait_mail(const smtp_server *s, const char *needle, int n);

/* The path and query of the newest link starting with prefix in the stored
** mail, quoted-printable undone; malloc'd, or NULL when there is none. */
char *smtp_mail_link(const smtp_server *s, const char *prefix);

#endif
