/*
** form.c: urlencoded query/body parsing and Cookie header parsing into the
** request arena (see form.h).
**
** form_parse() works in two passes: the first counts the pairs so the item
** array can be sized (and an over-long request refused before any decoding),
** the second validates, decodes and checks each key and value. Decoding of
** percent-escapes is done by libcurl after this file has checked that every
** '%' starts a well-formed escape.
*/
#include "form.h"
#include "text.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <curl/curl.h>

/* Messages handed back through form_parse()'s err; all static. */
static const char ERR_ESCAPE[] =
    "The request has a '%' that is not followed by two hexadecimal digits; "
    "a literal percent sign must be written as %25.";
static const char ERR_NUL[] =
    "The request contains a NUL byte (raw or as %00), which is not allowed "
    "in form fields or addresses.";
static const char ERR_UTF8[] =
    "The request contains text that is not valid UTF-8; please send it "
    "again from a page that uses UTF-8.";
static const char ERR_KEY_LONG[] =
    "A field name in the request is longer than 128 bytes; field names "
    "must be shorter.";
static const char ERR_TOO_MANY[] =
    "The request has more than 256 fields; please send fewer fields at a "
    "time.";
static const char ERR_KEY_EMPTY[] =
    "The request has a value without a field name (such as \"=x\"); every "
    "value needs a name before its '='.";
static const char ERR_TOO_BIG[] =
    "The request is too large to be decoded; please send less data.";
static const char ERR_DECODE[] =
    "The server could not decode the request; please try again.";

/* Non-zero when c is an ASCII hexadecimal digit. */
static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* Non-zero when every '%' in p[0..n) is followed by two hex digits. */
static int escapes_valid(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '%')
            continue;
        if (n - i < 3 || !is_hex((unsigned char)p[i + 1]) ||
            !is_hex((unsigned char)p[i + 2]))
            return 0;
        i += 2;
    }
    return 1;
}

/* Non-zero when p[0..n) contains an escape that decodes to a NUL byte
** (%00). Assumes escapes_valid(p, n). */
static int escapes_nul(const char *p, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        if (p[i] == '%') {
            if (p[i + 1] == '0' && p[i + 2] == '0')
                return 1;
            i += 2;
        }
    }
    return 0;
}

/* Decode one urlencoded component p[0..n) into a NUL-terminated arena
** string, storing its length in *len. '+' becomes a space, then libcurl
** decodes the percent-escapes. Returns NULL with *err set on a bad escape,
** a NUL byte, invalid UTF-8 or a component too large for libcurl. */
static char *decode_component(arena *a, const char *p, size_t n, size_t *len,
                              const char **err)
{
    if (!escapes_valid(p, n)) {
        *err = ERR_ESCAPE;
        return NULL;
    }
    if (escapes_nul(p, n)) {
        *err = ERR_NUL;
        return NULL;
    }
    char *plus = arena_strndup(a, p, n);
    int has_escape = 0;
    for (size_t i = 0; i < n; i++) {
        if (plus[i] == '+')
            plus[i] = ' ';
        else if (plus[i] == '%')
            has_escape = 1;
    }
    char *out = plus;
    size_t outlen = n;
    if (has_escape) {
        /* n > 0 here, so libcurl never falls back to strlen(). */
        if (n > INT_MAX) {
            *err = ERR_TOO_BIG;
            return NULL;
        }
        int olen = 0;
        char *dec = curl_easy_unescape(NULL, plus, (int)n, &olen);
        if (!dec || olen < 0) {
            curl_free(dec);
            *err = ERR_DECODE;
            return NULL;
        }
        out = arena_strndup(a, dec, (size_t)olen);
        outlen = (size_t)olen;
        curl_free(dec);
    }
    if (memchr(out, '\0', outlen)) {
        *err = ERR_NUL;
        return NULL;
    }
    if (!text_utf8_valid(out, outlen)) {
        *err = ERR_UTF8;
        return NULL;
    }
    *len = outlen;
    return out;
}

/* Number of non-empty '&'-separated pairs in s[0..n). */
static size_t count_pairs(const char *s, size_t n)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '&') {
            if (i > start)
                count++;
            start = i + 1;
        }
    }
    return count;
}

