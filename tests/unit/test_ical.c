/*
** test_ical.c: unit tests for ical.h — TEXT escaping, line folding (ASCII
** and multi-byte UTF-8), CRLF line ends and whole calendars with all-day
** events whose exclusive DTEND crosses month and year boundaries.
*/
#include "ical.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "date.h"

/* Non-zero when every LF in s is preceded by CR and every CR followed by
** LF, and s ends with CRLF. */
static int crlf_only(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            return 0;
        if (s[i] == '\r' && s[i + 1] != '\n')
            return 0;
    }
    return n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n';
}

/* Length in octets of the longest line of s (lines end in CRLF). */
static size_t longest_line(const char *s)
{
    size_t best = 0;
    while (*s) {
        const char *end = strstr(s, "\r\n");
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len > best)
            best = len;
        s += len + (end ? 2 : 0);
    }
    return best;
}

/* Non-zero when no line of s starts with a UTF-8 continuation byte once
** the folding space is skipped, i.e. no sequence was split. */
static int no_split_sequence(const char *s)
{
    const char *p = s;
    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (*p == ' ' && ((unsigned char)p[1] & 0xC0u) == 0x80u)
            return 0;
    }
    return 1;
}

/* Unfold s (remove every CRLF followed by one space) into a malloc'd
** string the caller frees. */
static char *unfold(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    while (*s) {
        if (s[0] == '\r' && s[1] == '\n' && s[2] == ' ')
            s += 3;
        else
            *o++ = *s++;
    }
    *o = '\0';
    return out;
}

/* TEXT escaping of the special characters, newlines and control chars. */
static void test_escape(void)
{
    buf b = BUF_INIT;
    ical_escape_text(&b, "a,b;c\\d");
    CHECK_STR(buf_str(&b), "a\\,b\\;c\\\\d");
    buf_reset(&b);
    ical_escape_text(&b, "line1\nline2\r\nline3\rx\ty\x01z\x7F" "end");
    CHECK_STR(buf_str(&b), "line1\\nline2\\nline3xyzend");
    buf_reset(&b);
    ical_escape_text(&b, "Caf\xC3\xA9: \"quoted\" 100% \xE2\x80\x93 ok");
    CHECK_STR(buf_str(&b), "Caf\xC3\xA9: \"quoted\" 100% \xE2\x80\x93 ok");
    buf_reset(&b);
    ical_escape_text(&b, NULL);
    ical_escape_text(&b, "");
    CHECK_STR(buf_str(&b), "");
    CHECK(b.len == 0);
    buf_free(&b);
}

/* Folding of short, exactly-full and long ASCII lines. */
static void test_fold_ascii(void)
{
    buf b = BUF_INIT;
    ical_fold_line(&b, "SUMMARY", "short");
    CHECK_STR(buf_str(&b), "SUMMARY:short\r\n");

    /* Exactly 75 octets: no fold. */
    char v[200];
    memset(v, 'x', sizeof v);
    v[75 - 8] = '\0';
    buf_reset(&b);
    ical_fold_line(&b, "SUMMARY", v);
    CHECK(b.len == 77);
    CHECK(strstr(buf_str(&b), "\r\n ") == NULL);
    /* 76 octets: one fold, the last octet on a continuation line. */
    memset(v, 'x', sizeof v);
    v[76 - 8] = '\0';
    buf_reset(&b);
    ical_fold_line(&b, "SUMMARY", v);
    CHECK(longest_line(buf_str(&b)) == 75);
    CHECK(strstr(buf_str(&b), "\r\n x\r\n") != NULL);

    buf val = BUF_INIT, want = BUF_INIT;
    for (int i = 0; i < 100; i++)
        buf_printf(&val, "word%d ", i);
    buf_reset(&b);
    ical_fold_line(&b, "DESCRIPTION", buf_str(&val));
    CHECK(crlf_only(buf_str(&b)));
    CHECK(longest_line(buf_str(&b)) <= 75);
    CHECK(strstr(buf_str(&b), "\r\n ") != NULL);
    char *u = unfold(buf_str(&b));
    buf_printf(&want, "DESCRIPTION:%s\r\n", buf_str(&val));
    CHECK_STR(u, buf_str(&want));
    free(u);

    /* A CR or LF slipped into a value is dropped, never emitted bare. */
    buf_reset(&b);
    ical_fold_line(&b, "X", "a\nb\rc");
    CHECK_STR(buf_str(&b), "X:abc\r\n");
    buf_reset(&b);
    ical_fold_line(&b, NULL, NULL);
    CHECK_STR(buf_str(&b), ":\r\n");
    buf_free(&b);
    buf_free(&val);
    buf_free(&want);
}

