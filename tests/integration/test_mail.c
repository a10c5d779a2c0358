/*
** test_mail.c: the outbox against a real SMTP server (aiosmtpd) and a
** stand-in community API (a small Python HTTP server): queued mail is
** delivered once, SMTP outages are retried with backoff and nothing is sent
** twice (not even by two passes at once), rows that keep failing are marked failed and can be retried by
** staff, and community invitations go out with the right request. A message
** keeps one Message-ID across its retries, is listed for staff from its
** first failed attempt, and is not retried after a permanent 5xx. Then the
** staff outbox pages and "Retry now" through real nginx.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "browser.h"
#include "check.h"
#include "community.h"
#include "config.h"
#include "db.h"
#include "jobs.h"
#include "log.h"
#include "mail.h"
#include "smtp.h"
#include "store_enrol.h"
#include "store_outbox.h"

static smtp_server smtp;
static db *d;
static config cfg;
static arena *ar;
static char tmpdir[64];

static const char ics[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Journeys//EN\r\n"
                          "METHOD:PUBLISH\r\nBEGIN:VEVENT\r\nUID:c1-2025@example.org\r\n"
                          "DTSTART;VALUE=DATE:20250901\r\nSUMMARY:Course one\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/* Value of base64 digit c, or -1 for anything else. */
static int b64_val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode n characters of base64 at s into out, skipping anything else and
** stopping at padding. */
static void b64_decode(const char *s, size_t n, buf *out)
{
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int v = b64_val((unsigned char)s[i]);
        if (v < 0)
            continue;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_putc(out, (int)((acc >> bits) & 0xff));
        }
    }
}

/* The stored message whose envelope recipient is rcpt, copied into out
** (reset first): from the "Date:" line starting it to the next message.
** Returns the number of stored messages for rcpt. */
static int message_for(const char *all, const char *rcpt, buf *out)
{
    buf key = BUF_INIT;
    buf_printf(&key, "\nX-RcptTo: %s\n", rcpt);
    int n = 0;
    buf_reset(out);
    for (const char *p = strstr(all, buf_str(&key)); p; p = strstr(p + 1, buf_str(&key))) {
        n++;
        const char *start = p;
        while (start > all && strncmp(start, "Date: ", 6) != 0)
            start--;
        const char *end = strstr(p + 1, "\nDate: ");
        buf_reset(out);
        buf_append(out, start, end ? (size_t)(end - start + 1) : strlen(start));
    }
    buf_free(&key);
    return n;
}

/* The decoded Subject of a stored message (encoded-words decoded, folding
** removed) into out (reset first). */
static void subject_of(const char *msg, buf *out)
{
    buf_reset(out);
    const char *p = strstr(msg, "\nSubject:");
    if (!p)
        return;
    p += 9;
    while (*p == ' ')
        p++;
    const char *end = p;
    while (*end && !(end[0] == '\n' && end[1] != ' ' && end[1] != '\t'))
        end++;
    while (p < end) {
        const char *w = strstr(p, "=?UTF-8?B?");
        if (!w || w >= end) {
            buf_append(out, p, (size_t)(end - p));
            break;
        }
        for (const char *q = p; q < w; q++)
            if (*q != ' ' && *q != '\n' && *q != '\r' && *q != '\t') {
                buf_append(out, p, (size_t)(w - p));
                break;
            }
        const char *data = w + 10, *close = strstr(data, "?=");
        if (!close || close > end)
            break;
        b64_decode(data, (size_t)(close - data), out);
        p = close + 2;
    }
}

/* 1 if all Message-ID values in the stored messages are distinct. */
static int ids_unique(const char *all)
{
    int ok = 1;
    for (const char *p = strstr(all, "\nMessage-ID: "); p && ok; p = strstr(p + 1, "\nMessage-ID: ")) {
        const char *eol = strchr(p + 1, '\n');
        buf id = BUF_INIT;
        buf_append(&id, p, (size_t)(eol - p + 1));
        int seen = 0;
        for (const char *q = strstr(all, buf_str(&id)); q; q = strstr(q + 1, buf_str(&id)))
            seen++;
        ok = seen == 1;
        buf_free(&id);
    }
    return ok;
}

/* Queue a plain mail to addr in its own write transaction; its id. */
static int64_t queue(const char *addr, const char *subject, time_t now)
{
    mail_msg m = {.to_addr = addr, .subject = subject, .text = "Hello.\nSee you soon.\n"};
    CHECK(db_begin_write(d) == 0);
    int64_t id = outbox_add_mail(d, &m, now);
    CHECK(db_commit(d) == 0);
    CHECK(id > 0);
    return id;
}

/* The state of row id (strings in the test arena). */
static outbox_state state(int64_t id)
{
    outbox_state s;
    memset(&s, 0, sizeof s);
    CHECK(outbox_get(d, ar, id, &s) == 1);
    return s;
}

