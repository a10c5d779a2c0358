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

/* The rest of a section from p (which ends before end) to past its closing
** slot open + "/" + what + "-->", or end when it is missing. */
static const char *skip_section(const char *p, const char *end, const char *open, const char *what)
{
    char shut[48];
    int w = snprintf(shut, sizeof shut, "%s/%s-->", open, what);
    const char *e = memmem(p, (size_t)(end - p), shut, (size_t)w);
    return e ? e + w : end;
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

const char *page_slots_fill(request *rq, const char *html, size_t n, int64_t mark, size_t *out_n)
{
    char open[32];
    snprintf(open, sizeof open, "<!--k:%s:", slot_secret());
    size_t olen = strlen(open);
    int64_t me = rq->session ? rq->session->u.id : 0;
    buf b = BUF_INIT;
    const char *p = html, *end = html + n;
    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), open, olen);
        if (!hit) {
            buf_append(&b, p, (size_t)(end - p));
            break;
        }
        buf_append(&b, p, (size_t)(hit - p));
        const char *q = hit + olen;
        const char *close = memmem(q, (size_t)(end - q), "-->", 3);
        if (!close)
            break;   /* not one of ours (cannot happen): drop the rest rather than show a slot */
        p = close + 3;
        if ((size_t)(close - q) == 4 && !memcmp(q, "csrf", 4)) {
            buf_puts(&b, csrf_of(rq));
        } else if ((size_t)(close - q) > 5 && !memcmp(q, "mine:", 5)) {
            long long uid = strtoll(q + 5, NULL, 10);
            if (uid != me || me == 0)
                p = skip_section(p, end, open, "mine");   /* someone else's */
        } else if ((size_t)(close - q) > 3 && !memcmp(q, "at:", 3)) {
            long long id = strtoll(q + 3, NULL, 10);
            if (id != mark || mark == 0)
                p = skip_section(p, end, open, "at");     /* not the marked one */
        }
        /* "/mine", "/at": the end of a section that was kept, removed */
    }
    *out_n = b.len;
    char *out = arena_strndup(rq->a, buf_str(&b), b.len);
    buf_free(&b);
    return out;
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
    if (hit) {
        *html = page_slots_fill(rq, hit, n, mark, len);
        return 0;
    }
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
    if (c)
        cache_put(c, k, version, expires, frag.data, frag.len);
    *html = page_slots_fill(rq, frag.data, frag.len, mark, len);
    buf_free(&frag);
    return 0;
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
