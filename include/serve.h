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
** drains on SIGTERM or SIGINT: workers finish what they are doing and exit.
*/
#ifndef JOURNEYS_SERVE_H
#define JOURNEYS_SERVE_H

#include "config.h"

/* Run the manager until it is told to stop. Returns the exit status. */
int serve_main(const config *cfg);

#endif
