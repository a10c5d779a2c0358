/*
** discuss.c: the rules of the discussion spaces (see discuss.h). Every
** change is a conditional write checked for exactly one changed row inside
** one write transaction; a lost race is DOM_CONFLICT with a message.
*/
#include "discuss.h"

#include <string.h>

#include "log.h"
#include "md.h"
#include "store_kept.h"
#include "text.h"

/* s without leading and trailing ASCII whitespace, in a. */
static const char *trimmed(arena *a, const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    char *t = arena_alloc(a, n + 1);
    memcpy(t, s, n);
    t[n] = '\0';
    return t;
}

/* The characters (code points) in n bytes of valid UTF-8 at s. */
static size_t chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Check a thread title: DOM_OK with *out the trimmed title, or
** DOM_INVALID with a message about field "title". */
static int check_title(domain *d, const char *title, const char **out)
{
    const char *t = trimmed(d->a, title ? title : "");
    size_t n = strlen(t);
    if (n == 0)
        return domain_refuse(d, DOM_INVALID, "title", "Give your thread a title: a few words saying what it is about.");
    if (!text_utf8_valid(t, n))
        return domain_refuse(d, DOM_INVALID, "title", "The title holds characters we cannot read. Type it again.");
    if (chars(t, n) > DISCUSS_TITLE_MAX)
        return domain_refuse(d, DOM_INVALID, "title",
                             arena_printf(d->a, "The title is %zu characters long; keep it to %d or fewer "
                                                "and put the rest in the post.", chars(t, n), DISCUSS_TITLE_MAX));
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
            return domain_refuse(d, DOM_INVALID, "title", "Keep the title on one line, without special characters.");
    *out = t;
    return DOM_OK;
}

/* Check a post body and render it: DOM_OK with *md (trimmed) and *html in
** d->a, or DOM_INVALID about field "body", or DOM_ERROR when rendering
** failed. */
static int check_body(domain *d, const char *body, const char **md, const char **html)
{
    const char *b = trimmed(d->a, body ? body : "");
    size_t n = strlen(b);
    if (n == 0)
        return domain_refuse(d, DOM_INVALID, "body", "Write something before you post.");
    if (!text_utf8_valid(b, n))
        return domain_refuse(d, DOM_INVALID, "body", "The post holds characters we cannot read. Type it again.");
    if (chars(b, n) > DISCUSS_BODY_MAX)
        return domain_refuse(d, DOM_INVALID, "body",
                             arena_printf(d->a, "Your post is %zu characters long; the limit is %d. Shorten it, "
                                                "or split it into two posts.", chars(b, n), DISCUSS_BODY_MAX));
    buf out = BUF_INIT;
    if (md_render_untrusted(&out, b, n, 0) != 0) {
        buf_free(&out);
        log_error("discuss: rendering a post of %zu bytes failed", n);
        return domain_refuse(d, DOM_ERROR, "body", "Your post could not be formatted, so nothing was posted. "
                                                   "Please try again.");
    }
    *md = b;
    *html = arena_strdup(d->a, buf_str(&out));
    buf_free(&out);
    return DOM_OK;
}

/* The thread page post_id of thread_id is on, read inside the transaction:
** 1 or more, or -1. */
static int page_of(domain *d, int64_t thread_id, int64_t post_id)
{
    int before = store_posts_before(d->db, thread_id, post_id);
    return before < 0 ? -1 : before / DISCUSS_PAGE + 1;
}

/* Tell the coaches of offering_id that d->actor started thread (titled
** title), when d->actor is a participant there (store_notify_thread
** decides who hears). Inside the caller's transaction. 0, or -1 on a
** database error. */
static int notify_coaches(domain *d, int64_t offering_id, int64_t thread, const char *title)
{
    const char *code = NULL, *name = NULL;
    int found = store_thread_notice_names(d->db, d->a, offering_id, d->actor, &code, &name);
    if (found <= 0)
        return found;
    const char *link = arena_printf(d->a, "/learn/%s/threads/%lld", code, (long long)thread);
    const char *words = arena_printf(d->a, "%s started \"%s\"", name, title);
    return store_notify_thread(d->db, offering_id, d->actor, words, link, d->now) < 0 ? -1 : 0;
}

int discuss_start(domain *d, int64_t offering_id, int64_t prompt_id, const char *title, const char *body,
                  discuss_posted *out)
{
    const char *t = NULL, *md = NULL, *html = NULL;
    int rc = check_title(d, title, &t);
    if (rc == DOM_OK)
        rc = check_body(d, body, &md, &html);
    if (rc != DOM_OK)
        return rc;
    if ((rc = domain_begin(d)) != DOM_OK)
        return rc;
    int64_t thread = store_thread_insert(d->db, offering_id, prompt_id, d->actor, t, d->now);
    int64_t post = thread > 0 ? store_post_insert(d->db, thread, d->actor, 0, md, html, d->now) : -1;
    int moved = post > 0 ? store_thread_posted(d->db, thread, post, d->now) : -1;
    if (moved != 1 || store_follow_default(d->db, d->actor, thread) != 0 ||
        notify_coaches(d, offering_id, thread, t) != 0)
        return domain_end(d, domain_store_failed(d));
    out->thread_id = thread;
    out->post_id = post;
    out->page = 1;
    return domain_end(d, DOM_OK);
}

