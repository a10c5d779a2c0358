/*
** escape.c: output escaping for HTML text/attributes, URL components and
** href/src values (see escape.h).
*/
#include "escape.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

/* Largest piece handed to curl_easy_escape at once: its length is an int
** and libcurl caps the size of the string it builds. */
#define URL_CHUNK (64 * 1024)

/* The entity for an HTML-special byte, or NULL when c needs no escaping.
** NUL maps to "" so that it is dropped. Returns a static string. */
static const char *html_entity(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    case '\0': return "";
    default: return NULL;
    }
}

/* Append s[0..n) with HTML specials replaced by entities and NULs dropped.
** Plain runs are copied in one append each. Cannot fail except through out. */
void esc_html(buf *out, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *ent = html_entity((unsigned char)s[i]);
        if (!ent)
            continue;
        if (i > run)
            buf_append(out, s + run, i - run);
        buf_puts(out, ent);
        run = i + 1;
    }
    if (n > run)
        buf_append(out, s + run, n - run);
}

/* Append s[0..n) percent-encoded through curl_easy_escape, in chunks so each
** call's int length cannot overflow. A NULL from libcurl (out of memory)
** marks out as failed. */
void esc_url(buf *out, const char *s, size_t n)
{
    while (n > 0) {
        size_t take = n < URL_CHUNK ? n : URL_CHUNK;
        char *enc = curl_easy_escape(NULL, s, (int)take);
        if (!enc) {
            out->failed = 1;
            return;
        }
        buf_puts(out, enc);
        curl_free(enc);
        s += take;
        n -= take;
    }
}

/* 1 if byte c may never appear in a safe URL: control characters, space,
** DEL and backslash (which browsers read as a slash). */
static int url_bad_byte(unsigned char c)
{
    return c <= 0x20 || c == 0x7f || c == '\\';
}

/* 1 if the scheme s[0..n) is one of the allowed ones, ignoring case. */
static int scheme_allowed(const char *s, size_t n)
{
    static const char *const ok[] = {"http", "https", "mailto"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strlen(ok[i]) == n && strncasecmp(s, ok[i], n) == 0)
            return 1;
    return 0;
}

/* See escape.h. Reads s only; no allocation. */
int url_is_safe(const char *s)
{
    if (!s || !*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (url_bad_byte((unsigned char)*p))
            return 0;
    if (s[0] == '/')
        return s[1] != '/';
    if (s[0] == '#' || s[0] == '?')
        return 1;
    size_t end = strcspn(s, ":/?#");
    if (s[end] != ':')
        return 1; /* relative path: no scheme */
    return scheme_allowed(s, end);
}
