/*
** http.c: request from CGI parameters, response serialization (see http.h).
*/
#include "http.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "text.h"

const char *const http_csp =
    "default-src 'self'; img-src 'self' https:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

char *http_csp_with_forms(const char *origins)
{
    buf b = BUF_INIT;
    const char *fa = strstr(http_csp, "form-action 'self'");
    size_t upto = (size_t)(fa - http_csp) + strlen("form-action 'self'");
    buf_append(&b, http_csp, upto);
    if (origins && *origins && !strpbrk(origins, ";\r\n'"))
        buf_printf(&b, " %s", origins);
    buf_puts(&b, http_csp + upto);
    return buf_detach(&b);
}

/* A CGI parameter copied into the arena, or fallback when absent. */
static const char *param(arena *a, http_getparam get, void *ctx, const char *name, const char *fallback)
{
    const char *v = get(ctx, name);
    return v ? arena_strdup(a, v) : fallback;
}

/* Decode the path part of a request URI into the arena. Returns NULL with
** *msg set when an escape is malformed or the result holds NUL or bad UTF-8. */
static const char *decode_path(arena *a, const char *raw, size_t n, const char **msg)
{
    for (size_t i = 0; i < n; i++) {
        if (raw[i] == '%' && !(i + 2 < n && text_is_hex(raw[i + 1]) && text_is_hex(raw[i + 2]))) {
            *msg = "The address has a '%' that is not followed by two hexadecimal digits.";
            return NULL;
        }
    }
    int len = 0;
    char *dec = curl_easy_unescape(NULL, raw, (int)n, &len);
    if (!dec) {
        *msg = "The address could not be decoded.";
        return NULL;
    }
    const char *out = NULL;
    if (memchr(dec, '\0', (size_t)len))
        *msg = "The address contains a NUL byte.";
    else if (!text_utf8_valid(dec, (size_t)len))
        *msg = "The address is not valid UTF-8.";
    else
        out = arena_strndup(a, dec, (size_t)len);
    curl_free(dec);
    return out;
}

int http_request_init(request *rq, arena *a, http_getparam get, void *ctx, const char **msg)
{
    memset(rq, 0, sizeof *rq);
    rq->a = a;
    rq->get = get;
    rq->get_ctx = ctx;
    rq->method = param(a, get, ctx, "REQUEST_METHOD", "GET");
    rq->head = strcmp(rq->method, "HEAD") == 0;
    rq->uri = param(a, get, ctx, "REQUEST_URI", "/");
    rq->content_type = param(a, get, ctx, "CONTENT_TYPE", "");
    rq->remote_addr = param(a, get, ctx, "REMOTE_ADDR", "");
    rq->user_agent = param(a, get, ctx, "HTTP_USER_AGENT", "");
    rq->if_none_match = param(a, get, ctx, "HTTP_IF_NONE_MATCH", NULL);
    rq->origin = param(a, get, ctx, "HTTP_ORIGIN", NULL);
    rq->host = param(a, get, ctx, "HTTP_HOST", NULL);
    const char *https = get(ctx, "HTTPS");
    rq->https = https && *https && strcmp(https, "off") != 0;
    const char *cl = get(ctx, "CONTENT_LENGTH");
    if (cl && *cl) {
        char *end;
        long long n = strtoll(cl, &end, 10);
        if (*end || n < 0) {
            *msg = "The Content-Length header is not a number.";
            rq->path = "/";
            return 400;
        }
        rq->content_length = n;
    }
    cookie_parse(a, get(ctx, "HTTP_COOKIE"), &rq->cookies);

    const char *q = strchr(rq->uri, '?');
    size_t plen = q ? (size_t)(q - rq->uri) : strlen(rq->uri);
    rq->query_string = q ? q + 1 : "";
    rq->path = decode_path(a, rq->uri, plen, msg);
    if (!rq->path) {
        rq->path = "/";
        return 400;
    }
    if (rq->path[0] != '/') {
        *msg = "The address must begin with a slash.";
        return 400;
    }
    if (form_parse(a, rq->query_string, strlen(rq->query_string), &rq->query, msg) != 0)
        return 400;
    return 0;
}

const char *http_param(const request *rq, const char *cgi_name)
{
    if (!rq->get)
        return NULL;
    return param(rq->a, rq->get, rq->get_ctx, cgi_name, NULL);
}

void http_response_init(response *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->status = 200;
    buf_init(&rs->head, 0);
    buf_init(&rs->body, 0);
}

void http_response_free(response *rs)
{
    buf_free(&rs->head);
    buf_free(&rs->body);
}

void http_header(response *rs, const char *name, const char *value)
{
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
        log_error("refusing a header with a line break: %s", name);
        return;
    }
    buf_printf(&rs->head, "%s: %s\r\n", name, value);
}