/* (1) Three mails, one with an .ics attachment, one with a UTF-8 subject:
** all delivered with the right headers, marked sent, sent only once. */
static void test_deliver(time_t now)
{
    const char *utf8 = "Bienvenue — cours d’été ✓";
    mail_msg a = {.to_addr = "ana@example.com", .to_name = "Ana Pérez", .subject = "Welcome to Journeys",
                  .text = "Welcome, Ana.\n", .html = "<p>Welcome, <b>Ana</b>.</p>"};
    mail_msg b = {.to_addr = "ben@example.com", .subject = "Your calendar", .text = "The dates are attached.\n",
                  .attach_name = "offering.ics", .attach_type = "text/calendar; method=PUBLISH",
                  .attach = ics, .attach_len = sizeof ics - 1};
    mail_msg c = {.to_addr = "cleo@example.com", .to_name = "Cléo", .subject = utf8, .text = "Salut Cléo.\n"};
    CHECK(db_begin_write(d) == 0);
    int64_t ia = outbox_add_mail(d, &a, now), ib = outbox_add_mail(d, &b, now), ic = outbox_add_mail(d, &c, now);
    CHECK(db_commit(d) == 0);
    CHECK(ia > 0 && ib > ia && ic > ib);
    json_t *counts = outbox_counts(d);
    CHECK(json_integer_value(json_object_get(counts, "queued")) == 3);
    json_decref(counts);

    jobs_stats st;
    CHECK(jobs_outbox_pass(d, &cfg, now, &st) == 0);
    CHECK(st.sent == 3 && st.retried == 0 && st.failed == 0);
    CHECK(smtp_count(&smtp) == 3);
    buf all = BUF_INIT, msg = BUF_INIT, subj = BUF_INIT, dec = BUF_INIT;
    CHECK(smtp_read_all(&smtp, &all) == 3);
    CHECK(message_for(buf_str(&all), "ana@example.com", &msg) == 1);
    CHECK_CONTAINS(buf_str(&msg), "\nTo: =?UTF-8?B?QW5hIFDDqXJleg==?= <ana@example.com>\n");
    CHECK_CONTAINS(buf_str(&msg), "\nFrom: \"Journeys\" <journeys@localhost>\n");
    CHECK_CONTAINS(buf_str(&msg), "\nX-MailFrom: journeys@localhost\n");
    CHECK_CONTAINS(buf_str(&msg), "multipart/alternative");
    CHECK_CONTAINS(buf_str(&msg), "Welcome, <b>Ana</b>.");
    subject_of(buf_str(&msg), &subj);
    CHECK_STR(buf_str(&subj), "Welcome to Journeys");
    CHECK(message_for(buf_str(&all), "ben@example.com", &msg) == 1);
    CHECK_CONTAINS(buf_str(&msg), "\nTo: <ben@example.com>\n");
    CHECK_CONTAINS(buf_str(&msg), "Content-Type: text/calendar; method=PUBLISH;");
    CHECK_CONTAINS(buf_str(&msg), "filename=\"offering.ics\"");
    const char *att = strstr(buf_str(&msg), "Content-Transfer-Encoding: base64");
    CHECK(att != NULL);
    if (att) {
        att = strstr(att, "\n\n");
        const char *end = att ? strstr(att, "\n--") : NULL;
        CHECK(end != NULL);
        if (end)
            b64_decode(att, (size_t)(end - att), &dec);
        CHECK_STR(buf_str(&dec), ics);
    }
    CHECK(message_for(buf_str(&all), "cleo@example.com", &msg) == 1);
    CHECK_CONTAINS(buf_str(&msg), "=?UTF-8?B?");
    subject_of(buf_str(&msg), &subj);
    CHECK_STR(buf_str(&subj), utf8);
    CHECK(ids_unique(buf_str(&all)));

    int64_t ids[] = {ia, ib, ic};
    for (int i = 0; i < 3; i++) {
        outbox_state s = state(ids[i]);
        CHECK(s.sent_at == now && s.failed_at == 0 && s.attempts == 0);
    }
    CHECK(outbox_mark_sent(d, ia, now + 1) == 0); /* already sent: not again */
    CHECK(jobs_outbox_pass(d, &cfg, now + 100000, &st) == 0);
    CHECK(st.sent == 0 && st.retried == 0 && st.failed == 0);
    CHECK(smtp_count(&smtp) == 3);
    counts = outbox_counts(d);
    CHECK(json_integer_value(json_object_get(counts, "sent")) == 3);
    CHECK(json_integer_value(json_object_get(counts, "queued")) == 0);
    json_decref(counts);
    buf_free(&all);
    buf_free(&msg);
    buf_free(&subj);
    buf_free(&dec);
}

/* 1 if the JSON array of problems has an item with this id; its failed_at
** (0 when null) into *failed_at. */
static int problem_has(json_t *arr, int64_t id, json_int_t *failed_at)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        if (json_integer_value(json_object_get(o, "id")) == id) {
            *failed_at = json_integer_value(json_object_get(o, "failed_at"));
            return 1;
        }
    }
    return 0;
}

