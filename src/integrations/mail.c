/*
** mail.c: address checks, MIME composition and SMTP delivery (see mail.h).
**
** Composition writes straight into the caller's buf. Every piece of caller
** text that lands in a header goes through clean_text() first (control
** characters become spaces, broken UTF-8 becomes '?'), and is then either a
** quoted-string or RFC 2047 encoded-words, so it can never start a line of
** its own. Bodies are quoted-printable, attachments base64; both keep lines
** within 76 characters.
*/
#include "mail.h"
#include "text.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#define LINE_MAX_SOFT 78   /* recommended header line length (RFC 5322 2.1.1) */
#define WORD_BYTES 42      /* input bytes per encoded-word: 56 base64 chars, 68 in all */
#define NAME_MAX_BYTES 200 /* display names are cut to this */
#define FILE_MAX_BYTES 100 /* attachment file names are cut to this */
#define TYPE_MAX_BYTES 200 /* longer attachment types fall back to octet-stream */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hex_digits[] = "0123456789ABCDEF";

/* 1 if c is one of the characters a bare address may not contain. */
static int addr_special(unsigned char c)
{
    return c <= ' ' || c >= 0x7f || strchr("<>,\"()[]:;\\", c) != NULL;
}

/* 1 if the n bytes at s form a dot-separated run of non-empty parts. */
static int dot_atoms(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (s[i] == '.' && s[i - 1] == '.')
            return 0;
    return 1;
}

int mail_addr_valid(const char *addr)
{
    if (!addr)
        return 0;
    size_t n = strnlen(addr, 255);
    if (n < 3 || n > 254)
        return 0;
    const char *at = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (c == '@') {
            if (at)
                return 0;
            at = addr + i;
        } else if (addr_special(c)) {
            return 0;
        }
    }
    if (!at)
        return 0;
    size_t local = (size_t)(at - addr), dom = n - local - 1;
    if (local == 0 || local > 64 || !dot_atoms(addr, local) || !dot_atoms(at + 1, dom))
        return 0;
    if (at[1] == '-' || at[dom] == '-')
        return 0;
    return memchr(at + 1, '.', dom) != NULL || strcmp(at + 1, "localhost") == 0;
}

/* Copy s (NULL is "") into out for use in a header: control characters
** (CR and LF included) become spaces, invalid UTF-8 bytes become '?', runs
** of spaces and the ends are trimmed, and the copy stops before max bytes
** without cutting a character. out is reset first. */
static void clean_text(buf *out, const char *s, size_t max)
{
    buf_reset(out);
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = text_utf8_seq(p + i, n - i);
        const char *piece = (const char *)p + i;
        char one = 0;
        if (k == 0) {
            one = '?';
            k = 1;
        } else if (k == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
            one = ' ';
        } else if (k == 1) {
            one = (char)p[i];
        }
        size_t add = one ? 1 : k;
        if (out->len + add > max)
            break;
        if (one == ' ' && (out->len == 0 || out->data[out->len - 1] == ' ')) {
            i += k;
            continue;
        }
        if (one)
            buf_putc(out, one);
        else
            buf_append(out, piece, k);
        i += k;
    }
    while (out->len > 0 && out->data[out->len - 1] == ' ')
        buf_truncate(out, out->len - 1);
}

/* 1 if the NUL-terminated s is printable ASCII only (space allowed). */
static int plain_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* Characters since the last line break in b (the current column). */
static size_t column(const buf *b)
{
    size_t i = b->len;
    while (i > 0 && b->data[i - 1] != '\n')
        i--;
    return b->len - i;
}

/* Append the n-byte token tok to a header, after a space, folding the line
** first (CRLF SP) when the token would carry it past 78 characters. */
static void put_token(buf *b, const char *tok, size_t n)
{
    size_t col = column(b);
    if (col > 1 && col + 1 + n > LINE_MAX_SOFT)
        buf_puts(b, "\r\n");
    buf_putc(b, ' ');
    buf_append(b, tok, n);
}

/* Base64 of n bytes (n <= 3) at p into out[4]. */
static void b64_quad(const unsigned char *p, size_t n, char *out)
{
    uint32_t v = (uint32_t)p[0] << 16;
    if (n > 1)
        v |= (uint32_t)p[1] << 8;
    if (n > 2)
        v |= p[2];
    out[0] = b64_alphabet[(v >> 18) & 63];
    out[1] = b64_alphabet[(v >> 12) & 63];
    out[2] = n > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
    out[3] = n > 2 ? b64_alphabet[v & 63] : '=';
}

