/*
** vtt.h: WebVTT caption files, checked before they are kept.
**
** Staff upload a panel recording's captions as a WebVTT file; the browser
** plays it as a <track>. The checker reads the file the way the WebVTT
** parsing rules do, but strictly: anything a player would silently skip is
** refused with the line it is on, so what staff uploaded is what people
** see. It allocates nothing and reads each byte once, so a hostile file
** costs one pass over at most VTT_MAX_BYTES.
**
** Accepted: an optional UTF-8 byte-order mark; the signature "WEBVTT" alone
** or followed by a space or tab and any text; header lines up to the first
** blank line; then blocks separated by blank lines: NOTE comments, STYLE
** and REGION blocks before the first cue, and cues (an optional identifier
** line, a timing line "[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]", then
** one or more lines of text). Lines end in LF, CRLF or CR.
**
** Refused: a file over VTT_MAX_BYTES, NUL or other control bytes (tab
** aside), invalid UTF-8, a missing signature, a malformed timestamp
** (minutes or seconds over 59, not three digits of milliseconds), a cue
** that ends before it starts or starts before the previous one, "-->"
** inside a cue's text or identifier, a cue without text, a line longer than
** VTT_MAX_LINE, more than VTT_MAX_CUES cues, and a file without any cue.
*/
#ifndef JOURNEYS_VTT_H
#define JOURNEYS_VTT_H

#include <stddef.h>
#include <stdint.h>

enum {
    VTT_MAX_BYTES = 2 * 1024 * 1024,
    VTT_MAX_LINE = 4096,
    VTT_MAX_CUES = 50000,
};

typedef struct vtt_info {
    int cues;               /* cues in the file */
    int64_t last_end_ms;    /* the latest end time of any cue */
    int line;               /* on failure: the line the problem is on (1-based; 0: the whole file) */
    char why[160];          /* on failure: what is wrong, a sentence a person can act on */
} vtt_info;

/* Check text[0..len) as a WebVTT file. Returns 0 with info's counts set, or
** -1 with info->line and info->why saying what is wrong. Never reads past
** len; text need not be NUL-terminated. */
int vtt_check(const char *text, size_t len, vtt_info *info);

/* Parse one WebVTT timestamp s[0..n) ("01:02.003" or "1:02:03.004") into
** *ms. Returns 0, or -1 when it is not one. */
int vtt_timestamp(const char *s, size_t n, int64_t *ms);

#endif
