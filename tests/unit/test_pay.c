/*
** test_pay.c: unit tests for pay.h without a network: Stripe-Signature
** verification against hostile headers, webhook event parsing, the
** pay_sign round trip, and the checks that refuse a request before anything
** is sent (base URL rule, ids, idempotency keys, checkout fields).
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pay.h"

static const char SECRET[] = "whsec_test_secret";
static const char BODY[] = "{\"id\":\"evt_1\",\"object\":\"event\",\"type\":\"checkout.session.completed\"}";
static const time_t T = 1700000000;

/* Verify header for BODY with SECRET at time T, tolerance 300. */
static int verify(const char *header)
{
    return pay_verify_signature(header, BODY, strlen(BODY), SECRET, T, 300);
}

/* The 64 hex digits of the good v1 for BODY at time t, into hex (65 bytes). */
static void good_v1(char *hex, time_t t)
{
    buf b = BUF_INIT;
    pay_sign(&b, BODY, strlen(BODY), SECRET, t);
    const char *v = strstr(buf_str(&b), "v1=");
    snprintf(hex, 65, "%s", v ? v + 3 : "");
    buf_free(&b);
}

/* The buffer hdr() formats into; freed at the end of main. */
static buf hdr_buf = BUF_INIT;

/* Format a header into hdr_buf and return it; valid until the next call. */
static const char *hdr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *hdr(const char *fmt, ...)
{
    buf *b = &hdr_buf;
    buf_reset(b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
    return buf_str(b);
}

/* pay_sign's output has the documented shape and verifies. */
static void test_sign_round_trip(void)
{
    buf b = BUF_INIT;
    pay_sign(&b, BODY, strlen(BODY), SECRET, T);
    CHECK(strncmp(buf_str(&b), "t=1700000000,v1=", 16) == 0);
    CHECK(b.len == 16 + 64);
    CHECK(verify(buf_str(&b)) == PAY_SIG_OK);
    /* A known vector, computed independently (Python hmac/hashlib). */
    buf k = BUF_INIT;
    pay_sign(&k, "hello", 5, "key", 1);
    CHECK_STR(buf_str(&k), "t=1,v1=9233658ef5e21fe59dba8abb099c978547d7626f87090a6a585c26a2a98a91f8");
    buf_free(&k);
    /* Empty payload. */
    buf e = BUF_INIT;
    pay_sign(&e, "", 0, SECRET, T);
    CHECK(pay_verify_signature(buf_str(&e), "", 0, SECRET, T, 300) == PAY_SIG_OK);
    CHECK(pay_verify_signature(buf_str(&e), NULL, 0, SECRET, T, 300) == PAY_SIG_OK);
    buf_free(&e);
    buf_free(&b);
}

/* Well-formed headers in the shapes the provider sends or may send. */
static void test_valid_headers(void)
{
    char v1[65], other[65];
    good_v1(v1, T);
    good_v1(other, T + 1); /* a valid-looking but wrong signature */
    CHECK(verify(hdr("t=%lld,v1=%s", (long long)T, v1)) == PAY_SIG_OK);
    /* Several v1: first wrong, second right (secret being rolled). */
    CHECK(verify(hdr("t=%lld,v1=%s,v1=%s", (long long)T, other, v1)) == PAY_SIG_OK);
    CHECK(verify(hdr("t=%lld,v1=%s,v1=%s", (long long)T, v1, other)) == PAY_SIG_OK);
    /* Swapped order, a v0 as Stripe's test mode adds, an unknown scheme. */
    CHECK(verify(hdr("v1=%s,t=%lld", v1, (long long)T)) == PAY_SIG_OK);
    CHECK(verify(hdr("t=%lld,v1=%s,v0=%s", (long long)T, v1, other)) == PAY_SIG_OK);
    CHECK(verify(hdr("v2=zzz,t=%lld,v1=%s,foo=", (long long)T, v1)) == PAY_SIG_OK);
    /* Whitespace around items, keys and values; empty items. */
    CHECK(verify(hdr(" t = %lld , v1 = %s ", (long long)T, v1)) == PAY_SIG_OK);
    CHECK(verify(hdr("\tt=%lld,\tv1=%s\t", (long long)T, v1)) == PAY_SIG_OK);
    CHECK(verify(hdr("t=%lld,,v1=%s,", (long long)T, v1)) == PAY_SIG_OK);
    /* Leading zeros in t are part of the signed text. */
    buf z = BUF_INIT;
    pay_sign(&z, BODY, strlen(BODY), SECRET, T);
    CHECK(verify(hdr("t=0%lld,v1=%s", (long long)T, v1)) == PAY_SIG_MISMATCH);
    buf_free(&z);
    /* Within tolerance on both sides, and the exact edges. */
    CHECK(pay_verify_signature(hdr("t=%lld,v1=%s", (long long)T, v1), BODY, strlen(BODY),
                               SECRET, T + 300, 300) == PAY_SIG_OK);
    CHECK(pay_verify_signature(hdr("t=%lld,v1=%s", (long long)T, v1), BODY, strlen(BODY),
                               SECRET, T - 300, 300) == PAY_SIG_OK);
}

/* Headers that are not what the provider sends. */
static void test_malformed_headers(void)
{
    char v1[65];
    good_v1(v1, T);
    CHECK(verify(NULL) == PAY_SIG_MALFORMED);
    CHECK(verify("") == PAY_SIG_MALFORMED);
    CHECK(verify("   ") == PAY_SIG_MALFORMED);
    CHECK(verify(",,,") == PAY_SIG_MALFORMED);
    /* v0 only, no v1. */
    CHECK(verify(hdr("t=%lld,v0=%s", (long long)T, v1)) == PAY_SIG_MALFORMED);
    /* No t; t empty, not a number, with junk, signed, too long; two t. */
    CHECK(verify(hdr("v1=%s", v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=,v1=%s", v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=abc,v1=%s", v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=%lldx,v1=%s", (long long)T, v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=%lld 5,v1=%s", (long long)T, v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=-%lld,v1=%s", (long long)T, v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=+%lld,v1=%s", (long long)T, v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=1%018lld,v1=%s", (long long)T, v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=99999999999999999999,v1=%s", v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=%lld,t=%lld,v1=%s", (long long)T, (long long)T, v1)) == PAY_SIG_MALFORMED);
    /* Item without '='. */
    CHECK(verify(hdr("t=%lld,v1=%s,garbage", (long long)T, v1)) == PAY_SIG_MALFORMED);
    /* v1 of the wrong length, bad hex, empty. */
    CHECK(verify(hdr("t=%lld,v1=%.63s", (long long)T, v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=%lld,v1=%s0", (long long)T, v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=%lld,v1=%.62szz", (long long)T, v1)) == PAY_SIG_MALFORMED);
    CHECK(verify(hdr("t=%lld,v1=", (long long)T)) == PAY_SIG_MALFORMED);
    /* One bad v1 among good ones spoils the header. */
    CHECK(verify(hdr("t=%lld,v1=%s,v1=xyz", (long long)T, v1)) == PAY_SIG_MALFORMED);
    /* Upper-case hex: the provider only sends lower case, so refused as
    ** malformed even though the bytes would match. */
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(v1[i] >= 'a' && v1[i] <= 'f' ? v1[i] - 32 : v1[i]);
    CHECK(strcmp(upper, v1) != 0);
    CHECK(verify(hdr("t=%lld,v1=%s", (long long)T, upper)) == PAY_SIG_MALFORMED);
    /* Huge header: past PAY_SIG_MAX_HEADER, even though it starts well. */
    buf big = BUF_INIT;
    buf_printf(&big, "t=%lld,v1=%s", (long long)T, v1);
    while (big.len <= PAY_SIG_MAX_HEADER)
        buf_puts(&big, ",v0=0000");
    CHECK(verify(buf_str(&big)) == PAY_SIG_MALFORMED);
    buf_reset(&big);
    for (int i = 0; i < 1000000; i++)
        buf_putc(&big, 'a');
    CHECK(verify(buf_str(&big)) == PAY_SIG_MALFORMED);
    buf_free(&big);
    /* NULL payload with a length. */
    CHECK(pay_verify_signature(hdr("t=%lld,v1=%s", (long long)T, v1), NULL, 5, SECRET, T, 300) ==
          PAY_SIG_MALFORMED);
}

/* Well-formed headers that must not authenticate the payload. */
static void test_mismatch_and_expiry(void)
{
    char v1[65];
    good_v1(v1, T);
    char h[128];
    snprintf(h, sizeof h, "%s", hdr("t=%lld,v1=%s", (long long)T, v1));
    char body[sizeof BODY];
    memcpy(body, BODY, sizeof BODY);
    /* One byte of payload changed, one byte more, one byte fewer. */
    body[10] ^= 1;
    CHECK(pay_verify_signature(h, body, strlen(body), SECRET, T, 300) == PAY_SIG_MISMATCH);
    CHECK(pay_verify_signature(h, BODY, strlen(BODY) - 1, SECRET, T, 300) == PAY_SIG_MISMATCH);
    CHECK(pay_verify_signature(h, BODY, sizeof BODY, SECRET, T, 300) == PAY_SIG_MISMATCH);
    /* Secret off by one character, shorter, empty, NULL. */
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), "whsec_test_secreu", T, 300) == PAY_SIG_MISMATCH);
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), "whsec_test_secre", T, 300) == PAY_SIG_MISMATCH);
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), "", T, 300) == PAY_SIG_MISMATCH);
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), NULL, T, 300) == PAY_SIG_MISMATCH);
    /* The signature of another time under this t. */
    char later[65];
    good_v1(later, T + 1);
    CHECK(verify(hdr("t=%lld,v1=%s", (long long)T, later)) == PAY_SIG_MISMATCH);
    /* All zeros. */
    CHECK(verify(hdr("t=%lld,v1=%064d", (long long)T, 0)) == PAY_SIG_MISMATCH);
    /* Expired: now - t = 301 with tolerance 300; future beyond tolerance. */
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), SECRET, T + 301, 300) == PAY_SIG_EXPIRED);
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), SECRET, T - 301, 300) == PAY_SIG_EXPIRED);
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), SECRET, T + 100000, 300) == PAY_SIG_EXPIRED);
    /* Tolerance 0 and negative: only the very second. */
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), SECRET, T, 0) == PAY_SIG_OK);
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), SECRET, T + 1, 0) == PAY_SIG_EXPIRED);
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), SECRET, T, -5) == PAY_SIG_OK);
    /* A stale header that is also forged is a mismatch, not expired. */
    CHECK(pay_verify_signature(h, body, strlen(body), SECRET, T + 301, 300) == PAY_SIG_MISMATCH);
    /* Extreme clocks do not overflow. */
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), SECRET, (time_t)INT64_MIN, 300) == PAY_SIG_EXPIRED);
    CHECK(pay_verify_signature(h, BODY, strlen(BODY), SECRET, (time_t)INT64_MAX, 0x7fffffff) == PAY_SIG_EXPIRED);
    const char *h0 = hdr("t=999999999999999999,v1=%s", v1);
    CHECK(pay_verify_signature(h0, BODY, strlen(BODY), SECRET, (time_t)INT64_MAX, 0x7fffffff) ==
          PAY_SIG_MISMATCH);
}

