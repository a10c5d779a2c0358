/*
** kept.c: parts of signed-in pages kept per worker under their own version
** (user-generated pages: the activity gallery; the workspace nav's unread
** count), and the slots that put the asker's own parts back into a kept
** fragment on every answer.
**
** A kept fragment is rendered once for everyone who may see it and never
** holds anything of the person it was first built for. What differs per
** person is written into it as slots, HTML comments carrying a secret of
** this process (made at first use, after the fork, and never sent out):
**
**   <!--k:SECRET:csrf-->                       the asker's CSRF token
**   <!--k:SECRET:mine:UID--> ... <!--k:SECRET:/mine-->
**                                              kept only when the asker is
**                                              user UID (their delete form)
**   <!--k:SECRET:at:ID--> ... <!--k:SECRET:/at-->
**                                              kept only when ID is the
**                                              answer's mark (the reader's
**                                              first unread post)
**
** Text a person wrote cannot forge a slot: it does not know the secret,
** and every slot is replaced or removed before an answer leaves.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "buf.h"
#include "cache.h"
#include "crypto.h"
#include "date.h"
#include "log.h"
#include "pages.h"
#include "store_discuss.h"
#include "store_kept.h"
#include "tmpl.h"

/* Bounds of this worker's kept parts: gallery pages and thread pages. */
enum { KEPT_MAX_ENTRIES = 4096, KEPT_MAX_BYTES = 24 << 20 };

/* How long a kept unread count stays good at most (its version is a sum
** that only grows, so this bounds what an unforeseen change could hide). */
enum { UNREAD_KEEP_SECONDS = 60 };

static cache *kept;          /* this process's kept parts, made on first use */
static char secret[17];      /* this process's slot secret, "" until made */

/* This process's cache (made on first use, so after the fork); NULL when
** out of memory. */
static cache *kept_cache(void)
{
    if (!kept)
        kept = cache_new(KEPT_MAX_ENTRIES, KEPT_MAX_BYTES);
    return kept;
}

/* This process's slot secret: 16 letters and digits from a random token. */
static const char *slot_secret(void)
{
    if (!secret[0]) {
        char t[CRYPTO_TOKEN_LEN + 1];
        size_t n = 0;
        while (n < sizeof secret - 1) {
            crypto_token(t);
            for (const char *p = t; *p && n < sizeof secret - 1; p++)
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
                    secret[n++] = *p;
        }
        secret[n] = '\0';
    }
    return secret;
}

const char *page_slot_mine(request *rq, int64_t user_id)
{
    return arena_printf(rq->a, "<!--k:%s:mine:%lld-->", slot_secret(), (long long)user_id);
}

const char *page_slot_at(request *rq, int64_t id)
{
    return arena_printf(rq->a, "<!--k:%s:at:%lld-->", slot_secret(), (long long)id);
}

json_t *page_slots(request *rq)
{
    const char *s = slot_secret();
    return json_pack("{s:s, s:s, s:s}", "csrf_html", arena_printf(rq->a, "<!--k:%s:csrf-->", s), "mine_end_html",
                     arena_printf(rq->a, "<!--k:%s:/mine-->", s), "at_end_html",
                     arena_printf(rq->a, "<!--k:%s:/at-->", s));
}

/* A kept fragment is stored with the places of its slots in front of it,
** found once when it is kept, so an answer copies the text between them
** instead of searching 40 KB for slots every time:
**
**   slot_head | slot_op * n_ops | the fragment (html_len bytes)
**
** Both are read with memcpy: the cache's copy has no alignment promise. */
enum { SLOT_CSRF, SLOT_MINE, SLOT_AT, SLOT_END };

typedef struct slot_head {
    uint32_t n_ops, html_len, n_csrf;
} slot_head;

typedef struct slot_op {
    uint32_t at;      /* where the slot's comment starts */
    uint32_t after;   /* just past it */
    uint32_t skip;    /* mine, at: just past the section's end slot (html_len when it has none) */
    int kind;         /* SLOT_* */
    int64_t arg;      /* mine: the user's id; at: the post's id */
} slot_op;

