/*
** test_pay.c: the payment client against the provider stand-in, and the
** stand-in's webhooks against pay_verify_signature.
**
** A small webhook receiver runs in a thread of this program: it verifies
** each delivery with pay_verify_signature (the parity check between
** standin.py's signing and ours) and answers 200 when it is authentic, 400
** otherwise, so the stand-in's /_test/events shows what the receiver
** decided. The rest drives pay.h through the stand-in: checkout creation and
** retrieval, idempotency, the hosted page, completion, refunds (full,
** partial, too much), expiry, injected failures and refused credentials.
*/
#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pay.h"
#include "standin.h"

#define SECRET "whsec_test_parity"
#define MAX_SEEN 64

/* One webhook delivery as the receiver saw it. */
typedef struct seen {
    char *signature; /* Stripe-Signature, or NULL when absent (malloc'd) */
    char *body;      /* malloc'd, NUL-terminated */
    size_t len;
    int verdict;     /* pay_verify_signature's result (or 1: no header) */
    pay_event ev;
    int parsed;      /* pay_parse_event's result */
} seen;

/* The receiver: a listening socket and what arrived, under lock. */
static struct receiver {
    int fd, port, stop;
    pthread_t thread;
    pthread_mutex_t lock;
    seen got[MAX_SEEN];
    int n;
} rx = {.fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

static standin si;
static config cfg;

/* Read one HTTP request from fd into req (head and body, Content-Length
** only). Returns the offset of the body, or -1. */
static long read_request(int fd, buf *req, size_t *body_len)
{
    char chunk[4096];
    long head_end = -1;
    size_t want = 0;
    for (;;) {
        if (head_end >= 0 && req->len >= (size_t)head_end + want)
            break;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0)
            return -1;
        buf_append(req, chunk, (size_t)n);
        if (head_end < 0 && buf_str(req)[0]) {
            const char *e = strstr(buf_str(req), "\r\n\r\n");
            if (e) {
                head_end = e - buf_str(req) + 4;
                const char *cl = strcasestr(buf_str(req), "\r\ncontent-length:");
                want = cl && cl < e ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
            }
        }
        if (buf_failed(req) || req->len > 4 * 1024 * 1024)
            return -1;
    }
    *body_len = want;
    return head_end;
}

/* The value of header name in the head [p, end), malloc'd; NULL if absent. */
static char *header_value(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = strstr(p, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (!strncasecmp(h, name, n) && h[n] == ':') {
            h += n + 1;
            while (*h == ' ')
                h++;
            const char *stop = strstr(h, "\r\n");
            return strndup(h, stop ? (size_t)(stop - h) : strlen(h));
        }
    }
    return NULL;
}

/* Handle one connection: record the delivery, answer 200 or 400. */
static void serve_one(int fd)
{
    buf req = BUF_INIT;
    size_t blen = 0;
    long off = read_request(fd, &req, &blen);
    if (off >= 0) {
        seen sn;
        memset(&sn, 0, sizeof sn);
        const char *r = buf_str(&req);
        sn.signature = header_value(r, r + off, "Stripe-Signature");
        sn.body = strndup(r + off, blen);
        sn.len = blen;
        sn.verdict = sn.signature ? pay_verify_signature(sn.signature, sn.body, blen, SECRET,
                                                         time(NULL), PAY_SIG_TOLERANCE)
                                  : 1;
        sn.parsed = pay_parse_event(sn.body, blen, &sn.ev);
        const char *answer = sn.verdict == PAY_SIG_OK
                                 ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                 : "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        pthread_mutex_lock(&rx.lock);
        if (rx.n < MAX_SEEN)
            rx.got[rx.n++] = sn;
        else {
            free(sn.signature);
            free(sn.body);
        }
        pthread_mutex_unlock(&rx.lock);
        if (write(fd, answer, strlen(answer)) < 0)
            perror("receiver: write");
    }
    buf_free(&req);
    close(fd);
}

