/*
** text.c: UTF-8 validation and slugs (see text.h).
*/
#include "text.h"

#include <string.h>

size_t text_utf8_seq(const void *p, size_t n)
{
    const unsigned char *s = p;
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2; cp = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; cp = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; cp = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int text_utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = text_utf8_seq(s + i, n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

int text_is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char *text_slug(arena *a, const char *s, size_t max)
{
    size_t n = strlen(s);
    char *out = arena_alloc(a, n + 5);
    size_t o = 0;
    int dash = 0;
    for (size_t i = 0; i < n && (!max || o < max); i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && o)
                out[o++] = '-';
            if (!max || o < max)
                out[o++] = (char)c;
            dash = 0;
        } else {
            dash = 1;
        }
    }
    while (o && out[o - 1] == '-')
        o--;
    if (!o) {
        memcpy(out, "item", 5);
        return out;
    }
    out[o] = '\0';
    return out;
}

int text_is_slug(const char *s)
{
    size_t n = strlen(s);
    if (!n || s[0] == '-' || s[n - 1] == '-')
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}
