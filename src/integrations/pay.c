/*
** pay.c: the payment provider client (Stripe protocol over libcurl, JSON
** with jansson) and webhook signatures (HMAC-SHA256 with libsodium); see
** pay.h for the contracts.
**
** Every request goes through api_request(), which enforces the base URL
** rule, the timeouts, the 1 MiB answer cap and the error text; the public
** functions only validate their input, build the form and read the answer.
** There is no global state: curl handles live for one request.
*/
#include "pay.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

enum {
    MAX_ANSWER = 1024 * 1024, /* largest answer body accepted */
    MAX_KEY = 255,            /* longest idempotency key (the provider's limit) */
    MAX_ERRMSG = 300,         /* longest provider message copied into err */
    MAC_LEN = crypto_auth_hmacsha256_BYTES,
    HEX_LEN = 2 * crypto_auth_hmacsha256_BYTES
};

/* Append "payment provider: <msg>" to err when err is not NULL; returns -1
** so callers can `return fail(err, ...)`. */
static int fail(buf *err, const char *msg)
{
    if (err)
        buf_printf(err, "payment provider: %s", msg);
    return -1;
}

/* Non-zero when base (cfg->pay_api_base) may be used: "https://" followed by
** a non-empty host, or "http://" whose host (up to ':', '/' or the end) is
** exactly 127.0.0.1 or localhost. Anything with userinfo, another scheme or
** control characters is refused. */
static int base_allowed(const char *base)
{
    if (!base)
        return 0;
    for (const char *p = base; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return 0;
    const char *host;
    int plain;
    if (!strncasecmp(base, "https://", 8)) {
        host = base + 8;
        plain = 0;
    } else if (!strncasecmp(base, "http://", 7)) {
        host = base + 7;
        plain = 1;
    } else {
        return 0;
    }
    size_t n = strcspn(host, ":/?#");
    if (n == 0 || memchr(host, '@', strlen(host)))
        return 0;
    if (!plain)
        return 1;
    return (n == 9 && !strncmp(host, "127.0.0.1", 9)) ||
           (n == 9 && !strncasecmp(host, "localhost", 9));
}

/* Non-zero when s is 1..127 bytes of [A-Za-z0-9_] (a provider object id). */
static int id_valid(const char *s)
{
    if (!s || !*s)
        return 0;
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
        if (n >= 127)
            return 0;
    }
    return 1;
}

/* Non-zero when s can go into a header value: 1..max bytes of printable
** ASCII without spaces (no CR/LF, so no header injection). */
static int token_valid(const char *s, size_t max)
{
    if (!s || !*s || strlen(s) > max)
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return 0;
    return 1;
}

/* Append "&key=value" (no '&' first) to the form f, both parts escaped with
** curl_easy_escape. A NULL or empty value adds nothing. Returns 0, or -1
** when escaping ran out of memory. */
static int form_add(buf *f, const char *key, const char *value)
{
    if (!value || !*value)
        return 0;
    char *k = curl_easy_escape(NULL, key, 0);
    char *v = curl_easy_escape(NULL, value, 0);
    int rc = k && v ? 0 : -1;
    if (rc == 0)
        buf_printf(f, "%s%s=%s", f->len ? "&" : "", k, v);
    curl_free(k);
    curl_free(v);
    return rc;
}

/* Append key=<decimal n> to the form f; returns 0 or -1 as form_add. */
static int form_add_int(buf *f, const char *key, int64_t n)
{
    char num[32];
    snprintf(num, sizeof num, "%" PRId64, n);
    return form_add(f, key, num);
}

/* libcurl write callback: append to the capped buf in user; a full buf
** stops the transfer (CURLE_WRITE_ERROR). */
static size_t collect(char *p, size_t size, size_t n, void *user)
{
    buf *b = user;
    buf_append(b, p, size * n);
    return buf_failed(b) ? 0 : size * n;
}

