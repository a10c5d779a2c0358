/*
** moderate.c: the rules of moderation in the discussion spaces (see
** moderate.h). Every change is one conditional write, checked for exactly
** one changed row, with its log line in the same transaction.
*/
#include "moderate.h"

#include <string.h>

#include "discuss.h"
#include "log.h"
#include "md.h"
#include "text.h"

/* s without leading and trailing ASCII whitespace, in a. */
static const char *trimmed(arena *a, const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return arena_printf(a, "%.*s", (int)n, s);
}

/* The characters (code points) in n bytes of valid UTF-8 at s. */
static size_t chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Check plain text typed into field (a reason or a title): trimmed, valid
** UTF-8, at most max characters, no control characters but line breaks
** when lines is set. DOM_OK with *out ("" when empty and not required), or
** DOM_INVALID with a message about field; what names the thing for it. */
static int check_text(domain *d, const char *field, const char *what, const char *in, size_t max, int required,
                      int lines, const char **out)
{
    const char *t = trimmed(d->a, in ? in : "");
    size_t n = strlen(t);
    if (n == 0 && required)
        return domain_refuse(d, DOM_INVALID, field, arena_printf(d->a, "Write the %s: %s.", what,
                                                                 !strcmp(field, "reason")
                                                                     ? "a sentence the author will read"
                                                                     : "a few words saying what it covers"));
    if (!text_utf8_valid(t, n))
        return domain_refuse(d, DOM_INVALID, field,
                             arena_printf(d->a, "The %s holds characters we cannot read. Type it again.", what));
    if (chars(t, n) > max)
        return domain_refuse(d, DOM_INVALID, field,
                             arena_printf(d->a, "The %s is %zu characters long; keep it to %zu or fewer.", what,
                                          chars(t, n), max));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if ((c < 0x20 && !(lines && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f)
            return domain_refuse(d, DOM_INVALID, field,
                                 arena_printf(d->a, "Keep the %s to plain text%s.", what,
                                              lines ? "" : " on one line"));
    }
    *out = t;
    return DOM_OK;
}

/* Write the log line inside the open transaction: DOM_OK, or the store's
** failure (the caller ends the transaction with it). */
static int logged(domain *d, int64_t offering_id, const char *action, int64_t thread_id, int64_t post_id,
                  const char *reason)
{
    if (store_modlog_insert(d->db, offering_id, d->actor, action, thread_id, post_id,
                            reason && *reason ? reason : NULL, d->now) < 0)
        return domain_store_failed(d);
    return DOM_OK;
}

int moderate_flag(domain *d, const thread_row *t, enum mod_flag flag, int on)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int changed = store_thread_flag(d->db, t->id, flag, on);
    if (changed < 0)
        return domain_end(d, domain_store_failed(d));
    if (changed == 0) {
        const char *msg = flag == MOD_PINNED ? (on ? "This thread is pinned already." : "This thread is not pinned.")
                                             : (on ? "This thread is closed to replies already."
                                                   : "This thread is open to replies already.");
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, msg));
    }
    const char *action = flag == MOD_PINNED ? (on ? "pin" : "unpin") : (on ? "lock" : "unlock");
    return domain_end(d, logged(d, t->offering_id, action, t->id, 0, NULL));
}

int moderate_move(domain *d, const thread_row *t, int64_t to_prompt, const char *reason)
{
    const char *why = NULL;
    int rc = check_text(d, "reason", "reason", reason, MODERATE_REASON_MAX, 0, 1, &why);
    if (rc != DOM_OK)
        return rc;
    if (to_prompt == t->prompt_id)
        return domain_refuse(d, DOM_INVALID, "space", "The thread is in that space already. Choose another space.");
    if ((rc = domain_begin(d)) != DOM_OK)
        return rc;
    int changed = store_thread_move(d->db, t->id, t->offering_id, t->prompt_id, to_prompt);
    if (changed < 0)
        return domain_end(d, domain_store_failed(d));
    if (changed == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "Someone moved this thread while you were "
                                                                  "choosing; open it again to see where it is now."));
    return domain_end(d, logged(d, t->offering_id, "move", t->id, 0, why));
}

int moderate_exemplary(domain *d, int64_t offering_id, const post_row *p, int on)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int changed = store_post_exemplary(d->db, p->id, on);
    if (changed < 0)
        return domain_end(d, domain_store_failed(d));
    if (changed == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL,
                                           on ? "This post is marked exemplary already, or it has been deleted "
                                                "or hidden."
                                              : "This post is not marked exemplary."));
    return domain_end(d, logged(d, offering_id, on ? "exemplary" : "unexemplary", p->thread_id, p->id, NULL));
}