/* Receiver thread: accept connections until rx.stop. */
static void *receive(void *arg)
{
    (void)arg;
    while (!rx.stop) {
        int c = accept(rx.fd, NULL, NULL);
        if (c < 0)
            continue;
        serve_one(c);
    }
    return NULL;
}

/* Listen on a free loopback port and start the receiver thread. 0 or -1. */
static int receiver_start(void)
{
    rx.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (rx.fd < 0 || bind(rx.fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(rx.fd, (struct sockaddr *)&a, &len) != 0 || listen(rx.fd, 16) != 0)
        return -1;
    rx.port = ntohs(a.sin_port);
    return pthread_create(&rx.thread, NULL, receive, NULL) == 0 ? 0 : -1;
}

/* Stop the receiver thread and free what it recorded. */
static void receiver_stop(void)
{
    rx.stop = 1;
    shutdown(rx.fd, SHUT_RDWR);
    pthread_join(rx.thread, NULL);
    close(rx.fd);
    for (int i = 0; i < rx.n; i++) {
        free(rx.got[i].signature);
        free(rx.got[i].body);
    }
}

/* How many deliveries the receiver has seen. */
static int seen_count(void)
{
    pthread_mutex_lock(&rx.lock);
    int n = rx.n;
    pthread_mutex_unlock(&rx.lock);
    return n;
}

/* The i-th delivery (deliveries are complete before the stand-in's call
** that caused them returns, so no lock is needed to read it then). */
static const seen *seen_at(int i)
{
    return i >= 0 && i < seen_count() ? &rx.got[i] : NULL;
}

/* GET/POST path on the stand-in and parse the JSON answer (caller decrefs);
** *status gets the HTTP status. NULL when the answer is not JSON. */
static json_t *call_json(const char *method, const char *path, const char *body, int *status)
{
    buf out = BUF_INIT;
    int st = standin_call(&si, method, path, body, &out);
    if (status)
        *status = st;
    json_t *j = json_loads(buf_str(&out), 0, NULL);
    buf_free(&out);
    return j;
}

/* String member key of object o, or "" (never NULL). */
static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Number of API requests the stand-in logged for path ("" for all). */
static size_t requests_for(const char *path)
{
    char q[256];
    snprintf(q, sizeof q, "/_test/requests?path=%s", path);
    json_t *j = call_json("GET", q, NULL, NULL);
    size_t n = json_array_size(j);
    json_decref(j);
    return n;
}

/* A checkout request for enrolment 42 of amount cents, with key as its
** idempotency key and an expiry an hour ahead. */
static pay_checkout checkout_req(const char *key, int64_t amount)
{
    pay_checkout r = {
        .amount_cents = amount,
        .currency = "USD",
        .product_name = "C from scratch & more = \"fun\" +1 \xc3\xa9",
        .product_description = "Six weeks; evenings.",
        .success_url = "http://127.0.0.1:1/checkout/done?session={CHECKOUT_SESSION_ID}&x=1",
        .cancel_url = "http://127.0.0.1:1/checkout/cancelled",
        .client_reference_id = "enrolment-42",
        .customer_email = "ada+test@example.org",
        .metadata_enrolment = "42",
        .metadata_offering = "c-2025-autumn",
        .idempotency_key = key,
        .expires_at = time(NULL) + 3600,
    };
    return r;
}

/* Create, then read back: every field survives the round trip, and the
** form arrived encoded as Stripe expects. */
static void test_create_and_retrieve(pay_session *out)
{
    pay_checkout r = checkout_req("enrol-42-a", 5000);
    buf err = BUF_INIT;
    CHECK(pay_create_checkout(&cfg, &r, out, &err) == 0);
    if (err.len)
        fprintf(stderr, "create: %s\n", buf_str(&err));
    CHECK(strncmp(out->id, "cs_test_", 8) == 0);
    CHECK(strncmp(out->url, standin_base(&si), strlen(standin_base(&si))) == 0);
    CHECK_CONTAINS(out->url, "/pay/cs_test_");
    CHECK_STR(out->status, "open");
    CHECK_STR(out->payment_status, "unpaid");
    CHECK_STR(out->currency, "usd");
    CHECK_STR(out->client_reference_id, "enrolment-42");
    CHECK_STR(out->metadata_enrolment, "42");
    CHECK_STR(out->payment_intent, "");
    CHECK(out->amount_total == 5000);

    pay_session back;
    CHECK(pay_retrieve_session(&cfg, out->id, &back, &err) == 0);
    CHECK(memcmp(&back, out, sizeof back) == 0);

    /* What the stand-in received. */
    json_t *reqs = call_json("GET", "/_test/requests?path=/v1/checkout/sessions", NULL, NULL);
    json_t *last = json_array_get(reqs, json_array_size(reqs) - 1);
    json_t *form = json_object_get(last, "form");
    CHECK_STR(jstr(last, "idempotency_key"), "enrol-42-a");
    CHECK_STR(jstr(last, "authorization"), "Bearer sk_test_journeys");
    CHECK_STR(jstr(form, "mode"), "payment");
    CHECK_STR(jstr(form, "line_items[0][price_data][currency]"), "usd");
    CHECK_STR(jstr(form, "line_items[0][price_data][unit_amount]"), "5000");
    CHECK_STR(jstr(form, "line_items[0][price_data][product_data][name]"), r.product_name);
    CHECK_STR(jstr(form, "line_items[0][quantity]"), "1");
    CHECK_STR(jstr(form, "success_url"), r.success_url);
    CHECK_STR(jstr(form, "metadata[offering]"), "c-2025-autumn");
    CHECK_STR(jstr(form, "customer_email"), "ada+test@example.org");
    json_decref(reqs);
    buf_free(&err);
}

/* Same key and parameters: the same session, replayed. Same key, other
** parameters: the provider's idempotency error. */
static void test_idempotency(const pay_session *first)
{
    pay_checkout r = checkout_req("enrol-42-a", 5000);
    r.expires_at = 0; /* expires_at differs: use a fresh key for the replay */
    r.idempotency_key = "enrol-42-b";
    pay_session a, b;
    buf err = BUF_INIT;
    CHECK(pay_create_checkout(&cfg, &r, &a, &err) == 0);
    CHECK(pay_create_checkout(&cfg, &r, &b, &err) == 0);
    CHECK(a.id[0] && strcmp(a.id, b.id) == 0);
    CHECK(strcmp(a.id, first->id) != 0);
    json_t *reqs = call_json("GET", "/_test/requests?path=/v1/checkout/sessions", NULL, NULL);
    size_t n = json_array_size(reqs);
    CHECK(n >= 3);
    CHECK_STR(jstr(json_array_get(reqs, n - 1), "idempotency_key"), "enrol-42-b");
    CHECK_STR(jstr(json_array_get(reqs, n - 2), "idempotency_key"), "enrol-42-b");
    json_decref(reqs);

    r.amount_cents = 4000;
    CHECK(pay_create_checkout(&cfg, &r, &b, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 400");
    CHECK_CONTAINS(buf_str(&err), "same parameters");
    CHECK(b.id[0] == '\0');
    buf_free(&err);
}

/* Validation by the provider: its message reaches err. */
static void test_provider_validation(void)
{
    pay_checkout r = checkout_req("enrol-val-1", 5000);
    r.expires_at = time(NULL) + 600; /* under Stripe's 30 minutes */
    pay_session s;
    buf err = BUF_INIT;
    CHECK(pay_create_checkout(&cfg, &r, &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 400: The `expires_at` timestamp must be at least 30 minutes");
    buf_reset(&err);
    r.expires_at = time(NULL) + 2 * 86400;
    r.idempotency_key = "enrol-val-2";
    CHECK(pay_create_checkout(&cfg, &r, &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "less than 24 hours");
    buf_reset(&err);
    r.expires_at = 0;
    r.customer_email = "not-an-address";
    r.idempotency_key = "enrol-val-3";
    CHECK(pay_create_checkout(&cfg, &r, &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "Invalid email address");
    buf_reset(&err);
    CHECK(pay_retrieve_session(&cfg, "cs_test_nosuch", &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 404: No such checkout.session");
    /* An invalid id is refused without a request. */
    size_t before = requests_for("");
    buf_reset(&err);
    CHECK(pay_retrieve_session(&cfg, "../../_test/reset", &s, &err) == -1);
    CHECK(pay_expire_session(&cfg, "cs_x/../../v1/refunds", &err) == -1);
    CHECK(requests_for("") == before);
    CHECK(before > 0);
    buf_free(&err);
}

/* Wrong credentials, a disallowed base, an injected 500, an unreachable
** provider: each is -1 with a reason. */
static void test_failures(void)
{
    pay_session s;
    buf err = BUF_INIT;
    config bad = cfg;
    char wrong[] = "pk_test_public";
    bad.pay_secret_key = wrong;
    CHECK(pay_retrieve_session(&bad, "cs_test_x", &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 401: Invalid API Key");

    int st;
    json_t *j = call_json("POST", "/_test/fail?path=/v1/checkout/sessions&count=1", NULL, &st);
    CHECK(st == 200);
    json_decref(j);
    pay_checkout r = checkout_req("enrol-fail-1", 5000);
    buf_reset(&err);
    CHECK(pay_create_checkout(&cfg, &r, &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 500");
    CHECK_CONTAINS(buf_str(&err), "error occurred");
    /* The retry with the same key runs (the failure was not saved). */
    buf_reset(&err);
    CHECK(pay_create_checkout(&cfg, &r, &s, &err) == 0);
    CHECK(strncmp(s.id, "cs_test_", 8) == 0);
    pay_session made = s;

    /* A 503 on refunds, twice. */
    j = call_json("POST", "/_test/fail?path=/v1/refunds&count=2&status=503", NULL, &st);
    json_decref(j);
    char rid[64];
    buf_reset(&err);
    CHECK(pay_refund(&cfg, "pi_test_none", 0, "ref-fail", rid, sizeof rid, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 503");
    buf_reset(&err);
    CHECK(pay_refund(&cfg, "pi_test_none", 0, "ref-fail", rid, sizeof rid, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 503");
    buf_reset(&err);
    CHECK(pay_refund(&cfg, "pi_test_none", 0, "ref-fail", rid, sizeof rid, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 400: No such payment_intent");

    /* Plain http to another host is refused before any request. */
    config remote = cfg;
    char base[] = "http://api.stripe.com";
    remote.pay_api_base = base;
    buf_reset(&err);
    CHECK(pay_retrieve_session(&remote, "cs_test_x", &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "https://");

    /* Nothing listening: a transport error, quickly. */
    config down = cfg;
    char nowhere[64];
    snprintf(nowhere, sizeof nowhere, "http://127.0.0.1:%d", rx.port == 1 ? 2 : 1);
    down.pay_api_base = nowhere;
    buf_reset(&err);
    CHECK(pay_retrieve_session(&down, "cs_test_x", &s, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "payment provider: ");

    /* Trailing slash on the base is fine. */
    config slash = cfg;
    char withslash[80];
    snprintf(withslash, sizeof withslash, "%s/", standin_base(&si));
    slash.pay_api_base = withslash;
    pay_session again;
    buf_reset(&err);
    CHECK(pay_retrieve_session(&slash, made.id, &again, &err) == 0);
    CHECK_STR(again.id, made.id);
    buf_free(&err);
}

/* GET or POST (empty body) path with curl, not following redirects;
** returns the status. The redirect target goes into loc and the body is
** appended to body (both may be NULL). */
static long fetch(const char *method, const char *path, buf *body, char *loc, size_t loclen)
{
    CURL *c = curl_easy_init();
    char url[512];
    snprintf(url, sizeof url, "%s%s", standin_base(&si), path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (!strcmp(method, "POST"))
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    char *data = NULL;
    size_t size = 0;
    FILE *ms = open_memstream(&data, &size);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ms);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        char *r = NULL;
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &r);
        if (loc)
            snprintf(loc, loclen, "%s", r ? r : "");
    }
    fclose(ms);
    if (body)
        buf_append(body, data, size);
    free(data);
    curl_easy_cleanup(c);
    return status;
}

/* The hosted page, paying through it, and the signed webhook it sends:
** the parity check. */
static void test_pay_and_webhook(const pay_session *s, pay_session *paid)
{
    char path[200], loc[1024];
    buf page = BUF_INIT;
    snprintf(path, sizeof path, "/pay/%s", s->id);
    CHECK(fetch("GET", path, &page, NULL, 0) == 200);
    CHECK_CONTAINS(buf_str(&page), "<html lang=\"en\">");
    CHECK_CONTAINS(buf_str(&page), "<title>TEST provider: pay $50.00");
    CHECK_CONTAINS(buf_str(&page), "<strong>TEST payment provider.</strong>");
    CHECK_CONTAINS(buf_str(&page), "Pay $50.00</button>");
    CHECK_CONTAINS(buf_str(&page), "C from scratch &amp; more = &quot;fun&quot;");
    char action[240];
    snprintf(action, sizeof action, "<form method=\"post\" action=\"/pay/%s\">", s->id);
    CHECK_CONTAINS(buf_str(&page), action);
    CHECK_CONTAINS(buf_str(&page), "<a href=\"http://127.0.0.1:1/checkout/cancelled\">Cancel</a>");

    int before = seen_count();
    CHECK(fetch("POST", path, NULL, loc, sizeof loc) == 303);
    char want[512];
    snprintf(want, sizeof want, "http://127.0.0.1:1/checkout/done?session=%s&x=1", s->id);
    CHECK_STR(loc, want);
    /* The webhook was delivered before the redirect was answered. */
    CHECK(seen_count() == before + 1);
    const seen *w = seen_at(before);
    if (w) {
        CHECK(w->signature && strncmp(w->signature, "t=", 2) == 0);
        CHECK(w->verdict == PAY_SIG_OK);
        CHECK(w->parsed == 0);
        CHECK_STR(w->ev.type, "checkout.session.completed");
        CHECK(strncmp(w->ev.id, "evt_", 4) == 0);
        CHECK(w->ev.is_session);
        CHECK_STR(w->ev.session.id, s->id);
        CHECK_STR(w->ev.session.status, "complete");
        CHECK_STR(w->ev.session.payment_status, "paid");
        CHECK(strncmp(w->ev.session.payment_intent, "pi_test_", 8) == 0);
        CHECK(w->ev.session.amount_total == 5000);
        CHECK_STR(w->ev.session.metadata_enrolment, "42");
        /* Our own signature of the same bytes at the same t is identical. */
        long long t = strtoll(w->signature + 2, NULL, 10);
        buf mine = BUF_INIT;
        pay_sign(&mine, w->body, w->len, SECRET, (time_t)t);
        CHECK_STR(buf_str(&mine), w->signature);
        buf_free(&mine);
        /* One byte changed no longer verifies. */
        char *copy = strndup(w->body, w->len);
        char *amt = strstr(copy, "5000");
        if (amt)
            amt[0] = '9';
        CHECK(pay_verify_signature(w->signature, copy, w->len, SECRET, time(NULL), 300) ==
              PAY_SIG_MISMATCH);
        free(copy);
    }
    /* The stand-in recorded the receiver's 200. */
    json_t *evs = call_json("GET", "/_test/events?type=checkout.session.completed", NULL, NULL);
    json_t *last = json_array_get(evs, json_array_size(evs) - 1);
    CHECK(json_integer_value(json_object_get(last, "status")) == 200);
    CHECK_STR(jstr(last, "id"), w ? w->ev.id : "?");
    CHECK_STR(jstr(last, "body"), w ? w->body : "?");
    json_decref(evs);

    buf err = BUF_INIT;
    CHECK(pay_retrieve_session(&cfg, s->id, paid, &err) == 0);
    CHECK_STR(paid->status, "complete");
    CHECK_STR(paid->payment_status, "paid");
    CHECK_STR(paid->url, "");
    CHECK_STR(paid->payment_intent, w ? w->ev.session.payment_intent : "?");
    /* Paying twice is refused. */
    CHECK(fetch("POST", path, NULL, loc, sizeof loc) == 409);
    CHECK(seen_count() == before + 1);
    /* A completed session cannot be expired. */
    buf_reset(&err);
    CHECK(pay_expire_session(&cfg, s->id, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 400");
    buf_free(&err);
    buf_free(&page);
}

/* Refunds: partial, the rest, too much, replay by key, and a full refund. */
static void test_refunds(const pay_session *paid)
{
    char a[64], b[64], c[64];
    buf err = BUF_INIT;
    CHECK(pay_refund(&cfg, paid->payment_intent, 2000, "refund-1", a, sizeof a, &err) == 0);
    CHECK(strncmp(a, "re_", 3) == 0);
    /* Same key, same parameters: the same refund, not a second one. */
    CHECK(pay_refund(&cfg, paid->payment_intent, 2000, "refund-1", b, sizeof b, &err) == 0);
    CHECK_STR(b, a);
    /* More than the 3000 left. */
    CHECK(pay_refund(&cfg, paid->payment_intent, 3001, "refund-2", c, sizeof c, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 400: Refund amount ($30.01) is greater than unrefunded amount");
    CHECK(c[0] == '\0');
    /* The rest (amount omitted). */
    buf_reset(&err);
    CHECK(pay_refund(&cfg, paid->payment_intent, 0, "refund-3", c, sizeof c, &err) == 0);
    CHECK(strncmp(c, "re_", 3) == 0 && strcmp(c, a) != 0);
    json_t *reqs = call_json("GET", "/_test/requests?path=/v1/refunds", NULL, NULL);
    json_t *last = json_array_get(reqs, json_array_size(reqs) - 1);
    CHECK_STR(jstr(json_object_get(last, "form"), "payment_intent"), paid->payment_intent);
    CHECK(json_object_get(json_object_get(last, "form"), "amount") == NULL);
    CHECK_STR(jstr(last, "idempotency_key"), "refund-3");
    json_decref(reqs);
    /* Nothing left. */
    buf_reset(&err);
    CHECK(pay_refund(&cfg, paid->payment_intent, 1, "refund-4", c, sizeof c, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "already been refunded");
    /* A second session, paid without the browser; refund_id too small. */
    pay_session s2;
    pay_checkout r = checkout_req("enrol-full", 7500);
    buf_reset(&err);
    CHECK(pay_create_checkout(&cfg, &r, &s2, &err) == 0);
    char cpath[200];
    snprintf(cpath, sizeof cpath, "/_test/complete/%s", s2.id);
    int st;
    json_t *j = call_json("POST", cpath, NULL, &st);
    CHECK(st == 200);
    json_decref(j);
    CHECK(pay_retrieve_session(&cfg, s2.id, &s2, &err) == 0);
    char tiny[4];
    buf_reset(&err);
    CHECK(pay_refund(&cfg, s2.payment_intent, 0, "refund-full", tiny, sizeof tiny, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "malformed");
    /* The full refund did happen (the answer just did not fit): a retry
    ** with the same key replays it. */
    buf_reset(&err);
    CHECK(pay_refund(&cfg, s2.payment_intent, 0, "refund-full", c, sizeof c, &err) == 0);
    CHECK(strncmp(c, "re_", 3) == 0);
    buf_reset(&err);
    CHECK(pay_refund(&cfg, s2.payment_intent, 1, "refund-full-2", c, sizeof c, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "already been refunded");
    buf_free(&err);
}

/* Expiry through the API sends a signed checkout.session.expired. */
static void test_expire(void)
{
    pay_checkout r = checkout_req("enrol-expire", 5000);
    pay_session s, back;
    buf err = BUF_INIT;
    CHECK(pay_create_checkout(&cfg, &r, &s, &err) == 0);
    int before = seen_count();
    CHECK(pay_expire_session(&cfg, s.id, &err) == 0);
    CHECK(pay_retrieve_session(&cfg, s.id, &back, &err) == 0);
    CHECK_STR(back.status, "expired");
    CHECK_STR(back.url, "");
    CHECK(seen_count() == before + 1);
    const seen *w = seen_at(before);
    CHECK(w && w->verdict == PAY_SIG_OK);
    CHECK(w && !strcmp(w->ev.type, "checkout.session.expired"));
    CHECK(w && !strcmp(w->ev.session.id, s.id));
    /* Twice: the provider refuses. */
    CHECK(pay_expire_session(&cfg, s.id, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 400");
    /* The page says so, and paying is refused. */
    char path[200];
    snprintf(path, sizeof path, "/pay/%s", s.id);
    buf page = BUF_INIT;
    CHECK(fetch("GET", path, &page, NULL, 0) == 200);
    CHECK_CONTAINS(buf_str(&page), "no longer available");
    CHECK(fetch("POST", path, NULL, NULL, 0) == 409);
    buf_free(&page);
    buf_free(&err);
}

/* Crafted deliveries through /_test/send and /_test/resend, judged by the
** receiver with pay_verify_signature. */
static void test_crafted(const pay_session *paid)
{
    struct {
        const char *sign;
        int verdict;
        long status;
    } cases[] = {
        {"good", PAY_SIG_OK, 200},
        {"bad", PAY_SIG_MISMATCH, 400},
        {"expired", PAY_SIG_EXPIRED, 400},
        {"none", 1, 400},
        {"tampered", PAY_SIG_MISMATCH, 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[300];
        snprintf(body, sizeof body,
                 "{\"type\":\"checkout.session.completed\",\"session\":\"%s\","
                 "\"overrides\":{\"amount_total\":1},\"sign\":\"%s\"}",
                 paid->id, cases[i].sign);
        int before = seen_count(), st;
        json_t *j = call_json("POST", "/_test/send", body, &st);
        CHECK(st == 200);
        CHECK(json_integer_value(json_object_get(j, "status")) == cases[i].status);
        json_decref(j);
        CHECK(seen_count() == before + 1);
        const seen *w = seen_at(before);
        if (!w)
            continue;
        if (w->verdict != cases[i].verdict)
            fprintf(stderr, "sign=%s: verdict %d\n", cases[i].sign, w->verdict);
        CHECK(w->verdict == cases[i].verdict);
        CHECK(w->parsed == 0);
        /* The tampered amount reaches the body in every case; only the
        ** signature tells the genuine one (good) from the others. */
        CHECK(w->ev.session.amount_total == 1);
    }
    /* Withheld webhook, then resent: same event id, newly signed. */
    pay_checkout r = checkout_req("enrol-withheld", 5000);
    pay_session s;
    buf err = BUF_INIT;
    CHECK(pay_create_checkout(&cfg, &r, &s, &err) == 0);
    char path[200];
    snprintf(path, sizeof path, "/_test/complete/%s?send=0", s.id);
    int before = seen_count(), st;
    json_t *j = call_json("POST", path, NULL, &st);
    CHECK(st == 200);
    CHECK(json_is_null(json_object_get(j, "status")));
    char eid[128];
    snprintf(eid, sizeof eid, "%s", jstr(j, "event"));
    json_decref(j);
    CHECK(seen_count() == before);
    snprintf(path, sizeof path, "/_test/resend/%s", eid);
    j = call_json("POST", path, NULL, &st);
    CHECK(st == 200 && json_integer_value(json_object_get(j, "status")) == 200);
    json_decref(j);
    j = call_json("POST", path, NULL, &st);
    json_decref(j);
    CHECK(seen_count() == before + 2);
    const seen *w1 = seen_at(before), *w2 = seen_at(before + 1);
    if (w1 && w2) {
        CHECK_STR(w1->ev.id, eid);
        CHECK_STR(w2->ev.id, eid);
        CHECK(w1->len == w2->len && memcmp(w1->body, w2->body, w1->len) == 0);
        CHECK(w1->verdict == PAY_SIG_OK && w2->verdict == PAY_SIG_OK);
    }
    buf_free(&err);
}

/* The Discourse-compatible invite endpoint. */
static void test_invites(void)
{
    const char *hdr_ok[] = {"Api-Key: k", "Api-Username: system",
                            "Content-Type: application/json", NULL};
    long st[3];
    buf out[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
    for (int i = 0; i < 3; i++) {
        CURL *c = curl_easy_init();
        struct curl_slist *hl = NULL;
        for (int k = i == 2 ? 2 : 0; hdr_ok[k]; k++)
            hl = curl_slist_append(hl, hdr_ok[k]);
        char url[200];
        snprintf(url, sizeof url, "%s/invites.json", standin_base(&si));
        char *data = NULL;
        size_t size = 0;
        FILE *ms = open_memstream(&data, &size);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"email\":\"Ada@Example.org\"}");
        curl_easy_setopt(c, CURLOPT_WRITEDATA, ms);
        st[i] = 0;
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st[i]);
        fclose(ms);
        buf_append(&out[i], data, size);
        free(data);
        curl_slist_free_all(hl);
        curl_easy_cleanup(c);
    }
    CHECK(st[0] == 200);
    CHECK_CONTAINS(buf_str(&out[0]), "\"success\": \"OK\"");
    CHECK(st[1] == 422);
    CHECK_CONTAINS(buf_str(&out[1]), "already been invited");
    CHECK(st[2] == 403);
    json_t *j = call_json("GET", "/_test/invites", NULL, NULL);
    CHECK(json_array_size(j) == 1);
    CHECK_STR(jstr(json_array_get(j, 0), "email"), "Ada@Example.org");
    json_decref(j);
    for (int i = 0; i < 3; i++)
        buf_free(&out[i]);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (receiver_start() != 0) {
        perror("receiver");
        return 1;
    }
    char hook[64];
    snprintf(hook, sizeof hook, "http://127.0.0.1:%d/webhooks/payments", rx.port);
    if (standin_start(&si, hook, SECRET) != 0) {
        CHECK(!"the stand-in started");
        receiver_stop();
        return check_done();
    }
    char base[64], key[] = "sk_test_journeys", whsec[] = SECRET;
    snprintf(base, sizeof base, "%s", standin_base(&si));
    cfg.pay_api_base = base;
    cfg.pay_secret_key = key;
    cfg.pay_webhook_secret = whsec;
    cfg.pay_timeout = 10;

    pay_session s, paid;
    test_create_and_retrieve(&s);
    test_idempotency(&s);
    test_provider_validation();
    test_failures();
    test_pay_and_webhook(&s, &paid);
    test_refunds(&paid);
    test_expire();
    test_crafted(&paid);
    test_invites();

    standin_stop(&si);
    receiver_stop();
    curl_global_cleanup();
    return check_done();
}
