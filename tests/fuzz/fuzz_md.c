/*
** fuzz_md.c: libFuzzer target for the Markdown renderer.
**
** The first byte picks the mode (trusted, untrusted, untrusted with
** images); the rest is the Markdown. Besides memory errors, the target
** aborts when the output breaks the renderer's promises: a tag outside the
** allowed set, an attribute name starting with "on", an href or src
** starting with javascript:, data: or vbscript: once decoded, an <img> while images are off, or a NUL byte.
**
** A second, independent reading (executable() below) tokenizes the output
** the way a browser does, not the way discount writes it: any '<' followed
** by a letter opens a tag, attributes are separated by any whitespace or
** '/', values may be quoted either way or bare, and named character
** references a browser knows (&colon; &Tab; &NewLine;) are decoded. It
** aborts on a <script tag, an on... attribute, or a javascript:, vbscript:
** or data: URL in href, src, action or formaction, in every mode, and is
** also run over the untrusted render of the same input with the first byte
** kept, so the discussion posts' own mode sees every input twice.
*/
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "md.h"
#include "../unit/htmlscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Tags the renderer may write. */
static const char *const ALLOWED[] = {
    "a", "img", "code", "ol", "li", "p", "th", "td", "br", "hr", "h1", "h2",
    "h3", "h4", "h5", "h6", "em", "strong", "del", "sup", "pre", "blockquote",
    "ul", "dl", "dt", "dd", "table", "thead", "tbody", "tr",
};

/* Print why and the output, then abort so libFuzzer records the input. */
static void fail(const char *why, const char *html)
{
    fprintf(stderr, "fuzz_md: %s\n%s\n", why, html);
    abort();
}

/* Non-zero when the n bytes at s name an allowed tag. */
static int allowed(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof ALLOWED / sizeof ALLOWED[0]; i++)
        if (strlen(ALLOWED[i]) == n && memcmp(ALLOWED[i], s, n) == 0)
            return 1;
    return 0;
}

/* Lower-case copy of v (n bytes) with &#...; references decoded and
** whitespace dropped, into out (cap bytes). */
static void flatten(const char *v, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        long c = (unsigned char)v[i];
        if (c == '&' && i + 1 < n && v[i + 1] == '#') {
            size_t j = i + 2;
            int hex = j < n && (v[j] == 'x' || v[j] == 'X');
            long cp = 0;
            if (hex)
                j++;
            while (j < n && isxdigit((unsigned char)v[j]) && cp < 0x110000) {
                int d = isdigit((unsigned char)v[j]) ? v[j] - '0'
                                                      : tolower((unsigned char)v[j]) - 'a' + 10;
                if (!hex && d > 9)
                    break;
                cp = cp * (hex ? 16 : 10) + d;
                j++;
            }
            if (j < n && v[j] == ';')
                j++;
            c = cp;
            i = j - 1;
        }
        if (c > 0x20 && c < 0x80)
            out[o++] = (char)tolower((int)c);
    }
    out[o] = '\0';
}

/* Check html against the renderer's promises; aborts on a breach. */
static void check(const char *html, size_t n, int images)
{
    char val[4096];
    if (memchr(html, '\0', n))
        fail("NUL byte in output", html);
    for (size_t i = 0; i < n; i++) {
        if (html[i] != '<')
            continue;
        size_t j = i + 1 + (i + 1 < n && html[i + 1] == '/');
        size_t name = j;
        while (j < n && isalnum((unsigned char)html[j]))
            j++;
        if (!allowed(html + name, j - name))
            fail("tag not allowed", html);
        if (!images && j - name == 3 && memcmp(html + name, "img", 3) == 0)
            fail("<img> while images are off", html);
        while (j < n && html[j] != '>') {
            if (html[j] == ' ' && j + 2 < n && tolower((unsigned char)html[j + 1]) == 'o' &&
                tolower((unsigned char)html[j + 2]) == 'n')
                fail("event handler attribute", html);
            if (html[j] == '"') {
                int url = (j >= 5 && memcmp(html + j - 5, "href=", 5) == 0) ||
                          (j >= 4 && memcmp(html + j - 4, "src=", 4) == 0);
                size_t vs = ++j;
                while (j < n && html[j] != '"')
                    j++;
                flatten(html + vs, j - vs, val, sizeof val);
                if (url && (strncmp(val, "javascript:", 11) == 0 ||
                    strncmp(val, "vbscript:", 9) == 0 || strncmp(val, "data:", 5) == 0))
                    fail("dangerous attribute value", html);
            }
            j++;
        }
        i = j;
    }
}

/* Abort on anything executable in html (n bytes). */
static void executable(const char *html, size_t n)
{
    const char *why = html_executable(html, n);
    if (why)
        fail(why, html);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int mode = data[0] % 3;
    const char *src = (const char *)data + 1;
    size_t len = size - 1;
    buf out = BUF_INIT;
    int rc = mode == 0 ? md_render_trusted(&out, src, len)
                       : md_render_untrusted(&out, src, len, mode == 2);
    if (rc != 0)
        fail("render failed", "");
    check(buf_str(&out), out.len, mode != 1);
    executable(buf_str(&out), out.len);
    buf_free(&out);
    /* the discussions' mode (untrusted, no images) over the whole input */
    buf post = BUF_INIT;
    if (md_render_untrusted(&post, (const char *)data, size, 0) != 0)
        fail("render failed", "");
    check(buf_str(&post), post.len, 0);
    executable(buf_str(&post), post.len);
    buf_free(&post);
    return 0;
}
