/*
** escape.h: output escaping for the three places a value can land in a page:
** HTML text or a quoted attribute, a URL component, and an href/src URL.
**
** Every escaper appends to a buf and never fails on its own; an out-of-memory
** or over-limit append sets the buf's sticky error like any other append.
*/
#ifndef JOURNEYS_ESCAPE_H
#define JOURNEYS_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* HTML text and quoted-attribute escaping: & < > " ' become entities
** (&amp; &lt; &gt; &quot; &#39;). NUL bytes dropped. */
void esc_html(buf *out, const char *s, size_t n);

/* Percent-encode s as a URL component (everything but A-Z a-z 0-9 - . _ ~),
** using libcurl's curl_easy_escape. */
void esc_url(buf *out, const char *s, size_t n);

/* 1 if s is safe as an href/src, else 0. Safe: "/path" (but not "//" or
** "/\"), "#frag", "?query", a relative path with no colon before its first
** / ? or #, or an absolute URL whose scheme is http, https or mailto
** (case-insensitive). Any whitespace, control character or backslash
** anywhere makes s unsafe, as does NULL or "". */
int url_is_safe(const char *s);

#endif