/* Folding of long multi-byte UTF-8 lines at every alignment. */
static void test_fold_utf8(void)
{
    const char *seqs[] = {"\xC3\xA9", "\xE2\x80\x93", "\xF0\x9F\x98\x80"};
    int ok_len = 1, ok_split = 1, ok_unfold = 1, ok_crlf = 1;
    for (size_t s = 0; s < 3; s++) {
        for (int shift = 0; shift < 4; shift++) {
            buf val = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
            for (int i = 0; i < shift; i++)
                buf_putc(&val, 'a');
            for (int i = 0; i < 120; i++)
                buf_puts(&val, seqs[s]);
            ical_fold_line(&out, "LOCATION", buf_str(&val));
            ok_len &= longest_line(buf_str(&out)) <= 75;
            ok_split &= no_split_sequence(buf_str(&out));
            ok_crlf &= crlf_only(buf_str(&out));
            char *u = unfold(buf_str(&out));
            buf_printf(&want, "LOCATION:%s\r\n", buf_str(&val));
            ok_unfold &= strcmp(u, buf_str(&want)) == 0;
            free(u);
            buf_free(&val);
            buf_free(&out);
            buf_free(&want);
        }
    }
    CHECK(ok_len);
    CHECK(ok_split);
    CHECK(ok_unfold);
    CHECK(ok_crlf);

    /* Malformed UTF-8 (a long run of stray continuation bytes) still folds
    ** within the limit and loses nothing. */
    buf val = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
    for (int i = 0; i < 200; i++)
        buf_putc(&val, 0x80);
    ical_fold_line(&out, "X", buf_str(&val));
    CHECK(longest_line(buf_str(&out)) <= 75);
    char *u = unfold(buf_str(&out));
    buf_printf(&want, "X:%s\r\n", buf_str(&val));
    CHECK_STR(u, buf_str(&want));
    free(u);
    buf_free(&val);
    buf_free(&out);
    buf_free(&want);
}

/* Parse "YYYY-MM-DD" for the tests, which only use valid dates. */
static int32_t day(const char *s)
{
    int32_t d = 0;
    date_parse(s, &d);
    return d;
}

