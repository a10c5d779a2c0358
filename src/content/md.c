/*
** md.c: Markdown to HTML through discount, then an allowlist pass (see md.h).
**
** discount 2.2.7 behaviour this file relies on, found by experiment:
**   - with MKD_NOHTML every '<' of the source comes out as "&lt;", so each
**     '<' in discount's output starts a tag discount wrote itself;
**   - SAFELINK refuses [t](javascript:...) but not ![t](javascript:...),
**     and lets ftp:, news: and scheme-less oddities through;
**   - a fenced code block's info string is written raw into class="...",
**     so ```"><script> breaks out of the attribute. The code-format callback
**     replaces the whole <pre><code> block, and 2.2.7 passes it the info
**     string (or NULL) as its third argument instead of the e_data pointer;
**   - the e_flags text is added to <img> as well as <a>;
**   - e_free is called with e_data for every callback result.
** The allowlist pass below makes the output safe whatever discount let
** through: it is the security boundary, the flags are the first filter.
*/
#include "md.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mkdio.h>

/* Flags shared by both modes: raw HTML shown as text, safe links only, no
** pseudo-protocols, pandoc headers, <style> extraction or div quotes;
** fenced code, autolinks and separate numbered/bulleted lists on. Footnotes,
** TOC and MKD_NOPANTS are left unset: no footnotes, no TOC, smartypants on.
** Discount-style definition lists (=term=) are off: 2.2.7 leaks memory on
** "=x=\n\t" (found by fuzz_md). */
#define MD_COMMON_FLAGS                                                       \
    ((mkd_flag_t)(MKD_NOHTML | MKD_SAFELINK | MKD_NO_EXT | MKD_NOHEADER |     \
                  MKD_NOSTYLE | MKD_NODIVQUOTE | MKD_FENCEDCODE |             \
                  MKD_AUTOLINK | MKD_EXPLICITLIST | MKD_NODLDISCOUNT))

#define REL_VALUE "nofollow ugc noopener"
#define REL_ATTR_TEXT "rel=\"" REL_VALUE "\""
#define MAX_ATTRS 8
#define MAX_LANG 32

/* What may appear in the output; one per render. */
typedef enum img_policy { IMG_NONE, IMG_HTTPS, IMG_HTTPS_OR_RELATIVE } img_policy;
typedef struct policy {
    int untrusted;     /* links get rel="nofollow ugc noopener" */
    img_policy images;
} policy;

/* Callback context. The first member is a NUL byte so that, should a
** discount version pass e_data where 2.2.7 passes the language name, the
** code formatter reads an empty name rather than stray memory. */
typedef struct render_ctx {
    char empty_name;
    int failed;        /* a callback ran out of memory */
} render_ctx;

/* Returned by the callbacks instead of malloc'd text; free_cb knows them. */
static const char CODE_FAILED[] = "<pre><code></code></pre>";
static const char REL_ATTR[] = REL_ATTR_TEXT;

/* Append n bytes of text to b with &, <, > and " escaped. */
static void escape_text(buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\0': rep = ""; break;
        default: break;
        }
        if (rep) {
            buf_append(b, s + start, i - start);
            buf_puts(b, rep);
            start = i + 1;
        }
    }
    buf_append(b, s + start, n - start);
}

/* Non-zero when the n bytes at s are a code language name we will put in a
** class attribute: 1 to MAX_LANG of [A-Za-z0-9_+-]. */
static int lang_ok(const char *s, size_t n)
{
    if (n == 0 || n > MAX_LANG)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '_' && c != '+' && c != '-')
            return 0;
    }
    return 1;
}

/* discount code-block formatter. Returns a malloc'd
** "<pre><code[ class="language-L"]>escaped text</code></pre>" that free_cb
** releases, or CODE_FAILED when memory ran out (free_cb then marks the
** render failed). lang is the fence's info string, or NULL. */
static char *code_block(const char *text, const int size, void *lang)
{
    buf b;
    buf_init(&b, 0);
    buf_puts(&b, "<pre><code");
    if (lang) {
        const char *name = lang;
        size_t n = strnlen(name, MAX_LANG + 1);
        if (lang_ok(name, n)) {
            buf_puts(&b, " class=\"language-");
            buf_append(&b, name, n);
            buf_putc(&b, '"');
        }
    }
    buf_putc(&b, '>');
    if (size > 0)
        escape_text(&b, text, (size_t)size);
    buf_puts(&b, "</code></pre>");
    char *html = buf_detach(&b);
    return html ? html : (char *)CODE_FAILED;
}

