/*
** ical.c: RFC 5545 iCalendar writer (see ical.h).
**
** Everything goes through ical_fold_line(), which walks the content line one
** UTF-8 sequence at a time and starts a continuation line whenever the next
** sequence would not fit in the 75 octets allowed per line.
*/
#include "ical.h"

#include <string.h>

#include "date.h"

enum { FOLD_LIMIT = 75 };

/* Octets in the UTF-8 sequence starting at p[0], which is not NUL: 2..4 for
** a lead byte followed by that many continuation bytes, 1 for anything else
** (ASCII, or a byte of malformed input, which is then passed through one
** octet at a time). */
static size_t seq_len(const unsigned char *p)
{
    size_t want;
    if (p[0] >= 0xC0 && p[0] <= 0xDF)
        want = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        want = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF7)
        want = 4;
    else
        return 1;
    for (size_t i = 1; i < want; i++)
        if ((p[i] & 0xC0u) != 0x80u) /* also stops at the NUL */
            return 1;
    return want;
}

/* Append the bytes of s to out as part of a folded line whose current line
** already holds *col octets, updating *col; CR and LF are dropped. */
static void fold_append(buf *out, const char *s, size_t *col)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p == '\r' || *p == '\n') {
            p++;
            continue;
        }
        size_t n = seq_len(p);
        if (*col + n > FOLD_LIMIT) {
            buf_append(out, "\r\n ", 3);
            *col = 1;
        }
        buf_append(out, p, n);
        *col += n;
        p += n;
    }
}

/* Append name ":" value as one folded content line ending in CRLF. */
void ical_fold_line(buf *out, const char *name, const char *value)
{
    size_t col = 0;
    fold_append(out, name ? name : "", &col);
    fold_append(out, ":", &col);
    fold_append(out, value ? value : "", &col);
    buf_append(out, "\r\n", 2);
}

/* Append the RFC 5545 TEXT escaping of s to out. */
void ical_escape_text(buf *out, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '\\' || c == ';' || c == ',') {
            buf_putc(out, '\\');
            buf_putc(out, c);
        } else if (c == '\n' || (c == '\r' && p[1] == '\n')) {
            buf_append(out, "\\n", 2);
            if (c == '\r')
                p++;
        } else if (c >= 0x20 && c != 0x7F) {
            buf_putc(out, c);
        }
    }
}

/* Append the content line name:value with value TEXT-escaped; NULL value
** appends nothing. */
static void text_line(buf *out, const char *name, const char *value)
{
    if (!value)
        return;
    buf v = BUF_INIT;
    ical_escape_text(&v, value);
    ical_fold_line(out, name, buf_str(&v));
    if (buf_failed(&v))
        out->failed = 1;
    buf_free(&v);
}

/* Append the content line name:value where value is a URI: kept verbatim
** except that control characters are dropped. NULL appends nothing. */
static void uri_line(buf *out, const char *name, const char *value)
{
    if (!value)
        return;
    buf v = BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (*p >= 0x20 && *p != 0x7F)
            buf_putc(&v, *p);
    ical_fold_line(out, name, buf_str(&v));
    if (buf_failed(&v))
        out->failed = 1;
    buf_free(&v);
}

/* Append the CATEGORIES line for the comma-separated list cats: each item
** trimmed of spaces and escaped, empty items dropped; nothing at all when
** cats is NULL or holds no item. */
static void categories_line(buf *out, const char *cats)
{
    if (!cats)
        return;
    buf v = BUF_INIT, item = BUF_INIT;
    const char *p = cats;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            buf_reset(&item);
            buf_append(&item, p, len);
            if (v.len)
                buf_putc(&v, ',');
            ical_escape_text(&v, buf_str(&item));
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (v.len)
        ical_fold_line(out, "CATEGORIES", buf_str(&v));
    if (buf_failed(&v) || buf_failed(&item))
        out->failed = 1;
    buf_free(&v);
    buf_free(&item);
}

