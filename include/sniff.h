/*
** sniff.h: what a file is, decided from its bytes alone.
**
** Uploads are kept only when their content is one of a short list of
** document and image types: PDF, PNG, JPEG, GIF, WebP, plain UTF-8 text,
** Office Open XML (Word, Excel, PowerPoint) and OpenDocument (text,
** spreadsheet, presentation). The Content-Type a browser claimed and the
** file's name are never believed; the name's extension is only checked
** against what the content turned out to be, so a file that lies about
** its type is refused.
*/
#ifndef JOURNEYS_SNIFF_H
#define JOURNEYS_SNIFF_H

#include <stddef.h>

/* One allowed type. */
typedef struct sniff_type {
    const char *mime;      /* what downloads are served as */
    const char *label;     /* "PDF", "Word document" ... for people */
    const char *exts;      /* the extensions a name may carry, space-separated, lower case */
} sniff_type;

/* The allowed type of p[0..n), or NULL when it is none of them (an empty
** file, a program, an archive that is not an office document, HTML or
** other markup, text that is not valid UTF-8 or holds control
** characters). Reads at most the bytes given; never trusts a length inside
** the data without checking it against n. */
const sniff_type *sniff(const unsigned char *p, size_t n);

/* Whether file name name may carry type t: a name without an extension
** may; otherwise its extension (after the last '.', any letter case) must
** be one of t->exts. */
int sniff_name_fits(const sniff_type *t, const char *name);

/* The allowed types, for listing them to people ("PDF, PNG, ..."). */
const char *sniff_allowed_label(void);

#endif