/* (2) SMTP down: five mails are retried later, then each delivered exactly
** once when the server is back. */
static void test_outage(time_t now)
{
    int before = smtp_count(&smtp);
    CHECK(smtp_pause(&smtp) == 0);
    int64_t ids[5];
    for (int i = 0; i < 5; i++) {
        char addr[64];
        snprintf(addr, sizeof addr, "down%d@example.com", i);
        ids[i] = queue(addr, "Queued while down", now);
    }
    jobs_stats st;
    CHECK(jobs_outbox_pass(d, &cfg, now, &st) == 0);
    CHECK(st.sent == 0 && st.retried == 5 && st.failed == 0);
    json_t *pr = outbox_problems(d);
    const char *first_ids[5];
    for (int i = 0; i < 5; i++) {
        outbox_state s = state(ids[i]);
        CHECK(s.attempts == 1 && s.sent_at == 0 && s.failed_at == 0);
        CHECK(s.next_attempt_at >= now + 60 && s.next_attempt_at <= now + 66);
        CHECK(s.last_error && strstr(s.last_error, "smtp:") != NULL);
        CHECK(!s.refused); /* no server at all: worth retrying */
        /* Failing from the first failed attempt on, for staff. */
        json_int_t fa = -1;
        CHECK(problem_has(pr, ids[i], &fa) && fa == 0);
        /* The Message-ID is fixed at the first attempt. */
        CHECK(s.message_id && s.message_id[0] == '<' && strstr(s.message_id, "@localhost>"));
        first_ids[i] = s.message_id;
    }
    json_decref(pr);
    /* A second failed attempt keeps it. */
    CHECK(jobs_outbox_pass(d, &cfg, now + 67, &st) == 0);
    CHECK(st.retried == 5);
    for (int i = 0; i < 5; i++) {
        outbox_state s = state(ids[i]);
        CHECK(s.attempts == 2);
        CHECK_STR(s.message_id, first_ids[i]);
    }
    /* The second backoff is 120..132 s from now + 67: from here on, "now"
       is 70 s after that attempt, so +30 is before it and +67 after it. */
    now += 67 + 70;
    /* Not due yet: a pass a little later does nothing. */
    CHECK(jobs_outbox_pass(d, &cfg, now + 30, &st) == 0);
    CHECK(st.sent == 0 && st.retried == 0);
    CHECK(smtp_resume(&smtp) == 0);
    CHECK(jobs_outbox_pass(d, &cfg, now + 30, &st) == 0);
    CHECK(st.sent == 0);
    CHECK(jobs_outbox_pass(d, &cfg, now + 67, &st) == 0);
    CHECK(st.sent == 5 && st.retried == 0);
    CHECK(jobs_outbox_pass(d, &cfg, now + 100000, &st) == 0);
    CHECK(st.sent == 0);
    CHECK(smtp_count(&smtp) == before + 5);
    buf all = BUF_INIT, msg = BUF_INIT;
    smtp_read_all(&smtp, &all);
    for (int i = 0; i < 5; i++) {
        char addr[64];
        snprintf(addr, sizeof addr, "down%d@example.com", i);
        CHECK(message_for(buf_str(&all), addr, &msg) == 1);
        CHECK(state(ids[i]).sent_at == now + 67);
    }
    CHECK(ids_unique(buf_str(&all)));
    /* What arrived carries the Message-ID the failed attempts had. */
    for (int i = 0; i < 5; i++) {
        char addr[64], hdr[300];
        snprintf(addr, sizeof addr, "down%d@example.com", i);
        snprintf(hdr, sizeof hdr, "\nMessage-ID: %s\n", first_ids[i]);
        CHECK(message_for(buf_str(&all), addr, &msg) == 1);
        CHECK_CONTAINS(buf_str(&msg), hdr);
    }
    buf_free(&all);
    buf_free(&msg);
}