static const char EVENT[] =
    "{\n"
    "  \"id\": \"evt_1Abc\",\n"
    "  \"object\": \"event\",\n"
    "  \"type\": \"checkout.session.completed\",\n"
    "  \"data\": {\"object\": {\n"
    "    \"id\": \"cs_test_123\", \"object\": \"checkout.session\",\n"
    "    \"url\": null, \"status\": \"complete\", \"payment_status\": \"paid\",\n"
    "    \"payment_intent\": \"pi_test_9\", \"client_reference_id\": \"enrolment-42\",\n"
    "    \"currency\": \"usd\", \"amount_total\": 5000,\n"
    "    \"metadata\": {\"enrolment_id\": \"42\", \"offering\": \"c-2025\"}\n"
    "  }}\n"
    "}\n";

/* Parse EVENT with the text from..to (first occurrence) replaced. */
static int parse_with(const char *from, const char *to, pay_event *ev)
{
    buf b = BUF_INIT;
    const char *at = strstr(EVENT, from);
    if (!at)
        return 99;
    buf_append(&b, EVENT, (size_t)(at - EVENT));
    buf_puts(&b, to);
    buf_puts(&b, at + strlen(from));
    int rc = pay_parse_event(buf_str(&b), b.len, ev);
    buf_free(&b);
    return rc;
}