/* A whole calendar: header, two events across boundaries, footer. */
static void test_calendar(void)
{
    buf b = BUF_INIT;
    ical_begin(&b, "-//Journeys//Courses//EN", "Courses, retreats; more");
    ical_event ev = {
        .uid = "offering-pv-2020-03@journeys",
        .summary = "Practice week: body, breath; mind",
        .description = "Line one\nLine two, with a comma\r\nLast \\ line "
                       "that is long enough to need folding because it goes "
                       "on and on past seventy-five octets.",
        .location = "Caf\xC3\xA9 du Lac, Gen\xC3\xA8ve",
        .url = "https://example.org/c?a=1,2;b=3\n",
        .first_day = day("2020-03-30"),
        .last_day = day("2020-04-03"),
        .stamp = 784111777,
        .categories = "Course, Retreat;x ,, ",
    };
    ical_event_write(&b, &ev);
    ical_event ev2 = {
        .uid = "offering-ny-2019-12@journeys",
        .summary = "New year",
        .first_day = day("2019-12-30"),
        .last_day = day("2020-01-03"),
        .stamp = 0,
    };
    ical_event_write(&b, &ev2);
    ical_end(&b);
    const char *s = buf_str(&b);

    CHECK(!buf_failed(&b));
    CHECK(crlf_only(s));
    CHECK(longest_line(s) <= 75);
    const char *head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                       "PRODID:-//Journeys//Courses//EN\r\n"
                       "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
                       "X-WR-CALNAME:Courses\\, retreats\\; more\r\n"
                       "BEGIN:VEVENT\r\n";
    CHECK(strncmp(s, head, strlen(head)) == 0);
    CHECK_CONTAINS(s, "\r\nUID:offering-pv-2020-03@journeys\r\n");
    CHECK_CONTAINS(s, "\r\nDTSTAMP:19941106T084937Z\r\n");
    CHECK_CONTAINS(s, "\r\nDTSTART;VALUE=DATE:20200330\r\n");
    CHECK_CONTAINS(s, "\r\nDTEND;VALUE=DATE:20200404\r\n");
    CHECK_CONTAINS(s, "\r\nSUMMARY:Practice week: body\\, breath\\; mind\r\n");
    CHECK_CONTAINS(s, "\r\nLOCATION:Caf\xC3\xA9 du Lac\\, Gen\xC3\xA8ve\r\n");
    CHECK_CONTAINS(s, "\r\nURL:https://example.org/c?a=1,2;b=3\r\n");
    CHECK_CONTAINS(s, "\r\nTRANSP:TRANSPARENT\r\n");
    CHECK_CONTAINS(s, "\r\nCATEGORIES:Course,Retreat\\;x\r\n");
    char *u = unfold(s);
    CHECK_CONTAINS(u, "\r\nDESCRIPTION:Line one\\nLine two\\, with a comma"
                      "\\nLast \\\\ line that is long enough to need folding "
                      "because it goes on and on past seventy-five octets."
                      "\r\n");
    free(u);
    CHECK_CONTAINS(s, "\r\nDESCRIPTION:Line one\\nLine two\\, with a comma"
                      "\\nLast \\\\ line that is long en\r\n ough to ");

    CHECK_CONTAINS(s, "\r\nUID:offering-ny-2019-12@journeys\r\n"
                      "DTSTAMP:19700101T000000Z\r\n"
                      "SEQUENCE:0\r\n"
                      "DTSTART;VALUE=DATE:20191230\r\n"
                      "DTEND;VALUE=DATE:20200104\r\n"
                      "SUMMARY:New year\r\n"
                      "TRANSP:TRANSPARENT\r\n"
                      "END:VEVENT\r\n"
                      "END:VCALENDAR\r\n");
    /* Optional fields left out when NULL. */
    const char *second = strstr(s, "offering-ny");
    CHECK(second && strstr(second, "DESCRIPTION") == NULL);
    CHECK(second && strstr(second, "URL") == NULL);
    CHECK(second && strstr(second, "CATEGORIES") == NULL);
    CHECK(second && strstr(second, "LOCATION") == NULL);

    /* Single day: DTEND the next day; a reversed span acts as one day. */
    buf_reset(&b);
    ical_event one = {.uid = "u", .summary = "s",
                      .first_day = day("2020-02-29"),
                      .last_day = day("2020-02-28")};
    ical_event_write(&b, &one);
    CHECK_CONTAINS(buf_str(&b), "DTSTART;VALUE=DATE:20200229\r\n"
                                "DTEND;VALUE=DATE:20200301\r\n");
    /* A summary trying to inject a property stays one escaped line. */
    buf_reset(&b);
    ical_event evil = {.uid = "u\r\nX-EVIL:1", .summary = "a\r\nEND:VEVENT",
                       .url = "http://x/\r\nX-EVIL:2", .first_day = 0,
                       .last_day = 0};
    ical_event_write(&b, &evil);
    CHECK(crlf_only(buf_str(&b)));
    CHECK(strstr(buf_str(&b), "\r\nX-EVIL") == NULL);
    CHECK(strstr(buf_str(&b), "\r\nEND:VEVENT\r\n") ==
          buf_str(&b) + b.len - 14);
    CHECK_CONTAINS(buf_str(&b), "SUMMARY:a\\nEND:VEVENT\r\n");
    CHECK_CONTAINS(buf_str(&b), "URL:http://x/X-EVIL:2\r\n");

    /* A NULL calendar name leaves its line out. */
    buf_reset(&b);
    ical_begin(&b, NULL, NULL);
    CHECK(strstr(buf_str(&b), "X-WR-CALNAME") == NULL);
    CHECK_CONTAINS(buf_str(&b), "PRODID:");
    CHECK(crlf_only(buf_str(&b)));
    buf_free(&b);
}