/* Append the base64 encoding of n bytes at p, as one run without breaks. */
static void put_b64_run(buf *b, const unsigned char *p, size_t n)
{
    char q[4];
    for (size_t i = 0; i < n; i += 3) {
        b64_quad(p + i, n - i < 3 ? n - i : 3, q);
        buf_append(b, q, 4);
    }
}

/* Append the base64 encoding of n bytes at p in lines of 76 characters,
** each ended by CRLF (nothing at all when n is 0). */
static void put_b64_lines(buf *b, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i += 57) {
        put_b64_run(b, s + i, n - i < 57 ? n - i : 57);
        buf_puts(b, "\r\n");
    }
}

/* Append s (clean UTF-8) to a header as RFC 2047 B-encoded words of at most
** WORD_BYTES input bytes each, never splitting a character, folding lines
** between words as needed. */
static void put_encoded_words(buf *b, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = n - i < WORD_BYTES ? n - i : WORD_BYTES;
        while (k > 1 && i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
            k--;
        buf word = BUF_INIT;
        buf_puts(&word, "=?UTF-8?B?");
        put_b64_run(&word, (const unsigned char *)s + i, k);
        buf_puts(&word, "?=");
        put_token(b, buf_str(&word), word.len);
        buf_free(&word);
        i += k;
    }
}

/* Append a display name (already cleaned, non-empty) as a quoted-string when
** it is short printable ASCII, else as encoded-words. */
static void put_phrase(buf *b, const char *name)
{
    if (plain_ascii(name) && strlen(name) <= 60) {
        buf q = BUF_INIT;
        buf_putc(&q, '"');
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_putc(&q, '\\');
            buf_putc(&q, *p);
        }
        buf_putc(&q, '"');
        put_token(b, buf_str(&q), q.len);
        buf_free(&q);
    } else {
        put_encoded_words(b, name);
    }
}

/* Append the header line "field: name <addr>" (just "<addr>" when the
** cleaned name is empty). addr must already be valid. */
static void put_address(buf *b, const char *field, const char *name, const char *addr)
{
    buf clean = BUF_INIT;
    clean_text(&clean, name, NAME_MAX_BYTES);
    buf_printf(b, "%s:", field);
    if (clean.len > 0)
        put_phrase(b, buf_str(&clean));
    buf angle = BUF_INIT;
    buf_printf(&angle, "<%s>", addr);
    put_token(b, buf_str(&angle), angle.len);
    buf_puts(b, "\r\n");
    buf_free(&angle);
    buf_free(&clean);
}

/* Append the Subject header: plain when short printable ASCII, otherwise
** encoded-words on folded lines. */
static void put_subject(buf *b, const char *subject)
{
    buf clean = BUF_INIT;
    clean_text(&clean, subject, 4000);
    const char *s = buf_str(&clean);
    buf_puts(b, "Subject:");
    if (clean.len > 0 && plain_ascii(s) && clean.len + 9 <= LINE_MAX_SOFT) {
        buf_putc(b, ' ');
        buf_puts(b, s);
    } else if (clean.len > 0) {
        put_encoded_words(b, s);
    }
    buf_puts(b, "\r\n");
    buf_free(&clean);
}

/* Append the Date header for t in RFC 5322 form, in UTC. */
static void put_date(buf *b, time_t t)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday % 7], tm.tm_mday,
               months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Append n random bytes as lower-case hex. */
static void put_random_hex(buf *b, size_t n)
{
    unsigned char r[32];
    if (n > sizeof r)
        n = sizeof r;
    randombytes_buf(r, n);
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%02x", r[i]);
}

/* Append one quoted-printable token (1 or 3 characters) to a body line whose
** current length is *col, breaking softly first to stay within 76. */
static void qp_token(buf *b, const char *tok, size_t n, size_t *col)
{
    if (*col + n > 75) {
        buf_puts(b, "=\r\n");
        *col = 0;
    }
    buf_append(b, tok, n);
    *col += n;
}

