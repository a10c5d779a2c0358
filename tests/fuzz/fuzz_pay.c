/*
** fuzz_pay.c: libFuzzer target for pay_verify_signature() and
** pay_parse_event().
**
** The input is split at its first newline: the part before is the
** Stripe-Signature header (as a C string, so cut at any NUL), the rest is
** the payload. The payload is parsed as an event, and the header verified
** for it under a fixed secret and clock. Besides the sanitizers, the target
** checks the promises of pay.h and aborts when one is broken: results are
** one of the four codes; PAY_SIG_OK only when some v1 really is the HMAC;
** the header pay_sign makes always verifies; a parsed event has non-empty,
** NUL-terminated id and type.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char SECRET[] = "whsec_fuzz";
static const time_t NOW = 1700000000;

/* Abort unless ev keeps pay_parse_event's promises for result rc. */
static void check_event(int rc, const pay_event *ev)
{
    if (rc != 0 && rc != -1)
        abort();
    if (strnlen(ev->id, sizeof ev->id) == sizeof ev->id ||
        strnlen(ev->type, sizeof ev->type) == sizeof ev->type)
        abort();
    if (rc == -1 && (ev->id[0] || ev->type[0] || ev->is_session))
        abort();
    if (rc == 0 && (!ev->id[0] || !ev->type[0]))
        abort();
    const pay_session *s = &ev->session;
    if (!ev->is_session && (s->id[0] || s->amount_total))
        abort();
    if (ev->is_session && !s->id[0])
        abort();
    if (strnlen(s->url, sizeof s->url) == sizeof s->url ||
        strnlen(s->currency, sizeof s->currency) == sizeof s->currency ||
        strnlen(s->metadata_enrolment, sizeof s->metadata_enrolment) == sizeof s->metadata_enrolment)
        abort();
}

/* Non-zero when, for some run of digits after an '=' (and blanks) in
** header, the v1 pay_sign computes for that time appears in header. */
static int holds_real_mac(const char *header, const char *body, size_t len)
{
    int found = 0;
    for (const char *eq = strchr(header, '='); eq && !found; eq = strchr(eq + 1, '=')) {
        const char *d = eq + 1;
        while (*d == ' ' || *d == '\t')
            d++;
        if (*d < '0' || *d > '9')
            continue;
        buf b = BUF_INIT;
        pay_sign(&b, body, len, SECRET, (time_t)strtoll(d, NULL, 10));
        const char *v1 = strstr(buf_str(&b), "v1=");
        found = v1 && strstr(header, v1 + 3);
        buf_free(&b);
    }
    return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hlen = nl ? (size_t)(nl - data) : size;
    char *header = malloc(hlen + 1);
    if (!header)
        return 0;
    memcpy(header, data, hlen);
    header[hlen] = '\0';
    const char *payload = nl ? (const char *)nl + 1 : "";
    size_t plen = nl ? size - hlen - 1 : 0;
    /* Copy the payload so reads past its end are caught. */
    char *body = malloc(plen ? plen : 1);
    if (!body) {
        free(header);
        return 0;
    }
    memcpy(body, payload, plen);

    pay_event ev;
    check_event(pay_parse_event(body, plen, &ev), &ev);

    int rc = pay_verify_signature(header, body, plen, SECRET, NOW, 300);
    if (rc != PAY_SIG_OK && rc != PAY_SIG_MALFORMED && rc != PAY_SIG_EXPIRED &&
        rc != PAY_SIG_MISMATCH)
        abort();
    /* An authentic verdict means the header holds the real HMAC for its t
    ** (kept from a seed); anything else would be a forgery: abort. */
    if ((rc == PAY_SIG_OK || rc == PAY_SIG_EXPIRED) && !holds_real_mac(header, body, plen))
        abort();
    /* The signed header always verifies, and a NULL secret never does. */
    buf mine = BUF_INIT;
    pay_sign(&mine, body, plen, SECRET, NOW);
    if (pay_verify_signature(buf_str(&mine), body, plen, SECRET, NOW, 300) != PAY_SIG_OK)
        abort();
    if (pay_verify_signature(buf_str(&mine), body, plen, NULL, NOW, 300) != PAY_SIG_MISMATCH)
        abort();
    buf_free(&mine);
    /* The header verified against the header itself as payload. */
    (void)pay_verify_signature(header, header, hlen, SECRET, NOW, 300);
    free(body);
    free(header);
    return 0;
}