/* Webhook event parsing: good, truncated, wrong shapes, tampered. */
static void test_parse_event(void)
{
    pay_event ev;
    CHECK(pay_parse_event(EVENT, strlen(EVENT), &ev) == 0);
    CHECK_STR(ev.id, "evt_1Abc");
    CHECK_STR(ev.type, "checkout.session.completed");
    CHECK(ev.is_session == 1);
    CHECK_STR(ev.session.id, "cs_test_123");
    CHECK_STR(ev.session.url, "");
    CHECK_STR(ev.session.status, "complete");
    CHECK_STR(ev.session.payment_status, "paid");
    CHECK_STR(ev.session.payment_intent, "pi_test_9");
    CHECK_STR(ev.session.client_reference_id, "enrolment-42");
    CHECK_STR(ev.session.currency, "usd");
    CHECK_STR(ev.session.metadata_enrolment, "42");
    CHECK(ev.session.amount_total == 5000);

    /* Truncated anywhere: never accepted. */
    int truncated_ok = 0;
    for (size_t n = 0; n + 2 < strlen(EVENT); n++)
        truncated_ok += pay_parse_event(EVENT, n, &ev) == 0;
    CHECK(truncated_ok == 0);
    CHECK(ev.id[0] == '\0' && ev.is_session == 0);
    CHECK(pay_parse_event(NULL, 0, &ev) == -1);
    CHECK(pay_parse_event("", 0, &ev) == -1);
    /* Not an object. */
    CHECK(pay_parse_event("[1,2]", 5, &ev) == -1);
    CHECK(pay_parse_event("\"evt\"", 5, &ev) == -1);
    CHECK(pay_parse_event("null", 4, &ev) == -1);
    /* Trailing garbage, a NUL inside, duplicate keys. */
    CHECK(pay_parse_event("{\"id\":\"e\",\"type\":\"t\"} x", 23, &ev) == -1);
    CHECK(pay_parse_event("{\"id\":\"e\\u0000\",\"type\":\"t\"}", 27, &ev) == -1);
    CHECK(pay_parse_event("{\"id\":\"e\",\"type\":\"t\",\"type\":\"u\"}", 32, &ev) == -1);
    CHECK(parse_with("\"amount_total\": 5000", "\"amount_total\": 1, \"amount_total\": 5000", &ev) == -1);
    /* Missing or wrong-typed id/type. */
    CHECK(parse_with("\"id\": \"evt_1Abc\",", "", &ev) == -1);
    CHECK(parse_with("\"type\": \"checkout.session.completed\",", "", &ev) == -1);
    CHECK(parse_with("\"evt_1Abc\"", "12", &ev) == -1);
    CHECK(parse_with("\"evt_1Abc\"", "\"\"", &ev) == -1);
    CHECK(parse_with("\"checkout.session.completed\"", "null", &ev) == -1);
    /* A minimal event without data is fine, and not a session. */
    CHECK(pay_parse_event("{\"id\":\"e\",\"type\":\"t\"}", 21, &ev) == 0);
    CHECK(ev.is_session == 0 && ev.session.id[0] == '\0');
    /* Another kind of object: not a session. */
    CHECK(parse_with("\"object\": \"checkout.session\"", "\"object\": \"refund\"", &ev) == 0);
    CHECK(ev.is_session == 0 && ev.session.amount_total == 0);
    /* Tampered amount: still parses (only the signature can tell). */
    CHECK(parse_with("5000", "1", &ev) == 0);
    CHECK(ev.session.amount_total == 1);
    /* Amount of the wrong type, negative stays a number, null is 0. */
    CHECK(parse_with("5000", "\"5000\"", &ev) == -1);
    CHECK(parse_with("5000", "50.00", &ev) == -1);
    CHECK(parse_with("5000", "-5", &ev) == 0 && ev.session.amount_total == -5);
    CHECK(parse_with("5000", "null", &ev) == 0 && ev.session.amount_total == 0);
    /* Session fields of the wrong type or too long. */
    CHECK(parse_with("\"cs_test_123\"", "null", &ev) == -1);
    CHECK(parse_with("\"paid\"", "true", &ev) == -1);
    CHECK(parse_with("\"usd\"", "\"usdusdusd\"", &ev) == -1);
    CHECK(parse_with("\"metadata\": {", "\"metadata\": [], \"x\": {", &ev) == -1);
    CHECK(parse_with("\"42\"", "\"123456789012345678901234567890123\"", &ev) == -1);
    /* Expanded payment_intent object. */
    CHECK(parse_with("\"pi_test_9\"", "{\"id\": \"pi_test_x\", \"object\": \"payment_intent\"}", &ev) == 0);
    CHECK_STR(ev.session.payment_intent, "pi_test_x");
    /* An id of 127 bytes fits, 128 does not. */
    char longid[140];
    memset(longid, 'a', sizeof longid);
    longid[0] = '"';
    longid[128] = '"';
    longid[129] = '\0';
    CHECK(parse_with("\"evt_1Abc\"", longid, &ev) == 0 && strlen(ev.id) == 127);
    longid[129] = '"';
    longid[128] = 'a';
    longid[130] = '\0';
    CHECK(parse_with("\"evt_1Abc\"", longid, &ev) == -1);
    /* Deep nesting is refused, not a crash. */
    buf deep = BUF_INIT;
    for (int i = 0; i < 100000; i++)
        buf_putc(&deep, '[');
    CHECK(pay_parse_event(buf_str(&deep), deep.len, &ev) == -1);
    buf_free(&deep);
}