/* Append s as a quoted-printable body: any line break (CRLF, LF, CR)
** becomes CRLF, lines stay within 76 characters, '=' and bytes outside
** printable ASCII are escaped, as are trailing blanks and a '.' or "From "
** at the start of a line. The output ends with CRLF only if s does. */
static void put_qp(buf *b, const char *s)
{
    size_t col = 0;
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && s[i + 1] == '\n')
                i++;
            buf_puts(b, "\r\n");
            col = 0;
            continue;
        }
        int at_end = s[i + 1] == '\0' || s[i + 1] == '\r' || s[i + 1] == '\n';
        int literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_end);
        if (col == 0 && (c == '.' || (c == 'F' && strncmp(s + i, "From ", 5) == 0)))
            literal = 0;
        if (literal) {
            char one = (char)c;
            qp_token(b, &one, 1, &col);
        } else {
            char esc[3] = {'=', hex_digits[c >> 4], hex_digits[c & 15]};
            qp_token(b, esc, 3, &col);
        }
    }
}

/* Append a text part (headers, blank line, quoted-printable body) of the
** given subtype ("plain" or "html"). Ends without a final line break. */
static void put_text_part(buf *b, const char *subtype, const char *body)
{
    buf_printf(b, "Content-Type: text/%s; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n", subtype);
    put_qp(b, body);
}

/* Append a fresh random MIME boundary into out (reset first). Quoted-
** printable and base64 text can never contain "=_", so it cannot clash. */
static void new_boundary(buf *out)
{
    buf_reset(out);
    buf_puts(out, "=_j");
    put_random_hex(out, 12);
}

