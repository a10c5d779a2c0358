/*
** test_unsub.c: one-click unsubscribe tokens signed and checked with
** hostile inputs (altered ids, streams and MACs, another secret, spare
** base64 bits, lengths, NUL bytes, leading zeros, overflow), and the
** List-Unsubscribe headers mail_compose writes only for a clean URL.
*/
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "mail.h"
#include "unsub.h"

static const char *secret = "0123456789abcdef0123456789abcdef-test";

/* Whether token verifies under secret; when it does, *uid and *stream. */
static int ok(const char *token, int64_t *uid, int *stream)
{
    int64_t u = -7;
    int s = -7;
    int rc = unsub_verify(secret, token, &u, &s);
    if (rc != 0) {
        CHECK(u == -7 && s == -7); /* untouched on failure */
        return 0;
    }
    if (uid)
        *uid = u;
    if (stream)
        *stream = s;
    return 1;
}

static void test_round_trip(void)
{
    char t[UNSUB_TOKEN_MAX];
    int64_t uid;
    int stream;
    CHECK(unsub_sign(secret, 42, UNSUB_NOTIFICATIONS, t) == 0);
    CHECK(!strncmp(t, "42.notifications.", 17));
    CHECK(strlen(t) == 17 + 43);
    CHECK(ok(t, &uid, &stream) && uid == 42 && stream == UNSUB_NOTIFICATIONS);
    CHECK(unsub_sign(secret, 999999999999999999LL, UNSUB_MORNING, t) == 0);
    CHECK(ok(t, &uid, &stream) && uid == 999999999999999999LL && stream == UNSUB_MORNING);
    /* Deterministic: the same person and stream, the same token. */
    char t2[UNSUB_TOKEN_MAX];
    CHECK(unsub_sign(secret, 999999999999999999LL, UNSUB_MORNING, t2) == 0);
    CHECK_STR(t, t2);
    CHECK_STR(unsub_stream_name(UNSUB_NOTIFICATIONS), "notifications");
    CHECK_STR(unsub_stream_name(UNSUB_MORNING), "morning");
    CHECK(unsub_stream_name(0) == NULL && unsub_stream_name(3) == NULL);
}

static void test_sign_refuses(void)
{
    char t[UNSUB_TOKEN_MAX] = "x";
    CHECK(unsub_sign(secret, 0, UNSUB_MORNING, t) == -1 && t[0] == '\0');
    CHECK(unsub_sign(secret, -5, UNSUB_MORNING, t) == -1);
    CHECK(unsub_sign(secret, 1000000000000000000LL, UNSUB_MORNING, t) == -1);
    CHECK(unsub_sign(secret, 5, 0, t) == -1);
    CHECK(unsub_sign(secret, 5, 99, t) == -1);
    CHECK(unsub_sign("", 5, UNSUB_MORNING, t) == -1);
    CHECK(unsub_sign(NULL, 5, UNSUB_MORNING, t) == -1);
}