/* Append to err a description of an error answer: "HTTP <status>" followed
** by ": <error.message>" when body is the provider's JSON error, with
** control characters replaced and the message cut at MAX_ERRMSG bytes. */
static void describe_error(buf *err, long status, const buf *body)
{
    if (!err)
        return;
    buf_printf(err, "payment provider: HTTP %ld", status);
    json_t *root = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
    json_t *msg = json_object_get(json_object_get(root, "error"), "message");
    if (json_is_string(msg)) {
        const char *m = json_string_value(msg);
        buf_puts(err, ": ");
        for (size_t i = 0; m[i] && i < MAX_ERRMSG; i++)
            buf_putc(err, (unsigned char)m[i] < 0x20 || m[i] == 0x7f ? ' ' : m[i]);
    }
    json_decref(root);
}

/* Perform one API call: method ("GET" or "POST") on cfg->pay_api_base +
** path, with form as the urlencoded body for POST (may be empty) and idem as
** the Idempotency-Key (NULL for none). On a 2xx JSON object answer returns 0
** and sets *out to it (the caller json_decref's it); otherwise returns -1
** with the reason in err and *out NULL. */
static int api_request(const config *cfg, const char *method, const char *path,
                       const buf *form, const char *idem, json_t **out, buf *err)
{
    *out = NULL;
    if (!base_allowed(cfg->pay_api_base))
        return fail(err, "the API base URL must use https:// (http:// only for 127.0.0.1 or localhost)");
    if (!token_valid(cfg->pay_secret_key, 1024))
        return fail(err, "no usable secret key is configured");
    CURL *c = curl_easy_init();
    if (!c)
        return fail(err, "could not start a request");

    buf url = BUF_INIT, auth = BUF_INIT, key = BUF_INIT, body;
    buf_init(&body, MAX_ANSWER);
    size_t blen = strlen(cfg->pay_api_base);
    while (blen && cfg->pay_api_base[blen - 1] == '/')
        blen--;
    buf_append(&url, cfg->pay_api_base, blen);
    buf_puts(&url, path);
    buf_printf(&auth, "Authorization: Bearer %s", cfg->pay_secret_key);
    struct curl_slist *hl = NULL, *tmp;
    int ok = !buf_failed(&url) && !buf_failed(&auth);
    if (ok && (tmp = curl_slist_append(hl, buf_str(&auth))))
        hl = tmp;
    else
        ok = 0;
    if (ok && idem) {
        buf_printf(&key, "Idempotency-Key: %s", idem);
        if (!buf_failed(&key) && (tmp = curl_slist_append(hl, buf_str(&key))))
            hl = tmp;
        else
            ok = 0;
    }
    if (ok && (tmp = curl_slist_append(hl, "Accept: application/json")))
        hl = tmp;
    else
        ok = 0;
    long timeout = cfg->pay_timeout > 0 ? cfg->pay_timeout : 20;
    CURLcode rc = CURLE_OUT_OF_MEMORY;
    if (ok) {
        curl_easy_setopt(c, CURLOPT_URL, buf_str(&url));
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MAX_ANSWER);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "journeys");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
        if (!strcmp(method, "POST")) {
            curl_easy_setopt(c, CURLOPT_POST, 1L);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, form && form->data ? form->data : "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, form ? (long)form->len : 0L);
        }
        rc = curl_easy_perform(c);
    }
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    buf_free(&url);
    buf_free(&auth);
    buf_free(&key);

    int result = -1;
    if (rc != CURLE_OK) {
        if ((rc == CURLE_WRITE_ERROR && buf_failed(&body)) || rc == CURLE_FILESIZE_EXCEEDED)
            fail(err, "the answer is larger than 1 MiB");
        else if (err)
            buf_printf(err, "payment provider: %s", curl_easy_strerror(rc));
    } else if (status < 200 || status > 299) {
        describe_error(err, status, &body);
    } else {
        json_t *root = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
        if (json_is_object(root)) {
            *out = root;
            result = 0;
        } else {
            json_decref(root);
            if (err)
                buf_printf(err, "payment provider: HTTP %ld with an answer that is not a JSON object", status);
        }
    }
    buf_free(&body);
    return result;
}

