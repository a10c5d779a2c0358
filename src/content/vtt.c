/*
** vtt.c: the strict WebVTT checker behind caption uploads (see vtt.h).
*/
#include "vtt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Set info's line and message; returns -1 for the caller to pass on. */
static int fail(vtt_info *info, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(info->why, sizeof info->why, fmt, ap);
    va_end(ap);
    info->line = line;
    return -1;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when the
** bytes there are not one (overlong forms, surrogates and values past
** U+10FFFF included). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80)
        return 1;
    size_t k;
    uint32_t c;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        k = 2;
        c = p[0] & 0x1F;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        k = 3;
        c = p[0] & 0x0F;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        k = 4;
        c = p[0] & 0x07;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3F);
    }
    if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return k;
}

/* Whether s[0..n) is a run of ASCII digits of length min..max. */
static int digits(const char *s, size_t n, size_t min, size_t max)
{
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* The number written by the digits s[0..n). */
static int64_t number(const char *s, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

int vtt_timestamp(const char *s, size_t n, int64_t *ms)
{
    const char *dot = memchr(s, '.', n);
    if (!dot)
        return -1;
    size_t head = (size_t)(dot - s), frac = n - head - 1;
    if (!digits(dot + 1, frac, 3, 3))
        return -1;
    /* the part before the dot: mm:ss or h...h:mm:ss */
    const char *c2 = NULL, *c1 = NULL;
    for (size_t i = 0; i < head; i++)
        if (s[i] == ':') {
            c1 = c2;
            c2 = s + i;
        }
    if (!c2)
        return -1;
    const char *sec = c2 + 1;
    size_t nsec = (size_t)(dot - sec);
    const char *min = c1 ? c1 + 1 : s;
    size_t nmin = (size_t)(c2 - min);
    if (!digits(sec, nsec, 2, 2) || !digits(min, nmin, 2, 2))
        return -1;
    int64_t hours = 0;
    if (c1) {
        size_t nh = (size_t)(c1 - s);
        if (!digits(s, nh, 2, 9))   /* the format asks for two or more digits of hours */
            return -1;
        hours = number(s, nh);
    }
    int64_t m = number(min, nmin), sc = number(sec, nsec);
    if (m > 59 || sc > 59)
        return -1;
    *ms = ((hours * 60 + m) * 60 + sc) * 1000 + number(dot + 1, 3);
    return 0;
}

/* Whether line s[0..n) holds "-->". */
static int has_arrow(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++)
        if (s[i] == '-' && s[i + 1] == '-' && s[i + 2] == '>')
            return 1;
    return 0;
}

/* Whether line s[0..n) starts with word followed by the line's end, a
** space or a tab. */
static int starts_word(const char *s, size_t n, const char *word)
{
    size_t k = strlen(word);
    return n >= k && !memcmp(s, word, k) && (n == k || s[k] == ' ' || s[k] == '\t');
}

/* Parse the timing line s[0..n): start, end and the settings after them.
** 0, or -1 with info set. */
static int timing(const char *s, size_t n, int line, int64_t *start, int64_t *end, vtt_info *info)
{
    size_t i = 0;
    while (i < n && s[i] != ' ' && s[i] != '\t')
        i++;
    if (vtt_timestamp(s, i, start) != 0)
        return fail(info, line, "the cue's start time must look like 00:01.000 or 01:02:03.000");
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (n - i < 3 || memcmp(s + i, "-->", 3))
        return fail(info, line, "a cue's timing line must read START --> END, like 00:01.000 --> 00:04.000");
    i += 3;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t e = i;
    while (e < n && s[e] != ' ' && s[e] != '\t')
        e++;
    if (vtt_timestamp(s + i, e - i, end) != 0)
        return fail(info, line, "the cue's end time must look like 00:04.000 or 01:02:03.000");
    if (has_arrow(s + e, n - e))
        return fail(info, line, "a cue's timing line may hold only one \"-->\"");
    if (*end <= *start)
        return fail(info, line, "the cue ends before or when it starts; its end time must come after its start");
    return 0;
}

int vtt_check(const char *text, size_t len, vtt_info *info)
{
    memset(info, 0, sizeof *info);
    if (len > VTT_MAX_BYTES)
        return fail(info, 0, "the file is larger than %d MiB; split the captions or shorten them",
                    VTT_MAX_BYTES / (1024 * 1024));
    const unsigned char *u = (const unsigned char *)text;
    size_t p = 0;
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
        p = 3;
    /* One pass over the bytes: encoding first, line by line. */
    enum { HEADER, BETWEEN, IDENT_OR_TIMING, TEXT, SKIP } state = HEADER;
    int line = 0, cue_lines = 0, seen_cue = 0;
    int64_t last_start = -1;
    while (p < len || line == 0) {
        line++;
        size_t b = p;
        while (p < len && u[p] != '\n' && u[p] != '\r') {
            if (u[p] == 0)
                return fail(info, line, "the file holds a NUL byte; it is not a text file");
            if (u[p] < 0x20 && u[p] != '\t')
                return fail(info, line, "the file holds a control character; save it as plain UTF-8 text");
            if (u[p] == 0x7F)
                return fail(info, line, "the file holds a control character; save it as plain UTF-8 text");
            size_t k = utf8_len(u + p, len - p);
            if (k == 0)
                return fail(info, line, "the file is not valid UTF-8; save it as UTF-8");
            p += k;
        }
        size_t n = p - b;
        const char *s = text + b;
        if (p < len && u[p] == '\r' && p + 1 < len && u[p + 1] == '\n')
            p += 2;
        else if (p < len)
            p++;
        if (n > VTT_MAX_LINE)
            return fail(info, line, "the line is longer than %d bytes", VTT_MAX_LINE);
        int blank = n == 0;
        switch (state) {
        case HEADER:
            if (line == 1) {
                if (!starts_word(s, n, "WEBVTT"))
                    return fail(info, 1, "a WebVTT file must begin with the line WEBVTT");
            } else if (blank) {
                state = BETWEEN;
            } else if (has_arrow(s, n)) {
                return fail(info, line, "leave a blank line after the WEBVTT header before the first cue");
            }
            break;
        case BETWEEN:
            if (blank)
                break;
            if (starts_word(s, n, "NOTE")) {
                if (has_arrow(s, n))
                    return fail(info, line, "\"-->\" may not appear inside a NOTE, STYLE or REGION block");
                state = SKIP;
            } else if (starts_word(s, n, "STYLE") || starts_word(s, n, "REGION")) {
                if (seen_cue)
                    return fail(info, line, "STYLE and REGION blocks must come before the first cue");
                state = SKIP;
            } else if (has_arrow(s, n)) {
                goto cue_timing;
            } else {
                state = IDENT_OR_TIMING;   /* an identifier: the timing line must follow */
            }
            break;
        case IDENT_OR_TIMING:
            if (blank || !has_arrow(s, n))
                return fail(info, line, "a cue identifier must be followed by its timing line (START --> END)");
        cue_timing: {
            int64_t start, end;
            if (timing(s, n, line, &start, &end, info) != 0)
                return -1;
            if (start < last_start)
                return fail(info, line, "the cue starts before the cue above it; put the cues in time order");
            if (++info->cues > VTT_MAX_CUES)
                return fail(info, line, "the file has more than %d cues", VTT_MAX_CUES);
            last_start = start;
            if (end > info->last_end_ms)
                info->last_end_ms = end;
            seen_cue = 1;
            cue_lines = 0;
            state = TEXT;
            break;
        }
        case TEXT:
            if (blank) {
                if (cue_lines == 0)
                    return fail(info, line, "the cue above has no text; write its caption under the timing line");
                state = BETWEEN;
            } else if (has_arrow(s, n)) {
                return fail(info, line, cue_lines == 0 ? "the cue above has no text; write its caption under the timing line"
                                                       : "leave a blank line between two cues");
            } else {
                cue_lines++;
            }
            break;
        case SKIP:
            if (blank)
                state = BETWEEN;
            else if (has_arrow(s, n))
                return fail(info, line, "\"-->\" may not appear inside a NOTE, STYLE or REGION block");
            break;
        }
        if (p >= len)
            break;
    }
    if (state == TEXT && cue_lines == 0)
        return fail(info, line, "the last cue has no text; write its caption under the timing line");
    if (info->cues == 0)
        return fail(info, 0, "the file holds no cues; a caption file needs at least one timed caption");
    return 0;
}
