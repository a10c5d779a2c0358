/*
** test_escape.c: unit tests for HTML, URL-component and href escaping.
*/
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "escape.h"

/* esc_html of a C string into *b (reset first); the result lives in *b. */
static const char *html(buf *b, const char *s)
{
    buf_reset(b);
    esc_html(b, s, strlen(s));
    return buf_str(b);
}

/* esc_url of a C string into *b (reset first); the result lives in *b. */
static const char *url(buf *b, const char *s)
{
    buf_reset(b);
    esc_url(b, s, strlen(s));
    return buf_str(b);
}

/* HTML text and attribute escaping, including payloads and NUL bytes. */
static void test_html(void)
{
    buf b = BUF_INIT;
    CHECK_STR(html(&b, "plain text"), "plain text");
    CHECK_STR(html(&b, "a & b < c > d \" e ' f"), "a &amp; b &lt; c &gt; d &quot; e &#39; f");
    CHECK_STR(html(&b, "<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK_STR(html(&b, "\"><img src=x onerror=alert(1)>"),
              "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    CHECK_STR(html(&b, "' onmouseover='x"), "&#39; onmouseover=&#39;x");
    CHECK_STR(html(&b, "&amp;"), "&amp;amp;");
    CHECK_STR(html(&b, "caf\xc3\xa9"), "caf\xc3\xa9");
    CHECK_STR(html(&b, ""), "");
    buf_reset(&b);
    esc_html(&b, "a\0<b\0", 6);
    CHECK_STR(buf_str(&b), "a&lt;b");
    CHECK(b.len == 6);
    buf_reset(&b);
    esc_html(&b, "<<<", 2); /* only n bytes are read */
    CHECK_STR(buf_str(&b), "&lt;&lt;");
    /* the sticky buffer limit is honoured */
    buf small;
    buf_init(&small, 8);
    esc_html(&small, "<<<<<<", 6);
    CHECK(buf_failed(&small));
    buf_free(&small);
    buf_free(&b);
}

/* URL-component encoding keeps only unreserved characters. */
static void test_url(void)
{
    buf b = BUF_INIT;
    CHECK_STR(url(&b, "AZaz09-._~"), "AZaz09-._~");
    CHECK_STR(url(&b, "a b&c=d/e?f#g"), "a%20b%26c%3Dd%2Fe%3Ff%23g");
    CHECK_STR(url(&b, "\"><script>"), "%22%3E%3Cscript%3E");
    CHECK_STR(url(&b, "'+%"), "%27%2B%25");
    CHECK_STR(url(&b, "caf\xc3\xa9"), "caf%C3%A9");
    CHECK_STR(url(&b, ""), "");
    buf_reset(&b);
    esc_url(&b, "a\0b", 3);
    CHECK_STR(buf_str(&b), "a%00b");
    buf_reset(&b);
    esc_url(&b, "abcdef", 3);
    CHECK_STR(buf_str(&b), "abc");
    /* a long input crosses the internal chunk size intact */
    size_t n = 200000;
    char *big = malloc(n);
    CHECK(big != NULL);
    if (big) {
        memset(big, ' ', n);
        big[n - 1] = 'z';
        buf_reset(&b);
        esc_url(&b, big, n);
        CHECK(b.len == (n - 1) * 3 + 1);
        CHECK(b.len > 4 && memcmp(b.data, "%20%20", 6) == 0 && b.data[b.len - 1] == 'z');
        free(big);
    }
    buf_free(&b);
}

/* url_is_safe: allowed schemes and shapes, and the classic bypasses. */
static void test_url_is_safe(void)
{
    CHECK(url_is_safe("/"));
    CHECK(url_is_safe("/courses/intro?x=1#top"));
    CHECK(url_is_safe("#section-2"));
    CHECK(url_is_safe("?page=2"));
    CHECK(url_is_safe("http://example.com/"));
    CHECK(url_is_safe("https://example.com/a?b=c:d"));
    CHECK(url_is_safe("HTTPS://EXAMPLE.COM"));
    CHECK(url_is_safe("mailto:someone@example.com"));
    CHECK(url_is_safe("MailTo:someone@example.com"));
    CHECK(url_is_safe("page.html"));
    CHECK(url_is_safe("../up/page.html"));
    CHECK(url_is_safe("./a:b"));
    CHECK(url_is_safe("a/b:c"));
    CHECK(url_is_safe("a?x=javascript:1"));
    CHECK(url_is_safe("a#javascript:1"));

    CHECK(!url_is_safe(NULL));
    CHECK(!url_is_safe(""));
    CHECK(!url_is_safe("javascript:alert(1)"));
    CHECK(!url_is_safe("JaVaScRiPt:alert(1)"));
    CHECK(!url_is_safe(" javascript:alert(1)"));
    CHECK(!url_is_safe("\tjavascript:alert(1)"));
    CHECK(!url_is_safe("\x01javascript:alert(1)"));
    CHECK(!url_is_safe("java\nscript:alert(1)"));
    CHECK(!url_is_safe("java\tscript:alert(1)"));
    CHECK(!url_is_safe("data:text/html,<script>alert(1)</script>"));
    CHECK(!url_is_safe("vbscript:msgbox(1)"));
    CHECK(!url_is_safe("file:///etc/passwd"));
    CHECK(!url_is_safe("//evil.com"));
    CHECK(!url_is_safe("/\\evil.com"));
    CHECK(!url_is_safe("\\\\evil.com"));
    CHECK(!url_is_safe("\\/evil.com"));
    CHECK(!url_is_safe("https://ok.com/a b"));
    CHECK(!url_is_safe("/path\x7f"));
    CHECK(!url_is_safe("httpx:foo"));
    CHECK(!url_is_safe("httpsx://a"));
    CHECK(!url_is_safe("htt:foo"));
    CHECK(!url_is_safe(":nothing"));
    CHECK(!url_is_safe("ht tp://a"));
}

int main(void)
{
    test_html();
    test_url();
    test_url_is_safe();
    return check_done();
}
