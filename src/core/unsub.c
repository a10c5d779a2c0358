/*
** unsub.c: signed one-click unsubscribe tokens (see unsub.h).
*/
#include "unsub.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define MAC_CHARS 43 /* URL-safe base64 of 32 bytes, no padding */

const char *unsub_stream_name(int stream)
{
    switch (stream) {
    case UNSUB_NOTIFICATIONS:
        return "notifications";
    case UNSUB_MORNING:
        return "morning";
    default:
        return NULL;
    }
}

/* The MAC key for secret: BLAKE2b of a fixed label and the secret, so the
** same secret used elsewhere never gives the same key. */
static void derive_key(const char *secret, unsigned char key[crypto_auth_KEYBYTES])
{
    crypto_generichash_state h;
    static const char label[] = "journeys unsubscribe v1";
    crypto_generichash_init(&h, NULL, 0, crypto_auth_KEYBYTES);
    crypto_generichash_update(&h, (const unsigned char *)label, sizeof label);
    crypto_generichash_update(&h, (const unsigned char *)secret, strlen(secret));
    crypto_generichash_final(&h, key, crypto_auth_KEYBYTES);
}

/* The MAC of (user_id, stream name) under secret into mac. */
static void compute_mac(const char *secret, int64_t user_id, const char *name, unsigned char mac[crypto_auth_BYTES])
{
    unsigned char key[crypto_auth_KEYBYTES];
    char msg[96];
    int n = snprintf(msg, sizeof msg, "unsubscribe:%lld:%s", (long long)user_id, name);
    derive_key(secret, key);
    crypto_auth(mac, (const unsigned char *)msg, (unsigned long long)n, key);
    sodium_memzero(key, sizeof key);
}

int unsub_sign(const char *secret, int64_t user_id, int stream, char out[UNSUB_TOKEN_MAX])
{
    out[0] = '\0';
    const char *name = unsub_stream_name(stream);
    if (!secret || !*secret || user_id <= 0 || user_id > 999999999999999999LL || !name || sodium_init() < 0)
        return -1;
    unsigned char mac[crypto_auth_BYTES];
    compute_mac(secret, user_id, name, mac);
    char b64[MAC_CHARS + 1];
    sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, UNSUB_TOKEN_MAX, "%lld.%s.%s", (long long)user_id, name, b64);
    return 0;
}

int unsub_verify(const char *secret, const char *token, int64_t *user_id, int *stream)
{
    if (!secret || !*secret || !token || sodium_init() < 0)
        return -1;
    size_t len = strnlen(token, UNSUB_TOKEN_MAX);
    if (len >= UNSUB_TOKEN_MAX)
        return -1;
    /* The user id: 1 to 18 digits, no leading zero. */
    size_t i = 0;
    int64_t uid = 0;
    while (i < len && token[i] >= '0' && token[i] <= '9') {
        if (i == 18)
            return -1;
        uid = uid * 10 + (token[i] - '0');
        i++;
    }
    if (i == 0 || token[0] == '0' || i >= len || token[i] != '.')
        return -1;
    const char *rest = token + i + 1;
    int found = 0;
    const char *name = NULL;
    for (int s = UNSUB_NOTIFICATIONS; s <= UNSUB_MORNING; s++) {
        const char *n = unsub_stream_name(s);
        size_t k = strlen(n);
        if (!strncmp(rest, n, k) && rest[k] == '.') {
            found = s;
            name = n;
            rest += k + 1;
            break;
        }
    }
    if (!found || strlen(rest) != MAC_CHARS)
        return -1;
    for (const char *p = rest; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_'))
            return -1;
    unsigned char got[crypto_auth_BYTES];
    size_t got_len = 0;
    if (sodium_base642bin(got, sizeof got, rest, MAC_CHARS, NULL, &got_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got_len != sizeof got)
        return -1;
    /* Re-encode: base64 has spare bits in its last character, and only the
    ** one spelling unsub_sign writes is accepted. */
    char again[MAC_CHARS + 1];
    sodium_bin2base64(again, sizeof again, got, sizeof got, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (strcmp(again, rest) != 0)
        return -1;
    unsigned char want[crypto_auth_BYTES];
    compute_mac(secret, uid, name, want);
    if (sodium_memcmp(got, want, sizeof want) != 0)
        return -1;
    *user_id = uid;
    *stream = found;
    return 0;
}
