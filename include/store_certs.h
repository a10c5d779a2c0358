/*
** store_certs.h: SQL for completion and certificates: an offering's
** participants with what they have done towards its course's completion
** rules, coach sign-offs (completions), the certificates they bring and
** their revocation. Rows come back as structs with their strings in the
** caller's arena; the return conventions are db.h's.
*/
#ifndef JOURNEYS_STORE_CERTS_H
#define JOURNEYS_STORE_CERTS_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* An offering with what completion needs of its course. */
typedef struct completion_offering {
    int64_t id, course_id;
    const char *code, *starts, *ends, *time_zone;
    const char *course_slug, *course_title, *course_summary;
    const char *completion;        /* the course's rules; NULL: the default */
    int hours_min, hours_max;
    int activities;                /* published activities of the course */
} completion_offering;

/* A participant (an active, settled registration) with what they have done. */
typedef struct completion_person {
    int64_t user_id;
    const char *name, *email;
    int activities_complete;       /* activities with a version marked complete */
    int posts;                     /* their posts in the offering's threads (not deleted or hidden) */
    int panel;                     /* the panel marked watched */
    time_t signed_at;              /* 0: not signed off */
    const char *signed_by;         /* the coach's name, or NULL */
    const char *number;            /* their certificate's number, or NULL */
    time_t revoked_at;             /* 0: not revoked */
} completion_person;

/* One certificate with what its pages show. */
typedef struct certificate_row {
    int64_t id, offering_id, user_id, coach_id;
    const char *number, *recipient_name, *salt, *identity_hash;
    double hours;
    time_t issued_at, revoked_at;  /* revoked_at 0: in force */
    const char *revoke_reason;
    const char *code, *starts, *ends, *course_slug, *course_title, *course_summary;
    const char *coach_name;
} certificate_row;

/* The offering by id, or by code when id is 0. 1, 0 or -1. */
int store_completion_offering(db *d, arena *a, int64_t id, const char *code, completion_offering *out);

/* The offering's participants by name: *out (in a) and *n. 0 or -1. */
int store_completion_people(db *d, arena *a, int64_t offering_id, completion_person **out, int *n);

/* One participant of the offering. 1, 0 (not a participant) or -1. */
int store_completion_person(db *d, arena *a, int64_t offering_id, int64_t user_id, completion_person *out);

/* Sign off user_id's completion of the offering: a conditional insert
** (only when there is none yet). 1 signed now, 0 signed already, -1. */
int store_completion_add(db *d, int64_t offering_id, int64_t user_id, int64_t signed_by, time_t now);

/* Issue a certificate (c's number, offering, user, coach, name, salt,
** identity hash, hours, issued_at): the new id, DB_DUPLICATE when the
** number or the person's certificate for the offering exists, or -1. */
int64_t store_certificate_add(db *d, const certificate_row *c);

/* The certificate by number. 1, 0 or -1. */
int store_certificate_get(db *d, arena *a, const char *number, certificate_row *out);

/* user_id's certificate for the offering. 1, 0 or -1. */
int store_certificate_of(db *d, arena *a, int64_t offering_id, int64_t user_id, certificate_row *out);

/* Revoke the certificate number while it is in force: a conditional
** change. 1, 0 (no such certificate, or revoked already) or -1. */
int store_certificate_revoke(db *d, const char *number, int64_t by, const char *reason, time_t now);

/* The published course slug's title, summary and completion rules (NULL
** when it gives none), in a. 1, 0 or -1. */
int store_course_completion(db *d, arena *a, const char *slug, const char **title, const char **summary,
                            const char **rule);

/* Tell user_id in their notifications that their certificate is issued
** (kind 'certificate', linking to link). Its mail is the certificate
** e-mail queued with it, so the row is marked sent. The new id or -1. */
int64_t store_certificate_notice(db *d, int64_t user_id, int64_t offering_id, int64_t actor_id, const char *title,
                                 const char *link, time_t now);

#endif