/* discount link-flags callback: every link (and image; the allowlist pass
** drops it there) gets the rel attribute. Returns a static string. */
static char *rel_flags(const char *url, const int size, void *data)
{
    (void)url;
    (void)size;
    (void)data;
    return (char *)REL_ATTR;
}

/* discount deallocator for callback results: frees what code_block
** malloc'd, leaves the static strings alone and records CODE_FAILED. */
static void free_cb(char *p, void *data)
{
    render_ctx *ctx = data;
    if (p == CODE_FAILED)
        ctx->failed = 1;
    else if (p != REL_ATTR)
        free(p);
}

/* ---- URL check -------------------------------------------------------- */

/* Marker for a code point outside ASCII (allowed in paths, never in a
** scheme), and for a refused character reference. */
#define CP_OTHER 0x100
#define CP_BAD (-1)

/* Value of hex digit c, or -1. */
static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The character at v[*i] as a browser reads it in an attribute value, with
** character references decoded; advances *i past it. Returns an ASCII code,
** CP_OTHER for anything beyond ASCII, or CP_BAD for a named reference other
** than &amp; &lt; &gt; &quot; &apos;, a numeric one without digits, or one
** naming a control character. */
static long next_char(const char *v, size_t n, size_t *i)
{
    unsigned char c = (unsigned char)v[*i];
    if (c != '&') {
        (*i)++;
        return c < 0x80 ? (long)c : CP_OTHER;
    }
    size_t j = *i + 1;
    if (j < n && v[j] == '#') {
        int hex = 0;
        long cp = 0;
        j++;
        if (j < n && (v[j] == 'x' || v[j] == 'X')) {
            hex = 1;
            j++;
        }
        size_t start = j;
        for (; j < n; j++) {
            int d = hex ? hexval((unsigned char)v[j])
                        : (isdigit((unsigned char)v[j]) ? v[j] - '0' : -1);
            if (d < 0)
                break;
            cp = cp * (hex ? 16 : 10) + d;
            if (cp > 0x10FFFF)
                cp = 0x110000; /* keep it bounded; refused below */
        }
        if (j == start)
            return CP_BAD;
        if (j < n && v[j] == ';')
            j++;
        *i = j;
        if (cp == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp > 0x10FFFF)
            return CP_BAD;
        return cp < 0x80 ? cp : CP_OTHER;
    }
    size_t k = j;
    while (k < n && isalnum((unsigned char)v[k]))
        k++;
    if (k == j) { /* a lone '&' */
        (*i)++;
        return '&';
    }
    static const struct { const char *name; char c; } named[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
    };
    if (k < n && v[k] == ';') {
        for (size_t e = 0; e < sizeof named / sizeof named[0]; e++) {
            if (strlen(named[e].name) == k - j &&
                memcmp(named[e].name, v + j, k - j) == 0) {
                *i = k + 1;
                return named[e].c;
            }
        }
    }
    return CP_BAD;
}

/* What a URL is, for the policy. */
typedef enum url_kind {
    URL_BAD,       /* refused outright */
    URL_RELATIVE,  /* no scheme, not starting with two slashes */
    URL_NETWORK,   /* no scheme, "//host..." (or with backslashes) */
    URL_HTTP, URL_HTTPS, URL_MAILTO,
    URL_OTHER      /* some other scheme */
} url_kind;

/* Classify the attribute value v (n bytes, still HTML-escaped) the way a
** browser would after decoding it. Whitespace or control characters
** anywhere make it URL_BAD. */
static url_kind classify_url(const char *v, size_t n)
{
    char scheme[8];
    size_t slen = 0, pos = 0, i = 0;
    int in_scheme = 1, has_scheme = 0;
    long first = 0, second = 0;

    while (i < n) {
        long c = next_char(v, n, &i);
        if (c == CP_BAD || c <= 0x20 || c == 0x7f)
            return URL_BAD;
        if (pos == 0)
            first = c;
        else if (pos == 1)
            second = c;
        pos++;
        if (!in_scheme)
            continue;
        if (c == ':') {
            has_scheme = slen > 0 && isalpha((unsigned char)scheme[0]);
            in_scheme = 0;
        } else if (c < 0x80 && (isalnum((int)c) || c == '+' || c == '-' || c == '.')) {
            if (slen < sizeof scheme)
                scheme[slen] = (char)tolower((int)c);
            slen++;
        } else {
            in_scheme = 0;
        }
    }
    if (!has_scheme) {
        int slash1 = first == '/' || first == '\\';
        int slash2 = second == '/' || second == '\\';
        return slash1 && slash2 ? URL_NETWORK : URL_RELATIVE;
    }
    if (slen == 4 && memcmp(scheme, "http", 4) == 0)
        return URL_HTTP;
    if (slen == 5 && memcmp(scheme, "https", 5) == 0)
        return URL_HTTPS;
    if (slen == 6 && memcmp(scheme, "mailto", 6) == 0)
        return URL_MAILTO;
    return URL_OTHER;
}

