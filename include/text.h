/*
** text.h: small checks and transforms on UTF-8 text shared by the parsers.
*/
#ifndef JOURNEYS_TEXT_H
#define JOURNEYS_TEXT_H

#include <stddef.h>

#include "arena.h"

/* 1 if s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates,
** nothing above U+10FFFF), else 0. NUL bytes are valid UTF-8 here. */
int text_utf8_valid(const char *s, size_t n);

/* Length (1-4) of the well-formed UTF-8 sequence at p, which has n bytes
** left, or 0 if there is none there (the same rules as text_utf8_valid). */
size_t text_utf8_seq(const void *p, size_t n);

/* 1 if c is an ASCII hexadecimal digit. */
int text_is_hex(int c);

/* A URL slug of s in the arena: lower-case ASCII letters and digits, other
** runs become one '-', no leading or trailing '-', at most max bytes
** (0: no limit). An empty result becomes "item". */
char *text_slug(arena *a, const char *s, size_t max);

/* 1 if s is a slug: non-empty, [a-z0-9-] only, not starting or ending in '-'. */
int text_is_slug(const char *s);

#endif
