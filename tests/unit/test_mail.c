/*
** test_mail.c: composing mail without a network: headers, RFC 2047
** subjects and names that decode back, header injection through names,
** subjects and attachment types, MIME structure with a base64 attachment
** that decodes to the original bytes, quoted-printable bodies that decode to
** the original text, line lengths and CRLF; hostile addresses; the retry
** backoff.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "jobs.h"
#include "mail.h"

#define FROM "journeys@example.org"
#define NOW ((time_t)1700000000) /* Tue, 14 Nov 2023 22:13:20 UTC */

/* Value of base64 digit c, or -1 for anything else. */
static int b64_val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode n characters of base64 at s into out, skipping line breaks and
** stopping at padding. */
static void b64_decode(const char *s, size_t n, buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int v = b64_val((unsigned char)s[i]);
        if (v < 0)
            continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_putc(out, (int)((acc >> bits) & 0xff));
        }
    }
}

/* Value of hex digit c, or -1. */
static int hex_val(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode n characters of quoted-printable at s into out. */
static void qp_decode(const char *s, size_t n, buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (s[i] == '=' && i + 2 < n && hex_val(s[i + 1]) >= 0 && hex_val(s[i + 2]) >= 0) {
            buf_putc(out, hex_val(s[i + 1]) * 16 + hex_val(s[i + 2]));
            i += 2;
        } else {
            buf_putc(out, s[i]);
        }
    }
}

/* The unfolded value of header name (case-sensitive, at a line start) in
** the header block of msg, into out (reset first). Returns 1 if found. */
static int header(const char *msg, const char *name, buf *out)
{
    buf_reset(out);
    const char *end = strstr(msg, "\r\n\r\n");
    size_t nl = strlen(name);
    for (const char *p = msg; p && p < end; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            for (;;) {
                const char *eol = strstr(v, "\r\n");
                buf_append(out, v, (size_t)(eol - v));
                if (eol[2] != ' ' && eol[2] != '\t')
                    break;
                v = eol + 2;
            }
            return 1;
        }
    }
    return 0;
}

/* Decode every RFC 2047 UTF-8 B-word in value (text outside the words,
** besides whitespace between them, is kept) into out (reset first). */
static void decode_words(const char *value, buf *out)
{
    buf_reset(out);
    const char *p = value;
    while (*p) {
        const char *w = strstr(p, "=?UTF-8?B?");
        if (!w) {
            buf_puts(out, p);
            break;
        }
        int only_space = 1;
        for (const char *q = p; q < w; q++)
            if (*q != ' ')
                only_space = 0;
        if (!only_space || out->len == 0)
            buf_append(out, p, (size_t)(w - p));
        const char *data = w + 10, *close = strstr(data, "?=");
        if (!close)
            break;
        b64_decode(data, (size_t)(close - data), out);
        p = close + 2;
    }
}

/* 1 if every line of msg ends with CRLF (no bare CR or LF) and none is
** longer than max characters. */
static int lines_ok(const char *msg, size_t len, size_t max)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\r') {
            if (i + 1 >= len || msg[i + 1] != '\n')
                return 0;
            i++;
            col = 0;
        } else if (msg[i] == '\n') {
            return 0;
        } else if (++col > max) {
            return 0;
        }
    }
    return len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n';
}

/* 1 if some line of msg starts with prefix. */
static int has_line(const char *msg, const char *prefix)
{
    if (strncmp(msg, prefix, strlen(prefix)) == 0)
        return 1;
    for (const char *p = strstr(msg, "\n"); p; p = strstr(p + 1, "\n"))
        if (strncmp(p + 1, prefix, strlen(prefix)) == 0)
            return 1;
    return 0;
}

/* Count of non-overlapping occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + strlen(needle), needle))
        n++;
    return n;
}

/* The boundary parameter following the Content-Type header value `type`
** (e.g. "multipart/mixed") into out. Returns 1 if found. */
static int boundary_of(const char *msg, const char *type, buf *out)
{
    buf_reset(out);
    const char *p = strstr(msg, type);
    if (!p || !(p = strstr(p, "boundary=\"")))
        return 0;
    p += 10;
    const char *q = strchr(p, '"');
    if (!q)
        return 0;
    buf_append(out, p, (size_t)(q - p));
    return 1;
}

