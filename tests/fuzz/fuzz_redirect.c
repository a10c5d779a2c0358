/*
** fuzz_redirect.c: libFuzzer target for http_local_path() and
** http_redirect().
**
** Each input is taken as a redirect target. What comes back is either the
** fallback or a same-site path: it begins with one '/' (not "//" or "/\"),
** holds only printable ASCII without backslashes, and checking it again
** gives it back unchanged. The Location http_redirect writes keeps the same
** promises, and is that checked path followed by the target's own anchor
** when it ends in one ("#post-42"). The target aborts when one is broken.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "http.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless p is a same-site path of printable ASCII. */
static void check_path(const char *p, size_t n)
{
    if (n == 0 || p[0] != '/' || (n > 1 && (p[1] == '/' || p[1] == '\\')))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f || p[i] == '\\')
            abort();
}

/* The arena is kept across inputs and reset for each, as a worker does. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static arena *a;
    if (!a) {
        a = arena_new(0);
        log_quiet(1);
    }
    arena_reset(a);
    const char *in = arena_strndup(a, (const char *)data, size);
    static const char fallback[] = "/fallback";
    const char *out = http_local_path(a, in, fallback);
    if (out != fallback) {
        check_path(out, strlen(out));
        if (strcmp(http_local_path(a, out, fallback), out))
            abort();
    }
    if (in[0] == '/') {
        /* A redirect keeps the page's own anchor ("#post-42": letters,
        ** digits, '-' and '_' ending the target) after the checked path. */
        size_t len = strlen(in), anchor = 0;
        const char *hash = strrchr(in, '#');
        if (hash && hash[1] && strlen(hash + 1) <= 64 &&
            strspn(hash + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == strlen(hash + 1))
            anchor = len - (size_t)(hash - in);
        const char *path = anchor ? arena_strndup(a, in, len - anchor) : in;
        const char *want = http_local_path(a, path, fallback);
        const char *expect = want == fallback ? "/" : anchor ? arena_printf(a, "%s%s", want, hash) : want;
        response rs;
        http_response_init(&rs);
        http_redirect(&rs, 303, in);
        const char *h = strstr(buf_str(&rs.head), "Location: ");
        if (!h)
            abort();
        h += 10;
        size_t n = strcspn(h, "\r\n");
        check_path(h, n);
        if (n != strlen(expect) || strncmp(h, expect, n))
            abort();
        http_response_free(&rs);
    }
    return 0;
}
