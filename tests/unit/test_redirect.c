/*
** test_redirect.c: redirect targets built from input stay on this site.
** A corpus of known open-redirect payloads (tabs, CR/LF, backslashes,
** protocol-relative and scheme tricks, single, double and triple percent
** encoding, dot segments, Unicode look-alikes, overlong UTF-8, invisible
** characters) goes through http_local_path() and http_redirect(): every one
** falls back, and ordinary paths come back percent-encoded.
*/
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "http.h"
#include "log.h"

/* Payloads as they reach the program (the form or path decoding done). */
static const char *const hostile[] = {
    "//evil.example",
    "//evil.example/",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "//%09/evil.example",
    "/\r\n/evil.example",
    "/%0d%0a/evil.example",
    "/%0D%0ALocation:%20https://evil.example",
    "/?%0d%0aSet-Cookie:%20x=1",
    "/%2f%2fevil.example",
    "/%2F/evil.example",
    "/%2F%2F%2F",
    "/%5cevil.example",
    "/%5C%5Cevil.example",
    "/%5C/evil.example",
    "/%252f%252fevil.example",
    "/%25252f%25252fevil.example",
    "/%255cevil.example",
    "https://evil.example",
    "http://evil.example",
    "HTTPS://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "%2F%2Fevil.example",
    "",
    " /evil.example",
    "\t//evil.example",
    "/.//evil.example",
    "/./evil.example",
    "/../evil.example",
    "/a/../../evil.example",
    "/%2e%2e/evil.example",
    "/%2e/%2fevil.example",
    "/\xef\xbc\x8f\xef\xbc\x8f" "evil.example",     /* fullwidth solidus */
    "/%EF%BC%8F%EF%BC%8Fevil.example",
    "/\xe2\x88\x95" "evil.example",                 /* division slash */
    "/\xef\xbc\xbc" "evil.example",                 /* fullwidth reverse solidus */
    "/%E2%80%AEelpmaxe.live",                       /* right-to-left override */
    "/\xe2\x80\x8b/evil.example",                   /* zero-width space */
    "/%C0%AF%C0%AFevil.example",                    /* overlong '/' */
    "/%00//evil.example",
    "/%ff",
    "/%C2%85evil.example",                          /* NEL, a C1 control */
    "/evil\x7f",
    "/\xe3\x80\x82" "evil.example",                 /* ideographic full stop */
    "/%E2%80%A8evil.example",                       /* line separator */
};

struct accepted {
    const char *in, *out;
};

static const struct accepted ordinary[] = {
    {"/", "/"},
    {"/my", "/my"},
    {"/offerings/pv-2019-10/register", "/offerings/pv-2019-10/register"},
    {"/signin?next=%2Fmy", "/signin?next=%2Fmy"},
    {"/x?q=a%26b&c=d", "/x?q=a%26b&c=d"},
    {"/courses/a b", "/courses/a%20b"},
    {"/x#frag", "/x%23frag"},
    {"/caf\xc3\xa9", "/caf%C3%A9"},
    {"/a\"<b>'", "/a%22%3Cb%3E'"},
    {"/100%", "/100%25"},
    {"/javascript:alert(1)", "/javascript:alert(1)"},
    {"/x?next=/y", "/x?next=/y"},
    {"/courses/", "/courses/"},
};

/* Every hostile payload falls back; the fallback comes back as given. */
static void test_corpus(void)
{
    arena *a = arena_new(0);
    size_t n = sizeof hostile / sizeof *hostile;
    CHECK(n >= 40);
    for (size_t i = 0; i < n; i++) {
        const char *got = http_local_path(a, hostile[i], "/my");
        if (strcmp(got, "/my"))
            fprintf(stderr, "payload %zu \"%s\" was let through as \"%s\"\n", i, hostile[i], got);
        CHECK_STR(got, "/my");
    }
    CHECK_STR(http_local_path(a, NULL, "/"), "/");
    for (size_t i = 0; i < sizeof ordinary / sizeof *ordinary; i++)
        CHECK_STR(http_local_path(a, ordinary[i].in, "/fallback"), ordinary[i].out);
    /* Longer than any address this site makes. */
    char *lng = malloc(5000);
    memset(lng, 'a', 4999);
    lng[0] = '/';
    lng[4999] = '\0';
    CHECK_STR(http_local_path(a, lng, "/my"), "/my");
    /* Short enough, but too long once encoded; and a '#' is no fragment
    ** (it is encoded), so what follows it is checked as path. */
    memset(lng + 1, ' ', 1000);
    lng[1001] = '\0';
    CHECK_STR(http_local_path(a, lng, "/my"), "/my");
    CHECK_STR(http_local_path(a, "/x#/../y", "/my"), "/my");
    CHECK_STR(http_local_path(a, "/x#//evil.example", "/my"), "/my");
    free(lng);
    arena_free(a);
}