/* Plain message: Date, Message-ID, addresses, encoded subject and name. */
static void test_headers(void)
{
    const char *subject = "Bienvenue à Journeys — ça commence lundi ✓ (cours d’été, groupe B)";
    mail_msg m = {.to_addr = "ana@example.com", .to_name = "Ana Pérez", .subject = subject,
                  .text = "Hello Ana.\n"};
    buf out = BUF_INIT, v = BUF_INIT, dec = BUF_INIT;
    CHECK(mail_compose(&out, FROM, "Journeys", &m, NOW) == 0);
    const char *s = buf_str(&out);
    CHECK(lines_ok(s, out.len, 78));
    CHECK(header(s, "Date", &v));
    CHECK_STR(buf_str(&v), " Tue, 14 Nov 2023 22:13:20 +0000");
    CHECK(header(s, "Message-ID", &v));
    CHECK(v.len == 1 + 1 + 32 + 1 + strlen("example.org") + 1);
    CHECK_CONTAINS(buf_str(&v), "@example.org>");
    CHECK(header(s, "From", &v));
    CHECK_STR(buf_str(&v), " \"Journeys\" <journeys@example.org>");
    CHECK(header(s, "To", &v));
    CHECK_CONTAINS(buf_str(&v), "=?UTF-8?B?");
    CHECK_CONTAINS(buf_str(&v), " <ana@example.com>");
    decode_words(buf_str(&v), &dec);
    CHECK_STR(buf_str(&dec), " Ana Pérez <ana@example.com>");
    CHECK(header(s, "Subject", &v));
    CHECK(count(buf_str(&v), "=?UTF-8?B?") >= 2); /* long enough to need several words */
    decode_words(buf_str(&v), &dec);
    CHECK(dec.len > 0 && dec.data[0] == ' ');
    CHECK_STR(buf_str(&dec) + 1, subject);
    /* Every encoded-word is at most 75 characters. */
    for (const char *w = strstr(s, "=?UTF-8?B?"); w; w = strstr(w + 1, "=?UTF-8?B?")) {
        const char *close = strstr(w + 10, "?=");
        CHECK(close && close + 2 - w <= 75);
    }
    CHECK(has_line(s, "MIME-Version: 1.0\r\n"));
    CHECK(has_line(s, "Auto-Submitted: auto-generated\r\n"));
    CHECK(has_line(s, "Content-Type: text/plain; charset=utf-8\r\n"));
    CHECK(has_line(s, "Content-Transfer-Encoding: quoted-printable\r\n"));
    CHECK(!strstr(s, "multipart"));
    /* A short ASCII subject stays readable. */
    buf_reset(&out);
    m.subject = "Your place is confirmed";
    m.to_name = NULL;
    CHECK(mail_compose(&out, FROM, NULL, &m, NOW) == 0);
    CHECK(header(buf_str(&out), "Subject", &v));
    CHECK_STR(buf_str(&v), " Your place is confirmed");
    CHECK(header(buf_str(&out), "To", &v));
    CHECK_STR(buf_str(&v), " <ana@example.com>");
    CHECK(header(buf_str(&out), "From", &v));
    CHECK_STR(buf_str(&v), " <journeys@example.org>");
    /* Two messages never share a Message-ID. */
    buf other = BUF_INIT, v2 = BUF_INIT;
    CHECK(mail_compose(&other, FROM, NULL, &m, NOW) == 0);
    header(buf_str(&out), "Message-ID", &v);
    header(buf_str(&other), "Message-ID", &v2);
    CHECK(strcmp(buf_str(&v), buf_str(&v2)) != 0);
    /* A message sent again carries the Message-ID it was given... */
    buf mid = BUF_INIT;
    CHECK(mail_message_id(&mid, FROM) == 0);
    CHECK(mid.len == 35 + strlen("example.org") && buf_str(&mid)[0] == '<');
    CHECK_CONTAINS(buf_str(&mid), "@example.org>");
    m.message_id = buf_str(&mid);
    buf_reset(&other);
    CHECK(mail_compose(&other, FROM, NULL, &m, NOW) == 0);
    header(buf_str(&other), "Message-ID", &v2);
    CHECK(buf_str(&v2)[0] == ' ' && strcmp(buf_str(&v2) + 1, buf_str(&mid)) == 0);
    buf_reset(&other);
    CHECK(mail_compose(&other, FROM, NULL, &m, NOW + 60) == 0);
    header(buf_str(&other), "Message-ID", &v);
    CHECK_STR(buf_str(&v), buf_str(&v2));
    /* ...unless it could add a header line or is not an id. */
    const char *bad_ids[] = {"<a@b>\r\nBcc: evil@x.org", "no-brackets@x.org", "<no-at>", "<a b@c>", ""};
    for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++) {
        m.message_id = bad_ids[i];
        buf_reset(&other);
        CHECK(mail_compose(&other, FROM, NULL, &m, NOW) == 0);
        CHECK(!strstr(buf_str(&other), "evil"));
        header(buf_str(&other), "Message-ID", &v2);
        CHECK_CONTAINS(buf_str(&v2), "@example.org>");
    }
    m.message_id = NULL;
    CHECK(mail_message_id(&mid, "not an address") == -1);
    buf_free(&mid);
    buf_free(&other);
    buf_free(&v2);
    buf_free(&out);
    buf_free(&v);
    buf_free(&dec);
}

