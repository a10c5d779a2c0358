/*
** test_form.c: unit tests for form.h — urlencoded parsing (normal, encoded,
** UTF-8 and hostile input) and Cookie header parsing.
*/
#include "form.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

/* Parse the C string s with form_parse; returns its result. */
static int parse(arena *a, const char *s, kvlist *out, const char **err)
{
    *err = NULL;
    return form_parse(a, s, strlen(s), out, err);
}

/* Check that form_parse refuses s[0..n): -1, a non-empty message, an empty
** list. */
static void expect_error_n(arena *a, const char *s, size_t n, const char *what)
{
    kvlist l = {(kv *)1, 99};
    const char *err = NULL;
    int rc = form_parse(a, s, n, &l, &err);
    if (rc != -1 || !err || !*err || l.n != 0 || l.items != NULL)
        fprintf(stderr, "  (while refusing %s)\n", what);
    CHECK(rc == -1);
    CHECK(err != NULL && err[0] != '\0');
    CHECK(l.n == 0);
    CHECK(l.items == NULL);
}

/* expect_error_n on a C string. */
static void expect_error(arena *a, const char *s)
{
    expect_error_n(a, s, strlen(s), s);
}

/* Plain pairs, encodings, repeated keys, empty values and empty pairs. */
static void test_basic(arena *a)
{
    kvlist l;
    const char *err;

    CHECK(parse(a, "a=1&b=two&c=3", &l, &err) == 0);
    CHECK(l.n == 3);
    CHECK_STR(l.items[0].key, "a");
    CHECK_STR(l.items[0].val, "1");
    CHECK(l.items[0].len == 1);
    CHECK_STR(l.items[1].key, "b");
    CHECK_STR(l.items[1].val, "two");
    CHECK(l.items[1].len == 3);
    CHECK_STR(kv_get(&l, "c"), "3");
    CHECK(kv_get(&l, "d") == NULL);
    CHECK(kv_count(&l, "a") == 1);
    CHECK(kv_count(&l, "zz") == 0);

    CHECK(parse(a, "q=hello+world&r=hello%20world&s=a%2Bb&t=100%25", &l,
                &err) == 0);
    CHECK(l.n == 4);
    CHECK_STR(kv_get(&l, "q"), "hello world");
    CHECK_STR(kv_get(&l, "r"), "hello world");
    CHECK_STR(kv_get(&l, "s"), "a+b");
    CHECK_STR(kv_get(&l, "t"), "100%");
    CHECK(l.items[0].len == 11);

    CHECK(parse(a, "my+key=v&k%C3%A9y=caf%C3%A9&raw=\xC3\xA9t\xC3\xA9", &l,
                &err) == 0);
    CHECK_STR(kv_get(&l, "my key"), "v");
    CHECK_STR(kv_get(&l, "k\xC3\xA9y"), "caf\xC3\xA9");
    CHECK(l.items[1].len == 5);
    CHECK_STR(kv_get(&l, "raw"), "\xC3\xA9t\xC3\xA9");
    /* Four-byte sequence (U+1F600) and the highest code point. */
    CHECK(parse(a, "e=%F0%9F%98%80&m=%F4%8F%BF%BF", &l, &err) == 0);
    CHECK_STR(kv_get(&l, "e"), "\xF0\x9F\x98\x80");

    CHECK(parse(a, "tag=x&tag=y&other=1&tag=z", &l, &err) == 0);
    CHECK(l.n == 4);
    CHECK(kv_count(&l, "tag") == 3);
    CHECK_STR(kv_get(&l, "tag"), "x");
    CHECK_STR(l.items[1].val, "y");
    CHECK_STR(l.items[3].val, "z");

    CHECK(parse(a, "empty=&flag&x=1", &l, &err) == 0);
    CHECK(l.n == 3);
    CHECK_STR(kv_get(&l, "empty"), "");
    CHECK(l.items[0].len == 0);
    CHECK_STR(kv_get(&l, "flag"), "");
    CHECK(l.items[1].len == 0);

    CHECK(parse(a, "&&a=1&&b=2&&", &l, &err) == 0);
    CHECK(l.n == 2);
    CHECK_STR(l.items[0].key, "a");
    CHECK_STR(l.items[1].key, "b");

    /* Only the first '=' splits; the rest belong to the value. */
    CHECK(parse(a, "eq=a=b==", &l, &err) == 0);
    CHECK_STR(kv_get(&l, "eq"), "a=b==");

    /* Empty and all-separator input: nothing, no error. */
    CHECK(parse(a, "", &l, &err) == 0);
    CHECK(l.n == 0);
    CHECK(parse(a, "&&&", &l, &err) == 0);
    CHECK(l.n == 0);
    CHECK(form_parse(a, NULL, 0, &l, &err) == 0);
    CHECK(l.n == 0);

    /* Only n bytes are read: the rest of the string is ignored. */
    CHECK(form_parse(a, "a=1&b=2", 3, &l, &err) == 0);
    CHECK(l.n == 1);
    CHECK_STR(kv_get(&l, "a"), "1");
    /* An escape cut by n is an error, not a read past the end. */
    expect_error_n(a, "a=%41", 4, "escape cut by n");

    /* Key of exactly FORM_MAX_KEY bytes (after decoding) is fine. */
    char key[FORM_MAX_KEY + 8];
    memset(key, 'k', FORM_MAX_KEY);
    strcpy(key + FORM_MAX_KEY, "=1");
    CHECK(parse(a, key, &l, &err) == 0);
    CHECK(l.n == 1);
    CHECK(strlen(l.items[0].key) == FORM_MAX_KEY);

    /* kv_get / kv_count are NULL-safe. */
    CHECK(kv_get(NULL, "a") == NULL);
    CHECK(kv_get(&l, NULL) == NULL);
    CHECK(kv_count(NULL, "a") == 0);
}