/* The Location header http_redirect writes for location. */
static char *location_of(const char *location)
{
    response rs;
    http_response_init(&rs);
    http_redirect(&rs, 303, location);
    const char *h = strstr(buf_str(&rs.head), "Location: ");
    char *v = h ? strndup(h + 10, strcspn(h + 10, "\r\n")) : strdup("(none)");
    CHECK(rs.status == 303);
    http_response_free(&rs);
    return v;
}

/* http_redirect refuses the same payloads by itself, keeps the provider's
** absolute URLs, and encodes what it writes. */
static void test_redirect(void)
{
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        if (!strncmp(hostile[i], "http", 4) || !strncmp(hostile[i], "HTTP", 4))
            continue; /* absolute URLs are the program's own; see below */
        char *v = location_of(hostile[i]);
        if (strcmp(v, "/"))
            fprintf(stderr, "http_redirect let payload %zu \"%s\" through as \"%s\"\n", i, hostile[i], v);
        CHECK_STR(v, "/");
        free(v);
    }
    char *v = location_of("https://checkout.example/pay/cs_1?x=1");
    CHECK_STR(v, "https://checkout.example/pay/cs_1?x=1");
    free(v);
    v = location_of("https://checkout.example/a b");
    CHECK_STR(v, "/");
    free(v);
    v = location_of("https://checkout.example\\@evil.example/");
    CHECK_STR(v, "/");
    free(v);
    v = location_of("/courses/a b");
    CHECK_STR(v, "/courses/a%20b");
    free(v);
    v = location_of("/signin?next=%2Fmy");
    CHECK_STR(v, "/signin?next=%2Fmy");
    free(v);
    /* the program's own anchor survives; anything else after a '#' is encoded */
    v = location_of("/learn/pv-2019-10/threads/7?page=2#post-42");
    CHECK_STR(v, "/learn/pv-2019-10/threads/7?page=2#post-42");
    free(v);
    v = location_of("/learn/x/playlist#item-3");
    CHECK_STR(v, "/learn/x/playlist#item-3");
    free(v);
    v = location_of("/a#b c");
    CHECK_STR(v, "/a%23b%20c");
    free(v);
    v = location_of("/a#//evil.example");
    CHECK_STR(v, "/");   /* "//" after decoding: refused whole */
    free(v);
    v = location_of("//evil.example#x");
    CHECK_STR(v, "/");
    free(v);
    v = location_of("/a#");
    CHECK_STR(v, "/a%23");
    free(v);
}

/* The Location header http_redirect writes for location and anchor
** ("location#anchor" when anchor is not NULL). */
static char *anchored(const char *location, const char *anchor)
{
    char joined[512];
    snprintf(joined, sizeof joined, "%s%s%s", location, anchor ? "#" : "", anchor ? anchor : "");
    return location_of(joined);
}

/* A plain fragment (a page's own anchor) stays after the checked path;
** anything else after a '#' is encoded or refused with the rest. */
static void test_redirect_anchor(void)
{
    char *v = anchored("/learn/demo-su/activities/a-b/gallery", "submission-3");
    CHECK_STR(v, "/learn/demo-su/activities/a-b/gallery#submission-3");
    free(v);
    v = anchored("/learn/x/threads/1?page=2", "post-9");
    CHECK_STR(v, "/learn/x/threads/1?page=2#post-9");
    free(v);
    v = anchored("/a", NULL);
    CHECK_STR(v, "/a");
    free(v);
    v = anchored("/a", "x\r\nSet-Cookie: s=1");
    CHECK_STR(v, "/");
    free(v);
    v = anchored("/a", "x\"><script>");
    CHECK_STR(v, "/a%23x%22%3E%3Cscript%3E");
    free(v);
    v = anchored("//evil.example/", "top");
    CHECK_STR(v, "/");
    free(v);
}

int main(void)
{
    log_quiet(1);
    test_corpus();
    test_redirect();
    test_redirect_anchor();
    return check_done();
}