/* Decode the pair p[0..n) (non-empty, no '&') into *item. Returns 0, or -1
** with *err set (see form_parse for the reasons). */
static int parse_pair(arena *a, const char *p, size_t n, kv *item,
                      const char **err)
{
    const char *eq = memchr(p, '=', n);
    size_t klen_raw = eq ? (size_t)(eq - p) : n;
    if (klen_raw == 0) {
        *err = ERR_KEY_EMPTY;
        return -1;
    }
    size_t klen = 0, vlen = 0;
    char *key = decode_component(a, p, klen_raw, &klen, err);
    if (!key)
        return -1;
    if (klen > FORM_MAX_KEY) {
        *err = ERR_KEY_LONG;
        return -1;
    }
    char *val;
    if (eq) {
        val = decode_component(a, eq + 1, n - klen_raw - 1, &vlen, err);
        if (!val)
            return -1;
    } else {
        val = arena_strdup(a, "");
    }
    item->key = key;
    item->val = val;
    item->len = vlen;
    return 0;
}

/* Parse urlencoded s[0..n) into out from a; 0, or -1 with *err set and out
** empty (see form.h). */
int form_parse(arena *a, const char *s, size_t n, kvlist *out, const char **err)
{
    const char *dummy;
    if (!err)
        err = &dummy;
    out->items = NULL;
    out->n = 0;
    if (n == 0 || !s)
        return 0;
    if (memchr(s, '\0', n)) {
        *err = ERR_NUL;
        return -1;
    }
    size_t total = count_pairs(s, n);
    if (total > FORM_MAX_PAIRS) {
        *err = ERR_TOO_MANY;
        return -1;
    }
    if (total == 0)
        return 0;
    kv *items = arena_alloc(a, total * sizeof *items);
    size_t got = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '&')
            continue;
        if (i > start && parse_pair(a, s + start, i - start, &items[got++], err))
            return -1;
        start = i + 1;
    }
    out->items = items;
    out->n = got;
    return 0;
}

/* Non-zero when c may appear in an RFC 6265 cookie name (an RFC 2616
** token character: visible ASCII except the separators). */
static int is_token_char(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7F)
        return 0;
    return strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

/* Non-zero when c is the optional whitespace of a Cookie header. */
static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Trim whitespace off both ends of p[0..*n), returning the new start and
** updating *n. */
static const char *trim(const char *p, size_t *n)
{
    size_t len = *n;
    while (len && is_ows(*p))
        p++, len--;
    while (len && is_ows(p[len - 1]))
        len--;
    *n = len;
    return p;
}

/* Parse one ';'-separated cookie part p[0..n) into *item. Returns 1 when the
** part is a usable pair, 0 when it must be skipped. */
static int cookie_pair(arena *a, const char *p, size_t n, kv *item)
{
    const char *eq = memchr(p, '=', n);
    if (!eq)
        return 0;
    size_t nlen = (size_t)(eq - p);
    const char *name = trim(p, &nlen);
    if (nlen == 0)
        return 0;
    for (size_t i = 0; i < nlen; i++)
        if (!is_token_char((unsigned char)name[i]))
            return 0;
    size_t vlen = n - (size_t)(eq - p) - 1;
    const char *val = trim(eq + 1, &vlen);
    if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"')
        val++, vlen -= 2;
    item->key = arena_strndup(a, name, nlen);
    item->val = arena_strndup(a, val, vlen);
    item->len = vlen;
    return 1;
}

/* Parse a Cookie header into out from a, skipping malformed parts; never
** fails (see form.h). */
void cookie_parse(arena *a, const char *header, kvlist *out)
{
    out->items = NULL;
    out->n = 0;
    if (!header || !*header)
        return;
    size_t parts = 1;
    for (const char *p = header; *p; p++)
        parts += *p == ';';
    if (parts > FORM_MAX_PAIRS)
        parts = FORM_MAX_PAIRS;
    kv *items = arena_alloc(a, parts * sizeof *items);
    size_t got = 0;
    const char *p = header;
    while (got < parts) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        got += (size_t)cookie_pair(a, p, len, &items[got]);
        if (!end)
            break;
        p = end + 1;
    }
    out->items = got ? items : NULL;
    out->n = got;
}

/* First value for key in l, or NULL; the value belongs to l's arena. */
const char *kv_get(const kvlist *l, const char *key)
{
    if (!l || !key)
        return NULL;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return l->items[i].val;
    return NULL;
}

/* Number of pairs in l whose key is key. */
size_t kv_count(const kvlist *l, const char *key)
{
    size_t count = 0;
    if (!l || !key)
        return 0;
    for (size_t i = 0; i < l->n; i++)
        count += strcmp(l->items[i].key, key) == 0;
    return count;
}
