/*
** mdcheck.c: alt text and heading order in course Markdown (see mdcheck.h).
*/
#include "mdcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The level of the ATX heading on line s[0..n) (1 to 6), or 0 when the
** line is not one. */
static int heading_level(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && i < 3 && s[i] == ' ')
        i++;
    int level = 0;
    while (i < n && s[i] == '#' && level < 7) {
        level++;
        i++;
    }
    if (level < 1 || level > 6)
        return 0;
    return i == n || s[i] == ' ' || s[i] == '\t' ? level : 0;
}

/* Whether line s[0..n) opens or closes a fenced code block (``` or ~~~). */
static int fence(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && i < 3 && s[i] == ' ')
        i++;
    return n - i >= 3 && (!memcmp(s + i, "```", 3) || !memcmp(s + i, "~~~", 3));
}

/* Whether s[0..n) holds only spaces and tabs. */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* Whether the <img ...> tag starting at s (its end before lim) has a
** non-empty alt attribute. */
static int img_has_alt(const char *s, const char *lim)
{
    const char *end = memchr(s, '>', (size_t)(lim - s));
    if (!end)
        end = lim;
    for (const char *p = s + 4; p + 4 <= end; p++) {
        if (strncasecmp(p, "alt", 3) || (p[-1] != ' ' && p[-1] != '\t'))
            continue;
        const char *q = p + 3;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if (q >= end || *q != '=')
            continue;
        q++;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if (q < end && (*q == '"' || *q == '\'')) {
            char quote = *q++;
            const char *close = memchr(q, quote, (size_t)(end - q));
            return close && !blank(q, (size_t)(close - q));
        }
        return q < end && *q != '>' && *q != ' ';
    }
    return 0;
}

/* Check the images on one line outside code spans; returns the number of
** problems appended to err. */
static int images(const char *name, int line, const char *s, size_t n, buf *err)
{
    int bad = 0, code = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '`') {
            code = !code;
            continue;
        }
        if (code)
            continue;
        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == '!' && i + 1 < n && s[i + 1] == '[') {
            size_t j = i + 2;
            int depth = 1;
            while (j < n && depth) {
                if (s[j] == '\\')
                    j++;
                else if (s[j] == '[')
                    depth++;
                else if (s[j] == ']')
                    depth--;
                j++;
            }
            if (depth == 0 && j < n && (s[j] == '(' || s[j] == '[')) {
                if (blank(s + i + 2, j - 1 - (i + 2))) {
                    buf_printf(err, "%s:%d: an image has no alt text; write what it shows between ![ and ]\n", name,
                               line);
                    bad++;
                }
                i = j;
            }
        } else if (s[i] == '<' && n - i >= 5 && !strncasecmp(s + i + 1, "img", 3) &&
                   (s[i + 4] == ' ' || s[i + 4] == '\t' || s[i + 4] == '>' || s[i + 4] == '/')) {
            if (!img_has_alt(s + i, s + n)) {
                buf_printf(err, "%s:%d: an <img> has no alt text; add alt=\"what it shows\"\n", name, line);
                bad++;
            }
        }
    }
    return bad;
}

int mdcheck_text(const char *name, const char *text, size_t len, buf *err)
{
    int bad = 0, line = 0, in_fence = 0, in_front = 0, prev = 1;
    size_t p = 0;
    while (p < len) {
        line++;
        size_t b = p;
        while (p < len && text[p] != '\n')
            p++;
        size_t n = p - b;
        const char *s = text + b;
        if (p < len)
            p++;
        if (n && s[n - 1] == '\r')
            n--;
        if (line == 1 && n == 3 && !memcmp(s, "---", 3)) {
            in_front = 1;
            continue;
        }
        if (in_front) {
            if (n == 3 && !memcmp(s, "---", 3))
                in_front = 0;
            continue;
        }
        if (fence(s, n)) {
            in_fence = !in_fence;
            continue;
        }
        if (in_fence)
            continue;
        int level = heading_level(s, n);
        if (level) {
            if (level > prev + 1) {
                buf_printf(err, "%s:%d: a level-%d heading follows a level-%d one; headings may not skip a level "
                                "(make it level %d)\n", name, line, level, prev, prev + 1);
                bad++;
            }
            prev = level;
        }
        bad += images(name, line, s, n, err);
    }
    return bad;
}

int mdcheck_file(const char *name, const char *path, buf *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? 0 : (buf_printf(err, "%s: cannot be read\n", name), 1);
    buf text = BUF_INIT;
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&text, chunk, got);
    int failed = ferror(f) || buf_failed(&text);
    fclose(f);
    int bad = failed ? (buf_printf(err, "%s: cannot be read\n", name), 1)
                     : mdcheck_text(name, text.data ? text.data : "", text.len, err);
    buf_free(&text);
    return bad;
}
