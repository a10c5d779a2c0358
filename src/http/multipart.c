/*
** multipart.c: multipart/form-data, parsed in place (see multipart.h).
*/
#include "multipart.h"

#include <string.h>
#include <strings.h>

#include "text.h"

mp_limits multipart_limits_default(void)
{
    mp_limits l = {64, 8 * 1024, 256 * 1024, 5, 10u * 1024 * 1024, 25u * 1024 * 1024};
    return l;
}

/* Whether c may appear in a boundary (RFC 2046 bchars). */
static int bchar(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=? ", c);
}

/* Skip spaces and tabs from p. */
static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Read one parameter value at p (a token, or a quoted string as browsers
** write it: no backslash escapes, a quote as %22) into a; *end receives where it stopped. Returns the
** value (in a), or NULL when a quoted string is not closed or holds a
** control character. A value stops at ';' or the end. */
static char *param_value(arena *a, const char *p, size_t n, const char **end)
{
    const char *lim = p + n;
    char *out = arena_alloc(a, n + 1);
    size_t k = 0;
    if (p < lim && *p == '"') {
        p++;
        while (p < lim && *p != '"') {
            unsigned char c = (unsigned char)*p;
            if (c < 0x20 || c == 0x7f)
                return NULL;
            if (c == '%' && lim - p >= 3 && p[1] == '2' && p[2] == '2') {
                c = '"';   /* browsers write a quote in a name as %22 */
                p += 2;
            }
            out[k++] = (char)c;
            p++;
        }
        if (p >= lim)
            return NULL;
        p++;
    } else {
        while (p < lim && *p != ';' && *p != ' ' && *p != '\t') {
            unsigned char c = (unsigned char)*p;
            if (c < 0x20 || c == 0x7f)
                return NULL;
            out[k++] = (char)c;
            p++;
        }
    }
    out[k] = '\0';
    *end = p;
    return out;
}

/* Called for each name=value parameter; non-zero stops with an error. */
typedef int (*param_fn)(void *ctx, const char *name, size_t name_len, const char *value);

/* The parameters of a header value s[0..n) after its first ';': calls fn
** for each name=value (values in a). Returns 0, or -1 when one is
** malformed (an unclosed quote, a control character) or fn refused it. */
static int each_param(arena *a, const char *s, size_t n, param_fn fn, void *ctx)
{
    const char *p = memchr(s, ';', n), *lim = s + n;
    while (p && p < lim) {
        p = skip_ws(p + 1);
        if (p >= lim)
            break;
        const char *name = p;
        while (p < lim && *p != '=' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t name_len = (size_t)(p - name);
        while (p < lim && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= lim || *p != '=') {
            /* a parameter with no value: skip to the next ';' */
            p = memchr(p, ';', (size_t)(lim - p));
            continue;
        }
        p = skip_ws(p + 1);
        const char *end = p;
        char *v = param_value(a, p, (size_t)(lim - p), &end);
        if (!v)
            return -1;
        if (name_len && fn(ctx, name, name_len, v) != 0)
            return -1;
        p = memchr(end, ';', (size_t)(lim - end));
    }
    return 0;
}

/* Collects the boundary parameter. */
static int take_boundary(void *ctx, const char *name, size_t len, const char *value)
{
    if (len == 8 && !strncasecmp(name, "boundary", 8))
        *(const char **)ctx = value;
    return 0;
}

const char *multipart_boundary(arena *a, const char *content_type)
{
    if (!content_type)
        return NULL;
    const char *t = skip_ws(content_type);
    if (strncasecmp(t, "multipart/form-data", 19) != 0)
        return NULL;
    t += 19;
    t = skip_ws(t);
    if (*t && *t != ';')
        return NULL;
    const char *b = NULL;
    if (each_param(a, t, strlen(t), take_boundary, &b) != 0 || !b)
        return NULL;
    size_t n = strlen(b);
    if (n == 0 || n > MP_MAX_BOUNDARY || b[n - 1] == ' ')
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!bchar((unsigned char)b[i]))
            return NULL;
    return b;
}

/* What Content-Disposition said. */
struct disposition {
    const char *name, *filename;
    int names, filenames;
};

/* Collects the name and filename parameters of Content-Disposition. */
static int take_disposition(void *ctx, const char *name, size_t len, const char *value)
{
    struct disposition *d = ctx;
    if (len == 4 && !strncasecmp(name, "name", 4)) {
        d->name = value;
        d->names++;
    } else if (len == 8 && !strncasecmp(name, "filename", 8)) {
        d->filename = value;
        d->filenames++;
    }
    return 0;
}

