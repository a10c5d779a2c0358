/*
** announce.c: the rules of announcements (see announce.h). Posting,
** withdrawing and publishing are each one conditional write checked for
** exactly one changed row inside one write transaction.
*/
#include "announce.h"

#include <stdio.h>
#include <string.h>

#include "date.h"
#include "log.h"
#include "md.h"
#include "store_announce.h"
#include "text.h"
#include "tz.h"

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

int announce_when(const char *local, const char *zone, time_t *out)
{
    if (!local || !zone)
        return -1;
    size_t n = strlen(local);
    /* YYYY-MM-DDTHH:MM (or a space for the T), optionally :SS */
    if ((n != 16 && n != 19) || (local[10] != 'T' && local[10] != ' ') || local[13] != ':' || (n == 19 && local[16] != ':'))
        return -1;
    for (size_t i = 0; i < n; i++) {
        int sep = i == 4 || i == 7 || i == 10 || i == 13 || i == 16;
        if (!sep && (local[i] < '0' || local[i] > '9'))
            return -1;
    }
    char date[11];
    memcpy(date, local, 10);
    date[10] = '\0';
    int32_t day;
    if (date_parse(date, &day) != 0)
        return -1;
    int hh = (local[11] - '0') * 10 + (local[12] - '0');
    int mm = (local[14] - '0') * 10 + (local[15] - '0');
    if (hh > 23 || mm > 59 || (n == 19 && (local[17] - '0') * 10 + (local[18] - '0') > 59))
        return -1;
    return tz_instant(zone, day, hh * 60 + mm, out) == 0 ? 0 : -1;
}

const char *announce_link(arena *a, const char *code, int64_t id)
{
    return arena_printf(a, "/learn/%s/announcements#announcement-%lld", code, (long long)id);
}

/* Check the title: DOM_OK with *out trimmed, or DOM_INVALID about "title". */
static int check_title(domain *d, const char *title, const char **out)
{
    const char *t = trimmed(d->a, title ? title : "");
    size_t n = strlen(t);
    if (n == 0)
        return domain_refuse(d, DOM_INVALID, "title", "Give the announcement a title: a few words saying what it "
                                                      "is about.");
    if (!text_utf8_valid(t, n))
        return domain_refuse(d, DOM_INVALID, "title", "The title holds characters we cannot read. Type it again.");
    if (chars(t, n) > ANNOUNCE_TITLE_MAX)
        return domain_refuse(d, DOM_INVALID, "title",
                             arena_printf(d->a, "The title is %zu characters long; keep it to %d or fewer and put "
                                                "the rest in the message.", chars(t, n), ANNOUNCE_TITLE_MAX));
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
            return domain_refuse(d, DOM_INVALID, "title", "Keep the title on one line, without special characters.");
    *out = t;
    return DOM_OK;
}

/* Check the body and render it safely: DOM_OK with *md and *html in d->a,
** DOM_INVALID about "body", or DOM_ERROR when rendering failed. */
static int check_body(domain *d, const char *body, const char **md, const char **html)
{
    const char *b = trimmed(d->a, body ? body : "");
    size_t n = strlen(b);
    if (n == 0)
        return domain_refuse(d, DOM_INVALID, "body", "Write the message before you post it.");
    if (!text_utf8_valid(b, n))
        return domain_refuse(d, DOM_INVALID, "body", "The message holds characters we cannot read. Type it again.");
    if (chars(b, n) > ANNOUNCE_BODY_MAX)
        return domain_refuse(d, DOM_INVALID, "body",
                             arena_printf(d->a, "The message is %zu characters long; the limit is %d. Shorten it, "
                                                "or link to a discussion thread for the rest.", chars(b, n),
                                          ANNOUNCE_BODY_MAX));
    buf out = BUF_INIT;
    if (md_render_untrusted(&out, b, n, 0) != 0 || buf_failed(&out)) {
        buf_free(&out);
        log_error("announce: rendering a message of %zu bytes failed", n);
        return domain_refuse(d, DOM_ERROR, "body", "The message could not be formatted, so nothing was posted. "
                                                   "Please try again.");
    }
    *md = b;
    *html = arena_strdup(d->a, buf_str(&out));
    buf_free(&out);
    return DOM_OK;
}

/* Publish announcement id of offering_id (code) titled title by author,
** inside the open transaction: 1 published with its notifications
** written, 0 published (or withdrawn) already, -1 on a store error. */
static int publish(domain *d, int64_t id, int64_t offering_id, const char *code, const char *title, int64_t author)
{
    int changed = store_announce_publish(d->db, id, d->now);
    if (changed != 1)
        return changed;
    return store_announce_notify(d->db, offering_id, author, title, announce_link(d->a, code, id), d->now) < 0 ? -1
                                                                                                              : 1;
}

int announce_post(domain *d, int64_t offering_id, const char *code, const char *title, const char *body,
                  time_t publish_at, int64_t *id)
{
    const char *t = NULL, *md = NULL, *html = NULL;
    int rc = check_title(d, title, &t);
    if (rc == DOM_OK)
        rc = check_body(d, body, &md, &html);
    if (rc != DOM_OK)
        return rc;
    int now = publish_at <= d->now;
    if (now)
        publish_at = d->now;
    else if (publish_at - d->now > (time_t)ANNOUNCE_AHEAD_DAYS * 86400)
        return domain_refuse(d, DOM_INVALID, "publish_at",
                             arena_printf(d->a, "An announcement can be scheduled up to %d days ahead. Choose an "
                                                "earlier time.", ANNOUNCE_AHEAD_DAYS));
    if ((rc = domain_begin(d)) != DOM_OK)
        return rc;
    int64_t a = store_announce_insert(d->db, offering_id, d->actor, t, md, html, d->now, publish_at);
    if (a <= 0 || (now && publish(d, a, offering_id, code, t, d->actor) != 1))
        return domain_end(d, domain_store_failed(d));
    if (id)
        *id = a;
    return domain_end(d, DOM_OK);
}

int announce_cancel(domain *d, int64_t id)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int changed = store_announce_cancel(d->db, id);
    if (changed < 0)
        return domain_end(d, domain_store_failed(d));
    if (changed == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "This announcement has been published or "
                                                                  "withdrawn already, so there was nothing to "
                                                                  "withdraw. The list below shows where it stands."));
    return domain_end(d, DOM_OK);
}

int announce_publish_due(domain *d, int *published, int *lost)
{
    int done = 0, other = 0;
    announce_row *due;
    int n;
    if (store_announce_due(d->db, d->a, d->now, ANNOUNCE_PASS_MAX, &due, &n) != 0)
        return domain_store_failed(d);
    int rc = DOM_OK;
    for (int i = 0; i < n && rc == DOM_OK; i++) {
        if ((rc = domain_begin(d)) != DOM_OK)
            break;
        int got = publish(d, due[i].id, due[i].offering_id, due[i].code, due[i].title, due[i].author_id);
        rc = domain_end(d, got < 0 ? domain_store_failed(d) : DOM_OK);
        if (rc == DOM_OK && got == 1) {
            done++;
            log_info("announcement %lld published to %s", (long long)due[i].id, due[i].code);
        } else if (rc == DOM_OK) {
            other++;
        }
    }
    if (published)
        *published = done;
    if (lost)
        *lost = other;
    return rc;
}
