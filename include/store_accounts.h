/*
** store_accounts.h: users, sessions, one-time tokens, rate limits and
** member schools. All SQL for these tables lives in store/accounts.c.
**
** Strings handed back live in the caller's arena. Functions that write do
** not open transactions themselves, unless they say so: the caller groups
** them with db_begin_write()/db_commit() so a change and the mail it causes
** are written together.
*/
#ifndef JOURNEYS_STORE_ACCOUNTS_H
#define JOURNEYS_STORE_ACCOUNTS_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "crypto.h"
#include "db.h"

typedef struct user {
    int64_t id;
    const char *email, *name, *role, *organisation, *school_role, *time_zone;
    int64_t school_id;        /* 0: none */
    const char *school_name;  /* NULL: none */
    int school_invoice;       /* the school may be invoiced */
    int verified;
} user;

enum { STORE_DUPLICATE = DB_DUPLICATE };

/* A new account. Returns its id, STORE_DUPLICATE if the e-mail is taken, or -1. */
int64_t store_user_create(db *d, const char *email, const char *name, const char *pwhash, const char *role,
                          int64_t school_id, const char *organisation, const char *school_role,
                          const char *time_zone, time_t now);

/* Look a live account up by e-mail (case-insensitive) or id. Returns 1 and
** fills u (and *pwhash when not NULL), 0 when there is none, -1 on error. */
int store_user_by_email(db *d, arena *a, const char *email, user *u, const char **pwhash);
int store_user_by_id(db *d, arena *a, int64_t id, user *u, const char **pwhash);

/* Updates; each returns 0, -1, or STORE_DUPLICATE for a taken e-mail. */
int store_user_verify(db *d, int64_t id, time_t now);
int store_user_set_password(db *d, int64_t id, const char *pwhash);
int store_user_set_email(db *d, int64_t id, const char *email, time_t now);
int store_user_set_profile(db *d, int64_t id, const char *name, int64_t school_id, const char *organisation,
                           const char *school_role, const char *time_zone);
int store_user_set_role(db *d, int64_t id, const char *role);

/* Delete an account: personal data is erased, money records stay attached
** to an anonymous row; sessions and tokens go. 0 or -1. */
int store_user_anonymise(db *d, int64_t id, time_t now);

/* Everything held about a user, for "download my data". Caller owns it.
** NULL on an error (logged), or when the account is not there. */
json_t *store_user_export(db *d, int64_t id);

/* Sessions, keyed by the hash of their token. */
int store_session_create(db *d, const unsigned char hash[CRYPTO_HASH_LEN], int64_t user_id, const char *csrf,
                         time_t now, time_t expires);
/* The live session's user and CSRF token: 1, 0 when unknown or expired,
** -1 on error. */
int store_session_get(db *d, arena *a, const unsigned char hash[CRYPTO_HASH_LEN], time_t now, user *u,
                      const char **csrf);
int store_session_delete(db *d, const unsigned char hash[CRYPTO_HASH_LEN]);
int store_sessions_delete_user(db *d, int64_t user_id);

/* One-time tokens for e-mail links ("verify", "reset", "email"). */
int store_token_create(db *d, const unsigned char hash[CRYPTO_HASH_LEN], int64_t user_id, const char *purpose,
                       const char *data, time_t expires);
/* Check a token without using it: 1 (user id and data filled), 0, or -1 on
** error. */
int store_token_peek(db *d, arena *a, const unsigned char hash[CRYPTO_HASH_LEN], const char *purpose, time_t now,
                     int64_t *user_id, const char **data);
/* Use a token once: 1 (user id and data filled), or 0 if unknown, expired,
** used already or of another purpose, -1 on error. */
int store_token_use(db *d, arena *a, const unsigned char hash[CRYPTO_HASH_LEN], const char *purpose, time_t now,
                    int64_t *user_id, const char **data);

/* Rate limits: a count per key in a fixed window of window seconds (at
** most STORE_RATE_KEEP), starting at the first attempt. */
enum { STORE_RATE_KEEP = 86400 };

/* Take one attempt from key's allowance of max per window: returns 1 and
** counts it, 0 when the allowance is used up, counting nothing, so
** hammering a locked key does not add to it, or -1 on a database error
** (nothing counted: the caller answers 503, it does not refuse). Rows
** whose window started more than STORE_RATE_KEEP seconds ago are deleted
** in the same write. Runs in its own write transaction when none is open. */
int store_rate_hit(db *d, const char *key, time_t now, int window, int max);

/* Give back one attempt taken in the current window (it turned out not to
** count, such as a sign-in that succeeded). 0 or -1. */
int store_rate_give_back(db *d, const char *key, time_t now, int window);

/* Forget key's count (an account signed in: its failures start again). 0 or -1. */
int store_rate_clear(db *d, const char *key);

/* Member schools: [{id, name, city, country, invoice}], by name; NULL on
** error. */
json_t *store_schools(db *d);
/* Add or update a school by name. 0 or -1. */
int store_school_put(db *d, const char *name, const char *city, const char *country, int invoice);
/* Set the billing contact of school name (both may be NULL: none). 0, -1. */
int store_school_billing_put(db *d, const char *name, const char *billing_name, const char *billing_email);
/* 1 if a member school with this id exists, 0 if not, -1 on error. */
int store_school_exists(db *d, int64_t id);

#endif