static void test_hostile(void)
{
    char good[UNSUB_TOKEN_MAX], bad[256];
    CHECK(unsub_sign(secret, 42, UNSUB_NOTIFICATIONS, good) == 0);
    const char *mac = strrchr(good, '.') + 1;

    /* Another person, another stream, with the same MAC. */
    snprintf(bad, sizeof bad, "43.notifications.%s", mac);
    CHECK(!ok(bad, NULL, NULL));
    snprintf(bad, sizeof bad, "42.morning.%s", mac);
    CHECK(!ok(bad, NULL, NULL));
    /* Leading zeros, signs, spaces, overflow: one spelling only. */
    const char *ids[] = {"042", "+42", "-42", " 42", "42 ", "0", "4 2", "0x2a", "1234567890123456789",
                         "99999999999999999999999", ""};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        snprintf(bad, sizeof bad, "%s.notifications.%s", ids[i], mac);
        CHECK(!ok(bad, NULL, NULL));
    }
    /* Streams that are not ours, or spelled otherwise. */
    const char *streams[] = {"Notifications", "notification", "notifications.", "", "morning.notifications",
                             "all", "notificationsX"};
    for (size_t i = 0; i < sizeof streams / sizeof *streams; i++) {
        snprintf(bad, sizeof bad, "42.%s.%s", streams[i], mac);
        CHECK(!ok(bad, NULL, NULL));
    }
    /* Every single-character change of the MAC. */
    int accepted = 0;
    size_t base = (size_t)(mac - good);
    for (size_t i = base; good[i]; i++) {
        snprintf(bad, sizeof bad, "%s", good);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        accepted += ok(bad, NULL, NULL);
    }
    CHECK(accepted == 0);
    /* Spare bits in the last base64 character: the MAC decodes the same,
    ** but only the canonical spelling is accepted. */
    snprintf(bad, sizeof bad, "%s", good);
    char *last = bad + strlen(bad) - 1;
    const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int pos = (int)(strchr(alpha, *last) - alpha);
    *last = alpha[pos ^ 1];
    CHECK(!ok(bad, NULL, NULL));
    /* Cut short, lengthened, padded, standard base64, other secret. */
    snprintf(bad, sizeof bad, "%.*s", (int)strlen(good) - 1, good);
    CHECK(!ok(bad, NULL, NULL));
    snprintf(bad, sizeof bad, "%sA", good);
    CHECK(!ok(bad, NULL, NULL));
    snprintf(bad, sizeof bad, "%s=", good);
    CHECK(!ok(bad, NULL, NULL));
    snprintf(bad, sizeof bad, "%s", good);
    for (char *p = strrchr(bad, '.') + 1; *p; p++)
        if (*p == '-' || *p == '_')
            *p = *p == '-' ? '+' : '/';
    if (strcmp(bad, good) != 0)
        CHECK(!ok(bad, NULL, NULL));
    int64_t u = 0;
    int s = 0;
    CHECK(unsub_verify("another secret of the same length, nearly!!", good, &u, &s) == -1);
    CHECK(unsub_verify("", good, &u, &s) == -1);
    CHECK(unsub_verify(NULL, good, &u, &s) == -1);
    /* Nothing, junk, too long, a NUL in the middle, separators only. */
    CHECK(!ok(NULL, NULL, NULL));
    CHECK(!ok("", NULL, NULL));
    CHECK(!ok("..", NULL, NULL));
    CHECK(!ok("42..", NULL, NULL));
    CHECK(!ok("42.notifications.", NULL, NULL));
    CHECK(!ok("42.notifications", NULL, NULL));
    CHECK(!ok("<script>alert(1)</script>", NULL, NULL));
    char huge[4096];
    memset(huge, 'A', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    memcpy(huge, good, strlen(good));
    CHECK(!ok(huge, NULL, NULL));
    char nul[UNSUB_TOKEN_MAX + 8];
    memcpy(nul, good, strlen(good) + 1);
    nul[10] = '\0';
    CHECK(!ok(nul, NULL, NULL));
    /* The genuine one still passes after all that. */
    CHECK(ok(good, NULL, NULL));
}

/* The unsubscribe headers: written for a clean URL, left out otherwise,
** never a way to add a header line. */
static void test_headers(void)
{
    mail_msg m = {.to_addr = "ana@example.org", .subject = "Hi", .text = "Hello\n",
                  .unsubscribe = "https://courses.example.org/unsubscribe?t=42.notifications.abc"};
    buf out = BUF_INIT;
    CHECK(mail_compose(&out, "journeys@example.org", "Journeys", &m, 0) == 0);
    CHECK_CONTAINS(buf_str(&out),
                   "\r\nList-Unsubscribe: <https://courses.example.org/unsubscribe?t=42.notifications.abc>\r\n");
    CHECK_CONTAINS(buf_str(&out), "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    const char *bad[] = {"https://x.example/u?t=1\r\nBcc: eve@example.org", "javascript:alert(1)",
                         "https://x.example/u?t=a b", "https://x.example/<u>", "ftp://x.example/u", "",
                         "https://x.example/\"u\"", "mailto:u@example.org"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        buf_reset(&out);
        m.unsubscribe = bad[i];
        CHECK(mail_compose(&out, "journeys@example.org", "Journeys", &m, 0) == 0);
        CHECK(strstr(buf_str(&out), "List-Unsubscribe") == NULL);
        CHECK(strstr(buf_str(&out), "\r\nBcc:") == NULL);
    }
    buf_reset(&out);
    m.unsubscribe = NULL;
    CHECK(mail_compose(&out, "journeys@example.org", "Journeys", &m, 0) == 0);
    CHECK(strstr(buf_str(&out), "List-Unsubscribe") == NULL);
    buf_free(&out);
}

int main(void)
{
    test_round_trip();
    test_sign_refuses();
    test_hostile();
    test_headers();
    return check_done();
}
