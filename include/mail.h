/*
** mail.h: outgoing mail: address checks, composing an RFC 5322 / MIME
** message, and handing it to an SMTP server with libcurl.
**
** Nothing here queues or retries: mail is queued in the outbox
** (store_outbox.h) inside the transaction that causes it, and the jobs pass
** (jobs.h) composes and sends it later. Composition never fails on content:
** names and subjects are cleaned (CR, LF and other control characters become
** spaces) and encoded, so no caller-supplied text can add a header line.
*/
#ifndef JOURNEYS_MAIL_H
#define JOURNEYS_MAIL_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "config.h"

typedef struct mail_msg {
    const char *to_addr, *to_name;          /* to_name may be NULL */
    const char *subject;                    /* UTF-8 */
    const char *text;                       /* plain-text body, required */
    const char *html;                       /* HTML alternative, may be NULL */
    const char *attach_name, *attach_type;  /* e.g. "offering.ics", "text/calendar; method=PUBLISH"; may be NULL */
    const char *attach;                     /* attachment bytes; an attachment goes out when attach_name is set */
    size_t attach_len;
    const char *message_id;                 /* "<id@domain>" to send, the same on every attempt; NULL: a new one */
    const char *unsubscribe;                /* one-click unsubscribe URL (https?://...), or NULL */
} mail_msg;

/* 1 if addr is a plausible single address: local@domain, 3..254 bytes of
** printable ASCII, no spaces or control characters, none of <>,"()[]:;\,
** exactly one '@', local part of 1..64 bytes and domain without empty
** labels, containing a dot or equal to "localhost". 0 otherwise (NULL too). */
int mail_addr_valid(const char *addr);

/* Append a new Message-ID for mail from from_addr to out:
** "<32 random hex digits@domain-of-from>". Returns 0, or -1 (out untouched)
** when from_addr is not a valid address or libsodium cannot start. */
int mail_message_id(buf *out, const char *from_addr);

/* Compose a message from from_addr (display name from_name, may be NULL) to
** m->to_addr, appending it to out. Headers: Date (from now, UTC),
** Message-ID (m->message_id when it is a plausible "<...@...>" of printable
** ASCII within 250 bytes, else a new one as mail_message_id makes), From, To (display names as a
** quoted-string when short printable ASCII, else RFC 2047 encoded-words),
** Subject (plain when short printable ASCII, else RFC 2047 B-encoded UTF-8
** words of <= 75 characters on folded lines), MIME-Version, Auto-Submitted:
** auto-generated; and when m->unsubscribe is a plausible http(s) URL
** (printable ASCII without spaces, quotes or angle brackets, within 900
** bytes) List-Unsubscribe: <URL> and List-Unsubscribe-Post:
** List-Unsubscribe=One-Click (RFC 8058; any other value is left out).
** Body: text/plain, or multipart/alternative with text/html
** when m->html is set, both UTF-8 quoted-printable; wrapped in
** multipart/mixed with a base64 attachment when m->attach_name is set (an
** attach_type that is not a plain "type/subtype; params" becomes
** application/octet-stream). Random boundaries from libsodium. CRLF line
** endings; lines within 78 characters, except attachment header lines
** carrying a long type or file name (always within 998). Returns 0 (check
** buf_failed(out) for memory), or -1 with out untouched when an address is
** invalid, m->text is NULL or libsodium cannot start. */
int mail_compose(buf *out, const char *from_addr, const char *from_name, const mail_msg *m, time_t now);

/* Send one composed message (msg, len bytes) over SMTP with libcurl to
** cfg->smtp_url (smtp:// or smtps://): MAIL FROM cfg->mail_from, RCPT TO
** to_addr, TLS required when cfg->smtp_require_tls (else tried), the
** configured user and password when set. cfg->smtp_timeout bounds the
** connection and each server response; the whole exchange is capped at
** twice that. Blocking; call it outside any transaction. Returns 0; -2 when
** the server refused the message for good (a permanent 5xx answer: sending
** it again would fail the same way); or -1 for anything worth retrying
** (no connection, a timeout, a 4xx). On failure a one-line reason is
** appended to err (libcurl's message and the last SMTP response code). */
int mail_send(const config *cfg, const char *to_addr, const char *msg, size_t len, buf *err);

#endif