/* The slots of html (n bytes, under 4 GB) as a blob laid out as above, in
** b. Comments that open like a slot but are not one of ours are left as
** text (a person's text cannot hold the secret anyway). */
static void slots_index(const char *html, size_t n, buf *b)
{
    char open[32];
    snprintf(open, sizeof open, "<!--k:%s:", slot_secret());
    size_t olen = strlen(open);
    slot_op *ops = NULL;
    size_t n_ops = 0, cap = 0;
    uint32_t n_csrf = 0;
    const char *p = html, *end = html + n;
    const char *hit;
    while (p < end && (hit = memmem(p, (size_t)(end - p), open, olen)) != NULL) {
        const char *q = hit + olen;
        const char *close = memmem(q, (size_t)(end - q), "-->", 3);
        slot_op op = {(uint32_t)(hit - html), close ? (uint32_t)(close + 3 - html) : (uint32_t)n, (uint32_t)n,
                      SLOT_END, 0};
        const char *what = NULL;
        /* no end (cannot happen): len 0, the rest dropped as a SLOT_END */
        size_t len = close ? (size_t)(close - q) : 0;
        if (len == 4 && !memcmp(q, "csrf", 4)) {
            op.kind = SLOT_CSRF;
            n_csrf++;
        } else if (len > 5 && !memcmp(q, "mine:", 5)) {
            op.kind = SLOT_MINE;
            op.arg = strtoll(q + 5, NULL, 10);
            what = "mine";
        } else if (len > 3 && !memcmp(q, "at:", 3)) {
            op.kind = SLOT_AT;
            op.arg = strtoll(q + 3, NULL, 10);
            what = "at";
        }
        if (what) {
            char shut[48];
            int w = snprintf(shut, sizeof shut, "%s/%s-->", open, what);
            const char *e = memmem(close + 3, (size_t)(end - close - 3), shut, (size_t)w);
            op.skip = e ? (uint32_t)(e + w - html) : (uint32_t)n;
        }
        if (n_ops == cap) {
            cap = cap ? cap * 2 : 64;
            slot_op *grown = realloc(ops, cap * sizeof *ops);
            if (!grown) {
                free(ops);
                b->failed = 1;
                return;
            }
            ops = grown;
        }
        ops[n_ops++] = op;
        p = html + op.after;
    }
    slot_head h = {(uint32_t)n_ops, (uint32_t)n, n_csrf};
    buf_append(b, (const char *)&h, sizeof h);
    if (n_ops)
        buf_append(b, (const char *)ops, n_ops * sizeof *ops);
    buf_append(b, html, n);
    free(ops);
}

/* The token the asker's forms carry: rq's CSRF token when it is made of
** token characters only, else "" (such a form is refused as expired). */
static const char *csrf_of(const request *rq)
{
    const char *t = rq->csrf;
    if (!t || strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(t))
        return "";
    return t;
}

/* The fragment of blob (n bytes, from slots_index) with every slot
** filled for rq and mark, in rq's arena; *out_n its length. NULL when the
** blob is damaged (cannot happen: it never leaves this process). */
static const char *slots_apply(request *rq, const char *blob, size_t n, int64_t mark, size_t *out_n)
{
    slot_head h;
    if (n < sizeof h)
        return NULL;
    memcpy(&h, blob, sizeof h);
    size_t ops_at = sizeof h, html_at = ops_at + (size_t)h.n_ops * sizeof(slot_op);
    if (html_at > n || n - html_at != h.html_len)
        return NULL;
    const char *html = blob + html_at;
    const char *csrf = csrf_of(rq);
    size_t clen = strlen(csrf);
    int64_t me = rq->session ? rq->session->u.id : 0;
    char *out = arena_alloc(rq->a, (size_t)h.html_len + (size_t)h.n_csrf * clen + 1);
    size_t pos = 0, o = 0;
    for (uint32_t i = 0; i < h.n_ops; i++) {
        slot_op op;
        memcpy(&op, blob + ops_at + (size_t)i * sizeof op, sizeof op);
        if (op.at < pos)
            continue;   /* inside a section left out */
        memcpy(out + o, html + pos, op.at - pos);
        o += op.at - pos;
        pos = op.after;
        if (op.kind == SLOT_CSRF) {
            memcpy(out + o, csrf, clen);
            o += clen;
        } else if (op.kind == SLOT_MINE && (op.arg != me || me == 0)) {
            pos = op.skip;   /* someone else's */
        } else if (op.kind == SLOT_AT && (op.arg != mark || mark == 0)) {
            pos = op.skip;   /* not the marked one */
        }
        /* SLOT_END, and a section that is kept: its slot removed */
    }
    memcpy(out + o, html + pos, h.html_len - pos);
    o += h.html_len - pos;
    out[o] = '\0';
    *out_n = o;
    return out;
}