/* CR/LF in names, subjects and attachment types cannot add header lines;
** quotes in names are escaped; bad addresses are refused. */
static void test_injection(void)
{
    mail_msg m = {.to_addr = "ana@example.com", .to_name = "Eve\r\nBcc: evil@x.org",
                  .subject = "Hi\r\nBcc: evil@x.org\nX-Evil: 1\rX-Also: 2", .text = "body",
                  .attach_name = "a\r\nBcc: evil@x.org", .attach_type = "text/plain\r\nBcc: evil@x.org",
                  .attach = "x", .attach_len = 1};
    buf out = BUF_INIT, v = BUF_INIT;
    CHECK(mail_compose(&out, FROM, "Journeys\nBcc: evil2@x.org", &m, NOW) == 0);
    const char *s = buf_str(&out);
    CHECK(lines_ok(s, out.len, 998));
    CHECK(!has_line(s, "Bcc"));
    CHECK(!has_line(s, "X-Evil"));
    CHECK(!has_line(s, "X-Also"));
    CHECK(header(s, "To", &v));
    CHECK_STR(buf_str(&v), " \"Eve Bcc: evil@x.org\" <ana@example.com>");
    CHECK(header(s, "Subject", &v));
    CHECK_STR(buf_str(&v), " Hi Bcc: evil@x.org X-Evil: 1 X-Also: 2");
    CHECK(has_line(s, "Content-Type: application/octet-stream;\r\n"));
    /* Quotes and backslashes in a name are escaped inside the quoted-string. */
    buf_reset(&out);
    m.to_name = "O\"Brien \\ Co";
    CHECK(mail_compose(&out, FROM, NULL, &m, NOW) == 0);
    CHECK(header(buf_str(&out), "To", &v));
    CHECK_STR(buf_str(&v), " \"O\\\"Brien \\\\ Co\" <ana@example.com>");
    /* Addresses with CR/LF or other junk are refused, nothing is written. */
    const char *bad_to[] = {"ana@example.com\r\nBcc: evil@x.org", "ana@example.com>\r\nRCPT TO:<x@y.z",
                            "Ana <ana@example.com>", "", NULL};
    for (size_t i = 0; i < sizeof bad_to / sizeof bad_to[0]; i++) {
        buf o = BUF_INIT;
        m.to_addr = bad_to[i];
        CHECK(mail_compose(&o, FROM, NULL, &m, NOW) == -1);
        CHECK(o.len == 0);
        buf_free(&o);
    }
    m.to_addr = "ana@example.com";
    buf o = BUF_INIT;
    CHECK(mail_compose(&o, "journeys@example.org\r\nBcc: x@y.z", NULL, &m, NOW) == -1);
    m.text = NULL;
    CHECK(mail_compose(&o, FROM, NULL, &m, NOW) == -1);
    CHECK(o.len == 0);
    buf_free(&o);
    buf_free(&out);
    buf_free(&v);
}

/* Broken UTF-8 in a subject is replaced, and what is sent is valid. */
static void test_bad_utf8(void)
{
    mail_msg m = {.to_addr = "ana@example.com", .subject = "caf\xc3 \xff\xfe ok \xe2\x82", .text = "x"};
    buf out = BUF_INIT, v = BUF_INIT, dec = BUF_INIT;
    CHECK(mail_compose(&out, FROM, NULL, &m, NOW) == 0);
    CHECK(header(buf_str(&out), "Subject", &v));
    decode_words(buf_str(&v), &dec);
    CHECK_STR(buf_str(&dec), " caf? ?? ok ??");
    buf_free(&out);
    buf_free(&v);
    buf_free(&dec);
}