/* Whether s (n bytes) is valid UTF-8 without control characters. */
static int clean_text(const char *s, size_t n)
{
    if (!text_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* The file name kept from what a browser sent: the last segment after '/'
** or '\\', or NULL when it is not clean text, is "." or "..", or too long. */
static const char *base_name(const char *sent)
{
    const char *p = sent;
    for (const char *q = sent; *q; q++)
        if (*q == '/' || *q == '\\')
            p = q + 1;
    size_t n = strlen(p);
    if (!clean_text(p, n) || n > MP_MAX_FILENAME || !strcmp(p, ".") || !strcmp(p, ".."))
        return NULL;
    return p;
}

/* Parse the header block h[0..n) of one part into part. Returns 0, or 400
** with *err set. */
static int part_headers(arena *a, const char *h, size_t n, mp_part *part, const char **err)
{
    struct disposition d = {0};
    int seen = 0;
    const char *p = h, *lim = h + n;
    while (p < lim) {
        const char *eol = memchr(p, '\r', (size_t)(lim - p));
        if (!eol)
            eol = lim;
        else if (eol + 1 >= lim || eol[1] != '\n') {
            *err = "A part of the upload has a header line that does not end in CRLF.";
            return 400;
        }
        size_t len = (size_t)(eol - p);
        if (memchr(p, '\0', len)) {
            *err = "A part of the upload has a NUL byte in its headers.";
            return 400;
        }
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)p[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                *err = "A part of the upload has a control character in its headers.";
                return 400;
            }
        }
        const char *colon = memchr(p, ':', len);
        if (!colon) {
            *err = "A part of the upload has a header line without a name.";
            return 400;
        }
        size_t nl = (size_t)(colon - p);
        const char *v = skip_ws(colon + 1);
        size_t vl = (size_t)(eol - v);
        if (nl == 19 && !strncasecmp(p, "Content-Disposition", 19)) {
            if (seen++) {
                *err = "A part of the upload has two Content-Disposition headers.";
                return 400;
            }
            if (vl < 9 || strncasecmp(v, "form-data", 9) || (vl > 9 && v[9] != ';' && v[9] != ' ' && v[9] != '\t')) {
                *err = "A part of the upload is not form data.";
                return 400;
            }
            if (each_param(a, v, vl, take_disposition, &d) != 0) {
                *err = "A part of the upload has a malformed Content-Disposition header.";
                return 400;
            }
        } else if (nl == 12 && !strncasecmp(p, "Content-Type", 12)) {
            part->type = arena_strndup(a, v, vl);
        }
        p = eol + 2;
    }
    if (!seen || !d.name || !d.name[0] || d.names > 1 || d.filenames > 1) {
        *err = "A part of the upload has no field name.";
        return 400;
    }
    if (!clean_text(d.name, strlen(d.name))) {
        *err = "A field name in the upload is not plain text.";
        return 400;
    }
    part->name = d.name;
    part->filename = NULL;
    if (d.filename) {
        if (!d.filename[0]) {
            part->filename = "";
            return 0;
        }
        part->filename = base_name(d.filename);
        if (!part->filename) {
            *err = "A file name in the upload holds characters we cannot keep (control characters or invalid "
                   "text), or is longer than 255 bytes. Rename the file and send it again.";
            return 400;
        }
    }
    return 0;
}