/* Every hostile input is refused with a message and an empty list. */
static void test_hostile(arena *a)
{
    expect_error(a, "a=%");
    expect_error(a, "a=%4");
    expect_error(a, "a=%zz");
    expect_error(a, "a=%4g");
    expect_error(a, "%=1");
    expect_error(a, "ok=1&a=x%");
    expect_error(a, "a=%00");
    expect_error(a, "a%00b=1");
    expect_error_n(a, "a=1\0b=2", 7, "raw NUL in the value area");
    expect_error_n(a, "a\0=1", 4, "raw NUL in a key");
    expect_error(a, "a=%C0%AF");      /* overlong '/' */
    expect_error(a, "a=%E0%80%AF");   /* overlong, three bytes */
    expect_error(a, "a=%C3%28");      /* invalid continuation */
    expect_error(a, "a=%C3");         /* truncated sequence */
    expect_error(a, "a=%80");         /* stray continuation */
    expect_error(a, "a=%ED%A0%80");   /* UTF-16 surrogate */
    expect_error(a, "a=%F4%90%80%80"); /* above U+10FFFF */
    expect_error(a, "a=%FF");
    expect_error(a, "a=\xC0\xAF");    /* raw overlong */
    expect_error(a, "%ED%A0%80=1");   /* bad UTF-8 in a key */
    expect_error(a, "=x");
    expect_error(a, "=");
    expect_error(a, "a=1&=x");

    /* Key of 129 bytes, raw and via escapes. */
    char key[FORM_MAX_KEY + 8];
    memset(key, 'k', FORM_MAX_KEY + 1);
    strcpy(key + FORM_MAX_KEY + 1, "=1");
    expect_error(a, key);
    key[FORM_MAX_KEY + 1] = '\0';
    expect_error(a, key); /* no '=' either */
    buf esc = BUF_INIT;
    for (int i = 0; i < FORM_MAX_KEY + 1; i++)
        buf_puts(&esc, "%41");
    buf_puts(&esc, "=1");
    expect_error(a, buf_str(&esc));
    buf_free(&esc);

    /* 256 pairs are fine, 257 are not. */
    buf many = BUF_INIT;
    for (int i = 0; i < FORM_MAX_PAIRS; i++)
        buf_printf(&many, "%sk%d=%d", i ? "&" : "", i, i);
    kvlist l;
    const char *err;
    CHECK(parse(a, buf_str(&many), &l, &err) == 0);
    CHECK(l.n == FORM_MAX_PAIRS);
    CHECK_STR(l.items[255].key, "k255");
    buf_puts(&many, "&one=more");
    expect_error(a, buf_str(&many));
    buf_free(&many);

    /* A 1 MB value is fine, escaped or not. */
    size_t big = 1024 * 1024;
    char *s = malloc(big + 3);
    memcpy(s, "v=", 2);
    memset(s + 2, 'x', big);
    s[big + 2] = '\0';
    s[2] = '+';
    CHECK(parse(a, s, &l, &err) == 0);
    CHECK(l.n == 1);
    CHECK(l.items[0].len == big);
    CHECK(strlen(l.items[0].val) == big);
    CHECK(l.items[0].val[0] == ' ');
    free(s);
    buf enc = BUF_INIT;
    buf_puts(&enc, "v=");
    for (size_t i = 0; i < big / 3; i++)
        buf_puts(&enc, "%41");
    CHECK(parse(a, buf_str(&enc), &l, &err) == 0);
    CHECK(l.n == 1);
    CHECK(l.items[0].len == big / 3);
    CHECK(l.items[0].val[0] == 'A' && l.items[0].val[big / 3 - 1] == 'A');
    buf_free(&enc);
}

