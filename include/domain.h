/*
** domain.h: what every rule of the domain layer (registration, payment,
** waitlist, notification) is given, and its one transaction helper.
**
** The domain sits between pages/ (HTTP glue) and store/ (SQL). A domain
** function never sees the request or the whole application: it gets a
** domain context with the database, the configuration, the templates that
** render mail, the acting person, the request's one clock and its arena.
** It answers with a domain result (below); when it refuses, d->message is a
** sentence a person can act on and d->field names the form field it is
** about (or NULL).
*/
#ifndef JOURNEYS_DOMAIN_H
#define JOURNEYS_DOMAIN_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "db.h"
#include "tmpl.h"

typedef struct domain {
    db *db;
    const config *cfg;
    tmpl_set *tmpl;        /* mail templates (borrowed) */
    arena *a;              /* the request's arena: results live here */
    int64_t actor;         /* who acts: a user id, or 0 for the system */
    time_t now;            /* the one clock of the request */
    const char *message;   /* set when a function refuses (arena or static) */
    const char *field;     /* the form field the refusal is about, or NULL */
} domain;

/* Domain results. The values are the HTTP statuses pages answer with, so
** glue can return them as they are. */
enum {
    DOM_OK = 0,
    DOM_NOT_FOUND = 404,
    DOM_CONFLICT = 409,     /* the state moved on: someone else acted first */
    DOM_INVALID = 422,      /* bad input: nothing changed */
    DOM_ERROR = 500,        /* a bug or a broken invariant (logged) */
    DOM_UNAVAILABLE = 503,  /* database busy or failing, provider down: try again */
};

/* A context for one request or job pass. Nothing is copied: the pointers
** must outlive the context. */
domain domain_make(db *d, const config *cfg, tmpl_set *tmpl, arena *a, int64_t actor, time_t now);

/* Refuse with result rc (not DOM_OK) and message (static or in d->a) about
** field (may be NULL). Returns rc. */
int domain_refuse(domain *d, int rc, const char *field, const char *message);

/* The transaction helper. domain_begin opens the write transaction (BEGIN
** IMMEDIATE): DOM_OK, or DOM_UNAVAILABLE with a message. domain_end commits
** when rc is DOM_OK and rolls back otherwise; it returns rc, or
** DOM_UNAVAILABLE when the commit itself failed (then nothing was written).
** Everything a change writes, its mail and its audit line go between the
** two, so all of it happens or none. */
int domain_begin(domain *d);
int domain_end(domain *d, int rc);

/* Write an audit line for subject "enrolment:<id>" by d->actor at d->now,
** inside the transaction. DOM_OK or DOM_ERROR (logged). */
int domain_audit(domain *d, const char *action, int64_t enrolment_id, const char *detail);

/* A failed store call (-1) as a result: DOM_UNAVAILABLE with a message
** that says nothing changed and to try again. */
int domain_store_failed(domain *d);

#endif