/* Copy JSON string v into dst (size bytes). NULL or JSON null gives "".
** Returns 0, or -1 when v is another type or does not fit. */
static int copy_str(char *dst, size_t size, const json_t *v)
{
    dst[0] = '\0';
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    size_t n = json_string_length(v);
    if (n >= size || memchr(json_string_value(v), '\0', n))
        return -1;
    memcpy(dst, json_string_value(v), n + 1);
    return 0;
}

/* Fill s from a checkout.session JSON object o (see pay_session). id must
** be a non-empty string; payment_intent may be a string, null or an
** expanded object with an id; amount_total an integer or null. Returns 0, or
** -1 (s zeroed) on a wrong type or a value too long for its buffer. */
static int session_from_json(const json_t *o, pay_session *s)
{
    memset(s, 0, sizeof *s);
    if (!json_is_object(o))
        return -1;
    const json_t *pi = json_object_get(o, "payment_intent");
    if (json_is_object(pi))
        pi = json_object_get(pi, "id");
    const json_t *meta = json_object_get(o, "metadata");
    if (meta && !json_is_null(meta) && !json_is_object(meta))
        goto bad;
    const json_t *amount = json_object_get(o, "amount_total");
    if (amount && !json_is_null(amount) && !json_is_integer(amount))
        goto bad;
    if (copy_str(s->id, sizeof s->id, json_object_get(o, "id")) || !s->id[0] ||
        copy_str(s->url, sizeof s->url, json_object_get(o, "url")) ||
        copy_str(s->status, sizeof s->status, json_object_get(o, "status")) ||
        copy_str(s->payment_status, sizeof s->payment_status, json_object_get(o, "payment_status")) ||
        copy_str(s->payment_intent, sizeof s->payment_intent, pi) ||
        copy_str(s->client_reference_id, sizeof s->client_reference_id,
                 json_object_get(o, "client_reference_id")) ||
        copy_str(s->currency, sizeof s->currency, json_object_get(o, "currency")) ||
        copy_str(s->metadata_enrolment, sizeof s->metadata_enrolment,
                 json_object_get(meta, "enrolment_id")))
        goto bad;
    s->amount_total = json_is_integer(amount) ? (int64_t)json_integer_value(amount) : 0;
    return 0;
bad:
    memset(s, 0, sizeof *s);
    return -1;
}

/* Read a session answer into out and check its id is usable for later
** calls. Takes ownership of root (decref'd here). Returns 0 or -1 with err. */
static int session_answer(json_t *root, pay_session *out, buf *err)
{
    int rc = session_from_json(root, out);
    json_decref(root);
    if (rc != 0 || !id_valid(out->id)) {
        memset(out, 0, sizeof *out);
        return fail(err, "the session in the answer is malformed");
    }
    return 0;
}

/* Check the fields of a checkout request. Returns NULL, or a static
** message naming the first problem. */
static const char *checkout_problem(const pay_checkout *r)
{
    if (r->amount_cents <= 0)
        return "the amount must be positive";
    const char *c = r->currency;
    if (!c || strlen(c) != 3)
        return "the currency must be three letters";
    for (int i = 0; i < 3; i++)
        if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= 'A' && c[i] <= 'Z')))
            return "the currency must be three letters";
    if (!r->product_name || !*r->product_name)
        return "a product name is required";
    if (!r->success_url || !*r->success_url)
        return "a success URL is required";
    if (!token_valid(r->idempotency_key, MAX_KEY))
        return "an idempotency key of 1..255 printable characters is required";
    if (r->expires_at < 0)
        return "expires_at must be 0 or a time";
    /* What comes back must fit pay_session, or the answer would be refused
    ** after the session was made. */
    const pay_session *fits = NULL;
    if (r->client_reference_id &&
        strlen(r->client_reference_id) >= sizeof fits->client_reference_id)
        return "client_reference_id is too long";
    if (r->metadata_enrolment && strlen(r->metadata_enrolment) >= sizeof fits->metadata_enrolment)
        return "metadata_enrolment is too long";
    return NULL;
}

