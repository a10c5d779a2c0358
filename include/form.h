/*
** form.h: request input parsing — application/x-www-form-urlencoded query
** strings and bodies, and Cookie headers — into key/value lists whose memory
** all comes from the request's arena.
**
** form_parse() is strict (a malformed request is refused with a message the
** visitor can act on); cookie_parse() is lenient (browsers send whatever they
** were given, so bad parts are skipped, never fatal).
*/
#ifndef JOURNEYS_FORM_H
#define JOURNEYS_FORM_H

#include <stddef.h>

#include "arena.h"

/* One pair. key and val are NUL-terminated; len = strlen(val). */
typedef struct kv {
    const char *key;
    const char *val;
    size_t len;
} kv;

/* Pairs in the order they appeared; items is NULL when n is 0. */
typedef struct kvlist {
    kv *items;
    size_t n;
} kvlist;

enum { FORM_MAX_PAIRS = 256, FORM_MAX_KEY = 128 };

/* Parse application/x-www-form-urlencoded bytes s[0..n) (a query string or
** a body) into out; every string lives in a. s may be NULL when n is 0.
** '+' means space; percent-escapes are validated here and decoded by
** libcurl. A pair without '=' has value ""; empty pairs ("a=1&&b=2") are
** skipped; repeated keys are all kept, in order.
** Returns 0, or -1 with out left empty and *err (when err is not NULL) set to
** a static English message for: a bad percent-escape (%, %4, %zz), a NUL
** byte (raw or %00), invalid UTF-8 after decoding (overlong forms,
** surrogates, truncated sequences...), a key longer than FORM_MAX_KEY bytes
** after decoding, more than FORM_MAX_PAIRS pairs, an empty key ("=x"), or an
** input too large to decode. */
int form_parse(arena *a, const char *s, size_t n, kvlist *out, const char **err);

/* Parse a Cookie header ("a=1; b=2") into out; every string lives in a.
** Never fails: parts without '=', with an empty name, or with a name that is
** not an RFC 6265 token are skipped. Values are kept verbatim (not
** percent-decoded), minus one pair of surrounding double quotes and the
** whitespace around them. At most FORM_MAX_PAIRS pairs are kept, the first
** ones. A NULL header gives an empty list. */
void cookie_parse(arena *a, const char *header, kvlist *out);

/* The first value for key, or NULL when absent (or l or key is NULL). */
const char *kv_get(const kvlist *l, const char *key);

/* How many times key occurs in l (0 when l or key is NULL). */
size_t kv_count(const kvlist *l, const char *key);

#endif