/* Requests refused before anything is sent: the base URL is unroutable
** (port 9 on a documentation address would hang), so each -1 must come from
** a check, and the reason names it. */
static void test_refused_before_sending(void)
{
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    char key[] = "sk_test_x";
    cfg.pay_secret_key = key;
    cfg.pay_timeout = 1;
    pay_session s;
    buf err = BUF_INIT;
    const char *bad_bases[] = {
        "http://example.com", "http://127.0.0.1.evil.com", "http://localhost.evil.com",
        "http://127.0.0.1@evil.com", "http://evil.com#@127.0.0.1", "ftp://127.0.0.1",
        "file:///etc/passwd", "https://", "http://127.0.0.2", "", "https://a b.com",
        "http://user@localhost:1234", NULL,
    };
    for (size_t i = 0; i < sizeof bad_bases / sizeof bad_bases[0]; i++) {
        cfg.pay_api_base = (char *)bad_bases[i];
        buf_reset(&err);
        CHECK(pay_retrieve_session(&cfg, "cs_test_1", &s, &err) == -1);
        CHECK_CONTAINS(buf_str(&err), "https://");
    }
    char base[] = "http://127.0.0.1:9";
    cfg.pay_api_base = base;
    /* Ids outside [A-Za-z0-9_]. */
    const char *bad_ids[] = {"", "../x", "cs/1", "cs 1", "cs%2f", "cs?x=1", "cs\n1", "cs-1", NULL};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        buf_reset(&err);
        CHECK(pay_retrieve_session(&cfg, bad_ids[i], &s, &err) == -1);
        CHECK_CONTAINS(buf_str(&err), "invalid session id");
        buf_reset(&err);
        CHECK(pay_expire_session(&cfg, bad_ids[i], &err) == -1);
        CHECK_CONTAINS(buf_str(&err), "invalid session id");
    }
    char longid[200];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    buf_reset(&err);
    CHECK(pay_retrieve_session(&cfg, longid, &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "invalid session id");

    /* Checkout field checks. */
    pay_checkout good = {
        .amount_cents = 5000, .currency = "USD", .product_name = "Course",
        .success_url = "https://x/ok?s={CHECKOUT_SESSION_ID}", .idempotency_key = "k1",
    };
    struct {
        const char *why;
        pay_checkout r;
    } bad[10];
    for (int i = 0; i < 10; i++)
        bad[i].r = good;
    bad[8].r.metadata_enrolment = "123456789012345678901234567890123", bad[8].why = "metadata_enrolment";
    bad[9].r.client_reference_id = longid, bad[9].why = "client_reference_id";
    bad[0].r.amount_cents = 0, bad[0].why = "amount";
    bad[1].r.amount_cents = -5, bad[1].why = "amount";
    bad[2].r.currency = "US", bad[2].why = "currency";
    bad[3].r.currency = "U$D", bad[3].why = "currency";
    bad[4].r.product_name = "", bad[4].why = "product name";
    bad[5].r.success_url = NULL, bad[5].why = "success URL";
    bad[6].r.idempotency_key = "a\r\nX-Evil: 1", bad[6].why = "idempotency key";
    bad[7].r.idempotency_key = NULL, bad[7].why = "idempotency key";
    for (int i = 0; i < 10; i++) {
        buf_reset(&err);
        CHECK(pay_create_checkout(&cfg, &bad[i].r, &s, &err) == -1);
        CHECK_CONTAINS(buf_str(&err), bad[i].why);
    }
    /* Refund checks. */
    char rid[64];
    buf_reset(&err);
    CHECK(pay_refund(&cfg, "pi/1", 0, "k", rid, sizeof rid, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "payment intent");
    buf_reset(&err);
    CHECK(pay_refund(&cfg, "pi_1", -1, "k", rid, sizeof rid, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "negative");
    buf_reset(&err);
    CHECK(pay_refund(&cfg, "pi_1", 1, "", rid, sizeof rid, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "idempotency key");
    /* A secret key that could inject headers. */
    char evil[] = "sk_test\r\nX-Evil: 1";
    cfg.pay_secret_key = evil;
    buf_reset(&err);
    CHECK(pay_retrieve_session(&cfg, "cs_1", &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "secret key");
    /* err may be NULL. */
    CHECK(pay_retrieve_session(&cfg, "../", &s, NULL) == -1);
    buf_free(&err);
}

int main(void)
{
    test_sign_round_trip();
    test_valid_headers();
    test_malformed_headers();
    test_mismatch_and_expiry();
    test_parse_event();
    test_refused_before_sending();
    buf_free(&hdr_buf);
    return check_done();
}