/* Non-zero when v may be a link target: http(s), mailto or no scheme. */
static int link_ok(const char *v, size_t n)
{
    url_kind k = classify_url(v, n);
    return k == URL_RELATIVE || k == URL_NETWORK || k == URL_HTTP ||
           k == URL_HTTPS || k == URL_MAILTO;
}

/* Non-zero when v may be an image source under policy images. */
static int image_ok(const char *v, size_t n, img_policy images)
{
    if (n == 0 || images == IMG_NONE)
        return 0;
    url_kind k = classify_url(v, n);
    return k == URL_HTTPS || (k == URL_RELATIVE && images == IMG_HTTPS_OR_RELATIVE);
}

/* ---- allowlist pass ---------------------------------------------------- */

/* The tags discount writes, and which attributes each may keep. */
typedef enum tag_kind {
    K_PLAIN,  /* no attributes */
    K_A,      /* href, title, rel */
    K_IMG,    /* src (required), alt, title, width, height */
    K_CODE,   /* class="language-NAME" */
    K_OL,     /* type, start */
    K_LI,     /* class="github_checkbox" */
    K_ALIGN   /* style="text-align:left|center|right;" */
} tag_kind;

typedef struct tag_rule {
    const char *name;
    tag_kind kind;
    int is_void;
} tag_rule;

static const tag_rule TAG_RULES[] = {
    {"a", K_A, 0},          {"img", K_IMG, 1},     {"code", K_CODE, 0},
    {"ol", K_OL, 0},        {"li", K_LI, 0},       {"p", K_ALIGN, 0},
    {"th", K_ALIGN, 0},     {"td", K_ALIGN, 0},    {"br", K_PLAIN, 1},
    {"hr", K_PLAIN, 1},     {"h1", K_PLAIN, 0},    {"h2", K_PLAIN, 0},
    {"h3", K_PLAIN, 0},     {"h4", K_PLAIN, 0},    {"h5", K_PLAIN, 0},
    {"h6", K_PLAIN, 0},     {"em", K_PLAIN, 0},    {"strong", K_PLAIN, 0},
    {"del", K_PLAIN, 0},    {"sup", K_PLAIN, 0},   {"pre", K_PLAIN, 0},
    {"blockquote", K_PLAIN, 0}, {"ul", K_PLAIN, 0}, {"dl", K_PLAIN, 0},
    {"dt", K_PLAIN, 0},     {"dd", K_PLAIN, 0},    {"table", K_PLAIN, 0},
    {"thead", K_PLAIN, 0},  {"tbody", K_PLAIN, 0}, {"tr", K_PLAIN, 0},
};

typedef struct attr {
    const char *name, *val;
    size_t nlen, vlen;
} attr;

typedef struct tag {
    const tag_rule *rule;
    int closing;
    attr attrs[MAX_ATTRS];
    int n_attrs;
} tag;

/* The rule for the n-byte tag name s, or NULL when it is not allowed. */
static const tag_rule *find_rule(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof TAG_RULES / sizeof TAG_RULES[0]; i++)
        if (strlen(TAG_RULES[i].name) == n && memcmp(TAG_RULES[i].name, s, n) == 0)
            return &TAG_RULES[i];
    return NULL;
}