int moderate_hide(domain *d, const char *code, int64_t offering_id, const char *thread_title, const post_row *p,
                  const char *reason)
{
    const char *why = NULL;
    int rc = check_text(d, "reason", "reason", reason, MODERATE_REASON_MAX, 1, 1, &why);
    if (rc != DOM_OK)
        return rc;
    if ((rc = domain_begin(d)) != DOM_OK)
        return rc;
    int changed = store_post_hide(d->db, p->id, d->actor, why, d->now);
    if (changed < 0)
        return domain_end(d, domain_store_failed(d));
    if (changed == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "This post is hidden or deleted already."));
    if (p->author_id != d->actor) {
        const char *title = arena_printf(d->a, "A coach hid your post in \"%s\": %s", thread_title, why);
        const char *link = arena_printf(d->a, "/learn/%s/threads/%lld?post=%lld#post-%lld", code,
                                        (long long)p->thread_id, (long long)p->id, (long long)p->id);
        if (store_notify_moderation(d->db, p->author_id, offering_id, d->actor, title, link, d->now) < 0)
            return domain_end(d, domain_store_failed(d));
    }
    return domain_end(d, logged(d, offering_id, "hide", p->thread_id, p->id, why));
}

int moderate_unhide(domain *d, int64_t offering_id, const post_row *p)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int changed = store_post_unhide(d->db, p->id);
    if (changed < 0)
        return domain_end(d, domain_store_failed(d));
    if (changed == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "This post is not hidden."));
    return domain_end(d, logged(d, offering_id, "unhide", p->thread_id, p->id, NULL));
}

int moderate_wrapup(domain *d, int64_t offering_id, const char *title, const char *body, int64_t *thread_id)
{
    const char *t = NULL, *md = NULL;
    int rc = check_text(d, "title", "title", title, DISCUSS_TITLE_MAX, 1, 0, &t);
    if (rc != DOM_OK)
        return rc;
    md = trimmed(d->a, body ? body : "");
    size_t n = strlen(md);
    if (n == 0)
        return domain_refuse(d, DOM_INVALID, "body", "Write the wrap-up: what the cohort did today and what comes "
                                                     "next.");
    if (!text_utf8_valid(md, n))
        return domain_refuse(d, DOM_INVALID, "body", "The wrap-up holds characters we cannot read. Type it again.");
    if (chars(md, n) > DISCUSS_BODY_MAX)
        return domain_refuse(d, DOM_INVALID, "body",
                             arena_printf(d->a, "The wrap-up is %zu characters long; the limit is %d. Shorten it.",
                                          chars(md, n), DISCUSS_BODY_MAX));
    buf out = BUF_INIT;
    if (md_render_untrusted(&out, md, n, 0) != 0) {
        buf_free(&out);
        log_error("moderate: rendering a wrap-up of %zu bytes failed", n);
        return domain_refuse(d, DOM_ERROR, "body", "The wrap-up could not be formatted, so nothing was posted. "
                                                   "Please try again.");
    }
    const char *html = arena_strdup(d->a, buf_str(&out));
    buf_free(&out);
    if ((rc = domain_begin(d)) != DOM_OK)
        return rc;
    int64_t thread = store_wrapup_insert(d->db, offering_id, d->actor, t, d->now);
    int64_t post = thread > 0 ? store_post_insert(d->db, thread, d->actor, 0, md, html, d->now) : -1;
    int moved = post > 0 ? store_thread_posted(d->db, thread, post, d->now) : -1;
    if (moved != 1 || store_follow_default(d->db, d->actor, thread) != 0 ||
        store_wrapups_unpin(d->db, offering_id, thread) < 0)
        return domain_end(d, domain_store_failed(d));
    *thread_id = thread;
    return domain_end(d, logged(d, offering_id, "wrapup", thread, post, NULL));
}

const char *moderate_action_label(const char *action)
{
    static const struct {
        const char *action, *label;
    } labels[] = {
        {"pin", "Pinned the thread"},          {"unpin", "Unpinned the thread"},
        {"lock", "Closed the thread to replies"}, {"unlock", "Reopened the thread to replies"},
        {"move", "Moved the thread"},          {"exemplary", "Marked a post exemplary"},
        {"unexemplary", "Unmarked an exemplary post"}, {"hide", "Hid a post"},
        {"unhide", "Showed a hidden post again"}, {"wrapup", "Posted the wrap-up"},
    };
    for (size_t i = 0; action && i < sizeof labels / sizeof labels[0]; i++)
        if (!strcmp(action, labels[i].action))
            return labels[i].label;
    return "";
}

const char *moderate_action_text(arena *a, const char *action, const char *post_author)
{
    static const struct {
        const char *action, *pattern;
    } about_post[] = {
        {"hide", "Hid %s's post"},
        {"unhide", "Showed %s's post again"},
        {"exemplary", "Marked %s's post exemplary"},
        {"unexemplary", "Unmarked %s's post as exemplary"},
    };
    for (size_t i = 0; post_author && action && i < sizeof about_post / sizeof about_post[0]; i++)
        if (!strcmp(action, about_post[i].action))
            return arena_printf(a, about_post[i].pattern, post_author);
    return moderate_action_label(action);
}