/* A claimed row is skipped by other passes until its lease ends; two
** processes passing over the same outbox at once send each mail once. */
static void test_lease(time_t now, const char *dbpath)
{
    int before = smtp_count(&smtp);
    int64_t id = queue("leased@example.com", "Leased", now);
    buf err = BUF_INIT;
    db *other = db_open(dbpath, &err);
    CHECK(other != NULL);
    if (!other) {
        buf_free(&err);
        return;
    }
    outbox_item it;
    CHECK(db_begin_write(other) == 0);
    CHECK(outbox_due(other, ar, now, &it, 1) == 1 && it.id == id);
    CHECK(outbox_claim(other, id, now, now + 600) == 1);
    CHECK(outbox_claim(other, id, now, now + 600) == 0); /* no longer due: cannot be claimed twice */
    CHECK(db_commit(other) == 0);
    db_close(other);
    jobs_stats st;
    CHECK(jobs_outbox_pass(d, &cfg, now, &st) == 0);
    CHECK(st.sent == 0 && smtp_count(&smtp) == before);
    CHECK(jobs_outbox_pass(d, &cfg, now + 601, &st) == 0); /* the claimant vanished: the lease ran out */
    CHECK(st.sent == 1 && smtp_count(&smtp) == before + 1);

    int64_t ids[20];
    for (int i = 0; i < 20; i++) {
        char addr[64];
        snprintf(addr, sizeof addr, "race%d@example.com", i);
        ids[i] = queue(addr, "Raced", now + 700);
    }
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            db *mine = db_open(dbpath, &err);
            jobs_stats s2;
            int sent = -1;
            if (mine && jobs_outbox_pass(mine, &cfg, now + 700, &s2) == 0)
                sent = s2.sent;
            db_close(mine);
            _exit(sent < 0 ? 255 : sent);
        }
    }
    int total = 0;
    for (int k = 0; k < 2; k++) {
        int status = 0;
        CHECK(kids[k] > 0 && waitpid(kids[k], &status, 0) == kids[k]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) <= 20);
        total += WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    }
    CHECK(total == 20);
    CHECK(smtp_count(&smtp) == before + 21);
    buf all = BUF_INIT, msg = BUF_INIT;
    smtp_read_all(&smtp, &all);
    for (int i = 0; i < 20; i++) {
        char addr[64];
        snprintf(addr, sizeof addr, "race%d@example.com", i);
        CHECK(message_for(buf_str(&all), addr, &msg) == 1);
        CHECK(state(ids[i]).sent_at == now + 700);
    }
    CHECK(ids_unique(buf_str(&all)));
    buf_free(&all);
    buf_free(&msg);
    buf_free(&err);
}

/* (3) Rows that keep failing: stuck after 3 attempts, failed after the
** configured maximum, listed for staff; a staff retry delivers one. */
static void test_give_up(time_t now)
{
    int saved = cfg.mail_max_attempts, before = smtp_count(&smtp);
    cfg.mail_max_attempts = 4;
    CHECK(smtp_pause(&smtp) == 0);
    int64_t c1 = queue("stuck1@example.com", "Never arrives", now);
    int64_t c2 = queue("stuck2@example.com", "Never arrives either", now);
    jobs_stats st;
    time_t at[] = {now, now + 200, now + 500};
    for (int i = 0; i < 3; i++) {
        CHECK(jobs_outbox_pass(d, &cfg, at[i], &st) == 0);
        CHECK(st.retried == 2 && st.failed == 0);
    }
    json_t *pr = outbox_problems(d);
    json_int_t fa = -1;
    CHECK(problem_has(pr, c1, &fa) && fa == 0); /* stuck, not failed yet */
    CHECK(problem_has(pr, c2, &fa) && fa == 0);
    json_decref(pr);
    CHECK(jobs_outbox_pass(d, &cfg, now + 1000, &st) == 0);
    CHECK(st.failed == 2 && st.retried == 0 && st.sent == 0);
    outbox_state s = state(c1);
    CHECK(s.attempts == 4 && s.failed_at == now + 1000 && s.sent_at == 0 && s.last_error != NULL);
    pr = outbox_problems(d);
    CHECK(json_is_array(pr));
    CHECK(problem_has(pr, c1, &fa) && fa == now + 1000);
    CHECK(problem_has(pr, c2, &fa) && fa == now + 1000);
    json_t *first = json_array_get(pr, 0);
    CHECK_STR(json_string_value(json_object_get(first, "kind")), "mail");
    CHECK(json_string_value(json_object_get(first, "last_error")) != NULL);
    CHECK(json_string_value(json_object_get(first, "subject")) != NULL);
    CHECK(json_integer_value(json_object_get(first, "created_at")) == now);
    json_decref(pr);
    json_t *counts = outbox_counts(d);
    CHECK(json_integer_value(json_object_get(counts, "failed")) == 2);
    json_decref(counts);
    /* Failed rows are left alone by later passes. */
    CHECK(jobs_outbox_pass(d, &cfg, now + 100000, &st) == 0);
    CHECK(st.sent == 0 && st.retried == 0 && st.failed == 0);
    CHECK(smtp_resume(&smtp) == 0);
    CHECK(jobs_outbox_pass(d, &cfg, now + 100000, &st) == 0);
    CHECK(st.sent == 0);
    /* Staff retry of one of them. */
    CHECK(db_begin_write(d) == 0);
    CHECK(outbox_retry_now(d, c1, now + 2000) == 1);
    CHECK(outbox_retry_now(d, 999999, now + 2000) == 0);
    CHECK(db_commit(d) == 0);
    CHECK(jobs_outbox_pass(d, &cfg, now + 2000, &st) == 0);
    CHECK(st.sent == 1);
    CHECK(smtp_count(&smtp) == before + 1);
    CHECK(state(c1).sent_at == now + 2000 && state(c1).failed_at == 0);
    CHECK(state(c2).failed_at == now + 1000);
    pr = outbox_problems(d);
    CHECK(!problem_has(pr, c1, &fa));
    CHECK(problem_has(pr, c2, &fa));
    json_decref(pr);
    /* A sent row cannot be retried. */
    CHECK(outbox_retry_now(d, c1, now + 3000) == 0);
    cfg.mail_max_attempts = saved;
}

