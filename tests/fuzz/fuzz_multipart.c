/*
** fuzz_multipart.c: libFuzzer target for the multipart parser
** (multipart.h) and the content sniffer (sniff.h).
**
** The first line of an input (up to 80 bytes) is the Content-Type header,
** the rest the body. Besides the sanitizers, the target checks the
** promises of multipart.h and aborts when one is broken: every part lies
** inside the body, in order, names are non-empty clean text, file names
** have no folder separators, and the limits hold. Every file part is also
** given to sniff().
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "multipart.h"
#include "sniff.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless s is a non-empty, clean, NUL-terminated string. */
static void check_text(const char *s, int may_be_empty)
{
    if (!s || (!may_be_empty && !*s))
        abort();
    size_t n = strlen(s);
    if (!text_utf8_valid(s, n))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static arena *a;
    if (!a)
        a = arena_new(0);
    arena_reset(a);
    const uint8_t *nl = memchr(data, '\n', size < 80 ? size : 80);
    const char *ct = "multipart/form-data; boundary=XyZ";
    const char *body = (const char *)data;
    size_t n = size;
    if (nl) {
        ct = arena_strndup(a, (const char *)data, (size_t)(nl - data));
        body = (const char *)nl + 1;
        n = size - (size_t)(nl - data) - 1;
    }
    const char *boundary = multipart_boundary(a, ct);
    if (!boundary)
        boundary = "XyZ";
    if (strlen(boundary) > MP_MAX_BOUNDARY)
        abort();
    mp_limits lim = multipart_limits_default();
    lim.max_parts = 16;
    lim.max_header = 256;
    lim.max_files = 3;
    lim.max_file = 1024;
    lim.max_files_total = 2048;
    lim.max_field = 512;
    mp_part *parts = NULL;
    size_t np = 99;
    const char *err = NULL;
    int rc = multipart_parse(a, body, n, boundary, &lim, &parts, &np, &err);
    if (rc) {
        if ((rc != 400 && rc != 413) || !err || !*err || np != 0 || parts)
            abort();
        return 0;
    }
    if (np > lim.max_parts || (np && !parts))
        abort();
    size_t files = 0, total = 0, last_end = 0;
    for (size_t i = 0; i < np; i++) {
        const mp_part *p = &parts[i];
        if (p->off < last_end || p->off > n || p->len > n - p->off)
            abort();
        last_end = p->off + p->len;
        check_text(p->name, 0);
        if (p->filename) {
            check_text(p->filename, 0);
            if (strchr(p->filename, '/') || strchr(p->filename, '\\') || strlen(p->filename) > MP_MAX_FILENAME ||
                !strcmp(p->filename, ".") || !strcmp(p->filename, ".."))
                abort();
            files++;
            total += p->len;
            if (p->len > lim.max_file)
                abort();
            (void)sniff((const unsigned char *)body + p->off, p->len);
        } else if (p->len > lim.max_field) {
            abort();
        }
    }
    if (files > lim.max_files || total > lim.max_files_total)
        abort();
    kvlist form = {0};
    if (multipart_form(a, body, parts, np, &form, &err) == 0)
        for (size_t i = 0; i < form.n; i++)
            if (strlen(form.items[i].val) != form.items[i].len)
                abort();
    (void)sniff(data, size);
    return 0;
}