/* Append the message content: a text/plain part, or multipart/alternative
** with the HTML too. Starts with its Content-Type header. */
static void put_content(buf *b, const mail_msg *m)
{
    if (!m->html) {
        put_text_part(b, "plain", m->text);
        buf_puts(b, "\r\n");
        return;
    }
    buf bd = BUF_INIT;
    new_boundary(&bd);
    const char *k = buf_str(&bd);
    buf_printf(b, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n--%s\r\n", k, k);
    put_text_part(b, "plain", m->text);
    buf_printf(b, "\r\n--%s\r\n", k);
    put_text_part(b, "html", m->html);
    buf_printf(b, "\r\n--%s--\r\n", k);
    buf_free(&bd);
}

/* 1 if t looks like a MIME type with optional parameters ("type/sub; a=b"),
** printable ASCII only and at most TYPE_MAX_BYTES long. */
static int mime_type_ok(const char *t)
{
    if (!t || !*t || strlen(t) > TYPE_MAX_BYTES || !plain_ascii(t))
        return 0;
    const char *slash = strchr(t, '/'), *semi = strchr(t, ';');
    return slash && slash != t && (!semi || slash < semi) && !strpbrk(t, "\\\r\n");
}

/* Append the parameter name=value for a file name: a quoted-string when
** printable ASCII, else RFC 2231 (name*=UTF-8''percent-encoded). */
static void put_file_param(buf *b, const char *param, const char *fname)
{
    if (plain_ascii(fname)) {
        buf_printf(b, "%s=\"", param);
        for (const char *p = fname; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_putc(b, '\\');
            buf_putc(b, *p);
        }
        buf_putc(b, '"');
        return;
    }
    buf_printf(b, "%s*=UTF-8''", param);
    for (const unsigned char *p = (const unsigned char *)fname; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            buf_putc(b, (char)*p);
        else
            buf_printf(b, "%%%c%c", hex_digits[*p >> 4], hex_digits[*p & 15]);
    }
}

/* Append the attachment part (headers and base64 body, ending with CRLF). */
static void put_attachment(buf *b, const mail_msg *m)
{
    buf fname = BUF_INIT;
    clean_text(&fname, m->attach_name, FILE_MAX_BYTES);
    if (fname.len == 0)
        buf_puts(&fname, "attachment");
    const char *type = mime_type_ok(m->attach_type) ? m->attach_type : "application/octet-stream";
    buf_printf(b, "Content-Type: %s;\r\n ", type);
    put_file_param(b, "name", buf_str(&fname));
    buf_puts(b, "\r\nContent-Disposition: attachment;\r\n ");
    put_file_param(b, "filename", buf_str(&fname));
    buf_puts(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    put_b64_lines(b, m->attach ? m->attach : "", m->attach ? m->attach_len : 0);
    buf_free(&fname);
}

/* 1 if id can go into a Message-ID header as it is: "<left@right>",
** printable ASCII without spaces, within 250 bytes. */
static int message_id_ok(const char *id)
{
    if (!id)
        return 0;
    size_t n = strlen(id);
    if (n < 5 || n > 250 || id[0] != '<' || id[n - 1] != '>' || !memchr(id, '@', n))
        return 0;
    for (size_t i = 1; i + 1 < n; i++)
        if (id[i] <= ' ' || id[i] > '~' || id[i] == '<' || id[i] == '>')
            return 0;
    return 1;
}

/* 1 if url can go into a List-Unsubscribe header as it is: http:// or
** https://, printable ASCII without spaces, quotes, angle brackets or
** backslashes, within 900 bytes (one header line stays under 998). */
static int unsubscribe_ok(const char *url)
{
    if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return 0;
    size_t n = strlen(url);
    if (n > 900)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (url[i] <= ' ' || url[i] > '~' || strchr("<>\"\\", url[i]))
            return 0;
    return 1;
}

int mail_message_id(buf *out, const char *from_addr)
{
    if (!mail_addr_valid(from_addr) || sodium_init() < 0)
        return -1;
    buf_putc(out, '<');
    put_random_hex(out, 16);
    buf_printf(out, "@%s>", strchr(from_addr, '@') + 1);
    return 0;
}

int mail_compose(buf *out, const char *from_addr, const char *from_name, const mail_msg *m, time_t now)
{
    if (!m || !m->text || !mail_addr_valid(from_addr) || !mail_addr_valid(m->to_addr))
        return -1;
    if (sodium_init() < 0)
        return -1;
    put_date(out, now);
    buf_puts(out, "Message-ID: ");
    if (message_id_ok(m->message_id)) {
        buf_puts(out, m->message_id);
    } else {
        buf_putc(out, '<');
        put_random_hex(out, 16);
        buf_printf(out, "@%s>", strchr(from_addr, '@') + 1);
    }
    buf_puts(out, "\r\n");
    put_address(out, "From", from_name, from_addr);
    put_address(out, "To", m->to_name, m->to_addr);
    put_subject(out, m->subject);
    buf_puts(out, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
    if (unsubscribe_ok(m->unsubscribe))
        buf_printf(out, "List-Unsubscribe: <%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                   m->unsubscribe);
    if (!m->attach_name) {
        put_content(out, m);
        return 0;
    }
    buf bd = BUF_INIT;
    new_boundary(&bd);
    const char *k = buf_str(&bd);
    buf_printf(out, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n--%s\r\n", k, k);
    put_content(out, m);
    buf_printf(out, "--%s\r\n", k);
    put_attachment(out, m);
    buf_printf(out, "--%s--\r\n", k);
    buf_free(&bd);
    return 0;
}

/* The unsent part of a message, handed to libcurl piece by piece. */
struct upload {
    const char *p;
    size_t left;
};

/* CURLOPT_READFUNCTION: copy up to size*nitems bytes of the message. */
static size_t upload_read(char *dst, size_t size, size_t nitems, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nitems;
    if (n > u->left)
        n = u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* Append "what" to err as one line: line breaks in it become spaces. */
static void put_reason(buf *err, const char *what)
{
    for (const char *p = what; *p; p++)
        buf_putc(err, *p == '\r' || *p == '\n' ? ' ' : *p);
}

int mail_send(const config *cfg, const char *to_addr, const char *msg, size_t len, buf *err)
{
    if (!mail_addr_valid(to_addr)) {
        buf_puts(err, "smtp: invalid recipient address");
        return -1;
    }
    if (!mail_addr_valid(cfg->mail_from)) {
        buf_puts(err, "smtp: invalid [mail] from address");
        return -1;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        buf_puts(err, "smtp: cannot start libcurl");
        return -1;
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    buf from = BUF_INIT, rcpt = BUF_INIT;
    buf_printf(&from, "<%s>", cfg->mail_from);
    buf_printf(&rcpt, "<%s>", to_addr);
    struct curl_slist *rcpts = curl_slist_append(NULL, buf_str(&rcpt));
    struct upload up = {msg, len};
    long t = cfg->smtp_timeout > 0 ? cfg->smtp_timeout : 20;
    curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url ? cfg->smtp_url : "");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, buf_str(&from));
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_USE_SSL, cfg->smtp_require_tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    if (cfg->smtp_user && *cfg->smtp_user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
    }
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, t);
    curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, t);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 2 * t);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = rcpts && !buf_failed(&from) && !buf_failed(&rcpt) ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
    long code = 0;
    if (rc != CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        buf_puts(err, "smtp: ");
        put_reason(err, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        if (code)
            buf_printf(err, " (SMTP %ld)", code);
    }
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(c);
    buf_free(&from);
    buf_free(&rcpt);
    if (rc == CURLE_OK)
        return 0;
    return code >= 500 && code <= 599 ? -2 : -1;
}
