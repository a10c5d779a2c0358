/*
** htmlscan.h: what a browser would run in a piece of HTML, for the tests
** and fuzz targets that assert nothing executable comes out of what people
** write (Markdown, titles, comments). Header-only: each program includes
** it once.
*/
#ifndef JOURNEYS_TEST_HTMLSCAN_H
#define JOURNEYS_TEST_HTMLSCAN_H

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* The value v (n bytes) as a browser reads it in a URL attribute: numeric
** and the named references that spell a scheme decoded, whitespace and
** control characters dropped, lower case; into out (cap bytes). */
static void html_browser_value(const char *v, size_t n, char *out, size_t cap)
{
    static const struct { const char *name; char c; } named[] = {
        {"colon;", ':'}, {"tab;", '\t'}, {"newline;", '\n'}, {"amp;", '&'}, {"lt;", '<'},
        {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}, {"sol;", '/'}, {"period;", '.'},
    };
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap;) {
        long c = (unsigned char)v[i];
        if (c == '&' && i + 1 < n && v[i + 1] == '#') {
            size_t j = i + 2;
            int hex = j < n && (v[j] == 'x' || v[j] == 'X');
            if (hex)
                j++;
            long cp = 0;
            while (j < n && (hex ? isxdigit((unsigned char)v[j]) : isdigit((unsigned char)v[j]))) {
                cp = cp * (hex ? 16 : 10) +
                     (isdigit((unsigned char)v[j]) ? v[j] - '0' : tolower((unsigned char)v[j]) - 'a' + 10);
                if (cp > 0x10ffff)
                    cp = 0x10ffff;
                j++;
            }
            if (j < n && v[j] == ';')
                j++;
            c = cp;
            i = j;
        } else if (c == '&') {
            i++;
            for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
                size_t len = strlen(named[k].name);
                if (i + len <= n && !strncasecmp(v + i, named[k].name, len)) {
                    c = named[k].c;
                    i += len;
                    break;
                }
            }
        } else {
            i++;
        }
        if (c > 0x20 && c < 0x7f)
            out[o++] = (char)tolower((int)c);
    }
    out[o] = '\0';
}

/* The first executable thing in html (n bytes), or NULL: a script tag,
** an attribute named on..., or a URL attribute (href, src, action,
** formaction) whose scheme is javascript:, vbscript: or data:. Tags are
** read the way a browser tokenizes them. */
static const char *html_executable(const char *html, size_t n)
{
    char val[4096];
    for (size_t i = 0; i < n; i++) {
        if (html[i] != '<' || i + 1 >= n || !isalpha((unsigned char)html[i + 1]))
            continue;
        size_t j = i + 1, name = j;
        while (j < n && !isspace((unsigned char)html[j]) && html[j] != '>' && html[j] != '/')
            j++;
        if (j - name >= 6 && !strncasecmp(html + name, "script", 6))
            return "a script tag";
        for (;;) {
            while (j < n && (isspace((unsigned char)html[j]) || html[j] == '/'))
                j++;
            if (j >= n || html[j] == '>')
                break;
            size_t an = j;
            while (j < n && !isspace((unsigned char)html[j]) && html[j] != '=' && html[j] != '>' && html[j] != '/')
                j++;
            size_t alen = j - an;
            while (j < n && isspace((unsigned char)html[j]))
                j++;
            const char *v = "";
            size_t vlen = 0;
            if (j < n && html[j] == '=') {
                j++;
                while (j < n && isspace((unsigned char)html[j]))
                    j++;
                if (j < n && (html[j] == '"' || html[j] == '\'')) {
                    char q = html[j++];
                    v = html + j;
                    while (j < n && html[j] != q)
                        j++;
                    vlen = (size_t)(html + (j < n ? j : n) - v);
                    j++;
                } else {
                    v = html + j;
                    while (j < n && !isspace((unsigned char)html[j]) && html[j] != '>')
                        j++;
                    vlen = (size_t)(html + j - v);
                }
            }
            if (alen >= 2 && !strncasecmp(html + an, "on", 2))
                return "an event-handler attribute";
            if ((alen == 4 && !strncasecmp(html + an, "href", 4)) || (alen == 3 && !strncasecmp(html + an, "src", 3)) ||
                (alen == 6 && !strncasecmp(html + an, "action", 6)) ||
                (alen == 10 && !strncasecmp(html + an, "formaction", 10))) {
                html_browser_value(v, vlen, val, sizeof val);
                if (!strncmp(val, "javascript:", 11) || !strncmp(val, "vbscript:", 9) || !strncmp(val, "data:", 5))
                    return "a javascript:, vbscript: or data: URL";
            }
        }
        i = j;
    }
    return NULL;
}

#endif
