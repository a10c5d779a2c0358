/*
** serve.h: `journeys serve`, a small process manager in the manner of
** php-fpm, and the worker loop it forks.
**
** The manager opens the listening socket (a unix socket it refuses to steal
** from a live instance, a TCP address, a socket handed in on fd 0, or a
** systemd-activated one), migrates the database, parses the templates, then
** forks the workers. It restarts a worker that dies, replaces one that has
** served its request budget, reloads templates on SIGHUP by starting a new
** generation of workers before retiring the old (no request is dropped), and
** drains on SIGTERM or SIGINT: workers finish what they are doing and every
** connection still queued on the socket, then exit (killed after
** drain_seconds).
**
** A worker keeps the FastCGI connections the web server asks it to keep
** (FCGI_KEEP_CONN) and waits on all of them and the socket together, so a
** kept connection never pins it; it never closes one itself (the web
** server could be sending a request on it), the web server does. A worker
** whose budget is spent tells the manager (SIGUSR1), which starts its
** replacement at once, and answers what its kept connections still carry
** until the web server has closed them; a retired or draining worker does
** the same.
**
** Besides the workers it forks a mailer (the outbox, jobs.h) and a sweeper
** (lapsed holds and offers, enrol_sweep), each restarted if it dies, so a
** mail server that never answers does not hold up the sweep. Neither keeps
** the listening socket; the mailer stops between messages, and a drain
** gives it as long as one transfer may take (twice [mail] timeout). Every
** child stops when its manager dies (an orphaned worker at once, so a new
** manager can take the socket after kill -9 of the old).
*/
#ifndef JOURNEYS_SERVE_H
#define JOURNEYS_SERVE_H

#include "config.h"

/* Run the manager until it is told to stop. Returns the exit status. */
int serve_main(const config *cfg);

#endif
