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
    int workers;         /* 0: two per core */
    int max_requests;    /* recycle a worker after this many requests */
    int drain_seconds;   /* how long SIGTERM waits for requests in flight */
    int max_body;        /* largest urlencoded body accepted, bytes */
    char *slow_socket;   /* unix socket of the pool for routes that call the payment
                            provider or build a staff report (R_SLOW), or "" for none: those routes then
                            share the page workers */
    int slow_workers;    /* workers on slow_socket (0: no second pool) */
    char *write_socket;  /* unix socket of the write pool, for short writes (R_BATCH),
                            or "" for none: those routes then share the page workers */
    int write_workers;   /* workers on write_socket (0: no write pool); one lets each
                            commit carry every write waiting, and keeps its cache */
    int backlog;         /* listen() queue length of each socket */
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
    int cancel_days;     /* a participant may cancel until this many days before the start */
    int hold_minutes;    /* a seat waits this long for its checkout to finish */
    int offer_hours;     /* a waitlist offer stays open this long */
    char *invoice_confirm; /* "immediate": an invoiced seat is confirmed at once; "approval": when staff approve */
    int session_days;    /* sign-in lasts this long */
    int signin_per_account;  /* failed sign-ins to one account per 15 minutes; a success clears them */
    int signin_per_address;  /* failed sign-ins from one network address, across all accounts, per
                                15 minutes: sized for a school behind one address (40 people with
                                a few typos each) while bounding password guessing */
    char *site_secret;   /* signs one-click unsubscribe links (unsub.h); keep it private and long */
    /* [mail] */
    char *smtp_url;      /* smtp://host:port or smtps://host:port */
    char *smtp_user, *smtp_password;
    int smtp_require_tls;
    int smtp_timeout;    /* seconds, for connecting and for each response */
    char *mail_from, *mail_from_name;
    int mail_max_attempts; /* then the message is marked failed, for staff */
    int mail_retry_seconds; /* the first retry's delay; each next one doubles (to 6 h) */
    /* [payments] */
    char *pay_api_base;  /* https://api.stripe.com or a stand-in */
    char *pay_secret_key;
    char *pay_webhook_secret;
    char *pay_checkout_origin; /* where checkout pages live: allowed as a form target */
    int pay_timeout;
    /* [community] */
    char *community_url;     /* the invitation link mailed to participants */
    char *community_api_url; /* Discourse-compatible base URL, or "" for none */
    char *community_api_key, *community_api_user;
    /* [jobs] */
    int jobs_interval;   /* seconds between passes over the outbox */
    /* [uploads] (activity submissions) */
    char *uploads_files; /* where kept files live, by SHA-256 (outside the web root; nginx's
                            internal /protected/ location maps to it) */
    char *uploads_temp;  /* where nginx writes upload bodies (client_body_temp_path): the
                            application reads only files inside it */
    int uploads_max_file_mb;       /* one file, MiB */
    int uploads_max_submission_mb; /* all files of one submission together, MiB */
    int uploads_max_files;         /* files in one submission */
    int uploads_sweep_seconds;     /* between sweeps of files no submission refers to (blobs.h) */
} config;

/* Fill c with defaults, then the INI file at path (NULL or "" for none; a
** missing file named explicitly is an error), then environment overrides.
** Strings are malloc'd and owned by c. Returns 0, or -1 with
** "file:line: message" lines appended to err. */
int config_load(config *c, const char *path, buf *err);

/* Release the strings config_load made. */
void config_free(config *c);

/* 1 if the site's base URL names this machine only (localhost, *.localhost,
** 127.x.y.z, [::1]): a development or test site. */
int config_is_loopback(const config *c);

/* Settings that must not reach a public site: when the base URL is not
** loopback, the development payment secrets (or an empty webhook secret)
** and demo offerings. Appends one line per problem to err, saying what to
** set; returns how many there are (0: fit to serve). */
int config_check_production(const config *c, buf *err);

/* Print every setting as INI, with its current value (for `journeys config`). */
void config_dump(const config *c, buf *out);

#endif