/* Value of a hexadecimal digit (the caller checked text_is_hex). */
static int hex_value(int c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Percent-decode s[0..n) once into out (a '%' without two hex digits stays
** as it is). */
static void percent_decode(buf *out, const char *s, size_t n)
{
    buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && text_is_hex(s[i + 1]) && text_is_hex(s[i + 2])) {
            buf_putc(out, hex_value((unsigned char)s[i + 1]) * 16 + hex_value((unsigned char)s[i + 2]));
            i += 2;
        } else {
            buf_putc(out, s[i]);
        }
    }
}

/* The code point of the well-formed UTF-8 sequence of len bytes at p. */
static uint32_t utf8_cp(const unsigned char *p, size_t len)
{
    if (len == 1)
        return p[0];
    uint32_t cp = p[0] & (0xff >> (len + 1));
    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (p[i] & 0x3f);
    return cp;
}

/* Whether code point cp must never appear in a redirect target: controls
** (C0, DEL, C1), characters that some software folds into '/', '\\' or '.',
** and invisible formatting and direction marks that hide what a link says. */
static int cp_refused(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == '\\' || cp == 0xa0 || cp == 0xad ||
           cp == 0x2024 || cp == 0x2044 || cp == 0x2215 || cp == 0x2216 || cp == 0x29f5 || cp == 0x29f8 ||
           cp == 0x29f9 || cp == 0x3002 || cp == 0xfe68 || cp == 0xff0e || cp == 0xff0f || cp == 0xff3c ||
           cp == 0xff61 || (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
           (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff0 && cp <= 0xffff) ||
           (cp >= 0xe0000 && cp <= 0xe007f);
}

/* Check one decoding of a target: s[0..n) must begin with one '/', hold
** valid UTF-8 without refused characters, and its path part (before '?';
** a '#' is no fragment here, since the output encodes it) must have no
** empty segment ("//") and no "." or ".." segment. */
static int target_ok(const char *s, size_t n)
{
    if (n == 0 || s[0] != '/')
        return 0;
    for (size_t i = 0; i < n;) {
        size_t len = text_utf8_seq(s + i, n - i);
        if (len == 0 || cp_refused(utf8_cp((const unsigned char *)s + i, len)))
            return 0;
        i += len;
    }
    size_t path = strcspn(s, "?");
    if (path > n)
        path = n;
    for (size_t i = 0; i < path; i++) {
        if (s[i] != '/')
            continue;
        size_t seg = i + 1;
        size_t end = seg;
        while (end < path && s[end] != '/')
            end++;
        size_t len = end - seg;
        if (len == 0 && end < path)
            return 0; /* "//" */
        if ((len == 1 && s[seg] == '.') || (len == 2 && s[seg] == '.' && s[seg + 1] == '.'))
            return 0;
    }
    return 1;
}

enum { TARGET_MAX = 2048, TARGET_DECODINGS = 4 };

/* Append the safe form of target to out and return 0, or return -1 and
** leave out as it was (see http_local_path). */
static int local_path(buf *out, const char *target)
{
    size_t n = target ? strlen(target) : 0;
    if (n == 0 || n > TARGET_MAX || memchr(target, '\0', n))
        return -1;
    /* Every decoding a browser, a proxy or a later hop might make must
    ** pass, until decoding changes nothing more. */
    buf cur = BUF_INIT, next = BUF_INIT;
    buf_append(&cur, target, n);
    int ok = 0;
    for (int round = 0; round <= TARGET_DECODINGS; round++) {
        if (cur.len == 0 || memchr(buf_str(&cur), '\0', cur.len) || !target_ok(buf_str(&cur), cur.len))
            break;
        percent_decode(&next, buf_str(&cur), cur.len);
        if (next.len == cur.len && !memcmp(buf_str(&next), buf_str(&cur), cur.len)) {
            ok = 1;
            break;
        }
        buf tmp = cur;
        cur = next;
        next = tmp;
    }
    buf_free(&cur);
    buf_free(&next);
    if (!ok)
        return -1;
    /* Keep escapes that are there and the characters a URL may carry as
    ** they are; percent-encode everything else (spaces, quotes, '#',
    ** non-ASCII bytes, a '%' that starts no escape). */
    static const char keep[] = "-._~!$&'()*+,;=:@/?";
    size_t start = out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c == '%' && i + 2 < n && text_is_hex(target[i + 1]) && text_is_hex(target[i + 2]))
            buf_putc(out, '%');
        else if ((c < 0x80 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) ||
                 (c && strchr(keep, c)))
            buf_putc(out, c);
        else
            buf_printf(out, "%%%02X", c);
    }
    if (out->len - start > TARGET_MAX) {
        buf_truncate(out, start); /* encoded, it is too long as well */
        return -1;
    }
    return 0;
}

const char *http_local_path(arena *a, const char *target, const char *fallback)
{
    buf out = BUF_INIT;
    const char *r = fallback;
    if (local_path(&out, target) == 0)
        r = arena_strndup(a, buf_str(&out), out.len);
    buf_free(&out);
    return r;
}