/* Build the form for a checkout request into f. Returns 0, or -1 when
** memory ran out. */
static int checkout_form(const pay_checkout *r, buf *f)
{
    char cur[4];
    for (int i = 0; i < 3; i++)
        cur[i] = (char)(r->currency[i] | 0x20); /* letters only: this lower-cases */
    cur[3] = '\0';
    int rc = 0;
    rc |= form_add(f, "mode", "payment");
    rc |= form_add(f, "line_items[0][price_data][currency]", cur);
    rc |= form_add_int(f, "line_items[0][price_data][unit_amount]", r->amount_cents);
    rc |= form_add(f, "line_items[0][price_data][product_data][name]", r->product_name);
    rc |= form_add(f, "line_items[0][price_data][product_data][description]",
                   r->product_description);
    rc |= form_add(f, "line_items[0][quantity]", "1");
    rc |= form_add(f, "success_url", r->success_url);
    rc |= form_add(f, "cancel_url", r->cancel_url);
    rc |= form_add(f, "client_reference_id", r->client_reference_id);
    rc |= form_add(f, "customer_email", r->customer_email);
    rc |= form_add(f, "metadata[enrolment_id]", r->metadata_enrolment);
    rc |= form_add(f, "metadata[offering]", r->metadata_offering);
    if (r->expires_at > 0)
        rc |= form_add_int(f, "expires_at", (int64_t)r->expires_at);
    return rc || buf_failed(f) ? -1 : 0;
}

int pay_create_checkout(const config *cfg, const pay_checkout *req, pay_session *out, buf *err)
{
    memset(out, 0, sizeof *out);
    const char *problem = checkout_problem(req);
    if (problem)
        return fail(err, problem);
    buf form = BUF_INIT;
    json_t *root;
    int rc = checkout_form(req, &form) == 0
                 ? api_request(cfg, "POST", "/v1/checkout/sessions", &form, req->idempotency_key,
                               &root, err)
                 : fail(err, "out of memory");
    buf_free(&form);
    return rc == 0 ? session_answer(root, out, err) : -1;
}

int pay_retrieve_session(const config *cfg, const char *id, pay_session *out, buf *err)
{
    /* The path is built before out is cleared: id may be out->id. */
    char path[160];
    int valid = id_valid(id);
    if (valid)
        snprintf(path, sizeof path, "/v1/checkout/sessions/%s", id);
    memset(out, 0, sizeof *out);
    if (!valid)
        return fail(err, "invalid session id");
    json_t *root;
    if (api_request(cfg, "GET", path, NULL, NULL, &root, err) != 0)
        return -1;
    return session_answer(root, out, err);
}

int pay_expire_session(const config *cfg, const char *id, buf *err)
{
    if (!id_valid(id))
        return fail(err, "invalid session id");
    char path[168];
    snprintf(path, sizeof path, "/v1/checkout/sessions/%s/expire", id);
    json_t *root;
    if (api_request(cfg, "POST", path, NULL, NULL, &root, err) != 0)
        return -1;
    json_decref(root);
    return 0;
}

