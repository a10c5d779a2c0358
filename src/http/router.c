/*
** router.c: the route table compiled with PCRE2 (see router.h).
*/
#define PCRE2_CODE_UNIT_WIDTH 8
#include "router.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct router {
    const route *table;
    size_t n;
    pcre2_code **code;
    size_t *lit;          /* the length of each pattern's literal start (literal_prefix) */
    pcre2_match_data *md; /* one per process: workers are single-threaded */
};

/* How many bytes at the start of pattern are literal text that every
** match begins with: those before its first metacharacter, less the last
** one when a quantifier follows it; 0 when an alternative outside any
** group could start with anything else. A path that does not begin with
** them cannot match, which is cheaper to see than to ask PCRE2. */
static size_t literal_prefix(const char *pattern)
{
    int depth = 0;
    for (const char *p = pattern; *p; p++) {
        if (*p == '\\') {
            if (!*++p)
                break;
        } else if (*p == '[') {
            p += p[1] == ']' ? 2 : 1;   /* a ']' first in a class is literal */
            while (*p && *p != ']')
                p += *p == '\\' && p[1] ? 2 : 1;
            if (!*p)
                return 0;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            depth--;
        } else if (*p == '|' && depth == 0) {
            return 0;
        }
    }
    size_t n = strcspn(pattern, "\\^$.[]|()?*+{}");
    if (n > 0 && strchr("?*+{", pattern[n]) && pattern[n] != '\0')
        n--;
    return n;
}

router *router_new(const route *table, size_t n, buf *err)
{
    router *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->table = table;
    r->n = n;
    r->code = calloc(n ? n : 1, sizeof *r->code);
    r->lit = calloc(n ? n : 1, sizeof *r->lit);
    if (!r->code || !r->lit) {
        free(r->code);
        free(r->lit);
        free(r);
        return NULL;
    }
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        int ec;
        PCRE2_SIZE off;
        r->code[i] = pcre2_compile((PCRE2_SPTR)table[i].pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_NO_UTF_CHECK,
                                   &ec, &off, NULL);
        if (!r->code[i]) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof msg);
            buf_printf(err, "route %s %s: %s at offset %zu\n", table[i].method, table[i].pattern,
                       (const char *)msg, (size_t)off);
            failed = 1;
            continue;
        }
        pcre2_jit_compile(r->code[i], PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
        r->lit[i] = literal_prefix(table[i].pattern);
    }
    r->md = pcre2_match_data_create(HTTP_MAX_PARAMS + 1, NULL);
    if (failed || !r->md) {
        router_free(r);
        return NULL;
    }
    return r;
}

void router_free(router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        pcre2_code_free(r->code[i]);
    free(r->code);
    free(r->lit);
    pcre2_match_data_free(r->md);
    free(r);
}

/* Whether a request method is served by a route declared for method. */
static int method_ok(const char *declared, const char *method)
{
    return !strcmp(declared, method) || (!strcmp(declared, "GET") && !strcmp(method, "HEAD"));
}

int router_match(const router *r, request *rq, const route **out, buf *allow)
{
    int path_seen = 0;
    size_t plen = strlen(rq->path);
    for (size_t i = 0; i < r->n; i++) {
        if (r->lit[i] && (plen < r->lit[i] || memcmp(rq->path, r->table[i].pattern, r->lit[i])))
            continue;
        int rc = pcre2_match(r->code[i], (PCRE2_SPTR)rq->path, plen, 0, 0, r->md, NULL);
        if (rc <= 0)
            continue;
        const route *rt = &r->table[i];
        if (!method_ok(rt->method, rq->method)) {
            if (allow->len && strstr(buf_str(allow), rt->method))
                continue;
            buf_printf(allow, "%s%s%s", allow->len ? ", " : "", rt->method,
                       !strcmp(rt->method, "GET") ? ", HEAD" : "");
            path_seen = 1;
            continue;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
        rq->n_param = 0;
        for (int k = 1; k < rc && k <= HTTP_MAX_PARAMS; k++) {
            if (ov[2 * k] == PCRE2_UNSET)
                rq->param[rq->n_param++] = NULL;
            else
                rq->param[rq->n_param++] = arena_strndup(rq->a, rq->path + ov[2 * k], ov[2 * k + 1] - ov[2 * k]);
        }
        *out = rt;
        return ROUTE_FOUND;
    }
    return path_seen ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}
