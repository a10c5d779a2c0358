/*
** config.h: the settings, from defaults, an INI file and the environment.
**
** Order of precedence: built-in defaults (enough for `make run`), then the INI
** file read with libinih, then environment variables named
** JOURNEYS_<SECTION>_<KEY> in upper case (JOURNEYS_SERVER_WORKERS=4). Every
** setting is declared once in config.c's table, which also documents it.
*/
#ifndef JOURNEYS_CONFIG_H
#define JOURNEYS_CONFIG_H

#include "buf.h"

typedef struct config {
    /* [server] */
    char *socket;        /* unix socket path for FastCGI */
    char *listen;        /* host:port instead of the socket, or "" */
    int workers;         /* 0: one per core */
    int max_requests;    /* recycle a worker after this many requests */
    int drain_seconds;   /* how long SIGTERM waits for requests in flight */
    int max_body;        /* largest urlencoded body accepted, bytes */
    /* [paths] */
    char *var;           /* runtime files: database, socket, pid file */
    char *database;
    char *templates;
    char *courses;
    char *pidfile;
    /* [site] */
    char *base_url;      /* absolute URL of the site, no trailing slash */
    int demo;            /* publish demonstration offerings */
    int secure_cookies;  /* mark cookies Secure (behind https) */
    int cache_seconds;   /* max-age for public pages */
} config;

/* Fill c with defaults, then the INI file at path (NULL or "" for none; a
** missing file named explicitly is an error), then environment overrides.
** Strings are malloc'd and owned by c. Returns 0, or -1 with
** "file:line: message" lines appended to err. */
int config_load(config *c, const char *path, buf *err);

/* Release the strings config_load made. */
void config_free(config *c);

/* Print every setting as INI, with its current value (for `journeys config`). */
void config_dump(const config *c, buf *out);

#endif