/* Parse the tag at s[0] == '<' (n bytes available) in the exact shape
** discount writes: <name( attr="value")*( /)?> or </name>, lower case,
** double quotes. Fills *t and returns the bytes it spans, or 0 when it is
** not such a tag or its name is not allowed. */
static size_t parse_tag(const char *s, size_t n, tag *t)
{
    size_t i = 1;
    t->closing = 0;
    t->n_attrs = 0;
    if (i < n && s[i] == '/') {
        t->closing = 1;
        i++;
    }
    size_t name = i;
    while (i < n && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
        i++;
    if (!(t->rule = find_rule(s + name, i - name)))
        return 0;
    for (;;) {
        size_t gap = i;
        while (i < n && (s[i] == ' ' || s[i] == '\n'))
            i++;
        if (i >= n)
            return 0;
        if (s[i] == '>')
            return i + 1;
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '>' && !t->closing)
            return i + 2;
        if (t->closing || i == gap || t->n_attrs == MAX_ATTRS)
            return 0;
        attr *a = &t->attrs[t->n_attrs++];
        a->name = s + i;
        while (i < n && (islower((unsigned char)s[i]) || s[i] == '-'))
            i++;
        a->nlen = (size_t)(s + i - a->name);
        if (a->nlen == 0 || i + 1 >= n || s[i] != '=' || s[i + 1] != '"')
            return 0;
        i += 2;
        a->val = s + i;
        while (i < n && s[i] != '"')
            i++;
        if (i >= n)
            return 0;
        a->vlen = (size_t)(s + i - a->val);
        i++;
    }
}

/* Non-zero when attribute a is called name. */
static int attr_is(const attr *a, const char *name)
{
    return strlen(name) == a->nlen && memcmp(a->name, name, a->nlen) == 0;
}

/* Non-zero when a's value is exactly s. */
static int value_is(const attr *a, const char *s)
{
    return strlen(s) == a->vlen && memcmp(a->val, s, a->vlen) == 0;
}

/* Non-zero when a's value is 1 to max decimal digits. */
static int value_digits(const attr *a, size_t max)
{
    if (a->vlen == 0 || a->vlen > max)
        return 0;
    for (size_t i = 0; i < a->vlen; i++)
        if (!isdigit((unsigned char)a->val[i]))
            return 0;
    return 1;
}

/* Non-zero when attribute a may stay on a tag of kind k under policy p. */
static int attr_allowed(tag_kind k, const attr *a, const policy *p)
{
    switch (k) {
    case K_A:
        if (attr_is(a, "href"))
            return link_ok(a->val, a->vlen);
        if (attr_is(a, "rel"))
            return p->untrusted && value_is(a, REL_VALUE);
        return attr_is(a, "title");
    case K_IMG:
        if (attr_is(a, "src"))
            return image_ok(a->val, a->vlen, p->images);
        if (attr_is(a, "width") || attr_is(a, "height"))
            return value_digits(a, 5);
        return attr_is(a, "alt") || attr_is(a, "title");
    case K_CODE:
        return attr_is(a, "class") && a->vlen > 9 &&
               memcmp(a->val, "language-", 9) == 0 && lang_ok(a->val + 9, a->vlen - 9);
    case K_OL:
        if (attr_is(a, "type"))
            return a->vlen == 1 && strchr("aAiI1", a->val[0]);
        return attr_is(a, "start") && value_digits(a, 9);
    case K_LI:
        return attr_is(a, "class") && value_is(a, "github_checkbox");
    case K_ALIGN:
        return attr_is(a, "style") &&
               (value_is(a, "text-align:left;") || value_is(a, "text-align:center;") ||
                value_is(a, "text-align:right;"));
    case K_PLAIN:
        break;
    }
    return 0;
}

/* Append attribute a as ` name="value"`, keeping its character references
** and escaping any raw < or >. */
static void put_attr(buf *out, const attr *a)
{
    buf_putc(out, ' ');
    buf_append(out, a->name, a->nlen);
    buf_puts(out, "=\"");
    size_t start = 0;
    for (size_t i = 0; i < a->vlen; i++) {
        if (a->val[i] == '<' || a->val[i] == '>' || a->val[i] == '\0') {
            buf_append(out, a->val + start, i - start);
            buf_puts(out, a->val[i] == '<' ? "&lt;" : a->val[i] == '>' ? "&gt;" : "");
            start = i + 1;
        }
    }
    buf_append(out, a->val + start, a->vlen - start);
    buf_putc(out, '"');
}