/* --- the community stand-in --- */

static const char http_stub[] =
    "import http.server, json, os, sys\n"
    "log, portfile = sys.argv[1], sys.argv[2]\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def log_message(self, *a): pass\n"
    "    def do_POST(self):\n"
    "        body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()\n"
    "        h = self.headers\n"
    "        with open(log, 'a') as f:\n"
    "            f.write(json.dumps({'path': self.path, 'key': h.get('Api-Key'), 'user': h.get('Api-Username'),\n"
    "                'accept': h.get('Accept'), 'ctype': h.get('Content-Type'), 'body': body}) + '\\n')\n"
    "        if body.startswith('email=old%40'): code, out = 422, {'errors': ['Email has already been invited']}\n"
    "        elif body.startswith('email=member%40'): code, out = 422, {'message': 'User is ALREADY a member', 'failed': 'FAILED'}\n"
    "        elif body.startswith('email=bad%40'): code, out = 422, {'errors': ['Email is invalid']}\n"
    "        elif body.startswith('email=boom'): code, out = 500, {'errors': ['internal error']}\n"
    "        else: code, out = 200, {'success': 'OK'}\n"
    "        data = json.dumps(out).encode()\n"
    "        self.send_response(code)\n"
    "        self.send_header('Content-Type', 'application/json')\n"
    "        self.send_header('Content-Length', str(len(data)))\n"
    "        self.end_headers()\n"
    "        self.wfile.write(data)\n"
    "srv = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
    "with open(portfile + '.tmp', 'w') as f: f.write(str(srv.server_address[1]))\n"
    "os.rename(portfile + '.tmp', portfile)\n"
    "srv.serve_forever()\n";