/* The body part between "\r\n\r\n" after the header `marker` and the next
** "\r\n--boundary", into out (reset first). Returns 1 if found. */
static int part_body(const char *msg, const char *marker, const char *boundary, buf *out)
{
    buf_reset(out);
    const char *p = strstr(msg, marker);
    if (!p || !(p = strstr(p, "\r\n\r\n")))
        return 0;
    p += 4;
    buf delim = BUF_INIT;
    buf_printf(&delim, "\r\n--%s", boundary);
    const char *q = strstr(p, buf_str(&delim));
    buf_free(&delim);
    if (!q)
        return 0;
    buf_append(out, p, (size_t)(q - p));
    return 1;
}

/* multipart/mixed around multipart/alternative, base64 attachment and
** quoted-printable text and HTML that decode back to the originals. */
static void test_multipart(void)
{
    unsigned char bin[1000];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)(i * 37 + 11);
    bin[0] = 0;
    bin[1] = 0xff;
    char longline[301];
    memset(longline, 'x', 300);
    longline[300] = '\0';
    buf text = BUF_INIT;
    buf_printf(&text, "Grüße = 100%%\nline with trailing spaces  \n.dot line\nFrom me\r\n%s\nend\ttab\t", longline);
    const char *html = "<p>Grüße, <b>Ana</b> = friend</p>\n";
    mail_msg m = {.to_addr = "ana@example.com", .subject = "Calendar", .text = buf_str(&text), .html = html,
                  .attach_name = "offering.ics", .attach_type = "text/calendar; method=PUBLISH",
                  .attach = (const char *)bin, .attach_len = sizeof bin};
    buf out = BUF_INIT, mixed = BUF_INIT, alt = BUF_INIT, part = BUF_INIT, dec = BUF_INIT;
    CHECK(mail_compose(&out, FROM, "Journeys", &m, NOW) == 0);
    const char *s = buf_str(&out);
    CHECK(lines_ok(s, out.len, 78));
    CHECK(boundary_of(s, "Content-Type: multipart/mixed", &mixed));
    CHECK(boundary_of(s, "Content-Type: multipart/alternative", &alt));
    CHECK(mixed.len >= 20 && alt.len >= 20 && strcmp(buf_str(&mixed), buf_str(&alt)) != 0);
    /* The mixed boundary: two delimiters and the closing one, at line starts. */
    buf d = BUF_INIT;
    buf_printf(&d, "\r\n--%s\r\n", buf_str(&mixed));
    CHECK(count(s, buf_str(&d)) == 2);
    buf_reset(&d);
    buf_printf(&d, "\r\n--%s--\r\n", buf_str(&mixed));
    CHECK(count(s, buf_str(&d)) == 1);
    CHECK(strlen(s) >= d.len && strcmp(s + out.len - d.len, buf_str(&d)) == 0);
    buf_reset(&d);
    buf_printf(&d, "\r\n--%s\r\n", buf_str(&alt));
    CHECK(count(s, buf_str(&d)) == 2);
    buf_reset(&d);
    buf_printf(&d, "\r\n--%s--\r\n", buf_str(&alt));
    CHECK(count(s, buf_str(&d)) == 1);
    buf_free(&d);
    /* The alternative sits inside the mixed part, text before html, before the attachment. */
    const char *pa = strstr(s, "multipart/alternative"), *pt = strstr(s, "text/plain"),
               *ph = strstr(s, "text/html"), *pc = strstr(s, "Content-Type: text/calendar");
    CHECK(pa && pt && ph && pc && strstr(s, "multipart/mixed") < pa && pa < pt && pt < ph && ph < pc);
    /* Attachment headers and content. */
    CHECK(has_line(s, "Content-Type: text/calendar; method=PUBLISH;\r\n name=\"offering.ics\"\r\n"));
    CHECK(has_line(s, "Content-Disposition: attachment;\r\n filename=\"offering.ics\"\r\n"));
    CHECK(part_body(s, "Content-Disposition: attachment", buf_str(&mixed), &part));
    b64_decode(part.data, part.len, &dec);
    CHECK(dec.len == sizeof bin && memcmp(dec.data, bin, sizeof bin) == 0);
    /* Text part decodes to the text with CRLF line ends. */
    CHECK(part_body(s, "Content-Type: text/plain", buf_str(&alt), &part));
    CHECK(!strstr(buf_str(&part), "\n.")); /* a leading dot is always encoded */
    CHECK(!strstr(buf_str(&part), "\nFrom "));
    buf_reset(&dec);
    qp_decode(part.data, part.len, &dec);
    buf want = BUF_INIT;
    buf_printf(&want, "Grüße = 100%%\r\nline with trailing spaces  \r\n.dot line\r\nFrom me\r\n%s\r\nend\ttab\t",
               longline);
    CHECK_STR(buf_str(&dec), buf_str(&want));
    CHECK(part_body(s, "Content-Type: text/html", buf_str(&alt), &part));
    buf_reset(&dec);
    qp_decode(part.data, part.len, &dec);
    CHECK_STR(buf_str(&dec), "<p>Grüße, <b>Ana</b> = friend</p>\r\n");
    /* Two compositions use different boundaries. */
    buf again = BUF_INIT, mixed2 = BUF_INIT;
    CHECK(mail_compose(&again, FROM, NULL, &m, NOW) == 0);
    CHECK(boundary_of(buf_str(&again), "Content-Type: multipart/mixed", &mixed2));
    CHECK(strcmp(buf_str(&mixed), buf_str(&mixed2)) != 0);
    /* A non-ASCII file name goes out RFC 2231-encoded. */
    buf_reset(&again);
    m.attach_name = "séance 1.ics";
    m.html = NULL;
    CHECK(mail_compose(&again, FROM, NULL, &m, NOW) == 0);
    CHECK_CONTAINS(buf_str(&again), " filename*=UTF-8''s%C3%A9ance%201.ics\r\n");
    CHECK(!strstr(buf_str(&again), "multipart/alternative"));
    CHECK(lines_ok(buf_str(&again), again.len, 78));
    buf_free(&again);
    buf_free(&mixed2);
    buf_free(&want);
    buf_free(&text);
    buf_free(&out);
    buf_free(&mixed);
    buf_free(&alt);
    buf_free(&part);
    buf_free(&dec);
}

