/*
** multipart.h: multipart/form-data bodies (RFC 7578 over RFC 2046), parsed
** in place.
**
** nginx writes an upload's body to a file and hands the application its
** path; the caller maps or reads that file and gives the bytes here. The
** parser copies nothing of the content: each part comes back as an offset
** and a length into the caller's bytes, with its field name, its file name
** (for a file part) and the Content-Type it claimed, which is never trusted
** (the caller sniffs the content). Every limit is checked while parsing, so
** a hostile body costs at most one pass over its bytes and a bounded
** amount of memory.
*/
#ifndef JOURNEYS_MULTIPART_H
#define JOURNEYS_MULTIPART_H

#include <stddef.h>

#include "arena.h"
#include "form.h"

enum {
    MP_MAX_BOUNDARY = 70,   /* RFC 2046 */
    MP_MAX_FILENAME = 255,  /* bytes of a file name kept, after its folders are dropped */
};

/* What one body may hold. A zero field means "no limit" for that field
** only; multipart_limits_default gives sane values. */
typedef struct mp_limits {
    size_t max_parts;       /* parts in all (fields and files) */
    size_t max_header;      /* bytes of one part's header block */
    size_t max_field;       /* bytes of one text field's value */
    size_t max_files;       /* file parts with content */
    size_t max_file;        /* bytes of one file */
    size_t max_files_total; /* bytes of all files together */
} mp_limits;

/* One part. Strings live in the arena given to multipart_parse. */
typedef struct mp_part {
    const char *name;       /* the field's name: non-empty, valid UTF-8, no control characters */
    const char *filename;   /* NULL for a text field; for a file the last path segment of the name sent
                               (folders before '/' or '\\' dropped), valid UTF-8, no control
                               characters, not "." or "..", at most MP_MAX_FILENAME bytes */
    const char *type;       /* the Content-Type the part claimed, or NULL: never trusted */
    size_t off, len;        /* the content: bytes [off, off + len) of the body */
} mp_part;

/* The limits the application uses when the configuration says nothing
** else: 64 parts, 8 KiB of headers per part, 256 KiB per text field, 5
** files of 10 MiB each, 25 MiB of files in all. */
mp_limits multipart_limits_default(void);

/* The boundary of a Content-Type header value ("multipart/form-data;
** boundary=..." with the parameter plain or quoted, in any letter case, at
** any position). Returns the boundary in a, or NULL when the type is not
** multipart/form-data or the boundary is missing, empty, longer than 70
** characters, holds a character RFC 2046 does not allow, or ends in a
** space. */
const char *multipart_boundary(arena *a, const char *content_type);

/* Parse body[0..n) with boundary (from multipart_boundary). A preamble
** before the first boundary and an epilogue after the last are ignored. A
** file input left empty by the browser (filename "" and no content) is
** skipped. On success returns 0 with *parts (in a) and *n_parts set. On
** failure returns 400 (malformed: no first boundary, a part without a
** blank line after its headers or without Content-Disposition: form-data
** and a name, a NUL or control character in a header or file name, invalid
** UTF-8 in a name, a body that ends inside a part or without the closing
** boundary) or 413 (a limit of lim exceeded), with *err a sentence a
** person can act on. */
int multipart_parse(arena *a, const char *body, size_t n, const char *boundary, const mp_limits *lim,
                    mp_part **parts, size_t *n_parts, const char **err);

/* Add the text fields of parts (those without a filename) to form, in
** order, values copied into a and NUL-terminated. Returns 0, or 400 with
** *err set when a value holds a NUL byte or invalid UTF-8, or when there
** would be more than FORM_MAX_PAIRS pairs or a name longer than
** FORM_MAX_KEY. form keeps what it had on failure. */
int multipart_form(arena *a, const char *body, const mp_part *parts, size_t n_parts, kvlist *form, const char **err);

#endif