/* Append tag t rebuilt from its allowed attributes. An <img> is dropped
** whole when images are off or its src is refused; an <a> whose href is
** refused stays, without the href. */
static void emit_tag(buf *out, const tag *t, const policy *p)
{
    const tag_rule *r = t->rule;
    /* A heading someone wrote in a post would take its place in the page's
    ** own outline (a second h1, a jump from h2 to h5): it becomes a
    ** paragraph styled as a heading. */
    if (p->untrusted && r->name[0] == 'h' && r->name[1] >= '1' && r->name[1] <= '6' && !r->name[2]) {
        buf_puts(out, t->closing ? "</p>" : "<p class=\"md-heading\">");
        return;
    }
    if (t->closing) {
        if (r->is_void)
            return;
        buf_puts(out, "</");
        buf_puts(out, r->name);
        buf_putc(out, '>');
        return;
    }
    if (r->kind == K_IMG) {
        int src = 0;
        for (int i = 0; i < t->n_attrs; i++)
            if (attr_is(&t->attrs[i], "src") && attr_allowed(K_IMG, &t->attrs[i], p))
                src = 1;
        if (!src)
            return;
    }
    int has_rel = 0;
    buf_putc(out, '<');
    buf_puts(out, r->name);
    for (int i = 0; i < t->n_attrs; i++) {
        const attr *a = &t->attrs[i];
        if (!attr_allowed(r->kind, a, p))
            continue;
        if (attr_is(a, "rel")) {
            if (has_rel)
                continue;
            has_rel = 1;
        }
        put_attr(out, a);
    }
    if (r->kind == K_A && p->untrusted && !has_rel)
        buf_puts(out, " " REL_ATTR_TEXT);
    buf_puts(out, r->is_void ? " />" : ">");
}

/* Append discount's html (n bytes) to out, passing text through (NUL
** bytes dropped) and every tag through emit_tag; a '<' that does not start
** an allowed, well-formed tag becomes "&lt;". */
static void sanitize(buf *out, const char *html, size_t n, const policy *p)
{
    size_t i = 0, start = 0;
    while (i < n) {
        char c = html[i];
        if (c != '<' && c != '\0') {
            i++;
            continue;
        }
        buf_append(out, html + start, i - start);
        if (c == '\0') {
            start = ++i;
            continue;
        }
        tag t;
        size_t len = parse_tag(html + i, n - i, &t);
        if (len) {
            emit_tag(out, &t, p);
            i += len;
        } else {
            buf_puts(out, "&lt;");
            i++;
        }
        start = i;
    }
    buf_append(out, html + start, n - start);
}

/* ---- rendering --------------------------------------------------------- */

/* Render len bytes of src with discount flags and append the allowlisted
** HTML to out. Returns 0, or -1 (see md.h). */
static int render(buf *out, const char *src, size_t len, mkd_flag_t flags, const policy *p)
{
    if (len > INT_MAX)
        return -1;
    if (len == 0)
        return buf_failed(out) ? -1 : 0;
    mkd_initialize(); /* idempotent: sets up discount's tag table once */
    render_ctx ctx = {'\0', 0};
    MMIOT *doc = mkd_string(src, (int)len, flags);
    if (!doc)
        return -1;
    mkd_e_code_format(doc, code_block);
    mkd_e_free(doc, free_cb);
    mkd_e_data(doc, &ctx);
    if (p->untrusted)
        mkd_e_flags(doc, rel_flags);
    int rc = -1;
    if (mkd_compile(doc, flags)) {
        char *html = NULL;
        int n = mkd_document(doc, &html);
        if (n >= 0 && (html || n == 0)) {
            if (n > 0)
                sanitize(out, html, (size_t)n, p);
            rc = 0;
        }
    }
    mkd_cleanup(doc);
    if (ctx.failed || buf_failed(out))
        rc = -1;
    return rc;
}

/* Staff Markdown: relative or https images, no rel (see md.h). */
int md_render_trusted(buf *out, const char *src, size_t len)
{
    policy p = {0, IMG_HTTPS_OR_RELATIVE};
    return render(out, src, len, MD_COMMON_FLAGS, &p);
}

/* User Markdown: https images only when allowed, rel on links (see md.h). */
int md_render_untrusted(buf *out, const char *src, size_t len, int allow_images)
{
    policy p = {1, allow_images ? IMG_HTTPS : IMG_NONE};
    mkd_flag_t flags = MD_COMMON_FLAGS | (allow_images ? 0 : (mkd_flag_t)MKD_NOIMAGE);
    return render(out, src, len, flags, &p);
}