/* See pages.h. */
void page_slots_index(const char *html, size_t n, buf *b)
{
    slots_index(html, n, b);
}

/* See pages.h. */
const char *page_slots_apply(request *rq, const char *blob, size_t n, size_t *out_n)
{
    return slots_apply(rq, blob, n, 0, out_n);
}

int page_fragment_kept(request *rq, const char *name, const char *key, uint64_t version, time_t expires,
                       page_fragment_fn build, void *arg, int64_t mark, const char **html, size_t *len)
{
    app *ap = page_app(rq);
    cache *c = key ? kept_cache() : NULL;
    /* the template and the day are part of the key: labels depend on it */
    const char *k = key ? arena_printf(rq->a, "%s %d %s", name, (int)date_today(), key) : NULL;
    size_t n = 0;
    const char *hit = c ? cache_get(c, k, version, time(NULL), &n) : NULL;
    if (hit && (*html = slots_apply(rq, hit, n, mark, len)) != NULL)
        return 0;
    json_t *ctx = NULL;
    int rc = build(rq, arg, &ctx, &expires);
    if (rc != 0) {
        json_decref(ctx);
        return rc;
    }
    json_object_set_new(ctx, "slot", page_slots(rq));
    buf frag = BUF_INIT;
    rc = tmpl_render(ap->tmpl, name, ctx, &frag);
    json_decref(ctx);
    if (rc != 0 || buf_failed(&frag)) {
        log_error("rendering %s failed", name);
        buf_free(&frag);
        return 500;
    }
    buf blob = BUF_INIT;
    slots_index(frag.data, frag.len, &blob);
    buf_free(&frag);
    *html = buf_failed(&blob) ? NULL : slots_apply(rq, blob.data, blob.len, mark, len);
    if (*html && c)
        cache_put(c, k, version, expires, blob.data, blob.len);
    buf_free(&blob);
    if (!*html) {
        log_error("rendering %s: out of memory", name);
        return 500;
    }
    return 0;
}

/* See pages.h. */
int page_kept_ints(const char *key, uint64_t version, int64_t *v, int n)
{
    cache *c = kept_cache();
    size_t len = 0;
    const char *hit = c ? cache_get(c, key, version, time(NULL), &len) : NULL;
    if (!hit || len != (size_t)n * sizeof *v)
        return 0;
    memcpy(v, hit, len);
    return 1;
}

/* See pages.h. */
void page_keep_ints(const char *key, uint64_t version, time_t expires, const int64_t *v, int n)
{
    cache *c = kept_cache();
    if (c)
        cache_put(c, key, version, expires, (const char *)v, (size_t)n * sizeof *v);
}

int page_unread_kept(request *rq, int64_t offering_id, int64_t user_id, int post_first_applies)
{
    db *d = page_app(rq)->db;
    int64_t version = 0;
    cache *c = kept_cache();
    if (!c || store_unread_version(d, offering_id, user_id, &version) != 0)
        return store_unread_total(d, offering_id, user_id, post_first_applies);
    const char *k = arena_printf(rq->a, "unread %lld %lld %d", (long long)offering_id, (long long)user_id,
                                 post_first_applies != 0);
    size_t n = 0;
    time_t now = time(NULL);
    const char *hit = cache_get(c, k, (uint64_t)version, now, &n);
    if (hit && n > 0 && n < 16) {
        char num[16];
        memcpy(num, hit, n);
        num[n] = '\0';
        return atoi(num);
    }
    int total = store_unread_total(d, offering_id, user_id, post_first_applies);
    if (total >= 0) {
        char num[16];
        int w = snprintf(num, sizeof num, "%d", total);
        cache_put(c, k, (uint64_t)version, now + UNREAD_KEEP_SECONDS, num, (size_t)w);
    }
    return total;
}