/* Start the stand-in API writing its request log to log; its pid (group
** leader) and port in *pid, *port. 0 or -1. */
static int stub_start(const char *log, pid_t *pid, int *port)
{
    char portfile[128];
    snprintf(portfile, sizeof portfile, "%s/stub.port", tmpdir);
    *pid = fork();
    if (*pid < 0)
        return -1;
    if (*pid == 0) {
        setpgid(0, 0);
        execl("/usr/bin/python3", "python3", "-c", http_stub, log, portfile, (char *)NULL);
        _exit(127);
    }
    setpgid(*pid, *pid);
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(portfile, "r");
        if (f) {
            int ok = fscanf(f, "%d", port) == 1;
            fclose(f);
            if (ok)
                return 0;
        }
        struct timespec ts = {0, 50000000L};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Stop the stand-in API. */
static void stub_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(-pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* The request log, as a JSON array of request objects (caller decrefs). */
static json_t *requests(const char *log)
{
    json_t *arr = json_array();
    FILE *f = fopen(log, "r");
    if (!f)
        return arr;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        json_t *o = json_loads(line, 0, NULL);
        if (o)
            json_array_append_new(arr, o);
    }
    fclose(f);
    return arr;
}

/* Replace a config string with a copy of v. */
static void set_str(char **field, const char *v)
{
    free(*field);
    *field = strdup(v);
}

/* (4) Invitations: request shape, "already" answers, failures, and the
** 'community' outbox kind through the jobs pass. */
static void test_community(time_t now)
{
    char log[128];
    snprintf(log, sizeof log, "%s/requests.log", tmpdir);
    pid_t pid = 0;
    int port = 0;
    CHECK(stub_start(log, &pid, &port) == 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    set_str(&cfg.community_api_url, url);
    set_str(&cfg.community_api_key, "test-key-123");
    set_str(&cfg.community_api_user, "system");

    buf err = BUF_INIT;
    CHECK(community_invite(&cfg, "new.member+x@example.com", &err) == 0);
    json_t *rq = requests(log);
    CHECK(json_array_size(rq) == 1);
    json_t *r = json_array_get(rq, 0);
    CHECK_STR(json_string_value(json_object_get(r, "path")), "/invites.json");
    CHECK_STR(json_string_value(json_object_get(r, "key")), "test-key-123");
    CHECK_STR(json_string_value(json_object_get(r, "user")), "system");
    CHECK_STR(json_string_value(json_object_get(r, "accept")), "application/json");
    CHECK_STR(json_string_value(json_object_get(r, "ctype")), "application/x-www-form-urlencoded");
    CHECK_STR(json_string_value(json_object_get(r, "body")), "email=new.member%2Bx%40example.com");
    json_decref(rq);

    CHECK(community_invite(&cfg, "old@example.com", &err) == 0);    /* 422 already invited */
    CHECK(community_invite(&cfg, "member@example.com", &err) == 0); /* 422 already a member */
    CHECK(err.len == 0);
    CHECK(community_invite(&cfg, "bad@example.com", &err) == -1);   /* 422 for another reason */
    CHECK_CONTAINS(buf_str(&err), "HTTP 422");
    CHECK_CONTAINS(buf_str(&err), "invalid");
    buf_reset(&err);
    CHECK(community_invite(&cfg, "boom@example.com", &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "HTTP 500");
    CHECK(!strchr(buf_str(&err), '\n'));
    buf_reset(&err);
    CHECK(community_invite(&cfg, "x@example.com\r\nApi-Key: stolen", &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "invalid");
    buf_reset(&err);
    rq = requests(log);
    CHECK(json_array_size(rq) == 5); /* the invalid address never left */
    json_decref(rq);

    /* Through the outbox: one goes through, one is retried. */
    CHECK(db_begin_write(d) == 0);
    int64_t ok_id = outbox_add_community(d, "queued@example.com", now);
    int64_t boom_id = outbox_add_community(d, "boom2@example.com", now);
    CHECK(outbox_add_community(d, "not an address", now) == -1);
    CHECK(db_commit(d) == 0);
    CHECK(ok_id > 0 && boom_id > ok_id);
    int mails = smtp_count(&smtp);
    jobs_stats st;
    CHECK(jobs_outbox_pass(d, &cfg, now, &st) == 0);
    CHECK(st.sent == 1 && st.retried == 1 && st.failed == 0);
    CHECK(smtp_count(&smtp) == mails);
    CHECK(state(ok_id).sent_at == now);
    outbox_state b = state(boom_id);
    CHECK(b.sent_at == 0 && b.attempts == 1 && b.last_error && strstr(b.last_error, "HTTP 500"));
    CHECK_STR(b.kind, "community");
    rq = requests(log);
    CHECK(json_array_size(rq) == 7);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rq, 5), "body")), "email=queued%40example.com");
    json_decref(rq);

    /* Nobody listening: an error, not a hang. */
    stub_stop(pid);
    CHECK(community_invite(&cfg, "late@example.com", &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "community:");
    buf_reset(&err);
    /* No API configured: nothing to do, success. */
    set_str(&cfg.community_api_url, "");
    CHECK(community_invite(&cfg, "late@example.com", &err) == 0);
    buf_free(&err);
}

/* A permanent refusal (SMTP 5xx) ends the retries at once: the message is
** failed and flagged refused from its first attempt, later passes leave it
** alone, and a staff retry gives it exactly one more attempt. */
static void test_refused(time_t now)
{
    int before = smtp_count(&smtp);
    int64_t id = queue("refused-box@example.com", "Nobody here", now);
    buf err = BUF_INIT;
    CHECK(mail_send(&cfg, "refused-other@example.com", "Subject: x\r\n\r\nx\r\n", 22, &err) == -2);
    CHECK_CONTAINS(buf_str(&err), "550");
    buf_free(&err);
    jobs_stats st;
    CHECK(jobs_outbox_pass(d, &cfg, now, &st) == 0);
    CHECK(st.failed == 1 && st.retried == 0 && st.sent == 0);
    outbox_state s = state(id);
    CHECK(s.attempts == 1 && s.failed_at == now && s.sent_at == 0 && s.refused == 1);
    CHECK(s.last_error && strstr(s.last_error, "550"));
    json_t *pr = outbox_problems(d);
    json_int_t fa = -1;
    CHECK(problem_has(pr, id, &fa) && fa == now);
    json_decref(pr);
    /* Not retried by later passes, however late. */
    CHECK(jobs_outbox_pass(d, &cfg, now + 100000, &st) == 0);
    CHECK(st.failed == 0 && st.retried == 0 && st.sent == 0);
    CHECK(state(id).attempts == 1);
    /* Staff retry: one more attempt, refused again. */
    CHECK(db_begin_write(d) == 0);
    CHECK(outbox_retry_now(d, id, now + 200000) == 1);
    CHECK(db_commit(d) == 0);
    CHECK(state(id).refused == 0 && state(id).failed_at == 0);
    CHECK(jobs_outbox_pass(d, &cfg, now + 200000, &st) == 0);
    CHECK(st.failed == 1);
    s = state(id);
    CHECK(s.attempts == 2 && s.refused == 1 && s.failed_at == now + 200000);
    CHECK(smtp_count(&smtp) == before);
}

/* --- the staff outbox through nginx --- */

static stack site;
static db *site_db;

/* Wait-for state: an outbox row of the running site. */
struct row_wait {
    int64_t id;
    int attempts;  /* at least this many failed attempts */
    int sent;      /* or: sent */
};

/* 1 once the row has the attempts (or is sent) that w asks for. */
static int row_ready(void *arg)
{
    struct row_wait *w = arg;
    outbox_state s;
    if (outbox_get(site_db, ar, w->id, &s) != 1)
        return 0;
    return w->sent ? s.sent_at != 0 : s.attempts >= w->attempts;
}

/* Queue a mail in the running site's database; its id. */
/* The audit lines for subject, oldest first, as "action,action": in out. */
static const char *audit_actions(const char *subject, char *out, size_t n)
{
    sqlite3_stmt *st = db_stmt(site_db, "SELECT group_concat(action, ',') FROM"
                                        " (SELECT action FROM audit_log WHERE subject = ?1 ORDER BY id)");
    db_bind_text(st, 1, subject);
    const char *v = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    snprintf(out, n, "%s", v ? v : "");
    db_done(st);
    return out;
}

static int64_t site_queue(const char *addr, const char *subject, const char *text)
{
    mail_msg m = {.to_addr = addr, .subject = subject, .text = text};
    CHECK(db_begin_write(site_db) == 0);
    int64_t id = outbox_add_mail(site_db, &m, time(NULL));
    CHECK(db_commit(site_db) == 0);
    CHECK(id > 0);
    return id;
}

/* Staff see every message from its first failed attempt, read its text
** (escaped) with its headers, and "Retry now" answers 303 with a notice,
** 404 for no such message, 409 for one already sent, each change audited. */
static void test_staff_pages(void)
{
    buf out = BUF_INIT;
    CHECK(stack_run(&site, "echo 'staff-password-1' | \"${BUILD:-build}\"/journeys user add staff@example.org "
                           "--name 'Sam Staff' --role staff", &out) == 0);
    buf_reset(&out);
    CHECK(stack_run(&site, "echo 'member-password-1' | \"${BUILD:-build}\"/journeys user add member@example.org "
                           "--name 'Mo Member'", &out) == 0);
    buf_free(&out);
    buf err = BUF_INIT;
    site_db = db_open(stack_path(&site, "var/journeys.db"), &err);
    CHECK(site_db != NULL);
    buf_free(&err);
    if (!site_db)
        return;
    browser staff, member;
    browser_open(&staff, &site);
    browser_open(&member, &site);
    http_res r;
    browser_submit(&staff, "/signin", "/signin", "email=staff%40example.org&password=staff-password-1", &r);
    CHECK(r.status == 303);
    http_res_free(&r);
    browser_submit(&member, "/signin", "/signin", "email=member%40example.org&password=member-password-1", &r);
    CHECK(r.status == 303);
    http_res_free(&r);

    int64_t bad = site_queue("refused-reader@example.com", "Your <seat> & \"dates\"",
                             "Hello <script>alert(1)</script> & welcome.\nSecond line.\n");
    int64_t good = site_queue("reader@example.com", "Delivered", "This one arrives.\n");
    struct row_wait wb = {bad, 1, 0}, wg = {good, 0, 1};
    CHECK(harness_wait(row_ready, &wb, 15000));
    CHECK(harness_wait(row_ready, &wg, 15000));

    /* The list: the refused one is a problem after its first attempt. */
    CHECK(browser_get(&staff, "/staff/outbox", &r) == 0);
    CHECK(r.status == 200);
    char link[64];
    snprintf(link, sizeof link, "href=\"/staff/outbox/%lld\"", (long long)bad);
    CHECK_CONTAINS(buf_str(&r.body), link);
    CHECK_CONTAINS(buf_str(&r.body), "Refused by the mail server");
    char action[80];
    snprintf(action, sizeof action, "action=\"/staff/outbox/%lld/retry\"", (long long)bad);
    CHECK_CONTAINS(buf_str(&r.body), action);
    CHECK_CONTAINS(buf_str(&r.body), "Your &lt;seat&gt; &amp; &quot;dates&quot;");
    snprintf(link, sizeof link, "href=\"/staff/outbox/%lld\"", (long long)good);
    CHECK_CONTAINS(buf_str(&r.body), link); /* sent ones are listed too */
    http_res_free(&r);

    /* One message: headers and the text part, escaped. */
    char path[80];
    snprintf(path, sizeof path, "/staff/outbox/%lld", (long long)bad);
    CHECK(browser_get(&staff, path, &r) == 0);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; welcome.\nSecond line.");
    CHECK(!strstr(buf_str(&r.body), "<script>alert"));
    CHECK_CONTAINS(buf_str(&r.body), "&lt;refused-reader@example.com&gt;");
    CHECK_CONTAINS(buf_str(&r.body), "550");
    outbox_state sb;
    CHECK(outbox_get(site_db, ar, bad, &sb) == 1);
    CHECK(sb.message_id != NULL);
    if (sb.message_id) {
        char mid[300];
        snprintf(mid, sizeof mid, "<code>&lt;%.*s&gt;</code>", (int)strlen(sb.message_id) - 2, sb.message_id + 1);
        CHECK_CONTAINS(buf_str(&r.body), mid);
    }
    http_res_free(&r);
    snprintf(path, sizeof path, "/staff/outbox/%lld", (long long)good);
    CHECK(browser_get(&staff, path, &r) == 0);
    CHECK(r.status == 200);
    CHECK_CONTAINS(buf_str(&r.body), "This one arrives.");
    CHECK_CONTAINS(buf_str(&r.body), "Sent");
    CHECK(!strstr(buf_str(&r.body), "/retry\""));
    http_res_free(&r);
    CHECK(browser_get(&staff, "/staff/outbox/999999", &r) == 0);
    CHECK(r.status == 404);
    CHECK_CONTAINS(buf_str(&r.body), "no message with this number");
    http_res_free(&r);
    /* Not for participants. */
    snprintf(path, sizeof path, "/staff/outbox/%lld", (long long)bad);
    CHECK(browser_get(&member, path, &r) == 0);
    CHECK(r.status == 403);
    CHECK(!strstr(buf_str(&r.body), "alert(1)"));
    http_res_free(&r);

    /* Retry now: 303 back to the outbox with a notice, audited. */
    snprintf(path, sizeof path, "/staff/outbox/%lld/retry", (long long)bad);
    char from[80];
    snprintf(from, sizeof from, "/staff/outbox/%lld", (long long)bad);
    CHECK(browser_submit(&staff, from, path, "", &r) == 0);
    CHECK(r.status == 303);
    char *loc = http_res_header(&r, "Location");
    CHECK_STR(loc, "/staff/outbox");
    free(loc);
    http_res_free(&r);
    CHECK(browser_get(&staff, "/staff/outbox", &r) == 0);
    CHECK_CONTAINS(buf_str(&r.body), "The message will be tried again shortly.");
    http_res_free(&r);
    char subject[64];
    snprintf(subject, sizeof subject, "outbox:%lld", (long long)bad);
    char actions[256];
    CHECK_STR(audit_actions(subject, actions, sizeof actions), "outbox.retry");
    /* ...and the jobs pass tries it again (refused again: attempt 2). */
    struct row_wait wb2 = {bad, 2, 0};
    CHECK(harness_wait(row_ready, &wb2, 15000));

    /* No such message: 404 with a message, nothing audited. */
    CHECK(browser_submit(&staff, "/staff/outbox", "/staff/outbox/999999/retry", "", &r) == 0);
    CHECK(r.status == 404);
    CHECK_CONTAINS(buf_str(&r.body), "There is no message with this number in the outbox");
    http_res_free(&r);
    CHECK_STR(audit_actions("outbox:999999", actions, sizeof actions), "");
    /* Sent already: 409, nothing to retry. */
    snprintf(path, sizeof path, "/staff/outbox/%lld/retry", (long long)good);
    CHECK(browser_submit(&staff, "/staff/outbox", path, "", &r) == 0);
    CHECK(r.status == 409);
    CHECK_CONTAINS(buf_str(&r.body), "sent already");
    http_res_free(&r);
    /* Without the CSRF token: refused. */
    browser_post(&staff, path, "", &r);
    CHECK(r.status == 403);
    http_res_free(&r);

    browser_close(&staff);
    browser_close(&member);
    db_close(site_db);
    site_db = NULL;
}

/* mail_send refuses bad addresses before talking to anyone. */
static void test_send_refuses(void)
{
    buf err = BUF_INIT;
    CHECK(mail_send(&cfg, "a@example.com>\r\nRCPT TO:<b@example.com", "x\r\n", 3, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "invalid recipient");
    buf_free(&err);
}

int main(void)
{
    log_quiet(1);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/journeys-mailtest-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    if (smtp_start(&smtp) != 0) {
        CHECK(!"smtp server started");
        rmdir(tmpdir);
        return check_done();
    }
    setenv("JOURNEYS_MAIL_SMTP_URL", smtp_url(&smtp), 1);
    setenv("JOURNEYS_MAIL_TIMEOUT", "5", 1);
    buf err = BUF_INIT;
    CHECK(config_load(&cfg, NULL, &err) == 0);
    CHECK_STR(cfg.smtp_url, smtp_url(&smtp));
    char path[128];
    snprintf(path, sizeof path, "%s/test.db", tmpdir);
    d = db_open(path, &err);
    CHECK(d != NULL);
    CHECK(d && db_migrate(d, &err) == 0);
    ar = arena_new(0);
    if (d) {
        time_t now = time(NULL);
        test_deliver(now);
        test_outage(now);
        test_lease(now, path);
        test_give_up(now);
        test_refused(now);
        test_community(now);
        test_send_refuses();
        CHECK(db_check_idle(d) == 0);
    }
    /* The staff pages, through nginx, against the same SMTP server. */
    static char smtp_env[128];
    snprintf(smtp_env, sizeof smtp_env, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&smtp));
    const char *env[] = {smtp_env, "JOURNEYS_JOBS_INTERVAL=1", "JOURNEYS_MAIL_RETRY_SECONDS=1", NULL};
    if (stack_start(&site, env) == 0)
        test_staff_pages();
    else
        CHECK(!"the stack starts");
    CHECK(stack_stop(&site) == 0);
    if (err.len)
        fprintf(stderr, "%s", buf_str(&err));
    buf_free(&err);
    arena_free(ar);
    db_close(d);
    config_free(&cfg);
    smtp_stop(&smtp);
    const char *files[] = {"test.db", "test.db-wal", "test.db-shm", "requests.log", "stub.port"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    return check_done();
}
