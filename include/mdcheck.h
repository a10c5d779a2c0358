/*
** mdcheck.h: accessibility checks on the course Markdown before it is
** published: every image has alt text and headings go down one level at a
** time (a level may be skipped going up, never going down).
**
** The checks read the file as written, so each problem is reported with
** its line: "courses/01-x/panel.md:12: ...". Fenced code blocks, inline
** code spans and a front-matter block are skipped. A page's title is its
** level-one heading, so a file's first heading may be level 1 or 2.
*/
#ifndef JOURNEYS_MDCHECK_H
#define JOURNEYS_MDCHECK_H

#include <stddef.h>

#include "buf.h"

/* Check text[0..len) (a Markdown file, shown as name in messages). Each
** problem is appended to err as "name:LINE: what is wrong\n". Returns the
** number of problems (0 when there are none). */
int mdcheck_text(const char *name, const char *text, size_t len, buf *err);

/* Read the file at path and check it as mdcheck_text does; a file that
** does not exist is not a problem (the loader reports missing files).
** Returns the number of problems, counting an unreadable file as one. */
int mdcheck_file(const char *name, const char *path, buf *err);

#endif
