/*
** crypto.c: passwords, tokens and hashes with libsodium (see crypto.h).
*/
#include "crypto.h"

#include <sodium.h>
#include <string.h>

int crypto_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void crypto_token(char out[CRYPTO_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, CRYPTO_TOKEN_LEN + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void crypto_token_hash(const char *token, unsigned char out[CRYPTO_HASH_LEN])
{
    crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_LEN])
{
    return crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
}

int crypto_password_check(const char *password, const char *stored)
{
    if (!stored || !*stored)
        return 0;
    return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

const char *crypto_dummy_hash(void)
{
    static char dummy[CRYPTO_PWHASH_LEN];
    if (!dummy[0]) {
        char pw[CRYPTO_TOKEN_LEN + 1];
        crypto_token(pw);
        crypto_password_hash(pw, dummy);
    }
    return dummy;
}

int crypto_str_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b))
        return 0;
    return sodium_memcmp(a, b, n) == 0;
}

void crypto_password_cost(unsigned long long *ops, size_t *mem)
{
    *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}