/* One offering, the one way every calendar of the site writes it. */
static void test_offering(void)
{
    buf b = BUF_INIT;
    ical_offering o = {"pv-2026-01", "Purpose and Vision", "Journeys", "Maya", "2026-01-12", "2026-01-16", 1, 0, 0, 0};
    ical_offering_write(&b, "https://courses.example.org", &o);
    const char *s = buf_str(&b);
    CHECK(!buf_failed(&b));
    CHECK_CONTAINS(s, "UID:offering-pv-2026-01@journeys\r\n");
    CHECK_CONTAINS(s, "\r\nSEQUENCE:0\r\n");
    CHECK_CONTAINS(s, "\r\nSTATUS:CONFIRMED\r\n");
    CHECK_CONTAINS(s, "SUMMARY:[Demo] Purpose and Vision (Journeys)\r\n");
    CHECK_CONTAINS(s, "URL:https://courses.example.org/offerings/pv-2026-01\r\n");
    CHECK_CONTAINS(s, "DTSTART;VALUE=DATE:20260112\r\n");
    CHECK_CONTAINS(s, "DTEND;VALUE=DATE:20260117\r\n");
    CHECK_CONTAINS(s, "(demonstration offering)");
    CHECK_CONTAINS(s, "Facilitated by Maya");
    CHECK_CONTAINS(s, "LOCATION:Online\r\n");
    buf_reset(&b);
    ical_offering plain = {"gp-1", "Graduate Profile", NULL, NULL, "2026-02-02", "2026-02-06", 0, 0, 0, 0};
    ical_offering_write(&b, "http://127.0.0.1:8080", &plain);
    s = buf_str(&b);
    CHECK_CONTAINS(s, "SUMMARY:Graduate Profile\r\n");
    CHECK(strstr(s, "[Demo]") == NULL && strstr(s, "Facilitated") == NULL);
    CHECK_CONTAINS(s, "UID:offering-gp-1@journeys\r\n");
    buf_free(&b);
}

/* The same offering reached by another host name keeps its UID; an edit
** bumps SEQUENCE; a cancelled one says STATUS:CANCELLED and its summary
** says so, and is still an event (so calendars drop it rather than keep a
** stale copy). */
static void test_offering_changes(void)
{
    buf a = BUF_INIT, b = BUF_INIT;
    ical_offering o = {"al-2026-03", "Alignment", NULL, NULL, "2026-03-02", "2026-03-06", 0, 0, 0, 0};
    ical_offering_write(&a, "https://one.example.org", &o);
    ical_offering_write(&b, "http://127.0.0.1:9999", &o);
    CHECK_CONTAINS(buf_str(&a), "UID:offering-al-2026-03@journeys\r\n");
    CHECK_CONTAINS(buf_str(&b), "UID:offering-al-2026-03@journeys\r\n");
    buf_reset(&a);
    o.sequence = 3;
    o.starts = "2026-03-09";
    o.ends = "2026-03-13";
    ical_offering_write(&a, "https://one.example.org", &o);
    const char *s = buf_str(&a);
    CHECK_CONTAINS(s, "UID:offering-al-2026-03@journeys\r\n");
    CHECK_CONTAINS(s, "\r\nSEQUENCE:3\r\n");
    CHECK_CONTAINS(s, "\r\nSTATUS:CONFIRMED\r\n");
    CHECK_CONTAINS(s, "DTSTART;VALUE=DATE:20260309\r\n");
    CHECK(strstr(s, "CANCELLED") == NULL);
    buf_reset(&a);
    o.sequence = 4;
    o.cancelled = 1;
    ical_offering_write(&a, "https://one.example.org", &o);
    s = buf_str(&a);
    CHECK_CONTAINS(s, "BEGIN:VEVENT\r\n");
    CHECK_CONTAINS(s, "\r\nSEQUENCE:4\r\n");
    CHECK_CONTAINS(s, "\r\nSTATUS:CANCELLED\r\n");
    CHECK_CONTAINS(s, "SUMMARY:Cancelled: Alignment\r\n");
    CHECK(strstr(s, "STATUS:CONFIRMED") == NULL);
    /* A bare event: SEQUENCE 0 always, no STATUS unless asked. */
    buf_reset(&a);
    ical_event ev = {0};
    ev.uid = "x@journeys";
    ev.summary = "X";
    ev.sequence = -2;
    ical_event_write(&a, &ev);
    CHECK_CONTAINS(buf_str(&a), "\r\nSEQUENCE:0\r\n");
    CHECK(strstr(buf_str(&a), "STATUS") == NULL);
    buf_free(&a);
    buf_free(&b);
}

int main(void)
{
    test_escape();
    test_fold_ascii();
    test_fold_utf8();
    test_calendar();
    test_offering();
    test_offering_changes();
    return check_done();
}
