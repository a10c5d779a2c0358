/*
** tmpl.h: the page template engine.
**
** Templates use a small Mustache/Handlebars-like syntax:
**   {{ path }}            value at a dotted path, HTML-escaped
**   {{ path | url }}      percent-encoded as a URL component
**   {{ path | href }}     HTML-escaped if url_is_safe(), else "#"
**   {{ x_html | raw }}    unescaped; only for paths ending in "_html"
**   {{#if p}}..{{else}}..{{/if}}, {{#unless p}}..{{/unless}},
**   {{#each p}}..{{else}}..{{/each}}  (@index @number @first @last, . / this)
**   {{> partials/name}}   another template, with the same scopes
**   {{! comment }}
** Paths resolve against the innermost each item first, then outer items,
** then the root context; a numeric segment indexes an array (items.0.title).
**
** A template whose name ends in ".txt" is plain text (an e-mail body):
** there {{ path }} and {{ path | raw }} (allowed for any path) write the
** value unescaped but for NUL bytes, which are dropped; | url still
** percent-encodes; | href writes the value unescaped if url_is_safe(),
** else "#". A plain-text template may only include plain-text partials
** and an HTML one only HTML partials.
**
** A set is parsed once at load and is read-only afterwards, so one set may
** be shared by any number of renders. Rendering does no parsing and
** allocates nothing beyond what the url filter's encoder needs.
*/
#ifndef JOURNEYS_TMPL_H
#define JOURNEYS_TMPL_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

typedef struct tmpl_set tmpl_set;

/* Load and parse every *.html and *.txt file under dir (recursively; names
** starting with "." are skipped). An HTML template's name is its path
** relative to dir without ".html" ("layout", "pages/home",
** "partials/offering"); a plain-text one keeps its ".txt"
** ("mail/verify.txt"). A file named *.txt.html is refused. On any error,
** append "path/file.html:LINE: message\n" to err for each problem found,
** free everything and return NULL. Partials named by {{> name}} must exist
** and be of the same kind: checked at load. Caller owns the set; release
** with tmpl_free(). */
tmpl_set *tmpl_load(const char *dir, buf *err);

/* An empty set to fill with tmpl_add() and finish with tmpl_check().
** Caller owns it. Aborts on out of memory. */
tmpl_set *tmpl_new(void);

/* Parse text[0..len) as template name (the text is copied); a name ending
** in ".txt" makes it a plain-text template. 0 on success;
** -1 with "name:LINE: message\n" lines appended to err on a parse error or
** a duplicate name, in which case the set is left without this template. */
int tmpl_add(tmpl_set *set, const char *name, const char *text, size_t len, buf *err);

/* Resolve every {{> partial}} in the set. 0 ok; -1 with one
** "name:LINE: partial \"x\" not found\n" line per missing partial and one
** "name:LINE: partial \"x\" is HTML: partials must be of the same kind\n"
** (or "is plain text") per partial of the other kind, which stays
** unresolved. */
int tmpl_check(tmpl_set *set, buf *err);

/* Release the set and all its templates. NULL is a no-op. */
void tmpl_free(tmpl_set *set);

/* 1 if the set holds a template of that name, else 0. */
int tmpl_has(const tmpl_set *set, const char *name);

/* Render template name with ctx (a JSON object; borrowed, not stolen)
** appended to out. Returns 0, or -1 if there is no such template, a partial
** is unresolved (tmpl_check not run), partials nest deeper than 16, the
** render exceeds its work budget (a runaway template), or out failed. On -1
** part of the output may remain in out; the caller discards it. */
int tmpl_render(const tmpl_set *set, const char *name, const json_t *ctx, buf *out);

#endif
