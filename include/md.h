/*
** md.h: Markdown to HTML, for the course content and for what users write.
**
** Rendering is done by discount (libmarkdown) with raw HTML switched off,
** then every tag discount produced is re-checked against a short allowlist
** before it reaches the output: unknown tags are escaped, unknown attributes
** dropped, and every href/src is decoded and checked against the URL policy
** below. The second pass is what the security rests on; discount's own
** SAFELINK check is kept, but it lets images and a few odd URLs through.
**
** URL policy
**   links (<a href>)   http:, https:, mailto:, or no scheme at all (a
**                      relative path, query or fragment); anything else
**                      loses its href and becomes inert text in an <a>.
**   images, trusted    https: or a relative path (not "//host").
**   images, untrusted  https: only, and only when allow_images is non-zero.
**   A URL holding a control character, whitespace, or a named character
**   reference other than &amp; &lt; &gt; &quot; &apos; is refused.
**
** Code blocks are written by md.c itself: the text is escaped and the fence's
** info string becomes class="language-NAME" only when NAME is 1 to 32 of
** [A-Za-z0-9_+-]; anything else is dropped. Links written [t](mailto:...)
** are not linked (discount's SAFELINK refuses them); <name@example.org>
** autolinks are.
**
** Both functions append to out and return 0, or -1 when the input is larger
** than discount can take (INT_MAX bytes), discount fails, or out runs out of
** room (out's sticky error is then set or the output is incomplete).
**
** Threads: discount keeps a little process-wide state (its tag table, set up
** once, and the C library random() used to obfuscate mailto addresses);
** render from one thread at a time.
*/
#ifndef JOURNEYS_MD_H
#define JOURNEYS_MD_H

#include <stddef.h>

#include "buf.h"

/* Render Markdown written by staff (courses/): fenced code, tables,
** autolinks and smart punctuation on; footnotes, pandoc header blocks,
** tables of contents, <style> extraction, div quotes, =term= definition
** lists and pseudo-protocol links off; raw HTML shown as text; images only from https or a relative
** path. */
int md_render_trusted(buf *out, const char *src, size_t len);

/* Render Markdown written by users (posts, submissions, feedback): as
** md_render_trusted, but no images at all unless allow_images is non-zero
** (then https images only), every link carries
** rel="nofollow ugc noopener", and headings become
** <p class="md-heading"> so they stay out of the page's outline. */
int md_render_untrusted(buf *out, const char *src, size_t len, int allow_images);

#endif