int multipart_parse(arena *a, const char *body, size_t n, const char *boundary, const mp_limits *lim,
                    mp_part **parts, size_t *n_parts, const char **err)
{
    *parts = NULL;
    *n_parts = 0;
    size_t bl = boundary ? strlen(boundary) : 0;
    if (!bl || bl > MP_MAX_BOUNDARY || !body) {
        *err = "The upload has no boundary between its parts.";
        return 400;
    }
    /* The delimiter "\r\n--boundary"; the first one may come at the very
    ** start without its CRLF. */
    size_t dl = bl + 4;
    char *delim = arena_alloc(a, dl + 1);
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, bl);
    delim[dl] = '\0';
    size_t pos;
    if (n >= dl - 2 && !memcmp(body, delim + 2, dl - 2)) {
        pos = dl - 2;
    } else {
        const char *f = memmem(body, n, delim, dl);
        if (!f) {
            *err = "The upload does not start with its boundary: it may have been cut short or sent as another type.";
            return 400;
        }
        pos = (size_t)(f - body) + dl;
    }
    size_t cap = 8, count = 0, files = 0, files_total = 0;
    mp_part *out = arena_alloc(a, cap * sizeof *out);
    for (;;) {
        /* After a delimiter: "--" closes the body; otherwise padding and CRLF. */
        if (n - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
            break;
        while (pos < n && (body[pos] == ' ' || body[pos] == '\t'))
            pos++;
        if (n - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n') {
            *err = "The upload ends without its closing boundary: it may have been cut short. Please send it again.";
            return 400;
        }
        pos += 2;
        if (lim->max_parts && count >= lim->max_parts) {
            *err = "The upload has too many parts.";
            return 413;
        }
        /* The header block ends at the first blank line. */
        size_t hmax = lim->max_header ? lim->max_header : n - pos;
        size_t look = n - pos < hmax + 4 ? n - pos : hmax + 4;
        size_t hlen;
        if (look >= 2 && body[pos] == '\r' && body[pos + 1] == '\n') {
            hlen = 0;
        } else {
            const char *e = memmem(body + pos, look, "\r\n\r\n", 4);
            if (!e) {
                if (look == n - pos) {
                    *err = "The upload ends inside a part's headers: it may have been cut short.";
                    return 400;
                }
                *err = "A part of the upload has headers larger than we accept.";
                return 413;
            }
            hlen = (size_t)(e - (body + pos)) + 2;   /* keep the last header's CRLF */
        }
        if (lim->max_header && hlen > lim->max_header) {
            *err = "A part of the upload has headers larger than we accept.";
            return 413;
        }
        mp_part part = {0};
        int rc = part_headers(a, body + pos, hlen >= 2 ? hlen - 2 : 0, &part, err);
        if (rc)
            return rc;
        pos += hlen + 2;
        /* The content runs to the next delimiter. */
        const char *e = pos <= n ? memmem(body + pos, n - pos, delim, dl) : NULL;
        if (!e) {
            *err = "The upload ends inside a part without its closing boundary: it may have been cut short. "
                   "Please send it again.";
            return 400;
        }
        part.off = pos;
        part.len = (size_t)(e - (body + pos));
        pos = part.off + part.len + dl;
        if (part.filename && !part.filename[0] && part.len == 0)
            continue;   /* a file input left empty */
        if (part.filename && !part.filename[0]) {
            *err = "A file in the upload has no name. Rename the file and send it again.";
            return 400;
        }
        if (part.filename) {
            files++;
            files_total += part.len;
            if (lim->max_files && files > lim->max_files) {
                *err = "The upload has more files than we accept in one submission.";
                return 413;
            }
            if (lim->max_file && part.len > lim->max_file) {
                *err = "A file in the upload is larger than we accept.";
                return 413;
            }
            if (lim->max_files_total && files_total > lim->max_files_total) {
                *err = "The files in the upload are larger together than we accept.";
                return 413;
            }
        } else if (lim->max_field && part.len > lim->max_field) {
            *err = "A text field in the upload is longer than we accept.";
            return 413;
        }
        if (count == cap) {
            mp_part *bigger = arena_alloc(a, 2 * cap * sizeof *out);
            memcpy(bigger, out, cap * sizeof *out);
            out = bigger;
            cap *= 2;
        }
        out[count++] = part;
    }
    *parts = count ? out : NULL;
    *n_parts = count;
    return 0;
}

int multipart_form(arena *a, const char *body, const mp_part *parts, size_t n_parts, kvlist *form, const char **err)
{
    size_t add = 0;
    for (size_t i = 0; i < n_parts; i++)
        if (!parts[i].filename) {
            const mp_part *p = &parts[i];
            if (memchr(body + p->off, '\0', p->len) || !text_utf8_valid(body + p->off, p->len)) {
                *err = "A text field in the upload is not valid text.";
                return 400;
            }
            if (strlen(p->name) > FORM_MAX_KEY) {
                *err = "A field name in the upload is too long.";
                return 400;
            }
            add++;
        }
    if (form->n + add > FORM_MAX_PAIRS) {
        *err = "The upload has too many fields.";
        return 400;
    }
    if (!add)
        return 0;
    kv *items = arena_alloc(a, (form->n + add) * sizeof *items);
    if (form->n)
        memcpy(items, form->items, form->n * sizeof *items);
    size_t k = form->n;
    for (size_t i = 0; i < n_parts; i++)
        if (!parts[i].filename) {
            items[k].key = parts[i].name;
            items[k].val = arena_strndup(a, body + parts[i].off, parts[i].len);
            items[k].len = parts[i].len;
            k++;
        }
    form->items = items;
    form->n = k;
    return 0;
}