int pay_refund(const config *cfg, const char *payment_intent, int64_t amount_cents,
               const char *idempotency_key, char *refund_id, size_t refund_id_len, buf *err)
{
    if (refund_id && refund_id_len)
        refund_id[0] = '\0';
    if (!refund_id || !refund_id_len)
        return fail(err, "no room for the refund id");
    if (!id_valid(payment_intent))
        return fail(err, "invalid payment intent id");
    if (amount_cents < 0)
        return fail(err, "the refund amount must not be negative");
    if (!token_valid(idempotency_key, MAX_KEY))
        return fail(err, "an idempotency key of 1..255 printable characters is required");
    buf form = BUF_INIT;
    int frc = form_add(&form, "payment_intent", payment_intent);
    if (amount_cents > 0)
        frc |= form_add_int(&form, "amount", amount_cents);
    json_t *root;
    int rc = frc == 0 && !buf_failed(&form)
                 ? api_request(cfg, "POST", "/v1/refunds", &form, idempotency_key, &root, err)
                 : fail(err, "out of memory");
    buf_free(&form);
    if (rc != 0)
        return -1;
    const json_t *id = json_object_get(root, "id");
    if (!json_is_string(id) || !id_valid(json_string_value(id)) ||
        json_string_length(id) >= refund_id_len) {
        json_decref(root);
        return fail(err, "the refund in the answer is malformed");
    }
    memcpy(refund_id, json_string_value(id), json_string_length(id) + 1);
    json_decref(root);
    return 0;
}

/* ---- webhook signatures ---- */

/* Non-zero for the blanks tolerated around header items. */
static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* One "key=value" item of a signature header, as pointers into it. */
typedef struct sig_item {
    const char *key, *val;
    size_t klen, vlen;
} sig_item;

/* Split the item s[0..n) at its first '=' and trim blanks from both parts.
** Returns 1 with it filled, 0 for an empty (blank) item, -1 for a non-empty
** item without '='. */
static int split_item(const char *s, size_t n, sig_item *it)
{
    while (n && is_blank(*s))
        s++, n--;
    while (n && is_blank(s[n - 1]))
        n--;
    if (!n)
        return 0;
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return -1;
    it->key = s;
    it->klen = (size_t)(eq - s);
    while (it->klen && is_blank(s[it->klen - 1]))
        it->klen--;
    it->val = eq + 1;
    it->vlen = n - (size_t)(eq + 1 - s);
    while (it->vlen && is_blank(*it->val))
        it->val++, it->vlen--;
    return 1;
}

/* Non-zero when the item's key is exactly word. */
static int key_is(const sig_item *it, const char *word)
{
    return it->klen == strlen(word) && !memcmp(it->key, word, it->klen);
}

/* Non-zero when v[0..n) is exactly HEX_LEN lower-case hex digits. */
static int v1_valid(const char *v, size_t n)
{
    if (n != HEX_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
            return 0;
    return 1;
}

/* Value of one lower-case hex digit (already validated). */
static unsigned hexval(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* Calls fn(item, ctx) for each non-empty item of header[0..n), stopping at
** the first non-zero return, which is passed back; -1 for an item without
** '='. Returns 0 when every item was visited. */
static int each_item(const char *header, size_t n, int (*fn)(const sig_item *, void *), void *ctx)
{
    size_t start = 0;
    while (start <= n) {
        const char *comma = memchr(header + start, ',', n - start);
        size_t end = comma ? (size_t)(comma - header) : n;
        sig_item it;
        int r = split_item(header + start, end - start, &it);
        if (r < 0)
            return -1;
        if (r > 0 && (r = fn(&it, ctx)) != 0)
            return r;
        start = end + 1;
    }
    return 0;
}

/* What the first pass over a header learns. */
typedef struct sig_scan {
    const char *t;   /* the timestamp's text */
    size_t tlen;
    int64_t tval;
    int v1s;         /* how many v1 values */
} sig_scan;

/* First-pass visitor: record t (once, 1..18 digits) and check every v1.
** Returns 0 to go on or -1 for a malformed item. */
static int scan_item(const sig_item *it, void *ctx)
{
    sig_scan *sc = ctx;
    if (key_is(it, "t")) {
        if (sc->t || it->vlen == 0 || it->vlen > 18)
            return -1;
        int64_t v = 0;
        for (size_t i = 0; i < it->vlen; i++) {
            if (it->val[i] < '0' || it->val[i] > '9')
                return -1;
            v = v * 10 + (it->val[i] - '0');
        }
        sc->t = it->val;
        sc->tlen = it->vlen;
        sc->tval = v;
    } else if (key_is(it, "v1")) {
        if (!v1_valid(it->val, it->vlen))
            return -1;
        sc->v1s++;
    }
    return 0;
}

/* What the second pass compares against. */
typedef struct sig_match {
    unsigned char expected[MAC_LEN];
    int matched;
} sig_match;

/* Second-pass visitor: compare a v1 value with the expected MAC in constant
** time. Every v1 is compared, so it always returns 0. */
static int match_item(const sig_item *it, void *ctx)
{
    sig_match *m = ctx;
    if (!key_is(it, "v1"))
        return 0;
    unsigned char got[MAC_LEN];
    for (size_t i = 0; i < MAC_LEN; i++)
        got[i] = (unsigned char)(hexval(it->val[2 * i]) << 4 | hexval(it->val[2 * i + 1]));
    if (sodium_memcmp(got, m->expected, MAC_LEN) == 0)
        m->matched = 1;
    return 0;
}

/* HMAC-SHA256(secret, t[0..tlen) + "." + payload[0..len)) into mac. */
static void compute_mac(unsigned char mac[MAC_LEN], const char *secret, const char *t,
                        size_t tlen, const char *payload, size_t len)
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)t, tlen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    if (len)
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)payload, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
}

