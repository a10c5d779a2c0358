/*
** fuzz_tmpl.c: libFuzzer target for the template engine. Each input is
** parsed as a template; if it parses (and its partials resolve against a
** fixed partial), it is rendered against a small fixed JSON context.
** Parse failures must come with a "main:LINE: ..." message.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed context, built once per process and kept for its lifetime. */
static json_t *context(void)
{
    static json_t *ctx;
    if (!ctx) {
        ctx = json_loads(
            "{\"title\":\"<script>alert(1)</script>\",\"n\":42,\"r\":-2.5e30,\"t\":true,"
            "\"f\":false,\"z\":null,\"empty\":[],\"eo\":{},\"link\":\"javascript:alert(1)\","
            "\"ok\":\"/courses/a?b=1&c=2\",\"content_html\":\"<p>x</p>\","
            "\"items\":[{\"title\":\"a\",\"tags\":[\"x\",\"y\"]},{\"title\":\"b\",\"tags\":[]},"
            "\"s\",7,[1,2],null],\"course\":{\"title\":\"C\",\"overview_html\":\"<b>o</b>\","
            "\"modules\":[{\"lessons\":[{\"title\":\"L\"}]}]}}",
            0, NULL);
        if (!ctx)
            abort();
    }
    return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char partial[] =
        "<li>{{@number}} {{title}} {{#each tags}}{{.}}{{/each}}</li>";
    tmpl_set *set = tmpl_new();
    buf err = BUF_INIT;
    if (tmpl_add(set, "partials/item", partial, strlen(partial), &err) != 0)
        abort();
    if (tmpl_add(set, "main", (const char *)data, size, &err) == 0 &&
        tmpl_check(set, &err) == 0) {
        if (err.len != 0)
            abort();
        buf out;
        buf_init(&out, 1 << 20);
        int rc = tmpl_render(set, "main", context(), &out);
        if (rc != 0 && rc != -1)
            abort();
        buf_free(&out);
    } else if (strncmp(buf_str(&err), "main:", 5) != 0 || err.data[err.len - 1] != '\n') {
        abort();
    }
    buf_free(&err);
    tmpl_free(set);
    return 0;
}
