/*
** fuzz_form.c: libFuzzer target for form_parse() and cookie_parse().
**
** Each input is parsed as a urlencoded string (all of its bytes) and, as a
** NUL-terminated copy, as a Cookie header. Besides the sanitizers, the
** target checks the promises of form.h and aborts when one is broken.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless l keeps form.h's invariants: at most FORM_MAX_PAIRS pairs,
** non-NULL strings, len == strlen(val); for form lists also a non-empty key
** of at most FORM_MAX_KEY bytes. */
static void check_list(const kvlist *l, int form)
{
    if (l->n > FORM_MAX_PAIRS || (l->n && !l->items) || (!l->n && l->items))
        abort();
    for (size_t i = 0; i < l->n; i++) {
        const kv *p = &l->items[i];
        if (!p->key || !p->val || strlen(p->val) != p->len || !p->key[0])
            abort();
        if (form && strlen(p->key) > FORM_MAX_KEY)
            abort();
        if (kv_get(l, p->key) == NULL || kv_count(l, p->key) == 0)
            abort();
    }
}

/* The arena is kept across inputs and reset for each, as a worker does. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static arena *a;
    if (!a)
        a = arena_new(0);
    arena_reset(a);

    kvlist l;
    const char *err = NULL;
    int rc = form_parse(a, (const char *)data, size, &l, &err);
    if (rc == 0)
        check_list(&l, 1);
    else if (rc != -1 || !err || !err[0] || l.n != 0 || l.items != NULL)
        abort();

    char *copy = arena_strndup(a, (const char *)data, size);
    cookie_parse(a, copy, &l);
    check_list(&l, 0);
    return 0;
}