int discuss_reply(domain *d, const char *code, const char *actor_name, const thread_row *t, int64_t quote_id,
                  const char *body, discuss_posted *out)
{
    const char *md = NULL, *html = NULL;
    int rc = check_body(d, body, &md, &html);
    if (rc != DOM_OK)
        return rc;
    if ((rc = domain_begin(d)) != DOM_OK)
        return rc;
    int64_t quoted_author = 0;
    if (quote_id > 0) {
        post_row q;
        int64_t q_offering;
        int found = store_post_get(d->db, d->a, quote_id, &q, &q_offering);
        if (found < 0)
            return domain_end(d, domain_store_failed(d));
        if (!found || q.thread_id != t->id)
            return domain_end(d, domain_refuse(d, DOM_INVALID, "quote_id", "The post you quoted is not in this "
                                                                           "thread. Reply without the quote, or "
                                                                           "quote a post from this thread."));
        if (q.deleted_at || q.hidden_at)
            return domain_end(d, domain_refuse(d, DOM_CONFLICT, "quote_id", "The post you quoted has been removed "
                                                                            "since. Your reply was not posted; "
                                                                            "post it without the quote."));
        quoted_author = q.author_id;
    }
    int64_t post = store_post_insert(d->db, t->id, d->actor, quote_id, md, html, d->now);
    if (post < 0)
        return domain_end(d, domain_store_failed(d));
    int moved = store_thread_posted(d->db, t->id, post, d->now);
    if (moved < 0)
        return domain_end(d, domain_store_failed(d));
    if (moved == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "This thread has been closed to new replies, so "
                                                                  "your reply was not posted."));
    /* The new post is the thread's last (the highest id, written in this
    ** transaction), so its page follows from the thread's post count, which
    ** counts every post row (tombstones too), rather than from counting the
    ** posts before it: that grew with the thread (0.5 ms at 5,000 posts). */
    int posts = store_thread_post_count(d->db, t->id);
    int page = posts > 0 ? (posts - 1) / DISCUSS_PAGE + 1 : page_of(d, t->id, post);
    if (page < 0 || store_follow_default(d->db, d->actor, t->id) != 0)
        return domain_end(d, domain_store_failed(d));
    const char *link = arena_printf(d->a, "/learn/%s/threads/%lld?page=%d#post-%lld", code, (long long)t->id, page,
                                    (long long)post);
    const char *reply_title = arena_printf(d->a, "%s replied in \"%s\"", actor_name, t->title);
    const char *follow_title = arena_printf(d->a, "%s posted in \"%s\", a thread you follow", actor_name, t->title);
    if (store_notify_post(d->db, t->offering_id, t->id, d->actor, t->author_id, quoted_author, reply_title,
                          follow_title, link, d->now) < 0)
        return domain_end(d, domain_store_failed(d));
    out->thread_id = t->id;
    out->post_id = post;
    out->page = page;
    return domain_end(d, DOM_OK);
}

int discuss_edit(domain *d, const post_row *p, int revision, const char *body)
{
    if (p->author_id != d->actor)
        return domain_refuse(d, 403, NULL, "You can edit only your own posts.");
    if (p->deleted_at)
        return domain_refuse(d, DOM_CONFLICT, NULL, "This post has been deleted, so it cannot be edited.");
    if (p->hidden_at)
        return domain_refuse(d, DOM_CONFLICT, NULL, "A coach has hidden this post, so it cannot be edited.");
    if (d->now - p->created_at > DISCUSS_EDIT_SECONDS)
        return domain_refuse(d, DOM_CONFLICT, NULL, arena_printf(d->a, "A post can be edited for %d minutes after "
                                                                       "it is written, and that time has passed. "
                                                                       "Reply below to add a correction.",
                                                               DISCUSS_EDIT_SECONDS / 60));
    const char *md = NULL, *html = NULL;
    int rc = check_body(d, body, &md, &html);
    if (rc != DOM_OK)
        return rc;
    if ((rc = domain_begin(d)) != DOM_OK)
        return rc;
    int changed = store_post_edit(d->db, p->id, d->actor, md, html, d->now, d->now - DISCUSS_EDIT_SECONDS, revision);
    if (changed < 0)
        return domain_end(d, domain_store_failed(d));
    if (changed == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "This post changed while you were editing it "
                                                                  "(edited or deleted from another window), so "
                                                                  "your edit was not saved. Open the thread again "
                                                                  "to see it as it is now."));
    return domain_end(d, DOM_OK);
}

int discuss_delete(domain *d, const post_row *p)
{
    if (p->author_id != d->actor)
        return domain_refuse(d, 403, NULL, "You can delete only your own posts.");
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int changed = store_post_delete(d->db, p->id, d->actor, d->now);
    if (changed < 0)
        return domain_end(d, domain_store_failed(d));
    if (changed == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "This post has already been deleted."));
    return domain_end(d, DOM_OK);
}

int discuss_follow(domain *d, int64_t thread_id, const char *mode)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    if (store_follow_set(d->db, d->actor, thread_id, mode) < 0)
        return domain_end(d, domain_store_failed(d));
    return domain_end(d, DOM_OK);
}

int discuss_mark_read(domain *d, int64_t thread_id, int64_t upto)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    if (store_mark_read(d->db, d->actor, thread_id, upto) < 0)
        return domain_end(d, domain_store_failed(d));
    return domain_end(d, DOM_OK);
}

const char *discuss_excerpt(arena *a, const char *md, size_t max)
{
    if (!md)
        return "";
    size_t n = strlen(md);
    if (n <= max)
        return md;
    size_t cut = 0;
    while (cut < max) {   /* whole UTF-8 sequences only */
        size_t len = text_utf8_seq(md + cut, n - cut);
        if (len == 0 || cut + len > max)
            break;
        cut += len;
    }
    size_t word = cut;
    while (word > max / 2 && md[word - 1] != ' ' && md[word - 1] != '\n')
        word--;
    if (word > max / 2)
        cut = word - 1;
    return arena_printf(a, "%.*s…", (int)cut, md);
}