/* Whether location is an absolute http(s) URL the program made itself
** (the payment provider's checkout): no spaces, controls or backslashes. */
static int absolute_ok(const char *location)
{
    if (strncmp(location, "https://", 8) && strncmp(location, "http://", 7))
        return 0;
    for (const unsigned char *p = (const unsigned char *)location; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '\\')
            return 0;
    return 1;
}

/* The length of an anchor the program writes after a local path ("#post-42":
** 1 to 64 letters, digits, '-' and '_' after the '#', ending the string),
** or 0 when location ends in none. */
static size_t anchor_len(const char *location)
{
    const char *hash = strrchr(location, '#');
    size_t n = hash ? strlen(hash + 1) : 0;
    if (n == 0 || n > 64 || strspn(hash + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != n)
        return 0;
    return n + 1;
}

void http_redirect(response *rs, int status, const char *location)
{
    buf safe = BUF_INIT;
    size_t anchor = location && location[0] == '/' ? anchor_len(location) : 0;
    char *path = location ? strndup(location, strlen(location) - anchor) : NULL;
    if (!path || (path[0] == '/' ? local_path(&safe, path) != 0 : !absolute_ok(path)))
        buf_puts(&safe, "/");
    else if (path[0] != '/')
        buf_puts(&safe, path);
    else if (anchor)
        buf_puts(&safe, location + strlen(location) - anchor);
    free(path);
    rs->status = status;
    rs->cache_seconds = 0;
    http_header(rs, "Location", buf_str(&safe));
    buf_free(&safe);
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

/* Whether the If-None-Match list matches etag (weak comparison). */
static int etag_matches(const char *inm, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == elen && !memcmp(start, etag, elen))
            return 1;
    }
    return 0;
}

void http_serialize(const request *rq, const response *rs, buf *out)
{
    int status = rs->status;
    char etag[40] = "";
    if (rs->cache_seconds > 0 && status == 200 && !rs->stream) {
        unsigned char h[16];
        crypto_generichash(h, sizeof h, (const unsigned char *)buf_str(&rs->body), rs->body.len, NULL, 0);
        etag[0] = '"';
        sodium_bin2hex(etag + 1, sizeof etag - 2, h, sizeof h);
        strcat(etag, "\"");
        if (rq->if_none_match && etag_matches(rq->if_none_match, etag))
            status = 304;
    }
    buf_printf(out, "Status: %d %s\r\n", status, http_reason(status));
    buf_printf(out, "Content-Security-Policy: %s\r\n", rs->csp ? rs->csp : http_csp);
    buf_puts(out, "X-Content-Type-Options: nosniff\r\n"
                  "Referrer-Policy: strict-origin-when-cross-origin\r\n"
                  "X-Frame-Options: DENY\r\n"
                  "Cross-Origin-Opener-Policy: same-origin\r\n");
    if (rs->cache_seconds > 0 && !rs->stream && (status == 200 || status == 304)) {
        /* The browser must revalidate (a page it kept would not show a
           sign-in that happened since); only nginx's microcache may keep
           the page, for at most two seconds. X-Accel-Expires comes first:
           nginx before 1.23 lets an earlier Cache-Control: no-cache win.
           nginx never passes X-Accel-* on to the browser. */
        buf_printf(out, "X-Accel-Expires: %d\r\nCache-Control: no-cache\r\nETag: %s\r\n",
                   rs->cache_seconds < 2 ? rs->cache_seconds : 2, etag);
    } else {
        buf_puts(out, "Cache-Control: no-store\r\n");
    }
    buf_append(out, buf_str(&rs->head), rs->head.len);
    if (status == 304) {
        buf_puts(out, "\r\n");
        return;
    }
    if (rs->stream) {
        buf_printf(out, "Content-Type: %s\r\n\r\n", rs->content_type ? rs->content_type : "text/html; charset=utf-8");
        return;
    }
    buf_printf(out, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
               rs->content_type ? rs->content_type : "text/html; charset=utf-8", rs->body.len);
    if (!rq->head)
        buf_append(out, buf_str(&rs->body), rs->body.len);
}

/* See http.h: hand pending bytes to the writer a chunk at a time; a failed
** write sticks. Returns 0 or -1. */
int http_stream_flush(http_stream *out, int all)
{
    if (out->failed) {
        buf_reset(&out->pending);
        return -1;
    }
    if (out->pending.len == 0 || (!all && out->pending.len < HTTP_STREAM_CHUNK))
        return 0;
    if (out->write(out->ctx, buf_str(&out->pending), out->pending.len) != 0) {
        out->failed = 1;
        buf_reset(&out->pending);
        return -1;
    }
    out->sent += out->pending.len;
    buf_reset(&out->pending);
    return 0;
}
