/*
** certs.h: completion and certificates, the rules (domain layer).
**
** A coach signs off a participant's completion of an offering once the
** course's completion rules (completion.h) are met; sign-off issues the
** certificate (a public number, the e-mail hashed with a salt as Open
** Badges 2.0 asks, the course's hours, the coach) and queues the
** certificate e-mail and a notification in the same transaction. Staff may
** revoke a certificate with a reason. Each change is one conditional write,
** so two coaches signing off the same person at once issue one certificate.
*/
#ifndef JOURNEYS_CERTS_H
#define JOURNEYS_CERTS_H

#include <stdint.h>

#include "completion.h"
#include "domain.h"
#include "store_certs.h"

#define CERTS_IDENTITY_LEN 72   /* "sha256$" and 64 hex digits, with the NUL */

/* The rules of o's course (the default when it gives none or they no
** longer parse). */
void certs_rule(const completion_offering *o, completion_rule *r);

/* What p has done, for completion_met, in offering o. */
void certs_facts(const completion_offering *o, const completion_person *p, completion_facts *f);

/* The Open Badges 2.0 hashed identity of email with salt: "sha256$" and
** the hex SHA-256 of the lower-cased e-mail followed by the salt, into
** out. */
void certs_identity(const char *email, const char *salt, char out[CERTS_IDENTITY_LEN]);

/* Sign off user_id's completion of offering_id as d->actor (whom the page
** has already allowed to facilitate it) and issue the certificate; its
** number in *number (in d->a). DOM_OK; DOM_NOT_FOUND (no such offering, or
** the person is not a participant of it); DOM_INVALID when the rules are
** not met yet (d->message says what is missing); DOM_CONFLICT when they
** are signed off already (someone else won); DOM_UNAVAILABLE or DOM_ERROR,
** nothing written. */
int certs_sign_off(domain *d, int64_t offering_id, int64_t user_id, const char **number);

/* Sign off, one at a time, everyone in offering_id who meets the rules and
** is not signed off yet; *n_signed counts the sign-offs this call made (a
** person someone else signed off meanwhile is passed over). DOM_OK, or
** the first failure other than a lost race (those before it stay). */
int certs_sign_off_all(domain *d, int64_t offering_id, int *n_signed);

/* Revoke certificate number with reason (1 to 500 characters) as d->actor
** (staff, as the page checked). DOM_OK, DOM_INVALID (no reason),
** DOM_NOT_FOUND, DOM_CONFLICT (revoked already), DOM_UNAVAILABLE. */
int certs_revoke(domain *d, const char *number, const char *reason);

#endif