int pay_verify_signature(const char *header, const char *payload, size_t len,
                         const char *secret, time_t now, int tolerance)
{
    if (!header || (!payload && len))
        return PAY_SIG_MALFORMED;
    size_t n = strnlen(header, PAY_SIG_MAX_HEADER + 1);
    if (n == 0 || n > PAY_SIG_MAX_HEADER)
        return PAY_SIG_MALFORMED;
    sig_scan sc = {0};
    if (each_item(header, n, scan_item, &sc) != 0 || !sc.t || sc.v1s == 0)
        return PAY_SIG_MALFORMED;
    if (!secret || !*secret || sodium_init() < 0)
        return PAY_SIG_MISMATCH;
    sig_match m = {{0}, 0};
    compute_mac(m.expected, secret, sc.t, sc.tlen, payload, len);
    each_item(header, n, match_item, &m);
    sodium_memzero(m.expected, sizeof m.expected);
    if (!m.matched)
        return PAY_SIG_MISMATCH;
    int64_t tol = tolerance > 0 ? tolerance : 0;
    int64_t at = (int64_t)now;
    if (at < sc.tval - tol || at > sc.tval + tol)
        return PAY_SIG_EXPIRED;
    return PAY_SIG_OK;
}

void pay_sign(buf *out, const char *payload, size_t len, const char *secret, time_t t)
{
    char ts[32];
    int tl = snprintf(ts, sizeof ts, "%lld", (long long)t);
    unsigned char mac[MAC_LEN];
    char hex[HEX_LEN + 1];
    if (sodium_init() < 0) {
        buf_printf(out, "t=%s,v1=", ts);
        return;
    }
    compute_mac(mac, secret ? secret : "", ts, (size_t)tl, payload, payload ? len : 0);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    buf_printf(out, "t=%s,v1=%s", ts, hex);
}

int pay_parse_event(const char *payload, size_t len, pay_event *ev)
{
    memset(ev, 0, sizeof *ev);
    if (!payload)
        return -1;
    json_t *root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, NULL);
    int rc = -1;
    if (json_is_object(root) &&
        copy_str(ev->id, sizeof ev->id, json_object_get(root, "id")) == 0 && ev->id[0] &&
        copy_str(ev->type, sizeof ev->type, json_object_get(root, "type")) == 0 && ev->type[0]) {
        const json_t *obj = json_object_get(json_object_get(root, "data"), "object");
        const json_t *kind = json_object_get(obj, "object");
        rc = 0;
        if (json_is_string(kind) && !strcmp(json_string_value(kind), "checkout.session")) {
            rc = session_from_json(obj, &ev->session);
            ev->is_session = rc == 0;
        }
    }
    json_decref(root);
    if (rc != 0)
        memset(ev, 0, sizeof *ev);
    return rc;
}
