/*
** unsub.h: the signed tokens in one-click unsubscribe links (RFC 8058).
**
** A notification or workspace e-mail carries
** List-Unsubscribe: <BASE/unsubscribe?t=TOKEN>. The token names a person
** and a stream of mail and is signed with the site's secret ([site]
** secret), so the link works without a session and cannot be made for
** anyone else: TOKEN = "<user id>.<stream>.<MAC>", the MAC being
** crypto_auth (HMAC-SHA-512-256) over "unsubscribe:<user id>:<stream>"
** under a key derived from the secret, written as 43 characters of
** URL-safe base64 without padding. Nothing is stored: the secret is the
** authority, so rotating it ends every link already sent.
*/
#ifndef JOURNEYS_UNSUB_H
#define JOURNEYS_UNSUB_H

#include <stdint.h>

/* The streams a person can leave with one click. */
enum unsub_stream {
    UNSUB_NOTIFICATIONS = 1, /* notification e-mail (at once or digest) and the start-of-week e-mail */
    UNSUB_MORNING,           /* the short morning e-mail on course days */
};

enum { UNSUB_TOKEN_MAX = 96 }; /* room for any token this module makes, with its NUL */

/* The stream's name in tokens and pages ("notifications", "morning"), or
** NULL for a value that is not a stream. */
const char *unsub_stream_name(int stream);

/* Write the token for user_id (> 0) and stream, signed with secret (a
** NUL-terminated string, not empty), into out (UNSUB_TOKEN_MAX bytes).
** Returns 0, or -1 (out set to "") when an argument is out of range or
** libsodium cannot start. */
int unsub_sign(const char *secret, int64_t user_id, int stream, char out[UNSUB_TOKEN_MAX]);

/* Check token against secret. Accepts only the exact form unsub_sign
** writes: a user id of 1 to 18 digits without a leading zero, a known
** stream name, and 43 characters of URL-safe base64 whose MAC matches
** (compared in constant time). Returns 0 with *user_id and *stream set, or
** -1 for anything else (NULL, too long, altered, signed with another
** secret), leaving them untouched. */
int unsub_verify(const char *secret, const char *token, int64_t *user_id, int *stream);

#endif
