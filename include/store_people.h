/*
** store_people.h: what the staff console reads and writes about people,
** member schools, the audit log and codes (store/people.c holds the SQL).
**
** Follows db.h's return convention. Lists come back as new JSON arrays the
** caller owns; strings in rows live in the caller's arena. Writes open no
** transaction: the caller groups each with its audit line.
*/
#ifndef JOURNEYS_STORE_PEOPLE_H
#define JOURNEYS_STORE_PEOPLE_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "db.h"

/* One account as staff see it (deleted accounts included). */
typedef struct person_row {
    int64_t id, school_id;
    const char *email, *name, *role, *school_name, *organisation, *school_role, *time_zone;
    time_t verified_at, created_at, deleted_at;   /* 0: not */
} person_row;

/* Accounts whose name or e-mail contains q, or whose school's name does
** (case-insensitive; q taken literally, % and _ included), newest first,
** at most limit; role ("" for any) narrows it. [{id, name, email, role,
** school, verified_at, created_at, deleted_at}]. */
json_t *store_people_search(db *d, const char *q, const char *role, int limit);

/* One account by id: 1 filled, 0 none, -1. */
int store_person_get(db *d, arena *a, int64_t id, person_row *out);

/* The person's payments (newest first): [{id, offering_code, course_title,
** amount_cents, refunded_cents, currency, status, created_at}]. */
json_t *store_person_payments(db *d, int64_t user_id);

/* The private messages in the person's threads with coaches (newest
** first, at most limit): [{offering_code, author, body_html, created_at}]. */
json_t *store_person_messages(db *d, int64_t user_id, int limit);

/* The person's certificates: [{number, offering_code, course_title,
** issued_at, revoked_at}]. */
json_t *store_person_certificates(db *d, int64_t user_id);

/* The offerings the person is linked to as staff of (offering_staff:
** coaching), soonest first: [{offering_code, course_title, starts, ends,
** role}]. */
json_t *store_person_offerings(db *d, int64_t user_id);

/* Change a live account's role from `from` to `to` in one conditional
** write: 1 changed, 0 the account no longer has role `from` (or is gone),
** -1. */
int store_person_set_role(db *d, int64_t id, const char *from, const char *to);

/* A member school as the console edits it. version moves with every edit. */
typedef struct school_row {
    int64_t id, version;
    const char *name, *city, *country, *billing_name, *billing_email;
    int member, invoice;
    int people;   /* accounts that name it */
} school_row;

/* The values of a school (NULL or "" text is none). */
typedef struct school_fields {
    const char *name, *city, *country, *billing_name, *billing_email;
    int member, invoice;
} school_fields;

/* Every school, members first, then by name: [{id, name, city, country,
** billing_name, billing_email, member, invoice, people}]. */
json_t *store_schools_all(db *d);

/* One school by id: 1, 0, -1. */
int store_school_get(db *d, arena *a, int64_t id, school_row *out);

/* The id of the school named name (case as stored): 1 with *id, 0, -1. */
int store_school_id_by_name(db *d, const char *name, int64_t *id);

/* A new school: its id, DB_DUPLICATE when the name is taken, -1. */
int64_t store_school_add(db *d, const school_fields *f);

/* Replace school id's values if it is still at version: 1, 0 (someone
** else changed it first, or it is gone), DB_DUPLICATE (the new name is
** another school's), -1. */
int store_school_update(db *d, int64_t id, int64_t version, const school_fields *f);

/* Add or replace the school named f->name (an import row): 0 or -1. */
int store_school_upsert(db *d, const school_fields *f);

/* Which kind of change an audit line records, for the filter. */
typedef struct audit_filter {
    int64_t person_id;     /* 0: anyone; else lines by or about this person */
    int64_t offering_id;   /* 0: any; else lines about the offering or its registrations */
    const char *kind;      /* "" any; money, seats, roles, moderation, publishing, settings */
    time_t from, to;       /* 0: open; [from, to) */
    int limit, offset;
} audit_filter;

/* Audit lines and moderation actions matching f, newest first: [{at,
** actor_id, actor, actor_email, action, kind, subject, detail,
** offering_code, person_id, person_name}]. */
json_t *store_audit_search(db *d, const audit_filter *f);

/* A code as its page shows it. */
typedef struct code_info {
    int64_t id, offering_id;
    const char *code, *offering_code, *expires_on;   /* NULLs: any offering, no expiry */
    int percent_off, max_uses, uses;                 /* max_uses 0: no limit */
    time_t disabled_at, created_at;
} code_info;

/* A code by its text (case-insensitive): 1, 0, -1. */
int store_code_get(db *d, arena *a, const char *code, code_info *out);

/* Set a live code's limit (0: none) and expiry (NULL: none) in one
** conditional write that also refuses a limit below its uses: 1, 0 (the
** code is disabled, or used more often than the new limit), -1. */
int store_code_edit(db *d, int64_t id, int max_uses, const char *expires_on);

/* Disable a live code: 1, 0 (disabled already), -1. */
int store_code_disable(db *d, int64_t id, time_t now);

/* The registrations that used a code, oldest first: [{enrolment_id,
** user_id, name, email, offering_code, course_title, status,
** payment_status, amount_cents, currency, held, created_at}]. */
json_t *store_code_uses(db *d, int64_t id);

#endif