/* Append the content line name:DATE for day number days. */
static void date_line(buf *out, const char *name, int32_t days)
{
    buf v = BUF_INIT;
    date_compact(&v, days);
    ical_fold_line(out, name, buf_str(&v));
    buf_free(&v);
}

/* Append the VCALENDAR header lines to out. */
void ical_begin(buf *out, const char *prodid, const char *calname)
{
    ical_fold_line(out, "BEGIN", "VCALENDAR");
    ical_fold_line(out, "VERSION", "2.0");
    text_line(out, "PRODID", prodid ? prodid : "-//Journeys//Journeys//EN");
    ical_fold_line(out, "CALSCALE", "GREGORIAN");
    ical_fold_line(out, "METHOD", "PUBLISH");
    text_line(out, "X-WR-CALNAME", calname);
}

/* Append one all-day VEVENT for ev to out. */
void ical_event_write(buf *out, const ical_event *ev)
{
    int32_t last = ev->last_day < ev->first_day ? ev->first_day : ev->last_day;
    ical_fold_line(out, "BEGIN", "VEVENT");
    text_line(out, "UID", ev->uid);
    buf stamp = BUF_INIT;
    date_ical_stamp(&stamp, ev->stamp);
    ical_fold_line(out, "DTSTAMP", buf_str(&stamp));
    buf_free(&stamp);
    buf seq = BUF_INIT;
    buf_printf(&seq, "%d", ev->sequence > 0 ? ev->sequence : 0);
    ical_fold_line(out, "SEQUENCE", buf_str(&seq));
    if (buf_failed(&seq))
        out->failed = 1;
    buf_free(&seq);
    if (ev->status)
        text_line(out, "STATUS", ev->status);
    date_line(out, "DTSTART;VALUE=DATE", ev->first_day);
    date_line(out, "DTEND;VALUE=DATE", (int32_t)((int64_t)last + 1));
    text_line(out, "SUMMARY", ev->summary ? ev->summary : "");
    text_line(out, "DESCRIPTION", ev->description);
    text_line(out, "LOCATION", ev->location);
    uri_line(out, "URL", ev->url);
    ical_fold_line(out, "TRANSP", "TRANSPARENT");
    categories_line(out, ev->categories);
    ical_fold_line(out, "END", "VEVENT");
}

/* Append one offering as a VEVENT to out (see ical.h). */
void ical_offering_write(buf *out, const char *base_url, const ical_offering *o)
{
    buf uid = BUF_INIT, summary = BUF_INIT, url = BUF_INIT, description = BUF_INIT;
    buf_printf(&uid, "offering-%s@journeys", o->code);
    buf_printf(&summary, "%s%s%s", o->cancelled ? "Cancelled: " : "", o->demo ? "[Demo] " : "", o->course_title);
    if (o->series_title)
        buf_printf(&summary, " (%s)", o->series_title);
    buf_printf(&url, "%s/offerings/%s", base_url, o->code);
    buf_printf(&description, "A week-long online course%s: work through it at your own pace during the week.%s%s\n%s",
               o->demo ? " (demonstration offering)" : "", o->coach ? " Facilitated by " : "",
               o->coach ? o->coach : "", buf_str(&url));
    ical_event ev = {0};
    ev.uid = buf_str(&uid);
    ev.summary = buf_str(&summary);
    ev.url = buf_str(&url);
    ev.description = buf_str(&description);
    ev.location = "Online";
    ev.categories = "Professional learning";
    if (!o->starts || date_parse(o->starts, &ev.first_day) != 0)
        ev.first_day = 0;
    if (!o->ends || date_parse(o->ends, &ev.last_day) != 0)
        ev.last_day = ev.first_day;
    ev.stamp = o->stamp;
    ev.sequence = o->sequence;
    ev.status = o->cancelled ? "CANCELLED" : "CONFIRMED";
    ical_event_write(out, &ev);
    buf_free(&uid);
    buf_free(&summary);
    buf_free(&url);
    buf_free(&description);
}

/* Append END:VCALENDAR to out. */
void ical_end(buf *out)
{
    ical_fold_line(out, "END", "VCALENDAR");
}