/* Cookie header parsing: lenient, skips junk, strips one pair of quotes. */
static void test_cookies(arena *a)
{
    kvlist l;

    cookie_parse(a, "a=1; b=2", &l);
    CHECK(l.n == 2);
    CHECK_STR(kv_get(&l, "a"), "1");
    CHECK_STR(kv_get(&l, "b"), "2");
    CHECK(l.items[1].len == 1);

    cookie_parse(a, "sid=\"abc def\"; q=\"\"; half=\"x; lone=\"", &l);
    CHECK_STR(kv_get(&l, "sid"), "abc def");
    CHECK(l.items[0].len == 7);
    CHECK_STR(kv_get(&l, "q"), "");
    CHECK_STR(kv_get(&l, "half"), "\"x");
    CHECK_STR(kv_get(&l, "lone"), "\"");

    cookie_parse(a, "  a = 1 ;\tb=2\t;c=%41+x ", &l);
    CHECK(l.n == 3);
    CHECK_STR(kv_get(&l, "a"), "1");
    CHECK_STR(kv_get(&l, "b"), "2");
    CHECK_STR(kv_get(&l, "c"), "%41+x"); /* verbatim, not decoded */

    cookie_parse(a, ";;a=1;;junk; =nokey; b c=2; d(=3; e\"=4; f=;g=5=6;;", &l);
    CHECK(l.n == 3);
    CHECK_STR(l.items[0].key, "a");
    CHECK_STR(l.items[1].key, "f");
    CHECK_STR(l.items[1].val, "");
    CHECK(l.items[1].len == 0);
    CHECK_STR(l.items[2].key, "g");
    CHECK_STR(l.items[2].val, "5=6");
    CHECK(kv_get(&l, "junk") == NULL);
    CHECK(kv_get(&l, "b c") == NULL);

    cookie_parse(a, "n\xC3\xA9=1; ok=2; ctl\x01=3", &l);
    CHECK(l.n == 1);
    CHECK_STR(l.items[0].key, "ok");

    cookie_parse(a, "dup=1; dup=2; x=0; dup=3", &l);
    CHECK(l.n == 4);
    CHECK(kv_count(&l, "dup") == 3);
    CHECK_STR(kv_get(&l, "dup"), "1");

    cookie_parse(a, NULL, &l);
    CHECK(l.n == 0);
    cookie_parse(a, "", &l);
    CHECK(l.n == 0);
    cookie_parse(a, ";;; ;", &l);
    CHECK(l.n == 0);
    cookie_parse(a, "nothing", &l);
    CHECK(l.n == 0);

    /* At most FORM_MAX_PAIRS kept, the first ones. */
    buf many = BUF_INIT;
    for (int i = 0; i < FORM_MAX_PAIRS + 50; i++)
        buf_printf(&many, "c%d=%d; ", i, i);
    cookie_parse(a, buf_str(&many), &l);
    CHECK(l.n == FORM_MAX_PAIRS);
    CHECK_STR(l.items[0].key, "c0");
    CHECK_STR(l.items[FORM_MAX_PAIRS - 1].key, "c255");
    buf_free(&many);
}

int main(void)
{
    arena *a = arena_new(0);
    test_basic(a);
    arena_reset(a);
    test_hostile(a);
    arena_reset(a);
    test_cookies(a);
    arena_free(a);
    return check_done();
}
