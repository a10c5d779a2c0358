/*
** pay.h: card payments through a Stripe-compatible API (Checkout Sessions,
** refunds) over libcurl, and verification of the webhooks it sends.
**
** The client speaks the Stripe protocol: form-encoded requests with bracket
** notation, "Authorization: Bearer <secret key>", an Idempotency-Key header on
** every POST that creates something, JSON answers read with jansson. The base
** URL comes from cfg->pay_api_base: https:// is required, except that plain
** http:// is allowed for a host of exactly 127.0.0.1 or localhost (the local
** stand-in used by the tests). Every call is bounded by cfg->pay_timeout
** seconds and an answer larger than 1 MiB is refused.
**
** Nothing here allocates memory the caller must free: sessions and events are
** copied into fixed buffers, and a value that does not fit is an error rather
** than a silent truncation (a cut-off id would name another object).
**
** The functions are safe to call from several threads at once provided the
** program called curl_global_init() before starting them.
*/
#ifndef JOURNEYS_PAY_H
#define JOURNEYS_PAY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "config.h"

/* What to sell in one Checkout Session. All strings are NUL-terminated;
** optional ones may be NULL or "". */
typedef struct pay_checkout {
    int64_t amount_cents;            /* > 0, in the currency's minor unit */
    const char *currency;            /* three letters; "USD" is sent as "usd" */
    const char *product_name;        /* required */
    const char *product_description; /* optional */
    const char *success_url;         /* required; may contain the literal {CHECKOUT_SESSION_ID} */
    const char *cancel_url;          /* optional */
    const char *client_reference_id; /* optional, e.g. "enrolment-42"; < 128 bytes */
    const char *customer_email;      /* optional */
    const char *metadata_enrolment;  /* optional: metadata[enrolment_id]; < 32 bytes */
    const char *metadata_offering;   /* optional: metadata[offering] */
    const char *idempotency_key;     /* required: 1..255 printable ASCII bytes */
    time_t expires_at;               /* 0: provider default; Stripe requires 30 min..24 h ahead */
} pay_checkout;

/* A Checkout Session as the provider described it. Missing or null fields
** are "" (strings) or 0 (amount_total). */
typedef struct pay_session {
    char id[128];
    char url[1024];                 /* the hosted payment page */
    char status[24];                /* open | complete | expired */
    char payment_status[24];        /* paid | unpaid | no_payment_required */
    char payment_intent[128];       /* set once paid ("pi_..."), else "" */
    char client_reference_id[128];
    char currency[8];               /* lower case, "usd" */
    char metadata_enrolment[32];    /* metadata.enrolment_id */
    int64_t amount_total;
} pay_session;

/* Create a Checkout Session: POST {api_base}/v1/checkout/sessions with
** mode=payment, one line item built from req (price_data with currency,
** unit_amount and product_data name/description, quantity 1), the URLs,
** client_reference_id, customer_email, metadata[enrolment_id],
** metadata[offering] and expires_at when set; every key and value is encoded
** with curl_easy_escape. Returns 0 with out filled, or -1 with a reason
** appended to err (when err is not NULL): a request refused before sending
** (bad req field, disallowed base URL), a transport failure, or
** "HTTP <status>: <provider's error.message>" for an error answer. */
int pay_create_checkout(const config *cfg, const pay_checkout *req, pay_session *out, buf *err);

/* Fetch a session: GET {api_base}/v1/checkout/sessions/{id}. id must be
** 1..127 bytes of [A-Za-z0-9_], otherwise -1 without any request. id may
** point into out (refreshing a session in place). Returns 0 with out filled,
** or -1 (out zeroed) with a reason in err as above. */
int pay_retrieve_session(const config *cfg, const char *id, pay_session *out, buf *err);

/* Expire an open session: POST {api_base}/v1/checkout/sessions/{id}/expire
** (id checked as for pay_retrieve_session). The provider answers 400 when the
** session is no longer open. Returns 0, or -1 with a reason in err. */
int pay_expire_session(const config *cfg, const char *id, buf *err);

/* Refund a payment: POST {api_base}/v1/refunds with payment_intent and, when
** amount_cents > 0, amount (0 refunds whatever remains; negative is refused).
** payment_intent must be [A-Za-z0-9_]; idempotency_key is required as for
** pay_checkout. The refund's id ("re_...") is copied into refund_id, which
** must hold refund_id_len bytes (-1 if it does not fit). Returns 0, or -1 with
** a reason in err (an over-refund is the provider's 400). */
int pay_refund(const config *cfg, const char *payment_intent, int64_t amount_cents,
               const char *idempotency_key, char *refund_id, size_t refund_id_len, buf *err);

enum {
    PAY_SIG_OK = 0,
    PAY_SIG_MALFORMED = -1, /* not a header this provider sends */
    PAY_SIG_EXPIRED = -2,   /* authentic, but t is further than tolerance from now */
    PAY_SIG_MISMATCH = -3   /* no v1 value matches (or no usable secret) */
};
enum { PAY_SIG_MAX_HEADER = 4096, PAY_SIG_TOLERANCE = 300 };

/* Verify a Stripe-Signature header for the exact bytes payload[0..len).
**
** The header is a comma-separated list of scheme=value items in any order;
** spaces and tabs around items, keys and values are ignored, empty items are
** skipped, items of unknown schemes (v0, ...) are ignored. It is
** PAY_SIG_MALFORMED when: header is NULL, empty or longer than
** PAY_SIG_MAX_HEADER bytes; a non-empty item has no '='; there is no t, more
** than one t, or t is not 1..18 decimal digits; there is no v1; any v1 is not
** exactly 64 lower-case hexadecimal digits. Upper-case hex is refused as
** malformed: the provider only ever sends lower case and its own libraries
** compare the lower-case text, so such a header did not come from it.
**
** The expected signature is HMAC-SHA256(secret, t + "." + payload), using t's
** text exactly as written; it is compared in constant time with EVERY v1
** value, and any match will do (several v1 values appear while a secret is
** being rolled). A NULL or empty secret, or no match, gives PAY_SIG_MISMATCH.
** Only an authentic header is then checked for age: |now - t| > tolerance
** (negative tolerance counts as 0) gives PAY_SIG_EXPIRED, so that code always
** means a genuine but stale (possibly replayed) delivery. payload may be NULL
** only when len is 0. */
int pay_verify_signature(const char *header, const char *payload, size_t len,
                         const char *secret, time_t now, int tolerance);

/* A webhook event. When data.object is a checkout.session, is_session is 1
** and session holds its fields; otherwise is_session is 0 and session is
** zeroed. */
typedef struct pay_event {
    char id[128];
    char type[64];
    int is_session;
    pay_session session;
} pay_event;

/* Parse a webhook body payload[0..len) (not NUL-terminated) with jansson.
** Returns 0 with ev filled, or -1 (ev zeroed) when the body is not a JSON
** object (duplicate keys and NUL bytes are refused too), when id or type is
** missing, not a string, empty or too long for its buffer, or when a
** checkout.session object has a field of the wrong type (amount_total must be
** an integer) or one too long for pay_session. This does not authenticate
** anything: call pay_verify_signature first. */
int pay_parse_event(const char *payload, size_t len, pay_event *ev);

/* Append to out the header value the provider would send for payload signed
** with secret at time t: "t=<t>,v1=<64 lower-case hex digits>". For tests
** and the stand-in parity check. */
void pay_sign(buf *out, const char *payload, size_t len, const char *secret, time_t t);

#endif