/* Plausible and hostile addresses. */
static void test_addr(void)
{
    const char *good[] = {"a@b.co", "first.last+tag@sub.example.org", "x@localhost", "o'neil@example.ie",
                          "a_b-c@x-y.example.com"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(mail_addr_valid(good[i]) == 1);
    char longaddr[300], longlocal[80];
    memset(longaddr, 'a', sizeof longaddr);
    memcpy(longaddr + 250, "@b.co", 6); /* 255 bytes */
    memset(longlocal, 'a', sizeof longlocal);
    memcpy(longlocal + 65, "@b.co", 6); /* local part of 65 */
    const char *bad[] = {NULL, "", "a", "@b.c", "a@", "a@b", "a@@b.c", "a@b@c.de", "a b@c.de", "a@b.c\r\n",
                         "a@b.c\r\nRCPT TO:<x@y.z>", "a\n@b.c", "<a@b.c>", "a@b.c,d@e.f", "\"a\"@b.c",
                         "a(b)@c.de", "a@.b.c", "a@b..c", "a@b.c.", ".a@b.c", "a.@b.c", "a..b@c.de",
                         "\xc3\xa9@b.c", "a@-b.c", "a@b.c-", "a@b.c\t", "a;b@c.de", "a@[1.2.3.4]",
                         "a\\b@c.de", "a@b.c\x7f", "a\x01@b.c", longaddr, longlocal, "a@localhost.", "a@local"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int v = mail_addr_valid(bad[i]);
        if (v)
            fprintf(stderr, "accepted bad address %zu\n", i);
        CHECK(v == 0);
    }
}

/* Backoff: doubling from a minute, capped at six hours, jitter within 10%. */
static void test_backoff(void)
{
    for (int k = 0; k < 50; k++) {
        time_t b1 = jobs_backoff(1), b2 = jobs_backoff(2), b3 = jobs_backoff(3), b9 = jobs_backoff(9),
               b10 = jobs_backoff(10),
               big = jobs_backoff(1000), zero = jobs_backoff(0);
        CHECK(b1 >= 60 && b1 <= 66);
        CHECK(b2 >= 120 && b2 <= 132);
        CHECK(b3 >= 240 && b3 <= 264);
        CHECK(b9 >= 15360 && b9 <= 15360 + 1536);
        CHECK(b10 >= 6 * 3600 && b10 <= 6 * 3600 + 2160);
        CHECK(big >= 6 * 3600 && big <= 6 * 3600 + 2160);
        CHECK(zero >= 60 && zero <= 66);
    }
    int varied = 0;
    time_t first = jobs_backoff(8);
    for (int k = 0; k < 20; k++)
        varied |= jobs_backoff(8) != first;
    CHECK(varied);
}

int main(void)
{
    test_headers();
    test_injection();
    test_bad_utf8();
    test_multipart();
    test_addr();
    test_backoff();
    return check_done();
}
