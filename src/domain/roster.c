/*
** roster.c: the private messages between a participant and the coaches
** of an offering (see roster.h).
*/
#include "roster.h"

#include <string.h>

#include "log.h"
#include "md.h"
#include "store_roster.h"
#include "text.h"

/* s without leading and trailing ASCII whitespace, in a. */
static const char *trimmed(arena *a, const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return arena_strndup(a, s, n);
}

/* The characters (code points) in n bytes of valid UTF-8 at s. */
static size_t chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* See roster.h: check and render the text, then write the message and
** its notifications in one transaction; nothing is written on a refusal. */
int roster_message(domain *d, int64_t offering_id, const char *code, int64_t participant_id, const char *actor_name,
                   const char *body, int64_t *id)
{
    const char *b = trimmed(d->a, body ? body : "");
    size_t n = strlen(b);
    if (n == 0)
        return domain_refuse(d, DOM_INVALID, "body", "Write your message before you send it.");
    if (!text_utf8_valid(b, n))
        return domain_refuse(d, DOM_INVALID, "body", "The message holds characters we cannot read. Type it again.");
    if (chars(b, n) > ROSTER_MESSAGE_MAX)
        return domain_refuse(d, DOM_INVALID, "body",
                             arena_printf(d->a, "Your message is %zu characters long; the limit is %d. Shorten it, "
                                                "or send it as two messages.", chars(b, n), ROSTER_MESSAGE_MAX));
    buf out = BUF_INIT;
    if (md_render_untrusted(&out, b, n, 0) != 0) {
        buf_free(&out);
        log_error("roster: rendering a message of %zu bytes failed", n);
        return domain_refuse(d, DOM_ERROR, "body", "Your message could not be formatted, so nothing was sent. "
                                                   "Please try again.");
    }
    const char *html = arena_strdup(d->a, buf_str(&out));
    buf_free(&out);
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int64_t m = store_message_add(d->db, offering_id, participant_id, d->actor, b, html, d->now);
    if (m < 0)
        return domain_end(d, domain_store_failed(d));
    int from_participant = d->actor == participant_id;
    const char *link = from_participant
        ? arena_printf(d->a, "/coach/offerings/%s/people/%lld#message-%lld", code, (long long)participant_id,
                       (long long)m)
        : arena_printf(d->a, "/learn/%s/messages#message-%lld", code, (long long)m);
    const char *title = from_participant ? arena_printf(d->a, "%s sent the coaches a message", actor_name)
                                         : arena_printf(d->a, "%s sent you a message", actor_name);
    if (store_notify_message(d->db, offering_id, participant_id, d->actor, title, link, d->now) < 0)
        return domain_end(d, domain_store_failed(d));
    *id = m;
    return domain_end(d, DOM_OK);
}
